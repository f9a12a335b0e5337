/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The memory a call may ask for: see include/nc_size.h. */
#define _POSIX_C_SOURCE 200809L
#include "nc_size.h"

#include <stdio.h>
#include <sys/resource.h>
#include <unistd.h>

/* The process's current virtual size (Linux); 0 elsewhere. */
static double virtual_size(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long pages = 0;
    if (!f)
        return 0;
    if (fscanf(f, "%lu", &pages) != 1)
        pages = 0;
    fclose(f);
    long page = sysconf(_SC_PAGESIZE);
    return page > 0 ? (double)pages * (double)page : 0;
}

static double limit_left(int resource, double used)
{
    struct rlimit rl;
    if (getrlimit(resource, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
        return 0;
    double left = (double)rl.rlim_cur - used;
    return left > 0 ? left : 1; /* 1: at the limit already, but known */
}

double nc_memory_limit(void)
{
    double best = nc_physical_memory(), used = -1;
    const int limits[] = {RLIMIT_AS, RLIMIT_DATA};
    for (size_t i = 0; i < sizeof limits / sizeof limits[0]; ++i) {
        struct rlimit rl;
        if (getrlimit(limits[i], &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
            continue;
        if (used < 0)
            used = virtual_size();
        double left = limit_left(limits[i], used);
        if (left > 0 && (best <= 0 || left < best))
            best = left;
    }
    return best;
}

static void format_bytes(double b, char *buf, size_t len)
{
    const char *units[] = {"bytes", "KB", "MB", "GB", "TB", "PB", "EB"};
    int u = 0;
    double v = b;
    while (v >= 1000 && u < 6) {
        v /= 1000;
        ++u;
    }
    if (u == 0)
        snprintf(buf, len, "%.0f bytes", b);
    else
        snprintf(buf, len, "%.4g bytes (%.1f %s)", b, v, units[u]);
}

nc_status nc_check_memory(nc_ctx *ctx, double bytes, const char *what, const char *hint)
{
    double have = nc_memory_limit();
    if (have <= 0 || bytes <= have)
        return NC_OK;
    char need[64], avail[64];
    format_bytes(bytes, need, sizeof need);
    format_bytes(have, avail, sizeof avail);
    return nc_fail(ctx, NC_ENOMEM, "tooLarge",
                   "%s needs %s, more than the %s of memory available (physical memory and "
                   "the process limit)%s%s",
                   what, need, avail, hint ? "; " : "", hint ? hint : "");
}
