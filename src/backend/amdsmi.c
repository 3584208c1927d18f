/* amdsmi backend: AMD Instinct/Radeon GPUs through libamd_smi.so (ROCm 6 and later), dlopen'ed at
 * run time like NVML and ROCm SMI, so llmwatt builds and runs without ROCm. No amdsmi header is
 * needed: the few types used are declared here, with the ABI facts checked against the public
 * include/amd_smi/amdsmi.h of ROCm/amdsmi (library versions 24.x and 26.x):
 *
 *   amdsmi_status_t       enum, 0 = AMDSMI_STATUS_SUCCESS (unsigned int)
 *   handles               void * (amdsmi_socket_handle, amdsmi_processor_handle)
 *   amdsmi_init(uint64_t) with AMDSMI_INIT_AMD_GPUS = 1 << 1
 *   amdsmi_get_socket_handles(uint32_t *, void **), amdsmi_get_processor_handles(void *, uint32_t *, void **)
 *   amdsmi_get_processor_type(void *, processor_type_t *): AMDSMI_PROCESSOR_TYPE_AMD_GPU = 1
 *   amdsmi_get_energy_count(void *, uint64_t *accumulator, float *resolution_uJ, uint64_t *timestamp_ns)
 *   amdsmi_get_gpu_activity(void *, amdsmi_engine_usage_t *): first field uint32_t gfx_activity (%)
 *   amdsmi_get_clock_info(void *, amdsmi_clk_type_t, amdsmi_clk_info_t *): AMDSMI_CLK_TYPE_GFX = 0,
 *       first field uint32_t clk (MHz, averaged over 1 s)
 *   amdsmi_get_power_cap_info(void *, uint32_t sensor, amdsmi_power_cap_info_t *): first field
 *       uint64_t power_cap (uW)
 *   amdsmi_get_gpu_asic_info(void *, amdsmi_asic_info_t *): first field char market_name[256]
 *   amdsmi_get_gpu_device_uuid(void *, unsigned int *len, char *uuid) (len >= 38)
 *   amdsmi_get_gpu_driver_info(void *, amdsmi_driver_info_t *): first field char driver_version[256]
 *   amdsmi_get_temp_metric(void *, amdsmi_temperature_type_t, amdsmi_temperature_metric_t, int64_t *):
 *       AMDSMI_TEMPERATURE_TYPE_EDGE = 0, AMDSMI_TEMP_CURRENT = 0; degrees C (the header says
 *       millidegrees, but src/amd_smi/amd_smi.cc divides the sysfs millidegrees by 1000)
 *   amdsmi_get_lib_version(amdsmi_version_t *): 24.x {uint32_t year, major, minor, release; ...}
 *   amdsmi_get_power_info(void *, amdsmi_power_info_t *): in 24.x {uint32_t current_socket_power,
 *       average_socket_power, ...} in W, an unsupported member 0xFFFF (amd_smi.cc) or UINT32_MAX
 *       (header); 26.x put a uint64_t socket_power first, and 6.0 had no current_socket_power.
 *   power caps come from hwmon power1_cap, in uW.
 *   amdsmi_get_violation_status(void *, amdsmi_violation_status_t *) (ROCm 6.3 and later; MI300 and
 *       later ASICs, older ones answer not supported): in both layouts checked (library 24.7,
 *       October 2024, and 26.x) the struct starts with uint64_t reference_timestamp,
 *       violation_timestamp, acc_counter, acc_prochot_thrm, acc_ppt_pwr, acc_socket_thrm,
 *       acc_vr_thrm, acc_hbm_thrm (UINT64_MAX = unsupported). The per_* and active_* members
 *       after them moved (26.x inserted acc_gfx_clk_below_host_limit), so they are not read. The
 *       library reads gpu_metrics twice 100 ms apart inside the call (amd_smi.cc), so the call
 *       blocks for 100 ms.
 *
 * Structs are only read through their first members (which have stayed put across releases) and
 * the library writes into buffers far larger than any release's struct. The power struct moved
 * between releases, so it is read only where its layout is known (library year 24); elsewhere
 * power is the mean between two accumulator readings (energy step over the accumulator's own
 * timestamp step), so on those libraries "integrated" is not an independent check of the counter.
 * Energy: accumulator x resolution (uJ -> J), 32-bit wrap unwrapped as for ROCm SMI.
 * Throttling: the violation accumulators count, like acc_counter, firmware ticks spent in each
 * violation (amd_smi.cc derives per_* as their step over acc_counter's), so a cause whose
 * accumulator stepped between two of our calls was active in that interval. Because each call blocks 100 ms, it is made
 * at most once per VIOLATION_PERIOD_NS per GPU; the sample of that call carries the reasons of
 * the interval since the previous call (throttle_known), the samples in between carry none.
 * PROCHOT, socket, VR and HBM thermal violations are LW_THROTTLE_HW_THERMAL (the throttling
 * criterion fails); a PPT (power cap) violation is LW_THROTTLE_SW_POWER_CAP (reported only), as
 * NVML classifies them. Where the symbol is absent or the GPU answers not supported, throttling
 * stays unknown. */
