/* The cost document (`llmwatt cost`, the Python package's cost()): every input resolved with its
 * source (the request, the run file, the catalogue's constants, seed 004's figures), then the
 * energy, TCO, carbon, scenarios, break-even and rental comparisons of cost.c. */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/util.h"
#include "operate/cost_report_int.h"

static void set(lw_cost_sval *s, double v, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set(lw_cost_sval *s, double v, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    s->v = v;
    vsnprintf(s->src, sizeof s->src, fmt, ap);
    va_end(ap);
}

/* A catalogue constant into s ("value (source, year)"). */
static bool from_const(const lw_catalogue *cat, const char *key, lw_cost_sval *s)
{
    const lw_constant *c;
    if (lw_catalogue_find_constant(cat, key, &c, NULL) != LW_OK)
        return false;
    set(s, c->value, "%s (%d) [%s]", c->source, c->year, key);
    return true;
}

/* --pue / --wue: a number in [min, max] or a constant name under prefix. */
static lw_status number_or_named(const char *opt, const char *val, const char *prefix, double min, double max,
                                 const lw_catalogue *cat, lw_cost_sval *out, lw_err *err)
{
    char *end;
    double v = strtod(val, &end);
    if (end != val && *end == '\0') {
        if (!isfinite(v) || v < min || v > max)
            return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "--%s must be between %g and %g, got '%s'", opt, min, max, val);
        set(out, v, "--%s", opt);
        return LW_OK;
    }
    char key[96];
    snprintf(key, sizeof key, "%s.%s", prefix, val);
    for (char *p = key; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    if (!from_const(cat, key, out))
        return lw_fail(err, LW_ERR_NOT_FOUND, "--%s: unknown name '%s' (give a number, or see 'llmwatt sources %s')", opt,
                       val, prefix);
    return LW_OK;
}

/* Idle power of all GPUs: --idle-w, the measurement's baseline, the seed's B200 figure, the catalogue. */
static void resolve_idle(const lw_catalogue *cat, lw_cost_report *in, const lw_run *run, const char *file, double idle_opt)
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
    lw_cost_sval c;
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

/* Hardware: --hardware-usd, the GPU's price in data/gpu_prices.csv x GPUs, else seed 004's $200,000 per 8. */
static void resolve_hardware(const lw_catalogue *cat, lw_cost_report *in, double hw_opt)
{
    if (hw_opt >= 0) {
        set(&in->hw, hw_opt, "--hardware-usd");
        return;
    }
    char key[96];
    const lw_constant *c;
    snprintf(key, sizeof key, "price.%s.purchase", in->gpu_id);
    if (in->gpu_id[0] && lw_catalogue_find_constant(cat, key, &c, NULL) == LW_OK) {
        set(&in->hw, c->value * in->gpus.v, "%s x %g at $%g each (range $%g..%g): %s (%d) [%s]", in->gpu_id, in->gpus.v,
            c->value, c->low, c->high, c->source, c->year, key);
        return;
    }
    lw_cost_sval d;
    if (!from_const(cat, "cost.hardware_usd_per_8_gpus", &d))
        set(&d, 200000, "seed 004 (built-in)");
    char why[128] = "";
    if (in->gpu_name)
        snprintf(why, sizeof why, "no price for '%s' in data/gpu_prices.csv; ", in->gpu_name);
    set(&in->hw, d.v / 8.0 * in->gpus.v, "%s$%g per 8 GPUs prorated to %g GPU(s): %s", why, d.v, in->gpus.v, d.src);
}

/* Embodied carbon of the deployment: GPUs (--embodied-kg-per-gpu or data/gpu_embodied.csv) plus
 * the host's share (embodied.server_host per 8 GPUs). */
static void resolve_embodied(const lw_catalogue *cat, lw_cost_report *in, double per_gpu_opt)
{
    const lw_constant *host = NULL, *g = NULL;
    char key[96];
    double n = in->gpus.v;
    lw_catalogue_find_constant(cat, "embodied.server_host", &host, NULL);
    double host_kg = host ? host->value * n / 8.0 : 0;
    snprintf(key, sizeof key, "embodied.%s.gpu", in->gpu_id);
    if (per_gpu_opt >= 0) {
        in->have_embodied = true;
        set(&in->embodied, per_gpu_opt * n + host_kg,
            "--embodied-kg-per-gpu %g x %g + host %g kg (%g/8 of %g kg [embodied.server_host])", per_gpu_opt, n, host_kg,
            n, host ? host->value : 0);
        in->embodied_low = in->embodied_high = in->embodied.v;
        return;
    }
    if (in->gpu_id[0] && lw_catalogue_find_constant(cat, key, &g, NULL) == LW_OK) {
        in->have_embodied = true;
        set(&in->embodied, g->value * n + host_kg,
            "%g GPU x %g kg + host %g/8 x %g kg; cradle-to-gate (scope 3 cat. 2 capital goods): %s (%d) [%s]; host: %s "
            "[embodied.server_host]",
            n, g->value, n, host ? host->value : 0, g->source, g->year, key, host ? host->source : "none");
        in->embodied_low = g->low * n + host_kg;
        in->embodied_high = g->high * n + host_kg;
        return;
    }
    set(&in->embodied, NAN, "unknown: no embodied figure for %s in data/gpu_embodied.csv (give --embodied-kg-per-gpu KG)",
        in->gpu_name ? in->gpu_name : "an unnamed GPU (give --gpu NAME)");
}

static void resolve_tco(const lw_catalogue *cat, lw_cost_report *in, const lw_cost_request *q)
{
    lw_cost_tco_params d = lw_cost_tco_params_default(cat);
    if (!in->tco) {
        set(&in->maint, 0, "--no-tco");
        set(&in->colo, 0, "--no-tco");
        set(&in->net, 0, "--no-tco");
    } else {
        if (q->maintenance_fraction >= 0)
            set(&in->maint, q->maintenance_fraction, "--maintenance");
        else if (!from_const(cat, "cost.maintenance_fraction_per_year", &in->maint))
            set(&in->maint, d.maintenance_fraction_per_year, "built-in");
        if (q->colocation_usd_per_kw_month >= 0)
            set(&in->colo, q->colocation_usd_per_kw_month, "--colocation-usd-per-kw-month");
        else if (!from_const(cat, "cost.colocation_usd_per_kw_month", &in->colo))
            set(&in->colo, d.colocation_usd_per_kw_month, "built-in");
        if (q->networking_fraction >= 0)
            set(&in->net, q->networking_fraction, "--networking");
        else if (!from_const(cat, "cost.networking_fraction", &in->net))
            set(&in->net, d.networking_fraction, "built-in");
    }
    if (q->service_life_years > 0)
        set(&in->life, q->service_life_years, "--service-life-years");
    else
        set(&in->life, in->years.v, "the depreciation life (give --service-life-years for another)");
}

/* --carbon-intensity: the series' energy-weighted mean over the measurement's span. */
static lw_status resolve_series(const char *file, const char *meas, lw_cost_report *in, lw_err *err)
{
    const lw_run *run = &in->run;
    lw_err e2;
    if (!meas)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT,
                       "--carbon-intensity needs --measurement FILE (a run with a start time to weight by)");
    if (run->time_ns == 0 || !isfinite(run->duration_s) || run->duration_s <= 0)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT,
                       "--carbon-intensity: %s has no start_time and duration_s to weight the series by", meas);
    if (lw_grid_series_load(file, &in->series, &e2) != LW_OK)
        return lw_fail(err, e2.status, "--carbon-intensity: %s", lw_err_message(&e2));
    long long end = run->time_ns + (long long)llround(run->duration_s * 1e9);
    double g;
    if (lw_grid_series_mean(in->series, run->time_ns, end, &g, &e2) != LW_OK)
        return lw_fail(err, LW_ERR_PARSE, "--carbon-intensity %s: %s; give a series that covers the measurement", file,
                       lw_err_message(&e2));
    char a[32], b[32];
    set(&in->grid, g, "%s weighted by energy over %s .. %s (%s, column '%s', %zu rows)", file,
        lw_time_format(run->time_ns, a, sizeof a), lw_time_format(end, b, sizeof b), lw_grid_series_format(in->series),
        lw_grid_series_column(in->series), lw_grid_series_count(in->series));
    in->have_grid = true;
    return LW_OK;
}

