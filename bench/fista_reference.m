% SPDX-License-Identifier: GPL-3.0-or-later

function [Zbar, b, info] = fista_reference (n, lZ, lb, varargin)
%FISTA_REFERENCE  Baseline (a) of the solver benchmark: a plain accelerated proximal
%   [ZBAR, B, INFO] = FISTA_REFERENCE(N, LAMBDA_Z, LAMBDA_B, ...)
%
%   gradient method (FISTA with function-value restart) for the reduced
%   program of docs/theory.md section 2, in plain Octave,
%       (1/N) sum_k n_k CE(zbar_k + b, k) + lZ ||Zbar diag(sqrt(n))||_* + lb ||b||^2
%   (convention lZ = 2 sqrt(lW lH)).  It works on Y = Zbar diag(sqrt(n)), where
%   the prox is singular value thresholding.  The smooth part is 1-smooth in the
%   block metric diag(1/N for Y, 1 + 2 lb for b) (Hessian of CE is at most 1/2,
%   and (a + b)^2 <= 2a^2 + 2b^2 splits the coupling), so the two blocks get
%   the fixed steps N and 1/(1 + 2 lb): one step for both would be ~N times too
%   short for b or unstable for Y.  A step that raises the objective is
%   discarded and the momentum reset (O'Donoghue and Candes), which keeps the
%   objective history monotone.
%
%   Options (name/value): 'Target' stop once the objective is <= this
%   value (default -Inf); 'MaxIter' (default 1e6); 'MaxTime'
%   seconds (default Inf); 'Zbar0', 'b0' warm start (default 0);
%   'Certify' also return a certified dual bound (default true).
%
%   INFO: objective, dual (certified lower bound on the optimum, from
%   reference_certify), iterations (accepted steps; each restart costs one
%   more gradient and SVD), restarts, time (s), reached (Target met),
%   history (iterations x 2: seconds since start, objective after the step),
%   stalled (200 steps did not decrease the objective beyond rounding).
  opts = struct ('target', -Inf, 'maxiter', 1e6, 'maxtime', Inf, ...
                 'zbar0', [], 'b0', [], 'certify', true);
  for i = 1:2:numel (varargin)
    key = lower (varargin{i});
    if (~ isfield (opts, key))
      error ('ncufm:badOption', 'fista_reference: unknown option ''%s''', varargin{i});
    end
    opts.(key) = varargin{i+1};
  end
  n = n(:);
  K = numel (n); N = sum (n);
  w = n / N;
  sq = sqrt (n)';
  tY = N;                       % 1/L in the Y block
  tb = 1 / (1 + 2 * lb);        % 1/L in the b block
  thr = tY * lZ;
  idx = (0:K-1) * K + (1:K);    % linear indices of the diagonal

  if (isempty (opts.zbar0)) Y = zeros (K); else Y = opts.zbar0 .* sq; end
  if (isempty (opts.b0)) b = zeros (K, 1); else b = opts.b0(:); end

  hist = zeros (min (opts.maxiter, 1e5), 2);
  t0 = tic ();
  F = smooth (Y, b, sq, idx, w, lb) + lZ * sum (svd (Y));
  Yy = Y; by = b; t = 1;
  it = 0; restarts = 0; reached = F <= opts.target; stalled = false; Fcheck = Inf;
  while (~ reached && it < opts.maxiter)
    it = it + 1;
    % gradient of the smooth part at the extrapolated point
    V = Yy ./ sq + by;
    E = exp (V - max (V, [], 1));
    P = E ./ sum (E, 1);
    P(idx) = P(idx) - 1;                          % P - I
    gY = P .* sq / N;
    gb = P * w + 2 * lb * by;
    [U, S, W] = svd (Yy - tY * gY);
    s = max (diag (S) - thr, 0);
    r = nnz (s);
    Ynew = U(:, 1:r) * (s(1:r) .* W(:, 1:r)');     % K x K zeros when r = 0
    bnew = by - tb * gb;
    Fnew = smooth (Ynew, bnew, sq, idx, w, lb) + lZ * sum (s);
    if (Fnew > F && t > 1)
      % momentum overshoot: restart from the last accepted point
      it = it - 1;
      restarts = restarts + 1;
      Yy = Y; by = b; t = 1;
      continue;
    end
    % a plain step that goes up means the objective is at rounding level;
    % keep stepping (the iterate may still move) but give up once 200 steps
    % gained nothing beyond rounding
    if (mod (it, 200) == 0)
      if (Fcheck - Fnew <= 4 * eps (Fnew))
        stalled = true;
        it = it - 1;
        break;
      end
      Fcheck = Fnew;
    end
    tnew = (1 + sqrt (1 + 4 * t^2)) / 2;
    c = (t - 1) / tnew;
    Yy = Ynew + c * (Ynew - Y);
    by = bnew + c * (bnew - b);
    Y = Ynew; b = bnew; F = Fnew; t = tnew;
    el = toc (t0);
    if (it > size (hist, 1)) hist(2 * size (hist, 1), 2) = 0; end
    hist(it, :) = [el, F];
    reached = F <= opts.target;
    if (el > opts.maxtime) break; end
  end
  Zbar = Y ./ sq;
  info.objective = F;
  info.iterations = it;
  info.restarts = restarts;
  info.time = toc (t0);
  info.reached = reached;
  info.stalled = stalled;
  info.history = hist(1:it, :);
  if (opts.certify)
    [~, info.dual] = reference_certify (n, lZ, lb, Zbar, b);
  else
    info.dual = NaN;
  end

end

function f = smooth (Y, b, sq, idx, w, lb)
  V = Y ./ sq + b;
  m = max (V, [], 1);
  lse = m + log (sum (exp (V - m), 1));
  f = (lse - V(idx)) * w + lb * (b' * b);
end
