/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Preconditioner of the full-rank Newton system (docs/solver.md, "the
 * preconditioner").
 *
 * The Hessian is the sum of two operators that are simple in different
 * bases: the cross entropy's is block diagonal per column (a diagonal plus a
 * rank one), the nuclear norm's, dG -> U L(U^T dG V) V^T with
 * L(M)_ij = (M_ij - M_ji)/(s_i + s_j), is diagonal in the singular basis.
 * At the optimum the polar factor U V^T of G is close to the projector onto
 * e-perp (G is nearly symmetric positive semidefinite), so in the standard
 * basis the nuclear curvature is close to pairwise: lZ (X_ij - X_ji)^2 /
 * (h_i + h_j) with h = diag(V S V^T), plus the curvature of the directions
 * that raise the rank, lZ |S^{-1/2} U^T X v|^2 with v the right null vector.
 * Everything else is low rank:
 *   - per column the cross entropy's rank one -(u_j^T x)^2 (J terms),
 *   - the bias, which in the coordinates G' = G + bt s^T (the logits) leaves
 *     the cross entropy and only enters the nuclear terms (J terms),
 *   - the rank-raising term (J - 1 terms),
 * so the preconditioner is a pairwise (2 x 2 block) operator A plus a
 * rank-(3J - 1) correction, inverted exactly by a capacitance system built
 * in O(J^2) plus four products and one LU factorisation of order 3J - 1.
 * Measured (K = 300 and 1000): the preconditioned spectrum lies in about
 * [0.95, 1.35], so CG gains about a factor 30 per iteration.
 *
 * The d of group j enters only column j's own two logits (the true class
 * and the group's other classes), so it joins G'_jj in a 2 x 2 block of A,
 * inverted in the logits' coordinates where it is diagonal. */
#include "solve_internal.h"

#include <math.h>
#include <string.h>

/* dsytrf's workspace from a query, checked (64 n is ample for its blocking). */
static size_t sytrf_lwork(int n)
{
    nc_blas_int nn = n, lw = -1, info = 0, piv = 0;
    double wq = 0, dummy = 0;
    char lo = 'L';
    dsytrf_(&lo, &nn, &dummy, &nn, &piv, &wq, &lw, &info, 1);
    double cap = 64.0 * (n > 1 ? n : 1);
    return info == 0 && wq >= 1 && wq <= cap ? (size_t)wq : (size_t)cap;
}

static void prec_layout(ncs_arena *a, void *obj, const void *arg)
{
    ncs_prec *P = obj;
    const int *Jp = arg;
    size_t J = (size_t)*Jp, JJ = ncs_size2(a, J, J), nc = 3 * J;
    P->J = *Jp;
    P->c1 = ncs_take(a, JJ);
    P->c2 = ncs_take(a, JJ);
    P->E = ncs_take(a, JJ);
    P->lw = ncs_take(a, JJ);
    P->Phi = ncs_take(a, JJ);
    P->R = ncs_take(a, JJ);
    P->Q = ncs_take(a, JJ);
    P->own = ncs_take(a, 3 * J);
    P->ud = ncs_take(a, J);
    P->v = ncs_take(a, J);
    P->qv = ncs_take(a, J);
    P->cap = ncs_take(a, ncs_size2(a, nc, nc));
    P->scale = ncs_take(a, nc);
    P->rhs = ncs_take(a, nc);
    P->piv = (nc_blas_int *)ncs_take(a, nc * sizeof(nc_blas_int) / sizeof(double) + 1);
    P->lwork = sytrf_lwork((int)nc);
    P->work = ncs_take(a, P->lwork);
}

nc_status ncs_prec_create(nc_ctx *ctx, int J, ncs_prec *P)
{
    memset(P, 0, sizeof *P);
    return ncs_carve(ctx, prec_layout, P, &J, &P->block);
}

void ncs_prec_free(nc_ctx *ctx, ncs_prec *P)
{
    nc_free(ctx, P->block);
    P->block = NULL;
}

/* A's own block of group j (G'_jj and d_j), inverted in the coordinates of
 * the two own logits (w_o, w_t), where the cross entropy's diagonal part is
 * diag(qo, qt): A^{-1} = sum_g m_g m_g^T / (w q_g) with m_g the columns of
 * the inverse of (G'_jj, d_j) -> (w_o, w_t).  A group without d has the one
 * logit of its whole mass. */
