/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One solve at group level: the phases in order.
 *  1. Zero test: Zbar = 0 is decided exactly from the bias-only optimum.
 *  2. A start: the caller's warm start; else, for many groups, the solution
 *     of a coarse problem (counts quantised into a few bins, solved the same
 *     way) spread over the groups; else a cold start shaped like the balanced
 *     optimum.  From the first two, Newton starts at once: they are close
 *     enough for full steps (measured: 3-4 steps from 24 bins at J = 300 and
 *     1000); for many groups at the rank the collapsed groups predict.
 *  3. Otherwise accelerated proximal gradient identifies the rank, and Newton
 *     takes over once it is stable; Newton's failures send the iterate back
 *     to first order for a doubling number of iterations.
 * Every certificate is kept: the returned point is the best certified one
 * (lowest objective), and its gap is measured against the best dual bound
 * seen, so a run never returns a worse point than one it reached. */
#include "solve_internal.h"

#include <float.h>
#include <math.h>
#include <string.h>

/* Above this many groups the start comes from a coarse problem. */
#define COARSE_ABOVE 12
#define COARSE_BINS 24
/* Above this many groups a coarse start goes to Newton at the rank the
 * collapsed groups predict (ncs_collapsed_rank) instead of first order
 * identifying it: each first-order iteration costs an SVD with vectors, and
 * measured at J = 321 (K = 600 counts 1000..2, lZ N = 3) it took 1000
 * iterations and 105 s, against 3 s from the predicted rank.  Below, first
 * order is cheap and its start closer (CIFAR-100-LT counts at lZ = 5e-4, J = 85:
 * 300 CG iterations after first order against 640 from the coarse start). */
#define PREDICT_RANK_ABOVE 200
/* Above this many groups a rank below J - 1 is finished on the manifold of
 * that rank (the tangent model) instead of by the factored model, whose CG
 * takes the cap of 200 iterations for accurate directions at J = 999
 * (measured at K = 8142, lZ N = 3: 13 SVD-equivalents against more than
 * 180 s; CIFAR-100-LT counts at lZ = 5e-4, J = 85: 56 ms against 83).
 * Not below: with it for every J, one of t_theory's random structures
 * (J = 4, just past a rank drop) came out 5e-8 off the independent
 * solver, against the 1e-9 relative error that test allows, while there
 * the factored model's CG is cheap anyway. */
#define TANGENT_ABOVE 64
/* Factored steps before the tangent model takes over: from a coarse start
 * the first tangent step overshoots a small singular value (measured at
 * J = 999: the smallest range value, 1.9e-3 of the largest at the
 * optimum, fell to 1.7e-4, after which steps of 1e-6 were all the line
 * search allowed), while the factored model's first two steps are cheap
 * (3 and 4 CG) and land close enough. */
#define FACTORED_FIRST 2

typedef struct {
    ncs_fista fs;
    ncs_soft sm;
    ncs_cert_ws cw;
    double *best, *best_sv, *work;
    ncs_svd svd;
    double *block, *svd_block;
    ncs_newton *nw;
    ncs_cert best_cert;
    double best_dual;
    int have_best;
} level_ws;

static void level_layout(ncs_arena *a, void *obj, const void *arg)
{
    level_ws *w = obj;
    const ncs_problem *p = arg;
    ncs_fista_layout(a, &w->fs, p);
    ncs_soft_layout(a, &w->sm, p->J);
    ncs_cert_layout(a, &w->cw, p->J);
    w->best = ncs_take(a, p->m);
    w->best_sv = ncs_take(a, (size_t)p->J);
    w->work = ncs_take(a, p->m > 4 * (size_t)p->J ? p->m : 4 * (size_t)p->J);
}

static nc_status level_init(const ncs_problem *p, level_ws *w)
{
    memset(w, 0, sizeof *w);
    ncs_svd_arg sa = {p->J};
    if (ncs_carve(p->ctx, level_layout, w, p, &w->block) ||
        ncs_carve(p->ctx, ncs_svd_layout, &w->svd, &sa, &w->svd_block))
        return p->ctx->status;
    w->best_dual = -INFINITY;
    return NC_OK;
}

