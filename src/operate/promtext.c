/* Prometheus text exposition format (0.0.4) parser: bounded, no NUL terminator needed, the whole
 * page refused on the first malformed line (operate/scrape.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "operate/scrape.h"
#include "core/util.h"

static bool name_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}

static bool name_char(char c)
{
    return name_start(c) || (c >= '0' && c <= '9');
}

static bool blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Checks a label set p[0..n) (between the braces): NAME="VALUE" pairs separated by commas, an
 * optional trailing comma, blanks around tokens. Returns NULL when fine, else what is wrong. */
static const char *check_labels(const char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        while (i < n && blank(p[i]))
            i++;
        if (i == n)
            break;
        if (!name_start(p[i]) || p[i] == ':')
            return "a label name must start with a letter or '_'";
        while (i < n && name_char(p[i]) && p[i] != ':')
            i++;
        while (i < n && blank(p[i]))
            i++;
        if (i == n || p[i] != '=')
            return "expected '=' after a label name";
        i++;
        while (i < n && blank(p[i]))
            i++;
        if (i == n || p[i] != '"')
            return "a label value must be quoted";
        i++;
        for (;;) {
            if (i == n)
                return "unterminated label value";
            if (p[i] == '\\') {
                if (i + 1 == n)
                    return "unterminated label value";
                i += 2;
                continue;
            }
            if (p[i] == '"')
                break;
            i++;
        }
        i++;
        while (i < n && blank(p[i]))
            i++;
        if (i < n && p[i] != ',')
            return "expected ',' between labels";
        if (i < n)
            i++;
    }
    return NULL;
}

/* Finds the closing brace of a label set starting after '{' at p[0], skipping quoted values. */
static size_t closing_brace(const char *p, size_t n)
{
    bool quoted = false;
    for (size_t i = 0; i < n; i++) {
        if (quoted && p[i] == '\\') {
            i++;
            continue;
        }
        if (p[i] == '"')
            quoted = !quoted;
        else if (!quoted && p[i] == '}')
            return i;
    }
    return n;
}

/* Parses a sample value token (Go ParseFloat syntax as Prometheus writes it). */
static bool parse_value(const char *p, size_t n, double *out)
{
    char tok[64];
    if (n == 0 || n >= sizeof tok)
        return false;
    memcpy(tok, p, n);
    tok[n] = '\0';
    if (strcmp(tok, "NaN") == 0) {
        *out = NAN;
        return true;
    }
    if (strcmp(tok, "+Inf") == 0 || strcmp(tok, "Inf") == 0) {
        *out = INFINITY;
        return true;
    }
    if (strcmp(tok, "-Inf") == 0) {
        *out = -INFINITY;
        return true;
    }
    if (strspn(tok, "0123456789+-.eE") != n)
        return false;
    char *end;
    *out = strtod(tok, &end);
    return *end == '\0' && isfinite(*out);
}

static bool timestamp_ok(const char *p, size_t n)
{
    size_t i = (n > 0 && p[0] == '-') ? 1 : 0;
    if (n == i || n - i > 20)
        return false;
    for (; i < n; i++) /* p is not NUL-terminated: no str* functions */
        if (p[i] < '0' || p[i] > '9')
            return false;
    return true;
}

/* One sample line p[0..n) (no newline, not blank, not a comment) into s. */
static const char *parse_line(const char *p, size_t n, lw_prom_sample *s)
{
    size_t i = 0;
    if (!name_start(p[0]))
        return "a metric name must start with a letter, '_' or ':'";
    while (i < n && name_char(p[i]))
        i++;
    s->name = p;
    s->name_len = i;
    s->labels = "";
    s->labels_len = 0;
    size_t after_name = i;
    while (i < n && blank(p[i]))
        i++;
    bool spaced = i > after_name;
    if (i < n && p[i] == '{') {
        size_t close = closing_brace(p + i + 1, n - i - 1);
        if (close == n - i - 1)
            return "unterminated label set (no '}')";
        const char *why = check_labels(p + i + 1, close);
        if (why)
            return why;
        s->labels = p + i + 1;
        s->labels_len = close;
        i += close + 2;
        size_t b = i;
        while (i < n && blank(p[i]))
            i++;
        spaced = i > b;
    }
    if (!spaced || i == n)
        return "expected a blank and a value after the metric";
    size_t v0 = i;
    while (i < n && !blank(p[i]))
        i++;
    if (!parse_value(p + v0, i - v0, &s->value))
        return "the value is not a number";
    while (i < n && blank(p[i]))
        i++;
    if (i < n) {
        size_t t0 = i;
        while (i < n && !blank(p[i]))
            i++;
        if (!timestamp_ok(p + t0, i - t0))
            return "the timestamp is not an integer";
        while (i < n && blank(p[i]))
            i++;
        if (i < n)
            return "unexpected text after the value";
    }
    return NULL;
}

