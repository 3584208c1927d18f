/* Internal: small scatter/line charts rendered to PNG with cairo (used by the report). */
#ifndef LW_PLOT_H
#define LW_PLOT_H

#include <stdbool.h>
#include <stddef.h>
#include "llmwatt/status.h"

typedef enum lw_plot_axis { LW_AXIS_LINEAR = 0, LW_AXIS_LOG2 = 1, LW_AXIS_TIME_NS = 2 } lw_plot_axis;

typedef struct lw_plot_series {
    char name[96];
    const double *x;
    const double *y;
    size_t n;
    bool lines;    /* join the points in order */
    bool muted;    /* drawn as grey crosses (e.g. INVALID runs) */
} lw_plot_series;

typedef struct lw_plot {
    char title[160];
    char xlabel[80];
    char ylabel[80];
    lw_plot_axis xaxis;
    bool y_from_zero;
    const lw_plot_series *series;
    size_t nseries;
} lw_plot;

/* Renders to a PNG in memory (*png heap-allocated, free()). */
lw_status lw_plot_png(const lw_plot *p, int width, int height, unsigned char **png, size_t *len, lw_err *err);

#endif
