/* Replay of nvidia-smi logs (tests/data/replay/): energy by the trapezoid rule, written out
 * here by hand, and the line numbers of malformed logs. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "llmwatt/measure.h"
#include "llmwatt/power.h"
#include "testutil.h"

static void replay_path(char *buf, size_t n, const char *name)
{
    snprintf(buf, n, "%s/replay/%s", lw_test_data_dir(), name);
}

static void analyse(const char *name, double warmup_s, double tokens, lw_measure_result *r)
{
    char path[1024];
    replay_path(path, sizeof path, name);
    lw_power_source *src;
    lw_err err;
    if (lw_power_open_replay(path, &src, &err) != LW_OK)
        fail_msg("%s", lw_err_message(&err));
    lw_catalogue *cat = lw_test_catalogue();
    lw_measure_config cfg;
    assert_int_equal(lw_measure_config_default(cat, &cfg, NULL), LW_OK);
    lw_catalogue_free(cat);
    cfg.warmup_s = warmup_s;
    lw_measure *m;
    assert_int_equal(lw_measure_from_replay(&cfg, src, &m, &err), LW_OK);
    assert_int_equal(lw_measure_analyze(m, tokens, NAN, NULL, r, &err), LW_OK);
    lw_measure_free(m);
    lw_power_close(src);
}

/* two_gpus.csv: GPU 0 every second from 07.0 s: 100, 200, 200, 300, 100 W
 *   trapezoids: (100+200)/2 + (200+200)/2 + (200+300)/2 + (300+100)/2 = 150 + 200 + 250 + 200 = 800 J
 * GPU 1 every second from 07.5 s: 50, 150, 250, 50 W
 *   trapezoids: (50+150)/2 + (150+250)/2 + (250+50)/2 = 100 + 200 + 150 = 450 J */
static void check_two_gpus(const lw_measure_result *r)
{
    assert_int_equal(r->n_gpus, 2);
    assert_int_equal(r->source, LW_SOURCE_REPLAY);
    assert_rel(r->gpus[0].energy_j, 800.0, 1e-12);
    assert_rel(r->gpus[1].energy_j, 450.0, 1e-12);
    assert_string_equal(r->gpus[0].energy_method, "integrated");
    assert_true(isnan(r->gpus[0].energy_counter_j));
    assert_rel(r->energy_j, 1250.0, 1e-12);
    /* window: 07.0 .. 11.0 s */
    assert_rel(r->duration_s, 4.0, 1e-12);
    assert_rel(r->avg_power_w, 1250.0 / 4.0, 1e-12);
    /* GPU 0 spans 4 s, GPU 1 spans 3 s */
    assert_rel(r->gpus[0].avg_power_w, 800.0 / 4.0, 1e-12);
    assert_rel(r->gpus[1].avg_power_w, 450.0 / 3.0, 1e-12);
    assert_rel(r->gpus[0].peak_power_w, 300.0, 1e-12);
    /* rows do not line up (5 vs 4): the aggregate peak is the sum of the peaks, 300 + 250 */
    assert_rel(r->peak_power_w, 550.0, 1e-12);
    /* utilisation (90+92+94+96+98)/5 = 94 %, (80+84+88+92)/4 = 86 % */
    assert_rel(r->gpus[0].avg_utilization, 0.94, 1e-12);
    assert_rel(r->gpus[1].avg_utilization, 0.86, 1e-12);
    /* clocks (1980+1980+1965+1950+1950)/5 = 1965 MHz */
    assert_rel(r->gpus[0].avg_sm_clock_mhz, 1965.0, 1e-12);
    assert_rel(r->gpus[0].temperature_start_c, 60.0, 0);
    assert_rel(r->gpus[0].temperature_end_c, 64.0, 0);
    /* GPU 0 power mean 180 W, population variance (80^2+20^2+20^2+120^2+80^2)/5 = 5600 */
    assert_rel(r->gpus[0].power_cv, sqrt(5600.0) / 180.0, 1e-12);
    /* the log's own period is 1 s: 4 s -> 5 samples expected, 5 taken */
    assert_rel(r->interval_s, 1.0, 1e-12);
    assert_int_equal(r->expected_samples, 5);
    assert_int_equal(r->samples, 5);
    assert_rel(r->largest_gap_s, 1.0, 1e-12);
    assert_false(r->gpus[0].throttle_known);
    /* 2025-10-28 14:03:07 UTC = 1761660187 */
    assert_rel(r->start_unix, 1761660187.0, 1e-15);
}

