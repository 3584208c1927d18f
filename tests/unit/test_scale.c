/* Seed 000's Formulas 1 and 2 against its worked examples (Parts 1, 3, 4, 5), arithmetic written out. */
#include <math.h>
#include <string.h>

#include "llmwatt/scale.h"
#include "testutil.h"

/* Seed 000 Part 3 hardware ratio: (2039/3350) * (500/290) = 0.60866 * 1.72414 = 1.04941. */
#define HW_A100_TO_H100 ((2039.0 / 3350.0) * (500.0 / 290.0))

static lw_scale_input part3_input(const lw_catalogue *cat, const char *to_gpu)
{
    lw_scale_input in = lw_scale_input_default();
    in.baseline_j_per_token = 0.35; /* Qwen-2.5-3B on A100-80GB, seed 000 "validated" baseline */
    in.from.params = 3e9;
    in.from.family = "qwen2.5";
    in.from.gpu = lw_test_gpu(cat, "a100-80gb");
    in.to.params = 5.1e9; /* gpt-oss-120b, 5.1B active */
    in.to.family = "gpt-oss";
    in.to.gpu = lw_test_gpu(cat, to_gpu);
    in.have_mu = true; /* Part 3 used mu 0.90/1.00/1.20, not the §1.2 table's 0.95/1.05/1.20 */
    in.mu.low = 0.90;
    in.mu.expected = 1.00;
    in.mu.high = 1.20;
    return in;
}

static void test_part5_gpt_oss_h100(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    lw_scale_input in = part3_input(cat, "h100-sxm");
    lw_scale_result r;
    assert_int_equal(lw_scale_run(cat, &in, &r, NULL), LW_OK);
    /* ratio 1.7, log2 1.7 = 0.76553; 0.9^0.76553 = 0.92253, 0.95^.. = 0.96151, 1.1^.. = 1.07571 */
    double l2 = log2(1.7);
    assert_rel(r.size_factor.low, 1.7 * pow(0.90, l2), 1e-12);
    assert_rel(r.size_factor.low, 1.56830, 1e-4);
    /* low: 0.35 * 1.5683 * 0.90 * 1.04941 * 0.70 = 0.3629 -> seed 0.36 */
    assert_rel(r.energy_per_token_j.low, 0.35 * 1.7 * pow(0.90, l2) * 0.90 * HW_A100_TO_H100 * 0.70, 1e-12);
    assert_rel(r.energy_per_token_j.low, 0.36, 0.01);
    /* expected: 0.35 * 1.63457 * 1.00 * 1.04941 * 0.85 = 0.5103 -> seed 0.51 */
    assert_rel(r.energy_per_token_j.expected, 0.35 * 1.7 * pow(0.95, l2) * HW_A100_TO_H100 * 0.85, 1e-12);
    assert_rel(r.energy_per_token_j.expected, 0.51, 0.01);
    /* high: 0.35 * 1.82871 * 1.20 * 1.04941 * 1.15 = 0.9269 -> seed 0.93 */
    assert_rel(r.energy_per_token_j.high, 0.35 * 1.7 * pow(1.10, l2) * 1.20 * HW_A100_TO_H100 * 1.15, 1e-12);
    assert_rel(r.energy_per_token_j.high, 0.93, 0.01);
    assert_rel(r.hardware_ratio.expected, 1.04941, 1e-5);
    lw_catalogue_free(cat);
}

static void test_part5_gpt_oss_a100(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    lw_scale_input in = part3_input(cat, "a100-80gb");
    lw_scale_result r;
    assert_int_equal(lw_scale_run(cat, &in, &r, NULL), LW_OK);
    /* Same GPU: hardware ratio 1, eta still applied as seed 000 Part 3 does:
     * 0.35*1.5683*0.9*0.7 = 0.3458 (seed 0.34, from its rounded 0.49*0.70); 0.35*1.63457*0.85 = 0.4863 (0.48);
     * 0.35*1.82871*1.2*1.15 = 0.8833 (seed 0.89 from its rounded 0.77*1.15) */
    assert_rel(r.hardware_ratio.expected, 1.0, 1e-12);
    assert_rel(r.energy_per_token_j.low, 0.35 * 1.7 * pow(0.90, log2(1.7)) * 0.90 * 0.70, 1e-12);
    assert_rel(r.energy_per_token_j.low, 0.34, 0.02);
    assert_rel(r.energy_per_token_j.expected, 0.48, 0.02);
    assert_rel(r.energy_per_token_j.high, 0.89, 0.01);
    lw_catalogue_free(cat);
}

