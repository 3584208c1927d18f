/* Calibration points CSV: the points reader and the calibration rows built on it. */
#include "fuzz_util.h"
#include "llmwatt/llmwatt.h"

static lw_catalogue *cat;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!cat && lw_catalogue_open(&cat, NULL) != LW_OK)
        abort();
    lw_point *pts;
    size_t n;
    lw_err err;
    if (lw_points_parse((const char *)data, size, "fuzz.csv", &pts, &n, &err) == LW_OK)
        lw_points_free(pts);
    lw_calib_row *rows;
    if (lw_calib_rows_parse(cat, (const char *)data, size, "fuzz.csv", &rows, &n, &err) == LW_OK)
        free(rows);
    return 0;
}
