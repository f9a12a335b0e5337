% SPDX-License-Identifier: GPL-3.0-or-later

function varargout = nc_longtail(varargin)
%NC_LONGTAIL  Class counts of the standard long-tailed benchmarks.
%   N = NC_LONGTAIL(PROFILE, K, RATIO, N_MAX) returns a 1 x K row of whole
%   class counts, class 1 the largest (N_MAX), the smallest N_MAX/RATIO
%   (floored), for PROFILE:
%     'exponential'  CIFAR-10-LT and CIFAR-100-LT (Cui, Jia, Lin, Song and
%                    Belongie, Class-balanced loss based on effective number
%                    of samples, CVPR 2019): n_k = N_MAX * RATIO^(-(k-1)/(K-1)),
%                    computed as floor(N_MAX * (1/RATIO)^((k-1)/(K-1))) in
%                    double precision, as the generating code later papers
%                    share does (Cao et al., LDAM-DRW, NeurIPS 2019).
%                    CIFAR-10-LT at RATIO 100: 5000 2997 1796 1077 645 387
%                    232 139 83 50; CIFAR-100-LT (N_MAX 500): 10847 images.
%     'step'         Buda, Maki and Mazurowski, A systematic study of the
%                    class imbalance problem in convolutional neural
%                    networks, Neural Networks 2018: the first classes at
%                    floor(N_MAX), the last round(FRACTION*K) at
%                    floor(N_MAX/RATIO).
%     'pareto'       ImageNet-LT (Liu, Miao, Zhan, Wang, Gong and Yu,
%                    Large-scale long-tailed recognition in an open world,
%                    CVPR 2019), whose counts were drawn at random from a
%                    Pareto law with power ALPHA = 6 (only the drawn list
%                    was published).  Here they are deterministic: the
%                    quantiles (K - k + 1/2)/K of the Lomax law
%                    1 - (1 + x)^(-ALPHA) (the law of numpy.random.pareto),
%                    mapped affinely onto [N_MAX/RATIO, N_MAX] so that both
%                    ends and the ratio are exact, then floored.  Quantiles
%                    need no seed and give the same counts everywhere; with
%                    K = 1000, N_MAX = 1280, RATIO = 256 they give 104345
%                    images, 349 classes above 100 and 163 below 20, against
%                    ImageNet-LT's 115846, 385 and 136.
%
%   N = NC_LONGTAIL(..., NAME, VALUE) sets the profile's parameter:
%     'Fraction'  'step' only: the share of minority classes, in (0, 1)
%                 (default 0.5, the K/2 + K/2 split)
%     'Alpha'     'pareto' only: the power (default 6)
%
%   Example:
%     n = nc_longtail('exponential', 100, 100, 500);   % CIFAR-100-LT
%     P = nc_collapse_path(n, 0.01);                    % what the theory says
%
%   See also NC_COLLAPSE_PATH, NC_OVERSAMPLE.

error('ncufm:notBuilt', 'nc_longtail: the MEX file is not built; run ''make'' in the repository root');
end

%!test  % CIFAR-10-LT and CIFAR-100-LT at ratio 100 (the published counts)
%! assert(nc_longtail('exponential', 10, 100, 5000), ...
%!        [5000 2997 1796 1077 645 387 232 139 83 50]);
%! n = nc_longtail('exponential', 100, 100, 500);
%! assert(sum(n), 10847);
%! assert(n, floor(500 * 0.01 .^ ((0:99) / 99)));

%!test  % step: majority first
%! assert(nc_longtail('step', 10, 10, 5000), [5000 * ones(1, 5), 500 * ones(1, 5)]);
%! assert(nc_longtail('STEP', 10, 4, 1000, 'Fraction', 0.3), [1000 * ones(1, 7), 250 * ones(1, 3)]);

%!test  % pareto: the Lomax quantiles, ends exact
%! K = 50; n = nc_longtail('pareto', K, 20, 1000, 'Alpha', 3);
%! q = (K - (1:K) + 0.5) / K; x = (1 - q) .^ (-1 / 3) - 1;
%! t = (x - min(x)) / (max(x) - min(x));
%! assert(abs(n - floor(50 + 950 * t)) <= 1);
%! assert([n(1) n(end)], [1000 50]);

%!error id=ncufm:badRatio nc_longtail('exponential', 10, 0.5, 100)
%!error id=ncufm:badRatio nc_longtail('exponential', 10, 1000, 100)
%!error id=ncufm:badOption nc_longtail('zipf', 10, 10, 100)
%!error id=ncufm:badOption nc_longtail('exponential', 10, 10, 100, 'Alpha', 2)
%!error id=ncufm:badOption nc_longtail('step', 10, 10, 100, 'Fraction', 1.5)
%!error id=ncufm:badK nc_longtail('step', 2.5, 10, 100)

%!demo
%! % ImageNet-LT's shape: 1000 classes from 1280 down to 5 images
%! n = nc_longtail('pareto', 1000, 256, 1280);
%! fprintf('%d images, %d classes above 100, %d below 20\n', sum(n), sum(n > 100), sum(n < 20));
