/* The analysis handle (lw_measure_analysis_*): the figures of hand-made replay logs through
 * functions, with no fixed array crossing the API. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llmwatt/measure.h"
#include "testutil.h"

static lw_measure_analysis *analyse(const char *log, double tokens)
{
    lw_catalogue *cat = lw_test_catalogue();
    lw_measure_config cfg;
    assert_int_equal(lw_measure_config_default(cat, &cfg, NULL), LW_OK);
    char path[512];
    snprintf(path, sizeof path, "%s/replay/%s", lw_test_data_dir(), log);
    lw_power_source *src;
    lw_err err;
    if (lw_power_open_replay(path, &src, &err) != LW_OK)
        fail_msg("%s", lw_err_message(&err));
    lw_measure *m;
    assert_int_equal(lw_measure_from_replay(&cfg, src, &m, NULL), LW_OK);
    lw_measure_analysis *a;
    assert_int_equal(lw_measure_analysis_new(m, tokens, NAN, NULL, &a, NULL), LW_OK);
    lw_measure_free(m);
    lw_power_close(src);
    lw_catalogue_free(cat);
    return a;
}

/* two_gpus.csv: GPU 0 at 100, 200, 200, 300, 100 W one second apart -> 150 + 200 + 250 + 200 =
 * 800 J; GPU 1 at 50, 150, 250, 50 W -> 100 + 200 + 150 = 450 J; 2500 tokens / 1250 J = 2 tokens/J */
static void test_two_gpus(void **state)
{
    (void)state;
    lw_measure_analysis *a = analyse("two_gpus.csv", 2500);
    lw_measure_summary s = LW_MEASURE_SUMMARY_INIT;
    assert_int_equal(lw_measure_analysis_summary(a, &s, NULL), LW_OK);
    assert_int_equal(s.version, LW_MEASURE_SUMMARY_VERSION);
    assert_rel(s.energy_j, 1250, 1e-12);
    assert_rel(s.duration_s, 4, 1e-12);
    assert_rel(s.tokens_per_j, 2, 1e-12);
    assert_int_equal(s.source, LW_SOURCE_REPLAY);
    assert_false(s.valid); /* 4 s < 60 s, power CV */
    assert_int_equal(lw_measure_analysis_gpu_count(a), 2);
    assert_rel(lw_measure_analysis_gpu(a, 0)->energy_j, 800, 1e-12);
    assert_rel(lw_measure_analysis_gpu(a, 1)->energy_j, 450, 1e-12);
    assert_null(lw_measure_analysis_gpu(a, 2));
    /* the ten criteria of docs/measure.md, in order */
    static const char *const names[] = {"duration_s",   "iterations",     "avg_gpu_utilization", "power_cv",          "throttling",
                                        "gpus_present", "energy_counter", "coverage",            "samples_in_window", "child_exit"};
    assert_int_equal(lw_measure_analysis_criterion_count(a), 10);
    for (size_t i = 0; i < 10; i++)
        assert_string_equal(lw_measure_analysis_criterion(a, i)->name, names[i]);
    assert_null(lw_measure_analysis_criterion(a, 10));
    assert_false(lw_measure_analysis_criterion(a, 0)->pass);
    assert_int_equal(lw_measure_analysis_gap_count(a), 0);
    assert_null(lw_measure_analysis_gap(a, 0));
    lw_measure_analysis_free(a);
}

/* gpu1_stops.csv: GPU 1 stops at 60 s of 120 s: one early_end gap from 60 to 120 s */
static void test_gap(void **state)
{
    (void)state;
    lw_measure_analysis *a = analyse("gpu1_stops.csv", NAN);
    assert_int_equal(lw_measure_analysis_gap_count(a), 1);
    const lw_coverage_gap *g = lw_measure_analysis_gap(a, 0);
    assert_true(g->gpu && g->index == 1 && g->kind == LW_COVERAGE_EARLY_END);
    assert_rel(g->from_s, 60, 1e-9);
    assert_rel(g->to_s, 120, 1e-9);
    lw_measure_summary s = lw_measure_summary_default();
    assert_int_equal(lw_measure_analysis_summary(a, &s, NULL), LW_OK);
    assert_true(s.windows_differ && s.coverage_gaps_total == 1 && !s.valid);
    assert_rel(s.energy_j, 36000 + 12000, 1e-9); /* 300 W x 120 s + 200 W x 60 s */
    lw_measure_analysis_free(a);
}

static void test_summary_versions(void **state)
{
    (void)state;
    lw_measure_analysis *a = analyse("two_gpus.csv", NAN);
    lw_measure_summary s;
    memset(&s, 0, sizeof s);
    lw_err err;
    assert_int_equal(lw_measure_analysis_summary(a, &s, &err), LW_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(lw_err_message(&err), "LW_MEASURE_SUMMARY_INIT"));
    s.version = LW_MEASURE_SUMMARY_VERSION + 1;
    assert_int_equal(lw_measure_analysis_summary(a, &s, &err), LW_ERR_VERSION);
    lw_measure_analysis_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_gpus),
        cmocka_unit_test(test_gap),
        cmocka_unit_test(test_summary_versions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
