% SPDX-License-Identifier: GPL-3.0-or-later

% Every public MEX function, fed malformed arguments in every position,
% raises an error whose identifier starts with "ncufm:" and never crashes
% Octave (a crash would end this test run).

%!function check_all (fname, good)
%!  bad = {[], NaN, Inf, -1, 0, 1+2i, 'x', {1}, struct('a', 1), sparse(1), ...
%!         single(NaN), int8(-3), true, zeros(0, 3), ones(3, 3, 2), -Inf, 1e300, ...
%!         2^53 + 2, 2^63, uint64(18446744073709551615), reshape('abc', 1, 1, 3), ...
%!         ['a' char(0) 'b'], ['ab'; 'cd'], 1e-300, -1e300, @sin};
%!  for pos = 1:numel (good)
%!    for i = 1:numel (bad)
%!      args = good;
%!      args{pos} = bad{i};
%!      try
%!        feval (fname, args{:});
%!      catch err
%!        assert (strncmp (err.identifier, 'ncufm:', 6), ...
%!                '%s: argument %d = %s raised ''%s'' (%s)', fname, pos, ...
%!                disp (bad{i}), err.identifier, err.message);
%!      end
%!    end
%!  end
%!  % too few arguments, and options that do not exist
%!  try
%!    feval (fname);
%!  catch err
%!    assert (strncmp (err.identifier, 'ncufm:', 6), '%s with no arguments: ''%s''', fname, err.identifier);
%!  end
%!  try
%!    feval (fname, good{:}, 'NoSuchOption', 1);
%!  catch err
%!    assert (strncmp (err.identifier, 'ncufm:', 6), '%s: unknown option: ''%s''', fname, err.identifier);
%!  end
%!endfunction

%!test
%! warning ('off', 'all', 'local');
%! check_all ('nc_solve', {[50 20 5], 1e-3, 0.01});
%! check_all ('nc_theory', {[2 3], [50 5], 1e-3, 0.01});
%! check_all ('nc_thresholds', {[2 3], [50 5], 0.01});
%! check_all ('nc_limit', {[2 3], [2 1], 5, [10 100], 0.01});

%!test
%! warning ('off', 'all', 'local');
%! check_all ('nc_collapse_path', {[50 20 5], 0.01});
%! check_all ('nc_oversample', {[50 20 5], 0.01, 0.01});
%! check_all ('nc_longtail', {'exponential', 5, 10, 100});

%!test
%! warning ('off', 'all', 'local');
%! H = randn (4, 12); y = repmat (1:3, 1, 4);
%! check_all ('nc_metrics', {H, y, randn(3, 4), zeros(3, 1)});
%! check_all ('nc_subset', {y, [2 2 2], 1});

%!test
%! warning ('off', 'all', 'local');
%! check_all ('nc_ufm_train', {[6 3 2], 4, 1e-3, 1e-4, 0.01, 'MaxIter', 5});
%! X = single (rand (784, 30)); y = repmat (1:3, 1, 10);
%! check_all ('nc_mlp_train', {X, y, 'Epochs', 1, 'Hidden', 8});

%!test
%! warning ('off', 'all', 'local');
%! f = [tempname() '.npy'];
%! header = '{''descr'': ''<f8'', ''fortran_order'': False, ''shape'': (2, 3), }';
%! header = [header repmat(' ', 1, 63 - mod (numel (header) + 10, 64)) char(10)];
%! fid = fopen (f, 'w');
%! fwrite (fid, [147 'NUMPY' 1 0], 'uint8');
%! fwrite (fid, numel (header), 'uint16', 0, 'ieee-le');
%! fwrite (fid, header, 'char');
%! fwrite (fid, 1:6, 'double', 0, 'ieee-le');
%! fclose (fid);
%! assert (nc_read_npy (f), [1 2 3; 4 5 6]);
%! check_all ('nc_read_npy', {f});
%! try   % two outputs asked with HeaderOnly: refused, not left undefined
%!   [a, b] = nc_read_npy (f, 'HeaderOnly', true); error ('no error');
%! catch err
%!   assert (err.identifier, 'ncufm:badArgCount');
%! end
%! unlink (f);
%! check_all ('nc_fmnist', {'test'});

% The .m functions: ncufm: identifiers for every bad value; argument-count
% errors may keep the interpreter's identifier (too many inputs/outputs).
%!function check_m (fname, good)
%!  bad = {[], NaN, Inf, -1, 0, 1+2i, 'x', {1}, struct('a', 1), sparse(1), ...
%!         single(NaN), int8(-3), true, zeros(0, 3), ones(3, 3, 2), 1e300, -1e300, ...
%!         1e-300, realmax, reshape('abc', 1, 1, 3), @sin};
%!  for pos = 1:numel (good)
%!    for i = 0:numel (bad)
%!      args = good;
%!      if (i == 0)
%!        args{pos} = args{pos} * 1e300;   % huge but finite: no overflow error
%!      else
%!        args{pos} = bad{i};
%!      end
%!      try
%!        feval (fname, args{:});
%!      catch err
%!        assert (strncmp (err.identifier, 'ncufm:', 6), ...
%!                '%s: argument %d raised ''%s'' (%s)', fname, pos, err.identifier, ...
%!                err.message);
%!      end
%!    end
%!  end
%!  try
%!    feval (fname, good{:}, 1, 2, 3);
%!  catch err
%!    assert (any (strcmp (err.identifier, {'ncufm:badArgCount', 'Octave:invalid-fun-call'})), ...
%!            '%s with too many inputs: ''%s''', fname, err.identifier);
%!  end
%!endfunction

%!test
%! warning ('off', 'all', 'local');
%! Z = [2 -1 -1; -1 2 -1; -1 -1 2];
%! check_m ('nc_lambda', {5e-3, 5e-5});
%! check_m ('nc_factor', {Z, [50 20 5], 5e-3, 5e-5});
%! check_m ('nc_zbar_stats', {Z, [2 1]});
%! check_m ('nc_compare', {Z, Z + 0.1, [1; -1; 0], [1; -1; 0.5]});
%!test  % LAPACK's "matrix containing Inf or NaN" never reaches the user
%! [W, Hbar] = nc_factor (1e300 * eye (2), [1e300 1e300], 1, 1);
%! assert (all (isfinite ([W(:); Hbar(:)])));
