/* Cost, carbon, water and break-even against arithmetic written out here (seed 004 assumptions). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llmwatt/cost.h"
#include "testutil.h"

/* 8 GPUs at 700 W each = 5600 W, 10,000 tokens/s, seed defaults. */
static lw_cost_params eight_gpus(lw_catalogue *cat)
{
    lw_cost_params p = lw_cost_params_default(cat, 8);
    p.gpu_power_w = 5600;
    p.tokens_per_s = 10000;
    return p;
}

static void test_defaults_are_seed_004(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    lw_cost_params p = lw_cost_params_default(cat, 8);
    assert_rel(p.overhead_fraction, 0.20, 0);
    assert_rel(p.psu_efficiency, 0.95, 0);
    assert_rel(p.hardware_usd, 200000, 0);
    assert_rel(p.depreciation_years, 3, 0);
    assert_rel(p.pue, 1, 0);
    lw_cost_params one = lw_cost_params_default(cat, 1);
    assert_rel(one.hardware_usd, 200000.0 / 8, 1e-12); /* prorated per GPU */
    /* without a catalogue: the same seed figures, built in */
    lw_cost_params bare;
    assert_int_equal(lw_cost_params_init(&bare, LW_COST_PARAMS_VERSION, NULL, 8, NULL), LW_OK);
    assert_rel(bare.hardware_usd, 200000, 0);
    assert_rel(bare.overhead_fraction, 0.20, 0);
    assert_rel(bare.psu_efficiency, 0.95, 0);
    /* a struct not started from an initialiser is refused, naming the fix */
    lw_cost_params zero;
    lw_cost_energy e = LW_COST_ENERGY_INIT;
    lw_err err;
    memset(&zero, 0, sizeof zero);
    assert_int_equal(lw_cost_energy_compute(&zero, &e, &err), LW_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(lw_err_message(&err), "lw_cost_params_default()"));
    assert_int_equal(lw_cost_params_init(&zero, LW_COST_PARAMS_VERSION + 1, cat, 1, &err), LW_ERR_VERSION);
    lw_cost_tco_params t0;
    assert_int_equal(lw_cost_tco_params_init(&t0, LW_COST_TCO_PARAMS_VERSION, NULL, &err), LW_OK);
    assert_rel(t0.service_life_years, 3, 0);
    assert_true(t0.embodied_kg < 0 && t0.depreciation == LW_DEPRECIATION_STRAIGHT);
    lw_catalogue_free(cat);
}

static void test_energy_chain(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    lw_cost_params p = eight_gpus(cat);
    lw_cost_energy e = LW_COST_ENERGY_INIT;
    assert_int_equal(lw_cost_energy_compute(&p, &e, NULL), LW_OK);
    /* 5600 W x 1.2 = 6720 W system; / 0.95 = 7073.684 W at the wall */
    assert_rel(e.system_power_w, 6720, 1e-12);
    assert_rel(e.wall_power_w, 6720 / 0.95, 1e-12);
    /* 1M tokens take 100 s: 7073.684 W x 100 s = 707,368 J = 0.196491 kWh */
    assert_rel(e.wall_kwh_per_million, 6720 / 0.95 * 100 / 3.6e6, 1e-12);
    assert_rel(e.billed_kwh_per_million, e.wall_kwh_per_million, 1e-12);
    /* $200,000 / (3 x 8760 h) = $7.6104/h; 36M tokens/h -> $0.211400 per 1M */
    assert_rel(e.amortisation_usd_per_hour, 200000.0 / 26280.0, 1e-12);
    assert_rel(e.amortisation_usd_per_million, 200000.0 / 26280.0 / 36.0, 1e-12);
    assert_rel(e.life_months, 36, 0);
    assert_true(e.co2e_g_per_million < 0);
    assert_true(e.water_l_per_million < 0);

    lw_cost_price c = LW_COST_PRICE_INIT;
    assert_int_equal(lw_cost_at_price(&e, 0.10, &c, NULL), LW_OK);
    /* 0.196491 kWh x $0.10 = $0.0196491 per 1M tokens; 7.073684 kW x $0.10 = $0.7073684 per hour */
    assert_rel(c.energy_usd_per_million, 6720 / 0.95 * 100 / 3.6e6 * 0.10, 1e-12);
    assert_rel(c.energy_usd_per_hour, 6720 / 0.95 / 1000 * 0.10, 1e-12);
    assert_rel(c.onprem_usd_per_million, c.energy_usd_per_million + 200000.0 / 26280.0 / 36.0, 1e-12);
    /* the three seed scenarios scale linearly */
    lw_cost_price c3 = LW_COST_PRICE_INIT;
    assert_int_equal(lw_cost_at_price(&e, 0.30, &c3, NULL), LW_OK);
    assert_rel(c3.energy_usd_per_million, 3 * c.energy_usd_per_million, 1e-12);
    lw_catalogue_free(cat);
}

