% SPDX-License-Identifier: GPL-3.0-or-later

function varargout = nc_limit (varargin)
%NC_LIMIT  The imbalanced UFM's optimum as the sample sizes grow at fixed imbalance.
%   L = NC_LIMIT(K, RHO, LAMBDA_N, NB, LAMBDA_B)
%
%   The limit regime of the paper: cluster j holds K(j) classes of
%   n_j = RHO(j) * nB samples (the ratios RHO fixed, e.g.
%   [r 1] for two clusters with imbalance ratio r), and lambda_Z * N is held
%   at LAMBDA_N, N = sum(k .* n).  For each entry of NB the
%   optimum is solved exactly by the cluster-level program (as
%   nc_theory; consecutive entries warm-start each other), so tables
%   up to nB = 1e9 and beyond take milliseconds.  Convention as in
%   nc_theory (lambda_Z = 2*sqrt(lambda_W*lambda_H), loss averaged
%   over N); LAMBDA_B >= 0.
%
%   Fields of L (T = numel (nB)):
%     k, rho, lambda_N, lambda_b
%       The inputs.
%     nB, N, lambda_Z
%       1 x T: the sizes, N and lambda_Z = lambda_N / N of each point.
%     distance
%       1 x T: ||Zbar/||Zbar||_F - (I - 11'/K)/sqrt(K-1)||_F, the Frobenius
%       distance of the normalised mean prediction matrix from the simplex ETF
%       (NaN where Zbar = 0).  It tends to 0 slowly (about 1/log nB).
%     cos_within
%       J x T: cosine between two columns (mean predictions, bias excluded) of
%       the same cluster; NaN for a cluster of one class.
%     cos_between
%       J x J x T: cosine between a column of cluster i and one of cluster j
%       (its diagonal is cos_within).  Both tend to the ETF value.
%     delta
%       J x T: the within-cluster ETF scale delta_j (see nc_theory).
%     etf_cosine
%       -1/(K-1).
%
%       % Figure 9's regime: k_A = k_B = 5, n_A = 2 n_B, lambda_Z = 0.1/N
%       L = nc_limit ([5 5], [2 1], 0.1, 10.^(2:9), 0.01);
%       [L.nB; L.distance; squeeze(L.cos_between(1,2,:))']
%
%   See also: nc_theory, nc_thresholds
  error ('ncufm:notBuilt', 'nc_limit: the MEX file is not built; run ''make'' in the repository root');
end

%!test  % each point is nc_theory's optimum; cosines from Zbar directly
%! k = [3 2]; rho = [4 1]; nB = [50 5000];
%! L = nc_limit (k, rho, 0.5, nB, 0.01);
%! for t = 1:2
%!   n = rho * nB(t); N = sum (k .* n);
%!   T = nc_theory (k, n, 0.5 / N, 0.01);
%!   assert (L.delta(:,t), T.delta, 1e-12 * max (T.delta));
%!   Z = T.Zbar; Zn = Z / norm (Z, 'fro'); K = 5;
%!   assert (L.distance(t), norm (Zn - (eye (K) - 1/K) / sqrt (K-1), 'fro'), 1e-12);
%!   c = @(a, b) Z(:,a)' * Z(:,b) / (norm (Z(:,a)) * norm (Z(:,b)));
%!   assert (L.cos_within(:,t), [c(1,2); c(4,5)], 1e-12);
%!   assert (L.cos_between(1,2,t), c(1,4), 1e-12);
%!   assert (L.cos_between(2,1,t), c(4,1), 1e-12);
%! end

%!test  % towards the simplex ETF as nB grows (docs/theory.md section 5)
%! L = nc_limit ([5 5], [2 1], 0.1, 10.^(2:9), 0.01);
%! assert (all (diff (L.distance) < 0));
%! assert (L.distance(end) < 0.03);
%! assert (abs (squeeze (L.cos_between(1,2,end)) - L.etf_cosine) < 1e-3);
%! assert (all (L.delta(:) > 0));      % lambda_Z N fixed: nothing collapses

%!error id=ncufm:badK nc_limit ([5 0], [2 1], 0.1, 100, 0.01)
%!error id=ncufm:badSize nc_limit ([5 5], [2 1 1], 0.1, 100, 0.01)
%!error id=ncufm:badN nc_limit ([5 5], [2 -1], 0.1, 100, 0.01)
%!error id=ncufm:badN nc_limit ([5 5], [2 1], 0.1, [100 0], 0.01)
%!error id=ncufm:badN nc_limit ([5 5], [2 1], 0.1, [], 0.01)
%!error id=ncufm:badLambda nc_limit ([5 5], [2 1], 0, 100, 0.01)
%!error id=ncufm:badLambda nc_limit ([5 5], [2 1], 0.1, 100, -1)
%!error id=ncufm:badArgCount nc_limit ([5 5], [2 1], 0.1, 100)

%!demo
%! L = nc_limit ([5 5], [2 1], 0.1, 10.^(2:9), 0.01);
%! semilogx (L.nB, L.distance, 'o-');
%! xlabel ('n_B'); ylabel ('distance of Zbar/||Zbar|| from the ETF');
