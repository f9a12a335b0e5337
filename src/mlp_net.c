/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Forward and backward passes of the network (dense layers, batch
 * normalisation, the regularised last layer) in single precision with
 * SGEMM, as the frameworks train them; sums that decide the loss and the
 * normalisation statistics are accumulated in double. */
#include "mlp_net.h"
#include "lapack.h"
#include "mlp_util.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

/* ---------------------------------------------------------- workspace --- */

/* Measure-then-assign: plan() runs once with NULL bases to count, once to
 * hand out the blocks, so that sizes and assignments cannot drift apart.
 * Counts saturate at SIZE_MAX instead of wrapping (nc_size_mul/add). */
typedef struct {
    float *f;
    int *i;
    double *d;
    size_t nf, ni, nd;
} carver;

static size_t mul_sat(size_t a, size_t b)
{
    size_t r;
    nc_size_mul(a, b, &r);
    return r;
}

static size_t add_sat(size_t a, size_t b)
{
    size_t r;
    nc_size_add(a, b, &r);
    return r;
}

static float *take_f(carver *c, size_t n)
{
    float *p = c->f ? c->f + c->nf : NULL;
    c->nf = add_sat(c->nf, n);
    return p;
}

static int *take_i(carver *c, size_t n)
{
    int *p = c->i ? c->i + c->ni : NULL;
    c->ni = add_sat(c->ni, n);
    return p;
}

static double *take_d(carver *c, size_t n)
{
    double *p = c->d ? c->d + c->nd : NULL;
    c->nd = add_sat(c->nd, n);
    return p;
}

static size_t max_z(size_t a, size_t b) { return a > b ? a : b; }

long nct_conv_pixels(const nc_mlp *m, int c) { return (long)(m->img_h >> c) * (m->img_w >> c); }

int nct_conv_cin(const nc_mlp *m, int c) { return c ? m->conv_ch[c - 1] : 1; }

static void plan(const nc_mlp *m, size_t B, int train, mlp_work *w, carver *c)
{
    int cbn = m->batch_norm;
    size_t widest = 0, units = (size_t)m->widths[m->depth + 1], dact = 0, dcols = 0;
    for (int l = m->n_conv ? 0 : 1; l <= m->depth; ++l)
        widest = max_z(widest, (size_t)m->widths[l]);
    for (int l = 1; l <= m->depth; ++l)
        units = max_z(units, (size_t)m->widths[l]);
    for (int k = 1; k < m->n_conv; ++k) /* gradients between conv layers */
        widest = max_z(widest, (size_t)nct_conv_cin(m, k) * (size_t)nct_conv_pixels(m, k));
    for (int l = 0; l <= m->depth; ++l)
        w->A[l] = take_f(c, mul_sat((size_t)m->widths[l], B));
    for (int l = 0; l < m->depth; ++l) {
        size_t out = (size_t)m->widths[l + 1];
        int bn = nct_layer_bn(m, l);
        w->xhat[l] = bn && train ? take_f(c, mul_sat(out, B)) : NULL;
        w->invstd[l] = bn ? take_f(c, out) : NULL;
    }
    w->logits = take_f(c, mul_sat((size_t)m->widths[m->depth + 1], B));
    w->dA = train ? take_f(c, mul_sat(widest, B)) : NULL;
    w->dB = train ? take_f(c, mul_sat(widest, B)) : NULL;
    for (int k = 0; k < m->n_conv; ++k) {
        size_t px = (size_t)nct_conv_pixels(m, k), cin = (size_t)nct_conv_cin(m, k);
        size_t co = (size_t)m->conv_ch[k], n = mul_sat(px, B);
        w->cin[k] = take_f(c, mul_sat(cin, n));
        w->cols[k] = take_f(c, mul_sat(9 * cin, n));
        w->cxhat[k] = cbn && train ? take_f(c, mul_sat(co, n)) : NULL;
        w->act[k] = take_f(c, mul_sat(co, n));
        w->cinvstd[k] = cbn ? take_f(c, co) : NULL;
        w->arg[k] = take_i(c, mul_sat(co * px / 4, B));
        units = max_z(units, co);
        dact = max_z(dact, mul_sat(co, n));
        dcols = max_z(dcols, mul_sat(9 * cin, n));
    }
    w->dact = train && m->n_conv ? take_f(c, dact) : NULL;
    w->dcols = train && m->n_conv > 1 ? take_f(c, dcols) : NULL;
    w->acc = take_d(c, 2 * units);
    w->coef = take_f(c, 3 * units);
    w->input = m->n_conv ? w->cin[0] : w->A[0];
}

