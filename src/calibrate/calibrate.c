/* Calibration of the roofline coefficients to measured points (llmwatt calibrate).
 *
 * Per GPU architecture, six coefficients (eta_compute, eta_memory, step_overhead_s,
 * seq_layer_overhead_s, power_k_compute, power_k_memory) minimise
 *   sum over rows w [ln(thr_pred/thr_meas)^2 + ln(P_pred/P_meas)^2] / s_obs^2 (time and power apart;
 *                                                                              w the row's weight)
 *   + sum over coefficients ((ln c - ln c_prior) / s_c)^2                     (weak priors)
 * where a row that publishes neither throughput nor power contributes ln(J_pred/J_meas)^2 instead.
 * The minimiser is a fixed-iteration Nelder-Mead started at the prior: deterministic. The band's
 * sigma is the leave-one-row-out RMS of ln(J_pred/J_meas) within the family (cross-validated, not
 * in-sample). The prior's sigma is its RMS error over every usable row. */
#include "estimate/estimate_internal.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/csv.h"
#include "calibrate/site_internal.h"
#include "core/progress.h"
#include "core/util.h"

/* ---- rows ------------------------------------------------------------------------------------ */

static double number_after(const char *s, const char *key)
{
    const char *p = strcasestr(s, key);
    if (!p)
        return NAN;
    p += strlen(key);
    while (*p == ' ' || *p == ':' || *p == '"')
        p++;
    char *end;
    double v = strtod(p, &end);
    return end != p && isfinite(v) ? v : NAN;
}

static const lw_gpu *find_gpu_lenient(const lw_catalogue *cat, const char *name)
{
    const lw_gpu *g = NULL;
    return lw_catalogue_find_gpu(cat, name, &g, NULL) == LW_OK ? g : NULL;
}

