/* The `llmwatt trace --json` document and the trace's cost and carbon (the cost module's power
 * chain): shared by the CLI and the Python package, so both print the same bytes. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "llmwatt/cost.h"
#include "llmwatt/trace.h"

lw_status lw_trace_cost_opts_init(lw_trace_cost_opts *opts, unsigned int version, lw_err *err)
{
    lw_status st = lw_check_version("lw_trace_cost_opts", "LW_TRACE_COST_OPTS_INIT", version, LW_TRACE_COST_OPTS_VERSION, err);
    if (st == LW_OK)
        *opts = lw_trace_cost_opts_default(); /* version 1 is the whole struct */
    return st;
}

lw_status lw_trace_cost_init(lw_trace_cost *out, unsigned int version, lw_err *err)
{
    lw_status st = lw_check_version("lw_trace_cost", "LW_TRACE_COST_INIT", version, LW_TRACE_COST_VERSION, err);
    if (st == LW_OK) {
        lw_trace_cost c = LW_TRACE_COST_INIT;
        *out = c;
    }
    return st;
}

lw_status lw_trace_cost_compute(const lw_catalogue *cat, const lw_trace_summary *S, const lw_trace_opts *o,
                                const lw_trace_cost_opts *co, lw_trace_cost *out, lw_err *err)
{
    lw_status st = lw_check_version("lw_trace_cost_opts", "LW_TRACE_COST_OPTS_INIT", co->version,
                                    LW_TRACE_COST_OPTS_VERSION, err);
    if (st == LW_OK)
        st = lw_check_version("lw_trace_opts", "LW_TRACE_OPTS_INIT", o->version, LW_TRACE_OPTS_VERSION, err);
    if (st == LW_OK)
        st = lw_trace_cost_init(out, out->version, err);
    if (st != LW_OK)
        return st;
    if (co->region && co->grid_g_per_kwh >= 0)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "give either --region or --grid-g-per-kwh, not both");
    if (isnan(co->price_usd_per_kwh) || co->price_usd_per_kwh > 100)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "--price-kwh must be between 0 and 100, got %g", co->price_usd_per_kwh);
    if (isnan(co->grid_g_per_kwh) || co->grid_g_per_kwh > 5000)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "--grid-g-per-kwh must be between 0 and 5000, got %g", co->grid_g_per_kwh);
    out->price_usd_per_kwh =
        co->price_usd_per_kwh >= 0 ? co->price_usd_per_kwh : lw_catalogue_value(cat, "cost.price_kwh.us", 0.10);
    out->grid_g_per_kwh = co->grid_g_per_kwh;
    if (co->grid_g_per_kwh >= 0)
        snprintf(out->grid_source, sizeof out->grid_source, "--grid-g-per-kwh");
    if (co->region) {
        lw_region rg;
        lw_err rerr;
        if (lw_region_find(co->region, &rg, &rerr) != LW_OK)
            return lw_fail(err, rerr.status, "--region: %s", lw_err_message(&rerr));
        out->grid_g_per_kwh = rg.g_co2e_per_kwh;
        snprintf(out->grid_source, sizeof out->grid_source, "region %s, %d", rg.id, rg.year);
    }
    if (!(S->output_tokens > 0 && S->energy_j > 0))
        return LW_OK;
    lw_cost_params p = lw_cost_params_default(cat, o->estimate.gpus);
    p.pue = o->estimate.pue;
    p.grid_g_per_kwh = out->grid_g_per_kwh;
    p.gpu_power_w = 1000.0; /* any power gives the same J per token at this throughput */
    p.tokens_per_s = p.gpu_power_w / (S->energy_j / S->output_tokens);
    lw_cost_energy e = LW_COST_ENERGY_INIT;
    lw_cost_price pr = LW_COST_PRICE_INIT;
    st = lw_cost_energy_compute(&p, &e, err);
    if (st == LW_OK)
        st = lw_cost_at_price(&e, out->price_usd_per_kwh, &pr, err);
    if (st != LW_OK)
        return st;
    double millions = S->output_tokens / 1e6;
    out->overhead_fraction = p.overhead_fraction;
    out->psu_efficiency = p.psu_efficiency;
    out->pue = p.pue;
    out->wall_kwh = e.wall_kwh_per_million * millions;
    out->billed_kwh = e.billed_kwh_per_million * millions;
    out->energy_usd = pr.energy_usd_per_million * millions;
    out->co2e_g = e.co2e_g_per_million >= 0 ? e.co2e_g_per_million * millions : -1;
    out->computed = true;
    return LW_OK;
}

