/* Measurement session: device selection, the sampling thread, the idle baseline, running the
 * workload as a child process, and reading the workload's throughput file. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backend/source.h"
#include "measure/measure_internal.h"
#include "core/util.h"

lw_status lw_measure_config_default(const lw_catalogue *cat, lw_measure_config *out, lw_err *err)
{
    static const char *const keys[] = {"measure.interval_s",           "measure.warmup_s",
                                       "measure.valid.min_duration_s", "measure.valid.min_iterations",
                                       "measure.valid.min_avg_utilization", "measure.valid.max_power_cv",
                                       "measure.valid.max_throttle_fraction", "measure.valid.coverage_edge_intervals",
                                       "measure.valid.coverage_gap_intervals", "measure.valid.coverage_min_tolerance_s"};
    double v[10];
    for (size_t i = 0; i < 10; i++) {
        const lw_constant *c;
        lw_status st = lw_catalogue_find_constant(cat, keys[i], &c, err);
        if (st != LW_OK)
            return st;
        v[i] = c->value;
    }
    memset(out, 0, sizeof *out);
    out->interval_s = v[0];
    out->warmup_s = v[1];
    out->thresholds.min_duration_s = v[2];
    out->thresholds.min_iterations = v[3];
    out->thresholds.min_avg_utilization = v[4];
    out->thresholds.max_power_cv = v[5];
    out->thresholds.max_throttle_fraction = v[6];
    out->thresholds.throttle_mask = LW_THROTTLE_DEFAULT_MASK;
    out->thresholds.coverage_edge_intervals = v[7];
    out->thresholds.coverage_gap_intervals = v[8];
    out->thresholds.coverage_min_tolerance_s = v[9];
    return LW_OK;
}

bool lw_series_push(lw_series *s, const lw_power_sample *p)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 1024;
        lw_power_sample *ns = realloc(s->s, cap * sizeof *ns);
        if (!ns)
            return false;
        s->s = ns;
        s->cap = cap;
    }
    s->s[s->n++] = *p;
    return true;
}

struct lw_gpu_reader {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t thread;
    lw_power_source *src;
    size_t n;
    size_t *index;           /* n source device indices */
    lw_power_sample *out;    /* n samples of the read in progress */
    lw_series *dst;          /* where the read in progress stores its samples (first n series) */
    int64_t began_ns;        /* when the read in progress was asked for */
    uint64_t asked, done;    /* reads asked for and finished */
    bool quit, detached;
    bool oom;                /* a sample could not be stored (passed on to the measurement at the end) */
};

static void reader_free(lw_gpu_reader *r)
{
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->cv);
    free(r->index);
    free(r->out);
    free(r);
}

/* Reads every GPU when asked and stores the samples itself, under the lock, so that a call that
 * never returns holds up only this thread. */
static void *reader_main(void *arg)
{
    lw_gpu_reader *r = arg;
    pthread_mutex_lock(&r->mu);
    for (;;) {
        while (!r->quit && r->done == r->asked)
            pthread_cond_wait(&r->cv, &r->mu);
        if (r->quit)
            break;
        pthread_mutex_unlock(&r->mu);
        for (size_t i = 0; i < r->n; i++)
            if (lw_power_read(r->src, r->index[i], &r->out[i], NULL) != LW_OK)
                r->out[i] = lw_power_sample_empty(lw_monotonic_ns());
        pthread_mutex_lock(&r->mu);
        if (r->detached) /* left behind by its measurement, which is gone */
            break;
        for (size_t i = 0; i < r->n; i++)
            if (!lw_series_push(&r->dst[i], &r->out[i]))
                r->oom = true;
        r->done++;
        pthread_cond_broadcast(&r->cv);
    }
    bool own = r->detached;
    pthread_mutex_unlock(&r->mu);
    if (own)
        reader_free(r);
    return NULL;
}

static lw_status reader_start(lw_measure *m, lw_err *err)
{
    lw_gpu_reader *r = calloc(1, sizeof *r);
    if (r) {
        r->index = calloc(m->n_gpu, sizeof *r->index);
        r->out = calloc(m->n_gpu, sizeof *r->out);
    }
    if (!r || !r->index || !r->out) {
        if (r) {
            free(r->index);
            free(r->out);
        }
        free(r);
        return lw_fail(err, LW_ERR_NO_MEMORY, "out of memory starting a measurement");
    }
    r->src = m->gpu;
    r->n = m->n_gpu;
    memcpy(r->index, m->src_index, m->n_gpu * sizeof *r->index);
    pthread_mutex_init(&r->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&r->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&r->thread, NULL, reader_main, r) != 0) {
        reader_free(r);
        return lw_fail(err, LW_ERR_NO_MEMORY, "cannot start the GPU reading thread: %s", strerror(errno));
    }
    m->reader = r;
    return LW_OK;
}

