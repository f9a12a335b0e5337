% SPDX-License-Identifier: GPL-3.0-or-later

function bench_theory ()
% Benchmark of nc_theory (the cluster-level program) beside nc_solve (the
% K x K program) on the same random cluster structures, J = 1..5, lambda_Z
% spread below, between and above the thresholds.  Reported: per-call times
% (median and worst over the structures, each the minimum of a few repeats,
% the least disturbed by other processes) and the ratio nc_solve / nc_theory
% measured in the same run.  Also nc_thresholds and a 1e9-long nc_limit sweep.
% Run from the repository root:  octave-cli bench/bench_theory.m
  root = fileparts (fileparts (mfilename ('fullpath')));
  addpath (fullfile (root, 'm'));
  nc_setup ();
  if exist ('OCTAVE_VERSION', 'builtin'), cores = nproc (); else, cores = feature ('numcores'); end
  rand ('seed', 11);
  per_J = 40; reps = 3;
  fprintf ('nc_theory benchmark: %d structures per J, best of %d repeats, %d cores, load %s\n', ...
          per_J, reps, cores, strtrim (fileread ('/proc/loadavg')));
  fprintf ('%3s %14s %14s %14s %14s %10s %12s\n', 'J', 'theory med[ms]', 'theory max[ms]', ...
          'solve med[ms]', 'solve max[ms]', 'ratio', 'worst rel');
  have_solve = exist ('nc_solve') == 3;
  nc_theory ([2 2], [10 5], 0.01, 0.01);          % load the MEX files before timing
  if (have_solve)
    nc_solve ([10 10 5 5], 0.01, 0.01);
  end
  for J = 1:5
    tt = zeros (per_J, 1); ts = NaN (per_J, 1); err = 0;
    for i = 1:per_J
      k = randi (4, 1, J);
      if (sum (k) < 2)
        k(1) = 2;
      end
      n = round (10 .^ (1 + 2.5 * rand (1, J)));
      N = sum (k .* n);
      lo = 0.2 * sqrt (min (n)) / N; hi = 2 * sqrt (max (n)) / N;
      lZ = exp (log (lo) + rand * log (hi / lo)); lb = 0.01;
      tt(i) = best_time (@() nc_theory (k, n, lZ, lb), reps);
      if (have_solve)
        nn = repelem (n, k);
        ts(i) = best_time (@() nc_solve (nn, lZ, lb), reps);
        T = nc_theory (k, n, lZ, lb); Z = nc_solve (nn, lZ, lb);
        if (norm (Z, 'fro') > 0)
          err = max (err, norm (T.Zbar - Z, 'fro') / norm (Z, 'fro'));
        end
      end
    end
    fprintf ('%3d %14.3f %14.3f %14.3f %14.3f %10.1f %12.2g\n', J, 1e3 * median (tt), ...
            1e3 * max (tt), 1e3 * median (ts), 1e3 * max (ts), median (ts ./ tt), err);
  end

  k = [2 3 4]; n = [1000 300 50];
  t = best_time (@() nc_thresholds (k, n, 0.01, 'LambdaZ', 0.004), reps);
  fprintf ('nc_thresholds (J = 3, separation by Brent''s method): %.2f ms\n', 1e3 * t);
  nB = logspace (2, 9, 200);
  t = best_time (@() nc_limit ([5 5], [2 1], 0.1, nB, 0.01), reps);
  fprintf ('nc_limit, 200 points nB = 1e2..1e9 (J = 2, K = 10): %.2f ms, %.3f ms per point\n', ...
          1e3 * t, 1e3 * t / numel (nB));
end

function t = best_time (f, reps)
  t = Inf;
  for r = 1:reps
    t0 = tic (); f (); t = min (t, toc (t0));
  end
end
