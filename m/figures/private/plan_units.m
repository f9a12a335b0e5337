% SPDX-License-Identifier: GPL-3.0-or-later

function U = plan_units (P, name)
%PLAN_UNITS  Every cached unit of work figure NAME ('fig1' ... 'phase') needs.
%   U = PLAN_UNITS(P, NAME)
%
%   A struct array with fields file (the unit's cache file, from unit_key
%   and unit_cache), kind (its tag: solve, ufm, net, phase), cost (estimated
%   seconds, unit_cost), label (for progress lines) and figure (NAME).  The
%   figure scripts build their units from the same settings (grid_spec,
%   phase_grid, train_data_runs' counts), so the plan and the run agree;
%   progress_tracker turns it into the time left.
%
%   See also: progress_tracker, unit_key, nc_figures
  U = struct ('file', {}, 'kind', {}, 'cost', {}, 'label', {}, 'figure', {});
  switch (name)
    case {'fig1', 'fig2', 'fig3', 'fig4'}
      base = {[5000 5000 5000 5000 4000 4000 4000 3000 3000 3000], ...
              [5000 5000 5000 5000 3000 3000 1000 1000 1000 1000]};
      lW = 1e-3; lH = 1e-6;
      for i = 1:2
        c = max (round (base{i} * P.data.scale), 1);
        tag = sprintf ('Dataset_%d', i);
        U = add (U, P, name, unit_key ('solve', P, c, nc_lambda (lW, lH)), [tag ' exact optimum']);
        U = add (U, P, name, unit_key ('ufm', P, c, lW, lH, P.data.ufm), [tag ' UFM']);
        U = add (U, P, name, unit_key ('net', P, c, lW, lH, P.data.net, true), ...
                 sprintf ('%s network (N = %d, %d epochs)', tag, sum (c), P.data.net.epochs));
        [lWe, lbe] = effective_lambdas (P.data.net, lW, P.lb);
        if (lWe ~= lW)
          U = add (U, P, name, unit_key ('solve', P, c, nc_lambda (lWe, lH), lbe), ...
                   [tag ' exact optimum at the effective lambdas']);
        end
      end
    case {'fig5', 'fig6', 'fig7', 'fig8'}
      G = grid_spec (str2double (name(4:end)), P);
      for i = G.idx
        c = repelem (G.sets(i,1:2), G.k);
        lZ = G.sets(i,3);
        at = sprintf ('%s = %.4g', G.xname_md, G.x(i));
        U = add (U, P, name, unit_key ('solve', P, c, lZ), ['theory ' at]);
        U = add (U, P, name, unit_key ('ufm', P, c, 5 * lZ, lZ / 20, P.ufm), ['UFM ' at]);
      end
      for i = G.idx_net
        c = repelem (G.sets(i,1:2), G.k);
        lZ = G.sets(i,3);
        U = add (U, P, name, unit_key ('net', P, c, 5 * lZ, lZ / 20, P.net, false), ...
                 sprintf ('network %s = %.4g (N = %d)', G.xname_md, G.x(i), sum (c)));
      end
    case 'fig9'
      k = [5 5];
      for nA = P.fig9(:)'
        c = repelem ([nA nA/2], k);
        lZ = 0.1 / sum (c);
        U = add (U, P, name, unit_key ('solve', P, c, lZ), sprintf ('theory n_A = %d', nA));
        if (any (P.fig9_train == nA))
          U = add (U, P, name, unit_key ('ufm', P, c, 5 * lZ, lZ / 20, P.ufm), ...
                   sprintf ('UFM n_A = %d', nA));
        end
        if (any (P.fig9_net == nA))
          U = add (U, P, name, unit_key ('net', P, c, 5 * lZ, lZ / 20, P.fig9_recipe, false), ...
                   sprintf ('network n_A = %d (N = %d)', nA, sum (c)));
        end
      end
    case 'phase'
      [lZ, r] = phase_grid (P);
      for i = 1:numel (r)
        U = add (U, P, name, unit_key ('phase', P, [5 5], [r(i) * 100, 100], lZ), ...
                 sprintf ('phase row r = %.3g', r(i)));
      end
    otherwise
      error ('ncufm:badFigures', 'plan_units: unknown figure ''%s''', name);
  end
end

function U = add (U, P, name, key, label)
  U(end+1) = struct ('file', unit_cache (P.cache, key), 'kind', key.tag, ...
                     'cost', unit_cost (P, key), 'label', label, 'figure', name);
end

%!test
%! P = profile_settings ('quick', tempname ());
%! U = plan_units (P, 'fig5');
%! assert (nnz (strcmp ({U.kind}, 'net')), P.net.grid);
%! assert (nnz (strcmp ({U.kind}, 'solve')), 10);
%! assert (all ([U.cost] > 0));
%! V = plan_units (P, 'fig1');
%! W = plan_units (P, 'fig3');
%! assert ({V.file}, {W.file});     % Figures 1-4 share their runs
