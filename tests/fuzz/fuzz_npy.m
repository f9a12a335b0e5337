% SPDX-License-Identifier: GPL-3.0-or-later

function f = fuzz_npy(seed)
%FUZZ_NPY  Writes the .npy file of the fuzzer's corpus numbered SEED.
%   F = FUZZ_NPY(SEED) returns its path.  About a quarter of the files are
%   valid; the others have a bad magic string or version, a header length
%   that lies, a dtype, fortran_order or shape NumPy would not write (huge,
%   negative, 0-d, 3-d, malformed tuples, leading zeros), missing or
%   repeated keys, bad padding, truncated or extra data, or flipped bytes.
  u = fuzz_uniform(seed, 40);
  pick = @(i, c) c{1 + floor(u(i) * numel(c))};
  rows = floor(u(1) * 4);
  cols = 1 + floor(u(2) * 4);
  valid = u(3) < 0.25;
  descr = '<f8';
  if u(4) < 0.5
    descr = '<f4';
  end
  fortran = pick(5, {'False', 'True'});
  shape = pick(6, {sprintf('(%d, %d)', rows, cols), sprintf('(%d,)', rows * cols)});
  version = pick(7, {[1 0], [2 0], [3 0]});
  if ~valid
    if u(8) < 0.3
      descr = pick(9, {'>f8', '<i4', '|u1', '<f2', '<c16', 'O', '<f8 ', '', '<f16', ...
                       '[(''a'', ''<f4'')]', '<U3', 'f8', '=f8', '<f8''', '<F8'});
    end
    if u(10) < 0.2
      fortran = pick(11, {'None', '1', 'false', '', 'Tru', '''True'''});
    end
    if u(12) < 0.5
      shape = pick(13, {'()', '(12)', '(1152921504606846975,)', '(0, 1152921504606846975)', ...
                        '(-1, 3)', '(2, 3, 4)', '(00, 3)', '(3,,)', ...
                        '(1099511627776, 1099511627776)', '(9223372036854775807, 2)', ...
                        '(18446744073709551616,)', ' ( 2 , 3 , ) ', '(2, 3', '[2, 3]', ...
                        '(1e3,)', '(0x10,)', '(+2, 3)', '(2,  3)', '(4294967296, 4294967296)', ...
                        '(0,)', '(0, 0)', '(3, 0)', '(,)', '(2 3)', '(2,3,)'});
    end
    if u(14) < 0.15
      version = pick(15, {[0 0], [1 1], [4 0], [255 255], [2 1]});
    end
  end
  header = sprintf('{''descr'': ''%s'', ''fortran_order'': %s, ''shape'': %s, }', descr, ...
                   fortran, shape);
  if ~valid && u(16) < 0.25
    header = pick(17, {strrep(header, '''descr''', '''desc'''), ...
                       strrep(header, '''shape'': ', '''shape'': (2, 2), ''shape'': '), ...
                       strrep(header, ', }', ', ''extra'': 1, }'), ...
                       strrep(header, '''', '"'), header(2:end), header(1:end - 3), ...
                       [header repmat(' ', 1, 70000)], strrep(header, 'descr', ['de' char(0) 'cr']), ...
                       strrep(header, ' ', char(200)), ''});
  end
  lead = 6 + 2 + 2 + 2 * (version(1) >= 2);
  pad = 64 - mod(numel(header) + 1 + lead, 64);
  if pad == 64
    pad = 0;
  end
  header = [header repmat(' ', 1, pad) char(10)];
  hlen = numel(header);
  if ~valid && u(18) < 0.15
    hlen = pick(19, {0, hlen - 1, hlen + 1, hlen + 64, 65535, 4294967295, 1});
  end
  magic = [147 double('NUMPY')];
  if ~valid && u(20) < 0.05
    magic(1 + floor(u(21) * 6)) = floor(u(22) * 256);
  end
  if version(1) >= 2
    lenbytes = mod(floor(hlen ./ 256 .^ (0:3)), 256);
  else
    lenbytes = mod(floor(min(hlen, 65535) ./ 256 .^ (0:1)), 256);
  end
  item = 8;
  if strcmp(descr, '<f4')
    item = 4;
  end
  count = rows * cols;
  data = mod(floor((1:count * item) * 37.3), 256);
  if ~valid && u(23) < 0.3
    cut = floor(u(24) * (numel(data) + 1));
    data = data(1:cut);
  elseif ~valid && u(23) < 0.4
    data = [data, 1:floor(u(25) * 20)];
  end
  bytes = [magic, version, lenbytes, double(header), data];
  if ~valid && u(26) < 0.1
    for k = 1:3
      j = 1 + floor(u(26 + k) * numel(bytes));
      bytes(j) = floor(u(29 + k) * 256);
    end
  end
  f = fuzz_tmp(sprintf('corpus_%d.npy', round(seed)));
  fid = fopen(f, 'w');
  fwrite(fid, mod(bytes, 256), 'uint8');
  fclose(fid);
end
