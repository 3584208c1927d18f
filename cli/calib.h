/* Shared by calibrate and validate: opening the catalogue and the calibration rows (defined in
 * cmd_calibrate.c). */
#ifndef LW_CLI_CALIB_H
#define LW_CLI_CALIB_H

#include <stddef.h>
#include "llmwatt/llmwatt.h"

/* Opens the catalogue (cli_catalogue) and loads the calibration rows of a points file (NULL: the
 * shipped points). Prints the error and returns its exit code on failure, leaving nothing open. */
int cli_open_calib(const char *cmd, const char *catfile, const char *points, lw_catalogue **cat, lw_calib_row **rows,
                   size_t *n);

#endif
