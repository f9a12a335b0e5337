/* SPDX-License-Identifier: GPL-3.0-or-later */
/* nc_thresholds: the values of lambda_Z at which the optimum changes
 * structure (docs/theory.md section 5).
 *  - collapse of cluster j: lZ >= sqrt(n_j)/N exactly (the x part of the
 *    program is decided by that alone);
 *  - zero: Zbar = 0 iff lZ N >= ||(I - p 1') D^{1/2}||_op with p the
 *    bias-only optimum, which does not depend on lZ: the within-cluster
 *    directions give sqrt(n_j) (clusters of two classes or more), the
 *    between-cluster ones a J x J matrix;
 *  - separation: C = 0 is optimal iff ||grad_C||_op <= lam at the optimum
 *    with C = 0 imposed; that optimum moves with lZ (through x), so the
 *    threshold is a root, found by Brent's method. */
#include "theory_internal.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_roots.h>
#include <math.h>
#include <string.h>

/* h(lZ) = ||grad_C||_op / lam - 1 at the separated optimum. */
typedef struct {
    nc_ctx *ctx;
    th_engine *e;
    int failed;
} sep_data;

static double separation_gap(double lZ, void *data)
{
    sep_data *d = data;
    th_engine *e = d->e;
    th_problem *p = (th_problem *)e->p;
    th_problem_lambda(p, lZ);
    th_initial_point(e);
    th_point *pt = &e->pt[e->cur];
    pt->mu = 0;
    e->pt[1 - e->cur].mu = 0;
    th_point_truncate(e, pt, 0);
    if (th_newton(d->ctx, e, 0.0, 200, 0) < 0)
        d->failed = 1;
    double wn = 0;
    th_certify(e, &wn);
    return wn - 1.0;
}

static nc_status separation(nc_ctx *ctx, th_engine *e, double zero, double *out)
{
    sep_data d = {ctx, e, 0};
    *out = 0;
    if (e->p->m == 0)
        return NC_OK;
    double hi = zero, hhi = separation_gap(hi, &d), lo = hi, hlo = hhi;
    if (hhi > 0) {
        *out = hi; /* rounding at the edge: it cannot lie above zero */
        return d.failed ? NC_ENUMERIC : NC_OK;
    }
    for (int t = 0; t < 80 && hlo <= 0; ++t) {
        hi = lo;
        lo *= 0.5;
        hlo = separation_gap(lo, &d);
        if (nc_interrupted(ctx))
            return NC_EINTERRUPT;
    }
    if (hlo > 0) {
        gsl_function fn = {separation_gap, &d};
        gsl_root_fsolver *solver = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
        if (!solver)
            return nc_fail(ctx, NC_ENOMEM, "outOfMemory", "out of memory");
        gsl_root_fsolver_set(solver, &fn, lo, hi);
        int status = GSL_CONTINUE;
        for (int it = 0; it < 200 && status == GSL_CONTINUE && !nc_interrupted(ctx); ++it) {
            gsl_root_fsolver_iterate(solver);
            lo = gsl_root_fsolver_x_lower(solver);
            hi = gsl_root_fsolver_x_upper(solver);
            status = gsl_root_test_interval(lo, hi, 0.0, 1e-13);
        }
        gsl_root_fsolver_free(solver);
        if (nc_interrupted(ctx))
            return NC_EINTERRUPT;
        /* the upper end: there C = 0 is certified optimal */
        *out = hi;
    }
    if (d.failed)
        return nc_fail(ctx, NC_ENUMERIC, "numeric", "the separated problem did not converge");
    return NC_OK;
}

/* The lZ-dependent forms: two-cluster ratio and majority size, and the
 * oversampling range of each cluster. */
static void minority_forms(const th_problem *p, double lZ, nc_thresholds_result *res)
{
    int J = p->J, mino = 0;
    double N = p->N;
    for (int j = 1; j < J; ++j)
        if (p->n[j] <= p->n[mino])
            mino = j;
    res->minority = mino;
    res->ratio = NAN;
    res->n_major = NAN;
    int haveZ = lZ > 0 && isfinite(lZ);
    if (J == 2 && haveZ) {
        int A = 1 - mino;
        double nB = p->n[mino];
        res->ratio = (1.0 / (lZ * sqrt(nB)) - p->k[mino]) / p->k[A];
        res->n_major = res->ratio * nB;
    }
    if (!res->oversample)
        return;
    for (int j = 0; j < J; ++j) {
        /* sqrt(s n_j) / (N + k_j n_j (s - 1)) = lZ: a quadratic in sqrt(s) */
        double lo = NAN, hi = NAN;
        if (haveZ && p->k[j] >= 2) {
            double kn = p->k[j] * p->n[j], rest = N - kn;
            double disc = p->n[j] - 4.0 * lZ * lZ * kn * rest;
            if (disc > 0) {
                double sq = sqrt(disc), sn = sqrt(p->n[j]);
                double tlo = 2.0 * lZ * rest / (sn + sq), thi = (sn + sq) / (2.0 * lZ * kn);
                lo = tlo * tlo;
                hi = thi * thi;
            }
        }
        res->oversample[j] = lo;
        res->oversample[j + J] = hi;
    }
}

nc_status nc_thresholds(nc_ctx *ctx, int J, const int *k, const double *n, double lb,
                        double lZ, nc_thresholds_result *res)
{
    nc_status st = th_check_clusters(ctx, J, k, n, "N");
    if (st != NC_OK)
        return st;
    if (!(lb >= 0) || !isfinite(lb))
        return nc_fail(ctx, NC_EBADARG, "badLambda",
                       "LAMBDA_B must be a nonnegative finite scalar");
    th_solver s;
    st = th_solver_open(ctx, &s, J, k, n, 1.0, lb, "the cluster problem");
    if (st != NC_OK)
        return st;
    th_problem *p = &s.p;
    for (int j = 0; j < J; ++j)
        res->collapse[j] = k[j] >= 2 ? sqrt(n[j]) / p->N : INFINITY;
    double zero = th_zero_norm(&s.e, s.e.hbf, s.e.hxf);
    if (!(zero >= 0))
        st = nc_fail(ctx, NC_ENUMERIC, "numeric", "the SVD of the zero test failed");
    if (st == NC_OK) {
        res->zero = zero / p->N;
        st = separation(ctx, &s.e, res->zero, &res->separation);
        if (st == NC_ENUMERIC && ctx->status == NC_OK)
            st = nc_fail(ctx, NC_ENUMERIC, "numeric", "the separated problem did not converge");
    }
    if (st == NC_OK)
        minority_forms(p, lZ, res);
    th_solver_close(ctx, &s);
    return st;
}
