/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Helpers shared by the UFM and MLP trainers (private to src/). */
#ifndef NC_MLP_UTIL_H
#define NC_MLP_UTIL_H

#include "ncufm.h"

/* For each column j of Z (K x N): adds b (may be NULL), accumulates the
 * cross-entropy against y[j], and overwrites the column with
 * scale * (softmax - e_y).  Returns the summed cross-entropy; *correct (may
 * be NULL) counts the columns whose argmax is y[j]. */
double nct_softmax_ce(int K, long N, double *Z, const double *b, const int *y, double scale,
                      long *correct);

/* The same for a float Z (K x N) and bias, each column handled in double. */
double nct_softmax_ce_f(int K, long N, float *Z, const float *b, const int *y, double scale,
                        long *correct);

/* Class means (d x K) of the columns of H (d x N, leading dimension d) with
 * labels y, and the class counts (K); classes without samples get a zero
 * mean. */
void nct_class_means(int d, long N, int K, const double *H, const int *y, double *means,
                     long *count);

/* NC1 through the metrics code; a degenerate case the metrics reject (for
 * instance all class means equal) gives NaN instead of an error.  Only
 * running out of memory and an interrupt are errors. */
nc_status nct_nc1_or_nan(nc_ctx *ctx, int d, long N, int K, const double *H, const int *y,
                         double *nc1);

/* The caller's interrupt probe, without recording an error yet (so that
 * the last state can still be summarised). */
int nct_stop_requested(nc_ctx *ctx);

#endif
