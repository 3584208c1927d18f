/* The two seed methods, reproduced exactly (docs/estimate.md):
 * - llm-bench (seed 003): FLOPs x 1.5e-12 J/FLOP / utilisation, one GPU, no memory term.
 * - profile (seed 001): FLOPs / (peak x util) x power_rating x power_util per phase, with the
 *   seed's MODEL_PROFILES / GPU_PROFILES and its quadratic / "linear" attention modes. */
#include "estimate/estimate_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/util.h"

static lw_status need(const lw_catalogue *cat, const char *key, double *out, lw_err *err)
{
    const lw_constant *c;
    lw_status st = lw_catalogue_find_constant(cat, key, &c, err);
    if (st != LW_OK)
        return lw_fail(err, st, "constant '%s' is missing from the catalogue (data/constants/estimate.json)", key);
    *out = c->value;
    return LW_OK;
}

static void add_warning(lw_estimator *e, const char *msg)
{
    if (e->nwarnings < 2)
        lw_strlcpy(e->warnings[e->nwarnings++], msg, sizeof e->warnings[0]);
}

/* Per-head dimension of the query/key (MLA: nope + rope parts). */
static double head_dim(const lw_model_arch *m)
{
    if (m->kv_lora_rank > 0)
        return (double)m->qk_nope_head_dim + m->qk_rope_head_dim;
    return m->head_dim > 0 ? m->head_dim : (double)m->hidden_size / m->num_attention_heads;
}

/* ---- seed 003 ------------------------------------------------------------------------------ */

lw_status lw_seed003_prepare(lw_estimator *e, const lw_catalogue *cat, lw_err *err)
{
    lw_status st;
    lw_seed003 *s = &e->s003;
    if ((st = need(cat, "estimate.llm_bench.j_per_flop", &s->j_per_flop, err)) != LW_OK ||
        (st = need(cat, "estimate.llm_bench.gpu_flops_per_s", &s->flops_per_s, err)) != LW_OK ||
        (st = need(cat, "estimate.llm_bench.gpu_power_w", &s->power_w, err)) != LW_OK ||
        (st = need(cat, "estimate.llm_bench.util_prefill", &s->util_prefill, err)) != LW_OK ||
        (st = need(cat, "estimate.llm_bench.util_decode", &s->util_decode, err)) != LW_OK)
        return st;
    lw_param_counts p;
    if ((st = lw_model_params(&e->model, &p, err)) != LW_OK)
        return st;
    s->n_active = p.active;
    snprintf(e->constants_source, sizeof e->constants_source,
             "seed 003 (LLM-BENCH): %.3g J/FLOP, %.3g FLOP/s, %.0f W, utilisation %.2f prefill / %.2f decode; "
             "the same for every --gpu (sources: llmwatt sources estimate.llm_bench)",
             s->j_per_flop, s->flops_per_s, s->power_w, s->util_prefill, s->util_decode);
    if (e->gpus > 1)
        add_warning(e, "llm-bench assumes one GPU (seed 003): --gpus does not change its energy");
    return LW_OK;
}

/* Seed 003 arithmetic_cost_flop(input_len, batch_size, seq_len): 2 N B S + 4 d_head H L mean_len B S. */
static double seed003_flops(const lw_estimator *e, double n_active, double input_len, double B, double S, bool masked)
{
    const lw_model_arch *m = &e->model;
    double mean_len = masked ? input_len + S : (input_len + (input_len + S - 1.0)) / 2.0;
    return 2.0 * n_active * B * S + 4.0 * head_dim(m) * m->num_attention_heads * m->layers * mean_len * B * S;
}

