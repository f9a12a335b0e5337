% SPDX-License-Identifier: GPL-3.0-or-later

function M = nc_mlp_train (varargin)
%NC_MLP_TRAIN  Train a ReLU network with the UFM regularisation on its last layer.
%   M = NC_MLP_TRAIN(X, Y)
%   M = NC_MLP_TRAIN(X, Y, NAME, VALUE, ...)
%
%   X is p x N (single or double, finite; columns are samples) and Y holds
%   labels 1..K, K = max(Y) >= 2, every class present.  The network is
%       a_l = act(BN(W_l a_{l-1}))  (with BatchNorm)  or  act(W_l a_{l-1} + b_l),
%   l = 1..L, a_0 = x (or the output of an optional convolutional front end),
%   features h = a_L and logits W h + b.  act is ReLU, except on the feature
%   layer with FeatureLayer 'linear'; BN applies to every layer but the
%   feature layer, unless BNFeatures.  BN(z) = s .* (z - mean) ./ sqrt(var +
%   1e-5) + t per unit, with the batch's statistics in training and running
%   averages (momentum BNMomentum, unbiased variance, as PyTorch) when the
%   network is evaluated; the scale s and shift t are learned (M.scales,
%   M.biases).  h is the feature vector of the unconstrained feature model
%   (docs/theory.md sections 1 and 7).
%
%   Everything is stored and computed in single precision with SGEMM, as the
%   frameworks train; losses, metrics and normalisation statistics are summed
%   in double.  Training is mini-batch SGD with momentum (PyTorch's rule
%   v = mu v + g, theta = theta - lr v; Nesterov optional), batches drawn by a
%   seeded shuffle every epoch, and per batch of B samples the objective
%       (1/B) sum CE(W h_j + b, y_j) + lambda_W ||W||_F^2
%        + lambda_H (N/B) sum_j ||h_j||^2 + lambda_b ||b||^2
%        + (WeightDecay/2) ||theta||^2
%   where theta is every parameter but W and b (DecayOn 'hidden') or every
%   parameter (DecayOn 'all', the authors' setting).  The feature term scaled
%   by N/B estimates the UFM's lambda_H ||H||_F^2 over all N samples, so the
%   last layer is regularised as in the UFM (convex equivalent with
%   lambda_Z = nc_lambda(lambda_W, lambda_H)).  With DecayOn 'all' the
%   classifier effectively carries lambda_W + WeightDecay/2 and
%   lambda_b + WeightDecay/2.  Initialisation: Kaiming normal on hidden and
%   conv weights, uniform +-1/sqrt(d) on W, zero shifts, unit scales.
%
%   Options (name/value, case-insensitive):
%     Hidden          widths of the hidden layers (default [256 128]; at most 8).
%     Epochs          default 30.
%     BatchSize       default 128.
%     LearningRate    default 0.01.
%     Schedule        'step' (default): the rate is multiplied by LrDrop at
%                     each epoch listed in DropAt; 'cosine': from
%                     LearningRate down to LearningRate * LrDrop along a
%                     half cosine over the epochs.
%     LrDrop          default 0.1.
%     DropAt          epochs run at the rate before each drop, increasing,
%                     at most 8 (default floor(Epochs/3); [] for none).  The
%                     authors: Epochs/3 for Figures 1-4, 2*Epochs/3 for 5-8.
%     Warmup          epochs of linear warm-up of the rate (default 0).
%     Momentum        default 0.9.
%     Nesterov        Nesterov momentum (default false).
%     LambdaW, LambdaH, LambdaB
%                     the UFM weights (defaults 1e-3, 1e-6, 1e-2: Figure 1).
%     WarmStart       [E f R]: lambda_W and lambda_H divided by f for the first
%                     E epochs, then brought back to their values
%                     geometrically over R epochs (default [0 10 0]; E alone
%                     keeps f = 10, R = 0).  The authors: [Epochs/6 10 0] for
%                     Figures 5-8.  R > 0 avoids the shock of a tenfold step
%                     in the penalty on a network grown large in the warm
%                     phase, which can throw it into the trivial point.
%     WeightDecay     default 5e-4.
%     DecayOn         'hidden' (default: every layer but the classifier) or
%                     'all' (the classifier too, as the authors' optimiser).
%     BatchNorm       normalise every conv and hidden layer but the feature
%                     layer (default false).
%     BNFeatures      normalise the feature layer too (default false): its
%                     batch mean and variance are then fixed by the scale and
%                     shift, and the feature penalty lambda_H no longer shapes
%                     the features, only those two.
%     BNMomentum      default 0.1.
%     FeatureLayer    'relu' (default, non-negative features as the authors')
%                     or 'linear' (no ReLU on the last hidden layer).
%     Seed            initialisation and shuffling, 0..2^32-1 (default 0).
%     HistoryEvery    record the whole-set statistics every this many epochs,
%                     and at the first and last (default 1).
%     Verbose         a progress line per record with the time left (default
%                     true).
%     Checkpoint      a file name: the state is saved there after every
%                     CheckpointEvery epochs (to a temporary file, then
%                     renamed); a later call with the same data and options
%                     resumes from it and ends bitwise as an uninterrupted
%                     run would.  A checkpoint of other data or options is
%                     refused (ncufm:badCheckpoint).
%     CheckpointEvery default 1.
%     TestX, TestY    a test set, whose accuracy is recorded.
%     Features        if true, M.H holds the final features of X (d x N single,
%                     evaluation mode).
%     Conv            channel counts of an optional convolutional front end
%                     (default []).  Each conv layer: 3 x 3 filters (zero
%                     padding 1, stride 1, cross-correlation as PyTorch), BN
%                     with BatchNorm, ReLU, 2 x 2 max pooling; the pooled maps
%                     of the last one (channels innermost, then pixels row by
%                     row) feed the dense layers.  Input images are one
%                     channel, read row by row, as from nc_fmnist.
%     ImageSize       [rows cols] of the images (default square); both
%                     divisible by 2^numel(Conv).
%     Threads         BLAS threads during the call (default: unchanged).
%     Init            a model M returned by nc_mlp_train: training starts from
%                     its parameters and normalisation statistics (with zero
%                     momentum) instead of the seeded initialisation; its
%                     architecture (hidden, conv, batch_norm, bn_features,
%                     feature_layer) replaces those options.  For a sweep,
%                     each point can start from its neighbour's network.
%
%   Output fields of M: W (K x d), b (K x 1); weights, biases, scales,
%   running_mean, running_var (cells per layer, the classifier last in
%   weights and biases; scales and statistics empty without BatchNorm);
%   hidden, conv, conv_filters (3 x 3 x cin x cout, kernel rows first),
%   conv_biases, conv_scales, conv_running_mean, conv_running_var, batch_norm,
%   bn_features, feature_layer; epochs_done,
%   resumed_from (epochs read from the checkpoint), interrupted (Ctrl-C stops
%   after the current batch and returns the state reached, with the history
%   of the completed epochs); and history:
%     per recorded epoch (HistoryEvery), the network in evaluation mode over
%     the whole training set:
%       epoch          the epochs recorded (1-based)
%       loss           the UFM objective of the last layer at the options'
%                      lambdas: mean CE + lW |W|^2 + lH |H|^2 + lb |b|^2
%       ce, accuracy, test_accuracy (NaN without a test set)
%       nc1            sample-weighted tr(Sigma_W Sigma_B^+)/K
%       Zbar           K x K x records: W times the class means of h, the mean
%                      prediction matrix to set beside nc_solve's Zbar*
%       b              K x records
%     per epoch: lr, seconds (the training pass alone), batch_loss and
%     batch_accuracy (means over the epoch's batches in training mode).
%   All parameters are single.
%
%   Errors: ncufm:badData (X), ncufm:badLabels (labels not whole numbers
%   >= 1, fewer than 2 classes, a class without samples), ncufm:badHidden,
%   ncufm:badConv, ncufm:badLambda, ncufm:badOption, ncufm:badCheckpoint,
%   ncufm:checkpointWrite, ncufm:tooLarge (the workspace does not fit in
%   memory), ncufm:diverged (non-finite loss: lower LearningRate).
%
%   Recommended settings for each of the paper's experiments, with measured
%   epochs to the terminal phase and times: docs/training.md.
%
%       [X, y] = nc_fmnist ('train');
%       idx = nc_subset (y, 'Dataset_1', 1, 'Scale', 0.1);
%       M = nc_mlp_train (X(:, idx), y(idx), 'Hidden', [512 512], ...
%                         'BatchNorm', true, 'Epochs', 60, 'Checkpoint', 'd1.ckpt');
%       semilogy (M.history.epoch, M.history.nc1)
%
%   See also: nc_fmnist, nc_subset, nc_solve, nc_metrics, nc_zbar_stats
  error ('ncufm:notBuilt', 'nc_mlp_train: the MEX file is not built; run ''make'' in the repository root');
end

%!shared X, y
%! % three Gaussian blobs in 6 dimensions
%! rand ('seed', 1); randn ('seed', 1);
%! y = repmat (1:3, 1, 100);
%! X = 0.5 * randn (6, 300); X(sub2ind ([6 300], 2 * y - 1, 1:300)) = X(sub2ind ([6 300], 2 * y - 1, 1:300)) + 2;

%!test
%! M = nc_mlp_train (X, y, 'Hidden', [16 8], 'Epochs', 6, 'BatchSize', 32, ...
%!                   'LearningRate', 0.05, 'Verbose', false, 'Features', true);
%! assert (M.epochs_done, 6); assert (~ M.interrupted);
%! assert (size (M.W), [3 8]); assert (size (M.b), [3 1]); assert (M.hidden, [16 8]);
%! assert (class (M.W), 'single');
%! assert (size (M.weights{1}), [16 6]); assert (M.weights{3}, M.W); assert (M.biases{3}, M.b);
%! assert (M.history.epoch, 1:6);
%! assert (M.history.lr, [0.05 0.05 0.005 0.005 0.005 0.005], eps);
%! assert (M.history.accuracy(end) > 0.95);
%! % the records, recomputed in double from the single weights
%! relu = @(v) max (v, 0);
%! Wd = cellfun (@double, M.weights, 'UniformOutput', false);
%! bd = cellfun (@double, M.biases, 'UniformOutput', false);
%! H = relu (Wd{2} * relu (Wd{1} * X + bd{1}) + bd{2});
%! assert (double (M.H), H, 1e-5 * max (abs (H(:))));
%! Z = Wd{3} * H + bd{3};
%! ce = -Z(sub2ind (size (Z), y, 1:300)) + log (sum (exp (Z), 1));
%! assert (M.history.ce(end), mean (ce), 1e-5);
%! loss = mean (ce) + 1e-3 * sum (Wd{3}(:) .^ 2) + 1e-6 * sum (H(:) .^ 2) + 1e-2 * sum (bd{3} .^ 2);
%! assert (M.history.loss(end), loss, 1e-5);
%! means = [mean(H(:, y == 1), 2), mean(H(:, y == 2), 2), mean(H(:, y == 3), 2)];
%! assert (M.history.Zbar(:, :, end), Wd{3} * means, 1e-5);
%! assert (M.history.b(:, end), bd{3});
%! R = nc_metrics (M.H, y);
%! assert (M.history.nc1(end), R.NC1, 1e-9 * R.NC1);

%!test  % batch normalisation: features in evaluation mode, from the running statistics
%! M = nc_mlp_train (X, y, 'Hidden', [16 8], 'Epochs', 3, 'BatchSize', 32, 'BatchNorm', true, ...
%!                   'Verbose', false, 'Features', true);
%! assert (M.batch_norm); assert (size (M.scales{1}), [16 1]); assert (isempty (M.scales{2}));
%! relu = @(v) max (v, 0);
%! z = double (M.weights{1}) * X;
%! a = relu (double (M.scales{1}) .* (z - double (M.running_mean{1})) ...
%!           ./ sqrt (double (M.running_var{1}) + 1e-5) + double (M.biases{1}));
%! a = relu (double (M.weights{2}) * a + double (M.biases{2}));   % the feature layer is not normalised
%! assert (double (M.H), a, 1e-5 * max (abs (a(:))));
%! M = nc_mlp_train (X, y, 'Hidden', [16 8], 'Epochs', 3, 'BatchSize', 32, 'BatchNorm', true, ...
%!                   'BNFeatures', true, 'Verbose', false, 'Features', true);
%! a = X;
%! for l = 1:2
%!   z = double (M.weights{l}) * a;
%!   a = relu (double (M.scales{l}) .* (z - double (M.running_mean{l})) ...
%!             ./ sqrt (double (M.running_var{l}) + 1e-5) + double (M.biases{l}));
%! end
%! assert (double (M.H), a, 1e-5 * max (abs (a(:))));

%!test  % linear feature layer: no ReLU on the features, so some are negative
%! M = nc_mlp_train (X, y, 'Hidden', [16 8], 'Epochs', 2, 'FeatureLayer', 'linear', ...
%!                   'Verbose', false, 'Features', true);
%! assert (M.feature_layer, 'linear');
%! H = double (M.weights{2}) * max (double (M.weights{1}) * X + double (M.biases{1}), 0) ...
%!     + double (M.biases{2});
%! assert (double (M.H), H, 1e-5 * max (abs (H(:))));
%! assert (any (H(:) < 0));

%!test  % schedules, warm start and sparse records
%! o = {'Hidden', 8, 'Epochs', 7, 'Verbose', false};
%! M = nc_mlp_train (X, y, o{:}, 'DropAt', [2 5], 'LrDrop', 0.5, 'HistoryEvery', 3);
%! assert (M.history.lr, 0.01 * [1 1 0.5 0.5 0.5 0.25 0.25], eps);
%! assert (M.history.epoch, [1 3 6 7]); assert (size (M.history.Zbar, 3), 4);
%! assert (numel (M.history.seconds), 7);
%! M = nc_mlp_train (X, y, o{:}, 'Schedule', 'cosine', 'LrDrop', 0.01, 'DropAt', []);
%! assert (M.history.lr, 0.01 * (0.01 + 0.99 * (1 + cos (pi * (0:6) / 6)) / 2), 1e-15);
%! A = nc_mlp_train (X, y, o{:}, 'Epochs', 2, 'WarmStart', [1 10], 'LambdaW', 0.02, 'LambdaH', 0.004);
%! B = nc_mlp_train (X, y, o{:}, 'Epochs', 2, 'LambdaW', 0.002, 'LambdaH', 0.0004);
%! assert (A.history.Zbar(:, :, 1), B.history.Zbar(:, :, 1));
%! assert (~ isequal (A.history.Zbar(:, :, 2), B.history.Zbar(:, :, 2)));
%! % a ramp of 1 epoch: the first epoch after the warm phase divides by sqrt (10)
%! A = nc_mlp_train (X, y, o{:}, 'Epochs', 1, 'WarmStart', [0 10 1], 'LambdaW', 0.02, 'LambdaH', 0.004);
%! B = nc_mlp_train (X, y, o{:}, 'Epochs', 1, 'LambdaW', 0.02 / sqrt (10), 'LambdaH', 0.004 / sqrt (10));
%! assert (A.history.Zbar, B.history.Zbar, 1e-6 * norm (B.history.Zbar(:), Inf));

%!test  % Init: a model carries every parameter and statistic into a new run
%! rand ('seed', 3);
%! Xi = rand (64, 40); yi = 1 + mod (0:39, 3);
%! o = {'Conv', 2, 'Hidden', [6 5], 'BatchNorm', true, 'Epochs', 2, 'BatchSize', 8, 'Verbose', false};
%! A = nc_mlp_train (Xi, yi, o{:});
%! B = nc_mlp_train (Xi, yi, 'Init', A, 'Epochs', 1, 'LearningRate', 1e-30, 'BNMomentum', 0, ...
%!                   'Verbose', false);
%! f = {'weights', 'biases', 'scales', 'running_mean', 'running_var', 'conv_filters', ...
%!      'conv_biases', 'conv_scales', 'conv_running_mean', 'conv_running_var'};
%! for i = 1:numel (f)
%!   assert (B.(f{i}), A.(f{i}));
%! end
%! assert (B.hidden, [6 5]); assert (B.batch_norm);
%! C = nc_mlp_train (Xi, yi, 'Init', A, 'Epochs', 2, 'BatchSize', 8, 'Verbose', false);
%! assert (~ isequal (C.W, A.W));
%! try
%!   nc_mlp_train (Xi(1:16, :), yi, 'Init', A, 'Verbose', false); error ('no error');
%! catch err
%!   assert (err.identifier, 'ncufm:badInit');
%! end

%!error <nc_mlp_train: Init must be a model> nc_mlp_train (ones (2), [1 2], 'Init', 3)
%!error <nc_mlp_train: Init has no field 'hidden'> nc_mlp_train (ones (2), [1 2], 'Init', struct ('a', 1))

%!test  % a seed fixes the run; single input equals double input of the same values
%! o = {'Hidden', 8, 'Epochs', 2, 'Verbose', false, 'Seed', 3};
%! A = nc_mlp_train (single (X), y, o{:});
%! B = nc_mlp_train (double (single (X)), y, o{:});
%! assert (A.weights, B.weights);
%! C = nc_mlp_train (single (X), y, o{1:end-1}, 4);
%! assert (~ isequal (A.W, C.W));
%! D = nc_mlp_train (single (X), y, o{1:end-1}, 2^32 - 1);
%! assert (D.epochs_done, 2);

%!test  % checkpoint: refused for another run, resumed for the same one
%! % (a run cut in the middle and resumed is checked in tests/c/test_mlp.c)
%! f = [tempname() '.ckpt'];
%! o = {'Hidden', 8, 'Epochs', 4, 'DropAt', 1, 'LearningRate', 0.05, 'Verbose', false, ...
%!      'BatchNorm', true, 'WarmStart', 1};
%! full = nc_mlp_train (X, y, o{:});
%! nc_mlp_train (X, y, o{:}, 'Seed', 7, 'Checkpoint', f);
%! refused = 0;
%! try
%!   nc_mlp_train (X, y, o{:}, 'Checkpoint', f);
%! catch err
%!   refused = refused + strcmp (err.identifier, 'ncufm:badCheckpoint');
%! end
%! try
%!   nc_mlp_train (X, y, o{:}, 'Seed', 7, 'DecayOn', 'all', 'Checkpoint', f);
%! catch err
%!   refused = refused + strcmp (err.identifier, 'ncufm:badCheckpoint');
%! end
%! delete (f);
%! first = nc_mlp_train (X, y, o{:}, 'Checkpoint', f);
%! again = nc_mlp_train (X, y, o{:}, 'Checkpoint', f);
%! delete (f);
%! assert (refused, 2);
%! assert (first.resumed_from, 0); assert (first.W, full.W);
%! assert (again.resumed_from, 4); assert (again.weights, full.weights);
%! assert (again.running_var, full.running_var);
%! assert (again.history.Zbar, full.history.Zbar);

%!error <nc_mlp_train: ImageSize 6 x 8> nc_mlp_train (rand (48, 4), [1 2 1 2], 'Conv', [2 3], 'ImageSize', [6 8], 'Verbose', false)
%!error <nc_mlp_train: X has 48 rows, not a square image> nc_mlp_train (rand (48, 4), [1 2 1 2], 'Conv', 2, 'Verbose', false)
%!error <nc_mlp_train: Conv must be positive> nc_mlp_train (rand (16, 4), [1 2 1 2], 'Conv', [2 0])

%!test
%! rand ('seed', 3);
%! Xi = rand (96, 40); yi = 1 + mod (0:39, 3);        % 8 x 12 images, 3 classes
%! M = nc_mlp_train (Xi, yi, 'Conv', [2 3], 'ImageSize', [8 12], 'Hidden', 5, ...
%!                   'Epochs', 2, 'BatchSize', 8, 'Verbose', false, 'Features', true);
%! assert (M.conv, [2 3]); assert (size (M.conv_filters{2}), [3 3 2 3]);
%! relu = @(v) max (v, 0);
%! pool = @(A) max (max (A(1:2:end, 1:2:end, :), A(2:2:end, 1:2:end, :)), ...
%!                  max (A(1:2:end, 2:2:end, :), A(2:2:end, 2:2:end, :)));
%! H = zeros (5, 40);
%! for j = 1:40
%!   I = reshape (Xi(:, j), 12, 8)';                  % row by row
%!   for c = 1:2
%!     f = double (M.conv_filters{c}); [~, ~, cin, co] = size (f);
%!     O = zeros (rows (I), columns (I), co);
%!     for o = 1:co
%!       O(:, :, o) = double (M.conv_biases{c}(o));
%!       for ci = 1:cin
%!         O(:, :, o) = O(:, :, o) + conv2 (I(:, :, ci), rot90 (f(:, :, ci, o), 2), 'same');
%!       end
%!     end
%!     I = pool (relu (O));
%!   end
%!   v = reshape (permute (I, [3 2 1]), [], 1);       % channels innermost, then pixels row by row
%!   H(:, j) = relu (double (M.weights{1}) * v + double (M.biases{1}));
%! end
%! assert (double (M.H), H, 1e-5 * max (abs (H(:))));

%!error <nc_mlp_train: X must not contain NaN> nc_mlp_train ([1 NaN; 1 1], [1 2])
%!error <nc_mlp_train: X must be finite> nc_mlp_train (single ([1 Inf; 1 1]), [1 2])
%!error <nc_mlp_train: X must be real, not complex> nc_mlp_train ([1 1i; 1 1], [1 2])
%!error <nc_mlp_train: X must be a full matrix> nc_mlp_train (sparse ([1 0; 1 1]), [1 2])
%!error <nc_mlp_train: Y must have 2 elements> nc_mlp_train (ones (2), [1 2 1])
%!error <nc_mlp_train: Y must hold whole numbers> nc_mlp_train (ones (2), [1 1.5])
%!error <nc_mlp_train: Y must hold at least 2 classes> nc_mlp_train (ones (2), [1 1])
%!error <nc_mlp_train: class 2 has no sample> nc_mlp_train (ones (2), [1 3], 'Verbose', false)
%!error <nc_mlp_train: Hidden must be positive> nc_mlp_train (ones (2), [1 2], 'Hidden', [4 0])
%!error <nc_mlp_train: Hidden lists 9 entries> nc_mlp_train (ones (2), [1 2], 'Hidden', ones (1, 9))
%!error <nc_mlp_train: Epochs must be positive> nc_mlp_train (ones (2), [1 2], 'Epochs', 0)
%!error <nc_mlp_train: LambdaH must be nonnegative> nc_mlp_train (ones (2), [1 2], 'LambdaH', -1)
%!error <nc_mlp_train: TestX and TestY go together> nc_mlp_train (ones (2), [1 2], 'TestX', ones (2))
%!error <nc_mlp_train: TestX must have 2 rows> nc_mlp_train (ones (2), [1 2], 'TestX', ones (3), 'TestY', [1 2 1])
%!error <nc_mlp_train: TestY has label 3> nc_mlp_train (ones (2), [1 2], 'TestX', ones (2), 'TestY', [1 3])
%!error <nc_mlp_train: unknown option 'Layers'> nc_mlp_train (ones (2), [1 2], 'Layers', 3)
%!error <nc_mlp_train: cannot write checkpoint /nonexistent/dir/x.ckpt.tmp> nc_mlp_train (ones (2), [1 2], 'Checkpoint', '/nonexistent/dir/x.ckpt')
%!error <nc_mlp_train: Seed = 1e\+300 is too large> nc_mlp_train (ones (2), [1 2], 'Seed', 1e300)
%!error <nc_mlp_train: Seed = 4.29497e\+09 is too large> nc_mlp_train (ones (2), [1 2], 'Seed', 2^32)
%!error <nc_mlp_train: Seed must be nonnegative> nc_mlp_train (ones (2), [1 2], 'Seed', -1)
%!error <nc_mlp_train: DropAt must list increasing epochs> nc_mlp_train (ones (2), [1 2], 'DropAt', [3 2], 'Verbose', false)
%!error <nc_mlp_train: DecayOn must be one of> nc_mlp_train (ones (2), [1 2], 'DecayOn', 'some')
%!error <nc_mlp_train: FeatureLayer must be one of> nc_mlp_train (ones (2), [1 2], 'FeatureLayer', 'tanh')
%!error <nc_mlp_train: WarmStart must be> nc_mlp_train (ones (2), [1 2], 'WarmStart', [1 0])
%!error <nc_mlp_train: WarmStart must be> nc_mlp_train (ones (2), [1 2], 'WarmStart', 1.5)
%!error <nc_mlp_train: WarmStart must be> nc_mlp_train (ones (2), [1 2], 'WarmStart', [1 10 0.5])
%!error <nc_mlp_train: WarmStart must be> nc_mlp_train (ones (2), [1 2], 'WarmStart', [1 10 2 3])
%!error <nc_mlp_train: HistoryEvery must be positive> nc_mlp_train (ones (2), [1 2], 'HistoryEvery', 0)
%!error <nc_mlp_train: Checkpoint must be a character string> nc_mlp_train (ones (2), [1 2], 'Checkpoint', 3)
%!error <needs at least 2> nc_mlp_train (ones (2))

%!demo
%! [X, y] = nc_fmnist ('train'); [Xt, yt] = nc_fmnist ('test');
%! idx = nc_subset (y, 'Dataset_1', 1, 'Scale', 0.05);
%! M = nc_mlp_train (X(:, idx), y(idx), 'Hidden', [512 512], 'BatchNorm', true, ...
%!                   'Epochs', 12, 'TestX', Xt, 'TestY', yt);
%! subplot (1, 2, 1); semilogy (M.history.epoch, M.history.nc1); xlabel ('epoch'); ylabel ('NC1');
%! subplot (1, 2, 2); imagesc (M.history.Zbar(:, :, end)); axis image; title ('Zbar');
