/* llmwatt serve: Prometheus exporter of GPU/CPU energy and per-workload tokens per joule.
 * The main thread samples the power sources every --interval and closes an attribution
 * interval; libmicrohttpd's thread serves /metrics and /tokens (cli/serve_http.c). SIGINT and
 * SIGTERM are taken synchronously by the main thread (sigtimedwait) for a clean shutdown. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "common.h"
#include "llmwatt/catalogue.h"
#include "llmwatt/cost.h"
#include "llmwatt/exporter.h"
#include "llmwatt/grid.h"
#include "llmwatt/history.h"
#include "llmwatt/power.h"
#include "serve.h"

static const char *usage_text =
    "usage: llmwatt serve [--listen HOST:PORT] [--interval DUR] [--hold DUR] [--max-workloads N]\n"
    "                     [--token-file FILE] [--replay LOG [--replay-speed X]] [--nvml-library PATH]\n"
    "                     [--devices LIST]\n"
    "                     [--no-rapl] [--client-timeout DUR] [--max-connections N] [--duration DUR]\n"
    "                     [--dcgm URL] [--engine KIND=URL[@GPUS]]... [--price-kwh P] [--pue X|NAME] [--region R]\n"
    "                     [--carbon-intensity SERIES.csv]\n\n"
    "Prometheus exporter. GET /metrics: per-GPU energy counter, power, utilisation, temperature,\n"
    "throttle state; RAPL CPU/DRAM energy; per-workload llmwatt_tokens_total and\n"
    "llmwatt_energy_joules_total (tokens per joule = rate ratio). Workloads report tokens with\n"
    "POST /tokens 'workload=NAME&tokens=N' (or JSON), from loopback only unless --token-file\n"
    "is given (then 'Authorization: Bearer SECRET' from anywhere). See docs/serve.md.\n\n"
    "  --listen HOST:PORT    address (default 127.0.0.1:9400; :PORT = all interfaces; port 0 picks one)\n"
    "  --interval DUR        sampling and attribution interval (default 1s, 10ms..60s)\n"
    "  --hold DUR            a report keeps its workload active this long (default 10s)\n"
    "  --max-workloads N     distinct workload names kept (default 256); more get 429\n"
    "  --token-file FILE     first line is the bearer secret required by POST /tokens\n"
    "  --replay LOG          serve a recorded nvidia-smi --query-gpu CSV log instead of live GPUs;\n"
    "                        it advances with wall-clock time x --replay-speed (default 1) and loops\n"
    "  --nvml-library PATH   NVML library to load (default $LLMWATT_NVML_LIBRARY or libnvidia-ml.so.1)\n"
    "  --devices LIST        serve only these GPUs, by index or UUID like CUDA_VISIBLE_DEVICES (0,2 or\n"
    "                        GPU-8932f937,...; a unique UUID prefix is enough); default all\n"
    "  --no-rapl             do not read CPU/DRAM energy from powercap\n"
    "  --client-timeout DUR  close connections idle this long, or whose request is still arriving\n"
    "                        after it (default 10s)\n"
    "  --max-connections N   concurrent connections (default 64; a quarter of them per client address)\n"
    "  --duration DUR        stop after this long (default: until SIGINT/SIGTERM)\n"
    "  --dcgm URL            read the GPUs from NVIDIA dcgm-exporter (http://HOST:9400/metrics) instead of NVML\n"
    "  --engine KIND=URL[@GPUS]  read token counters from an inference engine's /metrics every interval\n"
    "                        (repeatable): vllm, sglang, tgi[:NAME] or prometheus:METRIC; @0,1 maps it\n"
    "                        to those GPU indices. Workloads are named by the engine's model_name\n"
    "  --price-kwh P         export llmwatt_energy_cost_dollars_total at P USD/kWh\n"
    "  --pue X|NAME          facility PUE applied to cost and carbon (default 1; names: llmwatt sources cost.pue)\n"
    "  --region R            export llmwatt_carbon_grams_total at region R's grid intensity (llmwatt cost --help)\n"
    "  --carbon-intensity F  hourly grid series (the formats of llmwatt cost): each interval's carbon at the\n"
    "                        intensity of the hour it fell in; outside the series, --region's annual average\n"
    "                        (without --region the carbon counter holds still, logged once)\n"
    "An unreachable --dcgm or --engine URL at start exits 3; later failures are counted in\n"
    "llmwatt_scrape_errors_total{target} and logged once per outage.\n";

/* Most --engine arguments. */
#define MAX_ENGINES 16

