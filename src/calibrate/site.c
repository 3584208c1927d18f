/* Site calibration: a site's own measurements (history or measurement JSON files) as calibration
 * rows, a fit centred on the shipped coefficients, and the site calibration file (docs/loop.md). */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calibrate/site_internal.h"
#include "core/util.h"
#include "estimate/estimate_internal.h"
#include "measure/loop_internal.h"

static double json_num(json_t *v)
{
    return json_is_number(v) ? json_number_value(v) : NAN;
}

/* Fills one row from a measurement text; the skip reason says why it cannot be used. */
static void row_from_run(const lw_catalogue *cat, const char *text, const char *name, lw_calib_row *r)
{
    memset(r, 0, sizeof *r);
    r->weight = 1.0;
    r->avg_power_w = r->throughput_tok_per_s = NAN;
    r->point.input_tokens = r->point.output_tokens = r->point.j_per_output_token = r->point.j_per_request = NAN;
    r->point.batch = NAN;
    const char *slash = strrchr(name, '/');
    lw_strlcpy(r->point.id, slash ? slash + 1 : name, sizeof r->point.id);
    snprintf(r->point.source, sizeof r->point.source, "measurement %.140s", name);
    lw_strlcpy(r->point.boundary, "GPU (measured)", sizeof r->point.boundary);
    r->point.gpu_only = true;
    json_error_t je;
    json_t *root = json_loads(text, 0, &je);
    json_t *schema = json_object_get(root, "schema"), *valid = json_object_get(json_object_get(root, "verdict"), "valid");
    lw_run_config c;
    char why[256];
    lw_model_arch own;
    const lw_model_arch *m = NULL;
    const lw_gpu *g = NULL;
    if (!root) {
        snprintf(r->skip_reason, sizeof r->skip_reason, "not JSON (line %d: %.100s)", je.line, je.text);
    } else if (!json_is_string(schema) || strncmp(json_string_value(schema), "llmwatt.measurement/", 20) != 0) {
        snprintf(r->skip_reason, sizeof r->skip_reason, "not a measurement (an estimate or another document)");
    } else if (json_is_false(valid)) {
        snprintf(r->skip_reason, sizeof r->skip_reason, "INVALID measurement (its verdict failed)");
    } else if (!lw_run_config_read(root, &c, why, sizeof why) || !lw_run_config_resolve(cat, &c, &own, &m, &g, why, sizeof why)) {
        snprintf(r->skip_reason, sizeof r->skip_reason, "%.150s", why);
    } else if (m == &own) {
        snprintf(r->skip_reason, sizeof r->skip_reason, "model from a config file: only catalogue models are calibrated");
    } else if (c.reasoning_tokens > 0) {
        snprintf(r->skip_reason, sizeof r->skip_reason, "labels reasoning tokens: calibration rows cost output tokens only");
    } else if (!(json_num(json_object_get(root, "j_per_token")) > 0)) {
        snprintf(r->skip_reason, sizeof r->skip_reason, "no J per token (measured without a token count)");
    } else {
        lw_workload w = lw_run_config_workload(&c, m, NULL, 0);
        r->model = m;
        r->gpu = g;
        lw_strlcpy(r->point.model, m->name, sizeof r->point.model);
        lw_strlcpy(r->point.gpu, g->id, sizeof r->point.gpu);
        r->point.precision = w.weight_precision;
        r->point.num_gpus = c.gpus;
        r->point.batch = c.batch;
        r->point.input_tokens = c.input_tokens;
        r->point.output_tokens = c.output_tokens;
        r->point.j_per_output_token = json_num(json_object_get(root, "j_per_token"));
        r->point.j_per_request = r->point.j_per_output_token * c.output_tokens;
        r->avg_power_w = json_num(json_object_get(json_object_get(root, "aggregate"), "avg_power_w"));
        r->throughput_tok_per_s = json_num(json_object_get(root, "tokens_per_s"));
    }
    json_decref(root);
}

lw_status lw_calib_rows_from_runs(const lw_catalogue *cat, const char *const *json_texts, const char *const *names, size_t n,
                                  lw_calib_row **rows, lw_err *err)
{
    *rows = calloc(n ? n : 1, sizeof **rows);
    if (!*rows)
        return lw_fail(err, LW_ERR_NO_MEMORY, "out of memory reading %zu runs", n);
    for (size_t i = 0; i < n; i++)
        row_from_run(cat, json_texts[i], names[i], &(*rows)[i]);
    return LW_OK;
}

