/* Trace engine: totals against the estimator called row by row in the test, the concurrency
 * estimate on hand-made traces, bad rows with line numbers, model names, percentiles and
 * independence from the thread count and chunk size. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include <jansson.h>

#include "llmwatt/trace.h"

typedef struct fixture {
    lw_catalogue *cat;
    const lw_model_arch *m;
    const lw_gpu *g;
    lw_estimator *e;
    lw_trace_summary S;
    char tmp[64];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->cat = lw_test_catalogue();
    f->S.version = LW_TRACE_SUMMARY_VERSION;
    f->m = lw_test_model(f->cat, "llama-3.1-8b");
    f->g = lw_test_gpu(f->cat, "h100");
    lw_estimate_opts eo = lw_estimate_opts_default();
    eo.strict_memory = true; /* as the trace's own estimates (lw_trace_opts_default) */
    lw_err err;
    if (lw_estimator_new(f->cat, f->m, f->g, &eo, &f->e, &err) != LW_OK)
        return -1;
    snprintf(f->tmp, sizeof f->tmp, "/tmp/lw_test_trace_%ld.csv", (long)getpid());
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    remove(f->tmp);
    lw_estimator_free(f->e);
    lw_catalogue_free(f->cat);
    free(f);
    return 0;
}

/* What `llmwatt estimate --model llama-3.1-8b --gpu h100` gives one request: its share of a batch. */
static double estimate_j(fixture *f, double in, double out, double rsn, int batch, lw_estimate *full)
{
    lw_workload w = lw_workload_default();
    w.input_tokens = in;
    w.output_tokens = out;
    w.reasoning_tokens = rsn;
    w.batch = batch;
    w.weight_precision = f->m->native_precision;
    lw_estimate est = LW_ESTIMATE_INIT;
    lw_err err;
    assert_int_equal(lw_estimator_run(f->e, &w, &est, &err), LW_OK);
    if (full)
        *full = est;
    return est.energy_per_request_j.expected;
}

static lw_trace_opts opts(fixture *f, int batch)
{
    lw_trace_opts o = lw_trace_opts_default(f->cat);
    o.default_model = f->m;
    o.gpu = f->g;
    o.batch = batch;
    return o;
}

static char *data_path(const char *name)
{
    static char p[512];
    snprintf(p, sizeof p, "%s/trace/%s", lw_test_data_dir(), name);
    return p;
}

static void run_ok(fixture *f, const char *path, const lw_trace_opts *o)
{
    lw_err err;
    if (lw_trace_run(f->cat, path, o, &f->S, &err) != LW_OK) {
        print_error("%s\n", lw_err_message(&err));
        fail();
    }
}

/* The Azure sample's rows (tests/data/trace/azure_code.csv), input and output tokens. */
static const double AZURE[8][2] = {{4808, 10}, {3180, 8}, {110, 27},   {7502, 12},
                                   {1024, 256}, {2048, 64}, {512, 512}, {4808, 10}};

static void test_fixed_batch_equals_estimate(void **state)
{
    fixture *f = *state;
    for (int batch = 1; batch <= 16; batch *= 4) {
        double expect = 0, in = 0, out = 0;
        for (int i = 0; i < 8; i++) {
            expect += estimate_j(f, AZURE[i][0], AZURE[i][1], 0, batch, NULL);
            in += AZURE[i][0];
            out += AZURE[i][1];
        }
        lw_trace_opts o = opts(f, batch);
        run_ok(f, data_path("azure_code.csv"), &o);
        assert_int_equal(f->S.requests, 8);
        assert_int_equal(f->S.bad_rows, 0);
        assert_int_equal(f->S.lines, 9);
        assert_rel(in, 23992, 0); /* 4808+3180+110+7502+1024+2048+512+4808 */
        assert_rel(out, 899, 0);  /* 10+8+27+12+256+64+512+10 */
        assert_rel(f->S.input_tokens, in, 0);
        assert_rel(f->S.output_tokens, out, 0);
        assert_rel(f->S.energy_j, expect, 1e-12);
        assert_false(f->S.estimated_batch);
        assert_int_equal(f->S.models[0].batch_min, batch);
        assert_int_equal(f->S.models[0].batch_max, batch);
        /* first and last timestamps: 18:15:46.68059 and 18:16:10.25 on 2023-11-16 */
        assert_rel(f->S.first_time_s, 1700158546.68059, 1e-15);
        assert_rel(f->S.last_time_s, 1700158570.25, 1e-15);
    }
}

