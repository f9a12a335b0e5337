% SPDX-License-Identifier: GPL-3.0-or-later

function s = scale_phrase (scale)
%SCALE_PHRASE  'the paper''s sizes' at SCALE 1, else '0.1 x the paper''s sizes'.
%   S = SCALE_PHRASE(SCALE)
%
%   For the titles and the report of Figures 1-4.
%
%   See also: train_data_runs
  if (scale == 1)
    s = 'the paper''s sizes';
  else
    s = sprintf ('%g x the paper''s sizes', scale);
  end
end

%!assert (scale_phrase (1), 'the paper''s sizes')
%!assert (scale_phrase (0.1), '0.1 x the paper''s sizes')
