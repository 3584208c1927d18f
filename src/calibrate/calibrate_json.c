/* roofline.json: the fitted roofline coefficients with their provenance (written by
 * llmwatt calibrate, read by every roofline estimator at creation). */
#include "estimate/estimate_internal.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

static json_t *coeffs_json(const lw_roofline_coeffs *c)
{
    json_t *o = json_object();
    json_object_set_new(o, "family", json_string(c->family));
    json_object_set_new(o, "rows", json_integer(c->rows));
    json_object_set_new(o, "eta_compute", json_real(c->eta_compute));
    json_object_set_new(o, "eta_memory", json_real(c->eta_memory));
    json_object_set_new(o, "step_overhead_s", json_real(c->step_overhead_s));
    json_object_set_new(o, "seq_layer_overhead_s", json_real(c->seq_layer_overhead_s));
    json_object_set_new(o, "idle_fraction", json_real(c->idle_fraction));
    json_object_set_new(o, "power_k_compute", json_real(c->power_k_compute));
    json_object_set_new(o, "power_k_memory", json_real(c->power_k_memory));
    json_object_set_new(o, "sigma_log", json_real(c->sigma_log));
    json_object_set_new(o, "sigma_fit_log", json_real(c->sigma_fit_log));
    json_object_set_new(o, "sigma_source_log", json_real(c->sigma_source_log));
    return o;
}

static json_t *num_or_null(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

/* Sources of the usable rows: title, rows and their weights. */
static json_t *sources_json(const lw_calib_row *rows, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        if (rows[i].skip_reason[0])
            continue;
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = !rows[j].skip_reason[0] && strcmp(rows[j].point.source, rows[i].point.source) == 0;
        if (seen)
            continue;
        json_t *ids = json_array(), *src = json_object();
        double wmin = rows[i].weight, wmax = rows[i].weight;
        const char *why = "";
        for (size_t j = i; j < n; j++)
            if (!rows[j].skip_reason[0] && strcmp(rows[j].point.source, rows[i].point.source) == 0) {
                json_array_append_new(ids, json_string(rows[j].point.id));
                wmin = fmin(wmin, rows[j].weight);
                wmax = fmax(wmax, rows[j].weight);
                if (rows[j].weight_reason[0])
                    why = rows[j].weight_reason;
            }
        json_object_set_new(src, "source", json_string(rows[i].point.source));
        json_object_set_new(src, "rows", ids);
        json_object_set_new(src, "weight", wmin == wmax ? json_real(wmin) : json_string("varies by row"));
        if (why[0])
            json_object_set_new(src, "weight_reason", json_string(why));
        json_array_append_new(arr, src);
    }
    return arr;
}

