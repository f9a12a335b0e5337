% SPDX-License-Identifier: GPL-3.0-or-later

function B = block_stats (Z, k)
%BLOCK_STATS  The cluster statistics the figure scripts use, from nc_zbar_stats
%   B = BLOCK_STATS(ZBAR, K)
%
%   (clusters of K(1), K(2), ... classes, cluster by cluster):
%   B.spread(j), the spread of cluster j's columns relative to the root mean
%   square column norm (0 exactly when cluster j has collapsed, docs/theory.md
%   section 5; also 0 when Zbar = 0, where every cluster has collapsed);
%   B.cos_within(j), the mean cosine between distinct columns of cluster j;
%   B.cos_between(i,j), the mean cosine between columns of clusters i and j
%   (NaN on the diagonal and for zero columns).
  S = nc_zbar_stats (Z, k);
  B.spread = S.spread_rel(:)';
  if (~ any (Z(:)))
    B.spread(:) = 0;  % nc_zbar_stats leaves 0/0 as NaN
  end
  B.cos_within = S.cos_within_cols(:)';
  B.cos_between = S.cos_cols_blocks;
  B.cos_between(logical (eye (numel (k)))) = NaN;
end

%!test
%! % The simplex ETF: every cosine is -1/(K-1), nothing collapsed.
%! K = 10; E = eye (K) - ones (K) / K;
%! B = block_stats (E, [5 5]);
%! assert (B.cos_within, -[1 1] / 9, 1e-14);
%! assert (B.cos_between, [NaN -1/9; -1/9 NaN], 1e-14);
%! assert (all (B.spread > 0.1));
%!test
%! % A collapsed second cluster: identical columns give (numerically) zero spread.
%! Z = [randn(6, 3), repmat(randn (6, 1), 1, 3)];
%! B = block_stats (Z, [3 3]);
%! assert (B.spread(2) < 1e-15);
%! assert (B.cos_within(2), 1, 1e-14);
%!test
%! B = block_stats (zeros (4), [2 2]);
%! assert (B.spread, [0 0]);
