% SPDX-License-Identifier: GPL-3.0-or-later

function R = nc_metrics (varargin)
%NC_METRICS  Neural-collapse metrics of features, exact, from arrays or files, whole or streamed.
%   R = NC_METRICS(H, Y)
%   R = NC_METRICS(H, Y, W, B, ...)
%   R = NC_METRICS('feats.npy', 'labels.npy', 'W.npy', 'b.npy', 'LabelBase', 0, ...)
%   S = NC_METRICS('init', D, K, W, B, ...)
%   S = NC_METRICS(S, HCHUNK, YCHUNK)
%   S = NC_METRICS(S, 'pass2')
%   R = NC_METRICS(S)
%
%   H is d x N, one column per sample, single or double (accumulated in
%   double); Y holds one label per sample, of any numeric class or logical
%   (int64 as PyTorch saves them, double, ...), 1..K by default or 0..K-1
%   with 'LabelBase', 0; every class needs a sample.  W (K x d, one row per
%   class: the layout of PyTorch's nn.Linear weight, out x in, as it is) and
%   B (K) are the classifier, optional (omit them or pass []).
%
%   Files.  Each of H, Y, W and B may instead be the name of a .npy file, or
%   of one array of an .npz archive as 'run.npz:name'.  The feature file is
%   read in either orientation: (N, d), what np.save(features) writes from a
%   PyTorch batch (rows are samples), or (d, N); the dimension whose length
%   is the number of labels holds the samples (rows when both are).  A C-order
%   (N, d) file is read chunk by chunk straight into the d x n blocks the
%   computation consumes, with no transposed copy, and streamed under the
%   MaxMemory bound: when it fits, the file is read once; otherwise each of
%   the two passes reads it again.  The numbers are those of the in-memory
%   call on the same values (to rounding).  (A feature file named init is
%   given as './init', since 'init' starts the streaming form below.)
%
%   Options (name/value, case-insensitive):
%     LabelBase
%       1 (default): labels 1..K; 0: labels 0..K-1, as PyTorch writes them.
%     MaxMemory
%       bytes the call may hold at once when H is a file (the features read at
%       once plus the workspace; the N labels come on top).  Default: chunks
%       of about 16 MB of features plus the workspace (which grows as d*K and
%       K^2), the fastest size measured: with the file in the page cache
%       (N = 200000, d = 512 float32, 410 MB) 1.1 to 1.3 times the time of the
%       in-memory call, against 1.5 to 2 for one read of the whole file and 3
%       to 5 for loading it with nc_read_npy first.
%     Weighting
%       'samples' (default, the paper's) or 'classes' (Papyan et
%       al.).  With class weights w_k = n_k/N or 1/K, the centre is
%       c = sum_k w_k mu_k (the sample mean, or the mean of the class means) and
%       Sigma_B = sum_k w_k (mu_k - c)(mu_k - c)'.  Sigma_W =
%       (1/N) sum_j (h_j - mu_yj)(h_j - mu_yj)' in both cases (as in Papyan et
%       al.'s code).
%     RankTol
%       relative tolerance of the pseudo-inverse: an eigenvalue of Sigma_B is
%       kept when it exceeds RankTol times the largest.  0 (default) means
%       max(d, K)*eps, the tolerance Octave's pinv applies to the d x d
%       Sigma_B.  The exact null direction of Sigma_B's K x K Gram problem
%       (sqrt(w), since sum_k w_k (mu_k - c) = 0) is removed first, so the rank
%       is at most K-1.
%     K
%       number of classes when W is absent and the largest label would be
%       wrong.
%     Verbose
%       print progress with the time left (for a file: per pass, with the
%       read throughput at the end).
%
%   Errors say what to do: 0-based labels without 'LabelBase', 0, features
%   given N x d (when the label count shows it: pass H.'), W given d x K
%   (pass W.'), a class without samples, files whose lengths disagree.
%   Sizes that cannot fit in memory (K x K results, the d x K statistics)
%   raise ncufm:tooLarge with the bytes asked, before anything is allocated.
%
%   Fields of R:
%     NC1
%       tr(Sigma_W Sigma_B^+)/K.  Computed from the thin SVD of the d x K matrix
%       of weighted centred means and one GEMM of size rank x d x N.  NaN when all
%       class means coincide (rank 0).
%     rank, Sigma_B_eig
%       the rank used for Sigma_B^+, the min(d,K) eigenvalues of Sigma_B.
%     trace_Sigma_W, trace_Sigma_B
%       traces of the two covariances.
%     CDNV, CDNV_matrix
%       class-distance normalised variance (Galanti et al.):
%       (var_i + var_j) / (2 ||mu_i - mu_j||^2) with var_k = mean ||h - mu_k||^2
%       over class k; the matrix (zero diagonal) and its mean over pairs i < j.
%     class_var
%       var_k, K x 1.
%     NC2_norm_means, NC2_norm_W
%       equinorm: std/mean of ||mu_k - c|| and of the rows ||w_k|| (std with
%       K-1).
%     NC2_angle_means, NC2_angle_W
%       equiangularity: mean over pairs i < j of |cos + 1/(K-1)|.
%     NC2_ETF_means, NC2_ETF_W
%       || G/||G||_F - (I - 11'/K)/sqrt(K-1) ||_F with G = Mc'*Mc (centred
%       means) or G = W*W' (W as given, not centred).
%     NC3
%       self-duality || W'/||W||_F - Mc/||Mc||_F ||_F (not squared).
%     NC4
%       fraction of samples on which argmax(W h + b) differs from the nearest
%       class mean.
%     accuracy, NCC_accuracy
%       fraction of samples that the classifier, and the nearest class mean,
%       assign to their label.
%     Zbar
%       W * class_means (K x K, bias excluded: column k is the mean logit of
%       class k); [] without W.
%     class_means, centre, counts
%       d x K, d x 1 and K x 1.
%   Fields that need W are NaN without it.
%
%   Cost: two passes over H (class sums, then the centred samples
%   projected on the K-dimensional range of the class means and on the rows
%   of W), memory O(dK).  The second pass uses a fused AVX2 kernel on
%   x86-64 with up to 24 projected rows (K <= 12 with W, K <= 24 without)
%   and the environment variable NCUFM_THREADS threads (default: all cores);
%   otherwise GEMM.  Results do not depend on the thread count.
%
%   Streaming by hand (features in memory in pieces, or produced on the
%   fly): S = nc_metrics ('init', d, K, W, b, ...) takes the same options;
%   feed every chunk once with S = nc_metrics (S, H, y), call S = nc_metrics
%   (S, 'pass2'), feed every chunk a second time (any chunking and order),
%   and R = nc_metrics (S).  Two passes are needed because the basis of
%   Sigma_B's range depends on all the class means, and an exact single pass
%   would have to keep the d x d second moment.  The first pass sums in the
%   same order as the whole call, so the results agree to rounding (about
%   1e-15 relative).  A feature file given as H does all of this itself.
%
%       K = 4; n = [40 30 20 10]; y = repelem (1:K, n)';
%       H = 3*eye (8, K)(:, y) + 0.1*randn (8, sum (n));
%       R = nc_metrics (H, y, eye (K, 8), zeros (K, 1));
%       R.NC1, R.NC4
%
%   From PyTorch (features.npy N x d float32, labels.npy int64 0-based,
%   W.npy K x d and b.npy saved with np.save; see docs/pytorch.md):
%       R = nc_metrics ('features.npy', 'labels.npy', 'W.npy', 'b.npy', 'LabelBase', 0);
%
%   See also: nc_zbar_stats, nc_compare, nc_read_npy
  error ('ncufm:notBuilt', 'nc_metrics: the MEX file is not built; run ''make''');
end

%!shared H, y, W, b, d, K, n, N
%! randn ('state', 3);
%! d = 9; K = 4; n = [30 20 12 6]; N = sum (n);
%! y = repelem (1:K, n)';
%! H = 2 * randn (d, K)(:, y) + randn (d, N) + 4;
%! W = randn (K, d); b = randn (K, 1);

% textbook formulas (d x d covariances and pinv), both weightings
%!test
%! mu = zeros (d, K);
%! for k = 1:K, mu(:, k) = mean (H(:, y == k), 2); end
%! Hc = H - mu(:, y);
%! Sw = Hc * Hc' / N;
%! for w = {'samples', 'classes'}
%!   if (strcmp (w{1}, 'samples')), wk = n' / N; else, wk = ones (K, 1) / K; end
%!   Mc = mu - mu * wk;
%!   Sb = Mc * diag (wk) * Mc';
%!   R = nc_metrics (H, y, 'Weighting', w{1});
%!   assert (R.NC1, trace (Sw * pinv (Sb)) / K, 1e-10 * R.NC1);
%!   assert (R.rank, rank (Sb));
%!   assert (R.trace_Sigma_B, trace (Sb), 1e-12 * trace (Sb));
%! end
%! assert (R.trace_Sigma_W, trace (Sw), 1e-12 * trace (Sw));
%! assert (R.class_means, mu, 1e-13);
%! assert (R.counts, n');

% classifier metrics by direct formulas
%!test
%! R = nc_metrics (single (H), y, W, b);
%! Hs = double (single (H));
%! mu = zeros (d, K);
%! for k = 1:K, mu(:, k) = mean (Hs(:, y == k), 2); end
%! [~, cls] = max (W * Hs + b, [], 1);
%! dist = sum (Hs.^2, 1)' + sum (mu.^2, 1) - 2 * Hs' * mu;
%! [~, ncc] = min (dist, [], 2);
%! assert (R.NC4, mean (cls(:) ~= ncc));
%! assert (R.accuracy, mean (cls(:) == y));
%! assert (R.NCC_accuracy, mean (ncc == y));
%! assert (R.Zbar, W * mu, 1e-12);
%! Mc = mu - mu * (n' / N);
%! assert (R.NC3, norm (W' / norm (W, 'fro') - Mc / norm (Mc, 'fro'), 'fro'), 1e-12);
%! G = W * W'; E = (eye (K) - 1/K) / sqrt (K - 1);
%! assert (R.NC2_ETF_W, norm (G / norm (G, 'fro') - E, 'fro'), 1e-12);
%! wn = sqrt (sum (W.^2, 2));
%! assert (R.NC2_norm_W, std (wn) / mean (wn), 1e-12);

% streaming equals the whole call
%!test
%! R = nc_metrics (H, y, W, b, 'Weighting', 'classes');
%! S = nc_metrics ('init', d, K, W, b, 'Weighting', 'classes');
%! for c = {1:7, 8:40, 41:N}, S = nc_metrics (S, H(:, c{1}), y(c{1})); end
%! S = nc_metrics (S, 'pass2');
%! for c = {41:N, 1:20, 21:40}, S = nc_metrics (S, H(:, c{1}), y(c{1})); end
%! Rs = nc_metrics (S);
%! assert (Rs.NC1, R.NC1, 1e-12 * R.NC1);
%! assert (Rs.CDNV_matrix, R.CDNV_matrix, 1e-12 * max (R.CDNV_matrix(:)));
%! assert ([Rs.NC3 Rs.NC4 Rs.accuracy], [R.NC3 R.NC4 R.accuracy], 1e-14);

% labels of any class and either base give the same metrics
%!test
%! R = nc_metrics (H, y, W, b);
%! variants = {int8(y), uint16(y), int64(y), single(y), y'};
%! for v = variants
%!   Rv = nc_metrics (H, v{1}, W, b);
%!   assert ([Rv.NC1 Rv.NC4 Rv.CDNV], [R.NC1 R.NC4 R.CDNV]);
%! end
%! Rz = nc_metrics (H, int64 (y) - 1, W, b, 'LabelBase', 0);
%! assert ([Rz.NC1 Rz.NC4 Rz.CDNV], [R.NC1 R.NC4 R.CDNV]);
%! Rl = nc_metrics (H(:, y <= 2), y(y <= 2) == 2, 'LabelBase', 0);
%! assert (Rl.NC1, nc_metrics (H(:, y <= 2), y(y <= 2)).NC1);

% a feature file, read whole or in chunks under a memory bound, gives the
% numbers of the in-memory call
%!test
%! f = [tempname() '.npy'];
%! cleanup = onCleanup (@() delete (f));
%! Hs = single (H);
%! dict = sprintf ('{''descr'': ''<f4'', ''fortran_order'': False, ''shape'': (%d, %d), }', N, d);
%! dict = [dict, repmat(' ', 1, 117 - numel (dict)), char(10)];
%! fid = fopen (f, 'wb');
%! fwrite (fid, [147, double('NUMPY'), 1, 0], 'uint8');
%! fwrite (fid, numel (dict), 'uint16', 0, 'ieee-le');
%! fwrite (fid, dict, 'char'); fwrite (fid, Hs, 'float32', 0, 'ieee-le'); fclose (fid);
%! R = nc_metrics (Hs, y - 1, W, b, 'LabelBase', 0);
%! Rf = nc_metrics (f, y - 1, W, b, 'LabelBase', 0);
%! try
%!   nc_metrics (f, y - 1, W, b, 'LabelBase', 0, 'MaxMemory', 1000);
%!   error ('MaxMemory = 1000 accepted');
%! catch e
%!   least = sscanf (e.message(strfind (e.message, 'less than the') + 14:end), '%g');
%! end
%! % room for about 20 of the 68 samples: each pass reads the file in chunks
%! bound = least + 19 * d * 4;
%! out = evalc ('Rc = nc_metrics (f, y - 1, W, b, ''LabelBase'', 0, ''MaxMemory'', bound, ''Verbose'', true);');
%! assert (~ isempty (strfind (out, 'read twice')), out);
%! for fld = {'NC1', 'CDNV', 'NC3', 'NC4', 'accuracy', 'trace_Sigma_W', 'NC2_ETF_means'}
%!   assert (Rf.(fld{1}), R.(fld{1}), 1e-12 * abs (R.(fld{1})));
%!   assert (Rc.(fld{1}), R.(fld{1}), 1e-12 * abs (R.(fld{1})));
%! end
%! assert (Rc.counts, R.counts);

% the streaming state refuses misuse with messages that say what to do
%!test
%! S = nc_metrics ('init', 3, 2);
%! try, nc_metrics (S, zeros (3, 0), [NaN 1i]); error ('x'); catch e, assert (e.identifier, 'ncufm:badLabels'); end
%! try, nc_metrics (S, zeros (3, 0), [NaN 1]); error ('x'); catch e, assert (e.identifier, 'ncufm:badLabels'); end
%! try, nc_metrics (S, ones (2, 3), [1 2]); error ('x'); catch e, assert (e.identifier, 'ncufm:badOrientation'); end
%! try, nc_metrics (S); error ('x'); catch e, assert (~ isempty (strfind (e.message, '''pass2''')), e.message); end
%! T = S; T.sums(2) = NaN;
%! try, nc_metrics (T, ones (3, 2), [1 2]); error ('x'); catch e, assert (e.identifier, 'ncufm:badState'); end
%! T = S; T.counts(1) = Inf;
%! try, nc_metrics (T, 'pass2'); error ('x'); catch e, assert (e.identifier, 'ncufm:badState'); end
%! S = nc_metrics (nc_metrics (S, [1 2; 3 4; 5 6], [1 2]), 'pass2');
%! try, nc_metrics (S, 'pass2'); error ('x'); catch e, assert (~ isempty (strfind (e.message, 'already in pass 2')), e.message); end
%! try, nc_metrics (S); error ('x'); catch e, assert (~ isempty (strfind (e.message, 'feed every chunk of pass 1 again')), e.message); end

% sizes that cannot fit in memory are refused before anything is allocated
%!test
%! for args = {{'init', 1e9, 3}, {'init', 4, 1e7}, {eye(2), [1 2], 'K', 1e7}, {eye(2), [1 1e7]}}
%!   try
%!     nc_metrics (args{1}{:});
%!     error ('accepted');
%!   catch e
%!     assert (e.identifier, 'ncufm:tooLarge', e.message);
%!   end
%! end

%!error <nc_metrics: H must be finite: the samples of class 2> nc_metrics ([1 NaN; 2 3], [1 2])
%!error <nc_metrics: H must be finite> nc_metrics ([1 Inf; 2 3], [1 2])
%!error <nc_metrics: Y must have N = 2 labels> nc_metrics (eye (2), [1 2 1])
%!error <nc_metrics: Y must hold whole numbers> nc_metrics (eye (2), [1 1.5])
%!error <nc_metrics: Y has label 0; labels are 1..K \(pass 'LabelBase', 0 for 0-based labels> nc_metrics (eye (2), [0 1])
%!error <nc_metrics: H is 3 x 2 = N x d .* pass H.'> nc_metrics (ones (3, 2), [1 2 1])
%!error <nc_metrics: class 3 \(label 3\) has no sample> nc_metrics (eye (3), [1 2 2], 'K', 3)
%!error <nc_metrics: class 1 \(label 0\) has no sample> nc_metrics (eye (3), [1 2 2], 'K', 3, 'LabelBase', 0)
%!error <nc_metrics: W is 3 x 2 = d x K; nc_metrics wants K x d> nc_metrics (eye (3), [1 2 1], ones (3, 2))
%!error <nc_metrics: W must be K x d with d = 3> nc_metrics (eye (3), [1 2 3], ones (4, 5))
%!error <nc_metrics: B must have K = 3> nc_metrics (eye (3), [1 2 3], eye (3), [1 2])
%!error <nc_metrics: Weighting must be one of> nc_metrics (eye (3), [1 2 3], 'Weighting', 'x')
%!error <nc_metrics: LabelBase must be 0> nc_metrics (eye (3), [1 2 3], 'LabelBase', 2)
%!error <nc_metrics: H must be real> nc_metrics (complex (eye (2)), [1 2])
%!error <nc_metrics: H must be a full matrix> nc_metrics (speye (2), [1 2])
%!error <nc_metrics: S must be a state> nc_metrics (struct ('a', 1))
%!error <nc_metrics: the metrics need both passes: pass 1 has not ended> nc_metrics (nc_metrics ('init', 2, 2))
%!test
%! R = nc_metrics ([1 0 1; 0 1 0], int32 ([1 2 1]));
%! assert ([R.NC1 R.counts'], [0 2 1]);

%!demo
%! % Features collapsing towards their class means: NC1 falls with the noise.
%! K = 5; n = [50 40 30 20 10]; y = repelem (1:K, n)';
%! M = randn (64, K);
%! for s = [1 0.3 0.1 0.03]
%!   R = nc_metrics (M(:, y) + s * randn (64, sum (n)), y);
%!   fprintf ('noise %.2f: NC1 = %.3g, CDNV = %.3g\n', s, R.NC1, R.CDNV);
%! end
