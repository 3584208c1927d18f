/* llmwatt measure: run a workload (or replay an nvidia-smi log), measure its GPU and CPU energy,
 * tokens per joule, and say whether the measurement is valid (seed 004). */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "common.h"
#include "llmwatt/history.h"
#include "llmwatt/measure.h"
#include "llmwatt/power.h"
#include "loop.h"
#include "measure_print.h"

static const char *usage_text =
    "usage: llmwatt measure [options] -- COMMAND [ARGS...]\n"
    "       llmwatt measure --replay nvidia-smi.csv [options]\n\n"
    "Runs COMMAND while sampling GPU power and energy (NVML) and CPU package/DRAM energy (RAPL)\n"
    "on a separate thread; reports energy per GPU and in total, tokens/s, J/token, tokens/J and a\n"
    "validity verdict. Energy comes from the GPU energy counter when it exists, else from\n"
    "trapezoidal integration of power; both are shown when both exist.\n\n"
    "  --interval DUR          sampling period, 10ms..1h (default 100ms)\n"
    "  --warmup DUR            exclude the first DUR of the run from the energy (default 0)\n"
    "  --idle-baseline DUR     sample idle power for DUR before starting; reported, not subtracted\n"
    "  --gpus N                measure N GPUs: the first N of the source (default all)\n"
    "  --devices LIST          the GPUs to measure, by index or UUID like CUDA_VISIBLE_DEVICES:\n"
    "                          0,2 or GPU-8932f937,GPU-1d2c (a unique UUID prefix is enough)\n"
    "  --nvml-library PATH     NVML library to load (default $LLMWATT_NVML_LIBRARY or libnvidia-ml.so.1)\n"
    "  --amdsmi-library PATH   AMD GPUs through this amdsmi (ROCm 6+); --rocm-smi-library PATH: ROCm SMI\n"
    "                          (default without an NVIDIA GPU: amdsmi, then ROCm SMI)\n"
    "  --no-cpu                do not read RAPL CPU energy\n"
    "  --dcgm URL              read the GPUs from NVIDIA dcgm-exporter's /metrics (http://HOST:PORT)\n"
    "                          instead of NVML; exit 3 when it does not answer\n"
    "  --tokens N              tokens produced in the measured window\n"
    "  --throughput-file F     read the token count from the workload's JSON after it exits\n"
    "  --tokens-key PATH       key of the count in F, dotted (default tokens, then total_tokens)\n"
    "  --iterations N          iterations run (checked against --min-iterations)\n"
    "  --label KEY=VALUE       metadata for reports (workload, model, precision, batch, ...); repeatable;\n"
    "                          model, gpu, gpus, batch, input_tokens, output_tokens, reasoning_tokens,\n"
    "                          precision and engine have a meaning (docs/measurement-json.md): with a\n"
    "                          model, GPU and token counts the estimate is shown beside the measurement\n"
    "  --calibration FILE      calibration of that estimate (default: LLMWATT_CALIBRATION, else shipped)\n"
    "  --output FILE           write the measurement JSON (docs/measurement-json.md), atomically\n"
    "  --csv FILE              write the raw samples\n"
    "  --record DB             store the measurement in a history database (llmwatt history)\n"
    "  --json                  print the measurement JSON instead of the summary\n"
    "  --replay LOG            analyse an nvidia-smi --query-gpu=timestamp,index,power.draw,... log\n"
    "  --min-duration DUR      validity: duration after warm-up (default 60s)\n"
    "  --min-iterations N      validity: iterations when known (default 50)\n"
    "  --min-utilization F     validity: average GPU utilisation must exceed F, 0..1 (default 0.7)\n"
    "  --max-power-cv F        validity: power coefficient of variation must be below F (default 0.05)\n"
    "  --throttle-mask MASK    validity: clock-event bits that count as throttling (default 0xe0:\n"
    "                          sw_thermal, hw_thermal, hw_power_brake)\n"
    "  --fail-invalid          exit 1 when the workload succeeded but the verdict is INVALID\n"
    "  --kill-after DUR        after passing on SIGINT/SIGTERM/SIGHUP, kill the workload (SIGKILL)\n"
    "                          if it is still running DUR later, whole seconds (default 10s)\n"
    "  --catalogue FILE        extra catalogue (constants measure.*)\n\n"
    "Exit: the workload's exit code (128+N if killed by signal N; 127 if it cannot be started),\n"
    "2 usage, 3 --dcgm endpoint not answering, 4 bad log or throughput file, 6 no power source.\n"
    "SIGINT/SIGTERM/SIGHUP are passed on to the workload and the results are still written,\n"
    "marked as interrupted.\n"
    "Environment: LLMWATT_NVML_LIBRARY (default libnvidia-ml.so.1), LLMWATT_AMDSMI_LIBRARY (default\n"
    "libamd_smi.so), LLMWATT_ROCM_SMI_LIBRARY (default librocm_smi64.so.1), LLMWATT_POWERCAP_ROOT\n"
    "(default /sys/class/powercap).\n";

