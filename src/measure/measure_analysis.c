/* The analysis handle: lw_measure_result behind functions, so that no fixed array crosses the
 * API (docs/design.md, "ABI"). */
#include <stdlib.h>

#include "core/util.h"
#include "llmwatt/measure.h"

struct lw_measure_analysis {
    lw_measure_result r;
};

lw_status lw_measure_analysis_new(const lw_measure *m, double tokens, double iterations, const lw_child_status *child,
                                  lw_measure_analysis **out, lw_err *err)
{
    *out = NULL;
    lw_measure_analysis *a = malloc(sizeof *a);
    if (!a)
        return lw_fail(err, LW_ERR_NO_MEMORY, "out of memory analysing a measurement");
    lw_status st = lw_measure_analyze(m, tokens, iterations, child, &a->r, err);
    if (st != LW_OK) {
        free(a);
        return st;
    }
    *out = a;
    return LW_OK;
}

void lw_measure_analysis_free(lw_measure_analysis *a)
{
    free(a);
}

lw_status lw_measure_analysis_summary(const lw_measure_analysis *a, lw_measure_summary *out, lw_err *err)
{
    if (out->version == 0)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "lw_measure_summary has version 0: start it from LW_MEASURE_SUMMARY_INIT");
    if (out->version > LW_MEASURE_SUMMARY_VERSION)
        return lw_fail(err, LW_ERR_VERSION,
                       "lw_measure_summary version %u is newer than this libllmwatt %s (knows %u): use the library the program was "
                       "built with",
                       out->version, lw_version(), (unsigned)LW_MEASURE_SUMMARY_VERSION);
    /* version 1 is the whole struct (a later version: only the fields the caller's has) */
    const lw_measure_result *r = &a->r;
    lw_measure_summary s = lw_measure_summary_default();
    s.source = r->source;
    s.start_unix = r->start_unix;
    s.end_unix = r->end_unix;
    s.interval_s = r->interval_s;
    s.warmup_s = r->warmup_s;
    s.duration_s = r->duration_s;
    s.energy_j = r->energy_j;
    s.avg_power_w = r->avg_power_w;
    s.peak_power_w = r->peak_power_w;
    s.has_cpu = r->has_cpu;
    s.cpu_package_energy_j = r->cpu_package_energy_j;
    s.cpu_dram_energy_j = r->cpu_dram_energy_j;
    s.cpu_counter_wraps = r->cpu_counter_wraps;
    s.has_idle = r->has_idle;
    s.idle_power_w = r->idle_power_w;
    s.idle_duration_s = r->idle_duration_s;
    s.energy_above_idle_j = r->energy_above_idle_j;
    s.tokens = r->tokens;
    s.tokens_per_s = r->tokens_per_s;
    s.j_per_token = r->j_per_token;
    s.tokens_per_j = r->tokens_per_j;
    s.iterations = r->iterations;
    s.samples = r->samples;
    s.expected_samples = r->expected_samples;
    s.largest_gap_s = r->largest_gap_s;
    s.counter_resets = r->counter_resets;
    s.window_from_s = r->window_from_s;
    s.window_to_s = r->window_to_s;
    s.coverage_edge_s = r->coverage_edge_s;
    s.coverage_gap_s = r->coverage_gap_s;
    s.coverage_gaps_total = r->n_coverage_gaps_total;
    s.windows_differ = r->windows_differ;
    s.child = r->child;
    s.valid = r->valid;
    *out = s;
    return LW_OK;
}

size_t lw_measure_analysis_gpu_count(const lw_measure_analysis *a)
{
    return a->r.n_gpus;
}

const lw_device_result *lw_measure_analysis_gpu(const lw_measure_analysis *a, size_t i)
{
    return i < a->r.n_gpus ? &a->r.gpus[i] : NULL;
}

size_t lw_measure_analysis_criterion_count(const lw_measure_analysis *a)
{
    return a->r.n_criteria;
}

const lw_criterion *lw_measure_analysis_criterion(const lw_measure_analysis *a, size_t i)
{
    return i < a->r.n_criteria ? &a->r.criteria[i] : NULL;
}

size_t lw_measure_analysis_gap_count(const lw_measure_analysis *a)
{
    return a->r.n_coverage_gaps;
}

const lw_coverage_gap *lw_measure_analysis_gap(const lw_measure_analysis *a, size_t i)
{
    return i < a->r.n_coverage_gaps ? &a->r.coverage_gaps[i] : NULL;
}

lw_status lw_measure_analysis_json(const lw_measure_analysis *a, const lw_measure_meta *meta, const lw_power_source *gpu, char **out,
                                   lw_err *err)
{
    return lw_measure_json_source(&a->r, meta, gpu, out, err);
}
