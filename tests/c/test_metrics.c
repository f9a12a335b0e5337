/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of the metrics core against independent evidence: the
 * textbook d x d computation (covariances and an eigendecomposition
 * pseudo-inverse), perfect collapse, rotation invariance, chunking. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "lapack.h"
#include "metrics_kernel.h"
#include "nc_metrics.h"
#include "npy_writer.h"

#include <float.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

static unsigned long long rng_state = 88172645463325252ULL;
static double uniform(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (double)(rng_state >> 11) / 9007199254740992.0;
}
static double normal(void)
{
    double u = uniform() + 1e-300, v = uniform();
    return sqrt(-2 * log(u)) * cos(6.283185307179586 * v);
}

/* Random features: class means far apart, noise of scale sigma, an offset
 * common to all samples; labels imbalanced (class k gets about k+1 parts). */
static void make_data(int d, long N, int K, double sigma, double offset, double *H, int *y)
{
    double *mu = malloc(sizeof(double) * d * K);
    for (int i = 0; i < d * K; ++i)
        mu[i] = normal();
    for (long j = 0; j < N; ++j) {
        y[j] = j < K ? (int)j : (int)(uniform() * uniform() * K); /* every class present */
        for (int i = 0; i < d; ++i)
            H[j * d + i] = offset + mu[y[j] * d + i] + sigma * normal();
    }
    free(mu);
}

/* Textbook: d x d Sigma_W and Sigma_B, pinv through dsyev with Octave's
 * pinv tolerance max(d,d) * lambda_max * eps. */
static double textbook_nc1(int d, long N, int K, const double *H, const int *y,
                           nc_weighting weighting, int *rank)
{
    double *mu = calloc((size_t)d * K, sizeof(double)), *cnt = calloc(K, sizeof(double));
    double *c = calloc(d, sizeof(double)), *Sw = calloc((size_t)d * d, sizeof(double));
    double *Sb = calloc((size_t)d * d, sizeof(double)), *ev = calloc(d, sizeof(double));
    for (long j = 0; j < N; ++j) {
        cnt[y[j]] += 1;
        for (int i = 0; i < d; ++i)
            mu[y[j] * d + i] += H[j * d + i];
    }
    for (int k = 0; k < K; ++k)
        for (int i = 0; i < d; ++i)
            mu[k * d + i] /= cnt[k];
    for (int k = 0; k < K; ++k) {
        double w = weighting == NC_WEIGHT_CLASSES ? 1.0 / K : cnt[k] / N;
        for (int i = 0; i < d; ++i)
            c[i] += w * mu[k * d + i];
    }
    for (long j = 0; j < N; ++j)
        for (int a = 0; a < d; ++a)
            for (int b = 0; b < d; ++b)
                Sw[a * d + b] += (H[j * d + a] - mu[y[j] * d + a]) *
                                 (H[j * d + b] - mu[y[j] * d + b]) / N;
    for (int k = 0; k < K; ++k) {
        double w = weighting == NC_WEIGHT_CLASSES ? 1.0 / K : cnt[k] / N;
        for (int a = 0; a < d; ++a)
            for (int b = 0; b < d; ++b)
                Sb[a * d + b] += w * (mu[k * d + a] - c[a]) * (mu[k * d + b] - c[b]);
    }
    nc_blas_int n = d, lwork = 64 * d, info;
    double *work = malloc(sizeof(double) * lwork);
    dsyev_("V", "U", &n, Sb, &n, ev, work, &lwork, &info, 1, 1);
    double lmax = ev[d - 1], nc1 = 0;
    *rank = 0;
    for (int r = 0; r < d; ++r) {
        if (!(ev[r] > d * DBL_EPSILON * lmax))
            continue;
        ++*rank;
        const double *u = Sb + (size_t)r * d; /* eigenvector */
        double q = 0;
        for (int a = 0; a < d; ++a)
            for (int b = 0; b < d; ++b)
                q += u[a] * Sw[a * d + b] * u[b];
        nc1 += q / ev[r];
    }
    free(mu), free(cnt), free(c), free(Sw), free(Sb), free(ev), free(work);
    return nc1 / K;
}

