/* Scatter/line charts with cairo: axes with round ticks, grid, legend; PNG into memory. */
#include "plot.h"

#include <cairo.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"

/* Colour-blind-safe palette (Okabe-Ito), then four more distinct hues. */
static const double palette[][3] = {{0.00, 0.45, 0.70}, {0.90, 0.62, 0.00}, {0.00, 0.62, 0.45}, {0.80, 0.47, 0.65},
                                    {0.34, 0.71, 0.91}, {0.84, 0.37, 0.00}, {0.85, 0.78, 0.10}, {0.30, 0.30, 0.30},
                                    {0.55, 0.27, 0.07}, {0.45, 0.10, 0.60}, {0.60, 0.75, 0.20}, {0.00, 0.00, 0.00}};
#define NPAL (sizeof palette / sizeof palette[0])

typedef struct png_buf {
    unsigned char *data;
    size_t len, cap;
    bool oom;
} png_buf;

static cairo_status_t png_write(void *closure, const unsigned char *data, unsigned int length)
{
    png_buf *b = closure;
    if (b->len + length > b->cap) {
        size_t nc = (b->cap ? b->cap * 2 : 65536) + length;
        unsigned char *nd = realloc(b->data, nc);
        if (!nd) {
            b->oom = true;
            return CAIRO_STATUS_NO_MEMORY;
        }
        b->data = nd;
        b->cap = nc;
    }
    memcpy(b->data + b->len, data, length);
    b->len += length;
    return CAIRO_STATUS_SUCCESS;
}

static double tx(lw_plot_axis a, double v)
{
    return a == LW_AXIS_LOG2 ? log2(v) : v;
}

static double nice_step(double range, int target)
{
    double raw = range / target;
    double mag = pow(10, floor(log10(raw)));
    double f = raw / mag;
    return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
}

typedef struct frame {
    double x0, x1, y0, y1;       /* data range (transformed x) */
    double left, right, top, bottom;
} frame;

static double px(const frame *f, double v)
{
    return f->left + (v - f->x0) / (f->x1 - f->x0) * (f->right - f->left);
}

static double py(const frame *f, double v)
{
    return f->bottom - (v - f->y0) / (f->y1 - f->y0) * (f->bottom - f->top);
}

static void text_at(cairo_t *cr, double x, double y, const char *s, double ax, double ay)
{
    cairo_text_extents_t te;
    cairo_text_extents(cr, s, &te);
    cairo_move_to(cr, x - te.width * ax - te.x_bearing, y + te.height * ay);
    cairo_show_text(cr, s);
}

