% SPDX-License-Identifier: GPL-3.0-or-later

function file = write_summary (P, results)
%WRITE_SUMMARY  Writes P.out/summary.json: the headline numbers of every entry of
%   FILE = WRITE_SUMMARY(P, RESULTS)
%
%   RESULTS (report entries of the figure scripts), in the schema
%   'ncufm-figures-summary/1' described in nc_figures' help and listed field
%   by field at the end of report.md (summary_fields).  NaN becomes null.
%   Written under a temporary name, then renamed.
%
%   See also: nc_figures, write_report, summary_fields
  S.schema = 'ncufm-figures-summary/1';
  S.profile = P.profile;
  S.generated = datestr (now (), 'yyyy-mm-ddTHH:MM:SS');
  if exist ('OCTAVE_VERSION', 'builtin'), S.platform = ['GNU Octave ' OCTAVE_VERSION]; else, S.platform = ['MATLAB ' version()]; end
  S.cores = cpu_cores ();
  S.figures = struct ();
  for i = 1:numel (results)
    R = results{i};
    F = struct ('title', R.title);
    if (isfield (R, 'error'))
      F.error = R.error;
    else
      F.time_s = R.time;
      if (isfield (R, 'compute_time'))
        F.time_s = max (R.time, R.compute_time);
      end
      F.scale = R.scale;
      if (isfield (R, 'summary'))
        for f = fieldnames (R.summary)'
          F.(f{1}) = R.summary.(f{1});
        end
      end
    end
    S.figures.(R.name) = F;
  end
  file = fullfile (P.out, 'summary.json');
  tmp = [file '.part'];
  fid = fopen (tmp, 'w');
  if (fid < 0)
    error ('ncufm:reportWrite', 'write_summary: cannot write %s', tmp);
  end
  fprintf (fid, '%s\n', jsonencode (S));
  fclose (fid);
  [ok, msg] = movefile (tmp, file, 'f');
  if (~ ok)
    error ('ncufm:reportWrite', 'write_summary: cannot write %s: %s', file, msg);
  end
end

%!test
%! d = tempname (); mkdir (d);
%! unwind_protect
%!   P = profile_settings ('smoke', d);
%!   R1 = struct ('name', 'fig5', 'title', 'Figure 5', 'scale', 's', 'time', 2, ...
%!                'summary', struct ('collapse_predicted', 1/300, 'collapse_observed_network', NaN));
%!   R2 = struct ('name', 'fig1', 'title', 'Figure 1', 'error', 'failed');
%!   f = write_summary (P, {R1, R2});
%!   J = jsondecode (fileread (f));
%!   assert (J.schema, 'ncufm-figures-summary/1');
%!   assert (J.figures.fig5.collapse_predicted, 1/300, 1e-15);
%!   assert (isempty (J.figures.fig5.collapse_observed_network));   % NaN -> null
%!   assert (J.figures.fig1.error, 'failed');
%! unwind_protect_cleanup
%!   confirm_recursive_rmdir (false, 'local');
%!   rmdir (d, 's');
%! end_unwind_protect
