/* Power limits and SM clock locks (estimate --power-limit / --sm-clock) on hand-worked cases:
 * Llama-3.1-8B on one H100 SXM (989.4e12 bf16 FLOP/s, 3.35e12 B/s, 700 W, SM clock 345..1980 MHz,
 * power limit 200..700 W) with fixed coefficients, the shipped voltage knee 0.89 and SM share of
 * memory-bound power 0.8 (data/constants/estimate.json). At clock ratio s: v = max(s, 0.89),
 * t = max(t_c / s, t_m), P = idle + (TDP - idle) min(1, [k_c t_c v^2 + k_m t_m (0.8 s v^2 + 0.2)] / t). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "testutil.h"
#include "llmwatt/llmwatt.h"

static const double MATMUL = 6979321856.0, WBYTES = 15009849344.0, KV = 131072.0, LMHEAD = 1050673152.0;
static const double PEAK = 989.4e12, BW = 3.35e12, TDP = 700.0, IDLE = 105.0, KNEE = 0.89, BETA = 0.8;

static lw_status try_model(const char *model, const char *gpu, lw_method method, double limit_w, double clock_mhz,
                           lw_workload w, lw_estimate *r, lw_err *err)
{
    lw_catalogue *cat = lw_test_catalogue();
    lw_roofline_coeffs c = lw_test_roofline_coeffs();
    lw_estimate_opts o = lw_estimate_opts_default();
    o.coeffs = &c;
    o.method = method;
    o.power_limit_w = limit_w;
    o.sm_clock_mhz = clock_mhz;
    lw_estimator *e;
    lw_status st = lw_estimator_new(cat, lw_test_model(cat, model), lw_test_gpu(cat, gpu), &o, &e, err);
    if (st == LW_OK) {
        st = lw_estimator_run(e, &w, r, err);
        lw_estimator_free(e);
    }
    lw_catalogue_free(cat);
    return st;
}

static lw_status try_run(const char *gpu, lw_method method, double limit_w, double clock_mhz, lw_workload w, lw_estimate *r,
                         lw_err *err)
{
    return try_model("llama-3.1-8b", gpu, method, limit_w, clock_mhz, w, r, err);
}

static lw_estimate run(double limit_w, double clock_mhz, lw_workload w)
{
    lw_estimate r = LW_ESTIMATE_INIT;
    lw_err err;
    assert_int_equal(try_run("h100", LW_METHOD_ROOFLINE, limit_w, clock_mhz, w, &r, &err), LW_OK);
    return r;
}

/* Prefill of 4096 tokens (compute-bound): FLOPs = 2*6,979,321,856*4096 + 32*(4096*4097/2)*16,384
 * + 1,050,673,152 = 6.0450e13, t_c = FLOPs / (989.4e12 * 0.5) = 0.12219 s at 1980 MHz. */
static lw_workload prefill_4096(void)
{
    lw_workload w = lw_workload_default();
    w.input_tokens = 4096;
    return w;
}

/* --sm-clock 990 (s = 0.5): the compute-bound prefill takes exactly twice as long; v = 0.89, so
 * P = 105 + 595 (t_c 0.7921 + 0.6 t_m (0.8*0.5*0.7921 + 0.2)) / (2 t_c), about 345 W (TDP 700). */
static void test_lock_halves_prefill_clock(void **state)
{
    (void)state;
    lw_estimate full = run(0, 0, prefill_4096()), half = run(0, 990, prefill_4096());
    double flops = 2 * MATMUL * 4096 + 32 * (4096.0 * 4097 / 2) * 16384 + LMHEAD;
    double tc = flops / (PEAK * 0.5), tm = half.prefill.bytes / (BW * 0.8), v2 = KNEE * KNEE;
    double p = IDLE + (TDP - IDLE) * (tc * v2 + 0.6 * tm * (BETA * 0.5 * v2 + 1 - BETA)) / (2 * tc);
    assert_rel(full.prefill.time_s, tc, 1e-9);
    assert_rel(half.prefill.time_s, 2 * tc, 1e-9);
    assert_rel(half.prefill.compute_time_s, 2 * tc, 1e-9);
    assert_rel(half.prefill.avg_power_w, p, 1e-9);
    assert_true(p > 335 && p < 355);
    assert_rel(half.prefill_sm_clock_mhz, 990, 1e-12);
    assert_rel(half.sm_clock_lock_mhz, 990, 1e-12);
    assert_rel(half.power_limit_w, 0, 1e-12);
    /* energy per FLOP ~ V^2: 2 x time at 0.49 x power (345 / 700) */
    assert_true(half.prefill.energy_j < full.prefill.energy_j);
}

