/* Token counters read from inference engines' own Prometheus endpoints (vLLM V0/V1, SGLang,
 * TGI, or any named counter) for `llmwatt serve --engine` (include/llmwatt/exporter.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llmwatt/exporter.h"
#include "core/util.h"
#include "operate/scrape.h"

/* Largest engine metrics page read (vLLM's is about 100 kB per model with every histogram). */
#define ENGINE_MAX_PAGE (16u * 1024u * 1024u)
/* Most models one engine endpoint may serve. */
#define MAX_MODELS 256
#define MAX_GPUS 64

struct lw_engine_spec {
    lw_engine_kind kind;
    char arg[LW_WORKLOAD_NAME_MAX * 2 + 1];
    char url[1024];
    int gpus[MAX_GPUS];
    size_t ngpus;
};

const char *lw_engine_kind_name(lw_engine_kind kind)
{
    switch (kind) {
    case LW_ENGINE_VLLM: return "vllm";
    case LW_ENGINE_SGLANG: return "sglang";
    case LW_ENGINE_TGI: return "tgi";
    case LW_ENGINE_PROMETHEUS: return "prometheus";
    }
    return "unknown";
}

/* Parses "0,1,3" (indices 0..63, no repeats) into spec->gpus. */
static bool parse_gpus(const char *s, lw_engine_spec *spec)
{
    spec->ngpus = 0;
    while (*s) {
        size_t n = strspn(s, "0123456789");
        if (n == 0 || n > 2 || spec->ngpus == MAX_GPUS)
            return false;
        int v = atoi(s);
        if (v > 63)
            return false;
        for (size_t i = 0; i < spec->ngpus; i++)
            if (spec->gpus[i] == v)
                return false;
        spec->gpus[spec->ngpus++] = v;
        s += n;
        if (*s == ',')
            s++;
        else if (*s)
            return false;
    }
    return spec->ngpus > 0;
}

void lw_engine_spec_free(lw_engine_spec *spec)
{
    free(spec);
}

lw_engine_kind lw_engine_spec_kind(const lw_engine_spec *spec)
{
    return spec->kind;
}

size_t lw_engine_spec_gpus(const lw_engine_spec *spec, int *gpus, size_t max)
{
    for (size_t i = 0; i < spec->ngpus && i < max; i++)
        gpus[i] = spec->gpus[i];
    return spec->ngpus;
}

static lw_status spec_parse(const char *text, lw_engine_spec *out, lw_err *err);

lw_status lw_engine_spec_parse(const char *text, lw_engine_spec **out, lw_err *err)
{
    *out = NULL;
    lw_engine_spec *s = calloc(1, sizeof *s);
    if (!s)
        return lw_fail(err, LW_ERR_NO_MEMORY, "out of memory reading --engine");
    lw_status st = spec_parse(text, s, err);
    if (st != LW_OK) {
        free(s);
        return st;
    }
    *out = s;
    return LW_OK;
}

