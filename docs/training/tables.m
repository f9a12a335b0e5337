% SPDX-License-Identifier: GPL-3.0-or-later
function tables (out)
% tables (OUT)
%
% Prints, as markdown, the tables of docs/training.md made from the runs
% saved in folder OUT by docs/training/runs.m (train_run's .mat files and
% their cached non-negative optima): the recipes at Figure 1's weights,
% the data-set sizes, the distance of the ReLU-UFM optimum from the UFM's,
% ReLU against linear feature layers, and Figures 5-8.  A run missing from
% OUT is reported as missing and left out.  The epoch-time table comes from
% bench/bench_mlp.m and the thresholds from docs/training/relu_checks.m.
%
% Columns: acc = training accuracy at the last epoch, "100% at" = the first
% recorded epoch at 100%, NC1 and every Zbar in evaluation mode over the
% training set; errZ = ||Zbar - Zs||_F / ||Zs||_F against nc_solve at the
% run's weights, "vs ReLU opt" the same against the non-negative-feature
% optimum (relu_ufm), errb the bias's; spread = nc_zbar_stats spread_rel
% of the minority cluster.  Time: a few seconds (nc_solve per run).
  fprintf ('\n<!-- recipes at Figure 1''s weights -->\n');
  header ({'settings', 'epochs', 'acc', '100% at', 'NC1', 'errZ', 'errb', 'vs ReLU opt'});
  B = 'BN: hidden layers; BN+F: the feature layer too';
  rows = {'d1s01_authors', 'batch 128, DecayOn all, drop at 100, no BN (the authors'')'; ...
          'd1s01_authors_bn', 'the same with BN+F'; ...
          'd1s01_nobn_hid_d200', 'batch 128, drop at 200, no BN'; ...
          'd1s01_bnh_d200', 'batch 128, drop at 200, BN'; ...
          'd1s01_bn_hid_d200', 'batch 128, drop at 200, BN+F'; ...
          'd1s01_bn_wd0_d200', 'batch 128, drop at 200, BN+F, WeightDecay 0'; ...
          'd1s01_bnh_d200_lr05', 'batch 128, drop at 200, BN, rate 0.05'; ...
          'd1s01_bn_lr05_d200', 'batch 128, drop at 200, BN+F, rate 0.05'; ...
          'd1s01_bn_lr1_cos', 'batch 128, cosine 0.1 to 1e-3, BN+F'; ...
          'd1s01_bnh_w1024_e300_d200', 'batch 128, drop at 200, BN, 1024 wide'; ...
          'd1s01_bnh_e1000_d667', 'batch 128, drop at 667, BN'; ...
          'd1s01_bnh_b16_e300_d200', 'batch 16, drop at 200, BN'; ...
          'd1s01_nobn_b32_e300_d200', 'batch 32, drop at 200, no BN'; ...
          'd1s01_bnh_b32_e300_d200', 'batch 32, drop at 200, BN'; ...
          'd1s01_b32_d100', 'batch 32, drop at 100, BN'; ...
          'd1s01_b32_d150_250', 'batch 32, drops at 150 and 250, BN'; ...
          'd1s01_b32_lr02_d200', 'batch 32, drop at 200, BN, rate 0.02'; ...
          'd1s01_b32_cos', 'batch 32, cosine 0.01 to 1e-4, BN'; ...
          'd1s01_b32_cos_lr03', 'batch 32, cosine 0.03 to 3e-4, BN'; ...
          'd1s01_bnh_b32_e300_d200_w256', 'batch 32, drop at 200, BN, 256 wide'; ...
          'd1s01_bnh_b32_e300_d200_all', 'batch 32, drop at 200, BN, DecayOn all'; ...
          'd1s01_bnh_b32_e600_d400', 'batch 32, drop at 400, BN'; ...
          'd1s01_b32_cos_e600', 'batch 32, cosine 0.01 to 1e-4, BN'};
  for i = 1:size (rows, 1)
    R = get (out, rows{i, 1});
    if (isempty (R))
      continue;
    end
    e = sprintf ('%.3f', R.errZ(end));
    if (R.lZ_eff ~= R.lZ)
      e = sprintf ('%s (%.3f at the effective weights)', e, R.errZ_eff(end));
    end
    fprintf ('| %s | %d | %s | %s | %.3g | %s | %.3f | %.3f |\n', rows{i, 2}, R.epoch(end), ...
             pct (R.acc(end)), first100 (R), R.nc1(end), e, R.errb(end), R.errZr(end));
  end
  fprintf ('\n(%s.)\n', B);

  fprintf ('\n<!-- sizes -->\n');
  header ({'data', 'N', 'batch', 'epochs', 'acc', '100% at', 'NC1', 'errZ', 'errb', 'vs ReLU opt'});
  rows = {'d1s01_bnh_b32_e300_d200', 'Dataset_1 x 0.1', 32; 'd2s01_bnh_b32_e300_d200', 'Dataset_2 x 0.1', 32; ...
          'd1s1_bnh_e30_d20', 'Dataset_1', 128};
  for i = 1:size (rows, 1)
    R = get (out, rows{i, 1});
    if (isempty (R))
      continue;
    end
    fprintf ('| %s | %d | %d | %d | %s | %s | %.3g | %.3f | %.3f | %.3f |\n', rows{i, 2}, sum (R.counts), ...
             rows{i, 3}, R.epoch(end), pct (R.acc(end)), first100 (R), R.nc1(end), R.errZ(end), ...
             R.errb(end), R.errZr(end));
  end

  fprintf ('\n<!-- the ReLU-UFM optimum against the UFM optimum -->\n');
  header ({'counts', 'lZ', '\|Zs\|', '\|Zr\|', '\|Zr - Zs\| / \|Zs\|', '\|br - bs\| / \|bs\|', ...
           'minority spread Zs', 'minority spread Zr'});
  D1 = [5000 5000 5000 5000 4000 4000 4000 3000 3000 3000];
  D2 = [5000 5000 5000 5000 3000 3000 1000 1000 1000 1000];
  l1 = nc_lambda (1e-3, 1e-6);
  le = nc_lambda (1e-3 + 2.5e-4, 1e-6);
  n5 = [500 500 500 500 500 100 100 100 100 100];
  n6 = [500 500 500 100 100 100 100 100 100 100];
  rows = {round(D1 * 0.1), l1, 0.01, 'Dataset_1 x 0.1', []; round(D1 * 0.1), le, 0.01025, ...
          'Dataset_1 x 0.1, DecayOn all (effective weights)', []; round(D1 * 0.25), l1, 0.01, ...
          'Dataset_1 x 0.25', []; D1, l1, 0.01, 'Dataset_1', []; round(D2 * 0.1), l1, 0.01, ...
          'Dataset_2 x 0.1', []};
  for lZ = [0.0027 0.0030 0.0033 0.0039 0.0045 0.0063]
    rows(end+1, :) = {n5, lZ, 0.01, 'Figure 5', [5 5]};
  end
  for lZ = [0.0041 0.0045 0.0053]
    rows(end+1, :) = {n6, lZ, 0.01, 'Figure 6', [3 7]};
  end
  for nA = [200 300 400 600 800]
    rows(end+1, :) = {[nA nA nA nA nA 100 100 100 100 100], 0.005, 0.01, sprintf('Figure 7, n_A %d', nA), [5 5]};
  end
  for nA = [400 450 500]
    rows(end+1, :) = {[nA nA nA 100 100 100 100 100 100 100], 0.005, 0.01, sprintf('Figure 8, n_A %d', nA), [3 7]};
  end
  for i = 1:size (rows, 1)
    n = rows{i, 1};
    file = fullfile (out, sprintf ('relu60_%s_%.6g_%.6g.mat', sprintf ('%d_', n), rows{i, 2}, rows{i, 3}));
    if (~ exist (file, 'file'))
      fprintf ('<!-- not computed: %s at lZ %.3g -->\n', rows{i, 4}, rows{i, 2});
      continue;
    end
    S = load (file);
    [Zs, bs] = nc_solve (n, rows{i, 2}, rows{i, 3});
    spread = {'-', '-'};
    if (~ isempty (rows{i, 5}))
      A = nc_zbar_stats (Zs, rows{i, 5});
      C = nc_zbar_stats (S.Z, rows{i, 5});
      spread = {sprintf('%.3g', A.spread_rel(2)), sprintf('%.3g', C.spread_rel(2))};
    end
    fprintf ('| %s | %.3g | %.2f | %.2f | %.3f | %.3f | %s | %s |\n', rows{i, 4}, rows{i, 2}, ...
             norm (Zs, 'fro'), norm (S.Z, 'fro'), norm (S.Z - Zs, 'fro') / norm (Zs, 'fro'), ...
             norm (S.b - bs) / norm (bs), spread{:});
  end

  fprintf ('\n<!-- ReLU against linear feature layers -->\n');
  header ({'weights, settings', 'epochs', 'ReLU: errZ', 'vs ReLU opt', 'NC1', ...
           'linear: errZ', 'vs ReLU opt', 'NC1'});
  pairs = {'d1s01_nobn_hid_d200', 'd1s01_nobn_d200_lin', 'Figure 1, batch 128, drop at 200, no BN'; ...
           'd1s01_bnh_d200', 'd1s01_bnh_d200_lin', 'Figure 1, batch 128, drop at 200, BN'; ...
           'd1s01_bn_hid_d200', 'd1s01_bn_hid_d200_lin', 'Figure 1, batch 128, drop at 200, BN+F'; ...
           'd1s01_bnh_b32_e300_d200', 'd1s01_bnh_b32_e300_d200_lin', 'Figure 1, batch 32, drop at 200, BN'; ...
           'd1s01_b32_cos', 'd1s01_b32_cos_lin', 'Figure 1, batch 32, cosine, BN'; ...
           'f5_l0027_authors', 'f5_l0027_lin', 'Figure 5 lZ 0.0027, no BN'; ...
           'f5_l0027_bn', 'f5_l0027_bn_lin', 'Figure 5 lZ 0.0027, BN'; ...
           'f5_l0045_authors', 'f5_l0045_lin', 'Figure 5 lZ 0.0045, no BN'; ...
           'f5_l0045_bn', 'f5_l0045_bn_lin', 'Figure 5 lZ 0.0045, BN'; ...
           'f5_l0045_bn_e1000', 'f5_l0045_bn_lin_e1000', 'Figure 5 lZ 0.0045, BN'};
  for i = 1:size (pairs, 1)
    R = get (out, pairs{i, 1});
    L = get (out, pairs{i, 2});
    if (isempty (R) || isempty (L))
      continue;
    end
    fprintf ('| %s | %d | %.3f | %.3f | %.3g | %.3f | %.3f | %.3g |\n', pairs{i, 3}, R.epoch(end), ...
             R.errZ(end), R.errZr(end), R.nc1(end), L.errZ(end), L.errZr(end), L.nc1(end));
  end

  fprintf ('\n<!-- Figures 5-8 -->\n');
  header ({'figure', 'lZ or n_A', 'network', 'epochs', 'minority spread', 'of Zs', 'of Zr', ...
           'errZ', 'vs ReLU opt', '\|Zbar\| / \|Zs\|', 'acc', 'NC1'});
  rows = {};
  for lZ = [27 45 63]
    rows(end+1, :) = {sprintf('f5_l%04d_bn', lZ), '5', sprintf('%.4f', lZ / 1e4), '512, BN'};
  end
  for nA = [200 400 800]
    rows(end+1, :) = {sprintf('f7_n%d_bn', nA), '7', sprintf('%d', nA), '512, BN'};
  end
  rows(end+1, :) = {'f5_l0027_bn_b32', '5', '0.0027', '512, BN, batch 32'};
  rows(end+1, :) = {'f5_l0045_bn_b32', '5', '0.0045', '512, BN, batch 32'};
  rows(end+1, :) = {'f5_l0027_authors', '5', '0.0027', '512, no BN'};
  rows(end+1, :) = {'f5_l0045_authors', '5', '0.0045', '512, no BN'};
  for lZ = [27 30 33 39 45 63]
    rows(end+1, :) = {sprintf('f5_l%04d_w256', lZ), '5', sprintf('%.4f', lZ / 1e4), '256, BN'};
  end
  for lZ = [41 45 53]
    rows(end+1, :) = {sprintf('f6_l%04d_w256', lZ), '6', sprintf('%.4f', lZ / 1e4), '256, BN'};
  end
  for nA = [200 300 400 600]
    rows(end+1, :) = {sprintf('f7_n%d_w256', nA), '7', sprintf('%d', nA), '256, BN'};
  end
  for nA = [400 450 500]
    rows(end+1, :) = {sprintf('f8_n%d_w256', nA), '8', sprintf('%d', nA), '256, BN'};
  end
  for E = [100 150]
    for lZ = [27 45]
      rows(end+1, :) = {sprintf('f5_l%04d_bn_e%d', lZ, E), '5', sprintf('%.4f', lZ / 1e4), '512, BN'};
      rows(end+1, :) = {sprintf('f5_l%04d_bn_e%d_w256', lZ, E), '5', sprintf('%.4f', lZ / 1e4), '256, BN'};
    end
  end
  rows(end+1, :) = {'f5_l0045_cont50', '5', '0.0045', '512, BN, from the 150-epoch lZ 0.0027 network'};
  rows(end+1, :) = {'f5_l0045_cont50_w256', '5', '0.0045', '256, BN, from the 150-epoch lZ 0.0027 network'};
  rows(end+1, :) = {'f5_l0033_e1000', '5', '0.0033', '512, BN'};
  rows(end+1, :) = {'f5_l0045_bn_e1000', '5', '0.0045', '512, BN'};
  rows(end+1, :) = {'f6_l0045_e1000', '6', '0.0045', '512, BN'};
  rows(end+1, :) = {'f7_n800_e1000', '7', '800', '512, BN'};
  rows(end+1, :) = {'f8_n450_e1000', '8', '450', '512, BN'};
  for i = 1:size (rows, 1)
    R = get (out, rows{i, 1});
    if (isempty (R))
      continue;
    end
    fprintf ('| %s | %s | %s | %d | %.3g | %.3g | %.3g | %.3f | %.3f | %.2f | %s | %.3g |\n', rows{i, 2}, ...
             rows{i, 3}, rows{i, 4}, R.epoch(end), R.spread(end, end), R.spread_star(end), ...
             R.spread_relu(end), R.errZ(end), R.errZr(end), R.normZ(end) / norm (R.Zs, 'fro'), ...
             pct (R.acc(end)), R.nc1(end));
  end
  fprintf ('\n<!-- where the error of Figure 1''s runs lies: Zbar against Zs entry by entry -->\n');
  header ({'run', 'diagonal / Zs diagonal', 'off-diagonal std', 'of Zs'});
  rows = {'d1s01_bnh_d200', 'batch 128, drop at 200, BN, 300 epochs'; ...
          'd1s01_bnh_b32_e300_d200', 'batch 32, drop at 200, BN, 300 epochs'; ...
          'd1s01_bnh_b32_e600_d400', 'batch 32, drop at 400, BN, 600 epochs'; ...
          'd1s01_b32_cos_e600', 'batch 32, cosine, BN, 600 epochs'};
  for i = 1:size (rows, 1)
    R = get (out, rows{i, 1});
    if (isempty (R))
      continue;
    end
    Z = R.Zbar(:, :, end);
    off = ~ eye (size (Z, 1));
    q = diag (Z) ./ diag (R.Zs);
    fprintf ('| %s | %.3f-%.3f | %.3f | %.3f |\n', rows{i, 2}, min (q), max (q), std (Z(off)), std (R.Zs(off)));
  end

  fprintf ('\n<!-- histories: errZ, |Zbar|, NC1 and accuracy at recorded epochs -->\n');
  rows = {'d1s01_bnh_b32_e300_d200', [1 10 100 150 200 250 300]; 'd1s01_b32_cos', [1 10 100 200 300]; ...
          'f5_l0045_bn_e1000', [300 600 800 1000]; 'f5_l0045_bn_lin_e1000', [300 600 700 800 900 960 980 1000]; ...
          'f8_n450_e1000', [100 140 160 180 200 300 500 1000]};
  for i = 1:size (rows, 1)
    R = get (out, rows{i, 1});
    if (isempty (R))
      continue;
    end
    for e = rows{i, 2}
      t = find (R.epoch == e);
      if (~ isempty (t))
        fprintf ('%s epoch %4d: errZ %.3f, |Zbar| %.2f (|Zs| %.2f), NC1 %.3g, acc %s\n', rows{i, 1}, e, ...
                 R.errZ(t), R.normZ(t), norm (R.Zs, 'fro'), R.nc1(t), pct (R.acc(t)));
      end
    end
  end
end

function R = get (out, name)
  file = fullfile (out, [name '.mat']);
  R = [];
  if (~ exist (file, 'file'))
    fprintf ('<!-- missing: %s -->\n', name);
    return;
  end
  S = load (file);
  R = S.R;
end

function header (cols)
  fprintf ('|%s\n', sprintf (' %s |', cols{:}));
  fprintf ('|%s\n', repmat ('---|', 1, numel (cols)));
end

function s = pct (a)
  s = sprintf ('%.2f%%', 100 * a);
end

function s = first100 (R)
  k = find (R.acc >= 1, 1);
  if (isempty (k))
    s = '-';
  else
    s = sprintf ('%d', R.epoch(k));
  end
end
