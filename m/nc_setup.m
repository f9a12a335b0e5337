% SPDX-License-Identifier: GPL-3.0-or-later

function nc_setup ()
%NC_SETUP  Put every public ncufm function on the path.
%   NC_SETUP
%
%   Run from the repository root after building the MEX files (make, or
%   nc_build from inside Octave or MATLAB):
%       addpath ('m'); nc_setup
%   It adds m/ (the library) and m/figures/ (nc_figures, which redraws the
%   paper's figures) to the path, and warns with the command to run when
%   the MEX files are not built.  An installed package (pkg load ncufm)
%   needs no setup.
%
%   See also: nc_build, nc_version
  here = fileparts (mfilename ('fullpath'));
  addpath (here);
  addpath (fullfile (here, 'figures'));
  if ~ exist (fullfile (here, ['nc_solve.' mexext()]), 'file')
    warning ('ncufm:notBuilt', ...
             'nc_setup: the MEX files are not built; run ''make'' in %s (or nc_build)', ...
             fileparts (here));
  end
end

%!test
%! nc_setup ();
%! assert (exist ('nc_solve'), 3);
%! assert (exist ('nc_figures'), 2);
