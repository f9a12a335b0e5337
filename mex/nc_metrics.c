/* SPDX-License-Identifier: GPL-3.0-or-later */
/* nc_metrics: neural-collapse metrics of a feature matrix, whole or
 * streamed in chunks through a state struct.  See m/nc_metrics.m. */
#include "nc_metrics.h"
#include "ncm.h"

#include <math.h>
#include <string.h>

static const char *const option_names[] = {"Weighting", "RankTol", "K", "Verbose"};
static const char *const weightings[] = {"samples", "classes"};
enum { OPT_WEIGHTING, OPT_RANKTOL, OPT_K, OPT_VERBOSE, OPT_COUNT };

typedef struct {
    nc_weighting weighting;
    double rank_tol;
    int K; /* 0: from W or the labels */
    int verbose;
    const double *W, *b; /* NULL when absent */
    size_t W_rows;
} options;

static int is_text(const mxArray *a) { return a && mxIsChar(a); }

/* [W [, b]] then name/value options, from prhs[first] on; d is the feature
 * dimension W must match. */
static void parse_tail(int nrhs, const mxArray *prhs[], int first, size_t d, options *o)
{
    memset(o, 0, sizeof *o);
    int i = first;
    size_t rows = 0, cols = 0, len = 0;
    if (i < nrhs && !is_text(prhs[i])) {
        o->W = ncm_matrix(prhs[i], "W", "badClassifier", NCM_FINITE | NCM_EMPTY_OK, 0, 0,
                          &rows, &cols);
        if (rows * cols == 0)
            o->W = NULL;
        else if (cols != d)
            ncm_error("badClassifier", "W must be K x d with d = %zu feature rows, not %zu x %zu",
                      d, rows, cols);
        o->W_rows = rows;
        ++i;
        if (i < nrhs && !is_text(prhs[i])) {
            o->b = ncm_vector(prhs[i], "B", "badBias", NCM_FINITE | NCM_EMPTY_OK, 0, &len);
            if (len && !o->W)
                ncm_error("badBias", "B needs the classifier W");
            if (len && len != rows)
                ncm_error("badBias", "B must have K = %zu elements (rows of W), not %zu", rows,
                          len);
            ++i;
        }
    }
    ncm_option_pairs(nrhs, i);
    for (; i < nrhs; i += 2) {
        switch (ncm_option(prhs[i], option_names, OPT_COUNT)) {
        case OPT_WEIGHTING:
            o->weighting = (nc_weighting)ncm_choice(prhs[i + 1], "Weighting", weightings, 2);
            break;
        case OPT_RANKTOL: {
            double t = ncm_scalar(prhs[i + 1], "RankTol", "badOption", NCM_NONNEG);
            if (!(t < 1))
                ncm_error("badOption", "RankTol must be in [0, 1) (0: the default)");
            o->rank_tol = t;
            break;
        }
        case OPT_K: {
            double k = ncm_scalar(prhs[i + 1], "K", "badOption", NCM_POSITIVE | NCM_INTEGER);
            if (k < 2 || k > 1e7)
                ncm_error("badOption", "K must be a whole number of classes >= 2");
            o->K = (int)k;
            break;
        }
        case OPT_VERBOSE:
            o->verbose = ncm_flag(prhs[i + 1], "Verbose");
            break;
        }
    }
    if (o->W) {
        if (o->K && (size_t)o->K != o->W_rows)
            ncm_error("badClassifier", "W has %zu rows but K = %d", o->W_rows, o->K);
        if (o->W_rows < 2)
            ncm_error("badClassifier", "W must have K >= 2 rows");
        o->K = (int)o->W_rows;
    }
}

/* Labels 1..K as 0-based ints; K = max(y) when not yet known. */
static int *labels(const mxArray *a, size_t N, int *K)
{
    size_t len;
    /* integer labels (e.g. int64 from a NumPy export) are common: convert */
    if (a && (mxIsInt8(a) || mxIsUint8(a) || mxIsInt16(a) || mxIsUint16(a) || mxIsInt32(a) ||
              mxIsUint32(a) || mxIsInt64(a) || mxIsUint64(a)) && !mxIsComplex(a)) {
        mxArray *in = (mxArray *)a, *out = NULL;
        mexCallMATLAB(1, &out, 1, &in, "double");
        a = out;
    }
    const double *v = ncm_vector(a, "Y", "badLabels", NCM_POSITIVE | NCM_INTEGER, N, &len);
    int *y = mxMalloc(len * sizeof *y);
    double top = 0;
    for (size_t j = 0; j < len; ++j)
        top = v[j] > top ? v[j] : top;
    if (*K == 0) {
        if (top < 2 || top > 1e7)
            ncm_error("badLabels", "Y must hold labels 1..K with K >= 2 (max(Y) = %g)", top);
        *K = (int)top;
    } else if (top > *K) {
        ncm_error("badLabels", "Y holds label %g but there are K = %d classes", top, *K);
    }
    for (size_t j = 0; j < len; ++j)
        y[j] = (int)v[j] - 1;
    return y;
}

