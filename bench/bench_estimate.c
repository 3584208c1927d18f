/* Estimates per second on one core for two request shapes (target > 5e6/s for the roofline):
 * Llama-3.1-8B on one H100 (every method), and Qwen3-235B-A22B on 8 H100s (roofline: the
 * expert-parallel and routed-expert terms); batch 8, 1000 input + 500 output tokens. */
#include <stdio.h>
#include <time.h>

#include "llmwatt/llmwatt.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Runs one estimator for at least a second; prints the rate. */
static int bench(const lw_catalogue *cat, const char *model, int gpus, lw_method method)
{
    lw_err err;
    const lw_model_arch *m;
    const lw_gpu *g;
    lw_estimator *e;
    lw_estimate_opts o = lw_estimate_opts_default();
    o.method = method;
    o.gpus = gpus;
    if (lw_catalogue_find_model(cat, model, &m, &err) != LW_OK || lw_catalogue_find_gpu(cat, "h100", &g, &err) != LW_OK ||
        lw_estimator_new(cat, m, g, &o, &e, &err) != LW_OK) {
        fprintf(stderr, "bench_estimate: %s\n", lw_err_message(&err));
        return 1;
    }
    lw_workload w = lw_workload_default();
    w.batch = 8;
    w.input_tokens = 1000;
    w.output_tokens = 500;
    lw_estimate r = LW_ESTIMATE_INIT;
    double sink = 0;
    long n = 0;
    double t0 = now_s(), t;
    do {
        for (int i = 0; i < 10000; i++) {
            w.input_tokens = 1000 + (i & 7); /* vary the input so nothing is hoisted */
            lw_estimator_run(e, &w, &r, NULL);
            sink += r.energy_per_request_j.expected;
        }
        n += 10000;
    } while ((t = now_s() - t0) < 1.0);
    printf("estimate %-9s %s on %d h100 batch 8 1000/500: %.3g estimates/s (%.0f ns each)%s\n", lw_method_name(method),
           model, gpus, (double)n / t, 1e9 * t / (double)n, sink > 0 ? "" : " (no result)");
    lw_estimator_free(e);
    return 0;
}

int main(void)
{
    lw_catalogue *cat;
    lw_err err;
    if (lw_catalogue_open(&cat, &err) != LW_OK) {
        fprintf(stderr, "bench_estimate: %s\n", lw_err_message(&err));
        return 1;
    }
    const lw_method methods[] = {LW_METHOD_ROOFLINE, LW_METHOD_LLM_BENCH, LW_METHOD_PROFILE};
    int rc = 0;
    for (int k = 0; k < 3 && !rc; k++)
        rc = bench(cat, "llama-3.1-8b", 1, methods[k]);
    if (!rc)
        rc = bench(cat, "qwen3-235b-a22b", 8, LW_METHOD_ROOFLINE);
    lw_catalogue_free(cat);
    return rc;
}
