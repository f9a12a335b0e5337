/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Internals of the cluster-level theory, shared by the src/theory_*.c files:
 *   theory_work.c     workspace carving (one layout, measured then assigned)
 *   theory_problem.c  the cluster program: coordinates, loss, its derivatives
 *   theory_chart.c    the SVD chart of the rank-r matrices: points, gradient,
 *                     Hessian, retraction
 *   theory_precond.c  the chart's preconditioner below full rank
 *   theory_full.c     Newton systems at full rank, in C's own coordinates
 *   theory_newton.c   Newton-CG on a chart
 *   theory_active.c   the strategy: zero test, the smoothing continuation
 *                     that finds the rank, the active set on the rank, the
 *                     certificate
 *   theory.c, theory_thresholds.c, theory_limit.c: the public entry points.
 *
 * Coordinates (docs/theory.md section 4).  Everything lives on the scale of
 * M = Zbar diag(sqrt(n)) and the objective is multiplied by N, so that
 * curvatures are O(1) whatever the sample sizes:
 *   x_j = sqrt(n_j) delta_j   singular value of M on cluster j's sum-zero
 *                             vectors (multiplicity k_j - 1);
 *   G (J x J)                 the between-cluster part, G_ij = sqrt(k_i) c_ij
 *                             sqrt(k_j n_j) with c_ij = gamma_ij (i != j) and
 *                             c_jj = beta_j + delta_j / k_j, so that
 *                             ||M||_* = sum_j (k_j - 1) x_j + ||G||_*;
 *   C = Q' G ((J-1) x J)      zero column sums of Zbar say w' G = 0 with
 *                             w = sqrt(k): G = Q C, Q (J x (J-1)) an
 *                             orthonormal basis of w-perp (a Householder
 *                             reflector), and ||G||_* = ||C||_*;
 *   b_j                       the bias on cluster j.
 * The program is
 *   Phi = sum_j k_j n_j CE_j + lam [sum_j (k_j - 1) x_j + ||C||_*]
 *         + lb N sum_j k_j b_j^2 (+ rho (sum_j k_j b_j)^2 when lb = 0)
 * with lam = lZ N and CE_j the loss of a column of cluster j, a function of
 * its J + 1 distinct logits (own class, rest of the cluster, each other
 * cluster) with multiplicities 1, k_j - 1 and k_i.  The loss of column j
 * depends on column j of G, on x_j and on b only: its Hessian is block
 * diagonal in the columns, bordered by b. */
#ifndef NC_THEORY_INTERNAL_H
#define NC_THEORY_INTERNAL_H

#include "nc_theory.h"
#include "theory_lapack.h"

#include <stddef.h>

/* C = alpha op(A) op(B) + beta C for any sizes, empty ones included (a
 * product over k = 0 scales C by beta; leading dimensions of empty blocks
 * are raised to 1 as BLAS requires). */
static inline void th_gemm(char ta, char tb, int m, int n, int k, double alpha, const double *a,
                           int lda, const double *b, int ldb, double beta, double *c, int ldc)
{
    if (m == 0 || n == 0)
        return;
    if (k == 0) {
        for (int j = 0; j < n; ++j)
            for (int i = 0; i < m; ++i)
                c[i + (size_t)ldc * j] = beta == 0 ? 0.0 : beta * c[i + (size_t)ldc * j];
        return;
    }
    nc_gemm(ta, tb, m, n, k, alpha, a, lda > 0 ? lda : 1, b, ldb > 0 ? ldb : 1, beta, c,
            ldc > 0 ? ldc : 1);
}

static inline double th_dot(const double *a, const double *b, int n)
{
    double s = 0;
    for (int i = 0; i < n; ++i)
        s += a[i] * b[i];
    return s;
}

/* ---- theory_work.c: workspaces ---------------------------------------- */

/* A workspace is laid out by one function called twice: first with base
 * NULL to measure (sizes overflow-checked), then to assign pointers into
 * one block.  The layout cannot drift from the size it was measured at. */
typedef struct {
    char *base;      /* NULL while measuring */
    size_t used;     /* bytes laid out so far */
    int overflow;    /* a size did not fit in size_t */
} th_carver;

