/* Least-squares fit of seed 000's k, mu_arch and eta_util to measured points (log space, over
 * pairs of points with matched batch), with bootstrap intervals and held-out accuracy. */
#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extrapolate/fit_internal.h"
#include "core/progress.h"
#include "core/util.h"

lw_fit_opts lw_fit_opts_default(void)
{
    lw_fit_opts o;
    o.multi_gpu = LW_MULTI_GPU_OVERHEAD;
    o.alpha = NAN;
    o.batch_match = 1.5;
    o.bootstrap = 200;
    o.seed = 1;
    return o;
}

double lw_fit_ln_multi(lw_multi_gpu_mode mode, double alpha, int g_from, int g_to)
{
    double r0 = 1.0 + alpha * (g_from - 1), r1 = 1.0 + alpha * (g_to - 1);
    switch (mode) {
    case LW_MULTI_GPU_OVERHEAD: return log(r1 / r0);
    case LW_MULTI_GPU_SEED: return log(g_to * r1 / (g_from * r0));
    case LW_MULTI_GPU_NONE: return 0.0;
    }
    return 0.0;
}

/* ---------- resolving points ---------- */

static const lw_model_arch *find_model(const lw_catalogue *cat, const char *name)
{
    const lw_model_arch *m;
    return lw_catalogue_find_model(cat, name, &m, NULL) == LW_OK ? m : NULL;
}

static const lw_gpu *find_gpu(const lw_catalogue *cat, const char *name)
{
    const lw_gpu *g;
    return lw_catalogue_find_gpu(cat, name, &g, NULL) == LW_OK ? g : NULL;
}

static int intern(char list[][48], int *n, int max, const char *s)
{
    for (int i = 0; i < *n; i++)
        if (strcmp(list[i], s) == 0)
            return i;
    if (*n >= max)
        return -1;
    lw_strlcpy(list[*n], s, 48);
    return (*n)++;
}

static int intern_src(lw_fit_result *r, const char *s)
{
    for (int i = 0; i < r->nsrc; i++)
        if (strcmp(r->sources[i], s) == 0)
            return i;
    if (r->nsrc >= LW_FIT_MAX_SRC)
        return -1;
    lw_strlcpy(r->sources[r->nsrc], s, sizeof r->sources[0]);
    return r->nsrc++;
}

static void skip(lw_fit_result *r, const lw_point *p, const char *why)
{
    if (r->skipped++ == 0)
        snprintf(r->skip_why, sizeof r->skip_why, "row %s (%s): %s", p->id, p->model, why);
}

