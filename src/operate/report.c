/* The seed-004 "Power Efficiency Baselines" document filled from runs (see docs/report.md). */
#include "llmwatt/report.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "llmwatt/cost.h"
#include "llmwatt/grid.h"
#include "llmwatt/plot.h"
#include "operate/report_int.h"
#include "core/util.h"

#define NO_DATA LW_REPORT_NO_DATA

lw_status lw_report_opts_init(lw_report_opts *opts, unsigned int version, const lw_catalogue *cat, lw_err *err)
{
    lw_status st = lw_check_version("lw_report_opts", "LW_REPORT_OPTS_INIT", version, LW_REPORT_OPTS_VERSION, err);
    if (st != LW_OK)
        return st;
    lw_report_opts o = LW_REPORT_OPTS_INIT; /* version 1 is the whole struct */
    if (cat) {
        o.price_usd_per_kwh = lw_catalogue_value(cat, "cost.price_kwh.us", 0.10);
        o.regression_ratio = lw_catalogue_value(cat, "report.regression_ratio", 0.9);
    }
    *opts = o;
    return LW_OK;
}

bool lw_report_usable(const lw_run *r)
{
    return r->kind == LW_RUN_MEASUREMENT && r->valid == 1 && isfinite(r->tokens_per_j) && r->tokens_per_j > 0 &&
           isfinite(r->avg_power_w) && isfinite(r->tokens_per_s);
}

static bool same_config(const lw_report_row *a, const lw_run *r)
{
    return strcmp(a->workload, r->workload) == 0 && strcmp(a->precision, r->precision) == 0 && a->batch == r->batch &&
           a->seq_len == r->seq_len && a->gpus == r->gpus && strcmp(a->gpu, r->gpu) == 0;
}

static int row_cmp(const void *pa, const void *pb)
{
    const lw_report_row *a = pa, *b = pb;
    int c = strcmp(a->workload, b->workload);
    if (!c)
        c = strcmp(a->precision, b->precision);
    if (!c)
        c = a->gpus - b->gpus;
    if (!c)
        c = a->batch - b->batch;
    if (!c)
        c = a->seq_len - b->seq_len;
    if (!c)
        c = strcmp(a->gpu, b->gpu);
    return c;
}

/* Cost figures of a row from its means: wall energy per token = (1 / tokens per J) x chain. */
static void row_cost(const lw_catalogue *cat, lw_report_row *w, double price)
{
    lw_cost_params p = lw_cost_params_default(cat, w->gpus);
    p.gpu_power_w = w->avg_power_w;
    p.tokens_per_s = w->avg_power_w * w->tokens_per_j;
    lw_cost_energy e = LW_COST_ENERGY_INIT;
    lw_cost_price c = LW_COST_PRICE_INIT;
    if (lw_cost_energy_compute(&p, &e, NULL) != LW_OK || lw_cost_at_price(&e, price, &c, NULL) != LW_OK) {
        w->wall_power_w = w->cost_usd_per_million = w->cost_usd_per_hour = NAN;
        return;
    }
    w->wall_power_w = e.wall_power_w;
    w->cost_usd_per_million = c.energy_usd_per_million;
    w->cost_usd_per_hour = c.energy_usd_per_hour;
}

/* Every record of a caller's array carries a version this library knows (docs/design.md, "ABI");
 * version 1 is the whole record, so the stride is sizeof(lw_run). */
static lw_status check_runs(const lw_run *runs, size_t nruns, lw_err *err)
{
    for (size_t i = 0; i < nruns; i++) {
        lw_status st = lw_check_version("lw_run", "LW_RUN_INIT", runs[i].version, LW_RUN_VERSION, err);
        if (st != LW_OK)
            return st;
    }
    return LW_OK;
}

lw_status lw_report_rows(const lw_catalogue *cat, const lw_run *runs, size_t nruns, double price, lw_report_row **out, size_t *n,
                         lw_err *err)
{
    lw_status vst = check_runs(runs, nruns, err);
    if (vst != LW_OK)
        return vst;
    if (!isfinite(price) || price < 0)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "electricity price must be >= 0 USD/kWh, got %g", price);
    lw_report_row *rows = calloc(nruns ? nruns : 1, sizeof *rows);
    if (!rows)
        return lw_fail(err, LW_ERR_NO_MEMORY, "out of memory");
    size_t nr = 0;
    for (size_t i = 0; i < nruns; i++) {
        const lw_run *r = &runs[i];
        if (!lw_report_usable(r))
            continue;
        size_t j;
        for (j = 0; j < nr && !same_config(&rows[j], r); j++)
            ;
        lw_report_row *w = &rows[j];
        if (j == nr) {
            nr++;
            lw_strlcpy(w->workload, r->workload, sizeof w->workload);
            lw_strlcpy(w->precision, r->precision, sizeof w->precision);
            lw_strlcpy(w->model, r->model, sizeof w->model);
            lw_strlcpy(w->gpu, r->gpu, sizeof w->gpu);
            w->batch = r->batch;
            w->seq_len = r->seq_len;
            w->gpus = r->gpus;
        }
        w->runs++;
        w->tokens_per_s += r->tokens_per_s;
        w->avg_power_w += r->avg_power_w;
        w->tokens_per_j += r->tokens_per_j;
    }
    for (size_t j = 0; j < nr; j++) {
        double k = (double)rows[j].runs;
        rows[j].tokens_per_s /= k;
        rows[j].avg_power_w /= k;
        rows[j].tokens_per_j /= k;
        row_cost(cat, &rows[j], price);
    }
    qsort(rows, nr, sizeof *rows, row_cmp);
    *out = rows;
    *n = nr;
    return LW_OK;
}

