% SPDX-License-Identifier: GPL-3.0-or-later

function R = figure_5 (P)
%FIGURE_5  Figure 5: the mean prediction matrix Zbar across the lambda_Z grid for
%   R = FIGURE_5(P)
%
%   K = 10, k_A = k_B = 5, n_A = 500, n_B = 100 (docs/theory.md section 7): the
%   exact optimum (theory row) and the trained UFM (trained row), minority
%   collapse predicted at lambda_Z = sqrt(100)/3000.
%   Profile settings P from profile_settings; returns the report
%   entry (see two_cluster_grid); writes fig5.png and fig5.svg.
%
%   See also: nc_figures, two_cluster_grid
  kA = 5; kB = 5; nA = 500; nB = 100;
  G.name = 'fig5'; G.number = 5; G.k = [kA kB];
  G.x = [0.0027 0.0030 0.0033 0.0039 0.0045 0.0051 0.0057 0.0063 0.0069 0.0075];
  G.xlabel = '\lambda_Z'; G.xlabel_md = 'lambda_Z';
  G.setting = @(lZ) [nA nB lZ];
  % Minority collapse iff lambda_Z >= sqrt(n_B)/N (docs/theory.md section 5).
  G.xstar = sqrt (nB) / (kA * nA + kB * nB);
  T = nc_thresholds (G.k, [nA nB], P.lb);
  G.xstar_tool = T.collapse(2);
  G.heading = sprintf ('Figure 5: Zbar across \\lambda_Z, K = 10, k_A = %d, k_B = %d, n_A = %d, n_B = %d', kA, kB, nA, nB);
  G.description = sprintf ('Zbar for K = 10 classes, k_A = %d majority classes of n_A = %d and k_B = %d minority classes of n_B = %d samples, lambda_b = %g, across the paper''s lambda_Z grid; trained at lambda_W = 5 lambda_Z, lambda_H = lambda_Z/20.', kA, nA, kB, nB, P.lb);
  R = two_cluster_grid (P, G);
end
