/* The loop between measurement and estimate (include/llmwatt/loop.h): label checks, the
 * measurement-vs-estimate comparison, runs as calibration rows and the site calibration. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

/* A measurement JSON with the given labels object and J per token (NAN: null). */
static char *measurement(const char *labels, double j_per_token, const char *valid, double tokens_per_s, double power_w)
{
    char jpt[32], tps[32], pw[32];
    snprintf(jpt, sizeof jpt, isfinite(j_per_token) ? "%.17g" : "null", j_per_token);
    snprintf(tps, sizeof tps, isfinite(tokens_per_s) ? "%.17g" : "null", tokens_per_s);
    snprintf(pw, sizeof pw, isfinite(power_w) ? "%.17g" : "null", power_w);
    char *s = malloc(2048);
    assert_non_null(s);
    snprintf(s, 2048,
             "{\"schema\": \"llmwatt.measurement/1\", \"labels\": %s, \"start_time\": \"2026-11-21T14:00:00Z\","
             " \"gpus\": [{\"index\": 0, \"name\": \"NVIDIA H100 80GB HBM3\"}], \"aggregate\": {\"energy_j\": 1000,"
             " \"avg_power_w\": %s}, \"tokens\": 1000, \"tokens_per_s\": %s, \"j_per_token\": %s,"
             " \"verdict\": {\"valid\": %s, \"criteria\": []}}",
             labels, pw, tps, jpt, valid);
    return s;
}

static const char *CFG8 = "{\"model\": \"llama-3.1-8b\", \"batch\": \"8\", \"input_tokens\": \"1000\", \"output_tokens\": \"500\"}";

/* The roofline estimate of llama-3.1-8b on one H100, batch 8, 1000 in + 500 out, shipped fit. */
static lw_estimate shipped_estimate(const lw_catalogue *cat, int batch)
{
    lw_estimator *e;
    lw_estimate r = LW_ESTIMATE_INIT;
    lw_estimate_opts o = lw_estimate_opts_default();
    assert_int_equal(lw_estimator_new(cat, lw_test_model(cat, "llama-3.1-8b"), lw_test_gpu(cat, "h100"), &o, &e, NULL), LW_OK);
    lw_workload w = lw_workload_default();
    w.batch = batch;
    w.input_tokens = 1000;
    w.output_tokens = 500;
    assert_int_equal(lw_estimator_run(e, &w, &r, NULL), LW_OK);
    lw_estimator_free(e);
    return r;
}

static void labels_check(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    char warn[512];
    lw_err err;
    const char *k1[] = {"model", "gpu", "batch", "engine", "colour"}, *v1[] = {"llama-3.1-8b", "h100", "16", "vllm-0.11", "red"};
    assert_int_equal(lw_labels_check(cat, k1, v1, 5, warn, sizeof warn, &err), LW_OK);
    assert_string_equal(warn, ""); /* free-form keys are allowed */
    const char *k2[] = {"model", "gpu"}, *v2[] = {"llama-9z", "zx-9000"};
    assert_int_equal(lw_labels_check(cat, k2, v2, 2, warn, sizeof warn, &err), LW_OK);
    assert_non_null(strstr(warn, "label model=llama-9z is not in the catalogue"));
    assert_non_null(strstr(warn, "label gpu=zx-9000 is not in the catalogue"));
    const char *bad_keys[] = {"batch", "gpus", "input_tokens", "output_tokens", "precision", "batch"};
    const char *bad_vals[] = {"eight", "0", "-1", "nan", "fp7", "2.5"};
    for (int i = 0; i < 6; i++) {
        assert_int_equal(lw_labels_check(cat, &bad_keys[i], &bad_vals[i], 1, warn, sizeof warn, &err), LW_ERR_INVALID_ARGUMENT);
        assert_non_null(strstr(lw_err_message(&err), bad_keys[i]));
    }
    lw_catalogue_free(cat);
}

