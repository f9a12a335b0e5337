/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A ReLU multilayer perceptron (optionally behind a small convolutional
 * front end: 3 x 3 conv, ReLU, 2 x 2 max pooling, by im2col and GEMM)
 * trained by mini-batch SGD with momentum, with the UFM's regularisation on
 * its last layer (paper.md section 7). */
#define _POSIX_C_SOURCE 200809L
#include "nc_train.h"
#include "lapack.h"
#include "mlp_util.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Rows of X pushed through the network at a time outside training. */
#define EVAL_CHUNK 512

void nc_mlp_defaults(nc_mlp_opts *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->depth = 2;
    opts->hidden[0] = 256;
    opts->hidden[1] = 128;
    opts->epochs = 30;
    opts->batch = 128;
    opts->lr = 0.01;
    opts->lr_drop = 0.1;
    opts->drop_at = -1;
    opts->momentum = 0.9;
    opts->lambda_W = 1e-3;
    opts->lambda_H = 1e-6;
    opts->lambda_b = 1e-2;
    opts->weight_decay = 5e-4;
    opts->verbose = 1;
    opts->checkpoint_every = 1;
}

void nc_mlp_free(nc_ctx *ctx, nc_mlp *model)
{
    nc_free(ctx, model->params);
    model->params = NULL;
}

nc_status nc_mlp_init(nc_ctx *ctx, int p, int K, const nc_mlp_opts *opts, nc_mlp *model)
{
    memset(model, 0, sizeof *model);
    if (opts->depth < 1 || opts->depth > NC_MLP_MAX_HIDDEN)
        return nc_fail(ctx, NC_EBADARG, "badHidden", "Hidden must list 1 to %d layer widths",
                       NC_MLP_MAX_HIDDEN);
    if (p < 1 || K < 2)
        return nc_fail(ctx, NC_EBADARG, "badSize", "needs p >= 1 inputs and K >= 2 classes");
    if (opts->n_conv < 0 || opts->n_conv > NC_MLP_MAX_CONV)
        return nc_fail(ctx, NC_EBADARG, "badConv", "Conv must list 0 to %d channel counts",
                       NC_MLP_MAX_CONV);
    model->n_input = p;
    model->depth = opts->depth;
    model->n_conv = opts->n_conv;
    int dense_in = p;
    if (opts->n_conv) {
        int f = 1 << opts->n_conv;
        if (opts->img_h < 1 || opts->img_w < 1 || (long)opts->img_h * opts->img_w != p ||
            opts->img_h % f || opts->img_w % f)
            return nc_fail(ctx, NC_EBADARG, "badConv",
                           "ImageSize %d x %d must have %d pixels (the rows of X) and sides "
                           "divisible by %d (one 2 x 2 pooling per conv layer)",
                           opts->img_h, opts->img_w, p, f);
        model->img_h = opts->img_h;
        model->img_w = opts->img_w;
        for (int c = 0; c < opts->n_conv; ++c) {
            if (opts->conv[c] < 1)
                return nc_fail(ctx, NC_EBADARG, "badConv", "Conv channel counts must be positive");
            model->conv_ch[c] = opts->conv[c];
        }
        dense_in = opts->conv[opts->n_conv - 1] * (opts->img_h / f) * (opts->img_w / f);
    }
    model->widths[0] = dense_in;
    for (int l = 0; l < opts->depth; ++l) {
        if (opts->hidden[l] < 1)
            return nc_fail(ctx, NC_EBADARG, "badHidden", "Hidden widths must be positive");
        model->widths[l + 1] = opts->hidden[l];
    }
    model->widths[opts->depth + 1] = K;
    long off = 0;
    for (int l = 0; l <= model->depth; ++l) {
        model->w_off[l] = off;
        off += (long)model->widths[l + 1] * model->widths[l];
        model->b_off[l] = off;
        off += model->widths[l + 1];
    }
    for (int c = 0, cin = 1; c < model->n_conv; cin = model->conv_ch[c++]) {
        model->cw_off[c] = off;
        off += (long)model->conv_ch[c] * 9 * cin;
        model->cb_off[c] = off;
        off += model->conv_ch[c];
    }
    model->n_params = off;
    model->params = nc_calloc(ctx, (size_t)off, sizeof *model->params);
    gsl_rng *rng = model->params ? gsl_rng_alloc(gsl_rng_mt19937) : NULL;
    if (model->params && !rng)
        nc_fail(ctx, NC_ENOMEM, "outOfMemory", "cannot allocate a random generator");
    if (!rng) {
        nc_mlp_free(ctx, model);
        return ctx->status;
    }
    gsl_rng_set(rng, opts->seed);
    for (int l = 0; l <= model->depth; ++l) {
        double *w = model->params + model->w_off[l];
        long count = (long)model->widths[l + 1] * model->widths[l];
        double fan_in = model->widths[l];
        /* Kaiming normal keeps ReLU activations at a stable scale; the
         * classifier gets PyTorch's default uniform range. */
        for (long i = 0; i < count; ++i)
            w[i] = l < model->depth ? gsl_ran_gaussian_ziggurat(rng, sqrt(2.0 / fan_in))
                                    : (2 * gsl_rng_uniform(rng) - 1) / sqrt(fan_in);
    }
    for (int c = 0; c < model->n_conv; ++c) {
        double *w = model->params + model->cw_off[c];
        long count = model->cb_off[c] - model->cw_off[c];
        double fan_in = (double)count / model->conv_ch[c];
        for (long i = 0; i < count; ++i)
            w[i] = gsl_ran_gaussian_ziggurat(rng, sqrt(2.0 / fan_in));
    }
    gsl_rng_free(rng);
    return NC_OK;
}

