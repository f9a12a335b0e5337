% SPDX-License-Identifier: GPL-3.0-or-later

function E = nc_compare (Zbar, Zref, b, bref)
%NC_COMPARE  Errors of a mean prediction matrix (and bias) against a reference.
%   E = NC_COMPARE(ZBAR, ZREF)
%   E = NC_COMPARE(ZBAR, ZREF, B, BREF)
%
%   ZBAR, ZREF are K x K; B, BREF K-vectors (optional,
%   both or neither).  Fields of E:
%     fro, max
%       ||Zbar - Zref||_F / ||Zref||_F and max|Zbar - Zref| / max|Zref|.
%     std_fro, std_max
%       the same after min-max standardisation of each matrix,
%       S(Z) = (Z - min Z) / (max Z - min Z), the scale of the paper's Zbar
%       figures: ||S(Zbar) - S(Zref)||_F / ||S(Zref)||_F and
%       max|S(Zbar) - S(Zref)| (S(Zref) has maximum 1).  NaN when a matrix is
%       constant.
%     std_Zbar, std_Zref
%       the standardised matrices themselves, for plotting.
%     b, b_max
%       ||b - bref|| / ||bref|| and max|b - bref| / max|bref| (NaN when bref = 0,
%       e.g. balanced data, where b* = 0).
%     b_abs, b_abs_max
%       ||b - bref|| and max|b - bref|.
%   Relative errors against a zero reference are NaN.
%
%       [Zs, bs] = nc_solve (n, lZ, lb);
%       E = nc_compare (R.Zbar, Zs, R.b, bs);   % E.fro, E.b as in Figure 3
%
%   See also: nc_zbar_stats, nc_solve, nc_metrics
  if (nargin ~= 2 && nargin ~= 4)
    error ('ncufm:badArgCount', 'nc_compare: needs ZBAR, ZREF and optionally B, BREF');
  end
  Zbar = check_square (Zbar, 'ZBAR');
  Zref = check_square (Zref, 'ZREF');
  if (~ isequal (size (Zbar), size (Zref)))
    error ('ncufm:badSize', 'nc_compare: ZBAR and ZREF must have the same size');
  end
  K = size (Zref, 1);
  % Relative and standardised errors do not depend on a common scale; the
  % difference of two large matrices could overflow.
  scale = max ([abs(Zbar(:)); abs(Zref(:))]);
  if (scale > 0)
    Zbar = Zbar / scale;
    Zref = Zref / scale;
  end
  E.fro = ratio (norm (Zbar - Zref, 'fro'), norm (Zref, 'fro'));
  E.max = ratio (max (abs (Zbar(:) - Zref(:))), max (abs (Zref(:))));
  E.std_Zbar = minmax (Zbar);
  E.std_Zref = minmax (Zref);
  D = E.std_Zbar - E.std_Zref;
  E.std_fro = ratio (norm (D, 'fro'), norm (E.std_Zref, 'fro'));
  E.std_max = max (abs (D(:)));
  if (nargin == 4)
    b = check_vector (b, 'B', K);
    bref = check_vector (bref, 'BREF', K);
    sb = max ([abs(b); abs(bref); realmin]);
    d = b / sb - bref / sb;
    E.b_abs = norm (d) * sb;
    E.b_abs_max = max (abs (d)) * sb;
    E.b = ratio (norm (d), norm (bref / sb));
    E.b_max = ratio (max (abs (d)), max (abs (bref / sb)));
  end
end

function Z = check_square (Z, name)
  if (~ (isnumeric (Z) && isreal (Z) && ~ issparse (Z) && ndims (Z) == 2 ...
         && size (Z, 1) == size (Z, 2) && size (Z, 1) >= 1))
    error ('ncufm:badZbar', 'nc_compare: %s must be a real full K x K matrix', name);
  end
  if (~ all (isfinite (Z(:))))
    error ('ncufm:badZbar', 'nc_compare: %s must be finite', name);
  end
  Z = double (Z);
end