typedef struct engine {
    lw_engine_spec *spec;
    size_t target;
    bool failing; /* logged the current outage already */
} engine;

/* Playback position of one replayed GPU. */
typedef struct cursor {
    const lw_power_sample *s;
    size_t n, next;
    int64_t cycle;
} cursor;

typedef struct server {
    lw_power_source *gpu, *rapl;  /* either may be NULL */
    size_t *pick, npick;          /* the GPU source's devices served (--devices), in order */
    size_t gpu_slot0, rapl_slot0; /* exporter slots of their first device */
    cursor *cur;                  /* replay: one per GPU */
    int64_t origin_ns, period_ns; /* replay: first log time, loop length */
    double speed;
    int64_t start_ns;
    lw_exporter *exp;
    engine eng[MAX_ENGINES];
    size_t neng;
    double scrape_timeout_s;
    bool dcgm;            /* sv.gpu is a dcgm-exporter source */
    size_t dcgm_target;
    bool dcgm_failing;
} server;

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Reads n devices of src (positions pick[i], or i when pick is NULL) into slots slot0.. */
static void read_live(server *sv, lw_power_source *src, const size_t *pick, size_t n, size_t slot0)
{
    for (size_t i = 0; i < n; i++) {
        lw_power_sample s;
        if (lw_power_read(src, pick ? pick[i] : i, &s, NULL) != LW_OK) {
            memset(&s, 0, sizeof s);
            s.t_ns = now_ns();
            s.power_w = s.energy_j = s.utilization = s.sm_clock_mhz = s.temperature_c = NAN;
        }
        lw_exporter_observe(sv->exp, slot0 + i, &s, NULL);
    }
}

/* Feeds every replayed reading up to the current replay time; the log loops, shifted by
 * period_ns per pass so that time keeps increasing. */
static void read_replay(server *sv)
{
    double elapsed = (double)(now_ns() - sv->start_ns) * sv->speed;
    int64_t rt = sv->origin_ns + (int64_t)elapsed;
    for (size_t i = 0; i < sv->npick; i++) {
        cursor *c = &sv->cur[i];
        for (;;) {
            lw_power_sample s = c->s[c->next];
            s.t_ns += c->cycle * sv->period_ns;
            if (s.t_ns > rt)
                break;
            lw_exporter_observe(sv->exp, sv->gpu_slot0 + i, &s, NULL);
            if (++c->next == c->n) {
                c->next = 0;
                c->cycle++;
            }
        }
    }
}

static void free_engines(server *sv)
{
    for (size_t k = 0; k < sv->neng; k++)
        lw_engine_spec_free(sv->eng[k].spec);
    sv->neng = 0;
}

/* Logs a target's failure once per outage, and its recovery (never with credentials: the
 * library's messages name the URL without them). */
static void log_outage(bool *failing, bool failed, const char *what, const char *target, const char *msg)
{
    if (failed && !*failing)
        fprintf(stderr, "llmwatt serve: %s %s failed: %s (counted in llmwatt_scrape_errors_total; logged again after it recovers)\n", what,
                target, msg);
    else if (!failed && *failing)
        fprintf(stderr, "llmwatt serve: %s %s answers again\n", what, target);
    *failing = failed;
}

