% SPDX-License-Identifier: GPL-3.0-or-later

function R = entry_figures_1to4 (P, D, name, title, files, t0)
%ENTRY_FIGURES_1TO4  The report entry shared by Figures 1-4 (D: the two train_data_runs
%   R = ENTRY_FIGURES_1TO4(P, D, NAME, TITLE, FILES, T0)
%
%   runs): scale, a table of the final numbers per dataset and model (NC1,
%   relative errors of Zbar and b against the exact optimum, also after
%   min-max standardisation), files and run time since T0; R.minmax(i,m): the min-max
%   standardised distance for dataset i, model m (MLP, UFM).  The
%   caller adds its description and leading numbers.
  R.name = name;
  R.title = title;
  R.description = '';
  R.scale = sprintf (['Fashion-MNIST subsets at %g x the paper''s sizes (N = %d and %d); MLP ' ...
                      '784-%s-10, %d epochs, SGD momentum 0.9, batch 128, lr 0.01 then 0.001 ' ...
                      'after a third of the epochs, seed %d (paper: ResNet/VGG on CIFAR-10 and ' ...
                      'Fashion-MNIST, 1000-2000 epochs). UFM: %s.'], ...
                     P.data.scale, sum (D{1}.counts), sum (D{2}.counts), strjoin (arrayfun (@num2str, P.data.hidden, 'UniformOutput', false), '-'), ...
                     P.data.epochs, P.seed, ufm_settings_text (P.data.ufm));
  R.numbers = {};
  R.table = {'run', 'final NC1', 'rel. err. Zbar (F)', 'rel. err. Zbar (max)', ...
             'rel. err. b', 'rel. err. b (max)', 'Zbar vs Zbar* after min-max (F)', 'train time'};
  models = {'mlp', 'MLP'; 'ufm', 'UFM'};
  R.minmax = zeros (2);
  for i = 1:2
    for m = 1:2
      X = D{i}.(models{m,1});
      E = nc_compare (X.Zbar, D{i}.Zs);
      R.minmax(i,m) = E.std_fro;
      R.table(end+1,:) = {sprintf('Dataset_%d %s', i, models{m,2}), sprintf('%.3g', X.NC1_final), ...
                          sprintf('%.3g', X.errZ(end)), sprintf('%.3g', X.errZ_max(end)), ...
                          sprintf('%.3g', X.errb(end)), sprintf('%.3g', X.errb_max(end)), ...
                          sprintf('%.3g', R.minmax(i,m)), ...
                          duration_text(X.time)};
    end
  end
  R.files = files;
  R.time = toc (t0);
end
