/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The cluster-level solver's strategy: the zero test, the rank from a
 * smoothing continuation, Newton (theory_newton.c) at that rank with an
 * active set on it, and the certificate.
 *
 * Why this method.  The program is convex but nonsmooth exactly where the
 * answer is interesting (collapse: x_j = 0; separation and rank drops of the
 * between part).  A proximal or subgradient loop stops near 1e-8 and never
 * gives exact zeros.  Here the structure is identified first, then solved by
 * Newton's method to machine precision, and every answer is certified by the
 * optimality conditions of the convex program:
 *  - the x part needs no search: at x_j = 0 the loss gradient is exactly
 *    -(k_j - 1) sqrt(n_j) whatever the rest, so x_j = 0 iff lam >= sqrt(n_j)
 *    (the collapse threshold); collapsed x_j stay exact zeros;
 *  - the rank of C: a smoothing continuation (the norm replaced by
 *    sum sqrt(s^2 + mu^2) - mu, mu from 10 sqrt(max n) falling by 10 per
 *    level, four levels, each a few loose Newton steps on a smooth strictly
 *    convex problem: globally convergent) separates the singular values that
 *    stay from those that fall with mu;
 *  - at that rank, Newton on the chart of the rank-r matrices with the exact
 *    norm converges quadratically; a singular value that a Newton step
 *    would take through zero, or whose removal lowers the objective, leaves
 *    the rank, and a violated certificate (||W|| > 1 on the directions
 *    outside it) brings the violating directions in, each with the step
 *    that minimises the objective along it.
 * Each Newton step costs one SVD of C and, per CG step, four GEMMs of
 * J x J matrices: nothing of size J^2 x J^2 is ever formed. */
#include "theory_internal.h"

#include <math.h>
#include <string.h>

/* The largest singular value of W = -Gamma_pp / lam (values only). */
static double w_norm(th_engine *e, int r, int vectors)
{
    const th_problem *p = e->p;
    int m = p->m, J = p->J, mw = m - r, nw = J - r;
    if (mw <= 0 || nw <= 0)
        return 0;
    for (int c = 0; c < nw; ++c)
        for (int a = 0; a < mw; ++a)
            e->svdA[a + (size_t)mw * c] = -e->Gam[(r + a) + (size_t)m * (r + c)] / p->lam;
    nc_blas_int M = mw, nJ = nw, info = 0, lw = e->lwork, ld1 = 1;
    char jv = vectors ? 'S' : 'N';
    dgesvd_(&jv, &jv, &M, &nJ, e->svdA, &M, e->wsv, e->T1, vectors ? &M : &ld1, e->T2,
            vectors ? &M : &ld1, e->work, &lw, &info, 1, 1);
    e->svds++;
    return info == 0 ? e->wsv[0] : INFINITY;
}

double th_certify(th_engine *e, double *wnorm)
{
    const th_problem *p = e->p;
    th_chart_prepare(e);
    if (e->full)
        th_chart_gamma(e);
    const th_point *pt = &e->pt[e->cur];
    int J = p->J, m = p->m, r = pt->r;
    double res = 0, lam = p->lam, sb = 0;
    for (int j = 0; j < J; ++j) {
        sb += p->k[j] * pt->b[j];
        res = fmax(res, fabs(e->gb[j]) / p->N);
        if (p->k[j] < 2)
            continue;
        double pen = lam * (p->k[j] - 1);
        if (p->active[j])
            res = fmax(res, pt->x[j] > 0 ? fabs(e->gx[j] + pen) / pen : 1.0);
        else
            res = fmax(res, fmax(0.0, fabs(e->gx[j]) - pen) / pen);
    }
    if (!(p->lbN > 0))
        res = fmax(res, fabs(sb) / (1.0 + p->K));
    for (int c = 0; c < J; ++c)
        for (int a = 0; a < m; ++a) {
            double v = e->Gam[a + (size_t)m * c] / lam;
            if (a < r && c < r)
                res = fmax(res, fabs(v + (a == c ? 1.0 : 0.0)));
            else if (a < r || c < r)
                res = fmax(res, fabs(v));
        }
    *wnorm = w_norm(e, r, 0);
    res = fmax(res, fmax(0.0, *wnorm - 1.0));
    /* fmax drops NaN: a NaN anywhere in the point must fail the certificate */
    if (!isfinite(pt->phi) || !isfinite(res) || !isfinite(*wnorm))
        return INFINITY;
    for (int j = 0; j < J; ++j)
        if (!isfinite(pt->x[j]) || !isfinite(pt->b[j]))
            return INFINITY;
    for (int a = 0; a < m; ++a)
        if (!isfinite(pt->s[a]))
            return INFINITY;
    return res;
}

