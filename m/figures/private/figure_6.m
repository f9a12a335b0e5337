% SPDX-License-Identifier: GPL-3.0-or-later

function R = figure_6 (P)
%FIGURE_6  Figure 6: Zbar across the grid of grid_spec (6) (theory, UFM, network).
%   R = FIGURE_6(P)
%
%   Profile settings P from profile_settings; returns the report entry (see
%   two_cluster_grid); writes fig6.png and fig6.svg.
%
%   See also: nc_figures, grid_spec, two_cluster_grid
  R = two_cluster_grid (P, grid_spec (6, P));
end
