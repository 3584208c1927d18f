/* llmwatt trace: energy of a production request log (CSV or JSON Lines). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "common.h"
#include "progress.h"
#include "loop.h"
#include "llmwatt/cost.h"
#include "llmwatt/trace.h"

static const char *usage_text =
    "usage: llmwatt trace FILE --gpu GPU [--gpus N] [--model NAME|--model-config PATH]\n"
    "                     [--batch B | --window DURATION [--max-batch N]]\n"
    "                     [--precision P] [--kv-precision P] [--method roofline|llm-bench|profile] [--pue X]\n"
    "                     [--format csv|jsonl] [--columns KEY=NAME,...] [--time-unit s|ms|us|ns]\n"
    "                     [--model-map NAME=MODEL]... [--unknown-model fail|default]\n"
    "                     [--on-error skip|fail] [--per-request OUT.csv|OUT.jsonl] [--threads N]\n"
    "                     [--price-kwh USD] [--region R | --grid-g-per-kwh G] [--json] [--catalogue FILE]\n"
    "                     [--calibration site.json] [--quiet]\n\n"
    "Estimates the energy of every request of a trace: CSV with a header or JSON Lines with\n"
    "a timestamp, input tokens and output tokens per row (optional model and reasoning tokens).\n"
    "Recognised columns include the Azure LLM inference trace (TIMESTAMP, ContextTokens,\n"
    "GeneratedTokens) and BurstGPT (Timestamp, Model, Request tokens, Response tokens);\n"
    "--columns names others: timestamp=, input=, output=, reasoning=, model=.\n\n"
    "Batching: --batch B gives every row the energy of `llmwatt estimate --batch B`; without it\n"
    "the batch is estimated per time window and model from the arrival rate (Little's law:\n"
    "smallest B with rate x T(B) <= B, T the request's prefill + decode time at batch B).\n"
    "Rows name catalogue models, or --model-map maps trace names (BurstGPT 'ChatGPT') to them;\n"
    "--model is the model of rows without one (and of unknown names with --unknown-model default).\n"
    "Bad rows (non-numeric, negative, missing fields, bad timestamps) are reported with their\n"
    "line numbers and skipped, or stop the run with --on-error fail (exit 4).\n"
    "Cost and carbon (the cost module, seed 004): GPU energy x (1 + overhead) / PSU efficiency\n"
    "x PUE, at --price-kwh (default cost.price_kwh.us) and the grid intensity of --region or\n"
    "--grid-g-per-kwh; hardware amortisation is in 'llmwatt cost'.\n";

typedef struct out_file {
    char *path, *tmp;
    FILE *f;
} out_file;

static lw_status sink_write(void *ctx, const char *data, size_t len, lw_err *err)
{
    out_file *o = ctx;
    if (fwrite(data, 1, len, o->f) != len) {
        return lw_err_set(err, LW_ERR_IO, "cannot write '%s': %s", o->path, strerror(errno));
    }
    return LW_OK;
}

/* The trace's byte progress (pass of passes) as one bar over every pass, in MB. */
static void trace_progress(void *ctx, int pass, int passes, uint64_t done, uint64_t total)
{
    double mb = (double)total / 1e6;
    cli_progress_update(ctx, (pass - 1) * mb + (double)done / 1e6, passes * mb, passes > 1 ? "MB (2 passes)" : "MB");
}

