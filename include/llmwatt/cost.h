/* llmwatt: electricity cost, carbon, water and break-even of LLM serving (seed 004).
 *
 * Power chain (docs/cost.md):
 *   GPU power averaged over time  P_gpu = u·P_load + (1 − u)·P_idle      (u: utilisation)
 *   system                        P_sys = P_gpu·(1 + overhead)           (CPU, memory, cooling)
 *   wall (after the PSU)          P_wall = P_sys / psu_efficiency
 *   billed (facility)             P_bill = P_wall·PUE                     (PUE 1: not applied)
 * Tokens per hour = u·throughput·3600. Energy per 1M tokens = P·1e6 / (u·throughput) / 3.6e6 kWh.
 * Hardware is depreciated straight line over its life; break-even against an API price is
 * hardware cost / (API price per token − energy cost per token). */
#ifndef LLMWATT_COST_H
#define LLMWATT_COST_H

#include "llmwatt/export.h"
#include <stdbool.h>
#include <stddef.h>
#include "llmwatt/catalogue.h"
#include "llmwatt/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Inputs of the cost model. Every field is required; lw_cost_params_default fills the seed-004
 * defaults from the catalogue's cost.* constants. Versioned (docs/design.md, "ABI"): start from
 * lw_cost_params_default(), lw_cost_params_init() or LW_COST_PARAMS_INIT; fields are appended. */
#define LW_COST_PARAMS_VERSION 1
typedef struct lw_cost_params {
    unsigned int version;      /* LW_COST_PARAMS_VERSION of the caller's headers */
    double gpu_power_w;        /* average board power of all GPUs together while serving (W), > 0 */
    double tokens_per_s;       /* output tokens per second of the whole deployment while serving, > 0 */
    int gpus;                  /* GPUs in the deployment, >= 1 (prorates the hardware cost) */
    double idle_power_w;       /* idle board power of all GPUs together (W), >= 0; used when utilization < 1 */
    double utilization;        /* share of wall-clock time spent serving at tokens_per_s, (0, 1] */
    double overhead_fraction;  /* CPU, memory, cooling as a fraction of GPU power, >= 0 */
    double psu_efficiency;     /* power-supply efficiency, (0, 1] */
    double pue;                /* facility PUE, >= 1 (1: not applied) */
    double grid_g_per_kwh;     /* grid carbon intensity (gCO2e/kWh); < 0: not given */
    double wue_l_per_kwh;      /* site water per kWh of IT (wall) energy (L/kWh); < 0: not given */
    double hardware_usd;       /* hardware cost of the deployment (USD), >= 0 */
    double depreciation_years; /* straight-line depreciation life (years), > 0 */
    double hours_per_year;     /* hours in a year of depreciation (h), > 0 */
} lw_cost_params;

/* Seed-004 defaults: overhead 0.20, PSU 0.95, PUE 1, utilisation 1, idle 0, hardware
 * $200,000 per 8 GPUs prorated to `gpus`, 3 years of 8760 h; power and throughput 0 (to be set).
 * Values come from the catalogue (cost.* constants; cat may be NULL) with the built-in seed
 * figures as fallback. version is LW_COST_PARAMS_VERSION of the caller's headers. */
LW_API lw_status lw_cost_params_init(lw_cost_params *p, unsigned int version, const lw_catalogue *cat, int gpus,
                                     lw_err *err);

/* The built-in seed figures for one GPU, without the catalogue. */
#define LW_COST_PARAMS_INIT {LW_COST_PARAMS_VERSION, 0, 0, 1, 0, 1.0, 0.20, 0.95, 1.0, -1, -1, 25000, 3, 8760}

/* lw_cost_params_init by value (inline: built into the caller with the caller's struct size). */
static inline lw_cost_params lw_cost_params_default(const lw_catalogue *cat, int gpus)
{
    lw_cost_params p = LW_COST_PARAMS_INIT;
    lw_cost_params_init(&p, LW_COST_PARAMS_VERSION, cat, gpus, NULL);
    return p;
}

/* Price-independent results. Result records are versioned too (docs/design.md, "ABI"): declare
 * them from their LW_*_INIT (an FFI zeroes them and writes the version) so that the library writes
 * only the fields the caller's version has; version 0 is refused naming the initialiser. */
