/* Calibration fidelity: row weights, the source-spread band term, the per-sequence-per-layer
 * step overhead and the energy-per-MAC prior of an uncalibrated GPU, on hand-worked figures.
 * Fixture: tests/data/calibration/fidelity_points.csv, rows 37, 44, 85, 86 of the shipped points
 * (ML.ENERGY v2 on A100-SXM4-40GB; inference-energy toolkit on A100 80GB, fit_weight 0.0118) and
 * row 99, a copy of row 37 with fit_weight 2 (out of range). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "estimate/estimate_internal.h"

static lw_calib_row *load_fixture(const lw_catalogue *cat, size_t *n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/calibration/fidelity_points.csv", lw_test_data_dir());
    char *text;
    size_t len;
    assert_int_equal(lw_file_read(path, &text, &len, NULL), LW_OK);
    lw_calib_row *rows;
    assert_int_equal(lw_calib_rows_parse(cat, text, len, path, &rows, n, NULL), LW_OK);
    free(text);
    assert_int_equal(*n, 5);
    return rows;
}

static void test_weights_and_notes(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    size_t n;
    lw_calib_row *r = load_fixture(cat, &n);
    /* row 37: "Avg BS (reqs)": 31.938 replaces the batch column's maximum (32); no power is
     * published, so power = 0.2113 J/token x 938.496 tok/s = 198.304 W */
    assert_string_equal(r[0].point.id, "37");
    assert_rel(r[0].point.batch, 31.938, 1e-12);
    assert_rel(r[0].throughput_tok_per_s, 938.496, 1e-12);
    assert_rel(r[0].avg_power_w, 198.3042048, 1e-9);
    assert_rel(r[0].weight, 1.0, 0);
    assert_string_equal(r[0].weight_reason, "");
    assert_string_equal(r[0].gpu->id, "a100-40gb");
    assert_string_equal(r[0].model->name, "llama-3.1-8b");
    assert_string_equal(r[1].model->name, "mistral-7b");
    /* row 85: the README's low weight, s_obs^2 / (s_obs^2 + ln(2.5)^2) = 0.01 / 0.849589 = 0.0118 */
    assert_rel(r[2].weight, 0.0118, 1e-12);
    assert_non_null(strstr(r[2].weight_reason, "2.5x above an independent vLLM benchmark"));
    assert_rel(r[2].avg_power_w, 338.60, 1e-12); /* published ("Average power") */
    /* row 99: fit_weight 2 is refused, naming the valid range */
    assert_string_equal(r[4].point.id, "99");
    assert_non_null(strstr(r[4].skip_reason, "fit_weight must be a number in (0, 1], got '2'"));
    free(r);
    lw_catalogue_free(cat);
}

static void test_comparable(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    size_t n;
    lw_calib_row *r = load_fixture(cat, &n);
    /* 85 (Qwen2.5-7B, 7.6 B, batch 8) and 37 (Llama-3.1-8B, 8 B, batch 31.9): x1.05, x3.99 */
    assert_true(lw_calib_comparable(&r[2], &r[0]));
    /* 86 (Llama-3-8B, 8 B, batch 8) and 44 (Mistral-7B, 7.2 B, batch 63.9): x1.11, x7.99 */
    assert_true(lw_calib_comparable(&r[3], &r[1]));
    lw_calib_row a = r[3], b = r[1];
    b.point.batch = 80.1; /* x10.01 */
    assert_false(lw_calib_comparable(&a, &b));
    b.point.batch = 80.0; /* x10 */
    assert_true(lw_calib_comparable(&a, &b));
    b.point.total_params_b = 6.3; /* 8 / 6.3 = x1.27 */
    assert_false(lw_calib_comparable(&a, &b));
    b = r[1];
    b.model = lw_test_model(cat, "mixtral-8x7b"); /* MoE against dense */
    b.point.total_params_b = 8.0;
    assert_false(lw_calib_comparable(&a, &b));
    b = r[1];
    b.gpu = lw_test_gpu(cat, "h100"); /* another architecture */
    assert_false(lw_calib_comparable(&a, &b));
    free(r);
    lw_catalogue_free(cat);
}

static void test_source_spread(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    size_t n;
    lw_calib_row *r = load_fixture(cat, &n);
    /* rows 85 (toolkit), 37 and 44 (ML.ENERGY v2) with residuals 0.5, -0.2, 0.1: the cross-source
     * pairs are (85, 37) D = 0.7 and (85, 44) D = 0.4; (37, 44) share a source.
     * sqrt((0.49 + 0.16) / 2) / 1.645 = 0.346558 */
    int idx[] = {2, 0, 1}, pairs = -1;
    double res[] = {0.5, -0.2, 0.1};
    assert_rel(lw_calib_source_spread(r, idx, res, 3, 1.645, &pairs), 0.34655788, 1e-7);
    assert_int_equal(pairs, 2);
    /* one source only: no spread */
    int same[] = {0, 1};
    assert_rel(lw_calib_source_spread(r, same, res, 2, 1.645, &pairs), 0.0, 0);
    assert_int_equal(pairs, 0);
    free(r);
    lw_catalogue_free(cat);
}