static void draw_axes(cairo_t *cr, const lw_plot *p, const frame *f)
{
    cairo_set_line_width(cr, 1);
    cairo_set_font_size(cr, 12);
    /* y ticks and grid */
    double ys = nice_step(f->y1 - f->y0, 6);
    for (double v = ceil(f->y0 / ys) * ys; v <= f->y1 + ys * 1e-9; v += ys) {
        double y = py(f, v);
        cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
        cairo_move_to(cr, f->left, y);
        cairo_line_to(cr, f->right, y);
        cairo_stroke(cr);
        char b[32];
        snprintf(b, sizeof b, "%g", fabs(v) < ys * 1e-6 ? 0.0 : v);
        cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
        text_at(cr, f->left - 6, y, b, 1.0, 0.5);
    }
    /* x ticks */
    if (p->xaxis == LW_AXIS_LOG2) {
        for (double v = ceil(f->x0); v <= f->x1 + 1e-9; v += 1) {
            char b[32];
            snprintf(b, sizeof b, "%g", pow(2, v));
            cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
            cairo_move_to(cr, px(f, v), f->top);
            cairo_line_to(cr, px(f, v), f->bottom);
            cairo_stroke(cr);
            cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
            text_at(cr, px(f, v), f->bottom + 8, b, 0.5, 1.0);
        }
    } else if (p->xaxis == LW_AXIS_TIME_NS) {
        double day = 86400e9, span = f->x1 - f->x0;
        double step = span <= 8 * day ? day : span <= 40 * day ? 7 * day : span <= 200 * day ? 30 * day : 365 * day;
        for (double v = ceil(f->x0 / day) * day; v <= f->x1; v += step) {
            time_t secs = (time_t)(v / 1e9);
            struct tm tm;
            gmtime_r(&secs, &tm);
            char b[32];
            strftime(b, sizeof b, "%Y-%m-%d", &tm);
            cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
            cairo_move_to(cr, px(f, v), f->top);
            cairo_line_to(cr, px(f, v), f->bottom);
            cairo_stroke(cr);
            cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
            text_at(cr, px(f, v), f->bottom + 8, b, 0.5, 1.0);
        }
    } else {
        double xs = nice_step(f->x1 - f->x0, 8);
        for (double v = ceil(f->x0 / xs) * xs; v <= f->x1 + xs * 1e-9; v += xs) {
            char b[32];
            snprintf(b, sizeof b, "%g", fabs(v) < xs * 1e-6 ? 0.0 : v);
            cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
            cairo_move_to(cr, px(f, v), f->top);
            cairo_line_to(cr, px(f, v), f->bottom);
            cairo_stroke(cr);
            cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
            text_at(cr, px(f, v), f->bottom + 8, b, 0.5, 1.0);
        }
    }
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    cairo_rectangle(cr, f->left, f->top, f->right - f->left, f->bottom - f->top);
    cairo_stroke(cr);
    cairo_set_font_size(cr, 13);
    text_at(cr, (f->left + f->right) / 2, f->bottom + 32, p->xlabel, 0.5, 1.0);
    cairo_save(cr);
    cairo_translate(cr, 18, (f->top + f->bottom) / 2);
    cairo_rotate(cr, -M_PI / 2);
    text_at(cr, 0, 0, p->ylabel, 0.5, 0.5);
    cairo_restore(cr);
    cairo_set_font_size(cr, 15);
    text_at(cr, (f->left + f->right) / 2, 14, p->title, 0.5, 0.5);
}

static void marker(cairo_t *cr, double x, double y, bool muted)
{
    if (muted) {
        cairo_move_to(cr, x - 4, y - 4);
        cairo_line_to(cr, x + 4, y + 4);
        cairo_move_to(cr, x - 4, y + 4);
        cairo_line_to(cr, x + 4, y - 4);
        cairo_stroke(cr);
    } else {
        cairo_arc(cr, x, y, 3.5, 0, 2 * M_PI);
        cairo_fill(cr);
    }
}

static void draw_legend(cairo_t *cr, const lw_plot *p, const frame *f)
{
    cairo_set_font_size(cr, 11);
    double x = f->right + 12, y = f->top + 8;
    for (size_t s = 0; s < p->nseries; s++) {
        const lw_plot_series *se = &p->series[s];
        if (se->muted)
            cairo_set_source_rgb(cr, 0.55, 0.55, 0.55);
        else
            cairo_set_source_rgb(cr, palette[s % NPAL][0], palette[s % NPAL][1], palette[s % NPAL][2]);
        cairo_set_line_width(cr, 2);
        if (se->lines) {
            cairo_move_to(cr, x, y);
            cairo_line_to(cr, x + 18, y);
            cairo_stroke(cr);
        }
        cairo_set_line_width(cr, 1.5);
        if (se->n <= 200)
            marker(cr, x + 9, y, se->muted);
        cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
        text_at(cr, x + 24, y, se->name, 0.0, 0.35);
        y += 18;
    }
}

