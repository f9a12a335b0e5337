/* SPDX-License-Identifier: GPL-3.0-or-later */
/* T = nc_theory(k, n, lambda_Z, lambda_b): see m/nc_theory.m */
#include "nc_theory.h"
#include "ncm.h"

#include <math.h>

void mexFunction(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[])
{
    ncm_begin("nc_theory");
    ncm_nargs(nrhs, 4, 4, nlhs, 1);
    int *k;
    const double *n;
    size_t J = ncm_clusters(prhs[0], prhs[1], "N", &k, &n);
    double lZ = ncm_scalar(prhs[2], "LAMBDA_Z", "badLambda", NCM_POSITIVE);
    double lb = ncm_scalar(prhs[3], "LAMBDA_B", "badLambda", NCM_NONNEG);
    size_t K = 0;
    for (size_t j = 0; j < J; ++j)
        K += (size_t)k[j];
    if (K > 4000)
        ncm_error("badK", "K describes %zu classes; at most 4000 are supported (Zbar is K x K)", K);

    mxArray *alpha = mxCreateDoubleMatrix(J, 1, mxREAL), *beta = mxCreateDoubleMatrix(J, 1, mxREAL),
            *delta = mxCreateDoubleMatrix(J, 1, mxREAL), *gamma = mxCreateDoubleMatrix(J, J, mxREAL),
            *bias = mxCreateDoubleMatrix(J, 1, mxREAL), *Zbar = mxCreateDoubleMatrix(K, K, mxREAL),
            *b = mxCreateDoubleMatrix(K, 1, mxREAL), *sv = mxCreateDoubleMatrix(K, 1, mxREAL),
            *bsv = mxCreateDoubleMatrix(J - 1, 1, mxREAL);
    int *coll = mxMalloc(J * sizeof *coll);
    nc_theory_result r = {.alpha = mxGetPr(alpha), .beta = mxGetPr(beta),
                          .delta = mxGetPr(delta), .gamma = mxGetPr(gamma),
                          .bias = mxGetPr(bias), .collapsed = coll, .Zbar = mxGetPr(Zbar),
                          .b = mxGetPr(b), .sv = mxGetPr(sv), .between_sv = mxGetPr(bsv)};
    nc_ctx ctx;
    ncm_ctx(&ctx);
    if (nc_theory(&ctx, (int)J, k, n, lZ, lb, &r) != NC_OK)
        ncm_raise(&ctx); /* Octave frees the mx arrays and mxMalloc memory */
    if (!(r.kkt < 1e-8))
        ncm_warning("notCertified",
                    "the optimality conditions hold only to %.3g (relative); the answer may be "
                    "inexact",
                    r.kkt);

    static const char *fields[] = {"k", "n", "lambda_Z", "lambda_b", "alpha", "beta", "delta",
                                   "gamma", "bias", "collapsed", "Zbar", "b", "sv", "between_sv",
                                   "between_rank", "objective", "kkt", "newton_steps"};
    mxArray *s = mxCreateStructMatrix(1, 1, sizeof fields / sizeof *fields, fields);
    mxArray *kk = mxCreateDoubleMatrix(J, 1, mxREAL), *nn = mxCreateDoubleMatrix(J, 1, mxREAL);
    mxArray *cl = mxCreateLogicalMatrix(J, 1);
    mxLogical *clp = mxGetLogicals(cl);
    for (size_t j = 0; j < J; ++j) {
        mxGetPr(kk)[j] = k[j];
        mxGetPr(nn)[j] = n[j];
        clp[j] = coll[j] != 0;
    }
    ncm_set(s, "k", kk);
    ncm_set(s, "n", nn);
    ncm_set(s, "lambda_Z", ncm_real_scalar(lZ));
    ncm_set(s, "lambda_b", ncm_real_scalar(lb));
    ncm_set(s, "alpha", alpha);
    ncm_set(s, "beta", beta);
    ncm_set(s, "delta", delta);
    ncm_set(s, "gamma", gamma);
    ncm_set(s, "bias", bias);
    ncm_set(s, "collapsed", cl);
    ncm_set(s, "Zbar", Zbar);
    ncm_set(s, "b", b);
    ncm_set(s, "sv", sv);
    ncm_set(s, "between_sv", bsv);
    ncm_set(s, "between_rank", ncm_real_scalar(r.between_rank));
    ncm_set(s, "objective", ncm_real_scalar(r.objective));
    ncm_set(s, "kkt", ncm_real_scalar(r.kkt));
    ncm_set(s, "newton_steps", ncm_real_scalar(r.newton_steps));
    plhs[0] = s;
}
