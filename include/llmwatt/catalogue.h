/* llmwatt: the catalogue of models, GPUs and constants.
 *
 * The built-in catalogue is embedded in the library at build time from data/ and can be
 * extended (or overridden, same name wins last) by user JSON files. Every constant the
 * estimators use is looked up here with its provenance (source and year). */
#ifndef LLMWATT_CATALOGUE_H
#define LLMWATT_CATALOGUE_H

#include "llmwatt/export.h"
#include <stddef.h>
#include "llmwatt/gpu.h"
#include "llmwatt/model.h"
#include "llmwatt/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lw_catalogue lw_catalogue;

/* A constant with provenance. low/high are the published or fitted range (equal to value
 * when the source gives a point). */
typedef struct lw_constant {
    char key[96];      /* "scale.k", "physics.pj_per_mac.calibrated.4nm", ... */
    double value;
    double low;
    double high;
    char unit[32];
    char source[LW_SOURCE_MAX];
    int year;
} lw_constant;

/* JSON of a model (its architecture, derived parameter counts, seed profile and source) or a GPU
 * (specifications and sources), as printed by `llmwatt show model|gpu --json`: heap text (free
 * with lw_free()), one line for indent 0, else indented by `indent` (1..31) spaces. NULL for a
 * NULL entry, a bad indent or out of memory. */
LW_API char *lw_model_to_json(const lw_model_arch *m, int indent);
LW_API char *lw_gpu_to_json(const lw_gpu *g, int indent);

/* Environment variable naming extra catalogue files (colon separated), read by the CLI. */
#define LW_CATALOGUE_ENV "LLMWATT_CATALOGUE"

/* Opens the built-in catalogue (models.json, gpus.csv, constants/ *.json from data/). */
LW_API lw_status lw_catalogue_open(lw_catalogue **out, lw_err *err);
LW_API void lw_catalogue_free(lw_catalogue *cat);

/* An independent copy of src (its own memory, to extend or free separately): much cheaper than
 * opening the built-in catalogue again, for a caller that needs a fresh one per request. */
LW_API lw_status lw_catalogue_copy(const lw_catalogue *src, lw_catalogue **out, lw_err *err);

/* Adds the entries of a user JSON file: {"models": [...], "gpus": [...], "constants": {...}}
 * with the same fields as the built-in files. An entry whose name exists replaces it. */
LW_API lw_status lw_catalogue_add_file(lw_catalogue *cat, const char *path, lw_err *err);

/* Adds (or replaces) one model record, e.g. one imported from a config.json. */
LW_API lw_status lw_catalogue_add_model(lw_catalogue *cat, const lw_model_arch *m, lw_err *err);

LW_API size_t lw_catalogue_model_count(const lw_catalogue *cat);
LW_API const lw_model_arch *lw_catalogue_model_at(const lw_catalogue *cat, size_t i);
LW_API size_t lw_catalogue_gpu_count(const lw_catalogue *cat);
LW_API const lw_gpu *lw_catalogue_gpu_at(const lw_catalogue *cat, size_t i);
LW_API size_t lw_catalogue_constant_count(const lw_catalogue *cat);
LW_API const lw_constant *lw_catalogue_constant_at(const lw_catalogue *cat, size_t i);

/* Finds a model by short name, alias or Hugging Face id, case-insensitively; an
 * "-Instruct", "-it" or "-chat" suffix (and "-2507"-style dates after it) resolves to the base
 * architecture. On failure the message suggests the closest names. */
LW_API lw_status lw_catalogue_find_model(const lw_catalogue *cat, const char *name, const lw_model_arch **out, lw_err *err);

/* Finds a GPU by id, alias or name ("H100 80GB", "NVIDIA H100 80GB HBM3"), case-insensitively,
 * ignoring vendor and brand words, parenthesised remarks and a trailing memory size ("24GB"). */
LW_API lw_status lw_catalogue_find_gpu(const lw_catalogue *cat, const char *name, const lw_gpu **out, lw_err *err);

/* Finds a constant by key. */
LW_API lw_status lw_catalogue_find_constant(const lw_catalogue *cat, const char *key, const lw_constant **out, lw_err *err);

/* Convenience: the constant's value, or fallback when absent (for optional constants only). */
LW_API double lw_catalogue_value(const lw_catalogue *cat, const char *key, double fallback);

/* Raw bytes of an embedded data file ("models.json", "calibration/roofline.json"); NULL if absent. */
LW_API const char *lw_embedded_data(const char *path, size_t *len);

#ifdef __cplusplus
}
#endif
#endif