/* ---------------------------------------------------------- workspace --- */

typedef struct {
    int B;                                  /* columns available */
    double *input;                          /* B input columns (A[0] without conv) */
    double *A[NC_MLP_MAX_HIDDEN + 1];       /* A[0] dense input, A[l] ReLU outputs */
    double *logits;                         /* K x B, then the softmax gradient */
    double *dA, *dB;                        /* backward buffers, max width x B */
    /* conv layer c: its input (cin x pixels), im2col matrix, ReLU output
     * before pooling, and the argmax of each pooled value */
    double *cin[NC_MLP_MAX_CONV], *cols[NC_MLP_MAX_CONV], *act[NC_MLP_MAX_CONV];
    int *arg[NC_MLP_MAX_CONV];
    double *dact, *dcols;                   /* conv backward buffers */
    double *block;
    int *iblock;
} mlp_work;

static void work_free(nc_ctx *ctx, mlp_work *w)
{
    nc_free(ctx, w->block);
    nc_free(ctx, w->iblock);
    w->block = NULL;
    w->iblock = NULL;
}

static long maxl(long a, long b) { return a > b ? a : b; }

/* Pixels (per sample) at the input of conv layer c. */
static long conv_pixels(const nc_mlp *m, int c)
{
    return (long)(m->img_h >> c) * (m->img_w >> c);
}

static int conv_cin(const nc_mlp *m, int c) { return c ? m->conv_ch[c - 1] : 1; }

static nc_status work_alloc(nc_ctx *ctx, const nc_mlp *m, int B, mlp_work *w)
{
    memset(w, 0, sizeof *w);
    long total = 0, widest = 0, ints = 0, dact = 0, dcols = 0;
    for (int l = 0; l <= m->depth; ++l)
        total += m->widths[l];
    for (int l = m->n_conv ? 0 : 1; l <= m->depth; ++l)
        widest = maxl(widest, m->widths[l]);
    for (int c = 1; c < m->n_conv; ++c) /* gradients between conv layers */
        widest = maxl(widest, conv_cin(m, c) * conv_pixels(m, c));
    total += m->widths[m->depth + 1] + 2 * widest;
    for (int c = 0; c < m->n_conv; ++c) {
        long px = conv_pixels(m, c), cin = conv_cin(m, c);
        total += cin * px + 9 * cin * px + m->conv_ch[c] * px;
        ints += m->conv_ch[c] * px / 4;
        dact = maxl(dact, m->conv_ch[c] * px);
        dcols = maxl(dcols, 9 * cin * px);
    }
    total += dact + dcols;
    w->block = nc_alloc(ctx, (size_t)total * (size_t)B, sizeof(double));
    if (w->block && ints)
        w->iblock = nc_alloc(ctx, (size_t)ints * (size_t)B, sizeof(int));
    if (!w->block || (ints && !w->iblock)) {
        work_free(ctx, w);
        return ctx->status;
    }
    w->B = B;
    double *next = w->block;
    for (int l = 0; l <= m->depth; ++l) {
        w->A[l] = next;
        next += (long)m->widths[l] * B;
    }
    w->logits = next;
    next += (long)m->widths[m->depth + 1] * B;
    w->dA = next;
    w->dB = next + widest * B;
    next += 2 * widest * B;
    int *inext = w->iblock;
    for (int c = 0; c < m->n_conv; ++c) {
        long px = conv_pixels(m, c), cin = conv_cin(m, c);
        w->cin[c] = next;
        next += cin * px * B;
        w->cols[c] = next;
        next += 9 * cin * px * B;
        w->act[c] = next;
        next += m->conv_ch[c] * px * B;
        w->arg[c] = inext;
        inext += m->conv_ch[c] * px / 4 * B;
    }
    w->dact = next;
    w->dcols = next + dact * B;
    w->input = m->n_conv ? w->cin[0] : w->A[0];
    return NC_OK;
}

/* Copies columns cols[0..B-1] of X (or B consecutive columns from first
 * when cols is NULL) into A[0] as doubles. */
static void load_columns(double *A0, const void *X, int x_single, int p, const long *cols,
                         long first, int B)
{
    for (int j = 0; j < B; ++j) {
        long c = cols ? cols[j] : first + j;
        double *dst = A0 + (long)j * p;
        if (x_single) {
            const float *src = (const float *)X + c * p;
            for (int i = 0; i < p; ++i)
                dst[i] = src[i];
        } else {
            memcpy(dst, (const double *)X + c * p, (size_t)p * sizeof *dst);
        }
    }
}

