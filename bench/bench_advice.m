% SPDX-License-Identifier: GPL-3.0-or-later

function bench_advice()
% Benchmark of nc_collapse_path and nc_oversample.  A path costs a few
% solves of the reduced program per threshold; reported for each case: the
% solves used, the time, the time per solve, and the ratio of that to one
% plain nc_solve at the same counts (mid-path lambda_Z), measured in the
% same run (the certificate's overhead and the harder solves near a drop).
% CIFAR-100-LT (K = 100, 84 between thresholds) runs only with
% NCUFM_BENCH_LARGE=1: it takes minutes.
% Run from the repository root:  octave-cli bench/bench_advice.m
  root = fileparts(fileparts(mfilename('fullpath')));
  addpath(fullfile(root, 'm'));
  nc_setup();
  cases = {'n = 500 400 300 200 100', [500 400 300 200 100]; ...
           'Dataset_1 (4x5000, 3x4000, 3x3000)', repelem([5000 4000 3000], [4 3 3]); ...
           'CIFAR-10-LT', nc_longtail('exponential', 10, 100, 5000)};
  if strcmp(getenv('NCUFM_BENCH_LARGE'), '1')
    cases(end + 1, :) = {'CIFAR-100-LT', nc_longtail('exponential', 100, 100, 500)};
  end
  lb = 0.01;
  fprintf('nc_collapse_path benchmark (lambda_b = %g), load %s\n', lb, strtrim(fileread('/proc/loadavg')));
  fprintf('%-38s %4s %7s %9s %10s %12s %10s\n', 'counts', 'K', 'solves', 'time [s]', 'per solve', ...
          'ratio/solve', 'max acc');
  nc_collapse_path([50 20], lb);                        % load the MEX files before timing
  for c = 1:size(cases, 1)
    [name, n] = cases{c, :};
    t = tic();
    P = nc_collapse_path(n, lb);
    elapsed = toc(t);
    mid = median(P.lambda);
    t = tic();
    reps = 3;
    for i = 1:reps
      nc_solve(n, mid, lb);
    end
    one = toc(t) / reps;
    fprintf('%-38s %4d %7d %9.3f %10.4f %12.2f %10.1e\n', name, numel(n), P.probes, elapsed, ...
            elapsed / P.probes, elapsed / P.probes / one, max(P.accuracy));
  end
  fprintf('\nnc_oversample (lambda_Z = 5e-4, the weight decay 5e-4 split as lW = 5l, lH = l/20)\n');
  for c = 1:size(cases, 1)
    [name, n] = cases{c, :};
    t = tic();
    S = nc_oversample(n, 5e-4);
    fprintf('%-38s %4d %7d %9.3f   floor %g\n', name, numel(n), S.probes, toc(t), S.floor);
  end
end
