#include "common.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static _Thread_local const cli_capture *capture;

void cli_capture_set(const cli_capture *cap)
{
    capture = cap;
}

FILE *cli_stdout(void)
{
    return capture ? capture->out : stdout;
}

int cli_exit_code(lw_status st)
{
    switch (st) {
    case LW_OK: return EXIT_OK;
    case LW_ERR_INVALID_ARGUMENT: return EXIT_USAGE;
    case LW_ERR_NOT_FOUND: return EXIT_NOT_FOUND;
    case LW_ERR_PARSE:
    case LW_ERR_IO:
    case LW_ERR_VERSION:
    case LW_ERR_DATABASE: return EXIT_INPUT;
    case LW_ERR_UNSUPPORTED:
    case LW_ERR_INFEASIBLE: return EXIT_INFEASIBLE;
    case LW_ERR_NO_DEVICE: return EXIT_NO_DEVICE;
    case LW_ERR_CHILD:
    case LW_ERR_INTERRUPTED: return EXIT_FAIL;
    case LW_ERR_NO_MEMORY: return EXIT_INTERNAL;
    }
    return EXIT_INTERNAL;
}

void cli_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    FILE *f = capture ? capture->err : stderr;
    fprintf(f, "llmwatt%s%s: ", cmd && *cmd ? " " : "", cmd ? cmd : "");
    vfprintf(f, fmt, ap);
    fputc('\n', f);
    va_end(ap);
}

int cli_fail(const char *cmd, const lw_err *err)
{
    cli_error(cmd, "%s", lw_err_message(err)[0] ? lw_err_message(err) : lw_strerror(err->status));
    return cli_exit_code(err->status);
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cli_error(cmd, "%s (see 'llmwatt %s --help')", msg, cmd);
    return EXIT_USAGE;
}

int cli_getopt(const char *cmd, int argc, char **argv, const cli_opt *opts, int *optind, const char **value)
{
    *value = NULL;
    if (*optind >= argc)
        return 0;
    const char *a = argv[*optind];
    if (strcmp(a, "--") == 0) {
        (*optind)++;
        return 0;
    }
    if (strcmp(a, "-h") == 0)
        a = "--help";
    if (strncmp(a, "--", 2) != 0) {
        if (a[0] == '-' && a[1] != '\0') {
            cli_usage(cmd, "unknown option '%s'", a);
            return -1;
        }
        return 0;
    }
    const char *name = a + 2;
    const char *eq = strchr(name, '=');
    size_t nl = eq ? (size_t)(eq - name) : strlen(name);
    for (const cli_opt *o = opts; o->name; o++) {
        if (strlen(o->name) != nl || strncmp(o->name, name, nl) != 0)
            continue;
        (*optind)++;
        if (!o->has_arg) {
            if (eq) {
                cli_usage(cmd, "option '--%s' takes no value", o->name);
                return -1;
            }
            return o->id;
        }
        if (eq) {
            *value = eq + 1;
        } else {
            if (*optind >= argc) {
                cli_usage(cmd, "option '--%s' needs a value", o->name);
                return -1;
            }
            *value = argv[(*optind)++];
        }
        return o->id;
    }
    cli_usage(cmd, "unknown option '--%.*s'", (int)nl, name);
    return -1;
}

int cli_getopt_args(const char *cmd, int argc, char **argv, const cli_opt *opts, int *optind, const char **value)
{
    int id = cli_getopt(cmd, argc, argv, opts, optind, value);
    if (id != 0 || *optind >= argc)
        return id;
    *value = argv[(*optind)++];
    return CLI_ARG;
}

/* strtod for decimal numbers only: hexadecimal ("0x10"), "inf" and "nan" are not numbers here
 * (end == s). */
static double decimal_strtod(const char *s, char **end)
{
    double v = strtod(s, end);
    if (strcspn(s, "xXiInN") < (size_t)(*end - s)) {
        *end = (char *)(uintptr_t)s;
        return NAN;
    }
    return v;
}

