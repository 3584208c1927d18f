/* Weight precision from a checkpoint's name or its config.json quantization_config (issue 10). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

static lw_precision from_name(const char *name)
{
    lw_precision p = LW_PREC_COUNT;
    char rule[160];
    if (!lw_precision_from_name(name, &p, rule, sizeof rule))
        return LW_PREC_COUNT;
    return p;
}

static void test_names(void **state)
{
    (void)state;
    assert_int_equal(from_name("Qwen/Qwen3-235B-A22B-Instruct-2507-FP8"), LW_PREC_FP8);
    assert_int_equal(from_name("RedHatAI/Meta-Llama-3.1-70B-Instruct-FP8-dynamic"), LW_PREC_FP8);
    assert_int_equal(from_name("Qwen/Qwen2.5-7B-Instruct-AWQ"), LW_PREC_INT4);
    assert_int_equal(from_name("Qwen/Qwen2.5-7B-Instruct-GPTQ-Int4"), LW_PREC_INT4);
    assert_int_equal(from_name("Qwen/Qwen2.5-7B-Instruct-GPTQ-Int8"), LW_PREC_INT8); /* int8 before gptq */
    assert_int_equal(from_name("nvidia/Llama-3.1-8B-Instruct-NVFP4"), LW_PREC_FP4);
    assert_int_equal(from_name("openai/gpt-oss-120b-MXFP4"), LW_PREC_MXFP4);
    assert_int_equal(from_name("neuralmagic/Llama-3.1-8B-quantized.w8a8"), LW_PREC_INT8);
    assert_int_equal(from_name("unsloth/llama-3-8b-bnb-4bit"), LW_PREC_INT4);
    /* whole words only: no rule for plain names or names merely containing the letters */
    assert_int_equal(from_name("meta-llama/Llama-3.1-8B-Instruct"), LW_PREC_COUNT);
    assert_int_equal(from_name("hawq-7b"), LW_PREC_COUNT);
    char rule[160];
    lw_precision p;
    assert_true(lw_precision_from_name("x-FP8", &p, rule, sizeof rule));
    assert_string_equal(rule, "'fp8' in the model name");
}

static const char *write_config(const char *body)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/lw_test_prec_%d.json", (int)getpid());
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(body, f);
    fclose(f);
    return path;
}

static void test_configs(void **state)
{
    (void)state;
    lw_precision p;
    char rule[160];
    const char *path = write_config("{\"model_type\":\"llama\",\"quantization_config\":{\"quant_method\":\"fp8\","
                                    "\"fmt\":\"e4m3\",\"weight_block_size\":[128,128]}}");
    assert_true(lw_precision_from_hf_config(path, &p, rule, sizeof rule));
    assert_int_equal(p, LW_PREC_FP8);
    assert_string_equal(rule, "quantization_config (quant_method fp8) in the config");
    write_config("{\"quantization_config\":{\"quant_method\":\"awq\",\"bits\":4,\"group_size\":128}}");
    assert_true(lw_precision_from_hf_config(path, &p, rule, sizeof rule));
    assert_int_equal(p, LW_PREC_INT4);
    assert_string_equal(rule, "quantization_config (quant_method awq, bits 4) in the config");
    write_config("{\"quantization_config\":{\"quant_method\":\"gptq\",\"bits\":8}}");
    assert_true(lw_precision_from_hf_config(path, &p, rule, sizeof rule));
    assert_int_equal(p, LW_PREC_INT8);
    write_config("{\"quantization_config\":{\"quant_method\":\"mxfp4\"}}");
    assert_true(lw_precision_from_hf_config(path, &p, rule, sizeof rule));
    assert_int_equal(p, LW_PREC_MXFP4);
    /* compressed-tensors: weights of 8-bit float type are fp8, 4-bit int int4 */
    write_config("{\"quantization_config\":{\"quant_method\":\"compressed-tensors\",\"config_groups\":{\"group_0\":"
                 "{\"weights\":{\"num_bits\":8,\"type\":\"float\"}}}}}");
    assert_true(lw_precision_from_hf_config(path, &p, rule, sizeof rule));
    assert_int_equal(p, LW_PREC_FP8);
    write_config("{\"quantization_config\":{\"quant_method\":\"compressed-tensors\",\"config_groups\":{\"group_0\":"
                 "{\"weights\":{\"num_bits\":4,\"type\":\"int\"}}}}}");
    assert_true(lw_precision_from_hf_config(path, &p, rule, sizeof rule));
    assert_int_equal(p, LW_PREC_INT4);
    write_config("{\"model_type\":\"llama\"}");
    assert_false(lw_precision_from_hf_config(path, &p, rule, sizeof rule));
    assert_false(lw_precision_from_hf_config("/nonexistent/config.json", &p, rule, sizeof rule));
    unlink(path);
}

/* The default: config, then name, then the native precision, with the rule that applied. */
static void test_default(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    const lw_model_arch *m = lw_test_model(cat, "qwen3-235b-a22b");
    char rule[256];
    assert_int_equal(lw_weight_precision_default("Qwen/Qwen3-235B-A22B-Instruct-2507-FP8", NULL, m, rule, sizeof rule),
                     LW_PREC_FP8);
    assert_string_equal(rule, "fp8 from 'fp8' in the model name");
    assert_int_equal(lw_weight_precision_default("qwen3-235b-a22b", NULL, m, rule, sizeof rule), LW_PREC_BF16);
    assert_non_null(strstr(rule, "bf16, the model's native precision"));
    lw_catalogue_free(cat);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_names), cmocka_unit_test(test_configs),
                                       cmocka_unit_test(test_default)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
