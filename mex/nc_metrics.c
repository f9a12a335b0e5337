/* SPDX-License-Identifier: GPL-3.0-or-later */
/* nc_metrics: neural-collapse metrics of a feature matrix or file, whole
 * or streamed in chunks through a state struct.  See m/nc_metrics.m.
 *
 * H, Y, W and B may each be an array or the name of a .npy file (or
 * "archive.npz:member").  A feature file is read by the core in chunks
 * under the MaxMemory bound; the other files are small and read whole. */
#include "nc_metrics.h"
#include "ncm.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *const option_names[] = {"Weighting", "RankTol",   "K",
                                           "Verbose",   "LabelBase", "MaxMemory"};
enum { OPT_WEIGHTING, OPT_RANKTOL, OPT_K, OPT_VERBOSE, OPT_LABEL_BASE, OPT_MAX_MEMORY, OPT_COUNT };
static const char *const weightings[] = {"samples", "classes"};
enum { IN_H, IN_Y, IN_TAIL };
/* More classes than this cannot have their K x K results in memory anyway;
 * the workspace check refuses what lies between with the bytes asked. */
#define MAX_CLASSES 100000000

typedef struct {
    nc_weighting weighting;
    double rank_tol, max_memory;
    int K; /* 0: from W or the labels */
    int verbose, base;
    const double *W, *b; /* NULL when absent */
    size_t W_rows, W_cols, b_len;
    char W_name[300], b_name[300];
} options;

static int is_text(const mxArray *a) { return a && mxIsChar(a); }

static int is_option_name(const mxArray *a)
{
    if (!is_text(a) || mxGetM(a) != 1 || mxGetN(a) > 32)
        return 0;
    char s[40];
    if (mxGetString(a, s, sizeof s) != 0)
        return 0;
    for (int i = 0; i < OPT_COUNT; ++i)
        if (strcasecmp(s, option_names[i]) == 0)
            return 1;
    return 0;
}

/* ---- arrays read from files ---- */

/* Raises after closing A. */
static void raise_closing(nc_ctx *ctx, nc_npy *a)
{
    nc_npy_close(ctx, a);
    ncm_raise(ctx);
}

static nc_npy_header file_header(const char *path)
{
    nc_ctx ctx;
    nc_npy *a;
    ncm_ctx(&ctx);
    if (nc_npy_open(&ctx, path, NULL, &a) != NC_OK)
        ncm_raise(&ctx);
    nc_npy_header h = *nc_npy_info(a);
    nc_npy_close(&ctx, a);
    return h;
}

/* The whole array in PATH as an R x C mxArray of its own class (OUT
 * natural) or as double. */
static mxArray *read_whole(const char *path, int as_double)
{
    const nc_npy_header h = file_header(path);
    nc_ctx ctx;
    ncm_ctx(&ctx);
    size_t bytes;
    nc_size_mul((size_t)h.shape[0], (size_t)h.shape[1], &bytes);
    nc_size_mul(bytes, sizeof(double), &bytes);
    if (nc_check_memory(&ctx, bytes, path) != NC_OK)
        ncm_raise(&ctx);
    const nc_dtype out = as_double ? NC_DT_FLOAT64 : nc_dtype_natural(h.dtype);
    static const mxClassID classes[NC_DT_COUNT] = {
        mxINT8_CLASS,  mxINT16_CLASS,  mxINT32_CLASS,  mxINT64_CLASS,  mxUINT8_CLASS,  mxUINT16_CLASS,
        mxUINT32_CLASS, mxUINT64_CLASS, mxLOGICAL_CLASS, mxSINGLE_CLASS, mxSINGLE_CLASS, mxDOUBLE_CLASS};
    size_t m = (size_t)h.shape[0], n = (size_t)h.shape[1];
    mxArray *X = out == NC_DT_BOOL ? mxCreateLogicalMatrix(m, n)
                                   : mxCreateNumericMatrix(m, n, classes[out], mxREAL);
    nc_npy *a;
    if (nc_npy_open(&ctx, path, NULL, &a) != NC_OK)
        ncm_raise(&ctx);
    const nc_npy_header *now = nc_npy_info(a);
    if (now->shape[0] != h.shape[0] || now->shape[1] != h.shape[1] || now->dtype != h.dtype)
        nc_fail(&ctx, NC_EIO, "readFailed", "%s changed while it was read", path);
    else
        nc_npy_read(&ctx, a, 0, 0, h.shape[0], 0, out, mxGetData(X));
    if (ctx.status != NC_OK)
        raise_closing(&ctx, a);
    nc_npy_close(&ctx, a);
    return X;
}

