/* llmwatt: energy estimate of a batch of requests from architecture and GPU specifications.
 *
 * Three methods: LW_METHOD_ROOFLINE (default, calibrated physics: time = max(compute, memory,
 * communication) per phase, power = idle + dynamic by utilisation, bounded by TDP),
 * LW_METHOD_LLM_BENCH (seed 003 verbatim) and LW_METHOD_PROFILE (seed 001 verbatim).
 * An lw_estimator resolves the model, GPU and all coefficients once, so that running it on many
 * workloads (sweeps, request traces) costs a few hundred nanoseconds each. */
#ifndef LLMWATT_ESTIMATE_H
#define LLMWATT_ESTIMATE_H

#include "llmwatt/export.h"
#include <stdbool.h>
#include "llmwatt/accounting.h"
#include "llmwatt/catalogue.h"
#include "llmwatt/points.h"
#include "llmwatt/progress.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum lw_method { LW_METHOD_ROOFLINE = 0, LW_METHOD_LLM_BENCH = 1, LW_METHOD_PROFILE = 2 } lw_method;
typedef enum lw_attention_mode { LW_ATTENTION_QUADRATIC = 0, LW_ATTENTION_LINEAR = 1 } lw_attention_mode;

/* A quantity with an uncertainty band: low <= expected <= high. */
typedef struct lw_band {
    double low;
    double expected;
    double high;
} lw_band;

/* Roofline coefficients of one GPU family (see docs/estimate.md). Fitted by lw_calibrate and
 * shipped in data/calibration/roofline.json; a GPU whose architecture has no fit uses the prior. */
typedef struct lw_roofline_coeffs {
    char family[48];         /* GPU architecture string the fit applies to ("Hopper GH100"), "prior" */
    double eta_compute;      /* achieved / peak tensor FLOP/s (MFU ceiling in the compute-bound regime) */
    double eta_memory;       /* achieved / peak HBM bytes/s */
    double step_overhead_s;  /* fixed time per forward pass (scheduling, launches, sampling), GPU idle */
    double idle_fraction;    /* idle power with a resident model / TDP */
    double power_k_compute;  /* dynamic power fraction per unit of compute busy fraction */
    double power_k_memory;   /* dynamic power fraction per unit of memory busy fraction */
    double sigma_log;        /* standard deviation of ln(predicted/measured J per token): the band */
    int rows;                /* calibration rows behind the fit (0: prior) */
    double sigma_fit_log;    /* the fit's own part of sigma_log (cross-validated); 0 when not recorded */
    double sigma_source_log; /* the part covering disagreement between sources at comparable settings
                                (added to sigma_fit_log in quadrature); 0 when none or not recorded */
    double seq_layer_overhead_s; /* time per running sequence per layer per forward pass (the non-GEMM work
                                    and engine-side handling of each request: norms, rotary, activations,
                                    per-layer launches, scheduling), GPU idle; 0 when not recorded */
} lw_roofline_coeffs;

/* Options of lw_estimator_new. Versioned (docs/design.md, "ABI"): start from
 * LW_ESTIMATE_OPTS_INIT, lw_estimate_opts_default() or lw_estimate_opts_init(), then set fields;
 * new fields are only appended and get their defaults from those initialisers. */
