/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of the cluster-level theory (src/theory.c).
 *
 * Independent evidence only:
 *  - the balanced closed form of docs/theory.md section 3;
 *  - the optimality conditions of the K x K program checked directly on the
 *    predicted (Zbar, b), with a full SVD of Zbar diag(sqrt(n)) and softmax
 *    probabilities formed here (no use of the cluster reduction);
 *  - the lead's K x K certificate nc_solve_certify (duality gap);
 *  - the two-cluster nuclear-norm formula of docs/theory.md section 4;
 *  - the exact collapse threshold sqrt(n_j)/N. */
#include "check.h"
#include "lapack.h"
#include "nc_solve.h"
#include "nc_theory.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAXK 64

typedef struct {
    double alpha[MAXK], beta[MAXK], delta[MAXK], gamma[MAXK * MAXK], bias[MAXK], between[MAXK];
    int collapsed[MAXK];
    double Zbar[MAXK * MAXK], b[MAXK], sv[MAXK];
    nc_theory_result r;
} out_t;

static void out_init(out_t *o)
{
    nc_theory_result r = {.alpha = o->alpha, .beta = o->beta, .delta = o->delta,
                          .gamma = o->gamma, .bias = o->bias, .collapsed = o->collapsed,
                          .Zbar = o->Zbar, .b = o->b, .sv = o->sv, .between_sv = o->between};
    o->r = r;
}

static int expand(int J, const int *k, const double *n, double *nk)
{
    int K = 0;
    for (int j = 0; j < J; ++j)
        for (int c = 0; c < k[j]; ++c)
            nk[K++] = n[j];
    return K;
}

/* Largest violation of the K x K optimality conditions at (Zbar, b):
 * G = (I - P) D^{1/2} / (lZ N) must equal U V' + W on the SVD of
 * M = Zbar D^{1/2} (rank by a relative cut), with ||W||_op <= 1, and
 * b = (I - P) n / (2 lb N) (or (I - P) n = 0 and sum b = 0 when lb = 0). */
