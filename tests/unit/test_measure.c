/* The measurement session against the fake NVML (tests/fake/fake_nvml.c), loaded through the
 * real dlopen path of src/backend/nvml.c. Each test scripts the fake with FAKE_NVML_* variables,
 * runs the sampler for a few hundred milliseconds and checks the energy against power x time. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "llmwatt/measure.h"
#include "llmwatt/power.h"
#include "testutil.h"

static const char *const fake_vars[] = {"FAKE_NVML_INIT_FAIL", "FAKE_NVML_GPUS", "FAKE_NVML_POWER_W", "FAKE_NVML_SWING_W",
                                        "FAKE_NVML_PERIOD_S", "FAKE_NVML_UTIL", "FAKE_NVML_NO_ENERGY", "FAKE_NVML_ENERGY_GAIN",
                                        "FAKE_NVML_RESET_AT_S", "FAKE_NVML_THROTTLE", "FAKE_NVML_THROTTLE_AT_S",
                                        "FAKE_NVML_FAIL_GPU", "FAKE_NVML_FAIL_AT_S", "FAKE_NVML_FAIL_UNTIL_S",
                                        "FAKE_NVML_BACK_J", "FAKE_NVML_BACK_AT_S", "FAKE_NVML_STALL_AT_S", "FAKE_NVML_STALL_S"};

static char fake_path[1024], fake_old_path[1024];

static int setup(void **state)
{
    (void)state;
    const char *b = getenv("LW_BUILD");
    snprintf(fake_path, sizeof fake_path, "%s/tests/libfake_nvml.so", b ? b : "build/check");
    snprintf(fake_old_path, sizeof fake_old_path, "%s/tests/libfake_nvml_old.so", b ? b : "build/check");
    for (size_t i = 0; i < sizeof fake_vars / sizeof fake_vars[0]; i++)
        unsetenv(fake_vars[i]);
    return 0;
}

static lw_measure_config config(double interval_s)
{
    lw_catalogue *cat = lw_test_catalogue();
    lw_measure_config cfg;
    assert_int_equal(lw_measure_config_default(cat, &cfg, NULL), LW_OK);
    lw_catalogue_free(cat);
    cfg.interval_s = interval_s;
    return cfg;
}

static void sleep_s(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - floor(s)) * 1e9)};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* Opens the fake, samples for run_s at interval_s and analyses. */
static void measure_fake(const char *lib, const lw_measure_config *cfg, double run_s, lw_measure_result *r)
{
    lw_power_source *src;
    lw_measure *m;
    lw_err err;
    if (lw_power_open_nvml(lib, &src, &err) != LW_OK)
        fail_msg("open fake NVML: %s", lw_err_message(&err));
    assert_int_equal(lw_measure_new(cfg, src, NULL, &m, &err), LW_OK);
    assert_int_equal(lw_measure_start(m, &err), LW_OK);
    sleep_s(run_s);
    assert_int_equal(lw_measure_stop(m, &err), LW_OK);
    assert_int_equal(lw_measure_analyze(m, 1000, NAN, NULL, r, &err), LW_OK);
    lw_measure_free(m);
    lw_power_close(src);
}

