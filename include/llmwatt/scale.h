/* llmwatt: extrapolation of a measured J/token to another model and GPU (seed 000), and the
 * least-squares fit of its coefficients to measured points.
 *
 * Formula 1 (model):    E1 = E_base · (N_to/N_from) · k^log2(N_to/N_from) · mu_arch
 * Formula 2 (hardware): E  = E1 · (B_from/B_to) · (P_to/P_from) · eta_util · M(G_from, G_to)
 * N: active parameters; B: memory bandwidth per GPU; P: typical inference power per GPU;
 * M: the multi-GPU term, one of three modes (see lw_multi_gpu_mode). Each coefficient is a band
 * (low, expected, high); the result's low/high take, factor by factor, the smaller/larger end,
 * so a band stays ordered when the model shrinks (log2 ratio < 0). Coefficients come from the
 * catalogue (data/constants/scale.json, keys "scale.*"), which a fit output file can override. */
#ifndef LLMWATT_SCALE_H
#define LLMWATT_SCALE_H

#include "llmwatt/export.h"
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include "llmwatt/catalogue.h"
#include "llmwatt/estimate.h"
#include "llmwatt/points.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How the GPU counts enter Formula 2 (R(G) = 1 + alpha·(G - 1)):
 * OVERHEAD (default): M = R(G_to)/R(G_from). Per-token energy on G tensor-parallel GPUs is
 *   G·P·t_token and t_token shrinks ~1/G as the weights are streamed by G memory systems at
 *   once, so G cancels and only the communication overhead survives.
 * SEED: M = G_to·R(G_to) / (G_from·R(G_from)), seed 000 Part 2's formula as written.
 * NONE: M = 1, what seed 000 Part 4's numbers did ("already baked into eta_util"). */
typedef enum lw_multi_gpu_mode { LW_MULTI_GPU_OVERHEAD = 0, LW_MULTI_GPU_SEED = 1, LW_MULTI_GPU_NONE = 2 } lw_multi_gpu_mode;

/* "overhead", "seed", "none". */
LW_API const char *lw_multi_gpu_name(lw_multi_gpu_mode m);
LW_API lw_status lw_multi_gpu_parse(const char *name, lw_multi_gpu_mode *out, lw_err *err);

/* One end of the extrapolation (the measured baseline, or the target). */
typedef struct lw_scale_side {
    const char *model;       /* name for display, may be NULL */
    double params;           /* active parameters N (> 0) */
    const char *family;      /* mu_arch family; NULL or "": none given */
    const lw_gpu *gpu;       /* NULL: no hardware step (Formula 1 only, both sides NULL) */
    double power_w;          /* > 0 overrides the GPU's typical inference power */
    int gpus;                /* >= 1 */
} lw_scale_side;

typedef struct lw_scale_input {
    double baseline_j_per_token; /* > 0 */
    lw_scale_side from;
    lw_scale_side to;
    lw_multi_gpu_mode multi_gpu;
    /* Overrides of the catalogue coefficients (set the flag to use the band given). */
    bool have_k, have_mu, have_eta, have_alpha;
    lw_band k;     /* each in (0, 2) */
    lw_band mu;    /* the whole mu_arch factor, > 0 */
    lw_band eta;   /* > 0 */
    double alpha;  /* >= 0 */
} lw_scale_input;

/* Zeroed input: 1 GPU each side, overhead mode, no overrides. */
LW_API lw_scale_input lw_scale_input_default(void);

#define LW_SCALE_NOTES 8

typedef struct lw_scale_result {
    lw_band energy_per_token_j;
    double param_ratio;        /* N_to/N_from */
    double log2_param_ratio;
    lw_band k;                 /* coefficient used */
    lw_band size_factor;       /* param_ratio · k^log2(param_ratio) */
    lw_band mu;                /* mu_arch factor (1,1,1 when no target family) */
    char mu_basis[256];        /* where mu came from, in words */
    bool hardware_step;        /* Formula 2 applied */
    double bandwidth_ratio;    /* B_from/B_to */
    double from_power_w, to_power_w;        /* expected power per GPU used */
    char from_power_basis[256], to_power_basis[256];
    lw_band power_ratio;       /* P_to/P_from, widened when a power is the TDP-fraction fallback */
    lw_band hardware_ratio;    /* bandwidth_ratio · power_ratio */
    lw_band eta;
    char eta_basis[160];
    double alpha;
    double multi_gpu_factor;   /* M(G_from, G_to) in the chosen mode */
    lw_band fit_residual;      /* 90% residual band of a fitted coefficients file (1,1,1 without) */
    char notes[LW_SCALE_NOTES][256];
    int nnotes;
} lw_scale_result;

