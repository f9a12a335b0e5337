/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Workspaces and linear algebra of the solver: the arena that carves every
 * workspace (measure, then assign), the problem's arrays, and the LAPACK
 * and BLAS calls with their arguments checked before they are made (so no
 * LAPACK argument error can reach the user). */
#include "solve_internal.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

double *ncs_take(ncs_arena *a, size_t count)
{
    if (count > SIZE_MAX / sizeof(double) - a->used) {
        a->overflow = 1;
        return NULL;
    }
    double *p = a->base ? a->base + a->used : NULL;
    a->used += count;
    return p;
}

size_t ncs_size2(ncs_arena *a, size_t x, size_t y)
{
    if (x != 0 && y > SIZE_MAX / x) {
        a->overflow = 1;
        return 0;
    }
    return x * y;
}

nc_status ncs_carve(nc_ctx *ctx, void (*layout)(ncs_arena *, void *, const void *),
                    void *object, const void *arg, double **block)
{
    ncs_arena a = {NULL, 0, 0};
    *block = NULL;
    layout(&a, object, arg);
    if (a.overflow)
        return nc_fail(ctx, NC_ENOMEM, "tooLarge", "the workspace size overflows");
    /* not zeroed: every array is written before it is read (at J = 1000
     * zeroing the ~300 MB would cost a tenth of an SVD) */
    *block = nc_alloc(ctx, a.used ? a.used : 1, sizeof(double));
    if (!*block)
        return ctx->status;
    ncs_arena b = {*block, 0, 0};
    layout(&b, object, arg);
    return NC_OK;
}

/* ---------------------------------------------------------------- problem */

static void problem_layout(ncs_arena *a, void *obj, const void *arg)
{
    ncs_problem *p = obj;
    size_t J = (size_t)p->J;
    (void)arg;
    p->k = ncs_take(a, J);
    p->n = ncs_take(a, J);
    p->r = ncs_take(a, J);
    p->s = ncs_take(a, J);
    p->sig = ncs_take(a, J);
    p->e = ncs_take(a, J);
    p->cd = ncs_take(a, J);
    /* flags kept as doubles' worth of bytes: one allocation for all */
    p->dfree = (unsigned char *)ncs_take(a, J / sizeof(double) + 1);
}

nc_status ncs_problem_init(ncs_problem *p, nc_ctx *ctx, int J, const double *k,
                           const double *n, double lZ, double lb)
{
    memset(p, 0, sizeof *p);
    p->ctx = ctx;
    p->J = J;
    p->lZ = lZ;
    p->lb = lb;
    p->JJ = (size_t)J * (size_t)J;
    p->m = p->JJ + 2 * (size_t)J;
    nc_status st = ncs_carve(ctx, problem_layout, p, NULL, &p->block);
    if (st)
        return st;
    double K = 0, N = 0, rr = 0;
    for (int j = 0; j < J; ++j) {
        p->k[j] = k[j];
        p->n[j] = n[j];
        K += k[j];
        N += k[j] * n[j];
        rr += k[j];
    }
    p->K = K;
    p->N = N;
    for (int j = 0; j < J; ++j) {
        p->r[j] = sqrt(k[j]);
        p->s[j] = sqrt(k[j] * n[j]);
        p->sig[j] = k[j] > 1 ? sqrt((k[j] - 1) * n[j]) : 0.0;
        p->e[j] = p->r[j] / sqrt(rr);
        p->cd[j] = k[j] > 1 ? lZ * sqrt(k[j] - 1) : 0.0;
        /* a group collapses exactly when lZ >= sqrt(n_j)/N (docs/solver.md):
         * the derivative of the objective in delta_j at delta_j = 0 is
         * (k_j - 1)(lZ sqrt(n_j) - n_j/N), whatever the other variables */
        p->dfree[j] = k[j] > 1 && lZ * N < sqrt(n[j]);
        p->nd += p->dfree[j];
    }
    return NC_OK;
}

void ncs_problem_free(ncs_problem *p)
{
    if (p->ctx)
        nc_free(p->ctx, p->block);
    p->block = NULL;
}

/* ------------------------------------------------------------------ BLAS */

void ncs_gemm(char ta, char tb, int m, int n, int k, double alpha, const double *A, int lda,
              const double *B, int ldb, double beta, double *C, int ldc)
{
    if (m <= 0 || n <= 0)
        return;
    if (k <= 0) { /* BLAS would read nothing and scale C: do it here */
        for (int j = 0; j < n; ++j)
            for (int i = 0; i < m; ++i)
                C[i + (size_t)j * ldc] = beta == 0 ? 0.0 : beta * C[i + (size_t)j * ldc];
        return;
    }
    nc_blas_int M = m, Nn = n, Kk = k, LDA = lda, LDB = ldb, LDC = ldc;
    dgemm_(&ta, &tb, &M, &Nn, &Kk, &alpha, A, &LDA, B, &LDB, &beta, C, &LDC, 1, 1);
}

