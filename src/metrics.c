/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Neural-collapse metrics without d x d matrices: see include/nc_metrics.h
 * for the definitions, the rank rule and why there are two passes. */
#include "nc_metrics.h"

#include "lapack.h"
#include "metrics_kernel.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Columns per pass-2 block: about 1 MB of centred samples, so that the
 * GEMM re-reads them from cache rather than from memory. */
static long block_columns(int d)
{
    long b = 131072L / (d > 0 ? d : 1);
    return b < 16 ? 16 : (b > 2048 ? 2048 : b);
}

/* The fused kernel keeps nothing per sample but q + 1 numbers, so its
 * blocks are as large as the progress and Ctrl-C checks allow. */
static long fused_block_columns(int d)
{
    long b = (1L << 24) / (d > 0 ? d : 1);
    return b < 64 ? 64 : b;
}

static double weight(const nc_metrics_state *st, int k, double N)
{
    return st->weighting == NC_WEIGHT_CLASSES ? 1.0 / st->K : st->counts[k] / N;
}

static double total_count(const nc_metrics_state *st)
{
    double N = 0;
    for (int k = 0; k < st->K; ++k)
        N += st->counts[k];
    return N;
}

/* Pass 2 never sees more samples at once than this (callers slice). */
#define PASS2_SLICE (1L << 16)

double nc_metrics_workspace_bytes(int d, int K, int with_W, long block)
{
    const int m = d < K ? d : K, q = m + (with_W ? K : 0);
    const int fused = q <= NC_KERNEL_MAX_ROWS && nc_metrics_kernel_available();
    const long n = block < 1 ? 1 : block > PASS2_SLICE ? PASS2_SLICE : block;
    const long B0 = fused ? fused_block_columns(d) : block_columns(d), B = n < B0 ? n : B0;
    const double dd = d, k = K, ldq = fused ? (q + 3) / 4 * 4 : q;
    const double state = 3 * dd * k + 5 * k + dd;
    const double svd = dd * k + 2 * dd + 8 * k + 64 * (dd + k); /* A, sv and gesvd's work */
    /* as nc_metrics_add_pass2 allocates: L, LT, Mc, C, D2, Z, R, Q */
    const double pass2 = dd * q + (fused ? dd * ldq : 0) + dd * k + (double)m * k + 2 * k * k +
                         (fused ? 1.0 : dd) * (double)B + ldq * (double)B;
    const double results = 2 * dd * k + 6 * k * k + 4 * k;
    return sizeof(double) * (state + (svd > pass2 ? svd : pass2) + results) + 4096;
}

nc_status nc_metrics_check_size(nc_ctx *ctx, int d, int K, int with_W)
{
    char what[160];
    const double bytes = nc_metrics_workspace_bytes(d, K, with_W, PASS2_SLICE);
    snprintf(what, sizeof what,
             "the metrics of d = %d features and K = %d classes (d x K class statistics, K x K "
             "results)",
             d, K);
    return nc_check_memory(ctx, bytes < 1.8e19 ? (size_t)bytes : SIZE_MAX, what);
}

nc_status nc_metrics_state_alloc(nc_ctx *ctx, nc_metrics_state *st, int d, int K,
                                 nc_weighting weighting, double rank_tol)
{
    memset(st, 0, sizeof *st);
    if (d < 1 || K < 2)
        return nc_fail(ctx, NC_EBADARG, "badSize",
                       "needs d >= 1 feature dimensions and K >= 2 classes (got d = %d, K = %d)",
                       d, K);
    if (nc_metrics_check_size(ctx, d, K, 1) != NC_OK)
        return ctx->status;
    st->d = d;
    st->K = K;
    st->weighting = weighting;
    st->rank_tol = rank_tol;
    st->pass = 1;
    size_t dk = (size_t)d * (size_t)K;
    st->counts = nc_calloc(ctx, (size_t)K, sizeof(double));
    st->sums = nc_calloc(ctx, dk, sizeof(double));
    st->means = nc_calloc(ctx, dk, sizeof(double));
    st->centre = nc_calloc(ctx, (size_t)d, sizeof(double));
    st->basis = nc_calloc(ctx, dk, sizeof(double));
    st->eig = nc_calloc(ctx, (size_t)K, sizeof(double));
    st->counts2 = nc_calloc(ctx, (size_t)K, sizeof(double));
    st->proj_sq = nc_calloc(ctx, (size_t)K, sizeof(double));
    st->class_sq = nc_calloc(ctx, (size_t)K, sizeof(double));
    if (!st->counts || !st->sums || !st->means || !st->centre || !st->basis || !st->eig ||
        !st->counts2 || !st->proj_sq || !st->class_sq) {
        nc_metrics_state_free(ctx, st);
        return ctx->status;
    }
    return NC_OK;
}

