#include <math.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "common.h"
#include "loop.h"

static const char *usage_text =
    "usage: llmwatt sweep --model NAME|--model-config PATH --gpu GPU --input N --output N\n"
    "                     [--gpus N] [--batch B] [--precision P] [--gpu-memory-utilization F]\n"
    "                     [--power-limit W] [--sm-clock MHz] [--max-slowdown F]\n"
    "                     [other estimate flags] [--csv] [--plot FILE.svg|FILE.png] [--calibration site.json]\n\n"
    "Varies exactly one of --batch, --input, --output, --gpus, --precision, --gpu, --power-limit, given as a list\n"
    "('--batch 1,2,4,8', '--precision bf16,fp8', '--gpu a100,h100,b200') or a range ('--batch\n"
    "1..256*2' geometric, '--input 1000..8000+1000' arithmetic), and tabulates the estimate (J per\n"
    "request and per output token with the low..high band, time, power, the batch the KV cache\n"
    "holds, weights and KV cache in GB, $ per 1M output tokens at the cost defaults, bound).\n"
    "--csv prints CSV; --plot draws J per output token against the swept input with its band.\n"
    "Configurations whose weights or single request do not fit are reported as such and skipped.\n"
    "A --power-limit sweep (W per GPU, e.g. 200..700+50) adds the SM clock of each phase and prints\n"
    "the minimum-energy limit and, with --max-slowdown F (e.g. 1.1), the lowest-energy limit whose\n"
    "time stays within F x the time without a limit.\n";

enum { V_BATCH, V_INPUT, V_OUTPUT, V_GPUS, V_PREC, V_GPU, V_PL, V_COUNT };
static const char *var_names[V_COUNT] = {"batch", "input", "output", "gpus", "precision", "gpu", "power-limit"};

#define MAXV 256

/* On-premises $ per 1M output tokens at the cost defaults (seed 004: system overhead, PSU,
 * hardware $200,000 per 8 GPUs over 3 years, US electricity price): NAN without output tokens. */
static double usd_per_million(const lw_catalogue *cat, const lw_estimate *r, const lw_workload *w, int gpus, double price)
{
    if (!(w->output_tokens > 0) || !(r->time_s > 0))
        return NAN;
    lw_cost_params cp = lw_cost_params_default(cat, gpus);
    cp.gpu_power_w = r->avg_power_w;
    cp.tokens_per_s = w->batch * w->output_tokens / r->time_s;
    lw_cost_energy ce = LW_COST_ENERGY_INIT;
    lw_cost_price pr = LW_COST_PRICE_INIT;
    if (lw_cost_energy_compute(&cp, &ce, NULL) != LW_OK || lw_cost_at_price(&ce, price, &pr, NULL) != LW_OK)
        return NAN;
    return pr.onprem_usd_per_million;
}

