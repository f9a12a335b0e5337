/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A probe solves the reduced program at one lZ (nc_solve) and bounds the
 * rank of the between-cluster part of the optimum from a certificate, not
 * from a tolerance on singular values: see rank_probe.c for the rule. */
#ifndef NC_RANK_PROBE_H
#define NC_RANK_PROBE_H

#include "count_groups.h"
#include "lapack.h"
#include "nc_solve.h"
#include "nc_theory.h"

typedef struct {
    double lambda;
    int rank;    /* the solver's rank of Zbar */
    int lo, hi;  /* lo <= between rank of the optimum <= hi (certified when lb > 0) */
    double err;  /* bound on the distance from the returned point to the optimum */
    double *sb;  /* J: singular values of the between part of Zbar diag(sqrt(n)) */
    double *gb;  /* J: singular values of the between part of the certificate */
    double *du, *dv; /* K or NULL: when lo = hi, the certificate's top singular pair outside
                        the rank-lo support (the direction that enters as lZ falls) */
} nc_probe;

typedef struct {
    nc_ctx *ctx;
    const nc_groups *g;
    const double *n;
    double lb;
    int K, J;
    nc_solve_opts sopts;
    double *Zbar, *b, *sv, *sqn, *kvec;
    double *Y, *U, *V, *s, *G, *X1, *X2, *X3; /* K x K (s: K) */
    double *BY, *BG, *bu, *bvt, *bs, *M; /* J x J (bs: J) */
    double *work;
    nc_blas_int lwork;
    double *Zlast, *blast; /* the last solver output */
    double *Zw[2], *bw[2]; /* kept solutions (warm starts), see nc_prober_keep */
    int have[2];
    /* the cluster-level solver (nc_theory), when J is small enough */
    int theory_ok;
    int *pos;             /* K: position of each class in cluster order */
    int *tk;              /* J: classes per cluster */
    double *tZ, *tb, *tsv, *tbsv, *talpha, *tbeta, *tdelta, *tgamma, *tbias;
    int *tcoll;
    int probes;
} nc_prober;

nc_status nc_prober_init(nc_ctx *ctx, const nc_groups *g, const double *n, double lb,
                         nc_prober *pr);
void nc_prober_free(nc_prober *pr);

/* Allocates the probe's arrays (J each; du and dv, K each, when K > 0). */
nc_status nc_probe_alloc(nc_ctx *ctx, int J, int K, nc_probe *p);
void nc_probe_free(nc_ctx *ctx, nc_probe *p);

/* Solves at lZ, warm-started from kept solution WARM (0 or 1; -1: cold),
 * and fills P.  With du, dv (K each) not NULL and a decided
 * between rank r = lo = hi, also writes the top m singular pairs (columns
 * of K) of the certificate outside the rank-r support: the directions about
 * to enter the optimum as lZ decreases. */
nc_status nc_probe_at(nc_prober *pr, double lZ, int warm, nc_probe *p, int m, double *du,
                      double *dv);

/* The same from the cluster-level solver nc_theory (only when
 * pr->theory_ok): far cheaper, and accurate to rounding on both sides of a
 * drop, but its greedy rank search can miss a tiny new direction. */
nc_status nc_probe_theory(nc_prober *pr, double lZ, nc_probe *p, int m, double *du, double *dv);

/* Keeps the last solver output in slot 0 or 1 as a later warm start. */
void nc_prober_keep(nc_prober *pr, int slot);

/* The same bounds for a point (Zbar, b) already in pr->Zbar, pr->b, of
 * rank q, from any solver. */
nc_status nc_probe_certify(nc_prober *pr, double lZ, int q, nc_probe *p, int m, double *du,
                           double *dv);

/* Share of each class (output coordinate) in the collapsed directions of
 * the last probe: the part of 1-perp that the column space of the optimum
 * misses, diag(I - 11'/K - U_r U_r'), with r the solver's rank. */
void nc_probe_collapsed_weight(const nc_prober *pr, int rank, double *w);

#endif
