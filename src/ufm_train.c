/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The unconstrained feature model trained by full-batch gradient descent
 * with heavy-ball momentum (docs/theory.md section 1). */
#include "nc_metrics.h"
#include "nc_train.h"
#include "lapack.h"
#include "mlp_util.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <limits.h>
#include <math.h>
#include <string.h>

void nc_ufm_defaults(nc_ufm_opts *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->max_iter = 200000;
    opts->tol = 1e-9;
    opts->lr = 0;
    opts->momentum = 0.9;
    opts->init_scale = 0.1;
}

static double sumsq(const double *x, long n)
{
    double s = 0;
    for (long i = 0; i < n; ++i)
        s += x[i] * x[i];
    return s;
}

/* Objective with a caller workspace Z (K x N). */
static double ufm_eval(int K, int d, long N, const int *y, const double *W, const double *H,
                       const double *b, double lW, double lH, double lb, double *Z,
                       double *gW, double *gH, double *gb)
{
    nc_gemm('N', 'N', K, (int)N, d, 1.0, W, K, H, d, 0.0, Z, K);
    double ce = nct_softmax_ce(K, N, Z, b, y, 1.0 / (double)N, NULL);
    double F = ce / (double)N + lW * sumsq(W, (long)K * d) + lH * sumsq(H, (long)d * N) +
               lb * sumsq(b, K);
    /* Z now holds G = (P - Y)/N. */
    if (gW) {
        for (long i = 0; i < (long)K * d; ++i)
            gW[i] = 2 * lW * W[i];
        nc_gemm('N', 'T', K, d, (int)N, 1.0, Z, K, H, d, 1.0, gW, K);
    }
    if (gH) {
        for (long i = 0; i < (long)d * N; ++i)
            gH[i] = 2 * lH * H[i];
        nc_gemm('T', 'N', d, (int)N, K, 1.0, W, K, Z, K, 1.0, gH, d);
    }
    if (gb) {
        for (int k = 0; k < K; ++k)
            gb[k] = 2 * lb * b[k];
        for (long j = 0; j < N; ++j)
            for (int k = 0; k < K; ++k)
                gb[k] += Z[j * K + k];
    }
    return F;
}

nc_status nc_ufm_objective(nc_ctx *ctx, int K, int d, long N, const int *y, const double *W,
                           const double *H, const double *b, double lW, double lH, double lb,
                           double *F, double *gW, double *gH, double *gb)
{
    double *Z = nc_alloc(ctx, (size_t)K * (size_t)N, sizeof *Z);
    if (!Z)
        return ctx->status;
    double f = ufm_eval(K, d, N, y, W, H, b, lW, lH, lb, Z, gW, gH, gb);
    if (F)
        *F = f;
    nc_free(ctx, Z);
    return NC_OK;
}

void nc_ufm_result_free(nc_ctx *ctx, nc_ufm_result *res)
{
    nc_free(ctx, res->iter);
    nc_free(ctx, res->objective_h);
    nc_free(ctx, res->grad_h);
    nc_free(ctx, res->nc1_h);
    nc_free(ctx, res->Zbar_h);
    nc_free(ctx, res->b_h);
    res->iter = NULL;
    res->objective_h = res->grad_h = res->nc1_h = res->Zbar_h = res->b_h = NULL;
    res->count = 0;
}

/* Records iteration IT.  NC1 is a pass over H that takes a second when
 * d x N is large, so it is left NaN when the user asked to stop, and the
 * run returns at once. */
static nc_status record(nc_ctx *ctx, nc_ufm_result *res, int it, double F, double g, int K,
                        int d, long N, const int *y, const double *W,
                        const double *H, const double *b, double *means,
                        long *counts)
{
    int r = res->count++;
    res->iter[r] = it;
    res->objective_h[r] = F;
    res->grad_h[r] = g;
    res->nc1_h[r] = NAN;
    nct_class_means(d, N, K, H, y, means, counts);
    nc_gemm('N', 'N', K, K, d, 1.0, W, K, means, d, 0.0, res->Zbar_h + (long)r * K * K, K);
    memcpy(res->b_h + (long)r * K, b, (size_t)K * sizeof *b);
    if (nct_stop_requested(ctx))
        return NC_OK;
    return nct_nc1_or_nan(ctx, d, N, K, H, y, &res->nc1_h[r]);
}

/* History records every EVERY iterations, plus the first, the last and an
 * interrupted one. */
static long history_every(const nc_ufm_opts *opts)
{
    return opts->history_every > 0 ? opts->history_every : (long)opts->max_iter + 1;
}

