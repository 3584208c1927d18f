/* Dates, times and relative durations: history --since/--until (lw_time_parse) and trace
 * timestamps (lw_trace_parse_time). Every accepted time lies in the window of years 1970-2200. */
#include "fuzz_util.h"
#include "llmwatt/llmwatt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_cstr(data, size);
    const long long now = 1767225600LL * 1000000000LL, max_ns = 7289654399999999999LL; /* 2026-01-01, end of 2200 */
    long long t;
    lw_err err;
    for (int eod = 0; eod < 2; eod++)
        if (lw_time_parse(s, now, eod, &t, &err) == LW_OK && (t < 0 || t > max_ns))
            abort();
    int64_t ns;
    static const double units[] = {1, 1e-3, 1e-6, 1e-9};
    for (size_t u = 0; u < sizeof units / sizeof units[0]; u++)
        if (lw_trace_parse_time((const char *)data, size, units[u], &ns) && (ns < 0 || ns > max_ns))
            abort();
    free(s);
    return 0;
}
