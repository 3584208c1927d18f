#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "calib.h"
#include "common.h"
#include "progress.h"
#include "loop.h"

static const char *usage_text =
    "usage: llmwatt validate [POINTS.csv] [--method all|roofline|llm-bench|profile]\n"
    "                        [--leave-out row|model|gpu|source] [--json] [--quiet] [--catalogue FILE]\n"
    "       llmwatt validate (runs.db | RUN.json)... [filters] [--calibration FILE]   (your own runs:\n"
    "       see docs/loop.md and 'llmwatt validate runs.db --help')\n\n"
    "Predicts every row of a points file (calibration_points.csv format; default: the shipped\n"
    "points) and compares with the measured J per output token: per row the prediction, its\n"
    "low..high band and the error; per method the median absolute % error, MAPE, the share of\n"
    "rows inside the band and the median band width (high/low), for GPU-only rows and others.\n"
    "Rows without a published input length are costed over the prior input range.\n"
    "--leave-out refits the roofline without each row (or model, GPU architecture, or source:\n"
    "the source_title column) and predicts the held-out rows: a generalisation check. Rows are\n"
    "weighted in every fit by their fit_weight column (shown when below 1); the \"weighted\" summary\n"
    "counts each row at its weight. On a terminal, stderr shows progress; --quiet turns it off.\n";


typedef enum { LO_NONE, LO_ROW, LO_MODEL, LO_GPU, LO_SOURCE } leave_mode;

static bool same_group(const lw_calib_row *a, const lw_calib_row *b, leave_mode m)
{
    switch (m) {
    case LO_ROW: return a == b;
    case LO_MODEL: return a->model == b->model;
    case LO_GPU: return strcmp(a->gpu->architecture, b->gpu->architecture) == 0;
    case LO_SOURCE: return strcmp(a->point.source, b->point.source) == 0;
    case LO_NONE: break;
    }
    return false;
}

/* Progress of leave_out in rows predicted: the rows done before this group's fit plus its share
 * of the rows as the fit advances. */
typedef struct lo_progress {
    cli_progress *p;
    double base, share, total;
} lo_progress;

static void lo_update(void *ctx, double done, double total, const char *what)
{
    const lo_progress *l = ctx;
    (void)what;
    cli_progress_update(l->p, l->base + (total > 0 ? l->share * done / total : 0), l->total, "rows");
}

/* Roofline predictions of every row with the rows of its group left out of the fit. */
static int leave_out(const char *cmd, const lw_catalogue *cat, const lw_calib_row *rows, size_t n, leave_mode m,
                     lw_validation_row *out, cli_progress *pr)
{
    lo_progress lp = {pr, 0, 0, (double)n};
    lw_progress_opts po = {.version = LW_PROGRESS_OPTS_VERSION, .progress = lo_update, .progress_ctx = &lp};
    bool *use = calloc(n ? n : 1, sizeof *use), *done = calloc(n ? n : 1, sizeof *done);
    int rc = EXIT_OK;
    lw_err err;
    for (size_t i = 0; use && done && i < n && rc == EXIT_OK; i++) {
        if (done[i])
            continue;
        if (rows[i].skip_reason[0]) {
            lw_validate_row(cat, &rows[i], LW_METHOD_ROOFLINE, NULL, &out[i], &err);
            done[i] = true;
            lp.base++;
            continue;
        }
        lp.share = 0;
        for (size_t j = 0; j < n; j++) {
            use[j] = !rows[j].skip_reason[0] && !same_group(&rows[i], &rows[j], m);
            lp.share += !done[j] && !rows[j].skip_reason[0] && same_group(&rows[i], &rows[j], m);
        }
        lw_calibration cal;
        if (lw_calibrate_v2(cat, rows, n, use, &po, &cal, &err) != LW_OK) {
            rc = cli_fail(cmd, &err);
            break;
        }
        for (size_t j = 0; j < n; j++)
            if (!done[j] && !rows[j].skip_reason[0] && same_group(&rows[i], &rows[j], m)) {
                if (lw_validate_row(cat, &rows[j], LW_METHOD_ROOFLINE, &cal, &out[j], &err) != LW_OK) {
                    rc = cli_fail(cmd, &err);
                    break;
                }
                done[j] = true;
            }
        lp.base += lp.share;
        cli_progress_update(pr, lp.base, lp.total, "rows");
    }
    if (!use || !done) {
        cli_error(cmd, "out of memory");
        rc = EXIT_INTERNAL;
    }
    free(use);
    free(done);
    return rc;
}

