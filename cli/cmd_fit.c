#include <math.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "common.h"
#include "progress.h"
#include "llmwatt/scale.h"

static const char *usage_text =
    "usage: llmwatt fit [--points FILE] [--output FILE] [--batch-match X] [--multi-gpu overhead|seed|none]\n"
    "                   [--alpha A] [--bootstrap N] [--seed N] [--json] [--quiet] [--catalogue FILE]\n\n"
    "Fits seed 000's coefficients to measured points (default: the built-in calibration points):\n"
    "k, mu_arch per model family (relative to qwen2.5) and eta_util per GPU pair, by least squares\n"
    "on ln(E_j/E_i) over pairs of GPU-only points whose batch sizes are within a factor X\n"
    "(default 1.5: the formula has no batch term, so only like-for-like batches are compared).\n"
    "eta_util for a pair is exp(u_to - u_from) from one utilisation effect per GPU. Reports the\n"
    "fitted values with bootstrap 5..95% intervals (resampling points), the band covering 90% of\n"
    "the fitted pairs, and the pairwise accuracy of seed 000's own coefficients, of the fit, and\n"
    "of the fit on held-out points. --output writes a file for 'llmwatt scale --coefficients'.\n"
    "Each coefficient is checked: outside its physical range (seed 000: k 0.90..1.10, mu_arch\n"
    "0.75..1.80, eta of a GPU pair 0.70/1.15..1.15/0.70; 'llmwatt sources scale.physical_range')\n"
    "or confounded with the data source (seen only by comparing one source with another) is\n"
    "flagged, in the output and in the file; scale refuses such a file unless --accept-flagged.\n"
    "On a terminal, stderr shows the bootstrap's progress; --quiet turns it off.\n";

/* The library renders the object (lw_fit_accuracy_to_json, also used for the coefficients file). */
static json_t *acc_json(const lw_fit_accuracy *a)
{
    char *text = lw_fit_accuracy_to_json(a, 0);
    json_t *o = text ? json_loads(text, 0, NULL) : NULL;
    lw_free(text);
    return o;
}

static void print_acc(const char *name, const lw_fit_accuracy *a)
{
    if (!a->pairs) {
        printf("  %-34s %5d  (no pairs)\n", name, 0);
        return;
    }
    printf("  %-34s %5d  %11.1f%%  %10.0f%%   x%.2f .. x%.2f", name, a->pairs, 100 * a->median_abs_err, 100 * a->coverage,
           a->band_low, a->band_high);
    if (a->unpredictable)
        printf("  (%d not predictable)", a->unpredictable);
    printf("\n");
}

