#include "llmwatt/accounting.h"

#include <math.h>
#include <string.h>

#include "core/util.h"

double lw_experts_touched(int num_experts, int experts_per_token, double tokens)
{
    if (num_experts <= 0 || tokens <= 0)
        return 0.0;
    double E = num_experts, k = experts_per_token;
    if (k >= E)
        return E;
    return E * (1.0 - pow(1.0 - k / E, tokens));
}

double lw_context_sum(double c0, double n, double window)
{
    if (n <= 0)
        return 0.0;
    if (window <= 0)
        return n * c0 + n * (n + 1.0) / 2.0;
    double m = window - c0; /* steps before the window is full */
    if (m < 0)
        m = 0;
    if (m > n)
        m = n;
    return m * c0 + m * (m + 1.0) / 2.0 + (n - m) * window;
}

static lw_status check_tokens(const char *what, double v, lw_err *err)
{
    if (!isfinite(v) || v < 0)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "%s must be a finite number >= 0 (got %g)", what, v);
    return LW_OK;
}

/* Weight bytes read by one forward pass that touches `touched` routed experts per MoE layer. */
static double step_weight_bytes(const lw_model_arch *m, const lw_param_counts *p, double touched, double bpe)
{
    double w = p->total - p->embedding - p->routed_experts + p->moe_layers * touched * p->expert;
    if (m->tied_embeddings)
        w += p->embedding; /* the tied table is read as the LM head */
    return w * bpe;
}

lw_status lw_account(const lw_model_arch *m, const lw_workload *w, lw_accounting *out, lw_err *err)
{
    lw_param_counts p;
    lw_status st = lw_model_params(m, &p, err);
    return st == LW_OK ? lw_account_params(m, &p, w, out, err) : st;
}

lw_status lw_account_params(const lw_model_arch *m, const lw_param_counts *params, const lw_workload *w,
                            lw_accounting *out, lw_err *err)
{
    lw_status st;
    if ((st = check_tokens("input tokens", w->input_tokens, err)) != LW_OK ||
        (st = check_tokens("output tokens", w->output_tokens, err)) != LW_OK ||
        (st = check_tokens("reasoning tokens", w->reasoning_tokens, err)) != LW_OK)
        return st;
    if (w->batch < 1)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "batch must be >= 1 (got %d)", w->batch);
    lw_accounting *a = out; /* filled in place: this runs millions of times in a trace */
    memset(a, 0, sizeof *a);
    a->params = *params;
    const lw_param_counts *p = &a->params;
    const double B = w->batch, n_in = w->input_tokens, D = w->output_tokens + w->reasoning_tokens;
    const double wb = lw_precision_bytes(w->weight_precision), kb = lw_precision_bytes(w->kv_precision);
    const double H = m->num_attention_heads, L = m->layers;
    const double Lsw = m->sliding_window > 0 ? m->sliding_window_layers : 0, Lfull = L - Lsw;
    const double W = m->sliding_window;
    const double lm_head_flops = 2.0 * m->hidden_size * (double)m->vocab_size;

    /* FLOPs per (query, key) pair per layer: QK^T plus AV, 2 FLOPs per MAC. MLA prefill runs
     * the decompressed heads; MLA decode runs the absorbed form over the latent cache. */
    double pair_prefill, pair_decode, kv_layer_elems;
    if (m->kv_lora_rank > 0) {
        pair_prefill = 2.0 * H * (m->qk_nope_head_dim + m->qk_rope_head_dim) + 2.0 * H * m->v_head_dim;
        pair_decode = 2.0 * H * (m->kv_lora_rank + m->qk_rope_head_dim) + 2.0 * H * m->kv_lora_rank;
        kv_layer_elems = m->kv_lora_rank + m->qk_rope_head_dim;
    } else {
        pair_prefill = pair_decode = 4.0 * H * m->head_dim;
        kv_layer_elems = 2.0 * m->num_key_value_heads * m->head_dim;
    }
    const double kv_layer_bytes = kv_layer_elems * kb;
    a->kv_bytes_per_token = kv_layer_bytes * L;

    /* prefill: one forward pass over B·n_in tokens */
    lw_phase_counts *pf = &a->prefill;
    if (n_in > 0) {
        double pairs = Lfull * lw_context_sum(0, n_in, 0) + Lsw * lw_context_sum(0, n_in, W);
        pf->tokens = B * n_in;
        pf->steps = 1;
        pf->flops_dense = 2.0 * p->matmul_active * pf->tokens;
        pf->flops_attention = B * pair_prefill * pairs;
        pf->flops_lm_head = lm_head_flops * B;
        pf->experts_touched = lw_experts_touched(m->num_experts, m->experts_per_token, pf->tokens);
        pf->bytes_weights = step_weight_bytes(m, p, pf->experts_touched, wb);
        pf->bytes_kv_write = pf->tokens * a->kv_bytes_per_token;
        pf->bytes_kv_read = pf->bytes_kv_write;
    }
    /* decode: D steps, each one token for each of the B sequences */
    lw_phase_counts *dc = &a->decode;
    if (D > 0) {
        double ctx = Lfull * lw_context_sum(n_in, D, 0) + Lsw * lw_context_sum(n_in, D, W);
        dc->tokens = B * D;
        dc->steps = D;
        dc->flops_dense = 2.0 * p->matmul_active * dc->tokens;
        dc->flops_attention = B * pair_decode * ctx;
        dc->flops_lm_head = lm_head_flops * dc->tokens;
        dc->experts_touched = lw_experts_touched(m->num_experts, m->experts_per_token, B);
        dc->bytes_weights = D * step_weight_bytes(m, p, dc->experts_touched, wb);
        dc->bytes_kv_read = B * kv_layer_bytes * ctx;
        dc->bytes_kv_write = dc->tokens * a->kv_bytes_per_token;
    }
    lw_phase_counts *ph[2] = {pf, dc};
    for (int i = 0; i < 2; i++) {
        ph[i]->flops_total = ph[i]->flops_dense + ph[i]->flops_attention + ph[i]->flops_lm_head;
        ph[i]->bytes_total = ph[i]->bytes_weights + ph[i]->bytes_kv_read + ph[i]->bytes_kv_write;
    }
    double ctx_final = n_in + D;
    a->weight_bytes = p->total * wb;
    a->kv_cache_bytes_peak = B * kv_layer_bytes * (Lfull * ctx_final + Lsw * (W > 0 && W < ctx_final ? W : ctx_final));
    a->memory_required_bytes = a->weight_bytes + a->kv_cache_bytes_peak;
    return LW_OK;
}