static void test_threads_and_chunks_do_not_change_results(void **state)
{
    fixture *f = *state;
    /* 500 rows of varied sizes, some bad, cut into chunks of 100 bytes over 1 and 3 threads */
    FILE *fp = fopen(f->tmp, "w");
    fputs("time,input,output\n", fp);
    for (int i = 0; i < 500; i++)
        fprintf(fp, i % 97 == 5 ? "%d,x%d,%d\n" : "%d,%d,%d\n", i, 50 + (i * 37) % 3000, 1 + (i * 13) % 400);
    fclose(fp);
    lw_trace_opts o = opts(f, 4);
    lw_trace_summary a, b;
    o.threads = 1;
    o.chunk_bytes = 100;
    run_ok(f, f->tmp, &o);
    a = f->S;
    o.threads = 3;
    run_ok(f, f->tmp, &o);
    b = f->S;
    /* rows 5, 102, 199, 296, 393, 490 are bad (lines 7, 104, ...) */
    assert_int_equal(a.bad_rows, 6);
    assert_int_equal(b.bad_rows, 6);
    assert_int_equal(b.bad[0].line, 7);
    assert_int_equal(b.bad[5].line, 492);
    assert_int_equal(a.requests, 494);
    assert_true(a.energy_j == b.energy_j); /* same chunks, same order of sums: bit-identical */
    o.chunk_bytes = 0;
    run_ok(f, f->tmp, &o);
    assert_rel(f->S.energy_j, a.energy_j, 1e-13); /* other chunks: other rounding only */
    double expect = 0;
    for (int i = 0; i < 500; i++)
        if (i % 97 != 5)
            expect += estimate_j(f, 50 + (i * 37) % 3000, 1 + (i * 13) % 400, 0, 4, NULL);
    assert_rel(b.energy_j, expect, 1e-12);
}

static void test_bad_rows_lines(void **state)
{
    fixture *f = *state;
    lw_trace_opts o = opts(f, 1);
    run_ok(f, data_path("bad_rows.csv"), &o);
    assert_int_equal(f->S.requests, 2);
    assert_int_equal(f->S.bad_rows, 5);
    static const uint64_t lines[5] = {3, 4, 5, 6, 8};
    static const char *const msgs[5] = {"'ContextTokens' is not a number: 'abc'", "'ContextTokens' is negative: '-5'",
                                        "has 2 fields, the header has 3",
                                        "'TIMESTAMP' is not a timestamp: '2023-13-16 18:15:50.0000000'",
                                        "'ContextTokens' is empty"};
    for (int i = 0; i < 5; i++) {
        assert_int_equal(f->S.bad[i].line, lines[i]);
        assert_string_equal(f->S.bad[i].msg, msgs[i]);
    }
    /* the two good rows only: (100, 10) and (200, 20) */
    assert_rel(f->S.energy_j, estimate_j(f, 100, 10, 0, 1, NULL) + estimate_j(f, 200, 20, 0, 1, NULL), 1e-12);
    o.on_error = LW_TRACE_FAIL;
    lw_err err;
    assert_int_equal(lw_trace_run(f->cat, data_path("bad_rows.csv"), &o, &f->S, &err), LW_ERR_PARSE);
    assert_non_null(strstr(lw_err_message(&err), "line 3: 'ContextTokens' is not a number: 'abc'"));
    /* JSON Lines */
    o.on_error = LW_TRACE_SKIP;
    run_ok(f, data_path("bad_rows.jsonl"), &o);
    assert_int_equal(f->S.requests, 1);
    assert_int_equal(f->S.bad_rows, 4);
    assert_int_equal(f->S.bad[0].line, 2);
    assert_string_equal(f->S.bad[0].msg, "missing key 'output_tokens'");
    assert_int_equal(f->S.bad[1].line, 3);
    assert_int_equal(f->S.bad[2].line, 4);
    assert_int_equal(f->S.bad[3].line, 5);
}

