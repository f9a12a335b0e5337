/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Trainers: gradients against finite differences, the UFM against the
 * convex optimum (closed form and nc_solve), the MLP's determinism,
 * checkpoint resume, interrupt, and per-epoch records recomputed from the
 * model's own forward pass. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "nc_solve.h"
#include "nc_train.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static double frand(unsigned *s)
{
    *s = *s * 1664525u + 1013904223u;
    return (*s >> 8) / 16777216.0;
}

static double rel_diff(const double *a, const double *b, long n)
{
    double e = 0, s = 0;
    for (long i = 0; i < n; ++i) {
        e += (a[i] - b[i]) * (a[i] - b[i]);
        s += b[i] * b[i];
    }
    return sqrt(e / (s > 0 ? s : 1));
}

/* ------------------------------------------------------------- UFM --- */

static void test_ufm_gradient(void)
{
    nc_ctx ctx;
    nc_ctx_init(&ctx, "test");
    enum { K = 3, d = 2, N = 5 };
    int y[N] = {0, 0, 1, 2, 2};
    double W[K * d], H[d * N], b[K], gW[K * d], gH[d * N], gb[K], F;
    unsigned s = 7;
    for (int i = 0; i < K * d; ++i)
        W[i] = 2 * frand(&s) - 1;
    for (int i = 0; i < d * N; ++i)
        H[i] = 2 * frand(&s) - 1;
    for (int i = 0; i < K; ++i)
        b[i] = frand(&s) - 0.5;
    double lW = 0.03, lH = 0.02, lb = 0.05;
    CHECK(nc_ufm_objective(&ctx, K, d, N, y, W, H, b, lW, lH, lb, &F, gW, gH, gb) == NC_OK,
          "ufm objective");
    double *vars[3] = {W, H, b}, *grads[3] = {gW, gH, gb};
    int sizes[3] = {K * d, d * N, K};
    double worst = 0;
    for (int v = 0; v < 3; ++v)
        for (int i = 0; i < sizes[v]; ++i) {
            double keep = vars[v][i], h = 1e-6, Fp, Fm;
            vars[v][i] = keep + h;
            nc_ufm_objective(&ctx, K, d, N, y, W, H, b, lW, lH, lb, &Fp, NULL, NULL, NULL);
            vars[v][i] = keep - h;
            nc_ufm_objective(&ctx, K, d, N, y, W, H, b, lW, lH, lb, &Fm, NULL, NULL, NULL);
            vars[v][i] = keep;
            double fd = (Fp - Fm) / (2 * h), e = fabs(fd - grads[v][i]);
            worst = e > worst ? e : worst;
        }
    CHECK(worst < 1e-8, "UFM gradient vs central differences: max error %g", worst);

    /* The objective by the textbook formula, element by element. */
    double direct = 0;
    for (int j = 0; j < N; ++j) {
        double z[K], m = -INFINITY, sum = 0;
        for (int k = 0; k < K; ++k) {
            z[k] = b[k];
            for (int i = 0; i < d; ++i)
                z[k] += W[i * K + k] * H[j * d + i];
            m = fmax(m, z[k]);
        }
        for (int k = 0; k < K; ++k)
            sum += exp(z[k] - m);
        direct += (m + log(sum) - z[y[j]]) / N;
    }
    for (int i = 0; i < K * d; ++i)
        direct += lW * W[i] * W[i];
    for (int i = 0; i < d * N; ++i)
        direct += lH * H[i] * H[i];
    for (int i = 0; i < K; ++i)
        direct += lb * b[i] * b[i];
    CHECK_CLOSE(F, direct, 1e-14, "UFM objective vs the textbook formula");
}