static double metrics_nc1(int d, long N, int K, const double *H, const int *y,
                          nc_weighting weighting)
{
    nc_ctx ctx;
    nc_ctx_init(&ctx, "test");
    double nc1 = -1;
    nc_status s = nc_metrics_nc1(&ctx, d, N, K, H, d, y, weighting, &nc1);
    CHECK(s == NC_OK, "nc_metrics_nc1 failed: %s", ctx.errmsg);
    return nc1;
}

static void test_textbook(void)
{
    /* K = 30: more rows than the fused kernel takes, the GEMM route */
    const int shapes[][3] = {{3, 200, 5}, {8, 300, 4}, {20, 500, 6}, {5, 120, 10}, {40, 400, 30}};
    for (size_t t = 0; t < sizeof shapes / sizeof shapes[0]; ++t) {
        int d = shapes[t][0], K = shapes[t][2];
        long N = shapes[t][1];
        double *H = malloc(sizeof(double) * d * N);
        int *y = malloc(sizeof(int) * N);
        make_data(d, N, K, 0.7, 3.0, H, y);
        for (int w = 0; w < 2; ++w) {
            int rank;
            double ref = textbook_nc1(d, N, K, H, y, (nc_weighting)w, &rank);
            double got = metrics_nc1(d, N, K, H, y, (nc_weighting)w);
            CHECK(fabs(got - ref) <= 1e-10 * ref, "d=%d K=%d weighting %d: NC1 %.15g vs %.15g",
                  d, K, w, got, ref);
            /* the rank used must be the textbook pinv's */
            nc_ctx ctx;
            nc_ctx_init(&ctx, "test");
            nc_metrics_state st = {0};
            nc_metrics_result res = {0};
            CHECK(nc_metrics_compute(&ctx, d, N, K, H, 0, d, y, NULL, NULL, (nc_weighting)w,
                                     0, &st, &res) == NC_OK, "compute");
            CHECK(res.rank == rank, "rank %d vs textbook %d", res.rank, rank);
            nc_metrics_state_free(&ctx, &st);
        }
        free(H);
        free(y);
    }
}

static void test_collapse_and_errors(void)
{
    const int d = 6, K = 3;
    const long N = 9;
    double H[6 * 9];
    int y[9];
    for (long j = 0; j < N; ++j) {
        y[j] = (int)(j % K);
        for (int i = 0; i < d; ++i)
            H[j * d + i] = (i == y[j]) ? 2.0 : 0.5 * i;
    }
    CHECK_CLOSE(metrics_nc1(d, N, K, H, y, NC_WEIGHT_SAMPLES), 0.0, 0.0, "perfect collapse");

    nc_ctx ctx;
    double nc1;
    nc_ctx_init(&ctx, "nc_metrics");
    y[4] = 3;
    CHECK(nc_metrics_nc1(&ctx, d, N, K, H, d, y, NC_WEIGHT_SAMPLES, &nc1) == NC_EBADARG &&
              strcmp(ctx.errid, "ncufm:badLabels") == 0,
          "bad label: %s", ctx.errid);
    nc_ctx_init(&ctx, "nc_metrics");
    for (long j = 0; j < N; ++j)
        y[j] = j % 2; /* class 3 empty */
    CHECK(nc_metrics_nc1(&ctx, d, N, K, H, d, y, NC_WEIGHT_SAMPLES, &nc1) == NC_EBADARG &&
              strcmp(ctx.errid, "ncufm:emptyClass") == 0,
          "empty class: %s", ctx.errid);
    /* all class means equal: rank 0, NC1 undefined */
    for (long j = 0; j < N; ++j)
        y[j] = (int)(j % K);
    for (long j = 0; j < N; ++j)
        for (int i = 0; i < d; ++i)
            H[j * d + i] = (double)(j / K) - 1.0;
    CHECK(isnan(metrics_nc1(d, N, K, H, y, NC_WEIGHT_SAMPLES)), "equal means give NaN");
}

/* An orthogonal Q (Householder reflections) and a translation must not
 * change any metric that does not involve W; with W rotated too, none. */
