/* Hostile input (docs/limits.md): the bounded reader's caps, decimal-only numbers and the time window
 * of years 1970-2200. Expected values are worked by hand from the documented limits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"
#include "core/util.h"

static char *temp_file(size_t size)
{
    char *path = strdup("/tmp/lw_limits_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    char block[4096];
    memset(block, 'a', sizeof block);
    for (size_t left = size; left > 0;) {
        size_t k = left < sizeof block ? left : sizeof block;
        assert_int_equal(write(fd, block, k), (ssize_t)k);
        left -= k;
    }
    close(fd);
    return path;
}

static void test_reader_caps(void **state)
{
    (void)state;
    char *text, *path = temp_file(5000);
    size_t len;
    lw_err err;
    /* exactly at the cap: read whole and NUL-terminated */
    assert_int_equal(lw_file_read_capped(path, 5000, "a test file", &text, &len, &err), LW_OK);
    assert_int_equal(len, 5000);
    assert_int_equal(text[4999], 'a');
    assert_int_equal(text[5000], '\0');
    free(text);
    /* one byte over (cap 4999 bytes; 4 KiB prints as KiB) */
    assert_int_equal(lw_file_read_capped(path, 4999, "a test file", &text, &len, &err), LW_ERR_IO);
    char want[256];
    snprintf(want, sizeof want, "'%s' is larger than the 4999 bytes limit for a test file: give a smaller file", path);
    assert_string_equal(lw_err_message(&err), want);
    assert_int_equal(lw_file_read_capped(path, 4096, "a test file", &text, &len, &err), LW_ERR_IO);
    assert_non_null(strstr(lw_err_message(&err), "the 4 KiB limit"));
    unlink(path);
    free(path);
    /* a device is read up to the cap, never to its end */
    assert_int_equal(lw_file_read_capped("/dev/zero", (size_t)1 << 20, "a catalogue file", &text, &len, &err), LW_ERR_IO);
    assert_string_equal(lw_err_message(&err), "'/dev/zero' is larger than the 1 MiB limit for a catalogue file: give a smaller file");
    /* an empty device is an empty input */
    assert_int_equal(lw_file_read_capped("/dev/null", 16, "a test file", &text, &len, &err), LW_OK);
    assert_int_equal(len, 0);
    free(text);
    assert_int_equal(lw_file_read_capped("/tmp", 16, "a test file", &text, &len, &err), LW_ERR_IO);
    assert_string_equal(lw_err_message(&err), "cannot read '/tmp': it is a directory, give a file");
    assert_int_equal(lw_file_read_capped("/nonexistent/x", 16, "a test file", &text, &len, &err), LW_ERR_IO);
    assert_non_null(strstr(lw_err_message(&err), "cannot open '/nonexistent/x'"));
}

static void test_pipe_cap(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    char block[3000];
    memset(block, 'b', sizeof block);
    assert_int_equal(write(fds[1], block, sizeof block), (ssize_t)sizeof block);
    close(fds[1]);
    char path[64], *text;
    snprintf(path, sizeof path, "/dev/fd/%d", fds[0]);
    size_t len;
    lw_err err;
    assert_int_equal(lw_file_read_capped(path, 2999, "a replay log", &text, &len, &err), LW_ERR_IO);
    assert_non_null(strstr(lw_err_message(&err), "larger than the 2999 bytes limit for a replay log"));
    close(fds[0]);
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(write(fds[1], block, sizeof block), (ssize_t)sizeof block);
    close(fds[1]);
    snprintf(path, sizeof path, "/dev/fd/%d", fds[0]);
    assert_int_equal(lw_file_read_capped(path, 3000, "a replay log", &text, &len, &err), LW_OK);
    assert_int_equal(len, 3000);
    free(text);
    close(fds[0]);
}

static void test_decimal_numbers(void **state)
{
    (void)state;
    double v;
    assert_true(lw_parse_number(" 12.5e2 ", &v));
    assert_rel(v, 1250, 0);
    assert_false(lw_parse_number("0x10", &v));
    assert_false(lw_parse_number("1e999", &v));
    assert_false(lw_parse_number("inf", &v));
    assert_false(lw_parse_number("nan", &v));
    assert_false(lw_parse_number("", &v));
}

