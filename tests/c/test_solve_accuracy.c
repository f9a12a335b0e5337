/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Accuracy of nc_solve against references that do not share its code: the
 * cluster route against the dense route and against nc_theory (an
 * independent cluster-level solver), the distance bound against the
 * balanced closed form and nc_theory, and the tolerance rules. */
#include "check.h"
#include "nc_solve.h"
#include "nc_theory.h"
#include "solve_internal.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { KMAX = 24, JMAX = 6 };

static double urand(void) { return rand() / (double)RAND_MAX; }

static double max_abs_diff(const double *a, const double *b, int n)
{
    double m = 0;
    for (int i = 0; i < n; ++i)
        m = fmax(m, fabs(a[i] - b[i]));
    return m;
}

static double max_abs(const double *a, int n)
{
    double m = 0;
    for (int i = 0; i < n; ++i)
        m = fmax(m, fabs(a[i]));
    return m;
}

/* nc_theory's Zbar and b for clusters k, n (classes cluster by cluster). */
static int theory(int J, const int *k, const double *n, double lZ, double lb, double *Z,
                  double *b)
{
    double a[JMAX], be[JMAX], de[JMAX], g[JMAX * JMAX], bi[JMAX], sv[KMAX], bs[JMAX];
    int co[JMAX];
    nc_theory_result t = {.alpha = a, .beta = be, .delta = de, .gamma = g, .bias = bi,
                          .collapsed = co, .Zbar = Z, .b = b, .sv = sv, .between_sv = bs};
    nc_ctx ctx;
    nc_ctx_init(&ctx, "test");
    nc_status st = nc_theory(&ctx, J, k, n, lZ, lb, &t);
    CHECK(st == NC_OK, "nc_theory: %s", ctx.errmsg);
    return st == NC_OK;
}

typedef struct {
    int J, K, k[JMAX];
    double n[JMAX], counts[KMAX], lZ, lb;
} structure;

/* Clusters of distinct counts 10..3000, lambda_Z log-uniform from below the
 * smallest collapse threshold to above the largest. */
static structure random_structure(int trial)
{
    structure s;
    memset(&s, 0, sizeof s);
    do {
        s.J = 1 + trial % 5;
        s.K = 0;
        for (int j = 0; j < s.J; ++j) {
            s.k[j] = 1 + rand() % 4;
            s.n[j] = round(pow(10, 1 + 2.5 * urand())) + j; /* + j: distinct */
            s.K += s.k[j];
        }
    } while (s.K < 2);
    double N = 0, lo = INFINITY, hi = 0;
    for (int j = 0, c = 0; j < s.J; ++j) {
        for (int t = 0; t < s.k[j]; ++t)
            s.counts[c++] = s.n[j];
        N += s.k[j] * s.n[j];
        lo = fmin(lo, sqrt(s.n[j]));
        hi = fmax(hi, sqrt(s.n[j]));
    }
    lo *= 0.2 / N;
    hi *= 2 / N;
    s.lZ = exp(log(lo) + urand() * log(hi / lo));
    s.lb = trial % 3 ? pow(10, -3 + 2 * urand()) : 0.0;
    return s;
}

static int solve(const structure *s, nc_solve_method method, double tolx, double *Z, double *b,
                 nc_solve_info *info)
{
    double sv[KMAX];
    nc_ctx ctx;
    nc_ctx_init(&ctx, "nc_solve");
    nc_solve_opts o;
    nc_solve_defaults(&o);
    o.method = method;
    o.tolx = tolx;
    nc_status st = nc_solve(&ctx, s->K, s->counts, s->lZ, s->lb, &o, Z, b, sv, info);
    CHECK(st == NC_OK, "nc_solve: %s", ctx.errmsg);
    return st == NC_OK;
}

/* The cluster route, the dense route and nc_theory agree; each of
 * nc_solve's points lies within its own distance bound of nc_theory's. */
