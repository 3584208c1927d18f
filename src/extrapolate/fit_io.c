/* The fitted-coefficients file: written by `llmwatt fit --output`, read by `scale --coefficients`.
 * It is a catalogue constants file ("scale.*" keys) plus a "fit" object with the diagnostics. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "extrapolate/fit_internal.h"
#include "core/util.h"

/* The checks of a coefficient (lw_fit_check), written next to it so that a reader sees them and
 * lw_scale_load_coefficients can refuse it: "status" ok|flagged, the physical range with its
 * citation, and the sources it is confounded with (null when none). */
static void add_check(json_t *o, bool in_range, double lo, double hi, const char *cite, const char *confounded)
{
    json_object_set_new(o, "status", json_string(in_range && !confounded[0] ? "ok" : "flagged"));
    json_t *range = json_object();
    json_object_set_new(range, "low", json_real(lo));
    json_object_set_new(range, "high", json_real(hi));
    json_object_set_new(range, "source", json_string(cite));
    json_object_set_new(o, "physical_range", range);
    json_object_set_new(o, "confounded_with", confounded[0] ? json_string(confounded) : json_null());
}

static json_t *add_const(json_t *arr, const char *key, double value, double low, double high, const char *unit, const char *source,
                         int year)
{
    json_t *o = json_object();
    json_object_set_new(o, "key", json_string(key));
    json_object_set_new(o, "value", json_real(value));
    json_object_set_new(o, "low", json_real(low));
    json_object_set_new(o, "high", json_real(high));
    json_object_set_new(o, "unit", json_string(unit));
    json_object_set_new(o, "source", json_string(source));
    json_object_set_new(o, "year", json_integer(year));
    json_array_append_new(arr, o);
    return o;
}

json_t *lw_fit_accuracy_json(const lw_fit_accuracy *a)
{
    json_t *o = json_object();
    json_object_set_new(o, "pairs", json_integer(a->pairs));
    json_object_set_new(o, "unpredictable", json_integer(a->unpredictable));
    json_object_set_new(o, "median_abs_err", a->pairs ? json_real(a->median_abs_err) : json_null());
    json_object_set_new(o, "coverage", a->pairs ? json_real(a->coverage) : json_null());
    json_object_set_new(o, "band_low", a->pairs ? json_real(a->band_low) : json_null());
    json_object_set_new(o, "band_high", a->pairs ? json_real(a->band_high) : json_null());
    json_object_set_new(o, "rms_log", a->pairs ? json_real(a->rms_log) : json_null());
    return o;
}

char *lw_fit_accuracy_to_json(const lw_fit_accuracy *a, int indent)
{
    if (!a || indent < 0 || indent > 31)
        return NULL;
    json_t *o = lw_fit_accuracy_json(a);
    char *text = json_dumps(o, JSON_REAL_PRECISION(15) | JSON_PRESERVE_ORDER | (indent ? JSON_INDENT(indent) : 0));
    json_decref(o);
    return text;
}

