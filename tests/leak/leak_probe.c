/* SPDX-License-Identifier: GPL-3.0-or-later */
/* m = leak_probe(): heap in use under valgrind's memcheck, as
 * [bytes blocks], counting every live block (reachable or not): a gateway
 * that leaks makes it grow with the number of calls, whether or not a stale
 * copy of the lost pointer still lies somewhere in memory.  [NaN NaN]
 * outside valgrind. */
#include "mex.h"

#include <math.h>
#include <valgrind/memcheck.h>

void mexFunction(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[])
{
    (void)nlhs;
    (void)nrhs;
    (void)prhs;
    unsigned long leaked = 0, dubious = 0, reachable = 0, suppressed = 0;
    unsigned long b_leaked = 0, b_dubious = 0, b_reachable = 0, b_suppressed = 0;
    plhs[0] = mxCreateDoubleMatrix(1, 2, mxREAL);
    double *out = mxGetPr(plhs[0]);
    if (!RUNNING_ON_VALGRIND) {
        out[0] = out[1] = NAN;
        return;
    }
    VALGRIND_DO_QUICK_LEAK_CHECK;
    VALGRIND_COUNT_LEAKS(leaked, dubious, reachable, suppressed);
    VALGRIND_COUNT_LEAK_BLOCKS(b_leaked, b_dubious, b_reachable, b_suppressed);
    out[0] = (double)(leaked + dubious + reachable + suppressed);
    out[1] = (double)(b_leaked + b_dubious + b_reachable + b_suppressed);
}
