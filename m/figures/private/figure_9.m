% SPDX-License-Identifier: GPL-3.0-or-later

function R = figure_9 (P)
%FIGURE_9  Figure 9: mean cosine between the columns of Zbar within the majority
%   R = FIGURE_9(P)
%
%   cluster A, within the minority cluster B and between A and B, against
%   n_A, for K = 10, k_A = k_B = 5, n_B = n_A/2, lambda_Z = 0.1/N
%   (docs/theory.md section 7), with the simplex ETF angle -1/(K-1) = -1/9.
%   Lines: the exact optimum (nc_solve) and, far beyond the paper's sizes,
%   the cluster-level limit (nc_limit); circles: the trained UFM at the n_A
%   of P.fig9_train; diamonds: a network trained on Fashion-MNIST images with
%   these class counts (recipe P.fig9_recipe: that of Figures 1-4, as the
%   authors did) at the n_A of P.fig9_net.  With lambda_Z N fixed and the
%   counts growing, the cosines drift slowly towards -1/9 (docs/theory.md
%   section 5, asymptotics).  Writes fig9.png and fig9.svg.
%
%   See also: nc_figures, sweep_rows, sweep_nets
  t0 = tic ();
  k = [5 5];
  nA = P.fig9(:);
  n = [nA, nA / 2];
  N = n * k';
  lZ = 0.1 ./ N;
  S = sweep_rows (P, k, n, lZ, false);
  cw = cosines (S.Bs);
  sel = ismember (nA, P.fig9_train);
  T = sweep_rows (P, k, n(sel,:), lZ(sel), any (sel));
  ct = zeros (0, 3);
  if (any (sel))
    ct = cosines (T.Bt);
  end
  seln = ismember (nA, P.fig9_net);
  cn = zeros (0, 3);
  if (any (seln))
    NS = sweep_nets (P, k, n(seln,:), lZ(seln), P.fig9_recipe, S.Zs(seln), S.bs(seln));
    cn = cosines (NS.B);
  end

  % The limit regime far beyond the paper's sizes (cluster-level theory).
  nB_limit = logspace (2, 9, 50);
  L = nc_limit (k, [2 1], 0.1, nB_limit, P.lb);
  Lc = [L.cos_within', squeeze(L.cos_between(1,2,:))];
  % Cross-check: the cluster-level theory at the grid's own sizes.
  Lg = nc_limit (k, [2 1], 0.1, n(:,2)', P.lb);
  limit_diff = max (max (abs ([Lg.cos_within', squeeze(Lg.cos_between(1,2,:))] - cw)));

  files = draw (P, nA, cw, sel, ct, seln, cn, nB_limit, Lc);

  R.name = 'fig9';
  R.title = 'Figure 9';
  R.description = sprintf (['Mean cosines between the columns of Zbar within A, within B and ' ...
                            'between A and B, K = 10, k_A = k_B = 5, n_B = n_A/2, ' ...
                            'lambda_Z = 0.1/N, lambda_b = %g, against n_A; the simplex ETF ' ...
                            'angle is -1/9.'], P.lb);
  R.scale = sprintf (['%d values of n_A from %d to %d, exact optimum; trained UFM (%s) at ' ...
                      'n_A in {%s}; network (%s, Fashion-MNIST images with these counts, ' ...
                      'seed %d) at n_A in {%s}'], numel (nA), min (nA), max (nA), ...
                     ufm_settings_text (P.ufm), num2str (nA(sel)'), recipe_text (P.fig9_recipe, 10), ...
                     P.seed, num2str (nA(seln)'));
  tab = {'n_A', 'within A', 'within B', 'between', 'distance to -1/9 (max)'};
  for s = 1:numel (nA)
    tab(end+1,:) = {sprintf('%d', nA(s)), sprintf('%.4f', cw(s,1)), sprintf('%.4f', cw(s,2)), ...
                    sprintf('%.4f', cw(s,3)), sprintf('%.4f', max (abs (cw(s,:) + 1/9)))};
  end
  R.table = tab;
  R.numbers = {sprintf('largest distance of a mean cosine from -1/9: %.4f at n_A = %d, %.4f at n_A = %d', ...
                       max (abs (cw(1,:) + 1/9)), nA(1), max (abs (cw(end,:) + 1/9)), nA(end))};
  R.numbers{end+1} = sprintf (['limit regime (`nc_limit`): largest distance from -1/9 %.4f at ' ...
                               'n_A = 200, %.4f at n_A = 2e9; `nc_limit` vs `nc_solve` cosines on ' ...
                               'the grid: largest difference %.1e'], max (abs (Lc(1,:) + 1/9)), ...
                              max (abs (Lc(end,:) + 1/9)), limit_diff);
  R.summary = struct ('n_A', nA', 'cos_within_A', cw(:,1)', 'cos_within_B', cw(:,2)', ...
                      'cos_between', cw(:,3)', 'etf_cosine', -1/9);
  if (~ isempty (ct))
    R.numbers{end+1} = sprintf (['trained UFM vs exact cosines: largest difference %.2e; Zbar ' ...
                                 'relative error median %.2e; %d of %d runs met the gradient ' ...
                                 'tolerance'], max (abs (ct(:) - reshape (cw(sel,:), [], 1))), ...
                                median (T.errZ), nnz (T.converged), numel (T.converged));
    R.summary.ufm = struct ('n_A', nA(sel)', 'cos_within_A', ct(:,1)', ...
                            'cos_within_B', ct(:,2)', 'cos_between', ct(:,3)');
  end
  if (~ isempty (cn))
    for j = 1:size (cn, 1)
      s = find (seln);
      s = s(j);
      R.numbers{end+1} = sprintf (['network at n_A = %d: cosines within A %.4f, within B %.4f, ' ...
                                   'between %.4f (exact %.4f, %.4f, %.4f); Zbar relative error ' ...
                                   '%.3g, NC1 %.3g, training accuracy %.2f%%'], nA(s), cn(j,:), ...
                                  cw(s,:), NS.errZ(j), NS.NC1(j), 100 * NS.accuracy(j));
    end
    R.summary.network = struct ('n_A', nA(seln)', 'cos_within_A', cn(:,1)', ...
                                'cos_within_B', cn(:,2)', 'cos_between', cn(:,3)', ...
                                'Zbar_error', NS.errZ, 'NC1', NS.NC1, ...
                                'train_accuracy', NS.accuracy);
  end
  R.files = files;
  R.time = toc (t0);
end

function c = cosines (B)
  c = cell2mat (arrayfun (@(b) [b.cos_within, b.cos_between(1,2)], B(:), 'UniformOutput', false));
end

function files = draw (P, nA, cw, sel, ct, seln, cn, nB_limit, Lc)
  f = new_figure (1200, 660);
  colours = [0 0.45 0.74; 0.85 0.33 0.1; 0.47 0.67 0.19];
  names = {'within A (majority)', 'within B (minority)', 'between A and B'};
  % One vertical scale for both panels, so the drift reads across them;
  % ticks strictly inside, clear of the axes' corners.
  vals = [cw(:); ct(:); cn(:); Lc(:); -1/9];
  lo = min (vals); hi = max (vals); pad = 0.06 * max (hi - lo, 0.01);
  yl = [lo - pad, hi + pad];
  steps = [0.002 0.005 0.01 0.02 0.05 0.1 0.2 0.5];
  step = steps(find (diff (yl) ./ steps <= 9, 1));
  yt = (ceil (yl(1) / step):floor (yl(2) / step)) * step;
  yt = yt(yt > yl(1) + pad / 3 & yt < yl(2) - pad / 3);

  ax = axes ('parent', f, 'units', 'pixels', 'position', [95 150 560 390]);
  hold (ax, 'on');
  for c = 1:3
    plot (ax, nA, cw(:,c), '-', 'color', colours(c,:), 'linewidth', 2);
    if (~ isempty (ct))
      plot (ax, nA(sel), ct(:,c), 'o', 'color', colours(c,:), 'markersize', 11, 'linewidth', 2);
    end
    if (~ isempty (cn))
      plot (ax, nA(seln), cn(:,c), 'd', 'color', colours(c,:), 'markersize', 10, ...
            'linewidth', 2, 'markerfacecolor', colours(c,:));
    end
  end
  plot (ax, [min(nA) max(nA)], [-1 -1] / 9, 'k--', 'linewidth', 1.5);
  set (ax, 'xlim', [min(nA) max(nA)], 'xtick', unique ([min(nA), 1000:1000:max(nA), max(nA)]), ...
       'ylim', yl, 'ytick', yt, 'fontsize', 10, 'box', 'on');
  xlabel (ax, 'n_A  (n_B = n_A / 2)', 'fontsize', 11);
  ylabel (ax, 'mean cosine between columns of Zbar', 'fontsize', 11);
  title (ax, 'the paper''s range', 'fontsize', 11);
  grid (ax, 'on');

  ax2 = axes ('parent', f, 'units', 'pixels', 'position', [700 150 450 390]);
  hold (ax2, 'on');
  for c = 1:3
    plot (ax2, 2 * nB_limit, Lc(:,c), '-', 'color', colours(c,:), 'linewidth', 2);
  end
  plot (ax2, 2 * nB_limit([1 end]), [-1 -1] / 9, 'k--', 'linewidth', 1.5);
  set (ax2, 'xscale', 'log', 'xlim', 2 * nB_limit([1 end]), 'xtick', 10 .^ (3:2:9), ...
       'ylim', yl, 'ytick', yt, 'yticklabel', {}, 'fontsize', 10, 'box', 'on');
  xlabel (ax2, 'n_A  (log scale, n_B = n_A / 2)', 'fontsize', 11);
  title (ax2, 'limit regime (nc limit), same vertical scale', 'fontsize', 11);
  grid (ax2, 'on');

  items = {};
  for c = 1:3
    items{end+1} = {[names{c} ', exact'], '-', 'none', colours(c,:), false};
  end
  items{end+1} = {'simplex ETF: -1/9', '--', 'none', [0 0 0], false};
  if (~ isempty (ct))
    items{end+1} = {sprintf('trained UFM (d = %d)', P.ufm.d), 'none', 'o', [0.2 0.2 0.2], false};
  end
  if (~ isempty (cn))
    items{end+1} = {sprintf('network (%s)', net_label (P.fig9_recipe, 10)), 'none', 'd', ...
                    [0.2 0.2 0.2], true};
  end
  draw_legend (f, [95 12 1055 64], items, 3);
  draw_heading (f, {sprintf('Figure 9: K = 10, k_A = k_B = 5, n_B = n_A/2, \\lambda_Z = 0.1/N, \\lambda_b = %g', P.lb), ...
                    'lines: exact optimum (nc solve, nc limit);  markers: trained models, in the colour of their cosine'});
  files = save_figure (f, P.out, 'fig9');
end
