/* SPDX-License-Identifier: GPL-3.0-or-later */
/* IDX reader (gzip through zlib, which also reads uncompressed files) and
 * the Fashion-MNIST loader. */
#define _POSIX_C_SOURCE 200809L
#include "nc_data.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#define FMNIST_SIDE 28
#define FMNIST_PIXELS (FMNIST_SIDE * FMNIST_SIDE)
#define FMNIST_CLASSES 10
/* Beyond any real IDX file of bytes; guards the size product against
 * overflow and absurd headers. */
#define IDX_MAX_COUNT (1L << 36)
/* Deflate cannot compress by more than 1032:1 (zlib's FAQ), which bounds
 * what a gzip file of a given size can hold. */
#define DEFLATE_MAX_RATIO 1032

static nc_status open_gz(nc_ctx *ctx, const char *path, gzFile *gz)
{
    *gz = gzopen(path, "rb");
    if (!*gz)
        return nc_fail(ctx, NC_EIO, "noData", "cannot open %s (%s)", path,
                       errno ? strerror(errno) : "zlib could not allocate");
    return NC_OK;
}

/* Reads exactly LEN bytes; distinguishes a short file from a corrupt stream. */
static nc_status read_exact(nc_ctx *ctx, gzFile gz, const char *path, void *buf, long len,
                            const char *what)
{
    unsigned char *p = buf;
    while (len > 0) {
        unsigned chunk = len > (1L << 30) ? (1u << 30) : (unsigned)len;
        int got = gzread(gz, p, chunk);
        if (got < 0) {
            int zerr;
            const char *msg = gzerror(gz, &zerr);
            return nc_fail(ctx, NC_EFORMAT, "badIdx", "%s: corrupt compressed data (%s)", path,
                           msg);
        }
        if (got == 0)
            return nc_fail(ctx, NC_EFORMAT, "badIdx", "%s is truncated: %s is incomplete",
                           path, what);
        p += got;
        len -= got;
    }
    return NC_OK;
}

static long be32(const unsigned char *b)
{
    return ((long)b[0] << 24) | ((long)b[1] << 16) | ((long)b[2] << 8) | (long)b[3];
}

/* A header's sizes against the file's: a header claiming more data than
 * the file can hold is refused before anyone allocates for it. */
static nc_status check_file_size(nc_ctx *ctx, gzFile gz, const char *path,
                                 const nc_idx_header *hdr)
{
    struct stat sb;
    if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
        return NC_OK;
    double size = (double)sb.st_size, data = size - 4.0 * (1 + hdr->ndim);
    if (gzdirect(gz) && (double)hdr->count > data)
        return nc_fail(ctx, NC_EFORMAT, "badIdx",
                       "%s is truncated: its header declares %ld values but %.0f bytes of data "
                       "follow",
                       path, hdr->count, data > 0 ? data : 0);
    if (!gzdirect(gz) && (double)hdr->count > DEFLATE_MAX_RATIO * size)
        return nc_fail(ctx, NC_EFORMAT, "badIdx",
                       "%s: its header declares %ld values, more than a compressed file of "
                       "%.0f bytes can hold (it is truncated or corrupt)",
                       path, hdr->count, size);
    return NC_OK;
}

static nc_status parse_header(nc_ctx *ctx, gzFile gz, const char *path, nc_idx_header *hdr)
{
    unsigned char magic[4], dim[4];
    nc_status st = read_exact(ctx, gz, path, magic, 4, "the magic number");
    if (st)
        return st;
    if (magic[0] != 0 || magic[1] != 0)
        return nc_fail(ctx, NC_EFORMAT, "badIdx",
                       "%s is not an IDX file (magic number %02x%02x%02x%02x)", path, magic[0],
                       magic[1], magic[2], magic[3]);
    if (magic[2] != 0x08)
        return nc_fail(ctx, NC_EFORMAT, "badIdx",
                       "%s holds IDX type 0x%02x; only unsigned bytes (0x08) are supported",
                       path, magic[2]);
    if (magic[3] < 1 || magic[3] > 3)
        return nc_fail(ctx, NC_EFORMAT, "badIdx", "%s has %d dimensions (1 to 3 supported)",
                       path, magic[3]);
    hdr->ndim = magic[3];
    hdr->count = 1;
    for (int i = 0; i < 3; ++i)
        hdr->dims[i] = 1;
    for (int i = 0; i < hdr->ndim; ++i) {
        st = read_exact(ctx, gz, path, dim, 4, "the header");
        if (st)
            return st;
        hdr->dims[i] = be32(dim);
        if (hdr->dims[i] <= 0 || hdr->dims[i] > IDX_MAX_COUNT / hdr->count)
            return nc_fail(ctx, NC_EFORMAT, "badIdx", "%s: dimension %d has size %ld", path,
                           i + 1, hdr->dims[i]);
        hdr->count *= hdr->dims[i];
    }
    return check_file_size(ctx, gz, path, hdr);
}

nc_status nc_idx_read_header(nc_ctx *ctx, const char *path, nc_idx_header *hdr)
{
    gzFile gz;
    nc_status st = open_gz(ctx, path, &gz);
    if (st)
        return st;
    st = parse_header(ctx, gz, path, hdr);
    gzclose(gz);
    return st;
}

