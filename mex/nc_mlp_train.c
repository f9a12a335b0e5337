/* SPDX-License-Identifier: GPL-3.0-or-later */
/* M = nc_mlp_train(X, y, ...): see m/nc_mlp_train.m */
#include "nc_train.h"
#include "ncm.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

enum { IN_X, IN_Y, IN_OPTIONS };
enum { OUT_MODEL };

static const char *const option_names[] = {
    "Hidden",     "Epochs",       "BatchSize",  "LearningRate", "LrDrop",       "DropAt",
    "Schedule",   "Warmup",       "Momentum",   "Nesterov",     "LambdaW",      "LambdaH",
    "LambdaB",    "WarmStart",    "WeightDecay", "DecayOn",     "BatchNorm",    "BNFeatures",
    "BNMomentum",
    "FeatureLayer", "Seed",       "Verbose",    "Checkpoint",   "CheckpointEvery",
    "HistoryEvery", "TestX",      "TestY",      "Features",     "Conv",         "ImageSize",
    "Threads",    "Init"};
enum { OPT_HIDDEN, OPT_EPOCHS, OPT_BATCH, OPT_LR, OPT_DROP, OPT_DROPAT, OPT_SCHEDULE, OPT_WARMUP,
       OPT_MOMENTUM, OPT_NESTEROV, OPT_LW, OPT_LH, OPT_LB, OPT_WARMSTART, OPT_WD, OPT_DECAYON,
       OPT_BN, OPT_BNFEAT, OPT_BNMOM, OPT_FEATLAYER, OPT_SEED, OPT_VERBOSE, OPT_CKPT, OPT_CKPT_EVERY,
       OPT_HIST_EVERY, OPT_TESTX, OPT_TESTY, OPT_FEATURES, OPT_CONV, OPT_IMAGE, OPT_THREADS,
       OPT_INIT, OPT_COUNT };

static const char *const schedules[] = {"step", "cosine"};
static const char *const decay_scopes[] = {"hidden", "all"};
static const char *const feature_layers[] = {"relu", "linear"};

#define MAX_CLASSES 100000
#define MAX_WIDTH 1000000

/* The gateway's inputs beyond the core's options. */
typedef struct {
    const void *Xt;
    const mxArray *yt, *init;
    size_t pt, Nt;
    int test_single, features, image_set, threads;
} extras;

/* Labels 1..K of any numeric class as 0-based ints (ncm_alloc'd); *K is
 * the number of classes, or 0 to set it from max(y). */
static int *labels(const mxArray *a, const char *arg, size_t want, int *K)
{
    size_t n;
    int *y = ncm_labels(a, arg, 0, want, K, &n);
    if (*K > MAX_CLASSES)
        ncm_error("badLabels", "%s has a label %d; at most %d classes are supported", arg, *K,
                  MAX_CLASSES);
    return y;
}

/* A list of whole numbers in [lo, hi] into out (at most max entries). */
static int int_list(const mxArray *v, const char *arg, const char *reason, unsigned flags,
                    double lo, double hi, int max, int *out)
{
    size_t n;
    const double *x = ncm_vector(v, arg, reason, flags | NCM_INTEGER, 0, &n);
    if (n > (size_t)max)
        ncm_error(reason, "%s lists %zu entries; at most %d are supported", arg, n, max);
    for (size_t i = 0; i < n; ++i) {
        if (x[i] < lo || x[i] > hi)
            ncm_error(reason, "%s entries must be in %.0f..%.0f", arg, lo, hi);
        out[i] = (int)x[i];
    }
    return (int)n;
}

static void warm_start(const mxArray *v, nc_mlp_opts *o)
{
    size_t n;
    const double *x = ncm_vector(v, "WarmStart", "badOption", NCM_NONNEG, 0, &n);
    int whole = n >= 1 && x[0] <= 2e9 && x[0] == floor(x[0]) &&
                (n < 3 || (x[2] <= 2e9 && x[2] == floor(x[2])));
    if (n < 1 || n > 3 || !whole || (n >= 2 && !(x[1] > 0)))
        ncm_error("badOption", "WarmStart must be [epochs factor ramp] (epochs and ramp whole "
                               "numbers, factor > 0), [epochs factor] or epochs alone");
    o->warm_epochs = (int)x[0];
    if (n >= 2)
        o->warm_factor = x[1];
    if (n == 3)
        o->warm_ramp = (int)x[2];
}

