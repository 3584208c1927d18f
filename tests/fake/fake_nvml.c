/* A fake libnvidia-ml for tests, loaded by src/backend/nvml.c through the same dlopen path
 * ($LLMWATT_NVML_LIBRARY). Its GPUs follow a script given in environment variables, read at
 * nvmlInit; time t is seconds since nvmlInit (CLOCK_MONOTONIC):
 *   FAKE_NVML_INIT_FAIL=CODE   nvmlInit returns CODE (e.g. 9 = DRIVER_NOT_LOADED)
 *   FAKE_NVML_GPUS=N           number of GPUs (default 1)
 *   FAKE_NVML_POWER_W=P0,P1..  power of each GPU in W (default 250; the last value repeats)
 *   FAKE_NVML_SWING_W=A        square wave: power is P+A for the first half of each period, P-A after
 *   FAKE_NVML_PERIOD_S=T       period of the square wave (default 1)
 *   FAKE_NVML_UTIL=PCT         utilisation in percent (default 95)
 *   FAKE_NVML_NO_ENERGY=1      the energy counter answers NOT_SUPPORTED (pre-Volta)
 *   FAKE_NVML_ENERGY_GAIN=G    the counter reads G x the true energy (default 1)
 *   FAKE_NVML_RESET_AT_S=t     the counter restarts from 0 at t (driver reload)
 *   FAKE_NVML_THROTTLE=MASK    clock-event reasons reported from FAKE_NVML_THROTTLE_AT_S (default 0 s)
 *   FAKE_NVML_FAIL_GPU=i       GPU i answers GPU_IS_LOST from FAKE_NVML_FAIL_AT_S on
 *   FAKE_NVML_FAIL_UNTIL_S=t   ... until t, then answers again (default: never again)
 *   FAKE_NVML_BACK_J=E         the counter steps back by E J at FAKE_NVML_BACK_AT_S (a glitch, not a reset)
 *   FAKE_NVML_STALL_AT_S=t     the first power reading at or after t blocks for FAKE_NVML_STALL_S (default 1)
 *   FAKE_NVML_HANG_AT_S=t      every power reading at or after t blocks for an hour (a hung driver)
 * The counter starts at 1,000,000 J (energy since driver load) plus the script's energy.
 * Built with -DFAKE_NVML_OLD (fake_nvml_old.c) it mimics an old driver: only unversioned
 * symbols, "Throttle" instead of "ClocksEvent", and no nvmlDeviceGetTotalEnergyConsumption. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAXG 16
#define API __attribute__((visibility("default")))

typedef int nvmlReturn_t;
typedef struct fake_gpu *nvmlDevice_t;
typedef struct {
    unsigned int gpu, memory;
} nvmlUtilization_t;

struct fake_gpu {
    unsigned int index;
    double power_w;
};

static struct {
    int ngpu;
    struct fake_gpu gpu[MAXG];
    double swing_w, period_s, util, gain, reset_at, throttle_at, fail_at, fail_until, back_j, back_at, stall_at, stall_s, hang_at;
    int no_energy, fail_gpu, stalled;
    unsigned long long throttle;
    struct timespec t0;
    int inited;
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

/* Power of g at t and its integral from 0 to t (square wave around the base power). */
static double power_at(const struct fake_gpu *g, double t)
{
    double f = fmod(t, S.period_s);
    return g->power_w + (f < S.period_s / 2 ? S.swing_w : -S.swing_w);
}

#ifndef FAKE_NVML_OLD
static double energy_to(const struct fake_gpu *g, double t)
{
    double f = fmod(t, S.period_s), half = S.period_s / 2;
    return g->power_w * t + S.swing_w * (f < half ? f : S.period_s - f);
}
#endif

static int lost(const struct fake_gpu *g)
{
    double t = now_s();
    return (int)g->index == S.fail_gpu && t >= S.fail_at && (S.fail_until < 0 || t < S.fail_until);
}

static nvmlReturn_t init(void)
{
    int code = (int)env_num("FAKE_NVML_INIT_FAIL", 0);
    if (code)
        return code;
    S.ngpu = (int)env_num("FAKE_NVML_GPUS", 1);
    if (S.ngpu < 0 || S.ngpu > MAXG)
        S.ngpu = 1;
    const char *p = getenv("FAKE_NVML_POWER_W");
    double last = 250;
    for (int i = 0; i < S.ngpu; i++) {
        if (p && *p) {
            char *end;
            last = strtod(p, &end);
            p = *end == ',' ? end + 1 : NULL;
        }
        S.gpu[i].index = (unsigned int)i;
        S.gpu[i].power_w = last;
    }
    S.swing_w = env_num("FAKE_NVML_SWING_W", 0);
    S.period_s = env_num("FAKE_NVML_PERIOD_S", 1);
    S.util = env_num("FAKE_NVML_UTIL", 95);
    S.no_energy = (int)env_num("FAKE_NVML_NO_ENERGY", 0);
    S.gain = env_num("FAKE_NVML_ENERGY_GAIN", 1);
    S.reset_at = env_num("FAKE_NVML_RESET_AT_S", -1);
    S.throttle = strtoull(getenv("FAKE_NVML_THROTTLE") ? getenv("FAKE_NVML_THROTTLE") : "0", NULL, 0);
    S.throttle_at = env_num("FAKE_NVML_THROTTLE_AT_S", 0);
    S.fail_gpu = (int)env_num("FAKE_NVML_FAIL_GPU", -1);
    S.fail_at = env_num("FAKE_NVML_FAIL_AT_S", 0);
    S.fail_until = env_num("FAKE_NVML_FAIL_UNTIL_S", -1);
    S.back_j = env_num("FAKE_NVML_BACK_J", 0);
    S.back_at = env_num("FAKE_NVML_BACK_AT_S", 0);
    S.stall_at = env_num("FAKE_NVML_STALL_AT_S", -1);
    S.stall_s = env_num("FAKE_NVML_STALL_S", 1);
    S.hang_at = env_num("FAKE_NVML_HANG_AT_S", -1);
    S.stalled = 0;
    clock_gettime(CLOCK_MONOTONIC, &S.t0);
    S.inited = 1;
    return 0;
}

