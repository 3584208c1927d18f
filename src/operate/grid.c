/* Grid carbon-intensity series from CSV and energy-weighted intensity; see include/llmwatt/grid.h. */
#include "llmwatt/grid.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "core/csv.h"
#include "core/util.h"
#include "llmwatt/history.h"
#include "llmwatt/io.h"

/* International avoirdupois pound in grams, exact by definition (1959); data/constants/cost.json cost.g_per_lb. */
#define G_PER_LB 453.59237

typedef struct row {
    long long t;
    double g;
} row;

struct lw_grid_series {
    row *rows;
    size_t n;
    long long last_len;
    char column[96];
    char format[48];
};

void lw_grid_series_free(lw_grid_series *s)
{
    if (!s)
        return;
    free(s->rows);
    free(s);
}

const char *lw_grid_series_column(const lw_grid_series *s) { return s->column; }
const char *lw_grid_series_format(const lw_grid_series *s) { return s->format; }
size_t lw_grid_series_count(const lw_grid_series *s) { return s->n; }

/* "2024-01-01 00:00:00" (Electricity Maps), ISO 8601, or Unix seconds. */
static bool parse_time(const char *f, long long *ns)
{
    char buf[64];
    size_t n = strlen(f);
    if (n == 0 || n >= sizeof buf - 2)
        return false;
    char *end;
    double secs = strtod(f, &end);
    if (*end == '\0' && n >= 9 && !strchr(f, '-'))
        return isfinite(secs) && (*ns = (long long)llround(secs * 1e9), true);
    memcpy(buf, f, n + 1);
    if (n > 10 && buf[10] == ' ')
        buf[10] = 'T';
    bool zone = buf[n - 1] == 'Z' || buf[n - 1] == 'z' || (n > 19 && (strchr(buf + 19, '+') || strchr(buf + 19, '-')));
    if (n > 10 && !zone) {
        buf[n] = 'Z';
        buf[n + 1] = '\0';
    }
    return lw_time_parse(buf, 0, false, ns, NULL) == LW_OK;
}

static int cmp_row(const void *a, const void *b)
{
    long long x = ((const row *)a)->t, y = ((const row *)b)->t;
    return x < y ? -1 : x > y;
}

static bool contains_ci(const char *hay, const char *needle)
{
    return strcasestr(hay, needle) != NULL;
}

/* Picks the time and intensity columns from the header; *scale converts to g/kWh. */
static bool pick_columns(const lw_csv *c, int *tcol, int *gcol, double *scale, lw_grid_series *s)
{
    static const char *const tnames[] = {"timestamp", "datetime (utc)", "datetime", "point_time", "time", "date", "from"};
    *tcol = *gcol = -1;
    *scale = 1;
    size_t n = lw_csv_count(c);
    for (size_t k = 0; k < sizeof tnames / sizeof tnames[0] && *tcol < 0; k++)
        for (size_t i = 0; i < n; i++)
            if (lw_streq_ci(lw_csv_field(c, i), tnames[k])) {
                *tcol = (int)i;
                break;
            }
    bool watttime = *tcol >= 0 && lw_streq_ci(lw_csv_field(c, (size_t)*tcol), "point_time");
    /* preference: g_per_kwh, then an intensity column marked LCA, then any intensity column, then WattTime value */
    for (int pass = 0; pass < 4 && *gcol < 0; pass++)
        for (size_t i = 0; i < n; i++) {
            const char *h = lw_csv_field(c, i);
            bool hit = false;
            if (pass == 0)
                hit = lw_streq_ci(h, "g_per_kwh") || lw_streq_ci(h, "gco2_per_kwh") || lw_streq_ci(h, "carbon_intensity");
            else if (pass == 1)
                hit = contains_ci(h, "carbon intensity") && contains_ci(h, "lca");
            else if (pass == 2)
                hit = contains_ci(h, "carbon intensity");
            else
                hit = watttime && lw_streq_ci(h, "value");
            if (hit) {
                *gcol = (int)i;
                lw_strlcpy(s->column, h, sizeof s->column);
                break;
            }
        }
    if (*tcol < 0 || *gcol < 0)
        return false;
    if (watttime && lw_streq_ci(s->column, "value")) {
        *scale = G_PER_LB / 1000.0; /* lbs/MWh -> g/kWh */
        lw_strlcpy(s->format, "WattTime (lbs CO2/MWh)", sizeof s->format);
    } else if (contains_ci(s->column, "carbon intensity")) {
        lw_strlcpy(s->format, "Electricity Maps", sizeof s->format);
    } else {
        lw_strlcpy(s->format, "timestamp,g_per_kwh", sizeof s->format);
    }
    return true;
}