static void own_block(const ncs_problem *p, const ncs_soft *sm, int j, double *own,
                      double *ud)
{
    double k = p->k[j], N = p->N, qa = sm->Q[j + (size_t)j * p->J];
    const double tiny = 1e-300;
    if (!p->dfree[j]) {
        own[0] = k * N / (qa > tiny ? qa : tiny);
        own[1] = own[2] = 0;
        *ud = 0;
        return;
    }
    double alpha = 1.0 / (p->r[j] * p->s[j]), beta = 1.0 / p->sig[j];
    double w = k * p->n[j] / N, qo = sm->qo[j] > tiny ? sm->qo[j] : tiny;
    double qt = sm->qt[j] > tiny ? sm->qt[j] : tiny;
    double mo0 = (1 - 1 / k) / alpha, mo1 = -1 / beta, mt0 = 1 / (k * alpha), mt1 = 1 / beta;
    own[0] = mo0 * mo0 / (w * qo) + mt0 * mt0 / (w * qt);
    own[1] = mo0 * mo1 / (w * qo) + mt0 * mt1 / (w * qt);
    own[2] = mo1 * mo1 / (w * qo) + mt1 * mt1 / (w * qt);
    *ud = sqrt(w) * beta * (sm->qt[j] * (1 - 1 / k) - sm->qo[j] / k);
}

/* The pairwise coefficients of A^{-1}: entry (i,j) of A^{-1} R is
 * c1_ij R_ij + c2_ij R_ji, and E_ij = a_ji lw_ij / det_ij is what A^{-1}
 * makes of an antisymmetric pair (the bias's generator). */
static void pair_coefficients(const ncs_problem *p, const ncs_soft *sm, const double *h,
                              ncs_prec *P)
{
    int J = p->J;
    double N = p->N, lZ = p->lZ;
    for (int j = 0; j < J; ++j)
        for (int i = 0; i < J; ++i) {
            size_t ij = i + (size_t)j * J;
            if (i == j) {
                P->c1[ij] = P->c2[ij] = P->E[ij] = P->lw[ij] = 0;
                continue;
            }
            double aij = sm->Q[ij] / (p->k[i] * N), aji = sm->Q[j + (size_t)i * J] / (p->k[j] * N);
            double den = h[i] + h[j], lw = den > 0 ? lZ / den : 0.0;
            double det = aij * aji + lw * (aij + aji);
            if (!(det > 0))
                det = 1e-300;
            P->c1[ij] = (aji + lw) / det;
            P->c2[ij] = lw / det;
            P->E[ij] = aji * lw / det;
            P->lw[ij] = lw;
        }
}

/* x = A^{-1} R for a point's worth of generalised entries (G' and d). */
static void apply_Ainv(const ncs_problem *p, const ncs_prec *P, const double *RG,
                       const double *Rd, double *XG, double *Xd)
{
    int J = p->J;
    for (int j = 0; j < J; ++j)
        for (int i = 0; i < J; ++i) {
            size_t ij = i + (size_t)j * J;
            if (i != j)
                XG[ij] = P->c1[ij] * RG[ij] + P->c2[ij] * RG[j + (size_t)i * J];
        }
    for (int j = 0; j < J; ++j) {
        size_t jj = j + (size_t)j * J;
        const double *o = P->own + 3 * (size_t)j;
        double g = RG[jj], dd = p->dfree[j] ? Rd[j] : 0.0;
        XG[jj] = o[0] * g + o[1] * dd;
        Xd[j] = p->dfree[j] ? o[1] * g + o[2] * dd : 0.0;
    }
}

/* The J x J blocks involving U (per-column rank ones) into the capacitance
 * matrix C (order nc, leading dimension nc): rows/columns 0..J-1 are t,
 * J..2J-1 are y (the bias), 2J..3J-2 are q (rank raising, through Phi). */
static void blocks_tt_ty(const ncs_problem *p, const ncs_soft *sm, ncs_prec *P, double *C,
                         int nc)
{
    int J = p->J;
    double sN = sqrt(p->N);
    for (int a = 0; a < J; ++a) {
        double dia = 0, yaa = 0;
        for (int i = 0; i < J; ++i) {
            if (i == a)
                continue;
            size_t ia = i + (size_t)a * J, ai = a + (size_t)i * J;
            double aai = sm->Q[ai] / (p->k[a] * p->N);
            /* 1 - u_a' A^{-1} u_a, summed from the small terms:
             * 1 - c1_ia a_ia = lw a_ai / det = c2_ia a_ai */
            dia += sm->Q[ia] * P->c2[ia] * aai;
            C[a + (size_t)i * nc] = -sm->Q[ai] * sm->Q[ia] * P->c2[ia] / (p->r[a] * p->r[i] * p->N);
            /* -U'A^{-1}B: coefficient of y_i in row a */
            C[a + (size_t)(J + i) * nc] = -sm->Q[ia] * P->E[ia] * p->s[a] / (p->r[i] * sN);
            yaa += sm->Q[ia] * P->E[ia] * p->s[i] / (p->r[i] * sN);
        }
        C[a + (size_t)a * nc] = dia;
        C[a + (size_t)(J + a) * nc] = yaa;
    }
    for (int a = 0; a < J; ++a) /* symmetric part */
        for (int i = 0; i < J; ++i)
            C[(J + i) + (size_t)a * nc] = C[a + (size_t)(J + i) * nc];
}

