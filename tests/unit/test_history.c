/* History: round trip, filters, time parsing, schema too new, corrupt file, foreign database, empty history. */
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "llmwatt/history.h"
#include "testutil.h"

static const char *MEAS =
    "{\"schema\": \"llmwatt.measurement/1\", \"labels\": {\"workload\": \"gpt8b\", \"model\": \"llama-3.1-8b\","
    " \"precision\": \"FP16\", \"batch\": \"16\", \"seq_len\": \"2048\"},"
    " \"start_time\": \"2026-11-21T14:00:00Z\", \"duration_s\": 120.0,"
    " \"gpus\": [{\"index\": 0, \"name\": \"NVIDIA H100 80GB HBM3\"}],"
    " \"aggregate\": {\"energy_j\": 60000.0, \"avg_power_w\": 500.0, \"peak_power_w\": 690.0},"
    " \"idle_baseline\": {\"power_w\": 70.0},"
    " \"tokens\": 240000, \"tokens_per_s\": 2000.0, \"j_per_token\": 0.25, \"tokens_per_j\": 4.0,"
    " \"verdict\": {\"valid\": true, \"criteria\": []}}";

static const char *EST =
    "{\"method\": \"roofline\", \"model\": \"llama-3.1-8b\", \"gpu\": \"h100-sxm\", \"gpus\": 1, \"batch\": 8,"
    " \"prefill_j\": 10.0, \"decode_j\": 90.0, \"energy_per_request_j\": {\"low\": 80, \"expected\": 100, \"high\": 130},"
    " \"energy_per_output_token_j\": {\"low\": 0.4, \"expected\": 0.5, \"high\": 0.65}}";

static char *tmp_path(const char *name)
{
    static char buf[4][256];
    static int k;
    char *p = buf[k++ % 4];
    snprintf(p, 256, "/tmp/lw_test_history_%d_%s", (int)getpid(), name);
    remove(p);
    return p;
}

static void test_time_parse(void **state)
{
    (void)state;
    long long t;
    /* 2026-11-21 = 20,778 days after 1970-01-01; + 14 h */
    assert_int_equal(lw_time_parse("2026-11-21T14:00:00Z", 0, false, &t, NULL), LW_OK);
    assert_true(t == (20778LL * 86400 + 14 * 3600) * 1000000000LL);
    assert_int_equal(lw_time_parse("2026-11-21T16:00:00+02:00", 0, false, &t, NULL), LW_OK);
    assert_true(t == (20778LL * 86400 + 14 * 3600) * 1000000000LL);
    assert_int_equal(lw_time_parse("2026-11-21", 0, true, &t, NULL), LW_OK);
    assert_true(t == (20779LL * 86400) * 1000000000LL - 1);
    assert_int_equal(lw_time_parse("-7d", 1000LL * 86400 * 1000000000LL, false, &t, NULL), LW_OK);
    assert_true(t == 993LL * 86400 * 1000000000LL);
    assert_int_equal(lw_time_parse("2026-13-01", 0, false, &t, NULL), LW_ERR_INVALID_ARGUMENT);
    assert_int_equal(lw_time_parse("yesterday", 0, false, &t, NULL), LW_ERR_INVALID_ARGUMENT);
    char b[32];
    assert_string_equal(lw_time_format((20778LL * 86400 + 14 * 3600) * 1000000000LL, b, sizeof b), "2026-11-21T14:00:00Z");
}

