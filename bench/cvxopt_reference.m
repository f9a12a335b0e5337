% SPDX-License-Identifier: GPL-3.0-or-later

function [Zbar, b, info] = cvxopt_reference (n, lZ, lb, varargin)
%CVXOPT_REFERENCE  Baseline (b) of the solver benchmark: the reduced program of docs/theory.md
%   [ZBAR, B, INFO] = CVXOPT_REFERENCE(N, LAMBDA_Z, LAMBDA_B, ...)
%
%   section 2 solved by CVXOPT's interior-point cp (nuclear norm as a
%   semidefinite constraint), through bench/cvxopt_solve.py run by
%   /usr/bin/python3 in a separate process.  Same convention as nc_solve.
%
%   Options: 'Tol' CVXOPT's abstol = reltol = feastol (default 1e-9);
%   'MaxTime' seconds of solver time (default 120; the process is also
%   killed after MaxTime + 30 s of wall time); 'MaxIter' (default 200).
%   The solver runs with one BLAS thread (OPENBLAS_NUM_THREADS=1).
%   'Scaled' (default true) puts lambda_Z inside the semidefinite
%   block, [[U, lZ Y], [lZ Y', V]] >= 0; false gives the plain epigraph of
%   ||Y||_* with lZ in the cost, which CVXOPT fails to solve at small lZ
%   (see cvxopt_solve.py).
%
%   INFO: status (CVXOPT's "optimal" or "unknown", or "timeout",
%   "error", "killed", "unavailable"), message, objective (exact objective of
%   the returned point, recomputed here), time (solver seconds, without
%   Python start-up and monitoring), wall (seconds including the process),
%   evaluations (Hessian evaluations, about two per cp iteration), history
%   (seconds, objective at each of them).
  opts = struct ('tol', 1e-9, 'maxtime', 120, 'maxiter', 200, 'scaled', true);
  for i = 1:2:numel (varargin)
    key = lower (varargin{i});
    if (~ isfield (opts, key))
      error ('ncufm:badOption', 'cvxopt_reference: unknown option ''%s''', varargin{i});
    end
    opts.(key) = varargin{i+1};
  end
  n = n(:);
  K = numel (n);
  Zbar = NaN (K); b = NaN (K, 1);
  info = struct ('status', 'unavailable', 'message', '', 'objective', NaN, ...
                 'time', NaN, 'wall', NaN, 'evaluations', 0, 'history', zeros (0, 2));
  script = fullfile (fileparts (mfilename ('fullpath')), 'cvxopt_solve.py');
  python = '/usr/bin/python3';
  [st, ~] = system (sprintf ('%s -c ''import cvxopt'' 2>/dev/null', python));
  if (st ~= 0)
    info.message = 'python3-cvxopt is not installed';
    return;
  end
  job = struct ('n', n', 'lambda_Z', lZ, 'lambda_b', lb, 'tol', opts.tol, ...
                'max_time', opts.maxtime, 'max_iters', opts.maxiter, ...
                'scaled', logical (opts.scaled));
  in = [tempname() '.json'];
  out = [tempname() '.json'];
  cleanup = onCleanup (@() delete_files (in, out));
  fid = fopen (in, 'w');
  fprintf (fid, '%s', jsonencode (job));
  fclose (fid);
  t0 = tic ();
  % one BLAS thread: its matrices are small (order 2K), and on a loaded
  % machine OpenBLAS threads spinning for cores cost it up to 8x
  [st, msg] = system (sprintf (['OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 ', ...
                                'timeout -k 5 %d %s %s %s %s 2>&1'], ...
                               ceil (opts.maxtime + 30), python, script, in, out));
  info.wall = toc (t0);
  if (st ~= 0 || ~ exist (out, 'file'))
    if (st == 124 || st == 137)
      info.status = 'killed';
      info.message = sprintf ('no answer within %d s', ceil (opts.maxtime + 30));
    else
      info.status = 'error';
      info.message = strtrim (msg);
    end
    return;
  end
  r = jsondecode (fileread (out));
  info.status = r.status;
  info.message = r.message;
  info.time = r.time;
  info.evaluations = r.evaluations;
  if (~ isempty (r.history))
    info.history = reshape (r.history, [], 2);
  end
  Zbar = reshape (r.Zbar, K, K);
  b = r.b(:);
  info.objective = reference_certify (n, lZ, lb, Zbar, b);
end

function delete_files (varargin)
  for i = 1:numel (varargin)
    if (exist (varargin{i}, 'file'))
      delete (varargin{i});
    end
  end
end
