/* nvidia-smi --query-gpu replay log (measure --replay, serve --replay). */
#include "fuzz_util.h"
#include "llmwatt/llmwatt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lw_power_source *src;
    lw_err err;
    if (lw_power_open_replay(fuzz_file(data, size, ".csv"), &src, &err) == LW_OK)
        lw_power_close(src);
    return 0;
}