/* Trains and returns Zbar = W * class means from the last history record. */
static nc_status train_zbar(int K, const long *n, int d, double lZ, double ratio, double lb,
                            unsigned long seed, double *Zbar, double *b, nc_ufm_result *res)
{
    nc_ctx ctx;
    nc_ctx_init(&ctx, "test");
    long N = 0;
    for (int k = 0; k < K; ++k)
        N += n[k];
    /* lW / lH = ratio with 2 sqrt(lW lH) = lZ. */
    double lW = 0.5 * lZ * sqrt(ratio), lH = 0.5 * lZ / sqrt(ratio);
    nc_ufm_opts o;
    nc_ufm_defaults(&o);
    o.seed = seed;
    o.tol = 1e-10;
    double *W = malloc(sizeof(double) * K * d), *H = malloc(sizeof(double) * d * N);
    nc_status st = nc_ufm_train(&ctx, K, n, d, lW, lH, lb, &o, W, H, b, res);
    if (st == NC_OK)
        memcpy(Zbar, res->Zbar_h + (long)(res->count - 1) * K * K, sizeof(double) * K * K);
    free(W);
    free(H);
    return st;
}

static void test_ufm_balanced_closed_form(void)
{
    /* paper.md section 3: all n_k = n and lZ sqrt(n) < 1/K give
     * Zbar = alpha (I - 11'/K), alpha = log((1 - (K-1) lZ sqrt(n)) / (lZ sqrt(n))), b = 0. */
    enum { K = 4 };
    long n[K] = {10, 10, 10, 10};
    double lZ = 0.02, Zbar[K * K], b[K], expect[K * K];
    double s = lZ * sqrt(10.0), alpha = log((1 - (K - 1) * s) / s);
    for (int i = 0; i < K; ++i)
        for (int j = 0; j < K; ++j)
            expect[j * K + i] = alpha * ((i == j) - 1.0 / K);
    nc_ufm_result res;
    nc_ctx ctx;
    nc_ctx_init(&ctx, "test");
    CHECK(train_zbar(K, n, 5, lZ, 40, 0.01, 3, Zbar, b, &res) == NC_OK, "balanced UFM trains");
    CHECK(res.converged, "balanced UFM converged in %d iterations", res.iterations);
    CHECK(rel_diff(Zbar, expect, K * K) < 1e-6, "balanced Zbar vs closed form: %g",
          rel_diff(Zbar, expect, K * K));
    double bmax = 0;
    for (int k = 0; k < K; ++k)
        bmax = fmax(bmax, fabs(b[k]));
    CHECK(bmax < 1e-8, "balanced bias is zero: %g", bmax);
    /* NC1 at the optimum: every feature sits on its class mean. */
    CHECK(res.nc1_h[res.count - 1] < 1e-12, "balanced NC1 %g", res.nc1_h[res.count - 1]);
    CHECK(res.nc1_h[0] > 1e-2, "NC1 at the random start %g", res.nc1_h[0]);
    nc_ufm_result_free(&ctx, &res);
}

static void test_ufm_vs_solver(void)
{
    enum { K = 3 };
    long n[K] = {20, 10, 5};
    double nd[K] = {20, 10, 5};
    /* lZ below, then above, the minority collapse threshold sqrt(5)/35. */
    double lambdas[2] = {0.01, 0.07};
    for (int c = 0; c < 2; ++c) {
        nc_ctx ctx;
        nc_ctx_init(&ctx, "test");
        double Zs[K * K], bs[K], sv[K], Zt[K * K], bt[K];
        nc_solve_opts so;
        nc_solve_info info;
        nc_solve_defaults(&so);
        so.tol = 1e-13;
        CHECK(nc_solve(&ctx, K, nd, lambdas[c], 0.01, &so, Zs, bs, sv, &info) == NC_OK,
              "nc_solve: %s", ctx.errmsg);
        nc_ufm_result res;
        CHECK(train_zbar(K, n, 4, lambdas[c], 35, 0.01, 11, Zt, bt, &res) == NC_OK, "trains");
        double ez = rel_diff(Zt, Zs, K * K), eb = rel_diff(bt, bs, K);
        CHECK(ez < 1e-6, "lZ %g: W*Hbar vs nc_solve's Zbar, relative %g", lambdas[c], ez);
        CHECK(eb < 1e-6, "lZ %g: b vs nc_solve's b, relative %g", lambdas[c], eb);
        CHECK(fabs(res.objective - info.objective) < 1e-10 * fabs(info.objective),
              "objectives %.15g vs %.15g", res.objective, info.objective);
        printf("test_train: UFM n = [20 10 5], lZ = %g: %d iterations, |W*Hbar - Zbar*|/|Zbar*| "
               "= %.2e, |b - b*|/|b*| = %.2e\n",
               lambdas[c], res.iterations, ez, eb);
        nc_ufm_result_free(&ctx, &res);
    }
}

