/* The report's plots: tokens/J over time, per configuration and GPU, power over a run (cairo). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "llmwatt/cost.h"
#include "llmwatt/grid.h"
#include "llmwatt/plot.h"
#include "operate/report_int.h"
#include "core/util.h"

#define NO_DATA LW_REPORT_NO_DATA
typedef lw_report_ctx ctx;


typedef struct series_buf {
    lw_plot_series s[16];
    double *x[16], *y[16];
    size_t n;
} series_buf;

/* The series for key (created on first use; NULL when all 16 are used). */
static lw_plot_series *series_for(series_buf *sb, const char *key, size_t cap)
{
    for (size_t i = 0; i < sb->n; i++)
        if (strcmp(sb->s[i].name, key) == 0)
            return &sb->s[i];
    if (sb->n == 16)
        return NULL;
    size_t i = sb->n;
    sb->x[i] = calloc(cap ? cap : 1, sizeof(double));
    sb->y[i] = calloc(cap ? cap : 1, sizeof(double));
    if (!sb->x[i] || !sb->y[i]) {
        free(sb->x[i]);
        free(sb->y[i]);
        return NULL;
    }
    memset(&sb->s[i], 0, sizeof sb->s[i]);
    lw_strlcpy(sb->s[i].name, key, sizeof sb->s[i].name);
    sb->s[i].x = sb->x[i];
    sb->s[i].y = sb->y[i];
    sb->n++;
    return &sb->s[i];
}

static void series_push(series_buf *sb, lw_plot_series *s, double x, double y)
{
    size_t i = (size_t)(s - sb->s);
    sb->x[i][s->n] = x;
    sb->y[i][s->n] = y;
    s->n++;
}

static void series_free(series_buf *sb)
{
    for (size_t i = 0; i < sb->n; i++) {
        free(sb->x[i]);
        free(sb->y[i]);
    }
}

/* A GPU name for a legend, without the vendor ("NVIDIA H100 80GB HBM3" -> "H100 80GB HBM3"). */
static const char *short_gpu(const char *name)
{
    const char *sp = strchr(name, ' ');
    return (strncmp(name, "NVIDIA ", 7) == 0 || strncmp(name, "AMD ", 4) == 0) && sp ? sp + 1 : name;
}

static lw_status add_plot(ctx *c, const lw_plot *p, const char *name, const char *alt, lw_err *err)
{
    unsigned char *png;
    size_t len;
    lw_status st = lw_plot_png(p, 900, 420, &png, &len, err);
    if (st == LW_OK)
        lw_doc_image(&c->doc, name, alt, png, len);
    return st;
}

lw_status lw_report_plots(ctx *c, lw_err *err)
{
    lw_doc *d = &c->doc;
    lw_status st = LW_OK;
    lw_doc_h(d, 2, "Trends");
    /* tokens/J over time: one series per workload x precision x GPUs; INVALID runs as grey crosses */
    series_buf t = {0};
    for (size_t i = 0; i < c->nruns; i++) {
        const lw_run *r = &c->runs[i];
        if (r->kind != LW_RUN_MEASUREMENT || !isfinite(r->tokens_per_j) || !r->time_ns)
            continue;
        char key[256];
        if (r->valid == 1)
            snprintf(key, sizeof key, "%s %s b%d %dGPU%s%s", r->workload, r->precision, r->batch, r->gpus, c->multi_gpu ? " " : "",
                     c->multi_gpu ? short_gpu(r->gpu) : "");
        else
            snprintf(key, sizeof key, "INVALID (off-scale: on border)");
        lw_plot_series *s = series_for(&t, key, c->nruns);
        if (s) {
            s->muted = r->valid != 1;
            s->lines = r->valid == 1;
            series_push(&t, s, (double)r->time_ns, r->tokens_per_j);
        }
        if (c->regressed[i]) {
            char rk[96];
            snprintf(rk, sizeof rk, "REGRESSION (< %.2f x first run)", c->o->regression_ratio);
            lw_plot_series *m = series_for(&t, rk, c->nruns);
            if (m)
                series_push(&t, m, (double)r->time_ns, r->tokens_per_j);
        }
    }
    lw_doc_h(d, 3, "Tokens/J over time");
    if (t.n) {
        lw_plot p = {"Tokens per joule over time", "run start (UTC)", "tokens / J (GPU energy)", LW_AXIS_TIME_NS, true, t.s, t.n, false, NULL};
        st = add_plot(c, &p, "tokens-per-j-over-time", "tokens/J over time", err);
    } else
        lw_doc_p(d, "No data: no measurement with a token count and a start time.");
    series_free(&t);
    if (st != LW_OK)
        return st;

    /* tokens/J vs batch: one series per workload x precision x GPUs x seq_len, rows sorted by batch */
    series_buf b = {0};
    for (size_t i = 0; i < c->nrows; i++) {
        const lw_report_row *r = &c->rows[i];
        if (r->batch <= 0)
            continue;
        char key[256];
        snprintf(key, sizeof key, "%s %s %dGPU s%d%s%s", r->workload, r->precision, r->gpus, r->seq_len, c->multi_gpu ? " " : "",
                 c->multi_gpu ? short_gpu(r->gpu) : "");
        lw_plot_series *s = series_for(&b, key, c->nrows);
        if (s) {
            s->lines = true;
            series_push(&b, s, r->batch, r->tokens_per_j);
        }
    }
    lw_doc_h(d, 3, "Tokens/J vs batch size");
    if (b.n) {
        lw_plot p = {"Tokens per joule vs batch size (mean of valid runs)", "batch size", "tokens / J (GPU energy)", LW_AXIS_LOG2,
                     true, b.s, b.n, false, NULL};
        st = add_plot(c, &p, "tokens-per-j-vs-batch", "tokens/J vs batch size", err);
    } else
        lw_doc_p(d, "No data: no valid measurement with a batch label.");
    series_free(&b);
    if (st != LW_OK)
        return st;

    lw_doc_h(d, 3, "Power over a run");
    if (!c->o->samples_csv) {
        lw_doc_p(d, "Skipped: no samples CSV given (report --samples FILE.csv, from 'llmwatt measure --csv').");
        return LW_OK;
    }
    unsigned char *png;
    size_t len;
    char desc[700];
    st = lw_report_power_plot(c->o->samples_csv, &png, &len, desc, sizeof desc, err);
    if (st != LW_OK)
        return st;
    lw_doc_p(d, "%s.", desc);
    lw_doc_image(d, "power-over-run", "power over a run", png, len);
    return LW_OK;
}

