/* `llmwatt scale` by names (lw_scale_request -> lw_scale_input) and its JSON, shared by the CLI
 * and the Python binding. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "llmwatt/scale.h"
#include "core/util.h"

lw_status lw_scale_request_init(lw_scale_request *req, unsigned int version, lw_err *err)
{
    if (version == 0)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "lw_scale_request has version 0: start it from LW_SCALE_REQUEST_INIT");
    if (version > LW_SCALE_REQUEST_VERSION)
        return lw_fail(err, LW_ERR_VERSION, "lw_scale_request version %u is newer than this libllmwatt %s (knows %u): use the library "
                       "the program was built with", version, lw_version(), LW_SCALE_REQUEST_VERSION);
    *req = lw_scale_request_default(); /* version 1 is the whole struct */
    return LW_OK;
}

/* One side: the model's active parameters and family unless given. */
static lw_status side(const lw_catalogue *cat, const char *model, double params, const char *family, const char *gpu, int gpus,
                      double power_w, const char *which, lw_scale_side *s, lw_err *err)
{
    memset(s, 0, sizeof *s);
    s->params = params;
    s->family = family;
    s->gpus = gpus;
    s->power_w = power_w;
    lw_status st;
    if (gpu && (st = lw_catalogue_find_gpu(cat, gpu, &s->gpu, err)) != LW_OK)
        return st;
    if (!model) {
        if (!(params > 0))
            return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "the %s needs --%s-model or --%s-params",
                           strcmp(which, "from") == 0 ? "baseline" : "target", which, which);
        return LW_OK;
    }
    const lw_model_arch *m;
    if ((st = lw_catalogue_find_model(cat, model, &m, err)) != LW_OK)
        return st;
    s->model = m->name;
    if (!s->family && m->family[0])
        s->family = m->family;
    if (!(params > 0)) {
        lw_param_counts pc;
        if ((st = lw_model_params(m, &pc, err)) != LW_OK)
            return st;
        s->params = pc.active;
    }
    return LW_OK;
}

lw_status lw_scale_resolve(const lw_catalogue *cat, const lw_scale_request *req, lw_scale_input *in, lw_err *err)
{
    if (!req || req->version == 0 || req->version > LW_SCALE_REQUEST_VERSION)
        return lw_fail(err, req && req->version ? LW_ERR_VERSION : LW_ERR_INVALID_ARGUMENT,
                       "lw_scale_request: start it from LW_SCALE_REQUEST_INIT (version %u, this library knows %u)",
                       req ? req->version : 0u, LW_SCALE_REQUEST_VERSION);
    *in = lw_scale_input_default();
    lw_status st;
    if ((st = side(cat, req->from_model, req->from_params, req->from_family, req->from_gpu, req->from_gpus, req->from_power_w, "from",
                   &in->from, err)) != LW_OK ||
        (st = side(cat, req->to_model, req->to_params, req->to_family, req->to_gpu, req->to_gpus, req->to_power_w, "to", &in->to,
                   err)) != LW_OK)
        return st;
    if (!in->to.gpu)
        in->to.gpu = in->from.gpu;
    in->baseline_j_per_token = req->baseline_j_per_token;
    in->multi_gpu = req->multi_gpu;
    in->have_k = req->have_k;
    in->have_mu = req->have_mu;
    in->have_eta = req->have_eta;
    in->have_alpha = req->have_alpha;
    in->k = req->k;
    in->mu = req->mu;
    in->eta = req->eta;
    in->alpha = req->alpha;
    return LW_OK;
}

bool lw_scale_uses_key(const lw_scale_input *in, const lw_scale_result *r, const char *key)
{
    char k[160];
    if (strcmp(key, "scale.k") == 0)
        return !in->have_k;
    if (strncmp(key, "scale.mu_arch.", 14) == 0) {
        const char *ft = in->to.family && *in->to.family ? in->to.family : NULL;
        const char *ff = in->from.family && *in->from.family ? in->from.family : NULL;
        if (in->have_mu || !ft || (ff && strcmp(ff, ft) == 0))
            return false;
        return strcmp(key + 14, ft) == 0 || (ff && strcmp(key + 14, ff) == 0);
    }
    if (strncmp(key, "scale.eta_util.", 15) == 0 && r->hardware_step && !in->have_eta && in->from.gpu) {
        const lw_gpu *gt = in->to.gpu ? in->to.gpu : in->from.gpu;
        snprintf(k, sizeof k, "scale.eta_util.%s.%s", in->from.gpu->id, gt->id);
        return strcmp(key, k) == 0;
    }
    return false;
}

static json_t *band_json(lw_band b)
{
    json_t *o = json_object();
    json_object_set_new(o, "low", json_real(b.low));
    json_object_set_new(o, "expected", json_real(b.expected));
    json_object_set_new(o, "high", json_real(b.high));
    return o;
}

