#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "common.h"
#include "loop.h"

static const char *usage_text =
    "usage: llmwatt estimate --model NAME|--model-config PATH --gpu GPU --input N --output N\n"
    "                        [--gpus N] [--batch B] [--reasoning N] [--precision P] [--kv-precision P]\n"
    "                        [--method roofline|llm-bench|profile] [--attention quadratic|linear]\n"
    "                        [--gpu-memory-utilization F] [--strict-memory] [--tp N --pp M]\n"
    "                        [--internode-gbps G] [--power-limit W] [--sm-clock MHz]\n"
    "                        [--pue X] [--json] [--record runs.db] [--label KEY=VALUE]... [--catalogue FILE]\n"
    "                        [--calibration site.json]\n\n"
    "GPU energy of one batch of B identical requests and one request's share of it (prefill,\n"
    "decode, total; J, Wh, J per output token; time; average power; compute- or memory-bound)\n"
    "with a low..high band. roofline (default) is calibrated to measurements; llm-bench and\n"
    "profile reproduce seeds 003 and 001 exactly. --pue adds a facility figure. --batch is the\n"
    "engine's maximum: the roofline runs at the batch the KV cache holds (weights first, then a\n"
    "running request's prompt + half its output in gpu_memory_utilization, default 0.9), as vLLM\n"
    "and SGLang schedule it. Exit 5 only when the weights or one request do not fit (with\n"
    "--strict-memory: when the batch at full context does not). More GPUs than one node's\n"
    "NVLink domain run tensor parallel within a node and pipeline parallel across nodes over\n"
    "--internode-gbps (default 400 Gb/s per GPU), or the --tp x --pp split given.\n"
    "--power-limit W (per GPU, nvidia-smi -pl) and --sm-clock MHz (nvidia-smi -lgc) cost the run at\n"
    "the SM clock they allow: compute slows with the clock, memory-bound work barely, power falls.\n"
    "--record stores the estimate in a history database.\n"
    "--calibration (or LLMWATT_CALIBRATION) uses a site calibration from 'llmwatt calibrate runs.db'.\n";

static void print_row(const char *name, double ej, double out_tok, double t, double pw, const char *bound)
{
    char per_tok[24] = "-"; /* undefined without output tokens */
    if (out_tok > 0)
        snprintf(per_tok, sizeof per_tok, "%.4g", ej / out_tok);
    printf("%-8s %12.4g %12.4g %12s %10.4g %10.1f  %s\n", name, ej, ej / 3600.0, per_tok, t, pw, bound);
}

/* The power limit and clock lock in force and the SM clock each phase runs at. */
static void print_clocks(const lw_estimate *r, const lw_gpu *g)
{
    char limit[32] = "none", lock[32] = "none";
    if (r->power_limit_w > 0)
        snprintf(limit, sizeof limit, "%.0f W per GPU", r->power_limit_w);
    if (r->sm_clock_lock_mhz > 0)
        snprintf(lock, sizeof lock, "%.0f MHz", r->sm_clock_lock_mhz);
    printf("power: limit %s, SM clock lock %s; SM clock prefill %.0f MHz, decode %.0f MHz (max %.0f MHz)\n", limit, lock,
           r->prefill_sm_clock_mhz, r->decode_sm_clock_mhz, g->sm_clock_max_mhz);
}

