/* Internal: the document writer behind the report (Markdown or one-file HTML). */
#ifndef LW_REPORT_INT_H
#define LW_REPORT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include "llmwatt/report.h"

#define LW_DOC_MAX_IMAGES 16

typedef struct lw_doc {
    lw_report_format fmt;
    char *buf;
    size_t len, cap;
    bool oom;
    bool in_list;
    char stem[512];      /* output path without ".md"/".html": images are STEM-NAME.png */
    char stem_base[256]; /* basename of stem, for links */
    struct {
        char path[600];
        unsigned char *png;
        size_t len;
    } img[LW_DOC_MAX_IMAGES];
    int nimg;
} lw_doc;

void lw_doc_init(lw_doc *d, lw_report_format fmt, const char *output_path);
void lw_doc_free(lw_doc *d);
/* Headings, paragraphs and bullets take printf formats; text is escaped for the format. */
void lw_doc_h(lw_doc *d, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void lw_doc_p(lw_doc *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void lw_doc_li(lw_doc *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void lw_doc_code(lw_doc *d, const char *text);
void lw_doc_table_head(lw_doc *d, int ncols, const char *const *headers);
void lw_doc_table_row(lw_doc *d, int ncols, const char *const *cells);
void lw_doc_table_end(lw_doc *d);
/* Adds a PNG (the document takes ownership of png). */
void lw_doc_image(lw_doc *d, const char *name, const char *alt, unsigned char *png, size_t len);
/* Writes the images (Markdown) and then the document, each atomically. */
lw_status lw_doc_write(lw_doc *d, const char *path, lw_err *err);

/* PDF: the document is kept as a stream of elements, one per line, fields separated by tabs
 * ("H2\ttext", "P\ttext", "L\ttext", "C\tline", "T\tcell\tcell", "R\tcell\tcell", "E", "I\tindex");
 * lw_doc_write renders it with cairo's PDF surface into *pdf (heap, free()). */
lw_status lw_doc_render_pdf(const lw_doc *d, unsigned char **pdf, size_t *len, lw_err *err);

/* Power-over-a-run plot from a samples CSV (PNG in *png), with a one-line description. */
lw_status lw_report_power_plot(const char *csv_path, unsigned char **png, size_t *len, char *desc, size_t desc_n, lw_err *err);

#endif
