/* The report's TCO, embodied carbon and grid sections and its GPU comparison (docs/report.md). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "llmwatt/cost.h"
#include "llmwatt/grid.h"
#include "llmwatt/plot.h"
#include "operate/report_int.h"
#include "core/util.h"

#define NO_DATA LW_REPORT_NO_DATA
typedef lw_report_ctx ctx;


/* Hardware of a row's GPUs from data/gpu_prices.csv (price.ID.purchase) or seed 004's $200,000 per 8. */
static double row_hardware(const ctx *c, const char *gpu_name, int gpus, char *src, size_t n, char *id, size_t idn)
{
    const lw_gpu *g;
    const lw_constant *k;
    char key[96];
    id[0] = '\0';
    if (gpu_name[0] && lw_catalogue_find_gpu(c->cat, gpu_name, &g, NULL) == LW_OK) {
        lw_strlcpy(id, g->id, idn);
        snprintf(key, sizeof key, "price.%s.purchase", g->id);
        if (lw_catalogue_find_constant(c->cat, key, &k, NULL) == LW_OK) {
            snprintf(src, n, "%s ($%.0f-%.0f, %d)", key, k->low, k->high, k->year);
            return k->value * gpus;
        }
    }
    snprintf(src, n, "seed 004 $200,000 per 8 GPUs");
    return lw_catalogue_value(c->cat, "cost.hardware_usd_per_8_gpus", 200000) / 8.0 * gpus;
}

typedef struct tco_row {
    double hw, fixed_h, tco_m, emb_kg, emb_m, op_m, sci_m;
    char src[160], id[48];
} tco_row;

static bool row_tco(const ctx *c, const lw_report_row *r, const char *gpu_name, tco_row *out)
{
    lw_cost_params p = lw_cost_params_default(c->cat, r->gpus);
    p.gpu_power_w = r->avg_power_w;
    p.tokens_per_s = r->avg_power_w * r->tokens_per_j;
    p.hardware_usd = out->hw = row_hardware(c, gpu_name, r->gpus, out->src, sizeof out->src, out->id, sizeof out->id);
    p.grid_g_per_kwh = c->o->grid_g_per_kwh;
    lw_cost_tco_params tp = lw_cost_tco_params_default(c->cat);
    char key[96];
    const lw_constant *g, *host;
    snprintf(key, sizeof key, "embodied.%s.gpu", out->id);
    out->emb_kg = -1;
    if (out->id[0] && lw_catalogue_find_constant(c->cat, key, &g, NULL) == LW_OK &&
        lw_catalogue_find_constant(c->cat, "embodied.server_host", &host, NULL) == LW_OK)
        tp.embodied_kg = out->emb_kg = g->value * r->gpus + host->value * r->gpus / 8.0;
    lw_cost_energy e = LW_COST_ENERGY_INIT;
    lw_cost_price cp = LW_COST_PRICE_INIT;
    lw_cost_tco t = LW_COST_TCO_INIT;
    if (lw_cost_energy_compute(&p, &e, NULL) != LW_OK || lw_cost_at_price(&e, c->o->price_usd_per_kwh, &cp, NULL) != LW_OK ||
        lw_cost_tco_compute(&p, &e, &tp, &t, NULL) != LW_OK)
        return false;
    out->fixed_h = t.fixed_usd_per_hour;
    out->tco_m = cp.energy_usd_per_million + t.fixed_usd_per_million;
    out->emb_m = t.embodied_g_per_million;
    out->op_m = p.grid_g_per_kwh >= 0 ? e.co2e_g_per_million : -1;
    out->sci_m = t.sci_g_per_million;
    return true;
}

static const char *gram(char *b, size_t n, double v)
{
    if (v < 0)
        snprintf(b, n, NO_DATA);
    else
        snprintf(b, n, "%.3f g", v);
    return b;
}

