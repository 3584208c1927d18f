/* Prometheus exporter state: device energy counters, workload tokens, energy attribution and
 * the text exposition rendering (include/llmwatt/exporter.h, docs/serve.md). */
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llmwatt/exporter.h"
#include "core/util.h"

/* Rings longer than this many intervals are refused (a 10 ms tick with a 1000 s hold). */
#define MAX_HOLD_TICKS 100000
/* Bound on workloads x hold_ticks ring entries (8 bytes each: 256 MiB). */
#define MAX_RING_ENTRIES (32u * 1024u * 1024u)

typedef struct device {
    lw_device_info info;
    bool use_counter;    /* energy from the hardware counter; else integrated power */
    bool seen;           /* at least one reading arrived */
    bool up;             /* the latest reading was ok */
    lw_power_sample last;/* latest reading (gauges) */
    bool have_prev;      /* prev holds the previous usable reading for the energy counter */
    lw_power_sample prev;
    double energy_j;     /* accumulated since the exporter started */
    double energy_at_tick; /* energy_j when the last interval was closed */
} device;

typedef struct workload {
    char name[LW_WORKLOAD_NAME_MAX + 1];
    size_t target;        /* 1 + the engine target feeding it; 0: POST /tokens only */
    uint64_t gpu_mask;    /* device indices of its engines (bit i: index i); 0: not mapped */
    double prompt_total;  /* prompt (input) tokens, engines only */
    double tokens_total;
    double energy_j;
    double cost_usd, carbon_g; /* accumulated per interval at the tariff in force then */
    double pending;       /* tokens reported since the last tick */
    bool pending_report;  /* a report (any count) arrived since the last tick */
    bool reported;        /* last_tick is meaningful */
    uint64_t last_tick;   /* index of the last interval with a report */
    double window;        /* sum of ring: tokens over the last hold_ticks intervals */
    double *ring;         /* tokens per interval, indexed by interval % hold_ticks */
    double tick_energy;   /* energy attributed in the interval being closed */
    double ewindow;       /* sum of ering: attributed energy over the last hold_ticks intervals */
    double *ering;        /* attributed energy per interval, like ring */
} workload;

/* Previous cumulative counters of one workload as read from one engine target. */
typedef struct engine_prev {
    size_t wl;
    double output, prompt;
} engine_prev;

/* A scraped endpoint: an inference engine (engine[0] != 0) or a power source (dcgm-exporter). */
typedef struct target {
    char name[LW_TARGET_NAME_MAX + 1];
    char engine[16];
    uint64_t gpu_mask;
    bool up;
    double errors;
    engine_prev *prev;
    size_t nprev, capprev;
} target;

struct lw_exporter {
    pthread_mutex_t mu;
    lw_exporter_config cfg;
    size_t hold_ticks;
    device *dev;
    size_t ndev, capdev;
    workload *wl;
    size_t nwl;
    uint64_t tick;           /* index of the interval now open */
    double unattributed_j;
    target *tg;
    size_t ntg, captg;
    double price_usd_per_kwh, pue, g_co2e_per_kwh; /* NAN: not exported */
    double reports_accepted;
    double rejected[LW_REJECT_REASONS];
};

lw_exporter_config lw_exporter_config_default(void)
{
    lw_exporter_config c;
    c.tick_s = 1.0;
    c.hold_s = 10.0;
    c.max_gap_s = 5.0;
    c.max_workloads = 256;
    return c;
}

lw_status lw_exporter_new(const lw_exporter_config *cfg, lw_exporter **out, lw_err *err)
{
    *out = NULL;
    lw_exporter_config c = cfg ? *cfg : lw_exporter_config_default();
    if (!(c.tick_s > 0) || !isfinite(c.tick_s))
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "tick interval must be > 0 s, got %g", c.tick_s);
    if (!(c.hold_s >= 0) || !isfinite(c.hold_s))
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "activity hold must be >= 0 s, got %g", c.hold_s);
    if (!(c.max_gap_s > 0) || !isfinite(c.max_gap_s))
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "largest integrated gap must be > 0 s, got %g", c.max_gap_s);
    double ticks = fmax(1.0, round(c.hold_s / c.tick_s));
    if (ticks > MAX_HOLD_TICKS)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "activity hold %g s is %.0f intervals of %g s; at most %d (raise the interval or lower the hold)",
                       c.hold_s, ticks, c.tick_s, MAX_HOLD_TICKS);
    if (c.max_workloads < 1 || (double)c.max_workloads * ticks > MAX_RING_ENTRIES)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "workload limit %zu must be >= 1 and, times %.0f hold intervals, at most %u",
                       c.max_workloads, ticks, MAX_RING_ENTRIES);
    lw_exporter *e = calloc(1, sizeof *e);
    if (!e)
        return lw_fail(err, LW_ERR_NO_MEMORY, "out of memory creating the exporter");
    e->wl = calloc(c.max_workloads, sizeof *e->wl);
    if (!e->wl || pthread_mutex_init(&e->mu, NULL) != 0) {
        free(e->wl);
        free(e);
        return lw_fail(err, LW_ERR_NO_MEMORY, "out of memory creating the exporter");
    }
    e->cfg = c;
    e->hold_ticks = (size_t)ticks;
    e->price_usd_per_kwh = e->g_co2e_per_kwh = NAN;
    e->pue = 1.0;
    *out = e;
    return LW_OK;
}

