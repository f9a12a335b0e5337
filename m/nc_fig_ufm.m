## -*- texinfo -*-
## @deftypefn {} {@var{U} =} nc_fig_ufm (@var{P}, @var{counts}, @var{lW}, @var{lH}, @var{T})
## The "trained row" of the figure scripts: the nonconvex UFM trained by
## @code{nc_ufm_train} from seed @code{@var{P}.seed} with class counts
## @var{counts} and regularisation @var{lW}, @var{lH}, @code{@var{P}.lb}.
## @var{T} holds the training settings: d (feature dimension), maxiter,
## tol (gradient tolerance of nc_ufm_train) and points (history entries
## wanted; 0 for the first and last only).  Cached under @code{@var{P}.cache}.
##
## U has Zbar (W times the class means of H: the mean prediction matrix),
## b, NC1_final, iterations, converged, time (seconds of the first, computed
## run), and the history: epoch (gradient step), NC1, Zbar_hist (K x K x T),
## b_hist (K x T).
## @end deftypefn
function U = nc_fig_ufm (P, counts, lW, lH, T)
  key = struct ("tag", "ufm", "counts", counts(:)', "lW", lW, "lH", lH, "lb", P.lb, ...
                "d", T.d, "maxiter", T.maxiter, "tol", T.tol, "points", T.points, "seed", P.seed);
  U = nc_cache (P.cache, key, @() train (counts, lW, lH, P.lb, T, P.seed));
endfunction

function U = train (counts, lW, lH, lb, T, seed)
  every = 0;
  if (T.points > 0)
    every = max (1, ceil (T.maxiter / T.points));
  endif
  ## Not reaching the tolerance is recorded (U.converged) and reported.
  warning ("off", "ncufm:notConverged", "local");
  R = nc_ufm_train (counts, T.d, lW, lH, lb, "Seed", seed, "MaxIter", T.maxiter, ...
                    "Tol", T.tol, "HistoryEvery", every);
  if (R.interrupted)
    error ("ncufm:interrupted", "nc_fig_ufm: UFM training interrupted");  # never cached
  endif
  U.time = R.time;
  U.Zbar = R.Zbar;
  U.b = R.b(:);
  U.iterations = R.iterations;
  U.converged = R.converged;
  h = R.history;
  U.epoch = h.iteration(:)';
  U.NC1 = h.nc1(:)';
  U.Zbar_hist = h.Zbar;
  U.b_hist = h.b;
  U.NC1_final = U.NC1(end);
endfunction