static void test_jsonl_generic(void **state)
{
    fixture *f = *state;
    lw_trace_opts o = opts(f, 2);
    o.default_model = NULL; /* every row names llama-3.1-8b */
    run_ok(f, data_path("generic.jsonl"), &o);
    assert_int_equal(f->S.format, LW_TRACE_JSONL);
    assert_int_equal(f->S.requests, 3);
    assert_int_equal(f->S.lines, 4); /* line 3 is blank */
    assert_rel(f->S.reasoning_tokens, 50, 0);
    double expect = estimate_j(f, 1000, 200, 50, 2, NULL) + estimate_j(f, 300, 100, 0, 2, NULL) +
                    estimate_j(f, 20, 40, 0, 2, NULL);
    assert_rel(f->S.energy_j, expect, 1e-12);
    /* 2023-11-14T22:13:21Z = 1,700,000,001 s is the smallest; 1,700,000,001.25 the largest */
    assert_rel(f->S.first_time_s, 1700000000.5, 1e-15);
    assert_rel(f->S.last_time_s, 1700000001.25, 1e-15);
    assert_int_equal(f->S.out_of_order, 1);
}

static void test_burstgpt_models(void **state)
{
    fixture *f = *state;
    lw_trace_opts o = opts(f, 8);
    o.default_model = NULL;
    lw_err err;
    /* unmapped names fail with the line of the first one */
    assert_int_equal(lw_trace_run(f->cat, data_path("burstgpt.csv"), &o, &f->S, &err), LW_ERR_NOT_FOUND);
    assert_non_null(strstr(lw_err_message(&err), "line 2: model 'ChatGPT' is not in the catalogue"));
    o.map_from[0] = "ChatGPT";
    o.map_to[0] = "llama-3.1-8b";
    o.map_from[1] = "gpt-4"; /* names match case-insensitively */
    o.map_to[1] = "qwen2.5-7b";
    o.nmap = 2;
    run_ok(f, data_path("burstgpt.csv"), &o);
    assert_int_equal(f->S.nmodels, 2);
    assert_string_equal(f->S.models[0].name, "ChatGPT");
    assert_string_equal(f->S.models[0].catalogue, "llama-3.1-8b");
    assert_int_equal(f->S.models[0].requests, 3);
    assert_rel(f->S.models[0].input_tokens, 2919, 0); /* 472 + 1087 + 1360 */
    assert_rel(f->S.models[0].output_tokens, 248, 0); /* 18 + 230 + 0 */
    assert_string_equal(f->S.models[1].catalogue, "qwen2.5-7b");
    assert_rel(f->S.models[1].input_tokens, 2620, 0); /* 417 + 2203 */
    assert_rel(f->S.models[0].energy_j,
               estimate_j(f, 472, 18, 0, 8, NULL) + estimate_j(f, 1087, 230, 0, 8, NULL) + estimate_j(f, 1360, 0, 0, 8, NULL),
               1e-12);
    /* unknown names with the default model */
    o.nmap = 0;
    o.default_model = f->m;
    o.unknown_model = LW_TRACE_UNKNOWN_DEFAULT;
    run_ok(f, data_path("burstgpt.csv"), &o);
    assert_int_equal(f->S.defaulted_requests, 5);
    assert_true(f->S.models[0].defaulted);
}

/* Smallest B with rate * T(B) <= B, checked from its definition with the estimator. */
static void check_little(fixture *f, double in, double out, double rate, int b)
{
    lw_estimate e1, e0;
    estimate_j(f, in, out, 0, b, &e1);
    assert_true(rate * e1.time_s <= b);
    if (b > 1) {
        estimate_j(f, in, out, 0, b - 1, &e0);
        assert_true(rate * e0.time_s > b - 1);
    }
}