static void scrape_engines(server *sv)
{
    for (size_t k = 0; k < sv->neng; k++) {
        engine *en = &sv->eng[k];
        lw_err err;
        bool failed = lw_exporter_scrape_engine(sv->exp, en->target, en->spec, sv->scrape_timeout_s, &err) != LW_OK;
        char target[LW_TARGET_NAME_MAX + 1];
        lw_engine_spec_target(en->spec, target, sizeof target);
        log_outage(&en->failing, failed, lw_engine_kind_name(lw_engine_spec_kind(en->spec)), target, failed ? lw_err_message(&err) : "");
    }
}

static void sample(server *sv)
{
    if (sv->gpu && sv->cur)
        read_replay(sv);
    else if (sv->gpu)
        read_live(sv, sv->gpu, sv->pick, sv->npick, sv->gpu_slot0);
    if (sv->dcgm) {
        char msg[320];
        bool failed = lw_power_scrape_error(sv->gpu, msg, sizeof msg);
        lw_exporter_target_result(sv->exp, sv->dcgm_target, !failed);
        log_outage(&sv->dcgm_failing, failed, "dcgm-exporter", lw_power_source_url(sv->gpu), msg);
    }
    if (sv->rapl)
        read_live(sv, sv->rapl, NULL, lw_power_device_count(sv->rapl), sv->rapl_slot0);
    scrape_engines(sv);
}

static int register_source(const char *cmd, server *sv, lw_power_source *src, const size_t *pick, size_t n, size_t *slot0)
{
    for (size_t i = 0; i < n; i++) {
        lw_device_info info;
        lw_err err;
        size_t slot;
        if (lw_power_device_info(src, pick ? pick[i] : i, &info, &err) != LW_OK || lw_exporter_add_device(sv->exp, &info, &slot, &err) != LW_OK)
            return cli_fail(cmd, &err);
        if (i == 0)
            *slot0 = slot;
    }
    return EXIT_OK;
}

/* Sets up the replay cursors; returns the log's sample spacing in seconds. */
static int setup_replay(const char *cmd, server *sv, double *spacing_s)
{
    size_t n = sv->npick;
    sv->cur = calloc(n, sizeof *sv->cur);
    if (!sv->cur) {
        cli_error(cmd, "out of memory");
        return EXIT_INTERNAL;
    }
    int64_t first = INT64_MAX, last = INT64_MIN;
    size_t most = 0;
    for (size_t i = 0; i < n; i++) {
        lw_err err;
        if (lw_power_replay_series(sv->gpu, sv->pick[i], &sv->cur[i].s, &sv->cur[i].n, &err) != LW_OK)
            return cli_fail(cmd, &err);
        first = sv->cur[i].s[0].t_ns < first ? sv->cur[i].s[0].t_ns : first;
        last = sv->cur[i].s[sv->cur[i].n - 1].t_ns > last ? sv->cur[i].s[sv->cur[i].n - 1].t_ns : last;
        most = sv->cur[i].n > most ? sv->cur[i].n : most;
    }
    /* One more sample period after the last row before the log starts over. */
    int64_t step = most > 1 ? (last - first) / (int64_t)(most - 1) : 1000000000LL;
    sv->origin_ns = first;
    sv->period_ns = last - first + (step > 0 ? step : 1000000000LL);
    *spacing_s = (double)(step > 0 ? step : 1000000000LL) * 1e-9;
    return EXIT_OK;
}

/* Reads the bearer secret: the first line of path, without surrounding blanks. */
static int read_secret(const char *cmd, const char *path, char *out, size_t n)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        cli_error(cmd, "cannot read --token-file '%s': %s", path, strerror(errno));
        return errno == ENOENT ? EXIT_NOT_FOUND : EXIT_INPUT;
    }
    char line[1024];
    bool got = fgets(line, sizeof line, f) != NULL;
    fclose(f);
    char *p = line;
    size_t len = got ? strlen(line) : 0;
    while (len > 0 && strchr(" \t\r\n", line[len - 1]))
        line[--len] = '\0';
    while (len > 0 && strchr(" \t", *p)) {
        p++;
        len--;
    }
    if (len == 0 || len >= n || strpbrk(p, " \t")) {
        cli_error(cmd, "--token-file '%s' must hold the secret on its first line (1-%zu characters, no blanks)", path, n - 1);
        return EXIT_INPUT;
    }
    strcpy(out, p);
    return EXIT_OK;
}

