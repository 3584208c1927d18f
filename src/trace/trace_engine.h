/* Internal: the trace engine's state, shared by trace_run.c (chunks, threads, passes) and
 * trace_models.c (model registry, per-row estimates through the cache). */
#ifndef LW_TRACE_ENGINE_H
#define LW_TRACE_ENGINE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "trace/trace_internal.h"

#define CACHE_BITS 15
#define JOBS_PER_THREAD 4

typedef struct tmodel {
    char name[LW_NAME_MAX];
    size_t len;
    const lw_model_arch *arch;
    int est;
    bool defaulted;
    lw_workload base;
} tmodel;

typedef struct mstats {
    uint64_t requests;
    double tok[3];
    double e[3]; /* expected, low, high */
    double batch_sum;
    int bmin, bmax;
} mstats;

typedef struct job {
    const char *begin, *end;
    uint64_t counted;    /* lines in the chunk, counted before parsing (per-request output) */
    uint64_t lines;      /* lines parsed */
    uint64_t first_line; /* absolute line of the chunk's first line (set before parsing when needed) */
    mstats stats[LW_TRACE_MAX_MODELS];
    uint64_t bad_count, saturated, defaulted, warned;
    lw_trace_bad_row bad[LW_TRACE_MAX_BAD]; /* lines relative to the chunk */
    int nbad;
    bool has_time;
    int64_t tmin, tmax, tfirst, tlast;
    uint64_t out_of_order;
    lw_tbuf out;
    lw_status fatal;
    uint64_t fatal_line; /* relative */
    char fatal_msg[400];
} job;

/* Estimate cache entry (48 bytes): key = model, tokens and batch. */
typedef struct centry {
    uint32_t in, out, rsn, batch;
    int32_t model;   /* -1: empty */
    uint32_t warned; /* the estimate carried a warning */
    double e[3];     /* energy per request: expected, low, high */
} centry;

typedef char ctext[2][24]; /* preformatted energy and J per output token (per-request output) */

struct engine;

typedef struct worker {
    struct engine *E;
    pthread_t th;
    centry *cache;
    ctext *text;
    ctext scratch_text;
    lw_trace_rec rec;
    uint64_t *hist;
    double emin, emax;
    lw_winmap wins;
    uint64_t calls, hits;
    bool cache_off; /* the cache stopped paying for itself (mostly unique token pairs): bypassed */
    char warnings[4][256];
    int nwarnings;
    int last_model;
    const lw_win *lastwin;
} worker;

typedef struct engine {
    const lw_catalogue *cat;
    const lw_trace_opts *o;
    const char *path;
    lw_trace_layout L;
    const char *data;
    size_t len;
    tmodel models[LW_TRACE_MAX_MODELS];
    atomic_int nmodels;
    lw_estimator *est[LW_TRACE_MAX_MODELS];       /* as `llmwatt estimate`: fails when it does not fit */
    lw_estimator *est_loose[LW_TRACE_MAX_MODELS]; /* estimated batch: rows of a mixed batch (below) */
    const lw_model_arch *est_arch[LW_TRACE_MAX_MODELS];
    int nest;
    pthread_mutex_t mu;
    int64_t window_ns;
    lw_winmap windows;
    int pass;       /* 1: window statistics, 2: estimate */
    bool recording; /* this pass records bad rows and times */
    job *jobs;
    int njobs, maxjobs;
    atomic_int next_job, next_count, fatal_job;
    bool need_lines, quit;
    uint64_t round_line;
    pthread_barrier_t start, counted, done;
    pthread_mutex_t gate_mu;
    pthread_cond_t gate_cv;
    bool gate_open;
    worker *workers;
    int nthreads, started;
} engine;

/* Adds an estimator for arch (strict and loose) and returns its index in *idx. */
lw_status lw_trace_add_estimator(engine *E, const lw_model_arch *arch, int *idx, lw_err *err);
/* Model index of a row (its model column mapped through --model-map, else the default);
 * -1 with *st and msg set when the row's model cannot be resolved. */
int lw_trace_model_index(worker *w, const lw_trace_rec *r, lw_status *st, char *msg, size_t msgn);
/* Keeps the first distinct warnings of an estimate for the summary. */
void lw_trace_note_warning(worker *w, const lw_estimate *est);
/* Energy of one row (model mi, tokens in/out/reasoning, batch) through the worker's cache. */
const centry *lw_trace_row_energy(worker *w, int mi, const double tok[3], int batch, centry *scratch,
                                  char (**text)[24], lw_err *err);

#endif
