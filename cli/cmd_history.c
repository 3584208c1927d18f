/* llmwatt history: record runs into a SQLite history and list them (docs/history.md). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "common.h"
#include "llmwatt/history.h"
#include "loop.h"

static const char *usage_text =
    "usage: llmwatt history DB [--workload W] [--model M] [--precision P] [--batch B]\n"
    "                          [--since DATE] [--until DATE] [--kind measurement|estimate]\n"
    "                          [--valid-only] [--limit N] [--calibration FILE] [--json]\n"
    "       llmwatt history record DB FILE.json...\n"
    "       llmwatt history show DB ID\n\n"
    "Lists the runs recorded in a history database (oldest first), records measurement or\n"
    "estimate JSON files into it (created if absent; all files or none), or prints one run's\n"
    "stored JSON. DATE: YYYY-MM-DD (--until includes the whole day), YYYY-MM-DDTHH:MM:SSZ, now,\n"
    "or relative: -7d, -12h, -30m. No matching run is an error (exit 3).\n"
    "A measurement whose labels name a model, GPU and token counts is shown beside the roofline\n"
    "estimate of that configuration (--calibration or LLMWATT_CALIBRATION, else the shipped fit):\n"
    "its J/token, the signed difference and '!' when the measurement is outside the band (drift).\n";

static const char *cmd = "history";

/* v with `digits` significant digits, "-" when unknown. */
static void fmt_num(char *buf, size_t n, int digits, double v)
{
    cli_plain(v, digits, buf, n);
}

static json_t *num_or_null(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

/* The measurement's check against its estimate, as in the measurement JSON. */
static json_t *loop_json(const lw_loop_result *x)
{
    json_t *o = json_object();
    json_object_set_new(o, "estimated", json_boolean(x->estimated));
    if (!x->estimated) {
        json_object_set_new(o, "reason", json_string(x->reason));
        return o;
    }
    json_object_set_new(o, "configuration", json_string(x->config));
    json_t *b = json_object();
    json_object_set_new(b, "low", json_real(x->low));
    json_object_set_new(b, "expected", json_real(x->expected));
    json_object_set_new(b, "high", json_real(x->high));
    json_object_set_new(o, "estimated_j_per_token", b);
    json_object_set_new(o, "difference_pct", num_or_null(x->difference_pct));
    json_object_set_new(o, "inside_band", x->inside < 0 ? json_null() : json_boolean(x->inside));
    return o;
}

static json_t *run_json(const lw_run *r, const lw_loop_result *x)
{
    char t[32];
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(r->id));
    json_object_set_new(o, "kind", json_string(r->kind == LW_RUN_ESTIMATE ? "estimate" : "measurement"));
    json_object_set_new(o, "time", json_string(lw_time_format(r->time_ns, t, sizeof t)));
    json_object_set_new(o, "workload", json_string(r->workload));
    json_object_set_new(o, "model", json_string(r->model));
    json_object_set_new(o, "gpu", json_string(r->gpu));
    json_object_set_new(o, "precision", json_string(r->precision));
    json_object_set_new(o, "batch", json_integer(r->batch));
    json_object_set_new(o, "seq_len", json_integer(r->seq_len));
    json_object_set_new(o, "gpus", json_integer(r->gpus));
    json_object_set_new(o, "tokens_per_s", num_or_null(r->tokens_per_s));
    json_object_set_new(o, "avg_power_w", num_or_null(r->avg_power_w));
    json_object_set_new(o, "tokens_per_j", num_or_null(r->tokens_per_j));
    json_object_set_new(o, "j_per_token", num_or_null(r->j_per_token));
    json_object_set_new(o, "energy_j", num_or_null(r->energy_j));
    json_object_set_new(o, "duration_s", num_or_null(r->duration_s));
    json_object_set_new(o, "valid", r->valid < 0 ? json_null() : json_boolean(r->valid));
    if (r->kind == LW_RUN_MEASUREMENT)
        json_object_set_new(o, "measured_vs_estimated", loop_json(x));
    return o;
}

/* Checks every measurement of runs against its estimate (x[k].estimated false otherwise). */
static int check_runs(lw_history *h, const lw_run *runs, size_t n, const cli_calibration *cal, lw_loop_result *x)
{
    lw_catalogue *cat;
    int rc = cli_catalogue(cmd, NULL, &cat);
    lw_err err;
    for (size_t k = 0; k < n && rc == EXIT_OK; k++) {
        lw_loop_result_init(&x[k], LW_LOOP_RESULT_VERSION, NULL);
        x[k].inside = -1;
        const lw_run *r = lw_run_at(runs, k);
        if (r->kind != LW_RUN_MEASUREMENT)
            continue;
        char *text = NULL;
        lw_status st = lw_history_run_json(h, r->id, &text, &err);
        if (st == LW_OK)
            st = lw_loop_check(cat, text, cal->text, &x[k], &err);
        free(text);
        if (st == LW_ERR_PARSE) /* a stored document that is not a measurement: nothing to compare */
            snprintf(x[k].reason, sizeof x[k].reason, "%s", lw_err_message(&err));
        else if (st != LW_OK)
            rc = cli_fail(cmd, &err);
    }
    lw_catalogue_free(cat);
    return rc;
}