/* DeepSeek-V3.2 rows: mu from the family table (0.75/0.80/0.90), 8 GPUs, multi-GPU term dropped. */
static void test_part5_deepseek(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    lw_scale_input in = part3_input(cat, "a100-80gb");
    in.have_mu = false;
    in.to.family = "deepseek-v3";
    in.to.params = 37e9;
    in.to.gpus = 8;
    in.multi_gpu = LW_MULTI_GPU_NONE;
    lw_scale_result r;
    assert_int_equal(lw_scale_run(cat, &in, &r, NULL), LW_OK);
    /* ratio 12.333, log2 = 3.6245; 0.9^3.6245 = 0.68278, 0.95^.. = 0.83034, 1.1^.. = 1.41264 */
    double x = 37.0 / 3.0, l2 = log2(x);
    assert_rel(r.energy_per_token_j.low, 0.35 * x * pow(0.90, l2) * 0.75 * 0.70, 1e-12);
    /* Seed rounds the intermediates (8.4x, 10.1x, 17.5x, 15.8x): 1.55 / 2.41 / 6.36 vs exact
     * 1.547 / 2.438 / 6.311, within 1.2%. */
    assert_rel(r.energy_per_token_j.low, 1.55, 0.012);
    assert_rel(r.energy_per_token_j.expected, 2.41, 0.012);
    assert_rel(r.energy_per_token_j.high, 6.36, 0.012);
    in.to.gpu = lw_test_gpu(cat, "h100-sxm");
    assert_int_equal(lw_scale_run(cat, &in, &r, NULL), LW_OK);
    /* x 1.04941: exact 1.623 / 2.558 / 6.623 vs seed 1.62 / 2.53 / 6.68 */
    assert_rel(r.energy_per_token_j.expected, 0.35 * x * pow(0.95, l2) * 0.80 * HW_A100_TO_H100 * 0.85, 1e-12);
    assert_rel(r.energy_per_token_j.low, 1.62, 0.012);
    assert_rel(r.energy_per_token_j.expected, 2.53, 0.012);
    assert_rel(r.energy_per_token_j.high, 6.68, 0.012);
    lw_catalogue_free(cat);
}

/* Part 1: 3B -> 72B, 24x, log2 24 = 4.585; multipliers 14.9 / 19.0 / 36.7. */
static void test_part1_multipliers(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    lw_scale_input in = lw_scale_input_default();
    in.baseline_j_per_token = 1.0;
    in.from.params = 3e9;
    in.to.params = 72e9;
    lw_scale_result r;
    assert_int_equal(lw_scale_run(cat, &in, &r, NULL), LW_OK);
    assert_false(r.hardware_step);
    assert_rel(r.log2_param_ratio, 4.58496, 1e-5);
    /* 24 * 0.9^4.585 = 24 * 0.61695 = 14.807 (seed rounds 0.617 to 0.62: 14.9) */
    assert_rel(r.energy_per_token_j.low, 24 * pow(0.90, log2(24.0)), 1e-12);
    assert_rel(r.energy_per_token_j.low, 14.9, 0.007);
    /* 24 * 0.95^4.585 = 24 * 0.79044 = 18.97 */
    assert_rel(r.energy_per_token_j.expected, 19.0, 0.002);
    /* 24 * 1.1^4.585 = 24 * 1.54790 = 37.15; the seed wrote 1.53 (36.7), an arithmetic slip of 1.2% */
    assert_rel(r.energy_per_token_j.high, 24 * 1.5479, 1e-4);
    assert_rel(r.energy_per_token_j.high, 36.7, 0.013);
    lw_catalogue_free(cat);
}