static void test_pue_carbon_water(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    lw_cost_params p = lw_cost_params_default(cat, 1);
    p.gpu_power_w = 500;
    p.tokens_per_s = 2000;
    p.pue = 1.15;             /* AWS 2024 */
    p.grid_g_per_kwh = 384;   /* Ember US 2024 */
    p.wue_l_per_kwh = 0.30;   /* Microsoft */
    lw_cost_energy e = LW_COST_ENERGY_INIT;
    assert_int_equal(lw_cost_energy_compute(&p, &e, NULL), LW_OK);
    /* wall: 500 x 1.2 / 0.95 = 631.579 W; 1M tokens = 500 s -> 0.0877193 kWh */
    double wall = 500 * 1.2 / 0.95 * 500 / 3.6e6;
    assert_rel(e.wall_kwh_per_million, wall, 1e-12);
    assert_rel(e.billed_kwh_per_million, wall * 1.15, 1e-12);
    /* carbon on billed energy: 0.100877 kWh x 384 g = 38.74 g; water on IT energy: 0.0877 x 0.30 L */
    assert_rel(e.co2e_g_per_million, wall * 1.15 * 384, 1e-12);
    assert_rel(e.water_l_per_million, wall * 0.30, 1e-12);
    lw_catalogue_free(cat);
}

static void test_utilisation_and_idle(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    lw_cost_params p = lw_cost_params_default(cat, 8);
    p.gpu_power_w = 8000;
    p.tokens_per_s = 4000;
    p.idle_power_w = 8 * 50; /* seed: ~50 W per B200 */
    p.utilization = 0.5;
    lw_cost_energy e = LW_COST_ENERGY_INIT;
    assert_int_equal(lw_cost_energy_compute(&p, &e, NULL), LW_OK);
    /* half the time at 8000 W, half at 400 W: 4200 W average; 2000 tokens/s average */
    assert_rel(e.gpu_avg_power_w, 4200, 1e-12);
    assert_rel(e.tokens_per_hour, 0.5 * 4000 * 3600, 1e-12);
    assert_rel(e.wall_kwh_per_million, 4200 * 1.2 / 0.95 * (1e6 / 2000.0) / 3.6e6, 1e-12);
    lw_catalogue_free(cat);
}