#define MAX_LABELS 64

/* Signal forwarding: the handler can only reach these. */
static volatile sig_atomic_t child_pid;
static volatile sig_atomic_t forwarded_signal;
static volatile sig_atomic_t kill_after_s; /* --kill-after, whole seconds */
static volatile sig_atomic_t child_killed; /* SIGKILL sent after the grace period */

static void forward(int sig, siginfo_t *info, void *ctx)
{
    (void)ctx;
    if (sig == SIGALRM) { /* the workload outlived the grace period after a forwarded signal */
        if (child_pid > 0) {
            kill((pid_t)child_pid, SIGKILL);
            child_killed = 1;
        }
        return;
    }
    if (!forwarded_signal)
        alarm((unsigned)kill_after_s);
    forwarded_signal = sig;
    /* A terminal's ^C (si_code SI_KERNEL) already reached the whole foreground process group,
     * the workload included: sending it again would interrupt its clean-up. */
    if (child_pid > 0 && info->si_code != SI_KERNEL)
        kill((pid_t)child_pid, sig);
}

static const int fwd_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGALRM};
#define N_FWD 4

static void install_forwarding(struct sigaction old[N_FWD])
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = forward;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    for (int i = 0; i < N_FWD; i++)
        sigaction(fwd_signals[i], &sa, &old[i]);
}

static void restore_signals(const struct sigaction old[N_FWD])
{
    alarm(0);
    for (int i = 0; i < N_FWD; i++)
        sigaction(fwd_signals[i], &old[i], NULL);
}

typedef struct opts {
    lw_measure_config cfg;
    double tokens, iterations;
    const char *throughput_file, *tokens_key, *output, *csv, *replay, *catalogue, *record, *calibration, *devices, *nvml_lib, *rocm_lib, *amdsmi_lib, *dcgm;
    int n_gpus; /* --gpus N, 0 when not given */
    double kill_after_s; /* --kill-after */
    bool json, no_cpu, fail_invalid;
    const char *label_keys[MAX_LABELS], *label_values[MAX_LABELS];
    char *label_buf[MAX_LABELS];
    size_t n_labels;
} opts;

/* --gpus N is a count, as in every other command; a list is what --devices takes. */
static bool parse_gpus(const char *cmd, const char *v, int *n)
{
    if (strchr(v, ',') || strcmp(v, "all") == 0) {
        cli_usage(cmd, "--gpus is a number of GPUs, got '%s'; choose GPUs with --devices %s", v, strcmp(v, "all") == 0 ? "LIST" : v);
        return false;
    }
    return cli_int(cmd, "gpus", v, 1, LW_MEASURE_MAX_GPUS, n);
}

/* Fills cfg->gpu_indices from --devices (indices or UUIDs) or --gpus N (the first N GPUs).
 * Returns -1 on success, else the exit code after one error line. */
