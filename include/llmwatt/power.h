/* llmwatt: power sources (NVML GPUs, Linux powercap/RAPL CPU zones, nvidia-smi log replay).
 *
 * One opaque handle per source. A live source (NVML, RAPL) is read with lw_power_read(), which
 * samples one device "now" and stamps the sample with CLOCK_MONOTONIC; a replay source holds a
 * recorded series per device (lw_power_replay_series()). `llmwatt measure` samples through this
 * interface on its own thread; a Prometheus exporter can read the same handles on request.
 *
 * Thread safety: lw_power_read() and the info getters may be called concurrently from several
 * threads on one handle. NVML reads go straight to the (thread-safe) NVML library; RAPL reads
 * update the handle's wrap-around state under an internal mutex. Opening and closing are not
 * concurrent with anything else on the same handle.
 *
 * Cost: one NVML read is about 7 library calls per device; one RAPL read is one pread() of a
 * small sysfs file. No allocation happens on the read path. */
#ifndef LLMWATT_POWER_H
#define LLMWATT_POWER_H

#include "llmwatt/export.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "llmwatt/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lw_power_source lw_power_source;

typedef enum lw_source_kind {
    LW_SOURCE_NVML = 0,  /* NVIDIA GPUs through libnvidia-ml.so.1 (dlopen'ed) */
    LW_SOURCE_RAPL = 1,  /* CPU package and DRAM zones of /sys/class/powercap */
    LW_SOURCE_REPLAY = 2, /* an nvidia-smi --query-gpu CSV log */
    LW_SOURCE_DCGM = 3,   /* NVIDIA dcgm-exporter's /metrics, scraped over HTTP */
    LW_SOURCE_ROCM_SMI = 4, /* AMD GPUs through librocm_smi64.so.1 (dlopen'ed) */
    LW_SOURCE_AMDSMI = 5    /* AMD GPUs through libamd_smi.so, ROCm 6 and later (dlopen'ed) */
} lw_source_kind;

typedef enum lw_device_kind {
    LW_DEVICE_GPU = 0,
    LW_DEVICE_CPU_PACKAGE = 1,
    LW_DEVICE_DRAM = 2
} lw_device_kind;

/* Clock-event ("throttle") reason bits, as NVML defines them (nvmlClocksEventReason*). */
#define LW_THROTTLE_GPU_IDLE 0x1ULL
#define LW_THROTTLE_APP_CLOCKS 0x2ULL
#define LW_THROTTLE_SW_POWER_CAP 0x4ULL
#define LW_THROTTLE_HW_SLOWDOWN 0x8ULL
#define LW_THROTTLE_SYNC_BOOST 0x10ULL
#define LW_THROTTLE_SW_THERMAL 0x20ULL
#define LW_THROTTLE_HW_THERMAL 0x40ULL
#define LW_THROTTLE_HW_POWER_BRAKE 0x80ULL
#define LW_THROTTLE_DISPLAY_CLOCK 0x100ULL
/* Reasons that invalidate a measurement by default (seed 004: "no thermal throttling"; the
 * issue adds power brake): software thermal, hardware thermal, hardware power brake. */
#define LW_THROTTLE_DEFAULT_MASK (LW_THROTTLE_SW_THERMAL | LW_THROTTLE_HW_THERMAL | LW_THROTTLE_HW_POWER_BRAKE)

/* Short name of one reason bit ("hw_thermal"), or NULL for an unknown bit. */
LW_API const char *lw_throttle_name(uint64_t bit);

/* Static description of one device. Strings are empty when the source does not know them. */
typedef struct lw_device_info {
    int index;            /* NVML index, RAPL zone order, or nvidia-smi "index" column */
    lw_device_kind kind;
    char name[96];        /* "NVIDIA H100 80GB HBM3", "package-0", "package-0/dram" */
    char uuid[96];        /* "GPU-...", or the powercap zone directory ("intel-rapl:0:2") */
    char driver[64];      /* NVIDIA driver version, or "powercap" */
    double power_limit_w; /* enforced limit; NAN when unknown */
    bool has_energy_counter; /* a cumulative energy counter is readable */
    bool has_power;       /* instantaneous power is readable */
} lw_device_info;

/* One reading of one device. Any quantity the device does not report is NAN (or 0 with
 * throttle_known false). */
