/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The SVD chart of the rank-r matrices C ((J-1) x J), in which the nuclear
 * norm is smooth, so that Newton's method converges quadratically to an
 * optimum of any rank (see theory_internal.h for the chart itself).
 *
 * Second-order model.  At C = U diag(s) V' with Gamma = U' grad_C(loss) V:
 *  - the gradient in (A, B, D) is (Gamma_rr + lam I, Gamma_rp, Gamma_pr);
 *  - the norm contributes, in the chart, lam [(A_ab - A_ba)^2 / (2 (s_a + s_b))
 *    summed over a < b, + sum_a (|B_a.|^2 + |D_.a|^2) / (2 s_a)], the
 *    classical second-order expansion of ||.||_* at a full-rank core;
 *  - the loss contributes its Hessian along U [[A, B], [D, 0]] V' and, from
 *    the chart's curvature (the block D (s + A)^{-1} B), the term
 *    <Gamma_pp, D diag(1/s) B>: at the optimum Gamma_pp = -lam W with
 *    ||W|| <= 1, which keeps the model convex iff the optimum is strictly
 *    complementary.
 * The smoothed norm sum_a sqrt(s_a^2 + mu^2) - mu is a spectral function:
 * its Hessian on A is, pair by pair, (phi'_a - phi'_b)/(s_a - s_b) on the
 * symmetric part and (phi'_a + phi'_b)/(s_a + s_b) on the antisymmetric part,
 * phi'' on the diagonal and phi'_a / s_a on B.
 *
 * Preconditioner: the norm's part exactly (2 x 2 blocks on A, diagonal on
 * B, D), the loss Hessian by its diagonal in the SVD basis (three GEMMs per
 * Newton step), x and b by their diagonals. */
#include "theory_internal.h"

#include <math.h>
#include <string.h>

static void gemm(char ta, char tb, int m, int n, int k, double alpha, const double *a, int lda,
                 const double *b, int ldb, double beta, double *c, int ldc)
{
    if (m == 0 || n == 0)
        return;
    if (k == 0) {
        for (int j = 0; j < n; ++j)
            for (int i = 0; i < m; ++i)
                c[i + (size_t)ldc * j] = beta == 0 ? 0.0 : beta * c[i + (size_t)ldc * j];
        return;
    }
    nc_gemm(ta, tb, m, n, k, alpha, a, lda > 0 ? lda : 1, b, ldb > 0 ? ldb : 1, beta, c,
            ldc > 0 ? ldc : 1);
}

nc_blas_int th_engine_lwork(int J)
{
    nc_blas_int m = J - 1, nJ = J, info = 0, query = -1, ld = m > 0 ? m : 1;
    double opt = 0, dummy = 0;
    char job = 'A';
    nc_blas_int need = 5 * (nc_blas_int)J + 64;
    if (m > 0) {
        dgesvd_(&job, &job, &m, &nJ, &dummy, &ld, &dummy, &dummy, &ld, &dummy, &nJ, &opt,
                &query, &info, 1, 1);
        if (info == 0 && opt > need)
            need = (nc_blas_int)opt;
    }
    /* the J x J values-only SVD of the zero test needs J more for its values */
    return need + 2 * (nc_blas_int)J;
}

static void point_layout(th_carver *cv, th_point *pt, size_t J, size_t m)
{
    pt->U = th_carve(cv, m, m, sizeof(double));
    pt->VT = th_carve(cv, J, J, sizeof(double));
    pt->s = th_carve(cv, m + 1, 1, sizeof(double));
    pt->C = th_carve(cv, m, J, sizeof(double));
    pt->x = th_carve(cv, J, 1, sizeof(double));
    pt->b = th_carve(cv, J, 1, sizeof(double));
}

