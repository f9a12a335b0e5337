% SPDX-License-Identifier: GPL-3.0-or-later

function R = figure_6 (P)
%FIGURE_6  Figure 6: as Figure 5 with k_A = 3, k_B = 7 (docs/theory.md section 7);
%   R = FIGURE_6(P)
%
%   minority collapse predicted at lambda_Z = sqrt(100)/2200.
%   Profile settings P from profile_settings; returns the report
%   entry (see two_cluster_grid); writes fig6.png and fig6.svg.
%
%   See also: nc_figures, two_cluster_grid
  kA = 3; kB = 7; nA = 500; nB = 100;
  G.name = 'fig6'; G.number = 6; G.k = [kA kB];
  G.x = [0.0037 0.0041 0.0045 0.0053 0.0062 0.0070 0.0078 0.0086 0.0094 0.0102];
  G.xlabel = '\lambda_Z'; G.xlabel_md = 'lambda_Z';
  G.setting = @(lZ) [nA nB lZ];
  G.xstar = sqrt (nB) / (kA * nA + kB * nB);
  T = nc_thresholds (G.k, [nA nB], P.lb);
  G.xstar_tool = T.collapse(2);
  G.heading = sprintf ('Figure 6: Zbar across \\lambda_Z, K = 10, k_A = %d, k_B = %d, n_A = %d, n_B = %d', kA, kB, nA, nB);
  G.description = sprintf ('Zbar for K = 10 classes, k_A = %d majority classes of n_A = %d and k_B = %d minority classes of n_B = %d samples, lambda_b = %g, across the paper''s lambda_Z grid; trained at lambda_W = 5 lambda_Z, lambda_H = lambda_Z/20.', kA, nA, kB, nB, P.lb);
  R = two_cluster_grid (P, G);
end
