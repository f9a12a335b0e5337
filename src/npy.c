/* SPDX-License-Identifier: GPL-3.0-or-later */
/* NumPy .npy headers and opening an array (a .npy file or an .npz member):
 * see include/nc_npy.h.  The header is a Python dictionary literal; this
 * parser accepts exactly what numpy.lib.format writes and its reader
 * accepts (the keys descr, fortran_order and shape, a shape that is a
 * tuple of non-negative decimal integers), and nothing else. */
#define _FILE_OFFSET_BITS 64
#define _POSIX_C_SOURCE 200809L
#include "nc_npy.h"
#include "npy_stream.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* The largest header NumPy writes is far below this; it bounds the buffer. */
#define NPY_MAX_HEADER (1L << 20)
#define MAX_DIMS 2

static const struct {
    const char *name;
    char kind;
    int item;
} dtypes[NC_DT_COUNT] = {
    [NC_DT_INT8] = {"int8", 'i', 1},       [NC_DT_INT16] = {"int16", 'i', 2},
    [NC_DT_INT32] = {"int32", 'i', 4},     [NC_DT_INT64] = {"int64", 'i', 8},
    [NC_DT_UINT8] = {"uint8", 'u', 1},     [NC_DT_UINT16] = {"uint16", 'u', 2},
    [NC_DT_UINT32] = {"uint32", 'u', 4},   [NC_DT_UINT64] = {"uint64", 'u', 8},
    [NC_DT_BOOL] = {"bool", 'b', 1},       [NC_DT_FLOAT16] = {"float16", 'f', 2},
    [NC_DT_FLOAT32] = {"float32", 'f', 4}, [NC_DT_FLOAT64] = {"float64", 'f', 8},
};

const char *nc_dtype_name(nc_dtype t) { return t < NC_DT_COUNT ? dtypes[t].name : "?"; }
int nc_dtype_size(nc_dtype t) { return t == NC_DT_FLOAT16 ? 4 : dtypes[t].item; }
nc_dtype nc_dtype_natural(nc_dtype t) { return t == NC_DT_FLOAT16 ? NC_DT_FLOAT32 : t; }

static int host_is_big_endian(void)
{
    const uint16_t one = 1;
    return *(const unsigned char *)&one == 0;
}

typedef struct {
    const char *s, *end;
} cursor;

static void skip_space(cursor *c)
{
    while (c->s < c->end && (*c->s == ' ' || *c->s == '\t' || *c->s == '\n' || *c->s == '\r'))
        ++c->s;
}

static int accept(cursor *c, char ch)
{
    skip_space(c);
    if (c->s < c->end && *c->s == ch) {
        ++c->s;
        return 1;
    }
    return 0;
}

/* A Python string literal in single or double quotes, no escapes. */
static int parse_string(cursor *c, char *out, size_t len)
{
    skip_space(c);
    if (c->s >= c->end || (*c->s != '\'' && *c->s != '"'))
        return 0;
    char quote = *c->s++;
    size_t n = 0;
    while (c->s < c->end && *c->s != quote) {
        if (*c->s == '\\' || n + 1 >= len)
            return 0;
        out[n++] = *c->s++;
    }
    if (c->s >= c->end)
        return 0;
    ++c->s;
    out[n] = 0;
    return 1;
}

static int parse_word(cursor *c, const char *word)
{
    skip_space(c);
    size_t n = strlen(word);
    if ((size_t)(c->end - c->s) >= n && strncmp(c->s, word, n) == 0) {
        c->s += n;
        return 1;
    }
    return 0;
}

enum { SHAPE_MALFORMED = -1, SHAPE_OVERFLOW = -2, SHAPE_LEADING_ZERO = -3, SHAPE_NOT_TUPLE = -4 };

/* A decimal integer as Python writes it: no sign, no leading zeros (an
 * optional L suffix, as Python 2 wrote longs). */
