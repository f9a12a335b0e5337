/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Second-order phase: damped Newton-CG on an identified smooth structure
 * (the models are in src/solve_newton_model.c), its line search, and the
 * end of a phase: certificates, and the polish that makes the point, not
 * only the objective, accurate.  Both models certify through the dual of
 * the convex program. */
#include "solve_internal.h"

#include <float.h>
#include <math.h>
#include <string.h>

/* ------------------------------------------------------------- the loop */

/* Largest step along dir that keeps the free d nonnegative (they are
 * positive at the optimum; a linear cost has no curvature to stop them). */
static double step_bound(const ncs_problem *p, const ncs_newton *nw)
{
    double t = 1;
    size_t off = nw->model != NCS_MODEL_FACTORED ? p->JJ : 2 * (size_t)p->J * nw->r;
    for (int j = 0; j < p->J; ++j) {
        double d = nw->x[off + j], dd = nw->dir[off + j];
        if (p->dfree[j] && dd < 0 && -0.9 * d / dd < t)
            t = -0.9 * d / dd;
    }
    return t;
}


double ncs_point_scale(const ncs_problem *p, const double *X)
{
    int J = p->J;
    const double *G = ncs_cG(p, X), *d = ncs_cd(p, X);
    double s = 0;
    for (int j = 0; j < J; ++j)
        for (int i = 0; i < J; ++i) {
            double c = fabs(G[i + (size_t)j * J] / (p->r[i] * p->s[j]));
            if (i == j && p->dfree[j])
                c += fabs(d[j] / p->sig[j]);
            s = c > s ? c : s;
        }
    return s;
}

/* Point bound of the model point x, whose model state (softmax, gradient
 * and, for the full model, the SVD with vectors in nw->svd) is that of x;
 * and its certificate, unless the point misses its distance target (lb > 0)
 * and NEED_GAP is 0: such a point is stepped from anyway, and its objective
 * from the state's singular values is enough to judge the step.  Without a
 * certificate, gap is NaN (every comparison fails) and dual -Inf. */
static nc_status certify_state(const ncs_problem *p, ncs_newton *nw, const double *x,
                               int need_gap, ncs_cert *c)
{
    int J = p->J, r = J - 1;
    ncs_model_point(p, nw, x, nw->X);
    ncs_project(p, nw->X);
    const double *sv = nw->sv;
    if (J > 1 && nw->model != NCS_MODEL_FULL) {
        nc_status st = ncs_svd_run(p->ctx, &nw->svd, nw->X, 1);
        if (st)
            return st;
        r = ncs_rank_of(nw->svd.sv, J);
        sv = nw->svd.sv;
    }
    nc_status st = ncs_point_bound(p, nw->X, &nw->svd, J > 1 ? r : 0, &nw->cw, nw->tmp, c);
    if (st)
        return st;
    if (nc_interrupted(p->ctx))
        return p->ctx->status;
    int hit = c->dist <= nw->tolx * ncs_point_scale(p, nw->X);
    if (p->lb > 0 && !hit && !need_gap) {
        double nuc = 0;
        for (int i = 0; J > 1 && i < J; ++i)
            nuc += sv[i];
        c->primal = ncs_smooth(p, nw->X, &nw->cw.sm, NULL) + p->lZ * nuc;
        c->dual = -INFINITY;
        c->gap = NAN;
        return NC_OK;
    }
    /* the clipped dual costs an SVD with vectors: only for a final point */
    nw->svG_of = x;
    return ncs_certify(p, nw->X, &nw->svd, &nw->cw, hit ? nw->target : INFINITY, c);
}

/* Once the gap is certified the objective is flat to rounding, so a line
 * search can no longer tell better from worse, yet the point may still be
 * far from the optimum at the scale of Zbar; and the gap itself is first
 * order in the KKT residual (through the dual point's feasibility).  Full
 * Newton steps along directions from the current preconditioner are
 * accepted while the point bound (or, without one, the KKT residual)
 * halves; x receives the last accepted point, c its certificate.  On entry
 * nw->dir belongs to x; on return the model state may belong to a rejected
 * trial (*stale). */