static void test_rotation_and_chunks(void)
{
    const int d = 12, K = 5;
    const long N = 700;
    double *H = malloc(sizeof(double) * d * N), *G = malloc(sizeof(double) * d * N);
    float *Hs = malloc(sizeof(float) * d * N);
    int *y = malloc(sizeof(int) * N);
    double W[5 * 12], WQ[5 * 12], b[5] = {0.1, -0.2, 0.3, 0, -0.2}, v[12];
    make_data(d, N, K, 0.9, -2.0, H, y);
    for (int i = 0; i < K * d; ++i)
        W[i] = normal();
    memcpy(G, H, sizeof(double) * d * N);
    memcpy(WQ, W, sizeof W);
    for (int rep = 0; rep < 3; ++rep) {
        double vv = 0;
        for (int i = 0; i < d; ++i) {
            v[i] = normal();
            vv += v[i] * v[i];
        }
        for (long j = 0; j < N; ++j) { /* columns: x -> x - 2 v v'x / v'v */
            double s = 0;
            for (int i = 0; i < d; ++i)
                s += v[i] * G[j * d + i];
            for (int i = 0; i < d; ++i)
                G[j * d + i] -= 2 * s / vv * v[i];
        }
        for (int k = 0; k < K; ++k) { /* rows of W: w -> w - 2 (w v) v' / v'v */
            double s = 0;
            for (int i = 0; i < d; ++i)
                s += WQ[i * K + k] * v[i];
            for (int i = 0; i < d; ++i)
                WQ[i * K + k] -= 2 * s / vv * v[i];
        }
    }
    nc_ctx ctx;
    nc_ctx_init(&ctx, "test");
    nc_metrics_state s1 = {0}, s2 = {0}, s3 = {0};
    nc_metrics_result r1 = {0}, r2 = {0}, r3 = {0};
    double z1[25], z2[25], c1[25], c2[25];
    r1.zbar = z1, r2.zbar = z2, r1.cdnv_matrix = c1, r2.cdnv_matrix = c2;
    CHECK(nc_metrics_compute(&ctx, d, N, K, H, 0, d, y, W, b, 0, 0, &s1, &r1) == NC_OK, "H");
    CHECK(nc_metrics_compute(&ctx, d, N, K, G, 0, d, y, WQ, b, 0, 0, &s2, &r2) == NC_OK, "QH");
    const double scalars1[] = {r1.nc1, r1.tr_sw, r1.tr_sb, r1.cdnv, r1.equinorm_means,
                               r1.equiangular_means, r1.etf_means, r1.ncc_accuracy,
                               r1.equinorm_W, r1.equiangular_W, r1.etf_W, r1.nc3, r1.nc4,
                               r1.accuracy};
    const double scalars2[] = {r2.nc1, r2.tr_sw, r2.tr_sb, r2.cdnv, r2.equinorm_means,
                               r2.equiangular_means, r2.etf_means, r2.ncc_accuracy,
                               r2.equinorm_W, r2.equiangular_W, r2.etf_W, r2.nc3, r2.nc4,
                               r2.accuracy};
    for (size_t i = 0; i < sizeof scalars1 / sizeof scalars1[0]; ++i)
        CHECK(fabs(scalars1[i] - scalars2[i]) <= 1e-11 * (1 + fabs(scalars1[i])),
              "rotation changes metric %zu: %.15g vs %.15g", i, scalars1[i], scalars2[i]);
    for (int i = 0; i < 25; ++i) {
        CHECK(fabs(z1[i] - z2[i]) <= 1e-11 * (1 + fabs(z1[i])), "rotation changes Zbar");
        CHECK(fabs(c1[i] - c2[i]) <= 1e-11 * (1 + fabs(c1[i])), "rotation changes CDNV");
    }

    /* chunked, in uneven chunks and the second pass in another order */
    CHECK(nc_metrics_state_alloc(&ctx, &s3, d, K, NC_WEIGHT_SAMPLES, 0) == NC_OK, "alloc");
    const long cuts[] = {0, 1, 250, 251, 600, 700};
    for (int c = 0; c < 5; ++c)
        nc_metrics_add_pass1(&ctx, &s3, cuts[c + 1] - cuts[c], H + cuts[c] * d, 0, d,
                             y + cuts[c]);
    nc_metrics_end_pass1(&ctx, &s3);
    for (int c = 4; c >= 0; --c)
        nc_metrics_add_pass2(&ctx, &s3, cuts[c + 1] - cuts[c], H + cuts[c] * d, 0, d,
                             y + cuts[c], W, b);
    CHECK(nc_metrics_finish(&ctx, &s3, W, &r3) == NC_OK, "chunked finish: %s", ctx.errmsg);
    CHECK(fabs(r3.nc1 - r1.nc1) <= 1e-12 * r1.nc1, "chunked NC1 %.17g vs %.17g", r3.nc1,
          r1.nc1);
    CHECK(fabs(r3.cdnv - r1.cdnv) <= 1e-12 * r1.cdnv, "chunked CDNV");
    CHECK(r3.nc4 == r1.nc4 && r3.accuracy == r1.accuracy, "chunked NC4");

    /* a second pass over fewer samples is refused */
    nc_metrics_state s4 = {0};
    nc_metrics_result r4 = {0};
    nc_metrics_state_alloc(&ctx, &s4, d, K, NC_WEIGHT_SAMPLES, 0);
    nc_metrics_add_pass1(&ctx, &s4, N, H, 0, d, y);
    nc_metrics_end_pass1(&ctx, &s4);
    nc_metrics_add_pass2(&ctx, &s4, N - 1, H, 0, d, y, NULL, NULL);
    CHECK(nc_metrics_finish(&ctx, &s4, NULL, &r4) == NC_EBADARG &&
              strcmp(ctx.errid, "ncufm:badState") == 0,
          "incomplete pass 2 accepted");

    /* single input: the same as double input of the rounded values */
    nc_ctx_init(&ctx, "test");
    for (long i = 0; i < d * N; ++i)
        G[i] = Hs[i] = (float)H[i];
    nc_metrics_state s5 = {0}, s6 = {0};
    nc_metrics_result r5 = {0}, r6 = {0};
    nc_metrics_compute(&ctx, d, N, K, Hs, 1, d, y, W, b, 1, 0, &s5, &r5);
    nc_metrics_compute(&ctx, d, N, K, G, 0, d, y, W, b, 1, 0, &s6, &r6);
    CHECK(ctx.status == NC_OK && r5.nc1 == r6.nc1 && r5.nc3 == r6.nc3, "single vs double");

    nc_metrics_state *all[] = {&s1, &s2, &s3, &s4, &s5, &s6};
    for (int i = 0; i < 6; ++i)
        nc_metrics_state_free(&ctx, all[i]);
    free(H), free(G), free(Hs), free(y);
}