static int parse_dim(cursor *c, long long *v)
{
    skip_space(c);
    const char *start = c->s;
    *v = 0;
    if (c->s >= c->end || *c->s < '0' || *c->s > '9')
        return SHAPE_MALFORMED;
    while (c->s < c->end && *c->s >= '0' && *c->s <= '9') {
        if (*v > (INT64_MAX - 9) / 10)
            return SHAPE_OVERFLOW;
        *v = 10 * *v + (*c->s++ - '0');
    }
    if (c->s - start > 1 && *start == '0')
        return SHAPE_LEADING_ZERO;
    if (c->s < c->end && *c->s == 'L')
        ++c->s;
    return 0;
}

/* "(a, b, ...)": a tuple, so one dimension needs its trailing comma.
 * Returns the number of dimensions or a SHAPE_ code. */
static int parse_shape(cursor *c, long long *dims, int max_dims)
{
    int ndim = 0;
    if (!accept(c, '('))
        return SHAPE_MALFORMED;
    if (accept(c, ')'))
        return 0;
    for (;;) {
        long long v;
        int rc = parse_dim(c, &v);
        if (rc < 0)
            return rc;
        if (ndim < max_dims)
            dims[ndim] = v;
        ++ndim;
        if (!accept(c, ','))
            return accept(c, ')') ? (ndim == 1 ? SHAPE_NOT_TUPLE : ndim) : SHAPE_MALFORMED;
        if (accept(c, ')'))
            return ndim;
    }
}

static nc_status bad_header(nc_ctx *ctx, const char *name, const char *what)
{
    return nc_fail(ctx, NC_EFORMAT, "npyBadHeader", "%s: malformed .npy header (%s)", name,
                   what);
}

/* descr: an optional byte-order mark and one of the supported codes. */
static nc_status parse_descr(nc_ctx *ctx, const char *name, const char *descr,
                             nc_npy_header *hdr)
{
    const char *code = descr;
    char order = '|';
    if (*code == '<' || *code == '>' || *code == '|' || *code == '=')
        order = *code++;
    int found = -1;
    for (int t = 0; t < NC_DT_COUNT && found < 0; ++t) {
        char want[4];
        snprintf(want, sizeof want, "%c%d", dtypes[t].kind, dtypes[t].item);
        if (strcmp(code, want) == 0)
            found = t;
    }
    if (found < 0) {
        const char *why = code[0] == 'c'   ? "complex values are not supported: save the real "
                                             "and imaginary parts as two arrays"
                          : code[0] == 'V' ? "structured or void dtypes are not supported"
                                           : "supported: i1 i2 i4 i8 u1 u2 u4 u8 b1 f2 f4 f8";
        return nc_fail(ctx, NC_EFORMAT, "npyDtype", "%s: unsupported dtype '%s' (%s)", name,
                       descr, why);
    }
    hdr->dtype = (nc_dtype)found;
    hdr->item = dtypes[found].item;
    size_t len = strlen(descr); /* a mark and a code: at most 3 characters */
    memcpy(hdr->descr, descr, len < sizeof hdr->descr ? len + 1 : sizeof hdr->descr);
    hdr->descr[sizeof hdr->descr - 1] = 0;
    int big = order == '>' ? 1 : order == '<' ? 0 : host_is_big_endian();
    hdr->swap = hdr->item > 1 && big != host_is_big_endian();
    return NC_OK;
}

static nc_status parse_shape_value(nc_ctx *ctx, const char *name, cursor *c, long long *dims,
                                   int *ndim)
{
    *ndim = parse_shape(c, dims, MAX_DIMS + 1);
    switch (*ndim) {
    case SHAPE_OVERFLOW:
        return nc_fail(ctx, NC_EFORMAT, "npyShape", "%s: a dimension overflows", name);
    case SHAPE_LEADING_ZERO:
        return bad_header(ctx, name, "a dimension has leading zeros");
    case SHAPE_NOT_TUPLE:
        return bad_header(ctx, name, "shape is not a tuple: one dimension is written '(n,)'");
    case SHAPE_MALFORMED:
        return bad_header(ctx, name, "shape is not a tuple of integers");
    }
    return NC_OK;
}

