/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The reduced convex program of the imbalanced UFM (paper.md sections 2-3).
 *
 * Variables: Y = Zbar D^{1/2} (K x K, D = diag(n)) and b.  In Y the
 * non-smooth term is a plain nuclear norm, and the smooth part
 *   f(Y, b) = (1/N) sum_k n_k CE(y_k / sqrt(n_k) + b, k) + lb ||b||^2
 * has a Hessian bounded by (1/N)||dY||^2 + (1 + 2 lb)||db||^2, so the two
 * blocks get their own step sizes (they differ by a factor ~N).
 *
 * Method:
 *  1. Zero test.  Zbar = 0 is optimal iff ||(I - p 1^T) D^{1/2}||_op <= lZ N
 *     with p = softmax of the bias-only optimum: decided exactly up front.
 *  2. Accelerated proximal gradient (FISTA with adaptive restart and an
 *     adaptive step) identifies the rank of the optimum.
 *  3. When the iterate has full rank K - 1 (the largest possible: every column
 *     of Zbar sums to 0, so 1^T Y = 0), the objective is smooth near it on
 *     the subspace {1^T Y = 0, 1^T b = 0}, and a projected Newton-CG method
 *     converges quadratically where first-order methods crawl (small lZ:
 *     logits grow, curvature vanishes).  The Hessian of ||Y||_* at
 *     Y = U S V^T acts as U L(U^T dY V) V^T with
 *     L(M)_ij = (M_ij - M_ji) / (s_i + s_j).
 *  4. Every answer is certified by a dual point built from the primal one:
 *     P = softmax columns, made feasible (mixed with q 1^T when lb = 0 so that
 *     P n = n, then shrunk towards I until ||(I - P) D^{1/2}||_op <= lZ N).
 *     Its dual value is a rigorous lower bound on the optimum.
 */
#include "nc_solve.h"

#include "lapack.h"

#include <float.h>
#include <math.h>
#include <string.h>

void nc_solve_defaults(nc_solve_opts *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->tol = 1e-12;
    opts->max_iter = 100000;
}

/* ---------------------------------------------------------------------- */
/* Workspace                                                              */

typedef struct {
    nc_ctx *ctx;
    int K;
    double N, lZ, lb;
    const double *n;
    double *sqn;   /* sqrt(n_k) */
    /* SVD */
    double *svd_a, *svd_u, *svd_vt, *svd_s, *svd_work;
    int svd_lwork;
    int *svd_iwork;   /* for dgesdd */
    /* scratch */
    double *P;     /* K x K softmax columns */
    double *tmp;   /* K x K */
    double *tmp2;  /* K x K */
    double *vec;   /* K */
    double *vec2, *vec3; /* K */
    double *off;   /* K: off-diagonal mass 1 - p_kk of each softmax column, kept
                    * exactly because it is tiny when predictions are confident */
} solver;

static void solver_free(solver *s)
{
    nc_ctx *ctx = s->ctx;
    nc_free(ctx, s->sqn);
    nc_free(ctx, s->svd_a);
    nc_free(ctx, s->svd_u);
    nc_free(ctx, s->svd_vt);
    nc_free(ctx, s->svd_s);
    nc_free(ctx, s->svd_work);
    nc_free(ctx, s->svd_iwork);
    nc_free(ctx, s->P);
    nc_free(ctx, s->tmp);
    nc_free(ctx, s->tmp2);
    nc_free(ctx, s->vec);
    nc_free(ctx, s->off);
    nc_free(ctx, s->vec2);
    nc_free(ctx, s->vec3);
}

static nc_status solver_init(solver *s, nc_ctx *ctx, int K, const double *n, double lZ,
                             double lb)
{
    memset(s, 0, sizeof *s);
    s->ctx = ctx;
    s->K = K;
    s->n = n;
    s->lZ = lZ;
    s->lb = lb;
    size_t KK = (size_t)K * (size_t)K;
    s->sqn = nc_alloc(ctx, (size_t)K, sizeof(double));
    s->svd_a = nc_alloc(ctx, KK, sizeof(double));
    s->svd_u = nc_alloc(ctx, KK, sizeof(double));
    s->svd_vt = nc_alloc(ctx, KK, sizeof(double));
    s->svd_s = nc_alloc(ctx, (size_t)K, sizeof(double));
    s->P = nc_alloc(ctx, KK, sizeof(double));
    s->tmp = nc_alloc(ctx, KK, sizeof(double));
    s->tmp2 = nc_alloc(ctx, KK, sizeof(double));
    s->vec = nc_alloc(ctx, (size_t)K, sizeof(double));
    s->off = nc_alloc(ctx, (size_t)K, sizeof(double));
    s->vec2 = nc_alloc(ctx, (size_t)K, sizeof(double));
    s->vec3 = nc_alloc(ctx, (size_t)K, sizeof(double));
    if (ctx->status)
        return ctx->status;
    double N = 0;
    for (int k = 0; k < K; ++k) {
        N += n[k];
        s->sqn[k] = sqrt(n[k]);
    }
    s->N = N;
    /* Workspace for the largest SVD we run: the larger of the two drivers. */
    char jobu = 'A';
    int lwork = -1, info = 0;
    double wq = 0, wq2 = 0;
    dgesvd_(&jobu, &jobu, &K, &K, s->svd_a, &K, s->svd_s, s->svd_u, &K, s->svd_vt, &K, &wq,
            &lwork, &info, 1, 1);
    s->svd_iwork = nc_alloc(ctx, 8 * (size_t)K, sizeof(int));
    if (ctx->status)
        return ctx->status;
    dgesdd_(&jobu, &K, &K, s->svd_a, &K, s->svd_s, s->svd_u, &K, s->svd_vt, &K, &wq2, &lwork,
            s->svd_iwork, &info, 1);
    s->svd_lwork = (int)fmax(wq, wq2) + 8 * K;
    s->svd_work = nc_alloc(ctx, (size_t)s->svd_lwork, sizeof(double));
    return ctx->status;
}

/* Above this size singular vectors come from dgesdd, 8x faster than dgesvd
 * at K = 1000.  Singular values alone always come from dgesvd, which is
 * accurate, so certificates never depend on dgesdd. */
#define SVD_DIVIDE_AND_CONQUER_K 64

/* SVD of the K x K matrix A (not modified).  With vectors: svd_u, svd_vt. */
static nc_status svd(solver *s, const double *A, int vectors)
{
    int K = s->K, info = 0;
    char job = vectors ? 'A' : 'N';
    memcpy(s->svd_a, A, sizeof(double) * (size_t)K * (size_t)K);
    if (vectors && K >= SVD_DIVIDE_AND_CONQUER_K) {
        dgesdd_(&job, &K, &K, s->svd_a, &K, s->svd_s, s->svd_u, &K, s->svd_vt, &K, s->svd_work,
                &s->svd_lwork, s->svd_iwork, &info, 1);
        if (info == 0)
            return NC_OK;
        memcpy(s->svd_a, A, sizeof(double) * (size_t)K * (size_t)K); /* fall back */
    }
    dgesvd_(&job, &job, &K, &K, s->svd_a, &K, s->svd_s, s->svd_u, &K, s->svd_vt, &K,
            s->svd_work, &s->svd_lwork, &info, 1, 1);
    if (info != 0)
        return nc_fail(s->ctx, NC_ENUMERIC, "lapackFailure",
                       "the SVD (dgesvd) failed with info = %d", info);
    return NC_OK;
}

static double nuclear_norm_of_svd(const solver *s)
{
    double t = 0;
    for (int i = 0; i < s->K; ++i)
        t += s->svd_s[i];
    return t;
}

/* ---------------------------------------------------------------------- */
/* Smooth part                                                            */

/* Softmax of v (length K) into p; returns log-sum-exp. */
static double softmax(int K, const double *v, double *p)
{
    double mx = v[0];
    for (int l = 1; l < K; ++l)
        if (v[l] > mx)
            mx = v[l];
    double sum = 0;
    for (int l = 0; l < K; ++l) {
        p[l] = exp(v[l] - mx);
        sum += p[l];
    }
    for (int l = 0; l < K; ++l)
        p[l] /= sum;
    return mx + log(sum);
}

