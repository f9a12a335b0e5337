% SPDX-License-Identifier: GPL-3.0-or-later

function R = figure_8 (P)
%FIGURE_8  Figure 8: as Figure 7 with k_A = 3, k_B = 7 (docs/theory.md section 7);
%   R = FIGURE_8(P)
%
%   minority collapse predicted from n_A = 433.3 on.
%   Profile settings P from profile_settings; returns the report
%   entry (see two_cluster_grid); writes fig8.png and fig8.svg.
%
%   See also: nc_figures, two_cluster_grid
  kA = 3; kB = 7; nB = 100; lZ = 0.005;
  G.name = 'fig8'; G.number = 8; G.k = [kA kB];
  G.x = [100 400 450 500 700 1000 1600 2200 2500 2800];
  G.xlabel = 'n_A'; G.xlabel_md = 'n_A';
  G.setting = @(nA) [nA nB lZ];
  G.xstar = (sqrt (nB) / lZ - kB * nB) / kA;
  T = nc_thresholds (G.k, [G.x(1) nB], P.lb, 'LambdaZ', lZ);
  G.xstar_tool = T.n_major;
  G.heading = sprintf ('Figure 8: Zbar across n_A, K = 10, k_A = %d, k_B = %d, n_B = %d, \\lambda_Z = %g', kA, kB, nB, lZ);
  G.description = sprintf ('Zbar for K = 10 classes, k_A = %d majority classes of n_A samples and k_B = %d minority classes of n_B = %d, lambda_Z = %g, lambda_b = %g, across the paper''s n_A grid; trained at lambda_W = 5 lambda_Z, lambda_H = lambda_Z/20.', kA, kB, nB, lZ, P.lb);
  R = two_cluster_grid (P, G);
end