static void test_counter_path(void **state)
{
    (void)state;
    setenv("FAKE_NVML_POWER_W", "300", 1);
    lw_measure_config cfg = config(0.01);
    lw_measure_result r;
    measure_fake(fake_path, &cfg, 0.3, &r);
    assert_int_equal(r.n_gpus, 1);
    const lw_device_result *g = &r.gpus[0];
    assert_string_equal(g->energy_method, "counter");
    assert_string_equal(g->info.name, "Fake GPU 0");
    assert_string_equal(g->info.driver, "999.99-fake");
    assert_rel(g->info.power_limit_w, 700.0, 1e-12); /* 700000 mW */
    /* constant 300 W: counter energy = 300 W x window length (timestamps taken just before reads) */
    assert_true(r.duration_s > 0.28 && r.duration_s < 0.5);
    assert_rel(g->energy_counter_j, 300.0 * r.duration_s, 2e-3);
    assert_rel(g->energy_integrated_j, 300.0 * r.duration_s, 2e-3);
    assert_true(fabs(g->disagreement) < 2e-3);
    assert_rel(r.energy_j, g->energy_j, 1e-12);
    assert_rel(g->peak_power_w, 300.0, 1e-12);
    assert_rel(g->avg_utilization, 0.95, 1e-12); /* 95 % */
    assert_rel(g->avg_sm_clock_mhz, 1980.0, 1e-12);
    assert_true(g->power_cv < 1e-9);
    /* tokens: 1000 over the window */
    assert_rel(r.j_per_token, r.energy_j / 1000.0, 1e-12);
    assert_rel(r.tokens_per_j, 1000.0 / r.energy_j, 1e-12);
    assert_rel(r.tokens_per_s, 1000.0 / r.duration_s, 1e-12);
    /* one sample at start, one per 10 ms, one at stop; a loaded machine may skip a few */
    assert_true(r.samples >= r.expected_samples / 2 && r.samples <= r.expected_samples + 1);
    assert_true(r.largest_gap_s < 0.2);
    assert_int_equal(r.counter_resets, 0);
    /* 0.3 s < 60 s: invalid on duration only */
    assert_false(r.valid);
    assert_string_equal(r.criteria[0].name, "duration_s");
    assert_false(r.criteria[0].pass);
    for (size_t i = 1; i < r.n_criteria; i++)
        assert_true(r.criteria[i].pass);
}

static void test_counter_vs_integrated_disagreement(void **state)
{
    (void)state;
    setenv("FAKE_NVML_POWER_W", "200", 1);
    setenv("FAKE_NVML_ENERGY_GAIN", "1.02", 1); /* the counter reads 2 % high */
    lw_measure_config cfg = config(0.01);
    lw_measure_result r;
    measure_fake(fake_path, &cfg, 0.2, &r);
    /* (1.02 E - E) / 1.02 E = 0.02 / 1.02 */
    assert_rel(r.gpus[0].disagreement, 0.02 / 1.02, 0.05);
    assert_rel(r.gpus[0].energy_j, 1.02 * 200.0 * r.duration_s, 3e-3);
}

static void test_integration_fallback(void **state)
{
    (void)state;
    setenv("FAKE_NVML_POWER_W", "150", 1);
    setenv("FAKE_NVML_NO_ENERGY", "1", 1); /* NOT_SUPPORTED, as before Volta */
    lw_measure_config cfg = config(0.01);
    lw_measure_result r;
    measure_fake(fake_path, &cfg, 0.2, &r);
    assert_string_equal(r.gpus[0].energy_method, "integrated");
    assert_true(isnan(r.gpus[0].energy_counter_j));
    assert_true(isnan(r.gpus[0].disagreement));
    assert_rel(r.gpus[0].energy_j, 150.0 * r.duration_s, 1e-3);
}

static void test_missing_symbols(void **state)
{
    (void)state;
    /* old driver: unversioned nvmlInit, no energy symbol, the "Throttle" getter only */
    setenv("FAKE_NVML_POWER_W", "120", 1);
    setenv("FAKE_NVML_THROTTLE", "0x4", 1);
    lw_power_source *src;
    lw_device_info info;
    assert_int_equal(lw_power_open_nvml(fake_old_path, &src, NULL), LW_OK);
    assert_int_equal(lw_power_device_info(src, 0, &info, NULL), LW_OK);
    assert_false(info.has_energy_counter);
    assert_true(info.has_power);
    lw_power_sample s;
    assert_int_equal(lw_power_read(src, 0, &s, NULL), LW_OK);
    assert_true(s.ok);
    assert_true(isnan(s.energy_j));
    assert_rel(s.power_w, 120.0, 1e-12);
    assert_true(s.throttle_known);
    assert_int_equal(s.throttle_reasons, LW_THROTTLE_SW_POWER_CAP);
    lw_power_close(src);
    lw_measure_config cfg = config(0.01);
    lw_measure_result r;
    measure_fake(fake_old_path, &cfg, 0.15, &r);
    assert_string_equal(r.gpus[0].energy_method, "integrated");
    assert_rel(r.gpus[0].energy_j, 120.0 * r.duration_s, 1e-3);
    /* a power cap is reported but is not throttling by the default mask */
    assert_rel(r.gpus[0].sw_power_cap_fraction, 1.0, 1e-12);
    assert_rel(r.gpus[0].throttle_fraction, 0.0, 1e-12);
}

