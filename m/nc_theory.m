% SPDX-License-Identifier: GPL-3.0-or-later

function varargout = nc_theory (varargin)
%NC_THEORY  Optimum of the imbalanced UFM predicted from the class counts alone.
%   T = NC_THEORY(N, LAMBDA_Z, LAMBDA_B)
%   T = NC_THEORY(K, N, LAMBDA_Z, LAMBDA_B)
%
%   The argument count tells the two forms apart.  With three arguments N is
%   a plain vector of class counts in any order, of any real numeric class
%   (double, single, or an integer class such as the int64 counts PyTorch
%   hands over); classes with equal counts are grouped into clusters, the
%   clusters in decreasing order of count, and Zbar and b come back in the
%   classes' own order.  With four arguments the clusters are given: cluster
%   j holds K(j) classes of N(j) samples each, and the classes are ordered
%   cluster by cluster (labels 1..K(1) are cluster 1, and so on).  K =
%   sum(k) classes, N = sum(k .* n) samples.  The convex program is the one
%   nc_solve solves (docs/theory.md sections 1-2; lambda_Z = 2*sqrt(lambda_W*
%   lambda_H), see nc_lambda; loss averaged over N; bias regularised):
%       min (1/N) sum_k n_k CE(Zbar(:,k) + b, k) + lambda_Z ||Zbar diag(sqrt(n))||_* + lambda_b ||b||^2
%   Its optimum is invariant under permutations inside a cluster, so it is a
%   block matrix fixed by a few scalars (docs/theory.md section 4):
%       Zbar(l,c) = alpha_j   (l = c in cluster j)
%                   beta_j    (l ~= c, both in cluster j)
%                   gamma_ij  (l in cluster i, c in cluster j, i ~= j)
%       b(l)      = bias_i    (l in cluster i)
%   with zero column sums.  nc_theory solves the program in delta_j =
%   alpha_j - beta_j, gamma_ij and bias_j (J^2 + J scalars) without forming
%   the K x K problem and without calling nc_solve: a second route to
%   nc_solve's answer.
%
%   Inputs: N positive finite counts (not necessarily whole), at least two
%   classes in all; K positive whole numbers (a cluster may hold one class);
%   LAMBDA_Z > 0; LAMBDA_B >= 0 (0: b is unpenalised, fixed by sum(b) = 0).
%
%   Fields of T (J clusters):
%     k, n
%       J x 1: the clusters (classes per cluster, samples per class).
%     counts, cluster
%       K x 1: each class's count, and the cluster (1..J) it belongs to, in
%       the classes' order (the order of Zbar, b and of N in the first form).
%     lambda_Z, lambda_b
%       The inputs.
%     alpha, beta, delta
%       J x 1 block entries; delta = alpha - beta >= 0 is the scale of cluster
%       j's within-cluster simplex ETF.  beta and delta are NaN for a cluster of
%       one class.
%     gamma
%       J x J; gamma(i,j) is the entry in rows of cluster i, columns of cluster
%       j; NaN on the diagonal.
%     bias
%       J x 1, b on each cluster.
%     collapsed
%       J x 1 logical: delta_j is exactly 0 (all of cluster j's mean predictions,
%       features and classifier rows coincide).  This happens iff
%       lambda_Z >= sqrt(n_j)/N (see nc_thresholds); false for clusters of
%       one class.
%     Zbar, b
%       The predicted K x K mean prediction matrix (column c: mean logit vector of
%       class c without the bias) and the K x 1 bias, with exact zeros: a
%       collapsed block has alpha = beta exactly, a separated between-cluster part
%       has gamma = 0 exactly, and Zbar = 0 exactly above the zero threshold.
%     sv
%       K x 1 singular values of Zbar*diag(sqrt(n)) per class, descending:
%       sqrt(n_j)*delta_j with multiplicity k_j - 1, those of the between-cluster
%       part, and an exact 0.
%     between_sv, between_rank
%       The (J-1) singular values of the between-cluster part and how many are
%       nonzero (0: the clusters are separated, all gamma vanish).
%     objective
%       Value of the program at the optimum.
%     kkt
%       Largest relative violation of the optimality conditions of the convex
%       program at the answer (gradient equations, and the subgradient condition
%       ||W|| <= 1 on the inactive singular directions): about 1e-14 normally.
%       A value above 1e-8 raises the warning ncufm:notCertified.
%     newton_steps
%       Newton steps taken.
%
%   Method (docs/theory.md sections 4-5): the collapse pattern is known
%   exactly (delta_j = 0 iff lambda_Z N >= sqrt(n_j)) and Zbar = 0 is decided
%   up front (the zero threshold).  The rank of the between-cluster part G
%   (J x J, rank <= J - 1) is found by a smoothing continuation: the nuclear
%   norm replaced by sum(sqrt(s.^2 + mu^2) - mu), mu falling tenfold per
%   level.  At that rank, Newton's method on the manifold of matrices of that
%   rank (the SVD chart, in which the exact norm is smooth) converges
%   quadratically; a singular value leaves the rank when a step takes it to
%   zero or removing it lowers the objective, a violated certificate brings
%   the violating directions in, and a rank that does not settle is read
%   again at a finer smoothing.  Each Newton system is solved by conjugate
%   gradients, preconditioned by the loss's exact curvature column by column
%   at full rank and by the norm's exact curvature below it, so nothing of
%   size J^2 x J^2 is formed: a step costs one SVD of G and four J x J
%   matrix products per CG step, about 250 CG steps in all at full rank
%   whatever J.  Memory: about 30 J^2 doubles (240 MB at J = 1000); larger
%   problems are refused up front (ncufm:tooLarge).  A subgradient or
%   proximal method could not return exact zeros or machine precision.
%   Times measured here (bench/bench_theory.m, 2 shared cores): 1 ms for
%   J <= 10, 0.15-0.4 s for CIFAR-100-LT's 85 clusters, 4-10 s for J = 300,
%   100-300 s for J = 1000 distinct counts (30 to 80 times one SVD of a
%   1000 x 1000 matrix timed in the same run, depending on the load).
%
%       % Figure 5 of the paper: 5 classes of 500 samples, 5 of 100
%       T = nc_theory ([5 5], [500 100], 0.0039, 0.01);
%       T.collapsed'          % [0 1]: the minority has collapsed (threshold 0.00333)
%       T.delta'              % its ETF scale is exactly 0
%       % CIFAR-100-LT's counts (85 distinct values among 100 classes)
%       T = nc_theory (round (500 * 0.01 .^ ((0:99) / 99)), 5e-4, 0.01);
%       T.between_rank        % 60 of at most 84
%
%   See also: nc_thresholds, nc_limit, nc_solve, nc_lambda
  error ('ncufm:notBuilt', 'nc_theory: the MEX file is not built; run ''make'' in the repository root');
