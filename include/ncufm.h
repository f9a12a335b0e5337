/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ncufm: neural collapse under class imbalance. Public C API, common part.
 *
 * The core knows nothing of Octave or MATLAB.  Every entry point takes an
 * nc_ctx, which carries the caller's allocator, printer and interrupt probe
 * and receives an error identifier and message when a call fails.  A
 * failing call frees everything it allocated before returning.
 *
 * Convention (docs/theory.md section 1, the authors' code): the unconstrained
 * feature model is
 *   (1/N) sum_k sum_i CE(W h_ki + b, k) + lW ||W||_F^2 + lH ||H||_F^2 + lb ||b||^2
 * and is equivalent to the convex program in Z = W H with lZ = 2 sqrt(lW lH).
 */
#ifndef NCUFM_H
#define NCUFM_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    NC_OK = 0,
    NC_EBADARG,     /* an argument is out of its domain */
    NC_ENOMEM,      /* allocation failed */
    NC_ENUMERIC,    /* LAPACK or GSL reported a failure */
    NC_EINTERRUPT,  /* the caller's interrupt probe fired */
    NC_EIO,         /* a file could not be read or written */
    NC_EFORMAT      /* a file is malformed */
} nc_status;

typedef struct nc_ctx {
    void *(*alloc)(size_t bytes, void *user);   /* NULL: malloc */
    void (*release)(void *ptr, void *user);     /* NULL: free */
    void (*print)(const char *text, void *user); /* NULL: silent */
    int (*interrupted)(void *user);             /* NULL: never */
    void *user;
    const char *fname;        /* public function name used in messages */
    nc_status status;
    char errid[64];           /* "ncufm:reason" */
    char errmsg[512];         /* "fname: what is wrong" */
} nc_ctx;

/* A context with default callbacks, naming messages after FNAME.  Also
 * switches off GSL's abort-on-error handler. */
void nc_ctx_init(nc_ctx *ctx, const char *fname);

/* Records an error (identifier reason is appended to "ncufm:", the message
 * is prefixed with "fname: ") and returns STATUS. */
nc_status nc_fail(nc_ctx *ctx, nc_status status, const char *reason,
                  const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* Checks the regularisation weights of the convex program: lZ > 0 and
 * lb >= 0, both finite (ncufm:badLambda). */
nc_status nc_check_lambdas(nc_ctx *ctx, double lZ, double lb);

/* Checks a class-count vector N (K entries): at least 2 classes, every count
 * positive and finite, and a finite total (ncufm:badCounts). */
nc_status nc_check_counts(nc_ctx *ctx, int K, const double *n);

/* Allocation through the context; on failure records NC_ENOMEM and
 * returns NULL.  nc_calloc zero-fills; nc_free accepts NULL. */
void *nc_alloc(nc_ctx *ctx, size_t count, size_t size);
void *nc_calloc(nc_ctx *ctx, size_t count, size_t size);
void nc_free(nc_ctx *ctx, void *ptr);

void nc_printf(nc_ctx *ctx, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Nonzero (and records NC_EINTERRUPT) when the caller asked to stop. */
int nc_interrupted(nc_ctx *ctx);

/* Sets the number of BLAS threads when the BLAS is OpenBLAS and returns the
 * previous number (0 when the BLAS offers no such control: then nothing
 * changes).  Small products lose far more to thread start-up, and to
 * oversubscription when other processes share the cores, than they gain. */
int nc_blas_threads(int threads);

/* Physical memory in bytes (0 if unknown).  Linux overcommits, so an
 * allocation larger than this may "succeed" and the process be killed when
 * the memory is touched: entry points with large workspaces check first. */
double nc_physical_memory(void);

/* Overflow-checked size arithmetic: *out = a * b (a + b) and 0, or, when
 * the result does not fit in size_t, *out = SIZE_MAX and 1.  An overflowed
 * operand stays SIZE_MAX through further products and sums, so a byte count
 * built from these can be handed to nc_check_memory unchecked. */
int nc_size_mul(size_t a, size_t b, size_t *out);
int nc_size_add(size_t a, size_t b, size_t *out);

/* Refuses (ncufm:tooLarge, naming BYTES and the limit) a request for BYTES
 * of memory that exceeds physical memory or what the process limits
 * (RLIMIT_AS, RLIMIT_DATA: `ulimit -v`, `ulimit -d`) leave.  WHAT names
 * the request in the message ("H (d x N)").  Call before any allocation
 * whose size follows from the caller's arguments, so that an absurd size is
 * refused with a clear message instead of failing deep inside an
 * allocator, or succeeding on overcommit and waking the OOM killer. */
nc_status nc_check_memory(nc_ctx *ctx, size_t bytes, const char *what);

/* Monotonic wall clock in seconds. */
double nc_now(void);

/* Formats a duration such as "3.2 s", "4 min 10 s" or "1 h 5 min". */
void nc_format_duration(double seconds, char *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif
