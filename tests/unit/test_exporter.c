/* Exporter: energy counters, attribution rule and the exposition text, against hand-worked
 * arithmetic and hand-written expected text. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llmwatt/exporter.h"
#include "testutil.h"

#define S_NS 1000000000LL

static lw_exporter *new_exporter(double tick_s, double hold_s, size_t max_workloads)
{
    lw_exporter_config c = lw_exporter_config_default();
    c.tick_s = tick_s;
    c.hold_s = hold_s;
    c.max_workloads = max_workloads;
    lw_exporter *e = NULL;
    lw_err err;
    if (lw_exporter_new(&c, &e, &err) != LW_OK) {
        print_error("%s\n", lw_err_message(&err));
        fail();
    }
    return e;
}

static lw_device_info gpu_info(int index, const char *name, const char *uuid, bool counter, double limit_w)
{
    lw_device_info d;
    memset(&d, 0, sizeof d);
    d.index = index;
    d.kind = LW_DEVICE_GPU;
    snprintf(d.name, sizeof d.name, "%s", name);
    snprintf(d.uuid, sizeof d.uuid, "%s", uuid);
    d.power_limit_w = limit_w;
    d.has_energy_counter = counter;
    d.has_power = true;
    return d;
}

static lw_power_sample sample(double t_s, double power_w, double energy_j)
{
    lw_power_sample s;
    memset(&s, 0, sizeof s);
    s.t_ns = (int64_t)llround(t_s * 1e9);
    s.power_w = power_w;
    s.energy_j = energy_j;
    s.utilization = s.sm_clock_mhz = s.temperature_c = NAN;
    s.ok = true;
    return s;
}

static void observe(lw_exporter *e, size_t slot, lw_power_sample s)
{
    assert_int_equal(lw_exporter_observe(e, slot, &s, NULL), LW_OK);
}

static void report(lw_exporter *e, const char *wl, double tokens)
{
    lw_err err;
    if (lw_exporter_report_tokens(e, wl, tokens, &err) != LW_OK) {
        print_error("%s\n", lw_err_message(&err));
        fail();
    }
}

/* The scenario of docs/serve.md "Attribution, worked example": hold 2 s at a 1 s tick, so a
 * report keeps its workload active in its own interval and the next one.
 * GPU 0 has a counter (+300 J per second), GPU 1 integrates power (100 W at t=0, then 200 W). */
static lw_exporter *scenario(void)
{
    lw_exporter *e = new_exporter(1.0, 2.0, 8);
    lw_device_info g0 = gpu_info(0, "NVIDIA H100 80GB HBM3", "GPU-abc", true, 700);
    lw_device_info g1 = gpu_info(1, "Test \"GPU\" \\1", "GPU-def", false, NAN);
    size_t s0, s1;
    assert_int_equal(lw_exporter_add_device(e, &g0, &s0, NULL), LW_OK);
    assert_int_equal(lw_exporter_add_device(e, &g1, &s1, NULL), LW_OK);
    assert_int_equal(s0, 0);
    assert_int_equal(s1, 1);
    lw_power_sample a = sample(0, 300, 1000);
    a.utilization = 0.5;
    a.temperature_c = 60;
    a.sm_clock_mhz = 1980;
    a.throttle_known = true;
    a.throttle_reasons = LW_THROTTLE_SW_POWER_CAP;
    observe(e, 0, a);
    observe(e, 1, sample(0, 100, NAN));
    /* interval 0: GPU0 1000 -> 1300 J (+300), GPU1 trapezoid (100+200)/2 * 1 s = 150 J: 450 J, all to A */
    report(e, "A", 300);
    observe(e, 0, sample(1, 300, 1300));
    observe(e, 1, sample(1, 200, NAN));
    lw_exporter_tick(e);
    /* interval 1: 300 + 200 = 500 J; windows A 300+100 = 400, B 400: 250 J each */
    report(e, "A", 100);
    report(e, "B", 400);
    observe(e, 0, sample(2, 300, 1600));
    observe(e, 1, sample(2, 200, NAN));
    lw_exporter_tick(e);
    /* interval 2: no report; both still active (reported in interval 1); windows A 100, B 400 of 500 J */
    observe(e, 0, sample(3, 300, 1900));
    observe(e, 1, sample(3, 200, NAN));
    lw_exporter_tick(e);
    /* interval 3: nobody reported in intervals 2 or 3: 500 J unattributed */
    observe(e, 0, sample(4, 300, 2200));
    observe(e, 1, sample(4, 200, NAN));
    lw_exporter_tick(e);
    return e;
}

