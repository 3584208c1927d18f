/* Estimator lifecycle and dispatch: lw_estimator_new resolves everything a method needs (model
 * and GPU copies, constants, calibration), lw_estimator_run only does arithmetic. */
#include "estimate/estimate_internal.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

lw_status lw_estimate_opts_init(lw_estimate_opts *opts, unsigned int version, lw_err *err)
{
    lw_status st = lw_check_version("lw_estimate_opts", "LW_ESTIMATE_OPTS_INIT", version, LW_ESTIMATE_OPTS_VERSION, err);
    if (st != LW_OK)
        return st;
    /* Version 1 is the whole struct. A later version fills only the fields of the caller's
     * version: an older caller's struct is shorter than this library's. */
    *opts = lw_estimate_opts_default();
    return LW_OK;
}

lw_status lw_estimate_init(lw_estimate *out, unsigned int version, lw_err *err)
{
    lw_status st = lw_check_version("lw_estimate", "LW_ESTIMATE_INIT", version, LW_ESTIMATE_VERSION, err);
    if (st != LW_OK)
        return st;
    memset(out, 0, sizeof *out); /* version 1 is the whole struct (a later one: only the caller's part) */
    out->version = version;
    return LW_OK;
}

int lw_estimate_warning_count(const lw_estimate *e)
{
    return e ? e->nwarnings_ : 0;
}

const char *lw_estimate_warning(const lw_estimate *e, int i)
{
    return e && i >= 0 && i < e->nwarnings_ ? e->warnings_[i] : NULL;
}

static const char *method_names[] = {"roofline", "llm-bench", "profile"};

const char *lw_method_name(lw_method m)
{
    return (unsigned)m < 3 ? method_names[m] : "unknown";
}

lw_status lw_method_parse(const char *name, lw_method *out, lw_err *err)
{
    for (int i = 0; i < 3; i++)
        if (lw_streq_ci(name, method_names[i])) {
            *out = (lw_method)i;
            return LW_OK;
        }
    return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "unknown method '%s' (use roofline, llm-bench or profile)", name);
}

double lw_model_reasoning_factor(const lw_model_arch *m)
{
    return m->has_seed_profile && m->seed_profile.reasoning_factor > 1 ? m->seed_profile.reasoning_factor : 1.0;
}

double lw_model_default_reasoning(const lw_model_arch *m, double output_tokens)
{
    return output_tokens * (lw_model_reasoning_factor(m) - 1.0);
}

void lw_estimate_warn(lw_estimate *out, const char *msg)
{
    if (out->nwarnings_ >= 4)
        return;
    lw_strlcpy(out->warnings_[out->nwarnings_++], msg, sizeof out->warnings_[0]);
}

/* The parallel plan: the caller's --tp/--pp, else tensor parallel within the GPU's node and
 * pipeline parallel across nodes (the plan vLLM and SGLang document for multi-node serving). */
static lw_status parallel_plan(lw_estimator *e, const lw_estimate_opts *o, lw_err *err)
{
    const int G = o->gpus, node = e->gpu.node_gpus;
    int tp = o->tensor_parallel, pp = o->pipeline_parallel;
    if (tp < 0 || pp < 0)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "--tp and --pp must be >= 1 (got %d and %d)", tp, pp);
    if (tp || pp) {
        if (!tp)
            tp = G % pp == 0 ? G / pp : 0;
        if (!pp)
            pp = G % tp == 0 ? G / tp : 0;
        if (tp * pp != G) {
            char splits[160] = "";
            size_t len = 0;
            for (int d = 1; d <= G && len + 16 < sizeof splits; d++)
                if (G % d == 0)
                    len += (size_t)snprintf(splits + len, sizeof splits - len, "%s%dx%d", len ? ", " : "", d, G / d);
            return lw_fail(err, LW_ERR_INVALID_ARGUMENT,
                           "--tp %d x --pp %d does not make --gpus %d; use a split whose product is %d (--tp x --pp: %s)",
                           o->tensor_parallel, o->pipeline_parallel, G, G, splits);
        }
        snprintf(e->plan_note, sizeof e->plan_note, "given with --tp %d --pp %d", tp, pp);
    } else if (node > 0 && G > node) {
        tp = node;
        while (G % tp)
            tp--;
        pp = G / tp;
        snprintf(e->plan_note, sizeof e->plan_note,
                 "%d GPUs exceed %s's %d-GPU NVLink/xGMI domain: tensor parallel within a node, pipeline across nodes", G,
                 e->gpu.id, node);
    } else {
        tp = G;
        pp = 1;
        snprintf(e->plan_note, sizeof e->plan_note, "tensor parallel over all %d GPU%s", G, G > 1 ? "s" : "");
    }
    e->tp = tp;
    e->pp = pp;
    return LW_OK;
}

