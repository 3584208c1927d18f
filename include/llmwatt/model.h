/* llmwatt: transformer architecture records and the parameter counts derived from them.
 *
 * A model is described by its architecture (what a Hugging Face config.json holds), never by a
 * bare parameter count: total and active parameters, FLOPs and bytes are all derived from it. */
#ifndef LLMWATT_MODEL_H
#define LLMWATT_MODEL_H

#include "llmwatt/export.h"
#include <stdbool.h>
#include "llmwatt/precision.h"
#include "llmwatt/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LW_NAME_MAX 128
#define LW_SOURCE_MAX 512

/* Seed 001 "MODEL_PROFILES" values, kept verbatim for the compatibility method. A catalogue
 * entry with is_proxy set stands for a closed model through an open analogue. */
typedef struct lw_seed_profile {
    double num_active_params;
    double num_layers;
    double num_attn_heads;
    double attn_head_dim;
    double hidden_dim;
    double flops_per_tkn_factor;
    double flops_per_tkn_factor_attn;
    double reasoning_factor;
} lw_seed_profile;

typedef struct lw_model_arch {
    char name[LW_NAME_MAX];     /* short alias, lower case: "llama-3.1-8b" */
    char hf_id[LW_NAME_MAX];    /* "meta-llama/Llama-3.1-8B" (empty for proxies) */
    char aliases[256];          /* extra names, comma separated */
    char family[48];            /* architecture family for seed 000's mu_arch table: "qwen2.5", "llama3", ... */
    char model_type[32];        /* HF model_type: "llama", "qwen3_moe", "deepseek_v3", ... */
    int layers;
    int hidden_size;
    int num_attention_heads;
    int num_key_value_heads;
    int head_dim;               /* per-head dimension of q/k/v (non-MLA) */
    int intermediate_size;      /* dense FFN width (dense layers) */
    int ffn_matrices;           /* 3 for gated FFN (SwiGLU/GeGLU), 2 for a plain MLP */
    int vocab_size;
    bool tied_embeddings;
    bool attention_bias;        /* q/k/v projections carry a bias (Qwen2, gpt-oss) */
    /* Mixture of experts (num_experts == 0: dense). */
    int num_experts;            /* routed experts per MoE layer */
    int experts_per_token;      /* top-k */
    int num_shared_experts;
    int moe_intermediate_size;  /* width of one routed expert */
    int shared_expert_intermediate_size; /* width of one shared expert (0: moe_intermediate_size) */
    int first_dense_layers;     /* leading layers with a dense FFN (DeepSeek first_k_dense_replace) */
    int moe_layer_step;         /* every n-th layer is MoE (Llama-4 interleave step); 0 or 1: all */
    /* Multi-head latent attention (kv_lora_rank == 0: not MLA). */
    int q_lora_rank;
    int kv_lora_rank;
    int qk_rope_head_dim;
    int qk_nope_head_dim;
    int v_head_dim;
    /* Sliding-window attention: sliding_window_layers of the layers attend to the last
     * sliding_window tokens only (0: none). */
    int sliding_window;
    int sliding_window_layers;
    int max_context;
    lw_precision native_precision;
    /* Published counts, for the record and the 2% check (0: not published). */
    double official_total_params;
    double official_active_params;
    bool official_active_excludes_embedding; /* e.g. gpt-oss publishes active without the input embedding */
    bool is_proxy;                /* stands in for a closed model (seed 001) */
    bool has_seed_profile;
    lw_seed_profile seed_profile;
    char source[LW_SOURCE_MAX];   /* where the architecture comes from, with year */
} lw_model_arch;

/* Parameter counts derived from the architecture (counts, not bytes). */
typedef struct lw_param_counts {
    double total;          /* all weights, MoE experts included, tied embedding counted once */
    double active;         /* weights a token touches: all but the unrouted experts (input embedding included) */
    double embedding;      /* input embedding table */
    double lm_head;        /* output projection (0 when tied: its FLOPs still count, see accounting) */
    double attention;      /* all layers' attention projections */
    double dense_ffn;      /* all dense-FFN layers */
    double expert;         /* one routed expert in one layer */
    double routed_experts; /* all routed experts, all layers */
    double shared_experts; /* all shared experts, all layers */
    double router;         /* all router (gate) matrices */
    double norms;          /* RMS/LayerNorm scales */
    int moe_layers;        /* number of layers with a MoE FFN */
    double matmul_active;  /* weights multiplied per token in the layers (active minus embeddings and lm_head) */
} lw_param_counts;

/* Derives parameter counts. Fails (LW_ERR_INVALID_ARGUMENT) on an inconsistent record:
 * zero layers, kv heads not dividing heads, experts_per_token > num_experts, ... */
LW_API lw_status lw_model_params(const lw_model_arch *m, lw_param_counts *out, lw_err *err);

/* Checks an architecture record for consistency (same rules as lw_model_params). */
LW_API lw_status lw_model_validate(const lw_model_arch *m, lw_err *err);

/* Builds an architecture record from a Hugging Face config.json (llama, mistral, mixtral, qwen2,
 * qwen2_moe, qwen3, qwen3_moe, gemma2, gemma3, gemma3_text, deepseek_v3, gpt_oss, phi3, llama4).
 * An unsupported model_type gives LW_ERR_UNSUPPORTED; a missing required field LW_ERR_PARSE with
 * the field named. The record's name is taken from name_hint (NULL: "config:<model_type>"). */
LW_API lw_status lw_model_from_hf_config(const char *path, const char *name_hint, lw_model_arch *out, lw_err *err);

/* Bytes of one token's K and V cache summed over all layers at kv_bytes_per_elem
 * (GQA: 2·kv_heads·head_dim per layer; MLA: kv_lora_rank + qk_rope_head_dim per layer). */
LW_API double lw_model_kv_bytes_per_token(const lw_model_arch *m, double kv_bytes_per_elem);

#ifdef __cplusplus
}
#endif
#endif
