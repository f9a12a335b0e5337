% SPDX-License-Identifier: GPL-3.0-or-later

function varargout = nc_read_npy (varargin)
%NC_READ_NPY  Read a NumPy .npy array or .npz archive, e.g. features saved from PyTorch.
%   X = NC_READ_NPY(FILE)
%   [X, INFO] = NC_READ_NPY(FILE, ...)
%   INFO = NC_READ_NPY(FILE, 'HeaderOnly', true)
%   S = NC_READ_NPY(ARCHIVE)                 every array of an .npz, as a struct
%   X = NC_READ_NPY('ARCHIVE.npz:NAME')      one array of an .npz
%
%   Reads what numpy.save, numpy.savez and numpy.savez_compressed write:
%   format versions 1.0, 2.0 and 3.0, C or Fortran order, 0, 1 or 2
%   dimensions, and every numeric dtype in either byte order ('<', '>',
%   '|', '='), each into the class of the same kind:
%
%       dtype   i1    i2    i4    i8    u1    u2     u4     u8     b1       f2      f4      f8
%       class   int8  int16 int32 int64 uint8 uint16 uint32 uint64 logical  single  single  double
%
%   (int64 labels, PyTorch's default, stay int64; every float16 value is
%   exactly a single.)  A NumPy array of shape (R, C) becomes an R x C
%   matrix, shape (R,) an R x 1 column and shape () a scalar, whatever the
%   order on disk.  An .npz archive (a zip of .npy files, stored or
%   deflated, zip64 included) gives a struct with one field per array; a
%   name that is not a valid field name is made one ('fc.weight' becomes
%   fc_weight; INFO.member keeps the original).
%
%   Options:
%     Rows
%       [first, last] (1-based, inclusive) reads only those rows, e.g. a chunk
%       of samples of an (N, d) feature file too large for memory.
%     Transpose
%       true returns the transpose (C x R).  For the usual C-order (N, d)
%       feature file this is the d x N matrix nc_metrics wants, read as a
%       plain copy without a transposition in memory.
%     HeaderOnly
%       true returns only INFO, without reading the data.
%     Member
%       the name of one array of an .npz archive (as numpy.load lists it),
%       the same as 'ARCHIVE.npz:NAME'.
%
%   INFO has fields version, dtype (as written, e.g. '<i8'), class (the
%   class X gets), fortran_order, shape (1 x ndim, as NumPy lists it),
%   data_offset and member ('' for a .npy file).  For a whole archive INFO
%   is a struct of such structs.
%
%   Malformed files are refused with an error naming the file and what is
%   wrong: ncufm:cannotOpen, ncufm:npyBadMagic, ncufm:npyVersion,
%   ncufm:npyBadHeader (the header dictionary, e.g. a shape that is not a
%   tuple), ncufm:npyDtype (complex, string, object or structured dtypes),
%   ncufm:npyShape (more than 2 dimensions, or sizes that overflow),
%   ncufm:npyTruncated (the file ends before the header or the data does),
%   ncufm:npzBadZip, ncufm:npzMember (no such array), ncufm:npzCorrupt (a
%   deflated member that does not inflate or fails its CRC), ncufm:badRows,
%   ncufm:badFile (FILE not a name, or containing a NUL character) and
%   ncufm:tooLarge (the array cannot fit in memory: read it with Rows, or
%   give the file to nc_metrics, which streams it).  The header is checked
%   against the size of the file before anything is allocated.
%
%   Example (features, labels and the last layer saved from PyTorch):
%       info = nc_read_npy ('feats.npy', 'HeaderOnly', true);   % shape [N d]
%       H = nc_read_npy ('feats.npy', 'Transpose', true);       % d x N single
%       y = nc_read_npy ('labels.npy');                         % N x 1 int64, 0-based
%       run = nc_read_npy ('run.npz');                          % run.features, run.labels, ...
%
%   See also: nc_metrics
  error ('ncufm:notBuilt', 'nc_read_npy: the MEX file is not built; run ''make''');
end

% A writer built from the format specification (numpy.lib.format, NEP 1),
% independent of the reader: magic, version, little-endian header length,
% the dictionary padded with spaces to a multiple of 64 bytes and a newline,
% then the data in C or Fortran order, in the byte order of the dtype.
%!function write_npy (file, X, dtype, fortran, version, dict)
%!  if (nargin < 5), version = 1; end
%!  if (nargin < 6)
%!    if (columns (X) == 1), shape = sprintf ('(%d,)', rows (X));
%!    else, shape = sprintf ('(%d, %d)', rows (X), columns (X)); end
%!    order = {'False', 'True'}{fortran + 1};
%!    dict = sprintf ('{''descr'': ''%s'', ''fortran_order'': %s, ''shape'': %s, }', ...
%!                    dtype, order, shape);
%!  end
%!  lenbytes = 2 + 2 * (version > 1);
%!  pre = 8 + lenbytes;
%!  total = ceil ((pre + numel (dict) + 1) / 64) * 64;
%!  dict = [dict, repmat(' ', 1, total - pre - numel (dict) - 1), char(10)];
%!  f = fopen (file, 'wb');
%!  fwrite (f, [147, double('NUMPY'), version, 0], 'uint8');
%!  fwrite (f, numel (dict), {'uint16', 'uint32'}{1 + (version > 1)}, 0, 'ieee-le');
%!  fwrite (f, dict, 'char');
%!  if (~ fortran), X = X.'; end
%!  codes = {'i1', 'i2', 'i4', 'i8', 'u1', 'u2', 'u4', 'u8', 'b1', 'f4', 'f8'};
%!  precisions = {'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', ...
%!                'uint64', 'uint8', 'float32', 'float64'};
%!  p = precisions{strcmp (codes, dtype(end-1:end))};
%!  fwrite (f, X(:), p, 0, {'ieee-le', 'ieee-be'}{1 + (dtype(1) == '>')});
%!  fclose (f);
%!endfunction

