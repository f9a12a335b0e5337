% SPDX-License-Identifier: GPL-3.0-or-later

function c = unit_cost (P, key)
%UNIT_COST  Estimated seconds of the unit of work KEY (from unit_key).
%   C = UNIT_COST(P, KEY)
%
%   A work count times the seconds per unit of P.cost: a network
%   epochs * (multiply-adds per sample through its layers, 784 inputs)
%   * (N, plus 2500 with a test set of 10000 images),
%   a UFM N * d * maxiter, a phase row its number of solves, a solve one.
%   Only a prior: progress_tracker rescales each kind by what the run has
%   measured, so the time left stays honest on a loaded machine.
%
%   See also: unit_key, progress_tracker, profile_settings
  N = 0;
  if (isfield (key, 'counts'))
    N = sum (key.counts);
  end
  switch (key.tag)
    case 'solve'
      c = P.cost.solve;
    case 'ufm'
      c = P.cost.ufm * N * key.d * key.maxiter;
    case 'net'
      o = struct ('Hidden', [], 'Epochs', []);
      for i = 1:2:numel (key.options)
        o.(key.options{i}) = key.options{i+1};
      end
      w = [784, o.Hidden(:)', numel(key.counts)];
      per_sample = sum (w(1:end-1) .* w(2:end));
      % A training step costs about three forward passes; the test set's
      % 10000 images add one forward pass each per epoch.
      c = P.cost.net * o.Epochs * per_sample * (N + 2500 * key.test);
    case 'phase'
      c = P.cost.phase * numel (key.lZ);
    otherwise
      c = 1;
  end
end
