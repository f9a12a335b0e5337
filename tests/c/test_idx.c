/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The IDX reader, the Fashion-MNIST loader and the subset sampler.
 * Malformed files are small fixtures written here with zlib; facts about
 * the real data set (sizes, class counts, first labels, pixel sums of the
 * first images) were read independently with Python's gzip module. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "nc_data.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

static char dir[64];

static void put32(unsigned char *p, long v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* Writes header bytes then `len` data bytes (value (i * 7) % 256, or the
 * labels pattern i % 10) to dir/name, gzip-compressed unless plain. */
static void write_file(const char *name, const unsigned char *head, int head_len, long len,
                       int labels, int plain)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    unsigned char *data = malloc((size_t)len + 1);
    for (long i = 0; i < len; ++i)
        data[i] = labels ? (unsigned char)(i % 10) : (unsigned char)((i * 7) % 256);
    if (plain) {
        FILE *f = fopen(path, "wb");
        fwrite(head, 1, (size_t)head_len, f);
        fwrite(data, 1, (size_t)len, f);
        fclose(f);
    } else {
        gzFile gz = gzopen(path, "wb");
        gzwrite(gz, head, (unsigned)head_len);
        if (len)
            gzwrite(gz, data, (unsigned)len);
        gzclose(gz);
    }
    free(data);
}

static void write_images(const char *stem, long count, long rows, long extra, int type,
                         int plain)
{
    unsigned char h[16] = {0, 0, (unsigned char)type, 3};
    put32(h + 4, count);
    put32(h + 8, rows);
    put32(h + 12, 28);
    char name[64];
    snprintf(name, sizeof name, "%s-images-idx3-ubyte.gz", stem);
    write_file(name, h, 16, count * rows * 28 + extra, 0, plain);
}

static void write_labels(const char *stem, long count, long extra)
{
    unsigned char h[8] = {0, 0, 8, 1};
    put32(h + 4, count);
    char name[64];
    snprintf(name, sizeof name, "%s-labels-idx1-ubyte.gz", stem);
    write_file(name, h, 8, count + extra, 1, 0);
}

/* Loads the train split of the fixture folder; returns the status and the
 * error identifier in id. */
static nc_status load(char *id, long *count, float **X, int **y)
{
    nc_ctx ctx;
    nc_ctx_init(&ctx, "nc_fmnist");
    *X = NULL;
    *y = NULL;
    nc_status st = nc_fmnist_count(&ctx, dir, NC_FMNIST_TRAIN, count);
    if (!st) {
        *X = malloc(sizeof(float) * 784 * (size_t)*count);
        *y = malloc(sizeof(int) * (size_t)*count);
        st = nc_fmnist_read(&ctx, dir, NC_FMNIST_TRAIN, *count, *X, *y);
    }
    strcpy(id, ctx.errid);
    if (st)
        fprintf(stderr, "    (expected) %s\n", ctx.errmsg);
    return st;
}

static int rejects(const char *what, const char *want_id)
{
    char id[64];
    long count;
    float *X;
    int *y;
    nc_status st = load(id, &count, &X, &y);
    free(X);
    free(y);
    CHECK(st != NC_OK && strcmp(id, want_id) == 0, "%s: status %d, id %s", what, st, id);
    return st != NC_OK;
}

