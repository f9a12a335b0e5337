/* SPDX-License-Identifier: GPL-3.0-or-later */
/* NumPy .npy reader: see include/nc_npy.h.  The data is little-endian and
 * so is every machine this project targets (x86-64, arm64), so it is read
 * as is. */
#define _FILE_OFFSET_BITS 64
#define _POSIX_C_SOURCE 200809L
#include "nc_npy.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

/* The largest header NumPy writes is far below this; it bounds the buffer. */
#define NPY_MAX_HEADER (1L << 20)

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

/* "(a, b, ...)" with non-negative integers and an optional trailing comma.
 * Returns the number of dimensions, or -1 when malformed, -2 on overflow. */
static int parse_shape(cursor *c, long long *dims, int max_dims)
{
    int ndim = 0;
    if (!accept(c, '('))
        return -1;
    for (;;) {
        if (accept(c, ')'))
            return ndim;
        skip_space(c);
        if (c->s >= c->end || *c->s < '0' || *c->s > '9')
            return -1;
        long long v = 0;
        while (c->s < c->end && *c->s >= '0' && *c->s <= '9') {
            if (v > (INT64_MAX - 9) / 10)
                return -2;
            v = 10 * v + (*c->s++ - '0');
        }
        if (ndim < max_dims)
            dims[ndim] = v;
        ++ndim;
        if (!accept(c, ',')) {
            if (accept(c, ')'))
                return ndim;
            return -1;
        }
    }
}

static nc_status bad_header(nc_ctx *ctx, const char *path, const char *what)
{
    return nc_fail(ctx, NC_EFORMAT, "npyBadHeader", "%s: malformed .npy header (%s)", path,
                   what);
}

/* The header dictionary: exactly the keys descr, fortran_order, shape. */
static nc_status parse_dict(nc_ctx *ctx, const char *path, const char *text, size_t len,
                            nc_npy_header *hdr)
{
    cursor c = {text, text + len};
    int seen_descr = 0, seen_order = 0, seen_shape = 0;
    char key[32], descr[64];
    long long dims[3] = {0, 0, 0};
    int ndim = 0;
    if (!accept(&c, '{'))
        return bad_header(ctx, path, "it does not start with '{'");
    for (;;) {
        if (accept(&c, '}'))
            break;
        if (!parse_string(&c, key, sizeof key) || !accept(&c, ':'))
            return bad_header(ctx, path, "expected a quoted key and ':'");
        if (strcmp(key, "descr") == 0 && !seen_descr) {
            seen_descr = 1;
            skip_space(&c);
            if (c.s < c.end && (*c.s == '[' || *c.s == '{'))
                return nc_fail(ctx, NC_EFORMAT, "npyDtype",
                               "%s: structured dtypes are not supported (only float32 '<f4' "
                               "and float64 '<f8')",
                               path);
            if (!parse_string(&c, descr, sizeof descr))
                return bad_header(ctx, path, "descr is not a string");
        } else if (strcmp(key, "fortran_order") == 0 && !seen_order) {
            seen_order = 1;
            if (parse_word(&c, "True"))
                hdr->fortran_order = 1;
            else if (parse_word(&c, "False"))
                hdr->fortran_order = 0;
            else
                return bad_header(ctx, path, "fortran_order is not True or False");
        } else if (strcmp(key, "shape") == 0 && !seen_shape) {
            seen_shape = 1;
            ndim = parse_shape(&c, dims, 3);
            if (ndim == -2)
                return nc_fail(ctx, NC_EFORMAT, "npyShape", "%s: a dimension overflows", path);
            if (ndim < 0)
                return bad_header(ctx, path, "shape is not a tuple of integers");
        } else {
            return bad_header(ctx, path, "unknown or repeated key");
        }
        if (!accept(&c, ',')) {
            if (accept(&c, '}'))
                break;
            return bad_header(ctx, path, "expected ',' or '}'");
        }
    }
    skip_space(&c);
    if (c.s != c.end)
        return bad_header(ctx, path, "text after the dictionary");
    if (!seen_descr || !seen_order || !seen_shape)
        return bad_header(ctx, path, "descr, fortran_order and shape are all required");
    if (strcmp(descr, "<f4") == 0)
        hdr->is_single = 1;
    else if (strcmp(descr, "<f8") == 0)
        hdr->is_single = 0;
    else
        return nc_fail(ctx, NC_EFORMAT, "npyDtype",
                       "%s: unsupported dtype '%s' (only little-endian float32 '<f4' and "
                       "float64 '<f8')",
                       path, descr);
    if (ndim < 1 || ndim > 2)
        return nc_fail(ctx, NC_EFORMAT, "npyShape",
                       "%s: the array has %d dimensions; only 1 or 2 are supported", path,
                       ndim);
    hdr->ndim = ndim;
    hdr->shape[0] = dims[0];
    hdr->shape[1] = ndim == 2 ? dims[1] : 1;
    return NC_OK;
}

