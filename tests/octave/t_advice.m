% SPDX-License-Identifier: GPL-3.0-or-later
% The advice functions against nc_solve's own rank decisions: every
% threshold of a collapse path separates the ranks it claims, and every
% oversampling floor is the smallest that keeps full rank.

%!test  % the reference behaviour, and both sides of every threshold at 1e-6
%! n = [500 400 300 200 100]; lb = 0.01;
%! P = nc_collapse_path(n, lb);
%! at = [0.006 0.008 0.010 0.014 0.016]; expect = [4 3 2 1 0];
%! for i = 1:numel(at)
%!   [~, ~, info] = nc_solve(n, at(i), lb);
%!   assert(info.rank, expect(i));
%! end
%! for d = 1:numel(P.lambda)
%!   [~, ~, lo] = nc_solve(n, P.lambda(d) * (1 - 1e-6), lb);
%!   [~, ~, hi] = nc_solve(n, P.lambda(d) * (1 + 1e-6), lb);
%!   assert([lo.rank, hi.rank], [P.rank_before(d), P.rank_after(d)]);
%! end
%! assert(max(P.accuracy) < 1e-9);
%! assert(P.complete && P.monotone && P.certified);
%! % the equal-count rule sqrt(n_j)/N does not apply to distinct counts
%! assert(min(abs(P.lambda(1:3) - sqrt(n(:)') / sum(n)), [], 2) > 1e-4);

%!test  % CIFAR-10-LT: both sides of every threshold, by nc_solve
%! n = nc_longtail('exponential', 10, 100, 5000); lb = 0.01;
%! P = nc_collapse_path(n, lb);
%! assert(P.complete);
%! assert(P.rank_before(1), 9);
%! assert(P.rank_after(end), 0);
%! for d = 1:numel(P.lambda)
%!   [~, ~, lo] = nc_solve(n, P.lambda(d) * (1 - 1e-6), lb);
%!   [~, ~, hi] = nc_solve(n, P.lambda(d) * (1 + 1e-6), lb);
%!   assert([lo.rank, hi.rank], [P.rank_before(d), P.rank_after(d)]);
%! end
%! % the smallest class goes first, the largest last
%! assert(P.classes{1}(1), 10);
%! assert(P.classes{end}(1), 1);

%!test  % clusters: within drops where the rule says, multiplicities k_j - 1
%! k = [4 3 3]; c = [5000 4000 3000]; n = repelem(c, k); N = sum(n);
%! P = nc_collapse_path(n([7 2 9 4 1 10 5 3 8 6]), 0.01);
%! w = strcmp(P.kind, 'within');
%! assert(sort(P.lambda(w)), sqrt([3000; 4000]) / N, 4e-16);
%! assert(P.rank_before(w) - P.rank_after(w), [2; 2]);
%! assert(P.lambda(end), sqrt(5000) / N, 1e-15);
%! assert(sum(P.rank_before - P.rank_after), 9);

%!test  % oversampling: full rank at the floor, not one below (nc_solve)
%! cases = {[500 * ones(1, 5), 100 * ones(1, 5)], 0.004; ...
%!          [500 400 300 200 100], 0.008; ...
%!          nc_longtail('exponential', 10, 100, 5000), 1e-3};
%! for i = 1:size(cases, 1)
%!   [n, lZ] = cases{i, :};
%!   S = nc_oversample(n, lZ);
%!   assert(S.possible);
%!   [~, ~, at] = nc_solve(S.counts, lZ, 0.01);
%!   [~, ~, below] = nc_solve(max(n, S.floor - 1), lZ, 0.01);
%!   assert(at.rank, numel(n) - 1);
%!   assert(below.rank < numel(n) - 1);
%!   assert(S.rank_below, below.rank);
%!   assert(S.factor, S.counts ./ n);
%! end

%!test  % integer classes give the same answers as double
%! n = [900 300 300 40];
%! P = nc_collapse_path(int64(n), 0.01); Q = nc_collapse_path(n, 0.01);
%! assert(P.lambda, Q.lambda);
%! S = nc_oversample(uint8([200 50 50 7]), 0.01); T = nc_oversample([200 50 50 7], 0.01);
%! assert(S.floor, T.floor);

%!test  % an unpenalised bias (lambda_b = 0): estimates, not certificates, yet right
%! n = [500 400 300 200 100];
%! P = nc_collapse_path(n, 0);
%! assert(~P.certified);
%! for d = 1:numel(P.lambda)
%!   [~, ~, lo] = nc_solve(n, P.lambda(d) * (1 - 1e-6), 0);
%!   [~, ~, hi] = nc_solve(n, P.lambda(d) * (1 + 1e-6), 0);
%!   assert([lo.rank, hi.rank], [P.rank_before(d), P.rank_after(d)]);
%! end
%! S = nc_thresholds([5 5], [500 100], 0);
%! Q = nc_collapse_path([500 * ones(1, 5), 100 * ones(1, 5)], 0);
%! assert(Q.lambda(strcmp(Q.kind, 'between')), S.separation, 1e-8 * S.separation);
