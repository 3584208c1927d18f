/* llmwatt cost: electricity cost, carbon, water and break-even per 1M tokens (seed 004). */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "commands.h"
#include "common.h"
#include "llmwatt/cost.h"
#include "llmwatt/grid.h"
#include "llmwatt/history.h"

static const char *usage_text =
    "usage: llmwatt cost (--measurement FILE | --estimate FILE [--tokens-per-s T] [--power-w W] | --power-w W --tokens-per-s T)\n"
    "                    [--gpus N] [--gpu NAME] [--price-kwh P[,P...]] [--overhead F] [--psu-efficiency F]\n"
    "                    [--idle-w W] [--utilization U] [--pue X|NAME] [--grid-g-per-kwh G | --region R]\n"
    "                    [--wue X|NAME] [--api-price-per-m USD] [--hardware-usd USD] [--depreciation-years Y]\n"
    "                    [--carbon-intensity SERIES.csv] [--maintenance F] [--colocation-usd-per-kw-month X]\n"
    "                    [--networking F] [--depreciation straight|declining] [--no-tco]\n"
    "                    [--embodied-kg-per-gpu KG] [--service-life-years Y] [--rent-usd-per-gpu-hour R]\n"
    "                    [--json] [--catalogue FILE]\n\n"
    "Electricity cost per 1M output tokens and per hour, carbon (gCO2e per 1M tokens), water and\n"
    "break-even against API prices, from a measurement JSON, an estimate JSON or plain figures.\n"
    "An estimate's throughput is batch x output_tokens / time_s and its power avg_power_w;\n"
    "--tokens-per-s and --power-w override them.\n"
    "Power chain: GPU x (1 + overhead) / PSU efficiency [x PUE]. Defaults (seed 004): prices 0.10,\n"
    "0.20, 0.30 $/kWh, overhead 0.20, PSU 0.95, hardware $200,000 per 8 GPUs over 3 years.\n"
    "--idle-w is per GPU and only matters with --utilization < 1. --pue/--wue take a number or a\n"
    "name (see 'llmwatt sources cost.pue', 'llmwatt sources cost.wue'); --region one of the ids in\n"
    "data/regions.csv (us, eu, fr, de, cn, in, world, uk, jp, kr, ca, us-ca, fr-rte, us-eia).\n"
    "--gpu (or the measurement's GPU) picks the hardware price, cloud rental offers and embodied carbon\n"
    "from data/gpu_prices.csv and data/gpu_embodied.csv ('llmwatt sources price.', 'llmwatt sources\n"
    "embodied.'). Total cost of ownership adds maintenance, colocation and networking (catalogue\n"
    "defaults; --no-tco: hardware and electricity only, as seed 004's break-even table).\n"
    "--carbon-intensity weights an hourly grid series (timestamp,g_per_kwh; Electricity Maps or\n"
    "WattTime CSV exports) by when the measurement ran; without it the region's annual average is used.\n";

typedef struct sval {
    double v;
    char src[1024];
} sval;

