/* SPDX-License-Identifier: GPL-3.0-or-later */
/* nc_limit: the optimum along n_j = rho_j nB, lZ = LN / N (docs/theory.md
 * section 5), one cluster-level solve per nB, each warm-started from the
 * previous answer (x and C scale like sqrt(n), the bias does not). */
#include "theory_internal.h"

#include <math.h>
#include <string.h>

/* Distance of Zbar / ||Zbar||_F from the simplex ETF and the cosines
 * between a column of cluster i and one of cluster j (the second column of
 * the cluster when i = j). */
static void limit_measures(int J, const int *k, int K, const double *Zbar, double *norms,
                           double *distance, double *cos_within, double *cos_between)
{
    double fro = 0;
    for (int c = 0; c < K; ++c) {
        double s = 0;
        for (int q = 0; q < K; ++q)
            s += Zbar[q + (size_t)K * c] * Zbar[q + (size_t)K * c];
        norms[c] = sqrt(s);
        fro += s;
    }
    fro = sqrt(fro);
    if (distance) {
        double d2 = 0, e = 1.0 / sqrt(K - 1.0);
        for (int c = 0; c < K && fro > 0; ++c)
            for (int q = 0; q < K; ++q) {
                double dd = Zbar[q + (size_t)K * c] / fro - ((q == c ? 1.0 : 0.0) - 1.0 / K) * e;
                d2 += dd * dd;
            }
        *distance = fro > 0 ? sqrt(d2) : NAN;
    }
    for (int j = 0, cj0 = 0; j < J; cj0 += k[j], ++j)
        for (int i = 0, ci = 0; i < J; ci += k[i], ++i) {
            int cj = cj0 + (i == j ? 1 : 0);
            double cs = NAN;
            if (!(i == j && k[j] < 2)) {
                double s = 0;
                for (int q = 0; q < K; ++q)
                    s += Zbar[q + (size_t)K * ci] * Zbar[q + (size_t)K * cj];
                double den = norms[ci] * norms[cj];
                cs = den > 0 ? s / den : NAN;
            }
            if (cos_between)
                cos_between[i + (size_t)J * j] = cs;
            if (cos_within && i == j)
                cos_within[j] = cs;
        }
}

/* Scales the current point from nB = prev to nB = next. */
static void rescale_point(th_engine *e, double ratio)
{
    th_point *pt = &e->pt[e->cur];
    const th_problem *p = e->p;
    double sc = sqrt(ratio);
    for (int j = 0; j < p->J; ++j)
        pt->x[j] *= sc;
    for (size_t i = 0; i < (size_t)p->m * p->J; ++i)
        pt->C[i] *= sc;
}

static nc_status check_limit(nc_ctx *ctx, int J, const int *k, const double *rho, double LN,
                             int count, const double *nB)
{
    nc_status st = th_check_clusters(ctx, J, k, rho, "RHO");
    if (st != NC_OK)
        return st;
    if (!(LN > 0) || !isfinite(LN))
        return nc_fail(ctx, NC_EBADARG, "badLambda",
                       "LAMBDA_N (lambda_Z times N) must be a positive finite scalar");
    for (int t = 0; t < count; ++t)
        if (!(nB[t] > 0) || !isfinite(nB[t]))
            return nc_fail(ctx, NC_EBADARG, "badN",
                           "NB must hold positive finite sample counts (nb(%d) = %g)", t + 1,
                           nB[t]);
    return NC_OK;
}

nc_status nc_limit(nc_ctx *ctx, int J, const int *k, const double *rho, double LN, double lb,
                   int count, const double *nB, double *distance, double *cos_within,
                   double *cos_between, double *delta)
{
    nc_status st = check_limit(ctx, J, k, rho, LN, count, nB);
    if (st != NC_OK || count == 0)
        return st;
    int K = 0;
    for (int j = 0; j < J; ++j)
        K += k[j];
    /* outputs of one solve: Zbar, b, norms (K^2 + 2K), the block parameters
     * (J^2 + 5J), the class map (K ints) and the sizes (J) */
    th_carver cv = {0};
    double *Zbar = NULL, *nn = NULL, *alpha = NULL, *beta = NULL, *dl = NULL, *bias = NULL,
           *gamma = NULL, *bvec = NULL, *norms = NULL;
    int *coll = NULL, *cluster = NULL;
    for (int pass = 0; pass < 2; ++pass) {
        Zbar = th_carve(&cv, (size_t)K, (size_t)K, sizeof(double));
        gamma = th_carve(&cv, (size_t)J, (size_t)J, sizeof(double));
        double **vj[] = {&nn, &alpha, &beta, &dl, &bias};
        for (size_t i = 0; i < sizeof vj / sizeof *vj; ++i)
            *vj[i] = th_carve(&cv, (size_t)J, 1, sizeof(double));
        bvec = th_carve(&cv, (size_t)K, 1, sizeof(double));
        norms = th_carve(&cv, (size_t)K, 1, sizeof(double));
        coll = th_carve(&cv, (size_t)J, 1, sizeof(int));
        cluster = th_carve(&cv, (size_t)K, 1, sizeof(int));
        if (pass == 0 && (st = th_carve_alloc(ctx, &cv, "nc_limit's outputs")) != NC_OK)
            return st;
    }
    void *block = cv.base;
    for (int j = 0, c = 0; j < J; ++j) {
        nn[j] = rho[j] * nB[0];
        for (int t = 0; t < k[j]; ++t)
            cluster[c++] = j;
    }
    th_solver s;
    st = th_solver_open(ctx, &s, J, k, nn, 1.0, lb, "the cluster problem");
    if (st != NC_OK) {
        nc_free(ctx, block);
        return st;
    }
    double t0 = nc_now(), last = t0;
    for (int t = 0; t < count && st == NC_OK; ++t) {
        double N = 0;
        for (int j = 0; j < J; ++j) {
            nn[j] = rho[j] * nB[t];
            N += k[j] * nn[j];
        }
        th_problem_set(&s.p, J, k, nn, LN / N, lb);
        if (t > 0)
            rescale_point(&s.e, nB[t] / nB[t - 1]);
        double kkt = INFINITY;
        st = th_solve(ctx, &s.e, t > 0, &kkt);
        if (st != NC_OK)
            break;
        nc_theory_result r = {.alpha = alpha, .beta = beta, .delta = dl, .gamma = gamma,
                              .bias = bias, .collapsed = coll, .Zbar = Zbar, .b = bvec};
        th_fill_result(&s, cluster, kkt, &r);
        limit_measures(J, k, K, Zbar, norms, distance ? distance + t : NULL,
                       cos_within ? cos_within + (size_t)J * t : NULL,
                       cos_between ? cos_between + (size_t)J * J * t : NULL);
        if (delta)
            memcpy(delta + (size_t)J * t, dl, sizeof(double) * (size_t)J);
        double now = nc_now();
        if (count > 1 && now - last > 2.0) {
            char left[64];
            nc_format_duration((now - t0) / (t + 1) * (count - t - 1), left, sizeof left);
            nc_printf(ctx, "nc_limit: %d of %d done, about %s left\n", t + 1, count, left);
            last = now;
        }
        if (nc_interrupted(ctx))
            st = NC_EINTERRUPT;
    }
    th_solver_close(ctx, &s);
    nc_free(ctx, block);
    return st;
}
