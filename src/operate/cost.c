/* Electricity cost, carbon, water and break-even (seed 004); formulas in include/llmwatt/cost.h. */
#include "llmwatt/cost.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/csv.h"
#include "core/util.h"

lw_status lw_cost_params_init(lw_cost_params *out, unsigned int version, const lw_catalogue *cat, int gpus, lw_err *err)
{
    lw_status st = lw_check_version("lw_cost_params", "LW_COST_PARAMS_INIT", version, LW_COST_PARAMS_VERSION, err);
    if (st != LW_OK)
        return st;
    lw_cost_params p = LW_COST_PARAMS_INIT; /* version 1 is the whole struct */
    p.gpus = gpus < 1 ? 1 : gpus;
    p.hardware_usd = 200000.0 / 8.0 * p.gpus; /* seed 004 */
    if (cat) {
        p.overhead_fraction = lw_catalogue_value(cat, "cost.system_overhead_fraction", p.overhead_fraction);
        p.psu_efficiency = lw_catalogue_value(cat, "cost.psu_efficiency", p.psu_efficiency);
        p.hardware_usd = lw_catalogue_value(cat, "cost.hardware_usd_per_8_gpus", 200000.0) / 8.0 * p.gpus;
        p.depreciation_years = lw_catalogue_value(cat, "cost.depreciation_years", p.depreciation_years);
        p.hours_per_year = lw_catalogue_value(cat, "cost.hours_per_year", p.hours_per_year);
    }
    *out = p;
    return LW_OK;
}

static bool bad(double v, double lo, double hi)
{
    return !isfinite(v) || v < lo || v > hi;
}

/* Version checks of the result records (docs/design.md, "ABI"): the library writes into or reads
 * from a caller's record only the fields of the caller's version. */
static lw_status v_energy(const lw_cost_energy *e, lw_err *err)
{
    return lw_check_version("lw_cost_energy", "LW_COST_ENERGY_INIT", e->version, LW_COST_ENERGY_VERSION, err);
}

static lw_status v_price(const lw_cost_price *c, lw_err *err)
{
    return lw_check_version("lw_cost_price", "LW_COST_PRICE_INIT", c->version, LW_COST_PRICE_VERSION, err);
}

static lw_status v_tco(const lw_cost_tco *t, lw_err *err)
{
    return lw_check_version("lw_cost_tco", "LW_COST_TCO_INIT", t->version, LW_COST_TCO_VERSION, err);
}

static lw_status v_break_even(const lw_break_even *b, lw_err *err)
{
    return lw_check_version("lw_break_even", "LW_BREAK_EVEN_INIT", b->version, LW_BREAK_EVEN_VERSION, err);
}

