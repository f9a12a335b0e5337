/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Certificates of a point of the K x K problem, computed at group level.
 *
 * The gap: the dual point is the softmax P of the point, made feasible
 * (mixed with q 1^T when lb = 0 so that P n = n, then pulled towards I
 * until ||(I - P) D^{1/2}||_op <= lZ N); its dual value bounds the optimum
 * from below (docs/theory.md section 3).  P inherits the block structure, so
 * the operator norm is the larger of the within-group values
 * sqrt(n_j)(1 - qt_j + qo_j/(k_j - 1)) and the norm of a J x J matrix.
 *
 * The point: docs/solver.md derives, from the strong convexity of the cross
 * entropy in the logits (its Hessian diag(p) - p p^T, which changes by at
 * most e^{4 delta} where logits move by at most delta) and of lb |b|^2,
 *   |x - x*|_Q <= rho = |s|_{Q^{-1}},
 * for any subgradient s of the objective at x, where
 *   rho^2 = (N/c) sum_m sum_l s_lm^2 / p_lm + |s_b - sum_m sqrt(n_m) s_m|^2 / (2 lb)
 * (c = e^{-4 delta}), provided the ball of radius 2 rho stays where logits
 * move by less than delta; entrywise bounds on Zbar and b follow. */
#include "solve_internal.h"

#include <float.h>
#include <math.h>
#include <string.h>

void ncs_cert_layout(ncs_arena *a, ncs_cert_ws *w, int J)
{
    ncs_soft_layout(a, &w->sm, J);
    ncs_soft_layout(a, &w->sm2, J);
    w->M = ncs_take(a, ncs_size2(a, (size_t)J, (size_t)J));
    w->vec = ncs_take(a, 3 * (size_t)J);
    w->svG = ncs_take(a, (size_t)J);
}

static double xlogx(double x) { return x > 0 ? x * log(x) : 0.0; }

/* ||G||_*, the singular values kept in svG. */
static double nuclear_norm(const ncs_problem *p, const double *x, ncs_svd *svd, double *svG,
                           nc_status *st)
{
    *st = NC_OK;
    if (p->J == 1) {
        svG[0] = 0;
        return 0.0; /* G is 0: its columns are orthogonal to e, a unit 1-vector */
    }
    if ((*st = ncs_svd_run(p->ctx, svd, ncs_cG(p, x), 0)))
        return 0.0;
    double t = 0;
    for (int i = 0; i < p->J; ++i)
        t += svG[i] = svd->sv[i];
    return t;
}

/* (I - P) n per class of each group. */
static void residual_counts(const ncs_problem *p, const ncs_soft *sm, double *r)
{
    int J = p->J;
    for (int i = 0; i < J; ++i) {
        double t = p->n[i] * sm->offG[i];
        for (int j = 0; j < J; ++j)
            if (j != i)
                t -= p->k[j] * p->n[j] * sm->Q[i + (size_t)j * J] / p->k[i];
        r[i] = t;
    }
}

/* lb = 0: b is free, so the dual needs P n = n; mix with q 1^T, the smallest
 * t in (1 - t) P + t q 1^T that keeps q >= 0 (q constant on groups). */
static void mix_for_free_bias(const ncs_problem *p, ncs_soft *sm, const double *r, double *q)
{
    int J = p->J;
    double t = 0, N = p->N;
    for (int i = 0; i < J; ++i) {
        double m = p->n[i] - r[i];
        if (m > 0 && -r[i] / m > t)
            t = -r[i] / m;
    }
    if (!(t > 0))
        return;
    for (int i = 0; i < J; ++i) {
        q[i] = (r[i] + t * (p->n[i] - r[i])) / (t * N);
        if (q[i] < 0)
            q[i] = 0;
    }
    for (int j = 0; j < J; ++j) {
        double *Q = sm->Q + (size_t)j * J, others = 0;
        for (int i = 0; i < J; ++i)
            if (i != j) {
                Q[i] = (1 - t) * Q[i] + t * p->k[i] * q[i];
                others += p->k[i] * q[i];
            }
        sm->offG[j] = (1 - t) * sm->offG[j] + t * others;
        sm->off[j] = (1 - t) * sm->off[j] + t * (others + (p->k[j] - 1) * q[j]);
        sm->qo[j] = (1 - t) * sm->qo[j] + t * (p->k[j] - 1) * q[j];
        sm->qt[j] = (1 - t) * sm->qt[j] + t * q[j];
        Q[j] = sm->qo[j] + sm->qt[j];
    }
}

