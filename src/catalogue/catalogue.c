#include "llmwatt/catalogue.h"

#include <ctype.h>
#include <jansson.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/csv.h"
#include "core/util.h"

struct lw_embedded_file {
    const char *path;
    const unsigned char *data;
    size_t len;
};
extern const struct lw_embedded_file lw_embedded_files[];

struct lw_catalogue {
    lw_model_arch *models;
    size_t nmodels, cap_models;
    lw_gpu *gpus;
    size_t ngpus, cap_gpus;
    lw_constant *consts;
    size_t nconsts, cap_consts;
};

const char *lw_embedded_data(const char *path, size_t *len)
{
    for (const struct lw_embedded_file *f = lw_embedded_files; f->path; f++)
        if (strcmp(f->path, path) == 0) {
            if (len)
                *len = f->len;
            return (const char *)f->data;
        }
    return NULL;
}

static void *grow(void *arr, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap)
        return arr;
    size_t nc = *cap ? *cap * 2 : 64;
    void *na = realloc(arr, nc * elem);
    if (na)
        *cap = nc;
    return na;
}

/* ---------- models ---------- */

#define INT_FIELD(f) {#f, offsetof(lw_model_arch, f)}
static const struct {
    const char *key;
    size_t off;
} model_int_fields[] = {
    INT_FIELD(layers), INT_FIELD(hidden_size), INT_FIELD(num_attention_heads), INT_FIELD(num_key_value_heads),
    INT_FIELD(head_dim), INT_FIELD(intermediate_size), INT_FIELD(ffn_matrices), INT_FIELD(vocab_size),
    INT_FIELD(num_experts), INT_FIELD(experts_per_token), INT_FIELD(num_shared_experts),
    INT_FIELD(moe_intermediate_size), INT_FIELD(shared_expert_intermediate_size), INT_FIELD(first_dense_layers),
    INT_FIELD(moe_layer_step), INT_FIELD(q_lora_rank), INT_FIELD(kv_lora_rank), INT_FIELD(qk_rope_head_dim),
    INT_FIELD(qk_nope_head_dim), INT_FIELD(v_head_dim), INT_FIELD(sliding_window), INT_FIELD(sliding_window_layers),
    INT_FIELD(max_context),
};

static void get_str(json_t *o, const char *key, char *dst, size_t n)
{
    json_t *v = json_object_get(o, key);
    if (json_is_string(v))
        lw_strlcpy(dst, json_string_value(v), n);
}

static lw_status parse_model(json_t *o, lw_model_arch *m, const char *where, lw_err *err)
{
    memset(m, 0, sizeof *m);
    m->ffn_matrices = 3;
    m->native_precision = LW_PREC_BF16;
    if (!json_is_object(o))
        return lw_fail(err, LW_ERR_PARSE, "%s: each model must be a JSON object", where);
    get_str(o, "name", m->name, sizeof m->name);
    if (!m->name[0])
        return lw_fail(err, LW_ERR_PARSE, "%s: a model entry has no \"name\"", where);
    get_str(o, "hf_id", m->hf_id, sizeof m->hf_id);
    get_str(o, "aliases", m->aliases, sizeof m->aliases);
    get_str(o, "family", m->family, sizeof m->family);
    get_str(o, "model_type", m->model_type, sizeof m->model_type);
    get_str(o, "source", m->source, sizeof m->source);
    for (size_t i = 0; i < sizeof model_int_fields / sizeof model_int_fields[0]; i++) {
        json_t *v = json_object_get(o, model_int_fields[i].key);
        if (!v)
            continue;
        if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 100000000)
            return lw_fail(err, LW_ERR_PARSE, "%s: model '%s': \"%s\" must be a non-negative integer", where, m->name,
                           model_int_fields[i].key);
        *(int *)((char *)m + model_int_fields[i].off) = (int)json_integer_value(v);
    }
    m->tied_embeddings = json_is_true(json_object_get(o, "tied_embeddings"));
    m->attention_bias = json_is_true(json_object_get(o, "attention_bias"));
    m->is_proxy = json_is_true(json_object_get(o, "is_proxy"));
    m->official_active_excludes_embedding = json_is_true(json_object_get(o, "official_active_excludes_embedding"));
    m->official_total_params = json_number_value(json_object_get(o, "official_total_params"));
    m->official_active_params = json_number_value(json_object_get(o, "official_active_params"));
    json_t *prec = json_object_get(o, "native_precision");
    if (json_is_string(prec)) {
        lw_status st = lw_precision_parse(json_string_value(prec), &m->native_precision, err);
        if (st != LW_OK)
            return st;
    }
    json_t *sp = json_object_get(o, "seed_profile");
    if (json_is_object(sp)) {
        m->has_seed_profile = true;
        lw_seed_profile *s = &m->seed_profile;
        s->num_active_params = json_number_value(json_object_get(sp, "num_active_params"));
        s->num_layers = json_number_value(json_object_get(sp, "num_layers"));
        s->num_attn_heads = json_number_value(json_object_get(sp, "num_attn_heads"));
        s->attn_head_dim = json_number_value(json_object_get(sp, "attn_head_dim"));
        s->hidden_dim = json_number_value(json_object_get(sp, "hidden_dim"));
        s->flops_per_tkn_factor = json_number_value(json_object_get(sp, "flops_per_tkn_factor"));
        s->flops_per_tkn_factor_attn = json_number_value(json_object_get(sp, "flops_per_tkn_factor_attn"));
        s->reasoning_factor = json_number_value(json_object_get(sp, "reasoning_factor"));
    }
    lw_err e2;
    if (lw_model_validate(m, &e2) != LW_OK)
        return lw_fail(err, LW_ERR_PARSE, "%s: %s", where, lw_err_message(&e2));
    return LW_OK;
}

