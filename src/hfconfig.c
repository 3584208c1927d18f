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

#include "util.h"

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

/* Parsing context: cfg is the object holding the architecture (text_config for multimodal
 * checkpoints), root the whole file (dtype and quantization may sit at either level). */
typedef struct {
    const char *path;
    const char *type;
    json_t *root;
    json_t *cfg;
    lw_err *err;
} hf_ctx;

/* A key of cfg, falling back to root; JSON null counts as absent. */
static json_t *field(const hf_ctx *c, const char *key)
{
    json_t *v = json_object_get(c->cfg, key);
    if ((!v || json_is_null(v)) && c->cfg != c->root)
        v = json_object_get(c->root, key);
    return json_is_null(v) ? NULL : v;
}

/* Reads a non-negative integer field (integral reals such as 4096.0 accepted). A missing field
 * is an error when required, else *out keeps its default. */
static lw_status get_int(const hf_ctx *c, const char *key, bool required, int *out)
{
    json_t *v = field(c, key);
    if (!v) {
        if (required)
            return lw_fail(c->err, LW_ERR_PARSE, "%s: missing required field \"%s\" for model_type '%s'", c->path, key,
                           c->type);
        return LW_OK;
    }
    double d = json_is_integer(v) ? (double)json_integer_value(v) : json_is_real(v) ? json_real_value(v) : -1.0;
    if (!json_is_number(v) || d < 0 || d > 1e8 || d != floor(d))
        return lw_fail(c->err, LW_ERR_PARSE, "%s: field \"%s\" must be a non-negative integer", c->path, key);
    *out = (int)d;
    return LW_OK;
}

static bool get_bool(const hf_ctx *c, const char *key, bool dflt)
{
    json_t *v = field(c, key);
    return json_is_boolean(v) ? json_is_true(v) : dflt;
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

static lw_status read_precision(const hf_ctx *c, lw_model_arch *m)
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
        return lw_fail(c->err, LW_ERR_PARSE, "%s: field \"torch_dtype\": %s", c->path, e2.msg);
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
static lw_status read_moe(const hf_ctx *c, hf_kind k, lw_model_arch *m)
{
    lw_status st = LW_OK;
    switch (k) {
    case FAM_MIXTRAL:
    case FAM_GPT_OSS:
    case FAM_LLAMA4:
        if ((st = get_int(c, "num_local_experts", true, &m->num_experts)) != LW_OK)
            return st;
        if (k == FAM_GPT_OSS && !field(c, "num_experts_per_tok"))
            st = get_int(c, "experts_per_token", true, &m->experts_per_token);
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
static lw_status read_sliding(const hf_ctx *c, hf_kind k, lw_model_arch *m)
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
    const bool gemma = k == FAM_GEMMA2 || k == FAM_GEMMA3 || k == FAM_GEMMA3_TEXT;
    m->tied_embeddings = get_bool(c, "tie_word_embeddings", gemma);
    m->attention_bias = (k == FAM_QWEN2 || k == FAM_QWEN2_MOE) ? true : get_bool(c, "attention_bias", false);
    if ((st = read_moe(c, k, m)) != LW_OK || (st = read_sliding(c, k, m)) != LW_OK || (st = read_precision(c, m)) != LW_OK)
        return st;

    lw_strlcpy(m->model_type, c->type, sizeof m->model_type);
    lw_strlcpy(m->family, family_of(k, m), sizeof m->family);
    if (name_hint && *name_hint)
        lw_strlcpy(m->name, name_hint, sizeof m->name);
    else
        snprintf(m->name, sizeof m->name, "config:%s", c->type);
    snprintf(m->source, sizeof m->source, "imported from %s (Hugging Face config.json, model_type %s)", c->path, c->type);
    lw_err e2;
    if (lw_model_validate(m, &e2) != LW_OK)
        return lw_fail(c->err, LW_ERR_PARSE, "%s: %s", c->path, e2.msg);
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
    lw_status st = lw_file_read(path, &data, &len, err);
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
    hf_ctx c = {path, "", root, root, err};
    lw_model_arch m;
    st = parse_config(&c, name_hint, &m);
    json_decref(root);
    if (st == LW_OK)
        *out = m;
    return st;
}