void nct_work_free(nc_ctx *ctx, mlp_work *w)
{
    nc_free(ctx, w->fblock);
    nc_free(ctx, w->iblock);
    nc_free(ctx, w->dblock);
    memset(w, 0, sizeof *w);
}

nc_status nct_work_alloc(nc_ctx *ctx, const nc_mlp *m, int B, int train, mlp_work *w)
{
    memset(w, 0, sizeof *w);
    carver c = {0};
    plan(m, (size_t)B, train, w, &c);
    /* GEMM dimensions are ints; the conv layers' columns are pixels x B */
    if ((double)nct_conv_pixels(m, 0) * B > INT_MAX)
        return nc_fail(ctx, NC_EBADARG, "tooLarge",
                       "conv layers over batches of %d images exceed the BLAS's int sizes; use "
                       "a smaller BatchSize",
                       B);
    size_t bytes, fb, ib, db;
    nc_size_mul(c.nf, sizeof(float), &fb);
    nc_size_mul(c.ni, sizeof(int), &ib);
    nc_size_mul(c.nd, sizeof(double), &db);
    nc_size_add(fb, ib, &bytes);
    nc_size_add(bytes, db, &bytes);
    if (nc_check_memory(ctx, bytes, "the network's workspace"))
        return ctx->status;
    w->fblock = nc_alloc(ctx, c.nf, sizeof(float));
    w->iblock = w->fblock && c.ni ? nc_alloc(ctx, c.ni, sizeof(int)) : NULL;
    w->dblock = w->fblock && (w->iblock || !c.ni) ? nc_alloc(ctx, c.nd, sizeof(double)) : NULL;
    if (!w->dblock) {
        nct_work_free(ctx, w);
        return ctx->status;
    }
    carver real = {w->fblock, w->iblock, w->dblock, 0, 0, 0};
    plan(m, (size_t)B, train, w, &real);
    w->B = B;
    w->train = train;
    return NC_OK;
}

void nct_load_columns(float *dst, const void *X, int x_single, int p, const long *cols,
                      long first, int B)
{
    for (int j = 0; j < B; ++j) {
        long c = cols ? cols[j] : first + j;
        float *d = dst + (long)j * p;
        if (x_single) {
            memcpy(d, (const float *)X + c * p, (size_t)p * sizeof *d);
        } else {
            const double *src = (const double *)X + c * p;
            for (int i = 0; i < p; ++i)
                d[i] = (float)src[i];
        }
    }
}

/* ------------------------------------------------ normalise, activate --- */

/* The elementwise loops run over one column of n units at a time, in
 * blocks of VB with a fixed-length inner loop: GCC at -O2 vectorises only
 * loops whose vector code replaces the scalar loop entirely, so a plain
 * loop of unknown length would stay scalar. */
#define VB 8

static inline float act_of(float v, int relu) { return relu && !(v > 0) ? 0.0f : v; }

/* s[i] += z[i] (in double), i < n. */
static void col_sum(int n, const float *restrict z, double *restrict s)
{
    int i = 0;
    for (; i + VB <= n; i += VB)
        for (int k = 0; k < VB; ++k)
            s[i + k] += z[i + k];
    for (; i < n; ++i)
        s[i] += z[i];
}

