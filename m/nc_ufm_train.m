% SPDX-License-Identifier: GPL-3.0-or-later

function R = nc_ufm_train (varargin)
%NC_UFM_TRAIN  Train the unconstrained feature model by full-batch gradient descent.
%   R = NC_UFM_TRAIN(N, D, LAMBDA_W, LAMBDA_H, LAMBDA_B)
%   R = NC_UFM_TRAIN(..., NAME, VALUE, ...)
%
%   The UFM in this project's convention (docs/theory.md section 1, the authors'
%   experiment code: no 1/2 factors, loss averaged over N, bias regularised):
%       min_{W,H,b} (1/N) sum_j CE(W h_j + b, y_j) + lambda_W ||W||_F^2
%                       + lambda_H ||H||_F^2 + lambda_b ||b||^2
%   with n(k) samples of class k, N = sum(n).  Its global
%   optimum is that of the convex program solved by nc_solve with
%   lambda_Z = nc_lambda (lambda_W, lambda_H), as long as D is at
%   least the rank of the optimal Zbar (D >= K - 1 always suffices).
%
%   Inputs: N, class counts (positive whole numbers, at least 2
%   classes); D, the feature dimension; LAMBDA_W, LAMBDA_H
%   > 0; LAMBDA_B >= 0.
%
%   The start is Gaussian (W and H, standard deviation InitScale; b = 0) from
%   Seed.  Each step is heavy-ball gradient descent on (W, H/sqrt(N), b): the
%   step on H is N times the step on W and b, because the H-gradient of the
%   averaged loss is O(1/N) per sample while the curvatures of the three
%   blocks in these variables are alike.  The step is 1/L with L re-estimated
%   every iteration from the current norms, unless LearningRate is given.
%
%   Options (name/value, case-insensitive):
%     MaxIter
%       iteration limit, a whole number up to 2^31 - 1 (default 200000).
%     Tol
%       stop when the scaled gradient norm
%       sqrt(|dW|^2 + N |dH|^2 + |db|^2) is at most Tol (default 1e-9).
%     LearningRate
%       fixed step in the scaled variables (default 0: automatic).
%     Momentum
%       heavy-ball momentum in [0, 1) (default 0.9).
%     InitScale
%       standard deviation of the random start (default 0.1).
%     Seed
%       seed of the random start, a whole number from 0 to 2^32 - 1
%       (default 0).
%     HistoryEvery
%       record the history every this many iterations (default 0: the first and
%       last iterates only).
%     Verbose
%       print progress with an upper bound on the time left (default false).
%
%   Output fields of R: W (K x d), H (d x N, columns
%   grouped by class in label order), b (K x 1), y (1 x N
%   labels of the columns of H), Zbar (K x K, W times the class means
%   of H: the mean prediction matrix), objective, grad_norm,
%   iterations, converged, interrupted (true when Ctrl-C
%   stopped the run: the fields then hold the last iterate), time
%   (seconds), and history with fields iteration,
%   objective, grad_norm, nc1 (tr(Sigma_W Sigma_B^+)/K,
%   sample-weighted), Zbar (K x K x T) and b (K x T).
%
%   Errors: ncufm:badCounts, ncufm:badSize,
%   ncufm:badLambda, ncufm:badOption, ncufm:diverged
%   (a fixed LearningRate too large), ncufm:tooLarge (W, H, their
%   gradients and the history would not fit in memory or under the
%   process limits, ulimit -v and -d: the message gives the size).  A run
%   that stops at MaxIter warns ncufm:notConverged.
%
%       n = [20 10 5];
%       R = nc_ufm_train (n, 4, 5e-2, 5e-4, 0.01);
%       [Zbar, b] = nc_solve (n, nc_lambda (5e-2, 5e-4), 0.01);
%       norm (R.Zbar - Zbar) / norm (Zbar)     % about 1e-9
%
%   See also: nc_solve, nc_lambda, nc_factor, nc_metrics
  error ('ncufm:notBuilt', 'nc_ufm_train: the MEX file is not built; run ''make'' in the repository root');
end

%!shared n, lW, lH, lb
%! n = [20 10 5]; lW = 5e-2; lH = 5e-4; lb = 0.01;

%!test  % reaches the convex optimum computed by nc_solve
%! R = nc_ufm_train (n, 4, lW, lH, lb);
%! [Zbar, b, info] = nc_solve (n, nc_lambda (lW, lH), lb, 'Tol', 1e-13);
%! assert (R.converged);
%! assert (norm (R.Zbar - Zbar, 'fro') / norm (Zbar, 'fro') < 1e-6);
%! assert (norm (R.b - b) / norm (b) < 1e-6);
%! assert (abs (R.objective - info.objective) < 1e-10);

%!test  % shapes, labels, and Zbar = W * class means of H
%! R = nc_ufm_train ([3 2], 5, 0.1, 0.01, 0.1, 'HistoryEvery', 50);
%! assert (size (R.W), [2 5]); assert (size (R.H), [5 5]); assert (size (R.b), [2 1]);
%! assert (R.y, [1 1 1 2 2]);
%! means = [mean(R.H(:, 1:3), 2), mean(R.H(:, 4:5), 2)];
%! assert (R.Zbar, R.W * means, 1e-12);
%! T = numel (R.history.iteration);
%! assert (R.history.iteration(1), 0); assert (R.history.iteration(end), R.iterations);
%! assert (size (R.history.Zbar), [2 2 T]); assert (size (R.history.b), [2 T]);
%! assert (R.history.Zbar(:, :, end), R.Zbar);