lw_status lw_check_fit(const lw_accounting *a, const lw_gpu *g, int gpus, double usable_fraction, lw_err *err)
{
    if (gpus < 1)
        return lw_fail(err, LW_ERR_INFEASIBLE, "--gpus must be >= 1 (got %d)", gpus);
    if (g->memory_bytes <= 0)
        return LW_OK; /* memory size not published: cannot judge */
    double avail = g->memory_bytes * gpus * usable_fraction;
    if (a->memory_required_bytes > avail) {
        double need = ceil(a->memory_required_bytes / (g->memory_bytes * usable_fraction));
        return lw_fail(err, LW_ERR_INFEASIBLE,
                       "does not fit: needs %.1f GB (weights %.1f GB + KV cache %.1f GB) but %d x %s gives %.1f GB usable; "
                       "use --gpus %.0f or more, a lower --precision, or a smaller --batch",
                       a->memory_required_bytes / 1e9, a->weight_bytes / 1e9, a->kv_cache_bytes_peak / 1e9, gpus, g->id,
                       avail / 1e9, need);
    }
    return LW_OK;
}

double lw_kv_bytes_at(const lw_model_arch *m, double kv_bytes_per_elem, double context)
{
    double elems = m->kv_lora_rank > 0 ? m->kv_lora_rank + m->qk_rope_head_dim : 2.0 * m->num_key_value_heads * m->head_dim;
    double lsw = m->sliding_window > 0 ? m->sliding_window_layers : 0, lfull = m->layers - lsw;
    double capped = m->sliding_window > 0 && m->sliding_window < context ? m->sliding_window : context;
    return elems * kv_bytes_per_elem * (lfull * context + lsw * capped);
}

double lw_kv_replication(const lw_model_arch *m, int tp)
{
    if (tp <= 1)
        return 1.0;
    if (m->kv_lora_rank > 0)
        return tp;
    if (m->num_key_value_heads > 0)
        return tp * ceil((double)m->num_key_value_heads / tp) / m->num_key_value_heads;
    return 1.0;
}

lw_status lw_memory_plan_compute(const lw_model_arch *m, const lw_param_counts *p, const lw_gpu *g, int gpus, int tp,
                                 double gpu_memory_utilization, const lw_workload *w, lw_memory_plan *out, lw_err *err)
{
    memset(out, 0, sizeof *out);
    const double kb = lw_precision_bytes(w->kv_precision), rep = lw_kv_replication(m, tp);
    const double D = w->output_tokens + w->reasoning_tokens, full = w->input_tokens + D;
    out->weight_bytes = p->total * lw_precision_bytes(w->weight_precision);
    out->kv_request_avg_bytes = rep * lw_kv_bytes_at(m, kb, w->input_tokens + 0.5 * D);
    out->kv_request_peak_bytes = rep * lw_kv_bytes_at(m, kb, full);
    out->effective_batch = w->batch;
    out->max_concurrency = INFINITY;
    if (g->memory_bytes <= 0)
        return LW_OK; /* memory size not published: cannot judge */
    const double per_gpu = g->memory_bytes * gpu_memory_utilization;
    out->usable_bytes = per_gpu * gpus;
    out->kv_budget_bytes = out->usable_bytes - out->weight_bytes;
    if (out->kv_budget_bytes <= 0)
        return lw_fail(err, LW_ERR_INFEASIBLE,
                       "does not fit: the weights alone need %.1f GB but %d x %s gives %.1f GB at gpu_memory_utilization "
                       "%.2g; use --gpus %.0f or more or a lower --precision",
                       out->weight_bytes / 1e9, gpus, g->id, out->usable_bytes / 1e9, gpu_memory_utilization,
                       ceil((out->weight_bytes + out->kv_request_peak_bytes) / per_gpu));
    if (out->kv_request_peak_bytes > out->kv_budget_bytes)
        return lw_fail(err, LW_ERR_INFEASIBLE,
                       "does not fit: one request at its full context (%.0f tokens) needs %.1f GB of KV cache but %d x %s "
                       "leaves %.1f GB after %.1f GB of weights; use --gpus %.0f or more, a lower --kv-precision or "
                       "--precision, or fewer tokens",
                       full, out->kv_request_peak_bytes / 1e9, gpus, g->id, out->kv_budget_bytes / 1e9,
                       out->weight_bytes / 1e9, ceil((out->weight_bytes + out->kv_request_peak_bytes) / per_gpu));
    if (out->kv_request_avg_bytes <= 0)
        return LW_OK; /* no context held: any batch fits */
    out->max_concurrency = out->kv_budget_bytes / out->kv_request_avg_bytes;
    if (out->max_concurrency < w->batch)
        out->effective_batch = out->max_concurrency < 1 ? 1 : (int)floor(out->max_concurrency);
    return LW_OK;
}