/* Ends the reader: joined when idle; left behind (detached, freeing itself if its call ever
 * returns) when it is inside a call that never returned, and the source is marked hung. */
static void reader_stop(lw_measure *m)
{
    lw_gpu_reader *r = m->reader;
    if (!r)
        return;
    m->reader = NULL;
    pthread_mutex_lock(&r->mu);
    bool busy = r->done != r->asked;
    if (busy)
        r->detached = true;
    else
        r->quit = true;
    int64_t began = r->began_ns;
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
    if (busy) {
        pthread_detach(r->thread);
        m->gpu->hung = true;
        m->gpu->hung_at_s = (double)(began - m->t0_ns) / 1e9;
    } else {
        pthread_join(r->thread, NULL);
        m->oom = m->oom || r->oom;
        reader_free(r);
    }
}

static struct timespec to_timespec(int64_t ns)
{
    struct timespec ts = {(time_t)(ns / 1000000000LL), (long)(ns % 1000000000LL)};
    return ts;
}

static int64_t hung_ns(void)
{
    return (int64_t)llround(LW_MEASURE_HUNG_CALL_S * 1e9);
}

/* Not-ok samples of every GPU at t (the reader's lock held). */
static void push_failed(lw_measure *m, lw_series *dst, int64_t t)
{
    lw_power_sample s = lw_power_sample_empty(t);
    for (size_t i = 0; i < m->n_gpu; i++)
        if (!lw_series_push(&dst[i], &s))
            m->oom = true;
}

/* Asks the reader for one read of every GPU into dst, without waiting for it (wait false) or
 * waiting until it is stored (wait true: the closing sample). A read still in progress from an
 * earlier tick is not interrupted: this tick has no GPU sample, unless that read has taken longer
 * than LW_MEASURE_HUNG_CALL_S, then not-ok samples mark the GPUs as not answering (the first
 * stamped when the read began). */
static void sample_gpus(lw_measure *m, lw_series *dst, bool wait)
{
    lw_gpu_reader *r = m->reader;
    pthread_mutex_lock(&r->mu);
    for (int pass = 0; pass < 2; pass++) {
        bool busy = r->done != r->asked;
        if (busy && wait) { /* the closing sample: let the read in progress finish first */
            struct timespec ts = to_timespec(r->began_ns + hung_ns());
            while (r->done != r->asked && pthread_cond_timedwait(&r->cv, &r->mu, &ts) != ETIMEDOUT)
                ;
            busy = r->done != r->asked;
        }
        int64_t now = lw_monotonic_ns();
        if (busy) {
            if (now - r->began_ns >= hung_ns()) {
                push_failed(m, r->dst, m->hung_since_ns ? now : r->began_ns);
                m->hung_since_ns = r->began_ns;
            }
            break;
        }
        if (pass == 1) /* the read asked for below has finished */
            break;
        m->hung_since_ns = 0;
        r->dst = dst;
        r->began_ns = now;
        r->asked++;
        pthread_cond_broadcast(&r->cv);
        if (!wait)
            break;
    }
    pthread_mutex_unlock(&r->mu);
}

static lw_status check_config(const lw_measure_config *cfg, lw_err *err)
{
    if (!(cfg->interval_s >= LW_MEASURE_MIN_INTERVAL_S && cfg->interval_s <= 3600))
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "sampling interval %g s is outside 0.01..3600 s", cfg->interval_s);
    if (!(cfg->warmup_s >= 0 && cfg->warmup_s <= LW_DURATION_MAX_S))
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "warm-up %g s must be from 0 to 1e9 s", cfg->warmup_s);
    if (!(cfg->idle_baseline_s >= 0 && cfg->idle_baseline_s <= LW_DURATION_MAX_S))
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "idle baseline %g s must be from 0 to 1e9 s", cfg->idle_baseline_s);
    if (cfg->n_gpu_indices > LW_MEASURE_MAX_GPUS)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "at most %d GPUs", LW_MEASURE_MAX_GPUS);
    return LW_OK;
}

/* Allocates the session and selects the devices: the configured GPU indices (matched against
 * each device's own index) or all, then every CPU zone. */
