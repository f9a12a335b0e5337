% SPDX-License-Identifier: GPL-3.0-or-later

% Tests of the figure pipeline: the smoke profile end to end into
% a temporary folder, every output present, the collapse points found by
% the solver equal to the closed forms of docs/theory.md section 5, the
% summary's fields documented, a rerun served from the cache, and corrupt
% cache and entry files healed.  Run by make check (about 20 s on 2 cores).

%!function truncate (file)
%!  fid = fopen (file, 'r'); bytes = fread (fid, Inf, 'uint8'); fclose (fid);
%!  fid = fopen (file, 'w'); fwrite (fid, bytes(1:floor (end / 2)), 'uint8'); fclose (fid);
%!endfunction

%!function words = summary_words ()
%!  % summary_fields is private to the figure pipeline: read it from there.
%!  here = pwd ();
%!  cd (fullfile (fileparts (which ('nc_figures')), 'private'));
%!  f = summary_fields ();
%!  cd (here);
%!  words = strtrim (strsplit (strjoin (f(:,2)', ','), ','));
%!endfunction

%!function names = leaf_names (s)
%!  names = {};
%!  for f = fieldnames (s)'
%!    v = s.(f{1});
%!    if (isstruct (v))
%!      if (~ strncmp (f{1}, 'fig', 3) && ~ strcmp (f{1}, 'phase'))
%!        names{end+1} = f{1};
%!      end
%!      names = [names, leaf_names(v)];
%!    else
%!      names{end+1} = f{1};
%!    end
%!  end
%!  names = unique (names);
%!endfunction

%!test
%! out = tempname ();
%! unwind_protect
%!   R = nc_figures ('Profile', 'smoke', 'Out', out, 'Verbose', false);
%!   names = {'fig1', 'fig2', 'fig3', 'fig4', 'fig5', 'fig6', 'fig7', 'fig8', 'fig9', 'phase'};
%!   assert (cellfun (@(r) r.name, R, 'UniformOutput', false), names);
%!   for i = 1:numel (names)
%!     assert (~ isfield (R{i}, 'error'), sprintf ('%s failed', names{i}));
%!     for ext = {'.png', '.svg'}
%!       f = dir (fullfile (out, [names{i} ext{1}]));
%!       assert (numel (f), 1, sprintf ('%s%s missing', names{i}, ext{1}));
%!       assert (f.bytes > 1000, sprintf ('%s%s is empty', names{i}, ext{1}));
%!     end
%!   end
%!   % PNG magic number: a real picture, not a text file.
%!   fid = fopen (fullfile (out, 'fig5.png'), 'r'); sig = fread (fid, 4, 'uint8')'; fclose (fid);
%!   assert (sig, [137 80 78 71]);
%!   txt = fileread (fullfile (out, 'report.md'));
%!   assert (~ isempty (strfind (txt, 'Figures produced: 10 of 10')));
%!   for i = 1:numel (names)
%!     assert (~ isempty (strfind (txt, sprintf ('](%s.png)', names{i}))));
%!   end
%!   assert (isempty (dir (fullfile (out, '*.part'))));
%!   assert (isempty (dir (fullfile (out, 'cache', '*.ckpt'))));   % spent checkpoints removed
%!   assert (isempty (dir (fullfile (out, 'cache', '*.tmp*'))));
%!
%!   % Minority collapse where docs/theory.md section 5 puts it, in closed form:
%!   % lambda_Z = sqrt(n_B)/(k_A n_A + k_B n_B), n_A = (sqrt(n_B)/lambda_Z - k_B n_B)/k_A.
%!   assert (R{5}.observed, sqrt (100) / (5*500 + 5*100), 1e-6 * R{5}.observed);
%!   assert (R{6}.observed, sqrt (100) / (3*500 + 7*100), 1e-6 * R{6}.observed);
%!   assert (R{7}.observed, (sqrt (100) / 0.005 - 5*100) / 5, 1e-6 * 300);
%!   assert (R{8}.observed, (sqrt (100) / 0.005 - 7*100) / 3, 1e-6 * 433.3);
%!
%!   % summary.json: the headline numbers, each field documented.
%!   J = jsondecode (fileread (fullfile (out, 'summary.json')));
%!   assert (J.schema, 'ncufm-figures-summary/1');
%!   assert (J.profile, 'smoke');
%!   for d = {'Dataset_1', 'Dataset_2'}
%!     X = J.figures.fig1.(d{1}).network;
%!     for f = {'Zbar_error', 'b_error', 'NC1', 'train_accuracy'}
%!       assert (isnumeric (X.(f{1})) && isscalar (X.(f{1})), f{1});
%!     end
%!   end
%!   assert (J.figures.fig1.Dataset_1.N, round (41000 / 100));
%!   assert (J.figures.fig5.collapse_predicted, sqrt (100) / 3000, 1e-15);
%!   assert (J.figures.fig8.collapse_predicted, (sqrt (100) / 0.005 - 700) / 3, 1e-12);
%!   for f = {'fig5', 'fig6', 'fig7', 'fig8'}
%!     assert (isfield (J.figures.(f{1}), 'collapse_observed_network'));
%!     assert (isfield (J.figures.(f{1}), 'collapse_observed_ufm'));
%!   end
%!   documented = summary_words ();
%!   names = leaf_names (J.figures);
%!   undocumented = setdiff (names, [documented, {'title', 'time_s', 'scale', 'error', ...
%!                                               'Dataset_1', 'Dataset_2', 'network', 'ufm'}]);
%!   assert (isempty (undocumented), ['undocumented: ' strjoin(undocumented, ', ')]);
%!
%!   % A rerun computes nothing: every unit comes from the cache untouched
%!   % (only the report entries entry_*.mat are rewritten).
%!   units = @(d) d(~ strncmp ({d.name}, 'entry_', 6));
%!   before = units (dir (fullfile (out, 'cache', '*.mat')));
%!   assert (numel (before) > 20);
%!   R2 = nc_figures ('Profile', 'smoke', 'Out', out, 'Figures', {'fig5', 'fig1'}, 'Verbose', false);
%!   after = units (dir (fullfile (out, 'cache', '*.mat')));
%!   assert ({after.name}, {before.name});
%!   assert ([after.datenum], [before.datenum]);
%!   % The report still covers all ten figures after running two.
%!   txt = fileread (fullfile (out, 'report.md'));
%!   assert (~ isempty (strfind (txt, 'Figures produced: 10 of 10')));
%!   assert (R2{2}.observed, R{5}.observed);
%!
%!   % Caches that heal: a truncated unit and a truncated (or garbage) entry
%!   % file are reported, recomputed, and the run completes.
%!   cache = fullfile (out, 'cache');
%!   unit = dir (fullfile (cache, 'net_*.mat'));
%!   truncate (fullfile (cache, unit(1).name));
%!   truncate (fullfile (cache, 'entry_smoke_fig5.mat'));
%!   fid = fopen (fullfile (cache, 'entry_smoke_fig9.mat'), 'w'); fprintf (fid, 'garbage'); fclose (fid);
%!   w = warning ('off', 'ncufm:badCache');
%!   R3 = nc_figures ('Profile', 'smoke', 'Out', out, 'Figures', {'fig5'}, 'Verbose', false);
%!   warning (w);
%!   assert (~ isfield (R3{1}, 'error'));
%!   assert (R3{1}.observed, R{5}.observed);
%!   s = load (fullfile (cache, 'entry_smoke_fig5.mat'));   % rewritten whole
%!   assert (s.R.name, 'fig5');
%!   txt = fileread (fullfile (out, 'report.md'));
%!   % fig9's garbage entry was dropped from the report, not fatal.
%!   assert (~ isempty (strfind (txt, 'Figures produced: 9 of 9')));
%! unwind_protect_cleanup
%!   if (exist (out, 'dir'))
%!     confirm_recursive_rmdir (false, 'local');
%!     rmdir (out, 's');
%!   end
%! end_unwind_protect