static void test_attribution(void **state)
{
    (void)state;
    lw_exporter *e = scenario();
    /* A: 450 + 250 + 100 = 800 J; B: 250 + 400 = 650 J */
    assert_rel(lw_exporter_workload_energy_j(e, "A"), 800, 1e-12);
    assert_rel(lw_exporter_workload_energy_j(e, "B"), 650, 1e-12);
    assert_rel(lw_exporter_workload_tokens(e, "A"), 400, 0);
    assert_rel(lw_exporter_workload_tokens(e, "B"), 400, 0);
    assert_true(isnan(lw_exporter_workload_energy_j(e, "C")));
    lw_exporter_totals t;
    lw_exporter_get_totals(e, &t);
    /* GPU0 4 x 300 = 1200 J, GPU1 150 + 3 x 200 = 750 J */
    assert_rel(t.gpu_energy_j, 1950, 1e-12);
    assert_rel(t.unattributed_energy_j, 500, 1e-12);
    assert_rel(t.attributed_energy_j + t.unattributed_energy_j, t.gpu_energy_j, 1e-12);
    assert_int_equal(t.workloads, 2);
    lw_exporter_free(e);
}

/* The expected text, one element per line (the version line is built at run time). */
static const char *const expected_lines[] = {
    "# HELP llmwatt_build_info llmwatt version.\n",
    "# TYPE llmwatt_build_info gauge\n",
    NULL, /* llmwatt_build_info{version="..."} 1 */
    "# HELP llmwatt_gpu_up 1 while the GPU answers, 0 after a failed reading (GPU lost).\n",
    "# TYPE llmwatt_gpu_up gauge\n",
    "llmwatt_gpu_up{gpu=\"0\",uuid=\"GPU-abc\",name=\"NVIDIA H100 80GB HBM3\"} 1\n",
    "llmwatt_gpu_up{gpu=\"1\",uuid=\"GPU-def\",name=\"Test \\\"GPU\\\" \\\\1\"} 0\n",
    "# HELP llmwatt_gpu_energy_joules_total GPU energy since the exporter started; method=counter: NVML energy counter, "
    "method=integrated: trapezoid of power readings.\n",
    "# TYPE llmwatt_gpu_energy_joules_total counter\n",
    "llmwatt_gpu_energy_joules_total{gpu=\"0\",uuid=\"GPU-abc\",name=\"NVIDIA H100 80GB HBM3\",method=\"counter\"} 1500\n",
    "llmwatt_gpu_energy_joules_total{gpu=\"1\",uuid=\"GPU-def\",name=\"Test \\\"GPU\\\" \\\\1\",method=\"integrated\"} 750\n",
    "# HELP llmwatt_gpu_power_watts GPU board power draw at the latest reading.\n",
    "# TYPE llmwatt_gpu_power_watts gauge\n",
    "llmwatt_gpu_power_watts{gpu=\"0\",uuid=\"GPU-abc\",name=\"NVIDIA H100 80GB HBM3\"} 310.5\n",
    "# HELP llmwatt_gpu_power_limit_watts Enforced GPU power limit.\n",
    "# TYPE llmwatt_gpu_power_limit_watts gauge\n",
    "llmwatt_gpu_power_limit_watts{gpu=\"0\",uuid=\"GPU-abc\",name=\"NVIDIA H100 80GB HBM3\"} 700\n",
    "# HELP llmwatt_gpu_utilization_ratio Fraction of the last sample period the GPU was busy (0..1).\n",
    "# TYPE llmwatt_gpu_utilization_ratio gauge\n",
    "llmwatt_gpu_utilization_ratio{gpu=\"0\",uuid=\"GPU-abc\",name=\"NVIDIA H100 80GB HBM3\"} 0.25\n",
    "# HELP llmwatt_gpu_temperature_celsius GPU die temperature.\n",
    "# TYPE llmwatt_gpu_temperature_celsius gauge\n",
    "llmwatt_gpu_temperature_celsius{gpu=\"0\",uuid=\"GPU-abc\",name=\"NVIDIA H100 80GB HBM3\"} 71\n",
    "# HELP llmwatt_gpu_sm_clock_hertz GPU SM clock.\n",
    "# TYPE llmwatt_gpu_sm_clock_hertz gauge\n",
    "llmwatt_gpu_sm_clock_hertz{gpu=\"0\",uuid=\"GPU-abc\",name=\"NVIDIA H100 80GB HBM3\"} 1410000000\n",
    "# HELP llmwatt_gpu_throttled 1 while a thermal or power-brake clock event reason is active (seed 004 validity).\n",
    "# TYPE llmwatt_gpu_throttled gauge\n",
    "llmwatt_gpu_throttled{gpu=\"0\",uuid=\"GPU-abc\",name=\"NVIDIA H100 80GB HBM3\"} 1\n",
    "# HELP llmwatt_gpu_throttle_reason 1 for each active clock event (throttle) reason reported by NVML.\n",
    "# TYPE llmwatt_gpu_throttle_reason gauge\n",
    "llmwatt_gpu_throttle_reason{gpu=\"0\",uuid=\"GPU-abc\",name=\"NVIDIA H100 80GB HBM3\",reason=\"gpu_idle\"} 0\n",
    "llmwatt_gpu_throttle_reason{gpu=\"0\",uuid=\"GPU-abc\",name=\"NVIDIA H100 80GB HBM3\",reason=\"app_clocks\"} 0\n",
    "llmwatt_gpu_throttle_reason{gpu=\"0\",uuid=\"GPU-abc\",name=\"NVIDIA H100 80GB HBM3\",reason=\"sw_power_cap\"} 1\n",
    "llmwatt_gpu_throttle_reason{gpu=\"0\",uuid=\"GPU-abc\",name=\"NVIDIA H100 80GB HBM3\",reason=\"hw_slowdown\"} 0\n",
    "llmwatt_gpu_throttle_reason{gpu=\"0\",uuid=\"GPU-abc\",name=\"NVIDIA H100 80GB HBM3\",reason=\"sync_boost\"} 0\n",
    "llmwatt_gpu_throttle_reason{gpu=\"0\",uuid=\"GPU-abc\",name=\"NVIDIA H100 80GB HBM3\",reason=\"sw_thermal\"} 0\n",
    "llmwatt_gpu_throttle_reason{gpu=\"0\",uuid=\"GPU-abc\",name=\"NVIDIA H100 80GB HBM3\",reason=\"hw_thermal\"} 1\n",
    "llmwatt_gpu_throttle_reason{gpu=\"0\",uuid=\"GPU-abc\",name=\"NVIDIA H100 80GB HBM3\",reason=\"hw_power_brake\"} 0\n",
    "llmwatt_gpu_throttle_reason{gpu=\"0\",uuid=\"GPU-abc\",name=\"NVIDIA H100 80GB HBM3\",reason=\"display_clock\"} 0\n",
    "# HELP llmwatt_rapl_energy_joules_total CPU package and DRAM energy (RAPL) since the exporter started.\n",
    "# TYPE llmwatt_rapl_energy_joules_total counter\n",
    "llmwatt_rapl_energy_joules_total{zone=\"package-0\",domain=\"package\"} 40\n",
    "llmwatt_rapl_energy_joules_total{zone=\"package-0/dram\",domain=\"dram\"} 0\n",
    "# HELP llmwatt_rapl_power_watts Mean RAPL zone power between the two latest readings.\n",
    "# TYPE llmwatt_rapl_power_watts gauge\n",
    "llmwatt_rapl_power_watts{zone=\"package-0\",domain=\"package\"} 40\n",
    "# HELP llmwatt_tokens_total Tokens reported by the workload (POST /tokens).\n",
    "# TYPE llmwatt_tokens_total counter\n",
    "llmwatt_tokens_total{workload=\"A\"} 400\n",
    "llmwatt_tokens_total{workload=\"B\"} 400\n",
    "# HELP llmwatt_energy_joules_total GPU energy attributed to the workload: each interval's energy split by token share "
    "among workloads active in it.\n",
    "# TYPE llmwatt_energy_joules_total counter\n",
    "llmwatt_energy_joules_total{workload=\"A\"} 800\n",
    "llmwatt_energy_joules_total{workload=\"B\"} 650\n",
    "# HELP llmwatt_workload_active 1 while the workload's last report is within the activity hold.\n",
    "# TYPE llmwatt_workload_active gauge\n",
    "llmwatt_workload_active{workload=\"A\"} 0\n",
    "llmwatt_workload_active{workload=\"B\"} 1\n",
    "# HELP llmwatt_unattributed_energy_joules_total GPU energy of intervals in which no workload was active.\n",
    "# TYPE llmwatt_unattributed_energy_joules_total counter\n",
    "llmwatt_unattributed_energy_joules_total 500\n",
    "# HELP llmwatt_token_reports_total Token reports accepted.\n",
    "# TYPE llmwatt_token_reports_total counter\n",
    "llmwatt_token_reports_total 4\n",
    "# HELP llmwatt_token_reports_rejected_total Token reports refused, by reason.\n",
    "# TYPE llmwatt_token_reports_rejected_total counter\n",
    "llmwatt_token_reports_rejected_total{reason=\"bad_request\"} 1\n",
    "llmwatt_token_reports_rejected_total{reason=\"unauthorized\"} 2\n",
    "llmwatt_token_reports_rejected_total{reason=\"workload_limit\"} 0\n",
    "# HELP llmwatt_workloads Distinct workloads kept (at most llmwatt_workloads_limit).\n",
    "# TYPE llmwatt_workloads gauge\n",
    "llmwatt_workloads 2\n",
    "# HELP llmwatt_workloads_limit Most distinct workloads kept; reports for new names beyond it are refused.\n",
    "# TYPE llmwatt_workloads_limit gauge\n",
    "llmwatt_workloads_limit 8\n",
};