typedef struct lw_power_sample {
    int64_t t_ns;              /* CLOCK_MONOTONIC when the live read completed; log time for replay */
    double power_w;            /* board power; for RAPL the mean since the previous read */
    double energy_j;           /* cumulative counter (NVML: since driver load; RAPL: unwrapped) */
    double utilization;        /* GPU busy fraction 0..1 */
    double sm_clock_mhz;
    double temperature_c;
    uint64_t throttle_reasons; /* LW_THROTTLE_* bits */
    bool throttle_known;
    bool ok;                   /* false: the device stopped answering (GPU lost, unreadable zone) */
    uint32_t counter_wraps;    /* RAPL wrap-arounds handled so far by this handle */
} lw_power_sample;

/* Environment variables consulted when the path arguments below are NULL. */
#define LW_NVML_LIBRARY_ENV "LLMWATT_NVML_LIBRARY"   /* default "libnvidia-ml.so.1" */
#define LW_POWERCAP_ROOT_ENV "LLMWATT_POWERCAP_ROOT" /* default "/sys/class/powercap" */
#define LW_ROCM_SMI_LIBRARY_ENV "LLMWATT_ROCM_SMI_LIBRARY" /* default "librocm_smi64.so.1" */
#define LW_AMDSMI_LIBRARY_ENV "LLMWATT_AMDSMI_LIBRARY"     /* default "libamd_smi.so" */

/* Opens NVML: dlopen(library) (NULL: $LLMWATT_NVML_LIBRARY, else "libnvidia-ml.so.1"),
 * nvmlInit, enumerates every GPU. Optional symbols (energy counter, clocks, throttle reasons,
 * ...) may be missing: the corresponding fields read NAN. LW_ERR_NO_DEVICE when the library
 * cannot be loaded, nvmlInit fails or there is no GPU; the message says what was tried. */
LW_API lw_status lw_power_open_nvml(const char *library, lw_power_source **out, lw_err *err);

/* Opens ROCm SMI for AMD GPUs: dlopen(library) (NULL: $LLMWATT_ROCM_SMI_LIBRARY, else
 * "librocm_smi64.so.1", tried only when /dev/kfd exists), rsmi_init, every device. Power (rsmi_dev_power_ave_get), the energy
 * accumulator times its resolution (32-bit wrap-around unwrapped), busy percent, edge
 * temperature, system clock (ROCm 5 libraries only) and the power cap; no throttle reasons
 * (throttle_known stays false). UUIDs are "GPU-" and the 16 hex digits of the unique id.
 * LW_ERR_NO_DEVICE when the library cannot be loaded, rsmi_init fails or there is no GPU. */
LW_API lw_status lw_power_open_rocm_smi(const char *library, lw_power_source **out, lw_err *err);

/* Opens amdsmi (ROCm 6 and later) for AMD GPUs: dlopen(library) (NULL: $LLMWATT_AMDSMI_LIBRARY,
 * else "libamd_smi.so", tried only when /dev/kfd exists), amdsmi_init(AMDSMI_INIT_AMD_GPUS), every
 * GPU processor of every socket. The energy accumulator times its resolution (32-bit wrap-around
 * unwrapped), power (amdsmi_get_power_info where the library's layout of it is known, amdsmi
 * 24.x; else the mean power between two accumulator readings), GFX activity, GFX clock, edge
 * temperature and the power cap; throttle reasons (hw_thermal for PROCHOT/socket/VR/HBM thermal
 * violations, sw_power_cap for PPT) from amdsmi_get_violation_status where the library has it and
 * the GPU supports it, on one sample a second. UUIDs as amdsmi gives them. LW_ERR_NO_DEVICE
 * when the library cannot be loaded, amdsmi_init fails or there is no GPU. */
LW_API lw_status lw_power_open_amdsmi(const char *library, lw_power_source **out, lw_err *err);

/* Opens the powercap RAPL zones under root (NULL: $LLMWATT_POWERCAP_ROOT, else
 * /sys/class/powercap): every package zone and every dram subzone; core/uncore (inside the
 * package) and psys (overlaps everything) are skipped, and intel-rapl-mmio copies are ignored.
 * LW_ERR_NO_DEVICE when no zone is readable (energy_uj is root-only since Linux 5.10). */
LW_API lw_status lw_power_open_rapl(const char *root, lw_power_source **out, lw_err *err);

/* What to do when neither NVML nor RAPL opens, as one sentence for a command's error line
 * ("Install the NVIDIA driver ..., or analyse a log with --replay LOG."), so every command that
 * needs a power source gives the same remedy. */
LW_API const char *lw_power_no_source_remedy(void);

/* Parses an nvidia-smi --query-gpu=timestamp,index,power.draw[,utilization.gpu,
 * temperature.gpu,clocks.sm] --format=csv[,noheader][,nounits] log. LW_ERR_PARSE with the line
 * number for a bad timestamp, a missing column or time going backwards for one GPU. */
