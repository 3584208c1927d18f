/* Roofline method on hand-worked cases (Llama-3.1-8B on one H100 SXM: 989.4e12 bf16 FLOP/s,
 * 3.35e12 B/s, 700 W), with fixed coefficients so the arithmetic can be written out. */
#include <math.h>
#include <string.h>

#include "testutil.h"
#include "estimate/estimate_internal.h"

/* Llama-3.1-8B (see test_accounting.c): layer matmuls 6,979,321,856 per token; weights read per
 * step 15,009,849,344 bytes (bf16, input embedding rows not read); KV 131,072 B per token;
 * LM head 2*4096*128256 = 1,050,673,152 FLOPs per logit row; attention 16,384 FLOPs per pair per layer. */
static const double MATMUL = 6979321856.0, WBYTES = 15009849344.0, KV = 131072.0, LMHEAD = 1050673152.0;
static const double PEAK = 989.4e12, BW = 3.35e12, TDP = 700.0;

static lw_estimate run(lw_catalogue *cat, const lw_roofline_coeffs *c, const char *gpu, lw_workload w, int gpus)
{
    lw_estimate_opts o = lw_estimate_opts_default();
    o.coeffs = c;
    o.gpus = gpus;
    lw_estimator *e;
    lw_err err;
    assert_int_equal(lw_estimator_new(cat, lw_test_model(cat, "llama-3.1-8b"), lw_test_gpu(cat, gpu), &o, &e, &err), LW_OK);
    lw_estimate r = LW_ESTIMATE_INIT;
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
    lw_roofline_coeffs c = lw_test_roofline_coeffs();
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
    lw_roofline_coeffs c = lw_test_roofline_coeffs();
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
    /* no output tokens: no decode, and the per-token figure is undefined (NAN), not 0 */
    assert_rel(r.decode.energy_j, 0, 1e-12);
    assert_true(isnan(r.energy_per_output_token_j.expected));
    lw_catalogue_free(cat);
}

/* Tensor parallelism over 2 GPUs halves compute and memory time per GPU and adds two all-reduces
 * per layer per step: 8e-6 s latency + 2*(2-1)/2 * (1 token * 4096 * 2 bytes) / (900e9/2 B/s). */
static void test_tensor_parallel(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    lw_roofline_coeffs c = lw_test_roofline_coeffs();
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
    lw_roofline_coeffs c = lw_test_roofline_coeffs();
    lw_workload w = lw_workload_default();
    w.input_tokens = 100;
    w.output_tokens = 10;
    w.weight_precision = LW_PREC_FP8;
    lw_estimate r = run(cat, &c, "a100", w, 1);
    assert_int_equal(r.compute_precision, LW_PREC_BF16);
    bool found = false;
    for (int i = 0; i < lw_estimate_warning_count(&r); i++)
        found |= strstr(lw_estimate_warning(&r, i), "no fp8 tensor cores") != NULL;
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
    lw_estimate r = LW_ESTIMATE_INIT;
    /* 70.6e9 params * 2 bytes = 141 GB > 80 GB * 0.9 */
    assert_int_equal(lw_estimator_run(e, &w, &r, &err), LW_ERR_INFEASIBLE);
    assert_non_null(strstr(lw_err_message(&err), "does not fit"));
    w.batch = 0;
    assert_int_equal(lw_estimator_run(e, &w, &r, &err), LW_ERR_INVALID_ARGUMENT);
    lw_estimator_free(e);
    lw_catalogue_free(cat);
}

/* KV-limited concurrency: Llama-2-7B at batch 64 on an A100-40GB, 1024/1024 tokens, holds 27
 * running requests (test_accounting.c). Each request costs what it costs in a batch of 27; the
 * 64 requests take 64/27 rounds, so time and batch energy scale by 64/27. Strict mode refuses,
 * measured_batch keeps 64 with a warning. */
