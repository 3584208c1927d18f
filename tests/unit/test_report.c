/* Report from a 20-run history: configuration rows, cost figures and the rendered tables. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "llmwatt/history.h"
#include "llmwatt/report.h"
#include "testutil.h"

/* workload, precision, batch, seq_len, gpus, avg power W (all GPUs), tokens/s (same as tests/data/costrep/gen_runs.py) */
static const struct {
    const char *w, *p;
    int batch, seq, gpus;
    double power, tps;
} cfg[9] = {
    {"gpt8b", "fp16", 8, 2048, 1, 600, 1200},    {"gpt8b", "fp16", 16, 2048, 1, 700, 2100},
    {"gpt8b", "fp8", 16, 2048, 1, 650, 3250},    {"gpt8b", "fp8", 32, 2048, 1, 700, 4200},
    {"gpt40b", "fp16", 8, 4096, 8, 5600, 5600},  {"gpt40b", "fp16", 16, 4096, 8, 6000, 9000},
    {"gpt40b", "fp8", 16, 4096, 8, 5200, 13000}, {"gpt40b", "fp8", 32, 4096, 8, 5600, 16800},
    {"moe16x8b", "fp16", 16, 2048, 8, 6400, 12800},
};

/* Run i: config i % 9, repetition k = i / 9, throughput x (1 + 0.01 k), day 1 + i of Nov 2026; run 19 INVALID (x10). */
static char *make_run(int i)
{
    int c = i % 9, k = i / 9;
    bool valid = i != 19;
    double tps = cfg[c].tps * (1 + 0.01 * k) * (valid ? 1 : 10), dur = 120, energy = cfg[c].power * dur;
    char *s = malloc(2048);
    snprintf(s, 2048,
             "{\"schema\": \"llmwatt.measurement/1\", \"labels\": {\"workload\": \"%s\", \"precision\": \"%s\", \"batch\": \"%d\","
             " \"seq_len\": \"%d\", \"gpus\": \"%d\"}, \"start_time\": \"2026-11-%02dT12:00:00Z\", \"duration_s\": %g,"
             " \"gpus\": [{\"index\": 0, \"name\": \"NVIDIA B200\"}],"
             " \"aggregate\": {\"energy_j\": %.17g, \"avg_power_w\": %.17g}, \"tokens\": %.17g, \"tokens_per_s\": %.17g,"
             " \"j_per_token\": %.17g, \"tokens_per_j\": %.17g, \"verdict\": {\"valid\": %s, \"criteria\": []}}",
             cfg[c].w, cfg[c].p, cfg[c].batch, cfg[c].seq, cfg[c].gpus, 1 + i, dur, energy, cfg[c].power, tps * dur, tps,
             energy / (tps * dur), tps * dur / energy, valid ? "true" : "false");
    return s;
}

typedef struct fixture {
    lw_catalogue *cat;
    lw_run *runs;
    size_t n;
    char db[256];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->db, sizeof f->db, "/tmp/lw_test_report_%d.db", (int)getpid());
    remove(f->db);
    char *texts[20];
    for (int i = 0; i < 20; i++)
        texts[i] = make_run(i);
    lw_history *h;
    if (lw_history_open(f->db, LW_HISTORY_WRITE, &h, NULL) != LW_OK ||
        lw_history_add_many(h, (const char *const *)texts, 20, 1, NULL, NULL) != LW_OK)
        return -1;
    lw_history_filter q = lw_history_filter_all();
    if (lw_history_query(h, &q, &f->runs, &f->n, NULL) != LW_OK)
        return -1;
    lw_history_close(h);
    for (int i = 0; i < 20; i++)
        free(texts[i]);
    f->cat = lw_test_catalogue();
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    remove(f->db);
    free(f->runs);
    lw_catalogue_free(f->cat);
    free(f);
    return 0;
}

static const lw_report_row *find(const lw_report_row *rows, size_t n, const char *w, const char *p, int batch)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(rows[i].workload, w) && !strcmp(rows[i].precision, p) && rows[i].batch == batch)
            return &rows[i];
    return NULL;
}

