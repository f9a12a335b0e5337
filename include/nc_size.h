/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Sizes that cannot overflow, and the memory a call may ask for.
 *
 * Every size built from numbers that come from a file or a caller (shapes,
 * offsets, counts) goes through nc_size_mul / nc_size_add, so that a hostile
 * header cannot wrap a product around and slip past a bounds check.  Large
 * allocations go through nc_check_memory first: Linux overcommits, so an
 * allocation beyond the machine's memory may "succeed" and the process be
 * killed later, when the pages are touched.
 */
#ifndef NC_SIZE_H
#define NC_SIZE_H

#include "ncufm.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* *out = a * b for a, b >= 0; returns 0 (and leaves *out alone) when the
 * product does not fit in a long long or an operand is negative. */
static inline int nc_size_mul(long long a, long long b, long long *out)
{
    if (a < 0 || b < 0)
        return 0;
    if (a != 0 && b > INT64_MAX / a)
        return 0;
    *out = a * b;
    return 1;
}

/* *out = a + b for a, b >= 0, with the same contract. */
static inline int nc_size_add(long long a, long long b, long long *out)
{
    if (a < 0 || b < 0 || b > INT64_MAX - a)
        return 0;
    *out = a + b;
    return 1;
}

/* Bytes this process may still allocate: the smaller of the physical
 * memory and what the address-space and data limits (ulimit -v, -d) leave
 * above the current use.  0 when nothing is known. */
double nc_memory_limit(void);

/* Fails with ncufm:tooLarge when BYTES exceed nc_memory_limit().  The
 * message reads "WHAT needs B bytes (...), more than the M bytes of memory
 * available; HINT" (HINT may be NULL). */
nc_status nc_check_memory(nc_ctx *ctx, double bytes, const char *what, const char *hint);

#ifdef __cplusplus
}
#endif

#endif