static void test_effective_batch(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    lw_roofline_coeffs c = lw_test_roofline_coeffs();
    lw_estimate_opts o = lw_estimate_opts_default();
    o.coeffs = &c;
    const lw_model_arch *m = lw_test_model(cat, "llama-2-7b");
    const lw_gpu *g = lw_test_gpu(cat, "a100-40gb");
    lw_estimator *e;
    lw_err err;
    assert_int_equal(lw_estimator_new(cat, m, g, &o, &e, &err), LW_OK);
    lw_workload w = lw_workload_default();
    w.input_tokens = 1024;
    w.output_tokens = 1024;
    w.weight_precision = LW_PREC_FP16;
    w.batch = 27;
    lw_estimate r27 = LW_ESTIMATE_INIT, r64 = LW_ESTIMATE_INIT;
    assert_int_equal(lw_estimator_run(e, &w, &r27, &err), LW_OK);
    assert_int_equal(r27.effective_batch, 27);
    w.batch = 64;
    assert_int_equal(lw_estimator_run(e, &w, &r64, &err), LW_OK);
    assert_int_equal(r64.effective_batch, 27);
    assert_rel(r64.energy_per_request_j.expected, r27.energy_per_request_j.expected, 1e-12);
    assert_rel(r64.energy_per_output_token_j.expected, r27.energy_per_output_token_j.expected, 1e-12);
    assert_rel(r64.time_s, r27.time_s * 64.0 / 27.0, 1e-12);
    assert_rel(r64.energy_j, r27.energy_j * 64.0 / 27.0, 1e-12);
    bool warned = false;
    for (int i = 0; i < lw_estimate_warning_count(&r64); i++)
        warned |= strstr(lw_estimate_warning(&r64, i), "costed at effective batch 27 of 64") != NULL;
    assert_true(warned);
    lw_estimator_free(e);
    /* strict: the old refusal (64 x 2048 tokens x 524,288 B = 68.7 GB of KV) */
    o.strict_memory = true;
    assert_int_equal(lw_estimator_new(cat, m, g, &o, &e, &err), LW_OK);
    assert_int_equal(lw_estimator_run(e, &w, &r64, &err), LW_ERR_INFEASIBLE);
    lw_estimator_free(e);
    /* a measured batch (calibration rows) is kept, with the shortfall as a warning */
    o.strict_memory = false;
    o.measured_batch = true;
    assert_int_equal(lw_estimator_new(cat, m, g, &o, &e, &err), LW_OK);
    assert_int_equal(lw_estimator_run(e, &w, &r64, &err), LW_OK);
    assert_int_equal(r64.effective_batch, 64);
    lw_estimator_free(e);
    /* gpu_memory_utilization out of range is refused at creation, naming the option */
    o.gpu_memory_utilization = 1.5;
    assert_int_equal(lw_estimator_new(cat, m, g, &o, &e, &err), LW_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(lw_err_message(&err), "--gpu-memory-utilization must be in (0, 1]"));
    /* 0.5 of 40 GB: 20e9 - 13,476,831,232 B = 6.52 GB holds 8.1 requests of 805,306,368 B */
    o.gpu_memory_utilization = 0.5;
    o.measured_batch = false;
    assert_int_equal(lw_estimator_new(cat, m, g, &o, &e, &err), LW_OK);
    assert_int_equal(lw_estimator_run(e, &w, &r64, &err), LW_OK);
    assert_int_equal(r64.effective_batch, 8);
    lw_estimator_free(e);
    lw_catalogue_free(cat);
}

/* Reasoning by default: o1's record carries seed 001's reasoning factor 3, so 256 visible output
 * tokens decode 256 x (3 - 1) = 512 hidden ones, exactly as an explicit 512; explicit 0 stays 0. */
