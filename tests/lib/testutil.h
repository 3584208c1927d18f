/* Shared helpers for the cmocka unit tests. */
#ifndef LW_TESTUTIL_H
#define LW_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "llmwatt/llmwatt.h"

/* Fails unless |actual - expected| <= rel * |expected| (or <= rel when expected is 0). */
#define assert_rel(actual, expected, rel) lw_assert_rel((double)(actual), (double)(expected), (rel), #actual, __FILE__, __LINE__)
void lw_assert_rel(double actual, double expected, double rel, const char *expr, const char *file, int line);

/* Opens the built-in catalogue or fails the test. */
lw_catalogue *lw_test_catalogue(void);
/* Looks up a model or GPU or fails the test. */
const lw_model_arch *lw_test_model(const lw_catalogue *cat, const char *name);
const lw_gpu *lw_test_gpu(const lw_catalogue *cat, const char *name);

/* Hand-set roofline coefficients the roofline tests work their figures out from: family "test",
 * eta_compute 0.5, eta_memory 0.8, no step overhead, idle 15% of TDP, k_c 1.0, k_m 0.6, sigma 0.2,
 * 1 row. */
lw_roofline_coeffs lw_test_roofline_coeffs(void);

/* Path of the test data directory (tests/data), from $LW_TEST_DATA or the source tree. */
const char *lw_test_data_dir(void);

#endif
