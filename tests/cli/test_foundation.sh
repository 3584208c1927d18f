# CLI: catalogue listing, show, flops, and the bad-input paths of the foundation.
. "$(dirname "$0")/lib.sh"

run --version;                      expect_rc version 0; expect_out version-text '^llmwatt [0-9]+\.[0-9]+\.[0-9]+$'
run help;                           expect_rc help 0; expect_out help-lists-estimate '^  estimate '
run frobnicate;                     expect_rc unknown-command 2; expect_err unknown-command-msg "unknown command 'frobnicate'"
run flops --help;                   expect_rc flops-help 0; expect_out flops-help-text 'usage: llmwatt flops'
run help flops;                     expect_rc help-flops 0; expect_out help-flops-text 'usage: llmwatt flops'

run models;                         expect_rc models 0; expect_out models-llama 'llama-3.1-8b'
run models --json;                  expect_rc models-json 0; expect_json models-json-array 'len(d) > 0' True
run gpus;                           expect_rc gpus 0; expect_out gpus-h100 '^h100-sxm '
# NAME and VARIANT are separate, uncut columns (data/gpus.csv: "H100 NVL 94GB", "PCIe (NVL, dual-slot)")
expect_out gpus-header '^ID +NAME +BF16 TF/s +FP8 TF/s +MEM GB +BW GB/s +TDP W +NODE +YEAR +VARIANT$'
expect_out gpus-nvl-variant '^h100-nvl +H100 NVL 94GB +835\.5 +1670\.5 +94 +3900 +400 +4 +2023 +PCIe \(NVL, dual-slot\)$'
expect_out gpus-longest-name '^gh200 +GH200 \(Hopper GPU in Grace Hopper Superchip\) +989\.4 .* GH200 144GB HBM3e$'
# V100 has no bf16 (fp16 tensor cores only): '-' in the BF16 column, its fp16 peak in the note
expect_out gpus-v100-no-bf16 '^v100 +V100 32GB +- +0\.0 +32 '
expect_out gpus-fp16-note '^- : no bf16 tensor cores; fp16 TF/s: v100 125\.0, t4 65\.0\.$'
run show model meta-llama/Llama-3.1-8B-Instruct --json; expect_rc show-hf-id 0
expect_json show-name 'd["name"]' llama-3.1-8b
expect_json show-layers 'd["layers"]' 32
expect_json show-total 'd["total_params"]' 8030261248 1e-9
run show model LLAMA-3.1-8B;        expect_rc show-case-insensitive 0; expect_out show-source 'source +https://huggingface.co'
run show gpu h100 --json;           expect_rc show-gpu 0
expect_json show-gpu-id 'd["id"]' h100-sxm
expect_json show-gpu-bf16 'd["peak_flops"]["bf16"]' 989.4e12 1e-9
expect_json show-gpu-bw 'd["memory_bw_bytes_per_s"]' 3.35e12 1e-9
expect_json show-gpu-tdp 'd["tdp_w"]' 700
expect_json show-gpu-node 'd["process_node_nm"]' 4
run show gpu 'NVIDIA H100 80GB HBM3 (700 W)'; expect_rc show-gpu-long-name 0; expect_out show-gpu-long-name-id 'h100-sxm'

# flops: 2 * 6,979,321,856 layer matmul weights * 1000 prompt tokens (Llama-3.1-8B)
run flops --model llama-3.1-8b --input 1000 --output 500 --json; expect_rc flops-json 0
expect_json flops-prefill-dense 'd["prefill"]["flops_dense"]' 13958643712000 1e-12
expect_json flops-decode-steps 'd["decode"]["steps"]' 500