void th_engine_layout(th_carver *cv, th_engine *e, int Jc)
{
    size_t J = (size_t)Jc, m = J - 1, nv = m * J + 2 * J;
    e->nvmax = (int)nv;
    e->col.q = th_carve(cv, J, J, sizeof(double));
    e->col.oth = th_carve(cv, J, 1, sizeof(double));
    e->col.po = th_carve(cv, J, 1, sizeof(double));
    e->col.pr = th_carve(cv, J, 1, sizeof(double));
    e->col.mxx = th_carve(cv, J, 1, sizeof(double));
    e->col.hxx = th_carve(cv, J, 1, sizeof(double));
    e->G = th_carve(cv, J, J, sizeof(double));
    e->dG = th_carve(cv, J, J, sizeof(double));
    e->HG = th_carve(cv, J, J, sizeof(double));
    double **mj[] = {&e->gC, &e->Gam, &e->T1, &e->T2, &e->Xi, &e->svdA, &e->Y, &e->Dg};
    for (size_t i = 0; i < sizeof mj / sizeof *mj; ++i)
        *mj[i] = th_carve(cv, m + 1, J, sizeof(double));
    e->ca = th_carve(cv, m, m, sizeof(double));
    e->cs = th_carve(cv, m, m, sizeof(double));
    e->cb = th_carve(cv, m + 1, 1, sizeof(double));
    double **vj[] = {&e->dxx, &e->dbb, &e->gx, &e->gb, &e->dxf, &e->hxf, &e->hbf};
    for (size_t i = 0; i < sizeof vj / sizeof *vj; ++i)
        *vj[i] = th_carve(cv, J, 1, sizeof(double));
    e->work = th_carve(cv, (size_t)e->lwork, 1, sizeof(double));
    e->ipiv = th_carve(cv, m + 1, 1, sizeof(nc_blas_int));
    double **vz[] = {&e->g, &e->dz, &e->cr, &e->cz, &e->cp, &e->cq};
    for (size_t i = 0; i < sizeof vz / sizeof *vz; ++i)
        *vz[i] = th_carve(cv, nv, 1, sizeof(double));
    point_layout(cv, &e->pt[0], J, m);
    point_layout(cv, &e->pt[1], J, m);
    e->wsv = th_carve(cv, m + 1, 1, sizeof(double));
}

int th_chart_dim(const th_problem *p, int r)
{
    return r * (p->m + p->J - r) + p->nxa + p->J;
}

int th_point_factor(th_engine *e, th_point *pt, int r)
{
    const th_problem *p = e->p;
    int m = p->m, J = p->J;
    if (m == 0) {
        pt->r = 0;
        return 0;
    }
    memcpy(e->svdA, pt->C, sizeof(double) * (size_t)m * J);
    nc_blas_int M = m, nJ = J, info = 0, lw = e->lwork;
    char job = 'A';
    dgesvd_(&job, &job, &M, &nJ, e->svdA, &M, pt->s, pt->U, &M, pt->VT, &nJ, e->work, &lw, &info,
            1, 1);
    e->svds++;
    if (info != 0)
        return -1;
    if (r >= 0)
        th_point_truncate(e, pt, r);
    else
        pt->r = m;
    return 0;
}

void th_point_truncate(th_engine *e, th_point *pt, int r)
{
    int m = e->p->m, J = e->p->J;
    pt->r = r;
    for (int a = r; a < m; ++a)
        pt->s[a] = 0;
    if (r == 0) {
        /* C = 0: any orthonormal basis is a chart; the identity saves the
         * basis changes (and leaves Gamma = the gradient itself) */
        memset(pt->U, 0, sizeof(double) * (size_t)m * m);
        memset(pt->VT, 0, sizeof(double) * (size_t)J * J);
        for (int a = 0; a < m; ++a)
            pt->U[a + (size_t)m * a] = 1.0;
        for (int j = 0; j < J; ++j)
            pt->VT[j + (size_t)J * j] = 1.0;
        memset(pt->C, 0, sizeof(double) * (size_t)m * J);
        return;
    }
    /* C = U_r diag(s_r) V_r': exactly rank r */
    for (int a = 0; a < r; ++a)
        for (int c = 0; c < m; ++c)
            e->T1[c + (size_t)m * a] = pt->U[c + (size_t)m * a] * pt->s[a];
    gemm('N', 'N', m, J, r, 1.0, e->T1, m, pt->VT, J, 0.0, pt->C, m);
}

