% SPDX-License-Identifier: GPL-3.0-or-later

function R = figure_7 (P)
%FIGURE_7  Figure 7: Zbar across the grid of grid_spec (7) (theory, UFM, network).
%   R = FIGURE_7(P)
%
%   Profile settings P from profile_settings; returns the report entry (see
%   two_cluster_grid); writes fig7.png and fig7.svg.
%
%   See also: nc_figures, grid_spec, two_cluster_grid
  R = two_cluster_grid (P, grid_spec (7, P));
end
