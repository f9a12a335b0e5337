% SPDX-License-Identifier: GPL-3.0-or-later
function R = train_run (out, name, counts, lW, lH, lb, k, varargin)
% R = train_run (OUT, NAME, COUNTS, lW, lH, lb, K, option, value, ...)
%
% One run of docs/training.md: nc_mlp_train on the Fashion-MNIST training
% samples X(:, nc_subset (y, COUNTS, 1)) (subset seed 1, network seed 0
% unless the options give 'Seed') with the UFM weights lW, lH, lb and the
% options given, then its recorded history.Zbar compared with
%   - the UFM optimum at the same weights, nc_solve (COUNTS, nc_lambda (lW, lH), lb)
%     (errZ = ||Zbar - Zs||_F / ||Zs||_F, errb likewise for the bias);
%   - with 'DecayOn' 'all', also the optimum at the effective weights
%     lW + wd/2, lb + wd/2 (errZ_eff; docs/theory.md (7.2));
%   - the optimum with non-negative features (relu_ufm, d = 60, best of
%     seeds 1-3; errZr), cached in OUT as relu60_<counts>_<lZ>_<lb>.mat.
% K: the cluster sizes for nc_zbar_stats (the spread of each cluster's
% columns of Zbar: R.spread, and of the optima: R.spread_star, R.spread_relu).
%
% Saves R in OUT/NAME.mat and prints one line; a run already saved is
% loaded, not repeated.  R.model is the trained network without its
% history (for 'Init' of a continuation).  Time: the training (seconds to
% minutes, see docs/training/runs.m) plus, the first time a weight set is
% met, three relu_ufm solves (about 30 s each).
  file = fullfile (out, [name '.mat']);
  if (exist (file, 'file'))
    S = load (file);
    R = S.R;
    report (R);
    return;
  end
  [X, y] = nc_fmnist ('train');
  idx = nc_subset (y, counts, 1);
  t0 = tic;
  M = nc_mlp_train (X(:, idx), y(idx), 'LambdaW', lW, 'LambdaH', lH, 'LambdaB', lb, ...
                    'Verbose', false, 'Seed', 0, varargin{:});
  R.time = toc (t0);
  if (M.interrupted)
    error ('train_run: %s interrupted after %d epochs; not saved', name, M.epochs_done);
  end
  R.name = name;
  R.counts = counts;
  R.lW = lW;
  R.lH = lH;
  R.lb = lb;
  R.k = k;
  R.opts = varargin;
  R.lZ = nc_lambda (lW, lH);
  [R.Zs, R.bs] = nc_solve (counts, R.lZ, lb);
  % weight decay on the classifier raises its weights by wd/2
  wd = opt_value (varargin, 'WeightDecay', 5e-4);
  lb_eff = lb;
  if (strcmpi (opt_value (varargin, 'DecayOn', 'hidden'), 'all') && wd > 0)
    R.lZ_eff = nc_lambda (lW + wd / 2, lH);
    lb_eff = lb + wd / 2;
    [R.Zs_eff, R.bs_eff] = nc_solve (counts, R.lZ_eff, lb_eff);
  else
    R.lZ_eff = R.lZ;
    R.Zs_eff = R.Zs;
    R.bs_eff = R.bs;
  end
  h = M.history;
  R.epoch = h.epoch;
  R.nc1 = h.nc1;
  R.acc = h.accuracy;
  R.Zbar = h.Zbar;
  R.b = h.b;
  R.loss = h.loss;
  R.ce = h.ce;
  R.seconds = h.seconds;
  [R.Zr, R.br] = relu_reference (out, counts, R.lZ_eff, lb_eff);
  T = numel (R.epoch);
  R.errZ = zeros (1, T);
  R.errb = R.errZ;
  R.errZ_eff = R.errZ;
  R.errZr = R.errZ;
  R.normZ = R.errZ;
  R.spread = zeros (numel (k), T);
  for t = 1:T
    Z = R.Zbar(:, :, t);
    E = nc_compare (Z, R.Zs, R.b(:, t), R.bs);
    R.errZ(t) = E.fro;
    R.errb(t) = E.b;
    R.errZ_eff(t) = norm (Z - R.Zs_eff, 'fro') / norm (R.Zs_eff, 'fro');
    R.errZr(t) = norm (Z - R.Zr, 'fro') / norm (R.Zr, 'fro');
    R.normZ(t) = norm (Z, 'fro');
    S = nc_zbar_stats (Z, k);
    R.spread(:, t) = S.spread_rel;
  end
  S = nc_zbar_stats (R.Zr, k);
  R.spread_relu = S.spread_rel;
  S = nc_zbar_stats (R.Zs, k);
  R.spread_star = S.spread_rel;
  R.model = rmfield (M, 'history');
  save (file, 'R', '-v7');
  report (R);
end

function [Z, b] = relu_reference (out, counts, lZ, lb)
% the non-negative-feature optimum, best of three starts, cached
  file = fullfile (out, sprintf ('relu60_%s_%.6g_%.6g.mat', sprintf ('%d_', counts), lZ, lb));
  if (exist (file, 'file'))
    S = load (file);
    Z = S.Z;
    b = S.b;
    return;
  end
  best = Inf;
  for s = 1:3
    [Z1, b1, f1] = relu_ufm (counts, lZ, lb, 60, true, s);
    if (f1 < best)
      best = f1;
      Z = Z1;
      b = b1;
    end
  end
  save (file, 'Z', 'b', '-v7');
end

function v = opt_value (opts, name, default)
  v = default;
  for i = 1:2:numel (opts)
    if (strcmpi (opts{i}, name))
      v = opts{i + 1};
    end
  end
end

function report (R)
  first = find (R.acc >= 1, 1);
  if (isempty (first))
    e100 = NaN;
  else
    e100 = R.epoch(first);
  end
  fprintf ('%-30s acc %.4f (100%% at %g)  NC1 %.3g  errZ %.3f (eff %.3f, vs ReLU opt %.3f)  errb %.3f  spread %s (Z* %s, ReLU opt %s)  %.0f s\n', ...
           R.name, R.acc(end), e100, R.nc1(end), R.errZ(end), R.errZ_eff(end), R.errZr(end), ...
           R.errb(end), mat2str (R.spread(:, end)', 3), mat2str (R.spread_star', 3), ...
           mat2str (R.spread_relu', 3), R.time);
end
