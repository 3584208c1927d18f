/* The cost document rendered: `llmwatt cost --json` (lw_cost_report_to_json) and the CLI's text
 * table (lw_cost_report_to_text), both from one resolved lw_cost_report. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "operate/cost_report_int.h"

static const char *const op_scope = "scope 2 (location-based): billed electricity x grid intensity";
static const char *const emb_scope = "scope 3 category 2 (capital goods): cradle-to-gate manufacturing of the GPUs and host, "
                                     "spread over the service life by hours of use (SCI M term)";

static const char *dep_source(const lw_cost_report *r)
{
    return r->dep == LW_DEPRECIATION_STRAIGHT
               ? "llmwatt default: straight line (seed 004 names no method)"
               : "--depreciation declining: double-declining balance, straight line on the rest once larger";
}

static int depreciation_years(const lw_cost_report *r)
{
    return (int)ceil(r->p.depreciation_years);
}

/* The energy band of an estimate: the same power chain at its low and high J per token. */
static bool energy_band(const lw_cost_report *r, double *lo, double *hi)
{
    if (!(isfinite(r->jpt_low) && isfinite(r->jpt_high) && r->jpt > 0))
        return false;
    *lo = r->e.wall_kwh_per_million * r->jpt_low / r->jpt;
    *hi = r->e.wall_kwh_per_million * r->jpt_high / r->jpt;
    return true;
}

static json_t *src_json(const lw_cost_sval *s)
{
    json_t *o = json_object();
    json_object_set_new(o, "value", json_real(s->v));
    json_object_set_new(o, "source", json_string(s->src));
    return o;
}

static const char *kind_word(lw_break_even_kind k)
{
    switch (k) {
    case LW_BREAK_EVEN_WITHIN_LIFE: return "within_life";
    case LW_BREAK_EVEN_AFTER_LIFE: return "after_life";
    case LW_BREAK_EVEN_NEVER: return "never";
    case LW_BREAK_EVEN_FREE: return "immediate";
    }
    return "?";
}

static json_t *scenario_json(const lw_cost_report *R, const lw_cost_price *cp, const lw_cost_sval *price)
{
    json_t *o = json_object();
    json_object_set_new(o, "price_usd_per_kwh", json_real(cp->price_usd_per_kwh));
    json_object_set_new(o, "price_source", json_string(price->src));
    json_object_set_new(o, "cost_per_million_tokens_usd", json_real(cp->energy_usd_per_million));
    json_object_set_new(o, "cost_per_hour_usd", json_real(cp->energy_usd_per_hour));
    json_object_set_new(o, "onprem_cost_per_million_tokens_usd", json_real(cp->energy_usd_per_million + R->t.fixed_usd_per_million));
    json_t *rent = json_array();
    for (size_t i = 0; i < R->nrents; i++) {
        const lw_cost_rent_offer *of = &R->rents[i];
        lw_rent_compare rc = LW_RENT_COMPARE_INIT;
        lw_cost_report_rent(R, cp, of, &rc);
        json_t *r = json_object();
        json_object_set_new(r, "offer", json_string(of->name));
        json_object_set_new(r, "kind", json_string(of->kind));
        json_object_set_new(r, "usd_per_gpu_hour", json_real(of->rate));
        json_object_set_new(r, "usd_per_gpu_hour_low", json_real(of->low));
        json_object_set_new(r, "usd_per_gpu_hour_high", json_real(of->high));
        json_object_set_new(r, "source", json_string(of->src));
        json_object_set_new(r, "rent_usd_per_million_tokens", json_real(rc.rent_usd_per_million));
        json_object_set_new(r, "own_usd_per_million_tokens", json_real(rc.own_usd_per_million));
        json_object_set_new(r, "break_even_utilization",
                            isfinite(rc.break_even_utilization) ? json_real(rc.break_even_utilization) : json_null());
        json_array_append_new(rent, r);
    }
    json_object_set_new(o, "rent", rent);
    json_t *be_arr = json_array();
    for (size_t i = 0; i < R->napis; i++) {
        lw_break_even b = LW_BREAK_EVEN_INIT;
        if (lw_cost_report_break_even(R, cp, R->apis[i].usd_per_million, &b) != LW_OK)
            continue;
        json_t *r = json_object();
        json_object_set_new(r, "provider", json_string(R->apis[i].provider));
        json_object_set_new(r, "class", json_string(R->apis[i].model_class));
        json_object_set_new(r, "api_usd_per_million_tokens", json_real(b.api_usd_per_million));
        json_object_set_new(r, "api_price_source", json_string(R->apis[i].source));
        json_object_set_new(r, "margin_usd_per_million_tokens", json_real(b.margin_usd_per_million));
        json_object_set_new(r, "tokens_to_break_even", isfinite(b.tokens) ? json_real(b.tokens) : json_null());
        json_object_set_new(r, "months_to_break_even", isfinite(b.months) ? json_real(b.months) : json_null());
        json_object_set_new(r, "kind", json_string(kind_word(b.kind)));
        json_object_set_new(r, "explanation", json_string(b.explanation));
        json_array_append_new(be_arr, r);
    }
    json_object_set_new(o, "break_even", be_arr);
    return o;
}

