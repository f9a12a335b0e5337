% SPDX-License-Identifier: GPL-3.0-or-later

function F = trainer_features ()
%TRAINER_FEATURES  Which options the built nc_mlp_train accepts, for profile_settings.
%   F = TRAINER_FEATURES()
%
%   Fields (logical): warm_start (WarmStart), batch_norm (BatchNorm),
%   decay_on (DecayOn).  Each is probed once per session by a one-epoch
%   training on 12 random points; an option the trainer refuses
%   (ncufm:badOption) is reported false.  The profiles choose their network
%   recipes from this, and every figure states the recipe it ran.
%
%   See also: profile_settings, nc_mlp_train
  persistent cached
  if (isempty (cached))
    X = reshape (mod ((1:48) * 7, 11) / 11, 4, 12);
    y = repmat (1:3, 1, 4);
    probes = {'warm_start', {'WarmStart', [1 10]}; 'batch_norm', {'BatchNorm', true}; ...
              'decay_on', {'DecayOn', 'all'}};
    for i = 1:size (probes, 1)
      cached.(probes{i,1}) = accepts (X, y, probes{i,2});
    end
  end
  F = cached;
end

function ok = accepts (X, y, opt)
  ok = true;
  try
    nc_mlp_train (X, y, 'Hidden', 4, 'Epochs', 2, 'BatchSize', 4, 'Verbose', false, opt{:});
  catch err
    if (~ strcmp (err.identifier, 'ncufm:badOption'))
      rethrow (err);
    end
    ok = false;
  end
end

%!test
%! F = trainer_features ();
%! assert (islogical ([F.warm_start F.batch_norm F.decay_on]));
