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
};

/* Allocates a handle with ndev zeroed infos; NULL on allocation failure. */
lw_power_source *lw_power_source_new(lw_source_kind kind, const lw_power_ops *ops, size_t ndev);

/* A sample with every quantity unknown (NAN) and ok false. */
lw_power_sample lw_power_sample_empty(int64_t t_ns);

/* CLOCK_MONOTONIC now, in nanoseconds. */
int64_t lw_monotonic_ns(void);

/* Replay series access (replay.c). */
lw_status lw_replay_series(const lw_power_source *src, size_t i, const lw_power_sample **s, size_t *n);
double lw_replay_start_unix(const lw_power_source *src);

#endif
