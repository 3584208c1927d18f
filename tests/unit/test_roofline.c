/* Roofline method on hand-worked cases (Llama-3.1-8B on one H100 SXM: 989.4e12 bf16 FLOP/s,
 * 3.35e12 B/s, 700 W), with fixed coefficients so the arithmetic can be written out. */
#include <math.h>
#include <string.h>

#include "testutil.h"

/* Llama-3.1-8B (see test_accounting.c): layer matmuls 6,979,321,856 per token; weights read per
 * step 15,009,849,344 bytes (bf16, input embedding rows not read); KV 131,072 B per token;
 * LM head 2*4096*128256 = 1,050,673,152 FLOPs per logit row; attention 16,384 FLOPs per pair per layer. */
static const double MATMUL = 6979321856.0, WBYTES = 15009849344.0, KV = 131072.0, LMHEAD = 1050673152.0;
static const double PEAK = 989.4e12, BW = 3.35e12, TDP = 700.0;

static lw_roofline_coeffs coeffs(void)
{
    lw_roofline_coeffs c;
    memset(&c, 0, sizeof c);
    strcpy(c.family, "test");
    c.eta_compute = 0.5;
    c.eta_memory = 0.8;
    c.step_overhead_s = 0;
    c.idle_fraction = 0.15;
    c.power_k_compute = 1.0;
    c.power_k_memory = 0.6;
    c.sigma_log = 0.2;
    c.rows = 1;
    return c;
}

static lw_estimate run(lw_catalogue *cat, const lw_roofline_coeffs *c, const char *gpu, lw_workload w, int gpus)
{
    lw_estimate_opts o = lw_estimate_opts_default();
    o.coeffs = c;
    o.gpus = gpus;
    lw_estimator *e;
    lw_err err;
    assert_int_equal(lw_estimator_new(cat, lw_test_model(cat, "llama-3.1-8b"), lw_test_gpu(cat, gpu), &o, &e, &err), LW_OK);
    lw_estimate r;
    assert_int_equal(lw_estimator_run(e, &w, &r, &err), LW_OK);
    lw_estimator_free(e);
    return r;
}

/* One decode step at batch 1 with no prompt: memory-bound.
 * bytes = 15,009,849,344 + KV read 131,072 (context 1) + KV write 131,072
 * t = bytes / (3.35e12 * 0.8) = 5.6008 ms; FLOPs = 2*6,979,321,856 + 32*16,384 + 1,050,673,152
 * t_c = FLOPs / (989.4e12 * 0.5) = 30.3 us -> u_c = t_c/t, u_m = 1
 * P = 105 + 595 * (1.0 u_c + 0.6) W; E = P t. */
static void test_memory_bound_decode(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    lw_roofline_coeffs c = coeffs();
    lw_workload w = lw_workload_default();
    w.output_tokens = 1;
    lw_estimate r = run(cat, &c, "h100", w, 1);
    double bytes = WBYTES + 2 * KV, flops = 2 * MATMUL + 32 * 16384.0 + LMHEAD;
    double t = bytes / (BW * 0.8), tc = flops / (PEAK * 0.5);
    double p = 0.15 * TDP + 0.85 * TDP * (tc / t + 0.6);
    assert_false(r.decode.compute_bound);
    assert_rel(r.decode.time_s, t, 1e-9);
    assert_rel(r.decode.avg_power_w, p, 1e-9);
    assert_rel(r.energy_per_request_j.expected, p * t, 1e-9);
    assert_rel(r.energy_per_output_token_j.expected, p * t, 1e-9);
    /* band: exp(+-1.645 sigma) around the expected value, which it contains */
    assert_rel(r.energy_per_request_j.high, p * t * exp(1.645 * 0.2), 1e-9);
    assert_rel(r.energy_per_request_j.low, p * t / exp(1.645 * 0.2), 1e-9);
    assert_true(r.energy_per_request_j.low < r.energy_per_request_j.expected &&
                r.energy_per_request_j.expected < r.energy_per_request_j.high);
    lw_catalogue_free(cat);
}

/* Prefill of 4096 tokens: compute-bound, and power capped at the TDP.
 * FLOPs = 2*6,979,321,856*4096 + 32*(4096*4097/2)*16,384 + 1,050,673,152 = 6.0450e13
 * t = FLOPs / (989.4e12 * 0.5) = 0.1222 s; bytes = 15,009,849,344 + 2*4096*131,072 -> t_m = 5.97 ms
 * P = 105 + 595 * min(1, 1.0*1 + 0.6*t_m/t) = 700 W (the TDP). */
static void test_compute_bound_prefill_at_tdp(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    lw_roofline_coeffs c = coeffs();
    lw_workload w = lw_workload_default();
    w.input_tokens = 4096;
    lw_estimate r = run(cat, &c, "h100", w, 1);
    double flops = 2 * MATMUL * 4096 + 32 * (4096.0 * 4097 / 2) * 16384 + LMHEAD;
    double t = flops / (PEAK * 0.5);
    assert_true(r.prefill.compute_bound);
    assert_rel(r.prefill.flops, flops, 1e-12);
    assert_rel(r.prefill.time_s, t, 1e-9);
    assert_rel(r.prefill.avg_power_w, TDP, 1e-12);
    assert_rel(r.prefill.energy_j, TDP * t, 1e-9);
    /* no output tokens: no decode, no per-token figure */
    assert_rel(r.decode.energy_j, 0, 1e-12);
    assert_rel(r.energy_per_output_token_j.expected, 0, 1e-12);
    lw_catalogue_free(cat);
}

/* Tensor parallelism over 2 GPUs halves compute and memory time per GPU and adds two all-reduces
 * per layer per step: 8e-6 s latency + 2*(2-1)/2 * (1 token * 4096 * 2 bytes) / (900e9/2 B/s). */
