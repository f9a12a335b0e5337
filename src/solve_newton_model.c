/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The three models of the second-order phase and their linear algebra.
 *  - full rank: the model's point is the engine's; rank G = J - 1 is the
 *    most the constraint (columns orthogonal to e) allows, and there ||G||_*
 *    is smooth.  The Hessian of the nuclear norm at G = U S V^T acts as
 *    dG -> U L(U^T dG V) V^T, L(M)_ij = (M_ij - M_ji)/(s_i + s_j); CG is
 *    preconditioned by src/solve_precond.c, which makes a few iterations
 *    enough at any J.
 *  - rank r < J - 1 (groups merging): the factored form G = A B^T, A, B
 *    J x r, with (lZ/2)(|A|^2 + |B|^2) in place of the nuclear norm, whose
 *    minimum equals the convex one when r >= rank of the optimum; smooth, so
 *    Newton converges quadratically modulo the rotation A Q, B Q, which CG
 *    ignores (the gradient is orthogonal to it).  Jacobi-preconditioned,
 *    which leaves its accurate directions ill-conditioned (the gauge's
 *    cancelling curvature, docs/solver.md "The tangent model").
 *  - rank r < J - 1, the tangent model: Newton on the manifold of rank-r
 *    matrices in G itself (no gauge), preconditioned by the full model's
 *    preconditioner on the range block and exactly on the range-null blocks.
 * The truncated CG that solves the Newton system is here too. */
#include "solve_internal.h"

#include <float.h>
#include <math.h>
#include <string.h>

static void newton_layout(ncs_arena *a, void *obj, const void *arg)
{
    ncs_newton *nw = obj;
    const ncs_problem *p = arg;
    size_t J = (size_t)p->J, JJ = p->JJ, rf = J > 1 ? J - 1 : 1; /* factored ranks up to J - 1 */
    size_t fact = ncs_size2(a, 2 * J, rf) + 2 * J;
    nw->mmax = fact > p->m ? fact : p->m;
    double **model[] = {&nw->x, &nw->g, &nw->dir, &nw->xt, &nw->cr, &nw->cz, &nw->cp, &nw->ch,
                        &nw->diag};
    for (size_t i = 0; i < sizeof model / sizeof model[0]; ++i)
        *model[i] = ncs_take(a, nw->mmax);
    nw->X = ncs_take(a, p->m);
    nw->hv = ncs_take(a, p->m);
    nw->tmp = ncs_take(a, p->m);
    nw->U = ncs_take(a, JJ);
    nw->V = ncs_take(a, JJ);
    nw->W = ncs_take(a, JJ);
    nw->W2 = ncs_take(a, JJ);
    nw->Gf = ncs_take(a, JJ);
    nw->Nn = ncs_take(a, JJ);
    nw->W3 = ncs_take(a, JJ);
    nw->sv = ncs_take(a, J);
    size_t JJf = JJ * sizeof(float) / sizeof(double) + 1;
    nw->Uf = (float *)ncs_take(a, JJf);
    nw->Vf = (float *)ncs_take(a, JJf);
    nw->F1 = (float *)ncs_take(a, JJf);
    nw->F2 = (float *)ncs_take(a, JJf);
    ncs_soft_layout(a, &nw->sm, p->J);
    ncs_cert_layout(a, &nw->cw, p->J);
}

nc_status ncs_newton_create(const ncs_problem *p, ncs_newton **out)
{
    nc_ctx *ctx = p->ctx;
    ncs_newton *nw = nc_calloc(ctx, 1, sizeof *nw);
    *out = nw;
    if (!nw)
        return ctx->status;
    ncs_svd_arg sa = {p->J};
    if (ncs_carve(ctx, newton_layout, nw, p, &nw->block) ||
        ncs_carve(ctx, ncs_svd_layout, &nw->svd, &sa, &nw->svd_block) ||
        (p->J > 1 && ncs_prec_create(ctx, p->J, &nw->prec)))
        return ctx->status;
    return NC_OK;
}

void ncs_newton_destroy(const ncs_problem *p, ncs_newton *nw)
{
    if (!nw)
        return;
    nc_free(p->ctx, nw->block);
    nc_free(p->ctx, nw->svd_block);
    nc_free(p->ctx, nw->nsvd_block);
    ncs_prec_free(p->ctx, &nw->prec);
    nc_free(p->ctx, nw);
}

/* --------------------------------------------------------------- models */