static void parse_option(int which, const mxArray *v, nc_mlp_opts *o, extras *x)
{
    switch (which) {
    case OPT_HIDDEN:
        o->depth = int_list(v, "Hidden", "badHidden", NCM_POSITIVE, 1, MAX_WIDTH,
                            NC_MLP_MAX_HIDDEN, o->hidden);
        break;
    case OPT_EPOCHS: o->epochs = ncm_count(v, "Epochs", NCM_POSITIVE); break;
    case OPT_BATCH: o->batch = ncm_count(v, "BatchSize", NCM_POSITIVE); break;
    case OPT_LR: o->lr = ncm_scalar(v, "LearningRate", "badOption", NCM_POSITIVE); break;
    case OPT_DROP: o->lr_drop = ncm_scalar(v, "LrDrop", "badOption", NCM_POSITIVE); break;
    case OPT_DROPAT:
        o->n_drops = int_list(v, "DropAt", "badOption", NCM_NONNEG | NCM_EMPTY_OK, 0, 2e9,
                              NC_MLP_MAX_DROPS, o->drop_at);
        break;
    case OPT_SCHEDULE: o->schedule = (nc_mlp_schedule)ncm_choice(v, "Schedule", schedules, 2); break;
    case OPT_WARMUP: o->warmup = ncm_count(v, "Warmup", 0); break;
    case OPT_MOMENTUM:
        o->momentum = ncm_scalar(v, "Momentum", "badOption", NCM_NONNEG);
        if (o->momentum >= 1)
            ncm_error("badOption", "Momentum must be in [0, 1)");
        break;
    case OPT_NESTEROV: o->nesterov = ncm_flag(v, "Nesterov"); break;
    case OPT_LW: o->lambda_W = ncm_scalar(v, "LambdaW", "badLambda", NCM_NONNEG | NCM_FINITE); break;
    case OPT_LH: o->lambda_H = ncm_scalar(v, "LambdaH", "badLambda", NCM_NONNEG | NCM_FINITE); break;
    case OPT_LB: o->lambda_b = ncm_scalar(v, "LambdaB", "badLambda", NCM_NONNEG | NCM_FINITE); break;
    case OPT_WARMSTART: warm_start(v, o); break;
    case OPT_WD:
        o->weight_decay = ncm_scalar(v, "WeightDecay", "badOption", NCM_NONNEG | NCM_FINITE);
        break;
    case OPT_DECAYON: o->decay_classifier = ncm_choice(v, "DecayOn", decay_scopes, 2); break;
    case OPT_BN: o->batch_norm = ncm_flag(v, "BatchNorm"); break;
    case OPT_BNFEAT: o->bn_features = ncm_flag(v, "BNFeatures"); break;
    case OPT_BNMOM:
        o->bn_momentum = ncm_scalar(v, "BNMomentum", "badOption", NCM_NONNEG);
        if (o->bn_momentum > 1)
            ncm_error("badOption", "BNMomentum must be in [0, 1]");
        break;
    case OPT_FEATLAYER:
        o->linear_features = ncm_choice(v, "FeatureLayer", feature_layers, 2);
        break;
    case OPT_SEED: o->seed = ncm_seed(v, "Seed"); break;
    case OPT_VERBOSE: o->verbose = ncm_flag(v, "Verbose"); break;
    case OPT_CKPT: o->checkpoint = ncm_string(v, "Checkpoint"); break;
    case OPT_CKPT_EVERY: o->checkpoint_every = ncm_count(v, "CheckpointEvery", NCM_POSITIVE); break;
    case OPT_HIST_EVERY: o->history_every = ncm_count(v, "HistoryEvery", NCM_POSITIVE); break;
    case OPT_TESTX:
        x->Xt = ncm_numeric(v, "TestX", "badData", NCM_FINITE, &x->pt, &x->Nt, &x->test_single);
        break;
    case OPT_TESTY: x->yt = v; break;
    case OPT_FEATURES: x->features = ncm_flag(v, "Features"); break;
    case OPT_CONV:
        o->n_conv = int_list(v, "Conv", "badConv", NCM_POSITIVE | NCM_EMPTY_OK, 1, 4096,
                             NC_MLP_MAX_CONV, o->conv);
        break;
    case OPT_IMAGE: {
        int hw[2];
        size_t n;
        ncm_vector(v, "ImageSize", "badConv", NCM_POSITIVE | NCM_INTEGER, 2, &n);
        int_list(v, "ImageSize", "badConv", NCM_POSITIVE, 1, MAX_WIDTH, 2, hw);
        o->img_h = hw[0];
        o->img_w = hw[1];
        x->image_set = 1;
        break;
    }
    case OPT_THREADS: x->threads = ncm_count(v, "Threads", 0); break;
    case OPT_INIT: x->init = v; break;
    }
}

