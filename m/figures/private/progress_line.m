% SPDX-License-Identifier: GPL-3.0-or-later

function progress_line (P, tag, done, total, t0, what)
%PROGRESS_LINE  One progress line of a figure script: which unit just finished
%   PROGRESS_LINE(P, TAG, DONE, TOTAL, T0, WHAT)
%
%   (WHAT), how many of TOTAL are done, the time since
%   T0 = tic and the time left, extrapolated from the units done
%   so far.  Units served from the cache count as done, so on a rerun the
%   estimate is pessimistic at first and tightens as computed units arrive.
%   Silent when P.verbose is false.
  if (~ P.verbose)
    return;
  end
  el = toc (t0);
  left = el / max (done, 1) * (total - done);
  fprintf ('  [%s] %3d/%-3d %-40s %8s elapsed, ~%s left\n', tag, done, total, what, ...
          duration_text (el), duration_text (left));
  flush_output ();
end
