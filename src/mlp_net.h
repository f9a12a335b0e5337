/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The network's passes (private to src/): workspace, forward in training or
 * evaluation mode, backward, and the layers they are made of.  Everything
 * is single precision, column-major, one column per sample (per pixel and
 * sample in the conv layers); sums that decide the loss, the metrics and the
 * normalisation statistics are accumulated in double. */
#ifndef NC_MLP_NET_H
#define NC_MLP_NET_H

#include "nc_train.h"

/* Columns pushed through the network at a time outside training. */
#define NCT_EVAL_CHUNK 512

/* The last layer's regularisation for one batch: the UFM weights (after the
 * warm start) and scale_H = N / B, which makes lH scale_H sum_batch ||h||^2
 * estimate lH ||H||_F^2 over all N samples. */
typedef struct {
    double lW, lH, lb, scale_H;
} mlp_loss;

typedef struct {
    int B;                              /* columns available */
    int train;                          /* buffers for the backward pass exist */
    float *input;                       /* B input columns (A[0] without conv layers) */
    float *A[NC_MLP_MAX_HIDDEN + 1];    /* A[0] dense input, A[l] output of hidden layer l */
    float *xhat[NC_MLP_MAX_HIDDEN];     /* normalised pre-activations (training with BN) */
    float *invstd[NC_MLP_MAX_HIDDEN];   /* 1/sqrt(batch variance + eps) */
    float *logits;                      /* K x B (bias excluded), then the loss gradient */
    float *dA, *dB;                     /* backward buffers, the widest layer x B */
    /* conv layer c: input (cin x pixels), im2col matrix, normalised
     * pre-activations, ReLU output before pooling, the argmax of each pooled
     * value, and the batch's 1/sqrt(var + eps) */
    float *cin[NC_MLP_MAX_CONV], *cols[NC_MLP_MAX_CONV], *cxhat[NC_MLP_MAX_CONV];
    float *act[NC_MLP_MAX_CONV], *cinvstd[NC_MLP_MAX_CONV];
    int *arg[NC_MLP_MAX_CONV];
    float *dact, *dcols;                /* conv backward buffers */
    double *acc;                        /* per-unit sums: 2 doubles per unit of the widest layer */
    float *coef;                        /* per-unit coefficients: 3 floats per unit */
    float *fblock;
    int *iblock;
    double *dblock;
} mlp_work;

/* Buffers for batches of up to B columns; train = 0 skips what only the
 * backward pass needs. */
nc_status nct_work_alloc(nc_ctx *ctx, const nc_mlp *m, int B, int train, mlp_work *w);
void nct_work_free(nc_ctx *ctx, mlp_work *w);

/* Copies columns cols[0..B-1] of X (or B consecutive columns from first when
 * cols is NULL) into dst as floats. */
void nct_load_columns(float *dst, const void *X, int x_single, int p, const long *cols,
                      long first, int B);

/* The B columns in w->input through the network: A[1..depth] and the logits
 * (bias excluded).  train: batch statistics (w must have been allocated
 * with train), and when stats is not NULL the running statistics move
 * towards them with the given momentum; else the running statistics. */
void nct_forward(const nc_mlp *m, mlp_work *w, int B, int train, float *stats,
                 double bn_momentum);

/* The mini-batch objective without weight decay, after nct_forward in
 * training mode: (1/B) sum CE + lW |W|^2 + lH scale_H |H_batch|^2 + lb |b|^2.
 * Writes its gradient (every entry of grad) when grad is not NULL; *correct
 * (may be NULL) counts the batch's correct predictions. */
double nct_batch_grad(const nc_mlp *m, const mlp_loss *loss, mlp_work *w, const int *yb, int B,
                      float *grad, long *correct);

/* The parameters that weight decay applies to: [0, end). */
long nct_decay_end(const nc_mlp *m, int decay_classifier);

/* Normalisation (when bn) and activation of n units over cols columns
 * (column j holds unit i at j*n + i).  The pre-activations come in xhat
 * (training mode with normalisation) or in A (otherwise).  Without normalisation
 * A = act(Z + beta).  With it, training mode: batch statistics, xhat becomes
 * (Z - mean) * invstd, A = act(gamma xhat + beta), and when stats is not
 * NULL the running mean and variance (stats[0..n), stats[n..2n)) move
 * towards the batch's by bn_momentum (the variance unbiased, as PyTorch);
 * evaluation mode: the running statistics in stats replace the batch's.
 * acc (2n doubles) and coef (3n floats) are scratch. */
void nct_act_forward(const nc_mlp *m, int n, long cols, int bn, const float *gamma,
                     const float *beta, int relu, int train, float *xhat, float *invstd, float *stats,
                     double bn_momentum, double *acc, float *coef, float *A);
/* dA (the gradient of the output A) becomes the gradient of the
 * pre-activations; dbeta receives the shift's (bias's) gradient and, with
 * normalisation, dgamma the scale's. */
void nct_act_backward(const nc_mlp *m, int n, long cols, int bn, float *dA, const float *A,
                      const float *xhat, const float *invstd, const float *gamma, int relu,
                      float *dgamma, float *dbeta, double *acc, float *coef);

/* Whether dense hidden layer l is normalised (mlp_model.c). */
int nct_layer_bn(const nc_mlp *m, int l);

/* Conv layer c (mlp_conv.c): forward from w->cin[c] into out (the next
 * layer's input, or A[0] after the last), and backward from the gradient of
 * its pooled output dpool, writing its parameter gradients and, for c > 0,
 * the gradient of its input into din. */
void nct_conv_forward(const nc_mlp *m, mlp_work *w, int c, int B, int train, float *stats,
                      double bn_momentum, float *out);
void nct_conv_backward(const nc_mlp *m, mlp_work *w, int c, int B, const float *dpool,
                       float *grad, float *din);

/* Pixels per sample at the input of conv layer c, and its input channels. */
long nct_conv_pixels(const nc_mlp *m, int c);
int nct_conv_cin(const nc_mlp *m, int c);

#endif