/* ------------------------------------------------- Init: a model to start from --- */

static const mxArray *init_field(const mxArray *s, const char *name)
{
    const mxArray *f = mxGetField(s, 0, name);
    if (!f)
        ncm_error("badInit", "Init has no field '%s': pass a model returned by nc_mlp_train",
                  name);
    return f;
}

/* Entry i of the cell field NAME, with N entries. */
static const mxArray *init_entry(const mxArray *s, const char *name, size_t i, size_t n)
{
    const mxArray *c = init_field(s, name);
    if (!mxIsCell(c) || mxGetNumberOfElements(c) != n)
        ncm_error("badInit", "Init.%s must be a cell of %zu entries", name, n);
    const mxArray *e = mxGetCell(c, i);
    if (!e)
        ncm_error("badInit", "Init.%s{%zu} is empty", name, i + 1);
    return e;
}

/* The architecture of Init replaces the options'. */
static void init_architecture(const mxArray *s, nc_mlp_opts *o)
{
    if (!mxIsStruct(s) || mxGetNumberOfElements(s) != 1)
        ncm_error("badInit", "Init must be a model returned by nc_mlp_train");
    o->depth = int_list(init_field(s, "hidden"), "Init.hidden", "badInit", NCM_POSITIVE, 1,
                        MAX_WIDTH, NC_MLP_MAX_HIDDEN, o->hidden);
    o->n_conv = int_list(init_field(s, "conv"), "Init.conv", "badInit",
                         NCM_POSITIVE | NCM_EMPTY_OK, 1, 4096, NC_MLP_MAX_CONV, o->conv);
    o->batch_norm = ncm_flag(init_field(s, "batch_norm"), "Init.batch_norm");
    o->bn_features = ncm_flag(init_field(s, "bn_features"), "Init.bn_features");
    o->linear_features =
        ncm_choice(init_field(s, "feature_layer"), "Init.feature_layer", feature_layers, 2);
}

/* numel values of a real single or double array into dst, in order. */
static void init_values(const mxArray *a, const char *arg, size_t numel, float *dst)
{
    if (!(mxIsSingle(a) || mxIsDouble(a)) || mxIsComplex(a) || mxIsSparse(a) ||
        mxGetNumberOfElements(a) != numel)
        ncm_error("badInit", "%s must be a real array of %zu values", arg, numel);
    for (size_t i = 0; i < numel; ++i) {
        double v = mxIsSingle(a) ? ((const float *)mxGetData(a))[i] : mxGetPr(a)[i];
        if (!isfinite(v))
            ncm_error("badInit", "%s must be finite", arg);
        dst[i] = (float)v;
    }
}

static void init_block(const mxArray *s, const char *name, size_t i, size_t n, size_t numel,
                       float *dst)
{
    char arg[64];
    snprintf(arg, sizeof arg, "Init.%s{%zu}", name, i + 1);
    init_values(init_entry(s, name, i, n), arg, numel, dst);
}

/* The parameters and statistics of Init, in a model allocated through the
 * context's scratch memory (freed with the call if a field is malformed). */
