/* SPDX-License-Identifier: GPL-3.0-or-later */
/* [X, y] = nc_fmnist(split, ...): see m/nc_fmnist.m */
#include "nc_data.h"
#include "ncm.h"

static const char *const option_names[] = {"Dir"};
static const char *const splits[] = {"train", "test"};

void mexFunction(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[])
{
    ncm_begin("nc_fmnist");
    ncm_nargs(nrhs, 0, -1, nlhs, 2);
    nc_fmnist_split split =
        nrhs > 0 ? (nc_fmnist_split)ncm_choice(prhs[0], "SPLIT", splits, 2) : NC_FMNIST_TRAIN;
    const char *dir = NULL;
    ncm_option_pairs(nrhs, 1);
    for (int i = 1; i < nrhs; i += 2)
        if (ncm_option(prhs[i], option_names, 1) == 0)
            dir = ncm_string(prhs[i + 1], "Dir");

    nc_ctx ctx;
    ncm_ctx(&ctx);
    long count;
    if (nc_fmnist_count(&ctx, dir, split, &count))
        ncm_raise(&ctx);
    mxArray *X = mxCreateNumericMatrix(784, (size_t)count, mxSINGLE_CLASS, mxREAL);
    int *labels = mxMalloc((size_t)count * sizeof *labels);
    if (nc_fmnist_read(&ctx, dir, split, count, (float *)mxGetData(X), labels)) {
        mxDestroyArray(X);
        ncm_raise(&ctx);
    }
    plhs[0] = X;
    if (nlhs > 1) {
        mxArray *y = mxCreateDoubleMatrix(1, (size_t)count, mxREAL);
        for (long j = 0; j < count; ++j)
            mxGetPr(y)[j] = labels[j] + 1;
        plhs[1] = y;
    }
    mxFree(labels);
}
