% SPDX-License-Identifier: GPL-3.0-or-later

function [t, ratio] = interleaved_times (fs, reps)
  % Times every function of FS once per round, REPS rounds: the minimum
  % time of each, and RATIO(i, j) the median over rounds of time i / time j.
  % Timing the candidates side by side within a round makes the ratios
  % robust to the load of other processes, which drifts over seconds.
  n = numel (fs);
  times = zeros (reps, n);
  for r = 1:reps
    for i = 1:n
      t0 = tic (); fs{i} (); times(r, i) = toc (t0);
    end
  end
  t = min (times, [], 1);
  ratio = zeros (n);
  for i = 1:n
    ratio(i, :) = median (times(:, i) ./ times, 1);
  end
end
