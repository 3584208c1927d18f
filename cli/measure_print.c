#include "measure_print.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "common.h"

/* v with prec digits after the point, "-" when unknown. */
static const char *fmt_num(double v, int prec, char *buf, size_t n)
{
    if (!isfinite(v))
        snprintf(buf, n, "-");
    else
        snprintf(buf, n, "%.*f", prec, v);
    return buf;
}

static void print_gpu(FILE *f, const lw_device_result *d)
{
    char a[32], b[32], c[32], e[32];
    fprintf(f, "GPU %d %s: %s J (%s", d->info.index, d->info.name, fmt_num(d->energy_j, 1, a, sizeof a), d->energy_method);
    if (isfinite(d->disagreement))
        fprintf(f, "; integrated %.1f J, counter %+.2f%% vs integrated", d->energy_integrated_j, 100.0 * d->disagreement);
    fprintf(f, "), avg %s W, peak %s W, util %s%%, power CV %s%%\n", fmt_num(d->avg_power_w, 1, a, sizeof a),
            fmt_num(d->peak_power_w, 1, b, sizeof b), fmt_num(100.0 * d->avg_utilization, 0, c, sizeof c),
            fmt_num(100.0 * d->power_cv, 2, e, sizeof e));
    if (d->failed_samples && isnan(d->back_at_s))
        fprintf(f, "  ! stopped answering %.2f s after the start (%zu failed samples); energy covers the samples before\n",
                d->lost_at_s, d->failed_samples);
    else if (d->failed_samples)
        fprintf(f, "  ! did not answer from %.2f s to %.2f s after the start (%zu failed samples); the energy bridges the gap\n",
                d->lost_at_s, d->back_at_s, d->failed_samples);
    if (d->counter_resets)
        fprintf(f, "  ! energy counter went backwards %u time(s) (driver reload or glitch); %s\n", d->counter_resets,
                isfinite(d->energy_integrated_j) ? "those intervals are integrated from power" : "counted from zero after each");
    if (d->counter_implausible)
        fprintf(f, "  ! energy counter rose faster than %g x the %.0f W power limit %u time(s) (first at %.2f s); those intervals are "
                   "integrated from power\n",
                LW_MEASURE_IMPLAUSIBLE_LIMIT_FACTOR, d->info.power_limit_w, d->counter_implausible, d->implausible_at_s);
    if (d->throttle_known && d->throttle_seen) {
        fprintf(f, "  clock-event reasons seen:");
        for (uint64_t bit = 1; bit <= LW_THROTTLE_DISPLAY_CLOCK; bit <<= 1)
            if (d->throttle_seen & bit)
                fprintf(f, " %s", lw_throttle_name(bit));
        fprintf(f, " (throttled %.0f%% of samples)\n", 100.0 * d->throttle_fraction);
    }
}

/* 4 significant digits, plain. */
static const char *plain4(double v, char *buf, size_t n)
{
    return cli_plain(v, 4, buf, n);
}

/* One line per gap: which device, what, which seconds of the window. */
static void print_coverage(FILE *f, const lw_measure_result *r)
{
    if (!r->n_coverage_gaps_total)
        return;
    fprintf(f, "coverage: window %.2f..%.2f s; tolerance %.3g s at the ends, %.3g s between samples\n", r->window_from_s, r->window_to_s,
            r->coverage_edge_s, r->coverage_gap_s);
    for (size_t i = 0; i < r->n_coverage_gaps; i++) {
        const lw_coverage_gap *g = &r->coverage_gaps[i];
        static const char *const what[] = {"starts late: no sample", "ends early: no sample", "has a hole: no sample",
                                           "has no good sample"};
        fprintf(f, "  ! %s %d (%s) %s from %.2f s to %.2f s (%.2f s)\n", g->gpu ? "GPU" : "CPU zone", g->index, g->name,
                what[g->kind], g->from_s, g->to_s, g->to_s - g->from_s);
    }
    if (r->n_coverage_gaps_total > r->n_coverage_gaps)
        fprintf(f, "  ! ... and %zu more gap(s) (--json lists the first %d)\n", r->n_coverage_gaps_total - r->n_coverage_gaps,
                LW_MEASURE_MAX_COVERAGE_GAPS);
}

