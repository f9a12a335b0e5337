/* SPDX-License-Identifier: GPL-3.0-or-later */
/* L = nc_limit(k, rho, lambda_N, nB, lambda_b): see m/nc_limit.m */
#include "nc_theory.h"
#include "ncm.h"

enum { IN_K, IN_RHO, IN_LAMBDA_N, IN_NB, IN_LAMBDA_B, NARGS };

void mexFunction(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[])
{
    ncm_begin("nc_limit");
    ncm_nargs(nrhs, NARGS, NARGS, nlhs, 1);
    int *k;
    const double *rho;
    size_t J = ncm_clusters(prhs[IN_K], prhs[IN_RHO], "RHO", &k, &rho);
    double LN = ncm_scalar(prhs[IN_LAMBDA_N], "LAMBDA_N", "badLambda", NCM_POSITIVE);
    size_t T;
    const double *nB = ncm_vector(prhs[IN_NB], "NB", "badN", NCM_POSITIVE, 0, &T);
    double lb = ncm_scalar(prhs[IN_LAMBDA_B], "LAMBDA_B", "badLambda", NCM_NONNEG);
    double K = 0, per = 0;
    for (size_t j = 0; j < J; ++j) {
        K += k[j];
        per += k[j] * rho[j];
    }
    if (T > 2147483647u)
        ncm_error("tooLarge", "NB has %zu entries; at most 2^31 - 1 are supported", T);
    nc_ctx ctx;
    ncm_ctx(&ctx);
    size_t bytes, per_entry; /* outputs: J x J x T cosines, two J x T and four 1 x T rows */
    nc_size_mul(J + 2, J, &per_entry);
    nc_size_add(per_entry, 4, &per_entry);
    nc_size_mul(per_entry, T * sizeof(double), &bytes);
    if (nc_check_memory(&ctx, bytes, "the outputs (J x J cosines per entry of NB)"))
        ncm_raise(&ctx);
    mxArray *dist = mxCreateDoubleMatrix(1, T, mxREAL), *cw = mxCreateDoubleMatrix(J, T, mxREAL),
            *dl = mxCreateDoubleMatrix(J, T, mxREAL);
    mwSize dims[3] = {J, J, T};
    mxArray *cb = mxCreateNumericArray(3, dims, mxDOUBLE_CLASS, mxREAL);
    if (nc_limit(&ctx, (int)J, k, rho, LN, lb, (int)T, nB, mxGetPr(dist), mxGetPr(cw),
                 mxGetPr(cb), mxGetPr(dl)) != NC_OK)
        ncm_raise(&ctx);

    mxArray *kk = mxCreateDoubleMatrix(J, 1, mxREAL), *nb = mxCreateDoubleMatrix(1, T, mxREAL),
            *NN = mxCreateDoubleMatrix(1, T, mxREAL), *lz = mxCreateDoubleMatrix(1, T, mxREAL);
    for (size_t j = 0; j < J; ++j)
        mxGetPr(kk)[j] = k[j];
    for (size_t t = 0; t < T; ++t) {
        mxGetPr(nb)[t] = nB[t];
        mxGetPr(NN)[t] = per * nB[t];
        mxGetPr(lz)[t] = LN / (per * nB[t]);
    }
    const ncm_field out[] = {
        {"k", kk}, {"rho", ncm_real(rho, J, 1)}, {"lambda_N", ncm_real_scalar(LN)},
        {"lambda_b", ncm_real_scalar(lb)}, {"nB", nb}, {"N", NN}, {"lambda_Z", lz},
        {"distance", dist}, {"cos_within", cw}, {"cos_between", cb}, {"delta", dl},
        {"etf_cosine", ncm_real_scalar(-1.0 / (K - 1.0))}};
    plhs[0] = NCM_STRUCT(out);
    ncm_end();
}
