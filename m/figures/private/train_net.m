% SPDX-License-Identifier: GPL-3.0-or-later

function M = train_net (P, counts, lW, lH, r, with_test)
%TRAIN_NET  One network of the figures: nc_mlp_train on a Fashion-MNIST subset.
%   M = TRAIN_NET(P, COUNTS, LW, LH, R, WITH_TEST)
%
%   The subset has COUNTS(k) training images of class k (nc_subset, seed
%   P.seed; the smallest labels are the majority), the regularisation is
%   lambda_W = LW, lambda_H = LH on the last layer and lambda_b = P.lb, the
%   recipe R (see profile_settings, net_options).  WITH_TEST records the
%   accuracy on the 10000 test images per epoch.  A cached unit (see
%   unit_key): the trainer also checkpoints, so an interrupted training
%   resumes where it stopped, and a checkpoint it cannot read is reported,
%   deleted and the training restarted.
%
%   M has time (seconds of the computed run), epoch, NC1, accuracy,
%   test_accuracy (NaN without a test set), loss, Zbar_hist (K x K x T),
%   b_hist (K x T) per epoch, and the final Zbar, b, NC1_final,
%   accuracy_final, the recipe's options and the counts.
%
%   See also: unit_key, net_options, train_data_runs, two_cluster_grid
  key = unit_key ('net', P, counts, lW, lH, r, with_test);
  file = unit_cache (P.cache, key);
  M = unit_cache (P.cache, key, @() train (P, counts, lW, lH, r, with_test, [file '.ckpt']));
end

function M = train (P, counts, lW, lH, r, with_test, ckpt)
  [X, y, Xt, yt] = fmnist_data ();
  idx = nc_subset (y, counts, P.seed);
  opts = net_options (r);
  extra = {'LambdaW', lW, 'LambdaH', lH, 'LambdaB', P.lb, 'Seed', P.seed, ...
           'Checkpoint', ckpt, 'CheckpointEvery', max(1, floor (r.epochs / 20)), ...
           'Verbose', P.verbose && unit_cost(P, unit_key ('net', P, counts, lW, lH, r, with_test)) > 120};
  if (with_test)
    extra = [extra, {'TestX', Xt, 'TestY', yt}];
  end
  t0 = tic ();
  try
    R = nc_mlp_train (X(:, idx), y(idx), opts{:}, extra{:});
  catch err
    if (~ strcmp (err.identifier, 'ncufm:badCheckpoint'))
      rethrow (err);
    end
    % A checkpoint cut short by a crash, or left by other code: start afresh.
    warning ('ncufm:badCache', 'train_net: %s; deleting it and training from the start', ...
             err.message);
    delete (ckpt);
    R = nc_mlp_train (X(:, idx), y(idx), opts{:}, extra{:});
  end
  if (R.interrupted)
    % Never cache a partial run: the checkpoint lets the rerun resume.
    error ('ncufm:interrupted', 'train_net: training interrupted after %d epochs', R.epochs_done);
  end
  M.time = toc (t0);
  M.resumed_from = R.resumed_from;
  M.counts = counts(:)';
  M.options = opts;
  h = R.history;
  M.epoch = double (h.epoch(:)');
  M.NC1 = double (h.nc1(:)');
  M.accuracy = double (h.accuracy(:)');
  M.test_accuracy = double (h.test_accuracy(:)');
  M.loss = double (h.loss(:)');
  M.Zbar_hist = double (h.Zbar);
  M.b_hist = double (h.b);
  M.Zbar = M.Zbar_hist(:,:,end);
  M.b = M.b_hist(:,end);
  M.NC1_final = M.NC1(end);
  M.accuracy_final = M.accuracy(end);
  if (exist (ckpt, 'file'))
    delete (ckpt);  % the finished run is cached; the checkpoint is spent
  end
end

% Fashion-MNIST is read once per session.
function [X, y, Xt, yt] = fmnist_data ()
  persistent data
  if (isempty (data))
    [data.X, data.y] = nc_fmnist ('train');
    [data.Xt, data.yt] = nc_fmnist ('test');
  end
  X = data.X; y = data.y; Xt = data.Xt; yt = data.yt;
end