/* Room for rows * cols elements of SIZE bytes (NULL while measuring). */
void *th_carve(th_carver *cv, size_t rows, size_t cols, size_t size);
/* Allocates the block measured in CV (zero-filled) after checking that it
 * fits in memory (ncufm:tooLarge naming WHAT otherwise), and rewinds CV for
 * the assigning pass.  The block is cv->base, freed with nc_free. */
nc_status th_carve_alloc(nc_ctx *ctx, th_carver *cv, const char *what);

/* ---- theory_problem.c: the cluster program ---------------------------- */

typedef struct {
    int J, m, K;            /* clusters, J - 1, classes */
    const int *k;
    const double *n;
    double N, lZ, lb, lam, lbN, rho;
    double *isk;            /* J: 1 / sqrt(k_i), row scale from G to c */
    double *iskn;           /* J: 1 / sqrt(k_j n_j), column scale from G to c */
    double *w;              /* J: k_j n_j, the weight of a column of cluster j */
    double *ax, *rx;        /* J: d(own logit)/dx_j and d(rest logit)/dx_j */
    double *hv;             /* J: Householder vector; Q = H(:, 2:J), H = I - htau v v' */
    double htau;
    int *active;            /* J: x_j free (k_j >= 2 and sqrt(n_j) > lam) */
    int *xa;                /* the nxa active clusters */
    int nxa;
} th_problem;

/* Per-column probabilities at a point, kept for Hessian products. */
typedef struct {
    double *q;              /* J x J: q_ij mass of cluster i's logits in column j (own + rest for i = j) */
    double *oth;            /* J: sum_{i != j} q_ij = 1 - q_jj, formed without cancellation */
    double *po, *pr;        /* J: own class, rest of the cluster */
    double *mxx, *hxx;      /* J: first and second moments of d logit / dx_j */
} th_columns;

/* Measures/assigns the problem's arrays. */
void th_problem_layout(th_carver *cv, th_problem *p, int J);
/* Fills the problem for clusters (k, n) at lZ, lb (arrays laid out). */
void th_problem_set(th_problem *p, int J, const int *k, const double *n, double lZ, double lb);
/* Changes lZ (and the collapse pattern that follows from it). */
void th_problem_lambda(th_problem *p, double lZ);
/* G = Q C (J x cols from (J-1) x cols) and C = Q' G ((J-1) x J from
 * J x J); column-major, leading dimensions J and J - 1. */
void th_apply_q(const th_problem *p, const double *C, int cols, double *G);
void th_apply_qt(const th_problem *p, const double *G, double *C);
/* Loss part F = sum_j w_j CE_j + bias penalties at (C, x, b); G receives Q C
 * and COL the column state for Hessian products (always overwritten).  With
 * gC != NULL also the gradients (gC (J-1) x J, gx J, gb J; gx is 0 for
 * clusters of one class), through the J x J scratch gG. */
double th_loss(const th_problem *p, const double *C, const double *x, const double *b,
               double *G, double *gC, double *gx, double *gb, th_columns *col, double *gG);
/* Hessian of the loss part times (dC, dx, db) at the state COL:
 * HC ((J-1) x J), Hx, Hb.  dG and HG are J x J scratch. */
void th_loss_hess(const th_problem *p, const th_columns *col, const double *dC,
                  const double *dx, const double *db, double *HC, double *Hx, double *Hb,
                  double *dG, double *HG);
/* The optimal bias when Zbar = 0 (the bias-only problem), into b (J), and
 * per-class probabilities into prob (J); work holds 2 J.  Newton on a
 * diagonal plus rank-one Hessian; exact closed form when lb = 0. */
void th_bias_only(const th_problem *p, double *b, double *prob, double *work);
/* ||(I - p 1') D^{1/2}||_op restricted to the between-cluster directions,
 * from the bias-only probabilities (J x J SVD); E and work are scratch. */
int th_between_zero_norm(const th_problem *p, const double *prob, double *E, double *work,
                         nc_blas_int lwork, double *out);

/* ---- theory_chart.c: the SVD chart of the rank-r matrices -------------- */

