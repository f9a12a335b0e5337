/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "count_groups.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    double n;
    int k;
} count_entry;

/* decreasing count, then class index, so that the grouping is deterministic */
static int by_count_desc(const void *a, const void *b)
{
    const count_entry *x = a, *y = b;
    if (x->n != y->n)
        return x->n < y->n ? 1 : -1;
    return (x->k > y->k) - (x->k < y->k);
}

nc_status nc_groups_init(nc_ctx *ctx, int K, const double *n, nc_groups *g)
{
    memset(g, 0, sizeof *g);
    count_entry *e = nc_alloc(ctx, (size_t)K, sizeof *e);
    g->of = nc_alloc(ctx, (size_t)K, sizeof *g->of);
    g->size = nc_calloc(ctx, (size_t)K, sizeof *g->size);
    g->count = nc_alloc(ctx, (size_t)K, sizeof *g->count);
    if (ctx->status) {
        nc_free(ctx, e);
        nc_groups_free(ctx, g);
        return ctx->status;
    }
    g->K = K;
    for (int k = 0; k < K; ++k) {
        e[k].n = n[k];
        e[k].k = k;
        g->N += n[k];
    }
    qsort(e, (size_t)K, sizeof *e, by_count_desc);
    int J = 0;
    for (int i = 0; i < K; ++i) {
        if (i == 0 || e[i].n != e[i - 1].n)
            g->count[J++] = e[i].n;
        g->of[e[i].k] = J - 1;
        g->size[J - 1]++;
    }
    g->J = J;
    nc_free(ctx, e);
    return NC_OK;
}

void nc_groups_free(nc_ctx *ctx, nc_groups *g)
{
    nc_free(ctx, g->of);
    nc_free(ctx, g->size);
    nc_free(ctx, g->count);
    memset(g, 0, sizeof *g);
}

void nc_groups_between(const nc_groups *g, const double *A, double *B)
{
    int K = g->K, J = g->J;
    memset(B, 0, sizeof(double) * (size_t)J * J);
    for (int k = 0; k < K; ++k)
        for (int l = 0; l < K; ++l)
            B[g->of[l] + (size_t)J * g->of[k]] += A[l + (size_t)K * k];
    for (int j = 0; j < J; ++j)
        for (int i = 0; i < J; ++i)
            B[i + (size_t)J * j] /= sqrt((double)g->size[i] * g->size[j]);
}

void nc_groups_lift(const nc_groups *g, const double *y, double *x)
{
    for (int k = 0; k < g->K; ++k)
        x[k] = y[g->of[k]] / sqrt((double)g->size[g->of[k]]);
}

void nc_groups_within_basis(const nc_groups *g, int j, double *Q)
{
    int K = g->K, c = 0;
    /* column i (i = 1 .. k_j - 1) is (e_1 + ... + e_i - i e_{i+1}) / sqrt(i (i+1))
     * over the cluster's members in class order */
    int kj = g->size[j];
    for (int i = 1; i < kj; ++i)
        memset(Q + (size_t)K * (i - 1), 0, sizeof(double) * (size_t)K);
    for (int k = 0; k < K; ++k) {
        if (g->of[k] != j)
            continue;
        /* member number c (0-based): +1/sqrt(i(i+1)) in columns i > c, -c/sqrt(c(c+1)) in column c */
        for (int i = 1; i < kj; ++i) {
            double s = 1.0 / sqrt((double)i * (i + 1));
            if (c < i)
                Q[k + (size_t)K * (i - 1)] = s;
            else if (c == i)
                Q[k + (size_t)K * (i - 1)] = -i * s;
        }
        ++c;
    }
}
