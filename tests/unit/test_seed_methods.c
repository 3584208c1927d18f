/* The seed methods reproduced with their arithmetic written out (seeds 001 and 003). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "testutil.h"

static lw_catalogue *catalogue_with_proxies(void)
{
    lw_catalogue *cat = lw_test_catalogue();
    char path[1024];
    snprintf(path, sizeof path, "%s/estimate/seed_profiles.json", lw_test_data_dir());
    lw_err err;
    if (lw_catalogue_add_file(cat, path, &err) != LW_OK) {
        print_error("%s\n", lw_err_message(&err));
        fail();
    }
    return cat;
}

static lw_estimate run(lw_catalogue *cat, const char *model, const char *gpu, lw_method method, lw_attention_mode attn,
                       double in, double out)
{
    lw_estimate_opts o = lw_estimate_opts_default();
    o.method = method;
    o.attention = attn;
    lw_estimator *e;
    lw_err err;
    assert_int_equal(lw_estimator_new(cat, lw_test_model(cat, model), lw_test_gpu(cat, gpu), &o, &e, &err), LW_OK);
    lw_workload w = lw_workload_default();
    w.input_tokens = in;
    w.output_tokens = out;
    lw_estimate r = LW_ESTIMATE_INIT;
    assert_int_equal(lw_estimator_run(e, &w, &r, &err), LW_OK);
    lw_estimator_free(e);
    return r;
}

/* Seed 001 usage example: o1 on H100, 1024 in, 256 out, quadratic.
 * o1: N = 70e9, L = 80, H = 64, d = 128, reasoning_factor 3 -> T = 768 decode tokens.
 * attention unit 4*64*128*80 = 2,621,440.
 * prefill = 1024*2*70e9 + 1024^2*2,621,440 = 1.4336e14 + 2.748779e12 = 1.46108779e14 FLOPs
 * decode  = 768*2*70e9 + (1024*768 + 768*767/2)*2,621,440 = 1.0752e14 + 1,080,960*2,621,440
 * H100 profile: peak 989e12, 700 W; prefill util 0.5 / power util 1.0; decode 0.1 / 0.75.
 * E = FLOPs * power_util * (700/989e12) / util. */
static void test_seed001_o1_h100(void **state)
{
    (void)state;
    lw_catalogue *cat = catalogue_with_proxies();
    lw_estimate r = run(cat, "o1", "h100", LW_METHOD_PROFILE, LW_ATTENTION_QUADRATIC, 1024, 256);
    double jpf = 700.0 / 989e12;
    double pf = 1024.0 * 2 * 70e9 + 1024.0 * 1024.0 * 2621440.0;
    double dc = 768.0 * 2 * 70e9 + (1024.0 * 768 + 768.0 * 767 / 2) * 2621440.0;
    assert_rel(r.prefill.flops, 1.46108779e14, 1e-8);
    assert_rel(r.prefill.energy_j, pf * 1.0 * jpf / 0.5, 1e-12);
    assert_rel(r.decode.energy_j, dc * 0.75 * jpf / 0.1, 1e-12);
    /* about 206.83 J prefill + 585.80 J decode = 792.63 J per request (0.220 Wh) */
    assert_rel(r.prefill.energy_j, 206.83, 1e-3);
    assert_rel(r.decode.energy_j + r.prefill.energy_j, 206.83 + 585.80, 1e-4);
    /* per visible output token: total / 256 */
    assert_rel(r.energy_per_output_token_j.expected, (r.prefill.energy_j + r.decode.energy_j) / 256.0, 1e-12);
    /* the seed gives a point: the band is degenerate but contains the expected value */
    assert_true(r.energy_per_request_j.low <= r.energy_per_request_j.expected &&
                r.energy_per_request_j.expected <= r.energy_per_request_j.high);
    lw_catalogue_free(cat);
}

/* "linear" attention: prefill n_in*unit instead of n_in^2*unit; decode T*avg_ctx*unit, which is
 * the same sum as the quadratic mode's n_in*T + T(T-1)/2 (the seed's two decode branches agree). */
