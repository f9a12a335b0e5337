/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Cluster-level theory of the imbalanced UFM (docs/theory.md sections 3 to 5).
 *
 * Classes form J clusters; cluster j holds k[j] classes with n[j] samples
 * each, classes ordered cluster by cluster (K = sum k, N = sum k n).  The
 * optimum (Zbar, b) of the reduced program
 *
 *   min (1/N) sum_k n_k CE(zbar_k + b, k) + lZ ||Zbar diag(sqrt(n))||_* + lb ||b||^2
 *
 * is invariant under permutations inside a cluster, so it is fixed by
 *   delta_j = alpha_j - beta_j   (within-cluster ETF scale),
 *   gamma_ij (i != j)            (rows in cluster i, columns in cluster j),
 *   bias_j                       (b is constant on a cluster),
 * with alpha_j (diagonal) and beta_j (off-diagonal inside cluster j) fixed by
 * delta_j and the zero column sum.  nc_theory solves that convex program
 * (J^2 + J scalars) without ever forming the K x K problem, by Newton's
 * method on the rank-r matrices of the between-cluster part: the time goes
 * as J^3 per Newton or CG step, the memory as about 26 J^2 doubles.
 *
 * All matrices are column-major; cluster indices are 0-based here. */
#ifndef NC_THEORY_H
#define NC_THEORY_H

#include "ncufm.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Output of nc_theory.  The caller provides every array (NULL is allowed for
 * Zbar, b and sv when they are not wanted). */
typedef struct {
    double *alpha;     /* J: diagonal entry of cluster j's diagonal block */
    double *beta;      /* J: off-diagonal entry of that block; NaN if k_j = 1 */
    double *delta;     /* J: alpha - beta >= 0, exactly 0 when collapsed; NaN if k_j = 1 */
    double *gamma;     /* J x J: gamma[i + J*j] entry in rows C_i, columns C_j; NaN on the diagonal */
    double *bias;      /* J: b on cluster j */
    int *collapsed;    /* J: delta_j == 0 (k_j >= 2 only; 0 for singleton clusters) */
    double *Zbar;      /* K x K predicted mean prediction matrix, or NULL */
    double *b;         /* K predicted bias, or NULL */
    double *sv;        /* K singular values of Zbar diag(sqrt(n)), descending, or NULL */
    double *between_sv;/* J-1 singular values of the between-cluster part, or NULL */
    double objective;  /* value of the program at the optimum */
    double kkt;        /* largest violation of the optimality conditions, relative */
    int between_rank;  /* rank of the between-cluster part (0 = separated) */
    int newton_steps;  /* total Newton steps taken */
} nc_theory_result;

/* Solves the cluster-level program.  k[j] >= 1 whole, n[j] > 0 finite,
 * K = sum k >= 2, lZ > 0, lb >= 0 (0: b unpenalised, fixed by sum(b) = 0).
 * Exact to machine precision, with exact zeros for collapsed blocks and for a
 * separated between-cluster part; res->kkt reports the certificate. */
nc_status nc_theory(nc_ctx *ctx, int J, const int *k, const double *n, double lZ,
                    double lb, nc_theory_result *res);

/* nc_theory with Zbar, b (and nothing else) laid out in any class order:
 * class c (0-based, c < K) belongs to cluster cluster[c], and cluster j
 * holds exactly k[j] of the K classes. */
nc_status nc_theory_map(nc_ctx *ctx, int J, const int *k, const double *n, int K,
                        const int *cluster, double lZ, double lb, nc_theory_result *res);

/* Groups a count vector (K >= 2 positive finite counts, any order) into
 * clusters of equal counts, in decreasing order of count: *J distinct
 * values n[0] > n[1] > ... with k[j] classes each, and cluster[c] the
 * (0-based) cluster of class c.  k, n and cluster need room for K entries.
 * With nc_theory_map and nc_thresholds this answers for any count vector. */
nc_status nc_cluster_counts(nc_ctx *ctx, int K, const double *counts, int *J, int *k, double *n,
                            int *cluster);

/* Thresholds in lambda_Z (docs/theory.md section 5). */
typedef struct {
    double *collapse;  /* J: cluster j collapses iff lZ >= sqrt(n_j)/N (Inf if k_j = 1) */
    double separation; /* all gamma vanish iff lZ >= separation (0 if J = 1) */
    double zero;       /* Zbar = 0 iff lZ >= zero */
    /* Forms of the minority threshold for a given lZ (NaN when lZ was not given). */
    int minority;      /* index of the cluster with the fewest samples per class */
    double ratio;      /* J = 2: r* = n_A/n_B at which the minority collapses; else NaN */
    double n_major;    /* J = 2: n_A* = r* n_B; else NaN */
    double *oversample;/* J x 2 or NULL: [s_lo, s_hi] such that n_j -> s n_j keeps cluster j
                          uncollapsed iff s_lo < s < s_hi (NaN NaN if impossible, or k_j = 1) */
} nc_thresholds_result;

/* lZ <= 0 or NaN: the lZ-dependent forms are NaN. */
nc_status nc_thresholds(nc_ctx *ctx, int J, const int *k, const double *n, double lb,
                        double lZ, nc_thresholds_result *res);

/* The limit regime (docs/theory.md section 5): n_j = rho_j nB, lZ = LN / N, for each
 * of the count values nB[t].  Outputs (count columns each):
 *   distance[t]              ||Zbar/||Zbar||_F - (I - 11'/K)/sqrt(K-1)||_F (NaN if Zbar = 0)
 *   cos_within[j + J*t]      cosine between two columns of cluster j (NaN if k_j = 1)
 *   cos_between[i+J*j+J*J*t] cosine between a column of cluster i and one of cluster j
 *   delta[j + J*t]           delta_j
 * Any output pointer may be NULL. */
nc_status nc_limit(nc_ctx *ctx, int J, const int *k, const double *rho, double LN, double lb,
                   int count, const double *nB, double *distance, double *cos_within,
                   double *cos_between, double *delta);

#ifdef __cplusplus
}
#endif

#endif
