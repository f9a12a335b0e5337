/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "ncm.h"

#include "nc_theory.h"

#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *current_fname = "ncufm";

/* Scratch memory of the running gateway call (its own, ncm's and the
 * core's): every block is linked into one list, so that every way out of
 * the call frees it.  An error raised through ncm frees the list first,
 * ncm_end frees it on success, and when Octave itself unwound past the
 * gateway (an error inside an mx function, the XERBLA handler Octave
 * installs in LAPACK, an interrupt inside a callback), the next ncm_begin
 * frees what that call left.  Octave's own freeing of mxMalloc memory at
 * the end of a call is not relied on: Octave 7 leaves a 40-byte record
 * behind for every block it frees that way.  The list is per MEX file (each
 * links its own ncm.c) and touched only from the calling thread. */
typedef struct ncm_block {
    struct ncm_block *prev, *next;
    size_t bytes, pad; /* keeps the user block 16-byte aligned, as malloc's */
} ncm_block;
static ncm_block *blocks;

static void *block_alloc(size_t bytes, void *user)
{
    (void)user;
    if (bytes > SIZE_MAX - sizeof(ncm_block))
        return NULL;
    ncm_block *b = malloc(sizeof *b + (bytes ? bytes : 1));
    if (!b)
        return NULL;
    b->bytes = bytes;
    b->prev = NULL;
    b->next = blocks;
    if (blocks)
        blocks->prev = b;
    blocks = b;
    return b + 1;
}

static void block_free(void *ptr, void *user)
{
    (void)user;
    if (!ptr)
        return;
    ncm_block *b = (ncm_block *)ptr - 1;
    if (b->prev)
        b->prev->next = b->next;
    else
        blocks = b->next;
    if (b->next)
        b->next->prev = b->prev;
    free(b);
}

static void free_all(void)
{
    while (blocks)
        block_free(blocks + 1, NULL);
}

void ncm_begin(const char *fname)
{
    free_all();
    current_fname = fname;
}

void ncm_end(void) { free_all(); }

const char *ncm_fname(void) { return current_fname; }

void *ncm_alloc(size_t count, size_t size)
{
    size_t bytes;
    if (nc_size_mul(count, size, &bytes) || bytes >= ((size_t)64 << 20))
        ncm_check_memory(bytes, "a workspace");
    void *p = block_alloc(bytes, NULL);
    if (!p)
        ncm_error("outOfMemory", "out of memory allocating %zu bytes", bytes);
    return p;
}

void ncm_free(void *ptr) { block_free(ptr, NULL); }

void ncm_check_memory(size_t bytes, const char *what)
{
    nc_ctx ctx;
    nc_ctx_init(&ctx, current_fname);
    if (nc_check_memory(&ctx, bytes, what))
        ncm_raise(&ctx);
}

/* Octave's mexErrMsgIdAndTxt already prefixes "fname: "; MATLAB's does not. */
static void raise_text(const char *id, const char *msg) NCM_NORETURN;
static void raise_text(const char *id, const char *msg)
{
    free_all();
#if !defined(MATLAB_MEX_FILE)
    size_t len = strlen(current_fname);
    if (strncmp(msg, current_fname, len) == 0 && strncmp(msg + len, ": ", 2) == 0)
        msg += len + 2;
#endif
    mexErrMsgIdAndTxt(id, "%s", msg);
    for (;;) {} /* not reached: mexErrMsgIdAndTxt does not return */
}

void ncm_error(const char *reason, const char *fmt, ...)
{
    char id[96], msg[768];
    int used;
    va_list ap;
    snprintf(id, sizeof id, "ncufm:%s", reason);
    used = snprintf(msg, sizeof msg, "%s: ", current_fname);
    va_start(ap, fmt);
    vsnprintf(msg + used, sizeof msg - (size_t)used, fmt, ap);
    va_end(ap);
    raise_text(id, msg);
}