static void test_break_even(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    lw_cost_params p = eight_gpus(cat);
    lw_cost_energy e = LW_COST_ENERGY_INIT;
    lw_cost_price c = LW_COST_PRICE_INIT;
    lw_break_even b = LW_BREAK_EVEN_INIT;
    assert_int_equal(lw_cost_energy_compute(&p, &e, NULL), LW_OK);
    assert_int_equal(lw_cost_at_price(&e, 0.10, &c, NULL), LW_OK);
    double energy_per_m = 6720 / 0.95 * 100 / 3.6e6 * 0.10; /* $0.0196491 */

    /* GPT-4 Turbo $10/1M: tokens = 200,000 / ((10 - 0.0196491) / 1e6) = 20.0394 billion */
    assert_int_equal(lw_cost_break_even(&e, &c, &p, 10.0, &b, NULL), LW_OK);
    assert_rel(b.tokens, 200000.0 / ((10.0 - energy_per_m) / 1e6), 1e-12);
    /* at 10,000 tokens/s: 20.04e9 / (10,000 x 730 h x 3600) = 0.7625 months */
    assert_rel(b.months, b.tokens / (10000.0 * 3600 * 730), 1e-12);
    assert_int_equal(b.kind, LW_BREAK_EVEN_WITHIN_LIFE);

    /* $0.02/1M: margin 0.02 - 0.0196491 = $0.000351 per 1M -> 5.7e14 tokens, 21,700 months: beyond 36 */
    assert_int_equal(lw_cost_break_even(&e, &c, &p, 0.02, &b, NULL), LW_OK);
    assert_rel(b.tokens, 200000.0 / ((0.02 - energy_per_m) / 1e6), 1e-12);
    assert_int_equal(b.kind, LW_BREAK_EVEN_AFTER_LIFE);
    assert_non_null(strstr(b.explanation, "beyond the 36-month"));
    /* consistent with on-prem cost per token being above the API price */
    assert_true(c.onprem_usd_per_million > 0.02);

    /* $0.01/1M is below the energy cost alone: never */
    assert_int_equal(lw_cost_break_even(&e, &c, &p, 0.01, &b, NULL), LW_OK);
    assert_int_equal(b.kind, LW_BREAK_EVEN_NEVER);
    assert_true(isinf(b.tokens) && isinf(b.months));
    assert_non_null(strstr(b.explanation, "never"));

    /* no hardware cost */
    p.hardware_usd = 0;
    assert_int_equal(lw_cost_energy_compute(&p, &e, NULL), LW_OK);
    assert_int_equal(lw_cost_break_even(&e, &c, &p, 1.0, &b, NULL), LW_OK);
    assert_int_equal(b.kind, LW_BREAK_EVEN_FREE);
    lw_catalogue_free(cat);
}

static void test_bad_inputs(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    lw_cost_params p = eight_gpus(cat);
    lw_cost_energy e = LW_COST_ENERGY_INIT;
    lw_cost_price c = LW_COST_PRICE_INIT;
    lw_err err;
    assert_int_equal(lw_cost_energy_compute(&p, &e, NULL), LW_OK);
    assert_int_equal(lw_cost_at_price(&e, -0.1, &c, &err), LW_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(lw_err_message(&err), "electricity price"));
    lw_cost_params q = p;
    q.psu_efficiency = 0;
    assert_int_equal(lw_cost_energy_compute(&q, &e, &err), LW_ERR_INVALID_ARGUMENT);
    q = p;
    q.pue = 0.9;
    assert_int_equal(lw_cost_energy_compute(&q, &e, &err), LW_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(lw_err_message(&err), "PUE"));
    q = p;
    q.tokens_per_s = 0;
    assert_int_equal(lw_cost_energy_compute(&q, &e, &err), LW_ERR_INVALID_ARGUMENT);
    q = p;
    q.gpu_power_w = NAN;
    assert_int_equal(lw_cost_energy_compute(&q, &e, &err), LW_ERR_INVALID_ARGUMENT);
    q = p;
    q.utilization = 1.5;
    assert_int_equal(lw_cost_energy_compute(&q, &e, &err), LW_ERR_INVALID_ARGUMENT);
    lw_catalogue_free(cat);
}

static void test_tables(void **state)
{
    (void)state;
    lw_region r;
    lw_err err;
    assert_int_equal(lw_region_find("US", &r, NULL), LW_OK);
    assert_rel(r.g_co2e_per_kwh, 384, 0); /* Ember 2024 via OWID, physics.md 5.2 */
    assert_int_equal(r.year, 2024);
    assert_int_equal(lw_region_find("california", &r, NULL), LW_OK);
    assert_rel(r.g_co2e_per_kwh, 195, 0);
    assert_int_equal(lw_region_find("atlantis", &r, &err), LW_ERR_NOT_FOUND);
    assert_non_null(strstr(lw_err_message(&err), "known: us"));
    lw_api_price *a;
    size_t n;
    assert_int_equal(lw_api_prices_load(&a, &n, NULL), LW_OK);
    assert_int_equal(n, 5);
    assert_string_equal(a[0].provider, "OpenAI GPT-4 Turbo");
    assert_rel(a[0].usd_per_million, 10.0, 0);
    assert_rel(a[1].usd_per_million, 15.0, 0);
    assert_rel(a[2].usd_per_million, 7.0, 0);
    assert_rel(a[3].usd_per_million, 0.50, 0);
    assert_rel(a[4].low, 0.20, 0);
    assert_rel(a[4].high, 0.70, 0);
    assert_string_equal(a[0].comparable_workload, "gpt40b");
    free(a);
}

