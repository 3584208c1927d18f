/* JSON API of `llmwatt ui`. Each endpoint runs the subcommand the CLI runs (cmd_estimate,
 * cmd_scale, ...) in-process, with an argv built from the query string ("batch=32" becomes
 * "--batch=32") and its output captured (cli_capture_set): the answer is byte for byte what
 * `llmwatt CMD --json` prints, its errors are the CLI's one-line messages, and options the CLI
 * gains reach the API through the same parser. Only the listed parameters pass (none names a
 * file to read or write), each value is bounded, and nothing is kept between requests. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "common.h"
#include "ui.h"

/* Query parameters of one estimate: the CLI's request options, method, attention, PUE and the
 * estimator's serving knobs (power limit, clocks, parallel plan, memory share). */
#define ESTIMATE_PARAMS                                                                                              \
    "model", "gpu", "gpus", "batch", "input", "output", "reasoning", "precision", "kv_precision", "method",           \
        "attention", "pue", "power_limit", "sm_clock", "tp", "pp", "gpu_memory_utilization"

static const char *const estimate_params[] = {ESTIMATE_PARAMS, NULL};
static const char *const sweep_params[] = {ESTIMATE_PARAMS, "vary", "values", NULL};
static const char *const scale_params[] = {"baseline_j_per_token", "from_model", "from_params", "from_family", "from_gpu",
                                           "from_gpus", "from_power_w", "to_model", "to_params", "family", "to_gpu",
                                           "to_gpus", "to_power_w", "k", "mu", "eta", "alpha", "multi_gpu", NULL};
static const char *const physics_params[] = {"gpu", "precision", "mfu", "flops_per_mac", NULL};
static const char *const cost_params[] = {"power_w", "tokens_per_s", "gpus", "gpu", "price_kwh", "overhead",
                                          "psu_efficiency", "idle_w", "utilization", "pue", "grid_g_per_kwh", "region",
                                          "wue", "api_price_per_m", "hardware_usd", "depreciation_years", NULL};
static const char *const no_params[] = {NULL};

/* What one in-process run of a subcommand printed. */
typedef struct run_result {
    int rc;
    char *out, *err;
    size_t out_len, err_len;
} run_result;

static void run_free(run_result *r)
{
    free(r->out);
    free(r->err);
}

/* Runs fn as `llmwatt cmd --json --KEY=VALUE...` for params (replacing the value of the
 * parameter named override_key by override_value when given). False when out of memory. */
static bool run(const lw_catalogue *cat, int (*fn)(int, char **), const char *cmd, const ui_param *params, size_t n,
                const char *override_key, const char *override_value, run_result *r)
{
    memset(r, 0, sizeof *r);
    char *argv[UI_MAX_PARAMS + 3];
    char bufs[UI_MAX_PARAMS][UI_MAX_VALUE + 64];
    int argc = 0;
    argv[argc++] = (char *)(uintptr_t)cmd;
    argv[argc++] = "--json";
    for (size_t i = 0; i < n; i++) {
        const char *v = override_key && strcmp(params[i].key, override_key) == 0 ? override_value : params[i].value;
        char *b = bufs[i];
        int len = snprintf(b, sizeof bufs[i], "--%s=%s", params[i].key, v);
        for (char *p = b + 2; *p && *p != '='; p++)
            if (*p == '_')
                *p = '-';
        if (len < 0 || (size_t)len >= sizeof bufs[i])
            return false; /* values are bounded before this: cannot happen */
        argv[argc++] = b;
    }
    argv[argc] = NULL;
    FILE *out = open_memstream(&r->out, &r->out_len), *err = open_memstream(&r->err, &r->err_len);
    if (!out || !err) {
        if (out)
            fclose(out);
        if (err)
            fclose(err);
        run_free(r);
        return false;
    }
    cli_capture cap = {out, err, cat};
    cli_capture_set(&cap);
    r->rc = fn(argc, argv);
    cli_capture_set(NULL);
    bool ok = fclose(out) == 0;
    ok = fclose(err) == 0 && ok;
    if (!ok)
        run_free(r);
    return ok;
}

static bool set_text(ui_answer *a, unsigned status, const char *type, const char *text)
{
    a->status = status;
    a->type = type;
    a->len = strlen(text);
    a->body = strdup(text);
    return a->body != NULL;
}

