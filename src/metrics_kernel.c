/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The fused pass-2 kernel of the metrics (see metrics_kernel.h).
 *
 * Why not GEMM: the projection has only q <= 24 rows (K basis vectors, K
 * classifier rows), and BLAS kernels for such skinny products run far below
 * peak and first copy (pack) the whole centred block.  Here each sample is
 * centred in L1, and q accumulators per sample stay in registers while the
 * small d x q matrix streams from L2, so the pass runs at memory speed. */
#define _POSIX_C_SOURCE 200809L
#include "metrics_kernel.h"

#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <unistd.h>

int nc_metrics_generic_only = 0;

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

int nc_metrics_kernel_available(void)
{
    static int cached = -1;
    if (cached < 0) {
        __builtin_cpu_init();
        cached = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    }
    return cached && !nc_metrics_generic_only;
}

/* Rows of the feature dimension centred at a time (2 x 2 KB on the stack). */
#define ROWS_PER_STEP 256

__attribute__((target("avx2,fma"))) static inline double
centre(int n, const void *h, int is_single, const double *mu, double *r)
{
    __m256d s4 = _mm256_setzero_pd();
    int i = 0;
    if (is_single) {
        const float *hf = (const float *)h;
        for (; i + 4 <= n; i += 4) {
            __m256d v = _mm256_sub_pd(_mm256_cvtps_pd(_mm_loadu_ps(hf + i)),
                                      _mm256_loadu_pd(mu + i));
            _mm256_storeu_pd(r + i, v);
            s4 = _mm256_fmadd_pd(v, v, s4);
        }
    } else {
        const double *hd = (const double *)h;
        for (; i + 4 <= n; i += 4) {
            __m256d v = _mm256_sub_pd(_mm256_loadu_pd(hd + i), _mm256_loadu_pd(mu + i));
            _mm256_storeu_pd(r + i, v);
            s4 = _mm256_fmadd_pd(v, v, s4);
        }
    }
    double s[4];
    _mm256_storeu_pd(s, s4);
    double ss = (s[0] + s[1]) + (s[2] + s[3]);
    for (; i < n; ++i) {
        double v = (is_single ? (double)((const float *)h)[i] : ((const double *)h)[i]) - mu[i];
        r[i] = v;
        ss += v * v;
    }
    return ss;
}

static inline const void *column_part(const void *H, int is_single, size_t offset)
{
    return is_single ? (const void *)((const float *)H + offset)
                     : (const void *)((const double *)H + offset);
}

/* NC samples against all NV vectors of LT.  NV and NC are constants at
 * each call site, so the NC x NV accumulators live in registers; several
 * samples at once give enough independent FMA chains to hide the FMA
 * latency (one chain per sample would stall on it). */
__attribute__((target("avx2,fma"), always_inline)) static inline void
project_cols(int NV, int NC, int d, const double *LT, const void *const *h, int is_single,
             const double *const *mu, double *const *q, double *ss)
{
    __m256d acc[4][6];
    double r[4][ROWS_PER_STEP], s[4] = {0, 0, 0, 0};
    _Pragma("GCC unroll 4") for (int c = 0; c < NC; ++c)
        _Pragma("GCC unroll 6") for (int v = 0; v < NV; ++v)
            acc[c][v] = _mm256_setzero_pd();
    for (int i0 = 0; i0 < d; i0 += ROWS_PER_STEP) {
        const int n = d - i0 < ROWS_PER_STEP ? d - i0 : ROWS_PER_STEP;
        _Pragma("GCC unroll 4") for (int c = 0; c < NC; ++c)
            s[c] += centre(n, column_part(h[c], is_single, (size_t)i0), is_single, mu[c] + i0,
                           r[c]);
        const double *lt = LT + (size_t)i0 * 4 * NV;
        for (int i = 0; i < n; ++i, lt += 4 * NV) {
            __m256d l[6];
            _Pragma("GCC unroll 6") for (int v = 0; v < NV; ++v)
                l[v] = _mm256_loadu_pd(lt + 4 * v);
            _Pragma("GCC unroll 4") for (int c = 0; c < NC; ++c) {
                const __m256d bc = _mm256_broadcast_sd(r[c] + i);
                _Pragma("GCC unroll 6") for (int v = 0; v < NV; ++v)
                    acc[c][v] = _mm256_fmadd_pd(l[v], bc, acc[c][v]);
            }
        }
    }
    _Pragma("GCC unroll 4") for (int c = 0; c < NC; ++c) {
        _Pragma("GCC unroll 6") for (int v = 0; v < NV; ++v)
            _mm256_storeu_pd(q[c] + 4 * v, acc[c][v]);
        ss[c] = s[c];
    }
}

/* Four samples at a time while NV <= 3 (4 x 3 accumulators), two above. */
#define PROJECT_CASE(NV)                                                                   \
    case NV:                                                                               \
        if (NV <= 3 && cols == 4)                                                          \
            project_cols(NV, 4, d, LT, h, is_single, mu, q, ss + j);                       \
        else if (NV > 3 && cols == 2)                                                      \
            project_cols(NV, 2, d, LT, h, is_single, mu, q, ss + j);                       \
        else                                                                               \
            project_cols(NV, 1, d, LT, h, is_single, mu, q, ss + j);                       \
        break;