lw_status lw_catalogue_add_model(lw_catalogue *cat, const lw_model_arch *m, lw_err *err)
{
    lw_status st = lw_model_validate(m, err);
    if (st != LW_OK)
        return st;
    for (size_t i = 0; i < cat->nmodels; i++)
        if (lw_streq_ci(cat->models[i].name, m->name)) {
            cat->models[i] = *m;
            return LW_OK;
        }
    lw_model_arch *na = grow(cat->models, &cat->cap_models, cat->nmodels, sizeof *na);
    if (!na)
        return lw_fail(err, LW_ERR_NO_MEMORY, "out of memory adding model '%s'", m->name);
    cat->models = na;
    cat->models[cat->nmodels++] = *m;
    return LW_OK;
}

static lw_status load_models(lw_catalogue *cat, json_t *arr, const char *where, lw_err *err)
{
    if (!json_is_array(arr))
        return lw_fail(err, LW_ERR_PARSE, "%s: \"models\" must be an array", where);
    size_t i;
    json_t *o;
    json_array_foreach(arr, i, o)
    {
        lw_model_arch m;
        lw_status st = parse_model(o, &m, where, err);
        if (st == LW_OK)
            st = lw_catalogue_add_model(cat, &m, err);
        if (st != LW_OK)
            return st;
    }
    return LW_OK;
}

/* ---------- GPUs ---------- */

static lw_status add_gpu(lw_catalogue *cat, const lw_gpu *g, lw_err *err)
{
    for (size_t i = 0; i < cat->ngpus; i++)
        if (lw_streq_ci(cat->gpus[i].id, g->id)) {
            cat->gpus[i] = *g;
            return LW_OK;
        }
    lw_gpu *na = grow(cat->gpus, &cat->cap_gpus, cat->ngpus, sizeof *na);
    if (!na)
        return lw_fail(err, LW_ERR_NO_MEMORY, "out of memory adding GPU '%s'", g->id);
    cat->gpus = na;
    cat->gpus[cat->ngpus++] = *g;
    return LW_OK;
}

/* A GPU figure from the CSV: blank gives 0 (unknown) unless required; anything else must be a
 * finite number above 0, so that a NaN, zero or negative figure is refused on load, not when used. */
static bool gpu_figure(const char *s, bool required, double scale, double *out)
{
    *out = 0;
    while (isspace((unsigned char)*s))
        s++;
    if (!*s)
        return !required;
    double v;
    if (!lw_parse_number(s, &v) || !(v > 0) || !isfinite(v * scale))
        return false;
    *out = v * scale;
    return true;
}

/* The optional power-limit and SM-clock columns of a GPU row: all four figures or none, each a
 * finite number above 0, min < max, with a source. */
static lw_status gpu_power_clock(const lw_csv *c, lw_gpu *g, const int *col, const char *const *names, int src_col,
                                 const char *where, lw_err *err)
{
    double *dst[4] = {&g->power_limit_min_w, &g->power_limit_max_w, &g->sm_clock_min_mhz, &g->sm_clock_max_mhz};
    int given = 0;
    for (int k = 0; k < 4; k++) {
        const char *f = col[k] >= 0 ? lw_csv_field(c, (size_t)col[k]) : "";
        if (!gpu_figure(f, false, 1, dst[k]))
            return lw_fail(err, LW_ERR_PARSE, "%s: GPU '%s': %s must be a finite number above 0 or blank (got '%.32s')", where,
                           g->id, names[k], f);
        given += *dst[k] > 0;
    }
    if (given == 0)
        return LW_OK;
    const char *src = src_col >= 0 ? lw_csv_field(c, (size_t)src_col) : "";
    if (given != 4 || !src[0])
        return lw_fail(err, LW_ERR_PARSE, "%s: GPU '%s': give all of power_limit_min_w, power_limit_max_w, sm_clock_min_mhz, "
                       "sm_clock_max_mhz and power_clock_source, or none", where, g->id);
    if (!(g->power_limit_min_w < g->power_limit_max_w) || !(g->sm_clock_min_mhz < g->sm_clock_max_mhz))
        return lw_fail(err, LW_ERR_PARSE, "%s: GPU '%s': power_limit_min_w and sm_clock_min_mhz must be below their maximum",
                       where, g->id);
    lw_strlcpy(g->power_clock_source, src, sizeof g->power_clock_source);
    return LW_OK;
}