void lw_exporter_free(lw_exporter *e)
{
    if (!e)
        return;
    for (size_t i = 0; i < e->nwl; i++) {
        free(e->wl[i].ring);
        free(e->wl[i].ering);
    }
    for (size_t i = 0; i < e->ntg; i++)
        free(e->tg[i].prev);
    free(e->tg);
    free(e->wl);
    free(e->dev);
    pthread_mutex_destroy(&e->mu);
    free(e);
}

lw_status lw_exporter_add_device(lw_exporter *e, const lw_device_info *info, size_t *slot, lw_err *err)
{
    pthread_mutex_lock(&e->mu);
    if (e->ndev == e->capdev) {
        size_t cap = e->capdev ? 2 * e->capdev : 8;
        device *d = realloc(e->dev, cap * sizeof *d);
        if (!d) {
            pthread_mutex_unlock(&e->mu);
            return lw_fail(err, LW_ERR_NO_MEMORY, "out of memory adding device '%s'", info->name);
        }
        e->dev = d;
        e->capdev = cap;
    }
    device *d = &e->dev[e->ndev];
    memset(d, 0, sizeof *d);
    d->info = *info;
    d->info.name[sizeof d->info.name - 1] = '\0';
    d->info.uuid[sizeof d->info.uuid - 1] = '\0';
    d->info.driver[sizeof d->info.driver - 1] = '\0';
    d->use_counter = info->kind != LW_DEVICE_GPU || info->has_energy_counter;
    if (slot)
        *slot = e->ndev;
    e->ndev++;
    pthread_mutex_unlock(&e->mu);
    return LW_OK;
}

/* Adds the energy between d->prev and s to d->energy_j (see the header for the rules). */
static void accumulate(const lw_exporter *e, device *d, const lw_power_sample *s)
{
    if (d->use_counter) {
        if (!isfinite(s->energy_j))
            return;
        if (d->have_prev && s->energy_j >= d->prev.energy_j)
            d->energy_j += s->energy_j - d->prev.energy_j;
    } else {
        if (!isfinite(s->power_w) || s->power_w < 0)
            return;
        double dt = (double)(s->t_ns - d->prev.t_ns) * 1e-9;
        if (d->have_prev && dt > 0 && dt <= e->cfg.max_gap_s)
            d->energy_j += 0.5 * (d->prev.power_w + s->power_w) * dt;
    }
    d->prev = *s;
    d->have_prev = true;
}

lw_status lw_exporter_observe(lw_exporter *e, size_t slot, const lw_power_sample *s, lw_err *err)
{
    pthread_mutex_lock(&e->mu);
    if (slot >= e->ndev) {
        size_t n = e->ndev;
        pthread_mutex_unlock(&e->mu);
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "device slot %zu does not exist (%zu devices)", slot, n);
    }
    device *d = &e->dev[slot];
    if (d->seen && s->t_ns < d->last.t_ns) {
        pthread_mutex_unlock(&e->mu);
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "reading of '%s' goes back in time (%lld ns before the previous one)",
                       d->info.name, (long long)(d->last.t_ns - s->t_ns));
    }
    d->seen = true;
    d->last = *s;
    d->up = s->ok;
    if (s->ok)
        accumulate(e, d, s);
    else if (!d->use_counter)
        d->have_prev = false; /* never integrate across the time the device was lost */
    pthread_mutex_unlock(&e->mu);
    return LW_OK;
}

static workload *find_workload(lw_exporter *e, const char *name)
{
    for (size_t i = 0; i < e->nwl; i++)
        if (strcmp(e->wl[i].name, name) == 0)
            return &e->wl[i];
    return NULL;
}