lw_status lw_fit_write(const lw_fit_result *r, const char *path, const char *points_name, lw_err *err)
{
    time_t now = time(NULL);
    struct tm tmv;
    int year = gmtime_r(&now, &tmv) ? tmv.tm_year + 1900 : 0;
    char src[LW_SOURCE_MAX], key[160];
    json_t *root = json_object(), *fit = json_object(), *arr = json_array();
    json_object_set_new(fit, "tool", json_string("llmwatt fit"));
    json_object_set_new(fit, "points", json_string(points_name));
    json_object_set_new(fit, "points_used", json_integer((json_int_t)r->npts));
    json_object_set_new(fit, "points_skipped", json_integer((json_int_t)r->skipped));
    json_object_set_new(fit, "pairs", json_integer(r->npairs));
    json_object_set_new(fit, "batch_match", json_real(r->opts.batch_match));
    json_object_set_new(fit, "multi_gpu", json_string(lw_multi_gpu_name(r->opts.multi_gpu)));
    json_object_set_new(fit, "alpha", json_real(r->opts.alpha));
    json_object_set_new(fit, "bootstrap", json_integer(r->nboot));
    json_object_set_new(fit, "reference_family", json_string(r->families[r->ref_fam]));
    json_object_set_new(fit, "reference_gpu", json_string(r->gpus[r->ref_gpu]));
    json_object_set_new(fit, "unexplained_variance", json_real(r->unexplained));
    json_object_set_new(fit, "flagged", json_integer((json_int_t)lw_fit_flagged_count(r)));
    json_object_set_new(fit, "fitted", lw_fit_accuracy_json(&r->fitted));
    json_object_set_new(fit, "seed", lw_fit_accuracy_json(&r->seed));
    json_object_set_new(fit, "heldout", lw_fit_accuracy_json(&r->heldout));
    json_object_set_new(root, "fit", fit);

    snprintf(src, sizeof src, "llmwatt fit on %s: %zu points, %d pairs with batch within x%g, multi-GPU %s; range = bootstrap 5..95%%",
             points_name, r->npts, r->npairs, r->opts.batch_match, lw_multi_gpu_name(r->opts.multi_gpu));
    const lw_fit_coef *k = &r->coefs[0];
    if (k->identified)
        add_check(add_const(arr, "scale.k", k->value, k->low, k->high, "per doubling of N", src, year), k->in_range, k->range_low,
                  k->range_high, k->range_source, k->confounded_with);
    for (int f = 0; f < r->nfam; f++) {
        const lw_fit_coef *c = &r->coefs[1 + f];
        if (!c->identified)
            continue;
        snprintf(key, sizeof key, "scale.mu_arch.%s", c->name);
        char fsrc[LW_SOURCE_MAX + 80];
        snprintf(fsrc, sizeof fsrc, "%s; relative to %s = 1", src, r->families[r->ref_fam]);
        add_check(add_const(arr, key, c->value, c->low, c->high, "ratio", fsrc, year), c->in_range, c->range_low, c->range_high,
                  c->range_source, c->confounded_with);
    }
    for (int a = 0; a < r->ngpu; a++)
        for (int b = 0; b < r->ngpu; b++) {
            const lw_fit_coef *ca = &r->coefs[1 + r->nfam + a], *cb = &r->coefs[1 + r->nfam + b];
            if (!ca->identified || !cb->identified)
                continue;
            snprintf(key, sizeof key, "scale.eta_util.%s.%s", ca->name, cb->name);
            double lo = 1, hi = 1, v = 1;
            if (a != b) {
                int pa = 1 + r->nfam + a, pb = 1 + r->nfam + b;
                v = exp(r->theta[pb] - r->theta[pa]);
                lw_fit_boot_interval(r, pb, pa, &lo, &hi);
                lo = fmin(lo, v);
                hi = fmax(hi, v);
            }
            bool in_range;
            double rlo, rhi;
            char cite[160], conf[256];
            lw_fit_check_pair(r, a, b, v, &in_range, &rlo, &rhi, cite, sizeof cite, conf, sizeof conf);
            add_check(add_const(arr, key, v, lo, hi, "ratio", src, year), in_range, rlo, rhi, cite, conf);
        }
    add_const(arr, "scale.fit.residual_band", 1.0, r->resid_lo, r->resid_hi, "ratio actual/predicted",
              "llmwatt fit: 5th..95th percentile of actual/predicted over the fitted pairs (the band covering 90% of them)", year);
    json_object_set_new(root, "constants", arr);
    char *text = json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
    json_decref(root);
    if (!text)
        return lw_fail(err, LW_ERR_NO_MEMORY, "out of memory");
    size_t len = strlen(text);
    char *withnl = realloc(text, len + 2);
    if (!withnl) {
        free(text);
        return lw_fail(err, LW_ERR_NO_MEMORY, "out of memory");
    }
    withnl[len] = '\n';
    withnl[len + 1] = '\0';
    lw_status st = lw_file_write_atomic(path, withnl, len + 1, err);
    free(withnl);
    return st;
}

/* The checks of one constant of a coefficients file: the range is taken from the catalogue (a
 * file cannot widen it), the confounding from the file (only the fit's data can tell). Writes
 * the flag line and returns true when the constant is flagged. */
static bool flagged_const(const lw_catalogue *cat, json_t *o, const char *reference_family, char *line, size_t len)
{
    const char *key = json_string_value(json_object_get(o, "key"));
    double v = json_number_value(json_object_get(o, "value"));
    char kind = strcmp(key, "scale.k") == 0                    ? 'k'
                : strncmp(key, "scale.mu_arch.", 14) == 0      ? 'f'
                : strncmp(key, "scale.eta_util.", 15) == 0     ? 'g'
                                                               : 0;
    const char *conf = json_string_value(json_object_get(o, "confounded_with"));
    double lo = NAN, hi = NAN;
    char cite[200] = "";
    bool in_range = !kind || lw_fit_range(cat, kind, reference_family, &lo, &hi, cite, sizeof cite, NULL) != LW_OK ||
                    (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9));
    if (in_range && !(conf && *conf))
        return false;
    lw_fit_flag_line(line, len, key, v, in_range, lo, hi, cite, conf);
    return true;
}