/* im2col for 3 x 3 filters with zero padding 1: column (pixel, sample) of
 * cols holds the 9 cin neighbourhood values, row ci*9 + ky*3 + kx. */
static void im2col(int cin, int h, int wd, int B, const double *in, double *cols)
{
    long R = 9L * cin, hw = (long)h * wd;
    for (long j = 0; j < hw * B; ++j) {
        long b = j / hw, pix = j % hw;
        int y = (int)(pix / wd), x = (int)(pix % wd);
        double *col = cols + j * R;
        for (int ky = 0; ky < 3; ++ky)
            for (int kx = 0; kx < 3; ++kx) {
                int yy = y + ky - 1, xx = x + kx - 1;
                int inside = yy >= 0 && yy < h && xx >= 0 && xx < wd;
                const double *src = in + cin * (b * hw + (long)yy * wd + xx);
                for (int ci = 0; ci < cin; ++ci)
                    col[ci * 9 + ky * 3 + kx] = inside ? src[ci] : 0.0;
            }
    }
}

/* The adjoint of im2col: accumulates cols back into the image gradient. */
static void col2im(int cin, int h, int wd, int B, const double *cols, double *din)
{
    long R = 9L * cin, hw = (long)h * wd;
    memset(din, 0, (size_t)(cin * hw * B) * sizeof *din);
    for (long j = 0; j < hw * B; ++j) {
        long b = j / hw, pix = j % hw;
        int y = (int)(pix / wd), x = (int)(pix % wd);
        const double *col = cols + j * R;
        for (int ky = 0; ky < 3; ++ky)
            for (int kx = 0; kx < 3; ++kx) {
                int yy = y + ky - 1, xx = x + kx - 1;
                if (yy < 0 || yy >= h || xx < 0 || xx >= wd)
                    continue;
                double *dst = din + cin * (b * hw + (long)yy * wd + xx);
                for (int ci = 0; ci < cin; ++ci)
                    dst[ci] += col[ci * 9 + ky * 3 + kx];
            }
    }
}

/* Conv layer c on the B samples in w->cin[c]: writes the pooled maps into
 * out (the next layer's input, or A[0] after the last). */
static void conv_forward(const nc_mlp *m, mlp_work *w, int c, int B, double *out)
{
    int cin = conv_cin(m, c), co = m->conv_ch[c], h = m->img_h >> c, wd = m->img_w >> c;
    long hw = (long)h * wd, n = hw * B;
    const double *Wc = m->params + m->cw_off[c], *bc = m->params + m->cb_off[c];
    double *act = w->act[c];
    im2col(cin, h, wd, B, w->cin[c], w->cols[c]);
    nc_gemm('N', 'N', co, (int)n, 9 * cin, 1.0, Wc, co, w->cols[c], 9 * cin, 0.0, act, co);
    for (long j = 0; j < n; ++j)
        for (int k = 0; k < co; ++k) {
            double v = act[j * co + k] + bc[k];
            act[j * co + k] = v > 0 ? v : 0;
        }
    int h2 = h / 2, w2 = wd / 2;
    int *arg = w->arg[c];
    for (long b = 0; b < B; ++b)
        for (int py = 0; py < h2; ++py)
            for (int px = 0; px < w2; ++px) {
                long o = co * (b * h2 * w2 + (long)py * w2 + px);
                long i0 = co * (b * hw + (long)(2 * py) * wd + 2 * px);
                long cand[4] = {i0, i0 + co, i0 + co * wd, i0 + co * (wd + 1)};
                for (int k = 0; k < co; ++k) {
                    long best = cand[0] + k;
                    for (int q = 1; q < 4; ++q)
                        if (act[cand[q] + k] > act[best])
                            best = cand[q] + k;
                    out[o + k] = act[best];
                    arg[o + k] = (int)best;
                }
            }
}

/* Given d(loss)/d(pooled output of layer c) in dpool, accumulates the
 * layer's parameter gradients and, for c > 0, writes d/d(input) to din. */
