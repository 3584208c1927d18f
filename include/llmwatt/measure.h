/* llmwatt: measuring a workload's energy (`llmwatt measure`).
 *
 * A session samples one GPU source (NVML or a replay log) and optionally one CPU source (RAPL)
 * at a fixed interval on its own thread, while the caller runs the workload (lw_child_spawn /
 * lw_child_wait). lw_measure_analyze() then turns the samples into energy per device and in
 * aggregate, tokens per joule and the seed 004 validity verdict; lw_measure_json() and
 * lw_measure_csv() write the results (docs/measurement-json.md, docs/measure.md).
 *
 * Energy of a device, over the window [start + warm-up, stop]:
 *   - counter: the sum of increments of its cumulative counter between consecutive samples; an
 *     interval where the counter went backwards (driver reload, glitch) or rose faster than
 *     LW_MEASURE_IMPLAUSIBLE_LIMIT_FACTOR x the power limit is integrated from power instead
 *     (a reset counts from zero when there is no power reading), and the criterion
 *     energy_counter fails;
 *   - integrated: trapezoidal integration of power over consecutive good samples;
 *   - energy_j is the counter value when the counter exists, else the integrated value; when
 *     both exist their relative disagreement (counter - integrated) / counter is reported.
 * The library never installs signal handlers: the caller forwards signals to the child. */
#ifndef LLMWATT_MEASURE_H
#define LLMWATT_MEASURE_H

#include "llmwatt/export.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>
#include "llmwatt/catalogue.h"
#include "llmwatt/power.h"
#include "llmwatt/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LW_MEASURE_MAX_GPUS 64
#define LW_MEASURE_MIN_INTERVAL_S 0.01
/* Samples a device needs in the measured window for an energy (one interval needs two ends);
 * with fewer the window is empty: energies and per-token figures are NAN, the verdict INVALID. */
#define LW_MEASURE_MIN_WINDOW_SAMPLES 2
/* A counter increment whose mean power exceeds this many times the board's enforced power limit
 * is implausible (a corrupt reading): that interval is integrated from power instead. */
#define LW_MEASURE_IMPLAUSIBLE_LIMIT_FACTOR 2.0
/* A live GPU source is read on its own thread. A read of every GPU that has not returned after
 * this many seconds (a hung vendor library) gives not-ok samples for that tick and every tick
 * until it returns, so sampling of the other sources and the run go on, gpus_present and
 * coverage fail, and the results are still written; a read that never returns marks the source
 * (lw_power_hung_note). llmwatt choice: far above the milliseconds a healthy call takes. */
#define LW_MEASURE_HUNG_CALL_S 2.0

/* Validity thresholds (seed 004). Defaults come from the catalogue (data/constants/measure.json). */
typedef struct lw_measure_thresholds {
    double min_duration_s;        /* duration after warm-up must be >= this (60 s) */
    double min_iterations;        /* iterations, when known, must be >= this (50) */
    double min_avg_utilization;   /* average GPU utilisation (0..1) must be > this (0.70) */
    double max_power_cv;          /* coefficient of variation of each GPU's power must be < this (0.05) */
    uint64_t throttle_mask;       /* LW_THROTTLE_* bits that count as throttling */
    double max_throttle_fraction; /* fraction of samples with a masked bit set must be <= this (0) */
    /* coverage: every device's good samples must span the window. Tolerance of the edges and of
     * holes: max(intervals x interval_s, min_tolerance_s) */
    double coverage_edge_intervals; /* first/last good sample within this many intervals of the window's ends (2) */
    double coverage_gap_intervals;  /* no gap between good samples longer than this many intervals (3) */
    double coverage_min_tolerance_s; /* floor of both tolerances, for scheduling jitter (0.25 s) */
} lw_measure_thresholds;

typedef struct lw_measure_config {
    double interval_s;        /* sampling period, >= LW_MEASURE_MIN_INTERVAL_S */
    double warmup_s;          /* excluded from the start of the run, >= 0 */
    double idle_baseline_s;   /* idle sampling before the run (lw_measure_idle); 0 = none */
    int gpu_indices[LW_MEASURE_MAX_GPUS]; /* GPUs to measure (source device indices) */
    size_t n_gpu_indices;     /* 0 = every GPU of the source */
    lw_measure_thresholds thresholds;
} lw_measure_config;

/* Defaults: interval, warm-up and thresholds from the catalogue constants "measure.*". */
LW_API lw_status lw_measure_config_default(const lw_catalogue *cat, lw_measure_config *out, lw_err *err);

typedef struct lw_measure lw_measure;