lw_status lw_estimator_new(const lw_catalogue *cat, const lw_model_arch *m, const lw_gpu *g, const lw_estimate_opts *opts,
                           lw_estimator **out, lw_err *err)
{
    *out = NULL;
    if (opts) {
        lw_status vst = lw_check_version("lw_estimate_opts", "LW_ESTIMATE_OPTS_INIT or lw_estimate_opts_default()",
                                      opts->version, LW_ESTIMATE_OPTS_VERSION, err);
        if (vst != LW_OK)
            return vst;
    }
    lw_estimate_opts o = opts ? *opts : lw_estimate_opts_default();
    if (o.gpus < 1)
        return lw_fail(err, LW_ERR_INFEASIBLE, "--gpus must be >= 1 (got %d): the estimate needs at least one GPU", o.gpus);
    if (!(o.pue >= 1.0) || !isfinite(o.pue))
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "PUE must be a finite number >= 1 (got %g)", o.pue);
    if (o.gpu_memory_utilization != 0 && !(o.gpu_memory_utilization > 0 && o.gpu_memory_utilization <= 1))
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "--gpu-memory-utilization must be in (0, 1] (got %g)",
                       o.gpu_memory_utilization);
    if ((unsigned)o.method > LW_METHOD_PROFILE)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "unknown method %d", (int)o.method);
    if (!(o.power_limit_w >= 0 && isfinite(o.power_limit_w)) || !(o.sm_clock_mhz >= 0 && isfinite(o.sm_clock_mhz)))
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "--power-limit and --sm-clock must be finite numbers > 0 (got %g W, %g MHz)",
                       o.power_limit_w, o.sm_clock_mhz);
    if ((o.power_limit_w > 0 || o.sm_clock_mhz > 0) && o.method != LW_METHOD_ROOFLINE)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT,
                       "--power-limit and --sm-clock apply to the roofline method only (the %s method has no clock)",
                       lw_method_name(o.method));
    lw_status st = lw_model_validate(m, err);
    if (st != LW_OK)
        return st;
    lw_estimator *e = calloc(1, sizeof *e);
    if (!e)
        return lw_fail(err, LW_ERR_NO_MEMORY, "out of memory creating an estimator");
    e->method = o.method;
    e->opts = o;
    e->opts.coeffs = NULL; /* copied below where used; the caller's pointer need not outlive us */
    e->opts.calibration_json = NULL;
    e->model = *m;
    if ((st = lw_model_params(m, &e->params, err)) != LW_OK) {
        free(e);
        return st;
    }
    e->gpu = *g;
    e->gpus = o.gpus;
    if ((st = parallel_plan(e, &o, err)) != LW_OK) {
        free(e);
        return st;
    }
    e->usable_fraction =
        o.gpu_memory_utilization > 0 ? o.gpu_memory_utilization : lw_catalogue_value(cat, "memory.usable_fraction", 0.9);
    switch (o.method) {
    case LW_METHOD_ROOFLINE: st = lw_roofline_prepare(e, cat, &o, err); break;
    case LW_METHOD_LLM_BENCH: st = lw_seed003_prepare(e, cat, err); break;
    case LW_METHOD_PROFILE: st = lw_seed001_prepare(e, cat, err); break;
    }
    if (st != LW_OK) {
        free(e);
        return st;
    }
    *out = e;
    return LW_OK;
}