static double kkt_kxk(int K, const double *nk, double lZ, double lb, const double *Zbar,
                      const double *b)
{
    double N = 0;
    for (int i = 0; i < K; ++i)
        N += nk[i];
    static double M[MAXK * MAXK], G[MAXK * MAXK], U[MAXK * MAXK], VT[MAXK * MAXK],
        s[MAXK], T[MAXK * MAXK], T2[MAXK * MAXK], work[20 * MAXK * MAXK];
    double res = 0;
    for (int c = 0; c < K; ++c) {
        double v[MAXK], vmax = -INFINITY, S = 0;
        for (int q = 0; q < K; ++q) {
            v[q] = Zbar[q + K * c] + b[q];
            vmax = fmax(vmax, v[q]);
        }
        for (int q = 0; q < K; ++q)
            S += exp(v[q] - vmax);
        for (int q = 0; q < K; ++q) {
            double pq = exp(v[q] - vmax) / S;
            /* 1 - p_c from the other classes: no cancellation */
            double ipq = -pq;
            if (q == c) {
                double rest = 0;
                for (int o = 0; o < K; ++o)
                    if (o != c)
                        rest += exp(v[o] - vmax) / S;
                ipq = rest;
            }
            G[q + K * c] = ipq * sqrt(nk[c]) / (lZ * N);
            M[q + K * c] = Zbar[q + K * c] * sqrt(nk[c]);
        }
    }
    /* bias condition */
    double sumb = 0;
    for (int q = 0; q < K; ++q) {
        double acc = 0;
        for (int c = 0; c < K; ++c)
            acc += G[q + K * c] * sqrt(nk[c]) * lZ * N;
        /* acc = ((I - P) n)_q */
        double want = lb > 0 ? acc / (2 * lb * N) : 0;
        double got = lb > 0 ? b[q] : acc / N;
        res = fmax(res, fabs(got - want) / (lb > 0 ? 1 + fabs(want) : 1));
        sumb += b[q];
    }
    res = fmax(res, fabs(sumb) / K);
    nc_blas_int info, lwork = 20 * MAXK * MAXK, nK = K;
    char job = 'A';
    double Mc[MAXK * MAXK];
    memcpy(Mc, M, sizeof(double) * K * K);
    dgesvd_(&job, &job, &nK, &nK, Mc, &nK, s, U, &nK, VT, &nK, work, &lwork, &info, 1, 1);
    int r = 0;
    for (int i = 0; i < K; ++i)
        if (s[i] > 1e-9 * s[0])
            ++r;
    /* T = U' G V */
    for (int c = 0; c < K; ++c)
        for (int a = 0; a < K; ++a) {
            double acc = 0;
            for (int q = 0; q < K; ++q)
                acc += U[q + K * a] * G[q + K * c];
            T2[a + K * c] = acc;
        }
    for (int c = 0; c < K; ++c)
        for (int a = 0; a < K; ++a) {
            double acc = 0;
            for (int q = 0; q < K; ++q)
                acc += T2[a + K * q] * VT[c + K * q];
            T[a + K * c] = acc;
        }
    for (int c = 0; c < K; ++c)
        for (int a = 0; a < K; ++a) {
            if (a < r && c < r)
                res = fmax(res, fabs(T[a + K * c] - (a == c)));
            else if (a < r || c < r)
                res = fmax(res, fabs(T[a + K * c]));
        }
    int mw = K - r;
    if (mw > 0) {
        double W[MAXK * MAXK], ws[MAXK];
        for (int c = 0; c < mw; ++c)
            for (int a = 0; a < mw; ++a)
                W[a + mw * c] = T[(r + a) + K * (r + c)];
        char jn = 'N';
        nc_blas_int one = 1, nw = mw;
        dgesvd_(&jn, &jn, &nw, &nw, W, &nw, ws, NULL, &one, NULL, &one, work, &lwork, &info,
                1, 1);
        res = fmax(res, fmax(0.0, ws[0] - 1.0));
    }
    return isfinite(res) ? res : INFINITY;
}

static double urand(unsigned *state)
{
    *state = *state * 1664525u + 1013904223u;
    return ((*state >> 8) + 0.5) / 16777216.0;
}

static void test_balanced(void)
{
    nc_ctx ctx;
    nc_ctx_init(&ctx, "nc_theory");
    out_t o;
    const int Ks[] = {2, 3, 5, 10};
    const double ns[] = {1, 37, 5000};
    for (int a = 0; a < 4; ++a)
        for (int c = 0; c < 3; ++c)
            for (int t = 0; t < 3; ++t) {
                int K = Ks[a];
                double n = ns[c];
                /* lZ sqrt(n) below, at 0.9x and above 1/K */
                double f[] = {0.05, 0.9, 1.3};
                double lZ = f[t] / (K * sqrt(n));
                double lbs[] = {0.0, 0.01};
                for (int l = 0; l < 2; ++l) {
                    /* as one cluster, and as clusters of equal n (still balanced) */
                    int kk1[] = {K}, kk2[] = {1, K - 1};
                    double nn[] = {n, n};
                    for (int form = 0; form < 2; ++form) {
                        out_init(&o);
                        nc_status st = form == 0 ? nc_theory(&ctx, 1, kk1, nn, lZ, lbs[l], &o.r)
                                                 : nc_theory(&ctx, 2, kk2, nn, lZ, lbs[l], &o.r);
                        CHECK(st == NC_OK, "balanced K=%d: status %d (%s)", K, st, ctx.errmsg);
                        double s = lZ * sqrt(n);
                        double al = s < 1.0 / K ? log((1 - (K - 1) * s) / s) : 0.0;
                        double err = 0;
                        for (int q = 0; q < K; ++q) {
                            for (int p = 0; p < K; ++p)
                                err = fmax(err, fabs(o.Zbar[p + K * q] -
                                                     al * ((p == q) - 1.0 / K)));
                            err = fmax(err, fabs(o.b[q]));
                        }
                        CHECK(err <= 1e-12 * (1 + al), "balanced K=%d n=%g lZ=%g form %d: err %g",
                              K, n, lZ, form, err);
                        if (t == 2) /* exact zeros above the threshold */
                            for (int q = 0; q < K * K; ++q)
                                CHECK(o.Zbar[q] == 0.0, "balanced zero not exact");
                        /* objective of the closed form */
                        double obj = s < 1.0 / K ? log(1 + (K - 1) * exp(-al)) + s * (K - 1) * al
                                                 : log((double)K);
                        CHECK_CLOSE(o.r.objective, obj, 1e-13 * (1 + obj), "balanced objective");
                    }
                }
            }
}