/* ||(I - P) D^{1/2}||_op from the block structure. */
static nc_status dual_opnorm(const ncs_problem *p, const ncs_soft *sm, ncs_svd *svd,
                             double *M, double *opn)
{
    int J = p->J;
    double within = 0;
    for (int j = 0; j < J; ++j) {
        double sq = sqrt(p->n[j]);
        for (int i = 0; i < J; ++i)
            M[i + (size_t)j * J] = i == j ? sq * sm->offG[j]
                                          : -sq * sqrt(p->k[j] / p->k[i]) * sm->Q[i + (size_t)j * J];
        if (p->k[j] > 1) {
            double w = sq * (sm->off[j] + sm->qo[j] / (p->k[j] - 1));
            if (w > within)
                within = w;
        }
    }
    nc_status st = ncs_svd_run(p->ctx, svd, M, 0);
    if (st)
        return st;
    *opn = svd->sv[0] > within ? svd->sv[0] : within;
    return NC_OK;
}

/* Entropy of the dual point pulled towards I by theta, weighted per column. */
static double dual_entropy(const ncs_problem *p, const ncs_soft *sm, double theta)
{
    int J = p->J;
    double ent = 0;
    for (int j = 0; j < J; ++j) {
        const double *Q = sm->Q + (size_t)j * J;
        double h = 0, dk = theta * sm->off[j];
        for (int i = 0; i < J; ++i)
            if (i != j) /* mass theta Q_ij spread over k_i classes */
                h -= xlogx(theta * Q[i]) - theta * Q[i] * log(p->k[i]);
        if (p->k[j] > 1)
            h -= xlogx(theta * sm->qo[j]) - theta * sm->qo[j] * log(p->k[j] - 1);
        h -= (1 - dk) * log1p(-dk);
        ent += p->k[j] * p->n[j] / p->N * h;
    }
    return ent;
}

/* Dual value of the point sm, pulled towards I until feasible. */
static nc_status shrink_dual(const ncs_problem *p, ncs_soft *sm, ncs_svd *svd, double *M,
                             double *r, double *dual)
{
    int J = p->J;
    double opn = 0;
    nc_status st = dual_opnorm(p, sm, svd, M, &opn);
    if (st)
        return st;
    opn *= 1 + 1e-14; /* the SVD's own rounding */
    double lN = p->lZ * p->N, theta = opn > lN ? lN / opn : 1.0;
    double d = dual_entropy(p, sm, theta);
    if (p->lb > 0) {
        residual_counts(p, sm, r);
        double r2 = 0;
        for (int i = 0; i < J; ++i)
            r2 += p->k[i] * (theta * r[i]) * (theta * r[i]);
        d -= r2 / (4 * p->lb * p->N * p->N);
    }
    *dual = d;
    return NC_OK;
}

/* The dual point with the singular values of (I - P) D^{1/2} clipped at
 * lZ N instead of all shrunk: near the optimum this moves along the
 * boundary of the feasible set rather than into it, so the dual value loses
 * second order in the primal's KKT residual instead of first order.  The
 * group masses follow from the clipped J x J part and the within-group
 * values; negative masses are repaired by mixing with the shrunk point s
 * (feasible); the result is checked for feasibility like any other. */
