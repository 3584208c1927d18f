/* Measurement labels with a defined meaning, and the check of a measurement against the roofline
 * estimate of the configuration they describe (docs/loop.md). */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "measure/loop_internal.h"

/* ---- label values ---------------------------------------------------------------------------- */

/* The text of a label given as a string or a number; NULL otherwise. */
static const char *label_text(json_t *v, char *buf, size_t n)
{
    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_number(v)) {
        snprintf(buf, n, "%.17g", json_number_value(v));
        return buf;
    }
    return NULL;
}

/* Parses a defined label's value; false with `why` naming the key and what it expects. */
static bool label_value(const char *key, const char *v, lw_run_config *c, char *why, size_t n)
{
    double d;
    if (strcmp(key, "gpus") == 0 || strcmp(key, "batch") == 0) {
        double max = strcmp(key, "gpus") == 0 ? 4096 : 1e6;
        if (!lw_parse_number(v, &d) || d != floor(d) || d < 1 || d > max) {
            snprintf(why, n, "label %s=%s: expected a whole number from 1 to %g", key, v, max);
            return false;
        }
        if (key[0] == 'g') {
            c->gpus = (int)d;
        } else {
            c->batch = (int)d;
            c->batch_given = true;
        }
    } else if (strcmp(key, "input_tokens") == 0 || strcmp(key, "output_tokens") == 0 || strcmp(key, "reasoning_tokens") == 0) {
        if (!lw_parse_number(v, &d) || !isfinite(d) || d < 0 || d > 1e9) {
            snprintf(why, n, "label %s=%s: expected a mean token count per request, 0 to 1e9", key, v);
            return false;
        }
        *(key[0] == 'i' ? &c->input_tokens : key[0] == 'o' ? &c->output_tokens : &c->reasoning_tokens) = d;
        c->reasoning_given |= key[0] == 'r';
    } else if (strcmp(key, "precision") == 0) {
        if (lw_precision_parse(v, &c->precision, NULL) != LW_OK) {
            snprintf(why, n, "label precision=%s: not a precision (fp32, bf16, fp16, fp8, int8, int4, fp4, mxfp4)", v);
            return false;
        }
        c->precision_given = true;
    } else if (strcmp(key, "model") == 0 || strcmp(key, "gpu") == 0 || strcmp(key, "engine") == 0) {
        if (!v[0]) {
            snprintf(why, n, "label %s is empty", key);
            return false;
        }
        if (key[0] == 'm')
            lw_strlcpy(c->model, v, sizeof c->model);
        else if (key[0] == 'g')
            lw_strlcpy(c->gpu, v, sizeof c->gpu);
        else
            lw_strlcpy(c->engine, v, sizeof c->engine);
    }
    return true;
}

static void config_init(lw_run_config *c)
{
    memset(c, 0, sizeof *c);
    c->input_tokens = c->output_tokens = NAN;
    c->batch = 1;
}

bool lw_run_config_read(json_t *root, lw_run_config *c, char *why, size_t why_size)
{
    config_init(c);
    why[0] = '\0';
    json_t *labels = json_object_get(root, "labels"), *gpus = json_object_get(root, "gpus");
    const char *k;
    json_t *v;
    char buf[32];
    bool ok = true;
    json_object_foreach(labels, k, v) {
        const char *t = label_text(v, buf, sizeof buf);
        if (t && !label_value(k, t, c, why, why_size))
            ok = false;
    }
    if (!c->gpu[0] && json_array_size(gpus) > 0) {
        json_t *name = json_object_get(json_array_get(gpus, 0), "name");
        if (json_is_string(name))
            lw_strlcpy(c->gpu, json_string_value(name), sizeof c->gpu);
    }
    if (c->gpus == 0)
        c->gpus = json_array_size(gpus) > 0 ? (int)json_array_size(gpus) : 1;
    return ok;
}