static lw_status spec_parse(const char *text, lw_engine_spec *out, lw_err *err)
{
    const char *eq = strchr(text, '=');
    if (!eq)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "--engine expects KIND=URL[@GPUS] (KIND vllm, sglang, tgi[:NAME] or prometheus:METRIC)");
    size_t klen = (size_t)(eq - text);
    const char *colon = memchr(text, ':', klen);
    size_t kind_len = colon ? (size_t)(colon - text) : klen;
    static const lw_engine_kind kinds[] = {LW_ENGINE_VLLM, LW_ENGINE_SGLANG, LW_ENGINE_TGI, LW_ENGINE_PROMETHEUS};
    bool found = false;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        const char *nm = lw_engine_kind_name(kinds[i]);
        if (strlen(nm) == kind_len && strncmp(text, nm, kind_len) == 0) {
            out->kind = kinds[i];
            found = true;
        }
    }
    if (!found)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "--engine kind '%.*s' is unknown (vllm, sglang, tgi or prometheus)", (int)(kind_len > 40 ? 40 : kind_len),
                       text);
    size_t alen = colon ? klen - kind_len - 1 : 0;
    if (alen >= sizeof out->arg)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "--engine %s: the name after ':' is longer than %zu characters", lw_engine_kind_name(out->kind),
                       sizeof out->arg - 1);
    if (alen)
        memcpy(out->arg, colon + 1, alen);
    if ((out->kind == LW_ENGINE_VLLM || out->kind == LW_ENGINE_SGLANG) && colon)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "--engine %s takes no ':NAME' (workloads are named by the engine's model_name label)",
                       lw_engine_kind_name(out->kind));
    if (out->kind == LW_ENGINE_PROMETHEUS) {
        bool okname = alen > 0 && !(out->arg[0] >= '0' && out->arg[0] <= '9');
        for (size_t i = 0; i < alen; i++) {
            char c = out->arg[i];
            okname = okname && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == ':');
        }
        if (!okname)
            return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "--engine prometheus needs a metric name: prometheus:METRIC=URL (e.g. prometheus:my_output_tokens_total=http://host:9000/metrics)");
    }
    if (out->kind == LW_ENGINE_TGI && colon && !lw_workload_name_valid(out->arg))
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "--engine tgi:NAME: NAME must be 1-%d characters of A-Z a-z 0-9 _ . : / -", LW_WORKLOAD_NAME_MAX);
    const char *url = eq + 1;
    size_t ulen = strlen(url);
    const char *at = strrchr(url, '@');
    if (at && at[1] && strspn(at + 1, "0123456789,") == strlen(at + 1)) {
        if (!parse_gpus(at + 1, out))
            return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "--engine %s: '@%s' must list distinct GPU indices 0..63, e.g. @0,1", lw_engine_kind_name(out->kind),
                           at + 1);
        ulen = (size_t)(at - url);
    }
    if (ulen >= sizeof out->url)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "--engine %s: URL is longer than %zu characters", lw_engine_kind_name(out->kind), sizeof out->url - 1);
    memcpy(out->url, url, ulen);
    out->url[ulen] = '\0';
    lw_url u;
    lw_err uerr;
    if (lw_url_parse(out->url, &u, &uerr) != LW_OK)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "--engine %s: %s", lw_engine_kind_name(out->kind), lw_err_message(&uerr));
    return LW_OK;
}

void lw_engine_spec_target(const lw_engine_spec *spec, char *out, size_t n)
{
    lw_url u;
    if (lw_url_parse(spec->url, &u, NULL) == LW_OK)
        lw_strlcpy(out, u.redacted, n);
    else
        lw_strlcpy(out, "(bad URL)", n);
}

typedef struct model {
    char name[LW_WORKLOAD_NAME_MAX + 1];
    double output, prompt;
} model;

/* A label value made into a workload name: characters outside [A-Za-z0-9_.:/-] become '_',
 * cut to LW_WORKLOAD_NAME_MAX. */
static void sanitize(const char *in, char *out)
{
    size_t k = 0;
    for (; in[k] && k < LW_WORKLOAD_NAME_MAX; k++) {
        char c = in[k];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == ':' ||
                  c == '-' || c == '/';
        out[k] = ok ? c : '_';
    }
    out[k] = '\0';
}

/* Adds v to the output (which 0) or prompt (1) count of the model named by sample s. */
static bool add(model *m, size_t *n, const lw_prom_sample *s, const char *fallback, int which, double v)
{
    char label[256], name[LW_WORKLOAD_NAME_MAX + 1];
    if (!lw_prom_label(s, "model_name", label, sizeof label) && !lw_prom_label(s, "model", label, sizeof label))
        lw_strlcpy(label, fallback, sizeof label);
    sanitize(label[0] ? label : fallback, name);
    size_t i;
    for (i = 0; i < *n && strcmp(m[i].name, name) != 0; i++)
        ;
    if (i == *n) {
        if (*n == MAX_MODELS)
            return false;
        memset(&m[i], 0, sizeof m[i]);
        lw_strlcpy(m[i].name, name, sizeof m[i].name);
        m[i].prompt = NAN;
        (*n)++;
    }
    if (which == 0)
        m[i].output += v;
    else
        m[i].prompt = isnan(m[i].prompt) ? v : m[i].prompt + v;
    return true;
}

