% SPDX-License-Identifier: GPL-3.0-or-later
function relu_checks ()
% relu_checks ()
%
% The measurements of the non-negative-feature optimum in docs/training.md
% section 3, printed one per line (relu_ufm throughout, fixed seeds):
%   1. the class means' pairwise cosines of the UFM optimum (nc_solve,
%      nc_factor at lW = 5 lZ, lH = lZ / 20) and of the ReLU-UFM optimum
%      (d = 60, seed 1), and the distance between the two optima, at
%      Figure 1's weights for Dataset_1, Dataset_2 (full and x 0.1) and at
%      Figure 5's counts, lZ = 0.0027;
%   2. the starts: Figure 5's counts at lZ = 0.0027 and 0.0045, d = 20 and
%      60, seeds 1-3 (objective and distance from the seed-1 optimum);
%   3. the minority-collapse thresholds of the ReLU-UFM: bisection on lZ
%      for Figures 5 and 6 (8 steps), scans of n_A for Figures 7 and 8
%      (lZ = 0.005), each beside the UFM's (nc_solve).
% Time: about 40 solves at d = 60 of 25-45 s each on the shared 2-core
% build machine, about 25 minutes in all.
  lb = 0.01;
  D1 = [5000 5000 5000 5000 4000 4000 4000 3000 3000 3000];
  D2 = [5000 5000 5000 5000 3000 3000 1000 1000 1000 1000];
  n5 = [500 500 500 500 500 100 100 100 100 100];
  l1 = nc_lambda (1e-3, 1e-6);
  cases = {round(D1 * 0.1), l1, 'Dataset_1 x 0.1, Figure 1 weights'; D1, l1, 'Dataset_1, Figure 1 weights'; ...
           D2, l1, 'Dataset_2, Figure 1 weights'; round(D2 * 0.1), l1, 'Dataset_2 x 0.1, Figure 1 weights'; ...
           n5, 0.0027, 'Figure 5, lZ 0.0027'};
  for c = 1:size (cases, 1)
    n = cases{c, 1};
    lZ = cases{c, 2};
    [Zs, bs] = nc_solve (n, lZ, lb);
    [W, Hb] = nc_factor (Zs, n, 5 * lZ, lZ / 20);
    cs = cosines (Hb);
    [Zr, br, f, Wr, G] = relu_ufm (n, lZ, lb, 60, true, 1);
    cr = cosines (G ./ sqrt (n));
    fprintf ('%s: UFM class-mean cosines %.3f..%.3f (mean %.3f); ReLU-UFM %.3f..%.3f; |Zr - Z*|/|Z*| = %.4f, |br - b*|/|b*| = %.3f\n', ...
             cases{c, 3}, min (cs), max (cs), mean (cs), min (cr), max (cr), ...
             norm (Zr - Zs, 'fro') / norm (Zs, 'fro'), norm (br - bs) / norm (bs));
  end
  for lZ = [0.0027 0.0045]
    Z1 = relu_ufm (n5, lZ, lb, 60, true, 1);
    for d = [20 60]
      for s = 1:3
        [Zr, br, f] = relu_ufm (n5, lZ, lb, d, true, s);
        fprintf ('starts: lZ %.4f d %d seed %d: f = %.10f, |Zr - Z1|/|Z1| %.2e\n', lZ, d, s, f, ...
                 norm (Zr - Z1, 'fro') / norm (Z1, 'fro'));
      end
    end
  end
  % Figure 5 (k_A = 5 of 500, k_B = 5 of 100): UFM threshold sqrt(100)/3000
  [lo, hi] = bisect (n5, [5 5], 0.0027, 0.0033, lb);
  fprintf ('Figure 5: ReLU-UFM collapse threshold in [%.6f, %.6f]; UFM %.6f\n', lo, hi, 10 / 3000);
  % Figure 6 (k_A = 3 of 500, k_B = 7 of 100): UFM threshold sqrt(100)/2200
  [lo, hi] = bisect ([500 500 500 100 100 100 100 100 100 100], [3 7], 0.0041, 0.0046, lb);
  fprintf ('Figure 6: ReLU-UFM collapse threshold in [%.6f, %.6f]; UFM %.6f\n', lo, hi, 10 / 2200);
  for nA = [200 250 280 285 290 295 300 320 350 400]     % Figure 7, UFM threshold n_A = 300
    n = [nA nA nA nA nA 100 100 100 100 100];
    fprintf ('Figure 7 n_A %d: minority spread ReLU-UFM %.3g, UFM %.3g\n', nA, ...
             minority_spread (relu_ufm (n, 0.005, lb, 60, true, 1), [5 5]), ...
             minority_spread (nc_solve (n, 0.005, lb), [5 5]));
  end
  for nA = [380 400 420 433 450 500]                     % Figure 8, UFM threshold n_A = 433.3
    n = [nA nA nA 100 100 100 100 100 100 100];
    fprintf ('Figure 8 n_A %d: minority spread ReLU-UFM %.3g, UFM %.3g\n', nA, ...
             minority_spread (relu_ufm (n, 0.005, lb, 60, true, 1), [3 7]), ...
             minority_spread (nc_solve (n, 0.005, lb), [3 7]));
  end
end

function c = cosines (H)
  Hn = H ./ sqrt (sum (H .^ 2, 1));
  C = Hn' * Hn;
  c = C(~ eye (size (C, 1)));
end

function s = minority_spread (Z, k)
  S = nc_zbar_stats (Z, k);
  s = S.spread_rel(2);
end

function [lo, hi] = bisect (n, k, lo, hi, lb)
% the minority of the ReLU-UFM optimum collapsed (spread < 1e-4) at hi, not at lo
  for it = 1:8
    mid = (lo + hi) / 2;
    if (minority_spread (relu_ufm (n, mid, lb, 60, true, 1), k) < 1e-4)
      hi = mid;
    else
      lo = mid;
    end
  end
end
