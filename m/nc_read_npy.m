% SPDX-License-Identifier: GPL-3.0-or-later

function varargout = nc_read_npy (varargin)
%NC_READ_NPY  Read a NumPy .npy array, e.g. features or a classifier saved from PyTorch.
%   X = NC_READ_NPY(FILE)
%   [X, INFO] = NC_READ_NPY(FILE, ...)
%   INFO = NC_READ_NPY(FILE, 'HeaderOnly', true)
%
%   Supported: format versions 1.0, 2.0 and 3.0; dtype '<f4'
%   (float32, returned as single) and '<f8' (float64, returned as
%   double); fortran_order True or False; 1 or 2 dimensions.  A NumPy
%   array of shape (R, C) becomes an R x C matrix, shape (R,) an R x 1
%   column, whatever the order on disk.
%
%   Options:
%     Rows
%       [first, last] (1-based, inclusive) reads only those rows, e.g. a chunk of
%       samples of an (N, d) feature file too large for memory.
%     Transpose
%       true returns the transpose (C x R).  For the usual C-order (N, d) feature
%       file this is the d x N matrix nc_metrics wants, read as a plain
%       copy without a transposition in memory.
%     HeaderOnly
%       true returns only INFO, without reading the data.
%
%   INFO has fields version, dtype, fortran_order, shape (1 x ndim,
%   as NumPy lists it) and data_offset.
%
%   Malformed files are rejected: ncufm:cannotOpen, ncufm:npyBadMagic,
%   ncufm:npyVersion, ncufm:npyBadHeader, ncufm:npyDtype (anything but
%   '<f4' and '<f8', e.g. big-endian, integer or structured
%   dtypes), ncufm:npyShape (0-d or more than 2-d), ncufm:npyTruncated (the
%   file ends before the header or the data does), ncufm:badRows.
%
%       info = nc_read_npy ('feats.npy', 'HeaderOnly', true);   % shape [N d]
%       H = nc_read_npy ('feats.npy', 'Transpose', true);       % d x N
%
%   See also: nc_metrics
  error ('ncufm:notBuilt', 'nc_read_npy: the MEX file is not built; run ''make''');
end

% A writer built from the format specification (numpy.lib.format, NEP 1),
% independent of the reader: magic, version, little-endian header length,
% the dictionary padded with spaces to a multiple of 64 bytes and a newline,
% then the data in C or Fortran order.
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
%!  fwrite (f, X(:), {'float32', 'float64'}{1 + strcmp (dtype, '<f8')}, 0, 'ieee-le');
%!  fclose (f);
%!endfunction

