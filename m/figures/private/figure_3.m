% SPDX-License-Identifier: GPL-3.0-or-later

function R = figure_3 (P)
%FIGURE_3  Figure 3: relative errors of the trained Zbar and b against the exact
%   R = FIGURE_3(P)
%
%   convex optimum (Zbar*, b*) of nc_solve at the same lambdas and
%   class counts, over training: ||Zbar - Zbar*||_F / ||Zbar*||_F,
%   ||b - b*|| / ||b*|| and their max-norm versions, for the network (per epoch)
%   and the UFM (per gradient step) on both datasets.  Writes fig3.png and
%   fig3.svg; returns the report entry.
%
%   See also: nc_figures, train_data_runs
  t0 = tic ();
  D = {train_data_runs(P, 1), train_data_runs(P, 2)};
  f = new_figure (1000, 740);
  models = {'mlp', 'network', 'epoch'; 'ufm', 'UFM', 'gradient step'};
  for i = 1:2
    for m = 1:2
      X = D{i}.(models{m,1});
      ax = axes ('parent', f, 'position', [0.08 + 0.47 * (i - 1), 0.52 - 0.44 * (m - 1), 0.38, 0.32]);
      h = semilogy (ax, X.epoch, [X.errZ; X.errZ_max; X.errb; X.errb_max]', 'linewidth', 2);
      set (h(2), 'linestyle', '--'); set (h(4), 'linestyle', '--');
      grid (ax, 'on');
      xlim (ax, [0 max(X.epoch)]);
      xlabel (ax, models{m,3});
      ylabel (ax, 'relative error');
      title (ax, sprintf ('Dataset %d, %s', i, models{m,2}));
      if (i == 2 && m == 1)
        legend (ax, {'Zbar, Frobenius', 'Zbar, max', 'b, 2-norm', 'b, max'}, 'location', 'northeast');
      end
    end
  end
  draw_heading (f, {'Figure 3: distance to the exact optimum (Zbar*, b*) during training', ...
                      sprintf('\\lambda_Z = %.3g, \\lambda_b = %g; Fashion-MNIST subsets at %s; network %s', ...
                              D{1}.lZ, P.lb, scale_phrase (P.data.scale), net_label (P.data.net, 10))});
  R = entry_figures_1to4 (P, D, 'fig3', 'Figure 3', save_figure (f, P.out, 'fig3'), t0);
  R.description = sprintf (['Relative errors of the trained Zbar and b against the exact ' ...
                            'optimum (Zbar*, b*) of the convex program (nc_solve) at the same ' ...
                            'lambdas (lambda_Z = %.3g, lambda_b = %g) and class counts, over ' ...
                            'training: Frobenius (2-norm for b) and max norm.'], D{1}.lZ, P.lb);
  for i = 1:2
    R.numbers{end+1} = sprintf (['Dataset_%d: final relative error of Zbar network %.3g, UFM %.3g; ' ...
                                 'of b network %.3g, UFM %.3g (certified gap of Zbar*: %.1e)'], i, ...
                                D{i}.mlp.errZ(end), D{i}.ufm.errZ(end), D{i}.mlp.errb(end), ...
                                D{i}.ufm.errb(end), D{i}.gap);
  end
  R.numbers = [R.numbers, R.targets];
end
