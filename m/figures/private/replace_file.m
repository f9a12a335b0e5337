% SPDX-License-Identifier: GPL-3.0-or-later

function replace_file (tmp, file)
%REPLACE_FILE  Move the finished temporary file TMP onto FILE.
%   Results are written under a temporary name first, so that Ctrl-C or a
%   crash never leaves a truncated file behind; on one file system the move
%   is a rename, which replaces FILE in one step.
  [ok, msg] = movefile (tmp, file, 'f');
  if ~ ok
    if exist (tmp, 'file')
      delete (tmp);
    end
    error ('ncufm:fileWrite', 'nc_figures: cannot write %s: %s', file, msg);
  end
end
