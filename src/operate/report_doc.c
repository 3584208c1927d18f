/* The report's document writer: Markdown (images beside it) or one-file HTML (base64 PNG),
 * plus the power-over-a-run plot read from a samples CSV. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/csv.h"
#include "llmwatt/plot.h"
#include "operate/report_int.h"
#include "core/util.h"

static void put(lw_doc *d, const char *s, size_t n)
{
    if (d->oom)
        return;
    if (d->len + n + 1 > d->cap) {
        size_t nc = (d->cap ? d->cap * 2 : 65536) + n;
        char *nb = realloc(d->buf, nc);
        if (!nb) {
            d->oom = true;
            return;
        }
        d->buf = nb;
        d->cap = nc;
    }
    memcpy(d->buf + d->len, s, n);
    d->len += n;
    d->buf[d->len] = '\0';
}

static void puts_raw(lw_doc *d, const char *s)
{
    put(d, s, strlen(s));
}

/* Text escaped for the format (Markdown table cells: '|'; HTML: & < > "; PDF stream: tab, newline). */
static void put_text(lw_doc *d, const char *s, bool cell)
{
    for (const char *p = s; *p; p++) {
        if (d->fmt == LW_REPORT_PDF && (*p == '\t' || *p == '\n' || *p == '\r'))
            put(d, " ", 1);
        else if (d->fmt == LW_REPORT_HTML && (*p == '&' || *p == '<' || *p == '>' || *p == '"'))
            puts_raw(d, *p == '&' ? "&amp;" : *p == '<' ? "&lt;" : *p == '>' ? "&gt;" : "&quot;");
        else if (d->fmt == LW_REPORT_MARKDOWN && cell && *p == '|')
            puts_raw(d, "\\|");
        else
            put(d, p, 1);
    }
}

