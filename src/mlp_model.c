/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The network's shape, parameter layout and seeded initialisation.
 *
 * Every layer but the classifier comes first in the parameter vector, so
 * that weight decay on "the hidden layers" or on "everything" is one
 * leading range, and the optimiser needs no per-layer bookkeeping. */
#include "mlp_net.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <limits.h>
#include <math.h>
#include <string.h>

void nc_mlp_defaults(nc_mlp_opts *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->depth = 2;
    opts->hidden[0] = 256;
    opts->hidden[1] = 128;
    opts->epochs = 30;
    opts->batch = 128;
    opts->lr = 0.01;
    opts->schedule = NC_SCHEDULE_STEP;
    opts->lr_drop = 0.1;
    opts->n_drops = -1;
    opts->momentum = 0.9;
    opts->lambda_W = 1e-3;
    opts->lambda_H = 1e-6;
    opts->lambda_b = 1e-2;
    opts->warm_factor = 10;
    opts->weight_decay = 5e-4;
    opts->bn_momentum = 0.1;
    opts->bn_eps = 1e-5;
    opts->verbose = 1;
    opts->checkpoint_every = 1;
    opts->history_every = 1;
}

int nct_layer_bn(const nc_mlp *m, int l)
{
    return m->batch_norm && (l < m->depth - 1 || m->bn_features);
}

void nc_mlp_free(nc_ctx *ctx, nc_mlp *model)
{
    nc_free(ctx, model->params);
    nc_free(ctx, model->stats);
    model->params = model->stats = NULL;
}

static nc_status check_shape(nc_ctx *ctx, int p, int K, const nc_mlp_opts *o)
{
    if (o->depth < 1 || o->depth > NC_MLP_MAX_HIDDEN)
        return nc_fail(ctx, NC_EBADARG, "badHidden", "Hidden must list 1 to %d layer widths",
                       NC_MLP_MAX_HIDDEN);
    for (int l = 0; l < o->depth; ++l)
        if (o->hidden[l] < 1)
            return nc_fail(ctx, NC_EBADARG, "badHidden", "Hidden widths must be positive");
    if (p < 1 || K < 2)
        return nc_fail(ctx, NC_EBADARG, "badSize", "needs p >= 1 inputs and K >= 2 classes");
    if (o->n_conv < 0 || o->n_conv > NC_MLP_MAX_CONV)
        return nc_fail(ctx, NC_EBADARG, "badConv", "Conv must list 0 to %d channel counts",
                       NC_MLP_MAX_CONV);
    if (!o->n_conv)
        return NC_OK;
    int f = 1 << o->n_conv;
    if (o->img_h < 1 || o->img_w < 1 || (long)o->img_h * o->img_w != p || o->img_h % f ||
        o->img_w % f)
        return nc_fail(ctx, NC_EBADARG, "badConv",
                       "ImageSize %d x %d must have %d pixels (the rows of X) and sides "
                       "divisible by %d (one 2 x 2 pooling per conv layer)",
                       o->img_h, o->img_w, p, f);
    for (int c = 0; c < o->n_conv; ++c) {
        if (o->conv[c] < 1)
            return nc_fail(ctx, NC_EBADARG, "badConv", "Conv channel counts must be positive");
        /* pooling records positions within a sample's maps as ints */
        if ((double)o->conv[c] * ((double)p / (1 << (2 * c))) > INT_MAX)
            return nc_fail(ctx, NC_EBADARG, "badConv", "conv layer %d is too large", c + 1);
    }
    return NC_OK;
}

/* Offsets of every block; returns the parameter count and sets *n_stats. */
static long layout(nc_mlp *m, long *n_stats)
{
    long off = 0, st = 0;
    for (int c = 0, cin = 1; c < m->n_conv; cin = m->conv_ch[c++]) {
        int co = m->conv_ch[c];
        m->cw_off[c] = off;
        off += (long)co * 9 * cin;
        m->cg_off[c] = m->batch_norm ? off : -1;
        off += m->batch_norm ? co : 0;
        m->cb_off[c] = off;
        off += co;
        m->cs_off[c] = m->batch_norm ? st : -1;
        st += m->batch_norm ? 2L * co : 0;
    }
    for (int l = 0; l < m->depth; ++l) {
        int out = m->widths[l + 1], bn = nct_layer_bn(m, l);
        m->w_off[l] = off;
        off += (long)out * m->widths[l];
        m->g_off[l] = bn ? off : -1;
        off += bn ? out : 0;
        m->b_off[l] = off;
        off += out;
        m->ds_off[l] = bn ? st : -1;
        st += bn ? 2L * out : 0;
    }
    int K = m->widths[m->depth + 1];
    m->w_off[m->depth] = off;
    off += (long)K * m->widths[m->depth];
    m->b_off[m->depth] = off;
    *n_stats = st;
    return off + K;
}