/* A live session over gpu (NVML, may be NULL) and cpu (RAPL, may be NULL; not both NULL). The
 * sources are borrowed and must outlive the session. LW_ERR_INVALID_ARGUMENT for a bad interval
 * or warm-up, LW_ERR_NOT_FOUND for a GPU index the source does not have. */
LW_API lw_status lw_measure_new(const lw_measure_config *cfg, lw_power_source *gpu, lw_power_source *cpu, lw_measure **out, lw_err *err);

/* A session over the recorded series of a replay source (samples are copied). cfg->interval_s
 * is replaced by the log's own period (the median gap between rows of the first GPU); the warm-up
 * counts from the first row. */
LW_API lw_status lw_measure_from_replay(const lw_measure_config *cfg, const lw_power_source *replay, lw_measure **out, lw_err *err);

LW_API void lw_measure_free(lw_measure *m);

/* Samples idle power for cfg.idle_baseline_s (blocking) before lw_measure_start. */
LW_API lw_status lw_measure_idle(lw_measure *m, lw_err *err);
/* Starts the sampling thread; the run (and the warm-up) starts now. */
LW_API lw_status lw_measure_start(lw_measure *m, lw_err *err);
/* Takes a last sample, stops and joins the sampling thread. Idempotent. */
LW_API lw_status lw_measure_stop(lw_measure *m, lw_err *err);

/* Number of GPU and CPU devices of the session, and their info. */
LW_API size_t lw_measure_gpu_count(const lw_measure *m);
LW_API size_t lw_measure_cpu_count(const lw_measure *m);

/* How the workload ended. */
typedef struct lw_child_status {
    bool ran;        /* a child was run (false for replay) */
    int exit_code;   /* exit status, or 128 + signal when killed by a signal */
    int signal;      /* terminating signal, 0 if it exited */
    bool interrupted; /* the caller forwarded SIGINT/SIGTERM to it */
} lw_child_status;

/* fork + execvp(argv[0], argv). LW_ERR_CHILD with "cannot run 'X': reason" when exec fails
 * (reported back through a close-on-exec pipe, so the failure is not mistaken for exit 127).
 * The child gets SIGTERM when the calling thread ends (PR_SET_PDEATHSIG), so a caller killed
 * with SIGKILL does not leave the workload running: call it from a thread that outlives the child. */
LW_API lw_status lw_child_spawn(char *const argv[], pid_t *pid, lw_err *err);
/* Waits for the child (retrying on EINTR) and fills exit_code/signal. */
LW_API lw_status lw_child_wait(pid_t pid, lw_child_status *out, lw_err *err);

/* Reads the token count (and "iterations" when present at the top level) from a workload's
 * throughput JSON. key is a dot path ("results.total_tokens"); NULL tries "tokens", then
 * "total_tokens". *iterations is left unchanged when the file has no number >= 0 there, so a
 * caller's own value (or NAN for unknown) stays. */
LW_API lw_status lw_throughput_read(const char *path, const char *key, double *tokens, double *iterations, lw_err *err);

/* One validity criterion. applies false: it could not be checked (no data, not given) and does
 * not count in the verdict; value is then NAN. */
typedef struct lw_criterion {
    char name[32];   /* duration_s, iterations, avg_gpu_utilization, power_cv, throttling, gpus_present,
                      * energy_counter, coverage, samples_in_window, child_exit */
    double value;
    double threshold;
    bool applies;
    bool pass;
} lw_criterion;

#define LW_MEASURE_MAX_CRITERIA 12

/* Where a device's samples do not cover the window (criterion "coverage"). */
typedef enum lw_coverage_kind {
    LW_COVERAGE_LATE_START = 0, /* first good sample long after the window opens */
    LW_COVERAGE_EARLY_END = 1,  /* last good sample long before the window closes */
    LW_COVERAGE_HOLE = 2,       /* no good sample for longer than the gap tolerance */
    LW_COVERAGE_NO_SAMPLES = 3  /* no good sample in the window at all */
} lw_coverage_kind;

typedef struct lw_coverage_gap {
    bool gpu;             /* a GPU (else a CPU zone) */
    int index;            /* lw_device_info.index of the device */
    char name[96];        /* its name */
    lw_coverage_kind kind;
    double from_s, to_s;  /* the uncovered seconds, after the start of the run */
} lw_coverage_gap;

#define LW_MEASURE_MAX_COVERAGE_GAPS 16

/* "late_start", "early_end", "hole", "no_samples". */
LW_API const char *lw_coverage_kind_name(lw_coverage_kind kind);

