#include "llmwatt/points.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/csv.h"
#include "llmwatt/catalogue.h"
#include "core/util.h"

/* First number in s at or after the first occurrence of key (key NULL: anywhere). NAN if none. */
static double number_after(const char *s, const char *key)
{
    const char *p = s;
    if (key) {
        p = strcasestr(s, key);
        if (!p)
            return NAN;
        p += strlen(key);
    }
    for (; *p; p++) {
        if (isdigit((unsigned char)*p) || (*p == '.' && isdigit((unsigned char)p[1]))) {
            if (p > s && p[-1] == '-')
                p--; /* keep the sign: "-2" is refused, not read as 2 */
            char *end;
            double v = strtod(p, &end); /* out of range gives +-inf: refused by check() */
            if (end != p && strcspn(p, "xXiInN") < (size_t)(end - p))
                return INFINITY; /* hexadecimal: refused as well */
            return end != p ? v : NAN;
        }
        if (key && isalpha((unsigned char)*p))
            return NAN; /* the key must be followed directly by its number */
    }
    return NAN;
}

/* A whole-field number; NAN if the field is not a number. A field strtod reads but lw_parse_number
 * refuses (1e999, nan, inf, 0x10) gives inf so that check() refuses the row. */
static double field_number(const char *s)
{
    double v;
    if (lw_parse_number(s, &v))
        return v;
    while (isspace((unsigned char)*s))
        s++;
    char *end;
    strtod(s, &end);
    if (end == s)
        return NAN;
    while (isspace((unsigned char)*end))
        end++;
    return *end ? NAN : INFINITY;
}

/* Range of each number in a row (docs/limits.md); a row outside them is refused, not clamped. */
#define LW_POINTS_MAX_GPUS 4096
#define LW_POINTS_MAX_BATCH 1e6
#define LW_POINTS_MAX_TOKENS 1e9
#define LW_POINTS_MAX_J 1e9
#define LW_POINTS_MAX_PARAMS_B 1e5

static void refuse(lw_point *p, const char *col, const char *text, const char *range)
{
    if (!p->refused[0])
        snprintf(p->refused, sizeof p->refused, "line %zu: %s must be %s (got '%.24s')", p->line, col, range, text);
}

/* A number read from a column: NAN when absent; refused (and set to NAN) when it is not finite,
 * not above 0 (not below 0 with zero_ok), or above max. */
static void check(lw_point *p, double *v, const char *col, const char *text, double max, bool zero_ok)
{
    if (isnan(*v) || (isfinite(*v) && (*v > 0 || (zero_ok && *v == 0)) && *v <= max))
        return;
    char range[64];
    snprintf(range, sizeof range, "a finite number %s 0 and at most %.0f", zero_ok ? "of at least" : "above", max);
    refuse(p, col, text, range);
    *v = NAN;
}