void ncm_warning(const char *reason, const char *fmt, ...)
{
    char id[96], msg[768];
    int used;
    va_list ap;
    snprintf(id, sizeof id, "ncufm:%s", reason);
    used = snprintf(msg, sizeof msg, "%s: ", current_fname);
    va_start(ap, fmt);
    vsnprintf(msg + used, sizeof msg - (size_t)used, fmt, ap);
    va_end(ap);
#if !defined(MATLAB_MEX_FILE)
    mexWarnMsgIdAndTxt(id, "%s", msg + used); /* Octave adds "fname: " itself */
#else
    mexWarnMsgIdAndTxt(id, "%s", msg);
#endif
}

void ncm_nargs(int nrhs, int min_in, int max_in, int nlhs, int max_out)
{
    if (nrhs < min_in)
        ncm_error("badArgCount", "needs at least %d input argument%s", min_in,
                  min_in == 1 ? "" : "s");
    if (max_in >= 0 && nrhs > max_in)
        ncm_error("badArgCount", "takes at most %d input arguments", max_in);
    if (nlhs > max_out)
        ncm_error("badArgCount", "returns at most %d output%s", max_out,
                  max_out == 1 ? "" : "s");
}

/* Octave sets these from its signal-watching thread when Ctrl-C arrives;
 * leaving them set lets Octave report the interrupt once we return. */
#if defined(MATLAB_MEX_FILE)
extern bool utIsInterruptPending(void);
static int pending_interrupt(void *user)
{
    (void)user;
    return utIsInterruptPending();
}
#else
extern volatile sig_atomic_t octave_signal_caught;
extern sig_atomic_t octave_interrupt_state;
static int pending_interrupt(void *user)
{
    (void)user;
    return octave_signal_caught != 0 || octave_interrupt_state > 0;
}
#endif

/* Octave buffers mexPrintf output until stdout is flushed; MATLAB's
 * documented way to show it at once is drawnow, which also lets the
 * command window repaint. */
#if defined(MATLAB_MEX_FILE)
#define NCM_FLUSH "drawnow;"
#else
#define NCM_FLUSH "fflush(stdout);"
#endif

static void mex_print(const char *text, void *user)
{
    mexPrintf("%s", text);
    /* Octave raises a pending Ctrl-C inside mexEvalString, which would
     * abandon the core mid-call and leak its memory: flush only when none is
     * pending (the core sees the interrupt at its next poll). */
    if (!pending_interrupt(user))
        mexEvalString(NCM_FLUSH);
}

void ncm_consume_interrupt(void)
{
#if !defined(MATLAB_MEX_FILE)
    octave_signal_caught = 0;
    octave_interrupt_state = 0;
#endif
    ncm_warning("interrupted", "interrupted by the user; returning the state reached "
                               "(field 'interrupted' is true)");
}

void ncm_ctx(nc_ctx *ctx)
{
    nc_ctx_init(ctx, current_fname);
    ctx->alloc = block_alloc;
    ctx->release = block_free;
    ctx->print = mex_print;
    ctx->interrupted = pending_interrupt;
}

void ncm_raise(const nc_ctx *ctx)
{
    raise_text(ctx->errid[0] ? ctx->errid : "ncufm:internal",
               ctx->errmsg[0] ? ctx->errmsg : "internal error");
}

static void check_real_full_numeric(const mxArray *a, const char *arg, const char *reason)
{
    if (!a || !(mxIsDouble(a) || mxIsSingle(a)))
        ncm_error(reason, "%s must be a real double or single array", arg);
    if (mxIsComplex(a))
        ncm_error(reason, "%s must be real, not complex", arg);
    if (mxIsSparse(a))
        ncm_error(reason, "%s must be a full matrix, not sparse", arg);
}

static void check_values(const double *v, size_t n, const char *arg, const char *reason,
                         unsigned flags)
{
    for (size_t i = 0; i < n; ++i) {
        double x = v[i];
        if (isnan(x))
            ncm_error(reason, "%s must not contain NaN", arg);
        if ((flags & (NCM_FINITE | NCM_POSITIVE)) && isinf(x))
            ncm_error(reason, "%s must be finite", arg);
        if ((flags & NCM_POSITIVE) && !(x > 0))
            ncm_error(reason, "%s must be positive", arg);
        if ((flags & NCM_NONNEG) && !(x >= 0))
            ncm_error(reason, "%s must be nonnegative", arg);
        if ((flags & NCM_INTEGER) && x != floor(x))
            ncm_error(reason, "%s must hold whole numbers", arg);
    }
}