%!test  % the objective, recomputed from the returned factors
%! R = nc_ufm_train ([4 2 3], 3, 0.05, 0.002, 0.03, 'Seed', 4);
%! Z = R.W * R.H + R.b; N = 9;
%! ce = -Z(sub2ind (size (Z), R.y, 1:N)) + log (sum (exp (Z), 1));
%! F = mean (ce) + 0.05 * sumsq (R.W(:)) + 0.002 * sumsq (R.H(:)) + 0.03 * sumsq (R.b);
%! assert (R.objective, F, 1e-13);

%!test  % a seed fixes the run
%! warning ('off', 'ncufm:notConverged', 'local');
%! A = nc_ufm_train ([5 3], 3, 0.05, 0.002, 0.03, 'Seed', 9, 'MaxIter', 50, 'Tol', 0);
%! B = nc_ufm_train ([5 3], 3, 0.05, 0.002, 0.03, 'Seed', 9, 'MaxIter', 50, 'Tol', 0);
%! assert (A.W, B.W); assert (A.H, B.H);

%!warning <nc_ufm_train: stopped at MaxIter = 3> nc_ufm_train ([5 3], 3, 0.05, 0.002, 0.03, 'MaxIter', 3);
%!error <nc_ufm_train: N must hold whole numbers> nc_ufm_train ([2.5 3], 2, 1, 1, 1)
%!error <nc_ufm_train: N must be positive> nc_ufm_train ([0 3], 2, 1, 1, 1)
%!error <nc_ufm_train: N must have 2 to 20000 classes> nc_ufm_train (5, 2, 1, 1, 1)
%!error <nc_ufm_train: D must be positive> nc_ufm_train ([2 3], 0, 1, 1, 1)
%!error <nc_ufm_train: LAMBDA_W must be positive> nc_ufm_train ([2 3], 2, -1, 1, 1)
%!error <nc_ufm_train: LAMBDA_H must not contain NaN> nc_ufm_train ([2 3], 2, 1, NaN, 1)
%!error <nc_ufm_train: LAMBDA_B must be nonnegative> nc_ufm_train ([2 3], 2, 1, 1, -1)
%!error <nc_ufm_train: N must be real, not complex> nc_ufm_train ([2 3i], 2, 1, 1, 1)
%!error <nc_ufm_train: N must be a full matrix> nc_ufm_train (sparse ([2 3]), 2, 1, 1, 1)
%!error <nc_ufm_train: unknown option 'Foo'> nc_ufm_train ([2 3], 2, 1, 1, 1, 'Foo', 1)
%!error <nc_ufm_train: Momentum must be in> nc_ufm_train ([2 3], 2, 1, 1, 1, 'Momentum', 1)
%!error <name/value pairs> nc_ufm_train ([2 3], 2, 1, 1, 1, 'Seed')
%!error <needs at least 5> nc_ufm_train ([2 3], 2, 1, 1)
%!error <Seed = 1e\+300 is too large> nc_ufm_train ([2 3], 2, 1, 1, 1, 'Seed', 1e300)
%!error <Seed = 4.29497e\+09 is too large> nc_ufm_train ([2 3], 2, 1, 1, 1, 'Seed', 2^32)
%!error <MaxIter = 2.14748e\+09 is too large: at most 2147483647> nc_ufm_train ([2 3], 2, 1, 1, 1, 'MaxIter', 2^31)
%!test  % the largest seed is accepted, and differs from seed 0
%! warning ('off', 'ncufm:notConverged', 'local');
%! A = nc_ufm_train ([2 3], 2, 1, 1, 1, 'Seed', 2^32 - 1, 'MaxIter', 0);
%! B = nc_ufm_train ([2 3], 2, 1, 1, 1, 'Seed', 0, 'MaxIter', 0);
%! assert (~ isequal (A.H, B.H));
%!test
%! try
%!   nc_ufm_train ([2 3], 2, 1, 1, 1, 'LearningRate', 1e8);
%!   error ('no error');
%! catch err
%!   assert (err.identifier, 'ncufm:diverged');
%! end

%!demo
%! % Gradient descent on the nonconvex UFM lands on the convex optimum.
%! n = [50 50 20 20 5]; lW = 5e-3; lH = 5e-5; lb = 0.01;
%! R = nc_ufm_train (n, 6, lW, lH, lb, 'HistoryEvery', 20);
%! Zstar = nc_solve (n, nc_lambda (lW, lH), lb);
%! err = arrayfun (@(t) norm (R.history.Zbar(:,:,t) - Zstar, 'fro'), 1:numel (R.history.iteration));
%! semilogy (R.history.iteration, err / norm (Zstar, 'fro'), R.history.iteration, R.history.nc1);
%! legend ('|W Hbar - Zbar^*| / |Zbar^*|', 'NC1'); xlabel ('iteration');