static void set(sval *s, double v, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set(sval *s, double v, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    s->v = v;
    vsnprintf(s->src, sizeof s->src, fmt, ap);
    va_end(ap);
}

/* A catalogue constant into s ("value (source, year)"). */
static bool from_const(const lw_catalogue *cat, const char *key, sval *s)
{
    const lw_constant *c;
    if (lw_catalogue_find_constant(cat, key, &c, NULL) != LW_OK)
        return false;
    set(s, c->value, "%s (%d) [%s]", c->source, c->year, key);
    return true;
}

/* --pue / --wue: a number in [min, max] or a constant name under prefix. */
static int number_or_named(const char *cmd, const char *opt, const char *val, const char *prefix, double min, double max,
                           const lw_catalogue *cat, sval *out)
{
    double v;
    char *end;
    v = strtod(val, &end);
    if (end != val && *end == '\0') {
        if (!isfinite(v) || v < min || v > max)
            return cli_usage(cmd, "--%s must be between %g and %g, got '%s'", opt, min, max, val);
        set(out, v, "--%s", opt);
        return EXIT_OK;
    }
    char key[96];
    snprintf(key, sizeof key, "%s.%s", prefix, val);
    for (char *p = key; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    if (!from_const(cat, key, out)) {
        cli_error(cmd, "--%s: unknown name '%s' (give a number, or see 'llmwatt sources %s')", opt, val, prefix);
        return EXIT_NOT_FOUND;
    }
    return EXIT_OK;
}

typedef struct cost_in {
    sval power, tps, gpus, idle, util, overhead, psu, pue, grid, wue, hw, years, hours;
    sval maint, colo, net, embodied, life;
    double embodied_low, embodied_high;
    bool tco, have_embodied;
    lw_depreciation dep;
    char gpu_id[48];
    lw_grid_series *series;
    const char *gpu_name;
    double jpt_low, jpt_high, jpt; /* estimate band, J per output token */
    bool have_grid, have_wue;
    char grid_year[16];
} cost_in;

static json_t *src_json(const sval *s)
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

/* Idle power of all GPUs: --idle-w, the measurement's baseline, the seed's B200 figure, the catalogue. */
static void resolve_idle(const lw_catalogue *cat, cost_in *in, const lw_run *run, const char *file, double idle_opt)
{
    int g = (int)in->gpus.v;
    const lw_gpu *gpu = NULL;
    if (idle_opt >= 0) {
        set(&in->idle, idle_opt * g, "--idle-w %g W per GPU x %d", idle_opt, g);
        return;
    }
    if (run && isfinite(run->idle_power_w)) {
        set(&in->idle, run->idle_power_w, "measured idle baseline in %s (idle_baseline.power_w)", file);
        return;
    }
    const char *name = in->gpu_name;
    sval c;
    if (name && strcasestr(name, "b200") && from_const(cat, "cost.idle_w_per_gpu.b200", &c)) {
        set(&in->idle, c.v * g, "%g W per B200 x %d: %s", c.v, g, c.src);
        return;
    }
    if (name && lw_catalogue_find_gpu(cat, name, &gpu, NULL) == LW_OK && gpu->idle_w > 0) {
        set(&in->idle, gpu->idle_w * g, "catalogue idle_w of %s (%g W) x %d", gpu->id, gpu->idle_w, g);
        return;
    }
    set(&in->idle, NAN, "unknown (not needed at utilisation 1; give --idle-w for a partly idle deployment)");
}

/* The catalogue id of the GPU named by --gpu or the measurement ("" when unknown). */
static void resolve_gpu_id(const lw_catalogue *cat, cost_in *in)
{
    const lw_gpu *gpu;
    in->gpu_id[0] = '\0';
    if (in->gpu_name && lw_catalogue_find_gpu(cat, in->gpu_name, &gpu, NULL) == LW_OK)
        snprintf(in->gpu_id, sizeof in->gpu_id, "%s", gpu->id);
}

/* Hardware: --hardware-usd, the GPU's price in data/gpu_prices.csv x GPUs, else seed 004's $200,000 per 8. */
static void resolve_hardware(const lw_catalogue *cat, cost_in *in, double hw_opt)
{
    if (hw_opt >= 0) {
        set(&in->hw, hw_opt, "--hardware-usd");
        return;
    }
    char key[96];
    const lw_constant *c;
    snprintf(key, sizeof key, "price.%s.purchase", in->gpu_id);
    if (in->gpu_id[0] && lw_catalogue_find_constant(cat, key, &c, NULL) == LW_OK) {
        set(&in->hw, c->value * in->gpus.v, "%s x %g at $%g each (range $%g..%g): %s (%d) [%s]", in->gpu_id, in->gpus.v, c->value,
            c->low, c->high, c->source, c->year, key);
        return;
    }
    sval d;
    if (!from_const(cat, "cost.hardware_usd_per_8_gpus", &d))
        set(&d, 200000, "seed 004 (built-in)");
    char why[128] = "";
    if (in->gpu_name)
        snprintf(why, sizeof why, "no price for '%s' in data/gpu_prices.csv; ", in->gpu_name);
    set(&in->hw, d.v / 8.0 * in->gpus.v, "%s$%g per 8 GPUs prorated to %g GPU(s): %s", why, d.v, in->gpus.v, d.src);
}

/* Embodied carbon of the deployment: GPUs (--embodied-kg-per-gpu or data/gpu_embodied.csv) plus
 * the host's share (embodied.server_host per 8 GPUs). */
static void resolve_embodied(const lw_catalogue *cat, cost_in *in, double per_gpu_opt)
{
    const lw_constant *host = NULL, *g = NULL;
    char key[96];
    double n = in->gpus.v;
    lw_catalogue_find_constant(cat, "embodied.server_host", &host, NULL);
    double host_kg = host ? host->value * n / 8.0 : 0;
    snprintf(key, sizeof key, "embodied.%s.gpu", in->gpu_id);
    if (per_gpu_opt >= 0) {
        in->have_embodied = true;
        set(&in->embodied, per_gpu_opt * n + host_kg, "--embodied-kg-per-gpu %g x %g + host %g kg (%g/8 of %g kg [embodied.server_host])",
            per_gpu_opt, n, host_kg, n, host ? host->value : 0);
        in->embodied_low = in->embodied_high = in->embodied.v;
        return;
    }
    if (in->gpu_id[0] && lw_catalogue_find_constant(cat, key, &g, NULL) == LW_OK) {
        in->have_embodied = true;
        set(&in->embodied, g->value * n + host_kg,
            "%g GPU x %g kg + host %g/8 x %g kg; cradle-to-gate (scope 3 cat. 2 capital goods): %s (%d) [%s]; host: %s [embodied.server_host]",
            n, g->value, n, host ? host->value : 0, g->source, g->year, key, host ? host->source : "none");
        in->embodied_low = g->low * n + host_kg;
        in->embodied_high = g->high * n + host_kg;
        return;
    }
    set(&in->embodied, NAN, "unknown: no embodied figure for %s in data/gpu_embodied.csv (give --embodied-kg-per-gpu KG)",
        in->gpu_name ? in->gpu_name : "an unnamed GPU (give --gpu NAME)");
}

static void resolve_tco(const lw_catalogue *cat, cost_in *in, double maint, double colo, double net, double life)
{
    lw_cost_tco_params d = lw_cost_tco_params_default(cat);
    if (!in->tco) {
        set(&in->maint, 0, "--no-tco");
        set(&in->colo, 0, "--no-tco");
        set(&in->net, 0, "--no-tco");
    } else {
        if (maint >= 0)
            set(&in->maint, maint, "--maintenance");
        else if (!from_const(cat, "cost.maintenance_fraction_per_year", &in->maint))
            set(&in->maint, d.maintenance_fraction_per_year, "built-in");
        if (colo >= 0)
            set(&in->colo, colo, "--colocation-usd-per-kw-month");
        else if (!from_const(cat, "cost.colocation_usd_per_kw_month", &in->colo))
            set(&in->colo, d.colocation_usd_per_kw_month, "built-in");
        if (net >= 0)
            set(&in->net, net, "--networking");
        else if (!from_const(cat, "cost.networking_fraction", &in->net))
            set(&in->net, d.networking_fraction, "built-in");
    }
    if (life > 0)
        set(&in->life, life, "--service-life-years");
    else
        set(&in->life, in->years.v, "the depreciation life (give --service-life-years for another)");
}

/* --carbon-intensity: the series' energy-weighted mean over the measurement's span. */
static int resolve_series(const char *cmd, const char *file, const lw_run *run, const char *meas, cost_in *in)
{
    lw_err err;
    if (!meas)
        return cli_usage(cmd, "--carbon-intensity needs --measurement FILE (a run with a start time to weight by)");
    if (run->time_ns == 0 || !isfinite(run->duration_s) || run->duration_s <= 0)
        return cli_usage(cmd, "--carbon-intensity: %s has no start_time and duration_s to weight the series by", meas);
    if (lw_grid_series_load(file, &in->series, &err) != LW_OK) {
        cli_error(cmd, "--carbon-intensity: %s", lw_err_message(&err));
        return cli_exit_code(err.status);
    }
    long long end = run->time_ns + (long long)llround(run->duration_s * 1e9);
    double g;
    if (lw_grid_series_mean(in->series, run->time_ns, end, &g, &err) != LW_OK) {
        cli_error(cmd, "--carbon-intensity %s: %s; give a series that covers the measurement", file, lw_err_message(&err));
        return EXIT_INPUT;
    }
    char a[32], b[32];
    set(&in->grid, g, "%s weighted by energy over %s .. %s (%s, column '%s', %zu rows)", file,
        lw_time_format(run->time_ns, a, sizeof a), lw_time_format(end, b, sizeof b), lw_grid_series_format(in->series),
        lw_grid_series_column(in->series), lw_grid_series_count(in->series));
    in->have_grid = true;
    return EXIT_OK;
}

/* Indices of the (up to) k cleanest rows of the series, cleanest first. */
static size_t cleanest_rows(const lw_grid_series *s, size_t *idx, size_t k)
{
    size_t n = lw_grid_series_count(s), m = 0;
    for (size_t i = 0; i < n; i++) {
        long long t, len;
        double g, gj;
        lw_grid_series_row(s, i, &t, &len, &g, NULL);
        size_t pos = m;
        while (pos > 0) {
            lw_grid_series_row(s, idx[pos - 1], &t, &len, &gj, NULL);
            if (gj <= g)
                break;
            pos--;
        }
        if (pos >= k)
            continue;
        size_t last = m < k ? m : k - 1;
        for (size_t j = last; j > pos; j--)
            idx[j] = idx[j - 1];
        idx[pos] = i;
        if (m < k)
            m++;
    }
    return m;
}

static int load_input(const char *cmd, const char *meas, const char *est, double power_opt, double tps_opt, int gpus_opt,
                      cost_in *in, lw_run *run)
{
    lw_err err;
    const char *file = meas ? meas : est;
    if (!file) {
        if (power_opt < 0 || tps_opt < 0)
            return cli_usage(cmd, "give --measurement FILE, --estimate FILE, or both --power-w and --tokens-per-s");
        set(&in->power, power_opt, "--power-w");
        set(&in->tps, tps_opt, "--tokens-per-s");
        set(&in->gpus, gpus_opt > 0 ? gpus_opt : 1, gpus_opt > 0 ? "--gpus" : "default: 1 GPU");
        return EXIT_OK;
    }
    if (power_opt >= 0 && meas)
        return cli_usage(cmd, "--power-w cannot be combined with --measurement");
    if (lw_run_load(file, run, NULL, &err) != LW_OK) {
        cli_error(cmd, "--%s: %s", meas ? "measurement" : "estimate", lw_err_message(&err));
        return cli_exit_code(err.status);
    }
    if (meas && run->kind != LW_RUN_MEASUREMENT)
        return cli_usage(cmd, "--measurement %s is an estimate JSON; use --estimate", file);
    if (est && run->kind != LW_RUN_ESTIMATE)
        return cli_usage(cmd, "--estimate %s is a measurement JSON; use --measurement", file);
    in->gpu_name = run->gpu[0] ? run->gpu : NULL;
    set(&in->gpus, gpus_opt > 0 ? gpus_opt : run->gpus, gpus_opt > 0 ? "--gpus" : "%s (gpus)", file);
    if (tps_opt >= 0)
        set(&in->tps, tps_opt, "--tokens-per-s");
    else if (isfinite(run->tokens_per_s) && run->tokens_per_s > 0)
        set(&in->tps, run->tokens_per_s, meas ? "%s (tokens_per_s)" : "%s (tokens_per_s, else batch x output_tokens / time_s)", file);
    else {
        cli_error(cmd, "%s has no throughput (tokens_per_s%s); give --tokens-per-s T", file,
                  meas ? "" : ", or batch, output_tokens and time_s");
        return meas ? EXIT_INPUT : EXIT_USAGE;
    }
    if (meas) {
        set(&in->power, run->avg_power_w, "%s (aggregate.avg_power_w)", file);
        if (run->valid == 0)
            fprintf(stderr, "llmwatt cost: warning: %s is an INVALID measurement (see its verdict)\n", file);
    } else {
        in->jpt = run->j_per_token;
        in->jpt_low = run->j_per_token_low;
        in->jpt_high = run->j_per_token_high;
        if (power_opt >= 0)
            set(&in->power, power_opt, "--power-w");
        else if (isfinite(run->avg_power_w) && run->avg_power_w > 0)
            set(&in->power, run->avg_power_w, "%s (avg_power_w)", file);
        else /* an estimate without its own power or throughput: its J per token at the given throughput */
            set(&in->power, run->j_per_token * in->tps.v, "%s: energy_per_output_token_j.expected %g J x %g tokens/s", file,
                run->j_per_token, in->tps.v);
    }
    return EXIT_OK;
}

static void print_row(const char *name, const char *value, const char *src)
{
    printf("  %-18s %-22s %s\n", name, value, src);
}

typedef struct price_list {
    sval p[16];
    int n;
    bool given;
} price_list;

static int parse_prices(const char *cmd, const char *val, price_list *pl)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", val);
    pl->n = 0;
    pl->given = true;
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        double v;
        if (pl->n == 16)
            return cli_usage(cmd, "--price-kwh takes at most 16 prices");
        if (!cli_number(cmd, "price-kwh", t, 0, 100, &v))
            return EXIT_USAGE;
        set(&pl->p[pl->n++], v, "--price-kwh");
    }
    if (pl->n == 0)
        return cli_usage(cmd, "--price-kwh expects a price in USD/kWh, got '%s'", val);
    return EXIT_OK;
}

