% SPDX-License-Identifier: GPL-3.0-or-later

function [lW, lb] = effective_lambdas (r, lW, lb)
%EFFECTIVE_LAMBDAS  The classifier's lambda_W and lambda_b under recipe R's weight decay.
%   [LW, LB] = EFFECTIVE_LAMBDAS(R, LW, LB)
%
%   Weight decay wd on a parameter adds wd * theta to its gradient, the
%   gradient of (wd/2) ||theta||^2: with DecayOn 'all' (the authors'
%   optimiser) the classifier's W and b get lambda_W + wd/2 and
%   lambda_b + wd/2; otherwise they are unchanged.
%
%   See also: train_data_runs, net_options
  on_all = false;
  for i = 1:2:numel (r.extra)
    if (strcmpi (r.extra{i}, 'DecayOn') && strcmpi (r.extra{i+1}, 'all'))
      on_all = true;
    end
  end
  if (on_all && r.weight_decay > 0)
    lW = lW + r.weight_decay / 2;
    lb = lb + r.weight_decay / 2;
  end
end

%!test
%! r = struct ('weight_decay', 5e-4, 'extra', {{'BatchNorm', true, 'DecayOn', 'all'}});
%! [lW, lb] = effective_lambdas (r, 1e-3, 0.01);
%! assert ([lW lb], [1.25e-3 0.01025], 1e-15);
%! r.extra = {'DecayOn', 'hidden'};
%! [lW, lb] = effective_lambdas (r, 1e-3, 0.01);
%! assert ([lW lb], [1e-3 0.01]);