/* Softmax of v into p and CE(v, k) = -log p_k, with *off = 1 - p_k summed
 * from the other entries.  When class k dominates, CE = log1p(rest): the
 * form lse - v_k would lose everything below ulp(v_k). */
static double softmax_ce(int K, const double *v, int k, double *p, double *off)
{
    double mx = v[0];
    for (int l = 1; l < K; ++l)
        if (v[l] > mx)
            mx = v[l];
    double sum = 0, rest = 0;
    for (int l = 0; l < K; ++l) {
        p[l] = exp(v[l] - mx);
        sum += p[l];
        if (l != k)
            rest += p[l];
    }
    for (int l = 0; l < K; ++l)
        p[l] /= sum;
    *off = rest / sum;
    return v[k] == mx ? log1p(rest) : (mx - v[k]) + log(sum);
}

/* f(Y, b); fills s->P with the softmax columns; gradients if gY, gb given. */
static double smooth_eval(solver *s, const double *Y, const double *b, double *gY, double *gb)
{
    int K = s->K;
    double N = s->N, f = 0;
    double *v = s->vec;
    if (gb)
        for (int l = 0; l < K; ++l)
            gb[l] = 2 * s->lb * b[l];
    for (int k = 0; k < K; ++k) {
        const double *y = Y + (size_t)k * K;
        double *p = s->P + (size_t)k * K;
        double inv = 1.0 / s->sqn[k];
        for (int l = 0; l < K; ++l)
            v[l] = y[l] * inv + b[l];
        f += s->n[k] / N * softmax_ce(K, v, k, p, &s->off[k]);
        if (gY) {
            double *g = gY + (size_t)k * K;
            double c = s->sqn[k] / N;
            for (int l = 0; l < K; ++l)
                g[l] = c * p[l];
            g[k] = -c * s->off[k];
        }
        if (gb) {
            double c = s->n[k] / N;
            for (int l = 0; l < K; ++l)
                if (l != k)
                    gb[l] += c * p[l];
            gb[k] -= c * s->off[k];
        }
    }
    double bb = 0;
    for (int l = 0; l < K; ++l)
        bb += b[l] * b[l];
    return f + s->lb * bb;
}

/* Removes the mean of each column of the K x K matrix A and of b: the
 * optimum lies in {1^T Y = 0, 1^T b = 0}, and rounding drifts off it. */
static void center_columns(int K, double *A, int cols)
{
    for (int k = 0; k < cols; ++k) {
        double *a = A + (size_t)k * K, m = 0;
        for (int l = 0; l < K; ++l)
            m += a[l];
        m /= K;
        for (int l = 0; l < K; ++l)
            a[l] -= m;
    }
}

/* ---------------------------------------------------------------------- */
/* Bias-only problem: min_b (1/N) sum n_k CE(b, k) + lb ||b||^2.          */

static double bias_only_objective(const solver *s, const double *b)
{
    int K = s->K;
    double mx = b[0], sum = 0, f = 0, bb = 0;
    for (int l = 1; l < K; ++l)
        if (b[l] > mx)
            mx = b[l];
    for (int l = 0; l < K; ++l)
        sum += exp(b[l] - mx);
    double lse = mx + log(sum);
    for (int l = 0; l < K; ++l) {
        f += s->n[l] / s->N * (lse - b[l]);
        bb += b[l] * b[l];
    }
    return f + s->lb * bb;
}

/* Gradient p - n/N + 2 lb b of the bias-only objective, into g (with the
 * softmax in p); returns its norm. */
static double bias_only_gradient(const solver *s, const double *b, double *p, double *g)
{
    int K = s->K;
    double gn = 0;
    softmax(K, b, p);
    for (int l = 0; l < K; ++l) {
        g[l] = p[l] - s->n[l] / s->N + 2 * s->lb * b[l];
        gn += g[l] * g[l];
    }
    return sqrt(gn);
}

/* The optimum of the bias-only problem, i.e. b when Zbar = 0. */
static void bias_only(solver *s, double *b)
{
    int K = s->K;
    double *p = s->vec, *g = s->tmp, *w = s->tmp2, *trial = s->tmp2 + K, *gt = s->tmp + K;
    if (s->lb == 0) {
        /* softmax(b) = n / N exactly */
        for (int l = 0; l < K; ++l)
            b[l] = log(s->n[l]);
        center_columns(K, b, 1);
        return;
    }
    memset(b, 0, sizeof(double) * (size_t)K);
    /* Newton with Hessian diag(p) - p p^T + 2 lb I (inverted by
     * Sherman-Morrison); strongly convex.  A full step is taken when it
     * decreases the objective or halves the gradient (the objective is flat
     * to rounding near the optimum), else backtracking. */
    double gn = bias_only_gradient(s, b, p, g);
    for (int it = 0; it < 200 && gn > 0; ++it) {
        double pAg = 0, pAp = 0, gw = 0;
        for (int l = 0; l < K; ++l) {
            double a = p[l] + 2 * s->lb;
            pAg += p[l] * g[l] / a;
            pAp += p[l] * p[l] / a;
        }
        double c = pAg / (1 - pAp);
        for (int l = 0; l < K; ++l) {
            w[l] = (g[l] + c * p[l]) / (p[l] + 2 * s->lb);
            gw += g[l] * w[l];
        }
        double f0 = bias_only_objective(s, b), t = 1;
        int accepted = 0;
        for (int ls = 0; ls < 60 && !accepted; ++ls, t *= 0.5) {
            for (int l = 0; l < K; ++l)
                trial[l] = b[l] - t * w[l];
            /* strict: near the optimum f0 - 1e-4 t gw rounds to f0 */
            double f1 = bias_only_objective(s, trial);
            accepted = (f1 < f0 && f1 <= f0 - 1e-4 * t * gw) ||
                       (ls == 0 && bias_only_gradient(s, trial, p, gt) <= 0.5 * gn);
            /* a decrement the objective cannot resolve: backtracking is futile */
            if (!accepted && gw <= 1e3 * DBL_EPSILON * fabs(f0))
                break;
        }
        if (!accepted)
            break; /* the rounding floor: no step decreases either measure */
        memcpy(b, trial, (size_t)K * sizeof(double));
        gn = bias_only_gradient(s, b, p, g);
    }
    center_columns(K, b, 1);
}

/* ---------------------------------------------------------------------- */
/* Certificate                                                            */

static double xlogx(double x) { return x > 0 ? x * log(x) : 0; }

/* Primal objective at (Y, b) and the dual value of the feasible point built
 * from it.  Uses s->P, s->tmp, s->tmp2, s->vec and the SVD buffers. */
