/* SPDX-License-Identifier: GPL-3.0-or-later */
/* nc_solve: the reduced convex program of the imbalanced UFM
 * (docs/theory.md sections 2-4; the method is docs/solver.md).
 *
 * Classes of equal counts are exchangeable, so the optimum is block
 * structured (docs/theory.md section 4) and the program reduces exactly to
 * one over J groups (src/solve_internal.h); the dense program is the case of
 * K groups of one class.  This file checks the problem and the options,
 * finds the groups, converts a warm start, calls the group-level engine
 * (src/solve_level.c) and spreads its solution back to the K x K outputs.
 * The certificate the engine returns is one of the K x K problem. */
#include "solve_internal.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* lambda_b beyond this acts as this: the bias is then below 1e-100 and the
 * objective's terms in it below 1e-100 too, while 2 lb stays finite. */
#define LB_MAX 1e100
/* Below this lambda_Z the objective (of order lambda_Z K) and the optimal
 * probabilities (of order lambda_Z) leave the range where double precision
 * keeps its relative accuracy once squared: no tolerance could be
 * certified. */
#define LZ_MIN 1e-80

void nc_solve_defaults(nc_solve_opts *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->tol = 1e-12;
    opts->tolx = 1e-9;
    opts->max_iter = 100000;
    opts->method = NC_SOLVE_AUTO;
}

void nc_solve_tol_range(int K, double *lo, double *hi)
{
    /* the objective and the dual are sums of K^2 terms of order 1: their
     * rounding grows with K (measured at the floor: relative gaps of 1e-15
     * at K = 10, 8e-15 at K = 1000) */
    *lo = 1e-14 * (K > 1000 ? sqrt(K / 1000.0) : 1.0);
    *hi = 0.5;
}

static nc_status check_problem(nc_ctx *ctx, int K, const double *n, double lZ, double lb)
{
    if (nc_check_counts(ctx, K, n) != NC_OK)
        return ctx->status;
    nc_status st = nc_check_lambdas(ctx, lZ, lb);
    if (st == NC_OK && lZ < LZ_MIN)
        return nc_fail(ctx, NC_EBADARG, "badLambda",
                       "LAMBDA_Z must be at least %g (it is %g): below, the optimal "
                       "probabilities and the objective fall out of double precision's "
                       "accurate range",
                       LZ_MIN, lZ);
    return st;
}

static nc_status check_options(nc_ctx *ctx, int K, const nc_solve_opts *o)
{
    double lo, hi;
    nc_solve_tol_range(K, &lo, &hi);
    if (!(o->tol >= lo && o->tol <= hi))
        return nc_fail(ctx, NC_EBADARG, "badOption",
                       "TOL must lie in [%.2g, %.2g] for %d classes (it is %g): below, the "
                       "rounding of the objective exceeds the gap to certify",
                       lo, hi, K, o->tol);
    if (!(o->tolx > 0))
        return nc_fail(ctx, NC_EBADARG, "badOption", "TOLX must be positive (it is %g)",
                       o->tolx);
    if (o->max_iter < 0)
        return nc_fail(ctx, NC_EBADARG, "badOption", "MAXITER must be nonnegative");
    if (o->method != NC_SOLVE_AUTO && o->method != NC_SOLVE_DENSE &&
        o->method != NC_SOLVE_CLUSTERS)
        return nc_fail(ctx, NC_EBADARG, "badOption", "METHOD is not one of the known routes");
    return NC_OK;
}

/* ---------------------------------------------------------------- groups */

typedef struct {
    int J;
    int *group;     /* group of each class */
    double *k, *n;  /* per group */
} groups;

static int by_count(const void *a, const void *b)
{
    const double *x = *(const double *const *)a, *y = *(const double *const *)b;
    return *x < *y ? -1 : *x > *y ? 1 : (x < y ? -1 : x > y);
}