static json_t *inputs_json(const lw_cost_report *in)
{
    json_t *inputs = json_object();
    const struct {
        const char *k;
        const lw_cost_sval *s;
        bool show;
    } rows[] = {{"gpu_power_w", &in->power, true},          {"tokens_per_s", &in->tps, true},
                {"gpus", &in->gpus, true},                  {"idle_power_w", &in->idle, isfinite(in->idle.v)},
                {"utilization", &in->util, true},           {"overhead_fraction", &in->overhead, true},
                {"psu_efficiency", &in->psu, true},         {"pue", &in->pue, true},
                {"grid_g_co2e_per_kwh", &in->grid, in->have_grid}, {"wue_l_per_kwh", &in->wue, in->have_wue},
                {"hardware_usd", &in->hw, true},            {"depreciation_years", &in->years, true},
                {"hours_per_year", &in->hours, true},       {"maintenance_fraction_per_year", &in->maint, true},
                {"colocation_usd_per_kw_month", &in->colo, true}, {"networking_fraction", &in->net, true},
                {"embodied_kg_co2e", &in->embodied, in->have_embodied}, {"service_life_years", &in->life, true}};
    for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++)
        if (rows[k].show)
            json_object_set_new(inputs, rows[k].k, src_json(rows[k].s));
    if (!isfinite(in->idle.v))
        json_object_set_new(inputs, "idle_power_w", json_pack("{s:n,s:s}", "value", "source", in->idle.src));
    if (!in->have_embodied)
        json_object_set_new(inputs, "embodied_kg_co2e", json_pack("{s:n,s:s}", "value", "source", in->embodied.src));
    json_object_set_new(inputs, "depreciation_method",
                        json_pack("{s:s,s:s}", "value", in->dep == LW_DEPRECIATION_STRAIGHT ? "straight" : "declining",
                                  "source", dep_source(in)));
    return inputs;
}

static json_t *tco_json(const lw_cost_report *in)
{
    const lw_cost_tco *t = &in->t;
    json_t *tj = json_object();
    json_object_set_new(tj, "capex_usd", json_real(t->capex_usd));
    json_object_set_new(tj, "amortisation_usd_per_hour", json_real(t->amortisation_usd_per_hour));
    json_object_set_new(tj, "maintenance_usd_per_hour", json_real(t->maintenance_usd_per_hour));
    json_object_set_new(tj, "colocation_usd_per_hour", json_real(t->colocation_usd_per_hour));
    json_object_set_new(tj, "fixed_usd_per_hour", json_real(t->fixed_usd_per_hour));
    json_object_set_new(tj, "fixed_usd_per_million_tokens", json_real(t->fixed_usd_per_million));
    json_t *sched = json_array();
    int nyears = depreciation_years(in);
    for (int y = 1; y <= nyears; y++)
        json_array_append_new(sched, json_real(lw_cost_depreciation_year(in->dep, t->capex_usd, nyears, y)));
    json_object_set_new(tj, "depreciation_by_year_usd", sched);
    return tj;
}