static nc_status certify(solver *s, const double *Y, const double *b, double *primal,
                         double *dual)
{
    int K = s->K;
    double N = s->N;
    nc_status st;
    double f = smooth_eval(s, Y, b, NULL, NULL);
    if ((st = svd(s, Y, 0)))
        return st;
    *primal = f + s->lZ * nuclear_norm_of_svd(s);

    /* The dual point is kept as its off-diagonal entries O (in P) and the
     * column masses off_k = 1 - p_kk (in off), so that 1 - p_kk and the
     * entropy stay accurate when p_kk is within rounding of 1. */
    double *P = s->tmp, *off = s->vec2, *r = s->vec3;
    memcpy(P, s->P, sizeof(double) * (size_t)K * (size_t)K);
    memcpy(off, s->off, sizeof(double) * (size_t)K);
    /* r = (I - P) n */
    for (int l = 0; l < K; ++l) {
        r[l] = off[l] * s->n[l];
        for (int k = 0; k < K; ++k)
            if (k != l)
                r[l] -= P[l + (size_t)k * K] * s->n[k];
    }
    if (s->lb == 0) {
        /* b is free, so the dual needs P n = n: mix with q 1^T, the smallest
         * t in P' = (1 - t) P + t q 1^T that keeps q >= 0. */
        double *q = s->vec, t = 0;
        for (int l = 0; l < K; ++l) {
            double m = s->n[l] - r[l];
            if (m > 0 && -r[l] / m > t)
                t = -r[l] / m;
        }
        if (t > 0) {
            for (int l = 0; l < K; ++l) {
                q[l] = (r[l] + t * (s->n[l] - r[l])) / (t * N);
                if (q[l] < 0)
                    q[l] = 0;
            }
            for (int k = 0; k < K; ++k) {
                double qoff = 0;
                for (int l = 0; l < K; ++l)
                    if (l != k) {
                        P[l + (size_t)k * K] = (1 - t) * P[l + (size_t)k * K] + t * q[l];
                        qoff += q[l];
                    }
                off[k] = (1 - t) * off[k] + t * qoff;
            }
        }
    }
    /* G = (I - P) D^{1/2}; shrink towards I until ||G||_op <= lZ N. */
    double *G = s->tmp2;
    for (int k = 0; k < K; ++k)
        for (int l = 0; l < K; ++l)
            G[l + (size_t)k * K] = (l == k ? off[k] : -P[l + (size_t)k * K]) * s->sqn[k];
    if ((st = svd(s, G, 0)))
        return st;
    /* 1e-14 of slack covers the rounding of the SVD itself */
    double opn = s->svd_s[0] * (1 + 1e-14);
    double theta = opn > s->lZ * N ? s->lZ * N / opn : 1.0;
    double ent = 0;
    for (int k = 0; k < K; ++k) {
        double h = 0, dk = theta * off[k];
        for (int l = 0; l < K; ++l)
            if (l != k)
                h -= xlogx(theta * P[l + (size_t)k * K]);
        h -= (1 - dk) * log1p(-dk);
        ent += s->n[k] / N * h;
    }
    double d = ent;
    if (s->lb > 0) {
        double r2 = 0;
        for (int l = 0; l < K; ++l)
            r2 += theta * r[l] * theta * r[l];
        d -= r2 / (4 * s->lb * N * N);
    }
    *dual = d;
    return NC_OK;
}

/* ---------------------------------------------------------------------- */
/* Proximal gradient                                                      */

/* Singular values below this fraction of the largest are rounding noise. */
#define RANK_RTOL 1e-12

/* X <- U_r diag(s_i - shift) V_r^T from the SVD held in s (consumes svd_u). */
static void svd_rebuild(solver *s, int r, double shift, double *X)
{
    int K = s->K;
    for (int i = 0; i < r; ++i) {
        double c = s->svd_s[i] - shift;
        double *u = s->svd_u + (size_t)i * K;
        for (int l = 0; l < K; ++l)
            u[l] *= c;
    }
    if (r == 0)
        memset(X, 0, sizeof(double) * (size_t)K * (size_t)K);
    else
        nc_gemm('N', 'N', K, K, r, 1.0, s->svd_u, K, s->svd_vt, K, 0.0, X, K);
}

/* X <- U max(S - tau, 0) V^T using the SVD of X; returns the rank kept. */
static nc_status svt(solver *s, double *X, double tau, int *rank)
{
    int K = s->K;
    nc_status st = svd(s, X, 1);
    if (st)
        return st;
    int r = 0;
    double floor_abs = s->svd_s[0] * RANK_RTOL;
    while (r < K && s->svd_s[r] > tau && s->svd_s[r] - tau > floor_abs)
        ++r;
    svd_rebuild(s, r, tau, X);
    *rank = r;
    return NC_OK;
}

typedef struct {
    double *Y, *b;         /* current iterate x_k */
    double *Yp, *bp;       /* previous iterate */
    double *Yz, *bz;       /* extrapolated point */
    double *gY, *gb;       /* gradient at the extrapolated point */
    double theta;          /* momentum parameter */
    double rho;            /* step scale (1 = the global Lipschitz bound) */
    int rank;
} fista_state;

static double sqnorm(const double *a, size_t len)
{
    double t = 0;
    for (size_t i = 0; i < len; ++i)
        t += a[i] * a[i];
    return t;
}

/* One FISTA step with backtracking on the block metric
 * (1/(N rho)) ||dY||^2 + ((1 + 2 lb)/rho) ||db||^2, gradient-based restart. */
static nc_status fista_step(solver *s, fista_state *fs)
{
    int K = s->K;
    size_t KK = (size_t)K * K;
    double N = s->N, Lb = 1 + 2 * s->lb;
    /* extrapolation */
    double theta_next = 0.5 * (1 + sqrt(1 + 4 * fs->theta * fs->theta));
    double beta = (fs->theta - 1) / theta_next;
    for (size_t i = 0; i < KK; ++i)
        fs->Yz[i] = fs->Y[i] + beta * (fs->Y[i] - fs->Yp[i]);
    for (int l = 0; l < K; ++l)
        fs->bz[l] = fs->b[l] + beta * (fs->b[l] - fs->bp[l]);
    double fz = smooth_eval(s, fs->Yz, fs->bz, fs->gY, fs->gb);
    memcpy(fs->Yp, fs->Y, KK * sizeof(double));
    memcpy(fs->bp, fs->b, (size_t)K * sizeof(double));
    for (int attempt = 0; attempt < 60; ++attempt) {
        double tY = N * fs->rho, tb = fs->rho / Lb;
        for (size_t i = 0; i < KK; ++i)
            fs->Y[i] = fs->Yz[i] - tY * fs->gY[i];
        for (int l = 0; l < K; ++l)
            fs->b[l] = fs->bz[l] - tb * fs->gb[l];
        nc_status st = svt(s, fs->Y, tY * s->lZ, &fs->rank);
        if (st)
            return st;
        double f1 = smooth_eval(s, fs->Y, fs->b, NULL, NULL);
        double lin = 0, quad = 0;
        for (size_t i = 0; i < KK; ++i) {
            double d = fs->Y[i] - fs->Yz[i];
            lin += fs->gY[i] * d;
            quad += d * d / tY;
        }
        for (int l = 0; l < K; ++l) {
            double d = fs->b[l] - fs->bz[l];
            lin += fs->gb[l] * d;
            quad += d * d / tb;
        }
        /* relative slack absorbs rounding when steps are tiny */
        if (f1 <= fz + lin + 0.5 * quad + 1e-15 * fabs(fz) || fs->rho < 1e-6)
            break;
        fs->rho *= 0.5;
    }
    /* Restart when the momentum points uphill (O'Donoghue and Candes). */
    double dot = 0;
    for (size_t i = 0; i < KK; ++i)
        dot += (fs->Yz[i] - fs->Y[i]) * (fs->Y[i] - fs->Yp[i]);
    for (int l = 0; l < K; ++l)
        dot += (fs->bz[l] - fs->b[l]) * (fs->b[l] - fs->bp[l]) * N * Lb;
    fs->theta = dot > 0 ? 1.0 : theta_next;
    /* Curvature shrinks as logits grow: let the step grow back slowly. */
    fs->rho = fmin(fs->rho * 1.05, 1e8);
    center_columns(K, fs->Y, K);
    center_columns(K, fs->b, 1);
    return NC_OK;
}

/* ---------------------------------------------------------------------- */
/* Second-order phase: Newton-CG on an identified smooth structure.       */
/*                                                                        */
/* Two models share one damped Newton-CG loop over a flat variable x:     */
/*  - full rank: x = [Y; b]; rank Y = K - 1 is the most 1^T Y = 0 allows, */
/*    and there ||Y||_* is smooth on {1^T Y = 0}.  The Hessian of the      */
/*    nuclear norm at Y = U S V^T is dY -> U L(U^T dY V) V^T with          */
/*    L(M)_ij = (M_ij - M_ji) / (s_i + s_j).                               */
/*  - rank r < K - 1 (collapse): the factored form Y = A B^T, A, B K x r,  */
/*    psi = f(A B^T, b) + (lZ/2)(||A||^2 + ||B||^2), whose minimum equals  */
/*    the convex one when r >= rank of the optimum; smooth, so Newton      */
/*    converges quadratically modulo the rotation A Q, B Q, which CG      */
/*    ignores (the gradient is orthogonal to it).                         */
/* Both certify through the dual of the convex program.                   */

