% SPDX-License-Identifier: GPL-3.0-or-later

function idx = nc_subset (varargin)
%NC_SUBSET  Draw a class-imbalanced subset: counts(k) samples of each class k.
%   IDX = NC_SUBSET(Y, COUNTS, SEED)
%   IDX = NC_SUBSET(Y, COUNTS, SEED, 'Scale', S)
%
%   Y holds labels 1..K (K = numel (COUNTS)).  COUNTS is a
%   vector of whole numbers >= 0, or the name of one of the paper's subsets
%   (docs/theory.md section 7; classes with the smallest labels are the majority):
%     "Dataset_1"
%       classes 1-4: 5000 each, 5-7: 4000, 8-10: 3000 (N = 41000)
%     "Dataset_2"
%       classes 1-4: 5000 each, 5-6: 3000, 7-10: 1000 (N = 30000)
%   Option Scale multiplies the counts (rounded to whole numbers), for
%   scaled-down versions of the same shape.
%
%   Within each class the samples are drawn uniformly without replacement
%   for SEED (a whole number from 0 to 2^32 - 1; the same seed gives the
%   same subset).  IDX (1 x sum(counts)) lists positions into Y
%   grouped by class in label order and, within a class, in data-set order,
%   so that X(:, idx) has its columns grouped by class.
%
%   Errors: ncufm:tooFewSamples (a class has fewer samples than
%   asked, however large the count), ncufm:tooLarge (a count, scaled, above
%   2^53), ncufm:badLabels, ncufm:badCounts, ncufm:badOption.
%
%       [X, y] = nc_fmnist ('train');
%       idx = nc_subset (y, 'Dataset_2', 1, 'Scale', 0.1);   % 3000 images
%       accumarray (y(idx)', 1)'    % 500 500 500 500 300 300 100 100 100 100
%
%   See also: nc_fmnist, nc_mlp_train
  error ('ncufm:notBuilt', 'nc_subset: the MEX file is not built; run ''make'' in the repository root');
end

%!test
%! y = repmat (1:3, 1, 10);              % 10 of each class, interleaved
%! idx = nc_subset (y, [4 0 7], 2);
%! assert (numel (idx), 11);
%! assert (y(idx), [1 1 1 1 3 3 3 3 3 3 3]);
%! assert (issorted (idx(1:4)) && issorted (idx(5:end)));
%! assert (numel (unique (idx)), 11);
%! assert (nc_subset (y, [4 0 7], 2), idx);
%! assert (nc_subset (y, [10 10 10], 5), [1:3:30, 2:3:30, 3:3:30]);

%!test  % every sample of a class equally likely: frequencies over many seeds
%! y = [ones(1, 8), 2 * ones(1, 4)];
%! hits = zeros (1, 12);
%! for s = 1:2000
%!   idx = nc_subset (y, [2 1], s); hits(idx) = hits(idx) + 1;
%! end
%! assert (hits(1:8) / 2000, repmat (2/8, 1, 8), 0.05);   % binomial sd 0.0097
%! assert (hits(9:12) / 2000, repmat (1/4, 1, 4), 0.05);

%!test
%! y = repmat (1:10, 1, 600);
%! idx = nc_subset (y, 'dataset_2', 0, 'Scale', 0.1);
%! assert (accumarray (y(idx)', 1)', [500 500 500 500 300 300 100 100 100 100]);

%!test
%! try
%!   nc_subset ([1 1 2], [1 2], 0); error ('no error');
%! catch err
%!   assert (err.identifier, 'ncufm:tooFewSamples');
%! end
%!error <nc_subset: Y has label 3 but there are K = 2 classes> nc_subset ([1 2 3], [1 1], 0)
%!error <nc_subset: Y must hold whole numbers> nc_subset ([1 1.5], [1 1], 0)
%!error <nc_subset: Y has label 0; labels are 1..K \(for 0-based labels, as PyTorch writes them, add 1\)> nc_subset ([0 1], [1 1], 0)
%!error <nc_subset: COUNTS must be nonnegative> nc_subset ([1 2], [1 -1], 0)
%!error <nc_subset: COUNTS must be one of: Dataset_1, Dataset_2> nc_subset ([1 2], 'Dataset_3', 0)
%!error <nc_subset: SEED must be nonnegative> nc_subset ([1 2], [1 1], -1)
%!error <nc_subset: SEED must be a real scalar> nc_subset ([1 2], [1 1], [1 2])
%!error <nc_subset: Scale must be positive> nc_subset ([1 2], [1 1], 0, 'Scale', 0)
%!error <needs at least 3> nc_subset ([1 2], [1 1])
%!error <SEED = 1e\+300 is too large> nc_subset ([1 2 3], [4 3 2], 1e300)
%!error <COUNTS\(1\) \* Scale = 2e\+300 is too large> nc_subset ([1 2 3], [2 2 2], 1, 'Scale', 1e300)
%!test
%! y = repmat (1:3, 1, 4);
%! try, nc_subset (y, [1e18 1 1], 1); error ('no error');
%! catch err, assert (err.identifier, 'ncufm:tooLarge'); end
%! try, nc_subset (y, [1e9 1e9 1e9], 1); error ('no error');
%! catch err, assert (err.identifier, 'ncufm:tooFewSamples'); end
%! assert (numel (nc_subset (y, [4 4 4], 2^32 - 1)), 12);

%!demo
%! % A Dataset_1-shaped subset of Fashion-MNIST at a tenth of the paper's size
%! [X, y] = nc_fmnist ('train');
%! idx = nc_subset (y, 'Dataset_1', 1, 'Scale', 0.1);
%! disp (accumarray (y(idx)(:), 1)')