static lw_status session_new(const lw_measure_config *cfg, const lw_power_source *gpu, const lw_power_source *cpu,
                             lw_measure **out, lw_err *err)
{
    *out = NULL;
    lw_status st = check_config(cfg, err);
    if (st != LW_OK)
        return st;
    size_t ng_src = lw_power_device_count(gpu), nc = lw_power_device_count(cpu);
    size_t ng = cfg->n_gpu_indices ? cfg->n_gpu_indices : ng_src;
    if (ng > LW_MEASURE_MAX_GPUS)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "%zu GPUs: at most %d can be measured at once", ng, LW_MEASURE_MAX_GPUS);
    if (ng + nc == 0)
        return lw_fail(err, LW_ERR_NO_DEVICE, "no device to measure");
    lw_measure *m = calloc(1, sizeof *m);
    size_t n = ng + nc;
    if (m) {
        m->src_index = calloc(n, sizeof *m->src_index);
        m->info = calloc(n, sizeof *m->info);
        m->run = calloc(n, sizeof *m->run);
        m->idle = calloc(n, sizeof *m->idle);
    }
    if (!m || !m->src_index || !m->info || !m->run || !m->idle) {
        lw_measure_free(m);
        return lw_fail(err, LW_ERR_NO_MEMORY, "out of memory starting a measurement");
    }
    m->cfg = *cfg;
    m->n_gpu = ng;
    m->n_cpu = nc;
    for (size_t i = 0; i < ng; i++) {
        size_t k = i;
        if (cfg->n_gpu_indices) {
            for (k = 0; k < ng_src && gpu->info[k].index != cfg->gpu_indices[i]; k++)
                ;
            if (k == ng_src) {
                lw_measure_free(m);
                return lw_fail(err, LW_ERR_NOT_FOUND, "GPU %d does not exist (%s has %zu GPU(s), indices %d..%d)", cfg->gpu_indices[i],
                               lw_power_kind_name(gpu->kind), ng_src, ng_src ? gpu->info[0].index : 0,
                               ng_src ? gpu->info[ng_src - 1].index : 0);
            }
            for (size_t j = 0; j < i; j++)
                if (m->src_index[j] == k) {
                    lw_measure_free(m);
                    return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "GPU %d is listed twice", cfg->gpu_indices[i]);
                }
        }
        m->src_index[i] = k;
        m->info[i] = gpu->info[k];
    }
    for (size_t i = 0; i < nc; i++) {
        m->src_index[ng + i] = i;
        m->info[ng + i] = cpu->info[i];
    }
    m->kind = gpu ? gpu->kind : LW_SOURCE_RAPL;
    pthread_mutex_init(&m->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&m->cv, &ca);
    pthread_condattr_destroy(&ca);
    m->sync_ready = true;
    *out = m;
    return LW_OK;
}

lw_status lw_measure_new(const lw_measure_config *cfg, lw_power_source *gpu, lw_power_source *cpu, lw_measure **out, lw_err *err)
{
    if ((gpu && gpu->kind == LW_SOURCE_REPLAY) || (cpu && cpu->kind != LW_SOURCE_RAPL))
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "a live measurement needs a live GPU source (NVML, ROCm SMI) and/or a RAPL CPU source");
    lw_status st = session_new(cfg, gpu, cpu, out, err);
    if (st == LW_OK) {
        (*out)->gpu = gpu;
        (*out)->cpu = cpu;
        if ((*out)->n_gpu && (st = reader_start(*out, err)) != LW_OK) {
            lw_measure_free(*out);
            *out = NULL;
        }
    }
    return st;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

lw_status lw_measure_from_replay(const lw_measure_config *cfg, const lw_power_source *replay, lw_measure **out, lw_err *err)
{
    if (!replay || replay->kind != LW_SOURCE_REPLAY)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "not a replay source");
    lw_status st = session_new(cfg, replay, NULL, out, err);
    if (st != LW_OK)
        return st;
    lw_measure *m = *out;
    int64_t t0 = INT64_MAX, t1 = INT64_MIN;
    for (size_t i = 0; i < m->n_gpu; i++) {
        const lw_power_sample *s;
        size_t n;
        lw_replay_series(replay, m->src_index[i], &s, &n);
        for (size_t k = 0; k < n; k++)
            if (!lw_series_push(&m->run[i], &s[k])) {
                lw_measure_free(m);
                *out = NULL;
                return lw_fail(err, LW_ERR_NO_MEMORY, "out of memory copying the replay");
            }
        if (n && s[0].t_ns < t0)
            t0 = s[0].t_ns;
        if (n && s[n - 1].t_ns > t1)
            t1 = s[n - 1].t_ns;
    }
    /* the sampling period of a log is its own: the median gap of the first GPU */
    const lw_series *s0 = &m->run[0];
    if (s0->n >= 2) {
        double *gaps = malloc((s0->n - 1) * sizeof *gaps);
        if (gaps) {
            for (size_t k = 1; k < s0->n; k++)
                gaps[k - 1] = (double)(s0->s[k].t_ns - s0->s[k - 1].t_ns) / 1e9;
            qsort(gaps, s0->n - 1, sizeof *gaps, cmp_double);
            if (gaps[(s0->n - 1) / 2] > 0)
                m->cfg.interval_s = gaps[(s0->n - 1) / 2];
            free(gaps);
        }
    }
    m->t0_ns = t0;
    m->t_stop_ns = t1;
    m->start_unix = (double)t0 / 1e9;
    m->end_unix = (double)t1 / 1e9;
    m->started = m->stopped = true;
    return LW_OK;
}

