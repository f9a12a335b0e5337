% SPDX-License-Identifier: GPL-3.0-or-later

function s = ufm_settings_text (T)
%UFM_SETTINGS_TEXT  How the UFM of settings T (see train_ufm_row) was trained, for titles
%   S = UFM_SETTINGS_TEXT(T)
%
%   and the report.
  s = sprintf ('d = %d, gradient descent to tolerance %g (at most %d steps)', ...
               T.d, T.tol, T.maxiter);
end