/* G - B'A^{-1}B (the bias block): sum over pairs of om_ij (y_i s_j - y_j s_i)^2
 * with om = lw a_ij a_ji / det, plus 2 lb. */
static void block_yy(const ncs_problem *p, const ncs_soft *sm, const ncs_prec *P, double *C,
                     int nc)
{
    int J = p->J;
    for (int a = 0; a < J; ++a) {
        double dia = 0;
        for (int i = 0; i < J; ++i) {
            if (i == a)
                continue;
            size_t ia = i + (size_t)a * J;
            double aia = sm->Q[ia] / (p->k[i] * p->N), aai = sm->Q[a + (size_t)i * J] / (p->k[a] * p->N);
            double om = P->c2[ia] * aia * aai; /* lw a_ia a_ai / det */
            dia += om * p->s[i] * p->s[i];
            C[(J + a) + (size_t)(J + i) * nc] = -om * p->s[a] * p->s[i];
        }
        C[(J + a) + (size_t)(J + a) * nc] = dia + 2 * p->lb;
    }
}

/* The blocks with the rank-raising term: W1 = U'A^{-1}V' (J x J), W2 =
 * V A^{-1} B (J x J, transposed into B'A^{-1}V' - sig_v I) and W3 =
 * V A^{-1} V', then their products with Phi. */
static void blocks_q(const ncs_problem *p, const ncs_soft *sm, ncs_prec *P, double *C, int nc,
                     double *W)
{
    int J = p->J, J1 = J - 1;
    double sN = sqrt(p->N), lZ = p->lZ;
    const double *v = P->v;
    double *W1 = W, *W2 = P->R;
    /* W1(a,b): u_a' A^{-1} (e_b v') */
    for (int b = 0; b < J; ++b)
        for (int a = 0; a < J; ++a) {
            if (a != b) {
                size_t ba = b + (size_t)a * J;
                W1[a + (size_t)b * J] = sm->Q[ba] * P->c1[ba] * v[a] / (p->r[b] * sN);
            } else {
                double t = v[a] * p->r[a] * sN;
                for (int i = 0; i < J; ++i)
                    if (i != a)
                        t += sm->Q[i + (size_t)a * J] * P->c2[i + (size_t)a * J] * v[i] / (p->r[i] * sN);
                W1[a + (size_t)a * J] = t;
            }
        }
    /* T_tq = lZ W1 Phi */
    ncs_gemm('N', 'N', J, J1, J, lZ, W1, J, P->Phi, J, 0.0, C + (size_t)(2 * J) * nc, nc);
    /* W2 = (B'A^{-1}V')(l, a) - sig_v delta = (V A^{-1} B)(a, l) - sig_v delta */
    for (int a = 0; a < J; ++a) {
        double t = 0;
        for (int m = 0; m < J; ++m)
            if (m != a) {
                size_t am = a + (size_t)m * J;
                t += P->E[am] * p->s[m] * v[m];
                W2[m + (size_t)a * J] = -P->E[am] * p->s[a] * v[m];
            }
        W2[a + (size_t)a * J] = t - P->sigv;
    }
    ncs_gemm('N', 'N', J, J1, J, lZ, W2, J, P->Phi, J, 0.0, C + J + (size_t)(2 * J) * nc, nc);
    /* W3 = V A^{-1} V' */
    double *W3 = W1;
    for (int b = 0; b < J; ++b)
        for (int a = 0; a < J; ++a) {
            if (a != b) {
                W3[a + (size_t)b * J] = P->c2[a + (size_t)b * J] * v[a] * v[b];
            } else {
                double t = v[a] * v[a] * P->own[3 * (size_t)a];
                for (int m = 0; m < J; ++m)
                    if (m != a)
                        t += P->c1[a + (size_t)m * J] * v[m] * v[m];
                W3[a + (size_t)a * J] = t;
            }
        }
    /* T_qq = -lZ (I + lZ Phi' W3 Phi) */
    ncs_gemm('N', 'N', J, J1, J, 1.0, W3, J, P->Phi, J, 0.0, W2, J);
    ncs_gemm('T', 'N', J1, J1, J, -lZ * lZ, P->Phi, J, W2, J, 0.0,
             C + 2 * J + (size_t)(2 * J) * nc, nc);
    for (int i = 0; i < J1; ++i)
        C[(2 * J + i) + (size_t)(2 * J + i) * nc] -= lZ;
    /* the symmetric counterparts */
    for (int c = 0; c < J1; ++c)
        for (int rr = 0; rr < 2 * J; ++rr)
            C[(2 * J + c) + (size_t)rr * nc] = C[rr + (size_t)(2 * J + c) * nc];
}

