/* Internal interface between the trace reader (trace_parse.c), the concurrency estimate
 * (trace_window.c), per-request output (trace_out.c) and the engine (trace_run.c). */
#ifndef LW_TRACE_INTERNAL_H
#define LW_TRACE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "llmwatt/trace.h"

/* How rows are read: the columns found in the CSV header or the first JSON object. */
#define LW_TRACE_MAX_FIELDS 1024      /* CSV header fields */

typedef struct lw_trace_layout {
    lw_trace_format format;
    int nfields;                    /* CSV: fields of the header */
    signed char fieldcol[LW_TRACE_MAX_FIELDS]; /* CSV: column of each field; -1 none */
    int idx[LW_TRACE_NCOLS];        /* CSV: field index of each column; -1 when absent */
    bool present[LW_TRACE_NCOLS];
    char name[LW_TRACE_NCOLS][64];  /* header name or JSON key, as written */
    size_t name_len[LW_TRACE_NCOLS];
    int64_t unit_ns;                /* nanoseconds per unit of a numeric timestamp */
} lw_trace_layout;

/* The last date-time's "YYYY-MM-DD HH:MM" and its seconds: rows of one minute share it. */
typedef struct lw_trace_tcache {
    char prefix[16];
    int64_t base_s;
    bool valid;
} lw_trace_tcache;

/* One parsed row. The model name points into the input or into model_buf (unescaped). Kept
 * from row to row by each thread (tcache). */
typedef struct lw_trace_rec {
    lw_trace_tcache tcache;
    bool has_time;
    int64_t time_ns;
    double tok[3];                  /* input, output, reasoning */
    const char *model;
    size_t model_len;               /* 0: no model given */
    char model_buf[LW_NAME_MAX];
} lw_trace_rec;

/* Checks the options (GPU, batch, window, sink, model map targets) before reading. */
lw_status lw_trace_check_opts(const lw_catalogue *cat, const lw_trace_opts *o, lw_err *err);

/* Finds the format and the columns from the start of the input. *data_off and *line receive
 * the offset and 1-based line number of the first data line (after a CSV header). */
lw_status lw_trace_layout_detect(const lw_trace_opts *o, const char *data, size_t len, lw_trace_layout *L,
                                 size_t *data_off, uint64_t *line, lw_err *err);

/* Parses one line (without its '\n'). Returns 1 for a row, 0 for a blank line, -1 for a bad
 * row with the reason in msg. */
int lw_trace_parse_line(const lw_trace_layout *L, const char *p, size_t len, lw_trace_rec *r, char *msg, size_t msgn);

/* Timestamp with an integer unit (1e9 for seconds); tc may be NULL. */
bool lw_trace_time_ns(const char *s, size_t len, int64_t unit_ns, int64_t *ns, lw_trace_tcache *tc);

/* ---- growable text buffer (per-request output) ---- */
typedef struct lw_tbuf {
    char *p;
    size_t len, cap;
    bool oom;
} lw_tbuf;
void lw_tbuf_reserve(lw_tbuf *b, size_t extra);
void lw_tbuf_free(lw_tbuf *b);

/* Appends one per-request record (CSV line or JSON object line). energy and jpt are the
 * preformatted numbers ("" / null when not defined). */
void lw_trace_out_header(lw_tbuf *b, lw_trace_output fmt);
void lw_trace_out_row(lw_tbuf *b, lw_trace_output fmt, uint64_t line, const lw_trace_rec *r, const char *model,
                      size_t model_len, int batch, const char *energy, const char *jpt);
/* "%.9g" of energy and of energy/output ("" when output is 0) into two buffers. */
void lw_trace_out_numbers(double energy_j, double output_tokens, char energy[24], char jpt[24]);

/* ---- log-bucketed histogram of per-request energy ---- */
#define LW_HIST_SUB_BITS 7            /* 128 buckets per power of two: half-width 1/256 */
#define LW_HIST_EXP_MIN (-40)         /* 2^-40 J ~ 1e-12 J */
#define LW_HIST_EXP_MAX 60            /* 2^60 J ~ 1e18 J */
#define LW_HIST_BUCKETS (((LW_HIST_EXP_MAX - LW_HIST_EXP_MIN) << LW_HIST_SUB_BITS) + 2)
size_t lw_hist_bucket(double v);
/* Representative value of a bucket: the midpoint of its range. */
double lw_hist_value(size_t bucket);
/* Nearest-rank percentile p (0..100] of n counted values: the midpoint of the rank's bucket,
 * clamped to the observed [min, max] (a midpoint can lie beyond the extreme value in its bucket;
 * clamping only moves it towards the true value, so the 1/256 bound still holds). */
double lw_hist_percentile(const uint64_t *h, uint64_t n, double p, double min, double max);

/* ---- concurrency windows: (window index, model) -> statistics and batch ---- */
typedef struct lw_win {
    int64_t window;
    int model;
    uint64_t n;
    double tok[3];
    int batch;
    bool saturated;
} lw_win;

typedef struct lw_winmap {
    lw_win *v;
    size_t n, cap;
    uint32_t *slot;                 /* open addressing: index + 1, 0 empty */
    size_t nslots;
    size_t last;                    /* lw_winmap_get: index of the last hit + 1 */
} lw_winmap;

/* Finds or adds the entry (window, model); NULL when out of memory. */
lw_win *lw_winmap_get(lw_winmap *m, int64_t window, int model);
/* Finds an entry; NULL when absent. Read-only: threads may share a map. */
const lw_win *lw_winmap_find(const lw_winmap *m, int64_t window, int model);
/* Adds src's counts into dst; false when out of memory. */
bool lw_winmap_merge(lw_winmap *dst, const lw_winmap *src);
void lw_winmap_free(lw_winmap *m);

/* Smallest whole B >= 1 with rate_per_s * T(B) <= B, T(B) the prefill + decode time of w at
 * batch B; stops at max_batch or at the largest batch that fits in memory (*saturated). */
lw_status lw_trace_solve_batch(const lw_estimator *e, lw_workload w, double rate_per_s, int max_batch, int *batch,
                               bool *saturated, lw_err *err);

#endif