static void conv_backward(const nc_mlp *m, const nc_mlp_opts *o, mlp_work *w, int c, int B,
                          const double *dpool, double *grad, double *din)
{
    int cin = conv_cin(m, c), co = m->conv_ch[c], h = m->img_h >> c, wd = m->img_w >> c;
    long hw = (long)h * wd, n = hw * B, pooled = co * hw / 4 * B;
    const double *Wc = m->params + m->cw_off[c], *bc = m->params + m->cb_off[c];
    double *gW = grad + m->cw_off[c], *gb = grad + m->cb_off[c], *dact = w->dact;
    memset(dact, 0, (size_t)(co * n) * sizeof *dact);
    for (long i = 0; i < pooled; ++i)
        dact[w->arg[c][i]] += dpool[i];
    for (long i = 0; i < co * n; ++i)
        if (!(w->act[c][i] > 0))
            dact[i] = 0;
    for (long i = 0; i < 9L * cin * co; ++i)
        gW[i] = o->weight_decay * Wc[i];
    nc_gemm('N', 'T', co, 9 * cin, (int)n, 1.0, dact, co, w->cols[c], 9 * cin, 1.0, gW, co);
    for (int k = 0; k < co; ++k)
        gb[k] = o->weight_decay * bc[k];
    for (long j = 0; j < n; ++j)
        for (int k = 0; k < co; ++k)
            gb[k] += dact[j * co + k];
    if (c > 0) {
        nc_gemm('T', 'N', 9 * cin, (int)n, co, 1.0, Wc, co, dact, co, 0.0, w->dcols, 9 * cin);
        col2im(cin, h, wd, B, w->dcols, din);
    }
}

/* A[1..depth] and the logits (bias excluded) of the B columns in w->input. */
static void forward(const nc_mlp *m, mlp_work *w, int B)
{
    for (int c = 0; c < m->n_conv; ++c)
        conv_forward(m, w, c, B, c + 1 < m->n_conv ? w->cin[c + 1] : w->A[0]);
    for (int l = 0; l < m->depth; ++l) {
        int in = m->widths[l], out = m->widths[l + 1];
        const double *W = m->params + m->w_off[l], *b = m->params + m->b_off[l];
        double *Z = w->A[l + 1];
        nc_gemm('N', 'N', out, B, in, 1.0, W, out, w->A[l], in, 0.0, Z, out);
        for (int j = 0; j < B; ++j)
            for (int i = 0; i < out; ++i) {
                double v = Z[(long)j * out + i] + b[i];
                Z[(long)j * out + i] = v > 0 ? v : 0;
            }
    }
    int d = m->widths[m->depth], K = m->widths[m->depth + 1];
    nc_gemm('N', 'N', K, B, d, 1.0, m->params + m->w_off[m->depth], K, w->A[m->depth], d, 0.0,
            w->logits, K);
}

static double sumsq(const double *x, long n)
{
    double s = 0;
    for (long i = 0; i < n; ++i)
        s += x[i] * x[i];
    return s;
}

/* Objective and gradient of the batch in A[0]; see nc_mlp_batch_objective. */
static double batch_objective(const nc_mlp *m, const nc_mlp_opts *o, mlp_work *w,
                              const int *yb, int B, double scale_H, double *grad,
                              long *correct)
{
    int L = m->depth, d = m->widths[L], K = m->widths[L + 1];
    const double *P = m->params;
    forward(m, w, B);
    double ce = nct_softmax_ce(K, B, w->logits, P + m->b_off[L], yb, 1.0 / B, correct);
    double hidden = 0;
    for (int l = 0; l < L; ++l)
        hidden += sumsq(P + m->w_off[l], m->w_off[l + 1] - m->w_off[l]);
    if (m->n_conv)
        hidden += sumsq(P + m->cw_off[0], m->n_params - m->cw_off[0]);
    double F = ce / B + o->lambda_W * sumsq(P + m->w_off[L], (long)K * d) +
               o->lambda_H * scale_H * sumsq(w->A[L], (long)d * B) +
               o->lambda_b * sumsq(P + m->b_off[L], K) + 0.5 * o->weight_decay * hidden;
    if (!grad)
        return F;

    /* Classifier: G = logits (already (P - Y)/B). */
    const double *Wc = P + m->w_off[L];
    double *gW = grad + m->w_off[L], *gb = grad + m->b_off[L];
    for (long i = 0; i < (long)K * d; ++i)
        gW[i] = 2 * o->lambda_W * Wc[i];
    nc_gemm('N', 'T', K, d, B, 1.0, w->logits, K, w->A[L], d, 1.0, gW, K);
    for (int k = 0; k < K; ++k)
        gb[k] = 2 * o->lambda_b * P[m->b_off[L] + k];
    for (int j = 0; j < B; ++j)
        for (int k = 0; k < K; ++k)
            gb[k] += w->logits[(long)j * K + k];
    /* Features: the CE part plus the N/B-scaled feature penalty. */
    double *dA = w->dA, *spare = w->dB;
    double cH = 2 * o->lambda_H * scale_H;
    for (long i = 0; i < (long)d * B; ++i)
        dA[i] = cH * w->A[L][i];
    nc_gemm('T', 'N', d, B, K, 1.0, Wc, K, w->logits, K, 1.0, dA, d);

    for (int l = L - 1; l >= 0; --l) {
        int in = m->widths[l], out = m->widths[l + 1];
        const double *W = P + m->w_off[l], *b = P + m->b_off[l];
        double *gWl = grad + m->w_off[l], *gbl = grad + m->b_off[l];
        const double *A = w->A[l + 1];
        for (long i = 0; i < (long)out * B; ++i)
            if (!(A[i] > 0))
                dA[i] = 0;
        for (long i = 0; i < (long)out * in; ++i)
            gWl[i] = o->weight_decay * W[i];
        nc_gemm('N', 'T', out, in, B, 1.0, dA, out, w->A[l], in, 1.0, gWl, out);
        for (int i = 0; i < out; ++i)
            gbl[i] = o->weight_decay * b[i];
        for (int j = 0; j < B; ++j)
            for (int i = 0; i < out; ++i)
                gbl[i] += dA[(long)j * out + i];
        if (l > 0 || m->n_conv) {
            nc_gemm('T', 'N', in, B, out, 1.0, W, out, dA, out, 0.0, spare, in);
            double *t = dA;
            dA = spare;
            spare = t;
        }
    }
    /* dA now holds d/d(dense input) = d/d(pooled maps of the last conv). */
    for (int c = m->n_conv - 1; c >= 0; --c) {
        conv_backward(m, o, w, c, B, dA, grad, spare);
        double *t = dA;
        dA = spare;
        spare = t;
    }
    return F;
}