static void test_routes_agree(void)
{
    srand(11);
    double worst = 0, worst_bound = 0;
    int counted = 0, eligible = 0;
    for (int trial = 0; trial < 60; ++trial) {
        structure s = random_structure(trial);
        int K = s.K;
        double Zc[KMAX * KMAX], bc[KMAX], Zd[KMAX * KMAX], bd[KMAX], Zt[KMAX * KMAX], bt[KMAX];
        nc_solve_info ic, id;
        if (!solve(&s, NC_SOLVE_CLUSTERS, 1e-11, Zc, bc, &ic) ||
            !solve(&s, NC_SOLVE_DENSE, 1e-11, Zd, bd, &id) ||
            !theory(s.J, s.k, s.n, s.lZ, s.lb, Zt, bt))
            continue;
        double scale = fmax(max_abs(Zt, K * K), 1e-300);
        double e_cd = max_abs_diff(Zc, Zd, K * K), e_ct = max_abs_diff(Zc, Zt, K * K);
        double e_dt = max_abs_diff(Zd, Zt, K * K);
        /* where both are certified to 1e-11 the routes agree to 1e-10 (a
         * distance bound needs lb > 0) */
        if (max_abs(Zt, K * K) == 0) { /* the zero test is exact: so must both routes be */
            CHECK(max_abs(Zc, K * K) == 0 && max_abs(Zd, K * K) == 0,
                  "trial %d: Zbar* = 0 but |Zbar| = %g, %g", trial, max_abs(Zc, K * K),
                  max_abs(Zd, K * K));
        } else if (s.lb > 0) {
            ++eligible;
        }
        if (scale > 1e-300 && ic.dist <= 1e-11 * scale && id.dist <= 1e-11 * scale) {
            CHECK(e_cd <= 1e-10 * scale, "trial %d: routes differ by %g (scale %g)", trial, e_cd,
                  scale);
            ++counted;
        } else if (scale > 1e-300 && s.lb > 0 && getenv("NCS_TEST_VERBOSE")) {
            printf("  trial %d J %d K %d lZ %g lb %g: dist %g (clusters) %g (dense), scale %g\n",
                   trial, s.J, s.K, s.lZ, s.lb, ic.dist, id.dist, scale);
        }
        worst = fmax(worst, e_cd / scale);
        /* the bound holds against the independent solver, up to its accuracy */
        double slack = 1e-12 * fmax(scale, 1.0);
        CHECK(e_ct <= ic.dist + slack && e_dt <= id.dist + slack,
              "trial %d: errors %g (clusters, bound %g), %g (dense, bound %g)", trial, e_ct,
              ic.dist, e_dt, id.dist);
        CHECK(max_abs_diff(bc, bt, K) <= ic.dist + slack, "trial %d: b off by %g, bound %g",
              trial, max_abs_diff(bc, bt, K), ic.dist);
        if (isfinite(ic.dist) && e_ct > slack)
            worst_bound = fmax(worst_bound, e_ct / ic.dist);
        CHECK(ic.converged && id.converged, "trial %d: converged %d %d", trial, ic.converged,
              id.converged);
        CHECK(ic.clusters == s.J && id.clusters == K, "trial %d: %d and %d groups", trial,
              ic.clusters, id.clusters);
    }
    CHECK(counted >= 0.8 * eligible, "only %d of %d structures certified to 1e-11 by both routes",
          counted, eligible);
    printf("test_solve_accuracy: routes agree to %.1e relative (%d of %d pairs certified to "
           "1e-11); error / bound at most %.2g\n",
           worst, counted, eligible, worst_bound);
}

/* The distance bound at points around the balanced closed form
 * Zbar* = alpha (I - 11'/K), b* = 0 bounds the true distance. */
