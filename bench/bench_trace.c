/* Benchmark of `llmwatt trace`: generates a 10-million-row trace in the Azure LLM inference
 * format in /tmp, estimates it with fixed and estimated batching, and compares the throughput
 * with `wc -l` on the same file. The file is deleted at the end.
 *
 * Usage: bench_trace [ROWS] (default 10,000,000). LW_BENCH_THREADS sets the threads (default: all).
 *
 * Generated rows (llmwatt choice, for a realistic spread of distinct token counts and hence of
 * estimate-cache misses): Poisson arrivals at 20 requests/s from 2023-11-16 18:15:46 UTC;
 * ContextTokens log-normal with median 1000 and sigma 1.0 (1..16384); GeneratedTokens
 * log-normal with median 100 and sigma 1.0 (1..4096); timestamps with 7 decimals as in the
 * published trace. Then a templated trace of the same size (inputs 64..2048 and outputs 8..256
 * in 32 steps each: 1024 distinct pairs) measures the reader when the estimate cache hits. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "llmwatt/llmwatt.h"
#include "llmwatt/trace.h"

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;

static uint64_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1DULL;
}

static double uniform(void) { return ((double)(rng() >> 11) + 0.5) / 9007199254740992.0; }

static double normal(void) { return sqrt(-2.0 * log(uniform())) * cos(2.0 * M_PI * uniform()); }

static long lognormal(double median, double sigma, long lo, long hi)
{
    long v = lround(median * exp(sigma * normal()));
    return v < lo ? lo : v > hi ? hi : v;
}

static char *put_num(char *o, long v, int width)
{
    char t[24];
    int n = 0;
    do {
        t[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n < width)
        t[n++] = '0';
    while (n)
        *o++ = t[--n];
    return o;
}

static void civil(long days, long *y, long *m, long *d)
{
    days += 719468;
    long era = (days >= 0 ? days : days - 146096) / 146097;
    long doe = days - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yoe + era * 400 + (*m <= 2);
}

static int generate(const char *path, long rows, bool templated)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    static char buf[1 << 20];
    size_t n = 0;
    n += (size_t)sprintf(buf, "TIMESTAMP,ContextTokens,GeneratedTokens\n");
    double t = 1700158546.6805900; /* 2023-11-16 18:15:46.68059 UTC */
    for (long r = 0; r < rows; r++) {
        t += -log(uniform()) / 20.0;
        long secs = (long)t;
        long frac = (long)((t - (double)secs) * 1e7);
        long y, mo, d;
        civil(secs / 86400, &y, &mo, &d);
        long sod = secs % 86400;
        char *o = buf + n;
        o = put_num(o, y, 4);
        *o++ = '-';
        o = put_num(o, mo, 2);
        *o++ = '-';
        o = put_num(o, d, 2);
        *o++ = ' ';
        o = put_num(o, sod / 3600, 2);
        *o++ = ':';
        o = put_num(o, sod / 60 % 60, 2);
        *o++ = ':';
        o = put_num(o, sod % 60, 2);
        *o++ = '.';
        o = put_num(o, frac, 7);
        *o++ = ',';
        o = put_num(o, templated ? 64 * (1 + (long)(rng() % 32)) : lognormal(1000, 1.0, 1, 16384), 1);
        *o++ = ',';
        o = put_num(o, templated ? 8 * (1 + (long)(rng() % 32)) : lognormal(100, 1.0, 1, 4096), 1);
        *o++ = '\n';
        n = (size_t)(o - buf);
        if (n > sizeof buf - 128) {
            if (fwrite(buf, 1, n, f) != n)
                break;
            n = 0;
        }
    }
    int bad = fwrite(buf, 1, n, f) != n;
    return fclose(f) != 0 || bad ? -1 : 0;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static lw_status discard(void *ctx, const char *data, size_t len, lw_err *err)
{
    (void)err;
    *(size_t *)ctx += len;
    (void)data;
    return LW_OK;
}

