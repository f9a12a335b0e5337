% SPDX-License-Identifier: GPL-3.0-or-later

function [value, hit] = unit_cache (dir, key, compute)
%UNIT_CACHE  Disk cache of one unit of work of the figure scripts.
%   [VALUE, HIT] = UNIT_CACHE(DIR, KEY, COMPUTE)
%   FILE = UNIT_CACHE(DIR, KEY)
%
%   KEY is a struct (or cell, string or number) holding every setting
%   the result depends on; its canonical text is hashed (MD5) into the file
%   name DIR/<tag>_<hash>.mat, where TAG is
%   KEY.tag when present.  When the file exists its stored value
%   is returned (HIT true) and COMPUTE is not called; otherwise
%   VALUE = COMPUTE () is evaluated and saved.
%
%   The file is written under a temporary name and then renamed, so that an
%   interruption (Ctrl-C, kill -9) never leaves a truncated entry: every
%   finished unit survives and a rerun resumes after it.  The key's text is
%   stored beside the value and compared on reading; a file that cannot be
%   read (truncated, garbage), is not an entry, or holds another key is
%   reported (warning ncufm:badCache) and recomputed rather than trusted.
%   Computed units are reported to progress_tracker (time left).
%
%   With two inputs, returns the file name the key maps to.
%
%       key = struct ('tag', 'solve', 'n', [500 100], 'lZ', 0.003);
%       Z = unit_cache (tempdir (), key, @@() magic (3));
%
%   See also: nc_figures
  if (nargin < 2 || nargin > 3)
    error ('ncufm:badArgCount', 'unit_cache: needs DIR, KEY and optionally COMPUTE');
  end
  if (~ ischar (dir) || isempty (dir))
    error ('ncufm:badDir', 'unit_cache: DIR must be a folder name');
  end
  if (nargin == 3 && ~ isa (compute, 'function_handle'))
    error ('ncufm:badFunction', 'unit_cache: COMPUTE must be a function handle');
  end
  text = key_text (key);
  tag = 'unit';
  if (isstruct (key) && isfield (key, 'tag') && ischar (key.tag))
    tag = regexprep (key.tag, '[^A-Za-z0-9_-]', '_');
  end
  file = fullfile (dir, sprintf ('%s_%s.mat', tag, key_hash (text)));
  if (nargin == 2)
    value = file;
    hit = exist (file, 'file') == 2;
    return;
  end
  [value, hit] = read_unit (file, text);
  if (hit)
    return;
  end
  progress_tracker ('start', file);
  t0 = tic ();
  value = compute ();
  seconds = toc (t0);
  if (~ exist (dir, 'dir'))
    mkdir (dir);
  end
  tmp = [tempname(dir) '.mat'];
  key = text;  % the saved variable "key" is the canonical text
  save ('-v7', tmp, 'key', 'value');
  replace_file (tmp, file);
  progress_tracker ('done', file, seconds);
end

% The stored value of FILE if it holds the unit of key text TEXT.  A file
% that cannot be read (truncated by a full disk, garbage), or that holds
% something else, is reported and left to be recomputed and overwritten.
function [value, hit] = read_unit (file, text)
  value = [];
  hit = false;
  if (exist (file, 'file') ~= 2)
    return;
  end
  try
    stored = load (file);
  catch err
    warning ('ncufm:badCache', 'unit_cache: %s is unreadable (%s); recomputing it', ...
             file, strtrim (err.message));
    return;
  end
  if (~ (isfield (stored, 'key') && isfield (stored, 'value') && ischar (stored.key)))
    warning ('ncufm:badCache', 'unit_cache: %s is not a cache entry; recomputing it', file);
  elseif (~ strcmp (stored.key, text))
    warning ('ncufm:badCache', ['unit_cache: %s holds another unit (a hash collision or ' ...
                                'a stale entry); recomputing it'], file);
  else
    value = stored.value;
    hit = true;
  end
end