LW_API lw_status lw_power_open_replay(const char *path, lw_power_source **out, lw_err *err);

/* Opens NVIDIA dcgm-exporter's metrics endpoint (http://[USER:PASS@]HOST[:PORT][/PATH], path
 * default /metrics) as a live GPU source: one device per `gpu` label, energy from
 * DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION (mJ; the device integrates DCGM_FI_DEV_POWER_USAGE only
 * when the counter is absent), utilisation, SM clock, temperature, power limit and clock event
 * reasons. Each HTTP GET must finish within timeout_s. One scrape serves one pass over the
 * devices; a failed scrape reads ok = false on every device. LW_ERR_INVALID_ARGUMENT for a bad
 * URL, LW_ERR_IO when the endpoint does not answer, LW_ERR_PARSE for a malformed page,
 * LW_ERR_NO_DEVICE when it serves no GPU. Messages never contain the URL's credentials. */
LW_API lw_status lw_power_open_dcgm(const char *url, double timeout_s, lw_power_source **out, lw_err *err);

/* For a dcgm source: seconds of scraping per new value seen, which is the scrape interval when
 * the endpoint refreshes at least that often and the endpoint's own refresh period when it is
 * slower (dcgm-exporter's collect interval, 30 s by default). NAN before three scrapes or for
 * other sources. */
LW_API double lw_power_refresh_s(const lw_power_source *src);

/* For a dcgm source: true when its latest scrape failed, with the one-line reason (naming the
 * URL without credentials) in out; false (out "") when it succeeded or for other sources. */
LW_API bool lw_power_scrape_error(lw_power_source *src, char *out, size_t n);

/* For a dcgm source sampled every interval_s: when the endpoint brought new values more slowly
 * than that (lw_power_refresh_s() > 1.5 x interval_s), writes one sentence saying so and what to
 * do into out and returns true; false otherwise (out untouched). */
LW_API bool lw_power_refresh_note(const lw_power_source *src, double interval_s, char *out, size_t n);

/* For a dcgm source: its URL without credentials (valid until lw_power_close); "" for other
 * sources. */
LW_API const char *lw_power_source_url(const lw_power_source *src);

/* For a live GPU source whose read never returned during a measurement (a hung vendor library,
 * LW_MEASURE_HUNG_CALL_S): writes one sentence saying when and what it means into out and
 * returns true; false otherwise (out untouched). */
LW_API bool lw_power_hung_note(const lw_power_source *src, char *out, size_t n);

/* Closes the source. A source with a read that never returned (lw_power_hung_note) is left as it
 * is: a thread is still inside its library, which can be neither shut down nor unloaded safely. */
LW_API void lw_power_close(lw_power_source *src);

LW_API lw_source_kind lw_power_kind(const lw_power_source *src);
/* "nvml", "rapl", "replay", "dcgm", "rocm_smi" or "amdsmi". */
LW_API const char *lw_power_kind_name(lw_source_kind kind);

LW_API size_t lw_power_device_count(const lw_power_source *src);
/* Info of device i (0 <= i < count). */
LW_API lw_status lw_power_device_info(const lw_power_source *src, size_t i, lw_device_info *out, lw_err *err);

/* Finds a device the way CUDA_VISIBLE_DEVICES names it: its index ("2", matched against
 * lw_device_info.index) or its UUID ("GPU-8932f937-..."), or a prefix of the UUID that only one
 * device has. *i is the position for lw_power_read. LW_ERR_NOT_FOUND naming the devices there
 * are; LW_ERR_INVALID_ARGUMENT for an ambiguous prefix. */
LW_API lw_status lw_power_find_device(const lw_power_source *src, const char *id, size_t *i, lw_err *err);

/* Reads device i now (live sources only; LW_ERR_UNSUPPORTED for replay). A device that fails
 * returns LW_OK with out->ok false, so a sampler keeps going; LW_ERR_INVALID_ARGUMENT for an
 * index out of range. Thread-safe (see top of file). */
LW_API lw_status lw_power_read(lw_power_source *src, size_t i, lw_power_sample *out, lw_err *err);

/* The recorded samples of device i of a replay source, in time order (borrowed; valid until
 * lw_power_close). LW_ERR_UNSUPPORTED for live sources. */
LW_API lw_status lw_power_replay_series(const lw_power_source *src, size_t i, const lw_power_sample **samples, size_t *n, lw_err *err);

/* Wall-clock (Unix seconds) of the replay log's first row, for the report's start time. */
LW_API double lw_power_replay_start_unix(const lw_power_source *src);

#ifdef __cplusplus
}
#endif
#endif
