#include <math.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "common.h"
#include "llmwatt/physics.h"

static const char *usage_text =
    "usage: llmwatt physics GPU|--gpu GPU [--precision bf16|fp16|fp8|int8|all] [--mfu X]\n"
    "                       [--flops-per-mac 1|2] [--json] [--catalogue FILE]\n\n"
    "Energy per MAC of a GPU from three models (seed 002): component (Horowitz-scaled register\n"
    "file + ALU, 1.15 pJ at 4 nm), calibrated (node table 3/4/7/12 nm = 1.4/1.65/2.3/3.3 pJ,\n"
    "log-log interpolation between listed nodes) and external (2.5 pJ at 4 nm); the other two\n"
    "models follow the calibrated node scaling. For each: sustainable FLOP/s = TDP / energy and\n"
    "physics limit = sustainable / dense peak. --mfu X checks each model (the limit must exceed\n"
    "the observed MFU; seed 002 cites 0.49 from CoreWeave) and prints the largest energy per MAC\n"
    "that MFU allows. Seed 002 counts 1 MAC as 1 FLOP (default); vendor peaks count 2 FLOP per\n"
    "MAC (--flops-per-mac 2), which doubles every limit. fp8/int8 MACs cost 0.5 x bf16 (llmwatt\n"
    "choice, 'llmwatt sources physics.'). Default precision bf16, fp16 on GPUs without bf16\n"
    "(V100, T4). --precision all: every precision with a catalogue peak.\n";

static void print_result(const lw_gpu *g, const lw_physics_result *r)
{
    printf("%s (%s %s): TDP %g W, dense %s peak %.1f TFLOP/s, node %g nm%s\n", g->id, g->name, g->variant, r->tdp_w,
           lw_precision_name(r->precision), r->peak_flops / 1e12, r->node_nm,
           r->node_interpolated ? " (not in the table: log-log interpolation)" : "");
    if (r->precision_ratio != 1)
        printf("energy per %s MAC = %.2f x bf16 (llmwatt choice: 8-bit operands)\n", lw_precision_name(r->precision), r->precision_ratio);
    printf("  %-11s %8s %16s %14s", "model", "pJ/MAC", "sustainable", "physics limit");
    if (r->have_mfu)
        printf("   vs MFU %.2f", r->mfu);
    printf("\n");
    bool unbound = false;
    for (int i = 0; i < LW_PHYSICS_MODELS; i++) {
        const lw_physics_model *m = &r->models[i];
        printf("  %-11s %8.3f %9.1f TFLOP/s %13.1f%%%s", m->name, m->pj_per_mac, m->sustainable_flops / 1e12, 100 * m->physics_limit,
               !m->binds ? " *" : r->have_mfu ? "  " : "");
        if (r->have_mfu)
            printf("   %s", m->consistent ? "consistent" : "INCONSISTENT: limit below the observed MFU");
        printf("\n");
        unbound |= !m->binds;
    }
    if (unbound)
        printf("  * above 100%%: TDP at this energy per MAC would sustain more than the dense peak, so this model\n"
               "    does not limit the GPU; its peak does (power is not the binding constraint)\n");
    if (r->have_mfu)
        printf("largest energy per MAC MFU %.2f allows: %g x %g W / (%.2f x %.4g FLOP/s) = %.3f pJ\n", r->mfu, r->flops_per_mac, r->tdp_w,
               r->mfu, r->peak_flops, r->max_pj_per_mac);
}

int cmd_physics(int argc, char **argv)
{
    enum { O_HELP = 256, O_JSON, O_CAT, O_GPU, O_PREC, O_MFU, O_FPM };
    static const cli_opt opts[] = {{"help", false, O_HELP}, {"json", false, O_JSON},         {"catalogue", true, O_CAT},
                                   {"gpu", true, O_GPU},    {"precision", true, O_PREC},    {"mfu", true, O_MFU},
                                   {"flops-per-mac", true, O_FPM}, {NULL, false, 0}};
    const char *cmd = "physics", *catfile = NULL, *gpu_name = NULL, *v;
    bool json = false, all = false, prec_given = false;
    lw_precision prec = LW_PREC_BF16;
    double mfu = NAN, fpm = 1;
    int i = 1, id;
    while (i < argc) {
        id = cli_getopt(cmd, argc, argv, opts, &i, &v);
        if (id < 0)
            return EXIT_USAGE;
        if (id == 0) {
            if (i >= argc)
                break;
            if (gpu_name)
                return cli_usage(cmd, "unexpected argument '%s'", argv[i]);
            gpu_name = argv[i++];
            continue;
        }
        bool ok = true;
        switch (id) {
        case O_HELP: fputs(usage_text, stdout); return EXIT_OK;
        case O_JSON: json = true; break;
        case O_CAT: catfile = v; break;
        case O_GPU:
            if (gpu_name)
                return cli_usage(cmd, "give the GPU once");
            gpu_name = v;
            break;
        case O_PREC:
            all = strcmp(v, "all") == 0;
            if (!all)
                ok = cli_precision(cmd, "precision", v, &prec);
            prec_given = true;
            break;
        case O_MFU: ok = cli_number(cmd, "mfu", v, 1e-6, 1, &mfu); break;
        case O_FPM:
            ok = cli_number(cmd, "flops-per-mac", v, 1, 2, &fpm);
            if (ok && fpm != 1 && fpm != 2)
                return cli_usage(cmd, "--flops-per-mac must be 1 (seed 002) or 2 (vendor peaks), got '%s'", v);
            break;
        }
        if (!ok)
            return EXIT_USAGE;
    }
    if (!gpu_name)
        return cli_usage(cmd, "missing the GPU (e.g. 'llmwatt physics h100-sxm')");
    lw_catalogue *cat;
    int rc = cli_catalogue(cmd, catfile, &cat);
    if (rc)
        return rc;
    const lw_gpu *g;
    if ((rc = cli_gpu(cmd, cat, gpu_name, &g))) {
        lw_catalogue_free(cat);
        return rc;
    }
    if (!prec_given)
        prec = lw_physics_default_precision(g);
    lw_physics_result res[LW_PHYSICS_PRECISIONS];
    size_t nres = 1;
    lw_err err;
    if ((all ? lw_physics_evaluate_all(cat, g, fpm, mfu, res, &nres, &err) : lw_physics_evaluate(cat, g, prec, fpm, mfu, res, &err)) !=
        LW_OK) {
        lw_catalogue_free(cat);
        return cli_fail(cmd, &err);
    }
    if (json) {
        char *text = lw_physics_to_json(g, res, nres, all, 2, &err);
        if (text)
            fprintf(cli_stdout(), "%s\n", text);
        else
            rc = cli_fail(cmd, &err);
        lw_free(text);
    } else {
        for (size_t k = 0; k < nres; k++) {
            if (k)
                printf("\n");
            print_result(g, &res[k]);
        }
        printf("\nconvention: %s\n", fpm == 1 ? "1 MAC = 1 FLOP, as seed 002's arithmetic (TDP / pJ per MAC compared with FLOP/s); "
                                                "vendor peaks count 2 FLOP per MAC: --flops-per-mac 2 doubles every limit"
                                              : "1 MAC = 2 FLOP (vendor peaks count a fused multiply-add as 2 FLOP); seed 002 used 1");
    }
    lw_catalogue_free(cat);
    return rc;
}