/* Sums the engine's counters by model over every other label (vLLM V1 adds engine="N" per
 * data-parallel core). */
static lw_status extract(const lw_engine_spec *spec, const lw_prom_page *page, model *m, size_t *n, lw_err *err)
{
    const char *out_name, *prompt_name, *fallback;
    switch (spec->kind) {
    case LW_ENGINE_VLLM: out_name = "vllm:generation_tokens_total"; prompt_name = "vllm:prompt_tokens_total"; fallback = "vllm"; break;
    case LW_ENGINE_SGLANG: out_name = "sglang:generation_tokens_total"; prompt_name = "sglang:prompt_tokens_total"; fallback = "sglang"; break;
    case LW_ENGINE_TGI:
        out_name = "tgi_request_generated_tokens_sum";
        prompt_name = "tgi_request_input_length_sum";
        fallback = spec->arg[0] ? spec->arg : "tgi";
        break;
    default: out_name = spec->arg; prompt_name = NULL; fallback = spec->arg; break;
    }
    *n = 0;
    bool seen = false;
    for (size_t k = 0; k < page->n; k++) {
        const lw_prom_sample *s = &page->s[k];
        int which = lw_prom_name_is(s, out_name) ? 0 : prompt_name && lw_prom_name_is(s, prompt_name) ? 1 : -1;
        if (which < 0)
            continue;
        if (!isfinite(s->value) || s->value < 0)
            return lw_fail(err, LW_ERR_PARSE, "%s is %g (a token counter must be a finite number >= 0)", which ? prompt_name : out_name, s->value);
        /* TGI has no model label: the workload is named by the spec */
        const lw_prom_sample plain = {s->name, s->name_len, "", 0, s->value};
        if (!add(m, n, spec->kind == LW_ENGINE_TGI ? &plain : s, fallback, which, s->value))
            return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "more than %d models on one endpoint", MAX_MODELS);
        seen = seen || which == 0;
    }
    if (!seen)
        return lw_fail(err, LW_ERR_PARSE, "no %s sample on the page (is it a %s endpoint?)", out_name, lw_engine_kind_name(spec->kind));
    return LW_OK;
}

lw_status lw_exporter_scrape_engine(lw_exporter *e, size_t id, const lw_engine_spec *spec, double timeout_s, lw_err *err)
{
    lw_url u;
    lw_status st = lw_url_parse(spec->url, &u, err);
    char *text = NULL;
    size_t len = 0;
    lw_prom_page page = {0};
    model *m = NULL;
    size_t n = 0;
    lw_err perr;
    if (st == LW_OK)
        st = lw_http_get(&u, timeout_s, ENGINE_MAX_PAGE, &text, &len, err);
    if (st == LW_OK && (st = lw_prom_parse(text, len, &page, &perr)) != LW_OK)
        lw_fail(err, st, "%s: malformed metrics page: %s", u.redacted, lw_err_message(&perr));
    if (st == LW_OK && !(m = malloc(MAX_MODELS * sizeof *m)))
        st = lw_fail(err, LW_ERR_NO_MEMORY, "out of memory reading %s", u.redacted);
    if (st == LW_OK && (st = extract(spec, &page, m, &n, &perr)) != LW_OK)
        lw_fail(err, st, "%s: %s", u.redacted, lw_err_message(&perr));
    for (size_t i = 0; st == LW_OK && i < n; i++)
        if ((st = lw_exporter_engine_counters(e, id, m[i].name, m[i].output, m[i].prompt, &perr)) != LW_OK)
            lw_fail(err, st, "%s: %s", u.redacted, lw_err_message(&perr));
    lw_exporter_target_result(e, id, st == LW_OK);
    free(m);
    lw_prom_page_free(&page);
    free(text);
    return st;
}
