/* The measurement/estimate loop in the CLI (docs/loop.md). */
#include "loop.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "progress.h"

int cli_calibration_open(const char *cmd, const char *path, cli_calibration *out)
{
    memset(out, 0, sizeof *out);
    out->name = "shipped";
    const char *env = getenv("LLMWATT_CALIBRATION");
    if (!path && env && *env) {
        path = env;
        out->from_env = true;
    }
    if (!path)
        return EXIT_OK;
    const char *how = out->from_env ? "LLMWATT_CALIBRATION" : "--calibration";
    lw_err err;
    size_t len;
    if (lw_file_read(path, &out->text, &len, &err) != LW_OK) {
        cli_error(cmd, "%s %s: %s (give a file written by 'llmwatt calibrate runs.db --output FILE')", how, path,
                  lw_err_message(&err));
        return access(path, F_OK) != 0 ? EXIT_NOT_FOUND : cli_exit_code(err.status);
    }
    lw_calibration cal;
    if (lw_calibration_parse(out->text, &cal, &err) != LW_OK) {
        cli_error(cmd, "%s %s is not a roofline calibration: %s", how, path, lw_err_message(&err));
        cli_calibration_close(out);
        return EXIT_INPUT;
    }
    out->name = path;
    return EXIT_OK;
}

void cli_calibration_close(cli_calibration *c)
{
    free(c->text);
    c->text = NULL;
}

void cli_calibration_print(FILE *f, const cli_calibration *c)
{
    if (c->text)
        fprintf(f, "calibration: %s (%s), not the shipped fit\n", c->name, c->from_env ? "LLMWATT_CALIBRATION" : "--calibration");
    else
        fprintf(f, "calibration: shipped (data/calibration/roofline.json)\n");
}

void cli_loop_print(FILE *f, const lw_loop_result *r, const cli_calibration *c)
{
    if (!r->estimated) {
        fprintf(f, "estimate: none (%s)\n", r->reason);
        return;
    }
    fprintf(f, "estimate: %s (roofline, %s calibration)\n", r->config, c && c->text ? c->name : "shipped");
    if (!isfinite(r->measured)) {
        fprintf(f, "  %.4g J/token (band %.4g .. %.4g); no measured J/token to compare (give --tokens)\n", r->expected, r->low,
                r->high);
        return;
    }
    fprintf(f, "  measured %.4g J/token vs estimated %.4g J/token (band %.4g .. %.4g): %+.1f%%, %s the band\n", r->measured,
            r->expected, r->low, r->high, r->difference_pct, r->inside ? "inside" : "OUTSIDE");
}

int cli_loop_labels(const char *cmd, const lw_catalogue *cat, const char *const *keys, const char *const *values, size_t n)
{
    char warnings[1024];
    lw_err err;
    if (lw_labels_check(cat, keys, values, n, warnings, sizeof warnings, &err) != LW_OK)
        return cli_usage(cmd, "%s", lw_err_message(&err));
    for (char *line = warnings, *nl; *line; line = nl + 1) {
        if (!(nl = strchr(line, '\n')))
            break;
        *nl = '\0';
        cli_error(cmd, "warning: %s", line);
    }
    return EXIT_OK;
}

int cli_loop_measurement(const char *cmd, const char *catfile, const char *calibration, char **json, lw_loop_result *res,
                         cli_calibration *cal)
{
    memset(cal, 0, sizeof *cal);
    lw_loop_result_init(res, LW_LOOP_RESULT_VERSION, NULL);
    lw_catalogue *cat;
    int rc = cli_catalogue(cmd, catfile, &cat);
    if (rc)
        return rc;
    if ((rc = cli_calibration_open(cmd, calibration, cal))) {
        lw_catalogue_free(cat);
        return rc;
    }
    char *annotated;
    lw_err err;
    if (lw_loop_annotate(cat, *json, cal->text, cal->text ? cal->name : NULL, &annotated, res, &err) != LW_OK) {
        rc = cli_fail(cmd, &err);
    } else {
        free(*json);
        *json = annotated;
    }
    lw_catalogue_free(cat);
    return rc;
}

/* ---- runs as calibration points -------------------------------------------------------------- */

bool cli_loop_runs_given(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0)
            return i + 1 < argc;
        if (a[0] == '-' && a[1]) {
            if (strcmp(a, "--json") != 0 && strcmp(a, "--help") != 0 && strcmp(a, "-h") != 0 && !strchr(a, '='))
                i++; /* the option's value */
            continue;
        }
        size_t n = strlen(a);
        return (n > 5 && strcmp(a + n - 5, ".json") == 0) || cli_is_sqlite(a);
    }
    return false;
}

