/* NVML backend: libnvidia-ml is dlopen'ed at run time, so llmwatt builds and runs without the
 * NVIDIA driver or nvml.h. Only the types used are declared here (the nvtop pattern): versioned
 * symbols are tried first, optional ones may be missing (their fields then read NAN), and the
 * vendor units (mW, mJ, percent) are converted to SI once, in this file. */
#include <dlfcn.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "backend/source.h"
#include "core/util.h"

typedef int nvmlReturn_t;
typedef struct nvmlDevice_st *nvmlDevice_t;
typedef struct {
    unsigned int gpu;
    unsigned int memory;
} nvmlUtilization_t;

enum {
    NVML_SUCCESS = 0,
    NVML_ERROR_NOT_SUPPORTED = 3,
    NVML_ERROR_NO_PERMISSION = 4,
    NVML_ERROR_FUNCTION_NOT_FOUND = 13,
    NVML_ERROR_GPU_IS_LOST = 15
};
enum { NVML_CLOCK_SM = 1, NVML_TEMPERATURE_GPU = 0, NVML_STR_LEN = 96 };

typedef struct nvml_api {
    nvmlReturn_t (*init)(void);
    nvmlReturn_t (*shutdown)(void);
    const char *(*error_string)(nvmlReturn_t);
    nvmlReturn_t (*count)(unsigned int *);
    nvmlReturn_t (*handle_by_index)(unsigned int, nvmlDevice_t *);
    nvmlReturn_t (*name)(nvmlDevice_t, char *, unsigned int);
    nvmlReturn_t (*uuid)(nvmlDevice_t, char *, unsigned int);
    nvmlReturn_t (*driver_version)(char *, unsigned int);
    nvmlReturn_t (*power_limit)(nvmlDevice_t, unsigned int *);
    nvmlReturn_t (*power_usage)(nvmlDevice_t, unsigned int *);
    nvmlReturn_t (*total_energy)(nvmlDevice_t, unsigned long long *);
    nvmlReturn_t (*utilization)(nvmlDevice_t, nvmlUtilization_t *);
    nvmlReturn_t (*clock_info)(nvmlDevice_t, int, unsigned int *);
    nvmlReturn_t (*temperature)(nvmlDevice_t, int, unsigned int *);
    nvmlReturn_t (*clock_reasons)(nvmlDevice_t, unsigned long long *);
} nvml_api;

typedef struct nvml_state {
    void *dl;
    nvml_api api;
    nvmlDevice_t *dev;
} nvml_state;

/* dlsym returns void*; converting it to a function pointer is what POSIX requires to work. */
static void *sym(void *dl, const char *versioned, const char *plain)
{
    void *p = versioned ? dlsym(dl, versioned) : NULL;
    return p ? p : (plain ? dlsym(dl, plain) : NULL);
}

#define RESOLVE(field, versioned, plain) memcpy(&api->field, &(void *){sym(dl, versioned, plain)}, sizeof api->field)

static void resolve(void *dl, nvml_api *api)
{
    RESOLVE(init, "nvmlInit_v2", "nvmlInit");
    RESOLVE(shutdown, NULL, "nvmlShutdown");
    RESOLVE(error_string, NULL, "nvmlErrorString");
    RESOLVE(count, "nvmlDeviceGetCount_v2", "nvmlDeviceGetCount");
    RESOLVE(handle_by_index, "nvmlDeviceGetHandleByIndex_v2", "nvmlDeviceGetHandleByIndex");
    RESOLVE(name, NULL, "nvmlDeviceGetName");
    RESOLVE(uuid, NULL, "nvmlDeviceGetUUID");
    RESOLVE(driver_version, NULL, "nvmlSystemGetDriverVersion");
    RESOLVE(power_limit, NULL, "nvmlDeviceGetEnforcedPowerLimit");
    RESOLVE(power_usage, NULL, "nvmlDeviceGetPowerUsage");
    RESOLVE(total_energy, NULL, "nvmlDeviceGetTotalEnergyConsumption");
    RESOLVE(utilization, NULL, "nvmlDeviceGetUtilizationRates");
    RESOLVE(clock_info, NULL, "nvmlDeviceGetClockInfo");
    RESOLVE(temperature, NULL, "nvmlDeviceGetTemperature");
    /* NVML >= 12.2 name first; the "Throttle" name is the deprecated alias of older drivers. */
    RESOLVE(clock_reasons, "nvmlDeviceGetCurrentClocksEventReasons", "nvmlDeviceGetCurrentClocksThrottleReasons");
}

static const char *nvml_msg(const nvml_api *api, nvmlReturn_t r)
{
    const char *s = api->error_string ? api->error_string(r) : NULL;
    return s ? s : "NVML error";
}