lw_status lw_seed003_run(const lw_estimator *e, const lw_workload *w, lw_estimate *out, lw_err *err)
{
    (void)err;
    const lw_seed003 *s = &e->s003;
    double B = w->batch, S_out = w->output_tokens + w->reasoning_tokens;
    double f_pf = w->input_tokens > 0 ? seed003_flops(e, s->n_active, 0, B, w->input_tokens, true) : 0.0;
    double f_dc = S_out > 0 ? seed003_flops(e, s->n_active, w->input_tokens, B, S_out, false) : 0.0;
    lw_phase_estimate *ph[2] = {&out->prefill, &out->decode};
    double f[2] = {f_pf, f_dc}, u[2] = {s->util_prefill, s->util_decode};
    for (int i = 0; i < 2; i++) {
        ph[i]->flops = f[i];
        ph[i]->energy_j = f[i] * s->j_per_flop / u[i];
        ph[i]->time_s = f[i] / (s->flops_per_s * u[i]);
        ph[i]->avg_power_w = f[i] > 0 ? s->power_w : 0;
        ph[i]->compute_bound = true; /* the seed models compute only */
        ph[i]->bound = LW_BOUND_COMPUTE;
    }
    out->compute_precision = LW_PREC_BF16;
    lw_estimate_finish(e, w, 1.0, out);
    return LW_OK;
}

/* ---- seed 001 ------------------------------------------------------------------------------ */

lw_status lw_seed001_prepare(lw_estimator *e, const lw_catalogue *cat, lw_err *err)
{
    lw_status st;
    lw_seed001_gpu *s = &e->s001;
    if ((st = need(cat, "estimate.profile.gpu_prefill_util", &s->util_prefill, err)) != LW_OK ||
        (st = need(cat, "estimate.profile.gpu_decoding_util", &s->util_decode, err)) != LW_OK ||
        (st = need(cat, "estimate.profile.power_prefill_util", &s->power_util_prefill, err)) != LW_OK ||
        (st = need(cat, "estimate.profile.power_decoding_util", &s->power_util_decode, err)) != LW_OK)
        return st;
    static const char *profiles[][2] = {{"a100", "A100"}, {"h100", "H100"}, {"gb200", "GB200"}};
    const char *seed_gpu = NULL, *prefix = NULL;
    for (size_t i = 0; i < 3; i++)
        if (strncasecmp(e->gpu.id, profiles[i][0], strlen(profiles[i][0])) == 0) {
            prefix = profiles[i][0];
            seed_gpu = profiles[i][1];
        }
    if (seed_gpu) {
        char k1[96], k2[96];
        snprintf(k1, sizeof k1, "estimate.profile.%s.peak_flops", prefix);
        snprintf(k2, sizeof k2, "estimate.profile.%s.power_rating_w", prefix);
        if ((st = need(cat, k1, &s->peak_flops, err)) != LW_OK || (st = need(cat, k2, &s->power_rating_w, err)) != LW_OK)
            return st;
        snprintf(e->constants_source, sizeof e->constants_source,
                 "seed 001 GPU_PROFILES['%s']: peak %.4g FLOP/s, %.0f W, util %.2f/%.2f, power util %.2f/%.2f "
                 "(prefill/decode; llmwatt sources estimate.profile)",
                 seed_gpu, s->peak_flops, s->power_rating_w, s->util_prefill, s->util_decode, s->power_util_prefill,
                 s->power_util_decode);
    } else {
        s->peak_flops = e->gpu.peak_flops[LW_PREC_BF16] > 0 ? e->gpu.peak_flops[LW_PREC_BF16] : e->gpu.peak_flops[LW_PREC_FP16];
        s->power_rating_w = e->gpu.tdp_w;
        if (s->peak_flops <= 0 || s->power_rating_w <= 0)
            return lw_fail(err, LW_ERR_UNSUPPORTED,
                           "GPU '%s' has no seed 001 profile and no published bf16 peak or TDP to derive one; use "
                           "--method roofline or a GPU with both figures",
                           e->gpu.id);
        snprintf(e->constants_source, sizeof e->constants_source,
                 "seed 001 has no profile for %s: derived from the catalogue (dense bf16 peak %.4g FLOP/s, TDP %.0f W) "
                 "with the seed's utilisations %.2f/%.2f and power utilisations %.2f/%.2f",
                 e->gpu.id, s->peak_flops, s->power_rating_w, s->util_prefill, s->util_decode, s->power_util_prefill,
                 s->power_util_decode);
        add_warning(e, "profile: this GPU has no seed 001 GPU_PROFILES entry (A100, H100, GB200); derived from the catalogue");
    }
    if (e->model.has_seed_profile) {
        e->profile = e->model.seed_profile;
        snprintf(e->profile_note, sizeof e->profile_note, "seed 001 MODEL_PROFILES entry of '%s' (catalogue seed_profile)",
                 e->model.name);
    } else {
        lw_param_counts p;
        if ((st = lw_model_params(&e->model, &p, err)) != LW_OK)
            return st;
        lw_seed_profile *q = &e->profile;
        q->num_active_params = p.active;
        q->num_layers = e->model.layers;
        q->num_attn_heads = e->model.num_attention_heads;
        q->attn_head_dim = head_dim(&e->model);
        q->hidden_dim = e->model.hidden_size;
        q->flops_per_tkn_factor = 2;
        q->flops_per_tkn_factor_attn = 4;
        q->reasoning_factor = 1;
        snprintf(e->profile_note, sizeof e->profile_note,
                 "'%s' has no seed 001 profile: derived from the architecture (active %.4g, %d layers, %d heads x %g, "
                 "reasoning_factor 1)",
                 e->model.name, p.active, e->model.layers, e->model.num_attention_heads, q->attn_head_dim);
    }
    if (e->gpus > 1)
        add_warning(e, "profile assumes per-GPU-count-independent energy (seed 001): --gpus does not change it");
    return LW_OK;
}

