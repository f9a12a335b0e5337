% SPDX-License-Identifier: GPL-3.0-or-later

function varargout = nc_thresholds (varargin)
%NC_THRESHOLDS  Values of lambda_Z at which the optimum of the imbalanced UFM changes structure.
%   S = NC_THRESHOLDS(K, N, LAMBDA_B)
%   S = NC_THRESHOLDS(..., 'LambdaZ', LAMBDA_Z)
%
%   Clusters as in nc_theory: cluster j holds K(j) classes of
%   N(j) samples each, classes ordered cluster by cluster,
%   N = sum(k .* n), in this project's convention (lambda_Z =
%   2*sqrt(lambda_W*lambda_H), loss averaged over N, bias penalty
%   lambda_b ||b||^2; LAMBDA_B >= 0, default 0 = unpenalised).
%
%   Fields of S:
%     collapse
%       J x 1: cluster j collapses (delta_j = 0: its classes' mean predictions,
%       features and classifier rows coincide) iff lambda_Z >= sqrt(n_j)/N,
%       exactly, independently of the other clusters and of lambda_b.  Smaller
%       clusters collapse first.  Inf for a cluster of one class.
%     separation
%       All between-cluster entries gamma vanish iff lambda_Z >= separation
%       (depends on lambda_b).  Found by Brent's method (GSL) to 1e-13 relative on
%       the optimality condition ||G|| <= lambda_Z N of the solution with gamma = 0;
%       the value returned is the upper end of the final bracket.  0 when J = 1.
%     zero
%       Zbar = 0 (only the bias predicts) iff lambda_Z >= zero
%       = ||(I - p 1') diag(sqrt(n))||_op / N, p = softmax(b) of the bias-only
%       optimum (which does not depend on lambda_Z).  For two clusters it is
%       sqrt(n_A)/N.
%     lambda_Z
%       The value given with the option LambdaZ (NaN if none); the
%       fields below need it and are NaN without it.
%     minority
%       Index of the cluster with the fewest samples per class (the last of
%       equals).
%     ratio, n_major
%       Two clusters only (NaN otherwise): the imbalance ratio r* = n_A/n_B and
%       the majority size n_A* = r* n_B at which the minority B collapses at the
%       given lambda_Z, r* = (1/(lambda_Z sqrt(n_B)) - k_B)/k_A; the minority is
%       collapsed iff n_A >= n_A*.  r* <= 1 means it collapses whatever the
%       imbalance.
%     oversample
%       J x 2, [s_lo s_hi]: replicating cluster j's samples s times (n_j -> s n_j)
%       keeps it from collapsing at the given lambda_Z iff s_lo < s < s_hi; the
%       threshold sqrt(s n_j)/N(s) peaks when s k_j n_j equals the other
%       clusters' sample count.  NaN NaN when no s helps (or for one class).
%
%       % Figures 5 and 7 of the paper
%       S = nc_thresholds ([5 5], [500 100], 0.01, 'LambdaZ', 0.005);
%       S.collapse(2)       % 0.003333 = sqrt(100)/3000
%       S.n_major           % 300: the minority collapses once n_A >= 300
%
%   See also: nc_theory, nc_limit, nc_solve
  error ('ncufm:notBuilt', 'nc_thresholds: the MEX file is not built; run ''make'' in the repository root');
end

%!test  % the paper's figure thresholds (docs/theory.md section 7)
%! S = nc_thresholds ([5 5], [500 100], 0.01, 'LambdaZ', 0.005);
%! assert (S.collapse, [sqrt(500); sqrt(100)] / 3000, 1e-17);
%! assert (S.n_major, 300, 1e-9); assert (S.ratio, 3, 1e-12); assert (S.minority, 2);
%! assert (S.zero, sqrt (500) / 3000, 1e-15);
%! S = nc_thresholds ([3 7], [500 100], 0.01, 'LambdaZ', 0.005);
%! assert (S.collapse(2), 10 / 2200, 1e-17);
%! assert (S.n_major, 1300 / 3, 1e-9);

%!test  % each threshold switches nc_theory's structure
%! k = [2 3 4]; n = [1000 300 50]; lb = 0.01;
%! S = nc_thresholds (k, n, lb);
%! for j = 1:3
%!   T = nc_theory (k, n, S.collapse(j) * (1 - 1e-9), lb); assert (~ T.collapsed(j));
%!   T = nc_theory (k, n, S.collapse(j), lb); assert (T.collapsed(j));
%! end
%! T = nc_theory (k, n, S.separation * (1 - 1e-6), lb); assert (T.between_rank > 0);
%! T = nc_theory (k, n, S.separation * (1 + 1e-9), lb); assert (T.between_rank, 0);
%! assert (all (T.gamma(~ eye (3)) == 0));
%! T = nc_theory (k, n, S.zero * (1 - 1e-6), lb); assert (any (T.Zbar(:) ~= 0));
%! T = nc_theory (k, n, S.zero * (1 + 1e-12), lb); assert (all (T.Zbar(:) == 0));

%!test  % oversampling and the minority forms put a cluster exactly at its threshold
%! k = [4 3]; n = [900 40]; lZ = 0.004;
%! S = nc_thresholds (k, n, 0, 'LambdaZ', lZ);
%! for e = 1:2
%!   s = S.oversample(2, e); nB = s * n(2);
%!   assert (sqrt (nB) / (k(1) * n(1) + k(2) * nB), lZ, 1e-12 * lZ);
%! end
%! assert (sqrt (n(2)) / (k(1) * S.n_major + k(2) * n(2)), lZ, 1e-12 * lZ);
%! assert (isnan (nc_thresholds (k, n, 0).ratio));

%!test  % without lambda_b the bias is unpenalised (default)
%! S0 = nc_thresholds ([2 2], [50 10]); S1 = nc_thresholds ([2 2], [50 10], 0);
%! assert (S0.separation, S1.separation);

%!error id=ncufm:badK nc_thresholds ([0 2], [10 20], 0.01)
%!error id=ncufm:badSize nc_thresholds ([1 2], [10 20 3], 0.01)
%!error id=ncufm:badN nc_thresholds ([1 2], [10 0], 0.01)
%!error id=ncufm:badLambda nc_thresholds ([1 2], [10 20], -0.01)
%!error id=ncufm:badLambda nc_thresholds ([1 2], [10 20], 0.01, 'LambdaZ', 0)
%!error id=ncufm:badOption nc_thresholds ([1 2], [10 20], 0.01, 'Lambda', 0.1)
%!error id=ncufm:badOption nc_thresholds ([1 2], [10 20], 0.01, 'LambdaZ')
%!error id=ncufm:badArgCount nc_thresholds ([1 2])

%!demo
%! % Where the structure changes for three clusters
%! S = nc_thresholds ([2 3 4], [1000 300 50], 0.01)