/* Runs Formulas 1 and 2. Errors: non-positive baseline or parameters, k outside (0, 2), an
 * unknown family (neither a "scale.mu_arch.FAMILY" constant nor any catalogue model's family:
 * LW_ERR_NOT_FOUND), a GPU without memory bandwidth, or without both a typical inference power
 * and a TDP when no power is given (LW_ERR_UNSUPPORTED), a target GPU without a baseline GPU. */
LW_API lw_status lw_scale_run(const lw_catalogue *cat, const lw_scale_input *in, lw_scale_result *out, lw_err *err);

/* True when `family` is known: it has a "scale.mu_arch.FAMILY" constant or a catalogue model has it. */
LW_API bool lw_scale_family_known(const lw_catalogue *cat, const char *family);

/* ---------- by names: what the CLI and the Python binding call ---------- */

/* A scale request by catalogue names, resolved by lw_scale_resolve into an lw_scale_input the
 * way `llmwatt scale` does. Versioned (docs/design.md, "ABI"): start from LW_SCALE_REQUEST_INIT,
 * lw_scale_request_default() or lw_scale_request_init(); new fields are only appended. Strings
 * are borrowed: they must outlive the lw_scale_input resolved from them. */
#define LW_SCALE_REQUEST_VERSION 1
typedef struct lw_scale_request {
    unsigned int version;           /* LW_SCALE_REQUEST_VERSION */
    double baseline_j_per_token;    /* measured J per output token of the baseline (> 0) */
    const char *from_model, *to_model;   /* catalogue name, alias or Hugging Face id; NULL: none */
    double from_params, to_params;  /* active parameters; > 0 overrides the model's, and is needed without a model */
    const char *from_family, *to_family; /* mu_arch family; NULL: the model's family */
    const char *from_gpu, *to_gpu;  /* catalogue GPU; NULL: none (to_gpu NULL: from_gpu) */
    int from_gpus, to_gpus;         /* >= 1 (default 1) */
    double from_power_w, to_power_w; /* > 0 overrides the typical inference power per GPU */
    lw_multi_gpu_mode multi_gpu;    /* default LW_MULTI_GPU_OVERHEAD */
    bool have_k, have_mu, have_eta, have_alpha; /* overrides, as lw_scale_input */
    lw_band k, mu, eta;
    double alpha;
} lw_scale_request;

#ifdef __cplusplus
#define LW_SCALE_REQUEST_INIT (lw_scale_request_default())
#else
#define LW_SCALE_REQUEST_INIT {.version = LW_SCALE_REQUEST_VERSION, .from_gpus = 1, .to_gpus = 1, .multi_gpu = LW_MULTI_GPU_OVERHEAD}
#endif

/* The defaults, by value (inline: built with the caller's struct size). */
static inline lw_scale_request lw_scale_request_default(void)
{
    lw_scale_request r;
    memset(&r, 0, sizeof r);
    r.version = LW_SCALE_REQUEST_VERSION;
    r.from_gpus = r.to_gpus = 1;
    r.multi_gpu = LW_MULTI_GPU_OVERHEAD;
    return r;
}

/* Sets the defaults, for an FFI that cannot expand macros (LW_ERR_VERSION when this library is
 * older than the caller's headers, LW_ERR_INVALID_ARGUMENT for version 0). */
LW_API lw_status lw_scale_request_init(lw_scale_request *req, unsigned int version, lw_err *err);

/* Resolves names into *in (pointers into the catalogue and into req's strings): models give the
 * active parameters and the family unless given; to_gpu defaults to from_gpu. Errors: no baseline
 * or target size (LW_ERR_INVALID_ARGUMENT: "the baseline needs --from-model or --from-params"),
 * an unknown model or GPU (LW_ERR_NOT_FOUND), a bad version. lw_scale_run checks the rest. */
LW_API lw_status lw_scale_resolve(const lw_catalogue *cat, const lw_scale_request *req, lw_scale_input *in, lw_err *err);

/* True when the run of `in` takes the catalogue constant `key` ("scale.k", "scale.mu_arch.F",
 * "scale.eta_util.FROM.TO"): not overridden by --k/--mu/--eta, and the family or GPU pair is the
 * run's. Lets a caller warn about the flagged coefficients a run actually uses. */
LW_API bool lw_scale_uses_key(const lw_scale_input *in, const lw_scale_result *r, const char *key);

