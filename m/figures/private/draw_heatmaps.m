% SPDX-License-Identifier: GPL-3.0-or-later

function files = draw_heatmaps (P, name, heading, mats, rowlabels, titles, k, red)
%DRAW_HEATMAPS  Draws the cell array MATS (rows x columns of K x K matrices) as a
%   FILES = DRAW_HEATMAPS(P, NAME, HEADING, MATS, ROWLABELS, TITLES, K, RED)
%
%   grid of heatmaps, each min-max standardised to [0, 1] (one shared
%   colour bar; the Frobenius norm is printed under each panel; a matrix
%   of norm ~0 next to the others of its row, see near_zero, is drawn as 0
%   and labelled, never standardised into a false pattern), with the borders of the clusters of sizes K drawn in
%   white (K may be a cell array with one vector per row).  ROWLABELS{r} labels row r; TITLES{r,c} (or
%   {c}, first row only) titles panel (r, c).  Optional logical RED
%   (one per column) paints those column titles red and draws a dashed line
%   where it switches (the figure scripts mark settings beyond a predicted
%   threshold this way).  Saves NAME.png and .svg under
%   P.out.
  [nrow, m] = size (mats);
  if (nargin < 8)
    red = false (1, m);
  end
  if (isvector (titles) && nrow > 1 && numel (titles) == m)
    titles = [titles(:)'; repmat({''}, nrow - 1, m)];
  end
  heading = cellstr (heading);
  pw = 170; gap = 24; left = 80; bottom = 20; right = 120; th = 50;
  top = 50 + 24 * numel (heading);
  W0 = left + m * (pw + gap) + right;
  W = max (W0, 820);
  left = left + round ((W - W0) / 2);   % centred when the heading needs the width
  H = top + nrow * (pw + th) + bottom;
  f = new_figure (W, H);
  if exist ('OCTAVE_VERSION', 'builtin'), cmap = viridis (256); else, cmap = parula (256); end
  set (f, 'colormap', cmap);
  if (~ iscell (k))
    k = repmat ({k}, 1, nrow);
  end
  for r = 1:nrow
    borders = cumsum (k{r}(:)') + 0.5;
    borders = borders(1:end-1);
    K = sum (k{r});
    scale = max (cellfun (@(Z) norm (Z, 'fro'), mats(r,:)));
    for s = 1:m
      x = left + (s - 1) * (pw + gap);
      y = H - top - r * (pw + th) + th;
      ax = axes ('parent', f, 'units', 'pixels', 'position', [x y pw pw]);
      zero = near_zero (mats{r,s}, scale);
      if (zero)
        imagesc (ax, zeros (size (mats{r,s})), [0 1]);
      else
        imagesc (ax, minmax (mats{r,s}), [0 1]);
      end
      axis (ax, 'image');
      set (ax, 'xtick', [], 'ytick', [], 'box', 'on');
      hold (ax, 'on');
      % Standardising hides the scale; print it under each panel.
      xlabel (ax, sprintf ('||Zbar||_F = %.3g', norm (mats{r,s}, 'fro')), 'fontsize', 10);
      if (zero)
        text (ax, (K + 1) / 2, (K + 1) / 2, {'Zbar = 0', '(not rescaled)'}, 'color', 'w', ...
              'horizontalalignment', 'center', 'fontsize', 10);
      end
      for e = borders
        plot (ax, [e e], [0.5 K+0.5], 'w-', 'linewidth', 2);
        plot (ax, [0.5 K+0.5], [e e], 'w-', 'linewidth', 2);
      end
      if (~ isempty (titles{r,s}))
        colour = [0 0 0];
        if (red(s))
          colour = [0.8 0 0];
        end
        title (ax, titles{r,s}, 'color', colour, 'fontsize', 11);
      end
      if (s == 1)
        ylabel (ax, rowlabels{r}, 'fontsize', 11);
      end
    end
  end
  % One colour bar for all panels (each is standardised to [0, 1]).
  cb = axes ('parent', f, 'units', 'pixels', ...
             'position', [left + m * (pw + gap) + 15, bottom + 10, 14, H - top - bottom - 20]);
  imagesc (cb, [0.5 1.5], linspace (0, 1, 256)', linspace (0, 1, 256)', [0 1]);
  set (cb, 'ydir', 'normal', 'xtick', [], 'yaxislocation', 'right', 'fontsize', 8);
  ylabel (cb, 'min-max standardised');
  % Threshold marker on a transparent overlay.
  ov = axes ('parent', f, 'units', 'normalized', 'position', [0 0 1 1], ...
             'visible', 'off', 'xlim', [0 W], 'ylim', [0 H]);
  hold (ov, 'on');
  for c = find (diff (logical (red(:)')) ~= 0)
    xc = left + c * (pw + gap) - gap / 2;
    plot (ov, [xc xc], [bottom H - top + 10], '--', 'color', [0.8 0 0], 'linewidth', 2);
  end
  draw_heading (f, heading);
  files = save_figure (f, P.out, name);
end

function Z = minmax (Z)
  lo = min (Z(:));
  hi = max (Z(:));
  if (hi > lo)
    Z = (Z - lo) / (hi - lo);
  else
    Z = zeros (size (Z));  % Zbar = 0: nothing to standardise
  end
end
