/* Seed 002: energy per MAC, sustainable FLOP/s at TDP, physics limit and the MFU check. */
#include "llmwatt/physics.h"

#include <jansson.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

#define CAL_PREFIX "physics.pj_per_mac.calibrated."

lw_status lw_physics_calibrated_pj(const lw_catalogue *cat, double node_nm, double *pj, bool *interpolated, lw_err *err)
{
    /* The table: every "physics.pj_per_mac.calibrated.<N>nm" constant. */
    double lo_n = 0, lo_v = 0, hi_n = 0, hi_v = 0, min_n = INFINITY, max_n = 0;
    *interpolated = false;
    if (!(node_nm > 0))
        return lw_fail(err, LW_ERR_UNSUPPORTED, "no process node in the catalogue: the energy per MAC depends on it");
    for (size_t i = 0; i < lw_catalogue_constant_count(cat); i++) {
        const lw_constant *c = lw_catalogue_constant_at(cat, i);
        if (strncmp(c->key, CAL_PREFIX, strlen(CAL_PREFIX)) != 0)
            continue;
        char *end;
        double n = strtod(c->key + strlen(CAL_PREFIX), &end);
        if (strcmp(end, "nm") != 0 || !(n > 0))
            continue;
        min_n = fmin(min_n, n);
        max_n = fmax(max_n, n);
        if (n == node_nm) {
            *pj = c->value;
            return LW_OK;
        }
        if (n < node_nm && n > lo_n) {
            lo_n = n;
            lo_v = c->value;
        }
        if (n > node_nm && (hi_n == 0 || n < hi_n)) {
            hi_n = n;
            hi_v = c->value;
        }
    }
    if (lo_n == 0 || hi_n == 0)
        return lw_fail(err, LW_ERR_UNSUPPORTED, "process node %g nm is outside the calibrated table (%g..%g nm; 'llmwatt sources physics.')",
                       node_nm, min_n, max_n);
    /* Energy ~ node^b between the two listed neighbours. */
    double b = log(hi_v / lo_v) / log(hi_n / lo_n);
    *pj = lo_v * pow(node_nm / lo_n, b);
    *interpolated = true;
    return LW_OK;
}

static lw_status constant(const lw_catalogue *cat, const char *key, double *v, lw_err *err)
{
    const lw_constant *c;
    lw_status st = lw_catalogue_find_constant(cat, key, &c, err);
    if (st == LW_OK)
        *v = c->value;
    return st;
}

lw_status lw_physics_evaluate(const lw_catalogue *cat, const lw_gpu *gpu, lw_precision precision, double flops_per_mac, double mfu,
                              lw_physics_result *out, lw_err *err)
{
    memset(out, 0, sizeof *out);
    if (!(flops_per_mac == 1 || flops_per_mac == 2))
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "FLOPs per MAC must be 1 (seed 002) or 2 (vendor peaks), got %g", flops_per_mac);
    if (!isnan(mfu) && !(mfu > 0 && mfu <= 1))
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "MFU must be in (0, 1], got %g", mfu);
    if (!(gpu->tdp_w > 0))
        return lw_fail(err, LW_ERR_UNSUPPORTED, "GPU '%s' has no TDP in the catalogue: the physics limit is TDP / energy per op",
                       gpu->id);
    const char *ratio_key = NULL;
    lw_precision peak_p = precision;
    switch (precision) {
    case LW_PREC_BF16:
    case LW_PREC_FP16: break;
    case LW_PREC_FP8: ratio_key = "physics.precision_energy_ratio.fp8"; break;
    case LW_PREC_INT8: ratio_key = "physics.precision_energy_ratio.int8"; break;
    default:
        return lw_fail(err, LW_ERR_UNSUPPORTED, "precision %s: the energy per MAC is modelled for bf16/fp16, fp8 and int8 only",
                       lw_precision_name(precision));
    }
    out->peak_flops = gpu->peak_flops[peak_p];
    if (!(out->peak_flops > 0) && precision == LW_PREC_BF16 && gpu->peak_flops[LW_PREC_FP16] > 0)
        return lw_fail(err, LW_ERR_UNSUPPORTED, "GPU '%s' has no bf16 tensor cores (fp16 only): use precision fp16", gpu->id);
    if (!(out->peak_flops > 0))
        return lw_fail(err, LW_ERR_UNSUPPORTED, "GPU '%s' has no dense %s peak in the catalogue", gpu->id, lw_precision_name(precision));
    lw_status st;
    double cal, cal4, comp4, ext4;
    if ((st = lw_physics_calibrated_pj(cat, gpu->process_node_nm, &cal, &out->node_interpolated, err)) != LW_OK) {
        if (err) {
            char m[400];
            lw_strlcpy(m, lw_err_message(err), sizeof m);
            lw_fail(err, st, "GPU '%s': %s", gpu->id, m);
        }
        return st;
    }
    if ((st = constant(cat, CAL_PREFIX "4nm", &cal4, err)) != LW_OK ||
        (st = constant(cat, "physics.pj_per_mac.component.4nm", &comp4, err)) != LW_OK ||
        (st = constant(cat, "physics.pj_per_mac.external.4nm", &ext4, err)) != LW_OK)
        return st;
    out->precision_ratio = 1.0;
    if (ratio_key && (st = constant(cat, ratio_key, &out->precision_ratio, err)) != LW_OK)
        return st;
    out->precision = precision;
    out->tdp_w = gpu->tdp_w;
    out->node_nm = gpu->process_node_nm;
    out->node_factor = cal / cal4;
    out->flops_per_mac = flops_per_mac;
    out->have_mfu = !isnan(mfu);
    out->mfu = out->have_mfu ? mfu : 0;
    static const char *names[LW_PHYSICS_MODELS] = {"component", "calibrated", "external"};
    double pj[LW_PHYSICS_MODELS] = {comp4 * out->node_factor, cal, ext4 * out->node_factor};
    for (int i = 0; i < LW_PHYSICS_MODELS; i++) {
        lw_physics_model *m = &out->models[i];
        lw_strlcpy(m->name, names[i], sizeof m->name);
        m->pj_per_mac = pj[i] * out->precision_ratio;
        m->sustainable_flops = flops_per_mac * gpu->tdp_w / (m->pj_per_mac * 1e-12);
        m->physics_limit = m->sustainable_flops / out->peak_flops;
        m->binds = m->physics_limit <= 1;
        m->consistent = out->have_mfu && m->physics_limit > mfu;
    }
    if (out->have_mfu)
        out->max_pj_per_mac = flops_per_mac * gpu->tdp_w / (mfu * out->peak_flops) * 1e12;
    return LW_OK;
}

