/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Standard long-tailed count profiles, class 1 the largest.
 *
 *  exponential  CIFAR-10-LT / CIFAR-100-LT (Cui et al., CVPR 2019): n_k =
 *               n_max mu^(k-1) with mu = ratio^(-1/(K-1)).  Evaluated as the
 *               generating code that every later paper reuses does (Cao et
 *               al.'s LDAM-DRW, NeurIPS 2019): floor(n_max * f^((k-1)/(K-1)))
 *               with f = 1/ratio in double precision, so that ratio 100 gives
 *               5000 2997 1796 1077 645 387 232 139 83 50 (N = 12406) for
 *               CIFAR-10 and N = 10847 for CIFAR-100 (n_max = 500).
 *  step         Buda et al. (Neural Networks 2018): the first K - m classes at
 *               floor(n_max), the last m = round(fraction K) at floor(n_max *
 *               f); fraction 1/2 gives the K/2 + K/2 split of the same code.
 *  pareto       ImageNet-LT (Liu et al., CVPR 2019) was drawn at random from
 *               a Pareto law with power 6, and only the resulting list was
 *               published.  Here the counts are deterministic: the quantiles
 *               (K - k + 1/2)/K of the Lomax law with that power (the Pareto
 *               law of numpy.random.pareto), mapped affinely onto
 *               [n_max/ratio, n_max] so that both ends are hit exactly, then
 *               floored.  Quantiles need no seed, repeat exactly, and keep the
 *               ratio; with K = 1000, n_max = 1280, ratio 256 they give
 *               N = 104345, 349 classes above 100 and 163 below 20, against
 *               ImageNet-LT's 115846, 385 and 136 (one random draw). */
#include "nc_advice.h"

#include <math.h>

static nc_status check(nc_ctx *ctx, int K, double ratio, double n_max)
{
    if (K < 1)
        return nc_fail(ctx, NC_EBADARG, "badK", "K must be a positive whole number of classes");
    if (!(ratio >= 1) || !isfinite(ratio))
        return nc_fail(ctx, NC_EBADARG, "badRatio",
                       "RATIO (largest over smallest count) must be a finite number >= 1");
    if (!(n_max > 0) || !isfinite(n_max))
        return nc_fail(ctx, NC_EBADARG, "badCounts", "N_MAX must be a positive finite count");
    if (!(floor(n_max / ratio) >= 1))
        return nc_fail(ctx, NC_EBADARG, "badRatio",
                       "N_MAX/RATIO = %g leaves the smallest class without a sample; lower "
                       "RATIO or raise N_MAX",
                       n_max / ratio);
    return NC_OK;
}

static void exponential(int K, double ratio, double n_max, double *n)
{
    double f = 1.0 / ratio;
    for (int k = 0; k < K; ++k)
        n[k] = K == 1 ? floor(n_max) : floor(n_max * pow(f, k / (K - 1.0)));
}

static nc_status step(nc_ctx *ctx, int K, double ratio, double n_max, double fraction, double *n)
{
    if (isnan(fraction))
        fraction = 0.5;
    if (!(fraction > 0 && fraction < 1))
        return nc_fail(ctx, NC_EBADARG, "badOption", "FRACTION must lie strictly between 0 and 1");
    int m = (int)floor(fraction * K + 0.5);
    if (m < 1 || m > K - 1)
        return nc_fail(ctx, NC_EBADARG, "badOption",
                       "FRACTION * K = %g must round to between 1 and K - 1 minority classes",
                       fraction * K);
    for (int k = 0; k < K; ++k)
        n[k] = k < K - m ? floor(n_max) : floor(n_max * (1.0 / ratio));
    return NC_OK;
}

static nc_status pareto(nc_ctx *ctx, int K, double ratio, double n_max, double alpha, double *n)
{
    if (isnan(alpha))
        alpha = 6;
    if (!(alpha > 0) || !isfinite(alpha))
        return nc_fail(ctx, NC_EBADARG, "badOption", "ALPHA must be a positive finite power");
    double lo = n_max / ratio;
    if (K == 1) {
        n[0] = floor(n_max);
        return NC_OK;
    }
    /* Lomax quantile x(q) = (1 - q)^(-1/alpha) - 1, written with expm1/log1p
     * so that the small quantiles keep their digits */
    double qmax = (K - 0.5) / K, qmin = 0.5 / K;
    double xmax = expm1(-log1p(-qmax) / alpha), xmin = expm1(-log1p(-qmin) / alpha);
    for (int k = 0; k < K; ++k) {
        double q = (K - k - 0.5) / K, x = expm1(-log1p(-q) / alpha);
        double t = k == 0 ? 1 : k == K - 1 ? 0 : (x - xmin) / (xmax - xmin);
        n[k] = floor(lo + (n_max - lo) * t);
    }
    return NC_OK;
}

nc_status nc_longtail(nc_ctx *ctx, nc_longtail_profile profile, int K, double ratio,
                      double n_max, double shape, double *n)
{
    nc_status st = check(ctx, K, ratio, n_max);
    if (st)
        return st;
    switch (profile) {
    case NC_LONGTAIL_EXPONENTIAL:
        exponential(K, ratio, n_max, n);
        return NC_OK;
    case NC_LONGTAIL_STEP:
        return step(ctx, K, ratio, n_max, shape, n);
    case NC_LONGTAIL_PARETO:
        return pareto(ctx, K, ratio, n_max, shape, n);
    }
    return nc_fail(ctx, NC_EBADARG, "badOption", "unknown profile %d", (int)profile);
}
