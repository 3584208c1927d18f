/* From samples to results: energy per device (counter and trapezoid), aggregate, CPU zones,
 * idle baseline, tokens per joule, sampling health and the seed 004 verdict. */
#include <math.h>
#include <string.h>

#include "measure/measure_internal.h"
#include "core/util.h"

typedef struct window {
    int64_t t_begin; /* start + warm-up */
    int64_t t_end;   /* last sample */
} window;

static bool in_window(const window *w, const lw_power_sample *s)
{
    return s->t_ns >= w->t_begin && s->t_ns <= w->t_end;
}

/* Counter energy, trapezoid energy and the statistics of one device over the window. */
static void device_energy(const lw_measure *m, size_t i, const window *w, lw_device_result *d)
{
    const lw_series *sr = &m->run[i];
    const lw_measure_thresholds *th = &m->cfg.thresholds;
    const lw_power_sample *prev = NULL, *prev_any = NULL;
    double counter = 0, integ = 0, psum = 0, psq = 0, usum = 0, csum = 0;
    size_t pn = 0, un = 0, cn = 0, tk = 0, tmask = 0, tcap = 0;
    bool have_counter = false, have_integ = false;
    int64_t first_ok = 0, last_ok = 0;
    memset(d, 0, sizeof *d);
    d->info = m->info[i];
    d->peak_power_w = d->temperature_start_c = d->temperature_end_c = d->temperature_max_c = NAN;
    d->lost_at_s = d->back_at_s = d->implausible_at_s = NAN;
    for (size_t k = 0; k < sr->n; k++) {
        const lw_power_sample *s = &sr->s[k];
        if (!s->ok) {
            d->failed_samples++;
            if (isnan(d->lost_at_s))
                d->lost_at_s = (double)(s->t_ns - m->t0_ns) / 1e9;
        } else if (!isnan(d->lost_at_s) && isnan(d->back_at_s)) {
            d->back_at_s = (double)(s->t_ns - m->t0_ns) / 1e9;
        }
        if (!in_window(w, s))
            continue;
        if (prev_any && (double)(s->t_ns - prev_any->t_ns) / 1e9 > d->largest_gap_s)
            d->largest_gap_s = (double)(s->t_ns - prev_any->t_ns) / 1e9;
        prev_any = s;
        if (!s->ok)
            continue;
        if (!d->samples)
            first_ok = s->t_ns;
        last_ok = s->t_ns;
        d->samples++;
        if (prev) {
            double dt = (double)(s->t_ns - prev->t_ns) / 1e9, trap = NAN;
            if (isfinite(s->power_w) && isfinite(prev->power_w)) {
                trap = 0.5 * (s->power_w + prev->power_w) * dt;
                integ += trap;
                have_integ = true;
            }
            if (isfinite(s->energy_j) && isfinite(prev->energy_j)) {
                double de = s->energy_j - prev->energy_j;
                /* a counter that went backwards (driver reload, glitch) or jumped by more than
                 * twice the board's power limit allows is not used for this interval: power
                 * integration bridges it, else a reset is counted from zero */
                if (de < 0) {
                    d->counter_resets++;
                    de = isfinite(trap) ? trap : s->energy_j;
                } else if (isfinite(d->info.power_limit_w) && d->info.power_limit_w > 0 && dt > 0 &&
                           de / dt > LW_MEASURE_IMPLAUSIBLE_LIMIT_FACTOR * d->info.power_limit_w) {
                    d->counter_implausible++;
                    if (isnan(d->implausible_at_s))
                        d->implausible_at_s = (double)(s->t_ns - m->t0_ns) / 1e9;
                    de = isfinite(trap) ? trap : 0;
                }
                counter += de;
                have_counter = true;
            }
        }
        prev = s;
        if (isfinite(s->power_w)) {
            psum += s->power_w;
            psq += s->power_w * s->power_w;
            pn++;
            if (isnan(d->peak_power_w) || s->power_w > d->peak_power_w)
                d->peak_power_w = s->power_w;
        }
        if (isfinite(s->utilization)) {
            usum += s->utilization;
            un++;
        }
        if (isfinite(s->sm_clock_mhz)) {
            csum += s->sm_clock_mhz;
            cn++;
        }
        if (isfinite(s->temperature_c)) {
            if (isnan(d->temperature_start_c))
                d->temperature_start_c = s->temperature_c;
            d->temperature_end_c = s->temperature_c;
            if (isnan(d->temperature_max_c) || s->temperature_c > d->temperature_max_c)
                d->temperature_max_c = s->temperature_c;
        }
        if (s->throttle_known) {
            tk++;
            tmask += (s->throttle_reasons & th->throttle_mask) != 0;
            tcap += (s->throttle_reasons & LW_THROTTLE_SW_POWER_CAP) != 0;
            d->throttle_seen |= s->throttle_reasons;
        }
    }
    d->energy_counter_j = have_counter ? counter : NAN;
    d->energy_integrated_j = have_integ ? integ : NAN;
    d->energy_method = have_counter ? "counter" : have_integ ? "integrated" : "none";
    /* fewer than two usable samples in the window: the energy is unknown, not 0 */
    d->energy_j = have_counter ? counter : have_integ ? integ : NAN;
    d->disagreement = have_counter && have_integ && counter > 0 ? (counter - integ) / counter : NAN;
    double span = (double)(last_ok - first_ok) / 1e9;
    d->avg_power_w = span > 0 ? d->energy_j / span : NAN;
    double mean = pn ? psum / (double)pn : NAN, var = pn ? psq / (double)pn - mean * mean : NAN;
    d->power_cv = pn && mean > 0 ? sqrt(var > 0 ? var : 0) / mean : NAN;
    d->avg_utilization = un ? usum / (double)un : NAN;
    d->avg_sm_clock_mhz = cn ? csum / (double)cn : NAN;
    d->throttle_known = tk > 0;
    d->throttle_fraction = tk ? (double)tmask / (double)tk : NAN;
    d->sw_power_cap_fraction = tk ? (double)tcap / (double)tk : NAN;
    double isum = 0;
    size_t in = 0;
    for (size_t k = 0; k < m->idle[i].n; k++)
        if (m->idle[i].s[k].ok && isfinite(m->idle[i].s[k].power_w)) {
            isum += m->idle[i].s[k].power_w;
            in++;
        }
    d->idle_power_w = in ? isum / (double)in : NAN;
}

