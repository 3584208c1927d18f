/* llmwatt cost: electricity cost, carbon, water and break-even per 1M tokens (seed 004). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "commands.h"
#include "common.h"
#include "llmwatt/cost.h"

#define LW_COST_MAX_PRICES_CLI 16 /* lw_cost_report_new takes at most 16 */

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

/* --price-kwh P[,P...]: at most LW_COST_MAX_PRICES_CLI prices in USD/kWh. */
static bool parse_prices(const char *cmd, const char *val, double *prices, lw_cost_request *q)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", val);
    q->nprices = 0;
    q->prices_usd_per_kwh = prices;
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (q->nprices == LW_COST_MAX_PRICES_CLI) {
            cli_usage(cmd, "--price-kwh takes at most %d prices", LW_COST_MAX_PRICES_CLI);
            return false;
        }
        if (!cli_number(cmd, "price-kwh", t, 0, 100, &prices[q->nprices]))
            return false;
        q->nprices++;
    }
    if (q->nprices == 0) {
        cli_usage(cmd, "--price-kwh expects a price in USD/kWh, got '%s'", val);
        return false;
    }
    return true;
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
    const char *cmd = "cost", *catfile = NULL, *v;
    bool json = false;
    lw_cost_request q = LW_COST_REQUEST_INIT;
    double prices[LW_COST_MAX_PRICES_CLI];
    int i = 1, id;
    while ((id = cli_getopt(cmd, argc, argv, opts, &i, &v)) > 0) {
        bool ok = true;
        switch (id) {
        case O_HELP: fputs(usage_text, stdout); return EXIT_OK;
        case O_JSON: json = true; break;
        case O_CAT: catfile = v; break;
        case O_MEAS: q.measurement = v; break;
        case O_EST: q.estimate = v; break;
        case O_POWER: ok = cli_number(cmd, "power-w", v, 1e-9, 1e9, &q.power_w); break;
        case O_TPS: ok = cli_number(cmd, "tokens-per-s", v, 1e-9, 1e12, &q.tokens_per_s); break;
        case O_GPUS: ok = cli_int(cmd, "gpus", v, 1, 1000000, &q.gpus); break;
        case O_GPU: q.gpu = v; break;
        case O_PRICE: ok = parse_prices(cmd, v, prices, &q); break;
        case O_OVER: ok = cli_number(cmd, "overhead", v, 0, 10, &q.overhead_fraction); break;
        case O_PSU: ok = cli_number(cmd, "psu-efficiency", v, 0.01, 1, &q.psu_efficiency); break;
        case O_IDLE: ok = cli_number(cmd, "idle-w", v, 0, 1e6, &q.idle_w_per_gpu); break;
        case O_UTIL: ok = cli_number(cmd, "utilization", v, 0.001, 1, &q.utilization); break;
        case O_PUE: q.pue = v; break;
        case O_GRID: ok = cli_number(cmd, "grid-g-per-kwh", v, 0, 10000, &q.grid_g_per_kwh); break;
        case O_REGION: q.region = v; break;
        case O_WUE: q.wue = v; break;
        case O_API: ok = cli_number(cmd, "api-price-per-m", v, 0, 1e6, &q.api_usd_per_million); break;
        case O_HW: ok = cli_number(cmd, "hardware-usd", v, 0, 1e12, &q.hardware_usd); break;
        case O_YEARS: ok = cli_number(cmd, "depreciation-years", v, 0.01, 100, &q.depreciation_years); break;
        case O_SERIES: q.carbon_intensity = v; break;
        case O_MAINT: ok = cli_number(cmd, "maintenance", v, 0, 10, &q.maintenance_fraction); break;
        case O_COLO: ok = cli_number(cmd, "colocation-usd-per-kw-month", v, 0, 1e5, &q.colocation_usd_per_kw_month); break;
        case O_NET: ok = cli_number(cmd, "networking", v, 0, 10, &q.networking_fraction); break;
        case O_NOTCO: q.no_tco = true; break;
        case O_EMB: ok = cli_number(cmd, "embodied-kg-per-gpu", v, 0, 1e6, &q.embodied_kg_per_gpu); break;
        case O_LIFE: ok = cli_number(cmd, "service-life-years", v, 0.01, 100, &q.service_life_years); break;
        case O_RENT: ok = cli_number(cmd, "rent-usd-per-gpu-hour", v, 0, 1e4, &q.rent_usd_per_gpu_hour); break;
        case O_DEP:
            if (strcmp(v, "straight") == 0)
                q.depreciation = LW_DEPRECIATION_STRAIGHT;
            else if (strcmp(v, "declining") == 0)
                q.depreciation = LW_DEPRECIATION_DECLINING;
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
    lw_catalogue *cat;
    int rc = cli_catalogue(cmd, catfile, &cat);
    if (rc)
        return rc;
    lw_err err;
    lw_cost_report *r = NULL;
    char *text = NULL;
    if (lw_cost_report_new(cat, &q, &r, &err) != LW_OK)
        rc = err.status == LW_ERR_INVALID_ARGUMENT ? cli_usage(cmd, "%s", lw_err_message(&err)) : cli_fail(cmd, &err);
    else if (!(text = json ? lw_cost_report_to_json(r, 2, &err) : lw_cost_report_to_text(r, &err)))
        rc = cli_fail(cmd, &err);
    else {
        for (size_t k = 0; k < lw_cost_report_warning_count(r); k++)
            cli_error(cmd, "warning: %s", lw_cost_report_warning(r, k));
        fprintf(cli_stdout(), json ? "%s\n" : "%s", text);
    }
    lw_free(text);
    lw_cost_report_free(r);
    lw_catalogue_free(cat);
    return rc;
}
