% SPDX-License-Identifier: GPL-3.0-or-later

function R = figure_8 (P)
%FIGURE_8  Figure 8: Zbar across the grid of grid_spec (8) (theory, UFM, network).
%   R = FIGURE_8(P)
%
%   Profile settings P from profile_settings; returns the report entry (see
%   two_cluster_grid); writes fig8.png and fig8.svg.
%
%   See also: nc_figures, grid_spec, two_cluster_grid
  R = two_cluster_grid (P, grid_spec (8, P));
end