static void level_free(const ncs_problem *p, level_ws *w)
{
    ncs_newton_destroy(p, w->nw);
    nc_free(p->ctx, w->block);
    nc_free(p->ctx, w->svd_block);
}

/* Keeps x if it is the best certified point so far: the lowest objective;
 * near the optimum objectives differ by rounding only, and among points
 * within rounding of each other the one closer to the optimum (distance
 * bound, then KKT residual, then own gap) wins. */
static void offer(const ncs_problem *p, level_ws *w, const double *x, const ncs_cert *c,
                  const double *svG)
{
    if (c->dual > w->best_dual)
        w->best_dual = c->dual;
    const ncs_cert *b = &w->best_cert;
    double noise = 64 * DBL_EPSILON * fabs(c->primal);
    int better = !w->have_best || c->primal < b->primal - noise;
    if (!better && w->have_best && !(c->primal > b->primal + noise))
        better = c->dist < b->dist || (c->dist == b->dist && c->kkt < b->kkt) ||
                 (c->dist == b->dist && c->kkt == b->kkt && c->gap < b->gap);
    if (better) {
        memcpy(w->best, x, p->m * sizeof(double));
        memcpy(w->best_sv, svG, (size_t)p->J * sizeof(double));
        w->best_cert = *c;
        w->have_best = 1;
    }
}

/* A cold start shaped like the balanced optimum (docs/theory.md section 3),
 * where the off-diagonal probability of a class is lZ sqrt(n); with unequal
 * counts the subgradient condition suggests p ~ lZ N / (K sqrt(n)), so
 * column m of Zbar is alpha (e_m - 1/K), alpha = log((1 - (K-1) p) / p);
 * classes of a collapsed group, or with alpha < 0, start at 0. */
void ncs_cold_start(const ncs_problem *p, double *x)
{
    int J = p->J;
    double *G = ncs_pG(p, x), *d = ncs_pd(p, x), K = p->K;
    memset(x, 0, p->m * sizeof(double));
    for (int j = 0; j < J; ++j) {
        double pj = p->lZ * p->N / (K * sqrt(p->n[j]));
        int collapsed = p->lZ * p->N >= sqrt(p->n[j]) || pj >= 1.0 / K;
        double alpha = collapsed ? 0.0 : log((1 - (K - 1) * pj) / pj);
        double beta = -alpha / K, delta = p->k[j] > 1 ? alpha : 0.0;
        for (int i = 0; i < J; ++i) {
            double c = i == j ? beta + alpha / p->k[j] : beta;
            G[i + (size_t)j * J] = p->r[i] * c * p->s[j];
        }
        if (p->dfree[j])
            d[j] = p->sig[j] * delta;
    }
    ncs_project(p, x);
}

static nc_status certify_and_offer(const ncs_problem *p, level_ws *w, const double *x,
                                   double tol, ncs_cert *c)
{
    nc_status st = ncs_certify(p, x, &w->svd, &w->cw, tol, c);
    if (st)
        return st;
    c->kkt = c->dist = INFINITY;
    offer(p, w, x, c, w->cw.svG);
    return NC_OK;
}

static nc_status run_newton_model(const ncs_problem *p, level_ws *w, const ncs_level_opts *o,
                                  int model, int rank, double *x, ncs_level_info *info,
                                  int *ok, int cap);

static nc_status run_newton(const ncs_problem *p, level_ws *w, const ncs_level_opts *o,
                            int rank, double *x, ncs_level_info *info, int *ok)
{
    int model = rank >= p->J - 1 ? NCS_MODEL_FULL : NCS_MODEL_FACTORED;
    if (model == NCS_MODEL_FACTORED && p->J > TANGENT_ABOVE) {
        nc_status st = run_newton_model(p, w, o, NCS_MODEL_FACTORED, rank, x, info, ok,
                                        FACTORED_FIRST);
        if (st || *ok)
            return st;
        model = NCS_MODEL_TANGENT;
    }
    return run_newton_model(p, w, o, model, rank, x, info, ok, 80);
}

