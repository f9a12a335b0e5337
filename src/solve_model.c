/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The smooth part of the group-level program: cross entropy with
 * multiplicities, its gradient and its Hessian.
 *
 * Column j stands for the k_j classes of group j (they are alike at the
 * optimum).  Its logits take J + 1 values: w_i = c_ij + b_i on the k_i
 * classes of each other group i, w_o = c_jj - delta_j/k_j + b_j on the
 * k_j - 1 other classes of the own group, w_t = w_o + delta_j on the true
 * class, where c_ij = G_ij / (r_i s_j) and b_i = bt_i / r_i.  Since
 * G_ij + bt_i s_j = r_i s_j w_i, G and bt enter the logits only through
 * G' = G + bt s^T, which the preconditioner exploits. */
#include "solve_internal.h"

#include <math.h>
#include <string.h>

void ncs_soft_layout(ncs_arena *a, ncs_soft *sm, int J)
{
    size_t j = (size_t)J;
    sm->Q = ncs_take(a, ncs_size2(a, j, j));
    sm->qo = ncs_take(a, j);
    sm->qt = ncs_take(a, j);
    sm->off = ncs_take(a, j);
    sm->offG = ncs_take(a, j);
}

void ncs_project_cols(const ncs_problem *p, double *A, int cols)
{
    int J = p->J;
    for (int c = 0; c < cols; ++c) {
        double *a = A + (size_t)c * J, t = ncs_dot(p->e, a, (size_t)J);
        for (int i = 0; i < J; ++i)
            a[i] -= t * p->e[i];
    }
}

void ncs_project(const ncs_problem *p, double *x)
{
    ncs_project_cols(p, ncs_pG(p, x), p->J);
    ncs_project_cols(p, ncs_pb(p, x), 1);
    double *d = ncs_pd(p, x);
    for (int j = 0; j < p->J; ++j)
        if (!p->dfree[j])
            d[j] = 0;
}

/* Softmax of column j into sm; returns its cross entropy.  w is scratch. */
static double column_softmax(const ncs_problem *p, const double *x, int j, ncs_soft *sm)
{
    int J = p->J;
    const double *G = ncs_cG(p, x) + (size_t)j * J, *bt = ncs_cb(p, x);
    double *q = sm->Q + (size_t)j * J, sj = p->s[j], kj = p->k[j];
    double delta = p->dfree[j] ? ncs_cd(p, x)[j] / p->sig[j] : 0.0;
    for (int i = 0; i < J; ++i) /* logits first, probabilities in place */
        q[i] = G[i] / (p->r[i] * sj) + bt[i] / p->r[i];
    double wo = q[j] - delta / kj, wt = q[j] + delta - delta / kj;
    double mx = wt;
    for (int i = 0; i < J; ++i)
        if (i != j && q[i] > mx)
            mx = q[i];
    if (kj > 1 && wo > mx)
        mx = wo;
    double restG = 0;
    for (int i = 0; i < J; ++i)
        if (i != j) {
            q[i] = p->k[i] * exp(q[i] - mx);
            restG += q[i];
        }
    double eo = kj > 1 ? (kj - 1) * exp(wo - mx) : 0.0, et = exp(wt - mx);
    double rest = restG + eo, Z = rest + et;
    for (int i = 0; i < J; ++i)
        if (i != j)
            q[i] /= Z;
    sm->qo[j] = eo / Z;
    sm->qt[j] = et / Z;
    q[j] = (eo + et) / Z;
    sm->off[j] = rest / Z;
    sm->offG[j] = restG / Z;
    /* -log qt; when the true class leads, log1p keeps what lies below ulp(wt) */
    return wt == mx ? log1p(rest) : (mx - wt) + log(Z);
}