static void test_render(void **state)
{
    (void)state;
    lw_exporter *e = scenario();
    /* t=5: GPU0 +300 J (1500 J) with new gauges and hw_thermal added; GPU1 lost */
    lw_power_sample a = sample(5, 310.5, 2500);
    a.utilization = 0.25;
    a.temperature_c = 71;
    a.sm_clock_mhz = 1410;
    a.throttle_known = true;
    a.throttle_reasons = LW_THROTTLE_SW_POWER_CAP | LW_THROTTLE_HW_THERMAL;
    observe(e, 0, a);
    lw_power_sample lost = sample(5, NAN, NAN);
    lost.ok = false;
    observe(e, 1, lost);
    /* B reports 0 tokens (a heartbeat): still active; A is not (last report in interval 1, now interval 4) */
    report(e, "B", 0);
    /* RAPL: package 100 J -> 140 J in 1 s (40 W); the DRAM zone read once (0 J so far) */
    lw_device_info pkg, dram;
    memset(&pkg, 0, sizeof pkg);
    pkg.kind = LW_DEVICE_CPU_PACKAGE;
    snprintf(pkg.name, sizeof pkg.name, "package-0");
    dram = pkg;
    dram.kind = LW_DEVICE_DRAM;
    snprintf(dram.name, sizeof dram.name, "package-0/dram");
    size_t sp, sd;
    assert_int_equal(lw_exporter_add_device(e, &pkg, &sp, NULL), LW_OK);
    assert_int_equal(lw_exporter_add_device(e, &dram, &sd, NULL), LW_OK);
    observe(e, sp, sample(4, NAN, 100));
    observe(e, sp, sample(5, 40, 140));
    observe(e, sd, sample(5, NAN, 7));
    assert_int_equal(lw_exporter_report_tokens(e, "bad name", 1, NULL), LW_ERR_INVALID_ARGUMENT);
    lw_exporter_count_rejected(e, LW_REJECT_UNAUTHORIZED);
    lw_exporter_count_rejected(e, LW_REJECT_UNAUTHORIZED);
    char *text;
    size_t len;
    assert_int_equal(lw_exporter_render(e, &text, &len, NULL), LW_OK);
    char expected[8192] = "";
    for (size_t i = 0; i < sizeof expected_lines / sizeof expected_lines[0]; i++) {
        if (expected_lines[i])
            strcat(expected, expected_lines[i]);
        else
            snprintf(expected + strlen(expected), sizeof expected - strlen(expected), "llmwatt_build_info{version=\"%s\"} 1\n", lw_version());
    }
    assert_string_equal(text, expected);
    assert_int_equal(len, strlen(expected));
    free(text);
    lw_exporter_free(e);
}

