/* Token report parsing for the exporter (POST /tokens bodies): form-encoded or JSON. */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "llmwatt/exporter.h"
#include "core/util.h"

/* A form value or key longer than this is refused before decoding. */
#define FIELD_MAX 128

bool lw_workload_name_valid(const char *name)
{
    size_t n = 0;
    for (const char *p = name; *p; p++, n++) {
        char c = *p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
                  c == ':' || c == '-' || c == '/';
        if (!ok || n >= LW_WORKLOAD_NAME_MAX)
            return false;
    }
    return n > 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Percent-decodes s[0..n) into out (FIELD_MAX + 1 bytes). False on a bad escape, an embedded
 * NUL or a field too long. */
static bool url_decode(const char *s, size_t n, char *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            if (i + 2 >= n)
                return false;
            int a = hexval(s[i + 1]), b = hexval(s[i + 2]);
            if (a < 0 || b < 0 || (a == 0 && b == 0))
                return false;
            c = (char)(a * 16 + b);
            i += 2;
        } else if (c == '\0') {
            return false;
        }
        if (k >= FIELD_MAX)
            return false;
        out[k++] = c;
    }
    out[k] = '\0';
    return true;
}

/* A whole number of tokens written in decimal digits only. */
static lw_status parse_count(const char *s, double *out, lw_err *err)
{
    size_t n = strlen(s);
    if (n == 0 || n > 13 || strspn(s, "0123456789") != n)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "tokens must be a whole number from 0 to %.0f, got '%.40s'", LW_TOKENS_PER_REPORT_MAX, s);
    double v = strtod(s, NULL);
    if (v > LW_TOKENS_PER_REPORT_MAX)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "tokens must be a whole number from 0 to %.0f, got '%s'", LW_TOKENS_PER_REPORT_MAX, s);
    *out = v;
    return LW_OK;
}

static lw_status check_name(const char *name, lw_err *err)
{
    if (!lw_workload_name_valid(name))
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "workload name must be 1-%d characters of A-Z a-z 0-9 _ . : / -, got '%.70s'",
                       LW_WORKLOAD_NAME_MAX, name);
    return LW_OK;
}

static lw_status parse_form(const char *body, size_t len, char *workload, double *tokens, lw_err *err)
{
    bool have_wl = false, have_tok = false;
    char key[FIELD_MAX + 1], val[FIELD_MAX + 1];
    size_t i = 0;
    while (i < len) {
        const char *pair = body + i;
        const char *amp = memchr(pair, '&', len - i);
        size_t plen = amp ? (size_t)(amp - pair) : len - i;
        i += plen + 1;
        if (plen == 0)
            continue;
        const char *eq = memchr(pair, '=', plen);
        if (!eq)
            return lw_fail(err, LW_ERR_PARSE, "expected KEY=VALUE pairs separated by '&' (workload=NAME&tokens=N)");
        if (!url_decode(pair, (size_t)(eq - pair), key) || !url_decode(eq + 1, plen - (size_t)(eq - pair) - 1, val))
            return lw_fail(err, LW_ERR_PARSE, "a key or value is longer than %d bytes or has a bad %%-escape", FIELD_MAX);
        if (strcmp(key, "workload") == 0) {
            if (have_wl)
                return lw_fail(err, LW_ERR_PARSE, "'workload' is given twice");
            lw_status st = check_name(val, err);
            if (st != LW_OK)
                return st;
            lw_strlcpy(workload, val, LW_WORKLOAD_NAME_MAX + 1);
            have_wl = true;
        } else if (strcmp(key, "tokens") == 0) {
            if (have_tok)
                return lw_fail(err, LW_ERR_PARSE, "'tokens' is given twice");
            lw_status st = parse_count(val, tokens, err);
            if (st != LW_OK)
                return st;
            have_tok = true;
        } else {
            return lw_fail(err, LW_ERR_PARSE, "unknown key '%.40s' (expected workload and tokens)", key);
        }
    }
    if (!have_wl || !have_tok)
        return lw_fail(err, LW_ERR_PARSE, "missing '%s' (expected workload=NAME&tokens=N)", have_wl ? "tokens" : "workload");
    return LW_OK;
}

static lw_status parse_json(const char *body, size_t len, char *workload, double *tokens, lw_err *err)
{
    json_error_t je;
    json_t *o = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
    if (!o)
        return lw_fail(err, LW_ERR_PARSE, "bad JSON at column %d: %s", je.column, je.text);
    lw_status st = LW_OK;
    const char *key;
    json_t *v;
    json_t *wl = json_object_get(o, "workload"), *tok = json_object_get(o, "tokens");
    if (!json_is_object(o)) {
        st = lw_fail(err, LW_ERR_PARSE, "expected a JSON object {\"workload\": NAME, \"tokens\": N}");
        goto out;
    }
    json_object_foreach(o, key, v)
    {
        if (strcmp(key, "workload") != 0 && strcmp(key, "tokens") != 0) {
            st = lw_fail(err, LW_ERR_PARSE, "unknown key '%.40s' (expected workload and tokens)", key);
            goto out;
        }
    }
    if (!json_is_string(wl) || !tok) {
        st = lw_fail(err, LW_ERR_PARSE, "expected {\"workload\": NAME, \"tokens\": N} with a string name");
        goto out;
    }
    if ((st = check_name(json_string_value(wl), err)) != LW_OK)
        goto out;
    double n = json_is_integer(tok) ? (double)json_integer_value(tok) : json_is_real(tok) ? json_real_value(tok) : NAN;
    if (!(n >= 0) || n > LW_TOKENS_PER_REPORT_MAX || n != floor(n)) {
        st = lw_fail(err, LW_ERR_INVALID_ARGUMENT, "tokens must be a whole number from 0 to %.0f", LW_TOKENS_PER_REPORT_MAX);
        goto out;
    }
    lw_strlcpy(workload, json_string_value(wl), LW_WORKLOAD_NAME_MAX + 1);
    *tokens = n;
out:
    json_decref(o);
    return st;
}

lw_status lw_exporter_parse_report(const char *body, size_t len, char *workload, double *tokens, lw_err *err)
{
    while (len > 0 && (body[len - 1] == '\n' || body[len - 1] == '\r' || body[len - 1] == ' '))
        len--;
    size_t i = 0;
    while (i < len && (body[i] == ' ' || body[i] == '\n' || body[i] == '\r' || body[i] == '\t'))
        i++;
    if (i == len)
        return lw_fail(err, LW_ERR_PARSE, "empty body (expected workload=NAME&tokens=N or a JSON object)");
    if (body[i] == '{')
        return parse_json(body + i, len - i, workload, tokens, err);
    return parse_form(body + i, len - i, workload, tokens, err);
}