static lw_status resolve(lw_fit_result *r, const lw_point *points, size_t n, lw_err *err)
{
    r->pts = calloc(n ? n : 1, sizeof *r->pts);
    if (!r->pts)
        return lw_fail(err, LW_ERR_NO_MEMORY, "out of memory");
    const lw_constant *frac;
    if (lw_catalogue_find_constant(r->cat, "scale.power_fraction_of_tdp", &frac, err) != LW_OK)
        return err ? err->status : LW_ERR_NOT_FOUND;
    for (size_t i = 0; i < n; i++) {
        const lw_point *p = &points[i];
        lw_fit_point *q = &r->pts[r->npts];
        memset(q, 0, sizeof *q);
        const lw_model_arch *m = find_model(r->cat, p->model);
        q->gpu = find_gpu(r->cat, p->gpu);
        if (p->refused[0]) {
            skip(r, p, p->refused);
            continue;
        }
        if (!p->gpu_only) {
            skip(r, p, "energy boundary is not GPU only");
            continue;
        }
        if (!(p->j_per_output_token > 0)) {
            skip(r, p, "no J per output token");
            continue;
        }
        if (!(p->batch > 0)) {
            skip(r, p, "no batch size");
            continue;
        }
        if (!m || !m->family[0]) {
            skip(r, p, "model not in the catalogue (or without a family)");
            continue;
        }
        if (!q->gpu || !(q->gpu->memory_bw_bytes_per_s > 0)) {
            skip(r, p, "GPU not in the catalogue (or without memory bandwidth)");
            continue;
        }
        double pw = q->gpu->typical_inference_power_w > 0 ? q->gpu->typical_inference_power_w : frac->value * q->gpu->tdp_w;
        if (!(pw > 0)) {
            skip(r, p, "GPU has neither a typical inference power nor a TDP");
            continue;
        }
        double params = p->active_params_b * 1e9;
        if (!(params > 0)) {
            lw_param_counts pc;
            if (lw_model_params(m, &pc, NULL) != LW_OK) {
                skip(r, p, "no active parameter count");
                continue;
            }
            params = pc.active;
        }
        lw_strlcpy(q->family, m->family, sizeof q->family);
        q->fam = intern(r->families, &r->nfam, LW_FIT_MAX_FAM, m->family);
        q->gpu_idx = intern(r->gpus, &r->ngpu, LW_FIT_MAX_GPU, q->gpu->id);
        if (q->fam < 0 || q->gpu_idx < 0)
            return lw_fail(err, LW_ERR_UNSUPPORTED, "more than %d families or GPUs in the points file", LW_FIT_MAX_FAM);
        char src[96];
        lw_strlcpy(src, p->source[0] ? p->source : "(no source_title)", sizeof src);
        char *paren = strstr(src, " (");
        if (paren)
            *paren = '\0';
        q->src_idx = intern_src(r, src);
        if (q->src_idx < 0)
            return lw_fail(err, LW_ERR_UNSUPPORTED, "more than %d sources in the points file", LW_FIT_MAX_SRC);
        q->src = p;
        q->params = params;
        q->ln_e = log(p->j_per_output_token);
        q->ln_bw = log(q->gpu->memory_bw_bytes_per_s);
        q->ln_p = log(pw);
        q->gpus = p->num_gpus;
        q->batch = p->batch;
        r->npts++;
    }
    return LW_OK;
}

/* ---------- pairs and the least-squares solve ---------- */

bool lw_fit_matched(const lw_fit_result *r, const lw_fit_point *a, const lw_fit_point *b)
{
    return fmax(a->batch, b->batch) / fmin(a->batch, b->batch) <= r->opts.batch_match * (1 + 1e-12);
}

/* Design row of the pair a -> b (x has np entries) and the part of ln(E_b/E_a) the fixed terms
 * do not explain. */
double lw_fit_pair_row(const lw_fit_result *r, const lw_fit_point *a, const lw_fit_point *b, double *x)
{
    memset(x, 0, (size_t)r->np * sizeof *x);
    x[0] = log2(b->params) - log2(a->params);
    x[1 + b->fam] += 1;
    x[1 + a->fam] -= 1;
    x[1 + r->nfam + b->gpu_idx] += 1;
    x[1 + r->nfam + a->gpu_idx] -= 1;
    return (b->ln_e - a->ln_e) - log(b->params / a->params) - (a->ln_bw - b->ln_bw) - (b->ln_p - a->ln_p) -
           lw_fit_ln_multi(r->opts.multi_gpu, r->opts.alpha, a->gpus, b->gpus);
}

/* Solves min |A theta - y| over the columns not fixed to zero (the reference family and GPU),
 * by modified Gram-Schmidt. An all-zero column (no pair involves it) is left unidentified
 * (theta 0); a non-zero column that is (nearly) a combination of earlier ones is too, and its
 * index is returned (-1: none), since the others are then only conditional on it being 0.
 * A is m x np, row major. */