typedef struct run_set {
    char **texts, **names;
    size_t n, cap;
} run_set;

static void runs_free(run_set *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->texts[i]);
        free(s->names[i]);
    }
    free(s->texts);
    free(s->names);
    memset(s, 0, sizeof *s);
}

/* Takes ownership of text. */
static bool runs_push(run_set *s, char *text, const char *name)
{
    if (s->n == s->cap) {
        size_t nc = s->cap ? 2 * s->cap : 32;
        char **t = realloc(s->texts, nc * sizeof *t);
        if (t)
            s->texts = t;
        char **nm = realloc(s->names, nc * sizeof *nm);
        if (nm)
            s->names = nm;
        if (!t || !nm) {
            free(text);
            return false;
        }
        s->cap = nc;
    }
    char *nmc = strdup(name);
    if (!nmc) {
        free(text);
        return false;
    }
    s->texts[s->n] = text;
    s->names[s->n++] = nmc;
    return true;
}

typedef struct run_filter {
    const char *workload;
    long long since_ns, until_ns;
    const char *label_keys[16], *label_values[16];
    char *label_buf[16];
    size_t nlabels;
} run_filter;

/* Whether a run text passes the filters (a text that is not a run passes: the fit lists it). */
static bool run_matches(const char *text, const run_filter *f)
{
    lw_run r = LW_RUN_INIT;
    if (lw_run_parse(text, &r, NULL) != LW_OK)
        return true;
    if (f->workload && strcmp(r.workload, f->workload) != 0)
        return false;
    if ((f->since_ns && r.time_ns < f->since_ns) || (f->until_ns && r.time_ns > f->until_ns))
        return false;
    if (!f->nlabels)
        return true;
    json_t *root = json_loads(text, 0, NULL), *labels = json_object_get(root, "labels");
    bool ok = true;
    for (size_t i = 0; i < f->nlabels && ok; i++) {
        json_t *v = json_object_get(labels, f->label_keys[i]);
        ok = json_is_string(v) && strcmp(json_string_value(v), f->label_values[i]) == 0;
    }
    json_decref(root);
    return ok;
}

/* Reads every run of the inputs (history databases: their measurements; files: as they are). */
static int collect_runs(const char *cmd, char **inputs, size_t ninputs, const run_filter *f, run_set *s, cli_progress *pr)
{
    lw_err err;
    for (size_t k = 0; k < ninputs; k++) {
        const char *in = inputs[k];
        if (!cli_is_sqlite(in)) {
            char *text;
            size_t len;
            if (lw_file_read(in, &text, &len, &err) != LW_OK) {
                cli_error(cmd, "%s", lw_err_message(&err));
                return access(in, F_OK) != 0 ? EXIT_NOT_FOUND : cli_exit_code(err.status);
            }
            if (!run_matches(text, f))
                free(text);
            else if (!runs_push(s, text, in))
                return EXIT_INTERNAL;
            continue;
        }
        lw_history *h;
        if (lw_history_open(in, LW_HISTORY_READ, &h, &err) != LW_OK)
            return cli_fail(cmd, &err);
        lw_history_filter hf = lw_history_filter_all();
        hf.kind = LW_RUN_MEASUREMENT;
        lw_run *runs = NULL;
        size_t n = 0;
        int rc = EXIT_OK;
        if (lw_history_query(h, &hf, &runs, &n, &err) != LW_OK)
            rc = cli_fail(cmd, &err);
        for (size_t i = 0; i < n && rc == EXIT_OK; i++) {
            cli_progress_update(pr, (double)i, (double)n, "runs read");
            char *text, name[1100];
            const lw_run *r = lw_run_at(runs, i);
            if (lw_history_run_json(h, r->id, &text, &err) != LW_OK) {
                rc = cli_fail(cmd, &err);
                break;
            }
            snprintf(name, sizeof name, "%s#%lld", in, r->id);
            if (!run_matches(text, f))
                free(text);
            else if (!runs_push(s, text, name))
                rc = EXIT_INTERNAL;
        }
        free(runs);
        lw_history_close(h);
        if (rc)
            return rc;
    }
    return EXIT_OK;
}

enum { L_HELP = 256, L_JSON, L_CAT, L_OUT, L_DATE, L_WORK, L_SINCE, L_UNTIL, L_LABEL, L_CALIB, L_QUIET };

