/* llmwatt: FLOP and byte accounting of one batch of requests: the numbers every estimator uses.
 *
 * Conventions (docs/design.md):
 * - 1 multiply-accumulate = 2 FLOPs.
 * - Attention FLOPs count QK^T and AV only over unmasked (causal) positions; masked FLOPs are
 *   the seed-003 compatibility choice, not ours. Sliding-window layers cap the context at the window.
 * - Prefill computes logits for the last position only; decode for every generated token.
 * - Decode tokens = output + hidden reasoning tokens; all sums over the growing context are
 *   closed forms, never per-token loops.
 * - Bytes: weights once per forward pass (MoE: the shared part plus the expected number of
 *   distinct experts touched by the step's tokens, E·(1−(1−k/E)^T)), KV cache read over the
 *   whole context and written for new tokens each step. Activations are not counted. */
#ifndef LLMWATT_ACCOUNTING_H
#define LLMWATT_ACCOUNTING_H

#include "llmwatt/export.h"
#include "llmwatt/gpu.h"
#include "llmwatt/model.h"
#include "llmwatt/precision.h"
#include "llmwatt/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A workload. Versioned (docs/design.md, "ABI"): start from lw_workload_default() or
 * LW_WORKLOAD_INIT, then set fields. */
#define LW_WORKLOAD_VERSION 1
typedef struct lw_workload {
    unsigned int version;     /* LW_WORKLOAD_VERSION of the caller's headers */
    double input_tokens;      /* prompt tokens per request (>= 0) */
    double output_tokens;     /* visible generated tokens per request (>= 0) */
    double reasoning_tokens;  /* hidden reasoning tokens per request, decoded like output (>= 0) */
    int batch;                /* concurrent requests sharing each forward pass (>= 1) */
    lw_precision weight_precision;
    lw_precision kv_precision;
} lw_workload;

/* Default workload: 1 request, 0 tokens, bf16 weights and KV (inline: built into the caller). */
static inline lw_workload lw_workload_default(void)
{
    lw_workload w;
    w.version = LW_WORKLOAD_VERSION;
    w.input_tokens = 0;
    w.output_tokens = 0;
    w.reasoning_tokens = 0;
    w.batch = 1;
    w.weight_precision = LW_PREC_BF16;
    w.kv_precision = LW_PREC_BF16;
    return w;
}
#ifdef __cplusplus
#define LW_WORKLOAD_INIT (lw_workload_default())
#else
#define LW_WORKLOAD_INIT                                                                                 \
    {.version = LW_WORKLOAD_VERSION, .batch = 1, .weight_precision = LW_PREC_BF16, .kv_precision = LW_PREC_BF16}
#endif

typedef struct lw_phase_counts {
    double tokens;            /* tokens processed by the phase, whole batch */
    double steps;             /* forward passes (prefill: 1; decode: output + reasoning) */
    double flops_dense;       /* layer matmuls (attention projections, FFN/experts, router) */
    double flops_attention;   /* QK^T and AV score FLOPs */
    double flops_lm_head;     /* output projection */
    double flops_total;
    double bytes_weights;     /* weight bytes read, summed over the phase's steps */
    double bytes_kv_read;
    double bytes_kv_write;
    double bytes_total;
    double experts_touched;   /* expected distinct routed experts per MoE layer per step */
} lw_phase_counts;

typedef struct lw_accounting {
    lw_param_counts params;
    lw_phase_counts prefill;
    lw_phase_counts decode;
    double weight_bytes;          /* resident weights at the weight precision */
    double kv_bytes_per_token;    /* one token's KV over all layers (window caps not applied) */
    double kv_cache_bytes_peak;   /* whole batch at full context, window caps applied */
    double memory_required_bytes; /* weights + peak KV cache */
} lw_accounting;

/* Accounts prefill and decode of one batch (all requests identical).
 * LW_ERR_INVALID_ARGUMENT on negative or non-finite tokens or batch < 1. */
LW_API lw_status lw_account(const lw_model_arch *m, const lw_workload *w, lw_accounting *out, lw_err *err);

/* lw_account with the model's parameter counts already derived by lw_model_params: for loops
 * that account many workloads of one model (estimators, traces) without re-deriving them. */
LW_API lw_status lw_account_params(const lw_model_arch *m, const lw_param_counts *params, const lw_workload *w,
                                   lw_accounting *out, lw_err *err);

/* Expected distinct experts touched when `tokens` tokens each pick k of E experts uniformly:
 * E·(1 − (1 − k/E)^tokens). 0 for a dense model. */
LW_API double lw_experts_touched(int num_experts, int experts_per_token, double tokens);

/* Sum over decode positions i = 0..n-1 of min(c0 + i + 1, window) (window <= 0: no cap):
 * the context each new token attends to. Closed form. */
LW_API double lw_context_sum(double c0, double n, double window);

/* Whether the configuration fits: memory_required_bytes vs gpus · memory_bytes · usable_fraction.
 * Returns LW_ERR_INFEASIBLE with a message giving both figures when it does not. */
LW_API lw_status lw_check_fit(const lw_accounting *a, const lw_gpu *g, int gpus, double usable_fraction, lw_err *err);

/* KV-cache bytes one request holds at `context` tokens, summed over all layers at
 * kv_bytes_per_elem; sliding-window layers hold at most their window. */
LW_API double lw_kv_bytes_at(const lw_model_arch *m, double kv_bytes_per_elem, double context);

/* Copies of each KV element held under tensor-parallel attention over tp GPUs, relative to an
 * even split (>= 1): tp for a latent (MLA) cache, which every GPU holds whole;
 * tp·ceil(kv_heads/tp)/kv_heads when there are fewer KV heads than GPUs; else 1. */
LW_API double lw_kv_replication(const lw_model_arch *m, int tp);

/* How a serving engine (vLLM, SGLang) fills the GPUs' memory: weights first, then the KV cache
 * in what is left of gpus · memory · gpu_memory_utilization. A running request holds on average
 * its prompt plus half of its output and reasoning tokens; the scheduler admits as many as the
 * cache holds, so the batch the GPUs really run is min(requested, that many). */
typedef struct lw_memory_plan {
    double usable_bytes;              /* gpus · memory_bytes · gpu_memory_utilization (0: not published) */
    double weight_bytes;              /* resident weights, all GPUs */
    double kv_budget_bytes;           /* usable − weights, all GPUs */
    double kv_request_avg_bytes;      /* one running request on average (prompt + half of output and reasoning) */
    double kv_request_peak_bytes;     /* one request at its full context */
    double max_concurrency;           /* kv_budget / kv_request_avg: requests the cache holds (INFINITY: unknown) */
    int effective_batch;              /* min(requested batch, floor(max_concurrency)), >= 1 */
} lw_memory_plan;

/* Fills the memory plan of workload w on gpus x g with tensor parallelism over tp GPUs (KV
 * replication, lw_kv_replication). LW_ERR_INFEASIBLE, naming the remedy, only when the weights
 * alone or one request at its full context do not fit; a GPU without a published memory size
 * gives max_concurrency INFINITY and the requested batch. */
LW_API lw_status lw_memory_plan_compute(const lw_model_arch *m, const lw_param_counts *p, const lw_gpu *g, int gpus, int tp,
                                 double gpu_memory_utilization, const lw_workload *w, lw_memory_plan *out, lw_err *err);

#ifdef __cplusplus
}
#endif
#endif