static bool parse_columns(const char *cmd, const char *val, char *store, size_t storen, lw_trace_opts *o)
{
    static const char *const keys[LW_TRACE_NCOLS] = {"timestamp", "input", "output", "reasoning", "model"};
    if (strlen(val) >= storen) {
        cli_usage(cmd, "--columns is too long");
        return false;
    }
    strcpy(store, val);
    char *save = NULL;
    for (char *item = strtok_r(store, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(item, '=');
        int c = -1;
        if (eq) {
            *eq = '\0';
            for (int i = 0; i < LW_TRACE_NCOLS; i++)
                if (strcmp(item, keys[i]) == 0)
                    c = i;
        }
        if (c < 0 || !eq[1]) {
            cli_usage(cmd, "--columns expects KEY=NAME pairs with KEY one of timestamp, input, output, reasoning, model; got '%s'",
                      val);
            return false;
        }
        o->columns[c] = eq + 1;
    }
    return true;
}

static const char *format_name(lw_trace_format f) { return f == LW_TRACE_JSONL ? "jsonl" : "csv"; }

static void print_text(const lw_trace_summary *S, const char *path, const lw_trace_opts *o, const lw_model_arch *dm,
                       const lw_trace_cost *cost)
{
    char a[32], b[32], c[32];
    printf("trace      %s: %s, %llu requests, %llu bad rows, %llu lines\n", path, format_name(S->format),
           (unsigned long long)S->requests, (unsigned long long)S->bad_rows, (unsigned long long)S->lines);
    printf("columns   ");
    static const char *const keys[LW_TRACE_NCOLS] = {"timestamp", "input", "output", "reasoning", "model"};
    for (int i = 0; i < LW_TRACE_NCOLS; i++)
        if (S->columns[i][0])
            printf(" %s='%s'", keys[i], S->columns[i]);
    printf("\n");
    if (S->has_time)
        printf("time       %.3f .. %.3f s (%.1f s), %llu rows out of order\n", S->first_time_s, S->last_time_s,
               S->last_time_s - S->first_time_s, (unsigned long long)S->out_of_order);
    printf("estimate   %s%s on %d x %s, %s, KV %s\n", dm ? "default model " : "models from the rows",
           dm ? dm->name : "", o->estimate.gpus, o->gpu->id, lw_method_name(o->estimate.method),
           lw_precision_name(o->kv_precision));
    double bsum = 0;
    for (int i = 0; i < S->nmodels; i++)
        bsum += S->models[i].batch_sum;
    if (S->estimated_batch)
        printf("batching   estimated: per %g s window and model, smallest B with arrival rate x T(B) <= B;\n"
               "           %llu windows, mean batch %.2f, %llu requests at the cap %d\n",
               S->window_s, (unsigned long long)S->windows, S->requests ? bsum / (double)S->requests : 0,
               (unsigned long long)S->saturated_requests, S->max_batch);
    else
        printf("batching   fixed: batch %d (each row as `llmwatt estimate --batch %d`)\n", S->batch, S->batch);
    printf("energy     %s (band %s .. %s) = %.6g kWh", cli_si(S->energy_j, "J", a, sizeof a),
           cli_si(S->energy_low_j, "J", b, sizeof b), cli_si(S->energy_high_j, "J", c, sizeof c), S->energy_j / 3.6e6);
    if (o->estimate.pue != 1.0)
        printf(", facility (PUE %g) %s", o->estimate.pue, cli_si(S->facility_energy_j, "J", a, sizeof a));
    printf("\n");
    if (S->output_tokens > 0)
        printf("per token  %.4g J per output token (%.0f output, %.0f input, %.0f reasoning tokens)\n",
               S->energy_j / S->output_tokens, S->output_tokens, S->input_tokens, S->reasoning_tokens);
    if (S->requests)
        printf("per request p50 %s  p90 %s  p99 %s  (histogram, +-%.2g%%; min %.4g J, max %.4g J)\n",
               cli_si(S->p50_j, "J", a, sizeof a), cli_si(S->p90_j, "J", b, sizeof b), cli_si(S->p99_j, "J", c, sizeof c),
               S->percentile_rel_resolution * 100, S->min_j, S->max_j);
    printf("\n%-20s %-20s %10s %12s %12s %12s %10s %8s\n", "model", "catalogue", "requests", "in tokens", "out tokens",
           "energy", "J/out tok", "batch");
    for (int i = 0; i < S->nmodels; i++) {
        const lw_trace_model_summary *m = &S->models[i];
        char name[40];
        snprintf(name, sizeof name, "%s%s", m->name[0] ? m->name : "(none)", m->defaulted ? "*" : "");
        printf("%-20s %-20s %10llu %12.0f %12.0f %12s %10.4g %8.2f\n", name, m->catalogue,
               (unsigned long long)m->requests, m->input_tokens, m->output_tokens, cli_si(m->energy_j, "J", a, sizeof a),
               m->output_tokens > 0 ? m->energy_j / m->output_tokens : NAN, m->batch_sum / (double)m->requests);
    }
    if (S->defaulted_requests)
        printf("* unknown name estimated with the default model (%llu requests)\n",
               (unsigned long long)S->defaulted_requests);
    for (int i = 0; i < S->nbad; i++)
        printf("%s line %llu: %s\n", i == 0 ? "\nbad rows  " : "          ", (unsigned long long)S->bad[i].line,
               S->bad[i].msg);
    if (S->bad_rows > (uint64_t)S->nbad)
        printf("           ... and %llu more\n", (unsigned long long)(S->bad_rows - (uint64_t)S->nbad));
    for (int i = 0; i < lw_trace_summary_warning_count(S); i++)
        printf("%s%s\n", i == 0 ? "\nwarning    " : "           ", lw_trace_summary_warning(S, i));
    printf("\nspeed      %.3g s on %d threads: %.3g rows/s, %.3g MB/s; %llu estimator calls, %llu cache hits\n",
           S->elapsed_s, S->threads, S->elapsed_s > 0 ? (double)S->lines / S->elapsed_s : 0,
           S->elapsed_s > 0 ? (double)S->bytes / S->elapsed_s / 1e6 : 0, (unsigned long long)S->estimator_calls,
           (unsigned long long)S->cache_hits);
    if (!cost->computed)
        return;
    printf("cost       %.4g USD at %g USD/kWh: %.4g kWh at the wall (GPU x (1 + %g overhead) / %g PSU) x PUE %g = "
           "%.4g kWh billed; hardware not included\n",
           cost->energy_usd, cost->price_usd_per_kwh, cost->wall_kwh, cost->overhead_fraction,
           cost->psu_efficiency, cost->pue, cost->billed_kwh);
    if (cost->co2e_g >= 0)
        printf("carbon     %.4g kg CO2e at %g g/kWh (%s)\n", cost->co2e_g / 1000, cost->grid_g_per_kwh, cost->grid_source);
    else
        printf("carbon     not computed: give --region R or --grid-g-per-kwh G\n");
}

static int open_output(const char *cmd, const char *path, out_file *of, lw_trace_output *fmt)
{
    const char *dot = strrchr(path, '.');
    if (dot && strcmp(dot, ".csv") == 0)
        *fmt = LW_TRACE_OUT_CSV;
    else if (dot && (strcmp(dot, ".jsonl") == 0 || strcmp(dot, ".ndjson") == 0))
        *fmt = LW_TRACE_OUT_JSONL;
    else
        return cli_usage(cmd, "--per-request file must end in .csv, .jsonl or .ndjson, got '%s'", path);
    size_t n = strlen(path) + 32;
    of->path = strdup(path);
    of->tmp = malloc(n);
    if (!of->path || !of->tmp) {
        cli_error(cmd, "out of memory");
        return EXIT_INTERNAL;
    }
    snprintf(of->tmp, n, "%s.tmp%ld", path, (long)getpid());
    of->f = fopen(of->tmp, "wb");
    if (!of->f) {
        cli_error(cmd, "cannot write '%s': %s", path, strerror(errno));
        return EXIT_INPUT;
    }
    setvbuf(of->f, NULL, _IOFBF, 1 << 20);
    return EXIT_OK;
}

/* Keeps the per-request file only when the whole run succeeded. */
static int close_output(const char *cmd, out_file *of, bool keep)
{
    int rc = EXIT_OK;
    if (of->f) {
        bool ok = fclose(of->f) == 0;
        if (keep && (!ok || rename(of->tmp, of->path) != 0)) {
            cli_error(cmd, "cannot write '%s': %s", of->path, strerror(errno));
            rc = EXIT_INPUT;
            keep = false;
        }
        if (!keep)
            remove(of->tmp);
    }
    free(of->path);
    free(of->tmp);
    return rc;
}

int cmd_trace(int argc, char **argv)
{
    enum {
        O_HELP = 256, O_JSON, O_CAT, O_MODEL, O_CONFIG, O_GPU, O_GPUS, O_PREC, O_KVPREC, O_METHOD, O_PUE, O_BATCH,
        O_WINDOW, O_MAXB, O_FORMAT, O_COLS, O_UNIT, O_MAP, O_UNKNOWN, O_ONERR, O_PERREQ, O_THREADS, O_PRICE, O_REGION, O_GRID, O_CALIB, O_QUIET
    };
    static const cli_opt opts[] = {
        {"help", false, O_HELP},        {"json", false, O_JSON},        {"catalogue", true, O_CAT},
        {"model", true, O_MODEL},       {"model-config", true, O_CONFIG}, {"gpu", true, O_GPU},
        {"gpus", true, O_GPUS},         {"precision", true, O_PREC},    {"kv-precision", true, O_KVPREC},
        {"method", true, O_METHOD},     {"pue", true, O_PUE},           {"batch", true, O_BATCH},
        {"window", true, O_WINDOW},     {"max-batch", true, O_MAXB},    {"format", true, O_FORMAT},
        {"columns", true, O_COLS},      {"time-unit", true, O_UNIT},    {"model-map", true, O_MAP},
        {"unknown-model", true, O_UNKNOWN}, {"on-error", true, O_ONERR}, {"per-request", true, O_PERREQ},
        {"threads", true, O_THREADS},   {"price-kwh", true, O_PRICE},   {"region", true, O_REGION},
        {"grid-g-per-kwh", true, O_GRID}, {"calibration", true, O_CALIB}, {"quiet", false, O_QUIET},
        {NULL, false, 0}};
    const char *cmd = "trace", *catfile = NULL, *model = NULL, *config = NULL, *gpu_name = NULL, *perreq = NULL;
    const char *file = NULL, *v, *window = NULL, *maxb = NULL, *calibration = NULL, *pue_arg = NULL;
    lw_trace_cost_opts co = LW_TRACE_COST_OPTS_INIT;
    lw_trace_cost cost = LW_TRACE_COST_INIT;
    char colstore[512];
    char mapstore[LW_TRACE_MAX_MAP][2 * LW_NAME_MAX];
    bool json = false, quiet = false;
    lw_trace_opts o = lw_trace_opts_default(NULL);
    int i = 1, id;
    while ((id = cli_getopt_args(cmd, argc, argv, opts, &i, &v)) > 0) {
        bool ok = true;
        switch (id) {
        case CLI_ARG:
            if (file)
                return cli_usage(cmd, "unexpected argument '%s' (one trace file)", v);
            file = v;
            break;
        case O_HELP: fputs(usage_text, stdout); return EXIT_OK;
        case O_JSON: json = true; break;
        case O_CALIB: calibration = v; break;
        case O_QUIET: quiet = true; break;
        case O_CAT: catfile = v; break;
        case O_MODEL: model = v; break;
        case O_CONFIG: config = v; break;
        case O_GPU: gpu_name = v; break;
        case O_GPUS: ok = cli_int(cmd, "gpus", v, 1, 4096, &o.estimate.gpus); break;
        case O_PREC: ok = cli_precision(cmd, "precision", v, &o.weight_precision); o.weight_precision_set = true; break;
        case O_KVPREC: ok = cli_precision(cmd, "kv-precision", v, &o.kv_precision); break;
        case O_METHOD:
            if (strcmp(v, "roofline") == 0)
                o.estimate.method = LW_METHOD_ROOFLINE;
            else if (strcmp(v, "llm-bench") == 0)
                o.estimate.method = LW_METHOD_LLM_BENCH;
            else if (strcmp(v, "profile") == 0)
                o.estimate.method = LW_METHOD_PROFILE;
            else
                return cli_usage(cmd, "--method expects roofline, llm-bench or profile, got '%s'", v);
            break;
        case O_PUE: pue_arg = v; break;
        case O_BATCH: ok = cli_int(cmd, "batch", v, 1, 1000000, &o.batch); break;
        case O_WINDOW: window = v; break;
        case O_MAXB: maxb = v; break;
        case O_FORMAT:
            if (strcmp(v, "csv") == 0)
                o.format = LW_TRACE_CSV;
            else if (strcmp(v, "jsonl") == 0)
                o.format = LW_TRACE_JSONL;
            else
                return cli_usage(cmd, "--format expects csv or jsonl, got '%s'", v);
            break;
        case O_COLS: ok = parse_columns(cmd, v, colstore, sizeof colstore, &o); break;
        case O_UNIT:
            if (strcmp(v, "s") == 0)
                o.time_unit_s = 1;
            else if (strcmp(v, "ms") == 0)
                o.time_unit_s = 1e-3;
            else if (strcmp(v, "us") == 0)
                o.time_unit_s = 1e-6;
            else if (strcmp(v, "ns") == 0)
                o.time_unit_s = 1e-9;
            else
                return cli_usage(cmd, "--time-unit expects s, ms, us or ns, got '%s'", v);
            break;
        case O_MAP: {
            const char *eq = strrchr(v, '=');
            if (!eq || eq == v || !eq[1] || strlen(v) >= sizeof mapstore[0])
                return cli_usage(cmd, "--model-map expects NAME=MODEL, got '%s'", v);
            if (o.nmap >= LW_TRACE_MAX_MAP)
                return cli_usage(cmd, "at most %d --model-map options", LW_TRACE_MAX_MAP);
            char *s = mapstore[o.nmap];
            strcpy(s, v);
            s[eq - v] = '\0';
            o.map_from[o.nmap] = s;
            o.map_to[o.nmap] = s + (eq - v) + 1;
            o.nmap++;
            break;
        }
        case O_UNKNOWN:
            if (strcmp(v, "fail") == 0)
                o.unknown_model = LW_TRACE_UNKNOWN_FAIL;
            else if (strcmp(v, "default") == 0)
                o.unknown_model = LW_TRACE_UNKNOWN_DEFAULT;
            else
                return cli_usage(cmd, "--unknown-model expects fail or default, got '%s'", v);
            break;
        case O_ONERR:
            if (strcmp(v, "skip") == 0)
                o.on_error = LW_TRACE_SKIP;
            else if (strcmp(v, "fail") == 0)
                o.on_error = LW_TRACE_FAIL;
            else
                return cli_usage(cmd, "--on-error expects skip or fail, got '%s'", v);
            break;
        case O_PERREQ: perreq = v; break;
        case O_THREADS: ok = cli_int(cmd, "threads", v, 1, 256, &o.threads); break;
        case O_PRICE: ok = cli_number(cmd, "price-kwh", v, 0, 100, &co.price_usd_per_kwh); break;
        case O_REGION: co.region = v; break;
        case O_GRID: ok = cli_number(cmd, "grid-g-per-kwh", v, 0, 5000, &co.grid_g_per_kwh); break;
        }
        if (!ok)
            return EXIT_USAGE;
    }
    if (id < 0)
        return EXIT_USAGE;
    if (!file)
        return cli_usage(cmd, "missing the trace FILE");
    if (o.batch && (window || maxb))
        return cli_usage(cmd, "--window and --max-batch estimate the batch; they do not go with --batch");
    if (co.region && co.grid_g_per_kwh >= 0)
        return cli_usage(cmd, "give either --region or --grid-g-per-kwh, not both");
    if (o.unknown_model == LW_TRACE_UNKNOWN_DEFAULT && !model && !config)
        return cli_usage(cmd, "--unknown-model default needs the default model (--model NAME)");
    lw_catalogue *cat;
    int rc = cli_catalogue(cmd, catfile, &cat);
    if (rc)
        return rc;
    lw_err err;
    lw_trace_summary *S = calloc(1, sizeof *S);
    if (S)
        S->version = LW_TRACE_SUMMARY_VERSION;
    if (!S) {
        lw_catalogue_free(cat);
        cli_error(cmd, "out of memory");
        return EXIT_INTERNAL;
    }
    /* the cost options (region) are checked now, on an empty summary, not after the whole trace */
    if ((pue_arg && (rc = cli_pue(cmd, cat, pue_arg, &o.estimate.pue))) ||
        (lw_trace_cost_compute(cat, S, &o, &co, &cost, &err) != LW_OK && (rc = cli_fail(cmd, &err)))) {
        free(S);
        lw_catalogue_free(cat);
        return rc;
    }
    lw_trace_opts d = lw_trace_opts_default(cat);
    o.window_s = d.window_s;
    o.max_batch = d.max_batch;
    if ((window && !cli_duration(cmd, "window", window, &o.window_s)) ||
        (maxb && !cli_int(cmd, "max-batch", maxb, 1, 1000000, &o.max_batch))) {
        free(S);
        lw_catalogue_free(cat);
        return EXIT_USAGE;
    }
    if (window && !(o.window_s > 0)) {
        free(S);
        lw_catalogue_free(cat);
        return cli_usage(cmd, "--window must be longer than 0 s");
    }
    const lw_model_arch *dm = NULL;
    if ((model || config) && (rc = cli_model(cmd, cat, model, config, &dm))) {
        free(S);
        lw_catalogue_free(cat);
        return rc;
    }
    o.default_model = dm;
    if ((rc = cli_gpu(cmd, cat, gpu_name, &o.gpu))) {
        free(S);
        lw_catalogue_free(cat);
        return rc;
    }
    out_file of = {0};
    if (perreq && (rc = open_output(cmd, perreq, &of, &o.per_request))) {
        close_output(cmd, &of, false);
        free(S);
        lw_catalogue_free(cat);
        return rc;
    }
    o.sink = sink_write;
    o.sink_ctx = &of;
    cli_progress pr;
    cli_progress_start(&pr, cmd, quiet);
    o.progress = trace_progress;
    o.progress_ctx = &pr;
    cli_calibration cal;
    if ((rc = cli_calibration_open(cmd, calibration, &cal))) {
        close_output(cmd, &of, false);
        free(S);
        lw_catalogue_free(cat);
        return rc;
    }
    o.estimate.calibration_json = cal.text;
    lw_status st = lw_trace_run(cat, file, &o, S, &err);
    cli_progress_end(&pr);
    if (st == LW_OK && S->requests == 0 && S->bad_rows > 0) {
        st = lw_err_set(&err, LW_ERR_PARSE, "'%s' has no valid rows (%llu bad; line %llu: %s)", file,
                 (unsigned long long)S->bad_rows, (unsigned long long)S->bad[0].line, S->bad[0].msg);
    }
    if (st == LW_OK)
        st = lw_trace_cost_compute(cat, S, &o, &co, &cost, &err);
    rc = close_output(cmd, &of, st == LW_OK);
    if (st != LW_OK) {
        err.status = st;
        rc = cli_fail(cmd, &err);
    } else if (rc == EXIT_OK) {
        if (S->bad_rows)
            cli_error(cmd, "skipped %llu bad row%s of '%s' (first: line %llu: %s)", (unsigned long long)S->bad_rows,
                      S->bad_rows == 1 ? "" : "s", file, (unsigned long long)S->bad[0].line, S->bad[0].msg);
        char *text = json ? lw_trace_summary_to_json(S, file, &o, &cost, 2, &err) : NULL;
        if (json && !text)
            rc = cli_fail(cmd, &err);
        else if (json)
            fprintf(cli_stdout(), "%s\n", text);
        else
            print_text(S, file, &o, dm, &cost);
        lw_free(text);
        if (!json && cal.text && o.estimate.method == LW_METHOD_ROOFLINE)
            cli_calibration_print(stdout, &cal);
    }
    cli_calibration_close(&cal);
    free(S);
    lw_catalogue_free(cat);
    return rc;
}