/* Random cluster structures: K x K certificate and nc_solve_certify. */
static void test_random(void)
{
    nc_ctx ctx;
    nc_ctx_init(&ctx, "nc_theory");
    out_t o;
    unsigned st_r = 12345u;
    double worst = 0, worst_gap = 0;
    int ranks[8] = {0};
    for (int trial = 0; trial < 300; ++trial) {
        int J = 1 + trial % 5;
        int k[5];
        double n[5];
        for (int j = 0; j < J; ++j) {
            k[j] = 1 + (int)(urand(&st_r) * 4);
            n[j] = floor(exp(log(10.0) + urand(&st_r) * log(1000.0)));
        }
        if (J == 1 && k[0] == 1)
            k[0] = 2;
        double nk[MAXK];
        int K = expand(J, k, n, nk);
        double N = 0, nmin = INFINITY, nmax = 0;
        for (int i = 0; i < K; ++i) {
            N += nk[i];
            nmin = fmin(nmin, nk[i]);
            nmax = fmax(nmax, nk[i]);
        }
        /* lZ spread over [0.2 sqrt(nmin)/N, 2 sqrt(nmax)/N]: below, between, above */
        double lo = 0.2 * sqrt(nmin) / N, hi = 2.0 * sqrt(nmax) / N;
        double lZ = exp(log(lo) + urand(&st_r) * log(hi / lo));
        double lb = (trial % 3 == 0) ? 0.0 : 0.001 + 0.1 * urand(&st_r);
        out_init(&o);
        nc_status s = nc_theory(&ctx, J, k, n, lZ, lb, &o.r);
        CHECK(s == NC_OK, "random %d: status %d (%s)", trial, s, ctx.errmsg);
        if (s != NC_OK)
            continue;
        ranks[o.r.between_rank]++;
        double res = kkt_kxk(K, nk, lZ, lb, o.Zbar, o.b);
        worst = fmax(worst, res);
        CHECK(res < 1e-8, "random %d (J=%d K=%d lZ=%.17g lb=%g): K x K KKT residual %g (own %g)",
              trial, J, K, lZ, lb, res, o.r.kkt);
        if (!(res < 1e-8))
            for (int j = 0; j < J; ++j)
                fprintf(stderr, "   cluster %d: k %d n %.17g\n", j + 1, k[j], n[j]);
        CHECK(o.r.kkt < 1e-8, "random %d: own KKT %g", trial, o.r.kkt);
        double obj = 0, dual = 0;
        nc_ctx c2;
        nc_ctx_init(&c2, "nc_solve_certify");
        if (nc_solve_certify(&c2, K, nk, lZ, lb, o.Zbar, o.b, &obj, &dual) == NC_OK) {
            double gap = (obj - dual) / (1 + fabs(obj));
            worst_gap = fmax(worst_gap, gap);
            CHECK(gap < 1e-10, "random %d: certified gap %g", trial, gap);
            CHECK_CLOSE(obj, o.r.objective, 1e-12 * (1 + fabs(obj)), "objective vs certify");
        }
        /* structure: collapsed exactly at the threshold, exact zeros */
        for (int j = 0; j < J; ++j)
            if (k[j] >= 2) {
                int want = lZ >= sqrt(n[j]) / N;
                CHECK(o.collapsed[j] == want, "random %d: collapse flag of cluster %d", trial, j);
                if (want)
                    CHECK(o.delta[j] == 0.0 && o.alpha[j] == o.beta[j],
                          "random %d: collapsed block not exact", trial);
                else
                    CHECK(o.delta[j] > 0, "random %d: delta %g", trial, o.delta[j]);
            }
        /* column sums vanish */
        double cs = 0, zmax = 0;
        for (int c = 0; c < K; ++c) {
            double acc = 0;
            for (int q = 0; q < K; ++q) {
                acc += o.Zbar[q + K * c];
                zmax = fmax(zmax, fabs(o.Zbar[q + K * c]));
            }
            cs = fmax(cs, fabs(acc));
        }
        CHECK(cs <= 1e-12 * (1 + zmax) * K, "random %d: column sum %g", trial, cs);
    }
    printf("test_theory: worst K x K KKT residual %.3g, worst certified gap %.3g; "
           "between ranks 0..4: %d %d %d %d %d\n",
           worst, worst_gap, ranks[0], ranks[1], ranks[2], ranks[3], ranks[4]);
}

