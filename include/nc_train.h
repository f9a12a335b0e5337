/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Trainers: the unconstrained feature model by full-batch gradient descent,
 * and a multilayer perceptron with the UFM's regularisation on its last
 * layer (docs/theory.md sections 1 and 7).
 *
 * Convention (docs/theory.md section 1): for features H (d x N), classifier W
 * (K x d) and bias b (K),
 *   F = (1/N) sum_j CE(W h_j + b, y_j) + lW ||W||_F^2 + lH ||H||_F^2 + lb ||b||^2.
 * All matrices are column-major; labels are 0..K-1. */
#ifndef NC_TRAIN_H
#define NC_TRAIN_H

#include "ncufm.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- UFM --- */

typedef struct {
    int max_iter;           /* default 200000 */
    double tol;             /* stop when the scaled gradient norm <= tol; default 1e-9 */
    double lr;              /* step in the scaled metric; <= 0: 1/L estimated each step (default) */
    double momentum;        /* heavy-ball momentum; default 0.9 */
    double init_scale;      /* standard deviation of the Gaussian start; default 0.1 */
    unsigned long seed;     /* default 0 */
    int history_every;      /* record every this many iterations (and the first and last);
                               0: first and last only.  Default 0 */
    int verbose;            /* 0 silent (default), 1 progress lines with time left */
} nc_ufm_opts;

typedef struct {
    int iterations;
    int converged;          /* the gradient met tol */
    int interrupted;        /* stopped by the interrupt probe; outputs hold the last iterate */
    double objective;
    double grad_norm;       /* scaled gradient norm at the returned point */
    double time;
    /* history: `count` records, owned by the result (nc_ufm_result_free) */
    int count;
    int *iter;
    double *objective_h, *grad_h, *nc1_h;
    double *Zbar_h;         /* K x K per record: W * class means of H */
    double *b_h;            /* K per record */
} nc_ufm_result;

void nc_ufm_defaults(nc_ufm_opts *opts);

/* Objective F and its gradient (any gradient pointer may be NULL) at
 * (W, H, b); labels y[0..N-1] in 0..K-1.  Uses a K x N workspace. */
nc_status nc_ufm_objective(nc_ctx *ctx, int K, int d, long N, const int *y, const double *W,
                           const double *H, const double *b, double lW, double lH, double lb,
                           double *F, double *gW, double *gH, double *gb);

/* Trains from a seeded random start.  n[k] >= 1 samples of class k; H's
 * columns are grouped by class in label order.  W (K x d), H (d x N) and b
 * (K) are caller-owned outputs.  The step on H is N times the step on W
 * and b: descent on (W, H / sqrt(N), b), where the curvatures of the three
 * blocks are comparable; the scaled gradient norm is
 * sqrt(|dW|^2 + N |dH|^2 + |db|^2).  The interrupt probe is read every
 * iteration.  Returns NC_EINTERRUPT (outputs and result valid,
 * res->interrupted set; records made after the interrupt have NC1 NaN, to
 * return at once) when interrupted; on any other error the result holds
 * nothing to free. */
nc_status nc_ufm_train(nc_ctx *ctx, int K, const long *n, int d, double lW, double lH,
                       double lb, const nc_ufm_opts *opts, double *W, double *H, double *b,
                       nc_ufm_result *res);
void nc_ufm_result_free(nc_ctx *ctx, nc_ufm_result *res);
/* The most history records a run with OPTS makes (the first, every
 * HistoryEvery-th, the last and an interrupted one): what it allocates. */
size_t nc_ufm_history_records(const nc_ufm_opts *opts);
/* Refuses (ncufm:tooLarge) a run whose workspace and history, plus
 * EXTRA_BYTES the caller will need alongside (its outputs), do not fit in
 * memory; nc_ufm_train checks its own part again. */
nc_status nc_ufm_check_memory(nc_ctx *ctx, int K, long N, int d, const nc_ufm_opts *opts,
                              size_t extra_bytes);

/* ---------------------------------------------------------------- MLP --- */

#define NC_MLP_MAX_HIDDEN 8
#define NC_MLP_MAX_CONV 4
#define NC_MLP_MAX_DROPS 8

