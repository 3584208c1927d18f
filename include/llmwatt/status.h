/* llmwatt: status codes and error reporting.
 *
 * Every fallible library function returns an lw_status and, when given a non-NULL lw_err,
 * writes one line (no trailing newline) naming the input at fault and the fix. The library
 * never prints and never exits; the CLI decides what to show and which exit code to use.
 * The numeric values are stable: they may be stored and compared across versions. */
#ifndef LLMWATT_STATUS_H
#define LLMWATT_STATUS_H

#include "llmwatt/export.h"
#include "llmwatt/version.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum lw_status {
    LW_OK = 0,
    LW_ERR_INVALID_ARGUMENT = 1, /* a value out of its domain: negative tokens, batch 0, ... */
    LW_ERR_NOT_FOUND = 2,        /* unknown model, GPU, region, family, file */
    LW_ERR_PARSE = 3,            /* malformed JSON/CSV/config input */
    LW_ERR_IO = 4,               /* a file or device could not be read or written */
    LW_ERR_NO_MEMORY = 5,        /* allocation failed */
    LW_ERR_UNSUPPORTED = 6,      /* valid request the model/GPU/backend cannot do (precision, model_type) */
    LW_ERR_INFEASIBLE = 7,       /* configuration cannot run: does not fit in memory, zero GPUs */
    LW_ERR_NO_DEVICE = 8,        /* no power source (NVML, RAPL) is available */
    LW_ERR_CHILD = 9,            /* the measured workload could not be started */
    LW_ERR_DATABASE = 10,        /* history database error */
    LW_ERR_VERSION = 11,         /* data written by a newer llmwatt (schema too new) */
    LW_ERR_INTERRUPTED = 12      /* stopped by a signal */
} lw_status;

/* Detail of the last failure of one call: its status plus a one-line, human-readable message.
 * Callers allocate it (usually on the stack) and pass it to fallible calls; only `status` is
 * public. The message is read with lw_err_message() and written with lw_err_set(); the storage
 * behind it is private and its size is fixed for the life of the SONAME, libllmwatt.so.MAJOR
 * (a longer message is cut), so the struct never grows. Not shared between threads: use one lw_err per call site. */
typedef struct lw_err {
    lw_status status;
    char opaque_[508]; /* private: the message text, reached only through the functions below */
} lw_err;

/* The one-line message of the last failure recorded in `err` (no trailing newline). Returns ""
 * for NULL or for a zeroed lw_err (`lw_err e = {0};`) that no call has failed into yet; read an
 * uninitialised one only after a call returned an error.
 * The pointer stays valid, and owned by `err`, until `err` is next written. */
LW_API const char *lw_err_message(const lw_err *err);

/* Records a failure: sets err->status and formats the message (printf-style, cut at the storage
 * size). Returns `status`, so a wrapper can `return lw_err_set(err, ...)`. NULL err is allowed. */
LW_API lw_status lw_err_set(lw_err *err, lw_status status, const char *fmt, ...)
#if defined(__GNUC__)
           __attribute__((format(printf, 3, 4)))
#endif
           ;

/* Frees memory the library returned to the caller (JSON text and other heap strings). Same as
 * free() in the C library the caller shares with libllmwatt; bindings use this one. NULL is allowed. */
LW_API void lw_free(void *p);

/* Short, static description of a status code ("invalid argument"). Never NULL. */
LW_API const char *lw_strerror(lw_status status);

/* Version of the library actually loaded, "MAJOR.MINOR.PATCH" (e.g. "0.1.0"), and the same as
 * a number (MAJOR * 10000 + MINOR * 100 + PATCH). The headers a caller was compiled with say
 * LW_VERSION_STRING / LW_VERSION_NUMBER (llmwatt/version.h); a binding checks both at load. */
LW_API const char *lw_version(void);
LW_API int lw_version_number(void);

#ifdef __cplusplus
}
#endif
#endif