bool lw_run_config_resolve(const lw_catalogue *cat, const lw_run_config *c, lw_model_arch *own, const lw_model_arch **m,
                           const lw_gpu **g, char *why, size_t why_size)
{
    lw_err e;
    if (!c->model[0]) {
        snprintf(why, why_size, "no model label (add --label model=NAME)");
        return false;
    }
    if (strncmp(c->model, "config:", 7) == 0) {
        if (lw_model_from_hf_config(c->model + 7, NULL, own, &e) != LW_OK) {
            snprintf(why, why_size, "model %.200s: %.200s", c->model, lw_err_message(&e));
            return false;
        }
        *m = own;
    } else if (lw_catalogue_find_model(cat, c->model, m, &e) != LW_OK) {
        snprintf(why, why_size, "model '%.200s' is not in the catalogue (see 'llmwatt models', or label model=config:PATH)",
                 c->model);
        return false;
    }
    if (!c->gpu[0]) {
        snprintf(why, why_size, "no GPU: add --label gpu=NAME (a replayed log carries no GPU name)");
        return false;
    }
    if (lw_catalogue_find_gpu(cat, c->gpu, g, &e) != LW_OK) {
        snprintf(why, why_size, "GPU '%.80s' is not in the catalogue (see 'llmwatt gpus')", c->gpu);
        return false;
    }
    if (!isfinite(c->input_tokens) || !isfinite(c->output_tokens) || !(c->output_tokens > 0)) {
        snprintf(why, why_size, "labels input_tokens and output_tokens (mean per request, output > 0) are needed");
        return false;
    }
    return true;
}

lw_workload lw_run_config_workload(const lw_run_config *c, const lw_model_arch *m, char *rule, size_t rule_size)
{
    lw_workload w = lw_workload_default();
    w.batch = c->batch;
    w.input_tokens = c->input_tokens;
    w.output_tokens = c->output_tokens;
    w.reasoning_tokens = c->reasoning_tokens;
    char buf[256];
    if (!rule) {
        rule = buf;
        rule_size = sizeof buf;
    }
    if (c->precision_given) {
        w.weight_precision = c->precision;
        snprintf(rule, rule_size, "given with --label precision");
    } else {
        bool config = strncmp(c->model, "config:", 7) == 0;
        w.weight_precision = lw_weight_precision_default(config ? NULL : c->model, config ? c->model + 7 : NULL, m, rule, rule_size);
    }
    return w;
}

lw_status lw_labels_check(const lw_catalogue *cat, const char *const *keys, const char *const *values, size_t n,
                          char *warnings, size_t warnings_size, lw_err *err)
{
    lw_run_config c;
    config_init(&c);
    char why[256];
    if (warnings && warnings_size)
        warnings[0] = '\0';
    for (size_t i = 0; i < n; i++)
        if (!label_value(keys[i], values[i], &c, why, sizeof why))
            return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "%s", why);
    size_t used = 0;
    const lw_model_arch *m;
    const lw_gpu *g;
    lw_err e;
    if (c.model[0] && strncmp(c.model, "config:", 7) == 0) {
        lw_model_arch own;
        if (lw_model_from_hf_config(c.model + 7, NULL, &own, &e) != LW_OK && warnings)
            used += (size_t)snprintf(warnings + used, used < warnings_size ? warnings_size - used : 0,
                                     "label model=%.200s: %.200s; no estimate will be shown\n", c.model, lw_err_message(&e));
    } else if (c.model[0] && lw_catalogue_find_model(cat, c.model, &m, &e) != LW_OK && warnings) {
        used += (size_t)snprintf(warnings + used, used < warnings_size ? warnings_size - used : 0,
                                 "label model=%.200s is not in the catalogue; no estimate will be shown "
                                 "(see 'llmwatt models', or model=config:PATH)\n",
                                 c.model);
    }
    if (c.gpu[0] && lw_catalogue_find_gpu(cat, c.gpu, &g, &e) != LW_OK && warnings && used < warnings_size)
        snprintf(warnings + used, warnings_size - used,
                 "label gpu=%.80s is not in the catalogue; no estimate will be shown (see 'llmwatt gpus')\n", c.gpu);
    return LW_OK;
}