/* Kaiming normal keeps ReLU activations at a stable scale; the classifier
 * gets PyTorch's default uniform range; scales start at 1, shifts at 0. */
static void initialise(nc_mlp *m, gsl_rng *rng)
{
    float *P = m->params;
    for (int c = 0, cin = 1; c < m->n_conv; cin = m->conv_ch[c++]) {
        long count = (long)m->conv_ch[c] * 9 * cin;
        double sd = sqrt(2.0 / (9.0 * cin));
        for (long i = 0; i < count; ++i)
            P[m->cw_off[c] + i] = (float)gsl_ran_gaussian_ziggurat(rng, sd);
        for (int k = 0; m->batch_norm && k < m->conv_ch[c]; ++k)
            P[m->cg_off[c] + k] = 1;
    }
    for (int l = 0; l <= m->depth; ++l) {
        long count = (long)m->widths[l + 1] * m->widths[l];
        double fan_in = m->widths[l];
        for (long i = 0; i < count; ++i)
            P[m->w_off[l] + i] =
                (float)(l < m->depth ? gsl_ran_gaussian_ziggurat(rng, sqrt(2.0 / fan_in))
                                     : (2 * gsl_rng_uniform(rng) - 1) / sqrt(fan_in));
        for (int i = 0; l < m->depth && nct_layer_bn(m, l) && i < m->widths[l + 1]; ++i)
            P[m->g_off[l] + i] = 1;
    }
    /* running variances start at 1, means at 0 */
    for (int c = 0; m->batch_norm && c < m->n_conv; ++c)
        for (int k = 0; k < m->conv_ch[c]; ++k)
            m->stats[m->cs_off[c] + m->conv_ch[c] + k] = 1;
    for (int l = 0; l < m->depth; ++l)
        for (int i = 0; nct_layer_bn(m, l) && i < m->widths[l + 1]; ++i)
            m->stats[m->ds_off[l] + m->widths[l + 1] + i] = 1;
}

nc_status nc_mlp_init(nc_ctx *ctx, int p, int K, const nc_mlp_opts *opts, nc_mlp *model)
{
    memset(model, 0, sizeof *model);
    if (check_shape(ctx, p, K, opts))
        return ctx->status;
    if (!(opts->bn_eps > 0) || !isfinite(opts->bn_eps))
        return nc_fail(ctx, NC_EBADARG, "badOption", "the batch-norm epsilon must be positive");
    nc_mlp *m = model;
    m->n_input = p;
    m->depth = opts->depth;
    m->n_conv = opts->n_conv;
    m->batch_norm = opts->batch_norm != 0;
    m->bn_features = m->batch_norm && opts->bn_features;
    m->linear_features = opts->linear_features != 0;
    m->bn_eps = opts->bn_eps;
    m->widths[0] = p;
    if (m->n_conv) {
        int f = 1 << m->n_conv;
        m->img_h = opts->img_h;
        m->img_w = opts->img_w;
        memcpy(m->conv_ch, opts->conv, sizeof m->conv_ch);
        m->widths[0] = opts->conv[m->n_conv - 1] * (opts->img_h / f) * (opts->img_w / f);
    }
    for (int l = 0; l < m->depth; ++l)
        m->widths[l + 1] = opts->hidden[l];
    m->widths[m->depth + 1] = K;
    m->n_params = layout(m, &m->n_stats);
    m->params = nc_calloc(ctx, (size_t)m->n_params, sizeof *m->params);
    if (m->params && m->n_stats)
        m->stats = nc_calloc(ctx, (size_t)m->n_stats, sizeof *m->stats);
    gsl_rng *rng = NULL;
    if (m->params && (m->stats || !m->n_stats) && !(rng = gsl_rng_alloc(gsl_rng_mt19937)))
        nc_fail(ctx, NC_ENOMEM, "outOfMemory", "cannot allocate a random generator");
    if (!rng) {
        nc_mlp_free(ctx, m);
        return ctx->status;
    }
    gsl_rng_set(rng, opts->seed);
    initialise(m, rng);
    gsl_rng_free(rng);
    return NC_OK;
}