/* Exit code of a failed --dcgm / --engine open: 3 when it does not answer. */
static int scrape_exit(lw_status st)
{
    return st == LW_ERR_INVALID_ARGUMENT ? EXIT_USAGE : st == LW_ERR_IO ? EXIT_NOT_FOUND : st == LW_ERR_PARSE ? EXIT_INPUT
         : st == LW_ERR_NO_MEMORY ? EXIT_INTERNAL : EXIT_NO_DEVICE;
}

/* The GPUs served: --devices (indices or UUIDs), else all of them. */
static int pick_devices(const char *cmd, server *sv, const char *devices)
{
    size_t n = lw_power_device_count(sv->gpu);
    sv->pick = calloc(n ? n : 1, sizeof *sv->pick);
    if (!sv->pick) {
        cli_error(cmd, "out of memory");
        return EXIT_INTERNAL;
    }
    if (!devices) {
        for (sv->npick = 0; sv->npick < n; sv->npick++)
            sv->pick[sv->npick] = sv->npick;
        return EXIT_OK;
    }
    char buf[1024];
    if (strlen(devices) >= sizeof buf)
        return cli_usage(cmd, "--devices list is too long");
    strcpy(buf, devices);
    char *save = NULL;
    for (char *id = strtok_r(buf, ",", &save); id; id = strtok_r(NULL, ",", &save)) {
        size_t k;
        lw_err err;
        if (lw_power_find_device(sv->gpu, id, &k, &err) != LW_OK) {
            cli_error(cmd, "--devices: %s", lw_err_message(&err));
            return err.status == LW_ERR_NOT_FOUND ? EXIT_NOT_FOUND : EXIT_USAGE;
        }
        for (size_t j = 0; j < sv->npick; j++)
            if (sv->pick[j] == k)
                return cli_usage(cmd, "--devices names device '%s' twice", id);
        sv->pick[sv->npick++] = k;
    }
    return EXIT_OK;
}

/* Opens the replay log, or dcgm-exporter, or NVML, and (when rapl) the powercap zones. */
static int open_sources(const char *cmd, server *sv, const char *replay, const char *dcgm, const char *nvml_lib, const char *devices, bool rapl,
                        double *spacing_s)
{
    lw_err err, gpu_err, rapl_err;
    int rc;
    if (dcgm) {
        lw_status st = lw_power_open_dcgm(dcgm, sv->scrape_timeout_s, &sv->gpu, &err);
        if (st != LW_OK) {
            cli_error(cmd, "--dcgm: %s", lw_err_message(&err));
            return scrape_exit(st);
        }
        sv->dcgm = true;
        if (rapl && lw_power_open_rapl(NULL, &sv->rapl, &rapl_err) != LW_OK)
            sv->rapl = NULL;
        return pick_devices(cmd, sv, devices);
    }
    if (replay) {
        if (lw_power_open_replay(replay, &sv->gpu, &err) != LW_OK) {
            cli_fail(cmd, &err);
            return err.status == LW_ERR_IO ? EXIT_NOT_FOUND : EXIT_INPUT;
        }
        if ((rc = pick_devices(cmd, sv, devices)))
            return rc;
        return setup_replay(cmd, sv, spacing_s);
    }
    if (lw_power_open_nvml(nvml_lib, &sv->gpu, &gpu_err) != LW_OK)
        sv->gpu = NULL;
    lw_err_set(&rapl_err, LW_ERR_NO_DEVICE, "RAPL disabled by --no-rapl");
    if (rapl && lw_power_open_rapl(NULL, &sv->rapl, &rapl_err) != LW_OK)
        sv->rapl = NULL;
    if (!sv->gpu && !sv->rapl) {
        cli_error(cmd, "no power source: %s; %s. %s", lw_err_message(&gpu_err), lw_err_message(&rapl_err), lw_power_no_source_remedy());
        return EXIT_NO_DEVICE;
    }
    if (!sv->gpu && devices) {
        cli_error(cmd, "--devices given but no GPU can be read: %s", lw_err_message(&gpu_err));
        return EXIT_NO_DEVICE;
    }
    if (!sv->gpu)
        fprintf(stderr, "llmwatt %s: no GPU (%s); serving RAPL CPU/DRAM energy only\n", cmd, lw_err_message(&gpu_err));
    return sv->gpu ? pick_devices(cmd, sv, devices) : EXIT_OK;
}