const char *lw_coverage_kind_name(lw_coverage_kind kind)
{
    switch (kind) {
    case LW_COVERAGE_LATE_START: return "late_start";
    case LW_COVERAGE_EARLY_END: return "early_end";
    case LW_COVERAGE_HOLE: return "hole";
    case LW_COVERAGE_NO_SAMPLES: return "no_samples";
    }
    return "unknown";
}

static void add_gap(const lw_measure *m, size_t i, lw_coverage_kind kind, int64_t from, int64_t to, lw_measure_result *r)
{
    r->n_coverage_gaps_total++;
    if (r->n_coverage_gaps == LW_MEASURE_MAX_COVERAGE_GAPS)
        return;
    lw_coverage_gap *g = &r->coverage_gaps[r->n_coverage_gaps++];
    g->gpu = i < m->n_gpu;
    g->index = m->info[i].index;
    lw_strlcpy(g->name, m->info[i].name, sizeof g->name);
    g->kind = kind;
    g->from_s = (double)(from - m->t0_ns) / 1e9;
    g->to_s = (double)(to - m->t0_ns) / 1e9;
}

/* Coverage of device i over [from, to]: its good samples must start and end within the edge
 * tolerance of the window's ends and never be further apart than the gap tolerance. Returns
 * false when the device does not span the window (late start, early end, no sample). */
static bool device_coverage(const lw_measure *m, size_t i, const window *w, int64_t from, lw_measure_result *r)
{
    int64_t edge = (int64_t)llround(r->coverage_edge_s * 1e9), gap = (int64_t)llround(r->coverage_gap_s * 1e9);
    const lw_series *sr = &m->run[i];
    int64_t first = 0, prev = 0;
    bool any = false;
    for (size_t k = 0; k < sr->n; k++) {
        const lw_power_sample *s = &sr->s[k];
        if (!s->ok || !in_window(w, s))
            continue;
        if (!any)
            first = s->t_ns;
        else if (s->t_ns - prev > gap)
            add_gap(m, i, LW_COVERAGE_HOLE, prev, s->t_ns, r);
        prev = s->t_ns;
        any = true;
    }
    if (!any) {
        add_gap(m, i, LW_COVERAGE_NO_SAMPLES, from, w->t_end, r);
        return false;
    }
    bool spans = true;
    if (first - from > edge) {
        add_gap(m, i, LW_COVERAGE_LATE_START, from, first, r);
        spans = false;
    }
    if (w->t_end - prev > edge) {
        add_gap(m, i, LW_COVERAGE_EARLY_END, prev, w->t_end, r);
        spans = false;
    }
    return spans;
}

static void add_criterion(lw_measure_result *r, const char *name, double value, double threshold, bool applies, bool pass)
{
    lw_criterion *c = &r->criteria[r->n_criteria++];
    lw_strlcpy(c->name, name, sizeof c->name);
    c->value = applies ? value : NAN;
    c->threshold = threshold;
    c->applies = applies;
    c->pass = applies ? pass : true;
}

