% SPDX-License-Identifier: GPL-3.0-or-later

function files = save_figure (f, out, name)
%SAVE_FIGURE  Prints figure F to OUT/NAME.png and
%   FILES = SAVE_FIGURE(F, OUT, NAME)
%
%   OUT/NAME.svg, closes it and returns the two file names.
%   Each file is written under a temporary name and renamed, so an
%   interrupted run never leaves a half-written picture.
%
%   See also: new_figure, nc_figures
  files = {fullfile(out, [name '.png']), fullfile(out, [name '.svg'])};
  % Octave: pngcairo is gnuplot's own antialiased PNG (-dpng would need
  % Ghostscript); MATLAB renders PNG itself.
  if exist ('OCTAVE_VERSION', 'builtin'), png = '-dpngcairo'; else, png = '-dpng'; end
  devices = {png, '-dsvg'};
  for i = 1:2
    tmp = [files{i} '.part'];
    print (f, devices{i}, tmp);
    replace_file (tmp, files{i});
  end
  close (f);
end