/* --pue (number or catalogue name cost.pue.NAME) and --region (grid intensity). */
static int tariff_args(const char *cmd, const char *pue_arg, const char *region, double *pue, double *grid)
{
    lw_err err;
    if (pue_arg) {
        char *end;
        double v = strtod(pue_arg, &end);
        if (end != pue_arg && *end == '\0') {
            if (!(v >= 1 && v <= 10))
                return cli_usage(cmd, "--pue must be between 1 and 10, got '%s'", pue_arg);
            *pue = v;
        } else {
            lw_catalogue *cat = NULL;
            int rc = cli_catalogue(cmd, NULL, &cat);
            if (rc)
                return rc;
            char key[96];
            snprintf(key, sizeof key, "cost.pue.%s", pue_arg);
            for (char *p = key; *p; p++)
                *p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
            const lw_constant *c;
            bool found = lw_catalogue_find_constant(cat, key, &c, NULL) == LW_OK;
            if (found)
                *pue = c->value;
            lw_catalogue_free(cat);
            if (!found) {
                cli_error(cmd, "--pue: unknown name '%s' (give a number, or see 'llmwatt sources cost.pue')", pue_arg);
                return EXIT_NOT_FOUND;
            }
        }
    }
    if (region) {
        lw_region r;
        if (lw_region_find(region, &r, &err) != LW_OK) {
            cli_fail(cmd, &err);
            return err.status == LW_ERR_NOT_FOUND ? EXIT_NOT_FOUND : EXIT_INTERNAL;
        }
        *grid = r.g_co2e_per_kwh;
    }
    return EXIT_OK;
}

/* --carbon-intensity: the hourly series, and what applies outside it. */
typedef struct grid_feed {
    lw_grid_series *series;
    double fallback_g, price, pue; /* fallback: --region's average, NAN without --region */
    bool outside_logged;
} grid_feed;

/* Sets the intensity of the hour now (wall clock) before the next interval is attributed. */
static void grid_update(const char *cmd, lw_exporter *exp, grid_feed *gf)
{
    double g;
    if (lw_grid_series_at(gf->series, lw_time_now_ns(), &g, NULL) != LW_OK) {
        g = isnan(gf->fallback_g) ? 0 : gf->fallback_g;
        if (!gf->outside_logged)
            fprintf(stderr, "llmwatt %s: now is outside the --carbon-intensity series; carbon counts at %s\n", cmd,
                    isnan(gf->fallback_g) ? "0 g/kWh (give --region for a fallback)" : "--region's annual average");
        gf->outside_logged = true;
    } else {
        gf->outside_logged = false;
    }
    lw_exporter_set_tariff(exp, gf->price, gf->pue, g, NULL);
}

