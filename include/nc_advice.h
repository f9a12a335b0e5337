/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the theory advises for a real count vector (docs/theory.md sections
 * 3 to 5, docs/oversampling.md): where the optimum of the reduced program
 *
 *   min (1/N) sum_k n_k CE(zbar_k + b, k) + lZ ||Zbar diag(sqrt(n))||_* + lb ||b||^2
 *
 * loses rank as lZ grows (the collapse path), the smallest oversampling
 * floor that keeps every class separable, and the standard long-tailed
 * count profiles.  Counts come in any order; equal counts form clusters
 * (classes that the optimum treats alike).  Matrices are column-major. */
#ifndef NC_ADVICE_H
#define NC_ADVICE_H

#include "ncufm.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The most classes nc_collapse_path and nc_oversample take: each of their
 * probes is a certified solve of the whole count vector. */
#define NC_ADVICE_MAX_CLASSES 4000

/* What vanishes at a rank drop. */
typedef enum {
    NC_DROP_WITHIN = 1,  /* a cluster of equal counts collapses: lZ = sqrt(n_j)/N exactly */
    NC_DROP_BETWEEN = 2, /* a direction between clusters vanishes (found by a certified root finder) */
    NC_DROP_ZERO = 3     /* Zbar becomes 0: lZ = ||(I - p 1') diag(sqrt(n))||_op / N exactly */
} nc_drop_kind;

typedef struct {
    double tol;     /* target relative width of each certified bracket; default 1e-11 */
    int max_probes; /* solves allowed per threshold; default 80 */
    int verbose;    /* 0 silent, 1 one line per threshold */
} nc_path_opts;

void nc_path_defaults(nc_path_opts *opts);

/* The collapse path.  The caller provides every array with room for K - 1
 * drops (the most a path can have); d indexes drops in increasing lZ. */
typedef struct {
    double *lambda;   /* K-1: threshold of drop d */
    double *lower;    /* K-1: certified: rank >= rank_before[d] at lZ = lower[d] */
    double *upper;    /* K-1: certified: rank <= rank_after[d] at lZ = upper[d] */
    int *rank_before; /* K-1: rank of Zbar just below the threshold */
    int *rank_after;  /* K-1: rank just above it */
    int *kind;        /* K-1: nc_drop_kind */
    /* K x (K-1): orthonormal directions that vanish, drop after drop (drop d
     * owns rank_before[d] - rank_after[d] consecutive columns): u in output
     * space (rows of Zbar: classifier rows), v in class space (columns of
     * Zbar diag(sqrt(n))).  Either may be NULL. */
    double *u, *v;
    double *weight;   /* K x (K-1) or NULL: column d = sum of u.^2 over drop d's columns */
    int count;        /* number of drops */
    int complete;     /* rank K - 1 was certified below the first drop */
    int monotone;     /* no probe saw the rank rise with lZ */
    int certified;    /* lb > 0: every bracket is certified; lb = 0: estimates (see rank_probe.c) */
    int probes;       /* solves of the reduced program used */
    double time;      /* seconds */
} nc_collapse_path_result;

/* n[0..K-1] > 0 finite, K >= 2, lb >= 0; opts may be NULL. */
nc_status nc_collapse_path(nc_ctx *ctx, int K, const double *n, double lb,
                           const nc_path_opts *opts, nc_collapse_path_result *res);

/* Oversampling advice: the smallest whole floor m such that raising every
 * count below m to m keeps Zbar* at full rank K - 1 at lZ. */
typedef struct {
    double floor;          /* the floor; NaN when impossible */
    double *counts;        /* K: the raised counts (n itself when impossible) */
    double *factor;        /* K: counts ./ n */
    int possible;          /* 0: no floor keeps full rank (reason says why) */
    char reason[320];      /* "" when possible */
    int *collapsed_before; /* K: class k lies in a collapsed direction at the original counts */
    double *collapse_weight; /* K or NULL: its share of the collapsed output directions */
    int rank_before;       /* rank of Zbar* at the original counts */
    int rank_below;        /* rank at the floor minus one (-1 when there is none) */
    int probes;            /* solves used */
} nc_oversample_result;

/* n[0..K-1] > 0 finite, K >= 2, lZ > 0, lb >= 0. */
nc_status nc_oversample(nc_ctx *ctx, int K, const double *n, double lZ, double lb,
                        nc_oversample_result *res);

/* Standard long-tailed count profiles; class 1 is the largest. */
typedef enum {
    NC_LONGTAIL_EXPONENTIAL, /* floor(n_max * (1/ratio)^((k-1)/(K-1))) */
    NC_LONGTAIL_STEP,        /* floor(n_max), then a fraction of classes at floor(n_max/ratio) */
    NC_LONGTAIL_PARETO       /* floored quantiles of a Pareto (Lomax) law mapped onto [n_max/ratio, n_max] */
} nc_longtail_profile;

/* shape: the minority fraction for 'step' (NaN: 1/2), the Pareto exponent
 * for 'pareto' (NaN: 6), ignored for 'exponential'.  Writes K counts. */
nc_status nc_longtail(nc_ctx *ctx, nc_longtail_profile profile, int K, double ratio,
                      double n_max, double shape, double *n);

#ifdef __cplusplus
}
#endif

#endif
