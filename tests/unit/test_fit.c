/* The coefficient fit on synthetic points with known coefficients (tests/data/scale/make_synthetic.py:
 * k = 0.93, mu_llama3/mu_qwen2.5 = 1.5, eta a100-80gb vs h100-sxm = 1.2, +-2% noise, two batch regimes). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "llmwatt/scale.h"
#include "testutil.h"

static lw_point *load_synthetic(size_t *n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/scale/synthetic_points.csv", lw_test_data_dir());
    lw_point *pts;
    lw_err err;
    if (lw_points_load(path, &pts, n, &err) != LW_OK)
        fail_msg("%s", lw_err_message(&err));
    return pts;
}

static const lw_fit_coef *coef(const lw_fit_result *r, const char *name)
{
    for (size_t i = 0; i < lw_fit_coef_count(r); i++)
        if (strcmp(lw_fit_coef_at(r, i, NULL)->name, name) == 0)
            return lw_fit_coef_at(r, i, NULL);
    fail_msg("no coefficient %s", name);
    return NULL;
}

static void test_recovers_true_coefficients(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    size_t n;
    lw_point *pts = load_synthetic(&n);
    assert_int_equal(n, 11); /* 8 at batch 8 + 3 at batch 64 */
    lw_fit_opts o = lw_fit_opts_default();
    o.bootstrap = 100;
    lw_fit_result *r;
    assert_int_equal(lw_fit_run(cat, pts, n, &o, &r, NULL), LW_OK);
    assert_int_equal(lw_fit_points_used(r), 11);
    assert_string_equal(lw_fit_reference_family(r), "qwen2.5");
    /* +-2% noise: recovered within 3% */
    assert_rel(coef(r, "k")->value, 0.93, 0.03);
    assert_rel(coef(r, "llama3")->value, 1.5, 0.03);
    assert_true(coef(r, "qwen2.5")->reference);
    /* GPU effects are relative to the most frequent GPU; the pair ratio is what is fitted */
    double eta = coef(r, "a100-80gb")->value / coef(r, "h100-sxm")->value;
    assert_rel(eta, 1.2, 0.03);
    const lw_fit_coef *k = coef(r, "k");
    assert_true(k->low <= k->value && k->value <= k->high && k->low < k->high);
    /* in-sample 90% band is within the noise (+-2% per point, so ~+-4% per pair) */
    lw_fit_accuracy a = lw_fit_accuracy_fitted(r);
    assert_true(a.band_low > 0.94 && a.band_high < 1.06);
    assert_true(a.median_abs_err < 0.03);
    lw_fit_accuracy h = lw_fit_accuracy_heldout(r);
    assert_true(h.pairs > 0 && h.median_abs_err < 0.05);
    lw_fit_free(r);
    lw_points_free(pts);
    lw_catalogue_free(cat);
}

/* Pairs across batch regimes (C differs 5x) bias the fit: allowing them moves k far from 0.93. */
static void test_batch_regimes_matter(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    size_t n;
    lw_point *pts = load_synthetic(&n);
    lw_fit_opts o = lw_fit_opts_default();
    o.bootstrap = 0;
    o.batch_match = 100;
    lw_fit_result *r;
    assert_int_equal(lw_fit_run(cat, pts, n, &o, &r, NULL), LW_OK);
    assert_true(fabs(coef(r, "k")->value - 0.93) > 0.05);
    lw_fit_free(r);
    lw_points_free(pts);
    lw_catalogue_free(cat);
}

/* The written file loads back into the catalogue and scale uses it. */
static void test_write_and_scale(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    size_t n;
    lw_point *pts = load_synthetic(&n);
    lw_fit_opts o = lw_fit_opts_default();
    o.bootstrap = 50;
    lw_fit_result *r;
    assert_int_equal(lw_fit_run(cat, pts, n, &o, &r, NULL), LW_OK);
    char path[] = "/tmp/lw_fit_test_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    lw_err err;
    assert_int_equal(lw_fit_write(r, path, "synthetic", &err), LW_OK);
    lw_catalogue *c2 = lw_test_catalogue();
    assert_int_equal(lw_scale_load_coefficients(c2, path, &err), LW_OK);
    lw_scale_input in = lw_scale_input_default();
    in.baseline_j_per_token = 1.0;
    in.from.params = 3e9;
    in.to.params = 6e9; /* one doubling: size factor 2k */
    in.from.family = in.to.family = "qwen2.5";
    in.from.gpu = lw_test_gpu(c2, "h100-sxm");
    in.to.gpu = lw_test_gpu(c2, "a100-80gb");
    lw_scale_result s;
    assert_int_equal(lw_scale_run(c2, &in, &s, &err), LW_OK);
    assert_rel(s.k.expected, coef(r, "k")->value, 1e-9);
    assert_non_null(strstr(s.eta_basis, "fitted pair"));
    assert_rel(s.eta.expected, 1.2, 0.03);
    /* expected = 2k * (3350/2039) * (290/500) * eta_fit * residual 1 */
    assert_rel(s.energy_per_token_j.expected, 2 * s.k.expected * (3350.0 / 2039.0) * (290.0 / 500.0) * s.eta.expected, 1e-9);
    assert_true(s.fit_residual.low < 1 && s.fit_residual.high > 1);
    lw_catalogue_free(c2);
    /* A catalogue file that is not a fit output is refused */
    FILE *f = fopen(path, "w");
    fputs("{\"constants\": [{\"key\": \"memory.usable_fraction\", \"value\": 0.5, \"source\": \"x\"}]}", f);
    fclose(f);
    c2 = lw_test_catalogue();
    assert_int_equal(lw_scale_load_coefficients(c2, path, &err), LW_ERR_PARSE);
    assert_non_null(strstr(lw_err_message(&err), "not a coefficients file"));
    lw_catalogue_free(c2);
    unlink(path);
    lw_fit_free(r);
    lw_points_free(pts);
    lw_catalogue_free(cat);
}

