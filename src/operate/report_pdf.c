/* The report as PDF: renders the document's element stream (report_int.h) with cairo's PDF
 * surface on A4 pages: wrapped text, headings, bullets, code, tables shrunk to the page width,
 * and the PNG plots scaled to fit. */
#include <cairo-pdf.h>
#include <cairo.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "operate/report_int.h"

#define PAGE_W 595.0 /* A4 in points */
#define PAGE_H 842.0
#define MARGIN 48.0
#define MAX_COLS 16

typedef struct out_buf {
    unsigned char *p;
    size_t len, cap;
    bool oom;
} out_buf;

static cairo_status_t out_write(void *closure, const unsigned char *data, unsigned int n)
{
    out_buf *b = closure;
    if (b->len + n > b->cap) {
        size_t nc = (b->cap ? b->cap * 2 : 1 << 16) + n;
        unsigned char *np = realloc(b->p, nc);
        if (!np) {
            b->oom = true;
            return CAIRO_STATUS_WRITE_ERROR;
        }
        b->p = np;
        b->cap = nc;
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
    return CAIRO_STATUS_SUCCESS;
}

typedef struct pen {
    cairo_t *cr;
    double y;
    int page;
} pen;

static void new_page(pen *p)
{
    cairo_show_page(p->cr);
    p->y = MARGIN;
    p->page++;
}

static void need(pen *p, double h)
{
    if (p->y + h > PAGE_H - MARGIN && p->y > MARGIN)
        new_page(p);
}

static void font(cairo_t *cr, bool mono, bool bold, double size)
{
    cairo_select_font_face(cr, mono ? "DejaVu Sans Mono" : "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
}

static double text_w(cairo_t *cr, const char *s)
{
    cairo_text_extents_t te;
    cairo_text_extents(cr, s, &te);
    return te.x_advance;
}

/* Writes s wrapped to width w starting at x, advancing the pen by lines of height lh. */
static void wrapped(pen *p, const char *s, double x, double w, double lh)
{
    size_t n = strlen(s);
    char *line = malloc(n + 1), *word = malloc(n + 1);
    if (!line || !word) {
        free(line);
        free(word);
        return;
    }
    line[0] = '\0';
    const char *q = s;
    while (*q) {
        while (*q == ' ')
            q++;
        size_t k = strcspn(q, " ");
        if (!k)
            break;
        memcpy(word, q, k);
        word[k] = '\0';
        q += k;
        size_t ll = strlen(line);
        if (ll) {
            line[ll] = ' ';
            memcpy(line + ll + 1, word, k + 1);
        } else
            memcpy(line, word, k + 1);
        if (ll && text_w(p->cr, line) > w) {
            line[ll] = '\0';
            need(p, lh);
            cairo_move_to(p->cr, x, p->y + lh * 0.78);
            cairo_show_text(p->cr, line);
            p->y += lh;
            memcpy(line, word, k + 1);
        }
    }
    if (line[0]) {
        need(p, lh);
        cairo_move_to(p->cr, x, p->y + lh * 0.78);
        cairo_show_text(p->cr, line);
        p->y += lh;
    }
    free(line);
    free(word);
}

/* Splits a stream line into tab-separated fields in place; returns the count. */
static int split(char *s, char **f, int max)
{
    int n = 0;
    while (n < max) {
        f[n++] = s;
        char *t = strchr(s, '\t');
        if (!t)
            break;
        *t = '\0';
        s = t + 1;
    }
    return n;
}

typedef struct table {
    char *rows[512];
    int nrows;
} table;

/* Draws a table: font shrunk (down to 5 pt) until the widest cells fit the page; cells that
 * still do not fit are cut. */
static void draw_table(pen *p, table *t)
{
    double avail = PAGE_W - 2 * MARGIN, colw[MAX_COLS], size = 8.5;
    char *f[MAX_COLS];
    int ncols = 0;
    for (;; size -= 0.5) {
        memset(colw, 0, sizeof colw);
        for (int r = 0; r < t->nrows; r++) {
            char *copy = strdup(t->rows[r]);
            if (!copy)
                return;
            int n = split(copy, f, MAX_COLS);
            font(p->cr, false, r == 0, size);
            for (int i = 1; i < n; i++) {
                double w = text_w(p->cr, f[i]) + 8;
                if (w > colw[i - 1])
                    colw[i - 1] = w;
            }
            if (n - 1 > ncols)
                ncols = n - 1;
            free(copy);
        }
        double total = 0;
        for (int i = 0; i < ncols; i++)
            total += colw[i];
        if (total <= avail || size <= 5) {
            for (int i = 0; i < ncols && total > avail; i++)
                colw[i] *= avail / total;
            break;
        }
    }
    double lh = size * 1.6;
    for (int r = 0; r < t->nrows; r++) {
        need(p, lh);
        int n = split(t->rows[r], f, MAX_COLS);
        double x = MARGIN;
        if (r == 0) {
            cairo_set_source_rgb(p->cr, 0.92, 0.92, 0.92);
            cairo_rectangle(p->cr, MARGIN, p->y, avail, lh);
            cairo_fill(p->cr);
        }
        cairo_set_source_rgb(p->cr, 0, 0, 0);
        font(p->cr, false, r == 0, size);
        for (int i = 1; i < n && i - 1 < ncols; i++) {
            cairo_save(p->cr);
            cairo_rectangle(p->cr, x, p->y, colw[i - 1], lh);
            cairo_clip(p->cr);
            double w = text_w(p->cr, f[i]);
            /* first column left-aligned, numbers right-aligned */
            double tx = i == 1 ? x + 4 : x + colw[i - 1] - 4 - w;
            cairo_move_to(p->cr, tx, p->y + lh * 0.7);
            cairo_show_text(p->cr, f[i]);
            cairo_restore(p->cr);
            x += colw[i - 1];
        }
        p->y += lh;
        cairo_set_source_rgb(p->cr, 0.75, 0.75, 0.75);
        cairo_set_line_width(p->cr, 0.4);
        cairo_move_to(p->cr, MARGIN, p->y);
        cairo_line_to(p->cr, MARGIN + avail, p->y);
        cairo_stroke(p->cr);
        cairo_set_source_rgb(p->cr, 0, 0, 0);
    }
    p->y += 8;
    t->nrows = 0;
}

typedef struct png_src {
    const unsigned char *p;
    size_t len, at;
} png_src;

static cairo_status_t png_read(void *closure, unsigned char *data, unsigned int n)
{
    png_src *s = closure;
    if (s->at + n > s->len)
        return CAIRO_STATUS_READ_ERROR;
    memcpy(data, s->p + s->at, n);
    s->at += n;
    return CAIRO_STATUS_SUCCESS;
}

static void draw_image(pen *p, const unsigned char *png, size_t len)
{
    png_src src = {png, len, 0};
    cairo_surface_t *img = cairo_image_surface_create_from_png_stream(png_read, &src);
    if (cairo_surface_status(img) == CAIRO_STATUS_SUCCESS) {
        double w = cairo_image_surface_get_width(img), h = cairo_image_surface_get_height(img);
        double scale = (PAGE_W - 2 * MARGIN) / w;
        if (h * scale > PAGE_H - 2 * MARGIN)
            scale = (PAGE_H - 2 * MARGIN) / h;
        need(p, h * scale);
        cairo_save(p->cr);
        cairo_translate(p->cr, MARGIN, p->y);
        cairo_scale(p->cr, scale, scale);
        cairo_set_source_surface(p->cr, img, 0, 0);
        cairo_paint(p->cr);
        cairo_restore(p->cr);
        p->y += h * scale + 10;
    }
    cairo_surface_destroy(img);
}

lw_status lw_doc_render_pdf(const lw_doc *d, unsigned char **pdf, size_t *len, lw_err *err)
{
    out_buf ob = {NULL, 0, 0, false};
    char *text = strdup(d->buf ? d->buf : "");
    table *t = calloc(1, sizeof *t);
    if (!text || !t) {
        free(text);
        free(t);
        return lw_fail(err, LW_ERR_NO_MEMORY, "out of memory rendering the PDF");
    }
    cairo_surface_t *surf = cairo_pdf_surface_create_for_stream(out_write, &ob, PAGE_W, PAGE_H);
    cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_TITLE, "Power Efficiency Baselines");
    cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_CREATOR, "llmwatt");
    pen p = {cairo_create(surf), MARGIN, 1};
    double w = PAGE_W - 2 * MARGIN;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char tag = line[0];
        char *body = strchr(line, '\t');
        body = body ? body + 1 : line + strlen(line);
        if ((tag == 'T' || tag == 'R') && t->nrows < 512) {
            t->rows[t->nrows++] = line;
            continue;
        }
        if (t->nrows)
            draw_table(&p, t);
        cairo_set_source_rgb(p.cr, 0, 0, 0);
        switch (tag) {
        case 'H': {
            int level = line[1] - '0';
            double size = level <= 1 ? 18 : level == 2 ? 14 : 11.5;
            p.y += level <= 1 ? 0 : 8;
            need(&p, size * 3);
            font(p.cr, false, true, size);
            wrapped(&p, body, MARGIN, w, size * 1.35);
            p.y += 4;
            break;
        }
        case 'P':
            font(p.cr, false, false, 9.5);
            wrapped(&p, body, MARGIN, w, 13);
            p.y += 5;
            break;
        case 'L':
            font(p.cr, false, false, 9.5);
            need(&p, 13);
            cairo_move_to(p.cr, MARGIN + 4, p.y + 13 * 0.78);
            cairo_show_text(p.cr, "\xe2\x80\xa2");
            wrapped(&p, body, MARGIN + 16, w - 16, 13);
            p.y += 2;
            break;
        case 'C':
            font(p.cr, true, false, 7.5);
            wrapped(&p, body, MARGIN + 6, w - 6, 10);
            break;
        case 'I': {
            int i = atoi(body);
            if (i >= 0 && i < d->nimg)
                draw_image(&p, d->img[i].png, d->img[i].len);
            break;
        }
        default: break;
        }
    }
    if (t->nrows)
        draw_table(&p, t);
    cairo_destroy(p.cr);
    cairo_surface_finish(surf);
    cairo_status_t cs = cairo_surface_status(surf);
    cairo_surface_destroy(surf);
    free(text);
    free(t);
    if (ob.oom || cs != CAIRO_STATUS_SUCCESS) {
        free(ob.p);
        return lw_fail(err, LW_ERR_IO, "cairo could not render the PDF: %s", ob.oom ? "out of memory" : cairo_status_to_string(cs));
    }
    *pdf = ob.p;
    *len = ob.len;
    return LW_OK;
}
