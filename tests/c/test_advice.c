/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of the advice core: the collapse path against closed forms,
 * against nc_thresholds (Brent's method on a different function) and against
 * the ranks nc_solve and nc_theory find on both sides of every threshold;
 * the oversampling floor against the quadratic rule and nc_solve; the
 * long-tailed profiles against their published formulas; error paths. */
#include "check.h"
#include "lapack.h"
#include "nc_advice.h"
#include "nc_solve.h"
#include "nc_theory.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { KMAX = 12 };

typedef struct {
    double lambda[KMAX], lower[KMAX], upper[KMAX], u[KMAX * KMAX], v[KMAX * KMAX],
        w[KMAX * KMAX];
    int before[KMAX], after[KMAX], kind[KMAX];
    nc_collapse_path_result r;
} path_buf;

static int run_path(int K, const double *n, double lb, path_buf *p)
{
    memset(p, 0, sizeof *p);
    p->r = (nc_collapse_path_result){.lambda = p->lambda, .lower = p->lower, .upper = p->upper,
                                     .rank_before = p->before, .rank_after = p->after,
                                     .kind = p->kind, .u = p->u, .v = p->v, .weight = p->w};
    nc_ctx ctx;
    nc_ctx_init(&ctx, "nc_collapse_path");
    nc_status st = nc_collapse_path(&ctx, K, n, lb, NULL, &p->r);
    CHECK(st == NC_OK, "path: %s", ctx.errmsg);
    return st == NC_OK;
}

/* Rank of the optimum by nc_solve alone (its own rank decision). */
static int solve_rank(int K, const double *n, double lZ, double lb)
{
    double Z[KMAX * KMAX], b[KMAX], sv[KMAX];
    nc_solve_info info;
    nc_ctx ctx;
    nc_ctx_init(&ctx, "test");
    CHECK(nc_solve(&ctx, K, n, lZ, lb, NULL, Z, b, sv, &info) == NC_OK, "solve: %s", ctx.errmsg);
    return info.rank;
}

/* Rank from nc_theory with every class its own cluster (a second solver). */
static int theory_rank(int K, const double *n, double lZ, double lb)
{
    int k[KMAX];
    double a[KMAX], be[KMAX], de[KMAX], g[KMAX * KMAX], bi[KMAX], sv[KMAX], bs[KMAX];
    int co[KMAX];
    for (int i = 0; i < K; ++i)
        k[i] = 1;
    nc_theory_result t = {.alpha = a, .beta = be, .delta = de, .gamma = g, .bias = bi,
                          .collapsed = co, .sv = sv, .between_sv = bs};
    nc_ctx ctx;
    nc_ctx_init(&ctx, "test");
    CHECK(nc_theory(&ctx, K, k, n, lZ, lb, &t) == NC_OK, "theory: %s", ctx.errmsg);
    int r = 0;
    while (r < K && sv[r] > 0)
        ++r;
    return r;
}

/* The reference behaviour (an independent measurement): n = 500..100,
 * lb = 0.01 has rank 4 up to 0.006, 3 at 0.008, 2 at 0.010, 1 at 0.014,
 * 0 at 0.016; and each threshold separates the ranks it claims, by both
 * solvers, 1e-6 (relative) either side. */
static void test_reference_path(void)
{
    enum { K = 5 };
    double n[K] = {500, 400, 300, 200, 100};
    path_buf p;
    if (!run_path(K, n, 0.01, &p))
        return;
    CHECK(p.r.count == 4 && p.r.complete && p.r.monotone && p.r.certified,
          "count %d complete %d monotone %d", p.r.count, p.r.complete, p.r.monotone);
    const double at[] = {0.006, 0.008, 0.010, 0.014, 0.016};
    const int expect[] = {4, 3, 2, 1, 0};
    for (int i = 0; i < 5; ++i) {
        int rank = K - 1;
        for (int d = 0; d < p.r.count; ++d)
            if (p.lambda[d] <= at[i])
                rank = p.after[d];
        CHECK(rank == expect[i], "rank at %g: path %d, reference %d", at[i], rank, expect[i]);
    }
    for (int d = 0; d < p.r.count; ++d) {
        CHECK(p.before[d] == p.after[d] + 1, "drop %d: %d -> %d", d, p.before[d], p.after[d]);
        CHECK(p.lower[d] <= p.lambda[d] && p.lambda[d] <= p.upper[d] &&
                  p.upper[d] - p.lower[d] <= 1e-9 * p.lambda[d],
              "drop %d: bracket [%.17g, %.17g] around %.17g", d, p.lower[d], p.upper[d],
              p.lambda[d]);
        for (int side = -1; side <= 1; side += 2) {
            double l = p.lambda[d] * (1 + side * 1e-6);
            int want = side < 0 ? p.before[d] : p.after[d];
            CHECK(solve_rank(K, n, l, 0.01) == want, "nc_solve rank at %.17g: %d, path %d", l,
                  solve_rank(K, n, l, 0.01), want);
            CHECK(theory_rank(K, n, l, 0.01) == want, "nc_theory rank at %.17g: %d, path %d", l,
                  theory_rank(K, n, l, 0.01), want);
        }
    }
    CHECK(p.kind[3] == NC_DROP_ZERO && p.kind[0] == NC_DROP_BETWEEN, "kinds %d %d", p.kind[0],
          p.kind[3]);
}

/* Exactly zero from the zero threshold on: its closed form from the
 * bias-only softmax, recomputed here (Newton on the bias written out). */
static void test_zero_threshold(void)
{
    enum { K = 4 };
    double n[K] = {700, 300, 120, 30}, lb = 0.05, N = 0;
    for (int k = 0; k < K; ++k)
        N += n[k];
    /* bias-only optimum: (p - n/N) + 2 lb b = 0 */
    double b[K] = {0}, p[K];
    for (int it = 0; it < 600; ++it) { /* gradient descent, step 1/(1/2 + 2 lb) */
        double s = 0, mx = -INFINITY;
        for (int k = 0; k < K; ++k)
            mx = fmax(mx, b[k]);
        for (int k = 0; k < K; ++k)
            s += p[k] = exp(b[k] - mx);
        for (int k = 0; k < K; ++k)
            p[k] /= s;
        for (int k = 0; k < K; ++k)
            b[k] -= (p[k] - n[k] / N + 2 * lb * b[k]) / (0.5 + 2 * lb);
    }
    /* ||(I - p 1') D^{1/2}||_op by power iteration on A'A */
    double x[K] = {1, -1, 0.5, 0.25}, nrm = 0;
    for (int it = 0; it < 2000; ++it) {
        double y[K] = {0}, z[K] = {0}, sy = 0;
        for (int k = 0; k < K; ++k)
            sy += sqrt(n[k]) * x[k]; /* 1' D^{1/2} x */
        for (int l = 0; l < K; ++l)
            y[l] = sqrt(n[l]) * x[l] - p[l] * sy;
        double py = 0;
        for (int l = 0; l < K; ++l)
            py += p[l] * y[l];
        for (int k = 0; k < K; ++k)
            z[k] = sqrt(n[k]) * (y[k] - py);
        nrm = 0;
        for (int k = 0; k < K; ++k)
            nrm += z[k] * z[k];
        nrm = sqrt(nrm);
        for (int k = 0; k < K; ++k)
            x[k] = z[k] / nrm;
    }
    double t0 = sqrt(nrm) / N;
    path_buf pb;
    if (!run_path(K, n, lb, &pb))
        return;
    int last = pb.r.count - 1;
    CHECK(pb.kind[last] == NC_DROP_ZERO && pb.after[last] == 0, "last drop kind %d",
          pb.kind[last]);
    CHECK_CLOSE(pb.lambda[last], t0, 1e-9 * t0, "zero threshold");
}

/* Clusters: within drops at sqrt(n_j)/N exactly, the last between drop at
 * nc_thresholds' separation, the zero drop at its zero, multiplicities. */
static void test_clusters(void)
{
    enum { K = 10, J = 3 };
    int k[J] = {4, 3, 3};
    double nc[J] = {5000, 4000, 3000}, n[K], lb = 0.01, N = 41000;
    for (int i = 0, at = 0; i < J; ++i)
        for (int c = 0; c < k[i]; ++c)
            n[(at++ * 7) % K] = nc[i]; /* scattered: any order must do */
    path_buf p;
    if (!run_path(K, n, lb, &p))
        return;
    double coll[J], over[2 * J];
    nc_thresholds_result S = {.collapse = coll, .oversample = over};
    nc_ctx ctx;
    nc_ctx_init(&ctx, "test");
    CHECK(nc_thresholds(&ctx, J, k, nc, lb, NAN, &S) == NC_OK, "thresholds");
    int seen_within = 0, total = 0;
    for (int d = 0; d < p.r.count; ++d) {
        total += p.before[d] - p.after[d];
        if (p.kind[d] == NC_DROP_WITHIN) {
            int j = -1;
            for (int i = 0; i < J; ++i)
                if (fabs(p.lambda[d] - sqrt(nc[i]) / N) <= 4e-16 * p.lambda[d])
                    j = i;
            CHECK(j >= 0, "within drop at %.17g is not a sqrt(n_j)/N", p.lambda[d]);
            if (j >= 0)
                CHECK(p.before[d] - p.after[d] == k[j] - 1, "multiplicity %d",
                      p.before[d] - p.after[d]);
            ++seen_within;
        }
    }
    CHECK(total == K - 1 && p.before[0] == K - 1 && p.after[p.r.count - 1] == 0, "ranks");
    CHECK(seen_within == 2, "two within drops (the third is the zero drop): %d", seen_within);
    int last_between = -1;
    for (int d = 0; d < p.r.count; ++d)
        if (p.kind[d] == NC_DROP_BETWEEN)
            last_between = d;
    CHECK(last_between >= 0 && fabs(p.lambda[last_between] - S.separation) <=
                                   1e-9 * S.separation,
          "separation: path %.17g, nc_thresholds %.17g", p.lambda[last_between], S.separation);
    CHECK_CLOSE(p.lambda[p.r.count - 1], S.zero, 1e-12 * S.zero, "zero threshold");
    CHECK_CLOSE(S.zero, sqrt(5000.0) / N, 1e-12 * S.zero, "zero is the majority's collapse");
    /* directions: orthonormal, in 1-perp; a within drop's in its cluster */
    int col = 0;
    for (int d = 0; d < p.r.count; ++d) {
        int m = p.before[d] - p.after[d];
        for (int a = 0; a < m; ++a) {
            const double *ua = p.u + K * (col + a);
            double s = 0;
            for (int l = 0; l < K; ++l)
                s += ua[l];
            CHECK(fabs(s) < 1e-12, "drop %d direction %d sums to %g", d, a, s);
            for (int c = 0; c < m; ++c) {
                double dot = 0;
                for (int l = 0; l < K; ++l)
                    dot += ua[l] * p.u[l + K * (col + c)];
                CHECK(fabs(dot - (a == c)) < 1e-12, "drop %d: u'u(%d,%d) = %g", d, a, c, dot);
            }
            if (p.kind[d] == NC_DROP_WITHIN)
                for (int l = 0; l < K; ++l)
                    if (fabs(n[l] - p.lambda[d] * p.lambda[d] * N * N) > 1e-6 * n[l])
                        CHECK(ua[l] == 0, "within direction leaves its cluster");
        }
        col += m;
    }
}

/* Balanced counts: one drop, of multiplicity K - 1, at 1/(K sqrt(n)). */
static void test_balanced(void)
{
    enum { K = 6 };
    double n[K] = {250, 250, 250, 250, 250, 250};
    path_buf p;
    if (!run_path(K, n, 0.01, &p))
        return;
    CHECK(p.r.count == 1 && p.before[0] == K - 1 && p.after[0] == 0, "one drop");
    CHECK_CLOSE(p.lambda[0], 1 / (K * sqrt(250.0)), 1e-15, "balanced threshold");
}

/* Eigenvector of the symmetric K x K matrix A for its I-th largest eigenvalue. */
static void eigvec(int K, double *A, int i, double *x)
{
    nc_blas_int n = K, lwork = 64 * K, info = 0;
    double w[KMAX], work[64 * KMAX];
    char jobz = 'V', uplo = 'L';
    dsyev_(&jobz, &uplo, &n, A, &n, w, work, &lwork, &info, 1, 1);
    CHECK(info == 0, "dsyev");
    memcpy(x, A + (size_t)K * (K - 1 - i), sizeof(double) * (size_t)K); /* ascending order */
}

/* The vanishing direction of a between drop is the limit of the optimum's
 * smallest singular direction just below the threshold (from nc_solve and
 * LAPACK's eigenvectors of Y Y' and Y' Y). */
static void test_direction_limit(void)
{
    enum { K = 5 };
    double n[K] = {500, 400, 300, 200, 100};
    path_buf p;
    if (!run_path(K, n, 0.01, &p))
        return;
    int col = 0;
    for (int d = 0; d < p.r.count; ++d) {
        if (p.kind[d] == NC_DROP_BETWEEN) {
            double Z[K * K], b[K], sv[K], Y[K * K], A[K * K], B[K * K], x[K], y[K];
            nc_solve_info info;
            nc_ctx ctx;
            nc_ctx_init(&ctx, "test");
            nc_solve(&ctx, K, n, p.lambda[d] * (1 - 1e-5), 0.01, NULL, Z, b, sv, &info);
            for (int k = 0; k < K; ++k)
                for (int l = 0; l < K; ++l)
                    Y[l + K * k] = Z[l + K * k] * sqrt(n[k]);
            for (int i = 0; i < K; ++i)
                for (int j = 0; j < K; ++j) {
                    A[i + K * j] = B[i + K * j] = 0;
                    for (int l = 0; l < K; ++l) {
                        A[i + K * j] += Y[i + K * l] * Y[j + K * l]; /* Y Y' */
                        B[i + K * j] += Y[l + K * i] * Y[l + K * j]; /* Y' Y */
                    }
                }
            int r = p.before[d] - 1; /* the smallest nonzero singular value */
            eigvec(K, A, r, x);
            eigvec(K, B, r, y);
            double cu = 0, cv = 0;
            for (int l = 0; l < K; ++l) {
                cu += x[l] * p.u[l + K * col];
                cv += y[l] * p.v[l + K * col];
            }
            CHECK(fabs(cu) > 0.9999 && fabs(cv) > 0.9999 && cu * cv > 0,
                  "drop %d: cosines %g %g with the optimum's direction just below", d, cu, cv);
        }
        col += p.before[d] - p.after[d];
    }
}

static int full_rank(int K, const double *n, double lZ, double lb)
{
    return solve_rank(K, n, lZ, lb) == K - 1;
}

/* Two clusters: the floor is the smallest whole m with lZ (k_A n_A + k_B m)
 * < sqrt(m) (solved here as a quadratic), full rank there by nc_solve and
 * not one below. */
static void test_oversample_clusters(void)
{
    enum { K = 10 };
    double n[K], counts[K], factor[K], w[K], lZ = 0.004, lb = 0.01;
    int coll[K];
    for (int k = 0; k < K; ++k)
        n[k] = k < 5 ? 500 : 100;
    nc_oversample_result r = {.counts = counts, .factor = factor, .collapsed_before = coll,
                              .collapse_weight = w};
    nc_ctx ctx;
    nc_ctx_init(&ctx, "nc_oversample");
    CHECK(nc_oversample(&ctx, K, n, lZ, lb, &r) == NC_OK, "oversample: %s", ctx.errmsg);
    /* 5 lZ s^2 - s + 2500 lZ < 0 */
    double a = 5 * lZ, c = 2500 * lZ, s = (1 - sqrt(1 - 4 * a * c)) / (2 * a);
    double expect = floor(s * s) + 1;
    CHECK(r.possible && r.floor == expect, "floor %g, quadratic %g", r.floor, expect);
    for (int k = 0; k < K; ++k) {
        CHECK(counts[k] == (k < 5 ? 500 : expect), "counts");
        CHECK(coll[k] == (k >= 5), "collapsed_before(%d) = %d", k, coll[k]);
    }
    CHECK(full_rank(K, counts, lZ, lb), "full rank at the floor");
    for (int k = 5; k < K; ++k)
        counts[k] = expect - 1;
    CHECK(!full_rank(K, counts, lZ, lb), "rank below K - 1 one below the floor");
    CHECK(r.rank_below >= 0 && r.rank_below < K - 1, "rank_below %d", r.rank_below);
}

/* Distinct counts (between directions decide): both sides by nc_solve. */
static void test_oversample_distinct(void)
{
    enum { K = 5 };
    double n[K] = {500, 400, 300, 200, 100}, counts[K], factor[K], raised[K];
    int coll[K];
    nc_oversample_result r = {.counts = counts, .factor = factor, .collapsed_before = coll};
    nc_ctx ctx;
    nc_ctx_init(&ctx, "nc_oversample");
    CHECK(nc_oversample(&ctx, K, n, 0.008, 0.01, &r) == NC_OK, "oversample: %s", ctx.errmsg);
    CHECK(r.possible && r.floor > 100 && r.floor < 200, "floor %g", r.floor);
    CHECK(r.rank_before == 3 && coll[4] && !coll[0], "rank before %d", r.rank_before);
    CHECK(full_rank(K, counts, 0.008, 0.01), "full rank at the floor");
    for (int k = 0; k < K; ++k)
        raised[k] = n[k] < r.floor - 1 ? r.floor - 1 : n[k];
    CHECK(!full_rank(K, raised, 0.008, 0.01), "not one below");
    CHECK(factor[4] == r.floor / 100 && factor[0] == 1, "factor");
    /* no floor works once lZ >= 1/(K sqrt(m)) for every m the rule allows */
    nc_ctx_init(&ctx, "nc_oversample");
    CHECK(nc_oversample(&ctx, K, n, 0.02, 0.01, &r) == NC_OK, "oversample");
    CHECK(!r.possible && isnan(r.floor) && r.reason[0] && counts[4] == 100, "impossible: %s",
          r.reason);
    /* already at full rank: the floor is the smallest count */
    nc_ctx_init(&ctx, "nc_oversample");
    CHECK(nc_oversample(&ctx, K, n, 0.004, 0.01, &r) == NC_OK, "oversample");
    CHECK(r.possible && r.floor == 100 && r.rank_before == K - 1, "no raise needed: %g",
          r.floor);
}

/* Published lists and formulas. */
static void test_longtail(void)
{
    nc_ctx ctx;
    nc_ctx_init(&ctx, "nc_longtail");
    double n[1000];
    /* CIFAR-10-LT, ratio 100 (the list every paper using it reports) */
    const double c10[10] = {5000, 2997, 1796, 1077, 645, 387, 232, 139, 83, 50};
    CHECK(nc_longtail(&ctx, NC_LONGTAIL_EXPONENTIAL, 10, 100, 5000, NAN, n) == NC_OK, "exp");
    for (int k = 0; k < 10; ++k)
        CHECK(n[k] == c10[k], "CIFAR-10-LT class %d: %g vs %g", k + 1, n[k], c10[k]);
    CHECK(nc_longtail(&ctx, NC_LONGTAIL_EXPONENTIAL, 100, 100, 500, NAN, n) == NC_OK, "exp");
    double N = 0;
    for (int k = 0; k < 100; ++k) {
        N += n[k];
        CHECK(n[k] == floor(500 * pow(0.01, k / 99.0)), "CIFAR-100-LT formula");
    }
    CHECK(N == 10847, "CIFAR-100-LT has 10847 images: %g", N);
    CHECK(nc_longtail(&ctx, NC_LONGTAIL_STEP, 10, 10, 5000, NAN, n) == NC_OK, "step");
    for (int k = 0; k < 10; ++k)
        CHECK(n[k] == (k < 5 ? 5000 : 500), "step");
    CHECK(nc_longtail(&ctx, NC_LONGTAIL_STEP, 10, 4, 1000, 0.3, n) == NC_OK, "step 0.3");
    for (int k = 0; k < 10; ++k)
        CHECK(n[k] == (k < 7 ? 1000 : 250), "step fraction");
    /* Pareto: Lomax quantiles written plainly here (pow, not expm1) */
    int K = 1000;
    CHECK(nc_longtail(&ctx, NC_LONGTAIL_PARETO, K, 256, 1280, NAN, n) == NC_OK, "pareto");
    double xmax = pow(0.5 / K, -1 / 6.0) - 1, xmin = pow(1 - 0.5 / K, -1 / 6.0) - 1;
    for (int k = 0; k < K; ++k) {
        double q = (K - k - 0.5) / K, x = pow(1 - q, -1 / 6.0) - 1;
        double want = floor(5 + (1280 - 5) * (x - xmin) / (xmax - xmin) + 1e-9);
        CHECK(fabs(n[k] - want) <= (k == 0 || k == K - 1 ? 0 : 1), "pareto %d: %g vs %g", k,
              n[k], want);
    }
    CHECK(n[0] == 1280 && n[K - 1] == 5, "pareto ends");
    for (int k = 1; k < K; ++k)
        CHECK(n[k] <= n[k - 1], "pareto decreasing");
    /* errors */
    CHECK(nc_longtail(&ctx, NC_LONGTAIL_EXPONENTIAL, 10, 0.5, 100, NAN, n) == NC_EBADARG, "ratio");
    CHECK(strcmp(ctx.errid, "ncufm:badRatio") == 0, "%s", ctx.errid);
    nc_ctx_init(&ctx, "nc_longtail");
    CHECK(nc_longtail(&ctx, NC_LONGTAIL_EXPONENTIAL, 10, 1000, 100, NAN, n) == NC_EBADARG,
          "empty class");
    nc_ctx_init(&ctx, "nc_longtail");
    CHECK(nc_longtail(&ctx, NC_LONGTAIL_STEP, 2, 2, 100, 0.1, n) == NC_EBADARG, "fraction");
}

static int alloc_budget, live_blocks;
static void *budget_alloc(size_t bytes, void *user)
{
    (void)user;
    if (alloc_budget-- <= 0)
        return NULL;
    ++live_blocks;
    return malloc(bytes);
}
static void budget_release(void *p, void *user)
{
    (void)user;
    --live_blocks;
    free(p);
}

static void test_errors_and_allocation(void)
{
    enum { K = 4 };
    double n[K] = {300, 200, 100, 50};
    path_buf p;
    nc_ctx ctx;
    nc_ctx_init(&ctx, "nc_collapse_path");
    memset(&p, 0, sizeof p);
    p.r = (nc_collapse_path_result){.lambda = p.lambda, .lower = p.lower, .upper = p.upper,
                                    .rank_before = p.before, .rank_after = p.after,
                                    .kind = p.kind};
    CHECK(nc_collapse_path(&ctx, 1, n, 0.01, NULL, &p.r) == NC_EBADARG, "K = 1");
    CHECK(strcmp(ctx.errid, "ncufm:badCounts") == 0, "%s", ctx.errid);
    nc_ctx_init(&ctx, "nc_collapse_path");
    CHECK(nc_collapse_path(&ctx, K, n, -1, NULL, &p.r) == NC_EBADARG, "lb < 0");
    CHECK(strcmp(ctx.errid, "ncufm:badLambda") == 0, "%s", ctx.errid);
    double bad[K] = {300, -1, 100, 50};
    nc_ctx_init(&ctx, "nc_collapse_path");
    CHECK(nc_collapse_path(&ctx, K, bad, 0.01, NULL, &p.r) == NC_EBADARG, "negative count");
    for (int budget = 0; budget < 120; budget += 3) {
        nc_ctx_init(&ctx, "nc_collapse_path");
        ctx.alloc = budget_alloc;
        ctx.release = budget_release;
        alloc_budget = budget;
        live_blocks = 0;
        nc_status st = nc_collapse_path(&ctx, K, n, 0.01, NULL, &p.r);
        CHECK(st == NC_OK || st == NC_ENOMEM, "budget %d: status %d", budget, st);
        CHECK(live_blocks == 0, "budget %d: %d blocks leaked", budget, live_blocks);
    }
    double counts[K], factor[K];
    int coll[K];
    nc_oversample_result r = {.counts = counts, .factor = factor, .collapsed_before = coll};
    for (int budget = 0; budget < 60; budget += 3) {
        nc_ctx_init(&ctx, "nc_oversample");
        ctx.alloc = budget_alloc;
        ctx.release = budget_release;
        alloc_budget = budget;
        live_blocks = 0;
        nc_status st = nc_oversample(&ctx, K, n, 0.01, 0.01, &r);
        CHECK(st == NC_OK || st == NC_ENOMEM, "budget %d: status %d", budget, st);
        CHECK(live_blocks == 0, "budget %d: %d blocks leaked", budget, live_blocks);
    }
    nc_ctx_init(&ctx, "nc_oversample");
    CHECK(nc_oversample(&ctx, K, n, 0, 0.01, &r) == NC_EBADARG, "lZ = 0");
}

int main(void)
{
    test_reference_path();
    test_zero_threshold();
    test_clusters();
    test_balanced();
    test_direction_limit();
    test_oversample_clusters();
    test_oversample_distinct();
    test_longtail();
    test_errors_and_allocation();
    return check_report("test_advice");
}
