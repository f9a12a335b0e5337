% SPDX-License-Identifier: GPL-3.0-or-later

function R = exact_optimum (counts, lZ, lb, tol)
%EXACT_OPTIMUM  The certified optimum of one setting, as a cached unit stores it.
%   R = EXACT_OPTIMUM(COUNTS, LZ, LB, TOL)
%
%   nc_solve at duality-gap tolerance TOL; R has fields Zbar, b, gap, time
%   and converged.
%
%   See also: unit_cache, sweep_rows, train_data_runs
  [R.Zbar, R.b, info] = nc_solve (counts, lZ, lb, 'Tol', tol);
  R.gap = info.gap;
  R.time = info.time;
  R.converged = info.converged;
end

%!test
%! R = exact_optimum ([2 1], 1e-3, 0.01, 1e-12);
%! assert (R.converged && R.gap <= 1e-12);
%! assert (sum (R.Zbar(:, 1)), 0, 1e-12);   % columns of Zbar sum to zero
