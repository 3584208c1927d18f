/* The default method: a calibrated roofline (docs/estimate.md).
 * Per phase: time = max(FLOPs / (gpus peak eta_c), bytes / (gpus bw eta_m)) + tensor-parallel
 * all-reduces + steps x fixed overhead; power per GPU = idle + (TDP - idle) x
 * min(1, k_c u_c + k_m u_m) with u the compute and memory busy fractions; energy = power x time.
 * A MoE model's routed experts run in grouped-GEMM (fused-MoE) kernels at moe_efficiency times
 * the dense efficiencies: their FLOPs and weight bytes count 1/moe_efficiency times.
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

/* ---- Power limits and clocks (estimate --power-limit W / --sm-clock MHz) ------------------------
 * At SM clock ratio s = f / f_max (docs/estimate.md, "Power limits and clocks"):
 *   time    t(s) = scale * max(t_c_max / s, t_m_max) + communication + step overheads
 *           (compute slows with the clock; the HBM clock is not capped, so memory time stays)
 *   voltage v(s) = max(s, knee): proportional to the clock above the knee, at its floor below
 *   dynamic energy = (TDP - idle) [k_c t_c v^2 + k_m t_m (beta s v^2 + 1 - beta)]
 *           (energy per operation ~ V^2; the SM-side share beta of memory-bound power is clocked
 *           logic, ~ f V^2; the HBM side does not change); idle power stays
 * A power limit runs the phase at the highest s (up to the lock) whose power is within it. */

/* GPUs of the catalogue that publish a power-limit and clock range, for the message that names
 * them: whole names only, then "and N more (llmwatt gpus)" when they do not all fit. */
static void gpus_with_ranges(const lw_catalogue *cat, char *out, size_t size)
{
    static const size_t tail = 40; /* room kept for ", and 9999 more (llmwatt gpus)" */
    size_t len = 0, more = 0;
    out[0] = '\0';
    for (size_t i = 0; i < lw_catalogue_gpu_count(cat); i++) {
        const lw_gpu *g = lw_catalogue_gpu_at(cat, i);
        if (!(g->power_limit_max_w > 0))
            continue;
        size_t need_len = strlen(g->id) + (len ? 2 : 0);
        if (more || len + need_len + tail >= size) {
            more++;
            continue;
        }
        snprintf(out + len, size - len, "%s%s", len ? ", " : "", g->id);
        len += need_len;
    }
    if (more)
        snprintf(out + len, size - len, "%sand %zu more (llmwatt gpus)", len ? ", " : "", more);
}

static lw_status power_clock_prepare(lw_estimator *e, const lw_catalogue *cat, const lw_estimate_opts *o, lw_err *err)
{
    e->pw_active = o->power_limit_w > 0 || o->sm_clock_mhz > 0;
    if (!e->pw_active)
        return LW_OK;
    const lw_gpu *g = &e->gpu;
    if (!(g->power_limit_max_w > 0 && g->sm_clock_max_mhz > 0)) {
        char have[220];
        gpus_with_ranges(cat, have, sizeof have);
        return lw_fail(err, LW_ERR_UNSUPPORTED,
                       "%s publishes no power-limit and SM clock range, so --power-limit and --sm-clock cannot be costed on "
                       "it (ranges are known for: %s); add power_limit_min_w..sm_clock_max_mhz to a GPU file given with "
                       "--catalogue",
                       g->id, have[0] ? have : "none");
    }
    if (o->power_limit_w > 0 && (o->power_limit_w < g->power_limit_min_w || o->power_limit_w > g->power_limit_max_w))
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT,
                       "--power-limit %g W is outside %s's settable range %g..%g W (nvidia-smi -q Min/Max Power Limit)",
                       o->power_limit_w, g->id, g->power_limit_min_w, g->power_limit_max_w);
    if (o->sm_clock_mhz > 0 && (o->sm_clock_mhz < g->sm_clock_min_mhz || o->sm_clock_mhz > g->sm_clock_max_mhz))
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "--sm-clock %g MHz is outside %s's SM clock range %g..%g MHz",
                       o->sm_clock_mhz, g->id, g->sm_clock_min_mhz, g->sm_clock_max_mhz);
    lw_status st;
    if ((st = need(cat, "estimate.power.voltage_knee", &e->pw_knee, err)) != LW_OK ||
        (st = need(cat, "estimate.power.sm_share_memory", &e->pw_sm_share, err)) != LW_OK)
        return st;
    e->pw_limit_w = o->power_limit_w;
    e->pw_clock_max = o->sm_clock_mhz > 0 ? o->sm_clock_mhz / g->sm_clock_max_mhz : 1.0;
    e->pw_clock_min = g->sm_clock_min_mhz / g->sm_clock_max_mhz;
    return LW_OK;
}

