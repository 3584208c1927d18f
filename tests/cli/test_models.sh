# CLI: model catalogue listing, name resolution and Hugging Face config.json import (--model-config).
. "$(dirname "$0")/lib.sh"
HF="${LW_TEST_DATA:-tests/data}/hf"

run models --json;                  expect_rc models-json 0
expect_json models-count 'len(d) >= 45' True
expect_json models-all-within-2pct 'all(abs(m["total_params"]/m["official_total_params"]-1) < 0.02 for m in d if "official_total_params" in m)' True
run show model Qwen/Qwen3-235B-A22B-Instruct-2507-FP8 --json; expect_rc show-qwen3-fp8 0
expect_json show-qwen3-fp8-name 'd["name"]' qwen3-235b-a22b
run show model google/gemma-2-9b-it --json; expect_rc show-gemma-it 0
expect_json show-gemma-it-name 'd["name"]' gemma-2-9b
# Gemma 2 report Table 2: 917,962,752 embedding + 8,324,201,984 non-embedding (tied)
expect_json show-gemma-total 'd["total_params"]' $((917962752 + 8324201984)) 0.001
run show model o1 --json;           expect_rc show-o1 0
expect_json show-o1-proxy 'd["is_proxy"]' True
expect_json show-o1-reasoning 'd["seed_profile"]["reasoning_factor"]' 3
run show model qwen2.5-8b;          expect_rc unknown-model 3; expect_err unknown-model-msg "unknown model 'qwen2.5-8b' \(closest: qwen2.5-"

# --model-config: real config.json files
run show model --model-config "$HF/llama-3.1-8b/config.json" --json; expect_rc config-llama 0
expect_json config-llama-name 'd["name"]' config:llama
expect_json config-llama-family 'd["family"]' llama3
expect_json config-llama-layers 'd["layers"]' 32
expect_json config-llama-kv 'd["num_key_value_heads"]' 8
# Llama-3.1-8B: 8,030,261,248 parameters (arithmetic in tests/unit/test_accounting.c)
expect_json config-llama-total 'd["total_params"]' 8030261248 1e-12
run show model --model-config "$HF/deepseek-r1/config.json" --json; expect_rc config-deepseek 0
expect_json config-deepseek-experts 'd["num_experts"]' 256
expect_json config-deepseek-kv-lora 'd["kv_lora_rank"]' 512
expect_json config-deepseek-precision 'd["native_precision"]' fp8
expect_json config-deepseek-total 'd["total_params"]' 671e9 0.02
run show model --model-config "$HF/gemma-2-2b-it/config.json"; expect_rc config-gemma-text 0
expect_out config-gemma-window 'sliding window +4096 tokens on 13 of 26 layers'
# Mixtral-8x7B prefill: 32 layers x (attention 41,943,040 + 2 experts x 176,160,768 + router 4096*8)
#   = 12,617,515,008 matmul weights per token; x 2 FLOPs x 1000 tokens
run flops --model-config "$HF/mixtral-8x7b/config.json" --input 1000 --output 100 --json; expect_rc flops-config 0
expect_json flops-config-dense 'd["prefill"]["flops_dense"]' $((2 * 32 * (41943040 + 2 * 176160768 + 32768) * 1000)) 1e-12
expect_json flops-config-model 'd["model"]' config:mixtral

# --model-config errors: one line, documented exit code
run show model --model-config /nonexistent/config.json; expect_rc config-missing 3
expect_err config-missing-msg "^llmwatt show: --model-config: /nonexistent/config.json: no such file"
run show model --model-config "$HF/qwen3-8b"; expect_rc config-dir 4
expect_err config-dir-msg "is a directory: give the config.json inside it"
echo 'model_type = llama' >"$TMP/notjson.json"
run flops --model-config "$TMP/notjson.json" --input 1 --output 1; expect_rc config-notjson 4
expect_err config-notjson-msg "^llmwatt flops: --model-config: .*notjson.json: not valid JSON \(line 1"
echo '{"model_type": "bert", "hidden_size": 768}' >"$TMP/bert.json"
run flops --model-config "$TMP/bert.json" --input 1 --output 1; expect_rc config-unsupported 5
expect_err config-unsupported-msg "model_type 'bert' is not supported \(supported: llama, mistral, mixtral, qwen2"
# an absent key takes transformers' class default (Qwen2Config intermediate_size=22016), and says so
echo '{"model_type": "qwen2", "hidden_size": 896, "num_hidden_layers": 24, "num_attention_heads": 14, "num_key_value_heads": 2, "vocab_size": 151936}' >"$TMP/nointer.json"
run show model --model-config "$TMP/nointer.json"; expect_rc config-default-field 0
expect_out config-default-field-value "^ffn +gated \(3 matrices\), intermediate 22016$"
expect_out config-default-field-source "transformers defaults for absent keys: intermediate_size=22016"
# Gemma 3 (google/gemma-3-27b-it shape): no vocab_size, Gemma3TextConfig's 262208 applies
cat >"$TMP/gemma3.json" <<'JSON'
{"architectures": ["Gemma3ForConditionalGeneration"], "model_type": "gemma3", "torch_dtype": "bfloat16",
 "text_config": {"head_dim": 128, "hidden_size": 5376, "intermediate_size": 21504, "model_type": "gemma3_text",
  "num_attention_heads": 32, "num_hidden_layers": 62, "num_key_value_heads": 16, "query_pre_attn_scalar": 168,
  "rope_scaling": {"factor": 8.0, "rope_type": "linear"}, "sliding_window": 1024}}
JSON
run show model --model-config "$TMP/gemma3.json"; expect_rc config-gemma3 0
expect_out config-gemma3-vocab "^vocab +262208 \(tied embeddings\)$"
expect_out config-gemma3-window "^sliding window +1024 tokens on 52 of 62 layers$"
echo '{"model_type": "qwen2", "intermediate_size": "large"}' >"$TMP/badinter.json"
run show model --model-config "$TMP/badinter.json" --json; expect_rc config-bad-field 4
expect_err config-bad-field-msg "field \"intermediate_size\" must be a non-negative integer"
run flops --model-config "$HF/mixtral-8x7b/config.json" --model mixtral-8x7b --input 1 --output 1; expect_rc config-and-model 2
expect_err config-and-model-msg "give either --model or --model-config, not both"
run show gpu --model-config "$HF/mixtral-8x7b/config.json"; expect_rc config-gpu 2
expect_err config-gpu-msg "--model-config goes with 'show model'"
run flops --input 1 --output 1 --model-config; expect_rc config-no-value 2
expect_err config-no-value-msg "'--model-config' needs a value"
finish
