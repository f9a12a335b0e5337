/* SPDX-License-Identifier: GPL-3.0-or-later */
/* nc_theory: the optimum of the imbalanced UFM from the cluster structure
 * alone (docs/theory.md section 4), by the cluster-level solver of
 * theory_newton.c, never by the K x K solver.  Also the grouping of a count
 * vector into clusters, and the block parameters expanded into Zbar in any
 * class order. */
#include "theory_internal.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

nc_status th_check_clusters(nc_ctx *ctx, int J, const int *k, const double *n, const char *name)
{
    if (J < 1)
        return nc_fail(ctx, NC_EBADARG, "badSize",
                       "K must have at least one entry (one per cluster), not %d", J);
    long long K = 0;
    for (int j = 0; j < J; ++j) {
        if (k[j] < 1)
            return nc_fail(ctx, NC_EBADARG, "badK",
                           "K must hold positive whole class counts (k(%d) = %d)", j + 1, k[j]);
        if (!(n[j] > 0) || !isfinite(n[j]))
            return nc_fail(ctx, NC_EBADARG, "badN",
                           "%s must hold positive finite values (entry %d is %g)", name, j + 1,
                           n[j]);
        K += k[j];
    }
    if (K < 2)
        return nc_fail(ctx, NC_EBADARG, "badK", "K must describe at least two classes");
    if (K > INT_MAX)
        return nc_fail(ctx, NC_ENOMEM, "tooLarge", "K describes %lld classes; at most %d fit",
                       K, INT_MAX);
    return NC_OK;
}

/* A class and its count, sorted by decreasing count (ties by class). */
typedef struct {
    double count;
    int cls;
} class_count;

static int by_count(const void *a, const void *b)
{
    const class_count *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return (x->cls > y->cls) - (x->cls < y->cls);
}

nc_status nc_cluster_counts(nc_ctx *ctx, int K, const double *counts, int *J, int *k, double *n,
                            int *cluster)
{
    if (K < 2)
        return nc_fail(ctx, NC_EBADARG, "badN", "N must hold the counts of at least two classes");
    for (int c = 0; c < K; ++c)
        if (!(counts[c] > 0) || !isfinite(counts[c]))
            return nc_fail(ctx, NC_EBADARG, "badN",
                           "N must hold positive finite sample counts (n(%d) = %g)", c + 1,
                           counts[c]);
    class_count *order = nc_alloc(ctx, (size_t)K, sizeof *order);
    if (!order)
        return ctx->status;
    for (int c = 0; c < K; ++c) {
        order[c].count = counts[c];
        order[c].cls = c;
    }
    qsort(order, (size_t)K, sizeof *order, by_count);
    int nJ = 0;
    for (int t = 0; t < K; ++t) {
        if (t == 0 || order[t].count != n[nJ - 1]) {
            n[nJ] = order[t].count;
            k[nJ++] = 0;
        }
        k[nJ - 1]++;
        cluster[order[t].cls] = nJ - 1;
    }
    *J = nJ;
    nc_free(ctx, order);
    return NC_OK;
}

/* Zbar (K x K) and b (K) from the block parameters, class c in cluster
 * cluster[c]. */
static void expand_blocks(int K, int J, const int *cluster, const nc_theory_result *res)
{
    for (int c = 0; c < K; ++c) {
        int j = cluster[c];
        if (res->b)
            res->b[c] = res->bias[j];
        if (!res->Zbar)
            continue;
        double *col = res->Zbar + (size_t)K * c;
        for (int l = 0; l < K; ++l) {
            int i = cluster[l];
            col[l] = i != j ? res->gamma[i + (size_t)J * j] : l == c ? res->alpha[j] : res->beta[j];
        }
    }
}

static int descending(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x < y) - (x > y);
}

/* Block parameters of the current point (G = Q C in e->G). */
static void fill_blocks(th_solver *s, nc_theory_result *res)
{
    const th_problem *p = &s->p;
    const th_point *pt = &s->e.pt[s->e.cur];
    int J = p->J;
    th_apply_q(p, pt->C, J, s->e.G);
    for (int j = 0; j < J; ++j) {
        double delta = p->active[j] ? pt->x[j] / sqrt(p->n[j]) : 0.0;
        double cjj = pt->r == 0 ? 0.0 : s->e.G[j + (size_t)J * j] * p->isk[j] * p->iskn[j];
        res->alpha[j] = cjj + delta * (1.0 - 1.0 / p->k[j]);
        res->beta[j] = p->k[j] >= 2 ? cjj - delta / p->k[j] : NAN;
        res->delta[j] = p->k[j] >= 2 ? delta : NAN;
        res->collapsed[j] = p->k[j] >= 2 && !p->active[j];
        res->bias[j] = pt->b[j];
        for (int i = 0; i < J; ++i)
            res->gamma[i + (size_t)J * j] =
                i == j ? NAN
                       : pt->r == 0 ? 0.0 : s->e.G[i + (size_t)J * j] * p->isk[i] * p->iskn[j];
    }
}