static void test_ufm_seeds(void)
{
    enum { K = 3 };
    long n[K] = {6, 4, 2};
    double Z1[K * K], Z2[K * K], Z3[K * K], b1[K], b2[K], b3[K];
    nc_ufm_result r1, r2, r3;
    nc_ctx ctx;
    nc_ctx_init(&ctx, "test");
    train_zbar(K, n, 3, 0.02, 12, 0.01, 5, Z1, b1, &r1);
    train_zbar(K, n, 3, 0.02, 12, 0.01, 5, Z2, b2, &r2);
    train_zbar(K, n, 3, 0.02, 12, 0.01, 6, Z3, b3, &r3);
    CHECK(memcmp(Z1, Z2, sizeof Z1) == 0 && r1.iterations == r2.iterations,
          "same seed, identical results");
    CHECK(r1.objective_h[0] != r3.objective_h[0], "another seed, another start");
    CHECK(rel_diff(Z3, Z1, K * K) < 1e-6, "another seed, the same optimum (%g)",
          rel_diff(Z3, Z1, K * K));
    /* History: objective decreases overall and starts at the random point. */
    CHECK(r1.objective_h[r1.count - 1] < r1.objective_h[0], "objective decreased");
    nc_ufm_result_free(&ctx, &r1);
    nc_ufm_result_free(&ctx, &r2);
    nc_ufm_result_free(&ctx, &r3);
}

static int stop_after;
static int probe(void *user)
{
    (void)user;
    return --stop_after < 0;
}

static void test_ufm_interrupt_and_errors(void)
{
    enum { K = 3 };
    long n[K] = {6, 4, 2}, bad[K] = {6, 0, 2};
    double W[K * 3], H[3 * 12], b[K];
    nc_ufm_opts o;
    nc_ufm_defaults(&o);
    o.history_every = 1000;
    nc_ufm_result res;
    nc_ctx ctx;
    nc_ctx_init(&ctx, "nc_ufm_train");
    ctx.interrupted = probe;
    stop_after = 3;
    nc_status st = nc_ufm_train(&ctx, K, n, 3, 0.01, 0.001, 0.01, &o, W, H, b, &res);
    CHECK(st == NC_EINTERRUPT && res.interrupted, "interrupt reported (%d)", st);
    CHECK(res.count >= 1 && res.iter[res.count - 1] == res.iterations,
          "last state recorded at interrupt");
    CHECK(strcmp(ctx.errid, "ncufm:interrupted") == 0, "interrupt id %s", ctx.errid);
    nc_ufm_result_free(&ctx, &res);

    nc_ctx_init(&ctx, "nc_ufm_train");
    st = nc_ufm_train(&ctx, K, bad, 3, 0.01, 0.001, 0.01, &o, W, H, b, &res);
    CHECK(st == NC_EBADARG && strcmp(ctx.errid, "ncufm:badCounts") == 0, "empty class: %s",
          ctx.errid);

    nc_ctx_init(&ctx, "nc_ufm_train");
    o.lr = 1e6;
    st = nc_ufm_train(&ctx, K, n, 3, 0.01, 0.001, 0.01, &o, W, H, b, &res);
    CHECK(st == NC_ENUMERIC && strcmp(ctx.errid, "ncufm:diverged") == 0,
          "huge step diverges cleanly: %s", ctx.errmsg);
}

/* ------------------------------------------------------------- MLP --- */