static double *as_double(const mxArray *a)
{
    size_t n = mxGetNumberOfElements(a);
    if (mxIsDouble(a))
        return mxGetPr(a);
    double *d = ncm_alloc(n, sizeof *d);
    const float *s = (const float *)mxGetData(a);
    for (size_t i = 0; i < n; ++i)
        d[i] = s[i];
    return d;
}

double ncm_scalar(const mxArray *a, const char *arg, const char *reason, unsigned flags)
{
    if (!a || !(mxIsNumeric(a) || mxIsLogical(a)) || mxIsComplex(a) || mxIsSparse(a) ||
        mxGetNumberOfElements(a) != 1)
        ncm_error(reason, "%s must be a real scalar", arg);
    double v = mxGetScalar(a);
    check_values(&v, 1, arg, reason, flags | NCM_FINITE);
    return v;
}

int ncm_count(const mxArray *a, const char *arg, unsigned flags)
{
    double v = ncm_scalar(a, arg, "badOption", flags | NCM_NONNEG | NCM_INTEGER);
    if (v > NCM_COUNT_MAX)
        ncm_error("badOption", "%s = %g is too large: at most %d", arg, v, NCM_COUNT_MAX);
    return (int)v;
}

unsigned long ncm_seed(const mxArray *a, const char *arg)
{
    double v = ncm_scalar(a, arg, "badOption", NCM_NONNEG | NCM_INTEGER);
    if (v > (double)NCM_SEED_MAX)
        ncm_error("badOption",
                  "%s = %g is too large: seeds are whole numbers from 0 to %lu (2^32 - 1, "
                  "what the Mersenne twister takes)",
                  arg, v, NCM_SEED_MAX);
    return (unsigned long)v;
}

int ncm_flag(const mxArray *a, const char *arg)
{
    if (!a || !(mxIsNumeric(a) || mxIsLogical(a)) || mxIsComplex(a) ||
        mxGetNumberOfElements(a) != 1)
        ncm_error("badOption", "%s must be a logical scalar", arg);
    double v = mxGetScalar(a);
    if (isnan(v))
        ncm_error("badOption", "%s must be a logical scalar", arg);
    return v != 0;
}

double *ncm_vector(const mxArray *a, const char *arg, const char *reason, unsigned flags,
                   size_t want_len, size_t *len)
{
    check_real_full_numeric(a, arg, reason);
    size_t n = mxGetNumberOfElements(a);
    if (n == 0) {
        if (flags & NCM_EMPTY_OK) {
            *len = 0;
            return NULL;
        }
        ncm_error(reason, "%s must not be empty", arg);
    }
    if (mxGetNumberOfDimensions(a) != 2 || (mxGetM(a) != 1 && mxGetN(a) != 1))
        ncm_error(reason, "%s must be a vector", arg);
    if (want_len && n != want_len)
        ncm_error(reason, "%s must have %zu elements, not %zu", arg, want_len, n);
    double *v = as_double(a);
    check_values(v, n, arg, reason, flags);
    *len = n;
    return v;
}

double *ncm_matrix(const mxArray *a, const char *arg, const char *reason, unsigned flags,
                   size_t want_rows, size_t want_cols, size_t *rows, size_t *cols)
{
    check_real_full_numeric(a, arg, reason);
    if (mxGetNumberOfDimensions(a) != 2)
        ncm_error(reason, "%s must be a 2-D matrix", arg);
    size_t m = mxGetM(a), n = mxGetN(a);
    if (m * n == 0 && !(flags & NCM_EMPTY_OK))
        ncm_error(reason, "%s must not be empty", arg);
    if ((want_rows && m != want_rows) || (want_cols && n != want_cols))
        ncm_error(reason, "%s must be %zu x %zu, not %zu x %zu", arg,
                  want_rows ? want_rows : m, want_cols ? want_cols : n, m, n);
    double *v = as_double(a);
    check_values(v, m * n, arg, reason, flags);
    *rows = m;
    *cols = n;
    return v;
}