/* TCO for the 8-GPU case: $200,000 hardware, 7073.684 W at the wall, 36M tokens/h. */
static void test_tco(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    lw_cost_params p = eight_gpus(cat);
    lw_cost_energy e = LW_COST_ENERGY_INIT;
    lw_cost_tco t = LW_COST_TCO_INIT;
    assert_int_equal(lw_cost_energy_compute(&p, &e, NULL), LW_OK);
    lw_cost_tco_params tp = lw_cost_tco_params_default(cat);
    /* catalogue defaults: 10% a year, $184.06 per kW-month (CBRE H2 2024), networking 10% */
    assert_rel(tp.maintenance_fraction_per_year, 0.10, 0);
    assert_rel(tp.colocation_usd_per_kw_month, 184.06, 0);
    assert_rel(tp.networking_fraction, 0.10, 0);
    assert_true(tp.embodied_kg < 0);
    tp.embodied_kg = 8 * 149.8 + 2500; /* 8 x H100 + host: 3698.4 kg */
    assert_int_equal(lw_cost_tco_compute(&p, &e, &tp, &t, NULL), LW_OK);
    /* capex 220,000 over 26,280 h = $8.3714/h; maintenance 20,000 / 8760 = $2.2831/h;
     * colocation 7.073684 kW x 184.06 x 12 / 8760 = $1.7836/h */
    assert_rel(t.capex_usd, 220000, 1e-12);
    assert_rel(t.amortisation_usd_per_hour, 220000.0 / 26280, 1e-12);
    assert_rel(t.maintenance_usd_per_hour, 20000.0 / 8760, 1e-12);
    assert_rel(t.colocation_usd_per_hour, 6720 / 0.95 / 1000 * 184.06 * 12 / 8760, 1e-12);
    assert_rel(t.fixed_usd_per_hour, 220000.0 / 26280 + 20000.0 / 8760 + 6720 / 0.95 / 1000 * 184.06 * 12 / 8760, 1e-12);
    assert_rel(t.fixed_usd_per_million, t.fixed_usd_per_hour / 36, 1e-12);
    /* embodied 3,698,400 g over 26,280 h = 140.73 g/h; / 36M tokens per hour = 3.909 g per 1M */
    assert_rel(t.embodied_g_per_hour, 3698400.0 / 26280, 1e-12);
    assert_rel(t.embodied_g_per_million, 3698400.0 / 26280 / 36, 1e-12);
    assert_true(t.sci_g_per_million < 0); /* no grid intensity */
    p.grid_g_per_kwh = 100;
    assert_int_equal(lw_cost_energy_compute(&p, &e, NULL), LW_OK);
    assert_int_equal(lw_cost_tco_compute(&p, &e, &tp, &t, NULL), LW_OK);
    /* 0.196491 kWh x 100 g = 19.649 g + 3.909 g = 23.558 g per 1M tokens */
    assert_rel(t.sci_g_per_million, 6720 / 0.95 * 100 / 3.6e6 * 100 + 3698400.0 / 26280 / 36, 1e-12);
    assert_rel(t.operational_g_per_hour, 6720 / 0.95 / 1000 * 100, 1e-12);

    /* break-even vs $0.50: running = energy $0.0196491 + (maintenance + colocation) / 36 per 1M */
    lw_cost_price c = LW_COST_PRICE_INIT;
    lw_break_even b = LW_BREAK_EVEN_INIT;
    assert_int_equal(lw_cost_at_price(&e, 0.10, &c, NULL), LW_OK);
    assert_int_equal(lw_cost_tco_break_even(&e, &c, &p, &t, 0.50, &b, NULL), LW_OK);
    double running = 6720 / 0.95 * 100 / 3.6e6 * 0.10 + (20000.0 / 8760 + 6720 / 0.95 / 1000 * 184.06 * 12 / 8760) / 36;
    assert_rel(b.tokens, 220000 / ((0.50 - running) / 1e6), 1e-12);
    assert_int_equal(lw_cost_tco_break_even(&e, &c, &p, &t, 0.05, &b, NULL), LW_OK);
    assert_int_equal(b.kind, LW_BREAK_EVEN_NEVER);

    /* rent at $2/GPU-h: $16/h for 8 GPUs; 36M tokens per serving hour -> $0.4444 per 1M;
     * owning is cheaper above fixed / (16 - 0.70737) of hours */
    lw_rent_compare r = LW_RENT_COMPARE_INIT;
    assert_int_equal(lw_cost_rent_compare(&p, &c, &t, 2.0, &r, NULL), LW_OK);
    assert_rel(r.rent_usd_per_hour, 16, 0);
    assert_rel(r.rent_usd_per_million, 16.0 / 36, 1e-12);
    assert_rel(r.break_even_utilization, t.fixed_usd_per_hour / (16 - 6720 / 0.95 / 1000 * 0.10), 1e-12);
    assert_int_equal(lw_cost_rent_compare(&p, &c, &t, 0.05, &r, NULL), LW_OK); /* $0.40/h < energy $0.707/h */
    assert_true(isinf(r.break_even_utilization));
    assert_int_equal(lw_cost_rent_compare(&p, &c, &t, -1, &r, NULL), LW_ERR_INVALID_ARGUMENT);

    tp.maintenance_fraction_per_year = -0.1;
    lw_err err;
    assert_int_equal(lw_cost_tco_compute(&p, &e, &tp, &t, &err), LW_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(lw_err_message(&err), "maintenance"));
    tp.maintenance_fraction_per_year = 0.1;
    tp.service_life_years = 0;
    assert_int_equal(lw_cost_tco_compute(&p, &e, &tp, &t, &err), LW_ERR_INVALID_ARGUMENT);
    lw_catalogue_free(cat);
}