typedef struct {
    int model;               /* MODEL_FULL or MODEL_FACTORED */
    int r;                   /* factored rank */
    size_t m;                /* number of variables */
    double *x, *g, *d, *xt;  /* point, gradient, direction, trial */
    double *cr, *cz, *cp, *ch; /* CG vectors */
    double *diag;            /* Jacobi preconditioner (factored model) */
    double *U, *V, *sig;     /* full model: SVD of Y */
    double *G;               /* factored model: gradient of f in Y */
    double *M, *A;           /* K x K scratch */
    double *Yc, *bc;         /* Y and b of the current point */
    double precond_c;        /* full model: stand-in for the nuclear Hessian */
    double *schur;           /* full model: Cholesky factor of the b Schur complement */
    int schur_ok;
    int cg_iterations;
} newton_state;

enum { MODEL_FULL, MODEL_FACTORED };

/* The smooth part of the Hessian: (hY, hb) = d^2 f [dY, db], at the point
 * whose softmax columns are s->P. */
static void smooth_hessian(solver *s, const double *dY, const double *db, double *hY,
                           double *hb)
{
    int K = s->K;
    double N = s->N, *w = s->vec;
    for (int l = 0; l < K; ++l)
        hb[l] = 2 * s->lb * db[l];
    for (int k = 0; k < K; ++k) {
        const double *p = s->P + (size_t)k * K;
        const double *d = dY + (size_t)k * K;
        double *h = hY + (size_t)k * K;
        double inv = 1.0 / s->sqn[k], pw = 0;
        for (int l = 0; l < K; ++l) {
            w[l] = d[l] * inv + db[l];
            pw += p[l] * w[l];
        }
        double cy = s->sqn[k] / N, cb = s->n[k] / N;
        for (int l = 0; l < K; ++l) {
            double sl = p[l] * (w[l] - pw);
            h[l] = cy * sl;
            hb[l] += cb * sl;
        }
    }
}

/* Y and b of a point x of the model. */
static void model_point(solver *s, newton_state *ns, const double *x, double *Y, double *b)
{
    int K = s->K;
    size_t KK = (size_t)K * K;
    if (ns->model == MODEL_FULL) {
        memcpy(Y, x, KK * sizeof(double));
        memcpy(b, x + KK, (size_t)K * sizeof(double));
    } else {
        int r = ns->r;
        nc_gemm('N', 'T', K, K, r, 1.0, x, K, x + (size_t)K * r, K, 0.0, Y, K);
        memcpy(b, x + 2 * (size_t)K * r, (size_t)K * sizeof(double));
    }
}

/* Objective and gradient at x; leaves in s and ns what the Hessian needs. */
static nc_status model_eval(solver *s, newton_state *ns, const double *x, double *phi)
{
    int K = s->K;
    size_t KK = (size_t)K * K;
    model_point(s, ns, x, ns->Yc, ns->bc);
    if (ns->model == MODEL_FULL) {
        nc_status st = svd(s, ns->Yc, 1);
        if (st)
            return st;
        memcpy(ns->U, s->svd_u, KK * sizeof(double));
        memcpy(ns->sig, s->svd_s, (size_t)K * sizeof(double));
        for (int i = 0; i < K; ++i)
            for (int j = 0; j < K; ++j)
                ns->V[j + (size_t)i * K] = s->svd_vt[i + (size_t)j * K];
        *phi = smooth_eval(s, ns->Yc, ns->bc, ns->g, ns->g + KK) +
               s->lZ * nuclear_norm_of_svd(s);
        /* d||Y||_* = U_r V_r^T over the K - 1 possible directions */
        nc_gemm('N', 'T', K, K, K - 1, s->lZ, ns->U, K, ns->V, K, 1.0, ns->g, K);
        center_columns(K, ns->g, K + 1);
        return NC_OK;
    }
    int r = ns->r;
    size_t Kr = (size_t)K * r;
    const double *A = x, *B = x + Kr;
    double *gA = ns->g, *gB = ns->g + Kr, *gb = ns->g + 2 * Kr;
    *phi = smooth_eval(s, ns->Yc, ns->bc, ns->G, gb) +
           0.5 * s->lZ * (sqnorm(A, Kr) + sqnorm(B, Kr));
    for (size_t i = 0; i < Kr; ++i) {
        gA[i] = s->lZ * A[i];
        gB[i] = s->lZ * B[i];
    }
    nc_gemm('N', 'N', K, r, K, 1.0, ns->G, K, B, K, 1.0, gA, K);
    nc_gemm('T', 'N', K, r, K, 1.0, ns->G, K, A, K, 1.0, gB, K);
    center_columns(K, gA, r);
    center_columns(K, gb, 1);
    /* Jacobi preconditioner: diagonal of the Hessian in A and B */
    double *var = ns->M, *sq = ns->A;
    for (size_t i = 0; i < KK; ++i)
        var[i] = s->P[i] * (1 - s->P[i]) / s->N;
    for (size_t i = 0; i < Kr; ++i)
        sq[i] = B[i] * B[i];
    nc_gemm('N', 'N', K, r, K, 1.0, var, K, sq, K, 0.0, ns->diag, K);
    for (size_t i = 0; i < Kr; ++i)
        sq[i] = A[i] * A[i];
    nc_gemm('T', 'N', K, r, K, 1.0, var, K, sq, K, 0.0, ns->diag + Kr, K);
    for (size_t i = 0; i < 2 * Kr; ++i)
        ns->diag[i] += s->lZ;
    return NC_OK;
}

/* The full model's objective alone, from accurate singular values. */
static nc_status model_value(solver *s, newton_state *ns, const double *x, double *phi)
{
    model_point(s, ns, x, ns->Yc, ns->bc);
    nc_status st = svd(s, ns->Yc, 0);
    if (st)
        return st;
    *phi = smooth_eval(s, ns->Yc, ns->bc, NULL, NULL) + s->lZ * nuclear_norm_of_svd(s);
    return NC_OK;
}

static void model_hessian(solver *s, newton_state *ns, const double *v, double *hv)
{
    int K = s->K;
    size_t KK = (size_t)K * K;
    if (ns->model == MODEL_FULL) {
        smooth_hessian(s, v, v + KK, hv, hv + KK);
        nc_gemm('T', 'N', K, K, K, 1.0, ns->U, K, v, K, 0.0, ns->A, K);
        nc_gemm('N', 'N', K, K, K, 1.0, ns->A, K, ns->V, K, 0.0, ns->M, K);
        double smax = ns->sig[0], *L = ns->A;
        for (int j = 0; j < K; ++j)
            for (int i = 0; i < K; ++i) {
                double den = ns->sig[i] + ns->sig[j];
                L[i + (size_t)j * K] = (i != j && den > smax * RANK_RTOL)
                    ? (ns->M[i + (size_t)j * K] - ns->M[j + (size_t)i * K]) / den
                    : 0.0;
            }
        nc_gemm('N', 'N', K, K, K, 1.0, ns->U, K, L, K, 0.0, ns->M, K);
        nc_gemm('N', 'T', K, K, K, s->lZ, ns->M, K, ns->V, K, 1.0, hv, K);
        center_columns(K, hv, K + 1);
        return;
    }
    int r = ns->r;
    size_t Kr = (size_t)K * r;
    const double *A = ns->x, *B = ns->x + Kr;
    const double *dA = v, *dB = v + Kr, *db = v + 2 * Kr;
    double *hA = hv, *hB = hv + Kr, *hb = hv + 2 * Kr;
    double *dY = ns->M, *HY = ns->A;
    nc_gemm('N', 'T', K, K, r, 1.0, dA, K, B, K, 0.0, dY, K);
    nc_gemm('N', 'T', K, K, r, 1.0, A, K, dB, K, 1.0, dY, K);
    smooth_hessian(s, dY, db, HY, hb);
    for (size_t i = 0; i < Kr; ++i) {
        hA[i] = s->lZ * dA[i];
        hB[i] = s->lZ * dB[i];
    }
    nc_gemm('N', 'N', K, r, K, 1.0, HY, K, B, K, 1.0, hA, K);
    nc_gemm('N', 'N', K, r, K, 1.0, ns->G, K, dB, K, 1.0, hA, K);
    nc_gemm('T', 'N', K, r, K, 1.0, HY, K, A, K, 1.0, hB, K);
    nc_gemm('T', 'N', K, r, K, 1.0, ns->G, K, dA, K, 1.0, hB, K);
    center_columns(K, hA, r);
    center_columns(K, hb, 1);
}