%!function expect_error (id, varargin)
%!  try
%!    nc_read_npy (varargin{:});
%!  catch err
%!    assert (err.identifier, id, err.message);
%!    assert (strncmp (err.message, 'nc_read_npy: ', 13), err.message);
%!    return;
%!  end
%!  error ('nc_read_npy accepted what it should refuse (%s)', id);
%!endfunction

%!test
%! f = [tempname() '.npy'];
%! cleanup = onCleanup (@() delete (f));
%! A = reshape (1:12, 4, 3)' / 7;
%! for v = 1:3
%!   for fo = [false true]
%!     write_npy (f, A, '<f8', fo, v);
%!     [X, info] = nc_read_npy (f);
%!     assert (X, A);
%!     assert (class (X), 'double');
%!     assert ([info.version, info.fortran_order], [v, fo]);
%!     assert (info.shape, [3 4]);
%!     assert (nc_read_npy (f, 'Transpose', true), A');
%!     assert (nc_read_npy (f, 'Rows', [2 3]), A(2:3, :));
%!     assert (nc_read_npy (f, 'Rows', [2 3], 'Transpose', true), A(2:3, :)');
%!     write_npy (f, A, '>f4', fo, v);
%!     assert (nc_read_npy (f), single (A));
%!     assert (nc_read_npy (f, 'Rows', [3 3], 'Transpose', true), single (A(3, :)'));
%!   end
%! end
%! write_npy (f, (1:5)', '<f8', false);
%! assert (nc_read_npy (f), (1:5)');
%! assert (nc_read_npy (f, 'HeaderOnly', true).shape, 5);
%! assert (size (nc_read_npy (f, 'Rows', [3 2])), [0 1]);
%! expect_error ('ncufm:badRows', f, 'Rows', [4 6]);

% integers keep their class and every bit, in either byte order and layout
%!test
%! f = [tempname() '.npy'];
%! cleanup = onCleanup (@() delete (f));
%! classes = {'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64'};
%! codes = {'i1', 'i2', 'i4', 'i8', 'u1', 'u2', 'u4', 'u8'};
%! for c = 1:numel (classes)
%!   lo = intmin (classes{c}); hi = intmax (classes{c});
%!   A = [lo hi 0 1; hi - 1, lo + 1, 7, 42; 3 100 hi / 3 lo / 5];
%!   for order = '<>'
%!     for fo = [false true]
%!       write_npy (f, A, [order codes{c}], fo);
%!       X = nc_read_npy (f);
%!       assert (class (X), classes{c});
%!       assert (isequal (X, A), sprintf ('%s%s', order, codes{c}));
%!       assert (isequal (nc_read_npy (f, 'Rows', [2 3], 'Transpose', true), A(2:3, :).'));
%!       info = nc_read_npy (f, 'HeaderOnly', true);
%!       assert ({info.dtype, info.class}, {[order codes{c}], classes{c}});
%!     end
%!   end
%! end
%! write_npy (f, uint8 ([0 1; 1 0; 0 0]), '|b1', true);
%! X = nc_read_npy (f);
%! assert (class (X), 'logical');
%! assert (X, logical ([0 1; 1 0; 0 0]));

% headers that must be refused, among them shapes that overflow sizes
%!test
%! f = [tempname() '.npy'];
%! cleanup = onCleanup (@() delete (f));
%! A = [1 2; 3 4];
%! h = @(descr, shape) sprintf ('{''descr'': ''%s'', ''fortran_order'': False, ''shape'': %s, }', descr, shape);
%! bad = {h('<c8', '(2, 2)'), 'npyDtype';
%!        h('<U2', '(2, 2)'), 'npyDtype';
%!        '{''descr'': [(''a'', ''<f8'')], ''fortran_order'': False, ''shape'': (2,), }', 'npyDtype';
%!        h('<f8', '(1, 2, 2)'), 'npyShape';
%!        h('<f8', '(12)'), 'npyBadHeader';
%!        h('<f8', '(02, 2)'), 'npyBadHeader';
%!        h('<f8', '(0, 1152921504606846975)'), 'npyShape';
%!        h('<f8', '(1152921504606846975,)'), 'npyShape';
%!        h('<i1', '(1152921504606846975,)'), 'npyTruncated';
%!        h('<f8', '(99999999999999999999, 2)'), 'npyShape';
%!        '{''descr'': ''<f8'', ''fortran_order'': Maybe, ''shape'': (2, 2), }', 'npyBadHeader';
%!        '{''descr'': ''<f8'', ''shape'': (2, 2), }', 'npyBadHeader';
%!        h('<f8', '(2, x)'), 'npyBadHeader';
%!        '[''descr'', ''<f8'']', 'npyBadHeader';
%!        h('<f8', '(3, 2)'), 'npyTruncated'};
%! for i = 1:rows (bad)
%!   write_npy (f, A, '<f8', false, 1, bad{i, 1});
%!   expect_error (['ncufm:' bad{i, 2}], f);
%!   expect_error (['ncufm:' bad{i, 2}], f, 'HeaderOnly', true);
%! end
%! % truncated inside the header, in the data, bad magic, bad version
%! write_npy (f, A, '<f8', false);
%! fid = fopen (f); bytes = fread (fid, Inf, 'uint8'); fclose (fid);
%! cases = {bytes(1:9), 'npyTruncated'; bytes(1:40), 'npyTruncated';
%!          bytes(1:end-1), 'npyTruncated'; [0; bytes(2:end)], 'npyBadMagic';
%!          [bytes(1:6); 4; bytes(8:end)], 'npyVersion'};
%! for i = 1:rows (cases)
%!   fid = fopen (f, 'wb'); fwrite (fid, cases{i, 1}, 'uint8'); fclose (fid);
%!   expect_error (['ncufm:' cases{i, 2}], f);
%! end
%! % a 0-d array (np.save of a scalar) is a 1 x 1 value
%! write_npy (f, 2.5, '<f8', false, 1, h('<f8', '()'));
%! assert (nc_read_npy (f), 2.5);

% an array larger than memory: its header reads, its data is refused before
% any allocation, and rows of it still read (a sparse file of 40 GB)
%!test
%! f = [tempname() '.npy'];
%! cleanup = onCleanup (@() delete (f));
%! write_npy (f, zeros (0, 1), '<f8', false, 1, ...
%!            '{''descr'': ''<f8'', ''fortran_order'': False, ''shape'': (5000000000,), }');
%! [status, ~] = system (sprintf ('truncate -s %d %s', 128 + 40e9, f));
%! if (status == 0)
%!   assert (nc_read_npy (f, 'HeaderOnly', true).shape, 5e9);
%!   expect_error ('ncufm:tooLarge', f);
%!   assert (nc_read_npy (f, 'Rows', [1e9 1e9 + 2]), zeros (3, 1));
%! end

%!error <nc_read_npy: cannot open> nc_read_npy ('/nonexistent/x.npy')
%!error <nc_read_npy: FILE must be a file name> nc_read_npy (3)
%!error <nc_read_npy: FILE must be a file name> nc_read_npy (reshape ('abc', 1, 1, 3))
%!error <nc_read_npy: FILE must be a file name> nc_read_npy ('')
%!error <nc_read_npy: FILE contains a NUL character at position 2> nc_read_npy (['a' char(0) 'b'])
%!error <nc_read_npy: unknown option> nc_read_npy ('x.npy', 'Colour', 1)
%!error <nc_read_npy: Rows must have 2 elements> nc_read_npy ('x.npy', 'Rows', 1)

%!demo
%! % Write a float32 (N, d) C-order file as np.save writes PyTorch features,
%! % look at its header, read a chunk of rows, and give the whole file to
%! % nc_metrics, which streams it under a memory bound.
%! N = 1000; d = 8; y = repelem (0:3, 250)';
%! M = 3 * eye (d, 4);
%! X = single (M(:, y + 1) + randn (d, N))';          % N x d, rows = samples
%! f = [tempname() '.npy'];
%! dict = sprintf ('{''descr'': ''<f4'', ''fortran_order'': False, ''shape'': (%d, %d), }', N, d);
%! dict = [dict, repmat(' ', 1, 117 - numel (dict)), char(10)];   % 10 + 118 = 128 bytes
%! fid = fopen (f, 'wb');
%! fwrite (fid, [147, double('NUMPY'), 1, 0], 'uint8');
%! fwrite (fid, numel (dict), 'uint16', 0, 'ieee-le');
%! fwrite (fid, dict, 'char'); fwrite (fid, X', 'float32', 0, 'ieee-le'); fclose (fid);
%! info = nc_read_npy (f, 'HeaderOnly', true)
%! chunk = nc_read_npy (f, 'Rows', [1 300], 'Transpose', true);   % d x 300 single
%! R = nc_metrics (f, int64 (y), 'LabelBase', 0, 'MaxMemory', 3e4, 'Verbose', true);
%! fprintf ('NC1 from the file %.6g, from memory %.6g\n', R.NC1, nc_metrics (X', y + 1).NC1);
%! delete (f);
