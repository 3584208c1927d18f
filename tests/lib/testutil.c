#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void lw_assert_rel(double actual, double expected, double rel, const char *expr, const char *file, int line)
{
    double tol = expected == 0 ? rel : rel * fabs(expected);
    if (!(fabs(actual - expected) <= tol)) {
        print_error("%s = %.10g, expected %.10g (relative tolerance %g)\n", expr, actual, expected, rel);
        _fail(file, line);
    }
}

lw_catalogue *lw_test_catalogue(void)
{
    lw_catalogue *cat = NULL;
    lw_err err;
    if (lw_catalogue_open(&cat, &err) != LW_OK) {
        print_error("catalogue: %s\n", lw_err_message(&err));
        fail();
    }
    return cat;
}

const lw_model_arch *lw_test_model(const lw_catalogue *cat, const char *name)
{
    const lw_model_arch *m = NULL;
    lw_err err;
    if (lw_catalogue_find_model(cat, name, &m, &err) != LW_OK) {
        print_error("model %s: %s\n", name, lw_err_message(&err));
        fail();
    }
    return m;
}

const lw_gpu *lw_test_gpu(const lw_catalogue *cat, const char *name)
{
    const lw_gpu *g = NULL;
    lw_err err;
    if (lw_catalogue_find_gpu(cat, name, &g, &err) != LW_OK) {
        print_error("gpu %s: %s\n", name, lw_err_message(&err));
        fail();
    }
    return g;
}

lw_roofline_coeffs lw_test_roofline_coeffs(void)
{
    lw_roofline_coeffs c;
    memset(&c, 0, sizeof c);
    strcpy(c.family, "test");
    c.eta_compute = 0.5;
    c.eta_memory = 0.8;
    c.idle_fraction = 0.15;
    c.power_k_compute = 1.0;
    c.power_k_memory = 0.6;
    c.sigma_log = 0.2;
    c.rows = 1;
    return c;
}

const char *lw_test_data_dir(void)
{
    const char *d = getenv("LW_TEST_DATA");
    return d && *d ? d : "tests/data";
}