size_t lw_cost_cleanest_rows(const lw_grid_series *s, size_t *idx, size_t k)
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

static void warn(lw_cost_report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(lw_cost_report *r, const char *fmt, ...)
{
    if (r->nwarnings == LW_COST_MAX_WARNINGS)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->warnings[r->nwarnings++], sizeof r->warnings[0], fmt, ap);
    va_end(ap);
}

/* Power, throughput and GPUs: plain figures, or the run file with the request's overrides. */
static lw_status load_input(const lw_cost_request *q, lw_cost_report *in, lw_err *err)
{
    const char *meas = q->measurement, *est = q->estimate;
    const char *file = meas ? meas : est;
    lw_run *run = &in->run;
    *run = (lw_run)LW_RUN_INIT;
    lw_err e2;
    if (!file) {
        if (q->power_w < 0 || q->tokens_per_s < 0)
            return lw_fail(err, LW_ERR_INVALID_ARGUMENT,
                           "give --measurement FILE, --estimate FILE, or both --power-w and --tokens-per-s");
        set(&in->power, q->power_w, "--power-w");
        set(&in->tps, q->tokens_per_s, "--tokens-per-s");
        set(&in->gpus, q->gpus > 0 ? q->gpus : 1, q->gpus > 0 ? "--gpus" : "default: 1 GPU");
        return LW_OK;
    }
    if (q->power_w >= 0 && meas)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "--power-w cannot be combined with --measurement");
    lw_status st = q->run_json ? lw_run_parse(q->run_json, run, &e2) : lw_run_load(file, run, NULL, &e2);
    if (st != LW_OK)
        return lw_fail(err, st, "--%s: %s", meas ? "measurement" : "estimate", lw_err_message(&e2));
    if (meas && run->kind != LW_RUN_MEASUREMENT)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "--measurement %s is an estimate JSON; use --estimate", file);
    if (est && run->kind != LW_RUN_ESTIMATE)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "--estimate %s is a measurement JSON; use --measurement", file);
    in->gpu_name = run->gpu[0] ? run->gpu : NULL;
    set(&in->gpus, q->gpus > 0 ? q->gpus : run->gpus, q->gpus > 0 ? "--gpus" : "%s (gpus)", file);
    if (q->tokens_per_s >= 0)
        set(&in->tps, q->tokens_per_s, "--tokens-per-s");
    else if (isfinite(run->tokens_per_s) && run->tokens_per_s > 0)
        set(&in->tps, run->tokens_per_s, meas ? "%s (tokens_per_s)" : "%s (tokens_per_s, else batch x output_tokens / time_s)",
            file);
    else
        return lw_fail(err, meas ? LW_ERR_PARSE : LW_ERR_INVALID_ARGUMENT,
                       "%s has no throughput (tokens_per_s%s); give --tokens-per-s T", file,
                       meas ? "" : ", or batch, output_tokens and time_s");
    if (meas) {
        set(&in->power, run->avg_power_w, "%s (aggregate.avg_power_w)", file);
        if (run->valid == 0)
            warn(in, "%s is an INVALID measurement (see its verdict)", file);
    } else {
        in->jpt = run->j_per_token;
        in->jpt_low = run->j_per_token_low;
        in->jpt_high = run->j_per_token_high;
        if (q->power_w >= 0)
            set(&in->power, q->power_w, "--power-w");
        else if (isfinite(run->avg_power_w) && run->avg_power_w > 0)
            set(&in->power, run->avg_power_w, "%s (avg_power_w)", file);
        else /* an estimate without its own power or throughput: its J per token at the given throughput */
            set(&in->power, run->j_per_token * in->tps.v, "%s: energy_per_output_token_j.expected %g J x %g tokens/s", file,
                run->j_per_token, in->tps.v);
    }
    return LW_OK;
}