static void test_fixtures(void)
{
    char id[64];
    long count;
    float *X;
    int *y;
    write_images("train", 3, 28, 0, 8, 0);
    write_labels("train", 3, 0);
    CHECK(load(id, &count, &X, &y) == NC_OK, "valid fixture loads (%s)", id);
    CHECK(count == 3, "count %ld", count);
    int exact = 1;
    for (long i = 0; i < 3 * 784; ++i)
        exact &= X[i] == (float)((i * 7) % 256) / 255.0f;
    CHECK(exact, "pixels = bytes / 255 in file order");
    CHECK(y[0] == 0 && y[1] == 1 && y[2] == 2, "labels");
    free(X);
    free(y);

    write_images("train", 3, 28, 0, 8, 1); /* zlib reads uncompressed files too */
    CHECK(load(id, &count, &X, &y) == NC_OK, "uncompressed fixture loads (%s)", id);
    free(X);
    free(y);

    write_images("train", 3, 28, -100, 8, 0);
    rejects("truncated images", "ncufm:badIdx");
    write_images("train", 3, 28, 5, 8, 0);
    rejects("trailing bytes", "ncufm:badIdx");
    write_images("train", 3, 27, 0, 8, 0);
    rejects("27-row images", "ncufm:badIdx");
    write_images("train", 3, 28, 0, 0x0D, 0);
    rejects("float IDX type", "ncufm:badIdx");
    write_images("train", 3, 28, 0, 8, 0);
    write_labels("train", 4, 0);
    rejects("4 labels for 3 images", "ncufm:badIdx");
    write_labels("train", 11, 0);
    write_images("train", 11, 28, 0, 8, 0);
    CHECK(load(id, &count, &X, &y) == NC_OK, "11 samples, labels 0..9 then 0");
    free(X);
    free(y);

    unsigned char head[8] = {0, 0, 8, 1};
    put32(head + 4, 3);
    unsigned char bad[7] = {0, 0, 8, 1, 0, 0, 0};
    write_file("train-labels-idx1-ubyte.gz", bad, 7, 0, 1, 0);
    rejects("header cut short", "ncufm:badIdx");
    unsigned char magic[8] = {1, 2, 8, 1, 0, 0, 0, 3};
    write_file("train-labels-idx1-ubyte.gz", magic, 8, 3, 1, 0);
    rejects("bad magic", "ncufm:badIdx");
    /* A label 10 (labels file whose data are the image pattern). */
    write_file("train-labels-idx1-ubyte.gz", head, 8, 3, 0, 0);
    write_images("train", 3, 28, 0, 8, 0);
    rejects("label 14 (> 9)", "ncufm:badIdx");
    /* Corrupt gzip stream: valid gzip header, garbage body. */
    {
        char path[256];
        snprintf(path, sizeof path, "%s/train-labels-idx1-ubyte.gz", dir);
        FILE *f = fopen(path, "wb");
        unsigned char junk[64] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};
        for (int i = 10; i < 64; ++i)
            junk[i] = (unsigned char)(i * 37);
        fwrite(junk, 1, sizeof junk, f);
        fclose(f);
    }
    rejects("corrupt gzip stream", "ncufm:badIdx");

    /* Headers claiming 87 million images (68 GB) over a few bytes of data
     * are refused from the header and the file size, before anything is
     * allocated for them. */
    for (int plain = 0; plain < 2; ++plain) {
        unsigned char huge[16] = {0, 0, 8, 3};
        put32(huge + 4, 87000000);
        put32(huge + 8, 28);
        put32(huge + 12, 28);
        write_file("train-images-idx3-ubyte.gz", huge, 16, 1000, 0, plain);
        write_labels("train", 87000000, -86990000);
        nc_ctx hctx;
        nc_ctx_init(&hctx, "nc_fmnist");
        CHECK(nc_fmnist_count(&hctx, dir, NC_FMNIST_TRAIN, &count) == NC_EFORMAT &&
                  strcmp(hctx.errid, "ncufm:badIdx") == 0 &&
                  strstr(hctx.errmsg, plain ? "is truncated" : "can hold") != NULL,
              "87 million images in a %s file of 1016 bytes: %s",
              plain ? "plain" : "compressed", hctx.errmsg);
    }
    write_images("train", 3, 28, 0, 8, 0);
    write_labels("train", 3, 0);

    char path[256];
    snprintf(path, sizeof path, "%s/train-labels-idx1-ubyte.gz", dir);
    remove(path);
    nc_ctx ctx;
    nc_ctx_init(&ctx, "nc_fmnist");
    CHECK(nc_fmnist_count(&ctx, dir, NC_FMNIST_TRAIN, &count) == NC_EIO &&
              strcmp(ctx.errid, "ncufm:noData") == 0 &&
              strstr(ctx.errmsg, "dataset-fashion-mnist") != NULL &&
              strncmp(ctx.errmsg, "nc_fmnist: ", 11) == 0,
          "missing file names the package: %s", ctx.errmsg);
    snprintf(path, sizeof path, "%s/train-images-idx3-ubyte.gz", dir);
    remove(path);
}

