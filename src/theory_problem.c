/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The cluster program (see theory_internal.h): coordinates, the loss of the
 * J column types, its gradient and Hessian products, and the bias-only
 * problem that decides Zbar = 0.  Everything here is O(J^2). */
#include "theory_internal.h"

#include <math.h>
#include <string.h>

void th_problem_layout(th_carver *cv, th_problem *p, int J)
{
    size_t n = (size_t)J;
    p->isk = th_carve(cv, n, 1, sizeof(double));
    p->iskn = th_carve(cv, n, 1, sizeof(double));
    p->w = th_carve(cv, n, 1, sizeof(double));
    p->ax = th_carve(cv, n, 1, sizeof(double));
    p->rx = th_carve(cv, n, 1, sizeof(double));
    p->hv = th_carve(cv, n, 1, sizeof(double));
    p->active = th_carve(cv, n, 1, sizeof(int));
    p->xa = th_carve(cv, n, 1, sizeof(int));
}

void th_problem_lambda(th_problem *p, double lZ)
{
    p->lZ = lZ;
    p->lam = lZ * p->N;
    p->nxa = 0;
    for (int j = 0; j < p->J; ++j) {
        /* x_j = 0 iff lam >= sqrt(n_j): at x_j = 0 the loss gradient in x_j is
         * exactly -(k_j - 1) sqrt(n_j), whatever the rest of the point */
        p->active[j] = p->k[j] >= 2 && sqrt(p->n[j]) > p->lam;
        if (p->active[j])
            p->xa[p->nxa++] = j;
    }
}

void th_problem_set(th_problem *p, int J, const int *k, const double *n, double lZ, double lb)
{
    p->J = J;
    p->m = J - 1;
    p->k = k;
    p->n = n;
    p->K = 0;
    p->N = 0;
    for (int j = 0; j < J; ++j) {
        p->K += k[j];
        p->N += k[j] * n[j];
    }
    p->lb = lb;
    p->lbN = lb * p->N;
    /* lb = 0 leaves sum_j k_j b_j free (softmax is shift invariant): fix it
     * at 0 with a penalty on the same scale as the loss's curvature */
    p->rho = lb > 0 ? 0.0 : p->N / ((double)p->K * p->K);
    double norm = 0;
    for (int j = 0; j < J; ++j) {
        p->isk[j] = 1.0 / sqrt((double)k[j]);
        p->iskn[j] = 1.0 / sqrt((double)k[j] * n[j]);
        p->w[j] = k[j] * n[j];
        p->ax[j] = (1.0 - 1.0 / k[j]) / sqrt(n[j]);
        p->rx[j] = -1.0 / (k[j] * sqrt(n[j]));
        norm += k[j];
    }
    /* Householder reflector H = I - tau v v' with H w = -|w| e_1 for
     * w = sqrt(k): its columns 2..J are an orthonormal basis of w-perp */
    norm = sqrt(norm);
    double vv = 0;
    for (int j = 0; j < J; ++j) {
        p->hv[j] = sqrt((double)k[j]) / norm + (j == 0 ? 1.0 : 0.0);
        vv += p->hv[j] * p->hv[j];
    }
    p->htau = 2.0 / vv;
    th_problem_lambda(p, lZ);
}

void th_apply_q(const th_problem *p, const double *C, int cols, double *G)
{
    int J = p->J, m = p->m;
    for (int j = 0; j < cols; ++j) {
        const double *c = C + (size_t)m * j;
        double *g = G + (size_t)J * j, t = 0;
        for (int i = 1; i < J; ++i)
            t += p->hv[i] * c[i - 1];
        t *= p->htau;
        g[0] = -t * p->hv[0];
        for (int i = 1; i < J; ++i)
            g[i] = c[i - 1] - t * p->hv[i];
    }
}

void th_apply_qt(const th_problem *p, const double *G, double *C)
{
    int J = p->J, m = p->m;
    for (int j = 0; j < J; ++j) {
        const double *g = G + (size_t)J * j;
        double *c = C + (size_t)m * j, t = 0;
        for (int i = 0; i < J; ++i)
            t += p->hv[i] * g[i];
        t *= p->htau;
        for (int i = 1; i < J; ++i)
            c[i - 1] = g[i] - t * p->hv[i];
    }
}

/* Loss of column type j from G's column g: its cross-entropy, and in COL the
 * probabilities (q column j holds the other clusters' masses and, at j, the
 * own + rest mass).  1 - p_own is summed from the other classes, never
 * formed by cancellation: it is ~1e-5 in the limit regime. */
