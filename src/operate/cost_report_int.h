/* Internal interface between the cost document's resolution (cost_report.c) and its JSON and
 * text renderings (cost_report_out.c). */
#ifndef LW_COST_REPORT_INT_H
#define LW_COST_REPORT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include "llmwatt/cost.h"
#include "llmwatt/grid.h"
#include "llmwatt/history.h"

/* A resolved input: its value and where it came from ("--overhead", "IEA (2024) [cost.pue.x]"). */
typedef struct lw_cost_sval {
    double v;
    char src[1024];
} lw_cost_sval;

typedef struct lw_cost_rent_offer {
    char name[64];
    char kind[16]; /* on_demand (paid while serving) or reserved (paid every hour) */
    double rate, low, high;
    char src[LW_SOURCE_MAX + 128];
} lw_cost_rent_offer;

#define LW_COST_MAX_PRICES 16
#define LW_COST_MAX_RENTS 16
#define LW_COST_MAX_WARNINGS 4

struct lw_cost_report {
    lw_cost_sval power, tps, gpus, idle, util, overhead, psu, pue, grid, wue, hw, years, hours;
    lw_cost_sval maint, colo, net, embodied, life;
    double embodied_low, embodied_high;
    bool tco, have_embodied, have_grid, have_wue;
    lw_depreciation dep;
    char gpu_id[48];
    const char *gpu_name; /* points into run or the request: only used while resolving */
    lw_grid_series *series;
    double jpt_low, jpt_high, jpt; /* an estimate's band, J per output token */
    lw_cost_sval prices[LW_COST_MAX_PRICES];
    int nprices;
    bool prices_given;
    lw_api_price *apis;
    size_t napis;
    bool api_given;
    lw_cost_rent_offer rents[LW_COST_MAX_RENTS];
    size_t nrents;
    lw_cost_params p;
    lw_cost_energy e;
    lw_cost_tco t;
    lw_run run;
    char warnings[LW_COST_MAX_WARNINGS][1200];
    size_t nwarnings;
};

/* The break-even with every owning cost (TCO), or hardware and electricity only (--no-tco). */
lw_status lw_cost_report_break_even(const lw_cost_report *r, const lw_cost_price *cp, double api, lw_break_even *b);
/* Buy against rent: reserved capacity is paid every hour, on demand only while serving. */
void lw_cost_report_rent(const lw_cost_report *r, const lw_cost_price *cp, const lw_cost_rent_offer *o, lw_rent_compare *rc);
/* Indices of the (up to) k cleanest rows of the series, cleanest first. */
size_t lw_cost_cleanest_rows(const lw_grid_series *s, size_t *idx, size_t k);

#endif
