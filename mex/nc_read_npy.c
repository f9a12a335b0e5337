/* SPDX-License-Identifier: GPL-3.0-or-later */
/* nc_read_npy: a NumPy .npy array, or the arrays of an .npz archive, as
 * Octave/MATLAB arrays of the same kind.  See m/nc_read_npy.m.
 *
 * The output is allocated between two openings of the file: the first
 * reads the header (and checks the size against memory), the second the
 * data, so that no Octave allocation can fail while the core holds the
 * file open. */
#include "nc_npy.h"
#include "ncm.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *const option_names[] = {"Rows", "Transpose", "HeaderOnly", "Member"};
enum { OPT_ROWS, OPT_TRANSPOSE, OPT_HEADER_ONLY, OPT_MEMBER, OPT_COUNT };
enum { IN_FILE };
enum { OUT_X, OUT_INFO };

typedef struct {
    const double *rows; /* [first last], 1-based; NULL: all */
    int transpose, header_only;
    char *member;       /* NULL: the file is one array, or every array of an archive */
} options;

static mxClassID class_of(nc_dtype t)
{
    static const mxClassID classes[NC_DT_COUNT] = {
        mxINT8_CLASS,   mxINT16_CLASS,   mxINT32_CLASS,   mxINT64_CLASS,
        mxUINT8_CLASS,  mxUINT16_CLASS,  mxUINT32_CLASS,  mxUINT64_CLASS,
        mxLOGICAL_CLASS, mxSINGLE_CLASS, mxSINGLE_CLASS, mxDOUBLE_CLASS};
    return classes[t];
}

static const char *class_name(nc_dtype t)
{
    static const char *const names[NC_DT_COUNT] = {"int8",   "int16",  "int32",  "int64",
                                                   "uint8",  "uint16", "uint32", "uint64",
                                                   "logical", "single", "single", "double"};
    return names[t];
}

static mxArray *header_struct(const nc_npy_header *h, const char *member)
{
    double shape[2] = {(double)h->shape[0], (double)h->shape[1]};
    const ncm_field out[] = {
        {"version", ncm_real_scalar(h->version)},
        {"dtype", mxCreateString(h->descr)},
        {"class", mxCreateString(class_name(h->dtype))},
        {"fortran_order", ncm_bool(h->fortran_order)},
        {"shape", ncm_real(shape, 1, (size_t)h->ndim)},
        {"data_offset", ncm_real_scalar((double)h->data_offset)},
        {"member", mxCreateString(member ? member : "")},
    };
    return NCM_STRUCT(out);
}

/* Opens, or raises after releasing everything. */
static nc_npy *open_array(nc_ctx *ctx, const char *path, const char *member)
{
    nc_npy *a;
    if (nc_npy_open(ctx, path, member, &a) != NC_OK)
        ncm_raise(ctx);
    return a;
}

static nc_npy_header read_header(const char *path, const char *member)
{
    nc_ctx ctx;
    ncm_ctx(&ctx);
    nc_npy *a = open_array(&ctx, path, member);
    nc_npy_header h = *nc_npy_info(a);
    nc_npy_close(&ctx, a);
    return h;
}

/* The rows asked for, checked against the array. */
static void row_range(const options *o, const nc_npy_header *h, const char *path,
                      long long *first, long long *count)
{
    *first = 0;
    *count = h->shape[0];
    if (!o->rows)
        return;
    if (o->rows[1] < o->rows[0] - 1 || o->rows[1] > (double)h->shape[0])
        ncm_error("badRows", "Rows = [%.17g %.17g] must satisfy 1 <= first <= last + 1 and "
                             "last <= %lld (the rows of %s)",
                  o->rows[0], o->rows[1], h->shape[0], path);
    *first = (long long)o->rows[0] - 1;
    *count = (long long)o->rows[1] - *first;
}

static mxArray *read_array(const char *path, const char *member, const options *o)
{
    const nc_npy_header h = read_header(path, member);
    long long first, count;
    row_range(o, &h, path, &first, &count);
    size_t m = (size_t)count, n = (size_t)h.shape[1];
    if (o->transpose) {
        size_t t = m;
        m = n;
        n = t;
    }
    nc_ctx ctx;
    ncm_ctx(&ctx);
    size_t bytes;
    nc_size_mul(m, n, &bytes);
    nc_size_mul(bytes, (size_t)nc_dtype_size(h.dtype), &bytes);
    char what[600];
    snprintf(what, sizeof what, "reading all %zu x %zu %s values of %s", m, n,
             nc_dtype_name(h.dtype), path);
    if (nc_check_memory(&ctx, bytes, what) != NC_OK) {
        size_t used = strlen(ctx.errmsg);
        snprintf(ctx.errmsg + used, sizeof ctx.errmsg - used,
                 " (read parts with 'Rows', or give the file to nc_metrics, which streams it)");
        ncm_raise(&ctx);
    }
    mxArray *X = h.dtype == NC_DT_BOOL ? mxCreateLogicalMatrix(m, n)
                                       : mxCreateNumericMatrix(m, n, class_of(h.dtype), mxREAL);
    nc_npy *a = open_array(&ctx, path, member);
    const nc_npy_header *now = nc_npy_info(a);
    if (now->dtype != h.dtype || now->shape[0] != h.shape[0] || now->shape[1] != h.shape[1] ||
        now->fortran_order != h.fortran_order)
        nc_fail(&ctx, NC_EIO, "readFailed", "%s changed while it was read", path);
    else
        nc_npy_read(&ctx, a, 0, first, count, o->transpose, nc_dtype_natural(h.dtype),
                    mxGetData(X));
    nc_npy_close(&ctx, a);
    if (ctx.status != NC_OK) {
        mxDestroyArray(X);
        ncm_raise(&ctx);
    }
    return X;
}