/* The header dictionary: exactly the keys descr, fortran_order, shape. */
static nc_status parse_dict(nc_ctx *ctx, const char *name, const char *text, size_t len,
                            nc_npy_header *hdr)
{
    cursor c = {text, text + len};
    int seen_descr = 0, seen_order = 0, seen_shape = 0, ndim = 0;
    char key[32], descr[64];
    long long dims[MAX_DIMS + 1] = {0, 0, 0};
    if (!accept(&c, '{'))
        return bad_header(ctx, name, "it does not start with '{'");
    for (;;) {
        if (accept(&c, '}'))
            break;
        if (!parse_string(&c, key, sizeof key) || !accept(&c, ':'))
            return bad_header(ctx, name, "expected a quoted key and ':'");
        if (strcmp(key, "descr") == 0 && !seen_descr) {
            seen_descr = 1;
            skip_space(&c);
            if (c.s < c.end && (*c.s == '[' || *c.s == '{'))
                return nc_fail(ctx, NC_EFORMAT, "npyDtype",
                               "%s: structured dtypes are not supported (one numeric dtype "
                               "per array)",
                               name);
            if (!parse_string(&c, descr, sizeof descr))
                return bad_header(ctx, name, "descr is not a string");
        } else if (strcmp(key, "fortran_order") == 0 && !seen_order) {
            seen_order = 1;
            if (parse_word(&c, "True"))
                hdr->fortran_order = 1;
            else if (parse_word(&c, "False"))
                hdr->fortran_order = 0;
            else
                return bad_header(ctx, name, "fortran_order is not True or False");
        } else if (strcmp(key, "shape") == 0 && !seen_shape) {
            seen_shape = 1;
            if (parse_shape_value(ctx, name, &c, dims, &ndim) != NC_OK)
                return ctx->status;
        } else {
            return bad_header(ctx, name, "unknown or repeated key");
        }
        if (!accept(&c, ',')) {
            if (accept(&c, '}'))
                break;
            return bad_header(ctx, name, "expected ',' or '}'");
        }
    }
    skip_space(&c);
    if (c.s != c.end)
        return bad_header(ctx, name, "text after the dictionary");
    if (!seen_descr || !seen_order || !seen_shape)
        return bad_header(ctx, name, "descr, fortran_order and shape are all required");
    if (parse_descr(ctx, name, descr, hdr) != NC_OK)
        return ctx->status;
    if (ndim > MAX_DIMS)
        return nc_fail(ctx, NC_EFORMAT, "npyShape",
                       "%s: the array has %d dimensions; only 0, 1 or 2 are supported (reshape "
                       "it in NumPy first, e.g. x.reshape(len(x), -1))",
                       name, ndim);
    hdr->ndim = ndim;
    hdr->shape[0] = ndim >= 1 ? dims[0] : 1;
    hdr->shape[1] = ndim == 2 ? dims[1] : 1;
    return NC_OK;
}

/* The data's size, and that it fits in the stream.  A zero dimension makes
 * the array empty, but its other dimension must still describe an array
 * that could exist: otherwise (0, 2^60) would pass every size check and
 * later products of the dimensions would overflow. */
static nc_status check_size(nc_ctx *ctx, const char *name, nc_npy_header *h,
                            long long stream_size)
{
    long long r = h->shape[0], c = h->shape[1], bytes, span, end;
    if (!nc_off_mul(r ? r : 1, c ? c : 1, &span) || !nc_off_mul(span, h->item, &span) ||
        !nc_off_add(span, h->data_offset, &end))
        return nc_fail(ctx, NC_EFORMAT, "npyShape",
                       "%s: shape (%lld, %lld) of %d-byte values describes more bytes than a "
                       "file can hold",
                       name, r, c, h->item);
    bytes = (r == 0 || c == 0) ? 0 : span;
    h->data_bytes = bytes;
    if (h->data_offset + bytes > stream_size)
        return nc_fail(ctx, NC_EFORMAT, "npyTruncated",
                       "%s: truncated: the header announces %lld x %lld %s values (%lld bytes "
                       "of data) but only %lld bytes follow the header",
                       name, r, c, nc_dtype_name(h->dtype), bytes,
                       stream_size > h->data_offset ? stream_size - h->data_offset : 0);
    return NC_OK;
}

