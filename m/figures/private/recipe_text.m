% SPDX-License-Identifier: GPL-3.0-or-later

function s = recipe_text (r, K)
%RECIPE_TEXT  How a network of recipe R (see profile_settings) with K outputs was
%   S = RECIPE_TEXT(R, K)
%
%   trained, in words, for titles and the report.
%
%   See also: profile_settings, net_options
  widths = strjoin (arrayfun (@num2str, [784, r.hidden(:)', K], 'UniformOutput', false), '-');
  E = r.epochs;
  s = sprintf ('MLP %s (ReLU features), %d epochs, SGD momentum %g, batch %d, lr %g, ', ...
               widths, E, r.momentum, r.batch, r.lr);
  if (strcmp (r.schedule, 'cosine'))
    s = sprintf ('%scosine decay to %g', s, r.lr * r.lr_drop);
  else
    s = sprintf ('%sx%g from epoch %d', s, r.lr_drop, floor (r.drop_at * E) + 1);
  end
  if (r.weight_decay > 0)
    s = sprintf ('%s, weight decay %g', s, r.weight_decay);
  else
    s = sprintf ('%s, no weight decay', s);
  end
  if (isempty (r.warm_start))
    s = sprintf ('%s, no warm start', s);
  else
    s = sprintf ('%s, warm start (lambda_W, lambda_H / %g for %d epochs)', s, ...
                 r.warm_start(2), max (1, round (r.warm_start(1) * E)));
  end
  for i = 1:2:numel (r.extra)
    if (strcmpi (r.extra{i}, 'HistoryEvery'))
      continue;   % how often statistics are recorded, not how it trains
    end
    if (strcmpi (r.extra{i}, 'BatchNorm') && isequal (r.extra{i+1}, true))
      s = [s ', batch normalisation of the hidden layers'];
      continue;
    end
    if (strcmpi (r.extra{i}, 'DecayOn'))
      s = sprintf ('%s, the weight decay on %s', s, ...
                   ifelse_text (strcmpi (r.extra{i+1}, 'all'), ...
                                'every parameter, classifier included', 'the hidden layers'));
      continue;
    end
    v = r.extra{i+1};
    if (ischar (v))
      t = v;
    elseif (islogical (v) && isscalar (v))
      t = 'on';
      if (~ v)
        t = 'off';
      end
    else
      t = mat2str (v);
    end
    s = sprintf ('%s, %s %s', s, r.extra{i}, t);
  end
end

function t = ifelse_text (c, a, b)
  t = b;
  if (c)
    t = a;
  end
end

%!test
%! r = struct ('hidden', [8 4], 'epochs', 30, 'batch', 128, 'lr', 0.01, 'momentum', 0.9, ...
%!             'schedule', 'step', 'drop_at', 2/3, 'lr_drop', 0.1, 'weight_decay', 0, 'warm_start', [1/6 10], ...
%!             'extra', {{'BatchNorm', true}});
%! s = recipe_text (r, 10);
%! assert (~ isempty (strfind (s, 'MLP 784-8-4-10')));
%! assert (~ isempty (strfind (s, 'from epoch 21')));
%! assert (~ isempty (strfind (s, 'for 5 epochs')));
%! assert (~ isempty (strfind (s, 'batch normalisation of the hidden layers')));
%! r.extra = {'DecayOn', 'all', 'HistoryEvery', 3, 'Nesterov', true};
%! s = recipe_text (r, 10);
%! assert (~ isempty (strfind (s, 'decay on every parameter')));
%! assert (isempty (strfind (s, 'HistoryEvery')));
%! assert (~ isempty (strfind (s, 'Nesterov on')));
