/* Trace reader: format and column detection, CSV and JSON Lines rows, timestamps, token counts.
 * Rows are parsed in place (no allocation); a row is either fully valid or reported bad. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace/trace_internal.h"
#include "core/util.h"

/* Accepted column names, compared after lower-casing and dropping ' ', '_', '-' and '.'. */
static const char *const aliases[LW_TRACE_NCOLS][12] = {
    [LW_TRACE_COL_TIMESTAMP] = {"timestamp", "time", "ts", "arrivaltime", "arrivaltimestamp", "starttime",
                                "requesttime", "createdat", "date", NULL},
    [LW_TRACE_COL_INPUT] = {"inputtokens", "contexttokens", "requesttokens", "prompttokens", "input", "prompt",
                            "inputlength", "promptlength", "ntokensin", NULL},
    [LW_TRACE_COL_OUTPUT] = {"outputtokens", "generatedtokens", "responsetokens", "completiontokens", "output",
                             "completion", "outputlength", "generatedlength", "ntokensout", NULL},
    [LW_TRACE_COL_REASONING] = {"reasoningtokens", "reasoning", "thinkingtokens", NULL},
    [LW_TRACE_COL_MODEL] = {"model", "modelname", "modelid", NULL},
};

static const char *const col_what[LW_TRACE_NCOLS] = {"timestamp", "input-tokens", "output-tokens", "reasoning-tokens",
                                                     "model"};
static const char *const col_key[LW_TRACE_NCOLS] = {"timestamp", "input", "output", "reasoning", "model"};

