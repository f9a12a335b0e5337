/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Benchmark helper only (compiled by bench/bench_solve.m into a temporary
 * folder, not part of the toolbox):
 *   [latency, status, cpu] = nc_bench_interrupt(n, lambda_Z, lambda_b, delay)
 * runs nc_solve with an interrupt probe that starts answering "stop" DELAY
 * seconds of this process's CPU time after the call, as Ctrl-C pressed then
 * would, and returns the seconds of wall clock (and of CPU time) from that
 * moment to nc_solve's return (NaN when the solve ended first) and its
 * status (4 = interrupted).  CPU time keeps the measure meaningful when
 * other processes share the cores. */
#include "mex.h"
#include "nc_solve.h"

#include <math.h>
#include <stdlib.h>
#include <time.h>

static double fire_cpu, fired_wall;

static double cpu_now(void) { return (double)clock() / CLOCKS_PER_SEC; }

static int probe(void *user)
{
    (void)user;
    if (cpu_now() < fire_cpu)
        return 0;
    if (!(fired_wall > 0))
        fired_wall = nc_now(); /* the first poll after the request */
    return 1;
}

void mexFunction(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[])
{
    if (nrhs != 4 || !mxIsDouble(prhs[0]) || mxGetNumberOfElements(prhs[0]) < 2)
        mexErrMsgIdAndTxt("ncufm:badArg", "nc_bench_interrupt: (n, lambda_Z, lambda_b, delay)");
    int K = (int)mxGetNumberOfElements(prhs[0]);
    double *Z = malloc(sizeof(double) * (size_t)K * (size_t)K), *b = malloc(sizeof(double) * K),
           *sv = malloc(sizeof(double) * K);
    if (!Z || !b || !sv)
        mexErrMsgIdAndTxt("ncufm:outOfMemory", "nc_bench_interrupt: out of memory");
    nc_ctx ctx;
    nc_ctx_init(&ctx, "nc_bench_interrupt");
    ctx.interrupted = probe;
    nc_solve_info info;
    fire_cpu = cpu_now() + mxGetScalar(prhs[3]);
    fired_wall = 0;
    nc_status st = nc_solve(&ctx, K, mxGetPr(prhs[0]), mxGetScalar(prhs[1]), mxGetScalar(prhs[2]),
                            NULL, Z, b, sv, &info);
    double end = nc_now(), end_cpu = cpu_now();
    free(Z);
    free(b);
    free(sv);
    int fired = st == NC_EINTERRUPT;
    /* the CPU time from the request to the return (all of it computing the
     * solver did after the request), and the wall time from the first poll
     * that saw it */
    plhs[0] = mxCreateDoubleScalar(fired ? end - fired_wall : NAN);
    if (nlhs > 1)
        plhs[1] = mxCreateDoubleScalar((double)st);
    if (nlhs > 2)
        plhs[2] = mxCreateDoubleScalar(fired ? end_cpu - fire_cpu : NAN);
}
