/* A fake libamd_smi for tests, loaded by src/backend/amdsmi.c through the same dlopen path
 * ($LLMWATT_AMDSMI_LIBRARY). It exports the amdsmi functions the backend resolves, with the
 * argument types of ROCm/amdsmi's include/amd_smi/amdsmi.h (24.x); structs are written in their
 * 24.x layout. Its GPUs follow a script in environment variables read at amdsmi_init; t is
 * seconds since amdsmi_init:
 *   FAKE_AMDSMI_INIT_FAIL=CODE   amdsmi_init returns CODE (18 = AMDSMI_STATUS_INIT_ERROR)
 *   FAKE_AMDSMI_GPUS=N           number of GPUs (default 1), on two sockets when N > 1
 *   FAKE_AMDSMI_POWER_W=P0,P1..  power of each GPU in W (default 250; the last value repeats)
 *   FAKE_AMDSMI_CAP_W=W          power cap (default 750, an MI300X OAM's TBP)
 *   FAKE_AMDSMI_RES_UJ=R         energy counter resolution in uJ (default 15.259)
 *   FAKE_AMDSMI_YEAR=Y           amdsmi_get_lib_version's year (default 24; another year: the
 *                                backend cannot trust amdsmi_get_power_info's layout)
 *   FAKE_AMDSMI_WRAP_AT_S=t      the accumulator is 32 bits wide and wraps at t
 *   FAKE_AMDSMI_GAIN=G           the accumulator reads G x the true energy (implausible when large)
 *   FAKE_AMDSMI_BACK_J=E         the accumulator steps back by E J at FAKE_AMDSMI_BACK_AT_S
 *   FAKE_AMDSMI_FAIL_GPU=i       GPU i answers AMDSMI_STATUS_NOT_FOUND (fell off the bus) from
 *                                FAKE_AMDSMI_FAIL_AT_S until FAKE_AMDSMI_FAIL_UNTIL_S (default never back)
 *   FAKE_AMDSMI_STALL_AT_S=t     the first power reading at or after t blocks FAKE_AMDSMI_STALL_S (default 1)
 *   FAKE_AMDSMI_HANG_AT_S=t      from t on, every call on a GPU blocks for an hour (a hung driver)
 *   FAKE_AMDSMI_VIOLATION=CAUSE  amdsmi_get_violation_status reports every GPU in violation CAUSE
 *                                (prochot, ppt, socket, vr or hbm) from FAKE_AMDSMI_VIOLATION_AT_S
 *                                (default 0): its accumulator then steps with acc_counter (1 per ms);
 *                                "unsupported" answers AMDSMI_STATUS_NOT_SUPPORTED (a pre-MI300 ASIC)
 * Built with FAKE_AMDSMI_NO_VIOLATION (fake_amdsmi_old.c) it lacks amdsmi_get_violation_status,
 * as libraries before ROCm 6.3 do. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fake_amd_common.h"

#define API __attribute__((visibility("default")))

typedef unsigned int amdsmi_status_t;
enum { OK = 0, INVAL = 1, NOT_SUPPORTED = 2, NOT_FOUND = 31, INIT_ERROR = 18 };

/* amdsmi.h 24.x layouts of the structs the backend reads */
typedef struct {
    uint32_t current_socket_power, average_socket_power, gfx_voltage, soc_voltage, mem_voltage, power_limit, reserved[11];
} amdsmi_power_info_t;
typedef struct {
    uint32_t gfx_activity, umc_activity, mm_activity, reserved[13];
} amdsmi_engine_usage_t;
typedef struct {
    uint32_t clk, min_clk, max_clk;
    uint8_t clk_locked, clk_deep_sleep;
    uint32_t reserved[4];
} amdsmi_clk_info_t;
typedef struct {
    uint64_t power_cap, default_power_cap, dpm_cap, min_power_cap, max_power_cap, reserved[3];
} amdsmi_power_cap_info_t;
typedef struct {
    char market_name[256];
    uint32_t vendor_id;
    char vendor_name[256];
} amdsmi_asic_info_t;
typedef struct {
    char driver_version[256], driver_date[256], driver_name[256];
} amdsmi_driver_info_t;
typedef struct {
    uint32_t year, major, minor, release;
    const char *build;
} amdsmi_version_t;
typedef struct { /* 24.7 (ROCm 6.3) layout */
    uint64_t reference_timestamp, violation_timestamp, acc_counter, acc_prochot_thrm, acc_ppt_pwr, acc_socket_thrm,
        acc_vr_thrm, acc_hbm_thrm, per_prochot_thrm, per_ppt_pwr, per_socket_thrm, per_vr_thrm, per_hbm_thrm;
    uint8_t active_prochot_thrm, active_ppt_pwr, active_socket_thrm, active_vr_thrm, active_hbm_thrm;
    uint64_t reserved[30];
} amdsmi_violation_status_t;

