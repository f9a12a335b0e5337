% SPDX-License-Identifier: GPL-3.0-or-later

function R = figure_5 (P)
%FIGURE_5  Figure 5: Zbar across the grid of grid_spec (5) (theory, UFM, network).
%   R = FIGURE_5(P)
%
%   Profile settings P from profile_settings; returns the report entry (see
%   two_cluster_grid); writes fig5.png and fig5.svg.
%
%   See also: nc_figures, grid_spec, two_cluster_grid
  R = two_cluster_grid (P, grid_spec (5, P));
end
