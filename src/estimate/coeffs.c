/* The roofline coefficient table the estimator reads (data/calibration/roofline.json or a site
 * calibration): parsing and per-GPU lookup. The fitter in src/calibrate/ writes this format and
 * calls the estimator; the estimator never calls the fitter. */
#include "estimate/estimate_internal.h"

#include <jansson.h>
#include <math.h>
#include <string.h>

#include "core/util.h"
#include "llmwatt/physics.h"

static lw_status parse_coeffs(json_t *o, lw_roofline_coeffs *c, lw_err *err)
{
    memset(c, 0, sizeof *c);
    static const char *keys[] = {"eta_compute", "eta_memory", "step_overhead_s", "idle_fraction",
                                 "power_k_compute", "power_k_memory", "sigma_log"};
    double *dst[] = {&c->eta_compute, &c->eta_memory, &c->step_overhead_s, &c->idle_fraction,
                     &c->power_k_compute, &c->power_k_memory, &c->sigma_log};
    json_t *fam = json_object_get(o, "family");
    if (!json_is_string(fam))
        return lw_fail(err, LW_ERR_PARSE, "roofline calibration: an entry has no \"family\"");
    lw_strlcpy(c->family, json_string_value(fam), sizeof c->family);
    for (int i = 0; i < 7; i++) {
        json_t *v = json_object_get(o, keys[i]);
        if (!json_is_number(v) || !(json_number_value(v) >= 0))
            return lw_fail(err, LW_ERR_PARSE, "roofline calibration: '%s' lacks a number >= 0 for \"%s\"", c->family, keys[i]);
        *dst[i] = json_number_value(v);
    }
    if (!(c->eta_compute > 0 && c->eta_compute <= 1 && c->eta_memory > 0 && c->eta_memory <= 1))
        return lw_fail(err, LW_ERR_PARSE, "roofline calibration: '%s' efficiencies must lie in (0, 1]", c->family);
    c->rows = (int)json_integer_value(json_object_get(o, "rows"));
    /* optional: files written before these were recorded lack them (0) */
    static const char *parts[] = {"sigma_fit_log", "sigma_source_log", "seq_layer_overhead_s"};
    double *pdst[] = {&c->sigma_fit_log, &c->sigma_source_log, &c->seq_layer_overhead_s};
    for (int i = 0; i < 3; i++) {
        json_t *v = json_object_get(o, parts[i]);
        if (v && !(json_is_number(v) && json_number_value(v) >= 0))
            return lw_fail(err, LW_ERR_PARSE, "roofline calibration: '%s' has \"%s\" but not a number >= 0", c->family,
                           parts[i]);
        *pdst[i] = v ? json_number_value(v) : 0.0;
    }
    return LW_OK;
}

lw_status lw_calibration_parse(const char *text, lw_calibration *out, lw_err *err)
{
    memset(out, 0, sizeof *out);
    json_error_t je;
    json_t *o = json_loads(text, 0, &je);
    if (!o)
        return lw_fail(err, LW_ERR_PARSE, "roofline calibration: invalid JSON at line %d: %s", je.line, je.text);
    lw_status st = parse_coeffs(json_object_get(o, "prior"), &out->prior, err);
    json_t *fams = json_object_get(o, "families");
    for (size_t i = 0; st == LW_OK && i < json_array_size(fams) && out->nfamilies < 16; i++)
        st = parse_coeffs(json_array_get(fams, i), &out->families[out->nfamilies++], err);
    json_decref(o);
    return st;
}

lw_roofline_coeffs lw_roofline_gpu_prior(const lw_catalogue *cat, const lw_roofline_coeffs *prior, const lw_gpu *g,
                                         double *pj_per_mac)
{
    lw_roofline_coeffs c = *prior;
    double pj;
    bool interpolated;
    if (pj_per_mac)
        *pj_per_mac = NAN;
    const double peak = g->peak_flops[LW_PREC_BF16] > 0 ? g->peak_flops[LW_PREC_BF16] : g->peak_flops[LW_PREC_FP16];
    const double idle = g->idle_w > 0 ? g->idle_w : prior->idle_fraction * g->tdp_w;
    const double fpm = lw_catalogue_value(cat, "physics.flops_per_mac", 1.0);
    if (!(peak > 0 && g->tdp_w > idle && fpm > 0) ||
        lw_physics_calibrated_pj(cat, g->process_node_nm, &pj, &interpolated, NULL) != LW_OK)
        return c;
    c.power_k_compute = pj * 1e-12 * prior->eta_compute * peak / fpm / (g->tdp_w - idle);
    if (pj_per_mac)
        *pj_per_mac = pj;
    return c;
}

lw_roofline_coeffs lw_calibration_for_gpu_in(const lw_catalogue *cat, const lw_calibration *c, const lw_gpu *g,
                                             bool *calibrated)
{
    bool cal;
    lw_roofline_coeffs co = lw_calibration_for_gpu(c, g, &cal);
    if (calibrated)
        *calibrated = cal;
    return cal ? co : lw_roofline_gpu_prior(cat, &co, g, NULL);
}

lw_roofline_coeffs lw_calibration_for_gpu(const lw_calibration *c, const lw_gpu *g, bool *calibrated)
{
    for (int i = 0; i < c->nfamilies; i++)
        if (lw_streq_ci(c->families[i].family, g->architecture)) {
            if (calibrated)
                *calibrated = true;
            return c->families[i];
        }
    if (calibrated)
        *calibrated = false;
    return c->prior;
}
