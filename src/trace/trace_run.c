/* Trace engine: maps the file, cuts it at newline boundaries into chunks that worker threads
 * parse, resolves model names, estimates each row (through a per-thread estimate cache) and
 * merges per-chunk results in file order, so results do not depend on the thread count.
 *
 * Estimated concurrency takes two passes: pass 1 counts arrivals and tokens per (window,
 * model), the batch of each window is solved between the passes, pass 2 estimates. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "trace/trace_engine.h"
#include "core/util.h"

/* ---------- one chunk ---------- */

static void job_bad(job *j, uint64_t rel, const char *msg)
{
    if (j->nbad < LW_TRACE_MAX_BAD) {
        j->bad[j->nbad].line = rel;
        lw_strlcpy(j->bad[j->nbad].msg, msg, sizeof j->bad[0].msg);
        j->nbad++;
    }
    j->bad_count++;
}

static void job_fatal(engine *E, job *j, uint64_t rel, lw_status st, const char *msg)
{
    j->fatal = st;
    j->fatal_line = rel;
    lw_strlcpy(j->fatal_msg, msg, sizeof j->fatal_msg);
    int idx = (int)(j - E->jobs), cur = atomic_load(&E->fatal_job);
    while (idx < cur && !atomic_compare_exchange_weak(&E->fatal_job, &cur, idx))
        ;
}

static void job_time(job *j, int64_t t)
{
    if (!j->has_time) {
        j->has_time = true;
        j->tmin = j->tmax = j->tfirst = t;
    } else {
        if (t < j->tlast)
            j->out_of_order++;
        if (t < j->tmin)
            j->tmin = t;
        if (t > j->tmax)
            j->tmax = t;
    }
    j->tlast = t;
}

