% SPDX-License-Identifier: GPL-3.0-or-later

function text = gen_reference (out)
%GEN_REFERENCE  Write the function reference docs/reference.md from the help texts.
%   GEN_REFERENCE()
%   GEN_REFERENCE(OUT)
%   TEXT = GEN_REFERENCE('')
%
%   Lists the public functions from the folders (every .m file of m/ and of
%   m/figures/), reads their help with HELP, groups them by the categories of
%   the package INDEX (a function the INDEX does not list goes under "Other"),
%   and writes Markdown with a table of contents to OUT (default
%   docs/reference.md in the repository).  With OUT = '' nothing is written
%   and the text is returned, which is how the test in tests/octave/t_docs.m
%   compares it with the committed file.  Runs in Octave and MATLAB; make docs
%   calls it.
%
%       gen_reference ()                 % from anywhere: finds the repository itself
  root = fileparts (fileparts (mfilename ('fullpath')));
  if (nargin < 1)
    out = fullfile (root, 'docs', 'reference.md');
  end
  folders = {fullfile(root, 'm'), fullfile(root, 'm', 'figures')};
  old_path = path ();
  restore = onCleanup (@() path (old_path));
  names = {};
  for i = 1:numel (folders)
    addpath (folders{i});
    files = dir (fullfile (folders{i}, '*.m'));
    names = [names, cellfun(@(f) f(1:end-2), {files.name}, 'UniformOutput', false)];
  end
  names = sort (names);
  [cats, members] = read_index (fullfile (root, 'INDEX'));
  listed = [members{:}];
  other = names(~ ismember (names, listed));
  if (~ isempty (other))
    cats{end+1} = 'Other';
    members{end+1} = other;
  end
  for c = 1:numel (cats)
    members{c} = members{c}(ismember (members{c}, names));
  end
  keep = ~ cellfun (@isempty, members);
  cats = cats(keep); members = members(keep);

  nl = char (10);
  text = ['# ncufm function reference' nl nl ...
          'Generated from the help texts (`help NAME` in Octave or MATLAB) by ' ...
          '`tests/gen_reference.m`; do not edit by hand: change the help text and run ' ...
          '`make docs`.  The science and the conventions are in [theory.md](theory.md).' nl nl ...
          '## Contents' nl nl];
  for c = 1:numel (cats)
    text = [text '**[' cats{c} '](#' anchor(cats{c}) ')**' nl nl ...
            '| function | summary |' nl '|---|---|' nl];
    for f = 1:numel (members{c})
      h = help_text (members{c}{f});
      text = [text '| [`' members{c}{f} '`](#' anchor(members{c}{f}) ') | ' ...
              strrep(summary (h, members{c}{f}), '|', '\|') ' |' nl];
    end
    text = [text nl];
  end
  for c = 1:numel (cats)
    text = [text '## ' cats{c} nl nl];
    for f = 1:numel (members{c})
      h = help_text (members{c}{f});
      text = [text '### ' members{c}{f} nl nl '```' nl h nl '```' nl nl];
    end
  end
  text = [text(1:end-1)];
  if (~ isempty (out))
    fid = fopen (out, 'w');
    if (fid < 0)
      error ('ncufm:badOut', 'gen_reference: cannot write %s', out);
    end
    fprintf (fid, '%s', text);
    fclose (fid);
  end
end

function [cats, members] = read_index (file)
  % INDEX: a title line "pkg >> title", then category lines (no leading
  % blank) each followed by lines of function names (leading blank).
  lines = strsplit (strrep (fileread (file), char (13), ''), char (10));
  cats = {}; members = {};
  for i = 2:numel (lines)
    l = lines{i};
    if (isempty (strtrim (l)))
      continue;
    end
    if (isspace (l(1)))
      if (isempty (cats))
        error ('ncufm:badIndex', 'gen_reference: INDEX line %d names functions before any category', i);
      end
      members{end} = [members{end}, strsplit(strtrim (l))];
    else
      cats{end+1} = strtrim (l);
      members{end+1} = {};
    end
  end
end

function h = help_text (name)
  % The help text with its indentation kept, trailing blanks and blank lines removed.
  h = help (name);
  lines = strsplit (strrep (h, char (13), ''), char (10));
  lines = cellfun (@(s) regexprep (s, '\s+$', ''), lines, 'UniformOutput', false);
  while (~ isempty (lines) && isempty (lines{end}))
    lines(end) = [];
  end
  while (~ isempty (lines) && isempty (lines{1}))
    lines(1) = [];
  end
  if (isempty (lines))
    error ('ncufm:noHelp', 'gen_reference: %s has no help text', name);
  end
  lines{1} = strtrim (lines{1});
  h = strjoin (lines, char (10));
end

function s = summary (h, name)
  % The first help line without the leading NAME in capitals.
  first = strtok (h, char (10));
  s = strtrim (regexprep (first, ['^' upper(name) '\s*'], ''));
end

function a = anchor (title)
  % GitHub's anchor of a heading: lower case, spaces to hyphens, punctuation dropped.
  a = lower (title);
  a = regexprep (a, '[^a-z0-9 _-]', '');
  a = strrep (a, ' ', '-');
end