static void test_estimated_concurrency(void **state)
{
    fixture *f = *state;
    /* window [0, 60): one request of 100 in / 10 out: rate 1/60 per s, T(1) well under 60 s -> B = 1.
     * window [60, 120): 600 requests of 1000 in / 100 out at 10 per second. llama-3.1-8b bf16 on
     * an H100 decodes a step in ~16 GB / 3.35 TB/s ~ 5 ms, so T(1) ~ 100 x 5 ms = 0.5 s and
     * 10/s x 0.5 s ~ 5 concurrent requests: B is a handful, not 1 and not the cap. */
    FILE *fp = fopen(f->tmp, "w");
    fputs("timestamp,input_tokens,output_tokens\n30,100,10\n", fp);
    for (int i = 0; i < 600; i++)
        fprintf(fp, "%.1f,1000,100\n", 60.0 + i * 0.1);
    fclose(fp);
    lw_trace_opts o = opts(f, 0);
    o.window_s = 60;
    run_ok(f, f->tmp, &o);
    assert_true(f->S.estimated_batch);
    assert_int_equal(f->S.windows, 2);
    assert_int_equal(f->S.requests, 601);
    assert_int_equal(f->S.models[0].batch_min, 1);
    int b = f->S.models[0].batch_max;
    assert_true(b >= 2 && b <= 32);
    check_little(f, 1000, 100, 10.0, b);
    check_little(f, 100, 10, 1.0 / 60, 1);
    assert_rel(f->S.models[0].batch_sum, 1 + 600.0 * b, 0);
    assert_rel(f->S.energy_j, estimate_j(f, 100, 10, 0, 1, NULL) + 600 * estimate_j(f, 1000, 100, 0, b, NULL), 1e-12);
    assert_int_equal(f->S.saturated_requests, 0);
    /* the same rows shuffled: windows are absolute time bins, so the answer is the same */
    fp = fopen(f->tmp, "w");
    fputs("timestamp,input_tokens,output_tokens\n", fp);
    for (int i = 599; i >= 0; i--)
        fprintf(fp, "%.1f,1000,100\n", 60.0 + i * 0.1);
    fputs("30,100,10\n", fp);
    fclose(fp);
    double total = f->S.energy_j;
    run_ok(f, f->tmp, &o);
    assert_rel(f->S.energy_j, total, 1e-12);
    assert_int_equal(f->S.out_of_order, 600); /* every row but the first precedes its predecessor */
    /* a cap of 2 saturates the busy window */
    o.max_batch = 2;
    run_ok(f, f->tmp, &o);
    assert_int_equal(f->S.models[0].batch_max, 2);
    assert_int_equal(f->S.saturated_requests, 600);
}

static void test_memory_caps_estimated_batch(void **state)
{
    fixture *f = *state;
    /* 6000 requests of 30,000 in / 2,000 out in one minute: 100 per second, each holding
     * 32,000 x 131,072 B = 4.2 GB of KV cache (bf16): an 80 GB H100 holds the 16 GB of weights
     * and about 13 such requests, far below what the arrival rate asks for. */
    FILE *fp = fopen(f->tmp, "w");
    fputs("timestamp,input_tokens,output_tokens\n", fp);
    for (int i = 0; i < 6000; i++)
        fprintf(fp, "%.2f,30000,2000\n", i * 0.01);
    fclose(fp);
    lw_trace_opts o = opts(f, 0);
    run_ok(f, f->tmp, &o);
    int b = f->S.models[0].batch_max;
    assert_true(b >= 8 && b <= 16);
    assert_int_equal(f->S.saturated_requests, 6000);
    /* b fits, b + 1 does not (the estimate with a fixed batch fails) */
    lw_workload w = lw_workload_default();
    w.input_tokens = 30000;
    w.output_tokens = 2000;
    w.batch = b + 1;
    lw_estimate est = LW_ESTIMATE_INIT;
    assert_int_equal(lw_estimator_run(f->e, &w, &est, NULL), LW_ERR_INFEASIBLE);
    o = opts(f, b + 1);
    lw_err err;
    assert_int_equal(lw_trace_run(f->cat, f->tmp, &o, &f->S, &err), LW_ERR_INFEASIBLE);
    assert_non_null(strstr(lw_err_message(&err), "line 2: does not fit"));
}

