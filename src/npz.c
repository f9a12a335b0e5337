/* SPDX-License-Identifier: GPL-3.0-or-later */
/* .npz archives: the zip container NumPy's savez and savez_compressed
 * write, read from its central directory (the authoritative sizes; NumPy
 * writes every local header with a zip64 extra field, and the central one
 * only for members past 2 GB), with stored members read in place and
 * deflated ones inflated forwards by zlib's raw inflate.
 *
 * Every number in the directory is checked against the size of the file
 * with overflow-checked sums before it is used, so a corrupted archive
 * yields ncufm:npzBadZip (or npzCorrupt for bad compressed data), never a
 * read outside the file or an allocation the file cannot justify. */
#define _FILE_OFFSET_BITS 64
#define _POSIX_C_SOURCE 200809L
#include "nc_npy.h"
#include "npy_stream.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <zlib.h>

#define EOCD_SIZE 22
#define EOCD_SEARCH (EOCD_SIZE + 65535)
#define ZIP64_LOCATOR_SIZE 20
#define ZIP64_EOCD_SIZE 56
#define CENTRAL_SIZE 46
#define LOCAL_SIZE 30
/* A directory this large would list about a million arrays. */
#define MAX_DIRECTORY (64LL << 20)
#define INFLATE_BUFFER (1 << 16)

struct nc_inflater {
    z_stream zs;
    int live;           /* inflateInit2 succeeded */
    long long csize;    /* compressed bytes of the member */
    long long cpos;     /* compressed bytes handed to zlib */
    long long pos;      /* uncompressed bytes produced */
    uLong crc;          /* of the bytes produced so far */
    uLong want_crc;
    unsigned char in[INFLATE_BUFFER];
    unsigned char skip[INFLATE_BUFFER];
};

static unsigned long long get_le(const unsigned char *p, int bytes)
{
    unsigned long long v = 0;
    for (int i = bytes - 1; i >= 0; --i)
        v = (v << 8) | p[i];
    return v;
}

/* Reads exactly BYTES at OFFSET of the file. */
static int read_at(FILE *f, long long offset, void *dst, size_t bytes)
{
    return fseeko(f, (off_t)offset, SEEK_SET) == 0 && fread(dst, 1, bytes, f) == bytes;
}

static nc_status bad_zip(nc_ctx *ctx, const char *name, const char *what)
{
    return nc_fail(ctx, NC_EFORMAT, "npzBadZip", "%s: not a readable .npz (zip) archive: %s",
                   name, what);
}

long long nc_file_size(nc_ctx *ctx, FILE *f, const char *name)
{
    struct stat sb;
    if (fstat(fileno(f), &sb) != 0) {
        nc_fail(ctx, NC_EIO, "readFailed", "cannot stat '%s': %s", name, strerror(errno));
        return -1;
    }
    if (!S_ISREG(sb.st_mode)) {
        nc_fail(ctx, NC_EIO, "cannotOpen", "'%s' is not a regular file", name);
        return -1;
    }
    return (long long)sb.st_size;
}

typedef struct {
    long long offset, size, entries; /* of the central directory */
} directory;

/* The zip64 end record, when the classic one says a field overflowed. */
static nc_status find_zip64_end(nc_ctx *ctx, FILE *f, const char *name, long long fsize,
                                long long eocd, directory *dir)
{
    unsigned char loc[ZIP64_LOCATOR_SIZE], rec[ZIP64_EOCD_SIZE];
    if (eocd < ZIP64_LOCATOR_SIZE ||
        !read_at(f, eocd - ZIP64_LOCATOR_SIZE, loc, sizeof loc) ||
        get_le(loc, 4) != 0x07064b50)
        return bad_zip(ctx, name, "the end record needs a zip64 locator, which is missing");
    unsigned long long at = get_le(loc + 8, 8);
    if (at > (unsigned long long)(fsize - ZIP64_EOCD_SIZE) || fsize < ZIP64_EOCD_SIZE ||
        !read_at(f, (long long)at, rec, sizeof rec) || get_le(rec, 4) != 0x06064b50)
        return bad_zip(ctx, name, "the zip64 end record is missing or outside the file");
    unsigned long long entries = get_le(rec + 32, 8), size = get_le(rec + 40, 8),
                       offset = get_le(rec + 48, 8);
    if (entries > INT64_MAX || size > INT64_MAX || offset > INT64_MAX)
        return bad_zip(ctx, name, "the zip64 end record holds impossible sizes");
    dir->entries = (long long)entries;
    dir->size = (long long)size;
    dir->offset = (long long)offset;
    return NC_OK;
}