/* Simplex ETF means and W = means': NC2 and NC3 measures vanish, NC4 = 0,
 * CDNV has the closed form (var_i + var_j) / (2 ||mu_i - mu_j||^2). */
static void test_etf(void)
{
    const int K = 4, d = 4;
    const long per = 3, N = 12;
    double H[4 * 12], W[16];
    int y[12];
    double off[3] = {-0.1, 0.0, 0.1};
    for (long j = 0; j < N; ++j) {
        int k = y[j] = (int)(j / per);
        for (int i = 0; i < d; ++i)
            H[j * d + i] = (i == k) - 1.0 / K + (i == (k + 1) % K) * off[j % per];
    }
    for (int k = 0; k < K; ++k)
        for (int i = 0; i < d; ++i)
            W[i * K + k] = 3 * ((i == k) - 1.0 / K);
    nc_ctx ctx;
    nc_ctx_init(&ctx, "test");
    nc_metrics_state st = {0};
    nc_metrics_result r = {0};
    CHECK(nc_metrics_compute(&ctx, d, N, K, H, 0, d, y, W, NULL, 0, 0, &st, &r) == NC_OK,
          "etf");
    CHECK_CLOSE(r.equinorm_means, 0, 1e-14, "equinorm means");
    CHECK_CLOSE(r.equiangular_means, 0, 1e-14, "equiangular means");
    CHECK_CLOSE(r.etf_means, 0, 1e-14, "etf means");
    CHECK_CLOSE(r.etf_W, 0, 1e-14, "etf W");
    CHECK_CLOSE(r.nc3, 0, 1e-14, "nc3");
    CHECK_CLOSE(r.nc4, 0, 0, "nc4");
    CHECK_CLOSE(r.accuracy, 1, 0, "accuracy");
    /* per-class variance 2 * 0.1^2 / 3, distances^2 = 2 */
    CHECK_CLOSE(r.cdnv, (0.02 / 3) / 2, 1e-15, "cdnv");
    CHECK(r.rank == K - 1, "ETF rank %d", r.rank);
    /* Sigma_B = (1/K)(I - 11'/K): eigenvalue 1/K; Sigma_W = (0.02/3)/2 on
     * each e_i - direction... checked against the textbook route */
    int rank;
    double ref = textbook_nc1(d, N, K, H, y, NC_WEIGHT_SAMPLES, &rank);
    CHECK(fabs(r.nc1 - ref) <= 1e-12 * ref, "etf nc1 %.15g vs %.15g", r.nc1, ref);
    nc_metrics_state_free(&ctx, &st);
}

