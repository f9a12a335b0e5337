% SPDX-License-Identifier: GPL-3.0-or-later

function bench_metrics_files ()
% Benchmark of nc_metrics on a feature file as PyTorch exports it (N x d
% float32, C order) against the in-memory call on the same features, timed
% in the same run, in interleaved rounds:
%   memory   : nc_metrics (H, y, W, b) with H already in memory (the baseline)
%   load     : nc_read_npy of the file, then the in-memory call
%   once     : nc_metrics (file, ..., 'MaxMemory', 1e9): the file fits, read once
%   default  : nc_metrics (file, ...): chunks of about 16 MB, two reads
%   128 MB   : nc_metrics (file, ..., 'MaxMemory', 128e6)
%   32 MB    : the same with 32e6
% The file sits in the page cache after the first round, so the times measure
% the reader and the kernels, not the disk.  Then, in fresh Octave processes,
% the peak resident memory each file call adds (VmHWM after minus before),
% against its MaxMemory.
% Run from the repository root:  octave-cli bench/bench_metrics_files.m
  root = fileparts (fileparts (mfilename ('fullpath')));
  addpath (fullfile (root, 'm'));
  nc_setup ();
  N = 200000; d = 512; K = 10;
  counts = round (N * (0.5 .^ ((0:K-1) / (K - 1))) / sum (0.5 .^ ((0:K-1) / (K - 1))));
  counts(1) = counts(1) + N - sum (counts);
  y = repelem (0:K-1, counts)';
  randn ('state', 2);
  M = 3 * randn (d, K);
  H = single (M(:, y + 1) + randn (d, N));
  W = randn (K, d); b = randn (K, 1);
  dir = tempname ();
  mkdir (dir);
  cleanup = onCleanup (@() remove_dir (dir));
  file = fullfile (dir, 'features.npy');
  write_features (file, H);
  save_labels (fullfile (dir, 'labels.npy'), y);
  mb = N * d * 4 / 1e6;
  fprintf ('nc_metrics from a file: N = %d, d = %d, K = %d, float32 (%.0f MB), with W and b\n', ...
           N, d, K, mb);
  calls = {@() nc_metrics(H, y, W, b, 'LabelBase', 0), ...
           @() nc_metrics(nc_read_npy(file, 'Transpose', true), y, W, b, 'LabelBase', 0), ...
           @() nc_metrics(file, y, W, b, 'LabelBase', 0, 'MaxMemory', 1e9), ...
           @() nc_metrics(file, y, W, b, 'LabelBase', 0), ...
           @() nc_metrics(file, y, W, b, 'LabelBase', 0, 'MaxMemory', 128e6), ...
           @() nc_metrics(file, y, W, b, 'LabelBase', 0, 'MaxMemory', 32e6)};
  names = {'memory', 'load', 'once', 'default', '128 MB', '32 MB'};
  reads = [0 1 1 2 2 2];
  R0 = calls{1} ();
  for i = 2:numel (calls)
    R = calls{i} ();
    assert (abs (R.NC1 - R0.NC1) <= 1e-12 * R0.NC1 && R.NC4 == R0.NC4, names{i});
  end
  [t, ratio] = interleaved_times (calls, 5);
  fprintf ('%8s %9s %10s %12s\n', 'call', 'time[s]', 'x memory', 'file MB/s');
  for i = 1:numel (calls)
    fprintf ('%8s %9.3f %10.2f %12s\n', names{i}, t(i), ratio(i, 1), ...
             rate_text (reads(i) * mb, t(i)));
  end
  clear H;
  fprintf ('peak memory added by one call (fresh process; labels %.1f MB come on top):\n', N * 4 / 1e6);
  for bound = [1e9 128e6 32e6 0]
    [added, ok] = peak_added (root, dir, bound);
    if bound == 0, label = ' default'; else, label = sprintf ('%5.0f MB', bound / 1e6); end
    if ok
      fprintf ('  MaxMemory %s: %7.1f MB\n', label, added / 1e6);
    else
      fprintf ('  MaxMemory %s: measurement failed (%s)\n', label, added);
    end
  end
end

function write_features (file, H)
% (N, d) float32 in C order: the d x N columns of H, byte for byte
  [d, N] = size (H);
  dict = sprintf ('{''descr'': ''<f4'', ''fortran_order'': False, ''shape'': (%d, %d), }', N, d);
  dict = [dict, repmat(' ', 1, 117 - numel (dict)), char(10)];
  fid = fopen (file, 'wb');
  fwrite (fid, [147, double('NUMPY'), 1, 0], 'uint8');
  fwrite (fid, numel (dict), 'uint16', 0, 'ieee-le');
  fwrite (fid, dict, 'char');
  fwrite (fid, H, 'float32', 0, 'ieee-le');
  fclose (fid);
end

function save_labels (file, y)
  dict = sprintf ('{''descr'': ''<i8'', ''fortran_order'': False, ''shape'': (%d,), }', numel (y));
  dict = [dict, repmat(' ', 1, 117 - numel (dict)), char(10)];
  fid = fopen (file, 'wb');
  fwrite (fid, [147, double('NUMPY'), 1, 0], 'uint8');
  fwrite (fid, numel (dict), 'uint16', 0, 'ieee-le');
  fwrite (fid, dict, 'char');
  fwrite (fid, int64 (y), 'int64', 0, 'ieee-le');
  fclose (fid);
end

function s = rate_text (mbytes, t)
  if mbytes == 0, s = '-'; else, s = sprintf ('%.0f', mbytes / t); end
end

function [added, ok] = peak_added (root, dir, bound)
% VmHWM of a fresh octave-cli before and after one file call
  if bound > 0, option = sprintf (', ''MaxMemory'', %g', bound); else, option = ''; end
  script = sprintf (['addpath(''%s''); nc_setup; y = nc_read_npy(''%s''); ' ...
                     'W = randn(10, 512); b = randn(10, 1); ' ...
                     'h0 = hwm(); R = nc_metrics(''%s'', y, W, b, ''LabelBase'', 0%s); ' ...
                     'fprintf(''PEAK %%d\\n'', hwm() - h0);'], fullfile (root, 'm'), ...
                    fullfile (dir, 'labels.npy'), fullfile (dir, 'features.npy'), option);
  helper = fullfile (dir, 'hwm.m');
  fid = fopen (helper, 'w');
  fprintf (fid, ['function b = hwm ()\n  t = fileread (''/proc/self/status'');\n' ...
                 '  k = strfind (t, ''VmHWM:'');\n  b = 1024 * sscanf (t(k + 6:end), ''%%d'', 1);\nend\n']);
  fclose (fid);
  [status, out] = system (sprintf ('cd %s && OPENBLAS_NUM_THREADS=1 octave-cli --no-gui --norc --eval "%s" 2>&1', ...
                                   dir, script));
  k = strfind (out, 'PEAK ');
  ok = status == 0 && ~isempty (k);
  if ok
    added = sscanf (out(k(end) + 5:end), '%d', 1);
  else
    added = strtrim (out);
  end
end

function remove_dir (dir)
  if exist ('OCTAVE_VERSION', 'builtin'), confirm_recursive_rmdir (false, 'local'); end
  rmdir (dir, 's');
end
