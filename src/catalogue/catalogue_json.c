/* JSON of catalogue entries (`llmwatt show model|gpu --json`, `llmwatt models|gpus --json`):
 * one renderer in the library, used by the CLI and the Python package. */
#include "llmwatt/catalogue.h"

#include <jansson.h>
#include <stdlib.h>

#include "llmwatt/precision.h"

static json_t *model_json(const lw_model_arch *m)
{
    lw_param_counts p;
    lw_err err;
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(m->name));
    json_object_set_new(o, "hf_id", json_string(m->hf_id));
    json_object_set_new(o, "family", json_string(m->family));
    json_object_set_new(o, "model_type", json_string(m->model_type));
    json_object_set_new(o, "layers", json_integer(m->layers));
    json_object_set_new(o, "hidden_size", json_integer(m->hidden_size));
    json_object_set_new(o, "num_attention_heads", json_integer(m->num_attention_heads));
    json_object_set_new(o, "num_key_value_heads", json_integer(m->num_key_value_heads));
    json_object_set_new(o, "head_dim", json_integer(m->head_dim));
    json_object_set_new(o, "intermediate_size", json_integer(m->intermediate_size));
    json_object_set_new(o, "ffn_matrices", json_integer(m->ffn_matrices));
    json_object_set_new(o, "vocab_size", json_integer(m->vocab_size));
    json_object_set_new(o, "tied_embeddings", json_boolean(m->tied_embeddings));
    json_object_set_new(o, "attention_bias", json_boolean(m->attention_bias));
    json_object_set_new(o, "num_experts", json_integer(m->num_experts));
    json_object_set_new(o, "experts_per_token", json_integer(m->experts_per_token));
    json_object_set_new(o, "num_shared_experts", json_integer(m->num_shared_experts));
    json_object_set_new(o, "moe_intermediate_size", json_integer(m->moe_intermediate_size));
    json_object_set_new(o, "shared_expert_intermediate_size", json_integer(m->shared_expert_intermediate_size));
    json_object_set_new(o, "first_dense_layers", json_integer(m->first_dense_layers));
    json_object_set_new(o, "moe_layer_step", json_integer(m->moe_layer_step));
    json_object_set_new(o, "q_lora_rank", json_integer(m->q_lora_rank));
    json_object_set_new(o, "kv_lora_rank", json_integer(m->kv_lora_rank));
    json_object_set_new(o, "qk_rope_head_dim", json_integer(m->qk_rope_head_dim));
    json_object_set_new(o, "qk_nope_head_dim", json_integer(m->qk_nope_head_dim));
    json_object_set_new(o, "v_head_dim", json_integer(m->v_head_dim));
    json_object_set_new(o, "sliding_window", json_integer(m->sliding_window));
    json_object_set_new(o, "sliding_window_layers", json_integer(m->sliding_window_layers));
    json_object_set_new(o, "max_context", json_integer(m->max_context));
    json_object_set_new(o, "native_precision", json_string(lw_precision_name(m->native_precision)));
    if (lw_model_params(m, &p, &err) == LW_OK) {
        json_object_set_new(o, "total_params", json_real(p.total));
        json_object_set_new(o, "active_params", json_real(p.active));
        json_object_set_new(o, "embedding_params", json_real(p.embedding));
    }
    json_object_set_new(o, "kv_bytes_per_token_bf16", json_real(lw_model_kv_bytes_per_token(m, 2.0)));
    if (m->official_total_params > 0)
        json_object_set_new(o, "official_total_params", json_real(m->official_total_params));
    if (m->official_active_params > 0)
        json_object_set_new(o, "official_active_params", json_real(m->official_active_params));
    json_object_set_new(o, "official_active_excludes_embedding", json_boolean(m->official_active_excludes_embedding));
    json_object_set_new(o, "is_proxy", json_boolean(m->is_proxy));
    if (m->has_seed_profile) {
        const lw_seed_profile *s = &m->seed_profile;
        json_t *sp = json_object();
        json_object_set_new(sp, "num_active_params", json_real(s->num_active_params));
        json_object_set_new(sp, "num_layers", json_real(s->num_layers));
        json_object_set_new(sp, "num_attn_heads", json_real(s->num_attn_heads));
        json_object_set_new(sp, "attn_head_dim", json_real(s->attn_head_dim));
        json_object_set_new(sp, "hidden_dim", json_real(s->hidden_dim));
        json_object_set_new(sp, "flops_per_tkn_factor", json_real(s->flops_per_tkn_factor));
        json_object_set_new(sp, "flops_per_tkn_factor_attn", json_real(s->flops_per_tkn_factor_attn));
        json_object_set_new(sp, "reasoning_factor", json_real(s->reasoning_factor));
        json_object_set_new(o, "seed_profile", sp);
    }
    json_object_set_new(o, "source", json_string(m->source));
    return o;
}