/* W or B given as a file: a double matrix, named for messages. */
static const double *numeric_file(const mxArray *a, const char *arg, char *name, size_t len,
                                  size_t *rows, size_t *cols)
{
    char *path = ncm_path(a, arg);
    snprintf(name, len, "%s (%s)", arg, path);
    mxArray *X = read_whole(path, 1);
    ncm_free(path);
    *rows = mxGetM(X);
    *cols = mxGetN(X);
    const double *v = mxGetPr(X);
    for (size_t i = 0; i < *rows * *cols; ++i)
        if (!isfinite(v[i]))
            ncm_error("badClassifier", "%s must be finite (value %zu is %g)", name, i + 1, v[i]);
    return v;
}

/* ---- options and the classifier ---- */

static void classifier(const mxArray *a, options *o)
{
    size_t rows = 0, cols = 0;
    if (is_text(a)) {
        o->W = numeric_file(a, "W", o->W_name, sizeof o->W_name, &rows, &cols);
    } else {
        snprintf(o->W_name, sizeof o->W_name, "W");
        o->W = ncm_matrix(a, "W", "badClassifier", NCM_FINITE | NCM_EMPTY_OK, 0, 0, &rows, &cols);
    }
    o->W_rows = rows;
    o->W_cols = cols;
    if (rows * cols == 0)
        o->W = NULL;
}

static void bias(const mxArray *a, options *o)
{
    size_t rows = 0, cols = 0;
    if (is_text(a)) {
        o->b = numeric_file(a, "B", o->b_name, sizeof o->b_name, &rows, &cols);
        if (rows != 1 && cols != 1)
            ncm_error("badBias", "%s must be a vector, not %zu x %zu", o->b_name, rows, cols);
        o->b_len = rows * cols;
    } else {
        snprintf(o->b_name, sizeof o->b_name, "B");
        o->b = ncm_vector(a, "B", "badBias", NCM_FINITE | NCM_EMPTY_OK, 0, &o->b_len);
    }
    if (o->b_len && !o->W)
        ncm_error("badBias", "B needs the classifier W");
    if (o->b_len && o->b_len != o->W_rows)
        ncm_error("badBias", "%s must have K = %zu elements (the rows of %s), not %zu", o->b_name,
                  o->W_rows, o->W_name, o->b_len);
    if (!o->b_len)
        o->b = NULL;
}

static void option_value(int which, const mxArray *v, options *o)
{
    switch (which) {
    case OPT_WEIGHTING:
        o->weighting = (nc_weighting)ncm_choice(v, "Weighting", weightings, 2);
        break;
    case OPT_RANKTOL:
        o->rank_tol = ncm_scalar(v, "RankTol", "badOption", NCM_NONNEG);
        if (!(o->rank_tol < 1))
            ncm_error("badOption", "RankTol must be in [0, 1) (0: the default)");
        break;
    case OPT_K: {
        double k = ncm_scalar(v, "K", "badOption", NCM_POSITIVE | NCM_INTEGER);
        if (k < 2)
            ncm_error("badOption", "K must be a whole number of classes >= 2");
        if (k > MAX_CLASSES)
            ncm_error("tooLarge", "K = %.17g classes: at most %d are supported", k, MAX_CLASSES);
        o->K = (int)k;
        break;
    }
    case OPT_VERBOSE:
        o->verbose = ncm_flag(v, "Verbose");
        break;
    case OPT_LABEL_BASE: {
        double b = ncm_scalar(v, "LabelBase", "badOption", 0);
        if (b != 0 && b != 1)
            ncm_error("badOption", "LabelBase must be 0 (labels 0..K-1, as PyTorch writes "
                                   "them) or 1 (labels 1..K, the default)");
        o->base = (int)b;
        break;
    }
    case OPT_MAX_MEMORY:
        o->max_memory = ncm_scalar(v, "MaxMemory", "badOption", NCM_POSITIVE);
        break;
    }
}