static void test_replay_energy(void **state)
{
    (void)state;
    lw_measure_result r;
    analyse("two_gpus.csv", 0, 2500, &r);
    check_two_gpus(&r);
    /* 2500 tokens / 1250 J */
    assert_rel(r.tokens_per_j, 2.0, 1e-12);
    assert_rel(r.j_per_token, 0.5, 1e-12);
    assert_rel(r.tokens_per_s, 2500.0 / 4.0, 1e-12);
    /* utilisation (94 + 86)/2 = 90 % > 70 %; power CV of GPU 1 (mean 125, variance
     * (75^2+25^2+125^2+75^2)/4 = 6875) 0.663, the larger of the two, > 5 % */
    for (size_t i = 0; i < r.n_criteria; i++) {
        const lw_criterion *c = &r.criteria[i];
        if (strcmp(c->name, "avg_gpu_utilization") == 0)
            assert_true(c->applies && c->pass && fabs(c->value - 0.90) < 1e-12);
        if (strcmp(c->name, "power_cv") == 0)
            assert_true(c->applies && !c->pass && fabs(c->value - sqrt(6875.0) / 125.0) < 1e-12);
        if (strcmp(c->name, "throttling") == 0 || strcmp(c->name, "child_exit") == 0 || strcmp(c->name, "iterations") == 0)
            assert_false(c->applies);
    }
    assert_false(r.valid);
}

static void test_replay_noheader_same(void **state)
{
    (void)state;
    lw_measure_result r;
    analyse("two_gpus_noheader.csv", 0, NAN, &r);
    check_two_gpus(&r);
    assert_true(isnan(r.tokens_per_j));
}

static void test_replay_warmup(void **state)
{
    (void)state;
    lw_measure_result r;
    /* warm-up 1 s: GPU 0 from 08.0: 200, 200, 300, 100 -> 200 + 250 + 200 = 650 J;
     * GPU 1 from 08.5: 150, 250, 50 -> 200 + 150 = 350 J; window 08.0 .. 11.0 = 3 s */
    analyse("two_gpus.csv", 1.0, NAN, &r);
    assert_rel(r.gpus[0].energy_j, 650.0, 1e-12);
    assert_rel(r.gpus[1].energy_j, 350.0, 1e-12);
    assert_rel(r.energy_j, 1000.0, 1e-12);
    assert_rel(r.duration_s, 3.0, 1e-12);
}

static const lw_criterion *criterion(const lw_measure_result *r, const char *name)
{
    for (size_t i = 0; i < r->n_criteria; i++)
        if (strcmp(r->criteria[i].name, name) == 0)
            return &r->criteria[i];
    fail_msg("no criterion %s", name);
    return NULL;
}

static void test_replay_empty_window(void **state)
{
    (void)state;
    lw_measure_result r;
    /* the log spans 07.0 .. 11.0 s = 4 s; a 200 s warm-up leaves no sample in the window: the
     * energy and every per-token figure are unknown (not 0 J/token) and the verdict INVALID */
    analyse("two_gpus.csv", 200.0, 1000.0, &r);
    assert_true(isnan(r.gpus[0].energy_j) && isnan(r.gpus[1].energy_j));
    assert_true(isnan(r.energy_j));
    assert_true(isnan(r.j_per_token));
    assert_true(isnan(r.tokens_per_j));
    assert_true(isnan(r.tokens_per_s));
    assert_true(isnan(r.avg_power_w) && isnan(r.peak_power_w));
    assert_false(r.valid);
    const lw_criterion *c = criterion(&r, "samples_in_window");
    assert_true(c->applies && !c->pass);
    assert_true(c->value == 0.0);
    /* warm-up 3.6 s: GPU 0 keeps only its 11.0 s sample (one, no interval), GPU 1 none (its last
     * is 10.5 s): still empty with --min-duration 0 passing */
    analyse("two_gpus.csv", 3.6, 1000.0, &r);
    assert_true(isnan(r.energy_j) && isnan(r.j_per_token));
    assert_true(criterion(&r, "samples_in_window")->value == 1.0);
    assert_false(r.valid);
    /* 0 tokens: J/token undefined (division by zero), tokens/J is 0 / 1250 J = 0 */
    analyse("two_gpus.csv", 0, 0.0, &r);
    assert_true(isnan(r.j_per_token));
    assert_true(r.tokens_per_j == 0.0);
}

