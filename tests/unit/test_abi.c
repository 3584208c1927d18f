/* The ABI contract (docs/design.md, "ABI"): version macros, versioned structs, warning accessors
 * and the library's estimate JSON. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "testutil.h"

static void test_version_macros(void **state)
{
    (void)state;
    assert_int_equal(LW_VERSION_NUMBER, LW_VERSION_MAJOR * 10000 + LW_VERSION_MINOR * 100 + LW_VERSION_PATCH);
    assert_int_equal(lw_version_number(), LW_VERSION_NUMBER);
    char buf[32];
    snprintf(buf, sizeof buf, "%d.%d.%d", LW_VERSION_MAJOR, LW_VERSION_MINOR, LW_VERSION_PATCH);
    assert_string_equal(lw_version(), buf);
    assert_string_equal(LW_VERSION_STRING, buf);
}

static lw_estimator *estimator(lw_catalogue *cat, const char *model, const char *gpu, lw_method method)
{
    lw_estimate_opts o = LW_ESTIMATE_OPTS_INIT;
    o.method = method;
    lw_estimator *e = NULL;
    lw_err err;
    assert_int_equal(lw_estimator_new(cat, lw_test_model(cat, model), lw_test_gpu(cat, gpu), &o, &e, &err), LW_OK);
    return e;
}

/* Options and results must come from an initialiser: version 0 and newer versions are refused
 * with a message naming the struct and the fix. */
static void test_struct_versions(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    const lw_model_arch *m = lw_test_model(cat, "llama-3.1-8b");
    const lw_gpu *g = lw_test_gpu(cat, "h100");
    lw_estimator *e = NULL;
    lw_err err;
    lw_estimate_opts o;
    memset(&o, 0, sizeof o);
    o.gpus = 1;
    o.pue = 1;
    assert_int_equal(lw_estimator_new(cat, m, g, &o, &e, &err), LW_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(lw_err_message(&err), "lw_estimate_opts has version 0"));
    assert_non_null(strstr(lw_err_message(&err), "LW_ESTIMATE_OPTS_INIT"));
    o.version = LW_ESTIMATE_OPTS_VERSION + 1;
    assert_int_equal(lw_estimator_new(cat, m, g, &o, &e, &err), LW_ERR_VERSION);
    assert_null(e);
    assert_int_equal(lw_estimate_opts_init(&o, LW_ESTIMATE_OPTS_VERSION + 1, &err), LW_ERR_VERSION);
    assert_int_equal(lw_estimate_opts_init(&o, LW_ESTIMATE_OPTS_VERSION, &err), LW_OK);
    assert_int_equal(o.gpus, 1);
    assert_false(o.strict_memory); /* issue 10: the batch is capped to the KV cache by default */
    assert_int_equal(lw_estimator_new(cat, m, g, &o, &e, &err), LW_OK);

    lw_workload w = lw_workload_default();
    w.input_tokens = 100;
    w.output_tokens = 10;
    lw_estimate r;
    memset(&r, 0, sizeof r);
    assert_int_equal(lw_estimator_run(e, &w, &r, &err), LW_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(lw_err_message(&err), "LW_ESTIMATE_INIT"));
    r.version = 7;
    assert_int_equal(lw_estimator_run(e, &w, &r, &err), LW_ERR_VERSION);
    assert_int_equal(lw_estimate_init(&r, 0, &err), LW_ERR_INVALID_ARGUMENT);
    assert_int_equal(lw_estimate_init(&r, LW_ESTIMATE_VERSION, &err), LW_OK);
    assert_int_equal(lw_estimator_run(e, &w, &r, &err), LW_OK);
    assert_int_equal(r.version, LW_ESTIMATE_VERSION); /* a run never writes the version */
    assert_true(r.energy_j > 0);
    lw_estimator_free(e);
    lw_catalogue_free(cat);
}

/* An A100 has no fp8 tensor cores: the estimate warns; the accessors bound the index; reusing
 * the struct for an H100 run clears the warnings. */
