/* A minimal cairo line chart with a shaded band (sweep plots). */
#include "llmwatt/chart.h"

#include <cairo-svg.h>
#include <cairo.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

enum { W = 800, H = 500, ML = 90, MR = 30, MT = 50, MB = 70 };

typedef struct axis {
    double lo, hi;
    bool log;
} axis;

static double tr(const axis *a, double v)
{
    return a->log ? (log10(v) - log10(a->lo)) / (log10(a->hi) - log10(a->lo)) : (v - a->lo) / (a->hi - a->lo);
}

static void text(cairo_t *cr, double x, double y, const char *s, double ax, double ay, bool vertical)
{
    cairo_text_extents_t e;
    cairo_text_extents(cr, s, &e);
    cairo_save(cr);
    cairo_move_to(cr, x, y);
    if (vertical)
        cairo_rotate(cr, -M_PI / 2);
    cairo_rel_move_to(cr, -e.width * ax - e.x_bearing, e.height * ay);
    cairo_show_text(cr, s);
    cairo_restore(cr);
}

static void ticks(axis *a, double *t, int *nt)
{
    *nt = 0;
    if (a->log) {
        static const double mult[3] = {1, 2, 5};
        bool few = log10(a->hi / a->lo) > 3; /* many decades: powers of ten only */
        for (double d = pow(10, floor(log10(a->lo))); d <= a->hi * 1.0001 && *nt < 20; d *= 10)
            for (int k = 0; k < (few ? 1 : 3) && *nt < 20; k++)
                if (d * mult[k] >= a->lo * 0.9999 && d * mult[k] <= a->hi * 1.0001)
                    t[(*nt)++] = d * mult[k];
        return;
    }
    double span = a->hi - a->lo, step = pow(10, floor(log10(span / 5)));
    if (span / step > 10)
        step *= span / step > 20 ? 5 : 2;
    for (double v = ceil(a->lo / step) * step; v <= a->hi + step * 1e-9 && *nt < 20; v += step)
        t[(*nt)++] = fabs(v) < step * 1e-9 ? 0 : v;
}

