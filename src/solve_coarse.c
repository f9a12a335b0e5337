/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A start for many groups from a coarse problem.
 *
 * The optimum depends smoothly on the class counts, so the problem whose
 * counts are quantised into a few bins (log-spaced, split where groups
 * collapse, the bin's count the mean of its classes' so that N is kept) has
 * an optimum close to the true one; with equal counts inside a bin it is a
 * problem with few groups, solved quickly by the same engine.  Its block
 * values are spread over the groups of each bin: the coarse within-bin
 * values become the groups' own and cross values.  Measured: from 24 bins,
 * Newton needs 3-4 full steps at J = 300 and 1000. */
#include "solve_internal.h"

#include <math.h>
#include <string.h>

/* Bins of the coarse problem: at most a quarter of the groups (so that a
 * coarse problem can have its own coarse start and the levels shrink), at
 * most MAX_BINS (the coarse problems stay cheap).  Measured at J = 1000:
 * 24 bins leave a start 2.4e-5 above the optimum, 64 bins XXX. */
#define MAX_BINS 64

static int bins_for(int J) { return J / 4 < MAX_BINS ? (J / 4 > 1 ? J / 4 : 1) : MAX_BINS; }

/* Bin of every group (0..*nbins-1): log-spaced, split by collapse side. */
static void assign_bins(const ncs_problem *p, int BINS, int *bin, int *nbins, int *map)
{
    int J = p->J;
    double lo = INFINITY, hi = -INFINITY, lN = p->lZ * p->N;
    for (int j = 0; j < J; ++j) {
        double l = log(p->n[j]);
        lo = l < lo ? l : lo;
        hi = l > hi ? l : hi;
    }
    double width = (hi - lo) / BINS;
    for (int b = 0; b < 2 * BINS; ++b)
        map[b] = -1;
    int used = 0;
    for (int j = 0; j < J; ++j) {
        int b = width > 0 ? (int)((log(p->n[j]) - lo) / width) : 0;
        b = b < 0 ? 0 : (b >= BINS ? BINS - 1 : b);
        b = 2 * b + (sqrt(p->n[j]) <= lN); /* a bin never straddles collapse */
        if (map[b] < 0)
            map[b] = used++;
        bin[j] = map[b];
    }
    *nbins = used;
}

/* Fine point x from the coarse solution xc (problem pc) and the bins. */
static void spread(const ncs_problem *p, const ncs_problem *pc, const double *xc,
                   const int *bin, const int *members, double *x)
{
    int J = p->J, Jc = pc->J;
    const double *Gc = ncs_cG(pc, xc), *dc = ncs_cd(pc, xc), *btc = ncs_cb(pc, xc);
    double *G = ncs_pG(p, x), *d = ncs_pd(p, x), *bt = ncs_pb(p, x), cmax = 0;
    for (size_t i = 0; i < pc->JJ; ++i) {
        int a = (int)(i % (size_t)Jc), b = (int)(i / (size_t)Jc);
        double c = fabs(Gc[i] / (pc->r[a] * pc->s[b]));
        cmax = c > cmax ? c : cmax;
    }
    for (int j = 0; j < J; ++j) {
        int B = bin[j];
        double deltaB = pc->dfree[B] ? dc[B] / pc->sig[B] : 0.0;
        double betaB = Gc[B + (size_t)B * Jc] / (pc->r[B] * pc->s[B]) - deltaB / pc->k[B];
        /* groups of a collapsed bin would coincide: separate them slightly so
         * that the start keeps the rank a full-rank optimum has */
        double sep = deltaB == 0 && members[B] > 1 ? 1e-3 * (cmax > 0 ? cmax : 1.0) : 0.0;
        for (int i = 0; i < J; ++i) {
            int A = bin[i];
            double c;
            if (i == j)
                c = betaB + (deltaB > 0 ? deltaB : sep) / p->k[j];
            else if (A == B)
                c = betaB;
            else
                c = Gc[A + (size_t)B * Jc] / (pc->r[A] * pc->s[B]);
            G[i + (size_t)j * J] = p->r[i] * c * p->s[j];
        }
        d[j] = p->dfree[j] ? p->sig[j] * deltaB : 0.0;
        bt[j] = p->r[j] * btc[B] / pc->r[B];
    }
    ncs_project(p, x);
}

nc_status ncs_coarse_start(const ncs_problem *p, const ncs_level_opts *o, double *x,
                           ncs_level_info *info)
{
    nc_ctx *ctx = p->ctx;
    int J = p->J, nb = 0, BINS = bins_for(J), map[2 * MAX_BINS];
    int *bin = nc_alloc(ctx, (size_t)J, sizeof(int));
    double *kc = nc_calloc(ctx, 4 * (size_t)BINS, sizeof(double)), *xc = NULL;
    ncs_problem pc;
    memset(&pc, 0, sizeof pc);
    nc_status st = ctx->status;
    if (st)
        goto done;
    assign_bins(p, BINS, bin, &nb, map);
    double *nc_ = kc + 2 * BINS;
    int members[2 * MAX_BINS];
    memset(members, 0, sizeof members);
    for (int j = 0; j < J; ++j) {
        kc[bin[j]] += p->k[j];
        nc_[bin[j]] += p->k[j] * p->n[j];
        ++members[bin[j]];
    }
    for (int b = 0; b < nb; ++b)
        nc_[b] /= kc[b];
    if ((st = ncs_problem_init(&pc, ctx, nb, kc, nc_, p->lZ, p->lb)))
        goto done;
    if (!(xc = nc_alloc(ctx, pc.m, sizeof(double)))) {
        st = ctx->status;
        goto done;
    }
    ncs_level_opts oc = *o;
    oc.tol = o->tol > 1e-9 ? o->tol : 1e-9; /* a start needs no more */
    oc.tolx = INFINITY;
    oc.x0 = NULL; /* its own start may come from a coarser problem still */
    oc.verbose = o->verbose > 2 ? o->verbose : 0;
    ncs_level_info ic;
    if ((st = ncs_solve_level(&pc, &oc, xc, NULL, &ic)))
        goto done;
    info->iterations += ic.iterations;
    info->newton_steps += ic.newton_steps;
    info->cg += ic.cg;
    spread(p, &pc, xc, bin, members, x);
    if (o->verbose >= 2)
        nc_printf(ctx, "nc_solve: start from %d bins (objective %.15g, gap %.1e)\n", nb,
                  ic.cert.primal, ic.cert.gap);
done:
    ncs_problem_free(&pc);
    nc_free(ctx, xc);
    nc_free(ctx, kc);
    nc_free(ctx, bin);
    return st;
}
