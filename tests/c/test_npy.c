/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The .npy/.npz reader against files written here from the format
 * specifications (tests/c/npy_writer.h): every dtype in every byte order,
 * both layouts and all three versions, read whole, by rows and by columns,
 * transposed or not, converted or not; archives stored, deflated and zip64;
 * and the malformed headers that must be refused.  Expected values are the
 * bit patterns written, decoded here by a second route (two's complement
 * by hand, binary16 by its definition with ldexp). */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "nc_npy.h"
#include "npy_writer.h"

#include <float.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

static char path[64], path2[64];

static const char *const codes[NC_DT_COUNT] = {"i1", "i2", "i4", "i8", "u1", "u2",
                                               "u4", "u8", "b1", "f2", "f4", "f8"};
static const int items[NC_DT_COUNT] = {1, 2, 4, 8, 1, 2, 4, 8, 1, 2, 4, 8};

#define ROWS 3
#define COLS 4
#define COUNT (ROWS * COLS)

/* Twelve bit patterns per dtype, with the extremes of each type. */
static unsigned long long pattern(nc_dtype t, int i)
{
    const int bits = 8 * items[t];
    const unsigned long long mask = bits == 64 ? ~0ULL : (1ULL << bits) - 1;
    if (t <= NC_DT_INT64) {
        const long long lo = bits == 64 ? INT64_MIN : -(1LL << (bits - 1)), hi = -(lo + 1);
        const long long v[COUNT] = {0, 1, -1, lo, hi, lo + 1, hi - 1, 7, -100, 42, -42, 3};
        return (unsigned long long)v[i] & mask;
    }
    if (t <= NC_DT_UINT64) {
        const unsigned long long v[COUNT] = {0, 1, mask, mask - 1, 2, 7, 100, 200, 42, 128, 255, 3};
        return v[i] & mask;
    }
    if (t == NC_DT_BOOL) {
        const unsigned long long v[COUNT] = {0, 1, 1, 0, 7, 0, 1, 1, 0, 0, 1, 255};
        return v[i];
    }
    if (t == NC_DT_FLOAT16) {
        const unsigned long long v[COUNT] = {0x0000, 0x8000, 0x3c00, 0xc000, 0x7bff, 0x0001,
                                             0x03ff, 0x0400, 0x7c00, 0xfc00, 0x7e00, 0x3555};
        return v[i];
    }
    if (t == NC_DT_FLOAT32) {
        const float v[COUNT] = {0.0f, -0.0f, 1.0f, -2.5f, FLT_MAX, FLT_MIN, 1.4e-45f, INFINITY,
                                -INFINITY, NAN, 0.1f, -123456.789f};
        uint32_t u;
        memcpy(&u, &v[i], 4);
        return u;
    }
    const double v[COUNT] = {0.0, -0.0, 1.0, -2.5, DBL_MAX, DBL_MIN, 4.9e-324, INFINITY,
                             -INFINITY, NAN, 0.1, 1e300};
    uint64_t u;
    memcpy(&u, &v[i], 8);
    return u;
}

/* The value of a pattern, decoded independently of the reader. */
static double value_of(nc_dtype t, unsigned long long u)
{
    const int bits = 8 * items[t];
    if (t <= NC_DT_INT64)
        return bits == 64 ? (double)(int64_t)u
                          : (double)((long long)u - ((u >> (bits - 1)) ? (1LL << bits) : 0));
    if (t <= NC_DT_UINT64)
        return (double)u;
    if (t == NC_DT_BOOL)
        return u != 0;
    if (t == NC_DT_FLOAT16) {
        int s = (int)(u >> 15), e = (int)((u >> 10) & 31), m = (int)(u & 1023);
        double v = e == 31 ? (m ? NAN : INFINITY)
                   : e == 0 ? ldexp(m, -24)
                            : ldexp(1024 + m, e - 25);
        return s ? -v : v;
    }
    if (t == NC_DT_FLOAT32) {
        uint32_t w = (uint32_t)u;
        float f;
        memcpy(&f, &w, 4);
        return f;
    }
    double d;
    memcpy(&d, &u, 8);
    return d;
}

static int same_value(double a, double b)
{
    return (isnan(a) && isnan(b)) || (a == b && signbit(a) == signbit(b));
}