static void vtext(lw_doc *d, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
static void vtext(lw_doc *d, const char *fmt, va_list ap)
{
    char buf[2048];
    vsnprintf(buf, sizeof buf, fmt, ap);
    put_text(d, buf, false);
}

static void end_list(lw_doc *d)
{
    if (!d->in_list)
        return;
    if (d->fmt == LW_REPORT_PDF) {
        d->in_list = false;
        return;
    }
    puts_raw(d, d->fmt == LW_REPORT_HTML ? "</ul>\n" : "\n");
    d->in_list = false;
}

void lw_doc_init(lw_doc *d, lw_report_format fmt, const char *path)
{
    memset(d, 0, sizeof *d);
    d->fmt = fmt;
    lw_strlcpy(d->stem, path, sizeof d->stem);
    char *dot = strrchr(d->stem, '.'), *slash = strrchr(d->stem, '/');
    if (dot && (!slash || dot > slash))
        *dot = '\0';
    slash = strrchr(d->stem, '/');
    lw_strlcpy(d->stem_base, slash ? slash + 1 : d->stem, sizeof d->stem_base);
    if (fmt == LW_REPORT_HTML)
        puts_raw(d, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Power Efficiency Baselines</title>\n"
                    "<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;line-height:1.4}"
                    "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #bbb;padding:3px 8px;text-align:right}"
                    "td:first-child,th:first-child{text-align:left}th{background:#eee}pre{background:#f4f4f4;padding:8px}"
                    "img{max-width:100%}</style></head><body>\n");
}

void lw_doc_free(lw_doc *d)
{
    free(d->buf);
    for (int i = 0; i < d->nimg; i++)
        free(d->img[i].png);
    memset(d, 0, sizeof *d);
}

void lw_doc_h(lw_doc *d, int level, const char *fmt, ...)
{
    end_list(d);
    char tag[16];
    va_list ap;
    va_start(ap, fmt);
    if (d->fmt == LW_REPORT_PDF) {
        snprintf(tag, sizeof tag, "H%d\t", level);
        puts_raw(d, tag);
        vtext(d, fmt, ap);
        puts_raw(d, "\n");
    } else if (d->fmt == LW_REPORT_HTML) {
        snprintf(tag, sizeof tag, "<h%d>", level);
        puts_raw(d, tag);
        vtext(d, fmt, ap);
        snprintf(tag, sizeof tag, "</h%d>\n", level);
        puts_raw(d, tag);
    } else {
        for (int i = 0; i < level; i++)
            puts_raw(d, "#");
        puts_raw(d, " ");
        vtext(d, fmt, ap);
        puts_raw(d, "\n\n");
    }
    va_end(ap);
}

void lw_doc_p(lw_doc *d, const char *fmt, ...)
{
    end_list(d);
    va_list ap;
    va_start(ap, fmt);
    puts_raw(d, d->fmt == LW_REPORT_HTML ? "<p>" : d->fmt == LW_REPORT_PDF ? "P\t" : "");
    vtext(d, fmt, ap);
    puts_raw(d, d->fmt == LW_REPORT_HTML ? "</p>\n" : d->fmt == LW_REPORT_PDF ? "\n" : "\n\n");
    va_end(ap);
}

void lw_doc_li(lw_doc *d, const char *fmt, ...)
{
    if (!d->in_list && d->fmt == LW_REPORT_HTML)
        puts_raw(d, "<ul>\n");
    d->in_list = true;
    va_list ap;
    va_start(ap, fmt);
    puts_raw(d, d->fmt == LW_REPORT_HTML ? "<li>" : d->fmt == LW_REPORT_PDF ? "L\t" : "- ");
    vtext(d, fmt, ap);
    puts_raw(d, d->fmt == LW_REPORT_HTML ? "</li>\n" : "\n");
    va_end(ap);
}

void lw_doc_code(lw_doc *d, const char *text)
{
    end_list(d);
    if (d->fmt == LW_REPORT_PDF) {
        for (const char *p = text; *p;) {
            const char *nl = strchr(p, '\n');
            size_t n = nl ? (size_t)(nl - p) : strlen(p);
            puts_raw(d, "C\t");
            for (size_t i = 0; i < n; i++)
                put(d, p[i] == '\t' ? " " : p + i, 1);
            puts_raw(d, "\n");
            p += n + (nl ? 1 : 0);
        }
        return;
    }
    puts_raw(d, d->fmt == LW_REPORT_HTML ? "<pre>" : "```\n");
    put_text(d, text, false);
    puts_raw(d, d->fmt == LW_REPORT_HTML ? "</pre>\n" : "\n```\n\n");
}

static void pdf_cells(lw_doc *d, const char *tag, int ncols, const char *const *c)
{
    puts_raw(d, tag);
    for (int i = 0; i < ncols; i++) {
        puts_raw(d, "\t");
        put_text(d, c[i], true);
    }
    puts_raw(d, "\n");
}

void lw_doc_table_head(lw_doc *d, int ncols, const char *const *h)
{
    end_list(d);
    if (d->fmt == LW_REPORT_PDF) {
        pdf_cells(d, "T", ncols, h);
        return;
    }
    if (d->fmt == LW_REPORT_HTML) {
        puts_raw(d, "<table><tr>");
        for (int i = 0; i < ncols; i++) {
            puts_raw(d, "<th>");
            put_text(d, h[i], true);
            puts_raw(d, "</th>");
        }
        puts_raw(d, "</tr>\n");
        return;
    }
    puts_raw(d, "|");
    for (int i = 0; i < ncols; i++) {
        puts_raw(d, " ");
        put_text(d, h[i], true);
        puts_raw(d, " |");
    }
    puts_raw(d, "\n|");
    for (int i = 0; i < ncols; i++)
        puts_raw(d, i ? "---:|" : "---|");
    puts_raw(d, "\n");
}

void lw_doc_table_row(lw_doc *d, int ncols, const char *const *c)
{
    if (d->fmt == LW_REPORT_PDF) {
        pdf_cells(d, "R", ncols, c);
        return;
    }
    puts_raw(d, d->fmt == LW_REPORT_HTML ? "<tr>" : "|");
    for (int i = 0; i < ncols; i++) {
        puts_raw(d, d->fmt == LW_REPORT_HTML ? "<td>" : " ");
        put_text(d, c[i], true);
        puts_raw(d, d->fmt == LW_REPORT_HTML ? "</td>" : " |");
    }
    puts_raw(d, d->fmt == LW_REPORT_HTML ? "</tr>\n" : "\n");
}

void lw_doc_table_end(lw_doc *d)
{
    puts_raw(d, d->fmt == LW_REPORT_HTML ? "</table>\n" : d->fmt == LW_REPORT_PDF ? "E\n" : "\n");
}

static void base64(lw_doc *d, const unsigned char *p, size_t n)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char out[4];
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0u) | (i + 2 < n ? p[i + 2] : 0u);
        out[0] = tbl[v >> 18 & 63];
        out[1] = tbl[v >> 12 & 63];
        out[2] = i + 1 < n ? tbl[v >> 6 & 63] : '=';
        out[3] = i + 2 < n ? tbl[v & 63] : '=';
        put(d, out, 4);
    }
}

