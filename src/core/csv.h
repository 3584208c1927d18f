/* Internal RFC 4180 CSV reader over an in-memory buffer: quoted fields, doubled quotes,
 * CRLF, blank lines skipped, line numbers kept for error messages. */
#ifndef LW_CSV_H
#define LW_CSV_H

#include <stddef.h>
#include "llmwatt/status.h"

typedef struct lw_csv lw_csv;

/* The reader borrows data (it must outlive the reader). */
lw_csv *lw_csv_new(const char *data, size_t len);
void lw_csv_free(lw_csv *c);

/* Reads the next record: 1 = a record, 0 = end of input, -1 = error (unterminated quote). */
int lw_csv_next(lw_csv *c, lw_err *err);
size_t lw_csv_count(const lw_csv *c);
/* Field i of the current record, unquoted, NUL-terminated; "" when i is out of range. */
const char *lw_csv_field(const lw_csv *c, size_t i);
/* 1-based line number where the current record starts. */
size_t lw_csv_line(const lw_csv *c);
/* Index of the header field named `name` in the current record (case-insensitive, trimmed), or -1. */
int lw_csv_find(const lw_csv *c, const char *name);

#endif
