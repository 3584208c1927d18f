/* Seed 002's energy-per-MAC figures, arithmetic written out (H100 SXM: 700 W, 989.4 TFLOP/s bf16 dense). */
#include <math.h>
#include <string.h>

#include "llmwatt/physics.h"
#include "testutil.h"

static void test_h100_limits(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    lw_physics_result r;
    assert_int_equal(lw_physics_evaluate(cat, lw_test_gpu(cat, "h100-sxm"), LW_PREC_BF16, 1, NAN, &r, NULL), LW_OK);
    assert_rel(r.tdp_w, 700, 1e-12);
    assert_rel(r.peak_flops, 989.4e12, 1e-9);
    /* component: 700 / 1.15e-12 = 608.7 TFLOP/s; / 989.4 = 61.5% (seed: 61%) */
    assert_rel(r.models[0].pj_per_mac, 1.15, 1e-12);
    assert_rel(r.models[0].sustainable_flops, 700 / 1.15e-12, 1e-12);
    assert_rel(r.models[0].physics_limit, 0.61, 0.01);
    assert_true(r.models[0].binds); /* 61.5% <= 100% */
    /* calibrated: 700 / 1.65e-12 = 424 TFLOP/s (seed: "424 TFLOPS"); / 990 = 43% */
    assert_rel(r.models[1].sustainable_flops, 424e12, 0.001);
    assert_rel(r.models[1].physics_limit, 0.43, 0.005);
    /* external: 700 / 2.5e-12 = 280 TFLOP/s (seed: "sustains max 280 TFLOPS"); 280/990 = 28% */
    assert_rel(r.models[2].sustainable_flops, 280e12, 1e-12);
    assert_rel(r.models[2].physics_limit, 0.283, 0.001);
    assert_false(r.have_mfu);
    lw_catalogue_free(cat);
}

static void test_mfu_check(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    const lw_gpu *h100 = lw_test_gpu(cat, "h100-sxm");
    lw_physics_result r;
    /* CoreWeave 0.49: max energy = 700 / (0.49 * 989.4e12) = 1.444 pJ; 1.65 pJ is above it */
    assert_int_equal(lw_physics_evaluate(cat, h100, LW_PREC_BF16, 1, 0.49, &r, NULL), LW_OK);
    assert_rel(r.max_pj_per_mac, 700 / (0.49 * 989.4e12) * 1e12, 1e-12);
    assert_rel(r.max_pj_per_mac, 1.444, 0.001);
    assert_true(r.models[0].consistent);  /* 61.5% > 49% */
    assert_false(r.models[1].consistent); /* 42.9% < 49%: the seed's calibrated value fails its own MFU */
    assert_false(r.models[2].consistent); /* 28.3% */
    /* Seed 002's derivation: a 45% limit gives 990 * 0.45 = 445 TFLOP/s and 700 / 445e12 = 1.57 pJ */
    assert_int_equal(lw_physics_evaluate(cat, h100, LW_PREC_BF16, 1, 0.45, &r, NULL), LW_OK);
    assert_rel(r.max_pj_per_mac, 1.57, 0.002);
    lw_catalogue_free(cat);
}

/* 2 FLOP per MAC (vendor peaks): every sustainable rate, limit and maximum doubles. */
static void test_two_flops_per_mac(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    const lw_gpu *h100 = lw_test_gpu(cat, "h100-sxm");
    lw_physics_result one, two;
    assert_int_equal(lw_physics_evaluate(cat, h100, LW_PREC_BF16, 1, 0.49, &one, NULL), LW_OK);
    assert_int_equal(lw_physics_evaluate(cat, h100, LW_PREC_BF16, 2, 0.49, &two, NULL), LW_OK);
    for (int i = 0; i < LW_PHYSICS_MODELS; i++)
        assert_rel(two.models[i].physics_limit, 2 * one.models[i].physics_limit, 1e-12);
    /* 2 * 700 / 1.65e-12 / 989.4e12 = 85.8%: consistent with 0.49; max 2.888 pJ */
    assert_rel(two.models[1].physics_limit, 2 * 700 / 1.65e-12 / 989.4e12, 1e-12);
    assert_true(two.models[1].consistent && two.models[2].consistent);
    assert_rel(two.max_pj_per_mac, 2.888, 0.001);
    lw_catalogue_free(cat);
}