static json_t *summary_json(const lw_validation_summary *s)
{
    json_t *o = json_object();
    json_object_set_new(o, "rows", json_integer(s->rows));
    if (s->rows) {
        json_object_set_new(o, "median_abs_pct", json_real(s->median_abs_pct));
        json_object_set_new(o, "mape_pct", json_real(s->mape));
        json_object_set_new(o, "inside_band_share", json_real(s->inside_share));
        json_object_set_new(o, "median_band_width", json_real(s->median_band_width));
    }
    return o;
}

static void print_summary(const char *label, const lw_validation_summary *s)
{
    if (!s->rows)
        return;
    printf("  %-10s rows %2d  median |err| %6.1f%%  MAPE %6.1f%%  inside band %5.1f%%  median band width %.2fx\n", label,
           s->rows, s->median_abs_pct, s->mape, 100 * s->inside_share, s->median_band_width);
}

int cmd_validate(int argc, char **argv)
{
    if (cli_loop_runs_given(argc, argv))
        return cli_loop_validate(argc, argv);
    enum { O_HELP = 256, O_METHOD, O_JSON, O_CAT, O_LEAVE, O_QUIET };
    static const cli_opt opts[] = {{"help", false, O_HELP},    {"method", true, O_METHOD},    {"json", false, O_JSON},
                                   {"catalogue", true, O_CAT}, {"leave-out", true, O_LEAVE}, {"quiet", false, O_QUIET},
                                   {NULL, false, 0}};
    const char *cmd = "validate", *catfile = NULL, *points = NULL, *v;
    bool json = false, quiet = false, methods[3] = {true, true, true};
    leave_mode lo = LO_NONE;
    int i = 1, id;
    for (;;) { /* options before and after POINTS.csv */
        while ((id = cli_getopt(cmd, argc, argv, opts, &i, &v)) > 0) {
            switch (id) {
            case O_HELP: fputs(usage_text, stdout); return EXIT_OK;
            case O_JSON: json = true; break;
            case O_CAT: catfile = v; break;
            case O_QUIET: quiet = true; break;
            case O_METHOD:
                if (strcmp(v, "all") != 0) {
                    lw_method m;
                    lw_err err;
                    if (lw_method_parse(v, &m, &err) != LW_OK)
                        return cli_usage(cmd, "--method expects all, roofline, llm-bench or profile, got '%s'", v);
                    for (int k = 0; k < 3; k++)
                        methods[k] = k == (int)m;
                }
                break;
            case O_LEAVE:
                if (strcmp(v, "row") == 0)
                    lo = LO_ROW;
                else if (strcmp(v, "model") == 0)
                    lo = LO_MODEL;
                else if (strcmp(v, "gpu") == 0)
                    lo = LO_GPU;
                else if (strcmp(v, "source") == 0)
                    lo = LO_SOURCE;
                else
                    return cli_usage(cmd, "--leave-out expects row, model, gpu or source, got '%s'", v);
                break;
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
    if (lo != LO_NONE) {
        methods[1] = methods[2] = false;
        methods[0] = true;
    }
    lw_catalogue *cat;
    lw_calib_row *rows;
    size_t n;
    int rc = cli_open_calib(cmd, catfile, points, &cat, &rows, &n);
    if (rc)
        return rc;
    lw_validation_row *res = calloc(3 * (n ? n : 1), sizeof *res);
    if (!res) {
        free(rows);
        lw_catalogue_free(cat);
        cli_error(cmd, "out of memory");
        return EXIT_INTERNAL;
    }
    lw_err err;
    cli_progress pr;
    cli_progress_start(&pr, cmd, quiet);
    for (int k = 0; k < 3 && rc == EXIT_OK; k++) {
        if (!methods[k])
            continue;
        if (k == 0 && lo != LO_NONE) {
            rc = leave_out(cmd, cat, rows, n, lo, res, &pr);
            continue;
        }
        for (size_t r = 0; r < n && rc == EXIT_OK; r++) {
            cli_progress_update(&pr, (double)r, (double)n, lw_method_name((lw_method)k));
            if (lw_validate_row(cat, &rows[r], (lw_method)k, NULL, &res[k * n + r], &err) != LW_OK)
                rc = cli_fail(cmd, &err);
        }
    }
    cli_progress_end(&pr);
    static const char *lo_names[] = {"", " (leave-one-row-out)", " (leave-one-model-out)", " (leave-one-gpu-out)",
                                     " (leave-one-source-out)"};
    json_t *top = json ? json_object() : NULL;
    for (int k = 0; k < 3 && rc == EXIT_OK; k++) {
        if (!methods[k])
            continue;
        const lw_validation_row *vr = &res[k * n];
        char name[64];
        snprintf(name, sizeof name, "%s%s", lw_method_name((lw_method)k), k == 0 ? lo_names[lo] : "");
        lw_validation_summary sg = lw_validation_summarise(vr, n, 1), so = lw_validation_summarise(vr, n, 0),
                              sa = lw_validation_summarise(vr, n, -1), sw = lw_validation_summarise_weighted(vr, n, -1);
        if (json) {
            json_t *m = json_object(), *arr = json_array();
            for (size_t r = 0; r < n; r++) {
                json_t *o = json_object();
                json_object_set_new(o, "row", json_string(rows[r].point.id));
                json_object_set_new(o, "model", json_string(rows[r].point.model));
                json_object_set_new(o, "gpu", json_string(rows[r].gpu ? rows[r].gpu->id : rows[r].point.gpu));
                json_object_set_new(o, "gpus", json_integer(rows[r].point.num_gpus));
                json_object_set_new(o, "batch", json_real(rows[r].point.batch));
                json_object_set_new(o, "gpu_only", json_boolean(rows[r].point.gpu_only));
                json_object_set_new(o, "source", json_string(rows[r].point.source));
                json_object_set_new(o, "weight", json_real(rows[r].weight));
                json_object_set_new(o, "measured_j_per_token", json_real(vr[r].measured_j_per_token));
                if (vr[r].ok) {
                    json_t *b = json_object();
                    json_object_set_new(b, "low", json_real(vr[r].predicted_j_per_token.low));
                    json_object_set_new(b, "expected", json_real(vr[r].predicted_j_per_token.expected));
                    json_object_set_new(b, "high", json_real(vr[r].predicted_j_per_token.high));
                    json_object_set_new(o, "predicted_j_per_token", b);
                    json_object_set_new(o, "error_pct", json_real(vr[r].error_pct));
                    json_object_set_new(o, "inside_band", json_boolean(vr[r].inside));
                    json_object_set_new(o, "input_assumed", json_boolean(vr[r].input_assumed));
                } else {
                    json_object_set_new(o, "skipped", json_string(vr[r].message));
                }
                json_array_append_new(arr, o);
            }
            json_object_set_new(m, "rows", arr);
            json_object_set_new(m, "gpu_only", summary_json(&sg));
            json_object_set_new(m, "other_boundaries", summary_json(&so));
            json_object_set_new(m, "all", summary_json(&sa));
            json_object_set_new(m, "weighted", summary_json(&sw));
            json_object_set_new(top, name, m);
            continue;
        }
        printf("method %s\n", name);
        printf("%4s %-28s %-13s %4s %7s %9s %9s %20s %7s %s\n", "row", "model", "gpu", "gpus", "batch", "measured",
               "predicted", "band (low..high)", "err %", "in");
        for (size_t r = 0; r < n; r++) {
            const lw_validation_row *x = &vr[r];
            if (!x->ok) {
                printf("%4s %-28.28s skipped: %s\n", rows[r].point.id, rows[r].point.model, x->message);
                continue;
            }
            char band[32];
            snprintf(band, sizeof band, "%.3g..%.3g", x->predicted_j_per_token.low, x->predicted_j_per_token.high);
            char wnote[32] = "";
            if (rows[r].weight < 1)
                snprintf(wnote, sizeof wnote, " (weight %.3g)", rows[r].weight);
            printf("%4s %-28.28s %-13s %4d %7.1f %9.4g %9.4g %20s %+7.1f %s%s%s\n", rows[r].point.id, rows[r].point.model,
                   rows[r].gpu->id, rows[r].point.num_gpus, rows[r].point.batch, x->measured_j_per_token,
                   x->predicted_j_per_token.expected, band, x->error_pct, x->inside ? "yes" : "no",
                   x->input_assumed ? " (input assumed)" : "", wnote);
        }
        print_summary("GPU-only", &sg);
        print_summary("other", &so);
        print_summary("all", &sa);
        bool weighted = false;
        for (size_t r = 0; r < n; r++)
            weighted |= vr[r].ok && rows[r].weight < 1;
        if (weighted)
            print_summary("weighted", &sw);
        printf("\n");
    }
    if (json && rc == EXIT_OK)
        rc = cli_print_json(top);
    else if (top)
        json_decref(top);
    free(res);
    free(rows);
    lw_catalogue_free(cat);
    return rc;
}
