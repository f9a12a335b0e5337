/* SPDX-License-Identifier: GPL-3.0-or-later */
/* P = nc_collapse_path(n, lambda_b, ...): see m/nc_collapse_path.m */
#include "nc_advice.h"
#include "ncm.h"

#include <string.h>

enum { IN_COUNTS, IN_LAMBDA_B, IN_FIRST_OPTION };
static const char *const option_names[] = {"Tol", "MaxProbes", "Verbose"};
enum { OPT_TOL, OPT_MAXPROBES, OPT_VERBOSE, OPT_COUNT };
static const char *const kind_names[] = {"", "within", "between", "zero"};

/* Classes a drop weighs on most: weight at least half the largest, in
 * decreasing weight, equal weights in class order (1-based, a row). */
static mxArray *main_classes(const double *w, size_t K)
{
    double top = 0;
    for (size_t k = 0; k < K; ++k)
        top = w[k] > top ? w[k] : top;
    size_t count = 0;
    size_t *idx = ncm_alloc(K ? K : 1, sizeof *idx);
    for (size_t k = 0; k < K; ++k) {
        if (!(top > 0 && w[k] >= 0.5 * top))
            continue;
        size_t at = count++; /* insertion by decreasing weight, ties (to rounding) by index */
        while (at > 0 && w[idx[at - 1]] < w[k] - 1e-12 * top) {
            idx[at] = idx[at - 1];
            --at;
        }
        idx[at] = k;
    }
    mxArray *out = mxCreateDoubleMatrix(1, count, mxREAL);
    for (size_t i = 0; i < count; ++i)
        mxGetPr(out)[i] = (double)(idx[i] + 1);
    ncm_free(idx);
    return out;
}

void mexFunction(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[])
{
    ncm_begin("nc_collapse_path");
    ncm_nargs(nrhs, 2, -1, nlhs, 1);
    size_t K;
    const double *n = ncm_class_counts(prhs[IN_COUNTS], "N", NC_ADVICE_MAX_CLASSES, &K);
    double lb = ncm_scalar(prhs[IN_LAMBDA_B], "LAMBDA_B", "badLambda", NCM_NONNEG);
    nc_path_opts opts;
    nc_path_defaults(&opts);
    ncm_option_pairs(nrhs, IN_FIRST_OPTION);
    for (int i = IN_FIRST_OPTION; i < nrhs; i += 2)
        switch (ncm_option(prhs[i], option_names, OPT_COUNT)) {
        case OPT_TOL:
            opts.tol = ncm_scalar(prhs[i + 1], "Tol", "badOption", NCM_POSITIVE);
            break;
        case OPT_MAXPROBES:
            opts.max_probes = ncm_count(prhs[i + 1], "MaxProbes", NCM_POSITIVE);
            break;
        case OPT_VERBOSE:
            opts.verbose = ncm_count(prhs[i + 1], "Verbose", 0);
            break;
        }

    size_t D = K - 1;
    double *lambda = ncm_alloc(D, sizeof *lambda), *lower = ncm_alloc(D, sizeof *lower);
    double *upper = ncm_alloc(D, sizeof *upper);
    int *before = ncm_alloc(D, sizeof *before), *after = ncm_alloc(D, sizeof *after);
    int *kind = ncm_alloc(D, sizeof *kind);
    double *u = ncm_alloc(K * D, sizeof *u), *v = ncm_alloc(K * D, sizeof *v);
    double *w = ncm_alloc(K * D, sizeof *w);
    nc_collapse_path_result r = {.lambda = lambda, .lower = lower, .upper = upper,
                                 .rank_before = before, .rank_after = after, .kind = kind,
                                 .u = u, .v = v, .weight = w};
    nc_ctx ctx;
    ncm_ctx(&ctx);
    if (nc_collapse_path(&ctx, (int)K, n, lb, &opts, &r) != NC_OK)
        ncm_raise(&ctx); /* frees the scratch memory */

    size_t count = (size_t)r.count;
    mxArray *lam = mxCreateDoubleMatrix(count, 1, mxREAL), *lo = mxCreateDoubleMatrix(count, 1, mxREAL),
            *hi = mxCreateDoubleMatrix(count, 1, mxREAL), *acc = mxCreateDoubleMatrix(count, 1, mxREAL),
            *rb = mxCreateDoubleMatrix(count, 1, mxREAL), *ra = mxCreateDoubleMatrix(count, 1, mxREAL);
    mxArray *kinds = mxCreateCellMatrix(count, 1), *classes = mxCreateCellMatrix(count, 1);
    mxArray *uc = mxCreateCellMatrix(count, 1), *vc = mxCreateCellMatrix(count, 1);
    mxArray *weight = mxCreateDoubleMatrix(K, count, mxREAL);
    size_t col = 0;
    for (size_t d = 0; d < count; ++d) {
        size_t m = (size_t)(before[d] - after[d]);
        mxGetPr(lam)[d] = lambda[d];
        mxGetPr(lo)[d] = lower[d];
        mxGetPr(hi)[d] = upper[d];
        double span = upper[d] - lambda[d] > lambda[d] - lower[d] ? upper[d] - lambda[d]
                                                                   : lambda[d] - lower[d];
        mxGetPr(acc)[d] = span / lambda[d];
        mxGetPr(rb)[d] = before[d];
        mxGetPr(ra)[d] = after[d];
        mxSetCell(kinds, d, mxCreateString(kind_names[kind[d]]));
        memcpy(mxGetPr(weight) + K * d, w + K * d, K * sizeof(double));
        mxSetCell(classes, d, main_classes(w + K * d, K));
        mxSetCell(uc, d, ncm_real(u + K * col, K, m));
        mxSetCell(vc, d, ncm_real(v + K * col, K, m));
        col += m;
    }
    mxArray *counts = mxCreateDoubleMatrix(1, K, mxREAL);
    memcpy(mxGetPr(counts), n, K * sizeof(double));
    const ncm_field out[] = {
        {"lambda", lam},           {"lower", lo},
        {"upper", hi},             {"accuracy", acc},
        {"rank_before", rb},       {"rank_after", ra},
        {"kind", kinds},           {"classes", classes},
        {"weight", weight},        {"u", uc},
        {"v", vc},                 {"n", counts},
        {"lambda_b", ncm_real_scalar(lb)},
        {"complete", ncm_bool(r.complete)},
        {"monotone", ncm_bool(r.monotone)},
        {"certified", ncm_bool(r.certified)},
        {"probes", ncm_real_scalar(r.probes)},
        {"time", ncm_real_scalar(r.time)},
    };
    plhs[0] = NCM_STRUCT(out);
    ncm_end();
}