/* [W [, b]] then name/value options, from prhs[first] on.  A string in W's
 * or B's place is a file name unless it is an option name. */
static void parse_tail(int nrhs, const mxArray *prhs[], int first, options *o)
{
    memset(o, 0, sizeof *o);
    o->base = 1;
    o->max_memory = 0; /* the core's default: chunks of about 16 MB */
    int i = first;
    if (i < nrhs && !is_option_name(prhs[i])) {
        classifier(prhs[i++], o);
        if (i < nrhs && !is_option_name(prhs[i]))
            bias(prhs[i++], o);
    }
    ncm_option_pairs(nrhs, i);
    for (; i < nrhs; i += 2)
        option_value(ncm_option(prhs[i], option_names, OPT_COUNT), prhs[i + 1], o);
    if (o->W) {
        if (o->W_rows < 2)
            ncm_error("badClassifier", "%s must be K x d with K >= 2 classes, not %zu x %zu",
                      o->W_name, o->W_rows, o->W_cols);
        if (o->K && (size_t)o->K != o->W_rows)
            ncm_error("badClassifier", "%s has %zu rows but K = %d", o->W_name, o->W_rows, o->K);
        o->K = (int)o->W_rows;
    }
}

/* W must be K x d: PyTorch's nn.Linear weight (out x in) as it is. */
static void check_classifier(const options *o, size_t d)
{
    if (!o->W || o->W_cols == d)
        return;
    if (o->W_rows == d)
        ncm_error("badClassifier", "%s is %zu x %zu = d x K; nc_metrics wants K x d (the layout "
                                   "of PyTorch's nn.Linear weight, out x in): pass W.'",
                  o->W_name, o->W_rows, o->W_cols);
    ncm_error("badClassifier", "%s must be K x d with d = %zu features, not %zu x %zu", o->W_name,
              d, o->W_rows, o->W_cols);
}

/* ---- labels ---- */

/* Labels from an array or a file, 0-based; *K set from them if 0. */
static int *labels(const mxArray *a, size_t want, int base, int *K, size_t *len)
{
    const unsigned flags = NCM_LABELS_BASE_OPTION | (base == 0 ? NCM_LABELS_FROM_0 : 0);
    if (!is_text(a))
        return ncm_labels(a, "Y", flags, want, K, len);
    char *path = ncm_path(a, "Y"), name[300];
    snprintf(name, sizeof name, "Y (%s)", path);
    mxArray *Y = read_whole(path, 0);
    ncm_free(path);
    return ncm_labels(Y, name, flags, want, K, len);
}

static size_t label_count(const mxArray *a)
{
    if (!is_text(a))
        return mxGetNumberOfElements(a);
    char *path = ncm_path(a, "Y");
    const nc_npy_header h = file_header(path);
    ncm_free(path);
    return (size_t)h.shape[0] * (size_t)h.shape[1];
}

/* ---- results ---- */

static mxArray *column(const double *v, size_t n) { return ncm_real(v, n, 1); }

static mxArray *result_struct(const nc_metrics_state *st, const nc_metrics_result *r,
                              const double *W)
{
    const size_t K = (size_t)st->K, d = (size_t)st->d;
    const ncm_field out[] = {
        {"NC1", ncm_real_scalar(r->nc1)},
        {"rank", ncm_real_scalar(r->rank)},
        {"weighting", mxCreateString(weightings[st->weighting])},
        {"Sigma_B_eig", column(st->eig, d < K ? d : K)},
        {"trace_Sigma_W", ncm_real_scalar(r->tr_sw)},
        {"trace_Sigma_B", ncm_real_scalar(r->tr_sb)},
        {"CDNV", ncm_real_scalar(r->cdnv)},
        {"CDNV_matrix", ncm_real(r->cdnv_matrix, K, K)},
        {"class_var", column(r->class_var, K)},
        {"NC2_norm_means", ncm_real_scalar(r->equinorm_means)},
        {"NC2_norm_W", ncm_real_scalar(r->equinorm_W)},
        {"NC2_angle_means", ncm_real_scalar(r->equiangular_means)},
        {"NC2_angle_W", ncm_real_scalar(r->equiangular_W)},
        {"NC2_ETF_means", ncm_real_scalar(r->etf_means)},
        {"NC2_ETF_W", ncm_real_scalar(r->etf_W)},
        {"NC3", ncm_real_scalar(r->nc3)},
        {"NC4", ncm_real_scalar(r->nc4)},
        {"accuracy", ncm_real_scalar(r->accuracy)},
        {"NCC_accuracy", ncm_real_scalar(r->ncc_accuracy)},
        {"Zbar", W ? ncm_real(r->zbar, K, K) : ncm_real(NULL, 0, 0)},
        {"class_means", ncm_real(st->means, d, K)},
        {"centre", column(st->centre, d)},
        {"counts", column(st->counts, K)},
    };
    return NCM_STRUCT(out);
}