static int lsq(const double *A, const double *y, int m, int np, const bool *fixed, double *theta, bool *ident)
{
    double *Q = malloc((size_t)m * (size_t)np * sizeof *Q), *R = calloc((size_t)np * (size_t)np, sizeof *R);
    int *cols = malloc((size_t)np * sizeof *cols);
    int nc = 0, collinear = -1;
    for (int j = 0; j < np; j++) {
        theta[j] = 0;
        ident[j] = false;
    }
    if (!Q || !R || !cols) {
        free(Q);
        free(R);
        free(cols);
        return -1;
    }
    for (int j = 0; j < np; j++) {
        if (fixed[j])
            continue;
        double *q = Q + (size_t)nc * (size_t)m, norm0 = 0;
        for (int i = 0; i < m; i++) {
            q[i] = A[(size_t)i * (size_t)np + (size_t)j];
            norm0 += q[i] * q[i];
        }
        if (norm0 == 0)
            continue;
        for (int c = 0; c < nc; c++) {
            const double *qc = Q + (size_t)c * (size_t)m;
            double d = 0;
            for (int i = 0; i < m; i++)
                d += qc[i] * q[i];
            R[c * np + nc] = d;
            for (int i = 0; i < m; i++)
                q[i] -= d * qc[i];
        }
        double norm = 0;
        for (int i = 0; i < m; i++)
            norm += q[i] * q[i];
        if (norm <= 1e-10 * norm0) {
            if (collinear < 0)
                collinear = j;
            continue;
        }
        norm = sqrt(norm);
        for (int i = 0; i < m; i++)
            q[i] /= norm;
        R[nc * np + nc] = norm;
        cols[nc++] = j;
    }
    double *z = calloc((size_t)(nc ? nc : 1), sizeof *z);
    if (z) {
        for (int c = 0; c < nc; c++) {
            const double *qc = Q + (size_t)c * (size_t)m;
            for (int i = 0; i < m; i++)
                z[c] += qc[i] * y[i];
        }
        for (int c = nc - 1; c >= 0; c--) {
            double s = z[c];
            for (int d = c + 1; d < nc; d++)
                s -= R[c * np + d] * z[d];
            z[c] = s / R[c * np + c];
        }
        for (int c = 0; c < nc; c++) {
            theta[cols[c]] = z[c];
            ident[cols[c]] = true;
        }
    }
    free(z);
    free(Q);
    free(R);
    free(cols);
    return collinear;
}

/* Fits on the points whose weight is > 0 (weight = multiplicity, for the bootstrap). Returns the
 * number of pairs (each unordered pair once per weight product); *collinear is the first
 * confounded parameter (-1: none). */
static int solve(const lw_fit_result *r, const int *weight, double *theta, bool *ident, int *param_pairs, int *collinear)
{
    int n = (int)r->npts, cap = 0, m = 0;
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            if (weight[i] && weight[j] && lw_fit_matched(r, &r->pts[i], &r->pts[j]))
                cap += weight[i] * weight[j];
    bool *fixed = calloc((size_t)r->np, sizeof *fixed);
    double *A = malloc((size_t)(cap ? cap : 1) * (size_t)r->np * sizeof *A), *y = malloc((size_t)(cap ? cap : 1) * sizeof *y);
    if (!fixed || !A || !y) {
        free(fixed);
        free(A);
        free(y);
        return 0;
    }
    fixed[1 + r->ref_fam] = true;
    fixed[1 + r->nfam + r->ref_gpu] = true;
    if (param_pairs)
        memset(param_pairs, 0, (size_t)r->np * sizeof *param_pairs);
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++) {
            if (!weight[i] || !weight[j] || !lw_fit_matched(r, &r->pts[i], &r->pts[j]))
                continue;
            for (int w = 0; w < weight[i] * weight[j]; w++, m++) {
                double *x = A + (size_t)m * (size_t)r->np;
                y[m] = lw_fit_pair_row(r, &r->pts[i], &r->pts[j], x);
                if (param_pairs && w == 0)
                    for (int k = 0; k < r->np; k++)
                        param_pairs[k] += x[k] != 0;
            }
        }
    int c = lsq(A, y, m, r->np, fixed, theta, ident);
    if (collinear)
        *collinear = c;
    ident[1 + r->ref_fam] = ident[1 + r->nfam + r->ref_gpu] = true;
    free(fixed);
    free(A);
    free(y);
    return m;
}

/* Predicted ln E_b from point a with parameters theta; false when a needed one is unidentified. */
static bool predict(const lw_fit_result *r, const double *theta, const bool *ident, const lw_fit_point *a, const lw_fit_point *b,
                    double *ln_pred)
{
    double x[1 + LW_FIT_MAX_FAM + LW_FIT_MAX_GPU];
    double y = lw_fit_pair_row(r, a, b, x), dot = 0;
    for (int k = 0; k < r->np; k++) {
        if (x[k] != 0 && !ident[k])
            return false;
        dot += x[k] * theta[k];
    }
    *ln_pred = b->ln_e - y + dot;
    return true;
}