/* Finds or adds workload name (caller holds e->mu); counts a refusal for the workload limit. */
static lw_status get_workload(lw_exporter *e, const char *name, workload **out, lw_err *err)
{
    workload *w = find_workload(e, name);
    if (!w) {
        if (e->nwl == e->cfg.max_workloads) {
            e->rejected[LW_REJECT_WORKLOAD_LIMIT] += 1;
            return lw_fail(err, LW_ERR_INFEASIBLE, "workload '%s' refused: %zu workloads already reported (raise --max-workloads)", name,
                           e->nwl);
        }
        double *ring = calloc(e->hold_ticks, sizeof *ring), *ering = calloc(e->hold_ticks, sizeof *ering);
        if (!ring || !ering) {
            free(ring);
            free(ering);
            return lw_fail(err, LW_ERR_NO_MEMORY, "out of memory adding workload '%s'", name);
        }
        w = &e->wl[e->nwl++];
        memset(w, 0, sizeof *w);
        lw_strlcpy(w->name, name, sizeof w->name);
        w->ring = ring;
        w->ering = ering;
    }
    *out = w;
    return LW_OK;
}

lw_status lw_exporter_report_tokens(lw_exporter *e, const char *name, double tokens, lw_err *err)
{
    if (!name || !lw_workload_name_valid(name)) {
        lw_exporter_count_rejected(e, LW_REJECT_BAD_REQUEST);
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "workload name must be 1-%d characters of A-Z a-z 0-9 _ . : / -",
                       LW_WORKLOAD_NAME_MAX);
    }
    if (!(tokens >= 0) || tokens > LW_TOKENS_PER_REPORT_MAX || tokens != floor(tokens)) {
        lw_exporter_count_rejected(e, LW_REJECT_BAD_REQUEST);
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "tokens must be a whole number from 0 to %.0f", LW_TOKENS_PER_REPORT_MAX);
    }
    pthread_mutex_lock(&e->mu);
    workload *w;
    lw_status st = get_workload(e, name, &w, err);
    if (st != LW_OK) {
        pthread_mutex_unlock(&e->mu);
        return st;
    }
    w->tokens_total += tokens;
    w->pending += tokens;
    w->pending_report = true;
    e->reports_accepted += 1;
    pthread_mutex_unlock(&e->mu);
    return LW_OK;
}

lw_status lw_exporter_add_target(lw_exporter *e, const char *name, const char *engine, const int *gpus, size_t ngpus, size_t *id,
                                 lw_err *err)
{
    uint64_t mask = 0;
    for (size_t i = 0; i < ngpus; i++) {
        if (gpus[i] < 0 || gpus[i] > 63)
            return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "GPU index %d of target '%s' is outside 0..63", gpus[i], name);
        mask |= 1ULL << gpus[i];
    }
    if (engine && (strlen(engine) == 0 || strlen(engine) >= sizeof e->tg[0].engine))
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "engine label must be 1-%zu characters", sizeof e->tg[0].engine - 1);
    pthread_mutex_lock(&e->mu);
    if (e->ntg == e->captg) {
        size_t cap = e->captg ? 2 * e->captg : 4;
        target *t = realloc(e->tg, cap * sizeof *t);
        if (!t) {
            pthread_mutex_unlock(&e->mu);
            return lw_fail(err, LW_ERR_NO_MEMORY, "out of memory adding target '%s'", name);
        }
        e->tg = t;
        e->captg = cap;
    }
    target *t = &e->tg[e->ntg];
    memset(t, 0, sizeof *t);
    lw_strlcpy(t->name, name, sizeof t->name);
    lw_strlcpy(t->engine, engine ? engine : "", sizeof t->engine);
    t->gpu_mask = mask;
    t->up = true;
    *id = e->ntg++;
    pthread_mutex_unlock(&e->mu);
    return LW_OK;
}

/* A counter's increase since its previous reading: a drop is a restart from zero. */
static double increase(double prev, double now)
{
    if (!isfinite(now) || now < 0)
        return 0;
    return now >= prev ? now - prev : now;
}

