/* Seed 000's Formulas 1 and 2 with coefficient bands (see include/llmwatt/scale.h). */
#include "llmwatt/scale.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/util.h"

const char *lw_multi_gpu_name(lw_multi_gpu_mode m)
{
    switch (m) {
    case LW_MULTI_GPU_OVERHEAD: return "overhead";
    case LW_MULTI_GPU_SEED: return "seed";
    case LW_MULTI_GPU_NONE: return "none";
    }
    return "overhead";
}

lw_status lw_multi_gpu_parse(const char *name, lw_multi_gpu_mode *out, lw_err *err)
{
    for (int m = LW_MULTI_GPU_OVERHEAD; m <= LW_MULTI_GPU_NONE; m++)
        if (name && lw_streq_ci(name, lw_multi_gpu_name((lw_multi_gpu_mode)m))) {
            *out = (lw_multi_gpu_mode)m;
            return LW_OK;
        }
    return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "unknown multi-GPU mode '%s' (use overhead, seed or none)", name ? name : "");
}

lw_scale_input lw_scale_input_default(void)
{
    lw_scale_input in;
    memset(&in, 0, sizeof in);
    in.from.gpus = 1;
    in.to.gpus = 1;
    in.multi_gpu = LW_MULTI_GPU_OVERHEAD;
    return in;
}

static lw_band band_of(double lo, double ex, double hi)
{
    lw_band b = {lo, ex, hi};
    return b;
}

static lw_band band_const(const lw_constant *c)
{
    return band_of(c->low, c->value, c->high);
}

/* Product of two bands, end by end (both bands are positive and ordered). */
static lw_band band_mul(lw_band a, lw_band b)
{
    return band_of(a.low * b.low, a.expected * b.expected, a.high * b.high);
}

static void note(lw_scale_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(lw_scale_result *r, const char *fmt, ...)
{
    if (r->nnotes >= LW_SCALE_NOTES)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->notes[r->nnotes++], sizeof r->notes[0], fmt, ap);
    va_end(ap);
}

bool lw_scale_family_known(const lw_catalogue *cat, const char *family)
{
    char key[96];
    snprintf(key, sizeof key, "scale.mu_arch.%s", family);
    if (lw_catalogue_find_constant(cat, key, &(const lw_constant *){NULL}, NULL) == LW_OK)
        return true;
    for (size_t i = 0; i < lw_catalogue_model_count(cat); i++)
        if (lw_streq_ci(lw_catalogue_model_at(cat, i)->family, family))
            return true;
    return false;
}

/* The mu_arch band of a family: its table entry, or the default (reference, widest range);
 * cite (when not NULL) gets the entry's citation, its source up to the first ':'. */
static lw_status family_mu(const lw_catalogue *cat, const char *family, lw_band *mu, bool *from_table, char *cite, size_t cite_len,
                           lw_err *err)
{
    char key[96];
    const lw_constant *c;
    snprintf(key, sizeof key, "scale.mu_arch.%s", family);
    *from_table = lw_catalogue_find_constant(cat, key, &c, NULL) == LW_OK;
    if (!*from_table) {
        if (!lw_scale_family_known(cat, family))
            return lw_fail(err, LW_ERR_NOT_FOUND,
                           "unknown model family '%s' (families: those of 'llmwatt models' and 'llmwatt sources scale.mu_arch')", family);
        if (lw_catalogue_find_constant(cat, "scale.mu_arch.default", &c, err) != LW_OK)
            return err ? err->status : LW_ERR_NOT_FOUND;
    }
    *mu = band_const(c);
    if (cite) {
        const char *colon = strchr(c->source, ':');
        snprintf(cite, cite_len, "%.*s", colon ? (int)(colon - c->source) : (int)strlen(c->source), c->source);
    }
    return LW_OK;
}