/* Finds the end of central directory record (the last one in the file). */
static nc_status find_directory(nc_ctx *ctx, FILE *f, const char *name, long long fsize,
                                directory *dir)
{
    unsigned char buf[EOCD_SEARCH];
    long long span = fsize < EOCD_SEARCH ? fsize : EOCD_SEARCH, start = fsize - span;
    if (fsize < EOCD_SIZE || !read_at(f, start, buf, (size_t)span))
        return bad_zip(ctx, name, "too short for a zip archive");
    long long at = -1;
    for (long long i = span - EOCD_SIZE; i >= 0; --i)
        if (buf[i] == 'P' && buf[i + 1] == 'K' && buf[i + 2] == 5 && buf[i + 3] == 6) {
            at = i;
            break;
        }
    if (at < 0)
        return bad_zip(ctx, name, "no end of central directory record");
    const unsigned char *e = buf + at;
    if (get_le(e + 4, 2) != 0 || get_le(e + 6, 2) != 0)
        return bad_zip(ctx, name, "multi-disk archives are not supported");
    dir->entries = (long long)get_le(e + 10, 2);
    dir->size = (long long)get_le(e + 12, 4);
    dir->offset = (long long)get_le(e + 16, 4);
    if (dir->entries == 0xFFFF || dir->size == 0xFFFFFFFFLL || dir->offset == 0xFFFFFFFFLL)
        if (find_zip64_end(ctx, f, name, fsize, start + at, dir) != NC_OK)
            return ctx->status;
    long long end;
    if (!nc_off_add(dir->offset, dir->size, &end) || end > fsize)
        return bad_zip(ctx, name, "the central directory lies outside the file");
    if (dir->size > MAX_DIRECTORY)
        return bad_zip(ctx, name, "the central directory is implausibly large");
    if (dir->entries > dir->size / CENTRAL_SIZE)
        return bad_zip(ctx, name, "the central directory is shorter than its entry count");
    return NC_OK;
}

typedef struct {
    const char *name; /* not terminated */
    size_t name_len;
    int method, flags;
    unsigned long crc;
    long long csize, usize, local;
} entry;

/* Replaces the 0xFFFFFFFF fields of E by the 64-bit ones of the zip64
 * extra field (id 1), which lists only the overflowed fields, in order. */
static int apply_zip64(entry *e, const unsigned char *x, size_t xlen, int big_u, int big_c,
                       int big_l)
{
    size_t i = 0;
    while (i + 4 <= xlen) {
        unsigned id = (unsigned)get_le(x + i, 2), len = (unsigned)get_le(x + i + 2, 2);
        if (len > xlen - i - 4)
            return 0;
        if (id == 1) {
            const unsigned char *p = x + i + 4;
            size_t need = 8u * (unsigned)(big_u + big_c + big_l);
            if (len < need)
                return 0;
            unsigned long long v;
            if (big_u) {
                v = get_le(p, 8), p += 8;
                if (v > INT64_MAX)
                    return 0;
                e->usize = (long long)v;
            }
            if (big_c) {
                v = get_le(p, 8), p += 8;
                if (v > INT64_MAX)
                    return 0;
                e->csize = (long long)v;
            }
            if (big_l) {
                v = get_le(p, 8);
                if (v > INT64_MAX)
                    return 0;
                e->local = (long long)v;
            }
            return 1;
        }
        i += 4 + len;
    }
    return !(big_u || big_c || big_l);
}

