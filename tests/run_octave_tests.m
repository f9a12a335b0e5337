% SPDX-License-Identifier: GPL-3.0-or-later

% Runs the %!test blocks of every .m file of the library (m/, its private
% helpers and the figure pipeline), of tests/octave/ and of the scripts
% behind docs/training.md (docs/training/), prints one line per
% file and a total "octave: N passed, N failed".  A private function is only
% visible from its parent folder or its own, so each file's tests run from
% the file's folder.
1;
root = fileparts (fileparts (mfilename ('fullpath')));
addpath (fullfile (root, 'm'));
nc_setup ();
folders = {fullfile(root, 'm'), fullfile(root, 'm', 'private'), fullfile(root, 'm', 'figures'), ...
           fullfile(root, 'm', 'figures', 'private'), fullfile(root, 'tests', 'octave'), ...
           fullfile(root, 'docs', 'training')};
passed = 0; failed = 0;
start = pwd ();
for d = folders
  files = dir (fullfile (d{1}, '*.m'));
  for i = 1:numel (files)
    f = fullfile (files(i).folder, files(i).name);
    if isempty (strfind (fileread (f), '%!'))
      continue;
    end
    cd (d{1});
    [ok, total] = test (files(i).name, 'quiet', 1);
    cd (start);
    fprintf ('%-40s %3d of %3d\n', strrep (f, [root filesep], ''), ok, total);
    passed = passed + ok;
    failed = failed + total - ok;
  end
end
fprintf ('octave: %d passed, %d failed\n', passed, failed);
exit (failed > 0);