/* The value at offset I of a buffer of natural values of type T. */
static double natural_at(nc_dtype t, const void *buf, long long i)
{
    switch (nc_dtype_natural(t)) {
    case NC_DT_INT8: return ((const int8_t *)buf)[i];
    case NC_DT_INT16: return ((const int16_t *)buf)[i];
    case NC_DT_INT32: return ((const int32_t *)buf)[i];
    case NC_DT_INT64: return (double)((const int64_t *)buf)[i];
    case NC_DT_UINT8: case NC_DT_BOOL: return ((const uint8_t *)buf)[i];
    case NC_DT_UINT16: return ((const uint16_t *)buf)[i];
    case NC_DT_UINT32: return ((const uint32_t *)buf)[i];
    case NC_DT_UINT64: return (double)((const uint64_t *)buf)[i];
    case NC_DT_FLOAT32: return ((const float *)buf)[i];
    default: return ((const double *)buf)[i];
    }
}

/* The integers must come back bit for bit, not just as doubles. */
static int natural_bits_match(nc_dtype t, const void *buf, long long i, unsigned long long u)
{
    if (t > NC_DT_UINT64)
        return 1;
    unsigned long long got = 0;
    memcpy(&got, (const char *)buf + i * items[t], (size_t)items[t]); /* little-endian host */
    return got == u;
}

/* The file of a ROWS x COLS array of patterns in the given byte order,
 * layout and version. */
static size_t array_file(unsigned char *buf, nc_dtype t, char order, int fortran, int version)
{
    unsigned char data[COUNT * 8];
    const int item = items[t];
    const int big = order == '>';
    for (int r = 0; r < ROWS; ++r)
        for (int c = 0; c < COLS; ++c) {
            unsigned long long u = pattern(t, r * COLS + c);
            int at = fortran ? c * ROWS + r : r * COLS + c;
            for (int k = 0; k < item; ++k)
                data[at * item + (big ? item - 1 - k : k)] = (unsigned char)(u >> (8 * k));
        }
    char dict[160];
    snprintf(dict, sizeof dict, "{'descr': '%c%s', 'fortran_order': %s, 'shape': (%d, %d), }",
             order, codes[t], fortran ? "True" : "False", ROWS, COLS);
    return npy_bytes(buf, dict, version, data, (size_t)(COUNT * item));
}

/* Reads a block and compares every value with its pattern. */
static int check_block(nc_npy *a, nc_dtype t, int axis, int first, int count, int transpose,
                       nc_dtype out)
{
    double buf[COUNT];
    nc_ctx ctx;
    nc_ctx_init(&ctx, "t");
    memset(buf, 0xAB, sizeof buf);
    if (nc_npy_read(&ctx, a, axis, first, count, transpose, out, buf) != NC_OK) {
        fprintf(stderr, "read failed: %s\n", ctx.errmsg);
        return 0;
    }
    const int nr = axis ? ROWS : count, nc = axis ? count : COLS;
    for (int r = 0; r < nr; ++r)
        for (int c = 0; c < nc; ++c) {
            int R = axis ? r : first + r, C = axis ? first + c : c;
            long long at = transpose ? (long long)r * nc + c : (long long)c * nr + r;
            unsigned long long u = pattern(t, R * COLS + C);
            double want = value_of(t, u);
            double got = out == NC_DT_FLOAT64 ? buf[at] : natural_at(t, buf, at);
            if (out == NC_DT_FLOAT32)
                want = (float)want, got = ((float *)buf)[at];
            if (!same_value(got, want) || (out == nc_dtype_natural(t) && !natural_bits_match(t, buf, at, u))) {
                fprintf(stderr, "%s (%d,%d): got %.17g, want %.17g\n", codes[t], R, C, got, want);
                return 0;
            }
        }
    return 1;
}