void nc_metrics_state_free(nc_ctx *ctx, nc_metrics_state *st)
{
    double **arrays[] = {&st->counts, &st->sums,    &st->means,   &st->centre,  &st->basis,
                         &st->eig,    &st->counts2, &st->proj_sq, &st->class_sq};
    for (size_t i = 0; i < sizeof arrays / sizeof arrays[0]; ++i) {
        nc_free(ctx, *arrays[i]);
        *arrays[i] = NULL;
    }
}

static nc_status check_labels(nc_ctx *ctx, const nc_metrics_state *st, long n, const int *y)
{
    for (long j = 0; j < n; ++j)
        if (y[j] < 0 || y[j] >= st->K)
            return nc_fail(ctx, NC_EBADARG, "badLabels",
                           "label %d of sample %ld is outside %d..%d", y[j] + !st->zero_based,
                           j + 1, !st->zero_based, st->K - 1 + !st->zero_based);
    return NC_OK;
}

static nc_status check_chunk(nc_ctx *ctx, const nc_metrics_state *st, long n, const void *H,
                             long ldh, const int *y, int want_pass)
{
    if (st->pass != want_pass)
        return nc_fail(ctx, NC_EBADARG, "badState",
                       want_pass == 1 ? "pass 1 is over: samples now go to pass 2"
                                      : "pass 2 needs the end of pass 1 first");
    if (!(st->K >= 2 && st->d >= 1))
        return nc_fail(ctx, NC_EBADARG, "badState", "the state has no classes or features");
    if (n < 0 || (n > 0 && (!H || !y)) || ldh < st->d)
        return nc_fail(ctx, NC_EBADARG, "badSize",
                       "chunk of %ld samples with leading dimension %ld (d = %d)", n, ldh,
                       st->d);
    return check_labels(ctx, st, n, y);
}

nc_status nc_metrics_add_pass1(nc_ctx *ctx, nc_metrics_state *st, long n, const void *H,
                               int is_single, long ldh, const int *y)
{
    if (check_chunk(ctx, st, n, H, ldh, y, 1) != NC_OK)
        return ctx->status;
    const int d = st->d;
    const int fused = nc_metrics_kernel_available();
    const long step = 65536;
    for (long j0 = 0; fused && j0 < n; j0 += step) {
        const long nb = n - j0 < step ? n - j0 : step;
        const size_t off = (size_t)j0 * (size_t)ldh * (is_single ? sizeof(float) : sizeof(double));
        nc_metrics_class_sums_avx2(d, nb, (const char *)H + off, is_single, ldh, y + j0,
                                   st->sums);
        for (long j = j0; j < j0 + nb; ++j)
            st->counts[y[j]] += 1;
        if (j0 + nb < n && nc_interrupted(ctx))
            return ctx->status;
    }
    for (long j = 0; j < n && !fused; ++j) {
        double *sum = st->sums + (size_t)y[j] * (size_t)d;
        if (is_single) {
            const float *h = (const float *)H + (size_t)j * (size_t)ldh;
            for (int i = 0; i < d; ++i)
                sum[i] += h[i];
        } else {
            const double *h = (const double *)H + (size_t)j * (size_t)ldh;
            for (int i = 0; i < d; ++i)
                sum[i] += h[i];
        }
        st->counts[y[j]] += 1;
        if ((j & 65535) == 65535 && j + 1 < n && nc_interrupted(ctx))
            return ctx->status;
    }
    /* Checking the K sums instead of every value keeps this a single pass
     * over H: a NaN or Inf anywhere in a class makes its sum non-finite. */
    for (int k = 0; k < st->K; ++k)
        for (int i = 0; i < d; ++i)
            if (!isfinite(st->sums[(size_t)k * d + i]))
                return nc_fail(ctx, NC_EBADARG, "badFeatures",
                               "H must be finite: the samples of class %d contain NaN or Inf "
                               "(or their sum overflows)",
                               k + 1);
    return NC_OK;
}

