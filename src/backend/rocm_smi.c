/* ROCm SMI backend: AMD Instinct/Radeon GPUs through librocm_smi64.so.1, dlopen'ed at run time
 * like NVML, so llmwatt runs without ROCm. The types and constants come from Debian's
 * librocm-smi-dev (<rocm_smi/rocm_smi.h>, ROCm 5.2); vendor units (microwatts, microjoules,
 * millidegrees, Hz) are converted to SI here.
 *
 * Energy: rsmi_dev_energy_count_get returns an accumulator in units of counter_resolution uJ
 * (15.3 uJ on MI100/MI200). The firmware accumulator of older parts is 32 bits wide and wraps
 * (at 500 W about every two minutes), so a decrease from the upper half of the 32-bit range to
 * the lower half is unwrapped here; any other decrease is passed on and the analysis treats it
 * as a reset. Throttle status is not read: ROCm 5.2's rsmi_gpu_metrics_t has only
 * throttle_status, whose bits the kernel marks ASIC dependent (unnamed per ASIC here), and the
 * struct's layout changes with ROCm releases (docs/measure.md). */
#include <dlfcn.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rocm_smi/rocm_smi.h>

#include "backend/source.h"
#include "core/util.h"

typedef struct rsmi_api {
    rsmi_status_t (*init)(uint64_t);
    rsmi_status_t (*shut_down)(void);
    rsmi_status_t (*status_string)(rsmi_status_t, const char **);
    rsmi_status_t (*num_devices)(uint32_t *);
    rsmi_status_t (*name)(uint32_t, char *, size_t);
    rsmi_status_t (*unique_id)(uint32_t, uint64_t *);
    rsmi_status_t (*power_ave)(uint32_t, uint32_t, uint64_t *);
    rsmi_status_t (*power_cap)(uint32_t, uint32_t, uint64_t *);
    rsmi_status_t (*energy_count)(uint32_t, uint64_t *, float *, uint64_t *);
    rsmi_status_t (*busy_percent)(uint32_t, uint32_t *);
    rsmi_status_t (*temp_metric)(uint32_t, uint32_t, rsmi_temperature_metric_t, int64_t *);
    rsmi_status_t (*clk_freq)(uint32_t, rsmi_clk_type_t, rsmi_frequencies_t *);
    rsmi_status_t (*version)(rsmi_version_t *);
    rsmi_status_t (*version_str)(rsmi_sw_component_t, char *, uint32_t);
} rsmi_api;

typedef struct rocm_state {
    void *dl;
    rsmi_api api;
    bool clock_layout_ok; /* the library's rsmi_frequencies_t is the one of our header */
    pthread_mutex_t mu;   /* guards the wrap state of every device */
    lw_wrap32 *dev;     /* per device: the accumulator's 32-bit wrap */
} rocm_state;

static void *sym(void *dl, const char *name)
{
    return dlsym(dl, name);
}

#define RESOLVE(field, name) memcpy(&api->field, &(void *){sym(dl, name)}, sizeof api->field)

static void resolve(void *dl, rsmi_api *api)
{
    RESOLVE(init, "rsmi_init");
    RESOLVE(shut_down, "rsmi_shut_down");
    RESOLVE(status_string, "rsmi_status_string");
    RESOLVE(num_devices, "rsmi_num_monitor_devices");
    RESOLVE(name, "rsmi_dev_name_get");
    RESOLVE(unique_id, "rsmi_dev_unique_id_get");
    RESOLVE(power_ave, "rsmi_dev_power_ave_get");
    RESOLVE(power_cap, "rsmi_dev_power_cap_get");
    RESOLVE(energy_count, "rsmi_dev_energy_count_get");
    RESOLVE(busy_percent, "rsmi_dev_busy_percent_get");
    RESOLVE(temp_metric, "rsmi_dev_temp_metric_get");
    RESOLVE(clk_freq, "rsmi_dev_gpu_clk_freq_get");
    RESOLVE(version, "rsmi_version_get");
    RESOLVE(version_str, "rsmi_version_str_get");
}