static lw_status nvml_read(lw_power_source *src, size_t i, lw_power_sample *out, lw_err *err)
{
    (void)err;
    nvml_state *st = src->impl;
    const nvml_api *a = &st->api;
    nvmlDevice_t d = st->dev[i];
    bool lost = false, any = false;
    nvmlReturn_t r;
    unsigned int u;
    unsigned long long ull;
    if (a->power_usage) {
        r = a->power_usage(d, &u);
        if (r == NVML_SUCCESS) {
            out->power_w = u / 1000.0; /* mW -> W */
            any = true;
        }
        lost |= r == NVML_ERROR_GPU_IS_LOST;
    }
    if (a->total_energy && src->info[i].has_energy_counter) {
        r = a->total_energy(d, &ull);
        if (r == NVML_SUCCESS) {
            out->energy_j = (double)ull / 1000.0; /* mJ -> J */
            any = true;
        }
        lost |= r == NVML_ERROR_GPU_IS_LOST;
    }
    nvmlUtilization_t ut;
    if (a->utilization && (r = a->utilization(d, &ut)) == NVML_SUCCESS)
        out->utilization = ut.gpu / 100.0; /* percent -> fraction */
    if (a->clock_info && (r = a->clock_info(d, NVML_CLOCK_SM, &u)) == NVML_SUCCESS)
        out->sm_clock_mhz = u;
    if (a->temperature && (r = a->temperature(d, NVML_TEMPERATURE_GPU, &u)) == NVML_SUCCESS)
        out->temperature_c = u;
    if (a->clock_reasons && (r = a->clock_reasons(d, &ull)) == NVML_SUCCESS) {
        out->throttle_reasons = (uint64_t)ull;
        out->throttle_known = true;
    }
    out->ok = any && !lost;
    return LW_OK;
}

static void nvml_close(lw_power_source *src)
{
    nvml_state *st = src->impl;
    if (!st)
        return;
    if (st->api.shutdown)
        st->api.shutdown();
    if (st->dl)
        dlclose(st->dl);
    free(st->dev);
    free(st);
}

static const lw_power_ops nvml_ops = {nvml_read, nvml_close};

static void describe(nvml_state *st, nvmlDevice_t d, unsigned int idx, const char *driver, lw_device_info *info)
{
    const nvml_api *a = &st->api;
    char buf[NVML_STR_LEN];
    unsigned int mw;
    unsigned long long mj;
    info->index = (int)idx;
    info->kind = LW_DEVICE_GPU;
    if (a->name && a->name(d, buf, sizeof buf) == NVML_SUCCESS)
        lw_strlcpy(info->name, buf, sizeof info->name);
    if (a->uuid && a->uuid(d, buf, sizeof buf) == NVML_SUCCESS)
        lw_strlcpy(info->uuid, buf, sizeof info->uuid);
    lw_strlcpy(info->driver, driver, sizeof info->driver);
    info->power_limit_w = a->power_limit && a->power_limit(d, &mw) == NVML_SUCCESS ? mw / 1000.0 : NAN;
    /* NOT_SUPPORTED before Volta: the counter path is then disabled and power is integrated. */
    info->has_energy_counter = a->total_energy && a->total_energy(d, &mj) == NVML_SUCCESS;
    info->has_power = a->power_usage && a->power_usage(d, &mw) == NVML_SUCCESS;
}

lw_status lw_power_open_nvml(const char *library, lw_power_source **out, lw_err *err)
{
    *out = NULL;
    void *dl;
    lw_status ls = lw_vendor_dlopen(library, LW_NVML_LIBRARY_ENV, "libnvidia-ml.so.1", false, &dl, &library, err);
    if (ls != LW_OK)
        return ls;
    nvml_state *st = calloc(1, sizeof *st);
    if (!st) {
        dlclose(dl);
        return lw_fail(err, LW_ERR_NO_MEMORY, "out of memory opening NVML");
    }
    st->dl = dl;
    resolve(dl, &st->api);
    nvml_api *a = &st->api;
    lw_status ret = LW_OK;
    unsigned int n = 0;
    nvmlReturn_t r;
    lw_power_source *src = NULL;
    if (!a->init || !a->count || !a->handle_by_index) {
        ret = lw_fail(err, LW_ERR_NO_DEVICE, "%s lacks nvmlInit/nvmlDeviceGetCount/nvmlDeviceGetHandleByIndex: not an NVML library", library);
        a->shutdown = NULL;
        goto fail;
    }
    if ((r = a->init()) != NVML_SUCCESS) {
        ret = lw_fail(err, LW_ERR_NO_DEVICE, "nvmlInit failed in %s: %s (error %d); is the NVIDIA driver loaded?", library,
                      nvml_msg(a, r), r);
        a->shutdown = NULL;
        goto fail;
    }
    if ((r = a->count(&n)) != NVML_SUCCESS || n == 0) {
        ret = r != NVML_SUCCESS ? lw_fail(err, LW_ERR_NO_DEVICE, "nvmlDeviceGetCount failed: %s (error %d)", nvml_msg(a, r), r)
                                : lw_fail(err, LW_ERR_NO_DEVICE, "NVML (%s) sees no GPU", library);
        goto fail;
    }
    st->dev = calloc(n, sizeof *st->dev);
    src = lw_power_source_new(LW_SOURCE_NVML, &nvml_ops, n);
    if (!st->dev || !src) {
        ret = lw_fail(err, LW_ERR_NO_MEMORY, "out of memory opening NVML");
        goto fail;
    }
    char driver[NVML_STR_LEN] = "";
    if (a->driver_version && a->driver_version(driver, sizeof driver) != NVML_SUCCESS)
        driver[0] = '\0';
    for (unsigned int i = 0; i < n; i++) {
        if ((r = a->handle_by_index(i, &st->dev[i])) != NVML_SUCCESS) {
            ret = lw_fail(err, LW_ERR_NO_DEVICE, "nvmlDeviceGetHandleByIndex(%u) failed: %s (error %d)", i, nvml_msg(a, r), r);
            goto fail;
        }
        describe(st, st->dev[i], i, driver, &src->info[i]);
    }
    src->impl = st;
    *out = src;
    return LW_OK;
fail:
    if (src) {
        src->ops = NULL;
        lw_power_close(src);
    }
    if (a->shutdown)
        a->shutdown();
    dlclose(dl);
    free(st->dev);
    free(st);
    return ret;
}