lw_status lw_grid_series_parse(const char *text, size_t len, const char *name, lw_grid_series **out, lw_err *err)
{
    lw_grid_series *s = calloc(1, sizeof *s);
    lw_csv *c = lw_csv_new(text, len);
    if (!s || !c) {
        free(s);
        lw_csv_free(c);
        return lw_fail(err, LW_ERR_NO_MEMORY, "out of memory");
    }
    lw_status st = LW_OK;
    int tcol = -1, gcol = -1, r = 0;
    double scale = 1;
    size_t cap = 0;
    if (lw_csv_next(c, err) != 1)
        st = lw_fail(err, LW_ERR_PARSE, "%s: empty file; expected a header such as 'timestamp,g_per_kwh'", name);
    else if (!pick_columns(c, &tcol, &gcol, &scale, s))
        st = lw_fail(err, LW_ERR_PARSE,
                     "%s: no usable columns; expected 'timestamp,g_per_kwh', an Electricity Maps export "
                     "('Datetime (UTC)', 'Carbon Intensity gCO2eq/kWh (LCA)') or WattTime ('point_time', 'value')",
                     name);
    while (st == LW_OK && (r = lw_csv_next(c, err)) == 1) {
        const char *tf = lw_csv_field(c, (size_t)tcol), *gf = lw_csv_field(c, (size_t)gcol);
        if (!tf[0] && !gf[0])
            continue;
        row rw;
        if (!parse_time(tf, &rw.t)) {
            st = lw_fail(err, LW_ERR_PARSE, "%s line %zu: '%s' is not a time (use 2024-01-01T00:00:00Z or Unix seconds)", name,
                         lw_csv_line(c), tf);
            break;
        }
        if (!lw_parse_number(gf, &rw.g) || !isfinite(rw.g) || rw.g < 0 || rw.g * scale > 1e4) {
            st = lw_fail(err, LW_ERR_PARSE, "%s line %zu: '%s' is not an intensity between 0 and 10000 gCO2e/kWh", name,
                         lw_csv_line(c), gf);
            break;
        }
        rw.g *= scale;
        if (s->n == cap) {
            size_t nc = cap ? cap * 2 : 64;
            row *na = realloc(s->rows, nc * sizeof *na);
            if (!na) {
                st = lw_fail(err, LW_ERR_NO_MEMORY, "out of memory");
                break;
            }
            s->rows = na;
            cap = nc;
        }
        s->rows[s->n++] = rw;
    }
    if (r < 0 && st == LW_OK)
        st = LW_ERR_PARSE;
    lw_csv_free(c);
    if (st == LW_OK && s->n == 0)
        st = lw_fail(err, LW_ERR_PARSE, "%s: no rows after the header", name);
    if (st == LW_OK) {
        qsort(s->rows, s->n, sizeof *s->rows, cmp_row);
        for (size_t i = 1; i < s->n; i++)
            if (s->rows[i].t == s->rows[i - 1].t) {
                char b[32];
                st = lw_fail(err, LW_ERR_PARSE, "%s: two rows for %s", name, lw_time_format(s->rows[i].t, b, sizeof b));
                break;
            }
        s->last_len = s->n > 1 ? s->rows[s->n - 1].t - s->rows[s->n - 2].t : 3600LL * 1000000000LL;
    }
    if (st != LW_OK) {
        lw_grid_series_free(s);
        return st;
    }
    *out = s;
    return LW_OK;
}

