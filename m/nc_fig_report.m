## -*- texinfo -*-
## @deftypefn {} {@var{file} =} nc_fig_report (@var{P}, @var{results}, @var{total_time})
## Writes @file{@var{P}.out/report.md}: for every entry of @var{results}
## (as returned by the figure scripts) its setting, the scale it ran at,
## the numbers (final NC1, relative errors against the theory, predicted
## against observed collapse points), its run time and the embedded
## figure; a failed figure is listed with its error.  Written under a
## temporary name, then renamed, so a reader never sees half a report.
## @seealso{nc_figures}
## @end deftypefn
function file = nc_fig_report (P, results, total_time)
  file = fullfile (P.out, "report.md");
  tmp = [file ".part"];
  fid = fopen (tmp, "w");
  if (fid < 0)
    error ("ncufm:reportWrite", "nc_fig_report: cannot write %s", tmp);
  endif
  unwind_protect
    fprintf (fid, "# ncufm: theory against experiment\n\n");
    fprintf (fid, ["Figures of Hong and Ling, *Neural Collapse for Unconstrained Feature Model " ...
                   "under Cross-entropy Loss with Imbalanced Data* (JMLR 2024), redrawn by " ...
                   "`nc_figures` from this plugin's solver (`nc_solve`), theory (`nc_theory`), " ...
                   "metrics (`nc_metrics`) and trainers (`nc_ufm_train`, `nc_mlp_train`).\n\n"]);
    fprintf (fid, ["Convention: (1/N) sum CE + lambda_W ||W||^2 + lambda_H ||H||^2 + lambda_b ||b||^2, " ...
                   "equivalent to the convex program with lambda_Z = 2 sqrt(lambda_W lambda_H); " ...
                   "trained UFM rows use lambda_W = 5 lambda_Z, lambda_H = lambda_Z/20. " ...
                   "Relative errors are ||X - X*||_F / ||X*||_F against the exact convex optimum " ...
                   "(Zbar*, b*) at the same lambdas and class counts.\n\n"]);
    fprintf (fid, "- Profile: **%s** (`make figures PROFILE=%s`)\n", P.profile, P.profile);
    fprintf (fid, "- Generated: %s on %d cores, GNU Octave %s\n", ...
             datestr (now (), "yyyy-mm-dd HH:MM"), nproc (), OCTAVE_VERSION);
    fprintf (fid, ["- Run time of the last call: %s (cached units are reused on reruns; " ...
                   "each figure's own time is given below)\n"], nc_fig_duration (total_time));
    failed = cellfun (@(R) isfield (R, "error"), results);
    fprintf (fid, "- Figures produced: %d of %d\n\n", nnz (! failed), numel (results));
    fprintf (fid, "| figure | run time | headline |\n|---|---|---|\n");
    for i = 1:numel (results)
      R = results{i};
      if (failed(i))
        fprintf (fid, "| %s | - | **not produced**: %s |\n", R.title, md_escape (R.error));
      else
        t = R.time;
        if (isfield (R, "compute_time"))
          t = max (t, R.compute_time);
        endif
        fprintf (fid, "| [%s](#%s) | %s | %s |\n", R.title, R.name, ...
                 nc_fig_duration (t), R.numbers{1});
      endif
    endfor
    fprintf (fid, "\n");
    for i = 1:numel (results)
      R = results{i};
      fprintf (fid, "<a id=\"%s\"></a>\n## %s\n\n", R.name, R.title);
      if (failed(i))
        fprintf (fid, "**Not produced.** Error: `%s`\n\n", R.error);
        continue;
      endif
      fprintf (fid, "**Setting.** %s\n\n", R.description);
      fprintf (fid, "**Scale.** %s\n\n", R.scale);
      fprintf (fid, "**Numbers.**\n\n");
      fprintf (fid, "- %s\n", R.numbers{:});
      fprintf (fid, "- run time: %s", nc_fig_duration (R.time));
      if (isfield (R, "compute_time") && R.compute_time > 1.5 * R.time)
        fprintf (fid, " (from the cache; %s when computed)", nc_fig_duration (R.compute_time));
      endif
      fprintf (fid, "\n\n");
      if (isfield (R, "table") && ! isempty (R.table))
        write_table (fid, R.table);
      endif
      [~, png] = fileparts (R.files{1});
      fprintf (fid, "![%s](%s.png)\n\n", R.title, png);
    endfor
  unwind_protect_cleanup
    fclose (fid);
  end_unwind_protect
  [ok, msg] = rename (tmp, file);
  if (ok != 0)
    error ("ncufm:reportWrite", "nc_fig_report: cannot write %s: %s", file, msg);
  endif
endfunction

function write_table (fid, T)
  fprintf (fid, "|%s|\n", strjoin (cellfun (@md_escape, T(1,:), "UniformOutput", false), "|"));
  fprintf (fid, "|%s|\n", strjoin (repmat ({"---"}, 1, columns (T)), "|"));
  for r = 2:rows (T)
    fprintf (fid, "|%s|\n", strjoin (T(r,:), "|"));
  endfor
  fprintf (fid, "\n");
endfunction

function s = md_escape (s)
  s = strrep (strrep (s, "|", "\\|"), "_", "\\_");
  s = strrep (s, "\n", " ");
endfunction

%!test
%! d = tempname (); mkdir (d);
%! unwind_protect
%!   P = nc_fig_profile ("smoke", d);
%!   R1 = struct ("name", "fig5", "title", "Figure 5", "description", "d", "scale", "s", ...
%!                "numbers", {{"n1", "n2"}}, "table", {{"a", "b"; "1", "2"}}, ...
%!                "files", {{fullfile(d, "fig5.png"), fullfile(d, "fig5.svg")}}, "time", 1.5);
%!   R2 = struct ("name", "fig1", "title", "Figure 1", "error", "nc_mlp_train missing");
%!   f = nc_fig_report (P, {R1, R2}, 3);
%!   txt = fileread (f);
%!   assert (! isempty (strfind (txt, "![Figure 5](fig5.png)")));
%!   assert (! isempty (strfind (txt, "|1|2|")));
%!   assert (! isempty (strfind (txt, "**not produced**: nc\\_mlp\\_train missing")));
%!   assert (! isempty (strfind (txt, "Figures produced: 1 of 2")));
%! unwind_protect_cleanup
%!   confirm_recursive_rmdir (false, "local");
%!   rmdir (d, "s");
%! end_unwind_protect
