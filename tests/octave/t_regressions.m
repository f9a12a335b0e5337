% SPDX-License-Identifier: GPL-3.0-or-later

% Calls that a fuzzing campaign once found undefined behaviour in (UBSan),
% or answered with an error without an ncufm: identifier, or accepted
% although malformed: each now raises the ncufm: error named here.  (Seeds
% and counts beyond range, the IDX header of 87 million images, memory
% refusals and LAPACK's "Inf or NaN" are tested beside their functions:
% m/nc_subset.m, m/nc_ufm_train.m, m/nc_fmnist.m, tests/octave/t_memory.m,
% m/nc_factor.m.)

%!function expect_id (want, f, varargin)
%!  try
%!    f (varargin{:});
%!    error ('expect_id:none', 'no error (expected %s)', want);
%!  catch err
%!    assert (err.identifier, want, err.message);
%!  end
%!endfunction

%!function f = npy_file (shape)
%!  header = sprintf ('{''descr'': ''<f8'', ''fortran_order'': False, ''shape'': %s, }', shape);
%!  header = [header repmat(' ', 1, 63 - mod (numel (header) + 10, 64)) char(10)];
%!  f = [tempname() '.npy'];
%!  fid = fopen (f, 'w');
%!  fwrite (fid, [147 double('NUMPY') 1 0], 'uint8');
%!  fwrite (fid, numel (header), 'uint16', 0, 'ieee-le');
%!  fwrite (fid, header, 'char');
%!  fwrite (fid, 1:12, 'double', 0, 'ieee-le');
%!  fclose (fid);
%!endfunction

%!test  % a shape whose byte count overflows a signed offset (once UB, then 9.2e18 bytes asked)
%! f = npy_file ('(1152921504606846975,)');
%! expect_id ('ncufm:npyShape', @nc_read_npy, f);
%! expect_id ('ncufm:npyShape', @nc_read_npy, f, 'HeaderOnly', true);
%! delete (f);
%!test  % shapes NumPy never writes
%! for shape = {'(12)', '(012,)', '(0, 1152921504606846975)'}
%!   f = npy_file (shape{1});
%!   try
%!     nc_read_npy (f); error ('t:none', 'no error');
%!   catch err
%!     assert (any (strcmp (err.identifier, {'ncufm:npyBadHeader', 'ncufm:npyShape'})), ...
%!             '%s: %s', shape{1}, err.message);
%!   end
%!   delete (f);
%! end
%!test  % a path cut short at an embedded NUL
%! f = npy_file ('(12,)');
%! expect_id ('ncufm:badFile', @nc_read_npy, [f char(0) 'junk']);
%! delete (f);
%!test  % labels or K up to 1e7, and a d of 1e9: refused before allocating
%! H = reshape (sin (1:48), 4, 12); y = repmat (1:3, 1, 4);
%! y(4) = 1e7;
%! expect_id ('ncufm:tooLarge', @nc_metrics, H, y);
%! expect_id ('ncufm:tooLarge', @nc_metrics, H, repmat (1:3, 1, 4), 'K', 1e7);
%! expect_id ('ncufm:tooLarge', @nc_metrics, 'init', 1e9, 3);
%!test  % an empty chunk still has its labels checked; a damaged state is refused
%! S = nc_metrics ('init', 3, 2);
%! expect_id ('ncufm:badLabels', @nc_metrics, S, zeros (3, 0), [NaN 1i]);
%! S = nc_metrics ('init', 4, 3);
%! S.counts = [NaN; 1; 1];
%! expect_id ('ncufm:badState', @nc_metrics, S, reshape (sin (1:48), 4, 12), repmat (1:3, 1, 4));
%!test  % a char array of 1 x 1 x N is not a string
%! expect_id ('ncufm:badOption', @nc_fmnist, reshape ('test', 1, 1, 4));
%! expect_id ('ncufm:badOption', @nc_solve, [50 20 5], 1e-3, 0.01, reshape ('Tol', 1, 1, 3), 1);
%!test  % the seed of nc_mlp_train (once a float-to-integer overflow)
%! X = single (reshape (mod (1:64*30, 7) / 7, 64, 30)); y = repmat (1:3, 1, 10);
%! expect_id ('ncufm:badOption', @nc_mlp_train, X, y, 'Seed', 1e300, 'Epochs', 1, 'Verbose', false);
%!test  % bytes of a corrupt file in a message are escaped \xNN (a raw byte 200 once broke
%!      % the fuzz runner's regexprep, which refuses invalid UTF-8)
%! f = npy_file ('(12,)');
%! fid = fopen (f, 'r+'); fseek (fid, 22, 'bof'); fwrite (fid, [200 1], 'uint8'); fclose (fid);
%! try
%!   nc_read_npy (f); error ('t:none', 'no error');
%! catch err
%!   assert (err.identifier, 'ncufm:npyDtype', err.message);
%!   assert (~ isempty (strfind (err.message, '''<\xc8\x01''')), err.message);
%!   assert (all (err.message >= 32 & err.message <= 126), err.message);
%!   regexprep (err.message, '\s+', ' ');
%! end
%! delete (f);
%!test  % found by fuzz seed 11: a diagonal-matrix ZBAR (no broadcasting), LAMBDA_B = realmax
%!      % in the rank probe (2 lb b overflowed; XERBLA from dgesvd), 1 x 1 x n option strings
%! S = nc_zbar_stats (eye (3), [2 1]);
%! assert (S.block_dev, nc_zbar_stats (full (eye (3)), [2 1]).block_dev);
%! S = nc_oversample ([50 20 5], 0.002, realmax);
%! assert (S.factor, nc_oversample ([50 20 5], 0.002, 1e100).factor);
%! P = nc_collapse_path ([10 10 3], realmax, 'Tol', 1e-10);
%! assert (P.lambda, nc_collapse_path ([10 10 3], 1e100, 'Tol', 1e-10).lambda);
%! expect_id ('ncufm:badProfile', @nc_figures, 'Profile', reshape ('smoke', 1, 1, []));
%! expect_id ('ncufm:badOption', @nc_figures, reshape ('Out', 1, 1, []), 'x');
%! expect_id ('ncufm:badOut', @nc_figures, 'Out', reshape ('out', 1, 1, []));
%! expect_id ('ncufm:badFigures', @nc_figures, 'Figures', cat (3, 'fig1', 'fig1'));
%! expect_id ('ncufm:badVerbose', @nc_figures, 'Verbose', single (NaN));
%!test  % every gateway starts with ncm_begin and ends through ncm_end (nc_solve's success
%!      % path once left its scratch memory to the next call)
%! root = fileparts (fileparts (which ('nc_setup')));
%! files = dir (fullfile (root, 'mex', 'nc_*.c'));
%! assert (numel (files) >= 13);
%! for i = 1:numel (files)
%!   t = fileread (fullfile (root, 'mex', files(i).name));
%!   body = regexp (t, 'void mexFunction\([^)]*\)\s*\{(.*?)\n\}', 'tokens', 'once');
%!   assert (~ isempty (body), files(i).name);
%!   assert (~ isempty (regexp (body{1}, '^\s*ncm_begin\(', 'once')), files(i).name);
%!   assert (~ isempty (regexp (body{1}, 'ncm_end\(\);\s*$', 'once')), files(i).name);
%!   assert (isempty (regexp (body{1}, '\breturn\b', 'once')), files(i).name);
%! end