double th_point_objective(th_engine *e, th_point *pt)
{
    const th_problem *p = e->p;
    double F = th_loss(p, pt->C, pt->x, pt->b, e->G, NULL, NULL, NULL, &e->col, NULL);
    double pen = 0;
    for (int t = 0; t < p->nxa; ++t)
        pen += (p->k[p->xa[t]] - 1) * pt->x[p->xa[t]];
    for (int a = 0; a < p->m; ++a)
        pen += pt->mu > 0 ? hypot(pt->s[a], pt->mu) - pt->mu : pt->s[a];
    return F + p->lam * pen;
}

/* The norm's Hessian coefficients in the chart at the singular values s. */
static void norm_coefficients(th_engine *e, const th_point *pt)
{
    int r = pt->r, m = e->p->m;
    double lam = e->p->lam, mu = pt->mu;
    for (int b = 0; b < r; ++b)
        for (int a = 0; a < r; ++a) {
            double sa = pt->s[a], sb = pt->s[b], ca, cs;
            if (mu == 0) {
                ca = 2.0 / (sa + sb);
                cs = 0;
            } else {
                double ta = hypot(sa, mu), tb = hypot(sb, mu), den = sa * tb + sb * ta;
                if (sa + sb > 0) {
                    ca = den / (ta * tb * (sa + sb));
                    cs = a == b ? mu * mu / (ta * ta * ta)
                                : mu * mu / (ta * tb) * ((sa + sb) / den);
                } else {
                    ca = cs = 1.0 / mu;
                }
            }
            e->ca[a + (size_t)m * b] = lam * ca;
            e->cs[a + (size_t)m * b] = lam * cs;
        }
    for (int a = 0; a < r; ++a)
        e->cb[a] = lam / (mu > 0 ? hypot(pt->s[a], mu) : pt->s[a]);
}

/* The loss Hessian's diagonal in the SVD basis u_a v_b' (C coordinates):
 * with y_a = Q u_a and H_j = diag(q_.j / k) - s_j s_j', s_j = q_.j / sqrt(k)
 * (the Hessian of column j in G), it is sum_j V_jb^2 y_a' H_j y_a. */
static void loss_diagonal(th_engine *e, const th_point *pt)
{
    const th_problem *p = e->p;
    int J = p->J, m = p->m;
    double *Y = e->Y, *Y2 = e->T1, *Mq = e->dG, *Sq = e->HG;
    th_apply_q(p, pt->U, m, Y);
    for (size_t i = 0; i < (size_t)J * m; ++i)
        Y2[i] = Y[i] * Y[i];
    for (int j = 0; j < J; ++j)
        for (int i = 0; i < J; ++i) {
            double q = e->col.q[i + (size_t)J * j];
            Mq[i + (size_t)J * j] = q * p->isk[i] * p->isk[i];
            Sq[i + (size_t)J * j] = q * p->isk[i];
        }
    gemm('T', 'N', m, J, J, 1.0, Y2, J, Mq, J, 0.0, e->T2, m);
    gemm('T', 'N', m, J, J, 1.0, Y, J, Sq, J, 0.0, e->Xi, m);
    for (size_t i = 0; i < (size_t)m * J; ++i)
        e->T2[i] -= e->Xi[i] * e->Xi[i];
    for (size_t i = 0; i < (size_t)J * J; ++i)
        Mq[i] = pt->VT[i] * pt->VT[i];
    gemm('N', 'T', m, J, J, 1.0, e->T2, m, Mq, J, 0.0, e->Dg, m);
}

/* The loss Hessian's diagonal in x and b. */
static void xb_diagonal(th_engine *e)
{
    const th_problem *p = e->p;
    int J = p->J;
    for (int i = 0; i < J; ++i) {
        double d = 2.0 * p->lbN * p->k[i] + 2.0 * p->rho * p->k[i] * p->k[i];
        for (int j = 0; j < J; ++j) {
            double q = e->col.q[i + (size_t)J * j];
            d += p->w[j] * q * (i == j ? e->col.oth[j] : 1.0 - q);
        }
        e->dbb[i] = d;
        e->dxx[i] = p->active[i] ? p->w[i] * e->col.hxx[i] : 1.0;
    }
}

