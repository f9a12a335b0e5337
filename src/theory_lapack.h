/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LAPACK prototypes used by the theory core only (gfortran ABI, hidden
 * string lengths passed explicitly), beside those of src/lapack.h. */
#ifndef NC_THEORY_LAPACK_H
#define NC_THEORY_LAPACK_H

#include "lapack.h"

/* LU factorisation and solve: the retraction onto the rank-r matrices
 * applies the inverse of the r x r core. */
void dgetrf_(const nc_blas_int *m, const nc_blas_int *n, double *a, const nc_blas_int *lda,
             nc_blas_int *ipiv, nc_blas_int *info);
void dgetrs_(const char *trans, const nc_blas_int *n, const nc_blas_int *nrhs, const double *a,
             const nc_blas_int *lda, const nc_blas_int *ipiv, double *b, const nc_blas_int *ldb,
             nc_blas_int *info, size_t);

#endif