end

%!test  % balanced closed form (docs/theory.md section 3), as one cluster and as equal clusters
%! for K = [2 4 7]
%!   for lb = [0 0.05]
%!     nn = 250; c = 0.3 / K; lZ = c / sqrt (nn);
%!     alpha = log ((1 - (K-1)*c) / c);
%!     Zc = alpha * (eye (K) - ones (K) / K);
%!     T1 = nc_theory (K, nn, lZ, lb);
%!     T2 = nc_theory ([1 K-1], [nn nn], lZ, lb);
%!     assert (T1.Zbar, Zc, 1e-12 * alpha);
%!     assert (T2.Zbar, Zc, 1e-12 * alpha);
%!     assert (T1.b, zeros (K, 1), 1e-12);
%!     assert (T1.objective, log (1 + (K-1)*exp (-alpha)) + c*(K-1)*alpha, 1e-13);
%!   end
%! end

%!test  % above 1/(K sqrt(n)): Zbar is exactly zero
%! T = nc_theory (4, 100, 1.01 / (4 * 10), 0.01);
%! assert (all (T.Zbar(:) == 0));
%! assert (T.collapsed, true);

%!test  % block structure and zero column sums
%! T = nc_theory ([2 3 1], [400 90 30], 0.002, 0.01);
%! K = 6; Z = T.Zbar;
%! assert (max (abs (sum (Z, 1))) < 1e-12 * max (abs (Z(:))));
%! assert (Z(1,1), T.alpha(1), 0); assert (Z(2,1), T.beta(1), 0);
%! assert (Z(3,1), T.gamma(2,1), 0); assert (Z(6,1), T.gamma(3,1), 0);
%! assert (Z(6,6), T.alpha(3), 0); assert (isnan (T.beta(3)) && isnan (T.delta(3)));
%! assert (T.b', [T.bias(1) T.bias(1) T.bias(2) T.bias(2) T.bias(2) T.bias(3)]);
%! assert (sum (T.sv), sum (svd (Z * diag (sqrt ([400 400 90 90 90 30])))), 1e-10 * sum (T.sv));

%!test  % the collapse threshold sqrt(n_j)/N is exact
%! k = [5 5]; n = [500 100]; N = 3000;
%! T = nc_theory (k, n, sqrt (100) / N * (1 - 1e-12), 0.01);
%! assert (T.collapsed', [false false]); assert (T.delta(2) > 0);
%! T = nc_theory (k, n, sqrt (100) / N, 0.01);
%! assert (T.collapsed', [false true]); assert (T.delta(2), 0);

%!test  % a count vector equals the cluster form after permutation, whatever its class
%! rand ('seed', 7);
%! n = [30 500 30 120 500 7 120 30]; p = randperm (numel (n)); n = n(p);
%! for cls = {@double, @int64, @int32, @single, @uint16}
%!   T = nc_theory (cls{1} (n), 0.004, 0.01);
%!   assert (T.k', [2 2 3 1]); assert (T.n', [500 120 30 7]);
%!   assert (T.counts', n); assert (T.n(T.cluster)', n);
%!   C = nc_theory ([2 2 3 1], [500 120 30 7], 0.004, 0.01);
%!   ord = zeros (1, 8);                      % T's class i is C's class ord(i)
%!   for j = 1:4
%!     ord(T.cluster == j) = find (C.cluster == j);
%!   end
%!   assert (T.Zbar, C.Zbar(ord, ord), 1e-12 * max (abs (C.Zbar(:))));
%!   assert (T.b, C.b(ord), 1e-12);
%!   assert (T.objective, C.objective, 1e-14);
%! end

%!test  % against the K x K solver
%! k = [3 7]; n = [500 100]; nn = repelem (n, k);
%! for lZ = [0.0037 0.0053 0.0102]
%!   T = nc_theory (k, n, lZ, 0.01);
%!   [Z, b] = nc_solve (nn, lZ, 0.01);
%!   assert (norm (T.Zbar - Z, 'fro') <= 1e-9 * norm (Z, 'fro'));
%!   assert (norm (T.b - b) <= 1e-9 * norm (b));
%! end

%!error <nc_theory: K must be positive> nc_theory ([2 0], [10 20], 0.01, 0)
%!error id=ncufm:badK nc_theory ([2 0], [10 20], 0.01, 0)
%!error id=ncufm:badK nc_theory ([2.5 1], [10 20], 0.01, 0)
%!error id=ncufm:badK nc_theory (1, 10, 0.01, 0)
%!error id=ncufm:badK nc_theory ([], [], 0.01, 0)
%!error id=ncufm:badK nc_theory ({2}, 10, 0.01, 0)
%!error id=ncufm:badSize nc_theory ([2 3], [10 20 30], 0.01, 0)
%!error id=ncufm:badN nc_theory ([2 3], [10 -1], 0.01, 0)
%!error id=ncufm:badN nc_theory ([2 3], [10 NaN], 0.01, 0)
%!error id=ncufm:badN nc_theory ([2 3], [10 Inf], 0.01, 0)
%!error id=ncufm:badN nc_theory ([2 3], [10 1i], 0.01, 0)
%!error id=ncufm:badN nc_theory ([2 3], sparse ([10 20]), 0.01, 0)
%!error id=ncufm:badN nc_theory ([2 3], 'ab', 0.01, 0)
%!error id=ncufm:badLambda nc_theory ([2 3], [10 20], 0, 0)
%!error id=ncufm:badLambda nc_theory ([2 3], [10 20], -1, 0)
%!error id=ncufm:badLambda nc_theory ([2 3], [10 20], [1 2], 0)
%!error id=ncufm:badLambda nc_theory ([2 3], [10 20], 0.01, -1)
%!error id=ncufm:badLambda nc_theory ([2 3], [10 20], 0.01, NaN)
%!error id=ncufm:badArgCount nc_theory ([2 3], 0.01)
%!error id=ncufm:badLambda nc_theory ([2 3], [10 20], 0.01)
%!error id=ncufm:badN nc_theory (7, 0.01, 0)
%!error id=ncufm:badN nc_theory ([5 0 3], 0.01, 0)
%!error id=ncufm:badN nc_theory ({5, 3}, 0.01, 0)
%!error id=ncufm:badN nc_theory (int64 ([5 -3]), 0.01, 0)
%!error id=ncufm:badArgCount [a, b] = nc_theory ([2 3], [10 20], 0.01, 0)
%!error <Zbar is K x K> nc_theory (1:3e5, 1e-3, 0.01)
%!error id=ncufm:tooLarge nc_theory (1:3e5, 1e-3, 0.01)

%!demo
%! % Minority collapse (Figure 5 of the paper): delta_B falls to exactly 0 at sqrt(n_B)/N
%! k = [5 5]; n = [500 100]; lZ = linspace (0.0027, 0.0075, 10);
%! d = zeros (2, numel (lZ));
%! for i = 1:numel (lZ)
%!   T = nc_theory (k, n, lZ(i), 0.01); d(:,i) = T.delta;
%! end
%! disp ([lZ; d]')

%!demo
%! % CIFAR-100-LT's counts: the rank of Zbar* falls as lambda_Z grows
%! n = round (500 * 0.01 .^ ((0:99) / 99));
%! for lZ = [1e-4 5e-4 1e-3 2e-3]
%!   T = nc_theory (n, lZ, 0.01);
%!   fprintf ('lambda_Z = %g: %d clusters, between-cluster rank %d, rank of Zbar %d\n', ...
%!            lZ, numel (T.k), T.between_rank, nnz (T.sv > 1e-12 * T.sv(1)));
%! end