#define LW_ESTIMATE_OPTS_VERSION 1
typedef struct lw_estimate_opts {
    unsigned int version;        /* LW_ESTIMATE_OPTS_VERSION of the headers the caller was built with */
    lw_method method;
    int gpus;                    /* tensor-parallel GPUs (>= 1) */
    double pue;                  /* facility multiplier for the separate facility figure (1: none) */
    lw_attention_mode attention; /* profile method only */
    bool strict_memory;          /* run fails (LW_ERR_INFEASIBLE) when the requested batch at its full
                                    context does not fit (the old refusal); default false: the batch
                                    is capped to what the KV cache holds (lw_memory_plan) */
    const lw_roofline_coeffs *coeffs; /* roofline override (calibrate, validate); NULL: shipped fit */
    const char *calibration_json;     /* roofline fit file contents (NUL-terminated) instead of the
                                         shipped data/calibration/roofline.json; NULL: shipped */
    double gpu_memory_utilization;    /* share of each GPU's memory for weights + KV cache (vLLM's
                                         --gpu-memory-utilization); 0: the catalogue's memory.usable_fraction (0.9) */
    bool measured_batch;              /* the batch is a measured running concurrency (calibration rows):
                                         never capped; a cache too small for it is a warning */
    int tensor_parallel;              /* --tp: GPUs per pipeline stage (0 with pipeline_parallel 0: the engines'
                                         plan: tensor parallel within the GPU's node, pipeline across nodes) */
    int pipeline_parallel;            /* --pp: pipeline stages; tensor_parallel x pipeline_parallel = gpus */
    double internode_bw_bytes_per_s;  /* per GPU and direction between nodes; 0: estimate.roofline.internode_bw */
    bool explicit_reasoning;          /* the workload's reasoning_tokens are the caller's (--reasoning N, even 0);
                                         false: a model whose record carries a reasoning factor f > 1 (o1, o3-mini)
                                         decodes output x (f - 1) hidden reasoning tokens when the workload gives 0
                                         (roofline; the profile method applies f itself, as its seed does) */
    double power_limit_w;             /* --power-limit: board power limit per GPU (nvidia-smi -pl), within the GPU's
                                         power_limit_min_w..max_w; 0: none (roofline only) */
    double sm_clock_mhz;              /* --sm-clock: SM clock locked per GPU (nvidia-smi -lgc), within the GPU's
                                         sm_clock_min_mhz..max_mhz; 0: none (roofline only) */
} lw_estimate_opts;

/* Defaults: roofline, 1 GPU, PUE 1, quadratic attention, batch capped to the KV cache (not
 * strict), gpu_memory_utilization from the catalogue, the engines' parallel plan, reasoning from
 * the model's record, shipped calibration, no power limit and no clock lock. */
#ifdef __cplusplus
#define LW_ESTIMATE_OPTS_INIT (lw_estimate_opts_default())
#else
#define LW_ESTIMATE_OPTS_INIT                                                                              \
    {.version = LW_ESTIMATE_OPTS_VERSION, .method = LW_METHOD_ROOFLINE, .gpus = 1, .pue = 1.0,            \
     .attention = LW_ATTENTION_QUADRATIC, .strict_memory = false, .coeffs = NULL, .calibration_json = NULL}
#endif

/* Sets the defaults, for an FFI that cannot expand macros: version is LW_ESTIMATE_OPTS_VERSION of
 * the caller's headers (LW_ERR_VERSION when this library is older than them). */
LW_API lw_status lw_estimate_opts_init(lw_estimate_opts *opts, unsigned int version, lw_err *err);

/* The defaults, by value (inline: built into the caller with the caller's struct size). */
static inline lw_estimate_opts lw_estimate_opts_default(void)
{
    lw_estimate_opts o;
    o.version = LW_ESTIMATE_OPTS_VERSION;
    o.method = LW_METHOD_ROOFLINE;
    o.gpus = 1;
    o.pue = 1.0;
    o.attention = LW_ATTENTION_QUADRATIC;
    o.strict_memory = false;
    o.coeffs = NULL;
    o.calibration_json = NULL;
    o.gpu_memory_utilization = 0;
    o.measured_batch = false;
    o.tensor_parallel = 0;
    o.pipeline_parallel = 0;
    o.internode_bw_bytes_per_s = 0;
    o.explicit_reasoning = false;
    o.power_limit_w = 0;
    o.sm_clock_mhz = 0;
    return o;
}

/* A model's reasoning factor: decoded tokens per visible output token (seed 001's o1 3.0, o3-mini
 * 2.0; 1 for a model whose record carries none). */
LW_API double lw_model_reasoning_factor(const lw_model_arch *m);
/* Hidden reasoning tokens the factor implies for `output_tokens` visible ones: output x (f - 1). */
LW_API double lw_model_default_reasoning(const lw_model_arch *m, double output_tokens);