void lw_doc_image(lw_doc *d, const char *name, const char *alt, unsigned char *png, size_t len)
{
    end_list(d);
    if (d->fmt == LW_REPORT_HTML) {
        puts_raw(d, "<p><img alt=\"");
        put_text(d, alt, false);
        puts_raw(d, "\" src=\"data:image/png;base64,");
        base64(d, png, len);
        puts_raw(d, "\"></p>\n");
        free(png);
        return;
    }
    if (d->nimg == LW_DOC_MAX_IMAGES) {
        free(png);
        return;
    }
    if (d->fmt == LW_REPORT_PDF) {
        char line[32];
        snprintf(line, sizeof line, "I\t%d\n", d->nimg);
        d->img[d->nimg].png = png;
        d->img[d->nimg].len = len;
        d->nimg++;
        puts_raw(d, line);
        return;
    }
    snprintf(d->img[d->nimg].path, sizeof d->img[d->nimg].path, "%s-%s.png", d->stem, name);
    d->img[d->nimg].png = png;
    d->img[d->nimg].len = len;
    d->nimg++;
    char link[600];
    snprintf(link, sizeof link, "![%s](%s-%s.png)\n\n", alt, d->stem_base, name);
    puts_raw(d, link);
}

lw_status lw_doc_write(lw_doc *d, const char *path, lw_err *err)
{
    end_list(d);
    if (d->fmt == LW_REPORT_HTML)
        puts_raw(d, "</body></html>\n");
    if (d->oom)
        return lw_fail(err, LW_ERR_NO_MEMORY, "out of memory building the report");
    if (d->fmt == LW_REPORT_PDF) {
        unsigned char *pdf;
        size_t n;
        lw_status st = lw_doc_render_pdf(d, &pdf, &n, err);
        if (st != LW_OK)
            return st;
        st = lw_file_write_atomic(path, (const char *)pdf, n, err);
        free(pdf);
        return st;
    }
    for (int i = 0; i < d->nimg; i++) {
        lw_status st = lw_file_write_atomic(d->img[i].path, (const char *)d->img[i].png, d->img[i].len, err);
        if (st != LW_OK)
            return st;
    }
    return lw_file_write_atomic(path, d->buf, d->len, err);
}

/* ---------- power over a run, from a samples CSV ---------- */

static int find_col(const lw_csv *c, const char *const *names)
{
    for (const char *const *n = names; *n; n++) {
        int i = lw_csv_find(c, *n);
        if (i >= 0)
            return i;
    }
    return -1;
}

/* Seconds from a number or a timestamp "YYYY/MM/DD HH:MM:SS.fff" / ISO 8601. */
static bool parse_time_s(const char *s, double *out)
{
    if (lw_parse_number(s, out))
        return true;
    char buf[64];
    lw_strlcpy(buf, s, sizeof buf);
    for (char *p = buf; *p; p++)
        if (*p == '/')
            *p = '-';
    char *b = buf;
    while (*b == ' ')
        b++;
    size_t n = strlen(b);
    while (n && b[n - 1] == ' ')
        b[--n] = '\0';
    long long ns;
    if (lw_time_parse(b, 0, false, &ns, NULL) != LW_OK)
        return false;
    *out = (double)ns / 1e9;
    return true;
}

#define MAX_GPU_SERIES 8