static json_t *cost_json(const lw_trace_cost *c)
{
    if (!c || !c->computed)
        return json_null();
    json_t *x = json_object();
    json_object_set_new(x, "price_usd_per_kwh", json_real(c->price_usd_per_kwh));
    json_object_set_new(x, "overhead_fraction", json_real(c->overhead_fraction));
    json_object_set_new(x, "psu_efficiency", json_real(c->psu_efficiency));
    json_object_set_new(x, "pue", json_real(c->pue));
    json_object_set_new(x, "wall_kwh", json_real(c->wall_kwh));
    json_object_set_new(x, "billed_kwh", json_real(c->billed_kwh));
    json_object_set_new(x, "energy_usd", json_real(c->energy_usd));
    json_object_set_new(x, "grid_g_per_kwh", c->grid_g_per_kwh >= 0 ? json_real(c->grid_g_per_kwh) : json_null());
    json_object_set_new(x, "grid_source", c->grid_source[0] ? json_string(c->grid_source) : json_null());
    json_object_set_new(x, "co2e_g", c->co2e_g >= 0 ? json_real(c->co2e_g) : json_null());
    json_object_set_new(x, "excludes", json_string("hardware amortisation (see llmwatt cost)"));
    return x;
}

static json_t *batching_json(const lw_trace_summary *S)
{
    json_t *b = json_object();
    double bsum = 0;
    int bmin = 0, bmax = 0;
    for (int i = 0; i < S->nmodels; i++) {
        bsum += S->models[i].batch_sum;
        if (i == 0 || S->models[i].batch_min < bmin)
            bmin = S->models[i].batch_min;
        if (S->models[i].batch_max > bmax)
            bmax = S->models[i].batch_max;
    }
    json_object_set_new(b, "mode", json_string(S->estimated_batch ? "estimated" : "fixed"));
    if (S->estimated_batch) {
        json_object_set_new(b, "method", json_string("little's law per window and model: smallest B with "
                                                     "arrival_rate * T(B) <= B"));
        json_object_set_new(b, "window_s", json_real(S->window_s));
        json_object_set_new(b, "max_batch", json_integer(S->max_batch));
        json_object_set_new(b, "windows", json_integer((json_int_t)S->windows));
        json_object_set_new(b, "saturated_requests", json_integer((json_int_t)S->saturated_requests));
    } else {
        json_object_set_new(b, "batch", json_integer(S->batch));
    }
    json_object_set_new(b, "mean", json_real(S->requests ? bsum / (double)S->requests : 0));
    json_object_set_new(b, "min", json_integer(bmin));
    json_object_set_new(b, "max", json_integer(bmax));
    json_object_set_new(b, "out_of_order_rows", json_integer((json_int_t)S->out_of_order));
    return b;
}

static json_t *models_json(const lw_trace_summary *S)
{
    json_t *models = json_array();
    for (int i = 0; i < S->nmodels; i++) {
        const lw_trace_model_summary *m = &S->models[i];
        json_t *x = json_object();
        json_object_set_new(x, "name", json_string(m->name));
        json_object_set_new(x, "catalogue_model", json_string(m->catalogue));
        json_object_set_new(x, "defaulted", json_boolean(m->defaulted));
        json_object_set_new(x, "requests", json_integer((json_int_t)m->requests));
        json_object_set_new(x, "input_tokens", json_real(m->input_tokens));
        json_object_set_new(x, "output_tokens", json_real(m->output_tokens));
        json_object_set_new(x, "reasoning_tokens", json_real(m->reasoning_tokens));
        json_object_set_new(x, "energy_j", json_real(m->energy_j));
        json_object_set_new(x, "energy_j_low", json_real(m->energy_low_j));
        json_object_set_new(x, "energy_j_high", json_real(m->energy_high_j));
        json_object_set_new(x, "j_per_output_token",
                            m->output_tokens > 0 ? json_real(m->energy_j / m->output_tokens) : json_null());
        json_object_set_new(x, "mean_batch", json_real(m->batch_sum / (double)m->requests));
        json_object_set_new(x, "min_batch", json_integer(m->batch_min));
        json_object_set_new(x, "max_batch", json_integer(m->batch_max));
        json_array_append_new(models, x);
    }
    return models;
}

