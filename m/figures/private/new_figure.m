% SPDX-License-Identifier: GPL-3.0-or-later

function f = new_figure (width, height)
%NEW_FIGURE  An invisible figure of WIDTH x HEIGHT pixels for headless
%   F = NEW_FIGURE(WIDTH, HEIGHT)
%
%   rendering by the figure scripts (gnuplot toolkit, octave-cli).
%
%   The first call selects the gnuplot toolkit and makes sure the text
%   renderer has a font: Octave falls back to FreeSans (Debian package
%   fonts-freefont-otf), and a machine without it fails to create any axes.
%   Then a private folder of links to the system's sans-serif faces (found by
%   fc-match) is put in OCTAVE_FONTS_DIR before anything is drawn.
%
%   See also: save_figure, nc_figures
  persistent ready
  if isempty (ready)
    if exist ('OCTAVE_VERSION', 'builtin')
      provide_fonts ();
      % gnuplot is the only toolkit octave-cli renders with; its warning is noise.
      warning ('off', 'Octave:gnuplot-graphics');
      graphics_toolkit ('gnuplot');
    end
    ready = true;
  end
  f = figure ('visible', 'off', 'position', [0 0 width height], ...
              'paperpositionmode', 'auto', 'color', 'w');
end

function provide_fonts ()
  % Octave's text renderer needs FreeSans; MATLAB brings its own fonts.
  if ~ exist ('OCTAVE_VERSION', 'builtin')
    return;
  end
  dirs = {getenv('OCTAVE_FONTS_DIR'), '/usr/share/fonts/opentype/freefont', ...
          __octave_config_info__('octfontsdir')};
  for i = 1:numel (dirs)
    if (~ isempty (dirs{i}) && exist (fullfile (dirs{i}, 'FreeSans.otf'), 'file'))
      return;
    end
  end
  faces = {'FreeSans', 'sans'; 'FreeSansBold', 'sans:bold'; ...
           'FreeSansOblique', 'sans:oblique'; 'FreeSansBoldOblique', 'sans:bold:oblique'};
  % One folder per user, shared by concurrent runs: a link that another
  % run made first is simply kept.
  here = fullfile (tempdir (), sprintf ('ncufm_fonts_%d', getuid ()));
  if (~ exist (here, 'dir'))
    mkdir (here);
  end
  for i = 1:size (faces, 1)
    [st, file] = system (sprintf ('fc-match -f ''%%{file}'' ''%s'' 2>/dev/null', faces{i,2}));
    link = fullfile (here, [faces{i,1} '.otf']);
    if (st == 0 && exist (file, 'file') && ~ exist (link, 'file'))
      [~] = symlink (file, link);
    end
  end
  setenv ('OCTAVE_FONTS_DIR', here);
end
