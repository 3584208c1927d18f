/* Shared by calibrate and validate: loading calibration rows (defined in cmd_calibrate.c). */
#ifndef LW_CLI_CALIB_H
#define LW_CLI_CALIB_H

#include <stddef.h>
#include "llmwatt/llmwatt.h"

/* Loads calibration rows from a points file (NULL: the shipped points). Prints the error and
 * returns its exit code on failure. */
int cli_load_calib_rows(const char *cmd, const lw_catalogue *cat, const char *path, lw_calib_row **rows, size_t *n);

#endif