static void test_seed001_linear(void **state)
{
    (void)state;
    lw_catalogue *cat = catalogue_with_proxies();
    lw_estimate q = run(cat, "o1", "h100", LW_METHOD_PROFILE, LW_ATTENTION_QUADRATIC, 1024, 256);
    lw_estimate l = run(cat, "o1", "h100", LW_METHOD_PROFILE, LW_ATTENTION_LINEAR, 1024, 256);
    assert_rel(l.prefill.flops, 1024.0 * 2 * 70e9 + 1024.0 * 2621440.0, 1e-12);
    assert_rel(l.decode.flops, q.decode.flops, 1e-12);
    /* o3-mini on A100 (seed peak 624e12, 400 W): T = 2*100 = 200 decode tokens, unit 4*32*128*32 */
    lw_estimate m = run(cat, "o3-mini", "a100", LW_METHOD_PROFILE, LW_ATTENTION_LINEAR, 100, 100);
    double unit = 4.0 * 32 * 128 * 32;
    double dc = 200 * 2 * 7.3e9 + 200 * (100 + 199 / 2.0) * unit;
    assert_rel(m.decode.energy_j, dc * 0.75 * (400.0 / 624e12) / 0.1, 1e-12);
    lw_catalogue_free(cat);
}

/* Seed 003 worked example: 1000 in, 500 out, Llama-3.1-70B (64 query heads x 128, 80 layers).
 * prefill: input_len 0, S = 1000, masked: mean_len = 1000
 *   F = 2 N 1000 + 4*128*64*80*1000*1000
 * decode: input_len 1000, S = 500, mean_len = (1000 + 1499)/2 = 1249.5
 *   F = 2 N 500 + 4*128*64*80*1249.5*500
 * E = F * 1.5e-12 / u, u = 0.5 prefill, 0.1 decode. estimator-landscape.md section 16 computes
 * 0.12 Wh prefill + 0.30 Wh decode for a 70.6B model with the same formula. */
static void test_seed003_70b(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    const lw_model_arch *m = lw_test_model(cat, "llama-3.1-70b");
    lw_param_counts p;
    assert_int_equal(lw_model_params(m, &p, NULL), LW_OK);
    double N = p.active;
    lw_estimate r = run(cat, "llama-3.1-70b", "h100", LW_METHOD_LLM_BENCH, LW_ATTENTION_QUADRATIC, 1000, 500);
    double pf = 2 * N * 1000 + 4.0 * 128 * 64 * 80 * 1000 * 1000;
    double dc = 2 * N * 500 + 4.0 * 128 * 64 * 80 * 1249.5 * 500;
    assert_rel(r.prefill.flops, pf, 1e-12);
    assert_rel(r.decode.flops, dc, 1e-12);
    assert_rel(r.prefill.energy_j, pf * 1.5e-12 / 0.5, 1e-12);
    assert_rel(r.decode.energy_j, dc * 1.5e-12 / 0.1, 1e-12);
    assert_rel(r.prefill.energy_j / 3600, 0.12, 0.05);
    assert_rel(r.decode.energy_j / 3600, 0.30, 0.05);
    /* time at 1e15 FLOP/s x utilisation, power the seed's 1500 W */
    assert_rel(r.decode.time_s, dc / (1e15 * 0.1), 1e-12);
    assert_rel(r.decode.avg_power_w, 1500, 1e-12);
    lw_catalogue_free(cat);
}

/* A model without a seed profile gets one derived from its architecture (reasoning factor 1). */
static void test_seed001_derived_profile(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    const lw_model_arch *m = lw_test_model(cat, "llama-3.1-8b");
    lw_param_counts p;
    assert_int_equal(lw_model_params(m, &p, NULL), LW_OK);
    lw_estimate r = run(cat, "llama-3.1-8b", "h100", LW_METHOD_PROFILE, LW_ATTENTION_QUADRATIC, 10, 20);
    double unit = 4.0 * 32 * 128 * 32;
    assert_rel(r.prefill.flops, 10 * 2 * p.active + 100 * unit, 1e-12);
    assert_rel(r.decode.flops, 20 * 2 * p.active + (10.0 * 20 + 20.0 * 19 / 2) * unit, 1e-12);
    lw_catalogue_free(cat);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seed001_o1_h100),
        cmocka_unit_test(test_seed001_linear),
        cmocka_unit_test(test_seed003_70b),
        cmocka_unit_test(test_seed001_derived_profile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
