% SPDX-License-Identifier: GPL-3.0-or-later

function fuzz_start(root, mexdir)
%FUZZ_START  Puts ncufm on the path for the fuzzer, MEXDIR's MEX files first.
%   FUZZ_START(ROOT, MEXDIR) runs nc_setup from ROOT/m, then puts MEXDIR (a
%   folder of instrumented builds, or '' for none) ahead of it and checks
%   that nc_solve resolves there.
  addpath(fullfile(root, 'm'));
  nc_setup();
  if ~isempty(mexdir)
    addpath(mexdir);
    w = which('nc_solve');
    if ~strncmp(w, mexdir, numel(mexdir))
      error('fuzz_start: nc_solve resolves to %s, not to %s', w, mexdir);
    end
  end
end
