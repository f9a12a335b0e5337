% SPDX-License-Identifier: GPL-3.0-or-later

function out = progress_tracker (action, varargin)
%PROGRESS_TRACKER  Progress lines and the time left of a run of nc_figures.
%   PROGRESS_TRACKER('init', PLAN, VERBOSE)
%   PROGRESS_TRACKER('start', FILE)
%   PROGRESS_TRACKER('done', FILE, SECONDS)
%   S = PROGRESS_TRACKER('status')
%   PROGRESS_TRACKER('clear')
%
%   PLAN is the struct array of plan_units (fields file, kind, cost, label,
%   figure): every unit the run will need.  Units whose file is already in
%   the cache when the run starts cost nothing.  unit_cache reports each
%   unit it computes ('start', 'done'); each finished unit prints one line
%   with its time and the time left: the estimated cost of every unit not
%   yet computed, each kind (net, ufm, solve, phase) rescaled by the ratio
%   of measured to estimated seconds of the units of that kind computed so
%   far (or of all kinds, before the first of its own).  Outside a run
%   (before 'init' or after 'clear') every call does nothing.
%
%   S has fields units, cached, done, left (seconds) and elapsed.
%
%   See also: plan_units, unit_cache, nc_figures
  persistent T
  out = [];
  switch (action)
    case 'init'
      plan = varargin{1};
      T.plan = plan;
      T.cached = arrayfun (@(u) exist (u.file, 'file') == 2, plan(:));
      T.done = false (numel (plan), 1);
      T.actual = zeros (numel (plan), 1);
      T.verbose = varargin{2};
      T.t0 = tic ();
      T.extra = 0;   % seconds of computed units outside the plan
    case 'clear'
      T = [];
    case 'start'
      if (isempty (T))
        return;
      end
      i = find_unit (T, varargin{1});
      if (T.verbose && ~ isempty (i) && T.plan(i).cost * ratio (T, T.plan(i).kind) > 60)
        fprintf ('  [%s] %s: started, ~%s\n', T.plan(i).figure, T.plan(i).label, ...
                 duration_text (T.plan(i).cost * ratio (T, T.plan(i).kind)));
        flush_output ();
      end
    case 'done'
      if (isempty (T))
        return;
      end
      [file, seconds] = deal (varargin{:});
      i = find_unit (T, file);
      if (isempty (i))
        T.extra = T.extra + seconds;
        return;
      end
      % A unit found corrupt in the cache is computed after all: count it.
      T.cached(i) = false;
      T.done(i) = true;
      T.actual(i) = seconds;
      if (T.verbose)
        S = status (T);
        fprintf ('  [%s] %-52s %8s; %d units left, ~%s left\n', T.plan(i).figure, ...
                 T.plan(i).label, duration_text (seconds), S.units - S.cached - S.done, ...
                 duration_text (S.left));
        flush_output ();
      end
    case 'status'
      if (~ isempty (T))
        out = status (T);
      end
    otherwise
      error ('ncufm:badAction', 'progress_tracker: unknown action ''%s''', action);
  end
end

function i = find_unit (T, file)
  i = find (strcmp ({T.plan.file}, file), 1);
end

% Measured over estimated seconds of the computed units of KIND; before the
% first of its own, that of all units estimated at a second or more (how
% loaded the machine is); 1 before any.
function r = ratio (T, kind)
  kinds = {T.plan.kind};
  cost = [T.plan.cost]';
  own = T.done(:) & strcmp (kinds(:), kind);
  if (~ any (own))
    own = T.done(:) & cost >= 1;
  end
  r = 1;
  if (any (own))
    r = sum (T.actual(own)) / sum (cost(own));
  end
end

function S = status (T)
  S.units = numel (T.plan);
  S.cached = nnz (T.cached);
  S.done = nnz (T.done);
  S.elapsed = toc (T.t0);
  S.left = 0;
  todo = find (~ T.cached & ~ T.done);
  for i = todo(:)'
    S.left = S.left + T.plan(i).cost * ratio (T, T.plan(i).kind);
  end
end

%!test
%! plan = struct ('file', {'a', 'b', 'c', 'd'}, 'kind', {'net', 'net', 'solve', 'ufm'}, ...
%!                'cost', {10, 20, 0.5, 4}, 'label', {'A', 'B', 'C', 'D'}, 'figure', 'f');
%! progress_tracker ('init', plan, false);
%! S = progress_tracker ('status');
%! assert ([S.units S.cached S.done], [4 0 0]); assert (S.left, 34.5);
%! progress_tracker ('done', 'c', 0.01);  % a cheap solve says nothing of the rest
%! S = progress_tracker ('status');
%! assert (S.left, 34, 1e-12);
%! progress_tracker ('done', 'a', 30);    % nets take 3 times the estimate,
%! S = progress_tracker ('status');       % and so, until measured, do UFMs
%! assert (S.done, 2); assert (S.left, 3 * 20 + 3 * 4, 1e-12);
%! progress_tracker ('clear');
%! assert (isempty (progress_tracker ('status')));
