% SPDX-License-Identifier: GPL-3.0-or-later

function key = unit_key (kind, P, varargin)
%UNIT_KEY  The cache key of one unit of work of the figures (see unit_cache).
%   KEY = UNIT_KEY('solve', P, COUNTS, LZ)          nc_solve at tolerance P.tol
%   KEY = UNIT_KEY('solve', P, COUNTS, LZ, LB)      the same at lambda_b = LB
%   KEY = UNIT_KEY('ufm', P, COUNTS, LW, LH, T)     nc_ufm_train, settings T
%   KEY = UNIT_KEY('net', P, COUNTS, LW, LH, R, TEST)  nc_mlp_train, recipe R
%   KEY = UNIT_KEY('phase', P, K, N, LZ)            a row of the phase diagram
%
%   One place builds every key, so the units a figure computes and those
%   plan_units counts in advance (for the time left) are the same files.
%   A key holds every setting its result depends on, and a version number
%   v for what the stored result holds.
%
%   See also: unit_cache, unit_cost, plan_units
  a = varargin;
  switch (kind)
    case 'solve'
      lb = P.lb;
      if (numel (a) >= 3)
        lb = a{3};
      end
      key = struct ('tag', 'solve', 'counts', a{1}(:)', 'lZ', a{2}, 'lb', lb, 'tol', P.tol);
    case 'ufm'
      T = a{4};
      key = struct ('tag', 'ufm', 'counts', a{1}(:)', 'lW', a{2}, 'lH', a{3}, 'lb', P.lb, ...
                    'd', T.d, 'maxiter', T.maxiter, 'tol', T.tol, 'points', T.points, ...
                    'seed', P.seed);
    case 'net'
      key = struct ('tag', 'net', 'v', 1, 'data', 'fmnist-train', 'counts', a{1}(:)', ...
                    'lW', a{2}, 'lH', a{3}, 'lb', P.lb, 'seed', P.seed, ...
                    'options', {net_options(a{4})}, 'test', logical (a{5}));
    case 'phase'
      key = struct ('tag', 'phase', 'k', a{1}, 'n', a{2}, 'lZ', a{3}, 'lb', P.lb, 'tol', P.tol);
    otherwise
      error ('ncufm:badKind', 'unit_key: unknown kind ''%s''', kind);
  end
end