/* The JSON of `llmwatt scale --json` for a run: heap text (lw_free()), one line for indent 0, else
 * indented (1..31). flagged: NULL, or the lines of lw_scale_check_coefficients when a flagged
 * coefficients file was accepted (the JSON then carries "flagged_coefficients": the lines whose
 * key the run uses (lw_scale_uses_key), and "flagged_unused": how many others). NULL on a bad
 * indent (LW_ERR_INVALID_ARGUMENT) or out of memory. Reads its arguments only: thread safe. */
LW_API char *lw_scale_to_json(const lw_scale_input *in, const lw_scale_result *r, const char *flagged, int indent, lw_err *err);

/* ---------- fit ---------- */

typedef struct lw_fit_opts {
    lw_multi_gpu_mode multi_gpu;  /* M used while fitting (default overhead) */
    double alpha;                 /* NAN: the catalogue's scale.alpha */
    double batch_match;           /* pairs only between points whose batch ratio is <= this (default 1.5) */
    int bootstrap;                /* resamples of the points for the coefficient intervals (default 200; 0: none) */
    unsigned long seed;           /* bootstrap random seed (default 1) */
} lw_fit_opts;

LW_API lw_fit_opts lw_fit_opts_default(void);

/* A fitted coefficient: point estimate and the 5th..95th percentile over bootstrap resamples
 * (low = high = value when not resampled); `identified` is false when the data hold no pair
 * that separates it (then value is 1 and it is not written to the coefficients file). */
typedef struct lw_fit_coef {
    char name[64];       /* "k", a family ("llama3") or a GPU id ("b200") */
    double value;
    double low, high;
    bool identified;
    bool reference;      /* the family or GPU the others are relative to (value 1 by definition) */
    int pairs;           /* pairs in which the coefficient's term is non-zero */
    /* Checks (fields appended for issue 10). A coefficient is flagged when its value lies outside
     * its physical range or when it is confounded with the data source. */
    bool in_range;              /* range_low <= value <= range_high (true for the reference family
                                 * or GPU and for an unidentified coefficient) */
    double range_low, range_high; /* "scale.physical_range.*": k (seed 000 §1.1), mu_arch (§1.2,
                                 * widened to lo/hi..hi/lo when the reference family is not
                                 * qwen2.5), eta_util of a GPU pair (§1.3 bounds as a ratio) */
    char range_source[160];     /* citation of the range ("seed 000 §1.2; scale.physical_range.mu_arch") */
    char confounded_with[256];  /* "" or the source(s) (source_title up to " (", "; "-separated) of
                                 * the coefficient's points: with one free effect per source the
                                 * pairs no longer determine it, so its value may be the sources'
                                 * boundary or method rather than the model or GPU */
} lw_fit_coef;

/* Accuracy of a coefficient set on pairs of points: a prediction of point j from point i. */
typedef struct lw_fit_accuracy {
    int pairs;
    int unpredictable;       /* held-out pairs whose family or GPU no other point identifies */
    double median_abs_err;   /* median of |pred/actual - 1| */
    double coverage;         /* share of actual values inside the prediction's low..high */
    double band_low, band_high; /* 5th and 95th percentile of actual/pred */
    double rms_log;          /* root mean square of ln(actual/pred) */
} lw_fit_accuracy;

typedef struct lw_fit_result lw_fit_result;

/* Fits k, mu_arch per family (relative to the reference family qwen2.5, or the most frequent
 * family when qwen2.5 is absent) and a per-GPU utilisation effect u_g, from which eta_util for a
 * pair is exp(u_to - u_from), by linear least squares on ln(E_j/E_i) over pairs of points with
 * matched batch. Points that are not GPU-only, lack a J/token or active parameters, or name a
 * model or GPU the catalogue cannot resolve are skipped (counted in lw_fit_skipped). Fails
 * with LW_ERR_INFEASIBLE when fewer than 2 usable pairs remain. */
LW_API lw_status lw_fit_run(const lw_catalogue *cat, const lw_point *points, size_t n, const lw_fit_opts *opts,
                            lw_fit_result **out, lw_err *err);
/* lw_fit_run reporting progress (progress NULL: none): done and total count the bootstrap
 * resamples, what is "bootstrap". */
LW_API lw_status lw_fit_run_v2(const lw_catalogue *cat, const lw_point *points, size_t n, const lw_fit_opts *opts,
                               const lw_progress_opts *progress, lw_fit_result **out, lw_err *err);
LW_API void lw_fit_free(lw_fit_result *r);