/* The family's sigma combines the fit's and the sources' parts in quadrature, and the sources'
 * part is the RMS of the residual differences over the four cross-source pairs, over z. */
static void test_spread_in_fit(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    size_t n;
    lw_calib_row *r = load_fixture(cat, &n);
    lw_calibration cal;
    assert_int_equal(lw_calibrate(cat, r, n, NULL, &cal, NULL), LW_OK);
    assert_int_equal(cal.nfamilies, 1);
    const lw_roofline_coeffs *c = &cal.families[0];
    assert_string_equal(c->family, "Ampere GA100");
    assert_int_equal(c->rows, 4);
    double res[4];
    for (int i = 0; i < 4; i++) {
        lw_estimate e = LW_ESTIMATE_INIT;
        assert_int_equal(lw_calib_predict(cat, &r[i], LW_METHOD_ROOFLINE, c, lw_calib_input(cat, &r[i], 0), &e, NULL), LW_OK);
        res[i] = log(e.energy_per_output_token_j.expected / r[i].point.j_per_output_token);
    }
    double d[4] = {res[2] - res[0], res[2] - res[1], res[3] - res[0], res[3] - res[1]};
    double ss = 0;
    for (int i = 0; i < 4; i++)
        ss += d[i] * d[i];
    assert_rel(c->sigma_source_log, sqrt(ss / 4) / 1.645, 1e-9);
    assert_true(c->sigma_source_log > 0);
    assert_rel(c->sigma_log, sqrt(c->sigma_fit_log * c->sigma_fit_log + c->sigma_source_log * c->sigma_source_log), 1e-12);
    free(r);
    lw_catalogue_free(cat);
}

/* A row of weight ~0 leaves the fit where the other rows alone put it. */
static void test_weight_in_fit(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    size_t n;
    lw_calib_row *r = load_fixture(cat, &n);
    bool use[5] = {true, true, false, true, false};
    lw_calibration with, without;
    r[3].weight = 1e-9;
    assert_int_equal(lw_calibrate(cat, r, n, use, &with, NULL), LW_OK);
    use[3] = false;
    assert_int_equal(lw_calibrate(cat, r, n, use, &without, NULL), LW_OK);
    assert_rel(with.families[0].eta_memory, without.families[0].eta_memory, 0.02);
    assert_rel(with.families[0].power_k_memory, without.families[0].power_k_memory, 0.02);
    /* at full weight the same row moves the fit */
    r[3].weight = 1.0;
    use[3] = true;
    assert_int_equal(lw_calibrate(cat, r, n, use, &with, NULL), LW_OK);
    assert_true(fabs(with.families[0].power_k_memory / without.families[0].power_k_memory - 1) > 0.05);
    free(r);
    lw_catalogue_free(cat);
}

/* Seed 002's energy per MAC sets power_k_compute for a GPU without calibration rows:
 * pJ/MAC x 1e-12 x eta_compute 0.5 x 16-bit peak / 1 FLOP per MAC / (TDP - 0.15 TDP). */
static void test_gpu_prior(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    lw_roofline_coeffs p;
    memset(&p, 0, sizeof p);
    p.eta_compute = 0.5;
    p.idle_fraction = 0.15;
    p.power_k_compute = 1.0;
    double pj;
    /* H100 SXM, 4 nm 1.65 pJ: 1.65e-12 x 0.5 x 989.4e12 / 595 = 1.371857 */
    assert_rel(lw_roofline_gpu_prior(cat, &p, lw_test_gpu(cat, "h100"), &pj).power_k_compute, 1.3718571, 1e-6);
    assert_rel(pj, 1.65, 1e-12);
    /* V100, 12 nm 3.3 pJ, fp16 peak 125 TFLOP/s (no bf16): 3.3e-12 x 0.5 x 125e12 / 255 = 0.808824 */
    assert_rel(lw_roofline_gpu_prior(cat, &p, lw_test_gpu(cat, "v100"), &pj).power_k_compute, 0.8088235, 1e-6);
    /* MI300X, 5 nm between 4 nm (1.65) and 7 nm (2.3) as node^b, b = ln(2.3/1.65)/ln(7/4):
     * 1.65 x 1.25^b = 1.883651 pJ; x 1e-12 x 0.5 x 1307.4e12 / 637.5 = 1.931518 */
    assert_rel(lw_roofline_gpu_prior(cat, &p, lw_test_gpu(cat, "mi300x"), &pj).power_k_compute, 1.9315175, 1e-6);
    assert_rel(pj, 1.8836507, 1e-6);
    /* the shipped estimator uses it for the uncalibrated MI300X and says so */
    lw_estimator *e;
    assert_int_equal(lw_estimator_new(cat, lw_test_model(cat, "llama-3.1-8b"), lw_test_gpu(cat, "mi300x"), NULL, &e, NULL),
                     LW_OK);
    lw_estimator_info info;
    lw_estimator_describe(e, &info);
    assert_false(info.calibrated);
    assert_rel(info.coeffs.power_k_compute, 1.9315175, 1e-6);
    assert_non_null(strstr(info.coeff_source, "1.88 pJ/MAC at 5 nm"));
    lw_estimator_free(e);
    lw_catalogue_free(cat);
}

