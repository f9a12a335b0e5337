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
 * The preconditioners are in theory_precond.c (below full rank) and
 * theory_full.c (at full rank). */
#include "theory_internal.h"

#include <math.h>
#include <string.h>

/* Below this ratio of the smallest to the largest (smoothed) singular value
 * the full-rank systems go through the chart instead (spread_ok). */
#define TH_FULL_SPREAD 1e-2

nc_blas_int th_engine_lwork(int J)
{
    nc_blas_int m = J - 1, nJ = J, info = 0, query = -1, ld = m > 0 ? m : 1;
    double opt = 0, dummy = 0;
    char job = 'A';
    nc_blas_int need = 5 * (nc_blas_int)J + 64, iw = 0;
    if (m > 0) {
        dgesvd_(&job, &job, &m, &nJ, &dummy, &ld, &dummy, &dummy, &ld, &dummy, &nJ, &opt,
                &query, &info, 1, 1);
        if (info == 0 && opt > need)
            need = (nc_blas_int)opt;
        dgesdd_(&job, &m, &nJ, &dummy, &ld, &dummy, &dummy, &ld, &dummy, &nJ, &opt, &query, &iw,
                &info, 1);
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
    e->iwork = th_carve(cv, 8 * (m + 1), 1, sizeof(nc_blas_int));
    e->adiag = th_carve(cv, m + 1, 1, sizeof(double));
    double **vz[] = {&e->g, &e->dz, &e->cr, &e->cz, &e->cp, &e->cq};
    for (size_t i = 0; i < sizeof vz / sizeof *vz; ++i)
        *vz[i] = th_carve(cv, nv, 1, sizeof(double));
    point_layout(cv, &e->pt[0], J, m);
    point_layout(cv, &e->pt[1], J, m);
    e->wsv = th_carve(cv, m + 1, 1, sizeof(double));
    th_full_layout(cv, e, Jc);
    e->wP = e->ddinv;
    e->wRT = e->sq;
    e->wom = e->beta;
    e->wbeta = e->wzw;
    e->wdelta = e->wunit;
}

int th_chart_dim(const th_problem *p, int r)
{
    return r * (p->m + p->J - r) + p->nxa + p->J;
}

/* C x = U diag(s) V' x for two probe vectors, to 1e-12 relative: dgesdd's
 * answer is used only when it passes (it is known to fail on rare inputs).
 * O(J^2), against the SVD's O(J^3). */
static int factors_hold(th_engine *e, const th_point *pt)
{
    int m = e->p->m, J = e->p->J;
    double *x = e->dxf, *t = e->hxf, *y = e->hbf;
    for (int probe = 0; probe < 2; ++probe) {
        for (int j = 0; j < J; ++j)
            x[j] = probe == 0 ? 1.0 : cos(1.0 + 2.3 * j);
        double err = 0, nrm = 0;
        for (int a = 0; a < m; ++a) {
            double acc = 0;
            for (int j = 0; j < J; ++j)
                acc += pt->VT[a + (size_t)J * j] * x[j];
            t[a] = acc * pt->s[a];
        }
        for (int c = 0; c < m; ++c)
            y[c] = 0;
        for (int a = 0; a < m; ++a)
            for (int c = 0; c < m; ++c)
                y[c] += pt->U[c + (size_t)m * a] * t[a];
        for (int j = 0; j < J; ++j)
            for (int c = 0; c < m; ++c)
                y[c] -= pt->C[c + (size_t)m * j] * x[j];
        for (int c = 0; c < m; ++c)
            err += y[c] * y[c];
        for (int a = 0; a < m; ++a)
            nrm += pt->s[a] * pt->s[a];
        if (!(err <= 1e-24 * nrm * J))
            return 0;
    }
    return 1;
}

int th_point_factor_exact(th_engine *e, th_point *pt, int r, int accurate)
{
    const th_problem *p = e->p;
    int m = p->m, J = p->J;
    if (m == 0) {
        pt->r = 0;
        return 0;
    }
    if (r == 0) {
        th_point_truncate(e, pt, 0);
        return 0;
    }
    nc_blas_int M = m, nJ = J, info = 1, lw = e->lwork;
    char job = 'A';
    e->svds++;
    /* divide and conquer, several times faster than dgesvd's QR iteration
     * with vectors; checked, and dgesvd where it matters (certificates) */
    if (!accurate) {
        memcpy(e->svdA, pt->C, sizeof(double) * (size_t)m * J);
        dgesdd_(&job, &M, &nJ, e->svdA, &M, pt->s, pt->U, &M, pt->VT, &nJ, e->work, &lw,
                e->iwork, &info, 1);
        if (info == 0 && !factors_hold(e, pt))
            info = 1;
    }
    if (info != 0) {
        memcpy(e->svdA, pt->C, sizeof(double) * (size_t)m * J);
        dgesvd_(&job, &job, &M, &nJ, e->svdA, &M, pt->s, pt->U, &M, pt->VT, &nJ, e->work, &lw,
                &info, 1, 1);
        if (info != 0)
            return -1;
    }
    if (r >= 0)
        th_point_truncate(e, pt, r);
    else
        pt->r = m;
    return 0;
}

int th_point_factor(th_engine *e, th_point *pt, int r)
{
    return th_point_factor_exact(e, pt, r, 0);
}

/* Singular values of pt->C only (a trial point: its vectors are computed
 * once it is accepted, th_point_factor); beyond the rank they are zero. */
static int point_values(th_engine *e, th_point *pt)
{
    int m = e->p->m, J = e->p->J;
    memcpy(e->svdA, pt->C, sizeof(double) * (size_t)m * J);
    nc_blas_int M = m, nJ = J, info = 0, lw = e->lwork, one = 1;
    char job = 'N';
    dgesvd_(&job, &job, &M, &nJ, e->svdA, &M, pt->s, NULL, &one, NULL, &one, e->work, &lw,
            &info, 1, 1);
    if (info != 0)
        return -1;
    if (pt->mu == 0)
        for (int a = pt->r; a < m; ++a)
            pt->s[a] = 0;
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
    th_gemm('N', 'N', m, J, r, 1.0, e->T1, m, pt->VT, J, 0.0, pt->C, m);
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

void th_chart_gamma(th_engine *e)
{
    const th_problem *p = e->p;
    const th_point *pt = &e->pt[e->cur];
    int J = p->J, m = p->m;
    if (pt->r == 0) {
        /* a rank-0 point's chart basis is the identity (th_point_truncate) */
        memcpy(e->Gam, e->gC, sizeof(double) * (size_t)m * J);
        return;
    }
    th_gemm('T', 'N', m, J, m, 1.0, pt->U, m, e->gC, m, 0.0, e->T2, m);
    th_gemm('N', 'T', m, J, J, 1.0, e->T2, m, pt->VT, J, 0.0, e->Gam, m);
}

/* Derivative of the (smoothed) norm in s_a. */
static double norm_slope(const th_point *pt, int a)
{
    return pt->mu > 0 ? pt->s[a] / hypot(pt->s[a], pt->mu) : 1.0;
}

/* The chart gradient (A, B, D blocks) from Gamma. */
static size_t chart_gradient(th_engine *e, const th_point *pt)
{
    const th_problem *p = e->p;
    int J = p->J, m = p->m, r = pt->r;
    double *g = e->g;
    size_t o = 0;
    th_chart_gamma(e);
    for (int b = 0; b < r; ++b)
        for (int a = 0; a < r; ++a)
            g[o++] = e->Gam[a + (size_t)m * b] + (a == b ? p->lam * norm_slope(pt, a) : 0.0);
    for (int c = r; c < J; ++c)
        for (int a = 0; a < r; ++a)
            g[o++] = e->Gam[a + (size_t)m * c];
    for (int a = 0; a < r; ++a)
        for (int c = r; c < m; ++c)
            g[o++] = e->Gam[c + (size_t)m * a];
    return o;
}

/* At full rank, the gradient in C's coordinates: grad_C(loss) + lam U
 * diag(phi'(s)) V_m' (one GEMM, no change of basis). */
static size_t full_gradient(th_engine *e, const th_point *pt)
{
    const th_problem *p = e->p;
    int J = p->J, m = p->m;
    for (int a = 0; a < m; ++a)
        for (int c = 0; c < m; ++c)
            e->T1[c + (size_t)m * a] = pt->U[c + (size_t)m * a] * p->lam * norm_slope(pt, a);
    memcpy(e->g, e->gC, sizeof(double) * (size_t)m * J);
    th_gemm('N', 'N', m, J, m, 1.0, e->T1, m, pt->VT, J, 1.0, e->g, m);
    return (size_t)m * J;
}

/* The full-rank preconditioner approximates the norm's Hessian by its
 * diagonal in G's basis: good while the (smoothed) singular values are of
 * one order, poor once some are tiny (curvatures 1/s_a orders apart, as when
 * the rank is about to fall, or a direction was just brought in), where the
 * chart's exact treatment of the norm does better. */
static int spread_ok(const th_point *pt, int m)
{
    double lo = INFINITY, hi = 0;
    for (int a = 0; a < m; ++a) {
        double t = pt->mu > 0 ? hypot(pt->s[a], pt->mu) : pt->s[a];
        lo = fmin(lo, t);
        hi = fmax(hi, t);
    }
    return lo >= TH_FULL_SPREAD * hi;
}

double th_chart_prepare(th_engine *e)
{
    const th_problem *p = e->p;
    th_point *pt = &e->pt[e->cur];
    int J = p->J, m = p->m, r = pt->r;
    double F = th_loss(p, pt->C, pt->x, pt->b, e->G, e->gC, e->gx, e->gb, &e->col, e->HG);
    e->full = r == m && m > 0 && spread_ok(pt, m);
    size_t o = e->full ? full_gradient(e, pt) : chart_gradient(e, pt);
    double pen = 0;
    for (int t = 0; t < p->nxa; ++t) {
        int j = p->xa[t];
        e->g[o++] = e->gx[j] + p->lam * (p->k[j] - 1);
        pen += (p->k[j] - 1) * pt->x[j];
    }
    for (int j = 0; j < J; ++j)
        e->g[o++] = e->gb[j];
    for (int a = 0; a < m; ++a)
        pen += pt->mu > 0 ? hypot(pt->s[a], pt->mu) - pt->mu : pt->s[a];
    norm_coefficients(e, pt);
    xb_diagonal(e);
    if (e->full)
        th_full_prepare(e, pt);
    else if (r > 0)
        th_chart_precond_prepare(e, pt);
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
        th_gemm('N', 'N', m, J, J, 1.0, e->Xi, m, pt->VT, J, 0.0, e->T1, m);
        th_gemm('N', 'N', m, J, m, 1.0, pt->U, m, e->T1, m, 0.0, e->T2, m);
    } else {
        memset(e->T2, 0, sizeof(double) * (size_t)m * J);
    }
    memset(e->dxf, 0, sizeof(double) * (size_t)J);
    for (int t = 0; t < p->nxa; ++t)
        e->dxf[p->xa[t]] = dxa[t];
    th_loss_hess(p, &e->col, e->T2, e->dxf, db, e->T1, e->hxf, e->hbf, e->dG, e->HG);
    if (r > 0) {
        th_gemm('T', 'N', m, J, m, 1.0, pt->U, m, e->T1, m, 0.0, e->T2, m);
        th_gemm('N', 'T', m, J, J, 1.0, e->T2, m, pt->VT, J, 0.0, e->Xi, m);
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
        th_gemm('T', 'N', r, J - r, m - r, 1.0, D, m - r, Gpp, m, 0.0, DG, r);
        th_gemm('N', 'T', m - r, r, J - r, 1.0, Gpp, m, B, r, 0.0, GB, m - r);
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

void th_chart_diagonal(th_engine *e, const double *z, double *d)
{
    const th_point *pt = &e->pt[e->cur];
    int r = pt->r, m = e->p->m, J = e->p->J;
    if (!e->full) {
        for (int a = 0; a < r; ++a)
            d[a] = z[a + (size_t)r * a];
        return;
    }
    /* A = U' dC V: its diagonal from the rows of U' dC */
    th_gemm('T', 'N', m, J, m, 1.0, pt->U, m, z, m, 0.0, e->T1, m);
    for (int a = 0; a < m; ++a) {
        double acc = 0;
        for (int j = 0; j < J; ++j)
            acc += e->T1[a + (size_t)m * j] * pt->VT[a + (size_t)J * j];
        d[a] = acc;
    }
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
    if (e->full) {
        /* full rank: the chart is linear, and dz holds dC itself */
        for (size_t i = 0; i < (size_t)m * J; ++i)
            tr->C[i] = pt->C[i] + alpha * dz[i];
        return point_values(e, tr);
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
        th_gemm('N', 'N', m - r, J - r, r, 1.0, Xi + r, m, PB, r, 0.0, Xi + r + (size_t)m * r, m);
    }
    th_gemm('N', 'N', m, J, J, 1.0, Xi, m, pt->VT, J, 0.0, e->T1, m);
    th_gemm('N', 'N', m, J, m, 1.0, pt->U, m, e->T1, m, 0.0, tr->C, m);
    for (size_t i = 0; i < (size_t)m * J; ++i)
        if (!isfinite(tr->C[i]))
            return -1;
    return point_values(e, tr);
}