double th_chart_prepare(th_engine *e)
{
    const th_problem *p = e->p;
    th_point *pt = &e->pt[e->cur];
    int J = p->J, m = p->m, r = pt->r;
    double F = th_loss(p, pt->C, pt->x, pt->b, e->G, e->gC, e->gx, e->gb, &e->col, e->HG);
    if (r == 0) {
        /* a rank-0 point's chart basis is the identity (th_point_truncate) */
        memcpy(e->Gam, e->gC, sizeof(double) * (size_t)m * J);
    } else {
        gemm('T', 'N', m, J, m, 1.0, pt->U, m, e->gC, m, 0.0, e->T2, m);
        gemm('N', 'T', m, J, J, 1.0, e->T2, m, pt->VT, J, 0.0, e->Gam, m);
    }
    double *g = e->g, pen = 0;
    size_t o = 0;
    for (int b = 0; b < r; ++b)
        for (int a = 0; a < r; ++a) {
            double d = 0;
            if (a == b)
                d = p->lam * (pt->mu > 0 ? pt->s[a] / hypot(pt->s[a], pt->mu) : 1.0);
            g[o++] = e->Gam[a + (size_t)m * b] + d;
        }
    for (int c = r; c < J; ++c)
        for (int a = 0; a < r; ++a)
            g[o++] = e->Gam[a + (size_t)m * c];
    for (int a = 0; a < r; ++a)
        for (int c = r; c < m; ++c)
            g[o++] = e->Gam[c + (size_t)m * a];
    for (int t = 0; t < p->nxa; ++t) {
        int j = p->xa[t];
        g[o++] = e->gx[j] + p->lam * (p->k[j] - 1);
        pen += (p->k[j] - 1) * pt->x[j];
    }
    for (int j = 0; j < J; ++j)
        g[o++] = e->gb[j];
    for (int a = 0; a < m; ++a)
        pen += pt->mu > 0 ? hypot(pt->s[a], pt->mu) - pt->mu : pt->s[a];
    norm_coefficients(e, pt);
    if (r > 0)
        loss_diagonal(e, pt);
    xb_diagonal(e);
    pt->phi = F + p->lam * pen;
    return pt->phi;
}

/* Xi = [[A, B], [D, 0]] (m x J) from the chart vector z. */
static void chart_to_xi(const th_engine *e, int r, const double *z, double *Xi)
{
    int m = e->p->m, J = e->p->J;
    size_t o = 0;
    memset(Xi, 0, sizeof(double) * (size_t)m * J);
    for (int b = 0; b < r; ++b)
        for (int a = 0; a < r; ++a)
            Xi[a + (size_t)m * b] = z[o++];
    for (int c = r; c < J; ++c)
        for (int a = 0; a < r; ++a)
            Xi[a + (size_t)m * c] = z[o++];
    for (int a = 0; a < r; ++a)
        for (int c = r; c < m; ++c)
            Xi[c + (size_t)m * a] = z[o++];
}

