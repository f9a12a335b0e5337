/* SPDX-License-Identifier: GPL-3.0-or-later */
/* n = nc_longtail(profile, K, ratio, n_max, ...): see m/nc_longtail.m */
#include "nc_advice.h"
#include "ncm.h"

#include <math.h>

enum { IN_PROFILE, IN_K, IN_RATIO, IN_NMAX, IN_FIRST_OPTION };
static const char *const profile_names[] = {"exponential", "step", "pareto"};
static const char *const option_names[] = {"Fraction", "Alpha"};
enum { OPT_FRACTION, OPT_ALPHA, OPT_COUNT };

void mexFunction(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[])
{
    ncm_begin("nc_longtail");
    ncm_nargs(nrhs, 4, -1, nlhs, 1);
    int profile = ncm_choice(prhs[IN_PROFILE], "PROFILE", profile_names, 3);
    double K = ncm_scalar(prhs[IN_K], "K", "badK", NCM_POSITIVE | NCM_INTEGER);
    if (K > 1e6)
        ncm_error("badK", "K = %g classes is too many (at most 1e6)", K);
    double ratio = ncm_scalar(prhs[IN_RATIO], "RATIO", "badRatio", NCM_POSITIVE);
    double n_max = ncm_scalar(prhs[IN_NMAX], "N_MAX", "badCounts", NCM_POSITIVE);
    double shape = NAN;
    ncm_option_pairs(nrhs, IN_FIRST_OPTION);
    for (int i = IN_FIRST_OPTION; i < nrhs; i += 2) {
        int opt = ncm_option(prhs[i], option_names, OPT_COUNT);
        if ((opt == OPT_FRACTION) != (profile == NC_LONGTAIL_STEP) ||
            (opt == OPT_ALPHA) != (profile == NC_LONGTAIL_PARETO))
            ncm_error("badOption", "option %s does not apply to the '%s' profile",
                      option_names[opt], profile_names[profile]);
        shape = ncm_scalar(prhs[i + 1], option_names[opt], "badOption", NCM_POSITIVE);
    }
    mxArray *out = mxCreateDoubleMatrix(1, (size_t)K, mxREAL);
    nc_ctx ctx;
    ncm_ctx(&ctx);
    if (nc_longtail(&ctx, (nc_longtail_profile)profile, (int)K, ratio, n_max, shape,
                    mxGetPr(out)) != NC_OK) {
        mxDestroyArray(out);
        ncm_raise(&ctx);
    }
    plhs[0] = out;
    ncm_end();
}