#define LW_COST_ENERGY_VERSION 1
typedef struct lw_cost_energy {
    unsigned int version;            /* LW_COST_ENERGY_VERSION of the caller's headers */
    double gpu_avg_power_w;          /* utilisation-weighted GPU power (W) */
    double system_power_w;           /* GPU + overhead (W) */
    double wall_power_w;             /* after the power supply (W) */
    double billed_power_w;           /* wall x PUE (W) */
    double tokens_per_hour;          /* u x throughput x 3600 */
    double wall_kwh_per_million;     /* wall energy per 1M output tokens (kWh) */
    double billed_kwh_per_million;   /* billed (x PUE) energy per 1M output tokens (kWh) */
    double co2e_g_per_million;       /* billed kWh x grid intensity; negative when no grid intensity */
    double water_l_per_million;      /* wall kWh x WUE; negative when no WUE */
    double amortisation_usd_per_hour;    /* hardware / (years x hours per year) */
    double amortisation_usd_per_million; /* per 1M output tokens at the throughput and utilisation */
    double life_months;              /* depreciation life in months */
} lw_cost_energy;

#ifdef __cplusplus
static inline lw_cost_energy lw_cost_energy_cxx_init_(void)
{
    lw_cost_energy r = lw_cost_energy();
    r.version = LW_COST_ENERGY_VERSION;
    return r;
}
#define LW_COST_ENERGY_INIT (lw_cost_energy_cxx_init_())
#else
#define LW_COST_ENERGY_INIT {.version = LW_COST_ENERGY_VERSION}
#endif

/* Validates p (each field's domain, named in the message) and computes the energy figures. */
LW_API lw_status lw_cost_energy_compute(const lw_cost_params *p, lw_cost_energy *out, lw_err *err);

/* Cost at one electricity price (versioned: LW_COST_PRICE_INIT). */
#define LW_COST_PRICE_VERSION 1
typedef struct lw_cost_price {
    unsigned int version;            /* LW_COST_PRICE_VERSION of the caller's headers */
    double price_usd_per_kwh;
    double energy_usd_per_million;   /* billed kWh per 1M x price */
    double energy_usd_per_hour;      /* billed kW x price */
    double onprem_usd_per_million;   /* energy + hardware amortisation per 1M tokens */
} lw_cost_price;

#ifdef __cplusplus
static inline lw_cost_price lw_cost_price_cxx_init_(void)
{
    lw_cost_price r = lw_cost_price();
    r.version = LW_COST_PRICE_VERSION;
    return r;
}
#define LW_COST_PRICE_INIT (lw_cost_price_cxx_init_())
#else
#define LW_COST_PRICE_INIT {.version = LW_COST_PRICE_VERSION}
#endif

/* LW_ERR_INVALID_ARGUMENT on a negative or non-finite price. */
LW_API lw_status lw_cost_at_price(const lw_cost_energy *e, double price_usd_per_kwh, lw_cost_price *out, lw_err *err);

typedef enum lw_break_even_kind {
    LW_BREAK_EVEN_WITHIN_LIFE = 0, /* pays back before the hardware is written off */
    LW_BREAK_EVEN_AFTER_LIFE = 1,  /* pays back, but only after the depreciation life */
    LW_BREAK_EVEN_NEVER = 2,       /* energy alone costs as much as the API: never pays back */
    LW_BREAK_EVEN_FREE = 3         /* no hardware cost: on-prem is cheaper from the first token */
} lw_break_even_kind;

/* Versioned: LW_BREAK_EVEN_INIT. */
#define LW_BREAK_EVEN_VERSION 1
typedef struct lw_break_even {
    unsigned int version;           /* LW_BREAK_EVEN_VERSION of the caller's headers */
    double api_usd_per_million;
    double margin_usd_per_million;  /* API price − energy cost per 1M tokens */
    double tokens;                  /* hardware / margin per token; INFINITY when never */
    double months;                  /* tokens / tokens per month; INFINITY when never */
    lw_break_even_kind kind;
    char explanation[256];          /* one sentence saying what the numbers mean */
} lw_break_even;

#ifdef __cplusplus
static inline lw_break_even lw_break_even_cxx_init_(void)
{
    lw_break_even r = lw_break_even();
    r.version = LW_BREAK_EVEN_VERSION;
    return r;
}
#define LW_BREAK_EVEN_INIT (lw_break_even_cxx_init_())
#else
#define LW_BREAK_EVEN_INIT {.version = LW_BREAK_EVEN_VERSION}
#endif

/* Break-even of buying the hardware against paying api_usd_per_million per 1M tokens. */
LW_API lw_status lw_cost_break_even(const lw_cost_energy *e, const lw_cost_price *price, const lw_cost_params *p,
                                    double api_usd_per_million, lw_break_even *out, lw_err *err);

/* A grid carbon intensity with its provenance (data/regions.csv). */
typedef struct lw_region {
    char id[32];
    char aliases[64];
    char name[64];
    double g_co2e_per_kwh;
    char basis[48];
    int year;
    char source[LW_SOURCE_MAX];
} lw_region;

