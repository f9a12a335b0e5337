/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The network trainer.  The single-precision objective and gradient are
 * checked against a separate double-precision implementation written here
 * from the documented definition (direct convolution loops, batch
 * normalisation by its formula) and its central differences; the SGD step,
 * the schedules and the warm start against their formulas; records against
 * a recomputation from the model's forward pass; seeds, checkpoints and
 * interrupts for bitwise reproducibility. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "nc_metrics.h"
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

/* ------------------------------------------------ double reference --- */

/* Normalisation (batch statistics when stats is NULL, else the running
 * ones) and activation of n units over cols columns, v[col * n + unit]. */
static void ref_norm_act(const nc_mlp *m, int bn, int n, long cols, double *v,
                         const double *gamma, const double *beta, const double *stats, int relu)
{
    for (int i = 0; i < n; ++i) {
        if (bn) {
            double mean = 0, var = 0;
            if (stats) {
                mean = stats[i];
                var = stats[n + i];
            } else {
                for (long j = 0; j < cols; ++j)
                    mean += v[j * n + i] / cols;
                for (long j = 0; j < cols; ++j)
                    var += (v[j * n + i] - mean) * (v[j * n + i] - mean) / cols;
            }
            for (long j = 0; j < cols; ++j)
                v[j * n + i] = gamma[i] * (v[j * n + i] - mean) / sqrt(var + m->bn_eps) + beta[i];
        } else {
            for (long j = 0; j < cols; ++j)
                v[j * n + i] += beta[i];
        }
        for (long j = 0; relu && j < cols; ++j)
            v[j * n + i] = v[j * n + i] > 0 ? v[j * n + i] : 0;
    }
}

/* Conv layer c by direct loops: in holds B maps (pixels x cin, channels
 * innermost); returns the pooled maps (malloc'd). */
static double *ref_conv(const nc_mlp *m, const double *th, const double *stats, int c, int B,
                        const double *in)
{
    int cin = c ? m->conv_ch[c - 1] : 1, co = m->conv_ch[c], h = m->img_h >> c, w = m->img_w >> c;
    long hw = (long)h * w;
    double *out = calloc((size_t)(co * hw * B), sizeof *out);
    const double *F = th + m->cw_off[c];
    for (int b = 0; b < B; ++b)
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x)
                for (int o = 0; o < co; ++o) {
                    double s = 0;
                    for (int ci = 0; ci < cin; ++ci)
                        for (int ky = 0; ky < 3; ++ky)
                            for (int kx = 0; kx < 3; ++kx) {
                                int yy = y + ky - 1, xx = x + kx - 1;
                                if (yy >= 0 && yy < h && xx >= 0 && xx < w)
                                    s += F[o + co * (ci * 9 + ky * 3 + kx)] *
                                         in[(b * hw + yy * w + xx) * cin + ci];
                            }
                    out[(b * hw + y * w + x) * co + o] = s;
                }
    ref_norm_act(m, m->batch_norm, co, hw * B, out, m->batch_norm ? th + m->cg_off[c] : NULL,
                 th + m->cb_off[c], stats ? stats + m->cs_off[c] : NULL, 1);
    int h2 = h / 2, w2 = w / 2;
    double *pool = malloc(sizeof *pool * (size_t)(co * h2 * w2 * B));
    for (int b = 0; b < B; ++b)
        for (int py = 0; py < h2; ++py)
            for (int px = 0; px < w2; ++px)
                for (int o = 0; o < co; ++o) {
                    double best = -INFINITY;
                    for (int dy = 0; dy < 2; ++dy)
                        for (int dx = 0; dx < 2; ++dx)
                            best = fmax(best, out[(b * hw + (2 * py + dy) * w + 2 * px + dx) * co + o]);
                    pool[(b * h2 * w2 + py * w2 + px) * co + o] = best;
                }
    free(out);
    return pool;
}

