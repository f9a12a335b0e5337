/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Classes with equal counts form clusters: the optimum is invariant under
 * permutations inside a cluster, so Zbar diag(sqrt(n)) splits into a
 * within-cluster part (one singular value per cluster, multiplicity k_j - 1,
 * on the vectors supported in the cluster that sum to 0) and a between part
 * living on the cluster indicators.  With E the K x J matrix of normalised
 * indicators (column j = 1_{C_j} / sqrt(k_j)), the between part of a K x K
 * matrix A is the J x J matrix E' A E. */
#ifndef NC_COUNT_GROUPS_H
#define NC_COUNT_GROUPS_H

#include "ncufm.h"

typedef struct {
    int K, J;
    int *of;       /* K: cluster of each class (clusters in decreasing count) */
    int *size;     /* J: k_j */
    double *count; /* J: n_j, decreasing */
    double N;      /* sum of the counts */
} nc_groups;

/* Groups n[0..K-1] (exactly equal values share a cluster). */
nc_status nc_groups_init(nc_ctx *ctx, int K, const double *n, nc_groups *g);
void nc_groups_free(nc_ctx *ctx, nc_groups *g);

/* B = E' A E (J x J) for a K x K matrix A. */
void nc_groups_between(const nc_groups *g, const double *A, double *B);

/* x (K) = E y for y (J): a between direction written in class space. */
void nc_groups_lift(const nc_groups *g, const double *y, double *x);

/* Writes k_j - 1 orthonormal columns (K rows each, leading dimension K) that
 * span the sum-zero vectors supported on cluster j (a Helmert basis). */
void nc_groups_within_basis(const nc_groups *g, int j, double *Q);

#endif