/* Each forward pass costs seq_layer_overhead_s per running sequence per layer: Llama-3.1-8B (32
 * layers), batch 4, 100 in / 10 out is 1 prefill + 10 decode passes, so 1e-6 s adds
 * 11 x 4 x 32 x 1e-6 = 1.408 ms to the batch's time. */
static void test_seq_layer_overhead(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    lw_roofline_coeffs c = lw_test_roofline_coeffs();
    double t[3];
    for (int i = 0; i < 3; i++) {
        c.seq_layer_overhead_s = i ? 1e-6 : 0.0;
        lw_estimate_opts o = lw_estimate_opts_default();
        o.coeffs = &c;
        o.power_limit_w = i == 2 ? 700.0 : 0.0; /* a limit at the TDP: the same time, overhead included */
        lw_estimator *e;
        assert_int_equal(lw_estimator_new(cat, lw_test_model(cat, "llama-3.1-8b"), lw_test_gpu(cat, "h100"), &o, &e, NULL),
                         LW_OK);
        lw_workload w = lw_workload_default();
        w.batch = 4;
        w.input_tokens = 100;
        w.output_tokens = 10;
        lw_estimate r = LW_ESTIMATE_INIT;
        assert_int_equal(lw_estimator_run(e, &w, &r, NULL), LW_OK);
        t[i] = r.prefill.time_s + r.decode.time_s;
        lw_estimator_free(e);
    }
    assert_rel(t[1] - t[0], 1.408e-3, 1e-9);
    assert_rel(t[2], t[1], 1e-12);
    lw_catalogue_free(cat);
}

/* validate's weighted summary: |errors| 10, 20, 30, 40 % at weights 1, 0.01, 0.01, 0.01, only the
 * first inside its band (width 2, 3, 4, 5). Weighted median 10 (the first row alone holds more
 * than half of the total 1.03), mean (10 + 0.2 + 0.3 + 0.4) / 1.03 = 10.58252, inside 1 / 1.03 =
 * 0.970874, median width 2; at equal weights the medians are the usual (20 + 30) / 2 and 3.5. */
static void test_weighted_summary(void **state)
{
    (void)state;
    lw_calib_row cr[4];
    lw_validation_row vr[4];
    memset(cr, 0, sizeof cr);
    memset(vr, 0, sizeof vr);
    for (int i = 0; i < 4; i++) {
        cr[i].point.gpu_only = true;
        cr[i].weight = i ? 0.01 : 1.0;
        vr[i].row = &cr[i];
        vr[i].ok = true;
        vr[i].error_pct = -10.0 * (i + 1);
        vr[i].inside = i == 0;
        vr[i].predicted_j_per_token = (lw_band){1.0, 1.5, 2.0 + i};
    }
    lw_validation_summary w = lw_validation_summarise_weighted(vr, 4, -1);
    assert_int_equal(w.rows, 4);
    assert_rel(w.median_abs_pct, 10.0, 1e-12);
    assert_rel(w.mape, 10.58252427, 1e-8);
    assert_rel(w.inside_share, 0.97087379, 1e-8);
    assert_rel(w.median_band_width, 2.0, 1e-12);
    for (int i = 0; i < 4; i++)
        cr[i].weight = 0.5;
    w = lw_validation_summarise_weighted(vr, 4, 1);
    assert_rel(w.median_abs_pct, 25.0, 1e-12);
    assert_rel(w.median_band_width, 3.5, 1e-12);
    assert_rel(w.inside_share, 0.25, 1e-12);
    assert_int_equal(lw_validation_summarise_weighted(vr, 4, 0).rows, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_weights_and_notes), cmocka_unit_test(test_comparable),
        cmocka_unit_test(test_source_spread),     cmocka_unit_test(test_spread_in_fit),
        cmocka_unit_test(test_weight_in_fit),     cmocka_unit_test(test_gpu_prior),
        cmocka_unit_test(test_seq_layer_overhead), cmocka_unit_test(test_weighted_summary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
