#include "llmwatt/precision.h"

#include "core/util.h"

static const struct {
    const char *name;
    double bytes;
} prec_table[LW_PREC_COUNT] = {
    [LW_PREC_FP32] = {"fp32", 4.0},
    [LW_PREC_TF32] = {"tf32", 4.0},
    [LW_PREC_BF16] = {"bf16", 2.0},
    [LW_PREC_FP16] = {"fp16", 2.0},
    [LW_PREC_FP8] = {"fp8", 1.0},
    [LW_PREC_INT8] = {"int8", 1.0},
    /* 4-bit values + one fp16 scale per group of 128 = 4.125 bits */
    [LW_PREC_INT4] = {"int4", 4.125 / 8.0},
    /* OCP MX: 4-bit E2M1 values + one E8M0 scale per block of 32 = 4.25 bits */
    [LW_PREC_MXFP4] = {"mxfp4", 4.25 / 8.0},
    /* NVFP4: 4-bit values + one FP8 scale per block of 16 = 4.5 bits */
    [LW_PREC_FP4] = {"fp4", 4.5 / 8.0},
};

double lw_precision_bytes(lw_precision p)
{
    return (unsigned)p < LW_PREC_COUNT ? prec_table[p].bytes : 0.0;
}

const char *lw_precision_name(lw_precision p)
{
    return (unsigned)p < LW_PREC_COUNT ? prec_table[p].name : "unknown";
}

lw_status lw_precision_parse(const char *name, lw_precision *out, lw_err *err)
{
    static const struct {
        const char *alias;
        lw_precision p;
    } aliases[] = {
        {"float32", LW_PREC_FP32}, {"float", LW_PREC_FP32},   {"bfloat16", LW_PREC_BF16},
        {"float16", LW_PREC_FP16}, {"half", LW_PREC_FP16},    {"e4m3", LW_PREC_FP8},
        {"fp8_e4m3", LW_PREC_FP8}, {"float8", LW_PREC_FP8},   {"nvfp4", LW_PREC_FP4},
        {"w4a16", LW_PREC_INT4},   {"awq", LW_PREC_INT4},     {"gptq", LW_PREC_INT4},
    };
    if (!name || !*name)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "empty precision (use one of fp32, bf16, fp16, fp8, int8, int4, mxfp4, fp4)");
    for (int i = 0; i < LW_PREC_COUNT; i++)
        if (lw_streq_ci(name, prec_table[i].name)) {
            *out = (lw_precision)i;
            return LW_OK;
        }
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (lw_streq_ci(name, aliases[i].alias)) {
            *out = aliases[i].p;
            return LW_OK;
        }
    return lw_fail(err, LW_ERR_INVALID_ARGUMENT,
                   "unknown precision '%s' (use one of fp32, tf32, bf16, fp16, fp8, int8, int4, mxfp4, fp4)", name);
}
