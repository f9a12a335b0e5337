/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Oversampling advice (docs/oversampling.md): the smallest floor m such that
 * raising every count below m to m keeps Zbar* at full rank K - 1.
 *
 * Raising to a floor m makes every raised class (and any class already at
 * m) one cluster of c(m) equal counts, with total N(m) = A(m) + c(m) m
 * (A: the classes above m).  Full rank needs
 *  (a) the floor cluster uncollapsed: lZ N(m) < sqrt(m) when c(m) >= 2, a
 *      quadratic in sqrt(m): m in (s-^2, s+^2), s+- = (1 +- sqrt(1 -
 *      4 lZ^2 A c)) / (2 lZ c), empty when 4 lZ^2 A c >= 1;
 *  (b) every other cluster of k >= 2 equal counts n_j > m uncollapsed:
 *      lZ N(m) < sqrt(n_j), i.e. m < (sqrt(n_j)/lZ - A) / c, a bound that
 *      falls as the floor rises (raising adds samples to N);
 *  (c) the between-cluster part at full rank J(m) - 1: decided by a
 *      certified probe (rank_probe.c), not a closed form.
 * (a) and (b) are exact, so the within-feasible floors are known as a union
 * of intervals (one per stretch between consecutive distinct counts); the
 * smallest whole floor there that passes (c) is found by a doubling search
 * and integer bisection.  Bisection assumes (c) is monotone in m on the
 * feasible stretch, which nothing guarantees: the floor returned is checked
 * on both sides (full rank at m, not at m - 1, which is reported). */
#include "nc_advice.h"
#include "rank_probe.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    nc_ctx *ctx;
    int K;
    const double *n;
    double lZ, lb;
    double *raised; /* K scratch */
    int probes;
} advisor;

static void raise_to(const advisor *a, double m, double *out)
{
    for (int k = 0; k < a->K; ++k)
        out[k] = a->n[k] < m ? m : a->n[k];
}

/* Counts below or at m (the floor cluster) and the samples above m. */
static void floor_split(const advisor *a, double m, int *c, double *A)
{
    *c = 0;
    *A = 0;
    for (int k = 0; k < a->K; ++k) {
        if (a->n[k] <= m)
            ++*c;
        else
            *A += a->n[k];
    }
}

/* Conditions (a) and (b) at floor m, evaluated directly. */
static int within_ok(const advisor *a, double m)
{
    int c;
    double A;
    floor_split(a, m, &c, &A);
    double N = A + c * m, lam = a->lZ * N;
    if (c >= 2 && !(lam < sqrt(m)))
        return 0;
    for (int k = 0; k < a->K; ++k) {
        if (a->n[k] <= m)
            continue;
        int same = 0;
        for (int l = 0; l < a->K && same < 2; ++l)
            same += a->n[l] == a->n[k];
        if (same >= 2 && !(lam < sqrt(a->n[k])))
            return 0;
    }
    return 1;
}

/* Certified rank bounds of Zbar* for COUNTS at lZ (within part exact,
 * between part from a probe), and optionally the collapsed share of each
 * class. */
static nc_status rank_of(advisor *a, const double *counts, int *lo, int *hi, double *weight)
{
    nc_ctx *ctx = a->ctx;
    int K = a->K;
    nc_groups g;
    nc_status st = nc_groups_init(ctx, K, counts, &g);
    if (st)
        return st;
    nc_prober pr;
    nc_probe p;
    memset(&p, 0, sizeof p);
    if ((st = nc_prober_init(ctx, &g, counts, a->lb, &pr))) {
        nc_groups_free(ctx, &g);
        return st;
    }
    if ((st = nc_probe_alloc(ctx, g.J, 0, &p)))
        goto done;
    if ((st = nc_probe_at(&pr, a->lZ, -1, &p, 0, NULL, NULL)))
        goto done;
    if (p.lo != p.hi && pr.theory_ok && (st = nc_probe_theory(&pr, a->lZ, &p, 0, NULL, NULL)))
        goto done;
    int within = 0;
    for (int j = 0; j < g.J; ++j)
        if (g.size[j] >= 2 && a->lZ < sqrt(g.count[j]) / g.N)
            within += g.size[j] - 1;
    *lo = within + p.lo;
    *hi = within + p.hi;
    if (weight)
        nc_probe_collapsed_weight(&pr, p.rank, weight);
done:
    a->probes += pr.probes;
    nc_probe_free(ctx, &p);
    nc_prober_free(&pr);
    nc_groups_free(ctx, &g);
    return ctx->status;
}

