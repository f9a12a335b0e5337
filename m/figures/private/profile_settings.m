% SPDX-License-Identifier: GPL-3.0-or-later

function P = profile_settings (name, out)
%PROFILE_SETTINGS  Settings of the figure scripts for one profile.
%   P = PROFILE_SETTINGS(NAME, OUT)
%
%   NAME is 'smoke' (toy sizes: seconds, every figure produced; part of
%   make check), 'quick' (the default: at most 15 minutes on 2 cores from
%   an empty output folder, networks included, at reduced sizes) or 'paper'
%   (the paper's class counts, and its epochs where 2 cores allow: at most
%   3 hours, resumable from its caches across runs).  OUT is the output
%   folder; cached units go to OUT/cache.
%
%   Fields of P:
%     profile, out, cache, seed, lb (lambda_b), tol (nc_solve tolerance),
%     verbose (nc_figures' option Verbose).
%     grid       points of each 10-point grid of Figures 5-8 used for the
%                theory and UFM rows (all, or a subset around the threshold).
%     ufm        the UFM trained for Figures 5-9 (see train_ufm_row).
%     data       Figures 1-4: scale of the Dataset_1/2 subsets, data.ufm (the
%                UFM at the same lambdas) and data.net (the network recipe).
%     net        Figures 5-8: the network recipe, and net.grid, how many grid
%                points get a network.
%     fig9, fig9_train, fig9_net, fig9_recipe
%                n_A values of Figure 9, those where the UFM and the network
%                are trained, and the network's recipe (that of Figures 1-4,
%                as the authors', perhaps with fewer epochs).
%     phase      grid size of the phase diagram.
%     cost       seconds per unit of work of each kind on this machine, the
%                prior of the time-left estimate (see plan_units).
%
%   A network recipe (see net_options) is a struct: hidden (widths), epochs,
%   batch, lr, momentum, schedule ('step': drop_at, the fraction of the
%   epochs at the first rate, then x lr_drop; 'cosine': from lr down to
%   lr * lr_drop along a half cosine), drop_at, lr_drop, weight_decay, warm_start ([] or [fraction factor]: lambda_W and
%   lambda_H divided by factor for that fraction of the epochs) and extra
%   (further name/value options of nc_mlp_train, passed through).  Switching
%   to another recipe is a change of these fields; every cached unit's key
%   holds its recipe, so a changed recipe is retrained, an unchanged one reused.
%
%   See also: nc_figures, net_options, plan_units
  if (nargin ~= 2 || ~ ischar (name) || ~ ischar (out))
    error ('ncufm:badArgCount', 'profile_settings: needs a profile name and an output folder');
  end
  P.profile = lower (name);
  P.out = out;
  P.cache = fullfile (out, 'cache');
  P.seed = 1;
  P.lb = 0.01;
  P.verbose = true;
  % Seconds per unit of work (see plan_units), measured on 2 shared cores;
  % the run rescales them by what it measures.
  P.cost = struct ('solve', 0.05, 'ufm', 4e-9, 'net', 1.2e-10, 'phase', 0.01);
  % The networks' recipes need the trainer's warm start and batch
  % normalisation; a build without them runs the plain recipes below, and
  % every figure states the recipe it ran.
  F = trainer_features ();
  modern = F.warm_start && F.batch_norm;
  switch (P.profile)
    case 'smoke'
      P.tol = 1e-9;
      P.grid = 4;
      P.ufm = struct ('d', 16, 'maxiter', 200, 'tol', 1e-6, 'points', 0);
      P.data = struct ('scale', 1/100);
      P.data.ufm = struct ('d', 16, 'maxiter', 200, 'tol', 1e-6, 'points', 20);
      P.data.net = data_recipe (modern, [32 32], 3, 2/3, 1);
      P.net = minority_recipe (modern, 16, 3, true);
      P.net.grid = 4;
      P.fig9 = [500 3000 5500];
      P.fig9_train = 500;
      P.fig9_net = 500;
      P.fig9_recipe = P.data.net;
      P.phase = [10 10];
    case 'quick'
      P.tol = 1e-10;
      P.grid = 10;
      P.ufm = struct ('d', 16, 'maxiter', 20000, 'tol', 1e-6, 'points', 0);
      P.data = struct ('scale', 1/10);
      P.data.ufm = struct ('d', 32, 'maxiter', 20000, 'tol', 1e-6, 'points', 100);
      % The cosine decay, as in the paper profile (a step at 2E/3 left the
      % Zbar error flat over the last epochs).
      P.data.net = data_recipe (modern, [256 256], 300, 2/3, 5);
      P.data.net.schedule = 'cosine';
      P.data.net.lr_drop = 0.01;
      P.net = minority_recipe (modern, [256 256], 150, true);
      P.net.grid = 5;
      P.fig9 = 500:500:5500;
      P.fig9_train = 500;
      P.fig9_net = 500;
      P.fig9_recipe = P.data.net;
      P.fig9_recipe.epochs = 150;
      P.phase = [41 41];
    case 'paper'
      P.tol = 1e-11;
      P.grid = 10;
      % The UFM meets the optimum to ~1e-5 at gradient tolerance 1e-6 (the
      % quick profile); tighter ones cost minutes per UFM at N = 41000.
      P.ufm = struct ('d', 32, 'maxiter', 40000, 'tol', 1e-6, 'points', 0);
      P.data = struct ('scale', 1);
      P.data.ufm = struct ('d', 32, 'maxiter', 40000, 'tol', 1e-6, 'points', 200);
      % At the full counts the rate 0.01 plateaus at 95% training accuracy
      % and the network interpolates only at 0.001, where batches of 32
      % keep it oscillating (whole-set accuracy 97.6-99.85% over the last
      % 50 of 450 epochs with the authors' drop at E/3: Zbar error
      % 0.125/0.148).  A cosine decay to 1e-4 ends the run where that noise
      % is small: Zbar error 0.052/0.100 after 450 epochs, 0.047/0.098 and
      % NC1 0.011/0.0099 after 900 (about 41 min for both datasets).
      P.data.net = data_recipe (modern, [512 512], 900, 1/3, 10);
      P.data.net.schedule = 'cosine';
      P.data.net.lr_drop = 0.01;
      P.net = minority_recipe (modern, [512 512], 300, false);
      P.net.grid = 10;
      P.fig9 = 500:500:5500;
      P.fig9_train = [500 1500];
      P.fig9_net = [500 1000];
      P.fig9_recipe = P.data.net;
      P.phase = [81 81];
    otherwise
      error ('ncufm:badProfile', ...
             'profile_settings: PROFILE must be ''smoke'', ''quick'' or ''paper'', not ''%s''', name);
  end
end

% Figures 1-4 and 9: the authors' weight decay 5e-4 on every parameter, with
% batch normalisation and batches of 32, which reach the terminal phase in
% fewer epochs (measured by the trainer's tuning); the rate drops after the
% fraction DROP of the epochs.  Statistics every EVERY epochs.  Without
% those options: the plain recipe.
function r = data_recipe (modern, hidden, E, drop, every)
  r = recipe (hidden, E, drop, 5e-4, []);
  if (modern)
    r.batch = 32;
    r.extra = {'BatchNorm', true, 'DecayOn', 'all', 'HistoryEvery', every};
  end
end

% Figures 5-8: the authors' warm start (lambda_W, lambda_H / 10 for E/6
% epochs), the drop at 2E/3 and no weight decay; with BN, batch
% normalisation of the hidden layers, which brings the minority collapse in
% fewer epochs (a 784-256-256 MLP at Figure 5's lambda_Z = 0.0039 reaches
% spread 0.009 in 150 epochs with it, 0.09 in 100 without), while without it
% the spread below the threshold follows the theory more closely (0.070
% against 0.065 at lambda_Z = 0.0033 after 300 epochs).  Without the
% trainer's warm start: the plain recipe, which falls to the trivial point
% Zbar = 0 (the report says so).
function r = minority_recipe (modern, hidden, E, bn)
  r = recipe (hidden, E, 2/3, 0, []);
  if (modern)
    r.warm_start = [1/6 10];
    % The whole-set statistics 30 times a run, not every epoch.
    r.extra = {'HistoryEvery', max(1, round (E / 30))};
    if (bn)
      r.extra = [{'BatchNorm', true}, r.extra];
    end
  end
end

% The authors' SGD (momentum 0.9, batch 128, lr 0.01 then 0.001) with HIDDEN
% widths, E epochs, the drop after the fraction DROP of them, weight decay WD
% and warm start WARM ([] or [fraction factor]).
function r = recipe (hidden, E, drop, wd, warm)
  r = struct ('hidden', hidden, 'epochs', E, 'batch', 128, 'lr', 0.01, 'momentum', 0.9, ...
              'schedule', 'step', 'drop_at', drop, 'lr_drop', 0.1, 'weight_decay', wd, ...
              'warm_start', warm, 'extra', {{}});
end

%!test
%! P = profile_settings ('Smoke', 'x');
%! assert (P.profile, 'smoke'); assert (P.cache, fullfile ('x', 'cache'));
%!test
%! for p = {'smoke', 'quick', 'paper'}
%!   P = profile_settings (p{1}, 'x');
%!   assert (P.net.grid >= 1 && P.net.grid <= 10);
%!   assert (iscell (P.net.extra) && iscell (P.data.net.extra));
%! end
%!error <profile_settings: PROFILE> profile_settings ('huge', 'x')
%!error <profile_settings: PROFILE> profile_settings ('full', 'x')
