/* Dispatch of the public power-source API to the backends. */
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backend/source.h"
#include "core/util.h"

lw_power_source *lw_power_source_new(lw_source_kind kind, const lw_power_ops *ops, size_t ndev)
{
    lw_power_source *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->info = calloc(ndev ? ndev : 1, sizeof *s->info);
    if (!s->info) {
        free(s);
        return NULL;
    }
    s->kind = kind;
    s->ops = ops;
    s->ndev = ndev;
    for (size_t i = 0; i < ndev; i++)
        s->info[i].power_limit_w = NAN;
    return s;
}

lw_power_sample lw_power_sample_empty(int64_t t_ns)
{
    lw_power_sample s = {0};
    s.t_ns = t_ns;
    s.power_w = s.energy_j = s.utilization = s.sm_clock_mhz = s.temperature_c = NAN;
    return s;
}

int64_t lw_monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

double lw_wrap32_unwrap(lw_wrap32 *w, uint64_t raw)
{
    const uint64_t half = (uint64_t)1 << 31, full = (uint64_t)1 << 32;
    if (w->have_raw && raw < w->last_raw && w->last_raw >= half && w->last_raw < full && raw < half)
        w->wraps++;
    w->last_raw = raw;
    w->have_raw = true;
    return (double)raw + (double)w->wraps * (double)full;
}

const char *lw_throttle_name(uint64_t bit)
{
    switch (bit) {
    case LW_THROTTLE_GPU_IDLE: return "gpu_idle";
    case LW_THROTTLE_APP_CLOCKS: return "app_clocks";
    case LW_THROTTLE_SW_POWER_CAP: return "sw_power_cap";
    case LW_THROTTLE_HW_SLOWDOWN: return "hw_slowdown";
    case LW_THROTTLE_SYNC_BOOST: return "sync_boost";
    case LW_THROTTLE_SW_THERMAL: return "sw_thermal";
    case LW_THROTTLE_HW_THERMAL: return "hw_thermal";
    case LW_THROTTLE_HW_POWER_BRAKE: return "hw_power_brake";
    case LW_THROTTLE_DISPLAY_CLOCK: return "display_clock";
    }
    return NULL;
}

void lw_power_close(lw_power_source *src)
{
    /* a thread is blocked inside the vendor library: shutting it down could block as well and
     * unloading it would pull the code from under that thread, so the handle is left (the
     * process is about to end: llmwatt measure writes its results and exits) */
    if (!src || src->hung)
        return;
    if (src->ops && src->ops->close)
        src->ops->close(src);
    free(src->info);
    free(src);
}

bool lw_power_hung_note(const lw_power_source *src, char *out, size_t n)
{
    if (!src || !src->hung)
        return false;
    snprintf(out, n,
             "a call into the %s library began at %.2f s and never returned (a hung driver): its GPUs have no samples from then on, "
             "the results cover the run until then",
             lw_power_kind_name(src->kind), src->hung_at_s);
    return true;
}

lw_source_kind lw_power_kind(const lw_power_source *src)
{
    return src->kind;
}

const char *lw_power_no_source_remedy(void)
{
    return "Install the NVIDIA driver (libnvidia-ml.so.1) or point " LW_NVML_LIBRARY_ENV " at it, for AMD GPUs amdsmi "
           "(libamd_smi.so, or " LW_AMDSMI_LIBRARY_ENV ") or ROCm SMI (librocm_smi64.so.1, or " LW_ROCM_SMI_LIBRARY_ENV "), give read access to "
           "/sys/class/powercap/intel-rapl:*/energy_uj (root), or analyse a log with --replay LOG.";
}

const char *lw_power_kind_name(lw_source_kind kind)
{
    switch (kind) {
    case LW_SOURCE_NVML: return "nvml";
    case LW_SOURCE_RAPL: return "rapl";
    case LW_SOURCE_REPLAY: return "replay";
    case LW_SOURCE_DCGM: return "dcgm";
    case LW_SOURCE_ROCM_SMI: return "rocm_smi";
    case LW_SOURCE_AMDSMI: return "amdsmi";
    }
    return "unknown";
}

