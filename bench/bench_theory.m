% SPDX-License-Identifier: GPL-3.0-or-later

function bench_theory (max_J, max_solve_K)
%BENCH_THEORY  Time of nc_theory against the number of clusters J, beside nc_solve.
%   BENCH_THEORY()
%   BENCH_THEORY(MAX_J, MAX_SOLVE_K)
%
%   For J = 1, 2, 5, 10, 30, 85 (CIFAR-100-LT's counts, K = 100), 100, 300
%   and 1000 clusters (up to MAX_J, default 1000) times nc_theory (the
%   cluster-level program) and nc_solve (the K x K program, up to K =
%   MAX_SOLVE_K classes, default 1000) on the same count vectors, at a
%   lambda_Z where the between-cluster part has full rank and, for J >= 10,
%   at one where it has about half (3 sqrt(min n)/N).  From J = 10 on the
%   counts are an exponential profile of J distinct values (every cluster a
%   single class, so K = J and the cluster program is the whole problem).
%   Printed per row: the rank found, each time (best of 3 below a second),
%   the ratio nc_solve / nc_theory and the relative difference of their Zbar,
%   and nc_theory's time in units of one SVD with vectors of a J x J matrix
%   timed in the same run (so that the rows compare across machines and
%   loads).  Then nc_thresholds and a long nc_limit sweep.
%   Run from the repository root:  octave-cli --eval "addpath('m'); nc_setup; addpath('bench'); bench_theory"
  if nargin < 1
    max_J = 1000;
  end
  if nargin < 2
    max_solve_K = 1000;
  end
  if exist ('OCTAVE_VERSION', 'builtin'), cores = nproc (); else, cores = feature ('numcores'); end
  fprintf ('nc_theory benchmark: %d cores, load %s\n', cores, strtrim (fileread ('/proc/loadavg')));
  fprintf ('%5s %5s %9s %5s %12s %12s %9s %10s %10s\n', 'J', 'K', 'lambda_Z', 'rank', ...
           'theory [s]', 'solve [s]', 'ratio', 'rel. diff', 'SVD-equiv');
  nc_theory ([2 2], [10 5], 0.01, 0.01);          % load the MEX files before timing
  nc_solve ([10 10 5 5], 0.01, 0.01);
  lb = 0.01;
  for J = [1 2 5 10 30 85 100 300 1000]
    if J > max_J
      break;
    end
    [n, lZs] = structure (J);
    for lZ = lZs
      [tt, T] = best_time (@() nc_theory (n, lZ, lb));
      ts = NaN; err = NaN;
      if numel (n) <= max_solve_K
        [ts, Z] = best_time (@() nc_solve (n, lZ, lb));
        if norm (Z, 'fro') > 0
          err = norm (T.Zbar - Z, 'fro') / norm (Z, 'fro');
        else
          err = norm (T.Zbar, 'fro');
        end
      end
      A = randn (numel (T.k));
      tsvd = best_time (@() svd_vectors (A));
      fprintf ('%5d %5d %9.3g %5d %12.4g %12.4g %9.3g %10.2g %10.3g\n', numel (T.k), numel (n), ...
               lZ, T.between_rank, tt, ts, ts / tt, err, tt / tsvd);
    end
  end

  k = [2 3 4]; n = [1000 300 50];
  t = best_time (@() nc_thresholds (k, n, 0.01, 'LambdaZ', 0.004));
  fprintf ('nc_thresholds (J = 3, separation by Brent''s method): %.2f ms\n', 1e3 * t);
  n = round (500 * 0.01 .^ ((0:99) / 99));
  t = best_time (@() nc_thresholds (n, 0.01));
  fprintf ('nc_thresholds (CIFAR-100-LT, J = 85): %.3g s\n', t);
  nB = logspace (2, 9, 200);
  t = best_time (@() nc_limit ([5 5], [2 1], 0.1, nB, 0.01));
  fprintf ('nc_limit, 200 points nB = 1e2..1e9 (J = 2, K = 10): %.2f ms, %.3f ms per point\n', ...
           1e3 * t, 1e3 * t / numel (nB));
end

function [n, lZs] = structure (J)
% The count vector of the benchmark with J clusters, and its lambda_Z values.
  switch J
    case 1
      n = 300 * ones (1, 10);
    case 2
      n = repelem ([500 100], [5 5]);
    case 5
      n = repelem ([900 400 150 60 20], [2 3 1 2 2]);
    case 85
      n = round (500 * 0.01 .^ ((0:99) / 99));      % CIFAR-100-LT
    otherwise
      n = round (1000 * 0.01 .^ ((0:J-1) / (J-1))) + 1e-3 * (0:J-1);
  end
  N = sum (n);
  lZs = 0.3 * sqrt (min (n)) / N;
  if J >= 10 && J < 1000
    lZs = [lZs, 3 * sqrt(min (n)) / N];
  end
end

function U = svd_vectors (A)
  [U, S, V] = svd (A);
end

function [t, out] = best_time (f)
% The least disturbed of up to three runs (one when a run takes over a second).
  t = Inf;
  for r = 1:3
    t0 = tic ();
    out = f ();
    t = min (t, toc (t0));
    if t > 1
      break;
    end
  end
end