/* Engine point of a model point. */
void ncs_model_point(const ncs_problem *p, const ncs_newton *nw, const double *x, double *X)
{
    int J = p->J;
    if (nw->model != NCS_MODEL_FACTORED) {
        memcpy(X, x, p->m * sizeof(double));
        return;
    }
    size_t Jr = (size_t)J * nw->r;
    ncs_gemm('N', 'T', J, J, nw->r, 1.0, x, J, x + Jr, J, 0.0, X, J);
    memcpy(X + p->JJ, x + 2 * Jr, 2 * (size_t)J * sizeof(double));
}

/* The SVD of G = U diag(sv) V' into the model's U, sv, V. */
static nc_status svd_of_G(const ncs_problem *p, ncs_newton *nw, const double *x)
{
    int J = p->J;
    nc_status st = ncs_svd_run(p->ctx, &nw->svd, ncs_cG(p, x), 1);
    if (st)
        return st;
    memcpy(nw->U, nw->svd.u, p->JJ * sizeof(double));
    memcpy(nw->sv, nw->svd.sv, (size_t)J * sizeof(double));
    for (int i = 0; i < J; ++i)
        for (int j = 0; j < J; ++j)
            nw->V[j + (size_t)i * J] = nw->svd.vt[i + (size_t)j * J];
    return NC_OK;
}

/* Full model: SVD of G into U, sv, V; *phi and the gradient g. */
static nc_status full_eval(const ncs_problem *p, ncs_newton *nw, const double *x, double *phi)
{
    int J = p->J;
    double f = ncs_smooth(p, x, &nw->sm, nw->g), nuc = 0;
    if (J > 1) {
        nc_status st = svd_of_G(p, nw, x);
        if (st)
            return st;
        for (int i = 0; i < J; ++i)
            nuc += nw->sv[i];
        for (size_t i = 0; i < p->JJ; ++i) {
            nw->Uf[i] = (float)nw->U[i];
            nw->Vf[i] = (float)nw->V[i];
        }
        /* d||G||_* = U_r V_r^T over the J - 1 possible directions */
        ncs_gemm('N', 'T', J, J, J - 1, p->lZ, nw->U, J, nw->V, J, 1.0, nw->g, J);
        ncs_project(p, nw->g);
    }
    *phi = f + p->lZ * nuc;
    return NC_OK;
}

/* Factored model: *phi and the gradient, and the Jacobi diagonal. */
static void factored_eval(const ncs_problem *p, ncs_newton *nw, const double *x, double *phi)
{
    int J = p->J, r = nw->r;
    size_t Jr = (size_t)J * r;
    const double *A = x, *B = x + Jr;
    double *gA = nw->g, *gB = nw->g + Jr;
    ncs_model_point(p, nw, x, nw->X);
    double f = ncs_smooth(p, nw->X, &nw->sm, nw->tmp);
    memcpy(nw->Gf, nw->tmp, p->JJ * sizeof(double));
    memcpy(nw->g + 2 * Jr, nw->tmp + p->JJ, 2 * (size_t)J * sizeof(double));
    *phi = f + 0.5 * p->lZ * (ncs_dot(A, A, Jr) + ncs_dot(B, B, Jr));
    for (size_t i = 0; i < Jr; ++i) {
        gA[i] = p->lZ * A[i];
        gB[i] = p->lZ * B[i];
    }
    ncs_gemm('N', 'N', J, r, J, 1.0, nw->Gf, J, B, J, 1.0, gA, J);
    ncs_gemm('T', 'N', J, r, J, 1.0, nw->Gf, J, A, J, 1.0, gB, J);
    ncs_project_cols(p, gA, r);
    /* Jacobi: per-entry curvature of the cross entropy, carried to A and B */
    double *var = nw->W, *sq = nw->W2;
    for (int j = 0; j < J; ++j)
        for (int i = 0; i < J; ++i) {
            double q = nw->sm.Q[i + (size_t)j * J];
            var[i + (size_t)j * J] = q * (1 - q) / (p->k[i] * p->N);
        }
    for (size_t i = 0; i < Jr; ++i)
        sq[i] = B[i] * B[i];
    ncs_gemm('N', 'N', J, r, J, 1.0, var, J, sq, J, 0.0, nw->diag, J);
    for (size_t i = 0; i < Jr; ++i)
        sq[i] = A[i] * A[i];
    ncs_gemm('T', 'N', J, r, J, 1.0, var, J, sq, J, 0.0, nw->diag + Jr, J);
    for (size_t i = 0; i < 2 * Jr; ++i)
        nw->diag[i] += p->lZ;
}

