/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A minimal unit-test harness for the C core: CHECK records a pass or a
 * failure with its location; check_report prints "name: N passed, N failed"
 * and returns the exit status. */
#ifndef NC_CHECK_H
#define NC_CHECK_H

#include <math.h>
#include <stdio.h>

static int check_passed, check_failed;

#define CHECK(cond, ...)                                                   \
    do {                                                                   \
        if (cond) {                                                        \
            ++check_passed;                                                \
        } else {                                                           \
            ++check_failed;                                                \
            fprintf(stderr, "%s:%d: FAILED: ", __FILE__, __LINE__);        \
            fprintf(stderr, __VA_ARGS__);                                  \
            fputc('\n', stderr);                                           \
        }                                                                  \
    } while (0)

#define CHECK_CLOSE(a, b, tol, what)                                       \
    CHECK(fabs((double)(a) - (double)(b)) <= (tol), "%s: %.17g vs %.17g (tol %g)", what, \
          (double)(a), (double)(b), (double)(tol))

static int check_report(const char *name)
{
    printf("%s: %d passed, %d failed\n", name, check_passed, check_failed);
    return check_failed ? 1 : 0;
}

#endif
