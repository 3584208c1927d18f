/* Hugging Face config.json import: real config files (tests/data/hf/<model>/config.json) must
 * give the catalogue's architecture record for the same model; bad inputs give one-line errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

static void config_path(char *buf, size_t n, const char *dir)
{
    snprintf(buf, n, "%s/hf/%s/config.json", lw_test_data_dir(), dir);
}

static void import_or_fail(const char *path, const char *hint, lw_model_arch *m)
{
    lw_err err;
    if (lw_model_from_hf_config(path, hint, m, &err) != LW_OK)
        fail_msg("%s: %s", path, lw_err_message(&err));
}

/* Every architecture field must match the catalogue record (name, ids and provenance aside). */
static void assert_same_arch(const lw_model_arch *a, const lw_model_arch *c, const char *what)
{
#define SAME(f)                                                                                                 \
    do {                                                                                                        \
        if ((long)a->f != (long)c->f)                                                                           \
            fail_msg("%s: %s imported %ld, catalogue %ld", what, #f, (long)a->f, (long)c->f);                   \
    } while (0)
    SAME(layers); SAME(hidden_size); SAME(num_attention_heads); SAME(num_key_value_heads); SAME(head_dim);
    SAME(intermediate_size); SAME(ffn_matrices); SAME(vocab_size); SAME(tied_embeddings); SAME(attention_bias);
    SAME(num_experts); SAME(experts_per_token); SAME(num_shared_experts); SAME(moe_intermediate_size);
    SAME(shared_expert_intermediate_size); SAME(first_dense_layers); SAME(q_lora_rank); SAME(kv_lora_rank);
    SAME(qk_rope_head_dim); SAME(qk_nope_head_dim); SAME(v_head_dim); SAME(sliding_window);
    SAME(sliding_window_layers); SAME(max_context); SAME(native_precision);
#undef SAME
    if ((a->moe_layer_step > 1 ? a->moe_layer_step : 1) != (c->moe_layer_step > 1 ? c->moe_layer_step : 1))
        fail_msg("%s: moe_layer_step %d vs %d (0 and 1 both mean every layer)", what, a->moe_layer_step, c->moe_layer_step);
    if (strcmp(a->model_type, c->model_type) != 0 || strcmp(a->family, c->family) != 0)
        fail_msg("%s: type/family %s/%s vs catalogue %s/%s", what, a->model_type, a->family, c->model_type, c->family);
}

/* Real config files and the catalogue entry each must reproduce; `total` is the published or
 * hand-derived parameter count (0: checked through the catalogue comparison only). */
static const struct {
    const char *dir, *model;
    double total, active;
} real_configs[] = {
    /* Llama-3.1-8B: 8,030,261,248 (Hugging Face safetensors count; arithmetic in test_accounting.c) */
    {"llama-3.1-8b", "llama-3.1-8b", 8030261248.0, 8030261248.0},
    /* Llama-3.2-3B, tied: 28*(3072*3072*2 + 2*3072*1024 + 3*3072*8192 + 2*3072) + 3072 + 128256*3072 */
    {"llama-3.2-3b", "llama-3.2-3b", 28.0 * (3072.0 * 3072 * 2 + 2.0 * 3072 * 1024 + 3.0 * 3072 * 8192 + 2 * 3072) + 3072 + 128256.0 * 3072,
     0},
    /* Qwen2.5-7B: 7.61B per model card */
    {"qwen2.5-7b", "qwen2.5-7b", 7.61e9, 7.61e9},
    {"qwen2.5-14b", "qwen2.5-14b", 14.7e9, 14.7e9},
    {"qwen3-8b", "qwen3-8b", 8.2e9, 8.2e9},
    /* Qwen3-30B-A3B: 30.5B total, 3.3B activated */
    {"qwen3-30b-a3b", "qwen3-30b-a3b", 30.5e9, 3.3e9},
    /* Mixtral-8x7B: 46.7B total, 12.9B active (Mistral AI) */
    {"mixtral-8x7b", "mixtral-8x7b", 46.7e9, 12.9e9},
    /* Gemma-2-2B: 590,118,912 + 2,024,517,888 (Gemma 2 report, Table 2) */
    {"gemma-2-2b-it", "gemma-2-2b", 590118912.0 + 2024517888.0, 590118912.0 + 2024517888.0},
    /* DeepSeek-R1: 671B total, 37B activated */
    {"deepseek-r1", "deepseek-r1", 671e9, 37e9},
    /* Phi-3-mini: 3.8B; Phi-3-medium: 14B (Phi-3 report) */
    {"phi-3-mini-4k-instruct", "phi-3-mini", 3.8e9, 3.8e9},
    {"phi-3-medium-4k-instruct", "phi-3-medium", 14e9, 14e9},
    /* Mistral-7B-v0.1: 7.3B (Mistral AI announcement); no head_dim in the file: 4096 / 32 = 128 */
    {"mistral-7b-v0.1", "mistral-7b", 7.3e9, 7.3e9},
    /* gpt-oss-20b: 20.91B total, 3.61B active without the input embedding (model card Table 1);
     * llmwatt's active count includes it: + 201088 * 2880 */
    {"gpt-oss-20b", "gpt-oss-20b", 20.91e9, 3.61e9 + 201088.0 * 2880},
};

static void test_real_configs_match_catalogue(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    for (size_t i = 0; i < sizeof real_configs / sizeof real_configs[0]; i++) {
        char path[512];
        config_path(path, sizeof path, real_configs[i].dir);
        lw_model_arch m;
        import_or_fail(path, NULL, &m);
        const lw_model_arch *c = lw_test_model(cat, real_configs[i].model);
        assert_same_arch(&m, c, real_configs[i].dir);
        lw_param_counts pi, pc;
        assert_int_equal(lw_model_params(&m, &pi, NULL), LW_OK);
        assert_int_equal(lw_model_params(c, &pc, NULL), LW_OK);
        assert_rel(pi.total, pc.total, 0);
        assert_rel(pi.active, pc.active, 0);
        double tol = real_configs[i].active == 0 ? 1e-12 : 0.02;
        if (!(pi.total >= (1 - tol) * real_configs[i].total && pi.total <= (1 + tol) * real_configs[i].total))
            fail_msg("%s: total %.6g vs %.6g", real_configs[i].dir, pi.total, real_configs[i].total);
        if (real_configs[i].active > 0 && !(pi.active >= 0.98 * real_configs[i].active && pi.active <= 1.02 * real_configs[i].active))
            fail_msg("%s: active %.6g vs %.6g", real_configs[i].dir, pi.active, real_configs[i].active);
    }
    lw_catalogue_free(cat);
}

static void test_names_and_families(void **state)
{
    (void)state;
    char path[512];
    lw_model_arch m;
    config_path(path, sizeof path, "llama-3.1-8b");
    import_or_fail(path, NULL, &m);
    assert_string_equal(m.name, "config:llama");
    assert_string_equal(m.family, "llama3"); /* vocab 128256 */
    assert_non_null(strstr(m.source, path));
    import_or_fail(path, "my-llama", &m);
    assert_string_equal(m.name, "my-llama");
    config_path(path, sizeof path, "qwen2.5-7b");
    import_or_fail(path, NULL, &m);
    assert_true(m.attention_bias); /* Qwen2 always has q/k/v bias */
    assert_int_equal(m.head_dim, 3584 / 28); /* no head_dim in the file: hidden / heads */
    config_path(path, sizeof path, "gemma-2-2b-it");
    import_or_fail(path, NULL, &m);
    assert_true(m.tied_embeddings); /* Gemma ties by default; the file does not say */
    assert_int_equal(m.sliding_window_layers, 13); /* layers 0, 2, ..., 24 of 26 */
    config_path(path, sizeof path, "deepseek-r1");
    import_or_fail(path, NULL, &m);
    assert_int_equal(m.native_precision, LW_PREC_FP8); /* quantization_config wins over torch_dtype */
    assert_int_equal(m.first_dense_layers, 3);
}

/* Writes text to a fresh temporary file; the caller unlinks it. */
static void write_tmp(char *path, size_t n, const char *text)
{
    snprintf(path, n, "/tmp/lw_hfconfig_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    size_t len = strlen(text);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    close(fd);
}

static lw_status import_text(const char *text, lw_model_arch *m, lw_err *err)
{
    char path[64];
    write_tmp(path, sizeof path, text);
    lw_status st = lw_model_from_hf_config(path, NULL, m, err);
    unlink(path);
    return st;
}

/* Synthetic configs (not real files) for the nested and per-layer forms of three more families. */
static void test_nested_and_layer_forms(void **state)
{
    (void)state;
    lw_model_arch m;
    lw_err err;
    /* gemma3: text_config nested; 5:1 local:global -> 48 - 48/6 = 40 local layers */
    assert_int_equal(import_text("{\"model_type\":\"gemma3\",\"torch_dtype\":\"bfloat16\",\"text_config\":{"
                                 "\"model_type\":\"gemma3_text\",\"hidden_size\":3840,\"intermediate_size\":15360,"
                                 "\"num_hidden_layers\":48,\"num_attention_heads\":16,\"num_key_value_heads\":8,"
                                 "\"head_dim\":256,\"vocab_size\":262208,\"sliding_window\":1024,"
                                 "\"sliding_window_pattern\":6,\"max_position_embeddings\":131072}}",
                                 &m, &err),
                     LW_OK);
    assert_int_equal(m.layers, 48);
    assert_int_equal(m.sliding_window, 1024);
    assert_int_equal(m.sliding_window_layers, 40);
    assert_true(m.tied_embeddings);
    assert_string_equal(m.family, "gemma3");
    /* llama4: text_config, interleaved MoE, intermediate_size_mlp for the dense layers, chunked attention */
    assert_int_equal(import_text("{\"model_type\":\"llama4\",\"text_config\":{\"hidden_size\":5120,"
                                 "\"intermediate_size\":8192,\"intermediate_size_mlp\":16384,\"num_hidden_layers\":48,"
                                 "\"num_attention_heads\":40,\"num_key_value_heads\":8,\"head_dim\":128,"
                                 "\"vocab_size\":202048,\"num_local_experts\":128,\"num_experts_per_tok\":1,"
                                 "\"interleave_moe_layer_step\":2,\"attention_chunk_size\":8192,"
                                 "\"max_position_embeddings\":1048576,\"torch_dtype\":\"bfloat16\"}}",
                                 &m, &err),
                     LW_OK);
    assert_int_equal(m.moe_layer_step, 2);
    assert_int_equal(m.num_shared_experts, 1);
    assert_int_equal(m.moe_intermediate_size, 8192);
    assert_int_equal(m.intermediate_size, 16384);
    assert_int_equal(m.sliding_window_layers, 36); /* every 4th layer global (no_rope_layer_interval 4) */
    /* gpt_oss: layer_types list, mxfp4 quantization */
    assert_int_equal(import_text("{\"model_type\":\"gpt_oss\",\"hidden_size\":2880,\"intermediate_size\":2880,"
                                 "\"num_hidden_layers\":4,\"num_attention_heads\":64,\"num_key_value_heads\":8,"
                                 "\"head_dim\":64,\"vocab_size\":201088,\"num_local_experts\":32,"
                                 "\"experts_per_token\":4,\"attention_bias\":true,\"sliding_window\":128,"
                                 "\"layer_types\":[\"sliding_attention\",\"full_attention\",\"sliding_attention\","
                                 "\"full_attention\"],\"quantization_config\":{\"quant_method\":\"mxfp4\"}}",
                                 &m, &err),
                     LW_OK);
    assert_int_equal(m.experts_per_token, 4);
    assert_int_equal(m.sliding_window_layers, 2);
    assert_int_equal(m.native_precision, LW_PREC_MXFP4);
    assert_string_equal(m.family, "gpt-oss");
}

/* Gemma 3 configs name few keys: transformers' Gemma3TextConfig defaults fill the rest. The text is
 * the shape of google/gemma-3-27b-it's config.json (vision_config left out; no exact public copy of
 * the file was found, see tests/data/hf/README.md): no vocab_size, so 262208 applies. */
static void test_gemma3_class_defaults(void **state)
{
    (void)state;
    lw_model_arch m;
    lw_err err;
    const char *g27 = "{\"architectures\": [\"Gemma3ForConditionalGeneration\"], \"boi_token_index\": 255999,"
                      "\"eoi_token_index\": 256000, \"eos_token_id\": [1, 106], \"image_token_index\": 262144,"
                      "\"initializer_range\": 0.02, \"mm_tokens_per_image\": 256, \"model_type\": \"gemma3\","
                      "\"text_config\": {\"head_dim\": 128, \"hidden_size\": 5376, \"intermediate_size\": 21504,"
                      "\"model_type\": \"gemma3_text\", \"num_attention_heads\": 32, \"num_hidden_layers\": 62,"
                      "\"num_key_value_heads\": 16, \"query_pre_attn_scalar\": 168,"
                      "\"rope_scaling\": {\"factor\": 8.0, \"rope_type\": \"linear\"}, \"sliding_window\": 1024},"
                      "\"torch_dtype\": \"bfloat16\", \"transformers_version\": \"4.50.0.dev0\"}";
    if (import_text(g27, &m, &err) != LW_OK)
        fail_msg("gemma-3-27b-it shape: %s", lw_err_message(&err));
    assert_int_equal(m.vocab_size, 262208);    /* Gemma3TextConfig vocab_size=262_208 */
    assert_int_equal(m.max_context, 131072);   /* max_position_embeddings=131_072 */
    assert_int_equal(m.sliding_window_layers, 62 - 62 / 6); /* sliding_window_pattern=6: 52 local */
    assert_true(m.tied_embeddings);            /* tie_word_embeddings=True */
    assert_non_null(strstr(m.source, "transformers defaults for absent keys: vocab_size=262208"));
    lw_catalogue *cat = lw_test_catalogue();
    assert_same_arch(&m, lw_test_model(cat, "gemma-3-27b"), "gemma-3-27b-it shape");
    lw_catalogue_free(cat);
    /* The gemma-3-4b-it shape names no head counts at all: 8 heads, 4 KV heads, head_dim 256 apply.
     * Non-embedding parameters per layer: attention 2560 * (8*256 + 2*4*256 + 8*256) = 15,728,640 plus
     * the q/k RMSNorm scales 2 * 256, FFN 3 * 2560 * 10240 = 78,643,200; 34 layers = 3,208.7M, the
     * Gemma 3 report's 3,209M (Table 1). */
    assert_int_equal(import_text("{\"model_type\": \"gemma3\", \"torch_dtype\": \"bfloat16\", \"text_config\": {"
                                 "\"hidden_size\": 2560, \"intermediate_size\": 10240, \"model_type\": \"gemma3_text\","
                                 "\"num_hidden_layers\": 34, \"sliding_window\": 1024}}",
                                 &m, &err),
                     LW_OK);
    assert_int_equal(m.num_attention_heads, 8);
    assert_int_equal(m.num_key_value_heads, 4);
    assert_int_equal(m.head_dim, 256);
    lw_param_counts pc;
    assert_int_equal(lw_model_params(&m, &pc, NULL), LW_OK);
    assert_rel(pc.attention + pc.dense_ffn, 34.0 * (2560.0 * (8 * 256 + 2 * 4 * 256 + 8 * 256) + 2 * 256 + 3.0 * 2560 * 10240),
               1e-12);
    assert_rel(pc.attention + pc.dense_ffn, 3209e6, 0.001);
}

/* Every family: an absent key takes its transformers class default, a null keeps llmwatt's derived
 * value (transformers keeps the None), and a written value wins. */
static void test_class_defaults_other_families(void **state)
{
    (void)state;
    lw_model_arch m;
    lw_err err;
    /* LlamaConfig(): vocab 32000, hidden 4096, intermediate 11008, 32 layers, 32 heads, KV heads and
     * head_dim None -> 32 and 4096 / 32 = 128, max_position_embeddings 2048, untied: Llama-2-7B's shape */
    assert_int_equal(import_text("{\"model_type\": \"llama\"}", &m, &err), LW_OK);
    assert_int_equal(m.layers, 32);
    assert_int_equal(m.hidden_size, 4096);
    assert_int_equal(m.intermediate_size, 11008);
    assert_int_equal(m.vocab_size, 32000);
    assert_int_equal(m.num_key_value_heads, 32);
    assert_int_equal(m.head_dim, 128);
    assert_int_equal(m.max_context, 2048);
    assert_false(m.tied_embeddings);
    /* Qwen2MoeConfig(): the Qwen1.5-MoE-A2.7B shape: 60 experts, top-4, width 1408, shared 5632 */
    assert_int_equal(import_text("{\"model_type\": \"qwen2_moe\"}", &m, &err), LW_OK);
    assert_int_equal(m.num_experts, 60);
    assert_int_equal(m.experts_per_token, 4);
    assert_int_equal(m.moe_intermediate_size, 1408);
    assert_int_equal(m.shared_expert_intermediate_size, 5632);
    assert_int_equal(m.num_shared_experts, 1);
    assert_int_equal(m.sliding_window, 0); /* use_sliding_window=False */
    /* MistralConfig: num_key_value_heads=8, sliding_window=4096 on every layer */
    assert_int_equal(import_text("{\"model_type\": \"mistral\", \"num_hidden_layers\": 2}", &m, &err), LW_OK);
    assert_int_equal(m.num_key_value_heads, 8);
    assert_int_equal(m.sliding_window, 4096);
    assert_int_equal(m.sliding_window_layers, 2);
    /* ... but "sliding_window": null is an explicit None: no window */
    assert_int_equal(import_text("{\"model_type\": \"mistral\", \"sliding_window\": null}", &m, &err), LW_OK);
    assert_int_equal(m.sliding_window, 0);
    /* GptOssConfig: attention_bias=True, num_experts_per_tok=4, 128 experts, 36 layers alternating */
    assert_int_equal(import_text("{\"model_type\": \"gpt_oss\"}", &m, &err), LW_OK);
    assert_true(m.attention_bias);
    assert_int_equal(m.experts_per_token, 4);
    assert_int_equal(m.num_experts, 128);
    assert_int_equal(m.sliding_window_layers, 18);
    /* DeepseekV3Config: q_lora_rank=1536 when absent; DeepSeek-V2-Lite style null means no q LoRA */
    assert_int_equal(import_text("{\"model_type\": \"deepseek_v3\", \"num_hidden_layers\": 4}", &m, &err), LW_OK);
    assert_int_equal(m.q_lora_rank, 1536);
    assert_int_equal(m.kv_lora_rank, 512);
    assert_int_equal(m.num_experts, 256);
    assert_int_equal(m.first_dense_layers, 3);
    assert_int_equal(import_text("{\"model_type\": \"deepseek_v3\", \"num_hidden_layers\": 4, \"q_lora_rank\": null}", &m,
                                 &err),
                     LW_OK);
    assert_int_equal(m.q_lora_rank, 0);
    /* Llama4TextConfig: attention_chunk_size 8192 on the RoPE layers (3 of every 4), one shared expert */
    assert_int_equal(import_text("{\"model_type\": \"llama4\", \"text_config\": {}}", &m, &err), LW_OK);
    assert_int_equal(m.num_experts, 16);
    assert_int_equal(m.sliding_window, 8192);
    assert_int_equal(m.sliding_window_layers, 48 - 48 / 4);
    /* Phi3Config: vocab 32064, 32 layers of 3072, KV heads = heads */
    assert_int_equal(import_text("{\"model_type\": \"phi3\"}", &m, &err), LW_OK);
    assert_int_equal(m.vocab_size, 32064);
    assert_int_equal(m.num_key_value_heads, 32);
    assert_int_equal(m.head_dim, 3072 / 32);
}

static void test_error_paths(void **state)
{
    (void)state;
    lw_model_arch m;
    lw_err err;
    /* unsupported model_type: named, with the supported list */
    assert_int_equal(import_text("{\"model_type\":\"bert\",\"hidden_size\":768}", &m, &err), LW_ERR_UNSUPPORTED);
    assert_non_null(strstr(lw_err_message(&err), "model_type 'bert' is not supported (supported: llama, mistral"));
    assert_null(strchr(lw_err_message(&err), '\n'));
    /* a present key with the wrong kind of value: named (a class default never hides it) */
    assert_int_equal(import_text("{\"model_type\":\"mixtral\",\"num_local_experts\":\"eight\"}", &m, &err), LW_ERR_PARSE);
    assert_non_null(strstr(lw_err_message(&err), "\"num_local_experts\" must be a non-negative integer"));
    /* no model_type at all */
    assert_int_equal(import_text("{\"hidden_size\":4096}", &m, &err), LW_ERR_PARSE);
    assert_non_null(strstr(lw_err_message(&err), "missing required field \"model_type\""));
    /* wrong type of value */
    assert_int_equal(import_text("{\"model_type\":\"llama\",\"num_hidden_layers\":\"32\"}", &m, &err), LW_ERR_PARSE);
    assert_non_null(strstr(lw_err_message(&err), "\"num_hidden_layers\" must be a non-negative integer"));
    /* inconsistent record: kv heads not dividing heads */
    assert_int_equal(import_text("{\"model_type\":\"llama\",\"hidden_size\":4096,\"num_attention_heads\":32,"
                                 "\"num_key_value_heads\":5,\"num_hidden_layers\":2,\"intermediate_size\":128,"
                                 "\"vocab_size\":100}",
                                 &m, &err),
                     LW_ERR_PARSE);
    assert_non_null(strstr(lw_err_message(&err), "num_key_value_heads (5)"));
    /* not JSON; JSON but not an object */
    assert_int_equal(import_text("model_type = llama\n", &m, &err), LW_ERR_PARSE);
    assert_non_null(strstr(lw_err_message(&err), "not valid JSON (line 1"));
    assert_int_equal(import_text("[1, 2]", &m, &err), LW_ERR_PARSE);
    assert_non_null(strstr(lw_err_message(&err), "must be a JSON object"));
    /* a directory, a missing file */
    char dir[512];
    snprintf(dir, sizeof dir, "%s/hf/llama-3.1-8b", lw_test_data_dir());
    assert_int_equal(lw_model_from_hf_config(dir, NULL, &m, &err), LW_ERR_IO);
    assert_non_null(strstr(lw_err_message(&err), "is a directory: give the config.json inside it"));
    assert_int_equal(lw_model_from_hf_config("/nonexistent/config.json", NULL, &m, &err), LW_ERR_NOT_FOUND);
    assert_non_null(strstr(lw_err_message(&err), "/nonexistent/config.json: no such file"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_configs_match_catalogue),
        cmocka_unit_test(test_names_and_families),
        cmocka_unit_test(test_nested_and_layer_forms),
        cmocka_unit_test(test_gemma3_class_defaults),
        cmocka_unit_test(test_class_defaults_other_families),
        cmocka_unit_test(test_error_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
