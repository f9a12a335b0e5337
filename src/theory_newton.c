/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Newton's method on the chart of the current point (theory_chart.c, or at
 * full rank theory_full.c): preconditioned CG for the step with a forcing
 * term that keeps the convergence quadratic, a backtracking line search
 * along the chart's retraction, exact zeros for singular values that a step
 * takes to zero (the rank falls), and the polish to rounding level.  The
 * strategy around it (which rank, when to stop) is in theory_active.c. */
#include "theory_internal.h"

#include <math.h>
#include <string.h>

/* Preconditioned CG on H dz = -g, stopped when the residual's M^{-1} norm
 * falls by ETA, or at negative curvature (then the last iterate, or the
 * preconditioned gradient at the first step: still a descent direction). */
static void hessvec(th_engine *e, const double *z, double *Hz)
{
    if (e->full)
        th_full_hessvec(e, z, Hz);
    else
        th_chart_hessvec(e, z, Hz);
}

static void precond(th_engine *e, const double *in, double *out)
{
    if (e->full)
        th_full_precond(e, in, out);
    else
        th_chart_precond(e, in, out);
}

static int pcg(nc_ctx *ctx, th_engine *e, int nv, double eta, int max_it)
{
    double *x = e->dz, *r = e->cr, *z = e->cz, *p = e->cp, *q = e->cq;
    for (int i = 0; i < nv; ++i) {
        x[i] = 0;
        r[i] = -e->g[i];
    }
    precond(e, r, z);
    memcpy(p, z, sizeof(double) * (size_t)nv);
    double rz = th_dot(r, z, nv), rz0 = rz;
    int it = 0;
    /* a CG step is four J x J products: seconds at J = 1000, so Ctrl-C is
     * heard here too (the caller sees nc_interrupted) */
    while (it < max_it && rz > 0 && !nc_interrupted(ctx)) {
        hessvec(e, p, q);
        ++it;
        double pq = th_dot(p, q, nv);
        if (!(pq > 0)) {
            if (it == 1)
                memcpy(x, z, sizeof(double) * (size_t)nv);
            break;
        }
        double a = rz / pq;
        for (int i = 0; i < nv; ++i) {
            x[i] += a * p[i];
            r[i] -= a * q[i];
        }
        precond(e, r, z);
        double rzn = th_dot(r, z, nv);
        if (rzn <= eta * eta * rz0)
            break;
        for (int i = 0; i < nv; ++i)
            p[i] = z[i] + (rzn / rz) * p[i];
        rz = rzn;
    }
    e->cg_steps += it;
    return it;
}

#define TH_CG_MAX 500

/* Long solves (J in the hundreds) say where they are every 10 s. */
static void report_progress(nc_ctx *ctx, th_engine *e)
{
    double now = nc_now();
    if (e->t_start == 0)
        e->t_start = e->t_report = now;
    if (now - e->t_report < 10.0)
        return;
    char spent[64];
    nc_format_duration(now - e->t_start, spent, sizeof spent);
    const th_point *pt = &e->pt[e->cur];
    nc_printf(ctx, "%s: J = %d clusters, Newton step %d (%s, rank %d), %d CG steps, %s so far\n",
              ctx->fname, e->p->J, e->newton_steps, pt->mu > 0 ? "smoothed" : "exact", pt->r,
              e->cg_steps, spent);
    e->t_report = now;
}

/* Largest step keeping the active x positive (they are at the optimum). */
static double x_step_limit(const th_engine *e, int nv)
{
    const th_problem *p = e->p;
    const th_point *pt = &e->pt[e->cur];
    const double *dx = e->dz + nv - p->J - p->nxa;
    double amax = 1.0;
    for (int t = 0; t < p->nxa; ++t) {
        double xj = pt->x[p->xa[t]];
        if (dx[t] < 0 && xj + dx[t] < 0.01 * xj)
            amax = fmin(amax, 0.99 * xj / -dx[t]);
    }
    return amax;
}

/* The step along dz at which the first singular value reaches zero in the
 * linear model (s_a + alpha A_aa = 0); INFINITY if none does. */
static double blocking_step(th_engine *e)
{
    const th_point *pt = &e->pt[e->cur];
    double amin = INFINITY;
    th_chart_diagonal(e, e->dz, e->adiag);
    for (int a = 0; a < pt->r; ++a)
        if (e->adiag[a] < 0)
            amin = fmin(amin, pt->s[a] / -e->adiag[a]);
    return amin;
}

/* Backtracking from AMAX along dz; the trial point becomes current and
 * *alpha the step taken.  POLISH: rounding makes the objective useless as a
 * merit function, so the unit step is taken unless it is clearly worse. */
