/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The training run's bookkeeping (private to src/): records, whole-set
 * evaluation, checkpoints. */
#ifndef NC_MLP_RUN_H
#define NC_MLP_RUN_H

#include "mlp_net.h"

#include <stdint.h>

/* A data set as the caller gave it: p x N, float or double, labels 0..K-1. */
typedef struct {
    const void *X;
    int single;
    long N;
    const int *y;
} nct_data;

/* Whether 0-based epoch e is recorded: the first, every every-th, the last. */
int nct_is_record(int e, int epochs, int every);

nc_status nct_history_alloc(nc_ctx *ctx, int epochs, int every, int K, nc_mlp_history *h);
/* Doubles in the history's one block (what a checkpoint stores). */
size_t nct_history_doubles(const nc_mlp_history *h);

/* Appends a record for 0-based epoch e: the network in evaluation mode over
 * the whole training set (features into H, d x N floats) and the test set
 * (may have N = 0).  w: an evaluation workspace of NCT_EVAL_CHUNK columns. */
nc_status nct_evaluate(nc_ctx *ctx, const nc_mlp *m, const nc_mlp_opts *o, mlp_work *w,
                       const nct_data *train, const nct_data *test, float *H, int K,
                       nc_mlp_history *h, int e);

/* Identifies a run: everything that changes its trajectory or its records. */
uint64_t nct_fingerprint(const nc_mlp *m, const nc_mlp_opts *o, const int *drops, int n_drops,
                         const nct_data *train, const nct_data *test);

/* The optimiser's state has n_state floats. */
nc_status nct_checkpoint_save(nc_ctx *ctx, const char *path, uint64_t print, const nc_mlp *m,
                              const float *state, long n_state, const nc_mlp_history *h);
/* Fails now rather than after the first epoch when PATH cannot be written. */
nc_status nct_checkpoint_probe(nc_ctx *ctx, const char *path);
/* NC_OK with h->epochs_done = 0 when there is no file. */
nc_status nct_checkpoint_load(nc_ctx *ctx, const char *path, uint64_t print, nc_mlp *m,
                              float *state, long n_state, nc_mlp_history *h);

#endif