nc_status nc_mlp_batch_objective(nc_ctx *ctx, const nc_mlp *model, const nc_mlp_opts *opts,
                                 const double *Xb, const int *yb, int B, double scale_H,
                                 double *F, double *grad)
{
    mlp_work w;
    if (work_alloc(ctx, model, B, &w))
        return ctx->status;
    memcpy(w.input, Xb, (size_t)B * (size_t)model->n_input * sizeof *Xb);
    *F = batch_objective(model, opts, &w, yb, B, scale_H, grad, NULL);
    work_free(ctx, &w);
    return NC_OK;
}

static void forward_all(const nc_mlp *m, mlp_work *w, const void *X, int x_single, long N,
                        double *H, double *logits)
{
    int p = m->n_input, d = m->widths[m->depth], K = m->widths[m->depth + 1];
    const double *b = m->params + m->b_off[m->depth];
    for (long first = 0; first < N; first += w->B) {
        int B = N - first < w->B ? (int)(N - first) : w->B;
        load_columns(w->input, X, x_single, p, NULL, first, B);
        forward(m, w, B);
        if (H)
            memcpy(H + first * d, w->A[m->depth], (size_t)B * (size_t)d * sizeof *H);
        if (logits)
            for (int j = 0; j < B; ++j)
                for (int k = 0; k < K; ++k)
                    logits[(first + j) * K + k] = w->logits[(long)j * K + k] + b[k];
    }
}

nc_status nc_mlp_forward(nc_ctx *ctx, const nc_mlp *model, const void *X, int x_single, long N,
                         double *H, double *logits)
{
    mlp_work w;
    if (work_alloc(ctx, model, EVAL_CHUNK, &w))
        return ctx->status;
    forward_all(model, &w, X, x_single, N, H, logits);
    work_free(ctx, &w);
    return NC_OK;
}

/* ------------------------------------------------------------ history --- */

#define HIST_SCALARS 7 /* loss .. seconds, before Zbar and b */

void nc_mlp_history_free(nc_ctx *ctx, nc_mlp_history *h)
{
    nc_free(ctx, h->loss); /* one block holds every array */
    memset(h, 0, sizeof *h);
}

static nc_status history_alloc(nc_ctx *ctx, int epochs, int K, nc_mlp_history *h)
{
    memset(h, 0, sizeof *h);
    size_t total = (size_t)epochs * (HIST_SCALARS + (size_t)K * K + (size_t)K);
    double *block = nc_alloc(ctx, total, sizeof *block);
    if (!block)
        return ctx->status;
    for (size_t i = 0; i < total; ++i)
        block[i] = NAN;
    h->epochs = epochs;
    h->K = K;
    h->loss = block;
    h->ce = h->loss + epochs;
    h->accuracy = h->ce + epochs;
    h->test_accuracy = h->accuracy + epochs;
    h->nc1 = h->test_accuracy + epochs;
    h->lr = h->nc1 + epochs;
    h->seconds = h->lr + epochs;
    h->Zbar = h->seconds + epochs;
    h->b = h->Zbar + (size_t)epochs * K * K;
    return NC_OK;
}

/* --------------------------------------------------------- checkpoint --- */

static const char ckpt_magic[8] = {'N', 'C', 'M', 'L', 'P', 'C', 'K', '1'};
static const char ckpt_end[4] = {'E', 'N', 'D', '!'};

static uint64_t fnv(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; ++i) {
        h ^= p[i];
        h *= 1099511628211ULL;
    }
    return h;
}

