% SPDX-License-Identifier: GPL-3.0-or-later

function [W, Hbar] = nc_factor (Zbar, n, lambda_W, lambda_H)
%NC_FACTOR  UFM factors of a mean prediction matrix: the classifier and class features.
%   [W, HBAR] = NC_FACTOR(ZBAR, N, LAMBDA_W, LAMBDA_H)
%
%   Returns W (K x r) and HBAR (r x K, column k the feature of
%   every sample of class k), r = rank of ZBAR*diag(sqrt(N)), with
%       W * Hbar = Zbar   and   lambda_W * W' * W = lambda_H * Hbar * diag(n) * Hbar'
%   (the balanced factorisation).  For ZBAR from nc_solve at
%   lambda_Z = nc_lambda (lambda_W, lambda_H) these are the UFM's
%   optimal W and H (features repeated n_k times), and
%   lambda_W ||W||^2 + lambda_H sum_k n_k ||Hbar(:,k)||^2 = lambda_Z ||Zbar diag(sqrt(n))||_*.
%
%   Construction: with Zbar diag(sqrt(n)) = U S V' (compact SVD) and
%   c = (lambda_H/lambda_W)^(1/4), W = c U S^(1/2) and
%   Hbar = S^(1/2) V' diag(1 ./ sqrt(n)) / c.
%
%       n = [500 500 100]; lW = 5e-3; lH = 5e-5;
%       Zbar = nc_solve (n, nc_lambda (lW, lH), 0.01);
%       [W, Hbar] = nc_factor (Zbar, n, lW, lH);
%
%   See also: nc_solve, nc_lambda
  if (nargin ~= 4)
    error ('ncufm:badArgCount', 'nc_factor: needs ZBAR, N, LAMBDA_W and LAMBDA_H');
  end
  if (~ isnumeric (n) || ~ isreal (n) || issparse (n) || ~ isvector (n) || isempty (n) ...
      || ~ all (isfinite (n)) || any (n <= 0))
    error ('ncufm:badCounts', 'nc_factor: N must be a vector of positive finite counts');
  end
  K = numel (n);
  if (~ isnumeric (Zbar) || ~ isreal (Zbar) || issparse (Zbar) ...
      || ~ isequal (size (Zbar), [K K]) || ~ all (isfinite (Zbar(:))))
    error ('ncufm:badZbar', 'nc_factor: ZBAR must be a real finite %d x %d matrix', K, K);
  end
  c = [check_lambda(lambda_W, 'LAMBDA_W'), check_lambda(lambda_H, 'LAMBDA_H')];
  % (lambda_H / lambda_W)^(1/4), without the quotient's overflow
  c = c(2)^0.25 / c(1)^0.25;
  % The SVD of Zbar diag(sqrt(n)) computed as that of a matrix scaled to
  % entries of at most 1 (the singular vectors are the same, the values
  % scale), so that large ZBAR or N cannot overflow it.
  sq = sqrt (double (n(:)'));
  Zbar = double (Zbar);
  s = max (abs (Zbar(:)));
  t = max (sq);
  if (s == 0)
    W = zeros (K, 0);
    Hbar = zeros (0, K);
    return;
  end
  [U, S, V] = svd ((Zbar / s) .* (sq / t));
  sv = diag (S);
  r = sum (sv > max (sv) * 1e-12);
  root = sqrt (sv(1:r))' * (sqrt (s) * sqrt (t));
  W = c * U(:,1:r) .* root;
  Hbar = (V(:,1:r) .* root)' ./ sq / c;
  if (~ all (isfinite ([W(:); Hbar(:)])) || (any (W(:)) && ~ any (Hbar(:))))
    error ('ncufm:tooLarge', ['nc_factor: the factors of ZBAR are beyond double ' ...
                              'precision for these N, LAMBDA_W and LAMBDA_H']);
  end
end

function v = check_lambda (v, name)
  if (~ isnumeric (v) || ~ isreal (v) || issparse (v) || ~ isscalar (v) || ~ isfinite (v) ...
      || v <= 0)
    error ('ncufm:badLambda', 'nc_factor: %s must be a positive finite scalar', name);
  end
  v = double (v);
end

%!test
%! n = [600 600 200 50]; lW = 5e-3; lH = 2e-5; lZ = nc_lambda (lW, lH);
%! Z = nc_solve (n, lZ, 0.01);
%! [W, Hbar] = nc_factor (Z, n, lW, lH);
%! assert (W * Hbar, Z, 1e-10 * max (abs (Z(:))));
%! assert (lW * (W' * W), lH * Hbar * diag (n) * Hbar', 1e-10 * norm (W' * W) * lW);
%! reg = lW * norm (W, 'fro')^2 + lH * sum (n .* sum (Hbar.^2, 1));
%! assert (reg, lZ * sum (svd (Z * diag (sqrt (n)))), 1e-10 * reg);
%! assert (columns (W), rank (Z));

%!test  % the factors are a stationary point of the UFM (gradient vanishes)
%! n = [300 300 100]; lW = 1e-2; lH = 1e-4; lb = 0.01; N = sum (n);
%! [Z, b] = nc_solve (n, nc_lambda (lW, lH), lb);
%! [W, Hbar] = nc_factor (Z, n, lW, lH);
%! V = W * Hbar + b; P = exp (V - max (V)) ./ sum (exp (V - max (V)));
%! R = (P - eye (3)) .* n / N;          % dLoss/dlogits summed per class
%! gW = R * Hbar' + 2 * lW * W;
%! gH = W' * R + 2 * lH * Hbar .* n;
%! assert (norm (gW) < 1e-9 && norm (gH) < 1e-9);

%!test  % large entries: the SVD input alone would overflow; W * Hbar = Zbar still holds
%! [W, Hbar] = nc_factor (1e300 * eye (2), [1e300 1e300], 1, 1);
%! assert (W * Hbar, 1e300 * eye (2), 1e286);
%! Ws = W / 1e225; Hs = Hbar / 1e75;   % W'W itself would overflow
%! assert (Ws' * Ws, Hs * Hs', 1e-12);
%!test  % weights whose ratio overflows: c = (1e300 / 1e-300)^(1/4) = 1e150
%! [W, Hbar] = nc_factor ([1 -1; -1 1], [4 4], 1e-300, 1e300);
%! assert (W * Hbar, [1 -1; -1 1], 1e-12);
%! assert (1e-300 * (W' * W), 1e300 * Hbar * diag ([4 4]) * Hbar', 1e-12);
%!test
%! [W, Hbar] = nc_factor (zeros (3), [1 2 3], 1, 1);
%! assert (size (W), [3 0]); assert (size (Hbar), [0 3]);
%!error <ZBAR must be> nc_factor (ones (2), [1 2 3], 1, 1)
%!error <ZBAR must be> nc_factor ([1 NaN; 0 1], [1 2], 1, 1)
%!error <ZBAR must be> nc_factor (sparse (eye (2)), [1 2], 1, 1)
%!error <N must be> nc_factor (eye (2), [1 Inf], 1, 1)
%!error <LAMBDA_W must be> nc_factor (eye (2), [1 2], sparse (1), 1)
%!error <LAMBDA_H must be> nc_factor (eye (2), [1 2], 1, [1 2])
%!error <beyond double precision> nc_factor (realmax * eye (2), [1e300 1e300], 1e-300, 1e300)
%!error <N must be> nc_factor (ones (2), [1 -2], 1, 1)
%!error <LAMBDA_W must be> nc_factor (zeros (2), [1 2], 0, 1)
%!error <LAMBDA_H must be> nc_factor (zeros (2), [1 2], 1, NaN)
%!error <needs> nc_factor (zeros (2), [1 2], 1)

%!demo
%! % Features and classifier of the UFM's optimum: the minority classes get
%! % shorter classifier rows (and longer mean features, which carry fewer samples)
%! n = [500 500 500 100 100]; lW = 5e-3; lH = 5e-5;
%! Z = nc_solve (n, nc_lambda (lW, lH), 0.01);
%! [W, Hbar] = nc_factor (Z, n, lW, lH);
%! fprintf ('feature norms per class: %s\n', mat2str (sqrt (sum (Hbar.^2, 1)), 4));
%! fprintf ('classifier row norms:    %s\n', mat2str (sqrt (sum (W.^2, 2))', 4));
