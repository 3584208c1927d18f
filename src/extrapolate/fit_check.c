/* Checks of fitted coefficients: the physical range each must lie in (seed 000, constants
 * "scale.physical_range.*") and confounding with the data source (a coefficient the pairs only
 * determine through a comparison across sources). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extrapolate/fit_internal.h"
#include "core/util.h"

/* "seed 000 §1.2; scale.physical_range.mu_arch": the first three words of the constant's source
 * (its citation) and the key that `llmwatt sources` prints in full. */
static void cite_of(const lw_constant *c, char *cite, size_t len)
{
    const char *s = c->source, *end = s;
    for (int words = 0; *end && words < 3; words++) {
        while (*end == ' ')
            end++;
        while (*end && *end != ' ')
            end++;
    }
    snprintf(cite, len, "%.*s; %s", (int)(end - s), s, c->key);
}

lw_status lw_fit_range(const lw_catalogue *cat, char kind, const char *reference_family, double *lo, double *hi, char *cite,
                       size_t cite_len, lw_err *err)
{
    const char *key = kind == 'k' ? "scale.physical_range.k" : kind == 'f' ? "scale.physical_range.mu_arch"
                                                                         : "scale.physical_range.eta_util_pair";
    const lw_constant *c;
    lw_status st = lw_catalogue_find_constant(cat, key, &c, err);
    if (st != LW_OK)
        return st;
    *lo = c->low;
    *hi = c->high;
    cite_of(c, cite, cite_len);
    /* The seed's mu_arch are relative to Qwen 2.5 = 1.00; relative to another family the ratio of
     * two values in [lo, hi] lies in [lo/hi, hi/lo]. */
    if (kind == 'f' && reference_family && strcmp(reference_family, "qwen2.5") != 0) {
        *lo = c->low / c->high;
        *hi = c->high / c->low;
        size_t n = strlen(cite);
        snprintf(cite + n, cite_len - n, ", as a ratio (reference %s, not qwen2.5)", reference_family);
    }
    return LW_OK;
}

/* Design row of the pair a -> b over the coefficients and the sources (np + nsrc entries). */
static void source_row(const lw_fit_result *r, const lw_fit_point *a, const lw_fit_point *b, double *x)
{
    lw_fit_pair_row(r, a, b, x);
    memset(x + r->np, 0, (size_t)r->nsrc * sizeof *x);
    x[1 + r->ref_fam] = 0; /* fixed at 0: not a free coefficient */
    x[1 + r->nfam + r->ref_gpu] = 0;
    x[r->np + b->src_idx] += 1;
    x[r->np + a->src_idx] -= 1;
}

/* Removes from v its projection on the basis; returns the norm of what is left. */
static double project_out(const double *basis, int nb, int p, double *v)
{
    for (int k = 0; k < nb; k++) {
        const double *q = basis + (size_t)k * (size_t)p;
        double d = 0;
        for (int i = 0; i < p; i++)
            d += q[i] * v[i];
        for (int i = 0; i < p; i++)
            v[i] -= d * q[i];
    }
    double n = 0;
    for (int i = 0; i < p; i++)
        n += v[i] * v[i];
    return sqrt(n);
}

/* Orthonormal basis of the rows of the matched-pair design with source columns (Gram-Schmidt,
 * twice per row for stability). */
static lw_status source_basis(lw_fit_result *r, lw_err *err)
{
    int p = r->np + r->nsrc;
    r->src_basis = malloc((size_t)p * (size_t)p * sizeof *r->src_basis);
    double *x = malloc((size_t)p * sizeof *x);
    if (!r->src_basis || !x) {
        free(x);
        return lw_fail(err, LW_ERR_NO_MEMORY, "out of memory");
    }
    r->nsrc_basis = 0;
    for (size_t i = 0; i < r->npts && r->nsrc_basis < p; i++)
        for (size_t j = i + 1; j < r->npts && r->nsrc_basis < p; j++) {
            const lw_fit_point *a = &r->pts[i], *b = &r->pts[j];
            if (!lw_fit_matched(r, a, b))
                continue;
            source_row(r, a, b, x);
            double n0 = 0;
            for (int k = 0; k < p; k++)
                n0 += x[k] * x[k];
            n0 = sqrt(n0);
            project_out(r->src_basis, r->nsrc_basis, p, x);
            double n = project_out(r->src_basis, r->nsrc_basis, p, x);
            if (!(n > 1e-9 * n0))
                continue;
            double *q = r->src_basis + (size_t)r->nsrc_basis * (size_t)p;
            for (int k = 0; k < p; k++)
                q[k] = x[k] / n;
            r->nsrc_basis++;
        }
    free(x);
    return LW_OK;
}

/* True when the contrast c (np entries; 0 for the sources) is not in the row space of the design
 * with source columns: the pairs determine it only by comparing one source with another. */
static bool needs_cross_source(const lw_fit_result *r, const double *c)
{
    int p = r->np + r->nsrc;
    double *v = calloc((size_t)p, sizeof *v), n0 = 0;
    if (!v)
        return false;
    for (int k = 0; k < r->np; k++) {
        v[k] = c[k];
        n0 += c[k] * c[k];
    }
    double n = project_out(r->src_basis, r->nsrc_basis, p, v);
    free(v);
    return n > 1e-6 * sqrt(n0);
}

/* "; "-joined sources of the points with family fam (or GPU gpu; the other index -1; fam -2:
 * every point). */