static mxArray *column(const double *v, size_t n) { return ncm_real(v, n, 1); }

static mxArray *result_struct(const nc_metrics_state *st, const nc_metrics_result *r,
                              const double *W)
{
    const int K = st->K, d = st->d;
    mxArray *R = mxCreateStructMatrix(1, 1, 0, NULL);
    ncm_set(R, "NC1", ncm_real_scalar(r->nc1));
    ncm_set(R, "rank", ncm_real_scalar(r->rank));
    ncm_set(R, "weighting", mxCreateString(weightings[st->weighting]));
    ncm_set(R, "Sigma_B_eig", column(st->eig, (size_t)(d < K ? d : K)));
    ncm_set(R, "trace_Sigma_W", ncm_real_scalar(r->tr_sw));
    ncm_set(R, "trace_Sigma_B", ncm_real_scalar(r->tr_sb));
    ncm_set(R, "CDNV", ncm_real_scalar(r->cdnv));
    ncm_set(R, "CDNV_matrix", ncm_real(r->cdnv_matrix, (size_t)K, (size_t)K));
    ncm_set(R, "class_var", column(r->class_var, (size_t)K));
    ncm_set(R, "NC2_norm_means", ncm_real_scalar(r->equinorm_means));
    ncm_set(R, "NC2_norm_W", ncm_real_scalar(r->equinorm_W));
    ncm_set(R, "NC2_angle_means", ncm_real_scalar(r->equiangular_means));
    ncm_set(R, "NC2_angle_W", ncm_real_scalar(r->equiangular_W));
    ncm_set(R, "NC2_ETF_means", ncm_real_scalar(r->etf_means));
    ncm_set(R, "NC2_ETF_W", ncm_real_scalar(r->etf_W));
    ncm_set(R, "NC3", ncm_real_scalar(r->nc3));
    ncm_set(R, "NC4", ncm_real_scalar(r->nc4));
    ncm_set(R, "accuracy", ncm_real_scalar(r->accuracy));
    ncm_set(R, "NCC_accuracy", ncm_real_scalar(r->ncc_accuracy));
    ncm_set(R, "Zbar", W ? ncm_real(r->zbar, (size_t)K, (size_t)K) : ncm_real(NULL, 0, 0));
    ncm_set(R, "class_means", ncm_real(st->means, (size_t)d, (size_t)K));
    ncm_set(R, "centre", column(st->centre, (size_t)d));
    ncm_set(R, "counts", column(st->counts, (size_t)K));
    return R;
}

/* Runs the finishing step into mxMalloc'd arrays and converts. */
static mxArray *finish(nc_ctx *ctx, const nc_metrics_state *st, const double *W)
{
    const size_t K = (size_t)st->K;
    nc_metrics_result r;
    memset(&r, 0, sizeof r);
    r.cdnv_matrix = mxMalloc(K * K * sizeof(double));
    r.class_var = mxMalloc(K * sizeof(double));
    r.zbar = mxMalloc(K * K * sizeof(double));
    if (nc_metrics_finish(ctx, st, W, &r) != NC_OK)
        ncm_raise(ctx);
    return result_struct(st, &r, W);
}

/* ---- streaming state kept in an Octave struct ---- */

static const char *const state_kind = "nc_metrics_state";

static mxArray *state_field(const mxArray *S, const char *name, size_t rows, size_t cols)
{
    mxArray *f = mxGetField(S, 0, name);
    if (!f || !mxIsDouble(f) || mxIsComplex(f) || mxIsSparse(f) ||
        (rows != (size_t)-1 && (mxGetM(f) != rows || mxGetN(f) != cols)))
        ncm_error("badState", "S.%s is missing or has the wrong size: S must come from "
                              "nc_metrics (\"init\", ...) or a later nc_metrics (S, ...)",
                  name);
    return f;
}

static double state_scalar(const mxArray *S, const char *name)
{
    return mxGetScalar(state_field(S, name, 1, 1));
}