static int select_devices(const opts *o, const lw_power_source *gpu, lw_measure_config *cfg)
{
    const char *cmd = "measure";
    size_t have = lw_power_device_count(gpu);
    cfg->n_gpu_indices = 0;
    if (o->devices) {
        char buf[1024];
        if (strlen(o->devices) >= sizeof buf)
            return cli_usage(cmd, "--devices list is too long");
        strcpy(buf, o->devices);
        char *save = NULL;
        for (char *id = strtok_r(buf, ",", &save); id; id = strtok_r(NULL, ",", &save)) {
            size_t k;
            lw_device_info info;
            lw_err err;
            if (cfg->n_gpu_indices == LW_MEASURE_MAX_GPUS)
                return cli_usage(cmd, "--devices lists more than %d GPUs", LW_MEASURE_MAX_GPUS);
            if (lw_power_find_device(gpu, id, &k, &err) != LW_OK || lw_power_device_info(gpu, k, &info, &err) != LW_OK) {
                cli_error(cmd, "--devices: %s", lw_err_message(&err));
                return err.status == LW_ERR_NOT_FOUND ? EXIT_NOT_FOUND : EXIT_USAGE;
            }
            cfg->gpu_indices[cfg->n_gpu_indices++] = info.index;
        }
        if (o->n_gpus && (size_t)o->n_gpus != cfg->n_gpu_indices)
            return cli_usage(cmd, "--gpus %d but --devices names %zu GPU(s)", o->n_gpus, cfg->n_gpu_indices);
        return -1;
    }
    if (o->n_gpus) {
        if ((size_t)o->n_gpus > have) {
            cli_error(cmd, "--gpus %d: the %s source has %zu GPU(s); give --gpus %zu or fewer", o->n_gpus,
                      lw_power_kind_name(lw_power_kind(gpu)), have, have);
            return EXIT_NOT_FOUND;
        }
        for (size_t k = 0; k < (size_t)o->n_gpus; k++) {
            lw_device_info info;
            lw_power_device_info(gpu, k, &info, NULL);
            cfg->gpu_indices[cfg->n_gpu_indices++] = info.index;
        }
    }
    return -1;
}

static bool parse_label(const char *cmd, const char *v, opts *o)
{
    const char *eq = strchr(v, '=');
    if (!eq || eq == v) {
        cli_usage(cmd, "--label expects KEY=VALUE, got '%s'", v);
        return false;
    }
    if (o->n_labels == MAX_LABELS) {
        cli_usage(cmd, "at most %d --label options", MAX_LABELS);
        return false;
    }
    char *k = strndup(v, (size_t)(eq - v));
    if (!k)
        return false;
    o->label_buf[o->n_labels] = k;
    o->label_keys[o->n_labels] = k;
    o->label_values[o->n_labels++] = eq + 1;
    return true;
}

static bool parse_mask(const char *cmd, const char *v, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long x = strtoull(v, &end, 0);
    if (end == v || *end != '\0' || errno || v[0] == '-') {
        cli_usage(cmd, "--throttle-mask expects a bit mask such as 0xe0, got '%s'", v);
        return false;
    }
    *out = (uint64_t)x;
    return true;
}

