/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The UFM trainer: gradients against finite differences, the UFM against
 * the convex optimum (closed form and nc_solve), seeds, interrupt, errors.
 * The network trainer is tested in test_mlp.c. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "nc_solve.h"
#include "nc_train.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static double frand(unsigned *s)
{
    *s = *s * 1664525u + 1013904223u;
    return (*s >> 8) / 16777216.0;
}

static double rel_diff(const double *a, const double *b, long n)
{
    double e = 0, s = 0;
    for (long i = 0; i < n; ++i) {
        e += (a[i] - b[i]) * (a[i] - b[i]);
        s += b[i] * b[i];
    }
    return sqrt(e / (s > 0 ? s : 1));
}

/* ------------------------------------------------------------- UFM --- */

static void test_ufm_gradient(void)
{
    nc_ctx ctx;
    nc_ctx_init(&ctx, "test");
    enum { K = 3, d = 2, N = 5 };
    int y[N] = {0, 0, 1, 2, 2};
    double W[K * d], H[d * N], b[K], gW[K * d], gH[d * N], gb[K], F;
    unsigned s = 7;
    for (int i = 0; i < K * d; ++i)
        W[i] = 2 * frand(&s) - 1;
    for (int i = 0; i < d * N; ++i)
        H[i] = 2 * frand(&s) - 1;
    for (int i = 0; i < K; ++i)
        b[i] = frand(&s) - 0.5;
    double lW = 0.03, lH = 0.02, lb = 0.05;
    CHECK(nc_ufm_objective(&ctx, K, d, N, y, W, H, b, lW, lH, lb, &F, gW, gH, gb) == NC_OK,
          "ufm objective");
    double *vars[3] = {W, H, b}, *grads[3] = {gW, gH, gb};
    int sizes[3] = {K * d, d * N, K};
    double worst = 0;
    for (int v = 0; v < 3; ++v)
        for (int i = 0; i < sizes[v]; ++i) {
            double keep = vars[v][i], h = 1e-6, Fp, Fm;
            vars[v][i] = keep + h;
            nc_ufm_objective(&ctx, K, d, N, y, W, H, b, lW, lH, lb, &Fp, NULL, NULL, NULL);
            vars[v][i] = keep - h;
            nc_ufm_objective(&ctx, K, d, N, y, W, H, b, lW, lH, lb, &Fm, NULL, NULL, NULL);
            vars[v][i] = keep;
            double fd = (Fp - Fm) / (2 * h), e = fabs(fd - grads[v][i]);
            worst = e > worst ? e : worst;
        }
    CHECK(worst < 1e-8, "UFM gradient vs central differences: max error %g", worst);

    /* The objective by the textbook formula, element by element. */
    double direct = 0;
    for (int j = 0; j < N; ++j) {
        double z[K], m = -INFINITY, sum = 0;
        for (int k = 0; k < K; ++k) {
            z[k] = b[k];
            for (int i = 0; i < d; ++i)
                z[k] += W[i * K + k] * H[j * d + i];
            m = fmax(m, z[k]);
        }
        for (int k = 0; k < K; ++k)
            sum += exp(z[k] - m);
        direct += (m + log(sum) - z[y[j]]) / N;
    }
    for (int i = 0; i < K * d; ++i)
        direct += lW * W[i] * W[i];
    for (int i = 0; i < d * N; ++i)
        direct += lH * H[i] * H[i];
    for (int i = 0; i < K; ++i)
        direct += lb * b[i] * b[i];
    CHECK_CLOSE(F, direct, 1e-14, "UFM objective vs the textbook formula");
}