static double column_loss(const th_problem *p, int j, const double *g, const double *x,
                          const double *b, th_columns *col)
{
    int J = p->J, kj = p->k[j];
    double cj = p->iskn[j], xj = p->active[j] ? x[j] : 0.0;
    double *q = col->q + (size_t)J * j;
    double ujj = g[j] * p->isk[j] * cj + b[j];
    double own = ujj + p->ax[j] * xj, rest = ujj + p->rx[j] * xj, vmax = own;
    if (kj > 1 && rest > vmax)
        vmax = rest;
    for (int i = 0; i < J; ++i)
        if (i != j) {
            q[i] = g[i] * p->isk[i] * cj + b[i];
            vmax = q[i] > vmax ? q[i] : vmax;
        }
    double eo = exp(own - vmax), er = kj > 1 ? (kj - 1) * exp(rest - vmax) : 0.0, other = 0;
    for (int i = 0; i < J; ++i)
        if (i != j) {
            q[i] = p->k[i] * exp(q[i] - vmax);
            other += q[i];
        }
    double Z = eo + er + other;
    for (int i = 0; i < J; ++i)
        q[i] /= Z;
    double po = eo / Z, pr = er / Z, oth = other / Z;
    q[j] = po + pr;
    col->po[j] = po;
    col->pr[j] = pr;
    col->oth[j] = oth;
    double ax = p->ax[j], rx = p->rx[j];
    col->mxx[j] = po * ax + pr * rx;
    /* variance of d logit/dx_j, every term nonnegative (ax > 0 > rx) */
    col->hxx[j] = po * (pr + oth) * ax * ax + pr * (po + oth) * rx * rx - 2.0 * po * pr * ax * rx;
    return eo > 1e-300 ? log1p((er + other) / eo) : log(Z) + vmax - own;
}

double th_loss(const th_problem *p, const double *C, const double *x, const double *b,
               double *G, double *gC, double *gx, double *gb, th_columns *col, double *gG)
{
    int J = p->J;
    th_apply_q(p, C, J, G);
    double F = 0, sb = 0;
    for (int j = 0; j < J; ++j)
        F += p->w[j] * column_loss(p, j, G + (size_t)J * j, x, b, col);
    for (int j = 0; j < J; ++j) {
        F += p->lbN * p->k[j] * b[j] * b[j];
        sb += p->k[j] * b[j];
    }
    F += p->rho * sb * sb;
    if (!gC)
        return F;
    for (int i = 0; i < J; ++i)
        gb[i] = 2.0 * p->lbN * p->k[i] * b[i] + 2.0 * p->rho * p->k[i] * sb;
    for (int j = 0; j < J; ++j) {
        const double *q = col->q + (size_t)J * j;
        double *gg = gG + (size_t)J * j, wj = p->w[j], cj = p->iskn[j];
        for (int i = 0; i < J; ++i) {
            double gu = i == j ? -wj * col->oth[j] : wj * q[i];
            gb[i] += gu;
            gg[i] = gu * p->isk[i] * cj;
        }
        double off = col->pr[j] + col->oth[j];
        gx[j] = p->k[j] >= 2 ? wj * (-off * p->ax[j] + col->pr[j] * p->rx[j]) : 0.0;
    }
    th_apply_qt(p, gG, gC);
    return F;
}

void th_loss_hess(const th_problem *p, const th_columns *col, const double *dC,
                  const double *dx, const double *db, double *HC, double *Hx, double *Hb,
                  double *dG, double *HG)
{
    int J = p->J;
    th_apply_q(p, dC, J, dG);
    double kdb = 0;
    for (int i = 0; i < J; ++i) {
        kdb += p->k[i] * db[i];
        Hb[i] = 0;
    }
    for (int j = 0; j < J; ++j) {
        const double *q = col->q + (size_t)J * j, *dg = dG + (size_t)J * j;
        double *hg = HG + (size_t)J * j, cj = p->iskn[j], wj = p->w[j];
        double dxj = p->active[j] ? dx[j] : 0.0, mxx = col->mxx[j];
        /* du = d(c + b) of the column; s = q' du + mxx dx; d0 = du_jj - q' du
         * formed as oth du_jj - sum_{i != j} q_i du_i (no cancellation) */
        double qdu = 0, d0 = 0, dujj = dg[j] * p->isk[j] * cj + db[j];
        for (int i = 0; i < J; ++i) {
            hg[i] = i == j ? dujj : dg[i] * p->isk[i] * cj + db[i];
            qdu += q[i] * hg[i];
            if (i != j)
                d0 -= q[i] * hg[i];
        }
        d0 += col->oth[j] * dujj;
        double s = qdu + mxx * dxj;
        for (int i = 0; i < J; ++i) {
            double hu = i == j ? wj * (q[j] * d0 + col->oth[j] * mxx * dxj)
                               : wj * q[i] * (hg[i] - s);
            Hb[i] += hu;
            hg[i] = hu * p->isk[i] * cj;
        }
        Hx[j] = p->active[j] ? wj * (mxx * d0 + col->hxx[j] * dxj) : 0.0;
    }
    for (int i = 0; i < J; ++i)
        Hb[i] += 2.0 * p->lbN * p->k[i] * db[i] + 2.0 * p->rho * p->k[i] * kdb;
    th_apply_qt(p, HG, HC);
}