static unsigned long little_endian(const unsigned char *p, int bytes)
{
    unsigned long v = 0;
    for (int i = bytes - 1; i >= 0; --i)
        v = (v << 8) | p[i];
    return v;
}

nc_status nc_npy_read_header(nc_ctx *ctx, const char *path, nc_npy_header *hdr)
{
    memset(hdr, 0, sizeof *hdr);
    FILE *f = fopen(path, "rb");
    if (!f)
        return nc_fail(ctx, NC_EIO, "cannotOpen", "cannot open '%s': %s", path,
                       strerror(errno));
    unsigned char pre[12];
    char *text = NULL;
    struct stat sb;
    size_t got = fread(pre, 1, 8, f);
    if (got < 6 || memcmp(pre, "\x93NUMPY", 6) != 0) {
        nc_fail(ctx, NC_EFORMAT, "npyBadMagic", "%s is not a .npy file (bad magic string)",
                path);
        goto done;
    }
    if (got < 8) {
        nc_fail(ctx, NC_EFORMAT, "npyTruncated", "%s: truncated in the header", path);
        goto done;
    }
    hdr->version = pre[6];
    if (pre[6] < 1 || pre[6] > 3 || pre[7] != 0) {
        nc_fail(ctx, NC_EFORMAT, "npyVersion",
                "%s: .npy format version %d.%d is not supported (1.0, 2.0 or 3.0)", path,
                pre[6], pre[7]);
        goto done;
    }
    int len_bytes = pre[6] == 1 ? 2 : 4;
    if (fread(pre + 8, 1, (size_t)len_bytes, f) != (size_t)len_bytes) {
        nc_fail(ctx, NC_EFORMAT, "npyTruncated", "%s: truncated in the header", path);
        goto done;
    }
    unsigned long hlen = little_endian(pre + 8, len_bytes);
    if (hlen > NPY_MAX_HEADER) {
        nc_fail(ctx, NC_EFORMAT, "npyBadHeader", "%s: header length %lu is implausible", path,
                hlen);
        goto done;
    }
    text = nc_alloc(ctx, hlen + 1, 1);
    if (!text)
        goto done;
    if (fread(text, 1, hlen, f) != hlen) {
        nc_fail(ctx, NC_EFORMAT, "npyTruncated", "%s: truncated in the header", path);
        goto done;
    }
    text[hlen] = 0;
    if (memchr(text, 0, hlen)) {
        bad_header(ctx, path, "a NUL byte in the text");
        goto done;
    }
    if (parse_dict(ctx, path, text, hlen, hdr) != NC_OK)
        goto done;
    hdr->data_offset = 8 + len_bytes + (long long)hlen;
    {
        long long item = hdr->is_single ? 4 : 8;
        long long r = hdr->shape[0], cols = hdr->shape[1];
        if (cols != 0 && r > INT64_MAX / item / cols) {
            nc_fail(ctx, NC_EFORMAT, "npyShape", "%s: the data size overflows", path);
            goto done;
        }
        long long need = hdr->data_offset + r * cols * item;
        if (fstat(fileno(f), &sb) != 0) {
            nc_fail(ctx, NC_EIO, "readFailed", "cannot stat '%s': %s", path, strerror(errno));
            goto done;
        }
        if ((long long)sb.st_size < need)
            nc_fail(ctx, NC_EFORMAT, "npyTruncated",
                    "%s: truncated: the header announces %lld x %lld %s values (%lld bytes of "
                    "data) but the file has only %lld bytes after the header",
                    path, r, cols, hdr->is_single ? "float32" : "float64", r * cols * item,
                    (long long)sb.st_size - hdr->data_offset);
    }
done:
    nc_free(ctx, text);
    fclose(f);
    return ctx->status;
}