/* Parses the header at the start of stream S into H. */
static nc_status read_header(nc_ctx *ctx, nc_stream *s, nc_npy_header *h)
{
    unsigned char pre[12];
    char *text = NULL;
    memset(h, 0, sizeof *h);
    long long avail = s->size < 12 ? s->size : 12;
    if (nc_stream_read(ctx, s, 0, pre, (size_t)avail) != NC_OK)
        return ctx->status;
    if (avail < 6 || memcmp(pre, "\x93NUMPY", 6) != 0)
        return nc_fail(ctx, NC_EFORMAT, "npyBadMagic", "%s is not a .npy array (bad magic string)",
                       s->name);
    if (avail < 8)
        return nc_fail(ctx, NC_EFORMAT, "npyTruncated", "%s: truncated in the header", s->name);
    h->version = pre[6];
    if (pre[6] < 1 || pre[6] > 3 || pre[7] != 0)
        return nc_fail(ctx, NC_EFORMAT, "npyVersion",
                       "%s: .npy format version %d.%d is not supported (1.0, 2.0 or 3.0)",
                       s->name, pre[6], pre[7]);
    int len_bytes = pre[6] == 1 ? 2 : 4;
    if (avail < 8 + len_bytes)
        return nc_fail(ctx, NC_EFORMAT, "npyTruncated", "%s: truncated in the header", s->name);
    unsigned long hlen = 0;
    for (int i = len_bytes - 1; i >= 0; --i)
        hlen = (hlen << 8) | pre[8 + i];
    if (hlen > NPY_MAX_HEADER)
        return nc_fail(ctx, NC_EFORMAT, "npyBadHeader", "%s: header length %lu is implausible",
                       s->name, hlen);
    h->data_offset = 8 + len_bytes + (long long)hlen;
    if (h->data_offset > s->size)
        return nc_fail(ctx, NC_EFORMAT, "npyTruncated", "%s: truncated in the header", s->name);
    text = nc_alloc(ctx, hlen + 1, 1);
    if (!text || nc_stream_read(ctx, s, 8 + len_bytes, text, hlen) != NC_OK)
        goto done;
    text[hlen] = 0;
    if (memchr(text, 0, hlen)) {
        bad_header(ctx, s->name, "a NUL byte in the text");
        goto done;
    }
    if (parse_dict(ctx, s->name, text, hlen, h) == NC_OK)
        check_size(ctx, s->name, h, s->size);
done:
    nc_free(ctx, text);
    return ctx->status;
}

nc_status nc_npy_kind(nc_ctx *ctx, const char *path, int *kind)
{
    FILE *f = fopen(path, "rb");
    unsigned char m[6] = {0};
    *kind = 0;
    if (!f)
        return nc_fail(ctx, NC_EIO, "cannotOpen", "cannot open '%s': %s", path,
                       strerror(errno));
    size_t got = fread(m, 1, sizeof m, f);
    fclose(f);
    if (got == 6 && memcmp(m, "\x93NUMPY", 6) == 0)
        *kind = 1;
    else if (got >= 4 && m[0] == 'P' && m[1] == 'K' &&
             ((m[2] == 3 && m[3] == 4) || (m[2] == 5 && m[3] == 6)))
        *kind = 2;
    else
        return nc_fail(ctx, NC_EFORMAT, "npyBadMagic",
                       "%s is neither a .npy file nor an .npz archive (bad magic string)", path);
    return NC_OK;
}

static char *copy_string(nc_ctx *ctx, const char *s, size_t n)
{
    char *d = nc_alloc(ctx, n + 1, 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = 0;
    }
    return d;
}

/* "archive.npz:name" when PATH itself is not a file but its part before the
 * last ':' is: *file and *member are then set (allocated). */
static int split_member(nc_ctx *ctx, const char *path, char **file, char **member)
{
    const char *colon = strrchr(path, ':');
    if (!colon || colon == path || !colon[1])
        return 0;
    char *f = copy_string(ctx, path, (size_t)(colon - path));
    FILE *probe = f ? fopen(f, "rb") : NULL;
    if (!probe) {
        nc_free(ctx, f);
        return 0;
    }
    fclose(probe);
    *file = f;
    *member = copy_string(ctx, colon + 1, strlen(colon + 1));
    return *member != NULL;
}