/* Rental offers for the GPU: data/gpu_prices.csv on_demand / reserved rows and --rent-usd-per-gpu-hour. */
static void collect_rents(const lw_catalogue *cat, double opt, lw_cost_report *r)
{
    r->nrents = 0;
    if (opt >= 0) {
        lw_cost_rent_offer *o = &r->rents[r->nrents++];
        snprintf(o->name, sizeof o->name, "--rent-usd-per-gpu-hour");
        snprintf(o->kind, sizeof o->kind, "on_demand");
        o->rate = o->low = o->high = opt;
        snprintf(o->src, sizeof o->src, "--rent-usd-per-gpu-hour");
    }
    if (!r->gpu_id[0])
        return;
    static const char *const kinds[] = {"on_demand", "reserved"};
    for (size_t k = 0; k < 2; k++) {
        char prefix[96];
        int pl = snprintf(prefix, sizeof prefix, "price.%s.%s.", r->gpu_id, kinds[k]);
        for (size_t i = 0; i < lw_catalogue_constant_count(cat) && r->nrents < LW_COST_MAX_RENTS; i++) {
            const lw_constant *c = lw_catalogue_constant_at(cat, i);
            if (strncmp(c->key, prefix, (size_t)pl) != 0)
                continue;
            lw_cost_rent_offer *o = &r->rents[r->nrents++];
            snprintf(o->name, sizeof o->name, "%s", c->key + pl);
            snprintf(o->kind, sizeof o->kind, "%s", kinds[k]);
            o->rate = c->value;
            o->low = c->low;
            o->high = c->high;
            snprintf(o->src, sizeof o->src, "%s (%d) [%s]", c->source, c->year, c->key);
        }
    }
}

