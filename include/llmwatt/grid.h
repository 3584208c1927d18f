/* llmwatt: hourly (or finer) grid carbon-intensity series and energy-weighted intensity.
 *
 * A series is read from CSV: a plain "timestamp,g_per_kwh" file, an Electricity Maps style
 * export ("Datetime (UTC)" and "Carbon Intensity gCO2eq/kWh (LCA)" or "(direct)" columns; LCA is
 * preferred), or a WattTime style file ("point_time","value" in lbs CO2/MWh, converted with
 * cost.g_per_lb). Each row holds from its timestamp until the next row's; the last row lasts as
 * long as the one before it (one hour for a single row). See docs/cost.md. */
#ifndef LLMWATT_GRID_H
#define LLMWATT_GRID_H

#include "llmwatt/export.h"
#include <stddef.h>
#include "llmwatt/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lw_grid_series lw_grid_series;

/* Parses CSV text; `name` is used in messages. LW_ERR_PARSE names the line and column at fault,
 * or the headers it could not use. Rows may come in any order; duplicate timestamps are refused. */
LW_API lw_status lw_grid_series_parse(const char *text, size_t len, const char *name, lw_grid_series **out, lw_err *err);
/* Reads a file (LW_ERR_NOT_FOUND / LW_ERR_IO with the path) and parses it. */
LW_API lw_status lw_grid_series_load(const char *path, lw_grid_series **out, lw_err *err);
LW_API void lw_grid_series_free(lw_grid_series *s);

/* Which column was used, e.g. "Carbon Intensity gCO2eq/kWh (LCA)"; and the format's name. */
LW_API const char *lw_grid_series_column(const lw_grid_series *s);
LW_API const char *lw_grid_series_format(const lw_grid_series *s);

/* Rows, sorted by time: row i starts at *start_ns, lasts *length_ns, at *g_per_kwh. */
LW_API size_t lw_grid_series_count(const lw_grid_series *s);
LW_API lw_status lw_grid_series_row(const lw_grid_series *s, size_t i, long long *start_ns, long long *length_ns,
                             double *g_per_kwh, lw_err *err);

/* Intensity at time t (for a running counter such as serve's). LW_ERR_NOT_FOUND outside the series. */
LW_API lw_status lw_grid_series_at(const lw_grid_series *s, long long t_ns, double *g_per_kwh, lw_err *err);

/* Mean intensity over [start_ns, end_ns) at constant power, i.e. weighted by the time spent in
 * each row. LW_ERR_NOT_FOUND when part of the span lies outside the series. */
LW_API lw_status lw_grid_series_mean(const lw_grid_series *s, long long start_ns, long long end_ns, double *g_per_kwh, lw_err *err);

/* Energy-weighted intensity of power samples: sample i holds power_w[i] from t_ns[i] to t_ns[i+1]
 * (the last sample ends at end_ns). Returns sum(E_i x I_i) / sum(E_i). */
LW_API lw_status lw_grid_series_weighted(const lw_grid_series *s, const long long *t_ns, const double *power_w, size_t n,
                                  long long end_ns, double *g_per_kwh, lw_err *err);

#ifdef __cplusplus
}
#endif
#endif