static nc_status clip_point(const ncs_problem *p, const ncs_soft *sm, const ncs_soft *s,
                            ncs_svd *svd, double *M, ncs_soft *out, int *ok)
{
    int J = p->J;
    double lN = p->lZ * p->N;
    *ok = 0;
    for (int j = 0; j < J; ++j) {
        double sq = sqrt(p->n[j]);
        for (int i = 0; i < J; ++i)
            M[i + (size_t)j * J] = i == j ? sq * sm->offG[j]
                                          : -sq * sqrt(p->k[j] / p->k[i]) * sm->Q[i + (size_t)j * J];
    }
    nc_status st = ncs_svd_run(p->ctx, svd, M, 1);
    if (st)
        return st;
    for (int l = 0; l < J; ++l) {
        double c = svd->sv[l] > lN ? lN : svd->sv[l];
        for (int i = 0; i < J; ++i)
            svd->u[i + (size_t)l * J] *= c;
    }
    ncs_gemm('N', 'N', J, J, J, 1.0, svd->u, J, svd->vt, J, 0.0, M, J);
    double tau = 0; /* mixing weight towards s that keeps the masses >= 0 */
    for (int j = 0; j < J; ++j) {
        double sq = sqrt(p->n[j]), k = p->k[j];
        for (int i = 0; i < J; ++i)
            if (i != j) {
                double q = -M[i + (size_t)j * J] * sqrt(p->k[i] / k) / sq;
                out->Q[i + (size_t)j * J] = q;
                if (q < 0) {
                    double qs = s->Q[i + (size_t)j * J], t = -q / (qs - q);
                    tau = t > tau ? t : tau;
                }
            }
        out->offG[j] = M[j + (size_t)j * J] / sq;
        /* the within value stays, clipped: a = off + qo/(k - 1) */
        double a = k > 1 ? sm->off[j] + sm->qo[j] / (k - 1) : 0.0;
        if (k > 1 && sq * a > lN)
            a = lN / sq;
        double qo = k > 1 ? (a - out->offG[j]) * (k - 1) / k : 0.0;
        out->qo[j] = qo;
        out->off[j] = out->offG[j] + qo;
        out->qt[j] = 1 - out->off[j];
        out->Q[j + (size_t)j * J] = 1 - out->offG[j];
        double neg[3] = {out->offG[j], qo, out->qt[j]}, pos[3] = {s->offG[j], s->qo[j], s->qt[j]};
        for (int t = 0; t < 3; ++t)
            if (neg[t] < 0) {
                double tt = -neg[t] / (pos[t] - neg[t]);
                tau = tt > tau ? tt : tau;
            }
    }
    if (!(tau < 1))
        return NC_OK;
    if (tau > 0) { /* a convex combination of two points with norm <= lZ N */
        for (size_t i = 0; i < p->JJ; ++i)
            out->Q[i] = (1 - tau) * out->Q[i] + tau * s->Q[i];
        for (int j = 0; j < J; ++j) {
            out->offG[j] = (1 - tau) * out->offG[j] + tau * s->offG[j];
            out->off[j] = (1 - tau) * out->off[j] + tau * s->off[j];
            out->qo[j] = (1 - tau) * out->qo[j] + tau * s->qo[j];
            out->qt[j] = (1 - tau) * out->qt[j] + tau * s->qt[j];
        }
    }
    for (size_t i = 0; i < p->JJ; ++i)
        if (out->Q[i] < 0)
            out->Q[i] = 0; /* rounding of the mixture */
    *ok = 1;
    return NC_OK;
}