static nc_status newton_polish(const ncs_problem *p, ncs_newton *nw, double tol, double target,
                               ncs_cert *c, ncs_newton_result *res)
{
    nc_status st;
    for (int it = 0; it < 3 && !(c->gap <= tol * c->primal && c->dist <= target); ++it) {
        for (size_t i = 0; i < nw->m; ++i)
            nw->xt[i] = nw->x[i] + nw->dir[i];
        double phi, gP;
        ncs_cert ct;
        if ((st = ncs_model_eval(p, nw, nw->xt, &phi)))
            return st;
        if (nc_interrupted(p->ctx)) /* an SVD done, a certificate to come */
            return p->ctx->status;
        if ((st = certify_state(p, nw, nw->xt, 0, &ct)))
            return st;
        /* judged by the point, not by the gap: the dual point built from a
         * better primal point can be worse, and the best dual bound is kept */
        int better = isfinite(c->dist) ? ct.dist <= 0.5 * c->dist : ct.kkt <= 0.5 * c->kkt;
        if (!better || ct.primal > c->primal + 64 * DBL_EPSILON * fabs(c->primal))
            break;
        double *swap = nw->x;
        nw->x = nw->xt;
        nw->xt = swap;
        if (c->dual > ct.dual) {
            ct.dual = c->dual;
            ct.gap = ct.primal - ct.dual;
        }
        *c = ct;
        ++res->steps;
        if (c->gap <= tol * c->primal && c->dist <= target)
            break;
        int it_cg = 0;
        if (nw->model == NCS_MODEL_FACTORED || !nw->use_prec)
            if ((st = ncs_model_prepare(p, nw)))
                return st;
        /* accurate enough to reach the target in one step */
        double forcing = isfinite(c->dist) && c->dist > 0 ? 0.25 * target / c->dist : 1e-3;
        forcing = forcing < 1e-6 ? 1e-6 : (forcing > 0.1 ? 0.1 : forcing);
        if ((st = ncs_model_direction(p, nw, forcing, 30, &it_cg, &gP, NULL)))
            return st;
        res->cg += it_cg;
    }
    if (!(c->gap == c->gap)) { /* the point kept has no certificate yet */
        double kkt = c->kkt, dist = c->dist;
        ncs_model_point(p, nw, nw->x, nw->X);
        ncs_project(p, nw->X);
        if ((st = ncs_certify(p, nw->X, &nw->svd, &nw->cw, nw->target, c)))
            return st;
        nw->svG_of = nw->x;
        c->kkt = kkt;
        c->dist = dist;
    }
    return NC_OK;
}

/* Backtracking along dir from x (objective phi, slope g.dir) with the
 * trial judged by accurate singular values where vectors come from dgesdd;
 * *t = 0 when no step is accepted.  *fresh tells whether the model state
 * belongs to the accepted point. */
static nc_status line_search(const ncs_problem *p, ncs_newton *nw, double phi, double slope,
                             double *t, double *phi_t, int *fresh)
{
    int big = nw->model == NCS_MODEL_FULL && p->J >= NCS_SVD_DC_ORDER;
    double tt = step_bound(p, nw);
    for (int ls = 0; ls < 40; ++ls, tt *= 0.5) {
        if (nc_interrupted(p->ctx))
            return p->ctx->status;
        for (size_t i = 0; i < nw->m; ++i)
            nw->xt[i] = nw->x[i] + tt * nw->dir[i];
        /* the full step is usually taken: evaluate it with the vectors the
         * next step needs; backtracking trials need values only */
        int values_only = big && ls > 0;
        nc_status st = values_only ? ncs_model_value(p, nw, nw->xt, phi_t)
                                   : ncs_model_eval(p, nw, nw->xt, phi_t);
        if (st)
            return st;
        if (*phi_t <= phi + 1e-4 * tt * slope + 8 * DBL_EPSILON * fabs(phi)) {
            *t = tt;
            *fresh = !values_only;
            return NC_OK;
        }
    }
    *t = 0;
    *fresh = 0;
    return NC_OK;
}

/* Close to the optimum (or at the objective's rounding floor): certify the
 * current point (its certificate c may come already computed) and polish it
 * when the gap is met or the floor is reached.  *done when the phase ends
 * (res->ok when the gap target was met). */
/* A full-model point is certified before a new direction is paid for once
 * its KKT residual is below this times sqrt(tol) lZ (measured at J = 1000:
 * residual / lZ = 7e-8 gives a relative gap of 8e-12 with the clipped dual,
 * 3e-12 gives 1e-14). */
#define NCS_CERTIFY_KKT 1e-3

