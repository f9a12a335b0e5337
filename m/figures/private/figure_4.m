% SPDX-License-Identifier: GPL-3.0-or-later

function R = figure_4 (P)
%FIGURE_4  Figure 4: the final trained Zbar (network, UFM) beside the exact optimum
%   R = FIGURE_4(P)
%
%   Zbar* of nc_solve at the same lambdas and class counts, each
%   min-max standardised, for both datasets.  Writes fig4.png and fig4.svg;
%   returns the report entry.
%
%   See also: nc_figures, train_data_runs
  t0 = tic ();
  D = {train_data_runs(P, 1), train_data_runs(P, 2)};
  mats = {D{1}.mlp.Zbar, D{1}.ufm.Zbar, D{1}.Zs; D{2}.mlp.Zbar, D{2}.ufm.Zbar, D{2}.Zs};
  files = draw_heatmaps (P, 'fig4', ...
                           {'Figure 4: final Zbar beside the exact optimum Zbar*', ...
                            sprintf('min-max standardised; \\lambda_Z = %.3g, \\lambda_b = %g; white lines: cluster borders', ...
                                    D{1}.lZ, P.lb), ...
                            sprintf('Fashion-MNIST subsets at %s; network %s', ...
                                    scale_phrase (P.data.scale), net_label (P.data.net, 10))}, ...
                           mats, {'Dataset 1', 'Dataset 2'}, ...
                           {'network', 'UFM', 'Zbar* (nc solve)'; '', '', ''}, {D{1}.k, D{2}.k});
  R = entry_figures_1to4 (P, D, 'fig4', 'Figure 4', files, t0);
  R.description = ['Min-max standardised final Zbar of the network and the UFM beside the exact ' ...
                   'optimum Zbar* at the same lambdas and class counts.'];
  for i = 1:2
    R.numbers{end+1} = sprintf (['Dataset_%d: relative Frobenius distance to Zbar* after min-max ' ...
                                 'standardisation: network %.3g, UFM %.3g'], i, R.minmax(i,1), R.minmax(i,2));
  end
end