const void *ncm_numeric(const mxArray *a, const char *arg, const char *reason,
                        unsigned flags, size_t *rows, size_t *cols, int *is_single)
{
    check_real_full_numeric(a, arg, reason);
    if (mxGetNumberOfDimensions(a) != 2)
        ncm_error(reason, "%s must be a 2-D matrix", arg);
    size_t m = mxGetM(a), n = mxGetN(a);
    if (m * n == 0 && !(flags & NCM_EMPTY_OK))
        ncm_error(reason, "%s must not be empty", arg);
    *rows = m;
    *cols = n;
    *is_single = mxIsSingle(a);
    if (flags & (NCM_FINITE | NCM_POSITIVE | NCM_NONNEG)) {
        size_t total = m * n;
        if (*is_single) {
            const float *s = (const float *)mxGetData(a);
            for (size_t i = 0; i < total; ++i)
                if (!isfinite(s[i]))
                    ncm_error(reason, "%s must be finite (no NaN or Inf)", arg);
        } else {
            check_values(mxGetPr(a), total, arg, reason, flags);
        }
    }
    return mxGetData(a);
}

/* Element I of a real numeric array of any class, as double (NaN for a
 * class that is not numeric). */
static double numeric_at(const mxArray *a, size_t i)
{
    const void *d = mxGetData(a);
    switch (mxGetClassID(a)) {
    case mxDOUBLE_CLASS: return ((const double *)d)[i];
    case mxSINGLE_CLASS: return ((const float *)d)[i];
    case mxINT8_CLASS: return ((const signed char *)d)[i];
    case mxUINT8_CLASS: return ((const unsigned char *)d)[i];
    case mxINT16_CLASS: return ((const short *)d)[i];
    case mxUINT16_CLASS: return ((const unsigned short *)d)[i];
    case mxINT32_CLASS: return ((const int *)d)[i];
    case mxUINT32_CLASS: return ((const unsigned int *)d)[i];
    case mxINT64_CLASS: return (double)((const long long *)d)[i];
    case mxUINT64_CLASS: return (double)((const unsigned long long *)d)[i];
    default: return NAN;
    }
}

double *ncm_counts(const mxArray *a, const char *arg, const char *reason, size_t *len)
{
    if (!a || !mxIsNumeric(a) || mxIsComplex(a) || mxIsSparse(a))
        ncm_error(reason, "%s must be a real, full, numeric vector (double, single or an "
                          "integer class)",
                  arg);
    size_t n = mxGetNumberOfElements(a);
    if (n == 0)
        ncm_error(reason, "%s must not be empty", arg);
    if (mxGetNumberOfDimensions(a) != 2 || (mxGetM(a) != 1 && mxGetN(a) != 1))
        ncm_error(reason, "%s must be a vector, not a %zu x %zu array", arg, mxGetM(a),
                  mxGetN(a));
    int wide = mxGetClassID(a) == mxINT64_CLASS || mxGetClassID(a) == mxUINT64_CLASS;
    double *v = ncm_alloc(n, sizeof *v);
    for (size_t i = 0; i < n; ++i) {
        v[i] = numeric_at(a, i);
        if (!(v[i] > 0) || !isfinite(v[i]))
            ncm_error(reason, "%s must be positive and finite (entry %zu is %g)", arg,
                      i + 1, v[i]);
        /* 64-bit integers above 2^53 do not survive the conversion */
        if (wide && v[i] >= 9007199254740992.0)
            ncm_error(reason, "%s(%zu) is too large to be represented exactly (at most 2^53)",
                      arg, i + 1);
    }
    *len = n;
    return v;
}

double *ncm_class_counts(const mxArray *a, const char *arg, size_t max_classes, size_t *K)
{
    double *n = ncm_counts(a, arg, "badCounts", K);
    if (*K < 2)
        ncm_error("badCounts", "%s must have at least 2 classes, not %zu", arg, *K);
    if (*K > max_classes)
        ncm_error("badCounts", "%s has %zu classes; at most %zu are supported", arg, *K,
                  max_classes);
    return n;
}