bool cli_number(const char *cmd, const char *opt, const char *val, double min, double max, double *out)
{
    char *end;
    double v = val ? decimal_strtod(val, &end) : NAN;
    if (!val || end == val || *end != '\0' || !isfinite(v)) {
        cli_usage(cmd, "--%s expects a number, got '%s'", opt, val ? val : "");
        return false;
    }
    if (v < min || v > max) {
        cli_usage(cmd, "--%s must be between %g and %g, got '%s'", opt, min, max, val);
        return false;
    }
    *out = v;
    return true;
}

bool cli_int(const char *cmd, const char *opt, const char *val, long min, long max, int *out)
{
    char *end;
    long v = val ? strtol(val, &end, 10) : 0;
    if (!val || end == val || *end != '\0') {
        cli_usage(cmd, "--%s expects a whole number, got '%s'", opt, val ? val : "");
        return false;
    }
    if (v < min || v > max) {
        cli_usage(cmd, "--%s must be between %ld and %ld, got '%s'", opt, min, max, val);
        return false;
    }
    *out = (int)v;
    return true;
}

bool cli_tokens(const char *cmd, const char *opt, const char *val, double *out)
{
    char *end;
    double v = val ? decimal_strtod(val, &end) : NAN;
    if (!val || end == val || *end != '\0' || !isfinite(v) || v < 0 || v > 1e12) {
        cli_usage(cmd, "--%s expects a whole number of tokens >= 0, got '%s'", opt, val ? val : "");
        return false;
    }
    /* one request has whole tokens; a mean over many requests comes from a points file */
    if (v != floor(v)) {
        cli_usage(cmd, "--%s expects a whole number of tokens (one request), got '%s': give mean token counts over "
                       "many requests in a points file", opt, val);
        return false;
    }
    *out = v;
    return true;
}

bool cli_duration(const char *cmd, const char *opt, const char *val, double *seconds)
{
    char *end;
    double v = val ? decimal_strtod(val, &end) : NAN;
    double mult = 1.0;
    if (val && end != val) {
        if (strcmp(end, "ms") == 0)
            mult = 1e-3;
        else if (strcmp(end, "s") == 0 || *end == '\0')
            mult = 1.0;
        else if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0)
            mult = 60.0;
        else if (strcmp(end, "h") == 0)
            mult = 3600.0;
        else
            mult = NAN;
    }
    if (!val || end == val || !isfinite(v) || isnan(mult) || v < 0) {
        cli_usage(cmd, "--%s expects a duration such as 100ms, 10s or 5m, got '%s'", opt, val ? val : "");
        return false;
    }
    if (v * mult > 1e9) { /* durations stay inside the time window (docs/limits.md) */
        cli_usage(cmd, "--%s must be at most 1e9 s (about 31 years), got '%s'", opt, val);
        return false;
    }
    *seconds = v * mult;
    return true;
}

bool cli_triple(const char *cmd, const char *opt, const char *val, double min, double max, double out[3])
{
    double t[3];
    const char *p = val ? val : "";
    for (int i = 0; i < 3; i++) {
        char *end;
        t[i] = decimal_strtod(p, &end);
        if (end == p || !isfinite(t[i]) || (i < 2 && *end != ',') || (i == 2 && *end != '\0')) {
            cli_usage(cmd, "--%s expects LOW,EXPECTED,HIGH (three numbers), got '%s'", opt, val ? val : "");
            return false;
        }
        p = end + 1;
    }
    if (t[0] > t[1] || t[1] > t[2]) {
        cli_usage(cmd, "--%s needs LOW <= EXPECTED <= HIGH, got '%s'", opt, val);
        return false;
    }
    for (int i = 0; i < 3; i++)
        if (!(t[i] > min && t[i] < max)) {
            cli_usage(cmd, "--%s values must be within (%g, %g), got '%s'", opt, min, max, val);
            return false;
        }
    memcpy(out, t, sizeof t);
    return true;
}