#ifdef FAKE_NVML_OLD
API nvmlReturn_t nvmlInit(void) { return init(); }
#else
API nvmlReturn_t nvmlInit_v2(void) { return init(); }
#endif

API nvmlReturn_t nvmlShutdown(void)
{
    S.inited = 0;
    return 0;
}

API const char *nvmlErrorString(nvmlReturn_t r)
{
    switch (r) {
    case 3: return "Not Supported";
    case 9: return "Driver Not Loaded";
    case 15: return "GPU is lost";
    }
    return "Unknown Error";
}

static nvmlReturn_t count(unsigned int *n)
{
    if (!S.inited)
        return 1;
    *n = (unsigned int)S.ngpu;
    return 0;
}

static nvmlReturn_t handle(unsigned int i, nvmlDevice_t *d)
{
    if (!S.inited)
        return 1;
    if ((int)i >= S.ngpu)
        return 2;
    *d = &S.gpu[i];
    return 0;
}

#ifdef FAKE_NVML_OLD
API nvmlReturn_t nvmlDeviceGetCount(unsigned int *n) { return count(n); }
API nvmlReturn_t nvmlDeviceGetHandleByIndex(unsigned int i, nvmlDevice_t *d) { return handle(i, d); }
#else
API nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *n) { return count(n); }
API nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int i, nvmlDevice_t *d) { return handle(i, d); }
#endif

API nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t d, char *buf, unsigned int n)
{
    snprintf(buf, n, "Fake GPU %u", d->index);
    return 0;
}

API nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t d, char *buf, unsigned int n)
{
    snprintf(buf, n, "GPU-fake-%04u", d->index);
    return 0;
}

API nvmlReturn_t nvmlSystemGetDriverVersion(char *buf, unsigned int n)
{
    snprintf(buf, n, "%s", "999.99-fake");
    return 0;
}

API nvmlReturn_t nvmlDeviceGetEnforcedPowerLimit(nvmlDevice_t d, unsigned int *mw)
{
    (void)d;
    *mw = 700000;
    return 0;
}

API nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t d, unsigned int *mw)
{
    if (lost(d))
        return 15;
    if (S.stall_at >= 0 && !S.stalled && now_s() >= S.stall_at) {
        S.stalled = 1;
        struct timespec ts = {(time_t)S.stall_s, (long)((S.stall_s - floor(S.stall_s)) * 1e9)};
        nanosleep(&ts, NULL);
    }
    if (S.hang_at >= 0 && now_s() >= S.hang_at) {
        struct timespec ts = {3600, 0};
        nanosleep(&ts, NULL);
    }
    *mw = (unsigned int)llround(power_at(d, now_s()) * 1000.0);
    return 0;
}

#ifndef FAKE_NVML_OLD
API nvmlReturn_t nvmlDeviceGetTotalEnergyConsumption(nvmlDevice_t d, unsigned long long *mj)
{
    if (S.no_energy)
        return 3;
    if (lost(d))
        return 15;
    double t = now_s(), e;
    if (S.reset_at >= 0 && t >= S.reset_at)
        e = S.gain * (energy_to(d, t) - energy_to(d, S.reset_at));
    else
        e = 1e6 + S.gain * energy_to(d, t);
    if (S.back_j > 0 && t >= S.back_at)
        e -= S.back_j;
    *mj = (unsigned long long)llround(e * 1000.0);
    return 0;
}
#endif

API nvmlReturn_t nvmlDeviceGetUtilizationRates(nvmlDevice_t d, nvmlUtilization_t *u)
{
    if (lost(d))
        return 15;
    u->gpu = (unsigned int)S.util;
    u->memory = 40;
    return 0;
}

API nvmlReturn_t nvmlDeviceGetClockInfo(nvmlDevice_t d, int type, unsigned int *mhz)
{
    if (lost(d))
        return 15;
    *mhz = type == 1 ? 1980 : 2619;
    return 0;
}

API nvmlReturn_t nvmlDeviceGetTemperature(nvmlDevice_t d, int sensor, unsigned int *c)
{
    (void)sensor;
    if (lost(d))
        return 15;
    *c = 60 + d->index;
    return 0;
}

static nvmlReturn_t reasons(nvmlDevice_t d, unsigned long long *r)
{
    if (lost(d))
        return 15;
    *r = now_s() >= S.throttle_at ? S.throttle : 0;
    return 0;
}

#ifdef FAKE_NVML_OLD
API nvmlReturn_t nvmlDeviceGetCurrentClocksThrottleReasons(nvmlDevice_t d, unsigned long long *r) { return reasons(d, r); }
#else
API nvmlReturn_t nvmlDeviceGetCurrentClocksEventReasons(nvmlDevice_t d, unsigned long long *r) { return reasons(d, r); }
#endif
