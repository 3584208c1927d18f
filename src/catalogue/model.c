#include "llmwatt/model.h"

#include <string.h>

#include "core/util.h"

static bool is_moe_layer(const lw_model_arch *m, int l)
{
    if (m->num_experts <= 0 || l < m->first_dense_layers)
        return false;
    return m->moe_layer_step <= 1 || (l + 1) % m->moe_layer_step == 0;
}

static bool is_mla(const lw_model_arch *m)
{
    return m->kv_lora_rank > 0;
}

/* Small per-family weights the generic record does not spell out, keyed on the Hugging Face
 * model_type (they change totals by < 0.1% but make the derivation match checkpoints exactly). */
typedef struct arch_extras {
    int norms_per_layer; /* RMSNorm scales of width hidden_size per layer (Gemma 2/3: 4, others 2) */
    bool qk_norm;        /* per-head RMSNorm on q and k (Qwen3, Gemma 3): 2·head_dim per layer */
    bool o_bias;         /* output projection bias (gpt-oss) */
    bool attn_sinks;     /* one learned attention-sink logit per head per layer (gpt-oss) */
    bool expert_bias;    /* each expert's up/gate and down projections carry biases (gpt-oss) */
    bool router_bias;    /* one bias per routed expert (gpt-oss router bias, DeepSeek e_score_correction_bias) */
} arch_extras;

static arch_extras extras_of(const lw_model_arch *m)
{
    arch_extras x = {2, false, false, false, false, false};
    const char *t = m->model_type;
    if (strcmp(t, "gemma2") == 0)
        x.norms_per_layer = 4;
    else if (strcmp(t, "gemma3") == 0 || strcmp(t, "gemma3_text") == 0) {
        x.norms_per_layer = 4;
        x.qk_norm = true;
    } else if (strcmp(t, "qwen3") == 0 || strcmp(t, "qwen3_moe") == 0)
        x.qk_norm = true;
    else if (strcmp(t, "gpt_oss") == 0)
        x.o_bias = x.attn_sinks = x.expert_bias = x.router_bias = true;
    else if (strcmp(t, "deepseek_v3") == 0)
        x.router_bias = true;
    return x;
}

lw_status lw_model_validate(const lw_model_arch *m, lw_err *err)
{
    const char *n = m->name[0] ? m->name : "model";
    if (m->layers <= 0)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "%s: layers must be > 0", n);
    if (m->hidden_size <= 0)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "%s: hidden_size must be > 0", n);
    if (m->num_attention_heads <= 0)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "%s: num_attention_heads must be > 0", n);
    if (m->vocab_size <= 0)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "%s: vocab_size must be > 0", n);
    if (m->ffn_matrices != 2 && m->ffn_matrices != 3)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "%s: ffn_matrices must be 2 (plain MLP) or 3 (gated)", n);
    if (is_mla(m)) {
        if (m->qk_rope_head_dim <= 0 || m->qk_nope_head_dim <= 0 || m->v_head_dim <= 0)
            return lw_fail(err, LW_ERR_INVALID_ARGUMENT,
                           "%s: MLA needs qk_rope_head_dim, qk_nope_head_dim and v_head_dim > 0", n);
    } else {
        if (m->num_key_value_heads <= 0 || m->num_attention_heads % m->num_key_value_heads != 0)
            return lw_fail(err, LW_ERR_INVALID_ARGUMENT,
                           "%s: num_key_value_heads (%d) must be > 0 and divide num_attention_heads (%d)", n,
                           m->num_key_value_heads, m->num_attention_heads);
        if (m->head_dim <= 0)
            return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "%s: head_dim must be > 0", n);
    }
    if (m->num_experts < 0 || m->experts_per_token < 0 || m->num_shared_experts < 0)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "%s: expert counts must be >= 0", n);
    if (m->num_experts > 0) {
        if (m->experts_per_token <= 0 || m->experts_per_token > m->num_experts)
            return lw_fail(err, LW_ERR_INVALID_ARGUMENT,
                           "%s: experts_per_token (%d) must be between 1 and num_experts (%d)", n,
                           m->experts_per_token, m->num_experts);
        if (m->moe_intermediate_size <= 0)
            return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "%s: moe_intermediate_size must be > 0 for a MoE model", n);
    }
    bool has_dense = false;
    for (int l = 0; l < m->layers && !has_dense; l++)
        has_dense = !is_moe_layer(m, l);
    if (has_dense && m->intermediate_size <= 0)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "%s: intermediate_size must be > 0", n);
    if (m->sliding_window < 0 || m->sliding_window_layers < 0 || m->sliding_window_layers > m->layers)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "%s: sliding_window_layers must be between 0 and layers", n);
    if (m->first_dense_layers < 0 || m->first_dense_layers > m->layers)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "%s: first_dense_layers must be between 0 and layers", n);
    return LW_OK;
}