static void normalise(const char *s, size_t n, char *out, size_t outn)
{
    size_t j = 0;
    for (size_t i = 0; i < n && j + 1 < outn; i++) {
        char c = s[i];
        if (c == ' ' || c == '_' || c == '-' || c == '.' || c == '\t')
            continue;
        out[j++] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    out[j] = '\0';
}

static bool is_space(char c) { return c == ' ' || c == '\t'; }

static void trim(const char **s, size_t *n)
{
    while (*n && is_space(**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n && is_space((*s)[*n - 1]))
        (*n)--;
}

/* ---------- numbers and timestamps ---------- */

/* A token count is a whole number >= 0 ("12", "12.0", "1.2e3"); 10.5 tokens cannot be costed. */
enum { TOK_OK = 0, TOK_EMPTY, TOK_NEGATIVE, TOK_NAN, TOK_HUGE, TOK_FRACTION };

static int parse_tokens(const char *s, size_t n, double *out)
{
    trim(&s, &n);
    if (n == 0)
        return TOK_EMPTY;
    if (n <= 15) {
        uint64_t v = 0;
        size_t i = 0;
        while (i < n && (unsigned)(s[i] - '0') < 10)
            v = v * 10 + (uint64_t)(s[i++] - '0');
        if (i == n) {
            *out = (double)v;
            return v > 1000000000000ULL ? TOK_HUGE : TOK_OK;
        }
    }
    if (s[0] == '-')
        return (n > 1 && ((unsigned)(s[1] - '0') < 10 || s[1] == '.')) ? TOK_NEGATIVE : TOK_NAN;
    if (!((unsigned)(s[0] - '0') < 10 || s[0] == '.' || s[0] == '+') || n >= 64)
        return TOK_NAN;
    for (size_t i = 0; i < n; i++)
        if (s[i] == 'x' || s[i] == 'X' || s[i] == 'n' || s[i] == 'N')
            return TOK_NAN; /* hex, nan, inf are not token counts */
    char buf[64];
    memcpy(buf, s, n);
    buf[n] = '\0';
    char *end;
    double v = strtod(buf, &end);
    if (end != buf + n || !isfinite(v))
        return TOK_NAN;
    if (v < 0)
        return TOK_NEGATIVE;
    if (v > 1e12)
        return TOK_HUGE;
    if (v != floor(v))
        return TOK_FRACTION;
    *out = v;
    return TOK_OK;
}

static int64_t days_from_civil(int64_t y, int m, int d)
{
    /* Howard Hinnant's algorithm: days since 1970-01-01 of a proleptic Gregorian date. */
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static bool digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if ((unsigned)(s[i] - '0') >= 10)
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

/* "YYYY-MM-DD HH:MM" -> seconds since the epoch (validated). */
static bool parse_minute(const char *s, int64_t *secs)
{
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, mo, d, h, mi;
    if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' || !digits(s + 8, 2, &d) ||
        (s[10] != ' ' && s[10] != 'T' && s[10] != 't') || !digits(s + 11, 2, &h) || s[13] != ':' ||
        !digits(s + 14, 2, &mi))
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (y < LW_TIME_MIN_YEAR || y > LW_TIME_MAX_YEAR || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] + (mo == 2 && leap) || h > 23 ||
        mi > 59)
        return false;
    *secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60;
    return true;
}

static bool parse_datetime(const char *s, size_t n, int64_t *ns, lw_trace_tcache *tc)
{
    int64_t base;
    if (n < 16)
        return false;
    if (tc && tc->valid && memcmp(s, tc->prefix, 16) == 0) {
        base = tc->base_s;
    } else {
        if (!parse_minute(s, &base))
            return false;
        if (tc) {
            memcpy(tc->prefix, s, 16);
            tc->base_s = base;
            tc->valid = true;
        }
    }
    int sec = 0;
    size_t i = 16;
    if (i < n && s[i] == ':') {
        if (i + 3 > n || !digits(s + i + 1, 2, &sec) || sec > 60)
            return false;
        i += 3;
    }
    int64_t frac = 0;
    if (i < n && (s[i] == '.' || s[i] == ',')) {
        i++;
        int64_t scale = 100000000;
        size_t start = i;
        while (i < n && (unsigned)(s[i] - '0') < 10) {
            frac += (s[i] - '0') * scale;
            scale /= 10;
            i++;
        }
        if (i == start)
            return false;
    }
    int64_t offset_s = 0;
    if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
        i++;
    } else if (i < n && (s[i] == '+' || s[i] == '-')) {
        int oh, om;
        int sign = s[i] == '-' ? -1 : 1;
        if (i + 6 == n && s[i + 3] == ':' && digits(s + i + 1, 2, &oh) && digits(s + i + 4, 2, &om))
            i += 6;
        else if (i + 5 == n && digits(s + i + 1, 2, &oh) && digits(s + i + 3, 2, &om))
            i += 5;
        else
            return false;
        if (oh > 23 || om > 59)
            return false;
        offset_s = sign * (oh * 3600 + om * 60);
    }
    if (i != n)
        return false;
    *ns = (base + sec - offset_s) * 1000000000 + frac;
    return *ns >= 0 && *ns <= LW_TIME_MAX_NS;
}

bool lw_trace_time_ns(const char *s, size_t n, int64_t unit_ns, int64_t *ns, lw_trace_tcache *tc)
{
    trim(&s, &n);
    if (n == 0 || unit_ns < 1)
        return false;
    if (n >= 10 && s[4] == '-')
        return parse_datetime(s, n, ns, tc);
    size_t i = 0;
    int64_t ip = 0;
    while (i < n && (unsigned)(s[i] - '0') < 10) {
        if (ip > (INT64_MAX / 10 - 9) / unit_ns)
            return false;
        ip = ip * 10 + (s[i++] - '0');
    }
    int64_t v = ip * unit_ns;
    if (i < n && s[i] == '.') {
        size_t start = ++i;
        int64_t scale = unit_ns / 10;
        while (i < n && (unsigned)(s[i] - '0') < 10) {
            v += (s[i] - '0') * scale;
            scale /= 10;
            i++;
        }
        if (i == start && start == 1)
            return false;
    }
    if (i == 0)
        return false;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        /* exponent form (JSON writers): through a double, exact to the microsecond at epoch scale */
        char buf[64];
        if (n >= sizeof buf)
            return false;
        memcpy(buf, s, n);
        buf[n] = '\0';
        char *end;
        double d = strtod(buf, &end);
        double x = d * (double)unit_ns;
        if (end != buf + n || !isfinite(d) || d < 0 || x > (double)LW_TIME_MAX_NS)
            return false;
        *ns = (int64_t)llround(x);
        return true;
    }
    if (i != n || v > LW_TIME_MAX_NS) /* the time window: up to the end of 2200 */
        return false;
    *ns = v;
    return true;
}

