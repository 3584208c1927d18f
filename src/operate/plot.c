/* Line and scatter charts with cairo: axes with round ticks, grid, bands, legend; PNG or SVG. */
#include "llmwatt/plot.h"

#include <cairo-svg.h>
#include <cairo.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "llmwatt/io.h"
#include "core/util.h"

/* Colour-blind-safe palette (Okabe-Ito), then four more distinct hues. */
static const double palette[][3] = {{0.00, 0.45, 0.70}, {0.90, 0.62, 0.00}, {0.00, 0.62, 0.45}, {0.80, 0.47, 0.65},
                                    {0.34, 0.71, 0.91}, {0.84, 0.37, 0.00}, {0.85, 0.78, 0.10}, {0.30, 0.30, 0.30},
                                    {0.55, 0.27, 0.07}, {0.45, 0.10, 0.60}, {0.60, 0.75, 0.20}, {0.00, 0.00, 0.00}};
#define NPAL (sizeof palette / sizeof palette[0])

typedef struct byte_buf {
    unsigned char *data;
    size_t len, cap;
    bool oom;
} byte_buf;

static cairo_status_t buf_write(void *closure, const unsigned char *data, unsigned int length)
{
    byte_buf *b = closure;
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

/* Coordinates on the drawing axes: log axes are drawn in log space. */
static double tx(const lw_plot *p, double v)
{
    return p->xaxis == LW_AXIS_LOG2 ? log2(v) : v;
}

static double ty(const lw_plot *p, double v)
{
    return p->ylog ? log10(v) : v;
}

static bool drawable(const lw_plot *p, double x, double y)
{
    return isfinite(x) && isfinite(y) && (p->xaxis != LW_AXIS_LOG2 || x > 0) && (!p->ylog || y > 0);
}

static double nice_step(double range, int target)
{
    double raw = range / target;
    double mag = pow(10, floor(log10(raw)));
    double f = raw / mag;
    return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
}

typedef struct frame {
    double x0, x1, y0, y1; /* data range (axis coordinates) */
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

static void grid_x(cairo_t *cr, const frame *f, double v, const char *label)
{
    cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
    cairo_move_to(cr, px(f, v), f->top);
    cairo_line_to(cr, px(f, v), f->bottom);
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    text_at(cr, px(f, v), f->bottom + 8, label, 0.5, 1.0);
}

static void grid_y(cairo_t *cr, const frame *f, double v, const char *label)
{
    cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
    cairo_move_to(cr, f->left, py(f, v));
    cairo_line_to(cr, f->right, py(f, v));
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    text_at(cr, f->left - 6, py(f, v), label, 1.0, 0.5);
}

static void draw_axes(cairo_t *cr, const lw_plot *p, const frame *f)
{
    char b[48];
    cairo_set_line_width(cr, 1);
    cairo_set_font_size(cr, 12);
    if (p->ylog) { /* 1-2-5 ticks per decade; powers of ten only over many decades */
        static const double mult[3] = {1, 2, 5};
        int per = f->y1 - f->y0 > 3 ? 1 : 3;
        for (double d = floor(f->y0); d <= f->y1; d += 1)
            for (int k = 0; k < per; k++) {
                double v = d + log10(mult[k]);
                if (v >= f->y0 && v <= f->y1) {
                    snprintf(b, sizeof b, "%g", pow(10, v));
                    grid_y(cr, f, v, b);
                }
            }
    } else {
        double ys = nice_step(f->y1 - f->y0, 6);
        for (double v = ceil(f->y0 / ys) * ys; v <= f->y1 + ys * 1e-9; v += ys) {
            snprintf(b, sizeof b, "%g", fabs(v) < ys * 1e-6 ? 0.0 : v);
            grid_y(cr, f, v, b);
        }
    }
    if (p->xaxis == LW_AXIS_LOG2) {
        double step = f->x1 - f->x0 > 12 ? 2 : 1;
        for (double v = ceil(f->x0); v <= f->x1 + 1e-9; v += step) {
            snprintf(b, sizeof b, "%g", pow(2, v));
            grid_x(cr, f, v, b);
        }
    } else if (p->xaxis == LW_AXIS_TIME_NS) {
        double day = 86400e9, span = f->x1 - f->x0;
        double step = span <= 8 * day ? day : span <= 40 * day ? 7 * day : span <= 200 * day ? 30 * day : 365 * day;
        for (double v = ceil(f->x0 / day) * day; v <= f->x1; v += step) {
            time_t secs = (time_t)(v / 1e9);
            struct tm tm;
            gmtime_r(&secs, &tm);
            strftime(b, sizeof b, "%Y-%m-%d", &tm);
            grid_x(cr, f, v, b);
        }
    } else if (p->xaxis == LW_AXIS_CATEGORY) {
        for (double v = ceil(f->x0); v <= f->x1; v += 1)
            if (p->xlabels && p->nseries > 0 && v >= 0 && (size_t)v < p->series[0].n)
                grid_x(cr, f, v, p->xlabels[(size_t)v]);
    } else {
        double xs = nice_step(f->x1 - f->x0, 8);
        for (double v = ceil(f->x0 / xs) * xs; v <= f->x1 + xs * 1e-9; v += xs) {
            snprintf(b, sizeof b, "%g", fabs(v) < xs * 1e-6 ? 0.0 : v);
            grid_x(cr, f, v, b);
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

static void set_colour(cairo_t *cr, const lw_plot_series *se, size_t s, double alpha)
{
    if (se->muted)
        cairo_set_source_rgba(cr, 0.55, 0.55, 0.55, alpha);
    else
        cairo_set_source_rgba(cr, palette[s % NPAL][0], palette[s % NPAL][1], palette[s % NPAL][2], alpha);
}

static bool has_legend(const lw_plot *p)
{
    return p->nseries > 1 || (p->nseries == 1 && p->series[0].name[0]);
}

static void draw_legend(cairo_t *cr, const lw_plot *p, const frame *f)
{
    cairo_set_font_size(cr, 11);
    double x = f->right + 12, y = f->top + 8;
    for (size_t s = 0; s < p->nseries; s++) {
        const lw_plot_series *se = &p->series[s];
        set_colour(cr, se, s, 1.0);
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

/* The data range, padded. Muted series (INVALID runs) widen x but not y: an outlier must not
 * flatten the valid data; their off-scale points are drawn on the border. */
static lw_status fit_frame(const lw_plot *p, frame *f, lw_err *err)
{
    bool any_unmuted = false;
    for (size_t s = 0; s < p->nseries; s++)
        any_unmuted |= !p->series[s].muted && p->series[s].n > 0;
    for (size_t s = 0; s < p->nseries; s++) {
        const lw_plot_series *se = &p->series[s];
        for (size_t i = 0; i < se->n; i++) {
            if (!drawable(p, se->x[i], se->y[i]))
                continue;
            double x = tx(p, se->x[i]);
            f->x0 = fmin(f->x0, x);
            f->x1 = fmax(f->x1, x);
            if (se->muted && any_unmuted)
                continue;
            double lo = se->ylow && drawable(p, se->x[i], se->ylow[i]) ? se->ylow[i] : se->y[i];
            double hi = se->yhigh && drawable(p, se->x[i], se->yhigh[i]) ? se->yhigh[i] : se->y[i];
            f->y0 = fmin(f->y0, ty(p, fmin(lo, se->y[i])));
            f->y1 = fmax(f->y1, ty(p, fmax(hi, se->y[i])));
        }
    }
    if (!isfinite(f->x0) || !isfinite(f->y0))
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "plot '%s' has no drawable point (finite, and > 0 on a log axis)",
                       p->title);
    bool zero = p->y_from_zero && !p->ylog && f->y0 > 0;
    if (zero)
        f->y0 = 0;
    double xpad = (f->x1 - f->x0) * 0.05, ypad = (f->y1 - f->y0) * 0.08;
    if (xpad == 0)
        xpad = p->xaxis == LW_AXIS_TIME_NS ? 43200e9 : p->xaxis == LW_AXIS_LINEAR ? fmax(fabs(f->x0) * 0.1, 1) : 0.5;
    if (ypad == 0)
        ypad = p->ylog ? 0.1 : fmax(fabs(f->y1) * 0.1, 1);
    f->x0 -= xpad;
    f->x1 += xpad;
    if (!zero)
        f->y0 -= ypad;
    f->y1 += ypad;
    return LW_OK;
}

static void draw_series(cairo_t *cr, const lw_plot *p, const frame *f, size_t s)
{
    const lw_plot_series *se = &p->series[s];
    if (se->ylow && se->yhigh && se->n > 1) { /* band: upper edge forward, lower edge back */
        bool started = false;
        for (size_t i = 0; i < se->n; i++)
            if (drawable(p, se->x[i], se->yhigh[i])) {
                (started ? cairo_line_to : cairo_move_to)(cr, px(f, tx(p, se->x[i])), py(f, ty(p, se->yhigh[i])));
                started = true;
            }
        for (size_t i = se->n; i-- > 0;)
            if (drawable(p, se->x[i], se->ylow[i]))
                cairo_line_to(cr, px(f, tx(p, se->x[i])), py(f, ty(p, se->ylow[i])));
        cairo_close_path(cr);
        set_colour(cr, se, s, 0.2);
        cairo_fill(cr);
    }
    set_colour(cr, se, s, 1.0);
    if (se->lines && se->n > 1) {
        cairo_set_line_width(cr, se->n > 200 ? 1.2 : 2);
        bool started = false;
        for (size_t i = 0; i < se->n; i++)
            if (drawable(p, se->x[i], se->y[i])) {
                (started ? cairo_line_to : cairo_move_to)(cr, px(f, tx(p, se->x[i])), py(f, ty(p, se->y[i])));
                started = true;
            }
        cairo_stroke(cr);
    }
    cairo_set_line_width(cr, 1.5);
    if (se->n > 200)
        return;
    for (size_t i = 0; i < se->n; i++) {
        if (!drawable(p, se->x[i], se->y[i]))
            continue;
        double x = px(f, tx(p, se->x[i]));
        marker(cr, x, py(f, fmin(fmax(ty(p, se->y[i]), f->y0), f->y1)), se->muted);
        if (se->ylow && se->yhigh && se->n == 1 && drawable(p, se->x[i], se->ylow[i]) &&
            drawable(p, se->x[i], se->yhigh[i])) { /* one point: its band as an error bar */
            cairo_move_to(cr, x, py(f, ty(p, se->ylow[i])));
            cairo_line_to(cr, x, py(f, ty(p, se->yhigh[i])));
            cairo_stroke(cr);
        }
    }
}

static lw_status render(cairo_surface_t *sf, const lw_plot *p, int width, int height, lw_err *err)
{
    frame f = {INFINITY, -INFINITY, INFINITY, -INFINITY, 80, width - (has_legend(p) ? 230.0 : 30.0), 34, height - 56.0};
    lw_status st = fit_frame(p, &f, err);
    if (st != LW_OK)
        return st;
    cairo_t *cr = cairo_create(sf);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    draw_axes(cr, p, &f);
    cairo_save(cr);
    cairo_rectangle(cr, f.left, f.top, f.right - f.left, f.bottom - f.top);
    cairo_clip(cr);
    for (size_t s = 0; s < p->nseries; s++)
        draw_series(cr, p, &f, s);
    cairo_restore(cr);
    if (has_legend(p))
        draw_legend(cr, p, &f);
    cairo_status_t cs = cairo_status(cr);
    cairo_destroy(cr);
    if (cs != CAIRO_STATUS_SUCCESS)
        return lw_fail(err, LW_ERR_NO_MEMORY, "cannot render plot '%s': %s", p->title, cairo_status_to_string(cs));
    return LW_OK;
}

lw_status lw_plot_png(const lw_plot *p, int width, int height, unsigned char **png, size_t *len, lw_err *err)
{
    cairo_surface_t *sf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height);
    lw_status st = render(sf, p, width, height, err);
    byte_buf b = {NULL, 0, 0, false};
    if (st == LW_OK) {
        cairo_status_t cs = cairo_surface_write_to_png_stream(sf, buf_write, &b);
        if (cs != CAIRO_STATUS_SUCCESS || b.oom)
            st = lw_fail(err, LW_ERR_NO_MEMORY, "cannot encode plot '%s': %s", p->title, cairo_status_to_string(cs));
    }
    cairo_surface_destroy(sf);
    if (st != LW_OK) {
        free(b.data);
        return st;
    }
    *png = b.data;
    *len = b.len;
    return LW_OK;
}

lw_status lw_plot_write(const char *path, const lw_plot *p, int width, int height, lw_err *err)
{
    const char *ext = strrchr(path, '.');
    bool svg = ext && lw_streq_ci(ext, ".svg");
    if (!svg && !(ext && lw_streq_ci(ext, ".png")))
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "plot file '%s' must end in .svg or .png", path);
    if (!svg) {
        unsigned char *png;
        size_t len;
        lw_status st = lw_plot_png(p, width, height, &png, &len, err);
        if (st != LW_OK)
            return st;
        st = lw_file_write_atomic(path, (const char *)png, len, err);
        free(png);
        return st;
    }
    byte_buf b = {NULL, 0, 0, false};
    cairo_surface_t *sf = cairo_svg_surface_create_for_stream(buf_write, &b, width, height);
    lw_status st = render(sf, p, width, height, err);
    cairo_surface_finish(sf);
    if (st == LW_OK && (cairo_surface_status(sf) != CAIRO_STATUS_SUCCESS || b.oom))
        st = lw_fail(err, LW_ERR_NO_MEMORY, "cannot encode plot '%s'", p->title);
    cairo_surface_destroy(sf);
    if (st == LW_OK)
        st = lw_file_write_atomic(path, (const char *)b.data, b.len, err);
    free(b.data);
    return st;
}