lw_status lw_exporter_engine_counters(lw_exporter *e, size_t id, const char *name, double output_tokens_total, double prompt_tokens_total,
                                      lw_err *err)
{
    if (!name || !lw_workload_name_valid(name))
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "workload name must be 1-%d characters of A-Z a-z 0-9 _ . : / -", LW_WORKLOAD_NAME_MAX);
    if (!(output_tokens_total >= 0) || !isfinite(output_tokens_total))
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "output token counter of '%s' must be a finite number >= 0", name);
    pthread_mutex_lock(&e->mu);
    if (id >= e->ntg || !e->tg[id].engine[0]) {
        pthread_mutex_unlock(&e->mu);
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "target %zu is not an engine", id);
    }
    target *t = &e->tg[id];
    workload *w;
    lw_status st = get_workload(e, name, &w, err);
    if (st != LW_OK) {
        pthread_mutex_unlock(&e->mu);
        return st;
    }
    size_t wi = (size_t)(w - e->wl), k;
    for (k = 0; k < t->nprev && t->prev[k].wl != wi; k++)
        ;
    if (k == t->nprev) {
        if (t->nprev == t->capprev) {
            size_t cap = t->capprev ? 2 * t->capprev : 4;
            engine_prev *p = realloc(t->prev, cap * sizeof *p);
            if (!p) {
                pthread_mutex_unlock(&e->mu);
                return lw_fail(err, LW_ERR_NO_MEMORY, "out of memory adding workload '%s'", name);
            }
            t->prev = p;
            t->capprev = cap;
        }
        /* the first reading is the baseline: tokens made before llmwatt started are not ours */
        t->prev[k] = (engine_prev){wi, output_tokens_total, isfinite(prompt_tokens_total) ? prompt_tokens_total : 0};
        t->nprev++;
    }
    engine_prev *p = &t->prev[k];
    double dout = increase(p->output, output_tokens_total);
    double dprompt = isfinite(prompt_tokens_total) ? increase(p->prompt, prompt_tokens_total) : 0;
    p->output = output_tokens_total;
    if (isfinite(prompt_tokens_total))
        p->prompt = prompt_tokens_total;
    w->target = id + 1;
    w->gpu_mask |= t->gpu_mask;
    w->tokens_total += dout;
    w->prompt_total += dprompt;
    w->pending += dout;
    w->pending_report = true;
    t->up = true;
    pthread_mutex_unlock(&e->mu);
    return LW_OK;
}

void lw_exporter_target_result(lw_exporter *e, size_t id, bool ok)
{
    pthread_mutex_lock(&e->mu);
    if (id < e->ntg) {
        e->tg[id].up = ok;
        if (!ok) {
            e->tg[id].errors += 1;
            for (size_t i = 0; i < e->nwl; i++) /* nothing it reported this interval makes it active */
                if (e->wl[i].target == id + 1)
                    e->wl[i].pending_report = false;
        }
    }
    pthread_mutex_unlock(&e->mu);
}

lw_status lw_exporter_set_tariff(lw_exporter *e, double usd_per_kwh, double pue, double g_co2e_per_kwh, lw_err *err)
{
    if (!isnan(usd_per_kwh) && !(usd_per_kwh >= 0 && isfinite(usd_per_kwh)))
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "electricity price must be >= 0 $/kWh, got %g", usd_per_kwh);
    if (!(pue >= 1 && pue <= 10))
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "PUE must be between 1 and 10, got %g", pue);
    if (!isnan(g_co2e_per_kwh) && !(g_co2e_per_kwh >= 0 && isfinite(g_co2e_per_kwh)))
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "grid carbon intensity must be >= 0 g/kWh, got %g", g_co2e_per_kwh);
    pthread_mutex_lock(&e->mu);
    e->price_usd_per_kwh = usd_per_kwh;
    e->pue = pue;
    e->g_co2e_per_kwh = g_co2e_per_kwh;
    pthread_mutex_unlock(&e->mu);
    return LW_OK;
}

void lw_exporter_count_rejected(lw_exporter *e, lw_reject_reason reason)
{
    if ((unsigned)reason >= LW_REJECT_REASONS)
        return;
    pthread_mutex_lock(&e->mu);
    e->rejected[reason] += 1;
    pthread_mutex_unlock(&e->mu);
}

static double gpu_energy(const lw_exporter *e)
{
    double sum = 0;
    for (size_t i = 0; i < e->ndev; i++)
        if (e->dev[i].info.kind == LW_DEVICE_GPU)
            sum += e->dev[i].energy_j;
    return sum;
}

static bool active(const lw_exporter *e, const workload *w)
{
    if (w->target && !e->tg[w->target - 1].up) /* its engine stopped answering */
        return false;
    return w->reported && e->tick - w->last_tick < e->hold_ticks;
}