lw_status lw_calib_rows_parse(const lw_catalogue *cat, const char *data, size_t len, const char *where, lw_calib_row **out,
                              size_t *n, lw_err *err)
{
    lw_point *pts;
    size_t np;
    lw_status st = lw_points_parse(data, len, where, &pts, &np, err);
    if (st != LW_OK)
        return st;
    lw_calib_row *rows = calloc(np ? np : 1, sizeof *rows);
    lw_csv *c = lw_csv_new(data, len);
    if (!rows || !c) {
        free(rows);
        lw_csv_free(c);
        lw_points_free(pts);
        return lw_fail(err, LW_ERR_NO_MEMORY, "out of memory reading %s", where);
    }
    int id_col = -1, notes_col = -1, w_col = -1, why_col = -1;
    if (lw_csv_next(c, NULL) == 1) {
        id_col = lw_csv_find(c, "row_id");
        notes_col = lw_csv_find(c, "notes");
        w_col = lw_csv_find(c, "fit_weight");
        why_col = lw_csv_find(c, "fit_weight_reason");
    }
    for (size_t i = 0; i < np; i++) {
        lw_calib_row *r = &rows[i];
        r->point = pts[i];
        r->avg_power_w = r->throughput_tok_per_s = NAN;
        r->weight = 1.0;
    }
    /* rows are matched by position: lw_points_parse keeps every data row, in file order */
    for (size_t i = 0; id_col >= 0 && i < np && lw_csv_next(c, NULL) == 1; i++) {
        lw_calib_row *r = &rows[i];
        if (strcmp(r->point.id, lw_csv_field(c, (size_t)id_col)) != 0)
            break;
        if (notes_col >= 0) {
            const char *notes = lw_csv_field(c, (size_t)notes_col);
            double pw = number_after(notes, "\"avg_power_watts\"");
            if (isnan(pw))
                pw = number_after(notes, "Average power");
            double thr = number_after(notes, "\"output_throughput_tokens_per_sec\"");
            if (isnan(thr))
                thr = number_after(notes, "\"Token tput (tok/s)\"");
            if (isnan(thr))
                thr = number_after(notes, "Throughput");
            /* ML.ENERGY v2 publishes throughput and J per token, not power: their product */
            if (isnan(pw) && thr > 0 && r->point.j_per_output_token > 0)
                pw = r->point.j_per_output_token * thr;
            double avg_bs = number_after(notes, "\"Avg BS (reqs)\"");
            if (avg_bs > 0 && !r->point.refused[0])
                r->point.batch = avg_bs; /* the batch column holds the maximum ("Max BS=32 (avg 31.9)") */
            r->avg_power_w = pw;
            r->throughput_tok_per_s = thr;
        }
        const char *wtext = w_col >= 0 ? lw_csv_field(c, (size_t)w_col) : "";
        if (wtext[0]) {
            char *end;
            double wv = strtod(wtext, &end);
            if (*end != '\0' || !(wv > 0 && wv <= 1))
                snprintf(r->skip_reason, sizeof r->skip_reason, "fit_weight must be a number in (0, 1], got '%.40s'", wtext);
            else
                r->weight = wv;
        }
        if (why_col >= 0)
            lw_strlcpy(r->weight_reason, lw_csv_field(c, (size_t)why_col), sizeof r->weight_reason);
    }
    lw_csv_free(c);
    lw_points_free(pts);
    for (size_t i = 0; i < np; i++) {
        lw_calib_row *r = &rows[i];
        lw_err e2;
        if (r->skip_reason[0]) /* a bad fit_weight */
            continue;
        if (r->point.refused[0]) {
            lw_strlcpy(r->skip_reason, r->point.refused, sizeof r->skip_reason);
        } else if (lw_catalogue_find_model(cat, r->point.model, &r->model, &e2) != LW_OK) {
            r->model = NULL;
            snprintf(r->skip_reason, sizeof r->skip_reason, "model '%.100s' is not in the catalogue", r->point.model);
        } else if (!(r->gpu = find_gpu_lenient(cat, r->point.gpu))) {
            snprintf(r->skip_reason, sizeof r->skip_reason, "GPU '%.100s' is not in the catalogue", r->point.gpu);
        } else if (!(r->point.output_tokens > 0) || !(r->point.batch > 0) || r->point.num_gpus < 1) {
            snprintf(r->skip_reason, sizeof r->skip_reason, "row lacks output tokens, batch or GPU count");
        } else if (isnan(r->point.j_per_output_token)) {
            snprintf(r->skip_reason, sizeof r->skip_reason, "row publishes no J per output token");
        }
    }
    *out = rows;
    *n = np;
    return LW_OK;
}

/* The longest mean prompt, up to `upto`, with which the row's measured batch fits the KV cache
 * (the engine ran that batch, so its running requests' context fitted). */
static bool batch_fits(const lw_catalogue *cat, const lw_calib_row *r, const lw_param_counts *p, double input)
{
    lw_workload w = lw_calib_workload(r, input);
    lw_memory_plan plan;
    return lw_memory_plan_compute(r->model, p, r->gpu, r->point.num_gpus, r->point.num_gpus,
                                  lw_catalogue_value(cat, "memory.usable_fraction", 0.9), &w, &plan, NULL) == LW_OK &&
           !(plan.max_concurrency < w.batch);
}

static double input_that_fits(const lw_catalogue *cat, const lw_calib_row *r, double upto)
{
    lw_param_counts p;
    if (!r->model || !r->gpu || lw_model_params(r->model, &p, NULL) != LW_OK || batch_fits(cat, r, &p, upto))
        return upto;
    double lo = 0, hi = upto;
    for (int i = 0; i < 30; i++) {
        double mid = 0.5 * (lo + hi);
        *(batch_fits(cat, r, &p, mid) ? &lo : &hi) = mid;
    }
    return fmax(1.0, lo);
}