static const char *rsmi_msg(const rsmi_api *a, rsmi_status_t r)
{
    const char *s = NULL;
    if (!a->status_string || a->status_string(r, &s) != RSMI_STATUS_SUCCESS || !s)
        return "ROCm SMI error";
    return s;
}

static lw_status rocm_read(lw_power_source *src, size_t i, lw_power_sample *out, lw_err *err)
{
    (void)err;
    rocm_state *st = src->impl;
    const rsmi_api *a = &st->api;
    uint32_t d = (uint32_t)src->info[i].index;
    bool power_ok = false, energy_ok = false;
    uint64_t v, raw, ts;
    if (a->power_ave && a->power_ave(d, 0, &v) == RSMI_STATUS_SUCCESS) {
        out->power_w = (double)v / 1e6; /* uW -> W */
        power_ok = true;
    }
    float res;
    if (src->info[i].has_energy_counter && a->energy_count(d, &raw, &res, &ts) == RSMI_STATUS_SUCCESS && res > 0) {
        pthread_mutex_lock(&st->mu);
        out->energy_j = lw_wrap32_unwrap(&st->dev[i], raw) * (double)res / 1e6; /* uJ -> J */
        out->counter_wraps = st->dev[i].wraps;
        pthread_mutex_unlock(&st->mu);
        energy_ok = true;
    }
    uint32_t busy;
    if (a->busy_percent && a->busy_percent(d, &busy) == RSMI_STATUS_SUCCESS && busy <= 100)
        out->utilization = busy / 100.0;
    int64_t mc;
    if (a->temp_metric && a->temp_metric(d, RSMI_TEMP_TYPE_EDGE, RSMI_TEMP_CURRENT, &mc) == RSMI_STATUS_SUCCESS)
        out->temperature_c = (double)mc / 1000.0; /* millidegrees -> C */
    if (st->clock_layout_ok && a->clk_freq) {
        rsmi_frequencies_t f;
        if (a->clk_freq(d, RSMI_CLK_TYPE_SYS, &f) == RSMI_STATUS_SUCCESS && f.current < f.num_supported &&
            f.num_supported <= RSMI_MAX_NUM_FREQUENCIES)
            out->sm_clock_mhz = (double)f.frequency[f.current] / 1e6; /* Hz -> MHz */
    }
    out->ok = power_ok || energy_ok;
    return LW_OK;
}

static void rocm_close(lw_power_source *src)
{
    rocm_state *st = src->impl;
    if (!st)
        return;
    if (st->api.shut_down)
        st->api.shut_down();
    if (st->dl)
        dlclose(st->dl);
    pthread_mutex_destroy(&st->mu);
    free(st->dev);
    free(st);
}

static const lw_power_ops rocm_ops = {rocm_read, rocm_close};

static void describe(const rocm_state *st, uint32_t d, const char *driver, lw_device_info *info)
{
    const rsmi_api *a = &st->api;
    char buf[96];
    uint64_t v, raw, ts;
    float res;
    info->index = (int)d;
    info->kind = LW_DEVICE_GPU;
    if (a->name && a->name(d, buf, sizeof buf) == RSMI_STATUS_SUCCESS) {
        buf[sizeof buf - 1] = '\0';
        lw_strlcpy(info->name, buf, sizeof info->name);
    }
    if (a->unique_id && a->unique_id(d, &v) == RSMI_STATUS_SUCCESS)
        snprintf(info->uuid, sizeof info->uuid, "GPU-%016llx", (unsigned long long)v);
    lw_strlcpy(info->driver, driver, sizeof info->driver);
    info->power_limit_w = a->power_cap && a->power_cap(d, 0, &v) == RSMI_STATUS_SUCCESS && v > 0 ? (double)v / 1e6 : NAN;
    info->has_energy_counter = a->energy_count && a->energy_count(d, &raw, &res, &ts) == RSMI_STATUS_SUCCESS && res > 0;
    info->has_power = a->power_ave && a->power_ave(d, 0, &v) == RSMI_STATUS_SUCCESS;
}