/* Features (d x B) of the network at parameters th (double); malloc'd. */
static double *ref_features(const nc_mlp *m, const double *th, const double *stats,
                            const double *X, int B)
{
    double *a = malloc(sizeof *a * (size_t)m->n_input * B);
    memcpy(a, X, sizeof *a * (size_t)m->n_input * B);
    for (int c = 0; c < m->n_conv; ++c) {
        double *next = ref_conv(m, th, stats, c, B, a);
        free(a);
        a = next;
    }
    for (int l = 0; l < m->depth; ++l) {
        int in = m->widths[l], out = m->widths[l + 1];
        double *z = calloc((size_t)out * B, sizeof *z);
        for (int j = 0; j < B; ++j)
            for (int i = 0; i < out; ++i)
                for (int k = 0; k < in; ++k)
                    z[j * out + i] += th[m->w_off[l] + i + (long)out * k] * a[j * in + k];
        /* documented: a normalised layer has a scale (g_off >= 0) */
        int bn = m->g_off[l] >= 0;
        ref_norm_act(m, bn, out, B, z, bn ? th + m->g_off[l] : NULL, th + m->b_off[l],
                     stats && bn ? stats + m->ds_off[l] : NULL,
                     !(m->linear_features && l == m->depth - 1));
        free(a);
        a = z;
    }
    return a;
}

/* The documented mini-batch objective (training mode). */
static double ref_objective(const nc_mlp *m, const nc_mlp_opts *o, const double *th,
                            const double *X, const int *y, int B, double scale_H)
{
    int L = m->depth, d = m->widths[L], K = m->widths[L + 1];
    double *H = ref_features(m, th, NULL, X, B), F = 0;
    const double *W = th + m->w_off[L], *b = th + m->b_off[L];
    for (int j = 0; j < B; ++j) {
        double z[16], top = -INFINITY, s = 0;
        for (int k = 0; k < K; ++k) {
            z[k] = b[k];
            for (int i = 0; i < d; ++i)
                z[k] += W[k + K * i] * H[j * d + i];
            top = fmax(top, z[k]);
        }
        for (int k = 0; k < K; ++k)
            s += exp(z[k] - top);
        F += (top + log(s) - z[y[j]]) / B;
    }
    for (int i = 0; i < K * d; ++i)
        F += o->lambda_W * W[i] * W[i];
    for (int i = 0; i < d * B; ++i)
        F += o->lambda_H * scale_H * H[i] * H[i];
    for (int k = 0; k < K; ++k)
        F += o->lambda_b * b[k] * b[k];
    long decay_end = o->decay_classifier ? m->n_params : m->w_off[L];
    for (long i = 0; i < decay_end; ++i)
        F += 0.5 * o->weight_decay * th[i] * th[i];
    free(H);
    return F;
}

/* Float objective and gradient against the double reference and its
 * central differences.  The gradient tolerance is relative to the largest
 * entry: single precision carries about 6e-8 relative error per operation,
 * and the normalisation's centring loses a few digits more. */
static void gradient_case(const char *what, nc_mlp_opts *o, int p, int K, int B, unsigned seed)
{
    nc_ctx ctx;
    nc_ctx_init(&ctx, "test");
    nc_mlp m;
    CHECK(nc_mlp_init(&ctx, p, K, o, &m) == NC_OK, "%s: init: %s", what, ctx.errmsg);
    unsigned s = seed;
    for (long i = 0; i < m.n_params; ++i) /* nonzero shifts exercise their gradients */
        m.params[i] += (float)(0.2 * (frand(&s) - 0.5));
    float *Xf = malloc(sizeof *Xf * p * B);
    double *X = malloc(sizeof *X * p * B), *th = malloc(sizeof *th * m.n_params);
    int y[64];
    for (int i = 0; i < p * B; ++i)
        X[i] = Xf[i] = (float)(2 * frand(&s) - 1);
    for (int j = 0; j < B; ++j)
        y[j] = j % K;
    for (long i = 0; i < m.n_params; ++i)
        th[i] = m.params[i];
    float *g = malloc(sizeof *g * m.n_params);
    double F, scale = 7.0; /* N / B for some N */
    CHECK(nc_mlp_batch_objective(&ctx, &m, o, Xf, y, B, scale, &F, g) == NC_OK, "%s: objective",
          what);
    double Fr = ref_objective(&m, o, th, X, y, B, scale);
    CHECK(fabs(F - Fr) <= 1e-5 * fabs(Fr), "%s: objective %.10g vs reference %.10g", what, F, Fr);
    double worst = 0, big = 0;
    for (long i = 0; i < m.n_params; ++i) {
        double keep = th[i], h = 1e-6;
        th[i] = keep + h;
        double Fp = ref_objective(&m, o, th, X, y, B, scale);
        th[i] = keep - h;
        double Fm = ref_objective(&m, o, th, X, y, B, scale);
        th[i] = keep;
        double fd = (Fp - Fm) / (2 * h);
        worst = fmax(worst, fabs(fd - g[i]));
        big = fmax(big, fabs(fd));
    }
    CHECK(big > 0 && worst <= 1e-5 * big,
          "%s: gradient vs central differences of the double reference: max error %g, "
          "largest entry %g, %ld params",
          what, worst, big, m.n_params);
    free(Xf);
    free(X);
    free(th);
    free(g);
    nc_mlp_free(&ctx, &m);
}