/* Derivatives in t of the objective along C + t dC at C = base + t dC
 * (dC = u v', u and v orthogonal to C's column and row spaces: the norm
 * grows by exactly t there). */
static void along(th_engine *e, const double *base, double t, double *d1, double *d2)
{
    const th_problem *p = e->p;
    const th_point *pt = &e->pt[e->cur];
    size_t mJ = (size_t)p->m * p->J;
    for (size_t i = 0; i < mJ; ++i)
        e->Xi[i] = base[i] + t * e->svdA[i];
    th_loss(p, e->Xi, pt->x, pt->b, e->G, e->gC, e->gx, e->gb, &e->col, e->HG);
    memset(e->dxf, 0, sizeof(double) * (size_t)p->J);
    th_loss_hess(p, &e->col, e->svdA, e->dxf, e->dxf, e->Y, e->hxf, e->hbf, e->dG, e->HG);
    *d1 = th_dot(e->gC, e->svdA, (int)mJ) + p->lam;
    *d2 = th_dot(e->Y, e->svdA, (int)mJ);
}

/* The minimiser over t >= 0 along dC from C = base (where the slope is
 * lam (1 - omega) < 0): Newton in t, safeguarded by bisection once a
 * bracket is known. */
static double direction_step(th_engine *e, const double *base)
{
    double lo = 0, hi = INFINITY, t = 0, d1, d2, lam = e->p->lam;
    for (int it = 0; it < 60; ++it) {
        along(e, base, t, &d1, &d2);
        if (fabs(d1) <= 1e-10 * lam)
            break;
        if (d1 < 0)
            lo = t;
        else
            hi = t;
        double next = d2 > 0 ? t - d1 / d2 : INFINITY;
        if (!(next > lo && next < hi))
            next = isfinite(hi) ? 0.5 * (lo + hi) : fmax(2.0 * t, sqrt(e->p->N) * 1e-3);
        t = next;
    }
    return t;
}

/* Adds to C every direction on which W's singular value exceeds 1, each
 * with the step minimising the objective along it (taken one after the
 * other: the directions are orthogonal).  Needs th_certify's state
 * (Gamma) at the current point.  Returns the count added. */
static int add_directions(th_engine *e)
{
    const th_problem *p = e->p;
    th_point *pt = &e->pt[e->cur];
    int J = p->J, m = p->m, r = pt->r, mw = m - r, nw = J - r;
    if (w_norm(e, r, 1) <= 1.0)
        return 0;
    double *us = e->cr, *vs = e->cz, *base = e->cq;
    int nadd = 0;
    while (nadd < mw && e->wsv[nadd] > 1.0)
        ++nadd;
    for (int t = 0; t < nadd; ++t) {
        double *u = us + (size_t)m * t, *v = vs + (size_t)J * t;
        for (int a = 0; a < m; ++a) {
            double acc = 0;
            for (int q = 0; q < mw; ++q)
                acc += pt->U[a + (size_t)m * (r + q)] * e->T1[q + (size_t)mw * t];
            u[a] = acc;
        }
        for (int j = 0; j < J; ++j) {
            double acc = 0;
            for (int q = 0; q < nw; ++q)
                acc += pt->VT[(r + q) + (size_t)J * j] * e->T2[t + (size_t)mw * q];
            v[j] = acc;
        }
    }
    for (int t = 0; t < nadd; ++t) {
        const double *u = us + (size_t)m * t, *v = vs + (size_t)J * t;
        for (int j = 0; j < J; ++j)
            for (int a = 0; a < m; ++a)
                e->svdA[a + (size_t)m * j] = u[a] * v[j];
        memcpy(base, pt->C, sizeof(double) * (size_t)m * J);
        double step = direction_step(e, base);
        for (size_t i = 0; i < (size_t)m * J; ++i)
            pt->C[i] = base[i] + step * e->svdA[i];
    }
    if (th_point_factor(e, pt, r + nadd) != 0)
        return -1;
    return nadd;
}

