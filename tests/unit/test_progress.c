/* Progress callbacks of the long library calls (llmwatt/progress.h): lw_calibrate_v2 counts its
 * Nelder-Mead fits, lw_fit_run_v2 its bootstrap resamples; the results do not change. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llmwatt/estimate.h"
#include "llmwatt/scale.h"
#include "testutil.h"

typedef struct calls {
    int n;
    double last_done, total, first_total;
    bool monotonic;
    char what[64];
} calls;

static void record(void *ctx, double done, double total, const char *what)
{
    calls *c = ctx;
    if (c->n == 0)
        c->first_total = total;
    if (c->n > 0 && done < c->last_done)
        c->monotonic = false;
    c->n++;
    c->last_done = done;
    c->total = total;
    snprintf(c->what, sizeof c->what, "%s", what);
}

static void test_fit_counts_resamples(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    char path[512];
    snprintf(path, sizeof path, "%s/scale/synthetic_points.csv", lw_test_data_dir());
    lw_point *pts;
    size_t n;
    assert_int_equal(lw_points_load(path, &pts, &n, NULL), LW_OK);
    lw_fit_opts o = lw_fit_opts_default();
    o.bootstrap = 37;
    calls c = {.monotonic = true};
    lw_progress_opts po = LW_PROGRESS_OPTS_INIT;
    po.progress = record;
    po.progress_ctx = &c;
    lw_fit_result *a, *b;
    assert_int_equal(lw_fit_run_v2(cat, pts, n, &o, &po, &a, NULL), LW_OK);
    /* one call per resample: 1..37 of 37 */
    assert_int_equal(c.n, 37);
    assert_true(c.monotonic);
    assert_true(c.last_done == 37 && c.total == 37 && c.first_total == 37);
    assert_string_equal(c.what, "bootstrap");
    /* same answer as without progress */
    assert_int_equal(lw_fit_run(cat, pts, n, &o, &b, NULL), LW_OK);
    assert_int_equal(lw_fit_coef_count(a), lw_fit_coef_count(b));
    for (size_t i = 0; i < lw_fit_coef_count(a); i++) {
        assert_true(lw_fit_coef_at(a, i, NULL)->value == lw_fit_coef_at(b, i, NULL)->value);
        assert_true(lw_fit_coef_at(a, i, NULL)->low == lw_fit_coef_at(b, i, NULL)->low);
    }
    lw_fit_free(a);
    lw_fit_free(b);
    lw_points_free(pts);
    lw_catalogue_free(cat);
}

/* The first four rows of the shipped points: three Llama-3.1-8B rows on h100-sxm (Hopper) and one
 * on b200 (Blackwell). Hopper: 1 fit + 3 leave-one-row-out fits; Blackwell: 1 fit (one row, no
 * leave-one-out) = 5 fits. */
static void test_calibrate_counts_fits(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    char path[512];
    snprintf(path, sizeof path, "%s/../../data/calibration/points.csv", lw_test_data_dir());
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char buf[16384];
    size_t len = 0;
    for (int line = 0; line < 5 && fgets(buf + len, (int)(sizeof buf - len), f); line++)
        len += strlen(buf + len);
    fclose(f);
    lw_calib_row *rows;
    size_t n;
    assert_int_equal(lw_calib_rows_parse(cat, buf, len, "points", &rows, &n, NULL), LW_OK);
    assert_int_equal(n, 4);
    calls c = {.monotonic = true};
    lw_progress_opts po = LW_PROGRESS_OPTS_INIT;
    po.progress = record;
    po.progress_ctx = &c;
    lw_calibration a, b;
    assert_int_equal(lw_calibrate_v2(cat, rows, n, NULL, &po, &a, NULL), LW_OK);
    assert_int_equal(a.nfamilies, 2);
    assert_true(c.monotonic);
    assert_true(c.total == 5 && c.first_total == 5 && c.last_done == 5);
    assert_non_null(strstr(c.what, "family "));
    assert_int_equal(lw_calibrate(cat, rows, n, NULL, &b, NULL), LW_OK);
    assert_int_equal(a.nfamilies, b.nfamilies);
    for (int k = 0; k < a.nfamilies; k++) {
        assert_string_equal(a.families[k].family, b.families[k].family);
        assert_true(a.families[k].eta_compute == b.families[k].eta_compute && a.families[k].eta_memory == b.families[k].eta_memory &&
                    a.families[k].sigma_log == b.families[k].sigma_log && a.families[k].rows == b.families[k].rows);
    }
    free(rows);
    lw_catalogue_free(cat);
}

static void test_versions(void **state)
{
    (void)state;
    lw_progress_opts po;
    lw_err err;
    assert_int_equal(lw_progress_opts_init(&po, LW_PROGRESS_OPTS_VERSION, &err), LW_OK);
    assert_true(po.version == LW_PROGRESS_OPTS_VERSION && po.progress == NULL);
    assert_int_equal(lw_progress_opts_init(&po, 0, &err), LW_ERR_INVALID_ARGUMENT);
    assert_int_equal(lw_progress_opts_init(&po, LW_PROGRESS_OPTS_VERSION + 1, &err), LW_ERR_VERSION);
    assert_non_null(strstr(lw_err_message(&err), "lw_progress_opts version 2 is newer"));
    /* a struct not started from an initialiser is refused by the calls that take it */
    lw_progress_opts zero;
    memset(&zero, 0, sizeof zero);
    lw_catalogue *cat = lw_test_catalogue();
    lw_fit_result *r = NULL;
    assert_int_equal(lw_fit_run_v2(cat, NULL, 0, NULL, &zero, &r, &err), LW_ERR_INVALID_ARGUMENT);
    assert_null(r);
    assert_non_null(strstr(lw_err_message(&err), "LW_PROGRESS_OPTS_INIT"));
    lw_calibration cal;
    assert_int_equal(lw_calibrate_v2(cat, NULL, 0, NULL, &zero, &cal, &err), LW_ERR_INVALID_ARGUMENT);
    lw_catalogue_free(cat);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fit_counts_resamples),
        cmocka_unit_test(test_calibrate_counts_fits),
        cmocka_unit_test(test_versions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
