/* The default method: a calibrated roofline (docs/estimate.md).
 * Per phase: time = max(FLOPs / (gpus peak eta_c), bytes / (gpus bw eta_m)) + tensor-parallel
 * all-reduces + steps x fixed overhead; power per GPU = idle + (TDP - idle) x
 * min(1, k_c u_c + k_m u_m) with u the compute and memory busy fractions; energy = power x time.
 * A MoE model on gpus > 1 is costed expert-parallel: the busiest GPU's expected share of the
 * touched experts' weights and of the routed tokens sets the time, and each MoE layer's FFN
 * all-reduce is replaced by an all-to-all dispatch and combine. */
#include "estimate/estimate_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/util.h"

/* Tensor-core precision that multiplies weights stored at p, and the peak for it. A precision
 * the GPU lacks falls back (fp4 -> fp8 -> bf16) with a warning. */
static bool heads_uneven(const lw_model_arch *m, int gpus)
{
    return m->num_attention_heads % gpus != 0;
}

static void resolve_peak(lw_estimator *e, lw_precision p)
{
    const double *pk = e->gpu.peak_flops;
    /* 16-bit math runs at the bf16 peak, or at the fp16 peak on GPUs without bf16 (V100, T4) */
    bool has_bf16 = pk[LW_PREC_BF16] > 0;
    double bf16 = has_bf16 ? pk[LW_PREC_BF16] : pk[LW_PREC_FP16];
    lw_precision want = p, got = has_bf16 ? LW_PREC_BF16 : LW_PREC_FP16;
    double peak = bf16;
    switch (p) {
    case LW_PREC_FP32:
        got = pk[LW_PREC_TF32] > 0 ? LW_PREC_TF32 : LW_PREC_FP32;
        peak = pk[got];
        break;
    case LW_PREC_TF32: got = LW_PREC_TF32; peak = pk[got]; break;
    case LW_PREC_FP16:
        if (pk[LW_PREC_FP16] > 0) {
            got = LW_PREC_FP16;
            peak = pk[LW_PREC_FP16];
        }
        break;
    case LW_PREC_BF16:
    case LW_PREC_INT4: /* weight-only: dequantised to bf16 for the matmul */
        break;
    case LW_PREC_FP8:
    case LW_PREC_INT8:
        if (pk[p] > 0) {
            got = p;
            peak = pk[p];
        }
        break;
    case LW_PREC_MXFP4:
    case LW_PREC_FP4:
        if (pk[LW_PREC_FP4] > 0) {
            got = LW_PREC_FP4;
            peak = pk[LW_PREC_FP4];
        } else if (pk[LW_PREC_FP8] > 0) {
            got = LW_PREC_FP8;
            peak = pk[LW_PREC_FP8];
        }
        want = LW_PREC_FP4;
        break;
    case LW_PREC_COUNT: break;
    }
    if (peak <= 0) { /* e.g. fp32 on a part publishing only tensor rates */
        got = LW_PREC_BF16;
        peak = bf16;
    }
    e->peak[p] = peak;
    e->peak_prec[p] = got;
    e->prec_warning[p][0] = '\0';
    if (want != got && p != LW_PREC_FP32)
        snprintf(e->prec_warning[p], sizeof e->prec_warning[p],
                 "%s has no %s tensor cores: compute costed at its %s peak (weights still read at %s size)", e->gpu.id,
                 lw_precision_name(want), lw_precision_name(got), lw_precision_name(p));
}

double lw_expected_max_normal(int n)
{
    if (n <= 1)
        return 0.0;
    /* E[max] = integral of x n phi(x) Phi(x)^(n-1) dx; the integrand is negligible outside +-10 */
    const int steps = 4000;
    const double a = -10.0, h = 20.0 / steps;
    double sum = 0;
    for (int i = 0; i <= steps; i++) {
        double x = a + i * h, phi = exp(-0.5 * x * x) / sqrt(2.0 * M_PI), cdf = 0.5 * erfc(-x / sqrt(2.0));
        double f = x * n * phi * pow(cdf, n - 1), wgt = (i == 0 || i == steps) ? 1.0 : (i % 2 ? 4.0 : 2.0);
        sum += wgt * f; /* Simpson */
    }
    return sum * h / 3.0;
}

double lw_busiest_share_factor(double pairs, int g, double z_g)
{
    if (g <= 1 || !(pairs > 0))
        return 1.0;
    return fmin((double)g, 1.0 + z_g * sqrt((g - 1.0) / pairs));
}

double lw_busiest_touched(double touched, int num_experts, int g, double z_g)
{
    if (g <= 1 || !(touched > 0) || num_experts <= 0)
        return touched;
    double m = touched / g, q = fmin(1.0, touched / num_experts);
    return fmin((double)num_experts / g, m + z_g * sqrt(m * (1.0 - q)));
}

static lw_status need(const lw_catalogue *cat, const char *key, double *out, lw_err *err)
{
    const lw_constant *c;
    if (lw_catalogue_find_constant(cat, key, &c, err) != LW_OK)
        return lw_fail(err, LW_ERR_NOT_FOUND, "constant '%s' is missing from the catalogue (data/constants/estimate.json)", key);
    *out = c->value;
    return LW_OK;
}

