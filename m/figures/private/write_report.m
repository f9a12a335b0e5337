% SPDX-License-Identifier: GPL-3.0-or-later

function file = write_report (P, results, total_time)
%WRITE_REPORT  Writes P.out/report.md: for every entry of RESULTS
%   FILE = WRITE_REPORT(P, RESULTS, TOTAL_TIME)
%
%   (as returned by the figure scripts) its setting, the scale it ran at,
%   the numbers (final NC1, relative errors against the theory, predicted
%   against observed collapse points), its run time and the embedded
%   figure; a failed figure is listed with its error.  Written under a
%   temporary name, then renamed, so a reader never sees half a report.
%
%   See also: nc_figures
  file = fullfile (P.out, 'report.md');
  tmp = [file '.part'];
  fid = fopen (tmp, 'w');
  if (fid < 0)
    error ('ncufm:reportWrite', 'write_report: cannot write %s', tmp);
  end
  closer = onCleanup (@() fclose (fid));
  fprintf (fid, '# ncufm: theory against experiment\n\n');
  fprintf (fid, ['Figures of Hong and Ling, *Neural Collapse for Unconstrained Feature Model ' ...
                 'under Cross-entropy Loss with Imbalanced Data* (JMLR 2024), redrawn by ' ...
                 '`nc_figures` from this plugin''s solver (`nc_solve`), theory (`nc_theory`), ' ...
                 'metrics (`nc_metrics`) and trainers (`nc_ufm_train`, `nc_mlp_train`).\n\n']);
  fprintf (fid, ['Convention: (1/N) sum CE + lambda_W ||W||^2 + lambda_H ||H||^2 + lambda_b ||b||^2, ' ...
                 'equivalent to the convex program with lambda_Z = 2 sqrt(lambda_W lambda_H); ' ...
                 'trained UFM rows use lambda_W = 5 lambda_Z, lambda_H = lambda_Z/20. ' ...
                 'Relative errors are ||X - X*||_F / ||X*||_F against the exact convex optimum ' ...
                 '(Zbar*, b*) at the same lambdas and class counts.\n\n']);
  fprintf (fid, '- Profile: **%s** (`make figures PROFILE=%s`)\n', P.profile, P.profile);
  if exist ('OCTAVE_VERSION', 'builtin'), platform = ['GNU Octave ' OCTAVE_VERSION]; else, platform = ['MATLAB ' version()]; end
  fprintf (fid, '- Generated: %s on %d cores, %s\n', ...
           datestr (now (), 'yyyy-mm-dd HH:MM'), cpu_cores (), platform);
  fprintf (fid, ['- Run time of the last call: %s (cached units are reused on reruns; ' ...
                 'each figure''s own time is given below)\n'], duration_text (total_time));
  failed = cellfun (@(R) isfield (R, 'error'), results);
  computed = 0;
  for i = find (~ failed)
    R = results{i};
    t = R.time;
    if (isfield (R, 'compute_time'))
      t = max (t, R.compute_time);
    end
    computed = computed + t;
  end
  fprintf (fid, ['- Compute time of the figures below (each as first computed, summed over ' ...
                 'runs that resumed from the cache): %s\n'], duration_text (computed));
  fprintf (fid, '- Figures produced: %d of %d\n\n', nnz (~ failed), numel (results));
  fprintf (fid, '| figure | run time | headline |\n|---|---|---|\n');
  for i = 1:numel (results)
    R = results{i};
    if (failed(i))
      fprintf (fid, '| %s | - | **not produced**: %s |\n', R.title, md_escape (R.error));
    else
      t = R.time;
      if (isfield (R, 'compute_time'))
        t = max (t, R.compute_time);
      end
      fprintf (fid, '| [%s](#%s) | %s | %s |\n', R.title, R.name, ...
               duration_text (t), R.numbers{1});
    end
  end
  fprintf (fid, '\n');
  write_targets (fid, P, results);
  for i = 1:numel (results)
    R = results{i};
    fprintf (fid, '<a id="%s"></a>\n## %s\n\n', R.name, R.title);
    if (failed(i))
      fprintf (fid, '**Not produced.** Error: `%s`\n\n', R.error);
      continue;
    end
    fprintf (fid, '**Setting.** %s\n\n', R.description);
    fprintf (fid, '**Scale.** %s\n\n', R.scale);
    fprintf (fid, '**Numbers.**\n\n');
    fprintf (fid, '- %s\n', R.numbers{:});
    fprintf (fid, '- run time: %s', duration_text (R.time));
    if (isfield (R, 'compute_time') && R.compute_time > 1.5 * R.time)
      fprintf (fid, ' (from the cache; %s when computed)', duration_text (R.compute_time));
    end
    fprintf (fid, '\n\n');
    if (isfield (R, 'table') && ~ isempty (R.table))
      write_table (fid, R.table);
      if (isfield (R, 'table_note'))
        fprintf (fid, '%s\n\n', R.table_note);
      end
    end
    [~, png] = fileparts (R.files{1});
    fprintf (fid, '![%s](%s.png)\n\n', R.title, png);
  end
  write_schema (fid);
  clear closer;
  [ok, msg] = movefile (tmp, file, 'f');
  if ~ ok
    error ('ncufm:reportWrite', 'write_report: cannot write %s: %s', file, msg);
  end
