/* Model catalogue: derived parameter counts against published counts, hand-worked derivations,
 * catalogue hygiene (family vocabulary, sources, proxies) and name resolution. */
#include <ctype.h>
#include <string.h>

#include "testutil.h"

static double derived_active_for_official(const lw_model_arch *m, const lw_param_counts *p)
{
    return m->official_active_excludes_embedding ? p->active - p->embedding : p->active;
}

/* Every catalogue model: derived total and active within 2% of the entry's official counts.
 * Only a proxy may lack a published total (OpenAI publishes none for GPT-4o). */
static void test_every_model_within_2pct(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    size_t n = lw_catalogue_model_count(cat);
    assert_true(n >= 45);
    for (size_t i = 0; i < n; i++) {
        const lw_model_arch *m = lw_catalogue_model_at(cat, i);
        lw_param_counts p;
        lw_err err;
        if (lw_model_params(m, &p, &err) != LW_OK)
            fail_msg("%s: %s", m->name, lw_err_message(&err));
        if (m->official_total_params > 0) {
            if (!(p.total >= 0.98 * m->official_total_params && p.total <= 1.02 * m->official_total_params))
                fail_msg("%s: derived total %.4g vs official %.4g", m->name, p.total, m->official_total_params);
        } else if (!m->is_proxy) {
            fail_msg("%s: no official total and not a proxy", m->name);
        }
        assert_true(m->official_active_params > 0);
        double a = derived_active_for_official(m, &p);
        if (!(a >= 0.98 * m->official_active_params && a <= 1.02 * m->official_active_params))
            fail_msg("%s: derived active %.4g vs official %.4g", m->name, a, m->official_active_params);
        assert_true(p.active <= p.total);
    }
    lw_catalogue_free(cat);
}

/* Published counts written here (not read from data/models.json) so that the check does not
 * compare the data file with itself. B = 1e9. */
static const struct {
    const char *name;
    double total, active;
    const char *source;
} published[] = {
    {"qwen2.5-0.5b", 0.49e9, 0.49e9, "Qwen2.5-0.5B model card: 0.49B"},
    {"qwen2.5-7b", 7.61e9, 7.61e9, "Qwen2.5-7B model card: 7.61B"},
    {"qwen2.5-72b", 72.7e9, 72.7e9, "Qwen2.5-72B model card: 72.7B"},
    {"qwen3-8b", 8.2e9, 8.2e9, "Qwen3-8B model card: 8.2B"},
    {"qwen3-32b", 32.8e9, 32.8e9, "Qwen3-32B model card: 32.8B"},
    {"qwen3-30b-a3b", 30.5e9, 3.3e9, "Qwen3-30B-A3B model card: 30.5B total, 3.3B activated"},
    {"qwen3-235b-a22b", 235e9, 22e9, "Qwen3-235B-A22B model card: 235B total, 22B activated"},
    {"llama-3.1-8b", 8.03e9, 8.03e9, "Llama 3.1 model card: 8.03B"},
    {"llama-3.1-70b", 70.6e9, 70.6e9, "Llama 3.1 model card: 70.6B"},
    {"llama-3.1-405b", 405e9, 405e9, "Llama 3.1 model card: 405B"},
    {"llama-3.2-1b", 1.23e9, 1.23e9, "Llama 3.2 model card: 1.23B"},
    {"llama-3.2-3b", 3.21e9, 3.21e9, "Llama 3.2 model card: 3.21B"},
    {"llama-4-scout", 109e9, 17e9, "Llama 4 model card: 17B active, 109B total (whole multimodal checkpoint)"},
    {"llama-4-maverick", 400e9, 17e9, "Llama 4 model card: 17B active, 400B total"},
    {"mistral-7b", 7.3e9, 7.3e9, "Mistral AI, Announcing Mistral 7B (2023): 7.3B"},
    {"mixtral-8x7b", 46.7e9, 12.9e9, "Mistral AI, Mixtral of experts (2023): 46.7B total, 12.9B per token"},
    {"mixtral-8x22b", 141e9, 39e9, "Mistral AI, Cheaper, Better, Faster, Stronger (2024): 141B, 39B active"},
    {"gemma-2-9b", 917962752.0 + 8324201984.0, 917962752.0 + 8324201984.0, "Gemma 2 report Table 2: embedding + non-embedding"},
    {"gemma-3-27b", 1416e6 + 25600e6, 1416e6 + 25600e6, "Gemma 3 report Table 1: 1,416M embedding + 25,600M non-embedding"},
    {"deepseek-v3", 671e9, 37e9, "DeepSeek-V3 technical report (arXiv:2412.19437): 671B total, 37B activated"},
    {"deepseek-r1", 671e9, 37e9, "DeepSeek-R1 model card: 671B total, 37B activated"},
    {"phi-3-mini", 3.8e9, 3.8e9, "Phi-3 technical report (arXiv:2404.14219): 3.8B"},
    {"phi-4", 14.7e9, 14.7e9, "phi-4 model card: 14.7B"},
};

