/* Measurement and estimate JSON (history record, report, compare): lw_run_parse. */
#include "fuzz_util.h"
#include "llmwatt/llmwatt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstr(data, size);
    lw_run r = LW_RUN_INIT;
    lw_err err;
    lw_run_parse(text, &r, &err);
    free(text);
    return 0;
}
