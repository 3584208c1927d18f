/* llmwatt: energy per multiply-accumulate and the "physics limit" of a GPU (seed 002).
 *
 * Three models of the energy of one MAC: component (Horowitz-scaled register file + ALU),
 * calibrated (seed 002's node table) and external (a published 2.5 pJ). For each:
 *   sustainable FLOP/s = flops_per_mac · TDP / energy per MAC
 *   physics limit      = sustainable FLOP/s / dense peak FLOP/s
 * An observed MFU must stay below the physics limit, so it bounds the energy per MAC:
 *   max energy per MAC = flops_per_mac · TDP / (MFU · dense peak).
 * Seed 002 counts 1 MAC as 1 FLOP (flops_per_mac = 1); vendor peaks count an FMA as 2 FLOP,
 * under which every sustainable rate, limit and maximum doubles. Constants: data/constants/
 * physics.json ("physics.*"). */
#ifndef LLMWATT_PHYSICS_H
#define LLMWATT_PHYSICS_H

#include "llmwatt/export.h"
#include <stdbool.h>
#include "llmwatt/catalogue.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LW_PHYSICS_MODELS 3

typedef struct lw_physics_model {
    char name[16];             /* "component", "calibrated", "external" */
    double pj_per_mac;         /* at the GPU's node and the precision */
    double sustainable_flops;  /* FLOP/s that TDP sustains at this energy */
    double physics_limit;      /* sustainable / dense peak (may exceed 1: power is then not the limit) */
    bool binds;                /* physics_limit <= 1: TDP at this energy caps throughput below the peak;
                                * false: the GPU's dense peak limits it first, not the energy model */
    bool consistent;           /* physics_limit > MFU (only meaningful with an MFU) */
} lw_physics_model;

typedef struct lw_physics_result {
    lw_precision precision;
    double tdp_w;
    double peak_flops;          /* dense peak at the precision */
    double node_nm;
    bool node_interpolated;     /* the node is not in the table: log-log interpolation */
    double node_factor;         /* calibrated(node) / calibrated(4 nm), applied to the other two models */
    double precision_ratio;     /* energy per MAC relative to bf16 */
    double flops_per_mac;
    lw_physics_model models[LW_PHYSICS_MODELS];
    bool have_mfu;
    double mfu;
    double max_pj_per_mac;      /* largest energy per MAC the MFU allows (with have_mfu) */
} lw_physics_result;

/* Calibrated energy per MAC (bf16) at a process node: the seed 002 table value when the node is
 * listed, else log-log interpolation between the neighbouring listed nodes. A node outside the
 * table's range (or <= 0: not published) gives LW_ERR_UNSUPPORTED. */
LW_API lw_status lw_physics_calibrated_pj(const lw_catalogue *cat, double node_nm, double *pj, bool *interpolated, lw_err *err);

/* Evaluates the three models for a GPU at a precision (bf16/fp16, fp8, int8). flops_per_mac is
 * 1 (seed 002) or 2; mfu in (0, 1], or NAN for none. Fails (LW_ERR_UNSUPPORTED) on a GPU
 * without TDP, process node or a dense peak at the precision (bf16 on an fp16-only GPU such as
 * V100 or T4 included: it is not evaluated at the fp16 peak under the bf16 name). */
LW_API lw_status lw_physics_evaluate(const lw_catalogue *cat, const lw_gpu *gpu, lw_precision precision, double flops_per_mac, double mfu,
                                     lw_physics_result *out, lw_err *err);

/* The 16-bit precision `llmwatt physics` uses by default: bf16, or fp16 on a GPU whose catalogue
 * record has an fp16 peak but no bf16 one (V100, T4). */
LW_API lw_precision lw_physics_default_precision(const lw_gpu *gpu);

#define LW_PHYSICS_PRECISIONS 3

/* `--precision all`: the default 16-bit precision, then fp8 and int8 where the GPU has a dense
 * peak for them; out[] holds LW_PHYSICS_PRECISIONS entries, *n is set to those filled. Fails as
 * lw_physics_evaluate does when the 16-bit one cannot be evaluated. */
LW_API lw_status lw_physics_evaluate_all(const lw_catalogue *cat, const lw_gpu *gpu, double flops_per_mac, double mfu,
                                         lw_physics_result out[LW_PHYSICS_PRECISIONS], size_t *n, lw_err *err);

/* The JSON of `llmwatt physics --json`: for all == false, results[0]'s object with "gpu"
 * appended; for all == true, {"gpu", "tdp_w", "precisions": [n objects]}. Heap text (lw_free()),
 * one line for indent 0, else indented (1..31); NULL on bad arguments (LW_ERR_INVALID_ARGUMENT)
 * or out of memory. Reads its arguments only: thread safe. */
LW_API char *lw_physics_to_json(const lw_gpu *gpu, const lw_physics_result *results, size_t n, bool all, int indent, lw_err *err);

#ifdef __cplusplus
}
#endif
#endif