static void mlp_small(nc_mlp_opts *o)
{
    nc_mlp_defaults(o);
    o->depth = 2;
    o->hidden[0] = 5;
    o->hidden[1] = 4;
    o->lambda_W = 0.03;
    o->lambda_H = 0.002;
    o->lambda_b = 0.05;
    o->weight_decay = 0.01;
}

static void test_gradients(void)
{
    nc_mlp_opts o;
    mlp_small(&o);
    gradient_case("ReLU MLP", &o, 3, 3, 6, 99);
    o.decay_classifier = 1;
    gradient_case("weight decay on every parameter", &o, 3, 3, 6, 98);
    o.batch_norm = 1;
    gradient_case("batch normalisation", &o, 3, 3, 6, 97);
    o.bn_features = 1;
    gradient_case("batch normalisation, the feature layer too", &o, 3, 3, 6, 94);
    o.linear_features = 1;
    gradient_case("batch normalisation, linear features", &o, 3, 3, 6, 96);
    o.bn_features = 0;
    gradient_case("batch normalisation but not of the linear features", &o, 3, 3, 6, 93);
    o.batch_norm = 0;
    gradient_case("linear features", &o, 3, 3, 6, 95);

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
    gradient_case("CNN", &o, 32, 3, 3, 5);
    o.batch_norm = 1;
    gradient_case("CNN with batch normalisation", &o, 32, 3, 3, 6);
}

/* Evaluation mode: the running statistics replace the batch's. */
static void test_eval_forward(void)
{
    nc_ctx ctx;
    nc_ctx_init(&ctx, "test");
    nc_mlp_opts o;
    nc_mlp_defaults(&o);
    o.n_conv = 1;
    o.conv[0] = 2;
    o.img_h = 4;
    o.img_w = 4;
    o.depth = 2;
    o.hidden[0] = 6;
    o.hidden[1] = 5;
    o.batch_norm = 1;
    enum { p = 16, K = 3, B = 5 };
    nc_mlp m;
    CHECK(nc_mlp_init(&ctx, p, K, &o, &m) == NC_OK, "init");
    unsigned s = 11;
    for (long i = 0; i < m.n_params; ++i)
        m.params[i] += (float)(0.3 * (frand(&s) - 0.5));
    double *th = malloc(sizeof *th * m.n_params), st[64], X[p * B];
    float Xf[p * B], H[5 * B], Z[K * B];
    for (long i = 0; i < m.n_params; ++i)
        th[i] = m.params[i];
    CHECK(m.n_stats == 2 * (2 + 6) && m.g_off[1] < 0,
          "statistics: mean and variance per unit but the features': %ld", m.n_stats);
    for (long i = 0; i < m.n_stats; ++i) /* means anywhere, variances positive */
        st[i] = m.stats[i] = (float)(m.stats[i] == 1 ? 0.5 + frand(&s) : frand(&s) - 0.5);
    for (int i = 0; i < p * B; ++i)
        X[i] = Xf[i] = (float)frand(&s);
    CHECK(nc_mlp_forward(&ctx, &m, Xf, 1, B, H, Z) == NC_OK, "forward");
    double *Hr = ref_features(&m, th, st, X, B), err = 0, zerr = 0;
    for (int i = 0; i < 5 * B; ++i)
        err = fmax(err, fabs(H[i] - Hr[i]));
    const double *W = th + m.w_off[2], *b = th + m.b_off[2];
    for (int j = 0; j < B; ++j)
        for (int k = 0; k < K; ++k) {
            double z = b[k];
            for (int i = 0; i < 5; ++i)
                z += W[k + K * i] * Hr[j * 5 + i];
            zerr = fmax(zerr, fabs(z - Z[j * K + k]));
        }
    CHECK(err < 1e-5 && zerr < 1e-5, "evaluation mode vs reference: features %g, logits %g", err,
          zerr);
    free(Hr);
    free(th);
    nc_mlp_free(&ctx, &m);
}