static nc_status run_newton_model(const ncs_problem *p, level_ws *w, const ncs_level_opts *o,
                                  int model, int rank, double *x, ncs_level_info *info,
                                  int *ok, int cap)
{
    nc_status st;
    *ok = 0;
    if (!w->nw && (st = ncs_newton_create(p, &w->nw)))
        return st;
    /* MaxIter bounds the iterations of both kinds */
    int budget = o->max_iter - info->iterations - info->newton_steps;
    if (budget <= 0)
        return NC_OK;
    ncs_newton_opts no = {o->tol, o->tolx, o->verbose, budget < cap ? budget : cap};
    ncs_newton_result res;
    if (rank < 0)
        return NC_OK;
    if ((st = ncs_newton_run(p, w->nw, model, rank, x, &no, &res)))
        return st;
    info->newton_steps += res.steps;
    info->cg += res.cg;
    if (res.ok)
        offer(p, w, x, &res.cert, res.svG);
    *ok = res.ok;
    return NC_OK;
}

/* The certificate's point bound at x, from a fresh SVD of G (vectors). */
static nc_status finish_point(const ncs_problem *p, level_ws *w, const double *x, ncs_cert *c)
{
    int r = 0;
    if (p->J > 1) {
        nc_status st = ncs_svd_run(p->ctx, &w->svd, ncs_cG(p, x), 1);
        if (st)
            return st;
        r = ncs_rank_of(w->svd.sv, p->J);
    }
    return ncs_point_bound(p, x, &w->svd, r, &w->cw, w->fs.g, c);
}

/* Exact zero test; on success x is (0, 0, bias-only bt), certified. */
static nc_status zero_phase(const ncs_problem *p, level_ws *w, double *x, int *is_zero)
{
    memset(x, 0, p->m * sizeof(double));
    ncs_bias_only(p, ncs_pb(p, x), w->work);
    nc_status st = ncs_zero_is_optimal(p, &w->svd, ncs_cb(p, x), w->cw.M, is_zero);
    if (st || !*is_zero)
        return st;
    ncs_cert c;
    if ((st = certify_and_offer(p, w, x, 0.0, &c)) || (st = finish_point(p, w, x, &c)))
        return st;
    w->best_cert = c;
    return NC_OK;
}

/* First order with periodic certificates; Newton when the rank looks
 * identified.  Ends on convergence, MaxIter, or stagnation at the rounding
 * floor. */
