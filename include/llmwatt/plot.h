/* llmwatt: line and scatter charts drawn with cairo, for report plots and sweeps: several series,
 * optional low..high bands, linear / log2 / time / category x axes, linear or log y axis, legend.
 * Rendered to PNG in memory or written to an .svg or .png file (atomically). */
#ifndef LLMWATT_PLOT_H
#define LLMWATT_PLOT_H

#include "llmwatt/export.h"
#include <stdbool.h>
#include <stddef.h>
#include "llmwatt/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum lw_plot_axis {
    LW_AXIS_LINEAR = 0,
    LW_AXIS_LOG2 = 1,    /* ticks at powers of two (batch sizes, token counts) */
    LW_AXIS_TIME_NS = 2, /* x in Unix nanoseconds, ticks as UTC dates */
    LW_AXIS_CATEGORY = 3 /* x are indices 0..n-1 labelled by lw_plot.xlabels */
} lw_plot_axis;

typedef struct lw_plot_series {
    char name[96];        /* legend text ("" for a single unnamed series: no legend) */
    const double *x;
    const double *y;
    size_t n;
    bool lines;           /* join the points in order */
    bool muted;           /* drawn as grey crosses (e.g. INVALID runs); they do not set the y range */
    const double *ylow;   /* optional band, shaded between ylow and yhigh (NULL: none) */
    const double *yhigh;
} lw_plot_series;

typedef struct lw_plot {
    char title[160];
    char xlabel[80];
    char ylabel[80];
    lw_plot_axis xaxis;
    bool y_from_zero;     /* linear y axis starts at 0 */
    const lw_plot_series *series;
    size_t nseries;
    bool ylog;            /* log10 y axis (values and bands must be > 0) */
    const char *const *xlabels; /* LW_AXIS_CATEGORY: one label per index */
} lw_plot;

/* Renders to a PNG in memory (*png heap-allocated, free()). LW_ERR_INVALID_ARGUMENT when no
 * point is drawable (non-finite, or <= 0 on a log axis). */
LW_API lw_status lw_plot_png(const lw_plot *p, int width, int height, unsigned char **png, size_t *len, lw_err *err);

/* Writes the plot to path as SVG or PNG by its extension, atomically. LW_ERR_INVALID_ARGUMENT
 * for another extension, LW_ERR_IO when the file cannot be written. */
LW_API lw_status lw_plot_write(const char *path, const lw_plot *p, int width, int height, lw_err *err);

#ifdef __cplusplus
}
#endif
#endif