/* ---------- document content ---------- */

typedef lw_report_ctx ctx;

static bool same_run_config(const lw_run *a, const lw_run *b)
{
    return strcmp(a->workload, b->workload) == 0 && strcmp(a->precision, b->precision) == 0 && a->batch == b->batch &&
           a->seq_len == b->seq_len && a->gpus == b->gpus && strcmp(a->gpu, b->gpu) == 0;
}

/* Baseline of each usable run = the earliest usable run of the same configuration (and GPU type). */
static lw_status find_regressions(ctx *c, lw_err *err)
{
    c->baseline = calloc(c->nruns ? c->nruns : 1, sizeof *c->baseline);
    c->regressed = calloc(c->nruns ? c->nruns : 1, sizeof *c->regressed);
    if (!c->baseline || !c->regressed)
        return lw_fail(err, LW_ERR_NO_MEMORY, "out of memory");
    for (size_t i = 0; i < c->nruns; i++) {
        c->baseline[i] = SIZE_MAX;
        if (!lw_report_usable(&c->runs[i]))
            continue;
        for (size_t j = 0; j < c->nruns; j++)
            if (lw_report_usable(&c->runs[j]) && same_run_config(&c->runs[i], &c->runs[j]) &&
                (c->baseline[i] == SIZE_MAX || c->runs[j].time_ns < c->runs[c->baseline[i]].time_ns))
                c->baseline[i] = j;
        for (size_t j = 0; j < i && !c->multi_gpu; j++)
            if (lw_report_usable(&c->runs[j]) && strcmp(c->runs[j].gpu, c->runs[i].gpu) != 0)
                c->multi_gpu = true;
        size_t b = c->baseline[i];
        if (b != i && c->runs[i].tokens_per_j < c->o->regression_ratio * c->runs[b].tokens_per_j) {
            c->regressed[i] = true;
            c->nregressed++;
        }
    }
    return LW_OK;
}

/* v with `decimals` decimals after prefix ("$"), or "no data" when unknown. */
const char *lw_report_fmtv(char *b, size_t n, const char *prefix, int decimals, double v)
{
    if (isfinite(v))
        snprintf(b, n, "%s%.*f", prefix, decimals, v);
    else
        snprintf(b, n, NO_DATA);
    return b;
}

static bool is16(const char *p)
{
    return strcmp(p, "fp16") == 0 || strcmp(p, "bf16") == 0;
}

void lw_report_upper(char *dst, const char *src, size_t n)
{
    size_t i;
    for (i = 0; src[i] && i + 1 < n; i++)
        dst[i] = (char)(src[i] >= 'a' && src[i] <= 'z' ? src[i] - 32 : src[i]);
    dst[i] = '\0';
}

/* Best (highest tokens/J) row of workload/precision/gpus (gpus 0: any); NULL if none. */
const lw_report_row *lw_report_best_row(const ctx *c, const char *workload, const char *precision, int gpus)
{
    const lw_report_row *best = NULL;
    for (size_t i = 0; i < c->nrows; i++) {
        const lw_report_row *r = &c->rows[i];
        if (strcmp(r->workload, workload) || (precision && strcmp(r->precision, precision)) || (gpus && r->gpus != gpus))
            continue;
        if (!best || r->tokens_per_j > best->tokens_per_j)
            best = r;
    }
    return best;
}

/* The seed's planned configurations, shown as "no data" rows when the data lack them. */
typedef struct seed_cfg {
    const char *workload, *precision;
    int batch, seq_len, gpus;
} seed_cfg;

static const seed_cfg seed_cfgs[] = {
    {"gpt8b", "fp16", 8, 2048, 1},    {"gpt8b", "fp16", 16, 2048, 1},   {"gpt8b", "fp8", 16, 2048, 1},
    {"gpt8b", "fp16", 4, 16384, 1},   {"gpt8b", "fp8", 8, 16384, 1},    {"gpt40b", "fp16", 2, 1024, 1},
    {"gpt40b", "fp8", 4, 1024, 1},    {"gpt40b", "fp16", 8, 4096, 8},   {"gpt40b", "fp16", 16, 4096, 8},
    {"gpt40b", "fp8", 16, 4096, 8},   {"gpt40b", "fp8", 32, 4096, 8},   {"gpt40b", "fp16", 2, 16384, 8},
    {"gpt40b", "fp8", 4, 16384, 8},   {"moe16x8b", "fp16", 16, 2048, 8}, {"moe16x8b", "fp16", 32, 2048, 8},
    {"moe16x8b", "fp8", 32, 2048, 8},
};
#define NSEED (sizeof seed_cfgs / sizeof seed_cfgs[0])

static const struct {
    const char *workload, *precision;
    int gpus;
    const char *note;
} seed_key_rows[] = {{"gpt8b", "fp16", 1, "seed: baseline configuration"},
                     {"gpt8b", "fp8", 1, "seed: 1.5-2x efficiency gain expected"},
                     {"gpt40b", "fp16", 8, "seed: large model baseline (8-GPU TP)"},
                     {"gpt40b", "fp8", 8, "seed: best efficiency for large models expected"},
                     {"moe16x8b", "fp16", 8, "seed: sparse activation benefits"}};

