/* SPDX-License-Identifier: GPL-3.0-or-later */
/* R = nc_ufm_train(n, d, lambda_W, lambda_H, lambda_b, ...): see m/nc_ufm_train.m */
#include "nc_train.h"
#include "ncm.h"

#include <string.h>

enum { IN_N, IN_D, IN_LAMBDA_W, IN_LAMBDA_H, IN_LAMBDA_B, IN_OPTIONS };
static const char *const option_names[] = {"MaxIter", "Tol",  "LearningRate", "Momentum",
                                           "InitScale", "Seed", "HistoryEvery", "Verbose"};
enum { OPT_MAXITER, OPT_TOL, OPT_LR, OPT_MOMENTUM, OPT_INIT, OPT_SEED, OPT_EVERY, OPT_VERBOSE,
       OPT_COUNT };

/* Beyond these, H would not fit in memory anyway, and BLAS takes int sizes. */
#define MAX_SAMPLES 100000000.0
#define MAX_ENTRIES 2.0e9

/* Bytes of the outputs: W, H, b, y, Zbar and the copies of a history of at
 * most RECORDS records. */
static size_t output_bytes(size_t K, size_t N, size_t d, size_t records)
{
    size_t total, part;
    nc_size_mul(K + N, d, &total);
    nc_size_add(total, K + N, &total);
    nc_size_mul(K + 1, K, &part);
    nc_size_add(part, 4, &part);
    nc_size_mul(part, records + 1, &part);
    nc_size_add(total, part, &total);
    nc_size_mul(total, sizeof(double), &total);
    return total;
}

static void parse_options(int nrhs, const mxArray *prhs[], nc_ufm_opts *opts)
{
    nc_ufm_defaults(opts);
    ncm_option_pairs(nrhs, IN_OPTIONS);
    for (int i = IN_OPTIONS; i < nrhs; i += 2) {
        const mxArray *v = prhs[i + 1];
        switch (ncm_option(prhs[i], option_names, OPT_COUNT)) {
        case OPT_MAXITER:
            opts->max_iter = ncm_count(v, "MaxIter", 0);
            break;
        case OPT_TOL:
            opts->tol = ncm_scalar(v, "Tol", "badOption", NCM_NONNEG);
            break;
        case OPT_LR:
            opts->lr = ncm_scalar(v, "LearningRate", "badOption", NCM_NONNEG);
            break;
        case OPT_MOMENTUM:
            opts->momentum = ncm_scalar(v, "Momentum", "badOption", NCM_NONNEG);
            if (opts->momentum >= 1)
                ncm_error("badOption", "Momentum must be in [0, 1)");
            break;
        case OPT_INIT:
            opts->init_scale = ncm_scalar(v, "InitScale", "badOption", NCM_POSITIVE);
            break;
        case OPT_SEED:
            opts->seed = ncm_seed(v, "Seed");
            break;
        case OPT_EVERY:
            opts->history_every = ncm_count(v, "HistoryEvery", 0);
            break;
        case OPT_VERBOSE:
            opts->verbose = ncm_flag(v, "Verbose");
            break;
        }
    }
}

static mxArray *history_struct(const nc_ufm_result *res, size_t K)
{
    size_t T = (size_t)res->count;
    mxArray *iter = mxCreateDoubleMatrix(1, T, mxREAL);
    for (size_t t = 0; t < T; ++t)
        mxGetPr(iter)[t] = res->iter[t];
    mwSize zdims[3] = {K, K, T};
    mxArray *Zh = mxCreateNumericArray(3, zdims, mxDOUBLE_CLASS, mxREAL);
    memcpy(mxGetPr(Zh), res->Zbar_h, T * K * K * sizeof(double));
    const ncm_field fields[] = {{"iteration", iter},
                                {"objective", ncm_real(res->objective_h, 1, T)},
                                {"grad_norm", ncm_real(res->grad_h, 1, T)},
                                {"nc1", ncm_real(res->nc1_h, 1, T)},
                                {"Zbar", Zh},
                                {"b", ncm_real(res->b_h, K, T)}};
    return NCM_STRUCT(fields);
}