static lw_status load_gpus_csv(lw_catalogue *cat, const char *data, size_t len, const char *where, lw_err *err)
{
    lw_csv *c = lw_csv_new(data, len);
    if (!c)
        return lw_fail(err, LW_ERR_NO_MEMORY, "out of memory reading %s", where);
    lw_status st = LW_OK;
    if (lw_csv_next(c, err) != 1) {
        lw_csv_free(c);
        return lw_fail(err, LW_ERR_PARSE, "%s: no header", where);
    }
    enum { ID, ALIASES, VENDOR, NAME, VARIANT, ARCH, NODE, MEMGB, BW, TDP, IDLE, FP32, TF32, BF16, FP8, INT8, FP4, ICBW, YEAR, URL, XCHK, CONF, TPW, TPWSRC, BF16OK, NCOL };
    static const char *cols[NCOL] = {"id", "aliases", "vendor", "name", "variant", "architecture", "process_node_nm",
                                     "memory_gb", "memory_bw_gbps", "tdp_w", "idle_w", "fp32_tflops", "tf32_tflops_dense",
                                     "fp16_bf16_tflops_dense", "fp8_tflops_dense", "int8_tops_dense", "fp4_tflops_dense",
                                     "interconnect_bw_gbps", "release_year", "source_url", "cross_checks", "confidence",
                                     "typical_inference_power_w", "typical_inference_power_source", "bf16_supported"};
    int idx[NCOL];
    for (int k = 0; k < NCOL; k++) {
        idx[k] = lw_csv_find(c, cols[k]);
        if (idx[k] < 0) {
            lw_csv_free(c);
            return lw_fail(err, LW_ERR_PARSE, "%s: missing column '%s'", where, cols[k]);
        }
    }
    /* optional columns (user catalogues may omit them) */
    const int node_col = lw_csv_find(c, "node_gpus"), node_src_col = lw_csv_find(c, "node_gpus_source");
    enum { PL_MIN, PL_MAX, CLK_MIN, CLK_MAX, NPC };
    static const char *pc_names[NPC] = {"power_limit_min_w", "power_limit_max_w", "sm_clock_min_mhz", "sm_clock_max_mhz"};
    int pc_col[NPC];
    for (int k = 0; k < NPC; k++)
        pc_col[k] = lw_csv_find(c, pc_names[k]);
    const int pc_src_col = lw_csv_find(c, "power_clock_source");
    int r;
    while ((r = lw_csv_next(c, err)) == 1) {
        lw_gpu g;
        memset(&g, 0, sizeof g);
#define F(k) lw_csv_field(c, (size_t)idx[k])
        lw_strlcpy(g.id, F(ID), sizeof g.id);
        lw_strlcpy(g.aliases, F(ALIASES), sizeof g.aliases);
        lw_strlcpy(g.vendor, F(VENDOR), sizeof g.vendor);
        lw_strlcpy(g.name, F(NAME), sizeof g.name);
        lw_strlcpy(g.variant, F(VARIANT), sizeof g.variant);
        lw_strlcpy(g.architecture, F(ARCH), sizeof g.architecture);
        double year = 0;
        const struct {
            int col;
            double *dst, scale;
            bool required;
        } figs[] = {{NODE, &g.process_node_nm, 1, false},
                    {MEMGB, &g.memory_bytes, 1e9, true},
                    {BW, &g.memory_bw_bytes_per_s, 1e9, true},
                    {TDP, &g.tdp_w, 1, false},
                    {IDLE, &g.idle_w, 1, false},
                    {FP32, &g.peak_flops[LW_PREC_FP32], 1e12, false},
                    {TF32, &g.peak_flops[LW_PREC_TF32], 1e12, false},
                    {BF16, &g.peak_flops[LW_PREC_FP16], 1e12, false},
                    {FP8, &g.peak_flops[LW_PREC_FP8], 1e12, false},
                    {INT8, &g.peak_flops[LW_PREC_INT8], 1e12, false},
                    {FP4, &g.peak_flops[LW_PREC_FP4], 1e12, false},
                    {ICBW, &g.interconnect_bw_bytes_per_s, 1e9, false},
                    {YEAR, &year, 1, false},
                    {TPW, &g.typical_inference_power_w, 1, false}};
        for (size_t k = 0; k < sizeof figs / sizeof figs[0] && st == LW_OK; k++)
            if (!gpu_figure(F(figs[k].col), figs[k].required, figs[k].scale, figs[k].dst))
                st = lw_fail(err, LW_ERR_PARSE, "%s: line %zu: GPU '%s': %s must be a finite number above 0%s (got '%.32s')",
                             where, lw_csv_line(c), F(ID), cols[figs[k].col], figs[k].required ? "" : " or blank",
                             F(figs[k].col));
        if (st == LW_OK && year != 0 && (year < 1970 || year > 2200 || year != floor(year)))
            st = lw_fail(err, LW_ERR_PARSE, "%s: line %zu: GPU '%s': release_year must be a year from 1970 to 2200 (got '%.32s')",
                         where, lw_csv_line(c), F(ID), F(YEAR));
        if (st != LW_OK)
            break;
        /* fp16_bf16_tflops_dense is the FP16 tensor rate; bf16_supported says whether BF16 runs at it
         * (V100 and T4 have FP16 tensor cores only): "no" leaves the BF16 peak at 0 */
        const char *bf16_ok = F(BF16OK);
        if (strcmp(bf16_ok, "yes") == 0)
            g.peak_flops[LW_PREC_BF16] = g.peak_flops[LW_PREC_FP16];
        else if (strcmp(bf16_ok, "no") != 0 && !(bf16_ok[0] == '\0' && g.peak_flops[LW_PREC_FP16] == 0)) {
            st = lw_fail(err, LW_ERR_PARSE, "%s: GPU '%s': bf16_supported must be yes or no (blank only without an "
                         "fp16_bf16_tflops_dense figure), not '%s'", where, F(ID), bf16_ok);
            break;
        }
        g.peak_flops[LW_PREC_MXFP4] = g.peak_flops[LW_PREC_FP4];
        g.release_year = (int)year;
        lw_strlcpy(g.typical_power_source, F(TPWSRC), sizeof g.typical_power_source);
        snprintf(g.source, sizeof g.source, "%s (cross-checks: %s)", F(URL), F(XCHK));
        lw_strlcpy(g.confidence, F(CONF), sizeof g.confidence);
        const char *ng = node_col >= 0 ? lw_csv_field(c, (size_t)node_col) : "";
        double ngv = 0;
        if (ng[0] && (!lw_parse_number(ng, &ngv) || !(ngv >= 1 && ngv <= 1024) || ngv != floor(ngv))) {
            st = lw_fail(err, LW_ERR_PARSE, "%s: GPU '%s': node_gpus must be a whole number 1..1024 or blank, not '%s'",
                         where, F(ID), ng);
            break;
        }
        g.node_gpus = (int)ngv;
        if (node_src_col >= 0)
            lw_strlcpy(g.node_source, lw_csv_field(c, (size_t)node_src_col), sizeof g.node_source);
        if ((st = gpu_power_clock(c, &g, pc_col, pc_names, pc_src_col, where, err)) != LW_OK)
            break;
#undef F
        if (!g.id[0]) {
            st = lw_fail(err, LW_ERR_PARSE, "%s: line %zu: empty id", where, lw_csv_line(c));
            break;
        }
        if ((st = add_gpu(cat, &g, err)) != LW_OK)
            break;
    }
    if (r < 0 && st == LW_OK)
        st = LW_ERR_PARSE;
    lw_csv_free(c);
    return st;
}