/* One decode step at batch 1 (memory-bound: t_m = (15,009,849,344 + 2*131,072) / (3.35e12*0.8)
 * = 5.6008 ms, t_c = 30.3 us): at half clock t_c / 0.5 = 60.6 us still hides under t_m, so the time
 * does not move; P = 105 + 595 (t_c 0.7921 + 0.6 t_m (0.8*0.5*0.7921 + 0.2)) / t_m. */
static void test_lock_barely_moves_decode(void **state)
{
    (void)state;
    lw_workload w = lw_workload_default();
    w.output_tokens = 1;
    lw_estimate full = run(0, 0, w), half = run(0, 990, w);
    double t = (WBYTES + 2 * KV) / (BW * 0.8), tc = (2 * MATMUL + 32 * 16384.0 + LMHEAD) / (PEAK * 0.5), v2 = KNEE * KNEE;
    double p = IDLE + (TDP - IDLE) * (tc * v2 + 0.6 * t * (BETA * 0.5 * v2 + 1 - BETA)) / t;
    assert_rel(full.decode.time_s, t, 1e-9);
    assert_rel(half.decode.time_s, t, 1e-9);
    assert_rel(half.decode.avg_power_w, p, 1e-9);
    assert_false(half.decode.compute_bound);
    /* 0.6 * (1 - 0.5168) of 595 W of the dynamic memory power goes: about 173 W of 464 W */
    assert_true(full.decode.avg_power_w - half.decode.avg_power_w > 170);
}

/* --power-limit 400 on the compute-bound prefill: below the knee, with r = t_m / t_c,
 * (400 - 105) / 595 = k_c v^2 s + k_m r s (0.8 v^2 s + 0.2): a quadratic a s^2 + b s - c = 0. */
static void test_limit_sets_clock(void **state)
{
    (void)state;
    lw_estimate capped = run(400, 0, prefill_4096());
    double flops = 2 * MATMUL * 4096 + 32 * (4096.0 * 4097 / 2) * 16384 + LMHEAD;
    double tc = flops / (PEAK * 0.5), r = capped.prefill.bytes / (BW * 0.8) / tc, v2 = KNEE * KNEE;
    double a = 0.6 * r * BETA * v2, b = v2 + 0.6 * r * (1 - BETA), c = (400 - IDLE) / (TDP - IDLE);
    double s = (-b + sqrt(b * b + 4 * a * c)) / (2 * a);
    assert_true(s > 0.6 && s < KNEE);
    assert_rel(capped.prefill_sm_clock_mhz, s * 1980, 1e-6);
    assert_rel(capped.prefill.time_s, tc / s, 1e-6);
    assert_rel(capped.prefill.avg_power_w, 400, 1e-6);
    assert_rel(capped.power_limit_w, 400, 1e-12);
    assert_int_equal(lw_estimate_warning_count(&capped), 0);
}

/* A limit above what a phase draws changes nothing (the 4096-token prefill draws the TDP, 700 W). */
static void test_limit_at_max_is_uncapped(void **state)
{
    (void)state;
    lw_workload w = prefill_4096();
    w.output_tokens = 100;
    lw_estimate none = run(0, 0, w), max = run(700, 0, w);
    assert_rel(max.time_s, none.time_s, 1e-12);
    assert_rel(max.energy_j, none.energy_j, 1e-12);
    assert_rel(max.prefill_sm_clock_mhz, 1980, 1e-12);
    assert_rel(max.decode_sm_clock_mhz, 1980, 1e-12);
    assert_rel(none.prefill_sm_clock_mhz, 0, 1e-12); /* neither option: no clock reported */
}

/* 200 W on the batch-1 decode: even at 345 MHz (s = 0.1742) it draws
 * 105 + 595 (t_c 0.7921 / t + 0.6 (0.8*0.1742*0.7921 + 0.2)) = about 218 W: costed there, warned. */