static void test_gpu_disappears(void **state)
{
    (void)state;
    setenv("FAKE_NVML_GPUS", "2", 1);
    setenv("FAKE_NVML_POWER_W", "300,200", 1);
    setenv("FAKE_NVML_FAIL_GPU", "1", 1);
    setenv("FAKE_NVML_FAIL_AT_S", "0.15", 1);
    lw_measure_config cfg = config(0.01);
    lw_measure_result r;
    measure_fake(fake_path, &cfg, 0.35, &r);
    assert_int_equal(r.n_gpus, 2);
    assert_int_equal(r.gpus[0].failed_samples, 0);
    assert_rel(r.gpus[0].energy_j, 300.0 * r.duration_s, 2e-3);
    const lw_device_result *g = &r.gpus[1];
    assert_true(g->failed_samples > 5);
    /* lost 0.15 s after nvmlInit, which came just before the start */
    assert_true(g->lost_at_s > 0.1 && g->lost_at_s < 0.2);
    /* 200 W until it disappeared, within one interval either side */
    assert_true(g->energy_j > 200.0 * (g->lost_at_s - 0.03) && g->energy_j < 200.0 * (g->lost_at_s + 0.01));
    bool found = false;
    for (size_t i = 0; i < r.n_criteria; i++)
        if (strcmp(r.criteria[i].name, "gpus_present") == 0) {
            found = true;
            assert_false(r.criteria[i].pass);
            assert_rel(r.criteria[i].value, 1.0, 0);
        }
    assert_true(found);
    assert_false(r.valid);
}

static void test_counter_reset(void **state)
{
    (void)state;
    setenv("FAKE_NVML_POWER_W", "250", 1);
    setenv("FAKE_NVML_RESET_AT_S", "0.12", 1);
    lw_measure_config cfg = config(0.01);
    lw_measure_result r;
    measure_fake(fake_path, &cfg, 0.3, &r);
    assert_int_equal(r.gpus[0].counter_resets, 1);
    assert_int_equal(r.counter_resets, 1);
    /* energy between the last sample before the reset and the reset is not seen: at most one
     * interval (with scheduling slack) of 250 W is missing, nothing is counted twice */
    double full = 250.0 * r.duration_s;
    assert_true(r.gpus[0].energy_j <= full * 1.002);
    assert_true(r.gpus[0].energy_j >= full - 250.0 * 0.03);
}

static bool criterion_pass(const lw_measure_result *r, const char *name)
{
    for (size_t i = 0; i < r->n_criteria; i++)
        if (strcmp(r->criteria[i].name, name) == 0)
            return r->criteria[i].pass;
    fail_msg("no criterion %s", name);
    return false;
}

/* A counter reading 10 x the true energy: 2500 W against a 700 W limit is more than twice the
 * limit, so every interval is integrated from the 250 W power readings instead. */
static void test_counter_implausible(void **state)
{
    (void)state;
    setenv("FAKE_NVML_POWER_W", "250", 1);
    setenv("FAKE_NVML_ENERGY_GAIN", "10", 1);
    lw_measure_config cfg = config(0.01);
    lw_measure_result r;
    measure_fake(fake_path, &cfg, 0.2, &r);
    assert_true(r.gpus[0].counter_implausible > 0);
    assert_rel(r.gpus[0].energy_j, 250.0 * r.duration_s, 1e-3);
    assert_false(criterion_pass(&r, "energy_counter"));
    assert_false(r.valid);
}

