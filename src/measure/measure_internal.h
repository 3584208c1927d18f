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
};

/* Appends a sample; false when memory runs out. */
bool lw_series_push(lw_series *s, const lw_power_sample *p);

#endif