lw_status lw_power_open_rocm_smi(const char *library, lw_power_source **out, lw_err *err)
{
    *out = NULL;
    if (!library) {
        const char *env = getenv(LW_ROCM_SMI_LIBRARY_ENV);
        /* the default library prints its own errors on stderr where there is no AMD driver, so
         * it is only tried where the amdgpu compute interface exists */
        if (!(env && *env) && access("/dev/kfd", F_OK) != 0)
            return lw_fail(err, LW_ERR_NO_DEVICE, "no AMD GPU (/dev/kfd does not exist)");
        library = env && *env ? env : "librocm_smi64.so.1";
    }
    void *dl = dlopen(library, RTLD_NOW | RTLD_LOCAL);
    if (!dl) {
        const char *why = dlerror();
        return lw_fail(err, LW_ERR_NO_DEVICE, "cannot load %s (%s)", library, why ? why : "not found");
    }
    rocm_state *st = calloc(1, sizeof *st);
    if (!st) {
        dlclose(dl);
        return lw_fail(err, LW_ERR_NO_MEMORY, "out of memory opening ROCm SMI");
    }
    st->dl = dl;
    pthread_mutex_init(&st->mu, NULL);
    resolve(dl, &st->api);
    rsmi_api *a = &st->api;
    lw_status ret = LW_OK;
    uint32_t n = 0;
    rsmi_status_t r;
    lw_power_source *src = NULL;
    if (!a->init || !a->num_devices || !a->energy_count) {
        ret = lw_fail(err, LW_ERR_NO_DEVICE, "%s lacks rsmi_init/rsmi_num_monitor_devices/rsmi_dev_energy_count_get: not a ROCm SMI library",
                      library);
        a->shut_down = NULL;
        goto fail;
    }
    if ((r = a->init(0)) != RSMI_STATUS_SUCCESS) {
        ret = lw_fail(err, LW_ERR_NO_DEVICE, "rsmi_init failed in %s: %s (error %d); is the amdgpu driver loaded?", library, rsmi_msg(a, r),
                      (int)r);
        a->shut_down = NULL;
        goto fail;
    }
    if ((r = a->num_devices(&n)) != RSMI_STATUS_SUCCESS || n == 0) {
        ret = r != RSMI_STATUS_SUCCESS ? lw_fail(err, LW_ERR_NO_DEVICE, "rsmi_num_monitor_devices failed: %s (error %d)", rsmi_msg(a, r), (int)r)
                                       : lw_fail(err, LW_ERR_NO_DEVICE, "ROCm SMI (%s) sees no GPU", library);
        goto fail;
    }
    /* rsmi_frequencies_t gained a leading field in ROCm 6: only a 5.x library fills our layout */
    rsmi_version_t ver;
    st->clock_layout_ok = a->version && a->version(&ver) == RSMI_STATUS_SUCCESS && ver.major < 6;
    st->dev = calloc(n, sizeof *st->dev);
    src = lw_power_source_new(LW_SOURCE_ROCM_SMI, &rocm_ops, n);
    if (!st->dev || !src) {
        ret = lw_fail(err, LW_ERR_NO_MEMORY, "out of memory opening ROCm SMI");
        goto fail;
    }
    char driver[64] = "";
    if (!a->version_str || a->version_str(RSMI_SW_COMP_DRIVER, driver, sizeof driver) != RSMI_STATUS_SUCCESS)
        driver[0] = '\0';
    driver[sizeof driver - 1] = '\0';
    for (uint32_t i = 0; i < n; i++)
        describe(st, i, driver, &src->info[i]);
    src->impl = st;
    *out = src;
    return LW_OK;
fail:
    if (src) {
        src->ops = NULL;
        lw_power_close(src);
    }
    if (a->shut_down)
        a->shut_down();
    dlclose(dl);
    pthread_mutex_destroy(&st->mu);
    free(st->dev);
    free(st);
    return ret;
}