/* ln(J_pred / J_meas) of a row with coefficients co (NAN when it cannot be predicted). */
static double log_error(const lw_catalogue *cat, const lw_calib_row *r, const lw_roofline_coeffs *co, double *pred)
{
    lw_estimate est = LW_ESTIMATE_INIT;
    *pred = NAN;
    if (lw_calib_predict(cat, r, LW_METHOD_ROOFLINE, co, lw_calib_input(cat, r, 0), &est, NULL) != LW_OK)
        return NAN;
    *pred = est.energy_per_output_token_j.expected;
    return log(*pred / r->point.j_per_output_token);
}

static bool same_config(const lw_calib_row *a, const lw_calib_row *b)
{
    const lw_point *p = &a->point, *q = &b->point;
    return a->model == b->model && a->gpu == b->gpu && p->num_gpus == q->num_gpus && p->batch == q->batch &&
           p->input_tokens == q->input_tokens && p->output_tokens == q->output_tokens && p->precision == q->precision;
}

lw_status lw_calibrate_site(const lw_catalogue *cat, const lw_calib_row *rows, size_t n, const lw_calibration *base,
                            lw_calibration *out, lw_err *err)
{
    *out = *base;
    double s_obs = lw_catalogue_value(cat, "estimate.calibrate.obs_sigma_log", NAN);
    if (!(s_obs > 0))
        return lw_fail(err, LW_ERR_NOT_FOUND, "constant 'estimate.calibrate.obs_sigma_log' is missing (data/constants/estimate.json)");
    int *idx = malloc((n ? n : 1) * sizeof *idx);
    bool *done = calloc(n ? n : 1, sizeof *done);
    if (!idx || !done) {
        free(idx);
        free(done);
        return lw_fail(err, LW_ERR_NO_MEMORY, "out of memory in the site calibration");
    }
    lw_status st = LW_OK;
    for (size_t i = 0; i < n && st == LW_OK; i++) {
        if (done[i] || rows[i].skip_reason[0])
            continue;
        const char *fam = rows[i].gpu->architecture;
        int m = 0;
        for (size_t j = i; j < n; j++)
            if (!rows[j].skip_reason[0] && lw_streq_ci(rows[j].gpu->architecture, fam)) {
                idx[m++] = (int)j;
                done[j] = true;
            }
        lw_roofline_coeffs centre = lw_calibration_for_gpu_in(cat, base, rows[i].gpu, NULL), c;
        lw_strlcpy(centre.family, fam, sizeof centre.family);
        if ((st = lw_calib_fit_centred(cat, rows, idx, m, &centre, &c, err)) != LW_OK)
            break;
        double ss = 0, pred;
        int k = 0;
        for (int h = 0; h < m; h++) {
            double le = log_error(cat, &rows[idx[h]], &c, &pred);
            if (isfinite(le)) {
                ss += le * le;
                k++;
            }
        }
        /* repeated runs of one configuration share its model error: they count once */
        int configs = 0;
        for (int h = 0; h < m; h++) {
            bool seen = false;
            for (int j = 0; j < h && !seen; j++)
                seen = same_config(&rows[idx[h]], &rows[idx[j]]);
            configs += !seen;
        }
        double s = fmax(k ? sqrt(ss / k) : s_obs, s_obs);
        c.sigma_log = 1.0 / sqrt(1.0 / (centre.sigma_log * centre.sigma_log) + configs / (s * s));
        c.rows = centre.rows + m;
        int slot = -1;
        for (int f = 0; f < out->nfamilies; f++)
            if (lw_streq_ci(out->families[f].family, fam))
                slot = f;
        if (slot < 0 && out->nfamilies >= 16) {
            st = lw_fail(err, LW_ERR_INVALID_ARGUMENT, "site calibration: more than 16 GPU families");
            break;
        }
        out->families[slot < 0 ? out->nfamilies++ : slot] = c;
    }
    free(idx);
    free(done);
    return st;
}

