% SPDX-License-Identifier: GPL-3.0-or-later

function varargout = nc_collapse_path(varargin)
%NC_COLLAPSE_PATH  Where the optimum loses rank as lambda_Z grows, for any count vector.
%   P = NC_COLLAPSE_PATH(N, LAMBDA_B) returns every value of lambda_Z at
%   which the rank of Zbar*, the optimum of NC_SOLVE(N, lambda_Z, LAMBDA_B),
%   drops, from K - 1 (every class separable) down to 0 (only the bias
%   predicts), and the directions that vanish there.  N holds the K >= 2
%   class counts in any order, of any numeric class (double, single or
%   integer).  The convention is this project's: lambda_Z =
%   2*sqrt(lambda_W*lambda_H) (NC_LAMBDA), loss averaged over N = sum(N),
%   bias penalty LAMBDA_B*||b||^2 (LAMBDA_B >= 0; the authors use 0.01).
%
%   P = NC_COLLAPSE_PATH(..., NAME, VALUE) sets options:
%     'Tol'        target relative width of each certified bracket
%                  (default 1e-10)
%     'MaxProbes'  solves allowed per threshold (default 80)
%     'Verbose'    0 silent (default), 1 a line per threshold with the time
%                  left, 2 also every solve
%
%   How each threshold is found (docs/theory.md sections 3 to 5):
%     within   a cluster of k >= 2 equal counts n_j loses its k - 1
%              within-cluster directions exactly at lambda_Z = sqrt(n_j)/N,
%              whatever LAMBDA_B (closed form);
%     zero     Zbar* = 0 exactly from lambda_Z = ||(I - p 1') diag(sqrt(N))||/N
%              on, p the softmax of the bias-only optimum (closed form);
%     between  a direction between clusters (or between classes of distinct
%              counts) vanishes: found by a root finder on smooth functions
%              of lambda_Z (the vanishing singular value of the optimum on
%              the left, the entering singular value of its dual certificate
%              on the right), and bracketed by two solves whose ranks are
%              decided by certificates (a bound on the distance to the
%              optimum from the optimality residual and strong convexity),
%              never by a tolerance on singular values.
%
%   Fields of P (D drops, in increasing lambda_Z):
%     lambda       D x 1 thresholds
%     lower, upper D x 1 certified brackets: the rank is rank_before at
%                  lower and rank_after at upper (LAMBDA_B > 0; with
%                  LAMBDA_B = 0 they are estimates, see certified)
%     accuracy     D x 1 relative half-width max(upper - lambda, lambda -
%                  lower) / lambda: rounding for closed forms, about 1e-10
%                  for root-found thresholds
%     rank_before, rank_after  D x 1 ranks just below and just above
%     kind         D x 1 cell: 'within', 'between' or 'zero'
%     classes      D x 1 cell: the classes the vanishing directions weigh on
%                  most (weight at least half the largest), heaviest first
%     weight       K x D: weight(k, d) = sum of u{d}(k, :).^2, the share of
%                  class k (its logit row, i.e. classifier row) in drop d
%     u, v         D x 1 cells of K x m orthonormal directions that vanish
%                  (m = rank_before - rank_after): u in output space (rows
%                  of Zbar), v in class space (columns of Zbar*diag(sqrt(N)));
%                  for a between drop, the singular pair of the certificate
%                  that enters the optimum just below the threshold
%     n, lambda_b  the input
%     complete     true when the path reaches rank K - 1 at its lower end
%     monotone     false if some solve saw the rank rise with lambda_Z
%     certified    true when LAMBDA_B > 0 (every bracket is certified)
%     probes, time solves used and seconds
%
%   Example (an independent measurement: rank 4 up to 0.006, 3 at 0.008,
%   2 at 0.010, 1 at 0.014, 0 at 0.016):
%     P = nc_collapse_path([500 400 300 200 100], 0.01);
%     [P.lambda, P.rank_after]     % 0.00703 3; 0.00995 2; 0.0122 1; 0.0142 0
%     P.classes{1}                 % 5: the smallest class goes first
%
%   See also NC_OVERSAMPLE, NC_THRESHOLDS, NC_SOLVE, NC_LONGTAIL.

error('ncufm:notBuilt', 'nc_collapse_path: the MEX file is not built; run ''make'' in the repository root');
end

%!test  % balanced counts: one drop of K - 1 at 1/(K sqrt(n))
%! P = nc_collapse_path(250 * ones(1, 6), 0.01);
%! assert(P.lambda, 1 / (6 * sqrt(250)), 1e-15);
%! assert([P.rank_before, P.rank_after], [5, 0]);
%! assert(P.kind, {'zero'});

%!test  % two clusters: the minority collapses at sqrt(n_B)/N, exactly
%! n = [500 * ones(1, 5), 100 * ones(1, 5)];
%! P = nc_collapse_path(n, 0.01);
%! assert(P.lambda(1), sqrt(100) / 3000, 1e-17);
%! assert(P.kind{1}, 'within');
%! assert(P.classes{1}, 6:10);
%! S = nc_thresholds([5 5], [500 100], 0.01);
%! assert(P.lambda(2), S.separation, 1e-9 * S.separation);
%! assert(P.lambda(3), S.zero, 1e-12);

%!test  % any order, any numeric class
%! P = nc_collapse_path(int32([100 500 300]), 0.01);
%! Q = nc_collapse_path([500 300 100], 0.01);
%! assert(P.lambda, Q.lambda, 1e-12 * max(Q.lambda));

%!error <LAMBDA_B> nc_collapse_path([10 20], -1)
%!error id=ncufm:badCounts nc_collapse_path([10 0 3], 0.01)
%!error id=ncufm:badCounts nc_collapse_path(5, 0.01)
%!error id=ncufm:badOption nc_collapse_path([10 20], 0.01, 'Tol', 1)
%!error id=ncufm:badArgCount nc_collapse_path([10 20])

%!demo
%! % The collapse path of CIFAR-10-LT (ratio 100) with the authors' lambda_b
%! P = nc_collapse_path(nc_longtail('exponential', 10, 100, 5000), 0.01);
%! disp([P.lambda, P.rank_after])
