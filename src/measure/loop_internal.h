/* The configuration a measurement's labels describe (docs/measurement-json.md), shared by the
 * measurement-vs-estimate check (measure/labels.c) and the site calibration (calibrate/site.c). */
#ifndef LW_LOOP_INTERNAL_H
#define LW_LOOP_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include "llmwatt/loop.h"

typedef struct lw_run_config {
    char model[512];         /* labels.model ("" when absent) */
    char gpu[96];            /* labels.gpu, else the first measured GPU's name */
    int gpus;                /* labels.gpus, else the number of GPUs measured, else 1 */
    int batch;               /* labels.batch, else 1 */
    bool batch_given;
    double input_tokens;     /* NAN when absent */
    double output_tokens;    /* NAN when absent */
    double reasoning_tokens; /* 0 when absent */
    bool reasoning_given;    /* labelled (even 0): else a reasoning model decodes its default reasoning */
    lw_precision precision;
    bool precision_given;
    char engine[64];         /* labels.engine, "" when absent */
} lw_run_config;

/* Reads the configuration of a parsed measurement. false with `why` when a defined label is
 * malformed (then the run cannot be estimated). */
bool lw_run_config_read(json_t *root, lw_run_config *c, char *why, size_t why_size);

/* Resolves the configuration's model and GPU: a catalogue model (*m points into cat) or
 * "config:PATH" (read into *own, *m = own). false with `why` when either is unknown or the
 * labels lack a token count. */
bool lw_run_config_resolve(const lw_catalogue *cat, const lw_run_config *c, lw_model_arch *own, const lw_model_arch **m,
                           const lw_gpu **g, char *why, size_t why_size);

/* The workload of the configuration on model m. Precision: the label, else what `estimate` picks
 * without --precision (the config's quantization_config, the model name, the native precision);
 * rule (may be NULL) says which applied. */
lw_workload lw_run_config_workload(const lw_run_config *c, const lw_model_arch *m, char *rule, size_t rule_size);

#endif