int cmd_fit(int argc, char **argv)
{
    enum { O_HELP = 256, O_JSON, O_CAT, O_POINTS, O_OUT, O_MATCH, O_MODE, O_ALPHA, O_BOOT, O_SEED, O_QUIET };
    static const cli_opt opts[] = {{"help", false, O_HELP},  {"json", false, O_JSON},       {"catalogue", true, O_CAT},
                                   {"points", true, O_POINTS}, {"output", true, O_OUT},     {"batch-match", true, O_MATCH},
                                   {"multi-gpu", true, O_MODE}, {"alpha", true, O_ALPHA},   {"bootstrap", true, O_BOOT},
                                   {"seed", true, O_SEED},     {"quiet", false, O_QUIET},   {NULL, false, 0}};
    const char *cmd = "fit", *catfile = NULL, *points = NULL, *output = NULL, *v;
    bool json = false, quiet = false;
    lw_fit_opts fo = lw_fit_opts_default();
    lw_err err;
    int i = 1, id, seed = 1;
    while ((id = cli_getopt(cmd, argc, argv, opts, &i, &v)) > 0) {
        bool ok = true;
        switch (id) {
        case O_HELP: fputs(usage_text, stdout); return EXIT_OK;
        case O_JSON: json = true; break;
        case O_CAT: catfile = v; break;
        case O_QUIET: quiet = true; break;
        case O_POINTS: points = v; break;
        case O_OUT: output = v; break;
        case O_MATCH: ok = cli_number(cmd, "batch-match", v, 1, 1e9, &fo.batch_match); break;
        case O_MODE:
            if (lw_multi_gpu_parse(v, &fo.multi_gpu, &err) != LW_OK)
                return cli_usage(cmd, "--multi-gpu: %s", lw_err_message(&err));
            break;
        case O_ALPHA: ok = cli_number(cmd, "alpha", v, 0, 10, &fo.alpha); break;
        case O_BOOT: ok = cli_int(cmd, "bootstrap", v, 0, 100000, &fo.bootstrap); break;
        case O_SEED: ok = cli_int(cmd, "seed", v, 0, 2147483647, &seed); break;
        }
        if (!ok)
            return EXIT_USAGE;
    }
    if (id < 0)
        return EXIT_USAGE;
    if (i < argc)
        return cli_usage(cmd, "unexpected argument '%s'", argv[i]);
    fo.seed = (unsigned long)seed;
    lw_catalogue *cat;
    int rc = cli_catalogue(cmd, catfile, &cat);
    if (rc)
        return rc;
    lw_point *pts;
    size_t n;
    lw_status st = points ? lw_points_load(points, &pts, &n, &err) : lw_points_builtin(&pts, &n, &err);
    if (st != LW_OK) {
        lw_catalogue_free(cat);
        cli_error(cmd, "--points: %s", lw_err_message(&err));
        return cli_exit_code(err.status);
    }
    const char *pname = points ? points : "built-in calibration/points.csv";
    lw_fit_result *r;
    cli_progress pr;
    cli_progress_start(&pr, cmd, quiet);
    lw_progress_opts po = {.version = LW_PROGRESS_OPTS_VERSION, .progress = cli_progress_update, .progress_ctx = &pr};
    st = lw_fit_run_v2(cat, pts, n, &fo, &po, &r, &err);
    cli_progress_end(&pr);
    if (st != LW_OK) {
        lw_points_free(pts);
        lw_catalogue_free(cat);
        return cli_fail(cmd, &err);
    }
    if (output && (st = lw_fit_write(r, output, pname, &err)) != LW_OK) {
        lw_fit_free(r);
        lw_points_free(pts);
        lw_catalogue_free(cat);
        cli_error(cmd, "--output: %s", lw_err_message(&err));
        return cli_exit_code(st);
    }
    char why[256];
    size_t skipped = lw_fit_skipped(r, why, sizeof why);
    lw_fit_accuracy af = lw_fit_accuracy_fitted(r), as = lw_fit_accuracy_seed(r), ah = lw_fit_accuracy_heldout(r);
    if (json) {
        json_t *o = json_object(), *coefs = json_array();
        json_object_set_new(o, "points", json_string(pname));
        json_object_set_new(o, "points_used", json_integer((json_int_t)lw_fit_points_used(r)));
        json_object_set_new(o, "points_skipped", json_integer((json_int_t)skipped));
        json_object_set_new(o, "batch_match", json_real(fo.batch_match));
        json_object_set_new(o, "multi_gpu", json_string(lw_multi_gpu_name(fo.multi_gpu)));
        json_object_set_new(o, "reference_family", json_string(lw_fit_reference_family(r)));
        json_object_set_new(o, "reference_gpu", json_string(lw_fit_reference_gpu(r)));
        for (size_t k = 0; k < lw_fit_coef_count(r); k++) {
            char kind;
            const lw_fit_coef *c = lw_fit_coef_at(r, k, &kind);
            json_t *co = json_object();
            json_object_set_new(co, "kind", json_string(kind == 'k' ? "k" : kind == 'f' ? "mu_arch" : "gpu_eta_vs_reference"));
            json_object_set_new(co, "name", json_string(c->name));
            json_object_set_new(co, "identified", json_boolean(c->identified));
            json_object_set_new(co, "reference", json_boolean(c->reference));
            json_object_set_new(co, "value", json_real(c->value));
            json_object_set_new(co, "low", json_real(c->low));
            json_object_set_new(co, "high", json_real(c->high));
            json_object_set_new(co, "pairs", json_integer(c->pairs));
            bool flagged = !c->in_range || c->confounded_with[0];
            json_object_set_new(co, "status", json_string(!c->identified ? "not_identified"
                                                          : c->reference ? "reference"
                                                          : !c->in_range ? "out_of_range"
                                                          : flagged      ? "confounded"
                                                                         : "ok"));
            json_object_set_new(co, "in_range", json_boolean(c->in_range));
            json_t *range = json_object();
            json_object_set_new(range, "low", json_real(c->range_low));
            json_object_set_new(range, "high", json_real(c->range_high));
            json_object_set_new(range, "source", json_string(c->range_source));
            json_object_set_new(co, "range", range);
            json_object_set_new(co, "confounded_with", c->confounded_with[0] ? json_string(c->confounded_with) : json_null());
            char line[1024];
            json_object_set_new(co, "flag", lw_fit_flag_text(r, k, line, sizeof line) ? json_string(line) : json_null());
            json_array_append_new(coefs, co);
        }
        json_object_set_new(o, "coefficients", coefs);
        json_object_set_new(o, "flagged", json_integer((json_int_t)lw_fit_flagged_count(r)));
        json_object_set_new(o, "confounded", lw_fit_confounded(r) ? json_string(lw_fit_confounded(r)) : json_null());
        json_object_set_new(o, "bootstrap_discarded", json_integer(lw_fit_bootstrap_discarded(r)));
        json_object_set_new(o, "unexplained_variance", json_real(lw_fit_unexplained_variance(r)));
        json_t *band = json_object();
        json_object_set_new(band, "low", json_real(af.band_low));
        json_object_set_new(band, "high", json_real(af.band_high));
        json_object_set_new(o, "band_90", band);
        json_object_set_new(o, "fitted", acc_json(&af));
        json_object_set_new(o, "seed", acc_json(&as));
        json_object_set_new(o, "heldout", acc_json(&ah));
        if (output)
            json_object_set_new(o, "output", json_string(output));
        rc = cli_print_json(o);
    } else {
        printf("fit: %zu points used from %s, %zu skipped%s%s\n", lw_fit_points_used(r), pname, skipped, skipped ? " (first: " : "",
               skipped ? why : "");
        if (skipped)
            printf(")\n");
        printf("pairs: batch within x%g, multi-GPU %s (alpha %g); mu_arch relative to %s, eta_util per GPU relative to %s\n\n",
               fo.batch_match, lw_multi_gpu_name(fo.multi_gpu), isnan(fo.alpha) ? lw_catalogue_value(cat, "scale.alpha", 0.12) : fo.alpha,
               lw_fit_reference_family(r), lw_fit_reference_gpu(r));
        printf("  %-34s %9s  %-22s %6s  %s\n", "coefficient", "value", "bootstrap 5%..95%", "pairs", "check");
        for (size_t k = 0; k < lw_fit_coef_count(r); k++) {
            char kind, name[96], range[64];
            const lw_fit_coef *c = lw_fit_coef_at(r, k, &kind);
            snprintf(name, sizeof name, "%s%s", kind == 'k' ? "" : kind == 'f' ? "mu_arch " : "eta_util ", c->name);
            if (kind == 'g') {
                snprintf(name, sizeof name, "eta_util %s -> %s", lw_fit_reference_gpu(r), c->name);
            }
            if (!c->identified)
                snprintf(range, sizeof range, "not identified");
            else if (c->reference)
                snprintf(range, sizeof range, "(reference)");
            else if (c->low == c->high)
                snprintf(range, sizeof range, "-");
            else
                snprintf(range, sizeof range, "%.3g .. %.3g", c->low, c->high);
            const char *check = !c->identified || c->reference ? ""
                                : !c->in_range && c->confounded_with[0] ? "OUT OF RANGE, CONFOUNDED"
                                : !c->in_range ? "OUT OF RANGE"
                                : c->confounded_with[0] ? "CONFOUNDED"
                                : "ok";
            printf("  %-34s %9.4g  %-22s %6d  %s\n", name, c->value, range, c->pairs, check);
        }
        for (size_t k = 0; k < lw_fit_coef_count(r); k++) {
            char line[1024];
            if (lw_fit_flag_text(r, k, line, sizeof line))
                printf("flagged: %s\n", line);
        }
        if (lw_fit_flagged_count(r))
            printf("%zu flagged coefficient%s: 'llmwatt scale --coefficients' refuses the output file unless given "
                   "--accept-flagged\n",
                   lw_fit_flagged_count(r), lw_fit_flagged_count(r) == 1 ? "" : "s");
        if (lw_fit_confounded(r))
            printf("note: %s cannot be separated from the other coefficients by these pairs: left at 1, the others are conditional on it\n",
                   lw_fit_confounded(r));
        if (fo.bootstrap)
            printf("bootstrap: %d resamples, %d dropped because they confounded two coefficients\n", fo.bootstrap,
                   lw_fit_bootstrap_discarded(r));
        printf("\nunexplained share of the variance of ln(E_j/E_i) over the fitted pairs: %.1f%%\n",
               100 * lw_fit_unexplained_variance(r));
        printf("band covering 90%% of the fitted pairs (actual/predicted): x%.3f .. x%.3f\n\n", af.band_low, af.band_high);
        printf("  %-34s %5s  %12s  %11s   %s\n", "accuracy on ordered pairs", "pairs", "median |err|", "inside band",
               "actual/pred 5%..95%");
        print_acc("seed 000 coefficients (its bands)", &as);
        print_acc("fitted, in sample (90% band)", &af);
        print_acc("fitted, held-out point (refit)", &ah);
        if (output)
            printf("\nwrote %s (use: llmwatt scale --coefficients %s ...)\n", output, output);
    }
    lw_fit_free(r);
    lw_points_free(pts);
    lw_catalogue_free(cat);
    return rc;
}