/* A network in single precision, as the frameworks train them.  Parameters
 * live in one float vector, in this order (so that "every layer but the
 * classifier" is one leading range):
 *   conv layer c = 0..n_conv-1: filters (conv_ch[c] x 9 cin, row index
 *     ci*9 + ky*3 + kx) at cw_off[c], the per-channel scale at cg_off[c]
 *     (batch normalisation only, else -1), the per-channel shift at cb_off[c];
 *   dense layer l = 0..depth-1 (widths[l] -> widths[l+1]): weight at w_off[l],
 *     scale at g_off[l] (batch normalisation only, else -1), shift at b_off[l];
 *   the classifier W (K x d, d = widths[depth]) at w_off[depth] and its bias
 *     b at b_off[depth], the last K entries.
 * A hidden layer computes a = act(BN(W x)) when normalised, where
 * BN(z) = scale * (z - mean) / sqrt(var + eps) + shift per unit (per channel
 * for conv), or a = act(W x + shift) otherwise; act is ReLU, except for the
 * last dense layer when linear_features is set.  With batch_norm every conv
 * and hidden layer is normalised except the feature layer (the last hidden
 * one), unless bn_features: normalising it fixes the batch mean and
 * variance of every feature, which the UFM's feature penalty then no longer
 * shapes.  Conv layers (3 x 3 filters,
 * zero padding 1, stride 1) are followed by 2 x 2 max pooling; their input is
 * a one-channel img_h x img_w image read row by row, and the pooled maps of
 * the last one (channels innermost, then pixels) are the dense input.  The
 * features h of the UFM are the output of the last dense hidden layer.
 *
 * stats holds the running mean and variance (biased estimate for the batch,
 * unbiased for the running average, as PyTorch) of every normalised layer:
 * means at cs_off[c] / ds_off[l], variances right after them. */
typedef struct nc_mlp {
    int depth;                        /* dense hidden layers, 1..NC_MLP_MAX_HIDDEN */
    int widths[NC_MLP_MAX_HIDDEN + 2]; /* dense input, hidden widths, K */
    long w_off[NC_MLP_MAX_HIDDEN + 1], b_off[NC_MLP_MAX_HIDDEN + 1];
    long g_off[NC_MLP_MAX_HIDDEN];
    long ds_off[NC_MLP_MAX_HIDDEN];
    int n_input;                      /* p: length of an input column */
    int n_conv, img_h, img_w;
    int conv_ch[NC_MLP_MAX_CONV];
    long cw_off[NC_MLP_MAX_CONV], cg_off[NC_MLP_MAX_CONV], cb_off[NC_MLP_MAX_CONV];
    long cs_off[NC_MLP_MAX_CONV];
    int batch_norm;                   /* conv and hidden layers normalised ... */
    int bn_features;                  /* ... the feature layer too */
    int linear_features;              /* no ReLU on the feature layer */
    double bn_eps;
    long n_params, n_stats;
    float *params;
    float *stats;
} nc_mlp;

typedef enum { NC_SCHEDULE_STEP = 0, NC_SCHEDULE_COSINE = 1 } nc_mlp_schedule;

typedef struct {
    int depth;
    int hidden[NC_MLP_MAX_HIDDEN];    /* default {256, 128} */
    int epochs;                       /* default 30 */
    int batch;                        /* default 128 */
    double lr;                        /* default 0.01 */
    nc_mlp_schedule schedule;         /* default step */
    double lr_drop;                   /* step: factor applied at each drop epoch; default 0.1 */
    int n_drops;                      /* step: entries of drop_at; < 0: one drop at epochs/3 */
    int drop_at[NC_MLP_MAX_DROPS];    /* 0-based first epochs of the lower rates, increasing */
    int warmup;                       /* epochs of linear learning-rate warm-up; default 0 */
    double momentum;                  /* default 0.9 */
    int nesterov;                     /* Nesterov momentum (PyTorch's rule); default 0 */
    double lambda_W, lambda_H, lambda_b; /* defaults 1e-3, 1e-6, 1e-2 (docs/theory.md section 7, Figure 1) */
    int warm_epochs;                  /* lambda_W, lambda_H divided by warm_factor in the */
    double warm_factor;               /*   first warm_epochs epochs; defaults 0, 10 */
    int warm_ramp;                    /* then back to 1 geometrically over this many epochs
                                         (0, the authors': at once); default 0 */
    double weight_decay;              /* gradient += wd * theta; default 5e-4 */
    int decay_classifier;             /* weight decay on W and b too (else hidden only); 0 */
    int batch_norm;                   /* default 0 */
    int bn_features;                  /* normalise the feature layer too; default 0 */
    double bn_momentum;               /* running statistics: default 0.1 */
    double bn_eps;                    /* default 1e-5 */
    int linear_features;              /* default 0: ReLU features */
    unsigned long seed;               /* 0 .. 2^32 - 1 */
    int verbose;                      /* 0 silent, 1 a line per recorded epoch (default) */
    const char *checkpoint;           /* file to resume from and save to, or NULL */
    int checkpoint_every;             /* epochs between saves; default 1 */
    int history_every;                /* record every this many epochs (and the first and
                                         last); default 1 */
    int n_conv;                       /* conv layers (0: a plain MLP, default) */
    int conv[NC_MLP_MAX_CONV];        /* their channel counts */
    int img_h, img_w;                 /* input image; img_h * img_w = p, divisible by 2^n_conv */
    const struct nc_mlp *init;        /* start from this model's parameters and statistics
                                         (the same shape) instead of the seeded
                                         initialisation; NULL (default) */
} nc_mlp_opts;

