/* Accounting against hand-worked arithmetic (Llama-3.1-8B architecture from its config.json). */
#include <string.h>

#include "testutil.h"

/* Llama-3.1-8B: 32 layers, hidden 4096, 32 heads, 8 KV heads, head dim 128, FFN 14336, vocab 128256.
 * Per layer: q 4096*4096 + k,v 2*4096*1024 + o 4096*4096 = 41,943,040; FFN 3*4096*14336 = 176,160,768.
 * Layer matmuls per token: 32 * 218,103,808 = 6,979,321,856. */
static const double LLAMA8B_MATMUL = 6979321856.0;

static void test_llama8b_params(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    lw_param_counts p;
    assert_int_equal(lw_model_params(lw_test_model(cat, "llama-3.1-8b"), &p, NULL), LW_OK);
    /* embed 525,336,576 x2 (untied) + attn 1,342,177,280 + norms 266,240 + FFN 5,637,144,576 */
    assert_rel(p.total, 8030261248.0, 1e-12);
    assert_rel(p.active, p.total, 1e-12);
    assert_rel(p.matmul_active, LLAMA8B_MATMUL, 1e-12);
    lw_catalogue_free(cat);
}

static void test_llama8b_prefill_decode(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    lw_workload w = lw_workload_default();
    w.input_tokens = 1000;
    w.output_tokens = 500;
    lw_accounting a;
    assert_int_equal(lw_account(lw_test_model(cat, "llama-3.1-8b"), &w, &a, NULL), LW_OK);
    /* prefill dense: 2 * 6,979,321,856 * 1000 */
    assert_rel(a.prefill.flops_dense, 2.0 * LLAMA8B_MATMUL * 1000, 1e-12);
    /* causal attention: 32 layers * (1000*1001/2 = 500,500) pairs * 4*32*128 = 16,384 FLOPs per pair */
    assert_rel(a.prefill.flops_attention, 32.0 * 500500.0 * 16384.0, 1e-12);
    /* logits for the last position only: 2 * 4096 * 128256 */
    assert_rel(a.prefill.flops_lm_head, 1050673152.0, 1e-12);
    /* decode: 500 steps; context sum 500*1000 + 500*501/2 = 625,250 */
    assert_rel(a.decode.flops_dense, 2.0 * LLAMA8B_MATMUL * 500, 1e-12);
    assert_rel(a.decode.flops_attention, 32.0 * 625250.0 * 16384.0, 1e-12);
    assert_rel(a.decode.flops_lm_head, 1050673152.0 * 500, 1e-12);
    /* weights per step, bf16: (8,030,261,248 - 525,336,576 embedding rows not read) * 2 bytes */
    assert_rel(a.decode.bytes_weights, 500.0 * 15009849344.0, 1e-12);
    /* KV per token per layer: 2 (K,V) * 8 heads * 128 * 2 bytes = 4096; read over the context sum */
    assert_rel(a.kv_bytes_per_token, 131072.0, 1e-12);
    assert_rel(a.decode.bytes_kv_read, 4096.0 * 32 * 625250.0, 1e-12);
    assert_rel(a.decode.bytes_kv_write, 500.0 * 131072.0, 1e-12);
    /* peak KV cache: 1500 tokens * 131072 bytes */
    assert_rel(a.kv_cache_bytes_peak, 1500.0 * 131072.0, 1e-12);
    lw_catalogue_free(cat);
}

static void test_reasoning_counts_as_decode(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    const lw_model_arch *m = lw_test_model(cat, "llama-3.1-8b");
    lw_workload a = lw_workload_default(), b = lw_workload_default();
    a.input_tokens = b.input_tokens = 200;
    a.output_tokens = 300;
    b.output_tokens = 100;
    b.reasoning_tokens = 200;
    lw_accounting x, y;
    assert_int_equal(lw_account(m, &a, &x, NULL), LW_OK);
    assert_int_equal(lw_account(m, &b, &y, NULL), LW_OK);
    assert_rel(y.decode.flops_total, x.decode.flops_total, 1e-12);
    assert_rel(y.decode.steps, 300, 0);
    lw_catalogue_free(cat);
}

static void test_batch_shares_weights(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    const lw_model_arch *m = lw_test_model(cat, "llama-3.1-8b");
    lw_workload w = lw_workload_default();
    w.input_tokens = 100;
    w.output_tokens = 10;
    lw_accounting one, eight;
    assert_int_equal(lw_account(m, &w, &one, NULL), LW_OK);
    w.batch = 8;
    assert_int_equal(lw_account(m, &w, &eight, NULL), LW_OK);
    /* dense weights are read once per step whatever the batch; FLOPs scale with it */
    assert_rel(eight.decode.bytes_weights, one.decode.bytes_weights, 1e-12);
    assert_rel(eight.decode.flops_dense, 8 * one.decode.flops_dense, 1e-12);
    assert_rel(eight.decode.bytes_kv_read, 8 * one.decode.bytes_kv_read, 1e-12);
    lw_catalogue_free(cat);
}