static void test_too_few_points(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    size_t n;
    lw_point *pts = load_synthetic(&n);
    lw_fit_result *r;
    lw_err err;
    assert_int_equal(lw_fit_run(cat, pts, 2, NULL, &r, &err), LW_ERR_INFEASIBLE);
    assert_non_null(strstr(lw_err_message(&err), "fewer than 2 pairs"));
    lw_fit_opts o = lw_fit_opts_default();
    o.batch_match = 0.5;
    assert_int_equal(lw_fit_run(cat, pts, n, &o, &r, &err), LW_ERR_INVALID_ARGUMENT);
    lw_points_free(pts);
    lw_catalogue_free(cat);
}

/* On the shipped measurements, the physics-based multi-GPU mode (overhead) predicts held-out
 * points better than seed 000 Part 2's G*(1+alpha(G-1)). */
static void test_builtin_overhead_beats_seed_mode(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    lw_point *pts;
    size_t n;
    assert_int_equal(lw_points_builtin(&pts, &n, NULL), LW_OK);
    lw_fit_opts o = lw_fit_opts_default();
    o.bootstrap = 0;
    lw_fit_result *a, *b;
    assert_int_equal(lw_fit_run(cat, pts, n, &o, &a, NULL), LW_OK);
    o.multi_gpu = LW_MULTI_GPU_SEED;
    assert_int_equal(lw_fit_run(cat, pts, n, &o, &b, NULL), LW_OK);
    assert_true(lw_fit_accuracy_heldout(a).rms_log < lw_fit_accuracy_heldout(b).rms_log);
    lw_fit_free(a);
    lw_fit_free(b);
    lw_points_free(pts);
    lw_catalogue_free(cat);
}

/* One source, coefficients inside seed 000's ranges: nothing flagged. Ranges are the seed's:
 * k [0.90, 1.10] (§1.1), mu [0.75, 1.80] (§1.2), eta pair [0.70/1.15, 1.15/0.70] (§1.3). */
static void test_checks_clean(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    size_t n;
    lw_point *pts = load_synthetic(&n);
    lw_fit_opts o = lw_fit_opts_default();
    o.bootstrap = 0;
    lw_fit_result *r;
    assert_int_equal(lw_fit_run(cat, pts, n, &o, &r, NULL), LW_OK);
    assert_int_equal(lw_fit_flagged_count(r), 0);
    const lw_fit_coef *k = coef(r, "k"), *mu = coef(r, "llama3"), *eta = coef(r, "a100-80gb");
    assert_true(k->in_range && mu->in_range && eta->in_range);
    assert_rel(k->range_low, 0.90, 1e-12);
    assert_rel(k->range_high, 1.10, 1e-12);
    assert_non_null(strstr(k->range_source, "seed 000 §1.1"));
    assert_rel(mu->range_low, 0.75, 1e-12);
    assert_rel(mu->range_high, 1.80, 1e-12);
    assert_rel(eta->range_low, 0.70 / 1.15, 1e-3);
    assert_rel(eta->range_high, 1.15 / 0.70, 1e-3);
    assert_string_equal(eta->confounded_with, "");
    char line[512];
    assert_false(lw_fit_flag_text(r, 0, line, sizeof line));
    lw_fit_free(r);
    /* Cross-regime pairs push k to ~0.79 and mu to ~2.7: both outside the seed's ranges */
    o.batch_match = 100;
    assert_int_equal(lw_fit_run(cat, pts, n, &o, &r, NULL), LW_OK);
    assert_false(coef(r, "k")->in_range);
    assert_false(coef(r, "llama3")->in_range);
    assert_int_equal(lw_fit_flagged_count(r), 2);
    assert_true(lw_fit_flag_text(r, 0, line, sizeof line));
    assert_non_null(strstr(line, "is outside its physical range [0.9, 1.1] (seed 000 §1.1"));
    lw_fit_free(r);
    lw_points_free(pts);
    lw_catalogue_free(cat);
}

/* synthetic_confounded.csv: the same points, H100 ones from "lab A", A100 ones from "lab B".
 * k and mu are still seen within each lab; the A100/H100 eta only across labs: confounded. */