static void init_model(const mxArray *s, int p, int K, const nc_mlp_opts *o, nc_ctx *ictx,
                       nc_mlp *m)
{
    ncm_ctx(ictx);
    nc_mlp_opts shape = *o;
    shape.init = NULL;
    if (nc_mlp_init(ictx, p, K, &shape, m))
        ncm_raise(ictx);
    size_t L = (size_t)m->depth;
    for (size_t l = 0; l <= L; ++l) {
        size_t out = (size_t)m->widths[l + 1];
        init_block(s, "weights", l, L + 1, out * (size_t)m->widths[l], m->params + m->w_off[l]);
        init_block(s, "biases", l, L + 1, out, m->params + m->b_off[l]);
        if (l == L || m->g_off[l] < 0)
            continue;
        init_block(s, "scales", l, L, out, m->params + m->g_off[l]);
        init_block(s, "running_mean", l, L, out, m->stats + m->ds_off[l]);
        init_block(s, "running_var", l, L, out, m->stats + m->ds_off[l] + out);
    }
    size_t C = (size_t)m->n_conv;
    for (size_t c = 0; c < C; ++c) {
        size_t cin = c ? (size_t)m->conv_ch[c - 1] : 1, co = (size_t)m->conv_ch[c];
        float *f = ncm_alloc(9 * cin * co, sizeof *f), *dst = m->params + m->cw_off[c];
        init_block(s, "conv_filters", c, C, 9 * cin * co, f);
        for (size_t q = 0; q < co; ++q) /* 3 x 3 x cin x cout, kernel rows first */
            for (size_t ci = 0; ci < cin; ++ci)
                for (size_t ky = 0; ky < 3; ++ky)
                    for (size_t kx = 0; kx < 3; ++kx)
                        dst[q + co * (ci * 9 + ky * 3 + kx)] = f[ky + 3 * (kx + 3 * (ci + cin * q))];
        ncm_free(f);
        init_block(s, "conv_biases", c, C, co, m->params + m->cb_off[c]);
        if (!m->batch_norm)
            continue;
        init_block(s, "conv_scales", c, C, co, m->params + m->cg_off[c]);
        init_block(s, "conv_running_mean", c, C, co, m->stats + m->cs_off[c]);
        init_block(s, "conv_running_var", c, C, co, m->stats + m->cs_off[c] + co);
    }
}

/* Square images by default (Fashion-MNIST: 28 x 28). */
static void default_image(size_t p, nc_mlp_opts *o)
{
    size_t side = 1;
    while ((side + 1) * (side + 1) <= p)
        ++side;
    if (side * side != p)
        ncm_error("badConv", "X has %zu rows, not a square image: give ImageSize", p);
    o->img_h = o->img_w = (int)side;
}

static mxArray *single_matrix(const float *data, size_t rows, size_t cols)
{
    mxArray *a = mxCreateNumericMatrix(rows, cols, mxSINGLE_CLASS, mxREAL);
    if (rows && cols)
        memcpy(mxGetData(a), data, rows * cols * sizeof(float));
    return a;
}

static mxArray *records(const double *v, size_t rows, size_t count)
{
    return ncm_real(v, rows, count);
}

static mxArray *history_struct(const nc_mlp_history *h)
{
    size_t K = (size_t)h->K, n = (size_t)h->count, done = (size_t)h->epochs_done;
    mwSize zdims[3] = {(mwSize)K, (mwSize)K, (mwSize)n};
    mxArray *Zh = mxCreateNumericArray(3, zdims, mxDOUBLE_CLASS, mxREAL);
    if (n)
        memcpy(mxGetPr(Zh), h->Zbar, n * K * K * sizeof(double));
    const ncm_field table[] = {
        {"epoch", records(h->epoch, 1, n)},          {"loss", records(h->loss, 1, n)},
        {"ce", records(h->ce, 1, n)},                {"accuracy", records(h->accuracy, 1, n)},
        {"test_accuracy", records(h->test_accuracy, 1, n)},
        {"nc1", records(h->nc1, 1, n)},              {"Zbar", Zh},
        {"b", records(h->b, K, n)},                  {"lr", records(h->lr, 1, done)},
        {"seconds", records(h->seconds, 1, done)},   {"batch_loss", records(h->batch_loss, 1, done)},
        {"batch_accuracy", records(h->batch_accuracy, 1, done)}};
    return NCM_STRUCT(table);
}