static void test_dtypes(void)
{
    unsigned char buf[1024];
    const char orders[] = "<>|=";
    int cases = 0, good = 0;
    for (int t = 0; t < NC_DT_COUNT; ++t)
        for (int o = 0; o < 4; ++o)
            for (int fortran = 0; fortran < 2; ++fortran) {
                int version = 1 + (t + o + fortran) % 3;
                write_file(path, buf, array_file(buf, (nc_dtype)t, orders[o], fortran, version));
                nc_ctx ctx;
                nc_npy *a;
                nc_ctx_init(&ctx, "t");
                if (nc_npy_open(&ctx, path, NULL, &a) != NC_OK) {
                    CHECK(0, "open %c%s: %s", orders[o], codes[t], ctx.errmsg);
                    continue;
                }
                const nc_npy_header *h = nc_npy_info(a);
                CHECK(h->dtype == (nc_dtype)t && h->shape[0] == ROWS && h->shape[1] == COLS &&
                          h->ndim == 2 && h->version == version && h->fortran_order == fortran &&
                          h->swap == (items[t] > 1 && orders[o] == '>'),
                      "header of %c%s", orders[o], codes[t]);
                const nc_dtype nat = nc_dtype_natural((nc_dtype)t);
                int ok = 1;
                for (int tr = 0; tr < 2; ++tr) {
                    ok &= check_block(a, (nc_dtype)t, 0, 0, ROWS, tr, nat);
                    ok &= check_block(a, (nc_dtype)t, 0, 1, 2, tr, nat);
                    ok &= check_block(a, (nc_dtype)t, 1, 1, 3, tr, nat);
                    ok &= check_block(a, (nc_dtype)t, 1, 3, 1, tr, NC_DT_FLOAT64);
                    ok &= check_block(a, (nc_dtype)t, 0, 0, ROWS, tr, NC_DT_FLOAT64);
                    ok &= check_block(a, (nc_dtype)t, 0, 2, 1, tr, NC_DT_FLOAT32);
                }
                ++cases;
                good += ok;
                CHECK(ok, "values of %c%s, %s order", orders[o], codes[t], fortran ? "F" : "C");
                nc_npy_close(&ctx, a);
            }
    CHECK(cases == NC_DT_COUNT * 8 && good == cases, "%d of %d dtype cases", good, cases);
}

/* Arrays larger than the reader's 4 MB buffer, in the layouts that need
 * it: whole pieces of columns, and columns split into parts. */
static void test_large_blocks(void)
{
    const long long R = 1100000, C = 2; /* a column of 4.4 MB */
    float *data = malloc(sizeof(float) * R * C), *out = malloc(sizeof(float) * R * C);
    unsigned char *buf = malloc(sizeof(float) * R * C + 128);
    for (long long i = 0; i < R * C; ++i)
        data[i] = (float)(i % 9973) - 17.5f;
    for (int fortran = 0; fortran < 2; ++fortran) {
        char dict[128];
        snprintf(dict, sizeof dict, "{'descr': '<f4', 'fortran_order': %s, 'shape': (%lld, %lld), }",
                 fortran ? "True" : "False", R, C);
        write_file(path, buf, npy_bytes(buf, dict, 1, data, sizeof(float) * R * C));
        nc_ctx ctx;
        nc_npy *a;
        nc_ctx_init(&ctx, "t");
        CHECK(nc_npy_open(&ctx, path, NULL, &a) == NC_OK, "open large");
        for (int tr = 0; tr < 2; ++tr) {
            const long long first = 12345, count = R - 20000;
            CHECK(nc_npy_read(&ctx, a, 0, first, count, tr, NC_DT_FLOAT32, out) == NC_OK,
                  "read large: %s", ctx.errmsg);
            long long bad = 0;
            for (long long r = 0; r < count; ++r)
                for (long long c = 0; c < C; ++c) {
                    /* data is the disk order: C order r * C + c, Fortran c * R + r */
                    float want = data[fortran ? c * R + first + r : (first + r) * C + c];
                    float got = out[tr ? r * C + c : c * count + r];
                    bad += got != want;
                }
            CHECK(bad == 0, "large block, %s order, transpose %d: %lld wrong", fortran ? "F" : "C",
                  tr, bad);
        }
        nc_npy_close(&ctx, a);
    }
    free(data), free(out), free(buf);
}

static int fails_with(const char *file, const char *member, const char *errid)
{
    nc_ctx ctx;
    nc_npy *a = NULL;
    nc_ctx_init(&ctx, "t");
    nc_status s = nc_npy_open(&ctx, file, member, &a);
    nc_npy_close(&ctx, a);
    if (s == NC_OK || strcmp(ctx.errid, errid) != 0) {
        fprintf(stderr, "wanted %s, got %s: %s\n", errid, s == NC_OK ? "success" : ctx.errid,
                ctx.errmsg);
        return 0;
    }
    return 1;
}

