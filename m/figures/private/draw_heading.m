% SPDX-License-Identifier: GPL-3.0-or-later

function draw_heading (f, lines)
%DRAW_HEADING  Writes the heading LINES (cell array of strings, TeX markup) centred
%   DRAW_HEADING(F, LINES)
%
%   at the top of figure F, one text object per line.  Multi-line
%   titles are not used because the gnuplot toolkit sends each line of a
%   title to gnuplot as a separate command and fails on the second.
%   Leave the top 55 pixels per line free in the axes below.
  pos = get (f, 'position');
  ov = axes ('parent', f, 'units', 'normalized', 'position', [0 0 1 1], 'visible', 'off', ...
             'xlim', [0 pos(3)], 'ylim', [0 pos(4)], 'handlevisibility', 'off');
  for i = 1:numel (lines)
    text (ov, pos(3) / 2, pos(4) - 20 - 22 * (i - 1), lines{i}, 'horizontalalignment', 'center', ...
          'fontsize', 11 - (i > 1), 'fontweight', ifelse (i == 1, 'bold', 'normal'));
  end
end

function v = ifelse (c, a, b)
  if (c) v = a; else v = b; end
end
