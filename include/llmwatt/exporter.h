/* llmwatt: Prometheus exporter state (what `llmwatt serve` publishes on /metrics).
 *
 * An lw_exporter holds, for each registered device (GPU or RAPL zone), the latest reading and an
 * energy counter accumulated since the exporter started, and for each workload the tokens it
 * reported and the GPU energy attributed to it. It renders all of it in the Prometheus text
 * exposition format (version 0.0.4). It does no I/O: the caller samples the power sources
 * (include/llmwatt/power.h), feeds the samples in with lw_exporter_observe(), closes attribution
 * intervals with lw_exporter_tick() and serves the text of lw_exporter_render().
 *
 * Energy counters. A device with a cumulative hardware counter (NVML total energy, RAPL
 * energy_uj) adds the difference of consecutive readings (a reading lower than the previous one
 * is a counter reset: that interval adds nothing). A device without one adds the trapezoid of
 * consecutive power readings, except across gaps longer than max_gap_s (a lost device or a
 * stalled sampler: that interval adds nothing rather than a guess). The exported GPU counter
 * carries method="counter" or method="integrated" accordingly.
 *
 * Attribution of GPU energy to workloads (docs/serve.md). Time is cut into intervals by
 * lw_exporter_tick(); the energy of an interval is the increase, over the interval, of the sum
 * of every GPU's counter. Tokens reported between two ticks belong to the interval the second
 * tick closes. A workload is *active* in an interval if it reported (any count, 0 included) in
 * that interval or in the hold_ticks - 1 intervals before it, where
 * hold_ticks = max(1, round(hold_s / tick_s)). The interval's energy is split among the active
 * workloads in proportion to the tokens each reported over those hold_ticks intervals (equally
 * when all of them reported 0 tokens). With no active workload the energy is counted as
 * unattributed. Hence, at every tick, sum(workload energy) + unattributed = sum(GPU energy).
 * CPU and DRAM energy is exported but not attributed.
 *
 * Thread safety: every function taking an lw_exporter locks its internal mutex, so HTTP threads
 * may report tokens and render while a sampler thread observes and ticks. */
#ifndef LLMWATT_EXPORTER_H
#define LLMWATT_EXPORTER_H

#include "llmwatt/export.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "llmwatt/power.h"
#include "llmwatt/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lw_exporter lw_exporter;

/* Longest workload name, in bytes. Names match [A-Za-z0-9_.:-]{1,64}. */
#define LW_WORKLOAD_NAME_MAX 64
/* Largest token count accepted in one report (a sanity bound, not a rate limit). */
#define LW_TOKENS_PER_REPORT_MAX 1e12

typedef struct lw_exporter_config {
    double tick_s;        /* intended time between lw_exporter_tick() calls, seconds (> 0) */
    double hold_s;        /* how long a report keeps a workload active, seconds (>= 0) */
    double max_gap_s;     /* longest power-sample gap that is integrated, seconds (> 0) */
    size_t max_workloads; /* distinct workload names kept (memory bound); further names are rejected */
} lw_exporter_config;

/* The defaults of `llmwatt serve`: tick 1 s, hold 10 s, max gap 5 s, 256 workloads. */
LW_API lw_exporter_config lw_exporter_config_default(void);

/* Creates an exporter with no device and no workload. LW_ERR_INVALID_ARGUMENT for a
 * configuration value out of its domain (the message names it). */
LW_API lw_status lw_exporter_new(const lw_exporter_config *cfg, lw_exporter **out, lw_err *err);
LW_API void lw_exporter_free(lw_exporter *e);

/* Registers a device (a GPU, CPU package or DRAM zone) described by info (copied) and returns
 * its slot (0, 1, ... in registration order). GPUs use the energy counter when
 * info->has_energy_counter, integrated power otherwise; RAPL zones always use their counter. */
LW_API lw_status lw_exporter_add_device(lw_exporter *e, const lw_device_info *info, size_t *slot, lw_err *err);

/* Feeds one reading of the device in slot. Readings of one device must come in time order
 * (s->t_ns non-decreasing; LW_ERR_INVALID_ARGUMENT otherwise). A reading with ok false marks
 * the device down (llmwatt_gpu_up 0, its gauges disappear, its counter stops) until a good one. */
LW_API lw_status lw_exporter_observe(lw_exporter *e, size_t slot, const lw_power_sample *s, lw_err *err);

/* Records that workload reported tokens (a whole number, 0..LW_TOKENS_PER_REPORT_MAX).
 * LW_ERR_INVALID_ARGUMENT for a bad name or count; LW_ERR_INFEASIBLE when the workload is new
 * and max_workloads names are already kept. Either way the rejection is counted. */
LW_API lw_status lw_exporter_report_tokens(lw_exporter *e, const char *workload, double tokens, lw_err *err);

/* Why a token report was refused, for llmwatt_token_reports_rejected_total{reason}. */
typedef enum lw_reject_reason {
    LW_REJECT_BAD_REQUEST = 0,   /* malformed body, bad name or count */
    LW_REJECT_UNAUTHORIZED = 1,  /* missing/wrong bearer token, or not from loopback */
    LW_REJECT_WORKLOAD_LIMIT = 2 /* max_workloads reached */
} lw_reject_reason;
#define LW_REJECT_REASONS 3

/* Counts a rejection decided outside the exporter (by the HTTP layer). */
LW_API void lw_exporter_count_rejected(lw_exporter *e, lw_reject_reason reason);

/* Closes the current attribution interval and splits its GPU energy (see top of file). */
LW_API void lw_exporter_tick(lw_exporter *e);

/* Renders every metric in the Prometheus text exposition format into a heap buffer
 * (NUL-terminated, *len bytes without the NUL); the caller frees it with free(). */
LW_API lw_status lw_exporter_render(lw_exporter *e, char **text, size_t *len, lw_err *err);

/* Totals for tests and the CLI's summary line, in joules: energy of every GPU counter,
 * energy attributed to workloads, and unattributed energy. */
typedef struct lw_exporter_totals {
    double gpu_energy_j;
    double attributed_energy_j;
    double unattributed_energy_j;
    double tokens;
    size_t workloads;
} lw_exporter_totals;
LW_API void lw_exporter_get_totals(lw_exporter *e, lw_exporter_totals *out);

/* Energy attributed to one workload and tokens it reported (NAN when unknown). */
LW_API double lw_exporter_workload_energy_j(lw_exporter *e, const char *workload);
LW_API double lw_exporter_workload_tokens(lw_exporter *e, const char *workload);

/* Parses the body of a token report (POST /tokens), either form-encoded
 * "workload=NAME&tokens=N" (percent-decoding, '+' is a space) or a JSON object
 * {"workload": "NAME", "tokens": N} (chosen when the body starts with '{'). Unknown or repeated
 * keys, a missing key, a bad name (see LW_WORKLOAD_NAME_MAX) or a count that is not a whole
 * number in 0..LW_TOKENS_PER_REPORT_MAX give LW_ERR_PARSE or LW_ERR_INVALID_ARGUMENT with a
 * one-line message. workload must hold LW_WORKLOAD_NAME_MAX + 1 bytes. */
LW_API lw_status lw_exporter_parse_report(const char *body, size_t len, char *workload, double *tokens, lw_err *err);

/* True when name is a valid workload name. */
LW_API bool lw_workload_name_valid(const char *name);

#ifdef __cplusplus
}
#endif
#endif
