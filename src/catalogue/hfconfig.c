/* Hugging Face config.json import: builds an lw_model_arch from the fields each model family
 * uses (see docs/models.md for the field map). */
#include "llmwatt/model.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/util.h"

typedef enum {
    FAM_LLAMA, FAM_MISTRAL, FAM_MIXTRAL, FAM_QWEN2, FAM_QWEN2_MOE, FAM_QWEN3, FAM_QWEN3_MOE, FAM_GEMMA2,
    FAM_GEMMA3, FAM_GEMMA3_TEXT, FAM_DEEPSEEK_V3, FAM_GPT_OSS, FAM_PHI3, FAM_LLAMA4
} hf_kind;

static const struct {
    const char *model_type;
    hf_kind kind;
} hf_types[] = {
    {"llama", FAM_LLAMA},         {"mistral", FAM_MISTRAL},         {"mixtral", FAM_MIXTRAL},
    {"qwen2", FAM_QWEN2},         {"qwen2_moe", FAM_QWEN2_MOE},     {"qwen3", FAM_QWEN3},
    {"qwen3_moe", FAM_QWEN3_MOE}, {"gemma2", FAM_GEMMA2},           {"gemma3", FAM_GEMMA3},
    {"gemma3_text", FAM_GEMMA3_TEXT}, {"deepseek_v3", FAM_DEEPSEEK_V3}, {"gpt_oss", FAM_GPT_OSS},
    {"phi3", FAM_PHI3},           {"llama4", FAM_LLAMA4},
};
#define N_HF_TYPES (sizeof hf_types / sizeof hf_types[0])

/* Defaults that transformers' config classes apply when a key is absent from config.json, per
 * model_type, read from huggingface/transformers src/transformers/models/<type>/configuration_<type>.py:
 * LlamaConfig, MixtralConfig, Qwen2Config, Qwen2MoeConfig, Qwen3Config, Qwen3MoeConfig, Gemma2Config,
 * Phi3Config, Llama4TextConfig at commit 008e574391258935f3ecc3035c882e73bbcac419; MistralConfig and
 * DeepseekV3Config at 001f85b38fb432858ace93f18622f07cec46d874; GptOssConfig at
 * 02b8f42b4240dddea1b27c45d2dc95fb2682f841; Gemma3TextConfig (used for gemma3's text_config and for
 * gemma3_text) at d98ac17cc00f337eeee9a1e2380072dc8cafabd4. HF_NONE: the class default is None, so
 * the derived value applies (num_key_value_heads = heads, head_dim = hidden / heads, no window).
 * A key the class has no default for is not listed; booleans are 0/1. */
#define HF_NONE (-1)
typedef struct {
    const char *key;
    int value;
} hf_default;

#define END {NULL, 0}
static const hf_default dflt_llama[] = {
    {"vocab_size", 32000}, {"hidden_size", 4096}, {"intermediate_size", 11008}, {"num_hidden_layers", 32},
    {"num_attention_heads", 32}, {"num_key_value_heads", HF_NONE}, {"head_dim", HF_NONE},
    {"max_position_embeddings", 2048}, {"tie_word_embeddings", 0}, {"attention_bias", 0}, END};
static const hf_default dflt_mistral[] = {
    {"vocab_size", 32000}, {"hidden_size", 4096}, {"intermediate_size", 14336}, {"num_hidden_layers", 32},
    {"num_attention_heads", 32}, {"num_key_value_heads", 8}, {"head_dim", HF_NONE},
    {"max_position_embeddings", 4096 * 32}, {"tie_word_embeddings", 0}, {"sliding_window", 4096}, END};
static const hf_default dflt_mixtral[] = {
    {"vocab_size", 32000}, {"hidden_size", 4096}, {"intermediate_size", 14336}, {"num_hidden_layers", 32},
    {"num_attention_heads", 32}, {"num_key_value_heads", 8}, {"head_dim", HF_NONE},
    {"max_position_embeddings", 4096 * 32}, {"tie_word_embeddings", 0}, {"sliding_window", HF_NONE},
    {"num_experts_per_tok", 2}, {"num_local_experts", 8}, END};
static const hf_default dflt_qwen2[] = {
    {"vocab_size", 151936}, {"hidden_size", 4096}, {"intermediate_size", 22016}, {"num_hidden_layers", 32},
    {"num_attention_heads", 32}, {"num_key_value_heads", 32}, {"max_position_embeddings", 32768},
    {"tie_word_embeddings", 0}, {"use_sliding_window", 0}, {"sliding_window", 4096}, {"max_window_layers", 28}, END};