nc_status nc_metrics_end_pass1(nc_ctx *ctx, nc_metrics_state *st)
{
    if (st->pass != 1)
        return nc_fail(ctx, NC_EBADARG, "badState", "pass 1 has already ended");
    const int d = st->d, K = st->K, m = d < K ? d : K, base = !st->zero_based;
    int empty = 0, first_empty = -1;
    for (int k = 0; k < K; ++k)
        if (!(st->counts[k] > 0)) {
            empty += 1;
            first_empty = first_empty < 0 ? k : first_empty;
        }
    if (empty == K)
        return nc_fail(ctx, NC_EBADARG, "emptyClass",
                       "pass 1 has seen no sample: feed the chunks with S = nc_metrics (S, H, Y) "
                       "before 'pass2'");
    if (empty) {
        char others[48] = "";
        if (empty > 1)
            snprintf(others, sizeof others, " (nor have %d other classes)", empty - 1);
        return nc_fail(ctx, NC_EBADARG, "emptyClass",
                       "class %d (label %d) has no sample%s: every class %d..%d needs one "
                       "(give K as the number of classes present, or relabel them without "
                       "gaps)",
                       first_empty + 1, first_empty + base, others, base, K - 1 + base);
    }
    const double N = total_count(st);
    memset(st->centre, 0, (size_t)d * sizeof(double));
    for (int k = 0; k < K; ++k) {
        const double *s = st->sums + (size_t)k * d;
        double *mu = st->means + (size_t)k * d, wk = weight(st, k, N);
        for (int i = 0; i < d; ++i) {
            mu[i] = s[i] / st->counts[k];
            st->centre[i] += wk * mu[i];
        }
    }

    /* A = M_c diag(sqrt(w)) with its exact null vector sqrt(w) projected out. */
    double *A = nc_alloc(ctx, (size_t)d * K, sizeof(double));
    double *As = nc_calloc(ctx, (size_t)d, sizeof(double));
    double *sv = nc_alloc(ctx, (size_t)m, sizeof(double));
    if (!A || !As || !sv)
        goto fail;
    for (int k = 0; k < K; ++k) {
        const double *mu = st->means + (size_t)k * d;
        double *a = A + (size_t)k * d, sk = sqrt(weight(st, k, N));
        for (int i = 0; i < d; ++i) {
            a[i] = sk * (mu[i] - st->centre[i]);
            As[i] += sk * a[i];
        }
    }
    for (int k = 0; k < K; ++k) {
        double *a = A + (size_t)k * d, sk = sqrt(weight(st, k, N));
        for (int i = 0; i < d; ++i)
            a[i] -= As[i] * sk;
    }

    {
        nc_blas_int M = d, Nn = K, lda = d, ldu = d, ldvt = 1, lwork = -1, info = 0;
        double wq = 0, vt = 0;
        dgesvd_("S", "N", &M, &Nn, A, &lda, sv, st->basis, &ldu, &vt, &ldvt, &wq, &lwork,
                &info, 1, 1);
        lwork = info == 0 ? (nc_blas_int)wq : 0;
        double *work = info == 0 ? nc_alloc(ctx, (size_t)lwork, sizeof(double)) : NULL;
        if (work)
            dgesvd_("S", "N", &M, &Nn, A, &lda, sv, st->basis, &ldu, &vt, &ldvt, work, &lwork,
                    &info, 1, 1);
        nc_free(ctx, work);
        if (ctx->status != NC_OK)
            goto fail;
        if (info != 0) {
            nc_fail(ctx, NC_ENUMERIC, "lapackFailed",
                    "the SVD of the centred class means failed (dgesvd info = %d)", (int)info);
            goto fail;
        }
    }
    double tol = st->rank_tol > 0 ? st->rank_tol : (d > K ? d : K) * DBL_EPSILON;
    st->rank = 0;
    for (int r = 0; r < K; ++r) {
        st->eig[r] = r < m ? sv[r] * sv[r] : 0;
        if (r < m && st->eig[0] > 0 && st->eig[r] > tol * st->eig[0])
            st->rank = r + 1;
    }
    st->pass = 2;
    nc_free(ctx, A);
    nc_free(ctx, As);
    nc_free(ctx, sv);
    return NC_OK;
fail:
    nc_free(ctx, A);
    nc_free(ctx, As);
    nc_free(ctx, sv);
    return ctx->status;
}

