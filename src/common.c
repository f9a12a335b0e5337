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

void *nc_alloc(nc_ctx *ctx, size_t count, size_t size)
{
    if (count != 0 && size > SIZE_MAX / count) {
        nc_fail(ctx, NC_ENOMEM, "outOfMemory", "allocation size overflows");
        return NULL;
    }
    size_t bytes = (count != 0 && size != 0) ? count * size : 1;
    void *p = ctx->alloc ? ctx->alloc(bytes, ctx->user) : malloc(bytes);
    if (!p)
        nc_fail(ctx, NC_ENOMEM, "outOfMemory", "out of memory allocating %zu bytes",
                bytes);
    return p;
}

void *nc_calloc(nc_ctx *ctx, size_t count, size_t size)
{
    void *p = nc_alloc(ctx, count, size);
    if (p)
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