static void header(ctx *c)
{
    lw_doc *d = &c->doc;
    char t0[32], t1[32], tg[32], gpus[256] = "";
    long long lo = 0, hi = 0;
    size_t valid = 0, invalid = 0, est = 0, notok = 0;
    for (size_t i = 0; i < c->nruns; i++) {
        const lw_run *r = &c->runs[i];
        if (r->kind == LW_RUN_ESTIMATE)
            est++;
        else if (r->valid != 1)
            invalid++;
        else if (!lw_report_usable(r))
            notok++;
        else
            valid++;
        if (r->time_ns && (!lo || r->time_ns < lo))
            lo = r->time_ns;
        if (r->time_ns > hi)
            hi = r->time_ns;
        if (r->gpu[0] && !strstr(gpus, r->gpu) && strlen(gpus) + strlen(r->gpu) + 3 < sizeof gpus)
            snprintf(gpus + strlen(gpus), sizeof gpus - strlen(gpus), "%s%s", gpus[0] ? ", " : "", r->gpu);
    }
    lw_doc_h(d, 1, "Power Efficiency Baselines");
    lw_doc_h(d, 2, "Tokens per Joule Metrics for %s Workloads", gpus[0] ? gpus : "measured");
    lw_doc_p(d, "Generated: %s by llmwatt %s from %s. Runs: %zu (%zu VALID measurements used; %zu INVALID excluded; %zu "
                "without a token count; %zu estimates not used), %s to %s.",
             lw_time_format(c->o->generated_ns, tg, sizeof tg), lw_version(), c->o->source && *c->o->source ? c->o->source : "run files",
             c->nruns, valid, invalid, notok, est, lw_time_format(lo, t0, sizeof t0), lw_time_format(hi, t1, sizeof t1));
    lw_doc_p(d, "Hardware: %s. Purpose: establish reproducible power efficiency baselines for production planning "
                "(structure of seed 004, 'Power Efficiency Baselines'; every number below is computed from the runs).",
             gpus[0] ? gpus : "not recorded");
}

static void key_findings(ctx *c)
{
    lw_doc *d = &c->doc;
    char cost_h[64];
    snprintf(cost_h, sizeof cost_h, "Cost/1M Tokens ($%.2f/kWh)", c->o->price_usd_per_kwh);
    const char *h[] = {"Workload", "Precision", "GPUs", "Tokens/Joule", cost_h, "Notes"};
    lw_doc_h(d, 2, "Executive Summary");
    lw_doc_h(d, 3, "Key Findings");
    lw_doc_p(d, "Best configuration (highest tokens/J) of each workload, precision and GPU count. Cost is electricity at "
                "the wall (GPU power x (1 + system overhead) / PSU efficiency), see Cost Analysis.");
    lw_doc_table_head(d, 6, h);
    /* seed rows first (with or without data), then the data's other groups */
    for (size_t s = 0; s < sizeof seed_key_rows / sizeof seed_key_rows[0]; s++) {
        const lw_report_row *b = lw_report_best_row(c, seed_key_rows[s].workload, seed_key_rows[s].precision, seed_key_rows[s].gpus);
        char g[16], t[32], k[32], note[160], p[16];
        lw_report_upper(p, seed_key_rows[s].precision, sizeof p);
        snprintf(g, sizeof g, "%d", seed_key_rows[s].gpus);
        if (b)
            snprintf(note, sizeof note, "batch %d, seq %d, %zu run(s)", b->batch, b->seq_len, b->runs);
        else
            snprintf(note, sizeof note, "%s", seed_key_rows[s].note);
        const char *cells[] = {seed_key_rows[s].workload, p, g, b ? lw_report_fmtv(t, sizeof t, "", 3, b->tokens_per_j) : NO_DATA,
                               b ? lw_report_fmtv(k, sizeof k, "$", 4, b->cost_usd_per_million) : NO_DATA, note};
        lw_doc_table_row(d, 6, cells);
    }
    for (size_t i = 0; i < c->nrows; i++) {
        const lw_report_row *r = &c->rows[i];
        bool seen = false;
        for (size_t s = 0; s < sizeof seed_key_rows / sizeof seed_key_rows[0]; s++)
            seen |= strcmp(r->workload, seed_key_rows[s].workload) == 0 && strcmp(r->precision, seed_key_rows[s].precision) == 0 &&
                    r->gpus == seed_key_rows[s].gpus;
        if (seen || lw_report_best_row(c, r->workload, r->precision, r->gpus) != r)
            continue;
        char g[16], t[32], k[32], note[160], p[16];
        lw_report_upper(p, r->precision, sizeof p);
        snprintf(g, sizeof g, "%d", r->gpus);
        snprintf(note, sizeof note, "batch %d, seq %d, %zu run(s)", r->batch, r->seq_len, r->runs);
        const char *cells[] = {r->workload, p, g, lw_report_fmtv(t, sizeof t, "", 3, r->tokens_per_j),
                               lw_report_fmtv(k, sizeof k, "$", 4, r->cost_usd_per_million), note};
        lw_doc_table_row(d, 6, cells);
    }
    lw_doc_table_end(d);
    lw_doc_h(d, 3, "Regressions");
    if (!c->nregressed) {
        lw_doc_p(d, "No regression: no valid run is below %.2f x the tokens/J of its configuration's first run (seed 004 "
                    "PowerEfficiencyRegression, as 'llmwatt compare').", c->o->regression_ratio);
        return;
    }
    lw_doc_p(d, "REGRESSION: %zu run(s) below %.2f x the tokens/J of their configuration's first run (seed 004 "
                "PowerEfficiencyRegression, as 'llmwatt compare'). They are still averaged into the tables below; they are "
                "marked in the tokens/J-over-time plot.", c->nregressed, c->o->regression_ratio);
    for (size_t i = 0; i < c->nruns; i++) {
        if (!c->regressed[i])
            continue;
        const lw_run *r = &c->runs[i], *b = &c->runs[c->baseline[i]];
        char t[32], tb[32];
        lw_doc_li(d, "REGRESSION run %lld (%s): %s %s batch %d on %d GPU(s), %.3f tokens/J = %.3f x the %.3f of run %lld (%s)",
                  r->id, lw_time_format(r->time_ns, t, sizeof t), r->workload, r->precision, r->batch, r->gpus, r->tokens_per_j,
                  r->tokens_per_j / b->tokens_per_j, b->tokens_per_j, b->id, lw_time_format(b->time_ns, tb, sizeof tb));
    }
}