static void test_parse(void **state)
{
    (void)state;
    lw_run r = LW_RUN_INIT;
    assert_int_equal(lw_run_parse(MEAS, &r, NULL), LW_OK);
    assert_int_equal(r.kind, LW_RUN_MEASUREMENT);
    assert_string_equal(r.workload, "gpt8b");
    assert_string_equal(r.precision, "fp16"); /* lower-cased */
    assert_int_equal(r.batch, 16);
    assert_int_equal(r.gpus, 1); /* from the gpus array */
    assert_rel(r.tokens_per_j, 4.0, 0);
    assert_rel(r.idle_power_w, 70.0, 0);
    assert_int_equal(r.valid, 1);
    assert_int_equal(lw_run_parse(EST, &r, NULL), LW_OK);
    assert_int_equal(r.kind, LW_RUN_ESTIMATE);
    assert_rel(r.tokens_per_j, 1 / 0.5, 1e-12);
    assert_rel(r.j_per_token_high, 0.65, 0);
    assert_int_equal(r.valid, -1);
    assert_int_equal(r.time_ns, 0);
    lw_err err;
    assert_int_equal(lw_run_parse("{\"schema\": \"llmwatt.measurement/1\"", &r, &err), LW_ERR_PARSE);
    assert_non_null(strstr(lw_err_message(&err), "not valid JSON"));
    assert_int_equal(lw_run_parse("{\"hello\": 1}", &r, &err), LW_ERR_PARSE);
    assert_int_equal(lw_run_parse("{\"schema\": \"llmwatt.measurement/2\"}", &r, &err), LW_ERR_VERSION);
}

/* lw_run is versioned: a record not started from LW_RUN_INIT is refused naming it, a newer one is
 * LW_ERR_VERSION, and the parse keeps the caller's version; lw_run_at refuses unknown versions. */
static void test_run_version(void **state)
{
    (void)state;
    lw_run r;
    lw_err err;
    memset(&r, 0, sizeof r);
    assert_int_equal(lw_run_parse(MEAS, &r, &err), LW_ERR_INVALID_ARGUMENT);
    assert_string_equal(lw_err_message(&err), "lw_run has version 0: start it from LW_RUN_INIT");
    assert_int_equal(lw_run_load("/nonexistent.json", &r, NULL, &err), LW_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(lw_err_message(&err), "LW_RUN_INIT"));
    assert_null(lw_run_at(&r, 0));
    assert_null(lw_run_at(NULL, 0));
    r.version = LW_RUN_VERSION + 1;
    assert_int_equal(lw_run_parse(MEAS, &r, &err), LW_ERR_VERSION);
    assert_null(lw_run_at(&r, 0));
    r = (lw_run)LW_RUN_INIT;
    assert_int_equal(lw_run_parse(MEAS, &r, &err), LW_OK);
    assert_int_equal(r.version, 1);
    assert_rel(r.tokens_per_j, 4.0, 0);
    lw_run two[2] = {LW_RUN_INIT, LW_RUN_INIT};
    assert_ptr_equal(lw_run_at(two, 1), &two[1]);
}

/* An estimate as `llmwatt estimate --json` writes it: 8 requests of 256 output tokens in 2.048 s
 * at 500 W (J per token 500 W x 2.048 s / 2048 tokens = 0.5). */
static const char *EST_FULL =
    "{\"method\": \"roofline\", \"model\": \"llama-3.1-8b\", \"gpu\": \"h100-sxm\", \"gpus\": 1, \"batch\": 8,"
    " \"input_tokens\": 512.0, \"output_tokens\": 256.0, \"time_s\": 2.048, \"avg_power_w\": 500.0,"
    " \"energy_per_output_token_j\": {\"low\": 0.25, \"expected\": 0.5, \"high\": 1.0}}";

static void test_parse_estimate_throughput(void **state)
{
    (void)state;
    lw_run r = LW_RUN_INIT;
    assert_int_equal(lw_run_parse(EST_FULL, &r, NULL), LW_OK);
    /* batch x output_tokens / time_s = 8 x 256 / 2.048 = 1000 tokens/s; power: its avg_power_w */
    assert_rel(r.tokens_per_s, 8.0 * 256.0 / 2.048, 1e-12);
    assert_rel(r.avg_power_w, 500.0, 0);
    /* without time_s or output_tokens there is no throughput and so no power either */
    assert_int_equal(lw_run_parse(EST, &r, NULL), LW_OK);
    assert_true(isnan(r.tokens_per_s));
    assert_true(isnan(r.avg_power_w));
}

