/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Benchmark baseline only (compiled by bench/bench_metrics.m into a temporary
 * folder, not part of the toolbox): one memory-bound pass over a single or
 * double matrix, summing it with four independent accumulators so that the
 * pass is limited by memory bandwidth, not by the latency of one addition. */
#include "mex.h"

void mexFunction(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[])
{
    if (nrhs != 1 || !(mxIsDouble(prhs[0]) || mxIsSingle(prhs[0])) || mxIsComplex(prhs[0]))
        mexErrMsgIdAndTxt("ncufm:badArg", "nc_bench_pass: needs one real matrix");
    size_t n = mxGetNumberOfElements(prhs[0]), i = 0;
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    if (mxIsSingle(prhs[0])) {
        const float *x = (const float *)mxGetData(prhs[0]);
        for (; i + 4 <= n; i += 4) {
            s0 += x[i];
            s1 += x[i + 1];
            s2 += x[i + 2];
            s3 += x[i + 3];
        }
        for (; i < n; ++i)
            s0 += x[i];
    } else {
        const double *x = mxGetPr(prhs[0]);
        for (; i + 4 <= n; i += 4) {
            s0 += x[i];
            s1 += x[i + 1];
            s2 += x[i + 2];
            s3 += x[i + 3];
        }
        for (; i < n; ++i)
            s0 += x[i];
    }
    (void)nlhs;
    plhs[0] = mxCreateDoubleScalar(s0 + s1 + s2 + s3);
}