/* Trains and returns Zbar = W * class means from the last history record. */
static nc_status train_zbar(int K, const long *n, int d, double lZ, double ratio, double lb,
                            unsigned long seed, double *Zbar, double *b, nc_ufm_result *res)
{
    nc_ctx ctx;
    nc_ctx_init(&ctx, "test");
    long N = 0;
    for (int k = 0; k < K; ++k)
        N += n[k];
    /* lW / lH = ratio with 2 sqrt(lW lH) = lZ. */
    double lW = 0.5 * lZ * sqrt(ratio), lH = 0.5 * lZ / sqrt(ratio);
    nc_ufm_opts o;
    nc_ufm_defaults(&o);
    o.seed = seed;
    o.tol = 1e-10;
    double *W = malloc(sizeof(double) * K * d), *H = malloc(sizeof(double) * d * N);
    nc_status st = nc_ufm_train(&ctx, K, n, d, lW, lH, lb, &o, W, H, b, res);
    if (st == NC_OK)
        memcpy(Zbar, res->Zbar_h + (long)(res->count - 1) * K * K, sizeof(double) * K * K);
    free(W);
    free(H);
    return st;
}

static void test_ufm_balanced_closed_form(void)
{
    /* docs/theory.md eq. (3.7): all n_k = n and lZ sqrt(n) < 1/K give
     * Zbar = alpha (I - 11'/K), alpha = log((1 - (K-1) lZ sqrt(n)) / (lZ sqrt(n))), b = 0. */
    enum { K = 4 };
    long n[K] = {10, 10, 10, 10};
    double lZ = 0.02, Zbar[K * K], b[K], expect[K * K];
    double s = lZ * sqrt(10.0), alpha = log((1 - (K - 1) * s) / s);
    for (int i = 0; i < K; ++i)
        for (int j = 0; j < K; ++j)
            expect[j * K + i] = alpha * ((i == j) - 1.0 / K);
    nc_ufm_result res;
    nc_ctx ctx;
    nc_ctx_init(&ctx, "test");
    CHECK(train_zbar(K, n, 5, lZ, 40, 0.01, 3, Zbar, b, &res) == NC_OK, "balanced UFM trains");
    CHECK(res.converged, "balanced UFM converged in %d iterations", res.iterations);
    CHECK(rel_diff(Zbar, expect, K * K) < 1e-6, "balanced Zbar vs closed form: %g",
          rel_diff(Zbar, expect, K * K));
    double bmax = 0;
    for (int k = 0; k < K; ++k)
        bmax = fmax(bmax, fabs(b[k]));
    CHECK(bmax < 1e-8, "balanced bias is zero: %g", bmax);
    /* NC1 at the optimum: every feature sits on its class mean. */
    CHECK(res.nc1_h[res.count - 1] < 1e-12, "balanced NC1 %g", res.nc1_h[res.count - 1]);
    CHECK(res.nc1_h[0] > 1e-2, "NC1 at the random start %g", res.nc1_h[0]);
    nc_ufm_result_free(&ctx, &res);
}

static void test_ufm_vs_solver(void)
{
    enum { K = 3 };
    long n[K] = {20, 10, 5};
    double nd[K] = {20, 10, 5};
    /* lZ below, then above, the minority collapse threshold sqrt(5)/35. */
    double lambdas[2] = {0.01, 0.07};
    for (int c = 0; c < 2; ++c) {
        nc_ctx ctx;
        nc_ctx_init(&ctx, "test");
        double Zs[K * K], bs[K], sv[K], Zt[K * K], bt[K];
        nc_solve_opts so;
        nc_solve_info info;
        nc_solve_defaults(&so);
        so.tol = 1e-13;
        CHECK(nc_solve(&ctx, K, nd, lambdas[c], 0.01, &so, Zs, bs, sv, &info) == NC_OK,
              "nc_solve: %s", ctx.errmsg);
        nc_ufm_result res;
        CHECK(train_zbar(K, n, 4, lambdas[c], 35, 0.01, 11, Zt, bt, &res) == NC_OK, "trains");
        double ez = rel_diff(Zt, Zs, K * K), eb = rel_diff(bt, bs, K);
        CHECK(ez < 1e-6, "lZ %g: W*Hbar vs nc_solve's Zbar, relative %g", lambdas[c], ez);
        CHECK(eb < 1e-6, "lZ %g: b vs nc_solve's b, relative %g", lambdas[c], eb);
        CHECK(fabs(res.objective - info.objective) < 1e-10 * fabs(info.objective),
              "objectives %.15g vs %.15g", res.objective, info.objective);
        printf("test_train: UFM n = [20 10 5], lZ = %g: %d iterations, |W*Hbar - Zbar*|/|Zbar*| "
               "= %.2e, |b - b*|/|b*| = %.2e\n",
               lambdas[c], res.iterations, ez, eb);
        nc_ufm_result_free(&ctx, &res);
    }
}

