% SPDX-License-Identifier: GPL-3.0-or-later

function flush_output ()
%FLUSH_OUTPUT  Show the progress lines printed so far.
%   Octave buffers standard output when it is a pipe (make figures), so a
%   progress line would appear only at the end; MATLAB's command window
%   shows it after drawnow.
  if exist ('OCTAVE_VERSION', 'builtin')
    fflush (stdout);
  else
    drawnow ('update');
  end
end