static json_t *gpu_json(const lw_gpu *g)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(g->id));
    json_object_set_new(o, "aliases", json_string(g->aliases));
    json_object_set_new(o, "vendor", json_string(g->vendor));
    json_object_set_new(o, "name", json_string(g->name));
    json_object_set_new(o, "variant", json_string(g->variant));
    json_object_set_new(o, "architecture", json_string(g->architecture));
    json_object_set_new(o, "process_node_nm", json_real(g->process_node_nm));
    json_object_set_new(o, "memory_bytes", json_real(g->memory_bytes));
    json_object_set_new(o, "memory_bw_bytes_per_s", json_real(g->memory_bw_bytes_per_s));
    json_object_set_new(o, "tdp_w", json_real(g->tdp_w));
    json_object_set_new(o, "idle_w", json_real(g->idle_w));
    json_t *pk = json_object();
    for (int p = 0; p < LW_PREC_COUNT; p++)
        if (g->peak_flops[p] > 0)
            json_object_set_new(pk, lw_precision_name((lw_precision)p), json_real(g->peak_flops[p]));
    json_object_set_new(o, "peak_flops", pk);
    json_object_set_new(o, "interconnect_bw_bytes_per_s", json_real(g->interconnect_bw_bytes_per_s));
    if (g->typical_inference_power_w > 0) {
        json_object_set_new(o, "typical_inference_power_w", json_real(g->typical_inference_power_w));
        json_object_set_new(o, "typical_inference_power_source", json_string(g->typical_power_source));
    }
    if (g->power_limit_max_w > 0) {
        json_object_set_new(o, "power_limit_min_w", json_real(g->power_limit_min_w));
        json_object_set_new(o, "power_limit_max_w", json_real(g->power_limit_max_w));
        json_object_set_new(o, "sm_clock_min_mhz", json_real(g->sm_clock_min_mhz));
        json_object_set_new(o, "sm_clock_max_mhz", json_real(g->sm_clock_max_mhz));
        json_object_set_new(o, "power_clock_source", json_string(g->power_clock_source));
    }
    json_object_set_new(o, "release_year", json_integer(g->release_year));
    json_object_set_new(o, "confidence", json_string(g->confidence));
    json_object_set_new(o, "source", json_string(g->source));
    return o;
}

/* 15 significant digits, keys in insertion order: the CLI's --json format (a CLI that parses
 * the text back and prints it with the same flags gets the same bytes). */
static char *dump(json_t *o, int indent)
{
    if (!o || indent < 0 || indent > 31) {
        json_decref(o);
        return NULL;
    }
    char *text = json_dumps(o, JSON_REAL_PRECISION(15) | JSON_PRESERVE_ORDER | (indent ? JSON_INDENT(indent) : 0));
    json_decref(o);
    return text;
}

char *lw_model_to_json(const lw_model_arch *m, int indent)
{
    return m ? dump(model_json(m), indent) : NULL;
}

char *lw_gpu_to_json(const lw_gpu *g, int indent)
{
    return g ? dump(gpu_json(g), indent) : NULL;
}
