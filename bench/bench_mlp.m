% SPDX-License-Identifier: GPL-3.0-or-later

function bench_mlp ()
% Benchmark of nc_mlp_train's training pass (one epoch of mini-batch SGD in
% single precision), as a ratio against the SGEMM bound measured in this same
% run: the time of exactly the epoch's matrix products (the forward pass, the
% weight gradients and the back-propagation into every layer but the input,
% same shapes, same number of batches, single precision, the same BLAS)
% run back to back in Octave.  Everything else the trainer does (batch
% normalisation, ReLU, softmax, the SGD update, gathering the batch) is the
% overhead this ratio measures; the target is <= 1.3.  The machine is
% shared, so the two measurements are interleaved over several rounds and
% each keeps its minimum (the least disturbed run).
%
% Run from the repository root: make bench, or octave-cli bench/bench_mlp.m
% Environment: NCUFM_BENCH_SCALE (default 0.1) scales the Dataset_1 subset.
  root = fileparts (fileparts (mfilename ('fullpath')));
  addpath (fullfile (root, 'm'));
  nc_setup ();

  scale = str2double (getenv ('NCUFM_BENCH_SCALE'));
  if (isnan (scale))
    scale = 0.1;
  end
  try
    [X, y] = nc_fmnist ('train');
    idx = nc_subset (y, 'Dataset_1', 1, 'Scale', scale);
    X = X(:, idx); y = y(idx);
    source = sprintf ('Fashion-MNIST Dataset_1 x %g', scale);
  catch err
    % Without the data set, random inputs of the same shape time the same work.
    N = round (41000 * scale);
    rand ('seed', 1);
    X = single (rand (784, N)); y = 1 + mod (0:N-1, 10);
    source = sprintf ('random data (%s)', err.message);
  end
  [p, N] = size (X);
  K = max (y);
  fprintf ('bench_mlp: %s, N = %d, single precision\n', source, N);
  % the recommended networks (docs/training.md): batch 32 for Figures 1-4, 128 for 5-8
  cases = {[512 512], true, 128; [512 512], true, 32; [512 512], false, 128; [256 256], true, 128; ...
           [1024 1024], true, 128};
  rounds = 3;
  for c = 1:size (cases, 1)
    hidden = cases{c, 1};
    batch = cases{c, 3};
    widths = [p, hidden, K];
    t_c = Inf; t_gemm = Inf;
    for r = 1:rounds
      M = nc_mlp_train (X, y, 'Hidden', hidden, 'BatchNorm', cases{c, 2}, 'Epochs', 2, ...
                        'BatchSize', batch, 'HistoryEvery', 10, 'Verbose', false);
      t_c = min ([t_c, M.history.seconds]);
      t_gemm = min (t_gemm, gemm_epoch (widths, N, batch));
    end
    fprintf ('bench_mlp: %-16s BN %d batch %3d: epoch %.3f s, SGEMM bound %.3f s (%.1f GFlop/s), ratio %.2f (target <= 1.3)\n', ...
             mat2str (widths), cases{c, 2}, batch, t_c, t_gemm, ...
             flops_per_sample (widths) * N / t_gemm / 1e9, t_c / t_gemm);
  end
end

% The epoch's products alone: per batch, A_{l+1} = W_l A_l, the weight
% gradients dZ_l A_l', and dA_l = W_l' dZ_l for every layer but the input.
function t = gemm_epoch (widths, N, batch)
  L = numel (widths) - 1;
  sizes = [repmat(batch, 1, floor (N / batch)), mod(N, batch)];
  sizes = sizes(sizes > 0);
  W = cell (1, L);
  for l = 1:L
    W{l} = single (randn (widths(l+1), widths(l)));
  end
  % operands for a full batch and for the last one, made before the clock starts
  shapes = unique (sizes);
  A = cell (numel (shapes), L + 1); D = A;
  for s = 1:numel (shapes)
    for l = 1:L+1
      A{s, l} = single (randn (widths(l), shapes(s)));
      D{s, l} = A{s, l};
    end
  end
  which = arrayfun (@(B) find (shapes == B), sizes);
  tic;
  for s = which
    for l = 1:L
      A{s, l+1} = W{l} * A{s, l};
    end
    for l = L:-1:1
      G = D{s, l+1} * A{s, l}';
      if (l > 1)
        D{s, l} = W{l}' * D{s, l+1};
      end
    end
  end
  t = toc;
end

function f = flops_per_sample (widths)
  f = 0;
  for l = 1:numel (widths) - 1
    f = f + 2 * widths(l) * widths(l+1) * (2 + (l > 1));
  end
end
