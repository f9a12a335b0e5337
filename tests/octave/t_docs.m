% SPDX-License-Identifier: GPL-3.0-or-later

% The documentation stays true to the repository: docs/reference.md is what
% tests/gen_reference.m makes of the current help texts, every citation of
% docs/theory.md (a section or an equation) exists, and no file refers to a
% document the repository does not have.

%!function root = repo_root ()
%!  root = fileparts (fileparts (which ('nc_setup')));
%!endfunction

%!function files = source_files (root)
%!  % the files whose text may cite documents: sources, tests, benchmarks, docs
%!  files = {};
%!  pats = {'m/*.m', 'm/private/*.m', 'm/figures/*.m', 'm/figures/private/*.m', 'src/*.c', ...
%!          'src/*.h', 'include/*.h', 'mex/*.c', 'mex/*.h', 'mex/*.mk', 'tests/*.m', 'tests/*.py', ...
%!          'tests/*.sh', 'tests/octave/*.m', 'tests/c/*.c', 'tests/c/*.h', 'tests/package/*', ...
%!          'bench/*', 'docs/*.md', 'docs/training/*.m', 'README.md', 'INSTALL', 'NEWS', 'CITATION', 'DESCRIPTION', ...
%!          'INDEX', 'Makefile'};
%!  for i = 1:numel (pats)
%!    d = dir (fullfile (root, pats{i}));
%!    d = d(~ [d.isdir]);
%!    rel = fileparts (pats{i});
%!    for j = 1:numel (d)
%!      files{end+1} = fullfile (rel, d(j).name);
%!    end
%!  end
%!endfunction

%!function [sections, equations] = theory_labels (root)
%!  t = fileread (fullfile (root, 'docs', 'theory.md'));
%!  s = regexp (t, '(?m)^## (\d+)\. ', 'tokens');
%!  sections = cellfun (@(c) str2double (c{1}), s);
%!  e = regexp (t, '\\text\{\((\d+\.\d+)\)\}', 'tokens');
%!  equations = cellfun (@(c) c{1}, e, 'UniformOutput', false);
%!endfunction

%!function n = line_of (text, pos)
%!  n = 1 + sum (text(1:pos) == char (10));
%!endfunction

%!test  % docs/reference.md is up to date with the help texts
%! root = repo_root ();
%! addpath (fullfile (root, 'tests'));
%! cleanup = onCleanup (@() rmpath (fullfile (root, 'tests')));
%! want = gen_reference ('');
%! have = fileread (fullfile (root, 'docs', 'reference.md'));
%! if (~ strcmp (want, have))
%!   w = strsplit (want, char (10)); h = strsplit (have, char (10));
%!   k = 1;
%!   while (k <= min (numel (w), numel (h)) && strcmp (w{k}, h{k}))
%!     k = k + 1;
%!   end
%!   error ('docs/reference.md is out of date (first difference at line %d): run make docs', k);
%! end

%!test  % docs/theory.md: sections 1-7 in order, equation numbers unique and in order
%! [sections, equations] = theory_labels (repo_root ());
%! assert (sections, 1:7);
%! assert (numel (unique (equations)), numel (equations), 'docs/theory.md numbers an equation twice');
%! v = cellfun (@(e) sscanf (e, '%d.%d')' * [1000; 1], equations);
%! assert (all (diff (v) > 0), 'docs/theory.md: equation numbers out of order');

%!test  % every citation of a section or an equation of docs/theory.md exists
%! root = repo_root ();
%! [sections, equations] = theory_labels (root);
%! bad = {};
%! files = source_files (root);
%! for i = 1:numel (files)
%!   t = fileread (fullfile (root, files{i}));
%!   % "docs/theory.md section 5", "... sections 2-3", a comment break between the words
%!   [tok, pos] = regexp (t, 'theory\.md[\s%*#/,]*sections?\s+(\d+)(?:\s*(?:-|to|and)\s*(\d+))?', 'tokens', 'start');
%!   for j = 1:numel (tok)
%!     for x = tok{j}
%!       if (~ isempty (x{1}) && ~ ismember (str2double (x{1}), sections))
%!         bad{end+1} = sprintf ('%s:%d: section %s', files{i}, line_of (t, pos(j)), x{1});
%!       end
%!     end
%!   end
%!   [tok, pos] = regexp (t, 'theory\.md[\s%*#/,]*eqs?\.\s*\((\d+\.\d+)\)(?:\s*-\s*\((\d+\.\d+)\))?', 'tokens', 'start');
%!   for j = 1:numel (tok)
%!     for x = tok{j}
%!       if (~ isempty (x{1}) && ~ ismember (x{1}, equations))
%!         bad{end+1} = sprintf ('%s:%d: eq. (%s)', files{i}, line_of (t, pos(j)), x{1});
%!       end
%!     end
%!   end
%! end
%! % the labels of the checks in t_theory_doc.m, and the cross-references inside theory.md
%! t = fileread (fullfile (root, 'tests', 'octave', 't_theory_doc.m'));
%! labels = regexp (t, '%!test  % \((\d+\.\d+)\)(?:-\((\d+\.\d+)\))?', 'tokens');
%! th = fileread (fullfile (root, 'docs', 'theory.md'));
%! refs = regexp (th, '\(([1-7]\.\d+)\)', 'tokens');
%! for x = [labels{:}, refs{:}]
%!   if (~ isempty (x{1}) && ~ ismember (x{1}, equations))
%!     bad{end+1} = sprintf ('t_theory_doc.m or theory.md: (%s) is not an equation of docs/theory.md', x{1});
%!   end
%! end
%! assert (isempty (bad), ['citations of docs/theory.md that it does not have:' char(10) strjoin(bad, char (10))]);

%!test  % no file refers to the developers' notes, which the repository does not have
%! pending = {};
%! root = repo_root ();
%! notes = {['paper' '.md'], ['design' '.md'], ['COMMON' '.md']};   % split, so that this file does not match
%! bad = {};
%! files = source_files (root);
%! for i = 1:numel (files)
%!   if (ismember (strrep (files{i}, filesep, '/'), pending))
%!     continue;
%!   end
%!   t = fileread (fullfile (root, files{i}));
%!   for k = 1:numel (notes)
%!     pos = strfind (t, notes{k});
%!     for p = pos
%!       bad{end+1} = sprintf ('%s:%d: %s', files{i}, line_of (t, p), notes{k});
%!     end
%!   end
%! end
%! assert (isempty (bad), ['references to documents outside the repository (cite docs/theory.md instead):' ...
%!                        char(10) strjoin(bad, char (10))]);
