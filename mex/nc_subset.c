/* SPDX-License-Identifier: GPL-3.0-or-later */
/* idx = nc_subset(y, counts, seed, ...): see m/nc_subset.m */
#include "nc_data.h"
#include "ncm.h"

#include <math.h>
#include <strings.h>

static const char *const option_names[] = {"Scale"};
static const char *const named[] = {"Dataset_1", "Dataset_2"};

#define MAX_CLASSES 100000

void mexFunction(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[])
{
    ncm_begin("nc_subset");
    ncm_nargs(nrhs, 3, -1, nlhs, 1);
    size_t N, K;
    const double *yd = ncm_vector(prhs[0], "Y", "badLabels", NCM_POSITIVE | NCM_INTEGER, 0, &N);
    const double *cd;
    if (mxIsChar(prhs[1])) {
        int which = ncm_choice(prhs[1], "COUNTS", named, 2);
        cd = which == 0 ? nc_dataset1_counts : nc_dataset2_counts;
        K = 10;
    } else {
        cd = ncm_vector(prhs[1], "COUNTS", "badCounts", NCM_NONNEG | NCM_INTEGER, 0, &K);
        if (K > MAX_CLASSES)
            ncm_error("badCounts", "COUNTS has %zu classes; at most %d are supported", K,
                      MAX_CLASSES);
    }
    double seed = ncm_scalar(prhs[2], "SEED", "badOption", NCM_NONNEG | NCM_INTEGER);
    double scale = 1;
    ncm_option_pairs(nrhs, 3);
    for (int i = 3; i < nrhs; i += 2)
        if (ncm_option(prhs[i], option_names, 1) == 0)
            scale = ncm_scalar(prhs[i + 1], "Scale", "badOption", NCM_POSITIVE);

    int *y = mxMalloc(N * sizeof *y);
    for (size_t j = 0; j < N; ++j) {
        if (yd[j] > (double)K)
            ncm_error("badLabels", "Y(%zu) = %.0f but COUNTS has only %zu classes", j + 1,
                      yd[j], K);
        y[j] = (int)yd[j] - 1;
    }
    /* Scaled counts are rounded to the nearest whole number. */
    long *counts = mxMalloc(K * sizeof *counts), total = 0;
    for (size_t k = 0; k < K; ++k)
        total += counts[k] = lround(cd[k] * scale);
    long *idx = mxMalloc((total ? (size_t)total : 1) * sizeof *idx), chosen;
    nc_ctx ctx;
    ncm_ctx(&ctx);
    if (nc_subset(&ctx, (long)N, y, (int)K, counts, (unsigned long)seed, idx, &chosen))
        ncm_raise(&ctx);
    mxArray *out = mxCreateDoubleMatrix(1, (size_t)chosen, mxREAL);
    for (long j = 0; j < chosen; ++j)
        mxGetPr(out)[j] = (double)(idx[j] + 1);
    plhs[0] = out;
    mxFree(y);
    mxFree(counts);
    mxFree(idx);
}