static int do_record(int argc, char **argv)
{
    if (argc >= 3 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0)) {
        fputs(usage_text, stdout);
        return EXIT_OK;
    }
    if (argc < 4)
        return cli_usage(cmd, "'history record' needs a database and at least one JSON file");
    const char *db = argv[2];
    size_t n = (size_t)(argc - 3);
    char **texts = calloc(n, sizeof *texts);
    long long *ids = calloc(n, sizeof *ids);
    lw_run *runs = calloc(n, sizeof *runs);
    int rc = EXIT_OK;
    lw_err err;
    if (!texts || !ids || !runs) {
        rc = EXIT_INTERNAL;
        goto done;
    }
    for (size_t k = 0; k < n && rc == EXIT_OK; k++) {
        runs[k].version = LW_RUN_VERSION;
        if (lw_run_load(argv[3 + k], &runs[k], &texts[k], &err) != LW_OK) {
            cli_error(cmd, "%s; nothing was recorded", lw_err_message(&err));
            rc = cli_exit_code(err.status);
        }
    }
    lw_history *h = NULL;
    if (rc == EXIT_OK && lw_history_open(db, LW_HISTORY_WRITE, &h, &err) != LW_OK)
        rc = cli_fail(cmd, &err);
    if (rc == EXIT_OK && lw_history_add_many(h, (const char *const *)texts, n, lw_time_now_ns(), ids, &err) != LW_OK)
        rc = cli_fail(cmd, &err);
    if (rc == EXIT_OK)
        for (size_t k = 0; k < n; k++)
        {
            char d[320];
            cli_describe_run(&runs[k], d, sizeof d);
            printf("recorded #%lld %s (%s) from %s\n", ids[k], runs[k].kind == LW_RUN_ESTIMATE ? "estimate" : "measurement", d, argv[3 + k]);
        }
    lw_history_close(h);
done:
    for (size_t k = 0; texts && k < n; k++)
        free(texts[k]);
    free(texts);
    free(ids);
    free(runs);
    return rc;
}

static int do_show(int argc, char **argv)
{
    if (argc != 4)
        return cli_usage(cmd, "'history show' needs a database and a run id");
    int id;
    if (!cli_int(cmd, "id", argv[3], 1, 2147483647, &id))
        return EXIT_USAGE;
    lw_history *h;
    lw_err err;
    char *text = NULL;
    if (lw_history_open(argv[2], LW_HISTORY_READ, &h, &err) != LW_OK)
        return cli_fail(cmd, &err);
    int rc = EXIT_OK;
    if (lw_history_run_json(h, id, &text, &err) != LW_OK)
        rc = cli_fail(cmd, &err);
    else
        printf("%s\n", text);
    free(text);
    lw_history_close(h);
    return rc;
}