static const hf_default dflt_qwen2_moe[] = {
    {"vocab_size", 151936}, {"hidden_size", 2048}, {"intermediate_size", 5632}, {"num_hidden_layers", 24},
    {"num_attention_heads", 16}, {"num_key_value_heads", 16}, {"max_position_embeddings", 32768},
    {"tie_word_embeddings", 0}, {"use_sliding_window", 0}, {"sliding_window", 4096}, {"max_window_layers", 28},
    {"decoder_sparse_step", 1}, {"moe_intermediate_size", 1408}, {"shared_expert_intermediate_size", 5632},
    {"num_experts_per_tok", 4}, {"num_experts", 60}, END};
static const hf_default dflt_qwen3[] = {
    {"vocab_size", 151936}, {"hidden_size", 4096}, {"intermediate_size", 22016}, {"num_hidden_layers", 32},
    {"num_attention_heads", 32}, {"num_key_value_heads", 32}, {"head_dim", 128}, {"max_position_embeddings", 32768},
    {"tie_word_embeddings", 0}, {"attention_bias", 0}, {"use_sliding_window", 0}, {"sliding_window", 4096},
    {"max_window_layers", 28}, END};
static const hf_default dflt_qwen3_moe[] = {
    {"vocab_size", 151936}, {"hidden_size", 2048}, {"intermediate_size", 6144}, {"num_hidden_layers", 24},
    {"num_attention_heads", 32}, {"num_key_value_heads", 4}, {"max_position_embeddings", 32768},
    {"tie_word_embeddings", 0}, {"attention_bias", 0}, {"use_sliding_window", 0}, {"sliding_window", 4096},
    {"decoder_sparse_step", 1}, {"moe_intermediate_size", 768}, {"num_experts_per_tok", 8}, {"num_experts", 128}, END};
static const hf_default dflt_gemma2[] = {
    {"vocab_size", 256000}, {"hidden_size", 2304}, {"intermediate_size", 9216}, {"num_hidden_layers", 26},
    {"num_attention_heads", 8}, {"num_key_value_heads", 4}, {"head_dim", 256}, {"max_position_embeddings", 8192},
    {"tie_word_embeddings", 1}, {"attention_bias", 0}, {"sliding_window", 4096}, END};
static const hf_default dflt_gemma3_text[] = {
    {"vocab_size", 262208}, {"hidden_size", 2304}, {"intermediate_size", 9216}, {"num_hidden_layers", 26},
    {"num_attention_heads", 8}, {"num_key_value_heads", 4}, {"head_dim", 256}, {"max_position_embeddings", 131072},
    {"tie_word_embeddings", 1}, {"attention_bias", 0}, {"sliding_window", 4096}, {"sliding_window_pattern", 6}, END};
static const hf_default dflt_deepseek_v3[] = {
    {"vocab_size", 129280}, {"hidden_size", 7168}, {"intermediate_size", 18432}, {"moe_intermediate_size", 2048},
    {"num_hidden_layers", 61}, {"num_attention_heads", 128}, {"num_key_value_heads", 128}, {"n_shared_experts", 1},
    {"n_routed_experts", 256}, {"kv_lora_rank", 512}, {"q_lora_rank", 1536}, {"qk_rope_head_dim", 64},
    {"v_head_dim", 128}, {"qk_nope_head_dim", 128}, {"num_experts_per_tok", 8}, {"first_k_dense_replace", 3},
    {"max_position_embeddings", 4096}, {"tie_word_embeddings", 0}, {"attention_bias", 0}, END};
static const hf_default dflt_gpt_oss[] = {
    {"num_hidden_layers", 36}, {"num_local_experts", 128}, {"vocab_size", 201088}, {"hidden_size", 2880},
    {"intermediate_size", 2880}, {"head_dim", 64}, {"num_attention_heads", 64}, {"num_key_value_heads", 8},
    {"sliding_window", 128}, {"tie_word_embeddings", 0}, {"max_position_embeddings", 131072},
    {"num_experts_per_tok", 4}, {"attention_bias", 1}, END};