bool lw_trace_parse_time(const char *s, size_t len, double unit_s, int64_t *ns)
{
    double u = unit_s * 1e9;
    if (!(u >= 1 && u <= 1e9))
        return false;
    return lw_trace_time_ns(s, len, (int64_t)llround(u), ns, NULL);
}

/* ---------- field splitting ---------- */

typedef struct span {
    const char *p;
    size_t n;
    bool escaped; /* contains doubled quotes (CSV) or backslash escapes (JSON) */
    bool string;  /* JSON: a string value */
    bool null;    /* JSON: null */
    bool present;
} span;

/* "'NAME' WHAT: 'VALUE'" with the value cut at 40 characters. */
static void bad(char *msg, size_t msgn, const char *what, const char *name, const char *p, size_t n)
{
    int shown = n > 40 ? 40 : (int)n;
    snprintf(msg, msgn, "'%s' %s: '%.*s%s'", name, what, shown, p, n > 40 ? "..." : "");
}

/* Copies a span into buf, undoing CSV doubled quotes or JSON escapes (\u escapes kept as written
 * except for ASCII). Returns the length, or (size_t)-1 when it does not fit. */
static size_t unescape(const span *sp, bool json, char *buf, size_t bufn)
{
    size_t j = 0;
    for (size_t i = 0; i < sp->n; i++) {
        char c = sp->p[i];
        if (!json && c == '"' && i + 1 < sp->n && sp->p[i + 1] == '"')
            i++;
        else if (json && c == '\\' && i + 1 < sp->n) {
            char e = sp->p[++i];
            c = e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e == 'b' ? '\b' : e == 'f' ? '\f' : e;
            if (e == 'u' && i + 4 < sp->n) {
                unsigned cp = (unsigned)strtoul((char[5]){sp->p[i + 1], sp->p[i + 2], sp->p[i + 3], sp->p[i + 4], 0},
                                                NULL, 16);
                if (cp < 0x80) {
                    c = (char)cp;
                    i += 4;
                }
            }
        }
        if (j + 1 >= bufn)
            return (size_t)-1;
        buf[j++] = c;
    }
    buf[j] = '\0';
    return j;
}

/* Splits a CSV line into fields, keeping the spans of the wanted columns (cols, by L) or of
 * the first allmax fields (all). Returns the number of fields, or -1 on a malformed quoted field. */
static int csv_split(const lw_trace_layout *L, const char *p, const char *end, span *cols, span *all, int allmax)
{
    int field = 0;
    for (;;) {
        const char *fs;
        size_t fl;
        bool esc = false;
        const char *q = p;
        while (q < end && is_space(*q))
            q++;
        if (q < end && *q == '"') {
            fs = ++q;
            for (;;) {
                const char *c = memchr(q, '"', (size_t)(end - q));
                if (!c)
                    return -1;
                if (c + 1 < end && c[1] == '"') {
                    esc = true;
                    q = c + 2;
                    continue;
                }
                fl = (size_t)(c - fs);
                p = c + 1;
                while (p < end && is_space(*p))
                    p++;
                if (p < end && *p != ',')
                    return -1;
                break;
            }
        } else {
            fs = p;
            while (p < end && *p != ',')
                p++;
            fl = (size_t)(p - fs);
        }
        span *s = NULL;
        if (L && field < LW_TRACE_MAX_FIELDS && L->fieldcol[field] >= 0)
            s = &cols[L->fieldcol[field]];
        else if (all && field < allmax)
            s = &all[field];
        if (s) {
            s->p = fs;
            s->n = fl;
            s->escaped = esc;
            s->present = true;
        }
        field++;
        if (p >= end)
            return field;
        p++; /* the comma */
    }
}

