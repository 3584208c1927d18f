/* Hugging Face config.json importer (lw_model_from_hf_config). */
#include "fuzz_util.h"
#include "llmwatt/llmwatt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lw_model_arch m;
    lw_err err;
    lw_model_from_hf_config(fuzz_file(data, size, "-config.json"), NULL, &m, &err);
    return 0;
}
