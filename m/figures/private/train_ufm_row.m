% SPDX-License-Identifier: GPL-3.0-or-later

function U = train_ufm_row (P, counts, lW, lH, T)
%TRAIN_UFM_ROW  The "trained row" of the figure scripts: the nonconvex UFM trained by
%   U = TRAIN_UFM_ROW(P, COUNTS, LW, LH, T)
%
%   nc_ufm_train from seed P.seed with class counts
%   COUNTS and regularisation LW, LH, P.lb.
%   T holds the training settings: d (feature dimension), maxiter,
%   tol (gradient tolerance of nc_ufm_train) and points (history entries
%   wanted; 0 for the first and last only).  Cached under P.cache.
%
%   U has Zbar (W times the class means of H: the mean prediction matrix),
%   b, NC1_final, iterations, converged, time (seconds of the first, computed
%   run), and the history: epoch (gradient step), NC1, Zbar_hist (K x K x T),
%   b_hist (K x T).
  key = unit_key ('ufm', P, counts, lW, lH, T);
  U = unit_cache (P.cache, key, @() train (counts, lW, lH, P.lb, T, P.seed));
end

function U = train (counts, lW, lH, lb, T, seed)
  every = 0;
  if (T.points > 0)
    every = max (1, ceil (T.maxiter / T.points));
  end
  % Not reaching the tolerance is recorded (U.converged) and reported.
  state = warning ('off', 'ncufm:notConverged');
  restore_warning = onCleanup (@() warning (state));
  R = nc_ufm_train (counts, T.d, lW, lH, lb, 'Seed', seed, 'MaxIter', T.maxiter, ...
                    'Tol', T.tol, 'HistoryEvery', every);
  if (R.interrupted)
    error ('ncufm:interrupted', 'train_ufm_row: UFM training interrupted');  % never cached
  end
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
end
