/* SPDX-License-Identifier: GPL-3.0-or-later */
/* S = nc_thresholds(k, n, lambda_b, 'LambdaZ', lZ): see m/nc_thresholds.m */
#include "nc_theory.h"
#include "ncm.h"

#include <math.h>

static const char *const option_names[] = {"LambdaZ"};
enum { OPT_LAMBDAZ, OPT_COUNT };

void mexFunction(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[])
{
    ncm_begin("nc_thresholds");
    ncm_nargs(nrhs, 2, -1, nlhs, 1);
    int *k;
    const double *n;
    size_t J = ncm_clusters(prhs[0], prhs[1], "N", &k, &n);
    double lb = 0;
    int first_option = 2;
    if (nrhs >= 3 && !mxIsChar(prhs[2])) {
        lb = ncm_scalar(prhs[2], "LAMBDA_B", "badLambda", NCM_NONNEG);
        first_option = 3;
    }
    double lZ = NAN;
    ncm_option_pairs(nrhs, first_option);
    for (int i = first_option; i < nrhs; i += 2)
        switch (ncm_option(prhs[i], option_names, OPT_COUNT)) {
        case OPT_LAMBDAZ:
            lZ = ncm_scalar(prhs[i + 1], "LambdaZ", "badLambda", NCM_POSITIVE);
            break;
        }

    mxArray *coll = mxCreateDoubleMatrix(J, 1, mxREAL), *over = mxCreateDoubleMatrix(J, 2, mxREAL);
    nc_thresholds_result r = {.collapse = mxGetPr(coll), .oversample = mxGetPr(over)};
    nc_ctx ctx;
    ncm_ctx(&ctx);
    if (nc_thresholds(&ctx, (int)J, k, n, lb, lZ, &r) != NC_OK)
        ncm_raise(&ctx);

    static const char *fields[] = {"k", "n", "lambda_b", "collapse", "separation", "zero",
                                   "lambda_Z", "minority", "ratio", "n_major", "oversample"};
    mxArray *s = mxCreateStructMatrix(1, 1, sizeof fields / sizeof *fields, fields);
    mxArray *kk = mxCreateDoubleMatrix(J, 1, mxREAL), *nn = mxCreateDoubleMatrix(J, 1, mxREAL);
    for (size_t j = 0; j < J; ++j) {
        mxGetPr(kk)[j] = k[j];
        mxGetPr(nn)[j] = n[j];
    }
    ncm_set(s, "k", kk);
    ncm_set(s, "n", nn);
    ncm_set(s, "lambda_b", ncm_real_scalar(lb));
    ncm_set(s, "collapse", coll);
    ncm_set(s, "separation", ncm_real_scalar(r.separation));
    ncm_set(s, "zero", ncm_real_scalar(r.zero));
    ncm_set(s, "lambda_Z", ncm_real_scalar(lZ));
    ncm_set(s, "minority", ncm_real_scalar(r.minority + 1));
    ncm_set(s, "ratio", ncm_real_scalar(r.ratio));
    ncm_set(s, "n_major", ncm_real_scalar(r.n_major));
    ncm_set(s, "oversample", over);
    plhs[0] = s;
}