void th_initial_point(th_engine *e)
{
    const th_problem *p = e->p;
    th_point *pt = &e->pt[e->cur];
    int J = p->J;
    /* within-cluster scale as if each cluster stood alone among K classes,
     * between-cluster entries like the balanced ETF's (-delta / K) */
    double dsum = 0;
    for (int j = 0; j < J; ++j) {
        double tau = fmin(p->lam / sqrt(p->n[j]), 0.999);
        double d0 = log(1.0 + p->K * (1.0 / tau - 1.0)) + 0.1;
        pt->x[j] = p->active[j] ? sqrt(p->n[j]) * d0 : 0.0;
        pt->b[j] = 0;
        dsum += d0;
    }
    double g0 = -(dsum / J) / p->K - 0.05;
    for (int j = 0; j < J; ++j)
        for (int i = 0; i < J; ++i) {
            double c = i == j ? -(p->K - p->k[j]) * g0 / p->k[j] : g0;
            e->G[i + (size_t)J * j] = c * sqrt((double)p->k[i] * p->k[j] * p->n[j]);
        }
    th_apply_qt(p, e->G, pt->C);
    pt->mu = 0;
    pt->r = p->m;
}

/* Smoothing continuation from the current point (full chart), LEVELS
 * levels from MU down by 10 each; returns the rank it identifies (the
 * singular values above 10 mu at the last level), or -1. */
static int identify_rank(nc_ctx *ctx, th_engine *e, double mu, int levels)
{
    const th_problem *p = e->p;
    th_point *pt = &e->pt[e->cur];
    if (th_point_factor(e, pt, -1) != 0)
        return -1;
    for (int level = 0; level < levels; ++level, mu *= 0.1) {
        pt = &e->pt[e->cur];
        pt->mu = mu;
        e->pt[1 - e->cur].mu = mu;
        if (th_newton(ctx, e, 1e-4, 50, 0) < 0)
            return -1;
    }
    pt = &e->pt[e->cur];
    int r = 0;
    while (r < p->m && pt->s[r] > 10.0 * pt->mu)
        ++r;
    return r;
}

/* Exact Newton with the active set on the rank, from the current point at
 * rank r, within BUDGET Newton steps.  Returns 0 certified, 1 not (yet),
 * -1 on a failure. */
static int exact_solve(nc_ctx *ctx, th_engine *e, int r, int budget, double *kkt)
{
    th_point *start = &e->pt[e->cur];
    start->mu = 0;
    e->pt[1 - e->cur].mu = 0;
    th_point_truncate(e, start, r);
    double wn = 0;
    int until = e->newton_steps + budget;
    *kkt = INFINITY;
    while (e->newton_steps < until) {
        int rc = th_newton(ctx, e, 0.0, until - e->newton_steps, 1);
        if (nc_interrupted(ctx))
            return -1;
        if (rc == 2)
            continue;
        if (rc < 0)
            return -1;
        /* the certificate on dgesvd's factors (the Newton steps used dgesdd's) */
        th_point *pt = &e->pt[e->cur];
        if (th_point_factor_exact(e, pt, pt->r, 1) != 0)
            return -1;
        *kkt = th_certify(e, &wn);
        if (*kkt <= 1e-9)
            return 0;
        int added = wn > 1.0 ? add_directions(e) : 0;
        if (added < 0)
            return -1;
        if (added == 0)
            return 1;
    }
    return 1;
}

