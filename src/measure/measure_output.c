/* Measurement results as JSON (docs/measurement-json.md) and raw samples as CSV. */
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "measure/measure_internal.h"
#include "core/util.h"

static json_t *num(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *iso_time(double unix_s)
{
    if (!isfinite(unix_s))
        return json_null();
    time_t t = (time_t)floor(unix_s);
    struct tm tm;
    char buf[32];
    if (!gmtime_r(&t, &tm) || strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        return json_null();
    return json_string(buf);
}

static json_t *str_or_null(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

static json_t *reasons(uint64_t bits)
{
    json_t *a = json_array();
    for (uint64_t b = 1; b && b <= LW_THROTTLE_DISPLAY_CLOCK; b <<= 1)
        if (bits & b)
            json_array_append_new(a, json_string(lw_throttle_name(b)));
    return a;
}

static json_t *gpu_json(const lw_device_result *d, bool has_idle)
{
    json_t *g = json_object();
    json_object_set_new(g, "index", json_integer(d->info.index));
    json_object_set_new(g, "name", json_string(d->info.name));
    json_object_set_new(g, "uuid", str_or_null(d->info.uuid));
    json_object_set_new(g, "power_limit_w", num(d->info.power_limit_w));
    json_object_set_new(g, "energy_j", num(d->energy_j));
    json_object_set_new(g, "energy_method", json_string(d->energy_method));
    json_object_set_new(g, "energy_counter_j", num(d->energy_counter_j));
    json_object_set_new(g, "energy_integrated_j", num(d->energy_integrated_j));
    json_object_set_new(g, "counter_vs_integrated", num(d->disagreement));
    json_object_set_new(g, "avg_power_w", num(d->avg_power_w));
    json_object_set_new(g, "peak_power_w", num(d->peak_power_w));
    json_object_set_new(g, "power_cv", num(d->power_cv));
    json_object_set_new(g, "avg_utilization", num(d->avg_utilization));
    json_object_set_new(g, "avg_sm_clock_mhz", num(d->avg_sm_clock_mhz));
    json_object_set_new(g, "temperature_start_c", num(d->temperature_start_c));
    json_object_set_new(g, "temperature_end_c", num(d->temperature_end_c));
    json_object_set_new(g, "temperature_max_c", num(d->temperature_max_c));
    json_object_set_new(g, "throttle_fraction", num(d->throttle_fraction));
    json_object_set_new(g, "sw_power_cap_fraction", num(d->sw_power_cap_fraction));
    json_object_set_new(g, "throttle_reasons_seen", d->throttle_known ? reasons(d->throttle_seen) : json_null());
    json_object_set_new(g, "samples", json_integer((json_int_t)d->samples));
    json_object_set_new(g, "failed_samples", json_integer((json_int_t)d->failed_samples));
    json_object_set_new(g, "lost_at_s", num(d->lost_at_s));
    json_object_set_new(g, "back_at_s", num(d->back_at_s));
    json_object_set_new(g, "counter_resets", json_integer(d->counter_resets));
    json_object_set_new(g, "counter_implausible", json_integer(d->counter_implausible));
    if (has_idle)
        json_object_set_new(g, "idle_power_w", num(d->idle_power_w));
    return g;
}

static json_t *result_json(const lw_measure_result *r, const lw_measure_meta *meta, const lw_power_source *gpu)
{
    json_t *o = json_object();
    json_object_set_new(o, "schema", json_string("llmwatt.measurement/1"));
    json_object_set_new(o, "llmwatt_version", json_string(lw_version()));
    json_t *cmd = meta->command ? json_array() : json_null();
    for (size_t i = 0; meta->command && i < meta->command_len; i++)
        json_array_append_new(cmd, json_string(meta->command[i]));
    json_object_set_new(o, "command", cmd);
    if (meta->replay_path)
        json_object_set_new(o, "replay", json_string(meta->replay_path));
    json_t *labels = json_object();
    for (size_t i = 0; i < meta->n_labels; i++)
        json_object_set_new(labels, meta->label_keys[i], json_string(meta->label_values[i]));
    json_object_set_new(o, "labels", labels);
    json_object_set_new(o, "start_time", iso_time(r->start_unix));
    json_object_set_new(o, "end_time", iso_time(r->end_unix));
    json_object_set_new(o, "host", str_or_null(meta->host));
    json_object_set_new(o, "source", json_string(lw_power_kind_name(r->source)));
    char note[400];
    if (gpu && lw_power_kind(gpu) == LW_SOURCE_DCGM)
        json_object_set_new(o, "source_url", json_string(lw_power_source_url(gpu)));
    if (gpu && lw_power_refresh_note(gpu, r->interval_s, note, sizeof note))
        json_object_set_new(o, "source_note", json_string(note));
    if (gpu && lw_power_hung_note(gpu, note, sizeof note))
        json_object_set_new(o, "source_hung", json_string(note));
    json_object_set_new(o, "driver", str_or_null(r->n_gpus ? r->gpus[0].info.driver : NULL));
    json_object_set_new(o, "interval_s", json_real(r->interval_s));
    json_object_set_new(o, "warmup_s", json_real(r->warmup_s));
    json_object_set_new(o, "duration_s", json_real(r->duration_s));
    json_t *gpus = json_array();
    for (size_t i = 0; i < r->n_gpus; i++)
        json_array_append_new(gpus, gpu_json(&r->gpus[i], r->has_idle));
    json_object_set_new(o, "gpus", gpus);
    if (r->has_cpu) {
        json_t *c = json_object();
        json_object_set_new(c, "package_energy_j", num(r->cpu_package_energy_j));
        json_object_set_new(c, "dram_energy_j", num(r->cpu_dram_energy_j));
        json_object_set_new(c, "counter_wraps", json_integer(r->cpu_counter_wraps));
        json_object_set_new(o, "cpu", c);
    }
    json_t *agg = json_object();
    json_object_set_new(agg, "energy_j", num(r->energy_j));
    json_object_set_new(agg, "avg_power_w", num(r->avg_power_w));
    json_object_set_new(agg, "peak_power_w", num(r->peak_power_w));
    json_object_set_new(agg, "covers", json_string(r->n_gpus ? "gpus" : "cpu"));
    json_object_set_new(agg, "windows_differ", json_boolean(r->windows_differ));
    json_object_set_new(o, "aggregate", agg);
    if (r->has_idle) {
        json_t *idle = json_object();
        json_object_set_new(idle, "power_w", num(r->idle_power_w));
        json_object_set_new(idle, "duration_s", json_real(r->idle_duration_s));
        json_object_set_new(idle, "energy_j_above_idle", num(r->energy_above_idle_j));
        json_object_set_new(o, "idle_baseline", idle);
    }
    json_object_set_new(o, "tokens", num(r->tokens));
    json_object_set_new(o, "tokens_per_s", num(r->tokens_per_s));
    json_object_set_new(o, "j_per_token", num(r->j_per_token));
    json_object_set_new(o, "tokens_per_j", num(r->tokens_per_j));
    json_object_set_new(o, "iterations", num(r->iterations));
    if (r->child.ran) {
        json_t *ch = json_object();
        json_object_set_new(ch, "exit_code", json_integer(r->child.exit_code));
        json_object_set_new(ch, "signal", json_integer(r->child.signal));
        json_object_set_new(ch, "interrupted", json_boolean(r->child.interrupted));
        json_object_set_new(o, "child", ch);
    } else {
        json_object_set_new(o, "child", json_null());
    }
    json_t *smp = json_object();
    json_object_set_new(smp, "samples", json_integer((json_int_t)r->samples));
    json_object_set_new(smp, "expected", json_integer((json_int_t)r->expected_samples));
    json_object_set_new(smp, "largest_gap_s", json_real(r->largest_gap_s));
    json_object_set_new(smp, "counter_resets", json_integer(r->counter_resets));
    json_object_set_new(o, "sampling", smp);
    json_t *cov = json_object(), *gaps = json_array();
    json_object_set_new(cov, "window_from_s", json_real(r->window_from_s));
    json_object_set_new(cov, "window_to_s", json_real(r->window_to_s));
    json_object_set_new(cov, "edge_tolerance_s", json_real(r->coverage_edge_s));
    json_object_set_new(cov, "gap_tolerance_s", json_real(r->coverage_gap_s));
    for (size_t i = 0; i < r->n_coverage_gaps; i++) {
        const lw_coverage_gap *g = &r->coverage_gaps[i];
        json_t *go = json_object();
        json_object_set_new(go, "device", json_string(g->gpu ? "gpu" : "cpu"));
        json_object_set_new(go, "index", json_integer(g->index));
        json_object_set_new(go, "name", json_string(g->name));
        json_object_set_new(go, "kind", json_string(lw_coverage_kind_name(g->kind)));
        json_object_set_new(go, "from_s", json_real(g->from_s));
        json_object_set_new(go, "to_s", json_real(g->to_s));
        json_array_append_new(gaps, go);
    }
    json_object_set_new(cov, "gaps", gaps);
    json_object_set_new(cov, "gaps_total", json_integer((json_int_t)r->n_coverage_gaps_total));
    json_object_set_new(o, "coverage", cov);
    json_t *v = json_object(), *crit = json_array();
    json_object_set_new(v, "valid", json_boolean(r->valid));
    for (size_t i = 0; i < r->n_criteria; i++) {
        const lw_criterion *c = &r->criteria[i];
        json_t *co = json_object();
        json_object_set_new(co, "name", json_string(c->name));
        json_object_set_new(co, "value", num(c->value));
        json_object_set_new(co, "threshold", json_real(c->threshold));
        json_object_set_new(co, "pass", c->applies ? json_boolean(c->pass) : json_null());
        json_array_append_new(crit, co);
    }
    json_object_set_new(v, "criteria", crit);
    json_object_set_new(o, "verdict", v);
    return o;
}

lw_status lw_measure_json(const lw_measure_result *r, const lw_measure_meta *meta, char **out, lw_err *err)
{
    return lw_measure_json_source(r, meta, NULL, out, err);
}

lw_status lw_measure_json_source(const lw_measure_result *r, const lw_measure_meta *meta, const lw_power_source *gpu, char **out, lw_err *err)
{
    json_t *o = result_json(r, meta, gpu);
    char *s = o ? json_dumps(o, JSON_INDENT(2) | JSON_REAL_PRECISION(15) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    if (!s)
        return lw_fail(err, LW_ERR_NO_MEMORY, "out of memory writing the measurement JSON");
    size_t n = strlen(s);
    char *t = malloc(n + 2);
    if (!t) {
        free(s);
        return lw_fail(err, LW_ERR_NO_MEMORY, "out of memory writing the measurement JSON");
    }
    memcpy(t, s, n);
    t[n] = '\n';
    t[n + 1] = '\0';
    free(s);
    *out = t;
    return LW_OK;
}

static void csv_num(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, ",%.10g", v);
    else
        fputs(",", f);
}

static void csv_series(FILE *f, const lw_measure *m, const char *phase, const lw_series *ser)
{
    int64_t t_begin = m->t0_ns + (int64_t)llround(m->cfg.warmup_s * 1e9);
    bool run = strcmp(phase, "run") == 0;
    for (size_t i = 0; i < m->n_gpu + m->n_cpu; i++) {
        const lw_device_info *inf = &m->info[i];
        const char *src = i < m->n_gpu ? lw_power_kind_name(m->kind) : "rapl";
        for (size_t k = 0; k < ser[i].n; k++) {
            const lw_power_sample *s = &ser[i].s[k];
            fprintf(f, "%s,%.6f,%s,%d,\"", phase, (double)(s->t_ns - m->t0_ns) / 1e9, src, inf->index);
            for (const char *p = inf->name; *p; p++)
                fputs(*p == '"' ? "\"\"" : (char[2]){*p, '\0'}, f);
            fprintf(f, "\",%d", s->ok ? 1 : 0);
            csv_num(f, s->power_w);
            csv_num(f, s->energy_j);
            csv_num(f, s->utilization);
            csv_num(f, s->sm_clock_mhz);
            csv_num(f, s->temperature_c);
            if (s->throttle_known)
                fprintf(f, ",0x%" PRIx64, s->throttle_reasons);
            else
                fputs(",", f);
            fprintf(f, ",%d\n", run && s->t_ns >= t_begin && s->t_ns <= m->t_stop_ns ? 1 : 0);
        }
    }
}

lw_status lw_measure_csv(const lw_measure *m, char **out, lw_err *err)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return lw_fail(err, LW_ERR_NO_MEMORY, "out of memory writing the samples CSV");
    fputs("phase,t_s,source,device,name,ok,power_w,energy_j,utilization,sm_clock_mhz,temperature_c,throttle_reasons,in_window\n", f);
    csv_series(f, m, "idle", m->idle);
    csv_series(f, m, "run", m->run);
    if (fclose(f) != 0 || !buf) {
        free(buf);
        return lw_fail(err, LW_ERR_NO_MEMORY, "out of memory writing the samples CSV");
    }
    *out = buf;
    return LW_OK;
}