/* ---- the check ------------------------------------------------------------------------------- */

static json_t *num(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static double json_num(json_t *v)
{
    return json_is_number(v) ? json_number_value(v) : NAN;
}

/* Checks the parsed measurement root; *est_out (may be NULL) receives the estimate object. */
static lw_status check_version(unsigned int version, lw_err *err)
{
    if (version == 0)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "lw_loop_result has version 0: start it from LW_LOOP_RESULT_INIT");
    if (version > LW_LOOP_RESULT_VERSION)
        return lw_fail(err, LW_ERR_VERSION, "lw_loop_result version %u is newer than this libllmwatt %s (knows %u): use the "
                       "library the program was built with", version, lw_version(), LW_LOOP_RESULT_VERSION);
    return LW_OK;
}

lw_status lw_loop_result_init(lw_loop_result *out, unsigned int version, lw_err *err)
{
    lw_status st = check_version(version, err);
    if (st != LW_OK)
        return st;
    memset(out, 0, sizeof *out);
    out->version = version;
    return LW_OK;
}

static lw_status check_root(const lw_catalogue *cat, json_t *root, const char *calibration_json, lw_loop_result *out,
                            json_t **est_out, lw_err *err)
{
    lw_status vs = check_version(out->version, err);
    if (vs != LW_OK)
        return vs;
    unsigned int version = out->version;
    memset(out, 0, sizeof *out);
    out->version = version;
    out->expected = out->low = out->high = out->difference_pct = NAN;
    out->measured = json_num(json_object_get(root, "j_per_token"));
    out->inside = -1;
    json_t *verdict = json_object_get(root, "verdict"), *valid = json_object_get(verdict, "valid");
    out->valid = json_is_boolean(valid) ? json_is_true(valid) : -1;
    if (est_out)
        *est_out = NULL;
    lw_run_config c;
    lw_model_arch own;
    const lw_model_arch *m;
    const lw_gpu *g;
    if (!lw_run_config_read(root, &c, out->reason, sizeof out->reason) ||
        !lw_run_config_resolve(cat, &c, &own, &m, &g, out->reason, sizeof out->reason))
        return LW_OK;
    char rule[256];
    lw_workload w = lw_run_config_workload(&c, m, rule, sizeof rule);
    lw_estimate_opts o = lw_estimate_opts_default(); /* what `llmwatt estimate` runs without options */
    o.gpus = c.gpus;
    o.explicit_reasoning = c.reasoning_given;
    o.calibration_json = calibration_json;
    lw_estimator *e;
    lw_estimate r = LW_ESTIMATE_INIT;
    lw_err e2;
    if (lw_estimator_new(cat, m, g, &o, &e, &e2) != LW_OK) {
        if (e2.status == LW_ERR_PARSE || e2.status == LW_ERR_NO_MEMORY) /* a broken calibration file is the caller's error */
            return lw_fail(err, e2.status, "%s", lw_err_message(&e2));
        snprintf(out->reason, sizeof out->reason, "%s", lw_err_message(&e2));
        return LW_OK;
    }
    if (lw_estimator_run(e, &w, &r, &e2) != LW_OK) {
        lw_estimator_free(e);
        snprintf(out->reason, sizeof out->reason, "%s", lw_err_message(&e2));
        return LW_OK;
    }
    out->estimated = true;
    out->expected = r.energy_per_output_token_j.expected;
    out->low = r.energy_per_output_token_j.low;
    out->high = r.energy_per_output_token_j.high;
    if (isfinite(out->measured) && out->expected > 0) {
        out->difference_pct = 100.0 * (out->measured - out->expected) / out->expected;
        out->inside = out->measured >= out->low && out->measured <= out->high;
    }
    snprintf(out->config, sizeof out->config, "%.100s on %d x %.40s, batch %d, %g in + %g out%s, %s", m->name, c.gpus, g->id,
             w.batch, w.input_tokens, w.output_tokens, w.reasoning_tokens > 0 ? " + reasoning" : "",
             lw_precision_name(w.weight_precision));
    lw_status st = LW_OK;
    if (est_out) { /* the keys of `llmwatt estimate --json`: the same renderer */
        lw_estimate_json_opts jo = LW_ESTIMATE_JSON_OPTS_INIT;
        jo.precision_rule = rule;
        char *text = lw_estimate_to_json(e, &w, &r, &jo, &e2);
        if (!text || !(*est_out = json_loads(text, 0, NULL)))
            st = lw_fail(err, LW_ERR_NO_MEMORY, "out of memory rendering the estimate");
        lw_free(text);
    }
    lw_estimator_free(e);
    return st;
}