static void test_bound_balanced(void)
{
    enum { K = 5 };
    double k[K], n[K], lZ = 0.3 / (K * sqrt(400.0)), lb = 0.05;
    for (int i = 0; i < K; ++i)
        k[i] = 1, n[i] = 400;
    double c = lZ * sqrt(400.0), alpha = log((1 - (K - 1) * c) / c);
    nc_ctx ctx;
    nc_ctx_init(&ctx, "test");
    ncs_problem p;
    CHECK(ncs_problem_init(&p, &ctx, K, k, n, lZ, lb) == NC_OK, "problem");
    ncs_svd svd;
    ncs_cert_ws cw;
    double *sb = NULL, x[K * K + 2 * K], grad[K * K + 2 * K], block[4096];
    ncs_svd_arg sa = {K};
    CHECK(ncs_carve(&ctx, ncs_svd_layout, &svd, &sa, &sb) == NC_OK, "svd workspace");
    ncs_arena a = {block, 0, 0};
    ncs_cert_layout(&a, &cw, K);
    CHECK(a.used <= sizeof block / sizeof block[0], "certificate workspace fits");
    srand(5);
    for (int t = 0; t < 30; ++t) {
        double eps = pow(10, -2 - 8 * (t % 10) / 9.0), Z[K * K], b[K];
        for (int j = 0; j < K; ++j) {
            for (int i = 0; i < K; ++i)
                x[i + j * K] = (alpha * ((i == j) - 1.0 / K) + eps * (urand() - 0.5)) * 20;
            x[K * K + j] = 0;
            x[K * K + K + j] = eps * (urand() - 0.5);
        }
        ncs_project(&p, x);
        CHECK(ncs_svd_run(&ctx, &svd, x, 1) == NC_OK, "svd");
        ncs_cert cert;
        int r = ncs_rank_of(svd.sv, K);
        CHECK(ncs_point_bound(&p, x, &svd, r, &cw, grad, &cert) == NC_OK, "bound");
        double err = 0;
        for (int j = 0; j < K; ++j) {
            for (int i = 0; i < K; ++i) {
                Z[i + j * K] = x[i + j * K] / 20;
                err = fmax(err, fabs(Z[i + j * K] - alpha * ((i == j) - 1.0 / K)));
            }
            b[j] = x[K * K + K + j];
            err = fmax(err, fabs(b[j]));
        }
        CHECK(!(cert.dist < err), "eps %g: bound %g below the true distance %g", eps, cert.dist,
              err);
        if (eps < 1e-6)
            CHECK(cert.dist < 1e3 * err, "eps %g: bound %g far above the distance %g", eps,
                  cert.dist, err);
    }
    nc_free(&ctx, sb);
    ncs_problem_free(&p);
}

/* Early points (MaxIter) and final points are within their bounds of
 * nc_theory's optimum, and the final points meet TolX. */
static void test_bound_theory(void)
{
    int k[2] = {3, 2};
    double n[2] = {700, 90};
    structure s = {.J = 2, .K = 5, .k = {3, 2}, .n = {700, 90}, .lb = 0.02};
    for (int c = 0; c < 5; ++c)
        s.counts[c] = c < 3 ? 700 : 90;
    double Zt[25], bt[5];
    const double lambdas[] = {1e-3, 4.9e-3, 1.2e-2};
    for (int l = 0; l < 3; ++l) {
        s.lZ = lambdas[l];
        if (!theory(2, k, n, s.lZ, s.lb, Zt, bt))
            return;
        for (int iters = 1; iters <= 40; iters *= 3) {
            for (int route = 0; route < 2; ++route) {
                double Z[25], b[5], sv[5];
                nc_solve_info info;
                nc_ctx ctx;
                nc_ctx_init(&ctx, "nc_solve");
                nc_solve_opts o;
                nc_solve_defaults(&o);
                o.max_iter = iters;
                o.method = route ? NC_SOLVE_DENSE : NC_SOLVE_CLUSTERS;
                CHECK(nc_solve(&ctx, 5, s.counts, s.lZ, s.lb, &o, Z, b, sv, &info) == NC_OK,
                      "solve");
                double err = fmax(max_abs_diff(Z, Zt, 25), max_abs_diff(b, bt, 5));
                CHECK(!(info.dist < err - 1e-13), "lZ %g, MaxIter %d, route %d: bound %g < error %g",
                      s.lZ, iters, route, info.dist, err);
                if (info.converged && iters >= 27 && max_abs(Zt, 25) > 0)
                    CHECK(info.dist <= 1e-9 * max_abs(Z, 25),
                          "lZ %g route %d: bound %g misses TolX", s.lZ, route, info.dist);
            }
        }
    }
}

