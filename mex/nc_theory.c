/* SPDX-License-Identifier: GPL-3.0-or-later */
/* T = nc_theory(k, n, lambda_Z, lambda_b) or nc_theory(n, lambda_Z, lambda_b):
 * see m/nc_theory.m.  The argument count tells the two forms apart. */
#include "nc_theory.h"
#include "ncm.h"

enum { IN_K, IN_N, IN_LAMBDA_Z, IN_LAMBDA_B, NARGS_CLUSTERS };           /* (k, n, lZ, lb) */
enum { IN_COUNTS, IN_COUNTS_LAMBDA_Z, IN_COUNTS_LAMBDA_B, NARGS_COUNTS }; /* (n, lZ, lb) */

/* The classes, grouped: cluster j holds k[j] classes of n[j] samples;
 * class c (0-based) is in cluster[c] and has counts[c] samples. */
typedef struct {
    size_t J, K;
    int *k, *cluster;
    const double *n, *counts;
} classes;

static void read_clusters(const mxArray *ka, const mxArray *na, classes *c)
{
    c->J = ncm_clusters(ka, na, "N", &c->k, &c->n);
    c->K = 0;
    for (size_t j = 0; j < c->J; ++j)
        c->K += (size_t)c->k[j];
    double *counts = ncm_alloc(c->K, sizeof *counts);
    c->cluster = ncm_alloc(c->K, sizeof *c->cluster);
    for (size_t j = 0, t = 0; j < c->J; ++j)
        for (int i = 0; i < c->k[j]; ++i, ++t) {
            c->cluster[t] = (int)j;
            counts[t] = c->n[j];
        }
    c->counts = counts;
}

/* Refuses outputs that cannot fit in memory before creating them. */
static void check_output_size(size_t K, size_t J)
{
    size_t bytes, part; /* Zbar, gamma, and vectors of K and of J */
    nc_size_mul(K, K, &bytes);
    nc_size_mul(J, J, &part);
    nc_size_add(bytes, part, &bytes);
    nc_size_add(bytes, 6 * K + 8 * J, &bytes);
    nc_size_mul(bytes, sizeof(double), &bytes);
    nc_ctx ctx;
    ncm_ctx(&ctx);
    if (nc_check_memory(&ctx, bytes, "the outputs (Zbar is K x K)"))
        ncm_raise(&ctx);
}

static mxArray *index_column(const int *v, size_t n, int base)
{
    mxArray *a = mxCreateDoubleMatrix(n, 1, mxREAL);
    for (size_t i = 0; i < n; ++i)
        mxGetPr(a)[i] = v[i] + base;
    return a;
}

void mexFunction(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[])
{
    ncm_begin("nc_theory");
    ncm_nargs(nrhs, NARGS_COUNTS, NARGS_CLUSTERS, nlhs, 1);
    classes c;
    int counts_form = nrhs == NARGS_COUNTS;
    if (counts_form)
        c.K = ncm_count_clusters(prhs[IN_COUNTS], "N", &c.J, &c.k, &c.n, &c.cluster, &c.counts);
    else
        read_clusters(prhs[IN_K], prhs[IN_N], &c);
    double lZ = ncm_scalar(prhs[counts_form ? IN_COUNTS_LAMBDA_Z : IN_LAMBDA_Z], "LAMBDA_Z",
                           "badLambda", NCM_POSITIVE);
    double lb = ncm_scalar(prhs[counts_form ? IN_COUNTS_LAMBDA_B : IN_LAMBDA_B], "LAMBDA_B",
                           "badLambda", NCM_NONNEG);
    size_t J = c.J, K = c.K;
    check_output_size(K, J);

    mxArray *alpha = mxCreateDoubleMatrix(J, 1, mxREAL), *beta = mxCreateDoubleMatrix(J, 1, mxREAL),
            *delta = mxCreateDoubleMatrix(J, 1, mxREAL), *gamma = mxCreateDoubleMatrix(J, J, mxREAL),
            *bias = mxCreateDoubleMatrix(J, 1, mxREAL), *Zbar = mxCreateDoubleMatrix(K, K, mxREAL),
            *b = mxCreateDoubleMatrix(K, 1, mxREAL), *sv = mxCreateDoubleMatrix(K, 1, mxREAL),
            *bsv = mxCreateDoubleMatrix(J - 1, 1, mxREAL);
    int *coll = ncm_alloc(J, sizeof *coll);
    nc_theory_result r = {.alpha = mxGetPr(alpha), .beta = mxGetPr(beta),
                          .delta = mxGetPr(delta), .gamma = mxGetPr(gamma),
                          .bias = mxGetPr(bias), .collapsed = coll, .Zbar = mxGetPr(Zbar),
                          .b = mxGetPr(b), .sv = mxGetPr(sv), .between_sv = mxGetPr(bsv)};
    nc_ctx ctx;
    ncm_ctx(&ctx);
    if (nc_theory_map(&ctx, (int)J, c.k, c.n, (int)K, c.cluster, lZ, lb, &r) != NC_OK)
        ncm_raise(&ctx); /* frees the scratch memory too */
    if (!(r.kkt < 1e-8))
        ncm_warning("notCertified",
                    "the optimality conditions hold only to %.3g (relative); the answer may be "
                    "inexact",
                    r.kkt);

    mxArray *cl = mxCreateLogicalMatrix(J, 1);
    for (size_t j = 0; j < J; ++j)
        mxGetLogicals(cl)[j] = coll[j] != 0;
    const ncm_field out[] = {
        {"k", index_column(c.k, J, 0)}, {"n", ncm_real(c.n, J, 1)},
        {"counts", ncm_real(c.counts, K, 1)}, {"cluster", index_column(c.cluster, K, 1)},
        {"lambda_Z", ncm_real_scalar(lZ)}, {"lambda_b", ncm_real_scalar(lb)},
        {"alpha", alpha}, {"beta", beta}, {"delta", delta}, {"gamma", gamma}, {"bias", bias},
        {"collapsed", cl}, {"Zbar", Zbar}, {"b", b}, {"sv", sv}, {"between_sv", bsv},
        {"between_rank", ncm_real_scalar(r.between_rank)},
        {"objective", ncm_real_scalar(r.objective)}, {"kkt", ncm_real_scalar(r.kkt)},
        {"newton_steps", ncm_real_scalar(r.newton_steps)}};
    plhs[0] = NCM_STRUCT(out);
    ncm_end();
}
