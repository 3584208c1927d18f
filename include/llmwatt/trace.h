/* llmwatt: energy of a production request log (CSV or JSON Lines), estimated row by row.
 *
 * Each row is one request (timestamp, input tokens, output tokens; optionally model and hidden
 * reasoning tokens). Its energy is lw_estimator_run's energy_per_request_j for a batch of B
 * identical requests, where B is either fixed (then a row's energy equals `llmwatt estimate`
 * with the same batch) or estimated from the arrival timestamps: per time window and model,
 * the smallest whole B >= 1 with lambda * T(B) <= B (Little's law, lambda = arrivals per second
 * in the window, T(B) = prefill + decode time of the window's mean request at batch B).
 *
 * The file is mapped and cut at newline boundaries into chunks that all cores parse; memory
 * is bounded by the chunk size, the estimate cache and the number of (window, model) pairs,
 * never by the number of rows. Results do not depend on the number of threads. */
#ifndef LLMWATT_TRACE_H
#define LLMWATT_TRACE_H

#include "llmwatt/export.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "llmwatt/catalogue.h"
#include "llmwatt/estimate.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum lw_trace_format { LW_TRACE_AUTO = 0, LW_TRACE_CSV = 1, LW_TRACE_JSONL = 2 } lw_trace_format;

/* The columns a trace row may have. */
typedef enum lw_trace_column {
    LW_TRACE_COL_TIMESTAMP = 0,
    LW_TRACE_COL_INPUT = 1,
    LW_TRACE_COL_OUTPUT = 2,
    LW_TRACE_COL_REASONING = 3,
    LW_TRACE_COL_MODEL = 4,
    LW_TRACE_NCOLS = 5
} lw_trace_column;

/* What a bad row (non-numeric, negative, missing field, bad timestamp) does. */
typedef enum lw_trace_on_error { LW_TRACE_SKIP = 0, LW_TRACE_FAIL = 1 } lw_trace_on_error;

/* What a model name that is neither mapped nor in the catalogue does. */
typedef enum lw_trace_unknown { LW_TRACE_UNKNOWN_FAIL = 0, LW_TRACE_UNKNOWN_DEFAULT = 1 } lw_trace_unknown;

/* Format of the streamed per-request output. */
typedef enum lw_trace_output { LW_TRACE_OUT_NONE = 0, LW_TRACE_OUT_CSV = 1, LW_TRACE_OUT_JSONL = 2 } lw_trace_output;

#define LW_TRACE_MAX_MODELS 64 /* distinct model names per trace */
#define LW_TRACE_MAX_BAD 10    /* bad rows kept with their line numbers (all are counted) */
#define LW_TRACE_MAX_MAP 64    /* --model-map entries */

/* Receives per-request output text in row order; a non-OK status stops the run. */
typedef lw_status (*lw_trace_sink)(void *ctx, const char *data, size_t len, lw_err *err);
/* Progress: pass (1-based) of passes, bytes of the input done in this pass. Called from the
 * calling thread between rounds of chunks. */
typedef void (*lw_trace_progress)(void *ctx, int pass, int passes, uint64_t done_bytes, uint64_t total_bytes);

/* Options of lw_trace_run. Versioned (docs/design.md, "ABI"): start from LW_TRACE_OPTS_INIT,
 * lw_trace_opts_default() or lw_trace_opts_init(), then set fields; fields are appended. The
 * embedded lw_estimate_opts is part of this layout: when it grows, LW_TRACE_OPTS_VERSION goes up
 * too and the library converts the older layout. */
