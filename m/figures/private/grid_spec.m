% SPDX-License-Identifier: GPL-3.0-or-later

function G = grid_spec (number, P)
%GRID_SPEC  The setting of Figure NUMBER (5-8) and the grid points profile P runs.
%   G = GRID_SPEC(NUMBER, P)
%
%   Two clusters: A (majority) with k_A classes of n_A samples, B (minority)
%   with k_B classes of n_B = 100 (docs/theory.md section 7):
%     5: k_A = k_B = 5, n_A = 500, across lambda_Z
%     6: k_A = 3, k_B = 7, n_A = 500, across lambda_Z
%     7: k_A = k_B = 5, lambda_Z = 0.005, across n_A
%     8: k_A = 3, k_B = 7, lambda_Z = 0.005, across n_A
%   Minority collapse is predicted for lambda_Z >= sqrt(n_B)/(k_A n_A + k_B n_B),
%   i.e. for n_A >= (sqrt(n_B)/lambda_Z - k_B n_B)/k_A (docs/theory.md section 5).
%
%   Fields: name, number, k, x (the paper's 10-point grid), xname (TeX),
%   xname_md, fixed (text of the fixed quantities), sets (10 x 3: n_A, n_B,
%   lambda_Z per grid point), xstar (the predicted threshold in closed form),
%   istar (the first grid index at or beyond it), xstar_tool (the same from
%   nc_thresholds), and the grid indices run: idx_net (the network: the
%   P.net.grid points nearest the threshold) and idx (theory and UFM: P.grid
%   points, the first, the last and those nearest the threshold, and those
%   of idx_net).
%
%   See also: two_cluster_grid, plan_units
  nB = 100;
  switch (number)
    case {5, 6}
      if (number == 5)
        kA = 5; kB = 5;
        x = [0.0027 0.0030 0.0033 0.0039 0.0045 0.0051 0.0057 0.0063 0.0069 0.0075];
      else
        kA = 3; kB = 7;
        x = [0.0037 0.0041 0.0045 0.0053 0.0062 0.0070 0.0078 0.0086 0.0094 0.0102];
      end
      nA = 500;
      G.sets = [repmat([nA nB], numel (x), 1), x(:)];
      G.xname = '\lambda_Z'; G.xname_md = 'lambda_Z';
      G.fixed = sprintf ('n_A = %d, n_B = %d', nA, nB);
      G.xstar = sqrt (nB) / (kA * nA + kB * nB);
      T = nc_thresholds ([kA kB], [nA nB], P.lb);
      G.xstar_tool = T.collapse(2);
    case {7, 8}
      lZ = 0.005;
      if (number == 7)
        kA = 5; kB = 5;
        x = [100 200 300 400 600 800 1000 1100 1200 1400];
      else
        kA = 3; kB = 7;
        x = [100 400 450 500 700 1000 1600 2200 2500 2800];
      end
      G.sets = [x(:), repmat([nB lZ], numel (x), 1)];
      G.xname = 'n_A'; G.xname_md = 'n_A';
      G.fixed = sprintf ('n_B = %d, \\lambda_Z = %g', nB, lZ);
      G.xstar = (sqrt (nB) / lZ - kB * nB) / kA;
      T = nc_thresholds ([kA kB], [x(1) nB], P.lb, 'LambdaZ', lZ);
      G.xstar_tool = T.n_major;
    otherwise
      error ('ncufm:badFigure', 'grid_spec: NUMBER must be 5, 6, 7 or 8');
  end
  G.name = sprintf ('fig%d', number);
  G.number = number;
  G.k = [kA kB];
  G.x = x;
  G.istar = find (x >= G.xstar, 1);
  G.idx_net = nearest (numel (x), G.istar, P.net.grid);
  G.idx = union (pick (numel (x), G.istar, P.grid), G.idx_net);
end

% M of the indices 1..n: all, or the first, the last and those nearest the
% boundary between ISTAR - 1 and ISTAR, which carry the story.
function idx = pick (n, istar, m)
  if (m >= n)
    idx = 1:n;
    return;
  end
  idx = unique ([1, n, nearest(n, istar, max (0, m - 2))]);
  idx = idx(1:min (m, end));
end

% The M indices of 1..n nearest the boundary between ISTAR - 1 and ISTAR
% (as many on each side as the grid allows), in increasing order.
function idx = nearest (n, istar, m)
  [~, order] = sort (abs ((1:n) - (istar - 0.5)));
  idx = sort (order(1:min (m, n)));
end

%!test
%! P = profile_settings ('quick', 'x');
%! for f = 5:8
%!   G = grid_spec (f, P);
%!   assert (G.xstar, G.xstar_tool, 1e-6 * G.xstar);
%!   assert (G.x(G.istar) >= G.xstar && (G.istar == 1 || G.x(G.istar - 1) < G.xstar));
%! end
%! G = grid_spec (5, P);
%! assert (G.istar, 4);                 % 0.0039 is the first point beyond sqrt(100)/3000
%! assert (G.idx, 1:10);
%! P.net.grid = 4;
%! G = grid_spec (5, P);
%! assert (G.idx_net, [2 3 4 5]);
%! P.grid = 4;
%! G = grid_spec (7, P);                % threshold n_A = 300 is grid point 3
%! assert (G.idx_net, [1 2 3 4]); assert (G.idx, [1 2 3 4 10]);
