% SPDX-License-Identifier: GPL-3.0-or-later

function results = nc_figures (varargin)
%NC_FIGURES  Redraw Figures 1-9 of Hong and Ling (2023) and a phase diagram of
%   NC_FIGURES()
%   NC_FIGURES(..., 'Profile', PROFILE)
%   NC_FIGURES(..., 'Out', DIR)
%   NC_FIGURES(..., 'Figures', NAMES)
%   RESULTS = NC_FIGURES(...)
%
%   minority collapse from this plugin's solver, theory, metrics and
%   trainers, and write a theory-vs-experiment report.
%
%   Convention (docs/theory.md section 1): the UFM
%   (1/N) sum CE(W h + b) + lW ||W||^2 + lH ||H||^2 + lb ||b||^2
%   is the convex program in Z = W H with lambda_Z = 2 sqrt(lW lH);
%   trained rows use lW = 5 lambda_Z, lH = lambda_Z/20 (the authors' choice).
%
%   Options (name/value, case-insensitive):
%     Profile
%       'quick' (default; at most 15 minutes on 2 cores),
%       'smoke' (toy sizes, under 2 minutes, run by make check) or
%       'full' (the paper's Dataset_1/2 sizes for Figures 1-4 and long
%       training; expected 3 to 4 hours on 2 cores).  See profile_settings.
%     Out
%       Output folder (default results): fig1.png ...
%       fig9.png, phase.png (each also as .svg) and
%       report.md; finished units of work are cached under
%       Out/cache, so an interrupted run (Ctrl-C) resumes where it stopped
%       and a rerun only redraws.  A unit's key holds its settings, not the code
%       that computed it: delete Out/cache after changing a solver or a
%       trainer.
%     Figures
%       Cell array of the figures to run, from {"fig1", ..., "fig9",
%       "phase"}; default all.
%     Verbose
%       true (default): a progress line per unit of work with the time left,
%       and the trainers' own progress; false: one line per figure.
%
%   Progress lines name each unit of work and the time left.  A figure whose
%   dependency fails is reported as not produced (with the error) and the
%   others still run.  The report is rewritten after every figure, and
%   covers every figure ever run into DIR with this profile (the
%   latest run of each), so running a few figures again keeps the others.
%   RESULTS is the cell array of report entries (fields name, title,
%   description, scale, numbers, table, files, time, and error when the
%   figure failed).
%
%       nc_figures ('Profile', 'smoke', 'Out', tempname ())
%
%   See also: profile_settings, unit_cache, nc_solve, nc_ufm_train, nc_mlp_train
  opts = parse (varargin);
  P = profile_settings (opts.profile, opts.out);
  P.verbose = opts.verbose;
  for d = {P.out, P.cache}
    if (~ exist (d{1}, 'dir') && ~ mkdir (d{1}))
      error ('ncufm:badOut', 'nc_figures: cannot create the folder %s', d{1});
    end
  end
  names = opts.figures;
  w = cellfun (@(n) P.weight.(n), names);
  results = {};
  t0 = tic ();
  fprintf ('nc_figures: profile %s, %d figures into %s\n', P.profile, numel (names), P.out);
  for i = 1:numel (names)
    el = toc (t0);
    if (i > 1)
      left = el / sum (w(1:i-1)) * sum (w(i:end));
      fprintf ('nc_figures: %s (%d/%d), %s elapsed, ~%s left\n', names{i}, i, numel (names), ...
              duration_text (el), duration_text (left));
    else
      fprintf ('nc_figures: %s (1/%d)\n', names{i}, numel (names));
    end
    flush_output ();
    try
      draw = script (names{i});
      R = draw (P);
    catch err
      % Ctrl-C is not caught by try (it ends the run; finished units stay
      % cached).  Any other failure is reported and the others still run.
      fprintf ('nc_figures: %s not produced: %s\n', names{i}, err.message);
      R = struct ('name', names{i}, 'title', names{i}, 'error', err.message);
    end
    results{end+1} = R;
    % Kept so that a run of some figures reports the others' last results too.
    entry_file = fullfile (P.cache, sprintf ('entry_%s_%s.mat', P.profile, names{i}));
    R.compute_time = get_field (R, 'time', NaN);
    if (exist (entry_file, 'file'))
      old = load (entry_file);
      % A rerun served from the cache is fast; remember what computing took.
      R.compute_time = max (R.compute_time, get_field (old.R, 'compute_time', NaN));
    end
    tmp = [tempname(P.cache) '.mat'];
    save ('-v7', tmp, 'R');
    replace_file (tmp, entry_file);
    write_report (P, stored_entries (P, all_names ()), toc (t0));
  end
  fprintf ('nc_figures: done in %s; report: %s\n', duration_text (toc (t0)), ...
          fullfile (P.out, 'report.md'));
  if (nargout == 0)
    clear results;
  end
end

function v = get_field (s, name, default)
  v = default;
  if (isfield (s, name))
    v = s.(name);
  end
end

function names = all_names ()
  names = {'fig1', 'fig2', 'fig3', 'fig4', 'fig5', 'fig6', 'fig7', 'fig8', 'fig9', 'phase'};
end

% The last report entry of every figure run into this folder with this
% profile, in the paper's order.
function entries = stored_entries (P, names)
  entries = {};
  for i = 1:numel (names)
    f = fullfile (P.cache, sprintf ('entry_%s_%s.mat', P.profile, names{i}));
    if (exist (f, 'file'))
      s = load (f);
      entries{end+1} = s.R;
    end
  end
end

% fig5 -> figure_5; phase -> figure_phase.
% The script drawing figure NAME ('fig5' -> figure_5, 'phase' -> figure_phase),
% as a handle made here, where the private scripts are visible.
function f = script (name)
  if strncmp (name, 'fig', 3)
    f = str2func (['figure_' name(4:end)]);
  else
    f = str2func (['figure_' name]);
  end
end

function opts = parse (args)
  all_figures = all_names ();
  opts = struct ('profile', 'quick', 'out', 'results', 'figures', {all_figures}, 'verbose', true);
  if (mod (numel (args), 2) ~= 0)
    error ('ncufm:badOption', 'nc_figures: options must come in name/value pairs');
  end
  for i = 1:2:numel (args)
    name = args{i};
    value = args{i+1};
    if (~ ischar (name))
      error ('ncufm:badOption', 'nc_figures: option names must be strings');
    end
    switch (lower (name))
      case 'profile'
        if (~ ischar (value) || ~ any (strcmpi (value, {'smoke', 'quick', 'full'})))
          error ('ncufm:badProfile', ...
                 'nc_figures: PROFILE must be "smoke", "quick" or "full"');
        end
        opts.profile = lower (value);
      case 'out'
        if (~ ischar (value) || isempty (value) || size (value, 1) ~= 1)
          error ('ncufm:badOut', 'nc_figures: OUT must be a folder name');
        end
        opts.out = value;
      case 'figures'
        if (ischar (value))
          value = {value};
        end
        if (~ iscellstr (value) || isempty (value) ...
            || ~ all (ismember (lower (value), all_figures)))
          error ('ncufm:badFigures', 'nc_figures: FIGURES must be names from {%s}', ...
                 strjoin (all_figures, ', '));
        end
        opts.figures = all_figures(ismember (all_figures, lower (value)));
      case 'verbose'
        if (~ ((islogical (value) || isnumeric (value)) && isscalar (value) && isreal (value)))
          error ('ncufm:badVerbose', 'nc_figures: VERBOSE must be true or false');
        end
        opts.verbose = logical (value);
      otherwise
        error ('ncufm:badOption', ...
               'nc_figures: unknown option "%s" (accepted: Profile, Out, Figures, Verbose)', name);
    end
  end
end

%!error <nc_figures: PROFILE> nc_figures ('Profile', 'huge')
%!error <nc_figures: OUT> nc_figures ('Out', 3)
%!error <nc_figures: FIGURES> nc_figures ('Figures', {'fig10'})
%!error <nc_figures: unknown option> nc_figures ('Colour', 1)
%!error <nc_figures: VERBOSE> nc_figures ('Verbose', 'yes')
%!error <name/value> nc_figures ('Profile')
%!test
%! try
%!   nc_figures ('profile', 'bad');
%! catch err
%!   assert (err.identifier, 'ncufm:badProfile');
%! end

%!demo
%! % The smoke profile: every figure at toy size, into a temporary folder
%! out = tempname ();
%! nc_figures ('Profile', 'smoke', 'Out', out);
%! fprintf ('report: %s\n', fullfile (out, 'report.md'));