#define LW_TRACE_OPTS_VERSION 1
typedef struct lw_trace_opts {
    unsigned int version;                  /* LW_TRACE_OPTS_VERSION of the caller's headers */
    lw_trace_format format;                /* AUTO: '{' as first non-blank byte means JSON Lines */
    const char *columns[LW_TRACE_NCOLS];   /* header names / JSON keys; NULL: detect (docs/trace.md) */
    double time_unit_s;                    /* seconds per unit of numeric timestamps: 1, 1e-3, 1e-6, 1e-9 */
    const lw_model_arch *default_model;    /* rows without a model; NULL: every row must name one */
    const lw_gpu *gpu;
    lw_estimate_opts estimate;             /* method, GPUs, PUE */
    bool weight_precision_set;             /* false: each model's native precision */
    lw_precision weight_precision;
    lw_precision kv_precision;
    int batch;                             /* >= 1: fixed; 0: estimated from the timestamps */
    double window_s;                       /* window of the concurrency estimate (> 0) */
    int max_batch;                         /* cap of the estimated batch (>= 1) */
    lw_trace_on_error on_error;
    lw_trace_unknown unknown_model;
    const char *map_from[LW_TRACE_MAX_MAP]; /* trace model name -> catalogue model name */
    const char *map_to[LW_TRACE_MAX_MAP];
    int nmap;
    int threads;                           /* 0: all online CPUs */
    size_t chunk_bytes;                    /* 0: 4 MiB */
    lw_trace_output per_request;
    lw_trace_sink sink;                    /* required when per_request != NONE */
    void *sink_ctx;
    lw_trace_progress progress;            /* may be NULL */
    void *progress_ctx;
} lw_trace_opts;

/* Defaults: auto format, numeric timestamps in seconds, estimated batch (0) with the window and
 * cap from the catalogue constants trace.window_s and trace.max_batch (cat may be NULL: the
 * built-in 60 s and 256 of LW_TRACE_OPTS_INIT), estimator defaults with strict memory (the trace
 * sizes its own batch), bf16 KV cache, skip bad rows, fail on unknown models, all CPUs, no
 * per-request output. version is LW_TRACE_OPTS_VERSION of the caller's headers. */
LW_API lw_status lw_trace_opts_init(lw_trace_opts *opts, unsigned int version, const lw_catalogue *cat, lw_err *err);

#ifdef __cplusplus
static inline lw_trace_opts lw_trace_opts_cxx_init_(void)
{
    lw_trace_opts o = lw_trace_opts();
    o.version = LW_TRACE_OPTS_VERSION;
    o.format = LW_TRACE_AUTO;
    o.time_unit_s = 1.0;
    o.estimate = lw_estimate_opts_default();
    o.estimate.strict_memory = true;
    o.kv_precision = LW_PREC_BF16;
    o.window_s = 60.0;
    o.max_batch = 256;
    return o;
}
#define LW_TRACE_OPTS_INIT (lw_trace_opts_cxx_init_())
#else
#define LW_TRACE_OPTS_INIT                                                                                 \
    {.version = LW_TRACE_OPTS_VERSION, .format = LW_TRACE_AUTO, .time_unit_s = 1.0,                       \
     .estimate = {.version = LW_ESTIMATE_OPTS_VERSION, .method = LW_METHOD_ROOFLINE, .gpus = 1, .pue = 1.0, \
                  .attention = LW_ATTENTION_QUADRATIC, .strict_memory = true},                            \
     .kv_precision = LW_PREC_BF16, .window_s = 60.0, .max_batch = 256}
#endif

/* lw_trace_opts_init by value (inline: built into the caller with the caller's struct size). */
static inline lw_trace_opts lw_trace_opts_default(const lw_catalogue *cat)
{
    lw_trace_opts o = LW_TRACE_OPTS_INIT;
    lw_trace_opts_init(&o, LW_TRACE_OPTS_VERSION, cat, NULL);
    return o;
}

typedef struct lw_trace_bad_row {
    uint64_t line;  /* 1-based physical line of the input */
    char msg[200];  /* "'GeneratedTokens' is not a number: 'abc'" */
} lw_trace_bad_row;

typedef struct lw_trace_model_summary {
    char name[LW_NAME_MAX];      /* as written in the trace ("" for rows without a model) */
    char catalogue[LW_NAME_MAX]; /* catalogue model it was estimated with */
    bool defaulted;              /* unknown name estimated with the default model */
    uint64_t requests;
    double input_tokens, output_tokens, reasoning_tokens;
    double energy_j, energy_low_j, energy_high_j;
    double batch_sum;            /* sum over requests of the batch used (mean = batch_sum / requests) */
    int batch_min, batch_max;
} lw_trace_model_summary;

