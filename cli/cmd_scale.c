#include <math.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "common.h"
#include "llmwatt/scale.h"

static const char *usage_text =
    "usage: llmwatt scale --baseline-j-per-token J\n"
    "                     [--from-model NAME] [--from-params N] [--from-family F] [--from-gpu GPU]\n"
    "                     [--from-gpus G] [--from-power-w W]\n"
    "                     [--to-model NAME] [--to-params N] [--family F] [--to-gpu GPU] [--to-gpus G]\n"
    "                     [--to-power-w W] [--k LO,EX,HI] [--mu LO,EX,HI] [--eta LO,EX,HI]\n"
    "                     [--alpha A] [--multi-gpu overhead|seed|none]\n"
    "                     [--coefficients FILE [--accept-flagged]]\n"
    "                     [--json] [--catalogue FILE]\n\n"
    "Extrapolates a measured energy per output token (seed 000) to another model and GPU:\n"
    "  Formula 1: E1 = E_base * (N_to/N_from) * k^log2(N_to/N_from) * mu_arch\n"
    "  Formula 2: E  = E1 * (B_from/B_to) * (P_to/P_from) * eta_util * M(G_from, G_to)\n"
    "N: active parameters (from the catalogue model, or --from-params/--to-params); B: memory\n"
    "bandwidth; P: typical inference power per GPU (catalogue, --from/--to-power-w, or 0.72 x TDP\n"
    "with a wider band). mu_arch: the target family's seed 000 estimate over the baseline family's.\n"
    "Formula 2 applies when a GPU is named (--to-gpu defaults to --from-gpu; eta_util then still\n"
    "applies, as seed 000 Part 3 does). Multi-GPU M, R(G) = 1 + alpha(G-1):\n"
    "  overhead (default): R(G_to)/R(G_from): G GPUs draw G x power for 1/G of the time per token\n"
    "  seed: G_to R(G_to) / (G_from R(G_from)), seed 000 Part 2 as written\n"
    "  none: 1, what seed 000 Part 4's numbers did\n"
    "--coefficients FILE reads the output of 'llmwatt fit --output FILE'; a file with a flagged\n"
    "coefficient (outside its physical range, or confounded with the data source) is refused\n"
    "(exit 4) unless --accept-flagged is given, which uses it and prints a warning per flag.\n";

static int parse_params(const char *cmd, const char *opt, const char *v, double *out)
{
    return cli_number(cmd, opt, v, 1, 1e15, out) ? 0 : EXIT_USAGE;
}

static bool parse_band(const char *cmd, const char *opt, const char *v, double min, double max, lw_band *out)
{
    double t[3];
    if (!cli_triple(cmd, opt, v, min, max, t))
        return false;
    out->low = t[0];
    out->expected = t[1];
    out->high = t[2];
    return true;
}

static void print_row(const char *name, lw_band b, const char *basis)
{
    printf("  %-30s %9.4g %9.4g %9.4g  %s\n", name, b.low, b.expected, b.high, basis);
}

static void print_text(const lw_scale_input *in, const lw_scale_result *r, const char *mode)
{
    char buf[256];
    printf("scale: %g J/token of %s (N %.4g)", in->baseline_j_per_token, in->from.model ? in->from.model : "baseline", in->from.params);
    if (in->from.gpu)
        printf(" on %d x %s", in->from.gpus, in->from.gpu->id);
    printf(" -> %s (N %.4g)", in->to.model ? in->to.model : "target", in->to.params);
    if (in->to.gpu)
        printf(" on %d x %s", in->to.gpus, in->to.gpu->id);
    printf("\n\n");
    printf("  %-30s %9s %9s %9s\n", "factor", "low", "expected", "high");
    lw_band pr = {r->param_ratio, r->param_ratio, r->param_ratio};
    print_row("N_to/N_from", pr, "");
    snprintf(buf, sizeof buf, "k = %g/%g/%g, log2 ratio %.3f", r->k.low, r->k.expected, r->k.high, r->log2_param_ratio);
    lw_band kp = {r->size_factor.low / r->param_ratio, r->size_factor.expected / r->param_ratio, r->size_factor.high / r->param_ratio};
    print_row("k^log2(N_to/N_from)", kp, buf);
    print_row("mu_arch", r->mu, r->mu_basis);
    if (r->hardware_step) {
        lw_band bw = {r->bandwidth_ratio, r->bandwidth_ratio, r->bandwidth_ratio};
        print_row("bandwidth B_from/B_to", bw, "");
        snprintf(buf, sizeof buf, "%g W / %g W", r->to_power_w, r->from_power_w);
        print_row("power P_to/P_from", r->power_ratio, buf);
        print_row("eta_util", r->eta, r->eta_basis);
        lw_band mg = {r->multi_gpu_factor, r->multi_gpu_factor, r->multi_gpu_factor};
        snprintf(buf, sizeof buf, "mode %s, alpha %g, %d -> %d GPUs", mode, r->alpha, in->from.gpus, in->to.gpus);
        print_row("multi-GPU M", mg, buf);
    }
    if (r->fit_residual.low != 1 || r->fit_residual.high != 1)
        print_row("fit residual band", r->fit_residual, "scale.fit.residual_band");
    printf("  %-30s %9s %9s %9s\n", "", "---------", "---------", "---------");
    print_row("energy per token (J)", r->energy_per_token_j, "");
    if (r->hardware_step)
        printf("\npower: from %s; to %s\n", r->from_power_basis, r->to_power_basis);
    else
        printf("\n");
    for (int i = 0; i < r->nnotes; i++)
        printf("note: %s\n", r->notes[i]);
}

