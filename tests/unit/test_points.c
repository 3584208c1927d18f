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
    assert_int_equal(n, 29);
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
    snprintf(buf, sizeof buf, "%s1,s,m,1,1,bf16,H100,0,1,1,1,GPU only,0.1,1\n", hdr);
    assert_int_equal(lw_points_parse(buf, strlen(buf), "t.csv", &p, &n, &err), LW_ERR_PARSE);
    assert_non_null(strstr(lw_err_message(&err), "line 2"));
    snprintf(buf, sizeof buf, "%s1,s,m,1,1,bf16,H100,1,1,1,1,GPU only,,\n", hdr);
    assert_int_equal(lw_points_parse(buf, strlen(buf), "t.csv", &p, &n, &err), LW_ERR_PARSE);
    assert_non_null(strstr(lw_err_message(&err), "norm_J_per_output_token"));
    assert_int_equal(lw_points_load("/nonexistent/points.csv", &p, &n, &err), LW_ERR_IO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_builtin_rows), cmocka_unit_test(test_bad_files)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