nc_status nc_idx_read(nc_ctx *ctx, const char *path, int ndim, const long *want,
                      unsigned char *out, long want_count, nc_idx_header *hdr)
{
    gzFile gz;
    nc_status st = open_gz(ctx, path, &gz);
    if (st)
        return st;
    st = parse_header(ctx, gz, path, hdr);
    if (!st && hdr->ndim != ndim)
        st = nc_fail(ctx, NC_EFORMAT, "badIdx", "%s has %d dimensions, expected %d", path,
                     hdr->ndim, ndim);
    for (int i = 0; !st && want && i < ndim; ++i)
        if (want[i] > 0 && hdr->dims[i] != want[i])
            st = nc_fail(ctx, NC_EFORMAT, "badIdx", "%s: dimension %d is %ld, expected %ld",
                         path, i + 1, hdr->dims[i], want[i]);
    if (!st && hdr->count > want_count)
        st = nc_fail(ctx, NC_EFORMAT, "badIdx", "%s holds %ld values, expected %ld", path,
                     hdr->count, want_count);
    if (!st)
        st = read_exact(ctx, gz, path, out, hdr->count, "the data");
    if (!st) {
        unsigned char extra;
        int got = gzread(gz, &extra, 1);
        if (got != 0)
            st = nc_fail(ctx, NC_EFORMAT, "badIdx",
                         got < 0 ? "%s: corrupt compressed data after the values"
                                 : "%s has data beyond the size its header declares",
                         path);
    }
    gzclose(gz);
    return st;
}

static const char *fmnist_dir(const char *dir)
{
    if (dir && dir[0])
        return dir;
    const char *env = getenv(NC_FMNIST_ENV);
    return env && env[0] ? env : NC_FMNIST_DIR;
}

static void fmnist_paths(const char *dir, nc_fmnist_split split, char *images, char *labels,
                         size_t len)
{
    const char *stem = split == NC_FMNIST_TRAIN ? "train" : "t10k";
    dir = fmnist_dir(dir);
    snprintf(images, len, "%s/%s-images-idx3-ubyte.gz", dir, stem);
    snprintf(labels, len, "%s/%s-labels-idx1-ubyte.gz", dir, stem);
}

/* A missing file most often means the package is not installed: say so. */
static nc_status explain_missing(nc_ctx *ctx, const char *path)
{
    ctx->status = NC_OK;
    return nc_fail(ctx, NC_EIO, "noData",
                   "cannot open %s: install the Debian package dataset-fashion-mnist "
                   "(apt-get install dataset-fashion-mnist), or point the environment "
                   "variable " NC_FMNIST_ENV " or the option Dir at a folder holding the "
                   "four idx .gz files",
                   path);
}

nc_status nc_fmnist_count(nc_ctx *ctx, const char *dir, nc_fmnist_split split, long *count)
{
    char images[4096], labels[4096];
    nc_idx_header hi, hl;
    fmnist_paths(dir, split, images, labels, sizeof images);
    nc_status st = nc_idx_read_header(ctx, images, &hi);
    if (st == NC_EIO)
        return explain_missing(ctx, images);
    if (st)
        return st;
    st = nc_idx_read_header(ctx, labels, &hl);
    if (st == NC_EIO)
        return explain_missing(ctx, labels);
    if (st)
        return st;
    if (hi.ndim != 3 || hi.dims[1] != FMNIST_SIDE || hi.dims[2] != FMNIST_SIDE)
        return nc_fail(ctx, NC_EFORMAT, "badIdx",
                       "%s does not hold 28 x 28 images (header %d-D, %ld x %ld x %ld)",
                       images, hi.ndim, hi.dims[0], hi.dims[1], hi.dims[2]);
    if (hl.ndim != 1)
        return nc_fail(ctx, NC_EFORMAT, "badIdx", "%s is not a label vector (%d-D)", labels,
                       hl.ndim);
    if (hl.dims[0] != hi.dims[0])
        return nc_fail(ctx, NC_EFORMAT, "badIdx", "%s holds %ld labels but %s holds %ld images",
                       labels, hl.dims[0], images, hi.dims[0]);
    *count = hi.dims[0];
    return NC_OK;
}

nc_status nc_fmnist_read(nc_ctx *ctx, const char *dir, nc_fmnist_split split, long count,
                         float *X, int *y)
{
    char images[4096], labels[4096];
    nc_idx_header hdr;
    fmnist_paths(dir, split, images, labels, sizeof images);
    long want_img[3] = {count, FMNIST_SIDE, FMNIST_SIDE}, want_lab[1] = {count};
    unsigned char *buf = nc_alloc(ctx, (size_t)count, FMNIST_PIXELS);
    if (!buf)
        return ctx->status;
    nc_status st = nc_idx_read(ctx, labels, 1, want_lab, buf, count, &hdr);
    for (long j = 0; !st && j < count; ++j) {
        if (buf[j] >= FMNIST_CLASSES)
            st = nc_fail(ctx, NC_EFORMAT, "badIdx", "%s: label %d of sample %ld is not in 0..9",
                         labels, buf[j], j + 1);
        else
            y[j] = buf[j];
    }
    if (!st)
        st = nc_idx_read(ctx, images, 3, want_img, buf, count * FMNIST_PIXELS, &hdr);
    if (!st && nc_interrupted(ctx))
        st = ctx->status;
    /* IDX images are row-major 28 x 28; a column of X is the image read row
     * by row, which reshape(X(:,j), 28, 28)' shows upright. */
    for (long i = 0; !st && i < count * FMNIST_PIXELS; ++i)
        X[i] = (float)buf[i] / 255.0f;
    nc_free(ctx, buf);
    return st;
}
