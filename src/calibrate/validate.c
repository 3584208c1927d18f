/* Predicted vs measured J per output token for calibration rows (llmwatt validate). */
#include "estimate/estimate_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

lw_status lw_validate_row(const lw_catalogue *cat, const lw_calib_row *row, lw_method method, const lw_calibration *cal,
                          lw_validation_row *out, lw_err *err)
{
    memset(out, 0, sizeof *out);
    out->row = row;
    out->measured_j_per_token = row->point.j_per_output_token;
    if (row->skip_reason[0]) {
        lw_strlcpy(out->message, row->skip_reason, sizeof out->message);
        return LW_OK;
    }
    lw_roofline_coeffs co;
    const lw_roofline_coeffs *cop = NULL;
    if (method == LW_METHOD_ROOFLINE && cal) {
        co = lw_calibration_for_gpu_in(cat, cal, row->gpu, NULL);
        cop = &co;
    }
    out->input_assumed = !isfinite(row->point.input_tokens);
    /* Expected value and fit band at the central prompt length; an unpublished prompt length
     * adds its own spread (the assumed range's ends are read as a 90% interval, like the fit
     * band), combined with the fit's in quadrature in log space: independent uncertainties. */
    double e_at[3] = {NAN, NAN, NAN};
    lw_band b = {0, 0, 0};
    for (int which = -1; which <= 1; which++) {
        if (!out->input_assumed && which != 0)
            continue;
        lw_estimate est = LW_ESTIMATE_INIT;
        lw_err e2;
        lw_status st = lw_calib_predict(cat, row, method, cop, lw_calib_input(cat, row, which), &est, &e2);
        if (st != LW_OK) {
            if (st == LW_ERR_NO_MEMORY) {
                if (err)
                    *err = e2;
                return st;
            }
            lw_strlcpy(out->message, lw_err_message(&e2), sizeof out->message);
            return LW_OK;
        }
        e_at[which + 1] = est.energy_per_output_token_j.expected;
        if (which == 0)
            b = est.energy_per_output_token_j;
    }
    if (out->input_assumed && b.expected > 0) {
        double fit_up = log(b.high / b.expected), fit_down = log(b.expected / b.low);
        double in_up = fmax(0.0, log(fmax(e_at[0], e_at[2]) / b.expected));
        double in_down = fmax(0.0, log(b.expected / fmin(e_at[0], e_at[2])));
        b.high = b.expected * exp(sqrt(fit_up * fit_up + in_up * in_up));
        b.low = b.expected * exp(-sqrt(fit_down * fit_down + in_down * in_down));
    }
    out->predicted_j_per_token = b;
    out->error_pct = 100.0 * (b.expected - out->measured_j_per_token) / out->measured_j_per_token;
    out->inside = out->measured_j_per_token >= b.low * (1 - 1e-12) && out->measured_j_per_token <= b.high * (1 + 1e-12);
    out->ok = true;
    return LW_OK;
}

typedef struct wval {
    double v, w;
} wval;

static int cmp_wval(const void *a, const void *b)
{
    double x = ((const wval *)a)->v, y = ((const wval *)b)->v;
    return (x > y) - (x < y);
}

/* The smallest value at which the cumulative weight reaches half the total (the average of
 * two values when it is exactly half there: the unweighted median for equal weights). */
static double weighted_median(wval *v, int n)
{
    if (n == 0)
        return NAN;
    qsort(v, (size_t)n, sizeof *v, cmp_wval);
    double total = 0, cum = 0;
    for (int i = 0; i < n; i++)
        total += v[i].w;
    for (int i = 0; i < n; i++) {
        cum += v[i].w;
        if (fabs(cum - total / 2) <= 1e-12 * total && i + 1 < n)
            return (v[i].v + v[i + 1].v) / 2.0;
        if (cum > total / 2)
            return v[i].v;
    }
    return v[n - 1].v;
}

/* Summary over rows with ok set and the GPU-boundary filter; each row at its calibration weight
 * when `weighted`, else at 1 (the weighted median of equal weights is the plain median). */
static lw_validation_summary summarise(const lw_validation_row *rows, size_t n, int gpu_only_filter, bool weighted)
{
    lw_validation_summary s;
    memset(&s, 0, sizeof s);
    wval *err = malloc((n ? n : 1) * sizeof *err), *width = malloc((n ? n : 1) * sizeof *width);
    if (!err || !width) {
        free(err);
        free(width);
        s.median_abs_pct = s.mape = s.inside_share = s.median_band_width = NAN;
        return s;
    }
    double wsum = 0, esum = 0, inside = 0;
    for (size_t i = 0; i < n; i++) {
        const lw_validation_row *r = &rows[i];
        if (!r->ok || (gpu_only_filter >= 0 && r->row->point.gpu_only != (gpu_only_filter == 1)))
            continue;
        const double w = weighted ? r->row->weight : 1.0;
        const lw_band *b = &r->predicted_j_per_token;
        err[s.rows] = (wval){fabs(r->error_pct), w};
        width[s.rows] = (wval){b->low > 0 ? b->high / b->low : NAN, w};
        wsum += w;
        esum += w * fabs(r->error_pct);
        inside += r->inside ? w : 0;
        s.rows++;
    }
    s.median_abs_pct = weighted_median(err, s.rows);
    s.mape = wsum > 0 ? esum / wsum : NAN;
    s.inside_share = wsum > 0 ? inside / wsum : NAN;
    s.median_band_width = weighted_median(width, s.rows);
    free(err);
    free(width);
    return s;
}

lw_validation_summary lw_validation_summarise_weighted(const lw_validation_row *rows, size_t n, int gpu_only_filter)
{
    return summarise(rows, n, gpu_only_filter, true);
}

lw_validation_summary lw_validation_summarise(const lw_validation_row *rows, size_t n, int gpu_only_filter)
{
    return summarise(rows, n, gpu_only_filter, false);
}