/* Full model preconditioner: the exact smooth Hessian plus c I on the Y
 * block, [[A, C], [C', Bb]] with A = blockdiag((1/N) S_k + c I),
 * C_k = (sqrt(n_k)/N) S_k, Bb = sum_k (n_k/N) S_k + 2 lb I, S_k = diag(p_k) -
 * p_k p_k'.  Shifting b while compensating in Y leaves the logits, hence f,
 * unchanged, so the Y-b coupling must be inverted exactly: through the K x K
 * Schur complement Bb - C' A^{-1} C, where
 *   S A^{-1} S = diag(p^2/a) - u p' - p u' + (p'w) p p' + g z z'
 * with a = p/N + c, w = p/a, u = p w, z = u - (p'w) p, g = 1/(N - p'w).
 * Built once per Newton step (O(K^3) through GEMMs), applied in O(K^2). */
static void schur_setup(solver *s, newton_state *ns)
{
    int K = s->K;
    size_t KK = (size_t)K * K;
    double N = s->N, c = ns->precond_c;
    double *Sb = ns->schur, *Pw = ns->M, *Uw = ns->A, *Zw = ns->Yc; /* scratch */
    memset(Sb, 0, KK * sizeof(double));
    for (int k = 0; k < K; ++k) {
        const double *p = s->P + (size_t)k * K;
        double wk = s->n[k] / N, ck = s->n[k] / (N * N), pw = 0;
        for (int l = 0; l < K; ++l)
            pw += p[l] * p[l] / (p[l] / N + c);
        double g = 1.0 / (N - pw);
        double sg = sqrt(ck * g);
        for (int l = 0; l < K; ++l) {
            double a = p[l] / N + c, u = p[l] * p[l] / a;
            /* Bb's own S_k and the diagonal and p p' terms of S A^{-1} S */
            Sb[l + (size_t)l * K] += wk * p[l] - ck * u;
            Pw[l + (size_t)k * K] = p[l];
            Uw[l + (size_t)k * K] = ck * u;
            Zw[l + (size_t)k * K] = sg * (u - pw * p[l]);
        }
        double coef = wk + ck * pw;
        for (int l = 0; l < K; ++l)
            ns->cz[l + (size_t)k * K] = sqrt(coef) * p[l];
    }
    /* - sum_k (wk + ck p'w) p p'  (from S_k in Bb and from S A^{-1} S) */
    nc_gemm('N', 'T', K, K, K, -1.0, ns->cz, K, ns->cz, K, 1.0, Sb, K);
    /* + ck (u p' + p u') */
    nc_gemm('N', 'T', K, K, K, 1.0, Uw, K, Pw, K, 1.0, Sb, K);
    nc_gemm('N', 'T', K, K, K, 1.0, Pw, K, Uw, K, 1.0, Sb, K);
    /* - ck g z z' */
    nc_gemm('N', 'T', K, K, K, -1.0, Zw, K, Zw, K, 1.0, Sb, K);
    for (int l = 0; l < K; ++l)
        Sb[l + (size_t)l * K] += 2 * s->lb;
    /* b lives in 1^perp; a multiple of 1 1' makes the factor definite
     * without touching that subspace */
    double trace = 0;
    for (int l = 0; l < K; ++l)
        trace += Sb[l + (size_t)l * K];
    for (size_t i = 0; i < KK; ++i)
        Sb[i] += trace / ((double)K * K);
    char uplo = 'L';
    int info = 0;
    dpotrf_(&uplo, &K, Sb, &K, &info, 1);
    ns->schur_ok = info == 0;
}

/* z = A^{-1} r for one column (Sherman-Morrison). */
static void column_solve(int K, const double *p, double N, double c, const double *r,
                         double *z)
{
    double par = 0, pap = 0;
    for (int l = 0; l < K; ++l) {
        double a = p[l] / N + c;
        par += p[l] * r[l] / a;
        pap += p[l] * p[l] / a;
    }
    double coef = par / (N - pap);
    for (int l = 0; l < K; ++l)
        z[l] = (r[l] + coef * p[l]) / (p[l] / N + c);
}

/* Full model: per column the exact smooth Hessian (1/N)(diag p - p p^T) plus
 * c I standing in for the nuclear term, inverted by Sherman-Morrison.
 * Factored model: Jacobi.  The b block: diagonal of its smooth Hessian. */
static void model_precond(solver *s, newton_state *ns, const double *rv, double *z)
{
    int K = s->K;
    double N = s->N;
    size_t nY = ns->model == MODEL_FULL ? (size_t)K * K : 2 * (size_t)K * ns->r;
    if (ns->model == MODEL_FULL && ns->schur_ok) {
        /* t = A^{-1} rY; zb = Sb^{-1} (rb - C' t); zY = t - A^{-1} C zb */
        double c = ns->precond_c, *zb = z + nY, *w = s->vec;
        for (int k = 0; k < K; ++k)
            column_solve(K, s->P + (size_t)k * K, N, c, rv + (size_t)k * K, z + (size_t)k * K);
        memcpy(zb, rv + nY, (size_t)K * sizeof(double));
        for (int k = 0; k < K; ++k) {
            const double *p = s->P + (size_t)k * K, *t = z + (size_t)k * K;
            double pt = 0, ck = s->sqn[k] / N;
            for (int l = 0; l < K; ++l)
                pt += p[l] * t[l];
            for (int l = 0; l < K; ++l)
                zb[l] -= ck * p[l] * (t[l] - pt);
        }
        char uplo = 'L';
        int one = 1, info = 0;
        dpotrs_(&uplo, &K, &one, ns->schur, &K, zb, &K, &info, 1);
        for (int k = 0; k < K; ++k) {
            const double *p = s->P + (size_t)k * K;
            double pz = 0, ck = s->sqn[k] / N;
            for (int l = 0; l < K; ++l)
                pz += p[l] * zb[l];
            for (int l = 0; l < K; ++l)
                s->vec2[l] = ck * p[l] * (zb[l] - pz);
            column_solve(K, p, N, c, s->vec2, w);
            for (int l = 0; l < K; ++l)
                z[l + (size_t)k * K] -= w[l];
        }
        center_columns(K, z, K + 1);
        return;
    }
    if (ns->model == MODEL_FULL) {
        double c = ns->precond_c;
        for (int k = 0; k < K; ++k)
            column_solve(K, s->P + (size_t)k * K, N, c, rv + (size_t)k * K, z + (size_t)k * K);
    } else {
        for (size_t i = 0; i < nY; ++i)
            z[i] = rv[i] / ns->diag[i];
    }
    for (int l = 0; l < K; ++l) {
        double h = 2 * s->lb;
        for (int k = 0; k < K; ++k) {
            double pl = s->P[l + (size_t)k * K];
            h += s->n[k] / N * pl * (1 - pl);
        }
        z[nY + l] = rv[nY + l] / (h + 1e-300);
    }
    if (ns->model == MODEL_FULL)
        center_columns(K, z, K + 1);
    else {
        center_columns(K, z, ns->r);
        center_columns(K, z + nY, 1);
    }
}