lw_precision lw_physics_default_precision(const lw_gpu *gpu)
{
    return gpu->peak_flops[LW_PREC_BF16] > 0 || !(gpu->peak_flops[LW_PREC_FP16] > 0) ? LW_PREC_BF16 : LW_PREC_FP16;
}

lw_status lw_physics_evaluate_all(const lw_catalogue *cat, const lw_gpu *gpu, double flops_per_mac, double mfu,
                                  lw_physics_result out[LW_PHYSICS_PRECISIONS], size_t *n, lw_err *err)
{
    const lw_precision every[LW_PHYSICS_PRECISIONS] = {lw_physics_default_precision(gpu), LW_PREC_FP8, LW_PREC_INT8};
    *n = 0;
    for (size_t k = 0; k < LW_PHYSICS_PRECISIONS; k++) {
        lw_status st = lw_physics_evaluate(cat, gpu, every[k], flops_per_mac, mfu, &out[*n], err);
        if (st == LW_OK)
            (*n)++;
        else if (k == 0 || gpu->peak_flops[every[k]] > 0) /* only a missing 8-bit peak is skipped */
            return st;
    }
    return LW_OK;
}

static json_t *result_json(const lw_physics_result *r)
{
    json_t *o = json_object(), *models = json_array();
    json_object_set_new(o, "precision", json_string(lw_precision_name(r->precision)));
    json_object_set_new(o, "tdp_w", json_real(r->tdp_w));
    json_object_set_new(o, "peak_flops", json_real(r->peak_flops));
    json_object_set_new(o, "node_nm", json_real(r->node_nm));
    json_object_set_new(o, "node_interpolated", json_boolean(r->node_interpolated));
    json_object_set_new(o, "precision_energy_ratio", json_real(r->precision_ratio));
    json_object_set_new(o, "flops_per_mac", json_real(r->flops_per_mac));
    for (int i = 0; i < LW_PHYSICS_MODELS; i++) {
        const lw_physics_model *m = &r->models[i];
        json_t *mo = json_object();
        json_object_set_new(mo, "name", json_string(m->name));
        json_object_set_new(mo, "pj_per_mac", json_real(m->pj_per_mac));
        json_object_set_new(mo, "sustainable_flops", json_real(m->sustainable_flops));
        json_object_set_new(mo, "physics_limit", json_real(m->physics_limit));
        json_object_set_new(mo, "binds", json_boolean(m->binds));
        if (r->have_mfu)
            json_object_set_new(mo, "consistent", json_boolean(m->consistent));
        json_array_append_new(models, mo);
    }
    json_object_set_new(o, "models", models);
    if (r->have_mfu) {
        json_object_set_new(o, "mfu", json_real(r->mfu));
        json_object_set_new(o, "max_pj_per_mac", json_real(r->max_pj_per_mac));
    }
    return o;
}

char *lw_physics_to_json(const lw_gpu *gpu, const lw_physics_result *results, size_t n, bool all, int indent, lw_err *err)
{
    if (!gpu || !results || n == 0 || (!all && n != 1) || indent < 0 || indent > 31) {
        lw_fail(err, LW_ERR_INVALID_ARGUMENT, "lw_physics_to_json: needs a GPU, 1 result (or 1.. with all) and an indent of 0..31");
        return NULL;
    }
    json_t *o;
    if (all) {
        o = json_object();
        json_object_set_new(o, "gpu", json_string(gpu->id));
        json_object_set_new(o, "tdp_w", json_real(gpu->tdp_w));
        json_t *arr = json_array();
        for (size_t k = 0; k < n; k++)
            json_array_append_new(arr, result_json(&results[k]));
        json_object_set_new(o, "precisions", arr);
    } else {
        o = result_json(&results[0]);
        json_object_set_new(o, "gpu", json_string(gpu->id));
    }
    char *text = json_dumps(o, JSON_REAL_PRECISION(15) | JSON_PRESERVE_ORDER | (indent ? JSON_INDENT(indent) : 0));
    json_decref(o);
    if (!text)
        lw_fail(err, LW_ERR_NO_MEMORY, "out of memory rendering the physics JSON");
    return text;
}
