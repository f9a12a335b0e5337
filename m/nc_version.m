% SPDX-License-Identifier: GPL-3.0-or-later

function v = nc_version ()
%NC_VERSION  The version of ncufm, as a character row such as '0.9.0'.
%   V = NC_VERSION
%
%   The one source of the version is the package's DESCRIPTION file: at the
%   repository root for a checkout, in the package's packinfo folder once
%   installed with pkg install.
%
%   Example:
%       fprintf ('ncufm %s\n', nc_version ());
%
%   See also: nc_setup
  here = fileparts (mfilename ('fullpath'));
  candidates = {fullfile(here, '..', 'DESCRIPTION'), fullfile(here, 'packinfo', 'DESCRIPTION')};
  for i = 1:numel (candidates)
    if exist (candidates{i}, 'file')
      tokens = regexp (fileread (candidates{i}), '(?m)^Version:\s*(\S+)', 'tokens', 'once');
      if ~ isempty (tokens)
        v = tokens{1};
        return;
      end
    end
  end
  error ('ncufm:noVersion', 'nc_version: no DESCRIPTION file beside %s', here);
end

%!test
%! v = nc_version ();
%! assert (ischar (v));
%! assert (~ isempty (regexp (v, '^\d+\.\d+\.\d+$', 'once')));