/* Result arrays in Octave's memory, after the size check. */
static void result_arrays(nc_metrics_result *r, int K)
{
    memset(r, 0, sizeof *r);
    r->cdnv_matrix = ncm_alloc((size_t)K * K, sizeof(double));
    r->class_var = ncm_alloc((size_t)K, sizeof(double));
    r->zbar = ncm_alloc((size_t)K * K, sizeof(double));
}

static void check_size(size_t d, int K, int with_W)
{
    nc_ctx ctx;
    ncm_ctx(&ctx);
    if (d > 1000000000)
        ncm_error("tooLarge", "d = %zu features: at most 1e9 are supported", d);
    if (nc_metrics_check_size(&ctx, (int)d, K, with_W) != NC_OK)
        ncm_raise(&ctx);
}

static void init_state(nc_metrics_state *st, const options *o)
{
    memset(st, 0, sizeof *st);
    st->verbose = o->verbose;
    st->zero_based = o->base == 0;
}

/* ---- streaming: the state kept in an Octave struct ---- */

static const char *const state_kind = "nc_metrics_state";

static int is_verb(const mxArray *a, const char *verb)
{
    char s[16];
    return is_text(a) && mxGetM(a) == 1 && mxGetN(a) < sizeof s &&
           mxGetString(a, s, sizeof s) == 0 && strcasecmp(s, verb) == 0;
}

static mxArray *state_field(const mxArray *S, const char *name, size_t rows, size_t cols)
{
    mxArray *f = mxGetField(S, 0, name);
    if (!f || !mxIsDouble(f) || mxIsComplex(f) || mxIsSparse(f) ||
        (rows != (size_t)-1 && (mxGetM(f) != rows || mxGetN(f) != cols)))
        ncm_error("badState", "S.%s is missing or has the wrong size: S must come from "
                              "nc_metrics ('init', ...) or a later nc_metrics (S, ...)",
                  name);
    const double *v = mxGetPr(f);
    for (size_t i = 0; i < mxGetNumberOfElements(f); ++i)
        if (!isfinite(v[i]))
            ncm_error("badState", "S.%s holds NaN or Inf: S is corrupted; start again from "
                                  "nc_metrics ('init', ...)",
                      name);
    return f;
}

static double state_scalar(const mxArray *S, const char *name)
{
    return mxGetScalar(state_field(S, name, 1, 1));
}

/* Counts must be whole and nonnegative. */
static double *state_counts(const mxArray *S, const char *name, size_t rows, size_t cols)
{
    double *v = mxGetPr(state_field(S, name, rows, cols));
    for (size_t i = 0; i < rows * cols; ++i)
        if (!(v[i] >= 0) || v[i] != floor(v[i]))
            ncm_error("badState", "S.%s must hold whole nonnegative counts: S is corrupted", name);
    return v;
}