/* s[i] += (z[i] - mu[i])^2 (in double). */
static void col_sumsq(int n, const float *restrict z, const double *restrict mu,
                      double *restrict s)
{
    int i = 0;
    for (; i + VB <= n; i += VB)
        for (int k = 0; k < VB; ++k) {
            double t = z[i + k] - mu[i + k];
            s[i + k] += t * t;
        }
    for (; i < n; ++i) {
        double t = z[i] - mu[i];
        s[i] += t * t;
    }
}

/* z = act(z * a + c), in place. */
static void col_affine(int n, float *restrict z, const float *restrict a,
                       const float *restrict c, int relu)
{
    int i = 0;
    if (relu) {
        for (; i + VB <= n; i += VB)
            for (int k = 0; k < VB; ++k) {
                float v = z[i + k] * a[i + k] + c[i + k];
                z[i + k] = v > 0 ? v : 0.0f;
            }
    } else {
        for (; i + VB <= n; i += VB)
            for (int k = 0; k < VB; ++k)
                z[i + k] = z[i + k] * a[i + k] + c[i + k];
    }
    for (; i < n; ++i)
        z[i] = act_of(z[i] * a[i] + c[i], relu);
}

/* xhat = xhat * a + c in place (xhat holds the pre-activations on entry),
 * out = act(gamma xhat + beta). */
static void col_normalise(int n, float *restrict xhat, const float *restrict a,
                          const float *restrict c, const float *restrict gamma,
                          const float *restrict beta, int relu, float *restrict out)
{
    int i = 0;
    for (; i + VB <= n; i += VB)
        for (int k = 0; k < VB; ++k) {
            float xh = xhat[i + k] * a[i + k] + c[i + k];
            float v = gamma[i + k] * xh + beta[i + k];
            xhat[i + k] = xh;
            out[i + k] = relu && !(v > 0) ? 0.0f : v;
        }
    for (; i < n; ++i) {
        float xh = xhat[i] * a[i] + c[i];
        xhat[i] = xh;
        out[i] = act_of(gamma[i] * xh + beta[i], relu);
    }
}

/* g = relu' * g; s1 += g; s2 += g * xhat (xhat may be NULL). */
static void col_backsum(int n, float *restrict g, const float *restrict A,
                        const float *restrict xhat, int relu, double *restrict s1,
                        double *restrict s2)
{
    int i = 0;
    if (relu)
        for (; i + VB <= n; i += VB)
            for (int k = 0; k < VB; ++k)
                g[i + k] = A[i + k] > 0 ? g[i + k] : 0.0f;
    for (; i < n; ++i)
        g[i] = relu && !(A[i] > 0) ? 0.0f : g[i];
    col_sum(n, g, s1);
    if (!xhat)
        return;
    for (i = 0; i + VB <= n; i += VB)
        for (int k = 0; k < VB; ++k)
            s2[i + k] += g[i + k] * xhat[i + k];
    for (; i < n; ++i)
        s2[i] += g[i] * xhat[i];
}

/* g = a (g - m1 - xhat m2): the normalisation's adjoint. */
static void col_bn_adjoint(int n, float *restrict g, const float *restrict xhat,
                           const float *restrict a, const float *restrict m1,
                           const float *restrict m2)
{
    int i = 0;
    for (; i + VB <= n; i += VB)
        for (int k = 0; k < VB; ++k)
            g[i + k] = a[i + k] * (g[i + k] - m1[i + k] - xhat[i + k] * m2[i + k]);
    for (; i < n; ++i)
        g[i] = a[i] * (g[i] - m1[i] - xhat[i] * m2[i]);
}

/* z = act(z + c), in place. */
static void col_shift(int n, float *restrict z, const float *restrict c, int relu)
{
    int i = 0;
    if (relu)
        for (; i + VB <= n; i += VB)
            for (int k = 0; k < VB; ++k) {
                float v = z[i + k] + c[i + k];
                z[i + k] = v > 0 ? v : 0.0f;
            }
    else
        for (; i + VB <= n; i += VB)
            for (int k = 0; k < VB; ++k)
                z[i + k] += c[i + k];
    for (; i < n; ++i)
        z[i] = act_of(z[i] + c[i], relu);
}