/* Shared options of calibrate and validate over runs. Returns -1 to go on, else an exit code. */
typedef struct loop_opts {
    const char *catfile, *output, *date, *calibration;
    bool json, quiet;
    run_filter f;
    char *inputs[256];
    size_t ninputs;
} loop_opts;

static int parse_loop_opts(const char *cmd, const char *usage, bool calibrate, int argc, char **argv, loop_opts *o)
{
    static const cli_opt opts[] = {{"help", false, L_HELP},   {"json", false, L_JSON},          {"catalogue", true, L_CAT},
                                   {"output", true, L_OUT},   {"date", true, L_DATE},           {"workload", true, L_WORK},
                                   {"since", true, L_SINCE},  {"until", true, L_UNTIL},         {"label", true, L_LABEL},
                                   {"calibration", true, L_CALIB}, {"quiet", false, L_QUIET}, {NULL, false, 0}};
    const char *since = NULL, *until = NULL, *v;
    int i = 1, id;
    for (;;) {
        id = cli_getopt(cmd, argc, argv, opts, &i, &v);
        if (id < 0)
            return EXIT_USAGE;
        if (id == 0) {
            if (i >= argc)
                break;
            if (o->ninputs == 256)
                return cli_usage(cmd, "at most 256 inputs");
            o->inputs[o->ninputs++] = argv[i++];
            continue;
        }
        switch (id) {
        case L_HELP: fputs(usage, stdout); return EXIT_OK;
        case L_JSON: o->json = true; break;
        case L_QUIET: o->quiet = true; break;
        case L_CAT: o->catfile = v; break;
        case L_OUT:
        case L_DATE:
            if (!calibrate)
                return cli_usage(cmd, "--%s applies to calibrate, not validate", id == L_OUT ? "output" : "date");
            *(id == L_OUT ? &o->output : &o->date) = v;
            break;
        case L_WORK: o->f.workload = v; break;
        case L_SINCE: since = v; break;
        case L_UNTIL: until = v; break;
        case L_CALIB: o->calibration = v; break;
        case L_LABEL: {
            const char *eq = strchr(v, '=');
            if (!eq || eq == v)
                return cli_usage(cmd, "--label expects KEY=VALUE (e.g. engine=vllm-0.11), got '%s'", v);
            if (o->f.nlabels == 16)
                return cli_usage(cmd, "at most 16 --label filters");
            char *k = strndup(v, (size_t)(eq - v));
            if (!k)
                return EXIT_INTERNAL;
            o->f.label_buf[o->f.nlabels] = k;
            o->f.label_keys[o->f.nlabels] = k;
            o->f.label_values[o->f.nlabels++] = eq + 1;
            break;
        }
        }
    }
    lw_err err;
    long long now = lw_time_now_ns();
    if (since && lw_time_parse(since, now, false, &o->f.since_ns, &err) != LW_OK)
        return cli_usage(cmd, "--since: %s", lw_err_message(&err));
    if (until && lw_time_parse(until, now, true, &o->f.until_ns, &err) != LW_OK)
        return cli_usage(cmd, "--until: %s", lw_err_message(&err));
    if (o->date) {
        int y, mo, d;
        char c;
        if (sscanf(o->date, "%4d-%2d-%2d%c", &y, &mo, &d, &c) != 3 || mo < 1 || mo > 12 || d < 1 || d > 31)
            return cli_usage(cmd, "--date expects YYYY-MM-DD, got '%s'", o->date);
    }
    return -1;
}

static void loop_opts_free(loop_opts *o)
{
    for (size_t i = 0; i < o->f.nlabels; i++)
        free(o->f.label_buf[i]);
}

/* Opens what both commands need: options, catalogue, calibration, runs and their rows. */
typedef struct loop_ctx {
    loop_opts o;
    lw_catalogue *cat;
    cli_calibration cal;
    lw_calibration base;
    run_set runs;
    lw_calib_row *rows;
    size_t used;
} loop_ctx;

static void ctx_free(loop_ctx *c)
{
    free(c->rows);
    runs_free(&c->runs);
    cli_calibration_close(&c->cal);
    lw_catalogue_free(c->cat);
    loop_opts_free(&c->o);
}