/* Directions outside the constraint subspace on which the preconditioner
 * vanishes (all logits of every column shifted alike; the bias shifted
 * alike): a multiple of each is added, which changes the solution only by
 * what the final projection removes. */
static void add_gauges(const ncs_problem *p, double *C, int nc)
{
    int J = p->J;
    double g1 = 0, g2 = 0, sN = sqrt(p->N);
    for (int a = 0; a < J; ++a) {
        g1 += fabs(C[a + (size_t)a * nc]);
        g2 += fabs(C[(J + a) + (size_t)(J + a) * nc]);
    }
    g1 /= J * p->K;
    g2 /= J * p->K;
    for (int a = 0; a < J; ++a)
        for (int b = 0; b < J; ++b) {
            C[a + (size_t)b * nc] += g1 * p->r[a] * p->r[b] + g2 * p->s[a] * p->s[b] / p->N;
            C[a + (size_t)(J + b) * nc] += g2 * p->s[a] / sN * p->r[b];
            C[(J + b) + (size_t)a * nc] += g2 * p->s[a] / sN * p->r[b];
            C[(J + a) + (size_t)(J + b) * nc] += g2 * p->r[a] * p->r[b];
        }
}

nc_status ncs_prec_setup(const ncs_problem *p, const ncs_soft *sm, const double *U,
                         const double *sv, const double *V, ncs_prec *P, double *W)
{
    return ncs_prec_setup_rank(p, sm, U, sv, V, p->J - 1, P, W);
}

nc_status ncs_prec_setup_rank(const ncs_problem *p, const ncs_soft *sm, const double *U,
                              const double *sv, const double *V, int rank, ncs_prec *P,
                              double *W)
{
    int J = p->J, nc = 3 * J - 1;
    double *h = P->qv;
    P->ok = 0;
    /* applications may come at later points: the preconditioner keeps its own */
    memcpy(P->Q, sm->Q, p->JJ * sizeof(double));
    for (int i = 0; i < J; ++i) { /* h = diag(V S V') */
        double t = 0;
        for (int l = 0; l < J; ++l)
            t += V[i + (size_t)l * J] * V[i + (size_t)l * J] * sv[l];
        h[i] = t;
    }
    pair_coefficients(p, sm, h, P);
    for (int j = 0; j < J; ++j)
        own_block(p, sm, j, P->own + 3 * (size_t)j, &P->ud[j]);
    P->sigv = 0;
    for (int i = 0; i < J; ++i) {
        P->v[i] = V[i + (size_t)(J - 1) * J];
        P->sigv += p->s[i] * P->v[i];
    }
    for (int l = 0; l < J - 1; ++l) {
        /* below the rank there is no singular value to raise from: those
         * columns drop out, leaving their q-rows of the capacitance -lZ I */
        double c = l < rank && sv[l] > 0 ? 1.0 / sqrt(sv[l]) : 0.0;
        for (int i = 0; i < J; ++i)
            P->Phi[i + (size_t)l * J] = U[i + (size_t)l * J] * c;
    }
    double *C = P->cap;
    memset(C, 0, (size_t)nc * nc * sizeof(double));
    blocks_tt_ty(p, sm, P, C, nc);
    block_yy(p, sm, P, C, nc);
    /* the setup is the longest stretch without a CG iteration: poll */
    if (nc_interrupted(p->ctx))
        return p->ctx->status;
    blocks_q(p, sm, P, C, nc, W);
    add_gauges(p, C, nc);
    if (nc_interrupted(p->ctx))
        return p->ctx->status;
    /* symmetric equilibration: the blocks' scales differ by many orders */
    for (int i = 0; i < nc; ++i) {
        double d = fabs(C[i + (size_t)i * nc]);
        P->scale[i] = d > 0 && isfinite(d) ? 1 / sqrt(d) : 1.0;
    }
    for (int c = 0; c < nc; ++c)
        for (int rr = 0; rr < nc; ++rr)
            C[rr + (size_t)c * nc] *= P->scale[rr] * P->scale[c];
    for (size_t i = 0; i < (size_t)nc * nc; ++i)
        if (!isfinite(C[i]))
            return NC_OK; /* no preconditioner: the caller falls back */
    /* symmetric indefinite (the rank-raising block is negative definite) */
    nc_blas_int n = nc, info = 0, lw = (nc_blas_int)P->lwork;
    char lo = 'L';
    dsytrf_(&lo, &n, C, &n, P->piv, P->work, &lw, &info, 1);
    P->ok = info == 0;
    return NC_OK;
}

