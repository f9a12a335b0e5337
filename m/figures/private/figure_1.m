% SPDX-License-Identifier: GPL-3.0-or-later

function R = figure_1 (P)
%FIGURE_1  Figure 1: log NC1 against epoch for the Dataset_1- and Dataset_2-shaped
%   R = FIGURE_1(P)
%
%   Fashion-MNIST subsets (scaled by P.data.scale): the network of recipe
%   P.data.net (per epoch) and the UFM trained at the same lambdas (per gradient step),
%   lambda_W = 1e-3, lambda_H = 1e-6, lambda_b = P.lb.  NC1 is
%   tr(Sigma_W Sigma_B^+)/K with the paper's sample weighting (nc_metrics).
%   Writes fig1.png and fig1.svg; returns the report entry.
%
%   See also: nc_figures, train_data_runs
  t0 = tic ();
  D = {train_data_runs(P, 1), train_data_runs(P, 2)};
  f = new_figure (1000, 720);
  for i = 1:2
    ax = axes ('parent', f, 'position', [0.08 + 0.47 * (i - 1), 0.5, 0.38, 0.34]);
    % log10 on a linear axis, as the paper plots it (gnuplot also drops log
    % ticks below 1e-15, where the UFM's NC1 goes).
    style = '-';
    if (numel (D{i}.mlp.epoch) <= 60)
      style = 'o-';
    end
    plot (ax, D{i}.mlp.epoch, log10 (D{i}.mlp.NC1), style, 'linewidth', 2, 'color', [0 0.45 0.74]);
    grid (ax, 'on');
    xlabel (ax, 'epoch');
    ylabel (ax, 'log_{10} NC1');
    title (ax, sprintf ('Dataset %d: network (N = %d), train acc. %.2f%%', i, ...
                        sum (D{i}.counts), 100 * D{i}.mlp.accuracy_final), 'fontsize', 10);
    xlim (ax, [0 max(D{i}.mlp.epoch)]);
    ax = axes ('parent', f, 'position', [0.08 + 0.47 * (i - 1), 0.08, 0.38, 0.3]);
    plot (ax, D{i}.ufm.epoch, log10 (D{i}.ufm.NC1), '-', 'linewidth', 2, 'color', [0.85 0.33 0.1]);
    grid (ax, 'on');
    xlabel (ax, 'gradient step');
    ylabel (ax, 'log_{10} NC1');
    title (ax, sprintf ('Dataset %d: UFM (d = %d)', i, P.data.ufm.d));
    xlim (ax, [0 max(D{i}.ufm.epoch)]);
  end
  draw_heading (f, {'Figure 1: NC1 during training, \lambda_W = 10^{-3}, \lambda_H = 10^{-6}, \lambda_b = 0.01', ...
                      sprintf('Fashion-MNIST subsets shaped like Dataset 1/2 at %s; network %s, %d epochs; UFM at the same \\lambda', ...
                              scale_phrase (P.data.scale), ['784-' strjoin(arrayfun (@num2str, P.data.net.hidden, 'UniformOutput', false), '-') '-10'], P.data.net.epochs)});
  R = entry_figures_1to4 (P, D, 'fig1', 'Figure 1', save_figure (f, P.out, 'fig1'), t0);
  R.description = sprintf (['log NC1 against epoch for a network trained on Fashion-MNIST subsets ' ...
                            'shaped like the paper''s Dataset_1 and Dataset_2, and for the UFM ' ...
                            'trained at the same lambdas and class counts; lambda_W = %g, ' ...
                            'lambda_H = %g (lambda_Z = %.3g), lambda_b = %g.'], ...
                           D{1}.lW, D{1}.lH, D{1}.lZ, P.lb);
  for i = 1:2
    R.numbers{end+1} = sprintf (['Dataset_%d: final NC1 network %.3g (first epoch %.3g), UFM %.3g; ' ...
                                 'network accuracy %.2f%% on its training subset, %.1f%% on the ' ...
                                 '10000 test images'], i, D{i}.mlp.NC1_final, D{i}.mlp.NC1(1), ...
                                D{i}.ufm.NC1_final, 100 * D{i}.mlp.accuracy(end), ...
                                100 * D{i}.mlp.test_accuracy(end));
  end
  R.numbers = [R.numbers, R.targets];
end