double lw_calib_input(const lw_catalogue *cat, const lw_calib_row *r, int which)
{
    if (isfinite(r->point.input_tokens))
        return r->point.input_tokens;
    const lw_constant *c;
    if (lw_catalogue_find_constant(cat, "estimate.validate.unpublished_input_tokens", &c, NULL) != LW_OK)
        return 0;
    return input_that_fits(cat, r, which < 0 ? c->low : which > 0 ? c->high : c->value);
}

lw_workload lw_calib_workload(const lw_calib_row *r, double input_tokens)
{
    lw_workload w = lw_workload_default();
    w.batch = (int)fmax(1.0, floor(r->point.batch + 0.5));
    w.input_tokens = input_tokens;
    w.output_tokens = r->point.output_tokens;
    w.weight_precision = r->point.precision;
    w.kv_precision = LW_PREC_BF16; /* vLLM kv_cache_dtype "auto": the activation dtype */
    return w;
}

lw_status lw_calib_predict(const lw_catalogue *cat, const lw_calib_row *r, lw_method method, const lw_roofline_coeffs *co,
                           double input_tokens, lw_estimate *out, lw_err *err)
{
    lw_estimate_opts o = lw_estimate_opts_default();
    o.method = method;
    o.gpus = r->point.num_gpus;
    o.measured_batch = true; /* the row's batch is what the engine ran */
    o.coeffs = co;
    lw_estimator *e;
    lw_status st = lw_estimator_new(cat, r->model, r->gpu, &o, &e, err);
    if (st != LW_OK)
        return st;
    lw_workload w = lw_calib_workload(r, input_tokens);
    st = lw_estimator_run(e, &w, out, err);
    lw_estimator_free(e);
    return st;
}

/* ---- fit ------------------------------------------------------------------------------------- */

enum { NP = 6 };

typedef struct fit_ctx {
    const lw_catalogue *cat;
    const lw_calib_row *rows;
    const int *idx;
    int n;
    lw_roofline_coeffs prior;
    double s_eta_c, s_eta_m, s_to, s_sl, s_kc, s_km, s_obs;
    double max_eta_c, max_eta_m; /* physical ceilings */
} fit_ctx;

static double sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }
static double logit(double p) { return log(p / (1.0 - p)); }

static lw_roofline_coeffs from_x(const fit_ctx *f, const double *x)
{
    lw_roofline_coeffs c = f->prior;
    c.eta_compute = f->max_eta_c * sigmoid(x[0]);
    c.eta_memory = f->max_eta_m * sigmoid(x[1]);
    c.step_overhead_s = 1e-3 * x[2] * x[2];
    c.power_k_compute = exp(x[3]);
    c.power_k_memory = exp(x[4]);
    c.seq_layer_overhead_s = 1e-7 * x[5] * x[5];
    return c;
}

static void to_x(const fit_ctx *f, const lw_roofline_coeffs *c, double *x)
{
    x[0] = logit(c->eta_compute / f->max_eta_c);
    x[1] = logit(c->eta_memory / f->max_eta_m);
    x[2] = sqrt(c->step_overhead_s / 1e-3);
    x[3] = log(c->power_k_compute);
    x[4] = log(c->power_k_memory);
    x[5] = sqrt(c->seq_layer_overhead_s / 1e-7);
}

static double sq(double v) { return v * v; }

/* ln(J_pred / J_meas) of one row (NAN when it cannot be predicted). */
static double row_log_error(const lw_catalogue *cat, const lw_calib_row *r, const lw_roofline_coeffs *c, double *thr_err,
                            double *pow_err)
{
    lw_estimate est = LW_ESTIMATE_INIT;
    *thr_err = *pow_err = NAN;
    if (lw_calib_predict(cat, r, LW_METHOD_ROOFLINE, c, lw_calib_input(cat, r, 0), &est, NULL) != LW_OK)
        return NAN;
    double thr = est.time_s > 0 ? lw_calib_workload(r, 0).batch * r->point.output_tokens / est.time_s : NAN;
    if (isfinite(r->throughput_tok_per_s) && r->throughput_tok_per_s > 0)
        *thr_err = log(thr / r->throughput_tok_per_s);
    if (isfinite(r->avg_power_w) && r->avg_power_w > 0)
        *pow_err = log(est.avg_power_w / r->avg_power_w);
    return log(est.energy_per_output_token_j.expected / r->point.j_per_output_token);
}

