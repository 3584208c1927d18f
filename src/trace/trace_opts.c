/* Trace options: defaults from the catalogue and validation before any reading. */
#include <math.h>
#include <string.h>

#include "trace/trace_internal.h"
#include "core/util.h"

lw_status lw_trace_opts_init(lw_trace_opts *out, unsigned int version, const lw_catalogue *cat, lw_err *err)
{
    lw_status st = lw_check_version("lw_trace_opts", "LW_TRACE_OPTS_INIT", version, LW_TRACE_OPTS_VERSION, err);
    if (st != LW_OK)
        return st;
    /* version 1 is the whole struct; strict memory: the trace sizes its own batch (trace_window.c) */
    lw_trace_opts o = LW_TRACE_OPTS_INIT;
    if (cat) {
        o.window_s = lw_catalogue_value(cat, "trace.window_s", o.window_s);
        o.max_batch = (int)lw_catalogue_value(cat, "trace.max_batch", o.max_batch);
    }
    *out = o;
    return LW_OK;
}

lw_status lw_trace_check_opts(const lw_catalogue *cat, const lw_trace_opts *o, lw_err *err)
{
    lw_status vst = lw_check_version("lw_trace_opts", "lw_trace_opts_default() or LW_TRACE_OPTS_INIT", o->version,
                                     LW_TRACE_OPTS_VERSION, err);
    if (vst != LW_OK)
        return vst;
    if (!o->gpu)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "no GPU given for the trace estimate");
    if (o->batch < 0 || o->batch > 1000000)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "batch must be between 1 and 1000000 (0: estimated)");
    if (o->batch == 0 && (!(o->window_s > 0) || !isfinite(o->window_s) || o->window_s > 1e9))
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "the concurrency window must be > 0 s");
    if (o->batch == 0 && (o->max_batch < 1 || o->max_batch > 1000000))
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "the maximum batch must be between 1 and 1000000");
    if (o->per_request != LW_TRACE_OUT_NONE && !o->sink)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "per-request output needs a sink");
    if (o->nmap < 0 || o->nmap > LW_TRACE_MAX_MAP)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "at most %d model mappings", LW_TRACE_MAX_MAP);
    for (int i = 0; i < o->nmap; i++) {
        const lw_model_arch *m;
        lw_err e2;
        if (!o->map_from[i] || !o->map_to[i] || !o->map_from[i][0])
            return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "model mapping %d is empty", i + 1);
        if (strlen(o->map_from[i]) >= LW_NAME_MAX)
            return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "mapped name '%.40s...' is too long", o->map_from[i]);
        if (lw_catalogue_find_model(cat, o->map_to[i], &m, &e2) != LW_OK)
            return lw_fail(err, e2.status, "model map '%s=%s': %s", o->map_from[i], o->map_to[i], lw_err_message(&e2));
    }
    return LW_OK;
}