static void test_round_trip(void **state)
{
    (void)state;
    const char *db = tmp_path("rt.db");
    lw_history *h;
    assert_int_equal(lw_history_open(db, LW_HISTORY_WRITE, &h, NULL), LW_OK);
    assert_int_equal(lw_history_version(h), LW_HISTORY_SCHEMA_VERSION);
    long long id1, id2;
    assert_int_equal(lw_history_add_measurement(h, MEAS, &id1, NULL), LW_OK);
    /* the estimate has no time: it gets the record time given, 2026-11-22T00:00Z */
    const char *est[] = {EST};
    assert_int_equal(lw_history_add_many(h, est, 1, 20779LL * 86400 * 1000000000LL, &id2, NULL), LW_OK);
    lw_err err;
    assert_int_equal(lw_history_add_estimate(h, MEAS, NULL, &err), LW_ERR_PARSE); /* wrong kind */
    lw_history_close(h);

    assert_int_equal(lw_history_open(db, LW_HISTORY_READ, &h, NULL), LW_OK);
    lw_history_filter f = lw_history_filter_all();
    lw_run *runs;
    size_t n;
    assert_int_equal(lw_history_query(h, &f, &runs, &n, NULL), LW_OK);
    assert_int_equal(n, 2);
    assert_true(lw_run_at(runs, 0)->id == id1); /* oldest first: 2026-11-21T14:00Z before 2026-11-22 */
    assert_true(lw_run_at(runs, 1)->id == id2);
    assert_true(lw_run_at(runs, 1)->time_ns == 20779LL * 86400 * 1000000000LL);
    /* the library's records carry its version; the accessor's stride is the record's */
    assert_int_equal(runs[0].version, LW_RUN_VERSION);
    assert_int_equal(lw_run_at(runs, 1)->version, LW_RUN_VERSION);
    assert_ptr_equal(lw_run_at(runs, 1), &runs[1]);
    free(runs);
    /* a filter not started from lw_history_filter_all() is refused, naming the fix */
    lw_history_filter zero;
    memset(&zero, 0, sizeof zero);
    assert_int_equal(lw_history_query(h, &zero, &runs, &n, &err), LW_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(lw_err_message(&err), "lw_history_filter_all()"));
    assert_int_equal(lw_history_filter_init(&zero, LW_HISTORY_FILTER_VERSION, &err), LW_OK);
    assert_int_equal(zero.kind, -1);
    f.workload = "gpt8b";
    assert_int_equal(lw_history_query(h, &f, &runs, &n, NULL), LW_OK);
    assert_int_equal(n, 1);
    assert_rel(lw_run_at(runs, 0)->avg_power_w, 500.0, 0);
    assert_rel(lw_run_at(runs, 0)->tokens_per_s, 2000.0, 0);
    assert_int_equal(lw_run_at(runs, 0)->batch, 16);
    free(runs);
    f = lw_history_filter_all();
    assert_int_equal(lw_time_parse("2026-11-22", 0, false, &f.since_ns, NULL), LW_OK);
    f.kind = LW_RUN_MEASUREMENT;
    assert_int_equal(lw_history_query(h, &f, &runs, &n, NULL), LW_OK);
    assert_int_equal(n, 0);
    free(runs);
    char *text;
    assert_int_equal(lw_history_run_json(h, id1, &text, NULL), LW_OK);
    assert_string_equal(text, MEAS); /* the whole JSON is kept */
    free(text);
    assert_int_equal(lw_history_run_json(h, 999, &text, &err), LW_ERR_NOT_FOUND);
    lw_history_close(h);
    remove(db);
}

static void test_add_many_is_atomic(void **state)
{
    (void)state;
    const char *db = tmp_path("atomic.db");
    lw_history *h;
    assert_int_equal(lw_history_open(db, LW_HISTORY_WRITE, &h, NULL), LW_OK);
    const char *texts[] = {MEAS, "{broken", EST};
    lw_err err;
    assert_int_equal(lw_history_add_many(h, texts, 3, 1, NULL, &err), LW_ERR_PARSE);
    assert_non_null(strstr(lw_err_message(&err), "run 2 of 3"));
    assert_non_null(strstr(lw_err_message(&err), "nothing was recorded"));
    lw_history_filter f = lw_history_filter_all();
    lw_run *runs;
    size_t n;
    assert_int_equal(lw_history_query(h, &f, &runs, &n, NULL), LW_OK);
    assert_int_equal(n, 0);
    free(runs);
    lw_history_close(h);
    remove(db);
}

