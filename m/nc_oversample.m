% SPDX-License-Identifier: GPL-3.0-or-later

function varargout = nc_oversample(varargin)
%NC_OVERSAMPLE  Smallest oversampling floor that keeps every class separable.
%   S = NC_OVERSAMPLE(N, LAMBDA_Z) finds the smallest floor m such that
%   raising every class count below m to m (oversampling those classes)
%   keeps Zbar*, the optimum of NC_SOLVE at LAMBDA_Z, at full rank K - 1:
%   no class's mean prediction, feature and classifier row merge with
%   another's.  N holds the K >= 2 class counts in any order, of any
%   numeric class.  lambda_Z = 2*sqrt(lambda_W*lambda_H) (NC_LAMBDA), loss
%   averaged over N.
%   S = NC_OVERSAMPLE(N, LAMBDA_Z, LAMBDA_B) sets the bias penalty
%   (default 0.01, the authors' value; the within-cluster conditions do not
%   depend on it, the between-cluster ones do).
%
%   The raised classes form one cluster of c equal counts m, with total
%   N(m) = A + c*m (A: the samples of the classes left above m).  It stays
%   uncollapsed iff lambda_Z*N(m) < sqrt(m), a quadratic in sqrt(m) with
%   roots (1 +- sqrt(1 - 4*lambda_Z^2*A*c)) / (2*lambda_Z*c); every other
%   cluster of equal counts n_j > m needs lambda_Z*N(m) < sqrt(n_j), which
%   raising the floor can break; directions between clusters are checked
%   by a certified solve (see NC_COLLAPSE_PATH).  The derivation, and where
%   raising the floor stops helping, are in docs/oversampling.md.
%
%   Fields of S:
%     floor             the smallest whole floor (min(N) when no raise is
%                       needed; NaN when impossible)
%     counts            the raised counts max(N, floor), shaped as N
%     factor            counts ./ N, the oversampling factor of each class
%     possible          false when no floor keeps full rank
%     reason            why not (empty when possible), e.g. lambda_Z at or
%                       above the peak of sqrt(m)/N(m), which falls to the
%                       balanced 1/(K sqrt(m)) once every class is raised
%     collapsed_before  logical, shaped as N: the classes that lie in a
%                       collapsed direction at the original counts (share of
%                       the collapsed output directions at least half the
%                       largest share)
%     collapse_weight   that share for every class: the diagonal of the
%                       projector on the part of 1-perp (output space) the
%                       optimum's column space misses
%     rank_before       rank of Zbar* at the original counts
%     rank_below        rank at floor - 1 (-1 when floor = min(N)): below
%                       K - 1, which shows the floor is the smallest
%     n, lambda_Z, lambda_b, probes   the input, and the solves used
%
%   Example (5 majority classes of 500, 5 minority classes of 100; the
%   minority collapses from lambda_Z = sqrt(100)/3000 = 0.00333 on):
%     S = nc_oversample([500*ones(1,5), 100*ones(1,5)], 0.004);
%     S.floor            % 191: 5 lZ m - sqrt(m) + 2500 lZ < 0 needs m > 190.98
%     S.factor(end)      % 1.91
%
%   See also NC_COLLAPSE_PATH, NC_THRESHOLDS, NC_LONGTAIL.

error('ncufm:notBuilt', 'nc_oversample: the MEX file is not built; run ''make'' in the repository root');
end

%!test  % two clusters: the closed form of the rule sqrt(m)/N(m) > lambda_Z
%! n = [500 * ones(1, 5), 100 * ones(1, 5)]; lZ = 0.004;
%! S = nc_oversample(n, lZ);
%! s = (1 - sqrt(1 - 4 * 5 * lZ * 2500 * lZ)) / (2 * 5 * lZ);
%! assert(S.floor, floor(s^2) + 1);
%! assert(S.counts, max(n, S.floor));
%! assert(S.factor, S.counts ./ n);
%! assert(S.collapsed_before, [false(1, 5), true(1, 5)]);
%! assert(S.possible);

%!test  % no floor once lambda_Z exceeds what any raised cluster can bear
%! S = nc_oversample([500 400 300 200 100], 0.02);
%! assert(~S.possible);
%! assert(isnan(S.floor));
%! assert(S.counts, [500 400 300 200 100]);
%! assert(~isempty(S.reason));

%!test  % already at full rank: no raise
%! S = nc_oversample(uint16([500 400 300 200 100]), 0.004);
%! assert(S.floor, 100);
%! assert(S.factor, ones(1, 5));
%! assert(~any(S.collapsed_before));

%!error id=ncufm:badLambda nc_oversample([10 20], 0)
%!error id=ncufm:badCounts nc_oversample([10 -2], 0.01)
%!error id=ncufm:badArgCount nc_oversample([10 20])

%!demo
%! % CIFAR-100-LT at weight decay 5e-4 split as the authors do (lambda_Z = l)
%! n = nc_longtail('exponential', 100, 100, 500);
%! S = nc_oversample(n, nc_lambda(5 * 5e-4, 5e-4 / 20))