static const hf_default dflt_phi3[] = {
    {"vocab_size", 32064}, {"hidden_size", 3072}, {"intermediate_size", 8192}, {"num_hidden_layers", 32},
    {"num_attention_heads", 32}, {"num_key_value_heads", HF_NONE}, {"max_position_embeddings", 4096},
    {"tie_word_embeddings", 0}, {"sliding_window", HF_NONE}, END};
static const hf_default dflt_llama4_text[] = {
    {"vocab_size", 202048}, {"hidden_size", 5120}, {"intermediate_size", 8192}, {"intermediate_size_mlp", 16384},
    {"num_hidden_layers", 48}, {"num_attention_heads", 40}, {"num_key_value_heads", 8}, {"head_dim", 128},
    {"max_position_embeddings", 4096 * 32}, {"tie_word_embeddings", 0}, {"num_experts_per_tok", 1},
    {"num_local_experts", 16}, {"interleave_moe_layer_step", 1}, {"no_rope_layer_interval", 4},
    {"attention_chunk_size", 8192}, {"attention_bias", 0}, END};
#undef END

static const hf_default *defaults_of(hf_kind k)
{
    switch (k) {
    case FAM_LLAMA: return dflt_llama;
    case FAM_MISTRAL: return dflt_mistral;
    case FAM_MIXTRAL: return dflt_mixtral;
    case FAM_QWEN2: return dflt_qwen2;
    case FAM_QWEN2_MOE: return dflt_qwen2_moe;
    case FAM_QWEN3: return dflt_qwen3;
    case FAM_QWEN3_MOE: return dflt_qwen3_moe;
    case FAM_GEMMA2: return dflt_gemma2;
    case FAM_GEMMA3:
    case FAM_GEMMA3_TEXT: return dflt_gemma3_text;
    case FAM_DEEPSEEK_V3: return dflt_deepseek_v3;
    case FAM_GPT_OSS: return dflt_gpt_oss;
    case FAM_PHI3: return dflt_phi3;
    case FAM_LLAMA4: return dflt_llama4_text;
    }
    return NULL;
}

/* Parsing context: cfg is the object holding the architecture (text_config for multimodal
 * checkpoints), root the whole file (dtype and quantization may sit at either level); defaults
 * the model_type's transformers defaults; applied lists the keys that took one. */
typedef struct {
    const char *path;
    const char *type;
    json_t *root;
    json_t *cfg;
    const hf_default *defaults;
    char applied[1024]; /* every defaulted key: at most ~20 keys of ~40 characters */
    lw_err *err;
} hf_ctx;

/* The source note with the defaulted keys: whole keys only; when they do not all fit in the
 * record's source, the last ones give way to "and N more" (never a key cut in the middle). */
static void source_with_defaults(const hf_ctx *c, lw_model_arch *m)
{
    char keys[sizeof c->applied], more[32] = "";
    lw_strlcpy(keys, c->applied, sizeof keys);
    for (int dropped = 0;; dropped++) {
        if (dropped)
            snprintf(more, sizeof more, " and %d more", dropped);
        int n = snprintf(m->source, sizeof m->source,
                         "imported from %s (Hugging Face config.json, model_type %s; transformers defaults for absent keys: %s%s)",
                         c->path, c->type, keys, more);
        char *last = strrchr(keys, ',');
        if (n >= 0 && (size_t)n < sizeof m->source)
            return;
        if (!last)
            return; /* a path too long for the record: cut as before */
        *last = '\0';
    }
}

/* A key of cfg, falling back to root; JSON null counts as absent. */
static json_t *field(const hf_ctx *c, const char *key)
{
    json_t *v = json_object_get(c->cfg, key);
    if ((!v || json_is_null(v)) && c->cfg != c->root)
        v = json_object_get(c->root, key);
    return json_is_null(v) ? NULL : v;
}

/* True when the key is written in the file at all, JSON null included (null is an explicit None:
 * transformers keeps it, so no class default applies). */
static bool written(const hf_ctx *c, const char *key)
{
    return json_object_get(c->cfg, key) || (c->cfg != c->root && json_object_get(c->root, key));
}

/* For a key absent from the file: the class default (HF_NONE when it is None); false if the class
 * has none. Records the key in c->applied. */
static bool class_default(hf_ctx *c, const char *key, int *value)
{
    for (const hf_default *d = c->defaults; d && d->key; d++) {
        if (strcmp(d->key, key) == 0) {
            *value = d->value;
            if (d->value != HF_NONE) {
                size_t len = strlen(c->applied);
                snprintf(c->applied + len, sizeof c->applied - len, "%s%s=%d", len ? ", " : "", key, d->value);
            }
            return true;
        }
    }
    return false;
}