/* docs/theory.md section 4: two clusters, rank-1 between part */
static void test_two_cluster_norm(void)
{
    nc_ctx ctx;
    nc_ctx_init(&ctx, "nc_theory");
    out_t o;
    int k[] = {3, 4};
    double n[] = {500, 60};
    double N = 3 * 500 + 4 * 60;
    double lZs[] = {0.3 * sqrt(60) / N, 1.2 * sqrt(60) / N};
    for (int t = 0; t < 2; ++t) {
        out_init(&o);
        CHECK(nc_theory(&ctx, 2, k, n, lZs[t], 0.01, &o.r) == NC_OK, "two-cluster solve");
        double kA = 3, kB = 4, nA = 500, nB = 60, K = 7;
        double gAB = o.gamma[0 + 2 * 1], gBA = o.gamma[1 + 2 * 0];
        double formula = (kA - 1) * sqrt(nA) * o.delta[0] + (kB - 1) * sqrt(nB) * o.delta[1] +
                         sqrt(K * kA * kB) * sqrt(nA * gBA * gBA / kA + nB * gAB * gAB / kB);
        double svsum = 0;
        for (int i = 0; i < 7; ++i)
            svsum += o.sv[i];
        /* and from a full SVD of M */
        double M[49], s[7], work[500];
        double nk[7];
        expand(2, k, n, nk);
        for (int c = 0; c < 7; ++c)
            for (int q = 0; q < 7; ++q)
                M[q + 7 * c] = o.Zbar[q + 7 * c] * sqrt(nk[c]);
        nc_blas_int K7 = 7, info, lw = 500, one = 1;
        char jn = 'N';
        dgesvd_(&jn, &jn, &K7, &K7, M, &K7, s, NULL, &one, NULL, &one, work, &lw, &info, 1, 1);
        double full = 0;
        for (int i = 0; i < 7; ++i) {
            full += s[i];
            CHECK_CLOSE(o.sv[i], s[i], 1e-10 * s[0], "singular value vs full SVD");
        }
        CHECK_CLOSE(formula, full, 1e-11 * full, "two-cluster nuclear norm formula");
        CHECK_CLOSE(svsum, full, 1e-11 * full, "reported singular values");
    }
}

/* A count vector: grouped into clusters of equal counts (decreasing), and
 * nc_theory_map lays Zbar out in the classes' own order, equal to the
 * cluster-ordered answer after the permutation. */