/* Diagonal of the cross entropy's Hessian in d and bt (Jacobi's share of
 * them), into diag[0..2J). */
static void smooth_diag_db(const ncs_problem *p, const ncs_soft *sm, double *diag)
{
    int J = p->J;
    for (int i = 0; i < J; ++i) {
        double h = 2 * p->lb;
        for (int j = 0; j < J; ++j) {
            double q = sm->Q[i + (size_t)j * J];
            h += p->k[j] * p->n[j] / p->N * q * (1 - q) / p->k[i];
        }
        diag[J + i] = h > 0 ? h : 1e-300;
        double k = p->k[i], w = k * p->n[i] / p->N;
        double dd = 0;
        if (p->dfree[i]) {
            double qo = sm->qo[i], qt = sm->qt[i], e = qt * (1 - 1 / k) - qo / k;
            dd = w * (qo / (k * k) + qt * (1 - 1 / k) * (1 - 1 / k) - e * e) /
                 (p->sig[i] * p->sig[i]);
        }
        diag[i] = dd > 0 ? dd : 1e-300;
    }
}


/* ------------------------------------------------------ the tangent model
 * Newton on the manifold of rank-r matrices G (docs/solver.md, section 2):
 * there ||G||_* = tr S is smooth, and at G = U S V' (U = [U_r U_perp]) a
 * tangent direction X has blocks M = U_r' X V_r, Q = U_perp' X V_r,
 * P = U_r' X V_perp (the null-null block is the normal space).  The second
 * derivative of f + lZ ||.||_* along the manifold is
 *   f''[X, X] + lZ sum_{i<j} (M_ij - M_ji)^2 / (s_i + s_j)
 *   + lZ (|Q S^{-1/2}|^2 + |S^{-1/2} P|^2) + 2 <Nn, Q S^{-1} P>
 * with Nn = U_perp' grad f V_perp: the last term is the manifold's
 * curvature (the normal part of a curve's acceleration, 2 U_perp Q S^{-1} P
 * V_perp', paired with the gradient).  Unlike the factored model there is
 * no gauge: the directions that cancel there (matched changes of both
 * factors) are here plain symmetric M, whose curvature is the cross
 * entropy's, and the full model's pairwise preconditioner applies. */

/* Z minus its normal block: Z - U_perp (U_perp' Z V_perp) V_perp'; the
 * normal space has dimension (J - r)^2, so this costs O(J^2 (J - r)).
 * NB receives U_perp' Z V_perp when not NULL. */
static void tangent_project(const ncs_problem *p, ncs_newton *nw, double *Z, double *NB)
{
    int J = p->J, r = nw->r, c = J - r;
    const double *Up = nw->U + (size_t)r * J, *Vp = nw->V + (size_t)r * J;
    double *T = nw->W2, *B = NB ? NB : nw->W2 + (size_t)c * J;
    ncs_gemm('T', 'N', c, J, J, 1.0, Up, J, Z, J, 0.0, T, c);  /* U_perp' Z */
    ncs_gemm('N', 'N', c, c, J, 1.0, T, c, Vp, J, 0.0, B, c);  /* ... V_perp */
    ncs_gemm('N', 'N', J, c, c, 1.0, Up, J, B, c, 0.0, T, J);  /* U_perp B */
    ncs_gemm('N', 'T', J, J, c, -1.0, T, J, Vp, J, 1.0, Z, J);
}

/* Retracts G onto rank r (the point is modified: the SVD's truncation),
 * keeping its SVD; *phi and the tangent gradient g. */
