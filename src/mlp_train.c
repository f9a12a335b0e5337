/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The training loop: mini-batch SGD with momentum (PyTorch's rule), the
 * learning-rate schedule, the warm start of the UFM's weights, weight
 * decay, records and checkpoints (docs/theory.md section 7 for the authors'
 * settings). */
#define _POSIX_C_SOURCE 200809L
#include "mlp_run.h"
#include "mlp_util.h"

#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* The drop epochs in force: the options' list, or one drop at a third. */
static int drop_list(const nc_mlp_opts *o, int *drops)
{
    if (o->n_drops < 0) {
        drops[0] = o->epochs / 3;
        return 1;
    }
    memcpy(drops, o->drop_at, (size_t)o->n_drops * sizeof *drops);
    return o->n_drops;
}

/* Step: lr times lr_drop per drop epoch passed.  Cosine: from lr down to
 * lr * lr_drop over the run.  Either way, a linear warm-up over the first
 * `warmup` epochs. */
#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static double epoch_rate(const nc_mlp_opts *o, const int *drops, int n_drops, int e)
{
    double lr = o->lr;
    if (o->schedule == NC_SCHEDULE_COSINE) {
        double t = o->epochs > 1 ? (double)e / (o->epochs - 1) : 0;
        lr *= o->lr_drop + (1 - o->lr_drop) * 0.5 * (1 + cos(M_PI * t));
    } else {
        for (int i = 0; i < n_drops; ++i)
            if (e >= drops[i])
                lr *= o->lr_drop;
    }
    if (e < o->warmup)
        lr *= (double)(e + 1) / (o->warmup + 1);
    return lr;
}

/* The warm start's divisor of lambda_W and lambda_H in epoch e: warm_factor
 * for warm_epochs epochs, then f^((R - k) / (R + 1)) in the k-th epoch of a
 * ramp of R epochs, then 1.  A step from the divided to the full weights
 * (R = 0) can throw a network that grew large during the warm start into
 * the trivial point: the sudden tenfold penalty on big weights and
 * features overshoots. */
static double warm_divisor(const nc_mlp_opts *o, int e)
{
    if (e < o->warm_epochs)
        return o->warm_factor;
    int k = e - o->warm_epochs, R = o->warm_ramp;
    return k < R ? pow(o->warm_factor, (double)(R - k) / (R + 1)) : 1.0;
}

static nc_status check_options(nc_ctx *ctx, const nc_mlp_opts *o)
{
    if (o->epochs < 1 || o->batch < 1)
        return nc_fail(ctx, NC_EBADARG, "badOption", "Epochs and BatchSize must be positive");
    if (!(o->lr > 0) || !isfinite(o->lr) || !(o->lr_drop > 0) || !isfinite(o->lr_drop))
        return nc_fail(ctx, NC_EBADARG, "badOption",
                       "LearningRate and LrDrop must be positive and finite");
    if (!(o->momentum >= 0 && o->momentum < 1))
        return nc_fail(ctx, NC_EBADARG, "badOption", "Momentum must be in [0, 1)");
    if (o->n_drops > NC_MLP_MAX_DROPS)
        return nc_fail(ctx, NC_EBADARG, "badOption", "DropAt lists at most %d epochs",
                       NC_MLP_MAX_DROPS);
    for (int i = 0; i < o->n_drops; ++i)
        if (o->drop_at[i] < 0 || (i && o->drop_at[i] <= o->drop_at[i - 1]))
            return nc_fail(ctx, NC_EBADARG, "badOption",
                           "DropAt must list increasing epochs >= 0");
    if (o->warm_epochs < 0 || o->warm_ramp < 0 || o->warmup < 0 || !(o->warm_factor > 0) ||
        !isfinite(o->warm_factor))
        return nc_fail(ctx, NC_EBADARG, "badOption",
                       "WarmStart needs epochs >= 0, a positive factor and ramp >= 0; Warmup >= 0");
    double lams[] = {o->lambda_W, o->lambda_H, o->lambda_b, o->weight_decay};
    for (int i = 0; i < 4; ++i)
        if (!(lams[i] >= 0) || !isfinite(lams[i]))
            return nc_fail(ctx, NC_EBADARG, "badLambda",
                           "the lambdas and WeightDecay must be finite and >= 0");
    if (!(o->bn_momentum >= 0 && o->bn_momentum <= 1))
        return nc_fail(ctx, NC_EBADARG, "badOption", "BNMomentum must be in [0, 1]");
    if (o->history_every < 1 || o->checkpoint_every < 1)
        return nc_fail(ctx, NC_EBADARG, "badOption",
                       "HistoryEvery and CheckpointEvery must be positive");
    if (o->seed > 0xffffffffUL)
        return nc_fail(ctx, NC_EBADARG, "badOption", "Seed must be in 0..2^32-1");
    return NC_OK;
}

static nc_status check_labels(nc_ctx *ctx, const int *y, long N, int K, const char *what)
{
    for (long j = 0; j < N; ++j)
        if (y[j] < 0 || y[j] >= K)
            return nc_fail(ctx, NC_EBADARG, "badLabels", "%slabel %d of sample %ld is outside 1..%d",
                           what, y[j] + 1, j + 1, K);
    return NC_OK;
}

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

/* PyTorch's SGD with coupled weight decay wd:
 * g += wd theta; v = mu v + g; theta -= lr v (Nesterov: lr (g + mu v)).
 * Blocks of 8 with a fixed inner loop, which GCC vectorises at -O2. */
static void sgd_range(long n, float *restrict theta, const float *restrict grad,
                      float *restrict v, float lr, float mu, float wd, int nesterov)
{
    long i = 0;
    float cg = nesterov ? 1.0f : 0.0f, cv = nesterov ? mu : 1.0f;
    for (; i + 8 <= n; i += 8)
        for (int k = 0; k < 8; ++k) {
            float g = grad[i + k] + wd * theta[i + k];
            float vi = mu * v[i + k] + g;
            v[i + k] = vi;
            theta[i + k] -= lr * (cg * g + cv * vi);
        }
    for (; i < n; ++i) {
        float g = grad[i] + wd * theta[i];
        float vi = mu * v[i] + g;
        v[i] = vi;
        theta[i] -= lr * (cg * g + cv * vi);
    }
}

static void sgd_step(long P, long decay_end, float *theta, const float *grad, float *v,
                     float lr, float mu, float wd, int nesterov)
{
    sgd_range(decay_end, theta, grad, v, lr, mu, wd, nesterov);
    sgd_range(P - decay_end, theta + decay_end, grad + decay_end, v + decay_end, lr, mu, 0.0f,
              nesterov);
}

/* Everything a run allocates besides the model and the history. */
typedef struct {
    mlp_work train, eval;
    gsl_rng *rng;
    float *state, *grad, *H;
    long *perm;
    int *yb;
} run_buffers;

static nc_status buffers_alloc(nc_ctx *ctx, const nc_mlp *m, long N, int batch, run_buffers *b)
{
    memset(b, 0, sizeof *b);
    long P = m->n_params;
    size_t feats, bytes;
    nc_size_mul((size_t)m->widths[m->depth], (size_t)N, &feats);
    nc_size_mul(feats, sizeof(float), &bytes);
    if (nc_check_memory(ctx, bytes, "the features of the training set (d x N)"))
        return ctx->status;
    b->state = nc_calloc(ctx, (size_t)P, sizeof(float));
    b->grad = nc_alloc(ctx, (size_t)P, sizeof(float));
    b->H = nc_alloc(ctx, (size_t)m->widths[m->depth] * (size_t)N, sizeof(float));
    b->perm = nc_alloc(ctx, (size_t)N, sizeof(long));
    b->yb = nc_alloc(ctx, (size_t)batch, sizeof(int));
    int chunk = N < NCT_EVAL_CHUNK ? (int)N : NCT_EVAL_CHUNK;
    if (!ctx->status)
        nct_work_alloc(ctx, m, batch, 1, &b->train);
    if (!ctx->status)
        nct_work_alloc(ctx, m, chunk, 0, &b->eval);
    if (!ctx->status && !(b->rng = gsl_rng_alloc(gsl_rng_mt19937)))
        nc_fail(ctx, NC_ENOMEM, "outOfMemory", "cannot allocate a random generator");
    return ctx->status;
}

static void buffers_free(nc_ctx *ctx, run_buffers *b)
{
    if (b->rng)
        gsl_rng_free(b->rng);
    nct_work_free(ctx, &b->train);
    nct_work_free(ctx, &b->eval);
    nc_free(ctx, b->state);
    nc_free(ctx, b->grad);
    nc_free(ctx, b->H);
    nc_free(ctx, b->perm);
    nc_free(ctx, b->yb);
}

/* Running times of this call, for an honest estimate of the time left:
 * training passes and evaluations are timed apart, since records may be
 * sparse. */
typedef struct {
    double train, eval;
    int epochs, records;
    double last_print;
} run_clock;

static double time_left(const run_clock *c, const nc_mlp_opts *o, int e_done)
{
    if (!c->epochs)
        return NAN;
    int records_left = 0;
    for (int e = e_done; e < o->epochs; ++e)
        records_left += nct_is_record(e, o->epochs, o->history_every);
    double per_record = c->records ? c->eval / c->records : 0;
    return c->train / c->epochs * (o->epochs - e_done) + per_record * records_left;
}

static void progress(nc_ctx *ctx, const nc_mlp_opts *o, const nc_mlp_history *h, int e,
                     int recorded, run_clock *c, int have_test)
{
    char left[64], test[48] = "";
    nc_format_duration(time_left(c, o, e + 1), left, sizeof left);
    double per = c->train / c->epochs;
    if (recorded) {
        int r = h->count - 1;
        if (have_test)
            snprintf(test, sizeof test, "  test %.4f", h->test_accuracy[r]);
        nc_printf(ctx, "%s: epoch %d/%d  loss %.4f  acc %.4f%s  NC1 %.4g  lr %g  %.2f s/epoch, %s left\n",
                  ctx->fname, e + 1, o->epochs, h->loss[r], h->accuracy[r], test, h->nc1[r],
                  h->lr[e], per, left);
    } else {
        nc_printf(ctx, "%s: epoch %d/%d  batch loss %.4f  batch acc %.4f  lr %g  %.2f s/epoch, %s left\n",
                  ctx->fname, e + 1, o->epochs, h->batch_loss[e], h->batch_accuracy[e], h->lr[e],
                  per, left);
    }
    c->last_print = nc_now();
}

/* One pass over the shuffled training set.  Returns NC_EINTERRUPT (with
 * the state after the last full batch) when asked to stop. */
static nc_status train_epoch(nc_ctx *ctx, nc_mlp *m, const nc_mlp_opts *o, run_buffers *b,
                             const nct_data *D, const mlp_loss *base, double lr, int e,
                             nc_mlp_history *h, run_clock *c)
{
    long N = D->N, P = m->n_params, decay_end = nct_decay_end(m, o->decay_classifier);
    int batch = b->train.B, p = m->n_input;
    double loss_sum = 0, t0 = nc_now();
    long right = 0;
    epoch_permutation(o->seed, e, N, b->perm, b->rng);
    for (long first = 0; first < N; first += batch) {
        int B = N - first < batch ? (int)(N - first) : batch;
        if (nct_stop_requested(ctx)) {
            h->interrupted = 1;
            return nc_interrupted(ctx) ? ctx->status
                                       : nc_fail(ctx, NC_EINTERRUPT, "interrupted",
                                                 "interrupted by the user");
        }
        nct_load_columns(b->train.input, D->X, D->single, p, b->perm + first, 0, B);
        for (int j = 0; j < B; ++j)
            b->yb[j] = D->y[b->perm[first + j]];
        mlp_loss loss = *base;
        loss.scale_H = (double)N / B;
        long ok;
        nct_forward(m, &b->train, B, 1, m->stats, o->bn_momentum);
        loss_sum += B * nct_batch_grad(m, &loss, &b->train, b->yb, B, b->grad, &ok);
        right += ok;
        sgd_step(P, decay_end, m->params, b->grad, b->state, (float)lr, (float)o->momentum,
                 (float)o->weight_decay, o->nesterov);
        /* Slow epochs (large data, conv layers) report inside the epoch. */
        double now = nc_now();
        if (o->verbose && now - c->last_print > 15.0 && !nct_stop_requested(ctx)) {
            char left[64];
            double done = (double)(first + B) / (double)N;
            nc_format_duration((now - t0) * (1 - done) / done, left, sizeof left);
            nc_printf(ctx, "%s: epoch %d/%d  %.0f%% of the batches, %s left in this epoch\n",
                      ctx->fname, e + 1, o->epochs, 100 * done, left);
            c->last_print = now;
        }
    }
    h->seconds[e] = nc_now() - t0;
    h->lr[e] = lr;
    h->batch_loss[e] = loss_sum / (double)N;
    h->batch_accuracy[e] = (double)right / (double)N;
    return NC_OK;
}

/* Validates the labels and that every class has a sample. */
static nc_status check_data(nc_ctx *ctx, const nct_data *D, const nct_data *T, int K,
                            long *counts)
{
    if (D->N < 1)
        return nc_fail(ctx, NC_EBADARG, "badSize", "X has no samples");
    if (check_labels(ctx, D->y, D->N, K, "") || check_labels(ctx, T->y, T->N, K, "test "))
        return ctx->status;
    memset(counts, 0, (size_t)K * sizeof *counts);
    for (long j = 0; j < D->N; ++j)
        ++counts[D->y[j]];
    for (int k = 0; k < K; ++k)
        if (counts[k] == 0)
            return nc_fail(ctx, NC_EBADARG, "badLabels",
                           "class %d has no sample (labels must cover 1..max(y))", k + 1);
    return NC_OK;
}

static nc_status open_checkpoint(nc_ctx *ctx, const nc_mlp_opts *o, nc_mlp *m,
                                 run_buffers *b, nc_mlp_history *h, uint64_t print)
{
    if (nct_checkpoint_load(ctx, o->checkpoint, print, m, b->state, m->n_params, h))
        return ctx->status;
    if (!h->epochs_done)
        return nct_checkpoint_probe(ctx, o->checkpoint);
    if (o->verbose)
        nc_printf(ctx, "%s: resuming from %s after epoch %d of %d\n", ctx->fname, o->checkpoint,
                  h->epochs_done, o->epochs);
    return NC_OK;
}

static nc_status run(nc_ctx *ctx, nc_mlp *m, const nc_mlp_opts *o, const nct_data *D,
                     const nct_data *T, int K, nc_mlp_history *h)
{
    int drops[NC_MLP_MAX_DROPS], n_drops = drop_list(o, drops);
    int batch = o->batch < D->N ? o->batch : (int)D->N;
    run_buffers b;
    run_clock clock = {0, 0, 0, 0, nc_now()};
    uint64_t print = 0;
    if (buffers_alloc(ctx, m, D->N, batch, &b) || nct_history_alloc(ctx, o->epochs, o->history_every, K, h))
        goto done;
    if (o->checkpoint && o->checkpoint[0]) {
        print = nct_fingerprint(m, o, drops, n_drops, D, T);
        if (open_checkpoint(ctx, o, m, &b, h, print))
            goto done;
    }
    for (int e = h->epochs_done; e < o->epochs; ++e) {
        double f = warm_divisor(o, e);
        mlp_loss base = {o->lambda_W / f, o->lambda_H / f, o->lambda_b, 0};
        double t0 = nc_now();
        if (train_epoch(ctx, m, o, &b, D, &base, epoch_rate(o, drops, n_drops, e), e, h, &clock))
            goto done;
        clock.train += nc_now() - t0;
        clock.epochs += 1;
        int record = nct_is_record(e, o->epochs, o->history_every);
        if (record) {
            t0 = nc_now();
            if (nct_evaluate(ctx, m, o, &b.eval, D, T, b.H, K, h, e))
                goto done;
            clock.eval += nc_now() - t0;
            clock.records += 1;
        }
        if (!isfinite(h->batch_loss[e]) || (record && !isfinite(h->loss[h->count - 1]))) {
            nc_fail(ctx, NC_ENUMERIC, "diverged",
                    "the loss became non-finite in epoch %d; lower LearningRate", e + 1);
            goto done;
        }
        h->epochs_done = e + 1;
        if (print && ((e + 1) % o->checkpoint_every == 0 || e + 1 == o->epochs) &&
            nct_checkpoint_save(ctx, o->checkpoint, print, m, b.state, m->n_params, h))
            goto done;
        /* Printing lets the host act on a pending Ctrl-C, which would
         * abandon this call without cleanup: stop first instead. */
        if (o->verbose && !nct_stop_requested(ctx) &&
            (record || nc_now() - clock.last_print > 10.0))
            progress(ctx, o, h, e, record, &clock, T->N > 0);
    }
done:
    buffers_free(ctx, &b);
    return ctx->status;
}

/* Copies the parameters and statistics of INIT, which must have the shape
 * of M. */
static nc_status start_from(nc_ctx *ctx, const nc_mlp *init, nc_mlp *m)
{
    int same = init->n_params == m->n_params && init->n_stats == m->n_stats &&
               init->depth == m->depth && init->n_conv == m->n_conv &&
               init->batch_norm == m->batch_norm && init->bn_features == m->bn_features &&
               init->linear_features == m->linear_features &&
               memcmp(init->widths, m->widths, sizeof m->widths) == 0 &&
               memcmp(init->conv_ch, m->conv_ch, sizeof m->conv_ch) == 0;
    if (!same)
        return nc_fail(ctx, NC_EBADARG, "badInit",
                       "Init must be a network of the same shape (layers, widths, "
                       "normalisation, feature layer) on data of the same size");
    memcpy(m->params, init->params, (size_t)m->n_params * sizeof *m->params);
    if (m->n_stats)
        memcpy(m->stats, init->stats, (size_t)m->n_stats * sizeof *m->stats);
    return NC_OK;
}

nc_status nc_mlp_train(nc_ctx *ctx, const void *X, int x_single, int p, long N, const int *y,
                       int K, const void *Xtest, int test_single, long Ntest, const int *ytest,
                       const nc_mlp_opts *opts, nc_mlp *model, nc_mlp_history *hist)
{
    memset(model, 0, sizeof *model);
    memset(hist, 0, sizeof *hist);
    nct_data D = {X, x_single, N, y}, T = {Xtest, test_single, Xtest ? Ntest : 0, ytest};
    if (check_options(ctx, opts))
        return ctx->status;
    if (K < 2)
        return nc_fail(ctx, NC_EBADARG, "badLabels", "needs at least 2 classes");
    long *counts = nc_alloc(ctx, (size_t)K, sizeof *counts);
    if (!counts)
        return ctx->status;
    nc_status st = check_data(ctx, &D, &T, K, counts);
    nc_free(ctx, counts);
    if (st || nc_mlp_init(ctx, p, K, opts, model))
        return ctx->status;
    if (opts->init && start_from(ctx, opts->init, model)) {
        nc_mlp_free(ctx, model);
        return ctx->status;
    }
    st = run(ctx, model, opts, &D, &T, K, hist);
    if (st == NC_EINTERRUPT)
        hist->interrupted = 1;
    if (st && st != NC_EINTERRUPT) {
        nc_mlp_free(ctx, model);
        nc_mlp_history_free(ctx, hist);
    }
    return st;
}