lw_status lw_cost_energy_compute(const lw_cost_params *p, lw_cost_energy *out, lw_err *err)
{
    lw_status vst = lw_check_version("lw_cost_params", "lw_cost_params_default() or LW_COST_PARAMS_INIT", p->version,
                                     LW_COST_PARAMS_VERSION, err);
    if (vst == LW_OK)
        vst = v_energy(out, err);
    if (vst != LW_OK)
        return vst;
    if (bad(p->gpu_power_w, 0, 1e9) || p->gpu_power_w <= 0)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "GPU power must be a positive number of watts, got %g", p->gpu_power_w);
    if (bad(p->tokens_per_s, 0, 1e12) || p->tokens_per_s <= 0)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "throughput must be a positive number of tokens/s, got %g", p->tokens_per_s);
    if (p->gpus < 1)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "GPU count must be >= 1, got %d", p->gpus);
    if (bad(p->idle_power_w, 0, 1e9))
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "idle power must be >= 0 W, got %g", p->idle_power_w);
    if (bad(p->utilization, 0, 1) || p->utilization <= 0)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "utilisation must be in (0, 1], got %g", p->utilization);
    if (bad(p->overhead_fraction, 0, 10))
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "system overhead must be between 0 and 10 (fraction of GPU power), got %g", p->overhead_fraction);
    if (bad(p->psu_efficiency, 0, 1) || p->psu_efficiency <= 0)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "PSU efficiency must be in (0, 1], got %g", p->psu_efficiency);
    if (bad(p->pue, 1, 10))
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "PUE must be between 1 and 10, got %g", p->pue);
    if (!isfinite(p->grid_g_per_kwh) || p->grid_g_per_kwh > 1e4)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "grid intensity must be between 0 and 10000 gCO2e/kWh, got %g", p->grid_g_per_kwh);
    if (!isfinite(p->wue_l_per_kwh) || p->wue_l_per_kwh > 100)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "WUE must be between 0 and 100 L/kWh, got %g", p->wue_l_per_kwh);
    if (bad(p->hardware_usd, 0, 1e12))
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "hardware cost must be >= 0 USD, got %g", p->hardware_usd);
    if (bad(p->depreciation_years, 0, 100) || p->depreciation_years <= 0)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "depreciation must be a positive number of years, got %g", p->depreciation_years);
    if (bad(p->hours_per_year, 0, 1e4) || p->hours_per_year <= 0)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "hours per year must be positive, got %g", p->hours_per_year);

    double u = p->utilization; /* version 1 is the whole record */
    out->gpu_avg_power_w = u * p->gpu_power_w + (1 - u) * p->idle_power_w;
    out->system_power_w = out->gpu_avg_power_w * (1 + p->overhead_fraction);
    out->wall_power_w = out->system_power_w / p->psu_efficiency;
    out->billed_power_w = out->wall_power_w * p->pue;
    out->tokens_per_hour = u * p->tokens_per_s * 3600.0;
    /* W x h/token x 1e6 tokens / 1000 = kWh per 1M tokens */
    out->wall_kwh_per_million = out->wall_power_w / out->tokens_per_hour * 1e6 / 1000.0;
    out->billed_kwh_per_million = out->billed_power_w / out->tokens_per_hour * 1e6 / 1000.0;
    out->co2e_g_per_million = p->grid_g_per_kwh >= 0 ? out->billed_kwh_per_million * p->grid_g_per_kwh : -1;
    out->water_l_per_million = p->wue_l_per_kwh >= 0 ? out->wall_kwh_per_million * p->wue_l_per_kwh : -1;
    out->amortisation_usd_per_hour = p->hardware_usd / (p->depreciation_years * p->hours_per_year);
    out->amortisation_usd_per_million = out->amortisation_usd_per_hour / out->tokens_per_hour * 1e6;
    out->life_months = p->depreciation_years * 12.0;
    return LW_OK;
}

lw_status lw_cost_at_price(const lw_cost_energy *e, double price, lw_cost_price *out, lw_err *err)
{
    lw_status vst = v_energy(e, err);
    if (vst == LW_OK)
        vst = v_price(out, err);
    if (vst != LW_OK)
        return vst;
    if (!isfinite(price) || price < 0 || price > 100)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "electricity price must be between 0 and 100 USD/kWh, got %g", price);
    out->price_usd_per_kwh = price;
    out->energy_usd_per_million = e->billed_kwh_per_million * price;
    out->energy_usd_per_hour = e->billed_power_w / 1000.0 * price;
    out->onprem_usd_per_million = out->energy_usd_per_million + e->amortisation_usd_per_million;
    return LW_OK;
}