size_t ncm_clusters(const mxArray *ka, const mxArray *na, const char *name, int **k_out,
                    const double **n_out)
{
    size_t J, Jn;
    const double *kd = ncm_counts(ka, "K", "badK", &J);
    const double *n = ncm_counts(na, name, "badN", &Jn);
    if (Jn != J)
        ncm_error("badSize", "%s must have one entry per cluster: %zu, as K, not %zu", name, J,
                  Jn);
    int *k = ncm_alloc(J, sizeof *k);
    double K = 0;
    for (size_t j = 0; j < J; ++j) {
        if (kd[j] != floor(kd[j]))
            ncm_error("badK", "K must hold whole numbers of classes (k(%zu) = %g)", j + 1, kd[j]);
        K += kd[j];
        if (K > 2147483647.0)
            ncm_error("tooLarge", "K describes more than 2^31 - 1 classes in all");
        k[j] = (int)kd[j];
    }
    if (K < 2)
        ncm_error("badK", "K must describe at least two classes in all");
    *k_out = k;
    *n_out = n;
    return J;
}

size_t ncm_count_clusters(const mxArray *a, const char *arg, size_t *J, int **k,
                          const double **n, int **cluster, const double **counts)
{
    size_t K;
    const double *c = ncm_counts(a, arg, "badN", &K);
    if (K < 2)
        ncm_error("badN", "%s must hold the sample counts of at least two classes", arg);
    if (K > 2147483647u)
        ncm_error("tooLarge", "%s has %zu classes; at most 2^31 - 1 are supported", arg, K);
    int *kk = ncm_alloc(K, sizeof *kk), *cl = ncm_alloc(K, sizeof *cl), nJ = 0;
    double *nn = ncm_alloc(K, sizeof *nn);
    nc_ctx ctx;
    ncm_ctx(&ctx);
    if (nc_cluster_counts(&ctx, (int)K, c, &nJ, kk, nn, cl) != NC_OK)
        ncm_raise(&ctx);
    *J = (size_t)nJ;
    *k = kk;
    *n = nn;
    *cluster = cl;
    *counts = c;
    return K;
}

/* Length of the string A (a 1 x n or empty char array without NUL
 * characters), or an error naming ARG. */
static size_t string_length(const mxArray *a, const char *arg)
{
    size_t n = a && mxIsChar(a) ? mxGetNumberOfElements(a) : 0;
    if (!a || !mxIsChar(a) || mxGetNumberOfDimensions(a) != 2 || (n > 0 && mxGetM(a) != 1))
        ncm_error("badOption", "%s must be a character string (a 1 x n char array)", arg);
    const mxChar *c = mxGetChars(a);
    for (size_t i = 0; i < n; ++i)
        if (c[i] == 0)
            ncm_error("badOption", "%s must not contain NUL characters (at position %zu)", arg,
                      i + 1);
    return n;
}

char *ncm_string(const mxArray *a, const char *arg)
{
    size_t n = string_length(a, arg);
    /* room for any encoding of n characters (MATLAB's mxChar is UTF-16) */
    size_t len = 4 * n + 1;
    char *s = ncm_alloc(len, 1);
    if (mxGetString(a, s, (mwSize)len) != 0)
        ncm_error("badOption", "%s could not be converted to a C string", arg);
    return s;
}

/* Options and choices are ASCII names: the string A goes into the caller's
 * BUF (no allocation, so nothing to free on any path), characters beyond
 * ASCII as '?', truncated to LEN - 1 characters.  Returns 0 when it was
 * truncated. */
static int ascii_copy(const mxArray *a, const char *arg, char *buf, size_t len)
{
    size_t n = string_length(a, arg), i;
    const mxChar *c = mxGetChars(a);
    for (i = 0; i < n && i + 1 < len; ++i) {
        unsigned long code = (unsigned long)c[i]; /* a negative char becomes huge */
        buf[i] = code - 1 < 127 ? (char)code : '?';
    }
    buf[i] = 0;
    return i == n;
}