lw_status lw_grid_series_load(const char *path, lw_grid_series **out, lw_err *err)
{
    char *data;
    size_t len;
    struct stat sb;
    if (stat(path, &sb) != 0 && errno == ENOENT)
        return lw_fail(err, LW_ERR_NOT_FOUND, "'%s' does not exist", path);
    lw_status st = lw_file_read(path, &data, &len, err);
    if (st != LW_OK)
        return st;
    st = lw_grid_series_parse(data, len, path, out, err);
    free(data);
    return st;
}

static long long row_end(const lw_grid_series *s, size_t i)
{
    return i + 1 < s->n ? s->rows[i + 1].t : s->rows[i].t + s->last_len;
}

lw_status lw_grid_series_row(const lw_grid_series *s, size_t i, long long *start_ns, long long *length_ns, double *g,
                             lw_err *err)
{
    if (i >= s->n)
        return lw_fail(err, LW_ERR_NOT_FOUND, "row %zu of %zu", i, s->n);
    *start_ns = s->rows[i].t;
    *length_ns = row_end(s, i) - s->rows[i].t;
    *g = s->rows[i].g;
    return LW_OK;
}

static lw_status outside(const lw_grid_series *s, long long a, long long b, lw_err *err)
{
    char x[32], y[32], p[32], q[32];
    return lw_fail(err, LW_ERR_NOT_FOUND, "the span %s .. %s is not covered by the intensity series (%s .. %s)",
                   lw_time_format(a, x, sizeof x), lw_time_format(b, y, sizeof y), lw_time_format(s->rows[0].t, p, sizeof p),
                   lw_time_format(row_end(s, s->n - 1), q, sizeof q));
}

lw_status lw_grid_series_at(const lw_grid_series *s, long long t, double *g, lw_err *err)
{
    if (t < s->rows[0].t || t >= row_end(s, s->n - 1))
        return outside(s, t, t, err);
    size_t lo = 0, hi = s->n - 1;
    while (lo < hi) { /* last row with start <= t */
        size_t mid = (lo + hi + 1) / 2;
        if (s->rows[mid].t <= t)
            lo = mid;
        else
            hi = mid - 1;
    }
    *g = s->rows[lo].g;
    return LW_OK;
}

/* Sum over rows of overlap(row, [a, b)) x intensity, in ns x g/kWh; *covered the overlapped ns. */
static double integrate(const lw_grid_series *s, long long a, long long b, double *covered)
{
    double sum = 0;
    *covered = 0;
    for (size_t i = 0; i < s->n; i++) {
        long long lo = s->rows[i].t > a ? s->rows[i].t : a, e = row_end(s, i), hi = e < b ? e : b;
        if (hi > lo) {
            sum += (double)(hi - lo) * s->rows[i].g;
            *covered += (double)(hi - lo);
        }
    }
    return sum;
}

lw_status lw_grid_series_mean(const lw_grid_series *s, long long a, long long b, double *g, lw_err *err)
{
    if (b <= a)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "the span must end after it starts");
    double covered, sum = integrate(s, a, b, &covered);
    if (covered < (double)(b - a))
        return outside(s, a, b, err);
    *g = sum / covered;
    return LW_OK;
}

lw_status lw_grid_series_weighted(const lw_grid_series *s, const long long *t, const double *w, size_t n, long long end_ns,
                                  double *g, lw_err *err)
{
    double num = 0, den = 0;
    for (size_t i = 0; i < n; i++) {
        long long b = i + 1 < n ? t[i + 1] : end_ns;
        if (b <= t[i] || !isfinite(w[i]) || w[i] < 0)
            return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "sample %zu: times must increase and power must be >= 0", i);
        double covered, sum = integrate(s, t[i], b, &covered);
        if (covered < (double)(b - t[i]))
            return outside(s, t[i], b, err);
        num += w[i] * sum; /* W x ns x g/kWh: units cancel in the ratio */
        den += w[i] * (double)(b - t[i]);
    }
    if (den <= 0)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "no energy in the samples");
    *g = num / den;
    return LW_OK;
}
