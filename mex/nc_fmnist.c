/* SPDX-License-Identifier: GPL-3.0-or-later */
/* [X, y] = nc_fmnist(split, ...): see m/nc_fmnist.m */
#include "nc_data.h"
#include "ncm.h"

enum { IN_SPLIT, IN_OPTIONS };
enum { OUT_X, OUT_Y };
static const char *const option_names[] = {"Dir"};
enum { OPT_DIR, OPT_COUNT };
static const char *const splits[] = {"train", "test"};

#define PIXELS 784

void mexFunction(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[])
{
    ncm_begin("nc_fmnist");
    ncm_nargs(nrhs, 0, -1, nlhs, 2);
    nc_fmnist_split split = NC_FMNIST_TRAIN;
    if (nrhs > IN_SPLIT)
        split = (nc_fmnist_split)ncm_choice(prhs[IN_SPLIT], "SPLIT", splits, 2);
    char *dir = NULL;
    ncm_option_pairs(nrhs, IN_OPTIONS);
    for (int i = IN_OPTIONS; i < nrhs; i += 2)
        switch (ncm_option(prhs[i], option_names, OPT_COUNT)) {
        case OPT_DIR:
            dir = ncm_string(prhs[i + 1], "Dir");
            break;
        }

    nc_ctx ctx;
    ncm_ctx(&ctx);
    long count;
    if (nc_fmnist_count(&ctx, dir, split, &count))
        ncm_raise(&ctx);
    /* X (single), the labels, and the core's byte buffer */
    size_t bytes;
    nc_size_mul((size_t)count, PIXELS * (sizeof(float) + 1) + sizeof(int) + sizeof(double),
                &bytes);
    if (nc_check_memory(&ctx, bytes, "the images"))
        ncm_raise(&ctx);
    mxArray *X = mxCreateNumericMatrix(PIXELS, (size_t)count, mxSINGLE_CLASS, mxREAL);
    int *labels = ncm_alloc((size_t)count, sizeof *labels);
    if (nc_fmnist_read(&ctx, dir, split, count, (float *)mxGetData(X), labels)) {
        mxDestroyArray(X);
        ncm_raise(&ctx);
    }
    plhs[OUT_X] = X;
    if (nlhs > OUT_Y) {
        mxArray *y = mxCreateDoubleMatrix(1, (size_t)count, mxREAL);
        for (long j = 0; j < count; ++j)
            mxGetPr(y)[j] = labels[j] + 1;
        plhs[OUT_Y] = y;
    }
    ncm_end();
}