static void test_published_counts(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    for (size_t i = 0; i < sizeof published / sizeof published[0]; i++) {
        const lw_model_arch *m = lw_test_model(cat, published[i].name);
        lw_param_counts p;
        assert_int_equal(lw_model_params(m, &p, NULL), LW_OK);
        if (!(p.total >= 0.98 * published[i].total && p.total <= 1.02 * published[i].total &&
              p.active >= 0.98 * published[i].active && p.active <= 1.02 * published[i].active))
            fail_msg("%s: derived %.4g/%.4g vs published %.4g/%.4g (%s)", published[i].name, p.total, p.active,
                     published[i].total, published[i].active, published[i].source);
        /* and the data file records the same published figure */
        assert_rel(m->official_total_params, published[i].total, 1e-9);
    }
    lw_catalogue_free(cat);
}

/* gpt-oss model card (OpenAI 2025): 116.83B total, 5.13B active without the input embedding;
 * gpt-oss-20b: 20.91B total, 3.61B active. Worked per layer (hidden 2880, 64 heads x 64, 8 KV heads):
 *   attention q 2880*4096 + k,v 2*2880*512 + o 4096*2880 = 26,542,080, biases 4096+512+512+2880 = 8,000,
 *             sinks 64                                                   -> 26,550,144
 *   expert    gate_up 2880*5760 + 5760 bias, down 2880*2880 + 2880 bias  -> 24,891,840
 *   router    2880*E + E; norms 2*2880 = 5,760.
 * 120b (36 layers, E=128): layer 26,550,144 + 128*24,891,840 + 368,768 + 5,760 = 3,213,080,192;
 *   total = 36 * 3,213,080,192 + 2 * 201088*2880 (untied) + 2880 = 116,829,156,672;
 *   active w/o input embedding = 36 * (26,550,144 + 4*24,891,840 + 368,768 + 5,760) + 579,133,440 + 2880
 *                              = 5,132,849,472. */
static void test_gpt_oss_exact(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    lw_param_counts p;
    assert_int_equal(lw_model_params(lw_test_model(cat, "gpt-oss-120b"), &p, NULL), LW_OK);
    assert_rel(p.total, 116829156672.0, 1e-12);
    assert_rel(p.active - p.embedding, 5132849472.0, 1e-12);
    assert_rel(p.expert, 24891840.0, 1e-12);
    assert_int_equal(lw_model_params(lw_test_model(cat, "gpt-oss-20b"), &p, NULL), LW_OK);
    /* 24 * (26,550,144 + 32*24,891,840 + 2880*32+32 + 5760) + 1,158,266,880 + 2880 */
    assert_rel(p.total, 24.0 * (26550144.0 + 32 * 24891840.0 + 92192.0 + 5760.0) + 1158266880.0 + 2880.0, 1e-12);
    assert_rel(p.total, 20.91e9, 0.001);
    assert_rel(p.active - p.embedding, 3.61e9, 0.001);
    lw_catalogue_free(cat);
}