static void test_experts_touched(void **state)
{
    (void)state;
    assert_rel(lw_experts_touched(8, 2, 1), 2.0, 1e-12);
    /* 8 * (1 - 0.75^4) = 8 * 0.68359375 */
    assert_rel(lw_experts_touched(8, 2, 4), 5.46875, 1e-12);
    assert_rel(lw_experts_touched(256, 8, 1e6), 256.0, 1e-9);
    assert_rel(lw_experts_touched(0, 0, 10), 0.0, 0);
}

static void test_context_sum(void **state)
{
    (void)state;
    /* uncapped: n*c0 + n(n+1)/2 */
    assert_rel(lw_context_sum(1000, 500, 0), 625250.0, 1e-12);
    /* window 1024 from context 1000: 24 steps grow (24*1000 + 24*25/2 = 24,300), 476 at 1024 */
    assert_rel(lw_context_sum(1000, 500, 1024), 24300.0 + 476.0 * 1024, 1e-12);
    /* window already full */
    assert_rel(lw_context_sum(5000, 10, 4096), 40960.0, 1e-12);
    assert_rel(lw_context_sum(0, 0, 0), 0.0, 0);
}

static void test_mla_kv_cache(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    /* DeepSeek-V3 MLA caches kv_lora_rank + rope dim = 512 + 64 = 576 values per layer, 61 layers, bf16 */
    assert_rel(lw_model_kv_bytes_per_token(lw_test_model(cat, "deepseek-v3"), 2.0), 576.0 * 61 * 2, 1e-12);
    lw_catalogue_free(cat);
}

static void test_bad_workload(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    const lw_model_arch *m = lw_test_model(cat, "llama-3.1-8b");
    lw_workload w = lw_workload_default();
    lw_accounting a;
    lw_err err;
    w.input_tokens = -1;
    assert_int_equal(lw_account(m, &w, &a, &err), LW_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(lw_err_message(&err), "input tokens"));
    w.input_tokens = 1;
    w.batch = 0;
    assert_int_equal(lw_account(m, &w, &a, &err), LW_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(lw_err_message(&err), "batch"));
    lw_catalogue_free(cat);
}

static void test_fit(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    lw_workload w = lw_workload_default();
    w.input_tokens = 1000;
    w.output_tokens = 1000;
    lw_accounting a;
    lw_err err;
    /* DeepSeek-V3 at fp8: 671 GB of weights; 8 x 80 GB x 0.9 = 576 GB does not hold it, 8 x 141 GB does */
    w.weight_precision = LW_PREC_FP8;
    assert_int_equal(lw_account(lw_test_model(cat, "deepseek-v3"), &w, &a, NULL), LW_OK);
    assert_int_equal(lw_check_fit(&a, lw_test_gpu(cat, "h100-sxm"), 8, 0.9, &err), LW_ERR_INFEASIBLE);
    assert_non_null(strstr(lw_err_message(&err), "does not fit"));
    assert_int_equal(lw_check_fit(&a, lw_test_gpu(cat, "h200"), 8, 0.9, &err), LW_OK);
    assert_int_equal(lw_check_fit(&a, lw_test_gpu(cat, "h200"), 0, 0.9, &err), LW_ERR_INFEASIBLE);
    lw_catalogue_free(cat);
}

/* Llama-2-7B (no GQA) at batch 64 on one A100-40GB, 1024 in / 1024 out, 16-bit weights and KV:
 * params: embed 2 x 32000 x 4096 = 262,144,000; per layer attn 4 x 4096^2 = 67,108,864 + FFN
 * 3 x 4096 x 11008 = 135,266,304, x 32 = 6,476,005,376; norms 65 x 4096 = 266,240 -> 6,738,415,616
 * -> 13,476,831,232 B. Usable 40e9 x 0.9 = 36e9; KV budget 22,523,168,768 B. KV per token
 * 32 x 2 x 32 x 128 x 2 = 524,288 B; a running request holds 1024 + 512 tokens = 805,306,368 B
 * -> 27.968 requests: effective batch 27. One request at 2048 tokens: 1,073,741,824 B. */
static void test_memory_plan_llama2(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    const lw_model_arch *m = lw_test_model(cat, "llama-2-7b");
    lw_param_counts p;
    assert_int_equal(lw_model_params(m, &p, NULL), LW_OK);
    lw_workload w = lw_workload_default();
    w.input_tokens = 1024;
    w.output_tokens = 1024;
    w.batch = 64;
    w.weight_precision = LW_PREC_FP16;
    lw_memory_plan mp;
    assert_int_equal(lw_memory_plan_compute(m, &p, lw_test_gpu(cat, "a100-40gb"), 1, 1, 0.9, &w, &mp, NULL), LW_OK);
    assert_rel(mp.weight_bytes, 13476831232.0, 1e-12);
    assert_rel(mp.usable_bytes, 36e9, 1e-12);
    assert_rel(mp.kv_budget_bytes, 36e9 - 13476831232.0, 1e-12);
    assert_rel(mp.kv_request_avg_bytes, 805306368.0, 1e-12);
    assert_rel(mp.kv_request_peak_bytes, 1073741824.0, 1e-12);
    assert_rel(mp.max_concurrency, (36e9 - 13476831232.0) / 805306368.0, 1e-12);
    assert_int_equal(mp.effective_batch, 27);
    /* a batch the cache holds is kept; reasoning tokens count like output (512 + 512 -> 1024 + 512 resident) */
    w.batch = 16;
    w.output_tokens = 512;
    w.reasoning_tokens = 512;
    assert_int_equal(lw_memory_plan_compute(m, &p, lw_test_gpu(cat, "a100-40gb"), 1, 1, 0.9, &w, &mp, NULL), LW_OK);
    assert_int_equal(mp.effective_batch, 16);
    assert_rel(mp.kv_request_avg_bytes, 805306368.0, 1e-12);
    lw_catalogue_free(cat);
}

