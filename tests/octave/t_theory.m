% SPDX-License-Identifier: GPL-3.0-or-later

% Cluster-level theory (nc_theory, nc_thresholds, nc_limit) against the
% K x K solver nc_solve, which does not use the cluster reduction.

%!function [k, n] = random_clusters (J)
%!  k = randi (4, 1, J);
%!  if (sum (k) < 2)
%!    k(1) = 2;
%!  end
%!  n = round (10 .^ (1 + 2.5 * rand (1, J)));
%!endfunction

%!function r = rel (a, b, floor)
%!  % relative error; an exact zero must be matched exactly, and vectors
%!  % that vanish by symmetry (b of a balanced case) are measured against FLOOR
%!  if (norm (b(:)) == 0)
%!    r = norm (a(:));
%!  else
%!    r = norm (a(:) - b(:)) / max (norm (b(:)), floor);
%!  end
%!endfunction

%!function r = bias_residual (Z, b, nn, lb)
%!  % optimality in b (docs/theory.md section 3): (I - P) n / N = 2 lb b (or 0 if lb = 0)
%!  V = Z + b; V = V - max (V, [], 1); P = exp (V) ./ sum (exp (V), 1);
%!  nn = nn(:);
%!  r = norm ((nn - P * nn) / sum (nn) - 2 * lb * b);
%!endfunction

%!test  % >= 200 random cluster structures, lambda_Z below, between and above the thresholds
%! rand ('seed', 3); randn ('seed', 3);
%! worst_Z = 0; worst_b = 0; worst_obj = 0; count = 0; explained = 0;
%! for trial = 1:250
%!   J = 1 + mod (trial - 1, 5);
%!   [k, n] = random_clusters (J);
%!   N = sum (k .* n);
%!   lo = 0.2 * sqrt (min (n)) / N; hi = 2 * sqrt (max (n)) / N;
%!   lZ = exp (log (lo) + rand * log (hi / lo));
%!   lb = 0;
%!   if (mod (trial, 3))
%!     lb = 10 ^ (-3 + 2 * rand);
%!   end
%!   T = nc_theory (k, n, lZ, lb);
%!   [Z, b, info] = nc_solve (repelem (n, k), lZ, lb);
%!   eZ = rel (T.Zbar, Z, 0); eb = rel (T.b, b, 1);
%!   eo = abs (T.objective - info.objective) / abs (info.objective);
%!   assert (eZ <= 1e-9, 'trial %d (k = %s, n = %s, lZ = %g, lb = %g): Zbar off by %g', ...
%!           trial, mat2str (k), mat2str (n), lZ, lb, eZ);
%!   rt = bias_residual (T.Zbar, T.b, repelem (n, k), lb);
%!   assert (rt <= 1e-13, 'trial %d: bias equation residual %g', trial, rt);
%!   if (eb > 1e-9)
%!     % accepted only when nc_solve's own bias residual explains the gap
%!     rs = bias_residual (Z, b, repelem (n, k), lb);
%!     assert (eb <= 1e-7 && rs >= 100 * max (rt, eps), 'trial %d: b off by %g', trial, eb);
%!     fprintf ('      t_theory: trial %d, b differs by %.2g; nc_solve''s bias residual %.2g, nc_theory''s %.2g\n', ...
%!             trial, eb, rs, rt);
%!     explained = explained + 1;
%!     eb = 0;
%!   end
%!   assert (eo <= 1e-12, 'trial %d: objective off by %g', trial, eo);
%!   worst_Z = max (worst_Z, eZ); worst_b = max (worst_b, eb); worst_obj = max (worst_obj, eo);
%!   count = count + 1;
%! end
%! fprintf ('      t_theory: %d structures, worst relative error vs nc_solve: Zbar %.2g, b %.2g (%d explained by nc_solve), objective %.2g\n', ...
%!         count, worst_Z, worst_b, explained, worst_obj);

