#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "calib.h"
#include "common.h"
#include "progress.h"
#include "loop.h"

static const char *usage_text =
    "usage: llmwatt calibrate [POINTS.csv] [--output FILE] [--date YYYY-MM-DD] [--json] [--quiet] [--catalogue FILE]\n"
    "       llmwatt calibrate (runs.db | RUN.json)... [filters] --output site.json   (site calibration:\n"
    "       see docs/loop.md and 'llmwatt calibrate runs.db --help')\n\n"
    "Fits the roofline method's efficiency and power coefficients per GPU architecture to measured\n"
    "points (default: the shipped calibration points). Time (throughput) and power are fitted\n"
    "separately in log space with weak priors, each row at its fit_weight column (default 1);\n"
    "deterministic. Prints the coefficients, their cross-validated error (s_fit), the spread\n"
    "between sources at comparable settings (s_src), the band's sigma and width, and the\n"
    "down-weighted rows with their reason; --output writes roofline.json (atomically) with\n"
    "provenance: fit date (--date, default today UTC), points file, sources and weights,\n"
    "per-row residuals, source-spread pairs.\n"
    "On a terminal, stderr shows progress; --quiet turns it off.\n";

/* Writes text and a final newline to path atomically. */
static int write_atomic(const char *cmd, const char *path, const char *text)
{
    size_t len = strlen(text);
    char *buf = malloc(len + 2);
    if (!buf) {
        cli_error(cmd, "out of memory");
        return EXIT_INTERNAL;
    }
    memcpy(buf, text, len);
    buf[len] = '\n';
    lw_err err;
    lw_status st = lw_file_write_atomic(path, buf, len + 1, &err);
    free(buf);
    return st == LW_OK ? EXIT_OK : cli_fail(cmd, &err);
}

/* Loads calibration rows from a points file (NULL: the shipped points). */
static int load_calib_rows(const char *cmd, const lw_catalogue *cat, const char *path, lw_calib_row **rows, size_t *n)
{
    size_t len;
    char *owned = NULL;
    const char *data;
    lw_err err;
    if (path) {
        if (lw_file_read(path, &owned, &len, &err) != LW_OK)
            return cli_fail(cmd, &err);
        data = owned;
    } else if (!(data = lw_embedded_data("calibration/points.csv", &len))) {
        cli_error(cmd, "the shipped calibration points are not built in");
        return EXIT_INTERNAL;
    }
    lw_status st = lw_calib_rows_parse(cat, data, len, path ? path : "calibration/points.csv", rows, n, &err);
    free(owned);
    if (st != LW_OK)
        return cli_fail(cmd, &err);
    return EXIT_OK;
}

int cli_open_calib(const char *cmd, const char *catfile, const char *points, lw_catalogue **cat, lw_calib_row **rows,
                   size_t *n)
{
    int rc = cli_catalogue(cmd, catfile, cat);
    if (rc)
        return rc;
    *rows = NULL;
    *n = 0;
    if ((rc = load_calib_rows(cmd, *cat, points, rows, n))) {
        lw_catalogue_free(*cat);
        *cat = NULL;
    }
    return rc;
}