/* Training records.  Every epoch: lr, seconds, and the running means over
 * the epoch's batches of the mini-batch objective and accuracy (free to
 * compute, but measured on a moving network in training mode).  Recorded
 * epochs (the first, every history_every-th, the last; `count` of the
 * `capacity` so far): whole-set statistics in evaluation mode. */
typedef struct {
    int epochs, K, epochs_done;
    int resumed_from;        /* epochs read from the checkpoint (0: fresh start) */
    int interrupted;
    double *lr;              /* epochs: the rate of the epoch */
    double *seconds;         /* epochs: wall time of the training pass */
    double *batch_loss;      /* epochs: mean mini-batch objective */
    double *batch_accuracy;  /* epochs: accuracy over the batches as trained */
    int capacity, count;
    double *epoch;           /* capacity: 1-based epoch of each record */
    double *loss;            /* UFM objective of the last layer over the whole set */
    double *ce;              /* mean cross-entropy over the whole set */
    double *accuracy;        /* training accuracy */
    double *test_accuracy;   /* NaN without test data */
    double *nc1;
    double *Zbar;            /* K x K per record */
    double *b;               /* K per record */
} nc_mlp_history;

void nc_mlp_defaults(nc_mlp_opts *opts);

/* A model with the seeded initialisation of the trainer (Kaiming normal on
 * hidden and conv weights, uniform +-1/sqrt(d) on the classifier, zero
 * shifts and biases, unit scales, running statistics 0 and 1). */
nc_status nc_mlp_init(nc_ctx *ctx, int p, int K, const nc_mlp_opts *opts, nc_mlp *model);
void nc_mlp_free(nc_ctx *ctx, nc_mlp *model);
void nc_mlp_history_free(nc_ctx *ctx, nc_mlp_history *hist);

/* The mini-batch objective the trainer descends, in training mode (batch
 * statistics), for B samples Xb (p x B, float) with labels yb:
 *   (1/B) sum CE + lW ||W||^2 + lH * scale_H * sum ||h_j||^2 + lb ||b||^2
 *   + (wd/2) ||theta_decayed||^2,
 * where scale_H = N / B makes the feature term estimate the UFM's
 * lH ||H||_F^2 over all N samples and theta_decayed is every parameter but
 * W and b (all of them with decay_classifier).  The lambdas are the options'
 * (without warm start).  grad (n_params, may be NULL) is its gradient; the
 * running statistics are left alone.  F is accumulated in double. */
nc_status nc_mlp_batch_objective(nc_ctx *ctx, const nc_mlp *model, const nc_mlp_opts *opts,
                                 const float *Xb, const int *yb, int B, double scale_H,
                                 double *F, float *grad);

/* Features H (d x N) and logits (K x N, bias included) of N samples in
 * evaluation mode (running statistics); X is p x N, float when x_single,
 * else double.  Either output may be NULL. */
nc_status nc_mlp_forward(nc_ctx *ctx, const nc_mlp *model, const void *X, int x_single, long N,
                         float *H, float *logits);

/* Trains on X (p x N, float or double) with labels y in 0..K-1 (every class
 * present); Xtest/ytest (may be NULL) give a test accuracy per record.
 * Allocates *model and *hist (free with nc_mlp_free, nc_mlp_history_free).
 * NC_EINTERRUPT: model and history hold the epochs done (both to free).
 * Any other error: nothing to free. */
nc_status nc_mlp_train(nc_ctx *ctx, const void *X, int x_single, int p, long N, const int *y,
                       int K, const void *Xtest, int test_single, long Ntest, const int *ytest,
                       const nc_mlp_opts *opts, nc_mlp *model, nc_mlp_history *hist);

#ifdef __cplusplus
}
#endif

#endif
