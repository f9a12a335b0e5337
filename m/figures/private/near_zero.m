% SPDX-License-Identifier: GPL-3.0-or-later

function z = near_zero (Z, scale)
%NEAR_ZERO  True when the matrix Z is zero up to rounding and training noise.
%   Z0 = NEAR_ZERO(Z, SCALE)
%
%   ||Z||_F <= 1e-6 max(1, SCALE), SCALE the norm of the matrices it is
%   shown or compared with.  Such a matrix is drawn and counted as zero: a
%   min-max standardisation would blow its noise (a trained UFM ends at
%   ||Zbar||_F ~ 1e-7 where the optimum is 0) up into a false pattern.
%
%   See also: draw_heatmaps, sweep_nets
  z = norm (double (Z), 'fro') <= 1e-6 * max (1, scale);
end

%!assert (near_zero (zeros (3), 0))
%!assert (near_zero (2.7e-7 * ones (10) / 10, 6.6))
%!assert (~ near_zero (1e-3 * eye (3), 1))
%!assert (near_zero (eye (3), 1e7))   % relative to the scale it is shown with