lw_status lw_cost_report_break_even(const lw_cost_report *r, const lw_cost_price *cp, double api, lw_break_even *b)
{
    return r->tco ? lw_cost_tco_break_even(&r->e, cp, &r->p, &r->t, api, b, NULL)
                  : lw_cost_break_even(&r->e, cp, &r->p, api, b, NULL);
}

void lw_cost_report_rent(const lw_cost_report *r, const lw_cost_price *cp, const lw_cost_rent_offer *o, lw_rent_compare *rc)
{
    lw_cost_rent_compare(&r->p, cp, &r->t, o->rate, rc, NULL);
    if (strcmp(o->kind, "reserved") == 0) {
        rc->rent_usd_per_million = rc->rent_usd_per_hour / r->e.tokens_per_hour * 1e6;
        rc->break_even_utilization = NAN;
    }
}

lw_status lw_cost_request_init(lw_cost_request *req, unsigned int version, lw_err *err)
{
    lw_status st = lw_check_version("lw_cost_request", "LW_COST_REQUEST_INIT", version, LW_COST_REQUEST_VERSION, err);
    if (st == LW_OK)
        *req = lw_cost_request_default(); /* version 1 is the whole struct */
    return st;
}

/* The request's own consistency, before anything is read. */
static lw_status check_request(const lw_cost_request *q, lw_err *err)
{
    lw_status st = lw_check_version("lw_cost_request", "LW_COST_REQUEST_INIT", q->version, LW_COST_REQUEST_VERSION, err);
    if (st != LW_OK)
        return st;
    if (q->measurement && q->estimate)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "give --measurement or --estimate, not both");
    if ((q->grid_g_per_kwh >= 0) + (q->region != NULL) + (q->carbon_intensity != NULL) > 1)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "give one of --grid-g-per-kwh, --region and --carbon-intensity");
    if (q->no_tco && (q->maintenance_fraction >= 0 || q->colocation_usd_per_kw_month >= 0 || q->networking_fraction >= 0))
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT,
                       "--no-tco cannot be combined with --maintenance, --colocation-usd-per-kw-month or --networking");
    if (q->nprices > LW_COST_MAX_PRICES || (q->nprices && !q->prices_usd_per_kwh))
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "--price-kwh takes at most %d prices", LW_COST_MAX_PRICES);
    for (size_t k = 0; k < q->nprices; k++)
        if (!(q->prices_usd_per_kwh[k] >= 0 && q->prices_usd_per_kwh[k] <= 100))
            return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "--price-kwh must be between 0 and 100, got '%g'",
                           q->prices_usd_per_kwh[k]);
    if (q->depreciation != LW_DEPRECIATION_STRAIGHT && q->depreciation != LW_DEPRECIATION_DECLINING)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "--depreciation must be 'straight' or 'declining'");
    return LW_OK;
}