/* A GPU figure from JSON: absent gives 0 (unknown); present, it must be a number above 0. */
static bool json_figure(const json_t *o, const char *key, double *out)
{
    const json_t *v = json_is_object(o) ? json_object_get(o, key) : NULL;
    *out = v ? json_number_value(v) : 0;
    return !v || (json_is_number(v) && isfinite(*out) && *out > 0);
}

static lw_status load_gpus_json(lw_catalogue *cat, json_t *arr, const char *where, lw_err *err)
{
    if (!json_is_array(arr))
        return lw_fail(err, LW_ERR_PARSE, "%s: \"gpus\" must be an array", where);
    size_t i;
    json_t *o;
    json_array_foreach(arr, i, o)
    {
        lw_gpu g;
        memset(&g, 0, sizeof g);
        get_str(o, "id", g.id, sizeof g.id);
        if (!g.id[0])
            return lw_fail(err, LW_ERR_PARSE, "%s: a GPU entry has no \"id\"", where);
        get_str(o, "aliases", g.aliases, sizeof g.aliases);
        get_str(o, "vendor", g.vendor, sizeof g.vendor);
        get_str(o, "name", g.name, sizeof g.name);
        get_str(o, "source", g.source, sizeof g.source);
        const struct {
            const char *key;
            double *dst;
        } figs[] = {{"process_node_nm", &g.process_node_nm},
                    {"memory_bytes", &g.memory_bytes},
                    {"memory_bw_bytes_per_s", &g.memory_bw_bytes_per_s},
                    {"tdp_w", &g.tdp_w},
                    {"idle_w", &g.idle_w},
                    {"interconnect_bw_bytes_per_s", &g.interconnect_bw_bytes_per_s},
                    {"typical_inference_power_w", &g.typical_inference_power_w}};
        for (size_t k = 0; k < sizeof figs / sizeof figs[0]; k++)
            if (!json_figure(o, figs[k].key, figs[k].dst))
                return lw_fail(err, LW_ERR_PARSE, "%s: GPU '%s': \"%s\" must be a number above 0 (or absent)", where, g.id,
                               figs[k].key);
        json_t *pk = json_object_get(o, "peak_flops");
        for (int p = 0; p < LW_PREC_COUNT; p++)
            if (!json_figure(pk, lw_precision_name((lw_precision)p), &g.peak_flops[p]))
                return lw_fail(err, LW_ERR_PARSE, "%s: GPU '%s': \"peak_flops.%s\" must be a number above 0 (or absent)",
                               where, g.id, lw_precision_name((lw_precision)p));
        if (g.memory_bw_bytes_per_s <= 0 || (g.peak_flops[LW_PREC_BF16] <= 0 && g.peak_flops[LW_PREC_FP16] <= 0))
            return lw_fail(err, LW_ERR_PARSE, "%s: GPU '%s' needs memory_bw_bytes_per_s and peak_flops.bf16 or .fp16 > 0",
                           where, g.id);
        lw_status st = add_gpu(cat, &g, err);
        if (st != LW_OK)
            return st;
    }
    return LW_OK;
}

