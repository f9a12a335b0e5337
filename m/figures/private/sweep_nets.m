% SPDX-License-Identifier: GPL-3.0-or-later

function S = sweep_nets (P, k, n, lZ, r, Zs, bs)
%SWEEP_NETS  The network row of a sweep (Figures 5-9): one network per setting.
%   S = SWEEP_NETS(P, K, N, LZ, R, ZS, BS)
%
%   Setting s has clusters of K(j) classes of N(s,j) Fashion-MNIST images
%   (train_net: classes cluster by cluster, the smallest labels in the
%   majority), lambda_W = 5 LZ(s), lambda_H = LZ(s)/20 (so lambda_Z = LZ(s)),
%   lambda_b = P.lb and recipe R.  ZS{s}, BS{s} are the exact optimum at the
%   same setting.  S has per setting: Zbar{s}, b{s}, B(s) (block_stats;
%   a Zbar of norm ~0, see near_zero, counts as collapsed everywhere),
%   zero(s) (that case), errZ(s), errb(s) (relative to Zbar*, b*; absolute
%   where the reference is 0), NC1(s), accuracy(s) (final training
%   accuracy), NC1_drop(s) (first epoch's NC1 over the last's), time(s),
%   spread_hist{s} (the last cluster's relative spread per epoch) and
%   spread_before(s) (its value at nine tenths of the epochs).
%
%   See also: train_net, sweep_rows, two_cluster_grid
  k = k(:)';
  ns = size (n, 1);
  S = struct ('k', k, 'n', n, 'lZ', lZ(:)');
  scale = max (cellfun (@(Z) norm (Z, 'fro'), Zs));
  for s = 1:ns
    counts = repelem (n(s,:), k);
    M = train_net (P, counts, 5 * lZ(s), lZ(s) / 20, r, false);
    S.Zbar{s} = M.Zbar;
    S.b{s} = M.b;
    S.zero(s) = near_zero (M.Zbar, scale);
    B = block_stats (M.Zbar, k);
    if (S.zero(s))
      B.spread(:) = 0;
    end
    S.B(s) = B;
    E = nc_compare (M.Zbar, Zs{s}, M.b, bs{s});
    S.errZ(s) = E.fro;
    if (norm (Zs{s}, 'fro') <= 1e-12)
      S.errZ(s) = norm (M.Zbar - Zs{s}, 'fro');
    end
    S.errb(s) = E.b;
    if (norm (bs{s}) <= 1e-12 * max (1, norm (Zs{s}, 'fro')))
      S.errb(s) = E.b_abs;
    end
    T = size (M.Zbar_hist, 3);
    S.spread_hist{s} = zeros (1, T);
    for t = 1:T
      Bt = block_stats (M.Zbar_hist(:,:,t), k);
      S.spread_hist{s}(t) = Bt.spread(end);
    end
    S.spread_before(s) = S.spread_hist{s}(max (1, round (0.9 * T)));
    S.NC1(s) = M.NC1_final;
    S.NC1_drop(s) = M.NC1(1) / M.NC1_final;
    S.accuracy(s) = M.accuracy_final;
    S.time(s) = M.time;
  end
end
