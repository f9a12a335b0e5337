% SPDX-License-Identifier: GPL-3.0-or-later

function nc_build (varargin)
%NC_BUILD  Build the MEX files from inside Octave or MATLAB.
%   NC_BUILD
%   NC_BUILD ('Out', FOLDER, 'Verbose', TRUE, 'GslPrefix', DIR)
%
%   Compiles the C core (src/) once and links every gateway (mex/) against
%   it, writing the MEX files into m/, beside their help stubs (a MEX
%   function's help comes from the .m file of the same name in its folder).
%   Run it from anywhere in a checkout; afterwards addpath of m/ and nc_setup
%   make every function callable.  On Debian, 'make' does the same from a
%   shell.
%
%   Octave: mkoctfile --mex, linking the BLAS and LAPACK Octave itself uses
%   (mkoctfile -p BLAS_LIBS / LAPACK_LIBS, 32-bit integers), GSL and zlib.
%
%   MATLAB: mex -R2018a with -DNC_BLAS_INT64, because MATLAB's libmwblas and
%   libmwlapack take 64-bit integers, linking -lmwlapack -lmwblas, GSL's own
%   CBLAS (-lgsl -lgslcblas) and zlib (-lz).  GSL and zlib must be installed
%   (Debian: libgsl-dev zlib1g-dev; macOS: brew install gsl; Windows: see
%   INSTALL); give GslPrefix when GSL is not in a default location (its
%   include/ and lib/ folders are then used).
%
%   Options (name/value, case-insensitive):
%     Out        folder for the MEX files (default: m/ of the checkout)
%     Verbose    print the compiler commands (default false)
%     GslPrefix  installation prefix of GSL (default: the system's)
%
%   See also: nc_setup, nc_version
  opts = parse_options (varargin);
  root = fileparts (fileparts (mfilename ('fullpath')));
  if ~ exist (fullfile (root, 'src'), 'dir') || ~ exist (fullfile (root, 'mex'), 'dir')
    error ('ncufm:noSources', ...
           'nc_build: no src/ and mex/ beside %s; nc_build works in a source checkout', ...
           fileparts (mfilename ('fullpath')));
  end
  if isempty (opts.out)
    opts.out = fullfile (root, 'm');
  end
  if ~ exist (opts.out, 'dir') && ~ mkdir (opts.out)
    error ('ncufm:badOut', 'nc_build: cannot create the folder %s', opts.out);
  end
  objdir = tempname ();
  mkdir (objdir);
  cleanup = onCleanup (@() remove_folder (objdir));
  octave = exist ('OCTAVE_VERSION', 'builtin') ~= 0;
  inc = {['-I' fullfile(root, 'include')], ['-I' fullfile(root, 'src')], ['-I' fullfile(root, 'mex')]};
  libs = {'-lgsl'};
  if ~ isempty (opts.gsl_prefix)
    inc{end+1} = ['-I' fullfile(opts.gsl_prefix, 'include')];
    libs = {['-L' fullfile(opts.gsl_prefix, 'lib')], '-lgsl'};
  end
  if octave
    blas = strtrim ([mkoctfile('-p', 'LAPACK_LIBS') ' ' mkoctfile('-p', 'BLAS_LIBS')]);
    libs = [libs, strsplit(blas, ' '), {'-lz', '-lm'}];
    flags = {};
  else
    libs = [libs, {'-lgslcblas', '-lmwlapack', '-lmwblas', '-lz'}];
    flags = {'-R2018a', '-DNC_BLAS_INT64', 'CFLAGS=$CFLAGS -std=c11'};
  end
  core = dir (fullfile (root, 'src', '*.c'));
  gateways = dir (fullfile (root, 'mex', '*.c'));
  gateways = gateways(~ strcmp ({gateways.name}, 'ncm.c'));
  objects = cell (1, numel (core) + 1);
  sources = [cellfun(@(f) fullfile(root, 'src', f), {core.name}, 'UniformOutput', false), ...
             {fullfile(root, 'mex', 'ncm.c')}];
  for i = 1:numel (sources)
    [~, name] = fileparts (sources{i});
    objects{i} = fullfile (objdir, [name '.o']);
    compile (octave, opts.verbose, [flags, inc, {'-c', sources{i}, '-o', objects{i}}]);
  end
  for i = 1:numel (gateways)
    [~, name] = fileparts (gateways(i).name);
    if octave
      target = fullfile (opts.out, [name '.mex']);
    else
      target = fullfile (opts.out, [name '.' mexext()]);
    end
    compile (octave, opts.verbose, [flags, inc, {'-o', target, fullfile(root, 'mex', gateways(i).name)}, ...
                                    objects, libs]);
    fprintf ('nc_build: %s\n', target);
  end
end

function compile (octave, verbose, args)
  args = args(~ cellfun (@isempty, args));
  if verbose
    fprintf ('  %s\n', strjoin (args, ' '));
  end
  if octave
    % mkoctfile compiles C with Octave's CFLAGS; the core is C11.
    old = getenv ('CFLAGS');
    setenv ('CFLAGS', '-std=c11 -O2 -fPIC');
    restore = onCleanup (@() setenv ('CFLAGS', old));
    [out, status] = mkoctfile ('--mex', args{:});
    if status ~= 0
      error ('ncufm:buildFailed', 'nc_build: mkoctfile failed:\n%s', out);
    end
  else
    mex (args{:});
  end
end

function opts = parse_options (args)
  opts = struct ('out', '', 'verbose', false, 'gsl_prefix', '');
  if mod (numel (args), 2) ~= 0
    error ('ncufm:badOption', 'nc_build: options come in name/value pairs');
  end
  for i = 1:2:numel (args)
    name = args{i};
    value = args{i+1};
    if ~ ischar (name)
      error ('ncufm:badOption', 'nc_build: option names are strings (Out, Verbose, GslPrefix)');
    end
    switch lower (name)
      case 'out'
        if ~ ischar (value) || isempty (value)
          error ('ncufm:badOption', 'nc_build: Out must be a folder name');
        end
        opts.out = value;
      case 'verbose'
        if ~ ((islogical (value) || isnumeric (value)) && isscalar (value) && isfinite (value))
          error ('ncufm:badOption', 'nc_build: Verbose must be true or false');
        end
        opts.verbose = logical (value);
      case 'gslprefix'
        if ~ ischar (value) || ~ exist (value, 'dir')
          error ('ncufm:badOption', 'nc_build: GslPrefix must be an existing folder');
        end
        opts.gsl_prefix = value;
      otherwise
        error ('ncufm:badOption', 'nc_build: unknown option ''%s'' (Out, Verbose, GslPrefix)', name);
    end
  end
end

function remove_folder (d)
  if exist (d, 'dir')
    if exist ('OCTAVE_VERSION', 'builtin'), confirm_recursive_rmdir (false, 'local'); end
    rmdir (d, 's');
  end
end

%!error <nc_build: unknown option 'Foo'> nc_build ('Foo', 1)
%!error <nc_build: Verbose> nc_build ('Verbose', NaN)
%!error <name/value pairs> nc_build ('Out')
%!function f = info_source (out)
%! here = pwd (); cd (out); f = which ('nc_solve'); cd (here);
%!endfunction
%!test
%! % A full build into a fresh folder gives working MEX files.
%! out = tempname ();
%! evalc ('nc_build (''Out'', out)');
%! built = dir (fullfile (out, '*.mex'));
%! gateways = dir (fullfile (fileparts (fileparts (which ('nc_build'))), 'mex', 'nc_*.c'));
%! assert (numel (built), numel (gateways));
%! here = pwd ();
%! cd (out);
%! [Z, b, info] = nc_solve ([500 500 100], 1e-3, 0.01);
%! cd (here);
%! assert (info.converged);
%! assert (strcmp (fileparts (info_source (out)), out));
%! confirm_recursive_rmdir (false, 'local');
%! rmdir (out, 's');
