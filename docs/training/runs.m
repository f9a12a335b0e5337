% SPDX-License-Identifier: GPL-3.0-or-later
function runs (out, which)
% runs (OUT, WHICH)
%
% Trains every network of the tables of docs/training.md, one train_run
% each (results in folder OUT, created if missing; a run already there is
% skipped).  WHICH (default 'all') selects a group:
%   'fig1'     Dataset_1 x 0.1 at Figure 1's weights: recipes, schedules,
%              widths, batch sizes, feature layers (28 runs);
%   'scale'    Dataset_2 x 0.1 and full-size Dataset_1 (2 runs);
%   'minority' Figures 5-8's weights (46 runs, among them two continuations
%              with 'Init').
% Every run is seeded: subset seed 1, network seed 0 (train_run).
%
% Time on the 2-core build machine, shared with other jobs (training alone,
% as measured; one BLAS thread): 'fig1' about 60 min, 'scale' 5 min,
% 'minority' 43 min, 6460 s for all 76 runs; the first run at each new
% weight set adds about 1.5 min for its non-negative optimum (relu_ufm).
% Then tables (OUT) prints the tables.
  if (nargin < 2)
    which = 'all';
  end
  if (~ exist (out, 'dir'))
    mkdir (out);
  end
  if (any (strcmp (which, {'all', 'fig1'})))
    fig1 (out);
  end
  if (any (strcmp (which, {'all', 'scale'})))
    scale (out);
  end
  if (any (strcmp (which, {'all', 'minority'})))
    minority (out);
  end
end

function fig1 (out)
% Dataset_1 x 0.1 (N = 4100) at lW = 1e-3, lH = 1e-6, lb = 0.01
  d1 = round ([5000 5000 5000 5000 4000 4000 4000 3000 3000 3000] * 0.1);
  k1 = [4 3 3];
  w = {out, d1, 1e-3, 1e-6, 0.01, k1};
  c = {'Hidden', [512 512], 'Epochs', 300, 'HistoryEvery', 10};
  bnf = {'BatchNorm', true, 'BNFeatures', true};   % the feature layer normalised too
  bn = {'BatchNorm', true};
  % batch 128
  train_run (w{1}, 'd1s01_authors', w{2:end}, c{:}, 'DecayOn', 'all', 'DropAt', 100);
  train_run (w{1}, 'd1s01_authors_bn', w{2:end}, c{:}, 'DecayOn', 'all', 'DropAt', 100, bnf{:});
  train_run (w{1}, 'd1s01_bn_hid_d200', w{2:end}, c{:}, 'DropAt', 200, bnf{:});
  train_run (w{1}, 'd1s01_bn_wd0_d200', w{2:end}, c{:}, 'DropAt', 200, bnf{:}, 'WeightDecay', 0);
  train_run (w{1}, 'd1s01_bn_lr05_d200', w{2:end}, c{:}, 'DropAt', 200, bnf{:}, 'LearningRate', 0.05);
  train_run (w{1}, 'd1s01_bn_lr1_cos', w{2:end}, c{:}, 'Schedule', 'cosine', bnf{:}, ...
             'LearningRate', 0.1, 'LrDrop', 0.01);
  train_run (w{1}, 'd1s01_bn_hid_d200_lin', w{2:end}, c{:}, 'DropAt', 200, bnf{:}, 'FeatureLayer', 'linear');
  train_run (w{1}, 'd1s01_nobn_hid_d200', w{2:end}, c{:}, 'DropAt', 200);
  train_run (w{1}, 'd1s01_bnh_d200', w{2:end}, c{:}, 'DropAt', 200, bn{:});
  train_run (w{1}, 'd1s01_bnh_d200_lin', w{2:end}, c{:}, 'DropAt', 200, bn{:}, 'FeatureLayer', 'linear');
  train_run (w{1}, 'd1s01_nobn_d200_lin', w{2:end}, c{:}, 'DropAt', 200, 'FeatureLayer', 'linear');
  train_run (w{1}, 'd1s01_bnh_d200_lr05', w{2:end}, c{:}, 'DropAt', 200, bn{:}, 'LearningRate', 0.05);
  train_run (w{1}, 'd1s01_bnh_w1024_e300_d200', w{2:end}, 'Hidden', [1024 1024], 'Epochs', 300, ...
             'DropAt', 200, 'HistoryEvery', 10, bn{:});
  train_run (w{1}, 'd1s01_bnh_e1000_d667', w{2:end}, 'Hidden', [512 512], 'Epochs', 1000, ...
             'DropAt', 667, 'HistoryEvery', 20, bn{:});
  % batch 16 and 32
  c = {'Hidden', [512 512], 'HistoryEvery', 10};
  train_run (w{1}, 'd1s01_bnh_b16_e300_d200', w{2:end}, c{:}, 'Epochs', 300, 'DropAt', 200, 'BatchSize', 16, bn{:});
  train_run (w{1}, 'd1s01_bnh_b32_e300_d200', w{2:end}, c{:}, 'Epochs', 300, 'DropAt', 200, 'BatchSize', 32, bn{:});
  train_run (w{1}, 'd1s01_bnh_b32_e600_d400', w{2:end}, c{:}, 'Epochs', 600, 'DropAt', 400, 'BatchSize', 32, bn{:});
  train_run (w{1}, 'd1s01_bnh_b32_e300_d200_lin', w{2:end}, c{:}, 'Epochs', 300, 'DropAt', 200, ...
             'BatchSize', 32, bn{:}, 'FeatureLayer', 'linear');
  train_run (w{1}, 'd1s01_nobn_b32_e300_d200', w{2:end}, c{:}, 'Epochs', 300, 'DropAt', 200, 'BatchSize', 32);
  train_run (w{1}, 'd1s01_bnh_b32_e300_d200_w256', w{2:end}, 'Hidden', [256 256], 'HistoryEvery', 10, ...
             'Epochs', 300, 'DropAt', 200, 'BatchSize', 32, bn{:});
  train_run (w{1}, 'd1s01_bnh_b32_e300_d200_all', w{2:end}, c{:}, 'Epochs', 300, 'DropAt', 200, ...
             'BatchSize', 32, bn{:}, 'DecayOn', 'all');
  c = {'Hidden', [512 512], 'HistoryEvery', 10, 'BatchSize', 32, 'BatchNorm', true};
  cosine = {'Schedule', 'cosine', 'LrDrop', 0.01};
  train_run (w{1}, 'd1s01_b32_cos', w{2:end}, c{:}, 'Epochs', 300, cosine{:});
  train_run (w{1}, 'd1s01_b32_d100', w{2:end}, c{:}, 'Epochs', 300, 'DropAt', 100);
  train_run (w{1}, 'd1s01_b32_d150_250', w{2:end}, c{:}, 'Epochs', 300, 'DropAt', [150 250]);
  train_run (w{1}, 'd1s01_b32_lr02_d200', w{2:end}, c{:}, 'Epochs', 300, 'DropAt', 200, 'LearningRate', 0.02);
  train_run (w{1}, 'd1s01_b32_cos_lr03', w{2:end}, c{:}, 'Epochs', 300, cosine{:}, 'LearningRate', 0.03);
  train_run (w{1}, 'd1s01_b32_cos_lin', w{2:end}, c{:}, 'Epochs', 300, cosine{:}, 'FeatureLayer', 'linear');
  train_run (w{1}, 'd1s01_b32_cos_e600', w{2:end}, c{:}, 'Epochs', 600, cosine{:});