/* Identifies the run: everything that changes the trajectory. */
static uint64_t run_fingerprint(const nc_mlp *m, const nc_mlp_opts *o, int drop_at,
                                const void *X, int x_single, long N, const int *y)
{
    uint64_t h = 14695981039346656037ULL;
    double reals[] = {o->lr, o->lr_drop, o->momentum, o->lambda_W, o->lambda_H,
                      o->lambda_b, o->weight_decay};
    long ints[] = {m->depth, o->epochs, o->batch, drop_at, (long)o->seed, N, x_single,
                   m->n_conv, m->img_h, m->img_w, m->n_input};
    h = fnv(h, m->widths, sizeof m->widths);
    h = fnv(h, m->conv_ch, sizeof m->conv_ch);
    h = fnv(h, reals, sizeof reals);
    h = fnv(h, ints, sizeof ints);
    h = fnv(h, y, (size_t)N * sizeof *y);
    return fnv(h, X, (size_t)N * (size_t)m->n_input * (x_single ? sizeof(float) : sizeof(double)));
}

static nc_status checkpoint_save(nc_ctx *ctx, const char *path, uint64_t print,
                                 const nc_mlp *m, const double *velocity,
                                 const nc_mlp_history *h)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "wb");
    if (!f)
        return nc_fail(ctx, NC_EIO, "checkpointWrite", "cannot write checkpoint %s", tmp);
    int32_t done = h->epochs_done;
    int64_t np = m->n_params;
    size_t hist = (size_t)h->epochs * (HIST_SCALARS + (size_t)h->K * h->K + (size_t)h->K);
    int ok = fwrite(ckpt_magic, 1, 8, f) == 8 && fwrite(&print, sizeof print, 1, f) == 1 &&
             fwrite(&done, sizeof done, 1, f) == 1 && fwrite(&np, sizeof np, 1, f) == 1 &&
             fwrite(m->params, sizeof(double), (size_t)np, f) == (size_t)np &&
             fwrite(velocity, sizeof(double), (size_t)np, f) == (size_t)np &&
             fwrite(h->loss, sizeof(double), hist, f) == hist &&
             fwrite(ckpt_end, 1, 4, f) == 4;
    ok = (fclose(f) == 0) && ok;
    if (!ok || rename(tmp, path) != 0) {
        remove(tmp);
        return nc_fail(ctx, NC_EIO, "checkpointWrite", "cannot write checkpoint %s", path);
    }
    return NC_OK;
}

/* Fails now rather than after the first epoch when PATH cannot be written. */
static nc_status checkpoint_probe(nc_ctx *ctx, const char *path)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "wb");
    if (!f)
        return nc_fail(ctx, NC_EIO, "checkpointWrite", "cannot write checkpoint %s", tmp);
    fclose(f);
    remove(tmp);
    return NC_OK;
}

/* Returns NC_OK with h->epochs_done = 0 when there is no file. */
static nc_status checkpoint_load(nc_ctx *ctx, const char *path, uint64_t print, nc_mlp *m,
                                 double *velocity, nc_mlp_history *h)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NC_OK;
    char magic[8], end[4];
    uint64_t stored;
    int32_t done;
    int64_t np;
    size_t hist = (size_t)h->epochs * (HIST_SCALARS + (size_t)h->K * h->K + (size_t)h->K);
    int ok = fread(magic, 1, 8, f) == 8 && memcmp(magic, ckpt_magic, 8) == 0 &&
             fread(&stored, sizeof stored, 1, f) == 1;
    if (ok && stored != print) {
        fclose(f);
        return nc_fail(ctx, NC_EBADARG, "badCheckpoint",
                       "checkpoint %s belongs to another run (different data or options); "
                       "delete it or name another Checkpoint file",
                       path);
    }
    ok = ok && fread(&done, sizeof done, 1, f) == 1 && fread(&np, sizeof np, 1, f) == 1 &&
         np == m->n_params && done >= 0 && done <= h->epochs &&
         fread(m->params, sizeof(double), (size_t)np, f) == (size_t)np &&
         fread(velocity, sizeof(double), (size_t)np, f) == (size_t)np &&
         fread(h->loss, sizeof(double), hist, f) == hist && fread(end, 1, 4, f) == 4 &&
         memcmp(end, ckpt_end, 4) == 0;
    fclose(f);
    if (!ok)
        return nc_fail(ctx, NC_EFORMAT, "badCheckpoint",
                       "checkpoint %s is truncated or not a checkpoint of nc_mlp_train; "
                       "delete it to start afresh",
                       path);
    h->epochs_done = done;
    h->resumed_from = done;
    return NC_OK;
}

/* ----------------------------------------------------------- training --- */