lw_status lw_plot_png(const lw_plot *p, int width, int height, unsigned char **png, size_t *len, lw_err *err)
{
    frame f = {INFINITY, -INFINITY, INFINITY, -INFINITY, 70, width - 230.0, 34, height - 56.0};
    /* muted series (INVALID runs) widen the time range but not the value range: an outlier
     * must not flatten the valid data; off-scale muted points are drawn on the border */
    bool any_unmuted = false;
    for (size_t s = 0; s < p->nseries; s++)
        any_unmuted |= !p->series[s].muted && p->series[s].n > 0;
    for (size_t s = 0; s < p->nseries; s++)
        for (size_t i = 0; i < p->series[s].n; i++) {
            double x = tx(p->xaxis, p->series[s].x[i]), y = p->series[s].y[i];
            if (!isfinite(x) || !isfinite(y))
                continue;
            f.x0 = fmin(f.x0, x);
            f.x1 = fmax(f.x1, x);
            if (p->series[s].muted && any_unmuted)
                continue;
            f.y0 = fmin(f.y0, y);
            f.y1 = fmax(f.y1, y);
        }
    if (!isfinite(f.x0))
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "plot '%s' has no finite points", p->title);
    if (p->y_from_zero && f.y0 > 0)
        f.y0 = 0;
    double xpad = (f.x1 - f.x0) * 0.05, ypad = (f.y1 - f.y0) * 0.08;
    if (xpad == 0)
        xpad = p->xaxis == LW_AXIS_TIME_NS ? 43200e9 : p->xaxis == LW_AXIS_LOG2 ? 0.5 : fmax(fabs(f.x0) * 0.1, 1);
    if (ypad == 0)
        ypad = fmax(fabs(f.y1) * 0.1, 1);
    f.x0 -= xpad;
    f.x1 += xpad;
    if (!(p->y_from_zero && f.y0 == 0))
        f.y0 -= ypad;
    f.y1 += ypad;

    cairo_surface_t *sf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height);
    cairo_t *cr = cairo_create(sf);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    draw_axes(cr, p, &f);
    cairo_save(cr);
    cairo_rectangle(cr, f.left, f.top, f.right - f.left, f.bottom - f.top);
    cairo_clip(cr);
    for (size_t s = 0; s < p->nseries; s++) {
        const lw_plot_series *se = &p->series[s];
        if (se->muted)
            cairo_set_source_rgb(cr, 0.55, 0.55, 0.55);
        else
            cairo_set_source_rgb(cr, palette[s % NPAL][0], palette[s % NPAL][1], palette[s % NPAL][2]);
        if (se->lines && se->n > 1) {
            cairo_set_line_width(cr, se->n > 200 ? 1.2 : 2);
            bool started = false;
            for (size_t i = 0; i < se->n; i++) {
                double x = tx(p->xaxis, se->x[i]), y = se->y[i];
                if (!isfinite(x) || !isfinite(y))
                    continue;
                if (started)
                    cairo_line_to(cr, px(&f, x), py(&f, y));
                else
                    cairo_move_to(cr, px(&f, x), py(&f, y));
                started = true;
            }
            cairo_stroke(cr);
        }
        cairo_set_line_width(cr, 1.5);
        if (se->n <= 200)
            for (size_t i = 0; i < se->n; i++) {
                double x = tx(p->xaxis, se->x[i]), y = se->y[i];
                if (isfinite(x) && isfinite(y))
                    marker(cr, px(&f, x), py(&f, fmin(fmax(y, f.y0), f.y1)), se->muted);
            }
    }
    cairo_restore(cr);
    draw_legend(cr, p, &f);
    cairo_destroy(cr);
    png_buf b = {NULL, 0, 0, false};
    cairo_status_t cs = cairo_surface_write_to_png_stream(sf, png_write, &b);
    cairo_surface_destroy(sf);
    if (cs != CAIRO_STATUS_SUCCESS || b.oom) {
        free(b.data);
        return lw_fail(err, LW_ERR_NO_MEMORY, "cannot render plot '%s': %s", p->title, cairo_status_to_string(cs));
    }
    *png = b.data;
    *len = b.len;
    return LW_OK;
}