static nc_status tangent_eval(const ncs_problem *p, ncs_newton *nw, double *x, double *phi)
{
    int J = p->J, r = nw->r;
    nc_status st = svd_of_G(p, nw, x);
    if (st)
        return st;
    double nuc = 0;
    for (int i = 0; i < r; ++i)
        nuc += nw->sv[i];
    for (int i = r; i < J; ++i)
        nw->sv[i] = 0;
    /* the point on the manifold: G = U_r S_r V_r' */
    double *T = nw->W;
    for (int i = 0; i < r; ++i)
        for (int l = 0; l < J; ++l)
            T[l + (size_t)i * J] = nw->U[l + (size_t)i * J] * nw->sv[i];
    ncs_gemm('N', 'T', J, J, r, 1.0, T, J, nw->V, J, 0.0, ncs_pG(p, x), J);
    ncs_project(p, x);
    double f = ncs_smooth(p, x, &nw->sm, nw->g);
    tangent_project(p, nw, ncs_pG(p, nw->g), nw->Nn);
    int c = J - r;
    if (nw->nsvd_c != c) { /* the preconditioner's range-null blocks need it */
        nc_free(p->ctx, nw->nsvd_block);
        nw->nsvd_block = NULL;
        nw->nsvd_c = 0;
        ncs_svd_arg sa = {c};
        if ((st = ncs_carve(p->ctx, ncs_svd_layout, &nw->nsvd, &sa, &nw->nsvd_block)))
            return st;
        nw->nsvd_c = c;
    }
    if ((st = ncs_svd_run(p->ctx, &nw->nsvd, nw->Nn, 1)))
        return st;
    /* sigma > lZ says the rank is too low here, and makes the curvature
     * term indefinite: clipped at lZ (exact wherever the optimum's rank is
     * right and the point near it, where sigma < lZ), the model stays
     * convex and its Newton direction one of descent */
    int clip = 0;
    for (int k = 0; k < c; ++k)
        if (nw->nsvd.sv[k] > p->lZ) {
            nw->nsvd.sv[k] = p->lZ;
            clip = 1;
        }
    if (clip) { /* Nn = Wl min(sigma, lZ) Wr' */
        double *Ws = nw->W3;
        for (int k = 0; k < c; ++k)
            for (int l = 0; l < c; ++l)
                Ws[l + (size_t)k * c] = nw->nsvd.u[l + (size_t)k * c] * nw->nsvd.sv[k];
        ncs_gemm('N', 'N', c, c, c, 1.0, Ws, c, nw->nsvd.vt, c, 0.0, nw->Nn, c);
    }
    ncs_gemm('N', 'T', J, J, r, p->lZ, nw->U, J, nw->V, J, 1.0, nw->g, J);
    ncs_project(p, nw->g);
    *phi = f + p->lZ * nuc;
    return NC_OK;
}

/* hv = the tangent model's Hessian times the tangent vector v. */
static void tangent_hessian(const ncs_problem *p, ncs_newton *nw, const double *v, double *hv)
{
    int J = p->J, r = nw->r, c = J - r;
    double lZ = p->lZ, *T = nw->W, *R = nw->W2;
    const double *sv = nw->sv, *Nn = nw->Nn;
    ncs_smooth_hessian(p, &nw->sm, v, hv);
    tangent_project(p, nw, ncs_pG(p, hv), NULL);
    ncs_gemm('T', 'N', J, J, J, 1.0, nw->U, J, ncs_cG(p, v), J, 0.0, R, J);
    ncs_gemm('N', 'N', J, J, J, 1.0, R, J, nw->V, J, 0.0, T, J); /* [M P; Q .] */
    memset(R, 0, p->JJ * sizeof(double));
    for (int j = 0; j < r; ++j)
        for (int i = 0; i < r; ++i)
            if (i != j)
                R[i + (size_t)j * J] =
                    lZ * (T[i + (size_t)j * J] - T[j + (size_t)i * J]) / (sv[i] + sv[j]);
    /* R_Q = (lZ Q + Nn P') S^{-1},  R_P = S^{-1} (lZ P + Q' Nn) */
    ncs_gemm('N', 'T', c, r, c, 1.0, Nn, c, T + (size_t)r * J, J, 0.0, R + r, J);
    ncs_gemm('T', 'N', r, c, c, 1.0, T + r, J, Nn, c, 0.0, R + (size_t)r * J, J);
    for (int j = 0; j < r; ++j)
        for (int i = r; i < J; ++i) {
            size_t ij = i + (size_t)j * J, ji = j + (size_t)i * J;
            R[ij] = (R[ij] + lZ * T[ij]) / sv[j];
            R[ji] = (R[ji] + lZ * T[ji]) / sv[j];
        }
    ncs_gemm('N', 'N', J, J, J, 1.0, nw->U, J, R, J, 0.0, T, J);
    ncs_gemm('N', 'T', J, J, J, 1.0, T, J, nw->V, J, 1.0, ncs_pG(p, hv), J);
    ncs_project(p, hv);
}