/* Skips a JSON string starting after its opening quote; returns the closing quote or NULL. */
static const char *json_string_end(const char *p, const char *end, bool *escaped)
{
    while (p < end) {
        if (*p == '\\') {
            *escaped = true;
            p += 2;
            continue;
        }
        if (*p == '"')
            return p;
        p++;
    }
    return NULL;
}

static const char *json_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    return p;
}

/* Skips a nested object or array. */
static const char *json_skip_nested(const char *p, const char *end)
{
    int depth = 0;
    while (p < end) {
        char c = *p;
        if (c == '"') {
            bool e = false;
            p = json_string_end(p + 1, end, &e);
            if (!p)
                return NULL;
        } else if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            if (--depth == 0)
                return p + 1;
        }
        p++;
    }
    return NULL;
}

/* Visits the members of a flat JSON object. For each member calls back with key and value.
 * Returns false on malformed JSON. */
typedef void (*json_member_fn)(void *ctx, const char *key, size_t keylen, const span *value);

static bool json_object_walk(const char *p, const char *end, json_member_fn fn, void *ctx)
{
    p = json_ws(p, end);
    if (p >= end || *p != '{')
        return false;
    p = json_ws(p + 1, end);
    if (p < end && *p == '}')
        return json_ws(p + 1, end) == end;
    for (;;) {
        if (p >= end || *p != '"')
            return false;
        bool kesc = false;
        const char *ks = p + 1, *ke = json_string_end(ks, end, &kesc);
        if (!ke)
            return false;
        p = json_ws(ke + 1, end);
        if (p >= end || *p != ':')
            return false;
        p = json_ws(p + 1, end);
        if (p >= end)
            return false;
        span v = {0};
        v.present = true;
        if (*p == '"') {
            v.p = p + 1;
            const char *ve = json_string_end(v.p, end, &v.escaped);
            if (!ve)
                return false;
            v.n = (size_t)(ve - v.p);
            v.string = true;
            p = ve + 1;
        } else if (*p == '{' || *p == '[') {
            v.p = p;
            p = json_skip_nested(p, end);
            if (!p)
                return false;
            v.n = (size_t)(p - v.p);
        } else {
            v.p = p;
            while (p < end && *p != ',' && *p != '}' && !is_space(*p))
                p++;
            v.n = (size_t)(p - v.p);
            if (v.n == 0)
                return false;
            if (v.n == 4 && memcmp(v.p, "null", 4) == 0)
                v.null = true;
        }
        fn(ctx, ks, (size_t)(ke - ks), &v);
        p = json_ws(p, end);
        if (p < end && *p == ',') {
            p = json_ws(p + 1, end);
            continue;
        }
        if (p < end && *p == '}')
            return json_ws(p + 1, end) == end;
        return false;
    }
}

typedef struct json_row_ctx {
    const lw_trace_layout *L;
    span *cols;
} json_row_ctx;

static void json_row_member(void *ctx, const char *key, size_t keylen, const span *value)
{
    json_row_ctx *c = ctx;
    for (int i = 0; i < LW_TRACE_NCOLS; i++)
        if (c->L->present[i] && c->L->name_len[i] == keylen && memcmp(c->L->name[i], key, keylen) == 0 &&
            !c->cols[i].present)
            c->cols[i] = *value;
}

/* ---------- rows ---------- */

static bool blank(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_space(p[i]))
            return false;
    return true;
}

