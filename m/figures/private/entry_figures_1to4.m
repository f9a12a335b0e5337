% SPDX-License-Identifier: GPL-3.0-or-later

function R = entry_figures_1to4 (P, D, name, title, files, t0)
%ENTRY_FIGURES_1TO4  The report entry shared by Figures 1-4 (D: the two
%   R = ENTRY_FIGURES_1TO4(P, D, NAME, TITLE, FILES, T0)
%
%   train_data_runs runs): scale, a table of the final numbers per dataset
%   and model (NC1, training accuracy, relative errors of Zbar and b against
%   the exact optimum, also after min-max standardisation), files, run time
%   since T0, and R.summary (the figures_1_4 block of summary.json: per
%   dataset, the network's and the UFM's final numbers).  R.minmax(i,m): the
%   min-max standardised distance for dataset i, model m (network, UFM).
%   The caller adds its description and leading numbers.
%
%   See also: train_data_runs, write_summary
  R.name = name;
  R.title = title;
  R.description = '';
  R.scale = scale_text (P, D);
  R.numbers = {};
  R.table = {'run', 'final NC1', 'train acc.', 'rel. err. Zbar (F)', 'rel. err. Zbar (max)', ...
             'rel. err. b', 'rel. err. b (max)', 'Zbar vs Zbar* after min-max (F)', ...
             'Zbar error still falling', 'rel. err. Zbar at the effective lambdas', 'train time'};
  models = {'mlp', 'network'; 'ufm', 'UFM'};
  R.minmax = zeros (2);
  for i = 1:2
    for m = 1:2
      X = D{i}.(models{m,1});
      E = nc_compare (X.Zbar, D{i}.Zs);
      R.minmax(i,m) = E.std_fro;
      acc = '-';
      if (isfield (X, 'accuracy_final'))
        acc = sprintf ('%.2f%%', 100 * X.accuracy_final);
      end
      falling = 'no';
      if (X.falling)
        falling = 'yes';
      end
      eff = '-';
      if (isfield (X, 'errZ_eff'))
        eff = sprintf ('%.3g', X.errZ_eff(end));
      end
      R.table(end+1,:) = {sprintf('Dataset_%d %s', i, models{m,2}), sprintf('%.3g', X.NC1_final), ...
                          acc, sprintf('%.3g', X.errZ(end)), sprintf('%.3g', X.errZ_max(end)), ...
                          sprintf('%.3g', X.errb(end)), sprintf('%.3g', X.errb_max(end)), ...
                          sprintf('%.3g', R.minmax(i,m)), falling, eff, duration_text(X.time)};
    end
  end
  for i = 1:2
    M = D{i}.mlp;
    U = D{i}.ufm;
    net = struct ('Zbar_error', M.errZ(end), 'Zbar_error_max', M.errZ_max(end), ...
                  'b_error', M.errb(end), 'NC1', M.NC1_final, ...
                  'train_accuracy', M.accuracy_final, 'test_accuracy', M.test_accuracy(end), ...
                  'Zbar_error_falling', M.falling, 'epochs', M.epoch(end), ...
                  'Zbar_minmax_error', R.minmax(i,1), 'train_seconds', M.time, ...
                  'Zbar_error_effective', M.errZ_eff(end));
    ufm = struct ('Zbar_error', U.errZ(end), 'b_error', U.errb(end), 'NC1', U.NC1_final, ...
                  'iterations', U.iterations);
    R.summary.(sprintf('Dataset_%d', i)) = struct ('N', sum (D{i}.counts), ...
        'counts', D{i}.counts, 'lambda_W', D{i}.lW, 'lambda_H', D{i}.lH, 'lambda_Z', D{i}.lZ, ...
        'lambda_b', D{i}.lb, 'lambda_W_effective', D{i}.lW_eff, ...
        'lambda_b_effective', D{i}.lb_eff, 'scale', P.data.scale, 'solver_gap', D{i}.gap, ...
        'network', net, 'ufm', ufm);
  end
  R.summary.network_recipe = recipe_text (P.data.net, 10);
  R.targets = target_lines (P, D);
  R.files = files;
  R.time = toc (t0);
end

% The profile's targets for the network, met or missed by how much, and
% what the run shows about why.
function out = target_lines (P, D)
  out = {};
  switch (P.profile)
    case 'paper'
      want = 'Zbar error <= 0.10, NC1 <= 1e-2, training accuracy 100%';
    case 'quick'
      want = 'Zbar error <= 0.25 and still falling';
    otherwise
      out{1} = 'Figures 1-4: smoke profile, toy sizes, no target';
      return;
  end
  for i = 1:2
    M = D{i}.mlp;
    miss = {};
    if (strcmp (P.profile, 'paper'))
      if (M.errZ(end) > 0.10)
        miss{end+1} = sprintf ('Zbar error %.3g (%.1fx the target)', M.errZ(end), M.errZ(end) / 0.10);
      end
      if (M.NC1_final > 1e-2)
        miss{end+1} = sprintf ('NC1 %.2g (%.1fx)', M.NC1_final, M.NC1_final / 1e-2);
      end
      if (M.accuracy_final < 1)
        miss{end+1} = sprintf ('training accuracy %.2f%%', 100 * M.accuracy_final);
      end
    else
      if (M.errZ(end) > 0.25)
        miss{end+1} = sprintf ('Zbar error %.3g (%.1fx the target)', M.errZ(end), M.errZ(end) / 0.25);
      end
      if (~ M.falling)
        miss{end+1} = 'Zbar error no longer falling';
      end
    end
    if (isempty (miss))
      verdict = 'met';
    else
      verdict = ['missed: ' strjoin(miss, ', ')];
    end
    T = numel (M.errZ);
    at = max (1, round (T / 2));
    out{end+1} = sprintf (['Figures 1-4, Dataset_%d, target of the %s profile (%s): %s. Over training the ' ...
                           'network''s Zbar error went %.3g (epoch %d) -> %.3g (epoch %d) -> %.3g ' ...
                           '(epoch %d), NC1 %.2g -> %.2g; first epoch at 100%% training accuracy: ' ...
                           '%s'], i, P.profile, want, verdict, M.errZ(1), M.epoch(1), M.errZ(at), ...
                          M.epoch(at), M.errZ(end), M.epoch(end), M.NC1(1), M.NC1_final, ...
                          first_full (M));
  end
end

function s = first_full (M)
  e = find (M.accuracy >= 1, 1);
  if (isempty (e))
    s = 'never';
  else
    s = sprintf ('%d', M.epoch(e));
  end
end

function s = scale_text (P, D)
  s = sprintf (['Fashion-MNIST subsets at %s (N = %d and %d; the paper: ' ...
                '41000 and 30000); network: %s, seed %d (the paper: ResNet18 and VGG on ' ...
                'CIFAR-10 and Fashion-MNIST, 1000 epochs, weight decay 5e-4 on every parameter, ' ...
                'lr drop at E/3). UFM: %s.'], scale_phrase (P.data.scale), sum (D{1}.counts), ...
               sum (D{2}.counts), recipe_text (P.data.net, 10), P.seed, ...
               ufm_settings_text (P.data.ufm));
  if (D{1}.lW_eff ~= D{1}.lW)
    s = sprintf (['%s With weight decay on the classifier too, the network''s own lambdas are ' ...
                  'lambda_W = %.4g and lambda_b = %.4g (lambda_Z = %.3g); its errors are given ' ...
                  'against the optimum at the nominal lambdas, as the paper does, and at these.'], ...
                 s, D{1}.lW_eff, D{1}.lb_eff, D{1}.lZ_eff);
  end
end