/* Parses the options; returns -1 to go on, or an exit code. */
static int parse(int argc, char **argv, opts *o, int *first_arg)
{
    enum { O_HELP = 256, O_INTERVAL, O_WARMUP, O_IDLE, O_GPUS, O_NOCPU, O_TOKENS, O_TFILE, O_TKEY, O_ITER, O_LABEL, O_OUTPUT,
           O_CSV, O_JSON, O_REPLAY, O_MINDUR, O_MINIT, O_MINUTIL, O_MAXCV, O_MASK, O_FAILINV, O_CAT, O_RECORD, O_DEVICES, O_NVML, O_KILLAFTER, O_ROCM, O_CALIB,
           O_DCGM, O_AMDSMI };
    static const cli_opt table[] = {
        {"help", false, O_HELP},          {"interval", true, O_INTERVAL},    {"warmup", true, O_WARMUP},
        {"idle-baseline", true, O_IDLE},  {"gpus", true, O_GPUS},            {"no-cpu", false, O_NOCPU},
        {"tokens", true, O_TOKENS},       {"throughput-file", true, O_TFILE}, {"tokens-key", true, O_TKEY},
        {"iterations", true, O_ITER},     {"label", true, O_LABEL},          {"output", true, O_OUTPUT},
        {"csv", true, O_CSV},             {"json", false, O_JSON},           {"replay", true, O_REPLAY},
        {"min-duration", true, O_MINDUR}, {"min-iterations", true, O_MINIT}, {"min-utilization", true, O_MINUTIL},
        {"max-power-cv", true, O_MAXCV},  {"throttle-mask", true, O_MASK},   {"fail-invalid", false, O_FAILINV},
        {"catalogue", true, O_CAT},       {"record", true, O_RECORD},        {"devices", true, O_DEVICES},
        {"nvml-library", true, O_NVML},   {"kill-after", true, O_KILLAFTER}, {"rocm-smi-library", true, O_ROCM},
        {"calibration", true, O_CALIB},   {"dcgm", true, O_DCGM},            {"amdsmi-library", true, O_AMDSMI},
        {NULL, false, 0}};
    const char *cmd = "measure", *v;
    /* the catalogue supplies the defaults, so it is found first */
    for (int k = 1; k < argc && strcmp(argv[k], "--") != 0; k++) {
        if (strcmp(argv[k], "--catalogue") == 0 && k + 1 < argc)
            o->catalogue = argv[k + 1];
        else if (strncmp(argv[k], "--catalogue=", 12) == 0)
            o->catalogue = argv[k] + 12;
    }
    lw_catalogue *cat;
    int rc = cli_catalogue(cmd, o->catalogue, &cat);
    if (rc)
        return rc;
    lw_err err;
    lw_status st = lw_measure_config_default(cat, &o->cfg, &err);
    lw_catalogue_free(cat);
    if (st != LW_OK)
        return cli_fail(cmd, &err);
    lw_measure_thresholds *th = &o->cfg.thresholds;
    int i = 1, id;
    while ((id = cli_getopt(cmd, argc, argv, table, &i, &v)) > 0) {
        bool ok = true;
        switch (id) {
        case O_HELP: fputs(usage_text, stdout); return EXIT_OK;
        case O_INTERVAL:
            ok = cli_duration(cmd, "interval", v, &o->cfg.interval_s);
            if (ok && !(o->cfg.interval_s >= LW_MEASURE_MIN_INTERVAL_S && o->cfg.interval_s <= 3600))
                return cli_usage(cmd, "--interval must be between 10ms and 1h, got '%s'", v);
            break;
        case O_WARMUP: ok = cli_duration(cmd, "warmup", v, &o->cfg.warmup_s); break;
        case O_IDLE: ok = cli_duration(cmd, "idle-baseline", v, &o->cfg.idle_baseline_s); break;
        case O_GPUS: ok = parse_gpus(cmd, v, &o->n_gpus); break;
        case O_DEVICES: o->devices = v; break;
        case O_NVML: o->nvml_lib = v; break;
        case O_ROCM: o->rocm_lib = v; break;
        case O_AMDSMI: o->amdsmi_lib = v; break;
        case O_KILLAFTER:
            ok = cli_duration(cmd, "kill-after", v, &o->kill_after_s);
            if (ok && !(o->kill_after_s >= 1 && o->kill_after_s <= 3600))
                return cli_usage(cmd, "--kill-after must be between 1s and 1h, got '%s'", v);
            break;
        case O_NOCPU: o->no_cpu = true; break;
        case O_TOKENS: ok = cli_tokens(cmd, "tokens", v, &o->tokens); break;
        case O_TFILE: o->throughput_file = v; break;
        case O_TKEY: o->tokens_key = v; break;
        case O_ITER: ok = cli_number(cmd, "iterations", v, 0, 1e15, &o->iterations); break;
        case O_LABEL: ok = parse_label(cmd, v, o); break;
        case O_OUTPUT: o->output = v; break;
        case O_CSV: o->csv = v; break;
        case O_RECORD: o->record = v; break;
        case O_JSON: o->json = true; break;
        case O_REPLAY: o->replay = v; break;
        case O_DCGM: o->dcgm = v; break;
        case O_MINDUR: ok = cli_duration(cmd, "min-duration", v, &th->min_duration_s); break;
        case O_MINIT: ok = cli_number(cmd, "min-iterations", v, 0, 1e15, &th->min_iterations); break;
        case O_MINUTIL: ok = cli_number(cmd, "min-utilization", v, 0, 1, &th->min_avg_utilization); break;
        case O_MAXCV: ok = cli_number(cmd, "max-power-cv", v, 0, 100, &th->max_power_cv); break;
        case O_MASK: ok = parse_mask(cmd, v, &th->throttle_mask); break;
        case O_FAILINV: o->fail_invalid = true; break;
        case O_CAT: break;
        case O_CALIB: o->calibration = v; break;
        }
        if (!ok)
            return EXIT_USAGE;
    }
    if (id < 0)
        return EXIT_USAGE;
    if (i < argc && strcmp(argv[i - 1], "--") != 0)
        return cli_usage(cmd, "unexpected argument '%s' (put the command after --)", argv[i]);
    *first_arg = i;
    if (o->replay && i < argc)
        return cli_usage(cmd, "give either --replay LOG or a command after --, not both");
    if (!o->replay && i >= argc)
        return cli_usage(cmd, "missing the command to measure: llmwatt measure [options] -- COMMAND [ARGS...]");
    if (isfinite(o->tokens) && o->throughput_file)
        return cli_usage(cmd, "give either --tokens or --throughput-file, not both");
    if (o->tokens_key && !o->throughput_file)
        return cli_usage(cmd, "--tokens-key needs --throughput-file");
    if (o->replay && o->dcgm)
        return cli_usage(cmd, "give either --replay LOG or --dcgm URL, not both");
    const char *lib_flag = o->nvml_lib ? "nvml-library" : o->amdsmi_lib ? "amdsmi-library" : o->rocm_lib ? "rocm-smi-library" : NULL;
    if (o->dcgm && lib_flag)
        return cli_usage(cmd, "--dcgm excludes --%s", lib_flag);
    if (o->replay && o->cfg.idle_baseline_s > 0)
        return cli_usage(cmd, "--idle-baseline needs a live run, not --replay");
    if (o->n_labels) { /* before the workload runs: a malformed label is a usage error */
        if ((rc = cli_catalogue(cmd, o->catalogue, &cat)))
            return rc;
        rc = cli_loop_labels(cmd, cat, o->label_keys, o->label_values, o->n_labels);
        lw_catalogue_free(cat);
        if (rc)
            return rc;
    }
    if (o->replay && lib_flag)
        return cli_usage(cmd, "--replay and --%s exclude each other", lib_flag);
    if ((o->nvml_lib != NULL) + (o->amdsmi_lib != NULL) + (o->rocm_lib != NULL) > 1)
        return cli_usage(cmd, "give one of --nvml-library, --amdsmi-library and --rocm-smi-library, not several");
    return -1;
}