/* Every input but power and throughput: the catalogue's figures unless the request gives one. */
static lw_status resolve(const lw_catalogue *cat, const lw_cost_request *q, lw_cost_report *in, lw_err *err)
{
    lw_status st;
    if (q->gpu)
        in->gpu_name = q->gpu;
    in->p = lw_cost_params_default(cat, (int)in->gpus.v);
    in->prices_given = q->nprices > 0;
    for (size_t k = 0; k < q->nprices; k++)
        set(&in->prices[in->nprices++], q->prices_usd_per_kwh[k], "--price-kwh");
    if (!q->nprices) {
        static const char *const keys[] = {"cost.price_kwh.us", "cost.price_kwh.eu", "cost.price_kwh.high"};
        for (int k = 0; k < 3; k++)
            if (from_const(cat, keys[k], &in->prices[in->nprices]))
                in->nprices++;
    }
    if (q->overhead_fraction >= 0)
        set(&in->overhead, q->overhead_fraction, "--overhead");
    else if (!from_const(cat, "cost.system_overhead_fraction", &in->overhead))
        set(&in->overhead, in->p.overhead_fraction, "seed 004 (built-in)");
    if (q->psu_efficiency >= 0)
        set(&in->psu, q->psu_efficiency, "--psu-efficiency");
    else if (!from_const(cat, "cost.psu_efficiency", &in->psu))
        set(&in->psu, in->p.psu_efficiency, "seed 004 (built-in)");
    bool util_given = q->utilization > 0;
    set(&in->util, util_given ? q->utilization : 1.0,
        util_given ? "--utilization" : "llmwatt default: serving all the time at the given throughput");
    resolve_idle(cat, in, q->measurement ? &in->run : NULL, q->measurement, q->idle_w_per_gpu);
    if (in->util.v < 1 && !isfinite(in->idle.v))
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "--utilization %g needs the GPUs' idle power: give --idle-w W (per GPU)",
                       in->util.v);
    set(&in->pue, 1.0, "not applied (give --pue X or a name such as aws, google, industry)");
    if (q->pue && (st = number_or_named("pue", q->pue, "cost.pue", 1, 10, cat, &in->pue, err)) != LW_OK)
        return st;
    if (q->wue) {
        if ((st = number_or_named("wue", q->wue, "cost.wue", 0, 100, cat, &in->wue, err)) != LW_OK)
            return st;
        in->have_wue = true;
    }
    if (q->grid_g_per_kwh >= 0) {
        set(&in->grid, q->grid_g_per_kwh, "--grid-g-per-kwh");
        in->have_grid = true;
    } else if (q->region) {
        lw_region rg;
        if ((st = lw_region_find(q->region, &rg, err)) != LW_OK)
            return st;
        set(&in->grid, rg.g_co2e_per_kwh, "%s %s, %s (%d): %s", rg.name, rg.id, rg.basis, rg.year, rg.source);
        in->have_grid = true;
    }
    const lw_gpu *gpu;
    if (in->gpu_name && lw_catalogue_find_gpu(cat, in->gpu_name, &gpu, NULL) == LW_OK)
        snprintf(in->gpu_id, sizeof in->gpu_id, "%s", gpu->id);
    resolve_hardware(cat, in, q->hardware_usd);
    if (q->carbon_intensity && (st = resolve_series(q->carbon_intensity, q->measurement, in, err)) != LW_OK)
        return st;
    if (q->depreciation_years > 0)
        set(&in->years, q->depreciation_years, "--depreciation-years");
    else if (!from_const(cat, "cost.depreciation_years", &in->years))
        set(&in->years, in->p.depreciation_years, "seed 004 (built-in)");
    if (!from_const(cat, "cost.hours_per_year", &in->hours))
        set(&in->hours, in->p.hours_per_year, "llmwatt choice: 8760 h");
    in->tco = !q->no_tco;
    in->dep = q->depreciation;
    resolve_tco(cat, in, q);
    resolve_embodied(cat, in, q->embodied_kg_per_gpu);
    collect_rents(cat, q->rent_usd_per_gpu_hour, in);
    return LW_OK;
}

