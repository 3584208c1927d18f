/* The estimate JSON (`llmwatt estimate --json`, docs/cli.md): one renderer in the library so
 * that the CLI, the Python package and the web UI print the same bytes for the same estimate. */
#include "estimate/estimate_internal.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

lw_status lw_estimate_json_opts_init(lw_estimate_json_opts *opts, unsigned int version, lw_err *err)
{
    if (version == 0 || version > LW_ESTIMATE_JSON_OPTS_VERSION)
        return lw_fail(err, version ? LW_ERR_VERSION : LW_ERR_INVALID_ARGUMENT,
                       "lw_estimate_json_opts version %u is not known to libllmwatt %s (knows 1..%u)", version,
                       lw_version(), LW_ESTIMATE_JSON_OPTS_VERSION);
    memset(opts, 0, sizeof *opts);
    opts->version = version;
    return LW_OK;
}

static json_t *number(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *band_json(const lw_band *b)
{
    json_t *o = json_object();
    json_object_set_new(o, "low", number(b->low));
    json_object_set_new(o, "expected", number(b->expected));
    json_object_set_new(o, "high", number(b->high));
    return o;
}

static json_t *phase_json(const lw_phase_estimate *p, int batch)
{
    json_t *o = json_object();
    json_object_set_new(o, "energy_j", json_real(p->energy_j));
    json_object_set_new(o, "energy_per_request_j", json_real(p->energy_j / batch));
    json_object_set_new(o, "time_s", json_real(p->time_s));
    json_object_set_new(o, "avg_power_w", json_real(p->avg_power_w));
    json_object_set_new(o, "flops", json_real(p->flops));
    json_object_set_new(o, "bytes", json_real(p->bytes));
    json_object_set_new(o, "bound", json_string(lw_bound_name(p->bound)));
    json_object_set_new(o, "compute_time_s", json_real(p->compute_time_s));
    json_object_set_new(o, "memory_time_s", json_real(p->memory_time_s));
    json_object_set_new(o, "communication_time_s", json_real(p->communication_time_s));
    return o;
}

static json_t *memory_json(const lw_memory_plan *p)
{
    json_t *o = json_object();
    json_object_set_new(o, "usable_bytes", json_real(p->usable_bytes));
    json_object_set_new(o, "weight_bytes", json_real(p->weight_bytes));
    json_object_set_new(o, "kv_budget_bytes", json_real(p->kv_budget_bytes));
    json_object_set_new(o, "kv_request_avg_bytes", json_real(p->kv_request_avg_bytes));
    json_object_set_new(o, "kv_request_peak_bytes", json_real(p->kv_request_peak_bytes));
    json_object_set_new(o, "max_concurrency", number(p->max_concurrency));
    return o;
}

static json_t *parallel_json(const lw_estimator *e, const lw_estimate *r)
{
    json_t *o = json_object();
    json_object_set_new(o, "tensor_parallel", json_integer(r->tensor_parallel));
    json_object_set_new(o, "pipeline_parallel", json_integer(r->pipeline_parallel));
    json_object_set_new(o, "node_gpus", json_integer(e->gpu.node_gpus));
    json_object_set_new(o, "micro_batches", json_integer(r->micro_batches));
    json_object_set_new(o, "pipeline_bubble", json_real(r->pipeline_bubble));
    json_object_set_new(o, "how", json_string(e->plan_note));
    return o;
}

static json_t *coeffs_json(const lw_estimator *e)
{
    json_t *c = json_object();
    json_object_set_new(c, "family", json_string(e->co.family));
    json_object_set_new(c, "calibrated", json_boolean(e->calibrated));
    json_object_set_new(c, "rows", json_integer(e->co.rows));
    json_object_set_new(c, "eta_compute", json_real(e->co.eta_compute));
    json_object_set_new(c, "eta_memory", json_real(e->co.eta_memory));
    json_object_set_new(c, "step_overhead_s", json_real(e->co.step_overhead_s));
    json_object_set_new(c, "seq_layer_overhead_s", json_real(e->co.seq_layer_overhead_s));
    json_object_set_new(c, "idle_fraction", json_real(e->co.idle_fraction));
    json_object_set_new(c, "power_k_compute", json_real(e->co.power_k_compute));
    json_object_set_new(c, "power_k_memory", json_real(e->co.power_k_memory));
    json_object_set_new(c, "sigma_log", json_real(e->co.sigma_log));
    json_object_set_new(c, "moe_efficiency", json_real(e->moe_efficiency));
    return c;
}

/* Labels "key=value" (validated here: the key is what precedes the first '='). */
static lw_status labels_json(const lw_estimate_json_opts *x, json_t **out, lw_err *err)
{
    json_t *lo = json_object();
    for (size_t k = 0; k < x->nlabels; k++) {
        const char *l = x->labels[k];
        const char *eq = l ? strchr(l, '=') : NULL;
        if (!eq || eq == l) {
            json_decref(lo);
            return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "label '%s' is not KEY=VALUE (e.g. workload=chat)", l ? l : "(null)");
        }
        char *key = strndup(l, (size_t)(eq - l));
        if (!key) {
            json_decref(lo);
            return lw_fail(err, LW_ERR_NO_MEMORY, "out of memory rendering labels");
        }
        json_object_set_new(lo, key, json_string(eq + 1));
        free(key);
    }
    *out = lo;
    return LW_OK;
}

