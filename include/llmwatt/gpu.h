/* llmwatt: accelerator specifications. Every figure is SI (FLOP/s, bytes, bytes/s, W);
 * 0 means "not published" and is never silently replaced by a guess. */
#ifndef LLMWATT_GPU_H
#define LLMWATT_GPU_H

#include "llmwatt/precision.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lw_gpu {
    char id[48];            /* canonical short id: "h100-sxm" */
    char aliases[160];      /* comma separated: "h100,h100-80gb" */
    char vendor[16];
    char name[96];          /* "H100 80GB" */
    char variant[64];       /* "SXM5" */
    char architecture[48];  /* "Hopper GH100" */
    double process_node_nm;
    double memory_bytes;
    double memory_bw_bytes_per_s;
    double tdp_w;
    double idle_w;
    double peak_flops[LW_PREC_COUNT];  /* dense tensor peak per precision (FLOP/s or OP/s) */
    double interconnect_bw_bytes_per_s; /* per-GPU bidirectional aggregate, as published */
    double typical_inference_power_w;   /* average board power while serving, where a source gives one */
    char typical_power_source[160];
    int release_year;
    char source[512];       /* datasheet URL and cross-checks, from hardware.csv */
    char confidence[16];    /* high / medium / low, from hardware.csv */
    int node_gpus;          /* GPUs in one node's NVLink/xGMI domain (HGX 8, NVL72 72, PCIe 1-2; 0: not given) */
    char node_source[160];  /* where node_gpus comes from */
    /* power limit and SM clock ranges (estimate --power-limit / --sm-clock; 0: not published) */
    double power_limit_min_w; /* lowest settable board power limit (nvidia-smi -q Min Power Limit) */
    double power_limit_max_w; /* highest settable limit (Max Power Limit) */
    double sm_clock_min_mhz;  /* lowest SM clock of the DVFS table */
    double sm_clock_max_mhz;  /* highest SM clock (Max Clocks SM), the clock of an unthrottled GPU */
    char power_clock_source[256]; /* where the four figures come from */
} lw_gpu;

#ifdef __cplusplus
}
#endif
#endif