/* At C = U diag(s) V' of rank r, the rank-r matrices near C are
 *   U [[diag(s_r) + A, B], [D, D (diag(s_r) + A)^{-1} B]] V'
 * for A (r x r), B (r x (J-r)), D ((m-r) x r): a chart in which the exact
 * nuclear norm is smooth.  With the smoothing mu > 0 the chart is the whole
 * space (r = m, no D) and the norm is sum_a sqrt(s_a^2 + mu^2) - mu.
 * Variables z = [A(:); B(:); D(:); x(active); b]. */
typedef struct {
    int r;                  /* rank (m when smoothed) */
    double mu;              /* 0: exact norm at rank r */
    double *U;              /* m x m */
    double *VT;             /* J x J, rows are right singular vectors */
    double *s;              /* m singular values, descending (0 beyond r) */
    double *C;              /* m x J, exactly U_r diag(s_r) V_r' */
    double *x, *b;          /* J each */
    double phi;             /* objective at the point */
} th_point;

/* Everything one Newton step needs besides the points. */
typedef struct {
    th_problem *p;
    int nvmax;              /* largest chart dimension */
    th_columns col;
    double *G, *dG, *HG;    /* J x J */
    double *gC, *Gam, *T1, *T2, *Xi, *svdA; /* m x J */
    double *Y;              /* J x m: Q U, for the preconditioner */
    double *ca, *cs;        /* m x m: Hessian of the norm on A (antisymmetric, symmetric part) */
    double *cb;             /* m: Hessian of the norm on B and D, per singular value */
    double *Dg;             /* m x J: loss Hessian diagonal in the SVD basis */
    double *dxx, *dbb;      /* J: loss Hessian diagonal in x and b */
    double *gx, *gb, *dxf, *hxf, *hbf; /* J */
    double *work;           /* LAPACK work */
    nc_blas_int lwork;
    nc_blas_int *ipiv;      /* m */
    nc_blas_int *iwork;     /* 8 m, dgesdd */
    double *adiag;          /* m: first-order change of each singular value along dz */
    double *g, *dz, *cr, *cz, *cp, *cq; /* nvmax: gradient, step, CG vectors */
    th_point pt[2];         /* current and trial */
    int cur;                /* index of the current point */
    double *wsv;            /* m: singular values of W (certificate) */
    /* full rank: Newton systems in C's own coordinates (theory_full.c) */
    int full;               /* the current chart has rank m */
    double *ddinv, *sq, *zw; /* J x J: per column, 1/diagonal, rank-one term, A^{-1} w */
    double *beta, *wzw, *wunit; /* J: Sherman-Morrison factors, w' A^{-1} w, w */
    double *xsc, *xschur;   /* J x J, J: a free x_j's coupling solved, its Schur complement */
    /* below full rank (theory_precond.c; the same memory as the above):
     * Gamma_pp = wP diag(wom) wRT, and per singular value the mean loss
     * diagonal plus the norm's curvature on B (wbeta) and on D (wdelta) */
    double *wP, *wRT, *wom, *wbeta, *wdelta;
    int wready;             /* wP... hold the current point's */
    int newton_steps, cg_steps, svds;
    double t_start, t_report; /* progress messages of long solves */
} th_engine;

/* LAPACK workspace the engine needs for J clusters (a size query). */
nc_blas_int th_engine_lwork(int J);
/* Measures/assigns the engine's arrays for J clusters (e->lwork set). */
void th_engine_layout(th_carver *cv, th_engine *e, int J);
/* Dimension of the chart of rank r. */
int th_chart_dim(const th_problem *p, int r);
/* SVD of pt->C into pt->U, s, VT; with r >= 0 truncates to rank r (exact
 * mode) and re-forms C; r < 0 keeps every singular value.  Returns 0, or -1
 * on a LAPACK failure.  dgesdd (checked) unless ACCURATE: dgesvd. */
int th_point_factor_exact(th_engine *e, th_point *pt, int r, int accurate);
int th_point_factor(th_engine *e, th_point *pt, int r);
/* Keeps the r largest singular values of pt (rank r, exact mode) and
 * re-forms C from the factors. */
void th_point_truncate(th_engine *e, th_point *pt, int r);
/* Objective at pt (C, x, b, s set): loss + penalties + norm (smoothed with
 * pt->mu). */
double th_point_objective(th_engine *e, th_point *pt);
/* Gradient (into e->g: chart coordinates, or at full rank (e->full) C's
 * own), the norm's and the loss's Hessian data and the preconditioner at
 * the current point; returns Phi.  Below full rank Gamma is left in e->Gam. */