function v = check_vector (v, name, K)
  if (~ (isnumeric (v) && isreal (v) && ~ issparse (v) && isvector (v) && numel (v) == K))
    error ('ncufm:badBias', 'nc_compare: %s must be a real vector of K = %d elements', name, K);
  end
  if (~ all (isfinite (v)))
    error ('ncufm:badBias', 'nc_compare: %s must be finite', name);
  end
  v = double (v(:));
end

function r = ratio (a, b)
  if (b > 0)
    r = a / b;
  else
    r = NaN;
  end
end

function S = minmax (Z)
  lo = min (Z(:)); hi = max (Z(:));
  if (hi > lo)
    S = (Z - lo) / (hi - lo);
  else
    S = NaN (size (Z));
  end
end

%!test
%! Zref = [2 -1; -1 2]; Z = Zref + [0.1 0; 0 -0.2];
%! E = nc_compare (Z, Zref, [1; -1], [2; -2]);
%! assert (E.fro, sqrt (0.05) / sqrt (10), 1e-15);
%! assert (E.max, 0.2 / 2, 1e-15);
%! assert (E.b, norm ([1; 1]) / norm ([2; 2]), 1e-15);
%! assert (E.b_max, 1 / 2, 1e-15);
%! assert ([E.b_abs E.b_abs_max], [sqrt(2) 1], 1e-15);
%! % min-max: Zref -> [1 0; 0 1]; Z: lo -1, hi 2.1 -> (Z + 1) / 3.1
%! assert (E.std_Zref, [1 0; 0 1]);
%! assert (E.std_Zbar, (Z + 1) / 3.1, 1e-15);
%! assert (E.std_max, max (abs (reshape ((Z + 1) / 3.1 - eye (2), [], 1))), 1e-15);

% standardised errors are invariant under positive scaling and shifts
%!test
%! randn ('state', 2); Zref = randn (5); Z = Zref + 0.1 * randn (5);
%! E1 = nc_compare (Z, Zref); E2 = nc_compare (3 * Z + 1, Zref);
%! assert (E2.std_fro, E1.std_fro, 1e-14);
%! assert (E1.fro > 0 && E2.fro > E1.fro);
%! E0 = nc_compare (Zref, Zref, zeros (5, 1), zeros (5, 1));
%! assert ([E0.fro E0.max E0.std_fro E0.std_max E0.b_abs], zeros (1, 5));
%! assert (isnan (E0.b));

%!test  % relative errors of huge and tiny matrices, whose differences would overflow
%! Zref = [2 -1; -1 2]; Z = Zref + [0.1 0; 0 -0.2];
%! E = nc_compare (Z, Zref, [1; -1], [2; -2]);
%! for c = [1e300, 1e-300, realmax / 2.5]   % max - min of the last overflows
%!   F = nc_compare (c * Z, c * Zref, c * [1; -1], c * [2; -2]);
%!   assert ([F.fro F.max F.std_fro F.std_max F.b F.b_max], ...
%!           [E.fro E.max E.std_fro E.std_max E.b E.b_max], 1e-14);
%!   assert (F.b_abs / c, E.b_abs, 1e-14);
%! end
%!error <nc_compare: ZBAR and ZREF must have the same size> nc_compare (eye (2), eye (3))
%!error <nc_compare: ZREF must be finite> nc_compare (eye (2), [1 Inf; 0 1])
%!error <nc_compare: B must be a real vector of K = 2> nc_compare (eye (2), eye (2), 1, [1 2])
%!error <nc_compare: needs ZBAR, ZREF> nc_compare (eye (2), eye (2), 1)
%!error <nc_compare: ZBAR must be a real full> nc_compare ('ab', eye (2))

%!demo
%! % A warm-started solve at a nearby lambda, compared with the exact optimum
%! n = [500*ones(1,5), 100*ones(1,5)];
%! [Z1, b1] = nc_solve (n, 0.0030, 0.01);
%! [Z2, b2] = nc_solve (n, 0.0031, 0.01);
%! E = nc_compare (Z1, Z2, b1, b2)