static lw_status resolve_mu(const lw_catalogue *cat, const lw_scale_input *in, lw_scale_result *r, lw_err *err)
{
    const char *ft = in->to.family && *in->to.family ? in->to.family : NULL;
    const char *ff = in->from.family && *in->from.family ? in->from.family : NULL;
    lw_band to = band_of(1, 1, 1), from = band_of(1, 1, 1);
    bool to_tab = false, from_tab = false;
    lw_status st;
    /* Families are checked even when --mu overrides, so a misspelt one is never silently ignored. */
    char cite[160] = "";
    if (ft && (st = family_mu(cat, ft, &to, &to_tab, cite, sizeof cite, err)) != LW_OK)
        return st;
    if (ff && (st = family_mu(cat, ff, &from, &from_tab, NULL, 0, err)) != LW_OK)
        return st;
    if (in->have_mu) {
        r->mu = in->mu;
        snprintf(r->mu_basis, sizeof r->mu_basis, "--mu %g,%g,%g (the whole factor)", in->mu.low, in->mu.expected, in->mu.high);
        return LW_OK;
    }
    if (ff && ft && lw_streq_ci(ff, ft)) {
        r->mu = band_of(1, 1, 1);
        snprintf(r->mu_basis, sizeof r->mu_basis, "1: same family (%s) on both sides", ft);
        return LW_OK;
    }
    if (!ft) {
        r->mu = band_of(1, 1, 1);
        snprintf(r->mu_basis, sizeof r->mu_basis, "not applied: no target family (give --to-model, --family or --mu)");
        return LW_OK;
    }
    /* The baseline's family enters through its expected value only: its efficiency is what the
     * measurement already contains; the band is the target's uncertainty. With a qwen2.5
     * baseline (1.00) this is seed 000's mu_arch exactly. */
    r->mu = band_of(to.low / from.expected, to.expected / from.expected, to.high / from.expected);
    snprintf(r->mu_basis, sizeof r->mu_basis, "%s %g [%g, %g] (%s) / %s %g", ft, to.expected, to.low, to.high,
             to_tab ? cite : "no seed 000 estimate: reference 1.00, widest range", ff ? ff : "baseline (reference)", from.expected);
    if (!to_tab)
        note(r, "family '%s' has no seed 000 mu_arch estimate: using the reference 1.00 with the widest range [%g, %g]", ft,
             to.low, to.high);
    if (ff && !from_tab)
        note(r, "baseline family '%s' has no seed 000 mu_arch estimate: taken as the reference 1.00", ff);
    return LW_OK;
}

/* Power per GPU of one side and the factor band its source adds to P_to/P_from. */
static lw_status side_power(const lw_catalogue *cat, const lw_scale_side *s, const char *which, double *p, lw_band *spread,
                            char *basis, size_t blen, lw_err *err)
{
    *spread = band_of(1, 1, 1);
    if (s->power_w > 0) {
        *p = s->power_w;
        snprintf(basis, blen, "--%s-power-w", which);
        return LW_OK;
    }
    if (s->gpu->typical_inference_power_w > 0) {
        *p = s->gpu->typical_inference_power_w;
        snprintf(basis, blen, "catalogue typical inference power (%s)",
                 s->gpu->typical_power_source[0] ? s->gpu->typical_power_source : "gpus.csv");
        return LW_OK;
    }
    if (!(s->gpu->tdp_w > 0))
        return lw_fail(err, LW_ERR_UNSUPPORTED,
                       "GPU '%s' has no typical inference power and no TDP in the catalogue: give --%s-power-w WATTS", s->gpu->id,
                       which);
    const lw_constant *f;
    if (lw_catalogue_find_constant(cat, "scale.power_fraction_of_tdp", &f, err) != LW_OK)
        return err ? err->status : LW_ERR_NOT_FOUND;
    *p = f->value * s->gpu->tdp_w;
    *spread = band_of(f->low / f->value, 1, f->high / f->value);
    snprintf(basis, blen, "fallback %.2f x TDP %g W (no typical inference power; band %.2f..%.2f x TDP)", f->value, s->gpu->tdp_w,
             f->low, f->high);
    return LW_OK;
}

static double overhead(double alpha, int g)
{
    return 1.0 + alpha * (g - 1);
}