double th_chart_prepare(th_engine *e);
/* Hz = H z, the Hessian of Phi in the chart at the current point. */
void th_chart_hessvec(th_engine *e, const double *z, double *Hz);

/* ---- theory_precond.c: the chart preconditioner below full rank -------- */

/* Its data at the current point (after th_chart_prepare's norm
 * coefficients, column state and Gamma). */
void th_chart_precond_prepare(th_engine *e, const th_point *pt);
/* out = M^{-1} in. */
void th_chart_precond(th_engine *e, const double *in, double *out);
/* Trial point = retraction of the current point along alpha * dz, with its
 * singular values but not yet its vectors (th_point_factor, once accepted). */
int th_chart_retract(th_engine *e, const double *dz, double alpha);
/* The first-order change of each singular value along the step z (the
 * diagonal of A; at full rank, of U' dC V), into d (r entries). */
void th_chart_diagonal(th_engine *e, const double *z, double *d);
/* Gamma = U' grad_C(loss) V at the current point (after th_chart_prepare). */
void th_chart_gamma(th_engine *e);

/* A problem and its engine in one block (theory_work.c). */
typedef struct {
    th_problem p;
    th_engine e;
    void *block;
} th_solver;

/* Lays out and allocates a solver for clusters (k, n) (validated by the
 * caller) at lZ, lb; WHAT names the problem in a tooLarge message. */
nc_status th_solver_open(nc_ctx *ctx, th_solver *s, int J, const int *k, const double *n,
                         double lZ, double lb, const char *what);
void th_solver_close(nc_ctx *ctx, th_solver *s);

/* ---- theory_full.c: full-rank Newton systems in C coordinates ---------- */

/* Vectors [dC(:); x(active); b]: at full rank the chart vector's first
 * (J-1) J entries are [A B] = U' dC V. */
void th_full_layout(th_carver *cv, th_engine *e, int J);
/* The preconditioner at the current point (after the norm's coefficients
 * and the column state are set). */
void th_full_prepare(th_engine *e, const th_point *pt);
void th_full_hessvec(th_engine *e, const double *z, double *Hz);
void th_full_precond(th_engine *e, const double *in, double *out);

/* ---- theory_newton.c: Newton's method on a chart ---------------------- */

/* Newton-CG on the chart of the current point until the decrement falls to
 * tol (1 + |Phi|) (tol = 0: to machine precision).  With allow_drop, a
 * singular value that the Newton step would take through zero is removed
 * (rank r - 1) and the return value is 2.  Returns 0 converged, 1 not
 * converged, 2 rank dropped, -1 numerical failure. */
int th_newton(nc_ctx *ctx, th_engine *e, double tol, int max_it, int allow_drop);
/* ---- theory_active.c: the solver's strategy --------------------------- */

/* ||(I - p 1') D^{1/2}||_op N for the bias-only optimum (b, prob J each):
 * Zbar = 0 is optimal iff lam >= this (the zero threshold times N).
 * Returns -1 on a LAPACK failure. */
double th_zero_norm(th_engine *e, double *b, double *prob);
/* Certificate at the current point (exact mode): largest relative
 * violation of the optimality conditions; *wnorm = ||W||_op, the dual
 * block on the directions outside the rank (> 1: the rank must grow). */
double th_certify(th_engine *e, double *wnorm);
/* The whole solve: the zero test, then (warm) the current point as it is,
 * or (cold, or when the warm start fails) the ETF-like start.  On success
 * the current point is the optimum (with exact zeros where the structure
 * says so) and *kkt its certificate. */
nc_status th_solve(nc_ctx *ctx, th_engine *e, int warm, double *kkt);
/* The ETF-like starting point into the current point. */
void th_initial_point(th_engine *e);

/* ---- theory.c ------------------------------------------------------- */

/* Validates clusters (k, n); NAME is how the sizes argument is called. */
nc_status th_check_clusters(nc_ctx *ctx, int J, const int *k, const double *n, const char *name);
/* The public result from the solver's current point; class c belongs to
 * cluster[c] in Zbar and b. */
void th_fill_result(th_solver *s, const int *cluster, double kkt, nc_theory_result *res);

#endif
