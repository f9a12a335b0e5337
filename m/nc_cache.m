## -*- texinfo -*-
## @deftypefn  {} {[@var{value}, @var{hit}] =} nc_cache (@var{dir}, @var{key}, @var{compute})
## @deftypefnx {} {@var{file} =} nc_cache (@var{dir}, @var{key})
## Disk cache of one unit of work of the figure scripts.
##
## @var{key} is a struct (or cell, string or number) holding every setting
## the result depends on; its canonical text is hashed (MD5) into the file
## name @file{@var{dir}/<tag>_<hash>.mat}, where @var{tag} is
## @code{@var{key}.tag} when present.  When the file exists its stored value
## is returned (@var{hit} true) and @var{compute} is not called; otherwise
## @code{@var{value} = @var{compute} ()} is evaluated and saved.
##
## The file is written under a temporary name and then renamed, so that an
## interruption (Ctrl-C) or a crash never leaves a truncated entry: every
## finished unit survives and a rerun resumes after it.  The key's text is
## stored beside the value and compared on reading, so a hash collision or a
## stale entry is recomputed rather than trusted.
##
## With two inputs, returns the file name the key maps to.
##
## @example
## key = struct ("tag", "solve", "n", [500 100], "lZ", 0.003);
## Z = nc_cache (tempdir (), key, @@() magic (3));
## @end example
## @seealso{nc_figures}
## @end deftypefn
function [value, hit] = nc_cache (dir, key, compute)
  if (nargin < 2 || nargin > 3)
    error ("ncufm:badArgCount", "nc_cache: needs DIR, KEY and optionally COMPUTE");
  endif
  if (! ischar (dir) || isempty (dir))
    error ("ncufm:badDir", "nc_cache: DIR must be a folder name");
  endif
  if (nargin == 3 && ! is_function_handle (compute))
    error ("ncufm:badFunction", "nc_cache: COMPUTE must be a function handle");
  endif
  text = key_text (key);
  tag = "unit";
  if (isstruct (key) && isfield (key, "tag") && ischar (key.tag))
    tag = regexprep (key.tag, '[^A-Za-z0-9_-]', '_');
  endif
  file = fullfile (dir, sprintf ("%s_%s.mat", tag, hash ("md5", text)));
  if (nargin == 2)
    value = file;
    hit = exist (file, "file") == 2;
    return;
  endif
  if (exist (file, "file") == 2)
    try
      stored = load (file);
      if (isfield (stored, "key") && strcmp (stored.key, text))
        value = stored.value;
        hit = true;
        return;
      endif
    catch
      ## An unreadable entry is recomputed below and overwritten.
    end_try_catch
  endif
  hit = false;
  value = compute ();
  if (! exist (dir, "dir"))
    mkdir (dir);
  endif
  tmp = sprintf ("%s.tmp%d", file, getpid ());
  key = text;  # the saved variable "key" is the canonical text
  save ("-binary", tmp, "key", "value");
  [ok, msg] = rename (tmp, file);
  if (ok != 0)
    unlink (tmp);
    error ("ncufm:cacheWrite", "nc_cache: cannot write %s: %s", file, msg);
  endif
endfunction

## Canonical text of a key: field names sorted, numbers to 17 digits, so
## that equal settings always give the same hash.
function t = key_text (k)
  if (isstruct (k))
    if (numel (k) != 1)
      t = ["[" strjoin(arrayfun (@key_text, k, "UniformOutput", false), ";") "]"];
      return;
    endif
    names = sort (fieldnames (k));
    parts = cellfun (@(f) [f "=" key_text(k.(f))], names, "UniformOutput", false);
    t = ["{" strjoin(parts(:)', ",") "}"];
  elseif (iscell (k))
    t = ["(" strjoin(cellfun (@key_text, k(:)', "UniformOutput", false), ",") ")"];
  elseif (ischar (k))
    t = ["'" k(:)' "'"];
  elseif (isnumeric (k) || islogical (k))
    t = sprintf ("%s%s<%s>", class (k), mat2str (size (k)), ...
                 sprintf ("%.17g ", double (k(:))));
  elseif (is_function_handle (k))
    t = func2str (k);
  else
    error ("ncufm:badKey", "nc_cache: KEY holds an unsupported %s", class (k));
  endif
endfunction

%!test
%! d = tempname (); mkdir (d);
%! unwind_protect
%!   calls = 0;
%!   key = struct ("tag", "t", "n", [1 2 3], "name", "x");
%!   [v, hit] = nc_cache (d, key, @() 42);
%!   assert (v, 42); assert (hit, false);
%!   ## Same settings in another field order: served from disk, not computed.
%!   key2 = struct ("name", "x", "n", [1 2 3], "tag", "t");
%!   [v, hit] = nc_cache (d, key2, @() error ("must not run"));
%!   assert (v, 42); assert (hit, true);
%!   ## A setting that differs in the last digit is another unit.
%!   key3 = key; key3.n(3) = 3 + eps (3);
%!   [v, hit] = nc_cache (d, key3, @() 7);
%!   assert ([v hit], [7 0]);
%!   assert (numel (dir (fullfile (d, "t_*.mat"))), 2);
%!   assert (isempty (dir (fullfile (d, "*.tmp*"))));
%! unwind_protect_cleanup
%!   confirm_recursive_rmdir (false, "local");
%!   rmdir (d, "s");
%! end_unwind_protect
%!test
%! d = tempname (); mkdir (d);
%! unwind_protect
%!   ## A corrupted entry is recomputed, not trusted.
%!   f = nc_cache (d, struct ("tag", "c", "a", 1));
%!   fid = fopen (f, "w"); fputs (fid, "garbage"); fclose (fid);
%!   [v, hit] = nc_cache (d, struct ("tag", "c", "a", 1), @() "fresh");
%!   assert (v, "fresh"); assert (hit, false);
%! unwind_protect_cleanup
%!   confirm_recursive_rmdir (false, "local");
%!   rmdir (d, "s");
%! end_unwind_protect
%!error <nc_cache: COMPUTE> nc_cache (tempdir (), 1, 2)
%!error <nc_cache: DIR> nc_cache (1, 1, @() 1)
%!error <nc_cache: KEY> nc_cache (tempdir (), {containers.Map()}, @() 1)
