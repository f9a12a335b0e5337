% SPDX-License-Identifier: GPL-3.0-or-later

function files = draw_grid_rows (P, name, heading, D)
%DRAW_GRID_ROWS  The picture of Figures 5-8: rows of Zbar heatmaps over a grid and
%   FILES = DRAW_GRID_ROWS(P, NAME, HEADING, D)
%
%   a plot of the minority spread below them, aligned column by column.
%   D has:
%     mats      rows x columns cell of K x K matrices ([] where not run)
%     zero      rows x columns logical: matrices of norm ~0 (near_zero),
%               drawn as 0 and labelled, never rescaled
%     notes     rows x columns cell of short texts under the panels (a
%               string, or a cell of at most two lines)
%     rowlabels cell of row names (two lines each: name, detail)
%     coltitles cell of column titles (the grid values)
%     k         cluster sizes (borders drawn in black)
%     istar     first column beyond the predicted threshold (a dashed
%               red line is drawn before it; its titles are red)
%     xstar_text  the prediction, for the legend of the spread plot
%     spread    rows x columns of the minority's relative spread (NaN where
%               not run), plotted below with the coincidence level tol
%     tol, spread_names (legend names per row)
%   Each row has one colour scale, symmetric about 0 (blue negative, white
%   0, red positive), with its colour bar on the right: the rows compare
%   magnitudes across the grid, which a per-panel standardisation hides.
%   Saves NAME.png and NAME.svg under P.out.
%
%   See also: two_cluster_grid, draw_heatmaps
  [nrow, m] = size (D.mats);
  heading = cellstr (heading);
  pw = 118; gap = 14; left = 150; right = 120; under = 46; top = 40 + 24 * numel (heading);
  coltitle = 26; plot_h = 250; bottom = 66;
  W = max (left + m * (pw + gap) + right, 1000);
  % The legend under the spread plot: one entry per row and two lines, as
  % many per line as fit.
  per_line = max (1, min (nrow + 2, floor (m * (pw + gap) / 210)));
  legend_h = 26 * ceil ((nrow + 2) / per_line);
  H = top + coltitle + nrow * (pw + under) + 40 + plot_h + bottom + legend_h;
  f = new_figure (W, H);
  set (f, 'colormap', diverging (255));
  K = sum (D.k);
  borders = cumsum (D.k(:)') + 0.5;
  borders = borders(1:end-1);
  colx = @(s) left + (s - 1) * (pw + gap);
  notes = cell (0, 3);   % x, y (panel bottom), lines: drawn under the panels at the end
  for r = 1:nrow
    y = H - top - coltitle - r * (pw + under) + under;
    c = 0;
    for s = 1:m
      if (~ isempty (D.mats{r,s}) && ~ D.zero(r,s))
        c = max (c, max (abs (D.mats{r,s}(:))));
      end
    end
    if (c == 0)
      c = 1;
    end
    for s = 1:m
      ax = axes ('parent', f, 'units', 'pixels', 'position', [colx(s) y pw pw]);
      Z = D.mats{r,s};
      if (isempty (Z))
        set (ax, 'xtick', [], 'ytick', [], 'box', 'on', 'color', [0.93 0.93 0.93], ...
             'xlim', [0 1], 'ylim', [0 1]);
        text (ax, 0.5, 0.5, 'not run', 'horizontalalignment', 'center', 'fontsize', 10, ...
              'color', [0.4 0.4 0.4]);
      else
        if (D.zero(r,s))
          Z = zeros (size (Z));
        end
        imagesc (ax, Z, [-c c]);
        axis (ax, 'image');
        set (ax, 'xtick', [], 'ytick', [], 'box', 'on');
        hold (ax, 'on');
        if (~ D.zero(r,s))   % a zero matrix has no blocks to separate
          for e = borders
            plot (ax, [e e], [0.5 K+0.5], 'k-', 'linewidth', 1.2);
            plot (ax, [0.5 K+0.5], [e e], 'k-', 'linewidth', 1.2);
          end
        end
        if (D.zero(r,s))
          text (ax, (K + 1) / 2, (K + 1) / 2, 'Zbar = 0', 'horizontalalignment', 'center', ...
                'fontsize', 11, 'fontweight', 'bold');
        end
      end
      notes(end+1,:) = {colx(s) + pw / 2, y, cellstr(D.notes{r,s})};
      if (r == 1)
        colour = [0 0 0];
        if (s >= D.istar)
          colour = [0.8 0 0];
        end
        title (ax, D.coltitles{s}, 'color', colour, 'fontsize', 11);
      end
    end
    lab = axes ('parent', f, 'units', 'pixels', 'position', [8 y left-20 pw], 'visible', 'off', ...
                'xlim', [0 1], 'ylim', [0 1]);
    text (lab, 0.5, 0.62, D.rowlabels{r}{1}, 'horizontalalignment', 'center', ...
          'fontsize', 12, 'fontweight', 'bold');
    text (lab, 0.5, 0.40, D.rowlabels{r}{2}, 'horizontalalignment', 'center', 'fontsize', 9);
    cb = axes ('parent', f, 'units', 'pixels', 'position', [colx(m+1) + 4, y, 14, pw]);
    imagesc (cb, [0 1], linspace (-c, c, 255)', linspace (-c, c, 255)', [-c c]);
    set (cb, 'ydir', 'normal', 'xtick', [], 'yaxislocation', 'right', 'fontsize', 9, ...
         'ytick', [-c 0 c], 'yticklabel', {sprintf('%.3g', -c), '0', sprintf('%.3g', c)});
  end

  % The minority spread, column by column under the panels.
  ax = axes ('parent', f, 'units', 'pixels', ...
             'position', [left - gap/2, bottom + legend_h, m * (pw + gap), plot_h]);
  hold (ax, 'on');
  styles = {'-', '--', '-'};
  markers = {'s', 'd', 'o'};
  colours = [0 0 0; 0.85 0.33 0.1; 0 0.45 0.74];
  top_y = max ([D.spread(:); D.tol * 4]) * 1.08;
  items = cell (1, nrow);
  for r = 1:nrow
    v = D.spread(r,:);
    run = find (~ isnan (v));
    plot (ax, run, v(run), styles{r}, 'color', colours(r,:), 'marker', markers{r}, ...
          'markersize', 8, 'linewidth', 2, 'markerfacecolor', colours(r,:));
    items{r} = {D.spread_names{r}, styles{r}, markers{r}, colours(r,:), true};
  end
  plot (ax, [0.5 m+0.5], [D.tol D.tol], ':', 'color', [0.3 0.3 0.3], 'linewidth', 1.5);
  plot (ax, [D.istar D.istar] - 0.5, [0 top_y], '--', 'color', [0.8 0 0], 'linewidth', 2);
  items{end+1} = {sprintf('%g: columns coincide', D.tol), ':', 'none', [0.3 0.3 0.3], false};
  items{end+1} = {D.xstar_text, '--', 'none', [0.8 0 0], false};
  set (ax, 'xlim', [0.5 m+0.5], 'ylim', [0 top_y], 'xtick', 1:m, 'xticklabel', D.xticks, ...
       'fontsize', 10, 'box', 'on');
  grid (ax, 'on');
  ylabel (ax, 'minority spread', 'fontsize', 11);
  xlabel (ax, D.xlabel, 'fontsize', 11);
  draw_legend (f, [left - gap/2, 6, m * (pw + gap), legend_h], items, per_line);

  % The threshold through the heatmap rows.
  ov = axes ('parent', f, 'units', 'pixels', 'position', [0 0 W H], 'visible', 'off', ...
             'xlim', [0 W], 'ylim', [0 H], 'handlevisibility', 'off');
  hold (ov, 'on');
  % One text per line: gnuplot fails on multi-line labels.
  for i = 1:size (notes, 1)
    for j = 1:numel (notes{i,3})
      text (ov, notes{i,1}, notes{i,2} - 12 - 16 * (j - 1), notes{i,3}{j}, ...
            'horizontalalignment', 'center', 'fontsize', 10);
    end
  end
  if (D.istar > 1 && D.istar <= m)
    xc = colx (D.istar) - gap / 2;
    plot (ov, [xc xc], [bottom + legend_h + plot_h + 30, H - top + 4], '--', 'color', [0.8 0 0], ...
          'linewidth', 2);
  end
  draw_heading (f, heading);
  files = save_figure (f, P.out, name);
end

% Blue - white - red, white at the middle entry (0 of a symmetric scale).
function map = diverging (n)
  t = linspace (0, 1, (n + 1) / 2)';
  blue = [0.23 0.30 0.75]; white = [1 1 1]; red = [0.71 0.02 0.15];
  low = (1 - t) * blue + t * white;
  high = (1 - t) * white + t * red;
  map = [low; high(2:end,:)];
end
