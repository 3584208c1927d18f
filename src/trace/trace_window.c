/* Concurrency estimate: per (time window, model) arrival statistics and the batch solving
 * Little's law B = lambda * T(B). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "trace/trace_internal.h"
#include "core/util.h"

static size_t win_hash(int64_t window, int model, size_t mask)
{
    uint64_t h = (uint64_t)window * 0x9E3779B97F4A7C15ULL ^ ((uint64_t)model + 1) * 0xC2B2AE3D27D4EB4FULL;
    h ^= h >> 29;
    return (size_t)h & mask;
}

static bool rehash(lw_winmap *m, size_t nslots)
{
    uint32_t *slot = calloc(nslots, sizeof *slot);
    if (!slot)
        return false;
    for (size_t i = 0; i < m->n; i++) {
        size_t h = win_hash(m->v[i].window, m->v[i].model, nslots - 1);
        while (slot[h])
            h = (h + 1) & (nslots - 1);
        slot[h] = (uint32_t)(i + 1);
    }
    free(m->slot);
    m->slot = slot;
    m->nslots = nslots;
    return true;
}

const lw_win *lw_winmap_find(const lw_winmap *m, int64_t window, int model)
{
    if (!m->nslots)
        return NULL;
    size_t mask = m->nslots - 1, h = win_hash(window, model, mask);
    while (m->slot[h]) {
        lw_win *w = &m->v[m->slot[h] - 1];
        if (w->window == window && w->model == model)
            return w;
        h = (h + 1) & mask;
    }
    return NULL;
}

lw_win *lw_winmap_get(lw_winmap *m, int64_t window, int model)
{
    if (m->last && m->v[m->last - 1].window == window && m->v[m->last - 1].model == model)
        return &m->v[m->last - 1];
    const lw_win *found = lw_winmap_find(m, window, model);
    if (found) {
        m->last = (size_t)(found - m->v) + 1;
        return &m->v[m->last - 1];
    }
    if (m->n >= UINT32_MAX - 1)
        return NULL;
    if ((m->n + 1) * 2 > m->nslots && !rehash(m, m->nslots ? m->nslots * 2 : 1024))
        return NULL;
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 256;
        lw_win *v = realloc(m->v, cap * sizeof *v);
        if (!v)
            return NULL;
        m->v = v;
        m->cap = cap;
    }
    lw_win *w = &m->v[m->n++];
    memset(w, 0, sizeof *w);
    w->window = window;
    w->model = model;
    size_t mask = m->nslots - 1, h = win_hash(window, model, mask);
    while (m->slot[h])
        h = (h + 1) & mask;
    m->slot[h] = (uint32_t)m->n;
    m->last = m->n;
    return w;
}

bool lw_winmap_merge(lw_winmap *dst, const lw_winmap *src)
{
    for (size_t i = 0; i < src->n; i++) {
        const lw_win *s = &src->v[i];
        lw_win *d = lw_winmap_get(dst, s->window, s->model);
        if (!d)
            return false;
        d->n += s->n;
        for (int k = 0; k < 3; k++)
            d->tok[k] += s->tok[k];
    }
    return true;
}

void lw_winmap_free(lw_winmap *m)
{
    free(m->v);
    free(m->slot);
    memset(m, 0, sizeof *m);
}

/* T(B): the time a request of w spends in the server at batch B (its batch's prefill and
 * decode time; the estimator's phase times are those of the whole batch). */
static lw_status request_time(const lw_estimator *e, lw_workload w, int batch, double *t, lw_err *err)
{
    lw_estimate est;
    est.version = LW_ESTIMATE_VERSION; /* called in the batch search: a run clears every figure */
    w.batch = batch;
    lw_status st = lw_estimator_run(e, &w, &est, err);
    if (st != LW_OK)
        return st;
    *t = est.time_s;
    if (!(*t >= 0) || !isfinite(*t))
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "the estimator gave a request time of %g s at batch %d", *t, batch);
    return LW_OK;
}

/* Largest batch in [lo, hi] whose estimate fits in memory, lo known to fit (hi does not). */
static lw_status largest_fitting(const lw_estimator *e, lw_workload w, int lo, int hi, int *out, lw_err *err)
{
    while (hi - lo > 1) {
        int mid = lo + (hi - lo) / 2;
        double t;
        lw_err e2;
        lw_status st = request_time(e, w, mid, &t, &e2);
        if (st == LW_OK)
            lo = mid;
        else if (st == LW_ERR_INFEASIBLE)
            hi = mid;
        else {
            if (err)
                *err = e2;
            return st;
        }
    }
    *out = lo;
    return LW_OK;
}

lw_status lw_trace_solve_batch(const lw_estimator *e, lw_workload w, double rate_per_s, int max_batch, int *batch,
                               bool *saturated, lw_err *err)
{
    /* B <- max(B + 1, ceil(lambda T(B))) from B = 1 until lambda T(B) <= B. With T
     * non-decreasing in B this never passes the smallest solution B*: for B < B*,
     * lambda T(B) <= lambda T(B*) <= B*, so each step lands at or below B*.
     * A batch whose KV cache does not fit (estimator: LW_ERR_INFEASIBLE) caps B at the
     * largest one that fits, found by bisection, like max_batch caps it. */
    int b = 1, fits = 0;
    *saturated = false;
    for (;;) {
        double t;
        lw_err e2;
        lw_status st = request_time(e, w, b, &t, &e2);
        if (st == LW_ERR_INFEASIBLE && fits > 0) {
            *saturated = true;
            return largest_fitting(e, w, fits, b, batch, err);
        }
        if (st != LW_OK) {
            if (err)
                *err = e2;
            return st;
        }
        fits = b;
        double need = rate_per_s * t;
        if (need <= (double)b) {
            *batch = b;
            return LW_OK;
        }
        if (b >= max_batch) {
            *batch = max_batch;
            *saturated = true;
            return LW_OK;
        }
        double next = ceil(need);
        int nb = next > (double)max_batch ? max_batch : (int)next;
        b = nb > b + 1 ? nb : b + 1;
    }
}