static nc_status first_order_loop(const ncs_problem *p, level_ws *w, const ncs_level_opts *o,
                                  int cold, ncs_level_info *info)
{
    static const int check_schedule[] = {3, 3, 5, 10};
    ncs_fista *fs = &w->fs;
    nc_status st;
    int newton_wait = 0, newton_backoff = 10, last_rank = -1, flat = 0, since_best = 0;
    double previous = INFINITY, best_rel = INFINITY;
    ncs_fista_reset(fs, p);
    fs->rho = 1;
    for (int checks = 0;; ++checks) {
        int every = check_schedule[checks < 3 ? checks : 3];
        ncs_cert c = {INFINITY, -INFINITY, INFINITY, INFINITY, INFINITY};
        int force_newton = 0;
        if (!(cold && checks == 0)) { /* the guess is never optimal: iterate first */
            if ((st = certify_and_offer(p, w, fs->x, o->tol, &c)))
                return st;
            if (c.primal - w->best_dual <= o->tol * c.primal) {
                /* the objective is met; the point must be too (its distance
                 * bound), else Newton polishes it */
                if ((st = finish_point(p, w, fs->x, &c)))
                    return st;
                if (!(p->lb > 0) || c.dist <= o->tolx * ncs_point_scale(p, fs->x)) {
                    offer(p, w, fs->x, &c, w->cw.svG);
                    info->converged = 1;
                    return NC_OK;
                }
                force_newton = 1;
            }
        }
        if (o->verbose >= 2)
            nc_printf(p->ctx, "nc_solve: iteration %d  objective %.15g  gap %.3e  rank %d\n",
                      info->iterations, c.primal, c.gap, fs->rank);
        if (info->iterations + info->newton_steps >= o->max_iter)
            return NC_OK;
        if (nc_interrupted(p->ctx))
            return p->ctx->status;
        /* no progress beyond rounding for 20 checks: the floor of double; or
         * the relative gap not down by a tenth in 30 checks (about 300
         * iterations): first order will not get there in reasonable time */
        flat = previous - c.primal <= 4 * DBL_EPSILON * fabs(c.primal) ? flat + 1 : 0;
        double rel = c.gap / c.primal;
        if (rel < 0.9 * best_rel)
            best_rel = rel, since_best = 0;
        else
            ++since_best;
        if (flat >= 20 || since_best >= 30)
            return NC_OK;
        /* Newton once the rank looks identified: at once when it is J - 1
         * (the only smooth case), after two equal checks otherwise; and only
         * close to the optimum or when first order stalls (damped Newton
         * from far away drifts to the rank boundary, where the nuclear
         * norm's curvature blows up) */
        int stable = fs->rank == p->J - 1 ||
                     (fs->rank == last_rank && (fs->rank > 0 || p->nd > 0)) || force_newton;
        int stalled = previous - c.primal <= 1e-3 * c.primal;
        last_rank = fs->rank;
        previous = c.primal;
        /* (a cold start has no certificate yet: its gap is no evidence) */
        if (stable && (force_newton || (info->iterations >= newton_wait && isfinite(c.gap) &&
                                        (c.gap <= 0.03 * c.primal || stalled)))) {
            int ok = 0, steps = info->newton_steps;
            memcpy(w->work, fs->x, p->m * sizeof(double));
            if ((st = run_newton(p, w, o, fs->rank, w->work, info, &ok)))
                return st;
            if (ok) {
                info->converged = 1;
                return NC_OK;
            }
            newton_wait = info->iterations + newton_backoff;
            newton_backoff *= 2;
            /* Newton's steps only descend (Armijo; the polish accepts no
             * rise beyond rounding): its point, though not certified to the
             * target, is better than the one it started from, and first
             * order resumes there (the next check certifies it) */
            if (info->newton_steps > steps)
                memcpy(fs->x, w->work, p->m * sizeof(double));
            ncs_fista_reset(fs, p);
        }
        for (int i = 0; i < every && info->iterations + info->newton_steps < o->max_iter;
             ++i, ++info->iterations) {
            if (nc_interrupted(p->ctx))
                return p->ctx->status;
            if ((st = ncs_fista_step(p, fs, &w->svd, &w->sm)))
                return st;
        }
    }
}

/* Rank of G at x. */
static nc_status rank_at(const ncs_problem *p, level_ws *w, const double *x, int *rank)
{
    *rank = 0;
    if (p->J == 1)
        return NC_OK;
    nc_status st = ncs_svd_run(p->ctx, &w->svd, ncs_cG(p, x), 0);
    if (st == NC_OK)
        *rank = ncs_rank_of(w->svd.sv, p->J);
    return st;
}

/* Whether the best point misses its accuracy target: the distance bound,
 * or without one (lb = 0) a KKT residual far above rounding. */
static int point_missed(const ncs_problem *p, const level_ws *w, const ncs_level_opts *o)
{
    const ncs_cert *c = &w->best_cert;
    if (p->lb > 0)
        return !(c->dist <= o->tolx * ncs_point_scale(p, w->best));
    return !(c->kkt <= 1e-10 * p->lZ);
}

/* The most violated direction outside G's singular subspaces, from the
 * SVD of G (vectors) in w->svd: with B = U_perp' grad_G V_perp / lZ, the
 * nuclear norm's subgradient there can only be clip(B), so sigma_1(B) > 1
 * says that G should grow along -u v' (u, v: B's top singular pair carried
 * back).  *sigma receives sigma_1(B); u, v (J) the direction. */