#include <dlfcn.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/source.h"
#include "core/util.h"

typedef unsigned int amdsmi_status;
#define AMDSMI_OK 0u
#define AMDSMI_INIT_AMD_GPUS (1ull << 1)
#define AMDSMI_TYPE_AMD_GPU 1u
#define AMDSMI_CLK_GFX 0u
#define AMDSMI_TEMP_EDGE 0u
#define AMDSMI_TEMP_CURRENT 0u
#define UUID_LEN 96u
#define VIOLATION_PERIOD_NS 1000000000LL
#define VIOLATION_BUF_WORDS 8192u /* 64 KiB */

/* The leading uint64_t members of amdsmi_violation_status_t read (indices into the struct). */
enum { VIOL_COUNTER = 2, VIOL_PROCHOT, VIOL_PPT, VIOL_SOCKET, VIOL_VR, VIOL_HBM, VIOL_N };

/* Room for any release's struct: the largest one read (amdsmi_asic_info_t) is under 1 KiB. */
typedef union amdsmi_buf {
    uint64_t align;
    uint32_t u32[1024];
    unsigned char bytes[4096];
} amdsmi_buf;

typedef struct amdsmi_api {
    amdsmi_status (*init)(uint64_t);
    amdsmi_status (*shut_down)(void);
    amdsmi_status (*status_string)(amdsmi_status, const char **);
    amdsmi_status (*sockets)(uint32_t *, void **);
    amdsmi_status (*processors)(void *, uint32_t *, void **);
    amdsmi_status (*processor_type)(void *, unsigned int *);
    amdsmi_status (*energy)(void *, uint64_t *, float *, uint64_t *);
    amdsmi_status (*activity)(void *, void *);
    amdsmi_status (*clock)(void *, unsigned int, void *);
    amdsmi_status (*power_cap)(void *, uint32_t, void *);
    amdsmi_status (*power_info)(void *, void *);
    amdsmi_status (*asic_info)(void *, void *);
    amdsmi_status (*uuid)(void *, unsigned int *, char *);
    amdsmi_status (*driver_info)(void *, void *);
    amdsmi_status (*lib_version)(void *);
    amdsmi_status (*temperature)(void *, unsigned int, unsigned int, int64_t *);
    amdsmi_status (*violation)(void *, void *);
} amdsmi_api;

typedef struct amd_dev {
    void *handle;
    lw_wrap32 wrap;
    double last_ticks, last_res; /* previous reading, for the mean power (no power struct) */
    uint64_t last_ts;
    bool have_last;
    bool violation;               /* the GPU reports violation accumulators */
    uint64_t viol[VIOL_N];        /* their previous reading */
    bool have_viol;
    int64_t viol_next_ns;         /* no violation call before this sample time */
} amd_dev;

typedef struct amd_state {
    void *dl;
    amdsmi_api api;
    bool power_layout_24; /* the library's amdsmi_power_info_t is the 24.x one */
    pthread_mutex_t mu;   /* guards every device's accumulator state */
    amd_dev *dev;
} amd_state;

#define RESOLVE(field, name) memcpy(&api->field, &(void *){dlsym(dl, name)}, sizeof api->field)