int lw_trace_parse_line(const lw_trace_layout *L, const char *p, size_t len, lw_trace_rec *r, char *msg, size_t msgn)
{
    if (len && p[len - 1] == '\r')
        len--;
    if (len == 0 || blank(p, len))
        return 0;
    span cols[LW_TRACE_NCOLS];
    memset(cols, 0, sizeof cols);
    bool json = L->format == LW_TRACE_JSONL;
    if (json) {
        json_row_ctx c = {L, cols};
        if (!json_object_walk(p, p + len, json_row_member, &c)) {
            snprintf(msg, msgn, "not a flat JSON object");
            return -1;
        }
    } else {
        int nf = csv_split(L, p, p + len, cols, NULL, 0);
        if (nf < 0) {
            snprintf(msg, msgn, "malformed quoted field (a quote must end its field; quoted newlines are not supported)");
            return -1;
        }
        if (nf != L->nfields) {
            snprintf(msg, msgn, "has %d field%s, the header has %d", nf, nf == 1 ? "" : "s", L->nfields);
            return -1;
        }
    }
    for (int i = 0; i < LW_TRACE_NCOLS; i++) {
        if (!L->present[i])
            continue;
        const span *s = &cols[i];
        const char *name = L->name[i];
        bool absent = !s->present || s->null;
        if (i == LW_TRACE_COL_MODEL) {
            r->model_len = 0;
            if (absent)
                continue;
            if (json && !s->string) {
                bad(msg, msgn, "is not a string", name, s->p, s->n);
                return -1;
            }
            const char *mp = s->p;
            size_t mn = s->n;
            if (s->escaped) {
                span u = *s;
                mn = unescape(&u, json, r->model_buf, sizeof r->model_buf);
                mp = r->model_buf;
            } else if (mn >= LW_NAME_MAX) {
                mn = (size_t)-1;
            }
            if (mn == (size_t)-1) {
                snprintf(msg, msgn, "'%s' is longer than %d characters", name, LW_NAME_MAX - 1);
                return -1;
            }
            trim(&mp, &mn);
            r->model = mp;
            r->model_len = mn;
            continue;
        }
        if (absent) {
            if (i == LW_TRACE_COL_REASONING) {
                r->tok[2] = 0;
                continue;
            }
            snprintf(msg, msgn, json ? "missing key '%s'" : "'%s' is empty", name);
            return -1;
        }
        if (json && !s->string && (s->n && (s->p[0] == '{' || s->p[0] == '[' || s->p[0] == 't' || s->p[0] == 'f'))) {
            bad(msg, msgn, i == LW_TRACE_COL_TIMESTAMP ? "is not a timestamp" : "is not a number",
                name, s->p, s->n);
            return -1;
        }
        if (i == LW_TRACE_COL_TIMESTAMP) {
            if (!lw_trace_time_ns(s->p, s->n, L->unit_ns, &r->time_ns, &r->tcache)) {
                size_t n = s->n;
                const char *q = s->p;
                trim(&q, &n);
                if (n == 0)
                    snprintf(msg, msgn, "'%s' is empty", name);
                else
                    bad(msg, msgn, "is not a timestamp", name, q, n);
                return -1;
            }
            r->has_time = true;
            continue;
        }
        int k = i - LW_TRACE_COL_INPUT;
        int st = parse_tokens(s->p, s->n, &r->tok[k]);
        if (st == TOK_OK)
            continue;
        const char *q = s->p;
        size_t n = s->n;
        trim(&q, &n);
        if (st == TOK_EMPTY && i == LW_TRACE_COL_REASONING) {
            r->tok[2] = 0;
            continue;
        }
        if (st == TOK_EMPTY)
            snprintf(msg, msgn, "'%s' is empty", name);
        else if (st == TOK_NEGATIVE)
            bad(msg, msgn, "is negative", name, q, n);
        else if (st == TOK_HUGE)
            bad(msg, msgn, "is more than 1e12 tokens", name, q, n);
        else if (st == TOK_FRACTION)
            bad(msg, msgn, "is not a whole number of tokens", name, q, n);
        else
            bad(msg, msgn, "is not a number", name, q, n);
        return -1;
    }
    if (!L->present[LW_TRACE_COL_REASONING])
        r->tok[2] = 0;
    if (!L->present[LW_TRACE_COL_MODEL])
        r->model_len = 0;
    if (!L->present[LW_TRACE_COL_TIMESTAMP])
        r->has_time = false;
    return 1;
}