/* Runs whose measured J/token left the band of their configuration's estimate (docs/loop.md):
 * a driver, engine or firmware change shows up without a manual baseline. */
static void drift_findings(ctx *c)
{
    const lw_loop_result *x = c->o->drift;
    if (!x)
        return;
    lw_doc *d = &c->doc;
    size_t checked = 0, out = 0;
    for (size_t i = 0; i < c->nruns; i++) {
        checked += x[i].estimated && x[i].inside >= 0;
        out += x[i].estimated && x[i].inside == 0;
    }
    lw_doc_h(d, 3, "Drift against the estimate");
    if (!checked) {
        lw_doc_p(d, "No run's labels describe a configuration llmwatt can estimate (labels model, gpu, batch, "
                    "input_tokens, output_tokens: docs/loop.md), so none was checked for drift.");
        return;
    }
    if (!out) {
        lw_doc_p(d, "No drift: all %zu run(s) with labelled configurations measured inside their estimate's band.", checked);
        return;
    }
    lw_doc_p(d, "DRIFT: %zu of %zu labelled run(s) measured J per output token outside their estimate's band "
                "(as 'llmwatt compare --current'; docs/loop.md).", out, checked);
    for (size_t i = 0; i < c->nruns; i++) {
        if (!(x[i].estimated && x[i].inside == 0))
            continue;
        const lw_run *r = &c->runs[i];
        char t[32];
        lw_doc_li(d, "DRIFT run %lld (%s): measured %.4g J/token vs estimated %.4g (band %.4g .. %.4g) for %s: %+.1f%%, %s the band",
                  r->id, lw_time_format(r->time_ns, t, sizeof t), x[i].measured, x[i].expected, x[i].low, x[i].high, x[i].config,
                  x[i].difference_pct, x[i].measured > x[i].high ? "above" : "below");
    }
}

static void methodology(ctx *c)
{
    lw_doc *d = &c->doc;
    lw_doc_h(d, 2, "Measurement Methodology");
    lw_doc_p(d, "Power and energy: llmwatt measure (NVML energy counter or integrated power, warm-up excluded). "
                "Throughput: the workload's token count over the measured duration. Only measurements with a VALID "
                "verdict enter the tables (seed 004 criteria: duration >= 60 s after warm-up, >= 50 iterations, "
                "GPU utilisation > 70%%, power coefficient of variation < 5%%, no throttling). A configuration's "
                "figures are the means over its valid runs.");
    size_t bad = 0;
    for (size_t i = 0; i < c->nruns; i++)
        if (c->runs[i].kind == LW_RUN_MEASUREMENT && c->runs[i].valid != 1) {
            char t[32];
            if (!bad++)
                lw_doc_p(d, "INVALID measurements (excluded):");
            lw_doc_li(d, "run %lld, %s: %s %s batch %d", c->runs[i].id, lw_time_format(c->runs[i].time_ns, t, sizeof t),
                      c->runs[i].workload, c->runs[i].precision, c->runs[i].batch);
        }
    if (!bad)
        lw_doc_p(d, "No INVALID measurement among the runs.");
}

/* "Efficiency vs 1-GPU": tokens/J against the best 1-GPU configuration of the same workload and precision. */
static void vs_one_gpu(const ctx *c, const lw_report_row *r, char *b, size_t n)
{
    const lw_report_row *one = r->gpus > 1 ? lw_report_best_row(c, r->workload, r->precision, 1) : NULL;
    if (r->gpus == 1)
        snprintf(b, n, "1.00x (is 1-GPU)");
    else if (one)
        snprintf(b, n, "%.2fx", r->tokens_per_j / one->tokens_per_j);
    else
        snprintf(b, n, "no data (no 1-GPU run)");
}

static bool seen_workload(const ctx *c, size_t upto, const char *w)
{
    for (size_t i = 0; i < upto; i++)
        if (strcmp(c->rows[i].workload, w) == 0)
            return true;
    return false;
}

