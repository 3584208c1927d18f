/* llmwatt compare: tokens/J of a current run against a baseline; exit 1 on regression
 * (seed 004's PowerEfficiencyRegression: current / baseline < 0.9). Run specs in docs/history.md. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "commands.h"
#include "common.h"
#include "llmwatt/history.h"
#include "loop.h"

static const char *usage_text =
    "usage: llmwatt compare [--baseline RUN] --current RUN [--threshold 0.9] [--allow-invalid]\n"
    "                       [--calibration FILE] [--json]\n\n"
    "Compares tokens per joule: ratio = current / baseline. Exit 1 when the ratio is below the\n"
    "threshold, in (0, 1] (seed 004 PowerEfficiencyRegression: < 0.9, a 10% drop), 0 otherwise.\n"
    "An INVALID measurement on either side is refused (exit 4) unless --allow-invalid.\n"
    "RUN is a measurement (or estimate) JSON file, or a history query DB:FILTERS[@WHEN]:\n"
    "  runs.db:workload=gpt8b              latest valid run of workload gpt8b\n"
    "  runs.db:workload=gpt8b,precision=fp8,batch=16\n"
    "  runs.db:workload=gpt8b@-7d          latest valid run at least 7 days before WHEN's base\n"
    "  runs.db:workload=gpt8b@2026-11-14   latest valid run on or before that day\n"
    "  runs.db:id=42                       run #42\n"
    "Filter keys: workload, model, gpu, precision, batch, id, kind (measurement|estimate),\n"
    "valid (only, the default, or any). A relative @WHEN in --baseline counts back from the\n"
    "current run's start time (\"same workload, 7 days earlier\"); in --current, from now.\n"
    "Drift: a measurement whose labels name a model, GPU and token counts is also checked against\n"
    "the roofline estimate of that configuration (--calibration or LLMWATT_CALIBRATION, else the\n"
    "shipped fit). A current run above the estimate's band is DRIFT (exit 1), also without\n"
    "--baseline: a driver, engine or firmware change that costs energy shows up on its own.\n";

static const char *cmd = "compare";

typedef struct resolved {
    lw_run run;
    char label[1100];
    char *text;           /* the run's JSON */
    lw_loop_result loop;  /* checked against its estimate */
} resolved;