/* FAKE_AMDSMI_VIOLATION causes, in the order of the struct's accumulators */
static const char *const causes[] = {"prochot", "ppt", "socket", "vr", "hbm"};

static struct {
    fake_amd g;
    int year, violation; /* violation: index into causes, -1 none, -2 unsupported */
    double violation_at;
    char sockets[2], gpus[FAKE_AMD_MAXG]; /* their addresses are the handles */
} S;

/* The GPU of a handle, or -1; blocks for an hour once FAKE_AMDSMI_HANG_AT_S has passed. */
static int gpu_of(void *h)
{
    long d = (char *)h - S.gpus;
    if (d < 0 || d >= S.g.ngpu)
        return -1;
    fake_amd_hang(&S.g);
    return (int)d;
}

/* The GPU of a handle that is answering, or -1 (unknown handle, or fallen off the bus). */
static int live(void *h)
{
    int d = gpu_of(h);
    if (d < 0 || fake_amd_lost(&S.g, d))
        return -1;
    return d;
}

API amdsmi_status_t amdsmi_init(uint64_t flags)
{
    int code = (int)fake_amd_env("FAKE_AMDSMI_", "INIT_FAIL", 0);
    if (code)
        return (amdsmi_status_t)code;
    if (!(flags & (1u << 1))) /* AMDSMI_INIT_AMD_GPUS */
        return INVAL;
    fake_amd_load(&S.g, "FAKE_AMDSMI_", 750, 15.259);
    S.year = (int)fake_amd_env("FAKE_AMDSMI_", "YEAR", 24);
    const char *v = getenv("FAKE_AMDSMI_VIOLATION");
    S.violation = v && strcmp(v, "unsupported") == 0 ? -2 : -1;
    for (int k = 0; v && k < (int)(sizeof causes / sizeof *causes); k++)
        if (strcmp(v, causes[k]) == 0)
            S.violation = k;
    S.violation_at = fake_amd_env("FAKE_AMDSMI_", "VIOLATION_AT_S", 0);
    return OK;
}

API amdsmi_status_t amdsmi_shut_down(void)
{
    return OK;
}

API amdsmi_status_t amdsmi_status_code_to_string(amdsmi_status_t status, const char **s)
{
    *s = status == INIT_ERROR ? "AMDSMI_STATUS_INIT_ERROR: fake init failure" : "AMDSMI_STATUS_NOT_FOUND: fake";
    return OK;
}

API amdsmi_status_t amdsmi_get_lib_version(amdsmi_version_t *v)
{
    v->year = (uint32_t)S.year;
    v->major = 7;
    v->minor = 0;
    v->release = 0;
    v->build = "fake";
    return OK;
}

/* GPUs 0..ceil(n/2)-1 on socket 0, the rest on socket 1 */
static int nsockets(void) { return S.g.ngpu > 1 ? 2 : 1; }
static int first_gpu(int s) { return s == 0 ? 0 : (S.g.ngpu + 1) / 2; }
static int end_gpu(int s) { return s == 0 && S.g.ngpu > 1 ? (S.g.ngpu + 1) / 2 : S.g.ngpu; }

API amdsmi_status_t amdsmi_get_socket_handles(uint32_t *count, void **handles)
{
    if (handles) {
        if (*count < (uint32_t)nsockets())
            return INVAL;
        for (int s = 0; s < nsockets(); s++)
            handles[s] = &S.sockets[s];
    }
    *count = (uint32_t)nsockets();
    return OK;
}

API amdsmi_status_t amdsmi_get_processor_handles(void *socket, uint32_t *count, void **handles)
{
    long s = (char *)socket - S.sockets;
    if (s < 0 || s >= nsockets())
        return INVAL;
    uint32_t n = (uint32_t)(end_gpu((int)s) - first_gpu((int)s));
    if (handles) {
        if (*count < n)
            return INVAL;
        for (uint32_t k = 0; k < n; k++)
            handles[k] = &S.gpus[first_gpu((int)s) + (int)k];
    }
    *count = n;
    return OK;
}

API amdsmi_status_t amdsmi_get_processor_type(void *h, unsigned int *type)
{
    if (gpu_of(h) < 0)
        return INVAL;
    *type = 1; /* AMDSMI_PROCESSOR_TYPE_AMD_GPU */
    return OK;
}