typedef struct lw_device_result {
    lw_device_info info;
    const char *energy_method;  /* "counter", "integrated" or "none" */
    double energy_j;            /* GPU energy in the window (counter, else integrated); NAN with method "none" */
    double energy_counter_j;    /* NAN without a counter */
    double energy_integrated_j; /* NAN without power readings */
    double disagreement;        /* (counter - integrated) / counter, NAN unless both */
    double avg_power_w;         /* energy_j / duration_s */
    double peak_power_w;
    double power_cv;            /* population std / mean of the power samples in the window */
    double avg_utilization;     /* 0..1, NAN when unknown */
    double avg_sm_clock_mhz;
    double temperature_start_c, temperature_end_c, temperature_max_c;
    double throttle_fraction;   /* samples with a threshold-mask bit set / samples with reasons known */
    double sw_power_cap_fraction;
    uint64_t throttle_seen;     /* union of every reason bit seen in the window */
    bool throttle_known;
    double idle_power_w;        /* NAN without an idle baseline */
    size_t samples;             /* good samples in the window */
    size_t failed_samples;      /* samples where the device did not answer (whole run) */
    double lost_at_s;           /* seconds after start of the first failure, NAN if none */
    double back_at_s;           /* first good sample after that failure, NAN if it never answered again */
    unsigned counter_resets;    /* times the energy counter went backwards (reset or glitch) */
    unsigned counter_implausible; /* counter steps above LW_MEASURE_IMPLAUSIBLE_LIMIT_FACTOR x the power limit */
    double implausible_at_s;    /* the first of them, NAN if none */
    double largest_gap_s;
} lw_device_result;

typedef struct lw_measure_result {
    lw_source_kind source;
    double start_unix, end_unix; /* wall clock of the start and the end of the run */
    double interval_s, warmup_s;
    double duration_s;           /* window length: stop - (start + warm-up) */
    size_t n_gpus;
    lw_device_result gpus[LW_MEASURE_MAX_GPUS];
    /* aggregate over the GPUs (over the CPU zones when there is no GPU); energy_j is NAN when no
     * device has LW_MEASURE_MIN_WINDOW_SAMPLES in the window (empty window), avg_power_w NAN when
     * duration_s is 0 */
    double energy_j, avg_power_w, peak_power_w;
    /* CPU (RAPL) */
    bool has_cpu;
    double cpu_package_energy_j, cpu_dram_energy_j; /* NAN when unknown (no zone, empty window) */
    unsigned cpu_counter_wraps;
    /* idle baseline */
    bool has_idle;
    double idle_power_w, idle_duration_s, energy_above_idle_j;
    /* work */
    /* NAN without a token count, and when undefined: tokens_per_s for duration 0, j_per_token for
     * 0 tokens or an unknown energy, tokens_per_j for an energy that is unknown or 0 */
    double tokens, tokens_per_s, j_per_token, tokens_per_j;
    double iterations;           /* NAN when not given */
    /* sampling health */
    size_t samples, expected_samples;
    double largest_gap_s;
    unsigned counter_resets;
    /* coverage: the window is [window_from_s, window_to_s] after the start of the run; the gaps
     * found (the first LW_MEASURE_MAX_COVERAGE_GAPS of n_coverage_gaps_total) and the edge and
     * gap tolerances used. windows_differ: a device in the aggregate (the GPUs, else the CPU
     * zones) does not span the window, so the aggregate and every per-token figure add energies
     * over windows of different lengths. */
    double window_from_s, window_to_s, coverage_edge_s, coverage_gap_s;
    size_t n_coverage_gaps, n_coverage_gaps_total;
    lw_coverage_gap coverage_gaps[LW_MEASURE_MAX_COVERAGE_GAPS];
    bool windows_differ;
    /* verdict */
    lw_child_status child;
    size_t n_criteria;
    lw_criterion criteria[LW_MEASURE_MAX_CRITERIA];
    bool valid;
} lw_measure_result;

/* Analyses the session (after lw_measure_stop, or a replay). tokens and iterations are NAN when
 * unknown; child may be NULL (replay). */
LW_API lw_status lw_measure_analyze(const lw_measure *m, double tokens, double iterations, const lw_child_status *child,
                                    lw_measure_result *out, lw_err *err);

/* ---- Results through functions (docs/design.md, "ABI") --------------------------------------
 * lw_measure_result holds its GPUs, criteria and coverage gaps in fixed arrays, so its layout is
 * frozen. A program that must keep working with later libraries uses an analysis handle instead:
 * the scalar figures in a versioned struct, and the GPUs, criteria and gaps by count and index
 * (library-owned records, valid until lw_measure_analysis_free). */
typedef struct lw_measure_analysis lw_measure_analysis;

/* The scalar figures of an analysis: the fields of lw_measure_result without its arrays (see
 * there). Versioned: start from LW_MEASURE_SUMMARY_INIT or lw_measure_summary_default(); new
 * fields are only appended. */