/* Statistics are summed in double (acc: 2n doubles) and turned into float
 * coefficients per unit (coef: 3n floats) for the elementwise passes. */
void nct_act_forward(const nc_mlp *m, int n, long cols, int bn, const float *gamma,
                     const float *beta, int relu, int train, float *xhat, float *invstd, float *stats,
                     double bn_momentum, double *acc, float *coef, float *A)
{
    const float *Z = bn && train ? xhat : A;
    if (!bn) {
        for (long j = 0; j < cols; ++j)
            col_shift(n, A + j * n, beta, relu);
        return;
    }
    double *mean = acc, *var = acc + n;
    float *sc = coef, *sh = coef + n;
    if (train) {
        for (int i = 0; i < n; ++i)
            mean[i] = var[i] = 0;
        for (long j = 0; j < cols; ++j)
            col_sum(n, Z + j * n, mean);
        for (int i = 0; i < n; ++i)
            mean[i] /= (double)cols;
        for (long j = 0; j < cols; ++j)
            col_sumsq(n, Z + j * n, mean, var);
        for (int i = 0; i < n; ++i) {
            double v = var[i] / (double)cols, is = 1 / sqrt(v + m->bn_eps);
            if (stats) {
                stats[i] = (float)((1 - bn_momentum) * stats[i] + bn_momentum * mean[i]);
                if (cols > 1)
                    stats[n + i] = (float)((1 - bn_momentum) * stats[n + i] +
                                           bn_momentum * v * (double)cols / (double)(cols - 1));
            }
            invstd[i] = (float)is;
            sc[i] = (float)is;
            sh[i] = (float)(-mean[i] * is);
        }
        for (long j = 0; j < cols; ++j)
            col_normalise(n, xhat + j * n, sc, sh, gamma, beta, relu, A + j * n);
        return;
    }
    for (int i = 0; i < n; ++i) {
        double a = gamma[i] / sqrt((double)stats[n + i] + m->bn_eps);
        sc[i] = (float)a;
        sh[i] = (float)(beta[i] - stats[i] * a);
    }
    for (long j = 0; j < cols; ++j)
        col_affine(n, A + j * n, sc, sh, relu);
}

/* dA (the gradient of the n x cols output A) becomes the gradient of the
 * pre-activation Z; dbeta receives the shift's (or bias's) gradient and,
 * with normalisation, dgamma the scale's. */
void nct_act_backward(const nc_mlp *m, int n, long cols, int bn, float *dA, const float *A,
                      const float *xhat, const float *invstd, const float *gamma, int relu,
                      float *dgamma, float *dbeta, double *acc, float *coef)
{
    double *s1 = acc, *s2 = acc + n;
    for (int i = 0; i < n; ++i)
        s1[i] = s2[i] = 0;
    const float *xh = bn ? xhat : NULL;
    for (long j = 0; j < cols; ++j)
        col_backsum(n, dA + j * n, A + j * n, xh ? xh + j * n : NULL, relu, s1, s2);
    for (int i = 0; i < n; ++i)
        dbeta[i] = (float)s1[i];
    if (!bn)
        return;
    /* d/dZ = gamma invstd (dy - mean(dy) - xhat mean(dy xhat)) */
    float *a = coef, *m1 = coef + n, *m2 = coef + 2 * n;
    for (int i = 0; i < n; ++i) {
        dgamma[i] = (float)s2[i];
        a[i] = gamma[i] * invstd[i];
        m1[i] = (float)(s1[i] / (double)cols);
        m2[i] = (float)(s2[i] / (double)cols);
    }
    for (long j = 0; j < cols; ++j)
        col_bn_adjoint(n, dA + j * n, xhat + j * n, a, m1, m2);
}

/* ------------------------------------------------------------ passes --- */

static int layer_relu(const nc_mlp *m, int l)
{
    return !(m->linear_features && l == m->depth - 1);
}