static json_t *carbon_json(const lw_cost_report *in)
{
    const lw_cost_tco *t = &in->t;
    bool g = in->have_grid, m = in->have_embodied;
    json_t *cj = json_object();
    json_object_set_new(cj, "functional_unit", json_string("1M output tokens"));
    json_object_set_new(cj, "operational_g_per_million_tokens", g ? json_real(in->e.co2e_g_per_million) : json_null());
    json_object_set_new(cj, "operational_g_per_hour", g ? json_real(t->operational_g_per_hour) : json_null());
    json_object_set_new(cj, "operational_scope", json_string(op_scope));
    json_object_set_new(cj, "embodied_kg_co2e", m ? json_real(in->embodied.v) : json_null());
    json_object_set_new(cj, "embodied_kg_co2e_low", m ? json_real(in->embodied_low) : json_null());
    json_object_set_new(cj, "embodied_kg_co2e_high", m ? json_real(in->embodied_high) : json_null());
    json_object_set_new(cj, "embodied_g_per_million_tokens", m ? json_real(t->embodied_g_per_million) : json_null());
    json_object_set_new(cj, "embodied_g_per_hour", m ? json_real(t->embodied_g_per_hour) : json_null());
    json_object_set_new(cj, "embodied_scope", json_string(emb_scope));
    json_object_set_new(cj, "sci_g_per_million_tokens", t->sci_g_per_million >= 0 ? json_real(t->sci_g_per_million) : json_null());
    if (in->series) {
        size_t idx[3], n = lw_cost_cleanest_rows(in->series, idx, 3);
        json_t *cl = json_array();
        for (size_t k = 0; k < n; k++) {
            long long ts, len;
            double gk;
            char tb[32];
            lw_grid_series_row(in->series, idx[k], &ts, &len, &gk, NULL);
            json_array_append_new(cl, json_pack("{s:s,s:f}", "start", lw_time_format(ts, tb, sizeof tb), "g_per_kwh", gk));
        }
        json_object_set_new(cj, "cleanest_hours", cl);
    }
    return cj;
}

char *lw_cost_report_to_json(const lw_cost_report *in, int indent, lw_err *err)
{
    const lw_cost_energy *e = &in->e;
    json_t *out = json_object();
    json_object_set_new(out, "inputs", inputs_json(in));
    json_object_set_new(out, "tco", tco_json(in));
    json_object_set_new(out, "carbon", carbon_json(in));
    json_object_set_new(out, "gpu_avg_power_w", json_real(e->gpu_avg_power_w));
    json_object_set_new(out, "system_power_w", json_real(e->system_power_w));
    json_object_set_new(out, "wall_power_w", json_real(e->wall_power_w));
    json_object_set_new(out, "billed_power_w", json_real(e->billed_power_w));
    json_object_set_new(out, "tokens_per_hour", json_real(e->tokens_per_hour));
    json_object_set_new(out, "energy_per_million_tokens_kwh", json_real(e->wall_kwh_per_million));
    double lo, hi;
    if (energy_band(in, &lo, &hi)) {
        json_object_set_new(out, "energy_per_million_tokens_kwh_low", json_real(lo));
        json_object_set_new(out, "energy_per_million_tokens_kwh_high", json_real(hi));
    }
    json_object_set_new(out, "billed_energy_per_million_tokens_kwh", json_real(e->billed_kwh_per_million));
    if (in->have_grid)
        json_object_set_new(out, "co2e_g_per_million_tokens", json_real(e->co2e_g_per_million));
    if (in->have_wue)
        json_object_set_new(out, "water_l_per_million_tokens", json_real(e->water_l_per_million));
    json_object_set_new(out, "amortisation_usd_per_hour", json_real(e->amortisation_usd_per_hour));
    json_object_set_new(out, "amortisation_usd_per_million_tokens", json_real(e->amortisation_usd_per_million));
    json_t *sc = json_array();
    for (int k = 0; k < in->nprices; k++) {
        lw_cost_price cp = LW_COST_PRICE_INIT;
        lw_cost_at_price(e, in->prices[k].v, &cp, NULL);
        if (k == 0 && in->prices_given) {
            json_object_set_new(out, "cost_per_million_tokens_usd", json_real(cp.energy_usd_per_million));
            json_object_set_new(out, "cost_per_hour_usd", json_real(cp.energy_usd_per_hour));
            json_object_set_new(out, "onprem_cost_per_million_tokens_usd",
                                json_real(cp.energy_usd_per_million + in->t.fixed_usd_per_million));
        }
        json_array_append_new(sc, scenario_json(in, &cp, &in->prices[k]));
    }
    json_object_set_new(out, "scenarios", sc);
    char *text = json_dumps(out, JSON_REAL_PRECISION(15) | JSON_PRESERVE_ORDER | (indent > 0 ? JSON_INDENT(indent) : 0));
    json_decref(out);
    if (!text)
        lw_fail(err, LW_ERR_NO_MEMORY, "out of memory rendering the cost JSON");
    return text;
}