/* Groups of equal counts (or one class each), in order of first appearance. */
static nc_status find_groups(nc_ctx *ctx, int K, const double *n, int dense, groups *g)
{
    memset(g, 0, sizeof *g);
    g->group = nc_alloc(ctx, (size_t)K, sizeof(int));
    g->k = nc_alloc(ctx, (size_t)K, sizeof(double));
    g->n = nc_alloc(ctx, (size_t)K, sizeof(double));
    const double **order = nc_alloc(ctx, (size_t)K, sizeof(double *));
    int *rep = nc_alloc(ctx, (size_t)K, sizeof(int));
    if (ctx->status)
        goto done;
    for (int m = 0; m < K; ++m)
        order[m] = n + m, rep[m] = m;
    if (!dense) { /* each class names the first class of its count */
        qsort(order, (size_t)K, sizeof *order, by_count);
        for (int i = 1; i < K; ++i)
            if (*order[i] == *order[i - 1])
                rep[order[i] - n] = rep[order[i - 1] - n];
    }
    g->J = 0;
    for (int m = 0; m < K; ++m) {
        if (rep[m] == m) { /* a new group, numbered by first appearance */
            g->k[g->J] = 0;
            g->n[g->J] = n[m];
            g->group[m] = g->J++;
        } else {
            g->group[m] = g->group[rep[m]];
        }
        g->k[g->group[m]] += 1;
    }
done:
    nc_free(ctx, order);
    nc_free(ctx, rep);
    return ctx->status;
}

static void groups_free(nc_ctx *ctx, groups *g)
{
    nc_free(ctx, g->group);
    nc_free(ctx, g->k);
    nc_free(ctx, g->n);
}

/* ---------------------------------------------------------- conversions */

/* The block-structured projection of (Zbar0, b0) as an engine point: block
 * means between groups, the mean diagonal and off-diagonal entries within. */
static nc_status warm_point(const ncs_problem *p, const groups *g, int K, const double *Z0,
                            const double *b0, double *x)
{
    int J = p->J;
    double *G = ncs_pG(p, x), *d = ncs_pd(p, x), *bt = ncs_pb(p, x);
    double *diag = nc_calloc(p->ctx, 2 * (size_t)J, sizeof(double)), *bsum = diag + J;
    if (!diag)
        return p->ctx->status;
    memset(x, 0, p->m * sizeof(double));
    for (int m = 0; m < K; ++m) {
        int j = g->group[m];
        for (int l = 0; l < K; ++l) {
            double z = Z0 ? Z0[l + (size_t)m * K] : 0.0;
            if (l == m)
                diag[j] += z;
            else
                G[g->group[l] + (size_t)j * J] += z;
        }
        bsum[j] += b0 ? b0[m] : 0.0;
    }
    for (int j = 0; j < J; ++j) {
        double kj = p->k[j];
        for (int i = 0; i < J; ++i) {
            double cells = i == j ? kj * (kj - 1) : p->k[i] * kj, mean;
            if (i == j) { /* block mean beta + delta/k from the two kinds of entries */
                double beta = kj > 1 ? G[i + (size_t)j * J] / cells : 0.0, alpha = diag[j] / kj;
                double delta = kj > 1 ? alpha - beta : 0.0;
                mean = beta + (kj > 1 ? delta / kj : alpha);
                if (p->dfree[j])
                    d[j] = p->sig[j] * (delta > 0 ? delta : 0.0);
            } else {
                mean = G[i + (size_t)j * J] / cells;
            }
            G[i + (size_t)j * J] = p->r[i] * mean * p->s[j];
        }
        bt[j] = p->r[j] * bsum[j] / kj;
    }
    nc_free(p->ctx, diag);
    ncs_project(p, x);
    return NC_OK;
}

/* Zbar (K x K) and b from the engine point x. */
static void spread_point(const ncs_problem *p, const groups *g, int K, const double *x,
                         double *Zbar, double *b)
{
    int J = p->J;
    const double *G = ncs_cG(p, x), *d = ncs_cd(p, x), *bt = ncs_cb(p, x);
    for (int m = 0; m < K; ++m) {
        int j = g->group[m];
        double delta = p->dfree[j] ? d[j] / p->sig[j] : 0.0, kj = p->k[j];
        double cjj = G[j + (size_t)j * J] / (p->r[j] * p->s[j]);
        double *z = Zbar + (size_t)m * K, mean = 0;
        for (int l = 0; l < K; ++l) {
            int i = g->group[l];
            z[l] = i != j ? G[i + (size_t)j * J] / (p->r[i] * p->s[j])
                          : (l == m ? cjj + delta - delta / kj : cjj - delta / kj);
            mean += z[l];
        }
        mean /= K; /* the columns sum to 0; remove the rounding */
        for (int l = 0; l < K; ++l)
            z[l] -= mean;
        b[m] = bt[j] / p->r[j];
    }
    double mean = 0;
    for (int m = 0; m < K; ++m)
        mean += b[m];
    for (int m = 0; m < K; ++m)
        b[m] -= mean / K;
}

static int descending(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x > y ? -1 : x < y;
}

