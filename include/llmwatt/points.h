/* llmwatt: measured reference points (the format of calibration_points.csv), used by
 * `validate`, `calibrate` and `fit`. The file's free-text columns are read leniently
 * ("max_num_seqs=64 (avg running batch 63.9)" gives batch 63.9) and what cannot be read is NAN,
 * never a guess. */
#ifndef LLMWATT_POINTS_H
#define LLMWATT_POINTS_H

#include "llmwatt/export.h"
#include <stdbool.h>
#include <stddef.h>
#include "llmwatt/precision.h"
#include "llmwatt/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lw_point {
    char id[32];               /* row_id */
    char model[128];           /* as written (a Hugging Face id) */
    char gpu[96];              /* as written ("NVIDIA H100 80GB HBM3 (700 W)") */
    lw_precision precision;    /* parsed from the precision column (bf16 when unreadable) */
    int num_gpus;
    double batch;              /* average running batch when published, else the concurrency */
    double input_tokens;       /* mean prompt tokens, NAN when not published */
    double output_tokens;      /* mean output tokens */
    double j_per_output_token; /* norm_J_per_output_token, NAN when absent */
    double j_per_request;      /* norm_J_per_request, NAN when absent */
    double total_params_b;     /* as published, billions */
    double active_params_b;
    bool gpu_only;             /* energy boundary is the GPUs alone (not the server or the wall) */
    char boundary[160];        /* energy_boundary, as written */
    char source[160];          /* source_title */
    size_t line;               /* line in the file */
    char refused[128];         /* why the row's numbers cannot be used (out of range, not finite); "" when usable */
} lw_point;

/* Parses a points CSV held in memory. `where` names it in messages. On success *out is a heap
 * array of *n points (free with lw_points_free). LW_ERR_PARSE names the missing column or line.
 * A row whose numbers are out of range (docs/limits.md) is kept with `refused` set, and every
 * consumer skips it with that reason. */
LW_API lw_status lw_points_parse(const char *data, size_t len, const char *where, lw_point **out, size_t *n, lw_err *err);

/* Reads and parses a points file. */
LW_API lw_status lw_points_load(const char *path, lw_point **out, size_t *n, lw_err *err);

/* The shipped reference points (data/calibration/points.csv, a copy of the project's
 * calibration_points.csv with each row's published source). */
LW_API lw_status lw_points_builtin(lw_point **out, size_t *n, lw_err *err);

LW_API void lw_points_free(lw_point *points);

#ifdef __cplusplus
}
#endif
#endif