int cmd_sweep(int argc, char **argv)
{
    enum { O_HELP = 256, O_CSV, O_PLOT, O_CAT, O_MODEL, O_CONFIG, O_IN, O_OUT, O_REASON, O_BATCH, O_PREC, O_KVPREC,
           O_GPU, O_GPUS, O_METHOD, O_ATTN, O_PUE, O_GMU, O_CALIB, O_PL, O_CLK, O_SLOW };
    static const cli_opt opts[] = {
        {"help", false, O_HELP},     {"csv", false, O_CSV},          {"plot", true, O_PLOT},
        {"catalogue", true, O_CAT},  {"model", true, O_MODEL},       {"model-config", true, O_CONFIG},
        {"input", true, O_IN},       {"output", true, O_OUT},        {"reasoning", true, O_REASON},
        {"batch", true, O_BATCH},    {"precision", true, O_PREC},    {"kv-precision", true, O_KVPREC},
        {"gpu", true, O_GPU},        {"gpus", true, O_GPUS},         {"method", true, O_METHOD},
        {"attention", true, O_ATTN}, {"pue", true, O_PUE},           {"gpu-memory-utilization", true, O_GMU},
        {"calibration", true, O_CALIB},          {"power-limit", true, O_PL},    {"sm-clock", true, O_CLK},
        {"max-slowdown", true, O_SLOW},          {NULL, false, 0}};
    const char *cmd = "sweep", *calibration = NULL, *catfile = NULL, *model = NULL, *config = NULL, *plot = NULL,
               *pue_arg = NULL, *v;
    const char *spec[V_COUNT] = {NULL};
    bool csv = false, have_prec = false;
    double max_slowdown = 0;
    lw_estimate_opts eo = lw_estimate_opts_default();
    lw_workload w = lw_workload_default();
    lw_err err;
    int i = 1, id;
    while ((id = cli_getopt(cmd, argc, argv, opts, &i, &v)) > 0) {
        bool ok = true;
        switch (id) {
        case O_HELP: fputs(usage_text, stdout); return EXIT_OK;
        case O_CSV: csv = true; break;
        case O_PLOT: plot = v; break;
        case O_CALIB: calibration = v; break;
        case O_CAT: catfile = v; break;
        case O_MODEL: model = v; break;
        case O_CONFIG: config = v; break;
        case O_IN: spec[V_INPUT] = v; break;
        case O_OUT: spec[V_OUTPUT] = v; break;
        case O_BATCH: spec[V_BATCH] = v; break;
        case O_GPUS: spec[V_GPUS] = v; break;
        case O_PREC: spec[V_PREC] = v; have_prec = true; break;
        case O_REASON: ok = cli_tokens(cmd, "reasoning", v, &w.reasoning_tokens); eo.explicit_reasoning = true; break;
        case O_GMU: ok = cli_number(cmd, "gpu-memory-utilization", v, 0.05, 1.0, &eo.gpu_memory_utilization); break;
        case O_KVPREC: ok = cli_precision(cmd, "kv-precision", v, &w.kv_precision); break;
        case O_GPU: spec[V_GPU] = v; break;
        case O_PL: spec[V_PL] = v; break;
        case O_CLK: ok = cli_number(cmd, "sm-clock", v, 1, 1e5, &eo.sm_clock_mhz); break;
        case O_SLOW: ok = cli_number(cmd, "max-slowdown", v, 1, 100, &max_slowdown); break;
        case O_PUE: pue_arg = v; break;
        case O_METHOD:
            if (lw_method_parse(v, &eo.method, &err) != LW_OK)
                return cli_usage(cmd, "%s", lw_err_message(&err));
            break;
        case O_ATTN:
            if (strcmp(v, "quadratic") && strcmp(v, "linear"))
                return cli_usage(cmd, "--attention expects quadratic or linear, got '%s'", v);
            eo.attention = strcmp(v, "linear") == 0 ? LW_ATTENTION_LINEAR : LW_ATTENTION_QUADRATIC;
            break;
        }
        if (!ok)
            return EXIT_USAGE;
    }
    if (id < 0)
        return EXIT_USAGE;
    if (i < argc)
        return cli_usage(cmd, "unexpected argument '%s'", argv[i]);
    if (!spec[V_INPUT] || !spec[V_OUTPUT])
        return cli_usage(cmd, "missing --input and/or --output token counts");
    if (!spec[V_GPU])
        return cli_usage(cmd, "missing --gpu (e.g. --gpu h100)");
    int var = -1;
    for (int k = 0; k < V_COUNT; k++)
        if (spec[k] && (strchr(spec[k], ',') || (k != V_GPU && strstr(spec[k], "..")))) {
            if (var >= 0)
                return cli_usage(cmd, "sweep one input at a time (--%s and --%s are both lists)", var_names[var], var_names[k]);
            var = k;
        }
    if (var < 0)
        return cli_usage(cmd, "give one of --batch, --input, --output, --gpus, --precision, --gpu, --power-limit as a list "
                              "or range (e.g. --batch 1..256*2)");
    if (max_slowdown > 0 && var != V_PL)
        return cli_usage(cmd, "--max-slowdown applies to a --power-limit sweep (e.g. --power-limit 200..700+50)");
    /* fixed values */
    if (var != V_INPUT && !cli_tokens(cmd, "input", spec[V_INPUT], &w.input_tokens))
        return EXIT_USAGE;
    if (var != V_OUTPUT && !cli_tokens(cmd, "output", spec[V_OUTPUT], &w.output_tokens))
        return EXIT_USAGE;
    if (var != V_BATCH && spec[V_BATCH] && !cli_int(cmd, "batch", spec[V_BATCH], 1, 1000000, &w.batch))
        return EXIT_USAGE;
    if (var != V_GPUS && spec[V_GPUS] && !cli_int(cmd, "gpus", spec[V_GPUS], 1, 4096, &eo.gpus))
        return EXIT_USAGE;
    if (var != V_PREC && spec[V_PREC] && !cli_precision(cmd, "precision", spec[V_PREC], &w.weight_precision))
        return EXIT_USAGE;
    if (var != V_PL && spec[V_PL] && !cli_number(cmd, "power-limit", spec[V_PL], 1, 1e5, &eo.power_limit_w))
        return EXIT_USAGE;
    /* swept values */
    double vals[MAXV];
    lw_precision precs[MAXV];
    const char *labels[MAXV];
    char pbuf[512];
    size_t n = 0;
    if (var == V_PREC || var == V_GPU) {
        if (strlen(spec[var]) >= sizeof pbuf)
            return cli_usage(cmd, "--%s list too long", var_names[var]);
        strcpy(pbuf, spec[var]);
        char *save = NULL;
        for (char *t = strtok_r(pbuf, ",", &save); t && n < MAXV; t = strtok_r(NULL, ",", &save)) {
            if (var == V_PREC && !cli_precision(cmd, "precision", t, &precs[n]))
                return EXIT_USAGE;
            labels[n] = var == V_PREC ? lw_precision_name(precs[n]) : t;
            vals[n] = (double)n;
            n++;
        }
    } else if (lw_sweep_parse(spec[var], vals, MAXV, &n, &err) != LW_OK) {
        return cli_usage(cmd, "--%s: %s", var_names[var], lw_err_message(&err));
    }
    for (size_t k = 0; k < n && var != V_PREC && var != V_GPU; k++) {
        bool integer = var == V_BATCH || var == V_GPUS;
        double lowest = integer || var == V_PL ? 1 : 0;
        if (!(vals[k] >= lowest) || (integer && vals[k] > 1e6))
            return cli_usage(cmd, "--%s values must be %s (got %g)", var_names[var],
                             integer ? "integers >= 1" : var == V_PL ? "watts > 0" : ">= 0", vals[k]);
        if (integer)
            vals[k] = floor(vals[k] + 0.5);
    }
    lw_catalogue *cat;
    const lw_model_arch *m;
    const lw_gpu *g;
    const lw_gpu *gpus[MAXV];
    int rc = cli_open_model_gpu(cmd, catfile, model, config, var == V_GPU ? labels[0] : spec[V_GPU], &cat, &m, &g);
    if (rc)
        return rc;
    for (size_t k = 0; k < n && var == V_GPU; k++)
        if ((rc = cli_gpu(cmd, cat, labels[k], &gpus[k])) != EXIT_OK) {
            lw_catalogue_free(cat);
            return rc;
        }
    if (pue_arg && (rc = cli_pue(cmd, cat, pue_arg, &eo.pue))) {
        lw_catalogue_free(cat);
        return rc;
    }
    cli_calibration cal;
    if ((rc = cli_calibration_open(cmd, calibration, &cal))) {
        lw_catalogue_free(cat);
        return rc;
    }
    eo.calibration_json = cal.text;
    if (!have_prec)
        w.weight_precision = lw_weight_precision_default(model, config, m, NULL, 0);
    const double price = lw_catalogue_value(cat, "cost.price_kwh.us", 0.10);
    /* With --plot the table is held back until the plot is written: a failure prints nothing partial. */
    char *held = NULL;
    size_t held_len = 0;
    FILE *out = plot ? open_memstream(&held, &held_len) : stdout;
    if (!out) {
        cli_calibration_close(&cal);
        lw_catalogue_free(cat);
        cli_error(cmd, "out of memory");
        return EXIT_INTERNAL;
    }
    const bool clocks = var == V_PL || eo.power_limit_w > 0 || eo.sm_clock_mhz > 0;
    double xs[MAXV], ys[MAXV], lo[MAXV], hi[MAXV];
    const char *xl[MAXV];
    size_t np = 0, nfit = 0;
    /* a power-limit sweep compares each limit's time with the time without one */
    double t_free = NAN, best_e = INFINITY, best_slow_e = INFINITY;
    char best[32] = "", best_slow[32] = "";
    double best_t = NAN, best_slow_t = NAN;
    for (size_t k = 0; var == V_PL && k <= n && rc == EXIT_OK; k++) { /* every limit in range before any output */
        lw_estimate_opts pl_o = eo;
        pl_o.power_limit_w = k < n ? vals[k] : 0; /* last: no limit */
        lw_estimator *fe;
        lw_estimate fr = LW_ESTIMATE_INIT;
        if (lw_estimator_new(cat, m, g, &pl_o, &fe, &err) != LW_OK) {
            rc = cli_fail(cmd, &err);
            break;
        }
        if (k == n && lw_estimator_run(fe, &w, &fr, &err) == LW_OK)
            t_free = fr.time_s;
        lw_estimator_free(fe);
    }
    if (rc == EXIT_OK && csv)
        fprintf(out, "%s,j_per_request_low,j_per_request,j_per_request_high,j_per_output_token_low,j_per_output_token,"
               "j_per_output_token_high,time_s,avg_power_w,effective_batch,weights_gb,kv_cache_gb,usd_per_million_tokens,"
               "decode_bound,status%s\n",
               var_names[var], clocks ? ",prefill_sm_clock_mhz,decode_sm_clock_mhz" : "");
    else if (rc == EXIT_OK && cal.text && eo.method == LW_METHOD_ROOFLINE)
        cli_calibration_print(out, &cal);
    if (!csv && rc == EXIT_OK)
        fprintf(out, "%s on %s, method %s, sweeping %s\n\n%12s %10s %20s %10s %20s %9s %8s %6s %13s %9s %-6s%s\n", m->name,
               var == V_GPU ? spec[V_GPU] : g->id, lw_method_name(eo.method), var_names[var], var_names[var], "J/request",
               "band", "J/out tok", "band", "time s", "power W", "eff.B", "weights+KV GB", "$/1M tok", "decode",
               clocks ? " SM MHz prefill/decode" : "");
    lw_estimator *e = NULL;
    int e_gpus = 0;
    double e_pl = 0;
    const lw_gpu *e_gpu = NULL;
    for (size_t k = 0; k < n && rc == EXIT_OK; k++) {
        lw_workload wk = w;
        lw_estimate_opts ok = eo;
        switch (var) {
        case V_BATCH: wk.batch = (int)vals[k]; break;
        case V_INPUT: wk.input_tokens = vals[k]; break;
        case V_OUTPUT: wk.output_tokens = vals[k]; break;
        case V_GPUS: ok.gpus = (int)vals[k]; break;
        case V_PREC: wk.weight_precision = precs[k]; break;
        case V_GPU: g = gpus[k]; break;
        case V_PL: ok.power_limit_w = vals[k]; break;
        }
        char label[32];
        if (var == V_PREC || var == V_GPU)
            snprintf(label, sizeof label, "%s", labels[k]);
        else
            snprintf(label, sizeof label, "%g", vals[k]);
        if (!e || e_gpus != ok.gpus || e_gpu != g || e_pl != ok.power_limit_w) {
            lw_estimator_free(e);
            e = NULL;
            if (lw_estimator_new(cat, m, g, &ok, &e, &err) != LW_OK) {
                rc = cli_fail(cmd, &err);
                break;
            }
            e_gpus = ok.gpus;
            e_gpu = g;
            e_pl = ok.power_limit_w;
        }
        lw_estimate r = LW_ESTIMATE_INIT;
        lw_status st = lw_estimator_run(e, &wk, &r, &err);
        if (st == LW_ERR_INFEASIBLE) {
            if (csv)
                fprintf(out, "%s,,,,,,,,,,,,,,does not fit%s\n", label, clocks ? ",," : "");
            else
                fprintf(out, "%12s  does not fit in %d x %s\n", label, ok.gpus, g->id);
            continue;
        }
        if (st != LW_OK) {
            rc = cli_fail(cmd, &err);
            break;
        }
        const lw_band *q = &r.energy_per_request_j, *t = &r.energy_per_output_token_j;
        double usd = usd_per_million(cat, &r, &wk, ok.gpus, price);
        double wgb = r.memory.weight_bytes / 1e9, kvgb = r.memory.kv_budget_bytes / 1e9;
        nfit++;
        if (csv) {
            fprintf(out, "%s,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%d,%.4g,%.4g,%.4g,%s,ok", label, q->low, q->expected,
                   q->high, t->low, t->expected, t->high, r.time_s, r.avg_power_w, r.effective_batch, wgb, kvgb, usd,
                   lw_bound_name(r.decode.bound));
            if (clocks)
                fprintf(out, ",%.6g,%.6g", r.prefill_sm_clock_mhz, r.decode_sm_clock_mhz);
            fputc('\n', out);
        } else {
            char b1[40], b2[40], mem[32] = "-", cost[24] = "-";
            snprintf(b1, sizeof b1, "%.4g..%.4g", q->low, q->high);
            snprintf(b2, sizeof b2, "%.4g..%.4g", t->low, t->high);
            if (r.memory.usable_bytes > 0)
                snprintf(mem, sizeof mem, "%.1f+%.1f", wgb, kvgb);
            if (isfinite(usd))
                snprintf(cost, sizeof cost, "%.3g", usd);
            fprintf(out, "%12s %10.4g %20s %10.4g %20s %9.4g %8.1f %6d %13s %9s %-6s", label, q->expected, b1, t->expected,
                   b2, r.time_s, r.avg_power_w, r.effective_batch, mem, cost, lw_bound_name(r.decode.bound));
            if (clocks)
                fprintf(out, " %10.0f/%.0f", r.prefill_sm_clock_mhz, r.decode_sm_clock_mhz);
            fputc('\n', out);
        }
        if (var == V_PL && q->expected < best_e) { /* the first (lowest) limit wins a tie */
            best_e = q->expected;
            best_t = r.time_s;
            snprintf(best, sizeof best, "%s", label);
        }
        if (var == V_PL && max_slowdown > 0 && r.time_s <= max_slowdown * t_free && q->expected < best_slow_e) {
            best_slow_e = q->expected;
            best_slow_t = r.time_s;
            snprintf(best_slow, sizeof best_slow, "%s", label);
        }
        if (t->expected > 0) {
            bool cat_axis = var == V_PREC || var == V_GPU;
            xs[np] = cat_axis ? (double)np : vals[k];
            xl[np] = cat_axis ? labels[k] : NULL;
            ys[np] = t->expected;
            lo[np] = t->low;
            hi[np] = t->high;
            np++;
        }
    }
    lw_estimator_free(e);
    if (rc == EXIT_OK && var == V_PL && !csv && best[0]) {
        fprintf(out, "\nminimum energy: --power-limit %s W, %.4g J/request, time %.4g s (%+.1f%% vs %.4g s without a limit)\n",
                best, best_e, best_t, 100 * (best_t / t_free - 1), t_free);
        if (max_slowdown > 0 && best_slow[0])
            fprintf(out, "within %.3gx the time without a limit: --power-limit %s W, %.4g J/request, time %.4g s (%+.1f%%)\n",
                    max_slowdown, best_slow, best_slow_e, best_slow_t, 100 * (best_slow_t / t_free - 1));
        else if (max_slowdown > 0)
            fprintf(out, "within %.3gx the time without a limit: none of the swept limits (raise the lowest limit)\n",
                    max_slowdown);
    }
    if (rc == EXIT_OK && nfit == 0 && !plot) { /* the table says why for each; the exit code says "none" */
        fflush(out);
        cli_error(cmd, "no swept configuration fits in memory (%zu tried); add GPUs (--gpus) or lower the precision", n);
        rc = EXIT_INFEASIBLE;
    }
    if (rc == EXIT_OK && plot) {
        if (np == 0) {
            cli_error(cmd, "nothing to plot: no swept configuration fits in memory");
            rc = EXIT_INFEASIBLE;
        } else {
            lw_plot_series se;
            memset(&se, 0, sizeof se);
            se.x = xs;
            se.y = ys;
            se.ylow = lo;
            se.yhigh = hi;
            se.n = np;
            se.lines = true;
            lw_plot pl;
            memset(&pl, 0, sizeof pl);
            snprintf(pl.title, sizeof pl.title, "%.48s on %.24s: J per output token (%.12s, band low..high)", m->name,
                     var == V_GPU ? "each GPU" : g->id, lw_method_name(eo.method));
            snprintf(pl.xlabel, sizeof pl.xlabel, "%s%s", var_names[var],
                     var == V_INPUT || var == V_OUTPUT ? " tokens" : "");
            snprintf(pl.ylabel, sizeof pl.ylabel, "J per output token");
            bool cat_axis = var == V_PREC || var == V_GPU;
            pl.xaxis = cat_axis ? LW_AXIS_CATEGORY : xs[0] > 0 && xs[np - 1] / xs[0] >= 16 ? LW_AXIS_LOG2 : LW_AXIS_LINEAR;
            pl.xlabels = cat_axis ? xl : NULL;
            pl.ylog = true;
            pl.series = &se;
            pl.nseries = 1;
            if (lw_plot_write(plot, &pl, 860, 500, &err) != LW_OK)
                rc = cli_fail(cmd, &err);
            else if (!csv)
                fprintf(out, "\nplot: %s\n", plot);
        }
    }
    if (plot) {
        fclose(out);
        if (rc == EXIT_OK)
            fwrite(held, 1, held_len, stdout);
        free(held);
    }
    cli_calibration_close(&cal);
    lw_catalogue_free(cat);
    return rc;
}
