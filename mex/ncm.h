/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ncm: the one argument-validation and conversion helper shared by every
 * MEX gateway.  Every check raises "ncufm:<reason>" with a message
 * "fname: ARG ...", never crashes, and never leaks: scratch memory comes
 * from ncm_alloc, which every way out of the call frees (see ncm_begin).
 * Do not rely on Octave to free mxMalloc memory (Octave 7 leaks 40 bytes
 * per block it frees for you), and never call mxArrayToString (its string
 * is on no list at all: one leaked block per call). */
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

/* Names the public function in every later message; call first.  Also
 * frees the scratch memory a previous call of this MEX file could not free
 * because Octave unwound past it. */
void ncm_begin(const char *fname);
/* Frees the call's scratch memory; the last line of a gateway.  An error
 * raised through ncm (ncm_error, ncm_raise, any check) frees it itself. */
void ncm_end(void);
const char *ncm_fname(void);

/* Scratch memory for the current call: COUNT x SIZE bytes (overflow
 * checked; large requests checked against the memory limits, ncufm:tooLarge;
 * failure raises ncufm:outOfMemory).  Freed by ncm_end or by a raised
 * error, or earlier by ncm_free.  Not for the data of output arrays. */
void *ncm_alloc(size_t count, size_t size);
void ncm_free(void *ptr);
/* Raises ncufm:tooLarge (nc_check_memory) when BYTES, all the memory a call
 * is about to need (its outputs and scratch, computed with nc_size_mul and
 * nc_size_add), exceed what the machine and the process limits allow:
 * before allocating, not after the first allocations succeeded. */
void ncm_check_memory(size_t bytes, const char *what);

void ncm_error(const char *reason, const char *fmt, ...) NCM_NORETURN NCM_PRINTF(2, 3);
void ncm_warning(const char *reason, const char *fmt, ...) NCM_PRINTF(2, 3);

/* Checks the number of inputs and outputs. */
void ncm_nargs(int nrhs, int min_in, int max_in, int nlhs, int max_out);

/* A core context whose printer is mexPrintf, whose interrupt probe reads
 * Octave's pending-signal flag, so Ctrl-C stops a long computation cleanly,
 * and whose allocator is ncm_alloc's list, so that nothing the core holds
 * survives the call, even when Octave unwinds through it. */
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
 * (0 for "any"), returned as double (an ncm_alloc copy when the input is
 * single).  *len receives the length. */
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
/* A vector of positive finite counts of any real numeric class (double,
 * single, int8..uint64: what NumPy and PyTorch hand over), as a double
 * copy in ncm_alloc memory; errors name ARG with REASON. */
double *ncm_counts(const mxArray *a, const char *arg, const char *reason, size_t *len);
/* ncm_counts of a class-count vector: at least 2 classes and at most
 * MAX_CLASSES (errors ncufm:badCounts naming ARG). */
double *ncm_class_counts(const mxArray *a, const char *arg, size_t max_classes, size_t *K);
/* A cluster description (docs/theory.md section 4): K (classes per cluster,
 * whole, positive) and the per-cluster counts named NAME, of the same
 * length, describing at least two classes in all.  Returns J; *k_out is
 * in ncm_alloc memory. */
size_t ncm_clusters(const mxArray *ka, const mxArray *na, const char *name, int **k_out,
                    const double **n_out);
/* A class-count vector (any order, any real numeric class) grouped into
 * clusters of equal counts, in decreasing order of count: returns K, and
 * *J clusters of k[j] classes with n[j] samples each, cluster[c] (0-based)
 * the cluster of class c and counts the K counts as doubles, all in
 * ncm_alloc memory. */
size_t ncm_count_clusters(const mxArray *a, const char *arg, size_t *J, int **k,
                          const double **n, int **cluster, const double **counts);
/* A character string (a 1 x n or empty char array, without NUL
 * characters, which would silently shorten a path), as a C string in
 * ncm_alloc memory (ncm_free releases it before ncm_end). */
char *ncm_string(const mxArray *a, const char *arg);

/* A file name: a non-empty character row vector with no NUL character (C
 * would silently cut the name at one), in ncm_alloc memory. */
char *ncm_path(const mxArray *a, const char *arg);

/* Class labels of any real numeric class or logical: a full vector of
 * whole finite numbers in BASE..BASE+K-1, returned 0-based as ints in
 * ncm_alloc memory.  BASE is 1, or 0 with NCM_LABELS_FROM_0; NCM_LABELS_BASE_OPTION
 * says the gateway takes a 'LabelBase' option (the error for a label 0
 * then points to it, else it says to add 1).  *K is the number of classes,
 * or 0 to set it from the largest label (at least 2 classes; more than
 * NCM_LABELS_MAX raise ncufm:tooLarge).  WANT_LEN 0 accepts any length (an
 * empty vector only when *K is known); *len receives it. */
enum { NCM_LABELS_FROM_0 = 1u << 0, NCM_LABELS_BASE_OPTION = 1u << 1 };
#define NCM_LABELS_MAX 1000000000
int *ncm_labels(const mxArray *a, const char *arg, unsigned flags, size_t want_len, int *K,
                size_t *len);

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