/* Reads a coefficients file and checks it: the "fit" object, only "scale.*" keys and none of
 * "scale.physical_range.*", then every constant's flags (*text: one line each, *n of them). */
static lw_status scan(const lw_catalogue *cat, const char *path, char **text, size_t *n, lw_err *err)
{
    *text = NULL;
    *n = 0;
    char *data;
    size_t len;
    lw_status st = lw_file_read_capped(path, LW_CAP_SMALL_BYTES, "a coefficients file", &data, &len, err);
    if (st != LW_OK)
        return st;
    json_error_t je;
    json_t *root = json_loadb(data, len, 0, &je);
    free(data);
    if (!root)
        return lw_fail(err, LW_ERR_PARSE, "%s: line %d: %s", path, je.line, je.text);
    json_t *arr = json_object_get(root, "constants"), *fit = json_object_get(root, "fit");
    bool ok = json_is_object(fit) && json_is_array(arr) && json_array_size(arr) > 0;
    const char *range_key = NULL;
    size_t i;
    json_t *o;
    json_array_foreach(arr, i, o)
    {
        const char *key = json_string_value(json_object_get(o, "key"));
        if (!key || strncmp(key, "scale.", 6) != 0 || !json_is_number(json_object_get(o, "value")))
            ok = false;
        else if (strncmp(key, "scale.physical_range.", 21) == 0)
            range_key = key;
    }
    if (!ok)
        st = lw_fail(err, LW_ERR_PARSE,
                     "%s is not a coefficients file written by 'llmwatt fit --output' (needs \"fit\" and \"scale.*\" constants)", path);
    else if (range_key)
        st = lw_fail(err, LW_ERR_PARSE, "%s sets %s: a coefficients file cannot change the physical ranges it is checked against", path,
                     range_key);
    const char *ref = json_string_value(json_object_get(fit, "reference_family"));
    char line[1024];
    size_t tlen = 0;
    json_array_foreach(arr, i, o)
    {
        if (st != LW_OK || !flagged_const(cat, o, ref ? ref : "qwen2.5", line, sizeof line))
            continue;
        size_t l = strlen(line);
        char *t = realloc(*text, tlen + l + 2);
        if (!t) {
            st = lw_fail(err, LW_ERR_NO_MEMORY, "out of memory");
            break;
        }
        *text = t;
        memcpy(t + tlen, line, l);
        t[tlen + l] = '\n';
        t[tlen + l + 1] = '\0';
        tlen += l + 1;
        (*n)++;
    }
    json_decref(root);
    if (st == LW_OK && !*text && !(*text = calloc(1, 1)))
        st = lw_fail(err, LW_ERR_NO_MEMORY, "out of memory");
    if (st != LW_OK) {
        free(*text);
        *text = NULL;
        *n = 0;
    }
    return st;
}

lw_status lw_scale_check_coefficients(const lw_catalogue *cat, const char *path, char **flagged, size_t *nflagged, lw_err *err)
{
    return scan(cat, path, flagged, nflagged, err);
}

lw_status lw_scale_load_coefficients_checked(lw_catalogue *cat, const char *path, bool accept_flagged, lw_err *err)
{
    char *text;
    size_t n;
    lw_status st = scan(cat, path, &text, &n, err);
    if (st != LW_OK)
        return st;
    if (n && !accept_flagged) {
        char *nl = strchr(text, '\n');
        *nl = '\0';
        if (n > 1)
            st = lw_fail(err, LW_ERR_PARSE, "%s: %s (and %zu more flagged)", path, text, n - 1);
        else
            st = lw_fail(err, LW_ERR_PARSE, "%s: %s", path, text);
        free(text);
        return st;
    }
    free(text);
    return lw_catalogue_add_file(cat, path, err);
}

lw_status lw_scale_load_coefficients(lw_catalogue *cat, const char *path, lw_err *err)
{
    return lw_scale_load_coefficients_checked(cat, path, false, err);
}