/* Per-layer cells: weights, shifts (biases), scales and running statistics. */
static mxArray *layer_cell(const nc_mlp *m, int what)
{
    int L = m->depth;
    mxArray *c = mxCreateCellMatrix(1, (size_t)L + (what < 2));
    for (int l = 0; l <= L; ++l) {
        size_t out = (size_t)m->widths[l + 1];
        mxArray *v = NULL;
        if (what == 0)
            v = single_matrix(m->params + m->w_off[l], out, (size_t)m->widths[l]);
        else if (what == 1)
            v = single_matrix(m->params + m->b_off[l], out, 1);
        else if (l == L)
            break;
        else if (m->g_off[l] < 0)
            v = mxCreateNumericMatrix(0, 0, mxSINGLE_CLASS, mxREAL);
        else if (what == 2)
            v = single_matrix(m->params + m->g_off[l], out, 1);
        else
            v = single_matrix(m->stats + m->ds_off[l] + (what == 4 ? out : 0), out, 1);
        mxSetCell(c, (size_t)l, v);
    }
    return c;
}

/* Conv filters as 3 x 3 x cin x cout arrays (kernel row first), biases or
 * shifts, the normalisation scales and running means and variances. */
static mxArray *conv_cell(const nc_mlp *m, int what)
{
    mxArray *cell = mxCreateCellMatrix(1, (size_t)m->n_conv);
    for (int c = 0; c < m->n_conv; ++c) {
        int cin = c ? m->conv_ch[c - 1] : 1, co = m->conv_ch[c];
        mxArray *v;
        if (what == 1) {
            v = single_matrix(m->params + m->cb_off[c], (size_t)co, 1);
        } else if (what >= 2 && !m->batch_norm) {
            v = mxCreateNumericMatrix(0, 0, mxSINGLE_CLASS, mxREAL);
        } else if (what == 2) {
            v = single_matrix(m->params + m->cg_off[c], (size_t)co, 1);
        } else if (what >= 3) {
            v = single_matrix(m->stats + m->cs_off[c] + (what == 4 ? co : 0), (size_t)co, 1);
        } else {
            mwSize dims[4] = {3, 3, (mwSize)cin, (mwSize)co};
            v = mxCreateNumericArray(4, dims, mxSINGLE_CLASS, mxREAL);
            float *dst = mxGetData(v);
            const float *src = m->params + m->cw_off[c];
            for (int o = 0; o < co; ++o)
                for (int ci = 0; ci < cin; ++ci)
                    for (int ky = 0; ky < 3; ++ky)
                        for (int kx = 0; kx < 3; ++kx)
                            dst[ky + 3 * (kx + 3 * (ci + (size_t)cin * o))] =
                                src[o + (size_t)co * (ci * 9 + ky * 3 + kx)];
        }
        mxSetCell(cell, (size_t)c, v);
    }
    return cell;
}

static mxArray *model_struct(const nc_mlp *m, const nc_mlp_history *h)
{
    int L = m->depth, K = m->widths[L + 1];
    double hidden[NC_MLP_MAX_HIDDEN], channels[NC_MLP_MAX_CONV];
    for (int l = 0; l < L; ++l)
        hidden[l] = m->widths[l + 1];
    for (int c = 0; c < m->n_conv; ++c)
        channels[c] = m->conv_ch[c];
    const ncm_field table[] = {
        {"W", single_matrix(m->params + m->w_off[L], (size_t)K, (size_t)m->widths[L])},
        {"b", single_matrix(m->params + m->b_off[L], (size_t)K, 1)},
        {"weights", layer_cell(m, 0)},
        {"biases", layer_cell(m, 1)},
        {"scales", layer_cell(m, 2)},
        {"running_mean", layer_cell(m, 3)},
        {"running_var", layer_cell(m, 4)},
        {"hidden", ncm_real(hidden, 1, (size_t)L)},
        {"conv", ncm_real(channels, 1, (size_t)m->n_conv)},
        {"conv_filters", conv_cell(m, 0)},
        {"conv_biases", conv_cell(m, 1)},
        {"conv_scales", conv_cell(m, 2)},
        {"conv_running_mean", conv_cell(m, 3)},
        {"conv_running_var", conv_cell(m, 4)},
        {"batch_norm", ncm_bool(m->batch_norm)},
        {"bn_features", ncm_bool(m->bn_features)},
        {"feature_layer", mxCreateString(m->linear_features ? "linear" : "relu")},
        {"history", history_struct(h)},
        {"epochs_done", ncm_real_scalar(h->epochs_done)},
        {"resumed_from", ncm_real_scalar(h->resumed_from)},
        {"interrupted", ncm_bool(h->interrupted)}};
    return NCM_STRUCT(table);
}

