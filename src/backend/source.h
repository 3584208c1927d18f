/* Internal: the power-source handle shared by the NVML, RAPL and replay backends. */
#ifndef LW_BACKEND_SOURCE_H
#define LW_BACKEND_SOURCE_H

#include "llmwatt/power.h"

typedef struct lw_power_ops {
    /* Reads device i into out (out->t_ns already set by the caller). */
    lw_status (*read)(lw_power_source *src, size_t i, lw_power_sample *out, lw_err *err);
    void (*close)(lw_power_source *src);
} lw_power_ops;

struct lw_power_source {
    lw_source_kind kind;
    const lw_power_ops *ops;
    size_t ndev;
    lw_device_info *info;     /* ndev entries, owned */
    void *impl;               /* backend state */
    /* set by a measurement whose read of this source never returned (src/measure/measure.c): a
     * thread is still inside the vendor library, so lw_power_close leaves the handle alone */
    bool hung;
    double hung_at_s;         /* seconds after the start of the run when the call began */
};

/* Allocates a handle with ndev zeroed infos; NULL on allocation failure. */
lw_power_source *lw_power_source_new(lw_source_kind kind, const lw_power_ops *ops, size_t ndev);

/* A sample with every quantity unknown (NAN) and ok false. */
lw_power_sample lw_power_sample_empty(int64_t t_ns);

/* CLOCK_MONOTONIC now, in nanoseconds. */
int64_t lw_monotonic_ns(void);

/* A firmware energy accumulator that may be 32 bits wide (AMD: ROCm SMI, amdsmi). A decrease from
 * the upper half of the 32-bit range to the lower half is one wrap; any other decrease is passed
 * on (the analysis treats it as a reset). Not thread-safe: the caller holds its lock. */
typedef struct lw_wrap32 {
    uint64_t last_raw;
    uint32_t wraps;
    bool have_raw;
} lw_wrap32;

/* raw plus the wraps seen so far times 2^32, in accumulator ticks. */
double lw_wrap32_unwrap(lw_wrap32 *w, uint64_t raw);

/* Loads a vendor library with dlopen: `library` when given, else the environment variable `env`
 * when set and non-empty, else `dflt`. With `need_kfd`, the default (no path given) is only tried
 * where /dev/kfd exists (AMD: the ROCm libraries print their own errors without the driver).
 * LW_ERR_NO_DEVICE naming the library when it cannot be loaded; *name is the library tried. */
lw_status lw_vendor_dlopen(const char *library, const char *env, const char *dflt, bool need_kfd, void **dl,
                           const char **name, lw_err *err);

/* Replay series access (replay.c). */
lw_status lw_replay_series(const lw_power_source *src, size_t i, const lw_power_sample **s, size_t *n);
double lw_replay_start_unix(const lw_power_source *src);

#endif