bool cli_precision(const char *cmd, const char *opt, const char *val, lw_precision *out)
{
    lw_err err;
    if (lw_precision_parse(val, out, &err) != LW_OK) {
        cli_usage(cmd, "--%s: %s", opt, lw_err_message(&err));
        return false;
    }
    return true;
}

int cli_catalogue(const char *cmd, const char *user_file, lw_catalogue **out)
{
    lw_err err;
    lw_catalogue *cat;
    bool shared = capture && capture->catalogue; /* already holds $LLMWATT_CATALOGUE's files */
    if ((shared ? lw_catalogue_copy(capture->catalogue, &cat, &err) : lw_catalogue_open(&cat, &err)) != LW_OK)
        return cli_fail(cmd, &err);
    const char *env = shared ? NULL : getenv(LW_CATALOGUE_ENV);
    if (env && *env) {
        char *copy = strdup(env), *save = NULL;
        for (char *f = copy ? strtok_r(copy, ":", &save) : NULL; f; f = strtok_r(NULL, ":", &save))
            if (lw_catalogue_add_file(cat, f, &err) != LW_OK) {
                cli_error(cmd, "%s (from $%s)", lw_err_message(&err), LW_CATALOGUE_ENV);
                free(copy);
                lw_catalogue_free(cat);
                return cli_exit_code(err.status);
            }
        free(copy);
    }
    if (user_file && lw_catalogue_add_file(cat, user_file, &err) != LW_OK) {
        lw_catalogue_free(cat);
        cli_error(cmd, "--catalogue: %s", lw_err_message(&err));
        return cli_exit_code(err.status);
    }
    *out = cat;
    return EXIT_OK;
}

int cli_model(const char *cmd, lw_catalogue *cat, const char *name, const char *config_path, const lw_model_arch **out)
{
    lw_err err;
    if (name && config_path)
        return cli_usage(cmd, "give either --model or --model-config, not both");
    if (config_path) {
        lw_model_arch m;
        if (lw_model_from_hf_config(config_path, NULL, &m, &err) != LW_OK) {
            cli_error(cmd, "--model-config: %s", lw_err_message(&err));
            return cli_exit_code(err.status);
        }
        if (lw_catalogue_add_model(cat, &m, &err) != LW_OK || lw_catalogue_find_model(cat, m.name, out, &err) != LW_OK)
            return cli_fail(cmd, &err);
        return EXIT_OK;
    }
    if (!name)
        return cli_usage(cmd, "missing --model NAME (or --model-config config.json)");
    if (lw_catalogue_find_model(cat, name, out, &err) != LW_OK)
        return cli_fail(cmd, &err);
    return EXIT_OK;
}

int cli_gpu(const char *cmd, const lw_catalogue *cat, const char *name, const lw_gpu **out)
{
    lw_err err;
    if (!name)
        return cli_usage(cmd, "missing --gpu NAME (see 'llmwatt gpus')");
    if (lw_catalogue_find_gpu(cat, name, out, &err) != LW_OK)
        return cli_fail(cmd, &err);
    return EXIT_OK;
}

cli_request cli_request_default(void)
{
    cli_request r;
    memset(&r, 0, sizeof r);
    r.gpus = 1;
    r.w = lw_workload_default();
    return r;
}

int cli_request_opt(const char *cmd, int id, const char *v, cli_request *r)
{
    bool ok = true;
    switch (id) {
    case CLI_O_CAT: r->catfile = v; break;
    case CLI_O_MODEL: r->model = v; break;
    case CLI_O_CONFIG: r->config = v; break;
    case CLI_O_GPU: r->gpu = v; break;
    case CLI_O_GPUS: ok = cli_int(cmd, "gpus", v, 1, 4096, &r->gpus); break;
    case CLI_O_IN: ok = cli_tokens(cmd, "input", v, &r->w.input_tokens); r->have_in = true; break;
    case CLI_O_OUT: ok = cli_tokens(cmd, "output", v, &r->w.output_tokens); r->have_out = true; break;
    case CLI_O_REASON: ok = cli_tokens(cmd, "reasoning", v, &r->w.reasoning_tokens); break;
    case CLI_O_BATCH: ok = cli_int(cmd, "batch", v, 1, 1000000, &r->w.batch); break;
    case CLI_O_PREC: ok = cli_precision(cmd, "precision", v, &r->w.weight_precision); r->have_prec = true; break;
    case CLI_O_KVPREC: ok = cli_precision(cmd, "kv-precision", v, &r->w.kv_precision); break;
    default: return 0;
    }
    return ok ? 1 : -1;
}