static json_t *num(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *coeffs_json(const lw_roofline_coeffs *c)
{
    json_t *o = json_object();
    json_object_set_new(o, "family", json_string(c->family));
    json_object_set_new(o, "rows", json_integer(c->rows));
    json_object_set_new(o, "eta_compute", json_real(c->eta_compute));
    json_object_set_new(o, "eta_memory", json_real(c->eta_memory));
    json_object_set_new(o, "step_overhead_s", json_real(c->step_overhead_s));
    json_object_set_new(o, "idle_fraction", json_real(c->idle_fraction));
    json_object_set_new(o, "power_k_compute", json_real(c->power_k_compute));
    json_object_set_new(o, "power_k_memory", json_real(c->power_k_memory));
    json_object_set_new(o, "sigma_log", json_real(c->sigma_log));
    return o;
}

char *lw_site_calibration_to_json(const lw_catalogue *cat, const lw_calibration *site, const lw_calibration *base,
                                  const char *base_name, const lw_calib_row *rows, const char *const *json_texts, size_t n,
                                  const char *fit_date)
{
    json_t *o = json_object();
    json_object_set_new(o, "method", json_string("roofline"));
    json_object_set_new(o, "generated_by", json_sprintf("llmwatt calibrate %s (site calibration)", lw_version()));
    json_object_set_new(o, "fit_date", json_string(fit_date));
    json_object_set_new(o, "points_file", json_string("site measurements (see \"site\")"));
    json_object_set_new(o, "procedure",
                        json_string("site calibration: per GPU architecture of the site runs, the calibration objective "
                                    "(ln throughput and ln power errors / s_obs, or ln J per token) with the prior centred "
                                    "on the base calibration's coefficients (widths of the physics prior), fixed-iteration "
                                    "Nelder-Mead from the base; sigma_log = 1/sqrt(1/sigma_base^2 + k/s^2), k = distinct configurations, s = max(RMS "
                                    "ln(J_pred/J_meas) of the site runs, estimate.calibrate.obs_sigma_log); other families "
                                    "as in the base"));
    json_object_set_new(o, "prior", coeffs_json(&site->prior));
    json_t *fams = json_array();
    for (int k = 0; k < site->nfamilies; k++) {
        const lw_roofline_coeffs *fc = &site->families[k];
        json_t *f = coeffs_json(fc);
        int used = 0;
        for (size_t i = 0; i < n; i++)
            used += !rows[i].skip_reason[0] && lw_streq_ci(rows[i].gpu->architecture, fc->family);
        if (used) {
            json_object_set_new(f, "site_runs", json_integer(used));
            bool had = false;
            for (int b = 0; b < base->nfamilies; b++)
                if (lw_streq_ci(base->families[b].family, fc->family)) {
                    json_object_set_new(f, "base", coeffs_json(&base->families[b]));
                    had = true;
                }
            if (!had)
                json_object_set_new(f, "base", coeffs_json(&base->prior));
        }
        json_array_append_new(fams, f);
    }
    json_object_set_new(o, "families", fams);
    json_t *s = json_object(), *runs = json_array();
    json_object_set_new(s, "base", json_string(base_name));
    for (size_t i = 0; i < n; i++) {
        const lw_calib_row *r = &rows[i];
        json_t *root = json_loads(json_texts[i], 0, NULL), *labels = json_object_get(root, "labels");
        json_t *x = json_object();
        json_object_set_new(x, "run", json_string(r->point.source + strlen("measurement ")));
        json_t *t = json_object_get(root, "start_time"), *eng = json_object_get(labels, "engine");
        json_object_set_new(x, "start_time", json_is_string(t) ? json_copy(t) : json_null());
        json_object_set_new(x, "engine", json_is_string(eng) ? json_copy(eng) : json_null());
        json_decref(root);
        if (r->skip_reason[0]) {
            json_object_set_new(x, "skipped", json_string(r->skip_reason));
        } else {
            double before, after;
            lw_roofline_coeffs cb = lw_calibration_for_gpu_in(cat, base, r->gpu, NULL),
                               ca = lw_calibration_for_gpu_in(cat, site, r->gpu, NULL);
            log_error(cat, r, &cb, &before);
            log_error(cat, r, &ca, &after);
            json_object_set_new(x, "model", json_string(r->point.model));
            json_object_set_new(x, "gpu", json_string(r->point.gpu));
            json_object_set_new(x, "gpus", json_integer(r->point.num_gpus));
            json_object_set_new(x, "batch", json_real(r->point.batch));
            json_object_set_new(x, "input_tokens", json_real(r->point.input_tokens));
            json_object_set_new(x, "output_tokens", json_real(r->point.output_tokens));
            json_object_set_new(x, "precision", json_string(lw_precision_name(r->point.precision)));
            json_object_set_new(x, "measured_j_per_token", json_real(r->point.j_per_output_token));
            json_object_set_new(x, "measured_power_w", num(r->avg_power_w));
            json_object_set_new(x, "measured_throughput_tok_per_s", num(r->throughput_tok_per_s));
            json_object_set_new(x, "predicted_before_j_per_token", num(before));
            json_object_set_new(x, "predicted_after_j_per_token", num(after));
        }
        json_array_append_new(runs, x);
    }
    json_object_set_new(s, "runs", runs);
    json_object_set_new(o, "site", s);
    char *text = json_dumps(o, JSON_INDENT(2) | JSON_REAL_PRECISION(6) | JSON_PRESERVE_ORDER);
    json_decref(o);
    return text;
}