void nct_forward(const nc_mlp *m, mlp_work *w, int B, int train, float *stats,
                 double bn_momentum)
{
    for (int c = 0; c < m->n_conv; ++c)
        nct_conv_forward(m, w, c, B, train, stats, bn_momentum,
                         c + 1 < m->n_conv ? w->cin[c + 1] : w->A[0]);
    const float *P = m->params;
    for (int l = 0; l < m->depth; ++l) {
        int in = m->widths[l], out = m->widths[l + 1], bn = nct_layer_bn(m, l);
        float *Z = bn && train ? w->xhat[l] : w->A[l + 1];
        float *st = !bn ? NULL : train ? (stats ? stats + m->ds_off[l] : NULL)
                                       : m->stats + m->ds_off[l];
        nc_sgemm('N', 'N', out, B, in, 1.0f, P + m->w_off[l], out, w->A[l], in, 0.0f, Z, out);
        nct_act_forward(m, out, B, bn, bn ? P + m->g_off[l] : NULL, P + m->b_off[l],
                        layer_relu(m, l), train, w->xhat[l], w->invstd[l], st, bn_momentum,
                        w->acc, w->coef, w->A[l + 1]);
    }
    int d = m->widths[m->depth], K = m->widths[m->depth + 1];
    nc_sgemm('N', 'N', K, B, d, 1.0f, P + m->w_off[m->depth], K, w->A[m->depth], d, 0.0f,
             w->logits, K);
}

static double sumsq_f(const float *x, long n)
{
    double s = 0;
    for (long i = 0; i < n; ++i)
        s += (double)x[i] * x[i];
    return s;
}

long nct_decay_end(const nc_mlp *m, int decay_classifier)
{
    return decay_classifier ? m->n_params : m->w_off[m->depth];
}

/* y = a x (blocked as the column loops above). */
static void scaled_copy(long n, float a, const float *restrict x, float *restrict y)
{
    long i = 0;
    for (; i + VB <= n; i += VB)
        for (int k = 0; k < VB; ++k)
            y[i + k] = a * x[i + k];
    for (; i < n; ++i)
        y[i] = a * x[i];
}

/* The classifier's and the features' gradients from G = (P - Y) / B in
 * w->logits; leaves d/dA[depth] in w->dA. */
static void head_backward(const nc_mlp *m, const mlp_loss *loss, mlp_work *w, int B,
                          float *grad)
{
    int L = m->depth, d = m->widths[L], K = m->widths[L + 1];
    const float *Wc = m->params + m->w_off[L], *bc = m->params + m->b_off[L];
    float *gW = grad + m->w_off[L], *gb = grad + m->b_off[L];
    scaled_copy((long)K * d, (float)(2 * loss->lW), Wc, gW);
    nc_sgemm('N', 'T', K, d, B, 1.0f, w->logits, K, w->A[L], d, 1.0f, gW, K);
    double *sb = w->acc;
    for (int k = 0; k < K; ++k)
        sb[k] = 2 * loss->lb * bc[k];
    for (int j = 0; j < B; ++j)
        for (int k = 0; k < K; ++k)
            sb[k] += w->logits[(long)j * K + k];
    for (int k = 0; k < K; ++k)
        gb[k] = (float)sb[k];
    scaled_copy((long)d * B, (float)(2 * loss->lH * loss->scale_H), w->A[L], w->dA);
    nc_sgemm('T', 'N', d, B, K, 1.0f, Wc, K, w->logits, K, 1.0f, w->dA, d);
}