void lw_report_tco_section(ctx *c)
{
    lw_doc *d = &c->doc;
    lw_doc_h(d, 3, "Total Cost of Ownership and Embodied Carbon");
    const lw_constant *m = NULL, *co = NULL, *ne = NULL;
    lw_catalogue_find_constant(c->cat, "cost.maintenance_fraction_per_year", &m, NULL);
    lw_catalogue_find_constant(c->cat, "cost.colocation_usd_per_kw_month", &co, NULL);
    lw_catalogue_find_constant(c->cat, "cost.networking_fraction", &ne, NULL);
    lw_doc_p(d, "Best configuration of each workload, precision and GPU count. Hardware: the GPU's price in data/gpu_prices.csv "
                "(midpoint of the published range) x GPUs, else seed 004's $200,000 per 8 GPUs; networking %.0f%% of hardware; "
                "maintenance %.0f%% of hardware a year; colocation $%.2f per kW-month of wall power (CBRE H2 2024); straight "
                "line over %.0f years. Embodied carbon (scope 3 category 2, cradle-to-gate): data/gpu_embodied.csv per GPU plus "
                "1/8 of a 2,500 kg host per GPU, spread over the same life by hours of use. Operational carbon (scope 2, "
                "location-based): %s. SCI = (E x I + M) per 1M output tokens.",
             ne ? ne->value * 100 : 10, m ? m->value * 100 : 10, co ? co->value : 184.06,
             lw_catalogue_value(c->cat, "cost.depreciation_years", 3),
             c->o->grid_g_per_kwh >= 0 ? c->o->grid_source : "not given (report --region R or --grid-g-per-kwh G)");
    const char *h[] = {"Configuration", "GPU", "Hardware", "Fixed $/h", "TCO $/1M", "Embodied kgCO2e", "Embodied/1M",
                       "Operational/1M", "SCI/1M"};
    lw_doc_table_head(d, 9, h);
    for (size_t i = 0; i < c->nrows; i++) {
        const lw_report_row *r = &c->rows[i];
        if (lw_report_best_row(c, r->workload, r->precision, r->gpus) != r)
            continue;
        tco_row t;
        const char *gn = r->gpu;
        if (!row_tco(c, r, gn, &t))
            continue;
        char cfg[128], p[16], hw[200], fx[32], tm[32], ek[32], em[32], om[32], sm[32];
        lw_report_upper(p, r->precision, sizeof p);
        snprintf(cfg, sizeof cfg, "%s %s b%d x%d", r->workload, p, r->batch, r->gpus);
        snprintf(hw, sizeof hw, "$%.0f [%s]", t.hw, t.src);
        snprintf(fx, sizeof fx, "$%.3f", t.fixed_h);
        snprintf(tm, sizeof tm, "$%.4f", t.tco_m);
        if (t.emb_kg >= 0)
            snprintf(ek, sizeof ek, "%.1f", t.emb_kg);
        else
            snprintf(ek, sizeof ek, NO_DATA);
        const char *cells[] = {cfg, gn[0] ? gn : "-", hw, fx, tm, ek, gram(em, sizeof em, t.emb_m), gram(om, sizeof om, t.op_m),
                               gram(sm, sizeof sm, t.sci_m)};
        lw_doc_table_row(d, 9, cells);
    }
    lw_doc_table_end(d);
}

/* Hourly grid intensity: the series' cleanest hours and each valid run's energy-weighted intensity. */
void lw_report_grid_section(ctx *c)
{
    const lw_grid_series *g = c->o->grid_series;
    if (!g)
        return;
    lw_doc *d = &c->doc;
    size_t n = lw_grid_series_count(g), idx[5], m = 0;
    for (size_t i = 0; i < n; i++) { /* the five lowest rows, lowest first */
        long long t, len;
        double v, w;
        lw_grid_series_row(g, i, &t, &len, &v, NULL);
        size_t pos = m;
        while (pos > 0 && (lw_grid_series_row(g, idx[pos - 1], &t, &len, &w, NULL), w > v))
            pos--;
        if (pos >= 5)
            continue;
        for (size_t j = (m < 5 ? m : 4); j > pos; j--)
            idx[j] = idx[j - 1];
        idx[pos] = i;
        if (m < 5)
            m++;
    }
    lw_doc_h(d, 3, "Hourly Grid Intensity");
    lw_doc_p(d, "Series: %zu rows (%s, column '%s'). Each run's intensity is the series' mean over the run, weighted by the "
                "energy used in each row; operational carbon per 1M tokens = wall energy of 1M tokens x that intensity.",
             n, lw_grid_series_format(g), lw_grid_series_column(g));
    const char *h1[] = {"Cleanest hours (start, UTC)", "gCO2e/kWh"};
    lw_doc_table_head(d, 2, h1);
    for (size_t k = 0; k < m; k++) {
        long long t, len;
        double v;
        char tb[32], vb[32];
        lw_grid_series_row(g, idx[k], &t, &len, &v, NULL);
        snprintf(vb, sizeof vb, "%.1f", v);
        const char *cells[] = {lw_time_format(t, tb, sizeof tb), vb};
        lw_doc_table_row(d, 2, cells);
    }
    lw_doc_table_end(d);
    const char *h2[] = {"Run", "Start (UTC)", "Configuration", "gCO2e/kWh during the run", "Operational gCO2e/1M tokens"};
    lw_doc_table_head(d, 5, h2);
    for (size_t i = 0; i < c->nruns; i++) {
        const lw_run *r = &c->runs[i];
        if (!lw_report_usable(r) || !r->time_ns || !isfinite(r->duration_s) || r->duration_s <= 0)
            continue;
        char id[24], tb[32], cfg[128], ib[48], ob[48];
        double v;
        snprintf(id, sizeof id, "%lld", r->id);
        snprintf(cfg, sizeof cfg, "%s %s b%d x%d", r->workload, r->precision, r->batch, r->gpus);
        bool ok = lw_grid_series_mean(g, r->time_ns, r->time_ns + (long long)llround(r->duration_s * 1e9), &v, NULL) == LW_OK;
        if (ok) {
            /* wall kWh per 1M tokens = 1e6 / tokens per J x (1 + overhead) / PSU / 3.6e6 */
            double kwh = 1e6 / r->tokens_per_j * (1 + lw_catalogue_value(c->cat, "cost.system_overhead_fraction", 0.20)) /
                         lw_catalogue_value(c->cat, "cost.psu_efficiency", 0.95) / 3.6e6;
            snprintf(ib, sizeof ib, "%.1f", v);
            snprintf(ob, sizeof ob, "%.3f", kwh * v);
        }
        const char *cells[] = {id, lw_time_format(r->time_ns, tb, sizeof tb), cfg, ok ? ib : "not covered", ok ? ob : NO_DATA};
        lw_doc_table_row(d, 5, cells);
    }
    lw_doc_table_end(d);
}