char *lw_estimate_to_json(const lw_estimator *e, const lw_workload *w, const lw_estimate *r,
                          const lw_estimate_json_opts *x, lw_err *err)
{
    lw_estimate_json_opts none;
    if (!x) {
        memset(&none, 0, sizeof none);
        none.version = LW_ESTIMATE_JSON_OPTS_VERSION;
        x = &none;
    }
    if (x->version == 0 || x->version > LW_ESTIMATE_JSON_OPTS_VERSION) {
        lw_fail(err, x->version ? LW_ERR_VERSION : LW_ERR_INVALID_ARGUMENT,
                "lw_estimate_json_opts version %u is not known to libllmwatt %s: start it from LW_ESTIMATE_JSON_OPTS_INIT",
                x->version, lw_version());
        return NULL;
    }
    if (r->version == 0 || r->version > LW_ESTIMATE_VERSION) {
        lw_fail(err, LW_ERR_INVALID_ARGUMENT, "lw_estimate has version %u: start it from LW_ESTIMATE_INIT", r->version);
        return NULL;
    }
    if (x->indent < 0 || x->indent > 31) {
        lw_fail(err, LW_ERR_INVALID_ARGUMENT, "JSON indent must be 0..31 (got %d)", x->indent);
        return NULL;
    }
    json_t *labels = NULL;
    if (x->nlabels && labels_json(x, &labels, err) != LW_OK)
        return NULL;
    const int B = w->batch;
    const lw_method method = e->method;
    json_t *o = json_object();
    json_object_set_new(o, "method", json_string(lw_method_name(method)));
    json_object_set_new(o, "model", json_string(e->model.name));
    json_object_set_new(o, "gpu", json_string(e->gpu.id));
    json_object_set_new(o, "gpus", json_integer(e->gpus));
    json_object_set_new(o, "batch", json_integer(B));
    json_object_set_new(o, "effective_batch", json_integer(r->effective_batch));
    json_object_set_new(o, "parallel", parallel_json(e, r));
    if (labels)
        json_object_set_new(o, "labels", labels);
    json_object_set_new(o, "input_tokens", json_real(w->input_tokens));
    json_object_set_new(o, "output_tokens", json_real(w->output_tokens));
    json_object_set_new(o, "reasoning_tokens", json_real(r->reasoning_tokens));
    json_object_set_new(o, "weight_precision", json_string(lw_precision_name(w->weight_precision)));
    if (x->precision_rule)
        json_object_set_new(o, "precision_rule", json_string(x->precision_rule));
    json_object_set_new(o, "kv_precision", json_string(lw_precision_name(w->kv_precision)));
    json_object_set_new(o, "compute_precision", json_string(lw_precision_name(r->compute_precision)));
    if (method == LW_METHOD_PROFILE)
        json_object_set_new(o, "attention",
                            json_string(e->opts.attention == LW_ATTENTION_QUADRATIC ? "quadratic" : "linear"));
    json_object_set_new(o, "prefill_j", json_real(r->prefill.energy_j / B));
    json_object_set_new(o, "decode_j", json_real(r->decode.energy_j / B));
    json_object_set_new(o, "energy_per_request_j", band_json(&r->energy_per_request_j));
    json_object_set_new(o, "energy_per_output_token_j", band_json(&r->energy_per_output_token_j));
    json_object_set_new(o, "energy_per_request_wh", json_real(r->energy_per_request_j.expected / 3600.0));
    json_object_set_new(o, "batch_energy_j", json_real(r->energy_j));
    json_object_set_new(o, "time_s", json_real(r->time_s));
    json_object_set_new(o, "avg_power_w", json_real(r->avg_power_w));
    if (method == LW_METHOD_ROOFLINE)
        json_object_set_new(o, "memory", memory_json(&r->memory));
    if (r->prefill_sm_clock_mhz > 0) { /* --power-limit / --sm-clock given */
        json_object_set_new(o, "power_limit_w", r->power_limit_w > 0 ? json_real(r->power_limit_w) : json_null());
        json_object_set_new(o, "sm_clock_mhz", r->sm_clock_lock_mhz > 0 ? json_real(r->sm_clock_lock_mhz) : json_null());
        json_t *c = json_object();
        json_object_set_new(c, "max_mhz", json_real(e->gpu.sm_clock_max_mhz));
        json_object_set_new(c, "prefill_mhz", json_real(r->prefill_sm_clock_mhz));
        json_object_set_new(c, "decode_mhz", json_real(r->decode_sm_clock_mhz));
        json_object_set_new(c, "source", json_string(e->gpu.power_clock_source));
        json_object_set_new(o, "sm_clock", c);
    }
    json_object_set_new(o, "prefill", phase_json(&r->prefill, B));
    json_object_set_new(o, "decode", phase_json(&r->decode, B));
    if (x->pue) {
        json_object_set_new(o, "pue", json_real(e->opts.pue));
        json_object_set_new(o, "facility_energy_per_request_j", json_real(r->facility_energy_per_request_j));
    }
    if (method == LW_METHOD_ROOFLINE)
        json_object_set_new(o, "coefficients", coeffs_json(e));
    if (method == LW_METHOD_PROFILE)
        json_object_set_new(o, "profile", json_string(e->profile_note));
    json_object_set_new(o, "sources", json_string(method == LW_METHOD_ROOFLINE ? e->coeff_source : e->constants_source));
    json_t *wa = json_array();
    for (size_t k = 0; k < x->nwarnings; k++)
        if (x->warnings[k] && x->warnings[k][0])
            json_array_append_new(wa, json_string(x->warnings[k]));
    for (int k = 0; k < lw_estimate_warning_count(r); k++)
        json_array_append_new(wa, json_string(lw_estimate_warning(r, k)));
    json_object_set_new(o, "warnings", wa);
    size_t flags = JSON_REAL_PRECISION(15) | JSON_PRESERVE_ORDER | (x->indent ? JSON_INDENT(x->indent) : 0);
    char *text = json_dumps(o, flags);
    json_decref(o);
    if (!text)
        lw_fail(err, LW_ERR_NO_MEMORY, "out of memory rendering the estimate JSON");
    return text;
}