static void check_against_estimate(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    lw_estimate r = shipped_estimate(cat, 8);
    double e = r.energy_per_output_token_j.expected;
    /* measured twice the estimate: +100%, outside the band (the shipped band is 3.2x wide) */
    char *m = measurement(CFG8, 2 * e, "true", NAN, NAN);
    lw_loop_result x = LW_LOOP_RESULT_INIT;
    assert_int_equal(lw_loop_check(cat, m, NULL, &x, NULL), LW_OK);
    assert_true(x.estimated);
    assert_rel(x.expected, e, 1e-15);
    assert_rel(x.low, r.energy_per_output_token_j.low, 1e-15);
    assert_rel(x.high, r.energy_per_output_token_j.high, 1e-15);
    assert_rel(x.difference_pct, 100.0, 1e-12);
    assert_int_equal(x.inside, 0);
    assert_int_equal(x.valid, 1);
    /* the GPU came from the measured GPU's name, the count from the number measured */
    assert_non_null(strstr(x.config, "on 1 x h100-sxm, batch 8, 1000 in + 500 out, bf16"));
    free(m);
    /* exactly the estimate: inside, 0% */
    m = measurement(CFG8, e, "true", NAN, NAN);
    assert_int_equal(lw_loop_check(cat, m, NULL, &x, NULL), LW_OK);
    assert_rel(x.difference_pct, 0.0, 1e-12);
    assert_int_equal(x.inside, 1);
    free(m);
    /* no measured J/token: the estimate, no comparison */
    m = measurement(CFG8, NAN, "true", NAN, NAN);
    assert_int_equal(lw_loop_check(cat, m, NULL, &x, NULL), LW_OK);
    assert_true(x.estimated);
    assert_true(isnan(x.difference_pct));
    assert_int_equal(x.inside, -1);
    free(m);
    /* labels that do not allow an estimate: a reason, not an error */
    m = measurement("{\"model\": \"llama-3.1-8b\"}", 1.0, "true", NAN, NAN);
    assert_int_equal(lw_loop_check(cat, m, NULL, &x, NULL), LW_OK);
    assert_false(x.estimated);
    assert_non_null(strstr(x.reason, "input_tokens and output_tokens"));
    free(m);
    m = measurement("{\"workload\": \"chat\"}", 1.0, "true", NAN, NAN);
    assert_int_equal(lw_loop_check(cat, m, NULL, &x, NULL), LW_OK);
    assert_non_null(strstr(x.reason, "no model label"));
    free(m);
    /* a result not started from LW_LOOP_RESULT_INIT is refused, one from a newer header too */
    lw_loop_result z;
    memset(&z, 0, sizeof z);
    lw_err err;
    m = measurement(CFG8, 1.0, "true", NAN, NAN);
    assert_int_equal(lw_loop_check(cat, m, NULL, &z, &err), LW_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(lw_err_message(&err), "LW_LOOP_RESULT_INIT"));
    z.version = LW_LOOP_RESULT_VERSION + 1;
    assert_int_equal(lw_loop_check(cat, m, NULL, &z, &err), LW_ERR_VERSION);
    assert_int_equal(lw_loop_result_init(&z, LW_LOOP_RESULT_VERSION, &err), LW_OK);
    assert_int_equal(lw_loop_check(cat, m, NULL, &z, &err), LW_OK);
    assert_int_equal(z.version, LW_LOOP_RESULT_VERSION);
    free(m);
    /* an estimate is not a measurement */
    assert_int_equal(lw_loop_check(cat, "{\"method\": \"roofline\"}", NULL, &x, &err), LW_ERR_PARSE);
    lw_catalogue_free(cat);
}

static void annotate_adds_keys(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    lw_estimate r = shipped_estimate(cat, 8);
    char *m = measurement(CFG8, 2 * r.energy_per_output_token_j.expected, "true", NAN, NAN), *out;
    lw_loop_result x = LW_LOOP_RESULT_INIT;
    assert_int_equal(lw_loop_annotate(cat, m, NULL, NULL, &out, &x, NULL), LW_OK);
    assert_non_null(strstr(out, "\"estimate\": {"));
    assert_non_null(strstr(out, "\"measured_vs_estimated\": {"));
    assert_non_null(strstr(out, "\"calibration\": \"shipped\""));
    assert_non_null(strstr(out, "\"inside_band\": false"));
    assert_int_equal(out[strlen(out) - 1], '\n');
    free(out);
    free(m);
    lw_catalogue_free(cat);
}

static void rows_from_runs(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    char *t[5] = {measurement(CFG8, 1.0, "true", 500, 503), measurement(CFG8, 1.0, "false", 500, 503),
                  measurement("{\"model\": \"llama-3.1-8b\"}", 1.0, "true", 500, 503), measurement(CFG8, NAN, "true", NAN, 503),
                  measurement("{\"model\": \"llama-3.1-8b\", \"input_tokens\": 1000, \"output_tokens\": 500, "
                              "\"reasoning_tokens\": 200}", 1.0, "true", 500, 503)};
    const char *names[5] = {"a.json", "b.json", "c.json", "d.json", "e.json"};
    lw_calib_row *rows;
    assert_int_equal(lw_calib_rows_from_runs(cat, (const char *const *)t, names, 5, &rows, NULL), LW_OK);
    assert_string_equal(rows[0].skip_reason, "");
    assert_string_equal(rows[0].point.model, "llama-3.1-8b");
    assert_string_equal(rows[0].point.gpu, "h100-sxm");
    assert_int_equal(rows[0].point.num_gpus, 1);
    assert_rel(rows[0].point.batch, 8, 0);
    assert_rel(rows[0].point.input_tokens, 1000, 0);
    assert_rel(rows[0].point.output_tokens, 500, 0);
    assert_rel(rows[0].point.j_per_output_token, 1.0, 0);
    assert_rel(rows[0].throughput_tok_per_s, 500, 0);
    assert_rel(rows[0].avg_power_w, 503, 0);
    assert_non_null(strstr(rows[1].skip_reason, "INVALID"));
    assert_non_null(strstr(rows[2].skip_reason, "input_tokens"));
    assert_non_null(strstr(rows[3].skip_reason, "no J per token"));
    assert_non_null(strstr(rows[4].skip_reason, "reasoning"));
    free(rows);
    for (int i = 0; i < 5; i++)
        free(t[i]);
    lw_catalogue_free(cat);
}