static int ctx_open(const char *cmd, const char *usage, bool calibrate, int argc, char **argv, loop_ctx *c)
{
    memset(c, 0, sizeof *c);
    int rc = parse_loop_opts(cmd, usage, calibrate, argc, argv, &c->o);
    if (rc >= 0)
        return rc;
    if (c->o.ninputs == 0)
        return cli_usage(cmd, "give a history database or measurement JSON files");
    if ((rc = cli_catalogue(cmd, c->o.catfile, &c->cat)) || (rc = cli_calibration_open(cmd, c->o.calibration, &c->cal)))
        return rc;
    lw_err err;
    size_t len;
    const char *text = c->cal.text ? c->cal.text : lw_embedded_data("calibration/roofline.json", &len);
    if (!text || lw_calibration_parse(text, &c->base, &err) != LW_OK) {
        cli_error(cmd, "the shipped roofline calibration is not built in");
        return EXIT_INTERNAL;
    }
    cli_progress pr;
    cli_progress_start(&pr, cmd, c->o.quiet);
    rc = collect_runs(cmd, c->o.inputs, c->o.ninputs, &c->o.f, &c->runs, &pr);
    cli_progress_end(&pr);
    if (rc)
        return rc;
    if (c->runs.n == 0) {
        cli_error(cmd, "no runs in %s match the filters", c->o.inputs[0]);
        return EXIT_NOT_FOUND;
    }
    if (lw_calib_rows_from_runs(c->cat, (const char *const *)c->runs.texts, (const char *const *)c->runs.names, c->runs.n,
                                &c->rows, &err) != LW_OK)
        return cli_fail(cmd, &err);
    for (size_t i = 0; i < c->runs.n; i++)
        c->used += !c->rows[i].skip_reason[0];
    return -1;
}

static void print_left_out(const loop_ctx *c)
{
    for (size_t i = 0; i < c->runs.n; i++)
        if (c->rows[i].skip_reason[0])
            printf("left out %s: %s\n", c->runs.names[i], c->rows[i].skip_reason);
}

static const char *calibrate_usage =
    "usage: llmwatt calibrate (runs.db | RUN.json)... [--workload W] [--since DATE] [--until DATE]\n"
    "                         [--label KEY=VALUE]... [--calibration BASE.json] [--output site.json]\n"
    "                         [--date YYYY-MM-DD] [--json] [--quiet] [--catalogue FILE]\n\n"
    "Site calibration from your own measurements: every labelled, VALID run (labels model, gpu,\n"
    "gpus, batch, input_tokens, output_tokens, precision; docs/measurement-json.md) becomes a\n"
    "calibration point; INVALID runs and runs the labels cannot describe are left out and listed.\n"
    "Each GPU family the runs cover is refitted with the prior centred on the base calibration (the\n"
    "shipped fit, or --calibration BASE.json), so coefficients the runs do not inform stay where\n"
    "they were, and its band narrows with the runs. --output writes the site calibration (with the\n"
    "runs, their times and engines) for 'estimate/sweep/trace --calibration site.json' or\n"
    "LLMWATT_CALIBRATION=site.json.\n";