static void test_mlp_gradient(void)
{
    nc_ctx ctx;
    nc_ctx_init(&ctx, "test");
    nc_mlp_opts o;
    nc_mlp_defaults(&o);
    o.depth = 2;
    o.hidden[0] = 5;
    o.hidden[1] = 4;
    o.lambda_W = 0.03;
    o.lambda_H = 0.002;
    o.lambda_b = 0.05;
    o.weight_decay = 0.01;
    enum { p = 3, K = 3, B = 6 };
    nc_mlp m;
    CHECK(nc_mlp_init(&ctx, p, K, &o, &m) == NC_OK, "init");
    unsigned s = 99;
    for (long i = 0; i < m.n_params; ++i) /* nonzero biases exercise their gradients */
        m.params[i] += 0.2 * (frand(&s) - 0.5);
    double X[p * B];
    int y[B] = {0, 1, 2, 0, 1, 2};
    for (int i = 0; i < p * B; ++i)
        X[i] = 2 * frand(&s) - 1;
    double *g = malloc(sizeof(double) * m.n_params), F, Fp, Fm, worst = 0;
    double scale = 7.0; /* N / B for some N */
    nc_mlp_batch_objective(&ctx, &m, &o, X, y, B, scale, &F, g);
    for (long i = 0; i < m.n_params; ++i) {
        double keep = m.params[i], h = 1e-6;
        m.params[i] = keep + h;
        nc_mlp_batch_objective(&ctx, &m, &o, X, y, B, scale, &Fp, NULL);
        m.params[i] = keep - h;
        nc_mlp_batch_objective(&ctx, &m, &o, X, y, B, scale, &Fm, NULL);
        m.params[i] = keep;
        double e = fabs((Fp - Fm) / (2 * h) - g[i]);
        worst = e > worst ? e : worst;
    }
    CHECK(worst < 1e-7, "MLP gradient vs central differences: max error %g over %ld params",
          worst, m.n_params);

    /* The feature penalty: lambda_H * scale * sum ||h||^2, from the forward pass. */
    double Hf[4 * B], logits[K * B], F0;
    nc_mlp_forward(&ctx, &m, X, 0, B, Hf, logits);
    nc_mlp_opts o2 = o;
    o2.lambda_H = 0;
    nc_mlp_batch_objective(&ctx, &m, &o2, X, y, B, scale, &F0, NULL);
    double hh = 0;
    for (int i = 0; i < 4 * B; ++i)
        hh += Hf[i] * Hf[i];
    CHECK_CLOSE(F - F0, o.lambda_H * scale * hh, 1e-14, "feature penalty scaled by N/B");
    free(g);
    nc_mlp_free(&ctx, &m);
}

/* Three Gaussian blobs in 6 dimensions, labels 0..2, N samples. */
static void blobs(int N, double *X, int *y, unsigned seed)
{
    unsigned s = seed;
    for (int j = 0; j < N; ++j) {
        y[j] = j % 3;
        for (int i = 0; i < 6; ++i) {
            double u1 = frand(&s) + 1e-12, u2 = frand(&s);
            double g = sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
            X[j * 6 + i] = 0.5 * g + (i == 2 * y[j] ? 2.0 : 0.0);
        }
    }
}

static void mlp_opts(nc_mlp_opts *o)
{
    nc_mlp_defaults(o);
    o->depth = 2;
    o->hidden[0] = 16;
    o->hidden[1] = 8;
    o->epochs = 6;
    o->batch = 32;
    o->lr = 0.05;
    o->seed = 4;
    o->verbose = 0;
}

