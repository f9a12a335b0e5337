% SPDX-License-Identifier: GPL-3.0-or-later
function [Zbar, b, f, W, G] = relu_ufm (n, lZ, lb, d, nonneg, seed)
% [Zbar, b, f, W, G] = relu_ufm (n, lZ, lb, d, nonneg, seed)
%
% The optimum of the unconstrained feature model with its class means
% constrained non-negative, as the features of a ReLU network are
% (docs/training.md section 3).  By NC1 the problem reduces to the class
% means; with G = Hbar diag (sqrt (n)) (K columns of d rows) it is
%
%   min over W (K x d), G >= 0, b of
%     (1/N) sum_k n_k CE (W g_k / sqrt (n_k) + b, k)
%       + (lZ/2) (||W||^2 + ||G||^2) + lb ||b||^2,
%
% the balanced form of lW ||W||^2 + lH ||H||^2 at lZ = nc_lambda (lW, lH).
% It is solved by BFGS (fminunc, analytic gradient) on (W, V, b) with
% G = V.^2, which keeps G >= 0 without constraints.  NONNEG = false solves
% the plain UFM with the same code (G = V), whose optimum nc_solve gives
% exactly: the %!test below checks that they agree.
%
% N: class counts (1 x K); LZ, LB: the weights; D: the rows of W's
% factorisation (60 in docs/training.md: every start reached the same
% optimum; the non-negative factorisation needs room); SEED: the seed of the
% random start (rand/randn 'seed').  Returns Zbar = W G diag (1 ./ sqrt (n)),
% the bias b, the objective f and the factors W, G (class means G ./ sqrt (n)).
%
% Needs fminunc (in Octave; MATLAB's Optimization Toolbox).
% Time: 1-4 s at d = 20, 25-30 s at d = 60 for K = 10 (one core of the
% shared build machine); the plain problem at d = 10-20 in under a second.
  n = n(:)';
  K = numel (n);
  N = sum (n);
  rand ('seed', seed);
  randn ('seed', seed);
  x0 = [0.1 * randn(K * d, 1); 0.3 * abs(randn(d * K, 1)); zeros(K, 1)];
  fun = @(x) objective (x, n, N, K, d, lZ, lb, nonneg);
  opt = optimset ('GradObj', 'on', 'MaxIter', 20000, 'TolFun', 1e-16, 'TolX', 1e-16, ...
                  'Display', 'off');
  [x, f] = fminunc (fun, x0, opt);
  [W, G, b] = unpack (x, K, d, nonneg);
  Zbar = W * G ./ sqrt (n);
end

function [W, G, b, V] = unpack (x, K, d, nonneg)
  W = reshape (x(1:K*d), K, d);
  V = reshape (x(K*d+1:2*K*d), d, K);
  G = V;
  if (nonneg)
    G = V .^ 2;
  end
  b = x(2*K*d+1:end);
end

function [f, g] = objective (x, n, N, K, d, lZ, lb, nonneg)
  [W, G, b, V] = unpack (x, K, d, nonneg);
  sn = sqrt (n);
  Z = W * G ./ sn + b;
  Zs = Z - max (Z, [], 1);
  P = exp (Zs) ./ sum (exp (Zs), 1);
  ce = -diag (Zs)' + log (sum (exp (Zs), 1));
  f = sum (n .* ce) / N + lZ / 2 * (sum (W(:) .^ 2) + sum (G(:) .^ 2)) + lb * sum (b .^ 2);
  D = (P - eye (K)) .* (n / N);          % dF/dZ, columns weighted by n_k / N
  gW = D * (G ./ sn)' + lZ * W;
  gG = W' * (D ./ sn) + lZ * G;
  gb = sum (D, 2) + 2 * lb * b;
  if (nonneg)
    gV = 2 * V .* gG;
  else
    gV = gG;
  end
  g = [gW(:); gV(:); gb];
end

%!test  % the plain problem (no constraint): the same code reaches nc_solve's optimum
%! n = round ([5000 5000 5000 5000 4000 4000 4000 3000 3000 3000] * 0.1);
%! lZ = nc_lambda (1e-3, 1e-6);
%! [Zs, bs] = nc_solve (n, lZ, 0.01);
%! [Z, b] = relu_ufm (n, lZ, 0.01, 20, false, 1);
%! assert (norm (Z - Zs, 'fro') / norm (Zs, 'fro') < 1e-6);
%! assert (norm (b - bs) / norm (bs) < 1e-5);
%! n = [500 500 500 500 500 100 100 100 100 100];
%! [Zs, bs] = nc_solve (n, 0.0045, 0.01);
%! [Z, b] = relu_ufm (n, 0.0045, 0.01, 10, false, 1);
%! assert (norm (Z - Zs, 'fro') / norm (Zs, 'fro') < 1e-6);
%! assert (norm (b - bs) / norm (bs) < 1e-5);

%!test  % the constraint holds, and it costs: the class means of the ReLU optimum are orthogonal
%! n = [50 50 50 20];
%! [Z, b, f, W, G] = relu_ufm (n, 0.01, 0.01, 8, true, 2);
%! assert (all (G(:) >= 0));
%! [Z0, b0, f0] = relu_ufm (n, 0.01, 0.01, 8, false, 2);
%! assert (f >= f0 - 1e-12);
%! H = G ./ sqrt (n);
%! H = H ./ sqrt (sum (H .^ 2, 1));
%! C = H' * H;
%! assert (max (abs (C(~ eye (4)))) < 1e-3);