void measure_print_summary(FILE *f, const char *title, const lw_measure_result *r)
{
    char a[32], b[32], e[32];
    fprintf(f, "%s\n", title);
    fprintf(f, "source %s, interval %g s, warm-up %g s excluded, duration %.2f s\n", lw_power_kind_name(r->source), r->interval_s,
            r->warmup_s, r->duration_s);
    for (size_t i = 0; i < r->n_gpus; i++)
        print_gpu(f, &r->gpus[i]);
    if (r->has_cpu)
        fprintf(f, "CPU: package %s J, DRAM %s J (RAPL, %u wrap(s) handled)\n", fmt_num(r->cpu_package_energy_j, 1, a, sizeof a),
                fmt_num(r->cpu_dram_energy_j, 1, b, sizeof b), r->cpu_counter_wraps);
    fprintf(f, "aggregate (%s): %s J, avg %s W, peak %s W\n", r->n_gpus ? "GPUs" : "CPU", fmt_num(r->energy_j, 1, e, sizeof e),
            fmt_num(r->avg_power_w, 1, a, sizeof a), fmt_num(r->peak_power_w, 1, b, sizeof b));
    if (r->windows_differ)
        fprintf(f, "  ! not every device covers the whole window (see coverage below): the aggregate and the per-token "
                   "figures add energies over windows of different lengths\n");
    if (r->samples < LW_MEASURE_MIN_WINDOW_SAMPLES)
        fprintf(f, "  ! the measured window is empty (%zu sample(s) after the %g s warm-up): energy and per-token figures "
                   "are undefined; shorten --warmup or run longer\n",
                r->samples, r->warmup_s);
    if (r->has_idle)
        fprintf(f, "idle baseline: %.1f W over %.1f s; energy above idle %s J (not subtracted above)\n", r->idle_power_w,
                r->idle_duration_s, fmt_num(r->energy_above_idle_j, 1, a, sizeof a));
    if (isfinite(r->tokens))
        fprintf(f, "tokens: %.0f -> %s tokens/s, %s J/token, %s tokens/J\n", r->tokens, cli_plain(r->tokens_per_s, 4, a, sizeof a),
                cli_plain(r->j_per_token, 4, b, sizeof b), cli_plain(r->tokens_per_j, 4, e, sizeof e));
    fprintf(f, "sampling: %zu of %zu expected samples, largest gap %.3f s, %u counter reset(s)\n", r->samples, r->expected_samples,
            r->largest_gap_s, r->counter_resets);
    print_coverage(f, r);
    if (r->child.ran)
        fprintf(f, "workload: exit %d%s%s\n", r->child.exit_code, r->child.signal ? " (killed by a signal)" : "",
                r->child.interrupted ? ", interrupted" : "");
    fprintf(f, "verdict: %s\n", r->valid ? "VALID" : "INVALID");
    for (size_t i = 0; i < r->n_criteria; i++) {
        const lw_criterion *c = &r->criteria[i];
        const char *op = strcmp(c->name, "duration_s") == 0 || strcmp(c->name, "iterations") == 0 ||
                                 strcmp(c->name, "samples_in_window") == 0
                             ? ">="
                         : strcmp(c->name, "avg_gpu_utilization") == 0                         ? ">"
                         : strcmp(c->name, "power_cv") == 0                                    ? "<"
                         : strcmp(c->name, "throttling") == 0                                  ? "<="
                                                                                               : "==";
        if (c->applies)
            fprintf(f, "  %-20s %10s  %-2s %-8s %s\n", c->name, plain4(c->value, a, sizeof a), op,
                    plain4(c->threshold, b, sizeof b), c->pass ? "pass" : "FAIL");
        else
            fprintf(f, "  %-20s %10s  %-2s %-8s not checked (no data)\n", c->name, "-", op, plain4(c->threshold, b, sizeof b));
    }
}