# bad input: one line, documented exit code
run flops --model llama-3.1-8b --input 10 --output 10 --frob;  expect_rc bad-flag 2;  expect_err bad-flag-msg "unknown option '--frob'"
run flops --model llama-3.1-8b --input;                         expect_rc missing-value 2; expect_err missing-value-msg "'--input' needs a value"
run flops --model llama-3.1-8b --input -5 --output 1;           expect_rc negative-tokens 2; expect_err negative-tokens-msg "--input expects a whole number of tokens >= 0, got '-5'"
run flops --model llama-3.1-8b --input abc --output 1;          expect_rc nonnumeric-tokens 2; expect_err nonnumeric-tokens-msg "--input expects a whole number of tokens >= 0, got 'abc'"
# a request has whole tokens: fractions are a usage error naming the option, in every command using cli_tokens
run flops --model llama-3.1-8b --input 1.5 --output 1;          expect_rc fractional-tokens 2; expect_err fractional-tokens-msg "^llmwatt flops: --input expects a whole number of tokens \(one request\), got '1.5'"
run flops --model llama-3.1-8b --input 10 --output 2.25;        expect_rc fractional-output 2; expect_err fractional-output-msg "--output expects a whole number of tokens \(one request\), got '2.25'"
run flops --model llama-3.1-8b --input 1 --output 1 --reasoning 0.5; expect_rc fractional-reasoning 2; expect_err fractional-reasoning-msg "--reasoning expects a whole number"
run estimate --model llama-3.1-8b --gpu h100 --input 100.5 --output 10; expect_rc fractional-estimate 2; expect_err fractional-estimate-msg "^llmwatt estimate: --input expects a whole number of tokens"
run sweep --model llama-3.1-8b --gpu h100 --batch 1,2 --input 3.5 --output 10; expect_rc fractional-sweep 2; expect_err fractional-sweep-msg "--input expects a whole number of tokens"
run measure --tokens 7.5 --power-file /nonexistent; expect_rc fractional-measure 2; expect_err fractional-measure-msg "^llmwatt measure: --tokens expects a whole number of tokens"
# whole numbers still pass, written any way strtod reads them: 1e3 = 1000 input tokens -> 2 * 6,979,321,856 * 1000
run flops --model llama-3.1-8b --input 1e3 --output 0 --json;   expect_rc whole-exponent 0
expect_json whole-exponent-flops 'd["prefill"]["flops_dense"]' $(python3 -c 'print(2*6979321856*1000)') 1e-9
run flops --model llama-3.1-8b --input 1 --output 1 --batch 0;  expect_rc batch-zero 2; expect_err batch-zero-msg "--batch must be between 1"
run flops --model llama-9b --input 1 --output 1;                expect_rc unknown-model 3; expect_err unknown-model-msg "unknown model 'llama-9b' \(closest: .*llama"
run flops --model llama-3.1-8b --input 1 --output 1 --gpu h900; expect_rc unknown-gpu 3; expect_err unknown-gpu-msg "unknown GPU 'h900' \(closest: .*h"
run flops --model llama-3.1-8b --input 1 --output 1 --precision fp7; expect_rc bad-precision 2; expect_err bad-precision-msg "unknown precision 'fp7'"
run flops --model deepseek-v3 --input 1000 --output 1000 --gpu h100 --gpus 8; expect_rc does-not-fit 5; expect_out does-not-fit-msg 'does not fit'
run show model;                     expect_rc show-missing-name 2; expect_err show-missing-name-msg "missing the model name"
run models --catalogue /nonexistent.json; expect_rc bad-catalogue 4; expect_err bad-catalogue-msg "cannot open '/nonexistent.json'"
echo '{"models": [{"name": "broken", "layers": 0}]}' >"$TMP/bad.json"
run models --catalogue "$TMP/bad.json"; expect_rc bad-catalogue-entry 4; expect_err bad-catalogue-entry-msg "layers must be > 0"
cat >"$TMP/extra.json" <<'JSON'
{"models": [{"name": "tiny-test", "family": "llama3", "layers": 2, "hidden_size": 64, "num_attention_heads": 4,
 "num_key_value_heads": 2, "head_dim": 16, "intermediate_size": 128, "vocab_size": 1000, "source": "test"}]}
JSON
LLMWATT_CATALOGUE="$TMP/extra.json" run show model tiny-test --json; expect_rc env-catalogue 0
# 2*64*1000 embed/head + 2 layers*(64*64 + 2*64*32 + 64*64 + 3*64*128) + norms 2*64*2 + 64
expect_json env-catalogue-total 'd["total_params"]' $((2*64*1000 + 2*(64*64 + 2*64*32 + 64*64 + 3*64*128) + 2*64*2 + 64))
finish
