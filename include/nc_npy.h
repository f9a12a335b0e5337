/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Reader of NumPy .npy files (format versions 1.0, 2.0 and 3.0) and .npz
 * archives (zip, stored or deflated members, zip64), for features, labels
 * and classifiers exported from PyTorch or NumPy.
 *
 * Accepted dtypes: i1 i2 i4 i8 u1 u2 u4 u8 b1 f2 f4 f8 with any byte-order
 * prefix (< little, > big, | and = this machine's, or none), C or Fortran
 * order, 0, 1 or 2 dimensions.  Values keep their kind: integers stay
 * integers of the same width, b1 becomes bytes 0/1, f2 becomes float (every
 * half-precision value is exactly a float).  Everything else is refused with
 * an identifier, and a message naming the file and what is wrong:
 *   ncufm:cannotOpen    the file cannot be opened
 *   ncufm:npyBadMagic   neither a .npy file nor a zip archive
 *   ncufm:npyVersion    a .npy version other than 1.0, 2.0, 3.0
 *   ncufm:npyBadHeader  the header dictionary is malformed
 *   ncufm:npyDtype      a dtype outside the list above
 *   ncufm:npyShape      more than 2 dimensions, or a shape whose size overflows
 *   ncufm:npyTruncated  the file ends before the header or the data does
 *   ncufm:npzBadZip     the zip structure is malformed or unsupported
 *   ncufm:npzMember     the member asked for is not in the archive
 *   ncufm:npzCorrupt    a deflated member does not inflate or fails its CRC
 *   ncufm:readFailed    an I/O error while reading
 *   ncufm:badRows       a range outside the array
 * Every size is computed with overflow checks, and the header is checked
 * against the size of the file (or member) before anything is allocated.
 */
#ifndef NC_NPY_H
#define NC_NPY_H

#include "ncufm.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    NC_DT_INT8,
    NC_DT_INT16,
    NC_DT_INT32,
    NC_DT_INT64,
    NC_DT_UINT8,
    NC_DT_UINT16,
    NC_DT_UINT32,
    NC_DT_UINT64,
    NC_DT_BOOL,
    NC_DT_FLOAT16,
    NC_DT_FLOAT32,
    NC_DT_FLOAT64,
    NC_DT_COUNT
} nc_dtype;

/* "int8", ..., "bool", "float16", "float32", "float64". */
const char *nc_dtype_name(nc_dtype t);
/* Bytes per value in memory: as in the file, but 4 for float16. */
int nc_dtype_size(nc_dtype t);
/* The type values are returned as: the same, but float32 for float16. */
nc_dtype nc_dtype_natural(nc_dtype t);

typedef struct {
    int version;           /* 1, 2 or 3 */
    char descr[8];         /* as written, e.g. "<i8" */
    nc_dtype dtype;
    int item;              /* bytes per value in the file */
    int swap;              /* 1: the file's byte order is not this machine's */
    int fortran_order;     /* 1: column-major on disk */
    int ndim;              /* 0, 1 or 2 */
    long long shape[2];    /* rows, columns as NumPy lists them; 1-D (n, 1); 0-D (1, 1) */
    long long data_offset; /* bytes before the data, from the start of the array */
    long long data_bytes;  /* shape[0] * shape[1] * item */
} nc_npy_header;

/* An open array: a .npy file or one member of an .npz archive. */
typedef struct nc_npy nc_npy;

/* Opens the array in PATH.  PATH is a .npy file, or an .npz archive with
 * MEMBER naming the array (as NumPy's np.load lists it, without ".npy").
 * With MEMBER NULL, "archive.npz:name" also names a member when the whole
 * string is not a file.  The header is parsed and checked against the
 * size of the data before anything else happens. */
nc_status nc_npy_open(nc_ctx *ctx, const char *path, const char *member, nc_npy **out);
void nc_npy_close(nc_ctx *ctx, nc_npy *a);
const nc_npy_header *nc_npy_info(const nc_npy *a);
/* "path" or "path:member", for messages. */
const char *nc_npy_name(const nc_npy *a);

/* Reads COUNT rows (axis 0) or columns (axis 1) from FIRST (0-based) into
 * DST, column-major: the selected block as NumPy indexes it (rows x
 * columns) when transpose is 0, its transpose when 1.  Values are converted
 * to OUT, which is nc_dtype_natural(dtype) (no conversion) or
 * NC_DT_FLOAT64 or NC_DT_FLOAT32 (any dtype, rounded like a C cast).  For a
 * C-order (N, d) feature file, rows with transpose = 1 are the d x n
 * matrix of samples as columns, read with no transposition at all. */
nc_status nc_npy_read(nc_ctx *ctx, nc_npy *a, int axis, long long first, long long count,
                      int transpose, nc_dtype out, void *dst);

/* The bytes nc_npy_read allocates for such a read of COUNT rows or
 * columns: 0 when the values go straight to DST, at most about 8 MB. */
long long nc_npy_read_workspace(const nc_npy *a, int axis, long long count, int transpose,
                                nc_dtype out);

/* What a file starts with: 1 a .npy file, 2 a zip archive (.npz).  Other
 * contents fail with ncufm:npyBadMagic. */
nc_status nc_npy_kind(nc_ctx *ctx, const char *path, int *kind);

/* The members of an .npz archive, in the archive's order, as np.load names
 * them (".npy" removed).  Free with nc_npz_free_names. */
nc_status nc_npz_names(nc_ctx *ctx, const char *path, char ***names, size_t *count);
void nc_npz_free_names(nc_ctx *ctx, char **names, size_t count);

#ifdef __cplusplus
}
#endif

#endif