/* The weight precision a checkpoint's name implies: a whole word (between - _ . / or the ends) of
 * nvfp4/fp4 -> fp4, mxfp4, fp8 (also -FP8-dynamic), int8/w8a8 -> int8, int4/w4a16/awq/gptq/4bit
 * -> int4, the most specific first (-GPTQ-Int8 is int8). Sets *out and a one-line rule ("'fp8'
 * in the model name") and returns true when one applies. */
LW_API bool lw_precision_from_name(const char *name, lw_precision *out, char *rule, size_t rule_size);
/* The same from a Hugging Face config.json's quantization_config (quant_method fp8/mxfp4/awq/
 * gptq/compressed-tensors, bits or config_groups weights num_bits/type); false without one. */
LW_API bool lw_precision_from_hf_config(const char *path, lw_precision *out, char *rule, size_t rule_size);

/* Weight precision when the caller gives none: the config's quantization_config, else the name
 * given (model_name, may be NULL), else the model's native precision; rule says which applied
 * ("fp8 from 'fp8' in the model name"). */
LW_API lw_precision lw_weight_precision_default(const char *model_name, const char *config_path, const lw_model_arch *m,
                                         char *rule, size_t rule_size);

/* "roofline", "llm-bench", "profile". */
LW_API const char *lw_method_name(lw_method m);
/* Parses a method name (case-insensitive). */
LW_API lw_status lw_method_parse(const char *name, lw_method *out, lw_err *err);

/* What limits a phase: the largest of its compute, memory and communication times. */
typedef enum lw_bound { LW_BOUND_MEMORY = 0, LW_BOUND_COMPUTE = 1, LW_BOUND_COMMUNICATION = 2 } lw_bound;

/* "memory", "compute" or "communication". */
LW_API const char *lw_bound_name(lw_bound b);

typedef struct lw_phase_estimate {
    double energy_j;      /* whole batch, all GPUs */
    double time_s;
    double avg_power_w;   /* all GPUs */
    double flops;
    double bytes;
    bool compute_bound;   /* compute time exceeded memory and communication time */
    lw_bound bound;
    double compute_time_s;       /* roofline terms (busiest GPU); 0 for the seed methods */
    double memory_time_s;
    double communication_time_s; /* collectives, on the critical path (added, not overlapped) */
} lw_phase_estimate;

/* The result of lw_estimator_run. Versioned (docs/design.md, "ABI"): the caller owns the struct
 * and declares it with LW_ESTIMATE_INIT (or lw_estimate_init()) so that the library writes only
 * the fields the caller's headers know; a struct reused for many runs is initialised once.
 * Warnings are read with lw_estimate_warning_count() / lw_estimate_warning(). */
#define LW_ESTIMATE_VERSION 1
typedef struct lw_estimate {
    unsigned int version;               /* LW_ESTIMATE_VERSION, set by the caller; never written by a run */
    lw_method method;
    lw_phase_estimate prefill;
    lw_phase_estimate decode;
    lw_band energy_per_request_j;       /* one request's share of the batch, GPU only, before PUE */
    lw_band energy_per_output_token_j;  /* per visible output token; NAN when there is none */
    double facility_energy_per_request_j; /* expected x PUE */
    double time_s;                      /* prefill + decode time of the batch (all B requests: B/effective_batch
                                           rounds of the effective batch when the cache caps it) */
    double avg_power_w;                 /* batch energy / time, all GPUs */
    double energy_j;                    /* batch energy, all GPUs, GPU only */
    double output_tokens;               /* visible output tokens per request */
    lw_precision compute_precision;     /* tensor-core precision the compute time was costed at */
    double reasoning_tokens;            /* hidden reasoning tokens decoded per request (the workload's, or the
                                           model's reasoning factor's) */
    int tensor_parallel;                /* the parallel plan: tensor parallel within each of */
    int pipeline_parallel;              /* pipeline_parallel stages */
    int micro_batches;                  /* decode micro-batches in flight (min(effective batch, stages)) */
    double pipeline_bubble;             /* decode: share of a stage's time it waits, 1 - micro_batches/stages */
    int effective_batch;                /* concurrency the estimate ran at: min(batch, what the KV cache holds) */
    lw_memory_plan memory;              /* roofline: weights, KV budget and per-request KV behind effective_batch */
    double power_limit_w;               /* power limit per GPU in force (0: none) */
    double sm_clock_lock_mhz;           /* SM clock lock in force (0: none) */
    double prefill_sm_clock_mhz;        /* with a limit or lock: the SM clock each phase runs at (the lock, or the */
    double decode_sm_clock_mhz;         /* clock the limit allows it); 0 without either */
    int nwarnings_;                     /* private: read through lw_estimate_warning_count() */
    char warnings_[4][256];             /* private: read through lw_estimate_warning() */
} lw_estimate;

