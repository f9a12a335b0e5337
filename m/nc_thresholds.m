% SPDX-License-Identifier: GPL-3.0-or-later

function varargout = nc_thresholds (varargin)
%NC_THRESHOLDS  Values of lambda_Z at which the optimum of the imbalanced UFM changes structure.
%   S = NC_THRESHOLDS(N)
%   S = NC_THRESHOLDS(N, LAMBDA_B)
%   S = NC_THRESHOLDS(K, N, LAMBDA_B)
%   S = NC_THRESHOLDS(..., 'LambdaZ', LAMBDA_Z)
%
%   The count of arguments before the first option name tells the forms
%   apart.  One or two: N is a plain vector of class counts in any order (any
%   real numeric class, int64 included), grouped into clusters of equal
%   counts as nc_theory does (decreasing order of count).  Three: clusters as
%   in nc_theory, cluster j holds K(j) classes of N(j) samples each, classes
%   ordered cluster by cluster; LAMBDA_B is then required, so that
%   NC_THRESHOLDS(K, N) is not mistaken for a count vector.  N = sum(k .* n),
%   in this project's convention (lambda_Z = 2*sqrt(lambda_W*lambda_H), loss
%   averaged over N, bias penalty lambda_b ||b||^2; LAMBDA_B >= 0, default 0
%   = unpenalised).
%
%   Fields of S (J clusters; docs/theory.md section 5):
%     k, n, counts, cluster
%       The clusters (J x 1) and, per class (K x 1), its count and its cluster.
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
%       optimum, which does not depend on lambda_Z.  Every cluster of two
%       classes or more contributes sqrt(n_j) (its within-cluster directions),
%       the between-cluster directions a J x J operator.  For two clusters,
%       A having the larger count per class: zero = sqrt(n_A)/N when k_A >= 2;
%       when k_A = 1 the majority has no within-cluster part, and
%       zero = max(sigma, sqrt(n_B) [k_B >= 2])/N with
%       sigma = sqrt(K (k_B n_A p_B^2 + k_A n_B p_A^2)) (p_A, p_B per class),
%       which is sqrt(K n_A n_B / N) when lambda_b = 0 (docs/theory.md
%       (5.6)-(5.8)).  For example k = [1 3], n = [1000 10], lambda_b = 0.01:
%       zero = 6.53/N, not sqrt(1000)/N = 31.6/N.
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
%       % a count vector: CIFAR-10-LT's exponential profile
%       S = nc_thresholds (round (5000 * 0.01 .^ ((0:9) / 9)), 0.01);
%       S.zero              % Zbar* = 0 from this lambda_Z on
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

%!test  % without lambda_b the bias is unpenalised (default); a count vector is its clusters
%! S0 = nc_thresholds ([10 50 50 10]); S1 = nc_thresholds ([2 2], [50 10], 0);
%! assert (S0.separation, S1.separation); assert (S0.zero, S1.zero);
%! assert (S0.k', [2 2]); assert (S0.n', [50 10]); assert (S0.cluster', [2 1 1 2]);
%! S2 = nc_thresholds (int64 ([10 50 50 10]), 0.01, 'LambdaZ', 0.003);
%! S3 = nc_thresholds ([2 2], [50 10], 0.01, 'LambdaZ', 0.003);
%! assert (S2.collapse, S3.collapse); assert (S2.separation, S3.separation, 1e-15);
%! assert (S2.oversample, S3.oversample);

%!function z = zero_kxk (nn, lb)
%!  % the zero threshold from its definition on the K classes (docs/theory.md
%!  % (3.4)): the bias-only optimum by Newton, then ||(I - p 1') D^(1/2)||_op / N
%!  nn = nn(:); K = numel (nn); N = sum (nn); b = zeros (K, 1);
%!  for it = 1:100
%!    p = exp (b - max (b)); p = p / sum (p);
%!    g = p - nn / N + 2 * lb * b;
%!    if (lb == 0)
%!      g = g + ones (K, 1) * sum (b) / K;
%!    end
%!    H = diag (p) - p * p' + 2 * lb * eye (K) + (lb == 0) * ones (K) / K;
%!    b = b - H \ g;
%!  end
%!  p = exp (b - max (b)); p = p / sum (p);
%!  z = norm ((eye (K) - p * ones (1, K)) * diag (sqrt (nn))) / N;
%!endfunction

%!test  % the zero threshold from its definition; a majority of one class is not sqrt(n_A)/N
%! cases = {[1 3], [1000 10]; [1 4], [900 300]; [3 2], [700 50]; [1 1], [500 20]; [2 1 3], [80 60 5]};
%! for c = 1:size (cases, 1)
%!   [k, n] = cases{c,:};
%!   for lb = [0 0.01 0.3]
%!     S = nc_thresholds (k, n, lb);
%!     assert (S.zero, zero_kxk (repelem (n, k), lb), 1e-12 * S.zero);
%!   end
%! end
%! S = nc_thresholds ([1 3], [1000 10], 0.01); N = 1030;
%! assert (abs (S.zero * N - 6.53) < 0.01); assert (S.zero < 0.25 * sqrt (1000) / N);
%! S = nc_thresholds ([1 3], [1000 10], 0); K = 4;
%! assert (S.zero, sqrt (K * 1000 * 10 / N) / N, 1e-14);   % lambda_b = 0: sqrt(K n_A n_B / N) / N
%! S = nc_thresholds ([3 2], [700 50], 0.3);
%! assert (S.zero, sqrt (700) / 2200, 1e-15);              % k_A >= 2: sqrt(n_A) / N

%!error id=ncufm:badK nc_thresholds ([0 2], [10 20], 0.01)
%!error id=ncufm:badSize nc_thresholds ([1 2], [10 20 3], 0.01)
%!error id=ncufm:badN nc_thresholds ([1 2], [10 0], 0.01)
%!error id=ncufm:badLambda nc_thresholds ([1 2], [10 20], -0.01)
%!error id=ncufm:badLambda nc_thresholds ([1 2], [10 20], 0.01, 'LambdaZ', 0)
%!error id=ncufm:badOption nc_thresholds ([1 2], [10 20], 0.01, 'Lambda', 0.1)
%!error id=ncufm:badOption nc_thresholds ([1 2], [10 20], 0.01, 'LambdaZ')
%!error id=ncufm:badLambda nc_thresholds ([2 2], [50 10])
%!error id=ncufm:badN nc_thresholds (7)
%!error id=ncufm:badN nc_thresholds ([7 0 1], 0.01)
%!error id=ncufm:badArgCount nc_thresholds ([1 2], [10 20], 0.01, 4)
%!error id=ncufm:badArgCount nc_thresholds ('LambdaZ', 0.01)
%!error <J = 300000 clusters> nc_thresholds (1:3e5, 0.01)
%!error id=ncufm:tooLarge nc_thresholds (1:3e5, 0.01)

%!demo
%! % Where the structure changes for three clusters
%! S = nc_thresholds ([2 3 4], [1000 300 50], 0.01)

%!demo
%! % A majority of one class: the zero threshold is not sqrt(n_A)/N
%! S = nc_thresholds ([1 3], [1000 10], 0.01);
%! fprintf ('zero threshold %.4g, sqrt(n_A)/N %.4g\n', S.zero, sqrt (1000) / 1030);