static void resolve(void *dl, amdsmi_api *api)
{
    RESOLVE(init, "amdsmi_init");
    RESOLVE(shut_down, "amdsmi_shut_down");
    RESOLVE(status_string, "amdsmi_status_code_to_string");
    RESOLVE(sockets, "amdsmi_get_socket_handles");
    RESOLVE(processors, "amdsmi_get_processor_handles");
    RESOLVE(processor_type, "amdsmi_get_processor_type");
    RESOLVE(energy, "amdsmi_get_energy_count");
    RESOLVE(activity, "amdsmi_get_gpu_activity");
    RESOLVE(clock, "amdsmi_get_clock_info");
    RESOLVE(power_cap, "amdsmi_get_power_cap_info");
    RESOLVE(power_info, "amdsmi_get_power_info");
    RESOLVE(asic_info, "amdsmi_get_gpu_asic_info");
    RESOLVE(uuid, "amdsmi_get_gpu_device_uuid");
    RESOLVE(driver_info, "amdsmi_get_gpu_driver_info");
    RESOLVE(lib_version, "amdsmi_get_lib_version");
    RESOLVE(temperature, "amdsmi_get_temp_metric");
    RESOLVE(violation, "amdsmi_get_violation_status");
}

static const char *amd_msg(const amdsmi_api *a, amdsmi_status r)
{
    const char *s = NULL;
    if (!a->status_string || a->status_string(r, &s) != AMDSMI_OK || !s)
        return "amdsmi error";
    return s;
}

/* Board power in W from a 24.x amdsmi_power_info_t: current_socket_power (MI300 and later),
 * else average_socket_power (MI200 and earlier, Radeon); NAN when neither is reported. */
static double power_24(const amdsmi_buf *b)
{
    uint32_t cur = b->u32[0], avg = b->u32[1];
    if (cur != UINT32_MAX && cur != 0xFFFF && cur > 0)
        return (double)cur;
    return avg != UINT32_MAX && avg != 0xFFFF ? (double)avg : NAN;
}

/* The violation accumulators of GPU h into v; false when the call fails or the GPU reports none.
 * The 26.x struct is about 6 KiB (per-XCP/XCC arrays), so the library writes into a zeroed heap
 * buffer ten times that size. */
static bool read_violation(const amdsmi_api *a, void *h, uint64_t v[VIOL_N])
{
    if (!a->violation)
        return false;
    uint64_t *b = calloc(VIOLATION_BUF_WORDS, sizeof *b);
    bool ok = b && a->violation(h, b) == AMDSMI_OK && b[VIOL_COUNTER] != UINT64_MAX;
    if (ok)
        memcpy(v, b, VIOL_N * sizeof *v);
    free(b);
    return ok;
}

/* Throttle reasons of the interval since the previous violation reading, into out (with the
 * device lock held). Causes reported unsupported (UINT64_MAX) or whose accumulator went back
 * are left out; a counter that did not advance gives no reasons. */
static void violation_reasons(amd_dev *dv, const uint64_t v[VIOL_N], lw_power_sample *out)
{
    if (dv->have_viol && v[VIOL_COUNTER] > dv->viol[VIOL_COUNTER]) {
        uint64_t reasons = 0;
        for (int k = VIOL_PROCHOT; k < VIOL_N; k++)
            if (v[k] != UINT64_MAX && dv->viol[k] != UINT64_MAX && v[k] > dv->viol[k])
                reasons |= k == VIOL_PPT ? LW_THROTTLE_SW_POWER_CAP : LW_THROTTLE_HW_THERMAL;
        out->throttle_reasons = reasons;
        out->throttle_known = true;
    }
    memcpy(dv->viol, v, VIOL_N * sizeof *v);
    dv->have_viol = true;
}