static void test_percentiles(void **state)
{
    fixture *f = *state;
    /* 100 requests with outputs 10, 20, ..., 1000: energies rise with the output, so the
     * nearest-rank p50, p90, p99 are the 50th, 90th and 99th rows' energies (to 1/256). */
    FILE *fp = fopen(f->tmp, "w");
    fputs("timestamp,input_tokens,output_tokens\n", fp);
    for (int i = 1; i <= 100; i++)
        fprintf(fp, "%d,500,%d\n", i, 10 * i);
    fclose(fp);
    lw_trace_opts o = opts(f, 1);
    run_ok(f, f->tmp, &o);
    assert_rel(f->S.p50_j, estimate_j(f, 500, 500, 0, 1, NULL), 1.0 / 256);
    assert_rel(f->S.p90_j, estimate_j(f, 500, 900, 0, 1, NULL), 1.0 / 256);
    assert_rel(f->S.p99_j, estimate_j(f, 500, 990, 0, 1, NULL), 1.0 / 256);
    assert_rel(f->S.min_j, estimate_j(f, 500, 10, 0, 1, NULL), 1e-15);
    assert_rel(f->S.max_j, estimate_j(f, 500, 1000, 0, 1, NULL), 1e-15);
}

typedef struct sink_buf {
    char data[4096];
    size_t len;
} sink_buf;

static lw_status sink(void *ctx, const char *data, size_t len, lw_err *err)
{
    (void)err;
    sink_buf *s = ctx;
    if (s->len + len < sizeof s->data) {
        memcpy(s->data + s->len, data, len);
        s->len += len;
    }
    s->data[s->len] = '\0';
    return LW_OK;
}

static void test_per_request_output(void **state)
{
    fixture *f = *state;
    sink_buf *s = calloc(1, sizeof *s);
    lw_trace_opts o = opts(f, 2);
    o.per_request = LW_TRACE_OUT_CSV;
    o.sink = sink;
    o.sink_ctx = s;
    o.chunk_bytes = 40; /* several chunks: line numbers must still be absolute */
    run_ok(f, data_path("bad_rows.csv"), &o);
    double e1 = estimate_j(f, 100, 10, 0, 2, NULL), e2 = estimate_j(f, 200, 20, 0, 2, NULL);
    char expect[1024];
    snprintf(expect, sizeof expect,
             "line,timestamp_s,model,input_tokens,output_tokens,reasoning_tokens,batch,energy_j,j_per_output_token\n"
             "2,1700158546.68059,llama-3.1-8b,100,10,0,2,%.9g,%.9g\n"
             "7,1700158551,llama-3.1-8b,200,20,0,2,%.9g,%.9g\n",
             e1, e1 / 10, e2, e2 / 20);
    assert_string_equal(s->data, expect);
    s->len = 0;
    o.per_request = LW_TRACE_OUT_JSONL;
    run_ok(f, data_path("generic.jsonl"), &o);
    assert_non_null(strstr(s->data, "{\"line\":4,\"timestamp_s\":1700000001,\"model\":\"llama-3.1-8b\",\"input_tokens\":20,"
                                    "\"output_tokens\":40,\"reasoning_tokens\":0,\"batch\":2,\"energy_j\":"));
    free(s);
}

static void test_bad_options(void **state)
{
    fixture *f = *state;
    lw_err err;
    lw_trace_opts o = opts(f, 1);
    assert_int_equal(lw_trace_run(f->cat, "/nonexistent/trace.csv", &o, &f->S, &err), LW_ERR_IO);
    assert_non_null(strstr(lw_err_message(&err), "cannot open '/nonexistent/trace.csv'"));
    o.gpu = NULL;
    assert_int_equal(lw_trace_run(f->cat, data_path("azure_code.csv"), &o, &f->S, &err), LW_ERR_INVALID_ARGUMENT);
    o = opts(f, 1);
    o.map_from[0] = "x";
    o.map_to[0] = "no-such-model";
    o.nmap = 1;
    assert_int_equal(lw_trace_run(f->cat, data_path("azure_code.csv"), &o, &f->S, &err), LW_ERR_NOT_FOUND);
    assert_non_null(strstr(lw_err_message(&err), "model map 'x=no-such-model'"));
    o = opts(f, 1);
    o.default_model = NULL;
    assert_int_equal(lw_trace_run(f->cat, data_path("azure_code.csv"), &o, &f->S, &err), LW_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(lw_err_message(&err), "has no model column"));
}

/* The --json document and the cost of a trace: the energy through seed 004's chain (GPU x 1.2
 * overhead / 0.95 PSU x PUE) at the price, and carbon at the grid intensity, by hand. */
