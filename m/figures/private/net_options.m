% SPDX-License-Identifier: GPL-3.0-or-later

function opts = net_options (r)
%NET_OPTIONS  The nc_mlp_train options of network recipe R (see profile_settings).
%   OPTS = NET_OPTIONS(R)
%
%   OPTS is a name/value cell: Hidden, Epochs, BatchSize, LearningRate,
%   Momentum, then for R.schedule 'step' DropAt (the fraction R.drop_at of
%   the epochs, rounded down) and LrDrop, for 'cosine' Schedule 'cosine',
%   LrDrop and no drops, then WeightDecay, then WarmStart [epochs factor] when R.warm_start is
%   set, then R.extra as given.  The same cell is part of every network
%   unit's cache key.
%
%   See also: profile_settings, train_net
  E = r.epochs;
  opts = {'Hidden', r.hidden, 'Epochs', E, 'BatchSize', r.batch, 'LearningRate', r.lr, ...
          'Momentum', r.momentum};
  if (strcmp (r.schedule, 'cosine'))
    opts = [opts, {'Schedule', 'cosine', 'LrDrop', r.lr_drop, 'DropAt', []}];
  else
    opts = [opts, {'DropAt', floor(r.drop_at * E), 'LrDrop', r.lr_drop}];
  end
  opts = [opts, {'WeightDecay', r.weight_decay}];
  if (~ isempty (r.warm_start))
    opts = [opts, {'WarmStart', [max(1, round(r.warm_start(1) * E)), r.warm_start(2)]}];
  end
  opts = [opts, r.extra(:)'];
end

%!test
%! r = struct ('hidden', [8 4], 'epochs', 30, 'batch', 128, 'lr', 0.01, 'momentum', 0.9, ...
%!             'schedule', 'step', 'drop_at', 2/3, 'lr_drop', 0.1, 'weight_decay', 0, 'warm_start', [1/6 10], ...
%!             'extra', {{'BatchNorm', true}});
%! o = net_options (r);
%! s = struct (o{:});
%! assert (s.DropAt, 20); assert (s.WarmStart, [5 10]); assert (s.BatchNorm, true);
%! assert (s.Hidden, [8 4]); assert (s.Epochs, 30);
%! r.warm_start = []; r.extra = {};
%! assert (~ any (strcmp (net_options (r), 'WarmStart')));
%! r.schedule = 'cosine'; r.lr_drop = 0.01;
%! o = net_options (r);
%! s = struct (o{:});
%! assert (s.Schedule, 'cosine'); assert (s.LrDrop, 0.01); assert (isempty (s.DropAt));
