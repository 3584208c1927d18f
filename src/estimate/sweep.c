/* Sweep specifications: "1,2,4,8", "1..256*2" (geometric), "100..1000+100" (arithmetic). */
#include "llmwatt/estimate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

static lw_status bad(const char *spec, const char *why, lw_err *err)
{
    return lw_fail(err, LW_ERR_INVALID_ARGUMENT,
                   "bad sweep values '%s': %s (use a list '1,2,4', a geometric range '1..256*2' or an arithmetic "
                   "range '100..1000+100')",
                   spec, why);
}

lw_status lw_sweep_parse(const char *spec, double *values, size_t max, size_t *n, lw_err *err)
{
    *n = 0;
    char buf[512];
    if (!spec || !*spec)
        return bad(spec ? spec : "", "empty", err);
    if (strlen(spec) >= sizeof buf)
        return bad("...", "too long", err);
    strcpy(buf, spec);
    char *dots = strstr(buf, "..");
    if (!dots) {
        char *save = NULL;
        for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
            double v;
            if (!lw_parse_number(t, &v))
                return bad(spec, "a value is not a number", err);
            if (*n >= max)
                return bad(spec, "too many values", err);
            values[(*n)++] = v;
        }
        return *n ? LW_OK : bad(spec, "no values", err);
    }
    *dots = '\0';
    char *hi_s = dots + 2, *op = strpbrk(hi_s, "*+");
    if (!op)
        return bad(spec, "a range needs a step: '*F' (multiply) or '+D' (add)", err);
    char kind = *op;
    *op = '\0';
    double lo, hi, step;
    if (!lw_parse_number(buf, &lo) || !lw_parse_number(hi_s, &hi) || !lw_parse_number(op + 1, &step))
        return bad(spec, "range bounds and step must be numbers", err);
    if (hi < lo)
        return bad(spec, "the upper bound is below the lower bound", err);
    if (kind == '*' && (!(step > 1) || !(lo > 0)))
        return bad(spec, "a geometric range needs a start > 0 and a factor > 1", err);
    if (kind == '+' && !(step > 0))
        return bad(spec, "an arithmetic range needs a step > 0", err);
    for (double v = lo; v <= hi * (1 + 1e-12); v = kind == '*' ? v * step : v + step) {
        if (*n >= max)
            return bad(spec, "too many values", err);
        values[(*n)++] = v;
    }
    return LW_OK;
}