#ifdef __cplusplus
static inline lw_estimate lw_estimate_cxx_init_(void)
{
    lw_estimate e = lw_estimate();
    e.version = LW_ESTIMATE_VERSION;
    return e;
}
#define LW_ESTIMATE_INIT (lw_estimate_cxx_init_())
#else
#define LW_ESTIMATE_INIT {.version = LW_ESTIMATE_VERSION}
#endif

/* Zeroes *out and sets its version, for an FFI that cannot expand LW_ESTIMATE_INIT
 * (LW_ERR_VERSION when this library is older than the caller's headers). */
LW_API lw_status lw_estimate_init(lw_estimate *out, unsigned int version, lw_err *err);

/* Warnings of the last run ("does not fit", "no fp8 tensor cores ..."), at most a few: the count,
 * and warning i (0 <= i < count; NULL otherwise). The text is owned by `e`. */
LW_API int lw_estimate_warning_count(const lw_estimate *e);
LW_API const char *lw_estimate_warning(const lw_estimate *e, int i);

typedef struct lw_estimator lw_estimator;

/* Prepares an estimator (opts NULL: the defaults). Fails on an opts not started from an
 * initialiser (version 0: LW_ERR_INVALID_ARGUMENT; newer than this library: LW_ERR_VERSION), zero
 * GPUs, a precision the method cannot cost, or a GPU missing a figure the method needs (named in
 * the message). */
LW_API lw_status lw_estimator_new(const lw_catalogue *cat, const lw_model_arch *m, const lw_gpu *g,
                                  const lw_estimate_opts *opts, lw_estimator **out, lw_err *err);
LW_API void lw_estimator_free(lw_estimator *e);

/* Estimates one workload into *out, which must carry a version (LW_ESTIMATE_INIT; same errors as
 * for opts above).
 * Thread-safe: an estimator may be shared by threads. No allocation. */
LW_API lw_status lw_estimator_run(const lw_estimator *e, const lw_workload *w, lw_estimate *out, lw_err *err);

/* What an estimator resolved at creation, for printing the sources of its constants. */
typedef struct lw_estimator_info {
    lw_method method;
    lw_roofline_coeffs coeffs;     /* roofline: the coefficients in use */
    bool calibrated;               /* roofline: coefficients fitted to this GPU's architecture */
    char coeff_source[256];        /* roofline: fit file, date and rows, or "prior: ..." */
    char constants_source[512];    /* seed methods: where the constants come from */
    char profile_note[256];        /* profile: seed profile or derived from the architecture */
    int tensor_parallel, pipeline_parallel; /* the parallel plan */
    int node_gpus;                 /* GPUs per NVLink/xGMI domain of the GPU record (0: not given) */
    char plan_note[200];           /* how the plan was chosen */
} lw_estimator_info;

LW_API void lw_estimator_describe(const lw_estimator *e, lw_estimator_info *out);

/* ---- Estimate JSON (llmwatt estimate --json) -------------------------------------------------
 * The one renderer of the estimate JSON documented in docs/cli.md: the CLI, the Python package
 * and the web UI call it, so the same estimate gives the same bytes everywhere. */

