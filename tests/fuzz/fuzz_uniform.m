% SPDX-License-Identifier: GPL-3.0-or-later

function u = fuzz_uniform(seed, n)
%FUZZ_UNIFORM  N deterministic uniform numbers in [0, 1) for SEED.
%   U = FUZZ_UNIFORM(SEED, N) is the Park-Miller generator (x = 16807 x mod
%   2^31 - 1, exact in doubles) started from SEED, so the corpus files of the
%   fuzzer are the same in every Octave or MATLAB version.
  x = mod(abs(round(seed)) * 48271 + 11, 2147483647);
  if x == 0
    x = 1;
  end
  u = zeros(1, n);
  for i = 1:n
    x = mod(16807 * x, 2147483647);
    u(i) = x / 2147483647;
  end
end
