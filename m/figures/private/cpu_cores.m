% SPDX-License-Identifier: GPL-3.0-or-later

function n = cpu_cores ()
%CPU_CORES  Number of processor cores, for the report's record of the machine.
  if exist ('OCTAVE_VERSION', 'builtin')
    n = nproc ();
  else
    n = feature ('numcores');
  end
end