/* The counter steps back 40 J at 0.1 s (a glitch, not a reset to 0): that interval is bridged
 * by power, so the energy is 250 W x the window, not 40 J less or 1,000,000 J more. */
static void test_counter_backwards(void **state)
{
    (void)state;
    setenv("FAKE_NVML_POWER_W", "250", 1);
    setenv("FAKE_NVML_BACK_J", "40", 1);
    setenv("FAKE_NVML_BACK_AT_S", "0.1", 1);
    lw_measure_config cfg = config(0.01);
    lw_measure_result r;
    measure_fake(fake_path, &cfg, 0.3, &r);
    assert_int_equal(r.gpus[0].counter_resets, 1);
    assert_rel(r.gpus[0].energy_j, 250.0 * r.duration_s, 1e-3);
    assert_false(criterion_pass(&r, "energy_counter"));
}

/* GPU 1 lost from 0.1 s to 0.5 s of a 0.7 s run, then back: a hole of about 0.4 s (> the 0.25 s
 * floor) in its coverage, gpus_present and coverage fail; GPU 0 is untouched. */
static void test_lost_and_back(void **state)
{
    (void)state;
    setenv("FAKE_NVML_GPUS", "2", 1);
    setenv("FAKE_NVML_FAIL_GPU", "1", 1);
    setenv("FAKE_NVML_FAIL_AT_S", "0.1", 1);
    setenv("FAKE_NVML_FAIL_UNTIL_S", "0.5", 1);
    lw_measure_config cfg = config(0.01);
    lw_measure_result r;
    measure_fake(fake_path, &cfg, 0.7, &r);
    assert_true(r.gpus[1].failed_samples > 0);
    assert_true(r.gpus[1].back_at_s > r.gpus[1].lost_at_s + 0.3);
    assert_int_equal(r.n_coverage_gaps_total, 1);
    const lw_coverage_gap *g = &r.coverage_gaps[0];
    assert_true(g->gpu && g->index == 1 && g->kind == LW_COVERAGE_HOLE);
    assert_true(g->to_s - g->from_s > 0.35 && g->to_s - g->from_s < 0.6);
    assert_false(r.windows_differ);
    assert_false(criterion_pass(&r, "coverage"));
    assert_false(criterion_pass(&r, "gpus_present"));
    /* the device's counter kept counting while it did not answer: 250 W over the whole window */
    assert_rel(r.gpus[1].energy_j, 250.0 * r.duration_s, 0.01);
}

static void test_throttling_flagged(void **state)
{
    (void)state;
    setenv("FAKE_NVML_THROTTLE", "0x44", 1); /* sw_power_cap | hw_thermal */
    setenv("FAKE_NVML_THROTTLE_AT_S", "0.1", 1);
    lw_measure_config cfg = config(0.01);
    cfg.thresholds.min_duration_s = 0.05;
    lw_measure_result r;
    measure_fake(fake_path, &cfg, 0.3, &r);
    const lw_device_result *g = &r.gpus[0];
    assert_true(g->throttle_known);
    assert_int_equal(g->throttle_seen, LW_THROTTLE_SW_POWER_CAP | LW_THROTTLE_HW_THERMAL);
    /* throttled from 0.1 s of a 0.3 s run: about 2/3 of the samples */
    assert_true(g->throttle_fraction > 0.5 && g->throttle_fraction < 0.8);
    assert_false(r.valid);
    for (size_t i = 0; i < r.n_criteria; i++)
        assert_true(r.criteria[i].pass == (strcmp(r.criteria[i].name, "throttling") != 0));
}