/* The fused kernel and the portable GEMM route give the same numbers,
 * with and without W, for single and double input, and for an odd count of
 * samples (the kernel works on pairs). */
static void test_kernel_vs_gemm(void)
{
    const int d = 37, K = 6;
    const long N = 301;
    double *H = malloc(sizeof(double) * d * N), W[6 * 37], b[6] = {0.1, 0, -0.1, 0.2, 0, 0};
    float *Hs = malloc(sizeof(float) * d * N);
    int *y = malloc(sizeof(int) * N);
    make_data(d, N, K, 1.3, 0.5, H, y);
    for (long i = 0; i < d * N; ++i)
        Hs[i] = (float)H[i];
    for (int i = 0; i < K * d; ++i)
        W[i] = normal();
    nc_ctx ctx;
    nc_ctx_init(&ctx, "test");
    for (int single = 0; single < 2; ++single)
        for (int withW = 0; withW < 2; ++withW) {
            nc_metrics_state s[2];
            nc_metrics_result r[2];
            memset(s, 0, sizeof s);
            memset(r, 0, sizeof r);
            for (int generic = 0; generic < 2; ++generic) {
                nc_metrics_generic_only = generic;
                CHECK(nc_metrics_compute(&ctx, d, N, K, single ? (const void *)Hs : (const void *)H,
                                         single, d, y, withW ? W : NULL, withW ? b : NULL, 0, 0,
                                         &s[generic], &r[generic]) == NC_OK,
                      "compute: %s", ctx.errmsg);
            }
            nc_metrics_generic_only = 0;
            CHECK(fabs(r[0].nc1 - r[1].nc1) <= 1e-12 * r[1].nc1, "kernel nc1 %.17g vs %.17g",
                  r[0].nc1, r[1].nc1);
            CHECK(fabs(r[0].tr_sw - r[1].tr_sw) <= 1e-12 * r[1].tr_sw, "kernel tr_sw");
            CHECK(r[0].ncc_accuracy == r[1].ncc_accuracy, "kernel ncc");
            if (withW)
                CHECK(r[0].nc4 == r[1].nc4 && r[0].accuracy == r[1].accuracy, "kernel nc4");
            nc_metrics_state_free(&ctx, &s[0]);
            nc_metrics_state_free(&ctx, &s[1]);
        }
    free(H), free(Hs), free(y);
}

static char captured[4096];
static void capture(const char *text, void *user)
{
    (void)user;
    strncat(captured, text, sizeof captured - strlen(captured) - 1);
}

/* Metrics streamed from .npy files, in every layout and under memory
 * bounds that force one chunk or many, equal the whole in-memory call on
 * the same values. */