/* Points ST at the arrays of S (a duplicate the caller will return). */
static void state_view(const mxArray *S, nc_metrics_state *st, const double **W,
                       const double **b)
{
    mxArray *kind = mxGetField(S, 0, "kind");
    char buf[32] = "";
    if (mxGetNumberOfElements(S) != 1 || !kind || !mxIsChar(kind) ||
        mxGetString(kind, buf, sizeof buf) != 0 || strcmp(buf, state_kind) != 0)
        ncm_error("badState", "S must be a state from nc_metrics (\"init\", d, K, ...)");
    memset(st, 0, sizeof *st);
    double d = state_scalar(S, "d"), K = state_scalar(S, "K"), pass = state_scalar(S, "pass");
    double w = state_scalar(S, "weighting"), rank = state_scalar(S, "rank");
    if (!(d >= 1 && d <= 1e9 && d == floor(d)) || !(K >= 2 && K <= 1e7 && K == floor(K)) ||
        !(pass == 1 || pass == 2) || !(w == 0 || w == 1) ||
        !(rank >= 0 && rank <= K && rank == floor(rank)))
        ncm_error("badState", "S has corrupted sizes (d, K, pass, weighting or rank)");
    st->d = (int)d;
    st->K = (int)K;
    st->pass = (int)pass;
    st->weighting = (nc_weighting)w;
    st->rank = (int)rank;
    st->rank_tol = state_scalar(S, "rank_tol");
    size_t dd = (size_t)d, kk = (size_t)K;
    st->counts = mxGetPr(state_field(S, "counts", kk, 1));
    st->sums = mxGetPr(state_field(S, "sums", dd, kk));
    st->means = mxGetPr(state_field(S, "means", dd, kk));
    st->centre = mxGetPr(state_field(S, "centre", dd, 1));
    st->basis = mxGetPr(state_field(S, "basis", dd, kk));
    st->eig = mxGetPr(state_field(S, "eig", kk, 1));
    st->counts2 = mxGetPr(state_field(S, "counts2", kk, 1));
    st->proj_sq = mxGetPr(state_field(S, "proj_sq", kk, 1));
    st->class_sq = mxGetPr(state_field(S, "class_sq", kk, 1));
    memcpy(st->tally, mxGetPr(state_field(S, "tally", 1, 3)), sizeof st->tally);
    mxArray *fW = state_field(S, "W", (size_t)-1, 0), *fb = state_field(S, "b", (size_t)-1, 0);
    int hasW = mxGetNumberOfElements(fW) > 0;
    if (hasW && (mxGetM(fW) != kk || mxGetN(fW) != dd))
        ncm_error("badState", "S.W must be K x d or empty");
    if (mxGetNumberOfElements(fb) > 0 && (!hasW || mxGetNumberOfElements(fb) != kk))
        ncm_error("badState", "S.b must have K elements (with W) or be empty");
    *W = hasW ? mxGetPr(fW) : NULL;
    *b = mxGetNumberOfElements(fb) > 0 ? mxGetPr(fb) : NULL;
}

static void replace_field(mxArray *S, const char *name, mxArray *value)
{
    mxArray *old = mxGetField(S, 0, name);
    if (old)
        mxDestroyArray(old);
    mxSetField(S, 0, name, NULL);
    ncm_set(S, name, value);
}

static void state_store(mxArray *S, const nc_metrics_state *st)
{
    replace_field(S, "pass", ncm_real_scalar(st->pass));
    replace_field(S, "rank", ncm_real_scalar(st->rank));
    replace_field(S, "tally", ncm_real(st->tally, 1, 3));
}

static mxArray *state_new(size_t d, int K, const options *o)
{
    size_t kk = (size_t)K;
    mxArray *S = mxCreateStructMatrix(1, 1, 0, NULL);
    ncm_set(S, "kind", mxCreateString(state_kind));
    ncm_set(S, "d", ncm_real_scalar((double)d));
    ncm_set(S, "K", ncm_real_scalar(K));
    ncm_set(S, "weighting", ncm_real_scalar(o->weighting));
    ncm_set(S, "rank_tol", ncm_real_scalar(o->rank_tol));
    ncm_set(S, "pass", ncm_real_scalar(1));
    ncm_set(S, "rank", ncm_real_scalar(0));
    ncm_set(S, "counts", mxCreateDoubleMatrix(kk, 1, mxREAL));
    ncm_set(S, "sums", mxCreateDoubleMatrix(d, kk, mxREAL));
    ncm_set(S, "means", mxCreateDoubleMatrix(d, kk, mxREAL));
    ncm_set(S, "centre", mxCreateDoubleMatrix(d, 1, mxREAL));
    ncm_set(S, "basis", mxCreateDoubleMatrix(d, kk, mxREAL));
    ncm_set(S, "eig", mxCreateDoubleMatrix(kk, 1, mxREAL));
    ncm_set(S, "counts2", mxCreateDoubleMatrix(kk, 1, mxREAL));
    ncm_set(S, "proj_sq", mxCreateDoubleMatrix(kk, 1, mxREAL));
    ncm_set(S, "class_sq", mxCreateDoubleMatrix(kk, 1, mxREAL));
    ncm_set(S, "tally", mxCreateDoubleMatrix(1, 3, mxREAL));
    ncm_set(S, "W", o->W ? ncm_real(o->W, kk, d) : mxCreateDoubleMatrix(0, 0, mxREAL));
    ncm_set(S, "b", o->b ? column(o->b, kk) : mxCreateDoubleMatrix(0, 0, mxREAL));
    return S;
}