/* Labels of the columns of H: n(k) copies of k, in class order. */
static mxArray *column_labels(const long *n, size_t K, long N)
{
    mxArray *y = mxCreateDoubleMatrix(1, (size_t)N, mxREAL);
    for (size_t k = 0, j = 0; k < K; ++k)
        for (long i = 0; i < n[k]; ++i)
            mxGetPr(y)[j++] = (double)(k + 1);
    return y;
}

void mexFunction(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[])
{
    ncm_begin("nc_ufm_train");
    ncm_nargs(nrhs, IN_OPTIONS, -1, nlhs, 1);
    size_t K;
    const double *nd =
        ncm_vector(prhs[IN_N], "N", "badCounts", NCM_POSITIVE | NCM_INTEGER, 0, &K);
    if (K < 2 || K > 20000)
        ncm_error("badCounts", "N must have 2 to 20000 classes, not %zu", K);
    double total = 0;
    for (size_t k = 0; k < K; ++k)
        total += nd[k];
    if (total > MAX_SAMPLES)
        ncm_error("badCounts", "N sums to %.0f samples; at most %.0f are supported", total,
                  MAX_SAMPLES);
    double dd = ncm_scalar(prhs[IN_D], "D", "badSize", NCM_POSITIVE | NCM_INTEGER);
    if (dd * total > MAX_ENTRIES || dd * (double)K > MAX_ENTRIES)
        ncm_error("badSize", "D = %.0f makes H too large (%.0f x %.0f)", dd, dd, total);
    double lW = ncm_scalar(prhs[IN_LAMBDA_W], "LAMBDA_W", "badLambda", NCM_POSITIVE);
    double lH = ncm_scalar(prhs[IN_LAMBDA_H], "LAMBDA_H", "badLambda", NCM_POSITIVE);
    double lb = ncm_scalar(prhs[IN_LAMBDA_B], "LAMBDA_B", "badLambda", NCM_NONNEG);
    nc_ufm_opts opts;
    parse_options(nrhs, prhs, &opts);

    int d = (int)dd;
    long N = (long)total;
    nc_ctx ctx;
    ncm_ctx(&ctx);
    size_t out = output_bytes(K, (size_t)N, (size_t)d, nc_ufm_history_records(&opts));
    if (nc_ufm_check_memory(&ctx, (int)K, N, d, &opts, out))
        ncm_raise(&ctx);
    long *n = ncm_alloc(K, sizeof *n);
    for (size_t k = 0; k < K; ++k)
        n[k] = (long)nd[k];
    mxArray *W = mxCreateDoubleMatrix(K, (size_t)d, mxREAL);
    mxArray *H = mxCreateDoubleMatrix((size_t)d, (size_t)N, mxREAL);
    mxArray *b = mxCreateDoubleMatrix(K, 1, mxREAL);
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

    const ncm_field fields[] = {
        {"W", W},
        {"H", H},
        {"b", b},
        {"y", column_labels(n, K, N)},
        {"Zbar", ncm_real(res.Zbar_h + (size_t)(res.count - 1) * K * K, K, K)},
        {"objective", ncm_real_scalar(res.objective)},
        {"grad_norm", ncm_real_scalar(res.grad_norm)},
        {"iterations", ncm_real_scalar(res.iterations)},
        {"converged", ncm_bool(res.converged)},
        {"interrupted", ncm_bool(res.interrupted)},
        {"time", ncm_real_scalar(res.time)},
        {"history", history_struct(&res, K)}};
    plhs[0] = NCM_STRUCT(fields);
    if (!res.converged && !res.interrupted)
        ncm_warning("notConverged",
                    "stopped at MaxIter = %d with gradient norm %.3g above Tol = %.3g",
                    opts.max_iter, res.grad_norm, opts.tol);
    nc_ufm_result_free(&ctx, &res);
    ncm_end();
}
