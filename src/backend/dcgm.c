/* dcgm-exporter as a power source: scrapes NVIDIA dcgm-exporter's /metrics over plain HTTP and
 * reads, per GPU (label gpu), DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION (mJ since boot),
 * DCGM_FI_DEV_POWER_USAGE (W), DCGM_FI_DEV_GPU_UTIL (%), DCGM_FI_DEV_SM_CLOCK (MHz),
 * DCGM_FI_DEV_GPU_TEMP (C), DCGM_FI_DEV_POWER_MGMT_LIMIT (W) and the clock event (throttle)
 * reasons. One scrape serves one pass over the devices: reading a device whose cached value was
 * already handed out scrapes again. A failed scrape makes every device's reading ok = false
 * (the endpoint died); the samples keep coming so that nothing already measured is lost. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/source.h"
#include "core/util.h"
#include "operate/scrape.h"

/* Largest dcgm-exporter page read (a node with 8 GPUs and every field is about 200 kB). */
#define DCGM_MAX_PAGE (8u * 1024u * 1024u)
#define DCGM_MAX_GPUS 256

enum field { F_ENERGY, F_POWER, F_UTIL, F_CLOCK, F_TEMP, F_LIMIT, F_THROTTLE, F_THROTTLE_NEW, NFIELDS };
static const char *const field_names[NFIELDS] = {
    "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", "DCGM_FI_DEV_POWER_USAGE", "DCGM_FI_DEV_GPU_UTIL",
    "DCGM_FI_DEV_SM_CLOCK", "DCGM_FI_DEV_GPU_TEMP", "DCGM_FI_DEV_POWER_MGMT_LIMIT",
    "DCGM_FI_DEV_CLOCK_THROTTLE_REASONS", "DCGM_FI_DEV_CLOCKS_EVENT_REASONS"};

typedef struct gpu_val {
    double f[NFIELDS]; /* NAN when the page lacks it */
    bool consumed;     /* this scrape's value was already read */
} gpu_val;

typedef struct dcgm {
    pthread_mutex_t mu;
    lw_url url;
    double timeout_s;
    gpu_val *v;           /* one per device */
    int64_t t_ns;         /* time of the latest scrape */
    bool up;              /* the latest scrape succeeded */
    bool scraped;
    char error[300];      /* why the latest scrape failed */
    /* refresh detection: how many scrapes saw any GPU's energy or power value change */
    double last_sig;
    int64_t first_scrape_ns;
    unsigned scrapes, changes;
} dcgm;

/* The gpu label as an index, or -1. */
static int gpu_index(const lw_prom_sample *s)
{
    char buf[16];
    if (!lw_prom_label(s, "gpu", buf, sizeof buf) || buf[0] == '\0' || strspn(buf, "0123456789") != strlen(buf) || strlen(buf) > 4)
        return -1;
    return atoi(buf);
}

static int field_of(const lw_prom_sample *s)
{
    for (int f = 0; f < NFIELDS; f++)
        if (lw_prom_name_is(s, field_names[f]))
            return f;
    return -1;
}

/* Fetches and parses the page into *page (the body in *text, both freed by the caller). */
static lw_status fetch(const dcgm *d, char **text, lw_prom_page *page, lw_err *err)
{
    size_t len;
    memset(page, 0, sizeof *page);
    lw_status st = lw_http_get(&d->url, d->timeout_s, DCGM_MAX_PAGE, text, &len, err);
    if (st != LW_OK)
        return st;
    lw_err perr;
    st = lw_prom_parse(*text, len, page, &perr);
    if (st != LW_OK)
        return lw_fail(err, st, "%s: malformed metrics page: %s", d->url.redacted, lw_err_message(&perr));
    return LW_OK;
}