typedef struct api_list {
    lw_api_price *a;
    size_t n;
} api_list;

/* Rental offers for the GPU: data/gpu_prices.csv on_demand / reserved rows and --rent-usd-per-gpu-hour. */
typedef struct rent_offer {
    char name[64];
    char kind[16];
    double rate, low, high;
    char src[LW_SOURCE_MAX + 128];
} rent_offer;

typedef struct rent_list {
    rent_offer o[16];
    size_t n;
} rent_list;

static void collect_rents(const lw_catalogue *cat, const char *gpu_id, double opt, rent_list *r)
{
    r->n = 0;
    if (opt >= 0) {
        rent_offer *o = &r->o[r->n++];
        snprintf(o->name, sizeof o->name, "--rent-usd-per-gpu-hour");
        snprintf(o->kind, sizeof o->kind, "on_demand");
        o->rate = o->low = o->high = opt;
        snprintf(o->src, sizeof o->src, "--rent-usd-per-gpu-hour");
    }
    if (!gpu_id[0])
        return;
    static const char *const kinds[] = {"on_demand", "reserved"};
    for (size_t k = 0; k < 2; k++) {
        char prefix[96];
        int pl = snprintf(prefix, sizeof prefix, "price.%s.%s.", gpu_id, kinds[k]);
        for (size_t i = 0; i < lw_catalogue_constant_count(cat) && r->n < 16; i++) {
            const lw_constant *c = lw_catalogue_constant_at(cat, i);
            if (strncmp(c->key, prefix, (size_t)pl) != 0)
                continue;
            rent_offer *o = &r->o[r->n++];
            snprintf(o->name, sizeof o->name, "%s", c->key + pl);
            snprintf(o->kind, sizeof o->kind, "%s", kinds[k]);
            o->rate = c->value;
            o->low = c->low;
            o->high = c->high;
            snprintf(o->src, sizeof o->src, "%s (%d) [%s]", c->source, c->year, c->key);
        }
    }
}

/* Break-even with every owning cost (TCO), or hardware and electricity only (--no-tco, seed 004). */
static lw_status be(const lw_cost_energy *e, const lw_cost_price *cp, const lw_cost_params *p, const lw_cost_tco *t, bool tco,
                    double api, lw_break_even *b)
{
    return tco ? lw_cost_tco_break_even(e, cp, p, t, api, b, NULL) : lw_cost_break_even(e, cp, p, api, b, NULL);
}

