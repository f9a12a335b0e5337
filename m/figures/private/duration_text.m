% SPDX-License-Identifier: GPL-3.0-or-later

function s = duration_text (t)
%DURATION_TEXT  A duration as "3.2 s", "4 min 10 s" or "1 h 5 min" (the C core's
%   S = DURATION_TEXT(SECONDS)
%
%   nc_format_duration, for the Octave side of the figure scripts).
  if (t < 59.95)
    s = sprintf ('%.1f s', t);
    return;
  end
  t = round (t);
  if (t < 3600)
    s = sprintf ('%d min %d s', floor (t / 60), round (mod (t, 60)));
  else
    s = sprintf ('%d h %d min', floor (t / 3600), round (mod (t, 3600) / 60));
  end
end

%!assert (duration_text (3.21), '3.2 s')
%!assert (duration_text (250), '4 min 10 s')
%!assert (duration_text (3900), '1 h 5 min')