void th_chart_hessvec(th_engine *e, const double *z, double *Hz)
{
    const th_problem *p = e->p;
    const th_point *pt = &e->pt[e->cur];
    int J = p->J, m = p->m, r = pt->r, nr = r * r, nb = r * (J - r), nd = r * (m - r);
    const double *A = z, *B = z + nr, *D = z + nr + nb;
    const double *dxa = z + nr + nb + nd, *db = dxa + p->nxa;
    if (r > 0) {
        chart_to_xi(e, r, z, e->Xi);
        gemm('N', 'N', m, J, J, 1.0, e->Xi, m, pt->VT, J, 0.0, e->T1, m);
        gemm('N', 'N', m, J, m, 1.0, pt->U, m, e->T1, m, 0.0, e->T2, m);
    } else {
        memset(e->T2, 0, sizeof(double) * (size_t)m * J);
    }
    memset(e->dxf, 0, sizeof(double) * (size_t)J);
    for (int t = 0; t < p->nxa; ++t)
        e->dxf[p->xa[t]] = dxa[t];
    th_loss_hess(p, &e->col, e->T2, e->dxf, db, e->T1, e->hxf, e->hbf, e->dG, e->HG);
    if (r > 0) {
        gemm('T', 'N', m, J, m, 1.0, pt->U, m, e->T1, m, 0.0, e->T2, m);
        gemm('N', 'T', m, J, J, 1.0, e->T2, m, pt->VT, J, 0.0, e->Xi, m);
    }
    const double *Y = e->Xi;
    size_t o = 0;
    for (int b = 0; b < r; ++b)
        for (int a = 0; a < r; ++a, ++o) {
            double ab = A[a + (size_t)r * b], ba = A[b + (size_t)r * a];
            size_t ia = a + (size_t)m * b;
            Hz[o] = Y[ia] + e->cs[ia] * 0.5 * (ab + ba) + e->ca[ia] * 0.5 * (ab - ba);
            if (a == b)
                Hz[o] = Y[ia] + e->cs[ia] * ab;
        }
    for (int c = r; c < J; ++c)
        for (int a = 0; a < r; ++a, ++o)
            Hz[o] = Y[a + (size_t)m * c] + e->cb[a] * B[a + (size_t)r * (c - r)];
    for (int a = 0; a < r; ++a)
        for (int c = r; c < m; ++c, ++o)
            Hz[o] = Y[c + (size_t)m * a] + e->cb[a] * D[(c - r) + (size_t)(m - r) * a];
    if (pt->mu == 0 && r > 0 && r < m) {
        /* the chart's curvature: <Gamma_pp, D diag(1/s) B>, Gamma_pp the
         * (m-r) x (J-r) block of Gamma */
        const double *Gpp = e->Gam + r + (size_t)m * r;
        double *DG = e->T1, *GB = e->T2;
        gemm('T', 'N', r, J - r, m - r, 1.0, D, m - r, Gpp, m, 0.0, DG, r);
        gemm('N', 'T', m - r, r, J - r, 1.0, Gpp, m, B, r, 0.0, GB, m - r);
        o = (size_t)nr;
        for (int c = 0; c < J - r; ++c)
            for (int a = 0; a < r; ++a)
                Hz[o++] += DG[a + (size_t)r * c] / pt->s[a];
        for (int a = 0; a < r; ++a)
            for (int c = 0; c < m - r; ++c)
                Hz[o++] += GB[c + (size_t)(m - r) * a] / pt->s[a];
    }
    o = (size_t)(nr + nb + nd);
    for (int t = 0; t < p->nxa; ++t)
        Hz[o++] = e->hxf[p->xa[t]];
    for (int j = 0; j < J; ++j)
        Hz[o++] = e->hbf[j];
}