% A 64-bit hash of TEXT as 16 hex digits, for file names: two polynomial
% hashes modulo primes below 2^31, exact in double arithmetic.  Equal keys
% always map to the same file; a collision is harmless, because the stored
% key text is compared on reading.
function h = key_hash (text)
  c = double (text(:)');
  h1 = 0;
  h2 = 0;
  for v = c
    h1 = mod (h1 * 131 + v, 2147483647);
    h2 = mod (h2 * 257 + v, 2147483629);
  end
  h = sprintf ('%08x%08x', h1, h2);
end

% Canonical text of a key: field names sorted, numbers to 17 digits, so
% that equal settings always give the same hash.
function t = key_text (k)
  if (isstruct (k))
    if (numel (k) ~= 1)
      t = ['[' strjoin(arrayfun (@key_text, k, 'UniformOutput', false), ';') ']'];
      return;
    end
    names = sort (fieldnames (k));
    parts = cellfun (@(f) [f '=' key_text(k.(f))], names, 'UniformOutput', false);
    t = ['{' strjoin(parts(:)', ',') '}'];
  elseif (iscell (k))
    t = ['(' strjoin(cellfun (@key_text, k(:)', 'UniformOutput', false), ',') ')'];
  elseif (ischar (k))
    t = ['''' k(:)' ''''];
  elseif (isnumeric (k) || islogical (k))
    t = sprintf ('%s%s<%s>', class (k), mat2str (size (k)), ...
                 sprintf ('%.17g ', double (k(:))));
  elseif (isa (k, 'function_handle'))
    t = func2str (k);
  else
    error ('ncufm:badKey', 'unit_cache: KEY holds an unsupported %s', class (k));
  end
end

%!test
%! d = tempname (); mkdir (d);
%! unwind_protect
%!   calls = 0;
%!   key = struct ('tag', 't', 'n', [1 2 3], 'name', 'x');
%!   [v, hit] = unit_cache (d, key, @() 42);
%!   assert (v, 42); assert (hit, false);
%!   % Same settings in another field order: served from disk, not computed.
%!   key2 = struct ('name', 'x', 'n', [1 2 3], 'tag', 't');
%!   [v, hit] = unit_cache (d, key2, @() error ('must not run'));
%!   assert (v, 42); assert (hit, true);
%!   % A setting that differs in the last digit is another unit.
%!   key3 = key; key3.n(3) = 3 + eps (3);
%!   [v, hit] = unit_cache (d, key3, @() 7);
%!   assert ([v hit], [7 0]);
%!   assert (numel (dir (fullfile (d, 't_*.mat'))), 2);
%!   assert (numel (dir (fullfile (d, '*.mat'))), 2);  % no temporary file left
%! unwind_protect_cleanup
%!   confirm_recursive_rmdir (false, 'local');
%!   rmdir (d, 's');
%! end_unwind_protect
%!test
%! d = tempname (); mkdir (d);
%! unwind_protect
%!   % A corrupted entry is recomputed, not trusted.
%!   f = unit_cache (d, struct ('tag', 'c', 'a', 1));
%!   fid = fopen (f, 'w'); fputs (fid, 'garbage'); fclose (fid);
%!   lastwarn ('');
%!   [v, hit] = unit_cache (d, struct ('tag', 'c', 'a', 1), @() 'fresh');
%!   assert (v, 'fresh'); assert (hit, false);
%!   [~, id] = lastwarn (); assert (id, 'ncufm:badCache');   % reported
%!   w = warning ('off', 'ncufm:badCache');
%!   [v, hit] = unit_cache (d, struct ('tag', 'c', 'a', 1), @() 'again');
%!   assert (v, 'fresh'); assert (hit, true);   % healed: the rewritten entry is read
%!   % A truncated entry (the first half of a real one) is recomputed too.
%!   fid = fopen (f, 'r'); bytes = fread (fid, Inf, 'uint8'); fclose (fid);
%!   fid = fopen (f, 'w'); fwrite (fid, bytes(1:floor (end/2)), 'uint8'); fclose (fid);
%!   [v, hit] = unit_cache (d, struct ('tag', 'c', 'a', 1), @() 'third');
%!   assert (v, 'third'); assert (hit, false);
%!   % A readable .mat file that is not an entry.
%!   x = 1; save ('-v7', f, 'x');
%!   [v, hit] = unit_cache (d, struct ('tag', 'c', 'a', 1), @() 'fourth');
%!   assert (v, 'fourth'); assert (hit, false);
%!   warning (w);
%! unwind_protect_cleanup
%!   confirm_recursive_rmdir (false, 'local');
%!   rmdir (d, 's');
%! end_unwind_protect
%!error <unit_cache: COMPUTE> unit_cache (tempdir (), 1, 2)
%!error <unit_cache: DIR> unit_cache (1, 1, @() 1)
%!error <unit_cache: KEY> unit_cache (tempdir (), {containers.Map()}, @() 1)
