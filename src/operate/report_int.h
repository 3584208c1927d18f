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

/* ---- the document's sections, shared by report.c, report_tco.c and report_plots.c ---- */

#define LW_REPORT_NO_DATA "no data"

/* What every section reads while the document is written. */
typedef struct lw_report_ctx {
    const lw_catalogue *cat;
    const lw_run *runs;
    size_t nruns;
    const lw_report_opts *o;
    lw_report_row *rows;
    size_t nrows;
    lw_doc doc;
    size_t *baseline;   /* per run: index of its configuration's first usable run (SIZE_MAX: none) */
    bool *regressed;    /* per run: tokens/J below regression_ratio x its baseline's */
    size_t nregressed;
    bool multi_gpu;     /* the usable runs hold several GPU types: plot series name the GPU */
} lw_report_ctx;

/* A valid measurement with tokens/J, power and throughput: it enters the tables. */
bool lw_report_usable(const lw_run *r);
/* v with `decimals` decimals after prefix ("$"), or "no data" when unknown. */
const char *lw_report_fmtv(char *b, size_t n, const char *prefix, int decimals, double v);
/* src in upper case into dst (n bytes). */
void lw_report_upper(char *dst, const char *src, size_t n);
/* Best (highest tokens/J) row of workload/precision/gpus (gpus 0: any); NULL if none. */
const lw_report_row *lw_report_best_row(const lw_report_ctx *c, const char *workload, const char *precision, int gpus);

/* report_tco.c */
void lw_report_gpu_comparison(lw_report_ctx *c);
void lw_report_tco_section(lw_report_ctx *c);
void lw_report_grid_section(lw_report_ctx *c);
/* report_plots.c: the PNG plots (Markdown beside the document, HTML/PDF inside it) */
lw_status lw_report_plots(lw_report_ctx *c, lw_err *err);

#endif