/* Parses the entry at *pos of the directory CD (SIZE bytes) and advances. */
static nc_status next_entry(nc_ctx *ctx, const char *name, const unsigned char *cd,
                            long long size, long long *pos, entry *e)
{
    const unsigned char *p = cd + *pos;
    if (size - *pos < CENTRAL_SIZE || get_le(p, 4) != 0x02014b50)
        return bad_zip(ctx, name, "a central directory entry is damaged");
    size_t nlen = (size_t)get_le(p + 28, 2), xlen = (size_t)get_le(p + 30, 2),
           clen = (size_t)get_le(p + 32, 2);
    if ((long long)(CENTRAL_SIZE + nlen + xlen + clen) > size - *pos)
        return bad_zip(ctx, name, "a central directory entry runs past the directory");
    memset(e, 0, sizeof *e);
    e->flags = (int)get_le(p + 8, 2);
    e->method = (int)get_le(p + 10, 2);
    e->crc = (unsigned long)get_le(p + 16, 4);
    e->csize = (long long)get_le(p + 20, 4);
    e->usize = (long long)get_le(p + 24, 4);
    e->local = (long long)get_le(p + 42, 4);
    e->name = (const char *)p + CENTRAL_SIZE;
    e->name_len = nlen;
    if (!apply_zip64(e, p + CENTRAL_SIZE + nlen, xlen, e->usize == 0xFFFFFFFFLL,
                     e->csize == 0xFFFFFFFFLL, e->local == 0xFFFFFFFFLL))
        return bad_zip(ctx, name, "a zip64 extra field is damaged");
    *pos += (long long)(CENTRAL_SIZE + nlen + xlen + clen);
    return NC_OK;
}

/* The array name np.load gives an entry: its name without ".npy". */
static size_t key_length(const entry *e)
{
    size_t n = e->name_len;
    return n >= 4 && memcmp(e->name + n - 4, ".npy", 4) == 0 ? n - 4 : n;
}

/* Loads the central directory of F into *cd (freed by the caller). */
static nc_status load_directory(nc_ctx *ctx, FILE *f, const char *name, unsigned char **cd,
                                directory *dir)
{
    long long fsize = nc_file_size(ctx, f, name);
    *cd = NULL;
    if (fsize < 0 || find_directory(ctx, f, name, fsize, dir) != NC_OK)
        return ctx->status;
    *cd = nc_alloc(ctx, (size_t)dir->size + 1, 1);
    if (!*cd)
        return ctx->status;
    if (!read_at(f, dir->offset, *cd, (size_t)dir->size))
        return bad_zip(ctx, name, "the central directory cannot be read");
    return NC_OK;
}

nc_status nc_npz_names(nc_ctx *ctx, const char *path, char ***names, size_t *count)
{
    *names = NULL;
    *count = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return nc_fail(ctx, NC_EIO, "cannotOpen", "cannot open '%s': %s", path,
                       strerror(errno));
    unsigned char *cd = NULL;
    directory dir;
    if (load_directory(ctx, f, path, &cd, &dir) != NC_OK)
        goto done;
    *names = nc_calloc(ctx, dir.entries > 0 ? (size_t)dir.entries : 1, sizeof(char *));
    long long pos = 0;
    for (long long i = 0; *names && i < dir.entries; ++i) {
        entry e;
        if (next_entry(ctx, path, cd, dir.size, &pos, &e) != NC_OK)
            break;
        size_t n = key_length(&e);
        char *s = nc_alloc(ctx, n + 1, 1);
        if (!s)
            break;
        memcpy(s, e.name, n);
        s[n] = 0;
        if (memchr(s, 0, n)) {
            nc_free(ctx, s);
            bad_zip(ctx, path, "a member name contains a NUL byte");
            break;
        }
        (*names)[(*count)++] = s;
    }
done:
    nc_free(ctx, cd);
    fclose(f);
    if (ctx->status != NC_OK) {
        nc_npz_free_names(ctx, *names, *count);
        *names = NULL;
        *count = 0;
    }
    return ctx->status;
}

void nc_npz_free_names(nc_ctx *ctx, char **names, size_t count)
{
    if (!names)
        return;
    for (size_t i = 0; i < count; ++i)
        nc_free(ctx, names[i]);
    nc_free(ctx, names);
}

