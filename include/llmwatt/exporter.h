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

/* ---- scraped endpoints: inference engines and dcgm-exporter (docs/serve.md) ----
 *
 * A target is an endpoint llmwatt scrapes. An engine target feeds workloads from the engine's
 * own cumulative token counters: the first reading of each (target, workload) is the baseline,
 * later ones add their increase (a counter lower than before is a restart from zero: its value
 * is the increase), so nothing is counted twice. A workload fed by an engine is active while the
 * engine answers and its last reading is within the hold; it goes inactive at once when the
 * engine stops answering. Energy attribution is per GPU: a GPU whose index some active workload's
 * engine was mapped to (gpus) is split among those workloads by tokens over the hold; any other
 * GPU among the active workloads without a mapping (POST /tokens, unmapped engines); with none,
 * its energy is unattributed. */

/* Longest target name (a URL without credentials) kept. */
#define LW_TARGET_NAME_MAX 200

/* Registers a target named name (shown as label target, cut to LW_TARGET_NAME_MAX). engine is
 * the engine label of its workloads ("vllm", "sglang", "tgi", "prometheus") or NULL for a power
 * source (dcgm-exporter). gpus lists the device indices (0..63) the engine runs on (ngpus 0:
 * unknown, attribute by token share). */
LW_API lw_status lw_exporter_add_target(lw_exporter *e, const char *name, const char *engine, const int *gpus, size_t ngpus, size_t *id,
                                 lw_err *err);

/* One reading of an engine's cumulative counters for one workload (a valid workload name):
 * output (generated) tokens and prompt tokens (NAN when the engine does not count them). */
LW_API lw_status lw_exporter_engine_counters(lw_exporter *e, size_t id, const char *workload, double output_tokens_total, double prompt_tokens_total,
                                      lw_err *err);

/* Outcome of one scrape of target id: ok false counts llmwatt_scrape_errors_total{target} and
 * marks it down (llmwatt_target_up 0; an engine's workloads go inactive) until a good one. */
LW_API void lw_exporter_target_result(lw_exporter *e, size_t id, bool ok);

/* Money and carbon counters of each workload: each interval's attributed energy x pue, priced at
 * the usd_per_kwh (llmwatt_energy_cost_dollars_total) and g_co2e_per_kwh (llmwatt_carbon_grams_total)
 * in force when that interval is attributed, so a caller may change them between ticks (an hourly
 * grid-intensity series); energy attributed before the first call is not priced. NAN leaves the
 * counter out. pue in [1, 10]. Thread-safe. */
LW_API lw_status lw_exporter_set_tariff(lw_exporter *e, double usd_per_kwh, double pue, double g_co2e_per_kwh, lw_err *err);

typedef enum lw_engine_kind {
    LW_ENGINE_VLLM = 0,      /* vllm:generation_tokens_total / vllm:prompt_tokens_total by model_name (V0 and V1) */
    LW_ENGINE_SGLANG = 1,    /* sglang:generation_tokens_total / sglang:prompt_tokens_total by model_name */
    LW_ENGINE_TGI = 2,       /* tgi_request_generated_tokens_sum / tgi_request_input_length_sum */
    LW_ENGINE_PROMETHEUS = 3 /* a user-named counter, by model_name or model label */
} lw_engine_kind;

/* One --engine KIND[:ARG]=URL[@GPU,GPU...] argument (opaque). ARG is the workload name for tgi
 * (default "tgi"), the sample name for prometheus (required), and not allowed for vllm and
 * sglang; GPU indices are 0..63. */
typedef struct lw_engine_spec lw_engine_spec;

/* Parses an --engine argument into a new spec (free with lw_engine_spec_free);
 * LW_ERR_INVALID_ARGUMENT with a one-line message (never repeating credentials of the URL). */
LW_API lw_status lw_engine_spec_parse(const char *text, lw_engine_spec **out, lw_err *err);
LW_API void lw_engine_spec_free(lw_engine_spec *spec);

LW_API lw_engine_kind lw_engine_spec_kind(const lw_engine_spec *spec);

/* The GPU indices of the @ suffix: copies at most max of them into gpus and returns how many
 * there are (0: not mapped). */
LW_API size_t lw_engine_spec_gpus(const lw_engine_spec *spec, int *gpus, size_t max);

/* "vllm", "sglang", "tgi" or "prometheus". */
LW_API const char *lw_engine_kind_name(lw_engine_kind kind);

/* The spec's URL without credentials (the target name), into out of n bytes. */
LW_API void lw_engine_spec_target(const lw_engine_spec *spec, char *out, size_t n);

/* Scrapes the engine once (HTTP GET within timeout_s), feeds every model's counters to target
 * id and records the outcome with lw_exporter_target_result(). A failure (no answer, HTTP error,
 * malformed page, no token counter on the page) returns its status and one-line message
 * (naming the URL without credentials); it is never fatal to the exporter. */
LW_API lw_status lw_exporter_scrape_engine(lw_exporter *e, size_t id, const lw_engine_spec *spec, double timeout_s, lw_err *err);

#ifdef __cplusplus
}
#endif
#endif
