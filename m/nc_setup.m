## -*- texinfo -*-
## @deftypefn {} {} nc_setup ()
## Put every public ncufm function on the path.
##
## Run from the repository root after @code{make}:
## @example
## addpath ("m"); nc_setup
## @end example
## It checks that the MEX files were built and tells how to build them if
## not.  Figure scripts live in @file{m/} as well.
## @end deftypefn
function nc_setup ()
  here = fileparts (mfilename ("fullpath"));
  addpath (here);
  if (! exist (fullfile (here, ["nc_solve." mexext()]), "file"))
    warning ("ncufm:notBuilt", ...
             "nc_setup: the MEX files are not built; run 'make' in %s", fileparts (here));
  endif
endfunction

%!test
%! nc_setup ();
%! assert (exist ("nc_solve"), 3);