double nct_batch_grad(const nc_mlp *m, const mlp_loss *loss, mlp_work *w, const int *yb, int B,
                      float *grad, long *correct)
{
    int L = m->depth, d = m->widths[L], K = m->widths[L + 1];
    const float *P = m->params;
    double ce = nct_softmax_ce_f(K, B, w->logits, P + m->b_off[L], yb, 1.0 / B, correct);
    double F = ce / B + loss->lW * sumsq_f(P + m->w_off[L], (long)K * d) +
               loss->lH * loss->scale_H * sumsq_f(w->A[L], (long)d * B) +
               loss->lb * sumsq_f(P + m->b_off[L], K);
    if (!grad)
        return F;
    head_backward(m, loss, w, B, grad);
    float *dA = w->dA, *spare = w->dB;
    for (int l = L - 1; l >= 0; --l) {
        int in = m->widths[l], out = m->widths[l + 1], bn = nct_layer_bn(m, l);
        nct_act_backward(m, out, B, bn, dA, w->A[l + 1], w->xhat[l], w->invstd[l],
                         bn ? P + m->g_off[l] : NULL, layer_relu(m, l),
                         bn ? grad + m->g_off[l] : NULL, grad + m->b_off[l], w->acc, w->coef);
        nc_sgemm('N', 'T', out, in, B, 1.0f, dA, out, w->A[l], in, 0.0f, grad + m->w_off[l], out);
        if (l > 0 || m->n_conv) {
            nc_sgemm('T', 'N', in, B, out, 1.0f, P + m->w_off[l], out, dA, out, 0.0f, spare, in);
            float *t = dA;
            dA = spare;
            spare = t;
        }
    }
    /* dA now holds d/d(dense input) = d/d(pooled maps of the last conv). */
    for (int c = m->n_conv - 1; c >= 0; --c) {
        nct_conv_backward(m, w, c, B, dA, grad, spare);
        float *t = dA;
        dA = spare;
        spare = t;
    }
    return F;
}

/* ------------------------------------------------------ entry points --- */

nc_status nc_mlp_batch_objective(nc_ctx *ctx, const nc_mlp *model, const nc_mlp_opts *opts,
                                 const float *Xb, const int *yb, int B, double scale_H,
                                 double *F, float *grad)
{
    mlp_work w;
    if (B < 1)
        return nc_fail(ctx, NC_EBADARG, "badSize", "needs at least one sample");
    if (nct_work_alloc(ctx, model, B, 1, &w))
        return ctx->status;
    memcpy(w.input, Xb, (size_t)B * (size_t)model->n_input * sizeof *Xb);
    nct_forward(model, &w, B, 1, NULL, 0);
    mlp_loss loss = {opts->lambda_W, opts->lambda_H, opts->lambda_b, scale_H};
    long end = nct_decay_end(model, opts->decay_classifier);
    const float *P = model->params;
    *F = nct_batch_grad(model, &loss, &w, yb, B, grad, NULL) +
         0.5 * opts->weight_decay * sumsq_f(P, end);
    for (long i = 0; grad && i < end; ++i)
        grad[i] += (float)opts->weight_decay * P[i];
    nct_work_free(ctx, &w);
    return NC_OK;
}

nc_status nc_mlp_forward(nc_ctx *ctx, const nc_mlp *model, const void *X, int x_single, long N,
                         float *H, float *logits)
{
    mlp_work w;
    int chunk = N < NCT_EVAL_CHUNK ? (int)(N > 0 ? N : 1) : NCT_EVAL_CHUNK;
    if (nct_work_alloc(ctx, model, chunk, 0, &w))
        return ctx->status;
    int p = model->n_input, d = model->widths[model->depth], K = model->widths[model->depth + 1];
    const float *b = model->params + model->b_off[model->depth];
    for (long first = 0; first < N; first += chunk) {
        int B = N - first < chunk ? (int)(N - first) : chunk;
        nct_load_columns(w.input, X, x_single, p, NULL, first, B);
        nct_forward(model, &w, B, 0, NULL, 0);
        if (H)
            memcpy(H + first * d, w.A[model->depth], (size_t)B * (size_t)d * sizeof *H);
        for (int j = 0; logits && j < B; ++j)
            for (int k = 0; k < K; ++k)
                logits[(first + j) * K + k] = w.logits[(long)j * K + k] + b[k];
    }
    nct_work_free(ctx, &w);
    return NC_OK;
}
