/* SPDX-License-Identifier: GPL-3.0-or-later */
#define _POSIX_C_SOURCE 200809L
#include "ncufm.h"

#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

void nc_ctx_init(nc_ctx *ctx, const char *fname)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->fname = fname ? fname : "ncufm";
    /* GSL's default handler calls abort(), which would kill Octave. */
    gsl_set_error_handler_off();
}

nc_status nc_fail(nc_ctx *ctx, nc_status status, const char *reason,
                  const char *fmt, ...)
{
    /* Keep the first error: later ones are usually its consequences. */
    if (ctx->status != NC_OK)
        return ctx->status;
    ctx->status = status;
    snprintf(ctx->errid, sizeof ctx->errid, "ncufm:%s", reason);
    int used = snprintf(ctx->errmsg, sizeof ctx->errmsg, "%s: ", ctx->fname);
    if (used < 0 || (size_t)used >= sizeof ctx->errmsg)
        return status;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ctx->errmsg + used, sizeof ctx->errmsg - (size_t)used, fmt, ap);
    va_end(ap);
    return status;
}

nc_status nc_check_counts(nc_ctx *ctx, int K, const double *n)
{
    if (K < 2)
        return nc_fail(ctx, NC_EBADARG, "badCounts", "N must have at least 2 classes");
    double N = 0;
    for (int k = 0; k < K; ++k) {
        if (!(n[k] > 0) || !isfinite(n[k]))
            return nc_fail(ctx, NC_EBADARG, "badCounts",
                           "N must hold positive finite class counts (entry %d is %g)", k + 1,
                           n[k]);
        N += n[k];
    }
    if (!isfinite(N))
        return nc_fail(ctx, NC_EBADARG, "badCounts",
                       "N must have a finite total; its counts sum beyond double precision");
    return NC_OK;
}

nc_status nc_check_lambdas(nc_ctx *ctx, double lZ, double lb)
{
    if (!(lZ > 0) || !isfinite(lZ))
        return nc_fail(ctx, NC_EBADARG, "badLambda",
                       "LAMBDA_Z must be a positive finite scalar");
    if (!(lb >= 0) || !isfinite(lb))
        return nc_fail(ctx, NC_EBADARG, "badLambda",
                       "LAMBDA_B must be a nonnegative finite scalar");
    return NC_OK;
}

/* Requests from this size on are checked against the memory limits: a
 * smaller one cannot exceed them unless memory is already exhausted, and
 * the check reads /proc. */
#define NC_CHECKED_ALLOC ((size_t)64 << 20)

void *nc_alloc(nc_ctx *ctx, size_t count, size_t size)
{
    size_t bytes;
    nc_size_mul(count, size, &bytes);
    if (bytes >= NC_CHECKED_ALLOC && nc_check_memory(ctx, bytes, "a workspace"))
        return NULL;
    if (bytes == 0)
        bytes = 1;
    void *p = ctx->alloc ? ctx->alloc(bytes, ctx->user) : malloc(bytes);
    if (!p)
        nc_fail(ctx, NC_ENOMEM, "outOfMemory", "out of memory allocating %zu bytes",
                bytes);
    return p;
}

void *nc_calloc(nc_ctx *ctx, size_t count, size_t size)
{
    void *p = nc_alloc(ctx, count, size);
    if (p && count && size)
        memset(p, 0, count * size);
    return p;
}

void nc_free(nc_ctx *ctx, void *ptr)
{
    if (!ptr)
        return;
    if (ctx->release)
        ctx->release(ptr, ctx->user);
    else
        free(ptr);
}

void nc_printf(nc_ctx *ctx, const char *fmt, ...)
{
    if (!ctx->print)
        return;
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    ctx->print(buf, ctx->user);
}

int nc_interrupted(nc_ctx *ctx)
{
    if (ctx->interrupted && ctx->interrupted(ctx->user)) {
        nc_fail(ctx, NC_EINTERRUPT, "interrupted", "interrupted by the user");
        return 1;
    }
    return 0;
}

/* Weak: resolved only when the BLAS in use is OpenBLAS. */
extern void openblas_set_num_threads(int) __attribute__((weak));
extern int openblas_get_num_threads(void) __attribute__((weak));

int nc_blas_threads(int threads)
{
    if (!openblas_set_num_threads || !openblas_get_num_threads)
        return 0;
    int previous = openblas_get_num_threads();
    if (threads > 0 && threads != previous)
        openblas_set_num_threads(threads);
    return previous;
}

