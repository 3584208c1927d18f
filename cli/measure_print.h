/* Human summary of a measurement (llmwatt measure). */
#ifndef LW_CLI_MEASURE_PRINT_H
#define LW_CLI_MEASURE_PRINT_H

#include <stdio.h>
#include "llmwatt/measure.h"

/* Prints the summary of r to f; title names the workload or the replayed log. */
void measure_print_summary(FILE *f, const char *title, const lw_measure_result *r);

#endif