static nc_status try_finish(const ncs_problem *p, ncs_newton *nw, const ncs_newton_opts *o,
                            int floor, int have_cert, ncs_newton_result *res, int *done)
{
    nc_status st;
    /* a certificate of a point whose residual is this large would fail:
     * step first (the polish certifies the stepped point) */
    int hopeless = nw->model != NCS_MODEL_FACTORED &&
                   ncs_norm2(nw->g, nw->m) > NCS_CERTIFY_KKT * sqrt(o->tol) * p->lZ;
    if (!have_cert) {
        if (hopeless && floor) { /* no certificate: NaN compares false */
            res->cert.kkt = res->cert.dist = res->cert.primal = INFINITY;
            res->cert.gap = NAN;
            res->cert.dual = -INFINITY;
            ncs_model_point(p, nw, nw->x, nw->X); /* for the distance target's scale */
        } else if ((st = certify_state(p, nw, nw->x, 0, &res->cert))) {
            return st;
        }
    }
    *done = 0;
    int met = res->cert.gap <= o->tol * res->cert.primal;
    if (met || floor) {
        double target = o->tolx * ncs_point_scale(p, nw->X);
        if ((st = newton_polish(p, nw, o->tol, target, &res->cert, res)))
            return st;
        res->ok = res->cert.gap <= o->tol * res->cert.primal;
        *done = 1; /* polished: further steps cannot be judged */
    }
    if (o->verbose >= 2)
        nc_printf(p->ctx, "  newton: certificate gap %.3e (relative %.2e), kkt %.2e, dist %.2e\n",
                  res->cert.gap, res->cert.gap / res->cert.primal, res->cert.kkt, res->cert.dist);
    return NC_OK;
}


/* What a phase remembers between steps. */
typedef struct {
    double phi, best_phi, gP0, last_t;
    int fresh, stalls, short_steps, last_cg, built;
} phase;

enum { STEP_ON, STEP_END };

/* Certifies the point before paying for a new direction when its KKT
 * residual predicts success: the gap is first order in the residual relative
 * to lZ (through the dual point's feasibility; second order with the
 * clipped dual).  *end when it is the answer. */
static nc_status early_certificate(const ncs_problem *p, ncs_newton *nw,
                                   const ncs_newton_opts *o, const phase *ph,
                                   ncs_newton_result *res, int *have, int *end)
{
    *have = *end = 0;
    if (!(ph->last_t == 1 && nw->model != NCS_MODEL_FACTORED &&
          ncs_norm2(nw->g, nw->m) <= NCS_CERTIFY_KKT * sqrt(o->tol) * p->lZ))
        return NC_OK;
    nc_status st = certify_state(p, nw, nw->x, 0, &res->cert);
    if (st)
        return st;
    *have = 1;
    if (res->cert.gap <= o->tol * res->cert.primal &&
        res->cert.dist <= o->tolx * ncs_point_scale(p, nw->X))
        *end = res->ok = 1;
    return NC_OK;
}

/* The direction of the current point; the preconditioner is rebuilt only
 * when it stops working well or the point moved much (it stays accurate far
 * from where it was built). */
static nc_status direction(const ncs_problem *p, ncs_newton *nw, phase *ph, int *iters)
{
    nc_status st;
    if (!ph->built || ph->last_cg > 5 || ph->last_t < 0.5 || nw->model != NCS_MODEL_FULL ||
        !nw->use_prec) {
        if ((st = ncs_model_prepare(p, nw)))
            return st;
        ph->built = 1;
    }
    double gP;
    if ((st = ncs_model_direction(p, nw, 0.1, 200, iters, &gP, &ph->gP0)))
        return st;
    ph->last_cg = *iters;
    return NC_OK;
}

/* Takes the step of length t (trial in nw->xt) and decides whether the
 * phase goes on: quadratic convergence shows within a few steps. */
static int accept_step(const ncs_problem *p, ncs_newton *nw, const ncs_newton_opts *o,
                       phase *ph, double t, double phi_t, double decrement, int iters,
                       ncs_newton_result *res)
{
    double *swap = nw->x;
    nw->x = nw->xt;
    nw->xt = swap;
    if (nw->model == NCS_MODEL_FACTORED) /* keep A orthogonal to e against rounding */
        ncs_project_cols(p, nw->x, nw->r);
    ph->phi = phi_t;
    ph->last_t = t;
    ++res->steps;
    ph->short_steps = t < 1e-2 ? ph->short_steps + 1 : 0;
    if (o->verbose >= 2)
        nc_printf(p->ctx, "  newton (%s r=%d) %3d: objective %.15g  decrement %.3e  "
                          "step %.3g  cg %d\n",
                  nw->model == NCS_MODEL_FULL ? "full"
                  : nw->model == NCS_MODEL_TANGENT ? "tangent" : "factored",
                  nw->model == NCS_MODEL_FULL ? p->J - 1 : nw->r, res->steps, ph->phi, decrement, t,
                  iters);
    /* far from the quadratic region: back to first order; the tangent model
     * at once (its short steps come from a singular value at the edge of
     * its manifold, and each costs a retraction per trial: measured at
     * K = 8142, lZ N = 10, three of them took 25 s; the factored model's
     * steps from its point do better) */
    if (ph->short_steps >= (nw->model == NCS_MODEL_TANGENT ? 1 : 3))
        return STEP_END;
    if (ph->phi < ph->best_phi - 1e3 * DBL_EPSILON * fabs(ph->phi)) {
        ph->best_phi = ph->phi;
        ph->stalls = 0;
    } else if (++ph->stalls > 5) {
        return STEP_END;
    }
    return STEP_ON;
}