int cli_loop_calibrate(int argc, char **argv)
{
    const char *cmd = "calibrate";
    loop_ctx c;
    int rc = ctx_open(cmd, calibrate_usage, true, argc, argv, &c);
    if (rc >= 0) {
        ctx_free(&c);
        return rc;
    }
    char today[16];
    const char *date = c.o.date;
    if (!date) {
        time_t t = time(NULL);
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(today, sizeof today, "%Y-%m-%d", &tm);
        date = today;
    }
    lw_calibration site;
    lw_err err;
    char *text = NULL;
    if (c.used == 0) {
        cli_error(cmd, "none of the %zu runs can calibrate (first: %s: %s)", c.runs.n, c.runs.names[0], c.rows[0].skip_reason);
        rc = EXIT_INPUT;
    } else if (lw_calibrate_site(c.cat, c.rows, c.runs.n, &c.base, &site, &err) != LW_OK) {
        rc = cli_fail(cmd, &err);
    } else if (!(text = lw_site_calibration_to_json(c.cat, &site, &c.base, c.cal.text ? c.cal.name : "shipped", c.rows,
                                                     (const char *const *)c.runs.texts, c.runs.n, date))) {
        cli_error(cmd, "out of memory");
        rc = EXIT_INTERNAL;
    } else {
        rc = EXIT_OK;
    }
    if (rc == EXIT_OK && c.o.output) {
        size_t len = strlen(text);
        char *buf = malloc(len + 2);
        if (!buf) {
            rc = EXIT_INTERNAL;
        } else {
            memcpy(buf, text, len);
            memcpy(buf + len, "\n", 2);
            if (lw_file_write_atomic(c.o.output, buf, len + 1, &err) != LW_OK)
                rc = cli_fail(cmd, &err);
            free(buf);
        }
    }
    if (rc == EXIT_OK && c.o.json) {
        puts(text);
    } else if (rc == EXIT_OK) {
        printf("site calibration from %zu of %zu runs, base %s, fit date %s\n\n", c.used, c.runs.n,
               c.cal.text ? c.cal.name : "shipped (data/calibration/roofline.json)", date);
        printf("%-22s %4s %-16s %9s %9s\n", "family", "runs", "coefficient", "base", "site");
        for (int k = 0; k < site.nfamilies; k++) {
            const lw_roofline_coeffs *s = &site.families[k];
            int runs = 0;
            const lw_gpu *g = NULL;
            for (size_t i = 0; i < c.runs.n; i++)
                if (!c.rows[i].skip_reason[0] && strcasecmp(c.rows[i].gpu->architecture, s->family) == 0) {
                    runs++;
                    g = c.rows[i].gpu;
                }
            if (!runs)
                continue;
            lw_roofline_coeffs b = lw_calibration_for_gpu(&c.base, g, NULL);
            const char *names[] = {"eta_compute", "eta_memory", "step_overhead_ms", "power_k_compute", "power_k_memory",
                                   "sigma_log"};
            double bv[] = {b.eta_compute, b.eta_memory, b.step_overhead_s * 1e3, b.power_k_compute, b.power_k_memory, b.sigma_log};
            double sv[] = {s->eta_compute, s->eta_memory, s->step_overhead_s * 1e3, s->power_k_compute, s->power_k_memory,
                           s->sigma_log};
            for (int j = 0; j < 6; j++)
                printf("%-22s %4s %-16s %9.4f %9.4f\n", j ? "" : s->family, "", names[j], bv[j], sv[j]);
            printf("%-22s %4d %-16s %8.2fx %8.2fx\n", "", runs, "band (high/low)", exp(2 * 1.645 * b.sigma_log),
                   exp(2 * 1.645 * s->sigma_log));
        }
        printf("\n%-16s %-40s %9s %9s %7s %9s %7s\n", "run", "configuration", "measured", "before", "err %", "after", "err %");
        for (size_t i = 0; i < c.runs.n; i++) {
            const lw_calib_row *r = &c.rows[i];
            if (r->skip_reason[0])
                continue;
            lw_validation_row vb, va;
            if (lw_validate_row(c.cat, r, LW_METHOD_ROOFLINE, &c.base, &vb, &err) != LW_OK ||
                lw_validate_row(c.cat, r, LW_METHOD_ROOFLINE, &site, &va, &err) != LW_OK || !vb.ok || !va.ok)
                continue;
            char conf[320];
            snprintf(conf, sizeof conf, "%.120s %dx%.90s b%g %g/%g %s", r->point.model, r->point.num_gpus, r->point.gpu,
                     r->point.batch, r->point.input_tokens, r->point.output_tokens, lw_precision_name(r->point.precision));
            printf("%-16s %-40s %9.4g %9.4g %+7.1f %9.4g %+7.1f\n", c.runs.names[i], conf, r->point.j_per_output_token,
                   vb.predicted_j_per_token.expected, vb.error_pct, va.predicted_j_per_token.expected, va.error_pct);
        }
        print_left_out(&c);
        if (c.o.output)
            printf("\nwrote %s: use it with 'llmwatt estimate --calibration %s' or LLMWATT_CALIBRATION=%s\n", c.o.output,
                   c.o.output, c.o.output);
    }
    free(text);
    ctx_free(&c);
    return rc;
}

static const char *validate_usage =
    "usage: llmwatt validate (runs.db | RUN.json)... [--workload W] [--since DATE] [--until DATE]\n"
    "                        [--label KEY=VALUE]... [--calibration FILE] [--json] [--quiet] [--catalogue FILE]\n\n"
    "Predicts every labelled, VALID run with the roofline (shipped calibration, or --calibration\n"
    "FILE / LLMWATT_CALIBRATION) and compares with its measured J per output token: per run the\n"
    "prediction, its band and the error; then the median absolute error, MAPE, the share inside\n"
    "the band and the median band width. INVALID and unlabelled runs are left out and listed.\n";