static void test_counts(void)
{
    nc_ctx ctx;
    nc_ctx_init(&ctx, "nc_theory");
    double counts[] = {30, 500, 30, 120, 500, 7, 120, 30};
    int K = 8, J, k[8], cluster[8];
    double n[8];
    CHECK(nc_cluster_counts(&ctx, K, counts, &J, k, n, cluster) == NC_OK, "grouping");
    int want_k[] = {2, 2, 3, 1};
    double want_n[] = {500, 120, 30, 7};
    CHECK(J == 4, "4 distinct counts, not %d", J);
    for (int j = 0; j < 4 && J == 4; ++j)
        CHECK(k[j] == want_k[j] && n[j] == want_n[j], "cluster %d: %d of %g", j, k[j], n[j]);
    for (int c = 0; c < K; ++c)
        CHECK(n[cluster[c]] == counts[c], "class %d maps to its count", c);
    out_t a, b;
    out_init(&a);
    out_init(&b);
    CHECK(nc_theory_map(&ctx, J, k, n, K, cluster, 0.004, 0.01, &a.r) == NC_OK, "map form");
    CHECK(nc_theory(&ctx, J, k, n, 0.004, 0.01, &b.r) == NC_OK, "cluster form");
    /* class c of the count vector is class pos[c] of the cluster order */
    int pos[8], next[4] = {0, 2, 4, 7};
    for (int c = 0; c < K; ++c)
        pos[c] = next[cluster[c]]++;
    double err = 0, zmax = 0;
    for (int c = 0; c < K; ++c) {
        err = fmax(err, fabs(a.b[c] - b.b[pos[c]]));
        for (int l = 0; l < K; ++l) {
            err = fmax(err, fabs(a.Zbar[l + K * c] - b.Zbar[pos[l] + K * pos[c]]));
            zmax = fmax(zmax, fabs(b.Zbar[l + K * c]));
        }
    }
    CHECK(err <= 1e-13 * zmax, "count form equals the cluster form after permutation: %g", err);
    int bad[] = {0, 1, 2, 3, 3, 3, 3, 3}; /* cluster 0 has two classes, not one */
    nc_ctx_init(&ctx, "nc_theory");
    CHECK(nc_theory_map(&ctx, J, k, n, K, bad, 0.004, 0.01, &a.r) == NC_EBADARG,
          "an inconsistent class map is refused");
    double zero[] = {3, 0};
    nc_ctx_init(&ctx, "nc_theory");
    CHECK(nc_cluster_counts(&ctx, 2, zero, &J, k, n, cluster) == NC_EBADARG &&
              strcmp(ctx.errid, "ncufm:badN") == 0,
          "a zero count is refused");
}

/* Distinct counts (every cluster a single class): the cluster problem is the
 * whole K x K problem, checked by its own optimality conditions. */
static void test_distinct(void)
{
    nc_ctx ctx;
    nc_ctx_init(&ctx, "nc_theory");
    static out_t o;
    int J = 40, k[40];
    double n[40], N = 0;
    for (int j = 0; j < J; ++j) {
        k[j] = 1;
        n[j] = round(500.0 * pow(0.02, j / (J - 1.0))) + 0.001 * j;
        N += n[j];
    }
    double lZs[] = {0.2 * sqrt(n[J - 1]) / N, 3.0 * sqrt(n[J - 1]) / N, 0.8 * sqrt(n[0]) / N};
    int last_rank = J;
    for (int t = 0; t < 3; ++t) {
        out_init(&o);
        CHECK(nc_theory(&ctx, J, k, n, lZs[t], 0.01, &o.r) == NC_OK, "distinct: %s", ctx.errmsg);
        double res = kkt_kxk(J, n, lZs[t], 0.01, o.Zbar, o.b);
        CHECK(res < 1e-11 && o.r.kkt < 1e-11, "distinct counts, lZ = %g: K x K residual %g", lZs[t], res);
        CHECK(o.r.between_rank <= last_rank, "the rank falls as lZ grows");
        last_rank = o.r.between_rank;
    }
    CHECK(last_rank < J - 1, "the largest lZ loses rank (%d)", last_rank);
}

