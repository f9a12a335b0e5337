% SPDX-License-Identifier: GPL-3.0-or-later

function fuzz_corrupt(f, seed)
%FUZZ_CORRUPT  Damages file F as chosen by SEED: truncates it, flips bytes,
%   or appends junk (or several of these).
  fid = fopen(f, 'r');
  if fid < 0
    return;
  end
  b = fread(fid, Inf, 'uint8=>double')';
  fclose(fid);
  u = fuzz_uniform(seed, 16);
  n = numel(b);
  if u(1) < 0.4 && n > 0
    b = b(1:floor(u(2) * n));
  end
  if u(3) < 0.5 && ~isempty(b)
    for k = 1:1 + floor(u(4) * 4)
      j = 1 + floor(u(4 + k) * numel(b));
      b(j) = mod(b(j) + 1 + floor(u(9 + k) * 255), 256);
    end
  end
  if u(15) < 0.3
    b = [b, floor(255 * fuzz_uniform(seed + 1, 1 + floor(u(16) * 40)))];
  end
  fid = fopen(f, 'w');
  fwrite(fid, b, 'uint8');
  fclose(fid);
end
