% Runs the %!test blocks of every file in m/ and tests/octave/, prints one
% line per file and a total "octave: N passed, N failed".
1;
root = fileparts (fileparts (mfilename ("fullpath")));
addpath (fullfile (root, "m"));
nc_setup ();
files = [dir(fullfile (root, "m", "*.m")); dir(fullfile (root, "tests", "octave", "*.m"))];
passed = 0; failed = 0;
for i = 1:numel (files)
  f = fullfile (files(i).folder, files(i).name);
  txt = fileread (f);
  if (isempty (strfind (txt, "%!")))
    continue;
  endif
  [ok, total] = test (f, "quiet", stdout);
  printf ("%-40s %3d of %3d\n", files(i).name, ok, total);
  passed += ok; failed += total - ok;
endfor
printf ("octave: %d passed, %d failed\n", passed, failed);
exit (failed > 0);
