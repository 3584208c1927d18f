/* Grid-intensity series: formats, time weighting and energy weighting against hand arithmetic. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "llmwatt/grid.h"
#include "llmwatt/history.h"
#include "testutil.h"

#define H 3600000000000LL /* one hour in ns */

static lw_grid_series *parse(const char *text)
{
    lw_grid_series *s = NULL;
    lw_err err;
    lw_status st = lw_grid_series_parse(text, strlen(text), "test.csv", &s, &err);
    if (st != LW_OK)
        fail_msg("%s", lw_err_message(&err));
    return s;
}

static long long t0(void)
{
    long long ns;
    assert_int_equal(lw_time_parse("2026-11-01T00:00:00Z", 0, false, &ns, NULL), LW_OK);
    return ns;
}

static void test_plain_and_mean(void **state)
{
    (void)state;
    /* rows out of order on purpose: 00:00 900, 01:00 100, 02:00 500 */
    lw_grid_series *s = parse("timestamp,g_per_kwh\n2026-11-01T01:00:00Z,100\n2026-11-01T00:00:00Z,900\n2026-11-01T02:00:00Z,500\n");
    assert_int_equal(lw_grid_series_count(s), 3);
    assert_string_equal(lw_grid_series_format(s), "timestamp,g_per_kwh");
    long long a = t0(), start, len;
    double g;
    assert_int_equal(lw_grid_series_row(s, 0, &start, &len, &g, NULL), LW_OK);
    assert_true(start == a && len == H);
    assert_rel(g, 900, 0);
    /* the last row lasts as long as the one before: 02:00-03:00 */
    assert_int_equal(lw_grid_series_row(s, 2, &start, &len, &g, NULL), LW_OK);
    assert_true(len == H);
    assert_int_equal(lw_grid_series_at(s, a + H + 5, &g, NULL), LW_OK);
    assert_rel(g, 100, 0);
    assert_int_equal(lw_grid_series_at(s, a + 3 * H, &g, NULL), LW_ERR_NOT_FOUND);
    /* inside one hour: that hour's value */
    assert_int_equal(lw_grid_series_mean(s, a + H + H / 4, a + H + H / 2, &g, NULL), LW_OK);
    assert_rel(g, 100, 1e-12);
    /* 00:30-01:30: half at 900, half at 100 -> 500; 00:45-02:15: (15 min x 900 + 60 x 100 + 15 x 500) / 90 = 300 */
    assert_int_equal(lw_grid_series_mean(s, a + H / 2, a + H + H / 2, &g, NULL), LW_OK);
    assert_rel(g, 500, 1e-12);
    assert_int_equal(lw_grid_series_mean(s, a + 3 * H / 4, a + 2 * H + H / 4, &g, NULL), LW_OK);
    assert_rel(g, (15 * 900 + 60 * 100 + 15 * 500) / 90.0, 1e-12);
    lw_err err;
    assert_int_equal(lw_grid_series_mean(s, a - H / 2, a + H / 2, &g, &err), LW_ERR_NOT_FOUND);
    assert_non_null(strstr(lw_err_message(&err), "not covered"));
    lw_grid_series_free(s);
}

static void test_energy_weighted(void **state)
{
    (void)state;
    lw_grid_series *s = parse("timestamp,g_per_kwh\n2026-11-01T00:00:00Z,900\n2026-11-01T01:00:00Z,100\n");
    long long a = t0();
    /* 1000 W for the first hour, 3000 W for the second: (1 kWh x 900 + 3 kWh x 100) / 4 kWh = 300 */
    long long t[2] = {a, a + H};
    double w[2] = {1000, 3000};
    double g;
    assert_int_equal(lw_grid_series_weighted(s, t, w, 2, a + 2 * H, &g, NULL), LW_OK);
    assert_rel(g, 300, 1e-12);
    /* the done-when check: a run inside the 100 g hour of a 900 series equals 100 g/kWh */
    long long in[1] = {a + H + 60000000000LL};
    double pw[1] = {5600};
    assert_int_equal(lw_grid_series_weighted(s, in, pw, 1, in[0] + 120000000000LL, &g, NULL), LW_OK);
    assert_rel(g, 100, 1e-12);
    long long back[2] = {a + H, a};
    assert_int_equal(lw_grid_series_weighted(s, back, w, 2, a + 2 * H, &g, NULL), LW_ERR_INVALID_ARGUMENT);
    lw_grid_series_free(s);
}

static void test_export_formats(void **state)
{
    (void)state;
    /* Electricity Maps: LCA preferred over direct, "YYYY-MM-DD hh:mm:ss" UTC */
    lw_grid_series *s = parse("Datetime (UTC),Zone Id,Carbon Intensity gCO\xe2\x82\x82" "eq/kWh (direct),Carbon Intensity gCO\xe2\x82\x82"
                              "eq/kWh (LCA)\n2026-11-01 00:00:00,FR,20,40\n");
    double g;
    assert_int_equal(lw_grid_series_at(s, t0() + 1, &g, NULL), LW_OK);
    assert_rel(g, 40, 0);
    assert_string_equal(lw_grid_series_format(s), "Electricity Maps");
    lw_grid_series_free(s);
    /* WattTime MOER in lbs/MWh: 500 lbs/MWh x 453.59237 g/lb / 1000 kWh/MWh = 226.796 g/kWh */
    s = parse("point_time,value,frequency\n2026-11-01T00:00:00+00:00,500,300\n");
    assert_int_equal(lw_grid_series_at(s, t0(), &g, NULL), LW_OK);
    assert_rel(g, 500 * 0.45359237, 1e-12);
    lw_grid_series_free(s);
    /* Unix seconds: 1793491200 = 2026-11-01T00:00:00Z */
    s = parse("timestamp,g_per_kwh\n1793491200,250\n");
    assert_int_equal(lw_grid_series_at(s, t0(), &g, NULL), LW_OK);
    assert_rel(g, 250, 0);
    lw_grid_series_free(s);
}

static void test_bad_series(void **state)
{
    (void)state;
    static const struct {
        const char *text, *msg;
    } cases[] = {
        {"", "empty"},
        {"a,b\n1,2\n", "no usable columns"},
        {"timestamp,g_per_kwh\n", "no rows"},
        {"timestamp,g_per_kwh\nyesterday,10\n", "line 2"},
        {"timestamp,g_per_kwh\n2026-11-01T00:00:00Z,-5\n", "line 2"},
        {"timestamp,g_per_kwh\n2026-11-01T00:00:00Z,1\n2026-11-01T00:00:00Z,2\n", "two rows"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        lw_grid_series *s = NULL;
        lw_err err;
        assert_int_equal(lw_grid_series_parse(cases[i].text, strlen(cases[i].text), "x.csv", &s, &err), LW_ERR_PARSE);
        assert_null(s);
        assert_non_null(strstr(lw_err_message(&err), cases[i].msg));
    }
    lw_grid_series *s = NULL;
    assert_int_equal(lw_grid_series_load("/nonexistent/series.csv", &s, NULL), LW_ERR_NOT_FOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_and_mean),
        cmocka_unit_test(test_energy_weighted),
        cmocka_unit_test(test_export_formats),
        cmocka_unit_test(test_bad_series),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
