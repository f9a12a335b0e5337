% SPDX-License-Identifier: GPL-3.0-or-later

% The numerical checks behind docs/theory.md: one %!test block per derived
% claim, labelled with the section and equation it checks.  Every expected
% value is computed here from a formula or by a plain method written in the
% block (a proximal gradient on the un-reduced K x N problem, a Newton
% iteration for the bias-only problem, an SVD, a finite difference, a d x d
% pseudo-inverse), never copied from the library's output.
%
% With the environment variable NCUFM_THEORY_NUMBERS set, every block prints
% the numbers that docs/theory.md quotes ("how it was checked"):
%   NCUFM_THEORY_NUMBERS=1 octave-cli --eval "addpath('m'); nc_setup; cd tests/octave; test t_theory_doc"

%!function show (label, value)
%!  if (~ isempty (getenv ('NCUFM_THEORY_NUMBERS')))
%!    fprintf ('  %-58s %s\n', label, num2str (value, 4));
%!  end
%!endfunction

%!function P = softmax_cols (V)
%!  V = V - max (V, [], 1);
%!  P = exp (V) ./ sum (exp (V), 1);
%!endfunction

%!function [F, P] = reduced_objective (Z, b, n, lZ, lb)
%!  % (2.2): (1/N) sum_k n_k CE(zbar_k + b, k) + lZ ||Zbar D^(1/2)||_* + lb ||b||^2
%!  n = n(:)'; N = sum (n);
%!  P = softmax_cols (Z + b(:));
%!  F = sum (n .* (-log (diag (P))')) / N + lZ * sum (svd (Z * diag (sqrt (n)))) + lb * sum (b(:).^2);
%!endfunction

%!function b = bias_only (n, lb)
%!  % minimiser of (1/N) sum_k n_k CE(b, k) + lb ||b||^2 by damped Newton
%!  n = n(:); N = sum (n); K = numel (n);
%!  if (lb == 0)
%!    b = log (n / N); b = b - mean (b);
%!    return;
%!  end
%!  b = zeros (K, 1);
%!  for it = 1:100
%!    p = exp (b - max (b)); p = p / sum (p);
%!    g = p - n / N + 2 * lb * b;
%!    if (norm (g) < 1e-16)
%!      break;
%!    end
%!    H = diag (p) - p * p' + 2 * lb * eye (K);
%!    b = b - H \ g;
%!  end
%!endfunction

%!function Z = block_matrix (k, alpha, beta, gamma)
%!  % Zbar(l,c) = alpha_j (l = c in C_j), beta_j (l ~= c in C_j), gamma(i,j) (l in C_i, c in C_j)
%!  J = numel (k); c = [0 cumsum(k)]; Z = zeros (sum (k));
%!  for i = 1:J
%!    for j = 1:J
%!      rows = c(i)+1:c(i+1); cols = c(j)+1:c(j+1);
%!      if (i == j)
%!        Z(rows, cols) = beta(j) * ones (k(j)) + (alpha(j) - beta(j)) * eye (k(j));
%!      else
%!        Z(rows, cols) = gamma(i, j);
%!      end
%!    end
%!  end
%!endfunction

%!function [Z, delta, G] = random_block (k, n)
%!  % a random block matrix with zero column sums, and its G of (4.4)
%!  J = numel (k);
%!  beta = randn (J, 1); delta = randn (J, 1); gamma = randn (J);
%!  alpha = beta + delta;
%!  for j = 1:J
%!    % fix beta_j (then alpha_j = beta_j + delta_j) so that column sums vanish:
%!    % alpha_j + (k_j - 1) beta_j + sum_{i ~= j} k_i gamma_ij = 0
%!    others = 0;
%!    for i = [1:j-1, j+1:J]
%!      others = others + k(i) * gamma(i, j);
%!    end
%!    beta(j) = -(delta(j) + others) / k(j); alpha(j) = beta(j) + delta(j);
%!  end
%!  Z = block_matrix (k, alpha, beta, gamma);
%!  C = gamma;
%!  for j = 1:J
%!    C(j, j) = beta(j) + delta(j) / k(j);
%!  end
%!  G = diag (sqrt (k)) * C * diag (sqrt (k .* n));
%!endfunction

%!function s = cluster_spread (Z, k, j)
%!  c = [0 cumsum(k)]; cols = Z(:, c(j)+1:c(j+1));
%!  s = max (max (abs (cols - mean (cols, 2))));
%!endfunction

% ---------------------------------------------------------------- section 1

%!test  % (1.2) min_{WH=Z} lW||W||^2 + lH||H||^2 = 2 sqrt(lW lH) ||Z||_*, attained by (1.3)
%! randn ('state', 11);
%! K = 4; N = 9; r = 3; d = 5; lW = 0.3; lH = 0.02;
%! Z = randn (K, r) * randn (r, N);
%! bound = 2 * sqrt (lW * lH) * sum (svd (Z));
%! [U, S, V] = svd (Z, 'econ'); U = U(:, 1:r); S = S(1:r, 1:r); V = V(:, 1:r);
%! c = (lH / lW) ^ (1/4);
%! W = [c * U * sqrt(S), zeros(K, d - r)]; H = [sqrt(S) * V' / c; zeros(d - r, N)];
%! assert (norm (W * H - Z, 'fro') < 1e-13 * norm (Z, 'fro'));
%! attained = lW * norm (W, 'fro')^2 + lH * norm (H, 'fro')^2;
%! assert (abs (attained - bound) < 1e-13 * bound);
%! assert (norm (lW * (W' * W) - lH * (H * H'), 'fro') < 1e-13 * norm (lW * (W' * W), 'fro'));
%! worst = Inf;
%! for t = 1:2000
%!   R = randn (d) + 0.1 * t / 2000 * eye (d);        % any other factorisation W R, R^-1 H
%!   v = lW * norm (W * R, 'fro')^2 + lH * norm (R \ H, 'fro')^2;
%!   worst = min (worst, v / bound);
%!   A = randn (K, d); B = randn (d, N);             % ||AB||_* <= ||A||_F ||B||_F
%!   assert (sum (svd (A * B)) <= norm (A, 'fro') * norm (B, 'fro') * (1 + 1e-12));
%! end
%! assert (worst >= 1 - 1e-12);
%! show ('(1.2) attained value / bound - 1', attained / bound - 1);
%! show ('(1.2) min over 2000 other factorisations of value / bound', worst);

%!test  % (1.3)-(1.4) the authors' lW = 5 l, lH = l/20 give lambda_Z = l; nc_factor's factors attain (1.2)
%! for l = [6.3e-5 1e-3 0.0039]
%!   assert (abs (2 * sqrt (5 * l * l / 20) - l) <= 2 * eps (l));
%!   assert (abs (nc_lambda (5 * l, l / 20) - l) <= 2 * eps (l));
%! end
%! n = [500 500 100]; lW = 5e-3; lH = 5e-4; lZ = 2 * sqrt (lW * lH);
%! Zbar = nc_solve (n, lZ, 0.01);
%! [W, Hb] = nc_factor (Zbar, n, lW, lH);
%! reg = lW * norm (W, 'fro')^2 + lH * sum (n .* sum (Hb.^2, 1));
%! nuc = lZ * sum (svd (Zbar * diag (sqrt (n))));
%! assert (norm (W * Hb - Zbar, 'fro') < 1e-12 * norm (Zbar, 'fro'));
%! assert (abs (reg - nuc) < 1e-12 * nuc);
%! show ('(1.3) nc_factor: regulariser / lZ ||Zbar D^1/2||_* - 1', reg / nuc - 1);

%!test  % (1.5) the trained nonconvex UFM reaches the convex program's optimum
%! n = [20 10 5]; lW = 5e-2; lH = 5e-4; lb = 0.01;
%! R = nc_ufm_train (n, 4, lW, lH, lb, 'Tol', 1e-11);
%! [Zs, bs] = nc_solve (n, nc_lambda (lW, lH), lb);
%! Fs = reduced_objective (Zs, bs, n, nc_lambda (lW, lH), lb);
%! y = repelem (1:3, n);
%! Pu = softmax_cols (R.W * R.H + R.b);
%! Fu = -mean (log (Pu(sub2ind (size (Pu), y, 1:numel (y))))) ...
%!      + lW * norm (R.W, 'fro')^2 + lH * norm (R.H, 'fro')^2 + lb * sum (R.b.^2);
%! eZ = norm (R.Zbar - Zs, 'fro') / norm (Zs, 'fro');
%! assert (abs (Fu - Fs) < 1e-9 * Fs);
%! assert (eZ < 1e-6);
%! show ('(1.5) UFM objective / convex optimum - 1', Fu / Fs - 1);
%! show ('(1.5) ||Zbar_UFM - Zbar*||_F / ||Zbar*||_F', eZ);

% ---------------------------------------------------------------- section 2

%!test  % (2.1) within-class collapse: the un-reduced K x N problem, plain proximal gradient from a random start
%! randn ('state', 21);
%! n = [4 2 1]; K = 3; N = sum (n); lZ = 0.05; lb = 0.1;
%! y = repelem (1:K, n); E = full (sparse (y, 1:N, 1, K, N));
%! Z = 3 * randn (K, N); b = zeros (K, 1);
%! spread0 = max (max (abs (Z - (Z * E' ./ n) * E)));
%! for it = 1:5000                       % steps 1/L of the majorant (2.6): N for Z, 1/(1 + 2 lb) for b
%!   P = softmax_cols (Z + b);
%!   [U, S, V] = svd (Z - N * (P - E) / N, 'econ');
%!   Z = U * max (S - N * lZ, 0) * V';
%!   b = b - (sum (P - E, 2) / N + 2 * lb * b) / (1 + 2 * lb);
%! end
%! Zbar = nc_solve (n, lZ, lb);
%! spread = max (max (abs (Z - (Z * E' ./ n) * E)));
%! err = max (max (abs (Z - Zbar * E)));
%! assert (spread < 1e-12);
%! assert (err < 1e-10);
%! show ('(2.1) within-class spread of Z: start', spread0);
%! show ('(2.1) within-class spread of Z after 5000 steps', spread);
%! show ('(2.1) max |Z - Zbar* E| (Zbar* from nc_solve)', err);

%!test  % (2.2) ||Zbar E||_* = ||Zbar D^(1/2)||_*; averaging and centring lower the nuclear norm (2.3)
%! randn ('state', 22);
%! n = [3 1 2 5]; K = 4; y = repelem (1:K, n); E = full (sparse (y, 1:sum (n), 1, K, sum (n)));
%! worst = 0;
%! for t = 1:200
%!   Zb = randn (K);
%!   worst = max (worst, abs (sum (svd (Zb * E)) - sum (svd (Zb * diag (sqrt (n))))) / sum (svd (Zb * E)));
%!   Z = randn (K, sum (n));
%!   A = E' * diag (1 ./ n) * E;                    % class averaging, an orthogonal projection
%!   assert (sum (svd (Z * A)) <= sum (svd (Z)) * (1 + 1e-14));
%!   Pc = eye (K) - ones (K) / K;                    % centring of each column
%!   assert (sum (svd (Pc * Zb)) <= sum (svd (Zb)) * (1 + 1e-14));
%! end
%! assert (worst < 1e-14);
%! show ('(2.2) max relative difference of the two nuclear norms', worst);

%!test  % (2.4) gradient of the smooth part in Y = Zbar D^(1/2) and b, by central differences
%! randn ('state', 24);
%! n = [50 20 7 3]; K = 4; N = sum (n); lb = 0.05; sq = sqrt (n);
%! f = @(Y, b) sum (n .* (-log (diag (softmax_cols (Y * diag (1 ./ sq) + b)))')) / N + lb * sum (b.^2);
%! Y = 2 * randn (K); b = randn (K, 1);
%! P = softmax_cols (Y * diag (1 ./ sq) + b);
%! gY = (P - eye (K)) * diag (sq) / N; gb = (P - eye (K)) * n(:) / N + 2 * lb * b;
%! h = 1e-6; fY = zeros (K); fb = zeros (K, 1);
%! for i = 1:K*K
%!   D = zeros (K); D(i) = h; fY(i) = (f (Y + D, b) - f (Y - D, b)) / (2 * h);
%! end
%! for i = 1:K
%!   e = zeros (K, 1); e(i) = h; fb(i) = (f (Y, b + e) - f (Y, b - e)) / (2 * h);
%! end
%! err = max (norm (fY - gY, 'fro') / norm (gY, 'fro'), norm (fb - gb) / norm (gb));
%! assert (err < 1e-8);
%! show ('(2.4) relative error of the gradient against differences', err);

%!test  % (2.5) Lipschitz constants: 1/(2N) for the Y block, 1/2 + 2 lb for b, both attained
%! randn ('state', 25);
%! worst = 0;
%! for t = 1:2000
%!   p = softmax_cols (3 * randn (2 + mod (t, 9), 1));
%!   worst = max (worst, max (eig (diag (p) - p * p')));
%! end
%! assert (worst <= 0.5);
%! p = [0.5; 0.5; 0; 0];
%! assert (max (eig (diag (p) - p * p')), 0.5, 1e-15);
%! % block Hessians of (2.2) along the direction e_1 - e_2 in one column of Y, and in b
%! n = [30 10 5 5]; K = 4; N = sum (n); lb = 0.01; sq = sqrt (n);
%! gY = @(Y, b) (softmax_cols (Y * diag (1 ./ sq) + b) - eye (K)) * diag (sq) / N;
%! gb = @(Y, b) (softmax_cols (Y * diag (1 ./ sq) + b) - eye (K)) * n(:) / N + 2 * lb * b;
%! Zb = -60 * ones (K); Zb(1:2, :) = 0;              % every column predicts (1/2, 1/2, 0, 0)
%! Y = Zb * diag (sq); b = zeros (K, 1); h = 1e-5;
%! D = zeros (K); D(1, 1) = h; D(2, 1) = -h;
%! LY = norm (gY (Y + D, b) - gY (Y - D, b), 'fro') / (2 * norm (D, 'fro'));
%! e = [h; -h; 0; 0];
%! Lb = norm (gb (Y, b + e) - gb (Y, b - e)) / (2 * norm (e));
%! assert (LY * 2 * N, 1, 1e-8);
%! assert (Lb / (0.5 + 2 * lb), 1, 1e-8);
%! show ('(2.5) max eigenvalue of diag(p) - pp'' over 2000 random p', worst);
%! show ('(2.5) attained Y-block curvature times 2N', LY * 2 * N);
%! show ('(2.5) attained b-block curvature / (1/2 + 2 lb)', Lb / (0.5 + 2 * lb));

% ---------------------------------------------------------------- section 3

%!test  % (3.1)-(3.3) optimality conditions at nc_solve's optimum, checked outside the solver
%! n = [3000 1000 1000 200 50]; K = 5; N = sum (n); lb = 0.05;
%! for lZ = [3e-4 3e-3]
%!   [Z, b, info] = nc_solve (n, lZ, lb);
%!   [F, P] = reduced_objective (Z, b, n, lZ, lb);
%!   G = (eye (K) - P) * diag (sqrt (n)) / (lZ * N);
%!   [U, S, V] = svd (Z * diag (sqrt (n)));
%!   r = sum (diag (S) > 1e-9 * S(1));
%!   U = U(:, 1:r); V = V(:, 1:r);
%!   Wr = G - U * V';
%!   res = zeros (1, 6);
%!   res(1) = norm (U' * Wr);                  % (3.1): G = U V' + W with U' W = 0,
%!   res(2) = norm (Wr * V);                   %        W V = 0
%!   res(3) = max (0, norm (Wr) - 1);          %        and ||W|| <= 1
%!   res(4) = norm (b - (eye (K) - P) * n(:) / (2 * lb * N)) / norm (b);   % (3.2)
%!   res(5) = max (abs (sum (Z, 1))) / max (abs (Z(:)));                   % (3.3)
%!   res(6) = abs (sum (b)) / norm (b);
%!   assert (max (res) < 1e-7);
%!   show (sprintf ('(3.1)-(3.3) lZ = %g: rank, worst residual', lZ), [r, max(res)]);
%!   show (sprintf ('(3.1) lZ = %g: ||W|| on the null directions', lZ), norm (Wr));
%! end

%!test  % (3.5) the dual: equal to the primal at Q = P*, below it at other feasible Q
%! randn ('state', 35); rand ('state', 35);
%! n = [900 500 100 40]; K = 4; N = sum (n); lZ = 1e-3; lb = 0.02;
%! dual = @(Q) sum (n .* arrayfun (@(k) -sum (Q(Q(:, k) > 0, k) .* log (Q(Q(:, k) > 0, k))), 1:K)) / N ...
%!             - norm ((eye (K) - Q) * n(:))^2 / (4 * lb * N^2);
%! [Z, b, info] = nc_solve (n, lZ, lb);
%! [F, P] = reduced_objective (Z, b, n, lZ, lb);
%! assert (norm ((eye (K) - P) * diag (sqrt (n))) <= lZ * N * (1 + 1e-9));
%! gap = F - dual (P);
%! assert (abs (gap) < 1e-10 * F);
%! assert (abs (info.dual - dual (P)) < 1e-10 * F);
%! worst = -Inf;
%! for t = 1:500
%!   Q0 = rand (K); Q0 = Q0 ./ sum (Q0, 1);
%!   th = min (1, lZ * N / norm ((eye (K) - Q0) * diag (sqrt (n))));
%!   Q = eye (K) - th * (eye (K) - Q0);          % feasible, columns still in the simplex
%!   worst = max (worst, dual (Q) - F);
%! end
%! assert (worst < 0);
%! show ('(3.5) primal - dual at Q = P*', gap);
%! show ('(3.5) max over 500 feasible Q of dual - primal optimum', worst);

%!test  % (3.4) the zero test: Zbar = 0 iff lZ N >= ||(I - p 1') D^(1/2)||, p from the bias-only problem
%! for c = {[50 20 20 7 3], [500 400 300 200 100]}
%!   n = c{1}; K = numel (n); N = sum (n); lb = 0.01;
%!   b0 = bias_only (n, lb); p = exp (b0) / sum (exp (b0));
%!   lz0 = norm ((eye (K) - p * ones (1, K)) * diag (sqrt (n))) / N;
%!   [Z1, b1] = nc_solve (n, lz0 * (1 + 1e-8), lb);
%!   Z2 = nc_solve (n, lz0 * (1 - 1e-4), lb);
%!   assert (all (Z1(:) == 0));
%!   assert (norm (b1 - b0) < 1e-12);
%!   assert (max (abs (Z2(:))) > 0);
%!   show (sprintf ('(3.4) n = %s: zero threshold lambda_0', mat2str (n)), lz0);
%!   show ('(3.4) max|Zbar| at 0.9999 lambda_0', max (abs (Z2(:))));
%! end

%!test  % (3.6)-(3.7) balanced closed form against nc_solve and a 1-D minimisation of (3.6)
%! K = 5; nn = 200; worst = 0;
%! for c = [0.01 0.05 0.1 0.19]
%!   lZ = c / sqrt (nn); alpha = log ((1 - (K - 1) * c) / c);
%!   phi = @(a) log (1 + (K - 1) * exp (-a)) + c * (K - 1) * a;
%!   a1 = fminbnd (phi, 0, 50, optimset ('TolX', 1e-12));
%!   [Z, b] = nc_solve (nn * ones (1, K), lZ, 0.01);
%!   e1 = abs (a1 - alpha) / alpha;
%!   e2 = norm (Z - alpha * (eye (K) - ones (K) / K), 'fro') / (alpha * sqrt (K - 1));
%!   worst = max ([worst, e1, e2, norm(b)]);
%! end
%! assert (worst < 1e-8);
%! Z = nc_solve (nn * ones (1, K), 1 / (K * sqrt (nn)), 0.01);
%! assert (all (Z(:) == 0));
%! show ('(3.7) worst relative deviation (fminbnd, nc_solve, |b|)', worst);

% ---------------------------------------------------------------- section 4

%!test  % (4.1)-(4.2) block form of the optimum, delta_j > 0, centred columns a scaled simplex ETF
%! k = [3 2 2]; nn = [400 90 30]; n = repelem (nn, k); N = sum (n); K = sum (k);
%! lZ = 0.002;                              % below every collapse threshold sqrt(n_j)/N
%! [Z, b] = nc_solve (n, lZ, 0.01);
%! c = [0 cumsum(k)]; dev = 0; etf = 0;
%! for j = 1:3
%!   Cj = c(j)+1:c(j+1); m = mean (Z(:, Cj), 2);
%!   Bj = Z(Cj, Cj); al = mean (diag (Bj)); be = (sum (Bj(:)) - sum (diag (Bj))) / (k(j) * (k(j) - 1));
%!   delta = al - be;
%!   assert (delta > 0);
%!   D = zeros (K, k(j)); D(Cj, :) = eye (k(j)) - ones (k(j)) / k(j);
%!   etf = max (etf, max (max (abs (Z(:, Cj) - m - delta * D))) / delta);
%!   for i = 1:3
%!     Ci = c(i)+1:c(i+1); blk = Z(Ci, Cj);
%!     if (i == j)
%!       blk = blk(~ eye (k(j)));
%!     end
%!     dev = max (dev, max (abs (blk(:) - mean (blk(:)))) / max (abs (Z(:))));
%!   end
%!   assert (max (abs (b(Cj) - mean (b(Cj)))) < 1e-10 * norm (b));
%! end
%! assert (dev < 1e-9); assert (etf < 1e-9);
%! % flipping delta_1 to -delta_1 at fixed c_11 = beta_1 + delta_1/k_1 keeps the nuclear norm, raises the loss
%! d1 = mean (diag (Z(1:3, 1:3))) - Z(2, 1);
%! Zf = Z; Zf(1:3, 1:3) = Z(1:3, 1:3) + 2 * d1 / 3 - 2 * d1 * eye (3);
%! nuc = @(X) sum (svd (X * diag (sqrt (n))));
%! assert (abs (nuc (Zf) - nuc (Z)) < 1e-12 * nuc (Z));
%! assert (reduced_objective (Zf, b, n, lZ, 0.01) > reduced_objective (Z, b, n, lZ, 0.01));
%! show ('(4.2) objective increase when delta_1 is flipped', ...
%!       reduced_objective (Zf, b, n, lZ, 0.01) - reduced_objective (Z, b, n, lZ, 0.01));
%! show ('(4.1) max deviation from the block form (relative)', dev);
%! show ('(4.2) max deviation of centred columns from delta_j ETF', etf);

%!test  % (4.3)-(4.4) spectrum of Zbar D^(1/2) for a block matrix, and the rank of G
%! randn ('state', 43);
%! worst = 0;
%! for t = 1:100
%!   J = 2 + mod (t, 4); k = 1 + mod ((1:J) + t, 4); n = 1 + 99 * rand (1, J);
%!   [Z, delta, G] = random_block (k, n);
%!   M = Z * diag (sqrt (repelem (n, k)));
%!   pred = [repelem(sqrt(n(:)) .* abs(delta), k(:) - 1); svd(G)];
%!   s = svd (M);
%!   e1 = norm (sort (pred, 'descend') - s) / norm (s);
%!   e2 = abs (sum (pred) - sum (s)) / sum (s);
%!   e3 = norm (sqrt (k) * G) / norm (G);          % left null vector sqrt(k): rank G <= J - 1
%!   worst = max ([worst, e1, e2, e3]);
%! end
%! assert (worst < 1e-12);
%! show ('(4.3)-(4.4) worst relative error over 100 random block matrices', worst);

%!test  % (4.5) two clusters: ||G||_* = sqrt(K kA kB) sqrt(nA gBA^2/kA + nB gAB^2/kB)
%! randn ('state', 45);
%! worst = 0;
%! for t = 1:100
%!   k = 1 + floor (6 * rand (1, 2)); n = 1 + 999 * rand (1, 2); K = sum (k);
%!   [Z, delta, G] = random_block (k, n);
%!   gAB = Z(1, end); gBA = Z(end, 1);
%!   f = sqrt (K * k(1) * k(2)) * sqrt (n(1) * gBA^2 / k(1) + n(2) * gAB^2 / k(2));
%!   sg = svd (G);
%!   worst = max ([worst, abs(sum(sg) - f) / f, sg(2) / sg(1)]);
%! end
%! assert (worst < 1e-12);
%! show ('(4.5) worst relative error over 100 random two-cluster matrices', worst);

% ---------------------------------------------------------------- section 5

%!test  % (5.1)-(5.2) a cluster collapses iff lZ >= sqrt(n_j)/N, by nc_solve (no cluster reduction)
%! cases = {[2 3 4], [1000 300 50]; [1 3 1], [900 300 50]};
%! for t = 1:2
%!   k = cases{t, 1}; nn = cases{t, 2}; n = repelem (nn, k); N = sum (n);
%!   for j = find (k >= 2)
%!     tau = sqrt (nn(j)) / N;
%!     [Zlo, blo] = nc_solve (n, tau * (1 - 1e-3), 0.01);
%!     Zhi = nc_solve (n, tau * (1 + 1e-9), 0.01);
%!     slo = cluster_spread (Zlo, k, j) / max (abs (Zlo(:)));
%!     shi = cluster_spread (Zhi, k, j) / max ([abs(Zhi(:)); 1]);
%!     assert (slo > 1e-4); assert (shi < 1e-12);
%!     % below tau: sqrt(n_j) (1 - (p_own - p_mate)) = lZ N, eq. (5.2)
%!     c = [0 cumsum(k)]; l = c(j) + 1; P = softmax_cols (Zlo + blo);
%!     res = abs (sqrt (nn(j)) * (1 - (P(l, l) - P(l + 1, l))) - tau * (1 - 1e-3) * N) / (tau * N);
%!     assert (res < 1e-7);
%!     % and delta_j = log (p_own / p_mate) exactly
%!     rd = abs ((Zlo(l, l) - Zlo(l + 1, l)) - log (P(l, l) / P(l + 1, l))) / (Zlo(l, l) - Zlo(l + 1, l));
%!     assert (rd < 1e-10);
%!     show (sprintf ('(5.1) k=%s n=%s cluster %d: spread at 0.999 tau, 1+1e-9', ...
%!                    mat2str (k), mat2str (nn), j), [slo shi]);
%!     show ('(5.2) relative residual of the collapse equation, of delta = log ratio', [res rd]);
%!   end
%! end

%!test  % (5.3)-(5.4) the minority threshold as a ratio and as a majority size (Figures 5-8)
%! S = nc_thresholds ([5 5], [500 100], 0.01, 'LambdaZ', 0.005);
%! assert (S.collapse(2), sqrt (100) / 3000, 1e-16);
%! assert (S.n_major, (sqrt (100) / 0.005 - 5 * 100) / 5, 1e-9);
%! assert (S.ratio, (1 / (0.005 * 10) - 5) / 5, 1e-12);
%! S = nc_thresholds ([3 7], [500 100], 0.01, 'LambdaZ', 0.005);
%! assert (S.collapse(2), 10 / 2200, 1e-16);
%! assert (S.n_major, (2000 - 700) / 3, 1e-9);
%! % nc_solve on either side of n_A* = 300 (Figure 7)
%! Z1 = nc_solve (repelem ([299 100], [5 5]), 0.005, 0.01);
%! Z2 = nc_solve (repelem ([301 100], [5 5]), 0.005, 0.01);
%! s1 = cluster_spread (Z1, [5 5], 2) / max (abs (Z1(:)));
%! s2 = cluster_spread (Z2, [5 5], 2) / max (abs (Z2(:)));
%! assert (s1 > 1e-4); assert (s2 < 1e-12);
%! show ('(5.4) minority spread at n_A = 299 and 301 (lZ = 0.005)', [s1 s2]);

%!test  % (5.5) oversampling s: threshold sqrt(s nB)/(kA nA + s kB nB), peak at s kB nB = kA nA
%! k = [4 3]; n = [900 40]; lZ = 0.004; a = k(1) * n(1); bb = k(2) * n(2);
%! tau = @(s) sqrt (s * n(2)) / (a + s * bb);
%! s_peak = fminbnd (@(s) -tau (s), 0.01, 1000, optimset ('TolX', 1e-12));
%! assert (abs (s_peak - a / bb) < 1e-5 * a / bb);
%! u = (sqrt (n(2)) + [-1 1] * sqrt (n(2) - 4 * lZ^2 * a * bb)) / (2 * lZ * bb);
%! S = nc_thresholds (k, n, 0, 'LambdaZ', lZ);
%! assert (S.oversample(2, :), u.^2, 1e-10 * u(2)^2);
%! assert (abs (tau (u(1)^2) - lZ) < 1e-14 && abs (tau (u(2)^2) - lZ) < 1e-14);
%! show ('(5.5) s_lo, s_hi, peak s* = kA nA/(kB nB)', [u.^2, a / bb]);

%!test  % (5.6)-(5.8) zero threshold of two clusters, including a majority of one class
%! cases = [3 4 100 50; 5 5 500 100; 1 3 1000 10; 1 9 100 50; 2 1 300 200];
%! for t = 1:size (cases, 1)
%!   for lb = [0 0.01 1]
%!     k = cases(t, 1:2); nn = cases(t, 3:4); n = repelem (nn, k); K = sum (k); N = sum (n);
%!     b0 = bias_only (n, lb); p = exp (b0) / sum (exp (b0));
%!     direct = norm ((eye (K) - p * ones (1, K)) * diag (sqrt (n)));      % (3.4)
%!     rho = [sum(p(1:k(1))), sum(p(k(1)+1:end))];
%!     sS = sqrt (K * (nn(1) * rho(2)^2 / k(2) + nn(2) * rho(1)^2 / k(1)));    % (5.7)
%!     pred = max ([sS, sqrt(nn(k >= 2))]);                                   % (5.6)
%!     assert (abs (pred - direct) < 1e-12 * direct);
%!     assert (rho(1) >= k(1) / K - 1e-15 && rho(1) <= k(1) * nn(1) / N + 1e-15);
%!     assert (sS <= sqrt (nn(1)) * (1 + 1e-15));                              % (5.8)
%!     Z1 = nc_solve (n, pred / N * (1 + 1e-9), lb); Z2 = nc_solve (n, pred / N * (1 - 1e-4), lb);
%!     assert (all (Z1(:) == 0)); assert (any (Z2(:) ~= 0));
%!     if (lb == 0.01)
%!       show (sprintf ('(5.6) k=%s n=%s: lambda_0 N and sqrt(n_A)', mat2str (k), mat2str (nn)), ...
%!             [pred, sqrt(nn(1))]);
%!     end
%!   end
%! end

%!test  % (5.8) sigma_S <= sqrt(n_A) on random two-cluster problems
%! rand ('state', 58);
%! worst = 0;
%! for t = 1:300
%!   k = 1 + floor (8 * rand (1, 2)); nn = sort (1 + 2000 * rand (1, 2), 'descend');
%!   lb = 10 ^ (-4 + 6 * rand);
%!   n = repelem (nn, k); K = sum (k);
%!   b0 = bias_only (n, lb); p = exp (b0) / sum (exp (b0));
%!   rho = [sum(p(1:k(1))), sum(p(k(1)+1:end))];
%!   sS = sqrt (K * (nn(1) * rho(2)^2 / k(2) + nn(2) * rho(1)^2 / k(1)));
%!   worst = max (worst, sS / sqrt (nn(1)));
%! end
%! assert (worst <= 1 + 1e-14);
%! show ('(5.8) max sigma_S / sqrt(n_A) over 300 random cases', worst);

%!test  % (5.9) separation: nc_solve's between-cluster entries vanish exactly above nc_thresholds' value
%! k = [5 5]; n = repelem ([500 100], k); S = nc_thresholds (k, [500 100], 0.01);
%! Z1 = nc_solve (n, S.separation * (1 + 1e-6), 0.01);
%! Z2 = nc_solve (n, S.separation * (1 - 1e-3), 0.01);
%! g1 = max (max (abs (Z1(1:5, 6:10)))) / max (abs (Z1(:)));
%! g2 = max (max (abs (Z2(1:5, 6:10)))) / max (abs (Z2(:)));
%! assert (g1 < 1e-9); assert (g2 > 1e-5);
%! show ('(5.9) Figure 5 counts: separation threshold', S.separation);
%! show ('(5.9) max |gamma| / max |Zbar| just above and 0.1% below', [g1 g2]);

%!test  % (5.10) the limit regime: nc_limit against nc_solve, no collapse, towards the ETF
%! k = [5 5]; rho = [2 1]; LN = 0.1; K = 10;
%! L = nc_limit (k, rho, LN, [1e2 1e4 1e9 1e20 1e50], 0.01);
%! n = repelem (rho * 1e4, k); N = sum (n);
%! Z = nc_solve (n, LN / N, 0.01);
%! d = norm (Z / norm (Z, 'fro') - (eye (K) - ones (K) / K) / sqrt (K - 1), 'fro');
%! assert (abs (d - L.distance(2)) < 1e-8);
%! assert (all (diff (L.distance) < 0)); assert (all (L.delta(:) > 0));
%! assert (abs (squeeze (L.cos_between(1, 2, 3)) + 1 / (K - 1)) < 1e-3);
%! nj = rho(:) * L.nB;                              % J x T sample sizes per class
%! assert (all (all (L.delta >= log (sqrt (nj) / LN - 1))));    % delta_j >= log(sqrt(n_j)/(lZ N) - 1)
%! show ('(5.10) min of delta_j - log(sqrt(n_j)/(lZ N) - 1)', min (min (L.delta - log (sqrt (nj) / LN - 1))));
%! show ('(5.10) distance to ETF at nB = 1e2 1e4 1e9 1e20 1e50', L.distance);
%! show ('(5.10) distance times log(nB)', L.distance .* log (L.nB));

% ---------------------------------------------------------------- section 6

%!test  % (6.1)-(6.4) NC1 with both weightings: d x d pseudo-inverse, total covariance, the K x K route
%! randn ('state', 61);
%! d = 30; K = 5; n = [80 40 20 10 5]; N = sum (n); y = repelem (1:K, n);
%! H = 3 * randn (d, K) * full (sparse (y, 1:N, 1, K, N)) + randn (d, N) + 2;
%! mu = zeros (d, K);
%! for k = 1:K
%!   mu(:, k) = mean (H(:, y == k), 2);
%! end
%! Hc = H - mu(:, y); Sw = Hc * Hc' / N;
%! HT = H - mean (H, 2); ST = HT * HT' / N;
%! worst = 0;
%! for w = {'samples', 'classes'}
%!   if (strcmp (w{1}, 'samples'))
%!     wk = n(:) / N;
%!   else
%!     wk = ones (K, 1) / K;
%!   end
%!   Mc = mu - mu * wk; Sb = Mc * diag (wk) * Mc';
%!   nc1 = trace (Sw * pinv (Sb)) / K;
%!   B = Mc * diag (sqrt (wk)); [V, L] = eig (B' * B); [l, o] = sort (diag (L), 'descend');
%!   r = K - 1; V = V(:, o(1:r)); l = l(1:r);                            % (6.4)
%!   nc1_k = sum (sum ((diag (1 ./ l) * V' * B' * Hc).^2)) / N / K;
%!   R = nc_metrics (H, y, 'Weighting', w{1});
%!   e1 = abs (nc1_k - nc1) / nc1; e2 = abs (R.NC1 - nc1) / nc1;
%!   e3 = norm (B * sqrt (wk)) / norm (B);         % sqrt(w) is a null vector of B
%!   worst = max ([worst, e1, e2, e3]);
%!   if (strcmp (w{1}, 'samples'))
%!     assert (norm (ST - Sw - Sb, 'fro') < 1e-12 * norm (ST, 'fro'));          % (6.3)
%!   end
%!   show (sprintf ('(6.1) NC1, weighting %s', w{1}), nc1);
%! end
%! assert (worst < 1e-9);
%! show ('(6.4) worst relative difference (K x K route, nc_metrics)', worst);

%!test  % (6.5)-(6.8) CDNV, NC2, NC3, NC4 from their definitions
%! randn ('state', 65);
%! d = 12; K = 4; n = [30 20 12 6]; N = sum (n); y = repelem (1:K, n);
%! H = 2 * randn (d, K) * full (sparse (y, 1:N, 1, K, N)) + randn (d, N) + 1;
%! W = randn (K, d); b = randn (K, 1);
%! R = nc_metrics (H, y, W, b);
%! mu = zeros (d, K); v = zeros (K, 1);
%! for k = 1:K
%!   Hk = H(:, y == k); mu(:, k) = mean (Hk, 2); v(k) = mean (sum ((Hk - mu(:, k)).^2, 1));
%! end
%! c = mu * (n(:) / N); Mc = mu - c; cdnv = []; ca = []; cw = [];
%! for i = 1:K
%!   for j = i+1:K
%!     cdnv(end+1) = (v(i) + v(j)) / (2 * norm (mu(:, i) - mu(:, j))^2);
%!     ca(end+1) = abs (Mc(:, i)' * Mc(:, j) / (norm (Mc(:, i)) * norm (Mc(:, j))) + 1 / (K - 1));
%!     cw(end+1) = abs (W(i, :) * W(j, :)' / (norm (W(i, :)) * norm (W(j, :))) + 1 / (K - 1));
%!   end
%! end
%! nm = sqrt (sum (Mc.^2, 1)); nw = sqrt (sum (W.^2, 2));
%! G = Mc' * Mc; E = (eye (K) - ones (K) / K) / sqrt (K - 1);
%! [~, cls] = max (W * H + b, [], 1);
%! dist = zeros (K, N);
%! for k = 1:K
%!   dist(k, :) = sum ((H - mu(:, k)).^2, 1);
%! end
%! [~, ncc] = min (dist, [], 1);
%! got = [R.CDNV, R.NC2_norm_means, R.NC2_norm_W, R.NC2_angle_means, R.NC2_angle_W, ...
%!        R.NC2_ETF_means, R.NC3, R.NC4];
%! etf = norm (G / norm (G, 'fro') - E, 'fro');
%! nc3 = norm (W' / norm (W, 'fro') - Mc / norm (Mc, 'fro'), 'fro');
%! want = [mean(cdnv), std(nm) / mean(nm), std(nw) / mean(nw), mean(ca), mean(cw), etf, nc3, ...
%!         mean(cls ~= ncc)];
%! assert (got, want, 1e-10 * max (abs (want)));
%! assert (R.Zbar, W * mu, 1e-12 * norm (W * mu));
%! show ('(6.5)-(6.8) max |nc_metrics - definition|', max (abs (got - want)));

%!test  % (6.9) minority spread of an exact block structure is delta_j sqrt(1 - 1/k_j)
%! k = [5 5]; n = [500 100];
%! for lZ = [0.0027 0.0035 0.0045]
%!   T = nc_theory (k, n, lZ, 0.01);
%!   S = nc_zbar_stats (T.Zbar, k);
%!   assert (S.spread(:), T.delta(:) .* sqrt (1 - 1 ./ k(:)), 1e-12 * max (T.delta));
%!   if (lZ == 0.0035)
%!     assert (S.cos_within_cols(2), 1, 1e-12);   % collapsed (0.0035 > 1/300), not separated
%!   end
%! end
%! assert (all (all (T.Zbar(:, 6:10) == 0)));      % collapsed and separated: minority columns vanish

% ---------------------------------------------------------------- section 7

%!test  % (7.1)-(7.2) the paper's data sets, figure thresholds, and weight decay on the classifier
%! assert (sum ([5000 * ones(1, 4), 4000 * ones(1, 3), 3000 * ones(1, 3)]), 41000);
%! y = repelem (1:10, 5000);
%! assert (numel (nc_subset (y, 'Dataset_1', 1)), 41000);
%! assert (numel (nc_subset (y, 'Dataset_2', 1)), 30000);
%! assert (sqrt (100) / (5 * 500 + 5 * 100), 1 / 300, 1e-16);      % Figure 5
%! assert (sqrt (100) / (3 * 500 + 7 * 100), 1 / 220, 1e-16);      % Figure 6
%! assert ((sqrt (100) / 0.005 - 5 * 100) / 5, 300, 1e-12);        % Figure 7
%! assert ((sqrt (100) / 0.005 - 7 * 100) / 3, 1300 / 3, 1e-12);   % Figure 8
%! % weight decay wd on the classifier: an SGD step on lW ||W||^2 plus wd W is a step on (lW + wd/2) ||W||^2
%! randn ('state', 71); W = randn (3, 4); lW = 1e-3; wd = 5e-4; h = 1e-6; g = zeros (3, 4);
%! for i = 1:12
%!   D = zeros (3, 4); D(i) = h;
%!   g(i) = ((lW + wd / 2) * norm (W + D, 'fro')^2 - (lW + wd / 2) * norm (W - D, 'fro')^2) / (2 * h);
%! end
%! assert (norm (g - (2 * lW * W + wd * W), 'fro') < 1e-8 * norm (g, 'fro'));
%! show ('(7.2) effective lambda_Z of Figure 1 with weight decay 5e-4 on W', nc_lambda (1e-3 + 2.5e-4, 1e-6));