/* Splits one GPU's interval energy: among the active workloads mapped to its index, else among
 * the active unmapped ones, by tokens over the hold (equally when none has tokens). False when
 * no workload takes it. */
static bool split(lw_exporter *e, const device *d, double delta)
{
    uint64_t bit = d->info.index >= 0 && d->info.index < 64 ? 1ULL << d->info.index : 0;
    for (int pass = 0; pass < 2; pass++) {
        double weight = 0;
        size_t n = 0;
        for (size_t i = 0; i < e->nwl; i++) {
            const workload *w = &e->wl[i];
            bool mine = pass == 0 ? (w->gpu_mask & bit) != 0 : w->gpu_mask == 0;
            if (mine && active(e, w)) {
                n++;
                weight += w->window;
            }
        }
        if (n == 0)
            continue;
        for (size_t i = 0; i < e->nwl; i++) {
            workload *w = &e->wl[i];
            bool mine = pass == 0 ? (w->gpu_mask & bit) != 0 : w->gpu_mask == 0;
            if (mine && active(e, w)) {
                double part = weight > 0 ? delta * w->window / weight : delta / (double)n;
                w->energy_j += part;
                w->tick_energy += part;
                if (!isnan(e->price_usd_per_kwh))
                    w->cost_usd += part * e->pue / 3.6e6 * e->price_usd_per_kwh;
                if (!isnan(e->g_co2e_per_kwh))
                    w->carbon_g += part * e->pue / 3.6e6 * e->g_co2e_per_kwh;
            }
        }
        return true;
    }
    return false;
}

void lw_exporter_tick(lw_exporter *e)
{
    pthread_mutex_lock(&e->mu);
    size_t slot = (size_t)(e->tick % e->hold_ticks);
    for (size_t i = 0; i < e->nwl; i++) {
        workload *w = &e->wl[i];
        w->window += w->pending - w->ring[slot];
        w->ring[slot] = w->pending;
        if (w->pending_report) {
            w->last_tick = e->tick;
            w->reported = true;
        }
        w->pending = 0;
        w->pending_report = false;
        w->tick_energy = 0;
    }
    for (size_t k = 0; k < e->ndev; k++) {
        device *d = &e->dev[k];
        if (d->info.kind != LW_DEVICE_GPU)
            continue;
        double delta = d->energy_j - d->energy_at_tick;
        d->energy_at_tick = d->energy_j;
        if (!split(e, d, delta))
            e->unattributed_j += delta;
    }
    for (size_t i = 0; i < e->nwl; i++) {
        workload *w = &e->wl[i];
        w->ewindow += w->tick_energy - w->ering[slot];
        w->ering[slot] = w->tick_energy;
    }
    e->tick++;
    pthread_mutex_unlock(&e->mu);
}

void lw_exporter_get_totals(lw_exporter *e, lw_exporter_totals *out)
{
    pthread_mutex_lock(&e->mu);
    memset(out, 0, sizeof *out);
    out->gpu_energy_j = gpu_energy(e);
    for (size_t i = 0; i < e->nwl; i++) {
        out->attributed_energy_j += e->wl[i].energy_j;
        out->tokens += e->wl[i].tokens_total;
    }
    out->unattributed_energy_j = e->unattributed_j;
    out->workloads = e->nwl;
    pthread_mutex_unlock(&e->mu);
}

double lw_exporter_workload_energy_j(lw_exporter *e, const char *name)
{
    pthread_mutex_lock(&e->mu);
    const workload *w = find_workload(e, name);
    double v = w ? w->energy_j : NAN;
    pthread_mutex_unlock(&e->mu);
    return v;
}

double lw_exporter_workload_tokens(lw_exporter *e, const char *name)
{
    pthread_mutex_lock(&e->mu);
    const workload *w = find_workload(e, name);
    double v = w ? w->tokens_total : NAN;
    pthread_mutex_unlock(&e->mu);
    return v;
}

/* ---- text exposition ---- */

typedef struct buf {
    char *p;
    size_t len, cap;
    bool oom;
} buf;

static void put(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(buf *b, const char *fmt, ...)
{
    if (b->oom)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->oom = true;
            return;
        }
        if ((size_t)n < b->cap - b->len) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = b->cap * 2 + (size_t)n;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
}

/* Appends a label value with \\, \" and \n escaped (exposition format). */
static void put_escaped(buf *b, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\')
            put(b, "\\\\");
        else if (*s == '"')
            put(b, "\\\"");
        else if (*s == '\n')
            put(b, "\\n");
        else
            put(b, "%c", *s);
    }
}

