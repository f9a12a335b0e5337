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
%     - mlp: the network of recipe P.data.net (train_net) on the seeded
%       Fashion-MNIST subset, per epoch NC1, accuracies, Zbar, b;
%     - ufm: the UFM (nc_ufm_train) with the subset's class counts;
%     - Zs, bs: the exact convex optimum (nc_solve) at the same
%       lambdas and counts.
%   Each of the three is a cached unit (the network also checkpoints, so an
%   interrupted training resumes).  D also has counts, k (cluster
%   sizes), lW, lH, lZ, and the relative errors of Zbar and b against
%   (Zs, bs) per epoch, Frobenius (2-norm for b) and max norm:
%   mlp.errZ, mlp.errZ_max, mlp.errb, mlp.errb_max, likewise ufm; and
%   falling (the Frobenius error of Zbar lower on average over the last
%   tenth of the records than over the tenth before); lW_eff, lb_eff, lZ_eff (the classifier's lambdas
%   with the recipe's weight decay, see effective_lambdas) and mlp.errZ_eff
%   (the network's Zbar error against the optimum at those).
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
  S = unit_cache (P.cache, unit_key ('solve', P, D.counts, D.lZ), ...
                  @() exact_optimum (D.counts, D.lZ, P.lb, P.tol));
  D.Zs = S.Zbar;
  D.bs = S.b;
  D.gap = S.gap;
  D.ufm = train_ufm_row (P, D.counts, D.lW, D.lH, P.data.ufm);
  D.ufm = errors (D.ufm, D.Zs, D.bs);
  D.mlp = train_net (P, D.counts, D.lW, D.lH, P.data.net, true);
  D.mlp = errors (D.mlp, D.Zs, D.bs);
  % Weight decay on the classifier too (the authors' optimiser) adds
  % (WeightDecay/2) to lambda_W and lambda_b: the optimum at those lambdas
  % is the network's own target.
  [D.lW_eff, D.lb_eff] = effective_lambdas (P.data.net, D.lW, P.lb);
  D.lZ_eff = nc_lambda (D.lW_eff, D.lH);
  D.mlp.errZ_eff = D.mlp.errZ;
  if (D.lW_eff ~= D.lW)
    S = unit_cache (P.cache, unit_key ('solve', P, D.counts, D.lZ_eff, D.lb_eff), ...
                    @() exact_optimum (D.counts, D.lZ_eff, D.lb_eff, P.tol));
    E = errors (D.mlp, S.Zbar, S.b);
    D.mlp.errZ_eff = E.errZ;
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
  % Falling: the last tenth of the records lower on average than the tenth
  % before (single records are noisy under SGD).
  w = max (1, round (T / 10));
  R.falling = T >= 2 * w + 1 && mean (R.errZ(end-w+1:end)) < mean (R.errZ(end-2*w+1:end-w));
end