static int64_t floor_div(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

/* Returns false to stop the chunk (fatal). */
static bool do_row(worker *w, job *j, const char *p, size_t n, uint64_t rel)
{
    engine *E = w->E;
    const lw_trace_opts *o = E->o;
    lw_trace_rec *rp = &w->rec;
    char msg[300];
    int k = lw_trace_parse_line(&E->L, p, n, rp, msg, sizeof msg);
#define r (*rp)
    if (k == 0)
        return true;
    lw_status st = LW_OK;
    int mi = k > 0 ? lw_trace_model_index(w, &r, &st, msg, sizeof msg) : -2;
    if (mi == -1) {
        job_fatal(E, j, rel, st, msg);
        return false;
    }
    if (mi == -2) {
        if (!E->recording)
            return true;
        if (o->on_error == LW_TRACE_FAIL) {
            job_fatal(E, j, rel, LW_ERR_PARSE, msg);
            return false;
        }
        job_bad(j, rel, msg);
        return true;
    }
    if (E->recording && r.has_time)
        job_time(j, r.time_ns);
    if (E->pass == 1) {
        lw_win *wn = lw_winmap_get(&w->wins, floor_div(r.time_ns, E->window_ns), mi);
        if (!wn) {
            job_fatal(E, j, rel, LW_ERR_NO_MEMORY, "out of memory in the concurrency windows");
            return false;
        }
        wn->n++;
        for (int t = 0; t < 3; t++)
            wn->tok[t] += r.tok[t];
        return true;
    }
    int batch = o->batch;
    bool saturated = false;
    if (batch == 0) {
        int64_t win = floor_div(r.time_ns, E->window_ns);
        const lw_win *wn = w->lastwin;
        if (!wn || wn->window != win || wn->model != mi)
            wn = w->lastwin = lw_winmap_find(&E->windows, win, mi);
        if (!wn) {
            job_fatal(E, j, rel, LW_ERR_INVALID_ARGUMENT, "row changed between the two passes (is the file being written?)");
            return false;
        }
        batch = wn->batch;
        saturated = wn->saturated;
    }
    centry scratch;
    lw_err err;
    char(*text)[24];
    const centry *c = lw_trace_row_energy(w, mi, r.tok, batch, &scratch, &text, &err);
    if (!c) {
        job_fatal(E, j, rel, err.status, lw_err_message(&err));
        return false;
    }
    mstats *s = &j->stats[mi];
    s->requests++;
    for (int t = 0; t < 3; t++) {
        s->tok[t] += r.tok[t];
        s->e[t] += c->e[t];
    }
    s->batch_sum += batch;
    if (batch < s->bmin)
        s->bmin = batch;
    if (batch > s->bmax)
        s->bmax = batch;
    j->saturated += saturated;
    j->defaulted += E->models[mi].defaulted;
    j->warned += c->warned;
    w->hist[lw_hist_bucket(c->e[0])]++;
    if (c->e[0] < w->emin)
        w->emin = c->e[0];
    if (c->e[0] > w->emax)
        w->emax = c->e[0];
    if (o->per_request != LW_TRACE_OUT_NONE) {
        const tmodel *m = &E->models[mi];
        const char *mn = m->len ? m->name : m->arch->name;
        lw_trace_out_row(&j->out, o->per_request, j->first_line + rel, rp, mn, strlen(mn), batch, text[0], text[1]);
        if (j->out.oom) {
            job_fatal(E, j, rel, LW_ERR_NO_MEMORY, "out of memory buffering per-request output");
            return false;
        }
    }
    return true;
#undef r
}

static void run_job(worker *w, job *j)
{
    j->lines = 0;
    j->nbad = 0;
    j->bad_count = j->saturated = j->defaulted = j->warned = j->out_of_order = 0;
    j->has_time = false;
    j->fatal = LW_OK;
    j->out.len = 0;
    for (int m = 0; m < LW_TRACE_MAX_MODELS; m++) {
        memset(&j->stats[m], 0, sizeof j->stats[m]);
        j->stats[m].bmin = INT_MAX;
    }
    const char *p = j->begin;
    uint64_t rel = 0;
    while (p < j->end) {
        const char *nl = memchr(p, '\n', (size_t)(j->end - p));
        const char *le = nl ? nl : j->end;
        if (!do_row(w, j, p, (size_t)(le - p), rel))
            return;
        rel++;
        p = le + 1;
    }
    j->lines = rel;
}

static uint64_t count_lines(const job *j)
{
    uint64_t n = 0;
    const char *p = j->begin;
    while (p < j->end) {
        const char *nl = memchr(p, '\n', (size_t)(j->end - p));
        n++;
        if (!nl)
            break;
        p = nl + 1;
    }
    return n;
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    engine *E = w->E;
    pthread_mutex_lock(&E->gate_mu);
    while (!E->gate_open)
        pthread_cond_wait(&E->gate_cv, &E->gate_mu);
    pthread_mutex_unlock(&E->gate_mu);
    if (!E->started)
        return NULL;
    for (;;) {
        pthread_barrier_wait(&E->start);
        if (E->quit)
            return NULL;
        int k;
        if (E->need_lines) {
            while ((k = atomic_fetch_add(&E->next_count, 1)) < E->njobs)
                E->jobs[k].counted = count_lines(&E->jobs[k]);
            pthread_barrier_wait(&E->counted);
        }
        while ((k = atomic_fetch_add(&E->next_job, 1)) < E->njobs) {
            job *j = &E->jobs[k];
            if (k > atomic_load(&E->fatal_job)) {
                j->fatal = LW_OK;
                j->lines = 0;
                continue;
            }
            if (E->need_lines) {
                uint64_t first = E->round_line;
                for (int i = 0; i < k; i++)
                    first += E->jobs[i].counted;
                j->first_line = first;
            }
            run_job(w, j);
        }
        pthread_barrier_wait(&E->done);
    }
}

/* ---------- passes ---------- */

typedef struct pass_state {
    mstats ms[LW_TRACE_MAX_MODELS];
    bool have_last;
    int64_t last_t;
} pass_state;

static void merge_stats(mstats *d, const mstats *s)
{
    if (!s->requests)
        return;
    if (!d->requests) {
        d->bmin = INT_MAX;
        d->bmax = 0;
    }
    d->requests += s->requests;
    for (int t = 0; t < 3; t++) {
        d->tok[t] += s->tok[t];
        d->e[t] += s->e[t];
    }
    d->batch_sum += s->batch_sum;
    if (s->bmin < d->bmin)
        d->bmin = s->bmin;
    if (s->bmax > d->bmax)
        d->bmax = s->bmax;
}

/* Merges one finished chunk in file order. */
static lw_status merge_job(engine *E, job *j, uint64_t first, lw_trace_summary *S, pass_state *ps, lw_err *err)
{
    if (j->fatal != LW_OK) {
        const char *hint = j->fatal == LW_ERR_PARSE ? " (--on-error skip skips bad rows)" : "";
        return lw_fail(err, j->fatal, "'%s' line %llu: %s%s", E->path, (unsigned long long)(first + j->fatal_line),
                       j->fatal_msg, hint);
    }
    if (E->recording) {
        for (int b = 0; b < j->nbad && S->nbad < LW_TRACE_MAX_BAD; b++) {
            S->bad[S->nbad] = j->bad[b];
            S->bad[S->nbad].line += first;
            S->nbad++;
        }
        S->bad_rows += j->bad_count;
        if (j->has_time) {
            if (ps->have_last && j->tfirst < ps->last_t)
                S->out_of_order++;
            S->out_of_order += j->out_of_order;
            int64_t tmin = (int64_t)llround(S->first_time_s * 1e9), tmax = (int64_t)llround(S->last_time_s * 1e9);
            if (!S->has_time || j->tmin < tmin)
                S->first_time_s = (double)j->tmin / 1e9;
            if (!S->has_time || j->tmax > tmax)
                S->last_time_s = (double)j->tmax / 1e9;
            S->has_time = true;
            ps->have_last = true;
            ps->last_t = j->tlast;
        }
    }
    if (E->pass == 2) {
        for (int m = 0; m < LW_TRACE_MAX_MODELS; m++)
            merge_stats(&ps->ms[m], &j->stats[m]);
        S->saturated_requests += j->saturated;
        S->defaulted_requests += j->defaulted;
        S->warned_requests += j->warned;
        if (j->out.len) {
            lw_status st = E->o->sink(E->o->sink_ctx, j->out.p, j->out.len, err);
            if (st != LW_OK)
                return st;
        }
    }
    return LW_OK;
}

static lw_status run_pass(engine *E, int pass, int passes, size_t data_off, uint64_t first_line, lw_trace_summary *S,
                          pass_state *ps, lw_err *err)
{
    const lw_trace_opts *o = E->o;
    E->pass = pass;
    E->recording = pass == 1 || o->batch > 0;
    E->need_lines = pass == 2 && o->per_request != LW_TRACE_OUT_NONE;
    if (E->need_lines) {
        lw_tbuf h = {0};
        lw_trace_out_header(&h, o->per_request);
        lw_status st = h.oom ? lw_fail(err, LW_ERR_NO_MEMORY, "out of memory") : LW_OK;
        if (st == LW_OK && h.len)
            st = o->sink(o->sink_ctx, h.p, h.len, err);
        lw_tbuf_free(&h);
        if (st != LW_OK)
            return st;
    }
    size_t chunk = o->chunk_bytes ? o->chunk_bytes : (size_t)4 << 20;
    size_t pos = data_off;
    uint64_t line = first_line;
    while (pos < E->len) {
        int k = 0;
        while (k < E->maxjobs && pos < E->len) {
            job *j = &E->jobs[k++];
            j->begin = E->data + pos;
            size_t end = chunk >= E->len - pos ? E->len : pos + chunk;
            if (end < E->len) {
                const char *nl = memchr(E->data + end - 1, '\n', E->len - end + 1);
                end = nl ? (size_t)(nl - E->data) + 1 : E->len;
            }
            j->end = E->data + end;
            pos = end;
        }
        E->njobs = k;
        E->round_line = line;
        atomic_store(&E->next_job, 0);
        atomic_store(&E->next_count, 0);
        atomic_store(&E->fatal_job, INT_MAX);
        pthread_barrier_wait(&E->start);
        pthread_barrier_wait(&E->done);
        for (int i = 0; i < k; i++) {
            lw_status st = merge_job(E, &E->jobs[i], line, S, ps, err);
            if (st != LW_OK)
                return st;
            line += E->jobs[i].lines;
        }
        if (o->progress)
            o->progress(o->progress_ctx, pass == 1 ? 1 : passes, passes, pos - data_off, E->len - data_off);
    }
    S->lines = line - 1;
    return LW_OK;
}

static lw_status solve_windows(engine *E, lw_trace_summary *S, lw_err *err)
{
    for (int t = 0; t < E->nthreads; t++) {
        if (!lw_winmap_merge(&E->windows, &E->workers[t].wins))
            return lw_fail(err, LW_ERR_NO_MEMORY, "out of memory merging the concurrency windows");
        lw_winmap_free(&E->workers[t].wins);
    }
    double win_s = E->o->window_s;
    for (size_t i = 0; i < E->windows.n; i++) {
        lw_win *wn = &E->windows.v[i];
        const tmodel *m = &E->models[wn->model];
        lw_workload w = m->base;
        w.input_tokens = wn->tok[0] / (double)wn->n;
        w.output_tokens = wn->tok[1] / (double)wn->n;
        w.reasoning_tokens = wn->tok[2] / (double)wn->n;
        lw_err e2;
        lw_status st = lw_trace_solve_batch(E->est[m->est], w, (double)wn->n / win_s, E->o->max_batch, &wn->batch,
                                            &wn->saturated, &e2);
        lw_estimate est = LW_ESTIMATE_INIT;
        w.batch = wn->batch;
        if (st == LW_OK)
            st = lw_estimator_run(E->est[m->est], &w, &est, &e2);
        if (st != LW_OK)
            return lw_fail(err, st, "'%s': concurrency window at %g s, model '%s': %s", E->path,
                           (double)wn->window * win_s, m->len ? m->name : m->arch->name, lw_err_message(&e2));
        lw_trace_note_warning(&E->workers[0], &est);
    }
    S->windows = E->windows.n;
    return LW_OK;
}

/* ---------- setup and summary ---------- */

static void fill_summary(engine *E, const pass_state *ps, lw_trace_summary *S)
{
    int n = atomic_load(&E->nmodels);
    uint64_t *hist = calloc(LW_HIST_BUCKETS, sizeof *hist);
    double emin = INFINITY, emax = 0;
    for (int t = 0; t < E->nthreads; t++) {
        worker *w = &E->workers[t];
        if (hist)
            for (size_t b = 0; b < LW_HIST_BUCKETS; b++)
                hist[b] += w->hist[b];
        if (w->emin < emin)
            emin = w->emin;
        if (w->emax > emax)
            emax = w->emax;
        S->estimator_calls += w->calls;
        S->cache_hits += w->hits;
        for (int k = 0; k < w->nwarnings; k++) {
            bool seen = false;
            for (int i = 0; i < S->nwarnings_ && !seen; i++)
                seen = strcmp(S->warnings_[i], w->warnings[k]) == 0;
            if (!seen && S->nwarnings_ < 4)
                lw_strlcpy(S->warnings_[S->nwarnings_++], w->warnings[k], sizeof S->warnings_[0]);
        }
    }
    for (int m = 0; m < n; m++) {
        const tmodel *tm = &E->models[m];
        const mstats *s = &ps->ms[m];
        if (!s->requests)
            continue;
        lw_trace_model_summary *d = &S->models[S->nmodels++];
        lw_strlcpy(d->name, tm->name, sizeof d->name);
        lw_strlcpy(d->catalogue, tm->arch->name, sizeof d->catalogue);
        d->defaulted = tm->defaulted;
        d->requests = s->requests;
        d->input_tokens = s->tok[0];
        d->output_tokens = s->tok[1];
        d->reasoning_tokens = s->tok[2];
        d->energy_j = s->e[0];
        d->energy_low_j = s->e[1];
        d->energy_high_j = s->e[2];
        d->batch_sum = s->batch_sum;
        d->batch_min = s->bmin;
        d->batch_max = s->bmax;
        S->requests += s->requests;
        S->input_tokens += s->tok[0];
        S->output_tokens += s->tok[1];
        S->reasoning_tokens += s->tok[2];
        S->energy_j += s->e[0];
        S->energy_low_j += s->e[1];
        S->energy_high_j += s->e[2];
    }
    double pue = E->o->estimate.pue > 0 ? E->o->estimate.pue : 1.0;
    S->facility_energy_j = S->energy_j * pue;
    S->percentile_rel_resolution = 1.0 / (2 << LW_HIST_SUB_BITS);
    if (hist && S->requests) {
        S->p50_j = lw_hist_percentile(hist, S->requests, 50, emin, emax);
        S->p90_j = lw_hist_percentile(hist, S->requests, 90, emin, emax);
        S->p99_j = lw_hist_percentile(hist, S->requests, 99, emin, emax);
        S->min_j = emin;
        S->max_j = emax;
    }
    free(hist);
}

static void engine_free(engine *E)
{
    if (E->workers) {
        for (int t = 0; t < E->nthreads; t++) {
            free(E->workers[t].cache);
            free(E->workers[t].text);
            free(E->workers[t].hist);
            lw_winmap_free(&E->workers[t].wins);
        }
        free(E->workers);
    }
    if (E->jobs) {
        for (int k = 0; k < E->maxjobs; k++)
            lw_tbuf_free(&E->jobs[k].out);
        free(E->jobs);
    }
    lw_winmap_free(&E->windows);
    for (int i = 0; i < E->nest; i++) {
        lw_estimator_free(E->est[i]);
        lw_estimator_free(E->est_loose[i]);
    }
    pthread_mutex_destroy(&E->mu);
    pthread_mutex_destroy(&E->gate_mu);
    pthread_cond_destroy(&E->gate_cv);
}

/* Workers wait at a gate until the barriers are sized for the threads that did start. */
static lw_status start_threads(engine *E, lw_err *err)
{
    E->maxjobs = E->nthreads * JOBS_PER_THREAD;
    E->jobs = calloc((size_t)E->maxjobs, sizeof *E->jobs);
    E->workers = calloc((size_t)E->nthreads, sizeof *E->workers);
    if (!E->jobs || !E->workers)
        return lw_fail(err, LW_ERR_NO_MEMORY, "out of memory starting the trace threads");
    for (int t = 0; t < E->nthreads; t++) {
        worker *w = &E->workers[t];
        w->E = E;
        w->cache = malloc(sizeof *w->cache << CACHE_BITS);
        w->hist = calloc(LW_HIST_BUCKETS, sizeof *w->hist);
        if (E->o->per_request != LW_TRACE_OUT_NONE)
            w->text = malloc(sizeof *w->text << CACHE_BITS);
        if (!w->cache || !w->hist || (E->o->per_request != LW_TRACE_OUT_NONE && !w->text))
            return lw_fail(err, LW_ERR_NO_MEMORY, "out of memory for the estimate cache");
        for (size_t i = 0; i < (size_t)1 << CACHE_BITS; i++)
            w->cache[i].model = -1;
        w->emin = INFINITY;
        w->last_model = -1;
    }
    int started = 0;
    while (started < E->nthreads && pthread_create(&E->workers[started].th, NULL, worker_main, &E->workers[started]) == 0)
        started++;
    E->nthreads = started; /* fewer threads than asked when the system refuses more */
    E->started = started;
    if (started) {
        pthread_barrier_init(&E->start, NULL, (unsigned)started + 1);
        pthread_barrier_init(&E->done, NULL, (unsigned)started + 1);
        pthread_barrier_init(&E->counted, NULL, (unsigned)started);
    }
    pthread_mutex_lock(&E->gate_mu);
    E->gate_open = true;
    pthread_cond_broadcast(&E->gate_cv);
    pthread_mutex_unlock(&E->gate_mu);
    if (!started)
        return lw_fail(err, LW_ERR_NO_MEMORY, "cannot start any trace thread");
    return LW_OK;
}

static void stop_threads(engine *E)
{
    if (!E->started)
        return;
    E->quit = true;
    pthread_barrier_wait(&E->start);
    for (int t = 0; t < E->started; t++)
        pthread_join(E->workers[t].th, NULL);
    pthread_barrier_destroy(&E->start);
    pthread_barrier_destroy(&E->done);
    pthread_barrier_destroy(&E->counted);
}

static lw_status run_engine(engine *E, lw_trace_summary *S, lw_err *err)
{
    const lw_trace_opts *o = E->o;
    size_t data_off;
    uint64_t first_line;
    lw_err e2;
    lw_status st = lw_trace_layout_detect(o, E->data, E->len, &E->L, &data_off, &first_line, &e2);
    if (st != LW_OK)
        return lw_fail(err, st, "'%s' %s", E->path, lw_err_message(&e2));
    S->format = E->L.format;
    for (int c = 0; c < LW_TRACE_NCOLS; c++)
        if (E->L.present[c])
            lw_strlcpy(S->columns[c], E->L.name[c], sizeof S->columns[c]);
    if (!E->L.present[LW_TRACE_COL_MODEL] && !o->default_model)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "'%s' has no model column; give the model (--model NAME)", E->path);
    if (o->default_model) {
        int idx;
        if ((st = lw_trace_add_estimator(E, o->default_model, &idx, err)) != LW_OK)
            return st;
    }
    pass_state *ps = calloc(1, sizeof *ps);
    if (!ps)
        return lw_fail(err, LW_ERR_NO_MEMORY, "out of memory");
    int passes = o->batch == 0 ? 2 : 1;
    if (o->batch == 0) {
        E->window_ns = (int64_t)llround(o->window_s * 1e9);
        if (E->window_ns < 1)
            E->window_ns = 1;
        st = run_pass(E, 1, passes, data_off, first_line, S, ps, err);
        if (st == LW_OK)
            st = solve_windows(E, S, err);
    }
    if (st == LW_OK)
        st = run_pass(E, 2, passes, data_off, first_line, S, ps, err);
    fill_summary(E, ps, S);
    free(ps);
    return st;
}