/* Wall energy of 1M tokens at tokens/J t: 1e6 / t J x 1.2 / 0.95, in kWh. */
static double kwh_per_m(double t)
{
    return 1e6 / t * 1.2 / 0.95 / 3.6e6;
}

static void test_rows(void **state)
{
    fixture *f = *state;
    assert_int_equal(f->n, 20);
    lw_report_row *rows;
    size_t n;
    assert_int_equal(lw_report_rows(f->cat, f->runs, f->n, 0.10, &rows, &n, NULL), LW_OK);
    assert_int_equal(n, 9);
    /* gpt8b fp16 b8: runs 0, 9, 18 (k = 0, 1, 2): mean tokens/s 1200 x 1.01 = 1212; tokens/J 1212 / 600 = 2.02 */
    const lw_report_row *r = find(rows, n, "gpt8b", "fp16", 8);
    assert_non_null(r);
    assert_int_equal(r->runs, 3);
    assert_rel(r->tokens_per_s, 1212, 1e-12);
    assert_rel(r->avg_power_w, 600, 1e-12);
    assert_rel(r->tokens_per_j, 2.02, 1e-12);
    assert_rel(r->cost_usd_per_million, kwh_per_m(2.02) * 0.10, 1e-12);
    /* wall power 600 x 1.2 / 0.95 = 757.89 W; $0.10/kWh -> $0.075789 per hour */
    assert_rel(r->cost_usd_per_hour, 600 * 1.2 / 0.95 / 1000 * 0.10, 1e-12);
    /* gpt8b fp16 b16: runs 1, 10 valid (k = 0, 1), run 19 INVALID excluded: 2100 x 1.005 */
    r = find(rows, n, "gpt8b", "fp16", 16);
    assert_int_equal(r->runs, 2);
    assert_rel(r->tokens_per_s, 2110.5, 1e-12);
    assert_rel(r->tokens_per_j, 3.015, 1e-12);
    /* gpt40b fp8 b32 on 8 GPUs: 16800 x 1.005 / 5600 = 3.015 */
    r = find(rows, n, "gpt40b", "fp8", 32);
    assert_int_equal(r->gpus, 8);
    assert_rel(r->tokens_per_j, 3.015, 1e-12);
    free(rows);
    lw_err err;
    assert_int_equal(lw_report_rows(f->cat, f->runs, f->n, -1, &rows, &n, &err), LW_ERR_INVALID_ARGUMENT);
}

static char *render(fixture *f, lw_report_format fmt, const char *name)
{
    char path[300];
    snprintf(path, sizeof path, "/tmp/lw_test_report_%d_%s", (int)getpid(), name);
    lw_report_opts o = lw_report_opts_default(f->cat);
    o.format = fmt;
    o.output_path = path;
    o.source = "test";
    o.generated_ns = 1;
    lw_err err;
    lw_status st = lw_report_write(f->cat, f->runs, f->n, &o, &err);
    if (st != LW_OK)
        fail_msg("report: %s", lw_err_message(&err));
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    char *buf = calloc(1, 1 << 20);
    size_t len = fread(buf, 1, (1 << 20) - 1, fp);
    fclose(fp);
    buf[len] = '\0';
    remove(path);
    return buf;
}