/* Sizes that cannot fit in memory are refused up front, naming the size. */
static void test_too_large(void)
{
    int J = 2000000;
    int *k = malloc(sizeof *k * (size_t)J);
    double *n = malloc(sizeof *n * (size_t)J);
    for (int j = 0; j < J; ++j) {
        k[j] = 1;
        n[j] = j + 1.0;
    }
    double coll[1];
    nc_thresholds_result S = {.collapse = coll};
    out_t o;
    out_init(&o);
    nc_ctx ctx;
    nc_ctx_init(&ctx, "nc_theory");
    CHECK(nc_theory(&ctx, J, k, n, 1e-3, 0.01, &o.r) == NC_ENOMEM &&
              strcmp(ctx.errid, "ncufm:tooLarge") == 0 && strstr(ctx.errmsg, "J = 2000000"),
          "J = 2e6 clusters refused: %s %s", ctx.errid, ctx.errmsg);
    nc_ctx_init(&ctx, "nc_thresholds");
    CHECK(nc_thresholds(&ctx, J, k, n, 0.01, NAN, &S) == NC_ENOMEM, "thresholds too");
    free(k);
    free(n);
}

static void test_errors(void)
{
    nc_ctx ctx;
    out_t o;
    out_init(&o);
    int k[] = {2, 0};
    double n[] = {10, 5};
    nc_ctx_init(&ctx, "nc_theory");
    CHECK(nc_theory(&ctx, 2, k, n, 0.01, 0.0, &o.r) == NC_EBADARG &&
              strcmp(ctx.errid, "ncufm:badK") == 0,
          "k = 0 rejected: %s", ctx.errid);
    int k1[] = {1};
    nc_ctx_init(&ctx, "nc_theory");
    CHECK(nc_theory(&ctx, 1, k1, n, 0.01, 0.0, &o.r) == NC_EBADARG, "K = 1 rejected");
    int k2[] = {2, 3};
    double nbad[] = {10, -1};
    nc_ctx_init(&ctx, "nc_theory");
    CHECK(nc_theory(&ctx, 2, k2, nbad, 0.01, 0.0, &o.r) == NC_EBADARG &&
              strcmp(ctx.errid, "ncufm:badN") == 0,
          "n < 0 rejected");
    nc_ctx_init(&ctx, "nc_theory");
    CHECK(nc_theory(&ctx, 2, k2, n, 0.0, 0.0, &o.r) == NC_EBADARG &&
              strcmp(ctx.errid, "ncufm:badLambda") == 0,
          "lZ = 0 rejected");
    nc_ctx_init(&ctx, "nc_theory");
    CHECK(nc_theory(&ctx, 2, k2, n, 0.01, NAN, &o.r) == NC_EBADARG, "lb NaN rejected");
    CHECK(strncmp(ctx.errmsg, "nc_theory: ", 11) == 0, "message names the function: %s",
          ctx.errmsg);
}

/* Thresholds: collapse exact, separation and zero confirmed by solving just
 * below and above them. */