/* Gemma 2 report Table 2: Gemma-2-2B has 2,024,517,888 non-embedding parameters. Per layer:
 * attention q 2304*2048 + k,v 2*2304*1024 + o 2048*2304 = 14,155,776; FFN 3*2304*9216 = 63,700,992;
 * four RMSNorms 4*2304 = 9,216 -> 77,865,984; 26 layers + final norm 2304 = 2,024,517,888. */
static void test_gemma2_norms_exact(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    lw_param_counts p;
    assert_int_equal(lw_model_params(lw_test_model(cat, "gemma-2-2b"), &p, NULL), LW_OK);
    assert_rel(p.total - p.embedding, 2024517888.0, 1e-12);
    assert_rel(p.lm_head, 0.0, 0.0); /* tied */
    lw_catalogue_free(cat);
}

/* Llama-4 Maverick: 48 layers, MoE on layers 2,4,...,48 (interleave step 2) with 128 routed experts
 * + 1 shared (width 8192), dense FFN 16384 on the others.
 *   expert 3*5120*8192 = 125,829,120; dense FFN 3*5120*16384 = 251,658,240;
 *   attention 5120*5120*2 + 2*5120*1024 = 62,914,560; router 5120*128 = 655,360; norms 2*5120.
 * total = 48*62,914,560 + 24*251,658,240 + 24*(129*125,829,120 + 655,360) + 48*10,240 + 5120
 *       + 2*202048*5120 = 400,711,557,120 (Meta: 400B);
 * active = same with 2 experts (1 routed + shared) per MoE layer = 17,168,076,800 (Meta: 17B). */
static void test_llama4_interleaved_shared(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    lw_param_counts p;
    assert_int_equal(lw_model_params(lw_test_model(cat, "llama-4-maverick"), &p, NULL), LW_OK);
    assert_int_equal(p.moe_layers, 24);
    double emb = 2.0 * 202048 * 5120, norms = 48.0 * 10240 + 5120;
    double total = 48.0 * 62914560 + 24.0 * 251658240 + 24.0 * (129.0 * 125829120 + 655360) + norms + emb;
    double active = 48.0 * 62914560 + 24.0 * 251658240 + 24.0 * (2.0 * 125829120 + 655360) + norms + emb;
    assert_rel(p.total, total, 1e-12);
    assert_rel(p.active, active, 1e-12);
    assert_rel(p.shared_experts, 24.0 * 125829120, 1e-12);
    /* Scout: every layer MoE with 16 routed + 1 shared */
    assert_int_equal(lw_model_params(lw_test_model(cat, "llama-4-scout"), &p, NULL), LW_OK);
    assert_int_equal(p.moe_layers, 48);
    assert_rel(p.dense_ffn, 0.0, 0.0);
    lw_catalogue_free(cat);
}

static const char *const families[] = {"qwen2.5", "qwen3",   "llama2",  "llama3",      "llama4",  "mistral",
                                       "mixtral", "gemma2",  "gemma3",  "deepseek-v3", "gpt-oss", "phi3",
                                       "phi4",    "vicuna",  "gpt-4o-proxy", "o1-proxy", "o3-mini-proxy"};

static bool has_year(const char *s)
{
    for (const char *p = strstr(s, "20"); p; p = strstr(p + 1, "20"))
        if (isdigit((unsigned char)p[2]) && isdigit((unsigned char)p[3]) && (p[2] == '2' || p[2] == '1'))
            return true;
    return false;
}