static double objective(const fit_ctx *f, const double *x)
{
    lw_roofline_coeffs c = from_x(f, x);
    double s = 0;
    for (int i = 0; i < f->n; i++) {
        const lw_calib_row *r = &f->rows[f->idx[i]];
        double te, pe, je = row_log_error(f->cat, r, &c, &te, &pe);
        if (isnan(je))
            return 1e30;
        if (isnan(te) && isnan(pe))
            s += r->weight * sq(je / f->s_obs);
        else
            s += r->weight * ((isnan(te) ? 0 : sq(te / f->s_obs)) + (isnan(pe) ? 0 : sq(pe / f->s_obs)));
    }
    const lw_roofline_coeffs *p = &f->prior;
    s += sq(log(c.eta_compute / p->eta_compute) / f->s_eta_c) + sq(log(c.eta_memory / p->eta_memory) / f->s_eta_m) +
         sq((c.step_overhead_s - p->step_overhead_s) / f->s_to) +
         sq((c.seq_layer_overhead_s - p->seq_layer_overhead_s) / f->s_sl) +
         sq(log(c.power_k_compute / p->power_k_compute) / f->s_kc) +
         sq(log(c.power_k_memory / p->power_k_memory) / f->s_km);
    return s;
}

/* Fixed-iteration Nelder-Mead (reflection 1, expansion 2, contraction 0.5, shrink 0.5). */
static void nelder_mead(const fit_ctx *f, double *x0)
{
    double s[NP + 1][NP], fv[NP + 1];
    for (int i = 0; i <= NP; i++) {
        memcpy(s[i], x0, sizeof s[i]);
        if (i > 0)
            s[i][i - 1] += 0.5;
        fv[i] = objective(f, s[i]);
    }
    for (int it = 0; it < 300; it++) {
        int order[NP + 1];
        for (int i = 0; i <= NP; i++)
            order[i] = i;
        for (int i = 1; i <= NP; i++) /* insertion sort by value, stable */
            for (int j = i; j > 0 && fv[order[j]] < fv[order[j - 1]]; j--) {
                int t = order[j];
                order[j] = order[j - 1];
                order[j - 1] = t;
            }
        int best = order[0], worst = order[NP], second = order[NP - 1];
        double cen[NP] = {0}, xr[NP], xe[NP], xc[NP];
        for (int i = 0; i <= NP; i++)
            if (i != worst)
                for (int d = 0; d < NP; d++)
                    cen[d] += s[i][d] / NP;
        for (int d = 0; d < NP; d++)
            xr[d] = cen[d] + (cen[d] - s[worst][d]);
        double fr = objective(f, xr);
        if (fr < fv[best]) {
            for (int d = 0; d < NP; d++)
                xe[d] = cen[d] + 2.0 * (cen[d] - s[worst][d]);
            double fe = objective(f, xe);
            memcpy(s[worst], fe < fr ? xe : xr, sizeof xr);
            fv[worst] = fe < fr ? fe : fr;
        } else if (fr < fv[second]) {
            memcpy(s[worst], xr, sizeof xr);
            fv[worst] = fr;
        } else {
            for (int d = 0; d < NP; d++)
                xc[d] = cen[d] + 0.5 * (s[worst][d] - cen[d]);
            double fc = objective(f, xc);
            if (fc < fv[worst]) {
                memcpy(s[worst], xc, sizeof xc);
                fv[worst] = fc;
            } else {
                for (int i = 0; i <= NP; i++)
                    if (i != best) {
                        for (int d = 0; d < NP; d++)
                            s[i][d] = s[best][d] + 0.5 * (s[i][d] - s[best][d]);
                        fv[i] = objective(f, s[i]);
                    }
            }
        }
    }
    int best = 0;
    for (int i = 1; i <= NP; i++)
        if (fv[i] < fv[best])
            best = i;
    memcpy(x0, s[best], sizeof s[best]);
}

