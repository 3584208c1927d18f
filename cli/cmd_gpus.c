#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "common.h"
#include "describe.h"

static const char *usage_text =
    "usage: llmwatt gpus [--json] [--catalogue FILE]\n\n"
    "Lists the catalogue's accelerators: dense BF16/FP8 peaks, memory, bandwidth, TDP, node.\n"
    "  --json            one JSON array (same keys as 'llmwatt show gpu --json')\n"
    "  --catalogue FILE  extra catalogue file (also $LLMWATT_CATALOGUE)\n";

int cmd_gpus(int argc, char **argv)
{
    bool json;
    lw_catalogue *cat;
    int rc = cli_catalogue_command("gpus", argc, argv, usage_text, &json, &cat);
    if (rc || !cat)
        return rc;
    size_t n = lw_catalogue_gpu_count(cat);
    if (json) {
        json_t *arr = json_array();
        for (size_t k = 0; k < n; k++)
            json_array_append_new(arr, cli_gpu_json(lw_catalogue_gpu_at(cat, k)));
        rc = cli_print_json(arr);
    } else {
        /* ID and NAME as wide as the longest entry; VARIANT last, unpadded, so nothing is cut */
        int wid = 2, wname = 4;
        for (size_t k = 0; k < n; k++) {
            const lw_gpu *g = lw_catalogue_gpu_at(cat, k);
            wid = (int)strlen(g->id) > wid ? (int)strlen(g->id) : wid;
            wname = (int)strlen(g->name) > wname ? (int)strlen(g->name) : wname;
        }
        printf("%-*s  %-*s %9s %9s %7s %8s %6s %5s %5s  %s\n", wid, "ID", wname, "NAME", "BF16 TF/s", "FP8 TF/s", "MEM GB",
               "BW GB/s", "TDP W", "NODE", "YEAR", "VARIANT");
        char fp16_only[256] = "";
        for (size_t k = 0; k < n; k++) {
            const lw_gpu *g = lw_catalogue_gpu_at(cat, k);
            char bf16[16];
            if (g->peak_flops[LW_PREC_BF16] > 0 || !(g->peak_flops[LW_PREC_FP16] > 0))
                snprintf(bf16, sizeof bf16, "%.1f", g->peak_flops[LW_PREC_BF16] / 1e12);
            else { /* fp16 tensor cores only (V100, T4) */
                snprintf(bf16, sizeof bf16, "-");
                size_t len = strlen(fp16_only);
                snprintf(fp16_only + len, sizeof fp16_only - len, "%s%s %.1f", len ? ", " : "", g->id,
                         g->peak_flops[LW_PREC_FP16] / 1e12);
            }
            printf("%-*s  %-*s %9s %9.1f %7.0f %8.0f %6.0f %5.0f %5d  %s\n", wid, g->id, wname, g->name, bf16,
                   g->peak_flops[LW_PREC_FP8] / 1e12, g->memory_bytes / 1e9, g->memory_bw_bytes_per_s / 1e9, g->tdp_w,
                   g->process_node_nm, g->release_year, g->variant);
        }
        printf("\nDense tensor peaks (2:4 sparsity halved); 0 = not published. Sources: 'llmwatt show gpu ID'.\n");
        if (fp16_only[0])
            printf("- : no bf16 tensor cores; fp16 TF/s: %s.\n", fp16_only);
    }
    lw_catalogue_free(cat);
    return rc;
}
