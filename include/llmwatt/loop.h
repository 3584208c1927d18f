/* llmwatt: the loop between measurement and estimate (docs/loop.md).
 *
 * A measurement whose labels name its configuration (model, gpu, gpus, batch, input_tokens,
 * output_tokens, reasoning_tokens, precision, engine; docs/measurement-json.md) can be checked
 * against the roofline estimate of the same configuration, and a set of such measurements (a
 * history database, measurement JSON files) can calibrate the estimator for one site: the
 * coefficients the runs inform move, the others stay at the shipped fit (a prior centred on it).
 * Everything here works on measurement JSON text, so a run recorded before the estimate was
 * added is checked the same way as a fresh one. */
#ifndef LLMWATT_LOOP_H
#define LLMWATT_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include "llmwatt/catalogue.h"
#include "llmwatt/estimate.h"
#include "llmwatt/export.h"
#include "llmwatt/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Checks --label KEY=VALUE pairs of a measurement. A defined key with a malformed value (batch=abc,
 * gpus=0, input_tokens=-1, an unknown precision) is LW_ERR_INVALID_ARGUMENT naming the key and
 * what it expects. A model or GPU the catalogue does not know is not an error: its warning is
 * appended to `warnings` (lines ending in '\n'; may be NULL), the measurement goes on without an
 * estimate. `model` may also be "config:PATH" (a Hugging Face config.json), checked for
 * readability. */
LW_API lw_status lw_labels_check(const lw_catalogue *cat, const char *const *keys, const char *const *values, size_t n,
                          char *warnings, size_t warnings_size, lw_err *err);

/* A measurement compared with the estimate of its labelled configuration. J per output token.
 * Declare it with LW_LOOP_RESULT_INIT (or lw_loop_result_init()): the caller's version says which
 * fields it has; new fields are only appended (docs/design.md, "ABI"). */
#define LW_LOOP_RESULT_VERSION 1
typedef struct lw_loop_result {
    unsigned int version;    /* LW_LOOP_RESULT_VERSION, set by the caller; kept by the library */
    bool estimated;          /* false: the labels do not allow an estimate (reason says why) */
    double expected, low, high; /* estimate band (NAN when not estimated) */
    double measured;         /* measured j_per_token, NAN when the measurement has none */
    double difference_pct;   /* 100 (measured - expected) / expected; NAN without both */
    int inside;              /* 1 measured within low..high, 0 outside, -1 unknown */
    int valid;               /* the measurement's verdict: 1 VALID, 0 INVALID, -1 not given */
    char reason[256];        /* why there is no estimate ("" when estimated) */
    char config[256];        /* "llama-3.1-8b on 1 x h100-sxm, batch 8, 1000 in + 500 out, bf16" */
} lw_loop_result;

#ifdef __cplusplus
static inline lw_loop_result lw_loop_result_cxx_init_(void)
{
    lw_loop_result r = lw_loop_result();
    r.version = LW_LOOP_RESULT_VERSION;
    return r;
}
#define LW_LOOP_RESULT_INIT (lw_loop_result_cxx_init_())
#else
#define LW_LOOP_RESULT_INIT {.version = LW_LOOP_RESULT_VERSION}
#endif

/* Zeroes *out and sets its version (for an FFI that cannot expand the macro). */
LW_API lw_status lw_loop_result_init(lw_loop_result *out, unsigned int version, lw_err *err);

/* Estimates the configuration a measurement JSON's labels describe (the roofline, with the
 * calibration text `calibration_json`, NULL: the shipped fit) and compares the measured J per
 * output token with its band. The GPU defaults to the first measured GPU's name and the GPU
 * count to the number measured when the labels omit them; batch defaults to 1 and precision to
 * the model's native one. LW_ERR_PARSE only for text that is not a measurement; a configuration
 * that cannot be estimated is reported in out->reason with LW_OK; LW_ERR_INVALID_ARGUMENT when
 * out->version is not one this library writes (start it from LW_LOOP_RESULT_INIT). */
LW_API lw_status lw_loop_check(const lw_catalogue *cat, const char *measurement_json, const char *calibration_json,
                        lw_loop_result *out, lw_err *err);

/* lw_loop_check, and the measurement JSON text with two keys added (heap string, lw_free()):
 * "estimate" (the keys of `llmwatt estimate --json`) and "measured_vs_estimated" (docs/loop.md);
 * without an estimate, "measured_vs_estimated" is {"estimated": false, "reason": ...} and there
 * is no "estimate". calibration_name names the calibration in force ("shipped" when NULL). */
LW_API lw_status lw_loop_annotate(const lw_catalogue *cat, const char *measurement_json, const char *calibration_json,
                           const char *calibration_name, char **out_json, lw_loop_result *out, lw_err *err);

/* Calibration rows from measurements: one row per measurement JSON text (names[i] identifies it
 * in messages and the provenance, e.g. "runs.db#12" or a file name). A row is skipped, with its
 * reason, when the measurement is INVALID, is an estimate, lacks a label the estimate needs
 * (model, input_tokens, output_tokens, a catalogue GPU), has no J per token, or labels reasoning
 * tokens. *rows is a heap array of n rows (lw_free()). */
LW_API lw_status lw_calib_rows_from_runs(const lw_catalogue *cat, const char *const *json_texts, const char *const *names, size_t n,
                                  lw_calib_row **rows, lw_err *err);

/* Site calibration: starts from `base` (the shipped fit, or an earlier site calibration) and
 * refits each GPU family the usable rows cover, with the prior centred on the base family's
 * coefficients (widths of the physics prior, docs/estimate.md), so that coefficients the runs
 * do not inform stay where they were. The family's sigma becomes the posterior of the base sigma
 * and the site runs' scatter: 1/sqrt(1/sigma_base^2 + k / s^2), k = distinct configurations
 * among the runs (repeats of one configuration share its model error), s = max(RMS
 * ln(J_pred/J_meas) of the runs after the fit, estimate.calibrate.obs_sigma_log). Families
 * without site rows are kept unchanged. */
LW_API lw_status lw_calibrate_site(const lw_catalogue *cat, const lw_calib_row *rows, size_t n, const lw_calibration *base,
                            lw_calibration *out, lw_err *err);

/* The site calibration as a roofline.json-compatible document (heap string, lw_free()) readable by
 * lw_estimate_opts.calibration_json, with a "site" object: base name, fit date, and per run its
 * name, start time, engine, configuration, measured J/token and the prediction before and after. */
LW_API char *lw_site_calibration_to_json(const lw_catalogue *cat, const lw_calibration *site, const lw_calibration *base,
                                  const char *base_name, const lw_calib_row *rows, const char *const *json_texts, size_t n,
                                  const char *fit_date);

#ifdef __cplusplus
}
#endif
#endif