/* Points ST at the arrays of S (a duplicate the caller will return). */
static void state_view(const mxArray *S, nc_metrics_state *st, const double **W,
                       const double **b)
{
    mxArray *kind = mxGetField(S, 0, "kind");
    char buf[32] = "";
    if (mxGetNumberOfElements(S) != 1 || !kind || !mxIsChar(kind) ||
        mxGetString(kind, buf, sizeof buf) != 0 || strcmp(buf, state_kind) != 0)
        ncm_error("badState", "S must be a state from nc_metrics ('init', d, K, ...)");
    memset(st, 0, sizeof *st);
    double d = state_scalar(S, "d"), K = state_scalar(S, "K"), pass = state_scalar(S, "pass");
    double w = state_scalar(S, "weighting"), rank = state_scalar(S, "rank");
    double base = state_scalar(S, "label_base"), tol = state_scalar(S, "rank_tol");
    if (!(d >= 1 && d <= 1e9 && d == floor(d)) || !(K >= 2 && K <= MAX_CLASSES && K == floor(K)) ||
        !(pass == 1 || pass == 2) || !(w == 0 || w == 1) || !(base == 0 || base == 1) ||
        !(rank >= 0 && rank <= K && rank == floor(rank)) || !(tol >= 0 && tol < 1))
        ncm_error("badState", "S has corrupted sizes (d, K, pass, weighting, label_base, rank "
                              "or rank_tol)");
    st->d = (int)d;
    st->K = (int)K;
    st->pass = (int)pass;
    st->weighting = (nc_weighting)w;
    st->zero_based = base == 0;
    st->rank = (int)rank;
    st->rank_tol = tol;
    size_t dd = (size_t)d, kk = (size_t)K;
    st->counts = state_counts(S, "counts", kk, 1);
    st->sums = mxGetPr(state_field(S, "sums", dd, kk));
    st->means = mxGetPr(state_field(S, "means", dd, kk));
    st->centre = mxGetPr(state_field(S, "centre", dd, 1));
    st->basis = mxGetPr(state_field(S, "basis", dd, kk));
    st->eig = mxGetPr(state_field(S, "eig", kk, 1));
    st->counts2 = state_counts(S, "counts2", kk, 1);
    st->proj_sq = mxGetPr(state_field(S, "proj_sq", kk, 1));
    st->class_sq = mxGetPr(state_field(S, "class_sq", kk, 1));
    memcpy(st->tally, state_counts(S, "tally", 1, 3), sizeof st->tally);
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
    const size_t kk = (size_t)K;
    const ncm_field out[] = {
        {"kind", mxCreateString(state_kind)},
        {"d", ncm_real_scalar((double)d)},
        {"K", ncm_real_scalar(K)},
        {"weighting", ncm_real_scalar(o->weighting)},
        {"rank_tol", ncm_real_scalar(o->rank_tol)},
        {"label_base", ncm_real_scalar(o->base)},
        {"pass", ncm_real_scalar(1)},
        {"rank", ncm_real_scalar(0)},
        {"counts", mxCreateDoubleMatrix(kk, 1, mxREAL)},
        {"sums", mxCreateDoubleMatrix(d, kk, mxREAL)},
        {"means", mxCreateDoubleMatrix(d, kk, mxREAL)},
        {"centre", mxCreateDoubleMatrix(d, 1, mxREAL)},
        {"basis", mxCreateDoubleMatrix(d, kk, mxREAL)},
        {"eig", mxCreateDoubleMatrix(kk, 1, mxREAL)},
        {"counts2", mxCreateDoubleMatrix(kk, 1, mxREAL)},
        {"proj_sq", mxCreateDoubleMatrix(kk, 1, mxREAL)},
        {"class_sq", mxCreateDoubleMatrix(kk, 1, mxREAL)},
        {"tally", mxCreateDoubleMatrix(1, 3, mxREAL)},
        {"W", o->W ? ncm_real(o->W, kk, d) : mxCreateDoubleMatrix(0, 0, mxREAL)},
        {"b", o->b ? column(o->b, kk) : mxCreateDoubleMatrix(0, 0, mxREAL)},
    };
    return NCM_STRUCT(out);
}

/* S = nc_metrics ('init', d, K, [W, b,] options) */
static mxArray *stream_init(int nrhs, const mxArray *prhs[])
{
    if (nrhs < 3)
        ncm_error("badArgCount", "nc_metrics ('init', d, K, ...) needs d and K");
    double d = ncm_scalar(prhs[1], "D", "badSize", NCM_POSITIVE | NCM_INTEGER);
    double K = ncm_scalar(prhs[2], "K", "badSize", NCM_POSITIVE | NCM_INTEGER);
    if (K < 2)
        ncm_error("badSize", "K must be at least 2 classes");
    if (d > 1e9 || K > MAX_CLASSES)
        ncm_error("tooLarge", "d = %.17g features and K = %.17g classes: at most 1e9 and %d", d,
                  K, MAX_CLASSES);
    options o;
    parse_tail(nrhs, prhs, 3, &o);
    if (o.W && o.W_rows != (size_t)K)
        ncm_error("badClassifier", "%s has %zu rows but K = %.17g", o.W_name, o.W_rows, K);
    check_classifier(&o, (size_t)d);
    check_size((size_t)d, (int)K, o.W != NULL);
    return state_new((size_t)d, (int)K, &o);
}