/* ---------- statistics ---------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Percentile (0..1) of v[0..n) by linear interpolation; sorts v. */
static double percentile(double *v, size_t n, double q)
{
    if (n == 0)
        return NAN;
    qsort(v, n, sizeof *v, cmp_double);
    double pos = q * (double)(n - 1);
    size_t lo = (size_t)floor(pos);
    size_t hi = lo + 1 < n ? lo + 1 : lo;
    return v[lo] + (v[hi] - v[lo]) * (pos - (double)lo);
}

/* Accumulates ln(actual/pred) and band membership for an accuracy summary. */
typedef struct acc_build {
    double *lr;
    double *abs_err;
    size_t n, cap;
    int inside, unpredictable;
} acc_build;

static void acc_add(acc_build *b, double ln_actual, double ln_pred, double ln_lo, double ln_hi)
{
    if (b->n == b->cap) {
        size_t nc = b->cap ? 2 * b->cap : 64;
        double *a = realloc(b->lr, nc * sizeof *a), *e = a ? realloc(b->abs_err, nc * sizeof *e) : NULL;
        if (a)
            b->lr = a;
        if (!a || !e)
            return;
        b->abs_err = e;
        b->cap = nc;
    }
    b->lr[b->n] = ln_actual - ln_pred;
    b->abs_err[b->n] = fabs(exp(ln_pred - ln_actual) - 1.0);
    b->n++;
    b->inside += ln_actual >= ln_lo - 1e-12 && ln_actual <= ln_hi + 1e-12;
}

static lw_fit_accuracy acc_finish(acc_build *b)
{
    lw_fit_accuracy a;
    memset(&a, 0, sizeof a);
    a.pairs = (int)b->n;
    a.unpredictable = b->unpredictable;
    if (b->n) {
        double ss = 0;
        for (size_t i = 0; i < b->n; i++)
            ss += b->lr[i] * b->lr[i];
        a.rms_log = sqrt(ss / (double)b->n);
        a.coverage = (double)b->inside / (double)b->n;
        a.median_abs_err = percentile(b->abs_err, b->n, 0.5);
        a.band_low = exp(percentile(b->lr, b->n, 0.05));
        a.band_high = exp(percentile(b->lr, b->n, 0.95));
    } else {
        a.median_abs_err = a.coverage = a.band_low = a.band_high = a.rms_log = NAN;
    }
    free(b->lr);
    free(b->abs_err);
    return a;
}

/* In-sample residuals over ordered matched pairs: accuracy, and the 90% band. */
static void residuals(lw_fit_result *r, const int *weight, const double *theta, const bool *ident, double *lo, double *hi,
                      lw_fit_accuracy *acc, double *unexplained)
{
    acc_build b;
    memset(&b, 0, sizeof b);
    double ss_tot = 0;
    int n = (int)r->npts;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            double lp;
            if (i == j || !weight[i] || !weight[j] || !lw_fit_matched(r, &r->pts[i], &r->pts[j]) ||
                !predict(r, theta, ident, &r->pts[i], &r->pts[j], &lp))
                continue;
            acc_add(&b, r->pts[j].ln_e, lp, -INFINITY, INFINITY);
            ss_tot += (r->pts[j].ln_e - r->pts[i].ln_e) * (r->pts[j].ln_e - r->pts[i].ln_e);
        }
    double ss = 0;
    for (size_t k = 0; k < b.n; k++)
        ss += b.lr[k] * b.lr[k];
    if (unexplained)
        *unexplained = ss_tot > 0 ? ss / ss_tot : NAN;
    double *copy = malloc((b.n ? b.n : 1) * sizeof *copy);
    if (copy && b.n) {
        memcpy(copy, b.lr, b.n * sizeof *copy);
        *lo = exp(percentile(copy, b.n, 0.05));
        *hi = exp(percentile(copy, b.n, 0.95));
    } else {
        *lo = *hi = 1.0;
    }
    free(copy);
    /* Coverage of the band just derived. */
    b.inside = 0;
    for (size_t k = 0; k < b.n; k++)
        b.inside += b.lr[k] >= log(*lo) - 1e-12 && b.lr[k] <= log(*hi) + 1e-12;
    lw_fit_accuracy a = acc_finish(&b);
    if (acc)
        *acc = a;
}