/* ---------- constants ---------- */

static lw_status load_constants(lw_catalogue *cat, json_t *arr, const char *where, lw_err *err)
{
    if (!json_is_array(arr))
        return lw_fail(err, LW_ERR_PARSE, "%s: \"constants\" must be an array", where);
    size_t i;
    json_t *o;
    json_array_foreach(arr, i, o)
    {
        lw_constant k;
        memset(&k, 0, sizeof k);
        get_str(o, "key", k.key, sizeof k.key);
        get_str(o, "unit", k.unit, sizeof k.unit);
        get_str(o, "source", k.source, sizeof k.source);
        json_t *v = json_object_get(o, "value");
        if (!k.key[0] || !json_is_number(v) || !k.source[0])
            return lw_fail(err, LW_ERR_PARSE, "%s: constant #%zu needs \"key\", numeric \"value\" and \"source\"", where, i + 1);
        k.value = json_number_value(v);
        json_t *lo = json_object_get(o, "low"), *hi = json_object_get(o, "high");
        k.low = json_is_number(lo) ? json_number_value(lo) : k.value;
        k.high = json_is_number(hi) ? json_number_value(hi) : k.value;
        k.year = (int)json_integer_value(json_object_get(o, "year"));
        size_t j;
        for (j = 0; j < cat->nconsts; j++)
            if (strcmp(cat->consts[j].key, k.key) == 0)
                break;
        if (j == cat->nconsts) {
            lw_constant *na = grow(cat->consts, &cat->cap_consts, cat->nconsts, sizeof *na);
            if (!na)
                return lw_fail(err, LW_ERR_NO_MEMORY, "out of memory");
            cat->consts = na;
            cat->nconsts++;
        }
        cat->consts[j] = k;
    }
    return LW_OK;
}

/* A constants table in CSV (data/gpu_prices.csv, data/gpu_embodied.csv): columns key, value, low,
 * high, unit, year, source; other columns are for readers of the file. */
static lw_status load_constants_csv(lw_catalogue *cat, const char *data, size_t len, const char *where, lw_err *err)
{
    static const char *const cols[] = {"key", "value", "low", "high", "unit", "year", "source"};
    int ix[7];
    lw_csv *c = lw_csv_new(data, len);
    if (!c)
        return lw_fail(err, LW_ERR_NO_MEMORY, "out of memory");
    lw_status st = LW_OK;
    if (lw_csv_next(c, err) != 1)
        st = lw_fail(err, LW_ERR_PARSE, "%s: no header", where);
    for (size_t i = 0; i < 7 && st == LW_OK; i++)
        if ((ix[i] = lw_csv_find(c, cols[i])) < 0)
            st = lw_fail(err, LW_ERR_PARSE, "%s: no column '%s'", where, cols[i]);
    int r = 0;
    while (st == LW_OK && (r = lw_csv_next(c, err)) == 1) {
        lw_constant k;
        memset(&k, 0, sizeof k);
        double year;
        lw_strlcpy(k.key, lw_csv_field(c, (size_t)ix[0]), sizeof k.key);
        lw_strlcpy(k.unit, lw_csv_field(c, (size_t)ix[4]), sizeof k.unit);
        lw_strlcpy(k.source, lw_csv_field(c, (size_t)ix[6]), sizeof k.source);
        if (!k.key[0] || !k.source[0] || !lw_parse_number(lw_csv_field(c, (size_t)ix[1]), &k.value) ||
            !lw_parse_number(lw_csv_field(c, (size_t)ix[2]), &k.low) || !lw_parse_number(lw_csv_field(c, (size_t)ix[3]), &k.high) ||
            !lw_parse_number(lw_csv_field(c, (size_t)ix[5]), &year)) {
            st = lw_fail(err, LW_ERR_PARSE, "%s line %zu: needs key, numeric value, low, high, year and a source", where, lw_csv_line(c));
            break;
        }
        k.year = (int)year;
        size_t j;
        for (j = 0; j < cat->nconsts; j++)
            if (strcmp(cat->consts[j].key, k.key) == 0)
                break;
        if (j == cat->nconsts) {
            lw_constant *na = grow(cat->consts, &cat->cap_consts, cat->nconsts, sizeof *na);
            if (!na) {
                st = lw_fail(err, LW_ERR_NO_MEMORY, "out of memory");
                break;
            }
            cat->consts = na;
            cat->nconsts++;
        }
        cat->consts[j] = k;
    }
    if (r < 0 && st == LW_OK)
        st = LW_ERR_PARSE;
    lw_csv_free(c);
    return st;
}

