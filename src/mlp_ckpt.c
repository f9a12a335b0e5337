/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Checkpoints of a training run: the parameters, the optimiser's state, the
 * normalisation statistics and the records, with a fingerprint of the
 * data and of every option that changes the trajectory, so that a resumed
 * run ends bitwise where an uninterrupted one would, and a file of another
 * run is refused.  Written to a temporary file, then renamed. */
#include "mlp_run.h"

#include <stdio.h>
#include <string.h>

static const char ckpt_magic[8] = {'N', 'C', 'M', 'L', 'P', 'C', 'K', '2'};
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

static uint64_t hash_data(uint64_t h, const nct_data *D, int p)
{
    long vals[] = {D->N, D->single};
    h = fnv(h, vals, sizeof vals);
    if (!D->N)
        return h;
    h = fnv(h, D->y, (size_t)D->N * sizeof *D->y);
    return fnv(h, D->X, (size_t)D->N * (size_t)p * (D->single ? sizeof(float) : sizeof(double)));
}

uint64_t nct_fingerprint(const nc_mlp *m, const nc_mlp_opts *o, const int *drops, int n_drops,
                         const nct_data *train, const nct_data *test)
{
    uint64_t h = 14695981039346656037ULL;
    double reals[] = {o->lr,          o->lr_drop,     o->momentum,    o->lambda_W,
                      o->lambda_H,    o->lambda_b,    o->warm_factor, o->weight_decay,
                      o->bn_momentum, o->bn_eps};
    long ints[] = {m->depth,           o->epochs,          o->batch,      (long)o->schedule,
                   n_drops,            o->warmup,          o->nesterov,   o->warm_epochs,
                   o->decay_classifier, m->batch_norm,     m->linear_features,
                   m->bn_features,     o->warm_ramp,
                   (long)o->seed,      o->history_every,   m->n_conv,     m->img_h,
                   m->img_w,           m->n_input};
    h = fnv(h, m->widths, sizeof m->widths);
    h = fnv(h, m->conv_ch, sizeof m->conv_ch);
    h = fnv(h, reals, sizeof reals);
    h = fnv(h, ints, sizeof ints);
    h = fnv(h, drops, (size_t)n_drops * sizeof *drops);
    if (o->init) { /* the starting point is part of the run */
        h = fnv(h, o->init->params, (size_t)o->init->n_params * sizeof(float));
        if (o->init->n_stats)
            h = fnv(h, o->init->stats, (size_t)o->init->n_stats * sizeof(float));
    }
    h = hash_data(h, train, m->n_input);
    return hash_data(h, test, m->n_input);
}

static void temp_name(char *buf, size_t len, const char *path)
{
    snprintf(buf, len, "%s.tmp", path);
}

nc_status nct_checkpoint_save(nc_ctx *ctx, const char *path, uint64_t print, const nc_mlp *m,
                              const float *state, long n_state, const nc_mlp_history *h)
{
    char tmp[4200];
    temp_name(tmp, sizeof tmp, path);
    FILE *f = fopen(tmp, "wb");
    if (!f)
        return nc_fail(ctx, NC_EIO, "checkpointWrite", "cannot write checkpoint %s", tmp);
    int32_t counts[2] = {h->epochs_done, h->count};
    int64_t sizes[3] = {m->n_params, m->n_stats, n_state};
    size_t hist = nct_history_doubles(h), np = (size_t)m->n_params, ns = (size_t)m->n_stats;
    int ok = fwrite(ckpt_magic, 1, 8, f) == 8 && fwrite(&print, sizeof print, 1, f) == 1 &&
             fwrite(counts, sizeof counts, 1, f) == 1 && fwrite(sizes, sizeof sizes, 1, f) == 1 &&
             fwrite(m->params, sizeof(float), np, f) == np &&
             (!ns || fwrite(m->stats, sizeof(float), ns, f) == ns) &&
             fwrite(state, sizeof(float), (size_t)n_state, f) == (size_t)n_state &&
             fwrite(h->lr, sizeof(double), hist, f) == hist && fwrite(ckpt_end, 1, 4, f) == 4;
    ok = (fclose(f) == 0) && ok;
    if (!ok || rename(tmp, path) != 0) {
        remove(tmp);
        return nc_fail(ctx, NC_EIO, "checkpointWrite", "cannot write checkpoint %s", path);
    }
    return NC_OK;
}

nc_status nct_checkpoint_probe(nc_ctx *ctx, const char *path)
{
    char tmp[4200];
    temp_name(tmp, sizeof tmp, path);
    FILE *f = fopen(tmp, "wb");
    if (!f)
        return nc_fail(ctx, NC_EIO, "checkpointWrite", "cannot write checkpoint %s", tmp);
    fclose(f);
    remove(tmp);
    return NC_OK;
}

nc_status nct_checkpoint_load(nc_ctx *ctx, const char *path, uint64_t print, nc_mlp *m,
                              float *state, long n_state, nc_mlp_history *h)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NC_OK;
    char magic[8], end[4];
    uint64_t stored;
    int32_t counts[2];
    int64_t sizes[3];
    size_t hist = nct_history_doubles(h), np = (size_t)m->n_params, ns = (size_t)m->n_stats;
    int ok = fread(magic, 1, 8, f) == 8 && memcmp(magic, ckpt_magic, 8) == 0 &&
             fread(&stored, sizeof stored, 1, f) == 1;
    if (ok && stored != print) {
        fclose(f);
        return nc_fail(ctx, NC_EBADARG, "badCheckpoint",
                       "checkpoint %s belongs to another run (different data or options); "
                       "delete it or name another Checkpoint file",
                       path);
    }
    ok = ok && fread(counts, sizeof counts, 1, f) == 1 && fread(sizes, sizeof sizes, 1, f) == 1 &&
         sizes[0] == m->n_params && sizes[1] == m->n_stats && sizes[2] == n_state &&
         counts[0] >= 0 && counts[0] <= h->epochs && counts[1] >= 0 &&
         counts[1] <= h->capacity && fread(m->params, sizeof(float), np, f) == np &&
         (!ns || fread(m->stats, sizeof(float), ns, f) == ns) &&
         fread(state, sizeof(float), (size_t)n_state, f) == (size_t)n_state &&
         fread(h->lr, sizeof(double), hist, f) == hist && fread(end, 1, 4, f) == 4 &&
         memcmp(end, ckpt_end, 4) == 0;
    fclose(f);
    if (!ok)
        return nc_fail(ctx, NC_EFORMAT, "badCheckpoint",
                       "checkpoint %s is truncated or not a checkpoint of nc_mlp_train; "
                       "delete it to start afresh",
                       path);
    h->epochs_done = counts[0];
    h->count = counts[1];
    h->resumed_from = counts[0];
    return NC_OK;
}