static void test_counter_reset_and_gap(void **state)
{
    (void)state;
    lw_exporter *e = new_exporter(1.0, 10.0, 4);
    lw_device_info c = gpu_info(0, "c", "GPU-c", true, NAN), p = gpu_info(1, "p", "GPU-p", false, NAN);
    lw_exporter_add_device(e, &c, NULL, NULL);
    lw_exporter_add_device(e, &p, NULL, NULL);
    /* counter: 500 -> 600 (+100), reset to 20 (adds nothing), 20 -> 50 (+30): 130 J */
    observe(e, 0, sample(0, NAN, 500));
    observe(e, 0, sample(1, NAN, 600));
    observe(e, 0, sample(2, NAN, 20));
    observe(e, 0, sample(3, NAN, 50));
    /* power: 100 W for 1 s (100 J); a 10 s gap (> max_gap 5 s) adds nothing; then 1 s at 100 W; 200 J */
    observe(e, 1, sample(0, 100, NAN));
    observe(e, 1, sample(1, 100, NAN));
    observe(e, 1, sample(11, 100, NAN));
    observe(e, 1, sample(12, 100, NAN));
    /* lost at 13, back at 14: the 13..14 s interval is not integrated; 14..15 s adds 100 J */
    lw_power_sample lost = sample(13, NAN, NAN);
    lost.ok = false;
    observe(e, 1, lost);
    observe(e, 1, sample(14, 100, NAN));
    observe(e, 1, sample(15, 100, NAN));
    lw_exporter_tick(e);
    lw_exporter_totals t;
    lw_exporter_get_totals(e, &t);
    assert_rel(t.gpu_energy_j, 130 + 300, 1e-12);
    assert_rel(t.unattributed_energy_j, 430, 1e-12);
    /* time going backwards is refused */
    lw_power_sample back = sample(14.5, 100, NAN);
    lw_err err;
    assert_int_equal(lw_exporter_observe(e, 1, &back, &err), LW_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(lw_err_message(&err), "goes back in time"));
    assert_int_equal(lw_exporter_observe(e, 9, &back, &err), LW_ERR_INVALID_ARGUMENT);
    lw_exporter_free(e);
}