size_t nc_ufm_history_records(const nc_ufm_opts *opts)
{
    return (size_t)(opts->max_iter / history_every(opts)) + 3;
}

/* Doubles of the workspace carved in nc_ufm_train: gradients and momenta
 * of W and H (3 each), of b (3 K), the logits K x N, the class means d x K. */
static size_t workspace_doubles(int K, long N, int d)
{
    size_t nW, nH, KN, dK, total;
    nc_size_mul((size_t)K, (size_t)d, &nW);
    nc_size_mul((size_t)d, (size_t)N, &nH);
    nc_size_mul((size_t)K, (size_t)N, &KN);
    nc_size_mul((size_t)d, (size_t)K, &dK);
    nc_size_add(nW, nH, &total);
    nc_size_mul(total, 3, &total);
    nc_size_add(total, 3 * (size_t)K, &total);
    nc_size_add(total, KN, &total);
    nc_size_add(total, dK, &total);
    return total;
}

nc_status nc_ufm_check_memory(nc_ctx *ctx, int K, long N, int d, const nc_ufm_opts *opts,
                              size_t extra_bytes)
{
    size_t records = nc_ufm_history_records(opts), per, hist, work, total;
    nc_size_mul((size_t)K, (size_t)K, &per);
    nc_size_add(per, (size_t)K + 4, &per);
    nc_size_mul(per, records, &hist);
    nc_size_mul(hist, sizeof(double), &hist);
    if (records > 2147483647u)
        hist = SIZE_MAX;
    if (nc_check_memory(ctx, hist,
                        "the history (a K x K record every HistoryEvery iterations up to "
                        "MaxIter; raise HistoryEvery or lower MaxIter)"))
        return ctx->status;
    nc_size_mul(workspace_doubles(K, N, d), sizeof(double), &work);
    nc_size_add(work, (size_t)N * sizeof(int), &work);
    nc_size_add(hist, work, &total);
    nc_size_add(total, extra_bytes, &total);
    return nc_check_memory(ctx, total, "W, H, their gradients and the history");
}