lw_status lw_seed001_run(const lw_estimator *e, const lw_workload *w, lw_estimate *out, lw_err *err)
{
    (void)err;
    const lw_seed_profile *m = &e->profile;
    const lw_seed001_gpu *g = &e->s001;
    const double n_in = w->input_tokens;
    /* decode tokens: output x reasoning_factor (seed), plus any explicit hidden reasoning tokens */
    const double T = w->output_tokens * m->reasoning_factor + w->reasoning_tokens;
    out->reasoning_tokens = T - w->output_tokens;
    const double attn_unit = m->flops_per_tkn_factor_attn * m->num_attn_heads * m->attn_head_dim * m->num_layers;
    double pf_dense = n_in * m->flops_per_tkn_factor * m->num_active_params;
    double pf_attn = (e->opts.attention == LW_ATTENTION_QUADRATIC ? n_in * n_in : n_in) * attn_unit;
    double dc_attn;
    if (e->opts.attention == LW_ATTENTION_QUADRATIC)
        dc_attn = (n_in * T + T * (T - 1.0) / 2.0) * attn_unit;
    else
        dc_attn = T * (n_in + (T - 1.0) / 2.0) * attn_unit; /* algebraically the same sum */
    double dc_dense = T * m->flops_per_tkn_factor * m->num_active_params;
    double B = w->batch; /* the seed is per request; a batch is B identical requests */
    double f[2] = {B * (pf_dense + pf_attn), B * (dc_dense + dc_attn)};
    double util[2] = {g->util_prefill, g->util_decode}, pu[2] = {g->power_util_prefill, g->power_util_decode};
    lw_phase_estimate *ph[2] = {&out->prefill, &out->decode};
    for (int i = 0; i < 2; i++) {
        ph[i]->flops = f[i];
        ph[i]->time_s = f[i] / (g->peak_flops * util[i]);
        ph[i]->avg_power_w = f[i] > 0 ? g->power_rating_w * pu[i] : 0;
        ph[i]->energy_j = f[i] * pu[i] * (g->power_rating_w / g->peak_flops) / util[i];
        ph[i]->compute_bound = true;
        ph[i]->bound = LW_BOUND_COMPUTE;
    }
    out->compute_precision = LW_PREC_BF16;
    lw_estimate_finish(e, w, 1.0, out);
    return LW_OK;
}