/* A phase's roofline terms at full clock, for re-costing it at another clock. */
typedef struct clock_terms {
    double t_c, t_m;         /* mean GPU compute and memory time */
    double t_c_max, t_m_max; /* busiest GPU */
    double scale;            /* micro-slots per micro-batch (pipeline) */
    double fixed_s;          /* communication and step overheads: clock-independent */
    double idle_w, gpus;
} clock_terms;

static double clock_time(const clock_terms *x, double s)
{
    return x->scale * fmax(x->t_c_max / s, x->t_m_max) + x->fixed_s;
}

/* Power per GPU at clock ratio s over a phase of time t. */
static double clock_power(const lw_estimator *e, const clock_terms *x, double s, double t)
{
    const lw_roofline_coeffs *k = &e->co;
    const double v = fmax(s, e->pw_knee), v2 = v * v, beta = e->pw_sm_share, tdp = e->gpu.tdp_w;
    double f = fmin(1.0, (k->power_k_compute * x->t_c * v2 + k->power_k_memory * x->t_m * (beta * s * v2 + 1.0 - beta)) / t);
    return fmin(tdp, x->idle_w + (tdp - x->idle_w) * f);
}

/* Re-costs a phase at the clock the lock and limit allow; returns the clock ratio. *unreachable:
 * the phase draws more than the limit even at the lowest clock (costed there). Power falls with
 * the clock (the dynamic part shrinks, the time grows), so bisection finds the limit's clock. */
