/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Rank of the optimum from a certificate (docs/theory.md section 3).
 *
 * Near a rank drop the smallest singular value of the optimum is as small
 * as one likes, so "singular value below a tolerance" cannot tell a small
 * direction from a vanished one.  The rule used here bounds the distance
 * from the solver's point x = (Y, b), Y = Zbar D^{1/2}, to the optimum x*,
 * and then bounds the rank from both sides:
 *
 *  1. The point.  Truncate Y to the solver's rank q (Y = U S V').  A
 *     direction with a tiny singular value s is known from the dense Zbar
 *     only to eps s_1 / s, which would swamp the residual just left of a
 *     drop: such directions (s < 1e-3 s_1) are rebuilt from the top
 *     singular subspace of the certificate Gm = (I - P) D^{1/2} / (lZ N)
 *     outside the large ones (well separated: those singular values are 1,
 *     the rest below 1), which moves Y by about eps s_1.  Then two Newton
 *     steps on b with Zbar fixed: the solver stops on its duality gap,
 *     which cannot see a bias gradient below ~sqrt(eps).  Any point will do
 *     for what follows: the bounds are about the point used.
 *  2. Tilt.  With xi = U_q V_q' + clip(W), W = (I - U_q U_q') Gm (I - V_q V_q')
 *     (singular values clipped to 1), xi is a subgradient of ||.||_* at Y,
 *     and x minimises the objective F exactly after adding the linear term
 *     -<c, x>, c = (lZ (xi - Gm), grad_b f).  ||c|| comes directly from the
 *     blocks of [U_q U_perp]' Gm [V_q V_perp] (no cancellation).
 *  3. Strong convexity.  On {1'Y = 0}, with pi the smallest softmax
 *     probability (diag(p) - pp' has second eigenvalue >= min p, by
 *     interlacing), dz_k = dy_k / sqrt(n_k) + db and Young's inequality give
 *     a Hessian of the smooth part >= mu (||dY||^2 + omega ||db||^2) with
 *     beta = 2 lb / pi, e = 1 + 2 / beta, mu = pi / (N (1 + e)),
 *     omega = N (beta (1 + e) - 1 - 1/e) > 0.  F - <c, x> and F are both
 *     minimised, so in that norm ||x - x*|| <= sqrt(||c_Y||^2 +
 *     ||c_b||^2 / omega) / mu =: err: ||dY|| <= err, ||db|| <= err/sqrt(omega).
 *     Along the segment the logits move by at most err / sqrt(min n) +
 *     ||db||, which lowers pi by at most exp(-2 ...): err is inflated by that
 *     factor (and refused when it is not small).
 *  4. Bounds.  Weyl: sigma_i(between part of Y*) >= sigma_i(... of Y) - err,
 *     so lo = #{sigma_i > err}.  Softmax has derivative norm <= 1/2, so
 *     ||Gm(x*) - Gm(x)||_F <= (||dY|| + sqrt(N) ||db||) / (2 lZ N) =: gerr,
 *     and the optimum's between part has exactly as many unit singular
 *     values in its certificate as its rank: hi = #{gamma_i >= 1 - gerr},
 *     gamma the singular values of the between part of the certificate at x.
 *  Both sides include a rounding allowance of 16 K eps times the scale.
 *
 * With lb = 0 the smooth part is flat along (Y - d sqrt(n)', b + d): no
 * omega > 0 exists and step 3 fails; the bounds then use mu = pi / (2N),
 * omega = N, an estimate, not a certificate (the path reports certified = 0). */
#include "rank_probe.h"

#include <float.h>
#include <math.h>
#include <string.h>

/* Directions below this share of the largest singular value are rebuilt
 * from the certificate (see above). */
#define SNAP_RTOL 1e-3

/* The cluster-level solver's work grows as J^3 per Newton step: beyond this
 * many clusters nc_solve alone is used. */
#define THEORY_MAX_CLUSTERS 400

static nc_blas_int svd_lwork(int m)
{
    nc_blas_int M = m, lw = -1, info = 0;
    double q = 0, d = 0;
    char job = 'A';
    dgesvd_(&job, &job, &M, &M, &d, &M, &d, &d, &M, &d, &M, &q, &lw, &info, 1, 1);
    return (nc_blas_int)q + 8 * (nc_blas_int)m;
}

/* SVD of the m x m matrix A (destroyed); vectors when U and VT are not NULL. */
static nc_status svd(nc_prober *pr, int m, double *A, double *s, double *U, double *VT)
{
    if (m == 0)
        return NC_OK;
    nc_blas_int M = m, info = 0, one = 1;
    char job = U ? 'A' : 'N';
    double dummy = 0;
    dgesvd_(&job, &job, &M, &M, A, &M, s, U ? U : &dummy, U ? &M : &one, VT ? VT : &dummy,
            VT ? &M : &one, pr->work, &pr->lwork, &info, 1, 1);
    if (info != 0)
        return nc_fail(pr->ctx, NC_ENUMERIC, "lapackFailure",
                       "the SVD (dgesvd) failed with info = %d", (int)info);
    return NC_OK;
}

static void transpose(int m, const double *A, double *B)
{
    for (int j = 0; j < m; ++j)
        for (int i = 0; i < m; ++i)
            B[j + (size_t)m * i] = A[i + (size_t)m * j];
}

nc_status nc_prober_init(nc_ctx *ctx, const nc_groups *g, const double *n, double lb,
                         nc_prober *pr)
{
    memset(pr, 0, sizeof *pr);
    int K = g->K, J = g->J;
    size_t KK = (size_t)K * K, JJ = (size_t)J * J;
    pr->ctx = ctx;
    pr->g = g;
    pr->n = n;
    pr->lb = lb;
    pr->K = K;
    pr->J = J;
    nc_solve_defaults(&pr->sopts);
    pr->sopts.tol = 1e-14;
    pr->sopts.max_iter = 500; /* at a drop the solver crawls; the certificate judges the point */
    double **kk[] = {&pr->Zbar, &pr->Y,  &pr->U,     &pr->V,     &pr->G,    &pr->X1,
                      &pr->X2,   &pr->X3, &pr->Zlast, &pr->Zw[0], &pr->Zw[1]};
    for (size_t i = 0; i < sizeof kk / sizeof *kk; ++i)
        *kk[i] = nc_alloc(ctx, KK, sizeof(double));
    double **k1[] = {&pr->b,    &pr->sv,    &pr->sqn,   &pr->s,
                      &pr->kvec, &pr->blast, &pr->bw[0], &pr->bw[1]};
    for (size_t i = 0; i < sizeof k1 / sizeof *k1; ++i)
        *k1[i] = nc_alloc(ctx, (size_t)K, sizeof(double));
    double **jj[] = {&pr->BY, &pr->BG, &pr->bu, &pr->bvt, &pr->M};
    for (size_t i = 0; i < sizeof jj / sizeof *jj; ++i)
        *jj[i] = nc_alloc(ctx, JJ, sizeof(double));
    pr->bs = nc_alloc(ctx, (size_t)J, sizeof(double));
    pr->theory_ok = J <= THEORY_MAX_CLUSTERS;
    if (pr->theory_ok) {
        pr->pos = nc_alloc(ctx, (size_t)K, sizeof(int));
        pr->tk = nc_alloc(ctx, (size_t)J, sizeof(int));
        pr->tcoll = nc_alloc(ctx, (size_t)J, sizeof(int));
        pr->tZ = nc_alloc(ctx, KK, sizeof(double));
        double **tj[] = {&pr->tb, &pr->tsv};
        for (size_t i = 0; i < 2; ++i)
            *tj[i] = nc_alloc(ctx, (size_t)K, sizeof(double));
        double **tv[] = {&pr->tbsv, &pr->talpha, &pr->tbeta, &pr->tdelta, &pr->tbias};
        for (size_t i = 0; i < 5; ++i)
            *tv[i] = nc_alloc(ctx, (size_t)J, sizeof(double));
        pr->tgamma = nc_alloc(ctx, JJ, sizeof(double));
    }
    pr->lwork = svd_lwork(K);
    pr->work = nc_alloc(ctx, (size_t)pr->lwork, sizeof(double));
    if (ctx->status) {
        nc_prober_free(pr);
        return ctx->status;
    }
    for (int k = 0; k < K; ++k)
        pr->sqn[k] = sqrt(n[k]);
    if (pr->theory_ok) {
        int *start = pr->tcoll; /* first position of each cluster, then a cursor */
        for (int j = 0, at = 0; j < J; at += g->size[j], ++j) {
            start[j] = at;
            pr->tk[j] = g->size[j];
        }
        for (int k = 0; k < K; ++k)
            pr->pos[k] = start[g->of[k]]++;
    }
    return NC_OK;
}

void nc_prober_free(nc_prober *pr)
{
    nc_ctx *ctx = pr->ctx;
    double *all[] = {pr->Zbar,  pr->Y,     pr->U,     pr->V,     pr->G,     pr->X1,
                     pr->X2,    pr->X3,    pr->Zlast, pr->Zw[0], pr->Zw[1], pr->b,
                     pr->sv,    pr->sqn,   pr->s,     pr->kvec,  pr->blast, pr->bw[0],
                     pr->bw[1], pr->BY,    pr->BG,    pr->bu,    pr->bvt,   pr->M,
                     pr->bs,    pr->work,  pr->tZ,    pr->tb,    pr->tsv,   pr->tbsv,
                     pr->talpha, pr->tbeta, pr->tdelta, pr->tgamma, pr->tbias};
    for (size_t i = 0; i < sizeof all / sizeof *all; ++i)
        nc_free(ctx, all[i]);
    nc_free(ctx, pr->pos);
    nc_free(ctx, pr->tk);
    nc_free(ctx, pr->tcoll);
    memset(pr, 0, sizeof *pr);
}

nc_status nc_probe_alloc(nc_ctx *ctx, int J, int K, nc_probe *p)
{
    memset(p, 0, sizeof *p);
    p->sb = nc_calloc(ctx, (size_t)J, sizeof(double));
    p->gb = nc_calloc(ctx, (size_t)J, sizeof(double));
    if (K > 0) {
        p->du = nc_calloc(ctx, (size_t)K, sizeof(double));
        p->dv = nc_calloc(ctx, (size_t)K, sizeof(double));
    }
    if (ctx->status)
        nc_probe_free(ctx, p);
    return ctx->status;
}

void nc_probe_free(nc_ctx *ctx, nc_probe *p)
{
    nc_free(ctx, p->sb);
    nc_free(ctx, p->gb);
    nc_free(ctx, p->du);
    nc_free(ctx, p->dv);
    p->sb = p->gb = p->du = p->dv = NULL;
}

/* U, s, V of Y = Zbar D^{1/2} (Y kept). */
static nc_status factor_point(nc_prober *pr)
{
    int K = pr->K;
    for (int k = 0; k < K; ++k)
        for (int l = 0; l < K; ++l)
            pr->Y[l + (size_t)K * k] = pr->Zbar[l + (size_t)K * k] * pr->sqn[k];
    memcpy(pr->X1, pr->Y, sizeof(double) * (size_t)K * K);
    nc_status st = svd(pr, K, pr->X1, pr->s, pr->U, pr->X2);
    if (!st)
        transpose(K, pr->X2, pr->V);
    return st;
}

/* Y = U_q S_q V_q', Zbar = Y D^{-1/2}. */
static void rebuild(nc_prober *pr, int q)
{
    int K = pr->K;
    for (int i = 0; i < q; ++i)
        for (int l = 0; l < K; ++l)
            pr->X1[l + (size_t)K * i] = pr->U[l + (size_t)K * i] * pr->s[i];
    if (q > 0)
        nc_gemm('N', 'T', K, K, q, 1.0, pr->X1, K, pr->V, K, 0.0, pr->Y, K);
    else
        memset(pr->Y, 0, sizeof(double) * (size_t)K * K);
    for (int k = 0; k < K; ++k)
        for (int l = 0; l < K; ++l)
            pr->Zbar[l + (size_t)K * k] = pr->Y[l + (size_t)K * k] / pr->sqn[k];
}

/* The certificate Gm = (I - P) D^{1/2} / (lZ N) at (Zbar, b) into pr->G;
 * returns the squared norm of the bias gradient (projected on sum(b) = 0
 * when lb = 0) and the smallest probability in *pmin. */
static double certificate_matrix(nc_prober *pr, double lZ, double *pmin)
{
    int K = pr->K;
    double N = pr->g->N, *P = pr->X1, low = 1;
    for (int k = 0; k < K; ++k) {
        const double *z = pr->Zbar + (size_t)K * k;
        double *pk = P + (size_t)K * k, mx = -INFINITY, sum = 0, off = 0;
        for (int l = 0; l < K; ++l)
            mx = fmax(mx, z[l] + pr->b[l]);
        for (int l = 0; l < K; ++l)
            sum += pk[l] = exp(z[l] + pr->b[l] - mx);
        for (int l = 0; l < K; ++l) {
            pk[l] /= sum;
            low = fmin(low, pk[l]);
            if (l != k)
                off += pk[l];
        }
        double *gk = pr->G + (size_t)K * k, scale = pr->sqn[k] / (lZ * N);
        for (int l = 0; l < K; ++l)
            gk[l] = -pk[l] * scale;
        gk[k] = off * scale; /* 1 - p_kk summed from the small entries */
    }
    /* row l of P n - n: sum_{k != l} p_lk n_k - (1 - p_ll) n_l */
    double *g = pr->kvec, mean = 0, c2 = 0;
    for (int l = 0; l < K; ++l) {
        double acc = 0;
        for (int k = 0; k < K; ++k)
            if (k != l)
                acc += P[l + (size_t)K * k] * pr->n[k];
        double off = pr->G[l + (size_t)K * l] * lZ * N / pr->sqn[l];
        g[l] = (acc - off * pr->n[l]) / N + 2 * pr->lb * pr->b[l];
        mean += g[l] / K;
    }
    for (int l = 0; l < K; ++l) {
        double gl = g[l] - (pr->lb > 0 ? 0 : mean);
        c2 += gl * gl;
    }
    *pmin = low;
    return c2;
}

/* Newton steps on b with Zbar fixed: the solver stops on its duality gap,
 * which cannot see a bias gradient below ~sqrt(eps); the bias subproblem is
 * small (K x K), smooth and strongly convex (with lb = 0 the shift along 1
 * is fixed by sum(b) = 0), so two steps bring that gradient to rounding. */
static nc_status polish_bias(nc_prober *pr, int steps)
{
    int K = pr->K;
    double N = pr->g->N, *H = pr->X1, *P = pr->X2, *gr = pr->kvec;
    for (int it = 0; it < steps; ++it) {
        memset(H, 0, sizeof(double) * (size_t)K * K);
        for (int l = 0; l < K; ++l)
            gr[l] = 2 * pr->lb * pr->b[l] - pr->n[l] / N;
        for (int k = 0; k < K; ++k) {
            const double *z = pr->Zbar + (size_t)K * k;
            double *pk = P, mx = -INFINITY, sum = 0, w = pr->n[k] / N;
            for (int l = 0; l < K; ++l)
                mx = fmax(mx, z[l] + pr->b[l]);
            for (int l = 0; l < K; ++l)
                sum += pk[l] = exp(z[l] + pr->b[l] - mx);
            for (int l = 0; l < K; ++l) {
                pk[l] /= sum;
                gr[l] += w * pk[l];
            }
            for (int j = 0; j < K; ++j) {
                H[j + (size_t)K * j] += w * pk[j];
                for (int l = 0; l < K; ++l)
                    H[l + (size_t)K * j] -= w * pk[l] * pk[j];
            }
        }
        for (int l = 0; l < K; ++l)
            for (int j = 0; j < K; ++j)
                H[l + (size_t)K * j] += (l == j) * 2 * pr->lb + (pr->lb > 0 ? 0 : 1.0 / K);
        nc_blas_int n = K, one = 1, info = 0;
        char up = 'L';
        dpotrf_(&up, &n, H, &n, &info, 1);
        if (info != 0)
            return NC_OK; /* not positive definite in floating point: keep the solver's b */
        dpotrs_(&up, &n, &one, H, &n, gr, &n, &info, 1);
        double mean = 0;
        for (int l = 0; l < K; ++l)
            mean += gr[l] / K;
        for (int l = 0; l < K; ++l)
            pr->b[l] -= gr[l] - (pr->lb > 0 ? 0 : mean);
    }
    return NC_OK;
}

/* A = (I - U_q U_q') G (I - V_q V_q') (K x K, into A); C11 = U_q' G V_q
 * (q x q, into X2) and the squared norms of the off-diagonal blocks U_q' G
 * (I - V_q V_q') and (I - U_q U_q') G V_q in *off2 (when not NULL).  Uses X3. */
static void split_blocks(nc_prober *pr, int q, double *A, double *off2)
{
    int K = pr->K;
    double *UG = pr->X3, *C11 = pr->X2;   /* UG: q x K */
    memcpy(A, pr->G, sizeof(double) * (size_t)K * K);
    if (q == 0) {
        if (off2)
            *off2 = 0;
        return;
    }
    nc_gemm('T', 'N', q, K, K, 1.0, pr->U, K, pr->G, K, 0.0, UG, q);
    nc_gemm('N', 'N', q, q, K, 1.0, UG, q, pr->V, K, 0.0, C11, q);
    double r = 0;
    /* R1 = U_q' G - C11 V_q' (q x K) */
    nc_gemm('N', 'T', q, K, q, -1.0, C11, q, pr->V, K, 1.0, UG, q);
    for (size_t i = 0; i < (size_t)q * K; ++i)
        r += UG[i] * UG[i];
    /* A = G - U_q (U_q' G) ... built as (I - U U') G, then (.)(I - V V') */
    nc_gemm('T', 'N', q, K, K, 1.0, pr->U, K, pr->G, K, 0.0, UG, q);
    nc_gemm('N', 'N', K, K, q, -1.0, pr->U, K, UG, q, 1.0, A, K);
    /* A V_q = (I - U U') G V_q = R2 (K x q), reusing UG's storage as K x q */
    double *R2 = UG;
    nc_gemm('N', 'N', K, q, K, 1.0, A, K, pr->V, K, 0.0, R2, K);
    for (size_t i = 0; i < (size_t)K * q; ++i)
        r += R2[i] * R2[i];
    nc_gemm('N', 'T', K, K, q, -1.0, R2, K, pr->V, K, 1.0, A, K);
    if (off2)
        *off2 = r;
}

/* Rebuilds directions q' .. q-1 (singular values below SNAP_RTOL s_1) from
 * the top q - q' singular subspace of the certificate outside the first q'
 * directions, keeping their singular values from Y's projection there. */
static nc_status snap(nc_prober *pr, int qk, int q)
{
    int K = pr->K, m = q - qk;
    double *A = pr->X1, *Ua = pr->Y;
    nc_status st;
    split_blocks(pr, qk, A, NULL);
    /* X1 = A is destroyed by the SVD; Ua into Y (rebuilt below), Va' into X3 */
    if ((st = svd(pr, K, A, pr->kvec, Ua, pr->X3)))
        return st;
    /* B = Ua_m' Y_old Va_m with Y_old = U_q S_q V_q' over the small directions
     * only (the large ones are orthogonal to Ua_m by construction) */
    double *B = pr->X2;
    for (int i = 0; i < m; ++i)
        for (int c = 0; c < m; ++c) {
            double acc = 0;
            for (int j = qk; j < q; ++j) {
                double ui = 0, vc = 0;
                for (int l = 0; l < K; ++l) {
                    ui += Ua[l + (size_t)K * i] * pr->U[l + (size_t)K * j];
                    vc += pr->X3[c + (size_t)K * l] * pr->V[l + (size_t)K * j];
                }
                acc += ui * pr->s[j] * vc;
            }
            B[i + (size_t)m * c] = acc;
        }
    double *P = pr->X1, *QT = pr->Zbar, *sig = pr->kvec; /* Zbar is rebuilt below */
    if ((st = svd(pr, m, B, sig, P, QT)))
        return st;
    for (int c = 0; c < m; ++c) {
        pr->s[qk + c] = sig[c];
        for (int l = 0; l < K; ++l) {
            double u = 0, v = 0;
            for (int i = 0; i < m; ++i) {
                u += Ua[l + (size_t)K * i] * P[i + (size_t)m * c];
                v += pr->X3[i + (size_t)K * l] * QT[c + (size_t)m * i];
            }
            pr->U[l + (size_t)K * (qk + c)] = u;
            pr->V[l + (size_t)K * (qk + c)] = v;
        }
    }
    rebuild(pr, q);
    return NC_OK;
}

/* ||Gm - xi||_F^2 for the subgradient xi = U_q V_q' + clip(W) nearest Gm:
 * ||C11 - I||^2, the off-diagonal blocks, and the excess of W's singular
 * values over 1. */
static nc_status tilt_norm2(nc_prober *pr, int q, double *r2)
{
    int K = pr->K;
    double off2 = 0, r = 0;
    split_blocks(pr, q, pr->X1, &off2);
    for (int c = 0; c < q; ++c)
        for (int i = 0; i < q; ++i) {
            double d = pr->X2[i + (size_t)q * c] - (i == c);
            r += d * d;
        }
    nc_status st = svd(pr, K, pr->X1, pr->kvec, NULL, NULL);
    if (st)
        return st;
    for (int i = 0; i < K; ++i)
        if (pr->kvec[i] > 1)
            r += (pr->kvec[i] - 1) * (pr->kvec[i] - 1);
    *r2 = r + off2;
    return NC_OK;
}

/* The top m singular pairs of (I - Ub Ub') BG (I - Vb Vb'), Ub and Vb the
 * leading r singular vectors of the between part of Y, lifted to K. */
static nc_status entering_directions(nc_prober *pr, int r, int m, double *du, double *dv)
{
    int J = pr->J, K = pr->K;
    double *A = pr->M, *T = pr->X1, *Vb = pr->X2, *Ua = pr->X3, *VaT = pr->Zbar;
    transpose(J, pr->bvt, Vb);
    memcpy(A, pr->BG, sizeof(double) * (size_t)J * J);
    if (r > 0) {
        nc_gemm('T', 'N', r, J, J, 1.0, pr->bu, J, A, J, 0.0, T, r);  /* Ub' A */
        nc_gemm('N', 'N', J, J, r, -1.0, pr->bu, J, T, r, 1.0, A, J); /* A -= Ub Ub' A */
        nc_gemm('N', 'N', J, r, J, 1.0, A, J, Vb, J, 0.0, T, J);      /* A Vb */
        nc_gemm('N', 'T', J, J, r, -1.0, T, J, Vb, J, 1.0, A, J);     /* A -= A Vb Vb' */
    }
    nc_status st = svd(pr, J, A, pr->bs, Ua, VaT);
    if (st)
        return st;
    for (int c = 0; c < m && c < J; ++c) {
        for (int i = 0; i < J; ++i)
            pr->kvec[i] = VaT[c + (size_t)J * i];
        nc_groups_lift(pr->g, Ua + (size_t)J * c, du + (size_t)K * c);
        nc_groups_lift(pr->g, pr->kvec, dv + (size_t)K * c);
    }
    return NC_OK;
}

nc_status nc_probe_at(nc_prober *pr, double lZ, int warm, nc_probe *p, int m, double *du,
                      double *dv)
{
    int K = pr->K;
    size_t KK = (size_t)K * K;
    nc_solve_opts opts = pr->sopts;
    if (warm >= 0 && warm < 2 && pr->have[warm]) {
        opts.Zbar0 = pr->Zw[warm];
        opts.b0 = pr->bw[warm];
    }
    nc_solve_info info;
    nc_status st = nc_solve(pr->ctx, K, pr->n, lZ, pr->lb, &opts, pr->Zbar, pr->b, pr->sv, &info);
    if (st)
        return st;
    pr->probes++;
    memcpy(pr->Zlast, pr->Zbar, KK * sizeof(double));
    memcpy(pr->blast, pr->b, (size_t)K * sizeof(double));
    return nc_probe_certify(pr, lZ, info.rank, p, m, du, dv);
}

nc_status nc_probe_theory(nc_prober *pr, double lZ, nc_probe *p, int m, double *du, double *dv)
{
    int K = pr->K, J = pr->J;
    const nc_groups *g = pr->g;
    if (!pr->theory_ok)
        return nc_fail(pr->ctx, NC_EBADARG, "internal", "too many clusters for nc_theory");
    nc_theory_result t = {.alpha = pr->talpha, .beta = pr->tbeta, .delta = pr->tdelta,
                          .gamma = pr->tgamma, .bias = pr->tbias, .collapsed = pr->tcoll,
                          .Zbar = pr->tZ, .b = pr->tb, .sv = pr->tsv, .between_sv = pr->tbsv};
    /* a failure of this second opinion is no failure of the probe: its own
     * context keeps the caller's error state clean (but memory exhaustion
     * and Ctrl-C are passed on) */
    nc_ctx own = *pr->ctx;
    own.status = NC_OK;
    own.errid[0] = own.errmsg[0] = 0;
    nc_status st = nc_theory(&own, J, pr->tk, g->count, lZ, pr->lb, &t);
    pr->probes++;
    if (st == NC_ENOMEM || st == NC_EINTERRUPT) {
        *pr->ctx = own;
        return st;
    }
    if (st) {
        p->lambda = lZ;
        p->rank = -1;
        p->lo = 0;
        p->hi = J;
        return NC_OK;
    }
    int q = 0;
    while (q < K && pr->tsv[q] > 0)
        ++q;
    for (int k = 0; k < K; ++k) {
        pr->b[k] = pr->tb[pr->pos[k]];
        for (int l = 0; l < K; ++l)
            pr->Zbar[l + (size_t)K * k] = pr->tZ[pr->pos[l] + (size_t)K * pr->pos[k]];
    }
    memcpy(pr->Zlast, pr->Zbar, sizeof(double) * (size_t)K * K);
    memcpy(pr->blast, pr->b, sizeof(double) * (size_t)K);
    return nc_probe_certify(pr, lZ, q, p, m, du, dv);
}

void nc_prober_keep(nc_prober *pr, int slot)
{
    int K = pr->K;
    memcpy(pr->Zw[slot], pr->Zlast, sizeof(double) * (size_t)K * K);
    memcpy(pr->bw[slot], pr->blast, sizeof(double) * (size_t)K);
    pr->have[slot] = 1;
}

nc_status nc_probe_certify(nc_prober *pr, double lZ, int q, nc_probe *p, int m, double *du,
                           double *dv)
{
    int K = pr->K, J = pr->J;
    double N = pr->g->N, pmin;
    nc_status st;
    if ((st = factor_point(pr)))
        return st;
    double s1 = pr->s[0];
    rebuild(pr, q);
    int qk = 0;
    while (qk < q && pr->s[qk] >= SNAP_RTOL * s1)
        ++qk;
    if ((st = polish_bias(pr, 2)))
        return st;
    if (qk < q) {
        certificate_matrix(pr, lZ, &pmin);
        if ((st = snap(pr, qk, q)))
            return st;
    }
    double cb2 = certificate_matrix(pr, lZ, &pmin), r2;
    if ((st = tilt_norm2(pr, q, &r2)))
        return st;

    /* strong convexity in the norm ||dY||^2 + omega ||db||^2 (see above) */
    double nmin = INFINITY;
    for (int k = 0; k < K; ++k)
        nmin = fmin(nmin, pr->n[k]);
    double beta = 2 * pr->lb / pmin, eps = 1 + 2 / beta;
    double mu = pmin / (N * (1 + eps)), omega = N * (beta * (1 + eps) - 1 - 1 / eps);
    if (!(pr->lb > 0)) { /* no bound in the b direction: an estimate only */
        mu = pmin / (2 * N);
        omega = N;
    }
    double ew = sqrt(lZ * lZ * r2 + cb2 / omega) / mu;
    double err_b = ew / sqrt(omega), spread = ew / sqrt(nmin) + err_b;
    /* the softmax moves by at most exp(2 spread) along the segment to x* */
    double err = spread > 0.25 || !(mu > 0) ? INFINITY : ew * exp(2 * spread);
    err_b *= exp(2 * spread);

    nc_groups_between(pr->g, pr->Y, pr->BY);
    nc_groups_between(pr->g, pr->G, pr->BG);
    memcpy(pr->M, pr->BY, sizeof(double) * (size_t)J * J);
    if ((st = svd(pr, J, pr->M, p->sb, pr->bu, pr->bvt)))
        return st;
    memcpy(pr->M, pr->BG, sizeof(double) * (size_t)J * J);
    if ((st = svd(pr, J, pr->M, p->gb, NULL, NULL)))
        return st;

    /* ||dGm||_F <= (||dY|| + sqrt(N) ||db||) / (2 lZ N): softmax has derivative norm <= 1/2 */
    double gerr = (err + sqrt(N) * err_b) / (2 * lZ * N);
    double slack_y = 16 * K * DBL_EPSILON * s1, slack_g = 16 * K * DBL_EPSILON * fmax(1, p->gb[0]);
    int lo = 0, hi = 0;
    for (int i = 0; i < J; ++i) {
        lo += p->sb[i] > err + slack_y;
        hi += p->gb[i] >= 1 - gerr - slack_g;
    }
    p->lambda = lZ;
    p->rank = q;
    p->lo = lo;
    p->hi = hi;
    p->err = err;
    if (hi < lo) { /* contradictory bounds: err was not a bound (lb = 0); decide nothing */
        p->lo = 0;
        p->hi = J;
    }
    if (m > 0 && du && dv)
        return entering_directions(pr, p->hi, m, du, dv);
    if (p->du && p->dv && p->lo == p->hi && p->hi < J)
        return entering_directions(pr, p->hi, 1, p->du, p->dv);
    return NC_OK;
}

void nc_probe_collapsed_weight(const nc_prober *pr, int rank, double *w)
{
    int K = pr->K;
    for (int l = 0; l < K; ++l) {
        double in = 0;
        for (int i = 0; i < rank; ++i)
            in += pr->U[l + (size_t)K * i] * pr->U[l + (size_t)K * i];
        w[l] = fmax(0, 1 - 1.0 / K - in);
    }
}