static void test_nodes_and_precisions(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    lw_physics_result r;
    /* A100 (7 nm): calibrated 2.3 pJ; 400 / 2.3e-12 / 312e12 = 55.7%; component 1.15 * 2.3/1.65 */
    assert_int_equal(lw_physics_evaluate(cat, lw_test_gpu(cat, "a100-80gb"), LW_PREC_BF16, 1, NAN, &r, NULL), LW_OK);
    assert_rel(r.models[1].pj_per_mac, 2.3, 1e-12);
    assert_rel(r.models[1].physics_limit, 400 / 2.3e-12 / 312e12, 1e-9);
    assert_rel(r.models[0].pj_per_mac, 1.15 * 2.3 / 1.65, 1e-12);
    assert_false(r.node_interpolated);
    /* 8 nm (RTX 3090) between 7 nm 2.3 and 12 nm 3.3: 2.3 * (8/7)^(ln(3.3/2.3)/ln(12/7)) = 2.515 */
    double pj;
    bool interp;
    assert_int_equal(lw_physics_calibrated_pj(cat, 8, &pj, &interp, NULL), LW_OK);
    assert_true(interp);
    assert_rel(pj, 2.3 * pow(8.0 / 7.0, log(3.3 / 2.3) / log(12.0 / 7.0)), 1e-12);
    assert_rel(pj, 2.515, 0.001);
    assert_int_equal(lw_physics_calibrated_pj(cat, 3, &pj, &interp, NULL), LW_OK);
    assert_rel(pj, 1.4, 1e-12);
    /* fp8 on H100: 0.5 x 1.65 pJ against 1978.9 TFLOP/s: same limit as bf16, 42.9% */
    assert_int_equal(lw_physics_evaluate(cat, lw_test_gpu(cat, "h100-sxm"), LW_PREC_FP8, 1, NAN, &r, NULL), LW_OK);
    assert_rel(r.models[1].pj_per_mac, 0.825, 1e-12);
    assert_rel(r.models[1].physics_limit, 700 / 0.825e-12 / 1978.9e12, 1e-9);
    lw_catalogue_free(cat);
}

static void test_errors(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    lw_physics_result r;
    lw_err err;
    assert_int_equal(lw_physics_evaluate(cat, lw_test_gpu(cat, "tpu-v4"), LW_PREC_BF16, 1, NAN, &r, &err), LW_ERR_UNSUPPORTED);
    assert_non_null(strstr(lw_err_message(&err), "has no TDP"));
    lw_gpu g = *lw_test_gpu(cat, "h100-sxm");
    g.process_node_nm = 0;
    assert_int_equal(lw_physics_evaluate(cat, &g, LW_PREC_BF16, 1, NAN, &r, &err), LW_ERR_UNSUPPORTED);
    assert_non_null(strstr(lw_err_message(&err), "no process node"));
    g.process_node_nm = 2;
    assert_int_equal(lw_physics_evaluate(cat, &g, LW_PREC_BF16, 1, NAN, &r, &err), LW_ERR_UNSUPPORTED);
    assert_non_null(strstr(lw_err_message(&err), "outside the calibrated table (3..12 nm"));
    assert_int_equal(lw_physics_evaluate(cat, lw_test_gpu(cat, "a100-80gb"), LW_PREC_FP8, 1, NAN, &r, &err), LW_ERR_UNSUPPORTED);
    assert_non_null(strstr(lw_err_message(&err), "no dense fp8 peak"));
    assert_int_equal(lw_physics_evaluate(cat, lw_test_gpu(cat, "h100-sxm"), LW_PREC_BF16, 3, NAN, &r, &err), LW_ERR_INVALID_ARGUMENT);
    assert_int_equal(lw_physics_evaluate(cat, lw_test_gpu(cat, "h100-sxm"), LW_PREC_BF16, 1, 1.5, &r, &err), LW_ERR_INVALID_ARGUMENT);
    assert_int_equal(lw_physics_evaluate(cat, lw_test_gpu(cat, "h100-sxm"), LW_PREC_FP4, 1, NAN, &r, &err), LW_ERR_UNSUPPORTED);
    lw_catalogue_free(cat);
}

/* V100 and T4 have fp16 tensor cores only ("no BF16" in the reference hardware notes): bf16 is
 * refused rather than evaluated at the fp16 peak; fp16 uses it (V100: 125 TFLOP/s, 300 W). */