/* Seed 000's coefficients (the catalogue's) on the same ordered pairs, through lw_scale_run. */
static lw_fit_accuracy seed_accuracy(const lw_fit_result *r)
{
    acc_build b;
    memset(&b, 0, sizeof b);
    int n = (int)r->npts;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            const lw_fit_point *a = &r->pts[i], *t = &r->pts[j];
            if (i == j || !lw_fit_matched(r, a, t))
                continue;
            lw_scale_input in = lw_scale_input_default();
            in.baseline_j_per_token = exp(a->ln_e);
            in.from.params = a->params;
            in.to.params = t->params;
            in.from.family = a->family;
            in.to.family = t->family;
            in.from.gpu = a->gpu;
            in.to.gpu = t->gpu;
            in.from.gpus = a->gpus;
            in.to.gpus = t->gpus;
            in.from.power_w = exp(a->ln_p);
            in.to.power_w = exp(t->ln_p);
            in.multi_gpu = r->opts.multi_gpu;
            in.have_alpha = true;
            in.alpha = r->opts.alpha;
            lw_scale_result s;
            if (lw_scale_run(r->cat, &in, &s, NULL) != LW_OK) {
                b.unpredictable++;
                continue;
            }
            acc_add(&b, t->ln_e, log(s.energy_per_token_j.expected), log(s.energy_per_token_j.low), log(s.energy_per_token_j.high));
        }
    return acc_finish(&b);
}

/* Leave one point out, refit, predict it from every matched point, band = refit residual band. */
static lw_fit_accuracy heldout_accuracy(lw_fit_result *r)
{
    acc_build b;
    memset(&b, 0, sizeof b);
    int n = (int)r->npts;
    int *w = malloc((size_t)n * sizeof *w);
    double *th = malloc((size_t)r->np * sizeof *th);
    bool *id = malloc((size_t)r->np * sizeof *id);
    for (int h = 0; w && th && id && h < n; h++) {
        for (int i = 0; i < n; i++)
            w[i] = i != h;
        int col;
        solve(r, w, th, id, NULL, &col);
        if (col >= 0) { /* leaving h out confounds two coefficients: h cannot be predicted */
            for (int i = 0; i < n; i++)
                b.unpredictable += i != h && lw_fit_matched(r, &r->pts[i], &r->pts[h]);
            continue;
        }
        double lo, hi;
        residuals(r, w, th, id, &lo, &hi, NULL, NULL);
        for (int i = 0; i < n; i++) {
            double lp;
            if (i == h || !lw_fit_matched(r, &r->pts[i], &r->pts[h]))
                continue;
            if (!predict(r, th, id, &r->pts[i], &r->pts[h], &lp)) {
                b.unpredictable++;
                continue;
            }
            acc_add(&b, r->pts[h].ln_e, lp, lp + log(lo), lp + log(hi));
        }
    }
    free(w);
    free(th);
    free(id);
    return acc_finish(&b);
}

