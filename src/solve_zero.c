/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The bias-only problem and the exact zero test.
 *
 * With Zbar = 0 only the bias predicts: min_b (1/N) sum_k n_k CE(b, k) +
 * lb |b|^2, whose optimum has per-class softmax p with p - n/N + 2 lb b = 0.
 * Zbar = 0 is optimal iff ||(I - p 1^T) D^{1/2}||_op <= lZ N
 * (docs/theory.md section 3).  With groups the matrix is block structured:
 * sqrt(n_j) on the within-group directions and the J x J matrix
 * sqrt(n_j)(delta_ij - sqrt(k_i k_j) p_i) on the group indicators. */
#include "solve_internal.h"

#include <float.h>
#include <math.h>
#include <string.h>

/* Per-class softmax of b with multiplicities k; returns log sum_i k_i e^{b_i}. */
static double class_softmax(const ncs_problem *p, const double *b, double *pc)
{
    int J = p->J;
    double mx = b[0], z = 0;
    for (int i = 1; i < J; ++i)
        if (b[i] > mx)
            mx = b[i];
    for (int i = 0; i < J; ++i) {
        pc[i] = exp(b[i] - mx);
        z += p->k[i] * pc[i];
    }
    for (int i = 0; i < J; ++i)
        pc[i] /= z;
    return mx + log(z);
}

static double bias_objective(const ncs_problem *p, const double *b, double *pc)
{
    double lse = class_softmax(p, b, pc), f = 0;
    for (int i = 0; i < p->J; ++i)
        f += p->k[i] * (p->n[i] / p->N * (lse - b[i]) + p->lb * b[i] * b[i]);
    return f;
}

/* Per-class residual g = p - n/N + 2 lb b (the gradient is k g); returns
 * the norm of k g. */
static double bias_residual(const ncs_problem *p, const double *b, double *pc, double *g)
{
    double t = 0;
    class_softmax(p, b, pc);
    for (int i = 0; i < p->J; ++i) {
        g[i] = pc[i] - p->n[i] / p->N + 2 * p->lb * b[i];
        t += p->k[i] * p->k[i] * g[i] * g[i];
    }
    return sqrt(t);
}

/* Newton direction w solving (diag(p + 2 lb) - p (k p)^T) w = g by
 * Sherman-Morrison; returns the decrement g^T diag(k) w. */
static double bias_direction(const ncs_problem *p, const double *pc, const double *g,
                             double *w)
{
    int J = p->J;
    double wag = 0, wau = 0, dec = 0;
    for (int i = 0; i < J; ++i) {
        double a = pc[i] + 2 * p->lb;
        wag += p->k[i] * pc[i] * g[i] / a;
        wau += p->k[i] * pc[i] * pc[i] / a;
    }
    double c = wag / (1 - wau);
    for (int i = 0; i < J; ++i) {
        w[i] = (g[i] + c * pc[i]) / (pc[i] + 2 * p->lb);
        dec += p->k[i] * g[i] * w[i];
    }
    return dec;
}

/* b - mean with weights k, so that sum_i k_i b_i = 0 */
static void center_weighted(const ncs_problem *p, double *b)
{
    double t = 0;
    for (int i = 0; i < p->J; ++i)
        t += p->k[i] * b[i];
    t /= p->K;
    for (int i = 0; i < p->J; ++i)
        b[i] -= t;
}

/* work: 4 J.  A full step is taken when it decreases the objective or
 * halves the residual (near the optimum the objective is flat to rounding),
 * else backtracking; strongly convex, so this converges. */
void ncs_bias_only(const ncs_problem *p, double *bt, double *work)
{
    int J = p->J;
    double *b = work, *pc = work + J, *g = work + 2 * J, *w = work + 3 * J;
    double *trial = bt; /* bt is free scratch until the end */
    if (p->lb == 0) { /* softmax(b) = n/N exactly */
        for (int i = 0; i < J; ++i)
            b[i] = log(p->n[i]);
    } else {
        memset(b, 0, (size_t)J * sizeof(double));
        double gn = bias_residual(p, b, pc, g);
        for (int it = 0; it < 200 && gn > 0; ++it) {
            double dec = bias_direction(p, pc, g, w), f0 = bias_objective(p, b, pc), t = 1;
            int accepted = 0;
            for (int ls = 0; ls < 60 && !accepted; ++ls, t *= 0.5) {
                for (int i = 0; i < J; ++i)
                    trial[i] = b[i] - t * w[i];
                double f1 = bias_objective(p, trial, pc);
                accepted = (f1 < f0 && f1 <= f0 - 1e-4 * t * dec) ||
                           (ls == 0 && bias_residual(p, trial, pc, g) <= 0.5 * gn);
                if (!accepted && dec <= 1e3 * DBL_EPSILON * fabs(f0))
                    break; /* a decrement the objective cannot resolve */
            }
            if (!accepted)
                break;
            memcpy(b, trial, (size_t)J * sizeof(double));
            gn = bias_residual(p, b, pc, g);
        }
    }
    center_weighted(p, b);
    for (int i = 0; i < J; ++i)
        bt[i] = p->r[i] * b[i];
}

nc_status ncs_zero_is_optimal(const ncs_problem *p, ncs_svd *svd, const double *bt,
                              double *M, int *is_zero)
{
    int J = p->J;
    double *b = svd->sv, *pc = svd->sv; /* J scratch; overwritten by the SVD */
    double total = 0, within = 0;
    for (int i = 0; i < J; ++i)
        b[i] = bt[i] / p->r[i];
    double lse = class_softmax(p, b, pc);
    (void)lse;
    for (int i = 0; i < J; ++i)
        total += p->k[i] * pc[i];
    for (int j = 0; j < J; ++j) {
        double sq = sqrt(p->n[j]), rest = 0;
        for (int i = 0; i < J; ++i)
            if (i != j) {
                M[i + (size_t)j * J] = -sq * sqrt(p->k[i] * p->k[j]) * pc[i];
                rest += p->k[i] * pc[i];
            }
        M[j + (size_t)j * J] = sq * rest / total; /* 1 - k_j p_j from the others */
        if (p->k[j] > 1 && sq > within)
            within = sq;
    }
    nc_status st = ncs_svd_run(p->ctx, svd, M, 0);
    if (st)
        return st;
    double op = svd->sv[0] > within ? svd->sv[0] : within;
    *is_zero = op <= p->lZ * p->N;
    return NC_OK;
}