__attribute__((target("avx2,fma"))) void
nc_metrics_project_avx2(int d, int nv, const double *LT, long nb, const void *H, int is_single,
                        long ldh, const int *y, const double *means, double *Q, double *ss)
{
    const int qp = 4 * nv, width = nv <= 3 ? 4 : 2;
    for (long j = 0; j < nb;) {
        const int cols = nb - j >= width ? width : 1;
        const void *h[4];
        const double *mu[4];
        double *q[4];
        for (int c = 0; c < cols; ++c) {
            h[c] = column_part(H, is_single, (size_t)(j + c) * (size_t)ldh);
            mu[c] = means + (size_t)y[j + c] * d;
            q[c] = Q + (size_t)(j + c) * qp;
        }
        switch (nv) {
            PROJECT_CASE(1)
            PROJECT_CASE(2)
            PROJECT_CASE(3)
            PROJECT_CASE(4)
            PROJECT_CASE(5)
            PROJECT_CASE(6)
        }
        j += cols;
    }
}

/* Pass 1: sums[:, y_j] += h_j.  Four independent lanes per vector keep
 * the loop at memory speed; the order of the additions into each sum is
 * the samples' order, as in the portable loop, so chunking cannot change
 * the class sums. */
__attribute__((target("avx2,fma"))) void
nc_metrics_class_sums_avx2(int d, long n, const void *H, int is_single, long ldh, const int *y,
                           double *sums)
{
    for (long j = 0; j < n; ++j) {
        double *sum = sums + (size_t)y[j] * (size_t)d;
        int i = 0;
        if (is_single) {
            const float *h = (const float *)H + (size_t)j * (size_t)ldh;
            for (; i + 4 <= d; i += 4)
                _mm256_storeu_pd(sum + i, _mm256_add_pd(_mm256_loadu_pd(sum + i),
                                                        _mm256_cvtps_pd(_mm_loadu_ps(h + i))));
            for (; i < d; ++i)
                sum[i] += h[i];
        } else {
            const double *h = (const double *)H + (size_t)j * (size_t)ldh;
            for (; i + 4 <= d; i += 4)
                _mm256_storeu_pd(sum + i,
                                 _mm256_add_pd(_mm256_loadu_pd(sum + i), _mm256_loadu_pd(h + i)));
            for (; i < d; ++i)
                sum[i] += h[i];
        }
    }
}

typedef struct {
    int d, nv, is_single;
    const double *LT, *means;
    long nb, ldh;
    const void *H;
    const int *y;
    double *Q, *ss;
} project_job;

static void *project_thread(void *arg)
{
    const project_job *p = (const project_job *)arg;
    nc_metrics_project_avx2(p->d, p->nv, p->LT, p->nb, p->H, p->is_single, p->ldh, p->y,
                            p->means, p->Q, p->ss);
    return NULL;
}

int nc_metrics_threads(void)
{
    const char *env = getenv("NCUFM_THREADS");
    long n = env ? strtol(env, NULL, 10) : sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : (n > 8 ? 8 : (int)n);
}

/* Each thread takes a contiguous range of samples; the outputs are disjoint
 * and every sample is computed the same way whatever the split, so the
 * results do not depend on the number of threads. */
void nc_metrics_project(int d, int nv, const double *LT, long nb, const void *H, int is_single,
                        long ldh, const int *y, const double *means, double *Q, double *ss)
{
    const size_t item = is_single ? sizeof(float) : sizeof(double);
    int T = nc_metrics_threads();
    if ((double)nb * d < 4e6 / 8 * T) /* too little work to pay for threads */
        T = 1;
    project_job jobs[8];
    pthread_t tid[8];
    int started = 0;
    for (int t = 0; t < T; ++t) {
        long j0 = nb * t / T, j1 = nb * (t + 1) / T;
        jobs[t] = (project_job){d, nv, is_single, LT, means, j1 - j0, ldh,
                                (const char *)H + (size_t)j0 * (size_t)ldh * item, y + j0,
                                Q + (size_t)j0 * 4 * nv, ss + j0};
    }
    for (int t = 1; t < T; ++t)
        if (pthread_create(&tid[t], NULL, project_thread, &jobs[t]) == 0)
            started |= 1 << t;
    project_thread(&jobs[0]);
    for (int t = 1; t < T; ++t) {
        if (started & (1 << t))
            pthread_join(tid[t], NULL);
        else /* no thread available: do that share here */
            project_thread(&jobs[t]);
    }
}

#else

int nc_metrics_kernel_available(void) { return 0; }
int nc_metrics_threads(void) { return 1; }
void nc_metrics_class_sums_avx2(int d, long n, const void *H, int is_single, long ldh,
                                const int *y, double *sums)
{
    (void)d, (void)n, (void)H, (void)is_single, (void)ldh, (void)y, (void)sums;
}
void nc_metrics_project(int d, int nv, const double *LT, long nb, const void *H, int is_single,
                        long ldh, const int *y, const double *means, double *Q, double *ss)
{
    (void)d, (void)nv, (void)LT, (void)nb, (void)H, (void)is_single, (void)ldh, (void)y;
    (void)means, (void)Q, (void)ss;
}

void nc_metrics_project_avx2(int d, int nv, const double *LT, long nb, const void *H,
                             int is_single, long ldh, const int *y, const double *means,
                             double *Q, double *ss)
{
    (void)d, (void)nv, (void)LT, (void)nb, (void)H, (void)is_single, (void)ldh, (void)y;
    (void)means, (void)Q, (void)ss;
}

#endif