static lw_status constant(const lw_catalogue *cat, const char *key, const lw_constant **c, lw_err *err)
{
    if (lw_catalogue_find_constant(cat, key, c, NULL) != LW_OK)
        return lw_fail(err, LW_ERR_NOT_FOUND, "constant '%s' is missing (data/constants/estimate.json)", key);
    return LW_OK;
}

static lw_status prior_ctx(const lw_catalogue *cat, fit_ctx *f, lw_err *err)
{
    static const char *keys[] = {"estimate.roofline.prior.eta_compute", "estimate.roofline.prior.eta_memory",
                                 "estimate.roofline.prior.step_overhead_s", "estimate.roofline.prior.power_k_compute",
                                 "estimate.roofline.prior.power_k_memory", "estimate.roofline.prior.idle_fraction",
                                 "estimate.calibrate.obs_sigma_log", "estimate.calibrate.max_eta_compute",
                                 "estimate.calibrate.max_eta_memory", "estimate.roofline.prior.seq_layer_overhead_s"};
    const lw_constant *c[10];
    for (int i = 0; i < 10; i++)
        if (constant(cat, keys[i], &c[i], err) != LW_OK)
            return LW_ERR_NOT_FOUND;
    memset(f, 0, sizeof *f);
    f->cat = cat;
    lw_roofline_coeffs *p = &f->prior;
    lw_strlcpy(p->family, "prior", sizeof p->family);
    p->eta_compute = c[0]->value;
    p->eta_memory = c[1]->value;
    p->step_overhead_s = c[2]->value;
    p->power_k_compute = c[3]->value;
    p->power_k_memory = c[4]->value;
    p->idle_fraction = c[5]->value;
    p->seq_layer_overhead_s = c[9]->value;
    /* the published low..high range read as +-1 standard deviation */
    f->s_eta_c = log(c[0]->high / c[0]->low) / 2.0;
    f->s_eta_m = log(c[1]->high / c[1]->low) / 2.0;
    f->s_to = c[2]->high - c[2]->low;
    f->s_sl = c[9]->high - c[9]->low;
    f->s_kc = log(c[3]->high / c[3]->low) / 2.0;
    f->s_km = log(c[4]->high / c[4]->low) / 2.0;
    f->s_obs = c[6]->value;
    f->max_eta_c = c[7]->value;
    f->max_eta_m = c[8]->value;
    return LW_OK;
}

static bool usable(const lw_calib_row *r, const bool *use, size_t i)
{
    return !r->skip_reason[0] && (!use || use[i]);
}

/* Fits one family over rows idx[0..n); returns the coefficients (sigma not set). */
static lw_roofline_coeffs fit_family(fit_ctx *f, const int *idx, int n)
{
    f->idx = idx;
    f->n = n;
    double x[NP];
    to_x(f, &f->prior, x);
    x[2] = 0.5; /* start inside the overhead ranges: sqrt(0.25 ms), sqrt(0.4 us) */
    x[5] = 2.0;
    nelder_mead(f, x);
    nelder_mead(f, x); /* restart from the optimum: escapes a collapsed simplex */
    lw_roofline_coeffs c = from_x(f, x);
    c.rows = n;
    return c;
}

lw_status lw_calibrate(const lw_catalogue *cat, const lw_calib_row *rows, size_t n, const bool *use, lw_calibration *out,
                       lw_err *err)
{
    return lw_calibrate_v2(cat, rows, n, use, NULL, out, err);
}

/* Nelder-Mead fits lw_calibrate_v2 runs: per family one, plus one per row left out when the
 * family has more than one row. */