/* Reads a non-negative integer field (integral reals such as 4096.0 accepted). An absent key takes
 * the model_type's transformers default; when that is None, or the key is written as null, *out
 * keeps the caller's derived value. An absent key without a class default is an error when
 * required (llmwatt cannot derive it), else *out keeps its value. */
static lw_status get_int(hf_ctx *c, const char *key, bool required, int *out)
{
    json_t *v = field(c, key);
    if (!v) {
        int d;
        if (written(c, key))
            return LW_OK;
        if (class_default(c, key, &d)) {
            if (d != HF_NONE)
                *out = d;
            return LW_OK;
        }
        if (required)
            return lw_fail(c->err, LW_ERR_PARSE, "%s: missing required field \"%s\" for model_type '%s' (transformers "
                           "has no default for it)", c->path, key, c->type);
        return LW_OK;
    }
    double d = json_is_integer(v) ? (double)json_integer_value(v) : json_is_real(v) ? json_real_value(v) : -1.0;
    if (!json_is_number(v) || d < 0 || d > 1e8 || d != floor(d))
        return lw_fail(c->err, LW_ERR_PARSE, "%s: field \"%s\" must be a non-negative integer", c->path, key);
    *out = (int)d;
    return LW_OK;
}

/* A boolean field; absent: the class default, else dflt (what the modelling code hard-wires). */
static bool get_bool(hf_ctx *c, const char *key, bool dflt)
{
    json_t *v = field(c, key);
    if (json_is_boolean(v))
        return json_is_true(v);
    int d;
    if (!written(c, key) && class_default(c, key, &d) && d != HF_NONE)
        return d != 0;
    return dflt;
}

/* Number of entries of the array field `key` equal to one of the two names; -1 if no such array. */
static int count_layers(const hf_ctx *c, const char *key, const char *a, const char *b)
{
    json_t *arr = field(c, key);
    if (!json_is_array(arr))
        return -1;
    int n = 0;
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        if (json_is_string(v) && (strcmp(json_string_value(v), a) == 0 || (b && strcmp(json_string_value(v), b) == 0)))
            n++;
    }
    return n;
}

/* Number of non-zero integers in the array field `key`; -1 if no such array. */
static int count_nonzero(const hf_ctx *c, const char *key)
{
    json_t *arr = field(c, key);
    if (!json_is_array(arr))
        return -1;
    int n = 0;
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        if (json_is_integer(v) && json_integer_value(v) != 0)
            n++;
    }
    return n;
}

static lw_status read_precision(hf_ctx *c, lw_model_arch *m)
{
    m->native_precision = LW_PREC_BF16;
    json_t *q = field(c, "quantization_config");
    const char *qm = json_string_value(json_object_get(q, "quant_method"));
    if (qm) {
        json_int_t bits = json_integer_value(json_object_get(q, "bits"));
        if (strcmp(qm, "fp8") == 0)
            m->native_precision = LW_PREC_FP8;
        else if (strcmp(qm, "mxfp4") == 0)
            m->native_precision = LW_PREC_MXFP4;
        else if (bits == 4)
            m->native_precision = LW_PREC_INT4;
        else if (bits == 8)
            m->native_precision = LW_PREC_INT8;
        if (strcmp(qm, "fp8") == 0 || strcmp(qm, "mxfp4") == 0 || bits == 4 || bits == 8)
            return LW_OK;
    }
    json_t *dt = field(c, "torch_dtype");
    if (!dt)
        dt = field(c, "dtype");
    if (!json_is_string(dt))
        return LW_OK;
    lw_err e2;
    if (lw_precision_parse(json_string_value(dt), &m->native_precision, &e2) != LW_OK)
        return lw_fail(c->err, LW_ERR_PARSE, "%s: field \"torch_dtype\": %s", c->path, lw_err_message(&e2));
    return LW_OK;
}