/* Full rank certified at floor m (conditions a, b exactly, c by a probe). */
static nc_status full_at(advisor *a, double m, int *full)
{
    *full = 0;
    if (!within_ok(a, m))
        return NC_OK;
    raise_to(a, m, a->raised);
    int lo, hi;
    nc_status st = rank_of(a, a->raised, &lo, &hi, NULL);
    *full = !st && lo == a->K - 1;
    return st;
}

/* Smallest candidate floor >= from (u_1 itself, else whole numbers) that
 * passes (a) and (b), or NaN.  On each stretch [u_i, u_{i+1}) between
 * consecutive distinct counts the candidates form an interval whose lower
 * end is the root s-^2 of (a): tested directly there (rounding), the
 * stretch is settled in three tests, since (b) only tightens as m grows. */
static double next_within_ok(const advisor *a, const double *u, int J, double from)
{
    for (int i = 0; i < J; ++i) {
        double lo = u[i], hi = i + 1 < J ? u[i + 1] : INFINITY;
        if (hi <= from)
            continue;
        double start = fmax(lo, from);
        if (start > u[0])
            start = ceil(start);
        int c;
        double A;
        floor_split(a, lo, &c, &A);
        if (c >= 2) {
            double disc = 1 - 4 * a->lZ * a->lZ * A * c;
            if (disc <= 0)
                continue; /* sqrt(m)/N(m) peaks below lZ on this stretch */
            double sm = (1 - sqrt(disc)) / (2 * a->lZ * c);
            if (sm * sm > start)
                start = floor(sm * sm);
        }
        for (int t = 0; t < 3; ++t) {
            double m = t == 0 ? start : floor(start) + t;
            if (m >= lo && m < hi && m >= from && within_ok(a, m))
                return m;
        }
    }
    return NAN;
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* Why no floor helps, when (a) or (b) rules every floor out. */
static void explain_within(const advisor *a, const double *u, int J, char *reason, size_t len)
{
    /* the best the floor cluster can do on each stretch: sqrt(m)/N(m) peaks
     * at m = A/c (where the raised samples equal the others), 1/(2 sqrt(A c)) */
    double best = 0, at = NAN;
    for (int i = 0; i < J; ++i) {
        int c;
        double A;
        floor_split(a, u[i], &c, &A);
        double hi = i + 1 < J ? u[i + 1] : INFINITY;
        double m = c > 0 ? fmin(fmax(A / c, u[i]), hi) : u[i];
        if (!isfinite(m))
            m = u[i];
        double phi = sqrt(m) / (A + c * m);
        if (c >= 2 && phi > best)
            best = phi, at = m;
    }
    if (best <= a->lZ)
        snprintf(reason, len,
                 "raised classes form one cluster, which collapses unless lambda_Z < "
                 "sqrt(m)/N(m); that bound peaks at %.6g (floor %.6g) and falls to "
                 "1/(K sqrt(m)) once every class is raised (the balanced problem), so no "
                 "floor works at lambda_Z = %.6g",
                 best, at, a->lZ);
    else
        snprintf(reason, len,
                 "a cluster of equal counts above every workable floor collapses: raising "
                 "the floor adds samples to N and lowers its threshold sqrt(n_j)/N below "
                 "lambda_Z = %.6g",
                 a->lZ);
}

static nc_status check_input(nc_ctx *ctx, int K, const double *n, double lZ, double lb)
{
    nc_status st = nc_check_counts(ctx, K, n);
    return st == NC_OK ? nc_check_lambdas(ctx, lZ, lb) : st;
}

/* Smallest full-rank floor at or above m0 (not full), by doubling then
 * integer bisection over the within-feasible floors; NaN if none up to the
 * largest count (beyond it the problem is balanced and only gets worse). */
static nc_status search_floor(advisor *a, const double *u, int J, double m0, double *floor_out)
{
    double bad = m0, good = NAN, step = 1;
    nc_status st;
    while (isnan(good) && a->probes < 60) {
        double m = next_within_ok(a, u, J, floor(bad) + step);
        if (isnan(m))
            break;
        int full;
        if ((st = full_at(a, m, &full)))
            return st;
        if (full)
            good = m;
        else
            bad = m, step *= 2;
    }
    while (!isnan(good) && good - bad > 1 && a->probes < 100) {
        double mid = floor((good + bad) / 2);
        int full = 0;
        if (mid > bad && (st = full_at(a, mid, &full)))
            return st;
        if (full)
            good = mid;
        else
            bad = mid;
    }
    *floor_out = good;
    return NC_OK;
}

nc_status nc_oversample(nc_ctx *ctx, int K, const double *n, double lZ, double lb,
                        nc_oversample_result *res)
{
    nc_status st = check_input(ctx, K, n, lZ, lb);
    if (st)
        return st;
    if ((st = nc_solve_fits(ctx, K)))
        return st;
    advisor a = {ctx, K, n, lZ, lb, NULL, 0};
    double *u = nc_alloc(ctx, (size_t)K, sizeof(double));
    double *w = nc_alloc(ctx, (size_t)K, sizeof(double));
    a.raised = nc_alloc(ctx, (size_t)K, sizeof(double));
    if (ctx->status)
        goto done;
    memcpy(u, n, sizeof(double) * (size_t)K);
    qsort(u, (size_t)K, sizeof(double), cmp_double);
    int J = 0;
    for (int k = 0; k < K; ++k)
        if (k == 0 || u[k] != u[J - 1])
            u[J++] = u[k];

    /* the original counts: rank and collapsed directions */
    int lo, hi;
    if ((st = rank_of(&a, n, &lo, &hi, w)))
        goto done;
    res->rank_before = lo;
    double wmax = 0;
    for (int k = 0; k < K; ++k)
        wmax = fmax(wmax, w[k]);
    for (int k = 0; k < K; ++k) {
        res->collapsed_before[k] = lo < K - 1 && w[k] >= 0.5 * wmax && wmax > 0;
        if (res->collapse_weight)
            res->collapse_weight[k] = lo < K - 1 ? w[k] : 0;
    }

    res->reason[0] = 0;
    double m = NAN;
    if (lo == K - 1 && within_ok(&a, u[0])) {
        m = u[0]; /* already at full rank: no floor needed */
    } else {
        double m1 = next_within_ok(&a, u, J, u[0]);
        if (isnan(m1)) {
            explain_within(&a, u, J, res->reason, sizeof res->reason);
        } else {
            int full;
            if ((st = full_at(&a, m1, &full)))
                goto done;
            if (full)
                m = m1;
            else if ((st = search_floor(&a, u, J, m1, &m)))
                goto done;
            if (isnan(m))
                snprintf(res->reason, sizeof res->reason,
                         "floors from %.6g on keep every cluster of equal counts apart, but a "
                         "direction between clusters still collapses at lambda_Z = %.6g for "
                         "every floor tried",
                         m1, lZ);
        }
    }
    res->possible = !isnan(m);
    res->floor = m;
    for (int k = 0; k < K; ++k) {
        res->counts[k] = res->possible && n[k] < m ? m : n[k];
        res->factor[k] = res->counts[k] / n[k];
    }
    res->rank_below = -1;
    if (res->possible && m - 1 >= u[0] && m > u[0]) {
        raise_to(&a, m - 1, a.raised);
        if ((st = rank_of(&a, a.raised, &lo, &hi, NULL)))
            goto done;
        res->rank_below = hi;
    }
done:
    res->probes = a.probes;
    nc_free(ctx, u);
    nc_free(ctx, w);
    nc_free(ctx, a.raised);
    return ctx->status;
}
