/* llmwatt: progress of long library calls (calibration, fit).
 *
 * The library never prints: a caller that wants to show progress passes a callback, which the
 * library calls on the calling thread with the work done so far out of the total (same units,
 * e.g. fits or resamples; done <= total) and a short phrase naming the current step ("family
 * hopper"), valid only during the call. Calls are at most a few hundred per second. */
#ifndef LLMWATT_PROGRESS_H
#define LLMWATT_PROGRESS_H

#include "llmwatt/export.h"
#include <stddef.h>
#include "llmwatt/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef void (*lw_progress_fn)(void *ctx, double done, double total, const char *what);

/* Versioned (docs/design.md, "ABI"): start from LW_PROGRESS_OPTS_INIT, lw_progress_opts_default()
 * or lw_progress_opts_init(); new fields are only appended. */
#define LW_PROGRESS_OPTS_VERSION 1
typedef struct lw_progress_opts {
    unsigned int version; /* LW_PROGRESS_OPTS_VERSION of the headers the caller was built with */
    lw_progress_fn progress; /* NULL: no progress calls */
    void *progress_ctx;      /* passed back to progress */
} lw_progress_opts;

#ifdef __cplusplus
#define LW_PROGRESS_OPTS_INIT (lw_progress_opts_default())
#else
#define LW_PROGRESS_OPTS_INIT {.version = LW_PROGRESS_OPTS_VERSION, .progress = NULL, .progress_ctx = NULL}
#endif

/* The defaults (no callback), by value (inline: built into the caller with its struct size). */
static inline lw_progress_opts lw_progress_opts_default(void)
{
    lw_progress_opts o;
    o.version = LW_PROGRESS_OPTS_VERSION;
    o.progress = NULL;
    o.progress_ctx = NULL;
    return o;
}

/* Sets the defaults, for an FFI that cannot expand macros: version is LW_PROGRESS_OPTS_VERSION of
 * the caller's headers (LW_ERR_VERSION when this library is older, LW_ERR_INVALID_ARGUMENT for 0). */
LW_API lw_status lw_progress_opts_init(lw_progress_opts *opts, unsigned int version, lw_err *err);

#ifdef __cplusplus
}
#endif
#endif
