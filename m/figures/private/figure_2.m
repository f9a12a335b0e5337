% SPDX-License-Identifier: GPL-3.0-or-later

function R = figure_2 (P)
%FIGURE_2  Figure 2: the trained models' mean prediction matrices Zbar (column k:
%   R = FIGURE_2(P)
%
%   mean logit vector of class k, bias excluded), min-max standardised, with
%   the cluster borders drawn: network and UFM on the Dataset_1- and
%   Dataset_2-shaped subsets (runs of train_data_runs).  Writes fig2.png
%   and fig2.svg; returns the report entry with the cluster cosines.
%
%   See also: nc_figures, train_data_runs
  t0 = tic ();
  D = {train_data_runs(P, 1), train_data_runs(P, 2)};
  mats = {D{1}.mlp.Zbar, D{1}.ufm.Zbar; D{2}.mlp.Zbar, D{2}.ufm.Zbar};
  titles = {'network', 'UFM'; '', ''};
  files = draw_heatmaps (P, 'fig2', ...
                           {'Figure 2: trained Zbar, min-max standardised', ...
                            sprintf('Fashion-MNIST subsets at %s; network %s', ...
                                    scale_phrase (P.data.scale), net_label (P.data.net, 10)), ...
                            'white lines: borders of the clusters of equal class size'}, ...
                           mats, {'Dataset 1 (4/3/3)', 'Dataset 2 (4/2/4)'}, titles, ...
                           {D{1}.k, D{2}.k});
  R = entry_figures_1to4 (P, D, 'fig2', 'Figure 2', files, t0);
  R.description = ['The trained models'' mean prediction matrices Zbar (rows: output ' ...
                   'coordinate, columns: true class), min-max standardised, with the borders ' ...
                   'of the clusters of equal class size (Dataset_1: 4 x 5000, 3 x 4000, ' ...
                   '3 x 3000; Dataset_2: 4 x 5000, 2 x 3000, 4 x 1000, scaled).'];
  for i = 1:2
    for m = {'mlp', 'ufm'; 'network', 'UFM'}
      B = block_stats (D{i}.(m{1}).Zbar, D{i}.k);
      Bs = block_stats (D{i}.Zs, D{i}.k);
      R.numbers{end+1} = sprintf (['Dataset_%d %s: mean cosine within clusters %s ' ...
                                   '(exact optimum %s)'], i, m{2}, ...
                                  mat2str (B.cos_within, 3), mat2str (Bs.cos_within, 3));
    end
  end
end