static nc_status perp_violation(const ncs_problem *p, level_ws *w, int r, const double *gG,
                                double *sigma, double *u, double *v)
{
    int J = p->J, m = J - r;
    nc_ctx *ctx = p->ctx;
    double *T = nc_alloc(ctx, (size_t)J * m, sizeof(double)), *B = nc_alloc(ctx, (size_t)m * m,
                                                                              sizeof(double));
    ncs_svd small;
    double *block = NULL;
    ncs_svd_arg arg = {m};
    nc_status st = ctx->status;
    if (!st && !(st = ncs_carve(ctx, ncs_svd_layout, &small, &arg, &block))) {
        ncs_gemm('T', 'N', m, J, J, 1.0 / p->lZ, w->svd.u + (size_t)r * J, J, gG, J, 0.0, T, m);
        ncs_gemm('N', 'T', m, m, J, 1.0, T, m, w->svd.vt + r, J, 0.0, B, m);
        if (!(st = ncs_svd_run(ctx, &small, B, 1))) {
            *sigma = small.sv[0];
            ncs_gemm('N', 'N', J, 1, m, 1.0, w->svd.u + (size_t)r * J, J, small.u, m, 0.0, u, J);
            for (int i = 0; i < J; ++i) { /* V_perp vB: rows r.. of vt are V_perp' */
                double t = 0;
                for (int l = 0; l < m; ++l)
                    t += w->svd.vt[(r + l) + (size_t)i * J] * small.vt[0 + (size_t)l * m];
                v[i] = t;
            }
        }
    }
    nc_free(ctx, block);
    nc_free(ctx, T);
    nc_free(ctx, B);
    return st;
}

/* Newton at RANK from X, kept only when it meets the target: otherwise the
 * best point, its singular values and certificate are restored (KEEP holds
 * the point meanwhile; fs.xz the singular values), so that a failed attempt
 * never replaces a point already reached.  *KEPT says which. */
static nc_status newton_if_better(const ncs_problem *p, level_ws *w, const ncs_level_opts *o,
                                  int rank, double *x, double *keep, ncs_level_info *info,
                                  int *kept)
{
    ncs_cert before = w->best_cert;
    memcpy(keep, w->best, p->m * sizeof(double));
    memcpy(w->fs.xz, w->best_sv, (size_t)p->J * sizeof(double));
    int ok = 0;
    nc_status st = run_newton(p, w, o, rank, x, info, &ok);
    if (st)
        return st;
    *kept = ok && !point_missed(p, w, o);
    if (!*kept) {
        memcpy(w->best, keep, p->m * sizeof(double));
        memcpy(w->best_sv, w->fs.xz, (size_t)p->J * sizeof(double));
        w->best_cert = before;
    }
    return NC_OK;
}

/* When the point misses its target the rank may be too low: just below a
 * rank drop the optimum has a singular value far below what first order
 * resolves, and Newton at the lower rank converges to the wrong manifold.
 * The KKT residual names the missing direction (perp_violation); G grows
 * along it by the step the smooth curvature predicts, and Newton one rank
 * higher polishes; kept only when it meets the target. */
static nc_status rank_ascent(const ncs_problem *p, level_ws *w, const ncs_level_opts *o,
                             ncs_level_info *info)
{
    int J = p->J;
    for (int attempt = 0; attempt < 3 && J > 1 && point_missed(p, w, o); ++attempt) {
        double *x = w->work, *g = w->fs.g, *u = w->fs.xz, *v = w->fs.xz + J;
        memcpy(x, w->best, p->m * sizeof(double));
        nc_status st = ncs_svd_run(p->ctx, &w->svd, ncs_cG(p, x), 1);
        if (st)
            return st;
        int r = ncs_rank_of(w->svd.sv, J);
        if (r >= J - 1)
            return NC_OK;
        ncs_smooth(p, x, &w->sm, g);
        double sigma = 0;
        if ((st = perp_violation(p, w, r, ncs_cG(p, g), &sigma, u, v)))
            return st;
        if (!(sigma > 1 + 1e-9))
            return NC_OK; /* no violation outside: the rank is not too low */
        double *dir = w->fs.xt, *h = w->fs.xp;
        memset(dir, 0, p->m * sizeof(double));
        for (int j = 0; j < J; ++j)
            for (int i = 0; i < J; ++i)
                dir[i + (size_t)j * J] = -u[i] * v[j];
        ncs_project(p, dir);
        ncs_smooth_hessian(p, &w->sm, dir, h);
        double c = ncs_dot(dir, h, p->m), t = c > 0 ? p->lZ * (sigma - 1) / c : 0.0;
        for (size_t i = 0; i < p->JJ; ++i)
            x[i] += t * dir[i];
        int kept = 0;
        if ((st = newton_if_better(p, w, o, r + 1, x, w->fs.x, info, &kept)) || !kept)
            return st;
    }
    return NC_OK;
}