API amdsmi_status_t amdsmi_get_gpu_asic_info(void *h, amdsmi_asic_info_t *info)
{
    int d = gpu_of(h);
    if (d < 0)
        return INVAL;
    memset(info, 0, sizeof *info);
    snprintf(info->market_name, sizeof info->market_name, "Fake AMD Instinct MI300X %d", d);
    info->vendor_id = 0x1002;
    return OK;
}

API amdsmi_status_t amdsmi_get_gpu_device_uuid(void *h, unsigned int *len, char *uuid)
{
    int d = gpu_of(h);
    if (d < 0 || *len < 38)
        return INVAL;
    snprintf(uuid, *len, "a1ff74a1-0000-1000-80fa-4e00000000%02d", d);
    *len = (unsigned int)strlen(uuid);
    return OK;
}

API amdsmi_status_t amdsmi_get_gpu_driver_info(void *h, amdsmi_driver_info_t *info)
{
    if (gpu_of(h) < 0)
        return INVAL;
    memset(info, 0, sizeof *info);
    snprintf(info->driver_version, sizeof info->driver_version, "6.8.5-fake");
    snprintf(info->driver_name, sizeof info->driver_name, "amdgpu");
    return OK;
}

API amdsmi_status_t amdsmi_get_power_cap_info(void *h, uint32_t sensor, amdsmi_power_cap_info_t *info)
{
    (void)sensor;
    if (gpu_of(h) < 0)
        return INVAL;
    memset(info, 0, sizeof *info);
    info->power_cap = info->default_power_cap = (uint64_t)llround(S.g.cap_w * 1e6); /* uW */
    return OK;
}

API amdsmi_status_t amdsmi_get_power_info(void *h, amdsmi_power_info_t *info)
{
    int d = live(h);
    if (d < 0)
        return NOT_FOUND;
    fake_amd_stall(&S.g);
    memset(info, 0, sizeof *info);
    info->current_socket_power = (uint32_t)llround(S.g.power_w[d]); /* W, MI300-style */
    info->average_socket_power = 0xFFFF;
    info->power_limit = (uint32_t)llround(S.g.cap_w * 1e6);
    return OK;
}

API amdsmi_status_t amdsmi_get_energy_count(void *h, uint64_t *count, float *res, uint64_t *ts)
{
    int d = live(h);
    if (d < 0)
        return NOT_FOUND;
    *count = fake_amd_energy(&S.g, d, ts);
    *res = (float)S.g.res_uj;
    return OK;
}

API amdsmi_status_t amdsmi_get_gpu_activity(void *h, amdsmi_engine_usage_t *info)
{
    if (live(h) < 0)
        return NOT_FOUND;
    memset(info, 0, sizeof *info);
    info->gfx_activity = 97;
    info->umc_activity = 40;
    return OK;
}

API amdsmi_status_t amdsmi_get_clock_info(void *h, unsigned int type, amdsmi_clk_info_t *info)
{
    if (live(h) < 0)
        return NOT_FOUND;
    memset(info, 0, sizeof *info);
    info->clk = type == 0 ? 2100 : 1300; /* GFX, else MEM (MHz) */
    info->max_clk = 2100;
    return OK;
}

API amdsmi_status_t amdsmi_get_temp_metric(void *h, unsigned int type, unsigned int metric, int64_t *c)
{
    (void)type;
    (void)metric;
    int d = live(h);
    if (d < 0)
        return NOT_FOUND;
    *c = 60 + d; /* degrees C, as amd_smi.cc returns them */
    return OK;
}

#ifndef FAKE_AMDSMI_NO_VIOLATION
API amdsmi_status_t amdsmi_get_violation_status(void *h, amdsmi_violation_status_t *info)
{
    if (live(h) < 0)
        return NOT_FOUND;
    memset(info, 0xff, sizeof *info); /* UINT64_MAX / UINT8_MAX: unsupported, as amd_smi.cc starts */
    if (S.violation == -2)
        return NOT_SUPPORTED;
    double t = fake_amd_now_s(&S.g);
    uint64_t *acc = &info->acc_prochot_thrm;
    info->reference_timestamp = (uint64_t)(t * 1e6);
    info->acc_counter = (uint64_t)(t * 1e3);
    for (int k = 0; k < (int)(sizeof causes / sizeof *causes); k++)
        acc[k] = k == S.violation && t > S.violation_at ? (uint64_t)((t - S.violation_at) * 1e3) : 0;
    return OK;
}
#endif