static lw_status hardware_step(const lw_catalogue *cat, const lw_scale_input *in, lw_scale_result *r, lw_err *err)
{
    const lw_gpu *gf = in->from.gpu, *gt = in->to.gpu ? in->to.gpu : in->from.gpu;
    if (!gf)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "a target GPU needs the baseline's GPU: give --from-gpu");
    const lw_gpu *gs[2] = {gf, gt};
    for (int i = 0; i < 2; i++)
        if (!(gs[i]->memory_bw_bytes_per_s > 0))
            return lw_fail(err, LW_ERR_UNSUPPORTED, "GPU '%s' has no memory bandwidth in the catalogue: Formula 2 needs it",
                           gs[i]->id);
    lw_scale_side to = in->to;
    to.gpu = gt;
    lw_band sf, st;
    lw_status s;
    if ((s = side_power(cat, &in->from, "from", &r->from_power_w, &sf, r->from_power_basis, sizeof r->from_power_basis, err)) != LW_OK ||
        (s = side_power(cat, &to, "to", &r->to_power_w, &st, r->to_power_basis, sizeof r->to_power_basis, err)) != LW_OK)
        return s;
    double pr = r->to_power_w / r->from_power_w;
    /* The target's fallback scales P_to; the baseline's scales 1/P_from (so its ends swap). */
    r->power_ratio = band_of(pr * st.low / sf.high, pr, pr * st.high / sf.low);
    if (sf.low != 1 || st.low != 1)
        note(r, "a power is the %.2f x TDP fallback: the band widens by the fallback's range (give --from-power-w/--to-power-w to avoid it)",
             lw_catalogue_value(cat, "scale.power_fraction_of_tdp", NAN));
    r->bandwidth_ratio = gf->memory_bw_bytes_per_s / gt->memory_bw_bytes_per_s;
    r->hardware_ratio = band_mul(band_of(r->bandwidth_ratio, r->bandwidth_ratio, r->bandwidth_ratio), r->power_ratio);

    char key[128];
    const lw_constant *c;
    snprintf(key, sizeof key, "scale.eta_util.%s.%s", gf->id, gt->id);
    if (in->have_eta) {
        r->eta = in->eta;
        snprintf(r->eta_basis, sizeof r->eta_basis, "--eta");
    } else if (lw_catalogue_find_constant(cat, key, &c, NULL) == LW_OK) {
        r->eta = band_const(c);
        snprintf(r->eta_basis, sizeof r->eta_basis, "%s (fitted pair)", key);
    } else {
        if (lw_catalogue_find_constant(cat, "scale.eta_util", &c, err) != LW_OK)
            return err ? err->status : LW_ERR_NOT_FOUND;
        r->eta = band_const(c);
        snprintf(r->eta_basis, sizeof r->eta_basis, "scale.eta_util (seed 000 §1.3)");
    }

    r->alpha = in->have_alpha ? in->alpha : lw_catalogue_value(cat, "scale.alpha", 0.12);
    int g0 = in->from.gpus, g1 = in->to.gpus;
    switch (in->multi_gpu) {
    case LW_MULTI_GPU_OVERHEAD: r->multi_gpu_factor = overhead(r->alpha, g1) / overhead(r->alpha, g0); break;
    case LW_MULTI_GPU_SEED: r->multi_gpu_factor = g1 * overhead(r->alpha, g1) / (g0 * overhead(r->alpha, g0)); break;
    case LW_MULTI_GPU_NONE: r->multi_gpu_factor = 1.0; break;
    }
    if (g0 != g1 || g0 > 1) {
        if (in->multi_gpu == LW_MULTI_GPU_OVERHEAD)
            note(r, "multi-GPU (overhead): per-token energy on G GPUs is G*P*t_token and t_token shrinks ~1/G as G memory "
                    "systems stream the weights, so only (1+alpha(G-1)) remains: %d -> %d GPUs gives %.3f",
                 g0, g1, r->multi_gpu_factor);
        else if (in->multi_gpu == LW_MULTI_GPU_SEED)
            note(r, "multi-GPU (seed): seed 000 Part 2's G*(1+alpha(G-1)) counts the G GPUs as if each token were computed "
                    "G times; %d -> %d GPUs gives %.3f",
                 g0, g1, r->multi_gpu_factor);
        else
            note(r, "multi-GPU (none): the GPU counts are ignored, as seed 000 Part 4's numbers did");
    }
    if (r->multi_gpu_factor != 1.0)
        note(r, "this departs from seed 000's tables (Parts 4 and 5 use no multi-GPU term: M = 1, 'already baked into the "
                "utilization efficiency'): --multi-gpu none gives the seed's reading, %.4g times this result",
             1.0 / r->multi_gpu_factor);
    r->hardware_step = true;
    return LW_OK;
}