/* What lw_trace_run counted. Versioned (docs/design.md, "ABI"): start it from
 * LW_TRACE_SUMMARY_INIT or lw_trace_summary_init(); lw_trace_run fills only the caller's version.
 * The estimator's warnings are read with lw_trace_summary_warning_count/_warning. */
#define LW_TRACE_SUMMARY_VERSION 1
typedef struct lw_trace_summary {
    unsigned int version;              /* LW_TRACE_SUMMARY_VERSION of the caller's headers */
    lw_trace_format format;
    char columns[LW_TRACE_NCOLS][64];  /* column names used ("" when absent) */
    bool estimated_batch;              /* true: concurrency estimated from timestamps */
    int batch;                         /* the fixed batch (estimated: 0) */
    double window_s;
    int max_batch;
    uint64_t bytes, lines, requests, bad_rows;
    lw_trace_bad_row bad[LW_TRACE_MAX_BAD];
    int nbad;
    uint64_t out_of_order;             /* rows whose timestamp precedes the previous row's */
    uint64_t windows;                  /* (window, model) pairs of the concurrency estimate */
    uint64_t saturated_requests;       /* requests in windows whose batch hit max_batch */
    uint64_t defaulted_requests;       /* requests of unknown models estimated with the default */
    bool has_time;
    double first_time_s, last_time_s;  /* smallest and largest timestamp (epoch or as given) */
    double input_tokens, output_tokens, reasoning_tokens;
    double energy_j, energy_low_j, energy_high_j; /* GPU energy, before PUE */
    double facility_energy_j;          /* energy_j x PUE */
    double p50_j, p90_j, p99_j;        /* per-request energy percentiles (nearest rank) */
    double min_j, max_j;
    double percentile_rel_resolution;  /* half-width of a histogram bucket, relative */
    lw_trace_model_summary models[LW_TRACE_MAX_MODELS];
    int nmodels;
    uint64_t warned_requests;          /* requests whose estimate carried a warning */
    char warnings_[4][256];            /* private: use lw_trace_summary_warning() */
    int nwarnings_;
    uint64_t estimator_calls, cache_hits;
    int threads;
    double elapsed_s;
} lw_trace_summary;

#ifdef __cplusplus
static inline lw_trace_summary lw_trace_summary_cxx_init_(void)
{
    lw_trace_summary s = lw_trace_summary();
    s.version = LW_TRACE_SUMMARY_VERSION;
    return s;
}
#define LW_TRACE_SUMMARY_INIT (lw_trace_summary_cxx_init_())
#else
#define LW_TRACE_SUMMARY_INIT {.version = LW_TRACE_SUMMARY_VERSION}
#endif

/* Zeroes the summary and sets its version, for an FFI (LW_ERR_VERSION when the library is older). */
LW_API lw_status lw_trace_summary_init(lw_trace_summary *out, unsigned int version, lw_err *err);

/* The distinct estimator warnings of the run (at most 4 are kept), and warning i (NULL past the end). */
LW_API int lw_trace_summary_warning_count(const lw_trace_summary *s);
LW_API const char *lw_trace_summary_warning(const lw_trace_summary *s, int i);

/* Estimates every row of the trace at path. On a fatal error (unreadable file, unrecognised
 * header, bad row with LW_TRACE_FAIL, unknown model with LW_TRACE_UNKNOWN_FAIL, estimator
 * failure) returns its status with the line number in the message; out then holds what was
 * counted so far. out must carry its version (LW_TRACE_SUMMARY_INIT). Statuses: LW_ERR_IO (file), LW_ERR_PARSE (header or row), LW_ERR_NOT_FOUND
 * (model), LW_ERR_INVALID_ARGUMENT (options), LW_ERR_NO_MEMORY, or the estimator's. */
LW_API lw_status lw_trace_run(const lw_catalogue *cat, const char *path, const lw_trace_opts *opts, lw_trace_summary *out,
                              lw_err *err);