/* The built-in regions; *out is heap-allocated (free()). */
LW_API lw_status lw_regions_load(lw_region **out, size_t *n, lw_err *err);
/* Finds a region by id or alias, case-insensitively; LW_ERR_NOT_FOUND lists the ids. */
LW_API lw_status lw_region_find(const char *name, lw_region *out, lw_err *err);

/* An API price per 1M tokens with its provenance (data/api_prices.csv). */
typedef struct lw_api_price {
    char provider[64];
    char model_class[48];
    char comparable_workload[48]; /* the workload label seed 004 compares this class with */
    double usd_per_million;
    double low;
    double high;
    int year;
    char source[LW_SOURCE_MAX];
} lw_api_price;

/* The built-in API price table; *out is heap-allocated (free()). */
LW_API lw_status lw_api_prices_load(lw_api_price **out, size_t *n, lw_err *err);

/* Formats the break-even time in words ("4.2 months", "never", "2.1 years (after the 3-year life)"). */
LW_API const char *lw_break_even_words(const lw_break_even *b, char *buf, size_t n);

/* ---------- total cost of ownership, embodied carbon, SCI (docs/cost.md) ---------- */

typedef enum lw_depreciation {
    LW_DEPRECIATION_STRAIGHT = 0, /* capex / years each year */
    LW_DEPRECIATION_DECLINING = 1 /* double-declining balance (rate 2/years), straight line on the rest once larger */
} lw_depreciation;

/* What owning costs beyond the hardware and its electricity, and what making it emitted.
 * Versioned like lw_cost_params (lw_cost_tco_params_default/_init, LW_COST_TCO_PARAMS_INIT). */
#define LW_COST_TCO_PARAMS_VERSION 1
typedef struct lw_cost_tco_params {
    unsigned int version;                 /* LW_COST_TCO_PARAMS_VERSION of the caller's headers */
    double maintenance_fraction_per_year; /* service contract, fraction of hardware cost per year, >= 0 */
    double colocation_usd_per_kw_month;   /* rack space and power capacity per kW of wall power, >= 0 */
    double networking_fraction;           /* networking bought with the hardware, fraction of it, >= 0 */
    lw_depreciation depreciation;         /* timing of the charge; the life's total is the same */
    double embodied_kg;                   /* cradle-to-gate kgCO2e of the deployment; < 0: unknown */
    double service_life_years;            /* life over which embodied carbon is spread, > 0 */
} lw_cost_tco_params;

/* Catalogue defaults (cost.maintenance_fraction_per_year, cost.colocation_usd_per_kw_month,
 * cost.networking_fraction), straight line, embodied unknown, service life = cost.depreciation_years;
 * cat may be NULL (the built-in figures of LW_COST_TCO_PARAMS_INIT). */
LW_API lw_status lw_cost_tco_params_init(lw_cost_tco_params *t, unsigned int version, const lw_catalogue *cat,
                                         lw_err *err);

#define LW_COST_TCO_PARAMS_INIT {LW_COST_TCO_PARAMS_VERSION, 0.10, 184.06, 0.10, LW_DEPRECIATION_STRAIGHT, -1, 3}

static inline lw_cost_tco_params lw_cost_tco_params_default(const lw_catalogue *cat)
{
    lw_cost_tco_params t = LW_COST_TCO_PARAMS_INIT;
    lw_cost_tco_params_init(&t, LW_COST_TCO_PARAMS_VERSION, cat, NULL);
    return t;
}

/* Versioned: LW_COST_TCO_INIT. */
#define LW_COST_TCO_VERSION 1
typedef struct lw_cost_tco {
    unsigned int version;             /* LW_COST_TCO_VERSION of the caller's headers */
    double capex_usd;                 /* hardware x (1 + networking fraction) */
    double amortisation_usd_per_hour; /* capex / (years x hours per year): the life's average */
    double maintenance_usd_per_hour;  /* hardware x fraction / hours per year */
    double colocation_usd_per_hour;   /* wall kW x $/kW-month x 12 / hours per year */
    double fixed_usd_per_hour;        /* amortisation + maintenance + colocation */
    double fixed_usd_per_million;     /* fixed per hour / tokens per hour x 1e6 */
    double embodied_g_per_hour;       /* embodied kg x 1000 / (service life x hours per year); < 0 unknown */
    double embodied_g_per_million;
    double operational_g_per_hour;    /* billed kW x grid intensity; < 0 when no intensity */
    double sci_g_per_million;         /* SCI per 1M output tokens: operational + embodied; < 0 when either unknown */
} lw_cost_tco;

