/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fortran BLAS and LAPACK prototypes (gfortran ABI: trailing hidden
 * lengths for character arguments, passed explicitly so that LAPACK built
 * with newer gfortran is called correctly). */
#ifndef NC_LAPACK_H
#define NC_LAPACK_H

#include <stddef.h>
#include <stdint.h>

/* The integer type of the BLAS/LAPACK the core links against: 32-bit for
 * the reference and OpenBLAS libraries Octave uses, 64-bit (-DNC_BLAS_INT64)
 * for MATLAB's libmwblas/libmwlapack and Debian's libopenblas64. */
#ifdef NC_BLAS_INT64
typedef int64_t nc_blas_int;
#else
typedef int32_t nc_blas_int;
#endif

void dgemm_(const char *ta, const char *tb, const nc_blas_int *m, const nc_blas_int *n,
            const nc_blas_int *k, const double *alpha, const double *a,
            const nc_blas_int *lda, const double *b, const nc_blas_int *ldb,
            const double *beta, double *c, const nc_blas_int *ldc, size_t, size_t);
void sgemm_(const char *ta, const char *tb, const nc_blas_int *m, const nc_blas_int *n,
            const nc_blas_int *k, const float *alpha, const float *a, const nc_blas_int *lda,
            const float *b, const nc_blas_int *ldb, const float *beta, float *c,
            const nc_blas_int *ldc, size_t, size_t);
void dsyrk_(const char *uplo, const char *trans, const nc_blas_int *n, const nc_blas_int *k,
            const double *alpha, const double *a, const nc_blas_int *lda, const double *beta,
            double *c, const nc_blas_int *ldc, size_t, size_t);
void dgemv_(const char *t, const nc_blas_int *m, const nc_blas_int *n, const double *alpha,
            const double *a, const nc_blas_int *lda, const double *x, const nc_blas_int *incx,
            const double *beta, double *y, const nc_blas_int *incy, size_t);
void dgesvd_(const char *jobu, const char *jobvt, const nc_blas_int *m, const nc_blas_int *n,
             double *a, const nc_blas_int *lda, double *s, double *u, const nc_blas_int *ldu,
             double *vt, const nc_blas_int *ldvt, double *work, const nc_blas_int *lwork,
             nc_blas_int *info, size_t, size_t);
void dgesdd_(const char *jobz, const nc_blas_int *m, const nc_blas_int *n, double *a,
             const nc_blas_int *lda, double *s, double *u, const nc_blas_int *ldu, double *vt,
             const nc_blas_int *ldvt, double *work, const nc_blas_int *lwork,
             nc_blas_int *iwork, nc_blas_int *info, size_t);
void dsyev_(const char *jobz, const char *uplo, const nc_blas_int *n, double *a,
            const nc_blas_int *lda, double *w, double *work, const nc_blas_int *lwork,
            nc_blas_int *info, size_t, size_t);
void dpotrf_(const char *uplo, const nc_blas_int *n, double *a, const nc_blas_int *lda,
             nc_blas_int *info, size_t);
void dpotrs_(const char *uplo, const nc_blas_int *n, const nc_blas_int *nrhs, const double *a,
             const nc_blas_int *lda, double *b, const nc_blas_int *ldb, nc_blas_int *info,
             size_t);

/* C = alpha op(A) op(B) + beta C, column-major, leading dimensions = rows. */
static inline void nc_gemm(char ta, char tb, int m, int n, int k, double alpha,
                           const double *a, int lda, const double *b, int ldb, double beta,
                           double *c, int ldc)
{
    if (m == 0 || n == 0)
        return;
    nc_blas_int M = m, Nn = n, Kk = k, LDA = lda, LDB = ldb, LDC = ldc;
    dgemm_(&ta, &tb, &M, &Nn, &Kk, &alpha, a, &LDA, b, &LDB, &beta, c, &LDC, 1, 1);
}

/* The same in single precision. */
static inline void nc_sgemm(char ta, char tb, int m, int n, int k, float alpha, const float *a,
                            int lda, const float *b, int ldb, float beta, float *c, int ldc)
{
    if (m == 0 || n == 0)
        return;
    nc_blas_int M = m, Nn = n, Kk = k, LDA = lda, LDB = ldb, LDC = ldc;
    sgemm_(&ta, &tb, &M, &Nn, &Kk, &alpha, a, &LDA, b, &LDB, &beta, c, &LDC, 1, 1);
}

#endif