static const char *family_of(hf_kind k, const lw_model_arch *m)
{
    switch (k) {
    case FAM_LLAMA: return m->vocab_size >= 128000 ? "llama3" : "llama2";
    case FAM_MISTRAL: return "mistral";
    case FAM_MIXTRAL: return "mixtral";
    case FAM_QWEN2:
    case FAM_QWEN2_MOE: return "qwen2.5";
    case FAM_QWEN3:
    case FAM_QWEN3_MOE: return "qwen3";
    case FAM_GEMMA2: return "gemma2";
    case FAM_GEMMA3:
    case FAM_GEMMA3_TEXT: return "gemma3";
    case FAM_DEEPSEEK_V3: return "deepseek-v3";
    case FAM_GPT_OSS: return "gpt-oss";
    case FAM_PHI3: return m->vocab_size >= 100000 ? "phi4" : "phi3";
    case FAM_LLAMA4: return "llama4";
    }
    return "";
}

/* Mixture-of-experts fields, by family. */
static lw_status read_moe(hf_ctx *c, hf_kind k, lw_model_arch *m)
{
    lw_status st = LW_OK;
    switch (k) {
    case FAM_MIXTRAL:
    case FAM_GPT_OSS:
    case FAM_LLAMA4:
        if ((st = get_int(c, "num_local_experts", true, &m->num_experts)) != LW_OK)
            return st;
        if (k == FAM_GPT_OSS && !field(c, "num_experts_per_tok") && field(c, "experts_per_token"))
            st = get_int(c, "experts_per_token", true, &m->experts_per_token); /* the original gpt-oss key */
        else
            st = get_int(c, "num_experts_per_tok", true, &m->experts_per_token);
        if (st != LW_OK)
            return st;
        m->moe_intermediate_size = m->intermediate_size;
        if (k == FAM_LLAMA4) {
            m->num_shared_experts = 1;
            m->moe_layer_step = 1;
            if ((st = get_int(c, "intermediate_size_mlp", true, &m->intermediate_size)) != LW_OK ||
                (st = get_int(c, "interleave_moe_layer_step", false, &m->moe_layer_step)) != LW_OK)
                return st;
        }
        return LW_OK;
    case FAM_QWEN2_MOE:
    case FAM_QWEN3_MOE: {
        int step = 1;
        if ((st = get_int(c, "num_experts", true, &m->num_experts)) != LW_OK ||
            (st = get_int(c, "num_experts_per_tok", true, &m->experts_per_token)) != LW_OK ||
            (st = get_int(c, "moe_intermediate_size", true, &m->moe_intermediate_size)) != LW_OK ||
            (st = get_int(c, "decoder_sparse_step", false, &step)) != LW_OK)
            return st;
        m->moe_layer_step = step;
        if (k == FAM_QWEN2_MOE) {
            if ((st = get_int(c, "shared_expert_intermediate_size", false, &m->shared_expert_intermediate_size)) != LW_OK)
                return st;
            m->num_shared_experts = m->shared_expert_intermediate_size > 0 ? 1 : 0;
        }
        /* mlp_only_layers: dense layers; representable only as a leading run 0..n-1 */
        json_t *only = field(c, "mlp_only_layers");
        size_t i;
        json_t *v;
        json_array_foreach(only, i, v)
        {
            if (!json_is_integer(v) || json_integer_value(v) != (json_int_t)i)
                return lw_fail(c->err, LW_ERR_UNSUPPORTED,
                               "%s: field \"mlp_only_layers\" must list leading layers 0, 1, 2, ... (llmwatt records dense "
                               "layers as a leading run)", c->path);
            m->first_dense_layers = (int)i + 1;
        }
        return LW_OK;
    }
    case FAM_DEEPSEEK_V3: {
        int freq = 1;
        if ((st = get_int(c, "n_routed_experts", true, &m->num_experts)) != LW_OK ||
            (st = get_int(c, "num_experts_per_tok", true, &m->experts_per_token)) != LW_OK ||
            (st = get_int(c, "n_shared_experts", false, &m->num_shared_experts)) != LW_OK ||
            (st = get_int(c, "moe_intermediate_size", true, &m->moe_intermediate_size)) != LW_OK ||
            (st = get_int(c, "first_k_dense_replace", false, &m->first_dense_layers)) != LW_OK ||
            (st = get_int(c, "moe_layer_freq", false, &freq)) != LW_OK)
            return st;
        if (freq != 1)
            return lw_fail(c->err, LW_ERR_UNSUPPORTED, "%s: field \"moe_layer_freq\" = %d is not supported (only 1)",
                           c->path, freq);
        if ((st = get_int(c, "q_lora_rank", false, &m->q_lora_rank)) != LW_OK ||
            (st = get_int(c, "kv_lora_rank", true, &m->kv_lora_rank)) != LW_OK ||
            (st = get_int(c, "qk_rope_head_dim", true, &m->qk_rope_head_dim)) != LW_OK ||
            (st = get_int(c, "qk_nope_head_dim", true, &m->qk_nope_head_dim)) != LW_OK ||
            (st = get_int(c, "v_head_dim", true, &m->v_head_dim)) != LW_OK)
            return st;
        m->head_dim = m->v_head_dim; /* MLA: head_dim records v_head_dim (unused by the derivation) */
        return LW_OK;
    }
    default:
        return LW_OK;
    }
}

