/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The core's size arithmetic and memory checks.  Expected values follow
 * from the definitions: SIZE_MAX is the largest size_t, and a request is
 * refused exactly when it exceeds physical memory (sysconf) or what the
 * soft RLIMIT_AS leaves beyond the address space in use. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "ncufm.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

static void test_size_arithmetic(void)
{
    size_t out;
    CHECK(nc_size_mul(3, 5, &out) == 0 && out == 15, "3 * 5 = %zu", out);
    CHECK(nc_size_mul(0, SIZE_MAX, &out) == 0 && out == 0, "0 * SIZE_MAX = %zu", out);
    CHECK(nc_size_mul(SIZE_MAX / 2 + 1, 2, &out) == 1 && out == SIZE_MAX, "2^63 * 2 overflows");
    CHECK(nc_size_mul((size_t)1 << 32, (size_t)1 << 32, &out) == 1 && out == SIZE_MAX,
          "2^32 * 2^32 overflows");
    CHECK(nc_size_mul(((size_t)1 << 32) - 1, ((size_t)1 << 32) + 1, &out) == 0 &&
              out == SIZE_MAX,
          "(2^32 - 1)(2^32 + 1) = 2^64 - 1 fits");
    CHECK(nc_size_add(SIZE_MAX - 1, 1, &out) == 0 && out == SIZE_MAX, "SIZE_MAX - 1 + 1 fits");
    CHECK(nc_size_add(SIZE_MAX, 1, &out) == 1 && out == SIZE_MAX, "SIZE_MAX + 1 overflows");
    /* an overflow stays an overflow through later operations */
    size_t a, b;
    nc_size_mul(SIZE_MAX / 2, 4, &a);
    CHECK(nc_size_mul(a, 1, &b) == 1 && b == SIZE_MAX, "saturated product stays saturated");
    CHECK(nc_size_add(a, 0, &b) == 0 && b == SIZE_MAX, "saturated sum stays SIZE_MAX");
}

static int refused(size_t bytes, const char *want)
{
    nc_ctx ctx;
    nc_ctx_init(&ctx, "nc_test");
    nc_status st = nc_check_memory(&ctx, bytes, "the test's buffer");
    if (st != NC_OK) {
        CHECK(strcmp(ctx.errid, "ncufm:tooLarge") == 0, "id %s", ctx.errid);
        CHECK(strncmp(ctx.errmsg, "nc_test: the test's buffer would need ", 38) == 0,
              "message names the request: %s", ctx.errmsg);
        CHECK(!want || strstr(ctx.errmsg, want), "message names '%s': %s", want, ctx.errmsg);
    }
    return st != NC_OK;
}

static void test_memory_check(void)
{
    double phys = nc_physical_memory();
    CHECK(phys > 1e8, "physical memory known: %g bytes", phys);
    CHECK(!refused(1 << 20, NULL), "1 MB is fine");
    CHECK(refused((size_t)(phys * 1.5), "physical memory"), "1.5 x physical memory refused");
    CHECK(refused(SIZE_MAX, "overflows"), "an overflowed size refused");

    nc_ctx ctx;
    nc_ctx_init(&ctx, "nc_test");
    CHECK(nc_alloc(&ctx, SIZE_MAX / 2, 4) == NULL && strcmp(ctx.errid, "ncufm:tooLarge") == 0,
          "nc_alloc of an overflowing product: %s", ctx.errid);
    nc_ctx_init(&ctx, "nc_test");
    CHECK(nc_alloc(&ctx, (size_t)(phys / 4), 8) == NULL &&
              strcmp(ctx.errid, "ncufm:tooLarge") == 0,
          "nc_alloc of twice physical memory: %s", ctx.errid);

    /* A soft address-space limit 512 MB above what is in use: 1 GB is
     * refused naming the limit, 16 MB still allocates. */
    struct rlimit saved, rl;
    getrlimit(RLIMIT_AS, &saved);
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    double vm = 0;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmSize:", 7) == 0)
            vm = strtod(line + 7, NULL) * 1024;
    if (f)
        fclose(f);
    rl = saved;
    rl.rlim_cur = (rlim_t)(vm + 512e6);
    if (vm > 0 && (saved.rlim_max == RLIM_INFINITY || saved.rlim_max > rl.rlim_cur) &&
        setrlimit(RLIMIT_AS, &rl) == 0) {
        CHECK(refused((size_t)1 << 30, "RLIMIT_AS (ulimit -v)"), "1 GB above the limit refused");
        CHECK(!refused((size_t)16 << 20, NULL), "16 MB under the limit accepted");
        nc_ctx_init(&ctx, "nc_test");
        void *p = nc_alloc(&ctx, (size_t)1 << 27, 8);
        CHECK(p == NULL && strcmp(ctx.errid, "ncufm:tooLarge") == 0,
              "nc_alloc of 1 GB under a 512 MB limit: %s", ctx.errid);
        setrlimit(RLIMIT_AS, &saved);
    } else {
        printf("test_common: cannot lower RLIMIT_AS, limit checks skipped\n");
    }
}

int main(void)
{
    test_size_arithmetic();
    test_memory_check();
    return check_report("test_common");
}
