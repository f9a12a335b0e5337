% SPDX-License-Identifier: GPL-3.0-or-later

function S = sweep_rows (P, k, n, lZ, train)
%SWEEP_ROWS  The theory row and the trained row of a sweep (Figures 5-9, phase).
%   S = SWEEP_ROWS(P, K, N, LZ, TRAIN)
%
%   Setting s has clusters of K(j) classes with N(s,j) samples
%   each (classes cluster by cluster) and nuclear-norm weight LZ(s).
%   Theory: the exact convex optimum (Zbar*, b*) from nc_solve at
%   tolerance P.tol, checked against the cluster-level
%   prediction of nc_theory (an independent route to the same optimum).
%   Trained (when TRAIN is true): the nonconvex UFM from
%   nc_ufm_train at lW = 5 lZ, lH = lZ/20 (so that 2 sqrt(lW lH) = lZ,
%   docs/theory.md section 7), with the settings P.ufm (see train_ufm_row).
%   Every unit is cached (unit_key, unit_cache), and reports its progress.
%
%   S has, per setting s: Zs{s}, bs{s} (solver), gap(s), solve_time(s),
%   theory_err(s) (||Zbar_theory - Zbar*||_F / max(||Zbar*||_F, 1), NaN when
%   nc_theory is missing), Bs(s) (block_stats of Zbar*), and when trained:
%   Zt{s}, bt{s}, Bt(s) (spreads 0 where the trained Zbar is ~0, see
%   near_zero), zero_t(s) (that case), errZ(s), errb(s) (relative errors of the
%   trained Zbar, b against Zbar*, b* from nc_compare; absolute where the
%   reference is exactly 0), NC1(s), train_time(s), iterations(s),
%   converged(s).
  k = k(:)';
  ns = size (n, 1);
  S = struct ('k', k, 'n', n, 'lZ', lZ(:)', 'trained', train);
  for s = 1:ns
    counts = repelem (n(s,:), k);
    R = unit_cache (P.cache, unit_key ('solve', P, counts, lZ(s)), ...
                    @() exact_optimum (counts, lZ(s), P.lb, P.tol));
    S.Zs{s} = R.Zbar;
    S.bs{s} = R.b;
    S.gap(s) = R.gap;
    S.solve_time(s) = R.time;
    S.Bs(s) = block_stats (R.Zbar, k);
    T = nc_theory (k, n(s,:), lZ(s), P.lb);
    S.theory_err(s) = norm (T.Zbar - R.Zbar, 'fro') / max (norm (R.Zbar, 'fro'), 1);
  end
  if (~ train)
    return;
  end
  % Noise of a trained Zbar is judged against the sweep's largest optimum.
  scale = max (cellfun (@(Z) norm (Z, 'fro'), S.Zs));
  for s = 1:ns
    counts = repelem (n(s,:), k);
    U = train_ufm_row (P, counts, 5 * lZ(s), lZ(s) / 20, P.ufm);
    S.Zt{s} = U.Zbar;
    S.bt{s} = U.b;
    B = block_stats (U.Zbar, k);
    S.zero_t(s) = near_zero (U.Zbar, scale);
    if (S.zero_t(s))
      B.spread(:) = 0;  % every cluster collapsed at Zbar = 0
    end
    S.Bt(s) = B;
    [S.errZ(s), S.errb(s)] = errors (U, S.Zs{s}, S.bs{s});
    S.iterations(s) = U.iterations;
    S.converged(s) = U.converged;
    S.NC1(s) = U.NC1_final;
    S.train_time(s) = U.time;
  end
end

% Relative errors; where the reference is 0 (Zbar* above the zero
% threshold, b* of balanced counts, which the solver returns as rounding
% noise of 1e-17) a relative error means nothing and the absolute one is
% returned.
function [eZ, eb] = errors (U, Zs, bs)
  E = nc_compare (U.Zbar, Zs, U.b, bs);
  eZ = E.fro;
  if (norm (Zs, 'fro') <= 1e-12)
    eZ = norm (U.Zbar - Zs, 'fro');
  end
  eb = E.b;
  if (norm (bs) <= 1e-12 * max (1, norm (Zs, 'fro')))
    eb = E.b_abs;
  end
end

