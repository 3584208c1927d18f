/* Internal layout of an lw_estimator, shared by estimate.c, roofline.c and seed_methods.c. */
#ifndef LW_ESTIMATE_INTERNAL_H
#define LW_ESTIMATE_INTERNAL_H

#include "llmwatt/estimate.h"

/* Seed 003 constants (data/constants/estimate.json, estimate.llm_bench.*). */
typedef struct lw_seed003 {
    double j_per_flop, flops_per_s, power_w, util_prefill, util_decode;
    double n_active; /* the catalogue's derived active parameter count */
} lw_seed003;

/* Seed 001 GPU profile: GPU_PROFILES entry or one derived from the catalogue. */
typedef struct lw_seed001_gpu {
    double peak_flops, power_rating_w, util_prefill, util_decode, power_util_prefill, power_util_decode;
} lw_seed001_gpu;

struct lw_estimator {
    lw_method method;
    lw_estimate_opts opts;
    lw_model_arch model;
    lw_param_counts params; /* derived once: runs account with lw_account_params */
    lw_gpu gpu;
    int gpus;
    int tp, pp;                        /* parallel plan: tp GPUs per stage, pp stages (tp x pp = gpus) */
    char plan_note[200];               /* how the plan was chosen */
    double usable_fraction;
    /* roofline */
    lw_roofline_coeffs co;
    bool calibrated;
    char coeff_source[256];
    double peak[LW_PREC_COUNT];        /* compute peak used for weights of each precision */
    lw_precision peak_prec[LW_PREC_COUNT];
    char prec_warning[LW_PREC_COUNT][160];
    double allreduce_latency_s, activation_bytes, link_bw_dir, band_factor;
    bool expert_parallel;              /* MoE on gpus > 1: routed experts split E/G per GPU */
    double alltoall_latency_s;         /* per dispatch or combine collective */
    double tp_link_bw_dir;             /* bandwidth of the tensor-parallel group's links, per direction */
    double internode_bw_dir, internode_latency_s; /* pipeline-stage transfers between nodes */
    double max_normal_z;               /* expected maximum of `gpus` independent N(0,1) draws */
    double kv_replication;             /* KV bytes each GPU reads / (total / gpus), >= 1 */
    double moe_efficiency;             /* routed-expert kernels' share of the dense efficiencies */
    /* power limit and clock lock (roofline.c, "power limits and clocks"); pw_active false: neither */
    bool pw_active;
    double pw_limit_w;                 /* per GPU; 0: none */
    double pw_clock_max;               /* highest clock ratio allowed: the lock / max clock, or 1 */
    double pw_clock_min;               /* lowest clock ratio of the DVFS table (min / max clock) */
    double pw_knee, pw_sm_share;       /* estimate.power.voltage_knee, estimate.power.sm_share_memory */
    /* seeds */
    lw_seed003 s003;
    lw_seed001_gpu s001;
    lw_seed_profile profile;
    char profile_note[256];
    char constants_source[512];
    /* warnings fixed at creation, copied into each estimate */
    char warnings[3][256];
    int nwarnings;
};

/* Expected maximum of n independent standard normal draws (n >= 1; 0 for n == 1), by
 * quadrature of n x phi(x) Phi(x)^(n-1): the busiest-GPU factor of the load-imbalance terms. */
double lw_expected_max_normal(int n);

/* Expected share of the busiest of g GPUs, as a multiple of the mean share, when `pairs`
 * independent items each land on one of g GPUs uniformly (multinomial): normal approximation
 * 1 + z_g sqrt((g-1)/pairs), capped at g (one GPU takes all). 1 for g == 1 or no items. */
double lw_busiest_share_factor(double pairs, int g, double z_g);

/* Expected number of touched experts on the busiest of g GPUs holding E/g experts each, when
 * `touched` of E experts are touched in expectation (each independently with q = touched/E):
 * mean m = touched/g, variance m(1-q), expected max m + z_g sqrt(m(1-q)), capped at E/g. */
double lw_busiest_touched(double touched, int num_experts, int g, double z_g);

/* Adds a warning to an estimate (drops it silently past the 4th). */
void lw_estimate_warn(lw_estimate *out, const char *msg);

lw_status lw_roofline_prepare(lw_estimator *e, const lw_catalogue *cat, const lw_estimate_opts *o, lw_err *err);
lw_status lw_roofline_run(const lw_estimator *e, const lw_workload *w, lw_estimate *out, lw_err *err);
lw_status lw_seed003_prepare(lw_estimator *e, const lw_catalogue *cat, lw_err *err);
lw_status lw_seed003_run(const lw_estimator *e, const lw_workload *w, lw_estimate *out, lw_err *err);
lw_status lw_seed001_prepare(lw_estimator *e, const lw_catalogue *cat, lw_err *err);
lw_status lw_seed001_run(const lw_estimator *e, const lw_workload *w, lw_estimate *out, lw_err *err);

/* Shared tail of every method: per-request and per-token bands, facility figure. */
void lw_estimate_finish(const lw_estimator *e, const lw_workload *w, double band_factor, lw_estimate *out);

/* Workload of a calibration row (batch rounded, output published, input given). */
lw_workload lw_calib_workload(const lw_calib_row *r, double input_tokens);

/* Runs one calibration row with a method (roofline: coefficients co, NULL: shipped fit) and the
 * given input length; memory is not strict (a warning). */
lw_status lw_calib_predict(const lw_catalogue *cat, const lw_calib_row *r, lw_method method, const lw_roofline_coeffs *co,
                           double input_tokens, lw_estimate *out, lw_err *err);

/* The input length a row is costed at: published, else the prior (estimate.validate.unpublished_input_tokens),
 * at most the longest prompt with which the row's measured batch fits the KV cache. */
double lw_calib_input(const lw_catalogue *cat, const lw_calib_row *r, int which /* -1 low, 0 expected, 1 high */);

/* The prior for a GPU without calibration rows: `prior` with power_k_compute from seed 002's
 * energy per MAC at the GPU's process node (physics.pj_per_mac.calibrated.*, physics.flops_per_mac):
 * dynamic power at the prior compute efficiency = pJ/MAC x eta_compute x 16-bit peak / FLOP per
 * MAC, as a fraction of TDP - idle. *pj_per_mac (may be NULL) gets the energy per MAC used, NAN
 * when the node is unknown or outside the table (then the prior is returned unchanged). */
lw_roofline_coeffs lw_roofline_gpu_prior(const lw_catalogue *cat, const lw_roofline_coeffs *prior, const lw_gpu *g,
                                         double *pj_per_mac);

/* lw_calibration_for_gpu, with the GPU's prior (lw_roofline_gpu_prior) when its architecture has no fit. */
lw_roofline_coeffs lw_calibration_for_gpu_in(const lw_catalogue *cat, const lw_calibration *c, const lw_gpu *g,
                                             bool *calibrated);

#endif
