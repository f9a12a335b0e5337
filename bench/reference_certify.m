% SPDX-License-Identifier: GPL-3.0-or-later

function [obj, dual, theta] = reference_certify (n, lZ, lb, Zbar, b)
%REFERENCE_CERTIFY  Objective of the reduced program at (ZBAR, B) and a certified
%   [OBJ, DUAL, THETA] = REFERENCE_CERTIFY(N, LAMBDA_Z, LAMBDA_B, ZBAR, B)
%
%   lower bound on its optimum, written in plain Octave so that the benchmark
%   and tests/octave/t_reference.m do not depend on the C code they check.
%
%   Program (docs/theory.md section 2, convention lZ = 2 sqrt(lW lH)):
%       F(Zbar, b) = (1/N) sum_k n_k CE(zbar_k + b, k) + lZ ||Zbar diag(sqrt(n))||_* + lb ||b||^2
%
%   The bound comes from the Fenchel dual, derived by writing
%   logsumexp(v) = max over the simplex of q'v + entropy(q): for columns q_k on
%   the simplex collected in Q, and G = (Q - I) diag(sqrt(n)) / N,
%       D(Q) = sum_k (n_k/N) entropy(q_k) - ||(Q - I) n||^2 / (4 lb N^2)   if ||G||_op <= lZ
%   and D(Q) <= F for every (Zbar, b).  Q is taken as the softmax matrix P of
%   the given point, pulled towards I by THETA = min(1, lZ/||G||_op) so
%   that it is dual feasible (the columns stay on the simplex).  At the optimum
%   theta = 1 and D = F.  With lb = 0 the bound is -Inf (the dual then needs
%   (Q - I) n = 0 exactly, which a generic point does not give).
  n = n(:); b = b(:);
  K = numel (n); N = sum (n);
  w = n / N;
  V = Zbar + b;                                  % logits, column k = class k
  m = max (V, [], 1);
  E = exp (V - m);
  s = sum (E, 1);
  lse = m + log (s);
  P = E ./ s;
  ce = lse - diag (V)';
  sq = sqrt (n)';
  obj = ce * w + lZ * sum (svd (Zbar .* sq)) + lb * (b' * b);
  if (nargout < 2)
    return;
  end
  Gdir = (P - eye (K)) .* sq / N;
  g = norm (Gdir);                               % spectral norm
  theta = 1;
  if (g > lZ)
    theta = lZ / g;
  end
  Q = eye (K) + theta * (P - eye (K));
  QlogQ = Q .* log (Q);
  QlogQ(Q == 0) = 0;
  entropy = -sum (QlogQ, 1);
  r = (Q - eye (K)) * n;
  if (lb > 0)
    dual = entropy * w - (r' * r) / (4 * lb * N^2);
  else
    dual = -Inf;
  end
end
