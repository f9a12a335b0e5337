/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LAPACK prototypes used by the theory core only (gfortran ABI, hidden
 * string lengths passed explicitly), beside those of src/lapack.h. */
#ifndef NC_THEORY_LAPACK_H
#define NC_THEORY_LAPACK_H

#include "lapack.h"

/* Symmetric eigen-decomposition by relatively robust representations: much
 * faster than dsyev's QR iteration on the Newton systems (n ~ 10..50). */
void dsyevr_(const char *jobz, const char *range, const char *uplo, const nc_blas_int *n,
             double *a, const nc_blas_int *lda, const double *vl, const double *vu,
             const nc_blas_int *il, const nc_blas_int *iu, const double *abstol,
             nc_blas_int *m, double *w, double *z, const nc_blas_int *ldz, nc_blas_int *isuppz,
             double *work, const nc_blas_int *lwork, nc_blas_int *iwork,
             const nc_blas_int *liwork, nc_blas_int *info, size_t, size_t, size_t);

#endif