static void test_multi_gpu_modes(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    lw_scale_input in = part3_input(cat, "h100-sxm");
    in.to.gpus = 8;
    lw_scale_result r;
    /* overhead: (1 + 0.12*7) / 1 = 1.84 */
    assert_int_equal(lw_scale_run(cat, &in, &r, NULL), LW_OK);
    assert_rel(r.multi_gpu_factor, 1.84, 1e-12);
    double base = r.energy_per_token_j.expected / 1.84;
    /* seed (Part 2 as written, Part 4's "8 x 1.84 = 14.7") */
    in.multi_gpu = LW_MULTI_GPU_SEED;
    assert_int_equal(lw_scale_run(cat, &in, &r, NULL), LW_OK);
    assert_rel(r.multi_gpu_factor, 14.72, 1e-12);
    assert_rel(r.energy_per_token_j.expected, base * 14.72, 1e-12);
    in.multi_gpu = LW_MULTI_GPU_NONE;
    assert_int_equal(lw_scale_run(cat, &in, &r, NULL), LW_OK);
    assert_rel(r.multi_gpu_factor, 1.0, 1e-12);
    /* 4 -> 8 GPUs, overhead: 1.84 / 1.36 */
    in.multi_gpu = LW_MULTI_GPU_OVERHEAD;
    in.from.gpus = 4;
    assert_int_equal(lw_scale_run(cat, &in, &r, NULL), LW_OK);
    assert_rel(r.multi_gpu_factor, 1.84 / 1.36, 1e-12);
    lw_catalogue_free(cat);
}

static void test_mu_ratio_and_default_family(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    lw_scale_input in = lw_scale_input_default();
    in.baseline_j_per_token = 1.0;
    in.from.params = in.to.params = 8e9;
    in.from.family = "llama3";
    in.to.family = "qwen2.5";
    lw_scale_result r;
    assert_int_equal(lw_scale_run(cat, &in, &r, NULL), LW_OK);
    /* qwen2.5 1.00 [0.90, 1.10] over llama3's expected 1.30 */
    assert_rel(r.mu.expected, 1.0 / 1.3, 1e-12);
    assert_rel(r.mu.low, 0.9 / 1.3, 1e-12);
    assert_rel(r.mu.high, 1.1 / 1.3, 1e-12);
    /* the same family on both sides cancels exactly */
    in.from.family = in.to.family = "llama3";
    assert_int_equal(lw_scale_run(cat, &in, &r, NULL), LW_OK);
    assert_rel(r.mu.low, 1.0, 1e-12);
    assert_rel(r.mu.high, 1.0, 1e-12);
    /* phi3 is a catalogue family seed 000 does not name: reference 1.00, widest range [0.75, 1.80] */
    in.from.family = "qwen2.5";
    in.to.family = "phi3";
    assert_int_equal(lw_scale_run(cat, &in, &r, NULL), LW_OK);
    assert_rel(r.mu.low, 0.75, 1e-12);
    assert_rel(r.mu.expected, 1.0, 1e-12);
    assert_rel(r.mu.high, 1.80, 1e-12);
    assert_true(r.nnotes >= 1 && strstr(r.notes[0], "widest range"));
    /* Families seed 000 §1.2's category table names get the category's range, midpoint expected:
     * Mixtral (highly optimized MoE) 0.75..0.85, Qwen family and Gemma (optimized dense) 0.85..1.00 */
    in.to.family = "mixtral";
    assert_int_equal(lw_scale_run(cat, &in, &r, NULL), LW_OK);
    assert_rel(r.mu.low, 0.75, 1e-12);
    assert_rel(r.mu.expected, 0.80, 1e-12);
    assert_rel(r.mu.high, 0.85, 1e-12);
    assert_non_null(strstr(r.mu_basis, "seed 000 §1.2 category table"));
    in.to.family = "qwen3";
    in.from.family = "llama3"; /* over llama3's expected 1.30 */
    assert_int_equal(lw_scale_run(cat, &in, &r, NULL), LW_OK);
    assert_rel(r.mu.low, 0.85 / 1.3, 1e-12);
    assert_rel(r.mu.expected, 0.925 / 1.3, 1e-12);
    assert_rel(r.mu.high, 1.00 / 1.3, 1e-12);
    lw_catalogue_free(cat);
}

/* Shrinking the model (log2 ratio < 0) keeps low <= expected <= high. */
static void test_downscale_band_order(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    lw_scale_input in = lw_scale_input_default();
    in.baseline_j_per_token = 10.0;
    in.from.params = 72e9;
    in.to.params = 3e9;
    lw_scale_result r;
    assert_int_equal(lw_scale_run(cat, &in, &r, NULL), LW_OK);
    /* 10 / 24 * 1.1^-4.585 = 0.2692 (low), 10 / 24 * 0.9^-4.585 = 0.6754 (high) */
    assert_rel(r.energy_per_token_j.low, 10.0 / 24 * pow(1.1, -log2(24.0)), 1e-12);
    assert_rel(r.energy_per_token_j.high, 10.0 / 24 * pow(0.9, -log2(24.0)), 1e-12);
    assert_true(r.energy_per_token_j.low <= r.energy_per_token_j.expected);
    lw_catalogue_free(cat);
}

