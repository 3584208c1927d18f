/* Internal helpers shared by the library's modules (not part of the public API). */
#ifndef LW_UTIL_H
#define LW_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include "llmwatt/io.h"
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

#endif