static void test_real_data(void)
{
    nc_ctx ctx;
    nc_ctx_init(&ctx, "nc_fmnist");
    long count;
    if (nc_fmnist_count(&ctx, NULL, NC_FMNIST_TRAIN, &count) != NC_OK) {
        printf("test_idx: Fashion-MNIST not installed, real-data checks skipped (%s)\n",
               ctx.errmsg);
        return;
    }
    const long want[2] = {60000, 10000};
    const int first[2][5] = {{9, 0, 0, 3, 0}, {9, 2, 1, 1, 6}};
    const double first_sum[2] = {76247, 33456};
    for (int s = 0; s < 2; ++s) {
        nc_fmnist_split split = s ? NC_FMNIST_TEST : NC_FMNIST_TRAIN;
        CHECK(nc_fmnist_count(&ctx, NULL, split, &count) == NC_OK && count == want[s],
              "split %d: %ld images", s, count);
        float *X = malloc(sizeof(float) * 784 * (size_t)count);
        int *y = malloc(sizeof(int) * (size_t)count);
        CHECK(nc_fmnist_read(&ctx, NULL, split, count, X, y) == NC_OK, "read: %s", ctx.errmsg);
        long per[10] = {0};
        for (long j = 0; j < count; ++j)
            ++per[y[j]];
        int balanced = 1;
        for (int k = 0; k < 10; ++k)
            balanced &= per[k] == count / 10;
        CHECK(balanced, "split %d: %ld images per class", s, count / 10);
        CHECK(memcmp(y, first[s], sizeof first[s]) == 0, "split %d: first labels", s);
        double sum = 0, lo = 1, hi = 0;
        for (int i = 0; i < 784; ++i)
            sum += X[i] * 255.0;
        for (long i = 0; i < 784 * count; ++i) {
            lo = X[i] < lo ? X[i] : lo;
            hi = X[i] > hi ? X[i] : hi;
        }
        CHECK_CLOSE(sum, first_sum[s], 1e-2, "first image's pixel sum");
        CHECK(lo == 0 && hi == 1, "pixels span [0,1]: %g..%g", lo, hi);

        if (s == 0) {
            /* Dataset_1 from the training set. */
            long counts[10], *idx = malloc(sizeof(long) * 41000), chosen;
            for (int k = 0; k < 10; ++k)
                counts[k] = (long)nc_dataset1_counts[k];
            CHECK(nc_subset(&ctx, count, y, 10, counts, 1, idx, &chosen) == NC_OK &&
                      chosen == 41000,
                  "Dataset_1 drawn: %ld", chosen);
            long got[10] = {0};
            int ordered = 1;
            for (long j = 0; j < chosen; ++j) {
                ++got[y[idx[j]]];
                if (j && (y[idx[j]] < y[idx[j - 1]] ||
                          (y[idx[j]] == y[idx[j - 1]] && idx[j] <= idx[j - 1])))
                    ordered = 0;
            }
            CHECK(memcmp(got, counts, sizeof got) == 0, "Dataset_1 class counts");
            CHECK(ordered, "grouped by class, dataset order inside a class");
            free(idx);
        }
        free(X);
        free(y);
    }
}

static void test_subset(void)
{
    enum { N = 40 };
    int y[N];
    for (int j = 0; j < N; ++j)
        y[j] = (j * 3) % 4; /* 10 of each class 0..3, interleaved */
    long counts[4] = {10, 5, 2, 0}, idx[N], idx2[N], chosen;
    nc_ctx ctx;
    nc_ctx_init(&ctx, "nc_subset");
    CHECK(nc_subset(&ctx, N, y, 4, counts, 3, idx, &chosen) == NC_OK && chosen == 17, "draw");
    nc_subset(&ctx, N, y, 4, counts, 3, idx2, &chosen);
    CHECK(memcmp(idx, idx2, sizeof(long) * 17) == 0, "same seed, same subset");
    int differs = 0;
    for (unsigned long s = 4; s < 8 && !differs; ++s) {
        nc_subset(&ctx, N, y, 4, counts, s, idx2, &chosen);
        differs = memcmp(idx, idx2, sizeof(long) * 17) != 0;
    }
    CHECK(differs, "other seeds, other subsets");
    CHECK(y[idx[0]] == 0 && y[idx[9]] == 0 && y[idx[10]] == 1 && y[idx[16]] == 2,
          "grouped by class");

    /* Uniformity: over 4000 seeds each of the 10 class-1 samples is drawn
     * with probability 5/10; the binomial sd of a frequency is 0.0079. */
    long hits[N] = {0};
    for (unsigned long s = 0; s < 4000; ++s) {
        nc_subset(&ctx, N, y, 4, counts, s, idx2, &chosen);
        for (int j = 10; j < 15; ++j)
            ++hits[idx2[j]];
    }
    double worst = 0;
    for (int j = 0; j < N; ++j)
        if (y[j] == 1)
            worst = fmax(worst, fabs(hits[j] / 4000.0 - 0.5));
    CHECK(worst < 0.04, "class-1 inclusion frequencies within 5 sd of 1/2: %g", worst);

    long too_many[4] = {11, 0, 0, 0};
    nc_ctx_init(&ctx, "nc_subset");
    CHECK(nc_subset(&ctx, N, y, 4, too_many, 1, idx, &chosen) == NC_EBADARG &&
              strcmp(ctx.errid, "ncufm:tooFewSamples") == 0,
          "11 of 10: %s", ctx.errmsg);
    nc_ctx_init(&ctx, "nc_subset");
    CHECK(nc_subset(&ctx, N, y, 3, counts, 1, idx, &chosen) == NC_EBADARG &&
              strcmp(ctx.errid, "ncufm:badLabels") == 0,
          "label 4 with 3 counts: %s", ctx.errmsg);
}

int main(void)
{
    strcpy(dir, "/tmp/nc_test_idxXXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_fixtures();
    rmdir(dir);
    test_subset();
    test_real_data();
    return check_report("test_idx");
}