/* Opens NVML and RAPL; exit code EXIT_NO_DEVICE with one line when neither is usable. */
static int open_sources(const opts *o, lw_power_source **gpu, lw_power_source **cpu)
{
    lw_err gerr, cerr;
    *gpu = *cpu = NULL;
    if (o->dcgm) {
        /* an HTTP GET may take up to one interval, and at least 1 s */
        lw_status ds = lw_power_open_dcgm(o->dcgm, fmax(1.0, o->cfg.interval_s), gpu, &gerr);
        if (ds != LW_OK) {
            cli_error("measure", "--dcgm: %s", lw_err_message(&gerr));
            return ds == LW_ERR_INVALID_ARGUMENT ? EXIT_USAGE : ds == LW_ERR_IO ? EXIT_NOT_FOUND : ds == LW_ERR_PARSE ? EXIT_INPUT
                                                                                                    : ds == LW_ERR_NO_MEMORY ? EXIT_INTERNAL : EXIT_NO_DEVICE;
        }
    }
    /* NVIDIA first; then AMD through amdsmi (ROCm 6+), then ROCm SMI, when there is no NVIDIA GPU;
     * a --*-library flag names the one library to use */
    lw_status gs = o->dcgm         ? LW_OK
                   : o->rocm_lib   ? lw_power_open_rocm_smi(o->rocm_lib, gpu, &gerr)
                   : o->amdsmi_lib ? lw_power_open_amdsmi(o->amdsmi_lib, gpu, &gerr)
                                   : lw_power_open_nvml(o->nvml_lib, gpu, &gerr);
    for (int k = 0; k < 2 && gs == LW_ERR_NO_DEVICE && !o->rocm_lib && !o->amdsmi_lib && !o->nvml_lib; k++) {
        lw_err rerr;
        gs = k == 0 ? lw_power_open_amdsmi(NULL, gpu, &rerr) : lw_power_open_rocm_smi(NULL, gpu, &rerr);
        if (gs == LW_ERR_NO_DEVICE) {
            char nv[512];
            snprintf(nv, sizeof nv, "%s", lw_err_message(&gerr));
            /* both AMD libraries give the same reason where there is no /dev/kfd: said once */
            if (!strstr(nv, lw_err_message(&rerr)))
                lw_err_set(&gerr, LW_ERR_NO_DEVICE, "%s; %s", nv, lw_err_message(&rerr));
        } else if (gs != LW_OK) {
            gerr = rerr;
        }
    }
    lw_status cs = o->no_cpu ? LW_ERR_NO_DEVICE : lw_power_open_rapl(NULL, cpu, &cerr);
    if (o->no_cpu)
        lw_err_set(&cerr, LW_ERR_NO_DEVICE, "RAPL disabled by --no-cpu");
    if (gs == LW_ERR_NO_MEMORY || cs == LW_ERR_NO_MEMORY) {
        cli_error("measure", "out of memory opening the power sources");
        return EXIT_INTERNAL;
    }
    if (gs != LW_OK && cs != LW_OK) {
        cli_error("measure", "no power source: %s; %s. %s", lw_err_message(&gerr), lw_err_message(&cerr), lw_power_no_source_remedy());
        return EXIT_NO_DEVICE;
    }
    if (gs != LW_OK && (o->n_gpus || o->devices)) {
        lw_power_close(*cpu);
        *cpu = NULL;
        cli_error("measure", "%s given but no GPU can be read: %s", o->devices ? "--devices" : "--gpus", lw_err_message(&gerr));
        return EXIT_NO_DEVICE;
    }
    return -1;
}

