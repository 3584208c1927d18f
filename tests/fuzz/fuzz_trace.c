/* Request traces, CSV or JSON Lines (llmwatt trace), estimated with llama-3.1-8b on an H100. */
#include "fuzz_util.h"
#include "llmwatt/llmwatt.h"

static lw_catalogue *cat;
static const lw_model_arch *model;
static const lw_gpu *gpu;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!cat && (lw_catalogue_open(&cat, NULL) != LW_OK || lw_catalogue_find_model(cat, "llama-3.1-8b", &model, NULL) != LW_OK ||
                 lw_catalogue_find_gpu(cat, "h100", &gpu, NULL) != LW_OK))
        abort();
    lw_trace_opts o = lw_trace_opts_default(cat);
    o.default_model = model;
    o.gpu = gpu;
    o.threads = 1;
    o.unknown_model = LW_TRACE_UNKNOWN_DEFAULT;
    lw_trace_summary *s = malloc(sizeof *s);
    if (!s)
        abort();
    s->version = LW_TRACE_SUMMARY_VERSION;
    lw_err err;
    lw_trace_run(cat, fuzz_file(data, size, ".trace"), &o, s, &err);
    free(s);
    return 0;
}