lw_status lw_trace_summary_init(lw_trace_summary *out, unsigned int version, lw_err *err)
{
    lw_status st = lw_check_version("lw_trace_summary", "LW_TRACE_SUMMARY_INIT", version, LW_TRACE_SUMMARY_VERSION, err);
    if (st != LW_OK)
        return st;
    memset(out, 0, sizeof *out);
    out->version = version;
    return LW_OK;
}

int lw_trace_summary_warning_count(const lw_trace_summary *s)
{
    return s ? s->nwarnings_ : 0;
}

const char *lw_trace_summary_warning(const lw_trace_summary *s, int i)
{
    return s && i >= 0 && i < s->nwarnings_ ? s->warnings_[i] : NULL;
}

lw_status lw_trace_run(const lw_catalogue *cat, const char *path, const lw_trace_opts *o, lw_trace_summary *out,
                       lw_err *err)
{
    if (!cat || !path || !o || !out)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "lw_trace_run: NULL argument");
    lw_status vst = lw_trace_summary_init(out, out->version, err); /* version 1 is the whole struct */
    if (vst != LW_OK)
        return vst;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    lw_status st = lw_trace_check_opts(cat, o, err);
    if (st != LW_OK)
        return st;
    out->estimated_batch = o->batch == 0;
    out->batch = o->batch;
    out->window_s = o->batch == 0 ? o->window_s : 0;
    out->max_batch = o->batch == 0 ? o->max_batch : o->batch;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return lw_fail(err, LW_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return lw_fail(err, LW_ERR_IO, "'%s' is not a regular file", path);
    }
    engine *E = calloc(1, sizeof *E);
    if (!E) {
        close(fd);
        return lw_fail(err, LW_ERR_NO_MEMORY, "out of memory");
    }
    E->cat = cat;
    E->o = o;
    E->path = path;
    E->len = (size_t)sb.st_size;
    E->data = "";
    pthread_mutex_init(&E->mu, NULL);
    pthread_mutex_init(&E->gate_mu, NULL);
    pthread_cond_init(&E->gate_cv, NULL);
    void *map = NULL;
    if (E->len) {
        map = mmap(NULL, E->len, PROT_READ, MAP_PRIVATE, fd, 0);
        if (map == MAP_FAILED) {
            st = lw_fail(err, LW_ERR_IO, "cannot map '%s': %s", path, strerror(errno));
            map = NULL;
        } else {
            madvise(map, E->len, MADV_SEQUENTIAL);
            E->data = map;
        }
    }
    close(fd);
    out->bytes = E->len;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    E->nthreads = o->threads > 0 ? o->threads : (ncpu > 0 ? (int)ncpu : 1);
    if (E->nthreads > 256)
        E->nthreads = 256;
    out->threads = E->nthreads;
    if (st == LW_OK)
        st = start_threads(E, err);
    out->threads = E->nthreads;
    if (st == LW_OK)
        st = run_engine(E, out, err);
    stop_threads(E);
    if (map)
        munmap(map, E->len);
    engine_free(E);
    free(E);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    out->elapsed_s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
    return st;
}
