/* SPDX-License-Identifier: GPL-3.0-or-later */
/* R = nc_ufm_train(n, d, lambda_W, lambda_H, lambda_b, ...): see m/nc_ufm_train.m */
#include "nc_train.h"
#include "ncm.h"

#include <string.h>

static const char *const option_names[] = {"MaxIter", "Tol",  "LearningRate", "Momentum",
                                           "InitScale", "Seed", "HistoryEvery", "Verbose"};
enum { OPT_MAXITER, OPT_TOL, OPT_LR, OPT_MOMENTUM, OPT_INIT, OPT_SEED, OPT_EVERY, OPT_VERBOSE,
       OPT_COUNT };

/* Beyond these, H would not fit in memory anyway, and BLAS takes int sizes. */
#define MAX_SAMPLES 100000000.0
#define MAX_ENTRIES 2.0e9

void mexFunction(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[])
{
    ncm_begin("nc_ufm_train");
    ncm_nargs(nrhs, 5, -1, nlhs, 1);
    size_t K;
    const double *nd = ncm_vector(prhs[0], "N", "badCounts", NCM_POSITIVE | NCM_INTEGER, 0, &K);
    if (K < 2 || K > 20000)
        ncm_error("badCounts", "N must have 2 to 20000 classes, not %zu", K);
    double total = 0;
    for (size_t k = 0; k < K; ++k)
        total += nd[k];
    if (total > MAX_SAMPLES)
        ncm_error("badCounts", "N sums to %.0f samples; at most %.0f are supported", total,
                  MAX_SAMPLES);
    double dd = ncm_scalar(prhs[1], "D", "badSize", NCM_POSITIVE | NCM_INTEGER);
    if (dd * total > MAX_ENTRIES || dd * (double)K > MAX_ENTRIES)
        ncm_error("badSize", "D = %.0f makes H too large (%.0f x %.0f)", dd, dd, total);
    double lW = ncm_scalar(prhs[2], "LAMBDA_W", "badLambda", NCM_POSITIVE);
    double lH = ncm_scalar(prhs[3], "LAMBDA_H", "badLambda", NCM_POSITIVE);
    double lb = ncm_scalar(prhs[4], "LAMBDA_B", "badLambda", NCM_NONNEG);

    nc_ufm_opts opts;
    nc_ufm_defaults(&opts);
    ncm_option_pairs(nrhs, 5);
    for (int i = 5; i < nrhs; i += 2) {
        const mxArray *v = prhs[i + 1];
        switch (ncm_option(prhs[i], option_names, OPT_COUNT)) {
        case OPT_MAXITER:
            opts.max_iter = ncm_count(v, "MaxIter", 0);
            break;
        case OPT_TOL:
            opts.tol = ncm_scalar(v, "Tol", "badOption", NCM_NONNEG);
            break;
        case OPT_LR:
            opts.lr = ncm_scalar(v, "LearningRate", "badOption", NCM_NONNEG);
            break;
        case OPT_MOMENTUM:
            opts.momentum = ncm_scalar(v, "Momentum", "badOption", NCM_NONNEG);
            if (opts.momentum >= 1)
                ncm_error("badOption", "Momentum must be in [0, 1)");
            break;
        case OPT_INIT:
            opts.init_scale = ncm_scalar(v, "InitScale", "badOption", NCM_POSITIVE);
            break;
        case OPT_SEED:
            opts.seed = (unsigned long)ncm_scalar(v, "Seed", "badOption", NCM_NONNEG | NCM_INTEGER);
            break;
        case OPT_EVERY:
            opts.history_every = ncm_count(v, "HistoryEvery", 0);
            break;
        case OPT_VERBOSE:
            opts.verbose = ncm_flag(v, "Verbose");
            break;
        }
    }

    int d = (int)dd;
    long N = (long)total;
    long *n = mxMalloc(K * sizeof *n);
    for (size_t k = 0; k < K; ++k)
        n[k] = (long)nd[k];
    mxArray *W = mxCreateDoubleMatrix(K, (size_t)d, mxREAL);
    mxArray *H = mxCreateDoubleMatrix((size_t)d, (size_t)N, mxREAL);
    mxArray *b = mxCreateDoubleMatrix(K, 1, mxREAL);
    nc_ctx ctx;
    ncm_ctx(&ctx);
    nc_ufm_result res;
    nc_status st = nc_ufm_train(&ctx, (int)K, n, d, lW, lH, lb, &opts, mxGetPr(W), mxGetPr(H),
                                mxGetPr(b), &res);
    if (st && st != NC_EINTERRUPT) {
        mxDestroyArray(W);
        mxDestroyArray(H);
        mxDestroyArray(b);
        ncm_raise(&ctx);
    }
    if (st == NC_EINTERRUPT)
        ncm_consume_interrupt();

    int T = res.count;
    mxArray *iter = mxCreateDoubleMatrix(1, (size_t)T, mxREAL);
    mxArray *obj = ncm_real(res.objective_h, 1, (size_t)T);
    mxArray *grad = ncm_real(res.grad_h, 1, (size_t)T);
    mxArray *nc1 = ncm_real(res.nc1_h, 1, (size_t)T);
    mwSize zdims[3] = {K, K, (mwSize)T};
    mxArray *Zh = mxCreateNumericArray(3, zdims, mxDOUBLE_CLASS, mxREAL);
    mxArray *bh = ncm_real(res.b_h, K, (size_t)T);
    for (int t = 0; t < T; ++t)
        mxGetPr(iter)[t] = res.iter[t];
    memcpy(mxGetPr(Zh), res.Zbar_h, (size_t)T * K * K * sizeof(double));
    mxArray *Zbar = ncm_real(res.Zbar_h + (size_t)(T - 1) * K * K, K, K);
    mxArray *y = mxCreateDoubleMatrix(1, (size_t)N, mxREAL);
    for (size_t k = 0, j = 0; k < K; ++k)
        for (long i = 0; i < n[k]; ++i)
            mxGetPr(y)[j++] = (double)(k + 1);

    static const char *hist_fields[] = {"iteration", "objective", "grad_norm", "nc1", "Zbar", "b"};
    mxArray *hist = mxCreateStructMatrix(1, 1, 6, hist_fields);
    ncm_set(hist, "iteration", iter);
    ncm_set(hist, "objective", obj);
    ncm_set(hist, "grad_norm", grad);
    ncm_set(hist, "nc1", nc1);
    ncm_set(hist, "Zbar", Zh);
    ncm_set(hist, "b", bh);
    static const char *fields[] = {"W", "H", "b", "y", "Zbar", "objective", "grad_norm",
                                   "iterations", "converged", "interrupted", "time", "history"};
    mxArray *R = mxCreateStructMatrix(1, 1, 12, fields);
    ncm_set(R, "W", W);
    ncm_set(R, "H", H);
    ncm_set(R, "b", b);
    ncm_set(R, "y", y);
    ncm_set(R, "Zbar", Zbar);
    ncm_set(R, "objective", ncm_real_scalar(res.objective));
    ncm_set(R, "grad_norm", ncm_real_scalar(res.grad_norm));
    ncm_set(R, "iterations", ncm_real_scalar(res.iterations));
    ncm_set(R, "converged", ncm_bool(res.converged));
    ncm_set(R, "interrupted", ncm_bool(res.interrupted));
    ncm_set(R, "time", ncm_real_scalar(res.time));
    ncm_set(R, "history", hist);
    if (!res.converged && !res.interrupted)
        ncm_warning("notConverged",
                    "stopped at MaxIter = %d with gradient norm %.3g above Tol = %.3g",
                    opts.max_iter, res.grad_norm, opts.tol);
    nc_ufm_result_free(&ctx, &res);
    plhs[0] = R;
}