/* Centred class means as columns, and their squared pairwise distances
 * computed from differences (never from ||a||^2 - 2 a'b + ||b||^2). */
static void centred_means(const nc_metrics_state *st, double *Mc, double *D2)
{
    const int d = st->d, K = st->K;
    for (int k = 0; k < K; ++k)
        for (int i = 0; i < d; ++i)
            Mc[(size_t)k * d + i] = st->means[(size_t)k * d + i] - st->centre[i];
    if (!D2)
        return;
    for (int k = 0; k < K; ++k)
        for (int l = 0; l < K; ++l) {
            double s = 0;
            const double *a = Mc + (size_t)k * d, *c = Mc + (size_t)l * d;
            for (int i = 0; i < d; ++i)
                s += (a[i] - c[i]) * (a[i] - c[i]);
            D2[(size_t)l * K + k] = s;
        }
}

nc_status nc_metrics_add_pass2(nc_ctx *ctx, nc_metrics_state *st, long n, const void *H,
                               int is_single, long ldh, const int *y, const double *W,
                               const double *b)
{
    if (check_chunk(ctx, st, n, H, ldh, y, 2) != NC_OK)
        return ctx->status;
    if (n == 0)
        return NC_OK;
    const int d = st->d, K = st->K, m = d < K ? d : K;
    const int q = m + (W ? K : 0);
    /* The fused kernel wants L' row by row, padded to whole AVX vectors;
     * the portable route centres a block and calls GEMM. */
    const int fused = q <= NC_KERNEL_MAX_ROWS && nc_metrics_kernel_available();
    const long B0 = fused ? fused_block_columns(d) : block_columns(d), B = n < B0 ? n : B0;
    /* L = [U, W'] (d x q), U all m left singular vectors of the weighted
     * centred means: one product L'(h - mu_y) per sample gives the
     * projections P = U'(h - mu_y) that NC1 needs and the classifier's
     * logits of the centred sample.  The centred means lie in the range of U
     * (up to rounding), so their inner products with h - mu_y, which the
     * nearest-class-mean rule needs, are C' P with the small C = U' M_c: no
     * extra rows in the product. */
    double *L = nc_alloc(ctx, (size_t)d * q, sizeof(double));
    double *Mc = nc_alloc(ctx, (size_t)d * K, sizeof(double));
    double *C = nc_alloc(ctx, (size_t)m * K, sizeof(double));
    double *D2 = nc_alloc(ctx, (size_t)K * K, sizeof(double));
    double *Z = W ? nc_calloc(ctx, (size_t)K * K, sizeof(double)) : NULL;
    const int ldq = fused ? (q + 3) / 4 * 4 : q;
    double *LT = fused ? nc_calloc(ctx, (size_t)d * ldq, sizeof(double)) : NULL;
    double *R = nc_alloc(ctx, fused ? (size_t)B : (size_t)d * B, sizeof(double));
    double *Q = nc_alloc(ctx, (size_t)ldq * B, sizeof(double));
    if (!L || !Mc || !C || !D2 || (W && !Z) || (fused && !LT) || !R || !Q)
        goto done;
    memcpy(L, st->basis, (size_t)d * m * sizeof(double));
    centred_means(st, Mc, D2);
    nc_gemm('T', 'N', m, K, d, 1.0, st->basis, d, Mc, d, 0.0, C, m);
    if (W) {
        for (int i = 0; i < d; ++i)
            for (int k = 0; k < K; ++k)
                L[(size_t)(m + k) * d + i] = W[(size_t)i * K + k];
        /* logits of the class means: W * means + b */
        nc_gemm('N', 'N', K, K, d, 1.0, W, K, st->means, d, 0.0, Z, K);
        if (b)
            for (int k = 0; k < K; ++k)
                for (int l = 0; l < K; ++l)
                    Z[(size_t)k * K + l] += b[l];
    }

    if (fused)
        for (int i = 0; i < d; ++i)
            for (int c = 0; c < q; ++c)
                LT[(size_t)i * ldq + c] = L[(size_t)c * d + i];

    for (long j0 = 0; j0 < n; j0 += B) {
        const long nb = n - j0 < B ? n - j0 : B;
        if (fused) {
            const size_t off = (size_t)j0 * (size_t)ldh * (is_single ? sizeof(float) : sizeof(double));
            nc_metrics_project(d, ldq / 4, LT, nb, (const char *)H + off, is_single, ldh,
                                    y + j0, st->means, Q, R);
            for (long j = 0; j < nb; ++j) {
                st->class_sq[y[j0 + j]] += R[j];
                st->counts2[y[j0 + j]] += 1;
            }
        }
        for (long j = 0; j < nb && !fused; ++j) {
            const int k = y[j0 + j];
            const double *mu = st->means + (size_t)k * d;
            double *r = R + (size_t)j * d, ss = 0;
            if (is_single) {
                const float *h = (const float *)H + (size_t)(j0 + j) * (size_t)ldh;
                for (int i = 0; i < d; ++i) {
                    r[i] = h[i] - mu[i];
                    ss += r[i] * r[i];
                }
            } else {
                const double *h = (const double *)H + (size_t)(j0 + j) * (size_t)ldh;
                for (int i = 0; i < d; ++i) {
                    r[i] = h[i] - mu[i];
                    ss += r[i] * r[i];
                }
            }
            st->class_sq[k] += ss;
            st->counts2[k] += 1;
        }
        if (!fused)
            nc_gemm('T', 'N', q, (int)nb, d, 1.0, L, d, R, d, 0.0, Q, q);
        for (long j = 0; j < nb; ++j) {
            const int k = y[j0 + j];
            const double *qj = Q + (size_t)j * ldq;
            for (int r = 0; r < m; ++r)
                st->proj_sq[r] += qj[r] * qj[r];
            /* ||h - mu_l||^2 = ||r||^2 + 2 r'(mc_k - mc_l) + ||mu_k - mu_l||^2 */
            int ncc = 0;
            double best = INFINITY;
            for (int l = 0; l < K; ++l) {
                double rmc = 0;
                for (int r = 0; r < m; ++r)
                    rmc += C[(size_t)l * m + r] * qj[r];
                double score = D2[(size_t)l * K + k] - 2 * rmc;
                if (score < best) {
                    best = score;
                    ncc = l;
                }
            }
            st->tally[0] += ncc == k;
            if (W) {
                /* W h + b = W (h - mu_k) + (W mu_k + b) */
                int cls = 0;
                double top = -INFINITY;
                for (int l = 0; l < K; ++l) {
                    double logit = qj[m + l] + Z[(size_t)k * K + l];
                    if (logit > top) {
                        top = logit;
                        cls = l;
                    }
                }
                st->tally[1] += cls == k;
                st->tally[2] += cls != ncc;
            }
        }
        if (j0 + nb < n && nc_interrupted(ctx))
            goto done;
    }
    for (int k = 0; k < K; ++k)
        if (!isfinite(st->class_sq[k])) {
            nc_fail(ctx, NC_EBADARG, "badFeatures",
                    "H must be finite: the samples of class %d contain NaN or Inf", k + 1);
            break;
        }
done:
    nc_free(ctx, L);
    nc_free(ctx, LT);
    nc_free(ctx, Mc);
    nc_free(ctx, C);
    nc_free(ctx, D2);
    nc_free(ctx, Z);
    nc_free(ctx, R);
    nc_free(ctx, Q);
    return ctx->status;
}