/* S = nc_metrics (S, H, y): one chunk, in whichever pass S is. */
static void stream_chunk(nc_metrics_state *st, const mxArray *Ha, const mxArray *Ya,
                         const double *W, const double *b)
{
    size_t rows, n, len;
    int is_single, K = st->K;
    const void *H = ncm_numeric(Ha, "H", "badFeatures", NCM_EMPTY_OK, &rows, &n, &is_single);
    int *y = ncm_labels(Ya, "Y", NCM_LABELS_BASE_OPTION | (st->zero_based ? NCM_LABELS_FROM_0 : 0),
                        0, &K, &len);
    if (rows * n == 0) {
        if (len != 0)
            ncm_error("badLabels", "H holds no sample but Y has %zu labels", len);
        return;
    }
    if (rows != (size_t)st->d && n == (size_t)st->d && len == rows)
        ncm_error("badOrientation", "H is %zu x %zu = n x d (Y has %zu labels, one per row); "
                                    "chunks are d x n, one column per sample: pass H.'",
                  rows, n, len);
    if (rows != (size_t)st->d)
        ncm_error("badFeatures", "H must have d = %d rows like the state, not %zu", st->d, rows);
    if (len != n)
        ncm_error("badLabels", "Y must have %zu labels (one per column of H), not %zu", n, len);
    nc_ctx ctx;
    ncm_ctx(&ctx);
    nc_status s = st->pass == 1
                      ? nc_metrics_add_pass1(&ctx, st, (long)n, H, is_single, st->d, y)
                      : nc_metrics_add_pass2(&ctx, st, (long)n, H, is_single, st->d, y, W, b);
    if (s != NC_OK)
        ncm_raise(&ctx);
}

static mxArray *stream(int nrhs, const mxArray *prhs[])
{
    if (is_text(prhs[0]))
        return stream_init(nrhs, prhs);
    nc_ctx ctx;
    nc_metrics_state st;
    const double *W, *b;
    mxArray *S = mxDuplicateArray(prhs[0]);
    state_view(S, &st, &W, &b);
    ncm_ctx(&ctx);
    if (nrhs == 1) { /* R = nc_metrics (S) */
        nc_metrics_result r;
        result_arrays(&r, st.K);
        if (nc_metrics_finish(&ctx, &st, W, &r) != NC_OK)
            ncm_raise(&ctx);
        mxArray *R = result_struct(&st, &r, W);
        mxDestroyArray(S);
        return R;
    }
    if (nrhs == 2 && is_text(prhs[1])) { /* S = nc_metrics (S, 'pass2') */
        if (!is_verb(prhs[1], "pass2"))
            ncm_error("badOption", "the second argument of nc_metrics (S, ...) is 'pass2' or a "
                                   "chunk H, Y");
        if (st.pass == 2)
            ncm_error("badState", "S is already in pass 2 ('pass2' was given before): feed "
                                  "every chunk again, then R = nc_metrics (S)");
        if (nc_metrics_end_pass1(&ctx, &st) != NC_OK)
            ncm_raise(&ctx);
    } else if (nrhs == 3) {
        stream_chunk(&st, prhs[1], prhs[2], W, b);
    } else {
        ncm_error("badArgCount", "with a state: R = nc_metrics (S), S = nc_metrics (S, 'pass2') "
                                 "or S = nc_metrics (S, H, Y) for a chunk");
    }
    state_store(S, &st);
    return S;
}

/* ---- one call: features in memory or in a file ---- */

