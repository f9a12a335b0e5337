/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Reading blocks of rows or columns of an open .npy array, in either
 * layout, with byte swapping and conversion: see include/nc_npy.h.
 *
 * On disk an array is a column-major matrix D of "inner x outer" values:
 * C order stores (R, C) as D = A' (C x R), Fortran order as D = A.  A block
 * of rows or columns of A is then either a range of D's columns (one
 * contiguous read) or a range of its rows (one read per column of D).  When
 * the caller's layout is the one on disk and no conversion is needed, the
 * bytes go straight into the caller's buffer; otherwise through a bounded
 * buffer, decoded and, if needed, transposed. */
#include "nc_npy.h"
#include "npy_stream.h"

#include <stdint.h>
#include <string.h>

/* Bytes of the intermediate buffer, and of one direct read between two
 * interrupt checks. */
#define PIECE_BYTES (4L << 20)
#define DIRECT_BYTES (64L << 20)

static void swap_bytes(unsigned char *p, size_t n, int item)
{
    for (size_t i = 0; i < n; ++i, p += item)
        for (int a = 0, b = item - 1; a < b; ++a, --b) {
            unsigned char t = p[a];
            p[a] = p[b];
            p[b] = t;
        }
}

/* Every binary16 value is a binary32 value: the exponent is rebiased and a
 * subnormal half normalised. */