/* Sliding-window (or chunked) attention layers, by family. */
static lw_status read_sliding(hf_ctx *c, hf_kind k, lw_model_arch *m)
{
    const int L = m->layers;
    int w = 0, n = -1;
    lw_status st;
    switch (k) {
    case FAM_MISTRAL:
    case FAM_MIXTRAL:
    case FAM_PHI3:
        if ((st = get_int(c, "sliding_window", false, &w)) != LW_OK)
            return st;
        n = L;
        break;
    case FAM_QWEN2:
    case FAM_QWEN2_MOE:
    case FAM_QWEN3:
    case FAM_QWEN3_MOE:
        if (get_bool(c, "use_sliding_window", false)) {
            int from = 0;
            if ((st = get_int(c, "sliding_window", true, &w)) != LW_OK ||
                (st = get_int(c, "max_window_layers", false, &from)) != LW_OK)
                return st;
            n = from < L ? L - from : 0; /* layers >= max_window_layers use the window */
        }
        break;
    case FAM_GEMMA2:
    case FAM_GEMMA3:
    case FAM_GEMMA3_TEXT:
    case FAM_GPT_OSS: {
        w = k == FAM_GPT_OSS ? 128 : 4096;
        if ((st = get_int(c, "sliding_window", false, &w)) != LW_OK)
            return st;
        n = count_layers(c, "layer_types", "sliding_attention", NULL);
        if (n < 0 && (k == FAM_GEMMA2 || k == FAM_GPT_OSS))
            n = (L + 1) / 2; /* layers 0, 2, 4, ... are local */
        if (n < 0) {
            int pattern = 6;
            if ((st = get_int(c, "sliding_window_pattern", false, &pattern)) != LW_OK)
                return st;
            n = pattern > 0 ? L - L / pattern : 0; /* every pattern-th layer is global */
        }
        break;
    }
    case FAM_LLAMA4:
        if ((st = get_int(c, "attention_chunk_size", false, &w)) != LW_OK)
            return st;
        n = count_layers(c, "layer_types", "chunked_attention", "sliding_attention");
        if (n < 0)
            n = count_nonzero(c, "no_rope_layers"); /* 1: RoPE layer with chunked attention */
        if (n < 0) {
            int interval = 4;
            if ((st = get_int(c, "no_rope_layer_interval", false, &interval)) != LW_OK)
                return st;
            n = interval > 0 ? L - L / interval : 0;
        }
        break;
    default:
        break;
    }
    if (w > 0 && n > 0) {
        m->sliding_window = w;
        m->sliding_window_layers = n < L ? n : L;
    }
    return LW_OK;
}