static void verdict(const lw_measure *m, lw_measure_result *r)
{
    const lw_measure_thresholds *th = &m->cfg.thresholds;
    double util = 0, cv = NAN, thr = NAN;
    size_t nu = 0, lost = 0, counter_faults = 0;
    for (size_t i = 0; i < r->n_gpus; i++) {
        const lw_device_result *d = &r->gpus[i];
        if (isfinite(d->avg_utilization)) {
            util += d->avg_utilization;
            nu++;
        }
        if (isfinite(d->power_cv) && !(d->power_cv <= cv))
            cv = d->power_cv;
        if (isfinite(d->throttle_fraction) && !(d->throttle_fraction <= thr))
            thr = d->throttle_fraction;
        lost += d->failed_samples > 0;
        counter_faults += d->counter_resets + d->counter_implausible;
    }
    util = nu ? util / (double)nu : NAN;
    r->n_criteria = 0;
    add_criterion(r, "duration_s", r->duration_s, th->min_duration_s, true, r->duration_s >= th->min_duration_s);
    add_criterion(r, "iterations", r->iterations, th->min_iterations, isfinite(r->iterations), r->iterations >= th->min_iterations);
    add_criterion(r, "avg_gpu_utilization", util, th->min_avg_utilization, isfinite(util), util > th->min_avg_utilization);
    add_criterion(r, "power_cv", cv, th->max_power_cv, isfinite(cv), cv < th->max_power_cv);
    add_criterion(r, "throttling", thr, th->max_throttle_fraction, isfinite(thr), thr <= th->max_throttle_fraction);
    add_criterion(r, "gpus_present", (double)lost, 0, r->n_gpus > 0, lost == 0);
    add_criterion(r, "energy_counter", (double)counter_faults, 0, r->n_gpus > 0, counter_faults == 0);
    add_criterion(r, "coverage", (double)r->n_coverage_gaps_total, 0, true, r->n_coverage_gaps_total == 0);
    /* an empty window (warm-up as long as the run, or one sample after it) measures nothing */
    add_criterion(r, "samples_in_window", (double)r->samples, LW_MEASURE_MIN_WINDOW_SAMPLES, true,
                  r->samples >= LW_MEASURE_MIN_WINDOW_SAMPLES);
    add_criterion(r, "child_exit", r->child.exit_code, 0, r->child.ran, r->child.exit_code == 0 && !r->child.interrupted);
    r->valid = true;
    for (size_t i = 0; i < r->n_criteria; i++)
        r->valid = r->valid && r->criteria[i].pass;
}