static lw_status check_band(const char *name, lw_band b, double lo, double hi, lw_err *err)
{
    if (!(b.low > lo && b.high < hi && b.low <= b.expected && b.expected <= b.high))
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "%s must satisfy %g < LOW <= EXPECTED <= HIGH < %g, got %g,%g,%g", name, lo, hi,
                       b.low, b.expected, b.high);
    return LW_OK;
}

lw_status lw_scale_run(const lw_catalogue *cat, const lw_scale_input *in, lw_scale_result *out, lw_err *err)
{
    memset(out, 0, sizeof *out);
    if (!(in->baseline_j_per_token > 0) || !isfinite(in->baseline_j_per_token))
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "the baseline J/token must be a positive number, got %g", in->baseline_j_per_token);
    if (!(in->from.params > 0) || !(in->to.params > 0) || !isfinite(in->from.params) || !isfinite(in->to.params))
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "active parameter counts must be positive (from %g, to %g)", in->from.params,
                       in->to.params);
    if (in->from.gpus < 1 || in->to.gpus < 1)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "GPU counts must be >= 1 (from %d, to %d)", in->from.gpus, in->to.gpus);
    if (in->have_alpha && !(in->alpha >= 0 && in->alpha < 10))
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "alpha must be in [0, 10), got %g", in->alpha);
    lw_status st;
    const lw_constant *c;
    if (in->have_k) {
        out->k = in->k;
    } else {
        if (lw_catalogue_find_constant(cat, "scale.k", &c, err) != LW_OK)
            return err ? err->status : LW_ERR_NOT_FOUND;
        out->k = band_const(c);
    }
    if ((st = check_band("k", out->k, 0, 2, err)) != LW_OK ||
        (in->have_mu && (st = check_band("mu_arch", in->mu, 0, 100, err)) != LW_OK) ||
        (in->have_eta && (st = check_band("eta_util", in->eta, 0, 100, err)) != LW_OK))
        return st;

    out->param_ratio = in->to.params / in->from.params;
    out->log2_param_ratio = log2(out->param_ratio);
    double a = out->param_ratio * pow(out->k.low, out->log2_param_ratio);
    double b = out->param_ratio * pow(out->k.high, out->log2_param_ratio);
    out->size_factor = band_of(fmin(a, b), out->param_ratio * pow(out->k.expected, out->log2_param_ratio), fmax(a, b));
    if ((st = resolve_mu(cat, in, out, err)) != LW_OK)
        return st;

    lw_band e = band_mul(out->size_factor, out->mu);
    out->hardware_ratio = out->power_ratio = out->eta = band_of(1, 1, 1);
    out->bandwidth_ratio = out->multi_gpu_factor = 1.0;
    if (in->from.gpu || in->to.gpu) {
        if ((st = hardware_step(cat, in, out, err)) != LW_OK)
            return st;
        e = band_mul(band_mul(e, out->hardware_ratio), out->eta);
        e = band_mul(e, band_of(out->multi_gpu_factor, out->multi_gpu_factor, out->multi_gpu_factor));
    } else {
        note(out, "no GPU given: Formula 1 only (no bandwidth, power, eta_util or multi-GPU factor)");
        if (in->from.gpus != in->to.gpus)
            return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "GPU counts differ but no GPU is named: give --from-gpu (and --to-gpu)");
    }
    out->fit_residual = band_of(1, 1, 1);
    if (lw_catalogue_find_constant(cat, "scale.fit.residual_band", &c, NULL) == LW_OK) {
        out->fit_residual = band_const(c);
        e = band_mul(e, out->fit_residual);
        note(out, "fitted coefficients: the band includes the fit's 90%% residual band x%.3g..x%.3g", c->low, c->high);
    }
    out->energy_per_token_j = band_mul(band_of(in->baseline_j_per_token, in->baseline_j_per_token, in->baseline_j_per_token), e);
    return LW_OK;
}
