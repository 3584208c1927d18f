/* The scripted AMD GPUs both fake AMD libraries (fake_rocm_smi.c, fake_amdsmi.c) serve: the same
 * environment variables under each library's prefix (FAKE_ROCM_..., FAKE_AMDSMI_...), the same
 * energy accumulator, losses, stall and hang. Included by one fake per shared object. */
#ifndef FAKE_AMD_COMMON_H
#define FAKE_AMD_COMMON_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define FAKE_AMD_MAXG 16

typedef struct fake_amd {
    int ngpu, fail_gpu, stalled;
    double power_w[FAKE_AMD_MAXG], cap_w, res_uj, wrap_at, gain, back_j, back_at, fail_at, fail_until, stall_at, stall_s,
        hang_at;
    struct timespec t0;
} fake_amd;

/* $<prefix><name> as a number, def when unset or empty. */
static double fake_amd_env(const char *prefix, const char *name, double def)
{
    char key[96];
    snprintf(key, sizeof key, "%s%s", prefix, name);
    const char *v = getenv(key);
    return v && *v ? strtod(v, NULL) : def;
}

/* Reads the script (see each fake's header comment) and starts its clock. */
static void fake_amd_load(fake_amd *g, const char *prefix, double cap_w, double res_uj)
{
    char key[96];
    g->ngpu = (int)fake_amd_env(prefix, "GPUS", 1);
    if (g->ngpu < 0 || g->ngpu > FAKE_AMD_MAXG)
        g->ngpu = 1;
    snprintf(key, sizeof key, "%sPOWER_W", prefix);
    const char *p = getenv(key);
    double last = 250;
    for (int i = 0; i < g->ngpu; i++) {
        if (p && *p) {
            char *end;
            last = strtod(p, &end);
            p = *end == ',' ? end + 1 : NULL;
        }
        g->power_w[i] = last;
    }
    g->cap_w = fake_amd_env(prefix, "CAP_W", cap_w);
    g->res_uj = fake_amd_env(prefix, "RES_UJ", res_uj);
    g->wrap_at = fake_amd_env(prefix, "WRAP_AT_S", -1);
    g->gain = fake_amd_env(prefix, "GAIN", 1);
    g->back_j = fake_amd_env(prefix, "BACK_J", 0);
    g->back_at = fake_amd_env(prefix, "BACK_AT_S", 0);
    g->fail_gpu = (int)fake_amd_env(prefix, "FAIL_GPU", -1);
    g->fail_at = fake_amd_env(prefix, "FAIL_AT_S", 0);
    g->fail_until = fake_amd_env(prefix, "FAIL_UNTIL_S", -1);
    g->stall_at = fake_amd_env(prefix, "STALL_AT_S", -1);
    g->stall_s = fake_amd_env(prefix, "STALL_S", 1);
    g->hang_at = fake_amd_env(prefix, "HANG_AT_S", -1);
    g->stalled = 0;
    clock_gettime(CLOCK_MONOTONIC, &g->t0);
}

/* Seconds since fake_amd_load. */
static double fake_amd_now_s(const fake_amd *g)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)(ts.tv_sec - g->t0.tv_sec) + (double)(ts.tv_nsec - g->t0.tv_nsec) / 1e9;
}

static void fake_amd_sleep_s(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - floor(s)) * 1e9)};
    nanosleep(&ts, NULL);
}

/* GPU d has fallen off the bus now. */
static int fake_amd_lost(const fake_amd *g, int d)
{
    double t = fake_amd_now_s(g);
    return d == g->fail_gpu && t >= g->fail_at && (g->fail_until < 0 || t < g->fail_until);
}

/* The first reading at or after stall_at blocks stall_s. */
static void fake_amd_stall(fake_amd *g)
{
    if (g->stall_at >= 0 && !g->stalled && fake_amd_now_s(g) >= g->stall_at) {
        g->stalled = 1;
        fake_amd_sleep_s(g->stall_s);
    }
}

/* Every call at or after hang_at blocks for an hour (a hung driver). */
static void fake_amd_hang(const fake_amd *g)
{
    if (g->hang_at >= 0 && fake_amd_now_s(g) >= g->hang_at)
        fake_amd_sleep_s(3600);
}

/* GPU d's energy accumulator now: ticks of res_uj since boot (or a 32-bit counter that wraps at
 * wrap_at), gain x the true energy, stepped back by back_j at back_at; *ts_ns its timestamp. */
static uint64_t fake_amd_energy(const fake_amd *g, int d, uint64_t *ts_ns)
{
    double t = fake_amd_now_s(g), e_uj = g->gain * g->power_w[d] * t * 1e6;
    if (g->back_j > 0 && t >= g->back_at)
        e_uj -= g->back_j * 1e6;
    double ticks = floor(e_uj / g->res_uj);
    if (g->wrap_at >= 0) /* 32-bit accumulator that reaches 2^32 at wrap_at */
        ticks = fmod(ticks + (4294967296.0 - floor(g->gain * g->power_w[d] * g->wrap_at * 1e6 / g->res_uj)), 4294967296.0);
    else
        ticks += 1e9; /* energy since boot */
    *ts_ns = (uint64_t)(t * 1e9);
    return (uint64_t)ticks;
}

#endif