static void findings_for(ctx *c, const char *workload);

static void workload_table(ctx *c, const char *workload)
{
    lw_doc *d = &c->doc;
    char cost_h[64];
    snprintf(cost_h, sizeof cost_h, "Cost/1M Tokens ($%.2f/kWh)", c->o->price_usd_per_kwh);
    const char *h[] = {"Configuration", "Batch", "Seq Len", "GPUs", "Runs", "Throughput (tok/s)", "Avg Power (W)", "Tokens/Joule",
                       cost_h, "Efficiency vs 1-GPU"};
    lw_doc_h(d, 3, "%s", workload);
    lw_doc_table_head(d, 10, h);
    for (size_t i = 0; i < c->nrows; i++) {
        const lw_report_row *r = &c->rows[i];
        if (strcmp(r->workload, workload))
            continue;
        char cfg[48], b[16], s[16], g[16], n[16], tps[32], pw[32], tpj[32], k[32], v1[48], p[16];
        lw_report_upper(p, r->precision, sizeof p);
        snprintf(cfg, sizeof cfg, "%s%s", p, r->gpus > 1 ? " TP" : "");
        if (r->gpus > 1)
            snprintf(cfg + strlen(cfg), sizeof cfg - strlen(cfg), "%d", r->gpus);
        snprintf(b, sizeof b, "%d", r->batch);
        snprintf(s, sizeof s, "%d", r->seq_len);
        snprintf(g, sizeof g, "%d", r->gpus);
        snprintf(n, sizeof n, "%zu", r->runs);
        vs_one_gpu(c, r, v1, sizeof v1);
        const char *cells[] = {cfg, b, s, g, n, lw_report_fmtv(tps, sizeof tps, "", 1, r->tokens_per_s), lw_report_fmtv(pw, sizeof pw, "", 1, r->avg_power_w),
                               lw_report_fmtv(tpj, sizeof tpj, "", 3, r->tokens_per_j), lw_report_fmtv(k, sizeof k, "$", 4, r->cost_usd_per_million), v1};
        lw_doc_table_row(d, 10, cells);
    }
    for (size_t s = 0; s < NSEED; s++) {
        const seed_cfg *sc = &seed_cfgs[s];
        if (strcmp(sc->workload, workload))
            continue;
        bool have = false;
        for (size_t i = 0; i < c->nrows; i++) {
            const lw_report_row *r = &c->rows[i];
            have |= strcmp(r->workload, sc->workload) == 0 && strcmp(r->precision, sc->precision) == 0 && r->batch == sc->batch &&
                    r->seq_len == sc->seq_len && r->gpus == sc->gpus;
        }
        if (have)
            continue;
        char cfg[48], b[16], sl[16], g[16], p[16];
        lw_report_upper(p, sc->precision, sizeof p);
        snprintf(cfg, sizeof cfg, "%s%s (seed plan)", p, sc->gpus > 1 ? " TP8" : "");
        snprintf(b, sizeof b, "%d", sc->batch);
        snprintf(sl, sizeof sl, "%d", sc->seq_len);
        snprintf(g, sizeof g, "%d", sc->gpus);
        const char *cells[] = {cfg, b, sl, g, "0", NO_DATA, NO_DATA, NO_DATA, NO_DATA, NO_DATA};
        lw_doc_table_row(d, 10, cells);
    }
    lw_doc_table_end(d);
    findings_for(c, workload);
}

/* FP8 vs FP16 at matched batch, sequence length and GPUs; batch-size sweep per precision. */
static void findings_for(ctx *c, const char *workload)
{
    lw_doc *d = &c->doc;
    double sum = 0;
    int pairs = 0;
    char which[256] = "";
    for (size_t i = 0; i < c->nrows; i++) {
        const lw_report_row *a = &c->rows[i];
        if (strcmp(a->workload, workload) || !is16(a->precision))
            continue;
        for (size_t j = 0; j < c->nrows; j++) {
            const lw_report_row *b = &c->rows[j];
            if (strcmp(b->workload, workload) || strcmp(b->precision, "fp8") || b->batch != a->batch || b->seq_len != a->seq_len ||
                b->gpus != a->gpus)
                continue;
            sum += b->tokens_per_j / a->tokens_per_j;
            pairs++;
            size_t l = strlen(which);
            snprintf(which + l, sizeof which - l, "%sbatch %d/seq %d/%d GPU: %.3f vs %.3f", l ? "; " : "", a->batch, a->seq_len,
                     a->gpus, b->tokens_per_j, a->tokens_per_j);
        }
    }
    lw_doc_p(d, "Key insights (from the data):");
    if (pairs)
        lw_doc_li(d, "FP8 provides %+.1f%% tokens/J over FP16 (mean of %d matched configuration(s): %s)", (sum / pairs - 1) * 100,
                  pairs, which);
    else
        lw_doc_li(d, "FP8 vs FP16: no data (needs FP8 and FP16 runs at the same batch, sequence length and GPU count)");
    /* batch sweep: each precision x seq_len x gpus with >= 2 batch sizes */
    bool any = false;
    for (size_t i = 0; i < c->nrows; i++) {
        const lw_report_row *a = &c->rows[i];
        if (strcmp(a->workload, workload))
            continue;
        bool first = true;
        for (size_t j = 0; j < i; j++)
            if (!strcmp(c->rows[j].workload, workload) && !strcmp(c->rows[j].precision, a->precision) &&
                c->rows[j].seq_len == a->seq_len && c->rows[j].gpus == a->gpus)
                first = false;
        if (!first)
            continue;
        const lw_report_row *best = a, *lo = a, *hi = a;
        int count = 0;
        for (size_t j = 0; j < c->nrows; j++) {
            const lw_report_row *b = &c->rows[j];
            if (strcmp(b->workload, workload) || strcmp(b->precision, a->precision) || b->seq_len != a->seq_len || b->gpus != a->gpus)
                continue;
            count++;
            if (b->tokens_per_j > best->tokens_per_j)
                best = b;
            if (b->batch < lo->batch)
                lo = b;
            if (b->batch > hi->batch)
                hi = b;
        }
        if (count < 2)
            continue;
        any = true;
        char p[16];
        lw_report_upper(p, a->precision, sizeof p);
        if (best == hi)
            lw_doc_li(d, "%s, seq %d, %d GPU: tokens/J rises with batch size up to the largest measured, batch %d (%.3f tokens/J, "
                         "%.2fx batch %d); larger batches are untested",
                      p, a->seq_len, a->gpus, best->batch, best->tokens_per_j, best->tokens_per_j / lo->tokens_per_j, lo->batch);
        else
            lw_doc_li(d, "%s, seq %d, %d GPU: larger batch sizes improve efficiency up to batch %d (%.3f tokens/J); batch %d "
                         "gives %.3f",
                      p, a->seq_len, a->gpus, best->batch, best->tokens_per_j, hi->batch, hi->tokens_per_j);
    }
    if (!any)
        lw_doc_li(d, "Batch size: no data (needs two or more batch sizes of one precision, sequence length and GPU count)");
}

