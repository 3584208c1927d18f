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
#include "llmwatt/history.h"

static const char *usage_text =
    "usage: llmwatt cost (--measurement FILE | --estimate FILE [--tokens-per-s T] [--power-w W] | --power-w W --tokens-per-s T)\n"
    "                    [--gpus N] [--gpu NAME] [--price-kwh P[,P...]] [--overhead F] [--psu-efficiency F]\n"
    "                    [--idle-w W] [--utilization U] [--pue X|NAME] [--grid-g-per-kwh G | --region R]\n"
    "                    [--wue X|NAME] [--api-price-per-m USD] [--hardware-usd USD] [--depreciation-years Y]\n"
    "                    [--json] [--catalogue FILE]\n\n"
    "Electricity cost per 1M output tokens and per hour, carbon (gCO2e per 1M tokens), water and\n"
    "break-even against API prices, from a measurement JSON, an estimate JSON or plain figures.\n"
    "An estimate's throughput is batch x output_tokens / time_s and its power avg_power_w;\n"
    "--tokens-per-s and --power-w override them.\n"
    "Power chain: GPU x (1 + overhead) / PSU efficiency [x PUE]. Defaults (seed 004): prices 0.10,\n"
    "0.20, 0.30 $/kWh, overhead 0.20, PSU 0.95, hardware $200,000 per 8 GPUs over 3 years.\n"
    "--idle-w is per GPU and only matters with --utilization < 1. --pue/--wue take a number or a\n"
    "name (see 'llmwatt sources cost.pue', 'llmwatt sources cost.wue'); --region one of the ids in\n"
    "data/regions.csv (us, eu, fr, de, cn, in, world, uk, jp, kr, ca, us-ca, fr-rte, us-eia).\n";