static void test_json_and_cost(void **state)
{
    fixture *f = *state;
    lw_err err;
    lw_trace_opts o = opts(f, 1);
    o.estimate.pue = 1.25;
    run_ok(f, data_path("azure_code.csv"), &o);
    lw_trace_cost_opts co = LW_TRACE_COST_OPTS_INIT;
    co.price_usd_per_kwh = 0.2;
    co.grid_g_per_kwh = 400;
    lw_trace_cost c = LW_TRACE_COST_INIT;
    assert_int_equal(lw_trace_cost_compute(f->cat, &f->S, &o, &co, &c, &err), LW_OK);
    assert_true(c.computed);
    double wall = f->S.energy_j / 3.6e6 * 1.2 / 0.95;
    assert_rel(c.wall_kwh, wall, 1e-12);
    assert_rel(c.billed_kwh, wall * 1.25, 1e-12);
    assert_rel(c.energy_usd, wall * 1.25 * 0.2, 1e-12);
    assert_rel(c.co2e_g, wall * 1.25 * 400, 1e-12);
    assert_string_equal(c.grid_source, "--grid-g-per-kwh");
    char *text = lw_trace_summary_to_json(&f->S, "azure_code.csv", &o, &c, 2, &err);
    assert_non_null(text);
    json_t *d = json_loads(text, 0, NULL);
    assert_non_null(d);
    assert_rel(json_real_value(json_object_get(d, "total_energy_j")), f->S.energy_j, 1e-14);
    assert_int_equal(json_integer_value(json_object_get(d, "requests")), 8);
    assert_string_equal(json_string_value(json_object_get(d, "file")), "azure_code.csv");
    json_t *cc = json_object_get(d, "cost_and_carbon");
    assert_rel(json_real_value(json_object_get(cc, "co2e_g")), wall * 1.25 * 400, 1e-14);
    assert_int_equal(json_array_size(json_object_get(d, "warnings")), (size_t)lw_trace_summary_warning_count(&f->S));
    json_decref(d);
    lw_free(text);
    /* no cost given: "cost_and_carbon" is null */
    text = lw_trace_summary_to_json(&f->S, "x", &o, NULL, 0, &err);
    assert_non_null(strstr(text, "\"cost_and_carbon\": null"));
    lw_free(text);
    /* region and intensity together, an unknown region */
    co.region = "us";
    assert_int_equal(lw_trace_cost_compute(f->cat, &f->S, &o, &co, &c, &err), LW_ERR_INVALID_ARGUMENT);
    co.grid_g_per_kwh = -1;
    co.region = "atlantis";
    assert_int_equal(lw_trace_cost_compute(f->cat, &f->S, &o, &co, &c, &err), LW_ERR_NOT_FOUND);
    assert_non_null(strstr(lw_err_message(&err), "atlantis"));
}

/* Structs not started from their initialiser are refused with the fix named. */
static void test_versions(void **state)
{
    fixture *f = *state;
    lw_err err;
    lw_trace_opts o = opts(f, 1);
    lw_trace_summary *s = calloc(1, sizeof *s);
    assert_int_equal(lw_trace_run(f->cat, data_path("azure_code.csv"), &o, s, &err), LW_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(lw_err_message(&err), "LW_TRACE_SUMMARY_INIT"));
    assert_int_equal(lw_trace_summary_init(s, LW_TRACE_SUMMARY_VERSION + 1, &err), LW_ERR_VERSION);
    assert_int_equal(lw_trace_summary_init(s, LW_TRACE_SUMMARY_VERSION, &err), LW_OK);
    assert_int_equal(lw_trace_run(f->cat, data_path("azure_code.csv"), &o, s, &err), LW_OK);
    assert_int_equal(s->requests, 8);
    assert_int_equal(lw_trace_summary_warning_count(s), 0);
    assert_null(lw_trace_summary_warning(s, 0));
    free(s);
    lw_trace_cost_opts co;
    memset(&co, 0, sizeof co);
    lw_trace_cost c = LW_TRACE_COST_INIT;
    assert_int_equal(lw_trace_cost_compute(f->cat, &f->S, &o, &co, &c, &err), LW_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(lw_err_message(&err), "LW_TRACE_COST_OPTS_INIT"));
    assert_int_equal(lw_trace_cost_opts_init(&co, LW_TRACE_COST_OPTS_VERSION, &err), LW_OK);
    assert_true(co.price_usd_per_kwh < 0 && co.region == NULL);
}

