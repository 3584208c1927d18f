/* llmwatt: run records and the SQLite history of measurements and estimates (docs/history.md).
 *
 * A run record (lw_run) is the part of a measurement JSON (docs/measurement-json.md) or an
 * estimate JSON (`llmwatt estimate --json`) that cost, history, report and compare use: labels,
 * time, tokens per joule, power, throughput, validity. The history keeps the whole JSON of every
 * run plus these fields as indexed columns. The schema is versioned in a meta table and migrated
 * forward on open; a database from a newer llmwatt, a corrupt file or a non-llmwatt database is
 * refused with a clear error and never written to. */
#ifndef LLMWATT_HISTORY_H
#define LLMWATT_HISTORY_H

#include "llmwatt/export.h"
#include <stdbool.h>
#include <stddef.h>
#include "llmwatt/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Schema version this build writes (and the newest it reads). */
#define LW_HISTORY_SCHEMA_VERSION 1

typedef enum lw_run_kind { LW_RUN_MEASUREMENT = 0, LW_RUN_ESTIMATE = 1 } lw_run_kind;

/* A run. Unknown numbers are NAN, unknown integers 0, unknown strings "". Versioned
 * (docs/design.md, "ABI"): a record the caller owns starts from LW_RUN_INIT (an FFI zeroes it and
 * writes the version), and the library fills only the fields of its version. Every record carries
 * its version, so an array's stride follows from its first record: read arrays the library
 * returns (lw_history_query) with lw_run_at(runs, i), never runs[i]. */
#define LW_RUN_VERSION 1
typedef struct lw_run {
    unsigned int version;   /* LW_RUN_VERSION of the headers of whoever allocated the record */
    long long id;           /* history row id (0 when not from a history) */
    lw_run_kind kind;
    long long time_ns;      /* measurement start_time / estimate "time" (UTC ns since 1970); 0: unknown */
    char workload[64];      /* labels.workload */
    char model[128];        /* labels.model / estimate model */
    char gpu[96];           /* first GPU's name / estimate gpu */
    char precision[16];     /* labels.precision / estimate precision, lower case */
    int batch;
    int seq_len;
    int gpus;
    double tokens;          /* output tokens counted (measurement) */
    double tokens_per_s;    /* throughput of the whole run (estimate: its tokens_per_s, else
                             * batch x output_tokens / time_s; NAN when it has neither) */
    double tokens_per_j;    /* GPU energy basis */
    double j_per_token;     /* expected J per output token (estimate: energy_per_output_token_j.expected) */
    double j_per_token_low; /* estimate band (NAN for measurements) */
    double j_per_token_high;
    double avg_power_w;     /* aggregate GPU power (estimate: its avg_power_w, else j_per_token x
                             * tokens_per_s when both known) */
    double energy_j;        /* aggregate GPU energy after warm-up */
    double duration_s;
    double idle_power_w;    /* measured idle baseline, all GPUs (NAN when not measured) */
    int valid;              /* 1 VALID, 0 INVALID, -1 not applicable (estimates) */
} lw_run;

#ifdef __cplusplus
static inline lw_run lw_run_cxx_init_(void)
{
    lw_run r = lw_run();
    r.version = LW_RUN_VERSION;
    return r;
}
#define LW_RUN_INIT (lw_run_cxx_init_())
#else
#define LW_RUN_INIT {.version = LW_RUN_VERSION}
#endif

/* Record i of an array of runs, at the stride of the version its first record carries (the
 * library's for lw_history_query, the caller's for its own arrays); NULL when runs is NULL or
 * its version is 0 or newer than this library. */
LW_API const lw_run *lw_run_at(const lw_run *runs, size_t i);

/* Parses a measurement or an estimate JSON document into a run record, which must carry its
 * version (LW_RUN_INIT; version 0 is LW_ERR_INVALID_ARGUMENT). The kind is taken from
 * "schema" ("llmwatt.measurement/..."), else an estimate is recognised by "method" with
 * "energy_per_output_token_j". LW_ERR_PARSE names the missing or malformed key. */
LW_API lw_status lw_run_parse(const char *json_text, lw_run *out, lw_err *err);

/* Reads and parses a run file. LW_ERR_NOT_FOUND if it does not exist, LW_ERR_IO if unreadable,
 * else as lw_run_parse with the path in the message. json_text (may be NULL) receives the file's
 * text (heap, free()). */
LW_API lw_status lw_run_load(const char *path, lw_run *out, char **json_text, lw_err *err);

/* Parses a time: "2026-11-21", "2026-11-21T14:00:00Z" (fractional seconds and +hh:mm offsets
 * accepted), "now", or relative to now_ns: "-7d", "-12h", "-30m", "-90s". A bare date means
 * its start (00:00 UTC), or with end_of_day its last nanosecond (for inclusive --until). */