/* ----------------------------------------------------------- training --- */

/* Three Gaussian blobs in 6 dimensions, labels 0..2, N samples. */
static void blobs(int N, double *X, int *y, unsigned seed)
{
    unsigned s = seed;
    for (int j = 0; j < N; ++j) {
        y[j] = j % 3;
        for (int i = 0; i < 6; ++i) {
            double u1 = frand(&s) + 1e-12, u2 = frand(&s);
            double g = sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
            X[j * 6 + i] = (float)(0.5 * g + (i == 2 * y[j] ? 2.0 : 0.0));
        }
    }
}

enum { NB = 300, PB = 6, KB = 3 };
static double Xb[PB * NB];
static float Xbf[PB * NB];
static int yb[NB];

static void blob_opts(nc_mlp_opts *o)
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

static int stop_after;
static int probe(void *user)
{
    (void)user;
    return --stop_after < 0;
}

static nc_status train(nc_ctx *ctx, const nc_mlp_opts *o, nc_mlp *m, nc_mlp_history *h)
{
    nc_ctx_init(ctx, "nc_mlp_train");
    return nc_mlp_train(ctx, Xb, 0, PB, NB, yb, KB, NULL, 0, 0, NULL, o, m, h);
}

static int same_run(const nc_mlp *a, const nc_mlp *b, const nc_mlp_history *ha,
                    const nc_mlp_history *hb)
{
    return a->n_params == b->n_params && a->n_stats == b->n_stats &&
           memcmp(a->params, b->params, sizeof(float) * a->n_params) == 0 &&
           (!a->n_stats || memcmp(a->stats, b->stats, sizeof(float) * a->n_stats) == 0) &&
           ha->count == hb->count &&
           memcmp(ha->Zbar, hb->Zbar, sizeof(double) * ha->count * KB * KB) == 0 &&
           memcmp(ha->nc1, hb->nc1, sizeof(double) * ha->count) == 0;
}

/* The last record, recomputed from the model's evaluation-mode forward
 * pass in double. */
static void check_records(const nc_mlp *m, const nc_mlp_opts *o, const nc_mlp_history *h)
{
    int d = m->widths[m->depth], r = h->count - 1;
    float *H = malloc(sizeof *H * d * NB), *Z = malloc(sizeof *Z * KB * NB);
    double *Hd = malloc(sizeof *Hd * d * NB);
    nc_ctx ctx;
    nc_ctx_init(&ctx, "test");
    nc_mlp_forward(&ctx, m, Xb, 0, NB, H, Z);
    const float *W = m->params + m->w_off[m->depth], *b = m->params + m->b_off[m->depth];
    double mu[64 * KB] = {0}, cnt[KB] = {0}, ce = 0, hh = 0, ww = 0, bb = 0, zerr = 0, nc1;
    long right = 0;
    for (int j = 0; j < NB; ++j) {
        int best = 0;
        double top = -INFINITY, s = 0;
        for (int k = 0; k < KB; ++k) {
            if (Z[j * KB + k] > Z[j * KB + best])
                best = k;
            top = fmax(top, Z[j * KB + k]);
        }
        for (int k = 0; k < KB; ++k)
            s += exp(Z[j * KB + k] - top);
        ce += top + log(s) - Z[j * KB + yb[j]];
        right += best == yb[j];
        for (int i = 0; i < d; ++i) {
            Hd[j * d + i] = H[j * d + i];
            mu[yb[j] * d + i] += H[j * d + i];
            hh += (double)H[j * d + i] * H[j * d + i];
        }
        cnt[yb[j]] += 1;
    }
    for (int i = 0; i < KB * d; ++i)
        ww += (double)W[i] * W[i];
    for (int k = 0; k < KB; ++k)
        bb += (double)b[k] * b[k];
    double loss = ce / NB + o->lambda_W * ww + o->lambda_H * hh + o->lambda_b * bb;
    for (int k = 0; k < KB; ++k)
        for (int l = 0; l < KB; ++l) {
            double z = 0;
            for (int i = 0; i < d; ++i)
                z += (double)W[i * KB + l] * mu[k * d + i] / cnt[k];
            zerr = fmax(zerr, fabs(z - h->Zbar[r * KB * KB + k * KB + l]));
        }
    nc_metrics_nc1(&ctx, d, NB, KB, Hd, d, yb, NC_WEIGHT_SAMPLES, &nc1);
    CHECK(fabs(h->loss[r] - loss) < 1e-6 * loss, "record loss = UFM objective of the last layer: %.12g vs %.12g",
          h->loss[r], loss);
    CHECK(h->accuracy[r] == (double)right / NB, "record accuracy");
    CHECK(zerr < 1e-9, "record Zbar = W * class means: %g", zerr);
    CHECK(fabs(h->nc1[r] - nc1) < 1e-9 * nc1, "record NC1 = metrics of the features: %g vs %g",
          h->nc1[r], nc1);
    int bsame = 1;
    for (int k = 0; k < KB; ++k)
        bsame &= h->b[r * KB + k] == b[k];
    CHECK(bsame, "record b = classifier bias");
    free(H);
    free(Z);
    free(Hd);
}