%!test
%! f = [tempname() '.npy'];
%! A = reshape (1:12, 4, 3)' / 7;
%! unwind_protect
%!   for v = 1:3
%!     for fo = [false true]
%!       write_npy (f, A, '<f8', fo, v);
%!       [X, info] = nc_read_npy (f);
%!       assert (X, A);
%!       assert (class (X), 'double');
%!       assert ([info.version, info.fortran_order], [v, fo]);
%!       assert (info.shape, [3 4]);
%!       assert (nc_read_npy (f, 'Transpose', true), A');
%!       assert (nc_read_npy (f, 'Rows', [2 3]), A(2:3, :));
%!       assert (nc_read_npy (f, 'Rows', [2 3], 'Transpose', true), A(2:3, :)');
%!       write_npy (f, A, '<f4', fo, v);
%!       assert (nc_read_npy (f), single (A));
%!       assert (nc_read_npy (f, 'Rows', [3 3], 'Transpose', true), single (A(3, :)'));
%!     end
%!   end
%!   write_npy (f, (1:5)', '<f8', false);
%!   assert (nc_read_npy (f), (1:5)');
%!   assert (nc_read_npy (f, 'HeaderOnly', true).shape, 5);
%!   assert (size (nc_read_npy (f, 'Rows', [3 2])), [0 1]);
%!   try
%!     nc_read_npy (f, 'Rows', [4 6]);
%!     error ('accepted rows beyond the end');
%!   catch err
%!     assert (err.identifier, 'ncufm:badRows');
%!   end
%! unwind_protect_cleanup
%!   unlink (f);
%! end_unwind_protect

%!test
%! f = [tempname() '.npy'];
%! A = [1 2; 3 4];
%! bad = {'{''descr'': ''>f8'', ''fortran_order'': False, ''shape'': (2, 2), }', 'npyDtype';
%!        '{''descr'': ''<i8'', ''fortran_order'': False, ''shape'': (2, 2), }', 'npyDtype';
%!        '{''descr'': [(''a'', ''<f8'')], ''fortran_order'': False, ''shape'': (2,), }', 'npyDtype';
%!        '{''descr'': ''<f8'', ''fortran_order'': False, ''shape'': (1, 2, 2), }', 'npyShape';
%!        '{''descr'': ''<f8'', ''fortran_order'': False, ''shape'': (), }', 'npyShape';
%!        '{''descr'': ''<f8'', ''fortran_order'': Maybe, ''shape'': (2, 2), }', 'npyBadHeader';
%!        '{''descr'': ''<f8'', ''shape'': (2, 2), }', 'npyBadHeader';
%!        '{''descr'': ''<f8'', ''fortran_order'': False, ''shape'': (2, x), }', 'npyBadHeader';
%!        '[''descr'', ''<f8'']', 'npyBadHeader';
%!        '{''descr'': ''<f8'', ''fortran_order'': False, ''shape'': (3, 2), }', 'npyTruncated';
%!        '{''descr'': ''<f8'', ''fortran_order'': False, ''shape'': (99999999999999999999, 2), }', 'npyShape'};
%! unwind_protect
%!   for i = 1:rows (bad)
%!     write_npy (f, A, '<f8', false, 1, bad{i, 1});
%!     try
%!       nc_read_npy (f);
%!       error ('accepted a bad header: %s', bad{i, 1});
%!     catch err
%!       assert (err.identifier, ['ncufm:' bad{i, 2}], bad{i, 1});
%!       assert (strncmp (err.message, 'nc_read_npy: ', 13));
%!     end
%!   end
%!   % truncated inside the header, in the data, bad magic, bad version
%!   write_npy (f, A, '<f8', false);
%!   bytes = fread (fopen (f), Inf, 'uint8'); fclose ('all');
%!   cases = {bytes(1:9), 'npyTruncated'; bytes(1:40), 'npyTruncated';
%!            bytes(1:end-1), 'npyTruncated'; [0; bytes(2:end)], 'npyBadMagic';
%!            [bytes(1:6); 4; bytes(8:end)], 'npyVersion'};
%!   for i = 1:rows (cases)
%!     fid = fopen (f, 'wb'); fwrite (fid, cases{i, 1}, 'uint8'); fclose (fid);
%!     try
%!       nc_read_npy (f);
%!       error ('accepted a bad file (case %d)', i);
%!     catch err
%!       assert (err.identifier, ['ncufm:' cases{i, 2}]);
%!     end
%!   end
%! unwind_protect_cleanup
%!   unlink (f);
%! end_unwind_protect

%!error <nc_read_npy: cannot open> nc_read_npy ('/nonexistent/x.npy')
%!error <nc_read_npy: FILE must be a character string> nc_read_npy (3)
%!error <nc_read_npy: unknown option> nc_read_npy ('x.npy', 'Colour', 1)
%!error <nc_read_npy: Rows must have 2 elements> nc_read_npy ('x.npy', 'Rows', 1)

%!demo
%! % Write a float32 (N, d) C-order file as NumPy would, then stream it in
%! % chunks of samples into nc_metrics.
%! N = 1000; d = 8; y = repelem (1:4, 250)';
%! X = single (3 * eye (d, 4)(:, y) + randn (d, N))';   % N x d, rows = samples
%! f = [tempname() '.npy'];
%! dict = sprintf ('{''descr'': ''<f4'', ''fortran_order'': False, ''shape'': (%d, %d), }', N, d);
%! dict = [dict, repmat(' ', 1, 117 - numel (dict)), char(10)];   % 10 + 118 = 128 bytes
%! fid = fopen (f, 'wb');
%! fwrite (fid, [147, double('NUMPY'), 1, 0], 'uint8');
%! fwrite (fid, numel (dict), 'uint16', 0, 'ieee-le');
%! fwrite (fid, dict, 'char'); fwrite (fid, X', 'float32', 0, 'ieee-le'); fclose (fid);
%! info = nc_read_npy (f, 'HeaderOnly', true)
%! S = nc_metrics ('init', d, 4);
%! for pass = 1:2
%!   for first = 1:300:N
%!     rows = [first, min(first + 299, N)];
%!     S = nc_metrics (S, nc_read_npy (f, 'Rows', rows, 'Transpose', true), y(rows(1):rows(2)));
%!   end
%!   if (pass == 1), S = nc_metrics (S, 'pass2'); end
%! end
%! R = nc_metrics (S); delete (f);
%! fprintf ('NC1 streamed %.6g, whole %.6g\n', R.NC1, nc_metrics (X', y).NC1);