end

function scale (out)
  D1 = [5000 5000 5000 5000 4000 4000 4000 3000 3000 3000];
  D2 = [5000 5000 5000 5000 3000 3000 1000 1000 1000 1000];
  train_run (out, 'd2s01_bnh_b32_e300_d200', round (D2 * 0.1), 1e-3, 1e-6, 0.01, [4 2 4], ...
             'Hidden', [512 512], 'HistoryEvery', 10, 'Epochs', 300, 'DropAt', 200, ...
             'BatchSize', 32, 'BatchNorm', true);
  train_run (out, 'd1s1_bnh_e30_d20', D1, 1e-3, 1e-6, 0.01, [4 3 3], 'Hidden', [512 512], ...
             'Epochs', 30, 'DropAt', 20, 'BatchNorm', true);
end

function minority (out)
% Figures 5-8: lW = 5 lZ, lH = lZ / 20, lb = 0.01, no weight decay, the
% authors' warm start (E/6 epochs at lW, lH / 10) and drop at 2E/3
  lb = 0.01;
  n5 = [500 500 500 500 500 100 100 100 100 100];
  n6 = [500 500 500 100 100 100 100 100 100 100];
  base = @(E, H) {'Hidden', H, 'Epochs', E, 'HistoryEvery', 10 + 10 * (E > 300), ...
                  'WeightDecay', 0, 'WarmStart', [round(E / 6) 10], 'DropAt', round (2 * E / 3)};
  bn = {'BatchNorm', true};
  b = base (300, [512 512]);
  for lZ = [0.0027 0.0045]
    tag = sprintf ('f5_l%04d', round (lZ * 1e4));
    train_run (out, [tag '_authors'], n5, 5 * lZ, lZ / 20, lb, [5 5], b{:});
    train_run (out, [tag '_bn'], n5, 5 * lZ, lZ / 20, lb, [5 5], b{:}, bn{:});
    train_run (out, [tag '_bn_lin'], n5, 5 * lZ, lZ / 20, lb, [5 5], b{:}, bn{:}, 'FeatureLayer', 'linear');
    train_run (out, [tag '_lin'], n5, 5 * lZ, lZ / 20, lb, [5 5], b{:}, 'FeatureLayer', 'linear');
    train_run (out, [tag '_bn_b32'], n5, 5 * lZ, lZ / 20, lb, [5 5], b{:}, bn{:}, 'BatchSize', 32);
  end
  lZ = 0.0063;
  train_run (out, 'f5_l0063_bn', n5, 5 * lZ, lZ / 20, lb, [5 5], b{:}, bn{:});
  for nA = [200 400 800]    % Figure 7: lZ = 0.005
    train_run (out, sprintf ('f7_n%d_bn', nA), [nA nA nA nA nA 100 100 100 100 100], 0.025, ...
               0.00025, lb, [5 5], b{:}, bn{:});
  end
  % shorter budgets, and a sweep continued from its neighbour ('Init')
  for E = [100 150]
    for lZ = [0.0027 0.0045]
      tag = sprintf ('f5_l%04d_bn_e%d', round (lZ * 1e4), E);
      b = base (E, [512 512]);
      train_run (out, tag, n5, 5 * lZ, lZ / 20, lb, [5 5], b{:}, bn{:});
      b = base (E, [256 256]);
      train_run (out, [tag '_w256'], n5, 5 * lZ, lZ / 20, lb, [5 5], b{:}, bn{:});
    end
  end
  cont = {'Epochs', 50, 'HistoryEvery', 5, 'WeightDecay', 0, 'DropAt', 33};
  b = base (150, [512 512]);
  A = train_run (out, 'f5_l0027_bn_e150', n5, 0.0135, 0.000135, lb, [5 5], b{:}, bn{:});
  train_run (out, 'f5_l0045_cont50', n5, 0.0225, 0.000225, lb, [5 5], 'Init', A.model, cont{:});
  b = base (150, [256 256]);
  B = train_run (out, 'f5_l0027_bn_e150_w256', n5, 0.0135, 0.000135, lb, [5 5], b{:}, bn{:});
  train_run (out, 'f5_l0045_cont50_w256', n5, 0.0225, 0.000225, lb, [5 5], 'Init', B.model, cont{:});
  % 256 wide across Figures 5-8
  b = [base(300, [256 256]), bn];
  for lZ = [0.0027 0.0030 0.0033 0.0039 0.0045 0.0063]
    train_run (out, sprintf ('f5_l%04d_w256', round (lZ * 1e4)), n5, 5 * lZ, lZ / 20, lb, [5 5], b{:});
  end
  for lZ = [0.0041 0.0045 0.0053]
    train_run (out, sprintf ('f6_l%04d_w256', round (lZ * 1e4)), n6, 5 * lZ, lZ / 20, lb, [3 7], b{:});
  end
  for nA = [200 300 400 600]
    train_run (out, sprintf ('f7_n%d_w256', nA), [nA nA nA nA nA 100 100 100 100 100], 0.025, ...
               0.00025, lb, [5 5], b{:});
  end
  for nA = [400 450 500]
    train_run (out, sprintf ('f8_n%d_w256', nA), [nA nA nA 100 100 100 100 100 100 100], 0.025, ...
               0.00025, lb, [3 7], b{:});
  end
  % 1000 epochs
  b = [base(1000, [512 512]), bn];
  train_run (out, 'f5_l0045_bn_e1000', n5, 0.0225, 0.000225, lb, [5 5], b{:});
  train_run (out, 'f5_l0045_bn_lin_e1000', n5, 0.0225, 0.000225, lb, [5 5], b{:}, 'FeatureLayer', 'linear');
  train_run (out, 'f5_l0033_e1000', n5, 0.0165, 0.000165, lb, [5 5], b{:});
  train_run (out, 'f6_l0045_e1000', n6, 0.0225, 0.000225, lb, [3 7], b{:});
  train_run (out, 'f7_n800_e1000', [800 800 800 800 800 100 100 100 100 100], 0.025, 0.00025, lb, [5 5], b{:});
  train_run (out, 'f8_n450_e1000', [450 450 450 100 100 100 100 100 100 100], 0.025, 0.00025, lb, [3 7], b{:});
end