/* Scrapes once and refreshes every device's cached values (caller holds d->mu). */
static void scrape(lw_power_source *src, dcgm *d)
{
    char *text = NULL;
    lw_prom_page page;
    d->scraped = true;
    d->t_ns = lw_monotonic_ns();
    if (d->scrapes++ == 0)
        d->first_scrape_ns = d->t_ns;
    for (size_t i = 0; i < src->ndev; i++) {
        for (int f = 0; f < NFIELDS; f++)
            d->v[i].f[f] = NAN;
        d->v[i].consumed = false;
    }
    lw_err err;
    d->up = fetch(d, &text, &page, &err) == LW_OK;
    lw_strlcpy(d->error, d->up ? "" : lw_err_message(&err), sizeof d->error);
    if (d->up) {
        for (size_t k = 0; k < page.n; k++) {
            int f = field_of(&page.s[k]), g = f < 0 ? -1 : gpu_index(&page.s[k]);
            for (size_t i = 0; g >= 0 && i < src->ndev; i++)
                if (src->info[i].index == g && isnan(d->v[i].f[f])) /* MIG instances repeat the GPU: first wins */
                    d->v[i].f[f] = page.s[k].value;
        }
        double sig = 0;
        for (size_t i = 0; i < src->ndev; i++)
            sig += (isfinite(d->v[i].f[F_ENERGY]) ? d->v[i].f[F_ENERGY] : 0) + (isfinite(d->v[i].f[F_POWER]) ? d->v[i].f[F_POWER] : 0);
        if (d->changes == 0 || sig != d->last_sig) {
            d->changes++;
            d->last_sig = sig;
        }
    }
    lw_prom_page_free(&page);
    free(text);
}

static lw_status dcgm_read(lw_power_source *src, size_t i, lw_power_sample *out, lw_err *err)
{
    (void)err;
    dcgm *d = src->impl;
    pthread_mutex_lock(&d->mu);
    if (!d->scraped || d->v[i].consumed)
        scrape(src, d);
    const gpu_val *v = &d->v[i];
    d->v[i].consumed = true;
    out->t_ns = d->t_ns;
    bool present = isfinite(v->f[F_ENERGY]) || isfinite(v->f[F_POWER]);
    out->ok = d->up && present;
    if (out->ok) {
        out->energy_j = isfinite(v->f[F_ENERGY]) && v->f[F_ENERGY] >= 0 ? v->f[F_ENERGY] / 1000.0 : NAN;
        out->power_w = isfinite(v->f[F_POWER]) && v->f[F_POWER] >= 0 ? v->f[F_POWER] : NAN;
        out->utilization = isfinite(v->f[F_UTIL]) ? v->f[F_UTIL] / 100.0 : NAN;
        out->sm_clock_mhz = v->f[F_CLOCK];
        out->temperature_c = v->f[F_TEMP];
        double t = isfinite(v->f[F_THROTTLE_NEW]) ? v->f[F_THROTTLE_NEW] : v->f[F_THROTTLE];
        if (isfinite(t) && t >= 0 && t < 18446744073709551616.0) {
            out->throttle_reasons = (uint64_t)t;
            out->throttle_known = true;
        }
    }
    pthread_mutex_unlock(&d->mu);
    return LW_OK;
}

static void dcgm_close(lw_power_source *src)
{
    dcgm *d = src->impl;
    if (!d)
        return;
    pthread_mutex_destroy(&d->mu);
    free(d->v);
    free(d);
}

static const lw_power_ops dcgm_ops = {dcgm_read, dcgm_close};

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* Fills the device infos from the first page's labels. */
static void describe(lw_power_source *src, const lw_prom_page *page)
{
    for (size_t k = 0; k < page->n; k++) {
        const lw_prom_sample *s = &page->s[k];
        int f = field_of(s), g = f < 0 ? -1 : gpu_index(s);
        for (size_t i = 0; g >= 0 && i < src->ndev; i++) {
            lw_device_info *in = &src->info[i];
            if (in->index != g)
                continue;
            if (!in->uuid[0])
                lw_prom_label(s, "UUID", in->uuid, sizeof in->uuid);
            if (!in->name[0])
                lw_prom_label(s, "modelName", in->name, sizeof in->name);
            if (!in->driver[0])
                lw_prom_label(s, "DCGM_FI_DRIVER_VERSION", in->driver, sizeof in->driver);
            if (f == F_ENERGY)
                in->has_energy_counter = true;
            if (f == F_POWER)
                in->has_power = true;
            if (f == F_LIMIT && isfinite(s->value) && s->value > 0 && isnan(in->power_limit_w))
                in->power_limit_w = s->value;
        }
    }
    for (size_t i = 0; i < src->ndev; i++) {
        if (!src->info[i].name[0])
            snprintf(src->info[i].name, sizeof src->info[i].name, "GPU %d", src->info[i].index);
        if (!src->info[i].driver[0])
            lw_strlcpy(src->info[i].driver, "dcgm-exporter", sizeof src->info[i].driver);
    }
}