#ifdef __cplusplus
static inline lw_cost_tco lw_cost_tco_cxx_init_(void)
{
    lw_cost_tco r = lw_cost_tco();
    r.version = LW_COST_TCO_VERSION;
    return r;
}
#define LW_COST_TCO_INIT (lw_cost_tco_cxx_init_())
#else
#define LW_COST_TCO_INIT {.version = LW_COST_TCO_VERSION}
#endif

/* Validates t and computes the TCO and carbon items from the energy figures of p. */
LW_API lw_status lw_cost_tco_compute(const lw_cost_params *p, const lw_cost_energy *e, const lw_cost_tco_params *t,
                              lw_cost_tco *out, lw_err *err);

/* Depreciation charged in year `year` (1..years) of a `years`-year life; 0 outside it. */
LW_API double lw_cost_depreciation_year(lw_depreciation m, double capex_usd, int years, int year);

/* Break-even against an API with every owning cost: capex / (API - electricity - maintenance -
 * colocation per token). The explanation names the running costs. */
LW_API lw_status lw_cost_tco_break_even(const lw_cost_energy *e, const lw_cost_price *price, const lw_cost_params *p,
                                 const lw_cost_tco *t, double api_usd_per_million, lw_break_even *out, lw_err *err);

/* Buying against renting the same GPUs at usd_per_gpu_hour. Versioned: LW_RENT_COMPARE_INIT. */
#define LW_RENT_COMPARE_VERSION 1
typedef struct lw_rent_compare {
    unsigned int version;              /* LW_RENT_COMPARE_VERSION of the caller's headers */
    double rent_usd_per_hour;          /* rate x GPUs */
    double rent_usd_per_million;       /* on demand: paid only while serving at full throughput */
    double own_usd_per_million;        /* electricity + fixed costs at the utilisation of p */
    double break_even_utilization;     /* owning is cheaper above this share of hours serving; > 1: never */
} lw_rent_compare;

#ifdef __cplusplus
static inline lw_rent_compare lw_rent_compare_cxx_init_(void)
{
    lw_rent_compare r = lw_rent_compare();
    r.version = LW_RENT_COMPARE_VERSION;
    return r;
}
#define LW_RENT_COMPARE_INIT (lw_rent_compare_cxx_init_())
#else
#define LW_RENT_COMPARE_INIT {.version = LW_RENT_COMPARE_VERSION}
#endif

LW_API lw_status lw_cost_rent_compare(const lw_cost_params *p, const lw_cost_price *price,
                               const lw_cost_tco *t, double usd_per_gpu_hour, lw_rent_compare *out, lw_err *err);


/* ---------- the whole cost document (llmwatt cost; the Python package's cost()) ---------- */

/* What `llmwatt cost` is given: a run file (measurement or estimate JSON) or plain figures, and
 * every override. Versioned (docs/design.md, "ABI"): start from LW_COST_REQUEST_INIT,
 * lw_cost_request_default() or lw_cost_request_init(); new fields are appended. Numbers < 0 (or 0
 * for gpus and nprices, NULL for strings) mean "not given": the file's figure or the catalogue's
 * default, each with its source. Strings are borrowed for the duration of lw_cost_report_new. */
#define LW_COST_REQUEST_VERSION 1
typedef struct lw_cost_request {
    unsigned int version;
    const char *measurement;       /* measurement JSON path (--measurement) */
    const char *estimate;          /* estimate JSON path (--estimate) */
    const char *run_json;          /* the run's JSON text instead of reading the path (which then
                                      only names it in sources and messages); NULL: read the file */
    double power_w;                /* --power-w: GPU power of all GPUs (W) */
    double tokens_per_s;           /* --tokens-per-s */
    int gpus;                      /* --gpus; 0: the run's, else 1 */
    const char *gpu;               /* --gpu NAME: hardware price, rental offers, embodied carbon */
    const double *prices_usd_per_kwh; /* --price-kwh list (at most 16); nprices 0: cost.price_kwh.us/eu/high */
    size_t nprices;
    double overhead_fraction;      /* --overhead */
    double psu_efficiency;         /* --psu-efficiency */
    double idle_w_per_gpu;         /* --idle-w */
    double utilization;            /* --utilization */
    const char *pue;               /* --pue: a number 1..10 or a name under cost.pue */
    const char *wue;               /* --wue: a number 0..100 or a name under cost.wue */
    double grid_g_per_kwh;         /* --grid-g-per-kwh */
    const char *region;            /* --region (data/regions.csv) */
    const char *carbon_intensity;  /* --carbon-intensity SERIES.csv (needs a measurement) */
    double api_usd_per_million;    /* --api-price-per-m; < 0: data/api_prices.csv */
    double hardware_usd;           /* --hardware-usd */
    double depreciation_years;     /* --depreciation-years */
    double maintenance_fraction;   /* --maintenance */
    double colocation_usd_per_kw_month; /* --colocation-usd-per-kw-month */
    double networking_fraction;    /* --networking */
    lw_depreciation depreciation;  /* --depreciation straight|declining */
    bool no_tco;                   /* --no-tco: hardware and electricity only (seed 004's table) */
    double embodied_kg_per_gpu;    /* --embodied-kg-per-gpu */
    double service_life_years;     /* --service-life-years */
    double rent_usd_per_gpu_hour;  /* --rent-usd-per-gpu-hour */
} lw_cost_request;

