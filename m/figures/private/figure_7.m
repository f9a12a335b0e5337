% SPDX-License-Identifier: GPL-3.0-or-later

function R = figure_7 (P)
%FIGURE_7  Figure 7: Zbar across the majority size n_A for K = 10, k_A = k_B = 5,
%   R = FIGURE_7(P)
%
%   n_B = 100, lambda_Z = 0.005 (docs/theory.md section 7); minority collapse
%   predicted from n_A = 300 on.
%   Profile settings P from profile_settings; returns the report
%   entry (see two_cluster_grid); writes fig7.png and fig7.svg.
%
%   See also: nc_figures, two_cluster_grid
  kA = 5; kB = 5; nB = 100; lZ = 0.005;
  G.name = 'fig7'; G.number = 7; G.k = [kA kB];
  G.x = [100 200 300 400 600 800 1000 1100 1200 1400];
  G.xlabel = 'n_A'; G.xlabel_md = 'n_A';
  G.setting = @(nA) [nA nB lZ];
  % lambda_Z >= sqrt(n_B)/(k_A n_A + k_B n_B) solved for n_A (docs/theory.md section 5).
  G.xstar = (sqrt (nB) / lZ - kB * nB) / kA;
  T = nc_thresholds (G.k, [G.x(1) nB], P.lb, 'LambdaZ', lZ);
  G.xstar_tool = T.n_major;
  G.heading = sprintf ('Figure 7: Zbar across n_A, K = 10, k_A = %d, k_B = %d, n_B = %d, \\lambda_Z = %g', kA, kB, nB, lZ);
  G.description = sprintf ('Zbar for K = 10 classes, k_A = %d majority classes of n_A samples and k_B = %d minority classes of n_B = %d, lambda_Z = %g, lambda_b = %g, across the paper''s n_A grid; trained at lambda_W = 5 lambda_Z, lambda_H = lambda_Z/20.', kA, kB, nB, lZ, P.lb);
  R = two_cluster_grid (P, G);
end