lw_status lw_roofline_prepare(lw_estimator *e, const lw_catalogue *cat, const lw_estimate_opts *o, lw_err *err)
{
    const lw_gpu *g = &e->gpu;
    if (g->memory_bw_bytes_per_s <= 0 || g->tdp_w <= 0 ||
        (g->peak_flops[LW_PREC_BF16] <= 0 && g->peak_flops[LW_PREC_FP16] <= 0))
        return lw_fail(err, LW_ERR_UNSUPPORTED,
                       "GPU '%s' lacks a figure the roofline needs (memory bandwidth, TDP and bf16 peak must be "
                       "published); add them with --catalogue or use --method profile",
                       g->id);
    lw_status st;
    double z = 0;
    if ((st = need(cat, "estimate.roofline.allreduce_latency_s", &e->allreduce_latency_s, err)) != LW_OK ||
        (st = need(cat, "estimate.roofline.alltoall_latency_s", &e->alltoall_latency_s, err)) != LW_OK ||
        (st = need(cat, "estimate.roofline.activation_bytes", &e->activation_bytes, err)) != LW_OK ||
        (st = need(cat, "estimate.roofline.band_z", &z, err)) != LW_OK)
        return st;
    if (o->coeffs) {
        e->co = *o->coeffs;
        e->calibrated = o->coeffs->rows > 0;
        snprintf(e->coeff_source, sizeof e->coeff_source, "caller-supplied coefficients (%s, %d rows)", e->co.family,
                 e->co.rows);
    } else {
        size_t len = 0;
        const char *text = o->calibration_json ? o->calibration_json : lw_embedded_data("calibration/roofline.json", &len);
        if (!text)
            return lw_fail(err, LW_ERR_NOT_FOUND, "the roofline calibration data/calibration/roofline.json is not built in; "
                                                  "run 'llmwatt calibrate --output data/calibration/roofline.json' and rebuild");
        lw_calibration cal;
        if ((st = lw_calibration_parse(text, &cal, err)) != LW_OK)
            return st;
        e->co = lw_calibration_for_gpu(&cal, g, &e->calibrated);
        if (e->calibrated)
            snprintf(e->coeff_source, sizeof e->coeff_source, "fitted to %d calibration rows on '%s' GPUs (%s)", e->co.rows,
                     e->co.family,
                     o->calibration_json ? "a calibration file, not the shipped fit"
                                         : "data/calibration/roofline.json; llmwatt calibrate");
        else
            snprintf(e->coeff_source, sizeof e->coeff_source,
                     "prior (no calibration rows for architecture '%s'): physics.md MFU/MBU ranges, band from the "
                     "prior's error over all calibration rows",
                     g->architecture);
    }
    if (!e->calibrated && e->nwarnings < 2)
        snprintf(e->warnings[e->nwarnings++], sizeof e->warnings[0],
                 "no calibration for %s (%s): prior coefficients, wider band", g->id, g->architecture);
    for (int p = 0; p < LW_PREC_COUNT; p++)
        resolve_peak(e, (lw_precision)p);
    e->link_bw_dir = g->interconnect_bw_bytes_per_s / 2.0; /* published as bidirectional aggregate */
    if (e->gpus > 1 && heads_uneven(&e->model, e->gpus) && e->nwarnings < 3)
        snprintf(e->warnings[e->nwarnings++], sizeof e->warnings[0],
                 "%d attention heads do not split evenly over %d GPUs (tensor parallelism needs a divisor); "
                 "costed as an even split",
                 e->model.num_attention_heads, e->gpus);
    if (e->gpus > 1 && e->link_bw_dir <= 0 && e->nwarnings < 3)
        snprintf(e->warnings[e->nwarnings++], sizeof e->warnings[0],
                 "%s publishes no interconnect bandwidth: all-reduce time counts latency only", g->id);
    e->band_factor = exp(z * e->co.sigma_log);
    const lw_model_arch *m = &e->model;
    e->expert_parallel = e->gpus > 1 && m->num_experts > 0;
    e->max_normal_z = lw_expected_max_normal(e->gpus);
    /* Attention is split by heads over the GPUs: a latent (MLA) cache is read whole by every GPU,
     * and KV heads are replicated when there are fewer of them than GPUs. */
    if (m->kv_lora_rank > 0)
        e->kv_replication = e->gpus;
    else if (m->num_key_value_heads > 0)
        e->kv_replication = e->gpus * ceil((double)m->num_key_value_heads / e->gpus) / m->num_key_value_heads;
    else
        e->kv_replication = 1.0;
    return LW_OK;
}