/* The tangent model retracts x onto its manifold as it evaluates it (every
 * x evaluated is one of the state's own buffers). */
nc_status ncs_model_eval(const ncs_problem *p, ncs_newton *nw, const double *x, double *phi)
{
    if (nw->model == NCS_MODEL_TANGENT)
        return tangent_eval(p, nw, (double *)x, phi);
    if (nw->model == NCS_MODEL_FULL)
        return full_eval(p, nw, x, phi);
    factored_eval(p, nw, x, phi);
    return NC_OK;
}

/* The full model's objective alone, from accurate singular values. */
nc_status ncs_model_value(const ncs_problem *p, ncs_newton *nw, const double *x, double *phi)
{
    double f = ncs_smooth(p, x, &nw->sm, NULL), nuc = 0;
    nc_status st = ncs_svd_run(p->ctx, &nw->svd, ncs_cG(p, x), 0);
    if (st)
        return st;
    for (int i = 0; i < p->J; ++i)
        nuc += nw->svd.sv[i];
    *phi = f + p->lZ * nuc;
    return NC_OK;
}

/* The nuclear curvature 1/(s_i + s_j) of the pair (i, j), 0 where it is
 * not defined (the diagonal, rank-deficient pairs). */
static double pair_curvature(const ncs_newton *nw, int J, int i, int j)
{
    double den = (i < J - 1 ? nw->sv[i] : 0.0) + (j < J - 1 ? nw->sv[j] : 0.0);
    return i != j && den > nw->sv[0] * NCS_RANK_RTOL ? 1.0 / den : 0.0;
}

/* The same product in single precision: four GEMMs at twice the speed.
 * Its rounding (1e-7 relative, and more in directions of small curvature)
 * is harmless while CG is asked for a few digits only; the gradient, the
 * line search and the certificates stay in double. */
static void nuclear_hessian_single(const ncs_problem *p, ncs_newton *nw, const double *dG,
                                   double *hG)
{
    int J = p->J;
    float *F1 = nw->F1, *F2 = nw->F2;
    for (size_t i = 0; i < p->JJ; ++i)
        F1[i] = (float)dG[i];
    ncs_sgemm('T', 'N', J, J, J, nw->Uf, F1, F2);
    ncs_sgemm('N', 'N', J, J, J, F2, nw->Vf, F1);
    for (int j = 0; j < J; ++j)
        for (int i = 0; i < J; ++i)
            F2[i + (size_t)j * J] =
                (float)((F1[i + (size_t)j * J] - F1[j + (size_t)i * J]) * pair_curvature(nw, J, i, j));
    ncs_sgemm('N', 'N', J, J, J, nw->Uf, F2, F1);
    ncs_sgemm('N', 'T', J, J, J, F1, nw->Vf, F2);
    for (size_t i = 0; i < p->JJ; ++i)
        hG[i] += p->lZ * F2[i];
}

/* lZ U L(U^T dG V) V^T added to hG. */
static void nuclear_hessian(const ncs_problem *p, ncs_newton *nw, const double *dG, double *hG)
{
    if (nw->single) {
        nuclear_hessian_single(p, nw, dG, hG);
        return;
    }
    int J = p->J;
    double *M = nw->W, *L = nw->W2;
    ncs_gemm('T', 'N', J, J, J, 1.0, nw->U, J, dG, J, 0.0, L, J);
    ncs_gemm('N', 'N', J, J, J, 1.0, L, J, nw->V, J, 0.0, M, J);
    for (int j = 0; j < J; ++j)
        for (int i = 0; i < J; ++i)
            L[i + (size_t)j * J] =
                (M[i + (size_t)j * J] - M[j + (size_t)i * J]) * pair_curvature(nw, J, i, j);
    ncs_gemm('N', 'N', J, J, J, 1.0, nw->U, J, L, J, 0.0, M, J);
    ncs_gemm('N', 'T', J, J, J, p->lZ, M, J, nw->V, J, 1.0, hG, J);
}

