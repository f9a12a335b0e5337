/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Newton systems at full rank (r = J - 1, and every smoothed level) in the
 * coordinates of C itself rather than of its SVD.
 *
 * Why.  The loss Hessian is block diagonal in the columns of G = Q C (one
 * block per column type, a diagonal minus a rank-one term), the norm's
 * Hessian is diagonal in the SVD basis.  The chart preconditioner keeps the
 * norm exactly and the loss by its diagonal in the SVD basis; on the
 * symmetric part of A, where the norm has no curvature, that diagonal misses
 * the loss's couplings and leaves about 2J outlying eigenvalues, so the CG
 * count grows with J.  Here the loss is kept exactly, column by column (a
 * bordered diagonal-plus-rank-one solve per column, the border being the
 * zero column sums w' G = 0), and the norm by its diagonal in G's basis: at
 * J = 60, 46 CG steps instead of 112 for a 1e-8 residual, the ratio growing
 * with J.  Both Hessian products cost the same four GEMMs.  The norm's
 * diagonal in G's basis stands for it only while the singular values are
 * of one order (spread_ok in theory_chart.c); the rank-r charts with
 * r < J - 1, and full rank with a singular value about to vanish or just
 * brought in, keep the chart preconditioner (theory_precond.c). */
#include "theory_internal.h"

#include <math.h>
#include <string.h>

void th_full_layout(th_carver *cv, th_engine *e, int Jc)
{
    size_t J = (size_t)Jc;
    e->ddinv = th_carve(cv, J, J, sizeof(double));
    e->sq = th_carve(cv, J, J, sizeof(double));
    e->zw = th_carve(cv, J, J, sizeof(double));
    e->beta = th_carve(cv, J, 1, sizeof(double));
    e->wzw = th_carve(cv, J, 1, sizeof(double));
    e->wunit = th_carve(cv, J, 1, sizeof(double));
    e->xsc = th_carve(cv, J, J, sizeof(double));
    e->xschur = th_carve(cv, J, 1, sizeof(double));
}

/* The norm's Hessian diagonal in G's standard basis (cross terms between
 * the pairs (a, b), (b, a) dropped): sum_ab c_ab (Q U)_ia^2 V_jb^2 with c the
 * diagonal of the norm's Hessian in the SVD basis; into e->dG (J x J). */
static void norm_diagonal(th_engine *e, const th_point *pt)
{
    const th_problem *p = e->p;
    int J = p->J, m = p->m;
    double *c = e->Dg, *Y2 = e->T1, *V2 = e->HG;
    for (int b = 0; b < m; ++b)
        for (int a = 0; a < m; ++a) {
            size_t i = a + (size_t)m * b;
            c[i] = a == b ? e->cs[i] : 0.5 * (e->cs[i] + e->ca[i]);
        }
    for (int b = m; b < J; ++b)
        for (int a = 0; a < m; ++a)
            c[a + (size_t)m * b] = e->cb[a];
    th_apply_q(p, pt->U, m, e->Y);
    for (size_t i = 0; i < (size_t)J * m; ++i)
        Y2[i] = e->Y[i] * e->Y[i];
    for (size_t i = 0; i < (size_t)J * J; ++i)
        V2[i] = pt->VT[i] * pt->VT[i];
    th_gemm('N', 'N', m, J, J, 1.0, c, m, V2, J, 0.0, e->T2, m);
    th_gemm('N', 'N', J, J, m, 1.0, Y2, J, e->T2, m, 0.0, e->dG, J);
}

/* Per column j, A_j = diag(dd) - s s' with dd = q_.j / k + the norm's
 * diagonal and s = q_.j / sqrt(k): its inverse applied to y by
 * Sherman-Morrison (A_j is positive definite: the loss part is a covariance,
 * the norm's diagonal positive). */
static void column_solve(const th_engine *e, int j, const double *y, double *z)
{
    int J = e->p->J;
    const double *di = e->ddinv + (size_t)J * j, *s = e->sq + (size_t)J * j;
    double t = 0;
    for (int i = 0; i < J; ++i)
        t += s[i] * di[i] * y[i];
    t *= e->beta[j];
    for (int i = 0; i < J; ++i)
        z[i] = di[i] * (y[i] + s[i] * t);
}

/* The solve of column j's block under the zero column sum: z = A^{-1}
 * (y + mu w) with w'z = 0. */
static void constrained_solve(const th_engine *e, int j, const double *y, double *z)
{
    int J = e->p->J;
    double wz = 0;
    column_solve(e, j, y, z);
    for (int i = 0; i < J; ++i)
        wz += e->wunit[i] * z[i];
    double mu = -wz / e->wzw[j];
    for (int i = 0; i < J; ++i)
        z[i] += mu * e->zw[i + (size_t)J * j];
}

/* The loss Hessian between x_j and column j of G: x_j moves the own and
 * the rest logits of the column apart, so it couples to every logit. */
static void x_cross(const th_engine *e, int j, double *c)
{
    const th_problem *p = e->p;
    int J = p->J;
    const double *q = e->col.q + (size_t)J * j;
    double f = p->w[j] * e->col.mxx[j] * p->iskn[j];
    for (int i = 0; i < J; ++i)
        c[i] = f * p->isk[i] * (i == j ? e->col.oth[j] : -q[i]);
}

/* With x_j free, column j's block is bordered by x_j: kept exactly by the
 * Schur complement h - c' S c, S the constrained solve. */
static void x_prepare(th_engine *e)
{
    const th_problem *p = e->p;
    int J = p->J;
    for (int t = 0; t < p->nxa; ++t) {
        int j = p->xa[t];
        double *sc = e->xsc + (size_t)J * j, *c = e->hxf, cs = 0;
        x_cross(e, j, c);
        constrained_solve(e, j, c, sc);
        for (int i = 0; i < J; ++i)
            cs += c[i] * sc[i];
        double h = p->w[j] * e->col.hxx[j], schur = h - cs;
        e->xschur[j] = schur > 1e-12 * h ? schur : 0.0; /* 0: x_j by its diagonal */
    }
}

void th_full_prepare(th_engine *e, const th_point *pt)
{
    const th_problem *p = e->p;
    int J = p->J;
    norm_diagonal(e, pt);
    double wn = 0;
    for (int i = 0; i < J; ++i)
        wn += p->k[i];
    for (int i = 0; i < J; ++i)
        e->wunit[i] = sqrt(p->k[i] / wn);
    for (int j = 0; j < J; ++j) {
        const double *q = e->col.q + (size_t)J * j, *nd = e->dG + (size_t)J * j;
        double *di = e->ddinv + (size_t)J * j, *s = e->sq + (size_t)J * j, ss = 0;
        double dmax = 0;
        for (int i = 0; i < J; ++i)
            dmax = fmax(dmax, q[i] * p->isk[i] * p->isk[i] + nd[i]);
        for (int i = 0; i < J; ++i) {
            double dd = fmax(q[i] * p->isk[i] * p->isk[i] + nd[i], 1e-13 * dmax);
            di[i] = 1.0 / dd;
            s[i] = q[i] * p->isk[i];
            ss += s[i] * s[i] * di[i];
        }
        e->beta[j] = 1.0 / fmax(1.0 - ss, 1e-12);
        column_solve(e, j, e->wunit, e->zw + (size_t)J * j);
        double wz = 0;
        for (int i = 0; i < J; ++i)
            wz += e->wunit[i] * e->zw[i + (size_t)J * j];
        e->wzw[j] = wz;
    }
    x_prepare(e);
}

void th_full_precond(th_engine *e, const double *in, double *out)
{
    const th_problem *p = e->p;
    int J = p->J, m = p->m;
    size_t mJ = (size_t)m * J;
    double *G = e->G, *z = e->dxf, *c = e->hxf;
    th_apply_q(p, in, J, G);
    for (int j = 0; j < J; ++j) {
        double *y = G + (size_t)J * j;
        constrained_solve(e, j, y, z);
        memcpy(y, z, sizeof(double) * (size_t)J);
    }
    for (int t = 0; t < p->nxa; ++t) {
        int j = p->xa[t];
        double rx = in[mJ + t];
        if (!(e->xschur[j] > 0)) {
            out[mJ + t] = rx / e->dxx[j];
            continue;
        }
        /* [[A, c], [c', h]] (z; xi) = (y; rx): xi = (rx - c' S y) / schur,
         * z = S y - S c xi */
        double *y = G + (size_t)J * j, *sc = e->xsc + (size_t)J * j, cy = 0;
        x_cross(e, j, c);
        for (int i = 0; i < J; ++i)
            cy += c[i] * y[i];
        double xi = (rx - cy) / e->xschur[j];
        for (int i = 0; i < J; ++i)
            y[i] -= sc[i] * xi;
        out[mJ + t] = xi;
    }
    th_apply_qt(p, G, out);
    for (int j = 0; j < J; ++j)
        out[mJ + p->nxa + j] = in[mJ + p->nxa + j] / e->dbb[j];
}

void th_full_hessvec(th_engine *e, const double *z, double *Hz)
{
    const th_problem *p = e->p;
    const th_point *pt = &e->pt[e->cur];
    int J = p->J, m = p->m;
    size_t mJ = (size_t)m * J;
    const double *dxa = z + mJ, *db = dxa + p->nxa;
    memset(e->dxf, 0, sizeof(double) * (size_t)J);
    for (int t = 0; t < p->nxa; ++t)
        e->dxf[p->xa[t]] = dxa[t];
    th_loss_hess(p, &e->col, z, e->dxf, db, Hz, e->hxf, e->hbf, e->dG, e->HG);
    /* the norm: U N(U' dC V) V' */
    double *X = e->Xi, *Y = e->svdA;
    th_gemm('T', 'N', m, J, m, 1.0, pt->U, m, z, m, 0.0, e->T2, m);
    th_gemm('N', 'T', m, J, J, 1.0, e->T2, m, pt->VT, J, 0.0, X, m);
    for (int b = 0; b < J; ++b)
        for (int a = 0; a < m; ++a) {
            size_t i = a + (size_t)m * b;
            if (b >= m)
                Y[i] = e->cb[a] * X[i];
            else if (a == b)
                Y[i] = e->cs[i] * X[i];
            else {
                double ab = X[i], ba = X[b + (size_t)m * a];
                Y[i] = e->cs[i] * 0.5 * (ab + ba) + e->ca[i] * 0.5 * (ab - ba);
            }
        }
    th_gemm('N', 'N', m, J, m, 1.0, pt->U, m, Y, m, 0.0, e->T2, m);
    th_gemm('N', 'N', m, J, J, 1.0, e->T2, m, pt->VT, J, 0.0, X, m);
    for (size_t i = 0; i < mJ; ++i)
        Hz[i] += X[i];
    for (int t = 0; t < p->nxa; ++t)
        Hz[mJ + t] = e->hxf[p->xa[t]];
    for (int j = 0; j < J; ++j)
        Hz[mJ + p->nxa + j] = e->hbf[j];
}