#define LW_ESTIMATE_JSON_OPTS_VERSION 1
typedef struct lw_estimate_json_opts {
    unsigned int version;        /* LW_ESTIMATE_JSON_OPTS_VERSION */
    int indent;                  /* 0: one line; n (1..31): pretty, n spaces (the CLI uses 2) */
    bool pue;                    /* add "pue" and "facility_energy_per_request_j" (the CLI: --pue given) */
    const char *const *labels;   /* "KEY=VALUE" pairs, rendered as the "labels" object (none: no key) */
    size_t nlabels;
    const char *const *warnings; /* caller's warnings, listed before the estimate's own */
    size_t nwarnings;
    const char *precision_rule;  /* how the weight precision was chosen ("precision_rule"; NULL: no key) */
} lw_estimate_json_opts;

#ifdef __cplusplus
static inline lw_estimate_json_opts lw_estimate_json_opts_cxx_init_(void)
{
    lw_estimate_json_opts o = lw_estimate_json_opts();
    o.version = LW_ESTIMATE_JSON_OPTS_VERSION;
    return o;
}
#define LW_ESTIMATE_JSON_OPTS_INIT (lw_estimate_json_opts_cxx_init_())
#else
#define LW_ESTIMATE_JSON_OPTS_INIT {.version = LW_ESTIMATE_JSON_OPTS_VERSION}
#endif

/* Zeroes *opts and sets its version (for an FFI that cannot expand the macro). */
LW_API lw_status lw_estimate_json_opts_init(lw_estimate_json_opts *opts, unsigned int version, lw_err *err);

/* The estimate r of workload w by estimator e as JSON text (heap string: free with lw_free()).
 * opts NULL: one line, no labels, no PUE. NULL on failure (a label without '=', out of memory). */
LW_API char *lw_estimate_to_json(const lw_estimator *e, const lw_workload *w, const lw_estimate *r,
                                        const lw_estimate_json_opts *opts, lw_err *err);

/* ---- Calibration (llmwatt calibrate) -------------------------------------------------------
 * Fits the roofline coefficients per GPU architecture to measured points: for each row the
 * time model is compared with the published throughput (output tokens/s) and the power model
 * with the published average power, both in log space, with weak priors on the efficiencies
 * (physics.md section 4); rows that publish only J/token constrain the product. Deterministic
 * (fixed-iteration Nelder-Mead from the prior). */

/* A calibration row: the point plus the physics figures parsed from its notes column. */
typedef struct lw_calib_row {
    lw_point point;
    double avg_power_w;          /* NAN when not published */
    double throughput_tok_per_s; /* output tokens per second, NAN when not published */
    const lw_model_arch *model;  /* resolved in the catalogue (NULL: unknown, row skipped) */
    const lw_gpu *gpu;
    char skip_reason[160];       /* why the row cannot be used, "" when usable */
    double weight;               /* weight in the fit, 0 < weight <= 1 (fit_weight column; 1 when absent) */
    char weight_reason[320];     /* fit_weight_reason column ("" when absent) */
} lw_calib_row;

/* Parses a points CSV (calibration_points.csv format) into calibration rows, resolving models
 * and GPUs in the catalogue (GPU names leniently: "NVIDIA GeForce RTX 3090 24GB" -> rtx-3090).
 * Optional columns fit_weight (a number in (0, 1]; otherwise the row is skipped with the reason)
 * and fit_weight_reason set the row's weight in the fit. From the notes column: average power,
 * output throughput and average running batch where published; a row publishing throughput but
 * no power gets power = J per output token x throughput.
 * *out is a heap array of *n rows (free with free()). */
LW_API lw_status lw_calib_rows_parse(const lw_catalogue *cat, const char *data, size_t len, const char *where,
                                     lw_calib_row **out, size_t *n, lw_err *err);

/* Fitted coefficients per family plus the prior. */
typedef struct lw_calibration {
    lw_roofline_coeffs prior;
    lw_roofline_coeffs families[16];
    int nfamilies;
} lw_calibration;

/* Fits the rows whose use[i] is true (use NULL: all usable rows), each weighted by its weight.
 * A family's sigma_log combines in quadrature its leave-one-row-out error (sigma_fit_log) and
 * the disagreement between sources at comparable settings (sigma_source_log, see
 * lw_calib_source_spread). */