/* ---------- detection ---------- */

typedef struct names {
    char raw[LW_TRACE_MAX_FIELDS][64];
    char norm[LW_TRACE_MAX_FIELDS][64];
    int n;
} names;

static void names_add(names *nm, const char *p, size_t n, bool escaped, bool json)
{
    if (nm->n >= LW_TRACE_MAX_FIELDS)
        return;
    span s = {.p = p, .n = n, .escaped = escaped};
    char *raw = nm->raw[nm->n];
    if (unescape(&s, json, raw, 64) == (size_t)-1)
        raw[0] = '\0';
    const char *t = raw;
    size_t tn = strlen(raw);
    trim(&t, &tn);
    memmove(raw, t, tn);
    raw[tn] = '\0';
    normalise(raw, tn, nm->norm[nm->n], 64);
    nm->n++;
}

static void json_name_member(void *ctx, const char *key, size_t keylen, const span *value)
{
    (void)value;
    names_add(ctx, key, keylen, memchr(key, '\\', keylen) != NULL, true);
}

static void list_names(const names *nm, char *buf, size_t n)
{
    size_t j = 0;
    buf[0] = '\0';
    for (int i = 0; i < nm->n && j + 8 < n; i++) {
        int w = snprintf(buf + j, n - j, "%s%s", i ? ", " : "", nm->raw[i]);
        if (w < 0 || (size_t)w >= n - j) {
            snprintf(buf + (n > 5 ? n - 5 : 0), 5, "...");
            return;
        }
        j += (size_t)w;
    }
}

