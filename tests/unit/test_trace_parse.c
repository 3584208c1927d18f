/* Trace readers: timestamps, Azure / BurstGPT / JSON Lines / generic columns, bad rows with
 * their line numbers, and the energy histogram. Values worked out by hand in the comments. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "llmwatt/trace.h"
#include "trace/trace_internal.h"

/* 2023-11-14 22:13:20 UTC = 1,700,000,000 s; 2023-11-16 00:00 UTC is 1d 1h 46m 40s later =
 * 1,700,092,800 s; 18:15:46 adds 65,746 s. */
static const int64_t AZURE_FIRST_NS = 1700158546LL * 1000000000LL + 680590000LL;

static void test_time_formats(void **state)
{
    (void)state;
    int64_t ns;
    const char *s = "2023-11-16 18:15:46.6805900";
    assert_true(lw_trace_parse_time(s, strlen(s), 1, &ns));
    assert_true(ns == AZURE_FIRST_NS);
    s = "2023-11-14T22:13:20Z";
    assert_true(lw_trace_parse_time(s, strlen(s), 1, &ns));
    assert_true(ns == 1700000000LL * 1000000000LL);
    /* 23:13:20 at +01:00 is 22:13:20 UTC */
    s = "2023-11-14T23:13:20+01:00";
    assert_true(lw_trace_parse_time(s, strlen(s), 1, &ns));
    assert_true(ns == 1700000000LL * 1000000000LL);
    s = "2024-02-29 00:00:00"; /* leap day: 2024-02-29 = 1,709,164,800 s */
    assert_true(lw_trace_parse_time(s, strlen(s), 1, &ns));
    assert_true(ns == 1709164800LL * 1000000000LL);
    /* numbers: seconds (BurstGPT), fractional, other units */
    assert_true(lw_trace_parse_time("5", 1, 1, &ns) && ns == 5000000000LL);
    assert_true(lw_trace_parse_time(" 1.25 ", 6, 1, &ns) && ns == 1250000000LL);
    assert_true(lw_trace_parse_time("1500", 4, 1e-3, &ns) && ns == 1500000000LL);
    assert_true(lw_trace_parse_time("1.7e9", 5, 1, &ns) && ns == 1700000000LL * 1000000000LL);
    static const char *const bad[] = {"", "abc", "-5", "2023-02-29 00:00:00", "2023-13-01 00:00:00",
                                      "2023-11-16 24:00:00", "2023-11-16 18:15:46.", "2023-11-16 18:15:46 junk",
                                      "1.2.3", "0x10", "2023-11-16"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(lw_trace_parse_time(bad[i], strlen(bad[i]), 1, &ns));
}

static lw_trace_layout detect(const char *text, lw_trace_opts *o, size_t *off, uint64_t *line)
{
    lw_trace_layout L;
    lw_err err;
    if (lw_trace_layout_detect(o, text, strlen(text), &L, off, line, &err) != LW_OK) {
        print_error("%s\n", lw_err_message(&err));
        fail();
    }
    return L;
}

static void test_detect_azure_burstgpt_generic(void **state)
{
    (void)state;
    lw_trace_opts o = lw_trace_opts_default(NULL);
    size_t off;
    uint64_t line;
    lw_trace_layout L = detect("TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.6805900,4808,10\n", &o, &off, &line);
    assert_int_equal(L.format, LW_TRACE_CSV);
    assert_string_equal(L.name[LW_TRACE_COL_TIMESTAMP], "TIMESTAMP");
    assert_string_equal(L.name[LW_TRACE_COL_INPUT], "ContextTokens");
    assert_string_equal(L.name[LW_TRACE_COL_OUTPUT], "GeneratedTokens");
    assert_false(L.present[LW_TRACE_COL_MODEL]);
    assert_int_equal(off, strlen("TIMESTAMP,ContextTokens,GeneratedTokens\n"));
    assert_int_equal(line, 2);
    L = detect("Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n", &o, &off, &line);
    assert_int_equal(L.nfields, 6);
    assert_int_equal(L.idx[LW_TRACE_COL_MODEL], 1);
    assert_int_equal(L.idx[LW_TRACE_COL_INPUT], 2);
    assert_int_equal(L.idx[LW_TRACE_COL_OUTPUT], 3); /* not "Total tokens" */
    /* generic names, case and separators ignored; a BOM and blank lines before the header */
    L = detect("\xEF\xBB\xBF\n\narrival_time,Prompt-Tokens,completion_tokens,reasoning_tokens,model_name\n", &o, &off,
               &line);
    assert_int_equal(line, 4);
    assert_int_equal(L.idx[LW_TRACE_COL_TIMESTAMP], 0);
    assert_int_equal(L.idx[LW_TRACE_COL_REASONING], 3);
    assert_int_equal(L.idx[LW_TRACE_COL_MODEL], 4);
    /* --columns override */
    o.columns[LW_TRACE_COL_INPUT] = "a";
    o.columns[LW_TRACE_COL_OUTPUT] = "b";
    o.columns[LW_TRACE_COL_TIMESTAMP] = "when";
    L = detect("when,b,a\n", &o, &off, &line);
    assert_int_equal(L.idx[LW_TRACE_COL_INPUT], 2);
    assert_int_equal(L.idx[LW_TRACE_COL_OUTPUT], 1);
    /* JSON Lines: keys of the first object */
    o = lw_trace_opts_default(NULL);
    L = detect("{\"ts\": 1, \"prompt_tokens\": 3, \"completion_tokens\": 4}\n", &o, &off, &line);
    assert_int_equal(L.format, LW_TRACE_JSONL);
    assert_int_equal(off, 0);
    assert_int_equal(line, 1);
    assert_string_equal(L.name[LW_TRACE_COL_OUTPUT], "completion_tokens");
}

static void test_detect_errors(void **state)
{
    (void)state;
    lw_trace_opts o = lw_trace_opts_default(NULL);
    lw_trace_layout L;
    size_t off;
    uint64_t line;
    lw_err err;
    const char *t = "time,foo,bar\n1,2,3\n";
    assert_int_equal(lw_trace_layout_detect(&o, t, strlen(t), &L, &off, &line, &err), LW_ERR_PARSE);
    assert_non_null(strstr(lw_err_message(&err), "cannot find the input-tokens column in the header (time, foo, bar)"));
    t = "input,output\n1,2\n"; /* no timestamp: needed only for the estimated batch */
    assert_int_equal(lw_trace_layout_detect(&o, t, strlen(t), &L, &off, &line, &err), LW_ERR_PARSE);
    assert_non_null(strstr(lw_err_message(&err), "timestamp"));
    o.batch = 4;
    assert_int_equal(lw_trace_layout_detect(&o, t, strlen(t), &L, &off, &line, &err), LW_OK);
    o.columns[LW_TRACE_COL_MODEL] = "engine";
    assert_int_equal(lw_trace_layout_detect(&o, t, strlen(t), &L, &off, &line, &err), LW_ERR_PARSE);
    assert_non_null(strstr(lw_err_message(&err), "no column 'engine'"));
    assert_int_equal(lw_trace_layout_detect(&o, "\n \n", 3, &L, &off, &line, &err), LW_ERR_PARSE);
    assert_non_null(strstr(lw_err_message(&err), "is empty"));
}

static int parse(const lw_trace_layout *L, const char *line, lw_trace_rec *r, char *msg)
{
    return lw_trace_parse_line(L, line, strlen(line), r, msg, 200);
}

static void test_rows(void **state)
{
    (void)state;
    lw_trace_opts o = lw_trace_opts_default(NULL);
    size_t off;
    uint64_t ln;
    lw_trace_layout L = detect("Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n", &o, &off, &ln);
    lw_trace_rec r;
    memset(&r, 0, sizeof r);
    char msg[200];
    assert_int_equal(parse(&L, "118,GPT-4,417,276,693,Conversation log\r", &r, msg), 1);
    assert_true(r.time_ns == 118000000000LL);
    assert_rel(r.tok[0], 417, 0);
    assert_rel(r.tok[1], 276, 0);
    assert_rel(r.tok[2], 0, 0);
    assert_int_equal(r.model_len, 5);
    assert_memory_equal(r.model, "GPT-4", 5);
    /* quoted model with a comma and a doubled quote */
    assert_int_equal(parse(&L, "5,\"a,\"\"b\"\"\",10,2.0,12,x", &r, msg), 1);
    assert_int_equal(r.model_len, 5); /* a , " b " */
    assert_memory_equal(r.model, "a,\"b\"", 5);
    assert_rel(r.tok[1], 2, 0);
    assert_int_equal(parse(&L, "   ", &r, msg), 0);
    assert_int_equal(parse(&L, "", &r, msg), 0);
    assert_int_equal(parse(&L, "5,m,10,1e400,11,x", &r, msg), -1);
    assert_string_equal(msg, "'Response tokens' is not a number: '1e400'");
    assert_int_equal(parse(&L, "5,m,nan,1,11,x", &r, msg), -1);
    assert_string_equal(msg, "'Request tokens' is not a number: 'nan'");
    assert_int_equal(parse(&L, "5,m,10,2000000000000,11,x", &r, msg), -1);
    assert_string_equal(msg, "'Response tokens' is more than 1e12 tokens: '2000000000000'");
    /* token counts are whole numbers: 10.5 is refused, 2.0 and 1e3 are whole */
    assert_int_equal(parse(&L, "5,m,10,10.5,11,x", &r, msg), -1);
    assert_string_equal(msg, "'Response tokens' is not a whole number of tokens: '10.5'");
    assert_int_equal(parse(&L, "5,m,0.25,1,11,x", &r, msg), -1);
    assert_string_equal(msg, "'Request tokens' is not a whole number of tokens: '0.25'");
    assert_int_equal(parse(&L, "5,m,1e3,2.0,11,x", &r, msg), 1);
    assert_rel(r.tok[0], 1000, 0);
    assert_rel(r.tok[1], 2, 0);
    assert_int_equal(parse(&L, "5,m,10,1,11,x,extra", &r, msg), -1);
    assert_string_equal(msg, "has 7 fields, the header has 6");
    assert_int_equal(parse(&L, "5,\"m,10,1,11,x", &r, msg), -1);
    assert_non_null(strstr(msg, "malformed quoted field"));

    L = detect("{\"timestamp\": 1, \"input_tokens\": 3, \"output_tokens\": 4, \"reasoning_tokens\": 2, \"model\": \"m\"}\n",
               &o, &off, &ln);
    assert_int_equal(parse(&L, "{\"output_tokens\": 4, \"meta\": {\"a\": [1, \"}\"]}, \"input_tokens\": \"30\", "
                               "\"timestamp\": \"2023-11-14T22:13:20Z\", \"model\": \"q\\\"x\", \"reasoning_tokens\": null}",
                         &r, msg),
                     1);
    assert_rel(r.tok[0], 30, 0);
    assert_rel(r.tok[1], 4, 0);
    assert_rel(r.tok[2], 0, 0); /* null reasoning: none */
    assert_true(r.time_ns == 1700000000LL * 1000000000LL);
    assert_int_equal(r.model_len, 3);
    assert_memory_equal(r.model, "q\"x", 3);
    assert_int_equal(parse(&L, "{\"timestamp\": 1, \"input_tokens\": 3}", &r, msg), -1);
    assert_string_equal(msg, "missing key 'output_tokens'");
    assert_int_equal(parse(&L, "{\"timestamp\": true, \"input_tokens\": 3, \"output_tokens\": 1}", &r, msg), -1);
    assert_string_equal(msg, "'timestamp' is not a timestamp: 'true'");
    assert_int_equal(parse(&L, "{\"timestamp\": 1, \"input_tokens\": -3, \"output_tokens\": 1}", &r, msg), -1);
    assert_string_equal(msg, "'input_tokens' is negative: '-3'");
    assert_int_equal(parse(&L, "{\"timestamp\": 1, \"input_tokens\": 3, \"output_tokens\": 10.5}", &r, msg), -1);
    assert_string_equal(msg, "'output_tokens' is not a whole number of tokens: '10.5'");
    assert_int_equal(parse(&L, "{\"timestamp\": 1, \"input_tokens\": 3, \"output_tokens\": 1, \"model\": 7}", &r, msg), -1);
    assert_string_equal(msg, "'model' is not a string: '7'");
    assert_int_equal(parse(&L, "{\"timestamp\": 1, \"input_tokens\": 3", &r, msg), -1);
    assert_string_equal(msg, "not a flat JSON object");
}

static void test_histogram(void **state)
{
    (void)state;
    /* every value's bucket midpoint is within 1/256 of it */
    for (double v = 1e-9; v < 1e15; v *= 1.0137)
        assert_rel(lw_hist_value(lw_hist_bucket(v)), v, 1.0 / 256);
    /* 100 values 1..100: nearest rank p50 = 50, p90 = 90, p99 = 99 */
    uint64_t *h = calloc(LW_HIST_BUCKETS, sizeof *h);
    assert_non_null(h);
    for (int i = 1; i <= 100; i++)
        h[lw_hist_bucket(i)]++;
    assert_rel(lw_hist_percentile(h, 100, 50, 1, 100), 50, 1.0 / 256);
    assert_rel(lw_hist_percentile(h, 100, 90, 1, 100), 90, 1.0 / 256);
    assert_rel(lw_hist_percentile(h, 100, 99, 1, 100), 99, 1.0 / 256);
    assert_rel(lw_hist_percentile(h, 100, 100, 1, 100), 100, 1.0 / 256);
    free(h);
    /* a bucket's midpoint can lie beyond the observed extremes; percentiles are clamped to them.
     * 5.902 J: octave [4, 8), buckets 4/128 = 0.03125 wide, (5.902 - 4) / 0.03125 = 60.9 ->
     * bucket [5.875, 5.90625), midpoint 5.890625 < min 5.902 -> 5.902.
     * 256.16 J: octave [256, 512), buckets 2 wide -> [256, 258), midpoint 257 > max 256.16 -> 256.16. */
    h = calloc(LW_HIST_BUCKETS, sizeof *h);
    assert_non_null(h);
    assert_rel(lw_hist_value(lw_hist_bucket(5.902)), 5.890625, 1e-15);
    assert_rel(lw_hist_value(lw_hist_bucket(256.16)), 257.0, 1e-15);
    h[lw_hist_bucket(5.902)] += 1;
    h[lw_hist_bucket(256.16)] += 9;
    /* 10 values: rank ceil(0.05 x 10) = 1 (5.902), ranks 9 and 10 (256.16) */
    assert_true(lw_hist_percentile(h, 10, 5, 5.902, 256.16) == 5.902);
    assert_true(lw_hist_percentile(h, 10, 90, 5.902, 256.16) == 256.16);
    assert_true(lw_hist_percentile(h, 10, 99, 5.902, 256.16) == 256.16);
    free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_time_formats),   cmocka_unit_test(test_detect_azure_burstgpt_generic),
        cmocka_unit_test(test_detect_errors),  cmocka_unit_test(test_rows),
        cmocka_unit_test(test_histogram),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
