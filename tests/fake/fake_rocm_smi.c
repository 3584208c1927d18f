/* A fake librocm_smi64 for tests, loaded by src/backend/rocm_smi.c through the same dlopen path
 * ($LLMWATT_ROCM_SMI_LIBRARY), with the signatures of Debian's <rocm_smi/rocm_smi.h>. Its GPUs
 * follow a script in environment variables read at rsmi_init; t is seconds since rsmi_init:
 *   FAKE_ROCM_INIT_FAIL=CODE   rsmi_init returns CODE (8 = RSMI_STATUS_INIT_ERROR)
 *   FAKE_ROCM_GPUS=N           number of GPUs (default 1)
 *   FAKE_ROCM_POWER_W=P0,P1..  power of each GPU in W (default 250; the last value repeats)
 *   FAKE_ROCM_CAP_W=W          power cap (default 560, an MI250X OAM's TBP)
 *   FAKE_ROCM_RES_UJ=R         energy counter resolution in uJ (default 15.3)
 *   FAKE_ROCM_WRAP_AT_S=t      the accumulator is 32 bits wide and wraps at t
 *   FAKE_ROCM_GAIN=G           the accumulator reads G x the true energy (implausible when large)
 *   FAKE_ROCM_BACK_J=E         the accumulator steps back by E J at FAKE_ROCM_BACK_AT_S
 *   FAKE_ROCM_FAIL_GPU=i       GPU i answers RSMI_STATUS_FILE_ERROR (fell off the bus) from
 *                              FAKE_ROCM_FAIL_AT_S until FAKE_ROCM_FAIL_UNTIL_S (default never back)
 *   FAKE_ROCM_STALL_AT_S=t     the first power reading at or after t blocks FAKE_ROCM_STALL_S (default 1)
 *   FAKE_ROCM_HANG_AT_S=t      every power reading at or after t blocks for an hour (a hung driver) */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rocm_smi/rocm_smi.h>

#include "fake_amd_common.h"

#define API __attribute__((visibility("default")))

static fake_amd S;

static int bad(uint32_t d)
{
    return (int)d >= S.ngpu || fake_amd_lost(&S, (int)d);
}

API rsmi_status_t rsmi_init(uint64_t flags)
{
    (void)flags;
    int code = (int)fake_amd_env("FAKE_ROCM_", "INIT_FAIL", 0);
    if (code)
        return (rsmi_status_t)code;
    fake_amd_load(&S, "FAKE_ROCM_", 560, 15.3);
    return RSMI_STATUS_SUCCESS;
}

API rsmi_status_t rsmi_shut_down(void)
{
    return RSMI_STATUS_SUCCESS;
}

API rsmi_status_t rsmi_status_string(rsmi_status_t status, const char **s)
{
    *s = status == RSMI_STATUS_INIT_ERROR ? "RSMI_STATUS_INIT_ERROR: fake init failure" : "RSMI_STATUS_FILE_ERROR: fake";
    return RSMI_STATUS_SUCCESS;
}

API rsmi_status_t rsmi_num_monitor_devices(uint32_t *n)
{
    *n = (uint32_t)S.ngpu;
    return RSMI_STATUS_SUCCESS;
}

API rsmi_status_t rsmi_dev_name_get(uint32_t d, char *name, size_t len)
{
    snprintf(name, len, "Fake AMD Instinct MI250X %u", d);
    return RSMI_STATUS_SUCCESS;
}

API rsmi_status_t rsmi_dev_unique_id_get(uint32_t d, uint64_t *id)
{
    *id = 0xfa4e000000000000ULL + d;
    return RSMI_STATUS_SUCCESS;
}

API rsmi_status_t rsmi_version_get(rsmi_version_t *v)
{
    v->major = 5;
    v->minor = 2;
    v->patch = 3;
    v->build = "fake";
    return RSMI_STATUS_SUCCESS;
}

API rsmi_status_t rsmi_version_str_get(rsmi_sw_component_t c, char *s, uint32_t len)
{
    (void)c;
    snprintf(s, len, "6.2.4-fake");
    return RSMI_STATUS_SUCCESS;
}

API rsmi_status_t rsmi_dev_power_cap_get(uint32_t d, uint32_t sensor, uint64_t *cap)
{
    (void)d;
    (void)sensor;
    *cap = (uint64_t)llround(S.cap_w * 1e6);
    return RSMI_STATUS_SUCCESS;
}

API rsmi_status_t rsmi_dev_power_ave_get(uint32_t d, uint32_t sensor, uint64_t *p)
{
    (void)sensor;
    if (bad(d))
        return RSMI_STATUS_FILE_ERROR;
    fake_amd_stall(&S);
    fake_amd_hang(&S);
    *p = (uint64_t)llround(S.power_w[d] * 1e6); /* microwatts */
    return RSMI_STATUS_SUCCESS;
}

API rsmi_status_t rsmi_dev_energy_count_get(uint32_t d, uint64_t *count, float *res, uint64_t *ts)
{
    if (bad(d))
        return RSMI_STATUS_FILE_ERROR;
    *count = fake_amd_energy(&S, (int)d, ts);
    *res = (float)S.res_uj;
    return RSMI_STATUS_SUCCESS;
}

API rsmi_status_t rsmi_dev_busy_percent_get(uint32_t d, uint32_t *busy)
{
    if (bad(d))
        return RSMI_STATUS_FILE_ERROR;
    *busy = 96;
    return RSMI_STATUS_SUCCESS;
}

API rsmi_status_t rsmi_dev_temp_metric_get(uint32_t d, uint32_t type, rsmi_temperature_metric_t metric, int64_t *mc)
{
    (void)type;
    (void)metric;
    if (bad(d))
        return RSMI_STATUS_FILE_ERROR;
    *mc = 55000 + 1000 * (int64_t)d;
    return RSMI_STATUS_SUCCESS;
}

API rsmi_status_t rsmi_dev_gpu_clk_freq_get(uint32_t d, rsmi_clk_type_t type, rsmi_frequencies_t *f)
{
    (void)type;
    if (bad(d))
        return RSMI_STATUS_FILE_ERROR;
    memset(f, 0, sizeof *f);
    f->num_supported = 3;
    f->current = 2;
    f->frequency[0] = 500000000ULL;
    f->frequency[1] = 1000000000ULL;
    f->frequency[2] = 1700000000ULL;
    return RSMI_STATUS_SUCCESS;
}