static void test_markdown_tables(void **state)
{
    fixture *f = *state;
    char *md = render(f, LW_REPORT_MARKDOWN, "r.md");
    char line[512];
    /* baseline row: FP16 batch 8, 3 runs, 1212.0 tok/s, 600.0 W, 2.020 tokens/J, $0.0174 (= 0.1737 kWh x $0.10) */
    snprintf(line, sizeof line, "| FP16 | 8 | 2048 | 1 | 3 | 1212.0 | 600.0 | 2.020 | $%.4f |", kwh_per_m(2.02) * 0.10);
    assert_non_null(strstr(md, line));
    /* FP8 vs FP16 at batch 16: 5.025 / 3.015 = 1.6667 -> +66.7% for gpt8b; 2.5125 / 1.5075 for gpt40b */
    assert_non_null(strstr(md, "FP8 provides +66.7% tokens/J over FP16 (mean of 1 matched configuration(s): batch 16/seq 2048/1 GPU"));
    const char *g40 = strstr(md, "### gpt40b");
    assert_non_null(g40);
    assert_non_null(strstr(g40, "FP8 provides +66.7% tokens/J over FP16 (mean of 1 matched configuration(s): batch 16/seq 4096/8 GPU"));
    /* batch finding: gpt8b fp8 6.030 at batch 32 = 1.20x batch 16 */
    assert_non_null(strstr(md, "FP8, seq 2048, 1 GPU: tokens/J rises with batch size up to the largest measured, batch 32 (6.030"));
    /* scenario 3: gpt8b FP8 b32 at $0.30: wall 700 x 1.2 / 0.95 = 884.2 W, $0.2653/h */
    snprintf(line, sizeof line, "| gpt8b FP8 | 32 | 4221.0 | 884.2 | $%.4f | $%.4f |", kwh_per_m(6.03) * 0.30, 700 * 1.2 / 0.95 / 1000 * 0.30);
    assert_non_null(strstr(md, line));
    /* break-even, GPT-4 Turbo vs gpt40b FP8 b32 (8 GPUs, $200,000): energy $/1M = kwh_per_m(3.015) x 0.10;
     * tokens = 200,000 / ((10 - energy) / 1e6); months = tokens / (16884 tok/s x 3600 x 730) */
    double e = kwh_per_m(3.015) * 0.10, tokens = 200000 / ((10 - e) / 1e6), months = tokens / (16884.0 * 3600 * 730);
    snprintf(line, sizeof line, "| OpenAI GPT-4 Turbo | $10.00 | $%.4f | %.3f billion | %.3g months |",
             e + 200000.0 / 26280 / (16884.0 * 3600) * 1e6, tokens / 1e9, months);
    assert_non_null(strstr(md, line));
    /* seed rows without data say so, never TBD */
    assert_non_null(strstr(md, "| FP16 (seed plan) | 4 | 16384 | 1 | 0 | no data |"));
    assert_null(strstr(md, "TBD"));
    assert_non_null(strstr(md, "run 20, 2026-11-20T12:00:00Z: gpt8b fp16 batch 16")); /* INVALID listed */
    assert_non_null(strstr(md, "Skipped: no samples CSV given"));
    free(md);
    char stem[300];
    snprintf(stem, sizeof stem, "/tmp/lw_test_report_%d_r-tokens-per-j-vs-batch.png", (int)getpid());
    FILE *png = fopen(stem, "rb");
    assert_non_null(png); /* the plot was written beside the document */
    unsigned char sig[8];
    assert_int_equal(fread(sig, 1, 8, png), 8);
    fclose(png);
    assert_memory_equal(sig, "\x89PNG\r\n\x1a\n", 8);
    remove(stem);
    snprintf(stem, sizeof stem, "/tmp/lw_test_report_%d_r-tokens-per-j-over-time.png", (int)getpid());
    remove(stem);
}

static void test_html_one_file(void **state)
{
    fixture *f = *state;
    char *html = render(f, LW_REPORT_HTML, "r.html");
    assert_non_null(strstr(html, "<!DOCTYPE html>"));
    assert_non_null(strstr(html, "<td>gpt8b</td><td>FP16</td><td>1</td><td>3.015</td>"));
    /* two plots embedded (no samples CSV) */
    const char *p = html;
    int imgs = 0;
    while ((p = strstr(p, "data:image/png;base64,iVBORw0KGgo")))
        imgs++, p++;
    assert_int_equal(imgs, 2);
    free(html);
}

