/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The collapse path of a count vector: every lZ where the rank of the
 * optimum Zbar* drops, from K - 1 down to 0 (docs/theory.md sections 3-5).
 *
 * Equal counts form clusters (count_groups.h), and the rank splits into a
 * within-cluster part and a between part:
 *  - cluster j loses its k_j - 1 within directions exactly at sqrt(n_j)/N,
 *    whatever lb (closed form);
 *  - Zbar* = 0 exactly from lZ = t0 = ||(I - p 1') D^{1/2}||_op / N on, p
 *    the softmax of the bias-only optimum (closed form given p); just below
 *    t0 the optimum lives on the top singular directions of that matrix;
 *  - the between part (a J x J matrix, rank <= J - 1) loses its directions
 *    one at a time at thresholds that depend on lb.  They are found from t0
 *    downwards: on the right of the next threshold t (rank r) the (r+1)-th
 *    singular value gamma of the certificate's between part rises smoothly
 *    to 1 as lZ falls to t, and g = gamma - 1 is nearly linear there; on the
 *    left (rank r + 1) the (r+1)-th singular value s of the optimum falls
 *    smoothly to 0.  Secant steps on g (from the right) or s (from the
 *    left), whichever is anchored closer, locate t; then two probes just
 *    either side close a bracket [lower, upper] whose ends are decided by
 *    certificates (rank_probe.c), never by a tolerance.
 * Each drop reports its vanishing directions: for a between drop the top
 * singular pair of the certificate outside the rank-r support at the upper
 * end (the pair that enters the optimum below t; the optimum's own smallest
 * singular vectors are ill-conditioned there), for a within drop a Helmert
 * basis of the cluster's sum-zero vectors, for the zero drop the top
 * singular pairs of (I - p 1') D^{1/2}. */
#include "nc_advice.h"
#include "rank_probe.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void nc_path_defaults(nc_path_opts *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->tol = 1e-10;
    opts->max_probes = 80;
}

/* Singular values closer than this (relative) are treated as tied at t0. */
#define TIE_RTOL (64 * DBL_EPSILON)

typedef struct {
    double lambda, lower, upper;
    int kind, mult, col; /* directions in columns col .. col+mult-1 of the scratch */
} drop;

typedef struct {
    nc_ctx *ctx;
    const nc_groups *g;
    nc_prober pr;
    nc_path_opts opts;
    int K, J;
    drop *drops;
    int ndrops, ncols;
    double *U, *V;       /* K x (K-1) directions in creation order */
    nc_probe *pts;       /* probes of the current search, then carried over */
    int npts, cap;
    double t0;
    int m0;         /* between rank just below the zero threshold */
    double t_start;
    int right_slot; /* warm-start slot of the points right of the threshold sought */
    int last_attempts; /* solves the last probe needed */
    int allow_theory;  /* the cheap probes left the bracket too wide */
    int monotone, complete;
} path;

static int add_drop(path *p, double lambda, double lower, double upper, int kind, int mult)
{
    if (mult <= 0 || p->ncols + mult > p->K - 1)
        return -1;
    drop *d = &p->drops[p->ndrops++];
    d->lambda = lambda;
    d->lower = lower;
    d->upper = upper;
    d->kind = kind;
    d->mult = mult;
    d->col = p->ncols;
    p->ncols += mult;
    return d->col;
}

static void within_drop(path *p, int j, double lambda, double rel, int kind)
{
    int col = add_drop(p, lambda, lambda * (1 - rel), lambda * (1 + rel), kind, p->g->size[j] - 1);
    if (col < 0)
        return;
    nc_groups_within_basis(p->g, j, p->U + (size_t)p->K * col);
    memcpy(p->V + (size_t)p->K * col, p->U + (size_t)p->K * col,
           sizeof(double) * (size_t)p->K * (p->g->size[j] - 1));
}

/* Zero threshold and its directions; returns the between rank just below t0
 * in *m0 and stores gamma / (t0 N) as a first right point of the search. */
static nc_status zero_threshold(path *p, int *m0)
{
    nc_ctx *ctx = p->ctx;
    const nc_groups *g = p->g;
    int K = p->K, J = p->J;
    double N = g->N, nmax = g->count[0];
    /* above ||(I - p 1') D^{1/2}|| <= (1 + sqrt(K)) sqrt(max n): Zbar* = 0 and
     * the solver returns the exact bias-only optimum */
    double big = 2 * (1 + sqrt((double)K)) * sqrt(nmax) / N;
    nc_prober *pr = &p->pr;
    nc_solve_info info;
    nc_status st = nc_solve(ctx, K, pr->n, big, pr->lb, &pr->sopts, pr->Zbar, pr->b, pr->sv, &info);
    if (st)
        return st;
    pr->probes++;
    double *G0 = pr->G, *prob = pr->kvec, mx = -INFINITY, sum = 0;
    for (int l = 0; l < K; ++l)
        mx = fmax(mx, pr->b[l]);
    for (int l = 0; l < K; ++l)
        sum += prob[l] = exp(pr->b[l] - mx);
    for (int l = 0; l < K; ++l)
        prob[l] /= sum;
    for (int k = 0; k < K; ++k)
        for (int l = 0; l < K; ++l)
            G0[l + (size_t)K * k] = ((l == k) - prob[l]) * pr->sqn[k];
    nc_groups_between(g, G0, pr->BG);
    memcpy(pr->M, pr->BG, sizeof(double) * (size_t)J * J);
    double *gam = pr->bs;
    nc_blas_int M = J, info2 = 0;
    char job = 'A';
    dgesvd_(&job, &job, &M, &M, pr->M, &M, gam, pr->bu, &M, pr->bvt, &M, pr->work, &pr->lwork,
            &info2, 1, 1);
    if (info2 != 0)
        return nc_fail(ctx, NC_ENUMERIC, "lapackFailure", "the SVD (dgesvd) failed with info = %d",
                       (int)info2);
    double top = gam[0];
    for (int j = 0; j < J; ++j)
        if (g->size[j] >= 2)
            top = fmax(top, sqrt(g->count[j]));
    p->t0 = top / N;
    double rel = 16 * K * DBL_EPSILON;
    int m = 0;
    while (m < J && gam[m] >= top * (1 - TIE_RTOL))
        ++m;
    int tied_within = 0;
    for (int j = 0; j < J; ++j)
        if (g->size[j] >= 2 && sqrt(g->count[j]) >= top * (1 - TIE_RTOL))
            tied_within += g->size[j] - 1;
    int col = add_drop(p, p->t0, p->t0 * (1 - rel), p->t0 * (1 + rel), NC_DROP_ZERO,
                       m + tied_within);
    if (col >= 0) {
        for (int c = 0; c < m; ++c) {
            for (int i = 0; i < J; ++i)
                pr->kvec[i] = pr->bvt[c + (size_t)J * i];
            nc_groups_lift(g, pr->bu + (size_t)J * c, p->U + (size_t)K * (col + c));
            nc_groups_lift(g, pr->kvec, p->V + (size_t)K * (col + c));
        }
        int at = col + m;
        for (int j = 0; j < J; ++j)
            if (g->size[j] >= 2 && sqrt(g->count[j]) >= top * (1 - TIE_RTOL)) {
                nc_groups_within_basis(g, j, p->U + (size_t)K * at);
                memcpy(p->V + (size_t)K * at, p->U + (size_t)K * at,
                       sizeof(double) * (size_t)K * (g->size[j] - 1));
                at += g->size[j] - 1;
            }
    }
    for (int j = 0; j < J; ++j)
        if (g->size[j] >= 2 && sqrt(g->count[j]) < top * (1 - TIE_RTOL))
            within_drop(p, j, sqrt(g->count[j]) / N, 4 * DBL_EPSILON, NC_DROP_WITHIN);
    /* the limit of the certificate as lZ rises to t0 is (I - p 1') D^{1/2} / (t0 N) */
    nc_probe *first = &p->pts[0];
    first->lambda = p->t0;
    first->rank = -1; /* a limit, not a solve: it carries no directions */
    first->lo = first->hi = m;
    first->err = 0;
    for (int i = 0; i < J; ++i) {
        first->gb[i] = gam[i] / top;
        first->sb[i] = 0;
    }
    p->npts = 1;
    *m0 = m;
    return NC_OK;
}

/* +1: the probe is right of threshold r+1 (between rank <= r); -1: left of
 * it (>= r+1); 0: undecided (its certificate cannot tell). */
static int side_of(const nc_probe *q, int r)
{
    if (q->hi <= r)
        return 1;
    if (q->lo >= r + 1)
        return -1;
    return 0;
}

/* Probes at lZ, warm-started from the side the point is expected on
 * (expect_left): a solver started on the wrong side of a drop tends to stay
 * at the rank it was given when the new direction is still tiny. */
static nc_status probe(path *p, double lZ, int r, int expect_left, int *index)
{
    if (p->npts >= p->cap)
        return nc_fail(p->ctx, NC_ENUMERIC, "internal", "probe pool exhausted at lambda_Z = %g",
                       lZ);
    nc_probe *q = &p->pts[p->npts];
    int left_slot = 1 - p->right_slot, side = 0;
    nc_status st;
    /* nc_solve warm-started from the side the point is expected on (cheap);
     * where that point is undecided, from scratch (a warm start close to the
     * answer can pass the solver's gap test unchanged, leaving a residual the
     * certificate cannot see through); then the cluster-level solver when it
     * applies */
    int attempt = 0;
    for (; attempt < 3 && side == 0; ++attempt) {
        if (attempt == 2 && !(p->pr.theory_ok && p->allow_theory))
            break;
        if (attempt == 2)
            st = nc_probe_theory(&p->pr, lZ, q, 0, NULL, NULL);
        else
            st = nc_probe_at(&p->pr, lZ, attempt == 1 ? -1 : expect_left ? left_slot : p->right_slot,
                             q, 0, NULL, NULL);
        if (st)
            return st;
        side = side_of(q, r);
    }
    p->last_attempts = attempt;
    if (side > 0)
        nc_prober_keep(&p->pr, p->right_slot);
    else if (side < 0)
        nc_prober_keep(&p->pr, left_slot);
    if (q->hi < r) /* the rank fell while lZ fell: the path is not monotone here */
        p->monotone = 0;
    *index = p->npts++;
    return NC_OK;
}

/* Secant root of f through (x1, f1), (x2, f2); NaN when flat. */
static double secant(double x1, double f1, double x2, double f2)
{
    if (!(f1 != f2))
        return NAN;
    return x1 - f1 * (x1 - x2) / (f1 - f2);
}

/* Indices of the two right points nearest the threshold (smallest lZ) and
 * of the two nearest left points of rank exactly r + 1 (largest lZ), and of
 * the nearest left point of any rank. */
typedef struct {
    int b, b2, a, a2, anear;
} ends;

static ends find_ends(const path *p, int r)
{
    ends e = {-1, -1, -1, -1, -1};
    for (int i = 0; i < p->npts; ++i) {
        const nc_probe *q = &p->pts[i];
        int s = side_of(q, r);
        if (s > 0) {
            if (e.b < 0 || q->lambda < p->pts[e.b].lambda) {
                e.b2 = e.b;
                e.b = i;
            } else if (e.b2 < 0 || q->lambda < p->pts[e.b2].lambda)
                e.b2 = i;
        } else if (s < 0) {
            if (e.anear < 0 || q->lambda > p->pts[e.anear].lambda)
                e.anear = i;
            if (q->lo != r + 1 || q->hi != r + 1)
                continue;
            if (e.a < 0 || q->lambda > p->pts[e.a].lambda) {
                e.a2 = e.a;
                e.a = i;
            } else if (e.a2 < 0 || q->lambda > p->pts[e.a2].lambda)
                e.a2 = i;
        }
    }
    return e;
}

/* The estimate of threshold r+1 from the side whose secant is anchored
 * closer: the secant's error is proportional to the product of its two
 * points' distances to the root, and *anchor receives their geometric mean. */
static double estimate(const path *p, int r, const ends *e, double *anchor)
{
    const nc_probe *b = &p->pts[e->b];
    double tR, aR, tL = NAN, aL = INFINITY;
    if (e->b2 >= 0) {
        const nc_probe *b2 = &p->pts[e->b2];
        /* lZ (gamma - 1): gamma ~ 1/lZ at a fixed softmax, so this is nearly linear */
        tR = secant(b->lambda, b->lambda * (b->gb[r] - 1), b2->lambda,
                    b2->lambda * (b2->gb[r] - 1));
        aR = sqrt(fabs(b->lambda - tR) * fabs(b2->lambda - tR));
    } else {
        tR = b->lambda * b->gb[r]; /* gamma ~ 1/lZ at a fixed softmax */
        aR = fabs(b->lambda - tR);
    }
    if (e->a >= 0 && e->a2 >= 0) {
        const nc_probe *a = &p->pts[e->a], *a2 = &p->pts[e->a2];
        tL = secant(a->lambda, a->sb[r], a2->lambda, a2->sb[r]);
        aL = sqrt(fabs(a->lambda - tL) * fabs(a2->lambda - tL));
    }
    int left = isfinite(tL) && (!isfinite(tR) || aL < aR);
    *anchor = left ? aL : isfinite(tR) ? aR : INFINITY;
    return left ? tL : tR;
}

/* One probe at x for threshold r+1, traced at Verbose >= 2; *side gets its
 * side (see side_of). */
static nc_status probe_traced(path *p, double x, int r, double est, int *side)
{
    int i = 0;
    double t = nc_now();
    nc_status st = probe(p, x, r, isfinite(est) && x < est, &i);
    if (st)
        return st;
    const nc_probe *q = &p->pts[i];
    *side = side_of(q, r);
    if (p->opts.verbose >= 2)
        nc_printf(p->ctx,
                  "  probe %.17g: side %+d, between rank in [%d, %d], err %.2e, s %.3e, "
                  "gamma - 1 %.3e, %.1f ms, %d solve(s)\n",
                  x, *side, q->lo, q->hi, q->err, q->sb[r], q->gb[r] - 1, 1e3 * (nc_now() - t),
                  p->last_attempts);
    return NC_OK;
}

/* Phase 1: secant steps (bisection when they stall) until the estimate of
 * threshold r+1 settles: its secant anchored within 1e-3 (relative) and two
 * successive estimates within tol/4 (a probe inside the certificate's blind
 * band adds no point, so the estimate stops moving there).  Returns the
 * estimate (NaN when the rank never rises above lZ = 1e-9 t0) and its last
 * change in *change. */
static nc_status locate(path *p, int r, int *used, double *est_out, double *change_out)
{
    double prev = NAN, width_before = INFINITY, w_left = p->opts.tol;
    int stall = 0;
    *est_out = NAN;
    p->allow_theory = 0;
    for (; *used < p->opts.max_probes; ++*used) {
        ends e = find_ends(p, r);
        if (e.b < 0)
            return nc_fail(p->ctx, NC_ENUMERIC, "internal", "no point above threshold %d", r + 1);
        double xb = p->pts[e.b].lambda, xa = e.anear >= 0 ? p->pts[e.anear].lambda : 0;
        if (e.anear < 0 && xb < p->t0 * 1e-9)
            return NC_OK; /* the rank never rises: the path stays incomplete */
        double anchor, est = estimate(p, r, &e, &anchor);
        double change = isfinite(prev) ? fabs(est - prev) : INFINITY;
        prev = est;
        if (e.anear >= 0 && est > xa && est < xb &&
            ((change <= p->opts.tol / 4 * est && anchor <= 1e-3 * est) ||
             xb - xa <= p->opts.tol * xb)) {
            *est_out = est;
            *change_out = isfinite(change) ? change : 0;
            return NC_OK;
        }
        double x;
        if (e.anear < 0) {
            /* no left point yet: aim just left of the estimate, further each
             * time the certificate cannot decide there */
            x = isfinite(est) && est < xb ? fmax(est * (1 - w_left), xb / 8) : xb * 0.9;
        } else {
            /* an estimate the last probe did not move carries no news; secant
             * steps that stop shrinking the bracket: bisect */
            int stale = !(change > 1e-12 * est) || (xb - xa > 0.5 * width_before && ++stall >= 3);
            x = isfinite(est) && est > xa && est < xb && !stale ? est : 0.5 * (xa + xb);
            if (stale)
                stall = 0;
        }
        width_before = e.anear >= 0 ? xb - xa : INFINITY;
        int side;
        nc_status st = probe_traced(p, x, r, est, &side);
        if (st)
            return st;
        if (side == 0 && e.anear < 0)
            w_left *= 4;
        if (nc_interrupted(p->ctx))
            return p->ctx->status;
    }
    return NC_OK;
}

/* Phase 2: probes at est (1 + w_right) and est (1 - w_left), each w starting
 * at the larger of tol/3 and twice the estimate's last change and doubling
 * while that side is undecided (the certificate's blind band around the
 * drop), until both sides are decided.  Returns 1 in *relocate when a
 * probe lands on the unexpected side (the estimate was off). */
static nc_status close_bracket(path *p, int r, double est, double change, int *used,
                               int *relocate)
{
    double w0 = fmax(p->opts.tol / 3, 2 * change / est), w[2] = {w0, w0};
    *relocate = 0;
    for (; *used < p->opts.max_probes; ++*used) {
        ends e = find_ends(p, r);
        double xb = p->pts[e.b].lambda, xa = p->pts[e.anear].lambda;
        int s; /* 0: right side, 1: left side */
        if (xb > est * (1 + w[0]) && est * (1 + w[0]) > xa)
            s = 0;
        else if (xa < est * (1 - w[1]) && est * (1 - w[1]) < xb)
            s = 1;
        else
            return NC_OK;
        double x = s == 0 ? est * (1 + w[0]) : est * (1 - w[1]);
        /* the slower cluster-level solver only when the band would leave
         * the bracket wider than 1e-9 */
        p->allow_theory = w[s] >= 1e-10;
        int side;
        nc_status st = probe_traced(p, x, r, est, &side);
        if (st)
            return st;
        if (side == 0)
            w[s] *= 2;
        else if ((side > 0) != (s == 0)) {
            *relocate = 1;
            return NC_OK;
        }
        if (nc_interrupted(p->ctx))
            return p->ctx->status;
    }
    return NC_OK;
}

/* Locates threshold r+1 below the current points; on success adds the drop
 * and leaves in the pool only the points that serve the next search. */
static nc_status next_threshold(path *p, int r, int *found)
{
    int used = 0, relocate = 1;
    double est = NAN, change = 0;
    *found = 0;
    ends e;
    nc_status st;
    while (relocate && used < p->opts.max_probes) {
        if ((st = locate(p, r, &used, &est, &change)))
            return st;
        if (isnan(est))
            break;
        if ((st = close_bracket(p, r, est, change, &used, &relocate)))
            return st;
    }
    p->allow_theory = 0;
    if (p->ctx->status)
        return p->ctx->status;
    e = find_ends(p, r);
    if (e.anear < 0)
        return NC_OK;
    nc_probe *a = &p->pts[e.anear], *b = &p->pts[e.b];
    int mult = a->lo - r;
    double anchor, last = estimate(p, r, &e, &anchor); /* from the closest points */
    if (last >= a->lambda && last <= b->lambda)
        est = last;
    double lambda = isfinite(est) && est >= a->lambda && est <= b->lambda
                        ? est
                        : 0.5 * (a->lambda + b->lambda);
    int col = add_drop(p, lambda, a->lambda, b->lambda, NC_DROP_BETWEEN, mult);
    if (col < 0)
        return nc_fail(p->ctx, NC_ENUMERIC, "internal", "more drops than K - 1");
    /* directions entering below the threshold: kept by the probe at its upper
     * end for a simple drop, else from a fresh probe there */
    if (mult == 1 && b->rank >= 0 && b->lo == r && b->hi == r && b->du) {
        memcpy(p->U + (size_t)p->K * col, b->du, sizeof(double) * (size_t)p->K);
        memcpy(p->V + (size_t)p->K * col, b->dv, sizeof(double) * (size_t)p->K);
    } else {
        nc_probe tmp;
        st = nc_probe_alloc(p->ctx, p->J, 0, &tmp);
        if (!st)
            st = nc_probe_at(&p->pr, b->lambda, p->right_slot, &tmp, mult,
                             p->U + (size_t)p->K * col, p->V + (size_t)p->K * col);
        nc_probe_free(p->ctx, &tmp);
        if (st)
            return st;
    }
    /* keep the points of rank exactly r + mult below the threshold */
    double xa = a->lambda;
    int keep = 0, rn = r + mult;
    for (int i = 0; i < p->npts; ++i) {
        nc_probe *q = &p->pts[i];
        if (q->lambda <= xa && q->lo == rn && q->hi == rn) {
            if (keep != i) {
                nc_probe t = p->pts[keep]; /* swap, so every slot keeps its own arrays */
                p->pts[keep] = *q;
                *q = t;
            }
            ++keep;
        }
    }
    p->npts = keep;
    /* the points left of this threshold are right of the next one */
    p->right_slot = 1 - p->right_slot;
    p->pr.have[1 - p->right_slot] = 0;
    *found = mult;
    if (p->opts.verbose) {
        /* drops left: up to between rank J - 1; time left at the pace so far */
        double spent = nc_now() - p->t_start, left = spent / (rn - p->m0) * (p->J - 1 - rn);
        char eta[32];
        nc_format_duration(left, eta, sizeof eta);
        nc_printf(p->ctx, "nc_collapse_path: between rank %d -> %d at lambda_Z = %.12g "
                          "(bracket %.1e relative), %d of %d, about %s left\n",
                  rn, r, lambda, (b->lambda - xa) / lambda, rn - p->m0, p->J - 1 - p->m0, eta);
    }
    return NC_OK;
}

static int by_lambda(const void *x, const void *y)
{
    const drop *a = x, *b = y;
    return (a->lambda > b->lambda) - (a->lambda < b->lambda);
}

static void write_result(path *p, nc_collapse_path_result *res)
{
    int K = p->K;
    qsort(p->drops, (size_t)p->ndrops, sizeof *p->drops, by_lambda);
    int rank = 0, total = 0;
    for (int d = 0; d < p->ndrops; ++d)
        total += p->drops[d].mult;
    rank = total;
    int col = 0;
    for (int d = 0; d < p->ndrops; ++d) {
        const drop *x = &p->drops[d];
        res->lambda[d] = x->lambda;
        res->lower[d] = x->lower;
        res->upper[d] = x->upper;
        res->kind[d] = x->kind;
        res->rank_before[d] = rank;
        res->rank_after[d] = rank -= x->mult;
        for (int c = 0; c < x->mult; ++c, ++col) {
            if (res->u)
                memcpy(res->u + (size_t)K * col, p->U + (size_t)K * (x->col + c),
                       sizeof(double) * (size_t)K);
            if (res->v)
                memcpy(res->v + (size_t)K * col, p->V + (size_t)K * (x->col + c),
                       sizeof(double) * (size_t)K);
        }
        if (res->weight) {
            double *wd = res->weight + (size_t)K * d;
            for (int k = 0; k < K; ++k) {
                wd[k] = 0;
                for (int c = 0; c < x->mult; ++c) {
                    double uk = p->U[k + (size_t)K * (x->col + c)];
                    wd[k] += uk * uk;
                }
            }
        }
    }
    res->count = p->ndrops;
    res->complete = p->complete && total == K - 1;
    res->monotone = p->monotone;
}

static void path_free(path *p)
{
    nc_ctx *ctx = p->ctx;
    if (p->pts)
        for (int i = 0; i < p->cap; ++i)
            nc_probe_free(ctx, &p->pts[i]);
    nc_free(ctx, p->pts);
    nc_free(ctx, p->drops);
    nc_free(ctx, p->U);
    nc_free(ctx, p->V);
    nc_prober_free(&p->pr);
}

static nc_status check_counts(nc_ctx *ctx, int K, const double *n, double lb)
{
    nc_status st = nc_check_counts(ctx, K, n);
    if (st != NC_OK)
        return st;
    if (!(lb >= 0) || !isfinite(lb))
        return nc_fail(ctx, NC_EBADARG, "badLambda", "LAMBDA_B must be a nonnegative finite scalar");
    return NC_OK;
}

nc_status nc_collapse_path(nc_ctx *ctx, int K, const double *n, double lb,
                           const nc_path_opts *opts, nc_collapse_path_result *res)
{
    double t_start = nc_now();
    nc_status st = check_counts(ctx, K, n, lb);
    if (st)
        return st;
    path p;
    memset(&p, 0, sizeof p);
    p.ctx = ctx;
    if (opts)
        p.opts = *opts;
    else
        nc_path_defaults(&p.opts);
    if (!(p.opts.tol > 0) || !(p.opts.tol < 1e-2))
        return nc_fail(ctx, NC_EBADARG, "badOption", "TOL must lie in (0, 0.01)");
    if (p.opts.max_probes < 4)
        p.opts.max_probes = 4;
    if ((st = nc_solve_fits(ctx, K)))
        return st;
    nc_groups g;
    if ((st = nc_groups_init(ctx, K, n, &g)))
        return st;
    p.g = &g;
    p.K = K;
    p.J = g.J;
    p.monotone = 1;
    p.cap = 2 * p.opts.max_probes + 4;
    p.drops = nc_calloc(ctx, (size_t)K, sizeof *p.drops);
    p.U = nc_calloc(ctx, (size_t)K * K, sizeof(double));
    p.V = nc_calloc(ctx, (size_t)K * K, sizeof(double));
    p.pts = nc_calloc(ctx, (size_t)p.cap, sizeof *p.pts);
    for (int i = 0; !ctx->status && i < p.cap; ++i)
        nc_probe_alloc(ctx, g.J, K, &p.pts[i]);
    if (ctx->status || (st = nc_prober_init(ctx, &g, n, lb, &p.pr)))
        goto done;
    int r = 0;
    p.t_start = t_start;
    if ((st = zero_threshold(&p, &r)))
        goto done;
    p.m0 = r;
    p.complete = 1;
    while (r < g.J - 1) {
        int mult = 0;
        if ((st = next_threshold(&p, r, &mult)))
            goto done;
        if (mult <= 0) {
            p.complete = 0;
            break;
        }
        r += mult;
    }
    write_result(&p, res);
    res->certified = lb > 0;
    res->probes = p.pr.probes;
done:
    st = ctx->status;
    path_free(&p);
    nc_groups_free(ctx, &g);
    res->time = nc_now() - t_start;
    return st;
}