static double clock_phase(const lw_estimator *e, const clock_terms *x, bool *unreachable, lw_phase_estimate *ph)
{
    double s = e->pw_clock_max, t = clock_time(x, s), p = clock_power(e, x, s, t);
    if (e->pw_limit_w > 0 && p > e->pw_limit_w) {
        double lo = e->pw_clock_min, hi = s;
        if (clock_power(e, x, lo, clock_time(x, lo)) > e->pw_limit_w) {
            *unreachable = true;
            hi = lo;
        }
        for (int i = 0; i < 48 && hi > lo; i++) {
            double mid = 0.5 * (lo + hi);
            if (clock_power(e, x, mid, clock_time(x, mid)) > e->pw_limit_w)
                hi = mid;
            else
                lo = mid;
        }
        s = lo;
        t = clock_time(x, s);
        p = clock_power(e, x, s, t);
    }
    const double t_c = x->t_c_max / s, t_comm = ph->communication_time_s;
    ph->time_s = t;
    ph->avg_power_w = x->gpus * p;
    ph->energy_j = ph->avg_power_w * t;
    ph->compute_time_s = t_c;
    ph->compute_bound = t_c >= x->t_m_max && t_c >= t_comm;
    ph->bound = ph->compute_bound ? LW_BOUND_COMPUTE : t_comm > x->t_m_max ? LW_BOUND_COMMUNICATION : LW_BOUND_MEMORY;
    return s;
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
        (st = need(cat, "estimate.roofline.band_z", &z, err)) != LW_OK ||
        (st = need(cat, "estimate.roofline.internode_latency_s", &e->internode_latency_s, err)) != LW_OK ||
        (st = need(cat, "estimate.roofline.moe_efficiency", &e->moe_efficiency, err)) != LW_OK)
        return st;
    if (!(e->moe_efficiency > 0 && e->moe_efficiency <= 1))
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT,
                       "constant estimate.roofline.moe_efficiency is %g; it must lie in (0, 1] (a share of the dense "
                       "efficiencies)",
                       e->moe_efficiency);
    if (o->internode_bw_bytes_per_s > 0)
        e->internode_bw_dir = o->internode_bw_bytes_per_s;
    else if ((st = need(cat, "estimate.roofline.internode_bw_bytes_per_s", &e->internode_bw_dir, err)) != LW_OK)
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
        double pj = NAN;
        if (!e->calibrated)
            e->co = lw_roofline_gpu_prior(cat, &e->co, g, &pj);
        if (e->calibrated)
            snprintf(e->coeff_source, sizeof e->coeff_source, "fitted to %d calibration rows on '%s' GPUs (%s)", e->co.rows,
                     e->co.family,
                     o->calibration_json ? "a calibration file, not the shipped fit"
                                         : "data/calibration/roofline.json; llmwatt calibrate");
        else if (isnan(pj))
            snprintf(e->coeff_source, sizeof e->coeff_source,
                     "prior (no calibration rows for architecture '%s'): physics.md MFU/MBU ranges, band from the "
                     "prior's error over all calibration rows",
                     g->architecture);
        else
            snprintf(e->coeff_source, sizeof e->coeff_source,
                     "prior (no calibration rows for '%.40s'): physics.md MFU/MBU ranges; power_k_compute %.2f from seed "
                     "002's %.2f pJ/MAC at %g nm; band from the prior's error over all calibration rows",
                     g->architecture, e->co.power_k_compute, pj, g->process_node_nm);
    }
    if (!e->calibrated && e->nwarnings < 2)
        snprintf(e->warnings[e->nwarnings++], sizeof e->warnings[0],
                 "no calibration for %s (%s): prior coefficients, wider band", g->id, g->architecture);
    for (int p = 0; p < LW_PREC_COUNT; p++)
        resolve_peak(e, (lw_precision)p);
    e->link_bw_dir = g->interconnect_bw_bytes_per_s / 2.0; /* published as bidirectional aggregate */
    /* a tensor-parallel group larger than the node talks over the inter-node network */
    e->tp_link_bw_dir = g->node_gpus > 0 && e->tp > g->node_gpus ? e->internode_bw_dir : e->link_bw_dir;
    if (e->tp > 1 && heads_uneven(&e->model, e->tp) && e->nwarnings < 3)
        snprintf(e->warnings[e->nwarnings++], sizeof e->warnings[0],
                 "%d attention heads do not split evenly over %d GPUs (tensor parallelism needs a divisor); "
                 "costed as an even split",
                 e->model.num_attention_heads, e->tp);
    if (e->pp > e->model.layers)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "--pp %d exceeds %s's %d layers (each stage needs a layer)", e->pp,
                       e->model.name, e->model.layers);
    if (e->tp > 1 && e->tp_link_bw_dir <= 0 && e->nwarnings < 3)
        snprintf(e->warnings[e->nwarnings++], sizeof e->warnings[0],
                 "%s publishes no interconnect bandwidth: all-reduce time counts latency only", g->id);
    e->band_factor = exp(z * e->co.sigma_log);
    const lw_model_arch *m = &e->model;
    e->expert_parallel = e->tp > 1 && m->num_experts > 0; /* experts split over each stage's tp GPUs */
    e->max_normal_z = lw_expected_max_normal(e->tp);
    /* Attention is split by heads over the GPUs: a latent (MLA) cache is read whole by every GPU,
     * and KV heads are replicated when there are fewer of them than GPUs. */
    e->kv_replication = lw_kv_replication(m, e->tp);
    return power_clock_prepare(e, cat, o, err);
}

/* Time per forward pass outside the roofline's GEMM and attention terms: a fixed part (launch
 * and scheduling gaps) and one per running sequence per layer (non-GEMM work and the engine's
 * per-request handling), which weighs most on small models at large batch (docs/estimate.md). */
static double step_overhead(const lw_roofline_coeffs *k, const lw_model_arch *m, double batch)
{
    return k->step_overhead_s + k->seq_layer_overhead_s * batch * m->layers;
}

/* Time and energy of one phase; fills ph. wb: bytes per weight element; batch: sequences.
 * Pipeline stages (pp > 1) run mb = min(batch, pp) micro-batches: each re-reads its stage's
 * weights, a prefill pass takes mb + pp - 1 micro-slots and a decode step pp (the bubble). */