static void test_ufm_seeds(void)
{
    enum { K = 3 };
    long n[K] = {6, 4, 2};
    double Z1[K * K], Z2[K * K], Z3[K * K], b1[K], b2[K], b3[K];
    nc_ufm_result r1, r2, r3;
    nc_ctx ctx;
    nc_ctx_init(&ctx, "test");
    train_zbar(K, n, 3, 0.02, 12, 0.01, 5, Z1, b1, &r1);
    train_zbar(K, n, 3, 0.02, 12, 0.01, 5, Z2, b2, &r2);
    train_zbar(K, n, 3, 0.02, 12, 0.01, 6, Z3, b3, &r3);
    CHECK(memcmp(Z1, Z2, sizeof Z1) == 0 && r1.iterations == r2.iterations,
          "same seed, identical results");
    CHECK(r1.objective_h[0] != r3.objective_h[0], "another seed, another start");
    CHECK(rel_diff(Z3, Z1, K * K) < 1e-6, "another seed, the same optimum (%g)",
          rel_diff(Z3, Z1, K * K));
    /* History: objective decreases overall and starts at the random point. */
    CHECK(r1.objective_h[r1.count - 1] < r1.objective_h[0], "objective decreased");
    nc_ufm_result_free(&ctx, &r1);
    nc_ufm_result_free(&ctx, &r2);
    nc_ufm_result_free(&ctx, &r3);
}

static int stop_after;
static int probe(void *user)
{
    (void)user;
    return --stop_after < 0;
}

static void test_ufm_interrupt_and_errors(void)
{
    enum { K = 3 };
    long n[K] = {6, 4, 2}, bad[K] = {6, 0, 2};
    double W[K * 3], H[3 * 12], b[K];
    nc_ufm_opts o;
    nc_ufm_defaults(&o);
    o.history_every = 1000;
    nc_ufm_result res;
    nc_ctx ctx;
    nc_ctx_init(&ctx, "nc_ufm_train");
    ctx.interrupted = probe;
    stop_after = 3;
    nc_status st = nc_ufm_train(&ctx, K, n, 3, 0.01, 0.001, 0.01, &o, W, H, b, &res);
    CHECK(st == NC_EINTERRUPT && res.interrupted, "interrupt reported (%d)", st);
    CHECK(res.count >= 1 && res.iter[res.count - 1] == res.iterations,
          "last state recorded at interrupt");
    CHECK(strcmp(ctx.errid, "ncufm:interrupted") == 0, "interrupt id %s", ctx.errid);
    nc_ufm_result_free(&ctx, &res);

    nc_ctx_init(&ctx, "nc_ufm_train");
    st = nc_ufm_train(&ctx, K, bad, 3, 0.01, 0.001, 0.01, &o, W, H, b, &res);
    CHECK(st == NC_EBADARG && strcmp(ctx.errid, "ncufm:badCounts") == 0, "empty class: %s",
          ctx.errid);

    nc_ctx_init(&ctx, "nc_ufm_train");
    o.lr = 1e6;
    st = nc_ufm_train(&ctx, K, n, 3, 0.01, 0.001, 0.01, &o, W, H, b, &res);
    CHECK(st == NC_ENUMERIC && strcmp(ctx.errid, "ncufm:diverged") == 0,
          "huge step diverges cleanly: %s", ctx.errmsg);
}

int main(void)
{
    test_ufm_gradient();
    test_ufm_balanced_closed_form();
    test_ufm_vs_solver();
    test_ufm_seeds();
    test_ufm_interrupt_and_errors();
    return check_report("test_train");
}
