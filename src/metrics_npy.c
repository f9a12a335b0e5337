/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Metrics streamed from a .npy file or .npz member under a memory bound:
 * see nc_metrics_npy in include/nc_metrics.h. */
#include "nc_metrics.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* Pass 2 takes at most this many samples per call (its blocks are sized
 * for it). */
#define PASS2_SLICE (1L << 16)
/* Chunks of features without a memory bound: about half a typical L3
 * cache, so that a chunk is still in cache when the pass reads it after
 * the copy from the file (16 MB chunks ran 1.1-1.3x the in-memory call,
 * 128 MB 1.6x, one 410 MB read 1.5-2.2x, on a 32 MB L3). */
#define DEFAULT_CHUNK_BYTES (16.0 * 1e6)

typedef struct {
    const char *name;
    long long N;
    double t0, last; /* start, last line printed */
} progress;

static void report(nc_ctx *ctx, progress *p, int pass, long long done, int last_of_pass)
{
    /* a line a second, and at the end of a pass that took that long */
    double now = nc_now();
    if (now - p->last < 1.0 && !(last_of_pass && now - p->t0 >= 1.0))
        return;
    p->last = now;
    double work = (double)(pass - 1) * p->N + done, total = 2.0 * p->N;
    char elapsed[32], left[32];
    nc_format_duration(now - p->t0, elapsed, sizeof elapsed);
    nc_format_duration((now - p->t0) / work * (total - work), left, sizeof left);
    nc_printf(ctx, "nc_metrics: %s: pass %d of 2, %lld of %lld samples (%.0f%%), %s elapsed, %s "
                   "left\n",
              p->name, pass, done, p->N, 100.0 * done / p->N, elapsed, left);
}

/* The bytes held with chunks of N samples: the chunk, the reader's
 * buffer and the workspace, whose pass-2 block grows with the chunk. */
static double held(const nc_npy *A, int rows, int d, int K, int with_W, nc_dtype out,
                   long long n)
{
    const long block = n < PASS2_SLICE ? (long)n : PASS2_SLICE;
    return nc_metrics_workspace_bytes(d, K, with_W, block) +
           (double)nc_npy_read_workspace(A, rows ? 0 : 1, n, rows, out) +
           (double)d * nc_dtype_size(out) * (double)n;
}

/* Samples per chunk: the most that MAX_MEMORY holds (a bisection: held()
 * grows with the chunk). */