static void test_heartbeats_split_equally(void **state)
{
    (void)state;
    lw_exporter *e = new_exporter(0.5, 0.5, 4);
    lw_device_info g = gpu_info(0, "g", "GPU-g", true, NAN);
    lw_exporter_add_device(e, &g, NULL, NULL);
    observe(e, 0, sample(0, NAN, 0));
    report(e, "x", 0);
    report(e, "y", 0);
    report(e, "z", 0);
    observe(e, 0, sample(0.5, NAN, 90));
    lw_exporter_tick(e);
    /* 90 J among three active workloads with no tokens: 30 J each */
    assert_rel(lw_exporter_workload_energy_j(e, "x"), 30, 1e-12);
    assert_rel(lw_exporter_workload_energy_j(e, "z"), 30, 1e-12);
    /* hold 0.5 s at a 0.5 s tick is one interval: the next interval is unattributed */
    observe(e, 0, sample(1.0, NAN, 150));
    lw_exporter_tick(e);
    lw_exporter_totals t;
    lw_exporter_get_totals(e, &t);
    assert_rel(t.unattributed_energy_j, 60, 1e-12);
    lw_exporter_free(e);
}

static void test_limits(void **state)
{
    (void)state;
    lw_exporter *e = new_exporter(1, 10, 2);
    lw_err err;
    report(e, "a", 1);
    report(e, "b", 1);
    report(e, "a", 5);
    assert_int_equal(lw_exporter_report_tokens(e, "c", 1, &err), LW_ERR_INFEASIBLE);
    assert_non_null(strstr(lw_err_message(&err), "--max-workloads"));
    assert_int_equal(lw_exporter_report_tokens(e, "a", -1, &err), LW_ERR_INVALID_ARGUMENT);
    assert_int_equal(lw_exporter_report_tokens(e, "a", 1.5, &err), LW_ERR_INVALID_ARGUMENT);
    assert_int_equal(lw_exporter_report_tokens(e, "a", NAN, &err), LW_ERR_INVALID_ARGUMENT);
    assert_int_equal(lw_exporter_report_tokens(e, "a", 2e12, &err), LW_ERR_INVALID_ARGUMENT);
    assert_int_equal(lw_exporter_report_tokens(e, "", 1, &err), LW_ERR_INVALID_ARGUMENT);
    assert_rel(lw_exporter_workload_tokens(e, "a"), 6, 0);
    char *text;
    size_t len;
    assert_int_equal(lw_exporter_render(e, &text, &len, NULL), LW_OK);
    assert_non_null(strstr(text, "llmwatt_token_reports_rejected_total{reason=\"bad_request\"} 5\n"));
    assert_non_null(strstr(text, "llmwatt_token_reports_rejected_total{reason=\"workload_limit\"} 1\n"));
    assert_non_null(strstr(text, "llmwatt_workloads 2\n"));
    free(text);
    lw_exporter_free(e);

    lw_exporter_config c = lw_exporter_config_default();
    lw_exporter *x = NULL;
    c.tick_s = 0;
    assert_int_equal(lw_exporter_new(&c, &x, &err), LW_ERR_INVALID_ARGUMENT);
    c = lw_exporter_config_default();
    c.hold_s = -1;
    assert_int_equal(lw_exporter_new(&c, &x, &err), LW_ERR_INVALID_ARGUMENT);
    c = lw_exporter_config_default();
    c.tick_s = 0.001;
    c.hold_s = 1e6; /* 10^9 intervals */
    assert_int_equal(lw_exporter_new(&c, &x, &err), LW_ERR_INVALID_ARGUMENT);
    c = lw_exporter_config_default();
    c.max_workloads = 0;
    assert_int_equal(lw_exporter_new(&c, &x, &err), LW_ERR_INVALID_ARGUMENT);
    assert_null(x);
}

