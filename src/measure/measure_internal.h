/* Internal: the measurement session shared by measure.c (sampling, child), measure_analyze.c
 * and measure_output.c. */
#ifndef LW_MEASURE_INTERNAL_H
#define LW_MEASURE_INTERNAL_H

#include <pthread.h>
#include "llmwatt/measure.h"

typedef struct lw_series {
    lw_power_sample *s;
    size_t n, cap;
} lw_series;

/* The thread that reads a live GPU source (measure.c), so that a vendor call that never returns
 * holds up only that thread. Shared with it: freed by the measurement, or by the thread itself
 * when it was left behind (detached) inside a call that never returned. */
typedef struct lw_gpu_reader lw_gpu_reader;

struct lw_measure {
    lw_measure_config cfg;
    lw_source_kind kind;         /* of the GPU source, or RAPL when CPU only */
    lw_power_source *gpu, *cpu;  /* borrowed; NULL for a replay */
    size_t n_gpu, n_cpu;         /* devices: GPUs first, then CPU zones */
    size_t *src_index;           /* n_gpu + n_cpu source device indices */
    lw_device_info *info;        /* n_gpu + n_cpu */
    lw_series *run, *idle;       /* n_gpu + n_cpu each */
    int64_t t0_ns, t_stop_ns, idle_t0_ns, idle_t1_ns;
    double start_unix, end_unix;
    /* sampling thread */
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool started, stopped, stop_req, sync_ready;
    bool oom;                    /* a sample could not be stored */
    lw_gpu_reader *reader;       /* live GPU source only */
    int64_t hung_since_ns;       /* the pending GPU read began then and has not returned; 0: none */
};

/* Appends a sample; false when memory runs out. */
bool lw_series_push(lw_series *s, const lw_power_sample *p);

#endif