static lw_status load_json_doc(lw_catalogue *cat, const char *data, size_t len, const char *where, lw_err *err)
{
    json_error_t je;
    json_t *root = json_loadb(data, len, 0, &je);
    if (!root)
        return lw_fail(err, LW_ERR_PARSE, "%s: line %d: %s", where, je.line, je.text);
    lw_status st = LW_OK;
    if (!json_is_object(root))
        st = lw_fail(err, LW_ERR_PARSE, "%s: top level must be an object with \"models\", \"gpus\" or \"constants\"", where);
    json_t *v;
    if (st == LW_OK && (v = json_object_get(root, "models")))
        st = load_models(cat, v, where, err);
    if (st == LW_OK && (v = json_object_get(root, "gpus")))
        st = load_gpus_json(cat, v, where, err);
    if (st == LW_OK && (v = json_object_get(root, "constants")))
        st = load_constants(cat, v, where, err);
    json_decref(root);
    return st;
}

lw_status lw_catalogue_open(lw_catalogue **out, lw_err *err)
{
    lw_catalogue *cat = calloc(1, sizeof *cat);
    if (!cat)
        return lw_fail(err, LW_ERR_NO_MEMORY, "out of memory");
    lw_status st = LW_OK;
    for (const struct lw_embedded_file *f = lw_embedded_files; f->path && st == LW_OK; f++) {
        const char *d = (const char *)f->data;
        if (strcmp(f->path, "gpus.csv") == 0)
            st = load_gpus_csv(cat, d, f->len, "built-in gpus.csv", err);
        else if (strcmp(f->path, "gpu_prices.csv") == 0 || strcmp(f->path, "gpu_embodied.csv") == 0)
            st = load_constants_csv(cat, d, f->len, f->path, err);
        else if (strcmp(f->path, "models.json") == 0 || strncmp(f->path, "constants/", 10) == 0)
            st = load_json_doc(cat, d, f->len, f->path, err);
    }
    if (st != LW_OK) {
        lw_catalogue_free(cat);
        return st;
    }
    *out = cat;
    return LW_OK;
}

/* Copies n elements of size elem into a new array of capacity max(n, 1); NULL on failure. */
static void *dup_array(const void *src, size_t n, size_t elem)
{
    void *d = malloc((n ? n : 1) * elem);
    if (d && n)
        memcpy(d, src, n * elem);
    return d;
}

lw_status lw_catalogue_copy(const lw_catalogue *src, lw_catalogue **out, lw_err *err)
{
    lw_catalogue *cat = calloc(1, sizeof *cat);
    if (cat) {
        cat->models = dup_array(src->models, src->nmodels, sizeof *cat->models);
        cat->gpus = dup_array(src->gpus, src->ngpus, sizeof *cat->gpus);
        cat->consts = dup_array(src->consts, src->nconsts, sizeof *cat->consts);
    }
    if (!cat || !cat->models || !cat->gpus || !cat->consts) {
        lw_catalogue_free(cat);
        return lw_fail(err, LW_ERR_NO_MEMORY, "out of memory");
    }
    cat->nmodels = src->nmodels;
    cat->cap_models = src->nmodels ? src->nmodels : 1;
    cat->ngpus = src->ngpus;
    cat->cap_gpus = src->ngpus ? src->ngpus : 1;
    cat->nconsts = src->nconsts;
    cat->cap_consts = src->nconsts ? src->nconsts : 1;
    *out = cat;
    return LW_OK;
}

void lw_catalogue_free(lw_catalogue *cat)
{
    if (!cat)
        return;
    free(cat->models);
    free(cat->gpus);
    free(cat->consts);
    free(cat);
}

lw_status lw_catalogue_add_file(lw_catalogue *cat, const char *path, lw_err *err)
{
    char *data;
    size_t len;
    lw_status st = lw_file_read_capped(path, LW_CAP_SMALL_BYTES, "a catalogue file", &data, &len, err);
    if (st != LW_OK)
        return st;
    size_t pl = strlen(path);
    if (pl > 4 && lw_streq_ci(path + pl - 4, ".csv"))
        st = load_gpus_csv(cat, data, len, path, err);
    else
        st = load_json_doc(cat, data, len, path, err);
    free(data);
    return st;
}

