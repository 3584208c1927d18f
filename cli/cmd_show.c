#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "common.h"
#include "describe.h"

static const char *usage_text =
    "usage: llmwatt show model NAME [--json]\n"
    "       llmwatt show model --model-config config.json [--json]\n"
    "       llmwatt show gpu NAME [--json]\n\n"
    "Shows an architecture record with its derived parameter counts, or a GPU specification,\n"
    "with the source of every figure.\n"
    "  --json                one JSON object\n"
    "  --model-config PATH   read a Hugging Face config.json instead of a catalogue name\n"
    "  --catalogue FILE      extra catalogue file (also $LLMWATT_CATALOGUE)\n";

static void print_model(const lw_model_arch *m)
{
    lw_param_counts p;
    lw_err err;
    printf("model              %s%s\n", m->name, m->is_proxy ? "  (proxy for a closed model, seed 001)" : "");
    printf("hugging face id    %s\n", m->hf_id[0] ? m->hf_id : "-");
    printf("family / type      %s / %s\n", m->family, m->model_type);
    printf("layers             %d\n", m->layers);
    printf("hidden size        %d\n", m->hidden_size);
    if (m->kv_lora_rank)
        printf("attention          MLA: %d heads, q_lora %d, kv_lora %d, rope %d, nope %d, v %d\n", m->num_attention_heads,
               m->q_lora_rank, m->kv_lora_rank, m->qk_rope_head_dim, m->qk_nope_head_dim, m->v_head_dim);
    else
        printf("attention          %d query heads, %d KV heads, head dim %d%s\n", m->num_attention_heads,
               m->num_key_value_heads, m->head_dim,
               m->num_key_value_heads == m->num_attention_heads ? " (MHA)" : m->num_key_value_heads == 1 ? " (MQA)" : " (GQA)");
    if (m->sliding_window)
        printf("sliding window     %d tokens on %d of %d layers\n", m->sliding_window, m->sliding_window_layers, m->layers);
    printf("ffn                %s, intermediate %d\n", m->ffn_matrices == 3 ? "gated (3 matrices)" : "MLP (2 matrices)",
           m->intermediate_size);
    if (m->num_experts)
        printf("moe                %d routed experts (top-%d), %d shared, expert width %d, %d dense layers first%s\n",
               m->num_experts, m->experts_per_token, m->num_shared_experts, m->moe_intermediate_size, m->first_dense_layers,
               m->moe_layer_step > 1 ? ", interleaved" : "");
    printf("vocab              %d (%s embeddings)\n", m->vocab_size, m->tied_embeddings ? "tied" : "untied");
    printf("max context        %d\n", m->max_context);
    printf("native precision   %s\n", lw_precision_name(m->native_precision));
    printf("kv cache / token   %.1f KiB (bf16, all layers)\n", lw_model_kv_bytes_per_token(m, 2.0) / 1024.0);
    if (lw_model_params(m, &p, &err) == LW_OK) {
        printf("total params       %.3f B (derived)", p.total / 1e9);
        if (m->official_total_params > 0)
            printf("   official %.3f B (%+.2f%%)", m->official_total_params / 1e9,
                   100.0 * (p.total / m->official_total_params - 1.0));
        printf("\nactive params      %.3f B (derived)", p.active / 1e9);
        if (m->official_active_params > 0) {
            double a = m->official_active_excludes_embedding ? p.active - p.embedding : p.active;
            printf("   official %.3f B (%+.2f%%%s)", m->official_active_params / 1e9,
                   100.0 * (a / m->official_active_params - 1.0),
                   m->official_active_excludes_embedding ? ", published without the input embedding" : "");
        }
        printf("\n");
    }
    if (m->has_seed_profile)
        printf("seed 001 profile   active %.4g, layers %g, heads %g, head dim %g, hidden %g, reasoning factor %g\n",
               m->seed_profile.num_active_params, m->seed_profile.num_layers, m->seed_profile.num_attn_heads,
               m->seed_profile.attn_head_dim, m->seed_profile.hidden_dim, m->seed_profile.reasoning_factor);
    printf("source             %s\n", m->source[0] ? m->source : "(user supplied)");
}