static void test_mlp_train(void)
{
    enum { N = 300, p = 6, K = 3 };
    double X[p * N];
    float Xf[p * N];
    int y[N];
    blobs(N, X, y, 17);
    for (int i = 0; i < p * N; ++i) /* values a float holds exactly */
        X[i] = Xf[i] = (float)X[i];
    nc_mlp_opts o;
    mlp_opts(&o);
    nc_ctx ctx;
    nc_ctx_init(&ctx, "nc_mlp_train");
    nc_mlp m1, m2;
    nc_mlp_history h1, h2;
    CHECK(nc_mlp_train(&ctx, X, 0, p, N, y, K, X, 0, N, y, &o, &m1, &h1) == NC_OK, "train: %s",
          ctx.errmsg);
    CHECK(h1.epochs_done == 6 && h1.resumed_from == 0, "all epochs done");
    CHECK(h1.accuracy[5] > 0.95, "blobs learned: accuracy %g", h1.accuracy[5]);
    CHECK(h1.test_accuracy[5] == h1.accuracy[5], "test set = training set gives the same accuracy");
    CHECK(h1.loss[5] < h1.loss[0], "loss decreased %g -> %g", h1.loss[0], h1.loss[5]);
    CHECK(h1.lr[1] == 0.05 && h1.lr[2] == 0.05 * 0.1, "rate drops after a third: %g %g", h1.lr[1],
          h1.lr[2]);

    /* Same seed: bitwise identical, float input or double. */
    CHECK(nc_mlp_train(&ctx, Xf, 1, p, N, y, K, NULL, 0, 0, NULL, &o, &m2, &h2) == NC_OK, "train2");
    CHECK(memcmp(m1.params, m2.params, sizeof(double) * m1.n_params) == 0,
          "same seed (float copy of the same values): identical parameters");
    CHECK(isnan(h2.test_accuracy[0]), "no test data: NaN");

    /* The last epoch's records, recomputed from the model's forward pass. */
    int d = 8;
    double *H = malloc(sizeof(double) * d * N), *Z = malloc(sizeof(double) * K * N);
    nc_mlp_forward(&ctx, &m1, X, 0, N, H, Z);
    const double *W = m1.params + m1.w_off[2], *b = m1.params + m1.b_off[2];
    double mu[8 * 3] = {0}, cnt[3] = {0}, ce = 0, hh = 0, ww = 0, bb = 0;
    long right = 0;
    for (int j = 0; j < N; ++j) {
        int best = 0;
        double m = -INFINITY, s = 0;
        for (int k = 0; k < K; ++k) {
            if (Z[j * K + k] > Z[j * K + best])
                best = k;
            m = fmax(m, Z[j * K + k]);
        }
        for (int k = 0; k < K; ++k)
            s += exp(Z[j * K + k] - m);
        ce += m + log(s) - Z[j * K + y[j]];
        right += best == y[j];
        for (int i = 0; i < d; ++i) {
            mu[y[j] * d + i] += H[j * d + i];
            hh += H[j * d + i] * H[j * d + i];
        }
        cnt[y[j]] += 1;
    }
    for (int i = 0; i < K * d; ++i)
        ww += W[i] * W[i];
    for (int k = 0; k < K; ++k)
        bb += b[k] * b[k];
    double loss = ce / N + o.lambda_W * ww + o.lambda_H * hh + o.lambda_b * bb, zerr = 0;
    for (int k = 0; k < K; ++k)
        for (int l = 0; l < K; ++l) {
            double z = 0;
            for (int i = 0; i < d; ++i)
                z += W[i * K + l] * mu[k * d + i] / cnt[k];
            zerr = fmax(zerr, fabs(z - h1.Zbar[5 * K * K + k * K + l]));
        }
    CHECK_CLOSE(h1.loss[5], loss, 1e-12, "epoch loss = UFM objective of the last layer");
    CHECK_CLOSE(h1.accuracy[5], (double)right / N, 0, "epoch accuracy");
    CHECK(zerr < 1e-12, "history Zbar = W * class means: %g", zerr);
    CHECK(memcmp(h1.b + 5 * K, b, sizeof(double) * K) == 0, "history b = classifier bias");
    CHECK(h1.nc1[5] > 0 && h1.nc1[5] < h1.nc1[0], "NC1 falls: %g -> %g", h1.nc1[0], h1.nc1[5]);
    free(H);
    free(Z);

    /* Checkpoint: interrupted during epoch 4, resumed, equals the full run. */
    char dir[] = "/tmp/nc_test_trainXXXXXX", path[256];
    CHECK(mkdtemp(dir) != NULL, "temp dir");
    snprintf(path, sizeof path, "%s/run.ckpt", dir);
    nc_mlp_opts oc = o;
    oc.checkpoint = path;
    nc_mlp m3, m4;
    nc_mlp_history h3, h4;
    nc_ctx_init(&ctx, "nc_mlp_train");
    ctx.interrupted = probe;
    stop_after = 3 * 10 + 4; /* 10 batches per epoch, one probe per batch */
    nc_status st = nc_mlp_train(&ctx, X, 0, p, N, y, K, NULL, 0, 0, NULL, &oc, &m3, &h3);
    CHECK(st == NC_EINTERRUPT && h3.interrupted && h3.epochs_done == 3,
          "interrupted in epoch 4: status %d, %d epochs done", st, h3.epochs_done);
    CHECK(isnan(h3.loss[3]) && h3.loss[2] == h1.loss[2], "history up to the interrupt");
    nc_mlp_free(&ctx, &m3);
    nc_mlp_history_free(&ctx, &h3);
    nc_ctx_init(&ctx, "nc_mlp_train");
    st = nc_mlp_train(&ctx, X, 0, p, N, y, K, NULL, 0, 0, NULL, &oc, &m4, &h4);
    CHECK(st == NC_OK && h4.resumed_from == 3 && h4.epochs_done == 6, "resumed from epoch 3");
    CHECK(memcmp(m4.params, m1.params, sizeof(double) * m1.n_params) == 0,
          "resumed run identical to the uninterrupted one");
    CHECK(memcmp(h4.Zbar, h1.Zbar, sizeof(double) * K * K * 6) == 0, "history identical");
    nc_mlp_free(&ctx, &m4);
    nc_mlp_history_free(&ctx, &h4);

    /* The checkpoint of another run is refused, a damaged one too. */
    nc_mlp_opts other = oc;
    other.seed = 5;
    nc_ctx_init(&ctx, "nc_mlp_train");
    st = nc_mlp_train(&ctx, X, 0, p, N, y, K, NULL, 0, 0, NULL, &other, &m4, &h4);
    CHECK(st == NC_EBADARG && strcmp(ctx.errid, "ncufm:badCheckpoint") == 0,
          "foreign checkpoint: %s", ctx.errmsg);
    FILE *f = fopen(path, "r+b");
    if (f) {
        fseek(f, -3, SEEK_END);
        fputc('X', f);
        fclose(f);
    }
    nc_ctx_init(&ctx, "nc_mlp_train");
    st = nc_mlp_train(&ctx, X, 0, p, N, y, K, NULL, 0, 0, NULL, &oc, &m4, &h4);
    CHECK(st == NC_EFORMAT && strcmp(ctx.errid, "ncufm:badCheckpoint") == 0,
          "damaged checkpoint: %s", ctx.errmsg);
    remove(path);
    rmdir(dir);

    /* Bad labels: an empty class, a label out of range. */
    int ybad[N];
    memcpy(ybad, y, sizeof ybad);
    for (int j = 0; j < N; ++j)
        if (ybad[j] == 1)
            ybad[j] = 0;
    nc_ctx_init(&ctx, "nc_mlp_train");
    st = nc_mlp_train(&ctx, X, 0, p, N, ybad, K, NULL, 0, 0, NULL, &o, &m4, &h4);
    CHECK(st == NC_EBADARG && strcmp(ctx.errid, "ncufm:badLabels") == 0, "empty class: %s",
          ctx.errmsg);
    ybad[0] = 7;
    nc_ctx_init(&ctx, "nc_mlp_train");
    st = nc_mlp_train(&ctx, X, 0, p, N, ybad, K, NULL, 0, 0, NULL, &o, &m4, &h4);
    CHECK(st == NC_EBADARG && strcmp(ctx.errid, "ncufm:badLabels") == 0, "label 8 of 3: %s",
          ctx.errmsg);

    nc_mlp_free(&ctx, &m1);
    nc_mlp_free(&ctx, &m2);
    nc_mlp_history_free(&ctx, &h1);
    nc_mlp_history_free(&ctx, &h2);
}