static void test_catalogue_hygiene(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    for (size_t i = 0; i < lw_catalogue_model_count(cat); i++) {
        const lw_model_arch *m = lw_catalogue_model_at(cat, i);
        bool known = false;
        for (size_t f = 0; f < sizeof families / sizeof families[0]; f++)
            known = known || strcmp(m->family, families[f]) == 0;
        if (!known)
            fail_msg("%s: family '%s' is not in seed 000's vocabulary", m->name, m->family);
        for (const char *c = m->name; *c; c++)
            if (isupper((unsigned char)*c))
                fail_msg("%s: name must be lower case", m->name);
        if (!m->model_type[0] || m->max_context <= 0)
            fail_msg("%s: model_type and max_context are required", m->name);
        if (!has_year(m->source) || (!m->is_proxy && !strstr(m->source, "huggingface.co/")))
            fail_msg("%s: source must name the config.json URL and a year", m->name);
        if (!m->is_proxy && !m->hf_id[0])
            fail_msg("%s: hf_id is required for an open model", m->name);
        if (m->is_proxy != m->has_seed_profile)
            fail_msg("%s: proxies and seed profiles go together", m->name);
        /* no two entries resolve to the same name */
        const lw_model_arch *back = lw_test_model(cat, m->name);
        if (back != m)
            fail_msg("%s resolves to %s", m->name, back->name);
    }
    lw_catalogue_free(cat);
}

/* Seed 001 MODEL_PROFILES, verbatim. */
static void test_seed_proxies(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    const lw_model_arch *g = lw_test_model(cat, "gpt-4o"), *o1 = lw_test_model(cat, "o1"), *o3 = lw_test_model(cat, "o3-mini");
    assert_true(g->is_proxy && o1->is_proxy && o3->is_proxy);
    assert_rel(g->seed_profile.num_active_params, 100e9, 0);
    assert_rel(g->seed_profile.num_layers, 77, 0);
    assert_rel(g->seed_profile.num_attn_heads, 57, 0);
    assert_rel(g->seed_profile.attn_head_dim, 150.1, 0);
    assert_rel(g->seed_profile.hidden_dim, 8448.42, 0);
    assert_rel(g->seed_profile.flops_per_tkn_factor, 2, 0);
    assert_rel(g->seed_profile.flops_per_tkn_factor_attn, 4, 0);
    assert_rel(g->seed_profile.reasoning_factor, 1.0, 0);
    assert_rel(o1->seed_profile.num_active_params, 70e9, 0);
    assert_rel(o1->seed_profile.num_layers, 80, 0);
    assert_rel(o1->seed_profile.num_attn_heads, 64, 0);
    assert_rel(o1->seed_profile.attn_head_dim, 128, 0);
    assert_rel(o1->seed_profile.hidden_dim, 8192, 0);
    assert_rel(o1->seed_profile.reasoning_factor, 3.0, 0);
    assert_rel(o3->seed_profile.num_active_params, 7.3e9, 0);
    assert_rel(o3->seed_profile.num_layers, 32, 0);
    assert_rel(o3->seed_profile.num_attn_heads, 32, 0);
    assert_rel(o3->seed_profile.attn_head_dim, 128, 0);
    assert_rel(o3->seed_profile.hidden_dim, 4096, 0);
    assert_rel(o3->seed_profile.reasoning_factor, 2.0, 0);
    /* integer architectures follow the seed's analogues */
    assert_int_equal(g->layers, 77);
    assert_int_equal(o1->layers, 80);
    assert_int_equal(o1->hidden_size, 8192);
    assert_int_equal(o3->layers, 32);
    assert_int_equal(o3->hidden_size, 4096);
    lw_param_counts p;
    assert_int_equal(lw_model_params(g, &p, NULL), LW_OK);
    assert_rel(p.active, 100e9, 0.01); /* the approximation is sized to ~100B active */
    lw_catalogue_free(cat);
}