/* Appends a sample value: shortest of %.15g, which round-trips every value the exporter makes
 * (counters in joules with sub-millijoule parts up to 10^11 J). */
static void put_value(buf *b, double v)
{
    if (isnan(v))
        put(b, " NaN\n");
    else if (isinf(v))
        put(b, v > 0 ? " +Inf\n" : " -Inf\n");
    else
        put(b, " %.15g\n", v);
}

/* Energy rounded to the microjoule, the finest resolution of any source (RAPL energy_uj; NVML
 * counts millijoules): hides the float noise of differencing a 10^6 J counter. */
static double joules(double v)
{
    return round(v * 1e6) / 1e6;
}

typedef struct family {
    const char *name, *type, *help;
    bool started;
} family;

static void begin(buf *b, family *f)
{
    if (!f->started)
        put(b, "# HELP %s %s\n# TYPE %s %s\n", f->name, f->help, f->name, f->type);
    f->started = true;
}

static void gpu_labels(buf *b, const device *d)
{
    put(b, "gpu=\"%d\",uuid=\"", d->info.index);
    put_escaped(b, d->info.uuid);
    put(b, "\",name=\"");
    put_escaped(b, d->info.name);
    put(b, "\"");
}

enum gauge_field { G_POWER, G_UTIL, G_TEMP, G_CLOCK_HZ };

static double field(const lw_power_sample *s, enum gauge_field f)
{
    switch (f) {
    case G_POWER: return s->power_w;
    case G_UTIL: return s->utilization;
    case G_TEMP: return s->temperature_c;
    case G_CLOCK_HZ: return s->sm_clock_mhz * 1e6;
    }
    return NAN;
}

/* One gauge per up GPU from a field of its latest reading, skipped when not finite. */
static void gpu_gauge(buf *b, const lw_exporter *e, const char *name, const char *help, enum gauge_field which)
{
    family f = {name, "gauge", help, false};
    for (size_t i = 0; i < e->ndev; i++) {
        const device *d = &e->dev[i];
        double v = field(&d->last, which);
        if (d->info.kind != LW_DEVICE_GPU || !d->up || !isfinite(v))
            continue;
        begin(b, &f);
        put(b, "%s{", name);
        gpu_labels(b, d);
        put(b, "}");
        put_value(b, v);
    }
}

static void render_gpus(buf *b, const lw_exporter *e)
{
    family up = {"llmwatt_gpu_up", "gauge", "1 while the GPU answers, 0 after a failed reading (GPU lost).", false};
    family energy = {"llmwatt_gpu_energy_joules_total", "counter",
                     "GPU energy since the exporter started; method=counter: NVML energy counter, method=integrated: trapezoid of power readings.", false};
    family limit = {"llmwatt_gpu_power_limit_watts", "gauge", "Enforced GPU power limit.", false};
    for (size_t i = 0; i < e->ndev; i++) {
        const device *d = &e->dev[i];
        if (d->info.kind != LW_DEVICE_GPU)
            continue;
        begin(b, &up);
        put(b, "llmwatt_gpu_up{");
        gpu_labels(b, d);
        put(b, "} %d\n", d->up ? 1 : 0);
    }
    for (size_t i = 0; i < e->ndev; i++) {
        const device *d = &e->dev[i];
        if (d->info.kind != LW_DEVICE_GPU)
            continue;
        begin(b, &energy);
        put(b, "llmwatt_gpu_energy_joules_total{");
        gpu_labels(b, d);
        put(b, ",method=\"%s\"}", d->use_counter ? "counter" : "integrated");
        put_value(b, joules(d->energy_j));
    }
    gpu_gauge(b, e, "llmwatt_gpu_power_watts", "GPU board power draw at the latest reading.", G_POWER);
    for (size_t i = 0; i < e->ndev; i++) {
        const device *d = &e->dev[i];
        if (d->info.kind != LW_DEVICE_GPU || !isfinite(d->info.power_limit_w))
            continue;
        begin(b, &limit);
        put(b, "llmwatt_gpu_power_limit_watts{");
        gpu_labels(b, d);
        put(b, "}");
        put_value(b, d->info.power_limit_w);
    }
    gpu_gauge(b, e, "llmwatt_gpu_utilization_ratio", "Fraction of the last sample period the GPU was busy (0..1).", G_UTIL);
    gpu_gauge(b, e, "llmwatt_gpu_temperature_celsius", "GPU die temperature.", G_TEMP);
    gpu_gauge(b, e, "llmwatt_gpu_sm_clock_hertz", "GPU SM clock.", G_CLOCK_HZ);
    family thr = {"llmwatt_gpu_throttled", "gauge", "1 while a thermal or power-brake clock event reason is active (seed 004 validity).", false};
    family reason = {"llmwatt_gpu_throttle_reason", "gauge", "1 for each active clock event (throttle) reason reported by NVML.", false};
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < e->ndev; i++) {
            const device *d = &e->dev[i];
            if (d->info.kind != LW_DEVICE_GPU || !d->up || !d->last.throttle_known)
                continue;
            uint64_t r = d->last.throttle_reasons;
            if (pass == 0) {
                begin(b, &thr);
                put(b, "llmwatt_gpu_throttled{");
                gpu_labels(b, d);
                put(b, "} %d\n", (r & LW_THROTTLE_DEFAULT_MASK) ? 1 : 0);
                continue;
            }
            for (uint64_t bit = 1; bit <= LW_THROTTLE_DISPLAY_CLOCK; bit <<= 1) {
                const char *nm = lw_throttle_name(bit);
                if (!nm)
                    continue;
                begin(b, &reason);
                put(b, "llmwatt_gpu_throttle_reason{");
                gpu_labels(b, d);
                put(b, ",reason=\"%s\"} %d\n", nm, (r & bit) ? 1 : 0);
            }
        }
    }
}

