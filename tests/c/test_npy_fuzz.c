/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Seeded fuzz of the .npy/.npz reader: valid files (several dtypes and
 * layouts, archives stored, deflated and zip64) with bytes overwritten,
 * size fields set to extreme values, or cut short, opened and read in
 * full and in blocks.  Every outcome must be a success or a clean error (a
 * status with an "ncufm:" identifier and a message); a plain .npy file or
 * a stored member that opens must also read.  Built with
 * -fsanitize=address,undefined this also proves the absence of reads out
 * of bounds and of overflowing arithmetic on the cases run.
 *
 * Cases: NCUFM_FUZZ_CASES (default 3000), seed NCUFM_FUZZ_SEED (default 1). */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "nc_metrics.h"
#include "nc_npy.h"
#include "npy_writer.h"

#include <stdint.h>
#include <string.h>
#include <unistd.h>

#define CAP 16384

static unsigned long long state;
static unsigned long long next(void)
{
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return state >> 17;
}

typedef struct {
    unsigned char bytes[CAP];
    size_t len;
    int zip;       /* 0: .npy, 1: .npz */
    int deflated;  /* some member is deflated */
    const char *member;
} sample;

static size_t array_npy(unsigned char *buf, const char *descr, int fortran, int version,
                        int rows, int cols)
{
    unsigned char data[4096];
    int item = descr[2] - '0';
    for (int i = 0; i < rows * cols * item; ++i)
        data[i] = (unsigned char)(i * 37 + 11);
    char dict[128];
    snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': %s, 'shape': (%d, %d), }",
             descr, fortran ? "True" : "False", rows, cols);
    return npy_bytes(buf, dict, version, data, (size_t)(rows * cols * item));
}

static void make_samples(sample *s, int *count)
{
    static const char *const descrs[] = {"<f4", ">f8", "|u1", "<i8", ">f2", "|b1", "<u2"};
    int n = 0;
    for (int i = 0; i < 7; ++i) {
        s[n].len = array_npy(s[n].bytes, descrs[i], i & 1, 1 + i % 3, 5 + i, 3 + (i & 1));
        s[n].zip = 0;
        s[n].member = NULL;
        ++n;
    }
    unsigned char a[4096], b[4096];
    size_t la = array_npy(a, "<f4", 0, 1, 20, 6), lb = array_npy(b, "<i8", 0, 1, 20, 1);
    for (int v = 0; v < 4; ++v) {
        zip_member m[2] = {{"features.npy", a, la, v & 1}, {"labels.npy", b, lb, 1}};
        s[n].len = zip_bytes(s[n].bytes, CAP, m, 2, v >> 1);
        s[n].zip = 1;
        s[n].deflated = v & 1;
        s[n].member = "features";
        ++n;
    }
    *count = n;
}

/* Overwrites a few bytes (near the start, the end, or anywhere), plants an
 * extreme value in a 2-, 4- or 8-byte field, or cuts the file short. */
static void mutate(unsigned char *p, size_t *len)
{
    int kind = (int)(next() % 4), flips = 1 + (int)(next() % 4);
    for (int f = 0; f < flips; ++f) {
        size_t at = kind == 0   ? next() % (*len < 160 ? *len : 160)
                    : kind == 1 ? *len - 1 - next() % (*len < 200 ? *len : 200)
                                : next() % *len;
        if (kind == 3 && at + 8 <= *len) {
            static const unsigned long long extremes[] = {0, 0xFFFFFFFFULL, 0xFFFFULL,
                                                          0x7FFFFFFFFFFFFFFFULL, ~0ULL,
                                                          0x8000000000000000ULL};
            unsigned long long v = extremes[next() % 6];
            int width = 2 << (next() % 3);
            for (int k = 0; k < width; ++k)
                p[at + k] = (unsigned char)(v >> (8 * k));
        } else {
            p[at] = (unsigned char)next();
        }
    }
    if (next() % 4 == 0)
        *len = (size_t)(next() % *len);
}

static long opened, read_ok, metrics_runs;

static int clean_error(const nc_ctx *ctx, nc_status st)
{
    return st != NC_OK && strncmp(ctx->errid, "ncufm:", 6) == 0 && ctx->errmsg[0] != 0;
}

