/* JSON and text descriptions of catalogue entries, shared by models/gpus/show. */
#ifndef LW_CLI_DESCRIBE_H
#define LW_CLI_DESCRIBE_H

#include <jansson.h>
#include "llmwatt/llmwatt.h"

json_t *cli_model_json(const lw_model_arch *m);
json_t *cli_gpu_json(const lw_gpu *g);

#endif