static int run(const char *label, const lw_catalogue *cat, const char *path, lw_trace_opts *o, double wc_s)
{
    lw_trace_summary *S = malloc(sizeof *S);
    lw_err err;
    if (!S)
        return 1;
    S->version = LW_TRACE_SUMMARY_VERSION;
    double t0 = now();
    lw_status st = lw_trace_run(cat, path, o, S, &err);
    double dt = now() - t0;
    if (st != LW_OK) {
        fprintf(stderr, "bench_trace: %s\n", lw_err_message(&err));
        free(S);
        return 1;
    }
    double rows = (double)S->requests, mb = (double)S->bytes / 1e6;
    printf("%-34s %6.2f s  %6.2f M rows/s (%5.2f per core)  %6.0f MB/s (%4.0f per core)  x%.2f of wc -l  "
           "cache hits %.1f%%\n",
           label, dt, rows / dt / 1e6, rows / dt / 1e6 / S->threads, mb / dt, mb / dt / S->threads, wc_s / dt,
           100.0 * (double)S->cache_hits / (double)(S->cache_hits + S->estimator_calls));
    free(S);
    return 0;
}

int main(int argc, char **argv)
{
    long rows = argc > 1 ? atol(argv[1]) : 10000000;
    char path[64];
    snprintf(path, sizeof path, "/tmp/llmwatt_bench_trace_%ld.csv", (long)getpid());
    double t0 = now();
    if (rows < 1 || generate(path, rows, false) != 0) {
        fprintf(stderr, "bench_trace: cannot generate %s\n", path);
        remove(path);
        return 1;
    }
    double gen_s = now() - t0;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "wc -l %s > /dev/null", path);
    if (system(cmd) != 0) /* warm the page cache */
        fprintf(stderr, "bench_trace: wc -l failed\n");
    t0 = now();
    int wc_rc = system(cmd);
    double wc_s = now() - t0;
    lw_catalogue *cat;
    lw_err err;
    const lw_model_arch *m;
    const lw_gpu *g;
    if (lw_catalogue_open(&cat, &err) != LW_OK || lw_catalogue_find_model(cat, "llama-3.1-8b", &m, &err) != LW_OK ||
        lw_catalogue_find_gpu(cat, "h100", &g, &err) != LW_OK) {
        fprintf(stderr, "bench_trace: %s\n", lw_err_message(&err));
        remove(path);
        return 1;
    }
    FILE *f = fopen(path, "rb");
    long bytes = 0;
    if (f) {
        fseek(f, 0, SEEK_END);
        bytes = ftell(f);
        fclose(f);
    }
    printf("trace: %ld rows, %.0f MB (Azure format), generated in %.1f s; llama-3.1-8b on h100\n", rows,
           (double)bytes / 1e6, gen_s);
    printf("%-34s %6.2f s  %6.2f M rows/s                     %6.0f MB/s%s\n", "wc -l", wc_s, (double)rows / wc_s / 1e6,
           (double)bytes / 1e6 / wc_s, wc_rc ? " (failed)" : "");
    lw_trace_opts o = lw_trace_opts_default(cat);
    o.default_model = m;
    o.gpu = g;
    const char *th = getenv("LW_BENCH_THREADS");
    o.threads = th ? atoi(th) : 0;
    int rc = 0;
    o.batch = 8;
    rc |= run("trace --batch 8", cat, path, &o, wc_s);
    o.batch = 0;
    rc |= run("trace (estimated batch, 2 passes)", cat, path, &o, wc_s);
    size_t written = 0;
    o.batch = 8;
    o.per_request = LW_TRACE_OUT_CSV;
    o.sink = discard;
    o.sink_ctx = &written;
    rc |= run("trace --batch 8 --per-request .csv", cat, path, &o, wc_s);
    o.threads = 1;
    o.per_request = LW_TRACE_OUT_NONE;
    rc |= run("trace --batch 8, 1 thread", cat, path, &o, wc_s);
    /* reader-bound: 32 x 32 token pairs, so the estimate cache answers all but ~1024 rows */
    if (generate(path, rows, true) != 0) {
        fprintf(stderr, "bench_trace: cannot generate %s\n", path);
        rc = 1;
    } else {
        if (system(cmd) != 0)
            fprintf(stderr, "bench_trace: wc -l failed\n");
        t0 = now();
        wc_rc = system(cmd);
        wc_s = now() - t0;
        printf("templated trace (1024 distinct token pairs: reader-bound); wc -l %.2f s\n", wc_s);
        rc |= run("trace --batch 8, 1 thread", cat, path, &o, wc_s);
        o.threads = th ? atoi(th) : 0;
        rc |= run("trace --batch 8", cat, path, &o, wc_s);
        o.batch = 0;
        rc |= run("trace (estimated batch, 2 passes)", cat, path, &o, wc_s);
    }
    lw_catalogue_free(cat);
    remove(path);
    return rc;
}