lw_status lw_model_params(const lw_model_arch *m, lw_param_counts *out, lw_err *err)
{
    lw_status st = lw_model_validate(m, err);
    if (st != LW_OK)
        return st;
    const double h = m->hidden_size, H = m->num_attention_heads, L = m->layers;
    const arch_extras x = extras_of(m);
    lw_param_counts p = {0};
    p.embedding = (double)m->vocab_size * h;
    p.lm_head = m->tied_embeddings ? 0.0 : (double)m->vocab_size * h;

    double attn;
    if (is_mla(m)) {
        double qk = m->qk_nope_head_dim + m->qk_rope_head_dim;
        double q = m->q_lora_rank > 0 ? h * m->q_lora_rank + m->q_lora_rank + (double)m->q_lora_rank * H * qk : h * H * qk;
        double kv = h * (m->kv_lora_rank + m->qk_rope_head_dim) + m->kv_lora_rank +
                    (double)m->kv_lora_rank * H * (m->qk_nope_head_dim + m->v_head_dim);
        double o = H * m->v_head_dim * h;
        attn = q + kv + o;
    } else {
        double d = m->head_dim, kvh = m->num_key_value_heads;
        attn = h * H * d + 2.0 * h * kvh * d + H * d * h;
        if (m->attention_bias)
            attn += (H + 2.0 * kvh) * d;
        if (x.o_bias)
            attn += h;
        if (x.qk_norm)
            attn += 2.0 * d;
    }
    if (x.attn_sinks)
        attn += H;
    p.attention = attn * L;
    p.norms = x.norms_per_layer * h * L + h;

    double fm = m->ffn_matrices;
    double shared_w = m->shared_expert_intermediate_size > 0 ? m->shared_expert_intermediate_size : m->moe_intermediate_size;
    p.expert = fm * h * m->moe_intermediate_size;
    if (x.expert_bias)
        p.expert += (fm - 1.0) * m->moe_intermediate_size + h;
    for (int l = 0; l < m->layers; l++) {
        if (is_moe_layer(m, l)) {
            p.moe_layers++;
            p.routed_experts += m->num_experts * p.expert;
            p.shared_experts += m->num_shared_experts * fm * h * shared_w;
            p.router += (h + (x.router_bias ? 1.0 : 0.0)) * m->num_experts;
        } else {
            p.dense_ffn += fm * h * m->intermediate_size;
        }
    }
    p.total = p.embedding + p.lm_head + p.attention + p.norms + p.dense_ffn + p.routed_experts + p.shared_experts + p.router;
    p.active = p.total - p.routed_experts + (double)p.moe_layers * m->experts_per_token * p.expert;
    p.matmul_active = p.active - p.embedding - p.lm_head - p.norms;
    *out = p;
    return LW_OK;
}

double lw_model_kv_bytes_per_token(const lw_model_arch *m, double kv_bytes_per_elem)
{
    double per_layer = is_mla(m) ? (double)(m->kv_lora_rank + m->qk_rope_head_dim)
                                 : 2.0 * m->num_key_value_heads * m->head_dim;
    return per_layer * m->layers * kv_bytes_per_elem;
}