static void test_empty(void **state)
{
    fixture *f = *state;
    lw_report_opts o = lw_report_opts_default(f->cat);
    o.output_path = "/tmp/never-written.md";
    lw_err err;
    assert_int_equal(lw_report_write(f->cat, f->runs, 0, &o, &err), LW_ERR_NOT_FOUND);
    assert_null(fopen("/tmp/never-written.md", "rb"));
}

static void test_format_from_path(void **state)
{
    (void)state;
    lw_report_format f = LW_REPORT_HTML;
    assert_true(lw_report_format_from_path("out/report.md", &f) && f == LW_REPORT_MARKDOWN);
    assert_true(lw_report_format_from_path("r.markdown", &f) && f == LW_REPORT_MARKDOWN);
    assert_true(lw_report_format_from_path("r.HTML", &f) && f == LW_REPORT_HTML);
    assert_true(lw_report_format_from_path("r.htm", &f) && f == LW_REPORT_HTML);
    assert_true(lw_report_format_from_path("x.PDF", &f) && f == LW_REPORT_PDF);
    assert_false(lw_report_format_from_path("x.odt", &f));
    assert_false(lw_report_format_from_path("report", &f));
    assert_false(lw_report_format_from_path("dir.md/report", &f)); /* the dot is in a directory */
    assert_true(lw_report_format_parse("markdown", &f) && f == LW_REPORT_MARKDOWN);
    assert_true(lw_report_format_parse("html", &f) && f == LW_REPORT_HTML);
    assert_true(lw_report_format_parse("pdf", &f) && f == LW_REPORT_PDF);
    assert_false(lw_report_format_parse("odt", &f));
}

/* Options not started from an initialiser are refused naming the fix; the defaults are seed 004's. */
static void test_opts_version(void **state)
{
    fixture *f = *state;
    lw_report_opts o;
    lw_err err;
    memset(&o, 0, sizeof o);
    o.output_path = "/tmp/never-written.md";
    assert_int_equal(lw_report_write(f->cat, f->runs, f->n, &o, &err), LW_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(lw_err_message(&err), "lw_report_opts_default()"));
    assert_null(fopen("/tmp/never-written.md", "rb"));
    assert_int_equal(lw_report_opts_init(&o, LW_REPORT_OPTS_VERSION + 1, f->cat, &err), LW_ERR_VERSION);
    assert_int_equal(lw_report_opts_init(&o, LW_REPORT_OPTS_VERSION, NULL, &err), LW_OK);
    assert_rel(o.price_usd_per_kwh, 0.10, 0);   /* seed 004 scenario 1 */
    assert_rel(o.regression_ratio, 0.9, 0);     /* seed 004 */
    assert_true(o.grid_g_per_kwh < 0 && o.drift == NULL && o.format == LW_REPORT_MARKDOWN);
    lw_report_opts d = lw_report_opts_default(f->cat);
    assert_int_equal(d.version, LW_REPORT_OPTS_VERSION);
    /* the runs carry their version too: a record not started from LW_RUN_INIT is refused */
    lw_run bad[2];
    memcpy(bad, f->runs, sizeof bad);
    bad[1].version = 0;
    lw_report_row *rows = NULL;
    size_t n = 0;
    assert_int_equal(lw_report_rows(f->cat, bad, 2, 0.10, &rows, &n, &err), LW_ERR_INVALID_ARGUMENT);
    assert_string_equal(lw_err_message(&err), "lw_run has version 0: start it from LW_RUN_INIT");
    d.output_path = "/tmp/never-written.md";
    assert_int_equal(lw_report_write(f->cat, bad, 2, &d, &err), LW_ERR_INVALID_ARGUMENT);
    assert_null(fopen("/tmp/never-written.md", "rb"));
    assert_int_equal(lw_report_rows(f->cat, bad, 1, 0.10, &rows, &n, &err), LW_OK);
    free(rows);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows),
        cmocka_unit_test(test_markdown_tables),
        cmocka_unit_test(test_html_one_file),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_format_from_path),
        cmocka_unit_test(test_opts_version),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
