% SPDX-License-Identifier: GPL-3.0-or-later

function D = train_data_runs (P, which)
%TRAIN_DATA_RUNS  The training runs behind Figures 1-4 for Dataset_WHICH (1 or 2) of
%   D = TRAIN_DATA_RUNS(P, WHICH)
%
%   docs/theory.md section 7, scaled by P.data.scale: Dataset_1 has
%   4 classes of 5000, 3 of 4000 and 3 of 3000 samples; Dataset_2 4 of 5000,
%   2 of 3000 and 4 of 1000 (the smallest labels are the majority).
%
%   At lambda_W = 1e-3, lambda_H = 1e-6 (lambda_Z = 2 sqrt(lW lH) = 6.3e-5)
%   and lambda_b = P.lb:
%     - mlp: an MLP (nc_mlp_train) on the seeded Fashion-MNIST
%       subset (nc_fmnist, nc_subset), per epoch NC1, Zbar, b;
%     - ufm: the UFM (nc_ufm_train) with the subset's class counts;
%     - Zs, bs: the exact convex optimum (nc_solve) at the same
%       lambdas and counts.
%   Each of the three is a cached unit (the MLP also checkpoints every epoch,
%   so an interrupted training resumes).  D also has counts, k (cluster
%   sizes), lW, lH, lZ, and the relative errors of Zbar and b against
%   (Zs, bs) per epoch, Frobenius (2-norm for b) and max norm:
%   mlp.errZ, mlp.errZ_max, mlp.errb, mlp.errb_max, likewise ufm.
  base = {[5000 5000 5000 5000 4000 4000 4000 3000 3000 3000], ...
          [5000 5000 5000 5000 3000 3000 1000 1000 1000 1000]};
  clusters = {[4 3 3], [4 2 4]};
  D.which = which;
  D.counts = max (round (base{which} * P.data.scale), 1);
  D.k = clusters{which};
  D.lW = 1e-3;
  D.lH = 1e-6;
  D.lZ = nc_lambda (D.lW, D.lH);
  D.lb = P.lb;
  tag = sprintf ('data%d', which);
  t0 = tic ();

  key = struct ('tag', 'solve', 'counts', D.counts, 'lZ', D.lZ, 'lb', P.lb, 'tol', P.tol);
  S = unit_cache (P.cache, key, @() solve (D.counts, D.lZ, P.lb, P.tol));
  D.Zs = S.Zbar;
  D.bs = S.b;
  D.gap = S.gap;
  progress_line (P, tag, 1, 3, t0, 'exact optimum (nc_solve)');

  D.ufm = train_ufm_row (P, D.counts, D.lW, D.lH, P.data.ufm);
  D.ufm = errors (D.ufm, D.Zs, D.bs);
  progress_line (P, tag, 2, 3, t0, 'UFM trained (nc_ufm_train)');

  key = struct ('tag', 'mlp', 'dataset', which, 'counts', D.counts, 'hidden', P.data.hidden, ...
                'epochs', P.data.epochs, 'lW', D.lW, 'lH', D.lH, 'lb', P.lb, 'seed', P.seed);
  ckpt = [unit_cache(P.cache, key) '.ckpt'];
  D.mlp = unit_cache (P.cache, key, @() train_mlp (P, D, key, ckpt));
  D.mlp = errors (D.mlp, D.Zs, D.bs);
  progress_line (P, tag, 3, 3, t0, 'MLP trained (nc_mlp_train)');
end

function R = solve (counts, lZ, lb, tol)
  [R.Zbar, R.b, info] = nc_solve (counts, lZ, lb, 'Tol', tol);
  R.gap = info.gap;
  R.time = info.time;
end

function M = train_mlp (P, D, key, ckpt)
  persistent X y Xt yt;  % Fashion-MNIST is read once per session
  if (isempty (X))
    [X, y] = nc_fmnist ('train');
    [Xt, yt] = nc_fmnist ('test');
  end
  idx = nc_subset (y, D.counts, P.seed);
  t0 = tic ();
  R = nc_mlp_train (X(:, idx), y(idx), 'Hidden', P.data.hidden, 'Epochs', P.data.epochs, ...
                    'LambdaW', D.lW, 'LambdaH', D.lH, 'LambdaB', D.lb, 'Seed', P.seed, ...
                    'Checkpoint', ckpt, 'TestX', Xt, 'TestY', yt, 'Verbose', P.verbose);
  if (R.interrupted)
    % Never cache a partial run: the checkpoint lets the rerun resume.
    error ('ncufm:interrupted', 'train_data_runs: MLP training interrupted after %d epochs', ...
           R.epochs_done);
  end
  M.time = toc (t0);
  M.resumed_from = R.resumed_from;
  h = R.history;
  M.epoch = h.epoch(:)';
  M.NC1 = h.nc1(:)';
  M.accuracy = h.accuracy(:)';
  M.test_accuracy = h.test_accuracy(:)';
  M.Zbar_hist = h.Zbar;
  M.b_hist = h.b;
  M.Zbar = h.Zbar(:,:,end);
  M.b = h.b(:,end);
  M.NC1_final = M.NC1(end);
  if (exist (ckpt, 'file'))
    delete (ckpt);  % the finished run is cached; the checkpoint is spent
  end
end

% Relative distance of every history entry of a run to (Zs, bs).
function R = errors (R, Zs, bs)
  T = size (R.Zbar_hist, 3);
  R.errZ = zeros (1, T); R.errZ_max = R.errZ; R.errb = R.errZ; R.errb_max = R.errZ;
  for t = 1:T
    E = nc_compare (R.Zbar_hist(:,:,t), Zs, R.b_hist(:,t), bs);
    R.errZ(t) = E.fro;
    R.errZ_max(t) = E.max;
    R.errb(t) = E.b;
    R.errb_max(t) = E.b_max;
  end
end