nc_status ncs_certify(const ncs_problem *p, const double *x, ncs_svd *svd, ncs_cert_ws *w,
                      double target, ncs_cert *c)
{
    int J = p->J;
    nc_status st;
    double f = ncs_smooth(p, x, &w->sm, NULL), nuc = nuclear_norm(p, x, svd, w->svG, &st);
    if (st)
        return st;
    c->primal = f + p->lZ * nuc;
    double *r = w->vec, *q = w->vec + J;
    if (p->lb == 0) {
        residual_counts(p, &w->sm, r);
        mix_for_free_bias(p, &w->sm, r, q);
    }
    double d = 0;
    if ((st = shrink_dual(p, &w->sm, svd, w->M, r, &d)))
        return st;
    c->dual = d;
    c->gap = c->primal - d;
    if (J < 2 || !(c->gap > target * c->primal))
        return NC_OK;
    /* the shrunk point itself, to repair negative masses of the clipped one */
    ncs_soft *s = &w->sm2;
    double lN = p->lZ * p->N, opn = 0;
    if ((st = dual_opnorm(p, &w->sm, svd, w->M, &opn)))
        return st;
    double theta = opn * (1 + 1e-14) > lN ? lN / (opn * (1 + 1e-14)) : 1.0;
    memcpy(s->Q, w->sm.Q, p->JJ * sizeof(double));
    for (size_t i = 0; i < p->JJ; ++i)
        s->Q[i] *= theta;
    for (int j = 0; j < J; ++j) {
        s->offG[j] = theta * w->sm.offG[j];
        s->off[j] = theta * w->sm.off[j];
        s->qo[j] = theta * w->sm.qo[j];
        s->qt[j] = 1 - s->off[j];
        s->Q[j + (size_t)j * J] = 1 - s->offG[j];
    }
    int ok = 0;
    if ((st = clip_point(p, &w->sm, s, svd, w->M, &w->sm, &ok)) || !ok)
        return st;
    if ((st = shrink_dual(p, &w->sm, svd, w->M, r, &d)))
        return st;
    if (d > c->dual) {
        c->dual = d;
        c->gap = c->primal - d;
    }
    return NC_OK;
}

/* ------------------------------------------------------------ point bound */

/* sG += lZ U_perp Z V_perp^T with Z = -clip(U_perp^T sG V_perp / lZ), the
 * subgradient's free part that makes the residual smallest (rank r < J-1). */
static nc_status perp_part(const ncs_problem *p, const ncs_svd *svd, int r, double *sG)
{
    int J = p->J, m = J - r;
    nc_ctx *ctx = p->ctx;
    size_t mm = (size_t)m * m;
    double *Up = svd->u + (size_t)r * J, *T = nc_alloc(ctx, (size_t)J * m, sizeof(double));
    double *B = nc_alloc(ctx, mm, sizeof(double));
    ncs_svd small;
    double *block = NULL;
    ncs_svd_arg arg = {m};
    if (!T || !B || ncs_carve(ctx, ncs_svd_layout, &small, &arg, &block)) {
        nc_free(ctx, T);
        nc_free(ctx, B);
        return ctx->status;
    }
    /* B = U_perp' sG V_perp / lZ; V_perp' are the rows r.. of vt */
    ncs_gemm('T', 'N', m, J, J, 1.0 / p->lZ, Up, J, sG, J, 0.0, T, m);
    ncs_gemm('N', 'T', m, m, J, 1.0, T, m, svd->vt + r, J, 0.0, B, m);
    nc_status st = ncs_svd_run(ctx, &small, B, 1);
    if (st == NC_OK) {
        /* B - clip(B) = U_B max(S - 1, 0) V_B': the residual's perp block / lZ */
        for (int i = 0; i < m; ++i) {
            double sc = small.sv[i] > 1 ? 1.0 : small.sv[i];
            for (int l = 0; l < m; ++l)
                small.u[l + (size_t)i * m] *= sc;
        }
        ncs_gemm('N', 'N', m, m, m, 1.0, small.u, m, small.vt, m, 0.0, B, m); /* clip(B) */
        ncs_gemm('N', 'N', J, m, m, -p->lZ, Up, J, B, m, 0.0, T, J);
        ncs_gemm('N', 'N', J, J, m, 1.0, T, J, svd->vt + r, J, 1.0, sG, J);
    }
    nc_free(ctx, block);
    nc_free(ctx, T);
    nc_free(ctx, B);
    return st;
}

