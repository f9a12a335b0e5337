/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Workspace carving for the theory core: a layout function lays out every
 * array with th_carve, once to measure (base NULL) and once, after one
 * allocation, to assign.  Sizes are overflow-checked. */
#include "theory_internal.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Offsets stay multiples of this, so that every array keeps the alignment
 * of the block (malloc's, enough for doubles and ints). */
#define TH_ALIGN 16

void *th_carve(th_carver *cv, size_t rows, size_t cols, size_t size)
{
    size_t count = rows * cols, bytes = count * size;
    if ((rows != 0 && count / rows != cols) || (size != 0 && bytes / size != count) ||
        bytes > SIZE_MAX - TH_ALIGN - cv->used)
        cv->overflow = 1;
    if (cv->overflow)
        return NULL;
    void *ptr = cv->base ? cv->base + cv->used : NULL;
    cv->used += (bytes + TH_ALIGN - 1) / TH_ALIGN * TH_ALIGN;
    return ptr;
}

nc_status th_carve_alloc(nc_ctx *ctx, th_carver *cv, const char *what)
{
    nc_status st = nc_check_memory(ctx, cv->overflow ? SIZE_MAX : cv->used, what);
    if (st != NC_OK)
        return st;
    cv->base = nc_calloc(ctx, cv->used ? cv->used : 1, 1);
    if (!cv->base)
        return ctx->status;
    cv->used = 0;
    return NC_OK;
}

nc_status th_solver_open(nc_ctx *ctx, th_solver *s, int J, const int *k, const double *n,
                         double lZ, double lb, const char *what)
{
    memset(s, 0, sizeof *s);
    s->e.lwork = th_engine_lwork(J);
    char name[128];
    snprintf(name, sizeof name, "%s's workspace (J = %d clusters)", what, J);
    th_carver cv = {0};
    for (int pass = 0; pass < 2; ++pass) {
        th_problem_layout(&cv, &s->p, J);
        th_engine_layout(&cv, &s->e, J);
        if (pass == 0) {
            nc_status st = th_carve_alloc(ctx, &cv, name);
            if (st != NC_OK)
                return st;
        }
    }
    s->block = cv.base;
    th_problem_set(&s->p, J, k, n, lZ, lb);
    s->e.p = &s->p;
    return NC_OK;
}

void th_solver_close(nc_ctx *ctx, th_solver *s)
{
    nc_free(ctx, s->block);
    s->block = NULL;
}