/* Coefficient of variation of the K norms (std normalised by K-1). */
static double equinorm(const double *norms, int K)
{
    double mean = 0, var = 0;
    for (int k = 0; k < K; ++k)
        mean += norms[k] / K;
    for (int k = 0; k < K; ++k)
        var += (norms[k] - mean) * (norms[k] - mean) / (K - 1);
    return sqrt(var) / mean;
}

/* From the Gram matrix G (K x K) of K vectors: the mean over pairs of
 * |cos + 1/(K-1)| and the Frobenius distance between G/||G||_F and the
 * normalised simplex ETF (I - 11'/K)/sqrt(K-1). */
static void gram_shape(const double *G, int K, double *equiangular, double *etf)
{
    double gf = 0, pairs = 0, dist = 0, sum = 0;
    for (size_t i = 0; i < (size_t)K * K; ++i)
        gf += G[i] * G[i];
    gf = sqrt(gf);
    for (int k = 0; k < K; ++k)
        for (int l = 0; l < K; ++l) {
            double target = ((k == l) - 1.0 / K) / sqrt(K - 1.0);
            double e = G[(size_t)l * K + k] / gf - target;
            dist += e * e;
            if (l > k) {
                double c = G[(size_t)l * K + k] / sqrt(G[(size_t)k * K + k] * G[(size_t)l * K + l]);
                sum += fabs(c + 1.0 / (K - 1));
                pairs += 1;
            }
        }
    *equiangular = sum / pairs;
    *etf = sqrt(dist);
}