/* The K singular values of Zbar D^{1/2}: those of G (svG) and
 * sqrt(n_j) delta_j, k_j - 1 times; values below the rank tolerance are
 * exact zeros. */
static void singular_values(const ncs_problem *p, const double *x, const double *svG, int K,
                            double *sv)
{
    int J = p->J, c = 0;
    memset(sv, 0, (size_t)K * sizeof(double));
    for (int i = 0; J > 1 && i < J; ++i)
        sv[c++] = svG[i];
    for (int j = 0; j < J; ++j)
        if (p->dfree[j])
            for (int t = 0; t < p->k[j] - 1; ++t)
                sv[c++] = ncs_cd(p, x)[j] / sqrt(p->k[j] - 1);
    qsort(sv, (size_t)K, sizeof(double), descending);
    for (int i = 0; i < K; ++i)
        if (!(sv[i] > sv[0] * NCS_RANK_RTOL))
            sv[i] = 0;
}

/* ------------------------------------------------------------ the solve */

nc_status nc_solve_fits(nc_ctx *ctx, int K)
{
    /* about 40 K x K matrices: solver, first- and second-order phases, outputs */
    double need = 40.0 * K * (double)K * sizeof(double), have = nc_physical_memory();
    if (have > 0 && need > 0.8 * have)
        return nc_fail(ctx, NC_ENOMEM, "tooLarge",
                       "K = %d needs about %.0f GB of memory; this machine has %.0f GB", K,
                       need / 1e9, have / 1e9);
    return NC_OK;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Groups of the route: K (dense), or the number of distinct counts; -1
 * when the count needs memory it cannot get. */
static int route_groups(int K, const double *n, nc_solve_method method)
{
    if (method == NC_SOLVE_DENSE)
        return K;
    double *c = malloc((size_t)K * sizeof(double));
    if (!c)
        return -1;
    memcpy(c, n, (size_t)K * sizeof(double));
    qsort(c, (size_t)K, sizeof(double), by_value);
    int J = 1;
    for (int m = 1; m < K; ++m)
        J += c[m] != c[m - 1];
    free(c);
    return J;
}

nc_status nc_solve_fits_counts(nc_ctx *ctx, int K, const double *n, nc_solve_method method)
{
    int J = route_groups(K, n, method);
    if (J < 0)
        return nc_fail(ctx, NC_ENOMEM, "outOfMemory", "out of memory counting the clusters");
    /* the K x K output, and about 45 J x J arrays for the group level */
    double need = (1.0 * K * (double)K + 45.0 * J * (double)J) * sizeof(double);
    double have = nc_physical_memory();
    if (have > 0 && need > 0.8 * have)
        return nc_fail(ctx, NC_ENOMEM, "tooLarge",
                       "K = %d (%d groups) needs about %.0f GB of memory; this machine has "
                       "%.0f GB",
                       K, J, need / 1e9, have / 1e9);
    return NC_OK;
}

static void fill_info(nc_solve_info *info, const ncs_level_info *li, int J)
{
    info->objective = li->cert.primal;
    info->dual = li->cert.dual;
    info->gap = li->cert.gap > 0 ? li->cert.gap : 0;
    info->kkt = li->cert.kkt;
    info->dist = li->cert.dist;
    info->iterations = li->iterations;
    info->newton_steps = li->newton_steps;
    info->cg_iterations = li->cg;
    info->converged = li->converged;
    info->clusters = J;
}

nc_status nc_solve(nc_ctx *ctx, int K, const double *n, double lZ, double lb,
                   const nc_solve_opts *opts_in, double *Zbar, double *b, double *sv,
                   nc_solve_info *info)
{
    double t_start = nc_now();
    nc_solve_opts o;
    if (opts_in)
        o = *opts_in;
    else
        nc_solve_defaults(&o);
    memset(info, 0, sizeof *info);
    nc_status st;
    if ((st = check_problem(ctx, K, n, lZ, lb)) || (st = check_options(ctx, K, &o)))
        return st;
    if ((st = nc_solve_fits_counts(ctx, K, n, o.method)))
        return st;
    groups g;
    ncs_problem p;
    memset(&p, 0, sizeof p);
    double *x = NULL, *x0 = NULL, *svG = NULL;
    int blas_threads = 0;
    if ((st = find_groups(ctx, K, n, o.method == NC_SOLVE_DENSE, &g)))
        goto done;
    /* below this size every BLAS call is small: one thread is faster */
    blas_threads = g.J < 400 ? nc_blas_threads(1) : 0;
    if ((st = ncs_problem_init(&p, ctx, g.J, g.k, g.n, lZ, lb < LB_MAX ? lb : LB_MAX)))
        goto done;
    if (!(x = nc_alloc(ctx, p.m, sizeof(double))))
        goto done;
    if (o.Zbar0 || o.b0) {
        if (!(x0 = nc_alloc(ctx, p.m, sizeof(double))) ||
            (st = warm_point(&p, &g, K, o.Zbar0, o.b0, x0)))
            goto done;
        if (!o.Zbar0) { /* a bias alone: Zbar from the cold start */
            double *bt = nc_alloc(ctx, (size_t)p.J, sizeof(double));
            if (!bt)
                goto done;
            memcpy(bt, ncs_pb(&p, x0), (size_t)p.J * sizeof(double));
            ncs_cold_start(&p, x0);
            memcpy(ncs_pb(&p, x0), bt, (size_t)p.J * sizeof(double));
            nc_free(ctx, bt);
        }
    }
    ncs_level_opts lo = {o.tol, o.tolx, o.max_iter, o.verbose, x0, 1};
    ncs_level_info li;
    if (!(svG = nc_alloc(ctx, (size_t)p.J, sizeof(double))) ||
        (st = ncs_solve_level(&p, &lo, x, svG, &li)))
        goto done;
    spread_point(&p, &g, K, x, Zbar, b);
    singular_values(&p, x, svG, K, sv);
    fill_info(info, &li, g.J);
    while (info->rank < K && sv[info->rank] > 0)
        ++info->rank;
    if (o.verbose >= 1)
        nc_printf(ctx, "nc_solve: %s on %d %s after %d iterations and %d Newton steps (%d CG): "
                       "objective %.15g, gap %.3e, distance bound %.2e, rank %d\n",
                  info->converged ? "converged" : "stopped", g.J,
                  g.J < K ? "clusters" : "classes", info->iterations, info->newton_steps,
                  info->cg_iterations, info->objective, info->gap, info->dist, info->rank);
done:
    info->time = nc_now() - t_start;
    nc_free(ctx, x);
    nc_free(ctx, x0);
    nc_free(ctx, svG);
    ncs_problem_free(&p);
    groups_free(ctx, &g);
    if (blas_threads > 0)
        nc_blas_threads(blas_threads);
    return st ? st : ctx->status;
}

static void cert_layout(ncs_arena *a, void *obj, const void *arg)
{
    ncs_cert_layout(a, obj, *(const int *)arg);
}

nc_status nc_solve_certify(nc_ctx *ctx, int K, const double *n, double lZ, double lb,
                           const double *Zbar, const double *b, double *objective,
                           double *dual)
{
    nc_status st = check_problem(ctx, K, n, lZ, lb);
    if (st)
        return st;
    ncs_problem p;
    ncs_svd w;
    ncs_cert_ws cw;
    ncs_cert c;
    ncs_svd_arg sa = {K};
    double *x = NULL, *ones = nc_alloc(ctx, (size_t)K, sizeof(double)), *sblock = NULL,
           *cblock = NULL;
    memset(&p, 0, sizeof p);
    if (!ones)
        return ctx->status;
    for (int k = 0; k < K; ++k)
        ones[k] = 1;
    if ((st = ncs_problem_init(&p, ctx, K, ones, n, lZ, lb < LB_MAX ? lb : LB_MAX)) ||
        !(x = nc_calloc(ctx, p.m, sizeof(double))) ||
        (st = ncs_carve(ctx, ncs_svd_layout, &w, &sa, &sblock)) ||
        (st = ncs_carve(ctx, cert_layout, &cw, &K, &cblock)))
        goto done;
    /* the dense point as it is: no projection, no clusters */
    for (int k = 0; k < K; ++k) {
        for (int l = 0; l < K; ++l)
            x[l + (size_t)k * K] = Zbar[l + (size_t)k * K] * p.s[k];
        x[p.JJ + K + k] = b[k];
    }
    if ((st = ncs_certify(&p, x, &w, &cw, 0.0, &c)) == NC_OK) {
        if (objective)
            *objective = c.primal;
        if (dual)
            *dual = c.dual;
    }
done:
    nc_free(ctx, x);
    nc_free(ctx, ones);
    nc_free(ctx, sblock);
    nc_free(ctx, cblock);
    ncs_problem_free(&p);
    return st ? st : ctx->status;
}