static void test_time_window(void **state)
{
    (void)state;
    long long ns;
    lw_err err;
    /* 2200-12-31 end of day: days_from_civil(2201-01-01) = 84371 days = 7289654400 s, minus 1 ns */
    assert_int_equal(lw_time_parse("2200-12-31", 0, true, &ns, &err), LW_OK);
    assert_true(ns == 7289654400LL * 1000000000LL - 1);
    assert_true(ns == LW_TIME_MAX_NS);
    assert_int_equal(lw_time_parse("1970-01-01", 0, false, &ns, &err), LW_OK);
    assert_true(ns == 0);
    assert_int_equal(lw_time_parse("3026-01-01", 0, false, &ns, &err), LW_ERR_INVALID_ARGUMENT);
    assert_string_equal(lw_err_message(&err), "time '3026-01-01' is outside the years 1970-2200");
    assert_int_equal(lw_time_parse("2201-01-01T00:00:00Z", 0, false, &ns, &err), LW_ERR_INVALID_ARGUMENT);
    assert_int_equal(lw_time_parse("1969-12-31", 0, false, &ns, &err), LW_ERR_INVALID_ARGUMENT);
    /* now = 2026-01-01 (1767225600 s): -1000000d is before 1970, -7d is 604800 s earlier */
    long long now = 1767225600LL * 1000000000LL;
    assert_int_equal(lw_time_parse("-1000000d", now, false, &ns, &err), LW_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(lw_err_message(&err), "before 1970"));
    assert_int_equal(lw_time_parse("-7d", now, false, &ns, &err), LW_OK);
    assert_true(ns == (1767225600LL - 604800LL) * 1000000000LL);
    /* trace timestamps: 7289654399 s is inside, 9.22e9 s (near INT64_MAX ns) is refused, not wrapped */
    int64_t t;
    assert_true(lw_trace_parse_time("7289654399", 10, 1.0, &t));
    assert_true(t == 7289654399LL * 1000000000LL);
    assert_false(lw_trace_parse_time("9220000000", 10, 1.0, &t));
    assert_false(lw_trace_parse_time("9.22e9", 6, 1.0, &t));
    assert_false(lw_trace_parse_time("2201-01-01 00:00:00", 19, 1.0, &t));
    assert_true(lw_trace_parse_time("2200-12-31 23:59:59", 19, 1.0, &t));
    assert_true(t == (7289654400LL - 1) * 1000000000LL);
}

/* Count labels of a measurement JSON out of range are "not recorded" (0), never wrapped to INT_MIN. */
static void test_run_labels(void **state)
{
    (void)state;
#define RUN_JSON "{\"schema\": \"llmwatt.measurement/1\", \"start_time\": \"2026-01-01T00:00:00Z\"," \
                 " \"aggregate\": {\"avg_power_w\": 300}, \"verdict\": {\"valid\": true}, \"labels\": {\"batch\": %s}}"
    static const struct {
        const char *batch;
        int want;
    } cases[] = {{"16", 16}, {"\"16\"", 16}, {"3000000000", 0}, {"\"3e9\"", 0}, {"-2", 0}, {"\"0x10\"", 0}, {"\"1e999\"", 0}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char text[512];
        snprintf(text, sizeof text, RUN_JSON, cases[k].batch);
        lw_run r = LW_RUN_INIT;
        lw_err err;
        assert_int_equal(lw_run_parse(text, &r, &err), LW_OK);
        assert_int_equal(r.batch, cases[k].want);
        /* 2026-01-01T00:00:00Z = 20454 days after 1970-01-01 */
        assert_true(r.time_ns == 20454LL * 86400 * 1000000000LL);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_reader_caps), cmocka_unit_test(test_pipe_cap),
                                       cmocka_unit_test(test_decimal_numbers), cmocka_unit_test(test_time_window),
                                       cmocka_unit_test(test_run_labels)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
