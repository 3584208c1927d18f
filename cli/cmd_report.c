/* llmwatt report: the seed-004 "Power Efficiency Baselines" document from a history or run files. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "common.h"
#include "progress.h"
#include "llmwatt/cost.h"
#include "llmwatt/grid.h"
#include "llmwatt/report.h"
#include "loop.h"

static const char *usage_text =
    "usage: llmwatt report (runs.db | RUN.json...) --output PATH [--format md|html|pdf]\n"
    "                      [--price-kwh P] [--samples FILE.csv] [--workload W]\n"
    "                      [--since DATE] [--until DATE] [--threshold R]\n"
    "                      [--region R | --grid-g-per-kwh G] [--carbon-intensity SERIES.csv]\n"
    "                      [--calibration FILE] [--catalogue FILE] [--quiet]\n\n"
    "Renders seed 004's 'Power Efficiency Baselines' document from a history database and/or\n"
    "measurement JSON files: key findings, per-workload configuration tables (throughput,\n"
    "average power, tokens/J, cost per 1M tokens), the three electricity scenarios, the\n"
    "break-even tables, FP8-vs-FP16 and batch-size findings, and plots (tokens/J over time,\n"
    "tokens/J vs batch size, power over a run from --samples). Markdown writes PNG plots beside\n"
    "the document (PATH minus .md, plus -NAME.png); HTML and PDF (A4, cairo) hold them in one file.\n"
    "The format is PATH's extension (.md/.markdown, .html/.htm or .pdf; any other is a usage error); --format,\n"
    "when given, must agree with it. --price-kwh (default 0.10, seed scenario 1) prices the\n"
    "Cost/1M columns and the break-even tables. A run whose tokens/J is below --threshold (default\n"
    "0.9, seed 004 PowerEfficiencyRegression, as compare) x its configuration's first run is flagged\n"
    "as a REGRESSION in the findings and marked in the tokens/J plot; several GPU types get a GPU\n"
    "comparison section. The TCO section prices each GPU from data/gpu_prices.csv and adds embodied\n"
    "carbon; --region/--grid-g-per-kwh add operational carbon and SCI; --carbon-intensity adds the\n"
    "series' cleanest hours and each run's energy-weighted intensity. Labelled measurements are\n"
    "checked against the estimate of their configuration (--calibration FILE or LLMWATT_CALIBRATION,\n"
    "default the shipped fit): a run outside its band is flagged as DRIFT (docs/loop.md).\n"
    "Files are written atomically. On a terminal, stderr shows progress over a large history;\n"
    "--quiet turns it off.\n";

static const char *cmd = "report";

static bool is_sqlite(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    char head[16] = {0};
    size_t n = fread(head, 1, sizeof head, f);
    fclose(f);
    return n == 16 && memcmp(head, "SQLite format 3", 16) == 0;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

typedef struct run_vec {
    lw_run *v;
    lw_loop_result *x; /* each run against the estimate of its labelled configuration */
    size_t n, cap;
} run_vec;

/* Adds a run and its drift check (json: the run's document, may be NULL; an estimate record or a
 * document the loop cannot read is simply not checked). */
static bool push(run_vec *rv, const lw_run *r, const lw_catalogue *cat, const char *json, const char *calibration)
{
    if (rv->n == rv->cap) {
        size_t nc = rv->cap ? rv->cap * 2 : 64;
        lw_run *nv = realloc(rv->v, nc * sizeof *nv);
        if (!nv)
            return false;
        rv->v = nv;
        lw_loop_result *nx = realloc(rv->x, nc * sizeof *nx);
        if (!nx)
            return false;
        rv->x = nx;
        rv->cap = nc;
    }
    lw_loop_result *x = &rv->x[rv->n];
    lw_loop_result_init(x, LW_LOOP_RESULT_VERSION, NULL);
    x->inside = -1;
    if (json && r->kind == LW_RUN_MEASUREMENT && lw_loop_check(cat, json, calibration, x, NULL) != LW_OK) {
        lw_loop_result_init(x, LW_LOOP_RESULT_VERSION, NULL);
        x->inside = -1;
    }
    rv->v[rv->n] = *r;
    rv->v[rv->n++].version = LW_RUN_VERSION; /* the copy has this program's layout */
    return true;
}

