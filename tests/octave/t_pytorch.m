% SPDX-License-Identifier: GPL-3.0-or-later

% From PyTorch-style files written by NumPy itself
% (tests/python/write_pytorch_features.py) to the metrics: every dtype read
% back exactly (NumPy's values, written also as text, are the expectation),
% every archive form, and the metrics from files equal to the in-memory ones
% and to the textbook formulas computed densely here.  Skipped, saying so,
% only when no Python with NumPy is installed (make deps installs
% python3-numpy).

%!function dir = fixtures ()
%!  persistent made
%!  if isempty (made)
%!    made = '';
%!    root = fileparts (fileparts (which ('nc_setup')));     % m/nc_setup.m
%!    script = fullfile (root, 'tests', 'python', 'write_pytorch_features.py');
%!    for python = {'/usr/bin/python3', 'python3'}
%!      [status, ~] = system ([python{1} ' -c "import numpy" 2>/dev/null']);
%!      if status == 0
%!        out = tempname ();
%!        [status, msg] = system (sprintf ('%s %s %s 7', python{1}, script, out));
%!        assert (status == 0, msg);
%!        made = out;
%!        break;
%!      end
%!    end
%!    if isempty (made)
%!      fprintf ('t_pytorch: SKIPPED: no python3 with numpy (apt-get install python3-numpy)\n');
%!    end
%!  end
%!  dir = made;
%!endfunction

%!function s = exact_text (v)
%!  % a value as NumPy's script wrote it: integers in full, floats as %.17g
%!  if islogical (v)
%!    s = sprintf ('%d', v);
%!  elseif isinteger (v)
%!    s = strtrim (evalc ('disp (v)'));
%!  else
%!    s = lower (sprintf ('%.17g', double (v)));
%!  end
%!endfunction

%!function c = class_of (descr)
%!  codes = {'i1', 'i2', 'i4', 'i8', 'u1', 'u2', 'u4', 'u8', 'b1', 'f2', 'f4', 'f8'};
%!  classes = {'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', ...
%!             'logical', 'single', 'single', 'double'};
%!  c = classes{strcmp (codes, descr(2:3))};
%!endfunction

%!function nc1 = textbook_nc1 (H, y)
%!  % tr(Sigma_W pinv(Sigma_B))/K with d x d matrices, sample-weighted
%!  [d, N] = size (H); K = max (y);
%!  n = accumarray (y(:), 1);
%!  mu = zeros (d, K);
%!  for k = 1:K, mu(:, k) = mean (H(:, y == k), 2); end
%!  Hc = H - mu(:, y);
%!  Mc = mu - mean (H, 2);
%!  nc1 = trace ((Hc * Hc' / N) * pinv (Mc * diag (n / N) * Mc')) / K;
%!endfunction

% every dtype, byte order and layout, whole, by rows, transposed, and the header
%!test
%! out = fixtures ();
%! if isempty (out), return; end
%! expect = jsondecode (fileread (fullfile (out, 'expect.json')));
%! cases = expect.dtypes;
%! for i = 1:numel (cases)
%!   c = cases(i);
%!   f = fullfile (out, c.file);
%!   [X, info] = nc_read_npy (f);
%!   assert (strcmp (class (X), class_of (c.descr)), c.file);
%!   assert (isequal ({info.dtype, info.fortran_order}, {c.descr, logical(c.fortran_order)}), c.file);
%!   shape = reshape (c.shape, 1, []);
%!   assert (isequal (info.shape, shape), c.file);
%!   want = [shape, ones(1, 2 - numel (shape))];
%!   if numel (shape) == 1, want = [shape 1]; end
%!   assert (isequal (size (X), want), c.file);
%!   flat = reshape (X.', 1, []);                    % C order, as the script listed them
%!   got = arrayfun (@(v) exact_text (v), flat, 'UniformOutput', false);
%!   if isempty (c.values), c.values = {}; end
%!   assert (isequal (got, reshape (lower (c.values), 1, [])), '%s: %s', c.file, strjoin (got, ' '));
%!   assert (isequaln (nc_read_npy (f, 'Transpose', true), X.'), c.file);
%!   if size (X, 1) >= 3
%!     assert (isequaln (nc_read_npy (f, 'Rows', [2 3]), X(2:3, :)), c.file);
%!     assert (isequaln (nc_read_npy (f, 'Rows', [3 3], 'Transpose', true), X(3, :).'), c.file);
%!   end
%!   h = nc_read_npy (f, 'HeaderOnly', true);
%!   assert (isequal ({h.dtype, h.class, h.shape}, {c.descr, class(X), info.shape}), c.file);
%! end

% the archives (stored, deflated, zip64) hold the same arrays as the .npy files
%!test
%! out = fixtures ();
%! if isempty (out), return; end
%! p = @(name) fullfile (out, name);
%! want = struct ('features', nc_read_npy (p ('features.npy')), 'labels', nc_read_npy (p ('labels.npy')), ...
%!                'W', nc_read_npy (p ('W.npy')), 'b', nc_read_npy (p ('b.npy')));
%! assert (class (want.labels), 'int64');
%! assert (size (want.W, 2), size (want.features, 2));     % W is K x d, as nn.Linear keeps it
%! for archive = {'run.npz', 'run_compressed.npz', 'run_zip64.npz'}
%!   [S, info] = nc_read_npy (p (archive{1}));
%!   assert (isequal (S, want), archive{1});
%!   assert (info.labels.dtype, '<i8');
%!   assert (isequal (nc_read_npy ([p(archive{1}) ':features'], 'Rows', [10 20]), ...
%!                    want.features(10:20, :)), archive{1});
%!   assert (isequal (nc_read_npy (p (archive{1}), 'Member', 'labels'), want.labels));
%! end
%! for variant = {'features_be.npy', 'features_fortran.npy'}
%!   assert (isequal (nc_read_npy (p (variant{1})), want.features), variant{1});
%! end
%! assert (isequal (nc_read_npy (p ('features_dn.npy')), double (want.features).'));

% metrics from the files: the in-memory call's numbers, the textbook NC1,
% whatever the form of the files, the labels' class or a tight memory bound
%!test
%! out = fixtures ();
%! if isempty (out), return; end
%! p = @(name) fullfile (out, name);
%! expect = jsondecode (fileread (p ('expect.json')));
%! H = nc_read_npy (p ('features.npy')).';                 % d x N single
%! y = nc_read_npy (p ('labels.npy'));                     % int64, 0-based
%! W = nc_read_npy (p ('W.npy')); b = nc_read_npy (p ('b.npy'));
%! R = nc_metrics (H, y, W, b, 'LabelBase', 0);
%! assert (R.counts', expect.counts(:)');
%! Hd = double (H); yd = double (y) + 1;
%! assert (R.NC1, textbook_nc1 (Hd, yd), 1e-10 * R.NC1);
%! [~, cls] = max (double (W) * Hd + double (b), [], 1);
%! assert (R.accuracy, mean (cls(:) == yd));
%! calls = {{p('features.npy'), p('labels.npy'), p('W.npy'), p('b.npy'), 'LabelBase', 0}, ...
%!          {[p('run.npz') ':features'], [p('run.npz') ':labels'], [p('run.npz') ':W'], [p('run.npz') ':b'], 'LabelBase', 0}, ...
%!          {[p('run_compressed.npz') ':features'], y, W, b, 'LabelBase', 0, 'MaxMemory', 1e5}, ...
%!          {[p('run_zip64.npz') ':features'], [p('run_zip64.npz') ':labels'], W, b, 'LabelBase', 0}, ...
%!          {p('features_be.npy'), p('labels_i32.npy'), W, b, 'LabelBase', 0}, ...
%!          {p('features_fortran.npy'), p('labels_i16.npy'), p('W.npy'), b, 'LabelBase', 0}, ...
%!          {p('features.npy'), p('labels_u8.npy'), W, p('b.npy'), 'LabelBase', 0}, ...
%!          {p('features.npy'), p('labels_f8.npy'), W, b, 'LabelBase', 0}, ...
%!          {p('features.npy'), p('labels_1based.npy'), W, b}, ...
%!          {p('features_dn.npy'), p('labels.npy'), W, b, 'LabelBase', 0}};
%! for i = 1:numel (calls)
%!   Rf = nc_metrics (calls{i}{:});
%!   for fld = {'NC1', 'CDNV', 'NC2_ETF_means', 'NC3', 'trace_Sigma_W', 'trace_Sigma_B'}
%!     assert (Rf.(fld{1}), R.(fld{1}), 1e-12 * abs (R.(fld{1})));
%!   end
%!   assert ([Rf.NC4 Rf.accuracy Rf.NCC_accuracy], [R.NC4 R.accuracy R.NCC_accuracy]);
%!   assert (Rf.Zbar, R.Zbar, 1e-12 * norm (R.Zbar));
%! end

% the usual mistakes with PyTorch's files are refused with the fix in the message
%!test
%! out = fixtures ();
%! if isempty (out), return; end
%! p = @(name) fullfile (out, name);
%! H = nc_read_npy (p ('features.npy')); y = nc_read_npy (p ('labels.npy'));
%! W = nc_read_npy (p ('W.npy'));
%! wrong = {{p('features.npy'), p('labels.npy')}, 'LabelBase'', 0';
%!          {H, y, 'LabelBase', 0}, 'pass H.''';
%!          {H.', y, W.', 'LabelBase', 0}, 'pass W.''';
%!          {p('features.npy'), y(1:end-1), 'LabelBase', 0}, 'one dimension of H must be the number of samples';
%!          {p('run.npz'), y, 'LabelBase', 0}, 'name one of its arrays'};
%! for i = 1:rows (wrong)
%!   try
%!     nc_metrics (wrong{i, 1}{:});
%!     error ('accepted case %d', i);
%!   catch e
%!     assert (~ isempty (strfind (e.message, wrong{i, 2})), e.message);
%!     assert (strncmp (e.identifier, 'ncufm:', 6), e.identifier);
%!   end
%! end