static void test_from_file(void)
{
    const int d = 7, K = 4;
    const long N = 2000;
    double *H = malloc(sizeof(double) * d * N), W[4 * 7], b[4] = {0.2, -0.1, 0, 0.3};
    float *Hs = malloc(sizeof(float) * d * N), *Ht = malloc(sizeof(float) * d * N);
    double *Hd = malloc(sizeof(double) * d * N);
    unsigned char *buf = malloc(sizeof(double) * d * N + 256);
    int *y = malloc(sizeof(int) * N);
    make_data(d, N, K, 0.8, 1.5, H, y);
    for (int i = 0; i < K * d; ++i)
        W[i] = normal();
    for (long j = 0; j < N; ++j)
        for (int i = 0; i < d; ++i) {
            Hs[j * d + i] = (float)H[j * d + i];   /* C order (N, d): samples as rows */
            Ht[i * N + j] = Hs[j * d + i];         /* Fortran order (N, d) */
            Hd[i * N + j] = Hs[j * d + i];         /* C order (d, N), float64 */
        }
    nc_ctx ctx;
    nc_ctx_init(&ctx, "test");
    nc_metrics_state s0 = {0};
    nc_metrics_result r0 = {0};
    CHECK(nc_metrics_compute(&ctx, d, N, K, Hs, 1, d, y, W, b, 0, 0, &s0, &r0) == NC_OK, "whole");
    char path[64], dict[128];
    snprintf(path, sizeof path, "/tmp/nc_test_metrics_%ld.npy", (long)getpid());
    for (int layout = 0; layout < 3; ++layout) {
        const int rows = layout < 2;
        snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': %s, 'shape': (%ld, %ld), }",
                 layout == 2 ? "<f8" : "<f4", layout == 1 ? "True" : "False",
                 rows ? N : (long)d, rows ? (long)d : N);
        const void *data = layout == 0 ? (const void *)Hs : layout == 1 ? (const void *)Ht : (const void *)Hd;
        write_file(path, buf, npy_bytes(buf, dict, 1, data, (layout == 2 ? 8 : 4) * (size_t)(d * N)));
        const long targets[] = {0, 300, 37}; /* samples per chunk; 0: all at once */
        for (int m = 0; m < 3; ++m) {
            nc_npy *a;
            nc_metrics_state st = {0};
            nc_metrics_result r = {0};
            nc_ctx_init(&ctx, "test");
            ctx.print = capture;
            captured[0] = 0;
            st.verbose = 1;
            CHECK(nc_npy_open(&ctx, path, NULL, &a) == NC_OK, "open");
            const nc_dtype out = layout == 2 ? NC_DT_FLOAT64 : NC_DT_FLOAT32;
            double bound = 1e9;
            if (targets[m])
                bound = nc_metrics_workspace_bytes(d, K, 1, targets[m]) +
                        (double)nc_npy_read_workspace(a, rows ? 0 : 1, targets[m], rows, out) +
                        (double)targets[m] * d * nc_dtype_size(out);
            nc_status rc = nc_metrics_npy(&ctx, a, rows, K, y, W, b, 0, 0, bound, &st, &r);
            nc_npy_close(&ctx, a);
            char want[64];
            snprintf(want, sizeof want, "%s (chunks of %ld samples", targets[m] ? "read twice" : "read once",
                     targets[m] ? targets[m] : N);
            CHECK(strstr(captured, want) != NULL, "layout %d: wanted '%s' in: %s", layout, want, captured);
            CHECK(rc == NC_OK, "layout %d, chunk %ld: %s", layout, targets[m], ctx.errmsg);
            CHECK(fabs(r.nc1 - r0.nc1) <= 1e-12 * r0.nc1 && fabs(r.cdnv - r0.cdnv) <= 1e-12 * r0.cdnv &&
                      fabs(r.nc3 - r0.nc3) <= 1e-12 && r.nc4 == r0.nc4 && r.accuracy == r0.accuracy,
                  "layout %d, chunk %ld: NC1 %.17g vs %.17g", layout, targets[m], r.nc1, r0.nc1);
            nc_metrics_state_free(&ctx, &st);
        }
    }
    /* a bound below one sample and the workspace is refused with the bytes */
    nc_npy *a;
    nc_metrics_state st = {0};
    nc_metrics_result r = {0};
    nc_ctx_init(&ctx, "test");
    nc_npy_open(&ctx, path, NULL, &a);
    CHECK(nc_metrics_npy(&ctx, a, 0, K, y, W, b, 0, 0, 100, &st, &r) == NC_ENOMEM &&
              strcmp(ctx.errid, "ncufm:tooLarge") == 0 && strstr(ctx.errmsg, "at least"),
          "tiny MaxMemory: %s", ctx.errmsg);
    nc_npy_close(&ctx, a);
    /* sizes no machine holds are refused before allocating */
    nc_ctx_init(&ctx, "test");
    CHECK(nc_metrics_state_alloc(&ctx, &st, 1000000000, 3, 0, 0) == NC_ENOMEM &&
              strcmp(ctx.errid, "ncufm:tooLarge") == 0,
          "d = 1e9: %s", ctx.errid);
    nc_ctx_init(&ctx, "test");
    CHECK(nc_metrics_check_size(&ctx, 4, 10000000, 0) == NC_ENOMEM, "K = 1e7");
    remove(path);
    nc_metrics_state_free(&ctx, &s0);
    free(H), free(Hs), free(Ht), free(Hd), free(buf), free(y);
}

int main(void)
{
    test_kernel_vs_gemm();
    test_textbook();
    test_collapse_and_errors();
    test_rotation_and_chunks();
    test_etf();
    test_from_file();
    return check_report("test_metrics");
}