nc_status nc_metrics_finish(nc_ctx *ctx, const nc_metrics_state *st, const double *W,
                            nc_metrics_result *res)
{
    if (st->pass != 2)
        return nc_fail(ctx, NC_EBADARG, "badState",
                       "the metrics need both passes: pass 1 has not ended (after feeding every "
                       "chunk once, call S = nc_metrics (S, 'pass2'), feed every chunk again, "
                       "then R = nc_metrics (S))");
    const int d = st->d, K = st->K;
    for (int k = 0; k < K; ++k)
        if (st->counts2[k] != st->counts[k])
            return nc_fail(ctx, NC_EBADARG, "badState",
                           "pass 2 saw %.0f samples of class %d, pass 1 saw %.0f: feed every "
                           "chunk of pass 1 again in pass 2 (any order) before R = nc_metrics (S)",
                           st->counts2[k], k + 1, st->counts[k]);
    const double N = total_count(st);
    double *Mc = nc_alloc(ctx, (size_t)d * K, sizeof(double));
    double *D2 = nc_alloc(ctx, (size_t)K * K, sizeof(double));
    double *G = nc_alloc(ctx, (size_t)K * K, sizeof(double));
    double *norms = nc_alloc(ctx, (size_t)K, sizeof(double));
    if (!Mc || !D2 || !G || !norms)
        goto done;
    centred_means(st, Mc, D2);

    res->rank = st->rank;
    res->nc1 = 0;
    for (int r = 0; r < st->rank; ++r)
        res->nc1 += st->proj_sq[r] / N / st->eig[r];
    res->nc1 = st->rank > 0 ? res->nc1 / K : NAN;
    res->tr_sw = 0;
    res->tr_sb = 0;
    nc_gemm('T', 'N', K, K, d, 1.0, Mc, d, Mc, d, 0.0, G, K);
    for (int k = 0; k < K; ++k) {
        res->tr_sw += st->class_sq[k] / N;
        res->tr_sb += weight(st, k, N) * G[(size_t)k * K + k];
        norms[k] = sqrt(G[(size_t)k * K + k]);
        if (res->class_var)
            res->class_var[k] = st->class_sq[k] / st->counts[k];
    }
    res->cdnv = 0;
    for (int k = 0; k < K; ++k)
        for (int l = 0; l < K; ++l) {
            double v = l == k ? 0
                              : (st->class_sq[k] / st->counts[k] + st->class_sq[l] / st->counts[l]) /
                                    (2 * D2[(size_t)l * K + k]);
            if (res->cdnv_matrix)
                res->cdnv_matrix[(size_t)l * K + k] = v;
            if (l > k)
                res->cdnv += v / (K * (K - 1) / 2.0);
        }
    res->equinorm_means = equinorm(norms, K);
    gram_shape(G, K, &res->equiangular_means, &res->etf_means);
    res->ncc_accuracy = st->tally[0] / N;

    res->equinorm_W = res->equiangular_W = res->etf_W = NAN;
    res->nc3 = res->nc4 = res->accuracy = NAN;
    if (W) {
        nc_gemm('N', 'T', K, K, d, 1.0, W, K, W, K, 0.0, G, K);
        for (int k = 0; k < K; ++k)
            norms[k] = sqrt(G[(size_t)k * K + k]);
        res->equinorm_W = equinorm(norms, K);
        gram_shape(G, K, &res->equiangular_W, &res->etf_W);
        double wf = 0, mf = 0, dist = 0;
        for (int k = 0; k < K; ++k)
            for (int i = 0; i < d; ++i) {
                wf += W[(size_t)i * K + k] * W[(size_t)i * K + k];
                mf += Mc[(size_t)k * d + i] * Mc[(size_t)k * d + i];
            }
        wf = sqrt(wf);
        mf = sqrt(mf);
        for (int k = 0; k < K; ++k)
            for (int i = 0; i < d; ++i) {
                double e = W[(size_t)i * K + k] / wf - Mc[(size_t)k * d + i] / mf;
                dist += e * e;
            }
        res->nc3 = sqrt(dist);
        res->nc4 = st->tally[2] / N;
        res->accuracy = st->tally[1] / N;
        if (res->zbar)
            nc_gemm('N', 'N', K, K, d, 1.0, W, K, st->means, d, 0.0, res->zbar, K);
    }
done:
    nc_free(ctx, Mc);
    nc_free(ctx, D2);
    nc_free(ctx, G);
    nc_free(ctx, norms);
    return ctx->status;
}