static void test_warning_accessors(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    lw_estimator *a100 = estimator(cat, "llama-3.1-8b", "a100", LW_METHOD_ROOFLINE);
    lw_estimator *h100 = estimator(cat, "llama-3.1-8b", "h100", LW_METHOD_ROOFLINE);
    lw_workload w = lw_workload_default();
    w.input_tokens = 100;
    w.output_tokens = 10;
    w.weight_precision = LW_PREC_FP8;
    lw_estimate r = LW_ESTIMATE_INIT;
    lw_err err;
    assert_int_equal(lw_estimator_run(a100, &w, &r, &err), LW_OK);
    int n = lw_estimate_warning_count(&r);
    assert_true(n >= 1);
    bool found = false;
    for (int i = 0; i < n; i++)
        found |= strstr(lw_estimate_warning(&r, i), "no fp8 tensor cores") != NULL;
    assert_true(found);
    assert_null(lw_estimate_warning(&r, n));
    assert_null(lw_estimate_warning(&r, -1));
    assert_int_equal(lw_estimate_warning_count(NULL), 0);
    assert_int_equal(lw_estimator_run(h100, &w, &r, &err), LW_OK);
    assert_int_equal(lw_estimate_warning_count(&r), 0);
    assert_null(lw_estimate_warning(&r, 0));
    lw_estimator_free(a100);
    lw_estimator_free(h100);
    lw_catalogue_free(cat);
}

/* Seed 003 (llm-bench): E = FLOPs x 1.5e-12 J/FLOP / utilisation (0.5 prefill, 0.1 decode), with
 * prefill FLOPs 2 N n_in + 4 d H L n_in^2 and decode 2 N n_out + 4 d H L (n_in + (n_out+1)/2) n_out;
 * llama-3.1-70b: d = 128, H = 64, L = 80. The JSON carries these per request, in the CLI's order. */
static void test_estimate_json(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    lw_estimator *e = estimator(cat, "llama-3.1-70b", "h100", LW_METHOD_LLM_BENCH);
    lw_param_counts p;
    assert_int_equal(lw_model_params(lw_test_model(cat, "llama-3.1-70b"), &p, NULL), LW_OK);
    double pf = 2 * p.active * 1000 + 4.0 * 128 * 64 * 80 * 1000 * 1000;
    double dc = 2 * p.active * 500 + 4.0 * 128 * 64 * 80 * 1249.5 * 500;
    lw_workload w = lw_workload_default();
    w.input_tokens = 1000;
    w.output_tokens = 500;
    lw_estimate r = LW_ESTIMATE_INIT;
    lw_err err;
    assert_int_equal(lw_estimator_run(e, &w, &r, &err), LW_OK);

    const char *labels[] = {"workload=chat", "note=a=b"};
    const char *extra[] = {"caller warning"};
    lw_estimate_json_opts jo = LW_ESTIMATE_JSON_OPTS_INIT;
    jo.labels = labels;
    jo.nlabels = 2;
    jo.warnings = extra;
    jo.nwarnings = 1;
    char *text = lw_estimate_to_json(e, &w, &r, &jo, &err);
    assert_non_null(text);
    assert_null(strchr(text, '\n')); /* indent 0: one line */
    assert_int_equal(strncmp(text, "{\"method\": \"llm-bench\", \"model\": \"llama-3.1-70b\", \"gpu\": \"h100-sxm\"", 67), 0);
    json_error_t je;
    json_t *o = json_loads(text, 0, &je);
    lw_free(text);
    assert_non_null(o);
    assert_rel(json_real_value(json_object_get(o, "prefill_j")), pf * 1.5e-12 / 0.5, 1e-12);
    assert_rel(json_real_value(json_object_get(o, "decode_j")), dc * 1.5e-12 / 0.1, 1e-12);
    assert_rel(json_real_value(json_object_get(o, "energy_per_request_wh")),
               (pf * 1.5e-12 / 0.5 + dc * 1.5e-12 / 0.1) / 3600, 1e-12);
    assert_int_equal(json_integer_value(json_object_get(o, "batch")), 1);
    assert_string_equal(json_string_value(json_object_get(json_object_get(o, "labels"), "note")), "a=b");
    assert_string_equal(json_string_value(json_object_get(json_object_get(o, "labels"), "workload")), "chat");
    assert_string_equal(json_string_value(json_array_get(json_object_get(o, "warnings"), 0)), "caller warning");
    assert_null(json_object_get(o, "pue"));
    assert_null(json_object_get(o, "coefficients")); /* roofline only */
    json_decref(o);

    /* indented, with the PUE figure: 1.2 x the expected energy per request */
    lw_estimator_free(e);
    lw_estimate_opts eo = LW_ESTIMATE_OPTS_INIT;
    eo.method = LW_METHOD_LLM_BENCH;
    eo.pue = 1.2;
    assert_int_equal(lw_estimator_new(cat, lw_test_model(cat, "llama-3.1-70b"), lw_test_gpu(cat, "h100"), &eo, &e, &err),
                     LW_OK);
    assert_int_equal(lw_estimator_run(e, &w, &r, &err), LW_OK);
    lw_estimate_json_opts jp = LW_ESTIMATE_JSON_OPTS_INIT;
    jp.indent = 2;
    jp.pue = true;
    text = lw_estimate_to_json(e, &w, &r, &jp, &err);
    assert_non_null(text);
    assert_int_equal(strncmp(text, "{\n  \"method\": \"llm-bench\",\n", 27), 0);
    o = json_loads(text, 0, &je);
    lw_free(text);
    assert_rel(json_real_value(json_object_get(o, "pue")), 1.2, 0);
    assert_rel(json_real_value(json_object_get(o, "facility_energy_per_request_j")),
               1.2 * (pf * 1.5e-12 / 0.5 + dc * 1.5e-12 / 0.1), 1e-12);
    json_decref(o);

    /* a label without '=' names itself; a zeroed options struct names the initialiser */
    const char *bad[] = {"chat"};
    jo.labels = bad;
    jo.nlabels = 1;
    assert_null(lw_estimate_to_json(e, &w, &r, &jo, &err));
    assert_int_equal(err.status, LW_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(lw_err_message(&err), "label 'chat' is not KEY=VALUE"));
    lw_estimate_json_opts zero;
    memset(&zero, 0, sizeof zero);
    assert_null(lw_estimate_to_json(e, &w, &r, &zero, &err));
    assert_non_null(strstr(lw_err_message(&err), "LW_ESTIMATE_JSON_OPTS_INIT"));
    assert_int_equal(lw_estimate_json_opts_init(&zero, LW_ESTIMATE_JSON_OPTS_VERSION, &err), LW_OK);
    text = lw_estimate_to_json(e, &w, &r, &zero, &err);
    assert_non_null(text);
    lw_free(text);
    lw_estimator_free(e);
    lw_catalogue_free(cat);
}