/* Singular values of Zbar diag(sqrt(n)) (descending), between-cluster
 * singular values and the objective of the program at the current point. */
static void fill_spectrum(th_solver *s, nc_theory_result *res)
{
    const th_problem *p = &s->p;
    const th_point *pt = &s->e.pt[s->e.cur];
    int J = p->J, m = p->m;
    double pen = 0, x;
    for (int a = 0; a < m; ++a) {
        pen += pt->s[a];
        if (res->between_sv)
            res->between_sv[a] = pt->s[a];
    }
    size_t t = 0;
    for (int j = 0; j < J; ++j) {
        x = p->active[j] ? pt->x[j] : 0.0;
        pen += (p->k[j] - 1) * x;
        if (res->sv)
            for (int c = 1; c < p->k[j]; ++c)
                res->sv[t++] = x;
    }
    if (res->sv) {
        for (int a = 0; a < m; ++a)
            res->sv[t++] = pt->s[a];
        res->sv[t++] = 0.0;
        qsort(res->sv, t, sizeof(double), descending);
    }
    double F = th_loss(p, pt->C, pt->x, pt->b, s->e.G, NULL, NULL, NULL, &s->e.col, NULL);
    double sb = 0;
    for (int j = 0; j < J; ++j)
        sb += p->k[j] * pt->b[j];
    /* th_loss includes the gauge term rho (sum k b)^2 of lb = 0: not part of
     * the program */
    F -= p->rho * sb * sb;
    res->objective = (F + p->lam * pen) / p->N;
}

void th_fill_result(th_solver *s, const int *cluster, double kkt, nc_theory_result *res)
{
    fill_blocks(s, res);
    expand_blocks(s->p.K, s->p.J, cluster, res);
    fill_spectrum(s, res);
    res->kkt = kkt;
    res->between_rank = s->e.pt[s->e.cur].r;
    res->newton_steps = s->e.newton_steps;
}

/* The map class -> cluster of classes ordered cluster by cluster. */
static int *ordered_clusters(nc_ctx *ctx, int J, const int *k, int K)
{
    int *cluster = nc_alloc(ctx, (size_t)K, sizeof *cluster);
    if (cluster)
        for (int j = 0, c = 0; j < J; ++j)
            for (int t = 0; t < k[j]; ++t)
                cluster[c++] = j;
    return cluster;
}

static nc_status theory_run(nc_ctx *ctx, int J, const int *k, const double *n, double lZ,
                            double lb, const int *cluster, nc_theory_result *res)
{
    th_solver s;
    nc_status st = th_solver_open(ctx, &s, J, k, n, lZ, lb, "the cluster problem");
    if (st != NC_OK)
        return st;
    double kkt = INFINITY;
    st = th_solve(ctx, &s.e, 0, &kkt);
    if (st == NC_OK)
        th_fill_result(&s, cluster, kkt, res);
    th_solver_close(ctx, &s);
    return st;
}

nc_status nc_theory(nc_ctx *ctx, int J, const int *k, const double *n, double lZ, double lb,
                    nc_theory_result *res)
{
    nc_status st = th_check_clusters(ctx, J, k, n, "N");
    if (st != NC_OK)
        return st;
    int K = 0;
    for (int j = 0; j < J; ++j)
        K += k[j];
    int *cluster = ordered_clusters(ctx, J, k, K);
    if (!cluster)
        return ctx->status;
    st = nc_theory_map(ctx, J, k, n, K, cluster, lZ, lb, res);
    nc_free(ctx, cluster);
    return st;
}

nc_status nc_theory_map(nc_ctx *ctx, int J, const int *k, const double *n, int K,
                        const int *cluster, double lZ, double lb, nc_theory_result *res)
{
    nc_status st = th_check_clusters(ctx, J, k, n, "N");
    if (st == NC_OK)
        st = nc_check_lambdas(ctx, lZ, lb);
    if (st != NC_OK)
        return st;
    int *seen = nc_calloc(ctx, (size_t)J, sizeof *seen);
    if (!seen)
        return ctx->status;
    int bad = 0;
    for (int c = 0; c < K && !bad; ++c) {
        bad = cluster[c] < 0 || cluster[c] >= J;
        if (!bad)
            seen[cluster[c]]++;
    }
    for (int j = 0; j < J && !bad; ++j)
        bad = seen[j] != k[j];
    nc_free(ctx, seen);
    if (bad)
        return nc_fail(ctx, NC_EBADARG, "badSize",
                       "the class-to-cluster map does not hold k(j) classes of each cluster j");
    return theory_run(ctx, J, k, n, lZ, lb, cluster, res);
}
