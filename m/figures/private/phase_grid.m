% SPDX-License-Identifier: GPL-3.0-or-later

function [lZ, r] = phase_grid (P)
%PHASE_GRID  The (lambda_Z, r = n_A/n_B) grid of the phase diagram of profile P.
%   [LZ, R] = PHASE_GRID(P)
%
%   P.phase(1) values of lambda_Z in [1e-4, 3e-2] and P.phase(2) of r in
%   [1, 100], log-spaced; figure_phase solves a row per r, plan_units
%   counts the same rows.
%
%   See also: figure_phase, plan_units
  lZ = logspace (log10 (1e-4), log10 (3e-2), P.phase(1));
  r = logspace (0, 2, P.phase(2));
end