static lw_status amd_read(lw_power_source *src, size_t i, lw_power_sample *out, lw_err *err)
{
    (void)err;
    amd_state *st = src->impl;
    const amdsmi_api *a = &st->api;
    amd_dev *dv = &st->dev[i];
    bool power_ok = false, energy_ok = false;
    amdsmi_buf b;
    if (st->power_layout_24 && a->power_info) {
        memset(&b, 0xff, sizeof b);
        if (a->power_info(dv->handle, &b) == AMDSMI_OK && isfinite(out->power_w = power_24(&b)))
            power_ok = true;
    }
    uint64_t raw, ts;
    float res;
    if (src->info[i].has_energy_counter && a->energy(dv->handle, &raw, &res, &ts) == AMDSMI_OK && res > 0) {
        pthread_mutex_lock(&st->mu);
        double ticks = lw_wrap32_unwrap(&dv->wrap, raw);
        out->energy_j = ticks * (double)res / 1e6; /* uJ -> J */
        out->counter_wraps = dv->wrap.wraps;
        if (!st->power_layout_24 && dv->have_last && ts > dv->last_ts && ticks >= dv->last_ticks) {
            out->power_w = (ticks - dv->last_ticks) * (double)res / 1e6 / ((double)(ts - dv->last_ts) / 1e9);
            power_ok = true;
        }
        dv->last_ticks = ticks;
        dv->last_ts = ts;
        dv->have_last = true;
        pthread_mutex_unlock(&st->mu);
        energy_ok = true;
    }
    memset(&b, 0, sizeof b);
    if (a->activity && a->activity(dv->handle, &b) == AMDSMI_OK && b.u32[0] <= 100)
        out->utilization = b.u32[0] / 100.0;
    memset(&b, 0, sizeof b);
    if (a->clock && a->clock(dv->handle, AMDSMI_CLK_GFX, &b) == AMDSMI_OK && b.u32[0] > 0 && b.u32[0] != UINT32_MAX)
        out->sm_clock_mhz = (double)b.u32[0];
    int64_t c;
    if (a->temperature && a->temperature(dv->handle, AMDSMI_TEMP_EDGE, AMDSMI_TEMP_CURRENT, &c) == AMDSMI_OK)
        out->temperature_c = (double)c;
    uint64_t v[VIOL_N];
    if (dv->violation && out->t_ns >= dv->viol_next_ns && read_violation(a, dv->handle, v)) {
        pthread_mutex_lock(&st->mu);
        violation_reasons(dv, v, out);
        dv->viol_next_ns = out->t_ns + VIOLATION_PERIOD_NS;
        pthread_mutex_unlock(&st->mu);
    }
    out->ok = power_ok || energy_ok;
    return LW_OK;
}