void lw_measure_free(lw_measure *m)
{
    if (!m)
        return;
    if (m->started && !m->stopped)
        lw_measure_stop(m, NULL);
    reader_stop(m);
    size_t n = m->n_gpu + m->n_cpu;
    for (size_t i = 0; i < n && m->run; i++)
        free(m->run[i].s);
    for (size_t i = 0; i < n && m->idle; i++)
        free(m->idle[i].s);
    if (m->sync_ready) {
        pthread_mutex_destroy(&m->mu);
        pthread_cond_destroy(&m->cv);
    }
    free(m->run);
    free(m->idle);
    free(m->info);
    free(m->src_index);
    free(m);
}

size_t lw_measure_gpu_count(const lw_measure *m)
{
    return m->n_gpu;
}

size_t lw_measure_cpu_count(const lw_measure *m)
{
    return m->n_cpu;
}

/* One tick: every device once, GPUs (through the reader; wait: until their samples are stored)
 * then CPU zones. */
static void sample_all(lw_measure *m, lw_series *dst, bool wait)
{
    size_t first = 0;
    if (m->reader) {
        sample_gpus(m, dst, wait);
        first = m->n_gpu;
    }
    for (size_t i = first; i < m->n_gpu + m->n_cpu; i++) {
        lw_power_source *src = i < m->n_gpu ? m->gpu : m->cpu;
        lw_power_sample s;
        if (lw_power_read(src, m->src_index[i], &s, NULL) != LW_OK)
            s = lw_power_sample_empty(lw_monotonic_ns());
        if (!lw_series_push(&dst[i], &s))
            m->oom = true;
    }
}

static double realtime_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

lw_status lw_measure_idle(lw_measure *m, lw_err *err)
{
    if (m->started)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "the idle baseline must be taken before the run starts");
    int64_t step = (int64_t)llround(m->cfg.interval_s * 1e9);
    int64_t t0 = lw_monotonic_ns(), end = t0 + (int64_t)llround(m->cfg.idle_baseline_s * 1e9), next = t0;
    m->idle_t0_ns = t0;
    while (next <= end) {
        sample_all(m, m->idle, false);
        next += step;
        struct timespec ts = to_timespec(next < end ? next : end);
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
            ;
        if (next >= end) {
            sample_all(m, m->idle, true);
            break;
        }
    }
    m->idle_t1_ns = lw_monotonic_ns();
    return m->oom ? lw_fail(err, LW_ERR_NO_MEMORY, "out of memory storing idle samples") : LW_OK;
}

static void *sampler(void *arg)
{
    lw_measure *m = arg;
    int64_t step = (int64_t)llround(m->cfg.interval_s * 1e9);
    int64_t next = m->t0_ns;
    pthread_mutex_lock(&m->mu);
    while (!m->stop_req) {
        pthread_mutex_unlock(&m->mu);
        sample_all(m, m->run, false);
        int64_t now = lw_monotonic_ns();
        next += step;
        while (next <= now) /* fell behind: skip the missed ticks rather than bunching samples */
            next += step;
        struct timespec ts = to_timespec(next);
        pthread_mutex_lock(&m->mu);
        while (!m->stop_req && pthread_cond_timedwait(&m->cv, &m->mu, &ts) != ETIMEDOUT)
            ;
    }
    pthread_mutex_unlock(&m->mu);
    return NULL;
}

lw_status lw_measure_start(lw_measure *m, lw_err *err)
{
    if (m->started)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "the measurement was already started");
    m->t0_ns = lw_monotonic_ns();
    m->start_unix = realtime_now();
    if (pthread_create(&m->thread, NULL, sampler, m) != 0)
        return lw_fail(err, LW_ERR_NO_MEMORY, "cannot start the sampling thread: %s", strerror(errno));
    m->started = true;
    return LW_OK;
}

