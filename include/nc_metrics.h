/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Neural-collapse metrics (docs/theory.md section 6).
 *
 * Features H are d x N (column j is sample j, leading dimension ldh >= d),
 * double or single; everything is accumulated in double.  Labels y[j] are
 * in 0..K-1 and every class needs at least one sample.
 *
 * Definitions (n_k class counts, mu_k class means, w_k class weights):
 *   Weighting "samples" (the paper's, default): w_k = n_k / N.
 *   Weighting "classes" (Papyan et al.):        w_k = 1 / K.
 *   centre c = sum_k w_k mu_k   (the sample mean, or the mean of class means)
 *   Sigma_W  = (1/N) sum_j (h_j - mu_yj)(h_j - mu_yj)^T   (both weightings)
 *   Sigma_B  = sum_k w_k (mu_k - c)(mu_k - c)^T = A A^T,  A = M_c diag(sqrt(w))
 *   NC1      = tr(Sigma_W Sigma_B^+) / K
 *
 * No d x d matrix is ever formed.  The thin SVD A = U S V^T (d x K, cheap)
 * gives Sigma_B^+ = U_r diag(1/s_r^2) U_r^T, so
 *   tr(Sigma_W Sigma_B^+) = sum_{r < rank} ||U_r^T (H - M_y)||^2 / (N s_r^2),
 * which needs only the projections of the centred samples onto the
 * columns of U: a product of size K x d x N, done by a fused AVX2 kernel
 * that centres each sample in L1 (threads: $NCUFM_THREADS, else the online
 * cores) or, on other machines and for K > 12 with W (K > 24 without), by
 * GEMM on blocks of centred samples.
 *
 * Rank rule of the pseudo-inverse: the eigenvalues lambda_r = s_r^2 of
 * Sigma_B (the nonzero ones are those of the K x K Gram problem A^T A) are
 * kept when lambda_r > rank_tol * lambda_1, rank_tol defaulting to
 * max(d, K) * eps, which is the tolerance Octave's pinv applies to the d x d
 * Sigma_B.  The direction sqrt(w) is an exact null vector of A (because
 * M_c w = 0 by the choice of the centre); it is projected out before the
 * SVD so that rounding in the centring can never add a spurious rank.
 * Rank 0 (all class means equal) makes NC1 undefined: NaN.
 *
 * Exactness in two passes: U depends on every class mean, and projecting a
 * sample onto U needs U, so an exact one-pass method would have to keep the
 * d x d second moment (O(d^2) memory and cancellation in E[hh^T] - mu mu^T).
 * Instead pass 1 accumulates class counts and sums; pass 2 reads the same
 * samples again and accumulates statistics of the centred samples h - mu_y.
 * Chunked accumulation performs the pass-1 sums in exactly the order of the
 * whole-matrix call, so chunked and whole agree to rounding in pass 2 only.
 */
#ifndef NC_METRICS_H
#define NC_METRICS_H

#include "nc_npy.h"
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

/* Sufficient statistics of the two passes.  Plain caller-visible arrays so
 * that a gateway can keep them between calls (e.g. in an Octave struct);
 * nc_metrics_state_alloc allocates them through the context. */
typedef struct {
    int d, K;
    nc_weighting weighting;
    double rank_tol;    /* <= 0: max(d, K) * eps */
    int pass;           /* 1: class sums; 2: centred statistics (after nc_metrics_end_pass1) */
    int verbose;        /* print progress with time left in nc_metrics_compute */
    int zero_based;     /* the caller writes labels 0..K-1 (else 1..K): for messages only */
    /* pass 1 */
    double *counts;     /* K */
    double *sums;       /* d x K */
    /* fixed by nc_metrics_end_pass1 */
    double *means;      /* d x K */
    double *centre;     /* d */
    double *basis;      /* d x K: columns 0..rank-1 are U_r */
    double *eig;        /* K: eigenvalues of Sigma_B (min(d,K) computed, rest 0), descending */
    int rank;
    /* pass 2 */
    double *counts2;    /* K: samples seen in pass 2, must equal counts at the end */
    double *proj_sq;    /* K: sum_j (u_r^T (h_j - mu_yj))^2 */
    double *class_sq;   /* K: sum over class k of ||h - mu_k||^2 */
    double tally[3];    /* ncc_correct, classifier_correct, disagreements (NCC vs classifier) */
} nc_metrics_state;

/* An upper bound of the bytes the metrics of d features and K classes
 * allocate (state, pass-2 workspace, the K x K results), with W or not,
 * when pass 2 is given at most BLOCK samples per call (nc_metrics_compute
 * gives at most 65536). */
double nc_metrics_workspace_bytes(int d, int K, int with_W, long block);
/* Fails with ncufm:tooLarge when that workspace exceeds the memory
 * available (nc_check_memory: physical memory and the process limits),
 * before anything is allocated. */
nc_status nc_metrics_check_size(nc_ctx *ctx, int d, int K, int with_W);

/* Allocates and zeroes every array of ST (d >= 1, K >= 2), after
 * nc_metrics_check_size. */
nc_status nc_metrics_state_alloc(nc_ctx *ctx, nc_metrics_state *st, int d, int K,
                                 nc_weighting weighting, double rank_tol);
void nc_metrics_state_free(nc_ctx *ctx, nc_metrics_state *st);

/* Pass 1: adds n samples (H double, or float when is_single) to the class
 * sums.  Labels are checked (0..K-1) before anything is added; a NaN or Inf
 * in H is detected from the sums after the chunk (ncufm:badFeatures), and
 * after that error, or an interrupt, the state must be discarded. */
nc_status nc_metrics_add_pass1(nc_ctx *ctx, nc_metrics_state *st, long n, const void *H,
                               int is_single, long ldh, const int *y);
/* Ends pass 1: class means, centre, the basis U and the rank.  Fails
 * (ncufm:emptyClass) when a class has no sample. */
nc_status nc_metrics_end_pass1(nc_ctx *ctx, nc_metrics_state *st);
/* Pass 2: the same samples again (any chunking, any order).  W (K x d,
 * leading dimension K) and b (K) are optional (NULL); with W the
 * classifier's agreement with the nearest class mean is tallied. */
nc_status nc_metrics_add_pass2(nc_ctx *ctx, nc_metrics_state *st, long n, const void *H,
                               int is_single, long ldh, const int *y, const double *W,
                               const double *b);

typedef struct {
    double nc1;             /* tr(Sigma_W Sigma_B^+)/K */
    int rank;               /* rank used for Sigma_B^+ */
    double tr_sw, tr_sb;    /* traces of Sigma_W and Sigma_B */
    double cdnv;            /* mean of CDNV over pairs i < j */
    double equinorm_means;  /* std/mean of ||mu_k - c||, std normalised by K-1 */
    double equiangular_means; /* mean over i < j of |cos(mc_i, mc_j) + 1/(K-1)| */
    double etf_means;       /* ||G/||G||_F - (I - 11'/K)/sqrt(K-1)||_F, G = M_c' M_c */
    double ncc_accuracy;    /* fraction of samples whose nearest class mean is their class */
    /* NaN when W is not given: */
    double equinorm_W, equiangular_W, etf_W; /* the same for the rows w_k (G = W W') */
    double nc3;             /* ||W'/||W||_F - M_c/||M_c||_F||_F */
    double nc4;             /* fraction where argmax(W h + b) != nearest class mean */
    double accuracy;        /* fraction where argmax(W h + b) = label */
    /* arrays, caller-allocated (NULL: not wanted) */
    double *cdnv_matrix;    /* K x K, (var_i + var_j) / (2 ||mu_i - mu_j||^2), zero diagonal */
    double *class_var;      /* K: (1/n_k) sum ||h - mu_k||^2 */
    double *zbar;           /* K x K: W * means (only with W) */
} nc_metrics_result;

/* Computes the metrics from a state whose two passes are complete.  W and b
 * as in pass 2 (must be the same). */
nc_status nc_metrics_finish(nc_ctx *ctx, const nc_metrics_state *st, const double *W,
                            nc_metrics_result *res);

/* Everything in one call on a whole matrix (passes 1 and 2 over H).
 * The interrupt probe is consulted only between blocks of samples, never
 * after the last one, so an input that fits one block (N <= 65536 and
 * N d <= 2^24 on the fused route, N d <= 2^17 on the GEMM route) never
 * calls it: callers that count probes, like the trainers' per-batch
 * checks, see none. */
nc_status nc_metrics_compute(nc_ctx *ctx, int d, long N, int K, const void *H, int is_single,
                             long ldh, const int *y, const double *W, const double *b,
                             nc_weighting weighting, double rank_tol, nc_metrics_state *st,
                             nc_metrics_result *res);

/* The metrics of the features in an open 2-D array A (a .npy file or an
 * .npz member): its rows are the samples when samples_are_rows (shape
 * (N, d), what np.save(features) writes from a PyTorch batch), else its
 * columns (shape (d, N)).  y (N labels 0..K-1), W, b, weighting, rank_tol,
 * st->verbose and st->zero_based as in nc_metrics_compute.
 *
 * The samples are read in chunks as large as MAX_MEMORY bytes allow once
 * the workspace is counted (MAX_MEMORY <= 0: chunks of about 16 MB of
 * features, the workspace on top): when they all fit, the file is read
 * once and both passes run on memory; otherwise each pass reads the file
 * again, so the memory held stays below MAX_MEMORY whatever the file's
 * size (the N labels are the caller's).  Chunks of a C-order (N, d) file go straight
 * from the file into the d x n block the kernels consume, with no
 * transposition.  float16 and float32 files are processed as single,
 * everything else as double.  With st->verbose, progress lines with the
 * time left. */
nc_status nc_metrics_npy(nc_ctx *ctx, nc_npy *A, int samples_are_rows, int K, const int *y,
                         const double *W, const double *b, nc_weighting weighting,
                         double rank_tol, double max_memory, nc_metrics_state *st,
                         nc_metrics_result *res);

#ifdef __cplusplus
}
#endif

#endif