static void test_depreciation(void **state)
{
    (void)state;
    /* straight line: 90,000 over 3 years = 30,000 a year */
    assert_rel(lw_cost_depreciation_year(LW_DEPRECIATION_STRAIGHT, 90000, 3, 2), 30000, 0);
    assert_rel(lw_cost_depreciation_year(LW_DEPRECIATION_STRAIGHT, 90000, 3, 4), 0, 0);
    /* double-declining over 3 years: 60,000 (2/3), then 20,000 (2/3 of 30,000 beats 30,000/2 = 15,000),
     * then the remaining 10,000 (straight line on the rest beats 2/3 x 10,000) */
    assert_rel(lw_cost_depreciation_year(LW_DEPRECIATION_DECLINING, 90000, 3, 1), 60000, 1e-12);
    assert_rel(lw_cost_depreciation_year(LW_DEPRECIATION_DECLINING, 90000, 3, 2), 20000, 1e-12);
    assert_rel(lw_cost_depreciation_year(LW_DEPRECIATION_DECLINING, 90000, 3, 3), 10000, 1e-12);
    /* 5 years: 40%, 24%, 14.4%, then 21.6% left split 10.8% + 10.8% */
    assert_rel(lw_cost_depreciation_year(LW_DEPRECIATION_DECLINING, 1000, 5, 3), 144, 1e-12);
    assert_rel(lw_cost_depreciation_year(LW_DEPRECIATION_DECLINING, 1000, 5, 4), 108, 1e-12);
    assert_rel(lw_cost_depreciation_year(LW_DEPRECIATION_DECLINING, 1000, 5, 5), 108, 1e-12);
}

static void test_price_constants(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    const lw_constant *h, *a, *b;
    assert_int_equal(lw_catalogue_find_constant(cat, "price.h100-sxm.purchase", &h, NULL), LW_OK);
    assert_int_equal(lw_catalogue_find_constant(cat, "price.a100-80gb.purchase", &a, NULL), LW_OK);
    assert_int_equal(lw_catalogue_find_constant(cat, "price.b200.purchase", &b, NULL), LW_OK);
    /* published ranges: H100 $25,000-40,000, A100 80GB $8,000-15,000, B200 $30,000-40,000 */
    assert_rel(h->low, 25000, 0);
    assert_rel(h->high, 40000, 0);
    assert_rel(a->low, 8000, 0);
    assert_rel(b->low, 30000, 0);
    assert_true(h->value != a->value && a->value != b->value && h->value != b->value);
    assert_true(h->year >= 2022 && h->source[0]);
    const lw_constant *emb;
    assert_int_equal(lw_catalogue_find_constant(cat, "embodied.a100-80gb.gpu", &emb, NULL), LW_OK);
    assert_rel(emb->value, 150, 0); /* Luccioni et al. 2023 */
    assert_int_equal(lw_catalogue_find_constant(cat, "embodied.b200.gpu", &emb, NULL), LW_OK);
    assert_rel(emb->value, 0.50 / 0.66 * 2.3 * 149.8, 1e-3); /* NVIDIA HGX B200 vs H100 PCF ratio */
    lw_catalogue_free(cat);
}