LW_API lw_status lw_calibrate(const lw_catalogue *cat, const lw_calib_row *rows, size_t n, const bool *use,
                              lw_calibration *out, lw_err *err);
/* lw_calibrate reporting progress (opts NULL: none): done and total count the Nelder-Mead fits
 * (per family one fit plus one per row left out for its sigma), what names the family. */
LW_API lw_status lw_calibrate_v2(const lw_catalogue *cat, const lw_calib_row *rows, size_t n, const bool *use,
                                 const lw_progress_opts *opts, lw_calibration *out, lw_err *err);

/* Comparable settings of two rows from different sources: same GPU architecture, same model or
 * one of the same kind (dense or MoE) with total parameters within x1.25, batch within x10. */
LW_API bool lw_calib_comparable(const lw_calib_row *a, const lw_calib_row *b);

/* Source spread of a family's rows idx[0..n) from their residuals res[i] = ln(J_pred/J_meas)
 * under one fit: D = res[a] - res[b] over every comparable pair from different sources, and
 * RMS(D) / z, so that the band at z standard deviations reaches from one source to the other.
 * 0 when no such pair exists. *pairs (may be NULL) receives the number of pairs. */
LW_API double lw_calib_source_spread(const lw_calib_row *rows, const int *idx, const double *res, int n, double z,
                                     int *pairs);

/* Writes the calibration as roofline.json text (heap string, free()): the coefficients plus
 * provenance (date, points file, per-row residuals). */
LW_API char *lw_calibration_to_json(const lw_catalogue *cat, const lw_calibration *c, const lw_calib_row *rows, size_t n,
                                    const char *points_name, const char *fit_date);

/* Parses roofline.json text into a calibration. */
LW_API lw_status lw_calibration_parse(const char *json_text, lw_calibration *out, lw_err *err);

/* Coefficients for a GPU: the family fit of its architecture, else the prior (*calibrated false). */
LW_API lw_roofline_coeffs lw_calibration_for_gpu(const lw_calibration *c, const lw_gpu *g, bool *calibrated);

/* ---- Validation (llmwatt validate) ---------------------------------------------------------- */

typedef struct lw_validation_row {
    const lw_calib_row *row;
    lw_band predicted_j_per_token; /* band widened over the unpublished-input range when relevant */
    double measured_j_per_token;
    double error_pct;              /* 100 (expected - measured) / measured */
    bool inside;                   /* measured within low..high */
    bool input_assumed;            /* the row publishes no input length: the prior range was used */
    bool ok;                       /* predicted (false: skipped, see message) */
    char message[200];
} lw_validation_row;

typedef struct lw_validation_summary {
    int rows;
    double median_abs_pct;
    double mape;
    double inside_share;     /* 0..1 */
    double median_band_width; /* median high/low */
} lw_validation_summary;

/* Predicts row i with the given method (roofline with the calibration `cal`, NULL: shipped). */
LW_API lw_status lw_validate_row(const lw_catalogue *cat, const lw_calib_row *row, lw_method method,
                                 const lw_calibration *cal, lw_validation_row *out, lw_err *err);

/* Summary over rows with ok set and (gpu_only_filter < 0: all; 1: GPU-only rows; 0: others). */
LW_API lw_validation_summary lw_validation_summarise(const lw_validation_row *rows, size_t n, int gpu_only_filter);

/* The same with each row counted at its calibration weight (lw_calib_row.weight): weighted
 * medians, mean and share; `rows` is the number of rows with ok set. */
LW_API lw_validation_summary lw_validation_summarise_weighted(const lw_validation_row *rows, size_t n, int gpu_only_filter);

/* ---- Sweeps (llmwatt sweep) ----------------------------------------------------------------- */

/* Parses "1,2,4,8", "1..256*2" (geometric) or "100..1000+100" (arithmetic) into at most
 * max values. Fails with a message naming the spec on a bad or too long list. */
LW_API lw_status lw_sweep_parse(const char *spec, double *values, size_t max, size_t *n, lw_err *err);

#ifdef __cplusplus
}
#endif
#endif