int cmd_estimate(int argc, char **argv)
{
    enum { O_HELP = 256, O_JSON, O_METHOD, O_ATTN, O_PUE, O_RECORD, O_LABEL, O_GMU, O_STRICT, O_TP, O_PP, O_IB, O_CALIB, O_PL, O_CLK };
    static const cli_opt opts[] = {{"help", false, O_HELP},
                                   {"json", false, O_JSON},
                                   CLI_REQUEST_OPTS,
                                   {"method", true, O_METHOD},
                                   {"attention", true, O_ATTN},
                                   {"pue", true, O_PUE},
                                   {"record", true, O_RECORD},
                                   {"label", true, O_LABEL},
                                   {"gpu-memory-utilization", true, O_GMU},
                                   {"strict-memory", false, O_STRICT},
                                   {"tp", true, O_TP},
                                   {"pp", true, O_PP},
                                   {"internode-gbps", true, O_IB},
                                   {"calibration", true, O_CALIB},
                                   {"power-limit", true, O_PL},
                                   {"sm-clock", true, O_CLK},
                                   {NULL, false, 0}};
    const char *cmd = "estimate", *record = NULL, *calibration = NULL, *v;
    const char *labels[16];
    int nlabels = 0;
    bool have_attention = false, json = false, have_pue = false;
    const char *pue_arg = NULL;
    cli_request rq = cli_request_default();
    lw_estimate_opts eo = lw_estimate_opts_default();
    lw_err err;
    int i = 1, id;
    while ((id = cli_getopt(cmd, argc, argv, opts, &i, &v)) > 0) {
        int handled = cli_request_opt(cmd, id, v, &rq);
        if (id == CLI_O_REASON)
            eo.explicit_reasoning = true;
        if (handled < 0)
            return EXIT_USAGE;
        bool ok = true;
        switch (id) {
        case O_HELP: fputs(usage_text, stdout); return EXIT_OK;
        case O_JSON: json = true; break;
        case O_RECORD: record = v; break;
        case O_CALIB: calibration = v; break;
        case O_LABEL:
            if (!strchr(v, '=') || v[0] == '=')
                return cli_usage(cmd, "--label expects KEY=VALUE (e.g. workload=chat), got '%s'", v);
            if (nlabels == 16)
                return cli_usage(cmd, "at most 16 --label options");
            labels[nlabels++] = v;
            break;
        case O_PUE: pue_arg = v; have_pue = true; break;
        case O_GMU: ok = cli_number(cmd, "gpu-memory-utilization", v, 0.05, 1.0, &eo.gpu_memory_utilization); break;
        case O_STRICT: eo.strict_memory = true; break;
        case O_TP: ok = cli_int(cmd, "tp", v, 1, 4096, &eo.tensor_parallel); break;
        case O_PP: ok = cli_int(cmd, "pp", v, 1, 4096, &eo.pipeline_parallel); break;
        case O_IB:
            ok = cli_number(cmd, "internode-gbps", v, 1, 10000, &eo.internode_bw_bytes_per_s);
            eo.internode_bw_bytes_per_s *= 1e9 / 8.0;
            break;
        case O_PL: ok = cli_number(cmd, "power-limit", v, 1, 1e5, &eo.power_limit_w); break;
        case O_CLK: ok = cli_number(cmd, "sm-clock", v, 1, 1e5, &eo.sm_clock_mhz); break;
        case O_METHOD:
            if (lw_method_parse(v, &eo.method, &err) != LW_OK)
                return cli_usage(cmd, "%s", lw_err_message(&err));
            break;
        case O_ATTN:
            have_attention = true;
            if (strcmp(v, "quadratic") == 0)
                eo.attention = LW_ATTENTION_QUADRATIC;
            else if (strcmp(v, "linear") == 0)
                eo.attention = LW_ATTENTION_LINEAR;
            else
                return cli_usage(cmd, "--attention expects quadratic or linear, got '%s'", v);
            break;
        }
        if (!ok)
            return EXIT_USAGE;
    }
    if (id < 0)
        return EXIT_USAGE;
    if (i < argc)
        return cli_usage(cmd, "unexpected argument '%s'", argv[i]);
    if (!rq.have_in || !rq.have_out)
        return cli_usage(cmd, "missing --input and/or --output token counts");
    eo.gpus = rq.gpus;
    if (rq.gpus == 1 && (eo.tensor_parallel || eo.pipeline_parallel)) /* --tp/--pp without --gpus */
        eo.gpus = (eo.tensor_parallel ? eo.tensor_parallel : 1) * (eo.pipeline_parallel ? eo.pipeline_parallel : 1);
    if (have_attention && eo.method != LW_METHOD_PROFILE)
        return cli_usage(cmd, "--attention applies to --method profile only (the roofline counts causal attention exactly)");
    if (!rq.gpu)
        return cli_usage(cmd, "missing --gpu (e.g. --gpu h100; see 'llmwatt gpus')");
    lw_catalogue *cat;
    const lw_model_arch *m;
    const lw_gpu *g;
    int rc = cli_request_open(cmd, &rq, &cat, &m, &g);
    if (rc)
        return rc;
    char prec_rule[256] = "given with --precision";
    if (!rq.have_prec)
        rq.w.weight_precision = lw_weight_precision_default(rq.model, rq.config, m, prec_rule, sizeof prec_rule);
    if (pue_arg && (rc = cli_pue(cmd, cat, pue_arg, &eo.pue))) {
        lw_catalogue_free(cat);
        return rc;
    }
    lw_workload w = rq.w;
    /* Memory: the roofline plans it (effective batch, or exit 5 when the weights or one request do
     * not fit); the seed methods never checked it, so that their worked examples stay
     * reproducible, and get a warning. */
    char fit_warning[640] = "";
    if (eo.method != LW_METHOD_ROOFLINE) {
        lw_accounting a;
        if (lw_account(m, &w, &a, &err) != LW_OK) {
            lw_catalogue_free(cat);
            return cli_fail(cmd, &err);
        }
        double util = eo.gpu_memory_utilization > 0 ? eo.gpu_memory_utilization
                                                    : lw_catalogue_value(cat, "memory.usable_fraction", 0.9);
        if (lw_check_fit(&a, g, eo.gpus, util, &err) != LW_OK) {
            if (err.status != LW_ERR_INFEASIBLE) {
                lw_catalogue_free(cat);
                return cli_fail(cmd, &err);
            }
            snprintf(fit_warning, sizeof fit_warning, "%s (the %s method ignores memory, as its seed does)",
                     lw_err_message(&err), lw_method_name(eo.method));
        }
    }
    cli_calibration cal;
    if ((rc = cli_calibration_open(cmd, calibration, &cal))) {
        lw_catalogue_free(cat);
        return rc;
    }
    eo.calibration_json = cal.text;
    lw_estimator *e;
    lw_estimate r = LW_ESTIMATE_INIT;
    if (lw_estimator_new(cat, m, g, &eo, &e, &err) != LW_OK) {
        cli_calibration_close(&cal);
        lw_catalogue_free(cat);
        return cli_fail(cmd, &err);
    }
    lw_status st = lw_estimator_run(e, &w, &r, &err);
    lw_estimator_info info;
    lw_estimator_describe(e, &info);
    if (st != LW_OK) {
        cli_calibration_close(&cal);
        lw_estimator_free(e);
        lw_catalogue_free(cat);
        return cli_fail(cmd, &err);
    }
    const int B = w.batch;
    const char *sources = eo.method == LW_METHOD_ROOFLINE ? info.coeff_source : info.constants_source;
    /* The record keeps the one-line JSON, --json prints it indented: the same renderer. */
    const char *extra[1] = {fit_warning};
    lw_estimate_json_opts jo = LW_ESTIMATE_JSON_OPTS_INIT;
    jo.pue = have_pue;
    jo.labels = labels;
    jo.nlabels = (size_t)nlabels;
    jo.warnings = extra;
    jo.nwarnings = fit_warning[0] ? 1 : 0;
    jo.precision_rule = prec_rule;
    char *rec = NULL, *pretty = NULL;
    if (record && !(rec = lw_estimate_to_json(e, &w, &r, &jo, &err)))
        rc = cli_fail(cmd, &err);
    jo.indent = 2;
    if (!rc && json && !(pretty = lw_estimate_to_json(e, &w, &r, &jo, &err)))
        rc = cli_fail(cmd, &err);
    lw_estimator_free(e);
    if (!rc && record)
        rc = cli_record(cmd, record, rec, false);
    lw_free(rec);
    if (rc) {
        lw_free(pretty);
    } else if (json) {
        fprintf(cli_stdout(), "%s\n", pretty);
        lw_free(pretty);
    } else {
        printf("%s on %d x %s, batch %d, %g in + %g out", m->name, eo.gpus, g->id, B, w.input_tokens, w.output_tokens);
        if (r.reasoning_tokens > 0)
            printf(" + %g reasoning", r.reasoning_tokens);
        printf(" tokens, %s weights, %s KV, method %s\n", lw_precision_name(w.weight_precision),
               lw_precision_name(w.kv_precision), lw_method_name(eo.method));
        if (!rq.have_prec)
            printf("precision: %s\n", prec_rule);
        if (eo.gpus > 1 && eo.method == LW_METHOD_ROOFLINE) {
            printf("plan: tensor parallel %d x pipeline parallel %d (%s)", r.tensor_parallel, r.pipeline_parallel,
                   info.plan_note);
            if (r.pipeline_parallel > 1)
                printf("; %d micro-batch%s in flight, decode bubble %.0f%%", r.micro_batches, r.micro_batches > 1 ? "es" : "",
                       100 * r.pipeline_bubble);
            putchar('\n');
        }
        if (eo.method == LW_METHOD_ROOFLINE && r.memory.usable_bytes > 0)
            printf("memory: %.1f GB usable, weights %.1f GB, KV cache %.1f GB holds %.4g running requests; effective batch %d%s\n",
                   r.memory.usable_bytes / 1e9, r.memory.weight_bytes / 1e9, r.memory.kv_budget_bytes / 1e9,
                   r.memory.max_concurrency, r.effective_batch, r.effective_batch < B ? " (capped)" : "");
        if (r.prefill_sm_clock_mhz > 0)
            print_clocks(&r, g);
        putchar('\n');
        printf("%-8s %12s %12s %12s %10s %10s  %s\n", "phase", "J/request", "Wh/request", "J/out tok", "time s", "power W",
               "bound");
        print_row("prefill", r.prefill.energy_j / B, w.output_tokens, r.prefill.time_s, r.prefill.avg_power_w,
                  lw_bound_name(r.prefill.bound));
        print_row("decode", r.decode.energy_j / B, w.output_tokens, r.decode.time_s, r.decode.avg_power_w,
                  lw_bound_name(r.decode.bound));
        print_row("total", r.energy_j / B, w.output_tokens, r.time_s, r.avg_power_w, "");
        printf("\nper request:      %.4g J (%.4g Wh), band %.4g .. %.4g J\n", r.energy_per_request_j.expected,
               r.energy_per_request_j.expected / 3600.0, r.energy_per_request_j.low, r.energy_per_request_j.high);
        if (!(w.output_tokens > 0))
            printf("per output token: undefined (no output tokens)\n");
        else
            printf("per output token: %.4g J, band %.4g .. %.4g J\n", r.energy_per_output_token_j.expected,
                   r.energy_per_output_token_j.low, r.energy_per_output_token_j.high);
        if (have_pue)
            printf("facility (PUE %.3g): %.4g J (%.4g Wh) per request\n", eo.pue, r.facility_energy_per_request_j,
                   r.facility_energy_per_request_j / 3600.0);
        printf("GPU energy only, before PUE; batch of %d: %.4g J over %.4g s\n", B, r.energy_j, r.time_s);
        if (eo.method == LW_METHOD_ROOFLINE)
            printf("coefficients: eta_compute %.3f, eta_memory %.3f, step overhead %.3g ms, idle %.0f%% TDP, power k_c %.2f "
                   "k_m %.2f, band sigma %.3f (ln)\n",
                   info.coeffs.eta_compute, info.coeffs.eta_memory, info.coeffs.step_overhead_s * 1e3,
                   info.coeffs.idle_fraction * 100, info.coeffs.power_k_compute, info.coeffs.power_k_memory,
                   info.coeffs.sigma_log);
        if (eo.method == LW_METHOD_ROOFLINE && m->num_experts > 0)
            printf("MoE: routed experts at %.2g of these efficiencies (estimate.roofline.moe_efficiency: fused-MoE "
                   "kernels)\n",
                   lw_catalogue_value(cat, "estimate.roofline.moe_efficiency", NAN));
        if (eo.method == LW_METHOD_PROFILE)
            printf("model profile: %s\n", info.profile_note);
        if (eo.method != LW_METHOD_ROOFLINE)
            printf("band: the seed gives a point estimate (low = high = expected)\n");
        if (eo.method == LW_METHOD_ROOFLINE && r.reasoning_tokens > w.reasoning_tokens)
            printf("reasoning: %g hidden tokens per request decoded from %s's reasoning factor %g (seed 001); "
                   "--reasoning N sets them\n",
                   r.reasoning_tokens - w.reasoning_tokens, m->name, lw_model_reasoning_factor(m));
        printf("sources: %s\n", sources);
        if (eo.method == LW_METHOD_ROOFLINE && cal.text)
            cli_calibration_print(stdout, &cal);
        if (fit_warning[0])
            printf("warning: %s\n", fit_warning);
        for (int k = 0; k < lw_estimate_warning_count(&r); k++)
            printf("warning: %s\n", lw_estimate_warning(&r, k));
    }
    cli_calibration_close(&cal);
    lw_catalogue_free(cat);
    return rc;
}
