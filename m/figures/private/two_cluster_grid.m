% SPDX-License-Identifier: GPL-3.0-or-later

function R = two_cluster_grid (P, G)
%TWO_CLUSTER_GRID  The common body of Figures 5-8: Zbar across a grid of one varied
%   R = TWO_CLUSTER_GRID(P, G)
%
%   quantity x (lambda_Z, or the majority size n_A) for two clusters, A with
%   G.k(1) classes and B with G.k(2) (G from grid_spec).  Three rows:
%     theory   the exact optimum Zbar* (nc_solve, checked against nc_theory)
%     UFM      the nonconvex UFM trained by gradient descent (nc_ufm_train)
%     network  an MLP trained on Fashion-MNIST images with the figure's class
%              counts (train_net), at the grid points G.idx_net
%   all at lambda_W = 5 lambda_Z, lambda_H = lambda_Z/20, lambda_b = P.lb.
%   The minority collapse of each row, where the relative spread of the
%   minority columns of Zbar falls to 0 (theory: <= 1e-9; UFM and network:
%   <= 0.05, the columns coincide), is located on the grid and compared
%   with the prediction in grid steps (collapse_transition); the solver's
%   collapse point is also located to 1e-7 relative by bisection with
%   nc_solve.  Returns the report entry, with R.summary for summary.json.
%
%   See also: grid_spec, sweep_rows, sweep_nets, draw_grid_rows
  t0 = tic ();
  tol = 0.05;
  x = G.x(G.idx);
  sets = G.sets(G.idx, :);
  S = sweep_rows (P, G.k, sets(:,1:2), sets(:,3), true);
  [~, pos] = ismember (G.idx_net, G.idx);
  nsets = G.sets(G.idx_net, :);
  NS = sweep_nets (P, G.k, nsets(:,1:2), nsets(:,3), P.net, S.Zs(pos), S.bs(pos));

  m = numel (G.idx);
  spread = nan (3, m);
  spread(1,:) = arrayfun (@(B) B.spread(2), S.Bs);
  spread(2,:) = arrayfun (@(B) B.spread(2), S.Bt);
  spread(3,pos) = arrayfun (@(B) B.spread(2), NS.B);
  Tth = collapse_transition (G.idx, spread(1,:), G.istar, 1e-9);
  Tufm = collapse_transition (G.idx, spread(2,:), G.istar, tol);
  Tnet = collapse_transition (G.idx_net, spread(3,pos), G.istar, tol);
  observed = refine (P, G, Tth);
  K = sum (G.k);

  % The picture.
  mats = cell (3, m);
  zero = false (3, m);
  notes = cell (3, m);
  for s = 1:m
    mats(1:2,s) = {S.Zs{s}; S.Zt{s}};
    zero(1,s) = ~ any (S.Zs{s}(:));
    zero(2,s) = S.zero_t(s);
    notes{1,s} = sprintf ('|Zbar| = %.3g', norm (S.Zs{s}, 'fro'));
    notes{2,s} = sprintf ('|Zbar| = %.3g', norm (S.Zt{s}, 'fro'));
    notes{3,s} = '';
  end
  for j = 1:numel (pos)
    s = pos(j);
    mats{3,s} = NS.Zbar{j};
    zero(3,s) = NS.zero(j);
    notes{3,s} = {sprintf('|Zbar| = %.3g', norm (NS.Zbar{j}, 'fro')), ...
                  sprintf('train acc. %.1f%%', 100 * NS.accuracy(j))};
  end
  D.mats = mats;
  D.zero = zero;
  D.notes = notes;
  D.rowlabels = {{'theory', 'Zbar* (nc solve)'}, {'UFM', sprintf('trained, d = %d', P.ufm.d)}, ...
                 {'network', sprintf('784-%s MLP', dash (P.net.hidden))}};
  D.coltitles = arrayfun (@(v) sprintf ('%s = %.4g', G.xname, v), x, 'UniformOutput', false);
  D.xticks = arrayfun (@(v) sprintf ('%.4g', v), x, 'UniformOutput', false);
  D.xlabel = sprintf ('%s (grid of the paper; %s)', G.xname, G.fixed);
  D.k = G.k;
  D.istar = find (G.idx >= G.istar, 1);
  D.xstar_text = sprintf ('predicted: %s = %.4g', G.xname, G.xstar);
  D.spread = spread;
  D.tol = tol;
  D.spread_names = {'theory', 'UFM', 'network'};
  heading = {sprintf('Figure %d: Zbar across %s, K = %d, k_A = %d, k_B = %d, %s, \\lambda_b = %g', ...
                     G.number, G.xname, K, G.k(1), G.k(2), G.fixed, P.lb), ...
             sprintf('network: %s on Fashion-MNIST subsets with these class counts, at %d of the %d grid points', ...
                     net_label (P.net, K), numel (G.idx_net), numel (G.x)), ...
             ['\\lambda_W = 5\\lambda_Z, \\lambda_H = \\lambda_Z/20.  Red: beyond the predicted ' ...
              'minority collapse.  One colour scale per row']};
  files = draw_grid_rows (P, G.name, heading, D);

  R.name = G.name;
  R.title = sprintf ('Figure %d', G.number);
  R.description = sprintf (['Zbar for K = %d classes, k_A = %d majority classes and k_B = %d ' ...
                            'minority classes (%s), lambda_b = %g, across the paper''s %s grid; ' ...
                            'trained at lambda_W = 5 lambda_Z, lambda_H = lambda_Z/20. Minority ' ...
                            'collapse (the minority columns of Zbar coincide) is predicted for ' ...
                            '%s >= %.4g (docs/theory.md section 5).'], K, G.k(1), G.k(2), ...
                           strrep (G.fixed, '\', ''), P.lb, G.xname_md, G.xname_md, G.xstar);
  R.scale = sprintf (['theory exact (`nc_solve`, duality-gap tolerance %g), %d of %d grid points; ' ...
                      'UFM %s, seed %d; network: %s, on Fashion-MNIST training images with the ' ...
                      'figure''s class counts (seed %d), at %d of the %d grid points (%s)'], ...
                     P.tol, m, numel (G.x), ufm_settings_text (P.ufm), P.seed, ...
                     recipe_text (P.net, K), P.seed, numel (G.idx_net), numel (G.x), ...
                     strjoin (arrayfun (@(v) sprintf ('%.4g', v), G.x(G.idx_net), ...
                                        'UniformOutput', false), ', '));
  R.numbers = {transition_text('network', Tnet, G), ...
               transition_text('UFM', Tufm, G), ...
               sprintf(['predicted threshold %s = %.6g (closed form sqrt(n_B)/N of docs/theory.md ' ...
                        'section 5; `nc_thresholds` gives %.10g); first grid point at or beyond it: ' ...
                        '%.4g (grid index %d)'], G.xname_md, G.xstar, G.xstar_tool, ...
                       G.x(G.istar), G.istar), ...
               sprintf(['solver: minority collapse observed at %s = %.6g by bisection with ' ...
                        '`nc_solve` (relative difference to the prediction %.1e)'], ...
                       G.xname_md, observed, abs (observed - G.xstar) / G.xstar), ...
               sprintf(['network: minority spread %s at %s = %s (theory %s); training ' ...
                        'accuracy %s'], mat2str (spread(3,pos), 2), G.xname_md, ...
                       mat2str (G.x(G.idx_net), 4), mat2str (spread(1,pos), 2), ...
                       mat2str (round (1000 * NS.accuracy) / 10)), ...
               sprintf('trained UFM vs Zbar*: median relative error %.2e (max %.2e); %d of %d runs met the gradient tolerance', ...
                       median (S.errZ), max (S.errZ), nnz (S.converged), numel (S.converged)), ...
               sprintf('largest certified duality gap of `nc_solve`: %.1e; `nc_theory` vs `nc_solve`: %.1e', ...
                       max (S.gap), max (S.theory_err))};
  R.targets = {sprintf('Figure %d, %s', G.number, target_text (Tnet, G))};
  R.numbers = [R.numbers, {target_text(Tnet, G)}, diagnose(G, NS, Tnet, spread(1,pos), tol, S.Zs(pos))];
  tab = {G.xname_md, 'spread of B: theory', 'UFM', 'network', 'network: rel. err. Zbar', ...
         'network: rel. err. b', 'network: NC1', 'network: train acc.', 'network: time'};
  for s = 1:m
    j = find (pos == s);
    row = {sprintf('%.4g', x(s)), sprintf('%.2g', spread(1,s)), sprintf('%.2g', spread(2,s)), ...
           '-', '-', '-', '-', '-', '-'};
    if (~ isempty (j))
      row(4:9) = {sprintf('%.2g', spread(3,s)), sprintf('%.2g', NS.errZ(j)), ...
                  sprintf('%.2g', NS.errb(j)), sprintf('%.2g', NS.NC1(j)), ...
                  sprintf('%.1f%%', 100 * NS.accuracy(j)), duration_text(NS.time(j))};
      if (NS.zero(j))
        row{4} = [row{4} ' (Zbar = 0)'];
      end
    end
    if (s >= D.istar)
      row{1} = ['**' row{1} '**'];
    end
    tab(end+1,:) = row;
  end
  R.table = tab;
  R.table_note = sprintf (['Bold: at or beyond the predicted threshold. Spread: relative spread of ' ...
                           'the minority columns of Zbar (0 when they coincide; the UFM and ' ...
                           'network count as collapsed at <= %g). Relative errors against the ' ...
                           'exact Zbar*, b* (absolute where the reference is 0). Once the ' ...
                           'minority collapses, the between-class covariance of the features ' ...
                           'loses rank and NC1 (through its pseudo-inverse) measures the tiny ' ...
                           'residual spread: large values there are expected; and training ' ...
                           'accuracy cannot exceed (k_A n_A + n_B)/N, since the collapsed ' ...
                           'minority classes are predicted alike.'], tol);
  R.summary = struct ('x_name', G.xname_md, 'x', G.x(G.idx), 'grid_index', G.idx, ...
                      'network_grid_index', G.idx_net, ...
                      'collapse_predicted', G.xstar, 'collapse_predicted_index', G.istar, ...
                      'collapse_observed_solver', observed, ...
                      'collapse_observed_network', grid_value (G, Tnet.onset), ...
                      'collapse_observed_network_index', Tnet.onset, ...
                      'collapse_observed_network_lower_index', Tnet.onset_lower, ...
                      'network_steps_from_prediction', Tnet.steps, ...
                      'network_sustained_collapse_index', Tnet.first, ...
                      'collapse_observed_ufm', grid_value (G, Tufm.onset), ...
                      'ufm_steps_from_prediction', Tufm.steps, ...
                      'spread_tolerance', tol, ...
                      'spread_minority_theory', spread(1,:), 'spread_minority_ufm', spread(2,:), ...
                      'spread_minority_network', spread(3,:), ...
                      'network_train_accuracy', NS.accuracy, 'network_NC1', NS.NC1, ...
                      'network_Zbar_error', NS.errZ, 'network_b_error', NS.errb, ...
                      'network_zero', NS.zero, ...
                      'target_network_within_one_step', Tnet.within_one, ...
                      'target_network_apart_below', Tnet.apart_below, ...
                      'target_network_coincide_above', Tnet.coincide_above, ...
                      'network_recipe', recipe_text (P.net, K));
  R.predicted = G.xstar;
  R.observed = observed;
  R.files = files;
  R.time = toc (t0);
end

function s = dash (v)
  s = strjoin (arrayfun (@num2str, v, 'UniformOutput', false), '-');
end

function v = grid_value (G, i)
  v = NaN;
  if (~ isnan (i))
    v = G.x(i);
  end
end

function s = transition_text (what, T, G)
  if (isnan (T.onset))
    s = sprintf ('%s: no minority collapse on the points run (predicted from %s = %.4g on)', ...
                 what, G.xname_md, G.xstar);
    return;
  end
  where = sprintf ('%s = %.4g (grid index %d)', G.xname_md, G.x(T.onset), T.onset);
  if (T.onset_lower < T.onset)
    where = sprintf ('%s, or as early as grid index %d (points between not run)', where, T.onset_lower);
  end
  s = sprintf (['%s: minority columns coincide (spread <= 0.05) from %s; predicted threshold ' ...
                '%.4g, first grid point beyond it index %d: %+d grid steps; apart below the ' ...
                'threshold: %s; coinciding at every point beyond it: %s'], what, where, G.xstar, ...
               G.istar, T.steps, yes_no (T.apart_below), yes_no (T.coincide_above));
  if (~ isnan (T.first) && T.first > T.onset)
    s = sprintf ('%s (apart again after the onset; collapsed for good from grid index %d)', s, T.first);
  elseif (isnan (T.first))
    s = sprintf ('%s (apart again at the last point run)', s);
  end
end

function s = target_text (T, G)
  parts = {};
  if (~ T.within_one)
    parts{end+1} = 'the transition is not within one grid step of the prediction';
  end
  if (~ T.apart_below)
    parts{end+1} = 'minority columns coincide below the threshold';
  end
  if (~ T.coincide_above)
    parts{end+1} = 'minority columns stay apart above the threshold';
  end
  if (isnan (T.steps))
    where = 'no transition on the points run';
  else
    where = sprintf ('transition at grid index %d, predicted %d: %+d steps', T.onset, G.istar, T.steps);
  end
  s = ['target (network: minority columns coincide above the predicted threshold, apart ' ...
       'below, transition within one grid step): '];
  if (isempty (parts))
    s = [s 'met (' where ')'];
  else
    s = [s 'missed (' where '): ' strjoin(parts, '; ')];
  end
end

function s = yes_no (c)
  s = 'no';
  if (c)
    s = 'yes';
  end
end

% Why the network departs from the theory at the points where it does,
% from what the run measured.
function out = diagnose (G, NS, T, spread_theory, tol, Zs)
  out = {};
  scale = max (cellfun (@(Z) norm (Z, 'fro'), Zs));
  trivial = NS.zero & ~ cellfun (@(Z) near_zero (Z, scale), Zs);
  bad = find (T.collapsed ~= (spread_theory <= 1e-9) | trivial);
  for j = bad(:)'
    x = G.x(G.idx_net(j));
    v = G.sets(G.idx_net(j), :);
    N = G.k * v(1:2)';
    zero_at = sqrt (v(1)) / N;    % Zbar* = 0 from here on (docs/theory.md section 5)
    s1 = NS.B(j).spread(2);
    s0 = NS.spread_before(j);
    if (NS.zero(j))
      why = sprintf (['it fell to the trivial point Zbar = 0 (only the bias predicts; training ' ...
                      'accuracy %.1f%%), %.0f%% below the zero threshold sqrt(n_A)/N = %.4g, where ' ...
                      '|Zbar*| = %.3g'], 100 * NS.accuracy(j), 100 * (1 - v(3) / zero_at), zero_at, ...
                     norm (Zs{j}, 'fro'));
    elseif (spread_theory(j) <= 1e-9)
      trend = 'flat';
      if (s1 < 0.9 * s0)
        trend = 'still falling: more epochs would bring it closer';
      end
      why = sprintf (['its minority spread went %.2g -> %.2g over the last tenth of the epochs ' ...
                      '(%s); |Zbar| = %.3g against |Zbar*| = %.3g'], s0, s1, trend, ...
                     norm (NS.Zbar{j}, 'fro'), norm (Zs{j}, 'fro'));
      if (v(3) > 0.5 * zero_at)
        why = sprintf (['%s; lambda_Z is %.0f%% below the zero threshold sqrt(n_A)/N = %.4g, ' ...
                        'where Zbar* is small and training nears the trivial point'], why, ...
                       100 * (1 - v(3) / zero_at), zero_at);
      end
      if (NS.accuracy(j) < 1 && s1 > 0.3)
        why = sprintf ('%s; training accuracy %.1f%%', why, 100 * NS.accuracy(j));
      end
    else
      why = sprintf (['its minority spread %.2g is below the theory''s %.2g: the network''s ' ...
                      'minority columns are drawn closer than the UFM optimum''s'], s1, spread_theory(j));
    end
    if (NS.zero(j))
      state = 'Zbar = 0 where Zbar* is not';
    elseif (spread_theory(j) <= 1e-9)
      state = sprintf ('minority apart (spread %.2g > %g) where the theory collapses it', s1, tol);
    else
      state = sprintf ('minority collapsed (spread %.2g <= %g) where the theory keeps it apart (%.2g)', ...
                       s1, tol, spread_theory(j));
    end
    out{end+1} = sprintf ('network at %s = %.4g: %s; %s', G.xname_md, x, state, why);
  end
end

% The solver's collapse point: bisection on the continuous x with nc_solve,
% between the last grid point that did not collapse and the first that did.
function xo = refine (P, G, T)
  xo = NaN;
  first = T.first;
  if (isnan (first) || first == 1)
    return;
  end
  lo = G.x(T.lower - 1);
  hi = G.x(first);
  k = G.k;
  while ((hi - lo) > 1e-7 * hi)
    mid = (lo + hi) / 2;
    v = G.sets(first, :);
    if (strcmp (G.xname_md, 'lambda_Z'))
      v(3) = mid;
    else
      v(1) = mid;
    end
    Z = nc_solve (repelem (v(1:2), k), v(3), P.lb, 'Tol', P.tol);
    B = block_stats (Z, k);
    if (B.spread(2) <= 1e-9)
      hi = mid;
    else
      lo = mid;
    end
  end
  xo = (lo + hi) / 2;
end
