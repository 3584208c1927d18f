#include "core/csv.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/util.h"

struct lw_csv {
    const char *p, *end;
    size_t line, rec_line;
    char *buf;
    size_t buf_cap;
    size_t *offs;
    size_t nfields, offs_cap;
};

lw_csv *lw_csv_new(const char *data, size_t len)
{
    lw_csv *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->p = data;
    c->end = data + len;
    c->line = 1;
    /* skip UTF-8 byte order mark */
    if (len >= 3 && (unsigned char)data[0] == 0xEF && (unsigned char)data[1] == 0xBB && (unsigned char)data[2] == 0xBF)
        c->p += 3;
    return c;
}

void lw_csv_free(lw_csv *c)
{
    if (!c)
        return;
    free(c->buf);
    free(c->offs);
    free(c);
}

static int push_char(lw_csv *c, size_t *n, char ch)
{
    if (*n + 1 >= c->buf_cap) {
        size_t cap = c->buf_cap ? c->buf_cap * 2 : 1024;
        char *nb = realloc(c->buf, cap);
        if (!nb)
            return -1;
        c->buf = nb;
        c->buf_cap = cap;
    }
    c->buf[(*n)++] = ch;
    return 0;
}

static int push_field(lw_csv *c, size_t start)
{
    if (c->nfields == c->offs_cap) {
        size_t cap = c->offs_cap ? c->offs_cap * 2 : 32;
        size_t *no = realloc(c->offs, cap * sizeof *no);
        if (!no)
            return -1;
        c->offs = no;
        c->offs_cap = cap;
    }
    c->offs[c->nfields++] = start;
    return 0;
}

int lw_csv_next(lw_csv *c, lw_err *err)
{
    /* skip blank lines */
    while (c->p < c->end && (*c->p == '\n' || *c->p == '\r')) {
        if (*c->p == '\n')
            c->line++;
        c->p++;
    }
    if (c->p >= c->end)
        return 0;
    c->rec_line = c->line;
    c->nfields = 0;
    size_t n = 0, start = 0;
    int quoted = 0, in_field_quote = 0;
    for (;;) {
        if (c->p >= c->end) {
            if (in_field_quote)
                return lw_fail(err, LW_ERR_PARSE, "line %zu: unterminated quoted field", c->rec_line), -1;
            break;
        }
        char ch = *c->p++;
        if (in_field_quote) {
            if (ch == '"') {
                if (c->p < c->end && *c->p == '"') {
                    c->p++;
                    if (push_char(c, &n, '"'))
                        return -1;
                } else {
                    in_field_quote = 0;
                }
            } else {
                if (ch == '\n')
                    c->line++;
                if (push_char(c, &n, ch))
                    return -1;
            }
            continue;
        }
        if (ch == '"' && n == start && !quoted) {
            in_field_quote = 1;
            quoted = 1;
            continue;
        }
        if (ch == ',') {
            if (push_char(c, &n, '\0') || push_field(c, start))
                return -1;
            start = n;
            quoted = 0;
            continue;
        }
        if (ch == '\n' || ch == '\r') {
            if (ch == '\r' && c->p < c->end && *c->p == '\n')
                c->p++;
            c->line++;
            break;
        }
        if (push_char(c, &n, ch))
            return -1;
    }
    if (push_char(c, &n, '\0') || push_field(c, start))
        return -1;
    return 1;
}

size_t lw_csv_count(const lw_csv *c)
{
    return c->nfields;
}

const char *lw_csv_field(const lw_csv *c, size_t i)
{
    return i < c->nfields ? c->buf + c->offs[i] : "";
}

size_t lw_csv_line(const lw_csv *c)
{
    return c->rec_line;
}

int lw_csv_find(const lw_csv *c, const char *name)
{
    size_t nl = strlen(name);
    for (size_t i = 0; i < c->nfields; i++) {
        const char *f = lw_csv_field(c, i);
        while (isspace((unsigned char)*f))
            f++;
        size_t fl = strlen(f);
        while (fl && isspace((unsigned char)f[fl - 1]))
            fl--;
        if (fl == nl && strncasecmp(f, name, nl) == 0)
            return (int)i;
    }
    return -1;
}
