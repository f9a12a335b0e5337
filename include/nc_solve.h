/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The reduced convex program of the imbalanced UFM (docs/theory.md section 2):
 *
 *   min_{Zbar (K x K), b}  (1/N) sum_k n_k CE(zbar_k + b, k)
 *                          + lZ ||Zbar diag(sqrt(n))||_* + lb ||b||^2
 *
 * Zbar is the mean prediction matrix: column k is the mean logit vector of
 * class k without the bias.  All matrices are column-major.  The method and
 * its certificates are described in docs/solver.md. */
#ifndef NC_SOLVE_H
#define NC_SOLVE_H

#include "ncufm.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How the problem is solved: classes of equal counts form clusters whose
 * optimum is block structured, and the solver can work on the cluster level
 * (J x J) instead of K x K, with the same outputs and a certificate of the
 * K x K problem. */
typedef enum {
    NC_SOLVE_AUTO = 0,     /* clusters when some counts repeat, else dense */
    NC_SOLVE_DENSE = 1,    /* every class its own group (K x K) */
    NC_SOLVE_CLUSTERS = 2  /* clusters of equal counts (same as AUTO) */
} nc_solve_method;

typedef struct {
    double tol;          /* relative duality gap: stop when gap <= tol * objective;
                          * default 1e-12, accepted range from nc_solve_tol_range */
    double tolx;         /* target of the distance bound, relative to the largest
                          * entry of (Zbar, b); default 1e-9 */
    int max_iter;        /* first-order iterations; default 100000 */
    const double *Zbar0; /* warm start (K x K) or NULL */
    const double *b0;    /* warm start (K) or NULL */
    int verbose;         /* 0 silent, 1 summary, 2 per phase */
    nc_solve_method method;
} nc_solve_opts;

typedef struct {
    double objective;    /* primal objective at the returned point */
    double dual;         /* best certified lower bound on the optimum */
    double gap;          /* objective - dual >= objective - optimum */
    double kkt;          /* Frobenius norm of the smallest subgradient of the
                          * objective at the returned point (in the variables
                          * Zbar diag(sqrt(n)) and b) */
    double dist;         /* certified bound on max(|Zbar - Zbar*|, |b - b*|),
                          * entrywise; Inf when none is available (lb = 0) */
    int iterations;      /* first-order iterations */
    int newton_steps;    /* second-order steps */
    int cg_iterations;   /* conjugate-gradient iterations of those steps */
    int rank;            /* rank of Zbar (singular values removed exactly) */
    int clusters;        /* groups the solver worked with (K when dense) */
    int converged;       /* gap met the tolerance */
    double time;         /* seconds */
} nc_solve_info;

void nc_solve_defaults(nc_solve_opts *opts);

/* The relative gap tolerances nc_solve can certify for K classes: below
 * *lo the rounding of the objective and its dual bound (a sum of K^2
 * terms) exceeds the target. */
void nc_solve_tol_range(int K, double *lo, double *hi);

/* Solves the program for class counts n[0..K-1] > 0.  Outputs Zbar (K x K),
 * b (K) and sv (K singular values of Zbar diag(sqrt(n)), descending).
 * lb = 0 leaves b unpenalised; it is then fixed by sum(b) = 0. */
nc_status nc_solve(nc_ctx *ctx, int K, const double *n, double lZ, double lb,
                   const nc_solve_opts *opts, double *Zbar, double *b, double *sv,
                   nc_solve_info *info);

/* NC_OK if the dense route's memory (about 40 K x K matrices) fits in this
 * machine's memory, else NC_ENOMEM with "ncufm:tooLarge" recorded (Linux
 * would overcommit and kill the process). */
nc_status nc_solve_fits(nc_ctx *ctx, int K);

/* The same for the route nc_solve takes for counts n and METHOD: the outputs
 * (K x K) and the workspace of the J x J level it solves. */
nc_status nc_solve_fits_counts(nc_ctx *ctx, int K, const double *n, nc_solve_method method);

/* Objective of (Zbar, b), and a certified lower bound on the optimum built
 * from the dual point the pair suggests (docs/theory.md section 3).  Either
 * output pointer may be NULL. */
nc_status nc_solve_certify(nc_ctx *ctx, int K, const double *n, double lZ, double lb,
                           const double *Zbar, const double *b, double *objective,
                           double *dual);

#ifdef __cplusplus
}
#endif

#endif
