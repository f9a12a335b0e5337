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
  if (~ isnumeric (n) || ~ isreal (n) || issparse (n) || ~ isvector (n) || isempty (n)
      || ~ all (isfinite (n)) || any (n <= 0))
    error ('ncufm:badCounts', 'nc_factor: N must be a vector of positive finite counts');
  end
  K = numel (n);
  if (~ isnumeric (Zbar) || ~ isreal (Zbar) || issparse (Zbar) || ~ isequal (size (Zbar), [K K])
      || ~ all (isfinite (Zbar(:))))
    error ('ncufm:badZbar', 'nc_factor: ZBAR must be a real finite %d x %d matrix', K, K);
  end
  for arg = {lambda_W, 'LAMBDA_W'; lambda_H, 'LAMBDA_H'}'
    v = arg{1};
    if (~ isnumeric (v) || ~ isreal (v) || ~ isscalar (v) || ~ isfinite (v) || v <= 0)
      error ('ncufm:badLambda', 'nc_factor: %s must be a positive finite scalar', arg{2});
    end
  end
  sq = sqrt (double (n(:)'));
  [U, S, V] = svd (double (Zbar) .* sq);
  s = diag (S);
  r = sum (s > max (s) * 1e-12);
  c = (lambda_H / lambda_W) ^ 0.25;
  root = sqrt (s(1:r))';
  W = c * U(:,1:r) .* root;
  Hbar = (V(:,1:r) .* root)' ./ sq / c;
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

%!error <ZBAR must be> nc_factor (ones (2), [1 2 3], 1, 1)
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