static void test_default_reasoning(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    lw_roofline_coeffs c = lw_test_roofline_coeffs();
    lw_estimate_opts o = lw_estimate_opts_default();
    o.coeffs = &c;
    o.gpus = 2;
    const lw_model_arch *m = lw_test_model(cat, "o1");
    assert_rel(lw_model_reasoning_factor(m), 3.0, 0);
    assert_rel(lw_model_reasoning_factor(lw_test_model(cat, "o3-mini")), 2.0, 0);
    assert_rel(lw_model_reasoning_factor(lw_test_model(cat, "llama-3.1-8b")), 1.0, 0);
    lw_estimator *e, *ex;
    assert_int_equal(lw_estimator_new(cat, m, lw_test_gpu(cat, "h100"), &o, &e, NULL), LW_OK);
    o.explicit_reasoning = true;
    assert_int_equal(lw_estimator_new(cat, m, lw_test_gpu(cat, "h100"), &o, &ex, NULL), LW_OK);
    lw_workload w = lw_workload_default();
    w.input_tokens = 1024;
    w.output_tokens = 256;
    lw_estimate d = LW_ESTIMATE_INIT, x0 = LW_ESTIMATE_INIT, x512 = LW_ESTIMATE_INIT;
    assert_int_equal(lw_estimator_run(e, &w, &d, NULL), LW_OK);
    assert_int_equal(lw_estimator_run(ex, &w, &x0, NULL), LW_OK);
    w.reasoning_tokens = 512;
    assert_int_equal(lw_estimator_run(ex, &w, &x512, NULL), LW_OK);
    assert_rel(d.reasoning_tokens, 512.0, 0);
    assert_rel(x0.reasoning_tokens, 0.0, 0);
    assert_rel(d.energy_j, x512.energy_j, 1e-12);
    assert_rel(d.decode.flops, x512.decode.flops, 1e-12);
    assert_true(d.energy_j > 2.5 * x0.energy_j); /* 768 decode steps instead of 256 */
    lw_estimator_free(e);
    lw_estimator_free(ex);
    lw_catalogue_free(cat);
}

/* Pipeline parallel, hand-worked: Llama-3.1-8B as 1 x 2 (tp 1, pp 2), one decode step from an
 * empty prompt, test coefficients (eta_m 0.8, no step overhead). Batch 1 is one micro-batch in 2
 * stages (bubble 50%): each GPU reads half the bytes, t = 2 x (bytes/2)/(BW 0.8) + 2 hand-offs of
 * 10 us + 4096 x 2 B / 50e9 B/s. Batch 2 is two micro-batches (no bubble) that each re-read the
 * weights: t = (2 WBYTES + 4 KV)/(2 BW 0.8) + the same 2 hand-offs (1 token each). */