static mxArray *metrics_of_matrix(const mxArray *Ha, const mxArray *Ya, const options *o)
{
    size_t d, N, len;
    int is_single, K = o->K;
    /* Finiteness is checked by the core on the class sums, saving a pass. */
    const void *H = ncm_numeric(Ha, "H", "badFeatures", 0, &d, &N, &is_single);
    const size_t ny = label_count(Ya);
    if (ny != N && ny == d)
        ncm_error("badOrientation", "H is %zu x %zu = N x d (Y has %zu labels, one per row); "
                                    "features are d x N, one column per sample: pass H.' (or "
                                    "the file, which nc_metrics reads in either orientation)",
                  d, N, ny);
    if (ny != N)
        ncm_error("badLabels", "Y must have N = %zu labels (one per column of H), not %zu", N, ny);
    check_classifier(o, d);
    int *y = labels(Ya, N, o->base, &K, &len);
    check_size(d, K, o->W != NULL);
    nc_ctx ctx;
    nc_metrics_state st;
    nc_metrics_result r;
    ncm_ctx(&ctx);
    init_state(&st, o);
    result_arrays(&r, K);
    if (nc_metrics_compute(&ctx, (int)d, (long)N, K, H, is_single, (long)d, y, o->W, o->b,
                           o->weighting, o->rank_tol, &st, &r) != NC_OK)
        ncm_raise(&ctx);
    mxArray *R = result_struct(&st, &r, o->W);
    nc_metrics_state_free(&ctx, &st);
    return R;
}

/* Which dimension of an (R, C) feature file holds the samples: the one
 * matching the number of labels; rows when both do (what np.save writes). */
static int samples_are_rows(const nc_npy_header *h, const char *path, size_t ny)
{
    const long long R = h->shape[0], C = h->shape[1];
    if (h->ndim == 0 || (R != (long long)ny && C != (long long)ny))
        ncm_error("badLabels", "H (%s) has shape (%lld, %lld) but Y has %zu labels: one "
                               "dimension of H must be the number of samples",
                  path, R, C, ny);
    return R == (long long)ny;
}

static mxArray *metrics_of_file(const mxArray *Ha, const mxArray *Ya, const options *o)
{
    char *path = ncm_path(Ha, "H");
    const nc_npy_header h = file_header(path);
    const size_t ny = label_count(Ya);
    const int rows = samples_are_rows(&h, path, ny);
    const size_t d = (size_t)(rows ? h.shape[1] : h.shape[0]);
    check_classifier(o, d);
    size_t len;
    int K = o->K;
    int *y = labels(Ya, ny, o->base, &K, &len);
    check_size(d, K, o->W != NULL);
    nc_ctx ctx;
    nc_metrics_state st;
    nc_metrics_result r;
    nc_npy *a;
    ncm_ctx(&ctx);
    init_state(&st, o);
    result_arrays(&r, K);
    if (nc_npy_open(&ctx, path, NULL, &a) != NC_OK)
        ncm_raise(&ctx);
    const nc_npy_header *now = nc_npy_info(a);
    if (now->shape[0] != h.shape[0] || now->shape[1] != h.shape[1])
        nc_fail(&ctx, NC_EIO, "readFailed", "%s changed while it was read", path);
    else
        nc_metrics_npy(&ctx, a, rows, K, y, o->W, o->b, o->weighting, o->rank_tol,
                       o->max_memory, &st, &r);
    if (ctx.status != NC_OK)
        raise_closing(&ctx, a);
    nc_npy_close(&ctx, a);
    mxArray *R = result_struct(&st, &r, o->W);
    nc_metrics_state_free(&ctx, &st);
    ncm_free(path);
    return R;
}

void mexFunction(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[])
{
    ncm_begin("nc_metrics");
    ncm_nargs(nrhs, 1, -1, nlhs, 1);
    if (mxIsStruct(prhs[IN_H]) || is_verb(prhs[IN_H], "init")) {
        plhs[0] = stream(nrhs, prhs);
    } else {
        if (nrhs < 2)
            ncm_error("badArgCount", "needs features H and labels Y (arrays or .npy file names)");
        options o;
        parse_tail(nrhs, prhs, IN_TAIL, &o);
        plhs[0] = is_text(prhs[IN_H]) ? metrics_of_file(prhs[IN_H], prhs[IN_Y], &o)
                                      : metrics_of_matrix(prhs[IN_H], prhs[IN_Y], &o);
    }
    ncm_end();
}
