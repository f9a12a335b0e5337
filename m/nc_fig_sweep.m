## -*- texinfo -*-
## @deftypefn {} {@var{S} =} nc_fig_sweep (@var{P}, @var{tag}, @var{k}, @var{n}, @var{lZ}, @var{train})
## The theory row and the trained row of a sweep (Figures 5-9, phase).
##
## Setting s has clusters of @var{k}(j) classes with @var{n}(s,j) samples
## each (classes cluster by cluster) and nuclear-norm weight @var{lZ}(s).
## Theory: the exact convex optimum (Zbar*, b*) from @code{nc_solve} at
## tolerance @code{@var{P}.tol}, checked against the cluster-level
## prediction of @code{nc_theory} (an independent route to the same optimum).
## Trained (when @var{train} is true): the nonconvex UFM from
## @code{nc_ufm_train} at lW = 5 lZ, lH = lZ/20 (so that 2 sqrt(lW lH) = lZ,
## paper.md section 7), with the settings @code{@var{P}.ufm} (see nc_fig_ufm).
## Every unit is cached; progress lines name the unit and the time left.
##
## S has, per setting s: Zs@{s@}, bs@{s@} (solver), gap(s), solve_time(s),
## theory_err(s) (||Zbar_theory - Zbar*||_F / max(||Zbar*||_F, 1), NaN when
## nc_theory is missing), Bs(s) (nc_fig_blocks of Zbar*), and when trained:
## Zt@{s@}, bt@{s@}, Bt(s), errZ(s), errb(s) (relative errors of the
## trained Zbar, b against Zbar*, b* from nc_compare; absolute where the
## reference is exactly 0), NC1(s), train_time(s), iterations(s),
## converged(s).
## @end deftypefn
function S = nc_fig_sweep (P, tag, k, n, lZ, train)
  k = k(:)';
  ns = rows (n);
  t0 = tic ();
  S = struct ("k", k, "n", n, "lZ", lZ(:)', "trained", train);
  for s = 1:ns
    counts = repelem (n(s,:), k);
    key = struct ("tag", "solve", "counts", counts, "lZ", lZ(s), "lb", P.lb, "tol", P.tol);
    R = nc_cache (P.cache, key, @() solve (counts, lZ(s), P.lb, P.tol));
    S.Zs{s} = R.Zbar;
    S.bs{s} = R.b;
    S.gap(s) = R.gap;
    S.solve_time(s) = R.time;
    S.Bs(s) = nc_fig_blocks (R.Zbar, k);
    T = nc_theory (k, n(s,:), lZ(s), P.lb);
    S.theory_err(s) = norm (T.Zbar - R.Zbar, "fro") / max (norm (R.Zbar, "fro"), 1);
    nc_fig_progress (P, tag, s, ns, t0, sprintf ("theory n=%s lZ=%.4g", mat2str (n(s,:)), lZ(s)));
  endfor
  if (! train)
    return;
  endif
  ## Training units cost far more than solves: time them on their own.
  t0 = tic ();
  for s = 1:ns
    counts = repelem (n(s,:), k);
    U = nc_fig_ufm (P, counts, 5 * lZ(s), lZ(s) / 20, P.ufm);
    S.Zt{s} = U.Zbar;
    S.bt{s} = U.b;
    S.Bt(s) = nc_fig_blocks (U.Zbar, k);
    [S.errZ(s), S.errb(s)] = errors (U, S.Zs{s}, S.bs{s});
    S.iterations(s) = U.iterations;
    S.converged(s) = U.converged;
    S.NC1(s) = U.NC1_final;
    S.train_time(s) = U.time;
    nc_fig_progress (P, tag, s, ns, t0, sprintf ("UFM n=%s lZ=%.4g", mat2str (n(s,:)), lZ(s)));
  endfor
endfunction

## Relative errors; where the reference is 0 (Zbar* above the zero
## threshold, b* of balanced counts, which the solver returns as rounding
## noise of 1e-17) a relative error means nothing and the absolute one is
## returned.
function [eZ, eb] = errors (U, Zs, bs)
  E = nc_compare (U.Zbar, Zs, U.b, bs);
  eZ = E.fro;
  if (norm (Zs, "fro") <= 1e-12)
    eZ = norm (U.Zbar - Zs, "fro");
  endif
  eb = E.b;
  if (norm (bs) <= 1e-12 * max (1, norm (Zs, "fro")))
    eb = E.b_abs;
  endif
endfunction

function R = solve (counts, lZ, lb, tol)
  [R.Zbar, R.b, info] = nc_solve (counts, lZ, lb, "Tol", tol);
  R.gap = info.gap;
  R.time = info.time;
  R.converged = info.converged;
endfunction