/* A GPU without typical inference power: 0.72 x TDP [0.60, 0.95], band widened. */
static void test_power_fallback(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    lw_scale_input in = lw_scale_input_default();
    in.baseline_j_per_token = 1.0;
    in.from.params = in.to.params = 3e9;
    in.from.gpu = lw_test_gpu(cat, "a100-80gb");
    in.to.gpu = lw_test_gpu(cat, "rtx-6000-ada"); /* TDP 300 W, 960 GB/s */
    lw_scale_result r;
    assert_int_equal(lw_scale_run(cat, &in, &r, NULL), LW_OK);
    assert_rel(r.to_power_w, 0.72 * 300, 1e-12);
    assert_rel(r.power_ratio.expected, 216.0 / 290.0, 1e-12);
    assert_rel(r.power_ratio.low, 0.60 * 300 / 290.0, 1e-12);
    assert_rel(r.power_ratio.high, 0.95 * 300 / 290.0, 1e-12);
    /* expected: (2039/960) * (216/290) * 0.85 */
    assert_rel(r.energy_per_token_j.expected, (2039.0 / 960.0) * (216.0 / 290.0) * 0.85, 1e-12);
    /* an explicit power removes the fallback and its band */
    in.to.power_w = 250;
    assert_int_equal(lw_scale_run(cat, &in, &r, NULL), LW_OK);
    assert_rel(r.power_ratio.low, 250.0 / 290.0, 1e-12);
    lw_catalogue_free(cat);
}

static void test_bad_input(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    lw_scale_input in = part3_input(cat, "h100-sxm");
    lw_scale_result r;
    lw_err err;
    in.baseline_j_per_token = -0.35;
    assert_int_equal(lw_scale_run(cat, &in, &r, &err), LW_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(lw_err_message(&err), "baseline J/token must be a positive number"));
    in = part3_input(cat, "h100-sxm");
    in.have_k = true;
    in.k.low = 0.9;
    in.k.expected = 1.0;
    in.k.high = 2.5;
    assert_int_equal(lw_scale_run(cat, &in, &r, &err), LW_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(lw_err_message(&err), "k must satisfy 0 < LOW"));
    in = part3_input(cat, "h100-sxm");
    in.to.family = "gpt-9";
    assert_int_equal(lw_scale_run(cat, &in, &r, &err), LW_ERR_NOT_FOUND);
    assert_non_null(strstr(lw_err_message(&err), "unknown model family 'gpt-9'"));
    in = part3_input(cat, "h100-sxm");
    in.to.gpu = lw_test_gpu(cat, "tpu-v4"); /* no TDP, no typical power */
    assert_int_equal(lw_scale_run(cat, &in, &r, &err), LW_ERR_UNSUPPORTED);
    assert_non_null(strstr(lw_err_message(&err), "no typical inference power and no TDP"));
    lw_gpu nobw = *lw_test_gpu(cat, "h100-sxm");
    nobw.memory_bw_bytes_per_s = 0;
    in = part3_input(cat, "h100-sxm");
    in.to.gpu = &nobw;
    assert_int_equal(lw_scale_run(cat, &in, &r, &err), LW_ERR_UNSUPPORTED);
    assert_non_null(strstr(lw_err_message(&err), "no memory bandwidth"));
    in = part3_input(cat, "h100-sxm");
    in.from.gpu = NULL;
    assert_int_equal(lw_scale_run(cat, &in, &r, &err), LW_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(lw_err_message(&err), "--from-gpu"));
    in = part3_input(cat, "h100-sxm");
    in.to.params = 0;
    assert_int_equal(lw_scale_run(cat, &in, &r, &err), LW_ERR_INVALID_ARGUMENT);
    lw_multi_gpu_mode m;
    assert_int_equal(lw_multi_gpu_parse("both", &m, &err), LW_ERR_INVALID_ARGUMENT);
    assert_int_equal(lw_multi_gpu_parse("SEED", &m, &err), LW_OK);
    assert_int_equal(m, LW_MULTI_GPU_SEED);
    lw_catalogue_free(cat);
}