lw_status lw_measure_analyze(const lw_measure *m, double tokens, double iterations, const lw_child_status *child,
                             lw_measure_result *out, lw_err *err)
{
    if (!m->stopped)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "stop the measurement before analysing it");
    memset(out, 0, sizeof *out);
    out->source = m->kind;
    out->start_unix = m->start_unix;
    out->end_unix = m->end_unix;
    out->interval_s = m->cfg.interval_s;
    out->warmup_s = m->cfg.warmup_s;
    /* the window ends at the last sample of any device */
    window w = {m->t0_ns + (int64_t)llround(m->cfg.warmup_s * 1e9), m->t0_ns};
    int64_t first = INT64_MAX;
    for (size_t i = 0; i < m->n_gpu + m->n_cpu; i++)
        if (m->run[i].n && m->run[i].s[m->run[i].n - 1].t_ns > w.t_end)
            w.t_end = m->run[i].s[m->run[i].n - 1].t_ns;
    for (size_t i = 0; i < m->n_gpu + m->n_cpu; i++)
        for (size_t k = 0; k < m->run[i].n; k++)
            if (in_window(&w, &m->run[i].s[k])) {
                if (m->run[i].s[k].t_ns < first)
                    first = m->run[i].s[k].t_ns;
                break;
            }
    out->duration_s = first < INT64_MAX ? (double)(w.t_end - first) / 1e9 : 0.0;
    /* coverage, over the same window the duration spans; an empty window is reported by
     * samples_in_window, not as a gap of every device */
    if (first < INT64_MAX) {
        const lw_measure_thresholds *th = &m->cfg.thresholds;
        out->window_from_s = (double)(first - m->t0_ns) / 1e9;
        out->window_to_s = (double)(w.t_end - m->t0_ns) / 1e9;
        out->coverage_edge_s = fmax(th->coverage_edge_intervals * m->cfg.interval_s, th->coverage_min_tolerance_s);
        out->coverage_gap_s = fmax(th->coverage_gap_intervals * m->cfg.interval_s, th->coverage_min_tolerance_s);
        for (size_t i = 0; i < m->n_gpu + m->n_cpu; i++) {
            bool spans = device_coverage(m, i, &w, first, out);
            if (m->n_gpu == 0 || i < m->n_gpu)
                out->windows_differ |= !spans;
        }
    }
    out->n_gpus = m->n_gpu;
    bool aligned = true, any_energy = false;
    out->cpu_package_energy_j = out->cpu_dram_energy_j = NAN;
    for (size_t i = 0; i < m->n_gpu + m->n_cpu; i++) {
        lw_device_result d;
        device_energy(m, i, &w, &d);
        if (d.samples > out->samples)
            out->samples = d.samples;
        if (d.largest_gap_s > out->largest_gap_s)
            out->largest_gap_s = d.largest_gap_s;
        out->counter_resets += d.counter_resets;
        if (i < m->n_gpu) {
            out->gpus[i] = d;
            if (isfinite(d.energy_j)) {
                out->energy_j += d.energy_j;
                any_energy = true;
            }
            aligned = aligned && m->run[i].n == m->run[0].n;
            continue;
        }
        out->has_cpu = true;
        double *zone = d.info.kind == LW_DEVICE_DRAM ? &out->cpu_dram_energy_j : &out->cpu_package_energy_j;
        if (isfinite(d.energy_j))
            *zone = isfinite(*zone) ? *zone + d.energy_j : d.energy_j;
        const lw_series *s = &m->run[i];
        if (s->n)
            out->cpu_counter_wraps += s->s[s->n - 1].counter_wraps - s->s[0].counter_wraps;
    }
    if (m->n_gpu == 0) {
        out->energy_j = (isfinite(out->cpu_package_energy_j) ? out->cpu_package_energy_j : 0) +
                        (isfinite(out->cpu_dram_energy_j) ? out->cpu_dram_energy_j : 0);
        any_energy = isfinite(out->cpu_package_energy_j) || isfinite(out->cpu_dram_energy_j);
    }
    if (!any_energy) /* no device has two samples in the window: undefined, never a 0 that reads as a value */
        out->energy_j = NAN;
    out->avg_power_w = out->duration_s > 0 ? out->energy_j / out->duration_s : NAN;
    /* Peak of the summed power: tick by tick when every GPU was sampled together (live runs),
     * else the sum of the per-GPU peaks (an upper bound, for logs whose rows do not line up). */
    out->peak_power_w = NAN;
    if (m->n_gpu && aligned) {
        for (size_t k = 0; k < m->run[0].n; k++) {
            double sum = 0;
            bool any = false;
            for (size_t i = 0; i < m->n_gpu; i++) {
                const lw_power_sample *s = &m->run[i].s[k];
                if (in_window(&w, s) && s->ok && isfinite(s->power_w)) {
                    sum += s->power_w;
                    any = true;
                }
            }
            if (any && !(sum <= out->peak_power_w))
                out->peak_power_w = sum;
        }
    } else if (m->n_gpu) {
        for (size_t i = 0; i < m->n_gpu; i++)
            if (isfinite(out->gpus[i].peak_power_w))
                out->peak_power_w = (isfinite(out->peak_power_w) ? out->peak_power_w : 0) + out->gpus[i].peak_power_w;
    }
    /* ticks at start, every interval, plus the closing sample at stop */
    out->expected_samples = (size_t)ceil(out->duration_s / m->cfg.interval_s - 1e-6) + 1;
    if (m->idle_t1_ns > m->idle_t0_ns) {
        out->has_idle = true;
        out->idle_duration_s = (double)(m->idle_t1_ns - m->idle_t0_ns) / 1e9;
        out->idle_power_w = 0;
        for (size_t i = 0; i < m->n_gpu; i++)
            out->idle_power_w += isfinite(out->gpus[i].idle_power_w) ? out->gpus[i].idle_power_w : 0;
        out->energy_above_idle_j = out->energy_j - out->idle_power_w * out->duration_s;
    }
    out->tokens = tokens;
    out->iterations = iterations;
    out->tokens_per_s = out->j_per_token = out->tokens_per_j = NAN;
    if (isfinite(tokens)) {
        out->tokens_per_s = out->duration_s > 0 ? tokens / out->duration_s : NAN;
        out->j_per_token = tokens > 0 ? out->energy_j / tokens : NAN;
        out->tokens_per_j = out->energy_j > 0 ? tokens / out->energy_j : NAN;
    }
    if (child)
        out->child = *child;
    verdict(m, out);
    return LW_OK;
}