lw_status lw_trace_layout_detect(const lw_trace_opts *o, const char *data, size_t len, lw_trace_layout *L,
                                 size_t *data_off, uint64_t *line, lw_err *err)
{
    memset(L, 0, sizeof *L);
    memset(L->fieldcol, -1, sizeof L->fieldcol);
    for (int i = 0; i < LW_TRACE_NCOLS; i++)
        L->idx[i] = -1;
    double u = (o->time_unit_s > 0 ? o->time_unit_s : 1.0) * 1e9;
    if (!(u >= 1 && u <= 1e9))
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "time unit must be between 1 ns and 1 s");
    L->unit_ns = (int64_t)llround(u);
    size_t off = 0;
    uint64_t ln = 1;
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        off = 3; /* UTF-8 byte-order mark */
    /* first non-blank line */
    const char *ls, *le;
    for (;;) {
        if (off >= len)
            return lw_fail(err, LW_ERR_PARSE, "is empty (no header and no rows)");
        ls = data + off;
        le = memchr(ls, '\n', len - off);
        if (!le)
            le = data + len;
        size_t n = (size_t)(le - ls);
        if (n && ls[n - 1] == '\r')
            n--;
        if (!blank(ls, n))
            break;
        off = (size_t)(le - data) + 1;
        ln++;
    }
    size_t n = (size_t)(le - ls);
    if (n && ls[n - 1] == '\r')
        n--;
    const char *q = ls;
    while (is_space(*q))
        q++;
    L->format = o->format != LW_TRACE_AUTO ? o->format : (*q == '{' ? LW_TRACE_JSONL : LW_TRACE_CSV);
    bool json = L->format == LW_TRACE_JSONL;
    names *nm = calloc(1, sizeof *nm);
    if (!nm)
        return lw_fail(err, LW_ERR_NO_MEMORY, "out of memory reading the header");
    if (json) {
        if (!json_object_walk(ls, ls + n, json_name_member, nm)) {
            free(nm);
            return lw_fail(err, LW_ERR_PARSE, "line %llu: not a flat JSON object (JSON Lines need one object per line)",
                           (unsigned long long)ln);
        }
        *data_off = off;
        *line = ln;
    } else {
        span *all = calloc(LW_TRACE_MAX_FIELDS, sizeof *all);
        if (!all) {
            free(nm);
            return lw_fail(err, LW_ERR_NO_MEMORY, "out of memory reading the header");
        }
        int nf = csv_split(NULL, ls, ls + n, NULL, all, LW_TRACE_MAX_FIELDS);
        for (int f = 0; f < nf && f < LW_TRACE_MAX_FIELDS; f++)
            names_add(nm, all[f].p, all[f].n, all[f].escaped, false);
        free(all);
        if (nf < 0) {
            free(nm);
            return lw_fail(err, LW_ERR_PARSE, "line %llu: malformed quoted field in the CSV header",
                           (unsigned long long)ln);
        }
        if (nf > LW_TRACE_MAX_FIELDS) {
            free(nm);
            return lw_fail(err, LW_ERR_PARSE, "the CSV header has %d fields (at most %d)", nf, LW_TRACE_MAX_FIELDS);
        }
        L->nfields = nf;
        *data_off = le < data + len ? (size_t)(le - data) + 1 : len;
        *line = ln + 1;
    }
    char listed[400];
    list_names(nm, listed, sizeof listed);
    bool claimed[LW_TRACE_MAX_FIELDS] = {false};
    for (int c = 0; c < LW_TRACE_NCOLS; c++) {
        int found = -1;
        if (o->columns[c]) {
            if (json) {
                lw_strlcpy(L->name[c], o->columns[c], sizeof L->name[c]);
                L->name_len[c] = strlen(L->name[c]);
                L->present[c] = true;
                continue;
            }
            for (int f = 0; f < nm->n && found < 0; f++)
                if (lw_streq_ci(nm->raw[f], o->columns[c]))
                    found = f;
            if (found < 0) {
                free(nm);
                return lw_fail(err, LW_ERR_PARSE, "no column '%s' (given for %s) in the header: %s", o->columns[c],
                               col_key[c], listed);
            }
        } else {
            for (int a = 0; aliases[c][a] && found < 0; a++)
                for (int f = 0; f < nm->n && found < 0; f++)
                    if (!claimed[f] && strcmp(nm->norm[f], aliases[c][a]) == 0)
                        found = f;
        }
        if (found < 0)
            continue;
        claimed[found] = true;
        L->present[c] = true;
        L->idx[c] = found;
        lw_strlcpy(L->name[c], nm->raw[found], sizeof L->name[c]);
        L->name_len[c] = strlen(L->name[c]);
        if (!json)
            L->fieldcol[found] = (signed char)c;
    }
    for (int c = LW_TRACE_COL_INPUT; c <= LW_TRACE_COL_OUTPUT; c++)
        if (!L->present[c]) {
            lw_status st = lw_fail(err, LW_ERR_PARSE,
                                   "cannot find the %s column in the %s (%s); name it with --columns %s=NAME",
                                   col_what[c], json ? "first object's keys" : "header", listed, col_key[c]);
            free(nm);
            return st;
        }
    if (!L->present[LW_TRACE_COL_TIMESTAMP] && o->batch == 0) {
        lw_status st = lw_fail(err, LW_ERR_PARSE,
                               "cannot find the timestamp column in the %s (%s), needed to estimate concurrency; "
                               "name it with --columns timestamp=NAME or give a fixed --batch B",
                               json ? "first object's keys" : "header", listed);
        free(nm);
        return st;
    }
    free(nm);
    return LW_OK;
}