void ncs_sgemm(char ta, char tb, int m, int n, int k, const float *A, const float *B, float *C)
{
    nc_blas_int M = m, Nn = n, Kk = k, LDA = ta == 'N' ? m : k, LDB = tb == 'N' ? k : n, LDC = m;
    float one = 1, zero = 0;
    if (m > 0 && n > 0 && k > 0)
        sgemm_(&ta, &tb, &M, &Nn, &Kk, &one, A, &LDA, B, &LDB, &zero, C, &LDC, 1, 1);
}

double ncs_dot(const double *a, const double *b, size_t n)
{
    double t = 0;
    for (size_t i = 0; i < n; ++i)
        t += a[i] * b[i];
    return t;
}

double ncs_norm2(const double *a, size_t n) { return sqrt(ncs_dot(a, a, n)); }

/* ------------------------------------------------------------------- SVD */

/* A workspace size from a LAPACK query: NaN, negative or beyond what the
 * integer type can pass are replaced by MINIMUM (LAPACK's documented
 * minimum for the driver), so the driver never sees an invalid LWORK. */
static size_t checked_lwork(double query, size_t minimum)
{
    double limit = (double)(sizeof(nc_blas_int) == 4 ? INT32_MAX : INT64_MAX) / 2;
    if (!(query >= (double)minimum) || !(query <= limit))
        return minimum;
    return (size_t)query + 1;
}

size_t ncs_svd_lwork(int J)
{
    nc_blas_int n = J, lwork = -1, info = 0;
    double wq = 0, wq2 = 0, dummy = 0;
    char all = 'A';
    /* workspace queries read no matrix */
    dgesvd_(&all, &all, &n, &n, &dummy, &n, &dummy, &dummy, &n, &dummy, &n, &wq, &lwork,
            &info, 1, 1);
    size_t need = checked_lwork(info == 0 ? wq : NAN, 5 * (size_t)J + 1);
    if (J >= NCS_SVD_DC_ORDER) {
        nc_blas_int iw = 0;
        dgesdd_(&all, &n, &n, &dummy, &n, &dummy, &dummy, &n, &dummy, &n, &wq2, &lwork, &iw,
                &info, 1);
        /* minimum for jobz = 'A': 4 J^2 + 7 J */
        size_t sdd = checked_lwork(info == 0 ? wq2 : NAN, 4 * (size_t)J * J + 7 * (size_t)J);
        if (sdd > need)
            need = sdd;
    }
    return need;
}

void ncs_svd_layout(ncs_arena *a, void *obj, const void *arg)
{
    ncs_svd *w = obj;
    const ncs_svd_arg *sa = arg;
    size_t J = (size_t)sa->J, JJ = ncs_size2(a, J, J);
    w->J = sa->J;
    w->a = ncs_take(a, JJ);
    w->u = ncs_take(a, JJ);
    w->vt = ncs_take(a, JJ);
    w->sv = ncs_take(a, J);
    w->lwork = ncs_svd_lwork(sa->J);
    w->work = ncs_take(a, w->lwork);
    /* 8 J integers for dgesdd, in doubles' room */
    w->iwork = (nc_blas_int *)ncs_take(a, 8 * J * sizeof(nc_blas_int) / sizeof(double) + 1);
}

nc_status ncs_svd_run(nc_ctx *ctx, ncs_svd *w, const double *A, int vectors)
{
    nc_blas_int n = w->J, info = 0, lwork = (nc_blas_int)w->lwork;
    size_t JJ = (size_t)w->J * (size_t)w->J;
    char job = vectors ? 'A' : 'N';
    for (size_t i = 0; i < JJ; ++i)
        if (!isfinite(A[i]))
            return nc_fail(ctx, NC_ENUMERIC, "numericalFailure",
                           "the iterate left the range of double precision (a non-finite "
                           "entry); the problem is too badly scaled");
    memcpy(w->a, A, JJ * sizeof(double));
    if (vectors && w->J >= NCS_SVD_DC_ORDER) {
        dgesdd_(&job, &n, &n, w->a, &n, w->sv, w->u, &n, w->vt, &n, w->work, &lwork, w->iwork,
                &info, 1);
        if (info == 0)
            return NC_OK;
        memcpy(w->a, A, JJ * sizeof(double)); /* rare convergence failure: use dgesvd */
    }
    dgesvd_(&job, &job, &n, &n, w->a, &n, w->sv, w->u, &n, w->vt, &n, w->work, &lwork, &info, 1,
            1);
    if (info != 0)
        return nc_fail(ctx, NC_ENUMERIC, "lapackFailure",
                       "the SVD (dgesvd) did not converge (info = %ld)", (long)info);
    return NC_OK;
}