static void amd_close(lw_power_source *src)
{
    amd_state *st = src->impl;
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

static const lw_power_ops amd_ops = {amd_read, amd_close};

static void describe(amd_state *st, size_t k, lw_device_info *info)
{
    const amdsmi_api *a = &st->api;
    void *h = st->dev[k].handle;
    amdsmi_buf b;
    info->index = (int)k;
    info->kind = LW_DEVICE_GPU;
    memset(&b, 0, sizeof b);
    if (a->asic_info && a->asic_info(h, &b) == AMDSMI_OK) {
        b.bytes[255] = '\0'; /* market_name[256] */
        lw_strlcpy(info->name, (const char *)b.bytes, sizeof info->name);
    }
    char uuid[UUID_LEN] = "";
    unsigned int len = UUID_LEN;
    if (a->uuid && a->uuid(h, &len, uuid) == AMDSMI_OK) {
        uuid[UUID_LEN - 1] = '\0';
        snprintf(info->uuid, sizeof info->uuid, "%s", uuid);
    }
    memset(&b, 0, sizeof b);
    if (a->driver_info && a->driver_info(h, &b) == AMDSMI_OK) {
        b.bytes[255] = '\0'; /* driver_version[256] */
        lw_strlcpy(info->driver, (const char *)b.bytes, sizeof info->driver);
    }
    memset(&b, 0, sizeof b);
    uint64_t cap_uw;
    if (a->power_cap && a->power_cap(h, 0, &b) == AMDSMI_OK && (memcpy(&cap_uw, b.bytes, sizeof cap_uw), cap_uw > 0))
        info->power_limit_w = (double)cap_uw / 1e6; /* uW -> W */
    uint64_t raw, ts;
    float res;
    info->has_energy_counter = a->energy(h, &raw, &res, &ts) == AMDSMI_OK && res > 0;
    uint64_t v[VIOL_N];
    st->dev[k].violation = read_violation(a, h, v);
    memset(&b, 0xff, sizeof b);
    info->has_power = st->power_layout_24 ? a->power_info && a->power_info(h, &b) == AMDSMI_OK && isfinite(power_24(&b))
                                          : info->has_energy_counter;
}

/* Collects the GPU processor handles of every socket into st->dev; the count in *n. */
static lw_status enumerate(amd_state *st, const char *library, uint32_t *n, lw_err *err)
{
    const amdsmi_api *a = &st->api;
    uint32_t ns = 0, total = 0;
    amdsmi_status r;
    if ((r = a->sockets(&ns, NULL)) != AMDSMI_OK)
        return lw_fail(err, LW_ERR_NO_DEVICE, "amdsmi_get_socket_handles failed in %s: %s (error %u)", library, amd_msg(a, r), r);
    void **sockets = calloc(ns ? ns : 1, sizeof *sockets);
    if (!sockets)
        return lw_fail(err, LW_ERR_NO_MEMORY, "out of memory opening amdsmi");
    lw_status ret = LW_OK;
    if (ns && (r = a->sockets(&ns, sockets)) != AMDSMI_OK)
        ret = lw_fail(err, LW_ERR_NO_DEVICE, "amdsmi_get_socket_handles failed in %s: %s (error %u)", library, amd_msg(a, r), r);
    for (uint32_t s = 0; ret == LW_OK && s < ns; s++) {
        uint32_t np = 0;
        if (a->processors(sockets[s], &np, NULL) != AMDSMI_OK || np == 0)
            continue;
        void **procs = calloc(np, sizeof *procs);
        amd_dev *grown = procs ? realloc(st->dev, (total + np) * sizeof *grown) : NULL;
        if (!grown) {
            free(procs);
            ret = lw_fail(err, LW_ERR_NO_MEMORY, "out of memory opening amdsmi");
            break;
        }
        st->dev = grown;
        if (a->processors(sockets[s], &np, procs) == AMDSMI_OK)
            for (uint32_t p = 0; p < np; p++) {
                unsigned int type = AMDSMI_TYPE_AMD_GPU;
                if (a->processor_type && a->processor_type(procs[p], &type) != AMDSMI_OK)
                    continue;
                if (type != AMDSMI_TYPE_AMD_GPU)
                    continue;
                memset(&st->dev[total], 0, sizeof st->dev[total]);
                st->dev[total++].handle = procs[p];
            }
        free(procs);
    }
    free(sockets);
    *n = total;
    return ret;
}

lw_status lw_power_open_amdsmi(const char *library, lw_power_source **out, lw_err *err)
{
    *out = NULL;
    if (!library) {
        const char *env = getenv(LW_AMDSMI_LIBRARY_ENV);
        /* as ROCm SMI: only where the amdgpu compute interface exists */
        if (!(env && *env) && access("/dev/kfd", F_OK) != 0)
            return lw_fail(err, LW_ERR_NO_DEVICE, "no AMD GPU (/dev/kfd does not exist)");
        library = env && *env ? env : "libamd_smi.so";
    }
    void *dl = dlopen(library, RTLD_NOW | RTLD_LOCAL);
    if (!dl) {
        const char *why = dlerror();
        return lw_fail(err, LW_ERR_NO_DEVICE, "cannot load %s (%s)", library, why ? why : "not found");
    }
    amd_state *st = calloc(1, sizeof *st);
    if (!st) {
        dlclose(dl);
        return lw_fail(err, LW_ERR_NO_MEMORY, "out of memory opening amdsmi");
    }
    st->dl = dl;
    pthread_mutex_init(&st->mu, NULL);
    resolve(dl, &st->api);
    amdsmi_api *a = &st->api;
    lw_status ret = LW_OK;
    uint32_t n = 0;
    amdsmi_status r;
    lw_power_source *src = NULL;
    if (!a->init || !a->sockets || !a->processors || !a->energy) {
        ret = lw_fail(err, LW_ERR_NO_DEVICE,
                      "%s lacks amdsmi_init/amdsmi_get_socket_handles/amdsmi_get_processor_handles/amdsmi_get_energy_count: not an "
                      "amdsmi library",
                      library);
        a->shut_down = NULL;
        goto fail;
    }
    if ((r = a->init(AMDSMI_INIT_AMD_GPUS)) != AMDSMI_OK) {
        ret = lw_fail(err, LW_ERR_NO_DEVICE, "amdsmi_init failed in %s: %s (error %u); is the amdgpu driver loaded?", library,
                      amd_msg(a, r), r);
        a->shut_down = NULL;
        goto fail;
    }
    if ((ret = enumerate(st, library, &n, err)) != LW_OK)
        goto fail;
    if (n == 0) {
        ret = lw_fail(err, LW_ERR_NO_DEVICE, "amdsmi (%s) sees no GPU", library);
        goto fail;
    }
    amdsmi_buf v;
    memset(&v, 0, sizeof v);
    st->power_layout_24 = a->lib_version && a->lib_version(&v) == AMDSMI_OK && v.u32[0] == 24;
    src = lw_power_source_new(LW_SOURCE_AMDSMI, &amd_ops, n);
    if (!src) {
        ret = lw_fail(err, LW_ERR_NO_MEMORY, "out of memory opening amdsmi");
        goto fail;
    }
    for (uint32_t i = 0; i < n; i++)
        describe(st, i, &src->info[i]);
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
