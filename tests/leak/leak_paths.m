% SPDX-License-Identifier: GPL-3.0-or-later

function p = leak_paths(fx)
%LEAK_PATHS  The calls leakcheck measures: a success and error paths of
%   every gateway (errors raised while validating arguments, after a
%   string option was read, and by the core after it allocated), plus
%   baselines that touch no ncufm code.  FX names the fixture files.
  H = 'reshape(sin(1:48), 4, 12)';
  y = 'repmat(1:3, 1, 4)';
  W = 'reshape(cos(1:12), 3, 4)';
  X = 'single(reshape(mod(1:64*30, 7)/7, 64, 30))';
  Xy = 'repmat(1:3, 1, 10)';
  mlp = [X ', ' Xy ', ''Epochs'', 1, ''Hidden'', 8, ''Verbose'', false'];
  p = {
    'baseline: sin(1)', 'sin(1)'
    'baseline: error caught', 'error(''a:b'', ''c'')'
    'nc_solve ok', 'nc_solve([50 20 5], 1e-3, 0.01)'
    'nc_solve error: unknown option', 'nc_solve([50 20 5], 1e-3, 0.01, ''NoSuchOption'', 1)'
    'nc_solve error: bad LAMBDA_Z', 'nc_solve([50 20 5], -1, 0.01)'
    'nc_solve error: huge K (tooLarge)', 'nc_solve(ones(1, 99999), 1e-3, 0.01)'
    'nc_solve: XERBLA case', 'nc_solve([10000 1 1], 1e-7, realmax, ''MaxIter'', 1)'
    'nc_theory ok', 'nc_theory([2 3], [50 5], 1e-3, 0.01)'
    'nc_theory error', 'nc_theory([2 3], [50 -5], 1e-3, 0.01)'
    'nc_thresholds ok', 'nc_thresholds([2 3], [50 5], 0.01, ''LambdaZ'', 1e-3)'
    'nc_thresholds error: unknown option', 'nc_thresholds([2 3], [50 5], 0.01, ''Lambda'', 1)'
    'nc_limit ok', 'nc_limit([2 3], [2 1], 5, [10 100], 0.01)'
    'nc_limit error', 'nc_limit([2 3], [2 1], 5, [10 -100], 0.01)'
    'nc_metrics ok', ['nc_metrics(' H ', ' y ', ' W ', zeros(3, 1), ''Weighting'', ''classes'')']
    'nc_metrics error: bad Weighting', ['nc_metrics(' H ', ' y ', ''Weighting'', ''nope'')']
    'nc_metrics error: labels', ['nc_metrics(' H ', ' y ' + 0.5)']
    'nc_metrics streaming ok', ['S = nc_metrics(''init'', 4, 3); S = nc_metrics(S, ' H ', ' y ...
                                '); S = nc_metrics(S, ''pass2''); S = nc_metrics(S, ' H ', ' y ...
                                '); nc_metrics(S)']
    'nc_metrics streaming error', ['S = nc_metrics(''init'', 4, 3); nc_metrics(S, ''pass3'')']
    'nc_read_npy ok', ['nc_read_npy(''' fx.npy ''', ''Transpose'', true)']
    'nc_read_npy error: truncated', ['nc_read_npy(''' fx.npy_bad ''')']
    'nc_read_npy error: missing file', 'nc_read_npy(''/nonexistent/file.npy'')'
    'nc_ufm_train ok', 'nc_ufm_train([6 3 2], 4, 1e-3, 1e-4, 0.01, ''MaxIter'', 50)'
    'nc_ufm_train error: diverged (core)', 'nc_ufm_train([6 3 2], 4, 1e-3, 1e-4, 0.01, ''LearningRate'', 1e8)'
    'nc_ufm_train error: Seed', 'nc_ufm_train([6 3 2], 4, 1e-3, 1e-4, 0.01, ''Seed'', 1e300)'
    'nc_fmnist ok', ['nc_fmnist(''train'', ''Dir'', ''' fx.idx ''')']
    'nc_fmnist error: truncated (core)', ['nc_fmnist(''test'', ''Dir'', ''' fx.idx ''')']
    'nc_fmnist error: no data', 'nc_fmnist(''train'', ''Dir'', ''/nonexistent'')'
    'nc_fmnist error: bad split', 'nc_fmnist(''validation'')'
    'nc_subset ok', ['nc_subset(' y ', [2 2 2], 1, ''Scale'', 1)']
    'nc_subset error: too few (core)', ['nc_subset(' y ', [5 2 2], 1)']
    'nc_subset error: Dataset_3', ['nc_subset(' y ', ''Dataset_3'', 1)']
    'nc_mlp_train ok', ['nc_mlp_train(' mlp ')']
    'nc_mlp_train error: corrupt checkpoint', ['nc_mlp_train(' mlp ', ''Checkpoint'', ''' fx.ckpt ''')']
    'nc_mlp_train error: unknown option', ['nc_mlp_train(' mlp ', ''NoSuchOption'', 1)']
  };
end