static void test_thresholds(void)
{
    nc_ctx ctx;
    nc_ctx_init(&ctx, "nc_thresholds");
    out_t o;
    struct {
        int J, k[4];
        double n[4], lb;
    } cases[] = {{2, {5, 5}, {500, 100}, 0.01},
                 {2, {3, 7}, {500, 100}, 0.0},
                 {3, {2, 3, 4}, {1000, 300, 50}, 0.01},
                 {3, {1, 2, 2}, {40, 300, 50}, 0.0},
                 {4, {2, 1, 3, 2}, {900, 400, 100, 20}, 0.05}};
    for (size_t c = 0; c < sizeof cases / sizeof *cases; ++c) {
        int J = cases[c].J;
        double coll[4], over[8];
        nc_thresholds_result S = {.collapse = coll, .oversample = over};
        double N = 0;
        for (int j = 0; j < J; ++j)
            N += cases[c].k[j] * cases[c].n[j];
        double lZ = 0.004;
        nc_status st = nc_thresholds(&ctx, J, cases[c].k, cases[c].n, cases[c].lb, lZ, &S);
        CHECK(st == NC_OK, "thresholds %zu: %s", c, ctx.errmsg);
        for (int j = 0; j < J; ++j) {
            if (cases[c].k[j] < 2)
                continue;
            CHECK(coll[j] == sqrt(cases[c].n[j]) / N, "collapse threshold formula");
            for (int side = 0; side < 2; ++side) {
                double l = coll[j] * (side ? 1 + 1e-9 : 1 - 1e-9);
                out_init(&o);
                nc_theory(&ctx, J, cases[c].k, cases[c].n, l, cases[c].lb, &o.r);
                CHECK(o.collapsed[j] == side, "case %zu cluster %d collapse side %d", c, j, side);
            }
        }
        CHECK(S.separation > 0 && S.separation <= S.zero * (1 + 1e-12),
              "case %zu: separation %g zero %g", c, S.separation, S.zero);
        /* separation: rank > 0 just below, 0 just above */
        for (int side = 0; side < 2; ++side) {
            double l = S.separation * (side ? 1 + 1e-7 : 1 - 1e-7);
            out_init(&o);
            nc_theory(&ctx, J, cases[c].k, cases[c].n, l, cases[c].lb, &o.r);
            int K = 0;
            for (int j = 0; j < J; ++j)
                K += cases[c].k[j];
            double nk[MAXK];
            expand(J, cases[c].k, cases[c].n, nk);
            CHECK(kkt_kxk(K, nk, l, cases[c].lb, o.Zbar, o.b) < 1e-8, "separation KKT");
            if (side)
                CHECK(o.r.between_rank == 0, "case %zu: separated above (rank %d)", c,
                      o.r.between_rank);
            else
                CHECK(o.r.between_rank > 0 && o.between[0] > 0,
                      "case %zu: not separated below (rank %d)", c, o.r.between_rank);
        }
        /* zero: Zbar = 0 exactly just above, not just below */
        for (int side = 0; side < 2; ++side) {
            double l = S.zero * (side ? 1 + 1e-9 : 1 - 1e-7);
            out_init(&o);
            nc_theory(&ctx, J, cases[c].k, cases[c].n, l, cases[c].lb, &o.r);
            int K = 0;
            for (int j = 0; j < J; ++j)
                K += cases[c].k[j];
            double zmax = 0;
            for (int q = 0; q < K * K; ++q)
                zmax = fmax(zmax, fabs(o.Zbar[q]));
            if (side)
                CHECK(zmax == 0.0, "case %zu: Zbar = 0 above zero threshold (%g)", c, zmax);
            else
                CHECK(zmax > 0.0, "case %zu: Zbar != 0 below zero threshold", c);
        }
        if (J == 2) {
            int B = S.minority, A = 1 - B;
            CHECK_CLOSE(sqrt(cases[c].n[B]) / (cases[c].k[A] * S.n_major + cases[c].k[B] * cases[c].n[B]),
                        lZ, 1e-15, "n_major puts the minority at its threshold");
            CHECK_CLOSE(S.ratio * cases[c].n[B], S.n_major, 1e-9 * S.n_major, "ratio");
        }
        for (int j = 0; j < J; ++j) {
            if (isnan(over[j]))
                continue;
            for (int e = 0; e < 2; ++e) {
                double s = over[j + J * e], nn = s * cases[c].n[j];
                double NN = N + cases[c].k[j] * (nn - cases[c].n[j]);
                CHECK_CLOSE(sqrt(nn) / NN, lZ, 1e-12 * lZ, "oversampling puts cluster at threshold");
            }
        }
    }
    /* docs/theory.md section 7: figure thresholds */
    int k5[] = {5, 5};
    double n5[] = {500, 100};
    double coll[2];
    nc_thresholds_result S = {.collapse = coll};
    nc_thresholds(&ctx, 2, k5, n5, 0.01, 0.005, &S);
    CHECK_CLOSE(coll[1], 10.0 / 3000.0, 1e-17, "figure 5 threshold");
    CHECK_CLOSE(S.n_major, 300.0, 1e-9, "figure 7 threshold n_A = 300");
    int k3[] = {3, 7};
    nc_thresholds(&ctx, 2, k3, n5, 0.01, 0.005, &S);
    CHECK_CLOSE(coll[1], 10.0 / 2200.0, 1e-17, "figure 6 threshold");
    CHECK_CLOSE(S.n_major, 1300.0 / 3.0, 1e-9, "figure 8 threshold n_A = 433.3");
    /* two clusters with k_A >= 2: zero threshold sqrt(n_A)/N (docs/theory.md (5.8)) */
    nc_thresholds(&ctx, 2, k5, n5, 0.01, 0.005, &S);
    CHECK_CLOSE(S.zero, sqrt(500.0) / 3000.0, 1e-15, "two-cluster zero threshold");
}