/* Reserved capacity is paid every hour; on demand only while serving. */
static void rent_numbers(const lw_cost_params *p, const lw_cost_energy *e, const lw_cost_price *cp, const lw_cost_tco *t,
                         const rent_offer *o, lw_rent_compare *rc)
{
    lw_cost_rent_compare(p, cp, t, o->rate, rc, NULL);
    if (strcmp(o->kind, "reserved") == 0) {
        rc->rent_usd_per_million = rc->rent_usd_per_hour / e->tokens_per_hour * 1e6;
        rc->break_even_utilization = NAN;
    }
}

static json_t *scenario_json(const lw_cost_price *cp, const sval *price, const lw_cost_energy *e, const lw_cost_params *p,
                             const lw_cost_tco *t, bool tco, const api_list *apis, const rent_list *rents)
{
    json_t *o = json_object();
    json_object_set_new(o, "price_usd_per_kwh", json_real(cp->price_usd_per_kwh));
    json_object_set_new(o, "price_source", json_string(price->src));
    json_object_set_new(o, "cost_per_million_tokens_usd", json_real(cp->energy_usd_per_million));
    json_object_set_new(o, "cost_per_hour_usd", json_real(cp->energy_usd_per_hour));
    json_object_set_new(o, "onprem_cost_per_million_tokens_usd", json_real(cp->energy_usd_per_million + t->fixed_usd_per_million));
    json_t *rent = json_array();
    for (size_t i = 0; i < rents->n; i++) {
        lw_rent_compare rc;
        rent_numbers(p, e, cp, t, &rents->o[i], &rc);
        json_t *r = json_object();
        json_object_set_new(r, "offer", json_string(rents->o[i].name));
        json_object_set_new(r, "kind", json_string(rents->o[i].kind));
        json_object_set_new(r, "usd_per_gpu_hour", json_real(rents->o[i].rate));
        json_object_set_new(r, "usd_per_gpu_hour_low", json_real(rents->o[i].low));
        json_object_set_new(r, "usd_per_gpu_hour_high", json_real(rents->o[i].high));
        json_object_set_new(r, "source", json_string(rents->o[i].src));
        json_object_set_new(r, "rent_usd_per_million_tokens", json_real(rc.rent_usd_per_million));
        json_object_set_new(r, "own_usd_per_million_tokens", json_real(rc.own_usd_per_million));
        json_object_set_new(r, "break_even_utilization",
                            isfinite(rc.break_even_utilization) ? json_real(rc.break_even_utilization) : json_null());
        json_array_append_new(rent, r);
    }
    json_object_set_new(o, "rent", rent);
    json_t *be_arr = json_array();
    for (size_t i = 0; i < apis->n; i++) {
        lw_break_even b;
        if (be(e, cp, p, t, tco, apis->a[i].usd_per_million, &b) != LW_OK)
            continue;
        json_t *r = json_object();
        json_object_set_new(r, "provider", json_string(apis->a[i].provider));
        json_object_set_new(r, "class", json_string(apis->a[i].model_class));
        json_object_set_new(r, "api_usd_per_million_tokens", json_real(b.api_usd_per_million));
        json_object_set_new(r, "api_price_source", json_string(apis->a[i].source));
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

static void print_break_even(const lw_cost_price *cp, const lw_cost_energy *e, const lw_cost_params *p, const lw_cost_tco *t,
                             bool tco, const api_list *apis)
{
    printf("\nbreak-even vs API at $%.2f/kWh (on-prem $%.4g per 1M tokens = energy $%.4g + %s $%.4g):\n",
           cp->price_usd_per_kwh, cp->energy_usd_per_million + t->fixed_usd_per_million, cp->energy_usd_per_million,
           tco ? "hardware, networking, maintenance, colocation" : "hardware", t->fixed_usd_per_million);
    printf("  %-22s %10s %20s  %s\n", "provider", "API $/1M", "tokens to break even", "time to break even");
    for (size_t i = 0; i < apis->n; i++) {
        lw_break_even b;
        char tok[32], words[96];
        if (be(e, cp, p, t, tco, apis->a[i].usd_per_million, &b) != LW_OK)
            continue;
        if (isfinite(b.tokens))
            snprintf(tok, sizeof tok, "%.4g billion", b.tokens / 1e9);
        else
            snprintf(tok, sizeof tok, "never");
        printf("  %-22s %10.2f %20s  %s\n", apis->a[i].provider, b.api_usd_per_million, tok, lw_break_even_words(&b, words, sizeof words));
        if (b.kind == LW_BREAK_EVEN_NEVER || b.kind == LW_BREAK_EVEN_AFTER_LIFE)
            printf("  %-22s %s\n", "", b.explanation);
    }
}

static void print_rents(const lw_cost_price *cp, const lw_cost_energy *e, const lw_cost_params *p, const lw_cost_tco *t,
                        const rent_list *rents)
{
    if (!rents->n)
        return;
    printf("\nbuy vs rent at $%.2f/kWh (own $%.4g per 1M tokens at utilisation %.3g):\n", cp->price_usd_per_kwh,
           cp->energy_usd_per_million + t->fixed_usd_per_million, p->utilization);
    printf("  %-26s %-9s %9s %11s  %s\n", "offer", "kind", "$/GPU-h", "rent $/1M", "verdict");
    for (size_t i = 0; i < rents->n; i++) {
        lw_rent_compare rc;
        char verdict[96];
        rent_numbers(p, e, cp, t, &rents->o[i], &rc);
        if (isnan(rc.break_even_utilization))
            snprintf(verdict, sizeof verdict, "%s", rc.own_usd_per_million < rc.rent_usd_per_million ? "owning is cheaper" : "renting is cheaper");
        else if (rc.break_even_utilization > 1)
            snprintf(verdict, sizeof verdict, "renting is cheaper even serving all the time");
        else
            snprintf(verdict, sizeof verdict, "owning is cheaper above %.3g%% of hours serving", rc.break_even_utilization * 100);
        printf("  %-26s %-9s %9.4g %11.4g  %s\n", rents->o[i].name, rents->o[i].kind, rents->o[i].rate, rc.rent_usd_per_million, verdict);
    }
    for (size_t i = 0; i < rents->n; i++)
        printf("  [%s] %s\n", rents->o[i].name, rents->o[i].src);
}

int cmd_cost(int argc, char **argv)
{
    enum { O_HELP = 256, O_JSON, O_CAT, O_MEAS, O_EST, O_POWER, O_TPS, O_GPUS, O_GPU, O_PRICE, O_OVER, O_PSU, O_IDLE, O_UTIL,
           O_PUE, O_GRID, O_REGION, O_WUE, O_API, O_HW, O_YEARS, O_SERIES, O_MAINT, O_COLO, O_NET, O_DEP, O_NOTCO, O_EMB, O_LIFE,
           O_RENT };
    static const cli_opt opts[] = {
        {"help", false, O_HELP}, {"json", false, O_JSON}, {"catalogue", true, O_CAT}, {"measurement", true, O_MEAS},
        {"estimate", true, O_EST}, {"power-w", true, O_POWER}, {"tokens-per-s", true, O_TPS}, {"gpus", true, O_GPUS},
        {"gpu", true, O_GPU}, {"price-kwh", true, O_PRICE}, {"overhead", true, O_OVER}, {"psu-efficiency", true, O_PSU},
        {"idle-w", true, O_IDLE}, {"utilization", true, O_UTIL}, {"pue", true, O_PUE}, {"grid-g-per-kwh", true, O_GRID},
        {"region", true, O_REGION}, {"wue", true, O_WUE}, {"api-price-per-m", true, O_API}, {"hardware-usd", true, O_HW},
        {"depreciation-years", true, O_YEARS}, {"carbon-intensity", true, O_SERIES}, {"maintenance", true, O_MAINT},
        {"colocation-usd-per-kw-month", true, O_COLO}, {"networking", true, O_NET}, {"depreciation", true, O_DEP},
        {"no-tco", false, O_NOTCO}, {"embodied-kg-per-gpu", true, O_EMB}, {"service-life-years", true, O_LIFE},
        {"rent-usd-per-gpu-hour", true, O_RENT}, {NULL, false, 0}};
    const char *cmd = "cost", *catfile = NULL, *meas = NULL, *est = NULL, *gpu_name = NULL, *v;
    const char *pue_arg = NULL, *wue_arg = NULL, *region = NULL, *price_arg = NULL, *series = NULL;
    bool json = false, no_tco = false;
    double power = -1, tps = -1, over = -1, psu = -1, idle = -1, util = -1, grid = -1, api = -1, hw = -1, years = -1;
    double maint = -1, colo = -1, net = -1, emb = -1, life = -1, rent = -1;
    lw_depreciation dep = LW_DEPRECIATION_STRAIGHT;
    int gpus = 0, i = 1, id;
    while ((id = cli_getopt(cmd, argc, argv, opts, &i, &v)) > 0) {
        bool ok = true;
        switch (id) {
        case O_HELP: fputs(usage_text, stdout); return EXIT_OK;
        case O_JSON: json = true; break;
        case O_CAT: catfile = v; break;
        case O_MEAS: meas = v; break;
        case O_EST: est = v; break;
        case O_POWER: ok = cli_number(cmd, "power-w", v, 1e-9, 1e9, &power); break;
        case O_TPS: ok = cli_number(cmd, "tokens-per-s", v, 1e-9, 1e12, &tps); break;
        case O_GPUS: ok = cli_int(cmd, "gpus", v, 1, 1000000, &gpus); break;
        case O_GPU: gpu_name = v; break;
        case O_PRICE: price_arg = v; break;
        case O_OVER: ok = cli_number(cmd, "overhead", v, 0, 10, &over); break;
        case O_PSU: ok = cli_number(cmd, "psu-efficiency", v, 0.01, 1, &psu); break;
        case O_IDLE: ok = cli_number(cmd, "idle-w", v, 0, 1e6, &idle); break;
        case O_UTIL: ok = cli_number(cmd, "utilization", v, 0.001, 1, &util); break;
        case O_PUE: pue_arg = v; break;
        case O_GRID: ok = cli_number(cmd, "grid-g-per-kwh", v, 0, 10000, &grid); break;
        case O_REGION: region = v; break;
        case O_WUE: wue_arg = v; break;
        case O_API: ok = cli_number(cmd, "api-price-per-m", v, 0, 1e6, &api); break;
        case O_HW: ok = cli_number(cmd, "hardware-usd", v, 0, 1e12, &hw); break;
        case O_YEARS: ok = cli_number(cmd, "depreciation-years", v, 0.01, 100, &years); break;
        case O_SERIES: series = v; break;
        case O_MAINT: ok = cli_number(cmd, "maintenance", v, 0, 10, &maint); break;
        case O_COLO: ok = cli_number(cmd, "colocation-usd-per-kw-month", v, 0, 1e5, &colo); break;
        case O_NET: ok = cli_number(cmd, "networking", v, 0, 10, &net); break;
        case O_NOTCO: no_tco = true; break;
        case O_EMB: ok = cli_number(cmd, "embodied-kg-per-gpu", v, 0, 1e6, &emb); break;
        case O_LIFE: ok = cli_number(cmd, "service-life-years", v, 0.01, 100, &life); break;
        case O_RENT: ok = cli_number(cmd, "rent-usd-per-gpu-hour", v, 0, 1e4, &rent); break;
        case O_DEP:
            if (strcmp(v, "straight") == 0)
                dep = LW_DEPRECIATION_STRAIGHT;
            else if (strcmp(v, "declining") == 0)
                dep = LW_DEPRECIATION_DECLINING;
            else
                return cli_usage(cmd, "--depreciation must be 'straight' or 'declining', got '%s'", v);
            break;
        }
        if (!ok)
            return EXIT_USAGE;
    }
    if (id < 0)
        return EXIT_USAGE;
    if (i < argc)
        return cli_usage(cmd, "unexpected argument '%s'", argv[i]);
    if (meas && est)
        return cli_usage(cmd, "give --measurement or --estimate, not both");
    if ((grid >= 0) + (region != NULL) + (series != NULL) > 1)
        return cli_usage(cmd, "give one of --grid-g-per-kwh, --region and --carbon-intensity");
    if (no_tco && (maint >= 0 || colo >= 0 || net >= 0))
        return cli_usage(cmd, "--no-tco cannot be combined with --maintenance, --colocation-usd-per-kw-month or --networking");
    price_list prices = {0};
    int rc;
    if (price_arg && (rc = parse_prices(cmd, price_arg, &prices)))
        return rc;

    lw_catalogue *cat;
    if ((rc = cli_catalogue(cmd, catfile, &cat)))
        return rc;
    cost_in in;
    memset(&in, 0, sizeof in);
    in.jpt = in.jpt_low = in.jpt_high = NAN;
    lw_run run;
    lw_cost_params p;
    lw_cost_energy e;
    lw_cost_tco t;
    lw_cost_tco_params tp;
    rent_list rents;
    lw_err err;
    api_list apis = {NULL, 0};
    json_t *out = NULL;
    if ((rc = load_input(cmd, meas, est, power, tps, gpus, &in, &run)))
        goto done;
    if (gpu_name)
        in.gpu_name = gpu_name;
    p = lw_cost_params_default(cat, (int)in.gpus.v);
    if (!price_arg) {
        static const char *const keys[] = {"cost.price_kwh.us", "cost.price_kwh.eu", "cost.price_kwh.high"};
        for (int k = 0; k < 3; k++)
            if (from_const(cat, keys[k], &prices.p[prices.n]))
                prices.n++;
    }
    if (over >= 0)
        set(&in.overhead, over, "--overhead");
    else if (!from_const(cat, "cost.system_overhead_fraction", &in.overhead))
        set(&in.overhead, p.overhead_fraction, "seed 004 (built-in)");
    if (psu >= 0)
        set(&in.psu, psu, "--psu-efficiency");
    else if (!from_const(cat, "cost.psu_efficiency", &in.psu))
        set(&in.psu, p.psu_efficiency, "seed 004 (built-in)");
    set(&in.util, util > 0 ? util : 1.0, util > 0 ? "--utilization" : "llmwatt default: serving all the time at the given throughput");
    resolve_idle(cat, &in, meas ? &run : NULL, meas, idle);
    if (in.util.v < 1 && !isfinite(in.idle.v)) {
        rc = cli_usage(cmd, "--utilization %g needs the GPUs' idle power: give --idle-w W (per GPU)", in.util.v);
        goto done;
    }
    set(&in.pue, 1.0, "not applied (give --pue X or a name such as aws, google, industry)");
    if (pue_arg && (rc = number_or_named(cmd, "pue", pue_arg, "cost.pue", 1, 10, cat, &in.pue)))
        goto done;
    if (wue_arg) {
        if ((rc = number_or_named(cmd, "wue", wue_arg, "cost.wue", 0, 100, cat, &in.wue)))
            goto done;
        in.have_wue = true;
    }
    if (grid >= 0) {
        set(&in.grid, grid, "--grid-g-per-kwh");
        in.have_grid = true;
    } else if (region) {
        lw_region r;
        if (lw_region_find(region, &r, &err) != LW_OK) {
            rc = cli_fail(cmd, &err);
            goto done;
        }
        set(&in.grid, r.g_co2e_per_kwh, "%s %s, %s (%d): %s", r.name, r.id, r.basis, r.year, r.source);
        in.have_grid = true;
    }
    resolve_gpu_id(cat, &in);
    resolve_hardware(cat, &in, hw);
    if (series && (rc = resolve_series(cmd, series, &run, meas, &in)))
        goto done;
    if (years > 0)
        set(&in.years, years, "--depreciation-years");
    else if (!from_const(cat, "cost.depreciation_years", &in.years))
        set(&in.years, p.depreciation_years, "seed 004 (built-in)");
    if (!from_const(cat, "cost.hours_per_year", &in.hours))
        set(&in.hours, p.hours_per_year, "llmwatt choice: 8760 h");
    in.tco = !no_tco;
    in.dep = dep;
    resolve_tco(cat, &in, maint, colo, net, life);
    resolve_embodied(cat, &in, emb);
    collect_rents(cat, in.gpu_id, rent, &rents);

    p.gpu_power_w = in.power.v;
    p.tokens_per_s = in.tps.v;
    p.gpus = (int)in.gpus.v;
    p.idle_power_w = isfinite(in.idle.v) ? in.idle.v : 0;
    p.utilization = in.util.v;
    p.overhead_fraction = in.overhead.v;
    p.psu_efficiency = in.psu.v;
    p.pue = in.pue.v;
    p.grid_g_per_kwh = in.have_grid ? in.grid.v : -1;
    p.wue_l_per_kwh = in.have_wue ? in.wue.v : -1;
    p.hardware_usd = in.hw.v;
    p.depreciation_years = in.years.v;
    p.hours_per_year = in.hours.v;
    if (lw_cost_energy_compute(&p, &e, &err) != LW_OK) {
        rc = cli_fail(cmd, &err);
        goto done;
    }
    tp = lw_cost_tco_params_default(cat);
    tp.maintenance_fraction_per_year = in.maint.v;
    tp.colocation_usd_per_kw_month = in.colo.v;
    tp.networking_fraction = in.net.v;
    tp.depreciation = in.dep;
    tp.embodied_kg = in.have_embodied ? in.embodied.v : -1;
    tp.service_life_years = in.life.v;
    if (lw_cost_tco_compute(&p, &e, &tp, &t, &err) != LW_OK) {
        rc = cli_fail(cmd, &err);
        goto done;
    }
    if (api >= 0) {
        apis.a = calloc(1, sizeof *apis.a);
        if (!apis.a) {
            rc = EXIT_INTERNAL;
            goto done;
        }
        apis.n = 1;
        snprintf(apis.a[0].provider, sizeof apis.a[0].provider, "--api-price-per-m");
        snprintf(apis.a[0].model_class, sizeof apis.a[0].model_class, "user");
        snprintf(apis.a[0].source, sizeof apis.a[0].source, "--api-price-per-m");
        apis.a[0].usd_per_million = apis.a[0].low = apis.a[0].high = api;
    } else if (lw_api_prices_load(&apis.a, &apis.n, &err) != LW_OK) {
        rc = cli_fail(cmd, &err);
        goto done;
    }

    int nyears = (int)ceil(p.depreciation_years);
    const char *dep_src = in.dep == LW_DEPRECIATION_STRAIGHT ? "llmwatt default: straight line (seed 004 names no method)"
                                                             : "--depreciation declining: double-declining balance, straight line on the rest once larger";
    const char *op_scope = "scope 2 (location-based): billed electricity x grid intensity";
    const char *emb_scope = "scope 3 category 2 (capital goods): cradle-to-gate manufacturing of the GPUs and host, spread over the "
                            "service life by hours of use (SCI M term)";
    size_t cl_idx[3] = {0, 0, 0}, ncl = in.series ? cleanest_rows(in.series, cl_idx, 3) : 0;
    /* energy band of an estimate: the same power chain at its low and high J per token */
    double band_lo = NAN, band_hi = NAN;
    if (isfinite(in.jpt_low) && isfinite(in.jpt_high) && in.jpt > 0) {
        band_lo = e.wall_kwh_per_million * in.jpt_low / in.jpt;
        band_hi = e.wall_kwh_per_million * in.jpt_high / in.jpt;
    }
    if (json) {
        out = json_object();
        json_t *inputs = json_object();
        const struct {
            const char *k;
            const sval *s;
            bool show;
        } rows[] = {{"gpu_power_w", &in.power, true},          {"tokens_per_s", &in.tps, true},
                    {"gpus", &in.gpus, true},                  {"idle_power_w", &in.idle, isfinite(in.idle.v)},
                    {"utilization", &in.util, true},           {"overhead_fraction", &in.overhead, true},
                    {"psu_efficiency", &in.psu, true},         {"pue", &in.pue, true},
                    {"grid_g_co2e_per_kwh", &in.grid, in.have_grid}, {"wue_l_per_kwh", &in.wue, in.have_wue},
                    {"hardware_usd", &in.hw, true},            {"depreciation_years", &in.years, true},
                    {"hours_per_year", &in.hours, true},       {"maintenance_fraction_per_year", &in.maint, true},
                    {"colocation_usd_per_kw_month", &in.colo, true}, {"networking_fraction", &in.net, true},
                    {"embodied_kg_co2e", &in.embodied, in.have_embodied}, {"service_life_years", &in.life, true}};
        for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++)
            if (rows[k].show)
                json_object_set_new(inputs, rows[k].k, src_json(rows[k].s));
        if (!isfinite(in.idle.v))
            json_object_set_new(inputs, "idle_power_w", json_pack("{s:n,s:s}", "value", "source", in.idle.src));
        if (!in.have_embodied)
            json_object_set_new(inputs, "embodied_kg_co2e", json_pack("{s:n,s:s}", "value", "source", in.embodied.src));
        json_object_set_new(inputs, "depreciation_method",
                            json_pack("{s:s,s:s}", "value", in.dep == LW_DEPRECIATION_STRAIGHT ? "straight" : "declining", "source",
                                      dep_src));
        json_object_set_new(out, "inputs", inputs);
        json_t *tj = json_object();
        json_object_set_new(tj, "capex_usd", json_real(t.capex_usd));
        json_object_set_new(tj, "amortisation_usd_per_hour", json_real(t.amortisation_usd_per_hour));
        json_object_set_new(tj, "maintenance_usd_per_hour", json_real(t.maintenance_usd_per_hour));
        json_object_set_new(tj, "colocation_usd_per_hour", json_real(t.colocation_usd_per_hour));
        json_object_set_new(tj, "fixed_usd_per_hour", json_real(t.fixed_usd_per_hour));
        json_object_set_new(tj, "fixed_usd_per_million_tokens", json_real(t.fixed_usd_per_million));
        json_t *sched = json_array();
        for (int y = 1; y <= nyears; y++)
            json_array_append_new(sched, json_real(lw_cost_depreciation_year(in.dep, t.capex_usd, nyears, y)));
        json_object_set_new(tj, "depreciation_by_year_usd", sched);
        json_object_set_new(out, "tco", tj);
        json_t *cj = json_object();
        json_object_set_new(cj, "functional_unit", json_string("1M output tokens"));
        json_object_set_new(cj, "operational_g_per_million_tokens", in.have_grid ? json_real(e.co2e_g_per_million) : json_null());
        json_object_set_new(cj, "operational_g_per_hour", in.have_grid ? json_real(t.operational_g_per_hour) : json_null());
        json_object_set_new(cj, "operational_scope", json_string(op_scope));
        json_object_set_new(cj, "embodied_kg_co2e", in.have_embodied ? json_real(in.embodied.v) : json_null());
        json_object_set_new(cj, "embodied_kg_co2e_low", in.have_embodied ? json_real(in.embodied_low) : json_null());
        json_object_set_new(cj, "embodied_kg_co2e_high", in.have_embodied ? json_real(in.embodied_high) : json_null());
        json_object_set_new(cj, "embodied_g_per_million_tokens", in.have_embodied ? json_real(t.embodied_g_per_million) : json_null());
        json_object_set_new(cj, "embodied_g_per_hour", in.have_embodied ? json_real(t.embodied_g_per_hour) : json_null());
        json_object_set_new(cj, "embodied_scope", json_string(emb_scope));
        json_object_set_new(cj, "sci_g_per_million_tokens", t.sci_g_per_million >= 0 ? json_real(t.sci_g_per_million) : json_null());
        if (in.series) {
            json_t *cl = json_array();
            for (size_t k = 0; k < ncl; k++) {
                long long ts, len;
                double g;
                char tb[32];
                lw_grid_series_row(in.series, cl_idx[k], &ts, &len, &g, NULL);
                json_array_append_new(cl, json_pack("{s:s,s:f}", "start", lw_time_format(ts, tb, sizeof tb), "g_per_kwh", g));
            }
            json_object_set_new(cj, "cleanest_hours", cl);
        }
        json_object_set_new(out, "carbon", cj);
        json_object_set_new(out, "gpu_avg_power_w", json_real(e.gpu_avg_power_w));
        json_object_set_new(out, "system_power_w", json_real(e.system_power_w));
        json_object_set_new(out, "wall_power_w", json_real(e.wall_power_w));
        json_object_set_new(out, "billed_power_w", json_real(e.billed_power_w));
        json_object_set_new(out, "tokens_per_hour", json_real(e.tokens_per_hour));
        json_object_set_new(out, "energy_per_million_tokens_kwh", json_real(e.wall_kwh_per_million));
        if (isfinite(band_lo)) {
            json_object_set_new(out, "energy_per_million_tokens_kwh_low", json_real(band_lo));
            json_object_set_new(out, "energy_per_million_tokens_kwh_high", json_real(band_hi));
        }
        json_object_set_new(out, "billed_energy_per_million_tokens_kwh", json_real(e.billed_kwh_per_million));
        if (in.have_grid)
            json_object_set_new(out, "co2e_g_per_million_tokens", json_real(e.co2e_g_per_million));
        if (in.have_wue)
            json_object_set_new(out, "water_l_per_million_tokens", json_real(e.water_l_per_million));
        json_object_set_new(out, "amortisation_usd_per_hour", json_real(e.amortisation_usd_per_hour));
        json_object_set_new(out, "amortisation_usd_per_million_tokens", json_real(e.amortisation_usd_per_million));
        json_t *sc = json_array();
        for (int k = 0; k < prices.n; k++) {
            lw_cost_price cp;
            lw_cost_at_price(&e, prices.p[k].v, &cp, NULL);
            if (k == 0 && prices.given) {
                json_object_set_new(out, "cost_per_million_tokens_usd", json_real(cp.energy_usd_per_million));
                json_object_set_new(out, "cost_per_hour_usd", json_real(cp.energy_usd_per_hour));
                json_object_set_new(out, "onprem_cost_per_million_tokens_usd", json_real(cp.energy_usd_per_million + t.fixed_usd_per_million));
            }
            json_array_append_new(sc, scenario_json(&cp, &prices.p[k], &e, &p, &t, in.tco, &apis, &rents));
        }
        json_object_set_new(out, "scenarios", sc);
        rc = cli_print_json(out);
        out = NULL;
        goto done;
    }

    printf("inputs\n");
    char b[64];
    snprintf(b, sizeof b, "%.6g W", in.power.v);
    print_row("GPU power", b, in.power.src);
    snprintf(b, sizeof b, "%.6g tokens/s", in.tps.v);
    print_row("throughput", b, in.tps.src);
    snprintf(b, sizeof b, "%d", p.gpus);
    print_row("GPUs", b, in.gpus.src);
    snprintf(b, sizeof b, "%.3g", in.util.v);
    print_row("utilisation", b, in.util.src);
    if (isfinite(in.idle.v))
        snprintf(b, sizeof b, "%.4g W (all GPUs)", in.idle.v);
    else
        snprintf(b, sizeof b, "unknown");
    print_row("GPU idle power", b, in.idle.src);
    snprintf(b, sizeof b, "%.3g of GPU power", in.overhead.v);
    print_row("system overhead", b, in.overhead.src);
    snprintf(b, sizeof b, "%.3g", in.psu.v);
    print_row("PSU efficiency", b, in.psu.src);
    snprintf(b, sizeof b, "%.3g", in.pue.v);
    print_row("PUE", b, in.pue.src);
    if (in.have_grid) {
        snprintf(b, sizeof b, "%.4g gCO2e/kWh", in.grid.v);
        print_row("grid intensity", b, in.grid.src);
    }
    if (in.have_wue) {
        snprintf(b, sizeof b, "%.3g L/kWh", in.wue.v);
        print_row("WUE", b, in.wue.src);
    }
    snprintf(b, sizeof b, "$%.0f", in.hw.v);
    print_row("hardware", b, in.hw.src);
    snprintf(b, sizeof b, "%.3g years", in.years.v);
    print_row("depreciation", b, in.years.src);
    print_row("method", in.dep == LW_DEPRECIATION_STRAIGHT ? "straight line" : "declining balance", dep_src);
    snprintf(b, sizeof b, "%.3g of hw per year", in.maint.v);
    print_row("maintenance", b, in.maint.src);
    snprintf(b, sizeof b, "$%.5g per kW-month", in.colo.v);
    print_row("colocation", b, in.colo.src);
    snprintf(b, sizeof b, "%.3g of hardware", in.net.v);
    print_row("networking", b, in.net.src);
    if (in.have_embodied)
        snprintf(b, sizeof b, "%.5g kgCO2e", in.embodied.v);
    else
        snprintf(b, sizeof b, "unknown");
    print_row("embodied carbon", b, in.embodied.src);
    snprintf(b, sizeof b, "%.3g years", in.life.v);
    print_row("service life", b, in.life.src);

    printf("\npower: GPU %.4g W -> system %.4g W -> wall %.4g W", e.gpu_avg_power_w, e.system_power_w, e.wall_power_w);
    if (p.pue > 1)
        printf(" -> billed %.4g W (x PUE %.3g)", e.billed_power_w, p.pue);
    printf("\nenergy per 1M tokens: %.4g kWh at the wall", e.wall_kwh_per_million);
    if (isfinite(band_lo))
        printf(" (estimate band %.4g..%.4g)", band_lo, band_hi);
    if (p.pue > 1)
        printf(", %.4g kWh billed", e.billed_kwh_per_million);
    printf("\n");
    if (!in.have_grid)
        printf("carbon: no grid intensity (give --region R for an annual average, --carbon-intensity SERIES.csv for hourly)\n");
    else {
        printf("carbon per 1M output tokens (SCI = (E x I + M) per functional unit; %s):\n",
               in.series ? "hourly series" : "annual average, no hourly series given");
        printf("  operational %10.4g g   %.4g g/h   %s\n", e.co2e_g_per_million, t.operational_g_per_hour, op_scope);
    }
    if (in.have_embodied) {
        if (!in.have_grid)
            printf("carbon per 1M output tokens:\n");
        printf("  embodied    %10.4g g   %.4g g/h   %.5g kgCO2e (range %.5g..%.5g) over %.3g years; %s\n", t.embodied_g_per_million,
               t.embodied_g_per_hour, in.embodied.v, in.embodied_low, in.embodied_high, in.life.v, emb_scope);
    }
    if (t.sci_g_per_million >= 0)
        printf("  SCI         %10.4g g per 1M output tokens (operational + embodied)\n", t.sci_g_per_million);
    for (size_t k = 0; k < ncl; k++) {
        long long ts, len;
        double g;
        char tb[32];
        lw_grid_series_row(in.series, cl_idx[k], &ts, &len, &g, NULL);
        printf("%s %s %.4g g/kWh", k ? "," : "cleanest hours in the series:", lw_time_format(ts, tb, sizeof tb), g);
        if (k + 1 == ncl)
            printf("\n");
    }
    if (in.have_wue)
        printf("water: %.4g L per 1M tokens (on-site cooling water)\n", e.water_l_per_million);
    printf("hardware: $%.4g per hour, $%.4g per 1M tokens (straight line over %.3g years)\n", e.amortisation_usd_per_hour,
           e.amortisation_usd_per_million, p.depreciation_years);
    if (in.tco) {
        printf("total cost of ownership: $%.4g per hour, $%.4g per 1M tokens\n", t.fixed_usd_per_hour, t.fixed_usd_per_million);
        printf("  hardware + networking  $%.4g per hour (capex $%.0f over %.3g years)\n", t.amortisation_usd_per_hour, t.capex_usd,
               p.depreciation_years);
        printf("  maintenance            $%.4g per hour\n", t.maintenance_usd_per_hour);
        printf("  colocation             $%.4g per hour (%.4g kW at the wall)\n", t.colocation_usd_per_hour, e.wall_power_w / 1000);
    }
    printf("depreciation by year (%s):", in.dep == LW_DEPRECIATION_STRAIGHT ? "straight line" : "declining balance");
    for (int y = 1; y <= nyears; y++)
        printf(" %d: $%.0f", y, lw_cost_depreciation_year(in.dep, t.capex_usd, nyears, y));
    printf("\n");
    printf("\n  %-9s %14s %11s %14s  %s\n", "$/kWh", "energy $/1M", "energy $/h", "on-prem $/1M", "price source");
    for (int k = 0; k < prices.n; k++) {
        lw_cost_price cp;
        lw_cost_at_price(&e, prices.p[k].v, &cp, NULL);
        printf("  %-9.3g %14.4g %11.4g %14.4g  %s\n", cp.price_usd_per_kwh, cp.energy_usd_per_million, cp.energy_usd_per_hour,
               cp.energy_usd_per_million + t.fixed_usd_per_million, prices.p[k].src);
    }
    for (int k = 0; k < prices.n; k++) {
        lw_cost_price cp;
        lw_cost_at_price(&e, prices.p[k].v, &cp, NULL);
        print_break_even(&cp, &e, &p, &t, in.tco, &apis);
        print_rents(&cp, &e, &p, &t, &rents);
    }
    if (api < 0)
        printf("\nAPI prices: seed 004 break-even table (data/api_prices.csv); give --api-price-per-m for another price\n");
    rc = EXIT_OK;
done:
    lw_grid_series_free(in.series);
    json_decref(out);
    free(apis.a);
    lw_catalogue_free(cat);
    return rc;
}
