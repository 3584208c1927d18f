/* The roofline coefficient table the estimator reads (data/calibration/roofline.json or a site
 * calibration): parsing and per-GPU lookup. The fitter in src/calibrate/ writes this format and
 * calls the estimator; the estimator never calls the fitter. */
#include "estimate/estimate_internal.h"

#include <jansson.h>
#include <string.h>

#include "core/util.h"

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
    /* the parts of sigma_log (optional: files written before they were recorded lack them) */
    static const char *parts[] = {"sigma_fit_log", "sigma_source_log"};
    double *pdst[] = {&c->sigma_fit_log, &c->sigma_source_log};
    for (int i = 0; i < 2; i++) {
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