/* Time and energy of one phase; fills ph. wb: bytes per weight element. */
static void phase(const lw_estimator *e, const lw_accounting *a, const lw_phase_counts *c, double peak, double wb,
                  lw_phase_estimate *ph)
{
    const lw_roofline_coeffs *k = &e->co;
    const lw_model_arch *m = &e->model;
    const double g = e->gpus;
    ph->flops = c->flops_total;
    ph->bytes = c->bytes_total;
    if (c->steps <= 0)
        return;
    const double tok = c->tokens / c->steps; /* tokens per forward pass */
    const double bw = e->gpu.memory_bw_bytes_per_s * k->eta_memory, fl = peak * k->eta_compute;
    /* mean GPU: FLOPs and bytes split evenly, KV replicated where heads do not split */
    double kv_extra = (e->kv_replication - 1.0) * (c->bytes_kv_read + c->bytes_kv_write);
    double t_c = c->flops_total / (g * fl);
    double t_m = (c->bytes_total + kv_extra) / (g * bw);
    /* busiest GPU under expert parallelism: its expected share of routed tokens and touched experts */
    double t_c_max = t_c, t_m_max = t_m;
    double n_ar = 2.0 * m->layers, n_a2a = 0;
    if (e->expert_parallel) {
        const double pairs = tok * m->experts_per_token, L_moe = a->params.moe_layers;
        double f_tok = lw_busiest_share_factor(pairs, e->gpus, e->max_normal_z);
        double flops_routed = c->steps * L_moe * pairs * 2.0 * a->params.expert;
        t_c_max += flops_routed / g * (f_tok - 1.0) / fl;
        double busiest = lw_busiest_touched(c->experts_touched, m->num_experts, e->gpus, e->max_normal_z);
        t_m_max += c->steps * L_moe * (busiest - c->experts_touched / g) * a->params.expert * wb / bw;
        n_ar -= L_moe; /* the FFN all-reduce of a MoE layer is replaced by dispatch + combine */
        n_a2a = 2.0 * L_moe;
    }
    double t_comm = 0;
    if (e->gpus > 1) {
        /* all-reduce (ring): 2(g-1)/g of the message; all-to-all: each GPU sends its tok/g tokens'
         * k expert copies, (g-1)/g of them to other GPUs */
        double msg = tok * m->hidden_size * e->activation_bytes;
        double ar = e->allreduce_latency_s + (e->link_bw_dir > 0 ? 2.0 * (g - 1) / g * msg / e->link_bw_dir : 0);
        double a2a = e->alltoall_latency_s +
                     (e->link_bw_dir > 0 ? msg / g * m->experts_per_token * (g - 1) / g / e->link_bw_dir : 0);
        t_comm = c->steps * (n_ar * ar + n_a2a * a2a);
    }
    double t = fmax(t_c_max, t_m_max) + t_comm + c->steps * k->step_overhead_s;
    double idle = e->gpu.idle_w > 0 ? e->gpu.idle_w : k->idle_fraction * e->gpu.tdp_w;
    /* power of the mean GPU: the others wait for the busiest */
    double f = fmin(1.0, k->power_k_compute * t_c / t + k->power_k_memory * t_m / t);
    double p_gpu = fmin(e->gpu.tdp_w, idle + (e->gpu.tdp_w - idle) * f);
    ph->time_s = t;
    ph->avg_power_w = g * p_gpu;
    ph->energy_j = ph->avg_power_w * t;
    ph->compute_bound = t_c_max >= t_m_max && t_c_max >= t_comm;
    ph->bound = ph->compute_bound ? LW_BOUND_COMPUTE : t_comm > t_m_max ? LW_BOUND_COMMUNICATION : LW_BOUND_MEMORY;
    ph->compute_time_s = t_c_max;
    ph->memory_time_s = t_m_max;
    ph->communication_time_s = t_comm;
}

lw_status lw_roofline_run(const lw_estimator *e, const lw_workload *w, lw_estimate *out, lw_err *err)
{
    const double context = w->input_tokens + w->output_tokens + w->reasoning_tokens;
    if (e->model.max_context > 0 && context > e->model.max_context) {
        char msg[256];
        snprintf(msg, sizeof msg, "%.0f tokens of context exceed %s's maximum of %d: the model cannot serve this request",
                 context, e->model.name, e->model.max_context);
        lw_estimate_warn(out, msg);
    }
    lw_accounting a;
    lw_status st = lw_account_params(&e->model, &e->params, w, &a, err);
    if (st != LW_OK)
        return st;
    lw_err fit;
    if (lw_check_fit(&a, &e->gpu, e->gpus, e->usable_fraction, &fit) != LW_OK) {
        if (e->opts.strict_memory) {
            if (err)
                *err = fit;
            return fit.status;
        }
        lw_estimate_warn(out, lw_err_message(&fit));
    }
    lw_precision p = (unsigned)w->weight_precision < LW_PREC_COUNT ? w->weight_precision : LW_PREC_BF16;
    if (e->prec_warning[p][0])
        lw_estimate_warn(out, e->prec_warning[p]);
    out->compute_precision = e->peak_prec[p];
    double wb = lw_precision_bytes(w->weight_precision);
    phase(e, &a, &a.prefill, e->peak[p], wb, &out->prefill);
    phase(e, &a, &a.decode, e->peak[p], wb, &out->decode);
    lw_estimate_finish(e, w, e->band_factor, out);
    return LW_OK;
}