#ifdef __cplusplus
#define LW_COST_REQUEST_INIT (lw_cost_request_default())
#else
#define LW_COST_REQUEST_INIT                                                                                \
    {.version = LW_COST_REQUEST_VERSION, .power_w = -1, .tokens_per_s = -1, .overhead_fraction = -1,       \
     .psu_efficiency = -1, .idle_w_per_gpu = -1, .utilization = -1, .grid_g_per_kwh = -1,                  \
     .api_usd_per_million = -1, .hardware_usd = -1, .depreciation_years = -1, .maintenance_fraction = -1,  \
     .colocation_usd_per_kw_month = -1, .networking_fraction = -1, .depreciation = LW_DEPRECIATION_STRAIGHT, \
     .embodied_kg_per_gpu = -1, .service_life_years = -1, .rent_usd_per_gpu_hour = -1}
#endif

/* Nothing given (every number -1, every string NULL, straight-line depreciation, TCO on), by
 * value (inline: built into the caller with the caller's struct size). */
static inline lw_cost_request lw_cost_request_default(void)
{
    lw_cost_request r;
    r.version = LW_COST_REQUEST_VERSION;
    r.measurement = r.estimate = r.run_json = r.gpu = r.pue = r.wue = r.region = r.carbon_intensity = NULL;
    r.prices_usd_per_kwh = NULL;
    r.nprices = 0;
    r.gpus = 0;
    r.power_w = r.tokens_per_s = r.overhead_fraction = r.psu_efficiency = r.idle_w_per_gpu = r.utilization = -1;
    r.grid_g_per_kwh = r.api_usd_per_million = r.hardware_usd = r.depreciation_years = -1;
    r.maintenance_fraction = r.colocation_usd_per_kw_month = r.networking_fraction = -1;
    r.depreciation = LW_DEPRECIATION_STRAIGHT;
    r.no_tco = false;
    r.embodied_kg_per_gpu = r.service_life_years = r.rent_usd_per_gpu_hour = -1;
    return r;
}

/* The same for an FFI: version is LW_COST_REQUEST_VERSION of the caller's headers. */
LW_API lw_status lw_cost_request_init(lw_cost_request *req, unsigned int version, lw_err *err);

/* The resolved inputs (each with its source), energy, TCO, carbon, scenarios per price,
 * break-even against every API price and rental offers. Opaque; lw_cost_report_free. */
typedef struct lw_cost_report lw_cost_report;

/* Resolves the request against the catalogue and computes everything. Errors name the option
 * (as the CLI spells it, "--power-w"): LW_ERR_INVALID_ARGUMENT (missing or conflicting inputs),
 * LW_ERR_NOT_FOUND (file, region, PUE/WUE name), LW_ERR_PARSE (run or series file). The
 * catalogue is read during the call only. Thread safety: distinct reports may be built and read
 * from several threads; one report is read-only after this call. */
LW_API lw_status lw_cost_report_new(const lw_catalogue *cat, const lw_cost_request *req, lw_cost_report **out,
                                    lw_err *err);
LW_API void lw_cost_report_free(lw_cost_report *r);

/* The `llmwatt cost --json` document (indent 2 gives the CLI's bytes, without the final newline)
 * and the CLI's text table: heap strings, lw_free(); NULL with err set when out of memory. */
LW_API char *lw_cost_report_to_json(const lw_cost_report *r, int indent, lw_err *err);
LW_API char *lw_cost_report_to_text(const lw_cost_report *r, lw_err *err);

/* Warnings about the inputs ("FILE is an INVALID measurement"), printed by the CLI on stderr. */
LW_API size_t lw_cost_report_warning_count(const lw_cost_report *r);
LW_API const char *lw_cost_report_warning(const lw_cost_report *r, size_t i);

#ifdef __cplusplus
}
#endif
#endif
