/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Test fixtures written from the format specifications, independently of
 * the reader: .npy files (numpy.lib.format: magic, version, little-endian
 * header length, the dictionary padded with spaces to a multiple of 64
 * bytes and a newline, then the data) and zip archives (PKWARE APPNOTE:
 * local headers, data stored or raw-deflated, central directory, optional
 * zip64 records, end record). */
#ifndef NC_NPY_WRITER_H
#define NC_NPY_WRITER_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static inline size_t npy_bytes(unsigned char *buf, const char *dict, int version, const void *data,
                        size_t data_bytes)
{
    size_t lenbytes = version == 1 ? 2 : 4, pre = 8 + lenbytes, dl = strlen(dict);
    size_t total = (pre + dl + 1 + 63) / 64 * 64, hlen = total - pre;
    memcpy(buf, "\x93NUMPY", 6);
    buf[6] = (unsigned char)version;
    buf[7] = 0;
    for (size_t i = 0; i < lenbytes; ++i)
        buf[8 + i] = (unsigned char)(hlen >> (8 * i));
    memcpy(buf + pre, dict, dl);
    memset(buf + pre + dl, ' ', hlen - dl - 1);
    buf[total - 1] = '\n';
    if (data_bytes)
        memcpy(buf + total, data, data_bytes);
    return total + data_bytes;
}

static inline void write_file(const char *path, const unsigned char *buf, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        exit(2);
    }
    if (len && fwrite(buf, 1, len, f) != len)
        perror(path);
    fclose(f);
}

static inline void put_le(unsigned char *p, unsigned long long v, int bytes)
{
    for (int i = 0; i < bytes; ++i)
        p[i] = (unsigned char)(v >> (8 * i));
}

typedef struct {
    const char *name; /* as stored, e.g. "features.npy" */
    const unsigned char *data;
    size_t len;
    int deflate;
} zip_member;

/* Writes a zip of COUNT members into OUT (capacity CAP); with zip64 every
 * size and offset lives in zip64 extra fields and the archive ends with
 * the zip64 end record and locator.  Returns the length. */
static inline size_t zip_bytes(unsigned char *out, size_t cap, const zip_member *m, int count,
                        int zip64)
{
    size_t at = 0, *local = calloc((size_t)count, sizeof(size_t));
    size_t *csize = calloc((size_t)count, sizeof(size_t));
    unsigned long *crc = calloc((size_t)count, sizeof(unsigned long));
    for (int k = 0; k < count; ++k) {
        size_t nlen = strlen(m[k].name), xlen = zip64 ? 20 : 0;
        unsigned char *h = out + at;
        local[k] = at;
        crc[k] = crc32(crc32(0L, Z_NULL, 0), m[k].data, (uInt)m[k].len);
        unsigned char *data = h + 30 + nlen + xlen;
        if (m[k].deflate) {
            z_stream z;
            memset(&z, 0, sizeof z);
            deflateInit2(&z, 6, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
            z.next_in = (unsigned char *)m[k].data;
            z.avail_in = (uInt)m[k].len;
            z.next_out = data;
            z.avail_out = (uInt)(cap - (size_t)(data - out));
            deflate(&z, Z_FINISH);
            csize[k] = z.total_out;
            deflateEnd(&z);
        } else {
            memcpy(data, m[k].data, m[k].len);
            csize[k] = m[k].len;
        }
        put_le(h, 0x04034b50, 4);
        put_le(h + 4, zip64 ? 45 : 20, 2);
        put_le(h + 6, 0, 2);
        put_le(h + 8, m[k].deflate ? 8 : 0, 2);
        put_le(h + 10, 0, 4);
        put_le(h + 14, crc[k], 4);
        put_le(h + 18, zip64 ? 0xFFFFFFFFu : csize[k], 4);
        put_le(h + 22, zip64 ? 0xFFFFFFFFu : m[k].len, 4);
        put_le(h + 26, nlen, 2);
        put_le(h + 28, xlen, 2);
        memcpy(h + 30, m[k].name, nlen);
        if (zip64) {
            put_le(h + 30 + nlen, 1, 2);
            put_le(h + 32 + nlen, 16, 2);
            put_le(h + 34 + nlen, m[k].len, 8);
            put_le(h + 42 + nlen, csize[k], 8);
        }
        at = (size_t)(data - out) + csize[k];
    }
    size_t cd = at;
    for (int k = 0; k < count; ++k) {
        size_t nlen = strlen(m[k].name), xlen = zip64 ? 28 : 0;
        unsigned char *h = out + at;
        memset(h, 0, 46);
        put_le(h, 0x02014b50, 4);
        put_le(h + 4, 45, 2);
        put_le(h + 6, zip64 ? 45 : 20, 2);
        put_le(h + 10, m[k].deflate ? 8 : 0, 2);
        put_le(h + 16, crc[k], 4);
        put_le(h + 20, zip64 ? 0xFFFFFFFFu : csize[k], 4);
        put_le(h + 24, zip64 ? 0xFFFFFFFFu : m[k].len, 4);
        put_le(h + 28, nlen, 2);
        put_le(h + 30, xlen, 2);
        put_le(h + 42, zip64 ? 0xFFFFFFFFu : local[k], 4);
        memcpy(h + 46, m[k].name, nlen);
        if (zip64) {
            unsigned char *x = h + 46 + nlen;
            put_le(x, 1, 2);
            put_le(x + 2, 24, 2);
            put_le(x + 4, m[k].len, 8);
            put_le(x + 12, csize[k], 8);
            put_le(x + 20, local[k], 8);
        }
        at += 46 + nlen + xlen;
    }
    size_t cd_size = at - cd;
    if (zip64) {
        unsigned char *r = out + at;
        memset(r, 0, 56 + 20);
        put_le(r, 0x06064b50, 4);
        put_le(r + 4, 44, 8);
        put_le(r + 12, 45, 2);
        put_le(r + 14, 45, 2);
        put_le(r + 24, (unsigned long long)count, 8);
        put_le(r + 32, (unsigned long long)count, 8);
        put_le(r + 40, cd_size, 8);
        put_le(r + 48, cd, 8);
        put_le(r + 56, 0x07064b50, 4);
        put_le(r + 64, at, 8);
        put_le(r + 72, 1, 4);
        at += 76;
    }
    unsigned char *e = out + at;
    memset(e, 0, 22);
    put_le(e, 0x06054b50, 4);
    put_le(e + 8, zip64 ? 0xFFFF : (unsigned)count, 2);
    put_le(e + 10, zip64 ? 0xFFFF : (unsigned)count, 2);
    put_le(e + 12, zip64 ? 0xFFFFFFFFu : cd_size, 4);
    put_le(e + 16, zip64 ? 0xFFFFFFFFu : cd, 4);
    at += 22;
    free(local), free(csize), free(crc);
    return at;
}

#endif