static void baselines(ctx *c)
{
    lw_doc_h(&c->doc, 2, "Baseline Results");
    static const char *const seed_workloads[] = {"gpt8b", "gpt40b", "moe16x8b"};
    for (size_t s = 0; s < 3; s++)
        workload_table(c, seed_workloads[s]);
    for (size_t i = 0; i < c->nrows; i++) {
        const char *w = c->rows[i].workload;
        if (strcmp(w, "gpt8b") && strcmp(w, "gpt40b") && strcmp(w, "moe16x8b") && !seen_workload(c, i, w))
            workload_table(c, w);
    }
}

static void describe_const(const lw_catalogue *cat, const char *key, char *b, size_t n)
{
    const lw_constant *k;
    if (lw_catalogue_find_constant(cat, key, &k, NULL) == LW_OK)
        snprintf(b, n, "%s (%d)", k->source, k->year);
    else
        snprintf(b, n, "built-in seed 004 value");
}

static void scenarios(ctx *c)
{
    lw_doc *d = &c->doc;
    lw_cost_params def = lw_cost_params_default(c->cat, 8);
    char s1[600], s2[600], s3[600];
    lw_doc_h(d, 2, "Cost Analysis");
    lw_doc_h(d, 3, "Electricity Cost Scenarios");
    describe_const(c->cat, "cost.system_overhead_fraction", s1, sizeof s1);
    describe_const(c->cat, "cost.psu_efficiency", s2, sizeof s2);
    describe_const(c->cat, "cost.idle_w_per_gpu.b200", s3, sizeof s3);
    lw_doc_p(d, "Baseline assumptions:");
    lw_doc_li(d, "System overhead (CPU, memory, cooling): %.0f%% of GPU power. Source: %s", def.overhead_fraction * 100, s1);
    lw_doc_li(d, "Power supply efficiency: %.0f%%. Source: %s", def.psu_efficiency * 100, s2);
    lw_doc_li(d, "GPU idle power ~%g W per B200 (%s): not applied here, the runs are at full load (utilisation 1); see "
                 "'llmwatt cost --utilization'",
              lw_catalogue_value(c->cat, "cost.idle_w_per_gpu.b200", 50), s3);
    lw_doc_li(d, "Power below is at the wall: mean GPU power x (1 + overhead) / PSU efficiency; cost per 1M tokens uses "
                 "the mean tokens/J. No PUE applied.");
    static const char *const keys[] = {"cost.price_kwh.us", "cost.price_kwh.eu", "cost.price_kwh.high"};
    static const char *const names[] = {"Scenario 1: US Data Center", "Scenario 2: EU Data Center", "Scenario 3: High-Cost Region"};
    static const double fallback[] = {0.10, 0.20, 0.30};
    for (int s = 0; s < 3; s++) {
        double price = lw_catalogue_value(c->cat, keys[s], fallback[s]);
        lw_doc_h(d, 4, "%s ($%.2f/kWh)", names[s], price);
        const char *h[] = {"Workload", "Batch", "Throughput (tok/s)", "Power at the wall (W)", "Cost/1M Tokens", "Cost/Hour"};
        lw_doc_table_head(d, 6, h);
        size_t shown = 0;
        for (size_t i = 0; i < c->nrows; i++) {
            const lw_report_row *r = &c->rows[i];
            if (lw_report_best_row(c, r->workload, r->precision, r->gpus) != r)
                continue;
            lw_report_row x = *r;
            row_cost(c->cat, &x, price);
            char w[128], b[16], tps[32], pw[32], k[32], hr[32], p[16];
            lw_report_upper(p, r->precision, sizeof p);
            snprintf(w, sizeof w, "%s%s %s", r->workload, r->gpus > 1 ? " TP" : "", p);
            if (r->gpus > 1)
                snprintf(w, sizeof w, "%s TP%d %s", r->workload, r->gpus, p);
            snprintf(b, sizeof b, "%d", r->batch);
            const char *cells[] = {w, b, lw_report_fmtv(tps, sizeof tps, "", 1, x.tokens_per_s), lw_report_fmtv(pw, sizeof pw, "", 1, x.wall_power_w),
                                   lw_report_fmtv(k, sizeof k, "$", 4, x.cost_usd_per_million), lw_report_fmtv(hr, sizeof hr, "$", 4, x.cost_usd_per_hour)};
            lw_doc_table_row(d, 6, cells);
            shown++;
        }
        if (!shown) {
            const char *cells[] = {NO_DATA, NO_DATA, NO_DATA, NO_DATA, NO_DATA, NO_DATA};
            lw_doc_table_row(d, 6, cells);
        }
        lw_doc_table_end(d);
    }
}