static void epoch_permutation(unsigned long seed, int epoch, long N, long *perm, gsl_rng *rng)
{
    /* Seeded per epoch so that a resumed run shuffles exactly as an
     * uninterrupted one. */
    gsl_rng_set(rng, (seed * 1000003UL + (unsigned long)epoch + 1UL) & 0xffffffffUL);
    for (long i = 0; i < N; ++i)
        perm[i] = i;
    for (long i = N - 1; i > 0; --i) {
        long j = (long)gsl_rng_uniform_int(rng, (unsigned long)i + 1);
        long t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
}

/* Whole-set statistics after an epoch. */
static nc_status evaluate(nc_ctx *ctx, const nc_mlp *m, const nc_mlp_opts *o, mlp_work *w,
                          const void *X, int x_single, long N, const int *y,
                          const void *Xt, int t_single, long Nt, const int *yt, double *H,
                          double *logits, double *means, long *counts, nc_mlp_history *h,
                          int e)
{
    int L = m->depth, d = m->widths[L], K = m->widths[L + 1];
    const double *Wc = m->params + m->w_off[L], *bc = m->params + m->b_off[L];
    long correct = 0;
    double ce = 0;
    for (long first = 0; first < N; first += w->B) {
        int B = N - first < w->B ? (int)(N - first) : w->B;
        long right;
        load_columns(w->input, X, x_single, m->n_input, NULL, first, B);
        forward(m, w, B);
        memcpy(H + first * d, w->A[L], (size_t)B * (size_t)d * sizeof *H);
        ce += nct_softmax_ce(K, B, w->logits, bc, y + first, 1.0, &right);
        correct += right;
    }
    h->ce[e] = ce / (double)N;
    h->accuracy[e] = (double)correct / (double)N;
    h->loss[e] = h->ce[e] + o->lambda_W * sumsq(Wc, (long)K * d) +
                 o->lambda_H * sumsq(H, (long)d * N) + o->lambda_b * sumsq(bc, K);
    nct_class_means(d, N, K, H, y, means, counts);
    nc_gemm('N', 'N', K, K, d, 1.0, Wc, K, means, d, 0.0, h->Zbar + (long)e * K * K, K);
    memcpy(h->b + (long)e * K, bc, (size_t)K * sizeof *bc);
    if (Xt) {
        correct = 0;
        for (long first = 0; first < Nt; first += EVAL_CHUNK) {
            int B = Nt - first < EVAL_CHUNK ? (int)(Nt - first) : EVAL_CHUNK;
            long right;
            forward_all(m, w, (const char *)Xt + first * m->n_input *
                                                   (t_single ? sizeof(float) : sizeof(double)),
                        t_single, B, NULL, logits);
            nct_softmax_ce(K, B, logits, NULL, yt + first, 1.0, &right);
            correct += right;
        }
        h->test_accuracy[e] = (double)correct / (double)Nt;
    }
    return nct_nc1_or_nan(ctx, d, N, K, H, y, &h->nc1[e]);
}

nc_status nc_mlp_train(nc_ctx *ctx, const void *X, int x_single, int p, long N, const int *y,
                       int K, const void *Xtest, int test_single, long Ntest, const int *ytest,
                       const nc_mlp_opts *opts, nc_mlp *model, nc_mlp_history *hist)
{
    memset(model, 0, sizeof *model);
    memset(hist, 0, sizeof *hist);
    if (opts->epochs < 1 || opts->batch < 1)
        return nc_fail(ctx, NC_EBADARG, "badOption", "Epochs and BatchSize must be positive");
    if (N < 1)
        return nc_fail(ctx, NC_EBADARG, "badSize", "X has no samples");
    for (long j = 0; j < N; ++j)
        if (y[j] < 0 || y[j] >= K)
            return nc_fail(ctx, NC_EBADARG, "badLabels", "label %d of sample %ld is outside 1..%d",
                           y[j] + 1, j + 1, K);
    for (long j = 0; Xtest && j < Ntest; ++j)
        if (ytest[j] < 0 || ytest[j] >= K)
            return nc_fail(ctx, NC_EBADARG, "badLabels",
                           "test label %d of sample %ld is outside 1..%d", ytest[j] + 1, j + 1, K);
    if (nc_mlp_init(ctx, p, K, opts, model))
        return ctx->status;

    int L = model->depth, d = model->widths[L];
    int drop_at = opts->drop_at >= 0 ? opts->drop_at : opts->epochs / 3;
    int batch = opts->batch < N ? opts->batch : (int)N;
    long P = model->n_params;
    mlp_work w = {0};
    gsl_rng *rng = NULL;
    double *velocity = nc_calloc(ctx, (size_t)P, sizeof(double));
    double *grad = nc_alloc(ctx, (size_t)P, sizeof(double));
    double *H = nc_alloc(ctx, (size_t)d * (size_t)N, sizeof(double));
    double *logits = nc_alloc(ctx, (size_t)K * EVAL_CHUNK, sizeof(double));
    double *means = nc_alloc(ctx, (size_t)d * (size_t)K, sizeof(double));
    long *counts = nc_calloc(ctx, (size_t)K, sizeof(long));
    long *perm = nc_alloc(ctx, (size_t)N, sizeof(long));
    int *yb = nc_alloc(ctx, (size_t)batch, sizeof(int));
    if (!ctx->status)
        work_alloc(ctx, model, batch > EVAL_CHUNK ? batch : EVAL_CHUNK, &w);
    if (!ctx->status)
        history_alloc(ctx, opts->epochs, K, hist);
    if (!ctx->status && !(rng = gsl_rng_alloc(gsl_rng_mt19937)))
        nc_fail(ctx, NC_ENOMEM, "outOfMemory", "cannot allocate a random generator");
    nc_status st = ctx->status;
    for (long j = 0; !st && j < N; ++j)
        ++counts[y[j]];
    for (int k = 0; !st && k < K; ++k)
        if (counts[k] == 0)
            st = nc_fail(ctx, NC_EBADARG, "badLabels",
                         "class %d has no sample (labels must cover 1..max(y))", k + 1);

    uint64_t print = 0;
    if (!st && opts->checkpoint && opts->checkpoint[0]) {
        print = run_fingerprint(model, opts, drop_at, X, x_single, N, y);
        st = checkpoint_load(ctx, opts->checkpoint, print, model, velocity, hist);
        if (!st && !hist->epochs_done)
            st = checkpoint_probe(ctx, opts->checkpoint);
        if (!st && hist->epochs_done && opts->verbose)
            nc_printf(ctx, "%s: resuming from %s after epoch %d of %d\n", ctx->fname,
                      opts->checkpoint, hist->epochs_done, opts->epochs);
    }

    double t_start = nc_now(), last_print = t_start, *theta = model->params;
    int first_epoch = hist->epochs_done;
    for (int e = first_epoch; !st && e < opts->epochs; ++e) {
        double lr = e >= drop_at ? opts->lr * opts->lr_drop : opts->lr, t0 = nc_now();
        epoch_permutation(opts->seed, e, N, perm, rng);
        for (long first = 0; first < N && !st; first += batch) {
            int B = N - first < batch ? (int)(N - first) : batch;
            if (nct_stop_requested(ctx)) {
                hist->interrupted = 1;
                st = nc_interrupted(ctx) ? ctx->status
                                         : nc_fail(ctx, NC_EINTERRUPT, "interrupted",
                                                   "interrupted by the user");
                break;
            }
            load_columns(w.input, X, x_single, p, perm + first, 0, B);
            for (int j = 0; j < B; ++j)
                yb[j] = y[perm[first + j]];
            batch_objective(model, opts, &w, yb, B, (double)N / B, grad, NULL);
            /* PyTorch's SGD: v = mu v + g, theta -= lr v. */
            for (long i = 0; i < P; ++i) {
                velocity[i] = opts->momentum * velocity[i] + grad[i];
                theta[i] -= lr * velocity[i];
            }
            /* Slow epochs (large data, conv layers) report inside the epoch. */
            double now = nc_now();
            if (opts->verbose && now - last_print > 15.0 && !nct_stop_requested(ctx)) {
                char left[64];
                double done = (double)(first + B) / (double)N;
                nc_format_duration((now - t0) * (1 - done) / done, left, sizeof left);
                nc_printf(ctx, "%s: epoch %d/%d  %.0f%% of the batches, %s left in this epoch\n",
                          ctx->fname, e + 1, opts->epochs, 100 * done, left);
                last_print = now;
            }
        }
        if (st)
            break;
        hist->seconds[e] = nc_now() - t0;
        hist->lr[e] = lr;
        st = evaluate(ctx, model, opts, &w, X, x_single, N, y, Xtest, test_single, Ntest, ytest,
                      H, logits, means, counts, hist, e);
        if (st == NC_EINTERRUPT)
            hist->interrupted = 1;
        if (st)
            break;
        if (!isfinite(hist->loss[e])) {
            st = nc_fail(ctx, NC_ENUMERIC, "diverged",
                         "the loss became non-finite in epoch %d; lower LearningRate", e + 1);
            break;
        }
        hist->epochs_done = e + 1;
        if (print && ((e + 1) % opts->checkpoint_every == 0 || e + 1 == opts->epochs))
            st = checkpoint_save(ctx, opts->checkpoint, print, model, velocity, hist);
        /* Printing lets the host act on a pending Ctrl-C, which would
         * abandon this call without cleanup: stop first instead. */
        if (opts->verbose && !nct_stop_requested(ctx)) {
            char left[64], test[48] = "";
            double per = (nc_now() - t_start) / (e + 1 - first_epoch);
            nc_format_duration(per * (opts->epochs - e - 1), left, sizeof left);
            if (Xtest)
                snprintf(test, sizeof test, "  test %.4f", hist->test_accuracy[e]);
            nc_printf(ctx, "%s: epoch %d/%d  loss %.4f  acc %.4f%s  NC1 %.4g  lr %g  %.1f s/epoch, %s left\n",
                      ctx->fname, e + 1, opts->epochs, hist->loss[e], hist->accuracy[e], test,
                      hist->nc1[e], lr, per, left);
            last_print = nc_now();
        }
    }
    if (rng)
        gsl_rng_free(rng);
    work_free(ctx, &w);
    nc_free(ctx, velocity);
    nc_free(ctx, grad);
    nc_free(ctx, H);
    nc_free(ctx, logits);
    nc_free(ctx, means);
    nc_free(ctx, counts);
    nc_free(ctx, perm);
    nc_free(ctx, yb);
    if (st && st != NC_EINTERRUPT) {
        nc_mlp_free(ctx, model);
        nc_mlp_history_free(ctx, hist);
    }
    return st;
}
