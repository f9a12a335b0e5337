/* SPDX-License-Identifier: GPL-3.0-or-later */
/* M = nc_mlp_train(X, y, ...): see m/nc_mlp_train.m */
#include "nc_train.h"
#include "ncm.h"

#include <string.h>

static const char *const option_names[] = {
    "Hidden",      "Epochs", "BatchSize", "LearningRate", "LrDrop",     "DropAt",
    "Momentum",    "LambdaW", "LambdaH",  "LambdaB",      "WeightDecay", "Seed",
    "Verbose",     "Checkpoint", "CheckpointEvery", "TestX", "TestY",   "Features",
    "Conv",        "ImageSize"};
enum { OPT_HIDDEN, OPT_EPOCHS, OPT_BATCH, OPT_LR, OPT_DROP, OPT_DROPAT, OPT_MOMENTUM, OPT_LW,
       OPT_LH, OPT_LB, OPT_WD, OPT_SEED, OPT_VERBOSE, OPT_CKPT, OPT_CKPT_EVERY, OPT_TESTX,
       OPT_TESTY, OPT_FEATURES, OPT_CONV, OPT_IMAGE, OPT_COUNT };

#define MAX_CLASSES 100000
#define MAX_WIDTH 1000000

/* Labels 1..K of any numeric class as 0-based ints (mxMalloc'd); *K is
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

static mxArray *history_field(const double *v, int rows, int done)
{
    return ncm_real(v, (size_t)rows, (size_t)done);
}

void mexFunction(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[])
{
    ncm_begin("nc_mlp_train");
    ncm_nargs(nrhs, 2, -1, nlhs, 1);
    size_t p, N, pt = 0, Nt = 0;
    int single, test_single = 0, K, Kt;
    const void *X = ncm_numeric(prhs[0], "X", "badData", NCM_FINITE, &p, &N, &single);
    if (p > MAX_WIDTH || N > 2000000000u)
        ncm_error("badData", "X is %zu x %zu; too large", p, N);
    K = 0;
    int *y = labels(prhs[1], "Y", N, &K);
    if (K < 2)
        ncm_error("badLabels", "Y must hold at least 2 classes (labels 1..K)");
    const void *Xt = NULL;
    int *yt = NULL;
    const mxArray *ytest = NULL;

    nc_mlp_opts opts;
    nc_mlp_defaults(&opts);
    int drop_set = 0, features = 0, image_set = 0;
    ncm_option_pairs(nrhs, 2);
    for (int i = 2; i < nrhs; i += 2) {
        const mxArray *v = prhs[i + 1];
        switch (ncm_option(prhs[i], option_names, OPT_COUNT)) {
        case OPT_HIDDEN: {
            size_t depth;
            const double *w = ncm_vector(v, "Hidden", "badHidden", NCM_POSITIVE | NCM_INTEGER, 0,
                                         &depth);
            if (depth > NC_MLP_MAX_HIDDEN)
                ncm_error("badHidden", "Hidden lists %zu layers; at most %d are supported", depth,
                          NC_MLP_MAX_HIDDEN);
            opts.depth = (int)depth;
            for (size_t l = 0; l < depth; ++l) {
                if (w[l] > MAX_WIDTH)
                    ncm_error("badHidden", "Hidden widths must not exceed %d", MAX_WIDTH);
                opts.hidden[l] = (int)w[l];
            }
            break;
        }
        case OPT_EPOCHS:
            opts.epochs = ncm_count(v, "Epochs", NCM_POSITIVE);
            break;
        case OPT_BATCH:
            opts.batch = ncm_count(v, "BatchSize", NCM_POSITIVE);
            break;
        case OPT_LR:
            opts.lr = ncm_scalar(v, "LearningRate", "badOption", NCM_POSITIVE);
            break;
        case OPT_DROP:
            opts.lr_drop = ncm_scalar(v, "LrDrop", "badOption", NCM_POSITIVE);
            break;
        case OPT_DROPAT:
            opts.drop_at = ncm_count(v, "DropAt", 0);
            drop_set = 1;
            break;
        case OPT_MOMENTUM:
            opts.momentum = ncm_scalar(v, "Momentum", "badOption", NCM_NONNEG);
            if (opts.momentum >= 1)
                ncm_error("badOption", "Momentum must be in [0, 1)");
            break;
        case OPT_LW:
            opts.lambda_W = ncm_scalar(v, "LambdaW", "badLambda", NCM_NONNEG);
            break;
        case OPT_LH:
            opts.lambda_H = ncm_scalar(v, "LambdaH", "badLambda", NCM_NONNEG);
            break;
        case OPT_LB:
            opts.lambda_b = ncm_scalar(v, "LambdaB", "badLambda", NCM_NONNEG);
            break;
        case OPT_WD:
            opts.weight_decay = ncm_scalar(v, "WeightDecay", "badOption", NCM_NONNEG);
            break;
        case OPT_SEED:
            opts.seed = (unsigned long)ncm_scalar(v, "Seed", "badOption", NCM_NONNEG | NCM_INTEGER);
            break;
        case OPT_VERBOSE:
            opts.verbose = ncm_flag(v, "Verbose");
            break;
        case OPT_CKPT:
            opts.checkpoint = ncm_string(v, "Checkpoint");
            break;
        case OPT_CKPT_EVERY:
            opts.checkpoint_every = ncm_count(v, "CheckpointEvery", NCM_POSITIVE);
            break;
        case OPT_TESTX:
            Xt = ncm_numeric(v, "TestX", "badData", NCM_FINITE, &pt, &Nt, &test_single);
            break;
        case OPT_TESTY:
            ytest = v;
            break;
        case OPT_FEATURES:
            features = ncm_flag(v, "Features");
            break;
        case OPT_CONV: {
            size_t n;
            const double *c = ncm_vector(v, "Conv", "badConv",
                                         NCM_POSITIVE | NCM_INTEGER | NCM_EMPTY_OK, 0, &n);
            if (n > NC_MLP_MAX_CONV)
                ncm_error("badConv", "Conv lists %zu layers; at most %d are supported", n,
                          NC_MLP_MAX_CONV);
            opts.n_conv = (int)n;
            for (size_t l = 0; l < n; ++l) {
                if (c[l] > 4096)
                    ncm_error("badConv", "Conv channel counts must not exceed 4096");
                opts.conv[l] = (int)c[l];
            }
            break;
        }
        case OPT_IMAGE: {
            size_t n;
            const double *hw = ncm_vector(v, "ImageSize", "badConv", NCM_POSITIVE | NCM_INTEGER,
                                          2, &n);
            if (hw[0] > MAX_WIDTH || hw[1] > MAX_WIDTH)
                ncm_error("badConv", "ImageSize is too large");
            opts.img_h = (int)hw[0];
            opts.img_w = (int)hw[1];
            image_set = 1;
            break;
        }
        }
    }
    if (!Xt != !ytest)
        ncm_error("badOption", "TestX and TestY go together");
    if (Xt) {
        if (pt != p)
            ncm_error("badData", "TestX must have %zu rows like X, not %zu", p, pt);
        Kt = K;
        yt = labels(ytest, "TestY", Nt, &Kt);
        if (Kt > K)
            ncm_error("badLabels", "TestY has label %d but Y only goes up to %d", Kt, K);
    }
    if (!drop_set)
        opts.drop_at = -1;
    if (opts.n_conv && !image_set) {
        /* square images by default (Fashion-MNIST: 28 x 28) */
        size_t side = 1;
        while ((side + 1) * (side + 1) <= p)
            ++side;
        if (side * side != p)
            ncm_error("badConv", "X has %zu rows, not a square image: give ImageSize", p);
        opts.img_h = opts.img_w = (int)side;
    }

    nc_ctx ctx;
    ncm_ctx(&ctx);
    nc_mlp m;
    nc_mlp_history h;
    nc_status st = nc_mlp_train(&ctx, X, single, (int)p, (long)N, y, K, Xt, test_single,
                                (long)Nt, yt, &opts, &m, &h);
    if (st && st != NC_EINTERRUPT)
        ncm_raise(&ctx);
    if (st == NC_EINTERRUPT)
        ncm_consume_interrupt();

    int L = m.depth, done = h.epochs_done;
    mxArray *weights = mxCreateCellMatrix(1, (size_t)L + 1);
    mxArray *biases = mxCreateCellMatrix(1, (size_t)L + 1);
    for (int l = 0; l <= L; ++l) {
        mxSetCell(weights, l, ncm_real(m.params + m.w_off[l], (size_t)m.widths[l + 1],
                                       (size_t)m.widths[l]));
        mxSetCell(biases, l, ncm_real(m.params + m.b_off[l], (size_t)m.widths[l + 1], 1));
    }
    mwSize zdims[3] = {(mwSize)K, (mwSize)K, (mwSize)done};
    mxArray *Zh = mxCreateNumericArray(3, zdims, mxDOUBLE_CLASS, mxREAL);
    if (done)
        memcpy(mxGetPr(Zh), h.Zbar, (size_t)done * K * K * sizeof(double));
    mxArray *epoch = mxCreateDoubleMatrix(1, (size_t)done, mxREAL);
    for (int e = 0; e < done; ++e)
        mxGetPr(epoch)[e] = e + 1;
    static const char *hist_fields[] = {"epoch", "loss", "ce", "accuracy", "test_accuracy",
                                        "nc1", "lr", "seconds", "Zbar", "b"};
    mxArray *hist = mxCreateStructMatrix(1, 1, 10, hist_fields);
    ncm_set(hist, "epoch", epoch);
    ncm_set(hist, "loss", history_field(h.loss, 1, done));
    ncm_set(hist, "ce", history_field(h.ce, 1, done));
    ncm_set(hist, "accuracy", history_field(h.accuracy, 1, done));
    ncm_set(hist, "test_accuracy", history_field(h.test_accuracy, 1, done));
    ncm_set(hist, "nc1", history_field(h.nc1, 1, done));
    ncm_set(hist, "lr", history_field(h.lr, 1, done));
    ncm_set(hist, "seconds", history_field(h.seconds, 1, done));
    ncm_set(hist, "Zbar", Zh);
    ncm_set(hist, "b", history_field(h.b, K, done));

    double hidden[NC_MLP_MAX_HIDDEN];
    for (int l = 0; l < L; ++l)
        hidden[l] = m.widths[l + 1];
    mxArray *cw = mxCreateCellMatrix(1, (size_t)m.n_conv), *cb = mxCreateCellMatrix(1, (size_t)m.n_conv);
    double channels[NC_MLP_MAX_CONV];
    for (int c = 0; c < m.n_conv; ++c) {
        /* filters as 3 x 3 x cin x cout, kernel row (y) first */
        int cin = c ? m.conv_ch[c - 1] : 1, co = m.conv_ch[c];
        mwSize dims[4] = {3, 3, (mwSize)cin, (mwSize)co};
        mxArray *f = mxCreateNumericArray(4, dims, mxDOUBLE_CLASS, mxREAL);
        const double *src = m.params + m.cw_off[c];
        for (int o = 0; o < co; ++o)
            for (int ci = 0; ci < cin; ++ci)
                for (int ky = 0; ky < 3; ++ky)
                    for (int kx = 0; kx < 3; ++kx)
                        mxGetPr(f)[ky + 3 * (kx + 3 * (ci + (size_t)cin * o))] =
                            src[o + (size_t)co * (ci * 9 + ky * 3 + kx)];
        mxSetCell(cw, c, f);
        mxSetCell(cb, c, ncm_real(m.params + m.cb_off[c], (size_t)co, 1));
        channels[c] = co;
    }
    static const char *fields[] = {"W", "b", "weights", "biases", "hidden", "conv", "conv_filters",
                                   "conv_biases", "history", "epochs_done", "resumed_from",
                                   "interrupted"};
    mxArray *M = mxCreateStructMatrix(1, 1, 12, fields);
    ncm_set(M, "conv", ncm_real(channels, 1, (size_t)m.n_conv));
    ncm_set(M, "conv_filters", cw);
    ncm_set(M, "conv_biases", cb);
    ncm_set(M, "W", ncm_real(m.params + m.w_off[L], (size_t)K, (size_t)m.widths[L]));
    ncm_set(M, "b", ncm_real(m.params + m.b_off[L], (size_t)K, 1));
    ncm_set(M, "weights", weights);
    ncm_set(M, "biases", biases);
    ncm_set(M, "hidden", ncm_real(hidden, 1, (size_t)L));
    ncm_set(M, "history", hist);
    ncm_set(M, "epochs_done", ncm_real_scalar(done));
    ncm_set(M, "resumed_from", ncm_real_scalar(h.resumed_from));
    ncm_set(M, "interrupted", ncm_bool(h.interrupted));
    if (features) {
        mxArray *H = mxCreateDoubleMatrix((size_t)m.widths[L], N, mxREAL);
        nc_ctx fctx;
        ncm_ctx(&fctx);
        if (nc_mlp_forward(&fctx, &m, X, single, (long)N, mxGetPr(H), NULL)) {
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
    plhs[0] = M;
}