/* splitmix64: a small, local, seedable generator (no global state). */
static uint64_t next_rand(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static void bootstrap(lw_fit_result *r, const lw_progress_opts *progress)
{
    int n = (int)r->npts;
    r->nboot = r->opts.bootstrap;
    r->boot = malloc((size_t)(r->nboot ? r->nboot : 1) * (size_t)r->np * sizeof *r->boot);
    int *w = malloc((size_t)n * sizeof *w);
    bool *id = malloc((size_t)r->np * sizeof *id);
    uint64_t s = r->opts.seed;
    if (!r->boot || !w || !id)
        r->nboot = 0;
    for (int bi = 0; bi < r->nboot; bi++) {
        memset(w, 0, (size_t)n * sizeof *w);
        for (int i = 0; i < n; i++)
            w[next_rand(&s) % (uint64_t)n]++;
        double *th = r->boot + (size_t)bi * (size_t)r->np;
        int col;
        solve(r, w, th, id, NULL, &col);
        r->boot_discarded += col >= 0;
        for (int k = 0; k < r->np; k++)
            if (!id[k] || col >= 0) /* a confounded resample says nothing reliable */
                th[k] = NAN;
        lw_progress_report(progress, bi + 1, r->nboot, "bootstrap");
    }
    free(w);
    free(id);
}

void lw_fit_boot_interval(const lw_fit_result *r, int plus, int minus, double *lo, double *hi)
{
    double *v = malloc((size_t)(r->nboot ? r->nboot : 1) * sizeof *v);
    size_t m = 0;
    for (int bi = 0; v && bi < r->nboot; bi++) {
        const double *th = r->boot + (size_t)bi * (size_t)r->np;
        double x = th[plus] - (minus >= 0 ? th[minus] : 0);
        if (isfinite(x))
            v[m++] = x;
    }
    if (m >= 10) {
        *lo = exp(percentile(v, m, 0.05));
        *hi = exp(percentile(v, m, 0.95));
    } else {
        double x = exp(r->theta[plus] - (minus >= 0 ? r->theta[minus] : 0));
        *lo = *hi = x;
    }
    free(v);
}

static void set_coef(lw_fit_result *r, int idx, const char *name, int param, int ref_param)
{
    lw_fit_coef *c = &r->coefs[idx];
    lw_strlcpy(c->name, name, sizeof c->name);
    c->identified = r->ident[param] && (ref_param < 0 || r->ident[ref_param]);
    c->pairs = r->param_pairs[param];
    c->value = c->identified ? exp(r->theta[param]) : 1.0;
    c->reference = param == ref_param;
    if (param == ref_param || !c->identified)
        c->low = c->high = c->value;
    else
        lw_fit_boot_interval(r, param, -1, &c->low, &c->high);
}

lw_status lw_fit_run(const lw_catalogue *cat, const lw_point *points, size_t n, const lw_fit_opts *opts, lw_fit_result **out,
                     lw_err *err)
{
    return lw_fit_run_v2(cat, points, n, opts, NULL, out, err);
}

lw_status lw_fit_run_v2(const lw_catalogue *cat, const lw_point *points, size_t n, const lw_fit_opts *opts,
                        const lw_progress_opts *progress, lw_fit_result **out, lw_err *err)
{
    if (lw_progress_check(progress, err) != LW_OK)
        return err ? err->status : LW_ERR_INVALID_ARGUMENT;
    lw_fit_result *r = calloc(1, sizeof *r);
    if (!r)
        return lw_fail(err, LW_ERR_NO_MEMORY, "out of memory");
    r->opts = opts ? *opts : lw_fit_opts_default();
    r->cat = cat;
    if (isnan(r->opts.alpha))
        r->opts.alpha = lw_catalogue_value(cat, "scale.alpha", 0.12);
    if (!(r->opts.batch_match >= 1) || r->opts.bootstrap < 0 || r->opts.alpha < 0) {
        lw_fit_free(r);
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "fit options: batch match must be >= 1, bootstrap >= 0, alpha >= 0");
    }
    lw_status st = resolve(r, points, n, err);
    if (st != LW_OK) {
        lw_fit_free(r);
        return st;
    }
    int counts[LW_FIT_MAX_FAM] = {0}, gcounts[LW_FIT_MAX_GPU] = {0};
    for (size_t i = 0; i < r->npts; i++) {
        counts[r->pts[i].fam]++;
        gcounts[r->pts[i].gpu_idx]++;
    }
    r->ref_fam = r->ref_gpu = 0;
    for (int f = 0; f < r->nfam; f++)
        if (counts[f] > counts[r->ref_fam])
            r->ref_fam = f;
    for (int f = 0; f < r->nfam; f++)
        if (strcmp(r->families[f], "qwen2.5") == 0)
            r->ref_fam = f;
    for (int g = 0; g < r->ngpu; g++)
        if (gcounts[g] > gcounts[r->ref_gpu])
            r->ref_gpu = g;
    r->np = 1 + r->nfam + r->ngpu;
    r->theta = calloc((size_t)r->np, sizeof *r->theta);
    r->ident = calloc((size_t)r->np, sizeof *r->ident);
    r->param_pairs = calloc((size_t)r->np, sizeof *r->param_pairs);
    r->coefs = calloc((size_t)r->np, sizeof *r->coefs);
    int *w = malloc((r->npts ? r->npts : 1) * sizeof *w);
    if (!r->theta || !r->ident || !r->param_pairs || !r->coefs || !w) {
        free(w);
        lw_fit_free(r);
        return lw_fail(err, LW_ERR_NO_MEMORY, "out of memory");
    }
    for (size_t i = 0; i < r->npts; i++)
        w[i] = 1;
    r->npairs = r->npts ? solve(r, w, r->theta, r->ident, r->param_pairs, &r->confounded) : 0;
    if (r->npairs < 2) {
        free(w);
        char why[256];
        lw_strlcpy(why, r->skip_why, sizeof why);
        size_t used = r->npts, sk = r->skipped;
        lw_fit_free(r);
        return lw_fail(err, LW_ERR_INFEASIBLE,
                       "only %zu usable points forming fewer than 2 pairs with batch sizes within x%g (%zu skipped%s%s)", used,
                       opts ? opts->batch_match : 1.5, sk, sk ? "; first: " : "", why);
    }
    residuals(r, w, r->theta, r->ident, &r->resid_lo, &r->resid_hi, &r->fitted, &r->unexplained);
    free(w);
    bootstrap(r, progress);
    set_coef(r, 0, "k", 0, -1);
    for (int f = 0; f < r->nfam; f++)
        set_coef(r, 1 + f, r->families[f], 1 + f, 1 + r->ref_fam);
    for (int g = 0; g < r->ngpu; g++)
        set_coef(r, 1 + r->nfam + g, r->gpus[g], 1 + r->nfam + g, 1 + r->nfam + r->ref_gpu);
    if ((st = lw_fit_check(r, err)) != LW_OK) {
        lw_fit_free(r);
        return st;
    }
    r->seed = seed_accuracy(r);
    r->heldout = heldout_accuracy(r);
    *out = r;
    return LW_OK;
}

