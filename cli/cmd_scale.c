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
    "                     [--alpha A] [--multi-gpu overhead|seed|none] [--coefficients FILE]\n"
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
    "--coefficients FILE reads the output of 'llmwatt fit --output FILE'.\n";

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

static json_t *band_json(lw_band b)
{
    json_t *o = json_object();
    json_object_set_new(o, "low", json_real(b.low));
    json_object_set_new(o, "expected", json_real(b.expected));
    json_object_set_new(o, "high", json_real(b.high));
    return o;
}

static json_t *side_json(const lw_scale_side *s, const lw_scale_result *r, bool to)
{
    json_t *o = json_object();
    json_object_set_new(o, "model", s->model ? json_string(s->model) : json_null());
    json_object_set_new(o, "family", s->family && *s->family ? json_string(s->family) : json_null());
    json_object_set_new(o, "active_params", json_real(s->params));
    json_object_set_new(o, "gpu", s->gpu ? json_string(s->gpu->id) : json_null());
    json_object_set_new(o, "gpus", json_integer(s->gpus));
    if (r->hardware_step) {
        json_object_set_new(o, "memory_bw_bytes_per_s", json_real(s->gpu->memory_bw_bytes_per_s));
        json_object_set_new(o, "power_w", json_real(to ? r->to_power_w : r->from_power_w));
        json_object_set_new(o, "power_basis", json_string(to ? r->to_power_basis : r->from_power_basis));
    }
    return o;
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
        O_FGPUS, O_TGPUS, O_FPOW, O_TPOW, O_K, O_MU, O_ETA, O_ALPHA, O_MODE, O_COEF
    };
    static const cli_opt opts[] = {
        {"help", false, O_HELP},          {"json", false, O_JSON},          {"catalogue", true, O_CAT},
        {"baseline-j-per-token", true, O_BASE}, {"from-model", true, O_FMODEL}, {"to-model", true, O_TMODEL},
        {"from-params", true, O_FPARAMS}, {"to-params", true, O_TPARAMS},   {"from-family", true, O_FFAM},
        {"family", true, O_TFAM},         {"to-family", true, O_TFAM},      {"from-gpu", true, O_FGPU},
        {"to-gpu", true, O_TGPU},         {"from-gpus", true, O_FGPUS},     {"to-gpus", true, O_TGPUS},
        {"from-power-w", true, O_FPOW},   {"to-power-w", true, O_TPOW},     {"k", true, O_K},
        {"mu", true, O_MU},               {"eta", true, O_ETA},             {"alpha", true, O_ALPHA},
        {"multi-gpu", true, O_MODE},      {"coefficients", true, O_COEF},   {NULL, false, 0}};
    const char *cmd = "scale", *catfile = NULL, *coef = NULL, *v;
    const char *fmodel = NULL, *tmodel = NULL, *fgpu = NULL, *tgpu = NULL;
    double fparams = 0, tparams = 0;
    bool json = false, have_base = false;
    lw_scale_input in = lw_scale_input_default();
    lw_err err;
    int i = 1, id;
    while ((id = cli_getopt(cmd, argc, argv, opts, &i, &v)) > 0) {
        bool ok = true;
        switch (id) {
        case O_HELP: fputs(usage_text, stdout); return EXIT_OK;
        case O_JSON: json = true; break;
        case O_CAT: catfile = v; break;
        case O_BASE: ok = cli_number(cmd, "baseline-j-per-token", v, -1e300, 1e300, &in.baseline_j_per_token); have_base = true; break;
        case O_FMODEL: fmodel = v; break;
        case O_TMODEL: tmodel = v; break;
        case O_FPARAMS: ok = parse_params(cmd, "from-params", v, &fparams) == 0; break;
        case O_TPARAMS: ok = parse_params(cmd, "to-params", v, &tparams) == 0; break;
        case O_FFAM: in.from.family = v; break;
        case O_TFAM: in.to.family = v; break;
        case O_FGPU: fgpu = v; break;
        case O_TGPU: tgpu = v; break;
        case O_FGPUS: ok = cli_int(cmd, "from-gpus", v, 1, 4096, &in.from.gpus); break;
        case O_TGPUS: ok = cli_int(cmd, "to-gpus", v, 1, 4096, &in.to.gpus); break;
        case O_FPOW: ok = cli_number(cmd, "from-power-w", v, 1, 1e6, &in.from.power_w); break;
        case O_TPOW: ok = cli_number(cmd, "to-power-w", v, 1, 1e6, &in.to.power_w); break;
        case O_K: ok = parse_band(cmd, "k", v, 0, 2, &in.k); in.have_k = true; break;
        case O_MU: ok = parse_band(cmd, "mu", v, 0, 100, &in.mu); in.have_mu = true; break;
        case O_ETA: ok = parse_band(cmd, "eta", v, 0, 100, &in.eta); in.have_eta = true; break;
        case O_ALPHA: ok = cli_number(cmd, "alpha", v, 0, 10, &in.alpha); in.have_alpha = true; break;
        case O_MODE:
            if (lw_multi_gpu_parse(v, &in.multi_gpu, &err) != LW_OK)
                return cli_usage(cmd, "--multi-gpu: %s", lw_err_message(&err));
            break;
        case O_COEF: coef = v; break;
        }
        if (!ok)
            return EXIT_USAGE;
    }
    if (id < 0)
        return EXIT_USAGE;
    if (i < argc)
        return cli_usage(cmd, "unexpected argument '%s'", argv[i]);
    if (!have_base)
        return cli_usage(cmd, "missing --baseline-j-per-token (the measured energy per output token of the baseline)");
    if (!fmodel && !(fparams > 0))
        return cli_usage(cmd, "the baseline needs --from-model or --from-params");
    if (!tmodel && !(tparams > 0))
        return cli_usage(cmd, "the target needs --to-model or --to-params");

    lw_catalogue *cat;
    int rc = cli_catalogue(cmd, catfile, &cat);
    if (rc)
        return rc;
    if (coef && lw_scale_load_coefficients(cat, coef, &err) != LW_OK) {
        lw_catalogue_free(cat);
        cli_error(cmd, "--coefficients: %s", lw_err_message(&err));
        return cli_exit_code(err.status);
    }
    const lw_model_arch *mf = NULL, *mt = NULL;
    if ((fmodel && (rc = cli_model(cmd, cat, fmodel, NULL, &mf))) || (tmodel && (rc = cli_model(cmd, cat, tmodel, NULL, &mt))) ||
        (fgpu && (rc = cli_gpu(cmd, cat, fgpu, &in.from.gpu))) || (tgpu && (rc = cli_gpu(cmd, cat, tgpu, &in.to.gpu)))) {
        lw_catalogue_free(cat);
        return rc;
    }
    lw_param_counts pc;
    const lw_model_arch *ms[2] = {mf, mt};
    lw_scale_side *sides[2] = {&in.from, &in.to};
    double given[2] = {fparams, tparams};
    for (int s = 0; s < 2; s++) {
        lw_scale_side *sd = sides[s];
        sd->params = given[s];
        if (!ms[s])
            continue;
        sd->model = ms[s]->name;
        if (!sd->family && ms[s]->family[0])
            sd->family = ms[s]->family;
        if (!(given[s] > 0)) {
            if (lw_model_params(ms[s], &pc, &err) != LW_OK) {
                lw_catalogue_free(cat);
                return cli_fail(cmd, &err);
            }
            sd->params = pc.active;
        }
    }
    if (in.to.gpu == NULL)
        in.to.gpu = in.from.gpu;
    lw_scale_result r;
    if (lw_scale_run(cat, &in, &r, &err) != LW_OK) {
        lw_catalogue_free(cat);
        return cli_fail(cmd, &err);
    }
    const char *mode = lw_multi_gpu_name(in.multi_gpu);
    if (json) {
        json_t *o = json_object();
        json_object_set_new(o, "energy_per_token_j", band_json(r.energy_per_token_j));
        json_object_set_new(o, "baseline_j_per_token", json_real(in.baseline_j_per_token));
        json_object_set_new(o, "from", side_json(&in.from, &r, false));
        json_object_set_new(o, "to", side_json(&in.to, &r, true));
        json_t *f = json_object();
        json_object_set_new(f, "param_ratio", json_real(r.param_ratio));
        json_object_set_new(f, "log2_param_ratio", json_real(r.log2_param_ratio));
        json_object_set_new(f, "k", band_json(r.k));
        json_object_set_new(f, "size_factor", band_json(r.size_factor));
        json_t *mu = band_json(r.mu);
        json_object_set_new(mu, "basis", json_string(r.mu_basis));
        json_object_set_new(f, "mu_arch", mu);
        json_object_set_new(f, "hardware_step", json_boolean(r.hardware_step));
        json_object_set_new(f, "bandwidth_ratio", json_real(r.bandwidth_ratio));
        json_object_set_new(f, "power_ratio", band_json(r.power_ratio));
        json_object_set_new(f, "hardware_ratio", band_json(r.hardware_ratio));
        json_t *eta = band_json(r.eta);
        json_object_set_new(eta, "basis", json_string(r.hardware_step ? r.eta_basis : "not applied"));
        json_object_set_new(f, "eta_util", eta);
        json_t *mg = json_object();
        json_object_set_new(mg, "mode", json_string(mode));
        json_object_set_new(mg, "alpha", json_real(r.alpha));
        json_object_set_new(mg, "factor", json_real(r.multi_gpu_factor));
        json_object_set_new(f, "multi_gpu", mg);
        json_object_set_new(f, "fit_residual", band_json(r.fit_residual));
        json_object_set_new(o, "factors", f);
        json_t *notes = json_array();
        for (int k = 0; k < r.nnotes; k++)
            json_array_append_new(notes, json_string(r.notes[k]));
        json_object_set_new(o, "notes", notes);
        rc = cli_print_json(o);
    } else {
        print_text(&in, &r, mode);
    }
    lw_catalogue_free(cat);
    return rc;
}