%!test  % thresholds confirmed by nc_solve just below and just above each of them
%! cases = {[5 5], [500 100], 0.01; [3 7], [500 100], 0; [2 3 4], [1000 300 50], 0.01;
%!          [1 2 2], [40 300 50], 0; [2 1 3 2], [900 400 100 20], 0.05};
%! for c = 1:rows (cases)
%!   [k, n, lb] = cases{c,:};
%!   nn = repelem (n, k); first = cumsum ([1 k(1:end-1)]);
%!   S = nc_thresholds (k, n, lb);
%!   % collapse: the spread of cluster j's columns vanishes exactly at sqrt(n_j)/N
%!   for j = find (k >= 2)
%!     c1 = first(j);
%!     Zlo = nc_solve (nn, S.collapse(j) * (1 - 1e-3), lb);
%!     Zhi = nc_solve (nn, S.collapse(j) * (1 + 1e-3), lb);
%!     dlo = Zlo(c1, c1) - Zlo(c1 + 1, c1); dhi = Zhi(c1, c1) - Zhi(c1 + 1, c1);
%!     assert (dlo > 1e-4 && abs (dhi) < 1e-10, 'case %d cluster %d: delta %g below, %g above', ...
%!             c, j, dlo, dhi);
%!   end
%!   % separation: the rank of Zbar drops by the between-cluster rank
%!   for side = [-1 1]
%!     l = S.separation * (1 + side * 1e-4);
%!     T = nc_theory (k, n, l, lb);
%!     [~, ~, info] = nc_solve (nn, l, lb);
%!     want = sum ((k - 1) .* ~ T.collapsed') + T.between_rank;
%!     assert (info.rank == want, 'case %d, side %d: rank %d, want %d', c, side, info.rank, want);
%!     assert ((T.between_rank == 0) == (side > 0));
%!   end
%!   % zero: Zbar = 0 exactly just above, not just below
%!   Zlo = nc_solve (nn, S.zero * (1 - 1e-4), lb);
%!   Zhi = nc_solve (nn, S.zero * (1 + 1e-4), lb);
%!   assert (norm (Zlo, 'fro') > 0 && norm (Zhi, 'fro') == 0, 'case %d: zero threshold', c);
%! end

%!test  % the minority forms, confirmed by nc_solve on the two sides of n_A*
%! k = [3 7]; nB = 100; lZ = 0.005;
%! S = nc_thresholds (k, [500 nB], 0.01, 'LambdaZ', lZ);       % n_A* = 433.3 (Figure 8)
%! for f = [0.99 1.01]
%!   nA = f * S.n_major;
%!   Z = nc_solve (repelem ([nA nB], k), lZ, 0.01);
%!   d = Z(4, 4) - Z(5, 4);                                    % minority block spread
%!   assert ((abs (d) < 1e-10) == (f > 1), 'n_A = %g: delta_B = %g', nA, d);
%! end

%!test  % the limit regime, first points against nc_solve
%! L = nc_limit ([5 5], [2 1], 0.1, [100 1000], 0.01);
%! for t = 1:2
%!   nB = L.nB(t); nn = repelem ([2 * nB, nB], [5 5]);
%!   Z = nc_solve (nn, 0.1 / sum (nn), 0.01);
%!   Zn = Z / norm (Z, 'fro');
%!   assert (L.distance(t), norm (Zn - (eye (10) - 0.1) / 3, 'fro'), 1e-9);
%!   cb = Z(:,1)' * Z(:,6) / (norm (Z(:,1)) * norm (Z(:,6)));
%!   assert (L.cos_between(1,2,t), cb, 1e-9);
%! end

%!function res = kkt_kxk (Z, b, nn, lZ, lb)
%!  % largest violation of the optimality conditions of the K x K program
%!  % (docs/theory.md section 3) at (Z, b), from a full SVD of Z diag(sqrt(n))
%!  nn = nn(:); K = numel (nn); N = sum (nn);
%!  V = Z + b; V = V - max (V, [], 1); P = exp (V) ./ sum (exp (V), 1);
%!  G = (eye (K) - P) * diag (sqrt (nn)) / (lZ * N);
%!  [U, S, W] = svd (Z * diag (sqrt (nn))); s = diag (S);
%!  r = nnz (s > 1e-9 * max (s(1), eps));
%!  T = U' * G * W;
%!  res = max (max (max (abs (T(1:r, 1:r) - eye (r)))), 0);
%!  res = max ([res, max(max (abs (T(1:r, r+1:end)))), max(max (abs (T(r+1:end, 1:r))))]);
%!  if (r < K)
%!    res = max (res, norm (T(r+1:end, r+1:end)) - 1);
%!  end
%!  g = (nn - P * nn) / N - 2 * lb * b;
%!  if (lb == 0)
%!    g = (nn - P * nn) / N;
%!  end
%!  res = max (res, norm (g, Inf));
%!endfunction

%!test  % CIFAR-100-LT's counts (85 clusters, classes shuffled) against nc_solve and its certificate
%! n = round (500 * 0.01 .^ ((0:99) / 99)); rand ('seed', 11); n = n(randperm (100));
%! for lZ = [1e-4 5e-4 1.2e-3]
%!   T = nc_theory (n, lZ, 0.01);
%!   assert (numel (T.k), 85); assert (T.kkt < 1e-12);
%!   [Z, b, info] = nc_solve (n, lZ, 0.01);
%!   assert (info.converged && info.gap <= 1e-10 * abs (info.objective));
%!   % nc_solve's certified lower bound objective - gap must not exceed T's value
%!   assert (T.objective >= info.objective - info.gap - 1e-14 * info.objective);
%!   assert (T.objective <= info.objective + 1e-14 * info.objective);
%!   eZ = norm (T.Zbar - Z, 'fro') / norm (Z, 'fro'); eb = norm (T.b - b) / norm (b);
%!   assert (eZ < 1e-7 && eb < 1e-7, 'lZ = %g: Zbar off by %g, b by %g', lZ, eZ, eb);
%!   res = kkt_kxk (T.Zbar, T.b, n, lZ, 0.01);
%!   assert (res < 1e-10, 'lZ = %g: K x K optimality residual %g', lZ, res);
%!   assert (info.rank, nnz (T.sv > 1e-9 * T.sv(1)));
%!   fprintf ('      t_theory: CIFAR-100-LT, lambda_Z = %g: rank %d, Zbar within %.2g of nc_solve, b %.2g, K x K residual %.2g\n', ...
%!            lZ, info.rank, eZ, eb, res);
%! end

%!test  % many clusters past their collapse (J = 321 > 200: Newton starts at the rank the collapsed
%! % clusters predict), checked by the K x K optimality conditions and the Octave certificate
%! root = fileparts (fileparts (which ('nc_setup'))); addpath (fullfile (root, 'bench'));
%! K = 600; n = round (1000 * 0.002 .^ ((0:K-1) / (K-1))); N = sum (n);
%! for LN = [3 4.5]   % at 3 the clusters of 9 samples sit exactly at their threshold
%!   lZ = LN / N;
%!   [Z, b, info] = nc_solve (n, lZ, 0.01);
%!   assert (info.converged && info.clusters == 321 && info.gap <= 1e-12 * info.objective);
%!   res = kkt_kxk (Z, b, n, lZ, 0.01);
%!   assert (res < 1e-8, 'lZ N = %g: K x K optimality residual %g', LN, res);
%!   [o, d] = reference_certify (n, lZ, 0.01, Z, b);
%!   assert (abs (o - info.objective) <= 1e-13 * o && d <= info.objective);
%!   assert (info.dual >= d - 1e-13 * o);
%!   s = svd (Z * diag (sqrt (n)));
%!   assert (info.rank, nnz (s > 1e-9 * s(1)));
%!   fprintf ('      t_theory: K = 600 long tail, lambda_Z N = %g: rank %d, K x K residual %.2g, gap %.1e (Octave certificate %.1e)\n', ...
%!            LN, info.rank, res, info.gap, o - d);
%! end

%!test  % the tangent model (Newton on the manifold of G's rank, J = 454 > 200): K = 1000 counts
%! % 1000 .. 2 at lambda_Z N = 3, where 7 clusters collapse and G has rank 446 of 453; checked by
%! % the K x K optimality conditions from Octave's SVD, the Octave certificate and the rank
%! % (the rank of Zbar D^{1/2} from Octave's SVD: 446 between clusters and the within parts)
%! root = fileparts (fileparts (which ('nc_setup'))); addpath (fullfile (root, 'bench'));
%! K = 1000; n = round (1000 * 0.002 .^ ((0:K-1) / (K-1))); N = sum (n); lZ = 3 / N;
%! c0 = cputime (); [Z, b, info] = nc_solve (n, lZ, 0.01); t = cputime () - c0;
%! assert (info.converged && info.clusters == 454 && info.gap <= 1e-12 * info.objective);
%! res = kkt_kxk (Z, b, n, lZ, 0.01);
%! assert (res < 1e-8, 'K x K optimality residual %g', res);
%! [o, d] = reference_certify (n, lZ, 0.01, Z, b);
%! assert (abs (o - info.objective) <= 1e-13 * o && d <= info.objective);
%! assert (info.dual >= d - 1e-13 * o);
%! s = svd (Z * diag (sqrt (n)));
%! assert (info.rank, nnz (s > 1e-9 * s(1)));
%! fprintf ('      t_theory: K = 1000 long tail, lambda_Z N = 3: rank %d, K x K residual %.2g, gap %.1e (Octave certificate %.1e), %d CG, %.1f s cpu\n', ...
%!          info.rank, res, info.gap, o - d, info.cg_iterations, t);

%!function l = bisect (f, lo, hi, rel)
%!  % the point where the predicate f switches from false (lo) to true (hi)
%!  while (hi - lo > rel * hi)
%!    mid = (lo + hi) / 2;
%!    if (f (mid))
%!      hi = mid;
%!    else
%!      lo = mid;
%!    end
%!  end
%!  l = (lo + hi) / 2;
%!endfunction

%!function B = between_part (Z, k)
%!  % Zbar's entries between different clusters
%!  lab = repelem (1:numel (k), k); B = Z(lab(:) ~= lab(:)');
%!endfunction

%!function t = separated (Z, k)
%!  t = max (abs (between_part (Z, k))) <= 1e-9 * max (abs (Z(:)));
%!endfunction

%!test  % the zero and separation thresholds against bisection on nc_solve (no cluster reduction)
%! cases = {[1 3], [1000 10], 0.01; [5 5], [500 100], 0.01; [1 1 1 1 1], [500 400 300 200 100], 0.01; ...
%!          [2 1 3], [80 60 5], 0};
%! for c = 1:size (cases, 1)
%!   [k, n, lb] = cases{c,:};
%!   nn = repelem (n, k); S = nc_thresholds (k, n, lb);
%!   z = bisect (@(l) norm (nc_solve (nn, l, lb), 'fro') == 0, S.zero / 2, 2 * S.zero, 1e-10);
%!   assert (abs (z - S.zero) <= 2e-10 * S.zero, 'case %d: zero %.12g, bisection %.12g', c, S.zero, z);
%!   % separated: every entry between clusters is 0 (up to nc_solve's accuracy)
%!   sep = @(l) separated (nc_solve (nn, l, lb), k);
%!   if (numel (k) > 1 && S.separation < S.zero)
%!     s = bisect (sep, S.separation / 2, S.zero, 1e-7);
%!     assert (abs (s - S.separation) <= 1e-5 * S.separation, 'case %d: separation %.10g, bisection %.10g', ...
%!             c, S.separation, s);
%!   end
%! end
