/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The reduced convex program of the imbalanced UFM (paper.md section 2):
 *
 *   min_{Zbar (K x K), b}  (1/N) sum_k n_k CE(zbar_k + b, k)
 *                          + lZ ||Zbar diag(sqrt(n))||_* + lb ||b||^2
 *
 * Zbar is the mean prediction matrix: column k is the mean logit vector of
 * class k without the bias.  All matrices are column-major. */
#ifndef NC_SOLVE_H
#define NC_SOLVE_H

#include "ncufm.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    double tol;          /* stop when gap <= tol * max(1, |objective|); default 1e-10 */
    int max_iter;        /* first-order iterations; default 100000 */
    const double *Zbar0; /* warm start (K x K) or NULL */
    const double *b0;    /* warm start (K) or NULL */
    int verbose;         /* 0 silent, 1 summary, 2 per phase */
} nc_solve_opts;

typedef struct {
    double objective;    /* primal objective at the returned point */
    double dual;         /* objective of the certified dual point */
    double gap;          /* objective - dual >= objective - optimum */
    int iterations;      /* first-order iterations */
    int newton_steps;    /* second-order steps */
    int rank;            /* rank of Zbar (singular values removed exactly) */
    int converged;       /* gap met the tolerance */
    double time;         /* seconds */
} nc_solve_info;

void nc_solve_defaults(nc_solve_opts *opts);

/* Solves the program for class counts n[0..K-1] > 0.  Outputs Zbar (K x K),
 * b (K) and sv (K singular values of Zbar diag(sqrt(n)), descending).
 * lb = 0 leaves b unpenalised; it is then fixed by sum(b) = 0. */
nc_status nc_solve(nc_ctx *ctx, int K, const double *n, double lZ, double lb,
                   const nc_solve_opts *opts, double *Zbar, double *b, double *sv,
                   nc_solve_info *info);

/* Bytes of memory nc_solve needs for K classes (workspace and outputs), and
 * NC_OK if that fits in this machine's memory, else NC_ENOMEM with
 * "ncufm:tooLarge" recorded (Linux would overcommit and kill the process). */
nc_status nc_solve_fits(nc_ctx *ctx, int K);

/* Objective of (Zbar, b), and a certified lower bound on the optimum built
 * from the dual point the pair suggests (paper.md section 3).  Either
 * output pointer may be NULL. */
nc_status nc_solve_certify(nc_ctx *ctx, int K, const double *n, double lZ, double lb,
                           const double *Zbar, const double *b, double *objective,
                           double *dual);

#ifdef __cplusplus
}
#endif

#endif