/* Reads everything the header announces, and a random block; returns 1
 * when every outcome was clean (and success was required where due). */
static int exercise(const char *path, const sample *s, double *buf, size_t buf_doubles)
{
    nc_ctx ctx;
    nc_npy *a = NULL;
    nc_ctx_init(&ctx, "fuzz");
    nc_status st = nc_npy_open(&ctx, path, s->member, &a);
    if (st != NC_OK)
        return clean_error(&ctx, st);
    ++opened;
    const nc_npy_header *h = nc_npy_info(a);
    const long long R = h->shape[0], C = h->shape[1];
    int ok = 1;
    if (R >= 0 && C >= 0 && (double)R * (double)C <= (double)buf_doubles) {
        const int must = !s->zip || !s->deflated;
        for (int tr = 0; tr < 2; ++tr) {
            nc_dtype out = tr ? NC_DT_FLOAT64 : nc_dtype_natural(h->dtype);
            st = nc_npy_read(&ctx, a, 0, 0, R, tr, out, buf);
            ok &= st == NC_OK ? 1 : (!must && clean_error(&ctx, st));
            read_ok += st == NC_OK;
            nc_ctx_init(&ctx, "fuzz");
        }
        long long axis = (long long)(next() % 2), len = axis ? C : R;
        long long first = len ? (long long)(next() % (unsigned long long)(len + 1)) : 0;
        long long count = (long long)(next() % (unsigned long long)(len - first + 2));
        st = nc_npy_read(&ctx, a, (int)axis, first, count, (int)(next() % 2), NC_DT_FLOAT32, buf);
        /* count may exceed the range by one: that must be refused, cleanly */
        ok &= st == NC_OK ? count <= len - first : clean_error(&ctx, st);
    }
    /* and the metrics streamed from it, whatever its values (NaN included) */
    if (h->ndim == 2 && R >= 2 && C >= 1 && C <= 64 && R <= 4096) {
        int y[4096];
        for (long long j = 0; j < R; ++j)
            y[j] = (int)(j % 2);
        nc_metrics_state ms = {0};
        nc_metrics_result mr = {0};
        nc_ctx_init(&ctx, "fuzz");
        st = nc_metrics_npy(&ctx, a, 1, 2, y, NULL, NULL, NC_WEIGHT_SAMPLES, 0,
                            (double)(next() % 2 ? 1e9 : 2e5), &ms, &mr);
        ok &= st == NC_OK || clean_error(&ctx, st);
        ++metrics_runs;
        nc_metrics_state_free(&ctx, &ms);
    }
    nc_npy_close(&ctx, a);
    return ok;
}

int main(void)
{
    const char *env = getenv("NCUFM_FUZZ_CASES"), *seed = getenv("NCUFM_FUZZ_SEED");
    long cases = env ? strtol(env, NULL, 10) : 3000;
    state = seed ? strtoull(seed, NULL, 10) : 1;
    char path[64];
    snprintf(path, sizeof path, "/tmp/nc_fuzz_npy_%ld.bin", (long)getpid());
    static sample base[16], work;
    int nbase, unclean = 0;
    make_samples(base, &nbase);
    double *buf = malloc(sizeof(double) * 8192);
    for (long c = 0; c < cases; ++c) {
        work = base[next() % (unsigned long long)nbase];
        mutate(work.bytes, &work.len);
        write_file(path, work.bytes, work.len);
        if (!exercise(path, &work, buf, 8192)) {
            ++unclean;
            if (unclean <= 5)
                fprintf(stderr, "fuzz case %ld: unclean outcome (file kept at %s.case%ld)\n", c,
                        path, c);
            if (unclean <= 5) {
                char keep[96];
                snprintf(keep, sizeof keep, "%s.case%ld", path, c);
                write_file(keep, work.bytes, work.len);
            }
        }
    }
    free(buf);
    remove(path);
    CHECK(unclean == 0, "%d of %ld fuzz cases had an unclean outcome", unclean, cases);
    printf("test_npy_fuzz: %ld corrupted files (%ld opened, %ld full reads, %ld metrics runs), %d "
           "unclean\n",
           cases, opened, read_ok, metrics_runs, unclean);
    return check_report("test_npy_fuzz");
}