double th_zero_norm(th_engine *e, double *b, double *prob)
{
    const th_problem *p = e->p;
    double op = 0;
    th_bias_only(p, b, prob, e->cr);
    if (p->m > 0 && th_between_zero_norm(p, prob, e->G, e->work, e->lwork, &op) != 0)
        return -1;
    /* within cluster j, (I - p 1') D^{1/2} is sqrt(n_j) on the sum-zero vectors */
    for (int j = 0; j < p->J; ++j)
        if (p->k[j] >= 2)
            op = fmax(op, sqrt(p->n[j]));
    return op;
}

/* Sets the current point to Zbar = 0 when that is optimal (returns 1). */
static int zero_test(th_engine *e)
{
    const th_problem *p = e->p;
    th_point *pt = &e->pt[e->cur];
    double op = th_zero_norm(e, e->hbf, e->hxf);
    if (!(op >= 0) || p->lam < op)
        return op >= 0 ? 0 : -1;
    memcpy(pt->b, e->hbf, sizeof(double) * (size_t)p->J);
    memset(pt->x, 0, sizeof(double) * (size_t)p->J);
    pt->mu = 0;
    th_point_truncate(e, pt, 0);
    return 1;
}

/* Newton steps an exact phase may take before the rank is identified
 * again at a finer smoothing: from a good rank it needs about ten. */
#define TH_EXACT_BUDGET 40

nc_status th_solve(nc_ctx *ctx, th_engine *e, int warm, double *kkt)
{
    const th_problem *p = e->p;
    int z = zero_test(e);
    if (z < 0)
        return nc_fail(ctx, NC_ENUMERIC, "numeric", "the SVD of the zero test failed");
    if (z > 0) {
        double wn;
        *kkt = th_certify(e, &wn);
        return NC_OK;
    }
    if (warm) {
        th_point *pt = &e->pt[e->cur];
        int r = 0;
        if (th_point_factor(e, pt, -1) == 0) {
            while (r < p->m && pt->s[r] > 1e-12 * pt->s[0])
                ++r;
            if (exact_solve(ctx, e, r, TH_EXACT_BUDGET, kkt) == 0)
                return NC_OK;
        }
        if (nc_interrupted(ctx))
            return NC_EINTERRUPT;
    }
    th_initial_point(e);
    double nmax = 0;
    for (int j = 0; j < p->J; ++j)
        nmax = fmax(nmax, p->n[j]);
    /* four levels from 10 sqrt(max n); should the exact phase not settle
     * (a rank misread near a threshold), two more levels, finer, from there */
    double mu = 10.0 * sqrt(nmax);
    int rc = 1;
    for (int attempt = 0; attempt < 3 && rc == 1; ++attempt) {
        int levels = attempt == 0 ? 4 : 1;
        int r = p->m > 0 ? identify_rank(ctx, e, mu, levels) : 0;
        mu *= attempt == 0 ? 1e-4 : 0.1;
        if (nc_interrupted(ctx))
            return NC_EINTERRUPT;
        if (r < 0)
            return nc_fail(ctx, NC_ENUMERIC, "numeric",
                           "the smoothed cluster problem did not converge (a LAPACK SVD failed)");
        rc = exact_solve(ctx, e, r, TH_EXACT_BUDGET, kkt);
    }
    if (rc < 0) {
        if (nc_interrupted(ctx))
            return NC_EINTERRUPT;
        return nc_fail(ctx, NC_ENUMERIC, "numeric", "Newton's method failed on the cluster "
                                                    "problem (rank %d of %d)",
                       e->pt[e->cur].r, p->m);
    }
    return NC_OK; /* certified, or the caller warns with *kkt */
}
