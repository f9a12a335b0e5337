/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The trainer's records: whole-set statistics of the network in evaluation
 * mode (the function it computes on a sample, independent of the batch it
 * would be trained in), accumulated in double. */
#include "mlp_run.h"
#include "mlp_util.h"
#include "nc_metrics.h"

#include <math.h>
#include <string.h>

#define PER_EPOCH 4  /* lr, seconds, batch_loss, batch_accuracy */
#define PER_RECORD 6 /* epoch, loss, ce, accuracy, test_accuracy, nc1; then Zbar, b */

int nct_is_record(int e, int epochs, int every)
{
    return e == 0 || e == epochs - 1 || (every > 0 && (e + 1) % every == 0);
}

static size_t block_doubles(int epochs, int capacity, int K)
{
    return (size_t)epochs * PER_EPOCH +
           (size_t)capacity * (PER_RECORD + (size_t)K * K + (size_t)K);
}

size_t nct_history_doubles(const nc_mlp_history *h)
{
    return block_doubles(h->epochs, h->capacity, h->K);
}

void nc_mlp_history_free(nc_ctx *ctx, nc_mlp_history *h)
{
    nc_free(ctx, h->lr); /* one block holds every array */
    memset(h, 0, sizeof *h);
}

nc_status nct_history_alloc(nc_ctx *ctx, int epochs, int every, int K, nc_mlp_history *h)
{
    memset(h, 0, sizeof *h);
    int cap = 0;
    for (int e = 0; e < epochs; ++e)
        cap += nct_is_record(e, epochs, every);
    size_t total = block_doubles(epochs, cap, K);
    double *block = nc_alloc(ctx, total, sizeof *block);
    if (!block)
        return ctx->status;
    for (size_t i = 0; i < total; ++i)
        block[i] = NAN;
    h->epochs = epochs;
    h->K = K;
    h->capacity = cap;
    h->lr = block;
    h->seconds = h->lr + epochs;
    h->batch_loss = h->seconds + epochs;
    h->batch_accuracy = h->batch_loss + epochs;
    h->epoch = h->batch_accuracy + epochs;
    h->loss = h->epoch + cap;
    h->ce = h->loss + cap;
    h->accuracy = h->ce + cap;
    h->test_accuracy = h->accuracy + cap;
    h->nc1 = h->test_accuracy + cap;
    h->Zbar = h->nc1 + cap;
    h->b = h->Zbar + (size_t)cap * K * K;
    return NC_OK;
}

static double sumsq_f(const float *x, long n)
{
    double s = 0;
    for (long i = 0; i < n; ++i)
        s += (double)x[i] * x[i];
    return s;
}

/* Features into H and the summed cross-entropy; *correct counts the right
 * predictions.  H may be NULL (the test set). */
static double pass(const nc_mlp *m, mlp_work *w, const nct_data *D, float *H, long *correct)
{
    int L = m->depth, d = m->widths[L], K = m->widths[L + 1];
    const float *bc = m->params + m->b_off[L];
    double ce = 0;
    *correct = 0;
    for (long first = 0; first < D->N; first += w->B) {
        int B = D->N - first < w->B ? (int)(D->N - first) : w->B;
        long right;
        nct_load_columns(w->input, D->X, D->single, m->n_input, NULL, first, B);
        nct_forward(m, w, B, 0, NULL, 0);
        if (H)
            memcpy(H + first * d, w->A[L], (size_t)B * (size_t)d * sizeof *H);
        ce += nct_softmax_ce_f(K, B, w->logits, bc, D->y + first, 1.0, &right);
        *correct += right;
    }
    return ce;
}

/* NC1 of float features; a degenerate case the metrics reject (all class
 * means equal, say) gives NaN.  Not interruptible, so that a record is
 * never left half written: the next batch sees a pending Ctrl-C. */
static nc_status nc1_of(nc_ctx *ctx, int d, long N, int K, const float *H, const int *y,
                        double *nc1)
{
    nc_metrics_state st;
    nc_metrics_result res;
    memset(&st, 0, sizeof st);
    memset(&res, 0, sizeof res);
    int (*probe)(void *) = ctx->interrupted;
    ctx->interrupted = NULL;
    nc_status s = nc_metrics_compute(ctx, d, N, K, H, 1, d, y, NULL, NULL, NC_WEIGHT_SAMPLES, 0,
                                     &st, &res);
    ctx->interrupted = probe;
    if (s == NC_OK) {
        nc_metrics_state_free(ctx, &st);
        *nc1 = res.nc1;
        return NC_OK;
    }
    if (s == NC_ENOMEM)
        return s;
    *nc1 = NAN;
    ctx->status = NC_OK;
    ctx->errid[0] = ctx->errmsg[0] = 0;
    return NC_OK;
}

/* Zbar = W * (class means of H), accumulated in double. */
static nc_status mean_predictions(nc_ctx *ctx, const nc_mlp *m, long N, const float *H,
                                  const int *y, double *Zbar)
{
    int L = m->depth, d = m->widths[L], K = m->widths[L + 1];
    const float *W = m->params + m->w_off[L];
    double *means = nc_calloc(ctx, (size_t)d * K + K, sizeof *means), *count = means + (size_t)d * K;
    if (!means)
        return ctx->status;
    for (long j = 0; j < N; ++j) {
        double *mu = means + (long)y[j] * d;
        const float *h = H + j * d;
        for (int i = 0; i < d; ++i)
            mu[i] += h[i];
        count[y[j]] += 1;
    }
    for (int k = 0; k < K; ++k)
        for (int l = 0; l < K; ++l) {
            double z = 0;
            for (int i = 0; i < d; ++i)
                z += (double)W[(long)i * K + l] * means[(long)k * d + i];
            Zbar[(long)k * K + l] = count[k] ? z / count[k] : 0;
        }
    nc_free(ctx, means);
    return NC_OK;
}

nc_status nct_evaluate(nc_ctx *ctx, const nc_mlp *m, const nc_mlp_opts *o, mlp_work *w,
                       const nct_data *train, const nct_data *test, float *H, int K,
                       nc_mlp_history *h, int e)
{
    int L = m->depth, d = m->widths[L], r = h->count;
    const float *Wc = m->params + m->w_off[L], *bc = m->params + m->b_off[L];
    long correct;
    double ce = pass(m, w, train, H, &correct) / (double)train->N;
    h->epoch[r] = e + 1;
    h->ce[r] = ce;
    h->accuracy[r] = (double)correct / (double)train->N;
    h->loss[r] = ce + o->lambda_W * sumsq_f(Wc, (long)K * d) +
                 o->lambda_H * sumsq_f(H, (long)d * train->N) + o->lambda_b * sumsq_f(bc, K);
    if (mean_predictions(ctx, m, train->N, H, train->y, h->Zbar + (size_t)r * K * K))
        return ctx->status;
    for (int k = 0; k < K; ++k)
        h->b[(size_t)r * K + k] = bc[k];
    if (test->N) {
        pass(m, w, test, NULL, &correct);
        h->test_accuracy[r] = (double)correct / (double)test->N;
    }
    if (nc1_of(ctx, d, train->N, K, H, train->y, &h->nc1[r]))
        return ctx->status;
    h->count = r + 1;
    return NC_OK;
}
