% SPDX-License-Identifier: GPL-3.0-or-later

function results = nc_figures (varargin)
%NC_FIGURES  Redraw Figures 1-9 of Hong and Ling (2023) and a phase diagram.
%   NC_FIGURES()
%   NC_FIGURES(..., 'Profile', PROFILE)
%   NC_FIGURES(..., 'Out', DIR)
%   NC_FIGURES(..., 'Figures', NAMES)
%   NC_FIGURES(..., 'Verbose', TF)
%   RESULTS = NC_FIGURES(...)
%
%   Reproduces the paper's experiments with this plugin's solver, theory,
%   metrics and trainers, networks included, and writes a
%   theory-against-experiment report (report.md) and a machine-readable
%   summary (summary.json).
%
%   Convention (docs/theory.md section 1): the UFM
%   (1/N) sum CE(W h + b) + lW ||W||^2 + lH ||H||^2 + lb ||b||^2
%   is the convex program in Z = W H with lambda_Z = 2 sqrt(lW lH);
%   trained rows use lW = 5 lambda_Z, lH = lambda_Z/20 (the authors' choice).
%
%   Options (name/value, case-insensitive):
%     Profile
%       'quick' (default; at most 15 minutes on 2 cores from an empty
%       folder, networks at reduced sizes), 'smoke' (toy sizes, seconds;
%       run by make check) or 'paper' (the paper's class counts and, where
%       2 cores allow, its epochs; at most 3 hours, resumable across runs).
%       Each figure and the report say the scale it ran at.
%     Out
%       Output folder (default results): fig1.png ... fig9.png, phase.png
%       (each also as .svg), report.md and summary.json.  Finished units of
%       work (a network, a UFM, a solve) are cached under Out/cache, so an
%       interrupted run (Ctrl-C, kill -9) resumes where it stopped and a rerun
%       only redraws; a cache file that cannot be read is reported and
%       recomputed.  A unit's key holds its settings, not the code that
%       computed it: delete Out/cache after changing a solver or a trainer.
%     Figures
%       A cell array (row or column) of the figures to run, from {'fig1',
%       ..., 'fig9', 'phase'}, or one name; default all.
%     Verbose
%       true or 1 (default): a line per computed unit of work with the time
%       left (cached units cost nothing); false or 0: one line per figure.
%
%   A figure whose computation fails is reported as not produced (with the
%   error) and the others still run.  The report is rewritten after every
%   figure and covers every figure ever run into DIR with this profile (its
%   latest run), so running a few figures again keeps the others.
%   RESULTS is the cell array of report entries (fields name, title,
%   description, scale, numbers, table, files, time, summary, and error
%   when the figure failed).
%
%   summary.json: schema 'ncufm-figures-summary/1'; fields profile,
%   generated, platform, cores, and figures: one object per figure run
%   (fig1 ... phase) with title, time_s, error (when not produced) and the
%   figure's numbers; fig1-fig4 carry Dataset_1 and Dataset_2, each with N,
%   counts, lambdas, and network and ufm objects (Zbar_error, b_error, NC1,
%   train_accuracy, ...); fig5-fig8 carry collapse_predicted,
%   collapse_observed_network, collapse_observed_ufm, the steps from the
%   prediction and the minority spreads per grid point.  The report's last
%   section lists every field.  Missing numbers (NaN) are null.
%
%       nc_figures ('Profile', 'smoke', 'Out', tempname ())
%
%   Errors: ncufm:badProfile, ncufm:badOut, ncufm:badFigures,
%   ncufm:badVerbose, ncufm:badOption.
%
%   See also: nc_solve, nc_ufm_train, nc_mlp_train, nc_theory
  opts = parse (varargin);
  P = profile_settings (opts.profile, opts.out);
  P.verbose = opts.verbose;
  for d = {P.out, P.cache}
    if (~ exist (d{1}, 'dir') && ~ mkdir (d{1}))
      error ('ncufm:badOut', 'nc_figures: cannot create the folder %s', d{1});
    end
  end
  names = opts.figures;
  plan = make_plan (P, names);
  progress_tracker ('init', plan, P.verbose);
  stop_tracking = onCleanup (@() progress_tracker ('clear'));
  S = progress_tracker ('status');
  fprintf ('nc_figures: profile %s, %d figures into %s: %d units of work, %d cached, ~%s\n', ...
           P.profile, numel (names), P.out, S.units, S.cached, duration_text (S.left));
  results = {};
  t0 = tic ();
  for i = 1:numel (names)
    S = progress_tracker ('status');
    fprintf ('nc_figures: %s (%d/%d), %s elapsed, ~%s left\n', names{i}, i, numel (names), ...
             duration_text (toc (t0)), duration_text (S.left));
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
    store_entry (P, R);
    entries = stored_entries (P, all_names ());
    write_report (P, entries, toc (t0));
    write_summary (P, entries);
  end
  fprintf ('nc_figures: done in %s; report: %s\n', duration_text (toc (t0)), ...
           fullfile (P.out, 'report.md'));
  if (nargout == 0)
    clear results;
  end
end

function plan = make_plan (P, names)
  plan = struct ('file', {}, 'kind', {}, 'cost', {}, 'label', {}, 'figure', {});
  for i = 1:numel (names)
    plan = [plan, plan_units(P, names{i})];
  end
  [~, first] = unique ({plan.file}, 'first');
  plan = plan(sort (first));
end

function f = entry_file (P, name)
  f = fullfile (P.cache, sprintf ('entry_%s_%s.mat', P.profile, name));
end

% Kept so that a run of some figures reports the others' last results too.
function store_entry (P, R)
  file = entry_file (P, R.name);
  R.compute_time = get_field (R, 'time', NaN);
  old = read_entry (file);
  if (~ isempty (old) && isequal (get_field (old, 'scale', ''), get_field (R, 'scale', '')))
    % A rerun served from the cache is fast; remember what computing took.
    % The scale text names the recipe and sizes: a changed one is a new
    % computation, whose time replaces the old.
    R.compute_time = max (R.compute_time, get_field (old, 'compute_time', NaN));
  end
  tmp = [tempname(P.cache) '.mat'];
  save ('-v7', tmp, 'R');
  replace_file (tmp, file);
end

% The entry stored in FILE, or [] when there is none; a file that cannot be
% read or holds no entry is reported and deleted (it is rewritten when its
% figure runs again).
function R = read_entry (file)
  R = [];
  if (exist (file, 'file') ~= 2)
    return;
  end
  try
    s = load (file);
    if (isfield (s, 'R') && isstruct (s.R) && isfield (s.R, 'name') && isfield (s.R, 'title'))
      R = s.R;
      return;
    end
    why = 'it holds no report entry';
  catch err
    why = strtrim (err.message);
  end
  warning ('ncufm:badCache', 'nc_figures: %s is unreadable (%s); deleting it', file, why);
  delete (file);
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
    R = read_entry (entry_file (P, names{i}));
    if (~ isempty (R))
      entries{end+1} = R;
    end
  end
end

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
  accepted = 'Profile, Out, Figures, Verbose';
  opts = struct ('profile', 'quick', 'out', 'results', 'figures', {all_figures}, 'verbose', true);
  if (mod (numel (args), 2) ~= 0)
    error ('ncufm:badOption', 'nc_figures: options must come in name/value pairs (%s)', accepted);
  end
  for i = 1:2:numel (args)
    name = args{i};
    value = args{i+1};
    if (~ is_text (name))
      error ('ncufm:badOption', 'nc_figures: option names must be strings (%s)', accepted);
    end
    switch (lower (name))
      case 'profile'
        if (~ (is_text (value) && any (strcmpi (value, {'smoke', 'quick', 'paper'}))))
          error ('ncufm:badProfile', ...
                 'nc_figures: PROFILE must be ''smoke'', ''quick'' or ''paper''');
        end
        opts.profile = lower (value);
      case 'out'
        if (~ is_text (value) || isempty (value))
          error ('ncufm:badOut', 'nc_figures: OUT must be a folder name');
        end
        opts.out = value;
      case 'figures'
        opts.figures = figure_names (value, all_figures);
      case 'verbose'
        if (~ ((islogical (value) || isnumeric (value)) && isscalar (value) && isreal (value) ...
               && (value == 0 || value == 1)))
          error ('ncufm:badVerbose', 'nc_figures: VERBOSE must be true or false (or 1 or 0)');
        end
        opts.verbose = logical (value);
      otherwise
        error ('ncufm:badOption', 'nc_figures: unknown option ''%s'' (accepted: %s)', ...
               name, accepted);
    end
  end
end

% The figures asked for, in the paper's order: a name or a non-empty cell
% vector of names (each a row of characters), every one of them known.
function names = figure_names (value, all_figures)
  if (is_text (value))
    value = {value};
  end
  usage = sprintf ('a name or a cell vector of names from {%s}', strjoin (all_figures, ', '));
  if (~ (iscell (value) && isvector (value) && ~ isempty (value) ...
         && all (cellfun (@is_text, value))))
    error ('ncufm:badFigures', 'nc_figures: FIGURES must be %s', usage);
  end
  unknown = value(~ ismember (lower (value), all_figures));
  if (~ isempty (unknown))
    error ('ncufm:badFigures', 'nc_figures: FIGURES has unknown names %s; it must be %s', ...
           strjoin (cellfun (@(u) ['''' u ''''], unknown, 'UniformOutput', false), ', '), usage);
  end
  names = all_figures(ismember (all_figures, lower (value)));
end

% A row of characters (1 x n; a 1 x 1 x n char array is not one).
function tf = is_text (v)
  tf = ischar (v) && ndims (v) == 2 && size (v, 1) == 1;
end

%!error <nc_figures: PROFILE> nc_figures ('Profile', 'huge')
%!error <nc_figures: PROFILE> nc_figures ('Profile', 'full')
%!error <nc_figures: OUT> nc_figures ('Out', 3)
%!error <unknown names 'fig10'> nc_figures ('Figures', {'fig10'})
%!error <unknown names 'figX', 'figY'> nc_figures ('Figures', {'phase', 'figX', 'figY'})
%!error <nc_figures: FIGURES must be> nc_figures ('Figures', {'phase', 'figX'; 'phase', 'figX'})
%!error <nc_figures: FIGURES must be> nc_figures ('Figures', {'fig1', 'fig2'; 'fig3', 'fig4'})
%!error <nc_figures: FIGURES must be> nc_figures ('Figures', {})
%!error <nc_figures: FIGURES must be> nc_figures ('Figures', {'fig1', 3})
%!error <nc_figures: FIGURES must be> nc_figures ('Figures', ['fig1'; 'fig2'])
%!error <nc_figures: FIGURES must be> nc_figures ('Figures', 5)
%!error <unknown option 'Colour' \(accepted: Profile, Out, Figures, Verbose\)> nc_figures ('Colour', 1)
%!error <nc_figures: VERBOSE> nc_figures ('Verbose', 'yes')
%!error <nc_figures: VERBOSE> nc_figures ('Verbose', NaN)
%!error <nc_figures: VERBOSE> nc_figures ('Verbose', 2)
%!error <nc_figures: VERBOSE> nc_figures ('Verbose', [true false])
%!error <nc_figures: VERBOSE> nc_figures ('Verbose', Inf)
%!error <nc_figures: VERBOSE> nc_figures ('Verbose', 1i)
%!error <name/value> nc_figures ('Profile')
%!test
%! % Every refusal carries an ncufm: identifier.
%! bad = {{'Profile', 'bad'}, {'Verbose', NaN}, {'Figures', {'phase','figX';'phase','figX'}}, ...
%!        {'Figures', {'figX'}}, {'Colour', 1}, {'Profile'}, {3, 1}, {'Out', ''}};
%! ids = {'ncufm:badProfile', 'ncufm:badVerbose', 'ncufm:badFigures', 'ncufm:badFigures', ...
%!        'ncufm:badOption', 'ncufm:badOption', 'ncufm:badOption', 'ncufm:badOut'};
%! for i = 1:numel (bad)
%!   try
%!     nc_figures (bad{i}{:});
%!     error ('accepted: case %d', i);
%!   catch err
%!     assert (err.identifier, ids{i});
%!   end
%! end

%!demo
%! % The smoke profile: every figure at toy size, into a temporary folder
%! out = tempname ();
%! nc_figures ('Profile', 'smoke', 'Out', out);
%! fprintf ('report: %s\n', fullfile (out, 'report.md'));
