/* SPDX-License-Identifier: GPL-3.0-or-later */
/* nc_read_npy: a NumPy .npy array (float32 or float64, 1 or 2 dimensions,
 * C or Fortran order) as an Octave matrix.  See m/nc_read_npy.m. */
#include "nc_npy.h"
#include "ncm.h"

#include <math.h>
#include <string.h>

static const char *const option_names[] = {"Rows", "Transpose", "HeaderOnly"};
enum { OPT_ROWS, OPT_TRANSPOSE, OPT_HEADER_ONLY, OPT_COUNT };

static mxArray *header_struct(const nc_npy_header *h)
{
    mxArray *s = mxCreateStructMatrix(1, 1, 0, NULL);
    double shape[2] = {(double)h->shape[0], (double)h->shape[1]};
    ncm_set(s, "version", ncm_real_scalar(h->version));
    ncm_set(s, "dtype", mxCreateString(h->is_single ? "<f4" : "<f8"));
    ncm_set(s, "fortran_order", ncm_bool(h->fortran_order));
    ncm_set(s, "shape", ncm_real(shape, 1, (size_t)h->ndim));
    ncm_set(s, "data_offset", ncm_real_scalar((double)h->data_offset));
    return s;
}

void mexFunction(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[])
{
    ncm_begin("nc_read_npy");
    ncm_nargs(nrhs, 1, -1, nlhs, 2);
    char *path = ncm_string(prhs[0], "FILE");
    if (!path[0])
        ncm_error("badOption", "FILE must not be empty");
    ncm_option_pairs(nrhs, 1);
    const double *rows = NULL;
    int transpose = 0, header_only = 0;
    for (int i = 1; i < nrhs; i += 2) {
        size_t len;
        switch (ncm_option(prhs[i], option_names, OPT_COUNT)) {
        case OPT_ROWS:
            rows = ncm_vector(prhs[i + 1], "Rows", "badRows", NCM_POSITIVE | NCM_INTEGER, 2,
                              &len);
            break;
        case OPT_TRANSPOSE:
            transpose = ncm_flag(prhs[i + 1], "Transpose");
            break;
        case OPT_HEADER_ONLY:
            header_only = ncm_flag(prhs[i + 1], "HeaderOnly");
            break;
        }
    }
    if (header_only && nlhs > 1)
        ncm_error("badArgCount", "returns one output, INFO, with 'HeaderOnly', true");

    nc_ctx ctx;
    nc_npy_header h;
    ncm_ctx(&ctx);
    if (nc_npy_read_header(&ctx, path, &h) != NC_OK)
        ncm_raise(&ctx);
    if (header_only) {
        plhs[0] = header_struct(&h);
        return;
    }
    long long row0 = 0, nrows = h.shape[0];
    if (rows) {
        if (rows[1] < rows[0] - 1 || rows[1] > (double)h.shape[0])
            ncm_error("badRows", "Rows = [%g %g] must satisfy 1 <= first <= last + 1 and "
                                 "last <= %lld (the rows of %s)",
                      rows[0], rows[1], h.shape[0], path);
        row0 = (long long)rows[0] - 1;
        nrows = (long long)rows[1] - row0;
    }
    size_t m = (size_t)nrows, n = (size_t)h.shape[1];
    if (transpose) {
        size_t t = m;
        m = n;
        n = t;
    }
    mxArray *X = mxCreateNumericMatrix(m, n, h.is_single ? mxSINGLE_CLASS : mxDOUBLE_CLASS,
                                       mxREAL);
    if (nc_npy_read(&ctx, path, &h, row0, nrows, transpose, mxGetData(X)) != NC_OK)
        ncm_raise(&ctx);
    plhs[0] = X;
    if (nlhs > 1)
        plhs[1] = header_struct(&h);
}
