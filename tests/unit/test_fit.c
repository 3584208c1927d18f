/* The coefficient fit on synthetic points with known coefficients (tests/data/scale/make_synthetic.py:
 * k = 0.90, mu_llama3/mu_qwen2.5 = 1.5, eta a100-80gb vs h100-sxm = 1.2, +-2% noise, two batch regimes). */
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
    assert_rel(coef(r, "k")->value, 0.90, 0.03);
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

/* Pairs across batch regimes (C differs 5x) bias the fit: allowing them moves k far from 0.90. */
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
    assert_true(fabs(coef(r, "k")->value - 0.90) > 0.05);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_recovers_true_coefficients), cmocka_unit_test(test_batch_regimes_matter),
        cmocka_unit_test(test_write_and_scale),            cmocka_unit_test(test_too_few_points),
        cmocka_unit_test(test_builtin_overhead_beats_seed_mode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