/* Runs the workload under measurement. Returns -1 on success, else an exit code. */
static int run_live(opts *o, char **cmdv, lw_measure **mp, lw_power_source **gpu, lw_power_source **cpu, lw_child_status *child)
{
    const char *cmd = "measure";
    int rc = open_sources(o, gpu, cpu);
    if (rc >= 0 || (*gpu && (rc = select_devices(o, *gpu, &o->cfg)) >= 0))
        return rc;
    lw_err err;
    if (lw_measure_new(&o->cfg, *gpu, *cpu, mp, &err) != LW_OK)
        return cli_fail(cmd, &err);
    if (o->cfg.idle_baseline_s > 0 && lw_measure_idle(*mp, &err) != LW_OK)
        return cli_fail(cmd, &err);
    struct sigaction old[N_FWD];
    child_pid = 0;
    forwarded_signal = 0;
    child_killed = 0;
    kill_after_s = (sig_atomic_t)ceil(o->kill_after_s);
    install_forwarding(old);
    if (lw_measure_start(*mp, &err) != LW_OK) {
        restore_signals(old);
        return cli_fail(cmd, &err);
    }
    pid_t pid;
    if (lw_child_spawn(cmdv, &pid, &err) != LW_OK) {
        lw_measure_stop(*mp, NULL);
        restore_signals(old);
        cli_error(cmd, "%s", lw_err_message(&err));
        return 127;
    }
    child_pid = pid;
    if (forwarded_signal) /* arrived before the pid was known */
        kill(pid, forwarded_signal);
    lw_status ws = lw_child_wait(pid, child, &err);
    lw_status ss = lw_measure_stop(*mp, ws == LW_OK ? &err : NULL);
    child->interrupted = forwarded_signal != 0;
    restore_signals(old);
    if (child_killed)
        fprintf(stderr, "llmwatt %s: the workload ignored %s for %d s and was killed (SIGKILL); the results cover the run until then\n",
                cmd, forwarded_signal == SIGINT ? "SIGINT" : forwarded_signal == SIGTERM ? "SIGTERM" : "SIGHUP", (int)kill_after_s);
    if (ws != LW_OK || ss != LW_OK)
        return cli_fail(cmd, &err);
    return -1;
}

