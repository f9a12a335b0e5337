/* Neural-collapse metrics (paper.md section 6).  Owned by the metrics
 * work; this first part is the entry the trainers rely on. */
#ifndef NC_METRICS_H
#define NC_METRICS_H

#include "ncufm.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { NC_WEIGHT_SAMPLES = 0, NC_WEIGHT_CLASSES = 1 } nc_weighting;

/* NC1 = tr(Sigma_W Sigma_B^+)/K of features H (d x N, column j a sample,
 * leading dimension ldh >= d, double) with labels y[j] in 0..K-1.
 * Every class must have at least one sample. */
nc_status nc_metrics_nc1(nc_ctx *ctx, int d, long N, int K, const double *H, long ldh,
                         const int *y, nc_weighting weighting, double *nc1);

#ifdef __cplusplus
}
#endif

#endif