void mexFunction(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[])
{
    ncm_begin("nc_mlp_train");
    ncm_nargs(nrhs, 2, -1, nlhs, 1);
    size_t p, N;
    int single, K, Kt;
    const void *X = ncm_numeric(prhs[IN_X], "X", "badData", NCM_FINITE, &p, &N, &single);
    if (p > MAX_WIDTH || N > 2000000000u)
        ncm_error("badData", "X is %zu x %zu; too large", p, N);
    K = 0;
    int *y = labels(prhs[IN_Y], "Y", N, &K);
    if (K < 2)
        ncm_error("badLabels", "Y must hold at least 2 classes (labels 1..K)");
    nc_mlp_opts opts;
    nc_mlp_defaults(&opts);
    extras x = {0};
    ncm_option_pairs(nrhs, IN_OPTIONS);
    for (int i = IN_OPTIONS; i < nrhs; i += 2)
        parse_option(ncm_option(prhs[i], option_names, OPT_COUNT), prhs[i + 1], &opts, &x);
    if (!x.Xt != !x.yt)
        ncm_error("badOption", "TestX and TestY go together");
    int *yt = NULL;
    if (x.Xt) {
        if (x.pt != p)
            ncm_error("badData", "TestX must have %zu rows like X, not %zu", p, x.pt);
        Kt = K;
        yt = labels(x.yt, "TestY", x.Nt, &Kt);
        if (Kt > K)
            ncm_error("badLabels", "TestY has label %d but Y only goes up to %d", Kt, K);
    }
    if (x.init)
        init_architecture(x.init, &opts);
    if (opts.n_conv && !x.image_set)
        default_image(p, &opts);
    nc_ctx ictx;
    nc_mlp start;
    if (x.init) {
        init_model(x.init, (int)p, K, &opts, &ictx, &start);
        opts.init = &start;
    }

    nc_ctx ctx;
    ncm_ctx(&ctx);
    nc_mlp m;
    nc_mlp_history h;
    int threads = x.threads ? nc_blas_threads(x.threads) : 0;
    nc_status st = nc_mlp_train(&ctx, X, single, (int)p, (long)N, y, K, x.Xt, x.test_single,
                                (long)x.Nt, yt, &opts, &m, &h);
    if (threads)
        nc_blas_threads(threads);
    if (x.init)
        nc_mlp_free(&ictx, &start);
    if (st && st != NC_EINTERRUPT)
        ncm_raise(&ctx);
    if (st == NC_EINTERRUPT)
        ncm_consume_interrupt();
    mxArray *M = model_struct(&m, &h);
    if (x.features) {
        int d = m.widths[m.depth];
        mxArray *H = mxCreateNumericMatrix((size_t)d, N, mxSINGLE_CLASS, mxREAL);
        nc_ctx fctx;
        ncm_ctx(&fctx);
        if (nc_mlp_forward(&fctx, &m, X, single, (long)N, mxGetData(H), NULL)) {
            mxDestroyArray(H);
            mxDestroyArray(M);
            nc_mlp_free(&ctx, &m);
            nc_mlp_history_free(&ctx, &h);
            ncm_raise(&fctx);
        }
        ncm_set(M, "H", H);
    }
    nc_mlp_free(&ctx, &m);
    nc_mlp_history_free(&ctx, &h);
    plhs[OUT_MODEL] = M;
    ncm_end();
}
