/* llmwatt: numeric precisions of weights, KV cache and tensor-core math. */
#ifndef LLMWATT_PRECISION_H
#define LLMWATT_PRECISION_H

#include "llmwatt/export.h"
#include "llmwatt/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum lw_precision {
    LW_PREC_FP32 = 0,
    LW_PREC_TF32 = 1,
    LW_PREC_BF16 = 2,
    LW_PREC_FP16 = 3,
    LW_PREC_FP8 = 4,
    LW_PREC_INT8 = 5,
    LW_PREC_INT4 = 6,
    LW_PREC_MXFP4 = 7,
    LW_PREC_FP4 = 8,
    LW_PREC_COUNT = 9
} lw_precision;

/* Storage bytes per element, including block-scale overhead where the format has one
 * (MXFP4: 4-bit values + one 8-bit scale per 32 = 4.25 bits; INT4: group-128 fp16 scales = 4.125 bits). */
LW_API double lw_precision_bytes(lw_precision p);

/* Canonical lower-case name ("bf16", "fp8", "mxfp4"). */
LW_API const char *lw_precision_name(lw_precision p);

/* Parses a name (case-insensitive; accepts "bfloat16", "float16", "half", "e4m3"...). */
LW_API lw_status lw_precision_parse(const char *name, lw_precision *out, lw_err *err);

#ifdef __cplusplus
}
#endif
#endif
