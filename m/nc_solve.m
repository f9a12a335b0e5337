% SPDX-License-Identifier: GPL-3.0-or-later

function varargout = nc_solve (varargin)
%NC_SOLVE  Certified optimum of the convex imbalanced UFM, reduced to K x K.
%   ZBAR = NC_SOLVE(N, LAMBDA_Z, LAMBDA_B)
%   [ZBAR, B, INFO] = NC_SOLVE(..., NAME, VALUE, ...)
%
%   Solves (Hong and Ling, arXiv 2309.09725, in the convention of the authors'
%   code: no 1/2 factors, loss averaged over N, bias regularised)
%       min over Zbar (K x K), b (K):
%        (1/N) sum_k n_k CE(Zbar(:,k) + b, k) + lambda_Z ||Zbar diag(sqrt(n))||_* + lambda_b ||b||^2
%   with CE(v, k) = -v(k) + log sum exp(v) and N = sum(n).  This is the UFM
%   (1/N) sum CE(W h + b) + lambda_W ||W||^2 + lambda_H ||H||^2 + lambda_b ||b||^2
%   after within-class collapse, with lambda_Z = nc_lambda (lambda_W, lambda_H)
%   = 2*sqrt(lambda_W*lambda_H); recover W and the class features with
%   nc_factor.
%
%   N holds the K >= 2 class counts (positive, finite, not necessarily
%   whole).  ZBAR is the mean prediction matrix: column k is the mean
%   logit vector of class k without the bias (rows: output coordinate;
%   columns: true class).  B is the bias (a column).  With
%   LAMBDA_B = 0 the bias is unpenalised; the loss only sees it up to a
%   constant, which is fixed by sum(b) = 0.
%
%   Classes with equal counts form clusters, and the optimum is block
%   structured on them (docs/theory.md section 4): by default the program is
%   solved on the J x J cluster level, with the same outputs and a
%   certificate of the K x K program (K = 8142 with 999 distinct counts
%   takes seconds).  Exact structure: every column of ZBAR sums to 0 and
%   sum(b) = 0; ZBAR is exactly zero when the optimum is (decided exactly by
%   the test ||(I - p 1') diag(sqrt(n))|| <= lambda_Z N of the bias-only
%   optimum p); a cluster's columns coincide exactly when it collapses
%   (lambda_Z >= sqrt(n_j)/N); singular values the optimum does not have are
%   removed.
%
%   Options (name/value, case-insensitive):
%     Tol
%       Relative duality gap: stop when gap <= Tol * objective (default
%       1e-12).  Accepted from 1e-14 (1e-14 sqrt(K/1000) beyond K = 1000) to
%       0.5, and then met; a smaller Tol is refused (ncufm:badOption).
%     TolX
%       Target of the distance bound info.dist relative to max(abs(Zbar(:)))
%       (default 1e-9): the point is polished until it is met or no step
%       improves it.
%     MaxIter
%       Maximum number of iterations, first-order and Newton together
%       (default 100000).  Reaching it sets info.converged = false and warns
%       (ncufm:notConverged); a run that stops progressing ends earlier.
%     Zbar0, b0
%       Warm start, e.g. the solution at a neighbouring lambda in a sweep.
%     Method
%       'auto' (default) or 'clusters': work on the clusters of equal counts;
%       'dense': every class its own group (the K x K program as it is).
%     Verbose
%       0 (default) silent, 1 summary, 2 every phase, 3 timings.
%
%   INFO fields: objective; dual (the best certified lower bound on the
%   optimum); gap = objective - dual (a rigorous bound on objective -
%   optimum, up to rounding); kkt (norm of the smallest subgradient of the
%   objective at the returned point, in Zbar*diag(sqrt(n)) and b); dist (a
%   certified bound on max(|Zbar - Zbar*|, |b - b*|) entrywise, from the
%   strong convexity of the loss in the logits; Inf when LAMBDA_B = 0);
%   iterations (first-order); newton_steps; cg_iterations; rank (of Zbar);
%   sv (singular values of Zbar*diag(sqrt(n)), descending, exact zeros
%   removed); clusters (groups solved: K on the dense route); converged
%   (the gap met Tol); time (s).
%
%   Method (docs/solver.md): Newton-CG on the smooth structure of the
%   optimum, started from the solution of a coarse problem (the counts
%   quantised into a few bins) and preconditioned by an operator that
%   captures both the loss's and the nuclear norm's curvature (a few CG
%   iterations per step at any size); accelerated proximal gradient where
%   the rank must be found.  Certified through a dual point built from the
%   softmax of the returned point.  LAMBDA_Z below 1e-80 is refused
%   (ncufm:badLambda): the optimum leaves double precision's accurate range.
%
%       n = [500*ones(1,5), 100*ones(1,5)];      % Figure 5: 5 majority, 5 minority
%       [Zbar, b, info] = nc_solve (n, 0.0039, 0.01);
%       info.rank           % 5: the minority block has collapsed (threshold 0.00333)
%       info.clusters       % 2: solved on the two clusters
%
%   See also: nc_lambda, nc_factor, nc_theory, nc_thresholds
  error ('ncufm:notBuilt', 'nc_solve: the MEX file is not built; run ''make'' in the repository root');
end

% Objective and softmax evaluated independently of the solver.
%!function [F, P] = ref_objective (Z, b, n, lZ, lb)
%!  n = n(:)'; N = sum (n); V = Z + b(:);
%!  V = V - max (V, [], 1);
%!  P = exp (V) ./ sum (exp (V), 1);
%!  ce = -log (diag (P))';
%!  F = sum (n .* ce) / N + lZ * sum (svd (Z * diag (sqrt (n)))) + lb * sum (b.^2);
%!endfunction

%!test  % balanced closed form (docs/theory.md section 3), several K, n, lambda_b
%! for K = [2 3 7 10]
%!   for lb = [0 0.01 1]
%!     nn = 300; lZ = 0.2 / (K * sqrt (nn));
%!     c = lZ * sqrt (nn); alpha = log ((1 - (K-1)*c) / c);
%!     [Z, b, info] = nc_solve (nn * ones (1, K), lZ, lb);
%!     assert (Z, alpha * (eye (K) - ones (K) / K), 1e-11 * alpha);
%!     assert (b, zeros (K, 1), 1e-12);
%!     assert (info.converged);
%!     assert (info.rank, K - 1);
%!     F = log (1 + (K-1) * exp (-alpha)) + c * (K-1) * alpha;
%!     assert (info.objective, F, 1e-13);
%!   end
%! end

%!test  % balanced: exactly zero at and above 1/(K sqrt(n)), nonzero below
%! K = 6; nn = 400; thr = 1 / (K * sqrt (nn));
%! [Z, b, info] = nc_solve (nn * ones (1, K), thr * (1 + 1e-9), 0.01);
%! assert (all (Z(:) == 0));
%! assert (info.rank, 0);
%! assert (info.converged);
%! Z = nc_solve (nn * ones (1, K), thr * (1 - 1e-3), 0.01);
%! assert (norm (Z, 'fro') > 0);

%!test  % Zbar = 0 optimum: b solves the bias-only problem p - n/N + 2 lb b = 0
%! n = repelem ([20 71 69], 4); N = sum (n);
%! for lb = [2e-3 0.1 10]
%!   [Z, b, info] = nc_solve (n, 0.0174, lb);
%!   assert (all (Z(:) == 0));
%!   p = exp (b - max (b)); p = p / sum (p);
%!   assert (norm (p - n(:) / N + 2 * lb * b) < 1e-15);
%!   assert (info.gap < 1e-14);
%! end

%!test  % optimality conditions checked outside the solver (docs/theory.md section 3)
%! n = [5000 3000 3000 800 120 60]; lZ = 2e-4; lb = 0.05; N = sum (n); K = numel (n);
%! [Z, b, info] = nc_solve (n, lZ, lb);
%! [F, P] = ref_objective (Z, b, n, lZ, lb);
%! assert (info.objective, F, 1e-12 * F);
%! assert (info.dual <= info.objective);
%! assert (info.gap <= 1e-12 * F);
%! G = (eye (K) - P) * diag (sqrt (n)) / (lZ * N);
%! [U, S, V] = svd (Z * diag (sqrt (n)));
%! r = info.rank;
%! assert (norm (G) <= 1 + 1e-6);
%! assert (U(:,1:r)' * G, V(:,1:r)', 1e-6);    % G = U V' + W, U' W = 0
%! assert (G * V(:,1:r), U(:,1:r), 1e-6);
%! assert (b, (eye (K) - P) * n(:) / (2 * lb * N), 1e-8);
%! assert (sum (Z, 1), zeros (1, K), 1e-10 * max (abs (Z(:))));
%! assert (abs (sum (b)) < 1e-12);

%!test  % lambda_b = 0: the bias is free, so (I - P) n = 0, and sum(b) = 0
%! n = [900 500 100 40]; lZ = 1e-3; K = 4;
%! [Z, b, info] = nc_solve (n, lZ, 0);
%! [F, P] = ref_objective (Z, b, n, lZ, 0);
%! assert (info.converged);
%! assert ((eye (K) - P) * n(:), zeros (K, 1), 1e-8 * sum (n));
%! assert (abs (sum (b)) < 1e-12);

%!test  % permuting the classes permutes the solution
%! n = [700 80 2500 300 300 1200 45]; lZ = 1e-4; lb = 0.01;
%! [Z, b] = nc_solve (n, lZ, lb);
%! p = [4 7 1 3 6 2 5];
%! [Zp, bp] = nc_solve (n(p), lZ, lb);
%! assert (Zp, Z(p,p), 1e-8 * max (abs (Z(:))));
%! assert (bp, b(p), 1e-8 * max (abs (b)));

%!test  % equal counts give the cluster block structure (docs/theory.md section 4)
%! n = [600 600 600 90 90]; lZ = 1e-3;
%! Z = nc_solve (n, lZ, 0.01);
%! A = 1:3; B = 4:5; tol = 1e-9 * max (abs (Z(:)));
%! dA = diag (Z(A,A)); oA = Z(A,A)(~ eye (3));
%! assert (dA, dA(1) * ones (3, 1), tol);
%! assert (oA, oA(1) * ones (6, 1), tol);
%! assert (Z(B,A)(:), Z(4,1) * ones (6, 1), tol);
%! assert (Z(A,B)(:), Z(1,4) * ones (6, 1), tol);
%! assert (Z(4,4), Z(5,5), tol);
%! assert (dA(1) > oA(1));

%!test  % minority collapse at sqrt(n_B)/N: the minority columns coincide above it
%! n = [500*ones(1,5), 100*ones(1,5)]; thr = sqrt (100) / 3000;
%! Z = nc_solve (n, thr * 1.01, 0.01);
%! B = 6:10;
%! assert (max (max (abs (Z(:,B) - Z(:,B(1))))) < 1e-10 * max (abs (Z(:))));
%! Z = nc_solve (n, thr * 0.99, 0.01);
%! assert (max (max (abs (Z(:,B) - Z(:,B(1))))) > 1e-3);

%!test  % the full K x N problem, solved without the reduction, collapses onto Zbar
%! n = [4 2 1]; K = 3; N = sum (n); lZ = 0.05; lb = 0.1;
%! y = repelem (1:K, n);
%! Zbar = nc_solve (n, lZ, lb);
%! % plain proximal gradient on Z (K x N) and b: a slow generic method
%! Zf = zeros (K, N); bf = zeros (K, 1); E = full (sparse (y, 1:N, 1, K, N));
%! t = N / 2;            % 1/L for the CE term, L = 1/(2N) per column... safe
%! for it = 1:20000
%!   V = Zf + bf; V = V - max (V, [], 1); P = exp (V) ./ sum (exp (V), 1);
%!   GZ = (P - E) / N; gb = sum (P - E, 2) / N + 2 * lb * bf;
%!   [U, S, W] = svd (Zf - t * GZ, 'econ');
%!   Zf = U * max (S - t * lZ, 0) * W';
%!   bf = bf - gb / (1 + 2 * lb);
%! end
%! for k = 1:K
%!   cols = Zf(:, y == k);
%!   assert (max (max (abs (cols - cols(:,1)))) < 1e-7);
%!   assert (cols(:,1), Zbar(:,k), 1e-6);
%! end

%!test  % warm start from a neighbouring lambda gives the same optimum
%! n = [2000 2000 500 500 100]; lb = 0.01;
%! [Z1, b1] = nc_solve (n, 1e-4, lb);
%! [Z2, b2, i2] = nc_solve (n, 1.1e-4, lb);
%! [Z3, b3, i3] = nc_solve (n, 1.1e-4, lb, 'Zbar0', Z1, 'b0', b1);
%! assert (i3.converged);
%! assert (Z3, Z2, 1e-8 * max (abs (Z2(:))));
%! assert (b3, b2, 1e-8);

%!test  % strong imbalance (ratio 1e4) and a tiny lambda_Z are certified
%! n = [1e4 1e4 1 1]; 
%! [Z, b, info] = nc_solve (n, 1e-7, 0.01);
%! assert (info.converged);
%! [F] = ref_objective (Z, b, n, 1e-7, 0.01);
%! assert (info.objective, F, 1e-10 * F);

%!test  % MaxIter reached: honest flag and a warning
%! warning ('off', 'ncufm:notConverged', 'local');
%! [Z, b, info] = nc_solve ([5000 4000 100 10], 1e-6, 0.01, 'MaxIter', 1);
%! assert (~ info.converged);
%! assert (info.gap > 1e-12 * info.objective);
%! warning ('error', 'ncufm:notConverged', 'local');
%! try
%!   nc_solve ([5000 4000 100 10], 1e-6, 0.01, 'MaxIter', 1);
%!   assert (false);
%! catch err
%!   assert (err.identifier, 'ncufm:notConverged');
%! end

%!test  % the cluster route and the dense route give the same point and certificate
%! n = [700 700 700 90 90 31 31 31 31]; lb = 0.02;
%! for lZ = [3e-4 2e-3 6e-3]
%!   [Z, b, info] = nc_solve (n, lZ, lb);
%!   [Zd, bd, infod] = nc_solve (n, lZ, lb, 'Method', 'dense');
%!   assert (info.clusters, 3);
%!   assert (infod.clusters, numel (n));
%!   assert (Z, Zd, 1e-10 * max (1, max (abs (Zd(:)))));
%!   assert (b, bd, 1e-10);
%!   [F] = ref_objective (Z, b, n, lZ, lb);
%!   assert (info.objective, F, 1e-13 * F);
%!   assert (info.sv, svd (Z * diag (sqrt (n))), 1e-9 * max (info.sv));
%! end

%!test  % the distance bound holds against a second, much tighter solve
%! n = [900 500 100 40]; lb = 0.05;
%! [Zs, bs] = nc_solve (n, 1e-3, lb, 'Tol', 1e-14, 'TolX', 1e-12);
%! for it = [1 2 4 30]
%!   warning ('off', 'ncufm:notConverged', 'local');
%!   [Z, b, info] = nc_solve (n, 1e-3, lb, 'MaxIter', it);
%!   err = max ([abs(Z(:) - Zs(:)); abs(b - bs)]);
%!   assert (~ (info.dist < err - 1e-14));
%! end
%! assert (info.dist <= 1e-9 * max (abs (Z(:))));

%!test  % just below the zero threshold Zbar is tiny, and accurate relative to itself
%! n = [1000 10 10 10]; lb = 0.01;
%! lo = 0.001; hi = 0.02;
%! for i = 1:60
%!   m = (lo + hi) / 2;
%!   if (all (all (nc_solve (n, m, lb) == 0))) hi = m; else lo = m; end
%! end
%! [Z, b, info] = nc_solve (n, hi * (1 - 1e-5), lb);
%! assert (max (abs (Z(:))) > 0 && max (abs (Z(:))) < 1e-3);
%! assert (info.dist <= 1e-9 * max (abs (Z(:))));

%!test  % inputs that used to run for minutes are refused at once, with an ncufm: identifier
%! calls = {{[10 10 10], 1e-300, 0.01, 'b0', [.04 .11 .64], 'MaxIter', 1e300}, ...
%!          {[10 10 10], 1e-300, 0.01, 'b0', [.04 .11 .64]}, ...
%!          {[2 1], 0.01, 0.01, 'Tol', 1e-300, 'MaxIter', 2^31}, ...
%!          {[2 1], 0.01, 0.01, 'Tol', 1e-300}, ...
%!          {repmat([1 2], 1, 20), 1e-304, 0.5}};
%! for c = 1:numel (calls)
%!   try
%!     nc_solve (calls{c}{:});
%!     assert (false, 'call %d accepted', c);
%!   catch err
%!     assert (strncmp (err.identifier, 'ncufm:', 6), 'call %d: %s', c, err.message);
%!   end
%! end
%!error <TOL must lie in> nc_solve ([2 1], 0.01, 0.01, 'Tol', 1e-300)
%!error <LAMBDA_Z must be at least> nc_solve (repmat ([1 2], 1, 20), 1e-304, 0.5)
%!error <Method must be one of> nc_solve ([1 2], 1e-3, 0, 'Method', 'fast')
%!test  % lambda_b = realmax and one iteration: an answer, no LAPACK argument error
%! warning ('off', 'ncufm:notConverged', 'local');
%! [Z, b] = nc_solve ([10000 1 1], 1e-7, realmax, 'MaxIter', 1);
%! assert (all (abs (b) < 1e-90));

%!error <nc_solve: N must be positive> nc_solve ([1 -2 3], 1e-3, 0.01)
%!error <nc_solve: N must be positive> nc_solve ([1 0 3], 1e-3, 0.01)
%!error <nc_solve: N must not contain NaN> nc_solve ([1 NaN 3], 1e-3, 0.01)
%!error <nc_solve: N must be finite> nc_solve ([1 Inf 3], 1e-3, 0.01)
%!error <at least 2 classes> nc_solve (5, 1e-3, 0.01)
%!error <N must be a vector> nc_solve (ones (2), 1e-3, 0.01)
%!error <N must not be empty> nc_solve ([], 1e-3, 0.01)
%!error <N must be real> nc_solve ([1 2i], 1e-3, 0.01)
%!error <N must be a full matrix> nc_solve (sparse ([1 2]), 1e-3, 0.01)
%!error <N must be a real double> nc_solve ({1, 2}, 1e-3, 0.01)
%!error <N must be a real double> nc_solve ('ab', 1e-3, 0.01)
%!error <LAMBDA_Z must be positive> nc_solve ([1 2], 0, 0.01)
%!error <LAMBDA_Z must be positive> nc_solve ([1 2], -1, 0.01)
%!error <LAMBDA_Z must be finite> nc_solve ([1 2], Inf, 0.01)
%!error <LAMBDA_Z must be a real scalar> nc_solve ([1 2], [1 2], 0.01)
%!error <LAMBDA_B must be nonnegative> nc_solve ([1 2], 1e-3, -1)
%!error <LAMBDA_B must not contain NaN> nc_solve ([1 2], 1e-3, NaN)
%!error <unknown option 'Foo'> nc_solve ([1 2], 1e-3, 0, 'Foo', 1)
%!error <name/value pairs> nc_solve ([1 2], 1e-3, 0, 'Tol')
%!error <Zbar0 must be 2 x 2> nc_solve ([1 2], 1e-3, 0, 'Zbar0', ones (3))
%!error <b0 must have 2 elements> nc_solve ([1 2], 1e-3, 0, 'b0', ones (3, 1))
%!error <Tol must be positive> nc_solve ([1 2], 1e-3, 0, 'tol', 0)
%!error <MaxIter must hold whole numbers> nc_solve ([1 2], 1e-3, 0, 'MaxIter', 1.5)
%!error <at least 3 input> nc_solve ([1 2], 1e-3)
%!error <GB of memory> nc_solve (ones (1, 90000), 1e-3, 0.01)
%!test
%! try
%!   nc_solve ([1 -1], 1e-3, 0);
%! catch err
%!   assert (err.identifier, 'ncufm:badCounts');
%! end
%! try
%!   nc_solve ([1 1], 0, 0);
%! catch err
%!   assert (err.identifier, 'ncufm:badLambda');
%! end

%!demo
%! % Minority collapse across the Figure 5 grid
%! n = [500*ones(1,5), 100*ones(1,5)];
%! for lZ = [0.0027 0.0033 0.0039 0.0075]
%!   [Z, b, info] = nc_solve (n, lZ, 0.01);
%!   fprintf ('lambda_Z = %.4f: rank %d, gap %.1e, %.2f ms\n', lZ, info.rank, info.gap, 1e3*info.time);
%! end
