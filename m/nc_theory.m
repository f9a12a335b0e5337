% SPDX-License-Identifier: GPL-3.0-or-later

function varargout = nc_theory (varargin)
%NC_THEORY  Optimum of the imbalanced UFM predicted from the cluster sizes alone.
%   T = NC_THEORY(K, N, LAMBDA_Z, LAMBDA_B)
%
%   Classes form J clusters: cluster j holds K(j) classes of N(j)
%   samples each, and classes are ordered cluster by cluster (labels
%   1..k(1) are cluster 1, and so on); K = sum(k), N = sum(k .* n).  The
%   convex program is the one nc_solve solves (Hong and Ling, arXiv
%   2309.09725, in the convention of the authors' code: no 1/2 factors, loss
%   averaged over N, bias regularised):
%       min (1/N) sum_k n_k CE(Zbar(:,k) + b, k) + lambda_Z ||Zbar diag(sqrt(n))||_* + lambda_b ||b||^2
%   with lambda_Z = nc_lambda (lambda_W, lambda_H) = 2*sqrt(lambda_W*lambda_H).
%   Its optimum is invariant under permutations inside a cluster, so it is a
%   block matrix fixed by a few scalars:
%       Zbar(l,c) = alpha_j   (l = c in cluster j)
%                  beta_j    (l ~= c, both in cluster j)
%                  gamma_ij  (l in cluster i, c in cluster j, i ~= j)
%       b(l)      = bias_i    (l in cluster i)
%   with zero column sums.  nc_theory solves the small program in
%   delta_j = alpha_j - beta_j, gamma_ij and bias_j (J^2 + J scalars) without
%   forming the K x K problem: a second route to nc_solve's answer.
%
%   Inputs: K, positive whole numbers (a cluster may hold one class);
%   N, positive finite sample counts (not necessarily whole), one per
%   cluster; at least two classes in all; LAMBDA_Z > 0;
%   LAMBDA_B >= 0 (0: b is unpenalised and fixed by sum(b) = 0).
%
%   Fields of T (J = numel (k)):
%     k, n, lambda_Z, lambda_b
%       The inputs (columns).
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
%       ||W|| <= 1 on the inactive singular directions): about 1e-15 normally.
%       A value above 1e-8 raises the warning ncufm:notCertified.
%     newton_steps
%       Newton steps taken.
%
%   Method: the collapse pattern is known exactly (delta_j = 0 iff
%   lambda_Z N >= sqrt(n_j)); the rank of the between-cluster part is found
%   by adding, from the separated solution, the directions that violate the
%   optimality conditions one stage at a time; each structure is solved by
%   Newton's method to machine precision (the factorised form L*R' of the
%   between part at intermediate rank) and certified by the optimality
%   conditions.  A subgradient or proximal method could not return exact
%   zeros or machine precision.  About 0.1 to 1 ms per call for J <= 5.
%
%       % Figure 5 of the paper: 5 classes of 500 samples, 5 of 100
%       T = nc_theory ([5 5], [500 100], 0.0039, 0.01);
%       T.collapsed'          % [0 1]: the minority has collapsed (threshold 0.00333)
%       T.delta'              % its ETF scale is exactly 0
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
%!error id=ncufm:badArgCount nc_theory ([2 3], [10 20], 0.01)
%!error id=ncufm:badArgCount [a, b] = nc_theory ([2 3], [10 20], 0.01, 0)

%!demo
%! % Minority collapse (Figure 5 of the paper): delta_B falls to exactly 0 at sqrt(n_B)/N
%! k = [5 5]; n = [500 100]; lZ = linspace (0.0027, 0.0075, 10);
%! d = zeros (2, numel (lZ));
%! for i = 1:numel (lZ)
%!   T = nc_theory (k, n, lZ(i), 0.01); d(:,i) = T.delta;
%! end
%! disp ([lZ; d]')