static void test_pipeline_parallel(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    lw_roofline_coeffs c = lw_test_roofline_coeffs();
    lw_estimate_opts o = lw_estimate_opts_default();
    o.coeffs = &c;
    o.gpus = 2;
    o.tensor_parallel = 1;
    o.pipeline_parallel = 2;
    lw_estimator *e;
    lw_err err;
    assert_int_equal(lw_estimator_new(cat, lw_test_model(cat, "llama-3.1-8b"), lw_test_gpu(cat, "h100"), &o, &e, &err), LW_OK);
    lw_workload w = lw_workload_default();
    w.output_tokens = 1;
    lw_estimate r = LW_ESTIMATE_INIT;
    assert_int_equal(lw_estimator_run(e, &w, &r, &err), LW_OK);
    double hop = 2 * (1e-5 + 4096 * 2.0 / 50e9);
    double t1 = (WBYTES + 2 * KV) / (BW * 0.8) + hop;
    assert_rel(r.decode.time_s, t1, 1e-9);
    assert_int_equal(r.tensor_parallel, 1);
    assert_int_equal(r.pipeline_parallel, 2);
    assert_int_equal(r.micro_batches, 1);
    assert_rel(r.pipeline_bubble, 0.5, 0);
    /* power per GPU: memory busy (bytes/2)/(BW 0.8) of t1 */
    double tc1 = (2 * MATMUL + 32 * 16384.0 + LMHEAD) / (2 * PEAK * 0.5), tm1 = (WBYTES + 2 * KV) / (2 * BW * 0.8);
    double p1 = 0.15 * TDP + 0.85 * TDP * (tc1 / t1 + 0.6 * tm1 / t1);
    assert_rel(r.decode.avg_power_w, 2 * p1, 1e-9);
    w.batch = 2;
    assert_int_equal(lw_estimator_run(e, &w, &r, &err), LW_OK);
    assert_rel(r.decode.time_s, (2 * WBYTES + 4 * KV) / (2 * BW * 0.8) + hop, 1e-9);
    assert_int_equal(r.micro_batches, 2);
    assert_rel(r.pipeline_bubble, 0.0, 0);
    lw_estimator_free(e);
    /* the engines' plan: 16 H100 (8 per HGX node) are tp 8 x pp 2, 12 are tp 6 x pp 2 */
    o.tensor_parallel = o.pipeline_parallel = 0;
    o.gpus = 16;
    lw_estimator_info info;
    assert_int_equal(lw_estimator_new(cat, lw_test_model(cat, "llama-3.1-8b"), lw_test_gpu(cat, "h100"), &o, &e, &err), LW_OK);
    lw_estimator_describe(e, &info);
    assert_int_equal(info.tensor_parallel, 8);
    assert_int_equal(info.pipeline_parallel, 2);
    assert_int_equal(info.node_gpus, 8);
    lw_estimator_free(e);
    o.gpus = 12;
    assert_int_equal(lw_estimator_new(cat, lw_test_model(cat, "llama-3.1-8b"), lw_test_gpu(cat, "h100"), &o, &e, &err), LW_OK);
    lw_estimator_describe(e, &info);
    assert_int_equal(info.tensor_parallel, 6);
    assert_int_equal(info.pipeline_parallel, 2);
    lw_estimator_free(e);
    /* bad splits name the option and the valid ones */
    o.gpus = 8;
    o.tensor_parallel = 3;
    assert_int_equal(lw_estimator_new(cat, lw_test_model(cat, "llama-3.1-8b"), lw_test_gpu(cat, "h100"), &o, &e, &err),
                     LW_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(lw_err_message(&err), "1x8, 2x4, 4x2, 8x1"));
    o.gpus = 64;
    o.tensor_parallel = 1;
    o.pipeline_parallel = 64; /* Llama-3.1-8B has 32 layers */
    assert_int_equal(lw_estimator_new(cat, lw_test_model(cat, "llama-3.1-8b"), lw_test_gpu(cat, "h100"), &o, &e, &err),
                     LW_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(lw_err_message(&err), "--pp 64 exceeds llama-3.1-8b's 32 layers"));
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
        lw_estimate r = LW_ESTIMATE_INIT;
        assert_int_equal(lw_estimator_run(e, &w, &r, NULL), LW_OK);
        assert_true(r.energy_per_output_token_j.low < r.energy_per_output_token_j.expected &&
                    r.energy_per_output_token_j.expected < r.energy_per_output_token_j.high);
        width[i] = r.energy_per_output_token_j.high / r.energy_per_output_token_j.low;
        lw_estimator_free(e);
    }
    assert_true(width[1] > width[0]);
    lw_catalogue_free(cat);
}

/* Expected maximum of n standard normals: closed forms for n = 2 (1/sqrt(pi)) and n = 3
 * (3/(2 sqrt(pi))); n = 8 from Harter's 1961 tables of normal order statistics (1.42360). */
static void test_expected_max_normal(void **state)
{
    (void)state;
    assert_rel(lw_expected_max_normal(1), 0, 0);
    assert_rel(lw_expected_max_normal(2), 1.0 / sqrt(M_PI), 1e-6);
    assert_rel(lw_expected_max_normal(3), 1.5 / sqrt(M_PI), 1e-6);
    assert_rel(lw_expected_max_normal(8), 1.42360, 1e-5);
}