int cmd_report(int argc, char **argv)
{
    enum { O_HELP = 256, O_CAT, O_OUT, O_FMT, O_PRICE, O_SAMPLES, O_WORK, O_SINCE, O_UNTIL, O_THR, O_REGION, O_GRID, O_SERIES, O_CALIB, O_QUIET };
    static const cli_opt opts[] = {{"help", false, O_HELP},   {"catalogue", true, O_CAT},  {"output", true, O_OUT},
                                   {"format", true, O_FMT},   {"price-kwh", true, O_PRICE}, {"samples", true, O_SAMPLES},
                                   {"workload", true, O_WORK}, {"since", true, O_SINCE},   {"until", true, O_UNTIL},
                                   {"threshold", true, O_THR}, {"region", true, O_REGION}, {"grid-g-per-kwh", true, O_GRID},
                                   {"carbon-intensity", true, O_SERIES}, {"calibration", true, O_CALIB}, {"quiet", false, O_QUIET},
                                   {NULL, false, 0}};
    const char *catfile = NULL, *output = NULL, *format = NULL, *samples = NULL, *since = NULL, *until = NULL, *v;
    const char *inputs[256];
    size_t ninputs = 0;
    lw_history_filter f = lw_history_filter_all();
    double price = -1, thr = -1, grid = -1;
    const char *region = NULL, *series = NULL, *calibration = NULL;
    bool quiet = false;
    int i = 1, id;
    for (;;) {
        id = cli_getopt(cmd, argc, argv, opts, &i, &v);
        if (id < 0)
            return EXIT_USAGE;
        if (id == 0) {
            if (i >= argc)
                break;
            if (ninputs == 256)
                return cli_usage(cmd, "at most 256 inputs");
            inputs[ninputs++] = argv[i++];
            continue;
        }
        switch (id) {
        case O_HELP: fputs(usage_text, stdout); return EXIT_OK;
        case O_QUIET: quiet = true; break;
        case O_CAT: catfile = v; break;
        case O_OUT: output = v; break;
        case O_FMT: format = v; break;
        case O_PRICE:
            if (!cli_number(cmd, "price-kwh", v, 0, 100, &price))
                return EXIT_USAGE;
            break;
        case O_SAMPLES: samples = v; break;
        case O_THR:
            if (!cli_number(cmd, "threshold", v, 1e-9, 1, &thr))
                return EXIT_USAGE;
            break;
        case O_REGION: region = v; break;
        case O_SERIES: series = v; break;
        case O_CALIB: calibration = v; break;
        case O_GRID:
            if (!cli_number(cmd, "grid-g-per-kwh", v, 0, 10000, &grid))
                return EXIT_USAGE;
            break;
        case O_WORK: f.workload = v; break;
        case O_SINCE: since = v; break;
        case O_UNTIL: until = v; break;
        }
    }
    if (ninputs == 0)
        return cli_usage(cmd, "give a history database or measurement JSON files");
    if (region && grid >= 0)
        return cli_usage(cmd, "give --region or --grid-g-per-kwh, not both");
    if (!output)
        return cli_usage(cmd, "missing --output PATH (report.md, report.html or report.pdf)");
    /* the extension names the format; --format, when given, must agree with it */
    lw_report_format fmt, given;
    if (format && !lw_report_format_parse(format, &given))
        return cli_usage(cmd, "--format must be md, html or pdf, got '%s'", format);
    if (!lw_report_format_from_path(output, &fmt))
        return cli_usage(cmd, "--output '%s': unknown extension; the supported formats are md (.md), html (.html) and pdf (.pdf)",
                         output);
    static const char *const names[] = {"Markdown", "HTML", "PDF"}, *const exts[] = {".md", ".html", ".pdf"};
    if (format && given != fmt)
        return cli_usage(cmd, "--format %s does not match --output '%s' (a %s file); give a %s path or leave out --format", format,
                         output, names[fmt], exts[given]);
    lw_err err;
    long long now = lw_time_now_ns();
    if (since && lw_time_parse(since, now, false, &f.since_ns, &err) != LW_OK)
        return cli_usage(cmd, "--since: %s", lw_err_message(&err));
    if (until && lw_time_parse(until, now, true, &f.until_ns, &err) != LW_OK)
        return cli_usage(cmd, "--until: %s", lw_err_message(&err));

    lw_catalogue *cat;
    int rc = cli_catalogue(cmd, catfile, &cat);
    if (rc)
        return rc;
    cli_calibration cal;
    if ((rc = cli_calibration_open(cmd, calibration, &cal))) {
        lw_catalogue_free(cat);
        return rc;
    }
    char grid_src[LW_SOURCE_MAX + 160] = "--grid-g-per-kwh";
    if (region) {
        lw_region r;
        if (lw_region_find(region, &r, &err) != LW_OK) {
            cli_calibration_close(&cal);
            lw_catalogue_free(cat);
            return cli_fail(cmd, &err);
        }
        grid = r.g_co2e_per_kwh;
        snprintf(grid_src, sizeof grid_src, "%g gCO2e/kWh, %s annual average (%s, %d): %s", r.g_co2e_per_kwh, r.name, r.basis, r.year,
                 r.source);
    } else if (grid >= 0)
        snprintf(grid_src, sizeof grid_src, "%g gCO2e/kWh (--grid-g-per-kwh)", grid);
    lw_grid_series *gs = NULL;
    if (series && lw_grid_series_load(series, &gs, &err) != LW_OK) {
        cli_error(cmd, "--carbon-intensity: %s", lw_err_message(&err));
        cli_calibration_close(&cal);
        lw_catalogue_free(cat);
        return cli_exit_code(err.status);
    }
    run_vec rv = {NULL, NULL, 0, 0};
    cli_progress pr;
    cli_progress_start(&pr, cmd, quiet);
    char source[512] = "";
    for (size_t k = 0; k < ninputs && rc == EXIT_OK; k++) {
        const char *in = inputs[k];
        size_t sl = strlen(source);
        if (sl < 400)
            snprintf(source + sl, sizeof source - sl, "%s%s", sl ? ", " : "", k < 4 ? in : "...");
        if (is_sqlite(in) || ends_with(in, ".db")) {
            lw_history *h;
            lw_run *runs = NULL;
            size_t n = 0;
            if (lw_history_open(in, LW_HISTORY_READ, &h, &err) != LW_OK) {
                rc = cli_fail(cmd, &err);
                break;
            }
            if (lw_history_query(h, &f, &runs, &n, &err) != LW_OK)
                rc = cli_fail(cmd, &err);
            for (size_t j = 0; j < n && rc == EXIT_OK; j++) {
                cli_progress_update(&pr, (double)j, (double)n, "runs checked");
                char *text = NULL;
                const lw_run *r = lw_run_at(runs, j);
                if (lw_history_run_json(h, r->id, &text, NULL) != LW_OK)
                    text = NULL;
                if (!push(&rv, r, cat, text, cal.text))
                    rc = EXIT_INTERNAL;
                free(text);
            }
            free(runs);
            lw_history_close(h);
        } else {
            lw_run r = LW_RUN_INIT;
            char *text = NULL;
            if (lw_run_load(in, &r, &text, &err) != LW_OK) {
                rc = cli_fail(cmd, &err);
                break;
            }
            bool keep = (!f.workload || strcmp(f.workload, r.workload) == 0) && (!f.since_ns || r.time_ns >= f.since_ns) &&
                        (!f.until_ns || r.time_ns <= f.until_ns);
            if (keep && !push(&rv, &r, cat, text, cal.text))
                rc = EXIT_INTERNAL;
            free(text);
        }
    }
    cli_progress_end(&pr);
    if (rc == EXIT_OK && rv.n == 0) {
        cli_error(cmd, "no runs to report on in %s%s (record some with 'llmwatt history record')", source,
                  f.workload || since || until ? " matching the filters" : "");
        rc = EXIT_NOT_FOUND;
    }
    if (rc == EXIT_OK) {
        lw_report_opts o = lw_report_opts_default(cat);
        o.format = fmt;
        o.output_path = output;
        if (price >= 0)
            o.price_usd_per_kwh = price;
        o.samples_csv = samples;
        if (thr > 0)
            o.regression_ratio = thr;
        o.grid_g_per_kwh = grid;
        o.grid_source = grid_src;
        o.grid_series = gs;
        o.drift = rv.x;
        o.source = source;
        o.generated_ns = now;
        if (lw_report_write(cat, rv.v, rv.n, &o, &err) != LW_OK)
            rc = cli_fail(cmd, &err);
        else
            printf("wrote %s (%zu runs, %s)\n", output, rv.n,
                   fmt == LW_REPORT_HTML ? "HTML, plots embedded" : fmt == LW_REPORT_PDF ? "PDF, plots embedded" : "Markdown, plots beside it");
    }
    free(rv.v);
    free(rv.x);
    cli_calibration_close(&cal);
    lw_grid_series_free(gs);
    lw_catalogue_free(cat);
    return rc;
}