/* Objective of the bias-only problem (Zbar = 0) and the per-class
 * probabilities prob_j = exp(b_j) / sum_i k_i exp(b_i). */
static double bias_objective(const th_problem *p, const double *b, double *prob)
{
    int J = p->J;
    double bmax = b[0], Z = 0, f = 0;
    for (int j = 1; j < J; ++j)
        bmax = b[j] > bmax ? b[j] : bmax;
    for (int j = 0; j < J; ++j)
        Z += p->k[j] * exp(b[j] - bmax);
    for (int j = 0; j < J; ++j) {
        if (prob)
            prob[j] = exp(b[j] - bmax) / Z;
        f += -p->w[j] * b[j] + p->lbN * p->k[j] * b[j] * b[j];
    }
    return f + p->N * (log(Z) + bmax);
}

/* Newton direction of the bias-only problem into d, by Sherman-Morrison on
 * the Hessian N (diag(k p) - (k p)(k p)') + 2 lbN diag(k); returns the
 * decrement. */
static double bias_step(const th_problem *p, const double *b, const double *prob, double *d)
{
    int J = p->J;
    double num = 0, den = 1.0, dec = 0;
    for (int j = 0; j < J; ++j) {
        double dg = p->k[j] * (p->N * prob[j] + 2.0 * p->lbN), a = p->k[j] * prob[j];
        d[j] = -p->w[j] + p->N * a + 2.0 * p->lbN * p->k[j] * b[j]; /* the gradient */
        num += a * d[j] / dg;
        den -= p->N * a * a / dg;
    }
    double t = p->N * num / den;
    for (int j = 0; j < J; ++j) {
        double dg = p->k[j] * (p->N * prob[j] + 2.0 * p->lbN), a = p->k[j] * prob[j];
        double g = d[j];
        d[j] = -(g + a * t) / dg;
        dec -= g * d[j];
    }
    return dec;
}

void th_bias_only(const th_problem *p, double *b, double *prob, double *work)
{
    int J = p->J;
    if (!(p->lbN > 0)) {
        /* unpenalised: prob = n / N exactly, b = log n up to the shift that
         * makes sum_j k_j b_j = 0 */
        double mean = 0;
        for (int j = 0; j < J; ++j)
            mean += p->k[j] * log(p->n[j]);
        mean /= p->K;
        for (int j = 0; j < J; ++j) {
            b[j] = log(p->n[j]) - mean;
            prob[j] = p->n[j] / p->N;
        }
        return;
    }
    double *d = work, *bt = work + J;
    for (int j = 0; j < J; ++j)
        b[j] = 0;
    double f = bias_objective(p, b, prob);
    int polish = 0;
    for (int it = 0; it < 100 && polish < 3; ++it) {
        double dec = bias_step(p, b, prob, d), alpha = 1.0, ft = f;
        if (!(dec > 1e-32 * (1.0 + fabs(f))))
            break;
        /* quadratic phase: the objective is flat to rounding there, so take
         * the unit steps (a few) without a merit test */
        polish += dec < 1e-14 * (1.0 + fabs(f));
        for (int bt_it = 0; bt_it < 60; ++bt_it, alpha *= 0.5) {
            for (int j = 0; j < J; ++j)
                bt[j] = b[j] + alpha * d[j];
            ft = bias_objective(p, bt, NULL);
            if (polish || ft <= f - 1e-4 * alpha * dec)
                break;
        }
        memcpy(b, bt, sizeof(double) * (size_t)J);
        f = bias_objective(p, b, prob);
    }
}

int th_between_zero_norm(const th_problem *p, const double *prob, double *E, double *work,
                         nc_blas_int lwork, double *out)
{
    int J = p->J;
    for (int j = 0; j < J; ++j)
        for (int i = 0; i < J; ++i)
            E[i + (size_t)J * j] = sqrt(p->n[j]) * ((i == j ? 1.0 : 0.0) -
                                                    sqrt((double)p->k[i] * p->k[j]) * prob[i]);
    nc_blas_int nJ = J, one = 1, info = 0;
    char job = 'N';
    double *sv = work, *w2 = work + J;
    nc_blas_int lw = lwork - J;
    dgesvd_(&job, &job, &nJ, &nJ, E, &nJ, sv, NULL, &one, NULL, &one, w2, &lw, &info, 1, 1);
    *out = sv[0];
    return info == 0 ? 0 : -1;
}
