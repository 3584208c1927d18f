/* The measurement/estimate loop in the CLI (docs/loop.md): --calibration files, the estimate
 * beside a measurement, runs as calibration points, site calibration and validation. */
#ifndef LW_CLI_LOOP_H
#define LW_CLI_LOOP_H

#include <stdbool.h>
#include <stdio.h>
#include "llmwatt/llmwatt.h"

/* A calibration in force: --calibration FILE, else $LLMWATT_CALIBRATION, else none (shipped). */
typedef struct cli_calibration {
    char *text;        /* file contents, NULL: the shipped fit */
    const char *name;  /* the file as given, "shipped" when none */
    bool from_env;     /* named by LLMWATT_CALIBRATION */
} cli_calibration;

/* Loads the calibration: path (may be NULL) or the environment. A missing file is exit 3, a file
 * that is not a roofline calibration exit 4, each with one line naming it. */
int cli_calibration_open(const char *cmd, const char *path, cli_calibration *out);
void cli_calibration_close(cli_calibration *c);

/* One line naming the calibration in force, e.g. "calibration: site.json (--calibration)". */
void cli_calibration_print(FILE *f, const cli_calibration *c);

/* The estimate beside a measured J/token (measure, history): two lines, or one saying why not. */
void cli_loop_print(FILE *f, const lw_loop_result *r, const cli_calibration *c);

/* measure: checks the labels (a malformed defined label is a usage error, exit 2; an unknown
 * model or GPU a warning on stderr). Returns EXIT_OK or the exit code. */
int cli_loop_labels(const char *cmd, const lw_catalogue *cat, const char *const *keys, const char *const *values, size_t n);

/* measure: replaces *json (a measurement) with the annotated one (lw_loop_annotate) under the
 * calibration in force (--calibration path or LLMWATT_CALIBRATION), filling *res and *cal (the
 * caller closes it). Returns EXIT_OK or the exit code after printing the error. */
int cli_loop_measurement(const char *cmd, const char *catfile, const char *calibration, char **json, lw_loop_result *res,
                         cli_calibration *cal);

/* True when the command's operands name runs (a history database or .json files) rather than a
 * points CSV; value_opts: options besides --json/--help take a value. */
bool cli_loop_runs_given(int argc, char **argv);

/* `calibrate runs.db|RUN.json... [filters] --output site.json` and `validate runs.db|RUN.json...`. */
int cli_loop_calibrate(int argc, char **argv);
int cli_loop_validate(int argc, char **argv);

#endif
