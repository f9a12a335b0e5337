/* SPDX-License-Identifier: GPL-3.0-or-later */
/* [Zbar, b, info] = nc_solve(n, lambda_Z, lambda_b, ...): see m/nc_solve.m */
#include "nc_solve.h"
#include "ncm.h"

enum { IN_COUNTS, IN_LAMBDA_Z, IN_LAMBDA_B, IN_OPTIONS };
enum { OUT_ZBAR, OUT_B, OUT_INFO };

static const char *const option_names[] = {"Tol", "TolX", "MaxIter", "Zbar0",
                                           "b0",  "Verbose", "Method"};
enum { OPT_TOL, OPT_TOLX, OPT_MAXITER, OPT_ZBAR0, OPT_B0, OPT_VERBOSE, OPT_METHOD, OPT_COUNT };
static const char *const methods[] = {"auto", "dense", "clusters"};

static void read_options(int nrhs, const mxArray *prhs[], size_t K, nc_solve_opts *o)
{
    nc_solve_defaults(o);
    ncm_option_pairs(nrhs, IN_OPTIONS);
    for (int i = IN_OPTIONS; i < nrhs; i += 2) {
        size_t r, c;
        const mxArray *v = prhs[i + 1];
        switch (ncm_option(prhs[i], option_names, OPT_COUNT)) {
        case OPT_TOL:
            o->tol = ncm_scalar(v, "Tol", "badOption", NCM_POSITIVE);
            break;
        case OPT_TOLX:
            o->tolx = ncm_scalar(v, "TolX", "badOption", NCM_POSITIVE);
            break;
        case OPT_MAXITER:
            o->max_iter = ncm_count(v, "MaxIter", 0);
            break;
        case OPT_ZBAR0:
            o->Zbar0 = ncm_matrix(v, "Zbar0", "badOption", NCM_FINITE | NCM_EMPTY_OK, K, K, &r, &c);
            if (r * c == 0)
                o->Zbar0 = NULL;
            break;
        case OPT_B0:
            o->b0 = ncm_vector(v, "b0", "badOption", NCM_FINITE | NCM_EMPTY_OK, K, &r);
            break;
        case OPT_VERBOSE:
            o->verbose = ncm_count(v, "Verbose", 0);
            break;
        case OPT_METHOD:
            o->method = (nc_solve_method)ncm_choice(v, "Method", methods, 3);
            break;
        }
    }
}

void mexFunction(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[])
{
    ncm_begin("nc_solve");
    ncm_nargs(nrhs, 3, -1, nlhs, 3);
    size_t K;
    const double *n = ncm_vector(prhs[IN_COUNTS], "N", "badCounts", NCM_POSITIVE, 0, &K);
    if (K < 2)
        ncm_error("badCounts", "N must have at least 2 classes");
    if (K > 100000)
        ncm_error("badCounts", "N has %zu classes; at most 100000 are supported", K);
    double lZ = ncm_scalar(prhs[IN_LAMBDA_Z], "LAMBDA_Z", "badLambda", NCM_POSITIVE);
    double lb = ncm_scalar(prhs[IN_LAMBDA_B], "LAMBDA_B", "badLambda", NCM_NONNEG);
    nc_solve_opts opts;
    read_options(nrhs, prhs, K, &opts);

    nc_ctx ctx;
    ncm_ctx(&ctx);
    if (nc_solve_fits_counts(&ctx, (int)K, n, opts.method))
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
    const ncm_field fields[] = {
        {"objective", ncm_real_scalar(info.objective)},
        {"dual", ncm_real_scalar(info.dual)},
        {"gap", ncm_real_scalar(info.gap)},
        {"kkt", ncm_real_scalar(info.kkt)},
        {"dist", ncm_real_scalar(info.dist)},
        {"iterations", ncm_real_scalar(info.iterations)},
        {"newton_steps", ncm_real_scalar(info.newton_steps)},
        {"cg_iterations", ncm_real_scalar(info.cg_iterations)},
        {"rank", ncm_real_scalar(info.rank)},
        {"sv", sv},
        {"clusters", ncm_real_scalar(info.clusters)},
        {"converged", ncm_bool(info.converged)},
        {"time", ncm_real_scalar(info.time)},
    };
    mxArray *s = NCM_STRUCT(fields);
    plhs[OUT_ZBAR] = Zbar;
    if (nlhs > OUT_B)
        plhs[OUT_B] = b;
    else
        mxDestroyArray(b);
    if (nlhs > OUT_INFO)
        plhs[OUT_INFO] = s;
    else
        mxDestroyArray(s);
}
