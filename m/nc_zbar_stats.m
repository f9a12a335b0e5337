% SPDX-License-Identifier: GPL-3.0-or-later

function S = nc_zbar_stats (Zbar, k)
%NC_ZBAR_STATS  Cluster statistics of a mean prediction matrix (cosines, spread, ETF distance).
%   S = NC_ZBAR_STATS(ZBAR)
%   S = NC_ZBAR_STATS(ZBAR, K)
%
%   ZBAR is K x K: column k is the mean logit vector of class k (bias
%   excluded), rows are output coordinates.  K gives the number of
%   classes per cluster, classes ordered cluster by cluster (default: one
%   cluster of K classes).  With J clusters, the fields of S are
%     cos_cols, cos_rows
%       K x K cosines between the columns, and between the rows, of ZBAR
%       (NaN where a column or row is zero).
%     cos_cols_blocks, cos_rows_blocks
%       J x J mean cosines: entry (i, i) averages the pairs of distinct columns
%       (rows) within cluster i, entry (i, j) all pairs between clusters i and j.
%       NaN for a one-class cluster's diagonal entry.
%     cos_within_cols, cos_within_rows
%       the diagonals of the two block matrices (J x 1).
%     etf_cos
%       the simplex-ETF value -1/(K-1) the cosines tend to without imbalance.
%     alpha, beta, gamma, delta
%       the block parameters of section 4 fitted by block means: alpha (J x 1)
%       mean diagonal within a cluster, beta (J x 1) mean off-diagonal within a
%       cluster (NaN for one-class clusters), gamma (J x J, NaN diagonal) the mean
%       of block (rows in C_i, columns in C_j), delta = alpha - beta.
%     block_dev
%       ||Zbar - B||_F / ||Zbar||_F, B the block-mean matrix with those
%       parameters: 0 for an exact block structure.
%     spread, spread_rel
%       per cluster, sqrt(mean over k in C_j of ||z_k - m_j||^2) with m_j the mean
%       column of the cluster (0 when the cluster has collapsed; it equals
%       delta_j sqrt(1 - 1/k_j) for an exact block structure), and the same
%       divided by the root mean square column norm ||Zbar||_F / sqrt(K).
%     etf_dist
%       || Zbar/||Zbar||_F - (I - 11'/K)/sqrt(K-1) ||_F.
%
%       S = nc_zbar_stats (Zbar, [5 5]);   % majority, minority
%       S.cos_within_cols(2), S.spread_rel(2)   % minority collapse -> 1, 0
%
%   See also: nc_compare, nc_metrics
  if (nargin < 1 || nargin > 2)
    error ('ncufm:badArgCount', 'nc_zbar_stats: needs ZBAR and optionally K');
  end
  if (~ (isnumeric (Zbar) && isreal (Zbar) && ~ issparse (Zbar) && ndims (Zbar) == 2 ...
         && size (Zbar, 1) == size (Zbar, 2) && size (Zbar, 1) >= 2))
    error ('ncufm:badZbar', 'nc_zbar_stats: ZBAR must be a real full K x K matrix with K >= 2');
  end
  if (~ all (isfinite (Zbar(:))))
    error ('ncufm:badZbar', 'nc_zbar_stats: ZBAR must be finite');
  end
  Zbar = double (Zbar);
  K = size (Zbar, 1);
  if (nargin < 2)
    k = K;
  end
  if (~ (isnumeric (k) && isreal (k) && ~ issparse (k) && isvector (k) && ~ isempty (k) ...
         && all (isfinite (k)) && all (k >= 1) && all (k == fix (k))))
    error ('ncufm:badClusters', 'nc_zbar_stats: K must be a vector of positive whole numbers');
  end
  k = double (k(:));   % before summing: integer classes saturate
  if (sum (k) ~= K)
    error ('ncufm:badClusters', 'nc_zbar_stats: K must sum to %d (the size of ZBAR), not %d', ...
           K, sum (k));
  end
  J = numel (k);
  cluster = repelem ((1:J)', k(:));
  cluster = cluster(:);

  % Everything is computed on ZBAR scaled to entries of at most 1: the
  % cosines and relative measures do not change, the block parameters scale
  % back, and squares and sums of large or tiny entries cannot overflow or
  % underflow on the way.
  scale = max (abs (Zbar(:)));
  if (scale == 0)
    scale = 1;
  end
  Zbar = Zbar / scale;
  S.cos_cols = cosines (Zbar);
  S.cos_rows = cosines (Zbar');
  S.cos_cols_blocks = block_means (S.cos_cols, cluster, J, true);
  S.cos_rows_blocks = block_means (S.cos_rows, cluster, J, true);
  S.cos_within_cols = diag (S.cos_cols_blocks);
  S.cos_within_rows = diag (S.cos_rows_blocks);
  S.etf_cos = -1 / (K - 1);

  means = block_means (Zbar, cluster, J, true);  % off-diagonal within, all between
  alpha = accumarray (cluster, diag (Zbar)) ./ k;
  B = means(cluster, cluster);
  B(1:K+1:end) = alpha(cluster);
  B(isnan (B)) = 0;   % one-class clusters have no off-diagonal entries
  S.alpha = alpha * scale;
  S.beta = diag (means) * scale;
  S.gamma = means * scale;
  S.gamma(1:J+1:end) = NaN;
  S.delta = (alpha - diag (means)) * scale;
  nz = norm (Zbar, 'fro');
  S.block_dev = norm (Zbar - B, 'fro') / nz;

  spread = zeros (J, 1);
  for j = 1:J
    Zj = Zbar(:, cluster == j);
    spread(j) = sqrt (mean (sum ((Zj - mean (Zj, 2)).^2, 1)));
  end
  S.spread = spread * scale;
  S.spread_rel = spread / (nz / sqrt (K));
  S.etf_dist = norm (Zbar / nz - (eye (K) - 1/K) / sqrt (K - 1), 'fro');
end

function C = cosines (Z)
  norms = sqrt (sum (Z.^2, 1));
  C = (Z' * Z) ./ (norms' * norms);
  C(norms == 0, :) = NaN;
  C(:, norms == 0) = NaN;
end

% Mean of A over the blocks of the cluster partition; diagonal blocks
% exclude the diagonal entries when OFFDIAG (NaN if nothing is left).
function M = block_means (A, cluster, J, offdiag)
  M = zeros (J);
  K = numel (cluster);
  keep = true (K);
  if (offdiag)
    keep(1:K+1:end) = false;
  end
  for i = 1:J
    for j = 1:J
      v = A(cluster == i, cluster == j);
      m = keep(cluster == i, cluster == j);
      M(i, j) = mean (v(m));
    end
  end
end

% An exact block matrix built from its parameters: the fitted parameters,
% the spread delta sqrt(1 - 1/k) and the cosines are known in closed form.
%!test
%! k = [3 2]; K = 5;
%! alpha = [4; 2]; beta = [-1; -0.5]; gamma = [NaN -0.7; -0.9 NaN];
%! Z = zeros (K); c = repelem (1:2, k);
%! for l = 1:K, for m = 1:K
%!   if (c(l) == c(m)), Z(l, m) = (l == m) * alpha(c(l)) + (l ~= m) * beta(c(l));
%!   else, Z(l, m) = gamma(c(l), c(m)); end
%! end, end
%! S = nc_zbar_stats (Z, k);
%! assert (S.alpha, alpha, 1e-14);
%! assert (S.beta, beta, 1e-14);
%! assert (S.gamma, gamma, 1e-14);
%! assert (S.delta, alpha - beta, 1e-14);
%! assert (S.block_dev, 0, 1e-14);
%! assert (S.spread, (alpha - beta) .* sqrt (1 - 1 ./ k'), 1e-13);
%! % column 1 = [4 -1 -1 -0.9 -0.9], column 2 = [-1 4 -1 -0.9 -0.9]
%! c12 = (-4 - 4 + 1 + 0.81 + 0.81) / (16 + 1 + 1 + 0.81 + 0.81);
%! assert (S.cos_cols(1, 2), c12, 1e-14);
%! assert (S.cos_within_cols(1), c12, 1e-14);

% the simplex ETF: every cosine -1/(K-1), distance 0, one cluster
%!test
%! K = 6; E = 2.5 * (eye (K) - 1/K);
%! S = nc_zbar_stats (E);
%! assert (S.cos_within_cols, -1/(K-1), 1e-14);
%! assert (S.cos_within_rows, -1/(K-1), 1e-14);
%! assert (S.etf_cos, -1/(K-1));
%! assert (S.etf_dist, 0, 1e-14);
%! assert (S.spread_rel, 1, 1e-14);   % the columns sum to 0: spread = rms norm

% a collapsed minority: identical columns give cosine 1 and spread 0;
% invariance under scaling
%!test
%! Z = [3 -1 -1 -1; -1 3 -1 -1; -1 -1 1 1; -1 -1 1 1];
%! S = nc_zbar_stats (Z, [2 2]);
%! assert (S.cos_within_cols(2), 1, 1e-14);
%! assert (S.spread(2), 0);
%! T = nc_zbar_stats (7 * Z, [2 2]);
%! assert (T.cos_cols_blocks, S.cos_cols_blocks, 1e-14);
%! assert (T.spread_rel, S.spread_rel, 1e-14);
%! assert (T.etf_dist, S.etf_dist, 1e-14);

%!test  % scale invariance reaches the ends of the double range
%! Z = [3 -1 -1 -1; -1 3 -1 -1; -1 -1 1 1; -1 -1 1 1];
%! S = nc_zbar_stats (Z, [2 2]);
%! for c = [1e300, 1e-300]
%!   T = nc_zbar_stats (c * Z, [2 2]);
%!   assert (T.cos_cols, S.cos_cols, 1e-14);
%!   assert (T.cos_rows_blocks, S.cos_rows_blocks, 1e-14);
%!   assert ([T.block_dev T.etf_dist], [S.block_dev S.etf_dist], 1e-14);
%!   assert (T.spread_rel, S.spread_rel, 1e-14);
%!   assert (T.alpha / c, S.alpha, 1e-14);
%!   assert (T.spread / c, S.spread, 1e-14);
%! end
%!test  % integer cluster sizes are not summed with saturation
%! S = nc_zbar_stats (eye (200) - 1/200, int8 ([100 100]));
%! assert (numel (S.alpha), 2);
%!error <nc_zbar_stats: ZBAR must be a real full K x K> nc_zbar_stats (ones (2, 3))
%!error <nc_zbar_stats: ZBAR must be finite> nc_zbar_stats ([1 NaN; 0 1])
%!error <nc_zbar_stats: K must sum to 3> nc_zbar_stats (eye (3), [1 1])
%!error <nc_zbar_stats: K must be a vector of positive whole> nc_zbar_stats (eye (3), [1.5 1.5])
%!error <nc_zbar_stats: ZBAR must be a real full> nc_zbar_stats (complex (eye (2)))
%!test
%! try, nc_zbar_stats (eye (3), [2 2]); catch err, assert (err.identifier, 'ncufm:badClusters'); end

%!demo
%! % Within- and between-cluster cosines of the exact optimum of Figure 5
%! n = [500*ones(1,5), 100*ones(1,5)];
%! S = nc_zbar_stats (nc_solve (n, 0.0030, 0.01), [5 5])
