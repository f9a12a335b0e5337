/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_selftest(v, mode): undefined behaviour on request, so that the
 * fuzzer can check that its sanitized build reports it and that it names
 * the call.  mode 1 converts v to int (out of range for v = 1e300),
 * mode 2 writes one byte past a 4-byte block.  Built only for make fuzz. */
#include "mex.h"

void mexFunction(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[])
{
    (void)nlhs;
    (void)plhs;
    if (nrhs != 2)
        mexErrMsgIdAndTxt("ncufm:badArgCount", "fuzz_selftest: needs V and MODE");
    double v = mxGetScalar(prhs[0]);
    int mode = (int)mxGetScalar(prhs[1]);
    if (mode == 1)
        mexPrintf("%d\n", (int)v);
    if (mode == 2) {
        volatile char *p = mxMalloc(4);
        p[4] = 1;
        mxFree((void *)p);
    }
}