static void expect_resolves(const lw_catalogue *cat, const char *query, const char *name)
{
    const lw_model_arch *m = NULL;
    lw_err err;
    if (lw_catalogue_find_model(cat, query, &m, &err) != LW_OK)
        fail_msg("'%s' did not resolve: %s", query, lw_err_message(&err));
    if (strcmp(m->name, name) != 0)
        fail_msg("'%s' resolved to %s, expected %s", query, m->name, name);
}

static void test_name_resolution(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    expect_resolves(cat, "meta-llama/Llama-3.1-8B", "llama-3.1-8b");
    expect_resolves(cat, "meta-llama/Llama-3.1-8B-Instruct", "llama-3.1-8b");
    expect_resolves(cat, "meta-llama/Meta-Llama-3-8B-Instruct", "llama-3-8b");
    expect_resolves(cat, "meta-llama/Llama-3.2-1B-Instruct", "llama-3.2-1b");
    expect_resolves(cat, "LLAMA-3.1-70B", "llama-3.1-70b");
    expect_resolves(cat, "Qwen/Qwen3-235B-A22B-Instruct-2507-FP8", "qwen3-235b-a22b");
    expect_resolves(cat, "Qwen/Qwen3-30B-A3B-Thinking-2507", "qwen3-30b-a3b");
    expect_resolves(cat, "Qwen/Qwen2.5-72B-Instruct", "qwen2.5-72b");
    expect_resolves(cat, "google/gemma-2-9b-it", "gemma-2-9b");
    expect_resolves(cat, "google/gemma-3-27b-it", "gemma-3-27b");
    expect_resolves(cat, "meta-llama/Llama-2-13b-chat-hf", "llama-2-13b");
    expect_resolves(cat, "mistralai/Mistral-7B-Instruct-v0.1", "mistral-7b");
    expect_resolves(cat, "mistralai/Mixtral-8x22B-Instruct-v0.1", "mixtral-8x22b");
    expect_resolves(cat, "meta-llama/Llama-4-Scout-17B-16E-Instruct", "llama-4-scout");
    expect_resolves(cat, "meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8", "llama-4-maverick");
    expect_resolves(cat, "deepseek-ai/DeepSeek-V3-0324", "deepseek-v3");
    expect_resolves(cat, "deepseek-ai/DeepSeek-R1-0528", "deepseek-r1");
    expect_resolves(cat, "DeepSeek-V3.2-Exp", "deepseek-v3.2");
    expect_resolves(cat, "openai/gpt-oss-20b", "gpt-oss-20b");
    expect_resolves(cat, "microsoft/Phi-3-mini-4k-instruct", "phi-3-mini");
    expect_resolves(cat, "microsoft/phi-4", "phi-4");
    expect_resolves(cat, "lmsys/vicuna-13b-v1.5", "vicuna-13b");
    expect_resolves(cat, "GPT-4o", "gpt-4o");
    expect_resolves(cat, "o3-mini", "o3-mini");

    const lw_model_arch *m;
    lw_err err;
    assert_int_equal(lw_catalogue_find_model(cat, "qwen2.5-8b", &m, &err), LW_ERR_NOT_FOUND);
    assert_non_null(strstr(lw_err_message(&err), "unknown model 'qwen2.5-8b'"));
    assert_non_null(strstr(lw_err_message(&err), "qwen2.5-"));
    assert_int_equal(lw_catalogue_find_model(cat, "gemma-2-8b", &m, &err), LW_ERR_NOT_FOUND);
    assert_non_null(strstr(lw_err_message(&err), "closest: gemma-2-"));
    lw_catalogue_free(cat);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_model_within_2pct), cmocka_unit_test(test_published_counts),
        cmocka_unit_test(test_gpt_oss_exact),           cmocka_unit_test(test_gemma2_norms_exact),
        cmocka_unit_test(test_llama4_interleaved_shared), cmocka_unit_test(test_catalogue_hygiene),
        cmocka_unit_test(test_seed_proxies),            cmocka_unit_test(test_name_resolution),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
