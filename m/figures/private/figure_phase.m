% SPDX-License-Identifier: GPL-3.0-or-later

function R = figure_phase (P)
%FIGURE_PHASE  Beyond the paper: phase diagram of minority collapse over
%   R = FIGURE_PHASE(P)
%
%   (lambda_Z, r = n_A/n_B) for K = 10, k_A = k_B = 5, n_B = 100,
%   lambda_b = P.lb.  Each cell is solved exactly with nc_solve
%   and classified: no collapse, minority collapsed (the columns of B
%   identical, Zbar != 0) or Zbar = 0.  Drawn over it: the exact minority
%   threshold lambda_Z = sqrt(n_B)/N, i.e. r* = (1/(lambda_Z sqrt(n_B)) - k_B)/k_A,
%   and the zero threshold lambda_Z = sqrt(n_A)/N (docs/theory.md section 5).
%   Grid size P.phase.  Writes phase.png and phase.svg.
%
%   See also: nc_figures
  t0 = tic ();
  kA = 5; kB = 5; nB = 100;
  [lZ, r] = phase_grid (P);
  state = zeros (numel (r), numel (lZ));
  for i = 1:numel (r)
    key = unit_key ('phase', P, [kA kB], [r(i) * nB, nB], lZ);
    state(i,:) = unit_cache (P.cache, key, @() classify ([kA kB], [r(i) * nB, nB], lZ, P));
  end
  [LZ, RR] = meshgrid (lZ, r);
  N = kA * RR * nB + kB * nB;
  predicted = (LZ >= sqrt (nB) ./ N) + (LZ >= sqrt (RR * nB) ./ N);
  wrong = state ~= predicted;
  % A disagreement is a resolution effect only if a neighbouring cell has
  % the other state, i.e. the cell touches the predicted boundary.
  near = false (size (wrong));
  [I, J] = find (wrong);
  for c = 1:numel (I)
    nb = predicted(max (I(c)-1, 1):min (I(c)+1, end), max (J(c)-1, 1):min (J(c)+1, end));
    near(I(c), J(c)) = any (nb(:) ~= predicted(I(c), J(c)));
  end

  f = new_figure (900, 680);
  set (f, 'colormap', [0.85 0.92 1; 1 0.8 0.6; 0.75 0.75 0.75]);
  ax = axes ('parent', f, 'position', [0.1 0.1 0.85 0.78]);
  imagesc (ax, log10 (lZ), log10 (r), state, [-0.5 2.5]);
  set (ax, 'ydir', 'normal');
  hold (ax, 'on');
  grid_lZ = logspace (log10 (lZ(1)), log10 (lZ(end)), 400);
  rstar = (1 ./ (grid_lZ * sqrt (nB)) - kB) / kA;       % minority threshold
  ok = rstar >= r(1) & rstar <= r(end);
  h1 = plot (ax, log10 (grid_lZ(ok)), log10 (rstar(ok)), 'k-', 'linewidth', 2.5);
  % Zero threshold lambda_Z = sqrt(r nB)/((kA r + kB) nB), traced over r.
  rr = logspace (0, 2, 400);
  h2 = plot (ax, log10 (sqrt (rr * nB) ./ ((kA * rr + kB) * nB)), log10 (rr), '--', ...
             'color', [0.5 0 0], 'linewidth', 2.5);
  [Iw, Jw] = find (wrong);
  h3 = plot (ax, log10 (lZ(Jw)), log10 (r(Iw)), 'rx', 'markersize', 8, 'linewidth', 2);
  xlabel (ax, 'log_{10} \lambda_Z');
  ylabel (ax, 'log_{10} r,  r = n_A / n_B');
  draw_heading (f, {sprintf('Minority collapse phase diagram: K = 10, k_A = k_B = 5, n_B = %d, \\lambda_b = %g, %d x %d grid', ...
                              nB, P.lb, numel (lZ), numel (r)), ...
                      'cells: exact optimum (nc solve).  blue: nothing collapsed,  orange: minority collapsed,  grey: Zbar = 0'});
  hl = [h1 h2];
  names = {'predicted minority threshold \lambda_Z = n_B^{1/2}/N', ...
           'predicted zero threshold \lambda_Z = n_A^{1/2}/N'};
  if (~ isempty (Iw))
    hl(end+1) = h3;
    names{end+1} = 'solver disagrees with prediction';
  end
  legend (hl, names, 'location', 'southwest');
  files = save_figure (f, P.out, 'phase');

  R.name = 'phase';
  R.title = 'Phase diagram (beyond the paper)';
  R.description = sprintf (['Minority collapse over (lambda_Z, r = n_A/n_B), K = 10, ' ...
                            'k_A = k_B = 5, n_B = %d, lambda_b = %g: each cell solved ' ...
                            'exactly and classified, against the exact thresholds of ' ...
                            'docs/theory.md section 5.'], nB, P.lb);
  R.scale = sprintf ('%d x %d cells, lambda_Z in [%g, %g], r in [1, 100], log-spaced; nc_solve tolerance %g', ...
                     numel (lZ), numel (r), lZ(1), lZ(end), P.tol);
  R.table = {'state', 'cells (solver)', 'cells (predicted)'; ...
             'no collapse', sprintf('%d', nnz (state == 0)), sprintf('%d', nnz (predicted == 0)); ...
             'minority collapsed', sprintf('%d', nnz (state == 1)), sprintf('%d', nnz (predicted == 1)); ...
             'Zbar = 0', sprintf('%d', nnz (state == 2)), sprintf('%d', nnz (predicted == 2))};
  R.numbers = {sprintf('cells where the solver disagrees with the exact thresholds: %d of %d (%d of them next to a threshold curve)', ...
                       nnz (wrong), numel (wrong), nnz (near))};
  R.summary = struct ('cells', numel (wrong), 'disagreements', nnz (wrong), ...
                      'near_threshold', nnz (near));
  R.files = files;
  R.time = toc (t0);
end

% 0: no cluster collapsed; 1: minority columns identical, Zbar != 0;
% 2: Zbar = 0.  Warm starts along lambda_Z make a row cheap.
function st = classify (k, n, lZ, P)
  counts = repelem (n, k);
  st = zeros (1, numel (lZ));
  Z = []; b = [];
  for j = 1:numel (lZ)
    if (isempty (Z))
      [Z, b] = nc_solve (counts, lZ(j), P.lb, 'Tol', P.tol);
    else
      [Z, b] = nc_solve (counts, lZ(j), P.lb, 'Tol', P.tol, 'Zbar0', Z, 'b0', b);
    end
    B = block_stats (Z, k);
    if (~ any (Z(:)))
      st(j) = 2;
    elseif (B.spread(2) <= 1e-9)
      st(j) = 1;
    end
  end
end
