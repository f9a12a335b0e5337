/* SPDX-License-Identifier: GPL-3.0-or-later */
/* S = nc_thresholds(k, n, lambda_b, 'LambdaZ', lZ) or
 * nc_thresholds(n[, lambda_b], 'LambdaZ', lZ): see m/nc_thresholds.m.  The
 * count of arguments before the first option name tells the forms apart:
 * three are clusters (k, n, lambda_b), one or two a count vector. */
#include "nc_theory.h"
#include "ncm.h"

#include <math.h>

enum { IN_K, IN_N, IN_LAMBDA_B, NPOS_CLUSTERS };   /* (k, n, lb, options) */
enum { IN_COUNTS, IN_COUNTS_LAMBDA_B, NPOS_COUNTS }; /* (n[, lb], options) */

static const char *const option_names[] = {"LambdaZ"};
enum { OPT_LAMBDAZ, OPT_COUNT };

static mxArray *index_column(const int *v, size_t n, int base)
{
    mxArray *a = mxCreateDoubleMatrix(n, 1, mxREAL);
    for (size_t i = 0; i < n; ++i)
        mxGetPr(a)[i] = v[i] + base;
    return a;
}

static double read_lambda_b(const mxArray *a, int counts_form)
{
    if (counts_form && (!mxIsNumeric(a) || mxGetNumberOfElements(a) != 1))
        ncm_error("badLambda", "LAMBDA_B must be a real scalar: with two arguments the call is "
                               "nc_thresholds (n, lambda_b); for clusters give all three, "
                               "nc_thresholds (k, n, lambda_b)");
    return ncm_scalar(a, "LAMBDA_B", "badLambda", NCM_NONNEG);
}

void mexFunction(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[])
{
    ncm_begin("nc_thresholds");
    ncm_nargs(nrhs, 1, -1, nlhs, 1);
    int npos = 0;
    while (npos < nrhs && !mxIsChar(prhs[npos]))
        ++npos;
    if (npos < 1 || npos > NPOS_CLUSTERS)
        ncm_error("badArgCount", "takes (k, n, lambda_b) or (n[, lambda_b]) before the options, "
                                 "not %d arguments",
                  npos);
    int counts_form = npos < NPOS_CLUSTERS, *k, *cluster;
    size_t J, K = 0;
    const double *n, *counts;
    if (counts_form) {
        K = ncm_count_clusters(prhs[IN_COUNTS], "N", &J, &k, &n, &cluster, &counts);
    } else {
        J = ncm_clusters(prhs[IN_K], prhs[IN_N], "N", &k, &n);
        for (size_t j = 0; j < J; ++j)
            K += (size_t)k[j];
        cluster = ncm_alloc(K, sizeof *cluster);
        double *c = ncm_alloc(K, sizeof *c);
        for (size_t j = 0, t = 0; j < J; ++j)
            for (int i = 0; i < k[j]; ++i, ++t) {
                cluster[t] = (int)j;
                c[t] = n[j];
            }
        counts = c;
    }
    int ilb = counts_form ? IN_COUNTS_LAMBDA_B : IN_LAMBDA_B;
    double lb = npos > ilb ? read_lambda_b(prhs[ilb], counts_form) : 0.0, lZ = NAN;
    ncm_option_pairs(nrhs, npos);
    for (int i = npos; i < nrhs; i += 2)
        switch (ncm_option(prhs[i], option_names, OPT_COUNT)) {
        case OPT_LAMBDAZ:
            lZ = ncm_scalar(prhs[i + 1], "LambdaZ", "badLambda", NCM_POSITIVE);
            break;
        }

    mxArray *coll = mxCreateDoubleMatrix(J, 1, mxREAL), *over = mxCreateDoubleMatrix(J, 2, mxREAL);
    nc_thresholds_result r = {.collapse = mxGetPr(coll), .oversample = mxGetPr(over)};
    nc_ctx ctx;
    ncm_ctx(&ctx);
    if (nc_thresholds(&ctx, (int)J, k, n, lb, lZ, &r) != NC_OK)
        ncm_raise(&ctx);
    const ncm_field out[] = {
        {"k", index_column(k, J, 0)}, {"n", ncm_real(n, J, 1)}, {"counts", ncm_real(counts, K, 1)},
        {"cluster", index_column(cluster, K, 1)}, {"lambda_b", ncm_real_scalar(lb)},
        {"collapse", coll}, {"separation", ncm_real_scalar(r.separation)},
        {"zero", ncm_real_scalar(r.zero)}, {"lambda_Z", ncm_real_scalar(lZ)},
        {"minority", ncm_real_scalar(r.minority + 1)}, {"ratio", ncm_real_scalar(r.ratio)},
        {"n_major", ncm_real_scalar(r.n_major)}, {"oversample", over}};
    plhs[0] = NCM_STRUCT(out);
    ncm_end();
}