/* Near a threshold the full model's region of quadratic convergence
 * shrinks with the smallest singular value (the nuclear norm's curvature
 * grows like 1/s); the factored model of the same rank has no such
 * singularity.  Tried when the full model missed the target, for moderate J
 * (the factored model is Jacobi-preconditioned). */
static nc_status factored_polish(const ncs_problem *p, level_ws *w, const ncs_level_opts *o,
                                 ncs_level_info *info)
{
    int J = p->J;
    if (J < 2 || J > 200 || !point_missed(p, w, o))
        return NC_OK;
    double *x = w->work;
    memcpy(x, w->best, p->m * sizeof(double));
    int r = 0, ok = 0;
    nc_status st = rank_at(p, w, x, &r);
    if (st || r == 0)
        return st;
    return run_newton_model(p, w, o, NCS_MODEL_FACTORED, r, x, info, &ok, 80);
}

/* When the point misses its target the rank may be too high: an optimum at
 * a threshold (groups merging, the between part vanishing) has singular
 * values of exactly 0 that Newton on a higher rank only approaches.  The
 * point with its smallest singular value removed, polished by Newton one
 * rank lower, replaces it when it meets the target. */
static nc_status rank_descent(const ncs_problem *p, level_ws *w, const ncs_level_opts *o,
                              ncs_level_info *info)
{
    int J = p->J;
    for (int attempt = 0; attempt < 3 && J > 1 && point_missed(p, w, o); ++attempt) {
        double *x = w->work;
        memcpy(x, w->best, p->m * sizeof(double));
        nc_status st = ncs_svd_run(p->ctx, &w->svd, ncs_cG(p, x), 1);
        if (st)
            return st;
        int r = ncs_rank_of(w->svd.sv, J);
        /* worth a Newton run at one rank lower where that is cheap, or where
         * the smallest singular value is small enough to be spurious */
        if (r == 0 || (J > 200 && !(w->svd.sv[r - 1] <= 1e-4 * w->svd.sv[0])))
            return NC_OK;
        for (int i = 0; i < r - 1; ++i) /* G without its smallest singular value */
            for (int l = 0; l < J; ++l)
                w->svd.u[l + (size_t)i * J] *= w->svd.sv[i];
        ncs_gemm('N', 'N', J, J, r - 1, 1.0, w->svd.u, J, w->svd.vt, J, 0.0, x, J);
        ncs_project(p, x);
        /* the lower rank must meet the target itself: a point with a singular
         * value the optimum does have, removed, can carry a smaller bound than
         * an inaccurate point of the right rank */
        int kept = 0;
        if ((st = newton_if_better(p, w, o, r - 1, x, w->fs.xt, info, &kept)) || !kept)
            return st;
    }
    return NC_OK;
}

int ncs_collapsed_rank(const ncs_problem *p)
{
    int c = 0;
    for (int j = 0; j < p->J; ++j)
        /* strictly past the threshold: at it (lZ N = sqrt(n_j) to
         * rounding) the within part is 0 but the between part keeps its
         * rank; a rank predicted too high costs the factored model nothing
         * (its minimum is the convex one for any r >= the optimum's rank) */
        c += p->lZ * p->N > sqrt(p->n[j]) * (1 + 1e-9);
    return p->J - 1 - c > 0 ? p->J - 1 - c : (p->J > 1 ? 1 : 0);
}

