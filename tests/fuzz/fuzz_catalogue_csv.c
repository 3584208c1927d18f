/* User catalogue of GPUs in CSV (the gpus.csv columns) added to the built-in catalogue. */
#include "fuzz_util.h"
#include "llmwatt/llmwatt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lw_catalogue *cat;
    if (lw_catalogue_open(&cat, NULL) != LW_OK)
        abort();
    lw_err err;
    lw_catalogue_add_file(cat, fuzz_file(data, size, ".csv"), &err);
    lw_catalogue_free(cat);
    return 0;
}