/* A message listing an archive's arrays, for a missing member. */
static nc_status need_member(nc_ctx *ctx, const char *file)
{
    char **names = NULL, list[256] = "", first[64] = "name";
    size_t count = 0, used = 0;
    nc_ctx quiet;
    nc_ctx_init(&quiet, ctx->fname);
    quiet.alloc = ctx->alloc, quiet.release = ctx->release, quiet.user = ctx->user;
    if (nc_npz_names(&quiet, file, &names, &count) == NC_OK && count > 0) {
        snprintf(first, sizeof first, "%s", names[0]);
        for (size_t i = 0; i < count && used + 8 < sizeof list; ++i)
            used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "",
                                     names[i]);
    }
    nc_npz_free_names(&quiet, names, count);
    return nc_fail(ctx, NC_EBADARG, "npzMember",
                   "%s is an .npz archive (arrays: %s): name one of its arrays, e.g. '%s:%s'",
                   file, count ? list : "none readable", file, first);
}

struct nc_npy {
    nc_stream s;
    nc_npy_header h;
    char *name;
};

static nc_status open_stream(nc_ctx *ctx, nc_npy *a, const char *file, const char *member)
{
    a->s.f = fopen(file, "rb");
    if (!a->s.f)
        return nc_fail(ctx, NC_EIO, "cannotOpen", "cannot open '%s': %s", file,
                       strerror(errno));
    long long size = nc_file_size(ctx, a->s.f, file);
    if (size < 0)
        return ctx->status;
    unsigned char m[4] = {0};
    size_t got = fread(m, 1, 4, a->s.f);
    int zip = got == 4 && m[0] == 'P' && m[1] == 'K';
    if (!member) {
        if (zip)
            return need_member(ctx, file);
        a->s.base = 0;
        a->s.size = size;
        return NC_OK;
    }
    if (!zip)
        return nc_fail(ctx, NC_EBADARG, "npzMember",
                       "%s is not an .npz archive, so it has no array '%s'", file, member);
    return nc_zip_open_member(ctx, &a->s, member);
}

nc_status nc_npy_open(nc_ctx *ctx, const char *path, const char *member, nc_npy **out)
{
    char *file = NULL, *split = NULL;
    *out = NULL;
    nc_npy *a = nc_calloc(ctx, 1, sizeof *a);
    if (!a)
        return ctx->status;
    if (!member) {
        FILE *probe = fopen(path, "rb");
        if (probe)
            fclose(probe);
        else if (errno == ENOENT && split_member(ctx, path, &file, &split))
            member = split;
    }
    if (ctx->status != NC_OK)
        goto fail;
    const char *fname = file ? file : path;
    size_t flen = strlen(fname), mlen = member ? strlen(member) : 0;
    a->name = nc_alloc(ctx, flen + mlen + 2, 1);
    if (!a->name)
        goto fail;
    memcpy(a->name, fname, flen + 1);
    if (member) {
        a->name[flen] = ':';
        memcpy(a->name + flen + 1, member, mlen + 1);
    }
    a->s.name = a->name;
    if (open_stream(ctx, a, fname, member) != NC_OK || read_header(ctx, &a->s, &a->h) != NC_OK)
        goto fail;
    nc_free(ctx, file);
    nc_free(ctx, split);
    *out = a;
    return NC_OK;
fail:
    nc_free(ctx, file);
    nc_free(ctx, split);
    nc_npy_close(ctx, a);
    return ctx->status;
}

void nc_npy_close(nc_ctx *ctx, nc_npy *a)
{
    if (!a)
        return;
    nc_stream_release(ctx, &a->s);
    nc_free(ctx, a->name);
    nc_free(ctx, a);
}

const nc_npy_header *nc_npy_info(const nc_npy *a) { return &a->h; }
const char *nc_npy_name(const nc_npy *a) { return a->name; }
nc_stream *nc_npy_stream(nc_npy *a) { return &a->s; }