static void test_malformed(void)
{
    static const struct {
        const char *dict;
        size_t data;
        const char *errid;
    } bad[] = {
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (12), }", 96, "ncufm:npyBadHeader"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (012,), }", 96, "ncufm:npyBadHeader"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (3, 00), }", 0, "ncufm:npyBadHeader"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (0, 1152921504606846975), }", 0,
         "ncufm:npyShape"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (1152921504606846975,), }", 16,
         "ncufm:npyShape"},
        {"{'descr': '<i1', 'fortran_order': False, 'shape': (1152921504606846975,), }", 16,
         "ncufm:npyTruncated"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", 16,
         "ncufm:npyShape"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999,), }", 8,
         "ncufm:npyShape"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3, 2), }", 96, "ncufm:npyShape"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (-2,), }", 16, "ncufm:npyBadHeader"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (,), }", 16, "ncufm:npyBadHeader"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (2 3,), }", 48, "ncufm:npyBadHeader"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': [2, 3], }", 48, "ncufm:npyBadHeader"},
        {"{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }", 16, "ncufm:npyDtype"},
        {"{'descr': '<U3', 'fortran_order': False, 'shape': (2,), }", 24, "ncufm:npyDtype"},
        {"{'descr': '|O', 'fortran_order': False, 'shape': (2,), }", 16, "ncufm:npyDtype"},
        {"{'descr': '<f3', 'fortran_order': False, 'shape': (2,), }", 16, "ncufm:npyDtype"},
        {"{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (2,), }", 16, "ncufm:npyDtype"},
        {"{'descr': '<f8', 'fortran_order': Maybe, 'shape': (2,), }", 16, "ncufm:npyBadHeader"},
        {"{'descr': '<f8', 'shape': (2,), }", 16, "ncufm:npyBadHeader"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (2,), 'extra': 1}", 16,
         "ncufm:npyBadHeader"},
        {"{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (2,)}", 16,
         "ncufm:npyBadHeader"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }", 40, "ncufm:npyTruncated"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (), }", 0, "ncufm:npyTruncated"},
        {"['descr', '<f8']", 16, "ncufm:npyBadHeader"},
    };
    unsigned char buf[1024], zeros[128] = {0};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
        write_file(path, buf, npy_bytes(buf, bad[i].dict, 1, zeros, bad[i].data));
        CHECK(fails_with(path, NULL, bad[i].errid), "header %s", bad[i].dict);
    }
    /* accepted: a 0-d array, an empty one, trailing commas, Python 2 longs */
    static const char *const good[] = {
        "{'descr': '<f8', 'fortran_order': False, 'shape': (), }",
        "{'descr': '<f8', 'fortran_order': False, 'shape': (0, 5), }",
        "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 1,), }",
        "{\"shape\": (2L, 1L), \"descr\": \"f8\", \"fortran_order\": True}",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; ++i) {
        write_file(path, buf, npy_bytes(buf, good[i], 2, zeros, 16));
        nc_ctx ctx;
        nc_npy *a = NULL;
        nc_ctx_init(&ctx, "t");
        CHECK(nc_npy_open(&ctx, path, NULL, &a) == NC_OK, "header %s: %s", good[i], ctx.errmsg);
        nc_npy_close(&ctx, a);
    }
    /* truncated at every length, bad magic, bad version, NUL in the text */
    size_t len = npy_bytes(buf, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", 1,
                           zeros, 16);
    int clean = 1;
    for (size_t cut = 0; cut < len; ++cut) {
        write_file(path, buf, cut);
        clean &= fails_with(path, NULL, cut < 6 ? "ncufm:npyBadMagic" : "ncufm:npyTruncated");
    }
    CHECK(clean, "every truncation refused");
    buf[6] = 4;
    write_file(path, buf, len);
    CHECK(fails_with(path, NULL, "ncufm:npyVersion"), "version 4");
    buf[6] = 1;
    buf[20] = 0;
    write_file(path, buf, len);
    CHECK(fails_with(path, NULL, "ncufm:npyBadHeader"), "NUL in the header");
    CHECK(fails_with("/nonexistent/x.npy", NULL, "ncufm:cannotOpen"), "missing file");
    CHECK(fails_with("/tmp", NULL, "ncufm:cannotOpen"), "a directory");
}