int cli_loop_validate(int argc, char **argv)
{
    const char *cmd = "validate";
    loop_ctx c;
    int rc = ctx_open(cmd, validate_usage, false, argc, argv, &c);
    if (rc >= 0) {
        ctx_free(&c);
        return rc;
    }
    lw_validation_row *vr = calloc(c.runs.n, sizeof *vr);
    lw_err err;
    rc = vr ? EXIT_OK : EXIT_INTERNAL;
    for (size_t i = 0; i < c.runs.n && rc == EXIT_OK; i++)
        if (lw_validate_row(c.cat, &c.rows[i], LW_METHOD_ROOFLINE, &c.base, &vr[i], &err) != LW_OK)
            rc = cli_fail(cmd, &err);
    lw_validation_summary s = rc == EXIT_OK ? lw_validation_summarise(vr, c.runs.n, -1) : (lw_validation_summary){0};
    if (rc == EXIT_OK && s.rows == 0) {
        cli_error(cmd, "none of the %zu runs can be predicted (first: %s: %s)", c.runs.n, c.runs.names[0], vr[0].message);
        rc = EXIT_INPUT;
    }
    if (rc == EXIT_OK && c.o.json) {
        json_t *top = json_object(), *arr = json_array();
        json_object_set_new(top, "calibration", json_string(c.cal.text ? c.cal.name : "shipped"));
        for (size_t i = 0; i < c.runs.n; i++) {
            json_t *o = json_object();
            json_object_set_new(o, "run", json_string(c.runs.names[i]));
            if (vr[i].ok) {
                const lw_calib_row *r = &c.rows[i];
                json_object_set_new(o, "model", json_string(r->point.model));
                json_object_set_new(o, "gpu", json_string(r->point.gpu));
                json_object_set_new(o, "gpus", json_integer(r->point.num_gpus));
                json_object_set_new(o, "batch", json_real(r->point.batch));
                json_object_set_new(o, "measured_j_per_token", json_real(vr[i].measured_j_per_token));
                json_t *b = json_object();
                json_object_set_new(b, "low", json_real(vr[i].predicted_j_per_token.low));
                json_object_set_new(b, "expected", json_real(vr[i].predicted_j_per_token.expected));
                json_object_set_new(b, "high", json_real(vr[i].predicted_j_per_token.high));
                json_object_set_new(o, "predicted_j_per_token", b);
                json_object_set_new(o, "error_pct", json_real(vr[i].error_pct));
                json_object_set_new(o, "inside_band", json_boolean(vr[i].inside));
            } else {
                json_object_set_new(o, "left_out", json_string(vr[i].message));
            }
            json_array_append_new(arr, o);
        }
        json_object_set_new(top, "runs", arr);
        json_t *sj = json_object();
        json_object_set_new(sj, "runs", json_integer(s.rows));
        if (s.rows) {
            json_object_set_new(sj, "median_abs_pct", json_real(s.median_abs_pct));
            json_object_set_new(sj, "mape_pct", json_real(s.mape));
            json_object_set_new(sj, "inside_band_share", json_real(s.inside_share));
            json_object_set_new(sj, "median_band_width", json_real(s.median_band_width));
        }
        json_object_set_new(top, "summary", sj);
        rc = cli_print_json(top);
    } else if (rc == EXIT_OK) {
        cli_calibration_print(stdout, &c.cal);
        printf("%-16s %-16s %-10s %4s %6s %9s %9s %18s %7s %s\n", "run", "model", "gpu", "gpus", "batch", "measured",
               "predicted", "band (low..high)", "err %", "in");
        for (size_t i = 0; i < c.runs.n; i++) {
            const lw_validation_row *x = &vr[i];
            if (!x->ok)
                continue;
            const lw_calib_row *r = &c.rows[i];
            char band[40];
            snprintf(band, sizeof band, "%.3g..%.3g", x->predicted_j_per_token.low, x->predicted_j_per_token.high);
            printf("%-16s %-16.16s %-10.10s %4d %6g %9.4g %9.4g %18s %+7.1f %s\n", c.runs.names[i], r->point.model,
                   r->point.gpu, r->point.num_gpus, r->point.batch, x->measured_j_per_token, x->predicted_j_per_token.expected,
                   band, x->error_pct, x->inside ? "yes" : "no");
        }
        printf("runs %d  median |err| %.1f%%  MAPE %.1f%%  inside band %.1f%%  median band width %.2fx\n", s.rows,
               s.median_abs_pct, s.mape, 100 * s.inside_share, s.median_band_width);
        print_left_out(&c);
    }
    free(vr);
    ctx_free(&c);
    return rc;
}