static bool is_file(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

static int parse_filters(const char *opt, char *q, lw_history_filter *f, bool *any_valid)
{
    char *save = NULL;
    for (char *kv = strtok_r(q, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(kv, '=');
        if (!eq || eq == kv || eq[1] == '\0')
            return cli_usage(cmd, "--%s: filter '%s' is not KEY=VALUE", opt, kv);
        *eq = '\0';
        const char *k = kv, *v = eq + 1;
        int num;
        if (strcmp(k, "workload") == 0)
            f->workload = v;
        else if (strcmp(k, "model") == 0)
            f->model = v;
        else if (strcmp(k, "gpu") == 0)
            f->gpu = v;
        else if (strcmp(k, "precision") == 0)
            f->precision = v;
        else if (strcmp(k, "batch") == 0) {
            if (!cli_int(cmd, "batch", v, 1, 1000000, &num))
                return EXIT_USAGE;
            f->batch = num;
        } else if (strcmp(k, "id") == 0) {
            if (!cli_int(cmd, "id", v, 1, 2147483647, &num))
                return EXIT_USAGE;
            f->id = num;
        } else if (strcmp(k, "kind") == 0 && (strcmp(v, "measurement") == 0 || strcmp(v, "estimate") == 0))
            f->kind = strcmp(v, "estimate") == 0 ? LW_RUN_ESTIMATE : LW_RUN_MEASUREMENT;
        else if (strcmp(k, "valid") == 0 && (strcmp(v, "only") == 0 || strcmp(v, "any") == 0))
            *any_valid = strcmp(v, "any") == 0;
        else
            return cli_usage(cmd, "--%s: unknown filter '%s=%s' (keys: workload, model, gpu, precision, batch, id, kind, valid)",
                             opt, k, v);
    }
    return EXIT_OK;
}

/* Resolves a RUN spec. base_ns: the time a relative @WHEN counts back from. */
static int resolve(const char *opt, const char *spec, long long base_ns, resolved *out)
{
    lw_err err;
    if (is_file(spec) && !cli_is_sqlite(spec)) {
        out->run = (lw_run)LW_RUN_INIT;
        if (lw_run_load(spec, &out->run, &out->text, &err) != LW_OK) {
            cli_error(cmd, "--%s: %s", opt, lw_err_message(&err));
            return cli_exit_code(err.status);
        }
        snprintf(out->label, sizeof out->label, "%s", spec);
        return EXIT_OK;
    }
    if (is_file(spec))
        return cli_usage(cmd, "--%s %s is a history database: add a query, e.g. %s:workload=gpt8b", opt, spec, spec);
    /* DB:QUERY: the longest prefix before a ':' that is an existing file */
    char buf[1024];
    if (strlen(spec) >= sizeof buf)
        return cli_usage(cmd, "--%s is too long", opt);
    const char *colon = NULL;
    for (const char *c = strchr(spec, ':'); c; c = strchr(c + 1, ':')) {
        snprintf(buf, sizeof buf, "%.*s", (int)(c - spec), spec);
        if (is_file(buf))
            colon = c;
    }
    if (!colon) {
        cli_error(cmd, "--%s: '%s' is neither a file nor DB:QUERY with an existing database", opt, spec);
        return EXIT_NOT_FOUND;
    }
    char db[1024], query[1024];
    snprintf(db, sizeof db, "%.*s", (int)(colon - spec), spec);
    snprintf(query, sizeof query, "%s", colon + 1);
    lw_history_filter f = lw_history_filter_all();
    bool any_valid = false;
    char *at = strrchr(query, '@');
    const char *when = NULL;
    if (at) {
        *at = '\0';
        when = at + 1;
        if (lw_time_parse(when, base_ns, true, &f.until_ns, &err) != LW_OK)
            return cli_usage(cmd, "--%s: @%s", opt, lw_err_message(&err));
    }
    if (!query[0])
        return cli_usage(cmd, "--%s: empty query after '%s:' (e.g. workload=gpt8b)", opt, db);
    char qcopy[1024];
    snprintf(qcopy, sizeof qcopy, "%s", query);
    int rc = parse_filters(opt, qcopy, &f, &any_valid);
    if (rc)
        return rc;
    f.valid_only = !any_valid;
    f.newest_first = true;
    f.limit = 1;
    lw_history *h;
    if (lw_history_open(db, LW_HISTORY_READ, &h, &err) != LW_OK) {
        cli_error(cmd, "--%s: %s", opt, lw_err_message(&err));
        return cli_exit_code(err.status);
    }
    lw_run *runs = NULL;
    size_t n = 0;
    if (lw_history_query(h, &f, &runs, &n, &err) != LW_OK ||
        (n > 0 && lw_history_run_json(h, lw_run_at(runs, 0)->id, &out->text, &err) != LW_OK)) {
        free(runs);
        lw_history_close(h);
        cli_error(cmd, "--%s: %s", opt, lw_err_message(&err));
        return cli_exit_code(err.status);
    }
    lw_history_close(h);
    if (n == 0) {
        char t[32];
        free(runs);
        cli_error(cmd, "--%s: no %sruns in '%s' match '%s'%s%s", opt, any_valid ? "" : "valid ", db, query,
                  when ? " on or before " : "", when ? lw_time_format(f.until_ns, t, sizeof t) : "");
        return EXIT_NOT_FOUND;
    }
    out->run = *lw_run_at(runs, 0);
    out->run.version = LW_RUN_VERSION; /* the copy has this program's layout */
    free(runs);
    snprintf(out->label, sizeof out->label, "%s #%lld", db, out->run.id);
    return EXIT_OK;
}

static json_t *side_json(const resolved *r)
{
    char t[32];
    json_t *o = json_object();
    json_object_set_new(o, "source", json_string(r->label));
    json_object_set_new(o, "time", json_string(lw_time_format(r->run.time_ns, t, sizeof t)));
    json_object_set_new(o, "workload", json_string(r->run.workload));
    json_object_set_new(o, "precision", json_string(r->run.precision));
    json_object_set_new(o, "batch", json_integer(r->run.batch));
    json_object_set_new(o, "tokens_per_j", json_real(r->run.tokens_per_j));
    json_object_set_new(o, "valid", r->run.valid < 0 ? json_null() : json_boolean(r->run.valid));
    const lw_loop_result *x = &r->loop;
    json_t *mv = json_object();
    json_object_set_new(mv, "estimated", json_boolean(x->estimated));
    if (x->estimated) {
        json_object_set_new(mv, "configuration", json_string(x->config));
        json_object_set_new(mv, "measured_j_per_token", isfinite(x->measured) ? json_real(x->measured) : json_null());
        json_t *b = json_object();
        json_object_set_new(b, "low", json_real(x->low));
        json_object_set_new(b, "expected", json_real(x->expected));
        json_object_set_new(b, "high", json_real(x->high));
        json_object_set_new(mv, "estimated_j_per_token", b);
        json_object_set_new(mv, "difference_pct", isfinite(x->difference_pct) ? json_real(x->difference_pct) : json_null());
        json_object_set_new(mv, "inside_band", x->inside < 0 ? json_null() : json_boolean(x->inside));
    } else {
        json_object_set_new(mv, "reason", json_string(x->reason));
    }
    json_object_set_new(o, "measured_vs_estimated", mv);
    return o;
}

static void print_side(const char *name, const resolved *r)
{
    char t[32], d[320], tpj[32];
    cli_describe_run(&r->run, d, sizeof d);
    printf("%-9s %s: %s, %s, %s tokens/J%s\n", name, r->label, d, lw_time_format(r->run.time_ns, t, sizeof t),
           cli_plain(r->run.tokens_per_j, 4, tpj, sizeof tpj), r->run.valid == 0 ? " (INVALID measurement)" : "");
}

/* A measured J/token above its estimate's band: the run costs more energy than the estimate allows. */
static bool drifted(const resolved *r)
{
    return r->loop.estimated && r->loop.inside == 0 && r->loop.measured > r->loop.high;
}

static void print_drift(const resolved *r, bool current)
{
    const lw_loop_result *x = &r->loop;
    if (!x->estimated && !r->run.model[0]) /* an unlabelled run: nothing to say */
        return;
    if (!x->estimated) {
        printf("%-9s estimate: none (%s)\n", "", x->reason);
        return;
    }
    if (x->inside < 0)
        return;
    printf("%-9s measured %.4g J/token vs estimated %.4g (band %.4g .. %.4g) for %s: %+.1f%%, %s\n", "", x->measured, x->expected,
           x->low, x->high, x->config, x->difference_pct,
           x->inside ? "inside the band"
           : drifted(r) ? (current ? "above the band: DRIFT" : "above the band")
                        : "below the band (uses less energy than estimated)");
}

static int compare_runs(const char *base, const char *cur, const char *calibration, double thr, bool json, bool allow_invalid,
                        resolved *a, resolved *b)
{
    int rc = resolve("current", cur, lw_time_now_ns(), b);
    if (rc)
        return rc;
    if (base && (rc = resolve("baseline", base, b->run.time_ns ? b->run.time_ns : lw_time_now_ns(), a)))
        return rc;
    const resolved *sides[2] = {base ? a : NULL, b};
    for (int k = 0; k < 2; k++)
        if (sides[k] && sides[k]->run.valid == 0 && !allow_invalid) {
            cli_error(cmd, "--%s %s is an INVALID measurement (its verdict failed), so its tokens/J is not comparable; "
                           "measure again or pass --allow-invalid",
                      k ? "current" : "baseline", sides[k]->label);
            return EXIT_INPUT;
        }
    for (int k = 0; k < 2; k++)
        if (sides[k] && (!isfinite(sides[k]->run.tokens_per_j) || sides[k]->run.tokens_per_j <= 0)) {
            cli_error(cmd, "--%s %s has no tokens_per_j (measured without a token count: use 'measure --tokens N')",
                      k ? "current" : "baseline", sides[k]->label);
            return EXIT_INPUT;
        }
    lw_catalogue *cat;
    if ((rc = cli_catalogue(cmd, NULL, &cat)))
        return rc;
    cli_calibration cal;
    if ((rc = cli_calibration_open(cmd, calibration, &cal))) {
        lw_catalogue_free(cat);
        return rc;
    }
    lw_err err;
    for (int k = 0; k < 2 && rc == EXIT_OK; k++) {
        resolved *r = k ? b : a;
        lw_loop_result_init(&r->loop, LW_LOOP_RESULT_VERSION, NULL);
        r->loop.inside = -1;
        if (sides[k] && r->run.kind == LW_RUN_MEASUREMENT && lw_loop_check(cat, r->text, cal.text, &r->loop, &err) != LW_OK)
            rc = cli_fail(cmd, &err);
    }
    lw_catalogue_free(cat);
    if (rc) {
        cli_calibration_close(&cal);
        return rc;
    }
    double ratio = base ? b->run.tokens_per_j / a->run.tokens_per_j : NAN;
    bool regression = base && ratio < thr, drift = drifted(b);
    if (json) {
        json_t *o = json_object();
        if (base)
            json_object_set_new(o, "baseline", side_json(a));
        json_object_set_new(o, "current", side_json(b));
        if (base) {
            json_object_set_new(o, "ratio", json_real(ratio));
            json_object_set_new(o, "threshold", json_real(thr));
            json_object_set_new(o, "regression", json_boolean(regression));
        }
        json_object_set_new(o, "calibration", json_string(cal.text ? cal.name : "shipped"));
        json_object_set_new(o, "drift", json_boolean(drift));
        cli_calibration_close(&cal);
        rc = cli_print_json(o);
        return rc ? rc : regression || drift ? EXIT_FAIL : EXIT_OK;
    }
    if (base) {
        print_side("baseline", a);
        print_drift(a, false);
    }
    print_side("current", b);
    print_drift(b, true);
    if (base) {
        if (strcmp(a->run.workload, b->run.workload) != 0 || strcmp(a->run.precision, b->run.precision) != 0 ||
            a->run.batch != b->run.batch)
            printf("note: the runs differ in workload, precision or batch; add filters (precision=, batch=) to compare like with "
                   "like\n");
        printf("ratio current/baseline: %.4f (threshold %.3g): %s", ratio, thr, regression ? "REGRESSION" : "OK");
        if (regression)
            printf(", tokens/J dropped %.1f%% (seed 004 PowerEfficiencyRegression)", (1 - ratio) * 100);
        printf("\n");
    }
    if (drift)
        printf("drift: the current run uses %.1f%% more energy per token than its estimate's band allows (docs/loop.md)\n",
               100 * (b->loop.measured / b->loop.high - 1));
    if (cal.text)
        cli_calibration_print(stdout, &cal);
    cli_calibration_close(&cal);
    return regression || drift ? EXIT_FAIL : EXIT_OK;
}

int cmd_compare(int argc, char **argv)
{
    enum { O_HELP = 256, O_JSON, O_BASE, O_CUR, O_THR, O_ALLOW, O_CALIB };
    static const cli_opt opts[] = {{"help", false, O_HELP},  {"json", false, O_JSON},      {"baseline", true, O_BASE},
                                   {"current", true, O_CUR}, {"threshold", true, O_THR},   {"allow-invalid", false, O_ALLOW},
                                   {"calibration", true, O_CALIB}, {NULL, false, 0}};
    const char *base = NULL, *cur = NULL, *calibration = NULL, *v;
    double thr = 0.9;
    bool json = false, allow_invalid = false;
    int i = 1, id;
    while ((id = cli_getopt(cmd, argc, argv, opts, &i, &v)) > 0) {
        switch (id) {
        case O_HELP: fputs(usage_text, stdout); return EXIT_OK;
        case O_JSON: json = true; break;
        case O_BASE: base = v; break;
        case O_CUR: cur = v; break;
        case O_CALIB: calibration = v; break;
        case O_THR:
            /* a ratio threshold above 1 would call an unchanged run a regression, 0 none */
            if (!cli_number(cmd, "threshold", v, -1e300, 1e300, &thr))
                return EXIT_USAGE;
            if (!(thr > 0 && thr <= 1))
                return cli_usage(cmd, "--threshold must be in (0, 1] (0.9: a drop of more than 10%% is a regression), got '%s'", v);
            break;
        case O_ALLOW: allow_invalid = true; break;
        }
    }
    if (id < 0)
        return EXIT_USAGE;
    if (i < argc)
        return cli_usage(cmd, "unexpected argument '%s'", argv[i]);
    if (!cur)
        return cli_usage(cmd, "give both --baseline RUN and --current RUN, or --current RUN alone to check it against its estimate");
    resolved a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    int rc = compare_runs(base, cur, calibration, thr, json, allow_invalid, &a, &b);
    free(a.text);
    free(b.text);
    return rc;
}
