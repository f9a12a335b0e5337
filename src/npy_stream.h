/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Private to the .npy/.npz reader: the bytes of one array, from a plain
 * file or from a zip member (stored, or deflated and inflated on the fly). */
#ifndef NC_NPY_STREAM_H
#define NC_NPY_STREAM_H

#include "ncufm.h"

#include <stdint.h>
#include <stdio.h>

/* Offsets and sizes inside a file are signed (off_t): *out = a * b or
 * a + b for a, b >= 0, returning 0 (and leaving *out alone) when the
 * result exceeds INT64_MAX or an operand is negative.  Every number read
 * from a header or a zip directory goes through these before any use. */
static inline int nc_off_mul(long long a, long long b, long long *out)
{
    if (a < 0 || b < 0 || (a != 0 && b > INT64_MAX / a))
        return 0;
    *out = a * b;
    return 1;
}

static inline int nc_off_add(long long a, long long b, long long *out)
{
    if (a < 0 || b < 0 || b > INT64_MAX - a)
        return 0;
    *out = a + b;
    return 1;
}

typedef struct nc_inflater nc_inflater;

typedef struct {
    FILE *f;
    const char *name;      /* for messages */
    long long base;        /* the stream's first byte (stored) or first compressed byte */
    long long size;        /* bytes in the stream, uncompressed */
    nc_inflater *z;        /* NULL unless the member is deflated */
} nc_stream;

/* Reads BYTES at OFFSET of the stream; offset + bytes must be <= size.  A
 * deflated stream reads forwards cheaply and restarts when asked to go
 * back; reaching its end checks the CRC. */
nc_status nc_stream_read(nc_ctx *ctx, nc_stream *s, long long offset, void *dst, size_t bytes);

/* Opens the zip member MEMBER ("name", without ".npy") of PATH's open file
 * F: sets base, size and the inflater.  NAME is used in messages. */
nc_status nc_zip_open_member(nc_ctx *ctx, nc_stream *s, const char *member);
void nc_stream_release(nc_ctx *ctx, nc_stream *s);

/* The bytes of an open array (src/npy.c). */
struct nc_npy;
nc_stream *nc_npy_stream(struct nc_npy *a);

/* The size of an open file in bytes, or -1 with the error recorded. */
long long nc_file_size(nc_ctx *ctx, FILE *f, const char *name);

#endif
