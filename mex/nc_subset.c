/* SPDX-License-Identifier: GPL-3.0-or-later */
/* idx = nc_subset(y, counts, seed, ...): see m/nc_subset.m */
#include "nc_data.h"
#include "ncm.h"

#include <math.h>

enum { IN_Y, IN_COUNTS, IN_SEED, IN_OPTIONS };
static const char *const option_names[] = {"Scale"};
enum { OPT_SCALE, OPT_COUNT };
static const char *const named[] = {"Dataset_1", "Dataset_2"};

#define MAX_CLASSES 100000
/* Scaled counts must be whole numbers a double holds exactly (2^53); no
 * data set comes near, and beyond it the conversion to long could
 * overflow. */
#define MAX_COUNT 9007199254740992.0

/* COUNTS times SCALE, rounded to the nearest whole number. */
static long *scaled_counts(const double *cd, size_t K, double scale)
{
    long *counts = ncm_alloc(K, sizeof *counts);
    for (size_t k = 0; k < K; ++k) {
        double c = round(cd[k] * scale);
        if (!(c <= MAX_COUNT))
            ncm_error("tooLarge", "COUNTS(%zu)%s = %g is too large: at most 2^53", k + 1,
                      scale == 1 ? "" : " * Scale", c);
        counts[k] = (long)c;
    }
    return counts;
}

void mexFunction(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[])
{
    ncm_begin("nc_subset");
    ncm_nargs(nrhs, IN_OPTIONS, -1, nlhs, 1);
    size_t N, K;
    const double *cd;
    if (mxIsChar(prhs[IN_COUNTS])) {
        int which = ncm_choice(prhs[IN_COUNTS], "COUNTS", named, 2);
        cd = which == 0 ? nc_dataset1_counts : nc_dataset2_counts;
        K = 10;
    } else {
        cd = ncm_vector(prhs[IN_COUNTS], "COUNTS", "badCounts", NCM_NONNEG | NCM_INTEGER, 0,
                        &K);
        if (K > MAX_CLASSES)
            ncm_error("badCounts", "COUNTS has %zu classes; at most %d are supported", K,
                      MAX_CLASSES);
    }
    unsigned long seed = ncm_seed(prhs[IN_SEED], "SEED");
    double scale = 1;
    ncm_option_pairs(nrhs, IN_OPTIONS);
    for (int i = IN_OPTIONS; i < nrhs; i += 2)
        switch (ncm_option(prhs[i], option_names, OPT_COUNT)) {
        case OPT_SCALE:
            scale = ncm_scalar(prhs[i + 1], "Scale", "badOption", NCM_POSITIVE);
            break;
        }

    int classes = (int)K;
    int *y = ncm_labels(prhs[IN_Y], "Y", 0, 0, &classes, &N);
    long *counts = scaled_counts(cd, K, scale);
    /* The core refuses a count above its class's size, so at most N are
     * chosen, however large the counts. */
    nc_ctx ctx;
    ncm_ctx(&ctx);
    size_t bytes;
    nc_size_mul(N, sizeof(long) + sizeof(double), &bytes);
    if (nc_check_memory(&ctx, bytes, "the subset's indices"))
        ncm_raise(&ctx);
    long *idx = ncm_alloc(N, sizeof *idx), chosen;
    if (nc_subset(&ctx, (long)N, y, (int)K, counts, seed, idx, &chosen))
        ncm_raise(&ctx);
    plhs[0] = mxCreateDoubleMatrix(1, (size_t)chosen, mxREAL);
    for (long j = 0; j < chosen; ++j)
        mxGetPr(plhs[0])[j] = (double)(idx[j] + 1);
    ncm_end();
}