static void test_power_cv(void **state)
{
    (void)state;
    /* square wave 300 +- 30 W, period 40 ms, sampled every 10 ms: population std 30, mean 300 */
    setenv("FAKE_NVML_POWER_W", "300", 1);
    setenv("FAKE_NVML_SWING_W", "30", 1);
    setenv("FAKE_NVML_PERIOD_S", "0.04", 1);
    lw_measure_config cfg = config(0.01);
    lw_measure_result r;
    measure_fake(fake_path, &cfg, 0.4, &r);
    assert_rel(r.gpus[0].power_cv, 0.1, 0.1);
    assert_rel(r.gpus[0].peak_power_w, 330.0, 1e-12);
    /* the counter integrates the wave exactly: 300 W on average over whole periods */
    assert_rel(r.gpus[0].energy_counter_j, 300.0 * r.duration_s, 0.02);
}

static void test_warmup_and_idle(void **state)
{
    (void)state;
    setenv("FAKE_NVML_POWER_W", "100", 1);
    lw_measure_config cfg = config(0.01);
    cfg.warmup_s = 0.1;
    cfg.idle_baseline_s = 0.05;
    lw_power_source *src;
    lw_measure *m;
    assert_int_equal(lw_power_open_nvml(fake_path, &src, NULL), LW_OK);
    assert_int_equal(lw_measure_new(&cfg, src, NULL, &m, NULL), LW_OK);
    assert_int_equal(lw_measure_idle(m, NULL), LW_OK);
    assert_int_equal(lw_measure_start(m, NULL), LW_OK);
    sleep_s(0.3);
    assert_int_equal(lw_measure_stop(m, NULL), LW_OK);
    lw_measure_result r;
    assert_int_equal(lw_measure_analyze(m, NAN, 60, NULL, &r, NULL), LW_OK);
    /* 0.3 s run minus 0.1 s warm-up */
    assert_true(r.duration_s > 0.18 && r.duration_s < 0.3);
    assert_rel(r.energy_j, 100.0 * r.duration_s, 2e-3);
    assert_true(r.has_idle);
    assert_rel(r.idle_power_w, 100.0, 1e-12);
    /* 100 W idle and 100 W running: nothing above idle */
    assert_true(fabs(r.energy_above_idle_j) < 0.5);
    assert_true(isnan(r.tokens_per_j));
    assert_rel(r.iterations, 60, 0);
    assert_true(r.criteria[1].applies && r.criteria[1].pass); /* 60 >= 50 iterations */
    char *json = NULL, *csv = NULL;
    lw_measure_meta meta = {0};
    assert_int_equal(lw_measure_json(&r, &meta, &json, NULL), LW_OK);
    assert_non_null(strstr(json, "\"idle_baseline\""));
    assert_non_null(strstr(json, "\"tokens\": null"));
    assert_int_equal(lw_measure_csv(m, &csv, NULL), LW_OK);
    assert_non_null(strstr(csv, "\nidle,"));
    assert_non_null(strstr(csv, "\nrun,"));
    free(json);
    free(csv);
    lw_measure_free(m);
    lw_power_close(src);
}

static void test_nvml_missing(void **state)
{
    (void)state;
    lw_power_source *src = NULL;
    lw_err err;
    assert_int_equal(lw_power_open_nvml("/nonexistent/libnvidia-ml.so.1", &src, &err), LW_ERR_NO_DEVICE);
    assert_null(src);
    assert_non_null(strstr(lw_err_message(&err), "cannot load /nonexistent/libnvidia-ml.so.1"));
    setenv("FAKE_NVML_INIT_FAIL", "9", 1);
    assert_int_equal(lw_power_open_nvml(fake_path, &src, &err), LW_ERR_NO_DEVICE);
    assert_non_null(strstr(lw_err_message(&err), "nvmlInit failed"));
    assert_non_null(strstr(lw_err_message(&err), "Driver Not Loaded"));
    unsetenv("FAKE_NVML_INIT_FAIL");
    setenv("FAKE_NVML_GPUS", "0", 1);
    assert_int_equal(lw_power_open_nvml(fake_path, &src, &err), LW_ERR_NO_DEVICE);
    assert_non_null(strstr(lw_err_message(&err), "sees no GPU"));
}