static void print_row(FILE *f, const char *name, const char *value, const char *src)
{
    fprintf(f, "  %-18s %-22s %s\n", name, value, src);
}

static void print_inputs(FILE *f, const lw_cost_report *in)
{
    char b[64];
    fprintf(f, "inputs\n");
    snprintf(b, sizeof b, "%.6g W", in->power.v);
    print_row(f, "GPU power", b, in->power.src);
    snprintf(b, sizeof b, "%.6g tokens/s", in->tps.v);
    print_row(f, "throughput", b, in->tps.src);
    snprintf(b, sizeof b, "%d", in->p.gpus);
    print_row(f, "GPUs", b, in->gpus.src);
    snprintf(b, sizeof b, "%.3g", in->util.v);
    print_row(f, "utilisation", b, in->util.src);
    if (isfinite(in->idle.v))
        snprintf(b, sizeof b, "%.4g W (all GPUs)", in->idle.v);
    else
        snprintf(b, sizeof b, "unknown");
    print_row(f, "GPU idle power", b, in->idle.src);
    snprintf(b, sizeof b, "%.3g of GPU power", in->overhead.v);
    print_row(f, "system overhead", b, in->overhead.src);
    snprintf(b, sizeof b, "%.3g", in->psu.v);
    print_row(f, "PSU efficiency", b, in->psu.src);
    snprintf(b, sizeof b, "%.3g", in->pue.v);
    print_row(f, "PUE", b, in->pue.src);
    if (in->have_grid) {
        snprintf(b, sizeof b, "%.4g gCO2e/kWh", in->grid.v);
        print_row(f, "grid intensity", b, in->grid.src);
    }
    if (in->have_wue) {
        snprintf(b, sizeof b, "%.3g L/kWh", in->wue.v);
        print_row(f, "WUE", b, in->wue.src);
    }
    snprintf(b, sizeof b, "$%.0f", in->hw.v);
    print_row(f, "hardware", b, in->hw.src);
    snprintf(b, sizeof b, "%.3g years", in->years.v);
    print_row(f, "depreciation", b, in->years.src);
    print_row(f, "method", in->dep == LW_DEPRECIATION_STRAIGHT ? "straight line" : "declining balance", dep_source(in));
    snprintf(b, sizeof b, "%.3g of hw per year", in->maint.v);
    print_row(f, "maintenance", b, in->maint.src);
    snprintf(b, sizeof b, "$%.5g per kW-month", in->colo.v);
    print_row(f, "colocation", b, in->colo.src);
    snprintf(b, sizeof b, "%.3g of hardware", in->net.v);
    print_row(f, "networking", b, in->net.src);
    if (in->have_embodied)
        snprintf(b, sizeof b, "%.5g kgCO2e", in->embodied.v);
    else
        snprintf(b, sizeof b, "unknown");
    print_row(f, "embodied carbon", b, in->embodied.src);
    snprintf(b, sizeof b, "%.3g years", in->life.v);
    print_row(f, "service life", b, in->life.src);
}