nc_status nc_metrics_compute(nc_ctx *ctx, int d, long N, int K, const void *H, int is_single,
                             long ldh, const int *y, const double *W, const double *b,
                             nc_weighting weighting, double rank_tol, nc_metrics_state *st,
                             nc_metrics_result *res)
{
    int verbose = st->verbose, zero_based = st->zero_based;
    if (N < 1)
        return nc_fail(ctx, NC_EBADARG, "badSize", "needs at least one sample");
    if (nc_metrics_state_alloc(ctx, st, d, K, weighting, rank_tol) != NC_OK)
        return ctx->status;
    st->verbose = verbose;
    st->zero_based = zero_based;
    double t0 = nc_now();
    if (nc_metrics_add_pass1(ctx, st, N, H, is_single, ldh, y) != NC_OK ||
        nc_metrics_end_pass1(ctx, st) != NC_OK)
        goto fail;
    /* Pass 2 in slices so that progress and Ctrl-C are seen on huge inputs. */
    const long slice = PASS2_SLICE;
    for (long j0 = 0; j0 < N; j0 += slice) {
        long nb = N - j0 < slice ? N - j0 : slice;
        size_t off = (size_t)j0 * (size_t)ldh * (is_single ? sizeof(float) : sizeof(double));
        if (nc_metrics_add_pass2(ctx, st, nb, (const char *)H + off, is_single, ldh, y + j0, W,
                                 b) != NC_OK ||
            (j0 + nb < N && nc_interrupted(ctx)))
            goto fail;
        if (verbose && j0 + nb < N) {
            double t = nc_now() - t0, left = t / (j0 + nb) * (N - j0 - nb);
            char buf[64];
            nc_format_duration(left, buf, sizeof buf);
            nc_printf(ctx, "nc_metrics: %ld of %ld samples, %s left\n", j0 + nb, N, buf);
        }
    }
    if (nc_metrics_finish(ctx, st, W, res) != NC_OK)
        goto fail;
    return NC_OK;
fail:
    nc_metrics_state_free(ctx, st);
    return ctx->status;
}

nc_status nc_metrics_nc1(nc_ctx *ctx, int d, long N, int K, const double *H, long ldh,
                         const int *y, nc_weighting weighting, double *nc1)
{
    nc_metrics_state st;
    nc_metrics_result res;
    memset(&st, 0, sizeof st);
    memset(&res, 0, sizeof res);
    if (nc_metrics_compute(ctx, d, N, K, H, 0, ldh, y, NULL, NULL, weighting, 0, &st, &res) !=
        NC_OK)
        return ctx->status;
    nc_metrics_state_free(ctx, &st);
    *nc1 = res.nc1;
    return NC_OK;
}