static void test_npz(void)
{
    unsigned char f1[600], f2[600], f3[600], zip[8192];
    const double feats[6] = {1.5, -2, 3, 4, 5e-300, 6}; /* C order (3, 2) */
    const int64_t labels[3] = {0, 2, 1};
    const float W[4] = {1, 2, 3, 4};
    size_t n1 = npy_bytes(f1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }", 1,
                          feats, sizeof feats);
    size_t n2 = npy_bytes(f2, "{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }", 1,
                          labels, sizeof labels);
    size_t n3 = npy_bytes(f3, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", 1,
                          W, sizeof W);
    for (int variant = 0; variant < 4; ++variant) {
        const int deflate = variant & 1, zip64 = variant >> 1;
        zip_member m[3] = {{"features.npy", f1, n1, deflate},
                           {"labels.npy", f2, n2, !deflate},
                           {"fc.weight.npy", f3, n3, deflate}};
        write_file(path, zip, zip_bytes(zip, sizeof zip, m, 3, zip64));
        nc_ctx ctx;
        nc_ctx_init(&ctx, "t");
        char **names;
        size_t count;
        CHECK(nc_npz_names(&ctx, path, &names, &count) == NC_OK && count == 3 &&
                  strcmp(names[0], "features") == 0 && strcmp(names[2], "fc.weight") == 0,
              "names, variant %d: %s", variant, ctx.errmsg);
        nc_npz_free_names(&ctx, names, count);
        int kind;
        CHECK(nc_npy_kind(&ctx, path, &kind) == NC_OK && kind == 2, "kind zip");
        nc_npy *a;
        double out[6];
        CHECK(nc_npy_open(&ctx, path, "features", &a) == NC_OK, "open features: %s", ctx.errmsg);
        if (ctx.status != NC_OK)
            continue;
        /* rows backwards: a deflated member restarts */
        CHECK(nc_npy_read(&ctx, a, 0, 2, 1, 1, NC_DT_FLOAT64, out) == NC_OK && out[0] == 5e-300 &&
                  out[1] == 6,
              "row 3");
        CHECK(nc_npy_read(&ctx, a, 0, 0, 3, 1, NC_DT_FLOAT64, out) == NC_OK &&
                  memcmp(out, feats, sizeof feats) == 0,
              "all rows after a restart: %s", ctx.errmsg);
        CHECK(nc_npy_read(&ctx, a, 1, 1, 1, 0, NC_DT_FLOAT64, out) == NC_OK && out[0] == -2 &&
                  out[1] == 4 && out[2] == 6,
              "column 2");
        nc_npy_close(&ctx, a);
        char spec[80];
        snprintf(spec, sizeof spec, "%s:labels", path);
        int64_t lab[3];
        CHECK(nc_npy_open(&ctx, spec, NULL, &a) == NC_OK &&
                  nc_npy_read(&ctx, a, 0, 0, 3, 0, NC_DT_INT64, lab) == NC_OK &&
                  memcmp(lab, labels, sizeof lab) == 0 &&
                  strcmp(nc_npy_name(a), spec) == 0,
              "labels through 'file:member': %s", ctx.errmsg);
        nc_npy_close(&ctx, a);
        float w[4];
        CHECK(nc_npy_open(&ctx, path, "fc.weight.npy", &a) == NC_OK &&
                  nc_npy_read(&ctx, a, 0, 0, 2, 0, NC_DT_FLOAT32, w) == NC_OK &&
                  memcmp(w, W, sizeof w) == 0,
              "a member named with its .npy suffix");
        nc_npy_close(&ctx, a);
        CHECK(fails_with(path, "bias", "ncufm:npzMember"), "missing member");
        CHECK(fails_with(path, NULL, "ncufm:npzMember"), "archive without a member");
    }
    write_file(path2, f1, n1);
    CHECK(fails_with(path2, "features", "ncufm:npzMember"), "a .npy file has no members");
    /* a deflated member with a damaged byte, and one whose CRC is wrong */
    zip_member m[1] = {{"x.npy", f1, n1, 1}};
    size_t zl = zip_bytes(zip, sizeof zip, m, 1, 0);
    unsigned char crcbad[8192];
    memcpy(crcbad, zip, zl);
    crcbad[zl - 22 - 46 - 5 + 16] ^= 1; /* the central directory's CRC */
    write_file(path, crcbad, zl);
    nc_ctx ctx;
    nc_npy *a;
    double out[6];
    nc_ctx_init(&ctx, "t");
    CHECK(nc_npy_open(&ctx, path, "x", &a) == NC_OK, "open for the CRC");
    CHECK(nc_npy_read(&ctx, a, 0, 0, 3, 1, NC_DT_FLOAT64, out) != NC_OK &&
              strcmp(ctx.errid, "ncufm:npzCorrupt") == 0,
          "CRC mismatch: %s", ctx.errid);
    nc_npy_close(&ctx, a);
}

int main(void)
{
    snprintf(path, sizeof path, "/tmp/nc_test_npy_%ld.npy", (long)getpid());
    snprintf(path2, sizeof path2, "/tmp/nc_test_npy2_%ld.npy", (long)getpid());
    test_dtypes();
    test_malformed();
    test_npz();
    test_large_blocks();
    remove(path);
    remove(path2);
    return check_report("test_npy");
}