static void model_hessian(const ncs_problem *p, ncs_newton *nw, const double *v, double *hv)
{
    int J = p->J;
    if (nw->model == NCS_MODEL_TANGENT) {
        tangent_hessian(p, nw, v, hv);
        return;
    }
    if (nw->model == NCS_MODEL_FULL) {
        ncs_smooth_hessian(p, &nw->sm, v, hv);
        if (J > 1)
            nuclear_hessian(p, nw, ncs_cG(p, v), ncs_pG(p, hv));
        ncs_project(p, hv);
        return;
    }
    int r = nw->r;
    size_t Jr = (size_t)J * r;
    const double *A = nw->x, *B = nw->x + Jr, *dA = v, *dB = v + Jr;
    double *hA = hv, *hB = hv + Jr, *E = nw->tmp, *HE = nw->hv;
    ncs_gemm('N', 'T', J, J, r, 1.0, dA, J, B, J, 0.0, E, J); /* dG = dA B' + A dB' */
    ncs_gemm('N', 'T', J, J, r, 1.0, A, J, dB, J, 1.0, E, J);
    memcpy(E + p->JJ, v + 2 * Jr, 2 * (size_t)J * sizeof(double));
    ncs_smooth_hessian(p, &nw->sm, E, HE);
    for (size_t i = 0; i < Jr; ++i) {
        hA[i] = p->lZ * dA[i];
        hB[i] = p->lZ * dB[i];
    }
    ncs_gemm('N', 'N', J, r, J, 1.0, HE, J, B, J, 1.0, hA, J);
    ncs_gemm('N', 'N', J, r, J, 1.0, nw->Gf, J, dB, J, 1.0, hA, J);
    ncs_gemm('T', 'N', J, r, J, 1.0, HE, J, A, J, 1.0, hB, J);
    ncs_gemm('T', 'N', J, r, J, 1.0, nw->Gf, J, dA, J, 1.0, hB, J);
    ncs_project_cols(p, hA, r);
    memcpy(hv + 2 * Jr, HE + p->JJ, 2 * (size_t)J * sizeof(double));
}

/* Jacobi where the full model's preconditioner is unavailable: the smooth
 * per-entry curvature plus lZ times the mean nuclear curvature. */
static void full_jacobi(const ncs_problem *p, ncs_newton *nw)
{
    int J = p->J;
    double c = 0;
    for (int i = 0; i < J - 1; ++i)
        c += nw->sv[i] > 0 ? 2.0 / nw->sv[i] : 0.0; /* the tangent model's zeros */
    c = J > 1 ? p->lZ * c / (J - 1) : 0.0;
    for (int j = 0; j < J; ++j)
        for (int i = 0; i < J; ++i) {
            double q = nw->sm.Q[i + (size_t)j * J];
            nw->diag[i + (size_t)j * J] = q * (1 - q) / (p->k[i] * p->N) + c;
        }
    smooth_diag_db(p, &nw->sm, nw->diag + p->JJ);
}


/* Z (G part) onto the range-range block: (I - U_perp U_perp') Z (I - V_perp V_perp'). */
static void tangent_range(const ncs_problem *p, ncs_newton *nw, double *Z)
{
    int J = p->J, r = nw->r, c = J - r;
    const double *Up = nw->U + (size_t)r * J, *Vp = nw->V + (size_t)r * J;
    double *T = nw->W3;
    ncs_gemm('T', 'N', c, J, J, 1.0, Up, J, Z, J, 0.0, T, c);
    ncs_gemm('N', 'N', J, J, c, -1.0, Up, J, T, c, 1.0, Z, J);
    ncs_gemm('N', 'N', J, c, J, 1.0, Z, J, Vp, J, 0.0, T, J);
    ncs_gemm('N', 'T', J, J, c, -1.0, T, J, Vp, J, 1.0, Z, J);
}

/* The tangent model's preconditioner, block diagonal between the
 * range-range block M (the full model's preconditioner, restricted to it
 * on both sides) and the range-null blocks Q, P, whose curvature is
 * dominated by the nuclear terms lZ (|q|^2 + |p|^2) / s_j + 2 q' Nn p / s_j
 * per range direction j, a 2c x 2c block diagonalised by the SVD of Nn. */