/* H100 SXM5 datasheet: 80 GB HBM3 at 3.35 TB/s, 700 W. Llama-3.1-8B config: 32 layers, 4096 hidden,
 * 8 KV heads of 128: KV bytes per token in bf16 = 2 (K,V) x 32 x 8 x 128 x 2 B = 131072. */
static void test_catalogue_json(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    char *text = lw_gpu_to_json(lw_test_gpu(cat, "h100"), 0);
    assert_non_null(text);
    assert_null(strchr(text, '\n'));
    json_t *o = json_loads(text, 0, NULL);
    lw_free(text);
    assert_string_equal(json_string_value(json_object_get(o, "id")), "h100-sxm");
    assert_rel(json_real_value(json_object_get(o, "memory_bytes")), 80e9, 0);
    assert_rel(json_real_value(json_object_get(o, "memory_bw_bytes_per_s")), 3.35e12, 0);
    assert_rel(json_real_value(json_object_get(o, "tdp_w")), 700, 0);
    json_decref(o);
    text = lw_model_to_json(lw_test_model(cat, "llama-3.1-8b"), 2);
    assert_non_null(text);
    assert_int_equal(strncmp(text, "{\n  \"name\": \"llama-3.1-8b\",\n", 27), 0);
    o = json_loads(text, 0, NULL);
    lw_free(text);
    assert_int_equal(json_integer_value(json_object_get(o, "layers")), 32);
    assert_rel(json_real_value(json_object_get(o, "kv_bytes_per_token_bf16")), 131072, 0);
    json_decref(o);
    assert_null(lw_model_to_json(lw_test_model(cat, "llama-3.1-8b"), 32));
    assert_null(lw_gpu_to_json(NULL, 0));
    lw_catalogue_free(cat);
}

/* The fit accuracy object: numbers as given, null for every figure when there are no pairs. */
static void test_fit_accuracy_json(void **state)
{
    (void)state;
    lw_fit_accuracy a = {4, 1, 0.25, 0.75, 0.5, 2.0, 0.125};
    char *text = lw_fit_accuracy_to_json(&a, 0);
    assert_string_equal(text, "{\"pairs\": 4, \"unpredictable\": 1, \"median_abs_err\": 0.25, \"coverage\": 0.75, "
                              "\"band_low\": 0.5, \"band_high\": 2.0, \"rms_log\": 0.125}");
    lw_free(text);
    lw_fit_accuracy none = {0, 0, 0, 0, 0, 0, 0};
    text = lw_fit_accuracy_to_json(&none, 0);
    assert_string_equal(text, "{\"pairs\": 0, \"unpredictable\": 0, \"median_abs_err\": null, \"coverage\": null, "
                              "\"band_low\": null, \"band_high\": null, \"rms_log\": null}");
    lw_free(text);
    assert_null(lw_fit_accuracy_to_json(&a, -1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version_macros),
        cmocka_unit_test(test_struct_versions),
        cmocka_unit_test(test_warning_accessors),
        cmocka_unit_test(test_estimate_json),
        cmocka_unit_test(test_catalogue_json),
        cmocka_unit_test(test_fit_accuracy_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
