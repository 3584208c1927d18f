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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
