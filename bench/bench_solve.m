% SPDX-License-Identifier: GPL-3.0-or-later

function bench_solve (varargin)
%BENCH_SOLVE  Benchmark of nc_solve against two references run beside it.
%   BENCH_SOLVE()
%   BENCH_SOLVE(NAME, VALUE, ...)
%
%   The references, measured in the same run:
%     - (a) fista_reference: plain FISTA with restart, in Octave;
%     - (b) cvxopt_reference: CVXOPT's interior-point cp with the nuclear
%       norm as a semidefinite constraint (bench/cvxopt_solve.py).
%
%   "Same accuracy": L is the best certified lower bound on the optimum (the
%   largest of nc_solve's dual and the duals that reference_certify, written
%   independently in Octave, builds at every solver's point).  A solver has
%   reached accuracy acc once its objective is <= L + acc.  Two levels:
%   tight, acc = max(nc_solve's gap, 1e-12 |F|) with nc_solve at its default
%   Tol = 1e-12, and loose, acc = max(gap, 1e-8 |F|) with nc_solve at
%   Tol = 1e-8 (the level a generic interior-point solver is built for).
%   The references run once each, to the tight level or their time cap, and
%   their time to either level is read from their objective history (FISTA:
%   Octave wall time; CVXOPT: solver time without Python start-up).
%   nc_solve times are medians of repeated calls from Octave (MEX overhead
%   included).
%
%   Scale targets, each against a baseline measured in the same run: K = 1000
%   distinct counts against one full 1000 x 1000 SVD with vectors (Octave's
%   svd, median of runs before and after), CIFAR-100-LT counts (a time),
%   an iNaturalist-scale problem (K = 8142, 999 distinct counts) against the
%   same SVD, and the delay from an interrupt request to nc_solve's return
%   at K = 1000 (bench/nc_bench_interrupt.c).  Times are wall clock; the
%   process's CPU time is printed beside them, since other processes share
%   the machine.
%
%   Options: 'Cap' multiplies every time cap (default 1; e.g. 0.2 for
%   a quick look); 'Cases' cell array of cases to run out of
%   {"fig5", "fig1", "k20", "k100", "k1000", "cifar", "inat", "interrupt"}
%   (default all).
  opts = struct ('cap', 1, 'cases', {{'fig5', 'fig1', 'k20', 'k100', 'k1000', 'cifar', ...
                                       'inat', 'interrupt'}});
  for i = 1:2:numel (varargin)
    opts.(lower (varargin{i})) = varargin{i+1};
  end
  addpath (fileparts (mfilename ('fullpath')));
  if (exist ('nc_solve') ~= 3)
    fprintf ('bench_solve: nc_solve is not built (run make); nothing to compare\n');
    return;
  end
  lb = 0.01;
  tight = 1e-12; loose = 1e-8;
  summary = {};
  generic_k10 = NaN; generic_k20 = NaN;    % CVXOPT's run times, for the K = 100 note
  t_all = tic ();
  fprintf ('bench_solve: nc_solve against (a) Octave FISTA and (b) CVXOPT cp, %s\n', datestr (now ()));
  [~, loadavg] = system ('cut -d'' '' -f1-3 /proc/loadavg');
  if exist ('OCTAVE_VERSION', 'builtin'), cores = nproc (); else, cores = feature ('numcores'); end
  threads = getenv ('OPENBLAS_NUM_THREADS');
  if (isempty (threads)) threads = 'default'; end
  fprintf ('load average %s on %d cores (absolute times vary with it, ratios less so);\n', ...
          strtrim (loadavg), cores);
  fprintf ('OpenBLAS threads: %s for nc_solve and FISTA, 1 for CVXOPT\n', threads);
  fprintf ('accuracy: tight = max(gap, %.0e |F|), loose = max(gap, %.0e |F|) above the best certified bound\n\n', ...
          tight, loose);

  % ---------------------------------------------------------------- Figure 5
  if (any (strcmp (opts.cases, 'fig5')))
    n = [500 * ones(1, 5), 100 * ones(1, 5)];
    grid = [0.0027 0.0030 0.0033 0.0039 0.0045 0.0051 0.0057 0.0063 0.0069 0.0075];
    fprintf ('== Figure 5 grid: K = 10, 5 x 500 + 5 x 100, lambda_b = %g, cold starts ==\n', lb);
    print_header ();
    rows = {};
    for lZ = grid
      c = run_case (sprintf ('%.4f', lZ), n, lZ, lb, tight, loose, ...
                    struct ('fista', 20 * opts.cap, 'cvxopt', 60 * opts.cap));
      print_row (c);
      rows{end+1} = c;
    end
    R = [rows{:}];
    % the dense route (every class its own group) on the same grid
    td = zeros (size (grid));
    for i = 1:numel (grid)
      [~, ~, ~, td(i)] = nc_timed (n, grid(i), lb, tight, 'dense');
    end
    nc_dense = mean (td);
    % warm starts along the grid, in increasing lambda_Z
    [nc_warm, nc_warm_gap] = nc_sweep (n, grid, lb);
    fista_warm = fista_sweep (n, grid, lb, R, 20 * opts.cap);
    nc_cold = mean ([R.nc_t]);
    generic_k10 = mean ([R.cvx_spent]);
    nc_cold_loose = mean ([R.nc_tl]);
    fa = [R.fista_t]; fl = [R.fista_tl];
    cv = [R.cvx_t]; cvl = [R.cvx_tl];
    fprintf ('\nper solve, mean over the grid    nc_solve    FISTA (a)   ratio    CVXOPT (b)  ratio\n');
    fprintf ('  cold, tight                  %10s  %10s  %7s  %10s  %7s\n', ms (nc_cold), ...
            ms (mean (fa)), ratio (mean (fa), nc_cold), ms (mean (cv)), ratio (mean (cv), nc_cold));
    fprintf ('  cold, loose                  %10s  %10s  %7s  %10s  %7s\n', ms (nc_cold_loose), ...
            ms (mean (fl)), ratio (mean (fl), nc_cold_loose), ms (mean (cvl)), ratio (mean (cvl), nc_cold_loose));
    fprintf ('  warm along the grid, tight   %10s  %10s  %7s  %10s  %7s\n', ms (nc_warm), ...
            ms (fista_warm), ratio (fista_warm, nc_warm), 'n/a', '');
    fprintf ('  (nc_solve''s own clock, info.time, cold tight: %s per solve; the rest is the MEX call)\n', ...
            ms (mean ([R.nc_tc])));
    fprintf ('  (the same grid on the dense route, Method ''dense'', 10 x 10: %s per solve)\n', ...
            ms (nc_dense));
    fprintf ('  (CVXOPT reached tight at %d of %d, loose at %d of %d lambdas; largest warm-start gap %.1e)\n\n', ...
            sum (isfinite (cv)), numel (cv), sum (isfinite (cvl)), numel (cvl), nc_warm_gap);
    summary{end+1} = cells ('Fig 5 grid, cold, per solve', ms (nc_cold), '<= 0.2 ms', ...
                      pass (nc_cold <= 0.2e-3), ratio (mean (fa), nc_cold), ...
                      ratio (mean (cvl), nc_cold_loose));
    summary{end+1} = cells ('  same, nc_solve''s own clock', ms (mean ([R.nc_tc])), '<= 0.2 ms', ...
                            pass (mean ([R.nc_tc]) <= 0.2e-3), '', '');
    summary{end+1} = cells ('  CVXOPT / nc_solve (loose)', ratio (mean (cvl), nc_cold_loose), ...
                            '>= 1000x', pass (mean (cvl) / nc_cold_loose >= 1000), '', '');
    summary{end+1} = cells ('  dense route, per solve', ms (nc_dense), '-', '', '', '');
    summary{end+1} = cells ('Fig 5 grid, warm, per solve', ms (nc_warm), '<= 0.2 ms', ...
                      pass (nc_warm <= 0.2e-3), ratio (fista_warm, nc_warm), 'n/a');
  end

  % ---------------------------------------------------------------- Figure 1
  if (any (strcmp (opts.cases, 'fig1')))
    n = [5000 * ones(1, 4), 4000 * ones(1, 3), 3000 * ones(1, 3)];
    lZ = 6.3e-5;
    fprintf ('== Figure 1 lambdas: Dataset_1 counts, lambda_Z = %g, lambda_b = %g ==\n', lZ, lb);
    print_header ();
    c = run_case ('6.3e-5', n, lZ, lb, tight, loose, ...
                  struct ('fista', 30 * opts.cap, 'cvxopt', 30 * opts.cap));
    print_row (c);
    % the same generic solver without lambda_Z inside the cone
    [~, ~, ci] = cvxopt_reference (n, lZ, lb, 'Tol', 1e-10, 'MaxTime', 30 * opts.cap, ...
                                   'Scaled', false);
    [tt, tl, best] = reach (ci.history, c.L, c.acc_t, c.acc_l);
    fprintf (['        CVXOPT, plain epigraph ||Y||_* <= (tr U + tr V)/2 with lZ in the cost: ', ...
             'status ''%s'' after %.3g s, tight %s, loose %s, best accuracy %.1e\n'], ...
            ci.status, ci.time, ms (tt), ms (tl), best);
    fprintf ('\n');
    summary{end+1} = cells ('Fig 1 lambdas (K = 10)', ms (c.nc_t), '-', '', ...
                      ratio (c.fista_t, c.nc_t), ratio (c.cvx_tl, c.nc_tl, c.cvx_status, c.cvx_spent));
  end

  % ---------------------------------------------------------------- K = 20
  % where the generic solver's cost shows: same spread, lambda_Z N as at K = 100
  if (any (strcmp (opts.cases, 'k20')))
    n = spread_counts (20, 1);
    lZ = 2.2 / sum (n);
    fprintf ('== K = 20: counts log-uniform in [50, 5000] (rand state 1), lambda_Z = %.3g (lambda_Z N = 2.2) ==\n', lZ);
    print_header ();
    c = run_case (sprintf ('%.3g', lZ), n, lZ, lb, tight, loose, ...
                  struct ('fista', 30 * opts.cap, 'cvxopt', 60 * opts.cap));
    print_row (c);
    fprintf ('\n');
    generic_k20 = c.cvx_spent;
    summary{end+1} = cells ('K = 20 (generic solver scale)', ms (c.nc_t), '-', '', ...
                            ratio (c.fista_t, c.nc_t, c.fista_status, c.fista_spent), ...
                            ratio (c.cvx_tl, c.nc_tl, c.cvx_status, c.cvx_spent));
  end

  % ---------------------------------------------------------------- K = 100
  if (any (strcmp (opts.cases, 'k100')))
    n = spread_counts (100, 1);
    lZ = 2e-5;
    fprintf ('== K = 100: counts log-uniform in [50, 5000] (rand state 1), lambda_Z = %g ==\n', lZ);
    fprintf ('   N = %d, zero threshold of lambda_Z = %.3g\n', sum (n), zero_threshold (n, lb));
    fprintf ('   (takes up to ~%.0f s: FISTA is capped at %.0f s)\n', 130 * opts.cap, 120 * opts.cap);
    print_header ();
    c = run_case ('2e-5', n, lZ, lb, tight, loose, ...
                  struct ('fista', 120 * opts.cap, 'cvxopt', -1));
    print_row (c);
    fprintf ('   CVXOPT not run: %s\n', generic_size (100));
    if (isfinite (generic_k10) && isfinite (generic_k20))
      fprintf ('   (its whole run took %.3g s at K = 10 and %.3g s at K = 20 above: ~K^%.1f)\n', ...
              generic_k10, generic_k20, log2 (generic_k20 / generic_k10));
    end
    fprintf ('\n');
    summary{end+1} = cells ('K = 100, lZ = 2e-5, tight', ms (c.nc_t), '>= 50x FISTA', ...
                      pass (max (c.fista_t, c.fista_spent) / c.nc_t >= 50), ...
                      ratio (c.fista_t, c.nc_t, c.fista_status, c.fista_spent), 'not run');
    summary{end+1} = cells ('K = 100, lZ = 2e-5, loose', ms (c.nc_tl), '>= 50x FISTA', ...
                      pass (c.fista_tl / c.nc_tl >= 50), ...
                      ratio (c.fista_tl, c.nc_tl, c.fista_status, c.fista_spent), 'not run');
  end

  % ---------------------------------------------------------------- K = 1000
  tsvd = NaN;
  if (any (ismember ({'k1000', 'inat'}, opts.cases)))
    [tsvd, csvd] = svd_baseline (1000);
  end
  if (any (strcmp (opts.cases, 'k1000')))
    n = distinct_counts (1000, 1);
    lZ = 2e-6;
    fprintf ('== K = 1000: distinct counts log-uniform in [50, 5000] (rand state 1), lambda_Z = %g ==\n', lZ);
    fprintf ('   lambda_Z N = %.2f; zero threshold of lambda_Z = %.3g; one 1000 x 1000 SVD with vectors: %.3g s (cpu %.3g s)\n', ...
            lZ * sum (n), zero_threshold (n, lb), tsvd, csvd);
    print_header ();
    c = run_case ('2e-6', n, lZ, lb, tight, loose, ...
                  struct ('fista', 30 * opts.cap, 'cvxopt', -1, 'single', true));
    print_row (c);
    [tsvd2, csvd2] = svd_baseline (1000);
    tsvd = min (tsvd, tsvd2); csvd = min (csvd, csvd2);
    fprintf ('   nc_solve: %.3g s = %.2f SVDs (cpu %.3g s = %.2f SVDs); %d Newton steps, %d CG iterations\n', ...
            c.nc_t, c.nc_t / tsvd, c.nc_cpu, c.nc_cpu / csvd, c.nc_info.newton_steps, ...
            c.nc_info.cg_iterations);
    fprintf ('   distance bound %.2g (max |Zbar| %.3g); CVXOPT not run: %s\n\n', c.nc_info.dist, ...
            c.zmax, generic_size (1000));
    summary{end+1} = cells ('K = 1000 / one SVD (wall)', sprintf ('%.2f', c.nc_t / tsvd), '<= 4', ...
                      pass (c.nc_t / tsvd <= 4), ...
                      ratio (c.fista_t, c.nc_t, c.fista_status, c.fista_spent), 'not run');
    summary{end+1} = cells ('  same, cpu time', sprintf ('%.2f', c.nc_cpu / csvd), '<= 4', ...
                      pass (c.nc_cpu / csvd <= 4), '', '');
  end

  % ---------------------------------------------------------------- CIFAR-100-LT
  if (any (strcmp (opts.cases, 'cifar')))
    n = round (500 * 0.01 .^ ((0:99) / 99));
    fprintf ('== CIFAR-100-LT counts: K = 100, exponential profile 500 .. 5 (%d distinct), lambda_b = %g ==\n', ...
            numel (unique (n)), lb);
    fprintf ('%-9s %5s %5s %11s %11s %11s %11s %9s %9s\n', 'lZ', 'rank', 'J', 'clusters', ...
            '(cpu)', 'dense', '(cpu)', 'gap', 'dist');
    for lZ = [1e-4 5e-4]
      [~, ~, info, t, ~, tcpu] = nc_timed (n, lZ, lb, tight, 'auto');
      [~, ~, infod, td, ~, tdcpu] = nc_timed (n, lZ, lb, tight, 'dense');
      fprintf ('%-9.3g %5d %5d %11s %11s %11s %11s %9.1e %9.1e\n', lZ, info.rank, info.clusters, ...
              ms (t), ms (tcpu), ms (td), ms (tdcpu), info.gap, info.dist);
      if (lZ == 1e-4)
        summary{end+1} = cells ('CIFAR-100-LT, lZ = 1e-4', ms (t), '<= 20 ms', pass (t <= 0.02), ...
                                '', '');
        summary{end+1} = cells ('  same, cpu time', ms (tcpu), '<= 20 ms', pass (tcpu <= 0.02), ...
                                '', '');
      else
        summary{end+1} = cells (sprintf ('  lZ = %g (rank %d)', lZ, info.rank), ms (t), '-', '', ...
                                '', '');
      end
    end
    fprintf ('\n');
  end

  % ---------------------------------------------------------------- iNaturalist scale
  if (any (strcmp (opts.cases, 'inat')))
    K = 8142;
    n = round (1000 * 0.002 .^ ((0:K-1) / (K-1)));
    % lambda_Z N = 1: no cluster collapses; 3: the clusters of 2..8 samples
    % collapse, and the between-cluster part loses rank (the factored model)
    for LN = [1 3]
      lZ = LN / sum (n);
      fprintf ('== iNaturalist scale: K = %d, counts 1000 .. 2 (exponential, %d distinct), lambda_Z N = %g ==\n', ...
              K, numel (unique (n)), LN);
      cap = 60 * opts.cap * LN;   % a child process: the rank-deficient case may take long
      [info, t, tc, zmax, status] = nc_capped (n, lZ, lb, max (ceil (cap), 10));
      if (isempty (info))
        fprintf ('   %s (cap %.0f s = %.1f SVDs)\n\n', status, cap, cap / tsvd);
        summary{end+1} = cells (sprintf ('iNat scale, lZ N = %g / SVD', LN), status, '<= 30', ...
                                'MISSED', '', '');
        continue;
      end
      fprintf ('   %.3g s = %.2f SVDs of K = 1000 (cpu %.3g s = %.2f); gap %.1e, distance bound %.1e (max |Zbar| %.3g), rank %d\n', ...
              t, t / tsvd, tc, tc / csvd, info.gap, info.dist, zmax, info.rank);
      fprintf ('   %d clusters, %d first-order iterations, %d Newton steps (all levels), %d CG\n\n', ...
              info.clusters, info.iterations, info.newton_steps, info.cg_iterations);
      summary{end+1} = cells (sprintf ('iNat scale, lZ N = %g / SVD', LN), sprintf ('%.2f', t / tsvd), ...
                              '<= 30', pass (t / tsvd <= 30), '', '');
      summary{end+1} = cells ('  same, cpu time', sprintf ('%.2f', tc / csvd), '<= 30', ...
                              pass (tc / csvd <= 30), '', '');
    end
  end

  % ---------------------------------------------------------------- interrupt
  if (any (strcmp (opts.cases, 'interrupt')))
    helper = build_interrupt_helper ();
    if (~ isempty (helper))
      n = distinct_counts (1000, 1);
      fprintf ('== Interrupt at K = 1000: delay from the request to nc_solve''s return ==\n');
      worst = 0; worst_wall = 0;
      for delay = [0.25 0.5 1 1.5 2 2.5 3]
        [lat, st, cpu] = nc_bench_interrupt (n, 2e-6, lb, delay);
        fprintf (['   request after %.2f s of cpu: returned after %.3g s of cpu ', ...
                  '(%.3g s wall after the first poll that saw it), status %d\n'], delay, cpu, lat, st);
        if (isfinite (cpu)) worst = max (worst, cpu); worst_wall = max (worst_wall, lat); end
      end
      fprintf ('\n');
      summary{end+1} = cells ('Ctrl-C latency, K = 1000 (cpu)', sprintf ('%.3g s', worst), '<= 1 s', ...
                              pass (worst <= 1), '', '');
      summary{end+1} = cells ('  same, wall after the poll', sprintf ('%.3g s', worst_wall), '-', ...
                              '', '', '');
    end
  end

  % ---------------------------------------------------------------- summary
  fprintf ('== Targets ==\n');
  fprintf ('%-30s %11s %14s %6s %12s %12s\n', 'case', 'nc_solve', 'target', '', ...
          'FISTA/nc', 'CVXOPT/nc');
  fprintf ('%-30s %11s %14s %6s %12s %12s\n', '', '(tight)', '', '', '(tight)', '(loose)');
  for i = 1:numel (summary)
    s = summary{i};
    fprintf ('%-30s %11s %14s %6s %12s %12s\n', s{:});
  end
  fprintf ('bench_solve: done in %.0f s\n', toc (t_all));
end

% One instance: nc_solve at both tolerances, the two references, and the
% accuracies measured against the best certified bound.
function c = run_case (label, n, lZ, lb, tight, loose, caps)
  c.label = label;
  c.K = numel (n);
  if (isfield (caps, 'single'))  % one solve is what the target is about
    [Z, b, info, c.nc_t, c.nc_tc, c.nc_cpu] = nc_timed (n, lZ, lb, tight, 'auto');
    c.nc_tl = NaN;
    c.nc_status_l = 'not run';
    infol = [];
  else
    [Z, b, info, c.nc_t, c.nc_tc, c.nc_cpu] = nc_timed (n, lZ, lb, tight, 'auto');
    [~, ~, infol, c.nc_tl] = nc_timed (n, lZ, lb, loose, 'auto');
  end
  c.nc_status = 'ok';
  if (~ info.converged) c.nc_status = 'notConverged'; end
  if (isempty (infol)) c.nc_status_l = 'not run'; else c.nc_status_l = 'ok'; end
  c.nc_info = info;
  c.zmax = max (abs (Z(:)));
  c.rank = NaN; c.nc_gap = NaN; c.nc_gapl = NaN; c.indep_gap = NaN;
  c.obj = NaN; c.obj_diff = NaN;
  c.fista_hist = []; c.fista_iter = 0; c.cvx_hist = []; c.cvx_final = NaN;
  c.bound_note = '';
  L = -Inf;
  if (~ isempty (Z))
    % independent certificate of nc_solve's point (plain Octave)
    [o, d] = reference_certify (n, lZ, lb, Z, b);
    L = max ([info.dual, d]);
    c.rank = info.rank;
    c.nc_gap = info.gap;
    c.obj = info.objective;
    c.indep_gap = o - d;
    c.obj_diff = abs (o - info.objective);
    if (~ info.converged) c.nc_status = 'notConverged'; end
  end
  if (~ isempty (infol))
    L = max (L, infol.dual);
    c.nc_gapl = infol.gap;
  end
  acc_t = max (c.nc_gap, tight * abs (c.obj));
  acc_l = max (c.nc_gapl, loose * abs (c.obj));
  if (~ isfinite (L)) acc_t = -Inf; end   % no target: run to the cap

  c.fista_t = NaN; c.fista_tl = NaN; c.fista_acc = NaN; c.fista_status = 'not run'; c.fista_spent = NaN;
  if (caps.fista > 0)
    % without nc_solve's bound (it failed) FISTA just runs to its cap
    [~, ~, fi] = fista_reference (n, lZ, lb, 'Target', L + acc_t, 'MaxTime', caps.fista);
    if (~ isfinite (L))
      c.bound_note = ' (no nc_solve bound: against FISTA''s own dual)';
      c.obj = fi.objective;
      acc_t = tight * abs (c.obj);
      acc_l = loose * abs (c.obj);
    end
    L = max (L, fi.dual);
    c.fista_status = ifelse_str (fi.reached, 'ok', ifelse_str (fi.stalled, 'stalled', 'timeout'));
    c.fista_hist = fi.history;
    c.fista_iter = fi.iterations;
    c.fista_spent = fi.time;
  end
  c.cvx_t = NaN; c.cvx_tl = NaN; c.cvx_acc = NaN; c.cvx_status = 'not run'; c.cvx_spent = NaN;
  if (caps.cvxopt > 0)
    [Zc, bc, ci] = cvxopt_reference (n, lZ, lb, 'Tol', 1e-10, 'MaxTime', caps.cvxopt);
    if (all (isfinite (Zc(:))))
      [~, d] = reference_certify (n, lZ, lb, Zc, bc);
      L = max (L, d);
    end
    c.cvx_status = ci.status;
    c.cvx_hist = ci.history;
    c.cvx_final = ci.objective;
    c.cvx_spent = ci.time;
  end
  % read the times off the histories against the final bound L
  if (~ isempty (c.fista_hist))
    [c.fista_t, c.fista_tl, c.fista_acc] = reach (c.fista_hist, L, acc_t, acc_l);
  end
  if (~ isempty (c.cvx_hist))
    [c.cvx_t, c.cvx_tl, c.cvx_acc] = reach (c.cvx_hist, L, acc_t, acc_l);
    c.cvx_acc = min (c.cvx_acc, c.cvx_final - L);
  end
  c.L = L;
  c.acc_t = acc_t;
  c.acc_l = acc_l;
end

function [tt, tl, best] = reach (hist, L, acc_t, acc_l)
  tt = NaN; tl = NaN; best = Inf;
  if (isempty (hist)) return; end
  err = hist(:, 2) - L;
  best = min (err);
  k = find (err <= acc_t, 1);
  if (~ isempty (k)) tt = hist(k, 1); end
  k = find (err <= acc_l, 1);
  if (~ isempty (k)) tl = hist(k, 1); end
end

% Median wall time of one nc_solve call from Octave, repeated for ~0.3 s
% (a solve over 1 s is timed once: scheduling noise is small against it).
% tc: the same for the solver's own clock (info.time, without the gateway).
function [Z, b, info, t, tc, tcpu] = nc_timed (n, lZ, lb, tol, method)
  t0 = tic (); c0 = cputime ();
  [Z, b, info] = nc_solve (n, lZ, lb, 'Tol', tol, 'Method', method);
  t = toc (t0); tcpu = cputime () - c0;
  tc = info.time;
  if (t > 1)
    return;
  end
  reps = min (200, max (3, ceil (0.3 / t)));
  ts = zeros (reps, 3);
  for r = 1:reps
    t0 = tic (); c0 = cputime ();
    [Z, b, info] = nc_solve (n, lZ, lb, 'Tol', tol, 'Method', method);
    ts(r, :) = [toc(t0), info.time, cputime() - c0];
  end
  t = median (ts(:, 1));
  tc = median (ts(:, 2));
  tcpu = median (ts(:, 3));
end

% nc_solve in a child Octave under a time cap, for the instances where a
% slow solve must not take the whole benchmark down; returns info (or []),
% wall and cpu seconds of the solve, max |Zbar| and a status.
function [info, t, tc, zmax, status] = nc_capped (n, lZ, lb, cap)
  info = []; t = NaN; tc = NaN; zmax = NaN; status = 'ok';
  in = [tempname() '.mat']; out = [tempname() '.mat'];
  save ('-binary', in, 'n', 'lZ', 'lb');
  root = fileparts (fileparts (mfilename ('fullpath')));
  code = sprintf (['addpath(''%s''); nc_setup; load(''%s''); t0 = tic (); c0 = cputime (); ', ...
                   '[Z, b, info] = nc_solve (n, lZ, lb); t = toc (t0); tc = cputime () - c0; ', ...
                   'zmax = max (abs (Z(:))); save(''-binary'', ''%s'', ''info'', ''t'', ''tc'', ''zmax'');'], ...
                  fullfile (root, 'm'), in, out);
  [st, msg] = system (sprintf ('timeout -k 5 %d octave-cli --no-gui --norc --eval "%s" 2>&1', ...
                               ceil (cap), code));
  if (exist (out, 'file'))
    S = load (out);
    info = S.info; t = S.t; tc = S.tc; zmax = S.zmax;
    delete (out);
  elseif (st == 124 || st == 137)
    status = sprintf ('timeout %d s', ceil (cap));
  else
    status = 'failed';
    fprintf ('   nc_solve failed: %s\n', strtrim (msg));
  end
  delete (in);
end

% One full n x n SVD with vectors (Octave's svd), median of three: the unit
% of the scale targets.
function [t, c] = svd_baseline (n)
  old = rand ('state');
  rand ('state', 7);
  A = rand (n);
  rand ('state', old);
  ts = zeros (3, 2);
  for r = 1:3
    t0 = tic (); c0 = cputime ();
    [U, S, V] = svd (A);
    ts(r, :) = [toc(t0), cputime() - c0];
  end
  t = median (ts(:, 1));
  c = median (ts(:, 2));
end

% K distinct whole counts, log-uniform in [50, 5000], seeded, majority first.
function n = distinct_counts (K, seed)
  old = rand ('state');
  rand ('state', seed);
  n = [];
  while (numel (n) < K)
    n = unique ([n, round(50 * 100 .^ rand(1, K))]);
  end
  n = n(randperm (numel (n), K));
  n = sort (n, 'descend');
  rand ('state', old);
end

% Builds bench/nc_bench_interrupt.c into a temporary folder; '' on failure.
function dir = build_interrupt_helper ()
  root = fileparts (fileparts (mfilename ('fullpath')));
  dir = tempname ();
  mkdir (dir);
  [~, lapack] = system ('mkoctfile -p LAPACK_LIBS');
  [~, blas] = system ('mkoctfile -p BLAS_LIBS');
  cmd = sprintf (['cd %s && mkoctfile --mex -O2 -I%s -o nc_bench_interrupt.mex %s %s ', ...
                  '-lgsl %s %s -lz -lm 2>&1'], dir, fullfile (root, 'include'), ...
                 fullfile (root, 'bench', 'nc_bench_interrupt.c'), ...
                 fullfile (root, 'build', 'libncufm.a'), strtrim (lapack), strtrim (blas));
  [status, out] = system (cmd);
  if (status ~= 0)
    fprintf ('   interrupt helper not built: %s\n', strtrim (out));
    dir = '';
    return;
  end
  addpath (dir);
end


% nc_solve along the grid, each solve warm-started from the previous one;
% per position the median over repeated sweeps (robust to the scheduling
% spikes of a shared machine), then the mean over the grid.
function [t, worst_gap] = nc_sweep (n, grid, lb)
  reps = 20;
  ts = zeros (reps, numel (grid));
  worst_gap = 0;
  for r = 1:reps
    Z = []; b = [];
    for i = 1:numel (grid)
      t0 = tic ();
      if (isempty (Z))
        [Z, b, info] = nc_solve (n, grid(i), lb);
      else
        [Z, b, info] = nc_solve (n, grid(i), lb, 'Zbar0', Z, 'b0', b);
      end
      ts(r, i) = toc (t0);
      worst_gap = max (worst_gap, info.gap);
    end
  end
  t = mean (median (ts, 1));
end

function t = fista_sweep (n, grid, lb, R, cap)
  Z = []; b = [];
  t = 0;
  for i = 1:numel (grid)
    [Z, b, fi] = fista_reference (n, grid(i), lb, 'Target', R(i).L + R(i).acc_t, ...
                                  'MaxTime', cap, 'Zbar0', Z, 'b0', b, 'Certify', false);
    if (~ fi.reached) t = NaN; return; end
    t = t + fi.time;
  end
  t = t / numel (grid);
end

% Class counts spread log-uniformly over [50, 5000], seeded, majority first.
function n = spread_counts (K, seed)
  old = rand ('state');
  rand ('state', seed);
  n = sort (round (50 * 100 .^ rand (1, K)), 'descend');
  rand ('state', old);
end

% Smallest lambda_Z with Zbar = 0 (docs/theory.md section 3): the operator norm of
% (I - p 1') diag(sqrt(n)) / N at the bias-only optimum p = softmax(b).
function lz = zero_threshold (n, lb)
  n = n(:); K = numel (n); N = sum (n); w = n / N;
  b = zeros (K, 1);
  for it = 1:50                    % Newton on the strongly convex bias problem
    p = exp (b - max (b)); p = p / sum (p);
    g = p - w + 2 * lb * b;
    if (norm (g) < 1e-15) break; end
    H = diag (p) - p * p' + 2 * lb * eye (K);
    b = b - (H \ g);
  end
  p = exp (b - max (b)); p = p / sum (p);
  lz = norm ((eye (K) - p * ones (1, K)) .* sqrt (n)') / N;
end

function s = generic_size (K)
  nvar = K^2 + K + K * (K + 1);
  s = sprintf (['%d unknowns and an SDP block of order %d; cp''s dense Newton ', ...
                'system alone would need %.3g GB and ~%.0e flops per iteration'], ...
               nvar, 2 * K, 8 * nvar^2 / 1e9, nvar^3 / 3);
end

function print_header ()
  fprintf ('%-7s %4s %9s %9s %9s | %9s %9s %7s | %9s %9s %7s %9s\n', 'lZ', 'rank', ...
          'nc tight', 'nc loose', 'nc gap', 'FISTA t', 'FISTA l', 'ratio t', ...
          'CVXOPT t', 'CVXOPT l', 'ratio l', 'CVX acc');
end

function print_row (c)
  fprintf ('%-7s %4s %9s %9s %9.1e | %9s %9s %7s | %9s %9s %7s %9s\n', c.label, ...
          num2str (c.rank), ms (c.nc_t, c.nc_status), ms (c.nc_tl, c.nc_status_l), c.nc_gap, ...
          ms (c.fista_t, c.fista_status), ms (c.fista_tl, c.fista_status), ...
          ratio (c.fista_t, c.nc_t, c.fista_status, c.fista_spent), ...
          ms (c.cvx_t, c.cvx_status), ms (c.cvx_tl, c.cvx_status), ...
          ratio (c.cvx_tl, c.nc_tl, c.cvx_status, c.cvx_spent), accstr (c.cvx_acc, c.cvx_status));
  if (isfinite (c.indep_gap))
    fprintf (['        certified: nc_solve gap %.1e; at its point the Octave certificate gives ', ...
             'gap %.1e and objective %.15g (%.1e from nc_solve''s)\n'], ...
            c.nc_gap, c.indep_gap, c.obj, c.obj_diff);
  elseif (~ strcmp (c.nc_status, 'ok'))
    fprintf ('        nc_solve: %s\n', c.nc_status);
  end
  if (isfinite (c.fista_acc) && ~ strcmp (c.fista_status, 'ok'))
    fprintf ('        FISTA %s after %d iterations at accuracy %.1e%s\n', c.fista_status, ...
            c.fista_iter, c.fista_acc, c.bound_note);
  end
  if (~ any (strcmp (c.cvx_status, {'optimal', 'not run'})))
    fprintf ('        CVXOPT status ''%s'', best accuracy %.1e\n', c.cvx_status, c.cvx_acc);
  end
end

function s = ms (t, status)
  if (isfinite (t))
    if (t < 1) s = sprintf ('%.3g ms', 1e3 * t); else s = sprintf ('%.3g s', t); end
  elseif (nargin > 1 && strcmp (status, 'not run'))
    s = 'not run';
  elseif (nargin > 1 && ~ strcmp (status, 'ok') && ~ strcmp (status, 'optimal'))
    s = status;
  else
    s = 'not reached';
  end
end

% Ratio reference time / nc_solve time.  A reference stopped by its time
% cap before reaching the accuracy gives a lower bound ">".
function s = ratio (a, b, status, spent)
  if (nargin < 3) status = 'ok'; end
  if (isfinite (a) && isfinite (b))
    s = sprintf ('%.3gx', a / b);
  elseif (strcmp (status, 'not run'))
    s = 'not run';
  elseif (nargin > 3 && strcmp (status, 'timeout') && isfinite (b))
    s = sprintf ('>%.3gx', spent / b);
  elseif (~ isfinite (b))
    s = '-';
  else
    s = 'never';
  end
end

function s = accstr (a, status)
  if (strcmp (status, 'not run')) s = '-'; else s = sprintf ('%.1e', a); end
end

function c = cells (varargin)
  c = varargin;
end

function s = pass (ok)
  s = ifelse_str (ok, 'met', 'MISSED');
end

function s = ifelse_str (c, a, b)
  if (c) s = a; else s = b; end
end