static void print_carbon(FILE *f, const lw_cost_report *in)
{
    const lw_cost_tco *t = &in->t;
    if (!in->have_grid)
        fprintf(f, "carbon: no grid intensity (give --region R for an annual average, --carbon-intensity SERIES.csv for hourly)\n");
    else {
        fprintf(f, "carbon per 1M output tokens (SCI = (E x I + M) per functional unit; %s):\n",
                in->series ? "hourly series" : "annual average, no hourly series given");
        fprintf(f, "  operational %10.4g g   %.4g g/h   %s\n", in->e.co2e_g_per_million, t->operational_g_per_hour, op_scope);
    }
    if (in->have_embodied) {
        if (!in->have_grid)
            fprintf(f, "carbon per 1M output tokens:\n");
        fprintf(f, "  embodied    %10.4g g   %.4g g/h   %.5g kgCO2e (range %.5g..%.5g) over %.3g years; %s\n",
                t->embodied_g_per_million, t->embodied_g_per_hour, in->embodied.v, in->embodied_low, in->embodied_high,
                in->life.v, emb_scope);
    }
    if (t->sci_g_per_million >= 0)
        fprintf(f, "  SCI         %10.4g g per 1M output tokens (operational + embodied)\n", t->sci_g_per_million);
    size_t idx[3], n = in->series ? lw_cost_cleanest_rows(in->series, idx, 3) : 0;
    for (size_t k = 0; k < n; k++) {
        long long ts, len;
        double g;
        char tb[32];
        lw_grid_series_row(in->series, idx[k], &ts, &len, &g, NULL);
        fprintf(f, "%s %s %.4g g/kWh", k ? "," : "cleanest hours in the series:", lw_time_format(ts, tb, sizeof tb), g);
        if (k + 1 == n)
            fprintf(f, "\n");
    }
}

static void print_break_even(FILE *f, const lw_cost_report *R, const lw_cost_price *cp)
{
    const lw_cost_tco *t = &R->t;
    fprintf(f, "\nbreak-even vs API at $%.2f/kWh (on-prem $%.4g per 1M tokens = energy $%.4g + %s $%.4g):\n",
            cp->price_usd_per_kwh, cp->energy_usd_per_million + t->fixed_usd_per_million, cp->energy_usd_per_million,
            R->tco ? "hardware, networking, maintenance, colocation" : "hardware", t->fixed_usd_per_million);
    fprintf(f, "  %-22s %10s %20s  %s\n", "provider", "API $/1M", "tokens to break even", "time to break even");
    for (size_t i = 0; i < R->napis; i++) {
        lw_break_even b = LW_BREAK_EVEN_INIT;
        char tok[32], words[96];
        if (lw_cost_report_break_even(R, cp, R->apis[i].usd_per_million, &b) != LW_OK)
            continue;
        if (isfinite(b.tokens))
            snprintf(tok, sizeof tok, "%.4g billion", b.tokens / 1e9);
        else
            snprintf(tok, sizeof tok, "never");
        fprintf(f, "  %-22s %10.2f %20s  %s\n", R->apis[i].provider, b.api_usd_per_million, tok,
                lw_break_even_words(&b, words, sizeof words));
        if (b.kind == LW_BREAK_EVEN_NEVER || b.kind == LW_BREAK_EVEN_AFTER_LIFE)
            fprintf(f, "  %-22s %s\n", "", b.explanation);
    }
}

static void print_rents(FILE *f, const lw_cost_report *R, const lw_cost_price *cp)
{
    if (!R->nrents)
        return;
    fprintf(f, "\nbuy vs rent at $%.2f/kWh (own $%.4g per 1M tokens at utilisation %.3g):\n", cp->price_usd_per_kwh,
            cp->energy_usd_per_million + R->t.fixed_usd_per_million, R->p.utilization);
    fprintf(f, "  %-26s %-9s %9s %11s  %s\n", "offer", "kind", "$/GPU-h", "rent $/1M", "verdict");
    for (size_t i = 0; i < R->nrents; i++) {
        lw_rent_compare rc = LW_RENT_COMPARE_INIT;
        char verdict[96];
        lw_cost_report_rent(R, cp, &R->rents[i], &rc);
        if (isnan(rc.break_even_utilization))
            snprintf(verdict, sizeof verdict, "%s",
                     rc.own_usd_per_million < rc.rent_usd_per_million ? "owning is cheaper" : "renting is cheaper");
        else if (rc.break_even_utilization > 1)
            snprintf(verdict, sizeof verdict, "renting is cheaper even serving all the time");
        else
            snprintf(verdict, sizeof verdict, "owning is cheaper above %.3g%% of hours serving", rc.break_even_utilization * 100);
        fprintf(f, "  %-26s %-9s %9.4g %11.4g  %s\n", R->rents[i].name, R->rents[i].kind, R->rents[i].rate,
                rc.rent_usd_per_million, verdict);
    }
    for (size_t i = 0; i < R->nrents; i++)
        fprintf(f, "  [%s] %s\n", R->rents[i].name, R->rents[i].src);
}