static double dot(const double *a, const double *b, size_t n)
{
    double t = 0;
    for (size_t i = 0; i < n; ++i)
        t += a[i] * b[i];
    return t;
}

/* Truncated preconditioned CG for H d = -g; stops at negative curvature
 * (the factored model is not convex away from its minimum). */
static void newton_direction(solver *s, newton_state *ns, double forcing)
{
    size_t m = ns->m;
    memset(ns->d, 0, m * sizeof(double));
    for (size_t i = 0; i < m; ++i)
        ns->cr[i] = -ns->g[i];
    double r0 = sqrt(dot(ns->cr, ns->cr, m));
    model_precond(s, ns, ns->cr, ns->cz);
    memcpy(ns->cp, ns->cz, m * sizeof(double));
    double rz = dot(ns->cr, ns->cz, m);
    int max_cg = m < 500 ? (int)m : 500;
    for (int it = 0; it < max_cg; ++it) {
        model_hessian(s, ns, ns->cp, ns->ch);
        double php = dot(ns->cp, ns->ch, m);
        ++ns->cg_iterations;
        if (!(php > 0)) {
            if (it == 0) /* preconditioned steepest descent */
                memcpy(ns->d, ns->cz, m * sizeof(double));
            break;
        }
        double alpha = rz / php;
        for (size_t i = 0; i < m; ++i) {
            ns->d[i] += alpha * ns->cp[i];
            ns->cr[i] -= alpha * ns->ch[i];
        }
        if (sqrt(dot(ns->cr, ns->cr, m)) <= forcing * r0)
            break;
        model_precond(s, ns, ns->cr, ns->cz);
        double rz_new = dot(ns->cr, ns->cz, m);
        double beta = rz_new / rz;
        rz = rz_new;
        for (size_t i = 0; i < m; ++i)
            ns->cp[i] = ns->cz[i] + beta * ns->cp[i];
    }
}

/* Once the gap is certified the objective is flat to rounding, so a line
 * search can no longer tell better from worse, yet the point may still be
 * ~sqrt(eps) away from the optimum.  Full Newton steps are accepted while
 * the gradient norm halves (quadratic convergence; the gradient is accurate
 * far below the objective's rounding).  On entry the direction ns->d
 * belongs to ns->x, which receives the last accepted point. */
static nc_status newton_polish(solver *s, newton_state *ns, double gnorm)
{
    size_t m = ns->m;
    double phi;
    nc_status st;
    for (int it = 0; it < 3; ++it) {
        for (size_t i = 0; i < m; ++i)
            ns->xt[i] = ns->x[i] + ns->d[i];
        if ((st = model_eval(s, ns, ns->xt, &phi)))
            return st;
        double gnew = sqrt(dot(ns->g, ns->g, m));
        if (!(gnew <= 0.5 * gnorm))
            break;
        double *swap = ns->x;
        ns->x = ns->xt;
        ns->xt = swap;
        gnorm = gnew;
        if (gnorm == 0)
            break;
        ns->cg_iterations = 0;
        newton_direction(s, ns, 1e-3);
    }
    return NC_OK;
}

/* Damped Newton-CG from (Y, b).  On success (*ok = 1) (Y, b) holds a point
 * whose certified gap is within tol; otherwise (Y, b) is left at the best
 * point reached.  The model state always belongs to the last point
 * evaluated, so an accepted line-search trial needs no second evaluation. */
static nc_status newton_phase(solver *s, newton_state *ns, int model, int r, double *Y,
                              double *b, double tol, int *steps, int verbose, int *ok,
                              double *primal_out, double *dual_out)
{
    int K = s->K;
    size_t KK = (size_t)K * K;
    nc_status st;
    *ok = 0;
    ns->model = model;
    ns->r = r;
    if (model == MODEL_FULL) {
        ns->m = KK + K;
        memcpy(ns->x, Y, KK * sizeof(double));
        memcpy(ns->x + KK, b, (size_t)K * sizeof(double));
    } else {
        /* balanced factors of the rank-r iterate: A = U sqrt(S), B = V sqrt(S) */
        size_t Kr = (size_t)K * r;
        ns->m = 2 * Kr + K;
        if ((st = svd(s, Y, 1)))
            return st;
        for (int i = 0; i < r; ++i) {
            double c = sqrt(s->svd_s[i]);
            for (int l = 0; l < K; ++l) {
                ns->x[l + (size_t)i * K] = s->svd_u[l + (size_t)i * K] * c;
                ns->x[Kr + l + (size_t)i * K] = s->svd_vt[i + (size_t)l * K] * c;
            }
        }
        memcpy(ns->x + 2 * Kr, b, (size_t)K * sizeof(double));
    }
    size_t m = ns->m;
    double phi = 0, primal = 0, dual = 0, best_phi = INFINITY;
    int fresh = 0, stalls = 0, short_steps = 0;
    double gnorm0 = 1;
    for (int it = 0; it < 80; ++it) {
        if (nc_interrupted(s->ctx))
            return s->ctx->status;
        if (!fresh && (st = model_eval(s, ns, ns->x, &phi)))
            return st;
        fresh = 0;
        /* the full model's formula needs the K - 1 possible singular values > 0 */
        if (model == MODEL_FULL) {
            if (ns->sig[K - 2] <= ns->sig[0] * 1e-9) {
                if (verbose >= 2)
                    nc_printf(s->ctx, "  newton: left the full-rank region\n");
                return NC_OK;
            }
            double hsum = 0;
            for (int i = 0; i < K - 1; ++i)
                hsum += 2.0 / ns->sig[i];
            ns->precond_c = s->lZ * hsum / (K - 1);
            schur_setup(s, ns);
        }
        double gnorm = sqrt(dot(ns->g, ns->g, m));
        ns->cg_iterations = 0;
        if (it == 0)
            gnorm0 = gnorm;
        /* forcing term relative to the phase's first gradient: scale-free */
        newton_direction(s, ns, fmin(0.1, sqrt(gnorm / gnorm0)));
        double slope = dot(ns->g, ns->d, m);
        /* -slope/2 estimates phi - phi* near the optimum (Newton decrement) */
        double decrement = -0.5 * slope;
        /* Close to the optimum, or at the objective's rounding floor where a
         * line search cannot judge: polish, then certify. */
        if (decrement <= fmax(tol, 1e3 * DBL_EPSILON) * fabs(phi)) {
            if ((st = newton_polish(s, ns, gnorm)))
                return st;
            model_point(s, ns, ns->x, Y, b);
            center_columns(K, Y, K);
            center_columns(K, b, 1);
            if ((st = certify(s, Y, b, &primal, &dual)))
                return st;
            *ok = primal - dual <= tol * primal;
            *primal_out = primal;
            *dual_out = dual;
            return NC_OK;
        }
        if (!(slope < 0)) {
            if (verbose >= 2)
                nc_printf(s->ctx, "  newton: no descent direction\n");
            return NC_OK;
        }
        double t = 1, phi_t = phi;
        int accepted = 0;
        /* Where singular vectors come from dgesdd, trial points are judged
         * by dgesvd's singular values alone, and the full state is built at
         * the accepted point: acceptance never rests on dgesdd. */
        int values_only = model == MODEL_FULL && K >= SVD_DIVIDE_AND_CONQUER_K;
        for (int ls = 0; ls < 40; ++ls, t *= 0.5) {
            for (size_t i = 0; i < m; ++i)
                ns->xt[i] = ns->x[i] + t * ns->d[i];
            if ((st = values_only ? model_value(s, ns, ns->xt, &phi_t)
                                  : model_eval(s, ns, ns->xt, &phi_t)))
                return st;
            if (phi_t <= phi + 1e-4 * t * slope + 8 * DBL_EPSILON * fabs(phi)) {
                accepted = 1;
                break;
            }
        }
        if (!accepted) {
            if (verbose >= 2)
                nc_printf(s->ctx, "  newton: line search failed\n");
            return NC_OK;
        }
        double *swap = ns->x;
        ns->x = ns->xt;
        ns->xt = swap;
        if (model == MODEL_FACTORED) /* keep A in 1^perp against rounding */
            center_columns(K, ns->x, r);
        phi = phi_t;
        fresh = !values_only;
        ++*steps;
        short_steps = t < 1e-2 ? short_steps + 1 : 0;
        if (verbose >= 2)
            nc_printf(s->ctx, "  newton (%s%s%d) %3d: objective %.15g  decrement %.3e  "
                              "step %.3g  cg %d\n",
                      model == MODEL_FULL ? "full" : "factored", model == MODEL_FULL ? "" : " r=",
                      model == MODEL_FULL ? K - 1 : r, *steps, phi, decrement, t,
                      ns->cg_iterations);
        if (short_steps >= 3) {
            if (verbose >= 2)
                nc_printf(s->ctx, "  newton: steps too short, back to first order\n");
            break;
        }
        /* quadratic convergence shows within a few steps; give up otherwise */
        if (phi < best_phi - 1e3 * DBL_EPSILON * fabs(phi))
            best_phi = phi, stalls = 0;
        else if (++stalls > 5) {
            if (verbose >= 2)
                nc_printf(s->ctx, "  newton: no progress\n");
            break;
        }
    }
    if (!*ok) {
        model_point(s, ns, ns->x, Y, b);
        center_columns(K, Y, K);
        center_columns(K, b, 1);
    }
    return NC_OK;
}