const char *lw_bound_name(lw_bound b)
{
    switch (b) {
    case LW_BOUND_MEMORY: return "memory";
    case LW_BOUND_COMPUTE: return "compute";
    case LW_BOUND_COMMUNICATION: return "communication";
    }
    return "unknown";
}

void lw_estimator_free(lw_estimator *e)
{
    free(e);
}

void lw_estimator_describe(const lw_estimator *e, lw_estimator_info *out)
{
    memset(out, 0, sizeof *out);
    out->method = e->method;
    out->coeffs = e->co;
    out->calibrated = e->calibrated;
    lw_strlcpy(out->coeff_source, e->coeff_source, sizeof out->coeff_source);
    lw_strlcpy(out->constants_source, e->constants_source, sizeof out->constants_source);
    lw_strlcpy(out->profile_note, e->profile_note, sizeof out->profile_note);
    out->tensor_parallel = e->tp;
    out->pipeline_parallel = e->pp;
    out->node_gpus = e->gpu.node_gpus;
    lw_strlcpy(out->plan_note, e->plan_note, sizeof out->plan_note);
}

void lw_estimate_finish(const lw_estimator *e, const lw_workload *w, double band_factor, lw_estimate *out)
{
    out->energy_j = out->prefill.energy_j + out->decode.energy_j;
    out->time_s = out->prefill.time_s + out->decode.time_s;
    out->avg_power_w = out->time_s > 0 ? out->energy_j / out->time_s : 0.0;
    out->output_tokens = w->output_tokens;
    double per_req = out->energy_j / w->batch;
    out->energy_per_request_j.expected = per_req;
    out->energy_per_request_j.low = per_req / band_factor;
    out->energy_per_request_j.high = per_req * band_factor;
    double tok = w->output_tokens;
    if (tok > 0) {
        out->energy_per_output_token_j.expected = per_req / tok;
        out->energy_per_output_token_j.low = out->energy_per_request_j.low / tok;
        out->energy_per_output_token_j.high = out->energy_per_request_j.high / tok;
    } else { /* no visible output token: per-token energy is undefined, not 0 */
        out->energy_per_output_token_j.low = out->energy_per_output_token_j.expected = out->energy_per_output_token_j.high = NAN;
    }
    out->facility_energy_per_request_j = per_req * e->opts.pue;
    for (int i = 0; i < e->nwarnings; i++)
        lw_estimate_warn(out, e->warnings[i]);
}

lw_status lw_estimator_run(const lw_estimator *e, const lw_workload *w, lw_estimate *out, lw_err *err)
{
    if (out->version - 1u >= LW_ESTIMATE_VERSION) /* one compare: 0 and newer versions both fail */
        return lw_check_version("lw_estimate", "LW_ESTIMATE_INIT", out->version, LW_ESTIMATE_VERSION, err);
    /* hot path: the version stays and the 1 KiB of warning text is not cleared */
    memset((char *)out + offsetof(lw_estimate, method), 0, offsetof(lw_estimate, warnings_) - offsetof(lw_estimate, method));
    out->method = e->method;
    if (w->batch < 1)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "batch must be >= 1 (got %d)", w->batch);
    out->effective_batch = w->batch;
    out->tensor_parallel = e->tp;
    out->pipeline_parallel = e->pp;
    out->micro_batches = 1;
    out->reasoning_tokens = w->reasoning_tokens;
    switch (e->method) {
    case LW_METHOD_ROOFLINE: {
        if (e->opts.explicit_reasoning || w->reasoning_tokens > 0 || !(lw_model_reasoning_factor(&e->model) > 1))
            return lw_roofline_run(e, w, out, err);
        lw_workload r = *w;
        r.reasoning_tokens = lw_model_default_reasoning(&e->model, w->output_tokens);
        out->reasoning_tokens = r.reasoning_tokens;
        return lw_roofline_run(e, &r, out, err);
    }
    case LW_METHOD_LLM_BENCH: return lw_seed003_run(e, w, out, err);
    case LW_METHOD_PROFILE: return lw_seed001_run(e, w, out, err);
    }
    return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "unknown method");
}