/* A valid, unique struct field name for an archive member ("fc.weight"
 * becomes fc_weight, "0" becomes x0). */
static void field_name(const char *member, const mxArray *s, char *out, size_t len)
{
    size_t n = 0;
    if (!isalpha((unsigned char)member[0]))
        out[n++] = 'x';
    for (const char *p = member; *p && n + 1 < len && n < 60; ++p)
        out[n++] = isalnum((unsigned char)*p) ? *p : '_';
    out[n] = 0;
    for (int k = 2; mxGetFieldNumber(s, out) >= 0; ++k)
        snprintf(out + (n < 56 ? n : 56), len - (n < 56 ? n : 56), "_%d", k);
}

static void read_archive(int nlhs, mxArray *plhs[], const char *path, const options *o)
{
    nc_ctx ctx;
    char **names;
    size_t count;
    ncm_ctx(&ctx);
    if (o->rows)
        ncm_error("badRows", "Rows reads one array: name it with 'Member' (%s is an .npz "
                             "archive)",
                  path);
    if (nc_npz_names(&ctx, path, &names, &count) != NC_OK)
        ncm_raise(&ctx);
    /* Octave owns these copies, so that a raised error leaks nothing */
    char **keys = ncm_alloc(count ? count : 1, sizeof *keys);
    for (size_t i = 0; i < count; ++i) {
        keys[i] = ncm_alloc(strlen(names[i]) + 1, 1);
        strcpy(keys[i], names[i]);
    }
    nc_npz_free_names(&ctx, names, count);
    mxArray *X = mxCreateStructMatrix(1, 1, 0, NULL), *info = mxCreateStructMatrix(1, 1, 0, NULL);
    for (size_t i = 0; i < count; ++i) {
        char field[64];
        field_name(keys[i], X, field, sizeof field);
        const nc_npy_header h = read_header(path, keys[i]);
        ncm_set(info, field, header_struct(&h, keys[i]));
        if (!o->header_only)
            ncm_set(X, field, read_array(path, keys[i], o));
        ncm_free(keys[i]);
    }
    ncm_free(keys);
    if (o->header_only) {
        mxDestroyArray(X);
        plhs[OUT_X] = info;
        return;
    }
    plhs[OUT_X] = X;
    if (nlhs > 1)
        plhs[OUT_INFO] = info;
    else
        mxDestroyArray(info);
}

static void parse_options(int nrhs, const mxArray *prhs[], options *o)
{
    memset(o, 0, sizeof *o);
    ncm_option_pairs(nrhs, IN_FILE + 1);
    for (int i = IN_FILE + 1; i < nrhs; i += 2) {
        size_t len;
        switch (ncm_option(prhs[i], option_names, OPT_COUNT)) {
        case OPT_ROWS:
            o->rows = ncm_vector(prhs[i + 1], "Rows", "badRows", NCM_POSITIVE | NCM_INTEGER, 2,
                                 &len);
            if (o->rows[0] > 9e15 || o->rows[1] > 9e15)
                ncm_error("badRows", "Rows must be at most 9e15");
            break;
        case OPT_TRANSPOSE:
            o->transpose = ncm_flag(prhs[i + 1], "Transpose");
            break;
        case OPT_HEADER_ONLY:
            o->header_only = ncm_flag(prhs[i + 1], "HeaderOnly");
            break;
        case OPT_MEMBER:
            ncm_free(o->member);
            o->member = ncm_path(prhs[i + 1], "Member");
            break;
        }
    }
}

void mexFunction(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[])
{
    ncm_begin("nc_read_npy");
    ncm_nargs(nrhs, 1, -1, nlhs, 2);
    char *path = ncm_path(prhs[IN_FILE], "FILE");
    options o;
    parse_options(nrhs, prhs, &o);
    if (o.header_only && nlhs > 1)
        ncm_error("badArgCount", "returns one output, INFO, with 'HeaderOnly', true");
    nc_ctx ctx;
    ncm_ctx(&ctx);
    int kind = 1;
    /* "archive.npz:member" is no file: the core resolves it */
    if (!o.member && nc_npy_kind(&ctx, path, &kind) != NC_OK && strcmp(ctx.errid, "ncufm:cannotOpen") != 0)
        ncm_raise(&ctx);
    if (kind == 2 && !o.member) {
        read_archive(nlhs, plhs, path, &o);
    } else {
        const nc_npy_header h = read_header(path, o.member);
        if (o.header_only) {
            plhs[OUT_X] = header_struct(&h, o.member);
        } else {
            plhs[OUT_X] = read_array(path, o.member, &o);
            if (nlhs > 1)
                plhs[OUT_INFO] = header_struct(&h, o.member);
        }
    }
    ncm_end();
}
