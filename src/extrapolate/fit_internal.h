/* Internal state of the seed 000 coefficient fit, shared by fit.c (solve, bootstrap,
 * accuracy) and fit_io.c (coefficients file). Not part of the public API. */
#ifndef LW_FIT_INTERNAL_H
#define LW_FIT_INTERNAL_H

#include <jansson.h>
#include "llmwatt/scale.h"

#define LW_FIT_MAX_FAM 32
#define LW_FIT_MAX_GPU 32
#define LW_FIT_MAX_SRC 32

/* A usable point, resolved against the catalogue. */
typedef struct lw_fit_point {
    const lw_point *src;
    const lw_gpu *gpu;
    char family[48];
    int fam, gpu_idx;     /* indices into the result's family and GPU lists */
    int src_idx;          /* index into the result's source list */
    double params;        /* active parameters */
    double ln_e;          /* ln J per output token */
    double ln_bw, ln_p;   /* ln memory bandwidth, ln power per GPU */
    int gpus;
    double batch;
} lw_fit_point;

struct lw_fit_result {
    lw_fit_opts opts;
    const lw_catalogue *cat;
    lw_fit_point *pts;
    size_t npts;
    size_t skipped;
    char skip_why[256];
    char families[LW_FIT_MAX_FAM][48];
    int nfam, ref_fam;
    char gpus[LW_FIT_MAX_GPU][48];
    int ngpu, ref_gpu;
    char sources[LW_FIT_MAX_SRC][96]; /* source_title up to " (" */
    int nsrc;
    double *src_basis;    /* orthonormal basis (nsrc_basis x (np + nsrc)) of the row space of the
                           * pair design with one column per source added */
    int nsrc_basis;
    /* Parameters: theta[0] = ln k, theta[1 + f] = ln mu_f, theta[1 + nfam + g] = u_g (ref ones 0). */
    int np;
    double *theta;
    bool *ident;
    int *param_pairs;
    double *boot;         /* bootstrap x np, NAN where a replicate left a parameter unidentified */
    int nboot;
    int boot_discarded;   /* resamples in which two coefficients were confounded */
    int confounded;       /* first confounded parameter of the main fit (-1: none) */
    lw_fit_coef *coefs;   /* 1 + nfam + ngpu */
    double resid_lo, resid_hi;  /* 90% band of actual/pred over the fitted ordered pairs */
    lw_fit_accuracy fitted, seed, heldout;
    double unexplained;
    int npairs;
};

/* True when the batch sizes of a and b are within the fit's batch match (the pair is used). */
bool lw_fit_matched(const lw_fit_result *r, const lw_fit_point *a, const lw_fit_point *b);

/* Design row of the pair a -> b over the np coefficients (x), and the part of ln(E_b/E_a) the
 * fixed terms do not explain (returned). */
double lw_fit_pair_row(const lw_fit_result *r, const lw_fit_point *a, const lw_fit_point *b, double *x);

/* Range check and source confounding of every coefficient (fills in_range, range_*, and
 * confounded_with of r->coefs); LW_ERR_NOT_FOUND when a "scale.physical_range.*" is missing. */
lw_status lw_fit_check(lw_fit_result *r, lw_err *err);

/* The same checks for eta_util of the GPU pair a -> b (indices into r->gpus): the range, its
 * citation, and the sources it is confounded with ("" when none). */
void lw_fit_check_pair(const lw_fit_result *r, int a, int b, double value, bool *in_range, double *lo, double *hi,
                       char *cite, size_t cite_len, char *confounded, size_t conf_len);

/* The physical range of a coefficient kind ('k', 'f', 'g' as lw_fit_coef_at) and its citation. */
lw_status lw_fit_range(const lw_catalogue *cat, char kind, const char *reference_family, double *lo, double *hi, char *cite,
                       size_t cite_len, lw_err *err);

/* One line describing a flagged coefficient: "NAME = V is outside its physical range [LO, HI]
 * (CITE)" and/or "... confounded with the data source: SOURCES (...)". */
void lw_fit_flag_line(char *buf, size_t len, const char *name, double value, bool in_range, double lo, double hi, const char *cite,
                      const char *confounded);

/* The accuracy object of `llmwatt fit --json` and of the coefficients file (lw_fit_write). */
json_t *lw_fit_accuracy_json(const lw_fit_accuracy *a);

/* ln of the multi-GPU factor M(G_from -> G_to) in a mode. */
double lw_fit_ln_multi(lw_multi_gpu_mode mode, double alpha, int g_from, int g_to);

/* 5th..95th percentile of exp(theta[plus] - theta[minus]) over the bootstrap replicates
 * (minus < 0: exp(theta[plus])); the point value when fewer than 10 replicates identify it. */
void lw_fit_boot_interval(const lw_fit_result *r, int plus, int minus, double *lo, double *hi);

#endif
