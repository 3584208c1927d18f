/* Calibration-points reader: values checked against the rows of calibration_points.csv. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "testutil.h"
#include "llmwatt/points.h"

static const lw_point *find(const lw_point *p, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(p[i].id, id) == 0)
            return &p[i];
    fail_msg("row %s missing", id);
    return NULL;
}

static void test_builtin_rows(void **state)
{
    (void)state;
    lw_point *p;
    size_t n;
    lw_err err;
    assert_int_equal(lw_points_builtin(&p, &n, &err), LW_OK);
    assert_int_equal(n, 37);
    /* row 2: ML.ENERGY, Llama-3.1-8B on 1 H100, "max_num_seqs=64 (avg running batch 63.9)", 395.5 mean output,
     * 0.1186 J per output token, GPU only, input length not published */
    const lw_point *r = find(p, n, "2");
    assert_string_equal(r->model, "meta-llama/Llama-3.1-8B-Instruct");
    assert_int_equal(r->num_gpus, 1);
    assert_rel(r->batch, 63.9, 1e-12);
    assert_rel(r->output_tokens, 395.5, 1e-12);
    assert_rel(r->j_per_output_token, 0.1186, 1e-12);
    assert_true(isnan(r->input_tokens));
    assert_true(r->gpu_only);
    /* row 84: "8 closed-loop clients", prompts "mean 256 std 64", output "max_tokens 256; mean 126.6" */
    r = find(p, n, "84");
    assert_rel(r->batch, 8, 0);
    assert_rel(r->input_tokens, 256, 0);
    assert_rel(r->output_tokens, 126.6, 1e-12);
    assert_rel(r->j_per_request, 44.3, 1e-12);
    /* row 43 (added Dec 2026): ML.ENERGY v2, gemma-2-2b-it on 1 A100-SXM4-40GB, "484.5 (mean)" output
     * tokens, 0.09011 J per output token, 43.66 J per request */
    r = find(p, n, "43");
    assert_string_equal(r->model, "google/gemma-2-2b-it");
    assert_int_equal(r->num_gpus, 1);
    assert_rel(r->output_tokens, 484.5, 1e-12);
    assert_rel(r->j_per_output_token, 0.09011, 1e-12);
    assert_rel(r->j_per_request, 43.66, 1e-12);
    /* row 25: fp8 precision */
    assert_int_equal(find(p, n, "25")->precision, LW_PREC_FP8);
    lw_points_free(p);
}

static void test_bad_files(void **state)
{
    (void)state;
    lw_point *p;
    size_t n;
    lw_err err;
    const char *no_col = "row_id,model\n1,x\n";
    assert_int_equal(lw_points_parse(no_col, strlen(no_col), "t.csv", &p, &n, &err), LW_ERR_PARSE);
    assert_non_null(strstr(lw_err_message(&err), "missing column"));
    const char *hdr = "row_id,source_title,model,total_params_B,active_params_B,precision,gpu_model,num_gpus,"
                      "batch_size_or_concurrency,input_tokens,output_tokens,energy_boundary,norm_J_per_output_token,"
                      "norm_J_per_request\n";
    char buf[1024];
    snprintf(buf, sizeof buf, "%s1,s,m,1,1,bf16,H100,1,1,1,1,GPU only,0.1,1\n", hdr);
    snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "2,s,,1,1,bf16,H100,1,1,1,1,GPU only,0.1,1\n");
    assert_int_equal(lw_points_parse(buf, strlen(buf), "t.csv", &p, &n, &err), LW_ERR_PARSE);
    assert_non_null(strstr(lw_err_message(&err), "line 3"));
    snprintf(buf, sizeof buf, "%s1,s,m,1,1,bf16,H100,1,1,1,1,GPU only,,\n", hdr);
    assert_int_equal(lw_points_parse(buf, strlen(buf), "t.csv", &p, &n, &err), LW_ERR_PARSE);
    assert_non_null(strstr(lw_err_message(&err), "norm_J_per_output_token"));
    assert_int_equal(lw_points_load("/nonexistent/points.csv", &p, &n, &err), LW_ERR_IO);
}

/* A number out of range is kept as a refused row with its line and reason; the good rows load. */
static void test_refused_rows(void **state)
{
    (void)state;
    const char *hdr = "row_id,source_title,model,total_params_B,active_params_B,precision,gpu_model,num_gpus,"
                      "batch_size_or_concurrency,input_tokens,output_tokens,energy_boundary,norm_J_per_output_token,"
                      "norm_J_per_request\n";
    static const struct {
        const char *row, *reason;
    } cases[] = {
        {"1,s,m,8,8,bf16,H100,0,4,1,1,GPU only,0.1,1", "line 3: num_gpus must be an integer from 1 to 4096 (got '0')"},
        {"1,s,m,8,8,bf16,H100,3e9,4,1,1,GPU only,0.1,1", "line 3: num_gpus must be an integer from 1 to 4096 (got '3e9')"},
        {"1,s,m,8,8,bf16,H100,1.5,4,1,1,GPU only,0.1,1", "line 3: num_gpus must be an integer from 1 to 4096 (got '1.5')"},
        {"1,s,m,8,8,bf16,H100,1,3e9,1,1,GPU only,0.1,1",
         "line 3: batch_size_or_concurrency must be a finite number above 0 and at most 1000000 (got '3e9')"},
        {"1,s,m,8,8,bf16,H100,1,1e999,1,1,GPU only,0.1,1",
         "line 3: batch_size_or_concurrency must be a finite number above 0 and at most 1000000 (got '1e999')"},
        {"1,s,m,8,8,bf16,H100,1,avg -2,1,1,GPU only,0.1,1",
         "line 3: batch_size_or_concurrency must be a finite number above 0 and at most 1000000 (got 'avg -2')"},
        {"1,s,m,8,8,bf16,H100,1,0x10,1,1,GPU only,0.1,1",
         "line 3: batch_size_or_concurrency must be a finite number above 0 and at most 1000000 (got '0x10')"},
        {"1,s,m,8,8,bf16,H100,1,4,-1,1,GPU only,0.1,1",
         "line 3: input_tokens must be a finite number of at least 0 and at most 1000000000 (got '-1')"},
        {"1,s,m,8,8,bf16,H100,1,4,1,1,GPU only,nan,1",
         "line 3: norm_J_per_output_token must be a finite number above 0 and at most 1000000000 (got 'nan')"},
        {"1,s,m,8,8,bf16,H100,1,4,1,1,GPU only,0.1,-7",
         "line 3: norm_J_per_request must be a finite number above 0 and at most 1000000000 (got '-7')"},
        {"1,s,m,1e6,8,bf16,H100,1,4,1,1,GPU only,0.1,1",
         "line 3: total_params_B must be a finite number above 0 and at most 100000 (got '1e6')"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char buf[1024];
        snprintf(buf, sizeof buf, "%s9,s,m,8,8,bf16,H100,2,4,0,1,GPU only,0.1,1\n%s\n", hdr, cases[k].row);
        lw_point *p;
        size_t n;
        lw_err err;
        assert_int_equal(lw_points_parse(buf, strlen(buf), "t.csv", &p, &n, &err), LW_OK);
        assert_int_equal(n, 2);
        assert_string_equal(p[0].refused, "");
        assert_int_equal(p[0].num_gpus, 2);
        assert_rel(p[0].batch, 4, 0);
        assert_rel(p[0].input_tokens, 0, 0);
        assert_string_equal(p[1].refused, cases[k].reason);
        lw_points_free(p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_builtin_rows), cmocka_unit_test(test_bad_files),
                                       cmocka_unit_test(test_refused_rows)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
