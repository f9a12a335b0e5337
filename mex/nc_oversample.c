/* SPDX-License-Identifier: GPL-3.0-or-later */
/* S = nc_oversample(n, lambda_Z, lambda_b): see m/nc_oversample.m */
#include "nc_advice.h"
#include "ncm.h"

#include <string.h>

enum { IN_COUNTS, IN_LAMBDA_Z, IN_LAMBDA_B };

/* The authors' bias penalty: the within-cluster conditions do not depend
 * on it, the between-cluster ones do. */
#define DEFAULT_LAMBDA_B 0.01

/* A copy of x (K values) shaped as the input vector. */
static mxArray *like_input(const mxArray *in, const double *x, size_t K)
{
    mxArray *out = mxGetM(in) == 1 ? mxCreateDoubleMatrix(1, K, mxREAL)
                                   : mxCreateDoubleMatrix(K, 1, mxREAL);
    memcpy(mxGetPr(out), x, K * sizeof(double));
    return out;
}

void mexFunction(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[])
{
    ncm_begin("nc_oversample");
    ncm_nargs(nrhs, 2, 3, nlhs, 1);
    size_t K;
    const double *n = ncm_class_counts(prhs[IN_COUNTS], "N", NC_ADVICE_MAX_CLASSES, &K);
    double lZ = ncm_scalar(prhs[IN_LAMBDA_Z], "LAMBDA_Z", "badLambda", NCM_POSITIVE);
    double lb = nrhs > IN_LAMBDA_B
                    ? ncm_scalar(prhs[IN_LAMBDA_B], "LAMBDA_B", "badLambda", NCM_NONNEG)
                    : DEFAULT_LAMBDA_B;

    double *counts = ncm_alloc(K, sizeof *counts), *factor = ncm_alloc(K, sizeof *factor);
    double *weight = ncm_alloc(K, sizeof *weight);
    int *collapsed = ncm_alloc(K, sizeof *collapsed);
    nc_oversample_result r = {.counts = counts, .factor = factor, .collapsed_before = collapsed,
                              .collapse_weight = weight};
    nc_ctx ctx;
    ncm_ctx(&ctx);
    if (nc_oversample(&ctx, (int)K, n, lZ, lb, &r) != NC_OK)
        ncm_raise(&ctx);

    const mxArray *shape = prhs[IN_COUNTS];
    mxArray *coll = mxGetM(shape) == 1 ? mxCreateLogicalMatrix(1, K) : mxCreateLogicalMatrix(K, 1);
    for (size_t k = 0; k < K; ++k)
        mxGetLogicals(coll)[k] = collapsed[k] != 0;
    const ncm_field out[] = {
        {"floor", ncm_real_scalar(r.floor)},
        {"counts", like_input(shape, counts, K)},
        {"factor", like_input(shape, factor, K)},
        {"possible", ncm_bool(r.possible)},
        {"reason", mxCreateString(r.reason)},
        {"collapsed_before", coll},
        {"collapse_weight", like_input(shape, weight, K)},
        {"rank_before", ncm_real_scalar(r.rank_before)},
        {"rank_below", ncm_real_scalar(r.rank_below)},
        {"n", like_input(shape, n, K)},
        {"lambda_Z", ncm_real_scalar(lZ)},
        {"lambda_b", ncm_real_scalar(lb)},
        {"probes", ncm_real_scalar(r.probes)},
    };
    plhs[0] = NCM_STRUCT(out);
    ncm_end();
}
