/* POST /tokens body of llmwatt serve: form or JSON (lw_exporter_parse_report). */
#include "fuzz_util.h"
#include "llmwatt/llmwatt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char workload[LW_WORKLOAD_NAME_MAX + 1];
    double tokens;
    lw_err err;
    if (lw_exporter_parse_report((const char *)data, size, workload, &tokens, &err) == LW_OK &&
        (!lw_workload_name_valid(workload) || !(tokens >= 0 && tokens <= LW_TOKENS_PER_REPORT_MAX)))
        abort(); /* an accepted report must hold a valid name and count */
    return 0;
}