/* The index of S among NAMES (case-insensitive), or -1; a truncated S
 * (WHOLE = 0) matches nothing and is shown with "..." in the message. */
static int find_name(char *s, int whole, const char *const *names, int count)
{
    for (int i = 0; whole && i < count; ++i)
        if (strcasecmp(s, names[i]) == 0)
            return i;
    if (!whole)
        strcat(s, "...");
    return -1;
}

static void list_names(char *buf, size_t len, const char *const *names, int count)
{
    size_t used = 0;
    buf[0] = 0;
    for (int i = 0; i < count && used < len; ++i)
        used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "", names[i]);
}

int ncm_option(const mxArray *a, const char *const *names, int count)
{
    if (!a || !mxIsChar(a))
        ncm_error("badOption", "option names must be strings");
    char s[NCM_NAME_MAX + 4], list[512];
    int whole = ascii_copy(a, "an option name", s, NCM_NAME_MAX + 1);
    int i = find_name(s, whole, names, count);
    if (i >= 0)
        return i;
    list_names(list, sizeof list, names, count);
    ncm_error("badOption", "unknown option '%s' (accepted: %s)", s, list);
}

void ncm_option_pairs(int nrhs, int first)
{
    if (nrhs > first && (nrhs - first) % 2 != 0)
        ncm_error("badOption", "options must come in name/value pairs");
}

int ncm_choice(const mxArray *a, const char *arg, const char *const *choices, int count)
{
    char s[NCM_NAME_MAX + 4], list[512];
    int whole = ascii_copy(a, arg, s, NCM_NAME_MAX + 1);
    int i = find_name(s, whole, choices, count);
    if (i >= 0)
        return i;
    list_names(list, sizeof list, choices, count);
    ncm_error("badOption", "%s must be one of: %s (not '%s')", arg, list, s);
}

mxArray *ncm_real(const double *data, size_t rows, size_t cols)
{
    mxArray *a = mxCreateDoubleMatrix(rows, cols, mxREAL);
    if (rows != 0 && cols != 0)
        memcpy(mxGetPr(a), data, rows * cols * sizeof(double));
    return a;
}

mxArray *ncm_real_scalar(double v) { return mxCreateDoubleScalar(v); }
mxArray *ncm_bool(int v) { return mxCreateLogicalScalar(v != 0); }

void ncm_set(mxArray *s, const char *field, mxArray *value)
{
    int f = mxGetFieldNumber(s, field);
    if (f < 0)
        f = mxAddField(s, field);
    mxSetFieldByNumber(s, 0, f, value);
}

mxArray *ncm_struct(const ncm_field *table, size_t count)
{
    mxArray *s = mxCreateStructMatrix(1, 1, 0, NULL);
    for (size_t i = 0; i < count; ++i)
        mxSetFieldByNumber(s, 0, mxAddField(s, table[i].name), table[i].value);
    return s;
}

char *ncm_path(const mxArray *a, const char *arg)
{
    if (!a || !mxIsChar(a) || mxGetNumberOfDimensions(a) != 2 || mxGetM(a) != 1)
        ncm_error("badFile", "%s must be a file name (a character row vector)", arg);
    const mxChar *c = mxGetChars(a);
    size_t n = mxGetN(a);
    for (size_t i = 0; i < n; ++i)
        if (c[i] == 0)
            ncm_error("badFile", "%s contains a NUL character at position %zu; a file name "
                                 "cannot",
                      arg, i + 1);
    if (n == 0)
        ncm_error("badFile", "%s must not be empty", arg);
    /* room for any encoding of n characters (MATLAB's mxChar is UTF-16) */
    char *s = ncm_alloc(4 * n + 1, 1);
    if (mxGetString(a, s, (mwSize)(4 * n + 1)) != 0)
        ncm_error("badFile", "%s could not be converted to a C string", arg);
    return s;
}

