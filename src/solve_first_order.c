/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Accelerated proximal gradient (FISTA with adaptive restart and an
 * adaptive step) at group level.  It identifies the rank of the optimum
 * where no better start is known; Newton takes over once it is identified.
 *
 * The smooth part's Hessian is bounded by (1/N)|dG, dd|^2 + (1 + 2 lb)|dbt|^2
 * (the cross entropy's by 1/2, and (a + b)^2 <= 2a^2 + 2b^2 splits the logits
 * between G and bt), so the two blocks get their own steps: they differ by a
 * factor ~N, and one step for both would crawl in one of them.  The prox is
 * singular value thresholding in G and a shifted clip at 0 in d (whose cost
 * is linear). */
#include "solve_internal.h"

#include <math.h>
#include <string.h>

void ncs_fista_layout(ncs_arena *a, ncs_fista *f, const ncs_problem *p)
{
    f->x = ncs_take(a, p->m);
    f->xp = ncs_take(a, p->m);
    f->xz = ncs_take(a, p->m);
    f->g = ncs_take(a, p->m);
    f->xt = ncs_take(a, p->m);
}

void ncs_fista_reset(ncs_fista *f, const ncs_problem *p)
{
    memcpy(f->xp, f->x, p->m * sizeof(double));
    f->theta = 1;
}

int ncs_rank_of(const double *sv, int J)
{
    int r = 0;
    while (r < J && sv[r] > sv[0] * NCS_RANK_RTOL && sv[r] > 0)
        ++r;
    return r;
}

/* G <- U max(S - tau, 0) V^T; returns the rank kept. */
static nc_status svt(const ncs_problem *p, ncs_svd *svd, double *G, double tau, int *rank)
{
    int J = p->J;
    if (J == 1) {
        G[0] = 0;
        *rank = 0;
        return NC_OK;
    }
    nc_status st = ncs_svd_run(p->ctx, svd, G, 1);
    if (st)
        return st;
    int r = 0;
    double floor_abs = svd->sv[0] * NCS_RANK_RTOL;
    while (r < J && svd->sv[r] > tau && svd->sv[r] - tau > floor_abs)
        ++r;
    for (int i = 0; i < r; ++i) {
        double c = svd->sv[i] - tau, *u = svd->u + (size_t)i * J;
        for (int l = 0; l < J; ++l)
            u[l] *= c;
    }
    if (r == 0)
        memset(G, 0, p->JJ * sizeof(double));
    else
        ncs_gemm('N', 'N', J, J, r, 1.0, svd->u, J, svd->vt, J, 0.0, G, J);
    *rank = r;
    return NC_OK;
}

/* Proximal step of scales tY (G, d) and tb (bt) from xz along g into x. */
static nc_status prox_step(const ncs_problem *p, ncs_fista *f, ncs_svd *svd, double tY,
                           double tb)
{
    const double *xz = f->xz, *g = f->g;
    double *x = f->x;
    size_t JJ = p->JJ;
    for (size_t i = 0; i < JJ; ++i)
        x[i] = xz[i] - tY * g[i];
    for (int j = 0; j < p->J; ++j) {
        double dj = xz[JJ + j] - tY * g[JJ + j];
        x[JJ + j] = p->dfree[j] && dj > 0 ? dj : 0.0;
        x[JJ + p->J + j] = xz[JJ + p->J + j] - tb * g[JJ + p->J + j];
    }
    return svt(p, svd, x, tY * p->lZ, &f->rank);
}

nc_status ncs_fista_step(const ncs_problem *p, ncs_fista *f, ncs_svd *svd, ncs_soft *sm)
{
    size_t m = p->m, nY = p->JJ + (size_t)p->J;
    double N = p->N, Lb = 1 + 2 * p->lb;
    double theta_next = 0.5 * (1 + sqrt(1 + 4 * f->theta * f->theta));
    double beta = (f->theta - 1) / theta_next;
    for (size_t i = 0; i < m; ++i)
        f->xz[i] = f->x[i] + beta * (f->x[i] - f->xp[i]);
    double fz = ncs_smooth(p, f->xz, sm, f->g);
    memcpy(f->xp, f->x, m * sizeof(double));
    for (int attempt = 0; attempt < 60; ++attempt) {
        double tY = N * f->rho, tb = f->rho / Lb;
        nc_status st = prox_step(p, f, svd, tY, tb);
        if (st)
            return st;
        double f1 = ncs_smooth(p, f->x, sm, NULL), lin = 0, quad = 0;
        for (size_t i = 0; i < m; ++i) {
            double d = f->x[i] - f->xz[i];
            lin += f->g[i] * d;
            quad += d * d / (i < nY ? tY : tb);
        }
        /* relative slack absorbs rounding when steps are tiny */
        if (f1 <= fz + lin + 0.5 * quad + 1e-15 * fabs(fz) || f->rho < 1e-6)
            break;
        f->rho *= 0.5;
    }
    /* restart when the momentum points uphill (O'Donoghue and Candes) */
    double dot = 0;
    for (size_t i = 0; i < m; ++i)
        dot += (f->xz[i] - f->x[i]) * (f->x[i] - f->xp[i]) * (i < nY ? 1.0 : N * Lb);
    f->theta = dot > 0 ? 1.0 : theta_next;
    /* curvature shrinks as logits grow: let the step grow back slowly */
    f->rho = fmin(f->rho * 1.05, 1e8);
    ncs_project(p, f->x);
    return NC_OK;
}
