#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "common.h"

static const char *usage_text =
    "usage: llmwatt flops --model NAME|--model-config PATH --input N --output N\n"
    "                     [--reasoning N] [--batch B] [--precision P] [--kv-precision P]\n"
    "                     [--gpu GPU [--gpus N]] [--json] [--catalogue FILE]\n\n"
    "FLOP and byte accounting of one batch of identical requests, split into prefill and\n"
    "decode, dense matmul, attention and LM head; weights, KV cache read and written; memory.\n"
    "Decode covers output + reasoning tokens. With --gpu, says whether it fits in memory.\n";

static json_t *phase_json(const lw_phase_counts *p)
{
    json_t *o = json_object();
    json_object_set_new(o, "tokens", json_real(p->tokens));
    json_object_set_new(o, "steps", json_real(p->steps));
    json_object_set_new(o, "flops_dense", json_real(p->flops_dense));
    json_object_set_new(o, "flops_attention", json_real(p->flops_attention));
    json_object_set_new(o, "flops_lm_head", json_real(p->flops_lm_head));
    json_object_set_new(o, "flops_total", json_real(p->flops_total));
    json_object_set_new(o, "bytes_weights", json_real(p->bytes_weights));
    json_object_set_new(o, "bytes_kv_read", json_real(p->bytes_kv_read));
    json_object_set_new(o, "bytes_kv_write", json_real(p->bytes_kv_write));
    json_object_set_new(o, "bytes_total", json_real(p->bytes_total));
    json_object_set_new(o, "arithmetic_intensity_flops_per_byte", json_real(p->bytes_total > 0 ? p->flops_total / p->bytes_total : 0));
    json_object_set_new(o, "experts_touched_per_layer", json_real(p->experts_touched));
    return o;
}

static void print_phase(const char *name, const lw_phase_counts *p)
{
    char a[32], b[32], c[32], d[32], e[32], f[32], g[32];
    printf("%-8s %10s %10s %10s %10s | %10s %10s %10s\n", name, cli_si(p->flops_dense, "F", a, sizeof a),
           cli_si(p->flops_attention, "F", b, sizeof b), cli_si(p->flops_lm_head, "F", c, sizeof c),
           cli_si(p->flops_total, "F", d, sizeof d), cli_si(p->bytes_weights, "B", e, sizeof e),
           cli_si(p->bytes_kv_read + p->bytes_kv_write, "B", f, sizeof f), cli_si(p->bytes_total, "B", g, sizeof g));
}

int cmd_flops(int argc, char **argv)
{
    enum { O_HELP = 256, O_JSON };
    static const cli_opt opts[] = {{"help", false, O_HELP}, {"json", false, O_JSON}, CLI_REQUEST_OPTS, {NULL, false, 0}};
    const char *cmd = "flops", *v;
    bool json = false;
    cli_request rq = cli_request_default();
    int i = 1, id;
    while ((id = cli_getopt(cmd, argc, argv, opts, &i, &v)) > 0) {
        int handled = cli_request_opt(cmd, id, v, &rq);
        if (handled < 0)
            return EXIT_USAGE;
        if (id == O_HELP) {
            fputs(usage_text, stdout);
            return EXIT_OK;
        }
        if (id == O_JSON)
            json = true;
    }
    if (id < 0)
        return EXIT_USAGE;
    if (i < argc)
        return cli_usage(cmd, "unexpected argument '%s'", argv[i]);
    const int gpus = rq.gpus;
    if (!rq.have_in || !rq.have_out)
        return cli_usage(cmd, "missing --input and/or --output token counts");
    lw_catalogue *cat;
    const lw_model_arch *m;
    const lw_gpu *g;
    int rc = cli_request_open(cmd, &rq, &cat, &m, &g);
    if (rc)
        return rc;
    lw_workload w = rq.w;
    lw_accounting a;
    lw_err err, fit_err = {0};
    if (lw_account(m, &w, &a, &err) != LW_OK) {
        lw_catalogue_free(cat);
        return cli_fail(cmd, &err);
    }
    lw_status fit = LW_OK;
    if (g)
        fit = lw_check_fit(&a, g, gpus, lw_catalogue_value(cat, "memory.usable_fraction", 0.9), &fit_err);
    if (json) {
        json_t *o = json_object();
        json_object_set_new(o, "model", json_string(m->name));
        json_object_set_new(o, "batch", json_integer(w.batch));
        json_object_set_new(o, "input_tokens", json_real(w.input_tokens));
        json_object_set_new(o, "output_tokens", json_real(w.output_tokens));
        json_object_set_new(o, "reasoning_tokens", json_real(w.reasoning_tokens));
        json_object_set_new(o, "weight_precision", json_string(lw_precision_name(w.weight_precision)));
        json_object_set_new(o, "kv_precision", json_string(lw_precision_name(w.kv_precision)));
        json_object_set_new(o, "total_params", json_real(a.params.total));
        json_object_set_new(o, "active_params", json_real(a.params.active));
        json_object_set_new(o, "prefill", phase_json(&a.prefill));
        json_object_set_new(o, "decode", phase_json(&a.decode));
        json_t *mem = json_object();
        json_object_set_new(mem, "weight_bytes", json_real(a.weight_bytes));
        json_object_set_new(mem, "kv_bytes_per_token", json_real(a.kv_bytes_per_token));
        json_object_set_new(mem, "kv_cache_bytes_peak", json_real(a.kv_cache_bytes_peak));
        json_object_set_new(mem, "required_bytes", json_real(a.memory_required_bytes));
        if (g) {
            json_object_set_new(mem, "gpu", json_string(g->id));
            json_object_set_new(mem, "gpus", json_integer(gpus));
            json_object_set_new(mem, "fits", json_boolean(fit == LW_OK));
            if (fit != LW_OK)
                json_object_set_new(mem, "message", json_string(lw_err_message(&fit_err)));
        }
        json_object_set_new(o, "memory", mem);
        rc = cli_print_json(o);
    } else {
        char a1[32], a2[32], a3[32];
        printf("%s: batch %d x (%g in + %g out + %g reasoning) tokens, weights %s, KV %s\n\n", m->name, w.batch,
               w.input_tokens, w.output_tokens, w.reasoning_tokens, lw_precision_name(w.weight_precision),
               lw_precision_name(w.kv_precision));
        printf("%-8s %10s %10s %10s %10s | %10s %10s %10s\n", "phase", "dense", "attention", "lm head", "FLOPs", "weights",
               "KV r+w", "bytes");
        print_phase("prefill", &a.prefill);
        print_phase("decode", &a.decode);
        printf("\nmemory: weights %s + KV cache %s (%s per token) = %s\n", cli_si(a.weight_bytes, "B", a1, sizeof a1),
               cli_si(a.kv_cache_bytes_peak, "B", a2, sizeof a2), cli_si(a.kv_bytes_per_token, "B", a3, sizeof a3),
               cli_si(a.memory_required_bytes, "B", a1, sizeof a1));
        if (m->num_experts)
            printf("moe: %.1f of %d experts touched per layer per decode step (batch %d), %.1f in prefill\n",
                   a.decode.experts_touched, m->num_experts, w.batch, a.prefill.experts_touched);
        if (g)
            printf("fit: %s\n", fit == LW_OK ? "fits" : lw_err_message(&fit_err));
    }
    lw_catalogue_free(cat);
    return rc ? rc : (fit != LW_OK ? EXIT_INFEASIBLE : EXIT_OK);
}