static void test_limit_below_lowest_clock_warns(void **state)
{
    (void)state;
    lw_workload w = lw_workload_default();
    w.output_tokens = 1;
    lw_estimate r = run(200, 0, w);
    double t = (WBYTES + 2 * KV) / (BW * 0.8), tc = (2 * MATMUL + 32 * 16384.0 + LMHEAD) / (PEAK * 0.5), v2 = KNEE * KNEE;
    double s = 345.0 / 1980.0, p = IDLE + (TDP - IDLE) * (tc * v2 / t + 0.6 * (BETA * s * v2 + 1 - BETA));
    assert_rel(r.decode_sm_clock_mhz, 345, 1e-9);
    assert_rel(r.decode.avg_power_w, p, 1e-9);
    assert_true(p > 210 && p < 220);
    assert_int_equal(lw_estimate_warning_count(&r), 1);
    assert_non_null(strstr(lw_estimate_warning(&r, 0), "below what decode draws at h100-sxm's lowest SM clock (345 MHz)"));
}

/* Out-of-range values name the option and the range; a GPU without ranges and the seed methods refuse. */
static void test_range_errors(void **state)
{
    (void)state;
    lw_workload w = prefill_4096();
    lw_estimate r = LW_ESTIMATE_INIT;
    lw_err err;
    assert_int_equal(try_run("h100", LW_METHOD_ROOFLINE, 150, 0, w, &r, &err), LW_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(lw_err_message(&err), "--power-limit 150 W is outside h100-sxm's settable range 200..700 W"));
    assert_int_equal(try_run("h100", LW_METHOD_ROOFLINE, 750, 0, w, &r, &err), LW_ERR_INVALID_ARGUMENT);
    assert_int_equal(try_run("a100-80gb", LW_METHOD_ROOFLINE, 99, 0, w, &r, &err), LW_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(lw_err_message(&err), "100..400 W"));
    assert_int_equal(try_run("h100", LW_METHOD_ROOFLINE, 0, 2500, w, &r, &err), LW_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(lw_err_message(&err), "--sm-clock 2500 MHz is outside h100-sxm's SM clock range 345..1980 MHz"));
    assert_int_equal(try_run("h100", LW_METHOD_ROOFLINE, 0, 300, w, &r, &err), LW_ERR_INVALID_ARGUMENT);
    assert_int_equal(try_run("h100", LW_METHOD_ROOFLINE, NAN, 0, w, &r, &err), LW_ERR_INVALID_ARGUMENT);
    assert_int_equal(try_run("h100", LW_METHOD_ROOFLINE, -5, 0, w, &r, &err), LW_ERR_INVALID_ARGUMENT);
    assert_int_equal(try_run("b200", LW_METHOD_ROOFLINE, 500, 0, w, &r, &err), LW_ERR_UNSUPPORTED);
    assert_non_null(strstr(lw_err_message(&err), "b200 publishes no power-limit and SM clock range"));
    assert_non_null(strstr(lw_err_message(&err), "h100-sxm"));
    assert_int_equal(try_run("h100", LW_METHOD_LLM_BENCH, 500, 0, w, &r, &err), LW_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(lw_err_message(&err), "roofline method only"));
    /* the bounds themselves are valid */
    assert_int_equal(try_run("h100", LW_METHOD_ROOFLINE, 200, 345, w, &r, &err), LW_OK);
    assert_int_equal(try_run("h100", LW_METHOD_ROOFLINE, 700, 1980, w, &r, &err), LW_OK);
}

/* The ranges added from published nvidia-smi -q captures and NVIDIA product briefs, copied here by
 * hand from the sources data/gpus.csv cites (not from the catalogue): each GPU accepts its edges
 * (qwen2.5-0.5b fits on all of them) and refuses 1 W / 1 MHz outside with a message naming its range. */