/* The whole document: 1000 W, 2000 tokens/s, $0.15/kWh through seed 004's chain, by hand. */
static void test_report(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    lw_err err;
    lw_cost_report *r = NULL;
    lw_cost_request q = LW_COST_REQUEST_INIT;
    double price = 0.15;
    q.power_w = 1000;
    q.tokens_per_s = 2000;
    q.prices_usd_per_kwh = &price;
    q.nprices = 1;
    q.region = "us";
    assert_int_equal(lw_cost_report_new(cat, &q, &r, &err), LW_OK);
    char *json = lw_cost_report_to_json(r, 0, &err), *text = lw_cost_report_to_text(r, &err);
    assert_non_null(json);
    assert_non_null(text);
    char want[128];
    double kwh = 1000 * 1.2 / 0.95 * 500 / 3.6e6; /* 500 s per 1M tokens at 2000 tokens/s */
    snprintf(want, sizeof want, "\"energy_per_million_tokens_kwh\": %.15g", kwh);
    assert_non_null(strstr(json, want));
    snprintf(want, sizeof want, "\"cost_per_million_tokens_usd\": %.15g", kwh * 0.15);
    assert_non_null(strstr(json, want));
    snprintf(want, sizeof want, "\"co2e_g_per_million_tokens\": %.15g", kwh * 384); /* Ember 2024, us */
    assert_non_null(strstr(json, want));
    assert_non_null(strstr(text, "  GPU power          1000 W                 --power-w\n"));
    assert_int_equal(lw_cost_report_warning_count(r), 0);
    assert_null(lw_cost_report_warning(r, 0));
    lw_free(json);
    lw_free(text);
    lw_cost_report_free(r);
    lw_catalogue_free(cat);
}

static void test_report_bad_requests(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    lw_err err;
    lw_cost_report *r = NULL;
    lw_cost_request q;
    memset(&q, 0, sizeof q);
    assert_int_equal(lw_cost_report_new(cat, &q, &r, &err), LW_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(lw_err_message(&err), "LW_COST_REQUEST_INIT"));
    assert_int_equal(lw_cost_request_init(&q, LW_COST_REQUEST_VERSION + 1, &err), LW_ERR_VERSION);
    assert_int_equal(lw_cost_request_init(&q, LW_COST_REQUEST_VERSION, &err), LW_OK);
    q.power_w = 1000;
    assert_int_equal(lw_cost_report_new(cat, &q, &r, &err), LW_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(lw_err_message(&err), "--tokens-per-s"));
    q.tokens_per_s = 10;
    q.pue = "mars";
    assert_int_equal(lw_cost_report_new(cat, &q, &r, &err), LW_ERR_NOT_FOUND);
    assert_non_null(strstr(lw_err_message(&err), "'mars'"));
    q.pue = NULL;
    q.measurement = "a.json";
    q.estimate = "b.json";
    assert_int_equal(lw_cost_report_new(cat, &q, &r, &err), LW_ERR_INVALID_ARGUMENT);
    q.estimate = NULL;
    q.power_w = -1;
    q.run_json = "{\"schema\": \"llmwatt.measurement/1\"";
    assert_int_equal(lw_cost_report_new(cat, &q, &r, &err), LW_ERR_PARSE);
    assert_null(r);
    lw_catalogue_free(cat);
}

/* The result records carry their version: a record not started from its LW_*_INIT (version 0) is
 * refused naming the initialiser, a newer one LW_ERR_VERSION; the library keeps the version. */