static lw_status compute(const lw_catalogue *cat, const lw_cost_request *q, lw_cost_report *in, lw_err *err)
{
    lw_cost_params *p = &in->p;
    p->gpu_power_w = in->power.v;
    p->tokens_per_s = in->tps.v;
    p->gpus = (int)in->gpus.v;
    p->idle_power_w = isfinite(in->idle.v) ? in->idle.v : 0;
    p->utilization = in->util.v;
    p->overhead_fraction = in->overhead.v;
    p->psu_efficiency = in->psu.v;
    p->pue = in->pue.v;
    p->grid_g_per_kwh = in->have_grid ? in->grid.v : -1;
    p->wue_l_per_kwh = in->have_wue ? in->wue.v : -1;
    p->hardware_usd = in->hw.v;
    p->depreciation_years = in->years.v;
    p->hours_per_year = in->hours.v;
    in->e = (lw_cost_energy)LW_COST_ENERGY_INIT;
    in->t = (lw_cost_tco)LW_COST_TCO_INIT;
    lw_status st = lw_cost_energy_compute(p, &in->e, err);
    if (st != LW_OK)
        return st;
    lw_cost_tco_params tp = lw_cost_tco_params_default(cat);
    tp.maintenance_fraction_per_year = in->maint.v;
    tp.colocation_usd_per_kw_month = in->colo.v;
    tp.networking_fraction = in->net.v;
    tp.depreciation = in->dep;
    tp.embodied_kg = in->have_embodied ? in->embodied.v : -1;
    tp.service_life_years = in->life.v;
    if ((st = lw_cost_tco_compute(p, &in->e, &tp, &in->t, err)) != LW_OK)
        return st;
    in->api_given = q->api_usd_per_million >= 0;
    if (!in->api_given)
        return lw_api_prices_load(&in->apis, &in->napis, err);
    if (!(in->apis = calloc(1, sizeof *in->apis)))
        return lw_fail(err, LW_ERR_NO_MEMORY, "out of memory");
    in->napis = 1;
    snprintf(in->apis[0].provider, sizeof in->apis[0].provider, "--api-price-per-m");
    snprintf(in->apis[0].model_class, sizeof in->apis[0].model_class, "user");
    snprintf(in->apis[0].source, sizeof in->apis[0].source, "--api-price-per-m");
    in->apis[0].usd_per_million = in->apis[0].low = in->apis[0].high = q->api_usd_per_million;
    return LW_OK;
}

lw_status lw_cost_report_new(const lw_catalogue *cat, const lw_cost_request *req, lw_cost_report **out, lw_err *err)
{
    *out = NULL;
    lw_status st = check_request(req, err);
    if (st != LW_OK)
        return st;
    lw_cost_report *r = calloc(1, sizeof *r);
    if (!r)
        return lw_fail(err, LW_ERR_NO_MEMORY, "out of memory");
    r->jpt = r->jpt_low = r->jpt_high = NAN;
    if ((st = load_input(req, r, err)) == LW_OK && (st = resolve(cat, req, r, err)) == LW_OK)
        st = compute(cat, req, r, err);
    r->gpu_name = NULL; /* borrowed from the request */
    if (st != LW_OK) {
        lw_cost_report_free(r);
        return st;
    }
    *out = r;
    return LW_OK;
}

void lw_cost_report_free(lw_cost_report *r)
{
    if (!r)
        return;
    lw_grid_series_free(r->series);
    free(r->apis);
    free(r);
}

size_t lw_cost_report_warning_count(const lw_cost_report *r)
{
    return r ? r->nwarnings : 0;
}

const char *lw_cost_report_warning(const lw_cost_report *r, size_t i)
{
    return r && i < r->nwarnings ? r->warnings[i] : NULL;
}