lw_status lw_points_parse(const char *data, size_t len, const char *where, lw_point **out, size_t *n, lw_err *err)
{
    enum { ID, MODEL, PREC, GPU, NGPU, BATCH, IN, OUTTOK, BOUND, JTOK, JREQ, TOTAL, ACTIVE, SRC, NCOL };
    static const char *cols[NCOL] = {"row_id", "model", "precision", "gpu_model", "num_gpus", "batch_size_or_concurrency",
                                     "input_tokens", "output_tokens", "energy_boundary", "norm_J_per_output_token",
                                     "norm_J_per_request", "total_params_B", "active_params_B", "source_title"};
    lw_csv *c = lw_csv_new(data, len);
    if (!c)
        return lw_fail(err, LW_ERR_NO_MEMORY, "out of memory reading %s", where);
    int idx[NCOL];
    if (lw_csv_next(c, err) != 1) {
        lw_csv_free(c);
        return lw_fail(err, LW_ERR_PARSE, "%s: empty file (expected the calibration_points.csv header)", where);
    }
    for (int k = 0; k < NCOL; k++)
        if ((idx[k] = lw_csv_find(c, cols[k])) < 0) {
            lw_csv_free(c);
            return lw_fail(err, LW_ERR_PARSE, "%s: missing column '%s' (expected the calibration_points.csv format)", where,
                           cols[k]);
        }
    size_t cap = 32, cnt = 0;
    lw_point *pts = malloc(cap * sizeof *pts);
    lw_status st = pts ? LW_OK : lw_fail(err, LW_ERR_NO_MEMORY, "out of memory");
    int r = 0;
    while (st == LW_OK && (r = lw_csv_next(c, err)) == 1) {
        if (cnt == cap) {
            lw_point *np = realloc(pts, 2 * cap * sizeof *np);
            if (!np) {
                st = lw_fail(err, LW_ERR_NO_MEMORY, "out of memory");
                break;
            }
            pts = np;
            cap *= 2;
        }
        lw_point *p = &pts[cnt];
        memset(p, 0, sizeof *p);
#define F(k) lw_csv_field(c, (size_t)idx[k])
        p->line = lw_csv_line(c);
        lw_strlcpy(p->id, F(ID), sizeof p->id);
        lw_strlcpy(p->model, F(MODEL), sizeof p->model);
        lw_strlcpy(p->gpu, F(GPU), sizeof p->gpu);
        lw_strlcpy(p->boundary, F(BOUND), sizeof p->boundary);
        lw_strlcpy(p->source, F(SRC), sizeof p->source);
        char prec[32];
        lw_strlcpy(prec, F(PREC), sizeof prec);
        prec[strcspn(prec, " (")] = '\0';
        if (lw_precision_parse(prec, &p->precision, NULL) != LW_OK)
            p->precision = LW_PREC_BF16;
        double g = field_number(F(NGPU));
        bool g_ok = g >= 1 && g <= LW_POINTS_MAX_GPUS && g == floor(g);
        if (!isnan(g) && !g_ok)
            refuse(p, "num_gpus", F(NGPU), "an integer from 1 to 4096");
        p->num_gpus = g_ok ? (int)g : 0;
        p->batch = number_after(F(BATCH), "avg running batch");
        if (isnan(p->batch))
            p->batch = number_after(F(BATCH), NULL);
        p->input_tokens = number_after(F(IN), "mean ");
        if (isnan(p->input_tokens))
            p->input_tokens = field_number(F(IN));
        p->output_tokens = number_after(F(OUTTOK), "mean ");
        if (isnan(p->output_tokens))
            p->output_tokens = number_after(F(OUTTOK), NULL);
        p->j_per_output_token = field_number(F(JTOK));
        p->j_per_request = field_number(F(JREQ));
        p->total_params_b = field_number(F(TOTAL));
        p->active_params_b = field_number(F(ACTIVE));
        check(p, &p->batch, "batch_size_or_concurrency", F(BATCH), LW_POINTS_MAX_BATCH, false);
        check(p, &p->input_tokens, "input_tokens", F(IN), LW_POINTS_MAX_TOKENS, true);
        check(p, &p->output_tokens, "output_tokens", F(OUTTOK), LW_POINTS_MAX_TOKENS, false);
        check(p, &p->j_per_output_token, "norm_J_per_output_token", F(JTOK), LW_POINTS_MAX_J, false);
        check(p, &p->j_per_request, "norm_J_per_request", F(JREQ), LW_POINTS_MAX_J, false);
        check(p, &p->total_params_b, "total_params_B", F(TOTAL), LW_POINTS_MAX_PARAMS_B, false);
        check(p, &p->active_params_b, "active_params_B", F(ACTIVE), LW_POINTS_MAX_PARAMS_B, false);
        p->gpu_only = strncasecmp(p->boundary, "GPU only", 8) == 0;
#undef F
        if (!p->refused[0] && (!p->model[0] || !p->gpu[0] || p->num_gpus < 1)) {
            st = lw_fail(err, LW_ERR_PARSE, "%s: line %zu: needs model, gpu_model and num_gpus >= 1", where, p->line);
            break;
        }
        if (!p->refused[0] && isnan(p->j_per_output_token) && isnan(p->j_per_request)) {
            st = lw_fail(err, LW_ERR_PARSE, "%s: line %zu: needs norm_J_per_output_token or norm_J_per_request", where,
                         p->line);
            break;
        }
        cnt++;
    }
    if (r < 0 && st == LW_OK)
        st = LW_ERR_PARSE;
    lw_csv_free(c);
    if (st == LW_OK && cnt == 0)
        st = lw_fail(err, LW_ERR_PARSE, "%s: no data rows", where);
    if (st != LW_OK) {
        free(pts);
        return st;
    }
    *out = pts;
    *n = cnt;
    return LW_OK;
}

lw_status lw_points_load(const char *path, lw_point **out, size_t *n, lw_err *err)
{
    char *data;
    size_t len;
    lw_status st = lw_file_read_capped(path, LW_CAP_TABLE_BYTES, "a points file", &data, &len, err);
    if (st != LW_OK)
        return st;
    st = lw_points_parse(data, len, path, out, n, err);
    free(data);
    return st;
}

lw_status lw_points_builtin(lw_point **out, size_t *n, lw_err *err)
{
    size_t len;
    const char *d = lw_embedded_data("calibration/points.csv", &len);
    if (!d)
        return lw_fail(err, LW_ERR_NOT_FOUND, "built-in calibration points are missing from this build");
    return lw_points_parse(d, len, "built-in calibration/points.csv", out, n, err);
}

void lw_points_free(lw_point *points)
{
    free(points);
}