static lw_status load_measurement(const char *text, json_t **root, lw_err *err)
{
    json_error_t je;
    *root = json_loads(text, 0, &je);
    if (!*root)
        return lw_fail(err, LW_ERR_PARSE, "measurement JSON: invalid at line %d: %s", je.line, je.text);
    json_t *schema = json_object_get(*root, "schema");
    if (!json_is_string(schema) || strncmp(json_string_value(schema), "llmwatt.measurement/", 20) != 0) {
        json_decref(*root);
        *root = NULL;
        return lw_fail(err, LW_ERR_PARSE, "not a measurement JSON (its \"schema\" is not llmwatt.measurement/1)");
    }
    return LW_OK;
}

lw_status lw_loop_check(const lw_catalogue *cat, const char *measurement_json, const char *calibration_json,
                        lw_loop_result *out, lw_err *err)
{
    json_t *root;
    lw_status st = load_measurement(measurement_json, &root, err);
    if (st != LW_OK)
        return st;
    st = check_root(cat, root, calibration_json, out, NULL, err);
    json_decref(root);
    return st;
}

lw_status lw_loop_annotate(const lw_catalogue *cat, const char *measurement_json, const char *calibration_json,
                           const char *calibration_name, char **out_json, lw_loop_result *out, lw_err *err)
{
    *out_json = NULL;
    json_t *root, *est;
    lw_status st = load_measurement(measurement_json, &root, err);
    if (st != LW_OK)
        return st;
    if ((st = check_root(cat, root, calibration_json, out, &est, err)) != LW_OK) {
        json_decref(root);
        return st;
    }
    json_t *mv = json_object();
    json_object_set_new(mv, "estimated", json_boolean(out->estimated));
    if (out->estimated) {
        json_object_set_new(root, "estimate", est);
        json_object_set_new(mv, "configuration", json_string(out->config));
        json_object_set_new(mv, "calibration", json_string(calibration_name ? calibration_name : "shipped"));
        json_object_set_new(mv, "measured_j_per_token", num(out->measured));
        json_t *b = json_object();
        json_object_set_new(b, "low", json_real(out->low));
        json_object_set_new(b, "expected", json_real(out->expected));
        json_object_set_new(b, "high", json_real(out->high));
        json_object_set_new(mv, "estimated_j_per_token", b);
        json_object_set_new(mv, "difference_j_per_token", num(out->measured - out->expected));
        json_object_set_new(mv, "difference_pct", num(out->difference_pct));
        json_object_set_new(mv, "inside_band", out->inside < 0 ? json_null() : json_boolean(out->inside));
    } else {
        json_object_set_new(mv, "reason", json_string(out->reason));
    }
    json_object_set_new(root, "measured_vs_estimated", mv);
    char *s = json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(15) | JSON_PRESERVE_ORDER);
    json_decref(root);
    size_t n = s ? strlen(s) : 0;
    char *t = s ? realloc(s, n + 2) : NULL;
    if (!t) {
        free(s);
        return lw_fail(err, LW_ERR_NO_MEMORY, "out of memory writing the measurement JSON");
    }
    memcpy(t + n, "\n", 2); /* a line, like lw_measure_json */
    *out_json = t;
    return LW_OK;
}
