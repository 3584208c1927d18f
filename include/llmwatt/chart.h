/* llmwatt: a small line chart (cairo) with an optional low..high band, written as SVG or PNG.
 * Used by `llmwatt sweep --plot`. */
#ifndef LLMWATT_CHART_H
#define LLMWATT_CHART_H

#include <stdbool.h>
#include <stddef.h>
#include "llmwatt/status.h"

typedef struct lw_chart {
    const char *title;
    const char *xlabel;
    const char *ylabel;
    const double *x;          /* n values, increasing; index positions when xlabels is set */
    const double *y;          /* n values > 0 when logy */
    const double *ylow;       /* optional band (NULL: none) */
    const double *yhigh;
    const char *const *xlabels; /* optional category labels (e.g. precisions), one per point */
    size_t n;
    bool logx;
    bool logy;
} lw_chart;

/* Draws the chart into path; the format follows the extension (.svg or .png). The file is
 * written through a temporary file and renamed: never left partial. LW_ERR_INVALID_ARGUMENT on
 * an unknown extension or fewer than one point, LW_ERR_IO when the file cannot be written. */
lw_status lw_chart_line(const char *path, const lw_chart *c, lw_err *err);

#endif
