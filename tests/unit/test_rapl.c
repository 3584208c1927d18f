/* RAPL backend on a fake powercap tree built in a temporary directory: zone selection (no
 * double counting of core/uncore/psys/mmio) and counter wrap-around. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "llmwatt/power.h"
#include "testutil.h"

static char root[256];

static void put(const char *zone, const char *file, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", root, zone);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/%s/%s", root, zone, file);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void zone(const char *dir, const char *name, const char *energy_uj, const char *max_uj)
{
    put(dir, "name", name);
    if (energy_uj)
        put(dir, "energy_uj", energy_uj);
    put(dir, "max_energy_range_uj", max_uj);
}

static int make_tree(void **state)
{
    (void)state;
    snprintf(root, sizeof root, "%s/lw_rapl_XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    assert_non_null(mkdtemp(root));
    /* typical Intel range 262143328850 uJ (parsed as 64-bit) */
    zone("intel-rapl:0", "package-0\n", "262143000000\n", "262143328850\n");
    zone("intel-rapl:0:0", "core\n", "1000\n", "262143328850\n");
    zone("intel-rapl:0:1", "uncore\n", "1000\n", "262143328850\n");
    zone("intel-rapl:0:2", "dram\n", "5000000\n", "65532610987\n");
    zone("intel-rapl:1", "psys\n", "1000\n", "262143328850\n");
    zone("intel-rapl-mmio:0", "package-0\n", "1000\n", "262143328850\n");
    put("intel-rapl:0", "constraint_0_power_limit_uw", "125000000\n");
    return 0;
}

static int remove_tree(void **state)
{
    (void)state;
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_zones(void **state)
{
    (void)state;
    lw_power_source *src;
    lw_err err;
    if (lw_power_open_rapl(root, &src, &err) != LW_OK)
        fail_msg("%s", lw_err_message(&err));
    /* package-0 and its dram subzone only */
    assert_int_equal(lw_power_device_count(src), 2);
    lw_device_info a, b;
    assert_int_equal(lw_power_device_info(src, 0, &a, NULL), LW_OK);
    assert_int_equal(lw_power_device_info(src, 1, &b, NULL), LW_OK);
    assert_string_equal(a.name, "package-0");
    assert_int_equal(a.kind, LW_DEVICE_CPU_PACKAGE);
    assert_rel(a.power_limit_w, 125.0, 1e-12); /* 125000000 uW */
    assert_string_equal(b.name, "package-0/dram");
    assert_string_equal(b.uuid, "intel-rapl:0:2");
    assert_int_equal(b.kind, LW_DEVICE_DRAM);
    lw_power_close(src);
}

static void test_wraparound(void **state)
{
    (void)state;
    lw_power_source *src;
    assert_int_equal(lw_power_open_rapl(root, &src, NULL), LW_OK);
    lw_power_sample s;
    assert_int_equal(lw_power_read(src, 0, &s, NULL), LW_OK);
    assert_true(s.ok);
    assert_rel(s.energy_j, 0.0, 0); /* energy counts from the first read */
    put("intel-rapl:0", "energy_uj", "262143300000\n");
    assert_int_equal(lw_power_read(src, 0, &s, NULL), LW_OK);
    /* 262143300000 - 262143000000 = 300000 uJ = 0.3 J */
    assert_rel(s.energy_j, 0.3, 1e-12);
    assert_int_equal(s.counter_wraps, 0);
    put("intel-rapl:0", "energy_uj", "171150\n");
    assert_int_equal(lw_power_read(src, 0, &s, NULL), LW_OK);
    /* wrapped: (262143328850 - 262143300000) + 171150 = 28850 + 171150 = 200000 uJ more */
    assert_rel(s.energy_j, 0.5, 1e-12);
    assert_int_equal(s.counter_wraps, 1);
    assert_true(s.power_w > 0);
    put("intel-rapl:0", "energy_uj", "1171150\n");
    assert_int_equal(lw_power_read(src, 0, &s, NULL), LW_OK);
    assert_rel(s.energy_j, 1.5, 1e-12);
    assert_int_equal(s.counter_wraps, 1);
    /* dram zone: its own (AMD-sized) range 65532610987 uJ */
    assert_int_equal(lw_power_read(src, 1, &s, NULL), LW_OK);
    put("intel-rapl:0:2", "energy_uj", "65532610000\n");
    assert_int_equal(lw_power_read(src, 1, &s, NULL), LW_OK);
    assert_rel(s.energy_j, (65532610000.0 - 5000000.0) / 1e6, 1e-12);
    put("intel-rapl:0:2", "energy_uj", "13\n");
    assert_int_equal(lw_power_read(src, 1, &s, NULL), LW_OK);
    /* + (65532610987 - 65532610000) + 13 = 1000 uJ */
    assert_rel(s.energy_j, (65532610000.0 - 5000000.0 + 1000.0) / 1e6, 1e-12);
    assert_int_equal(s.counter_wraps, 1);
    lw_power_close(src);
    /* restore for the other tests */
    put("intel-rapl:0", "energy_uj", "262143000000\n");
    put("intel-rapl:0:2", "energy_uj", "5000000\n");
}

static void test_unreadable(void **state)
{
    (void)state;
    lw_power_source *src = NULL;
    lw_err err;
    char empty[300];
    snprintf(empty, sizeof empty, "%s/intel-rapl:0:0", root); /* a directory with no zones under it */
    assert_int_equal(lw_power_open_rapl(empty, &src, &err), LW_ERR_NO_DEVICE);
    assert_non_null(strstr(lw_err_message(&err), "no intel-rapl package zone"));
    assert_int_equal(lw_power_open_rapl("/nonexistent/powercap", &src, &err), LW_ERR_NO_DEVICE);
    assert_non_null(strstr(lw_err_message(&err), "cannot open /nonexistent/powercap"));
    /* energy_uj missing (as when it is root-only and unreadable) */
    char path[600];
    snprintf(path, sizeof path, "%s/intel-rapl:0/energy_uj", root);
    unlink(path);
    snprintf(path, sizeof path, "%s/intel-rapl:0:2/energy_uj", root);
    unlink(path);
    assert_int_equal(lw_power_open_rapl(root, &src, &err), LW_ERR_NO_DEVICE);
    assert_non_null(strstr(lw_err_message(&err), "no readable RAPL energy_uj"));
    assert_non_null(strstr(lw_err_message(&err), "Linux 5.10"));
    assert_null(src);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zones),
        cmocka_unit_test(test_wraparound),
        cmocka_unit_test(test_unreadable),
    };
    return cmocka_run_group_tests(tests, make_tree, remove_tree);
}