double nc_physical_memory(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
    return pages > 0 && size > 0 ? (double)pages * (double)size : 0.0;
}

int nc_size_mul(size_t a, size_t b, size_t *out)
{
    if (a == SIZE_MAX || b == SIZE_MAX || (a != 0 && b > SIZE_MAX / a)) {
        *out = (a == 0 || b == 0) ? 0 : SIZE_MAX;
        return *out != 0;
    }
    *out = a * b;
    return 0;
}

int nc_size_add(size_t a, size_t b, size_t *out)
{
    if (b > SIZE_MAX - a) {
        *out = SIZE_MAX;
        return 1;
    }
    *out = a + b;
    return 0;
}

/* "16 GB"-style, decimal units, three significant digits. */
static void format_bytes(double bytes, char *buf, size_t len)
{
    static const char *const units[] = {"bytes", "kB", "MB", "GB", "TB", "PB", "EB"};
    int u = 0;
    while (bytes >= 1000 && u < 6) {
        bytes /= 1000;
        ++u;
    }
    snprintf(buf, len, u ? "%.3g %s" : "%.0f %s", bytes, units[u]);
}

/* A field of /proc/self/status in bytes, 0 where there is no /proc. */
static double proc_status_bytes(const char *field)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return 0;
    char line[256];
    size_t len = strlen(field);
    double kb = 0;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, field, len) == 0 && line[len] == ':') {
            kb = strtod(line + len + 1, NULL);
            break;
        }
    fclose(f);
    return kb * 1024.0;
}

/* What the soft limit RESOURCE leaves beyond the usage reported in FIELD
 * (the kernel counts RLIMIT_AS against VmSize, RLIMIT_DATA against VmData);
 * a negative value when there is no limit. */
static double rlimit_room(int resource, const char *field, double *limit, double *used)
{
    struct rlimit rl;
    if (getrlimit(resource, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
        return -1;
    *limit = (double)rl.rlim_cur;
    *used = proc_status_bytes(field);
    return *limit > *used ? *limit - *used : 0;
}

nc_status nc_check_memory(nc_ctx *ctx, size_t bytes, const char *what)
{
    char asked[32], lim[32], use[32], room_text[32];
    double need = (double)bytes, phys = nc_physical_memory(), limit = 0, used = 0;
    format_bytes(need, asked, sizeof asked);
    if (bytes == SIZE_MAX)
        return nc_fail(ctx, NC_ENOMEM, "tooLarge",
                       "%s would need more than %s (the size overflows); reduce the sizes",
                       what, asked);
    if (phys > 0 && need > phys) {
        format_bytes(phys, lim, sizeof lim);
        return nc_fail(ctx, NC_ENOMEM, "tooLarge",
                       "%s would need %s (%.0f bytes), more than the %s of physical memory; "
                       "reduce the sizes",
                       what, asked, need, lim);
    }
    static const struct {
        int resource;
        const char *field, *name;
    } limits[] = {{RLIMIT_AS, "VmSize", "RLIMIT_AS (ulimit -v)"},
                  {RLIMIT_DATA, "VmData", "RLIMIT_DATA (ulimit -d)"}};
    for (size_t i = 0; i < sizeof limits / sizeof limits[0]; ++i) {
        double room = rlimit_room(limits[i].resource, limits[i].field, &limit, &used);
        if (room >= 0 && need > room) {
            format_bytes(room, room_text, sizeof room_text);
            format_bytes(limit, lim, sizeof lim);
            format_bytes(used, use, sizeof use);
            return nc_fail(ctx, NC_ENOMEM, "tooLarge",
                           "%s would need %s (%.0f bytes), more than the %s that the process "
                           "limit %s leaves (limit %s, %s in use); reduce the sizes or raise "
                           "the limit",
                           what, asked, need, room_text, limits[i].name, lim, use);
        }
    }
    return NC_OK;
}

double nc_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void nc_format_duration(double s, char *buf, size_t len)
{
    if (!(s >= 0))
        snprintf(buf, len, "?");
    else if (s < 60)
        snprintf(buf, len, "%.1f s", s);
    else if (s < 3600)
        snprintf(buf, len, "%d min %02d s", (int)(s / 60), (int)s % 60);
    else
        snprintf(buf, len, "%d h %02d min", (int)(s / 3600), ((int)s % 3600) / 60);
}