static void test_gpu_selection(void **state)
{
    (void)state;
    setenv("FAKE_NVML_GPUS", "3", 1);
    setenv("FAKE_NVML_POWER_W", "100,200,300", 1);
    lw_power_source *src;
    lw_measure *m = NULL;
    lw_err err;
    assert_int_equal(lw_power_open_nvml(fake_path, &src, NULL), LW_OK);
    lw_measure_config cfg = config(0.05);
    cfg.gpu_indices[0] = 2;
    cfg.gpu_indices[1] = 0;
    cfg.n_gpu_indices = 2;
    assert_int_equal(lw_measure_new(&cfg, src, NULL, &m, &err), LW_OK);
    assert_int_equal(lw_measure_gpu_count(m), 2);
    lw_measure_free(m);
    cfg.gpu_indices[1] = 7;
    assert_int_equal(lw_measure_new(&cfg, src, NULL, &m, &err), LW_ERR_NOT_FOUND);
    assert_non_null(strstr(lw_err_message(&err), "GPU 7 does not exist"));
    cfg.gpu_indices[1] = 2;
    assert_int_equal(lw_measure_new(&cfg, src, NULL, &m, &err), LW_ERR_INVALID_ARGUMENT);
    cfg.n_gpu_indices = 0;
    cfg.interval_s = 0.001;
    assert_int_equal(lw_measure_new(&cfg, src, NULL, &m, &err), LW_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(lw_err_message(&err), "0.01..3600"));
    lw_power_close(src);
}

static void test_child(void **state)
{
    (void)state;
    pid_t pid;
    lw_child_status st = {0};
    lw_err err;
    char *ok_argv[] = {"sh", "-c", "exit 3", NULL};
    assert_int_equal(lw_child_spawn(ok_argv, &pid, &err), LW_OK);
    assert_int_equal(lw_child_wait(pid, &st, &err), LW_OK);
    assert_true(st.ran);
    assert_int_equal(st.exit_code, 3);
    assert_int_equal(st.signal, 0);
    char *kill_argv[] = {"sh", "-c", "kill -TERM $$", NULL};
    assert_int_equal(lw_child_spawn(kill_argv, &pid, &err), LW_OK);
    assert_int_equal(lw_child_wait(pid, &st, &err), LW_OK);
    assert_int_equal(st.signal, 15);
    assert_int_equal(st.exit_code, 128 + 15);
    char *bad_argv[] = {"/nonexistent/workload", NULL};
    assert_int_equal(lw_child_spawn(bad_argv, &pid, &err), LW_ERR_CHILD);
    assert_non_null(strstr(lw_err_message(&err), "cannot run '/nonexistent/workload': No such file"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_counter_path, setup),
        cmocka_unit_test_setup(test_counter_vs_integrated_disagreement, setup),
        cmocka_unit_test_setup(test_integration_fallback, setup),
        cmocka_unit_test_setup(test_missing_symbols, setup),
        cmocka_unit_test_setup(test_gpu_disappears, setup),
        cmocka_unit_test_setup(test_counter_reset, setup),
        cmocka_unit_test_setup(test_counter_implausible, setup),
        cmocka_unit_test_setup(test_counter_backwards, setup),
        cmocka_unit_test_setup(test_lost_and_back, setup),
        cmocka_unit_test_setup(test_throttling_flagged, setup),
        cmocka_unit_test_setup(test_power_cv, setup),
        cmocka_unit_test_setup(test_warmup_and_idle, setup),
        cmocka_unit_test_setup(test_nvml_missing, setup),
        cmocka_unit_test_setup(test_gpu_selection, setup),
        cmocka_unit_test_setup(test_child, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
