% SPDX-License-Identifier: GPL-3.0-or-later

function x = fuzz_poke(x, i, v)
%FUZZ_POKE  X with element min(I, numel(X)) set to V (X unchanged if empty).
  if ~isempty(x)
    x(min(i, numel(x))) = v;
  end
end