int cmd_scale(int argc, char **argv)
{
    enum {
        O_HELP = 256, O_JSON, O_CAT, O_BASE, O_FMODEL, O_TMODEL, O_FPARAMS, O_TPARAMS, O_FFAM, O_TFAM, O_FGPU, O_TGPU,
        O_FGPUS, O_TGPUS, O_FPOW, O_TPOW, O_K, O_MU, O_ETA, O_ALPHA, O_MODE, O_COEF, O_ACCEPT
    };
    static const cli_opt opts[] = {
        {"help", false, O_HELP},          {"json", false, O_JSON},          {"catalogue", true, O_CAT},
        {"baseline-j-per-token", true, O_BASE}, {"from-model", true, O_FMODEL}, {"to-model", true, O_TMODEL},
        {"from-params", true, O_FPARAMS}, {"to-params", true, O_TPARAMS},   {"from-family", true, O_FFAM},
        {"family", true, O_TFAM},         {"to-family", true, O_TFAM},      {"from-gpu", true, O_FGPU},
        {"to-gpu", true, O_TGPU},         {"from-gpus", true, O_FGPUS},     {"to-gpus", true, O_TGPUS},
        {"from-power-w", true, O_FPOW},   {"to-power-w", true, O_TPOW},     {"k", true, O_K},
        {"mu", true, O_MU},               {"eta", true, O_ETA},             {"alpha", true, O_ALPHA},
        {"multi-gpu", true, O_MODE},      {"coefficients", true, O_COEF},   {"accept-flagged", false, O_ACCEPT},
        {NULL, false, 0}};
    const char *cmd = "scale", *catfile = NULL, *coef = NULL, *v;
    bool json = false, have_base = false, accept = false;
    lw_scale_request rq = LW_SCALE_REQUEST_INIT;
    lw_err err;
    int i = 1, id;
    while ((id = cli_getopt(cmd, argc, argv, opts, &i, &v)) > 0) {
        bool ok = true;
        switch (id) {
        case O_HELP: fputs(usage_text, stdout); return EXIT_OK;
        case O_JSON: json = true; break;
        case O_CAT: catfile = v; break;
        case O_BASE: ok = cli_number(cmd, "baseline-j-per-token", v, -1e300, 1e300, &rq.baseline_j_per_token); have_base = true; break;
        case O_FMODEL: rq.from_model = v; break;
        case O_TMODEL: rq.to_model = v; break;
        case O_FPARAMS: ok = parse_params(cmd, "from-params", v, &rq.from_params) == 0; break;
        case O_TPARAMS: ok = parse_params(cmd, "to-params", v, &rq.to_params) == 0; break;
        case O_FFAM: rq.from_family = v; break;
        case O_TFAM: rq.to_family = v; break;
        case O_FGPU: rq.from_gpu = v; break;
        case O_TGPU: rq.to_gpu = v; break;
        case O_FGPUS: ok = cli_int(cmd, "from-gpus", v, 1, 4096, &rq.from_gpus); break;
        case O_TGPUS: ok = cli_int(cmd, "to-gpus", v, 1, 4096, &rq.to_gpus); break;
        case O_FPOW: ok = cli_number(cmd, "from-power-w", v, 1, 1e6, &rq.from_power_w); break;
        case O_TPOW: ok = cli_number(cmd, "to-power-w", v, 1, 1e6, &rq.to_power_w); break;
        case O_K: ok = parse_band(cmd, "k", v, 0, 2, &rq.k); rq.have_k = true; break;
        case O_MU: ok = parse_band(cmd, "mu", v, 0, 100, &rq.mu); rq.have_mu = true; break;
        case O_ETA: ok = parse_band(cmd, "eta", v, 0, 100, &rq.eta); rq.have_eta = true; break;
        case O_ALPHA: ok = cli_number(cmd, "alpha", v, 0, 10, &rq.alpha); rq.have_alpha = true; break;
        case O_MODE:
            if (lw_multi_gpu_parse(v, &rq.multi_gpu, &err) != LW_OK)
                return cli_usage(cmd, "--multi-gpu: %s", lw_err_message(&err));
            break;
        case O_COEF: coef = v; break;
        case O_ACCEPT: accept = true; break;
        }
        if (!ok)
            return EXIT_USAGE;
    }
    if (id < 0)
        return EXIT_USAGE;
    if (i < argc)
        return cli_usage(cmd, "unexpected argument '%s'", argv[i]);
    if (accept && !coef)
        return cli_usage(cmd, "--accept-flagged applies to a --coefficients file: give one");
    if (!have_base)
        return cli_usage(cmd, "missing --baseline-j-per-token (the measured energy per output token of the baseline)");
    if (!rq.from_model && !(rq.from_params > 0))
        return cli_usage(cmd, "the baseline needs --from-model or --from-params");
    if (!rq.to_model && !(rq.to_params > 0))
        return cli_usage(cmd, "the target needs --to-model or --to-params");

    lw_catalogue *cat;
    int rc = cli_catalogue(cmd, catfile, &cat);
    if (rc)
        return rc;
    char *flagged = NULL;
    size_t nflagged = 0;
    if (coef && (lw_scale_check_coefficients(cat, coef, &flagged, &nflagged, &err) != LW_OK ||
                 lw_scale_load_coefficients_checked(cat, coef, true, &err) != LW_OK)) {
        lw_free(flagged);
        lw_catalogue_free(cat);
        cli_error(cmd, "--coefficients: %s", lw_err_message(&err));
        return cli_exit_code(err.status);
    }
    lw_scale_input in;
    lw_scale_result r;
    if (lw_scale_resolve(cat, &rq, &in, &err) != LW_OK || lw_scale_run(cat, &in, &r, &err) != LW_OK) {
        lw_free(flagged);
        lw_catalogue_free(cat);
        return cli_fail(cmd, &err);
    }
    if (nflagged && !accept) {
        /* name a flagged coefficient this run uses when there is one, else the file's first */
        const char *pick = flagged;
        for (const char *p = flagged; *p; p = strchr(p, '\n') + 1) {
            char key[160];
            snprintf(key, sizeof key, "%.*s", (int)strcspn(p, " \n"), p);
            if (lw_scale_uses_key(&in, &r, key)) {
                pick = p;
                break;
            }
        }
        char more[64] = "";
        if (nflagged > 1)
            snprintf(more, sizeof more, " (and %zu more flagged)", nflagged - 1);
        cli_error(cmd, "--coefficients: %s: %.*s%s; refit on other points, or give --accept-flagged to use it anyway", coef,
                  (int)strcspn(pick, "\n"), pick, more);
        lw_free(flagged);
        lw_catalogue_free(cat);
        return EXIT_INPUT;
    }
    if (json) {
        char *text = lw_scale_to_json(&in, &r, nflagged ? flagged : NULL, 2, &err);
        if (text)
            fprintf(cli_stdout(), "%s\n", text);
        else
            rc = cli_fail(cmd, &err);
        lw_free(text);
    } else {
        print_text(&in, &r, lw_multi_gpu_name(in.multi_gpu));
        size_t unused = 0;
        for (const char *p = nflagged ? flagged : ""; *p;) {
            const char *nl = strchr(p, '\n');
            char key[160];
            snprintf(key, sizeof key, "%.*s", (int)strcspn(p, " \n"), p);
            if (lw_scale_uses_key(&in, &r, key))
                printf("warning: flagged coefficient used (--accept-flagged): %.*s\n", (int)(nl - p), p);
            else
                unused++;
            p = nl + 1;
        }
        if (unused)
            printf("note: %s holds %zu more flagged coefficient%s that this run does not use\n", coef, unused, unused == 1 ? "" : "s");
    }
    lw_free(flagged);
    lw_catalogue_free(cat);
    return rc;
}
