/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ncm: the one argument-validation and conversion helper shared by every
 * MEX gateway.  Every check raises "ncufm:<reason>" with a message
 * "fname: ARG ...", never crashes, and only allocates with mxMalloc so that
 * a raised error cannot leak (Octave and MATLAB free mxMalloc memory when a
 * gateway returns or raises; not so the strings of mxArrayToString, which
 * Octave allocates outside that list: never call it). */
#ifndef NCM_H
#define NCM_H

#include "mex.h"
#include "ncufm.h"

#include <stddef.h>

#if defined(__GNUC__)
#define NCM_NORETURN __attribute__((noreturn))
#define NCM_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define NCM_NORETURN
#define NCM_PRINTF(a, b)
#endif

enum {
    NCM_FINITE = 1u << 0,   /* no NaN, no Inf */
    NCM_POSITIVE = 1u << 1, /* > 0 (implies finite) */
    NCM_NONNEG = 1u << 2,   /* >= 0 */
    NCM_INTEGER = 1u << 3,  /* whole numbers */
    NCM_EMPTY_OK = 1u << 4, /* [] accepted (returns NULL / count 0) */
    NCM_SINGLE_OK = 1u << 5 /* single accepted as is (ncm_numeric only) */
};

/* Names the public function in every later message; call first. */
void ncm_begin(const char *fname);
const char *ncm_fname(void);

void ncm_error(const char *reason, const char *fmt, ...) NCM_NORETURN NCM_PRINTF(2, 3);
void ncm_warning(const char *reason, const char *fmt, ...) NCM_PRINTF(2, 3);

/* Checks the number of inputs and outputs. */
void ncm_nargs(int nrhs, int min_in, int max_in, int nlhs, int max_out);

/* A core context whose printer is mexPrintf and whose interrupt probe reads
 * Octave's pending-signal flag, so Ctrl-C stops a long computation cleanly. */
void ncm_ctx(nc_ctx *ctx);
/* For gateways that return partial results after Ctrl-C (trainers): clears
 * Octave's pending interrupt, so the result is not discarded on return, and
 * warns ncufm:interrupted. */
void ncm_consume_interrupt(void);
/* Raises the error recorded in CTX (after the caller freed its buffers). */
void ncm_raise(const nc_ctx *ctx) NCM_NORETURN;

/* A real, non-sparse, numeric scalar, converted to double. */
double ncm_scalar(const mxArray *a, const char *arg, const char *reason, unsigned flags);
/* A whole number >= 0 (> 0 with NCM_POSITIVE) for options such as MaxIter
 * or Epochs, at most NCM_COUNT_MAX (larger values are refused, not
 * saturated: ncufm:badOption). */
#define NCM_COUNT_MAX 2147483647
int ncm_count(const mxArray *a, const char *arg, unsigned flags);
/* A random seed: a whole number from 0 to NCM_SEED_MAX, the range GSL's
 * mt19937 distinguishes (it keeps the low 32 bits); anything else raises
 * ncufm:badOption. */
#define NCM_SEED_MAX 4294967295UL
unsigned long ncm_seed(const mxArray *a, const char *arg);
/* A logical or numeric scalar flag. */
int ncm_flag(const mxArray *a, const char *arg);
/* A real, full, double or single vector (row or column) with LEN entries
 * (0 for "any"), returned as double (a copy made with mxMalloc when the input
 * is single).  *len receives the length. */
double *ncm_vector(const mxArray *a, const char *arg, const char *reason, unsigned flags,
                   size_t want_len, size_t *len);
/* A real, full, double (or single) matrix returned as double; rows/cols of
 * 0 mean "any".  */
double *ncm_matrix(const mxArray *a, const char *arg, const char *reason, unsigned flags,
                   size_t want_rows, size_t want_cols, size_t *rows, size_t *cols);
/* A real, full, single or double matrix returned as it is; *is_single tells
 * which.  Checks finiteness when asked, without copying. */
const void *ncm_numeric(const mxArray *a, const char *arg, const char *reason,
                        unsigned flags, size_t *rows, size_t *cols, int *is_single);
/* A cluster description (paper.md section 4): K (classes per cluster, whole,
 * positive, at most 32 clusters) and the per-cluster counts named NAME, of the
 * same length, describing at least two classes.  Returns J; *k_out is
 * mxMalloc'd. */
size_t ncm_clusters(const mxArray *ka, const mxArray *na, const char *name, int **k_out,
                    const double **n_out);
/* A character string (a 1 x n or empty char array, without NUL
 * characters, which would silently shorten a path), as a C string in
 * mxMalloc'd memory: Octave and MATLAB free it when the gateway returns or
 * raises an error; mxFree releases it sooner. */
char *ncm_string(const mxArray *a, const char *arg);

/* Name/value options.  NAMES lists the accepted option names; returns the
 * index of the option named by A (case-insensitive), or raises
 * ncufm:badOption naming the accepted ones.  Names are compared in a
 * buffer on the stack (NCM_NAME_MAX characters), so nothing is allocated. */
#define NCM_NAME_MAX 63
int ncm_option(const mxArray *a, const char *const *names, int count);
/* Raises ncufm:badOption unless the options from FIRST on come in pairs. */
void ncm_option_pairs(int nrhs, int first);
/* Case-insensitive choice among CHOICES; returns its index. */
int ncm_choice(const mxArray *a, const char *arg, const char *const *choices, int count);

/* Output helpers. */
mxArray *ncm_real(const double *data, size_t rows, size_t cols);
mxArray *ncm_real_scalar(double v);
mxArray *ncm_bool(int v);
void ncm_set(mxArray *s, const char *field, mxArray *value);

/* Output structs from one table, so that each field name is written once:
 *   const ncm_field out[] = {{"objective", ncm_real_scalar(f)}, {"rank", ...}};
 *   plhs[2] = NCM_STRUCT(out);
 * A 1 x 1 struct with the fields of TABLE in order. */
typedef struct {
    const char *name;
    mxArray *value;
} ncm_field;
mxArray *ncm_struct(const ncm_field *table, size_t count);
#define NCM_STRUCT(table) ncm_struct((table), sizeof(table) / sizeof((table)[0]))

#endif