static void rapl_labels(buf *b, const device *d)
{
    put(b, "{zone=\"");
    put_escaped(b, d->info.name);
    put(b, "\",domain=\"%s\"}", d->info.kind == LW_DEVICE_DRAM ? "dram" : "package");
}

static void render_rapl(buf *b, const lw_exporter *e)
{
    family energy = {"llmwatt_rapl_energy_joules_total", "counter",
                     "CPU package and DRAM energy (RAPL) since the exporter started.", false};
    family power = {"llmwatt_rapl_power_watts", "gauge", "Mean RAPL zone power between the two latest readings.", false};
    for (size_t i = 0; i < e->ndev; i++) {
        const device *d = &e->dev[i];
        if (d->info.kind == LW_DEVICE_GPU || !d->up)
            continue;
        begin(b, &energy);
        put(b, "llmwatt_rapl_energy_joules_total");
        rapl_labels(b, d);
        put_value(b, joules(d->energy_j));
    }
    for (size_t i = 0; i < e->ndev; i++) {
        const device *d = &e->dev[i];
        if (d->info.kind == LW_DEVICE_GPU || !d->up || !isfinite(d->last.power_w))
            continue;
        begin(b, &power);
        put(b, "llmwatt_rapl_power_watts");
        rapl_labels(b, d);
        put_value(b, d->last.power_w);
    }
}

