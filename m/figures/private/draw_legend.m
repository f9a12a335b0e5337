% SPDX-License-Identifier: GPL-3.0-or-later

function draw_legend (f, pos, items, columns)
%DRAW_LEGEND  A legend drawn by hand in the pixel box POS = [x y w h] of figure F.
%   DRAW_LEGEND(F, POS, ITEMS, COLUMNS)
%
%   ITEMS is a cell array of {text, line style, marker, colour, filled};
%   they are laid out in COLUMNS columns, row by row, each a short sample of
%   the line and marker and its text.  The gnuplot toolkit places legends
%   outside an axes unreliably (they float or vanish); this one sits where
%   it is put.
%
%   See also: figure_9, draw_grid_rows
  ax = axes ('parent', f, 'units', 'pixels', 'position', pos, 'visible', 'off', ...
             'xlim', [0 pos(3)], 'ylim', [0 pos(4)], 'handlevisibility', 'off');
  hold (ax, 'on');
  rows = ceil (numel (items) / columns);
  cw = pos(3) / columns;
  rh = pos(4) / rows;
  for i = 1:numel (items)
    it = items{i};
    c = mod (i - 1, columns);
    r = floor ((i - 1) / columns);
    x = c * cw + 6;
    y = pos(4) - (r + 0.5) * rh;
    face = 'none';
    if (it{5})
      face = it{4};
    end
    if (~ strcmp (it{2}, 'none'))
      plot (ax, [x x + 36], [y y], it{2}, 'color', it{4}, 'linewidth', 2);
    end
    if (~ strcmp (it{3}, 'none'))
      plot (ax, x + 18, y, it{3}, 'color', it{4}, 'markersize', 9, 'linewidth', 2, ...
            'markerfacecolor', face);
    end
    text (ax, x + 44, y, it{1}, 'fontsize', 10, 'verticalalignment', 'middle');
  end
end