void lw_fit_free(lw_fit_result *r)
{
    if (!r)
        return;
    free(r->pts);
    free(r->theta);
    free(r->ident);
    free(r->param_pairs);
    free(r->boot);
    free(r->coefs);
    free(r->src_basis);
    free(r);
}

size_t lw_fit_points_used(const lw_fit_result *r)
{
    return r->npts;
}

size_t lw_fit_skipped(const lw_fit_result *r, char *why, size_t why_len)
{
    if (why && why_len)
        lw_strlcpy(why, r->skip_why, why_len);
    return r->skipped;
}

const char *lw_fit_reference_family(const lw_fit_result *r)
{
    return r->families[r->ref_fam];
}

const char *lw_fit_reference_gpu(const lw_fit_result *r)
{
    return r->gpus[r->ref_gpu];
}

size_t lw_fit_coef_count(const lw_fit_result *r)
{
    return (size_t)r->np;
}

const lw_fit_coef *lw_fit_coef_at(const lw_fit_result *r, size_t i, char *kind)
{
    if (i >= (size_t)r->np)
        return NULL;
    if (kind)
        *kind = i == 0 ? 'k' : (i <= (size_t)r->nfam ? 'f' : 'g');
    return &r->coefs[i];
}

lw_fit_accuracy lw_fit_accuracy_fitted(const lw_fit_result *r)
{
    return r->fitted;
}

lw_fit_accuracy lw_fit_accuracy_seed(const lw_fit_result *r)
{
    return r->seed;
}

lw_fit_accuracy lw_fit_accuracy_heldout(const lw_fit_result *r)
{
    return r->heldout;
}

double lw_fit_unexplained_variance(const lw_fit_result *r)
{
    return r->unexplained;
}

const char *lw_fit_confounded(const lw_fit_result *r)
{
    return r->confounded >= 0 ? r->coefs[r->confounded].name : NULL;
}

int lw_fit_bootstrap_discarded(const lw_fit_result *r)
{
    return r->boot_discarded;
}
