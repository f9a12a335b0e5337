/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of the solver core: closed form, weak duality of the
 * certificate, and error paths (bad arguments, failing allocator, interrupt,
 * the inputs that used to hang or reach LAPACK's argument checks). */
#include "check.h"
#include "lapack.h"
#include "nc_solve.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* LAPACK reports an invalid argument through xerbla_; this definition
 * takes the library's place in the test binary and counts the calls: the
 * solver must validate what it passes, so there must be none. */
static int xerbla_calls;
void xerbla_(const char *name, const nc_blas_int *info, size_t len);
void xerbla_(const char *name, const nc_blas_int *info, size_t len)
{
    (void)name;
    (void)info;
    (void)len;
    ++xerbla_calls;
}

/* Objective written out plainly, independent of src/solve.c. */
static double plain_objective(int K, const double *n, double lZ, double lb, const double *Z,
                              const double *b, double nuclear)
{
    double N = 0, f = 0;
    for (int k = 0; k < K; ++k)
        N += n[k];
    for (int k = 0; k < K; ++k) {
        double mx = -INFINITY, s = 0;
        for (int l = 0; l < K; ++l)
            mx = fmax(mx, Z[l + k * K] + b[l]);
        for (int l = 0; l < K; ++l)
            s += exp(Z[l + k * K] + b[l] - mx);
        f += n[k] / N * (mx + log(s) - Z[k + k * K] - b[k]);
    }
    for (int l = 0; l < K; ++l)
        f += lb * b[l] * b[l];
    return f + lZ * nuclear;
}

static void test_balanced_closed_form(void)
{
    enum { K = 4 };
    double n[K] = {250, 250, 250, 250}, Z[K * K], b[K], sv[K];
    double lZ = 0.005, c = lZ * sqrt(250.0), alpha = log((1 - (K - 1) * c) / c);
    nc_ctx ctx;
    nc_ctx_init(&ctx, "test");
    nc_solve_info info;
    CHECK(nc_solve(&ctx, K, n, lZ, 0.01, NULL, Z, b, sv, &info) == NC_OK, "solve: %s",
          ctx.errmsg);
    double err = 0;
    for (int k = 0; k < K; ++k)
        for (int l = 0; l < K; ++l)
            err = fmax(err, fabs(Z[l + k * K] - alpha * ((l == k) - 1.0 / K)));
    CHECK(err < 1e-12 * alpha, "balanced closed form: max error %g", err);
    CHECK(info.converged && info.rank == K - 1, "converged %d rank %d", info.converged,
          info.rank);
    /* singular values sqrt(n) alpha, K - 1 times, then an exact 0 */
    for (int i = 0; i < K - 1; ++i)
        CHECK_CLOSE(sv[i], sqrt(250.0) * alpha, 1e-10 * alpha, "singular value");
    CHECK(sv[K - 1] == 0, "structural zero singular value is exact: %g", sv[K - 1]);
    double F = log(1 + (K - 1) * exp(-alpha)) + c * (K - 1) * alpha;
    CHECK_CLOSE(info.objective, F, 1e-14, "objective");
}

/* Weak duality: the certified lower bound at any point is below the optimum,
 * and the certified objective matches the plain formula. */
static void test_certificate_bounds(void)
{
    enum { K = 5 };
    double n[K] = {3000, 900, 900, 40, 7}, Z[K * K], b[K], sv[K];
    double lZ = 3e-4;
    nc_ctx ctx;
    nc_ctx_init(&ctx, "test");
    nc_solve_info info;
    for (int lbi = 0; lbi < 2; ++lbi) {
        double lb = lbi ? 0.02 : 0.0;
        CHECK(nc_solve(&ctx, K, n, lZ, lb, NULL, Z, b, sv, &info) == NC_OK, "solve");
        double nuc = 0;
        for (int i = 0; i < K; ++i)
            nuc += sv[i];
        CHECK_CLOSE(info.objective, plain_objective(K, n, lZ, lb, Z, b, nuc),
                    1e-13 * info.objective, "objective vs plain formula");
        srand(7);
        for (int trial = 0; trial < 50; ++trial) {
            double Zr[K * K], br[K], obj, dual;
            for (int i = 0; i < K * K; ++i)
                Zr[i] = Z[i] + 2.0 * (rand() / (double)RAND_MAX - 0.5);
            for (int l = 0; l < K; ++l)
                br[l] = b[l] + (rand() / (double)RAND_MAX - 0.5);
            CHECK(nc_solve_certify(&ctx, K, n, lZ, lb, Zr, br, &obj, &dual) == NC_OK,
                  "certify");
            CHECK(dual <= info.objective + 1e-13, "weak duality: dual %.17g > optimum %.17g",
                  dual, info.objective);
            CHECK(obj >= info.objective - 1e-13, "optimality: %.17g < %.17g", obj,
                  info.objective);
        }
    }
}

static void test_bad_arguments(void)
{
    double n[3] = {1, 2, 3}, Z[9], b[3], sv[3];
    nc_solve_info info;
    nc_ctx ctx;
    nc_ctx_init(&ctx, "nc_solve");
    CHECK(nc_solve(&ctx, 1, n, 1e-3, 0, NULL, Z, b, sv, &info) == NC_EBADARG, "K = 1");
    CHECK(strcmp(ctx.errid, "ncufm:badCounts") == 0, "id %s", ctx.errid);
    CHECK(strncmp(ctx.errmsg, "nc_solve: ", 10) == 0, "message names the function: %s",
          ctx.errmsg);
    nc_ctx_init(&ctx, "nc_solve");
    n[1] = -2;
    CHECK(nc_solve(&ctx, 3, n, 1e-3, 0, NULL, Z, b, sv, &info) == NC_EBADARG, "negative n");
    n[1] = NAN;
    nc_ctx_init(&ctx, "nc_solve");
    CHECK(nc_solve(&ctx, 3, n, 1e-3, 0, NULL, Z, b, sv, &info) == NC_EBADARG, "NaN n");
    n[1] = 2;
    nc_ctx_init(&ctx, "nc_solve");
    CHECK(nc_solve(&ctx, 3, n, 0, 0, NULL, Z, b, sv, &info) == NC_EBADARG, "lZ = 0");
    CHECK(strcmp(ctx.errid, "ncufm:badLambda") == 0, "id %s", ctx.errid);
    nc_ctx_init(&ctx, "nc_solve");
    CHECK(nc_solve(&ctx, 3, n, 1e-3, -1, NULL, Z, b, sv, &info) == NC_EBADARG, "lb < 0");
}

/* An allocator that fails after a budget: every error path must return
 * NC_ENOMEM and release what it took (counted here). */
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

static void test_allocation_failures(void)
{
    double n[4] = {100, 100, 30, 30}, Z[16], b[4], sv[4];
    nc_solve_info info;
    for (int budget = 0; budget < 80; ++budget) {
        nc_ctx ctx;
        nc_ctx_init(&ctx, "nc_solve");
        ctx.alloc = budget_alloc;
        ctx.release = budget_release;
        alloc_budget = budget;
        live_blocks = 0;
        nc_status st = nc_solve(&ctx, 4, n, 1e-3, 0.01, NULL, Z, b, sv, &info);
        CHECK(st == NC_OK || st == NC_ENOMEM, "budget %d: status %d", budget, st);
        CHECK(live_blocks == 0, "budget %d: %d blocks leaked", budget, live_blocks);
        if (st == NC_ENOMEM)
            CHECK(strcmp(ctx.errid, "ncufm:outOfMemory") == 0, "id %s", ctx.errid);
    }
}

static int interrupt_after, probe_calls;
static int fake_interrupt(void *user)
{
    (void)user;
    ++probe_calls;
    return --interrupt_after < 0;
}

/* Distinct counts: the dense route, where Newton-CG does the work. */
static void distinct_counts(int K, double *n)
{
    for (int k = 0; k < K; ++k)
        n[k] = 50 * pow(100, (k * 0.618034) - floor(k * 0.618034)) + k * 1e-3;
}

/* The probe fires at once, or after a number of calls; every stop returns
 * NC_EINTERRUPT with its identifier and releases everything.  A probe that
 * never fires is called at least once per CG iteration (so Ctrl-C waits
 * for one Hessian product at most: 0.1 s at K = 1000, see bench/). */
static void test_interrupt(void)
{
    enum { K = 40 };
    double n[K], Z[K * K], b[K], sv[K];
    distinct_counts(K, n);
    nc_solve_info info;
    nc_ctx ctx;
    nc_ctx_init(&ctx, "nc_solve");
    ctx.interrupted = fake_interrupt;
    interrupt_after = 1 << 30;
    probe_calls = 0;
    CHECK(nc_solve(&ctx, K, n, 2.0 / 40000, 0.01, NULL, Z, b, sv, &info) == NC_OK, "solve: %s",
          ctx.errmsg);
    int calls = probe_calls;
    CHECK(calls >= info.cg_iterations + info.iterations,
          "%d probe calls for %d CG and %d first-order iterations", calls, info.cg_iterations,
          info.iterations);
    for (int after = 0; after < calls; after += 1 + after / 3) {
        nc_ctx_init(&ctx, "nc_solve");
        ctx.interrupted = fake_interrupt;
        ctx.alloc = budget_alloc;
        ctx.release = budget_release;
        alloc_budget = 1 << 30;
        live_blocks = 0;
        interrupt_after = after;
        nc_status st = nc_solve(&ctx, K, n, 2.0 / 40000, 0.01, NULL, Z, b, sv, &info);
        CHECK(st == NC_EINTERRUPT, "after %d probes: status %d", after, st);
        CHECK(strcmp(ctx.errid, "ncufm:interrupted") == 0, "id %s", ctx.errid);
        CHECK(live_blocks == 0, "after %d probes: %d blocks leaked", after, live_blocks);
    }
}

/* Inputs that once hung or reached LAPACK's argument checks. */
static void test_reproducers(void)
{
    nc_solve_info info;
    nc_ctx ctx;
    nc_solve_opts o;
    double Z[1600], b[40], sv[40];
    xerbla_calls = 0;
    /* a lambda_Z whose optimum leaves double precision: refused */
    double n3[3] = {10, 10, 10}, b0[3] = {0.04, 0.11, 0.64};
    nc_solve_defaults(&o);
    o.b0 = b0;
    o.max_iter = INT_MAX;
    nc_ctx_init(&ctx, "nc_solve");
    CHECK(nc_solve(&ctx, 3, n3, 1e-300, 0.01, &o, Z, b, sv, &info) == NC_EBADARG &&
              strcmp(ctx.errid, "ncufm:badLambda") == 0,
          "lambda_Z = 1e-300: %s", ctx.errmsg);
    double n40[40];
    for (int k = 0; k < 40; ++k)
        n40[k] = 1 + k % 2;
    nc_ctx_init(&ctx, "nc_solve");
    CHECK(nc_solve(&ctx, 40, n40, 1e-304, 0.5, NULL, Z, b, sv, &info) == NC_EBADARG,
          "lambda_Z = 1e-304: %s", ctx.errmsg);
    /* small but representable: the balanced closed form, at once */
    for (int route = 0; route < 2; ++route) {
        nc_solve_defaults(&o);
        o.b0 = b0;
        o.max_iter = INT_MAX;
        o.method = route ? NC_SOLVE_DENSE : NC_SOLVE_AUTO;
        nc_ctx_init(&ctx, "nc_solve");
        CHECK(nc_solve(&ctx, 3, n3, 1e-50, 0.01, &o, Z, b, sv, &info) == NC_OK, "1e-50: %s",
              ctx.errmsg);
        double c = 1e-50 * sqrt(10.0), alpha = log((1 - 2 * c) / c);
        CHECK_CLOSE(Z[0], alpha * 2 / 3, 1e-12 * alpha, "lambda_Z = 1e-50: closed form");
        CHECK(info.converged && info.iterations + info.newton_steps < 1000,
              "1e-50 route %d: converged %d after %d + %d", route, info.converged,
              info.iterations, info.newton_steps);
    }
    /* an unattainable Tol: refused up front, whatever MaxIter */
    double n2[2] = {2, 1};
    nc_solve_defaults(&o);
    o.tol = 1e-300;
    o.max_iter = INT_MAX;
    nc_ctx_init(&ctx, "nc_solve");
    CHECK(nc_solve(&ctx, 2, n2, 0.01, 0.01, &o, Z, b, sv, &info) == NC_EBADARG &&
              strcmp(ctx.errid, "ncufm:badOption") == 0,
          "Tol = 1e-300: %s", ctx.errmsg);
    /* lambda_b = realmax, one iteration: an answer, and no LAPACK argument error */
    double nx[3] = {10000, 1, 1};
    nc_solve_defaults(&o);
    o.max_iter = 1;
    for (int route = 0; route < 2; ++route) {
        o.method = route ? NC_SOLVE_DENSE : NC_SOLVE_AUTO;
        nc_ctx_init(&ctx, "nc_solve");
        CHECK(nc_solve(&ctx, 3, nx, 1e-7, 1.7976931348623157e308, &o, Z, b, sv, &info) == NC_OK,
              "lambda_b = realmax: %s", ctx.errmsg);
        CHECK(fabs(b[0]) < 1e-90, "lambda_b = realmax: b = %g", b[0]);
    }
    CHECK(xerbla_calls == 0, "%d LAPACK argument errors", xerbla_calls);
}

int main(void)
{
    test_balanced_closed_form();
    test_certificate_bounds();
    test_bad_arguments();
    test_allocation_failures();
    test_interrupt();
    test_reproducers();
    return check_report("test_solve");
}