/* Break-even of an upfront capex against an API, given the running cost per 1M tokens. */
static void break_even(const lw_cost_energy *e, const lw_cost_params *p, double capex, double running, const char *what,
                       double api, lw_break_even *out)
{
    unsigned int version = out->version; /* checked by the callers; version 1 is the whole record */
    memset(out, 0, sizeof *out);
    out->version = version;
    out->api_usd_per_million = api;
    out->margin_usd_per_million = api - running;
    double tokens_per_month = e->tokens_per_hour * p->hours_per_year / 12.0;
    if (out->margin_usd_per_million <= 0) {
        out->tokens = INFINITY;
        out->months = INFINITY;
        out->kind = LW_BREAK_EVEN_NEVER;
        snprintf(out->explanation, sizeof out->explanation,
                 "never: %s $%.4g per 1M tokens, not less than the API's $%.4g, so every token loses money", what,
                 running, api);
        return;
    }
    if (capex <= 0) {
        out->kind = LW_BREAK_EVEN_FREE;
        snprintf(out->explanation, sizeof out->explanation, "immediately: no hardware cost to recover");
        return;
    }
    out->tokens = capex / (out->margin_usd_per_million / 1e6);
    out->months = out->tokens / tokens_per_month;
    if (out->months <= e->life_months) {
        out->kind = LW_BREAK_EVEN_WITHIN_LIFE;
        snprintf(out->explanation, sizeof out->explanation,
                 "pays back in %.3g months, within the %.3g-month depreciation life", out->months, e->life_months);
    } else {
        out->kind = LW_BREAK_EVEN_AFTER_LIFE;
        snprintf(out->explanation, sizeof out->explanation,
                 "pays back only after %.3g months, beyond the %.3g-month depreciation life: on-prem costs more per token than the API",
                 out->months, e->life_months);
    }
}

lw_status lw_cost_break_even(const lw_cost_energy *e, const lw_cost_price *price, const lw_cost_params *p,
                             double api, lw_break_even *out, lw_err *err)
{
    lw_status vst = v_energy(e, err);
    if (vst == LW_OK)
        vst = v_price(price, err);
    if (vst == LW_OK)
        vst = v_break_even(out, err);
    if (vst != LW_OK)
        return vst;
    if (!isfinite(api) || api < 0)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "API price must be >= 0 USD per 1M tokens, got %g", api);
    break_even(e, p, p->hardware_usd, price->energy_usd_per_million, "electricity alone costs", api, out);
    return LW_OK;
}

lw_status lw_cost_tco_params_init(lw_cost_tco_params *out, unsigned int version, const lw_catalogue *cat, lw_err *err)
{
    lw_status st = lw_check_version("lw_cost_tco_params", "LW_COST_TCO_PARAMS_INIT", version, LW_COST_TCO_PARAMS_VERSION,
                                    err);
    if (st != LW_OK)
        return st;
    lw_cost_tco_params t = LW_COST_TCO_PARAMS_INIT; /* version 1 is the whole struct */
    if (cat) {
        t.maintenance_fraction_per_year = lw_catalogue_value(cat, "cost.maintenance_fraction_per_year", 0.10);
        t.colocation_usd_per_kw_month = lw_catalogue_value(cat, "cost.colocation_usd_per_kw_month", 184.06);
        t.networking_fraction = lw_catalogue_value(cat, "cost.networking_fraction", 0.10);
        t.service_life_years = lw_catalogue_value(cat, "cost.depreciation_years", 3.0);
    }
    *out = t;
    return LW_OK;
}