/* The coverage gap of a run that has exactly one. */
static void expect_one_gap(const lw_measure_result *r, int gpu, lw_coverage_kind kind, double from_s, double to_s)
{
    assert_int_equal(r->n_coverage_gaps_total, 1);
    assert_int_equal(r->n_coverage_gaps, 1);
    const lw_coverage_gap *g = &r->coverage_gaps[0];
    assert_true(g->gpu);
    assert_int_equal(g->index, gpu);
    assert_int_equal(g->kind, kind);
    assert_rel(g->from_s, from_s, 1e-12);
    assert_rel(g->to_s, to_s, 1e-12);
    const lw_criterion *c = criterion(r, "coverage");
    assert_true(c->applies && !c->pass && c->value == 1.0);
    assert_false(r->valid);
}

/* The "Done when" logs of issue 11: two GPUs at 300 W and 200 W, one row per GPU per second
 * from 0 to 120 s, 95 % busy; every other criterion passes, so coverage alone decides. */
static void test_replay_coverage(void **state)
{
    (void)state;
    lw_measure_result r;
    /* GPU 1 stops at 60 s: GPU 0 300 W x 120 s = 36000 J, GPU 1 200 W x 60 s = 12000 J; the sum
     * (48000 J) adds a 120 s window to a 60 s one, which the result says */
    analyse("gpu1_stops.csv", 0, 1e6, &r);
    assert_rel(r.gpus[0].energy_j, 36000.0, 1e-12);
    assert_rel(r.gpus[1].energy_j, 12000.0, 1e-12);
    assert_rel(r.duration_s, 120.0, 1e-12);
    assert_true(r.windows_differ);
    expect_one_gap(&r, 1, LW_COVERAGE_EARLY_END, 60.0, 120.0);
    assert_string_equal(r.gpus[1].info.name, "NVIDIA H100 80GB HBM3");
    /* tolerances: 2 and 3 intervals of the log's 1 s period (above the 0.25 s floor) */
    assert_rel(r.coverage_edge_s, 2.0, 1e-12);
    assert_rel(r.coverage_gap_s, 3.0, 1e-12);
    /* GPU 1 starts at 30 s: 200 W x 90 s = 18000 J */
    analyse("late_start.csv", 0, NAN, &r);
    assert_rel(r.gpus[1].energy_j, 18000.0, 1e-12);
    assert_true(r.windows_differ);
    expect_one_gap(&r, 1, LW_COVERAGE_LATE_START, 0.0, 30.0);
    /* GPU 0 has no rows from 40 to 49 s: the trapezoid bridges 39 -> 50 s at a constant 300 W,
     * so the energy is still 36000 J, but a hole of 11 s > 3 s fails; both GPUs span the window */
    analyse("hole.csv", 0, NAN, &r);
    assert_rel(r.gpus[0].energy_j, 36000.0, 1e-12);
    assert_false(r.windows_differ);
    expect_one_gap(&r, 0, LW_COVERAGE_HOLE, 39.0, 50.0);
    /* with a 35 s warm-up the late start of GPU 1 (first row at 30 s) is outside the window */
    analyse("late_start.csv", 35.0, NAN, &r);
    assert_int_equal(r.n_coverage_gaps_total, 0);
    assert_true(criterion(&r, "coverage")->pass);
    assert_true(r.valid);
    /* two_gpus.csv: GPU 1 starts and ends 0.5 s inside the 1 s period of the log: covered */
    analyse("two_gpus.csv", 0, NAN, &r);
    assert_int_equal(r.n_coverage_gaps_total, 0);
    assert_false(r.windows_differ);
}

/* clocks_throttle_reasons.active = 0x40 (hw_thermal) on both GPUs from 60 s: rows 60..120 of
 * 0..120 are throttled, 61/121 of the samples; the default mask 0xe0 includes hw_thermal */