static long file_size(const char *p)
{
    FILE *f = fopen(p, "rb");
    if (!f)
        return -1;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fclose(f);
    return n;
}

static void test_schema_too_new(void **state)
{
    (void)state;
    const char *db = tmp_path("new.db");
    lw_history *h;
    assert_int_equal(lw_history_open(db, LW_HISTORY_WRITE, &h, NULL), LW_OK);
    assert_int_equal(lw_history_add_measurement(h, MEAS, NULL, NULL), LW_OK);
    lw_history_close(h);
    sqlite3 *s;
    assert_int_equal(sqlite3_open(db, &s), SQLITE_OK);
    assert_int_equal(sqlite3_exec(s, "UPDATE meta SET value='99' WHERE key='schema_version'", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(s);
    long before = file_size(db);
    lw_err err;
    assert_int_equal(lw_history_open(db, LW_HISTORY_WRITE, &h, &err), LW_ERR_VERSION);
    assert_non_null(strstr(lw_err_message(&err), "schema 99"));
    assert_non_null(strstr(lw_err_message(&err), "not modified"));
    assert_int_equal(lw_history_open(db, LW_HISTORY_READ, &h, &err), LW_ERR_VERSION);
    assert_int_equal(file_size(db), before);
    /* the run is still there */
    assert_int_equal(sqlite3_open(db, &s), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(s, "SELECT count(*) FROM runs", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 1);
    sqlite3_finalize(st);
    sqlite3_close(s);
    remove(db);
}

static void test_corrupt_and_foreign(void **state)
{
    (void)state;
    const char *db = tmp_path("corrupt.db");
    const char junk[] = "this is not a database, but it is somebody's data\n";
    FILE *f = fopen(db, "wb");
    assert_non_null(f);
    for (int i = 0; i < 200; i++)
        fputs(junk, f);
    fclose(f);
    lw_history *h;
    lw_err err;
    assert_int_equal(lw_history_open(db, LW_HISTORY_WRITE, &h, &err), LW_ERR_DATABASE);
    assert_non_null(strstr(lw_err_message(&err), "left untouched"));
    assert_int_equal(file_size(db), 200 * (long)strlen(junk));
    remove(db);

    const char *other = tmp_path("foreign.db");
    sqlite3 *s;
    assert_int_equal(sqlite3_open(other, &s), SQLITE_OK);
    assert_int_equal(sqlite3_exec(s, "CREATE TABLE t(x); INSERT INTO t VALUES (1)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(s);
    assert_int_equal(lw_history_open(other, LW_HISTORY_WRITE, &h, &err), LW_ERR_DATABASE);
    assert_non_null(strstr(lw_err_message(&err), "not an llmwatt history"));
    remove(other);
}

static void test_missing_and_empty(void **state)
{
    (void)state;
    const char *db = tmp_path("missing.db");
    lw_history *h;
    lw_err err;
    assert_int_equal(lw_history_open(db, LW_HISTORY_READ, &h, &err), LW_ERR_NOT_FOUND);
    assert_int_equal(file_size(db), -1); /* reading never creates */
    FILE *f = fopen(db, "wb");
    fclose(f);
    assert_int_equal(lw_history_open(db, LW_HISTORY_READ, &h, &err), LW_ERR_NOT_FOUND);
    assert_non_null(strstr(lw_err_message(&err), "no history yet"));
    remove(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_time_parse),        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_run_version),
        cmocka_unit_test(test_round_trip),        cmocka_unit_test(test_add_many_is_atomic),
        cmocka_unit_test(test_schema_too_new),    cmocka_unit_test(test_corrupt_and_foreign),
        cmocka_unit_test(test_missing_and_empty), cmocka_unit_test(test_parse_estimate_throughput),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