int cmd_history(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "record") == 0)
        return do_record(argc, argv);
    if (argc >= 2 && strcmp(argv[1], "show") == 0)
        return do_show(argc, argv);
    enum { O_HELP = 256, O_JSON, O_WORK, O_MODEL, O_PREC, O_BATCH, O_SINCE, O_UNTIL, O_KIND, O_VALID, O_LIMIT, O_CALIB };
    static const cli_opt opts[] = {{"help", false, O_HELP},    {"json", false, O_JSON},   {"workload", true, O_WORK},
                                   {"model", true, O_MODEL},   {"precision", true, O_PREC}, {"batch", true, O_BATCH},
                                   {"since", true, O_SINCE},   {"until", true, O_UNTIL},  {"kind", true, O_KIND},
                                   {"valid-only", false, O_VALID}, {"limit", true, O_LIMIT},
                                   {"calibration", true, O_CALIB}, {NULL, false, 0}};
    lw_history_filter f = lw_history_filter_all();
    const char *db = NULL, *v, *since = NULL, *until = NULL, *calibration = NULL;
    bool json = false;
    int i = 1, id, limit = 0;
    while ((id = cli_getopt_args(cmd, argc, argv, opts, &i, &v)) > 0) {
        bool ok = true;
        switch (id) {
        case CLI_ARG:
            if (db)
                return cli_usage(cmd, "unexpected argument '%s'", v);
            db = v;
            break;
        case O_HELP: fputs(usage_text, stdout); return EXIT_OK;
        case O_JSON: json = true; break;
        case O_WORK: f.workload = v; break;
        case O_MODEL: f.model = v; break;
        case O_PREC: f.precision = v; break;
        case O_BATCH: ok = cli_int(cmd, "batch", v, 1, 1000000, &f.batch); break;
        case O_SINCE: since = v; break;
        case O_UNTIL: until = v; break;
        case O_VALID: f.valid_only = true; break;
        case O_CALIB: calibration = v; break;
        case O_LIMIT: ok = cli_int(cmd, "limit", v, 1, 100000000, &limit); break;
        case O_KIND:
            if (strcmp(v, "measurement") == 0)
                f.kind = LW_RUN_MEASUREMENT;
            else if (strcmp(v, "estimate") == 0)
                f.kind = LW_RUN_ESTIMATE;
            else
                return cli_usage(cmd, "--kind must be 'measurement' or 'estimate', got '%s'", v);
            break;
        }
        if (!ok)
            return EXIT_USAGE;
    }
    if (id < 0)
        return EXIT_USAGE;
    if (!db)
        return cli_usage(cmd, "missing the history database (llmwatt history runs.db)");
    lw_err err;
    long long now = lw_time_now_ns();
    if (since && lw_time_parse(since, now, false, &f.since_ns, &err) != LW_OK)
        return cli_usage(cmd, "--since: %s", lw_err_message(&err));
    if (until && lw_time_parse(until, now, true, &f.until_ns, &err) != LW_OK)
        return cli_usage(cmd, "--until: %s", lw_err_message(&err));
    if (since && until && f.since_ns > f.until_ns)
        return cli_usage(cmd, "--since %s is after --until %s", since, until);
    f.limit = (size_t)limit;
    cli_calibration cal;
    int rc = cli_calibration_open(cmd, calibration, &cal);
    if (rc)
        return rc;
    lw_history *h;
    if (lw_history_open(db, LW_HISTORY_READ, &h, &err) != LW_OK) {
        cli_calibration_close(&cal);
        return cli_fail(cmd, &err);
    }
    lw_run *runs = NULL;
    lw_loop_result *x = NULL;
    size_t n = 0;
    if (lw_history_query(h, &f, &runs, &n, &err) != LW_OK)
        rc = cli_fail(cmd, &err);
    else if (n > 0 && !(x = calloc(n, sizeof *x)))
        rc = EXIT_INTERNAL;
    else if (n > 0)
        rc = check_runs(h, runs, n, &cal, x);
    if (rc) {
    } else if (n == 0) {
        bool filtered = f.workload || f.model || f.precision || f.batch || since || until || f.kind >= 0 || f.valid_only;
        if (filtered)
            cli_error(cmd, "no runs in '%s' match the filters", db);
        else
            cli_error(cmd, "'%s' has no runs yet (record some with 'llmwatt history record %s FILE.json')", db, db);
        rc = EXIT_NOT_FOUND;
    } else if (json) {
        json_t *arr = json_array();
        for (size_t k = 0; k < n; k++)
            json_array_append_new(arr, run_json(lw_run_at(runs, k), &x[k]));
        rc = cli_print_json(arr);
    } else {
        printf("%5s  %-20s %-11s %-10s %-16s %-5s %5s %4s %10s %9s %9s  %-7s %9s %9s %8s\n", "id", "time", "kind", "workload",
               "model", "prec", "batch", "gpus", "tok/s", "power W", "tok/J", "valid", "J/tok", "est J/tok", "vs est");
        size_t drift = 0;
        for (size_t k = 0; k < n; k++) {
            const lw_run *r = lw_run_at(runs, k);
            char t[32], tps[24], pw[24], tpj[24], jpt[24], est[24], diff[24] = "-", batch[16];
            fmt_num(tps, sizeof tps, 6, r->tokens_per_s);
            fmt_num(pw, sizeof pw, 5, r->avg_power_w);
            fmt_num(tpj, sizeof tpj, 4, r->tokens_per_j);
            fmt_num(jpt, sizeof jpt, 4, r->j_per_token);
            fmt_num(est, sizeof est, 4, x[k].estimated ? x[k].expected : NAN);
            snprintf(batch, sizeof batch, r->batch > 0 ? "%d" : "-", r->batch);
            if (isfinite(x[k].difference_pct))
                snprintf(diff, sizeof diff, "%+.0f%%%s", x[k].difference_pct, x[k].inside ? "" : " !");
            drift += x[k].inside == 0;
            bool bare = !r->workload[0] && !r->model[0];
            printf("%5lld  %-20s %-11s %-10s %-16.16s %-5s %5s %4d %10s %9s %9s  %-7s %9s %9s %8s\n", r->id,
                   lw_time_format(r->time_ns, t, sizeof t), r->kind == LW_RUN_ESTIMATE ? "estimate" : "measurement",
                   r->workload[0] ? r->workload : bare ? "(no label)" : "-", r->model[0] ? r->model : bare && r->gpu[0] ? r->gpu : "-",
                   r->precision[0] ? r->precision : "-", batch, r->gpus, tps, pw, tpj,
                   r->valid < 0 ? "n/a" : r->valid ? "VALID" : "INVALID", jpt, est, diff);
        }
        printf("%zu run%s\n", n, n == 1 ? "" : "s");
        if (drift)
            printf("! %zu measurement%s outside the band of %s estimate (drift, docs/loop.md)\n", drift,
                   drift == 1 ? "" : "s", drift == 1 ? "its" : "their");
        if (cal.text)
            cli_calibration_print(stdout, &cal);
    }
    free(x);
    free(runs);
    lw_history_close(h);
    cli_calibration_close(&cal);
    return rc;
}
