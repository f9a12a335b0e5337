/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Seeded class-imbalanced subsets (docs/theory.md section 7, Dataset_1 and
 * Dataset_2). */
#include "nc_data.h"

#include <gsl/gsl_rng.h>

const double nc_dataset1_counts[10] = {5000, 5000, 5000, 5000, 4000, 4000, 4000, 3000, 3000, 3000};
const double nc_dataset2_counts[10] = {5000, 5000, 5000, 5000, 3000, 3000, 1000, 1000, 1000, 1000};

nc_status nc_subset(nc_ctx *ctx, long N, const int *y, int K, const long *counts,
                    unsigned long seed, long *idx, long *chosen)
{
    long *available = nc_calloc(ctx, (size_t)K, sizeof *available);
    if (!available)
        return ctx->status;
    nc_status st = NC_OK;
    for (long j = 0; j < N && !st; ++j) {
        if (y[j] < 0 || y[j] >= K)
            st = nc_fail(ctx, NC_EBADARG, "badLabels",
                         "label %d of sample %ld is outside 1..%d (one count per class)",
                         y[j] + 1, j + 1, K);
        else
            ++available[y[j]];
    }
    for (int k = 0; k < K && !st; ++k)
        if (counts[k] < 0 || counts[k] > available[k])
            st = nc_fail(ctx, NC_EBADARG, "tooFewSamples",
                         "class %d has %ld samples; %ld were asked for", k + 1, available[k],
                         counts[k]);
    gsl_rng *rng = st ? NULL : gsl_rng_alloc(gsl_rng_mt19937);
    if (!st && !rng)
        st = nc_fail(ctx, NC_ENOMEM, "outOfMemory", "cannot allocate a random generator");
    if (st) {
        nc_free(ctx, available);
        return st;
    }
    gsl_rng_set(rng, seed);
    /* Selection sampling (Knuth's algorithm S), class by class: uniform
     * without replacement, and the chosen positions come out in dataset
     * order, so no sort is needed. */
    long out = 0;
    for (int k = 0; k < K; ++k) {
        long need = counts[k], left = available[k];
        for (long j = 0; j < N && need > 0; ++j) {
            if (y[j] != k)
                continue;
            if ((double)left * gsl_rng_uniform(rng) < (double)need) {
                idx[out++] = j;
                --need;
            }
            --left;
        }
    }
    gsl_rng_free(rng);
    nc_free(ctx, available);
    *chosen = out;
    return NC_OK;
}
