/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Data readers: IDX files (the MNIST family's format, gzip-compressed or
 * not), Fashion-MNIST from the Debian package dataset-fashion-mnist, and
 * seeded class-imbalanced subsets (docs/theory.md eq. (7.1)). */
#ifndef NC_DATA_H
#define NC_DATA_H

#include "ncufm.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Where the Debian package installs Fashion-MNIST; the environment
 * variable NC_FMNIST_ENV (a folder) overrides it. */
#define NC_FMNIST_DIR "/usr/share/datasets/fashion-mnist"
#define NC_FMNIST_ENV "NCUFM_FMNIST_DIR"

/* Header of an IDX file of unsigned bytes (type code 0x08). */
typedef struct {
    int ndim;        /* 1..3 */
    long dims[3];    /* each > 0 */
    long count;      /* product of dims */
} nc_idx_header;

/* Reads the header of PATH and checks its magic number.  Errors:
 * ncufm:noData (cannot open), ncufm:badIdx (malformed header). */
nc_status nc_idx_read_header(nc_ctx *ctx, const char *path, nc_idx_header *hdr);

/* Reads the whole file: checks that the header has NDIM dimensions (and the
 * given sizes where want[i] > 0), that exactly hdr->count bytes of data
 * follow, and nothing more.  OUT receives hdr->count bytes (caller-owned,
 * at least want_count bytes; want_count < hdr->count is an error). */
nc_status nc_idx_read(nc_ctx *ctx, const char *path, int ndim, const long *want,
                      unsigned char *out, long want_count, nc_idx_header *hdr);

typedef enum { NC_FMNIST_TRAIN = 0, NC_FMNIST_TEST = 1 } nc_fmnist_split;

/* Number of images of SPLIT in folder DIR (NULL: $NCUFM_FMNIST_DIR, else
 * NC_FMNIST_DIR), checking that image and label files agree. */
nc_status nc_fmnist_count(nc_ctx *ctx, const char *dir, nc_fmnist_split split, long *count);

/* Reads SPLIT: X (784 x count, column-major, pixels / 255 in [0,1]) and
 * labels y[j] in 0..9.  COUNT must be what nc_fmnist_count returned. */
nc_status nc_fmnist_read(nc_ctx *ctx, const char *dir, nc_fmnist_split split, long count,
                         float *X, int *y);

/* The paper's imbalanced Fashion-MNIST/CIFAR-10 subsets (classes 0..9). */
extern const double nc_dataset1_counts[10]; /* 4 x 5000, 3 x 4000, 3 x 3000 */
extern const double nc_dataset2_counts[10]; /* 4 x 5000, 2 x 3000, 4 x 1000 */

/* Draws counts[k] samples of each class k (0..K-1) from labels y[0..N-1]
 * without replacement, uniformly at random for SEED.  idx receives the
 * chosen 0-based positions, sorted by class and, within a class, in dataset
 * order; *chosen their number (sum of counts, at most N: a count above its
 * class's size is refused before anything is written, so idx needs N
 * entries whatever the counts).  Errors: ncufm:badLabels (a
 * label outside 0..K-1), ncufm:tooFewSamples (a class has fewer samples than
 * asked). */
nc_status nc_subset(nc_ctx *ctx, long N, const int *y, int K, const long *counts,
                    unsigned long seed, long *idx, long *chosen);

#ifdef __cplusplus
}
#endif

#endif