nc_status ncs_solve_level(const ncs_problem *p, const ncs_level_opts *o, double *x,
                          double *svG, ncs_level_info *info)
{
    level_ws w;
    memset(info, 0, sizeof *info);
    double t_in = nc_now();
    nc_status st = level_init(p, &w);
    if (o->verbose >= 3)
        nc_printf(p->ctx, "nc_solve: level %d: init %.3f s\n", p->J, nc_now() - t_in);
    int is_zero = 0, ok = 0, have_start = 0;
    if (st || (st = zero_phase(p, &w, x, &is_zero)))
        goto done;
    if (o->verbose >= 3)
        nc_printf(p->ctx, "nc_solve: level %d: zero test done at %.3f s\n", p->J, nc_now() - t_in);
    if (is_zero) {
        info->is_zero = 1;
        goto done;
    }
    double *start = w.fs.x;
    if (o->x0) {
        memcpy(start, o->x0, p->m * sizeof(double));
        ncs_project(p, start);
        have_start = 1;
    } else if (o->coarse && p->J > COARSE_ABOVE) {
        double t0 = nc_now();
        if ((st = ncs_coarse_start(p, o, start, info)))
            goto done;
        if (o->verbose >= 3)
            nc_printf(p->ctx, "nc_solve: coarse start %.3f s\n", nc_now() - t0);
        have_start = 1;
    } else {
        ncs_cold_start(p, start);
    }
    /* a coarse start has the rank of a coarse optimum: the full one (the
     * full model checks it), or for many groups the one the collapsed
     * groups predict; a warm start or a cold one is measured */
    int rank = p->J - 1;
    if (have_start && !o->x0)
        rank = p->J > PREDICT_RANK_ABOVE ? ncs_collapsed_rank(p) : p->J - 1;
    else if ((st = rank_at(p, &w, start, &rank)))
        goto done;
    if (o->verbose >= 3)
        nc_printf(p->ctx, "nc_solve: level %d: start ready at %.3f s\n", p->J, nc_now() - t_in);
    w.fs.rank = rank;
    if (have_start) {
        int steps0 = info->newton_steps;
        memcpy(w.work, start, p->m * sizeof(double));
        if ((st = run_newton(p, &w, o, rank, w.work, info, &ok)))
            goto done;
        /* a factored run that made progress but ended short of its
         * certificate (CG capped at the last, most accurate directions:
         * Jacobi leaves them ill-conditioned) is resumed once from
         * its point: a fresh phase rebuilds the forcing from the current
         * gradient.  First order from there would first climb away (its step
         * size adapts from scratch) */
        if (!ok && info->newton_steps > steps0 && rank < p->J - 1) {
            int steps1 = info->newton_steps;
            memcpy(start, w.work, p->m * sizeof(double));
            if ((st = run_newton(p, &w, o, rank, w.work, info, &ok)))
                goto done;
            if (!ok && info->newton_steps == steps1)
                memcpy(w.work, start, p->m * sizeof(double));
        }
        if (ok)
            info->converged = 1;
        else if (info->newton_steps > steps0)
            memcpy(start, w.work, p->m * sizeof(double)); /* Newton only descends */
        else if (w.have_best)
            memcpy(start, w.best, p->m * sizeof(double)); /* never restart worse */
    }
    if (!ok && (st = first_order_loop(p, &w, o, !have_start, info)))
        goto done;
    if (w.have_best && ((st = factored_polish(p, &w, o, info)) ||
                        (st = rank_ascent(p, &w, o, info)) ||
                        (st = rank_descent(p, &w, o, info))))
        goto done;
done:
    if (st == NC_OK || st == NC_EINTERRUPT) {
        if (w.have_best) {
            memcpy(x, w.best, p->m * sizeof(double));
            info->cert = w.best_cert;
            info->cert.dual = w.best_dual;
            info->cert.gap = w.best_cert.primal - w.best_dual;
            info->converged = info->converged || info->cert.gap <= o->tol * info->cert.primal;
            if (st == NC_OK && !isfinite(info->cert.kkt))
                st = finish_point(p, &w, x, &info->cert);
            info->rank = p->J > 1 ? ncs_rank_of(w.best_sv, p->J) : 0;
            if (svG)
                memcpy(svG, w.best_sv, (size_t)p->J * sizeof(double));
        } else if (st == NC_OK) { /* interrupted before any certificate */
            memcpy(x, w.fs.x, p->m * sizeof(double));
        }
    }
    level_free(p, &w);
    if (o->verbose >= 3)
        nc_printf(p->ctx, "nc_solve: level %d: done at %.3f s\n", p->J, nc_now() - t_in);
    return st;
}