static void print_gpu(const lw_gpu *g)
{
    printf("gpu                %s (%s %s %s)\n", g->id, g->vendor, g->name, g->variant);
    printf("aliases            %s\n", g->aliases[0] ? g->aliases : "-");
    printf("architecture       %s, %.0f nm class, %d\n", g->architecture, g->process_node_nm, g->release_year);
    printf("memory             %.0f GB at %.0f GB/s\n", g->memory_bytes / 1e9, g->memory_bw_bytes_per_s / 1e9);
    printf("power              TDP %.0f W", g->tdp_w);
    if (g->idle_w > 0)
        printf(", idle %.0f W", g->idle_w);
    if (g->typical_inference_power_w > 0)
        printf(", typical inference %.0f W (%s)", g->typical_inference_power_w, g->typical_power_source);
    if (g->power_limit_max_w > 0)
        printf("\npower limit        %.0f..%.0f W, SM clock %.0f..%.0f MHz (%s)", g->power_limit_min_w, g->power_limit_max_w,
               g->sm_clock_min_mhz, g->sm_clock_max_mhz, g->power_clock_source);
    printf("\ndense peaks        ");
    for (int p = 0; p < LW_PREC_COUNT; p++)
        if (g->peak_flops[p] > 0 && p != LW_PREC_MXFP4 &&
            !(p == LW_PREC_FP16 && g->peak_flops[LW_PREC_FP16] == g->peak_flops[LW_PREC_BF16]))
            printf("%s %.1f T  ", lw_precision_name((lw_precision)p), g->peak_flops[p] / 1e12);
    printf("\ninterconnect       %.0f GB/s (bidirectional aggregate)\n", g->interconnect_bw_bytes_per_s / 1e9);
    printf("confidence         %s\n", g->confidence);
    printf("source             %s\n", g->source);
}

int cmd_show(int argc, char **argv)
{
    enum { O_HELP = 256, O_JSON, O_CAT, O_CONFIG };
    static const cli_opt opts[] = {{"help", false, O_HELP},   {"json", false, O_JSON}, {"catalogue", true, O_CAT},
                                   {"model-config", true, O_CONFIG}, {NULL, false, 0}};
    bool json = false;
    const char *catfile = NULL, *config = NULL, *v, *pos[3] = {NULL, NULL, NULL};
    int npos = 0, i = 1, id;
    while ((id = cli_getopt_args("show", argc, argv, opts, &i, &v)) > 0) {
        switch (id) {
        case CLI_ARG:
            if (npos == 2)
                return cli_usage("show", "unexpected argument '%s'", v);
            pos[npos++] = v;
            break;
        case O_HELP: fputs(usage_text, stdout); return EXIT_OK;
        case O_JSON: json = true; break;
        case O_CAT: catfile = v; break;
        case O_CONFIG: config = v; break;
        }
    }
    if (id < 0)
        return EXIT_USAGE;
    if (!pos[0] || (strcmp(pos[0], "model") != 0 && strcmp(pos[0], "gpu") != 0))
        return cli_usage("show", "say what to show: 'show model NAME' or 'show gpu NAME'");
    bool is_model = strcmp(pos[0], "model") == 0;
    if (!is_model && config)
        return cli_usage("show", "--model-config goes with 'show model'");
    if (!pos[1] && !(is_model && config))
        return cli_usage("show", "missing the %s name", pos[0]);
    lw_catalogue *cat;
    int rc = cli_catalogue("show", catfile, &cat);
    if (rc)
        return rc;
    if (is_model) {
        const lw_model_arch *m;
        rc = cli_model("show", cat, pos[1], config, &m);
        if (!rc) {
            if (json)
                rc = cli_print_json(cli_model_json(m));
            else
                print_model(m);
        }
    } else {
        const lw_gpu *g;
        rc = cli_gpu("show", cat, pos[1], &g);
        if (!rc) {
            if (json)
                rc = cli_print_json(cli_gpu_json(g));
            else
                print_gpu(g);
        }
    }
    lw_catalogue_free(cat);
    return rc;
}