static lw_status parse_config(hf_ctx *c, const char *name_hint, lw_model_arch *m)
{
    json_t *mt = json_object_get(c->root, "model_type");
    if (!json_is_string(mt))
        return lw_fail(c->err, LW_ERR_PARSE, "%s: missing required field \"model_type\" (is this a Hugging Face config.json?)",
                       c->path);
    c->type = json_string_value(mt);
    size_t t;
    for (t = 0; t < N_HF_TYPES && strcmp(hf_types[t].model_type, c->type) != 0; t++)
        ;
    if (t == N_HF_TYPES) {
        char list[256] = "";
        for (size_t i = 0; i < N_HF_TYPES; i++) {
            size_t len = strlen(list);
            snprintf(list + len, sizeof list - len, "%s%s", i ? ", " : "", hf_types[i].model_type);
        }
        return lw_fail(c->err, LW_ERR_UNSUPPORTED, "%s: model_type '%s' is not supported (supported: %s)", c->path, c->type,
                       list);
    }
    const hf_kind k = hf_types[t].kind;
    c->defaults = defaults_of(k);
    json_t *text = json_object_get(c->root, "text_config");
    if ((k == FAM_GEMMA3 || k == FAM_LLAMA4) && json_is_object(text))
        c->cfg = text;

    memset(m, 0, sizeof *m);
    m->ffn_matrices = 3;
    lw_status st;
    if ((st = get_int(c, "num_hidden_layers", true, &m->layers)) != LW_OK ||
        (st = get_int(c, "hidden_size", true, &m->hidden_size)) != LW_OK ||
        (st = get_int(c, "num_attention_heads", true, &m->num_attention_heads)) != LW_OK ||
        (st = get_int(c, "intermediate_size", true, &m->intermediate_size)) != LW_OK ||
        (st = get_int(c, "vocab_size", true, &m->vocab_size)) != LW_OK ||
        (st = get_int(c, "max_position_embeddings", false, &m->max_context)) != LW_OK)
        return st;
    if (m->layers == 0 || m->hidden_size == 0 || m->num_attention_heads == 0)
        return lw_fail(c->err, LW_ERR_PARSE, "%s: num_hidden_layers, hidden_size and num_attention_heads must be > 0", c->path);
    m->num_key_value_heads = m->num_attention_heads;
    m->head_dim = m->hidden_size / m->num_attention_heads;
    if ((st = get_int(c, "num_key_value_heads", false, &m->num_key_value_heads)) != LW_OK ||
        (st = get_int(c, "head_dim", false, &m->head_dim)) != LW_OK)
        return st;
    /* tie_word_embeddings and attention_bias are in every class's defaults except mistral, mixtral,
     * qwen2(_moe) and phi3 for attention_bias: their modelling code has no q/k/v bias switch (qwen2:
     * always biased, the others never). */
    m->tied_embeddings = get_bool(c, "tie_word_embeddings", false);
    m->attention_bias = (k == FAM_QWEN2 || k == FAM_QWEN2_MOE) ? true : get_bool(c, "attention_bias", false);
    if ((st = read_moe(c, k, m)) != LW_OK || (st = read_sliding(c, k, m)) != LW_OK || (st = read_precision(c, m)) != LW_OK)
        return st;

    lw_strlcpy(m->model_type, c->type, sizeof m->model_type);
    lw_strlcpy(m->family, family_of(k, m), sizeof m->family);
    if (name_hint && *name_hint)
        lw_strlcpy(m->name, name_hint, sizeof m->name);
    else
        snprintf(m->name, sizeof m->name, "config:%s", c->type);
    if (c->applied[0])
        source_with_defaults(c, m);
    else
        snprintf(m->source, sizeof m->source, "imported from %s (Hugging Face config.json, model_type %s)", c->path,
                 c->type);
    lw_err e2;
    if (lw_model_validate(m, &e2) != LW_OK)
        return lw_fail(c->err, LW_ERR_PARSE, "%s: %s", c->path, lw_err_message(&e2));
    return LW_OK;
}

lw_status lw_model_from_hf_config(const char *path, const char *name_hint, lw_model_arch *out, lw_err *err)
{
    if (!path || !*path)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "empty config.json path");
    struct stat sb;
    if (stat(path, &sb) != 0) {
        if (errno == ENOENT)
            return lw_fail(err, LW_ERR_NOT_FOUND, "%s: no such file (give the path of a Hugging Face config.json)", path);
        return lw_fail(err, LW_ERR_IO, "%s: %s", path, strerror(errno));
    }
    if (S_ISDIR(sb.st_mode))
        return lw_fail(err, LW_ERR_IO, "%s is a directory: give the config.json inside it", path);
    char *data;
    size_t len;
    lw_status st = lw_file_read_capped(path, LW_CAP_SMALL_BYTES, "a config.json", &data, &len, err);
    if (st != LW_OK)
        return st;
    json_error_t je;
    json_t *root = json_loadb(data, len, 0, &je);
    free(data);
    if (!root)
        return lw_fail(err, LW_ERR_PARSE, "%s: not valid JSON (line %d: %s)", path, je.line, je.text);
    if (!json_is_object(root)) {
        json_decref(root);
        return lw_fail(err, LW_ERR_PARSE, "%s: a config.json must be a JSON object", path);
    }
    hf_ctx c = {path, "", root, root, NULL, "", err};
    lw_model_arch m;
    st = parse_config(&c, name_hint, &m);
    json_decref(root);
    if (st == LW_OK)
        *out = m;
    return st;
}