void lw_report_gpu_comparison(ctx *c)
{
    char names[8][96];
    size_t ng = 0;
    for (size_t i = 0; i < c->nruns && ng < 8; i++) {
        if (!lw_report_usable(&c->runs[i]) || !c->runs[i].gpu[0])
            continue;
        bool seen = false;
        for (size_t g = 0; g < ng; g++)
            seen |= strcmp(names[g], c->runs[i].gpu) == 0;
        if (!seen)
            lw_strlcpy(names[ng++], c->runs[i].gpu, sizeof names[0]);
    }
    if (ng < 2)
        return;
    lw_doc *d = &c->doc;
    lw_doc_h(d, 2, "GPU Comparison");
    lw_doc_p(d, "%zu GPU types in the runs. For each GPU and workload: the best configuration (highest mean tokens/J), its "
                "electricity and total cost per 1M tokens at $%.2f/kWh, and its embodied carbon per 1M tokens.",
             ng, c->o->price_usd_per_kwh);
    const char *h[] = {"GPU", "Workload", "Best configuration", "Runs", "Tokens/Joule", "Avg Power (W)", "Energy $/1M", "TCO $/1M",
                       "Embodied/1M"};
    lw_doc_table_head(d, 9, h);
    for (size_t g = 0; g < ng; g++)
        for (size_t i = 0; i < c->nrows; i++) {
            const lw_report_row *r = &c->rows[i];
            if (strcmp(r->gpu, names[g]))
                continue;
            bool best = true; /* best of this workload on this GPU */
            for (size_t j = 0; j < c->nrows; j++)
                if (strcmp(c->rows[j].workload, r->workload) == 0 && strcmp(c->rows[j].gpu, names[g]) == 0 &&
                    c->rows[j].tokens_per_j > r->tokens_per_j)
                    best = false;
            tco_row t;
            if (!best || !row_tco(c, r, names[g], &t))
                continue;
            char cfg[96], p[16], n[16], tj[32], pw[32], en[32], tm[32], em[32];
            lw_report_upper(p, r->precision, sizeof p);
            snprintf(cfg, sizeof cfg, "%s b%d x%d", p, r->batch, r->gpus);
            snprintf(n, sizeof n, "%zu", r->runs);
            snprintf(tm, sizeof tm, "$%.4f", t.tco_m);
            const char *cells[] = {names[g], r->workload, cfg, n, lw_report_fmtv(tj, sizeof tj, "", 3, r->tokens_per_j),
                                   lw_report_fmtv(pw, sizeof pw, "", 1, r->avg_power_w), lw_report_fmtv(en, sizeof en, "$", 4, r->cost_usd_per_million),
                                   tm, gram(em, sizeof em, t.emb_m)};
            lw_doc_table_row(d, 9, cells);
        }
    lw_doc_table_end(d);
}