#define LW_MEASURE_SUMMARY_VERSION 1
typedef struct lw_measure_summary {
    unsigned int version; /* LW_MEASURE_SUMMARY_VERSION of the headers the caller was built with */
    lw_source_kind source;
    double start_unix, end_unix, interval_s, warmup_s, duration_s;
    double energy_j, avg_power_w, peak_power_w;
    bool has_cpu;
    double cpu_package_energy_j, cpu_dram_energy_j;
    unsigned cpu_counter_wraps;
    bool has_idle;
    double idle_power_w, idle_duration_s, energy_above_idle_j;
    double tokens, tokens_per_s, j_per_token, tokens_per_j, iterations;
    size_t samples, expected_samples;
    double largest_gap_s;
    unsigned counter_resets;
    double window_from_s, window_to_s, coverage_edge_s, coverage_gap_s;
    size_t coverage_gaps_total; /* gaps found; lw_measure_analysis_gap_count() of them are kept */
    bool windows_differ;
    lw_child_status child;
    bool valid;
} lw_measure_summary;

static inline lw_measure_summary lw_measure_summary_default(void)
{
    lw_measure_summary s;
    memset(&s, 0, sizeof s);
    s.version = LW_MEASURE_SUMMARY_VERSION;
    return s;
}
#ifdef __cplusplus
#define LW_MEASURE_SUMMARY_INIT (lw_measure_summary_default())
#else
#define LW_MEASURE_SUMMARY_INIT {.version = LW_MEASURE_SUMMARY_VERSION}
#endif

/* lw_measure_analyze() into a new handle (free with lw_measure_analysis_free). */
LW_API lw_status lw_measure_analysis_new(const lw_measure *m, double tokens, double iterations, const lw_child_status *child,
                                         lw_measure_analysis **out, lw_err *err);
LW_API void lw_measure_analysis_free(lw_measure_analysis *a);

/* Fills the fields of *out that its version has. LW_ERR_INVALID_ARGUMENT for version 0,
 * LW_ERR_VERSION for a version newer than this library. */
LW_API lw_status lw_measure_analysis_summary(const lw_measure_analysis *a, lw_measure_summary *out, lw_err *err);

/* The measured GPUs, validity criteria and coverage gaps, by index (NULL when i >= count). */
LW_API size_t lw_measure_analysis_gpu_count(const lw_measure_analysis *a);
LW_API const lw_device_result *lw_measure_analysis_gpu(const lw_measure_analysis *a, size_t i);
LW_API size_t lw_measure_analysis_criterion_count(const lw_measure_analysis *a);
LW_API const lw_criterion *lw_measure_analysis_criterion(const lw_measure_analysis *a, size_t i);
LW_API size_t lw_measure_analysis_gap_count(const lw_measure_analysis *a);
LW_API const lw_coverage_gap *lw_measure_analysis_gap(const lw_measure_analysis *a, size_t i);

/* Run metadata for the JSON file. */
typedef struct lw_measure_meta {
    const char *const *command; /* argv of the workload (NULL for replay) */
    size_t command_len;
    const char *const *label_keys; /* --label KEY=VALUE pairs */
    const char *const *label_values;
    size_t n_labels;
    const char *host;
    const char *replay_path;    /* the log for --replay, else NULL */
} lw_measure_meta;

/* The measurement JSON (schema llmwatt.measurement/1, docs/measurement-json.md) as a malloc'ed,
 * NUL-terminated string. */
LW_API lw_status lw_measure_json(const lw_measure_result *r, const lw_measure_meta *meta, char **out, lw_err *err);

/* lw_measure_json() plus what the GPU source gpu says about itself: for a dcgm source,
 * "source_url" (without credentials) and, when the exporter refreshed more slowly than the
 * sampling interval, "source_note" (lw_power_refresh_note()). gpu may be NULL. */
LW_API lw_status lw_measure_json_source(const lw_measure_result *r, const lw_measure_meta *meta, const lw_power_source *gpu, char **out,
                                        lw_err *err);

/* lw_measure_json_source() of an analysis handle. */
LW_API lw_status lw_measure_analysis_json(const lw_measure_analysis *a, const lw_measure_meta *meta, const lw_power_source *gpu,
                                          char **out, lw_err *err);

/* The raw samples as CSV (malloc'ed): phase,t_s,source,device,name,ok,power_w,energy_j,
 * utilization,sm_clock_mhz,temperature_c,throttle_reasons,in_window. t_s is relative to start. */
LW_API lw_status lw_measure_csv(const lw_measure *m, char **out, lw_err *err);


#ifdef __cplusplus
}
#endif
#endif
