/* SPDX-License-Identifier: GPL-3.0-or-later */
/* L = nc_limit(k, rho, lambda_N, nB, lambda_b): see m/nc_limit.m */
#include "nc_theory.h"
#include "ncm.h"

void mexFunction(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[])
{
    ncm_begin("nc_limit");
    ncm_nargs(nrhs, 5, 5, nlhs, 1);
    int *k;
    const double *rho;
    size_t J = ncm_clusters(prhs[0], prhs[1], "RHO", &k, &rho);
    double LN = ncm_scalar(prhs[2], "LAMBDA_N", "badLambda", NCM_POSITIVE);
    size_t T;
    const double *nB = ncm_vector(prhs[3], "NB", "badN", NCM_POSITIVE, 0, &T);
    if (T > 10000000)
        ncm_error("badN", "NB has %zu entries; at most 1e7 are supported", T);
    double lb = ncm_scalar(prhs[4], "LAMBDA_B", "badLambda", NCM_NONNEG);
    size_t K = 0;
    for (size_t j = 0; j < J; ++j)
        K += (size_t)k[j];
    if (K > 4000)
        ncm_error("badK", "K describes %zu classes; at most 4000 are supported", K);

    nc_ctx ctx;
    ncm_ctx(&ctx);
    size_t bytes; /* outputs: J x J x T cosines, two J x T and four 1 x T rows */
    nc_size_mul((J + 2) * J + 4, T * sizeof(double), &bytes);
    if (nc_check_memory(&ctx, bytes, "the outputs (J x J cosines per entry of NB)"))
        ncm_raise(&ctx);
    mxArray *dist = mxCreateDoubleMatrix(1, T, mxREAL), *cw = mxCreateDoubleMatrix(J, T, mxREAL),
            *dl = mxCreateDoubleMatrix(J, T, mxREAL);
    mwSize dims[3] = {J, J, T};
    mxArray *cb = mxCreateNumericArray(3, dims, mxDOUBLE_CLASS, mxREAL);
    if (nc_limit(&ctx, (int)J, k, rho, LN, lb, (int)T, nB, mxGetPr(dist), mxGetPr(cw),
                 mxGetPr(cb), mxGetPr(dl)) != NC_OK)
        ncm_raise(&ctx);

    static const char *fields[] = {"k", "rho", "lambda_N", "lambda_b", "nB", "N", "lambda_Z",
                                   "distance", "cos_within", "cos_between", "delta",
                                   "etf_cosine"};
    mxArray *s = mxCreateStructMatrix(1, 1, sizeof fields / sizeof *fields, fields);
    mxArray *kk = mxCreateDoubleMatrix(J, 1, mxREAL), *rr = mxCreateDoubleMatrix(J, 1, mxREAL);
    double per = 0;
    for (size_t j = 0; j < J; ++j) {
        mxGetPr(kk)[j] = k[j];
        mxGetPr(rr)[j] = rho[j];
        per += k[j] * rho[j];
    }
    mxArray *nb = mxCreateDoubleMatrix(1, T, mxREAL), *NN = mxCreateDoubleMatrix(1, T, mxREAL),
            *lz = mxCreateDoubleMatrix(1, T, mxREAL);
    for (size_t t = 0; t < T; ++t) {
        mxGetPr(nb)[t] = nB[t];
        mxGetPr(NN)[t] = per * nB[t];
        mxGetPr(lz)[t] = LN / (per * nB[t]);
    }
    ncm_set(s, "k", kk);
    ncm_set(s, "rho", rr);
    ncm_set(s, "lambda_N", ncm_real_scalar(LN));
    ncm_set(s, "lambda_b", ncm_real_scalar(lb));
    ncm_set(s, "nB", nb);
    ncm_set(s, "N", NN);
    ncm_set(s, "lambda_Z", lz);
    ncm_set(s, "distance", dist);
    ncm_set(s, "cos_within", cw);
    ncm_set(s, "cos_between", cb);
    ncm_set(s, "delta", dl);
    ncm_set(s, "etf_cosine", ncm_real_scalar(-1.0 / ((double)K - 1.0)));
    plhs[0] = s;
}