static void break_even(ctx *c)
{
    lw_doc *d = &c->doc;
    lw_api_price *api = NULL;
    size_t napi = 0;
    lw_doc_h(d, 3, "Break-Even Analysis vs Cloud APIs");
    if (lw_api_prices_load(&api, &napi, NULL) != LW_OK) {
        lw_doc_p(d, "API price table unavailable: no data.");
        return;
    }
    for (size_t a = 0; a < napi; a++) {
        bool first = true;
        for (size_t b = 0; b < a; b++)
            first &= strcmp(api[a].model_class, api[b].model_class) != 0;
        if (!first)
            continue;
        const char *wl = api[a].comparable_workload;
        /* cheapest on-prem configuration of the comparable workload at the reference price */
        const lw_report_row *best = NULL;
        lw_cost_params bp;
        lw_cost_energy be = LW_COST_ENERGY_INIT;
        lw_cost_price bc = LW_COST_PRICE_INIT;
        for (size_t i = 0; i < c->nrows; i++) {
            const lw_report_row *r = &c->rows[i];
            if (strcmp(r->workload, wl))
                continue;
            lw_cost_params p = lw_cost_params_default(c->cat, r->gpus);
            p.gpu_power_w = r->avg_power_w;
            p.tokens_per_s = r->avg_power_w * r->tokens_per_j;
            lw_cost_energy e = LW_COST_ENERGY_INIT;
            lw_cost_price cp = LW_COST_PRICE_INIT;
            if (lw_cost_energy_compute(&p, &e, NULL) != LW_OK || lw_cost_at_price(&e, c->o->price_usd_per_kwh, &cp, NULL) != LW_OK)
                continue;
            if (!best || cp.onprem_usd_per_million < bc.onprem_usd_per_million) {
                best = r;
                bp = p;
                be = e;
                bc = cp;
            }
        }
        lw_doc_h(d, 4, "%s (comparable to %s)", api[a].model_class, wl);
        if (best) {
            char p[16];
            lw_report_upper(p, best->precision, sizeof p);
            lw_doc_p(d, "On-prem: %s %s batch %d on %d GPU(s), %.1f tokens/s; hardware $%.0f (seed 004: $200,000 per 8 GPUs, "
                        "prorated) over %.0f years straight line; electricity $%.2f/kWh at the wall.",
                     wl, p, best->batch, best->gpus, bp.tokens_per_s, bp.hardware_usd, bp.depreciation_years, c->o->price_usd_per_kwh);
        }
        const char *h[] = {"Provider", "API Cost/1M Tokens", "On-Prem Cost/1M Tokens", "Tokens for Break-Even", "Time to Break-Even"};
        lw_doc_table_head(d, 5, h);
        char notes[5][400];
        int nnotes = 0;
        for (size_t b = 0; b < napi; b++) {
            if (strcmp(api[b].model_class, api[a].model_class))
                continue;
            char ap[48], on[32], tok[48], mo[64];
            if (api[b].low != api[b].high)
                snprintf(ap, sizeof ap, "$%.2f ($%.2f-%.2f)", api[b].usd_per_million, api[b].low, api[b].high);
            else
                snprintf(ap, sizeof ap, "$%.2f", api[b].usd_per_million);
            lw_break_even r = LW_BREAK_EVEN_INIT;
            if (!best || lw_cost_break_even(&be, &bc, &bp, api[b].usd_per_million, &r, NULL) != LW_OK) {
                const char *cells[] = {api[b].provider, ap, NO_DATA, NO_DATA, NO_DATA};
                lw_doc_table_row(d, 5, cells);
                continue;
            }
            snprintf(on, sizeof on, "$%.4f", bc.onprem_usd_per_million);
            if (isfinite(r.tokens))
                snprintf(tok, sizeof tok, "%.3f billion", r.tokens / 1e9);
            else
                snprintf(tok, sizeof tok, "never");
            lw_break_even_words(&r, mo, sizeof mo);
            const char *cells[] = {api[b].provider, ap, on, tok, mo};
            lw_doc_table_row(d, 5, cells);
            if ((r.kind == LW_BREAK_EVEN_NEVER || r.kind == LW_BREAK_EVEN_AFTER_LIFE) && nnotes < 5)
                snprintf(notes[nnotes++], sizeof notes[0], "%s: %s", api[b].provider, r.explanation);
        }
        lw_doc_table_end(d);
        if (!best)
            lw_doc_p(d, "No data: no valid runs of workload '%s' (label runs with workload=%s).", wl, wl);
        for (int k = 0; k < nnotes; k++)
            lw_doc_li(d, "%s", notes[k]);
    }
    lw_doc_p(d, "Assumptions: API prices from seed 004's table (data/api_prices.csv; the open-source range $0.20-0.70 is "
                "taken at its midpoint). Included: electricity with system overhead and PSU losses, hardware depreciation "
                "(seed 004's $200,000 per 8 GPUs). Maintenance, colocation, networking and per-GPU prices: see Total Cost of "
                "Ownership below. Excluded: storage and labour.");
    free(api);
}

