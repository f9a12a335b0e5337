/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Reader of NumPy .npy files (format versions 1.0, 2.0 and 3.0), for
 * features and classifiers exported from PyTorch or NumPy.
 *
 * Accepted: dtype '<f4' (float32) or '<f8' (float64), fortran_order True or
 * False, shape of 1 or 2 dimensions.  Everything else is rejected with an
 * identifier:
 *   ncufm:cannotOpen    the file cannot be opened
 *   ncufm:npyBadMagic   not a .npy file
 *   ncufm:npyVersion    a version other than 1.0, 2.0, 3.0
 *   ncufm:npyBadHeader  the header dictionary is malformed
 *   ncufm:npyDtype      a dtype other than '<f4' and '<f8'
 *   ncufm:npyShape      0 or more than 2 dimensions, or sizes that overflow
 *   ncufm:npyTruncated  the file ends before the header or the data does
 *   ncufm:readFailed    an I/O error while reading
 */
#ifndef NC_NPY_H
#define NC_NPY_H

#include "ncufm.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int version;          /* 1, 2 or 3 */
    int is_single;        /* 1: '<f4', 0: '<f8' */
    int fortran_order;    /* 1: column-major on disk */
    int ndim;             /* 1 or 2 */
    long long shape[2];   /* rows, columns as NumPy lists them; 1-D: (n, 1) */
    long long data_offset; /* bytes before the data */
} nc_npy_header;

/* Parses and checks the header of PATH, including that the file holds all
 * of the data. */
nc_status nc_npy_read_header(nc_ctx *ctx, const char *path, nc_npy_header *hdr);

/* Reads rows row0 .. row0 + nrows - 1 (0-based, of the array as NumPy
 * indexes it) into DST, column-major: nrows x shape[1] when transpose is 0,
 * shape[1] x nrows when it is 1.  DST holds floats when hdr->is_single,
 * doubles otherwise.  For a C-order (N, d) feature matrix, transpose = 1
 * gives the d x N matrix of samples as columns with a plain copy. */
nc_status nc_npy_read(nc_ctx *ctx, const char *path, const nc_npy_header *hdr,
                      long long row0, long long nrows, int transpose, void *dst);

#ifdef __cplusplus
}
#endif

#endif