/* The subgradient residual s at x into grad (G, d, bt parts). */
static nc_status residual(const ncs_problem *p, const double *x, const ncs_svd *svd, int r,
                          ncs_cert_ws *w, double *grad)
{
    int J = p->J;
    ncs_smooth(p, x, &w->sm, grad);
    double *sG = ncs_pG(p, grad);
    if (J > 1 && r > 0) /* + lZ U_r V_r^T */
        ncs_gemm('N', 'N', J, J, r, p->lZ, svd->u, J, svd->vt, J, 1.0, sG, J);
    if (J > 1 && r < J - 1) {
        nc_status st = perp_part(p, svd, r, sG);
        if (st)
            return st;
    }
    /* d of collapsed groups: the residual is 0 by the collapse rule */
    ncs_project(p, grad);
    return NC_OK;
}

/* sum over the classes of the K x K residual entries s_lm^2 / p_lm; Inf when
 * a probability underflowed under a nonzero residual. */
static double weighted_residual(const ncs_problem *p, const ncs_soft *sm, const double *grad)
{
    int J = p->J;
    const double *sG = ncs_cG(p, grad), *sd = ncs_cd(p, grad);
    double T = 0;
    for (int j = 0; j < J; ++j) {
        const double *s = sG + (size_t)j * J, *Q = sm->Q + (size_t)j * J;
        double kj = p->k[j];
        for (int i = 0; i < J; ++i)
            if (i != j && s[i] != 0)
                T += p->k[i] * s[i] * s[i] / Q[i];
        double rho = p->dfree[j] ? sd[j] / sqrt(kj - 1) : 0.0;
        double st = s[j] / kj + rho * (1 - 1 / kj), so = s[j] / kj - rho / kj;
        if (st != 0)
            T += kj * st * st / sm->qt[j];
        if (kj > 1 && so != 0)
            T += kj * (kj - 1) * (kj - 1) * so * so / sm->qo[j];
    }
    return T;
}

/* max over columns of sqrt(N / (n_j p_min p_max)) */
static double column_factor(const ncs_problem *p, const ncs_soft *sm, double *Aj)
{
    int J = p->J;
    double Amax = 0;
    for (int j = 0; j < J; ++j) {
        const double *Q = sm->Q + (size_t)j * J;
        double lo = sm->qt[j], hi = sm->qt[j];
        for (int i = 0; i < J; ++i)
            if (i != j) {
                double v = Q[i] / p->k[i];
                lo = v < lo ? v : lo;
                hi = v > hi ? v : hi;
            }
        if (p->k[j] > 1) {
            double v = sm->qo[j] / (p->k[j] - 1);
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
        Aj[j] = lo > 0 ? sqrt(p->N / (p->n[j] * lo * hi)) : INFINITY;
        if (Aj[j] > Amax)
            Amax = Aj[j];
    }
    return Amax;
}

nc_status ncs_point_bound(const ncs_problem *p, const double *x, ncs_svd *svd, int r,
                          ncs_cert_ws *w, double *grad, ncs_cert *c)
{
    int J = p->J;
    nc_status st = residual(p, x, svd, r, w, grad);
    if (st)
        return st;
    c->kkt = ncs_norm2(grad, p->m);
    c->dist = INFINITY;
    if (!(p->lb > 0) || !isfinite(c->kkt))
        return NC_OK;
    double T1 = weighted_residual(p, &w->sm, grad), Tb = 0;
    const double *sG = ncs_cG(p, grad), *sb = ncs_cb(p, grad);
    for (int i = 0; i < J; ++i) {
        double t = sb[i];
        for (int j = 0; j < J; ++j)
            t -= sG[i + (size_t)j * J] * p->s[j];
        Tb += t * t;
    }
    double rho0 = sqrt(p->N * T1 + Tb / (2 * p->lb)), *Aj = w->vec;
    double Amax = column_factor(p, &w->sm, Aj);
    /* ball condition 4 rho0 A e^{4 delta} <= delta with delta = 8 rho0 A */
    double delta = 8 * rho0 * Amax;
    if (!(isfinite(delta) && exp(4 * delta) <= 2))
        return NC_OK;
    double cc = exp(-4 * delta);
    c->dist = 2 * rho0 * Amax / cc + rho0 / sqrt(2 * p->lb * cc);
    return NC_OK;
}
