% SPDX-License-Identifier: GPL-3.0-or-later

% Longer tests of nc_metrics, nc_read_npy and the streaming form:
% invariances (rotation, translation, scale, duplication), perfect collapse,
% d < K against the textbook formula, and chunks read from .npy files.

%!function H = features (d, y, spread, offset)
%!  K = max (y);
%!  M = 3 * randn (d, K);
%!  H = M(:, y) + spread * randn (d, numel (y)) + offset;
%!endfunction

%!function nc1 = textbook (H, y, weighting)
%!  [d, N] = size (H); K = max (y);
%!  n = accumarray (y(:), 1);
%!  mu = zeros (d, K);
%!  for k = 1:K, mu(:, k) = mean (H(:, y == k), 2); end
%!  Hc = H - mu(:, y);
%!  Sw = Hc * Hc' / N;
%!  if (strcmp (weighting, 'samples')), w = n / N; else, w = ones (K, 1) / K; end
%!  Mc = mu - mu * w;
%!  nc1 = trace (Sw * pinv (Mc * diag (w) * Mc')) / K;
%!endfunction

%!function write_npy (file, X, dtype)
%!  % C order, version 1.0, from the format specification (NEP 1)
%!  dict = sprintf ('{''descr'': ''%s'', ''fortran_order'': False, ''shape'': (%d, %d), }', ...
%!                  dtype, rows (X), columns (X));
%!  total = ceil ((10 + numel (dict) + 1) / 64) * 64;
%!  dict = [dict, repmat(' ', 1, total - 10 - numel (dict) - 1), char(10)];
%!  f = fopen (file, 'wb');
%!  fwrite (f, [147, double('NUMPY'), 1, 0], 'uint8');
%!  fwrite (f, numel (dict), 'uint16', 0, 'ieee-le');
%!  fwrite (f, dict, 'char');
%!  X = X.';
%!  fwrite (f, X(:), {'float32', 'float64'}{1 + strcmp (dtype, '<f8')}, 0, 'ieee-le');
%!  fclose (f);
%!endfunction

% rotation, translation and scale of the feature space, rotating W too
%!test
%! randn ('state', 11);
%! d = 30; n = [40 25 15 10 5]; y = repelem (1:5, n)';
%! H = features (d, y, 1, 2); W = randn (5, d); b = randn (5, 1);
%! [Q, ~] = qr (randn (d));
%! t = randn (d, 1);
%! for w = {'samples', 'classes'}
%!   R = nc_metrics (H, y, W, b, 'Weighting', w{1});
%!   % W (Q h + t) + b' = W h + b with W' = W Q', b' = b - W Q' t
%!   Rq = nc_metrics (5 * (Q * H + t), y, W * Q' / 5, b - W * Q' * t, 'Weighting', w{1});
%!   for f = {'NC1', 'CDNV', 'NC2_norm_means', 'NC2_angle_means', 'NC2_ETF_means', ...
%!            'NC4', 'accuracy', 'NCC_accuracy'}
%!     assert (Rq.(f{1}), R.(f{1}), 1e-10 * abs (R.(f{1})));
%!   end
%!   assert (Rq.Zbar + b - W * Q' * t, R.Zbar + b, 1e-10 * norm (R.Zbar));
%!   assert (Rq.rank, R.rank);
%!   assert (R.NC1, textbook (H, y, w{1}), 1e-10 * R.NC1);
%! end

% duplicating every sample changes no covariance
%!test
%! randn ('state', 12);
%! y = repelem (1:4, [9 7 5 3])'; H = features (6, y, 0.5, -1);
%! R1 = nc_metrics (H, y); R2 = nc_metrics ([H H], [y; y]);
%! assert (R2.NC1, R1.NC1, 1e-13 * R1.NC1);
%! assert (R2.CDNV_matrix, R1.CDNV_matrix, 1e-13);

% perfect collapse: NC1 = CDNV = 0, the nearest class mean is always right
%!test
%! y = repelem (1:3, [5 3 2])';
%! M = [1 0 0; 0 2 0; 0 0 3; 1 1 1];
%! R = nc_metrics (M(:, y), y, M', zeros (3, 1));
%! assert ([R.NC1 R.CDNV R.trace_Sigma_W], [0 0 0]);
%! assert (R.NCC_accuracy, 1);
%! assert (R.rank, 2);

% fewer dimensions than classes: Sigma_B has rank d
%!test
%! randn ('state', 13);
%! y = repelem (1:6, [10 9 8 7 6 5])'; H = features (3, y, 0.7, 0);
%! R = nc_metrics (H, y, 'Weighting', 'classes');
%! assert (R.rank, 3);
%! assert (numel (R.Sigma_B_eig), 3);
%! assert (R.NC1, textbook (H, y, 'classes'), 1e-10 * R.NC1);

% near collapse far from the origin: the centred computation keeps
% NC1 translation invariant where E[hh'] - mu mu' would lose it
%!test
%! randn ('state', 14);
%! y = repelem (1:4, [20 15 10 5])'; H0 = features (8, y, 1e-5, 0);
%! R0 = nc_metrics (H0, y); R1 = nc_metrics (H0 + 1e4, y);
%! assert (R1.NC1, R0.NC1, 1e-6 * R0.NC1);
%! assert (R0.NC1 > 0 && R0.NC1 < 1e-9);

% streaming from a float32 .npy file of shape (N, d), in chunks of rows,
% equals the whole call on the same (single) features
%!test
%! randn ('state', 15);
%! d = 16; n = [50 40 30 20]; N = sum (n);
%! y = repelem (1:4, n)'; p = randperm (N); y = y(p);
%! H = single (features (d, y, 1, 1));
%! W = randn (4, d); b = randn (4, 1);
%! f = [tempname() '.npy'];
%! unwind_protect
%!   write_npy (f, H', '<f4');
%!   info = nc_read_npy (f, 'HeaderOnly', true);
%!   assert (info.shape, [N d]);
%!   S = nc_metrics ('init', d, 4, W, b, 'Weighting', 'classes');
%!   edges = [0 17 64 100 N];
%!   for pass = 1:2
%!     for c = 1:numel (edges) - 1
%!       rows = [edges(c) + 1, edges(c + 1)];
%!       S = nc_metrics (S, nc_read_npy (f, 'Rows', rows, 'Transpose', true), ...
%!                       y(rows(1):rows(2)));
%!     end
%!     if (pass == 1), S = nc_metrics (S, 'pass2'); end
%!   end
%!   Rs = nc_metrics (S);
%!   R = nc_metrics (H, y, W, b, 'Weighting', 'classes');
%!   for fld = {'NC1', 'CDNV', 'NC3', 'NC4', 'accuracy', 'NC2_ETF_means', 'trace_Sigma_W'}
%!     assert (Rs.(fld{1}), R.(fld{1}), 1e-12 * abs (R.(fld{1})));
%!   end
%!   assert (Rs.Zbar, R.Zbar, 1e-12 * norm (R.Zbar));
%! unwind_protect_cleanup
%!   unlink (f);
%! end_unwind_protect

% the streaming state rejects misuse
%!test
%! S = nc_metrics ('init', 2, 2);
%! S = nc_metrics (S, [1 2; 3 4], [1 2]);
%! try, nc_metrics (S, ones (3, 2), [1 2]); error ('x'); catch e, assert (e.identifier, 'ncufm:badFeatures'); end
%! try, nc_metrics (S, ones (2, 2), [1 3]); error ('x'); catch e, assert (e.identifier, 'ncufm:badLabels'); end
%! S2 = nc_metrics (S, 'pass2');
%! try, nc_metrics (S2, 'pass2'); error ('x'); catch e, assert (e.identifier, 'ncufm:badState'); end
%! try, nc_metrics (S2); error ('x'); catch e, assert (e.identifier, 'ncufm:badState'); end
%! T = S2; T.sums = 1;
%! try, nc_metrics (T, [1 2; 3 4], [1 2]); error ('x'); catch e, assert (e.identifier, 'ncufm:badState'); end
%! S2 = nc_metrics (S2, [1 2; 3 4], [1 2]);
%! R = nc_metrics (S2);
%! assert (R.NC1, 0);