/* Where the data of entry E starts, from its local header. */
static nc_status locate_data(nc_ctx *ctx, nc_stream *s, long long fsize, const entry *e,
                             long long *data)
{
    unsigned char h[LOCAL_SIZE];
    long long end;
    if (e->local > fsize - LOCAL_SIZE || !read_at(s->f, e->local, h, sizeof h) ||
        get_le(h, 4) != 0x04034b50)
        return bad_zip(ctx, s->name, "the member's local header is missing or damaged");
    long long start = e->local + LOCAL_SIZE + (long long)get_le(h + 26, 2) +
                      (long long)get_le(h + 28, 2);
    if (!nc_off_add(start, e->csize, &end) || end > fsize)
        return nc_fail(ctx, NC_EFORMAT, "npyTruncated",
                       "%s: truncated: the member's %lld compressed bytes run past the end "
                       "of the archive",
                       s->name, e->csize);
    *data = start;
    return NC_OK;
}

static nc_status start_inflate(nc_ctx *ctx, nc_stream *s, const entry *e)
{
    nc_inflater *z = nc_calloc(ctx, 1, sizeof *z);
    if (!z)
        return ctx->status;
    s->z = z;
    z->csize = e->csize;
    z->want_crc = e->crc;
    z->crc = crc32(0L, Z_NULL, 0);
    if (inflateInit2(&z->zs, -MAX_WBITS) != Z_OK)
        return nc_fail(ctx, NC_ENOMEM, "outOfMemory", "%s: zlib cannot start inflating",
                       s->name);
    z->live = 1;
    return NC_OK;
}

nc_status nc_zip_open_member(nc_ctx *ctx, nc_stream *s, const char *member)
{
    unsigned char *cd = NULL;
    directory dir;
    long long fsize = nc_file_size(ctx, s->f, s->name);
    if (fsize < 0 || load_directory(ctx, s->f, s->name, &cd, &dir) != NC_OK)
        goto done;
    size_t mlen = strlen(member), used = 0;
    long long pos = 0;
    int found = 0;
    char list[200] = "";
    entry e;
    for (long long i = 0; i < dir.entries && !found; ++i) {
        if (next_entry(ctx, s->name, cd, dir.size, &pos, &e) != NC_OK)
            goto done;
        found = (key_length(&e) == mlen && memcmp(e.name, member, mlen) == 0) ||
                (e.name_len == mlen && memcmp(e.name, member, mlen) == 0);
        if (used + 4 < sizeof list)
            used += (size_t)snprintf(list + used, sizeof list - used, "%s%.*s", i ? ", " : "",
                                     (int)key_length(&e), e.name);
    }
    if (!found) {
        nc_fail(ctx, NC_EBADARG, "npzMember", "%s: the archive has no array named '%s' (it has: %s)",
                s->name, member, dir.entries ? list : "no arrays");
        goto done;
    }
    if (e.flags & 1) {
        bad_zip(ctx, s->name, "the member is encrypted");
        goto done;
    }
    if (e.method != 0 && e.method != 8) {
        nc_fail(ctx, NC_EFORMAT, "npzBadZip",
                "%s: compression method %d is not supported (only stored and deflated, as "
                "numpy.savez and savez_compressed write)",
                s->name, e.method);
        goto done;
    }
    if (e.method == 0 && e.csize != e.usize) {
        bad_zip(ctx, s->name, "a stored member's compressed and uncompressed sizes differ");
        goto done;
    }
    if (locate_data(ctx, s, fsize, &e, &s->base) != NC_OK)
        goto done;
    s->size = e.usize;
    if (e.method == 8)
        start_inflate(ctx, s, &e);
done:
    nc_free(ctx, cd);
    return ctx->status;
}

void nc_stream_release(nc_ctx *ctx, nc_stream *s)
{
    if (s->z) {
        if (s->z->live)
            inflateEnd(&s->z->zs);
        nc_free(ctx, s->z);
        s->z = NULL;
    }
    if (s->f)
        fclose(s->f);
    s->f = NULL;
}

static nc_status corrupt(nc_ctx *ctx, const nc_stream *s, const char *what)
{
    return nc_fail(ctx, NC_EFORMAT, "npzCorrupt", "%s: the compressed data is corrupt (%s)",
                   s->name, what);
}

