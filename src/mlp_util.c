/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Helpers shared by the UFM and MLP trainers. */
#include "mlp_util.h"
#include "nc_metrics.h"

#include <math.h>
#include <string.h>

double nct_softmax_ce(int K, long N, double *Z, const double *b, const int *y, double scale,
                      long *correct)
{
    double total = 0;
    long right = 0;
    for (long j = 0; j < N; ++j) {
        double *z = Z + j * K;
        int best = 0;
        if (b)
            for (int k = 0; k < K; ++k)
                z[k] += b[k];
        for (int k = 1; k < K; ++k)
            if (z[k] > z[best])
                best = k;
        double top = z[best], sum = 0;
        for (int k = 0; k < K; ++k) {
            z[k] = exp(z[k] - top);
            sum += z[k];
        }
        /* CE = log sum exp(z) - z_y, computed after the shift by the max so
         * that neither term overflows. */
        total += log(sum) - log(z[y[j]]);
        right += best == y[j];
        for (int k = 0; k < K; ++k)
            z[k] = scale * (z[k] / sum - (k == y[j]));
    }
    if (correct)
        *correct = right;
    return total;
}

double nct_softmax_ce_f(int K, long N, float *Z, const float *b, const int *y, double scale,
                        long *correct)
{
    double total = 0;
    long right = 0;
    for (long j = 0; j < N; ++j) {
        float *col = Z + j * K;
        int best = 0;
        double top = -INFINITY, sum = 0;
        for (int k = 0; k < K; ++k) {
            double v = (double)col[k] + (b ? b[k] : 0.0f);
            if (v > top) {
                top = v;
                best = k;
            }
        }
        /* exp is evaluated twice rather than kept, so that no buffer of K
         * doubles is needed whatever K */
        for (int k = 0; k < K; ++k)
            sum += exp((double)col[k] + (b ? b[k] : 0.0f) - top);
        double zy = (double)col[y[j]] + (b ? b[y[j]] : 0.0f);
        total += log(sum) - (zy - top);
        right += best == y[j];
        for (int k = 0; k < K; ++k) {
            double p = exp((double)col[k] + (b ? b[k] : 0.0f) - top) / sum;
            col[k] = (float)(scale * (p - (k == y[j])));
        }
    }
    if (correct)
        *correct = right;
    return total;
}

void nct_class_means(int d, long N, int K, const double *H, const int *y, double *means,
                     long *count)
{
    memset(count, 0, (size_t)K * sizeof *count);
    memset(means, 0, (size_t)d * (size_t)K * sizeof *means);
    for (long j = 0; j < N; ++j) {
        double *m = means + (long)y[j] * d;
        const double *h = H + j * d;
        for (int i = 0; i < d; ++i)
            m[i] += h[i];
        ++count[y[j]];
    }
    for (int k = 0; k < K; ++k)
        for (int i = 0; i < d && count[k]; ++i)
            means[(long)k * d + i] /= (double)count[k];
}

nc_status nct_nc1_or_nan(nc_ctx *ctx, int d, long N, int K, const double *H, const int *y,
                         double *nc1)
{
    nc_status st = nc_metrics_nc1(ctx, d, N, K, H, d, y, NC_WEIGHT_SAMPLES, nc1);
    if (st == NC_OK || st == NC_ENOMEM || st == NC_EINTERRUPT)
        return st;
    *nc1 = NAN;
    ctx->status = NC_OK;
    ctx->errid[0] = ctx->errmsg[0] = 0;
    return NC_OK;
}

int nct_stop_requested(nc_ctx *ctx)
{
    return ctx->interrupted && ctx->interrupted(ctx->user);
}
