/* Internal helpers shared by the library's modules (not part of the public API). */
#ifndef LW_UTIL_H
#define LW_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include "llmwatt/status.h"

/* Sets err (if non-NULL) and returns status. printf-style one-line message. */
lw_status lw_fail(lw_err *err, lw_status status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Copies src into dst of size n, always NUL-terminated, truncating. */
void lw_strlcpy(char *dst, const char *src, size_t n);

/* Case-insensitive equality. */
bool lw_streq_ci(const char *a, const char *b);

/* Edit distance (case-insensitive), capped at 255. */
int lw_edit_distance(const char *a, const char *b);

/* Strict number parse: whole string must be a finite number (leading/trailing blanks allowed). */
bool lw_parse_number(const char *s, double *out);

/* Reads a whole file into a NUL-terminated heap buffer. */
lw_status lw_read_file(const char *path, char **out, size_t *len, lw_err *err);

/* Writes data to path atomically (temp file + rename): never leaves a partial file. */
lw_status lw_write_file_atomic(const char *path, const char *data, size_t len, lw_err *err);

#endif