/* Produces the next BYTES of the member into DST (DST NULL: discarded). */
static nc_status inflate_into(nc_ctx *ctx, nc_stream *s, unsigned char *dst, size_t bytes)
{
    nc_inflater *z = s->z;
    /* skipping to a far offset inflates everything before it: Ctrl-C is
     * looked at every 4 MB or so */
    for (unsigned round = 1; bytes > 0; ++round) {
        if ((round & 63) == 0 && nc_interrupted(ctx))
            return ctx->status;
        unsigned char *out = dst ? dst : z->skip;
        size_t want = dst ? bytes : (bytes < sizeof z->skip ? bytes : sizeof z->skip);
        uInt step = want > (1u << 30) ? (1u << 30) : (uInt)want;
        if (z->zs.avail_in == 0 && z->cpos < z->csize) {
            long long left = z->csize - z->cpos;
            size_t n = left < (long long)sizeof z->in ? (size_t)left : sizeof z->in;
            if (!read_at(s->f, s->base + z->cpos, z->in, n))
                return nc_fail(ctx, NC_EIO, "readFailed", "%s: cannot read the archive",
                               s->name);
            z->cpos += (long long)n;
            z->zs.next_in = z->in;
            z->zs.avail_in = (uInt)n;
        }
        z->zs.next_out = out;
        z->zs.avail_out = step;
        int rc = inflate(&z->zs, Z_NO_FLUSH);
        size_t got = step - z->zs.avail_out;
        z->crc = crc32(z->crc, out, (uInt)got);
        z->pos += (long long)got;
        if (dst)
            dst += got;
        bytes -= got;
        if (rc == Z_STREAM_END && bytes > 0)
            return nc_fail(ctx, NC_EFORMAT, "npyTruncated",
                           "%s: truncated: the member inflates to %lld bytes, fewer than the "
                           "%lld its directory entry announces",
                           s->name, z->pos, s->size);
        if (rc == Z_NEED_DICT || rc == Z_DATA_ERROR || rc == Z_STREAM_ERROR)
            return corrupt(ctx, s, z->zs.msg ? z->zs.msg : "invalid deflate data");
        if (rc == Z_MEM_ERROR)
            return nc_fail(ctx, NC_ENOMEM, "outOfMemory", "%s: zlib ran out of memory",
                           s->name);
        if (got == 0 && z->zs.avail_in == 0 && z->cpos >= z->csize)
            return corrupt(ctx, s, "the deflate stream ends before the member does");
        if (got == 0 && rc == Z_BUF_ERROR)
            return corrupt(ctx, s, "no progress");
    }
    if (z->pos == s->size && z->crc != z->want_crc)
        return corrupt(ctx, s, "CRC-32 mismatch");
    return NC_OK;
}

static void restart(nc_inflater *z)
{
    inflateReset(&z->zs);
    z->zs.avail_in = 0;
    z->cpos = 0;
    z->pos = 0;
    z->crc = crc32(0L, Z_NULL, 0);
}

nc_status nc_stream_read(nc_ctx *ctx, nc_stream *s, long long offset, void *dst, size_t bytes)
{
    long long end;
    if (offset < 0 || !nc_off_add(offset, (long long)bytes, &end) || end > s->size)
        return nc_fail(ctx, NC_EFORMAT, "npyTruncated",
                       "%s: truncated: a read of %zu bytes at %lld passes the end (%lld bytes)",
                       s->name, bytes, offset, s->size);
    if (bytes == 0)
        return NC_OK;
    if (!s->z) {
        if (read_at(s->f, s->base + offset, dst, bytes))
            return NC_OK;
        return feof(s->f) ? nc_fail(ctx, NC_EFORMAT, "npyTruncated",
                                    "%s: the data ends early (the file shrank while read?)",
                                    s->name)
                          : nc_fail(ctx, NC_EIO, "readFailed", "%s: read error: %s", s->name,
                                    strerror(errno));
    }
    nc_inflater *z = s->z;
    if (offset < z->pos)
        restart(z);
    if (offset > z->pos && inflate_into(ctx, s, NULL, (size_t)(offset - z->pos)) != NC_OK)
        return ctx->status;
    return inflate_into(ctx, s, dst, bytes);
}
