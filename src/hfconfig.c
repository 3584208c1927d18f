#include "llmwatt/model.h"

#include "util.h"

lw_status lw_model_from_hf_config(const char *path, const char *name_hint, lw_model_arch *out, lw_err *err)
{
    (void)name_hint;
    (void)out;
    return lw_fail(err, LW_ERR_UNSUPPORTED, "%s: config import lands with the models branch", path);
}