static lw_status parse(const char *body, char *wl, double *tok, lw_err *err)
{
    return lw_exporter_parse_report(body, strlen(body), wl, tok, err);
}

static void test_parse_report(void **state)
{
    (void)state;
    char wl[LW_WORKLOAD_NAME_MAX + 1];
    double tok = -1;
    lw_err err;
    assert_int_equal(parse("workload=gpt8b&tokens=128", wl, &tok, &err), LW_OK);
    assert_string_equal(wl, "gpt8b");
    assert_rel(tok, 128, 0);
    assert_int_equal(parse("tokens=7&workload=llama%2D3.1%3A8b\n", wl, &tok, &err), LW_OK);
    assert_string_equal(wl, "llama-3.1:8b");
    assert_rel(tok, 7, 0);
    assert_int_equal(parse(" {\"workload\": \"w1\", \"tokens\": 1000000000000}", wl, &tok, &err), LW_OK);
    assert_string_equal(wl, "w1");
    assert_rel(tok, 1e12, 0);
    assert_int_equal(parse("{\"workload\": \"w1\", \"tokens\": 3.0}", wl, &tok, &err), LW_OK);
    assert_rel(tok, 3, 0);

    struct {
        const char *body, *msg;
        lw_status st;
    } bad[] = {
        {"", "empty body", LW_ERR_PARSE},
        {"workload=a", "missing 'tokens'", LW_ERR_PARSE},
        {"tokens=1", "missing 'workload'", LW_ERR_PARSE},
        {"workload=a&tokens=1&tokens=2", "given twice", LW_ERR_PARSE},
        {"workload=a&tokens=1&extra=2", "unknown key 'extra'", LW_ERR_PARSE},
        {"workload=a&tokens", "KEY=VALUE", LW_ERR_PARSE},
        {"workload=a&tokens=-5", "whole number", LW_ERR_INVALID_ARGUMENT},
        {"workload=a&tokens=1.5", "whole number", LW_ERR_INVALID_ARGUMENT},
        {"workload=a&tokens=1e3", "whole number", LW_ERR_INVALID_ARGUMENT},
        {"workload=a&tokens=", "whole number", LW_ERR_INVALID_ARGUMENT},
        {"workload=a&tokens=1000000000001", "whole number", LW_ERR_INVALID_ARGUMENT},
        {"workload=a&tokens=12345678901234567890", "whole number", LW_ERR_INVALID_ARGUMENT},
        {"workload=a%20b&tokens=1", "workload name", LW_ERR_INVALID_ARGUMENT},
        {"workload=a%00&tokens=1", "%-escape", LW_ERR_PARSE},
        {"workload=a%4&tokens=1", "%-escape", LW_ERR_PARSE},
        {"workload=&tokens=1", "workload name", LW_ERR_INVALID_ARGUMENT},
        {"workload=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa&tokens=1", "workload name", LW_ERR_INVALID_ARGUMENT},
        {"{\"workload\": \"a\"}", "expected {", LW_ERR_PARSE},
        {"{\"workload\": 5, \"tokens\": 1}", "string name", LW_ERR_PARSE},
        {"{\"workload\": \"a\", \"tokens\": -1}", "whole number", LW_ERR_INVALID_ARGUMENT},
        {"{\"workload\": \"a\", \"tokens\": \"5\"}", "whole number", LW_ERR_INVALID_ARGUMENT},
        {"{\"workload\": \"a\", \"tokens\": 1, \"tokens\": 2}", "bad JSON", LW_ERR_PARSE},
        {"{\"workload\": \"a\", \"tokens\": 1, \"x\": 2}", "unknown key 'x'", LW_ERR_PARSE},
        {"{\"workload\": \"a\", ", "bad JSON", LW_ERR_PARSE},
        {"[1]", "KEY=VALUE", LW_ERR_PARSE},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err = (lw_err){0};
        lw_status st = parse(bad[i].body, wl, &tok, &err);
        if (st != bad[i].st || !strstr(lw_err_message(&err), bad[i].msg)) {
            print_error("body '%s': status %d, message '%s'; expected %d with '%s'\n", bad[i].body, st, lw_err_message(&err), bad[i].st, bad[i].msg);
            fail();
        }
    }
    /* a name of exactly 64 characters is accepted, 65 is not (above) */
    assert_true(lw_workload_name_valid("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
    /* '/' is allowed: engines name workloads by model, e.g. meta-llama/Llama-3.1-8B-Instruct */
    assert_true(lw_workload_name_valid("a/b"));
    assert_false(lw_workload_name_valid("a b"));
    assert_false(lw_workload_name_valid("a\"b"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_attribution), cmocka_unit_test(test_render),  cmocka_unit_test(test_counter_reset_and_gap),
        cmocka_unit_test(test_heartbeats_split_equally), cmocka_unit_test(test_limits), cmocka_unit_test(test_parse_report),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