static float half_to_float(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16, exp = (h >> 10) & 0x1fu, man = h & 0x3ffu;
    uint32_t bits;
    if (exp == 0x1f) {
        bits = sign | 0x7f800000u | (man << 13);
    } else if (exp == 0) {
        if (man == 0) {
            bits = sign;
        } else {
            int e = -1;
            do {
                ++e;
                man <<= 1;
            } while (!(man & 0x400u));
            bits = sign | ((uint32_t)(112 - e) << 23) | ((man & 0x3ffu) << 13);
        }
    } else {
        bits = sign | ((exp + 112) << 23) | (man << 13);
    }
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

#define CONVERT(SRC, DST)                                                                  \
    do {                                                                                   \
        for (size_t i = 0; i < n; ++i) {                                                   \
            SRC v;                                                                         \
            memcpy(&v, src + i * sizeof(SRC), sizeof v);                                   \
            ((DST *)dst)[i] = (DST)v;                                                      \
        }                                                                                  \
    } while (0)

#define CONVERT_TO(DST)                                                                    \
    do {                                                                                   \
        switch (t) {                                                                       \
        case NC_DT_INT8: CONVERT(int8_t, DST); break;                                      \
        case NC_DT_INT16: CONVERT(int16_t, DST); break;                                    \
        case NC_DT_INT32: CONVERT(int32_t, DST); break;                                    \
        case NC_DT_INT64: CONVERT(int64_t, DST); break;                                    \
        case NC_DT_UINT8: CONVERT(uint8_t, DST); break;                                    \
        case NC_DT_UINT16: CONVERT(uint16_t, DST); break;                                  \
        case NC_DT_UINT32: CONVERT(uint32_t, DST); break;                                  \
        case NC_DT_UINT64: CONVERT(uint64_t, DST); break;                                  \
        case NC_DT_BOOL:                                                                   \
            for (size_t i = 0; i < n; ++i)                                                 \
                ((DST *)dst)[i] = (DST)(src[i] != 0);                                      \
            break;                                                                         \
        case NC_DT_FLOAT16:                                                                \
            for (size_t i = 0; i < n; ++i) {                                               \
                uint16_t v;                                                                \
                memcpy(&v, src + 2 * i, 2);                                                \
                ((DST *)dst)[i] = (DST)half_to_float(v);                                   \
            }                                                                              \
            break;                                                                         \
        case NC_DT_FLOAT32: CONVERT(float, DST); break;                                    \
        case NC_DT_FLOAT64: CONVERT(double, DST); break;                                   \
        default: break;                                                                    \
        }                                                                                  \
    } while (0)

/* N values of the file's type at SRC (swapped in place when needed) into
 * DST as OUT; SRC and DST may be the same buffer when the sizes agree. */
static void decode(const nc_npy_header *h, unsigned char *src, size_t n, nc_dtype out,
                   void *dst)
{
    const nc_dtype t = h->dtype;
    if (h->swap)
        swap_bytes(src, n, h->item);
    if (out == t) {
        if (t == NC_DT_BOOL)
            for (size_t i = 0; i < n; ++i)
                ((unsigned char *)dst)[i] = src[i] != 0;
        else if ((void *)src != dst)
            memcpy(dst, src, n * (size_t)h->item);
    } else if (out == NC_DT_FLOAT64) {
        CONVERT_TO(double);
    } else {
        CONVERT_TO(float);
    }
}

/* dst[(i0 + i) * O + o0 + c] = piece[c * ni + i]: a transposing copy. */
static void scatter(unsigned char *dst, long long O, long long o0, long long i0,
                    const unsigned char *piece, long long g, long long ni, int size)
{
    for (long long c = 0; c < g; ++c)
        for (long long i = 0; i < ni; ++i)
            memcpy(dst + (size_t)(((i0 + i) * O + o0 + c) * size),
                   piece + (size_t)((c * ni + i) * size), (size_t)size);
}

typedef struct {
    nc_stream *s;
    const nc_npy_header *h;
    long long I;     /* rows of the disk matrix D */
    long long first; /* of the selected range */
    int sel_outer;   /* the range is one of D's columns (else of its rows) */
    long long Ip, Op; /* the selected block of D: Ip x Op */
} block;

/* Items before D-block element (i, o). */
static long long disk_index(const block *b, long long i, long long o)
{
    return b->sel_outer ? (b->first + o) * b->I + i : o * b->I + b->first + i;
}

static nc_status read_items(nc_ctx *ctx, const block *b, long long i, long long o, long long n,
                            void *dst)
{
    long long at = b->h->data_offset + disk_index(b, i, o) * b->h->item;
    return nc_stream_read(ctx, b->s, at, dst, (size_t)(n * b->h->item));
}

/* The caller's layout is D's and the values need at most swapping: read
 * straight into DST, in bounded steps so that Ctrl-C is seen. */
static nc_status read_direct(nc_ctx *ctx, const block *b, unsigned char *dst)
{
    const int item = b->h->item;
    const long long step = DIRECT_BYTES / item;
    if (b->sel_outer) { /* the block is contiguous on disk */
        const long long total = b->Ip * b->Op;
        for (long long k = 0; k < total; k += step) {
            long long n = total - k < step ? total - k : step;
            unsigned char *p = dst + (size_t)(k * item);
            long long at = b->h->data_offset + (b->first * b->I + k) * item;
            if (nc_stream_read(ctx, b->s, at, p, (size_t)(n * item)) != NC_OK)
                return ctx->status;
            decode(b->h, p, (size_t)n, b->h->dtype, p);
            if (k + n < total && nc_interrupted(ctx))
                return ctx->status;
        }
        return NC_OK;
    }
    for (long long o = 0; o < b->Op; ++o) {
        unsigned char *p = dst + (size_t)(o * b->Ip * item);
        if (read_items(ctx, b, 0, o, b->Ip, p) != NC_OK)
            return ctx->status;
        decode(b->h, p, (size_t)b->Ip, b->h->dtype, p);
        if ((o & 1023) == 1023 && o + 1 < b->Op && nc_interrupted(ctx))
            return ctx->status;
    }
    return NC_OK;
}

/* Pieces of g whole D-block columns, or of ni < Ip values of one column
 * when a column alone exceeds the buffer. */
static void piece_shape(const block *b, nc_dtype out, long long *g, long long *ni)
{
    const int fi = b->h->item, oi = nc_dtype_size(out);
    const long long cap = PIECE_BYTES / (fi > oi ? fi : oi);
    *ni = b->Ip <= cap ? b->Ip : cap;
    *g = b->Ip <= cap ? (cap / b->Ip < b->Op ? cap / b->Ip : b->Op) : 1;
}

/* Through a buffer: the values decoded, and transposed unless SAME. */
static nc_status read_buffered(nc_ctx *ctx, const block *b, int same, nc_dtype out,
                               unsigned char *dst)
{
    const int fi = b->h->item, oi = nc_dtype_size(out);
    long long g, ni;
    piece_shape(b, out, &g, &ni);
    unsigned char *raw = nc_alloc(ctx, (size_t)(g * ni), (size_t)fi);
    unsigned char *conv = same ? NULL : nc_alloc(ctx, (size_t)(g * ni), (size_t)oi);
    if (!raw || (!same && !conv))
        goto done;
    for (long long o = 0; o < b->Op; o += g) {
        const long long gc = b->Op - o < g ? b->Op - o : g;
        for (long long i0 = 0; i0 < b->Ip; i0 += ni) {
            const long long n = b->Ip - i0 < ni ? b->Ip - i0 : ni;
            if (b->sel_outer && n == b->Ip) {
                if (read_items(ctx, b, 0, o, gc * n, raw) != NC_OK)
                    goto done;
            } else {
                for (long long c = 0; c < gc; ++c)
                    if (read_items(ctx, b, i0, o + c, n, raw + (size_t)(c * n * fi)) != NC_OK)
                        goto done;
            }
            for (long long c = 0; same && c < gc; ++c)
                decode(b->h, raw + (size_t)(c * n * fi), (size_t)n, out,
                       dst + (size_t)(((o + c) * b->Ip + i0) * oi));
            if (!same) {
                decode(b->h, raw, (size_t)(gc * n), out, conv);
                scatter(dst, b->Op, o, i0, conv, gc, n, oi);
            }
            if (nc_interrupted(ctx))
                goto done;
        }
    }
done:
    nc_free(ctx, raw);
    nc_free(ctx, conv);
    return ctx->status;
}

/* The D block of a read, and whether the caller's layout is D's. */
static void plan(nc_npy *a, int axis, long long first, long long count, int transpose,
                 block *b, int *same)
{
    const nc_npy_header *h = nc_npy_info(a);
    const long long R = h->shape[0], C = h->shape[1], O = h->fortran_order ? C : R;
    b->s = nc_npy_stream(a);
    b->h = h;
    b->I = h->fortran_order ? R : C;
    b->first = first;
    b->sel_outer = (axis == 0) != (h->fortran_order != 0);
    b->Ip = b->sel_outer ? b->I : count;
    b->Op = b->sel_outer ? count : O;
    /* a vector is its own transpose in memory */
    *same = (transpose != 0) == !h->fortran_order || b->Ip == 1 || b->Op == 1;
}

long long nc_npy_read_workspace(const nc_npy *a, int axis, long long count, int transpose,
                                nc_dtype out)
{
    block b;
    int same;
    long long g, ni;
    plan((nc_npy *)a, axis, 0, count, transpose, &b, &same);
    if (b.Ip == 0 || b.Op == 0 || (same && out == b.h->dtype))
        return 0;
    piece_shape(&b, out, &g, &ni);
    return g * ni * (b.h->item + (same ? 0 : nc_dtype_size(out)));
}

nc_status nc_npy_read(nc_ctx *ctx, nc_npy *a, int axis, long long first, long long count,
                      int transpose, nc_dtype out, void *dst)
{
    const nc_npy_header *h = nc_npy_info(a);
    const long long len = axis ? h->shape[1] : h->shape[0];
    const nc_dtype natural = nc_dtype_natural(h->dtype);
    if (axis != 0 && axis != 1)
        return nc_fail(ctx, NC_EBADARG, "badRows", "axis %d is neither rows (0) nor columns (1)",
                       axis);
    if (out != natural && out != NC_DT_FLOAT64 && out != NC_DT_FLOAT32)
        return nc_fail(ctx, NC_EBADARG, "badType", "%s: cannot return %s values as %s",
                       nc_npy_name(a), nc_dtype_name(h->dtype), nc_dtype_name(out));
    if (first < 0 || count < 0 || first > len || count > len - first)
        return nc_fail(ctx, NC_EBADARG, "badRows", "%s %lld to %lld are outside the %lld %s of %s",
                       axis ? "columns" : "rows", first + 1, first + count, len,
                       axis ? "columns" : "rows", nc_npy_name(a));
    block b;
    int same;
    plan(a, axis, first, count, transpose, &b, &same);
    if (b.Ip == 0 || b.Op == 0)
        return NC_OK;
    if (same && out == h->dtype)
        return read_direct(ctx, &b, dst);
    return read_buffered(ctx, &b, same, out, dst);
}
