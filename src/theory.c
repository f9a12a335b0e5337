/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Cluster-level theory: the small convex program of paper.md section 4.
 *
 * Coordinates.  Everything is measured on the scale of M = Zbar diag(sqrt(n))
 * and the objective is multiplied by N, so that curvatures are O(1) whatever
 * the sample sizes (the limit regime goes to n = 1e9):
 *   x_j = sqrt(n_j) delta_j      singular value of M on cluster j's
 *                                sum-zero vectors (multiplicity k_j - 1);
 *   C   = Q' B  ((J-1) x J)      the between-cluster part.  In the basis
 *                                u_j = 1_{C_j}/sqrt(k_j), M's between block is
 *                                B_ij = sqrt(k_i k_j n_j) gamma_ij (i != j),
 *                                B_jj = -sqrt(n_j) sum_{i!=j} k_i gamma_ij,
 *                                so w' B = 0 for w = sqrt(k): B = Q C with Q an
 *                                orthonormal basis of w-perp, and the gamma
 *                                are a linear bijection of the free matrix C;
 *   bias_j.
 * The program is then
 *   Phi = sum_j k_j n_j CE_j + lam [sum_j (k_j-1)|x_j| + ||C||_*] + lb N sum_j k_j bias_j^2
 * with lam = lZ N and CE_j the loss of a column of cluster j, a function of
 * J+1 distinct logits (own class, rest of the cluster, each other cluster).
 *
 * Why this method.  Phi is convex but nonsmooth exactly where the answer is
 * interesting (collapse: x_j = 0; separation: C loses rank).  A subgradient
 * or proximal loop would stop near 1e-8 and never give exact zeros; GSL's
 * minimisers are smooth unconstrained methods with the same problem.  Here
 * the structure is identified and then solved by Newton's method (exact
 * second derivatives are cheap for J <= ~10, and quadratic convergence is
 * what gives machine precision), and every answer is certified by the
 * optimality conditions of the convex program:
 *  - the x part needs no search: at x_j = 0 the loss gradient is exactly
 *    -(k_j-1) sqrt(n_j) whatever the rest, so x_j = 0 iff lam >= sqrt(n_j)
 *    (the collapse threshold); collapsed x_j are fixed at exact zeros and the
 *    others are smooth and positive;
 *  - the rank r of C grows greedily: solve with C = 0 (the separated
 *    structure); the certificate -G/lam = U V' + W, ||W||_op <= 1, then
 *    either holds or names the violating directions (singular pairs of W
 *    above 1); add them with the step of the quadratic model and solve
 *    again at the larger rank, in the factorisation C = L R' with
 *    ||C||_* = min (||L||^2 + ||R||^2)/2 (smooth, rank <= r exactly);
 *  - the last stage is polished to machine precision (at full rank with the
 *    exact norm, smooth there) and certified;
 *  - should that fail, a damped Newton continuation on the smoothed norm
 *    tr((CC' + mu^2 I)^{1/2}), mu -> 0 (globally convergent: convex) gives a
 *    rank estimate, and the neighbouring ranks are polished and certified
 *    in turn. */
#include "nc_theory.h"
#include "theory_lapack.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NC_THEORY_MAX_J 32

typedef struct {
    int J, m, D;           /* m = J - 1; D = J + m J + J coordinates */
    int K;
    const int *k;
    const double *n;
    double N, lam, lbN, rho; /* rho: weight of (sum_j k_j bias_j)^2 when lb = 0 */
    double *Q;             /* J x m */
    double *A;             /* J maps, each (J+1) x Lc: local vars -> grouped logits */
    int Lc;                /* 1 + m + J local variables of one column type */
    int *active;           /* x_j free */
    int *gidx;             /* J x Lc: global index of each local variable */
    /* scratch */
    double *gl, *Hl, *v, *pi, *tmp;
} tprob;

enum { MODE_FULL, MODE_ZERO, MODE_BM };

static int ix_x(const tprob *p, int j) { (void)p; return j; }
static int ix_c(const tprob *p, int a, int j) { return p->J + a + p->m * j; }
static int ix_b(const tprob *p, int j) { return p->J + p->m * p->J + j; }

/* global index of local variable l of column type j */
static int loc2glob(const tprob *p, int j, int l)
{
    if (l == 0)
        return ix_x(p, j);
    if (l <= p->m)
        return ix_c(p, l - 1, j);
    return ix_b(p, l - 1 - p->m);
}

static void build_maps(tprob *p)
{
    int J = p->J, m = p->m, Lc = p->Lc, G = J + 1;
    /* Householder reflector H = I - 2 vv'/v'v with H w = -sign(w_1)|w| e_1:
     * its columns 2..J are an orthonormal basis of w-perp. */
    double *w = p->tmp, norm = 0;
    for (int j = 0; j < J; ++j) {
        w[j] = sqrt((double)p->k[j]);
        norm += w[j] * w[j];
    }
    norm = sqrt(norm);
    for (int j = 0; j < J; ++j)
        w[j] /= norm;
    double vv;
    w[0] += (w[0] >= 0 ? 1.0 : -1.0);
    vv = 0;
    for (int j = 0; j < J; ++j)
        vv += w[j] * w[j];
    for (int a = 0; a < m; ++a)
        for (int i = 0; i < J; ++i)
            p->Q[i + J * a] = (i == a + 1 ? 1.0 : 0.0) - 2.0 * w[i] * w[a + 1] / vv;

    memset(p->A, 0, sizeof(double) * (size_t)(G * Lc * J));
    for (int j = 0; j < J; ++j) {
        double *A = p->A + (size_t)G * Lc * j;
        double kj = p->k[j], sn = sqrt(p->n[j]);
        /* x_j: delta_j = x_j / sqrt(n_j), beta_j gets -delta_j/k_j */
        A[0 + G * 0] = (1.0 - 1.0 / kj) / sn;
        A[(1 + j) + G * 0] = -1.0 / (kj * sn);
        for (int a = 0; a < m; ++a) {
            double dbeta = p->Q[j + J * a] / (kj * sn);
            double *col = A + G * (1 + a);
            col[0] += dbeta;
            col[1 + j] += dbeta;
            for (int i = 0; i < J; ++i)
                if (i != j)
                    col[1 + i] += p->Q[i + J * a] / sqrt((double)p->k[i] * kj * p->n[j]);
        }
        for (int i = 0; i < J; ++i) {
            double *col = A + G * (1 + m + i);
            col[1 + i] = 1.0;
            if (i == j)
                col[0] = 1.0;
        }
    }
}

/* Loss part F = sum_j k_j n_j CE_j at y, its gradient g (D) and Hessian
 * H (D x D, may be NULL).  Probabilities are formed so that 1 - pi_own is
 * never computed by cancellation (it is ~1e-5 in the limit regime). */
static double loss_eval(tprob *p, const double *y, double *g, double *H)
{
    int J = p->J, G = J + 1, Lc = p->Lc, D = p->D;
    double F = 0;
    if (g)
        memset(g, 0, sizeof(double) * (size_t)D);
    if (H)
        memset(H, 0, sizeof(double) * (size_t)D * D);
    for (int j = 0; j < J; ++j) {
        const double *A = p->A + (size_t)G * Lc * j;
        double wj = (double)p->k[j] * p->n[j];
        double *v = p->v, *pi = p->pi;
        for (int gg = 0; gg < G; ++gg)
            v[gg] = 0;
        for (int l = 0; l < Lc; ++l) {
            double yl = y[p->gidx[(size_t)Lc * j + l]];
            if (yl != 0)
                for (int gg = 0; gg < G; ++gg)
                    v[gg] += A[gg + G * l] * yl;
        }
        double vmax = v[0];
        for (int i = 0; i < J; ++i) {
            int mult = (i == j) ? p->k[j] - 1 : p->k[i];
            if (mult > 0 && v[1 + i] > vmax)
                vmax = v[1 + i];
        }
        double t0 = exp(v[0] - vmax), rest = 0;
        for (int i = 0; i < J; ++i) {
            int mult = (i == j) ? p->k[j] - 1 : p->k[i];
            pi[1 + i] = mult > 0 ? mult * exp(v[1 + i] - vmax) : 0.0;
            rest += pi[1 + i];
        }
        double S = t0 + rest;
        double ce = t0 > 1e-300 ? log1p(rest / t0) : log(S) + vmax - v[0];
        F += wj * ce;
        pi[0] = t0 / S;
        for (int i = 0; i < J; ++i)
            pi[1 + i] /= S;
        double one_minus_own = rest / S;
        if (!g && !H)
            continue;
        /* With a_g the rows of A and u = A' pi, the loss gradient is
         * A'(pi - e_0) = u - a_0 = -w_0 and the Hessian
         * A'(diag(pi) - pi pi')A = sum_g pi_g w_g w_g', w_g = a_g - u.
         * w_0 = (1 - pi_0) a_0 - sum_{g>=1} pi_g a_g is formed without the
         * cancellation a_0 - u (pi_0 -> 1 in the limit regime). */
        double *rsum = p->gl, *w = p->tmp, *Hl = p->Hl;
        for (int l = 0; l < Lc; ++l) {
            double acc = 0;
            for (int gg = 1; gg < G; ++gg)
                acc += pi[gg] * A[gg + G * l];
            rsum[l] = acc;
        }
        const int *gi = p->gidx + (size_t)Lc * j;
        if (g)
            for (int l = 0; l < Lc; ++l)
                g[gi[l]] -= wj * (one_minus_own * A[G * l] - rsum[l]);
        if (!H)
            continue;
        memset(Hl, 0, sizeof(double) * (size_t)Lc * Lc);
        for (int gg = 0; gg < G; ++gg) {
            double pg = pi[gg];
            if (!(pg > 0))
                continue;
            if (gg == 0)
                for (int l = 0; l < Lc; ++l)
                    w[l] = one_minus_own * A[G * l] - rsum[l];
            else
                for (int l = 0; l < Lc; ++l)
                    w[l] = A[gg + G * l] - pi[0] * A[G * l] - rsum[l];
            for (int l2 = 0; l2 < Lc; ++l2) {
                double c = pg * w[l2];
                if (c == 0)
                    continue;
                for (int l1 = 0; l1 <= l2; ++l1)
                    Hl[l1 + Lc * l2] += c * w[l1];
            }
        }
        for (int l2 = 0; l2 < Lc; ++l2) {
            double *Hcol = H + (size_t)D * gi[l2];
            for (int l1 = 0; l1 <= l2; ++l1) {
                double v12 = wj * Hl[l1 + Lc * l2];
                Hcol[gi[l1]] += v12;
                if (l1 != l2)
                    H[gi[l2] + (size_t)D * gi[l1]] += v12;
            }
        }
    }
    return F;
}

/* ---- small dense linear algebra ---- */

static int svd(int m, int n, double *a, double *s, double *u, double *vt, double *work,
               int lwork)
{
    int info = 0;
    char job = 'A';
    if (m == 0 || n == 0)
        return 0;
    dgesvd_(&job, &job, &m, &n, a, &m, s, u, &m, vt, &n, work, &lwork, &info, 1, 1);
    return info;
}

/* ---- the Newton engine ---- */

typedef struct {
    int mode, r;           /* MODE_*, rank of the factorisation in MODE_BM */
    double mu;             /* smoothing of ||C||_* in MODE_FULL (0: exact) */
    int nz;                /* free variables */
    int nxa;               /* active x count */
    int xa[NC_THEORY_MAX_J];            /* cluster of each free x */
} tmode;

typedef struct {
    tprob *p;
    tmode md;
    /* buffers */
    double *y, *y0, *ybest, *ygreedy, *gy, *Hy, *z, *gz, *Hz, *dz, *ztry, *ytry, *Hnuc, *work, *eigw, *ev;
    double *Cm, *U, *s, *Ct, *Gphi, *Msm; /* nuclear-norm scratch */
    double *gauge;
    int *map; /* z index -> y index in the modes where z is a subset of y */
    int *isuppz, *iwork; /* dsyevr */
    double *Hcopy;
    double *aux, *du, *dv, *wsv;          /* W's singular pairs above 1, in C's space */
    int nviol;
    int lwork;
    int steps;
    double tau_last; /* last Levenberg-Marquardt shift that gave a factorisation */
} tsolver;

/* y from z for the mode */
static void z_to_y(tsolver *S, const double *z, double *y)
{
    tprob *p = S->p;
    const tmode *md = &S->md;
    int J = p->J, m = p->m, pos = 0;
    memset(y, 0, sizeof(double) * (size_t)p->D);
    for (int t = 0; t < md->nxa; ++t)
        y[ix_x(p, md->xa[t])] = z[pos++];
    if (md->mode == MODE_FULL) {
        for (int j = 0; j < J; ++j)
            for (int a = 0; a < m; ++a)
                y[ix_c(p, a, j)] = z[pos++];
    } else if (md->mode == MODE_BM) {
        const double *L = z + pos, *R = z + pos + m * md->r;
        for (int j = 0; j < J; ++j)
            for (int a = 0; a < m; ++a) {
                double s = 0;
                for (int c = 0; c < md->r; ++c)
                    s += L[a + m * c] * R[j + J * c];
                y[ix_c(p, a, j)] = s;
            }
        pos += (m + J) * md->r;
    }
    for (int j = 0; j < J; ++j)
        y[ix_b(p, j)] = z[pos++];
}

/* Smoothed nuclear norm tr((CC' + mu^2 I)^{1/2}) - m mu of C (m x J),
 * gradient into Gphi, and when Hc != NULL its Hessian ((mJ) x (mJ), in the
 * column-major order of C).  Returns -1 on a LAPACK failure. */
static int nuclear_smooth(tsolver *S, const double *C, double mu, double *val,
                          double *Gphi, double *Hc)
{
    tprob *p = S->p;
    int m = p->m, J = p->J;
    /* From the SVD C = U diag(sigma) V' rather than the eigen-decomposition
     * of CC' + mu^2 I: squaring would lose the small singular values (a
     * spread of 1e4 between them costs 8 digits), exactly those near a
     * change of rank.  S = (CC' + mu^2 I)^{1/2} = U diag(s) U',
     * s = sqrt(sigma^2 + mu^2), and Ct = U' C = diag(sigma) V'. */
    double *U = S->U, *s = S->s, *Ct = S->Ct, *VT = S->aux, *Ccopy = S->Msm;
    memcpy(Ccopy, C, sizeof(double) * (size_t)m * J);
    if (svd(m, J, Ccopy, s, U, VT, S->work, S->lwork) != 0)
        return -1;
    double v = 0;
    for (int a = 0; a < m; ++a) {
        double sig = s[a];
        s[a] = mu > 0 ? hypot(sig, mu) : sig;
        v += s[a];
        for (int j = 0; j < J; ++j)
            Ct[a + m * j] = sig * VT[a + J * j];
    }
    *val = v - m * mu;
    for (int a = 0; a < m; ++a)
        if (!(s[a] > 0))
            return -2; /* rank deficient with mu = 0: not differentiable */
    for (int j = 0; j < J; ++j)
        for (int a = 0; a < m; ++a) {
            double acc = 0;
            for (int c = 0; c < m; ++c)
                acc += U[a + m * c] * Ct[c + m * j] / s[c];
            Gphi[a + m * j] = acc;
        }
    if (!Hc)
        return 0;
    int mJ = m * J;
    double *Mt = S->Msm;     /* m x m */
    double *dG = Mt + m * m; /* m x J, in the eigenbasis */
    for (int j = 0; j < J; ++j)
        for (int a = 0; a < m; ++a) {
            /* direction E = e_a e_j' */
            const double *ua = NULL;
            (void)ua;
            for (int pp = 0; pp < m; ++pp)
                for (int qq = 0; qq < m; ++qq) {
                    double At = U[a + m * pp] * Ct[qq + m * j] + Ct[pp + m * j] * U[a + m * qq];
                    Mt[pp + m * qq] = At / ((s[pp] + s[qq]) * s[pp] * s[qq]);
                }
            for (int jj = 0; jj < J; ++jj)
                for (int pp = 0; pp < m; ++pp) {
                    double acc = (jj == j) ? U[a + m * pp] / s[pp] : 0.0;
                    for (int qq = 0; qq < m; ++qq)
                        acc -= Mt[pp + m * qq] * Ct[qq + m * jj];
                    dG[pp + m * jj] = acc;
                }
            int col = a + m * j;
            for (int jj = 0; jj < J; ++jj)
                for (int b = 0; b < m; ++b) {
                    double acc = 0;
                    for (int pp = 0; pp < m; ++pp)
                        acc += U[b + m * pp] * dG[pp + m * jj];
                    Hc[(b + m * jj) + (size_t)mJ * col] = acc;
                }
        }
    return 0;
}

/* Objective Phi in the mode at z; gradient and Hessian when gz/Hz given.
 * Returns NAN if the point is outside the mode's smooth domain. */
static double mode_eval(tsolver *S, const double *z, double *gz, double *Hz)
{
    tprob *p = S->p;
    const tmode *md = &S->md;
    int J = p->J, m = p->m, D = p->D, nz = md->nz, mJ = m * J;
    double *y = S->y;
    z_to_y(S, z, y);
    double F = loss_eval(p, y, gz ? S->gy : NULL, Hz ? S->Hy : NULL);
    double *gy = S->gy, *Hy = S->Hy;
    /* penalties on x and bias */
    for (int t = 0; t < md->nxa; ++t)
        F += p->lam * (p->k[md->xa[t]] - 1) * fabs(z[t]);
    double sb = 0;
    for (int j = 0; j < J; ++j) {
        double bj = y[ix_b(p, j)];
        F += p->lbN * p->k[j] * bj * bj;
        sb += p->k[j] * bj;
    }
    F += p->rho * sb * sb;
    /* index map for x and bias blocks of z */
    int off_c = md->nxa, off_b = nz - J;
    double *Cm = S->Cm;
    for (int j = 0; j < J; ++j)
        for (int a = 0; a < m; ++a)
            Cm[a + m * j] = y[ix_c(p, a, j)];
    double *Hc = NULL;
    if (md->mode == MODE_FULL && m > 0) {
        double nv;
        Hc = Hz ? S->Hnuc : NULL;
        int rc = nuclear_smooth(S, Cm, md->mu, &nv, S->Gphi, Hc);
        if (rc == -1)
            return NAN;
        if (rc == -2 && (gz || Hz))
            return NAN;
        F += p->lam * nv;
    } else if (md->mode == MODE_BM) {
        const double *L = z + off_c, *R = z + off_c + m * md->r;
        double q = 0;
        for (int i = 0; i < (m + J) * md->r; ++i)
            q += L[i] * L[i]; /* L and R are contiguous */
        F += 0.5 * p->lam * q;
        (void)R;
    }
    if (!gz)
        return F;

    /* ---- gradient ---- */
    for (int t = 0; t < md->nxa; ++t) {
        int j = md->xa[t];
        gz[t] = gy[ix_x(p, j)] + p->lam * (p->k[j] - 1) * (z[t] >= 0 ? 1.0 : -1.0);
    }
    for (int j = 0; j < J; ++j)
        gz[off_b + j] = gy[ix_b(p, j)] + 2.0 * p->lbN * p->k[j] * y[ix_b(p, j)] +
                        2.0 * p->rho * sb * p->k[j];
    if (md->mode == MODE_FULL) {
        for (int c = 0; c < mJ; ++c)
            gz[off_c + c] = gy[J + c] + p->lam * S->Gphi[c];
    } else if (md->mode == MODE_BM) {
        int r = md->r;
        const double *L = z + off_c, *R = z + off_c + m * r;
        const double *Gc = gy + J; /* m x J */
        for (int c = 0; c < r; ++c) {
            for (int a = 0; a < m; ++a) {
                double acc = 0;
                for (int j = 0; j < J; ++j)
                    acc += Gc[a + m * j] * R[j + J * c];
                gz[off_c + a + m * c] = acc + p->lam * L[a + m * c];
            }
            for (int j = 0; j < J; ++j) {
                double acc = 0;
                for (int a = 0; a < m; ++a)
                    acc += Gc[a + m * j] * L[a + m * c];
                gz[off_c + m * r + j + J * c] = acc + p->lam * R[j + J * c];
            }
        }
    }
    if (!Hz)
        return F;

    /* ---- Hessian ---- */
    if (md->mode != MODE_BM) {
        /* z is a subset of y: gather */
        int *map = S->map;
        for (int a = 0; a < nz; ++a)
            for (int b = 0; b < nz; ++b)
                Hz[a + (size_t)nz * b] = Hy[map[a] + (size_t)D * map[b]];
    } else {
        /* z = [x active, L, R, bias], y = [x, C, bias] with C = L R'.
         * Hz = Jz' Hy Jz, Jz a selection on x and bias and, on C, the map
         * T: (dL, dR) -> dL R' + L dR', applied through its nonzeros (a
         * column of T touches one row or one column of C). */
        int r = md->r, nLR = (m + J) * r, *map = S->map;
        const double *L = z + off_c, *R = z + off_c + m * r;
        double *P = S->ev; /* D x nLR: Hy(:, C) T */
        for (int q = 0; q < nLR; ++q) {
            double *Pq = P + (size_t)D * q;
            memset(Pq, 0, sizeof(double) * (size_t)D);
            if (q < m * r) {
                int a = q % m, c = q / m;
                for (int j = 0; j < J; ++j) {
                    double coef = R[j + J * c];
                    const double *col = Hy + (size_t)D * ix_c(p, a, j);
                    for (int i = 0; i < D; ++i)
                        Pq[i] += coef * col[i];
                }
            } else {
                int j = (q - m * r) % J, c = (q - m * r) / J;
                for (int a = 0; a < m; ++a) {
                    double coef = L[a + m * c];
                    const double *col = Hy + (size_t)D * ix_c(p, a, j);
                    for (int i = 0; i < D; ++i)
                        Pq[i] += coef * col[i];
                }
            }
        }
        int no = 0; /* x active and bias: z positions -> y indices */
        for (int t = 0; t < md->nxa; ++t)
            map[no++] = ix_x(p, md->xa[t]);
        for (int j = 0; j < J; ++j)
            map[no++] = ix_b(p, j);
        for (int o1 = 0; o1 < no; ++o1) {
            int z1 = o1 < md->nxa ? o1 : off_b + (o1 - md->nxa);
            for (int o2 = 0; o2 < no; ++o2) {
                int z2 = o2 < md->nxa ? o2 : off_b + (o2 - md->nxa);
                Hz[z1 + (size_t)nz * z2] = Hy[map[o1] + (size_t)D * map[o2]];
            }
            for (int q = 0; q < nLR; ++q) {
                double v = P[map[o1] + (size_t)D * q];
                Hz[z1 + (size_t)nz * (off_c + q)] = v;
                Hz[(off_c + q) + (size_t)nz * z1] = v;
            }
        }
        for (int q1 = 0; q1 < nLR; ++q1)
            for (int q2 = 0; q2 < nLR; ++q2) {
                const double *Pq = P + (size_t)D * q2;
                double acc = 0;
                if (q1 < m * r) {
                    int a = q1 % m, c = q1 / m;
                    for (int j = 0; j < J; ++j)
                        acc += R[j + J * c] * Pq[ix_c(p, a, j)];
                } else {
                    int j = (q1 - m * r) % J, c = (q1 - m * r) / J;
                    for (int a = 0; a < m; ++a)
                        acc += L[a + m * c] * Pq[ix_c(p, a, j)];
                }
                Hz[(off_c + q1) + (size_t)nz * (off_c + q2)] = acc;
            }
    }
    for (int j = 0; j < J; ++j)
        for (int i = 0; i < J; ++i)
            Hz[(off_b + i) + (size_t)nz * (off_b + j)] +=
                2.0 * p->rho * p->k[i] * p->k[j] + (i == j ? 2.0 * p->lbN * p->k[j] : 0.0);
    if (md->mode == MODE_FULL && Hc) {
        for (int c1 = 0; c1 < mJ; ++c1)
            for (int c2 = 0; c2 < mJ; ++c2)
                Hz[(off_c + c1) + (size_t)nz * (off_c + c2)] += p->lam * Hc[c1 + (size_t)mJ * c2];
    } else if (md->mode == MODE_BM) {
        int r = md->r;
        const double *Gc = gy + J;
        for (int i = 0; i < (m + J) * r; ++i)
            Hz[(off_c + i) + (size_t)nz * (off_c + i)] += p->lam;
        /* second derivative of <G, L R'>: d^2 / dL_ac dR_jc = G_aj */
        for (int c = 0; c < r; ++c)
            for (int a = 0; a < m; ++a)
                for (int j = 0; j < J; ++j) {
                    size_t i1 = off_c + a + m * c, i2 = off_c + m * r + j + J * c;
                    Hz[i1 + nz * i2] += Gc[a + m * j];
                    Hz[i2 + nz * i1] += Gc[a + m * j];
                }
    }
    return F;
}

/* The factorised objective is invariant under (L, R) -> (L O, R O), O
 * orthogonal: its Hessian is singular along (L X, R X), X skew.  The
 * gradient is orthogonal to those directions, so adding a multiple of their
 * projector changes no Newton step elsewhere and makes the Hessian positive
 * definite near the optimum (Cholesky instead of an eigen-decomposition). */
static void add_gauge(tsolver *S, double *H)
{
    tprob *p = S->p;
    int m = p->m, J = p->J, r = S->md.r, nz = S->md.nz, off = S->md.nxa;
    const double *L = S->z + off, *R = S->z + off + m * r;
    double *v = S->gauge; /* scratch */
    double scale = 0;
    for (int i = 0; i < nz; ++i)
        scale = fmax(scale, fabs(H[i + (size_t)nz * i]));
    for (int c1 = 0; c1 < r; ++c1)
        for (int c2 = c1 + 1; c2 < r; ++c2) {
            memset(v, 0, sizeof(double) * (size_t)nz);
            double nrm = 0;
            for (int a = 0; a < m; ++a) {
                v[off + a + m * c2] = L[a + m * c1];
                v[off + a + m * c1] = -L[a + m * c2];
            }
            for (int j = 0; j < J; ++j) {
                v[off + m * r + j + J * c2] = R[j + J * c1];
                v[off + m * r + j + J * c1] = -R[j + J * c2];
            }
            for (int i = 0; i < nz; ++i)
                nrm += v[i] * v[i];
            if (!(nrm > 0))
                continue;
            double w = scale / nrm;
            for (int i = off; i < off + (m + J) * r; ++i)
                for (int q = off; q < off + (m + J) * r; ++q)
                    H[i + (size_t)nz * q] += w * v[i] * v[q];
        }
}

/* Subtracts from the factorised mode's Hessian the second derivative of
 * <G, L R'> (G the loss gradient in C at the current point). */
static void remove_cross(tsolver *S, double *H)
{
    tprob *p = S->p;
    int m = p->m, J = p->J, r = S->md.r, nz = S->md.nz, off = S->md.nxa;
    const double *Gc = S->gy + J;
    for (int c = 0; c < r; ++c)
        for (int a = 0; a < m; ++a)
            for (int j = 0; j < J; ++j) {
                size_t i1 = off + a + m * c, i2 = off + m * r + j + J * c;
                H[i1 + nz * i2] -= Gc[a + m * j];
                H[i2 + nz * i1] -= Gc[a + m * j];
            }
}

/* Solves H dz = -g.  Cholesky when H (plus the gauge term in the factorised
 * mode) is positive definite; otherwise (negative curvature of the
 * factorised mode away from the optimum) an eigen-decomposition with
 * |eigenvalues| and the null space dropped. */
static int newton_dir(tsolver *S, double *H, const double *g, double *dz)
{
    int nz = S->md.nz, info = 0, one = 1;
    char uplo = 'U';
    double dmax = 0;
    if (S->md.mode == MODE_BM && S->md.r > 1)
        add_gauge(S, H); /* H is rebuilt at every iteration */
    for (int i = 0; i < nz; ++i)
        dmax = fmax(dmax, fabs(H[i + (size_t)nz * i]));
    /* Shifts: none, then growing multiples of the largest diagonal entry
     * starting near the last one that worked (a Levenberg-Marquardt step,
     * still a descent direction), before the costly eigen-decomposition. */
    double tau = 0, tau0 = fmax(S->tau_last * 1e-2, dmax * 1e-12);
    int gauss_newton = 0;
    for (int attempt = 0; attempt < 5; ++attempt) {
        memcpy(S->ev, H, sizeof(double) * (size_t)nz * nz);
        for (int i = 0; i < nz; ++i)
            S->ev[i + (size_t)nz * i] += tau;
        dpotrf_(&uplo, &nz, S->ev, &nz, &info, 1);
        if (info == 0) {
            for (int i = 0; i < nz; ++i)
                dz[i] = -g[i];
            dpotrs_(&uplo, &nz, &one, S->ev, &nz, dz, &nz, &info, 1);
            if (info == 0) {
                S->tau_last = tau;
                return 0;
            }
        }
        if (S->md.mode != MODE_BM && attempt >= 1)
            break; /* the convex modes only need a nudge */
        if (S->md.mode == MODE_BM && !gauss_newton) {
            /* Indefinite away from the optimum: drop the term <G, dL dR'>
             * (the only one that can be negative; the rest is J'HJ + lam I)
             * for a Gauss-Newton step, a descent direction.  Near the optimum
             * the full Hessian is positive definite again. */
            gauss_newton = 1;
            remove_cross(S, H);
            continue;
        }
        tau = tau == 0 ? tau0 : tau * 100.0;
        if (tau > 1e2 * dmax)
            break;
    }
    S->tau_last = 0;
    /* eigenvectors into S->ev, from a copy of H */
    {
        double *a = S->Hcopy, vl = 0, vu = 0, abstol = 0;
        int il = 0, iu = 0, mfound = 0, liwork = 10 * nz + 10;
        char jobz = 'V', range = 'A';
        memcpy(a, H, sizeof(double) * (size_t)nz * nz);
        dsyevr_(&jobz, &range, &uplo, &nz, a, &nz, &vl, &vu, &il, &iu, &abstol, &mfound,
                S->eigw, S->ev, &nz, S->isuppz, S->work, &S->lwork, S->iwork, &liwork, &info,
                1, 1, 1);
        if (info != 0 || mfound != nz)
            return -1;
    }
    double emax = 0;
    for (int i = 0; i < nz; ++i)
        if (fabs(S->eigw[i]) > emax)
            emax = fabs(S->eigw[i]);
    double cut = emax * 1e-13;
    for (int i = 0; i < nz; ++i)
        dz[i] = 0;
    for (int e = 0; e < nz; ++e) {
        double le = fabs(S->eigw[e]);
        if (le <= cut)
            continue;
        const double *v = S->ev + (size_t)nz * e;
        double c = 0;
        for (int i = 0; i < nz; ++i)
            c += v[i] * g[i];
        c /= le;
        for (int i = 0; i < nz; ++i)
            dz[i] -= c * v[i];
    }
    return 0;
}

/* Damped Newton in the current mode from S->z.  tol: stop when the Newton
 * decrement g'H^{-1}g falls below tol (1 + |Phi|); tol = 0 means "to machine
 * precision" (quadratic phase finished by two unit steps).  Returns 0 on
 * convergence, 1 if max_it reached, -1 on a numerical failure. */
static int newton(tsolver *S, double tol, int max_it)
{
    tprob *p = S->p;
    int nz = S->md.nz;
    double *z = S->z, *g = S->gz, *H = S->Hz, *dz = S->dz, *zt = S->ztry;
    int polish = 0;
    double dec_prev = INFINITY;
    for (int it = 0; it < max_it; ++it) {
        double f = mode_eval(S, z, g, H);
        if (!isfinite(f))
            return -1;
        if (newton_dir(S, H, g, dz) != 0)
            return -1;
        S->steps++;
        double dec = 0;
        for (int i = 0; i < nz; ++i)
            dec -= g[i] * dz[i];
        double scale = 1.0 + fabs(f);
        if (polish || (tol == 0 && dec < 1e-14 * scale)) {
            /* quadratic phase: unit steps, no line search (rounding makes
             * the objective useless as a merit function at this level) */
            for (int i = 0; i < nz; ++i)
                z[i] += dz[i];
            /* Stop once the decrement no longer falls quadratically (it has
             * reached the rounding floor): a criterion relative to |Phi| alone
             * would leave the variables of small clusters, whose share of Phi
             * is tiny, short of machine precision. */
            ++polish;
            if (dec <= 1e-32 * scale || (polish >= 2 && dec >= 1e-3 * dec_prev) || polish >= 8)
                return 0;
            dec_prev = dec;
            continue;
        }
        if (tol > 0 && dec < tol * scale)
            return 0;
        /* keep the active x positive: they are known to be > 0 at the optimum */
        double amax = 1.0;
        for (int t = 0; t < S->md.nxa; ++t)
            if (dz[t] < 0 && z[t] + dz[t] < 0.01 * z[t])
                amax = fmin(amax, 0.99 * z[t] / -dz[t]);
        double alpha = amax;
        int ok = 0;
        for (int bt = 0; bt < 60; ++bt) {
            for (int i = 0; i < nz; ++i)
                zt[i] = z[i] + alpha * dz[i];
            double ft = mode_eval(S, zt, NULL, NULL);
            if (isfinite(ft) && ft <= f - 1e-4 * alpha * dec) {
                ok = 1;
                break;
            }
            alpha *= 0.5;
        }
        if (!ok) {
            /* no decrease possible at rounding level: converged as far as
             * the arithmetic allows */
            if (dec < 1e-10 * scale)
                return 0;
            return -1;
        }
        memcpy(z, zt, sizeof(double) * (size_t)nz);
        (void)p;
    }
    return 1;
}

/* Sets the mode and packs the current y (x, C, bias) into z.  For MODE_BM the
 * factors are the balanced L = U_r S^{1/2}, R = V_r S^{1/2}. */
static int set_mode(tsolver *S, int mode, int r, double mu, const double *y)
{
    tprob *p = S->p;
    int J = p->J, m = p->m, pos = 0;
    tmode *md = &S->md;
    md->mode = mode;
    md->r = r;
    md->mu = mu;
    md->nxa = 0;
    for (int j = 0; j < J; ++j)
        if (p->active[j]) {
            md->xa[md->nxa++] = j;
            S->z[pos++] = y[ix_x(p, j)];
        }
    if (mode == MODE_FULL) {
        for (int c = 0; c < m * J; ++c)
            S->z[pos++] = y[J + c];
    } else if (mode == MODE_BM) {
        double *A = S->Msm, *sv = S->s, *u = S->U, *vt = S->Ct;
        for (int c = 0; c < m * J; ++c)
            A[c] = y[J + c];
        if (svd(m, J, A, sv, u, vt, S->work, S->lwork) != 0)
            return -1;
        double *L = S->z + pos, *R = S->z + pos + m * r;
        for (int c = 0; c < r; ++c) {
            double sq = sqrt(sv[c]);
            for (int a = 0; a < m; ++a)
                L[a + m * c] = u[a + m * c] * sq;
            for (int j = 0; j < J; ++j)
                R[j + J * c] = vt[c + J * j] * sq;
        }
        pos += (m + J) * r;
    }
    for (int j = 0; j < J; ++j)
        S->z[pos++] = y[ix_b(p, j)];
    md->nz = pos;
    if (mode != MODE_BM) {
        int q = 0;
        for (int t = 0; t < md->nxa; ++t)
            S->map[q++] = ix_x(p, md->xa[t]);
        if (mode == MODE_FULL)
            for (int c = 0; c < m * J; ++c)
                S->map[q++] = J + c;
        for (int j = 0; j < J; ++j)
            S->map[q++] = ix_b(p, j);
    }
    return 0;
}

/* KKT residual of the convex program at y (x, C, bias), relative, and the
 * operator norm of the inactive part W of -G/lam (> 1 means a singular value
 * of C that should be active).  C is assumed to have exact rank r. */
static double kkt_check(tsolver *S, const double *y, int r, double *wnorm)
{
    tprob *p = S->p;
    int J = p->J, m = p->m;
    double *g = S->gy;
    loss_eval(p, y, g, NULL);
    double res = 0;
    for (int j = 0; j < J; ++j) {
        if (p->k[j] < 2)
            continue;
        double pen = p->lam * (p->k[j] - 1), gx = g[ix_x(p, j)];
        if (p->active[j]) {
            if (!(y[ix_x(p, j)] > 0))
                res = fmax(res, 1.0);
            res = fmax(res, fabs(gx + pen) / pen);
        } else {
            res = fmax(res, fmax(0.0, fabs(gx) - pen) / pen);
        }
    }
    double sb = 0;
    for (int j = 0; j < J; ++j)
        sb += p->k[j] * y[ix_b(p, j)];
    for (int j = 0; j < J; ++j) {
        double gb = g[ix_b(p, j)] + 2.0 * p->lbN * p->k[j] * y[ix_b(p, j)];
        res = fmax(res, fabs(gb) / p->N);
    }
    res = fmax(res, fabs(sb) * (p->lbN > 0 ? 0 : 1) / (1.0 + p->K));
    *wnorm = 0;
    S->nviol = 0;
    if (m == 0)
        return res;
    /* -G/lam = U V' + W on the rank-r SVD of C */
    double *Cm = S->Msm, *sv = S->s, *u = S->U, *vt = S->Ct;
    for (int c = 0; c < m * J; ++c)
        Cm[c] = y[J + c];
    if (svd(m, J, Cm, sv, u, vt, S->work, S->lwork) != 0)
        return INFINITY;
    /* T = U_full' (-G/lam) V_full  (m x J) */
    double *T = S->Gphi, *tmpm = S->Cm;
    for (int j = 0; j < J; ++j)
        for (int a = 0; a < m; ++a) {
            double acc = 0;
            for (int b = 0; b < m; ++b)
                acc += u[b + m * a] * (-g[J + b + m * j] / p->lam);
            tmpm[a + m * j] = acc;
        }
    for (int c = 0; c < J; ++c)
        for (int a = 0; a < m; ++a) {
            double acc = 0;
            for (int j = 0; j < J; ++j)
                acc += tmpm[a + m * j] * vt[c + J * j];
            T[a + m * c] = acc;
        }
    /* the r x r corner must be I; the r x (J-r) and (m-r) x r blocks 0 */
    for (int c = 0; c < J; ++c)
        for (int a = 0; a < m; ++a) {
            if (a < r && c < r)
                res = fmax(res, fabs(T[a + m * c] - (a == c ? 1.0 : 0.0)));
            else if (a < r || c < r)
                res = fmax(res, fabs(T[a + m * c]));
        }
    /* W: the (m-r) x (J-r) corner; its top singular pair, mapped back to
     * C's space, is the direction a missing singular value would take */
    int mw = m - r, nw = J - r;
    if (mw > 0 && nw > 0) {
        double *W = S->Msm, *ws = S->eigw, *wu = S->aux, *wvt = S->aux + m * m;
        for (int c = 0; c < nw; ++c)
            for (int a = 0; a < mw; ++a)
                W[a + mw * c] = T[(r + a) + m * (r + c)];
        if (svd(mw, nw, W, ws, wu, wvt, S->work, S->lwork) != 0)
            return INFINITY;
        *wnorm = ws[0];
        res = fmax(res, fmax(0.0, ws[0] - 1.0));
        S->nviol = 0;
        for (int e = 0; e < mw && ws[e] > 1.0; ++e) {
            double *du = S->du + m * e, *dv = S->dv + J * e;
            for (int a = 0; a < m; ++a) {
                double acc = 0;
                for (int q = 0; q < mw; ++q)
                    acc += u[a + m * (r + q)] * wu[q + mw * e];
                du[a] = acc;
            }
            for (int j = 0; j < J; ++j) {
                double acc = 0;
                for (int q = 0; q < nw; ++q)
                    acc += vt[(r + q) + J * j] * wvt[e + nw * q];
                dv[j] = acc;
            }
            S->wsv[e] = ws[e];
            S->nviol = e + 1;
        }
    }
    return res;
}

static int count_rank(const double *sv, int m, double thr)
{
    int r = 0;
    for (int a = 0; a < m; ++a)
        if (sv[a] > thr)
            ++r;
    return r;
}

/* ---- problem set-up ---- */

static void tprob_free(nc_ctx *ctx, tprob *p, tsolver *S)
{
    (void)S;
    nc_free(ctx, p->Q); /* the start of the one block */
}

static nc_status tsetup(nc_ctx *ctx, tprob *p, tsolver *S, int J, const int *k,
                        const double *n, double lZ, double lb)
{
    memset(p, 0, sizeof *p);
    memset(S, 0, sizeof *S);
    p->J = J;
    p->m = J - 1;
    p->D = J + p->m * J + J;
    p->Lc = 1 + p->m + J;
    p->k = k;
    p->n = n;
    p->K = 0;
    p->N = 0;
    for (int j = 0; j < J; ++j) {
        p->K += k[j];
        p->N += k[j] * n[j];
    }
    p->lam = lZ * p->N;
    p->lbN = lb * p->N;
    p->rho = lb > 0 ? 0.0 : p->N / ((double)p->K * p->K);
    int G = J + 1, D = p->D, m = p->m, Lc = p->Lc, mJ = m * J;
    int nzmax = J + (m + J) * m + J; /* the factorised mode at r = m is the largest */
    if (nzmax < D)
        nzmax = D;
    size_t sq = (size_t)J * J + 4, nz2 = (size_t)nzmax * nzmax, blk = (size_t)(G + Lc) * Lc;
    S->p = p;
    S->lwork = 26 * nzmax + 8 * J + 64; /* dsyevr needs 26 n; dgesvd, unblocked, 5 J */
    /* One block for everything, laid out by the same list twice: once to
     * count (base NULL), once to assign. */
    double *base = NULL;
    size_t used = 0;
#define CARVE(ptr, count) ((ptr) = (void *)(base ? base + used : NULL), used += (size_t)(count))
    for (int pass = 0; pass < 2; ++pass) {
        used = 0;
        CARVE(p->Q, (size_t)J * (m > 0 ? m : 1));
        CARVE(p->A, (size_t)G * Lc * J);
        CARVE(p->gl, blk);
        CARVE(p->Hl, blk);
        CARVE(p->v, blk);
        CARVE(p->pi, blk);
        CARVE(p->tmp, blk);
        CARVE(p->active, J);  /* ints in double slots */
        CARVE(p->gidx, (size_t)J * Lc);
        CARVE(S->y, D);
        CARVE(S->y0, D);
        CARVE(S->ybest, D);
        CARVE(S->ygreedy, D);
        CARVE(S->ytry, D);
        CARVE(S->gy, D);
        CARVE(S->Hy, (size_t)D * D);
        CARVE(S->z, nzmax);
        CARVE(S->gz, nzmax);
        CARVE(S->dz, nzmax);
        CARVE(S->ztry, nzmax);
        CARVE(S->Hz, nz2);
        CARVE(S->ev, nz2);
        CARVE(S->Hcopy, nz2);
        CARVE(S->Hnuc, (size_t)mJ * mJ);
        CARVE(S->work, S->lwork);
        CARVE(S->eigw, nzmax);
        CARVE(S->Cm, sq);
        CARVE(S->U, sq);
        CARVE(S->s, sq);
        CARVE(S->Ct, sq);
        CARVE(S->Gphi, sq);
        CARVE(S->Msm, 3 * sq);
        CARVE(S->aux, 2 * sq);
        CARVE(S->du, sq);
        CARVE(S->dv, sq);
        CARVE(S->wsv, sq);
        CARVE(S->gauge, nzmax);
        CARVE(S->map, nzmax);
        CARVE(S->isuppz, 2 * (size_t)nzmax);
        CARVE(S->iwork, 10 * (size_t)nzmax + 10);
        if (pass == 0 && !(base = nc_calloc(ctx, used, sizeof(double))))
            return ctx->status;
    }
#undef CARVE
    for (int j = 0; j < J; ++j)
        for (int l = 0; l < p->Lc; ++l)
            p->gidx[(size_t)p->Lc * j + l] = loc2glob(p, j, l);
    for (int j = 0; j < J; ++j)
        p->active[j] = k[j] >= 2 && sqrt(n[j]) > p->lam;
    build_maps(p);
    return NC_OK;
}

/* Starting point: the within-cluster KKT equation 1 - a_j + q_j = lam/sqrt(n_j)
 * solved as if the cluster stood alone among K classes, and between-cluster
 * entries like the balanced ETF's (-delta/K). */
static void initial_point(tprob *p, double *y)
{
    int J = p->J, m = p->m;
    memset(y, 0, sizeof(double) * (size_t)p->D);
    double dsum = 0;
    int dcount = 0;
    for (int j = 0; j < J; ++j) {
        double tau = p->lam / sqrt(p->n[j]);
        if (tau > 1)
            tau = 1;
        double d0 = log(1.0 + p->K * (1.0 / tau - 1.0)) + 0.1;
        if (p->active[j]) {
            y[ix_x(p, j)] = sqrt(p->n[j]) * d0;
        }
        dsum += d0;
        ++dcount;
    }
    double g0 = -(dsum / dcount) / p->K - 0.05;
    /* B_ij = sqrt(k_i k_j n_j) g0 (i != j), B_jj from w'B = 0; C = Q'B */
    for (int j = 0; j < J; ++j) {
        double Bcol[NC_THEORY_MAX_J];
        double acc = 0;
        for (int i = 0; i < J; ++i) {
            Bcol[i] = i == j ? 0 : sqrt((double)p->k[i] * p->k[j] * p->n[j]) * g0;
            if (i != j)
                acc += sqrt((double)p->k[i]) * Bcol[i];
        }
        Bcol[j] = -acc / sqrt((double)p->k[j]);
        for (int a = 0; a < m; ++a) {
            double s = 0;
            for (int i = 0; i < J; ++i)
                s += p->Q[i + J * a] * Bcol[i];
            y[ix_c(p, a, j)] = s;
        }
    }
}

/* Solves with the rank of C held at cand (from y_in) to machine precision;
 * y_out gets the answer with its exact rank *rr (a factor that went to zero
 * is removed), *kkt its certificate and *wn the norm of W. */
static int polish_rank(tsolver *S, const double *y_in, int cand, int allow_full, double tol,
                       double *y_out, int *rr, double *kkt, double *wn)
{
    tprob *p = S->p;
    int J = p->J, m = p->m;
    int mode = (cand == 0 || m == 0) ? MODE_ZERO
                                     : (cand == m && allow_full ? MODE_FULL : MODE_BM);
    if (set_mode(S, mode, cand, 0.0, y_in) != 0)
        return -1;
    if (newton(S, tol, 100) < 0)
        return -1;
    z_to_y(S, S->z, y_out);
    *rr = 0;
    if (mode != MODE_ZERO) {
        double *Cm = S->Msm, *sv = S->s, *u = S->U, *vt = S->Ct;
        for (int c = 0; c < m * J; ++c)
            Cm[c] = y_out[J + c];
        if (svd(m, J, Cm, sv, u, vt, S->work, S->lwork) != 0)
            return -1;
        *rr = count_rank(sv, m, 1e-12 * sv[0]);
        if (*rr < cand)
            for (int j = 0; j < J; ++j)
                for (int a = 0; a < m; ++a) {
                    double acc = 0;
                    for (int c = 0; c < *rr; ++c)
                        acc += u[a + m * c] * sv[c] * vt[c + J * j];
                    y_out[ix_c(p, a, j)] = acc;
                }
    }
    *kkt = kkt_check(S, y_out, *rr, wn);
    return 0;
}

/* The whole solve: continuation, structure identification, exact polish,
 * certificate.  y receives the optimum; *rank_out the rank of C. */
static nc_status tsolve(nc_ctx *ctx, tsolver *S, double *y, int have_start, int *rank_out,
                        double *kkt_out)
{
    tprob *p = S->p;
    int J = p->J, m = p->m;
    double nmax = 0;
    for (int j = 0; j < J; ++j)
        nmax = fmax(nmax, p->n[j]);
    double mu0 = sqrt(nmax);
    if (!have_start)
        initial_point(p, y);
    int r = m, rc;
    double kkt = INFINITY, wn = 0;
    double greedy_kkt = INFINITY; /* best certificate of the greedy stages */
    int greedy_r = 0;

    if (m > 0) {
        double *cur = S->y0, *out = S->ybest;
        int rr = 0;
        /* A warm start (nc_limit's sweeps) is first polished in its own
         * structure: neighbouring problems share it. */
        if (have_start) {
            double *Cm = S->Msm;
            for (int c = 0; c < m * J; ++c)
                Cm[c] = y[J + c];
            if (svd(m, J, Cm, S->s, S->U, S->Ct, S->work, S->lwork) == 0) {
                int rw = count_rank(S->s, m, 1e-12 * S->s[0]);
                if (polish_rank(S, y, rw, 1, 0.0, out, &rr, &kkt, &wn) == 0 && kkt < 1e-9) {
                    memcpy(y, out, sizeof(double) * (size_t)p->D);
                    *rank_out = rr;
                    *kkt_out = kkt;
                    return NC_OK;
                }
            }
            initial_point(p, y);
        }
        /* Greedy rank increase: solve with C = 0; while the certificate
         * shows an inactive direction with ||W|| > 1, add it (with the step
         * that minimises the quadratic model along it) and re-solve with one
         * more rank.  Each stage starts next to its answer. */
        memcpy(cur, y, sizeof(double) * (size_t)p->D);
        for (int c = 0; c < m * J; ++c)
            cur[J + c] = 0;
        r = 0;
        for (int stage = 0; stage <= 2 * m + 1; ++stage) {
            if (nc_interrupted(ctx))
                return NC_EINTERRUPT;
            /* Loosely first, in the factorised form: a freshly added
             * direction has a small singular value, where the exact norm's
             * curvature 1/sigma wrecks Newton's model.  Only the last stage
             * needs machine precision; at full rank it uses the exact norm,
             * smooth there. */
            if (polish_rank(S, cur, r, 0, r == m ? 1e-6 : 1e-10, out, &rr, &kkt, &wn) != 0)
                break;
            memcpy(cur, out, sizeof(double) * (size_t)p->D);
            if (!(wn > 1.0 + 1e-6) || rr >= m) {
                if (polish_rank(S, cur, rr, 1, 0.0, out, &rr, &kkt, &wn) != 0 &&
                    polish_rank(S, cur, rr, 0, 0.0, out, &rr, &kkt, &wn) != 0)
                    break;
                memcpy(cur, out, sizeof(double) * (size_t)p->D);
                if (kkt < 1e-9) {
                    memcpy(y, cur, sizeof(double) * (size_t)p->D);
                    *rank_out = rr;
                    *kkt_out = kkt;
                    return NC_OK;
                }
                if (kkt < greedy_kkt) {
                    greedy_kkt = kkt;
                    greedy_r = rr;
                    memcpy(S->ygreedy, cur, sizeof(double) * (size_t)p->D);
                }
            }
            if (!(wn > 1) || rr >= m || S->nviol == 0)
                break;
            /* add every violating direction, each with the step minimising
             * the quadratic model along it */
            double *Hy = S->Hy;
            loss_eval(p, cur, S->gy, Hy);
            int nv = S->nviol;
            if (rr + nv > m)
                nv = m - rr;
            for (int e = 0; e < nv; ++e) {
                const double *du = S->du + m * e, *dv = S->dv + J * e;
                double h = 0;
                for (int j1 = 0; j1 < J; ++j1)
                    for (int a1 = 0; a1 < m; ++a1) {
                        double d1 = du[a1] * dv[j1];
                        for (int j2 = 0; j2 < J; ++j2)
                            for (int a2 = 0; a2 < m; ++a2)
                                h += d1 * Hy[ix_c(p, a1, j1) + (size_t)p->D * ix_c(p, a2, j2)] *
                                     du[a2] * dv[j2];
                    }
                double t = h > 0 ? p->lam * (S->wsv[e] - 1.0) / h : mu0;
                for (int j = 0; j < J; ++j)
                    for (int a = 0; a < m; ++a)
                        cur[ix_c(p, a, j)] += t * du[a] * dv[j];
            }
            r = rr + nv;
        }
        if (nc_interrupted(ctx))
            return NC_EINTERRUPT;
        /* Continuation on the smoothed norm from a fresh start. */
        initial_point(p, y);
        double mu = mu0, last_mu = mu0;
        for (int level = 0; level < 6; ++level, mu *= 1e-2) {
            set_mode(S, MODE_FULL, 0, mu, y);
            rc = newton(S, 1e-13, 100);
            if (rc < 0 && level == 0)
                return nc_fail(ctx, NC_ENUMERIC, "numeric",
                               "Newton continuation failed (mu = %g)", mu);
            if (rc < 0)
                break; /* too ill-conditioned to go further: the polish takes over */
            z_to_y(S, S->z, y);
            last_mu = mu;
        }
        double *Cm = S->Msm;
        for (int c = 0; c < m * J; ++c)
            Cm[c] = y[J + c];
        svd(m, J, Cm, S->s, S->U, S->Ct, S->work, S->lwork);
        r = count_rank(S->s, m, 1e3 * last_mu);
    }

    /* Exact polish on candidate structures, the identified rank first and
     * then its neighbours, each from the continuation point.  The first whose
     * certificate holds is the answer (else the best one).  Near a threshold
     * a singular value is tiny but real, or tiny and spurious: the
     * certificate decides, not a cut-off. */
    double *y0 = S->y0, *best_y = S->ybest;
    memcpy(y0, y, sizeof(double) * (size_t)p->D);
    double best = INFINITY;
    int best_r = r, r_id = r;
    if (m > 0 && greedy_kkt < INFINITY) {
        best = greedy_kkt;
        best_r = greedy_r;
        memcpy(best_y, S->ygreedy, sizeof(double) * (size_t)p->D);
    }
    for (int t = 0; t <= 2 * m; ++t) {
        int cand = r_id + ((t + 1) / 2) * (t % 2 ? -1 : 1);
        if (cand < 0 || cand > m)
            continue;
        if (nc_interrupted(ctx))
            return NC_EINTERRUPT;
        int rr;
        double kk;
        double *yt = S->ytry;
        if (polish_rank(S, y0, cand, 1, 0.0, yt, &rr, &kk, &wn) != 0)
            continue;
        if (kk < best) {
            best = kk;
            best_r = rr;
            memcpy(best_y, yt, sizeof(double) * (size_t)p->D);
        }
        if (best < 1e-9)
            break;
    }
    if (!isfinite(best))
        return nc_fail(ctx, NC_ENUMERIC, "numeric", "Newton polish failed on every structure");
    memcpy(y, best_y, sizeof(double) * (size_t)p->D);
    r = best_r;
    kkt = best;
    *rank_out = (m == 0) ? 0 : r;
    *kkt_out = kkt;
    return NC_OK;
}

/* ---- public entry points ---- */

/* NAME: how the sizes argument is called (N, or RHO for nc_limit). */
static nc_status check_clusters(nc_ctx *ctx, int J, const int *k, const double *n,
                                const char *name)
{
    if (J < 1 || J > NC_THEORY_MAX_J)
        return nc_fail(ctx, NC_EBADARG, "badSize",
                       "K must have 1 to %d entries (one per cluster), not %d",
                       NC_THEORY_MAX_J, J);
    long K = 0;
    for (int j = 0; j < J; ++j) {
        if (k[j] < 1)
            return nc_fail(ctx, NC_EBADARG, "badK",
                           "K must hold positive whole class counts (k(%d) = %d)", j + 1, k[j]);
        if (!(n[j] > 0) || !isfinite(n[j]))
            return nc_fail(ctx, NC_EBADARG, "badN",
                           "%s must hold positive finite values (entry %d is %g)", name, j + 1,
                           n[j]);
        K += k[j];
    }
    if (K < 2)
        return nc_fail(ctx, NC_EBADARG, "badK", "K must describe at least two classes");
    return NC_OK;
}

static void fill_result(tprob *p, tsolver *S, const double *y, int rank, double kkt,
                        nc_theory_result *res)
{
    int J = p->J, m = p->m, K = p->K;
    double *B = S->Hy; /* J x J */
    for (int j = 0; j < J; ++j)
        for (int i = 0; i < J; ++i) {
            double s = 0;
            for (int a = 0; a < m; ++a)
                s += p->Q[i + J * a] * y[ix_c(p, a, j)];
            B[i + J * j] = rank == 0 ? 0.0 : s;
        }
    for (int j = 0; j < J; ++j) {
        double sn = sqrt(p->n[j]);
        double delta = p->active[j] ? y[ix_x(p, j)] / sn : 0.0;
        double ajj = B[j + J * j] / sn; /* = -sum_{i != j} k_i gamma_ij */
        res->alpha[j] = (ajj + (p->k[j] - 1) * delta) / p->k[j];
        if (p->k[j] >= 2) {
            res->beta[j] = (ajj - delta) / p->k[j];
            res->delta[j] = delta;
            res->collapsed[j] = !p->active[j];
        } else {
            res->beta[j] = NAN;
            res->delta[j] = NAN;
            res->collapsed[j] = 0;
        }
        res->bias[j] = y[ix_b(p, j)];
        for (int i = 0; i < J; ++i)
            res->gamma[i + J * j] =
                i == j ? NAN : B[i + J * j] / sqrt((double)p->k[i] * p->k[j] * p->n[j]);
    }
    /* exact zeros where the structure says so */
    if (rank == 0)
        for (int j = 0; j < J; ++j)
            for (int i = 0; i < J; ++i)
                if (i != j)
                    res->gamma[i + J * j] = 0.0;
    if (res->Zbar) {
        int c0 = 0;
        for (int j = 0; j < J; ++j) {
            for (int cc = c0; cc < c0 + p->k[j]; ++cc) {
                int r0 = 0;
                for (int i = 0; i < J; ++i) {
                    for (int rr = r0; rr < r0 + p->k[i]; ++rr) {
                        double v;
                        if (i != j)
                            v = res->gamma[i + J * j];
                        else
                            v = rr == cc ? res->alpha[j] : res->beta[j];
                        res->Zbar[rr + (size_t)K * cc] = v;
                    }
                    r0 += p->k[i];
                }
            }
            c0 += p->k[j];
        }
    }
    if (res->b) {
        int r0 = 0;
        for (int i = 0; i < J; ++i) {
            for (int rr = r0; rr < r0 + p->k[i]; ++rr)
                res->b[rr] = res->bias[i];
            r0 += p->k[i];
        }
    }
    /* singular values: within parts, between part, and the exact 0 on 1 */
    double *bsv = S->eigw;
    for (int a = 0; a < m; ++a)
        bsv[a] = 0;
    if (m > 0 && rank > 0) {
        double *Cm = S->Msm;
        for (int c = 0; c < m * J; ++c)
            Cm[c] = y[J + c];
        svd(m, J, Cm, bsv, S->U, S->Ct, S->work, S->lwork);
        for (int a = rank; a < m; ++a)
            bsv[a] = 0;
    }
    if (res->between_sv)
        memcpy(res->between_sv, bsv, sizeof(double) * (size_t)m);
    if (res->sv) {
        int t = 0;
        for (int j = 0; j < J; ++j)
            for (int c = 1; c < p->k[j]; ++c)
                res->sv[t++] = p->active[j] ? y[ix_x(p, j)] : 0.0;
        for (int a = 0; a < m; ++a)
            res->sv[t++] = bsv[a];
        res->sv[t++] = 0.0;
        /* descending insertion sort: K is small */
        for (int i = 1; i < K; ++i) {
            double v = res->sv[i];
            int q = i - 1;
            while (q >= 0 && res->sv[q] < v) {
                res->sv[q + 1] = res->sv[q];
                --q;
            }
            res->sv[q + 1] = v;
        }
    }
    /* objective of the program (without the gauge term, zero at the optimum) */
    double F = loss_eval(p, y, NULL, NULL);
    double pen = 0;
    for (int j = 0; j < J; ++j)
        pen += (p->k[j] - 1) * (p->active[j] ? fabs(y[ix_x(p, j)]) : 0.0);
    for (int a = 0; a < m; ++a)
        pen += bsv[a];
    double bb = 0;
    for (int j = 0; j < J; ++j)
        bb += p->k[j] * y[ix_b(p, j)] * y[ix_b(p, j)];
    res->objective = (F + p->lam * pen + p->lbN * bb) / p->N;
    res->kkt = kkt;
    res->between_rank = rank;
    res->newton_steps = S->steps;
}

static nc_status theory_core(nc_ctx *ctx, int J, const int *k, const double *n, double lZ,
                             double lb, nc_theory_result *res, double *warm)
{
    nc_status st = check_clusters(ctx, J, k, n, "N");
    if (st != NC_OK)
        return st;
    if ((st = nc_check_lambdas(ctx, lZ, lb)) != NC_OK)
        return st;
    tprob p;
    tsolver S;
    st = tsetup(ctx, &p, &S, J, k, n, lZ, lb);
    if (st != NC_OK)
        return st;
    double ybuf[NC_THEORY_MAX_J * (NC_THEORY_MAX_J + 1)];
    double *yy = ybuf;
    int have = 0;
    if (warm && warm[0] == 1.0) {
        memcpy(yy, warm + 1, sizeof(double) * (size_t)p.D);
        have = 1;
    }
    int rank = 0;
    double kkt = 0;
    st = tsolve(ctx, &S, yy, have, &rank, &kkt);
    if (st == NC_OK) {
        fill_result(&p, &S, yy, rank, kkt, res);
        if (warm) {
            warm[0] = 1.0;
            memcpy(warm + 1, yy, sizeof(double) * (size_t)p.D);
        }
    }
    tprob_free(ctx, &p, &S);
    return st;
}

nc_status nc_theory(nc_ctx *ctx, int J, const int *k, const double *n, double lZ, double lb,
                    nc_theory_result *res)
{
    return theory_core(ctx, J, k, n, lZ, lb, res, NULL);
}

/* ---- thresholds ---- */

/* Reconfigures a set-up problem for another lZ (same clusters). */
static void set_lambda(tprob *p, double lZ)
{
    p->lam = lZ * p->N;
    for (int j = 0; j < p->J; ++j)
        p->active[j] = p->k[j] >= 2 && sqrt(p->n[j]) > p->lam;
}

/* Optimum with C = 0 imposed (x and bias free); y receives it. */
static int solve_separated(tsolver *S, double *y)
{
    initial_point(S->p, y);
    for (int c = 0; c < S->p->m * S->p->J; ++c)
        y[S->p->J + c] = 0;
    set_mode(S, MODE_ZERO, 0, 0.0, y);
    int rc = newton(S, 0.0, 200);
    z_to_y(S, S->z, y);
    return rc;
}

/* h(lZ) = ||G_C||_op / lam - 1 at the separated optimum: C = 0 is optimal iff
 * h <= 0 (the other optimality conditions hold by construction). */
typedef struct {
    tsolver *S;
    double *y;
    int failed;
} sep_data;

static double separation_gap(double lZ, void *data)
{
    sep_data *d = data;
    tprob *p = d->S->p;
    int m = p->m, J = p->J;
    set_lambda(p, lZ);
    if (solve_separated(d->S, d->y) < 0)
        d->failed = 1;
    loss_eval(p, d->y, d->S->gy, NULL);
    double *Gm = d->S->Msm, *sv = d->S->s;
    for (int c = 0; c < m * J; ++c)
        Gm[c] = d->S->gy[J + c];
    int info = 0, ld1 = 1;
    char job = 'N';
    dgesvd_(&job, &job, &m, &J, Gm, &m, sv, NULL, &ld1, NULL, &ld1, d->S->work, &d->S->lwork,
            &info, 1, 1);
    if (info != 0)
        d->failed = 1;
    return sv[0] / p->lam - 1.0;
}

#include <gsl/gsl_errno.h>
#include <gsl/gsl_roots.h>

static nc_status thresholds_core(nc_ctx *ctx, tprob *p, tsolver *S, double lZ,
                                 nc_thresholds_result *res)
{
    int J = p->J, m = p->m, K = p->K;
    double N = p->N;
    double y[NC_THEORY_MAX_J * (NC_THEORY_MAX_J + 1)];
    for (int j = 0; j < J; ++j)
        res->collapse[j] = p->k[j] >= 2 ? sqrt(p->n[j]) / N : INFINITY;

    /* zero threshold: the bias-only optimum (x = 0, C = 0) and the operator
     * norm of (I - p 1') D^{1/2}, block-diagonal in the cluster basis */
    set_lambda(p, 0.0);
    for (int j = 0; j < J; ++j)
        p->active[j] = 0;
    memset(y, 0, sizeof(double) * (size_t)p->D);
    set_mode(S, MODE_ZERO, 0, 0.0, y);
    if (newton(S, 0.0, 200) < 0)
        return nc_fail(ctx, NC_ENUMERIC, "numeric", "the bias-only problem did not converge");
    z_to_y(S, S->z, y);
    double bmax = -INFINITY, Z = 0;
    for (int j = 0; j < J; ++j)
        bmax = fmax(bmax, y[ix_b(p, j)]);
    for (int j = 0; j < J; ++j)
        Z += p->k[j] * exp(y[ix_b(p, j)] - bmax);
    double *E = S->Msm, *sv = S->s;
    for (int j = 0; j < J; ++j)
        for (int i = 0; i < J; ++i) {
            double pi = exp(y[ix_b(p, i)] - bmax) / Z;
            E[i + J * j] = sqrt(p->n[j]) * ((i == j ? 1.0 : 0.0) - sqrt((double)p->k[i] * p->k[j]) * pi);
        }
    int info = 0, ld1 = 1;
    char job = 'N';
    dgesvd_(&job, &job, &J, &J, E, &J, sv, NULL, &ld1, NULL, &ld1, S->work, &S->lwork, &info,
            1, 1);
    if (info != 0)
        return nc_fail(ctx, NC_ENUMERIC, "numeric", "SVD failed");
    double op = sv[0];
    for (int j = 0; j < J; ++j)
        if (p->k[j] >= 2)
            op = fmax(op, sqrt(p->n[j]));
    res->zero = op / N;

    /* separation threshold: root of separation_gap in (0, zero] */
    res->separation = 0;
    if (m > 0) {
        sep_data d = {S, y, 0};
        double hi = res->zero, hhi = separation_gap(hi, &d);
        if (hhi > 0) {
            res->separation = hi; /* rounding at the edge: cannot lie above zero */
        } else {
            double lo = hi, hlo = hhi;
            for (int t = 0; t < 80 && hlo <= 0; ++t) {
                hi = lo;
                lo *= 0.5;
                hlo = separation_gap(lo, &d);
                if (nc_interrupted(ctx))
                    return NC_EINTERRUPT;
            }
            if (hlo <= 0) {
                res->separation = 0; /* gamma vanish for every lZ tried */
            } else {
                gsl_function fn = {separation_gap, &d};
                gsl_root_fsolver *solver = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
                if (!solver)
                    return nc_fail(ctx, NC_ENOMEM, "noMemory", "out of memory");
                gsl_root_fsolver_set(solver, &fn, lo, hi);
                int status = GSL_CONTINUE;
                for (int it = 0; it < 200 && status == GSL_CONTINUE; ++it) {
                    gsl_root_fsolver_iterate(solver);
                    lo = gsl_root_fsolver_x_lower(solver);
                    hi = gsl_root_fsolver_x_upper(solver);
                    status = gsl_root_test_interval(lo, hi, 0.0, 1e-13);
                }
                gsl_root_fsolver_free(solver);
                /* report the upper end: there C = 0 is certified optimal */
                res->separation = hi;
            }
            if (d.failed)
                return nc_fail(ctx, NC_ENUMERIC, "numeric",
                               "the separated problem did not converge");
        }
    }

    /* minority forms */
    int mino = 0;
    for (int j = 1; j < J; ++j)
        if (p->n[j] <= p->n[mino])
            mino = j;
    res->minority = mino;
    res->ratio = NAN;
    res->n_major = NAN;
    int haveZ = lZ > 0 && isfinite(lZ);
    if (J == 2 && haveZ) {
        int A = 1 - mino;
        double nB = p->n[mino];
        res->ratio = (1.0 / (lZ * sqrt(nB)) - p->k[mino]) / p->k[A];
        res->n_major = res->ratio * nB;
    }
    if (res->oversample)
        for (int j = 0; j < J; ++j) {
            double lo = NAN, hi = NAN;
            if (haveZ && p->k[j] >= 2) {
                double kn = p->k[j] * p->n[j], rest = N - kn;
                double disc = p->n[j] - 4.0 * lZ * lZ * kn * rest;
                if (disc > 0) {
                    double sq = sqrt(disc), sn = sqrt(p->n[j]);
                    double tlo = 2.0 * lZ * rest / (sn + sq), thi = (sn + sq) / (2.0 * lZ * kn);
                    lo = tlo * tlo;
                    hi = thi * thi;
                }
            }
            res->oversample[j] = lo;
            res->oversample[j + J] = hi;
        }
    (void)K;
    return NC_OK;
}

nc_status nc_thresholds(nc_ctx *ctx, int J, const int *k, const double *n, double lb,
                        double lZ, nc_thresholds_result *res)
{
    nc_status st = check_clusters(ctx, J, k, n, "N");
    if (st != NC_OK)
        return st;
    if (!(lb >= 0) || !isfinite(lb))
        return nc_fail(ctx, NC_EBADARG, "badLambda",
                       "LAMBDA_B must be a nonnegative finite scalar");
    tprob p;
    tsolver S;
    st = tsetup(ctx, &p, &S, J, k, n, 1.0, lb);
    if (st != NC_OK)
        return st;
    st = thresholds_core(ctx, &p, &S, lZ, res);
    tprob_free(ctx, &p, &S);
    return st;
}

/* ---- the limit regime ---- */

nc_status nc_limit(nc_ctx *ctx, int J, const int *k, const double *rho, double LN, double lb,
                   int count, const double *nB, double *distance, double *cos_within,
                   double *cos_between, double *delta)
{
    int K = 0;
    for (int j = 0; j < J && j < NC_THEORY_MAX_J; ++j)
        K += k[j] > 0 ? k[j] : 0;
    nc_status st = check_clusters(ctx, J, k, rho, "RHO");
    if (st != NC_OK)
        return st;
    if (!(LN > 0) || !isfinite(LN))
        return nc_fail(ctx, NC_EBADARG, "badLambda",
                       "LAMBDA_N (lambda_Z times N) must be a positive finite scalar");
    for (int t = 0; t < count; ++t)
        if (!(nB[t] > 0) || !isfinite(nB[t]))
            return nc_fail(ctx, NC_EBADARG, "badN",
                           "NB must hold positive finite sample counts (nb(%d) = %g)", t + 1,
                           nB[t]);
    int D = J * (J + 1);
    size_t need = (size_t)K * K + 5 * (size_t)J + (size_t)J * J + 2 * (size_t)K + J +
                  (size_t)D + 1;
    double *buf = nc_alloc(ctx, need, sizeof(double));
    if (!buf)
        return ctx->status;
    double *Zbar = buf, *nn = Zbar + (size_t)K * K, *alpha = nn + J, *beta = alpha + J,
           *dl = beta + J, *bias = dl + J, *gamma = bias + J, *bvec = gamma + (size_t)J * J,
           *norms = bvec + K, *between = norms + K, *warm = between + J;
    int coll[NC_THEORY_MAX_J];
    (void)between;
    warm[0] = 0;
    double prev = 0;
    double t0 = nc_now(), last = t0;
    int first[NC_THEORY_MAX_J];
    for (int j = 0, c = 0; j < J; c += k[j], ++j)
        first[j] = c;
    for (int t = 0; t < count; ++t) {
        double N = 0;
        for (int j = 0; j < J; ++j) {
            nn[j] = rho[j] * nB[t];
            N += k[j] * nn[j];
        }
        if (warm[0] == 1.0 && prev > 0) {
            /* x and C scale like sqrt(n); the bias does not */
            double sc = sqrt(nB[t] / prev);
            for (int i = 0; i < J + (J - 1) * J; ++i)
                warm[1 + i] *= sc;
        }
        nc_theory_result r = {.alpha = alpha, .beta = beta, .delta = dl, .gamma = gamma,
                              .bias = bias, .collapsed = coll, .Zbar = Zbar, .b = bvec};
        st = theory_core(ctx, J, k, nn, LN / N, lb, &r, warm);
        if (st != NC_OK)
            break;
        prev = nB[t];
        double fro = 0;
        for (int c = 0; c < K; ++c) {
            double s = 0;
            for (int q = 0; q < K; ++q)
                s += Zbar[q + (size_t)K * c] * Zbar[q + (size_t)K * c];
            norms[c] = sqrt(s);
            fro += s;
        }
        fro = sqrt(fro);
        if (distance) {
            if (fro > 0) {
                double d2 = 0, e = 1.0 / sqrt(K - 1.0);
                for (int c = 0; c < K; ++c)
                    for (int q = 0; q < K; ++q) {
                        double etf = ((q == c ? 1.0 : 0.0) - 1.0 / K) * e;
                        double dd = Zbar[q + (size_t)K * c] / fro - etf;
                        d2 += dd * dd;
                    }
                distance[t] = sqrt(d2);
            } else {
                distance[t] = NAN;
            }
        }
        for (int j = 0; j < J; ++j)
            for (int i = 0; i < J; ++i) {
                int ci = first[i], cj = first[j] + (i == j ? 1 : 0);
                double cs = NAN;
                if (!(i == j && k[j] < 2)) {
                    double s = 0;
                    for (int q = 0; q < K; ++q)
                        s += Zbar[q + (size_t)K * ci] * Zbar[q + (size_t)K * cj];
                    double den = norms[ci] * norms[cj];
                    cs = den > 0 ? s / den : NAN;
                }
                if (cos_between)
                    cos_between[i + J * j + (size_t)J * J * t] = cs;
                if (cos_within && i == j)
                    cos_within[j + (size_t)J * t] = cs;
            }
        if (delta)
            for (int j = 0; j < J; ++j)
                delta[j + (size_t)J * t] = dl[j];
        double now = nc_now();
        if (count > 1 && now - last > 2.0) {
            char left[64];
            nc_format_duration((now - t0) / (t + 1) * (count - t - 1), left, sizeof left);
            nc_printf(ctx, "nc_limit: %d of %d done, about %s left\n", t + 1, count, left);
            last = now;
        }
        if (nc_interrupted(ctx)) {
            st = NC_EINTERRUPT;
            break;
        }
    }
    nc_free(ctx, buf);
    return st;
}