static void test_checks_confounded(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    char path[512];
    snprintf(path, sizeof path, "%s/scale/synthetic_confounded.csv", lw_test_data_dir());
    lw_point *pts;
    size_t n;
    assert_int_equal(lw_points_load(path, &pts, &n, NULL), LW_OK);
    lw_fit_opts o = lw_fit_opts_default();
    o.bootstrap = 0;
    lw_fit_result *r;
    assert_int_equal(lw_fit_run(cat, pts, n, &o, &r, NULL), LW_OK);
    assert_string_equal(coef(r, "k")->confounded_with, "");
    assert_string_equal(coef(r, "llama3")->confounded_with, "");
    const lw_fit_coef *eta = coef(r, "a100-80gb");
    assert_true(eta->in_range); /* 1.2: the value is plausible, its meaning is not */
    assert_string_equal(eta->confounded_with, "synthetic lab B (a100-80gb) vs synthetic lab A (h100-sxm)");
    assert_int_equal(lw_fit_flagged_count(r), 1);
    char line[1024];
    size_t gi = lw_fit_coef_count(r) - 1;
    assert_ptr_equal(lw_fit_coef_at(r, gi, NULL), eta);
    assert_true(lw_fit_flag_text(r, gi, line, sizeof line));
    assert_non_null(strstr(line, "eta_util h100-sxm -> a100-80gb = 1.2"));
    assert_non_null(strstr(line, "is confounded with the data source: synthetic lab B"));
    /* The file says so for both directions, and a strict load refuses it */
    char out[] = "/tmp/lw_fit_conf_XXXXXX";
    int fd = mkstemp(out);
    assert_true(fd >= 0);
    close(fd);
    lw_err err;
    assert_int_equal(lw_fit_write(r, out, "confounded", &err), LW_OK);
    lw_catalogue *c2 = lw_test_catalogue();
    char *flagged;
    size_t nflagged;
    assert_int_equal(lw_scale_check_coefficients(c2, out, &flagged, &nflagged, &err), LW_OK);
    assert_int_equal(nflagged, 2); /* a100 -> h100 and h100 -> a100 */
    assert_non_null(strstr(flagged, "scale.eta_util.h100-sxm.a100-80gb"));
    assert_non_null(strstr(flagged, "scale.eta_util.a100-80gb.h100-sxm"));
    lw_free(flagged);
    assert_int_equal(lw_scale_load_coefficients(c2, out, &err), LW_ERR_PARSE);
    assert_non_null(strstr(lw_err_message(&err), "confounded with the data source"));
    assert_non_null(strstr(lw_err_message(&err), "(and 1 more flagged)"));
    assert_int_equal(lw_scale_load_coefficients_checked(c2, out, true, &err), LW_OK);
    lw_catalogue_free(c2);
    unlink(out);
    lw_fit_free(r);
    lw_points_free(pts);
    lw_catalogue_free(cat);
}

/* The shipped points (issue 10's examples): qwen3's mu and the A100-vs-H100 eta are outside
 * seed 000's ranges, and that eta is confounded: every A100-80GB point comes from the toolkit
 * log, every H100 point from ML.ENERGY v3.0. B200 vs H100 is seen within v3.0: not confounded. */
static void test_checks_builtin(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    lw_point *pts;
    size_t n;
    assert_int_equal(lw_points_builtin(&pts, &n, NULL), LW_OK);
    lw_fit_opts o = lw_fit_opts_default();
    o.bootstrap = 0;
    lw_fit_result *r;
    assert_int_equal(lw_fit_run(cat, pts, n, &o, &r, NULL), LW_OK);
    assert_string_equal(lw_fit_reference_gpu(r), "h100-sxm");
    const lw_fit_coef *q = coef(r, "qwen3"), *a = coef(r, "a100-80gb"), *b = coef(r, "b200");
    assert_true(q->value > 1.80 && !q->in_range);
    assert_string_equal(q->confounded_with, "");
    assert_true(a->value > 1.15 / 0.70 && !a->in_range);
    assert_non_null(strstr(a->confounded_with, "inference-energy toolkit measurement log (a100-80gb) vs ML.ENERGY"));
    assert_string_equal(b->confounded_with, "");
    /* A100-40GB: only ML.ENERGY v2.0 measured it, and v2.0 measured no GPU v3.0 did */
    assert_non_null(strstr(coef(r, "a100-40gb")->confounded_with, "ML.ENERGY Leaderboard v2.0 (a100-40gb) vs ML.ENERGY Leaderboard v3.0"));
    assert_true(coef(r, "k")->in_range);
    lw_fit_free(r);
    lw_points_free(pts);
    lw_catalogue_free(cat);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_recovers_true_coefficients), cmocka_unit_test(test_batch_regimes_matter),
        cmocka_unit_test(test_write_and_scale),            cmocka_unit_test(test_too_few_points),
        cmocka_unit_test(test_checks_clean),               cmocka_unit_test(test_checks_confounded),
        cmocka_unit_test(test_checks_builtin),
        cmocka_unit_test(test_builtin_overhead_beats_seed_mode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