/* Busiest-GPU share of routed tokens, against enumeration of the multinomial.
 * 2 GPUs, 8 token-expert pairs, each GPU with probability 1/2: the busier GPU gets
 * max(X, 8-X) = 4 + |X-4|, X ~ Bin(8, 1/2); E|X-4| = 2 (4*1 + 3*8 + 2*28 + 1*56) / 256 = 1.09375,
 * so the exact factor is 5.09375 / 4 = 1.2734. The normal approximation gives
 * 1 + (1/sqrt(pi)) sqrt(1/8) = 1.1995, 6% low (discreteness); with 2 pairs the exact factor is
 * (2*1/4 + 1*1/2 + 2*1/4) / 1 = 1.5 and the approximation 1 + sqrt(1/2)/sqrt(pi) = 1.399.
 * One GPU, or no pairs: 1. A tiny share is capped at g (one GPU takes everything). */
static void test_busiest_share(void **state)
{
    (void)state;
    double z2 = 1.0 / sqrt(M_PI);
    double f8 = lw_busiest_share_factor(8, 2, z2);
    assert_rel(f8, 1 + z2 * sqrt(1.0 / 8), 1e-12);
    assert_true(fabs(f8 / 1.2734375 - 1) < 0.07);
    double f2 = lw_busiest_share_factor(2, 2, z2);
    assert_rel(f2, 1 + z2 * sqrt(0.5), 1e-12);
    assert_true(fabs(f2 / 1.5 - 1) < 0.07);
    assert_rel(lw_busiest_share_factor(64, 1, 0), 1, 0);
    assert_rel(lw_busiest_share_factor(0.01, 2, z2), 2, 0); /* 1 + 0.564 * 10 capped at 2 */
}

/* Busiest GPU's touched experts: 4 experts on 2 GPUs (2 each), 2 touched in expectation:
 * m = 1 per GPU, q = 1/2, busiest = 1 + (1/sqrt(pi)) sqrt(1 * 1/2) = 1.3989.
 * Enumerating each expert touched independently with q = 1/2: a GPU's count is Bin(2, 1/2)
 * (0, 1, 2 with 1/4, 1/2, 1/4); the max of two such counts is 0 w.p. 1/16, 2 w.p. 1 - (3/4)^2
 * = 7/16, else 1 (8/16): E = 8/16 + 14/16 = 1.375 (the approximation is 1.7% high).
 * All touched: 2 per GPU (capped at E/g). */
static void test_busiest_touched(void **state)
{
    (void)state;
    double z2 = 1.0 / sqrt(M_PI);
    double b = lw_busiest_touched(2, 4, 2, z2);
    assert_rel(b, 1 + z2 * sqrt(0.5), 1e-12);
    assert_true(fabs(b / 1.375 - 1) < 0.02);
    assert_rel(lw_busiest_touched(4, 4, 2, z2), 2, 1e-12);
    assert_rel(lw_busiest_touched(3, 4, 1, z2), 3, 0); /* one GPU: no imbalance */
}

/* Expert parallelism: Qwen3-235B-A22B (94 MoE layers, 128 experts, top-8, hidden 4096, 4 KV
 * heads, expert 3*4096*1536 = 18,874,368 params) on 8 H100s (450 GB/s per direction), one
 * decode step at batch 8, coefficients eta_c 0.5, eta_m 0.8, no overhead. FLOPs, bytes and the
 * touched experts come from the accounting (tested in test_accounting.c); the new terms:
 *  - busiest GPU's routed tokens: 64 pairs, f_tok = 1 + 1.4236 sqrt(7/64) = 1.4708, extra compute
 *    94 * 64 * 2 * 18,874,368 / 8 * (f_tok - 1) FLOPs;
 *  - touched experts 128 (1 - (120/128)^8) = 51.62, per GPU m = 6.452, q = 0.4033, busiest
 *    6.452 + 1.4236 sqrt(6.452 * 0.5967) = 9.245: extra bytes 94 (9.245 - 6.452) 18,874,368 * 2;
 *  - KV: 4 KV heads on 8 GPUs, each GPU holds one head (twice its even share): KV bytes x2;
 *  - per MoE layer one attention all-reduce, 8e-6 + 2 (7/8) 8*4096*2 / 450e9 s, and a dispatch
 *    plus a combine, each 30e-6 + (8/8) * 8 * 4096 * 2 * (7/8) / 450e9 s;
 *  - the routed experts run at moe_efficiency 0.6 (estimate.roofline.moe_efficiency): their
 *    94 * 64 * 2 * 18,874,368 FLOPs and 94 * 51.62 * 18,874,368 * 2 bytes count 1/0.6 times,
 *    the busiest GPU's extra share too.
 * Power uses the mean GPU's busy fractions (the others wait for the busiest). */