static void run_list(ctx *c)
{
    lw_doc *d = &c->doc;
    lw_doc_h(d, 2, "Appendix: Runs");
    const char *h[] = {"Run", "Time", "Kind", "Workload", "Precision", "Batch", "GPUs", "Throughput (tok/s)", "Avg Power (W)",
                       "Tokens/Joule", "Verdict"};
    lw_doc_table_head(d, 11, h);
    for (size_t i = 0; i < c->nruns; i++) {
        const lw_run *r = &c->runs[i];
        char id[24], t[32], b[16], g[16], tps[32], pw[32], tpj[32];
        snprintf(id, sizeof id, "%lld", r->id);
        snprintf(b, sizeof b, "%d", r->batch);
        snprintf(g, sizeof g, "%d", r->gpus);
        const char *cells[] = {id, lw_time_format(r->time_ns, t, sizeof t), r->kind == LW_RUN_ESTIMATE ? "estimate" : "measurement",
                               r->workload[0] ? r->workload : "-", r->precision[0] ? r->precision : "-", b, g,
                               lw_report_fmtv(tps, sizeof tps, "", 1, r->tokens_per_s), lw_report_fmtv(pw, sizeof pw, "", 1, r->avg_power_w),
                               lw_report_fmtv(tpj, sizeof tpj, "", 3, r->tokens_per_j),
                               r->valid < 0 ? "n/a" : r->valid ? "VALID" : "INVALID"};
        lw_doc_table_row(d, 11, cells);
    }
    lw_doc_table_end(d);
}

bool lw_report_format_from_path(const char *path, lw_report_format *fmt)
{
    const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
    if (!dot || (slash && dot < slash))
        return false;
    if (strcasecmp(dot, ".md") == 0 || strcasecmp(dot, ".markdown") == 0)
        *fmt = LW_REPORT_MARKDOWN;
    else if (strcasecmp(dot, ".html") == 0 || strcasecmp(dot, ".htm") == 0)
        *fmt = LW_REPORT_HTML;
    else if (strcasecmp(dot, ".pdf") == 0)
        *fmt = LW_REPORT_PDF;
    else
        return false;
    return true;
}

bool lw_report_format_parse(const char *name, lw_report_format *fmt)
{
    if (strcmp(name, "md") == 0 || strcmp(name, "markdown") == 0)
        *fmt = LW_REPORT_MARKDOWN;
    else if (strcmp(name, "html") == 0)
        *fmt = LW_REPORT_HTML;
    else if (strcmp(name, "pdf") == 0)
        *fmt = LW_REPORT_PDF;
    else
        return false;
    return true;
}

lw_status lw_report_write(const lw_catalogue *cat, const lw_run *runs, size_t nruns, const lw_report_opts *o, lw_err *err)
{
    lw_status vst = lw_check_version("lw_report_opts", "lw_report_opts_default() or LW_REPORT_OPTS_INIT", o->version,
                                     LW_REPORT_OPTS_VERSION, err);
    if (vst == LW_OK)
        vst = check_runs(runs, nruns, err);
    if (vst != LW_OK)
        return vst;
    if (nruns == 0)
        return lw_fail(err, LW_ERR_NOT_FOUND, "no runs to report on");
    if (!o->output_path || !*o->output_path)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "missing the output path");
    ctx c;
    memset(&c, 0, sizeof c);
    c.cat = cat;
    c.runs = runs;
    c.nruns = nruns;
    c.o = o;
    lw_status st = lw_report_rows(cat, runs, nruns, o->price_usd_per_kwh, &c.rows, &c.nrows, err);
    if (st != LW_OK)
        return st;
    st = find_regressions(&c, err);
    if (st != LW_OK) {
        free(c.baseline);
        free(c.regressed);
        free(c.rows);
        return st;
    }
    lw_doc_init(&c.doc, o->format, o->output_path);
    header(&c);
    key_findings(&c);
    drift_findings(&c);
    methodology(&c);
    baselines(&c);
    lw_report_gpu_comparison(&c);
    scenarios(&c);
    break_even(&c);
    lw_report_tco_section(&c);
    lw_report_grid_section(&c);
    st = lw_report_plots(&c, err);
    if (st == LW_OK) {
        run_list(&c);
        st = lw_doc_write(&c.doc, o->output_path, err);
    }
    lw_doc_free(&c.doc);
    free(c.baseline);
    free(c.regressed);
    free(c.rows);
    return st;
}