void lw_prom_page_free(lw_prom_page *p)
{
    if (!p)
        return;
    free(p->s);
    p->s = NULL;
    p->n = p->cap = 0;
}

lw_status lw_prom_parse(const char *text, size_t len, lw_prom_page *out, lw_err *err)
{
    memset(out, 0, sizeof *out);
    if (len > LW_PROM_MAX_BYTES)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "metrics page of %zu bytes is over the %u-byte limit", len, LW_PROM_MAX_BYTES);
    if (len > 0 && memchr(text, '\0', len))
        return lw_fail(err, LW_ERR_PARSE, "metrics page contains a NUL byte (not text)");
    size_t pos = 0, lineno = 0;
    while (pos < len) {
        const char *line = text + pos;
        const char *nl = memchr(line, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - line) : len - pos;
        pos += n + (nl ? 1 : 0);
        lineno++;
        if (n > 0 && line[n - 1] == '\r')
            n--;
        if (n > LW_PROM_MAX_LINE) {
            lw_prom_page_free(out);
            return lw_fail(err, LW_ERR_PARSE, "line %zu: longer than %u bytes", lineno, LW_PROM_MAX_LINE);
        }
        size_t k = 0;
        while (k < n && blank(line[k]))
            k++;
        if (k == n || line[k] == '#')
            continue;
        if (out->n == LW_PROM_MAX_SAMPLES) {
            lw_prom_page_free(out);
            return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "metrics page has more than %u samples", LW_PROM_MAX_SAMPLES);
        }
        if (out->n == out->cap) {
            size_t cap = out->cap ? 2 * out->cap : 64;
            lw_prom_sample *s = realloc(out->s, cap * sizeof *s);
            if (!s) {
                lw_prom_page_free(out);
                return lw_fail(err, LW_ERR_NO_MEMORY, "out of memory parsing a metrics page");
            }
            out->s = s;
            out->cap = cap;
        }
        const char *why = parse_line(line + k, n - k, &out->s[out->n]);
        if (why) {
            lw_prom_page_free(out);
            return lw_fail(err, LW_ERR_PARSE, "line %zu: %s", lineno, why);
        }
        out->n++;
    }
    return LW_OK;
}

bool lw_prom_name_is(const lw_prom_sample *s, const char *name)
{
    size_t n = strlen(name);
    return s->name_len == n && memcmp(s->name, name, n) == 0;
}

bool lw_prom_label(const lw_prom_sample *s, const char *key, char *out, size_t n)
{
    const char *p = s->labels;
    size_t len = s->labels_len, i = 0, klen = strlen(key);
    while (i < len) {
        while (i < len && (blank(p[i]) || p[i] == ','))
            i++;
        if (i == len)
            break;
        size_t k0 = i;
        while (i < len && name_char(p[i]))
            i++;
        bool match = i - k0 == klen && memcmp(p + k0, key, klen) == 0;
        while (i < len && p[i] != '"')
            i++;
        i++; /* opening quote (the page was checked by lw_prom_parse) */
        size_t o = 0;
        while (i < len && p[i] != '"') {
            char c = p[i];
            if (c == '\\' && i + 1 < len) {
                i++;
                c = p[i] == 'n' ? '\n' : p[i];
            }
            if (match && n > 0 && o + 1 < n)
                out[o++] = c;
            i++;
        }
        i++;
        if (match) {
            if (n > 0)
                out[o] = '\0';
            return true;
        }
    }
    return false;
}