int cli_catalogue_command(const char *cmd, int argc, char **argv, const char *usage_text, bool *json, lw_catalogue **cat)
{
    enum { O_HELP = 256, O_JSON, O_CAT };
    static const cli_opt opts[] = {{"help", false, O_HELP}, {"json", false, O_JSON}, {"catalogue", true, O_CAT}, {NULL, false, 0}};
    const char *catfile = NULL, *v;
    int i = 1, id;
    *cat = NULL;
    *json = false;
    while ((id = cli_getopt(cmd, argc, argv, opts, &i, &v)) > 0) {
        if (id == O_HELP) {
            fputs(usage_text, stdout);
            return EXIT_OK;
        }
        if (id == O_JSON)
            *json = true;
        if (id == O_CAT)
            catfile = v;
    }
    if (id < 0)
        return EXIT_USAGE;
    if (i < argc)
        return cli_usage(cmd, "unexpected argument '%s'", argv[i]);
    return cli_catalogue(cmd, catfile, cat);
}

int cli_open_model_gpu(const char *cmd, const char *catfile, const char *model, const char *config, const char *gpu_name,
                       lw_catalogue **cat, const lw_model_arch **m, const lw_gpu **g)
{
    int rc = cli_catalogue(cmd, catfile, cat);
    if (rc)
        return rc;
    *g = NULL;
    if ((rc = cli_model(cmd, *cat, model, config, m)) || (gpu_name && (rc = cli_gpu(cmd, *cat, gpu_name, g)))) {
        lw_catalogue_free(*cat);
        *cat = NULL;
    }
    return rc;
}

int cli_request_open(const char *cmd, cli_request *r, lw_catalogue **cat, const lw_model_arch **m, const lw_gpu **g)
{
    int rc = cli_open_model_gpu(cmd, r->catfile, r->model, r->config, r->gpu, cat, m, g);
    if (rc == EXIT_OK && !r->have_prec)
        r->w.weight_precision = (*m)->native_precision;
    return rc;
}

int cli_record(const char *cmd, const char *db_path, const char *json_text, bool is_measurement)
{
    lw_err err;
    lw_history *h;
    long long id;
    if (lw_history_open(db_path, LW_HISTORY_WRITE, &h, &err) != LW_OK) {
        cli_error(cmd, "--record %s: %s", db_path, lw_err_message(&err));
        return cli_exit_code(err.status);
    }
    lw_status st = is_measurement ? lw_history_add_measurement(h, json_text, &id, &err)
                                  : lw_history_add_estimate(h, json_text, &id, &err);
    lw_history_close(h);
    if (st != LW_OK) {
        cli_error(cmd, "--record %s: %s", db_path, lw_err_message(&err));
        return cli_exit_code(st);
    }
    return EXIT_OK;
}