static bool set_error(ui_answer *a, unsigned status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool set_error(ui_answer *a, unsigned status, const char *fmt, ...)
{
    char msg[UI_MAX_VALUE + 256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg - 1, fmt, ap);
    va_end(ap);
    strcat(msg, "\n");
    return set_text(a, status, "text/plain; charset=utf-8", msg);
}

/* HTTP status for a subcommand's exit code: the caller's input for usage, not found, bad input
 * and infeasible configurations; the server's fault otherwise. */
static unsigned http_status(int rc)
{
    switch (rc) {
    case EXIT_OK: return 200;
    case EXIT_USAGE:
    case EXIT_NOT_FOUND:
    case EXIT_INPUT:
    case EXIT_INFEASIBLE: return 400;
    default: return 500;
    }
}

/* Hands a run's output (or its error line) over to the answer. */
static void answer_run(run_result *r, ui_answer *a)
{
    a->exit_code = r->rc;
    a->status = http_status(r->rc);
    if (r->rc == EXIT_OK) {
        a->type = "application/json";
        a->body = r->out;
        a->len = r->out_len;
        free(r->err);
    } else {
        a->type = "text/plain; charset=utf-8";
        a->body = r->err;
        a->len = r->err_len;
        free(r->out);
    }
}

static const ui_param *find_param(const ui_param *params, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(params[i].key, key) == 0)
            return &params[i];
    return NULL;
}

/* Appends the JSON string of s to f. */
static void put_json_string(FILE *f, const char *s)
{
    json_t *j = json_string(s);
    if (j)
        json_dumpf(j, f, JSON_ENCODE_ANY);
    else
        fputs("null", f); /* not valid UTF-8: cannot come from a run's own messages */
    json_decref(j);
}

/* GET /api/sweep: one estimate per value of the parameter named by vary (numbers as the CLI's
 * sweep takes them: "1,2,4", "1..256*2", "1000..8000+1000"; names as a comma list). */
static bool sweep(const lw_catalogue *cat, const ui_param *params, size_t n, ui_answer *a)
{
    static const char *const numeric[] = {"batch", "input", "output", "reasoning", "gpus", "power_limit", "sm_clock", NULL};
    static const char *const named[] = {"gpu", "precision", "kv_precision", "method", NULL};
    const ui_param *vary = find_param(params, n, "vary"), *values = find_param(params, n, "values");
    if (!vary || !values)
        return set_error(a, 400, "llmwatt ui: /api/sweep needs vary=NAME and values=LIST (e.g. vary=batch&values=1..256*2)");
    bool is_numeric = false, is_named = false;
    for (const char *const *k = numeric; *k; k++)
        is_numeric |= strcmp(*k, vary->value) == 0;
    for (const char *const *k = named; *k; k++)
        is_named |= strcmp(*k, vary->value) == 0;
    if (!is_numeric && !is_named)
        return set_error(a, 400, "llmwatt ui: vary expects one of batch, input, output, reasoning, gpus, power_limit, "
                                 "sm_clock, gpu, precision, kv_precision, method; got '%s'", vary->value);
    /* The estimate's parameters without vary and values, plus the varied one if it was absent. */
    ui_param est[UI_MAX_PARAMS];
    size_t ne = 0;
    for (size_t i = 0; i < n; i++)
        if (params[i].key != vary->key && params[i].key != values->key)
            est[ne++] = params[i];
    if (!find_param(est, ne, vary->value))
        est[ne++] = (ui_param){vary->value, ""};
    char list[UI_MAX_SWEEP][UI_MAX_VALUE + 1];
    size_t nv = 0;
    if (is_numeric) {
        double v[UI_MAX_SWEEP];
        lw_err err;
        if (lw_sweep_parse(values->value, v, UI_MAX_SWEEP, &nv, &err) != LW_OK)
            return set_error(a, 400, "llmwatt ui: values: %s", lw_err_message(&err));
        for (size_t k = 0; k < nv; k++)
            snprintf(list[k], sizeof list[k], "%.17g", v[k]);
    } else {
        for (const char *p = values->value; *p; nv++) {
            size_t len = strcspn(p, ",");
            if (nv == UI_MAX_SWEEP)
                return set_error(a, 400, "llmwatt ui: values: at most %d values in one sweep", UI_MAX_SWEEP);
            memcpy(list[nv], p, len);
            list[nv][len] = '\0';
            p += len + (p[len] == ',');
        }
        if (nv == 0)
            return set_error(a, 400, "llmwatt ui: values is empty (e.g. values=h100,a100,l40s)");
    }
    char *body = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&body, &len);
    if (!f)
        return false;
    fputs("{\n  \"vary\": ", f);
    put_json_string(f, vary->value);
    fputs(",\n  \"rows\": [", f);
    for (size_t k = 0; k < nv; k++) {
        run_result r;
        if (!run(cat, cmd_estimate, "estimate", est, ne, vary->value, list[k], &r)) {
            fclose(f);
            free(body);
            return false;
        }
        if (r.rc != EXIT_OK && r.rc != EXIT_INFEASIBLE) { /* a bad value: the whole request is */
            fclose(f);
            free(body);
            answer_run(&r, a);
            return true;
        }
        fputs(k ? ",\n    {\"value\": " : "\n    {\"value\": ", f);
        put_json_string(f, list[k]);
        fprintf(f, ", \"exit\": %d, ", r.rc);
        if (r.rc == EXIT_OK) {
            fputs("\"estimate\": ", f);
            fwrite(r.out, 1, r.out_len && r.out[r.out_len - 1] == '\n' ? r.out_len - 1 : r.out_len, f);
        } else {
            if (r.err_len && r.err[r.err_len - 1] == '\n')
                r.err[r.err_len - 1] = '\0';
            fputs("\"error\": ", f);
            put_json_string(f, r.err);
        }
        fputc('}', f);
        run_free(&r);
    }
    fputs("\n  ]\n}\n", f);
    if (fclose(f) != 0) {
        free(body);
        return false;
    }
    a->status = 200;
    a->type = "application/json";
    a->body = body;
    a->len = len;
    return true;
}