static void test_train_basics(void)
{
    nc_mlp_opts o;
    blob_opts(&o);
    nc_ctx ctx;
    nc_mlp m1, m2;
    nc_mlp_history h1, h2;
    nc_ctx_init(&ctx, "nc_mlp_train");
    CHECK(nc_mlp_train(&ctx, Xb, 0, PB, NB, yb, KB, Xb, 0, NB, yb, &o, &m1, &h1) == NC_OK,
          "train: %s", ctx.errmsg);
    CHECK(h1.epochs_done == 6 && h1.count == 6 && h1.resumed_from == 0, "all epochs recorded");
    CHECK(h1.accuracy[5] > 0.95, "blobs learned: accuracy %g", h1.accuracy[5]);
    CHECK(h1.test_accuracy[5] == h1.accuracy[5], "test set = training set: the same accuracy");
    CHECK(h1.loss[5] < h1.loss[0], "loss decreased %g -> %g", h1.loss[0], h1.loss[5]);
    CHECK(h1.nc1[5] > 0 && h1.nc1[5] < h1.nc1[0], "NC1 falls: %g -> %g", h1.nc1[0], h1.nc1[5]);
    check_records(&m1, &o, &h1);

    /* Same seed: bitwise identical, float input or double of the same values. */
    nc_ctx_init(&ctx, "nc_mlp_train");
    CHECK(nc_mlp_train(&ctx, Xbf, 1, PB, NB, yb, KB, NULL, 0, 0, NULL, &o, &m2, &h2) == NC_OK,
          "train2");
    CHECK(same_run(&m1, &m2, &h1, &h2), "same seed (float copy of the same values): identical");
    CHECK(isnan(h2.test_accuracy[0]), "no test data: NaN");
    nc_mlp_free(&ctx, &m2);
    nc_mlp_history_free(&ctx, &h2);
    o.seed = 5;
    train(&ctx, &o, &m2, &h2);
    CHECK(memcmp(m1.params, m2.params, sizeof(float) * m1.n_params) != 0, "another seed differs");
    nc_mlp_free(&ctx, &m1);
    nc_mlp_free(&ctx, &m2);
    nc_mlp_history_free(&ctx, &h1);
    nc_mlp_history_free(&ctx, &h2);

    /* Batch normalisation, sparse records: the records still agree. */
    blob_opts(&o);
    o.batch_norm = 1;
    o.epochs = 8;
    o.history_every = 3;
    CHECK(train(&ctx, &o, &m1, &h1) == NC_OK, "BN train: %s", ctx.errmsg);
    CHECK(h1.count == 4 && h1.epoch[0] == 1 && h1.epoch[1] == 3 && h1.epoch[2] == 6 &&
              h1.epoch[3] == 8,
          "records at epochs 1, 3, 6, 8: %d records", h1.count);
    CHECK(h1.accuracy[3] > 0.95, "BN: blobs learned: %g", h1.accuracy[3]);
    check_records(&m1, &o, &h1);
    nc_mlp_free(&ctx, &m1);
    nc_mlp_history_free(&ctx, &h1);
}

/* One batch per epoch from zero velocity: theta1 = theta0 - lr (g + wd theta0)
 * on the decayed range, (1 + mu) times that step with Nesterov. */