json_t *cli_json_number(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

int cli_print_json(json_t *v)
{
    if (!v) {
        cli_error(NULL, "out of memory building JSON output");
        return EXIT_INTERNAL;
    }
    FILE *f = cli_stdout();
    int rc = json_dumpf(v, f, JSON_INDENT(2) | JSON_REAL_PRECISION(15) | JSON_PRESERVE_ORDER);
    fputc('\n', f);
    json_decref(v);
    return rc == 0 ? EXIT_OK : EXIT_INTERNAL;
}

const char *cli_si(double v, const char *unit, char *buf, size_t n)
{
    static const struct {
        double f;
        const char *p;
    } pre[] = {{1e18, "E"}, {1e15, "P"}, {1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "k"}, {1, ""}, {1e-3, "m"}, {1e-6, "u"}};
    double a = fabs(v);
    if (a == 0 || !isfinite(v)) {
        snprintf(buf, n, "%g %s", v, unit);
        return buf;
    }
    for (size_t i = 0; i < sizeof pre / sizeof pre[0]; i++)
        if (a >= pre[i].f * 0.9995) {
            snprintf(buf, n, "%.3g %s%s", v / pre[i].f, pre[i].p, unit);
            return buf;
        }
    snprintf(buf, n, "%.3g %s", v, unit);
    return buf;
}

bool cli_is_sqlite(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    char head[16] = {0};
    size_t n = fread(head, 1, sizeof head, f);
    fclose(f);
    return n == 16 && memcmp(head, "SQLite format 3", 16) == 0;
}

const char *cli_plain(double v, int sig, char *buf, size_t n)
{
    if (!isfinite(v)) {
        snprintf(buf, n, "-");
        return buf;
    }
    double a = fabs(v);
    int mag = a > 0 ? (int)floor(log10(a)) : 0;
    /* printing rounds: 9.99995 at 5 digits is 10.000, one more integer digit */
    if (a > 0 && floor(log10(a * (1 + 0.5 * pow(10, 1 - sig)))) > mag)
        mag++;
    int dec = sig - 1 - mag;
    snprintf(buf, n, "%.*f", dec < 0 ? 0 : dec > 15 ? 15 : dec, v);
    if (strchr(buf, '.')) { /* 0.04800 -> 0.048, 250.0 -> 250 */
        size_t k = strlen(buf);
        while (buf[k - 1] == '0')
            buf[--k] = '\0';
        if (buf[k - 1] == '.')
            buf[k - 1] = '\0';
    }
    return buf;
}

/* What the run was: its labels, or for an unlabelled run what the record still says (GPUs,
 * tokens, duration), never a row of dashes. */
void cli_describe_run(const lw_run *r, char *buf, size_t n)
{
    size_t k = 0;
    const char *parts[3] = {r->workload, r->model, r->precision};
    for (int i = 0; i < 3; i++)
        if (parts[i][0] && k < n)
            k += (size_t)snprintf(buf + k, n - k, "%s%s", k ? " " : "", parts[i]);
    if (r->batch > 0 && k < n)
        k += (size_t)snprintf(buf + k, n - k, "%sbatch %d", k ? " " : "", r->batch);
    if (k == 0 && k < n)
        k += (size_t)snprintf(buf + k, n - k, "unlabelled %s", r->kind == LW_RUN_ESTIMATE ? "estimate" : "measurement");
    if (r->gpus > 0 && k < n)
        k += (size_t)snprintf(buf + k, n - k, " on %d x %s", r->gpus, r->gpu[0] ? r->gpu : "GPU");
    if (isfinite(r->tokens) && isfinite(r->duration_s) && k < n) {
        char a[32], b[32];
        snprintf(buf + k, n - k, ", %s tokens in %s s", cli_plain(r->tokens, 6, a, sizeof a), cli_plain(r->duration_s, 4, b, sizeof b));
    }
}

int cli_pue(const char *cmd, const lw_catalogue *cat, const char *val, double *out)
{
    char *end;
    double v = strtod(val, &end);
    if (end != val && *end == '\0') {
        if (!(v >= 1.0 && v <= 10.0))
            return cli_usage(cmd, "--pue must be between 1 and 10, got '%s'", val);
        *out = v;
        return EXIT_OK;
    }
    char key[96];
    snprintf(key, sizeof key, "cost.pue.%s", val);
    for (char *p = key; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    const lw_constant *c;
    if (lw_catalogue_find_constant(cat, key, &c, NULL) != LW_OK) {
        cli_error(cmd, "--pue: unknown name '%s' (give a number from 1 to 10, or a name from 'llmwatt sources cost.pue')", val);
        return EXIT_NOT_FOUND;
    }
    *out = c->value;
    return EXIT_OK;
}