/* Refusals: weights alone (Llama-3.1-70B, 141 GB > 72 GB) and one request at its full context
 * (Llama-3.1-8B on one H100: 72e9 - 16,060,522,496 B of weights = 55.94 GB of KV at 131,072 B per
 * token holds 426,790 tokens; 500,000 do not fit). */
static void test_memory_plan_refusals(void **state)
{
    (void)state;
    lw_catalogue *cat = lw_test_catalogue();
    lw_param_counts p;
    lw_workload w = lw_workload_default();
    lw_memory_plan mp;
    lw_err err;
    const lw_model_arch *big = lw_test_model(cat, "llama-3.1-70b");
    assert_int_equal(lw_model_params(big, &p, NULL), LW_OK);
    w.input_tokens = 10;
    assert_int_equal(lw_memory_plan_compute(big, &p, lw_test_gpu(cat, "h100"), 1, 1, 0.9, &w, &mp, &err), LW_ERR_INFEASIBLE);
    assert_non_null(strstr(lw_err_message(&err), "the weights alone need 141.1 GB"));
    assert_non_null(strstr(lw_err_message(&err), "use --gpus 2 or more"));
    const lw_model_arch *m = lw_test_model(cat, "llama-3.1-8b");
    assert_int_equal(lw_model_params(m, &p, NULL), LW_OK);
    w.input_tokens = 426000;
    assert_int_equal(lw_memory_plan_compute(m, &p, lw_test_gpu(cat, "h100"), 1, 1, 0.9, &w, &mp, &err), LW_OK);
    assert_int_equal(mp.effective_batch, 1);
    w.input_tokens = 500000;
    assert_int_equal(lw_memory_plan_compute(m, &p, lw_test_gpu(cat, "h100"), 1, 1, 0.9, &w, &mp, &err), LW_ERR_INFEASIBLE);
    assert_non_null(strstr(lw_err_message(&err), "one request at its full context (500000 tokens) needs 65.5 GB"));
    lw_catalogue_free(cat);
}

/* KV bytes with sliding windows and replication under tensor parallelism (hand-made records). */
static void test_kv_window_replication(void **state)
{
    (void)state;
    lw_model_arch m;
    memset(&m, 0, sizeof m);
    m.layers = 6;
    m.num_key_value_heads = 2;
    m.head_dim = 128;
    m.sliding_window = 1024;
    m.sliding_window_layers = 5;
    /* 2 x 2 x 128 x 2 B = 1024 B per layer and token; 1 x 4000 + 5 x 1024 = 9120 layer-tokens */
    assert_rel(lw_kv_bytes_at(&m, 2.0, 4000), 9338880.0, 1e-12);
    /* below the window every layer holds the whole context: 6 x 500 x 1024 */
    assert_rel(lw_kv_bytes_at(&m, 2.0, 500), 3072000.0, 1e-12);
    assert_rel(lw_kv_replication(&m, 1), 1.0, 0);
    assert_rel(lw_kv_replication(&m, 2), 1.0, 0);
    assert_rel(lw_kv_replication(&m, 8), 4.0, 0); /* 2 heads on 8 GPUs: each head on 4 */
    m.num_key_value_heads = 4;
    assert_rel(lw_kv_replication(&m, 8), 2.0, 0); /* Qwen3-235B's 4 KV heads on 8 GPUs */
    m.kv_lora_rank = 512;
    assert_rel(lw_kv_replication(&m, 8), 8.0, 0); /* a latent cache is held whole by every GPU */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_llama8b_params),   cmocka_unit_test(test_llama8b_prefill_decode),
        cmocka_unit_test(test_reasoning_counts_as_decode), cmocka_unit_test(test_batch_shares_weights),
        cmocka_unit_test(test_experts_touched),  cmocka_unit_test(test_context_sum),
        cmocka_unit_test(test_mla_kv_cache),     cmocka_unit_test(test_bad_workload),
        cmocka_unit_test(test_fit),              cmocka_unit_test(test_memory_plan_llama2),
        cmocka_unit_test(test_memory_plan_refusals), cmocka_unit_test(test_kv_window_replication),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
