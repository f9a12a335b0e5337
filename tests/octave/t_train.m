% SPDX-License-Identifier: GPL-3.0-or-later

% Longer tests of the trainers: the UFM against the convex optimum across
% imbalance and through minority collapse (docs/theory.md section 5), and the MLP
% on a real Fashion-MNIST subset.
1;

%!test  % the UFM lands on nc_solve's optimum at every imbalance ratio
%! lZ = 0.01; lb = 0.01;
%! for r = [1 4 16]
%!   n = [5*r 5*r 5 5];
%!   R = nc_ufm_train (n, 5, 5 * lZ, lZ / 20, lb, 'Seed', r);
%!   [Zs, bs] = nc_solve (n, lZ, lb, 'Tol', 1e-13);
%!   assert (R.converged);
%!   assert (norm (R.Zbar - Zs, 'fro') / norm (Zs, 'fro') < 1e-6);
%!   assert (norm (R.b - bs) < 1e-6 * max (norm (bs), 1));
%! end

%!test  % minority collapse: above sqrt(n_B)/N the minority's mean predictions coincide
%! n = [20 20 5 5]; N = sum (n); lb = 0.01;
%! lZ = 0.06;                     % between sqrt(5)/50 = 0.0447 and sqrt(20)/50 = 0.0894
%! R = nc_ufm_train (n, 4, 5 * lZ, lZ / 20, lb, 'Seed', 2);
%! Z = R.Zbar; s = norm (Z, 'fro');
%! assert (norm (Z(:, 3) - Z(:, 4)) / s < 1e-6);      % minority collapsed
%! assert (norm (Z(:, 1) - Z(:, 2)) / s > 1e-2);      % majority not
%! Hb = R.H(:, R.y == 3); Hc = R.H(:, R.y == 4);
%! assert (norm (mean (Hb, 2) - mean (Hc, 2)) / norm (R.H, 'fro') < 1e-6);
%! % below the threshold the minority stays apart
%! R = nc_ufm_train (n, 4, 5 * 0.03, 0.03 / 20, lb, 'Seed', 2);
%! assert (norm (R.Zbar(:, 3) - R.Zbar(:, 4)) / norm (R.Zbar, 'fro') > 1e-2);

%!test  % column sums of Zbar vanish and sum(b) = 0 at the optimum (docs/theory.md section 3)
%! R = nc_ufm_train ([9 6 3 2], 4, 0.02, 0.001, 0.05, 'Seed', 8);
%! assert (max (abs (sum (R.Zbar, 1))) < 1e-6 * norm (R.Zbar, 'fro'));
%! assert (abs (sum (R.b)) < 1e-7);

%!test  % an MLP learns a Fashion-MNIST subset; the run is reproducible
%! [X, y] = nc_fmnist ('train'); [Xt, yt] = nc_fmnist ('test');
%! idx = nc_subset (y, 'Dataset_1', 1, 'Scale', 0.04);     % 1640 images
%! keep = 1:2000;
%! o = {'Hidden', [64 32], 'Epochs', 8, 'DropAt', 6, 'LearningRate', 0.05, 'Verbose', false, ...
%!      'Seed', 1, 'TestX', Xt(:, keep), 'TestY', yt(keep)};
%! A = nc_mlp_train (X(:, idx), y(idx), o{:});
%! assert (A.history.test_accuracy(end) > 0.7);
%! assert (A.history.accuracy(end) > A.history.accuracy(1));
%! assert (A.history.nc1(end) < A.history.nc1(1));
%! B = nc_mlp_train (X(:, idx), y(idx), o{:}, 'Features', true);
%! assert (B.weights, A.weights);
%! assert (B.history.nc1, A.history.nc1);
%! % NC1 of the history agrees with the metrics code applied to the features
%! R = nc_metrics (B.H, y(idx));
%! assert (R.NC1, B.history.nc1(end), 1e-10 * R.NC1);