static void test_result_versions(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    lw_cost_params p = eight_gpus(cat);
    lw_cost_tco_params tp = lw_cost_tco_params_default(cat);
    lw_err err;
    lw_cost_energy e;
    memset(&e, 0, sizeof e);
    assert_int_equal(lw_cost_energy_compute(&p, &e, &err), LW_ERR_INVALID_ARGUMENT);
    assert_string_equal(lw_err_message(&err), "lw_cost_energy has version 0: start it from LW_COST_ENERGY_INIT");
    e.version = LW_COST_ENERGY_VERSION + 1;
    assert_int_equal(lw_cost_energy_compute(&p, &e, &err), LW_ERR_VERSION);
    assert_non_null(strstr(lw_err_message(&err), "use the library the program was built with"));
    e.version = LW_COST_ENERGY_VERSION;
    assert_int_equal(lw_cost_energy_compute(&p, &e, &err), LW_OK);
    assert_int_equal(e.version, 1);
    assert_rel(e.system_power_w, 6720, 1e-12); /* 5600 W x 1.2 */

    lw_cost_price c;
    memset(&c, 0, sizeof c);
    assert_int_equal(lw_cost_at_price(&e, 0.10, &c, &err), LW_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(lw_err_message(&err), "LW_COST_PRICE_INIT"));
    c = (lw_cost_price)LW_COST_PRICE_INIT;
    assert_int_equal(lw_cost_at_price(&e, 0.10, &c, &err), LW_OK);
    assert_rel(c.energy_usd_per_hour, 6720 / 0.95 / 1000 * 0.10, 1e-12);

    lw_cost_tco t;
    memset(&t, 0, sizeof t);
    assert_int_equal(lw_cost_tco_compute(&p, &e, &tp, &t, &err), LW_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(lw_err_message(&err), "LW_COST_TCO_INIT"));
    t = (lw_cost_tco)LW_COST_TCO_INIT;
    assert_int_equal(lw_cost_tco_compute(&p, &e, &tp, &t, &err), LW_OK);
    assert_int_equal(t.version, 1); /* kept through the library's zeroing */
    assert_rel(t.capex_usd, 220000, 1e-12);

    lw_break_even b;
    memset(&b, 0, sizeof b);
    assert_int_equal(lw_cost_break_even(&e, &c, &p, 10.0, &b, &err), LW_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(lw_err_message(&err), "LW_BREAK_EVEN_INIT"));
    assert_int_equal(lw_cost_tco_break_even(&e, &c, &p, &t, 10.0, &b, &err), LW_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(lw_err_message(&err), "LW_BREAK_EVEN_INIT"));
    b.version = LW_BREAK_EVEN_VERSION;
    assert_int_equal(lw_cost_break_even(&e, &c, &p, 10.0, &b, &err), LW_OK);
    assert_int_equal(b.version, 1);
    assert_int_equal(b.kind, LW_BREAK_EVEN_WITHIN_LIFE);

    lw_rent_compare r;
    memset(&r, 0, sizeof r);
    assert_int_equal(lw_cost_rent_compare(&p, &c, &t, 2.0, &r, &err), LW_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(lw_err_message(&err), "LW_RENT_COMPARE_INIT"));
    r = (lw_rent_compare)LW_RENT_COMPARE_INIT;
    assert_int_equal(lw_cost_rent_compare(&p, &c, &t, 2.0, &r, &err), LW_OK);
    assert_rel(r.rent_usd_per_hour, 16, 0); /* $2 x 8 GPUs */

    /* records given back as inputs are checked too */
    e.version = 0;
    assert_int_equal(lw_cost_at_price(&e, 0.10, &c, &err), LW_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(lw_err_message(&err), "LW_COST_ENERGY_INIT"));
    e.version = LW_COST_ENERGY_VERSION;
    c.version = 0;
    assert_int_equal(lw_cost_rent_compare(&p, &c, &t, 2.0, &r, &err), LW_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(lw_err_message(&err), "LW_COST_PRICE_INIT"));
    lw_catalogue_free(cat);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_are_seed_004), cmocka_unit_test(test_energy_chain),
        cmocka_unit_test(test_pue_carbon_water),      cmocka_unit_test(test_utilisation_and_idle),
        cmocka_unit_test(test_break_even),            cmocka_unit_test(test_bad_inputs),
        cmocka_unit_test(test_tables),                cmocka_unit_test(test_tco),
        cmocka_unit_test(test_depreciation),          cmocka_unit_test(test_price_constants),
        cmocka_unit_test(test_report),                cmocka_unit_test(test_report_bad_requests),
        cmocka_unit_test(test_result_versions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