static void test_cnn(void)
{
    nc_ctx ctx;
    nc_ctx_init(&ctx, "test");
    nc_mlp_opts o;
    nc_mlp_defaults(&o);
    o.n_conv = 2;
    o.conv[0] = 2;
    o.conv[1] = 3;
    o.img_h = 4;
    o.img_w = 8;
    o.depth = 1;
    o.hidden[0] = 4;
    o.lambda_W = 0.03;
    o.lambda_H = 0.002;
    o.lambda_b = 0.05;
    o.weight_decay = 0.01;
    enum { p = 32, K = 3, B = 3 };
    nc_mlp m;
    CHECK(nc_mlp_init(&ctx, p, K, &o, &m) == NC_OK, "cnn init: %s", ctx.errmsg);
    CHECK(m.widths[0] == 3 * 1 * 2, "dense input = 3 channels x 1 x 2 pixels: %d", m.widths[0]);
    unsigned s = 5;
    for (long i = 0; i < m.n_params; ++i)
        m.params[i] += 0.2 * (frand(&s) - 0.5);
    double X[p * B];
    int y[B] = {0, 1, 2};
    for (int i = 0; i < p * B; ++i)
        X[i] = 2 * frand(&s) - 1;
    double *g = malloc(sizeof(double) * m.n_params), F, Fp, Fm, worst = 0;
    nc_mlp_batch_objective(&ctx, &m, &o, X, y, B, 5.0, &F, g);
    for (long i = 0; i < m.n_params; ++i) {
        double keep = m.params[i], h = 1e-6;
        m.params[i] = keep + h;
        nc_mlp_batch_objective(&ctx, &m, &o, X, y, B, 5.0, &Fp, NULL);
        m.params[i] = keep - h;
        nc_mlp_batch_objective(&ctx, &m, &o, X, y, B, 5.0, &Fm, NULL);
        m.params[i] = keep;
        worst = fmax(worst, fabs((Fp - Fm) / (2 * h) - g[i]));
    }
    CHECK(worst < 1e-7, "CNN gradient vs central differences: max error %g over %ld params", worst,
          m.n_params);
    free(g);
    nc_mlp_free(&ctx, &m);

    /* Forward pass against a direct convolution: one conv layer with one
     * filter, then an identity dense layer, so h = maxpool(relu(conv x)). */
    o.n_conv = 1;
    o.conv[0] = 1;
    o.img_h = 4;
    o.img_w = 6;
    o.hidden[0] = 6;
    CHECK(nc_mlp_init(&ctx, 24, K, &o, &m) == NC_OK, "init 1-conv");
    double *Wd = m.params + m.w_off[0], *filt = m.params + m.cw_off[0], bias = 0.1;
    for (int i = 0; i < 6; ++i)
        for (int j = 0; j < 6; ++j)
            Wd[j * 6 + i] = i == j;
    m.params[m.cb_off[0]] = bias;
    double Hf[6 * B];
    nc_mlp_forward(&ctx, &m, X, 0, B, Hf, NULL);
    double err = 0;
    for (int b = 0; b < B; ++b)
        for (int py = 0; py < 2; ++py)
            for (int px = 0; px < 3; ++px) {
                double best = 0; /* relu output is >= 0 */
                for (int dy = 0; dy < 2; ++dy)
                    for (int dx = 0; dx < 2; ++dx) {
                        int yy = 2 * py + dy, xx = 2 * px + dx;
                        double v = bias;
                        for (int ky = -1; ky <= 1; ++ky)
                            for (int kx = -1; kx <= 1; ++kx)
                                if (yy + ky >= 0 && yy + ky < 4 && xx + kx >= 0 && xx + kx < 6)
                                    v += filt[(ky + 1) * 3 + (kx + 1)] *
                                         X[b * 24 + (yy + ky) * 6 + (xx + kx)];
                        best = fmax(best, v);
                    }
                err = fmax(err, fabs(best - Hf[b * 6 + py * 3 + px]));
            }
    CHECK(err < 1e-14, "conv + relu + pool vs direct loops: %g", err);
    nc_mlp_free(&ctx, &m);

    o.img_w = 5; /* 4 x 5 = 20 pixels: not divisible by 2 */
    nc_ctx_init(&ctx, "nc_mlp_train");
    CHECK(nc_mlp_init(&ctx, 20, K, &o, &m) == NC_EBADARG && strcmp(ctx.errid, "ncufm:badConv") == 0,
          "odd image side refused: %s", ctx.errmsg);
}

int main(void)
{
    test_ufm_gradient();
    test_ufm_balanced_closed_form();
    test_ufm_vs_solver();
    test_ufm_seeds();
    test_ufm_interrupt_and_errors();
    test_mlp_gradient();
    test_mlp_train();
    test_cnn();
    return check_report("test_train");
}
