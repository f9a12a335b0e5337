% SPDX-License-Identifier: GPL-3.0-or-later

function s = net_label (r, K)
%NET_LABEL  Short name of a network of recipe R with K outputs, for figure titles:
%   S = NET_LABEL(R, K)
%
%   '784-512-512-10 MLP, 300 epochs'.
%
%   See also: recipe_text
  widths = strjoin (arrayfun (@num2str, [784, r.hidden(:)', K], 'UniformOutput', false), '-');
  s = sprintf ('%s MLP, %d epochs', widths, r.epochs);
end

%!assert (net_label (struct ('hidden', [8 4], 'epochs', 3), 10), '784-8-4-10 MLP, 3 epochs')