/* ---------------------------------------------------------------------- */
/* Driver                                                                 */

static nc_status check_problem(nc_ctx *ctx, int K, const double *n, double lZ, double lb)
{
    if (K < 2)
        return nc_fail(ctx, NC_EBADARG, "badCounts", "N must have at least 2 classes");
    for (int k = 0; k < K; ++k)
        if (!(n[k] > 0) || !isfinite(n[k]))
            return nc_fail(ctx, NC_EBADARG, "badCounts",
                           "N must hold positive finite class counts (entry %d is %g)", k + 1,
                           n[k]);
    return nc_check_lambdas(ctx, lZ, lb);
}

nc_status nc_solve_certify(nc_ctx *ctx, int K, const double *n, double lZ, double lb,
                           const double *Zbar, const double *b, double *objective,
                           double *dual)
{
    nc_status st = check_problem(ctx, K, n, lZ, lb);
    if (st)
        return st;
    solver s;
    double *Y = NULL, primal = 0, d = 0;
    if ((st = solver_init(&s, ctx, K, n, lZ, lb)) == NC_OK &&
        (Y = nc_alloc(ctx, (size_t)K * K, sizeof(double)))) {
        for (int k = 0; k < K; ++k)
            for (int l = 0; l < K; ++l)
                Y[l + (size_t)k * K] = Zbar[l + (size_t)k * K] * s.sqn[k];
        st = certify(&s, Y, b, &primal, &d);
    }
    st = ctx->status;
    nc_free(ctx, Y);
    solver_free(&s);
    if (st == NC_OK) {
        if (objective)
            *objective = primal;
        if (dual)
            *dual = d;
    }
    return st;
}

/* Exact zero test (paper.md section 3): with b the bias-only optimum, Zbar = 0
 * is optimal iff ||(I - p 1^T) D^{1/2}||_op <= lZ N. */
static nc_status zero_is_optimal(solver *s, const double *b0, int *is_zero)
{
    int K = s->K;
    double *p = s->vec, *G = s->tmp;
    softmax(K, b0, p);
    for (int k = 0; k < K; ++k)
        for (int l = 0; l < K; ++l)
            G[l + (size_t)k * K] = ((l == k) - p[l]) * s->sqn[k];
    nc_status st = svd(s, G, 0);
    if (st)
        return st;
    *is_zero = s->svd_s[0] <= s->lZ * s->N;
    return NC_OK;
}

/* A cold start shaped like the balanced optimum (paper.md section 3), where
 * the off-diagonal probability of class k is lZ sqrt(n); with unequal counts
 * the subgradient condition suggests p_k ~ lZ N / (K sqrt(n_k)), so
 * Zbar(:,k) = alpha_k (e_k - 1/K) with alpha_k = log((1 - (K-1) p_k) / p_k).
 * Classes start collapsed (alpha_k = 0) where a cluster of their size would
 * be, lZ N >= sqrt(n_k) (paper.md section 5), or where alpha_k < 0. */
static void cold_start(solver *s, double *Y)
{
    int K = s->K;
    for (int k = 0; k < K; ++k) {
        double p = s->lZ * s->N / (K * s->sqn[k]);
        int collapsed = s->lZ * s->N >= s->sqn[k] || p >= 1.0 / K;
        double alpha = collapsed ? 0.0 : log((1 - (K - 1) * p) / p);
        double *y = Y + (size_t)k * K;
        for (int l = 0; l < K; ++l)
            y[l] = alpha * s->sqn[k] * ((l == k) - 1.0 / K);
    }
}

typedef struct {
    double *block;
    fista_state fs;
    newton_state ns;
} solve_buffers;

static double *carve(double **cursor, size_t count)
{
    double *p = *cursor;
    *cursor += count;
    return p;
}

static nc_status buffers_init(nc_ctx *ctx, int K, solve_buffers *bufs)
{
    size_t KK = (size_t)K * K, k = (size_t)K;
    size_t m = 2 * KK + k; /* the larger model: factored with r = K - 1 */
    bufs->block = nc_calloc(ctx, 4 * (KK + k) + 8 * m + 9 * KK + 3 * k, sizeof(double));
    if (!bufs->block)
        return ctx->status;
    double *c = bufs->block;
    fista_state *fs = &bufs->fs;
    fs->Y = carve(&c, KK), fs->b = carve(&c, k);
    fs->Yp = carve(&c, KK), fs->bp = carve(&c, k);
    fs->Yz = carve(&c, KK), fs->bz = carve(&c, k);
    fs->gY = carve(&c, KK), fs->gb = carve(&c, k);
    newton_state *ns = &bufs->ns;
    ns->x = carve(&c, m), ns->g = carve(&c, m), ns->d = carve(&c, m), ns->xt = carve(&c, m);
    ns->cr = carve(&c, m), ns->cz = carve(&c, m), ns->cp = carve(&c, m), ns->ch = carve(&c, m);
    ns->diag = carve(&c, 2 * KK);
    ns->U = carve(&c, KK), ns->V = carve(&c, KK), ns->G = carve(&c, KK);
    ns->M = carve(&c, KK), ns->A = carve(&c, KK), ns->Yc = carve(&c, KK);
    ns->schur = carve(&c, KK);
    ns->sig = carve(&c, k), ns->bc = carve(&c, k);
    return NC_OK;
}

/* Removes singular values that are rounding noise, so that rank and zeros
 * are exact, and writes the singular values to sv.  Y is rebuilt only when
 * the removed values exceed rounding; *changed tells whether it was. */
static nc_status finalize_rank(solver *s, double *Y, double *sv, int *rank, int *changed)
{
    int K = s->K;
    nc_status st = svd(s, Y, 1);
    if (st)
        return st;
    int r = 0;
    while (r < K && s->svd_s[r] > s->svd_s[0] * RANK_RTOL && s->svd_s[r] > 0)
        ++r;
    for (int i = 0; i < K; ++i)
        sv[i] = i < r ? s->svd_s[i] : 0.0;
    *changed = r < K && s->svd_s[r] > 64 * DBL_EPSILON * s->svd_s[0];
    if (*changed) {
        svd_rebuild(s, r, 0.0, Y);
        center_columns(K, Y, K);
    }
    *rank = r;
    return NC_OK;
}