static void phase(const lw_estimator *e, const lw_accounting *a, const lw_phase_counts *c, double peak, double wb,
                  double batch, bool prefill, lw_phase_estimate *ph, double *clock, bool *unreachable)
{
    const lw_roofline_coeffs *k = &e->co;
    const lw_model_arch *m = &e->model;
    const double g = e->gpus, tp = e->tp, pp = e->pp;
    ph->flops = c->flops_total;
    ph->bytes = c->bytes_total;
    if (c->steps <= 0)
        return;
    const double mb = pp > 1 ? fmin(batch, pp) : 1.0;
    const double slots = pp > 1 ? (prefill ? mb + pp - 1.0 : pp) : 1.0; /* micro-slots per step */
    const double tok = c->tokens / c->steps / mb;                       /* tokens per micro-batch forward */
    const double bw = e->gpu.memory_bw_bytes_per_s * k->eta_memory, fl = peak * k->eta_compute;
    /* mean GPU: FLOPs and bytes split evenly, KV replicated where heads do not split, weights
     * re-read by every micro-batch */
    double kv_extra = (e->kv_replication - 1.0) * (c->bytes_kv_read + c->bytes_kv_write);
    /* routed experts at moe_efficiency: their FLOPs and weight bytes count 1/moe_efficiency times */
    const double moe_extra = m->num_experts > 0 ? 1.0 / e->moe_efficiency - 1.0 : 0.0;
    const double L_moe = a->params.moe_layers, expert_w = a->params.expert;
    const double expert_flops = c->tokens * m->experts_per_token * 2.0 * expert_w * L_moe;
    const double expert_bytes = c->steps * L_moe * c->experts_touched * expert_w * wb * mb;
    double t_c = (c->flops_total + moe_extra * expert_flops) / (g * fl);
    double t_m = (c->bytes_total + (mb - 1.0) * c->bytes_weights + kv_extra + moe_extra * expert_bytes) / (g * bw);
    /* busiest GPU under expert parallelism (over a stage's tp GPUs): its expected share of routed
     * tokens and touched experts */
    double t_c_max = t_c, t_m_max = t_m;
    double n_ar = 2.0 * m->layers / pp, n_a2a = 0; /* collectives per micro-slot (a stage's layers) */
    if (e->expert_parallel) {
        const double pairs = tok * mb * m->experts_per_token, slow = 1.0 + moe_extra;
        double f_tok = lw_busiest_share_factor(pairs, e->tp, e->max_normal_z);
        t_c_max += slow * expert_flops / g * (f_tok - 1.0) / fl;
        double busiest = lw_busiest_touched(c->experts_touched, m->num_experts, e->tp, e->max_normal_z);
        t_m_max += slow * c->steps * L_moe / pp * (busiest - c->experts_touched / tp) * expert_w * wb / bw;
        n_ar -= L_moe / pp; /* the FFN all-reduce of a MoE layer is replaced by dispatch + combine */
        n_a2a = 2.0 * L_moe / pp;
    }
    double t_comm = 0;
    const double msg = tok * m->hidden_size * e->activation_bytes;
    if (e->tp > 1) {
        /* all-reduce (ring): 2(tp-1)/tp of the message; all-to-all: each GPU sends its tok/tp tokens'
         * k expert copies, (tp-1)/tp of them to other GPUs */
        double lb = e->tp_link_bw_dir;
        double ar = e->allreduce_latency_s + (lb > 0 ? 2.0 * (tp - 1) / tp * msg / lb : 0);
        double a2a = e->alltoall_latency_s + (lb > 0 ? msg / tp * m->experts_per_token * (tp - 1) / tp / lb : 0);
        t_comm = c->steps * slots * (n_ar * ar + n_a2a * a2a);
    }
    if (pp > 1) /* each micro-slot hands a stage's activations to the next node, each GPU its 1/tp slice */
        t_comm += c->steps * slots * (e->internode_latency_s + msg / tp / e->internode_bw_dir);
    double t = slots / mb * fmax(t_c_max, t_m_max) + t_comm + c->steps * step_overhead(k, m, batch);
    double idle = e->gpu.idle_w > 0 ? e->gpu.idle_w : k->idle_fraction * e->gpu.tdp_w;
    /* power of the mean GPU: the others wait for the busiest, and stages wait in the bubble */
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
    if (e->pw_active) {
        const double fixed = t_comm + c->steps * step_overhead(k, m, batch);
        const clock_terms x = {t_c, t_m, t_c_max, t_m_max, slots / mb, fixed, idle, g};
        *clock = clock_phase(e, &x, unreachable, ph);
    }
}

/* The limit, the lock and each phase's clock into the estimate; a warning for a phase the limit
 * cannot hold even at the lowest clock. */