/* Parses a timestamp: seconds as a decimal number (times unit_s), or a date-time
 * "YYYY-MM-DD[ T]HH:MM:SS[.fraction][Z|+HH:MM]" read as UTC. Writes nanoseconds since the epoch
 * (or since the trace's own origin for numbers). false on anything else. */
LW_API bool lw_trace_parse_time(const char *s, size_t len, double unit_s, int64_t *ns);


/* ---- Cost and carbon of a trace, and the `llmwatt trace --json` document ---------------------- */

/* Inputs of the trace's cost and carbon. Versioned (docs/design.md, "ABI"): start from
 * LW_TRACE_COST_OPTS_INIT, lw_trace_cost_opts_default() or lw_trace_cost_opts_init(). */
#define LW_TRACE_COST_OPTS_VERSION 1
typedef struct lw_trace_cost_opts {
    unsigned int version;
    double price_usd_per_kwh;  /* < 0: the catalogue's cost.price_kwh.us */
    double grid_g_per_kwh;     /* < 0: none (no carbon), unless region is given */
    const char *region;        /* a data/regions.csv id or alias; NULL: none */
} lw_trace_cost_opts;

#ifdef __cplusplus
#define LW_TRACE_COST_OPTS_INIT (lw_trace_cost_opts_default())
#else
#define LW_TRACE_COST_OPTS_INIT \
    {.version = LW_TRACE_COST_OPTS_VERSION, .price_usd_per_kwh = -1, .grid_g_per_kwh = -1, .region = NULL}
#endif

static inline lw_trace_cost_opts lw_trace_cost_opts_default(void)
{
    lw_trace_cost_opts o;
    o.version = LW_TRACE_COST_OPTS_VERSION;
    o.price_usd_per_kwh = -1;
    o.grid_g_per_kwh = -1;
    o.region = NULL;
    return o;
}

/* The same for an FFI: version is LW_TRACE_COST_OPTS_VERSION of the caller's headers. */
LW_API lw_status lw_trace_cost_opts_init(lw_trace_cost_opts *opts, unsigned int version, lw_err *err);

/* The trace's GPU energy through the cost module's power chain (seed 004): its per-1M-token
 * figures at a throughput that reproduces the trace's J per output token, scaled to the trace's
 * output tokens. Versioned like the options (LW_TRACE_COST_INIT, lw_trace_cost_init). */
#define LW_TRACE_COST_VERSION 1
typedef struct lw_trace_cost {
    unsigned int version;
    bool computed;             /* false: no output tokens or no energy, nothing to cost */
    double price_usd_per_kwh, overhead_fraction, psu_efficiency, pue;
    double wall_kwh, billed_kwh, energy_usd;
    double grid_g_per_kwh;     /* < 0: no grid intensity given */
    double co2e_g;             /* < 0: no grid intensity given */
    char grid_source[96];      /* "--grid-g-per-kwh", "region us, 2024" or "" */
} lw_trace_cost;

#define LW_TRACE_COST_INIT {LW_TRACE_COST_VERSION, false, 0, 0, 0, 0, 0, 0, 0, -1, -1, {0}}
LW_API lw_status lw_trace_cost_init(lw_trace_cost *out, unsigned int version, lw_err *err);

/* Computes the cost and carbon of a finished lw_trace_run (S, with the options o it ran with).
 * LW_ERR_NOT_FOUND for an unknown region, LW_ERR_INVALID_ARGUMENT for a bad price or intensity. */
LW_API lw_status lw_trace_cost_compute(const lw_catalogue *cat, const lw_trace_summary *S, const lw_trace_opts *o,
                                       const lw_trace_cost_opts *co, lw_trace_cost *out, lw_err *err);

/* The `llmwatt trace --json` document of a run of the file `path` (as the "file" key) with
 * options o, and its cost (NULL: "cost_and_carbon" is null). Heap text, lw_free(); indent 2
 * gives the CLI's bytes without the final newline. Reads its arguments only: thread-safe. */
LW_API char *lw_trace_summary_to_json(const lw_trace_summary *S, const char *path, const lw_trace_opts *o,
                                      const lw_trace_cost *cost, int indent, lw_err *err);

#ifdef __cplusplus
}
#endif
#endif