char *lw_cost_report_to_text(const lw_cost_report *in, lw_err *err)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) {
        lw_fail(err, LW_ERR_NO_MEMORY, "out of memory rendering the cost table");
        return NULL;
    }
    const lw_cost_energy *e = &in->e;
    const lw_cost_params *p = &in->p;
    const lw_cost_tco *t = &in->t;
    print_inputs(f, in);
    fprintf(f, "\npower: GPU %.4g W -> system %.4g W -> wall %.4g W", e->gpu_avg_power_w, e->system_power_w, e->wall_power_w);
    if (p->pue > 1)
        fprintf(f, " -> billed %.4g W (x PUE %.3g)", e->billed_power_w, p->pue);
    fprintf(f, "\nenergy per 1M tokens: %.4g kWh at the wall", e->wall_kwh_per_million);
    double lo, hi;
    if (energy_band(in, &lo, &hi))
        fprintf(f, " (estimate band %.4g..%.4g)", lo, hi);
    if (p->pue > 1)
        fprintf(f, ", %.4g kWh billed", e->billed_kwh_per_million);
    fprintf(f, "\n");
    print_carbon(f, in);
    if (in->have_wue)
        fprintf(f, "water: %.4g L per 1M tokens (on-site cooling water)\n", e->water_l_per_million);
    fprintf(f, "hardware: $%.4g per hour, $%.4g per 1M tokens (straight line over %.3g years)\n",
            e->amortisation_usd_per_hour, e->amortisation_usd_per_million, p->depreciation_years);
    if (in->tco) {
        fprintf(f, "total cost of ownership: $%.4g per hour, $%.4g per 1M tokens\n", t->fixed_usd_per_hour,
                t->fixed_usd_per_million);
        fprintf(f, "  hardware + networking  $%.4g per hour (capex $%.0f over %.3g years)\n", t->amortisation_usd_per_hour,
                t->capex_usd, p->depreciation_years);
        fprintf(f, "  maintenance            $%.4g per hour\n", t->maintenance_usd_per_hour);
        fprintf(f, "  colocation             $%.4g per hour (%.4g kW at the wall)\n", t->colocation_usd_per_hour,
                e->wall_power_w / 1000);
    }
    int nyears = depreciation_years(in);
    fprintf(f, "depreciation by year (%s):", in->dep == LW_DEPRECIATION_STRAIGHT ? "straight line" : "declining balance");
    for (int y = 1; y <= nyears; y++)
        fprintf(f, " %d: $%.0f", y, lw_cost_depreciation_year(in->dep, t->capex_usd, nyears, y));
    fprintf(f, "\n");
    fprintf(f, "\n  %-9s %14s %11s %14s  %s\n", "$/kWh", "energy $/1M", "energy $/h", "on-prem $/1M", "price source");
    for (int k = 0; k < in->nprices; k++) {
        lw_cost_price cp = LW_COST_PRICE_INIT;
        lw_cost_at_price(e, in->prices[k].v, &cp, NULL);
        fprintf(f, "  %-9.3g %14.4g %11.4g %14.4g  %s\n", cp.price_usd_per_kwh, cp.energy_usd_per_million,
                cp.energy_usd_per_hour, cp.energy_usd_per_million + t->fixed_usd_per_million, in->prices[k].src);
    }
    for (int k = 0; k < in->nprices; k++) {
        lw_cost_price cp = LW_COST_PRICE_INIT;
        lw_cost_at_price(e, in->prices[k].v, &cp, NULL);
        print_break_even(f, in, &cp);
        print_rents(f, in, &cp);
    }
    if (!in->api_given)
        fprintf(f, "\nAPI prices: seed 004 break-even table (data/api_prices.csv); give --api-price-per-m for another price\n");
    if (fclose(f) != 0 || !buf) {
        free(buf);
        lw_fail(err, LW_ERR_NO_MEMORY, "out of memory rendering the cost table");
        return NULL;
    }
    return buf;
}
