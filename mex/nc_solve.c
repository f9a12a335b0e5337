/* SPDX-License-Identifier: GPL-3.0-or-later */
/* [Zbar, b, info] = nc_solve(n, lambda_Z, lambda_b, ...): see m/nc_solve.m */
#include "nc_solve.h"
#include "ncm.h"

#include <string.h>

static const char *const option_names[] = {"Tol", "MaxIter", "Zbar0", "b0", "Verbose"};
enum { OPT_TOL, OPT_MAXITER, OPT_ZBAR0, OPT_B0, OPT_VERBOSE, OPT_COUNT };

void mexFunction(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[])
{
    ncm_begin("nc_solve");
    ncm_nargs(nrhs, 3, -1, nlhs, 3);
    size_t K;
    const double *n = ncm_vector(prhs[0], "N", "badCounts", NCM_POSITIVE, 0, &K);
    if (K < 2)
        ncm_error("badCounts", "N must have at least 2 classes");
    if (K > 100000)
        ncm_error("badCounts", "N has %zu classes; at most 100000 are supported", K);
    double lZ = ncm_scalar(prhs[1], "LAMBDA_Z", "badLambda", NCM_POSITIVE);
    double lb = ncm_scalar(prhs[2], "LAMBDA_B", "badLambda", NCM_NONNEG);

    nc_solve_opts opts;
    nc_solve_defaults(&opts);
    ncm_option_pairs(nrhs, 3);
    for (int i = 3; i < nrhs; i += 2) {
        size_t r, c;
        switch (ncm_option(prhs[i], option_names, OPT_COUNT)) {
        case OPT_TOL:
            opts.tol = ncm_scalar(prhs[i + 1], "Tol", "badOption", NCM_POSITIVE);
            break;
        case OPT_MAXITER:
            opts.max_iter = ncm_count(prhs[i + 1], "MaxIter", 0);
            break;
        case OPT_ZBAR0:
            opts.Zbar0 = ncm_matrix(prhs[i + 1], "Zbar0", "badOption", NCM_FINITE | NCM_EMPTY_OK,
                                    K, K, &r, &c);
            if (r * c == 0)
                opts.Zbar0 = NULL;
            break;
        case OPT_B0:
            opts.b0 = ncm_vector(prhs[i + 1], "b0", "badOption", NCM_FINITE | NCM_EMPTY_OK, K, &r);
            break;
        case OPT_VERBOSE:
            opts.verbose = ncm_count(prhs[i + 1], "Verbose", 0);
            break;
        }
    }

    nc_ctx ctx;
    ncm_ctx(&ctx);
    if (nc_solve_fits(&ctx, (int)K))
        ncm_raise(&ctx);
    mxArray *Zbar = mxCreateDoubleMatrix(K, K, mxREAL);
    mxArray *b = mxCreateDoubleMatrix(K, 1, mxREAL);
    mxArray *sv = mxCreateDoubleMatrix(K, 1, mxREAL);
    nc_solve_info info;
    if (nc_solve(&ctx, (int)K, n, lZ, lb, &opts, mxGetPr(Zbar), mxGetPr(b), mxGetPr(sv), &info)) {
        mxDestroyArray(Zbar);
        mxDestroyArray(b);
        mxDestroyArray(sv);
        ncm_raise(&ctx);
    }
    if (!info.converged)
        ncm_warning("notConverged",
                    "stopped after %d iterations with gap %.3g above the tolerance %.3g; "
                    "raise MaxIter or Tol",
                    info.iterations, info.gap, opts.tol * info.objective);
    static const char *fields[] = {"objective", "dual", "gap", "iterations", "newton_steps",
                                   "rank", "sv", "converged", "time"};
    mxArray *s = mxCreateStructMatrix(1, 1, 9, fields);
    ncm_set(s, "objective", ncm_real_scalar(info.objective));
    ncm_set(s, "dual", ncm_real_scalar(info.dual));
    ncm_set(s, "gap", ncm_real_scalar(info.gap));
    ncm_set(s, "iterations", ncm_real_scalar(info.iterations));
    ncm_set(s, "newton_steps", ncm_real_scalar(info.newton_steps));
    ncm_set(s, "rank", ncm_real_scalar(info.rank));
    ncm_set(s, "sv", sv);
    ncm_set(s, "converged", ncm_bool(info.converged));
    ncm_set(s, "time", ncm_real_scalar(info.time));
    plhs[0] = Zbar;
    if (nlhs > 1)
        plhs[1] = b;
    else
        mxDestroyArray(b);
    if (nlhs > 2)
        plhs[2] = s;
    else
        mxDestroyArray(s);
}
