/* llmwatt: energy estimate of a batch of requests from architecture and GPU specifications.
 *
 * Three methods: LW_METHOD_ROOFLINE (default, calibrated physics: time = max(compute, memory,
 * communication) per phase, power = idle + dynamic by utilisation, bounded by TDP),
 * LW_METHOD_LLM_BENCH (seed 003 verbatim) and LW_METHOD_PROFILE (seed 001 verbatim).
 * An lw_estimator resolves the model, GPU and all coefficients once, so that running it on many
 * workloads (sweeps, request traces) costs a few hundred nanoseconds each. */
#ifndef LLMWATT_ESTIMATE_H
#define LLMWATT_ESTIMATE_H

#include <stdbool.h>
#include "llmwatt/accounting.h"
#include "llmwatt/catalogue.h"

typedef enum lw_method { LW_METHOD_ROOFLINE = 0, LW_METHOD_LLM_BENCH = 1, LW_METHOD_PROFILE = 2 } lw_method;
typedef enum lw_attention_mode { LW_ATTENTION_QUADRATIC = 0, LW_ATTENTION_LINEAR = 1 } lw_attention_mode;

/* A quantity with an uncertainty band: low <= expected <= high. */
typedef struct lw_band {
    double low;
    double expected;
    double high;
} lw_band;

typedef struct lw_estimate_opts {
    lw_method method;
    int gpus;                    /* tensor-parallel GPUs (>= 1) */
    double pue;                  /* facility multiplier for the separate facility figure (1: none) */
    lw_attention_mode attention; /* profile method only */
} lw_estimate_opts;

/* Defaults: roofline, 1 GPU, PUE 1, quadratic attention. */
lw_estimate_opts lw_estimate_opts_default(void);

typedef struct lw_phase_estimate {
    double energy_j;      /* whole batch, all GPUs */
    double time_s;
    double avg_power_w;   /* all GPUs */
    double flops;
    double bytes;
    bool compute_bound;   /* compute time exceeded memory and communication time */
} lw_phase_estimate;

typedef struct lw_estimate {
    lw_method method;
    lw_phase_estimate prefill;
    lw_phase_estimate decode;
    lw_band energy_per_request_j;       /* one request's share of the batch, GPU only, before PUE */
    lw_band energy_per_output_token_j;  /* per visible output token */
    double facility_energy_per_request_j; /* expected x PUE */
    char warnings[4][256];              /* e.g. "does not fit", "fp8 not supported natively" */
    int nwarnings;
} lw_estimate;

typedef struct lw_estimator lw_estimator;

/* Prepares an estimator. Fails on zero GPUs, a precision the method cannot cost, or a GPU
 * missing a figure the method needs (named in the message). */
lw_status lw_estimator_new(const lw_catalogue *cat, const lw_model_arch *m, const lw_gpu *g,
                           const lw_estimate_opts *opts, lw_estimator **out, lw_err *err);
void lw_estimator_free(lw_estimator *e);

/* Estimates one workload. Thread-safe: an estimator may be shared by threads. */
lw_status lw_estimator_run(const lw_estimator *e, const lw_workload *w, lw_estimate *out, lw_err *err);

#endif
