/* CPU overhead of the measure sampling loop against the fake NVML (tests/fake/fake_nvml.c).
 * The main thread sleeps while the session samples, so the process CPU time is the sampler's.
 * Targets (issue 5): < 1% of one core at 100 ms, < 5% at 10 ms.
 * usage: bench_sampling [path/to/libfake_nvml.so] [seconds per case]
 * (default: ../tests/libfake_nvml.so next to this binary, 3 s). The fake's calls are cheaper
 * than a real driver's, so this measures llmwatt's own loop, not NVML's cost. */
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "llmwatt/measure.h"
#include "llmwatt/power.h"

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int run_case(const char *lib, const char *gpus, double interval_s, double seconds, double target)
{
    setenv("FAKE_NVML_GPUS", gpus, 1);
    lw_power_source *src;
    lw_err err;
    if (lw_power_open_nvml(lib, &src, &err) != LW_OK) {
        fprintf(stderr, "bench_sampling: %s (build it with 'make tests')\n", lw_err_message(&err));
        return 2;
    }
    lw_catalogue *cat;
    lw_measure_config cfg;
    if (lw_catalogue_open(&cat, &err) != LW_OK || lw_measure_config_default(cat, &cfg, &err) != LW_OK) {
        fprintf(stderr, "bench_sampling: %s\n", lw_err_message(&err));
        return 2;
    }
    lw_catalogue_free(cat);
    cfg.interval_s = interval_s;
    lw_measure *m;
    if (lw_measure_new(&cfg, src, NULL, &m, &err) != LW_OK) {
        fprintf(stderr, "bench_sampling: %s\n", lw_err_message(&err));
        return 2;
    }
    double w0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    lw_measure_start(m, NULL);
    struct timespec ts = {(time_t)seconds, (long)((seconds - floor(seconds)) * 1e9)};
    while (nanosleep(&ts, &ts) != 0)
        ;
    lw_measure_stop(m, NULL);
    double wall = clock_s(CLOCK_MONOTONIC) - w0, cpu = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
    lw_measure_result r;
    lw_measure_analyze(m, NAN, NAN, NULL, &r, NULL);
    double pct = 100.0 * cpu / wall;
    printf("interval %5.0f ms, %s GPU(s): %6zu samples (%zu expected) in %.2f s wall, CPU %.4f s = %.3f%% of one core "
           "(%.1f us per tick); target < %g%%: %s\n",
           interval_s * 1e3, gpus, r.samples, r.expected_samples, wall, cpu, pct, 1e6 * cpu / (double)(r.samples ? r.samples : 1),
           target, pct < target ? "met" : "MISSED");
    lw_measure_free(m);
    lw_power_close(src);
    return pct < target ? 0 : 1;
}

int main(int argc, char **argv)
{
    char lib[PATH_MAX];
    if (argc > 1) {
        snprintf(lib, sizeof lib, "%s", argv[1]);
    } else {
        char exe[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        if (n <= 0) {
            fprintf(stderr, "bench_sampling: cannot locate itself; pass the fake NVML path\n");
            return 2;
        }
        exe[n] = '\0';
        snprintf(lib, sizeof lib, "%s/../tests/libfake_nvml.so", dirname(exe));
    }
    double seconds = argc > 2 ? atof(argv[2]) : 3.0;
    if (!(seconds > 0))
        seconds = 3.0;
    int rc = 0, r;
    const struct {
        double interval_s, target_pct;
        const char *gpus;
    } cases[] = {{0.1, 1.0, "1"}, {0.1, 1.0, "8"}, {0.01, 5.0, "1"}, {0.01, 5.0, "8"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if ((r = run_case(lib, cases[i].gpus, cases[i].interval_s, seconds, cases[i].target_pct)) > rc)
            rc = r;
    return rc;
}
