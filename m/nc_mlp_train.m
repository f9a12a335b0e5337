% SPDX-License-Identifier: GPL-3.0-or-later

function M = nc_mlp_train (varargin)
%NC_MLP_TRAIN  Train a ReLU network with the UFM regularisation on its last layer.
%   M = NC_MLP_TRAIN(X, Y)
%   M = NC_MLP_TRAIN(X, Y, NAME, VALUE, ...)
%
%   X is p x N (single or double, finite; columns are samples) and
%   Y holds labels 1..K, K = max (Y) >= 2, every class present.
%   The network is h = relu (W_L relu (... relu (W_1 x + b_1))),
%   logits W h + b: the output h of the last hidden layer is the
%   feature vector of the unconstrained feature model (docs/theory.md section 7).
%
%   Training is mini-batch SGD with momentum (PyTorch's rule
%   v = mu v + g; theta -= lr v), batches drawn by a seeded shuffle
%   every epoch, the authors' schedule (lr, then lr * LrDrop from epoch
%   DropAt + 1 on), and per batch of B samples the objective
%       (1/B) sum CE(W h_j + b, y_j) + lambda_W ||W||_F^2
%        + lambda_H (N/B) sum_j ||h_j||^2 + lambda_b ||b||^2
%        + (WeightDecay/2) (||W_1||^2 + ||b_1||^2 + ... + ||W_L||^2 + ||b_L||^2)
%   The feature term scaled by N/B is an unbiased estimate of the UFM's
%   lambda_H ||H||_F^2 summed over all N samples; so the last layer
%   is regularised exactly as in the UFM of docs/theory.md section 1
%   (convex equivalent with lambda_Z = nc_lambda (lambda_W, lambda_H)).
%   The weight decay on the hidden layers adds WeightDecay * theta to their
%   gradients, as PyTorch's SGD does.  Initialisation: Kaiming normal on the
%   ReLU layers, uniform +-1/sqrt(d) on W, zero biases.
%
%   Options (name/value, case-insensitive):
%     Hidden
%       widths of the hidden layers (default [256 128]; at most 8 layers).
%     Epochs
%       default 30.
%     BatchSize
%       default 128.
%     LearningRate
%       default 0.01.
%     LrDrop
%       factor applied to the rate after DropAt epochs (default 0.1).
%     DropAt
%       epochs at the first rate (default floor (Epochs/3)).
%     Momentum
%       default 0.9.
%     LambdaW, LambdaH, LambdaB
%       the UFM weights (defaults 1e-3, 1e-6, 1e-2: docs/theory.md section 7, Figure 1).
%     WeightDecay
%       on the hidden and conv layers (default 5e-4).
%     Seed
%       initialisation and shuffling (default 0).
%     Verbose
%       a progress line per epoch with the time left (default true).
%     Checkpoint
%       a file name: the state is saved there after every CheckpointEvery epochs
%       (written to a temporary file, then renamed), and a later call with the
%       same data and options resumes from it and ends exactly as an
%       uninterrupted run would.  A checkpoint written with other data or
%       options is refused (ncufm:badCheckpoint).
%     CheckpointEvery
%       default 1.
%     TestX, TestY
%       a test set: its accuracy is recorded per epoch.
%     Features
%       if true, M.H holds the final features of X (d x N).
%     Conv
%       channel counts of an optional convolutional front end (default []: a
%       plain MLP).  Each conv layer applies 3 x 3 filters (zero padding 1,
%       stride 1, cross-correlation as in PyTorch), ReLU, then 2 x 2 max
%       pooling; the pooled maps of the last one (flattened with the channels
%       innermost, then pixels row by row) feed the dense layers.  The input is
%       one channel; its columns are images read row by row, as from
%       nc_fmnist.  Example: "Conv", [16 32], "Hidden", 128.
%     ImageSize
%       [rows cols] of the input images (default: square, sqrt (p)); both must
%       be divisible by 2^numel(Conv).
%
%   Output fields of M: W (K x d), b (K x 1),
%   weights and biases (cells of all layers, the classifier
%   last), hidden, conv (channel counts), conv_filters
%   (cell of 3 x 3 x cin x cout arrays, kernel rows first) and
%   conv_biases, epochs_done, resumed_from (epochs read
%   from the checkpoint), interrupted (Ctrl-C stops after the current
%   batch and returns the state reached with this flag set; the history then
%   covers the completed epochs), and history with one entry per
%   epoch: epoch, loss (the UFM objective of the last layer
%   over all N samples:
%   mean CE + lambda_W |W|^2 + lambda_H |H|^2 + lambda_b |b|^2),
%   ce, accuracy, test_accuracy (NaN without a test
%   set), nc1 (sample-weighted tr(Sigma_W Sigma_B^+)/K),
%   lr, seconds (the training pass, excluding the evaluation),
%   Zbar (K x K x epochs: W times the class means of h, the mean
%   prediction matrix to set beside nc_solve's) and b
%   (K x epochs).
%
%   Errors: ncufm:badData (X), ncufm:badLabels (labels not
%   whole numbers >= 1, fewer than 2 classes, a class without samples),
%   ncufm:badHidden, ncufm:badConv, ncufm:badLambda,
%   ncufm:badOption, ncufm:badCheckpoint,
%   ncufm:checkpointWrite, ncufm:diverged (non-finite loss: lower
%   LearningRate).
%
%       [X, y] = nc_fmnist ('train');
%       idx = nc_subset (y, 'Dataset_1', 1, 'Scale', 0.1);
%       M = nc_mlp_train (X(:, idx), y(idx), 'Epochs', 30, 'Checkpoint', 'd1.ckpt');
%       semilogy (M.history.nc1)
%
%   See also: nc_fmnist, nc_subset, nc_solve, nc_metrics
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
%! assert (size (M.weights{1}), [16 6]); assert (M.weights{3}, M.W); assert (M.biases{3}, M.b);
%! assert (M.history.lr, [0.05 0.05 0.005 0.005 0.005 0.005], eps);
%! assert (M.history.accuracy(end) > 0.95);
%! % the records, recomputed from the weights
%! relu = @(v) max (v, 0);
%! H = relu (M.weights{2} * relu (M.weights{1} * X + M.biases{1}) + M.biases{2});
%! assert (M.H, H, 1e-12);
%! Z = M.W * H + M.b;
%! ce = -Z(sub2ind (size (Z), y, 1:300)) + log (sum (exp (Z), 1));
%! [~, pred] = max (Z, [], 1);
%! assert (M.history.ce(end), mean (ce), 1e-12);
%! assert (M.history.accuracy(end), mean (pred == y));
%! loss = mean (ce) + 1e-3 * sumsq (M.W(:)) + 1e-6 * sumsq (H(:)) + 1e-2 * sumsq (M.b);
%! assert (M.history.loss(end), loss, 1e-12);
%! means = [mean(H(:, y == 1), 2), mean(H(:, y == 2), 2), mean(H(:, y == 3), 2)];
%! assert (M.history.Zbar(:, :, end), M.W * means, 1e-12);
%! assert (M.history.b(:, end), M.b);

%!test  % a seed fixes the run; single input equals double input of the same values
%! o = {'Hidden', 8, 'Epochs', 2, 'Verbose', false, 'Seed', 3};
%! A = nc_mlp_train (single (X), y, o{:});
%! B = nc_mlp_train (double (single (X)), y, o{:});
%! assert (A.weights, B.weights);
%! C = nc_mlp_train (single (X), y, o{1:end-1}, 4);
%! assert (~ isequal (A.W, C.W));

%!test  % checkpoint: refused for another run, resumed for the same one
%! % (a run cut in the middle and resumed is checked in tests/c/test_train.c)
%! f = [tempname() '.ckpt'];
%! unwind_protect
%!   o = {'Hidden', 8, 'Epochs', 4, 'DropAt', 1, 'LearningRate', 0.05, 'Verbose', false};
%!   full = nc_mlp_train (X, y, o{:});
%!   nc_mlp_train (X, y, o{:}, 'Seed', 7, 'Checkpoint', f);
%!   try
%!     nc_mlp_train (X, y, o{:}, 'Checkpoint', f); error ('no error');
%!   catch err
%!     assert (err.identifier, 'ncufm:badCheckpoint');
%!   end
%!   delete (f);
%!   first = nc_mlp_train (X, y, o{:}, 'Checkpoint', f);
%!   assert (first.resumed_from, 0); assert (first.W, full.W);
%!   again = nc_mlp_train (X, y, o{:}, 'Checkpoint', f);
%!   assert (again.resumed_from, 4); assert (again.weights, full.weights);
%!   assert (again.history.Zbar, full.history.Zbar);
%! unwind_protect_cleanup
%!   if (exist (f, 'file')) delete (f); end
%! end_unwind_protect

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
%!     f = M.conv_filters{c}; [~, ~, cin, co] = size (f);
%!     O = zeros (rows (I), columns (I), co);
%!     for o = 1:co
%!       O(:, :, o) = M.conv_biases{c}(o);
%!       for ci = 1:cin
%!         O(:, :, o) = O(:, :, o) + conv2 (I(:, :, ci), rot90 (f(:, :, ci, o), 2), 'same');
%!       end
%!     end
%!     I = pool (relu (O));
%!   end
%!   v = reshape (permute (I, [3 2 1]), [], 1);       % channels innermost, then pixels row by row
%!   H(:, j) = relu (M.weights{1} * v + M.biases{1});
%! end
%! assert (M.H, H, 1e-12);

%!error <nc_mlp_train: X must not contain NaN> nc_mlp_train ([1 NaN; 1 1], [1 2])
%!error <nc_mlp_train: X must be finite> nc_mlp_train (single ([1 Inf; 1 1]), [1 2])
%!error <nc_mlp_train: X must be real, not complex> nc_mlp_train ([1 1i; 1 1], [1 2])
%!error <nc_mlp_train: X must be a full matrix> nc_mlp_train (sparse ([1 0; 1 1]), [1 2])
%!error <nc_mlp_train: Y must have 2 elements> nc_mlp_train (ones (2), [1 2 1])
%!error <nc_mlp_train: Y must hold whole numbers> nc_mlp_train (ones (2), [1 1.5])
%!error <nc_mlp_train: Y must hold at least 2 classes> nc_mlp_train (ones (2), [1 1])
%!error <nc_mlp_train: class 2 has no sample> nc_mlp_train (ones (2), [1 3], 'Verbose', false)
%!error <nc_mlp_train: Hidden must be positive> nc_mlp_train (ones (2), [1 2], 'Hidden', [4 0])
%!error <nc_mlp_train: Hidden lists 9 layers> nc_mlp_train (ones (2), [1 2], 'Hidden', ones (1, 9))
%!error <nc_mlp_train: Epochs must be positive> nc_mlp_train (ones (2), [1 2], 'Epochs', 0)
%!error <nc_mlp_train: LambdaH must be nonnegative> nc_mlp_train (ones (2), [1 2], 'LambdaH', -1)
%!error <nc_mlp_train: TestX and TestY go together> nc_mlp_train (ones (2), [1 2], 'TestX', ones (2))
%!error <nc_mlp_train: TestX must have 2 rows> nc_mlp_train (ones (2), [1 2], 'TestX', ones (3), 'TestY', [1 2 1])
%!error <nc_mlp_train: TestY has label 3> nc_mlp_train (ones (2), [1 2], 'TestX', ones (2), 'TestY', [1 3])
%!error <nc_mlp_train: unknown option 'Layers'> nc_mlp_train (ones (2), [1 2], 'Layers', 3)
%!error <nc_mlp_train: cannot write checkpoint /nonexistent/dir/x.ckpt.tmp> nc_mlp_train (ones (2), [1 2], 'Checkpoint', '/nonexistent/dir/x.ckpt')
%!error <nc_mlp_train: Checkpoint must be a character string> nc_mlp_train (ones (2), [1 2], 'Checkpoint', 3)
%!error <needs at least 2> nc_mlp_train (ones (2))

%!demo
%! [X, y] = nc_fmnist ('train'); [Xt, yt] = nc_fmnist ('test');
%! idx = nc_subset (y, 'Dataset_1', 1, 'Scale', 0.05);
%! M = nc_mlp_train (X(:, idx), y(idx), 'Epochs', 12, 'TestX', Xt, 'TestY', yt);
%! subplot (1, 2, 1); semilogy (M.history.nc1); xlabel ('epoch'); ylabel ('NC1');
%! subplot (1, 2, 2); imagesc (M.history.Zbar(:, :, end)); axis image; title ('Zbar');
