% SPDX-License-Identifier: GPL-3.0-or-later

function [X, y] = nc_fmnist (varargin)
%NC_FMNIST  Load Fashion-MNIST from the Debian package dataset-fashion-mnist.
%   [X, Y] = NC_FMNIST(SPLIT)
%   [X, Y] = NC_FMNIST(SPLIT, 'Dir', FOLDER)
%
%   SPLIT is 'train' (60000 images, the default) or
%   'test' (10000).  X is 784 x N single with pixels in [0, 1]
%   (each column one 28 x 28 image read row by row: show it with
%   imagesc (reshape (X(:, j), 28, 28)')); Y is 1 x N double with
%   labels 1..10 (the data set's 0..9 plus one: 1 T-shirt/top, 2 Trouser,
%   3 Pullover, 4 Dress, 5 Coat, 6 Sandal, 7 Shirt, 8 Sneaker, 9 Bag,
%   10 Ankle boot).  Every class has 6000 training and 1000 test images.
%
%   The files are read in C with zlib from
%   /usr/share/datasets/fashion-mnist/{train,t10k@-{images-idx3,labels-idx1}-ubyte.gz};
%   the environment variable NCUFM_FMNIST_DIR or the option
%   Dir names another folder with the same four files (gzip-compressed
%   or not).  Magic numbers, dimensions (28 x 28), the agreement of image and
%   label counts, the exact data length and the labels' range are checked.
%
%   Errors: ncufm:noData (a file is missing: the message names the
%   Debian package), ncufm:badIdx (a malformed, truncated or corrupt
%   file; a header declaring more images than the file can hold is refused
%   before anything is allocated), ncufm:tooLarge (the images would not fit
%   in memory), ncufm:badOption (also for a Dir holding a NUL character, or
%   a SPLIT that is not a 1 x n char array).
%
%       [X, y] = nc_fmnist ('train');
%       idx = nc_subset (y, 'Dataset_1', 1);    % the paper's imbalanced subset
%
%   See also: nc_subset, nc_mlp_train
  error ('ncufm:notBuilt', 'nc_fmnist: the MEX file is not built; run ''make'' in the repository root');
end

%!test
%! [X, y] = nc_fmnist ('test');
%! assert (class (X), 'single'); assert (size (X), [784 10000]); assert (size (y), [1 10000]);
%! assert (accumarray (y(:), 1)', repmat (1000, 1, 10));
%! assert (min (X(:)), single (0)); assert (max (X(:)), single (1));
%! % first labels and the first image's pixel sum, read independently with Python's gzip
%! assert (y(1:5), [9 2 1 1 6] + 1);
%! assert (double (sum (round (X(:, 1) * 255))), 33456);

%!test  % a folder given by option, holding an uncompressed copy written here
%! d = tempname (); mkdir (d);
%! unwind_protect
%!   f = fopen (fullfile (d, 'train-images-idx3-ubyte.gz'), 'w');
%!   fwrite (f, [0 0 8 3 0 0 0 2 0 0 0 28 0 0 0 28], 'uint8');
%!   fwrite (f, [zeros(1, 784), 255 * ones(1, 784)], 'uint8'); fclose (f);
%!   f = fopen (fullfile (d, 'train-labels-idx1-ubyte.gz'), 'w');
%!   fwrite (f, [0 0 8 1 0 0 0 2 3 0], 'uint8'); fclose (f);
%!   [X, y] = nc_fmnist ('TRAIN', 'dir', d);
%!   assert (X, single ([zeros(784, 1), ones(784, 1)]));
%!   assert (y, [4 1]);
%!   f = fopen (fullfile (d, 'train-labels-idx1-ubyte.gz'), 'w');
%!   fwrite (f, [0 0 8 1 0 0 0 2 3], 'uint8'); fclose (f);
%!   try
%!     nc_fmnist ('train', 'Dir', d); error ('no error');
%!   catch err
%!     assert (err.identifier, 'ncufm:badIdx');
%!     assert (~ isempty (strfind (err.message, 'truncated')));
%!   end
%! unwind_protect_cleanup
%!   confirm_recursive_rmdir (false, 'local'); rmdir (d, 's');
%! end_unwind_protect

%!test
%! try
%!   nc_fmnist ('train', 'Dir', '/nonexistent/folder'); error ('no error');
%! catch err
%!   assert (err.identifier, 'ncufm:noData');
%!   assert (~ isempty (strfind (err.message, 'dataset-fashion-mnist')));
%! end
%!error <nc_fmnist: SPLIT must be one of: train, test> nc_fmnist ('validation')
%!error <nc_fmnist: SPLIT must be a character string> nc_fmnist (1)
%!error <nc_fmnist: unknown option 'Folder'> nc_fmnist ('train', 'Folder', '/tmp')
%!error <nc_fmnist: Dir must be a character string> nc_fmnist ('train', 'Dir', 3)
%!error <returns at most 2> [a, b, c] = nc_fmnist ('test')
%!error <SPLIT must be a character string> nc_fmnist (reshape ('test', 1, 1, 4))
%!error <SPLIT must be a character string> nc_fmnist (['test'; 'test'])
%!error <Dir must not contain NUL characters> nc_fmnist ('test', 'Dir', ['/tmp' char(0) 'x'])
%!error <option name must not contain NUL> nc_fmnist ('test', ['Dir' char(0)], '/tmp')
%!test  % a header claiming 87 million images over a few bytes: refused from the header
%! d = tempname (); mkdir (d);
%! for stem = {'train', 't10k'}
%!   f = fopen (fullfile (d, [stem{1} '-images-idx3-ubyte.gz']), 'w');
%!   fwrite (f, [0 0 8 3 5 47 117 192 0 0 0 28 0 0 0 28 1:100], 'uint8'); fclose (f);
%!   f = fopen (fullfile (d, [stem{1} '-labels-idx1-ubyte.gz']), 'w');
%!   fwrite (f, [0 0 8 1 5 47 117 192 1:10], 'uint8'); fclose (f);
%! end
%! try
%!   nc_fmnist ('test', 'Dir', d); error ('no error');
%! catch err
%!   assert (err.identifier, 'ncufm:badIdx');
%!   assert (~ isempty (strfind (err.message, 'declares 68205190144 values')));
%! end
%! confirm_recursive_rmdir (false, 'local'); rmdir (d, 's');

%!demo
%! [X, y] = nc_fmnist ('test');
%! names = {'T-shirt', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Boot'};
%! for k = 1:10
%!   subplot (2, 5, k); j = find (y == k, 1);
%!   imagesc (reshape (X(:, j), 28, 28)'); axis image off; colormap (gray); title (names{k});
%! end
