#include "describe.h"

#include <stdlib.h>

/* The library renders the entry (lw_model_to_json, lw_gpu_to_json); the CLI embeds the parsed
 * object in its own output, which prints the same bytes (15 significant digits both ways). */
static json_t *parse(char *text)
{
    json_t *o = text ? json_loads(text, 0, NULL) : NULL;
    lw_free(text);
    return o;
}

json_t *cli_model_json(const lw_model_arch *m)
{
    return parse(lw_model_to_json(m, 0));
}

json_t *cli_gpu_json(const lw_gpu *g)
{
    return parse(lw_gpu_to_json(g, 0));
}