static void render_workloads(buf *b, const lw_exporter *e)
{
    static const char *reasons[LW_REJECT_REASONS] = {"bad_request", "unauthorized", "workload_limit"};
    family tok = {"llmwatt_tokens_total", "counter", "Tokens reported by the workload (POST /tokens).", false};
    family en = {"llmwatt_energy_joules_total", "counter",
                 "GPU energy attributed to the workload: each interval's energy split by token share among workloads active in it.", false};
    family act = {"llmwatt_workload_active", "gauge", "1 while the workload's last report is within the activity hold.", false};
    family prompt = {"llmwatt_prompt_tokens_total", "counter", "Prompt (input) tokens read from the workload's inference engine.", false};
    family jpt = {"llmwatt_energy_per_output_token_joules", "gauge",
                  "Attributed energy over output tokens within the activity hold (--hold); prefer the rate ratio in PromQL.", false};
    family cost = {"llmwatt_energy_cost_dollars_total", "counter", "Attributed energy x PUE x electricity price (--price-kwh, --pue), summed per interval at the price then in force.", false};
    family co2 = {"llmwatt_carbon_grams_total", "counter", "Attributed energy x PUE x grid carbon intensity (--region, or the hour's value of --carbon-intensity), summed per interval, grams CO2e.", false};
    const char *name[7] = {"llmwatt_tokens_total", "llmwatt_energy_joules_total", "llmwatt_workload_active", "llmwatt_prompt_tokens_total",
                           "llmwatt_energy_per_output_token_joules", "llmwatt_energy_cost_dollars_total", "llmwatt_carbon_grams_total"};
    family *fam[7] = {&tok, &en, &act, &prompt, &jpt, &cost, &co2};
    for (int k = 0; k < 7; k++) {
        if ((k == 5 && isnan(e->price_usd_per_kwh)) || (k == 6 && isnan(e->g_co2e_per_kwh)))
            continue;
        for (size_t i = 0; i < e->nwl; i++) {
            const workload *w = &e->wl[i];
            double v = k == 0 ? w->tokens_total : k == 1 ? joules(w->energy_j) : k == 2 ? ((active(e, w) || w->pending_report) ? 1.0 : 0.0)
                     : k == 3 ? w->prompt_total : k == 4 ? (w->window > 0 ? fmax(0, w->ewindow) / w->window : NAN)
                     : k == 5 ? w->cost_usd : w->carbon_g;
            if ((k == 3 && !w->target) || (k == 4 && isnan(v)))
                continue;
            begin(b, fam[k]);
            put(b, "%s{workload=\"", name[k]);
            put_escaped(b, w->name);
            put(b, "\"");
            if (w->target)
                put(b, ",engine=\"%s\"", e->tg[w->target - 1].engine);
            put(b, "}");
            put_value(b, v);
        }
    }
    family up = {"llmwatt_target_up", "gauge", "1 while the scraped endpoint (engine or dcgm-exporter) answered its latest scrape.", false};
    family errs = {"llmwatt_scrape_errors_total", "counter", "Failed scrapes of an endpoint: no answer, HTTP error or malformed page.", false};
    for (int k = 0; k < 2; k++) {
        for (size_t i = 0; i < e->ntg; i++) {
            const target *t = &e->tg[i];
            begin(b, k == 0 ? &up : &errs);
            put(b, "%s{target=\"", k == 0 ? "llmwatt_target_up" : "llmwatt_scrape_errors_total");
            put_escaped(b, t->name);
            put(b, "\",kind=\"%s\"}", t->engine[0] ? t->engine : "dcgm");
            put_value(b, k == 0 ? (t->up ? 1.0 : 0.0) : t->errors);
        }
    }
    put(b, "# HELP llmwatt_unattributed_energy_joules_total GPU energy of intervals in which no workload was active.\n"
           "# TYPE llmwatt_unattributed_energy_joules_total counter\nllmwatt_unattributed_energy_joules_total");
    put_value(b, joules(e->unattributed_j));
    put(b, "# HELP llmwatt_token_reports_total Token reports accepted.\n"
           "# TYPE llmwatt_token_reports_total counter\nllmwatt_token_reports_total");
    put_value(b, e->reports_accepted);
    put(b, "# HELP llmwatt_token_reports_rejected_total Token reports refused, by reason.\n"
           "# TYPE llmwatt_token_reports_rejected_total counter\n");
    for (int r = 0; r < LW_REJECT_REASONS; r++) {
        put(b, "llmwatt_token_reports_rejected_total{reason=\"%s\"}", reasons[r]);
        put_value(b, e->rejected[r]);
    }
    put(b, "# HELP llmwatt_workloads Distinct workloads kept (at most llmwatt_workloads_limit).\n"
           "# TYPE llmwatt_workloads gauge\nllmwatt_workloads %zu\n"
           "# HELP llmwatt_workloads_limit Most distinct workloads kept; reports for new names beyond it are refused.\n"
           "# TYPE llmwatt_workloads_limit gauge\nllmwatt_workloads_limit %zu\n",
        e->nwl, e->cfg.max_workloads);
}

lw_status lw_exporter_render(lw_exporter *e, char **text, size_t *len, lw_err *err)
{
    *text = NULL;
    *len = 0;
    buf b = {malloc(4096), 0, 4096, false};
    if (!b.p)
        return lw_fail(err, LW_ERR_NO_MEMORY, "out of memory rendering metrics");
    b.p[0] = '\0';
    pthread_mutex_lock(&e->mu);
    put(&b, "# HELP llmwatt_build_info llmwatt version.\n# TYPE llmwatt_build_info gauge\nllmwatt_build_info{version=\"%s\"} 1\n",
        lw_version());
    render_gpus(&b, e);
    render_rapl(&b, e);
    render_workloads(&b, e);
    pthread_mutex_unlock(&e->mu);
    if (b.oom) {
        free(b.p);
        return lw_fail(err, LW_ERR_NO_MEMORY, "out of memory rendering metrics");
    }
    *text = b.p;
    *len = b.len;
    return LW_OK;
}