static double count_fits(const lw_calib_row *rows, size_t n, const bool *use)
{
    double fits = 0;
    for (size_t i = 0; i < n; i++) {
        if (!usable(&rows[i], use, i))
            continue;
        bool first = true;
        int m = 0;
        for (size_t j = 0; j < n; j++)
            if (usable(&rows[j], use, j) && lw_streq_ci(rows[j].gpu->architecture, rows[i].gpu->architecture)) {
                first = first && j >= i;
                m++;
            }
        if (first)
            fits += 1 + (m > 1 ? m : 0);
    }
    return fits;
}

lw_status lw_calibrate_v2(const lw_catalogue *cat, const lw_calib_row *rows, size_t n, const bool *use,
                          const lw_progress_opts *opts, lw_calibration *out, lw_err *err)
{
    if (lw_progress_check(opts, err) != LW_OK)
        return err ? err->status : LW_ERR_INVALID_ARGUMENT;
    fit_ctx f;
    if (prior_ctx(cat, &f, err) != LW_OK)
        return err ? err->status : LW_ERR_NOT_FOUND;
    memset(out, 0, sizeof *out);
    out->prior = f.prior;
    f.rows = rows;
    int *idx = malloc((n ? n : 1) * sizeof *idx), *loo = malloc((n ? n : 1) * sizeof *loo);
    if (!idx || !loo) {
        free(idx);
        free(loo);
        return lw_fail(err, LW_ERR_NO_MEMORY, "out of memory in calibrate");
    }
    /* prior sigma: weighted RMS error over every usable row of the prior as an uncalibrated GPU
     * gets it (lw_roofline_gpu_prior) */
    double ss = 0, sw = 0;
    for (size_t i = 0; i < n; i++) {
        if (!usable(&rows[i], use, i))
            continue;
        double te, pe, je;
        lw_roofline_coeffs pr = lw_roofline_gpu_prior(cat, &f.prior, rows[i].gpu, NULL);
        if (isfinite(je = row_log_error(cat, &rows[i], &pr, &te, &pe))) {
            ss += rows[i].weight * je * je;
            sw += rows[i].weight;
        }
    }
    out->prior.sigma_log = out->prior.sigma_fit_log = sw > 0 ? sqrt(ss / sw) : log(2.0);
    const lw_constant *zc;
    if (constant(cat, "estimate.roofline.band_z", &zc, err) != LW_OK) {
        free(idx);
        free(loo);
        return LW_ERR_NOT_FOUND;
    }
    double *res = malloc((n ? n : 1) * sizeof *res);
    if (!res) {
        free(idx);
        free(loo);
        return lw_fail(err, LW_ERR_NO_MEMORY, "out of memory in calibrate");
    }
    double done = 0, total = count_fits(rows, n, use);
    /* families in order of first appearance */
    for (size_t i = 0; i < n; i++) {
        if (!usable(&rows[i], use, i))
            continue;
        const char *fam = rows[i].gpu->architecture;
        bool seen = false;
        for (int k = 0; k < out->nfamilies; k++)
            seen |= lw_streq_ci(out->families[k].family, fam);
        if (seen || out->nfamilies >= 16)
            continue;
        int m = 0;
        for (size_t j = i; j < n; j++)
            if (usable(&rows[j], use, j) && lw_streq_ci(rows[j].gpu->architecture, fam))
                idx[m++] = (int)j;
        char what[64];
        snprintf(what, sizeof what, "family %s", fam);
        lw_progress_report(opts, done, total, what);
        lw_roofline_coeffs c = fit_family(&f, idx, m);
        lw_progress_report(opts, ++done, total, what);
        /* leave-one-row-out sigma, rows weighted */
        double s2 = 0, w2 = 0;
        for (int h = 0; h < m; h++) {
            lw_roofline_coeffs ch;
            if (m > 1) {
                int q = 0;
                for (int j = 0; j < m; j++)
                    if (j != h)
                        loo[q++] = idx[j];
                ch = fit_family(&f, loo, q);
                lw_progress_report(opts, ++done, total, what);
            } else {
                ch = lw_roofline_gpu_prior(cat, &f.prior, rows[idx[h]].gpu, NULL);
            }
            double te, pe, je = row_log_error(cat, &rows[idx[h]], &ch, &te, &pe);
            if (isfinite(je)) {
                s2 += rows[idx[h]].weight * je * je;
                w2 += rows[idx[h]].weight;
            }
        }
        c.sigma_fit_log = w2 > 0 ? sqrt(s2 / w2) : out->prior.sigma_log;
        /* sources that disagree at comparable settings widen the band (in quadrature) */
        for (int h = 0; h < m; h++) {
            double te, pe;
            res[h] = row_log_error(cat, &rows[idx[h]], &c, &te, &pe);
        }
        c.sigma_source_log = lw_calib_source_spread(rows, idx, res, m, zc->value, NULL);
        c.sigma_log = sqrt(sq(c.sigma_fit_log) + sq(c.sigma_source_log));
        lw_strlcpy(c.family, fam, sizeof c.family);
        out->families[out->nfamilies++] = c;
    }
    free(res);
    free(idx);
    free(loo);
    return LW_OK;
}