/* lw_scale_request by names -> lw_scale_input, as the CLI and Python call it. */
static void test_request_resolve_and_json(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    lw_err err;
    lw_scale_request rq = LW_SCALE_REQUEST_INIT, r2;
    assert_int_equal(lw_scale_request_init(&r2, LW_SCALE_REQUEST_VERSION, &err), LW_OK);
    assert_int_equal(r2.from_gpus, 1);
    assert_int_equal(r2.multi_gpu, LW_MULTI_GPU_OVERHEAD);
    assert_int_equal(lw_scale_request_init(&r2, 0, &err), LW_ERR_INVALID_ARGUMENT);
    assert_int_equal(lw_scale_request_init(&r2, LW_SCALE_REQUEST_VERSION + 1, &err), LW_ERR_VERSION);
    rq.baseline_j_per_token = 0.35;
    rq.from_model = "qwen2.5-3b";
    rq.from_params = 3e9; /* given: overrides the model's */
    rq.from_gpu = "a100-80gb";
    rq.to_model = "gpt-oss-120b";
    rq.to_params = 5.1e9;
    lw_scale_input in;
    assert_int_equal(lw_scale_resolve(cat, &rq, &in, &err), LW_OK);
    assert_rel(in.from.params, 3e9, 1e-15);
    assert_string_equal(in.from.family, "qwen2.5");
    assert_string_equal(in.to.family, "gpt-oss");
    assert_ptr_equal(in.to.gpu, in.from.gpu); /* to_gpu defaults to from_gpu */
    lw_scale_result r;
    assert_int_equal(lw_scale_run(cat, &in, &r, &err), LW_OK);
    /* the run takes k, both families' mu and the a100 -> a100 eta key (none of them overridden) */
    assert_true(lw_scale_uses_key(&in, &r, "scale.k"));
    assert_true(lw_scale_uses_key(&in, &r, "scale.mu_arch.gpt-oss"));
    assert_true(lw_scale_uses_key(&in, &r, "scale.mu_arch.qwen2.5"));
    assert_false(lw_scale_uses_key(&in, &r, "scale.mu_arch.llama3"));
    assert_true(lw_scale_uses_key(&in, &r, "scale.eta_util.a100-80gb.a100-80gb"));
    assert_false(lw_scale_uses_key(&in, &r, "scale.eta_util.a100-80gb.h100-sxm"));
    in.have_k = in.have_mu = true;
    in.k = r.k;
    in.mu = r.mu;
    assert_false(lw_scale_uses_key(&in, &r, "scale.k"));
    assert_false(lw_scale_uses_key(&in, &r, "scale.mu_arch.gpt-oss"));
    /* JSON: the flagged lines the run uses are listed, the others counted */
    char *text = lw_scale_to_json(&in, &r, "scale.k = 0.8 is outside\nscale.mu_arch.llama3 = 9 is outside\n"
                                            "scale.eta_util.a100-80gb.a100-80gb = 2 is outside\n", 0, &err);
    assert_non_null(text);
    assert_non_null(strstr(text, "\"flagged_coefficients\": [\"scale.eta_util.a100-80gb.a100-80gb = 2 is outside\"]"));
    assert_non_null(strstr(text, "\"flagged_unused\": 2"));
    assert_non_null(strstr(text, "\"departs_from_seed_table\": false"));
    lw_free(text);
    assert_null(lw_scale_to_json(&in, &r, NULL, 32, &err));
    assert_int_equal(err.status, LW_ERR_INVALID_ARGUMENT);
    /* names: an unknown model, and neither model nor size */
    rq.to_model = "llama-9b";
    assert_int_equal(lw_scale_resolve(cat, &rq, &in, &err), LW_ERR_NOT_FOUND);
    rq.to_model = NULL;
    rq.to_params = 0;
    assert_int_equal(lw_scale_resolve(cat, &rq, &in, &err), LW_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(lw_err_message(&err), "the target needs --to-model or --to-params"));
    rq.version = 0;
    assert_int_equal(lw_scale_resolve(cat, &rq, &in, &err), LW_ERR_INVALID_ARGUMENT);
    lw_catalogue_free(cat);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_part5_gpt_oss_h100), cmocka_unit_test(test_part5_gpt_oss_a100),
        cmocka_unit_test(test_part5_deepseek),     cmocka_unit_test(test_part1_multipliers),
        cmocka_unit_test(test_multi_gpu_modes),    cmocka_unit_test(test_mu_ratio_and_default_family),
        cmocka_unit_test(test_downscale_band_order), cmocka_unit_test(test_power_fallback),
        cmocka_unit_test(test_bad_input),          cmocka_unit_test(test_request_resolve_and_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