static void site_fit(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    lw_estimate r = shipped_estimate(cat, 8);
    double e = r.energy_per_output_token_j.expected, thr = 8 * 500 / r.time_s, p = r.avg_power_w;
    /* three runs of one configuration at the estimate's power and half its throughput: 2x J/token */
    char *t[3];
    const char *names[3] = {"r1", "r2", "r3"};
    for (int i = 0; i < 3; i++)
        t[i] = measurement(CFG8, 2 * e, "true", thr / 2, p);
    lw_calib_row *rows;
    assert_int_equal(lw_calib_rows_from_runs(cat, (const char *const *)t, names, 3, &rows, NULL), LW_OK);
    size_t len;
    lw_calibration base, site;
    assert_int_equal(lw_calibration_parse(lw_embedded_data("calibration/roofline.json", &len), &base, NULL), LW_OK);
    assert_int_equal(lw_calibrate_site(cat, rows, 3, &base, &site, NULL), LW_OK);
    const lw_gpu *h100 = lw_test_gpu(cat, "h100"), *a100 = lw_test_gpu(cat, "a100-80gb");
    bool cal;
    lw_roofline_coeffs b = lw_calibration_for_gpu(&base, h100, NULL), s = lw_calibration_for_gpu(&site, h100, &cal);
    assert_true(cal);
    assert_int_equal(s.rows, b.rows + 3);
    /* decode-bound runs inform the memory side; the compute efficiency moves little (the prior
     * holds it; the shipped Hopper eta_memory sits near its 0.9 ceiling, so the fit trades a few
     * percent of eta_compute for it) */
    assert_true(s.eta_memory < 0.8 * b.eta_memory);
    assert_rel(s.eta_compute, b.eta_compute, 0.05);
    assert_rel(s.idle_fraction, b.idle_fraction, 0);
    /* one distinct configuration: sigma = 1/sqrt(1/sigma_base^2 + 1/s^2), s >= 0.1 */
    assert_true(s.sigma_log < b.sigma_log);
    assert_true(s.sigma_log >= 1.0 / sqrt(1.0 / (b.sigma_log * b.sigma_log) + 1.0 / 0.01) - 1e-12);
    /* other families are untouched */
    lw_roofline_coeffs ba = lw_calibration_for_gpu(&base, a100, NULL), sa = lw_calibration_for_gpu(&site, a100, NULL);
    assert_memory_equal(&ba, &sa, sizeof ba);
    /* the estimate under the site calibration is within 15% of the measurement */
    lw_estimator *est;
    lw_estimate_opts o = lw_estimate_opts_default();
    o.coeffs = &s;
    assert_int_equal(lw_estimator_new(cat, lw_test_model(cat, "llama-3.1-8b"), h100, &o, &est, NULL), LW_OK);
    lw_workload w = lw_workload_default();
    w.batch = 8;
    w.input_tokens = 1000;
    w.output_tokens = 500;
    lw_estimate after = LW_ESTIMATE_INIT;
    assert_int_equal(lw_estimator_run(est, &w, &after, NULL), LW_OK);
    lw_estimator_free(est);
    assert_rel(after.energy_per_output_token_j.expected, 2 * e, 0.15);
    /* no usable rows: the base, unchanged */
    rows[0].skip_reason[0] = rows[1].skip_reason[0] = rows[2].skip_reason[0] = 'x';
    assert_int_equal(lw_calibrate_site(cat, rows, 3, &base, &site, NULL), LW_OK);
    assert_memory_equal(&base, &site, sizeof base);
    free(rows);
    for (int i = 0; i < 3; i++)
        free(t[i]);
    lw_catalogue_free(cat);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(labels_check),   cmocka_unit_test(check_against_estimate), cmocka_unit_test(annotate_adds_keys),
        cmocka_unit_test(rows_from_runs), cmocka_unit_test(site_fit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