lw_status lw_report_power_plot(const char *path, unsigned char **png, size_t *len, char *desc, size_t desc_n, lw_err *err)
{
    static const char *const tcols[] = {"t_s", "time_s", "elapsed_s", "timestamp", NULL};
    static const char *const pcols[] = {"power_w", "power.draw [W]", "power.draw", "aggregate_power_w", NULL};
    static const char *const gcols[] = {"gpu", "index", "gpu_index", "device", NULL};
    char *text;
    size_t tlen;
    lw_err rerr;
    lw_status st = lw_file_read_capped(path, LW_CAP_TABLE_BYTES, "a power samples file", &text, &tlen, &rerr);
    if (st != LW_OK)
        return lw_fail(err, st == LW_ERR_IO ? LW_ERR_NOT_FOUND : st, "--samples: %s", lw_err_message(&rerr));
    lw_csv *c = lw_csv_new(text, tlen);
    double *xs[MAX_GPU_SERIES] = {0}, *ys[MAX_GPU_SERIES] = {0};
    size_t ns[MAX_GPU_SERIES] = {0}, caps[MAX_GPU_SERIES] = {0};
    int ti = -1, pi = -1, gi = -1;
    double t0 = NAN;
    if (!c) {
        st = lw_fail(err, LW_ERR_NO_MEMORY, "out of memory");
        goto done;
    }
    if (lw_csv_next(c, err) != 1 || (ti = find_col(c, tcols)) < 0 || (pi = find_col(c, pcols)) < 0) {
        st = lw_fail(err, LW_ERR_PARSE, "--samples %s: needs a header with a time column (t_s, time_s or timestamp) and a power column (power_w or power.draw [W])",
                     path);
        goto done;
    }
    gi = find_col(c, gcols);
    /* llmwatt measure --csv also holds CPU (RAPL) rows and a failed read has no power: GPU rows only */
    int si = lw_csv_find(c, "source"), oki = lw_csv_find(c, "ok");
    int r;
    while ((r = lw_csv_next(c, err)) == 1) {
        double t, p, g = 0;
        if ((si >= 0 && strcmp(lw_csv_field(c, (size_t)si), "rapl") == 0) ||
            (oki >= 0 && strcmp(lw_csv_field(c, (size_t)oki), "0") == 0))
            continue;
        char pbuf[64];
        lw_strlcpy(pbuf, lw_csv_field(c, (size_t)pi), sizeof pbuf);
        char *w = strstr(pbuf, " W");
        if (w)
            *w = '\0';
        if (!parse_time_s(lw_csv_field(c, (size_t)ti), &t) || !lw_parse_number(pbuf, &p) ||
            (gi >= 0 && (!lw_parse_number(lw_csv_field(c, (size_t)gi), &g) || g < 0))) {
            st = lw_fail(err, LW_ERR_PARSE, "--samples %s line %zu: time, power or GPU index is not a number", path, lw_csv_line(c));
            goto done;
        }
        if (isnan(t0))
            t0 = t;
        size_t k = (size_t)g;
        if (k >= MAX_GPU_SERIES)
            continue;
        if (ns[k] == caps[k]) {
            size_t nc = caps[k] ? caps[k] * 2 : 1024;
            double *nx = realloc(xs[k], nc * sizeof *nx);
            if (nx)
                xs[k] = nx;
            double *ny = nx ? realloc(ys[k], nc * sizeof *ny) : NULL;
            if (!nx || !ny) {
                st = lw_fail(err, LW_ERR_NO_MEMORY, "out of memory");
                goto done;
            }
            ys[k] = ny;
            caps[k] = nc;
        }
        xs[k][ns[k]] = t - t0;
        ys[k][ns[k]] = p;
        ns[k]++;
    }
    if (r < 0) {
        st = LW_ERR_PARSE;
        goto done;
    }
    lw_plot_series series[MAX_GPU_SERIES];
    size_t nser = 0, total = 0;
    for (size_t k = 0; k < MAX_GPU_SERIES; k++)
        if (ns[k]) {
            memset(&series[nser], 0, sizeof series[nser]);
            snprintf(series[nser].name, sizeof series[nser].name, "GPU %zu", k);
            series[nser].x = xs[k];
            series[nser].y = ys[k];
            series[nser].n = ns[k];
            series[nser].lines = true;
            nser++;
            total += ns[k];
        }
    if (nser == 0) {
        st = lw_fail(err, LW_ERR_PARSE, "--samples %s has no samples", path);
        goto done;
    }
    lw_plot pl;
    memset(&pl, 0, sizeof pl);
    snprintf(pl.title, sizeof pl.title, "Power over a run");
    snprintf(pl.xlabel, sizeof pl.xlabel, "time since first sample (s)");
    snprintf(pl.ylabel, sizeof pl.ylabel, "board power (W)");
    pl.y_from_zero = true;
    pl.series = series;
    pl.nseries = nser;
    st = lw_plot_png(&pl, 900, 420, png, len, err);
    snprintf(desc, desc_n, "%zu samples of %zu GPU(s) from %s", total, nser, path);
done:
    for (size_t k = 0; k < MAX_GPU_SERIES; k++) {
        free(xs[k]);
        free(ys[k]);
    }
    lw_csv_free(c);
    free(text);
    return st;
}