static void test_fp16_only_gpus(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    lw_physics_result r;
    lw_err err;
    const lw_gpu *v100 = lw_test_gpu(cat, "v100");
    assert_true(v100->peak_flops[LW_PREC_BF16] == 0);
    assert_rel(v100->peak_flops[LW_PREC_FP16], 125e12, 1e-12);
    assert_int_equal(lw_physics_evaluate(cat, v100, LW_PREC_BF16, 1, NAN, &r, &err), LW_ERR_UNSUPPORTED);
    assert_non_null(strstr(lw_err_message(&err), "GPU 'v100' has no bf16 tensor cores (fp16 only)"));
    assert_int_equal(lw_physics_evaluate(cat, v100, LW_PREC_FP16, 1, NAN, &r, &err), LW_OK);
    assert_rel(r.peak_flops, 125e12, 1e-12);
    /* calibrated 12 nm: 3.3 pJ; 300 / 3.3e-12 = 90.9 TFLOP/s; / 125 = 72.7% */
    assert_rel(r.models[1].physics_limit, 300 / 3.3e-12 / 125e12, 1e-9);
    assert_true(r.models[1].binds);
    /* component at 12 nm: 1.15 * 3.3 / 1.65 = 2.3 pJ; 300 / 2.3e-12 = 130.4 TFLOP/s > 125: 104.3%, the
     * energy model does not bind, the peak does */
    assert_rel(r.models[0].physics_limit, 300 / 2.3e-12 / 125e12, 1e-9);
    assert_rel(r.models[0].physics_limit, 1.043, 0.001);
    assert_false(r.models[0].binds);
    const lw_gpu *t4 = lw_test_gpu(cat, "t4");
    assert_true(t4->peak_flops[LW_PREC_BF16] == 0);
    assert_rel(t4->peak_flops[LW_PREC_FP16], 65e12, 1e-12);
    /* every other row with a 16-bit figure runs bf16 at it: A100 312, TPU v4 275, MI250X 383 */
    assert_rel(lw_test_gpu(cat, "a100-80gb")->peak_flops[LW_PREC_BF16], 312e12, 1e-12);
    assert_rel(lw_test_gpu(cat, "tpu-v4")->peak_flops[LW_PREC_BF16], 275e12, 1e-12);
    assert_rel(lw_test_gpu(cat, "mi250x")->peak_flops[LW_PREC_BF16], 383e12, 1e-12);
    lw_catalogue_free(cat);
}

/* --precision all and the JSON builder shared by the CLI and Python. */
static void test_all_and_json(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    lw_err err;
    const lw_gpu *a100 = lw_test_gpu(cat, "a100-80gb"), *v100 = lw_test_gpu(cat, "v100");
    assert_int_equal(lw_physics_default_precision(a100), LW_PREC_BF16);
    assert_int_equal(lw_physics_default_precision(v100), LW_PREC_FP16); /* fp16 tensor cores only */
    lw_physics_result res[LW_PHYSICS_PRECISIONS];
    size_t n;
    /* A100: bf16 and int8 peaks, no fp8 (skipped) */
    assert_int_equal(lw_physics_evaluate_all(cat, a100, 1, NAN, res, &n, &err), LW_OK);
    assert_int_equal(n, 2);
    assert_int_equal(res[0].precision, LW_PREC_BF16);
    assert_int_equal(res[1].precision, LW_PREC_INT8);
    char *text = lw_physics_to_json(a100, res, n, true, 0, &err);
    assert_non_null(text);
    assert_non_null(strstr(text, "{\"gpu\": \"a100-80gb\", \"tdp_w\": 400.0, \"precisions\": [{\"precision\": \"bf16\""));
    lw_free(text);
    text = lw_physics_to_json(a100, res, 1, false, 0, &err);
    assert_non_null(text);
    assert_non_null(strstr(text, "\"gpu\": \"a100-80gb\"}"));
    lw_free(text);
    assert_null(lw_physics_to_json(a100, res, 2, false, 0, &err)); /* one result without all */
    assert_int_equal(err.status, LW_ERR_INVALID_ARGUMENT);
    lw_catalogue_free(cat);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_h100_limits), cmocka_unit_test(test_mfu_check), cmocka_unit_test(test_two_flops_per_mac),
        cmocka_unit_test(test_nodes_and_precisions), cmocka_unit_test(test_errors), cmocka_unit_test(test_fp16_only_gpus),
        cmocka_unit_test(test_all_and_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