lw_status lw_power_open_dcgm(const char *url, double timeout_s, lw_power_source **out, lw_err *err)
{
    *out = NULL;
    if (!(timeout_s > 0 && timeout_s <= 600))
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "dcgm-exporter timeout must be in (0, 600] s, got %g", timeout_s);
    dcgm probe;
    memset(&probe, 0, sizeof probe);
    probe.timeout_s = timeout_s;
    lw_err uerr;
    if (lw_url_parse(url, &probe.url, &uerr) != LW_OK)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "dcgm-exporter URL: %s", lw_err_message(&uerr));
    char *text = NULL;
    lw_prom_page page;
    lw_status st = fetch(&probe, &text, &page, err);
    if (st != LW_OK) {
        free(text);
        return st;
    }
    int idx[DCGM_MAX_GPUS];
    size_t n = 0;
    for (size_t k = 0; k < page.n; k++) {
        int f = field_of(&page.s[k]), g = f == F_ENERGY || f == F_POWER ? gpu_index(&page.s[k]) : -1;
        bool seen = false;
        for (size_t i = 0; i < n; i++)
            seen = seen || idx[i] == g;
        if (g >= 0 && !seen && n < DCGM_MAX_GPUS)
            idx[n++] = g;
    }
    if (n == 0) {
        lw_prom_page_free(&page);
        free(text);
        return lw_fail(err, LW_ERR_NO_DEVICE, "%s serves no DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION or DCGM_FI_DEV_POWER_USAGE series with a gpu label (is it dcgm-exporter?)",
                       probe.url.redacted);
    }
    qsort(idx, n, sizeof idx[0], cmp_int);
    lw_power_source *src = lw_power_source_new(LW_SOURCE_DCGM, &dcgm_ops, n);
    dcgm *d = calloc(1, sizeof *d);
    gpu_val *v = calloc(n, sizeof *v);
    if (d)
        *d = probe;
    if (!src || !d || !v || pthread_mutex_init(&d->mu, NULL) != 0) {
        lw_prom_page_free(&page);
        free(text);
        free(v);
        free(d);
        lw_power_close(src);
        return lw_fail(err, LW_ERR_NO_MEMORY, "out of memory opening dcgm-exporter");
    }
    d->v = v;
    for (size_t i = 0; i < n; i++) {
        src->info[i].index = idx[i];
        src->info[i].kind = LW_DEVICE_GPU;
    }
    describe(src, &page);
    lw_prom_page_free(&page);
    free(text);
    src->impl = d;
    *out = src;
    return LW_OK;
}

double lw_power_refresh_s(const lw_power_source *src)
{
    if (!src || src->kind != LW_SOURCE_DCGM || !src->impl)
        return NAN;
    dcgm *d = src->impl;
    pthread_mutex_lock(&d->mu);
    /* the time the scrapes spanned per new value seen: the scrape interval when every scrape
     * brings a new value, the exporter's refresh period when it is longer */
    double r = d->scrapes >= 3 && d->changes > 0 ? (double)(d->t_ns - d->first_scrape_ns) * 1e-9 / (double)d->changes : NAN;
    pthread_mutex_unlock(&d->mu);
    return r;
}

bool lw_power_refresh_note(const lw_power_source *src, double interval_s, char *out, size_t n)
{
    double refresh = lw_power_refresh_s(src);
    if (!(refresh > 1.5 * interval_s) || n == 0)
        return false;
    snprintf(out, n,
             "dcgm-exporter brought a new value about every %.3g s, longer than the %.3g s interval: readings repeat, "
             "so power and energy are resolved to about %.3g s (lower its collect interval, dcgm-exporter -c MS, or raise --interval)",
             refresh, interval_s, refresh);
    return true;
}

bool lw_power_scrape_error(lw_power_source *src, char *out, size_t n)
{
    if (!src || src->kind != LW_SOURCE_DCGM || !src->impl)
        return false;
    dcgm *d = src->impl;
    pthread_mutex_lock(&d->mu);
    bool failed = d->scraped && !d->up;
    if (n > 0)
        lw_strlcpy(out, failed ? d->error : "", n);
    pthread_mutex_unlock(&d->mu);
    return failed;
}

const char *lw_power_source_url(const lw_power_source *src)
{
    if (!src || src->kind != LW_SOURCE_DCGM || !src->impl)
        return "";
    return ((const dcgm *)src->impl)->url.redacted;
}