/* t-, y- and q-parts of the capacitance right-hand side from X = A^{-1} r. */
static void capacitance_rhs(const ncs_problem *p, ncs_prec *P, const double *XG,
                            const double *Xd, const double *ry)
{
    int J = p->J;
    double sN = sqrt(p->N), *rhs = P->rhs, *g = P->qv;
    for (int a = 0; a < J; ++a) {
        const double *q = P->Q + (size_t)a * J, *x = XG + (size_t)a * J;
        double t = P->ud[a] * Xd[a];
        for (int i = 0; i < J; ++i)
            t += q[i] * x[i] / p->r[i];
        rhs[a] = (t - P->ud[a] * Xd[a]) / sN + P->ud[a] * Xd[a];
    }
    for (int i = 0; i < J; ++i)
        g[i] = 0;
    ncs_gemm('N', 'N', J, 1, J, 1.0, XG, J, P->v, J, 0.0, g, J); /* rho_g = X v */
    for (int l = 0; l < J; ++l) { /* rho_y = (lw.X) s - (lw.X)' s */
        double t = 0;
        for (int j = 0; j < J; ++j)
            t += P->lw[l + (size_t)j * J] * XG[l + (size_t)j * J] * p->s[j] -
                 P->lw[j + (size_t)l * J] * XG[j + (size_t)l * J] * p->s[j];
        rhs[J + l] = ry[l] + t;
    }
    ncs_gemm('T', 'N', J - 1, 1, J, -p->lZ, P->Phi, J, g, J, 0.0, rhs + 2 * J, 3 * J - 1);
}

void ncs_prec_apply(const ncs_problem *p, ncs_prec *P, const double *r, double *z)
{
    int J = p->J, nc = 3 * J - 1;
    const double *rG = ncs_cG(p, r), *rd = ncs_cd(p, r), *rb = ncs_cb(p, r);
    double *zG = ncs_pG(p, z), *zd = ncs_pd(p, z), *zb = ncs_pb(p, z), *R = P->R;
    double sN = sqrt(p->N);
    /* the bias residual in the coordinates G' = G + bt s^T */
    for (int l = 0; l < J; ++l) {
        double t = 0;
        for (int j = 0; j < J; ++j)
            t += rG[l + (size_t)j * J] * p->s[j];
        zb[l] = rb[l] - t;
    }
    apply_Ainv(p, P, rG, rd, zG, zd);
    capacitance_rhs(p, P, zG, zd, zb);
    double *rhs = P->rhs;
    for (int i = 0; i < nc; ++i)
        rhs[i] *= P->scale[i];
    nc_blas_int n = nc, one = 1, info = 0;
    char lo = 'L';
    dsytrs_(&lo, &n, &one, P->cap, &n, P->piv, rhs, &n, &info, 1);
    for (int i = 0; i < nc; ++i)
        rhs[i] *= P->scale[i];
    const double *t = rhs, *y = rhs + J;
    double *q = P->qv;
    ncs_gemm('N', 'N', J, 1, J - 1, 1.0, P->Phi, J, rhs + 2 * J, J - 1, 0.0, q, J);
    /* R = r + U t + B y - lZ V' q, then x = A^{-1} R */
    for (int j = 0; j < J; ++j)
        for (int i = 0; i < J; ++i) {
            size_t ij = i + (size_t)j * J;
            double u = P->Q[ij] / (p->r[i] * sN);
            R[ij] = rG[ij] + t[j] * u - p->lZ * q[i] * P->v[j] +
                    (i != j ? P->lw[ij] * (y[i] * p->s[j] - y[j] * p->s[i]) : 0.0);
        }
    for (int j = 0; j < J; ++j)
        zd[j] = p->dfree[j] ? rd[j] + t[j] * P->ud[j] : 0.0;
    apply_Ainv(p, P, R, zd, zG, zd);
    for (int j = 0; j < J; ++j)
        for (int i = 0; i < J; ++i)
            zG[i + (size_t)j * J] -= y[i] * p->s[j];
    memcpy(zb, y, (size_t)J * sizeof(double));
    ncs_project(p, z);
}