lw_status lw_cost_tco_compute(const lw_cost_params *p, const lw_cost_energy *e, const lw_cost_tco_params *t,
                              lw_cost_tco *out, lw_err *err)
{
    lw_status vst = lw_check_version("lw_cost_tco_params", "lw_cost_tco_params_default() or LW_COST_TCO_PARAMS_INIT",
                                     t->version, LW_COST_TCO_PARAMS_VERSION, err);
    if (vst == LW_OK)
        vst = v_energy(e, err);
    if (vst == LW_OK)
        vst = v_tco(out, err);
    if (vst != LW_OK)
        return vst;
    if (bad(t->maintenance_fraction_per_year, 0, 10))
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "maintenance must be between 0 and 10 (fraction of hardware per year), got %g",
                       t->maintenance_fraction_per_year);
    if (bad(t->colocation_usd_per_kw_month, 0, 1e5))
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "colocation must be between 0 and 100000 USD per kW-month, got %g",
                       t->colocation_usd_per_kw_month);
    if (bad(t->networking_fraction, 0, 10))
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "networking must be between 0 and 10 (fraction of hardware), got %g",
                       t->networking_fraction);
    if (t->depreciation != LW_DEPRECIATION_STRAIGHT && t->depreciation != LW_DEPRECIATION_DECLINING)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "unknown depreciation method %d", (int)t->depreciation);
    if (!isfinite(t->embodied_kg) || t->embodied_kg > 1e9)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "embodied carbon must be between 0 and 1e9 kgCO2e, got %g", t->embodied_kg);
    if (bad(t->service_life_years, 0, 100) || t->service_life_years <= 0)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "service life must be a positive number of years, got %g", t->service_life_years);
    unsigned int version = out->version; /* version 1 is the whole record */
    memset(out, 0, sizeof *out);
    out->version = version;
    double life_h = p->depreciation_years * p->hours_per_year;
    out->capex_usd = p->hardware_usd * (1 + t->networking_fraction);
    out->amortisation_usd_per_hour = out->capex_usd / life_h;
    out->maintenance_usd_per_hour = p->hardware_usd * t->maintenance_fraction_per_year / p->hours_per_year;
    out->colocation_usd_per_hour = e->wall_power_w / 1000.0 * t->colocation_usd_per_kw_month * 12.0 / p->hours_per_year;
    out->fixed_usd_per_hour = out->amortisation_usd_per_hour + out->maintenance_usd_per_hour + out->colocation_usd_per_hour;
    out->fixed_usd_per_million = out->fixed_usd_per_hour / e->tokens_per_hour * 1e6;
    out->embodied_g_per_hour = -1;
    out->embodied_g_per_million = -1;
    out->operational_g_per_hour = -1;
    out->sci_g_per_million = -1;
    if (t->embodied_kg >= 0) {
        out->embodied_g_per_hour = t->embodied_kg * 1000.0 / (t->service_life_years * p->hours_per_year);
        out->embodied_g_per_million = out->embodied_g_per_hour / e->tokens_per_hour * 1e6;
    }
    if (p->grid_g_per_kwh >= 0)
        out->operational_g_per_hour = e->billed_power_w / 1000.0 * p->grid_g_per_kwh;
    if (t->embodied_kg >= 0 && p->grid_g_per_kwh >= 0)
        out->sci_g_per_million = e->co2e_g_per_million + out->embodied_g_per_million;
    return LW_OK;
}

double lw_cost_depreciation_year(lw_depreciation m, double capex, int years, int year)
{
    if (years < 1 || year < 1 || year > years)
        return 0;
    if (m == LW_DEPRECIATION_STRAIGHT)
        return capex / years;
    double book = capex, charge = 0;
    for (int y = 1; y <= year; y++) {
        double declining = book * 2.0 / years, straight = book / (years - y + 1);
        charge = declining > straight ? declining : straight;
        book -= charge;
    }
    return charge;
}

lw_status lw_cost_tco_break_even(const lw_cost_energy *e, const lw_cost_price *price, const lw_cost_params *p,
                                 const lw_cost_tco *t, double api, lw_break_even *out, lw_err *err)
{
    lw_status vst = v_energy(e, err);
    if (vst == LW_OK)
        vst = v_price(price, err);
    if (vst == LW_OK)
        vst = v_tco(t, err);
    if (vst == LW_OK)
        vst = v_break_even(out, err);
    if (vst != LW_OK)
        return vst;
    if (!isfinite(api) || api < 0)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "API price must be >= 0 USD per 1M tokens, got %g", api);
    double running = price->energy_usd_per_million +
                     (t->maintenance_usd_per_hour + t->colocation_usd_per_hour) / e->tokens_per_hour * 1e6;
    break_even(e, p, t->capex_usd, running, "electricity, maintenance and colocation alone cost", api, out);
    return LW_OK;
}

lw_status lw_cost_rent_compare(const lw_cost_params *p, const lw_cost_price *price,
                               const lw_cost_tco *t, double rate, lw_rent_compare *out, lw_err *err)
{
    lw_status vst = v_price(price, err);
    if (vst == LW_OK)
        vst = v_tco(t, err);
    if (vst == LW_OK)
        vst = lw_check_version("lw_rent_compare", "LW_RENT_COMPARE_INIT", out->version, LW_RENT_COMPARE_VERSION, err);
    if (vst != LW_OK)
        return vst;
    if (bad(rate, 0, 1e4))
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "rental price must be between 0 and 10000 USD per GPU-hour, got %g", rate);
    out->rent_usd_per_hour = rate * p->gpus;
    double serving_tokens_per_hour = p->tokens_per_s * 3600.0;
    out->rent_usd_per_million = out->rent_usd_per_hour / serving_tokens_per_hour * 1e6;
    out->own_usd_per_million = price->energy_usd_per_million + t->fixed_usd_per_million;
    /* per hour of serving: owning costs fixed/u + electricity, renting costs the rate */
    double energy_serving = price->energy_usd_per_million * serving_tokens_per_hour / 1e6;
    double margin = out->rent_usd_per_hour - energy_serving;
    out->break_even_utilization = margin > 0 ? t->fixed_usd_per_hour / margin : INFINITY;
    return LW_OK;
}

