#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "common.h"
#include "describe.h"

static const char *usage_text =
    "usage: llmwatt models [--json] [--catalogue FILE]\n\n"
    "Lists the catalogue's models with parameter counts derived from their architecture.\n"
    "  --json            one JSON array (same keys as 'llmwatt show model --json')\n"
    "  --catalogue FILE  extra catalogue file (also $LLMWATT_CATALOGUE)\n";

int cmd_models(int argc, char **argv)
{
    bool json;
    lw_catalogue *cat;
    int rc = cli_catalogue_command("models", argc, argv, usage_text, &json, &cat);
    if (rc || !cat)
        return rc;
    size_t n = lw_catalogue_model_count(cat);
    if (json) {
        json_t *arr = json_array();
        for (size_t k = 0; k < n; k++)
            json_array_append_new(arr, cli_model_json(lw_catalogue_model_at(cat, k)));
        rc = cli_print_json(arr);
    } else {
        printf("%-22s %-12s %6s %6s %9s %11s %9s %9s  %s\n", "NAME", "FAMILY", "LAYERS", "HIDDEN", "HEADS/KV",
               "EXPERTS", "TOTAL", "ACTIVE", "HUGGING FACE ID");
        for (size_t k = 0; k < n; k++) {
            const lw_model_arch *m = lw_catalogue_model_at(cat, k);
            lw_param_counts p;
            lw_err err;
            if (lw_model_params(m, &p, &err) != LW_OK)
                continue;
            char heads[24], experts[24];
            snprintf(heads, sizeof heads, "%d/%d", m->num_attention_heads, m->kv_lora_rank ? 0 : m->num_key_value_heads);
            if (m->kv_lora_rank)
                snprintf(heads, sizeof heads, "%d/MLA", m->num_attention_heads);
            if (m->num_experts)
                snprintf(experts, sizeof experts, "%d/%d+%d", m->experts_per_token, m->num_experts, m->num_shared_experts);
            else
                snprintf(experts, sizeof experts, "-");
            printf("%-22s %-12s %6d %6d %9s %11s %8.2fB %8.2fB  %s%s\n", m->name, m->family, m->layers, m->hidden_size,
                   heads, experts, p.total / 1e9, p.active / 1e9, m->hf_id[0] ? m->hf_id : "-",
                   m->is_proxy ? " (proxy, seed 001)" : "");
        }
    }
    lw_catalogue_free(cat);
    return rc;
}