end

% The targets of the profile, met or missed, from every entry that has them
% (Figures 1-4 share theirs: each line is written once).
function write_targets (fid, P, results)
  lines = {};
  for i = 1:numel (results)
    if (isfield (results{i}, 'targets'))
      t = results{i}.targets;
      lines = [lines, t(~ ismember (t, lines))];
    end
  end
  if (isempty (lines))
    return;
  end
  fprintf (fid, '## Targets (%s profile)\n\n', P.profile);
  fprintf (fid, '- %s\n', lines{:});
  fprintf (fid, '\n');
end

% The fields of summary.json (written beside this report by write_summary).
function write_schema (fid)
  fprintf (fid, '<a id="summary"></a>\n## summary.json\n\n');
  fprintf (fid, ['`summary.json` (beside this report) holds the headline numbers, schema ' ...
                 '`ncufm-figures-summary/1`: `profile`, `generated`, `platform`, `cores`, and ' ...
                 '`figures`, one object per figure run (`fig1` ... `fig9`, `phase`) with ' ...
                 '`title`, `time_s` (seconds to compute it), `scale` (text), or `error` when ' ...
                 'it was not produced. NaN is written as null; a one-element list as a ' ...
                 'number.\n\n']);
  f = summary_fields ();
  fprintf (fid, '| object | field | meaning |\n|---|---|---|\n');
  for i = 1:size (f, 1)
    fprintf (fid, '| %s | `%s` | %s |\n', f{i,:});
  end
  fprintf (fid, '\n');
end

function write_table (fid, T)
  fprintf (fid, '|%s|\n', strjoin (cellfun (@md_escape, T(1,:), 'UniformOutput', false), '|'));
  fprintf (fid, '|%s|\n', strjoin (repmat ({'---'}, 1, size (T, 2)), '|'));
  for r = 2:size (T, 1)
    fprintf (fid, '|%s|\n', strjoin (T(r,:), '|'));
  end
  fprintf (fid, '\n');
end

function s = md_escape (s)
  s = strrep (strrep (s, '|', '\|'), '_', '\_');
  s = strrep (s, char (10), ' ');
end

%!test
%! d = tempname (); mkdir (d);
%! unwind_protect
%!   P = profile_settings ('smoke', d);
%!   R1 = struct ('name', 'fig5', 'title', 'Figure 5', 'description', 'd', 'scale', 's', ...
%!                'numbers', {{'n1', 'n2'}}, 'table', {{'a', 'b'; '1', '2'}}, ...
%!                'files', {{fullfile(d, 'fig5.png'), fullfile(d, 'fig5.svg')}}, 'time', 1.5);
%!   R2 = struct ('name', 'fig1', 'title', 'Figure 1', 'error', 'nc_mlp_train missing');
%!   f = write_report (P, {R1, R2}, 3);
%!   txt = fileread (f);
%!   assert (~ isempty (strfind (txt, '![Figure 5](fig5.png)')));
%!   assert (~ isempty (strfind (txt, '|1|2|')));
%!   assert (~ isempty (strfind (txt, '**not produced**: nc\_mlp\_train missing')));
%!   assert (~ isempty (strfind (txt, 'Figures produced: 1 of 2')));
%! unwind_protect_cleanup
%!   confirm_recursive_rmdir (false, 'local');
%!   rmdir (d, 's');
%! end_unwind_protect