static void test_tensor_parallel(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    lw_roofline_coeffs c = coeffs();
    lw_workload w = lw_workload_default();
    w.output_tokens = 1;
    lw_estimate r = run(cat, &c, "h100", w, 2);
    double bytes = WBYTES + 2 * KV;
    double comm = 2 * 32 * (8e-6 + 1.0 * 4096 * 2 / 450e9);
    assert_rel(r.decode.time_s, bytes / (2 * BW * 0.8) + comm, 1e-9);
    lw_catalogue_free(cat);
}

/* fp8 weights on an A100 (no fp8 tensor cores): a clear warning, costed at the bf16 peak. */
static void test_precision_fallback_warns(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    lw_roofline_coeffs c = coeffs();
    lw_workload w = lw_workload_default();
    w.input_tokens = 100;
    w.output_tokens = 10;
    w.weight_precision = LW_PREC_FP8;
    lw_estimate r = run(cat, &c, "a100", w, 1);
    assert_int_equal(r.compute_precision, LW_PREC_BF16);
    bool found = false;
    for (int i = 0; i < r.nwarnings; i++)
        found |= strstr(r.warnings[i], "no fp8 tensor cores") != NULL;
    assert_true(found);
    /* the same on an H100 uses its fp8 peak, without a warning */
    lw_estimate h = run(cat, &c, "h100", w, 1);
    assert_int_equal(h.compute_precision, LW_PREC_FP8);
    lw_catalogue_free(cat);
}

/* Bad inputs: zero GPUs (creation), batch 0 (run), a model that does not fit (strict run). */
static void test_bad_inputs(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    lw_estimate_opts o = lw_estimate_opts_default();
    lw_estimator *e;
    lw_err err;
    o.gpus = 0;
    assert_int_equal(lw_estimator_new(cat, lw_test_model(cat, "llama-3.1-70b"), lw_test_gpu(cat, "h100"), &o, &e, &err),
                     LW_ERR_INFEASIBLE);
    o.gpus = 1;
    assert_int_equal(lw_estimator_new(cat, lw_test_model(cat, "llama-3.1-70b"), lw_test_gpu(cat, "h100"), &o, &e, &err), LW_OK);
    lw_workload w = lw_workload_default();
    w.input_tokens = 10;
    w.output_tokens = 10;
    lw_estimate r;
    /* 70.6e9 params * 2 bytes = 141 GB > 80 GB * 0.9 */
    assert_int_equal(lw_estimator_run(e, &w, &r, &err), LW_ERR_INFEASIBLE);
    assert_non_null(strstr(err.msg, "does not fit"));
    w.batch = 0;
    assert_int_equal(lw_estimator_run(e, &w, &r, &err), LW_ERR_INVALID_ARGUMENT);
    lw_estimator_free(e);
    lw_catalogue_free(cat);
}

/* The shipped calibration: an H100 is calibrated, a GPU of another architecture uses the prior
 * with a wider band; every band contains its expected value. */
static void test_shipped_calibration(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    lw_estimate_opts o = lw_estimate_opts_default();
    const char *gpus[] = {"h100", "mi300x"};
    double width[2];
    for (int i = 0; i < 2; i++) {
        lw_estimator *e;
        assert_int_equal(lw_estimator_new(cat, lw_test_model(cat, "llama-3.1-8b"), lw_test_gpu(cat, gpus[i]), &o, &e, NULL),
                         LW_OK);
        lw_estimator_info info;
        lw_estimator_describe(e, &info);
        assert_int_equal(info.calibrated, i == 0);
        lw_workload w = lw_workload_default();
        w.input_tokens = 500;
        w.output_tokens = 200;
        w.batch = 16;
        lw_estimate r;
        assert_int_equal(lw_estimator_run(e, &w, &r, NULL), LW_OK);
        assert_true(r.energy_per_output_token_j.low < r.energy_per_output_token_j.expected &&
                    r.energy_per_output_token_j.expected < r.energy_per_output_token_j.high);
        width[i] = r.energy_per_output_token_j.high / r.energy_per_output_token_j.low;
        lw_estimator_free(e);
    }
    assert_true(width[1] > width[0]);
    lw_catalogue_free(cat);
}

/* Sweep specifications. */
static void test_sweep_parse(void **state)
{
    (void)state;
    double v[16];
    size_t n;
    assert_int_equal(lw_sweep_parse("1..256*2", v, 16, &n, NULL), LW_OK); /* 1,2,4,...,256: 9 values */
    assert_int_equal(n, 9);
    assert_rel(v[8], 256, 0);
    assert_int_equal(lw_sweep_parse("100..400+100", v, 16, &n, NULL), LW_OK);
    assert_int_equal(n, 4);
    assert_rel(v[3], 400, 0);
    assert_int_equal(lw_sweep_parse("1,3,9", v, 16, &n, NULL), LW_OK);
    assert_int_equal(n, 3);
    lw_err err;
    assert_int_equal(lw_sweep_parse("1..100", v, 16, &n, &err), LW_ERR_INVALID_ARGUMENT);
    assert_int_equal(lw_sweep_parse("1..1e9*2", v, 16, &n, &err), LW_ERR_INVALID_ARGUMENT);
    assert_int_equal(lw_sweep_parse("0..8*2", v, 16, &n, &err), LW_ERR_INVALID_ARGUMENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_memory_bound_decode),   cmocka_unit_test(test_compute_bound_prefill_at_tdp),
        cmocka_unit_test(test_tensor_parallel),       cmocka_unit_test(test_precision_fallback_warns),
        cmocka_unit_test(test_bad_inputs),            cmocka_unit_test(test_shipped_calibration),
        cmocka_unit_test(test_sweep_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
