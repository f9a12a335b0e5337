% SPDX-License-Identifier: GPL-3.0-or-later

function lambda_Z = nc_lambda (lambda_W, lambda_H)
%NC_LAMBDA  Nuclear-norm weight of the convex program equivalent to the UFM.
%   LAMBDA_Z = NC_LAMBDA(LAMBDA_W, LAMBDA_H)
%
%   In this project's convention (the authors' experiment code; no 1/2 factors,
%   loss averaged over N) the UFM
%       (1/N) sum CE(W h + b) + lambda_W ||W||_F^2 + lambda_H ||H||_F^2 + lambda_b ||b||^2
%   has the same optimum as
%       (1/N) sum CE(z + b) + lambda_Z ||Z||_* + lambda_b ||b||^2
%   with lambda_Z = 2*sqrt(lambda_W*lambda_H), because (docs/theory.md section 1)
%       min over W*H = Z of lambda_W ||W||^2 + lambda_H ||H||^2 = 2 sqrt(lambda_W lambda_H) ||Z||_*.
%   Inputs may be arrays of the same size (or scalars).
%
%       nc_lambda (5*6.3e-5, 6.3e-5/20)   % the paper's choice gives lambda_Z = l
%
%   See also: nc_solve, nc_factor
  if (nargin ~= 2)
    error ('ncufm:badArgCount', 'nc_lambda: needs LAMBDA_W and LAMBDA_H');
  end
  check = @(x, name) isnumeric (x) && isreal (x) && ~ issparse (x) && ~ isempty (x) ...
                     && all (isfinite (x(:))) && all (x(:) > 0);
  if (~ check (lambda_W))
    error ('ncufm:badLambda', 'nc_lambda: LAMBDA_W must be positive and finite');
  end
  if (~ check (lambda_H))
    error ('ncufm:badLambda', 'nc_lambda: LAMBDA_H must be positive and finite');
  end
  if (~ (isscalar (lambda_W) || isscalar (lambda_H) || isequal (size (lambda_W), size (lambda_H))))
    error ('ncufm:badSize', 'nc_lambda: LAMBDA_W and LAMBDA_H must have the same size');
  end
  % two square roots: the product of the weights can overflow or underflow
  lambda_Z = 2 * sqrt (double (lambda_W)) .* sqrt (double (lambda_H));
  if (~ all (isfinite (lambda_Z(:))))
    error ('ncufm:badLambda', 'nc_lambda: 2 sqrt(LAMBDA_W LAMBDA_H) overflows (more than %g)', ...
           realmax);
  end
end

%!assert (nc_lambda (5, 1/20), 1, eps)
%!assert (nc_lambda (5*6.3e-5, 6.3e-5/20), 6.3e-5, 1e-18)
%!assert (nc_lambda ([1 4], 1), [2 4], eps)
%!error <nc_lambda: LAMBDA_W> nc_lambda (-1, 1)
%!error <nc_lambda: LAMBDA_H> nc_lambda (1, NaN)
%!error <nc_lambda: LAMBDA_W> nc_lambda (1+2i, 1)
%!error <needs> nc_lambda (1)
%!test
%! try, nc_lambda (0, 1); catch err, assert (err.identifier, 'ncufm:badLambda'); end
%!assert (nc_lambda (1e300, 1e300), 2e300, -4 * eps)   % the product would overflow
%!assert (nc_lambda (1e-300, 1e-300), 2e-300, -4 * eps)   % ... or underflow to 0
%!assert (nc_lambda (int8 (4), 1), 4)
%!error <overflows> nc_lambda (realmax, realmax)
%!error <same size> nc_lambda ([1 2], [1 2 3])
%!error <LAMBDA_W> nc_lambda (sparse (1), 1)
%!error <LAMBDA_H> nc_lambda (1, true)
%!error <LAMBDA_W> nc_lambda ([], 1)

%!demo
%! % The paper's choice lambda_W = 5 l, lambda_H = l/20 gives lambda_Z = l
%! l = 6.3e-5;
%! fprintf ('lambda_Z = %g for l = %g\n', nc_lambda (5*l, l/20), l);
