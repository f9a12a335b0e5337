% SPDX-License-Identifier: GPL-3.0-or-later

function d = fuzz_idx(seed)
%FUZZ_IDX  Writes the folder of IDX files of the fuzzer's corpus numbered SEED.
%   D = FUZZ_IDX(SEED) returns a folder holding train- and t10k- image and
%   label files as nc_fmnist reads them.  About a quarter are valid (a few
%   28 x 28 images); the others have a bad magic number, type or number of
%   dimensions, sizes from 0 to 2^32 - 1 (87 million images among them),
%   labels outside 0..9, counts that disagree, truncated or extra data, or
%   a corrupt gzip stream.
  u = fuzz_uniform(seed, 40);
  pick = @(i, c) c{1 + floor(u(i) * numel(c))};
  count = floor(u(1) * 4);
  valid = u(2) < 0.25;
  dims = [count 28 28];
  ldims = count;
  type = 8;
  ndim = 3;
  if ~valid
    if u(3) < 0.4
      dims(1 + floor(u(4) * 3)) = pick(5, {0, 87000000, 2147483647, 4294967295, 27, 29, ...
                                           count + 1, 16777216});
    end
    if u(6) < 0.2
      ldims = pick(7, {0, count + 1, 87000000, 4294967295});
    end
    if u(8) < 0.1
      type = pick(9, {9, 11, 12, 13, 14, 0, 255});
    end
    if u(10) < 0.1
      ndim = pick(11, {0, 1, 2, 4, 255});
    end
  end
  d = fuzz_tmp(sprintf('idx_%d', round(seed)));
  if ~exist(d, 'dir')
    mkdir(d);
  end
  pixels = mod(floor((1:count * 784) * 13.7), 256);
  labels = mod(0:count - 1, 10);
  if ~valid && u(12) < 0.15 && count > 0
    labels(end) = pick(13, {10, 255, 128});
  end
  img = [0 0 type ndim, be32(dims(1:min(ndim, 3))), pixels];
  lab = [0 0 type 1, be32(ldims), labels];
  if ~valid && u(14) < 0.15
    img = [0 0 type 3, be32(dims)];   % header only
  end
  if ~valid && u(15) < 0.2
    img = img(1:floor(u(16) * numel(img)));
  end
  if ~valid && u(17) < 0.1
    lab = [lab, 1 2 3];
  end
  if ~valid && u(18) < 0.05
    img(1:2) = [1 2];
  end
  for stem = {'train', 't10k'}
    write(fullfile(d, [stem{1} '-images-idx3-ubyte.gz']), img, ~valid && u(19) < 0.1);
    write(fullfile(d, [stem{1} '-labels-idx1-ubyte.gz']), lab, ~valid && u(20) < 0.05);
  end
end

function b = be32(v)
  b = zeros(1, 4 * numel(v));
  for i = 1:numel(v)
    b(4 * i - 3:4 * i) = mod(floor(v(i) ./ 256 .^ (3:-1:0)), 256);
  end
end

% A corrupt gzip stream: a valid gzip header followed by junk.
function write(f, bytes, corrupt)
  if corrupt
    bytes = [31 139 8 0 0 0 0 0 0 3, mod((1:60) * 37, 256)];
  end
  fid = fopen(f, 'w');
  fwrite(fid, bytes, 'uint8');
  fclose(fid);
end
