/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The preconditioner of the Newton systems on the chart of the rank-r
 * matrices, r < J - 1 (full rank has its own, theory_full.c).
 *
 * In the chart (A, B, D) the norm's Hessian is explicit: 2 x 2 blocks on
 * the pairs (A_ab, A_ba), lam / s_a on B's row a and D's column a.  The
 * chart's curvature couples B's row a and D's column a through
 * Gamma_pp / s_a, where Gamma_pp = -lam W at the optimum: near a threshold
 * ||W|| -> 1 and those couplings decide the conditioning (the directions
 * that are about to enter the rank), so they are kept: in the SVD basis of
 * Gamma_pp = P diag(omega) R', with B's and D's diagonals replaced by their
 * means per a, the block is 2 x 2 per singular value (at J = 50, near a
 * threshold, 53 CG steps instead of 87).  The loss enters through its
 * diagonal in the SVD basis (three GEMMs per Newton step). */
#include "theory_internal.h"

#include <math.h>
#include <string.h>

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
    th_gemm('T', 'N', m, J, J, 1.0, Y2, J, Mq, J, 0.0, e->T2, m);
    th_gemm('T', 'N', m, J, J, 1.0, Y, J, Sq, J, 0.0, e->Xi, m);
    for (size_t i = 0; i < (size_t)m * J; ++i)
        e->T2[i] -= e->Xi[i] * e->Xi[i];
    for (size_t i = 0; i < (size_t)J * J; ++i)
        Mq[i] = pt->VT[i] * pt->VT[i];
    th_gemm('N', 'T', m, J, J, 1.0, e->T2, m, Mq, J, 0.0, e->Dg, m);
}

/* Gamma_pp's SVD and the means of the B and D diagonals (exact norm,
 * 0 < r < m). */
static void weingarten_prepare(th_engine *e, const th_point *pt)
{
    const th_problem *p = e->p;
    int J = p->J, m = p->m, r = pt->r, mw = m - r, nw = J - r;
    e->wready = 0;
    if (pt->mu != 0 || r == 0 || mw == 0)
        return;
    for (int c = 0; c < nw; ++c)
        memcpy(e->svdA + (size_t)mw * c, e->Gam + r + (size_t)m * (r + c),
               sizeof(double) * (size_t)mw);
    nc_blas_int M = mw, N = nw, info = 0, lw = e->lwork;
    char job = 'S';
    dgesdd_(&job, &M, &N, e->svdA, &M, e->wom, e->wP, &M, e->wRT, &M, e->work, &lw, e->iwork,
            &info, 1);
    if (info != 0)
        return; /* the plain diagonal then */
    for (int a = 0; a < r; ++a) {
        double sb = 0, sd = 0;
        for (int c = r; c < J; ++c)
            sb += e->Dg[a + (size_t)m * c];
        for (int c = r; c < m; ++c)
            sd += e->Dg[c + (size_t)m * a];
        e->wbeta[a] = fmax(sb / nw, 0.0) + e->cb[a];
        e->wdelta[a] = fmax(sd / mw, 0.0) + e->cb[a];
    }
    e->wready = 1;
}

void th_chart_precond_prepare(th_engine *e, const th_point *pt)
{
    loss_diagonal(e, pt);
    weingarten_prepare(e, pt);
}

/* B (r x (J-r)) and D ((m-r) x r) parts: in the rotated coordinates
 * b~ = B R, d~ = P' D each pair (b~_ak, d~_ka) has the 2 x 2 block
 * [[beta_a, omega_k / s_a], [omega_k / s_a, delta_a]]; B's part outside
 * R's span only beta_a. */
static void weingarten_solve(th_engine *e, const double *inB, const double *inD, double *outB,
                             double *outD)
{
    const th_point *pt = &e->pt[e->cur];
    int J = e->p->J, m = e->p->m, r = pt->r, mw = m - r, nw = J - r;
    double *Bt = e->T1, *Dt = e->Xi;
    th_gemm('N', 'T', r, mw, nw, 1.0, inB, r, e->wRT, mw, 0.0, Bt, r);
    memcpy(outB, inB, sizeof(double) * (size_t)r * nw);
    th_gemm('N', 'N', r, nw, mw, -1.0, Bt, r, e->wRT, mw, 1.0, outB, r);
    th_gemm('T', 'N', mw, r, mw, 1.0, e->wP, mw, inD, mw, 0.0, Dt, mw);
    for (int a = 0; a < r; ++a) {
        double beta = e->wbeta[a], delta = e->wdelta[a];
        for (int k = 0; k < mw; ++k) {
            double c = e->wom[k] / pt->s[a], det = beta * delta - c * c;
            if (!(det > 1e-12 * beta * delta)) {
                c = 0;
                det = beta * delta;
            }
            double yb = Bt[a + (size_t)r * k], yd = Dt[k + (size_t)mw * a];
            Bt[a + (size_t)r * k] = (delta * yb - c * yd) / det;
            Dt[k + (size_t)mw * a] = (beta * yd - c * yb) / det;
        }
        for (int c = 0; c < nw; ++c)
            outB[a + (size_t)r * c] /= beta;
    }
    th_gemm('N', 'N', r, nw, mw, 1.0, Bt, r, e->wRT, mw, 1.0, outB, r);
    th_gemm('N', 'N', mw, r, mw, 1.0, e->wP, mw, Dt, mw, 0.0, outD, mw);
}

void th_chart_precond(th_engine *e, const double *in, double *out)
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
    size_t o = (size_t)nr, nb = (size_t)r * (J - r), nd = (size_t)r * (m - r);
    if (e->wready) {
        weingarten_solve(e, in + o, in + o + nb, out + o, out + o + nb);
        o += nb + nd;
    } else {
        for (int c = r; c < J; ++c)
            for (int a = 0; a < r; ++a, ++o)
                out[o] = in[o] / fmax(e->Dg[a + (size_t)m * c] + e->cb[a], floor_);
        for (int a = 0; a < r; ++a)
            for (int c = r; c < m; ++c, ++o)
                out[o] = in[o] / fmax(e->Dg[c + (size_t)m * a] + e->cb[a], floor_);
    }
    for (int t = 0; t < p->nxa; ++t, ++o)
        out[o] = in[o] / e->dxx[p->xa[t]];
    for (int j = 0; j < J; ++j, ++o)
        out[o] = in[o] / e->dbb[j];
}