LW_API size_t lw_fit_points_used(const lw_fit_result *r);
LW_API size_t lw_fit_skipped(const lw_fit_result *r, char *why, size_t why_len); /* first reason in why */
LW_API const char *lw_fit_reference_family(const lw_fit_result *r);
LW_API const char *lw_fit_reference_gpu(const lw_fit_result *r);
/* Coefficients: index 0 is k, then families, then GPUs (kind: 'k', 'f', 'g'). */
LW_API size_t lw_fit_coef_count(const lw_fit_result *r);
LW_API const lw_fit_coef *lw_fit_coef_at(const lw_fit_result *r, size_t i, char *kind);
/* In-sample accuracy of the fitted coefficients (band = 90% residual band), of the catalogue's
 * seed coefficients on the same pairs (seed bands, eta applied to every pair as seed 000 does),
 * and of the fit on held-out points (each point left out in turn, refitted, predicted from the
 * others in its batch regime; band = the refit's residual band). */
LW_API lw_fit_accuracy lw_fit_accuracy_fitted(const lw_fit_result *r);
LW_API lw_fit_accuracy lw_fit_accuracy_seed(const lw_fit_result *r);
LW_API lw_fit_accuracy lw_fit_accuracy_heldout(const lw_fit_result *r);
/* One accuracy as the JSON object of `llmwatt fit --json` ("pairs", "unpredictable",
 * "median_abs_err", "coverage", "band_low", "band_high", "rms_log"; null without pairs): heap
 * text (lw_free()), one line for indent 0, else indented (1..31). NULL on a bad indent or OOM. */
LW_API char *lw_fit_accuracy_to_json(const lw_fit_accuracy *a, int indent);
/* Share of the variance of ln(E_j/E_i) over the fitted pairs the fit leaves unexplained. */
LW_API double lw_fit_unexplained_variance(const lw_fit_result *r);

/* The coefficient the data cannot separate from the others (two terms always appear together
 * in the pairs), or NULL; it is left at 1 and the others are conditional on that. */
LW_API const char *lw_fit_confounded(const lw_fit_result *r);
/* Bootstrap resamples dropped because they left two coefficients confounded. */
LW_API int lw_fit_bootstrap_discarded(const lw_fit_result *r);

/* Coefficients flagged by the checks above (out of range or confounded), k, families and GPUs. */
LW_API size_t lw_fit_flagged_count(const lw_fit_result *r);
/* When coefficient i (as lw_fit_coef_at) is flagged, writes one line into buf ("mu_arch qwen3 =
 * 7.168 is outside its physical range [0.75, 1.8] (seed 000 §1.2; scale.physical_range.mu_arch)",
 * "... confounded with the data source: ...") and returns true; false (buf "") otherwise. */
LW_API bool lw_fit_flag_text(const lw_fit_result *r, size_t i, char *buf, size_t len);

/* Writes the coefficients as a catalogue constants file (atomic): "scale.k", "scale.mu_arch.F",
 * "scale.eta_util.FROM.TO" for every ordered pair of fitted GPUs, "scale.fit.residual_band",
 * plus a "fit" object with the diagnostics. */
LW_API lw_status lw_fit_write(const lw_fit_result *r, const char *path, const char *points_name, lw_err *err);

/* Loads a file written by lw_fit_write into the catalogue (its constants override the seed's).
 * Fails (LW_ERR_PARSE) on a file that is not a fit output, that sets "scale.physical_range.*",
 * or that holds a flagged coefficient: a value outside its physical range (checked again here
 * against the catalogue's "scale.physical_range.*", whatever the file says) or one the file marks
 * "confounded_with" a data source. The message names the first flagged coefficient, its value
 * and range, and how many more there are. Same as lw_scale_load_coefficients_checked(cat, path,
 * false, err). */
LW_API lw_status lw_scale_load_coefficients(lw_catalogue *cat, const char *path, lw_err *err);

/* As lw_scale_load_coefficients; with accept_flagged a file with flagged coefficients is loaded
 * too (the caller should say so: lw_scale_check_coefficients lists them). */
LW_API lw_status lw_scale_load_coefficients_checked(lw_catalogue *cat, const char *path, bool accept_flagged, lw_err *err);

/* Checks a coefficients file without loading it: the same refusals as lw_scale_load_coefficients
 * for a file that is not a fit output, and *flagged = heap text (lw_free()), one line per flagged
 * coefficient ("scale.mu_arch.qwen3 = 7.168 is outside its physical range [0.75, 1.8] (seed 000
 * §1.2; scale.physical_range.mu_arch)"), "" when none, with *nflagged lines. Both are set on
 * success only. Reads the catalogue only: callers may share it across threads. */
LW_API lw_status lw_scale_check_coefficients(const lw_catalogue *cat, const char *path, char **flagged, size_t *nflagged,
                                             lw_err *err);

#ifdef __cplusplus
}
#endif
#endif