/* Checks, before the workload runs, that path can be written: not a directory, and its directory
 * takes a new file (the atomic write's temporary file goes there). */
static int check_writable(const char *opt, const char *path)
{
    const char *cmd = "measure";
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        cli_error(cmd, "--%s '%s' is a directory: give a file name (checked before running the workload)", opt, path);
        return EXIT_INPUT;
    }
    const char *slash = strrchr(path, '/');
    const char *dir = !slash ? "." : slash == path ? "" : path; /* "" + "/..." is the root */
    int dir_len = !slash || slash == path ? (int)strlen(dir) : (int)(slash - path);
    char probe[4096];
    if (snprintf(probe, sizeof probe, "%.*s/.llmwatt-probe-XXXXXX", dir_len, dir) >= (int)sizeof probe) {
        cli_error(cmd, "--%s '%s': path too long", opt, path);
        return EXIT_INPUT;
    }
    int fd = mkstemp(probe);
    if (fd < 0) {
        cli_error(cmd, "cannot write --%s '%s': %s (checked before running the workload)", opt, path, strerror(errno));
        return EXIT_INPUT;
    }
    close(fd);
    unlink(probe);
    return -1;
}

/* Every output is checked before the workload starts, so a typo does not cost a finished run. */
static int check_outputs(const opts *o)
{
    int rc;
    if (o->output && (rc = check_writable("output", o->output)) >= 0)
        return rc;
    if (o->csv && (rc = check_writable("csv", o->csv)) >= 0)
        return rc;
    if (o->record) {
        lw_history *h;
        lw_err err;
        if (lw_history_open(o->record, LW_HISTORY_WRITE, &h, &err) != LW_OK) {
            cli_error("measure", "--record %s: %s (checked before running the workload)", o->record, lw_err_message(&err));
            return cli_exit_code(err.status);
        }
        lw_history_close(h);
    }
    return -1;
}

/* After a late write failure: keeps the measurement JSON in a new file under $TMPDIR (or /tmp)
 * and names it on stderr, so the finished run is not lost. */
static void save_fallback(const char *json)
{
    const char *dir = getenv("TMPDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/llmwatt-measure-XXXXXX.json", dir && *dir ? dir : "/tmp");
    int fd = mkstemps(path, 5);
    size_t len = strlen(json), done = 0;
    while (fd >= 0 && done < len) {
        ssize_t w = write(fd, json + done, len - done);
        if (w <= 0)
            break;
        done += (size_t)w;
    }
    if (fd >= 0 && close(fd) == 0 && done == len) {
        cli_error("measure", "the measurement was kept in %s", path);
        return;
    }
    if (fd >= 0)
        unlink(path);
    cli_error("measure", "the measurement could not be kept in %s either: %s", path, strerror(errno));
}

/* Writes --output, --csv and --record (in that order), then prints the JSON (--json) or the
 * summary: a failure to write leaves stdout empty of results (docs/cli.md) and the measurement
 * JSON in a fallback file named on stderr. */