const char *lw_break_even_words(const lw_break_even *b, char *buf, size_t n)
{
    switch (b->kind) {
    case LW_BREAK_EVEN_NEVER: snprintf(buf, n, "never"); break;
    case LW_BREAK_EVEN_FREE: snprintf(buf, n, "immediately"); break;
    case LW_BREAK_EVEN_WITHIN_LIFE: snprintf(buf, n, "%.3g months", b->months); break;
    case LW_BREAK_EVEN_AFTER_LIFE: snprintf(buf, n, "%.3g months (after the hardware's life)", b->months); break;
    }
    return buf;
}

/* ---------- tables from data/ ---------- */

static lw_status open_table(const char *path, const char *const *cols, int *idx, size_t ncols, lw_csv **out, lw_err *err)
{
    size_t len;
    const char *d = lw_embedded_data(path, &len);
    if (!d)
        return lw_fail(err, LW_ERR_NOT_FOUND, "built-in table '%s' is missing from this build", path);
    lw_csv *c = lw_csv_new(d, len);
    if (!c)
        return lw_fail(err, LW_ERR_NO_MEMORY, "out of memory");
    if (lw_csv_next(c, err) != 1) {
        lw_csv_free(c);
        return lw_fail(err, LW_ERR_PARSE, "built-in table '%s' has no header", path);
    }
    for (size_t i = 0; i < ncols; i++)
        if ((idx[i] = lw_csv_find(c, cols[i])) < 0) {
            lw_csv_free(c);
            return lw_fail(err, LW_ERR_PARSE, "built-in table '%s' lacks column '%s'", path, cols[i]);
        }
    *out = c;
    return LW_OK;
}

static void *grow_array(void *arr, size_t n, size_t *cap, size_t elem)
{
    if (n < *cap)
        return arr;
    size_t nc = *cap ? *cap * 2 : 16;
    void *na = realloc(arr, nc * elem);
    if (na)
        *cap = nc;
    return na;
}

static bool field_number(const lw_csv *c, int i, double *v)
{
    return lw_parse_number(lw_csv_field(c, (size_t)i), v);
}

/* Fills one zeroed record from the current row (ix: the columns' indices); false when a
 * number column is not a number. */
typedef bool (*row_fill)(const lw_csv *c, const int *ix, void *record);

/* A built-in table as a heap array of records of `size` bytes, one per row; `numbers` names the
 * number columns in the error ("prices and year must be numbers"). */
static lw_status load_table(const char *path, const char *const *cols, size_t ncols, size_t size, row_fill fill,
                            const char *numbers, void **out, size_t *n, lw_err *err)
{
    int ix[16];
    lw_csv *c = NULL;
    lw_status st = open_table(path, cols, ix, ncols, &c, err);
    if (st != LW_OK)
        return st;
    char *arr = NULL;
    size_t cnt = 0, cap = 0;
    int r;
    while ((r = lw_csv_next(c, err)) == 1) {
        char *na = grow_array(arr, cnt, &cap, size);
        if (!na) {
            st = lw_fail(err, LW_ERR_NO_MEMORY, "out of memory");
            break;
        }
        arr = na;
        memset(arr + cnt * size, 0, size);
        if (!fill(c, ix, arr + cnt * size)) {
            st = lw_fail(err, LW_ERR_PARSE, "%s line %zu: %s must be numbers", path, lw_csv_line(c), numbers);
            break;
        }
        cnt++;
    }
    if (r < 0 && st == LW_OK)
        st = LW_ERR_PARSE;
    lw_csv_free(c);
    if (st != LW_OK) {
        free(arr);
        return st;
    }
    *out = arr;
    *n = cnt;
    return LW_OK;
}