int cmd_calibrate(int argc, char **argv)
{
    if (cli_loop_runs_given(argc, argv))
        return cli_loop_calibrate(argc, argv);
    enum { O_HELP = 256, O_OUT, O_DATE, O_JSON, O_CAT, O_QUIET };
    static const cli_opt opts[] = {{"help", false, O_HELP},       {"output", true, O_OUT},  {"date", true, O_DATE},
                                   {"json", false, O_JSON},       {"catalogue", true, O_CAT}, {"quiet", false, O_QUIET},
                                   {NULL, false, 0}};
    const char *cmd = "calibrate", *out_path = NULL, *date = NULL, *catfile = NULL, *points = NULL, *v;
    bool json = false, quiet = false;
    int i = 1, id;
    for (;;) { /* options before and after POINTS.csv */
        while ((id = cli_getopt(cmd, argc, argv, opts, &i, &v)) > 0) {
            switch (id) {
            case O_HELP: fputs(usage_text, stdout); return EXIT_OK;
            case O_OUT: out_path = v; break;
            case O_DATE: date = v; break;
            case O_JSON: json = true; break;
            case O_CAT: catfile = v; break;
            case O_QUIET: quiet = true; break;
            }
        }
        if (id < 0)
            return EXIT_USAGE;
        if (i >= argc)
            break;
        if (points)
            return cli_usage(cmd, "unexpected argument '%s'", argv[i]);
        points = argv[i++];
    }
    char today[16];
    if (!date) {
        time_t t = time(NULL);
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(today, sizeof today, "%Y-%m-%d", &tm);
        date = today;
    } else {
        int y, mo, d;
        char c;
        if (sscanf(date, "%4d-%2d-%2d%c", &y, &mo, &d, &c) != 3 || mo < 1 || mo > 12 || d < 1 || d > 31)
            return cli_usage(cmd, "--date expects YYYY-MM-DD, got '%s'", date);
    }
    lw_catalogue *cat;
    lw_calib_row *rows;
    size_t n;
    int rc = cli_open_calib(cmd, catfile, points, &cat, &rows, &n);
    if (rc)
        return rc;
    size_t used = 0;
    for (size_t k = 0; k < n; k++)
        used += !rows[k].skip_reason[0];
    lw_calibration cal;
    lw_err err;
    cli_progress pr;
    cli_progress_start(&pr, cmd, quiet);
    lw_progress_opts po = {.version = LW_PROGRESS_OPTS_VERSION, .progress = cli_progress_update, .progress_ctx = &pr};
    if (used == 0) {
        cli_error(cmd, "no usable rows in '%s' (each needs a catalogue model and GPU, output tokens, batch and J/token)",
                  points ? points : "calibration/points.csv");
        rc = EXIT_INPUT;
    } else if (lw_calibrate_v2(cat, rows, n, NULL, &po, &cal, &err) != LW_OK) {
        cli_progress_end(&pr);
        rc = cli_fail(cmd, &err);
    } else {
        cli_progress_end(&pr);
        const char *base = points ? strrchr(points, '/') : NULL;
        char *text = lw_calibration_to_json(cat, &cal, rows, n, points ? (base ? base + 1 : points) : "calibration/points.csv",
                                            date);
        if (!text) {
            cli_error(cmd, "out of memory");
            rc = EXIT_INTERNAL;
        } else if (out_path && (rc = write_atomic(cmd, out_path, text)) != EXIT_OK) {
            /* nothing on stdout when the output cannot be written */
        } else if (json) {
            puts(text);
        } else {
            printf("roofline calibration: %zu of %zu rows usable, fit date %s\n\n", used, n, date);
            printf("%-18s %4s %6s %6s %7s %7s %5s %5s %6s %6s %6s %7s\n", "family", "rows", "eta_c", "eta_m", "ovh_ms",
                   "seq_us", "k_c", "k_m", "s_fit", "s_src", "sigma", "band");
            for (int k = -1; k < cal.nfamilies; k++) {
                const lw_roofline_coeffs *c = k < 0 ? &cal.prior : &cal.families[k];
                printf("%-18.18s %4d %6.3f %6.3f %7.3f %7.3f %5.2f %5.2f %6.3f %6.3f %6.3f %6.2fx\n", c->family, c->rows,
                       c->eta_compute, c->eta_memory, c->step_overhead_s * 1e3, c->seq_layer_overhead_s * 1e6,
                       c->power_k_compute, c->power_k_memory, c->sigma_fit_log, c->sigma_source_log, c->sigma_log,
                       exp(2 * 1.645 * c->sigma_log));
            }
            /* down-weighted rows, one line per weight and reason */
            for (size_t k = 0; k < n; k++) {
                const lw_calib_row *r = &rows[k];
                bool seen = false;
                for (size_t j = 0; j < k && !seen; j++)
                    seen = !rows[j].skip_reason[0] && rows[j].weight == r->weight &&
                           strcmp(rows[j].weight_reason, r->weight_reason) == 0;
                if (r->skip_reason[0] || r->weight >= 1 || seen)
                    continue;
                printf("rows");
                for (size_t j = k; j < n; j++)
                    if (!rows[j].skip_reason[0] && rows[j].weight == r->weight &&
                        strcmp(rows[j].weight_reason, r->weight_reason) == 0)
                        printf(" %s", rows[j].point.id);
                printf(" weighted %.3g: %s\n", r->weight, r->weight_reason[0] ? r->weight_reason : "(no reason given)");
            }
            for (size_t k = 0; k < n; k++)
                if (rows[k].skip_reason[0])
                    printf("skipped row %s: %s\n", rows[k].point.id, rows[k].skip_reason);
        }
        if (text && out_path && rc == EXIT_OK && !json)
            printf("\nwrote %s\n", out_path);
        free(text);
    }
    free(rows);
    lw_catalogue_free(cat);
    return rc;
}
