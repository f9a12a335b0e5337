/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of the solver core: closed form, weak duality of the
 * certificate, and error paths (bad arguments, failing allocator, interrupt). */
#include "check.h"
#include "nc_solve.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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
    for (int budget = 0; budget < 40; ++budget) {
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

static int interrupt_after;
static int fake_interrupt(void *user)
{
    (void)user;
    return --interrupt_after < 0;
}

static void test_interrupt(void)
{
    double n[6] = {5000, 5000, 200, 200, 10, 3}, Z[36], b[6], sv[6];
    nc_solve_info info;
    nc_ctx ctx;
    nc_ctx_init(&ctx, "nc_solve");
    ctx.interrupted = fake_interrupt;
    interrupt_after = 0;
    CHECK(nc_solve(&ctx, 6, n, 1e-6, 0.01, NULL, Z, b, sv, &info) == NC_EINTERRUPT,
          "interrupt honoured");
    CHECK(strcmp(ctx.errid, "ncufm:interrupted") == 0, "id %s", ctx.errid);
}

int main(void)
{
    test_balanced_closed_form();
    test_certificate_bounds();
    test_bad_arguments();
    test_allocation_failures();
    test_interrupt();
    return check_report("test_solve");
}
