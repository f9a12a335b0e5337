% SPDX-License-Identifier: GPL-3.0-or-later

function bench_metrics ()
% Benchmark of nc_metrics at the paper's Dataset_1 size (K = 10, N = 41000)
% and d = 512, 2048, 4096, as ratios against baselines timed in the same run:
%   textbook : d x d Sigma_W and Sigma_B, pinv, trace(Sigma_W * pinv(Sigma_B))
%   sum      : Octave's sum (H(:)), one pass over H
%   C pass   : a C loop summing H (bench/nc_bench_pass.c), one memory-bound pass
% "ours" is nc_metrics (H, y); "oursW" nc_metrics (H, y, W, b) (adds NC3, NC4).
% The textbook route at d = 4096 needs about 1.4 Tflop and several GB; it runs
% only when the environment variable NCUFM_BENCH_FULL is 1.
% Run from the repository root:  octave-cli bench/bench_metrics.m
  root = fileparts (fileparts (mfilename ('fullpath')));
  addpath (fullfile (root, 'm'));
  nc_setup ();
  if exist ('OCTAVE_VERSION', 'builtin'), cores = nproc (); else, cores = feature ('numcores'); end
  build = tempname ();
  mkdir (build);
  cleanup = onCleanup (@() remove_build (build));
  [out, status] = system (sprintf ('cd %s && mkoctfile --mex -O2 -o nc_bench_pass.mex %s 2>&1', ...
                                   build, fullfile (root, 'bench', 'nc_bench_pass.c')));
  if (status ~= 0)
    error ('bench_metrics: cannot build the C baseline:\n%s', out);
  end
  addpath (build);
  full = strcmp (getenv ('NCUFM_BENCH_FULL'), '1');
  counts = [5000 5000 5000 5000 4000 4000 4000 3000 3000 3000];
  K = numel (counts); N = sum (counts);
  y = repelem (1:K, counts)';
  fprintf ('nc_metrics benchmark: K = %d, N = %d (Dataset_1), %d cores\n', K, N, cores);
  fprintf ('times: minimum of 7 rounds; ours/x: median over rounds of the per-round ratio\n');
  fprintf ('%5s %6s %9s %9s %9s %8s %8s %9s %8s %8s %8s %8s %9s\n', 'd', 'class', 'ours[s]', ...
          'ours+W[s]', 'text[s]', 'sum[s]', 'Cpass[s]', 'text/ours', 'ours/sum', ...
          'ours/C', 'oursW/sum', 'oursW/C', 'rel.diff');
  randn ('state', 1);
  for d = [512 2048 4096]
    M = 3 * randn (d, K);
    H = M(:, y) + randn (d, N);
    W = randn (K, d); b = randn (K, 1);
    for cls = {'double', 'single'}
      if (strcmp (cls{1}, 'single'))
        H = single (H);
      end
      reps = 7;
      [t, ratio] = interleaved_times ({@() nc_metrics(H, y), @() nc_metrics(H, y, W, b), ...
                                       @() sum (H(:)), @() nc_bench_pass(H)}, reps);
      t_ours = t(1); t_ours_w = t(2); t_sum = t(3); t_pass = t(4);
      R = nc_metrics (H, y);
      t_text = NaN; rel = NaN;
      if (strcmp (cls{1}, 'double') && (d <= 2048 || full))
        t0 = tic (); ref = textbook_nc1 (H, y, K); t_text = toc (t0);
        rel = abs (R.NC1 - ref) / ref;
      end
      fprintf ('%5d %6s %9.4f %9.4f %9.3f %8.4f %8.4f %9.1f %8.2f %8.2f %8.2f %8.2f %9.1e\n', ...
              d, cls{1}, t_ours, t_ours_w, t_text, t_sum, t_pass, t_text / t_ours, ...
              ratio(1, 3), ratio(1, 4), ratio(2, 3), ratio(2, 4), rel);
      if exist ('OCTAVE_VERSION', 'builtin'), fflush (stdout); end
    end
    clear H M;
  end
  if (~ full)
    fprintf ('textbook at d = 4096 skipped (about 1.4 Tflop, several GB); NCUFM_BENCH_FULL=1 runs it\n');
  end
end

function nc1 = textbook_nc1 (H, y, K)
  [d, N] = size (H);
  n = accumarray (y, 1)';
  mu = zeros (d, K);
  for k = 1:K
    mu(:, k) = mean (H(:, y == k), 2);
  end
  Hc = H - mu(:, y);
  Sw = Hc * Hc' / N;
  Mc = mu - mean (H, 2);
  Sb = Mc * diag (n / N) * Mc';
  nc1 = trace (Sw * pinv (Sb)) / K;
end

function remove_build (build)
  rmpath (build);
  if exist ('OCTAVE_VERSION', 'builtin'), confirm_recursive_rmdir (false, 'local'); end
  rmdir (build, 's');
end