size_t lw_power_device_count(const lw_power_source *src)
{
    return src ? src->ndev : 0;
}

lw_status lw_power_device_info(const lw_power_source *src, size_t i, lw_device_info *out, lw_err *err)
{
    if (!src || i >= src->ndev)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "device %zu does not exist (%zu devices)", i, src ? src->ndev : 0);
    *out = src->info[i];
    return LW_OK;
}

lw_status lw_power_find_device(const lw_power_source *src, const char *id, size_t *i, lw_err *err)
{
    size_t n = src ? src->ndev : 0, len = strlen(id), hit = n, hits = 0;
    char *end;
    long idx = strtol(id, &end, 10);
    bool numeric = len > 0 && *end == '\0' && id[0] != '-' && id[0] != '+';
    for (size_t k = 0; k < n; k++) {
        const char *u = src->info[k].uuid;
        if (numeric ? src->info[k].index == idx : len > 0 && strncmp(u, id, len) == 0) {
            if (!numeric && strlen(u) == len) { /* a whole UUID beats prefixes of longer ones */
                *i = k;
                return LW_OK;
            }
            hit = k;
            hits++;
        }
    }
    if (hits == 1) {
        *i = hit;
        return LW_OK;
    }
    if (hits > 1)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "device '%s' is ambiguous: %zu UUIDs start with it", id, hits);
    if (n == 0)
        return lw_fail(err, LW_ERR_NOT_FOUND, "device '%s' does not exist: the source has no device", id);
    return lw_fail(err, LW_ERR_NOT_FOUND, "device '%s' does not exist (%s has %zu device(s): indices %d..%d%s%s)", id,
                   lw_power_kind_name(src->kind), n, src->info[0].index, src->info[n - 1].index, src->info[0].uuid[0] ? ", e.g. " : "",
                   src->info[0].uuid);
}

lw_status lw_power_read(lw_power_source *src, size_t i, lw_power_sample *out, lw_err *err)
{
    if (!src || i >= src->ndev)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "device %zu does not exist (%zu devices)", i, src ? src->ndev : 0);
    if (!src->ops || !src->ops->read)
        return lw_fail(err, LW_ERR_UNSUPPORTED, "a %s source cannot be read live; use its recorded series",
                       lw_power_kind_name(src->kind));
    *out = lw_power_sample_empty(lw_monotonic_ns());
    lw_status st = src->ops->read(src, i, out, err);
    /* stamped when the reading completed: a call that stalled returns values of its end */
    out->t_ns = lw_monotonic_ns();
    return st;
}

lw_status lw_power_replay_series(const lw_power_source *src, size_t i, const lw_power_sample **samples, size_t *n, lw_err *err)
{
    if (!src || src->kind != LW_SOURCE_REPLAY)
        return lw_fail(err, LW_ERR_UNSUPPORTED, "only a replay source has a recorded series");
    if (i >= src->ndev)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "device %zu does not exist (%zu devices)", i, src->ndev);
    return lw_replay_series(src, i, samples, n);
}

double lw_power_replay_start_unix(const lw_power_source *src)
{
    return src && src->kind == LW_SOURCE_REPLAY ? lw_replay_start_unix(src) : NAN;
}

lw_status lw_vendor_dlopen(const char *library, const char *env, const char *dflt, bool need_kfd, void **dl,
                           const char **name, lw_err *err)
{
    *dl = NULL;
    if (!library) {
        const char *v = getenv(env);
        if (v && *v)
            library = v;
        else if (need_kfd && access("/dev/kfd", F_OK) != 0)
            return lw_fail(err, LW_ERR_NO_DEVICE, "no AMD GPU (/dev/kfd does not exist)");
        else
            library = dflt;
    }
    *name = library;
    *dl = dlopen(library, RTLD_NOW | RTLD_LOCAL);
    if (!*dl) {
        const char *why = dlerror();
        return lw_fail(err, LW_ERR_NO_DEVICE, "cannot load %s (%s)", library, why ? why : "not found");
    }
    return LW_OK;
}
