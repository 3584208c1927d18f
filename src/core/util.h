/* Internal helpers shared by the library's modules (not part of the public API). */
#ifndef LW_UTIL_H
#define LW_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include "llmwatt/io.h"
#include "llmwatt/status.h"

/* Sets err (if non-NULL) and returns status. printf-style one-line message. */
lw_status lw_fail(lw_err *err, lw_status status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The version check of a versioned public struct (docs/design.md, "ABI"): version 0 (not started
 * from its initialiser `init`) is LW_ERR_INVALID_ARGUMENT, one newer than `known` LW_ERR_VERSION. */
lw_status lw_check_version(const char *what, const char *init, unsigned int version, unsigned int known, lw_err *err);

/* Copies src into dst of size n, always NUL-terminated, truncating. */
void lw_strlcpy(char *dst, const char *src, size_t n);

/* Case-insensitive equality. */
bool lw_streq_ci(const char *a, const char *b);

/* Edit distance (case-insensitive), capped at 255. */
int lw_edit_distance(const char *a, const char *b);

/* Strict number parse: whole string must be a finite decimal number (leading/trailing blanks allowed;
 * hexadecimal, inf, nan and out-of-range values are refused). */
bool lw_parse_number(const char *s, double *out);

/* The time window (docs/limits.md): timestamps from 1970-01-01T00:00:00Z to the end of 2200, in Unix
 * ns; outside it input is refused. Any difference of two timestamps inside it, and any timestamp
 * plus a duration of at most LW_DURATION_MAX_S, fits in int64 nanoseconds. */
#define LW_TIME_MIN_YEAR 1970
#define LW_TIME_MAX_YEAR 2200
#define LW_TIME_MAX_NS 7289654399999999999LL /* 2200-12-31T23:59:59.999999999Z */
#define LW_DURATION_MAX_S 1e9                /* about 31.7 years */

/* Size caps of the bounded reader, per kind of input (docs/limits.md lists them). A regular file
 * larger than its cap is refused before it is read; a pipe or device is read up to the cap. */
#define LW_CAP_SMALL_BYTES ((size_t)16 << 20)   /* config.json, catalogue, fit, measurement JSON */
#define LW_CAP_TABLE_BYTES ((size_t)64 << 20)   /* points CSV, replay logs, power samples */
#define LW_CAP_DEFAULT_BYTES LW_CAP_TABLE_BYTES /* lw_file_read() */

/* Reads path (regular file, pipe or device) into a NUL-terminated heap buffer of at most cap bytes.
 * `what` names the kind in the error ("a catalogue file"). LW_ERR_IO when it is missing,
 * a directory, a read error or a file over the cap (the message names the file and the cap). */
lw_status lw_file_read_capped(const char *path, size_t cap, const char *what, char **out, size_t *len, lw_err *err);

#endif
