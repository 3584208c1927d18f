/* Cost, carbon, water and break-even against arithmetic written out here (seed 004 assumptions). */
#include <math.h>
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
    lw_catalogue_free(cat);
}

static void test_energy_chain(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    lw_cost_params p = eight_gpus(cat);
    lw_cost_energy e;
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

    lw_cost_price c;
    assert_int_equal(lw_cost_at_price(&e, 0.10, &c, NULL), LW_OK);
    /* 0.196491 kWh x $0.10 = $0.0196491 per 1M tokens; 7.073684 kW x $0.10 = $0.7073684 per hour */
    assert_rel(c.energy_usd_per_million, 6720 / 0.95 * 100 / 3.6e6 * 0.10, 1e-12);
    assert_rel(c.energy_usd_per_hour, 6720 / 0.95 / 1000 * 0.10, 1e-12);
    assert_rel(c.onprem_usd_per_million, c.energy_usd_per_million + 200000.0 / 26280.0 / 36.0, 1e-12);
    /* the three seed scenarios scale linearly */
    lw_cost_price c3;
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
    lw_cost_energy e;
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
    lw_cost_energy e;
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
    lw_cost_energy e;
    lw_cost_price c;
    lw_break_even b;
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
    lw_cost_energy e;
    lw_cost_price c;
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_are_seed_004), cmocka_unit_test(test_energy_chain),
        cmocka_unit_test(test_pue_carbon_water),      cmocka_unit_test(test_utilisation_and_idle),
        cmocka_unit_test(test_break_even),            cmocka_unit_test(test_bad_inputs),
        cmocka_unit_test(test_tables),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