nc_status nc_solve_fits(nc_ctx *ctx, int K)
{
    /* about 40 K x K matrices: solver, first- and second-order phases, outputs */
    double need = 40.0 * K * (double)K * sizeof(double), have = nc_physical_memory();
    if (have > 0 && need > 0.8 * have)
        return nc_fail(ctx, NC_ENOMEM, "tooLarge",
                       "K = %d needs about %.0f GB of memory; this machine has %.0f GB", K,
                       need / 1e9, have / 1e9);
    return NC_OK;
}

nc_status nc_solve(nc_ctx *ctx, int K, const double *n, double lZ, double lb,
                   const nc_solve_opts *opts_in, double *Zbar, double *b, double *sv,
                   nc_solve_info *info)
{
    double t_start = nc_now();
    nc_solve_opts opts;
    if (opts_in)
        opts = *opts_in;
    else
        nc_solve_defaults(&opts);
    memset(info, 0, sizeof *info);
    nc_status st = check_problem(ctx, K, n, lZ, lb);
    if (st)
        return st;
    if (!(opts.tol > 0) || !isfinite(opts.tol))
        return nc_fail(ctx, NC_EBADARG, "badOption", "TOL must be a positive finite scalar");
    if (opts.max_iter < 0)
        return nc_fail(ctx, NC_EBADARG, "badOption", "MAXITER must be nonnegative");

    if ((st = nc_solve_fits(ctx, K)))
        return st;

    /* below this size every BLAS call is small: one thread is faster */
    int blas_threads = K < 400 ? nc_blas_threads(1) : 0;
    solver s;
    solve_buffers bufs;
    memset(&bufs, 0, sizeof bufs);
    if ((st = solver_init(&s, ctx, K, n, lZ, lb)) || (st = buffers_init(ctx, K, &bufs)))
        goto done;
    size_t KK = (size_t)K * K;
    fista_state *fs = &bufs.fs;
    double primal = 0, dual = 0, gap = INFINITY;
    int converged = 0, iterations = 0, newton_steps = 0;
    int certified_here = 0; /* (primal, dual) belong to the current (Y, b) */

    /* Zero test from the bias-only optimum. */
    bias_only(&s, fs->b);
    int is_zero = 0;
    if ((st = zero_is_optimal(&s, fs->b, &is_zero)))
        goto done;
    if (is_zero) {
        memset(fs->Y, 0, KK * sizeof(double));
        if ((st = certify(&s, fs->Y, fs->b, &primal, &dual)))
            goto done;
        gap = primal - dual;
        converged = certified_here = gap <= opts.tol * primal;
        goto finish;
    }
    if (!opts.Zbar0)
        cold_start(&s, fs->Y);
    else {
        for (int k = 0; k < K; ++k)
            for (int l = 0; l < K; ++l)
                fs->Y[l + (size_t)k * K] = opts.Zbar0[l + (size_t)k * K] * s.sqn[k];
        center_columns(K, fs->Y, K);
    }
    if (opts.b0) {
        memcpy(fs->b, opts.b0, (size_t)K * sizeof(double));
        center_columns(K, fs->b, 1);
    }
    memcpy(fs->Yp, fs->Y, KK * sizeof(double));
    memcpy(fs->bp, fs->b, (size_t)K * sizeof(double));
    fs->theta = 1;
    fs->rho = 1;
    fs->rank = -1;

    /* after a failed Newton phase, first-order iterations to run before the
     * next attempt; doubles at each failure */
    int newton_wait = 0, newton_backoff = 10;
    double previous_primal = INFINITY;
    int last_rank = -1;
    if (opts.Zbar0) {
        /* a warm start (a neighbouring point of a sweep) brings its rank, so
         * Newton can start at the first check when the gap is already small */
        if ((st = svd(&s, fs->Y, 0)))
            goto done;
        int r = 0;
        while (r < K && s.svd_s[r] > s.svd_s[0] * RANK_RTOL && s.svd_s[r] > 0)
            ++r;
        fs->rank = last_rank = r;
    }
    /* Checks cost two SVDs; the first come early so that Newton starts as
     * soon as the rank is identified. */
    static const int check_schedule[] = {3, 3, 5, 10};
    int cold = !opts.Zbar0 && !opts.b0;
    double last_print = t_start;
    for (int checks = 0;; ++checks) {
        int check_every = check_schedule[checks < 3 ? checks : 3];
        if (cold && checks == 0) { /* the guess is never optimal: iterate first */
            primal = gap = INFINITY;
        } else {
            if ((st = certify(&s, fs->Y, fs->b, &primal, &dual)))
                goto done;
            gap = primal - dual;
            if (gap <= opts.tol * primal) {
                converged = certified_here = 1;
                break;
            }
        }
        if (opts.verbose >= 2 || (opts.verbose == 1 && nc_now() - last_print > 2)) {
            nc_printf(ctx, "nc_solve: iteration %d  objective %.15g  gap %.3e  rank %d\n",
                      iterations, primal, gap, fs->rank);
            last_print = nc_now();
        }
        if (iterations >= opts.max_iter)
            break;
        if (nc_interrupted(ctx)) {
            st = ctx->status;
            goto done;
        }
        /* Newton once the rank looks identified: at once when it is K - 1
         * (the only smooth case), after two equal checks otherwise */
        int stable = fs->rank == K - 1 || (fs->rank > 0 && fs->rank == last_rank);
        last_rank = fs->rank;
        /* damped Newton from far away drifts towards the rank boundary, where
         * the nuclear norm's curvature blows up: start it when close, or when
         * first-order progress stalls (with lb = 0 the gap is dominated by the
         * bias and can stay large long after the objective has settled) */
        int stalled = previous_primal - primal <= 1e-3 * primal;
        previous_primal = primal;
        if (stable && iterations >= newton_wait && (gap <= 0.03 * primal || stalled)) {
            int ok = 0, model = fs->rank == K - 1 ? MODEL_FULL : MODEL_FACTORED;
            if ((st = newton_phase(&s, &bufs.ns, model, fs->rank, fs->Y, fs->b, opts.tol,
                                   &newton_steps, opts.verbose, &ok, &primal, &dual)))
                goto done;
            if (ok) {
                converged = certified_here = 1;
                gap = primal - dual;
                break;
            }
            newton_wait = iterations + newton_backoff;
            newton_backoff *= 2;
            memcpy(fs->Yp, fs->Y, KK * sizeof(double));
            memcpy(fs->bp, fs->b, (size_t)K * sizeof(double));
            fs->theta = 1;
        }
        for (int i = 0; i < check_every && iterations < opts.max_iter; ++i, ++iterations)
            if ((st = fista_step(&s, fs)))
                goto done;
    }
finish:;
    int changed = 0;
    if ((st = finalize_rank(&s, fs->Y, sv, &info->rank, &changed)))
        goto done;
    /* certify what is returned, unless that point was just certified */
    if (changed || !converged || !certified_here) {
        if ((st = certify(&s, fs->Y, fs->b, &primal, &dual)))
            goto done;
        gap = primal - dual;
    }
    converged = converged && gap <= opts.tol * primal * 1.5 + 1e-300;
    for (int k = 0; k < K; ++k)
        for (int l = 0; l < K; ++l)
            Zbar[l + (size_t)k * K] = fs->Y[l + (size_t)k * K] / s.sqn[k];
    center_columns(K, Zbar, K);
    memcpy(b, fs->b, (size_t)K * sizeof(double));
    info->objective = primal;
    info->dual = dual;
    info->gap = gap > 0 ? gap : 0;
    info->iterations = iterations;
    info->newton_steps = newton_steps;
    info->converged = converged;
    if (opts.verbose >= 1)
        nc_printf(ctx, "nc_solve: %s after %d iterations and %d Newton steps: objective "
                       "%.15g, gap %.3e, rank %d\n",
                  converged ? "converged" : "stopped", iterations, newton_steps, primal, gap,
                  info->rank);
done:
    info->time = nc_now() - t_start;
    nc_free(ctx, bufs.block);
    solver_free(&s);
    if (blas_threads > 0)
        nc_blas_threads(blas_threads);
    return st ? st : ctx->status;
}