int cmd_serve(int argc, char **argv)
{
    enum { O_HELP = 256, O_LISTEN, O_INTERVAL, O_HOLD, O_MAXWL, O_TOKEN, O_REPLAY, O_SPEED, O_NVML, O_NORAPL, O_TIMEOUT, O_MAXCONN, O_DURATION,
           O_DCGM, O_ENGINE, O_PRICE, O_PUE, O_REGION, O_DEVICES, O_CI };
    static const cli_opt opts[] = {
        {"help", false, O_HELP},        {"listen", true, O_LISTEN},         {"interval", true, O_INTERVAL},
        {"hold", true, O_HOLD},         {"max-workloads", true, O_MAXWL},   {"token-file", true, O_TOKEN},
        {"replay", true, O_REPLAY},     {"replay-speed", true, O_SPEED},    {"nvml-library", true, O_NVML},
        {"no-rapl", false, O_NORAPL},   {"client-timeout", true, O_TIMEOUT}, {"max-connections", true, O_MAXCONN},
        {"duration", true, O_DURATION}, {"dcgm", true, O_DCGM},          {"engine", true, O_ENGINE},
        {"price-kwh", true, O_PRICE},   {"pue", true, O_PUE},            {"region", true, O_REGION},
        {"devices", true, O_DEVICES},   {"carbon-intensity", true, O_CI},  {NULL, false, 0}};
    const char *dcgm = NULL, *pue_arg = NULL, *region = NULL, *series_file = NULL;
    const char *engine_args[MAX_ENGINES];
    size_t nengine = 0;
    double price = NAN;
    const char *cmd = "serve", *listen_addr = "127.0.0.1:9400", *token_file = NULL, *replay = NULL, *nvml_lib = NULL, *devices = NULL, *v;
    double interval = 1.0, hold = 10.0, speed = 1.0, timeout = 10.0, duration = INFINITY;
    int max_wl = 256, max_conn = 64;
    bool rapl = true, have_speed = false;
    int i = 1, id;
    while ((id = cli_getopt(cmd, argc, argv, opts, &i, &v)) > 0) {
        bool ok = true;
        switch (id) {
        case O_HELP: fputs(usage_text, stdout); return EXIT_OK;
        case O_LISTEN: listen_addr = v; break;
        case O_INTERVAL: ok = cli_duration(cmd, "interval", v, &interval); break;
        case O_HOLD: ok = cli_duration(cmd, "hold", v, &hold); break;
        case O_MAXWL: ok = cli_int(cmd, "max-workloads", v, 1, 100000, &max_wl); break;
        case O_TOKEN: token_file = v; break;
        case O_REPLAY: replay = v; break;
        case O_SPEED: ok = cli_number(cmd, "replay-speed", v, 0.01, 1000, &speed); have_speed = true; break;
        case O_NVML: nvml_lib = v; break;
        case O_DEVICES: devices = v; break;
        case O_NORAPL: rapl = false; break;
        case O_TIMEOUT: ok = cli_duration(cmd, "client-timeout", v, &timeout); break;
        case O_MAXCONN: ok = cli_int(cmd, "max-connections", v, 1, 10000, &max_conn); break;
        case O_DURATION: ok = cli_duration(cmd, "duration", v, &duration); break;
        case O_DCGM: dcgm = v; break;
        case O_ENGINE:
            if (nengine == MAX_ENGINES)
                return cli_usage(cmd, "at most %d --engine arguments", MAX_ENGINES);
            engine_args[nengine++] = v;
            break;
        case O_PRICE: ok = cli_number(cmd, "price-kwh", v, 0, 100, &price); break;
        case O_PUE: pue_arg = v; break;
        case O_REGION: region = v; break;
        case O_CI: series_file = v; break;
        }
        if (!ok)
            return EXIT_USAGE;
    }
    if (id < 0)
        return EXIT_USAGE;
    if (i < argc)
        return cli_usage(cmd, "unexpected argument '%s'", argv[i]);
    if (interval < 0.01 || interval > 60)
        return cli_usage(cmd, "--interval must be between 10ms and 60s, got %g s", interval);
    if (timeout < 1 || timeout > 3600)
        return cli_usage(cmd, "--client-timeout must be between 1s and 1h, got %g s", timeout);
    if (have_speed && !replay)
        return cli_usage(cmd, "--replay-speed needs --replay LOG");
    if (replay && nvml_lib)
        return cli_usage(cmd, "--replay and --nvml-library exclude each other");
    if (dcgm && (replay || nvml_lib))
        return cli_usage(cmd, "--dcgm excludes --replay and --nvml-library");
    server sv;
    memset(&sv, 0, sizeof sv);
    sv.speed = speed;
    sv.scrape_timeout_s = fmin(5.0, fmax(0.2, 0.8 * interval));
    double pue = 1.0, grid = NAN;
    int rc;
    if ((pue_arg || region) && (rc = tariff_args(cmd, pue_arg, region, &pue, &grid)))
        return rc;
    grid_feed gf = {NULL, grid, price, pue, false};
    lw_err serr;
    if (series_file && lw_grid_series_load(series_file, &gf.series, &serr) != LW_OK) {
        cli_error(cmd, "--carbon-intensity: %s", lw_err_message(&serr));
        return cli_exit_code(serr.status);
    }

    char secret[256];
    if (token_file && (rc = read_secret(cmd, token_file, secret, sizeof secret))) {
        lw_grid_series_free(gf.series);
        return rc;
    }
    for (size_t k = 0; k < nengine; k++) {
        lw_err eerr;
        if (lw_engine_spec_parse(engine_args[k], &sv.eng[k].spec, &eerr) != LW_OK) {
            free_engines(&sv);
            lw_grid_series_free(gf.series);
            return cli_usage(cmd, "%s", lw_err_message(&eerr));
        }
        sv.neng = k + 1;
    }
    serve_http *http = NULL;
    char url[300] = "";
    serve_http_config hc = {listen_addr, token_file ? secret : NULL, (unsigned)ceil(timeout), (unsigned)max_conn};
    if ((rc = serve_http_bind(&hc, &http, url, sizeof url))) {
        free_engines(&sv);
        lw_grid_series_free(gf.series);
        return rc;
    }
    double spacing = 0;
    rc = open_sources(cmd, &sv, replay, dcgm, nvml_lib, devices, rapl && !replay, &spacing);
    lw_exporter_config cfg = lw_exporter_config_default();
    cfg.tick_s = interval;
    cfg.hold_s = hold;
    cfg.max_workloads = (size_t)max_wl;
    /* Integrate across up to three missed samples of the sampler or of the replayed log. */
    cfg.max_gap_s = fmax(cfg.max_gap_s, 3 * fmax(interval, spacing));
    lw_err err;
    if (!rc && lw_exporter_new(&cfg, &sv.exp, &err) != LW_OK)
        rc = cli_fail(cmd, &err);
    if (!rc && sv.gpu)
        rc = register_source(cmd, &sv, sv.gpu, sv.pick, sv.npick, &sv.gpu_slot0);
    if (!rc && sv.rapl)
        rc = register_source(cmd, &sv, sv.rapl, NULL, lw_power_device_count(sv.rapl), &sv.rapl_slot0);
    if (!rc && lw_exporter_set_tariff(sv.exp, price, pue, grid, &err) != LW_OK)
        rc = cli_fail(cmd, &err);
    if (!rc && gf.series)
        grid_update(cmd, sv.exp, &gf);
    if (!rc && sv.dcgm && lw_exporter_add_target(sv.exp, lw_power_source_url(sv.gpu), NULL, NULL, 0, &sv.dcgm_target, &err) != LW_OK)
        rc = cli_fail(cmd, &err);
    for (size_t k = 0; !rc && k < sv.neng; k++) {
        engine *en = &sv.eng[k];
        char target[LW_TARGET_NAME_MAX + 1];
        lw_engine_spec_target(en->spec, target, sizeof target);
        int gpus[64];
        size_t ngpus = lw_engine_spec_gpus(en->spec, gpus, 64);
        if (lw_exporter_add_target(sv.exp, target, lw_engine_kind_name(lw_engine_spec_kind(en->spec)), gpus, ngpus < 64 ? ngpus : 64, &en->target,
                                   &err) != LW_OK) {
            rc = cli_fail(cmd, &err);
            break;
        }
        /* the baseline scrape: an engine that does not answer at start is a usage error */
        lw_status st = lw_exporter_scrape_engine(sv.exp, en->target, en->spec, sv.scrape_timeout_s, &err);
        if (st == LW_ERR_IO || st == LW_ERR_INVALID_ARGUMENT) {
            cli_error(cmd, "--engine %s: %s", lw_engine_kind_name(lw_engine_spec_kind(en->spec)), lw_err_message(&err));
            rc = scrape_exit(st);
        } else {
            log_outage(&en->failing, st != LW_OK, lw_engine_kind_name(lw_engine_spec_kind(en->spec)), target, lw_err_message(&err));
        }
    }

    /* Signals are blocked in every thread (libmicrohttpd's inherits the mask) and taken here. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL); /* left blocked: a late second signal cannot kill the cleanup */
    signal(SIGPIPE, SIG_IGN);

    if (!rc) {
        sv.start_ns = now_ns();
        sample(&sv); /* baseline readings: counters count from here */
        rc = serve_http_start(http, sv.exp);
    }
    if (!rc) {
        size_t ngpu = sv.gpu ? sv.npick : 0, nzone = sv.rapl ? lw_power_device_count(sv.rapl) : 0;
        printf("llmwatt serve: listening on %s (%s: %zu GPU%s, RAPL: %zu zone%s, %zu engine%s, interval %g s, token reports %s)\n", url,
               replay ? "replay" : dcgm ? "dcgm" : "nvml", ngpu, ngpu == 1 ? "" : "s", nzone, nzone == 1 ? "" : "s", sv.neng,
               sv.neng == 1 ? "" : "s", interval,
               token_file ? "need the bearer token" : "from loopback only");
        fflush(stdout);
        int64_t tick_ns = (int64_t)llround(interval * 1e9), next = sv.start_ns + tick_ns;
        int64_t end = isfinite(duration) ? sv.start_ns + (int64_t)llround(duration * 1e9) : INT64_MAX;
        int sig = 0;
        while (!sig) {
            int64_t now = now_ns(), wait = (next < end ? next : end) - now;
            if (wait > 0) {
                struct timespec ts = {(time_t)(wait / 1000000000LL), (long)(wait % 1000000000LL)};
                int got = sigtimedwait(&sigs, NULL, &ts);
                if (got > 0) {
                    sig = got;
                    break;
                }
                if (got < 0 && errno == EINTR)
                    continue;
                if (now_ns() < (next < end ? next : end))
                    continue;
            }
            if (now_ns() >= end)
                break;
            if (gf.series)
                grid_update(cmd, sv.exp, &gf);
            sample(&sv);
            lw_exporter_tick(sv.exp);
            next += tick_ns;
            if (next < now_ns()) /* fell behind (suspended): skip missed ticks, not a burst */
                next = now_ns() + tick_ns;
        }
        serve_http_stop(http); /* no report can arrive after the summary */
        http = NULL;
        lw_exporter_totals t;
        lw_exporter_get_totals(sv.exp, &t);
        printf("llmwatt serve: stopped (%s); %zu workload%s, %.0f tokens, GPU energy %.1f J (%.1f J attributed, %.1f J unattributed)\n",
               sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : sig == SIGHUP ? "SIGHUP" : "duration reached", t.workloads,
               t.workloads == 1 ? "" : "s", t.tokens, t.gpu_energy_j, t.attributed_energy_j, t.unattributed_energy_j);
        fflush(stdout);
    }
    serve_http_stop(http);
    lw_exporter_free(sv.exp);
    free(sv.pick);
    lw_power_close(sv.gpu);
    lw_power_close(sv.rapl);
    free(sv.cur);
    free_engines(&sv);
    lw_grid_series_free(gf.series);
    return rc;
}