static void power_clock_report(const lw_estimator *e, const double clock[2], const bool unreachable[2], lw_estimate *out)
{
    const double fmax_mhz = e->gpu.sm_clock_max_mhz;
    out->power_limit_w = e->pw_limit_w;
    out->sm_clock_lock_mhz = e->opts.sm_clock_mhz;
    out->prefill_sm_clock_mhz = clock[0] * fmax_mhz;
    out->decode_sm_clock_mhz = clock[1] * fmax_mhz;
    const lw_phase_estimate *ph[2] = {&out->prefill, &out->decode};
    static const char *names[2] = {"prefill", "decode"};
    for (int i = 0; i < 2; i++)
        if (unreachable[i]) {
            char msg[256];
            snprintf(msg, sizeof msg,
                     "--power-limit %g W is below what %s draws at %s's lowest SM clock (%.0f MHz): costed at that clock "
                     "and %.0f W per GPU (a GPU this far below its range also lowers memory clocks: slower still)",
                     e->pw_limit_w, names[i], e->gpu.id, e->gpu.sm_clock_min_mhz, ph[i]->avg_power_w / e->gpus);
            lw_estimate_warn(out, msg);
        }
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
    lw_status st;
    lw_err fit;
    if (e->opts.strict_memory) { /* the old refusal: the requested batch at its full context */
        lw_accounting full;
        if ((st = lw_account_params(&e->model, &e->params, w, &full, err)) != LW_OK)
            return st;
        if (lw_check_fit(&full, &e->gpu, e->gpus, e->usable_fraction, &fit) != LW_OK) {
            if (err)
                *err = fit;
            return fit.status;
        }
    }
    if (lw_memory_plan_compute(&e->model, &e->params, &e->gpu, e->gpus, e->tp, e->usable_fraction, w, &out->memory,
                               &fit) != LW_OK) {
        if (!e->opts.measured_batch) {
            if (err)
                *err = fit;
            return fit.status;
        }
        lw_estimate_warn(out, lw_err_message(&fit));
        out->memory.effective_batch = w->batch;
    }
    lw_workload run = *w;
    const lw_memory_plan *mp = &out->memory;
    if (mp->effective_batch < w->batch) {
        char msg[256];
        snprintf(msg, sizeof msg,
                 "%s: the KV cache holds %.4g requests (%.1f GB after weights, %.3g GB per running request at prompt + "
                 "half its output); costed at effective batch %d of %d",
                 e->opts.measured_batch ? "measured batch kept" : "batch capped as an engine schedules it",
                 mp->max_concurrency, mp->kv_budget_bytes / 1e9, mp->kv_request_avg_bytes / 1e9, mp->effective_batch,
                 w->batch);
        lw_estimate_warn(out, msg);
        if (!e->opts.measured_batch)
            run.batch = mp->effective_batch;
    }
    out->effective_batch = run.batch;
    lw_accounting a;
    if ((st = lw_account_params(&e->model, &e->params, &run, &a, err)) != LW_OK)
        return st;
    lw_precision p = (unsigned)w->weight_precision < LW_PREC_COUNT ? w->weight_precision : LW_PREC_BF16;
    if (e->prec_warning[p][0])
        lw_estimate_warn(out, e->prec_warning[p]);
    out->compute_precision = e->peak_prec[p];
    double wb = lw_precision_bytes(w->weight_precision);
    double clock[2] = {1.0, 1.0};
    bool unreachable[2] = {false, false};
    phase(e, &a, &a.prefill, e->peak[p], wb, run.batch, true, &out->prefill, &clock[0], &unreachable[0]);
    phase(e, &a, &a.decode, e->peak[p], wb, run.batch, false, &out->decode, &clock[1], &unreachable[1]);
    if (e->pw_active)
        power_clock_report(e, clock, unreachable, out);
    if (e->pp > 1) {
        out->micro_batches = run.batch < e->pp ? run.batch : e->pp;
        out->pipeline_bubble = 1.0 - (double)out->micro_batches / e->pp;
    }
    if (run.batch < w->batch) { /* B requests take B / effective_batch rounds of the capped batch */
        const double rounds = (double)w->batch / run.batch;
        lw_phase_estimate *ph[2] = {&out->prefill, &out->decode};
        for (int i = 0; i < 2; i++) {
            ph[i]->energy_j *= rounds;
            ph[i]->time_s *= rounds;
            ph[i]->flops *= rounds;
            ph[i]->bytes *= rounds;
            ph[i]->compute_time_s *= rounds;
            ph[i]->memory_time_s *= rounds;
            ph[i]->communication_time_s *= rounds;
        }
    }
    lw_estimate_finish(e, w, e->band_factor, out);
    return LW_OK;
}