static json_t *side_json(const lw_scale_side *s, const lw_scale_result *r, bool to)
{
    json_t *o = json_object();
    json_object_set_new(o, "model", s->model ? json_string(s->model) : json_null());
    json_object_set_new(o, "family", s->family && *s->family ? json_string(s->family) : json_null());
    json_object_set_new(o, "active_params", json_real(s->params));
    json_object_set_new(o, "gpu", s->gpu ? json_string(s->gpu->id) : json_null());
    json_object_set_new(o, "gpus", json_integer(s->gpus));
    if (r->hardware_step) {
        json_object_set_new(o, "memory_bw_bytes_per_s", json_real(s->gpu->memory_bw_bytes_per_s));
        json_object_set_new(o, "power_w", json_real(to ? r->to_power_w : r->from_power_w));
        json_object_set_new(o, "power_basis", json_string(to ? r->to_power_basis : r->from_power_basis));
    }
    return o;
}

char *lw_scale_to_json(const lw_scale_input *in, const lw_scale_result *r, const char *flagged, int indent, lw_err *err)
{
    if (!in || !r || indent < 0 || indent > 31) {
        lw_fail(err, LW_ERR_INVALID_ARGUMENT, "lw_scale_to_json: needs an input, a result and an indent of 0..31");
        return NULL;
    }
    json_t *o = json_object();
    json_object_set_new(o, "energy_per_token_j", band_json(r->energy_per_token_j));
    json_object_set_new(o, "baseline_j_per_token", json_real(in->baseline_j_per_token));
    json_object_set_new(o, "from", side_json(&in->from, r, false));
    json_object_set_new(o, "to", side_json(&in->to, r, true));
    json_t *f = json_object();
    json_object_set_new(f, "param_ratio", json_real(r->param_ratio));
    json_object_set_new(f, "log2_param_ratio", json_real(r->log2_param_ratio));
    json_object_set_new(f, "k", band_json(r->k));
    json_object_set_new(f, "size_factor", band_json(r->size_factor));
    json_t *mu = band_json(r->mu);
    json_object_set_new(mu, "basis", json_string(r->mu_basis));
    json_object_set_new(f, "mu_arch", mu);
    json_object_set_new(f, "hardware_step", json_boolean(r->hardware_step));
    json_object_set_new(f, "bandwidth_ratio", json_real(r->bandwidth_ratio));
    json_object_set_new(f, "power_ratio", band_json(r->power_ratio));
    json_object_set_new(f, "hardware_ratio", band_json(r->hardware_ratio));
    json_t *eta = band_json(r->eta);
    json_object_set_new(eta, "basis", json_string(r->hardware_step ? r->eta_basis : "not applied"));
    json_object_set_new(f, "eta_util", eta);
    json_t *mg = json_object();
    json_object_set_new(mg, "mode", json_string(lw_multi_gpu_name(in->multi_gpu)));
    json_object_set_new(mg, "alpha", json_real(r->alpha));
    json_object_set_new(mg, "factor", json_real(r->multi_gpu_factor));
    /* seed 000's tables (Parts 4, 5) apply M = 1: --multi-gpu none */
    json_object_set_new(mg, "departs_from_seed_table", json_boolean(r->hardware_step && r->multi_gpu_factor != 1.0));
    json_object_set_new(f, "multi_gpu", mg);
    json_object_set_new(f, "fit_residual", band_json(r->fit_residual));
    json_object_set_new(o, "factors", f);
    json_t *notes = json_array();
    for (int k = 0; k < r->nnotes; k++)
        json_array_append_new(notes, json_string(r->notes[k]));
    json_object_set_new(o, "notes", notes);
    if (flagged) {
        json_t *fl = json_array();
        int unused = 0;
        for (const char *p = flagged; *p;) {
            const char *nl = strchr(p, '\n');
            size_t n = nl ? (size_t)(nl - p) : strlen(p);
            char key[160];
            snprintf(key, sizeof key, "%.*s", (int)strcspn(p, " \n"), p);
            if (lw_scale_uses_key(in, r, key))
                json_array_append_new(fl, json_stringn(p, n));
            else
                unused++;
            p += n + (nl ? 1 : 0);
        }
        json_object_set_new(o, "flagged_coefficients", fl);
        json_object_set_new(o, "flagged_unused", json_integer(unused));
    }
    char *text = json_dumps(o, JSON_REAL_PRECISION(15) | JSON_PRESERVE_ORDER | (indent ? JSON_INDENT(indent) : 0));
    json_decref(o);
    if (!text)
        lw_fail(err, LW_ERR_NO_MEMORY, "out of memory rendering the scale JSON");
    return text;
}
