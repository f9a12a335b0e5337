% SPDX-License-Identifier: GPL-3.0-or-later

function R = figure_9 (P)
%FIGURE_9  Figure 9: mean cosine between the columns of Zbar within the majority
%   R = FIGURE_9(P)
%
%   cluster A, within the minority cluster B and between A and B, against
%   n_A, for K = 10, k_A = k_B = 5, n_B = n_A/2, lambda_Z = 0.1/N
%   (docs/theory.md section 7), with the simplex ETF angle -1/(K-1) = -1/9.  The
%   lines are the exact optimum (nc_solve); the markers the trained UFM at
%   the n_A values of P.fig9_train.  With lambda_Z N fixed and
%   the counts growing, the cosines drift slowly towards -1/9 (docs/theory.md
%   section 5, asymptotics).  Writes fig9.png and fig9.svg.
%
%   See also: nc_figures, sweep_rows
  t0 = tic ();
  k = [5 5];
  nA = P.fig9(:);
  n = [nA, nA / 2];
  N = n * k';
  lZ = 0.1 ./ N;
  S = sweep_rows (P, 'fig9', k, n, lZ, false);
  cw = cell2mat (arrayfun (@(B) [B.cos_within, B.cos_between(1,2)], S.Bs(:), ...
                           'UniformOutput', false));
  sel = ismember (nA, P.fig9_train);
  T = sweep_rows (P, 'fig9', k, n(sel,:), lZ(sel), any (sel));
  ct = zeros (0, 3);
  if (any (sel))
    ct = cell2mat (arrayfun (@(B) [B.cos_within, B.cos_between(1,2)], T.Bt(:), ...
                             'UniformOutput', false));
  end

  % The limit regime far beyond the paper's sizes (cluster-level theory).
  nB_limit = logspace (2, 9, 50);
  L = nc_limit (k, [2 1], 0.1, nB_limit, P.lb);
  Lc = [L.cos_within', squeeze(L.cos_between(1,2,:))];
  % Cross-check: the cluster-level theory at the grid's own sizes.
  Lg = nc_limit (k, [2 1], 0.1, n(:,2)', P.lb);
  limit_diff = max (max (abs ([Lg.cos_within', squeeze(Lg.cos_between(1,2,:))] - cw)));

  f = new_figure (1100, 560);
  ax = axes ('parent', f, 'position', [0.07 0.12 0.36 0.72]);
  hold (ax, 'on');
  colours = [0 0.45 0.74; 0.85 0.33 0.1; 0.47 0.67 0.19];
  names = {'within A (majority)', 'within B (minority)', 'between A and B'};
  for c = 1:3
    plot (ax, nA, cw(:,c), '-', 'color', colours(c,:), 'linewidth', 2);
    if (~ isempty (ct))
      plot (ax, nA(sel), ct(:,c), 'o', 'color', colours(c,:), 'markersize', 9, 'linewidth', 2);
    end
  end
  plot (ax, [min(nA) max(nA)], [-1 -1] / 9, 'k--', 'linewidth', 1.5);
  xlabel (ax, 'n_A (n_B = n_A / 2)');
  ylabel (ax, 'mean cosine between columns of Zbar');
  title (ax, 'the paper''s range');
  grid (ax, 'on');
  ax2 = axes ('parent', f, 'position', [0.52 0.12 0.26 0.72]);
  hold (ax2, 'on');
  h2 = zeros (1, 4);
  for c = 1:3
    h2(c) = plot (ax2, 2 * nB_limit, Lc(:,c), '-', 'color', colours(c,:), 'linewidth', 2);
  end
  h2(4) = plot (ax2, 2 * nB_limit([1 end]), [-1 -1] / 9, 'k--', 'linewidth', 1.5);
  set (ax2, 'xscale', 'log', 'xtick', 10 .^ (3:2:9));
  xlabel (ax2, 'n_A (log scale)');
  title (ax2, 'limit regime (nc limit)');
  grid (ax2, 'on');
  legend (ax2, h2, [names, {'simplex ETF: -1/9'}], 'location', 'eastoutside');
  % One vertical scale for both panels, so the drift reads across them.
  yl = [min([get(ax, 'ylim'), get(ax2, 'ylim')]), max([get(ax, 'ylim'), get(ax2, 'ylim')])];
  set ([ax ax2], 'ylim', yl);
  draw_heading (f, {sprintf('Figure 9: K = 10, k_A = k_B = 5, n_B = n_A/2, \\lambda_Z = 0.1/N, \\lambda_b = %g', P.lb), ...
                      sprintf('lines: exact optimum (nc solve, nc limit);  circles: trained UFM (d = %d)', P.ufm.d)});
  files = save_figure (f, P.out, 'fig9');

  R.name = 'fig9';
  R.title = 'Figure 9';
  R.description = sprintf (['Mean cosines between the columns of Zbar within A, within B and ' ...
                            'between A and B, K = 10, k_A = k_B = 5, n_B = n_A/2, ' ...
                            'lambda_Z = 0.1/N, lambda_b = %g, against n_A; the simplex ETF ' ...
                            'angle is -1/9.'], P.lb);
  R.scale = sprintf ('%d values of n_A from %d to %d, exact optimum; trained UFM (%s) at n_A in {%s}', ...
                     numel (nA), min (nA), max (nA), ufm_settings_text (P.ufm), num2str (nA(sel)'));
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
  if (~ isempty (ct))
    R.numbers{end+1} = sprintf (['trained UFM vs exact cosines: largest difference %.2e; Zbar ' ...
                                 'relative error median %.2e; %d of %d runs met the gradient ' ...
                                 'tolerance (steps: %s)'], ...
                                max (abs (ct(:) - reshape (cw(sel,:), [], 1))), median (T.errZ), ...
                                nnz (T.converged), numel (T.converged), mat2str (T.iterations));
  end
  R.files = files;
  R.time = toc (t0);
end
