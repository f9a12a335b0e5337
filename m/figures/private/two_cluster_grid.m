% SPDX-License-Identifier: GPL-3.0-or-later

function R = two_cluster_grid (P, G)
%TWO_CLUSTER_GRID  The common body of Figures 5-8: Zbar across a grid of one varied
%   R = TWO_CLUSTER_GRID(P, G)
%
%   quantity x (lambda_Z, or the majority size n_A) for two clusters, A with
%   G.k(1) classes and B with G.k(2).
%
%   G has: name ("fig5"), number, k, x (the paper's grid), xlabel
%   (TeX), setting (x -> [n_A n_B lambda_Z]), xstar (predicted minority
%   collapse point in closed form, docs/theory.md section 5), xstar_tool (the same
%   from nc_thresholds), heading, description (markdown).
%   Runs the theory row (nc_solve, checked against nc_theory) and the
%   trained row (nc_ufm_train), draws them with draw_heatmaps, and locates the
%   observed collapse point twice: on the grid (first x whose Zbar* has the
%   minority columns identical) and to 1e-6 relative by bisection with
%   nc_solve between the grid points around it.  Returns the report entry.
  t0 = tic ();
  x = pick (G.x, G.xstar, P.grid);
  sets = cell2mat (arrayfun (G.setting, x(:), 'UniformOutput', false));
  S = sweep_rows (P, G.name, G.k, sets(:,1:2), sets(:,3), true);
  spreadB = arrayfun (@(B) B.spread(2), S.Bs);
  collapsed = spreadB <= 1e-9;
  first = find (collapsed, 1);
  observed = refine (P, G, x, first);
  labels = arrayfun (@(v) sprintf ('%s = %.4g', G.xlabel, v), x, 'UniformOutput', false);
  heading = {G.heading, sprintf(['predicted minority collapse (docs/theory.md section 5) at ' ...
                                  '%s = %.4g: red titles lie beyond it.   Trained row: UFM, ' ...
                                  'd = %d, gradient tolerance %g, \lambda_W = 5\lambda_Z, ' ...
                                  '\lambda_H = \lambda_Z/20, \lambda_b = %g'], ...
                                 G.xlabel, G.xstar, P.ufm.d, P.ufm.tol, P.lb)};
  files = draw_heatmaps (P, G.name, heading, [S.Zs; S.Zt], ...
                           {'theory: Zbar*', 'trained UFM'}, labels, G.k, x >= G.xstar);

  R.name = G.name;
  R.title = sprintf ('Figure %d', G.number);
  R.description = G.description;
  R.scale = sprintf (['theory row exact (`nc_solve`, duality-gap tolerance %g); trained row: ' ...
                      'UFM, %s, seed %d; %d of the paper''s %d grid points'], ...
                     P.tol, ufm_settings_text (P.ufm), P.seed, numel (x), numel (G.x));
  tab = {'x', 'spread of B (theory)', 'spread of B (trained)', ...
         'rel. err. Zbar (UFM; absolute where Zbar* = 0)', ...
         'rel. err. b (UFM; absolute where b* = 0)', 'final NC1 (UFM)', 'nc_theory vs nc_solve'};
  for s = 1:numel (x)
    tab(end+1,:) = {sprintf('%.4g', x(s)), sprintf('%.2e', spreadB(s)), ...
                    sprintf('%.2e', S.Bt(s).spread(2)), sprintf('%.2e', S.errZ(s)), ...
                    sprintf('%.2e', S.errb(s)), sprintf('%.2e', S.NC1(s)), ...
                    sprintf('%.1e', S.theory_err(s))};
  end
  tab{1,1} = G.xlabel_md;
  R.table = tab;
  if (isempty (first))
    grid_text = 'no grid point collapsed';
  else
    grid_text = sprintf ('first collapsed grid point %.4g', x(first));
  end
  R.numbers = {sprintf('minority collapse at %s: predicted %.6g, observed %.6g (relative difference %.1e)', ...
                       G.xlabel_md, G.xstar, observed, abs (observed - G.xstar) / G.xstar), ...
               sprintf(['predicted = closed form sqrt(n_B)/N of docs/theory.md section 5; ' ...
                        '`nc_thresholds` gives %.10g (relative difference %.1e)'], ...
                       G.xstar_tool, abs (G.xstar_tool - G.xstar) / G.xstar), ...
               sprintf(['observed = bisection with `nc_solve` on the spread of the minority ' ...
                        'columns (collapsed when <= 1e-9 relative); on the grid: %s'], grid_text), ...
               sprintf('trained UFM vs Zbar*: median relative error %.2e (max %.2e); b: median %.2e', ...
                       median (S.errZ), max (S.errZ), median (S.errb)), ...
               sprintf('trained UFM: %d of %d runs met the gradient tolerance %g; steps median %d, max %d', ...
                       nnz (S.converged), numel (S.converged), P.ufm.tol, ...
                       round (median (S.iterations)), max (S.iterations)), ...
               sprintf('largest certified duality gap of `nc_solve`: %.1e', max (S.gap))};
  R.numbers{end+1} = sprintf ('`nc_theory` vs `nc_solve`: largest relative difference %.1e', ...
                              max (S.theory_err));
  R.predicted = G.xstar;
  R.predicted_tool = G.xstar_tool;
  R.observed = observed;
  R.errZ = S.errZ;
  R.errb = S.errb;
  R.files = files;
  R.time = toc (t0);
end

% The grid points kept: all of them, or (small profiles) the first, the last
% and the two around the predicted threshold, which carry the story.
function x = pick (x, xstar, m)
  if (m >= numel (x))
    return;
  end
  below = find (x < xstar, 1, 'last');
  keep = unique ([1, numel(x), below, below + 1]);
  keep = keep(keep >= 1 & keep <= numel (x));
  x = x(keep(1:min (m, end)));
end

% Observed collapse point: bisection on the continuous x with nc_solve,
% between the last grid point that did not collapse and the first that did.
function xo = refine (P, G, x, first)
  xo = NaN;
  if (isempty (first) || first == 1)
    return;
  end
  lo = x(first - 1);
  hi = x(first);
  k = G.k;
  while ((hi - lo) > 1e-7 * hi)
    mid = (lo + hi) / 2;
    v = G.setting (mid);
    [Z, ~] = nc_solve (repelem (v(1:2), k), v(3), P.lb, 'Tol', P.tol);
    B = block_stats (Z, k);
    if (B.spread(2) <= 1e-9)
      hi = mid;
    else
      lo = mid;
    end
  end
  xo = (lo + hi) / 2;
end