/* GET /api/regions: the grid intensities the page offers for carbon (data/regions.csv). */
static bool regions(ui_answer *a)
{
    lw_region *r;
    size_t n;
    lw_err err;
    if (lw_regions_load(&r, &n, &err) != LW_OK)
        return set_error(a, 500, "llmwatt ui: %s", lw_err_message(&err));
    json_t *arr = json_array();
    for (size_t i = 0; i < n && arr; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "id", json_string(r[i].id));
        json_object_set_new(o, "name", json_string(r[i].name));
        json_object_set_new(o, "g_co2e_per_kwh", json_real(r[i].g_co2e_per_kwh));
        json_object_set_new(o, "basis", json_string(r[i].basis));
        json_object_set_new(o, "year", json_integer(r[i].year));
        json_object_set_new(o, "source", json_string(r[i].source));
        json_array_append_new(arr, o);
    }
    free(r);
    char *text = arr ? json_dumps(arr, JSON_INDENT(2) | JSON_REAL_PRECISION(15) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(arr);
    if (!text)
        return false;
    a->status = 200;
    a->type = "application/json";
    a->body = text;
    a->len = strlen(text);
    return true;
}

typedef struct route {
    const char *path;
    int (*fn)(int, char **);
    const char *cmd;
    const char *const *params;
} route;

static const route routes[] = {
    {"/api/estimate", cmd_estimate, "estimate", estimate_params},
    {"/api/sweep", NULL, "sweep", sweep_params},
    {"/api/scale", cmd_scale, "scale", scale_params},
    {"/api/physics", cmd_physics, "physics", physics_params},
    {"/api/cost", cmd_cost, "cost", cost_params},
    {"/api/models", cmd_models, "models", no_params},
    {"/api/gpus", cmd_gpus, "gpus", no_params},
    {"/api/regions", NULL, "regions", no_params},
    {NULL, NULL, NULL, NULL},
};

bool ui_api(const lw_catalogue *cat, const char *path, const ui_param *params, size_t nparams, ui_answer *a)
{
    memset(a, 0, sizeof *a);
    const route *rt = routes;
    while (rt->path && strcmp(rt->path, path) != 0)
        rt++;
    if (!rt->path)
        return set_error(a, 404, "llmwatt ui: no API path '%.200s' (estimate, sweep, scale, physics, cost, models, gpus, "
                                 "regions under /api/; see docs/ui.md)", path);
    if (nparams > UI_MAX_PARAMS)
        return set_error(a, 400, "llmwatt ui: at most %d query parameters", UI_MAX_PARAMS);
    for (size_t i = 0; i < nparams; i++) {
        const char *const *k = rt->params;
        while (*k && strcmp(*k, params[i].key) != 0)
            k++;
        if (!*k)
            return set_error(a, 400, "llmwatt ui: %s does not take the parameter '%.100s' (see docs/ui.md)", path,
                             params[i].key);
        if (strlen(params[i].value) > UI_MAX_VALUE)
            return set_error(a, 400, "llmwatt ui: the value of '%s' is longer than %d bytes", params[i].key, UI_MAX_VALUE);
        for (size_t j = 0; j < i; j++)
            if (strcmp(params[j].key, params[i].key) == 0)
                return set_error(a, 400, "llmwatt ui: the parameter '%s' is given twice", params[i].key);
    }
    if (strcmp(rt->cmd, "sweep") == 0)
        return sweep(cat, params, nparams, a);
    if (strcmp(rt->cmd, "regions") == 0)
        return regions(a);
    run_result r;
    if (!run(cat, rt->fn, rt->cmd, params, nparams, NULL, NULL, &r))
        return false;
    answer_run(&r, a);
    return true;
}
