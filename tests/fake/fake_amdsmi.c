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

#define MAXG 16
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
    int ngpu, fail_gpu, stalled, year, violation; /* violation: index into causes, -1 none, -2 unsupported */
    double power_w[MAXG], cap_w, res_uj, wrap_at, gain, back_j, back_at, fail_at, fail_until, stall_at, stall_s, hang_at,
        violation_at;
    struct timespec t0;
    char sockets[2], gpus[MAXG]; /* their addresses are the handles */
} S;

static double env_num(const char *name, double def)
{
    const char *v = getenv(name);
    return v && *v ? strtod(v, NULL) : def;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)(ts.tv_sec - S.t0.tv_sec) + (double)(ts.tv_nsec - S.t0.tv_nsec) / 1e9;
}

static void sleep_s(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - floor(s)) * 1e9)};
    nanosleep(&ts, NULL);
}

/* The GPU of a handle, or -1; blocks for an hour once FAKE_AMDSMI_HANG_AT_S has passed. */
static int gpu_of(void *h)
{
    long d = (char *)h - S.gpus;
    if (d < 0 || d >= S.ngpu)
        return -1;
    if (S.hang_at >= 0 && now_s() >= S.hang_at)
        sleep_s(3600);
    return (int)d;
}

/* The GPU of a handle that is answering, or -1 (unknown handle, or fallen off the bus). */
static int live(void *h)
{
    int d = gpu_of(h);
    double t = now_s();
    if (d < 0 || (d == S.fail_gpu && t >= S.fail_at && (S.fail_until < 0 || t < S.fail_until)))
        return -1;
    return d;
}

API amdsmi_status_t amdsmi_init(uint64_t flags)
{
    int code = (int)env_num("FAKE_AMDSMI_INIT_FAIL", 0);
    if (code)
        return (amdsmi_status_t)code;
    if (!(flags & (1u << 1))) /* AMDSMI_INIT_AMD_GPUS */
        return INVAL;
    S.ngpu = (int)env_num("FAKE_AMDSMI_GPUS", 1);
    if (S.ngpu < 0 || S.ngpu > MAXG)
        S.ngpu = 1;
    const char *p = getenv("FAKE_AMDSMI_POWER_W");
    double last = 250;
    for (int i = 0; i < S.ngpu; i++) {
        if (p && *p) {
            char *end;
            last = strtod(p, &end);
            p = *end == ',' ? end + 1 : NULL;
        }
        S.power_w[i] = last;
    }
    S.cap_w = env_num("FAKE_AMDSMI_CAP_W", 750);
    S.res_uj = env_num("FAKE_AMDSMI_RES_UJ", 15.259);
    S.year = (int)env_num("FAKE_AMDSMI_YEAR", 24);
    S.wrap_at = env_num("FAKE_AMDSMI_WRAP_AT_S", -1);
    S.gain = env_num("FAKE_AMDSMI_GAIN", 1);
    S.back_j = env_num("FAKE_AMDSMI_BACK_J", 0);
    S.back_at = env_num("FAKE_AMDSMI_BACK_AT_S", 0);
    S.fail_gpu = (int)env_num("FAKE_AMDSMI_FAIL_GPU", -1);
    S.fail_at = env_num("FAKE_AMDSMI_FAIL_AT_S", 0);
    S.fail_until = env_num("FAKE_AMDSMI_FAIL_UNTIL_S", -1);
    S.stall_at = env_num("FAKE_AMDSMI_STALL_AT_S", -1);
    S.stall_s = env_num("FAKE_AMDSMI_STALL_S", 1);
    S.hang_at = env_num("FAKE_AMDSMI_HANG_AT_S", -1);
    S.stalled = 0;
    const char *v = getenv("FAKE_AMDSMI_VIOLATION");
    S.violation = v && strcmp(v, "unsupported") == 0 ? -2 : -1;
    for (int k = 0; v && k < (int)(sizeof causes / sizeof *causes); k++)
        if (strcmp(v, causes[k]) == 0)
            S.violation = k;
    S.violation_at = env_num("FAKE_AMDSMI_VIOLATION_AT_S", 0);
    clock_gettime(CLOCK_MONOTONIC, &S.t0);
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
static int nsockets(void) { return S.ngpu > 1 ? 2 : 1; }
static int first_gpu(int s) { return s == 0 ? 0 : (S.ngpu + 1) / 2; }
static int end_gpu(int s) { return s == 0 && S.ngpu > 1 ? (S.ngpu + 1) / 2 : S.ngpu; }

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
    info->power_cap = info->default_power_cap = (uint64_t)llround(S.cap_w * 1e6); /* uW */
    return OK;
}

API amdsmi_status_t amdsmi_get_power_info(void *h, amdsmi_power_info_t *info)
{
    int d = live(h);
    if (d < 0)
        return NOT_FOUND;
    if (S.stall_at >= 0 && !S.stalled && now_s() >= S.stall_at) {
        S.stalled = 1;
        sleep_s(S.stall_s);
    }
    memset(info, 0, sizeof *info);
    info->current_socket_power = (uint32_t)llround(S.power_w[d]); /* W, MI300-style */
    info->average_socket_power = 0xFFFF;
    info->power_limit = (uint32_t)llround(S.cap_w * 1e6);
    return OK;
}

API amdsmi_status_t amdsmi_get_energy_count(void *h, uint64_t *count, float *res, uint64_t *ts)
{
    int d = live(h);
    if (d < 0)
        return NOT_FOUND;
    double t = now_s(), e_uj = S.gain * S.power_w[d] * t * 1e6;
    if (S.back_j > 0 && t >= S.back_at)
        e_uj -= S.back_j * 1e6;
    double ticks = floor(e_uj / S.res_uj);
    if (S.wrap_at >= 0) /* 32-bit accumulator that reaches 2^32 at wrap_at */
        ticks = fmod(ticks + (4294967296.0 - floor(S.gain * S.power_w[d] * S.wrap_at * 1e6 / S.res_uj)), 4294967296.0);
    else
        ticks += 1e9; /* energy since boot */
    *count = (uint64_t)ticks;
    *res = (float)S.res_uj;
    *ts = (uint64_t)(t * 1e9);
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
    double t = now_s();
    uint64_t *acc = &info->acc_prochot_thrm;
    info->reference_timestamp = (uint64_t)(t * 1e6);
    info->acc_counter = (uint64_t)(t * 1e3);
    for (int k = 0; k < (int)(sizeof causes / sizeof *causes); k++)
        acc[k] = k == S.violation && t > S.violation_at ? (uint64_t)((t - S.violation_at) * 1e3) : 0;
    return OK;
}
#endif