/* Tol below the attainable range is refused naming the range; at its
 * lower end it is met; a tighter Tol never returns a worse point. */
static void test_tol_rules(void)
{
    double lo, hi;
    nc_solve_tol_range(10, &lo, &hi);
    CHECK(lo > 0 && lo <= 1e-14 && hi >= 0.1, "range [%g, %g]", lo, hi);
    /* the zero threshold of k = [2 1], n = [2814 2434] from nc_thresholds */
    int k2[2] = {2, 1};
    double n2[2] = {2814, 2434}, zero = 0;
    {
        double col[2], ov[4];
        nc_thresholds_result r = {.collapse = col, .oversample = ov};
        nc_ctx ctx;
        nc_ctx_init(&ctx, "test");
        CHECK(nc_thresholds(&ctx, 2, k2, n2, 0.0, NAN, &r) == NC_OK, "thresholds");
        zero = r.zero;
    }
    struct {
        int K;
        double n[10], lZ, lb;
    } cases[] = {
        {3, {2814, 2814, 2434}, 0.9 * zero, 0.0},
        {10, {500, 500, 500, 500, 500, 100, 100, 100, 100, 100}, 0.0039, 0.01},
        {4, {300, 300, 300, 300}, 0.01, 0.5},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; ++c) {
        int K = cases[c].K;
        double Z1[100], b1[10], Z2[100], b2[10], sv[10];
        for (int route = 0; route < 2; ++route) {
            nc_solve_opts o;
            nc_solve_defaults(&o);
            o.method = route ? NC_SOLVE_DENSE : NC_SOLVE_AUTO;
            nc_solve_info i1, i2;
            nc_ctx ctx;
            nc_ctx_init(&ctx, "nc_solve");
            o.tol = lo / 2;
            CHECK(nc_solve(&ctx, K, cases[c].n, cases[c].lZ, cases[c].lb, &o, Z1, b1, sv, &i1) ==
                      NC_EBADARG,
                  "case %zu: Tol below the range accepted", c);
            CHECK(strcmp(ctx.errid, "ncufm:badOption") == 0 && strstr(ctx.errmsg, "TOL must lie in"),
                  "case %zu: %s %s", c, ctx.errid, ctx.errmsg);
            nc_ctx_init(&ctx, "nc_solve");
            o.tol = 1e-12;
            CHECK(nc_solve(&ctx, K, cases[c].n, cases[c].lZ, cases[c].lb, &o, Z1, b1, sv, &i1) ==
                      NC_OK,
                  "case %zu: %s", c, ctx.errmsg);
            o.tol = lo;
            CHECK(nc_solve(&ctx, K, cases[c].n, cases[c].lZ, cases[c].lb, &o, Z2, b2, sv, &i2) ==
                      NC_OK,
                  "case %zu: %s", c, ctx.errmsg);
            CHECK(i2.converged && i2.gap <= lo * i2.objective,
                  "case %zu route %d: Tol %g not met (gap %g, objective %g)", c, route, lo, i2.gap,
                  i2.objective);
            CHECK(i2.objective <= i1.objective + 4 * DBL_EPSILON * i1.objective,
                  "case %zu: Tol %g gave a worse point (%.17g > %.17g)", c, lo, i2.objective,
                  i1.objective);
            CHECK(i2.iterations + i2.newton_steps < 1000, "case %zu: %d iterations", c,
                  i2.iterations + i2.newton_steps);
        }
    }
}

int main(void)
{
    test_routes_agree();
    test_bound_balanced();
    test_bound_theory();
    test_tol_rules();
    return check_report("test_solve_accuracy");
}