char *lw_calibration_to_json(const lw_catalogue *cat, const lw_calibration *c, const lw_calib_row *rows, size_t n,
                             const char *points_name, const char *fit_date)
{
    const lw_constant *zc;
    double z = lw_catalogue_find_constant(cat, "estimate.roofline.band_z", &zc, NULL) == LW_OK ? zc->value : 1.645;
    int *idx = malloc((n ? n : 1) * sizeof *idx);
    double *res = malloc((n ? n : 1) * sizeof *res);
    if (!idx || !res) {
        free(idx);
        free(res);
        return NULL;
    }
    json_t *o = json_object();
    json_object_set_new(o, "method", json_string("roofline"));
    json_object_set_new(o, "generated_by", json_sprintf("llmwatt calibrate %s", lw_version()));
    json_object_set_new(o, "fit_date", json_string(fit_date));
    json_object_set_new(o, "points_file", json_string(points_name));
    size_t used = 0;
    for (size_t i = 0; i < n; i++)
        used += !rows[i].skip_reason[0];
    json_object_set_new(o, "rows_used", json_integer((json_int_t)used));
    json_object_set_new(o, "rows_in_file", json_integer((json_int_t)n));
    json_object_set_new(o, "sources", sources_json(rows, n));
    json_object_set_new(
        o, "procedure",
        json_string("per GPU architecture, minimise sum[w ln(thr_pred/thr_meas)^2 + w ln(P_pred/P_meas)^2]/s_obs^2 + prior "
                    "terms over eta_compute, eta_memory, step_overhead_s, seq_layer_overhead_s, power_k_compute, power_k_memory "
                    "(idle_fraction fixed at its prior), w the row's fit_weight; fixed-iteration Nelder-Mead from the prior; rows without a "
                    "published input length use estimate.validate.unpublished_input_tokens; sigma_fit_log = weighted "
                    "leave-one-row-out RMS of ln(J_pred/J_meas); sigma_source_log = RMS over comparable row pairs from "
                    "different sources (same architecture, same model or same kind within x1.25 total parameters, batch "
                    "within x10) of the difference of their residuals, divided by estimate.roofline.band_z, so the band "
                    "reaches from one source to the other; sigma_log = sqrt(sigma_fit_log^2 + sigma_source_log^2); prior "
                    "sigma_log = weighted RMS error of the prior over all usable rows"));
    json_t *prior = coeffs_json(&c->prior);
    json_object_set_new(o, "prior", prior);
    json_t *fams = json_array();
    for (int k = 0; k < c->nfamilies; k++) {
        const lw_roofline_coeffs *fc = &c->families[k];
        json_t *f = coeffs_json(fc);
        json_t *gpus = json_array(), *res_arr = json_array();
        double ss = 0;
        int cnt = 0, m = 0;
        for (size_t i = 0; i < n; i++) {
            const lw_calib_row *r = &rows[i];
            if (r->skip_reason[0] || !lw_streq_ci(r->gpu->architecture, fc->family))
                continue;
            bool have = false;
            for (size_t j = 0; j < json_array_size(gpus); j++)
                have |= strcmp(json_string_value(json_array_get(gpus, j)), r->gpu->id) == 0;
            if (!have)
                json_array_append_new(gpus, json_string(r->gpu->id));
            lw_estimate est = LW_ESTIMATE_INIT;
            if (lw_calib_predict(cat, r, LW_METHOD_ROOFLINE, fc, lw_calib_input(cat, r, 0), &est, NULL) != LW_OK)
                continue;
            double thr = lw_calib_workload(r, 0).batch * r->point.output_tokens / est.time_s;
            double je = log(est.energy_per_output_token_j.expected / r->point.j_per_output_token);
            idx[m] = (int)i;
            res[m++] = je;
            ss += je * je;
            cnt++;
            json_t *row = json_object();
            json_object_set_new(row, "row", json_string(r->point.id));
            json_object_set_new(row, "model", json_string(r->model->name));
            json_object_set_new(row, "gpu", json_string(r->gpu->id));
            json_object_set_new(row, "gpus", json_integer(r->point.num_gpus));
            json_object_set_new(row, "batch", json_real(r->point.batch));
            json_object_set_new(row, "weight", json_real(r->weight));
            json_object_set_new(row, "measured_j_per_token", json_real(r->point.j_per_output_token));
            json_object_set_new(row, "predicted_j_per_token", json_real(est.energy_per_output_token_j.expected));
            json_object_set_new(row, "measured_power_w", num_or_null(r->avg_power_w));
            json_object_set_new(row, "predicted_power_w", json_real(est.avg_power_w));
            json_object_set_new(row, "measured_throughput_tok_per_s", num_or_null(r->throughput_tok_per_s));
            json_object_set_new(row, "predicted_throughput_tok_per_s", json_real(thr));
            json_array_append_new(res_arr, row);
        }
        json_object_set_new(f, "gpus", gpus);
        json_object_set_new(f, "in_sample_rms_log", json_real(cnt ? sqrt(ss / cnt) : 0));
        /* the comparable cross-source pairs behind sigma_source_log */
        json_t *pairs = json_array();
        for (int a = 0; a < m; a++)
            for (int b = a + 1; b < m; b++) {
                const lw_calib_row *ra = &rows[idx[a]], *rb = &rows[idx[b]];
                if (strcmp(ra->point.source, rb->point.source) == 0 || !lw_calib_comparable(ra, rb))
                    continue;
                json_t *p = json_object();
                json_object_set_new(p, "rows", json_pack("[s, s]", ra->point.id, rb->point.id));
                json_object_set_new(p, "residual_difference_log", json_real(res[a] - res[b]));
                json_array_append_new(pairs, p);
            }
        json_t *spread = json_object();
        json_object_set_new(spread, "band_z", json_real(z));
        json_object_set_new(spread, "pairs", pairs);
        json_object_set_new(f, "source_spread", spread);
        json_object_set_new(f, "residuals", res_arr);
        json_array_append_new(fams, f);
    }
    json_object_set_new(o, "families", fams);
    char *s = json_dumps(o, JSON_INDENT(2) | JSON_REAL_PRECISION(6) | JSON_PRESERVE_ORDER);
    json_decref(o);
    free(idx);
    free(res);
    return s;
}