static void test_sgd_step(void)
{
    for (int variant = 0; variant < 3; ++variant) {
        nc_mlp_opts o;
        blob_opts(&o);
        o.epochs = 1;
        o.n_drops = 0;
        o.batch = NB;
        o.batch_norm = variant == 2;
        o.decay_classifier = variant >= 1;
        o.nesterov = variant == 2;
        o.weight_decay = 0.02;
        nc_ctx ctx;
        nc_ctx_init(&ctx, "test");
        nc_mlp m0, m1;
        nc_mlp_history h1;
        nc_mlp_init(&ctx, PB, KB, &o, &m0);
        float *g = malloc(sizeof *g * m0.n_params);
        double F;
        nc_mlp_batch_objective(&ctx, &m0, &o, Xbf, yb, NB, 1.0, &F, g);
        CHECK(train(&ctx, &o, &m1, &h1) == NC_OK, "one step");
        double err = 0, size = 0, mult = o.nesterov ? 1 + o.momentum : 1;
        for (long i = 0; i < m0.n_params; ++i) {
            double want = m0.params[i] - o.lr * mult * g[i];
            err = fmax(err, fabs(m1.params[i] - want));
            size = fmax(size, fabs(o.lr * g[i]));
        }
        CHECK(err < 1e-4 * size, "SGD step (variant %d) = theta - lr (grad + wd theta): %g of %g",
              variant, err, size);
        free(g);
        nc_mlp_free(&ctx, &m0);
        nc_mlp_free(&ctx, &m1);
        nc_mlp_history_free(&ctx, &h1);
    }
}

static void test_schedules(void)
{
    nc_mlp_opts o;
    blob_opts(&o);
    o.epochs = 7;
    o.n_drops = 2;
    o.drop_at[0] = 2;
    o.drop_at[1] = 5;
    o.lr_drop = 0.5;
    o.warmup = 2;
    o.history_every = 100;
    nc_ctx ctx;
    nc_mlp m;
    nc_mlp_history h;
    train(&ctx, &o, &m, &h);
    double want[7] = {0.05 / 3, 0.05 * 2 / 3, 0.025, 0.025, 0.025, 0.0125, 0.0125}, err = 0;
    for (int e = 0; e < 7; ++e)
        err = fmax(err, fabs(h.lr[e] - want[e]));
    CHECK(err < 1e-15, "step schedule with warm-up: max error %g", err);
    CHECK(h.count == 2, "records: first and last only (%d)", h.count);
    nc_mlp_free(&ctx, &m);
    nc_mlp_history_free(&ctx, &h);

    o.schedule = NC_SCHEDULE_COSINE;
    o.warmup = 0;
    o.lr_drop = 0.01;
    train(&ctx, &o, &m, &h);
    err = 0;
    for (int e = 0; e < 7; ++e)
        err = fmax(err, fabs(h.lr[e] - 0.05 * (0.01 + 0.99 * 0.5 * (1 + cos(M_PI * e / 6)))));
    CHECK(err < 1e-15 && h.lr[0] == 0.05, "cosine from lr to lr * LrDrop: max error %g", err);
    nc_mlp_free(&ctx, &m);
    nc_mlp_history_free(&ctx, &h);

    o.schedule = NC_SCHEDULE_STEP;
    o.n_drops = -1; /* default: one drop at a third */
    o.lr_drop = 0.1;
    o.epochs = 6;
    train(&ctx, &o, &m, &h);
    CHECK(h.lr[1] == 0.05 && h.lr[2] == 0.05 * 0.1, "default drop after a third: %g %g", h.lr[1],
          h.lr[2]);
    nc_mlp_free(&ctx, &m);
    nc_mlp_history_free(&ctx, &h);
}

/* The warm start divides lambda_W and lambda_H for its epochs: its first
 * epoch is that of a run with the divided weights, its second is not. */