static int read_at(FILE *f, long long offset, void *dst, size_t bytes)
{
    return fseeko(f, (off_t)offset, SEEK_SET) == 0 && fread(dst, 1, bytes, f) == bytes;
}

/* dst[t * ld_out + s] = src[s * n_t + t]: a transposing copy of s x t items. */
static void scatter(void *dst, long long ld_out, long long base, const void *src, long long ns,
                    long long nt, int is_single)
{
    for (long long s = 0; s < ns; ++s)
        for (long long t = 0; t < nt; ++t) {
            long long to = base + t * ld_out + s, from = s * nt + t;
            if (is_single)
                ((float *)dst)[to] = ((const float *)src)[from];
            else
                ((double *)dst)[to] = ((const double *)src)[from];
        }
}

nc_status nc_npy_read(nc_ctx *ctx, const char *path, const nc_npy_header *hdr,
                      long long row0, long long nrows, int transpose, void *dst)
{
    const long long R = hdr->shape[0], C = hdr->shape[1];
    const size_t item = hdr->is_single ? 4 : 8;
    if (row0 < 0 || nrows < 0 || row0 > R || nrows > R - row0)
        return nc_fail(ctx, NC_EBADARG, "badRows",
                       "rows %lld to %lld are outside the %lld rows of %s", row0 + 1,
                       row0 + nrows, R, path);
    if (nrows == 0 || C == 0)
        return NC_OK;
    FILE *f = fopen(path, "rb");
    if (!f)
        return nc_fail(ctx, NC_EIO, "cannotOpen", "cannot open '%s': %s", path,
                       strerror(errno));
    void *buf = NULL;
    int ok = 1;
    /* The on-disk layout is a column-major "inner x outer" matrix: C order
     * stores (rows x C) as C x rows, Fortran order as rows x C.  When the
     * wanted output has the same layout the bytes are copied as they are;
     * otherwise they are transposed through a buffer of about 8 MB. */
    if (!hdr->fortran_order) {
        long long base = hdr->data_offset + row0 * C * (long long)item;
        if (transpose) {
            ok = read_at(f, base, dst, (size_t)(nrows * C) * item);
        } else {
            long long per = (8LL << 20) / ((long long)item * C);
            per = per < 1 ? 1 : (per > nrows ? nrows : per);
            buf = nc_alloc(ctx, (size_t)(per * C), item);
            for (long long r = 0; ok && buf && r < nrows; r += per) {
                long long nr = nrows - r < per ? nrows - r : per;
                ok = read_at(f, base + r * C * (long long)item, buf, (size_t)(nr * C) * item);
                if (ok) /* buf is C x nr column-major, out is nrows x C */
                    scatter(dst, nrows, r, buf, nr, C, hdr->is_single);
                if (nc_interrupted(ctx))
                    break;
            }
        }
    } else {
        if (!transpose) {
            for (long long c = 0; ok && c < C; ++c) {
                ok = read_at(f, hdr->data_offset + (c * R + row0) * (long long)item,
                             (char *)dst + (size_t)(c * nrows) * item, (size_t)nrows * item);
                if ((c & 1023) == 1023 && nc_interrupted(ctx))
                    break;
            }
        } else {
            buf = nc_alloc(ctx, (size_t)nrows, item);
            for (long long c = 0; ok && buf && c < C; ++c) {
                ok = read_at(f, hdr->data_offset + (c * R + row0) * (long long)item, buf,
                             (size_t)nrows * item);
                if (ok) /* column c of the array is row c of the C x nrows output */
                    scatter(dst, C, c, buf, 1, nrows, hdr->is_single);
                if ((c & 1023) == 1023 && nc_interrupted(ctx))
                    break;
            }
        }
    }
    if (!ok)
        nc_fail(ctx, feof(f) ? NC_EFORMAT : NC_EIO, feof(f) ? "npyTruncated" : "readFailed",
                "%s: the data ends early or cannot be read", path);
    nc_free(ctx, buf);
    fclose(f);
    return ctx->status;
}