/* The value of element I of a real numeric or logical array, as double. */
static double label_at(const mxArray *a, const void *data, size_t i)
{
    switch (mxGetClassID(a)) {
    case mxDOUBLE_CLASS: return ((const double *)data)[i];
    case mxSINGLE_CLASS: return ((const float *)data)[i];
    case mxINT8_CLASS: return ((const signed char *)data)[i];
    case mxUINT8_CLASS: return ((const unsigned char *)data)[i];
    case mxINT16_CLASS: return ((const short *)data)[i];
    case mxUINT16_CLASS: return ((const unsigned short *)data)[i];
    case mxINT32_CLASS: return ((const int *)data)[i];
    case mxUINT32_CLASS: return ((const unsigned int *)data)[i];
    case mxINT64_CLASS: return (double)((const long long *)data)[i];
    case mxUINT64_CLASS: return (double)((const unsigned long long *)data)[i];
    case mxLOGICAL_CLASS: return ((const mxLogical *)data)[i] ? 1.0 : 0.0;
    default: return NAN;
    }
}

static void label_too_small(const char *arg, double v, int base, unsigned flags)
{
    if (base == 1 && v == 0)
        ncm_error("badLabels", "%s has label 0; labels are 1..K (%s)", arg,
                  flags & NCM_LABELS_BASE_OPTION
                      ? "pass 'LabelBase', 0 for 0-based labels, as PyTorch writes them"
                      : "for 0-based labels, as PyTorch writes them, add 1");
    ncm_error("badLabels", "%s has label %.17g; labels are %s", arg, v,
              base ? "1..K" : "0..K-1 (with 'LabelBase', 0)");
}

int *ncm_labels(const mxArray *a, const char *arg, unsigned flags, size_t want_len, int *K,
                size_t *len)
{
    const int base = flags & NCM_LABELS_FROM_0 ? 0 : 1;
    if (!a || !(mxIsNumeric(a) || mxIsLogical(a)))
        ncm_error("badLabels", "%s must be a numeric or logical vector of class labels", arg);
    if (mxIsComplex(a))
        ncm_error("badLabels", "%s must be real, not complex", arg);
    if (mxIsSparse(a))
        ncm_error("badLabels", "%s must be a full vector, not sparse", arg);
    size_t n = mxGetNumberOfElements(a);
    if (n > 0 && (mxGetNumberOfDimensions(a) != 2 || (mxGetM(a) != 1 && mxGetN(a) != 1)))
        ncm_error("badLabels", "%s must be a vector of labels, not a %zu x %zu array", arg,
                  mxGetM(a), mxGetN(a));
    if (want_len && n != want_len)
        ncm_error("badLabels", "%s must have %zu elements (one label per sample), not %zu", arg,
                  want_len, n);
    if (n == 0 && *K == 0)
        ncm_error("badLabels", "%s must not be empty", arg);
    const void *data = mxGetData(a);
    double top = -INFINITY;
    for (size_t i = 0; i < n; ++i) {
        double v = label_at(a, data, i);
        if (!isfinite(v))
            ncm_error("badLabels", "%s must be finite (label %zu is %g)", arg, i + 1, v);
        if (v != floor(v))
            ncm_error("badLabels", "%s must hold whole numbers (label %zu is %.17g)", arg, i + 1,
                      v);
        if (v < base)
            label_too_small(arg, v, base, flags);
        top = v > top ? v : top;
    }
    const double classes = top - base + 1;
    if (*K == 0) {
        if (classes > NCM_LABELS_MAX)
            ncm_error("tooLarge", "%s has label %.17g, so K = %.17g classes: at most %d are "
                                  "supported",
                      arg, top, classes, NCM_LABELS_MAX);
        if (classes < 2)
            ncm_error("badLabels", "%s must hold at least 2 classes (max(%s) = %.17g)", arg, arg,
                      top);
        *K = (int)classes;
    } else if (n > 0 && classes > *K) {
        ncm_error("badLabels", "%s has label %.17g but there are K = %d classes (labels %d..%d)",
                  arg, top, *K, base, *K - 1 + base);
    }
    int *y = ncm_alloc(n ? n : 1, sizeof *y);
    for (size_t i = 0; i < n; ++i)
        y[i] = (int)(label_at(a, data, i) - base);
    *len = n;
    return y;
}
