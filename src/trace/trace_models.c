/* Trace engine: model registry (names, --model-map, defaults) and per-row estimates through a
 * per-thread cache keyed on (model, tokens, batch). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace/trace_engine.h"
#include "core/util.h"

/* ---------- models ---------- */

lw_status lw_trace_add_estimator(engine *E, const lw_model_arch *arch, int *idx, lw_err *err)
{
    for (int i = 0; i < E->nest; i++)
        if (E->est_arch[i] == arch) {
            *idx = i;
            return LW_OK;
        }
    lw_status st = lw_estimator_new(E->cat, arch, E->o->gpu, &E->o->estimate, &E->est[E->nest], err);
    if (st != LW_OK)
        return st;
    if (E->o->batch == 0) {
        /* The window's batch was sized so that B mean requests fit; a longer request shares that
         * batch with shorter ones, so its row is not held to B copies of itself fitting. */
        lw_estimate_opts lo = E->o->estimate;
        lo.strict_memory = false;
        st = lw_estimator_new(E->cat, arch, E->o->gpu, &lo, &E->est_loose[E->nest], err);
        if (st != LW_OK) {
            lw_estimator_free(E->est[E->nest]);
            return st;
        }
    }
    E->est_arch[E->nest] = arch;
    *idx = E->nest++;
    return LW_OK;
}

/* Adds a model entry (caller holds the mutex or runs alone). */
static lw_status add_model(engine *E, const char *name, size_t len, const lw_model_arch *arch, bool defaulted,
                           int *out, lw_err *err)
{
    int n = atomic_load_explicit(&E->nmodels, memory_order_relaxed);
    if (n >= LW_TRACE_MAX_MODELS)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "more than %d distinct model names", LW_TRACE_MAX_MODELS);
    tmodel *m = &E->models[n];
    memcpy(m->name, name, len);
    m->name[len] = '\0';
    m->len = len;
    m->arch = arch;
    m->defaulted = defaulted;
    m->base = lw_workload_default();
    m->base.weight_precision = E->o->weight_precision_set ? E->o->weight_precision : arch->native_precision;
    m->base.kv_precision = E->o->kv_precision;
    lw_status st = lw_trace_add_estimator(E, arch, &m->est, err);
    if (st != LW_OK)
        return st;
    atomic_store_explicit(&E->nmodels, n + 1, memory_order_release);
    *out = n;
    return LW_OK;
}

static const lw_model_arch *mapped(engine *E, const char *name)
{
    for (int i = 0; i < E->o->nmap; i++)
        if (lw_streq_ci(E->o->map_from[i], name)) {
            const lw_model_arch *m = NULL;
            lw_catalogue_find_model(E->cat, E->o->map_to[i], &m, NULL);
            return m;
        }
    return NULL;
}

/* Index of the row's model; -1 with *st set on a fatal error, -2 for a bad row. */
int lw_trace_model_index(worker *w, const lw_trace_rec *r, lw_status *st, char *msg, size_t msgn)
{
    engine *E = w->E;
    const char *name = r->model_len ? r->model : "";
    size_t len = r->model_len;
    if (w->last_model >= 0) {
        const tmodel *m = &E->models[w->last_model];
        if (m->len == len && memcmp(m->name, name, len) == 0)
            return w->last_model;
    }
    int n = atomic_load_explicit(&E->nmodels, memory_order_acquire);
    for (int i = 0; i < n; i++)
        if (E->models[i].len == len && memcmp(E->models[i].name, name, len) == 0)
            return w->last_model = i;
    if (len == 0 && !E->o->default_model) {
        snprintf(msg, msgn, "has no model and no default model was given");
        return -2;
    }
    pthread_mutex_lock(&E->mu);
    int idx = -1;
    n = atomic_load_explicit(&E->nmodels, memory_order_relaxed);
    for (int i = 0; i < n && idx < 0; i++)
        if (E->models[i].len == len && memcmp(E->models[i].name, name, len) == 0)
            idx = i;
    lw_err err = {0};
    if (idx < 0) {
        char cname[LW_NAME_MAX];
        memcpy(cname, name, len);
        cname[len] = '\0';
        const lw_model_arch *arch = len == 0 ? E->o->default_model : mapped(E, cname);
        bool defaulted = false;
        if (!arch && lw_catalogue_find_model(E->cat, cname, &arch, NULL) != LW_OK)
            arch = NULL;
        if (!arch && E->o->unknown_model == LW_TRACE_UNKNOWN_DEFAULT && E->o->default_model) {
            arch = E->o->default_model;
            defaulted = true;
        }
        if (!arch) {
            *st = lw_fail(&err, LW_ERR_NOT_FOUND,
                          "model '%s' is not in the catalogue; map it with --model-map '%s=MODEL' or estimate "
                          "unknown names with the default model (--model NAME --unknown-model default)",
                          cname, cname);
        } else {
            *st = add_model(E, name, len, arch, defaulted, &idx, &err);
        }
    }
    pthread_mutex_unlock(&E->mu);
    if (idx < 0) {
        lw_strlcpy(msg, lw_err_message(&err), msgn);
        return -1;
    }
    return w->last_model = idx;
}