static int write_outputs(const opts *o, const lw_measure *m, const lw_power_source *gpu, const lw_measure_result *r, char **cmdv, int cmdc)
{
    const char *cmd = "measure";
    char host[256] = "";
    if (gethostname(host, sizeof host) != 0)
        host[0] = '\0';
    host[sizeof host - 1] = '\0';
    lw_measure_meta meta = {(const char *const *)cmdv, (size_t)cmdc, o->label_keys, o->label_values, o->n_labels, host, o->replay};
    lw_err err;
    char *json = NULL, *csv = NULL;
    if (lw_measure_json_source(r, &meta, gpu, &json, &err) != LW_OK)
        return cli_fail(cmd, &err);
    lw_loop_result loop = LW_LOOP_RESULT_INIT;
    cli_calibration cal;
    int rc = cli_loop_measurement(cmd, o->catalogue, o->calibration, &json, &loop, &cal);
    if (o->output && lw_file_write_atomic(o->output, json, strlen(json), &err) != LW_OK)
        rc = cli_fail(cmd, &err);
    if (!rc && o->csv) {
        if (lw_measure_csv(m, &csv, &err) != LW_OK || lw_file_write_atomic(o->csv, csv, strlen(csv), &err) != LW_OK)
            rc = cli_fail(cmd, &err);
    }
    if (!rc && o->record)
        rc = cli_record(cmd, o->record, json, true);
    if (rc)
        save_fallback(json);
    if (!rc && o->json) {
        fputs(json, stdout);
    } else if (!rc) {
        char title[512];
        if (o->replay)
            snprintf(title, sizeof title, "replay of %s", o->replay);
        else {
            size_t n = (size_t)snprintf(title, sizeof title, "measured:");
            for (int k = 0; k < cmdc && n < sizeof title; k++)
                n += (size_t)snprintf(title + n, sizeof title - n, " %s", cmdv[k]);
        }
        measure_print_summary(stdout, title, r);
        char note[400];
        if (gpu && lw_power_refresh_note(gpu, r->interval_s, note, sizeof note))
            printf("note: %s\n", note);
        if (gpu && lw_power_hung_note(gpu, note, sizeof note))
            printf("warning: %s\n", note);
        if (o->n_labels)
            cli_loop_print(stdout, &loop, &cal);
    }
    fflush(stdout);
    cli_calibration_close(&cal);
    free(json);
    free(csv);
    return rc;
}

int cmd_measure(int argc, char **argv)
{
    const char *cmd = "measure";
    opts o;
    memset(&o, 0, sizeof o);
    o.tokens = o.iterations = NAN;
    o.kill_after_s = 10;
    int first = argc;
    int rc = parse(argc, argv, &o, &first);
    lw_power_source *gpu = NULL, *cpu = NULL, *replay = NULL;
    lw_measure *m = NULL;
    lw_child_status child = {0};
    lw_measure_result *r = NULL;
    lw_err err;
    char **cmdv = argv + first;
    int cmdc = argc - first;
    if (rc >= 0 || (rc = check_outputs(&o)) >= 0)
        goto done;
    if (o.replay) {
        if (lw_power_open_replay(o.replay, &replay, &err) != LW_OK) {
            rc = cli_fail(cmd, &err);
            goto done;
        }
        if ((rc = select_devices(&o, replay, &o.cfg)) >= 0)
            goto done;
        if (lw_measure_from_replay(&o.cfg, replay, &m, &err) != LW_OK) {
            rc = cli_fail(cmd, &err);
            goto done;
        }
        cmdv = NULL;
        cmdc = 0;
    } else if ((rc = run_live(&o, cmdv, &m, &gpu, &cpu, &child)) >= 0) {
        goto done;
    }
    int input_rc = EXIT_OK;
    /* --iterations, when given, wins over the file's "iterations" */
    double file_iterations = NAN;
    if (o.throughput_file && lw_throughput_read(o.throughput_file, o.tokens_key, &o.tokens, &file_iterations, &err) != LW_OK) {
        /* the energy is still worth keeping: results are written without tokens */
        input_rc = cli_fail(cmd, &err);
        o.tokens = NAN;
    }
    if (!isfinite(o.iterations))
        o.iterations = file_iterations;
    r = malloc(sizeof *r);
    if (!r) {
        cli_error(cmd, "out of memory analysing the samples");
        rc = EXIT_INTERNAL;
        goto done;
    }
    if (lw_measure_analyze(m, o.tokens, o.iterations, o.replay ? NULL : &child, r, &err) != LW_OK) {
        rc = cli_fail(cmd, &err);
        goto done;
    }
    rc = write_outputs(&o, m, gpu, r, cmdv, cmdc);
    if (!rc)
        rc = child.ran && child.exit_code != 0 ? child.exit_code : input_rc;
    if (!rc && o.fail_invalid && !r->valid)
        rc = EXIT_FAIL;
done:
    free(r);
    lw_measure_free(m);
    lw_power_close(gpu);
    lw_power_close(cpu);
    lw_power_close(replay);
    for (size_t i = 0; i < o.n_labels; i++)
        free(o.label_buf[i]);
    return rc;
}