static int line_search(th_engine *e, double amax, double phi, double dec, int polish,
                       double *alpha)
{
    double scale = 1.0 + fabs(phi);
    *alpha = amax;
    for (int bt = 0; bt < 60; ++bt, *alpha *= 0.5) {
        if (th_chart_retract(e, e->dz, *alpha) != 0)
            continue;
        th_point *tr = &e->pt[1 - e->cur];
        double ft = th_point_objective(e, tr);
        if (!isfinite(ft))
            continue;
        if (ft <= phi - 1e-4 * *alpha * dec || (polish && ft <= phi + 1e-13 * scale)) {
            if (th_point_factor(e, tr, tr->mu > 0 ? -1 : tr->r) != 0)
                return -1;
            tr->phi = ft;
            e->cur = 1 - e->cur;
            return 0;
        }
    }
    return -1;
}

/* Whether removing the smallest singular value lowers the objective.  Near
 * the optimum that is the test of the rank: at a positive optimal s_a the
 * objective is stationary in s_a and convex, so removing it costs about
 * h s_a^2 / 2; at s_a -> 0 with ||W|| < 1 it gains lam (1 - omega) s_a.
 * Newton alone only shrinks such a value geometrically (the chart's
 * curvature grows like 1/s_a), so the test saves those steps. */
static int smallest_leaves(th_engine *e, double phi)
{
    const th_problem *p = e->p;
    th_point *pt = &e->pt[e->cur], *tr = &e->pt[1 - e->cur];
    int m = p->m, J = p->J, r = pt->r;
    double sa = pt->s[r - 1];
    memcpy(tr->C, pt->C, sizeof(double) * (size_t)m * J);
    for (int j = 0; j < J; ++j) {
        double v = sa * pt->VT[(r - 1) + (size_t)J * j];
        for (int c = 0; c < m; ++c)
            tr->C[c + (size_t)m * j] -= v * pt->U[c + (size_t)m * (r - 1)];
    }
    memcpy(tr->x, pt->x, sizeof(double) * (size_t)J);
    memcpy(tr->b, pt->b, sizeof(double) * (size_t)J);
    memcpy(tr->s, pt->s, sizeof(double) * (size_t)m);
    tr->s[r - 1] = 0;
    tr->mu = 0;
    tr->r = r - 1;
    return th_point_objective(e, tr) < phi;
}

int th_newton(nc_ctx *ctx, th_engine *e, double tol, int max_it, int allow_drop)
{
    int polish = 0;
    for (int it = 0; it < max_it; ++it) {
        if (nc_interrupted(ctx))
            return -1;
        th_point *pt = &e->pt[e->cur];
        /* before th_chart_prepare: the test evaluates other points; not at a
         * fresh start (from the smoothing, or just after a change of rank),
         * where the point is not yet near the rank's own optimum */
        if (allow_drop && it > 0 && pt->mu == 0 && pt->r > 0 &&
            smallest_leaves(e, th_point_objective(e, pt))) {
            th_point_truncate(e, pt, pt->r - 1);
            return 2;
        }
        double phi = th_chart_prepare(e), scale = 1.0 + fabs(phi);
        int nv = th_chart_dim(e->p, pt->r);
        precond(e, e->g, e->cr);
        double gm = th_dot(e->g, e->cr, nv), delta = gm / scale;
        /* converged to rounding: no need for the costly last CG solve */
        if (tol == 0 && polish && delta < 1e-27)
            return 0;
        /* forcing: the error is about sqrt(delta), so a residual of that
         * order keeps the convergence quadratic, and one of 1e-15 / sqrt(delta)
         * is all the last step needs; at most 0.1, since a Newton step costs
         * an SVD, as much as a few CG steps */
        double eta = fmin(0.1, fmax(sqrt(delta), fmin(1e-4, 1e-15 / sqrt(delta))));
        /* a step's CG is capped: far from the optimum (a direction just
         * brought in, far from its value) the systems are ill-conditioned,
         * and a truncated CG iterate is still a descent direction */
        pcg(ctx, e, nv, eta, nv < TH_CG_MAX ? nv : TH_CG_MAX);
        if (nc_interrupted(ctx))
            return -1;
        report_progress(ctx, e);

        e->newton_steps++;
        double dec = -th_dot(e->g, e->dz, nv);
        if (!(dec > 0) || dec <= (tol > 0 ? tol : 1e-30) * scale)
            return 0;
        /* quadratic phase: the error is about sqrt(dec), so a step or two
         * more (taken without a merit test: rounding makes the objective
         * flat there) bring it to rounding level */
        if (tol == 0 && dec < 1e-12 * scale)
            ++polish;
        /* a singular value the step takes to zero first: step there, and
         * if that step is accepted whole, it leaves the rank */
        double ablock = allow_drop && pt->mu == 0 ? blocking_step(e) : INFINITY;
        double amax = fmin(x_step_limit(e, nv), fmin(ablock, 1.0)), alpha;
        if (line_search(e, amax, phi, dec, polish, &alpha) != 0)
            return dec < 1e-10 * scale ? 0 : -1; /* as far as rounding allows */
        if (ablock <= 1.0 && alpha == amax) {
            th_point *np = &e->pt[e->cur];
            th_point_truncate(e, np, np->r - 1);
            return 2;
        }
        if (polish >= 4)
            return 0;
    }
    return 1;
}