static long long chunk_samples(nc_ctx *ctx, const nc_npy *A, int rows, int d, int K, int with_W,
                               nc_dtype out, long long N, double max_memory)
{
    const double least = held(A, rows, d, K, with_W, out, 1);
    if (!(least <= max_memory)) {
        nc_fail(ctx, NC_ENOMEM, "tooLarge",
                "%s: MaxMemory = %.4g bytes is less than the %.4g bytes that one sample of "
                "d = %d values and the workspace need; raise MaxMemory to at least that",
                nc_npy_name(A), max_memory, least, d);
        return 0;
    }
    long long lo = 1, hi = N;
    while (lo < hi) {
        long long mid = lo + (hi - lo + 1) / 2;
        if (held(A, rows, d, K, with_W, out, mid) <= max_memory)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

static nc_status add_pass(nc_ctx *ctx, nc_metrics_state *st, int pass, long long n,
                          const void *H, int single, const int *y, const double *W,
                          const double *b)
{
    if (pass == 1)
        return nc_metrics_add_pass1(ctx, st, (long)n, H, single, st->d, y);
    const size_t item = single ? sizeof(float) : sizeof(double);
    for (long long j0 = 0; j0 < n; j0 += PASS2_SLICE) {
        long long nb = n - j0 < PASS2_SLICE ? n - j0 : PASS2_SLICE;
        const char *h = (const char *)H + (size_t)j0 * (size_t)st->d * item;
        if (nc_metrics_add_pass2(ctx, st, (long)nb, h, single, st->d, y + j0, W, b) != NC_OK ||
            (j0 + nb < n && nc_interrupted(ctx)))
            return ctx->status;
    }
    return NC_OK;
}

nc_status nc_metrics_npy(nc_ctx *ctx, nc_npy *A, int samples_are_rows, int K, const int *y,
                         const double *W, const double *b, nc_weighting weighting,
                         double rank_tol, double max_memory, nc_metrics_state *st,
                         nc_metrics_result *res)
{
    const nc_npy_header *h = nc_npy_info(A);
    const char *name = nc_npy_name(A);
    const long long N = samples_are_rows ? h->shape[0] : h->shape[1];
    const long long dl = samples_are_rows ? h->shape[1] : h->shape[0];
    if (h->ndim > 2 || N < 1 || dl < 1 || dl > INT_MAX / 2 || N > LONG_MAX / 2)
        return nc_fail(ctx, NC_EBADARG, "badSize",
                       "%s: features of shape (%lld, %lld) hold no sample or too many", name,
                       h->shape[0], h->shape[1]);
    const int d = (int)dl, single = h->dtype == NC_DT_FLOAT16 || h->dtype == NC_DT_FLOAT32;
    const size_t item = single ? sizeof(float) : sizeof(double);
    const nc_dtype out = single ? NC_DT_FLOAT32 : NC_DT_FLOAT64;
    const double per = (double)d * (double)item, by_default = floor(DEFAULT_CHUNK_BYTES / per);
    const long long chunk =
        max_memory > 0 ? chunk_samples(ctx, A, samples_are_rows, d, K, W != NULL, out, N, max_memory)
        : by_default >= (double)N ? N
                                  : (long long)(by_default > 1 ? by_default : 1);
    if (!chunk)
        return ctx->status;
    const int verbose = st->verbose, zero_based = st->zero_based;
    if (nc_metrics_state_alloc(ctx, st, d, K, weighting, rank_tol) != NC_OK)
        return ctx->status;
    st->verbose = verbose;
    st->zero_based = zero_based;
    void *buf = nc_alloc(ctx, (size_t)chunk * (size_t)d, item);
    progress p = {name, N, nc_now(), nc_now()};
    const int resident = chunk == N; /* read once, both passes on memory */
    for (int pass = 1; buf && pass <= 2 && ctx->status == NC_OK; ++pass) {
        for (long long j0 = 0; j0 < N; j0 += chunk) {
            const long long nb = N - j0 < chunk ? N - j0 : chunk;
            if ((pass == 1 || !resident) &&
                nc_npy_read(ctx, A, samples_are_rows ? 0 : 1, j0, nb, samples_are_rows, out,
                            buf) != NC_OK)
                break;
            if (add_pass(ctx, st, pass, nb, buf, single, y + j0, W, b) != NC_OK ||
                nc_interrupted(ctx))
                break;
            if (verbose)
                report(ctx, &p, pass, j0 + nb, j0 + nb == N);
        }
        if (pass == 1 && ctx->status == NC_OK)
            nc_metrics_end_pass1(ctx, st);
    }
    nc_free(ctx, buf);
    if (ctx->status == NC_OK && nc_metrics_finish(ctx, st, W, res) == NC_OK && verbose) {
        double t = nc_now() - p.t0, bytes = (double)N * d * item * (resident ? 1 : 2);
        char took[32];
        nc_format_duration(t, took, sizeof took);
        const double chunk_mb = (double)chunk * d * item / 1e6;
        nc_printf(ctx, "nc_metrics: %s: %lld samples of d = %d in %s, %s (chunks of %lld "
                       "samples, %.*f MB), %.0f MB/s\n",
                  name, N, d, took, resident ? "read once" : "read twice", chunk,
                  chunk_mb < 10 ? 2 : 0, chunk_mb, bytes / 1e6 / (t > 0 ? t : 1e-9));
    }
    if (ctx->status != NC_OK)
        nc_metrics_state_free(ctx, st);
    return ctx->status;
}