char *lw_trace_summary_to_json(const lw_trace_summary *S, const char *path, const lw_trace_opts *o,
                               const lw_trace_cost *cost, int indent, lw_err *err)
{
    static const char *const keys[LW_TRACE_NCOLS] = {"timestamp", "input", "output", "reasoning", "model"};
    if (!S || !path || !o || !o->gpu) {
        lw_fail(err, LW_ERR_INVALID_ARGUMENT, "lw_trace_summary_to_json needs the summary, the path and the options");
        return NULL;
    }
    if (lw_check_version("lw_trace_opts", "LW_TRACE_OPTS_INIT", o->version, LW_TRACE_OPTS_VERSION, err) != LW_OK)
        return NULL;
    if (cost && lw_check_version("lw_trace_cost", "LW_TRACE_COST_INIT", cost->version, LW_TRACE_COST_VERSION, err) != LW_OK)
        return NULL;
    json_t *r = json_object();
    json_object_set_new(r, "file", json_string(path));
    json_object_set_new(r, "format", json_string(S->format == LW_TRACE_JSONL ? "jsonl" : "csv"));
    json_t *cols = json_object();
    for (int c = 0; c < LW_TRACE_NCOLS; c++)
        json_object_set_new(cols, keys[c], S->columns[c][0] ? json_string(S->columns[c]) : json_null());
    json_object_set_new(r, "columns", cols);
    json_object_set_new(r, "requests", json_integer((json_int_t)S->requests));
    json_object_set_new(r, "bad_rows", json_integer((json_int_t)S->bad_rows));
    json_t *bad = json_array();
    for (int i = 0; i < S->nbad; i++)
        json_array_append_new(bad, json_pack("{s:I,s:s}", "line", (json_int_t)S->bad[i].line, "message", S->bad[i].msg));
    json_object_set_new(r, "bad_row_samples", bad);
    json_object_set_new(r, "lines", json_integer((json_int_t)S->lines));
    json_object_set_new(r, "input_tokens", json_real(S->input_tokens));
    json_object_set_new(r, "output_tokens", json_real(S->output_tokens));
    json_object_set_new(r, "reasoning_tokens", json_real(S->reasoning_tokens));
    json_object_set_new(r, "total_energy_j", json_real(S->energy_j));
    json_object_set_new(r, "total_energy_j_low", json_real(S->energy_low_j));
    json_object_set_new(r, "total_energy_j_high", json_real(S->energy_high_j));
    json_object_set_new(r, "total_kwh", json_real(S->energy_j / 3.6e6));
    json_object_set_new(r, "pue", json_real(o->estimate.pue));
    json_object_set_new(r, "facility_energy_j", json_real(S->facility_energy_j));
    json_object_set_new(r, "j_per_output_token", S->output_tokens > 0 ? json_real(S->energy_j / S->output_tokens) : json_null());
    json_t *pct = json_object();
    json_object_set_new(pct, "p50_j", json_real(S->p50_j));
    json_object_set_new(pct, "p90_j", json_real(S->p90_j));
    json_object_set_new(pct, "p99_j", json_real(S->p99_j));
    json_object_set_new(pct, "min_j", json_real(S->min_j));
    json_object_set_new(pct, "max_j", json_real(S->max_j));
    json_object_set_new(pct, "relative_resolution", json_real(S->percentile_rel_resolution));
    json_object_set_new(r, "per_request_energy", pct);
    json_object_set_new(r, "batching", batching_json(S));
    json_t *cfg = json_object();
    json_object_set_new(cfg, "default_model", o->default_model ? json_string(o->default_model->name) : json_null());
    json_object_set_new(cfg, "gpu", json_string(o->gpu->id));
    json_object_set_new(cfg, "gpus", json_integer(o->estimate.gpus));
    json_object_set_new(cfg, "method", json_string(lw_method_name(o->estimate.method)));
    json_object_set_new(cfg, "kv_precision", json_string(lw_precision_name(o->kv_precision)));
    json_object_set_new(r, "configuration", cfg);
    json_object_set_new(r, "models", models_json(S));
    json_object_set_new(r, "time_first_s", S->has_time ? json_real(S->first_time_s) : json_null());
    json_object_set_new(r, "time_last_s", S->has_time ? json_real(S->last_time_s) : json_null());
    json_t *w = json_array();
    for (int i = 0; i < lw_trace_summary_warning_count(S); i++)
        json_array_append_new(w, json_string(lw_trace_summary_warning(S, i)));
    json_object_set_new(r, "warnings", w);
    json_object_set_new(r, "warned_requests", json_integer((json_int_t)S->warned_requests));
    json_object_set_new(r, "defaulted_requests", json_integer((json_int_t)S->defaulted_requests));
    json_t *perf = json_object();
    json_object_set_new(perf, "bytes", json_integer((json_int_t)S->bytes));
    json_object_set_new(perf, "elapsed_s", json_real(S->elapsed_s));
    json_object_set_new(perf, "threads", json_integer(S->threads));
    json_object_set_new(perf, "estimator_calls", json_integer((json_int_t)S->estimator_calls));
    json_object_set_new(perf, "cache_hits", json_integer((json_int_t)S->cache_hits));
    json_object_set_new(r, "performance", perf);
    json_object_set_new(r, "cost_and_carbon", cost_json(cost));
    char *text = json_dumps(r, JSON_REAL_PRECISION(15) | JSON_PRESERVE_ORDER | (indent > 0 ? JSON_INDENT(indent) : 0));
    json_decref(r);
    if (!text)
        lw_fail(err, LW_ERR_NO_MEMORY, "out of memory rendering the trace JSON");
    return text;
}