typedef struct sval {
    double v;
    char src[320];
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

static json_t *scenario_json(const lw_cost_price *cp, const sval *price, const lw_cost_energy *e, const lw_cost_params *p,
                             const api_list *apis)
{
    json_t *o = json_object();
    json_object_set_new(o, "price_usd_per_kwh", json_real(cp->price_usd_per_kwh));
    json_object_set_new(o, "price_source", json_string(price->src));
    json_object_set_new(o, "cost_per_million_tokens_usd", json_real(cp->energy_usd_per_million));
    json_object_set_new(o, "cost_per_hour_usd", json_real(cp->energy_usd_per_hour));
    json_object_set_new(o, "onprem_cost_per_million_tokens_usd", json_real(cp->onprem_usd_per_million));
    json_t *be = json_array();
    for (size_t i = 0; i < apis->n; i++) {
        lw_break_even b;
        if (lw_cost_break_even(e, cp, p, apis->a[i].usd_per_million, &b, NULL) != LW_OK)
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
        json_array_append_new(be, r);
    }
    json_object_set_new(o, "break_even", be);
    return o;
}

static void print_break_even(const lw_cost_price *cp, const lw_cost_energy *e, const lw_cost_params *p, const api_list *apis)
{
    printf("\nbreak-even vs API at $%.2f/kWh (on-prem $%.4g per 1M tokens = energy $%.4g + hardware $%.4g):\n",
           cp->price_usd_per_kwh, cp->onprem_usd_per_million, cp->energy_usd_per_million, e->amortisation_usd_per_million);
    printf("  %-22s %10s %20s  %s\n", "provider", "API $/1M", "tokens to break even", "time to break even");
    for (size_t i = 0; i < apis->n; i++) {
        lw_break_even b;
        char tok[32], words[96];
        if (lw_cost_break_even(e, cp, p, apis->a[i].usd_per_million, &b, NULL) != LW_OK)
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

int cmd_cost(int argc, char **argv)
{
    enum { O_HELP = 256, O_JSON, O_CAT, O_MEAS, O_EST, O_POWER, O_TPS, O_GPUS, O_GPU, O_PRICE, O_OVER, O_PSU, O_IDLE, O_UTIL,
           O_PUE, O_GRID, O_REGION, O_WUE, O_API, O_HW, O_YEARS };
    static const cli_opt opts[] = {
        {"help", false, O_HELP}, {"json", false, O_JSON}, {"catalogue", true, O_CAT}, {"measurement", true, O_MEAS},
        {"estimate", true, O_EST}, {"power-w", true, O_POWER}, {"tokens-per-s", true, O_TPS}, {"gpus", true, O_GPUS},
        {"gpu", true, O_GPU}, {"price-kwh", true, O_PRICE}, {"overhead", true, O_OVER}, {"psu-efficiency", true, O_PSU},
        {"idle-w", true, O_IDLE}, {"utilization", true, O_UTIL}, {"pue", true, O_PUE}, {"grid-g-per-kwh", true, O_GRID},
        {"region", true, O_REGION}, {"wue", true, O_WUE}, {"api-price-per-m", true, O_API}, {"hardware-usd", true, O_HW},
        {"depreciation-years", true, O_YEARS}, {NULL, false, 0}};
    const char *cmd = "cost", *catfile = NULL, *meas = NULL, *est = NULL, *gpu_name = NULL, *v;
    const char *pue_arg = NULL, *wue_arg = NULL, *region = NULL, *price_arg = NULL;
    bool json = false;
    double power = -1, tps = -1, over = -1, psu = -1, idle = -1, util = -1, grid = -1, api = -1, hw = -1, years = -1;
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
    if (grid >= 0 && region)
        return cli_usage(cmd, "give --grid-g-per-kwh or --region, not both");
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
    if (hw >= 0)
        set(&in.hw, hw, "--hardware-usd");
    else {
        sval c;
        if (!from_const(cat, "cost.hardware_usd_per_8_gpus", &c))
            set(&c, 200000, "seed 004 (built-in)");
        set(&in.hw, c.v / 8.0 * in.gpus.v, "$%g per 8 GPUs prorated to %g GPU(s): %s", c.v, in.gpus.v, c.src);
    }
    if (years > 0)
        set(&in.years, years, "--depreciation-years");
    else if (!from_const(cat, "cost.depreciation_years", &in.years))
        set(&in.years, p.depreciation_years, "seed 004 (built-in)");
    if (!from_const(cat, "cost.hours_per_year", &in.hours))
        set(&in.hours, p.hours_per_year, "llmwatt choice: 8760 h");

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
                    {"hours_per_year", &in.hours, true}};
        for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++)
            if (rows[k].show)
                json_object_set_new(inputs, rows[k].k, src_json(rows[k].s));
        if (!isfinite(in.idle.v))
            json_object_set_new(inputs, "idle_power_w", json_pack("{s:n,s:s}", "value", "source", in.idle.src));
        json_object_set_new(out, "inputs", inputs);
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
                json_object_set_new(out, "onprem_cost_per_million_tokens_usd", json_real(cp.onprem_usd_per_million));
            }
            json_array_append_new(sc, scenario_json(&cp, &prices.p[k], &e, &p, &apis));
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

    printf("\npower: GPU %.4g W -> system %.4g W -> wall %.4g W", e.gpu_avg_power_w, e.system_power_w, e.wall_power_w);
    if (p.pue > 1)
        printf(" -> billed %.4g W (x PUE %.3g)", e.billed_power_w, p.pue);
    printf("\nenergy per 1M tokens: %.4g kWh at the wall", e.wall_kwh_per_million);
    if (isfinite(band_lo))
        printf(" (estimate band %.4g..%.4g)", band_lo, band_hi);
    if (p.pue > 1)
        printf(", %.4g kWh billed", e.billed_kwh_per_million);
    printf("\n");
    if (in.have_grid)
        printf("carbon: %.4g gCO2e per 1M tokens\n", e.co2e_g_per_million);
    if (in.have_wue)
        printf("water: %.4g L per 1M tokens (on-site cooling water)\n", e.water_l_per_million);
    printf("hardware: $%.4g per hour, $%.4g per 1M tokens (straight line over %.3g years)\n", e.amortisation_usd_per_hour,
           e.amortisation_usd_per_million, p.depreciation_years);
    printf("\n  %-9s %14s %11s %14s  %s\n", "$/kWh", "energy $/1M", "energy $/h", "on-prem $/1M", "price source");
    for (int k = 0; k < prices.n; k++) {
        lw_cost_price cp;
        lw_cost_at_price(&e, prices.p[k].v, &cp, NULL);
        printf("  %-9.3g %14.4g %11.4g %14.4g  %s\n", cp.price_usd_per_kwh, cp.energy_usd_per_million, cp.energy_usd_per_hour,
               cp.onprem_usd_per_million, prices.p[k].src);
    }
    for (int k = 0; k < prices.n; k++) {
        lw_cost_price cp;
        lw_cost_at_price(&e, prices.p[k].v, &cp, NULL);
        print_break_even(&cp, &e, &p, &apis);
    }
    if (api < 0)
        printf("\nAPI prices: seed 004 break-even table (data/api_prices.csv); give --api-price-per-m for another price\n");
    rc = EXIT_OK;
done:
    json_decref(out);
    free(apis.a);
    lw_catalogue_free(cat);
    return rc;
}