static void test_warm_start(void)
{
    nc_mlp_opts a, b;
    blob_opts(&a);
    a.epochs = 2;
    a.lambda_W = 0.02;
    a.lambda_H = 0.004;
    b = a;
    a.warm_epochs = 1;
    a.warm_factor = 10;
    b.lambda_W = 0.02 / 10;
    b.lambda_H = 0.004 / 10;
    nc_ctx ctx;
    nc_mlp ma, mb;
    nc_mlp_history ha, hb;
    train(&ctx, &a, &ma, &ha);
    train(&ctx, &b, &mb, &hb);
    CHECK(memcmp(ha.Zbar, hb.Zbar, sizeof(double) * KB * KB) == 0,
          "warm epoch = epoch at lambda / factor");
    CHECK(memcmp(ha.Zbar + KB * KB, hb.Zbar + KB * KB, sizeof(double) * KB * KB) != 0,
          "after the warm start the full lambdas apply");
    nc_mlp_free(&ctx, &ma);
    nc_mlp_free(&ctx, &mb);
    nc_mlp_history_free(&ctx, &ha);
    nc_mlp_history_free(&ctx, &hb);

    /* A ramp of R = 2 epochs right away: the first epoch divides by
     * 10^(2/3), as a run at lambda / 10^(2/3). */
    a.warm_epochs = 0;
    a.warm_ramp = 2;
    a.epochs = 1;
    b = a;
    b.warm_ramp = 0;
    b.lambda_W = a.lambda_W / pow(10, 2.0 / 3);
    b.lambda_H = a.lambda_H / pow(10, 2.0 / 3);
    train(&ctx, &a, &ma, &ha);
    train(&ctx, &b, &mb, &hb);
    CHECK(memcmp(ma.params, mb.params, sizeof(float) * ma.n_params) == 0,
          "ramp: its first epoch at lambda / 10^(2/3)");
    nc_mlp_free(&ctx, &ma);
    nc_mlp_free(&ctx, &mb);
    nc_mlp_history_free(&ctx, &ha);
    nc_mlp_history_free(&ctx, &hb);
}

static void test_checkpoint(void)
{
    nc_mlp_opts o;
    blob_opts(&o);
    o.batch_norm = 1;
    o.warm_epochs = 2;
    o.n_drops = 2;
    o.drop_at[0] = 3;
    o.drop_at[1] = 5;
    o.nesterov = 1;
    o.history_every = 2;
    nc_ctx ctx;
    nc_mlp m1, m3, m4;
    nc_mlp_history h1, h3, h4;
    CHECK(train(&ctx, &o, &m1, &h1) == NC_OK, "uninterrupted run");

    char dir[] = "/tmp/nc_test_mlpXXXXXX", path[256];
    CHECK(mkdtemp(dir) != NULL, "temp dir");
    snprintf(path, sizeof path, "%s/run.ckpt", dir);
    nc_mlp_opts oc = o;
    oc.checkpoint = path;
    nc_ctx_init(&ctx, "nc_mlp_train");
    ctx.interrupted = probe;
    stop_after = 3 * 10 + 4; /* 10 batches per epoch, one probe per batch */
    nc_status st = nc_mlp_train(&ctx, Xb, 0, PB, NB, yb, KB, NULL, 0, 0, NULL, &oc, &m3, &h3);
    CHECK(st == NC_EINTERRUPT && h3.interrupted && h3.epochs_done == 3,
          "interrupted in epoch 4: status %d, %d epochs done", st, h3.epochs_done);
    CHECK(h3.count == 2 && isnan(h3.batch_loss[3]) && h3.batch_loss[2] == h1.batch_loss[2],
          "history up to the interrupt");
    nc_mlp_free(&ctx, &m3);
    nc_mlp_history_free(&ctx, &h3);
    st = train(&ctx, &oc, &m4, &h4);
    CHECK(st == NC_OK && h4.resumed_from == 3 && h4.epochs_done == 6, "resumed from epoch 3");
    CHECK(same_run(&m4, &m1, &h4, &h1), "resumed run bitwise identical to the uninterrupted one");
    nc_mlp_free(&ctx, &m4);
    nc_mlp_history_free(&ctx, &h4);

    /* The checkpoint of another run is refused: every new option counts. */
    for (int change = 0; change < 7; ++change) {
        nc_mlp_opts other = oc;
        switch (change) {
        case 0: other.seed = 5; break;
        case 1: other.batch_norm = 0; break;
        case 2: other.warm_epochs = 1; break;
        case 3: other.decay_classifier = 1; break;
        case 4: other.linear_features = 1; break;
        case 5: other.drop_at[1] = 4; break;
        case 6: other.schedule = NC_SCHEDULE_COSINE; break;
        }
        st = train(&ctx, &other, &m4, &h4);
        CHECK(st == NC_EBADARG && strcmp(ctx.errid, "ncufm:badCheckpoint") == 0,
              "foreign checkpoint (change %d): %s", change, ctx.errmsg);
    }
    FILE *f = fopen(path, "r+b");
    if (f) {
        fseek(f, -3, SEEK_END);
        fputc('X', f);
        fclose(f);
    }
    st = train(&ctx, &oc, &m4, &h4);
    CHECK(st == NC_EFORMAT && strcmp(ctx.errid, "ncufm:badCheckpoint") == 0,
          "damaged checkpoint: %s", ctx.errmsg);
    remove(path);
    rmdir(dir);
    nc_mlp_free(&ctx, &m1);
    nc_mlp_history_free(&ctx, &h1);
}