static void smooth_gradient(const ncs_problem *p, const double *x, const ncs_soft *sm,
                            double *grad)
{
    int J = p->J;
    double N = p->N, *gG = ncs_pG(p, grad), *gd = ncs_pd(p, grad), *gb = ncs_pb(p, grad);
    const double *bt = ncs_cb(p, x);
    for (int i = 0; i < J; ++i)
        gb[i] = 0;
    for (int j = 0; j < J; ++j) {
        const double *q = sm->Q + (size_t)j * J;
        double *g = gG + (size_t)j * J, cj = p->s[j] / N, wj = p->k[j] * p->n[j] / N;
        for (int i = 0; i < J; ++i)
            if (i != j) {
                g[i] = cj * q[i] / p->r[i];
                gb[i] += wj * q[i];
            }
        g[j] = -cj * sm->offG[j] / p->r[j];
        gb[j] -= wj * sm->offG[j];
        gd[j] = p->dfree[j] ? p->cd[j] - (p->n[j] / N) *
                                               (sm->qo[j] + (p->k[j] - 1) * sm->off[j]) /
                                               p->sig[j]
                            : 0.0;
    }
    for (int i = 0; i < J; ++i)
        gb[i] = gb[i] / p->r[i] + 2 * p->lb * bt[i];
    ncs_project(p, grad);
}

double ncs_smooth(const ncs_problem *p, const double *x, ncs_soft *sm, double *grad)
{
    int J = p->J;
    double f = 0;
    for (int j = 0; j < J; ++j)
        f += p->k[j] * p->n[j] / p->N * column_softmax(p, x, j, sm);
    const double *bt = ncs_cb(p, x), *d = ncs_cd(p, x);
    for (int j = 0; j < J; ++j)
        f += p->lb * bt[j] * bt[j] + (p->dfree[j] ? p->cd[j] * d[j] : 0.0);
    if (grad)
        smooth_gradient(p, x, sm, grad);
    return f;
}

/* Hessian of column j's weighted cross entropy applied to v, added to hv.
 * Differences are taken against the true class's logit, so that nothing
 * cancels when it carries almost all the mass. */
static void column_hessian(const ncs_problem *p, const ncs_soft *sm, int j, const double *v,
                           double *hv)
{
    int J = p->J;
    const double *q = sm->Q + (size_t)j * J, *dG = ncs_cG(p, v) + (size_t)j * J;
    const double *db = ncs_cb(p, v);
    double *hG = ncs_pG(p, hv) + (size_t)j * J, *hb = ncs_pb(p, hv);
    double sj = p->s[j], kj = p->k[j], wj = p->k[j] * p->n[j] / p->N;
    double ddelta = p->dfree[j] ? ncs_cd(p, v)[j] / p->sig[j] : 0.0;
    double wc = (dG[j] + db[j] * sj) / (p->r[j] * sj);
    double wt = wc + ddelta - ddelta / kj, wo_t = -ddelta; /* w_o - w_t */
    double mu = sm->qo[j] * wo_t; /* sum over groups of q (w - w_t) */
    for (int i = 0; i < J; ++i)
        if (i != j)
            mu += q[i] * ((dG[i] + db[i] * sj) / (p->r[i] * sj) - wt);
    for (int i = 0; i < J; ++i)
        if (i != j) {
            double h = wj * q[i] * ((dG[i] + db[i] * sj) / (p->r[i] * sj) - wt - mu);
            hG[i] += h / (p->r[i] * sj);
            hb[i] += h / p->r[i];
        }
    double ho = wj * sm->qo[j] * (wo_t - mu), ht = -wj * sm->qt[j] * mu;
    hG[j] += (ho + ht) / (p->r[j] * sj);
    hb[j] += (ho + ht) / p->r[j];
    if (p->dfree[j])
        ncs_pd(p, hv)[j] += (ht - (ho + ht) / kj) / p->sig[j];
}

void ncs_smooth_hessian(const ncs_problem *p, const ncs_soft *sm, const double *v, double *hv)
{
    int J = p->J;
    memset(hv, 0, p->m * sizeof(double));
    for (int j = 0; j < J; ++j)
        column_hessian(p, sm, j, v, hv);
    const double *db = ncs_cb(p, v);
    double *hb = ncs_pb(p, hv);
    for (int i = 0; i < J; ++i)
        hb[i] += 2 * p->lb * db[i];
    ncs_project(p, hv);
}