static void draw(cairo_t *cr, const lw_chart *c)
{
    axis ax = {c->x[0], c->x[0], c->logx}, ay = {INFINITY, -INFINITY, c->logy};
    for (size_t i = 0; i < c->n; i++) {
        ax.lo = fmin(ax.lo, c->x[i]);
        ax.hi = fmax(ax.hi, c->x[i]);
        double lo = c->ylow ? c->ylow[i] : c->y[i], hi = c->yhigh ? c->yhigh[i] : c->y[i];
        ay.lo = fmin(ay.lo, fmin(lo, c->y[i]));
        ay.hi = fmax(ay.hi, fmax(hi, c->y[i]));
    }
    if (ax.hi <= ax.lo) {
        ax.lo = ax.log ? ax.lo / 2 : ax.lo - 1;
        ax.hi = ax.log ? ax.hi * 2 : ax.hi + 1;
    }
    if (ay.log) {
        ay.lo /= 1.2;
        ay.hi *= 1.2;
    } else {
        ay.lo = fmin(0, ay.lo);
        ay.hi = ay.hi > ay.lo ? ay.hi * 1.05 : ay.lo + 1;
    }
    const double pw = W - ML - MR, ph = H - MT - MB;
#define PX(v) (ML + pw * tr(&ax, (v)))
#define PY(v) (MT + ph * (1 - tr(&ay, (v))))
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, 12);
    double t[20];
    int nt;
    cairo_set_line_width(cr, 1);
    ticks(&ay, t, &nt);
    for (int i = 0; i < nt; i++) {
        char b[32];
        snprintf(b, sizeof b, "%g", t[i]);
        cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);
        cairo_move_to(cr, ML, PY(t[i]));
        cairo_line_to(cr, ML + pw, PY(t[i]));
        cairo_stroke(cr);
        cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
        text(cr, ML - 6, PY(t[i]), b, 1, 0.5, false);
    }
    if (c->xlabels) {
        for (size_t i = 0; i < c->n; i++)
            text(cr, PX(c->x[i]), MT + ph + 8, c->xlabels[i], 0.5, 1, false);
    } else {
        ticks(&ax, t, &nt);
        for (int i = 0; i < nt; i++) {
            char b[32];
            snprintf(b, sizeof b, "%g", t[i]);
            cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
            text(cr, PX(t[i]), MT + ph + 8, b, 0.5, 1, false);
        }
    }
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_rectangle(cr, ML, MT, pw, ph);
    cairo_stroke(cr);
    if (c->ylow && c->yhigh && c->n > 1) {
        cairo_move_to(cr, PX(c->x[0]), PY(c->yhigh[0]));
        for (size_t i = 1; i < c->n; i++)
            cairo_line_to(cr, PX(c->x[i]), PY(c->yhigh[i]));
        for (size_t i = c->n; i-- > 0;)
            cairo_line_to(cr, PX(c->x[i]), PY(c->ylow[i]));
        cairo_close_path(cr);
        cairo_set_source_rgba(cr, 0.2, 0.45, 0.8, 0.2);
        cairo_fill(cr);
    }
    cairo_set_source_rgb(cr, 0.1, 0.3, 0.7);
    cairo_set_line_width(cr, 2);
    for (size_t i = 0; i < c->n; i++)
        (i ? cairo_line_to : cairo_move_to)(cr, PX(c->x[i]), PY(c->y[i]));
    cairo_stroke(cr);
    for (size_t i = 0; i < c->n; i++) {
        cairo_arc(cr, PX(c->x[i]), PY(c->y[i]), 3, 0, 2 * M_PI);
        cairo_fill(cr);
        if (c->ylow && c->yhigh && c->n == 1) {
            cairo_move_to(cr, PX(c->x[i]), PY(c->ylow[i]));
            cairo_line_to(cr, PX(c->x[i]), PY(c->yhigh[i]));
            cairo_stroke(cr);
        }
    }
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_font_size(cr, 15);
    text(cr, W / 2.0, MT / 2.0, c->title ? c->title : "", 0.5, 0.5, false);
    cairo_set_font_size(cr, 13);
    text(cr, ML + pw / 2, H - 22, c->xlabel ? c->xlabel : "", 0.5, 0.5, false);
    text(cr, 22, MT + ph / 2, c->ylabel ? c->ylabel : "", 0.5, 0.5, true);
#undef PX
#undef PY
}

lw_status lw_chart_line(const char *path, const lw_chart *c, lw_err *err)
{
    const char *ext = strrchr(path, '.');
    bool svg = ext && strcmp(ext, ".svg") == 0, png = ext && strcmp(ext, ".png") == 0;
    if (!svg && !png)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "plot file '%s' must end in .svg or .png", path);
    if (c->n < 1)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "nothing to plot");
    for (size_t i = 0; i < c->n; i++)
        if (!isfinite(c->x[i]) || !isfinite(c->y[i]) || (c->logy && !(c->y[i] > 0)) || (c->logx && !(c->x[i] > 0)) ||
            (c->ylow && c->logy && !(c->ylow[i] > 0)))
            return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "plot values must be finite (and > 0 on a log axis)");
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp%ld%s", path, (long)getpid(), ext) >= (int)sizeof tmp)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "plot path too long");
    cairo_surface_t *s = svg ? cairo_svg_surface_create(tmp, W, H) : cairo_image_surface_create(CAIRO_FORMAT_ARGB32, W, H);
    cairo_t *cr = cairo_create(s);
    draw(cr, c);
    cairo_destroy(cr);
    cairo_status_t cs = CAIRO_STATUS_SUCCESS;
    if (png)
        cs = cairo_surface_write_to_png(s, tmp);
    cairo_surface_finish(s);
    if (svg)
        cs = cairo_surface_status(s);
    cairo_surface_destroy(s);
    if (cs != CAIRO_STATUS_SUCCESS || rename(tmp, path) != 0) {
        unlink(tmp);
        return lw_fail(err, LW_ERR_IO, "cannot write plot '%s': %s (check the directory exists and is writable)", path,
                       cs != CAIRO_STATUS_SUCCESS ? cairo_status_to_string(cs) : "rename failed");
    }
    return LW_OK;
}