static void sources_of(const lw_fit_result *r, int fam, int gpu, char *out, size_t len)
{
    bool seen[LW_FIT_MAX_SRC] = {false};
    for (size_t i = 0; i < r->npts; i++)
        if (fam == -2 || (fam >= 0 && r->pts[i].fam == fam) || (gpu >= 0 && r->pts[i].gpu_idx == gpu))
            seen[r->pts[i].src_idx] = true;
    out[0] = '\0';
    for (int s = 0; s < r->nsrc; s++)
        if (seen[s]) {
            size_t n = strlen(out);
            snprintf(out + n, len - n, "%s%s", n ? "; " : "", r->sources[s]);
        }
}

void lw_fit_check_pair(const lw_fit_result *r, int a, int b, double value, bool *in_range, double *lo, double *hi, char *cite,
                       size_t cite_len, char *confounded, size_t conf_len)
{
    confounded[0] = '\0';
    *in_range = true;
    if (lw_fit_range(r->cat, 'g', NULL, lo, hi, cite, cite_len, NULL) != LW_OK) {
        *lo = *hi = NAN;
        cite[0] = '\0';
    } else {
        *in_range = value >= *lo * (1 - 1e-12) && value <= *hi * (1 + 1e-12);
    }
    if (a == b)
        return;
    double c[1 + LW_FIT_MAX_FAM + LW_FIT_MAX_GPU] = {0};
    if (b != r->ref_gpu)
        c[1 + r->nfam + b] += 1;
    if (a != r->ref_gpu)
        c[1 + r->nfam + a] -= 1;
    if (!needs_cross_source(r, c))
        return;
    /* The sources of both GPUs' points: the comparison runs between them. */
    char sa[256], sb[256];
    sources_of(r, -1, a, sa, sizeof sa);
    sources_of(r, -1, b, sb, sizeof sb);
    if (strcmp(sa, sb) == 0)
        lw_strlcpy(confounded, sb, conf_len);
    else
        snprintf(confounded, conf_len, "%s (%s) vs %s (%s)", sb, r->gpus[b], sa, r->gpus[a]);
}

lw_status lw_fit_check(lw_fit_result *r, lw_err *err)
{
    lw_status st = source_basis(r, err);
    if (st != LW_OK)
        return st;
    for (int i = 0; i < r->np; i++) {
        lw_fit_coef *c = &r->coefs[i];
        char kind = i == 0 ? 'k' : i <= r->nfam ? 'f' : 'g';
        if ((st = lw_fit_range(r->cat, kind, r->families[r->ref_fam], &c->range_low, &c->range_high, c->range_source,
                               sizeof c->range_source, err)) != LW_OK)
            return st;
        c->confounded_with[0] = '\0';
        c->in_range = true;
        if (!c->identified || c->reference)
            continue;
        c->in_range = c->value >= c->range_low * (1 - 1e-12) && c->value <= c->range_high * (1 + 1e-12);
        if (kind == 'g') {
            bool unused_in;
            double lo, hi;
            char cite[160];
            lw_fit_check_pair(r, r->ref_gpu, i - 1 - r->nfam, c->value, &unused_in, &lo, &hi, cite, sizeof cite, c->confounded_with,
                              sizeof c->confounded_with);
            continue;
        }
        double contrast[1 + LW_FIT_MAX_FAM + LW_FIT_MAX_GPU] = {0};
        contrast[i] = 1;
        if (needs_cross_source(r, contrast))
            sources_of(r, kind == 'f' ? i - 1 : -2, -1, c->confounded_with, sizeof c->confounded_with);
    }
    return LW_OK;
}

size_t lw_fit_flagged_count(const lw_fit_result *r)
{
    size_t n = 0;
    for (int i = 0; i < r->np; i++)
        n += !r->coefs[i].in_range || r->coefs[i].confounded_with[0];
    return n;
}

void lw_fit_flag_line(char *buf, size_t len, const char *name, double value, bool in_range, double lo, double hi, const char *cite,
                      const char *confounded)
{
    int n = snprintf(buf, len, "%s = %.4g", name, value);
    if (!in_range && n >= 0 && (size_t)n < len)
        n += snprintf(buf + n, len - (size_t)n, " is outside its physical range [%g, %g] (%s)", lo, hi, cite);
    if (confounded && *confounded && n >= 0 && (size_t)n < len)
        snprintf(buf + n, len - (size_t)n,
                 "%s confounded with the data source: %s (compared only across sources, it may measure their "
                 "boundary or method)",
                 in_range ? " is" : " and is", confounded);
}

bool lw_fit_flag_text(const lw_fit_result *r, size_t i, char *buf, size_t len)
{
    if (len)
        buf[0] = '\0';
    if (i >= (size_t)r->np || (r->coefs[i].in_range && !r->coefs[i].confounded_with[0]))
        return false;
    const lw_fit_coef *c = &r->coefs[i];
    char name[128];
    if (i == 0)
        snprintf(name, sizeof name, "k");
    else if (i <= (size_t)r->nfam)
        snprintf(name, sizeof name, "mu_arch %s", c->name);
    else
        snprintf(name, sizeof name, "eta_util %s -> %s", r->gpus[r->ref_gpu], c->name);
    lw_fit_flag_line(buf, len, name, c->value, c->in_range, c->range_low, c->range_high, c->range_source, c->confounded_with);
    return true;
}