/* lw_trace_opts is versioned: version 0 and newer versions are refused naming the fix; the
 * initialisers give the documented defaults (window 60 s, cap 256 = vLLM max_num_seqs, strict memory). */
static void test_opts_version(void **state)
{
    fixture *f = *state;
    lw_err err;
    lw_trace_opts o = opts(f, 1);
    o.version = 0;
    lw_trace_summary *s = calloc(1, sizeof *s);
    s->version = LW_TRACE_SUMMARY_VERSION;
    assert_int_equal(lw_trace_run(f->cat, data_path("azure_code.csv"), &o, s, &err), LW_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(lw_err_message(&err), "lw_trace_opts has version 0"));
    assert_non_null(strstr(lw_err_message(&err), "LW_TRACE_OPTS_INIT"));
    assert_null(lw_trace_summary_to_json(&f->S, "x.csv", &o, NULL, 2, &err));
    assert_non_null(strstr(lw_err_message(&err), "LW_TRACE_OPTS_INIT"));
    lw_trace_cost_opts co = lw_trace_cost_opts_default();
    lw_trace_cost c = LW_TRACE_COST_INIT;
    assert_int_equal(lw_trace_cost_compute(f->cat, &f->S, &o, &co, &c, &err), LW_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(lw_err_message(&err), "LW_TRACE_OPTS_INIT"));
    o.version = LW_TRACE_OPTS_VERSION + 1;
    assert_int_equal(lw_trace_run(f->cat, data_path("azure_code.csv"), &o, s, &err), LW_ERR_VERSION);
    assert_int_equal(lw_trace_opts_init(&o, LW_TRACE_OPTS_VERSION + 1, f->cat, &err), LW_ERR_VERSION);
    assert_non_null(strstr(lw_err_message(&err), "use the library the program was built with"));
    assert_int_equal(lw_trace_opts_init(&o, 0, f->cat, &err), LW_ERR_INVALID_ARGUMENT);

    lw_trace_opts m = LW_TRACE_OPTS_INIT;
    assert_int_equal(lw_trace_opts_init(&o, LW_TRACE_OPTS_VERSION, NULL, &err), LW_OK);
    const lw_trace_opts *both[2] = {&m, &o};
    for (int i = 0; i < 2; i++) {
        assert_int_equal(both[i]->version, 1);
        assert_int_equal(both[i]->format, LW_TRACE_AUTO);
        assert_true(both[i]->time_unit_s == 1.0);
        assert_true(both[i]->window_s == 60.0);
        assert_int_equal(both[i]->max_batch, 256);
        assert_int_equal(both[i]->batch, 0);
        assert_int_equal(both[i]->kv_precision, LW_PREC_BF16);
        assert_int_equal(both[i]->estimate.version, LW_ESTIMATE_OPTS_VERSION);
        assert_int_equal(both[i]->estimate.method, LW_METHOD_ROOFLINE);
        assert_int_equal(both[i]->estimate.gpus, 1);
        assert_true(both[i]->estimate.pue == 1.0);
        assert_true(both[i]->estimate.strict_memory);
        assert_null(both[i]->gpu);
        assert_null(both[i]->sink);
    }

    assert_int_equal(lw_trace_opts_init(&o, LW_TRACE_OPTS_VERSION, f->cat, &err), LW_OK);
    o.default_model = f->m;
    o.gpu = f->g;
    o.batch = 1;
    assert_int_equal(lw_trace_run(f->cat, data_path("azure_code.csv"), &o, s, &err), LW_OK);
    assert_int_equal(s->requests, 8);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixed_batch_equals_estimate),
        cmocka_unit_test(test_threads_and_chunks_do_not_change_results),
        cmocka_unit_test(test_bad_rows_lines),
        cmocka_unit_test(test_jsonl_generic),
        cmocka_unit_test(test_burstgpt_models),
        cmocka_unit_test(test_estimated_concurrency),
        cmocka_unit_test(test_memory_caps_estimated_batch),
        cmocka_unit_test(test_percentiles),
        cmocka_unit_test(test_per_request_output),
        cmocka_unit_test(test_bad_options),
        cmocka_unit_test(test_json_and_cost),
        cmocka_unit_test(test_versions),
        cmocka_unit_test(test_opts_version),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