/* Init: a run starts from another model's parameters and statistics. */
static void test_init(void)
{
    nc_mlp_opts o;
    blob_opts(&o);
    o.batch_norm = 1;
    o.epochs = 2;
    nc_ctx ctx;
    nc_mlp a, b;
    nc_mlp_history ha, hb;
    CHECK(train(&ctx, &o, &a, &ha) == NC_OK, "base run");
    nc_mlp_opts oi = o;
    oi.init = &a;
    oi.lr = 1e-30; /* steps vanish in float: the start is what comes out */
    oi.bn_momentum = 0;
    oi.epochs = 1;
    CHECK(train(&ctx, &oi, &b, &hb) == NC_OK, "run from a model: %s", ctx.errmsg);
    CHECK(memcmp(a.params, b.params, sizeof(float) * a.n_params) == 0 &&
              memcmp(a.stats, b.stats, sizeof(float) * a.n_stats) == 0,
          "the model's parameters and statistics are the start");
    CHECK(memcmp(ha.Zbar + KB * KB, hb.Zbar, sizeof(double) * KB * KB) == 0,
          "the same records from the same network");
    nc_mlp_free(&ctx, &b);
    nc_mlp_history_free(&ctx, &hb);
    oi.hidden[1] = 9;
    CHECK(train(&ctx, &oi, &b, &hb) == NC_EBADARG && strcmp(ctx.errid, "ncufm:badInit") == 0,
          "another shape refused: %s", ctx.errmsg);
    nc_mlp_free(&ctx, &a);
    nc_mlp_history_free(&ctx, &ha);
}

static void test_errors(void)
{
    nc_mlp_opts o;
    nc_ctx ctx;
    nc_mlp m;
    nc_mlp_history h;
    int ybad[NB];
    memcpy(ybad, yb, sizeof ybad);
    for (int j = 0; j < NB; ++j)
        if (ybad[j] == 1)
            ybad[j] = 0;
    blob_opts(&o);
    nc_ctx_init(&ctx, "nc_mlp_train");
    nc_status st = nc_mlp_train(&ctx, Xb, 0, PB, NB, ybad, KB, NULL, 0, 0, NULL, &o, &m, &h);
    CHECK(st == NC_EBADARG && strcmp(ctx.errid, "ncufm:badLabels") == 0, "empty class: %s",
          ctx.errmsg);
    ybad[0] = 7;
    nc_ctx_init(&ctx, "nc_mlp_train");
    st = nc_mlp_train(&ctx, Xb, 0, PB, NB, ybad, KB, NULL, 0, 0, NULL, &o, &m, &h);
    CHECK(st == NC_EBADARG && strcmp(ctx.errid, "ncufm:badLabels") == 0, "label 8 of 3: %s",
          ctx.errmsg);
    for (int bad = 0; bad < 5; ++bad) {
        blob_opts(&o);
        switch (bad) {
        case 0: o.seed = 0x100000000UL; break;
        case 1: o.n_drops = 2; o.drop_at[0] = 3; o.drop_at[1] = 3; break;
        case 2: o.warm_factor = 0; break;
        case 3: o.bn_eps = 0; o.batch_norm = 1; break;
        case 4: o.lambda_H = NAN; break;
        }
        st = train(&ctx, &o, &m, &h);
        CHECK(st == NC_EBADARG, "bad option %d refused: %s", bad, ctx.errmsg);
    }
}

int main(void)
{
    blobs(NB, Xb, yb, 17);
    for (int i = 0; i < PB * NB; ++i)
        Xbf[i] = (float)Xb[i];
    test_gradients();
    test_eval_forward();
    test_train_basics();
    test_sgd_step();
    test_schedules();
    test_warm_start();
    test_checkpoint();
    test_init();
    test_errors();
    return check_report("test_mlp");
}