size_t lw_catalogue_model_count(const lw_catalogue *cat) { return cat->nmodels; }
const lw_model_arch *lw_catalogue_model_at(const lw_catalogue *cat, size_t i) { return i < cat->nmodels ? &cat->models[i] : NULL; }
size_t lw_catalogue_gpu_count(const lw_catalogue *cat) { return cat->ngpus; }
const lw_gpu *lw_catalogue_gpu_at(const lw_catalogue *cat, size_t i) { return i < cat->ngpus ? &cat->gpus[i] : NULL; }
size_t lw_catalogue_constant_count(const lw_catalogue *cat) { return cat->nconsts; }
const lw_constant *lw_catalogue_constant_at(const lw_catalogue *cat, size_t i) { return i < cat->nconsts ? &cat->consts[i] : NULL; }

/* ---------- name resolution ---------- */

static bool ends_with_ci(const char *s, size_t n, const char *suf)
{
    size_t k = strlen(suf);
    return n >= k && strncasecmp(s + n - k, suf, k) == 0;
}

/* Lower-cases, drops an "org/" prefix and strips fine-tune/packaging suffixes. */
static void norm_model_name(const char *in, char *out, size_t cap)
{
    const char *slash = strrchr(in, '/');
    lw_strlcpy(out, slash ? slash + 1 : in, cap);
    for (char *p = out; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    static const char *suffixes[] = {"-instruct", "-it",   "-chat",   "-hf",    "-fp8",  "-base",  "-thinking", "-dynamic",
                                     "-awq",      "-gptq", "-int4",   "-int8",  "-w4a16", "-w8a8", "-mxfp4",    "-nvfp4",
                                     "-fp4",      "-bnb-4bit"};
    size_t n = strlen(out);
    for (bool changed = true; changed;) {
        changed = false;
        for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++)
            if (ends_with_ci(out, n, suffixes[i]) && n > strlen(suffixes[i])) {
                n -= strlen(suffixes[i]);
                out[n] = '\0';
                changed = true;
            }
        /* date suffix "-2507" */
        if (n > 5 && out[n - 5] == '-' && isdigit((unsigned char)out[n - 4]) && isdigit((unsigned char)out[n - 3]) &&
            isdigit((unsigned char)out[n - 2]) && isdigit((unsigned char)out[n - 1])) {
            n -= 5;
            out[n] = '\0';
            changed = true;
        }
        /* Mistral-style version "-v0.3" */
        char *v = n > 5 ? strstr(out, "-v0.") : NULL;
        if (v && strspn(v + 4, "0123456789") == strlen(v + 4)) {
            n = (size_t)(v - out);
            out[n] = '\0';
            changed = true;
        }
    }
}

static bool list_contains(const char *list, const char *want, void (*norm)(const char *, char *, size_t))
{
    char buf[LW_NAME_MAX], item[LW_NAME_MAX];
    const char *p = list;
    while (*p) {
        size_t k = strcspn(p, ",");
        size_t m = k < sizeof buf - 1 ? k : sizeof buf - 1;
        memcpy(buf, p, m);
        buf[m] = '\0';
        norm(buf, item, sizeof item);
        if (item[0] && strcmp(item, want) == 0)
            return true;
        p += k;
        if (*p == ',')
            p++;
    }
    return false;
}

static void suggest(char *out, size_t cap, const char *want, const char *const *names, size_t n)
{
    int best[3] = {256, 256, 256};
    size_t bi[3] = {0, 0, 0};
    for (size_t i = 0; i < n; i++) {
        int d = lw_edit_distance(want, names[i]);
        for (int k = 0; k < 3; k++)
            if (d < best[k]) {
                for (int j = 2; j > k; j--) {
                    best[j] = best[j - 1];
                    bi[j] = bi[j - 1];
                }
                best[k] = d;
                bi[k] = i;
                break;
            }
    }
    out[0] = '\0';
    for (int k = 0; k < 3 && k < (int)n; k++) {
        size_t len = strlen(out);
        snprintf(out + len, cap - len, "%s%s", k ? ", " : "", names[bi[k]]);
    }
}

lw_status lw_catalogue_find_model(const lw_catalogue *cat, const char *name, const lw_model_arch **out, lw_err *err)
{
    if (!name || !*name)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "empty model name (see 'llmwatt models')");
    char want[LW_NAME_MAX], cand[LW_NAME_MAX];
    norm_model_name(name, want, sizeof want);
    /* exact short name first, then normalised names, HF ids and aliases (last added wins) */
    for (size_t i = cat->nmodels; i-- > 0;)
        if (lw_streq_ci(cat->models[i].name, name) || lw_streq_ci(cat->models[i].hf_id, name)) {
            *out = &cat->models[i];
            return LW_OK;
        }
    for (size_t i = cat->nmodels; i-- > 0;) {
        const lw_model_arch *m = &cat->models[i];
        norm_model_name(m->name, cand, sizeof cand);
        bool hit = strcmp(cand, want) == 0;
        if (!hit && m->hf_id[0]) {
            norm_model_name(m->hf_id, cand, sizeof cand);
            hit = strcmp(cand, want) == 0;
        }
        if (!hit)
            hit = list_contains(m->aliases, want, norm_model_name);
        if (hit) {
            *out = m;
            return LW_OK;
        }
    }
    const char **names = malloc((cat->nmodels + 1) * sizeof *names);
    char sugg[256] = "";
    if (names) {
        for (size_t i = 0; i < cat->nmodels; i++)
            names[i] = cat->models[i].name;
        suggest(sugg, sizeof sugg, want, names, cat->nmodels);
        free(names);
    }
    return lw_fail(err, LW_ERR_NOT_FOUND,
                   "unknown model '%s' (closest: %s; see 'llmwatt models', or pass --model-config config.json)", name, sugg);
}