static void stream(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[])
{
    nc_ctx ctx;
    nc_metrics_state st;
    const double *W, *b;
    if (is_text(prhs[0])) { /* S = nc_metrics ("init", d, K, [W, b,] options) */
        static const char *const verbs[] = {"init"};
        ncm_choice(prhs[0], "the first argument", verbs, 1);
        if (nrhs < 3)
            ncm_error("badArgCount", "nc_metrics (\"init\", d, K, ...) needs d and K");
        double d = ncm_scalar(prhs[1], "D", "badSize", NCM_POSITIVE | NCM_INTEGER);
        double K = ncm_scalar(prhs[2], "K", "badSize", NCM_POSITIVE | NCM_INTEGER);
        if (d > 1e9 || K < 2 || K > 1e7)
            ncm_error("badSize", "needs 1 <= D <= 1e9 and 2 <= K <= 1e7");
        options o;
        parse_tail(nrhs, prhs, 3, (size_t)d, &o);
        if (o.W && o.W_rows != (size_t)K)
            ncm_error("badClassifier", "W has %zu rows but K = %g", o.W_rows, K);
        plhs[0] = state_new((size_t)d, (int)K, &o);
        return;
    }
    mxArray *S = mxDuplicateArray(prhs[0]);
    state_view(S, &st, &W, &b);
    ncm_ctx(&ctx);
    if (nrhs == 1) { /* R = nc_metrics (S) */
        plhs[0] = finish(&ctx, &st, W);
        return;
    }
    if (nrhs == 2 && is_text(prhs[1])) { /* S = nc_metrics (S, "pass2") */
        static const char *const verbs[] = {"pass2"};
        ncm_choice(prhs[1], "the second argument", verbs, 1);
        if (nc_metrics_end_pass1(&ctx, &st) != NC_OK)
            ncm_raise(&ctx);
    } else { /* S = nc_metrics (S, H, y) */
        if (nrhs != 3)
            ncm_error("badArgCount", "a chunk is given as nc_metrics (S, H, Y)");
        size_t d, n;
        int is_single, K = st.K;
        const void *H = ncm_numeric(prhs[1], "H", "badFeatures", NCM_EMPTY_OK, &d,
                                    &n, &is_single);
        if (n > 0 && d != (size_t)st.d)
            ncm_error("badFeatures", "H must have d = %d rows like the state, not %zu", st.d, d);
        if (n == 0) {
            plhs[0] = S;
            return;
        }
        int *y = labels(prhs[2], n, &K);
        nc_status s = st.pass == 1
                          ? nc_metrics_add_pass1(&ctx, &st, (long)n, H, is_single, st.d, y)
                          : nc_metrics_add_pass2(&ctx, &st, (long)n, H, is_single, st.d, y, W, b);
        if (s != NC_OK)
            ncm_raise(&ctx);
    }
    state_store(S, &st);
    plhs[0] = S;
    (void)nlhs;
}

void mexFunction(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[])
{
    ncm_begin("nc_metrics");
    ncm_nargs(nrhs, 1, -1, nlhs, 1);
    if (is_text(prhs[0]) || mxIsStruct(prhs[0])) {
        stream(nlhs, plhs, nrhs, prhs);
        return;
    }
    if (nrhs < 2)
        ncm_error("badArgCount", "needs features H and labels Y");
    size_t d, N;
    int is_single;
    /* Finiteness is checked by the core on the class sums, saving a pass. */
    const void *H = ncm_numeric(prhs[0], "H", "badFeatures", 0, &d, &N, &is_single);
    if (d > 1e9 || N > 1e15)
        ncm_error("badFeatures", "H is too large");
    options o;
    parse_tail(nrhs, prhs, 2, d, &o);
    int K = o.K;
    int *y = labels(prhs[1], N, &K);

    nc_ctx ctx;
    nc_metrics_state st;
    nc_metrics_result r;
    ncm_ctx(&ctx);
    memset(&st, 0, sizeof st);
    memset(&r, 0, sizeof r);
    st.verbose = o.verbose;
    r.cdnv_matrix = mxMalloc((size_t)K * K * sizeof(double));
    r.class_var = mxMalloc((size_t)K * sizeof(double));
    r.zbar = mxMalloc((size_t)K * K * sizeof(double));
    if (nc_metrics_compute(&ctx, (int)d, (long)N, K, H, is_single, (long)d, y, o.W, o.b,
                           o.weighting, o.rank_tol, &st, &r) != NC_OK)
        ncm_raise(&ctx);
    plhs[0] = result_struct(&st, &r, o.W);
    nc_metrics_state_free(&ctx, &st);
}
