/* llmwatt: the seed-004 "Power Efficiency Baselines" document, filled from measured runs.
 *
 * Runs are grouped into configurations (workload x precision x batch x sequence length x GPUs);
 * only VALID measurements with a token count enter the tables (INVALID ones and estimates are
 * counted and listed). Each configuration reports mean throughput, mean GPU power, mean tokens/J
 * and the electricity cost per 1M tokens at the wall (seed-004 overhead and PSU efficiency). The
 * document also holds the three electricity scenarios, the break-even tables, FP8-vs-FP16 and
 * batch-size findings computed from the data, and three plots drawn with cairo. Rows the data
 * cannot fill say "no data". See docs/report.md. */
#ifndef LLMWATT_REPORT_H
#define LLMWATT_REPORT_H

#include "llmwatt/export.h"
#include <stddef.h>
#include "llmwatt/catalogue.h"
#include "llmwatt/history.h"
#include "llmwatt/loop.h"
#include "llmwatt/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum lw_report_format { LW_REPORT_MARKDOWN = 0, LW_REPORT_HTML = 1, LW_REPORT_PDF = 2 } lw_report_format;

/* The format a report path's extension names: .md/.markdown -> Markdown, .html/.htm -> HTML,
 * .pdf -> PDF (case-insensitive). false for any other extension or none: the document would be written under
 * a name that claims another format (x.pdf holding Markdown). */
LW_API bool lw_report_format_from_path(const char *path, lw_report_format *fmt);
/* The format named by --format: "md"/"markdown", "html" or "pdf"; false otherwise. */
LW_API bool lw_report_format_parse(const char *name, lw_report_format *fmt);

/* Options of lw_report_write. Versioned (docs/design.md, "ABI"): start from
 * lw_report_opts_default(cat), lw_report_opts_init() or LW_REPORT_OPTS_INIT (the built-in
 * figures, without the catalogue's); new fields are appended. */
#define LW_REPORT_OPTS_VERSION 1
typedef struct lw_report_opts {
    unsigned int version;      /* LW_REPORT_OPTS_VERSION of the caller's headers */
    lw_report_format format;
    const char *output_path;   /* Markdown: PNG plots are written beside it as STEM-NAME.png; HTML, PDF: one file */
    double price_usd_per_kwh;  /* price of the "Cost/1M Tokens" columns and the break-even tables */
    const char *samples_csv;   /* samples of one run for the power-over-a-run plot; NULL: skipped with a note */
    const char *source;        /* what the runs came from, printed in the header ("runs.db") */
    long long generated_ns;    /* time printed as "Generated" (UTC ns) */
    double regression_ratio;   /* a run whose tokens/J is below this x its configuration's first run is a regression */
    double grid_g_per_kwh;     /* grid intensity for operational carbon and SCI; < 0: not given */
    const char *grid_source;   /* where grid_g_per_kwh came from */
    const struct lw_grid_series *grid_series; /* hourly intensity (llmwatt/grid.h): cleanest hours and each run's
                                               * energy-weighted intensity; NULL: section skipped */
    const lw_loop_result *drift;   /* per run (nruns entries): its check against the estimate of its labelled
                                    * configuration (lw_loop_check); NULL: the drift section is skipped */
} lw_report_opts;

#define LW_REPORT_OPTS_INIT                                                                                   \
    {LW_REPORT_OPTS_VERSION, LW_REPORT_MARKDOWN, NULL, 0.10, NULL, "", 0, 0.9, -1, "", NULL, NULL}

/* Defaults: Markdown, price = the catalogue's cost.price_kwh.us (seed scenario 1, $0.10/kWh),
 * regression ratio = report.regression_ratio (seed 004: 0.9), no grid intensity, no drift.
 * version is LW_REPORT_OPTS_VERSION of the caller's headers (LW_ERR_VERSION when this library is
 * older); cat may be NULL (the built-in figures). */
LW_API lw_status lw_report_opts_init(lw_report_opts *opts, unsigned int version, const lw_catalogue *cat, lw_err *err);

/* The same by value (inline: built into the caller with the caller's struct size). */
static inline lw_report_opts lw_report_opts_default(const lw_catalogue *cat)
{
    lw_report_opts o = LW_REPORT_OPTS_INIT;
    lw_report_opts_init(&o, LW_REPORT_OPTS_VERSION, cat, NULL);
    return o;
}

/* One configuration, averaged over its valid runs. */
typedef struct lw_report_row {
    char workload[64];
    char precision[16];
    char model[128];
    char gpu[96];
    int batch;
    int seq_len;
    int gpus;
    size_t runs;                 /* valid runs averaged */
    double tokens_per_s;         /* mean throughput */
    double avg_power_w;          /* mean GPU power, all GPUs */
    double tokens_per_j;         /* mean tokens per joule (GPU energy) */
    double wall_power_w;         /* mean GPU power x (1 + overhead) / PSU efficiency */
    double cost_usd_per_million; /* wall energy of 1M tokens (from tokens/J) x price */
    double cost_usd_per_hour;    /* wall power x price */
} lw_report_row;

/* Groups runs into configuration rows, one per GPU type (sorted by workload, precision, GPUs, batch, seq_len, GPU).
 * *rows is heap-allocated (free()); *n may be 0 when no valid measurement has tokens. */
LW_API lw_status lw_report_rows(const lw_catalogue *cat, const lw_run *runs, size_t nruns, double price_usd_per_kwh,
                                lw_report_row **rows, size_t *n, lw_err *err);

/* Renders the document (and, for Markdown, its PNG plots) atomically: every file is written to
 * a temporary name and renamed, the document last. LW_ERR_NOT_FOUND when runs is empty;
 * LW_ERR_PARSE/LW_ERR_NOT_FOUND for an unreadable samples CSV; LW_ERR_IO when a file cannot be written. */
LW_API lw_status lw_report_write(const lw_catalogue *cat, const lw_run *runs, size_t nruns, const lw_report_opts *opts, lw_err *err);

#ifdef __cplusplus
}
#endif
#endif
