% SPDX-License-Identifier: GPL-3.0-or-later

function install_test (tarball, prefix)
%INSTALL_TEST  Installs the package TARBALL into the empty folder PREFIX, uses
%   it the way a user would (functions, help, tests, demos, news, citation),
%   uninstalls it and checks that nothing is left.  Prints one line per check
%   and "package: N passed, N failed".  Octave only: pkg is Octave's.
  pkg ('prefix', fullfile (prefix, 'share'), fullfile (prefix, 'arch'));
  pkg ('local_list', fullfile (prefix, 'octave_packages'));
  passed = 0;
  failed = 0;
  function check (ok, what)
    if ok
      passed = passed + 1;
      fprintf ('  ok    %s\n', what);
    else
      failed = failed + 1;
      fprintf ('  FAIL  %s\n', what);
    end
  end
  pkg ('install', '-local', tarball);
  pkg ('load', 'ncufm');
  installed = pkg ('list', 'ncufm');
  check (numel (installed) == 1 && strncmp (installed{1}.dir, prefix, numel (prefix)), ...
         'installed into the given prefix');
  check (strncmp (which ('nc_solve'), prefix, numel (prefix)) && exist ('nc_solve') == 3, ...
         'nc_solve is the installed MEX file');
  [Z, ~, info] = nc_solve ([500 500 100], 1e-3, 0.01);
  check (isequal (size (Z), [3 3]) && info.converged, 'nc_solve runs');
  check (abs (nc_lambda (5, 1/20) - 1) < 1e-15, 'nc_lambda runs');
  text = help ('nc_solve');
  check (~ isempty (strfind (text, 'NC_SOLVE')), 'help of a MEX function comes from its stub');
  d = installed{1}.dir;
  desc = fileread (fullfile (d, 'packinfo', 'DESCRIPTION'));
  check (~ isempty (strfind (desc, ['Version: ' nc_version()])), 'nc_version reads the installed DESCRIPTION');
  check (exist ('nc_figures') == 2, 'nc_figures is on the path (PKG_ADD)');
  check (test ('nc_lambda', 'quiet'), 'test nc_lambda passes');
  check (test ('nc_solve', 'quiet'), 'test nc_solve passes');
  try
    evalc ('demo (''nc_lambda'')');
    check (true, 'demo nc_lambda runs');
  catch err
    check (false, ['demo nc_lambda runs: ' err.message]);
  end
  check (~ isempty (evalc ('news (''ncufm'')')), 'news ncufm');
  check (~ isempty (strfind (evalc ('citation (''ncufm'')'), 'Hong')), 'citation ncufm');
  pkg ('unload', 'ncufm');
  check (exist ('nc_solve') == 0, 'pkg unload removes the functions');
  pkg ('uninstall', '-local', 'ncufm');
  check (isempty (pkg ('list', 'ncufm')) && ~ exist (d, 'dir'), 'pkg uninstall removes the package');
  fprintf ('package: %d passed, %d failed\n', passed, failed);
end