void th_chart_precond(const th_engine *e, const double *in, double *out)
{
    const th_problem *p = e->p;
    const th_point *pt = &e->pt[e->cur];
    int J = p->J, m = p->m, r = pt->r, nr = r * r;
    double floor_ = 0;
    for (int a = 0; a < r; ++a)
        floor_ = fmax(floor_, e->cb[a]);
    floor_ *= 1e-13;
    for (int b = 0; b < r; ++b)
        for (int a = 0; a < r; ++a) {
            size_t ia = a + (size_t)m * b, ib = b + (size_t)m * a;
            double x1 = in[a + (size_t)r * b];
            if (a == b) {
                out[a + (size_t)r * b] = x1 / fmax(e->Dg[ia] + e->cs[ia], floor_);
                continue;
            }
            /* the pair (A_ab, A_ba): [[d1 + h, t], [t, d2 + h]],
             * h = (cs + ca)/2, t = (cs - ca)/2 */
            double x2 = in[b + (size_t)r * a], h = 0.5 * (e->cs[ia] + e->ca[ia]);
            double t = 0.5 * (e->cs[ia] - e->ca[ia]);
            double d1 = fmax(e->Dg[ia], 0) + h, d2 = fmax(e->Dg[ib], 0) + h;
            double det = d1 * d2 - t * t;
            if (!(det > floor_ * floor_))
                det = floor_ * floor_;
            out[a + (size_t)r * b] = (d2 * x1 - t * x2) / det;
        }
    size_t o = (size_t)nr;
    for (int c = r; c < J; ++c)
        for (int a = 0; a < r; ++a, ++o)
            out[o] = in[o] / fmax(e->Dg[a + (size_t)m * c] + e->cb[a], floor_);
    for (int a = 0; a < r; ++a)
        for (int c = r; c < m; ++c, ++o)
            out[o] = in[o] / fmax(e->Dg[c + (size_t)m * a] + e->cb[a], floor_);
    for (int t = 0; t < p->nxa; ++t, ++o)
        out[o] = in[o] / e->dxx[p->xa[t]];
    for (int j = 0; j < J; ++j, ++o)
        out[o] = in[o] / e->dbb[j];
}

double th_chart_diag(const th_engine *e, const double *z, int a)
{
    return z[a + (size_t)e->pt[e->cur].r * a];
}

int th_chart_retract(th_engine *e, const double *dz, double alpha)
{
    const th_problem *p = e->p;
    th_point *pt = &e->pt[e->cur], *tr = &e->pt[1 - e->cur];
    int J = p->J, m = p->m, r = pt->r, nr = r * r, nb = r * (J - r), nd = r * (m - r);
    tr->r = r;
    tr->mu = pt->mu;
    memcpy(tr->x, pt->x, sizeof(double) * (size_t)J);
    for (int t = 0; t < p->nxa; ++t)
        tr->x[p->xa[t]] += alpha * dz[nr + nb + nd + t];
    for (int j = 0; j < J; ++j)
        tr->b[j] = pt->b[j] + alpha * dz[nr + nb + nd + p->nxa + j];
    if (m == 0)
        return 0;
    if (r == 0 && pt->mu == 0) {
        th_point_truncate(e, tr, 0);
        return 0;
    }
    double *Xi = e->Xi;
    chart_to_xi(e, r, dz, Xi);
    for (size_t i = 0; i < (size_t)m * J; ++i)
        Xi[i] *= alpha;
    for (int a = 0; a < r; ++a)
        Xi[a + (size_t)m * a] += pt->s[a];
    if (pt->mu == 0 && r > 0 && r < m) {
        /* the block that keeps the rank: D (s + A)^{-1} B */
        double *P = e->T1, *PB = e->T2;
        for (int b = 0; b < r; ++b)
            for (int a = 0; a < r; ++a)
                P[a + (size_t)r * b] = Xi[a + (size_t)m * b];
        for (int c = 0; c < J - r; ++c)
            for (int a = 0; a < r; ++a)
                PB[a + (size_t)r * c] = Xi[a + (size_t)m * (r + c)];
        nc_blas_int R = r, nrhs = J - r, info = 0;
        char tn = 'N';
        dgetrf_(&R, &R, P, &R, e->ipiv, &info);
        if (info != 0)
            return -1;
        dgetrs_(&tn, &R, &nrhs, P, &R, e->ipiv, PB, &R, &info, 1);
        if (info != 0)
            return -1;
        gemm('N', 'N', m - r, J - r, r, 1.0, Xi + r, m, PB, r, 0.0, Xi + r + (size_t)m * r, m);
    }
    gemm('N', 'N', m, J, J, 1.0, Xi, m, pt->VT, J, 0.0, e->T1, m);
    gemm('N', 'N', m, J, m, 1.0, pt->U, m, e->T1, m, 0.0, tr->C, m);
    for (size_t i = 0; i < (size_t)m * J; ++i)
        if (!isfinite(tr->C[i]))
            return -1;
    return th_point_factor(e, tr, pt->mu > 0 ? -1 : r);
}