static void tangent_precond(const ncs_problem *p, ncs_newton *nw, const double *rv, double *z)
{
    int J = p->J, r = nw->r, c = J - r;
    double lZ = p->lZ, *X = nw->tmp, *T = nw->W3;
    const double *Up = nw->U + (size_t)r * J, *Vp = nw->V + (size_t)r * J;
    const double *Wl = nw->nsvd.u, *Wrt = nw->nsvd.vt, *sg = nw->nsvd.sv;
    double *rQ = nw->W2, *rP = rQ + (size_t)c * r, *yQ = rP + (size_t)r * c;
    double *yP = yQ + (size_t)c * r;
    /* rQ = U_perp' r V_r (c x r), rP = U_r' r V_perp (r x c) */
    ncs_gemm('T', 'N', c, J, J, 1.0, Up, J, ncs_cG(p, rv), J, 0.0, T, c);
    ncs_gemm('N', 'N', c, r, J, 1.0, T, c, nw->V, J, 0.0, rQ, c);
    ncs_gemm('N', 'N', J, c, J, 1.0, ncs_cG(p, rv), J, Vp, J, 0.0, T, J);
    ncs_gemm('T', 'N', r, c, J, 1.0, nw->U, J, T, J, 0.0, rP, r);
    /* the range-null blocks: in the singular bases of Nn the 2c x 2c block
     * splits into 2 x 2 ones [lZ sg; sg lZ] / s_j */
    ncs_gemm('T', 'N', c, r, c, 1.0, Wl, c, rQ, c, 0.0, yQ, c);   /* a = Wl' q */
    ncs_gemm('N', 'T', c, r, c, 1.0, Wrt, c, rP, r, 0.0, yP, c);  /* b = Wr' p (c x r) */
    for (int j = 0; j < r; ++j)
        for (int k = 0; k < c; ++k) {
            double a = yQ[k + (size_t)j * c], b = yP[k + (size_t)j * c], g = sg[k];
            double den = lZ * lZ - g * g;
            if (!(den > 1e-6 * lZ * lZ))
                den = 1e-6 * lZ * lZ;
            double f = nw->sv[j] / den;
            yQ[k + (size_t)j * c] = f * (lZ * a - g * b);
            yP[k + (size_t)j * c] = f * (lZ * b - g * a);
        }
    /* rQ <- Wl a, rP <- (Wr b)' (r x c) */
    ncs_gemm('N', 'N', c, r, c, 1.0, Wl, c, yQ, c, 0.0, rQ, c);
    ncs_gemm('T', 'N', r, c, c, 1.0, yP, c, Wrt, c, 0.0, rP, r);
    /* the range-range block */
    memcpy(X, rv, p->m * sizeof(double));
    tangent_range(p, nw, ncs_pG(p, X));
    ncs_prec_apply(p, &nw->prec, X, z);
    tangent_range(p, nw, ncs_pG(p, z));
    /* z += U_perp yQ V_r' + U_r yP V_perp' */
    ncs_gemm('N', 'N', J, r, c, 1.0, Up, J, rQ, c, 0.0, T, J);
    ncs_gemm('N', 'T', J, J, r, 1.0, T, J, nw->V, J, 1.0, ncs_pG(p, z), J);
    ncs_gemm('N', 'N', J, c, r, 1.0, nw->U, J, rP, r, 0.0, T, J);
    ncs_gemm('N', 'T', J, J, c, 1.0, T, J, Vp, J, 1.0, ncs_pG(p, z), J);
    ncs_project(p, z);
}

static void model_precond(const ncs_problem *p, ncs_newton *nw, const double *r, double *z)
{
    if (nw->model != NCS_MODEL_FACTORED && nw->use_prec) {
        if (nw->model == NCS_MODEL_TANGENT)
            tangent_precond(p, nw, r, z);
        else
            ncs_prec_apply(p, &nw->prec, r, z);
        return;
    }
    for (size_t i = 0; i < nw->m; ++i)
        z[i] = r[i] / nw->diag[i];
    if (nw->model != NCS_MODEL_FACTORED) {
        if (nw->model == NCS_MODEL_TANGENT)
            tangent_project(p, nw, ncs_pG(p, z), NULL);
        ncs_project(p, z);
    } else {
        ncs_project_cols(p, z, nw->r);
        ncs_project_cols(p, z + 2 * (size_t)p->J * nw->r + p->J, 1);
        for (int j = 0; j < p->J; ++j)
            if (!p->dfree[j])
                z[2 * (size_t)p->J * nw->r + j] = 0;
    }
}

/* Preconditioner of the current point. */
nc_status ncs_model_prepare(const ncs_problem *p, ncs_newton *nw)
{
    if (nw->model == NCS_MODEL_FACTORED) {
        smooth_diag_db(p, &nw->sm, nw->diag + 2 * (size_t)p->J * nw->r);
        return NC_OK;
    }
    nw->use_prec = 0;
    if (p->J > 1) {
        int rank = nw->model == NCS_MODEL_TANGENT ? nw->r : p->J - 1;
        nc_status st = ncs_prec_setup_rank(p, &nw->sm, nw->U, nw->sv, nw->V, rank, &nw->prec,
                                           nw->W);
        if (st)
            return st;
        nw->use_prec = nw->prec.ok;
    }
    if (!nw->use_prec)
        full_jacobi(p, nw);
    return NC_OK;
}

