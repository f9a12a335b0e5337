% SPDX-License-Identifier: GPL-3.0-or-later

% Tests of the figure pipeline: the smoke profile end to end into
% a temporary folder, every output present, the collapse points found by
% the solver equal to the closed forms of docs/theory.md section 5, and a rerun
% served from the cache.  Run by make check (about a minute on 2 cores).

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
%!   assert (isempty (dir (fullfile (out, 'cache', '*.tmp*'))));
%!
%!   % Minority collapse where docs/theory.md section 5 puts it, in closed form:
%!   % lambda_Z = sqrt(n_B)/(k_A n_A + k_B n_B), n_A = (sqrt(n_B)/lambda_Z - k_B n_B)/k_A.
%!   assert (R{5}.observed, sqrt (100) / (5*500 + 5*100), 1e-6 * R{5}.observed);
%!   assert (R{6}.observed, sqrt (100) / (3*500 + 7*100), 1e-6 * R{6}.observed);
%!   assert (R{7}.observed, (sqrt (100) / 0.005 - 5*100) / 5, 1e-6 * 300);
%!   assert (R{8}.observed, (sqrt (100) / 0.005 - 7*100) / 3, 1e-6 * 433.3);
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
%! unwind_protect_cleanup
%!   if (exist (out, 'dir'))
%!     confirm_recursive_rmdir (false, 'local');
%!     rmdir (out, 's');
%!   end
%! end_unwind_protect