/* ---------- estimates ---------- */

void lw_trace_note_warning(worker *w, const lw_estimate *est)
{
    for (int i = 0; i < lw_estimate_warning_count(est); i++) {
        const char *msg = lw_estimate_warning(est, i);
        bool seen = false;
        for (int k = 0; k < w->nwarnings && !seen; k++)
            seen = strcmp(w->warnings[k], msg) == 0;
        if (!seen && w->nwarnings < 4)
            lw_strlcpy(w->warnings[w->nwarnings++], msg, sizeof w->warnings[0]);
    }
}

static bool small_whole(double v) { return v >= 0 && v <= 4294967295.0 && v == (double)(uint32_t)v; }

/* Energy of one row at the given batch, through the cache. */
const centry *lw_trace_row_energy(worker *w, int mi, const double tok[3], int batch, centry *scratch,
                                char (**text)[24], lw_err *err)
{
    engine *E = w->E;
    /* After 64k lookups a worker that hits less than 1 in 10 bypasses the cache: a miss costs a
     * cache-line fetch that a fresh estimate does not need. Values are the same either way. */
    if (!w->cache_off && w->calls + w->hits == 65536 && w->hits < 6554)
        w->cache_off = true;
    bool cacheable = !w->cache_off && small_whole(tok[0]) && small_whole(tok[1]) && small_whole(tok[2]);
    centry *c = scratch;
    *text = w->scratch_text;
    if (cacheable) {
        uint32_t in = (uint32_t)tok[0], out = (uint32_t)tok[1], rsn = (uint32_t)tok[2];
        uint64_t h = (uint64_t)in * 0x9E3779B97F4A7C15ULL ^ (uint64_t)out * 0xC2B2AE3D27D4EB4FULL ^
                     (uint64_t)rsn * 0x165667B19E3779F9ULL ^ ((uint64_t)batch << 20 | (uint64_t)mi) * 0xD6E8FEB86659FD93ULL;
        size_t slot = (size_t)((h ^ (h >> 31)) >> (64 - CACHE_BITS));
        c = &w->cache[slot];
        if (w->text)
            *text = w->text[slot];
        if (c->model == mi && c->in == in && c->out == out && c->rsn == rsn && c->batch == (uint32_t)batch) {
            w->hits++;
            return c;
        }
        c->in = in;
        c->out = out;
        c->rsn = rsn;
        c->batch = (uint32_t)batch;
    }
    c->model = -1;
    const tmodel *m = &E->models[mi];
    lw_workload wl = m->base;
    wl.input_tokens = tok[0];
    wl.output_tokens = tok[1];
    wl.reasoning_tokens = tok[2];
    wl.batch = batch;
    lw_estimate est;
    est.version = LW_ESTIMATE_VERSION; /* hot path: a run clears every figure, no need to zero 1 KiB */
    w->calls++;
    const lw_estimator *e = E->o->batch == 0 ? E->est_loose[m->est] : E->est[m->est];
    if (lw_estimator_run(e, &wl, &est, err) != LW_OK)
        return NULL;
    c->e[0] = est.energy_per_request_j.expected;
    c->e[1] = est.energy_per_request_j.low;
    c->e[2] = est.energy_per_request_j.high;
    /* Estimated batch: the loose estimator's only row-specific warning is the memory check
     * it was told to skip; the configuration's warnings are taken from the window solve. */
    c->warned = E->o->batch > 0 && lw_estimate_warning_count(&est) > 0;
    if (c->warned)
        lw_trace_note_warning(w, &est);
    if (E->o->per_request != LW_TRACE_OUT_NONE)
        lw_trace_out_numbers(c->e[0], tok[1], (*text)[0], (*text)[1]);
    c->model = mi;
    return c;
}