/* Lower-case; drop vendor words and parentheticals; spaces/underscores to dashes. */
static void norm_gpu_name(const char *in, char *out, size_t cap)
{
    size_t n = 0;
    int depth = 0;
    for (const char *p = in; *p && n + 1 < cap; p++) {
        if (*p == '(') {
            depth++;
            continue;
        }
        if (*p == ')') {
            if (depth)
                depth--;
            continue;
        }
        if (depth)
            continue;
        char ch = (char)tolower((unsigned char)*p);
        if (ch == ' ' || ch == '_')
            ch = '-';
        if (ch == '-' && (n == 0 || out[n - 1] == '-'))
            continue;
        out[n++] = ch;
    }
    while (n && out[n - 1] == '-')
        n--;
    out[n] = '\0';
    static const char *prefixes[] = {"nvidia-", "amd-", "geforce-", "instinct-", "intel-", "google-"};
    for (bool changed = true; changed;) {
        changed = false;
        for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
            size_t k = strlen(prefixes[i]);
            if (strncmp(out, prefixes[i], k) == 0) {
                memmove(out, out + k, strlen(out + k) + 1);
                changed = true;
            }
        }
    }
}

static const lw_gpu *match_gpu(const lw_catalogue *cat, const char *want)
{
    char cand[LW_NAME_MAX], full[256];
    for (size_t i = cat->ngpus; i-- > 0;) {
        const lw_gpu *g = &cat->gpus[i];
        norm_gpu_name(g->id, cand, sizeof cand);
        if (strcmp(cand, want) == 0 || list_contains(g->aliases, want, norm_gpu_name))
            return g;
        snprintf(full, sizeof full, "%s %s", g->name, g->variant);
        norm_gpu_name(full, cand, sizeof cand);
        if (strcmp(cand, want) == 0)
            return g;
        norm_gpu_name(g->name, cand, sizeof cand);
        /* a bare name matches only when no other GPU shares it (A100 80GB SXM4 vs PCIe) */
        if (strcmp(cand, want) == 0) {
            size_t same = 0;
            char other[LW_NAME_MAX];
            for (size_t j = 0; j < cat->ngpus; j++) {
                norm_gpu_name(cat->gpus[j].name, other, sizeof other);
                same += strcmp(other, want) == 0;
            }
            if (same == 1)
                return g;
        }
    }
    return NULL;
}

/* Drops a trailing memory-size word ("rtx-3090-24gb" -> "rtx-3090"); false if there is none. */
static bool drop_memory_size(char *name)
{
    char *dash = strrchr(name, '-');
    if (!dash || !isdigit((unsigned char)dash[1]))
        return false;
    size_t digits = strspn(dash + 1, "0123456789");
    if (strcmp(dash + 1 + digits, "gb") != 0)
        return false;
    *dash = '\0';
    return true;
}

lw_status lw_catalogue_find_gpu(const lw_catalogue *cat, const char *name, const lw_gpu **out, lw_err *err)
{
    if (!name || !*name)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "empty GPU name (see 'llmwatt gpus')");
    char want[LW_NAME_MAX];
    norm_gpu_name(name, want, sizeof want);
    const lw_gpu *g = match_gpu(cat, want);
    if (!g && drop_memory_size(want))
        g = match_gpu(cat, want);
    if (g) {
        *out = g;
        return LW_OK;
    }
    const char **names = malloc((cat->ngpus + 1) * sizeof *names);
    char sugg[256] = "";
    if (names) {
        for (size_t i = 0; i < cat->ngpus; i++)
            names[i] = cat->gpus[i].id;
        suggest(sugg, sizeof sugg, want, names, cat->ngpus);
        free(names);
    }
    return lw_fail(err, LW_ERR_NOT_FOUND, "unknown GPU '%s' (closest: %s; see 'llmwatt gpus')", name, sugg);
}

lw_status lw_catalogue_find_constant(const lw_catalogue *cat, const char *key, const lw_constant **out, lw_err *err)
{
    for (size_t i = 0; i < cat->nconsts; i++)
        if (strcmp(cat->consts[i].key, key) == 0) {
            *out = &cat->consts[i];
            return LW_OK;
        }
    return lw_fail(err, LW_ERR_NOT_FOUND, "no constant '%s' in the catalogue (see 'llmwatt sources')", key);
}

double lw_catalogue_value(const lw_catalogue *cat, const char *key, double fallback)
{
    const lw_constant *k;
    return lw_catalogue_find_constant(cat, key, &k, NULL) == LW_OK ? k->value : fallback;
}