nc_status nc_ufm_train(nc_ctx *ctx, int K, const long *n, int d, double lW, double lH,
                       double lb, const nc_ufm_opts *opts, double *W, double *H, double *b,
                       nc_ufm_result *res)
{
    memset(res, 0, sizeof *res);
    if (K < 2 || d < 1)
        return nc_fail(ctx, NC_EBADARG, "badSize", "needs K >= 2 classes and d >= 1 (K = %d, d = %d)",
                       K, d);
    long N = 0;
    for (int k = 0; k < K; ++k) {
        if (n[k] < 1)
            return nc_fail(ctx, NC_EBADARG, "badCounts", "N(%d) = %ld: every class needs a sample",
                           k + 1, n[k]);
        if (n[k] > INT_MAX - N)
            return nc_fail(ctx, NC_EBADARG, "tooLarge",
                           "N sums to more than %d samples (BLAS takes int sizes)", INT_MAX);
        N += n[k];
    }
    if (opts->max_iter < 0 || opts->history_every < 0)
        return nc_fail(ctx, NC_EBADARG, "badOption", "MaxIter and HistoryEvery must be >= 0");
    if (nc_ufm_check_memory(ctx, K, N, d, opts, 0))
        return ctx->status;
    long every = history_every(opts);
    size_t cap = nc_ufm_history_records(opts);
    long nW = (long)K * d, nH = (long)d * N;
    int *y = nc_alloc(ctx, (size_t)N, sizeof *y);
    double *work = nc_calloc(ctx, workspace_doubles(K, N, d), sizeof *work);
    res->iter = nc_alloc(ctx, cap, sizeof *res->iter);
    res->objective_h = nc_alloc(ctx, cap, sizeof(double));
    res->grad_h = nc_alloc(ctx, cap, sizeof(double));
    res->nc1_h = nc_alloc(ctx, cap, sizeof(double));
    res->Zbar_h = nc_alloc(ctx, cap * (size_t)K * (size_t)K, sizeof(double));
    res->b_h = nc_alloc(ctx, cap * (size_t)K, sizeof(double));
    long *counts = nc_alloc(ctx, (size_t)K, sizeof *counts);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (!rng)
        nc_fail(ctx, NC_ENOMEM, "outOfMemory", "cannot allocate a random generator");
    if (ctx->status) {
        nc_status st = ctx->status;
        if (rng)
            gsl_rng_free(rng);
        nc_free(ctx, y);
        nc_free(ctx, work);
        nc_free(ctx, counts);
        nc_ufm_result_free(ctx, res);
        return st;
    }
    double *gW = work, *vW = gW + nW, *gH = vW + nW, *vH = gH + nH, *gb = vH + nH,
           *vb = gb + K, *Z = vb + K, *means = Z + (long)K * N;
    for (int k = 0, j = 0; k < K; ++k)
        for (long i = 0; i < n[k]; ++i)
            y[j++] = k;

    gsl_rng_set(rng, opts->seed);
    for (long i = 0; i < nW; ++i)
        W[i] = opts->init_scale * gsl_ran_gaussian_ziggurat(rng, 1.0);
    for (long i = 0; i < nH; ++i)
        H[i] = opts->init_scale * gsl_ran_gaussian_ziggurat(rng, 1.0);
    memset(b, 0, (size_t)K * sizeof *b);
    gsl_rng_free(rng);

    double t0 = nc_now(), last_print = t0, F = 0, g = 0;
    double reg = 2 * fmax(lW, fmax((double)N * lH, lb));
    nc_status st = NC_OK;
    int it;
    for (it = 0;; ++it) {
        F = ufm_eval(K, d, N, y, W, H, b, lW, lH, lb, Z, gW, gH, gb);
        g = sqrt(sumsq(gW, nW) + (double)N * sumsq(gH, nH) + sumsq(gb, K));
        if (!isfinite(F) || !isfinite(g)) {
            st = nc_fail(ctx, NC_ENUMERIC, "diverged",
                         "the objective became non-finite at iteration %d; lower LearningRate",
                         it);
            break;
        }
        res->converged = g <= opts->tol;
        int last = res->converged || it >= opts->max_iter;
        if ((it % every == 0 || last) &&
            (st = record(ctx, res, it, F, g, K, d, N, y, W, H, b, means, counts)))
            break;
        if (last)
            break;
        /* every iteration: one costs seconds when d x N is large, and the
         * probe reads a flag */
        if (nct_stop_requested(ctx)) {
            res->interrupted = 1;
            if (res->iter[res->count - 1] != it)
                st = record(ctx, res, it, F, g, K, d, N, y, W, H, b, means, counts);
            if (st == NC_OK)
                st = nc_interrupted(ctx) ? ctx->status
                                         : nc_fail(ctx, NC_EINTERRUPT, "interrupted",
                                                   "interrupted by the user");
            break;
        }
        /* The curvature of each block is bounded by its partner's squared
         * norm (softmax curvature <= 1/2), plus the bias's 1/2 and the
         * cross terms' O(1), plus the penalties, in the scaled metric. */
        double step = opts->lr > 0
                          ? opts->lr
                          : 1.0 / (0.5 * (sumsq(W, nW) + sumsq(H, nH) / (double)N) + 1.5 + reg);
        double mu = opts->momentum;
        for (long i = 0; i < nW; ++i) {
            vW[i] = mu * vW[i] - step * gW[i];
            W[i] += vW[i];
        }
        for (long i = 0; i < nH; ++i) {
            vH[i] = mu * vH[i] - step * (double)N * gH[i];
            H[i] += vH[i];
        }
        for (int k = 0; k < K; ++k) {
            vb[k] = mu * vb[k] - step * gb[k];
            b[k] += vb[k];
        }
        if (opts->verbose && nc_now() - last_print > 2.0 && !nct_stop_requested(ctx)) {
            char left[64];
            double now = nc_now();
            nc_format_duration((now - t0) / (it + 1) * (opts->max_iter - it), left, sizeof left);
            nc_printf(ctx, "%s: iteration %d, objective %.12g, gradient %.2e (at most %s left)\n",
                      ctx->fname, it, F, g, left);
            last_print = now;
        }
    }
    res->iterations = it;
    res->interrupted = st == NC_EINTERRUPT;
    res->objective = F;
    res->grad_norm = g;
    res->time = nc_now() - t0;
    if (opts->verbose && st == NC_OK && !nct_stop_requested(ctx))
        nc_printf(ctx, "%s: %s after %d iterations (%.2f s), objective %.12g, gradient %.2e\n",
                  ctx->fname, res->converged ? "converged" : "stopped at MaxIter", it, res->time,
                  F, g);
    nc_free(ctx, y);
    nc_free(ctx, work);
    nc_free(ctx, counts);
    if (st && st != NC_EINTERRUPT)
        nc_ufm_result_free(ctx, res);
    return st;
}
