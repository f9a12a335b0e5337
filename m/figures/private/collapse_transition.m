% SPDX-License-Identifier: GPL-3.0-or-later

function T = collapse_transition (idx, spread, istar, tol)
%COLLAPSE_TRANSITION  Where a row of Figures 5-8 shows minority collapse, in grid steps.
%   T = COLLAPSE_TRANSITION(IDX, SPREAD, ISTAR, TOL)
%
%   SPREAD(j) is the relative spread of the minority columns of Zbar at
%   grid index IDX(j) (increasing; the grid increases towards collapse),
%   ISTAR the first grid index at or beyond the predicted threshold, TOL
%   the spread at or below which the minority columns count as coinciding.
%   Fields of T:
%     collapsed   SPREAD <= TOL, per point
%     onset       the first grid index run that has collapsed (NaN if none)
%     onset_lower the grid index after the point run before it: the onset
%                 lies in onset_lower..onset (equal when no points between
%                 were left out)
%     steps       onset - ISTAR: 0 when the row collapses exactly where
%                 predicted, +1 one grid step late
%     first       the first grid index from which every point run has
%                 collapsed (NaN if the last one has not); equal to onset
%                 unless the row separates again after collapsing
%     lower       the grid index after the last point run that has not
%                 collapsed: the transition lies in lower..first (equal
%                 when the points run are contiguous there)
%     steps_sustained  first - ISTAR
%     apart_below every point before ISTAR has SPREAD > TOL
%     coincide_above  every point at or after ISTAR has SPREAD <= TOL
%     within_one  |steps| <= 1 (the figures' target)
%
%   See also: two_cluster_grid
  idx = idx(:)';
  spread = spread(:)';
  T.collapsed = spread <= tol;
  last_open = find (~ T.collapsed, 1, 'last');
  if (isempty (last_open))
    T.first = idx(1);
    T.lower = 1;
  elseif (last_open == numel (idx))
    T.first = NaN;
    T.lower = NaN;
  else
    T.first = idx(last_open + 1);
    T.lower = idx(last_open) + 1;
  end
  j = find (T.collapsed, 1);
  T.onset = NaN;
  T.onset_lower = NaN;
  if (~ isempty (j))
    T.onset = idx(j);
    T.onset_lower = 1;
    if (j > 1)
      T.onset_lower = idx(j-1) + 1;
    end
  end
  T.steps = T.onset - istar;
  T.steps_sustained = T.first - istar;
  T.apart_below = all (~ T.collapsed(idx < istar));
  T.coincide_above = all (T.collapsed(idx >= istar));
  T.within_one = ~ isnan (T.steps) && abs (T.steps) <= 1;
end

%!test
%! T = collapse_transition (1:6, [0.5 0.3 0.1 0.01 0 0], 4, 0.05);
%! assert ([T.first T.lower T.steps], [4 4 0]);
%! assert (T.apart_below && T.coincide_above && T.within_one);
%!test  % one step late, on a subset of the grid
%! T = collapse_transition ([1 2 3 4 5 10], [0.5 0.3 0.1 0.2 0.01 0], 4, 0.05);
%! assert ([T.first T.lower T.steps T.onset], [5 5 1 5]);
%!test  % collapses one step late, separates again further on
%! T = collapse_transition (1:8, [0.9 0.3 0.2 0.01 0.02 0.12 0.04 0], 3, 0.05);
%! assert ([T.onset T.steps T.first T.steps_sustained T.onset_lower], [4 1 7 4 4]);
%! assert (T.within_one); assert (T.apart_below); assert (~ T.coincide_above);
%! assert (T.apart_below); assert (~ T.coincide_above); assert (T.within_one);
%!test  % never collapses; collapses everywhere
%! T = collapse_transition (1:3, [0.5 0.3 0.2], 2, 0.05);
%! assert (isnan (T.first)); assert (~ T.within_one);
%! T = collapse_transition (1:3, [0 0 0], 2, 0.05);
%! assert ([T.first T.steps], [1 -1]); assert (~ T.apart_below);
%! T = collapse_transition (1:3, [0.5 0.3 0.2], 2, 0.05);
%! assert (isnan (T.onset) && isnan (T.steps));
%!test  % a gap in the points run: the transition is only bracketed
%! T = collapse_transition ([1 2 3 10], [0.5 0.4 0.3 0], 4, 0.05);
%! assert ([T.lower T.first T.steps T.onset_lower], [4 10 6 4]);