/* ------------------------------------------------------------------ CG */

/* From this order on the nuclear Hessian's products may run in single
 * precision (below it they are cheap anyway). */
#define NCS_SINGLE_ORDER 200

/* Truncated preconditioned CG for H dir = -g, to a relative preconditioned
 * residual FORCING; stops at negative curvature (the factored model is not
 * convex away from its minimum).  *gP receives |g|_{P^{-1}}. */
nc_status ncs_model_direction(const ncs_problem *p, ncs_newton *nw, double forcing,
                                  int max_it, int *iters, double *gP, double *gP0)
{
    size_t m = nw->m;
    memset(nw->dir, 0, m * sizeof(double));
    for (size_t i = 0; i < m; ++i)
        nw->cr[i] = -nw->g[i];
    model_precond(p, nw, nw->cr, nw->cz);
    memcpy(nw->cp, nw->cz, m * sizeof(double));
    double rz = ncs_dot(nw->cr, nw->cz, m), rz0 = rz;
    *gP = sqrt(fabs(rz0));
    *iters = 0;
    if (gP0) { /* forcing relative to the phase's first gradient: scale-free,
                * and shrinking with it, so that convergence stays quadratic */
        if (!(*gP0 > 0))
            *gP0 = *gP;
        double f = *gP / *gP0;
        forcing = f < forcing ? f : forcing;
        /* in the quadratic regime a direction accurate to the floor saves a
         * step: below 1e-6 CG would only chase the rounding of the products */
        forcing = f <= 1e-3 || forcing < 1e-6 ? 1e-6 : forcing;
    }
    /* a few digits: single precision suffices for the large products */
    nw->single = p->J >= NCS_SINGLE_ORDER && forcing >= 1e-3;
    for (int it = 0; it < max_it && rz0 > 0; ++it) {
        if (nc_interrupted(p->ctx))
            return p->ctx->status;
        model_hessian(p, nw, nw->cp, nw->ch);
        double php = ncs_dot(nw->cp, nw->ch, m);
        ++*iters;
        if (!(php > 0)) {
            if (it == 0) /* preconditioned steepest descent */
                memcpy(nw->dir, nw->cz, m * sizeof(double));
            break;
        }
        double alpha = rz / php;
        for (size_t i = 0; i < m; ++i) {
            nw->dir[i] += alpha * nw->cp[i];
            nw->cr[i] -= alpha * nw->ch[i];
        }
        model_precond(p, nw, nw->cr, nw->cz);
        double rz_new = ncs_dot(nw->cr, nw->cz, m);
        if (!(rz_new > forcing * forcing * rz0))
            break;
        double beta = rz_new / rz;
        rz = rz_new;
        for (size_t i = 0; i < m; ++i)
            nw->cp[i] = nw->cz[i] + beta * nw->cp[i];
    }
    return NC_OK;
}

/* Model point from the engine point X: a copy, or balanced factors
 * A = U sqrt(S), B = V sqrt(S) of rank r. */
nc_status ncs_model_start(const ncs_problem *p, ncs_newton *nw, const double *X)
{
    int J = p->J, r = nw->r;
    if (nw->model != NCS_MODEL_FACTORED) {
        nw->m = p->m;
        memcpy(nw->x, X, p->m * sizeof(double));
        return NC_OK;
    }
    size_t Jr = (size_t)J * r;
    nw->m = 2 * Jr + 2 * (size_t)J;
    nc_status st = ncs_svd_run(p->ctx, &nw->svd, X, 1);
    if (st)
        return st;
    for (int i = 0; i < r; ++i) {
        double c = sqrt(nw->svd.sv[i]);
        for (int l = 0; l < J; ++l) {
            nw->x[l + (size_t)i * J] = nw->svd.u[l + (size_t)i * J] * c;
            nw->x[Jr + l + (size_t)i * J] = nw->svd.vt[i + (size_t)l * J] * c;
        }
    }
    memcpy(nw->x + 2 * Jr, X + p->JJ, 2 * (size_t)J * sizeof(double));
    return NC_OK;
}