static bool region_row(const lw_csv *c, const int *ix, void *record)
{
    lw_region *g = record;
    lw_strlcpy(g->id, lw_csv_field(c, (size_t)ix[0]), sizeof g->id);
    lw_strlcpy(g->aliases, lw_csv_field(c, (size_t)ix[1]), sizeof g->aliases);
    lw_strlcpy(g->name, lw_csv_field(c, (size_t)ix[2]), sizeof g->name);
    lw_strlcpy(g->basis, lw_csv_field(c, (size_t)ix[4]), sizeof g->basis);
    lw_strlcpy(g->source, lw_csv_field(c, (size_t)ix[6]), sizeof g->source);
    double year;
    if (!field_number(c, ix[3], &g->g_co2e_per_kwh) || !field_number(c, ix[5], &year))
        return false;
    g->year = (int)year;
    return true;
}

lw_status lw_regions_load(lw_region **out, size_t *n, lw_err *err)
{
    static const char *const cols[] = {"id", "aliases", "name", "g_co2e_per_kwh", "basis", "year", "source"};
    void *arr;
    lw_status st = load_table("regions.csv", cols, 7, sizeof **out, region_row, "g_co2e_per_kwh and year", &arr, n, err);
    if (st == LW_OK)
        *out = arr;
    return st;
}

static bool alias_match(const char *aliases, const char *name)
{
    char buf[64];
    lw_strlcpy(buf, aliases, sizeof buf);
    char *save = NULL;
    for (char *t = strtok_r(buf, ";,", &save); t; t = strtok_r(NULL, ";,", &save))
        if (lw_streq_ci(t, name))
            return true;
    return false;
}

lw_status lw_region_find(const char *name, lw_region *out, lw_err *err)
{
    lw_region *all;
    size_t n;
    lw_status st = lw_regions_load(&all, &n, err);
    if (st != LW_OK)
        return st;
    for (size_t i = 0; i < n; i++)
        if (lw_streq_ci(all[i].id, name) || alias_match(all[i].aliases, name)) {
            *out = all[i];
            free(all);
            return LW_OK;
        }
    char ids[400] = "";
    size_t used = 0;
    for (size_t i = 0; i < n && used + 40 < sizeof ids; i++)
        used += (size_t)snprintf(ids + used, sizeof ids - used, "%s%s", i ? ", " : "", all[i].id);
    free(all);
    return lw_fail(err, LW_ERR_NOT_FOUND, "unknown region '%s' (known: %s); or give --grid-g-per-kwh", name, ids);
}

static bool api_price_row(const lw_csv *c, const int *ix, void *record)
{
    lw_api_price *a = record;
    lw_strlcpy(a->provider, lw_csv_field(c, (size_t)ix[0]), sizeof a->provider);
    lw_strlcpy(a->model_class, lw_csv_field(c, (size_t)ix[1]), sizeof a->model_class);
    lw_strlcpy(a->comparable_workload, lw_csv_field(c, (size_t)ix[2]), sizeof a->comparable_workload);
    lw_strlcpy(a->source, lw_csv_field(c, (size_t)ix[7]), sizeof a->source);
    double year;
    if (!field_number(c, ix[3], &a->usd_per_million) || !field_number(c, ix[4], &a->low) ||
        !field_number(c, ix[5], &a->high) || !field_number(c, ix[6], &year))
        return false;
    a->year = (int)year;
    return true;
}

lw_status lw_api_prices_load(lw_api_price **out, size_t *n, lw_err *err)
{
    static const char *const cols[] = {"provider", "class", "comparable_workload", "usd_per_million_tokens", "low", "high", "year", "source"};
    void *arr;
    lw_status st = load_table("api_prices.csv", cols, 8, sizeof **out, api_price_row, "prices and year", &arr, n, err);
    if (st == LW_OK)
        *out = arr;
    return st;
}