static const struct {
    const char *gpu;
    double pl_min_w, pl_max_w, clk_min_mhz, clk_max_mhz;
} PUBLISHED[] = {
    {"h200", 200, 700, 345, 1980},       /* nvidia-smi -q, NVIDIA H200, driver 590.48.01 */
    {"h100-nvl", 200, 400, 345, 1785},   /* NVIDIA PB-11773-001_v01 Table 1 */
    {"h100-pcie", 200, 350, 345, 1755},  /* NVIDIA PB-11133-001_v02 Table 1 */
    {"h200-nvl", 200, 600, 345, 1785},   /* NVIDIA PB-12128-001_v01 Tables 2-1, 2-2 */
    {"l40s", 100, 350, 210, 2520},       /* nvidia-smi -q, NVIDIA L40S, driver 595.80 */
    {"l4", 40, 72, 210, 2040},           /* L4 datasheet 40-72 W; nvidia-smi -ac 6251,2040 */
    {"t4", 60, 70, 300, 1590},           /* nvidia-smi -q -x, Tesla T4, driver 515 */
    {"a40", 100, 300, 210, 1740},        /* nvidia-smi -q, NVIDIA A40 */
    {"v100", 150, 300, 135, 1530},       /* nvidia-smi -q, Tesla V100-SXM2-32GB */
};

static lw_status try_small(const char *gpu, double limit_w, double clock_mhz, lw_err *err)
{
    lw_workload w = lw_workload_default();
    w.input_tokens = 512;
    w.output_tokens = 64;
    lw_estimate r = LW_ESTIMATE_INIT;
    return try_model("qwen2.5-0.5b", gpu, LW_METHOD_ROOFLINE, limit_w, clock_mhz, w, &r, err);
}

static void test_published_ranges(void **state)
{
    (void)state;
    lw_err err;
    char want[160];
    for (size_t i = 0; i < sizeof PUBLISHED / sizeof PUBLISHED[0]; i++) {
        const char *g = PUBLISHED[i].gpu;
        double lo = PUBLISHED[i].pl_min_w, hi = PUBLISHED[i].pl_max_w;
        double clo = PUBLISHED[i].clk_min_mhz, chi = PUBLISHED[i].clk_max_mhz;
        assert_int_equal(try_small(g, lo, clo, &err), LW_OK);
        assert_int_equal(try_small(g, hi, chi, &err), LW_OK);
        assert_int_equal(try_small(g, lo - 1, 0, &err), LW_ERR_INVALID_ARGUMENT);
        snprintf(want, sizeof want, "--power-limit %g W is outside %s's settable range %g..%g W", lo - 1, g, lo, hi);
        assert_non_null(strstr(lw_err_message(&err), want));
        assert_int_equal(try_small(g, hi + 1, 0, &err), LW_ERR_INVALID_ARGUMENT);
        snprintf(want, sizeof want, "--power-limit %g W is outside %s's settable range %g..%g W", hi + 1, g, lo, hi);
        assert_non_null(strstr(lw_err_message(&err), want));
        assert_int_equal(try_small(g, 0, clo - 1, &err), LW_ERR_INVALID_ARGUMENT);
        snprintf(want, sizeof want, "--sm-clock %g MHz is outside %s's SM clock range %g..%g MHz", clo - 1, g, clo, chi);
        assert_non_null(strstr(lw_err_message(&err), want));
        assert_int_equal(try_small(g, 0, chi + 1, &err), LW_ERR_INVALID_ARGUMENT);
        snprintf(want, sizeof want, "--sm-clock %g MHz is outside %s's SM clock range %g..%g MHz", chi + 1, g, clo, chi);
        assert_non_null(strstr(lw_err_message(&err), want));
    }
    /* b200 still has no published range; the refusal lists every GPU that has one */
    assert_int_equal(try_small("b200", 500, 0, &err), LW_ERR_UNSUPPORTED);
    const char *msg = lw_err_message(&err), *list = strstr(msg, "ranges are known for: ");
    assert_non_null(list);
    for (size_t i = 0; i < sizeof PUBLISHED / sizeof PUBLISHED[0]; i++) {
        snprintf(want, sizeof want, " %s,", PUBLISHED[i].gpu);
        char want_last[40];
        snprintf(want_last, sizeof want_last, " %s)", PUBLISHED[i].gpu);
        assert_true(strstr(list, want) != NULL || strstr(list, want_last) != NULL);
    }
    assert_non_null(strstr(list, "a100-40gb, a100-80gb, h100-sxm"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lock_halves_prefill_clock),    cmocka_unit_test(test_lock_barely_moves_decode),
        cmocka_unit_test(test_limit_sets_clock),             cmocka_unit_test(test_limit_at_max_is_uncapped),
        cmocka_unit_test(test_limit_below_lowest_clock_warns), cmocka_unit_test(test_range_errors),
        cmocka_unit_test(test_published_ranges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