static void test_expert_parallel(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    lw_roofline_coeffs c = lw_test_roofline_coeffs();
    lw_workload w = lw_workload_default();
    w.output_tokens = 1;
    w.batch = 8;
    lw_estimate_opts o = lw_estimate_opts_default();
    o.coeffs = &c;
    o.gpus = 8;
    lw_estimator *e;
    const lw_model_arch *m = lw_test_model(cat, "qwen3-235b-a22b");
    assert_int_equal(lw_estimator_new(cat, m, lw_test_gpu(cat, "h100"), &o, &e, NULL), LW_OK);
    lw_estimate r = LW_ESTIMATE_INIT;
    assert_int_equal(lw_estimator_run(e, &w, &r, NULL), LW_OK);
    lw_estimator_free(e);
    lw_accounting a;
    assert_int_equal(lw_account(m, &w, &a, NULL), LW_OK);
    const double EXPERT = 3.0 * 4096 * 1536, z8 = 1.42360;
    assert_rel(a.params.expert, EXPERT, 1e-12);
    double touched = 128 * (1 - pow(120.0 / 128, 8));
    assert_rel(a.decode.experts_touched, touched, 1e-12);
    double f_tok = 1 + z8 * sqrt(7.0 / 64), mg = touched / 8, q = touched / 128;
    double busiest = mg + z8 * sqrt(mg * (1 - q));
    const double slow = 1 / 0.6, expert_flops = 94 * 64 * 2 * EXPERT, expert_bytes = 94 * touched * EXPERT * 2;
    double tc = (a.decode.flops_total + (slow - 1) * expert_flops) / (8 * PEAK * 0.5);
    double tc_max = tc + slow * expert_flops / 8 * (f_tok - 1) / (PEAK * 0.5);
    double tm = (a.decode.bytes_total + a.decode.bytes_kv_read + a.decode.bytes_kv_write + (slow - 1) * expert_bytes) /
                (8 * BW * 0.8);
    double tm_max = tm + slow * 94 * (busiest - mg) * EXPERT * 2 / (BW * 0.8);
    double ar = 8e-6 + 2 * 7.0 / 8 * 8 * 4096 * 2 / 450e9, a2a = 30e-6 + 8.0 / 8 * 8 * 4096 * 2 * 7.0 / 8 / 450e9;
    double t = fmax(tc_max, tm_max) + 94 * ar + 2 * 94 * a2a;
    assert_rel(r.decode.time_s, t, 1e-6);
    double p = 0.15 * TDP + 0.85 * TDP * fmin(1, tc / t + 0.6 * tm / t);
    assert_rel(r.decode.avg_power_w, 8 * p, 1e-6);
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
        cmocka_unit_test(test_sweep_parse),           cmocka_unit_test(test_expected_max_normal),
        cmocka_unit_test(test_busiest_share),         cmocka_unit_test(test_busiest_touched),
        cmocka_unit_test(test_expert_parallel),       cmocka_unit_test(test_effective_batch),
        cmocka_unit_test(test_default_reasoning),     cmocka_unit_test(test_pipeline_parallel),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