static void test_limit(void)
{
    nc_ctx ctx;
    nc_ctx_init(&ctx, "nc_limit");
    int k[] = {5, 5};
    double rho[] = {2, 1};
    double nB[] = {1e2, 1e4, 1e6, 1e9};
    double dist[4], cw[8], cb[16], dl[8];
    nc_status st = nc_limit(&ctx, 2, k, rho, 0.1, 0.01, 4, nB, dist, cw, cb, dl);
    CHECK(st == NC_OK, "limit: %s", ctx.errmsg);
    for (int t = 1; t < 4; ++t)
        CHECK(dist[t] < dist[t - 1], "distance to the ETF decreases: %g %g", dist[t - 1], dist[t]);
    CHECK(dist[3] < 0.1, "distance at n = 1e9: %g", dist[3]);
    CHECK(fabs(cb[1 + 2 * 0 + 4 * 3] + 1.0 / 9) < 0.02, "between cosine near -1/9");
    for (int t = 0; t < 4; ++t)
        CHECK(dl[2 * t] > 0 && dl[2 * t + 1] > 0, "no collapse in the limit regime");
    /* one point against a direct solve */
    out_t o;
    out_init(&o);
    double n[] = {2e6, 1e6};
    double N = 5 * 3e6;
    nc_theory(&ctx, 2, k, n, 0.1 / N, 0.01, &o.r);
    CHECK_CLOSE(dl[2 * 2], o.delta[0], 1e-12 * o.delta[0], "limit vs nc_theory");
}

/* Ctrl-C: the interrupt probe fires after a few polls; every entry point
 * returns NC_EINTERRUPT with its memory freed (checked under ASan). */
static int polls_left;
static int fire_after(void *user)
{
    (void)user;
    return --polls_left < 0;
}

static void test_interrupt(void)
{
    int k[] = {2, 3, 1, 4, 2};
    double n[] = {100, 50, 300, 20, 70}, rho[] = {1, 2, 3, 4, 5}, nB[] = {10, 100, 1000};
    for (int after = 0; after < 6; ++after) {
        nc_ctx ctx;
        out_t o;
        out_init(&o);
        nc_ctx_init(&ctx, "nc_theory");
        ctx.interrupted = fire_after;
        polls_left = after;
        nc_status st = nc_theory(&ctx, 5, k, n, 1e-4, 0.01, &o.r);
        /* a solve may finish before the probe fires */
        int fired = polls_left < 0;
        CHECK(fired ? st == NC_EINTERRUPT && strcmp(ctx.errid, "ncufm:interrupted") == 0
                    : st == NC_OK,
              "nc_theory, probe firing after %d polls: status %d", after, st);
        nc_ctx_init(&ctx, "nc_limit");
        ctx.interrupted = fire_after;
        polls_left = after;
        double dist[3];
        st = nc_limit(&ctx, 5, k, rho, 0.5, 0.01, 3, nB, dist, NULL, NULL, NULL);
        fired = polls_left < 0;
        CHECK(fired ? st == NC_EINTERRUPT : st == NC_OK, "nc_limit: status %d", st);
    }
}

int main(void)
{
    test_balanced();
    test_random();
    test_two_cluster_norm();
    test_counts();
    test_distinct();
    test_too_large();
    test_errors();
    test_thresholds();
    test_limit();
    test_interrupt();
    return check_report("test_theory");
}