lw_status lw_measure_stop(lw_measure *m, lw_err *err)
{
    if (!m->started)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "the measurement was not started");
    if (m->stopped)
        return LW_OK;
    pthread_mutex_lock(&m->mu);
    m->stop_req = true;
    pthread_cond_signal(&m->cv);
    pthread_mutex_unlock(&m->mu);
    pthread_join(m->thread, NULL);
    sample_all(m, m->run, true); /* the closing edge of the window */
    m->t_stop_ns = lw_monotonic_ns();
    reader_stop(m);
    m->end_unix = realtime_now();
    m->stopped = true;
    return m->oom ? lw_fail(err, LW_ERR_NO_MEMORY, "out of memory storing samples") : LW_OK;
}

lw_status lw_child_spawn(char *const argv[], pid_t *pid, lw_err *err)
{
    if (!argv || !argv[0])
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "no command to run");
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0)
        return lw_fail(err, LW_ERR_CHILD, "cannot start '%s': %s", argv[0], strerror(errno));
    pid_t parent = getpid();
    pid_t p = fork();
    if (p < 0) {
        int e = errno;
        close(fds[0]);
        close(fds[1]);
        return lw_fail(err, LW_ERR_CHILD, "cannot start '%s': %s", argv[0], strerror(e));
    }
    if (p == 0) {
        close(fds[0]);
        /* the workload ends with llmwatt: SIGKILL of llmwatt must not leave it running unmeasured
         * (the death signal survives exec; if llmwatt died before this line, stop here) */
        if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent)
            _exit(127);
        execvp(argv[0], argv);
        int e = errno;
        ssize_t w = write(fds[1], &e, sizeof e);
        (void)w;
        _exit(127);
    }
    close(fds[1]);
    int e = 0;
    ssize_t r;
    while ((r = read(fds[0], &e, sizeof e)) < 0 && errno == EINTR)
        ;
    close(fds[0]);
    if (r == (ssize_t)sizeof e) {
        while (waitpid(p, NULL, 0) < 0 && errno == EINTR)
            ;
        return lw_fail(err, LW_ERR_CHILD, "cannot run '%s': %s", argv[0], strerror(e));
    }
    *pid = p;
    return LW_OK;
}

lw_status lw_child_wait(pid_t pid, lw_child_status *out, lw_err *err)
{
    int status;
    pid_t r;
    while ((r = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
        ;
    if (r < 0)
        return lw_fail(err, LW_ERR_CHILD, "waiting for the workload (pid %ld) failed: %s", (long)pid, strerror(errno));
    out->ran = true;
    if (WIFSIGNALED(status)) {
        out->signal = WTERMSIG(status);
        out->exit_code = 128 + out->signal;
    } else {
        out->signal = 0;
        out->exit_code = WEXITSTATUS(status);
    }
    return LW_OK;
}

static const json_t *json_path(const json_t *root, const char *path)
{
    char buf[256];
    lw_strlcpy(buf, path, sizeof buf);
    const json_t *v = root;
    char *save = NULL;
    for (char *k = strtok_r(buf, ".", &save); k && v; k = strtok_r(NULL, ".", &save))
        v = json_is_object(v) ? json_object_get(v, k) : NULL;
    return v;
}

lw_status lw_throughput_read(const char *path, const char *key, double *tokens, double *iterations, lw_err *err)
{
    char *text;
    size_t len;
    lw_status rst = lw_file_read_capped(path, LW_CAP_SMALL_BYTES, "a throughput file", &text, &len, err);
    if (rst != LW_OK)
        return rst;
    json_error_t je;
    json_t *root = json_loadb(text, len, 0, &je);
    free(text);
    if (!root)
        return lw_fail(err, LW_ERR_PARSE, "%s: line %d: %s", path, je.line, je.text);
    const json_t *v = key ? json_path(root, key) : json_path(root, "tokens");
    if (!key && !v)
        v = json_path(root, "total_tokens");
    lw_status st = LW_OK;
    if (!json_is_number(v) || json_number_value(v) < 0 || !isfinite(json_number_value(v))) {
        st = lw_fail(err, LW_ERR_PARSE, "%s has no token count >= 0 at '%s' (name the key with --tokens-key, e.g. results.total_tokens)",
                     path, key ? key : "tokens");
    } else {
        *tokens = json_number_value(v);
        const json_t *it = json_object_get(root, "iterations");
        if (json_is_number(it) && json_number_value(it) >= 0 && isfinite(json_number_value(it)))
            *iterations = json_number_value(it);
    }
    json_decref(root);
    return st;
}
