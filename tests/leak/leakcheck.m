% SPDX-License-Identifier: GPL-3.0-or-later

function ok = leakcheck(root, mexdir, n)
%LEAKCHECK  Heap growth per call of every gateway's success and error paths.
%   OK = LEAKCHECK(ROOT, MEXDIR, N), run under valgrind (see leakcheck.sh),
%   calls each path 3 times to warm up, then N times and N times again,
%   reading the heap in use (leak_probe) before and after each round.  A
%   path leaks when the heap grows by more than 8 bytes per call in both
%   rounds; bytes per call are printed for both.  MEXDIR ('' for ROOT/m)
%   holds the MEX files to check, so that an older build can be measured.
  addpath(fullfile(root, 'm'));
  nc_setup();
  if ~isempty(mexdir)
    addpath(mexdir);
  end
  addpath(fullfile(root, 'tests', 'leak'));
  warning('off', 'all');
  fx = fixtures();
  paths = leak_paths(fx);
  ok = true;
  fprintf('%-58s %12s %12s\n', sprintf('path (rounds of N = %d calls)', n), 'round 1', 'round 2');
  for i = 1:size(paths, 1)
    [g1, g2] = measure(paths{i, 2}, n);
    leaks = g1 > 8 && g2 > 8;
    ok = ok && ~leaks;
    verdict = '';
    if leaks
      verdict = '  LEAK';
    end
    fprintf('%-58s %12.1f %12.1f%s\n', paths{i, 1}, g1, g2, verdict);
  end
  rmdir_all(fx.dir);
end

function [g1, g2] = measure(expr, n)
  for k = 1:3
    run(expr);
  end
  m = zeros(3, 2);
  m(1, :) = leak_probe();
  for k = 1:n
    run(expr);
  end
  m(2, :) = leak_probe();
  for k = 1:n
    run(expr);
  end
  m(3, :) = leak_probe();
  g1 = (m(2, 1) - m(1, 1)) / n;
  g2 = (m(3, 1) - m(2, 1)) / n;
end

% Each call in a fresh workspace; errors are the point of half the paths.
function run(expr__)
  try
    eval([expr__ ';']);
  catch
  end
end

function fx = fixtures()
  fx.dir = tempname();
  mkdir(fx.dir);
  fx.npy = fullfile(fx.dir, 'a.npy');
  header = '{''descr'': ''<f8'', ''fortran_order'': False, ''shape'': (2, 3), }';
  header = [header repmat(' ', 1, 63 - mod(numel(header) + 10, 64)) char(10)];
  write_bytes(fx.npy, [147 double('NUMPY') 1 0 mod(numel(header), 256) ...
                       floor(numel(header) / 256) double(header) ...
                       double(typecast(1:6, 'uint8'))]);
  fx.npy_bad = fullfile(fx.dir, 'bad.npy');
  b = [147 double('NUMPY') 1 0 mod(numel(header), 256) floor(numel(header) / 256) ...
       double(header) 1 2 3];
  write_bytes(fx.npy_bad, b);
  fx.idx = fullfile(fx.dir, 'idx');
  mkdir(fx.idx);
  write_bytes(fullfile(fx.idx, 'train-images-idx3-ubyte.gz'), ...
              [0 0 8 3 0 0 0 2 0 0 0 28 0 0 0 28 mod(1:1568, 256)]);
  write_bytes(fullfile(fx.idx, 'train-labels-idx1-ubyte.gz'), [0 0 8 1 0 0 0 2 3 0]);
  write_bytes(fullfile(fx.idx, 't10k-images-idx3-ubyte.gz'), [0 0 8 3 0 0 0 2 0 0 0 28]);
  write_bytes(fullfile(fx.idx, 't10k-labels-idx1-ubyte.gz'), [0 0 8 1 0 0 0 2 3 0]);
  fx.ckpt = fullfile(fx.dir, 'ckpt.bin');
  write_bytes(fx.ckpt, mod((1:300) * 7, 256));
end

function write_bytes(f, b)
  fid = fopen(f, 'w');
  fwrite(fid, b, 'uint8');
  fclose(fid);
end

function rmdir_all(d)
  if exist('OCTAVE_VERSION', 'builtin')
    confirm_recursive_rmdir(false, 'local');
  end
  rmdir(d, 's');
end