bool lw_calib_comparable(const lw_calib_row *a, const lw_calib_row *b)
{
    if (!a->gpu || !b->gpu || !a->model || !b->model || !lw_streq_ci(a->gpu->architecture, b->gpu->architecture))
        return false;
    if (!(a->point.batch > 0 && b->point.batch > 0) || fmax(a->point.batch, b->point.batch) > 10.0 * fmin(a->point.batch, b->point.batch))
        return false;
    if (a->model == b->model)
        return true;
    double pa = a->point.total_params_b, pb = b->point.total_params_b;
    return (a->model->num_experts > 0) == (b->model->num_experts > 0) && pa > 0 && pb > 0 &&
           fmax(pa, pb) <= 1.25 * fmin(pa, pb);
}

double lw_calib_source_spread(const lw_calib_row *rows, const int *idx, const double *res, int n, double z, int *pairs)
{
    double ss = 0;
    int k = 0;
    for (int a = 0; a < n; a++)
        for (int b = a + 1; b < n; b++) {
            const lw_calib_row *ra = &rows[idx[a]], *rb = &rows[idx[b]];
            if (strcmp(ra->point.source, rb->point.source) == 0 || !lw_calib_comparable(ra, rb) || !isfinite(res[a]) ||
                !isfinite(res[b]))
                continue;
            ss += sq(res[a] - res[b]);
            k++;
        }
    if (pairs)
        *pairs = k;
    return k && z > 0 ? sqrt(ss / k) / z : 0.0;
}

/* ---- site calibration (calibrate/site.c) ------------------------------------------------------ */

lw_status lw_calib_fit_centred(const lw_catalogue *cat, const lw_calib_row *rows, const int *idx, int n,
                               const lw_roofline_coeffs *centre, lw_roofline_coeffs *out, lw_err *err)
{
    fit_ctx f;
    if (prior_ctx(cat, &f, err) != LW_OK)
        return err ? err->status : LW_ERR_NOT_FOUND;
    f.rows = rows;
    f.idx = idx;
    f.n = n;
    f.prior = *centre;
    /* start at the centre, just inside the ceilings (the logit of a ceiling is infinite) */
    lw_roofline_coeffs start = *centre;
    start.eta_compute = fmin(start.eta_compute, 0.995 * f.max_eta_c);
    start.eta_memory = fmin(start.eta_memory, 0.995 * f.max_eta_m);
    double x[NP];
    to_x(&f, &start, x);
    nelder_mead(&f, x);
    nelder_mead(&f, x);
    *out = from_x(&f, x);
    out->rows = n;
    return LW_OK;
}
