/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Private to the metrics core: the fused pass-2 kernel. */
#ifndef NC_METRICS_KERNEL_H
#define NC_METRICS_KERNEL_H

/* Widest projection the fused kernel handles (GEMM rows, padded to 4). */
#define NC_KERNEL_MAX_ROWS 24

/* Nonzero when the fused AVX2/FMA kernel can run on this machine; tests set
 * nc_metrics_generic_only to exercise the portable GEMM route as well. */
int nc_metrics_kernel_available(void);
extern int nc_metrics_generic_only;

/* For columns j < nb of H (leading dimension ldh, float when is_single):
 * r_j = h_j - mu_{y_j}; ss[j] = ||r_j||^2; Q(:, j) = LT' r_j, where LT is
 * d x qp row-major (qp = 4 * nv, nv <= NC_KERNEL_MAX_ROWS / 4) and Q has
 * leading dimension qp.  One pass over H; r_j never leaves L1. */
void nc_metrics_project_avx2(int d, int nv, const double *LT, long nb, const void *H,
                             int is_single, long ldh, const int *y, const double *means,
                             double *Q, double *ss);

/* Pass 1 with AVX2: sums[:, y_j] += h_j for j < n, the same additions in
 * the same order as the portable loop. */
void nc_metrics_class_sums_avx2(int d, long n, const void *H, int is_single, long ldh,
                                const int *y, double *sums);

/* The same, split over nc_metrics_threads() threads when the block is
 * large enough. */
void nc_metrics_project(int d, int nv, const double *LT, long nb, const void *H, int is_single,
                        long ldh, const int *y, const double *means, double *Q, double *ss);
/* Threads for the fused kernel: $NCUFM_THREADS, else the online cores (<= 8). */
int nc_metrics_threads(void);

#endif