LW_API lw_status lw_time_parse(const char *s, long long now_ns, bool end_of_day, long long *out_ns, lw_err *err);

/* Formats UTC ns as "2026-11-21T14:00:00Z" into buf (>= 21 bytes); "-" for 0. */
LW_API const char *lw_time_format(long long ns, char *buf, size_t n);

/* Current wall-clock time (UTC ns). */
LW_API long long lw_time_now_ns(void);

typedef struct lw_history lw_history;

typedef enum lw_history_mode {
    LW_HISTORY_READ = 0,  /* the file must exist and hold a history; never written */
    LW_HISTORY_WRITE = 1  /* created if absent, migrated to the current schema if older */
} lw_history_mode;

/* Opens a history database. Errors (nothing is written in any of them):
 * LW_ERR_NOT_FOUND: READ mode and the file does not exist;
 * LW_ERR_VERSION: schema newer than LW_HISTORY_SCHEMA_VERSION;
 * LW_ERR_DATABASE: not a SQLite file, corrupt, or a SQLite database that is not an llmwatt history.
 * WRITE mode runs SQLite's quick check on an existing file first and refuses one that fails it.
 * A file that WRITE mode created is removed by lw_history_close when no run was recorded into it,
 * so a first record that fails (a full disk) leaves no empty database. */
LW_API lw_status lw_history_open(const char *path, lw_history_mode mode, lw_history **out, lw_err *err);
LW_API void lw_history_close(lw_history *h);

/* Schema version of the open database (after migration). */
LW_API int lw_history_version(const lw_history *h);

/* Adds runs from JSON texts in one transaction: either all are recorded or none. Each text
 * is parsed with lw_run_parse; a run without a time gets now_ns. ids (may be NULL) receives
 * the new row ids. */
LW_API lw_status lw_history_add_many(lw_history *h, const char *const *json_texts, size_t n, long long now_ns,
                                     long long *ids, lw_err *err);

/* Adds one measurement JSON (LW_ERR_PARSE if the text is an estimate). */
LW_API lw_status lw_history_add_measurement(lw_history *h, const char *json_text, long long *id, lw_err *err);
/* Adds one estimate JSON (LW_ERR_PARSE if the text is a measurement); time is now unless it has "time". */
LW_API lw_status lw_history_add_estimate(lw_history *h, const char *json_text, long long *id, lw_err *err);

/* Query filter. Versioned (docs/design.md, "ABI"): start from lw_history_filter_all(),
 * LW_HISTORY_FILTER_INIT or lw_history_filter_init() (everything matches, oldest first), then set
 * what you need. */
#define LW_HISTORY_FILTER_VERSION 1
typedef struct lw_history_filter {
    unsigned int version;   /* LW_HISTORY_FILTER_VERSION of the caller's headers */
    const char *workload;   /* exact label; NULL: any */
    const char *model;
    const char *gpu;
    const char *precision;
    int batch;              /* 0: any */
    long long id;           /* 0: any */
    long long since_ns;     /* inclusive; 0: no lower bound */
    long long until_ns;     /* inclusive; 0: no upper bound */
    int kind;               /* -1: any, else lw_run_kind */
    bool valid_only;        /* skip INVALID measurements (estimates are kept) */
    bool newest_first;      /* order by time descending (default ascending) */
    size_t limit;           /* 0: no limit */
} lw_history_filter;

#define LW_HISTORY_FILTER_INIT {LW_HISTORY_FILTER_VERSION, NULL, NULL, NULL, NULL, 0, 0, 0, 0, -1, false, false, 0}

/* A filter matching everything, oldest first, for an FFI (LW_ERR_VERSION when the library is older). */
LW_API lw_status lw_history_filter_init(lw_history_filter *f, unsigned int version, lw_err *err);

/* The same by value (inline: built into the caller with the caller's struct size). */
static inline lw_history_filter lw_history_filter_all(void)
{
    lw_history_filter f = LW_HISTORY_FILTER_INIT;
    return f;
}

/* Runs matching f; *runs is heap-allocated (free()), *n may be 0. The records carry this
 * library's LW_RUN_VERSION: read record i with lw_run_at(*runs, i). */
LW_API lw_status lw_history_query(lw_history *h, const lw_history_filter *f, lw_run **runs, size_t *n, lw_err *err);

/* The stored JSON of run id (heap string, free()). LW_ERR_NOT_FOUND if there is no such run. */
LW_API lw_status lw_history_run_json(lw_history *h, long long id, char **json_text, lw_err *err);

#ifdef __cplusplus
}
#endif
#endif
