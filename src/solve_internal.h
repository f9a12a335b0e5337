/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Internal interface of the solver (src/solve*.c); see docs/solver.md.
 *
 * One engine solves the reduced program at the level of groups: J groups,
 * group j holding k_j classes of n_j samples each.  The dense K x K problem
 * is the case J = K, k = 1; equal class counts make groups ("clusters") with
 * k_j > 1, and the optimum is block structured (docs/theory.md section 4).
 *
 * Variables, in coordinates that are isometric to the block-structured
 * subspace of the K x K problem (so step sizes and norms carry over):
 *   G  (J x J)  the between-group part of Y = Zbar D^{1/2} in the basis of
 *               normalised group indicators: G_ij = sqrt(k_i) c_ij s_j;
 *   d  (J)      d_j = sqrt((k_j - 1) n_j) delta_j >= 0, the within-group part
 *               (delta_j = Zbar_ll - Zbar_lm inside group j); only for
 *               k_j >= 2 below the collapse threshold lZ < sqrt(n_j)/N, where
 *               delta_j > 0; elsewhere delta_j = 0 exactly;
 *   bt (J)      bt_j = sqrt(k_j) b_j.
 * with s_j = sqrt(k_j n_j) and r_j = sqrt(k_j).  Then
 *   ||Zbar D^{1/2}||_* = ||G||_* + sum_j sqrt(k_j - 1) d_j,
 * the smooth part is a cross entropy over J + 1 "groups" of logits per
 * column (the other groups, the other classes of the own group, the true
 * class) with multiplicities, and the columns of G and bt are orthogonal to
 * e = r / |r| (adding a constant to a column's logits changes nothing).
 *
 * A point is one vector x = [G (J*J, column-major); d (J); bt (J)]. */
#ifndef NC_SOLVE_INTERNAL_H
#define NC_SOLVE_INTERNAL_H

#include "lapack.h"
#include "nc_solve.h"

#include <stddef.h>

/* LAPACK routines used only by the solver (beyond src/lapack.h). */
void dgetrf_(const nc_blas_int *m, const nc_blas_int *n, double *a, const nc_blas_int *lda,
             nc_blas_int *ipiv, nc_blas_int *info);
void dgetrs_(const char *trans, const nc_blas_int *n, const nc_blas_int *nrhs, const double *a,
             const nc_blas_int *lda, const nc_blas_int *ipiv, double *b, const nc_blas_int *ldb,
             nc_blas_int *info, size_t);
void dsytrf_(const char *uplo, const nc_blas_int *n, double *a, const nc_blas_int *lda,
             nc_blas_int *ipiv, double *work, const nc_blas_int *lwork, nc_blas_int *info, size_t);
void dsytrs_(const char *uplo, const nc_blas_int *n, const nc_blas_int *nrhs, const double *a,
             const nc_blas_int *lda, const nc_blas_int *ipiv, double *b, const nc_blas_int *ldb,
             nc_blas_int *info, size_t);
/* Singular values below this fraction of the largest are rounding noise. */
#define NCS_RANK_RTOL 1e-12
/* Above this order singular vectors come from dgesdd (about 4x faster than
 * dgesvd at order 1000); singular values that certify always come from
 * dgesvd. */
#define NCS_SVD_DC_ORDER 64

/* ---------------------------------------------------------------- workspace */

/* One way to carve workspaces: a layout function takes every array it needs
 * from an arena; run once without memory it measures (with overflow
 * checks), run again on one allocation it assigns.  Size and layout cannot
 * drift apart because they are the same code. */
typedef struct {
    double *base;  /* NULL while measuring */
    size_t used;   /* doubles taken so far */
    int overflow;  /* a size overflowed size_t */
} ncs_arena;

double *ncs_take(ncs_arena *a, size_t count);
/* count = a * b (* c), recording overflow in the arena. */
size_t ncs_size2(ncs_arena *a, size_t x, size_t y);
/* Runs LAYOUT(arena, object, arg) to measure, allocates (not zeroed), runs
 * it again to assign; *block receives the allocation (release with
 * nc_free). */
nc_status ncs_carve(nc_ctx *ctx, void (*layout)(ncs_arena *, void *, const void *),
                    void *object, const void *arg, double **block);

/* ------------------------------------------------------------------ problem */

typedef struct {
    nc_ctx *ctx;
    int J;
    double K, N, lZ, lb;
    double *k, *n;      /* classes per group, samples per class */
    double *r, *s;      /* sqrt(k), sqrt(k n) */
    double *sig;        /* sqrt((k - 1) n): d_j = sig_j delta_j */
    double *e;          /* r / |r| */
    double *cd;         /* lZ sqrt(k - 1): the linear cost of d */
    unsigned char *dfree; /* d_j is a variable */
    int nd;             /* number of free d */
    size_t JJ, m;       /* J*J and the length of a point, J*J + 2J */
    double *block;      /* the problem's own arrays */
} ncs_problem;

/* Groups from counts: k[j] classes of count n[j]. */
nc_status ncs_problem_init(ncs_problem *p, nc_ctx *ctx, int J, const double *k,
                           const double *n, double lZ, double lb);
void ncs_problem_free(ncs_problem *p);

static inline double *ncs_pG(const ncs_problem *p, double *x) { (void)p; return x; }
static inline double *ncs_pd(const ncs_problem *p, double *x) { return x + p->JJ; }
static inline double *ncs_pb(const ncs_problem *p, double *x) { return x + p->JJ + p->J; }
static inline const double *ncs_cG(const ncs_problem *p, const double *x) { (void)p; return x; }
static inline const double *ncs_cd(const ncs_problem *p, const double *x) { return x + p->JJ; }
static inline const double *ncs_cb(const ncs_problem *p, const double *x) { return x + p->JJ + p->J; }

/* ------------------------------------------------------------- smooth part */

/* Probabilities of one point: for column j (a class of group j), Q_ij is the
 * mass on group i != j and Q_jj the mass on the own group; qo and qt split
 * the own group into its other classes and the true class.  The masses
 * 1 - qt (off) and 1 - Q_jj (offG) are summed from the small terms, so they
 * stay accurate when predictions are confident. */
typedef struct {
    double *Q, *qo, *qt, *off, *offG;
} ncs_soft;

void ncs_soft_layout(ncs_arena *a, ncs_soft *sm, int J);

/* Smooth part f(x) = (1/N) sum_j k_j n_j CE_j + lb |bt|^2 + sum_j cd_j d_j
 * (everything but ||G||_*); fills sm; gradient into grad when not NULL
 * (projected onto the constraint subspace). */
double ncs_smooth(const ncs_problem *p, const double *x, ncs_soft *sm, double *grad);
/* hv = (Hessian of f at the point of sm) v, projected. */
void ncs_smooth_hessian(const ncs_problem *p, const ncs_soft *sm, const double *v, double *hv);
/* Removes the components along e of the columns of G and of bt, and zeroes
 * the d that are not variables. */
void ncs_project(const ncs_problem *p, double *x);
/* The same for COLS columns of a J x * matrix. */
void ncs_project_cols(const ncs_problem *p, double *A, int cols);

double ncs_dot(const double *a, const double *b, size_t n);
double ncs_norm2(const double *a, size_t n);

/* -------------------------------------------------------- linear algebra */

typedef struct {
    int J;
    double *a, *u, *vt, *sv, *work;
    nc_blas_int *iwork;
    size_t lwork;
} ncs_svd;

typedef struct {
    int J;
} ncs_svd_arg;

void ncs_svd_layout(ncs_arena *a, void *svd, const void *arg);
/* Sizes the LAPACK workspace by a query, checked (a non-finite or absurd
 * answer is replaced by the documented minimum), within MAX doubles. */
size_t ncs_svd_lwork(int J);
/* SVD of the J x J matrix A (not modified): values in sv, and with VECTORS
 * U in u and V^T in vt. */
nc_status ncs_svd_run(nc_ctx *ctx, ncs_svd *w, const double *A, int vectors);
/* C = alpha op(A) op(B) + beta C with int dimensions (column-major). */
void ncs_gemm(char ta, char tb, int m, int n, int k, double alpha, const double *A, int lda,
              const double *B, int ldb, double beta, double *C, int ldc);
/* The same in single precision. */
void ncs_sgemm(char ta, char tb, int m, int n, int k, const float *A, const float *B, float *C);

/* ------------------------------------------------------------- zero test */

/* The optimal bias when Zbar = 0, into bt. */
void ncs_bias_only(const ncs_problem *p, double *bt, double *work);
/* Whether Zbar = 0 is optimal for the bias bt of ncs_bias_only. */
nc_status ncs_zero_is_optimal(const ncs_problem *p, ncs_svd *svd, const double *bt,
                              double *M, int *is_zero);

/* ----------------------------------------------------------- certificate */

typedef struct {
    double primal, dual, gap;
    double kkt;         /* Frobenius norm of the smallest subgradient of the
                         * K x K objective at the point */
    double dist;        /* bound on max |Zbar - Zbar*|, |b - b*| (Inf: none) */
} ncs_cert;

typedef struct {
    ncs_soft sm, sm2;
    double *M, *vec;
    double *svG;        /* singular values of G at the last certified point */
} ncs_cert_ws;

void ncs_cert_layout(ncs_arena *a, ncs_cert_ws *w, int J);
/* Primal objective, dual value of the feasible dual point built from x, and
 * the gap.  When the relative gap of the plain construction exceeds TARGET,
 * a second one (clipped singular values) is tried and the better kept.
 * Overwrites svd. */
nc_status ncs_certify(const ncs_problem *p, const double *x, ncs_svd *svd, ncs_cert_ws *w,
                      double target, ncs_cert *c);
/* KKT residual and distance bound at x (rank r of G), from the SVD of G
 * with vectors that svd holds on entry (it is left intact); grad is
 * scratch of length m. */
nc_status ncs_point_bound(const ncs_problem *p, const double *x, ncs_svd *svd, int r,
                          ncs_cert_ws *w, double *grad, ncs_cert *c);

/* ------------------------------------------------------------ first order */

typedef struct {
    double *x, *xp, *xz, *g, *xt;
    double theta, rho;
    int rank;
} ncs_fista;

void ncs_fista_layout(ncs_arena *a, ncs_fista *f, const ncs_problem *p);
void ncs_fista_reset(ncs_fista *f, const ncs_problem *p);
/* One accelerated proximal gradient step from f->x. */
nc_status ncs_fista_step(const ncs_problem *p, ncs_fista *f, ncs_svd *svd, ncs_soft *sm);
/* Rank of G at its singular values (after svd of G, values). */
int ncs_rank_of(const double *sv, int J);

/* -------------------------------------------------------- preconditioner */

typedef struct {
    int J, ok;
    double *c1, *c2, *E, *lw;  /* pairwise coefficients (J x J) */
    double *own;               /* inverse own blocks: (GG, Gd, dd) per group */
    double *ud;                /* d-component of the per-column rank one */
    double *Phi;               /* U_{J-1} S^{-1/2} */
    double *v, sigv;           /* right null vector of G, s'v */
    double *Q;                 /* group masses of the point it was built at */
    double *R, *qv;            /* scratch */
    double *cap, *scale, *rhs; /* capacitance system (LDL^T), equilibration */
    double *work;
    size_t lwork;
    nc_blas_int *piv;
    double *block;
} ncs_prec;

nc_status ncs_prec_create(nc_ctx *ctx, int J, ncs_prec *P);
void ncs_prec_free(nc_ctx *ctx, ncs_prec *P);
/* Builds the preconditioner at the point of sm, with G = U diag(sv) V^T
 * (V, not V^T); W is J x J scratch.  P->ok tells whether it can be used. */
nc_status ncs_prec_setup(const ncs_problem *p, const ncs_soft *sm, const double *U,
                         const double *sv, const double *V, ncs_prec *P, double *W);
/* The same at a point where G has rank RANK < J - 1 (the tangent model):
 * the rank-raising term keeps the one null vector v = V e_{J-1} and the
 * directions U_l S_l^{-1/2} of the RANK nonzero singular values. */
nc_status ncs_prec_setup_rank(const ncs_problem *p, const ncs_soft *sm, const double *U,
                              const double *sv, const double *V, int rank, ncs_prec *P,
                              double *W);
/* z = P^{-1} r (both points in the engine's coordinates, projected). */
void ncs_prec_apply(const ncs_problem *p, ncs_prec *P, const double *r, double *z);

/* ---------------------------------------------------------- second order */

enum { NCS_MODEL_FULL, NCS_MODEL_FACTORED, NCS_MODEL_TANGENT };

/* The state of a Newton phase (src/solve_newton*.c). */
typedef struct ncs_newton {
    int model, r;
    size_t m, mmax;
    double *x, *g, *dir, *xt;    /* model space: point, gradient, direction, trial */
    double *cr, *cz, *cp, *ch;   /* CG */
    double *X, *hv, *tmp;        /* engine space */
    double *U, *V, *sv;          /* SVD of G at the current point (V, not V^T) */
    double *W, *W2;              /* J x J scratch */
    double *Gf, *diag;           /* factored: gradient of f in G; Jacobi */
    double *Nn;                  /* tangent: U_perp' grad_G f V_perp, the normal gradient */
    double *W3;                  /* tangent: J x J scratch */
    ncs_svd nsvd;                /* tangent: SVD of Nn ((J - r) x (J - r)) */
    double *nsvd_block;
    int nsvd_c;                  /* its order (0: none yet) */
    float *Uf, *Vf, *F1, *F2;    /* single-precision copies and scratch */
    int single;                  /* the current CG solve may use them */
    ncs_soft sm;
    ncs_svd svd;
    ncs_prec prec;
    int use_prec;
    double target, tolx;         /* targets of the certificates */
    const double *svG_of;        /* the point cw.svG belongs to (NULL: none) */
    int verbose;
    ncs_cert_ws cw;
    double *block, *svd_block;
} ncs_newton;

nc_status ncs_newton_create(const ncs_problem *p, ncs_newton **out);
void ncs_newton_destroy(const ncs_problem *p, ncs_newton *nw);

typedef struct {
    double tol;       /* relative gap target */
    double tolx;      /* point bound target (relative) */
    int verbose;
    int max_steps;
} ncs_newton_opts;

typedef struct {
    int steps, cg;        /* Newton steps and CG iterations */
    int ok;               /* certified within the targets */
    ncs_cert cert;        /* of the returned point */
    const double *svG;    /* its singular values of G (gesvd) */
} ncs_newton_result;

/* The largest entry of Zbar at the engine point X (within a factor 2): the
 * scale of the distance target, so that Zbar is accurate relative to itself
 * also where it is tiny (just below the zero threshold). */
double ncs_point_scale(const ncs_problem *p, const double *X);

/* The models (src/solve_newton_model.c).  The model state (softmax,
 * gradient, SVD, preconditioner) always belongs to the last point
 * evaluated. */
void ncs_model_point(const ncs_problem *p, const ncs_newton *nw, const double *x, double *X);
nc_status ncs_model_start(const ncs_problem *p, ncs_newton *nw, const double *X);
nc_status ncs_model_eval(const ncs_problem *p, ncs_newton *nw, const double *x, double *phi);
/* The full model's objective from accurate singular values alone. */
nc_status ncs_model_value(const ncs_problem *p, ncs_newton *nw, const double *x, double *phi);
nc_status ncs_model_prepare(const ncs_problem *p, ncs_newton *nw);
/* Truncated preconditioned CG for H dir = -g to a relative preconditioned
 * residual FORCING (also relative to the phase's first gradient *gP0 when
 * given); *gP receives |g|_{P^{-1}}. */
nc_status ncs_model_direction(const ncs_problem *p, ncs_newton *nw, double forcing, int max_it,
                              int *iters, double *gP, double *gP0);

/* Damped Newton-CG from x on MODEL (rank r for the factored and tangent models).  x
 * receives the best point reached (certified when result->ok). */
nc_status ncs_newton_run(const ncs_problem *p, ncs_newton *nw, int model, int r, double *x,
                         const ncs_newton_opts *o, ncs_newton_result *res);

/* ------------------------------------------------------------------ level */

typedef struct {
    double tol, tolx;
    int max_iter, verbose;
    const double *x0;   /* warm start (engine point) or NULL */
    int coarse;         /* a coarse problem may provide the start */
} ncs_level_opts;

typedef struct {
    ncs_cert cert;      /* of the returned point (gap against the best dual) */
    int iterations, newton_steps, cg;
    int converged, is_zero, rank;   /* rank of G */
} ncs_level_info;

/* The rank of G the optimum has when the groups with lZ N > sqrt(n_j)
 * (strictly past the collapse threshold of docs/theory.md (5.1)) each take one
 * dimension off the between part too: J - 1 minus their number (at least
 * 1).  A prediction, not a theorem: measured exact on CIFAR-100-LT counts
 * at three lambda_Z and on the iNaturalist-scale counts; the certificate
 * judges every point it leads to. */
int ncs_collapsed_rank(const ncs_problem *p);
/* A start shaped like the balanced optimum (no bias). */
void ncs_cold_start(const ncs_problem *p, double *x);
/* Solves the problem p into x (length p->m); svG (J, or NULL) receives the
 * singular values of the returned G. */
nc_status ncs_solve_level(const ncs_problem *p, const ncs_level_opts *o, double *x,
                          double *svG, ncs_level_info *info);
/* Start for p from a coarse problem: the groups' counts quantised into a few
 * bins (split at the collapse threshold), solved by ncs_solve_level, spread
 * back over the groups.  Adds the coarse solve's work to info. */
nc_status ncs_coarse_start(const ncs_problem *p, const ncs_level_opts *o, double *x,
                           ncs_level_info *info);

#endif