static void test_replay_throttle(void **state)
{
    (void)state;
    lw_measure_result r;
    analyse("hw_slowdown.csv", 0, NAN, &r);
    assert_true(r.gpus[0].throttle_known);
    assert_true(r.gpus[0].throttle_seen == LW_THROTTLE_HW_THERMAL);
    assert_rel(r.gpus[0].throttle_fraction, 61.0 / 121.0, 1e-12);
    const lw_criterion *c = criterion(&r, "throttling");
    assert_true(c->applies && !c->pass);
    assert_rel(c->value, 61.0 / 121.0, 1e-12);
    assert_true(criterion(&r, "coverage")->pass);
    assert_false(r.valid);
    /* newer drivers' individual columns: GPU 1 power-capped all along (not in the mask: 0 %
     * throttled, 100 % power-capped), GPU 0 hw_thermal_slowdown from 90 s: 31/121 */
    analyse("event_reasons.csv", 0, NAN, &r);
    assert_true(r.gpus[1].throttle_seen == LW_THROTTLE_SW_POWER_CAP);
    assert_rel(r.gpus[1].throttle_fraction, 0.0, 0);
    assert_rel(r.gpus[1].sw_power_cap_fraction, 1.0, 1e-12);
    assert_true(r.gpus[0].throttle_seen == LW_THROTTLE_HW_THERMAL);
    assert_rel(r.gpus[0].throttle_fraction, 31.0 / 121.0, 1e-12);
    assert_string_equal(r.gpus[0].info.name, "NVIDIA A100-SXM4-80GB");
    assert_false(r.valid);
}

static void expect_error(const char *name, const char *needle)
{
    char path[1024];
    replay_path(path, sizeof path, name);
    lw_power_source *src = NULL;
    lw_err err;
    assert_int_equal(lw_power_open_replay(path, &src, &err), LW_ERR_PARSE);
    assert_null(src);
    if (!strstr(lw_err_message(&err), needle))
        fail_msg("'%s' does not contain '%s'", lw_err_message(&err), needle);
}

static void test_replay_malformed(void **state)
{
    (void)state;
    expect_error("bad_timestamp.csv", "line 4: bad timestamp '2025/28/10 14:03:07.200'");
    expect_error("missing_column.csv", "line 4: 5 column(s), expected 6");
    expect_error("backwards.csv", "line 5: time goes backwards for GPU 0");
    expect_error("no_index.csv", "line 1: header lacks the 'index' column");
    /* numbers that cannot be readings: negative power or clock, utilisation outside 0..100 %,
     * infinite power (each file's bad value is on the line named) */
    expect_error("negative_power.csv", "line 4: power.draw '-50.00 W' is out of range (expected a power >= 0 W)");
    expect_error("util_over_100.csv", "line 3: utilization.gpu '120 %' is out of range (expected 0..100 %)");
    expect_error("util_negative.csv", "line 3: utilization.gpu '-1 %' is out of range");
    expect_error("negative_clock.csv", "line 5: clocks.sm '-1980 MHz' is out of range (expected a clock >= 0 MHz)");
    expect_error("infinite_power.csv", "line 3: power.draw 'inf W' is not a number");
    expect_error("bad_reason.csv", "line 3: clock-event reason hw_slowdown 'yes' is not Active or Not Active");
    lw_power_source *src = NULL;
    lw_err err;
    assert_int_equal(lw_power_open_replay("/nonexistent.csv", &src, &err), LW_ERR_IO);
    /* a replay cannot be read live */
    char path[1024];
    replay_path(path, sizeof path, "two_gpus.csv");
    assert_int_equal(lw_power_open_replay(path, &src, NULL), LW_OK);
    lw_power_sample s;
    assert_int_equal(lw_power_read(src, 0, &s, &err), LW_ERR_UNSUPPORTED);
    lw_power_close(src);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replay_energy),
        cmocka_unit_test(test_replay_noheader_same),
        cmocka_unit_test(test_replay_warmup),
        cmocka_unit_test(test_replay_empty_window),
        cmocka_unit_test(test_replay_malformed),
        cmocka_unit_test(test_replay_coverage),
        cmocka_unit_test(test_replay_throttle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