/* One Newton step: evaluate, maybe certify, direction, maybe finish, line
 * search. */
static nc_status newton_step(const ncs_problem *p, ncs_newton *nw, const ncs_newton_opts *o,
                             phase *ph, ncs_newton_result *res, int *outcome)
{
    nc_status st;
    int J = p->J, iters = 0, have = 0, end = 0;
    *outcome = STEP_END;
    if (!ph->fresh && (st = ncs_model_eval(p, nw, nw->x, &ph->phi)))
        return st;
    if (nc_interrupted(p->ctx))
        return p->ctx->status;
    /* the full model's formula needs the J - 1 possible singular values > 0 */
    if (nw->model == NCS_MODEL_FULL && J > 1 && !(nw->sv[J - 2] > nw->sv[0] * 1e-9))
        return NC_OK;
    /* the same for the tangent model's r values (its curvature grows like 1/s) */
    if (nw->model == NCS_MODEL_TANGENT && !(nw->sv[nw->r - 1] > nw->sv[0] * 1e-9))
        return NC_OK;
    if ((st = early_certificate(p, nw, o, ph, res, &have, &end)) || end)
        return st;
    if ((st = direction(p, nw, ph, &iters)))
        return st;
    res->cg += iters;
    double slope = ncs_dot(nw->g, nw->dir, nw->m), decrement = -0.5 * slope;
    if (have || decrement <= fmax(o->tol, 1e3 * DBL_EPSILON) * fabs(ph->phi)) {
        int floor = decrement <= 1e3 * DBL_EPSILON * fabs(ph->phi), done = 0;
        if ((st = try_finish(p, nw, o, floor, have, res, &done)) || done)
            return st;
    }
    if (!(slope < 0))
        return NC_OK; /* no descent direction */
    double t = 0, phi_t = ph->phi;
    if ((st = line_search(p, nw, ph->phi, slope, &t, &phi_t, &ph->fresh)) || t == 0)
        return st;
    *outcome = accept_step(p, nw, o, ph, t, phi_t, decrement, iters, res);
    return NC_OK;
}

/* The singular values of G at the returned, certified point. */
static nc_status final_singular_values(const ncs_problem *p, ncs_newton *nw, const double *X,
                                       ncs_newton_result *res)
{
    res->svG = NULL;
    if (!res->ok)
        return NC_OK;
    if (p->J > 1 && nw->svG_of != nw->x) { /* certified before a rejected trial */
        nc_status st = ncs_svd_run(p->ctx, &nw->svd, X, 0);
        if (st)
            return st;
        memcpy(nw->cw.svG, nw->svd.sv, (size_t)p->J * sizeof(double));
        nw->svG_of = nw->x;
    }
    res->svG = nw->cw.svG;
    return NC_OK;
}

nc_status ncs_newton_run(const ncs_problem *p, ncs_newton *nw, int model, int r, double *X,
                         const ncs_newton_opts *o, ncs_newton_result *res)
{
    nc_status st;
    memset(res, 0, sizeof *res);
    res->cert.gap = res->cert.kkt = res->cert.dist = INFINITY;
    nw->model = model;
    nw->r = r;
    nw->target = o->tol;
    nw->tolx = o->tolx;
    nw->svG_of = NULL;
    nw->verbose = o->verbose;
    if ((st = ncs_model_start(p, nw, X)))
        return st;
    phase ph = {0, INFINITY, 0, 0, 0, 0, 0, 0, 0};
    int outcome = STEP_ON;
    for (int it = 0; it < o->max_steps && outcome == STEP_ON; ++it) {
        if (nc_interrupted(p->ctx))
            return p->ctx->status;
        if ((st = newton_step(p, nw, o, &ph, res, &outcome)))
            return st;
    }
    ncs_model_point(p, nw, nw->x, X);
    ncs_project(p, X);
    return final_singular_values(p, nw, X, res);
}
