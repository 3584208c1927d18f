# CLI: estimate, validate, calibrate, sweep and their bad-input paths.
. "$(dirname "$0")/lib.sh"
DATA=${LW_TEST_DATA:-$(dirname "$0")/../data}

run estimate --help;  expect_rc estimate-help 0; expect_out estimate-help-text 'usage: llmwatt estimate'
run estimate --model llama-3.1-8b --gpu h100 --input 1000 --output 500 --json; expect_rc estimate-json 0
expect_json estimate-method 'd["method"]' roofline
expect_json estimate-gpu 'd["gpu"]' h100-sxm
expect_json estimate-keys 'all(k in d for k in ["model","gpus","batch","prefill_j","decode_j"])' True
expect_json estimate-band 'd["energy_per_request_j"]["low"] < d["energy_per_request_j"]["expected"] < d["energy_per_request_j"]["high"]' True
# per token = per request / 500 output tokens; prefill + decode = per request
expect_json estimate-per-token 'd["energy_per_output_token_j"]["expected"] * 500 / d["energy_per_request_j"]["expected"]' 1 1e-12
expect_json estimate-sum 'd["prefill_j"] + d["decode_j"]' "$(python3 -c "import json;d=json.load(open('$OUT'));print(d['energy_per_request_j']['expected'])")" 1e-12
run estimate --model llama-3.1-8b --gpu h100 --input 1000 --output 500 --pue 1.2 --json; expect_rc estimate-pue 0
expect_json estimate-facility 'd["facility_energy_per_request_j"] / d["energy_per_request_j"]["expected"]' 1.2 1e-12
# --pue takes cost's names everywhere: aws is 1.15 (AWS global PUE 2024, catalogue cost.pue.aws)
run estimate --model llama-3.1-8b --gpu h100 --input 1000 --output 500 --pue aws --json; expect_rc estimate-pue-name 0
expect_json estimate-pue-name-value 'd["pue"]' 1.15 1e-12
run estimate --model llama-3.1-8b --gpu h100 --input 1000 --output 500 --pue mars; expect_rc estimate-pue-unknown 3
expect_err estimate-pue-unknown-msg "--pue: unknown name 'mars'"
run sweep --model llama-3.1-8b --gpu h100 --input 1000 --output 500 --batch 1,2 --pue 0.5; expect_rc sweep-pue-range 2
run estimate --model llama-3.1-8b --gpu h100 --input 1000 --output 500; expect_rc estimate-table 0
expect_out estimate-table-total '^total '
expect_out estimate-table-sources '^sources: fitted to'

# seed 003, 1000 in / 500 out on Llama-3.1-70B: 0.12 Wh prefill + 0.30 Wh decode (estimator-landscape.md section 16)
run estimate --model llama-3.1-70b --gpu h100 --gpus 2 --input 1000 --output 500 --method llm-bench --json
expect_rc llm-bench 0
expect_json llm-bench-wh 'd["energy_per_request_j"]["expected"] / 3600' 0.42 0.05
expect_json llm-bench-warns 'any("one GPU" in w for w in d["warnings"])' True
# seed 001 o1 on H100, 1024 in / 256 out, quadratic: 206.83 + 585.80 J (tests/unit/test_seed_methods.c)
run estimate --catalogue "$DATA/estimate/seed_profiles.json" --model o1 --gpu h100 --gpus 2 --input 1024 --output 256 --method profile --json
expect_rc profile-o1 0
expect_json profile-o1-total 'd["energy_per_request_j"]["expected"]' 792.63 1e-4

# bad input: message and exit code
run estimate --model llama-3.1-70b --gpu h100 --input 1000 --output 500
expect_rc does-not-fit 5; expect_err does-not-fit-msg 'does not fit: .* use --gpus 2 or more'
run estimate --model llama-3.1-8b --gpu h100 --input 10 --output 10 --gpus 0
expect_rc zero-gpus 2; expect_err zero-gpus-msg '--gpus must be between 1'
run estimate --model llama-3.1-8b --gpu h100 --input 10 --output 10 --batch 0
expect_rc batch-zero 2; expect_err batch-zero-msg '--batch must be between 1'
run estimate --model llama-3.1-8b --gpu a100 --input 10 --output 10 --precision fp8 --json
expect_rc fp8-on-a100 0; expect_json fp8-on-a100-warning 'any("no fp8 tensor cores" in w for w in d["warnings"])' True
run estimate --model llama-3.1-8b --gpu h100 --input 10 --output 10 --method magic
expect_rc bad-method 2; expect_err bad-method-msg "unknown method 'magic'"
run estimate --model llama-3.1-8b --gpu h100 --input 10
expect_rc missing-output 2; expect_err missing-output-msg 'missing --input and/or --output'
run estimate --model llama-3.1-8b --input 10 --output 10
expect_rc missing-gpu 2; expect_err missing-gpu-msg 'missing --gpu'
run estimate --model llama-3.1-8b --gpu h100 --input 10 --output 10 --attention cubic
expect_rc bad-attention 2; expect_err bad-attention-msg '--attention expects quadratic or linear'
run estimate --model llama-3.1-8b --gpu h100 --input 10 --output 10 --pue 0.5
expect_rc bad-pue 2

# validate: the shipped points, roofline on GPU-only rows
run validate --method roofline --json; expect_rc validate 0
expect_json validate-rows 'd["roofline"]["gpu_only"]["rows"]' 37
expect_json validate-inside 'd["roofline"]["gpu_only"]["inside_band_share"] >= 0.8' True
expect_json validate-median 'd["roofline"]["weighted"]["median_abs_pct"] <= 25' True
# (a 5-row fixture: a leave-out run over the 37 shipped rows refits every family several times)
run validate "$DATA/calibration/fidelity_points.csv" --method roofline --leave-out gpu
expect_rc validate-leave-out 0; expect_out validate-leave-out-text 'leave-one-gpu-out'
run validate /nonexistent.csv; expect_rc validate-missing-file 4; expect_err validate-missing-file-msg "cannot open '/nonexistent.csv'"
run validate --leave-out family; expect_rc validate-bad-leave-out 2
printf 'row_id,model\n1,x\n' >"$TMP/bad.csv"
run validate "$TMP/bad.csv"; expect_rc validate-bad-csv 4; expect_err validate-bad-csv-msg "missing column"

# calibrate: deterministic, writes the file atomically, and the shipped file matches a refit
run calibrate --output "$TMP/r1.json" --date 2026-01-01; expect_rc calibrate 0
run calibrate --json --date 2026-01-01; expect_rc calibrate-json 0
if cmp -s "$OUT" <(cat "$TMP/r1.json"); then ok calibrate-deterministic; else bad calibrate-deterministic "stdout differs from --output"; fi
expect_json calibrate-families 'len(d["families"]) >= 2' True
run calibrate --output /nonexistent-dir/x.json; expect_rc calibrate-bad-output 4; expect_err calibrate-bad-output-msg "cannot write"
run calibrate --date 2026-13-01; expect_rc calibrate-bad-date 2

# sweep
run sweep --model llama-3.1-8b --gpu h100 --input 1000 --output 500 --batch 1..16*2 --csv; expect_rc sweep-csv 0
if [ "$(grep -c ',ok$' "$OUT")" -eq 5 ]; then ok sweep-rows; else bad sweep-rows "expected 5 rows: $(cat "$OUT")"; fi
# 70.6 B parameters in bf16 are about 141 GB: no batch fits one 80 GB H100, so the sweep exits 5
run sweep --model llama-3.1-70b --gpu h100 --gpus 1 --input 1000 --output 100 --batch 1,2
expect_rc sweep-none-fits 5; expect_err sweep-none-fits-msg 'no swept configuration fits in memory \(2 tried\)'
expect_out sweep-none-fits-table '^ +2  does not fit in 1 x h100-sxm$'
run sweep --model llama-3.1-8b --gpu h100 --input 1000 --output 500 --batch 1,8,64 --plot "$TMP/s.png"; expect_rc sweep-plot 0
if [ "$(head -c 4 "$TMP/s.png" | od -An -c | tr -d ' ')" = "211PNG" ]; then ok sweep-png; else bad sweep-png "not a PNG"; fi
run sweep --model llama-3.1-8b --gpu h100 --input 1000 --output 500 --precision bf16,fp8 --plot "$TMP/p.svg"; expect_rc sweep-svg 0
if grep -q '<svg' "$TMP/p.svg"; then ok sweep-svg-file; else bad sweep-svg-file "no svg"; fi
run sweep --model llama-3.1-8b --gpu h100 --input 1000 --output 500 --batch 1..8*2 --plot "$TMP/x.pdf"
expect_rc sweep-bad-plot 2; expect_err sweep-bad-plot-msg 'must end in .svg or .png'
run sweep --model llama-3.1-8b --gpu h100 --input 1000 --output 500 --batch 1..8
expect_rc sweep-bad-range 2; expect_err sweep-bad-range-msg 'a range needs a step'
run sweep --model llama-3.1-8b --gpu h100 --input 1,2 --output 500 --batch 1..8*2
expect_rc sweep-two-lists 2; expect_err sweep-two-lists-msg 'one input at a time'
run sweep --model llama-3.1-70b --gpu h100 --input 1000 --output 500 --gpus 1,2,4 --csv; expect_rc sweep-gpus 0
expect_out sweep-gpus-nofit '^1,.*does not fit'
# 16-bit math on GPUs without bf16 (V100): costed at the fp16 peak, said once; fp16 itself needs no warning
run estimate --model llama-3.1-8b --gpu v100 --precision bf16 --input 100 --output 100
expect_rc v100-bf16 0; expect_out v100-bf16-warning 'warning: v100 has no bf16 tensor cores: compute costed at its fp16 peak'
run estimate --model llama-3.1-8b --gpu h100 --precision fp16 --input 100 --output 100
if grep -q 'tensor cores' "$OUT"; then bad h100-fp16-no-warning "unexpected precision warning"; else ok h100-fp16-no-warning; fi
# --attention is the profile method's; the roofline refuses it rather than ignoring it
run estimate --model llama-3.1-8b --gpu h100 --input 10 --output 10 --attention linear
expect_rc attention-roofline 2; expect_err attention-roofline-msg '--attention applies to --method profile only'
# labels travel in the JSON (and into history)
run estimate --model llama-3.1-8b --gpu h100 --input 10 --output 10 --label workload=chat --json
expect_rc label 0; expect_json label-json 'd["labels"]["workload"]' chat
run estimate --model llama-3.1-8b --gpu h100 --input 10 --output 10 --label nokey
expect_rc label-bad 2; expect_err label-bad-msg "--label expects KEY=VALUE"
# a context beyond max_context (131072 for Llama-3.1) and heads that do not split are said
run estimate --model llama-3.1-8b --gpu h100 --gpus 8 --input 200000 --output 10 --json
expect_json context-warning 'any("exceed llama-3.1-8b" in x for x in d["warnings"])' True
run estimate --model llama-3.1-8b --gpu h100 --gpus 3 --input 100 --output 10 --json
expect_json heads-warning 'any("32 attention heads do not split evenly over 3 GPUs" in x for x in d["warnings"])' True
# zero output tokens: per-token energy is undefined (null), not 0
run estimate --model llama-3.1-8b --gpu h100 --input 100 --output 0 --json
expect_json no-output-null 'd["energy_per_output_token_j"]["expected"] is None' True
# Qwen3-30B-A3B fp8 prefill on 8 x H100 at batch 64: 3B active parameters per token against two
# expert-parallel all-to-alls in each of 48 MoE layers: the communication dominates
run estimate --model qwen3-30b-a3b --gpu h100 --gpus 8 --precision fp8 --batch 64 --input 2000 --output 500 --json
expect_json comm-bound 'd["prefill"]["bound"]' communication
expect_json comm-bound-times 'd["prefill"]["communication_time_s"] > max(d["prefill"]["compute_time_s"], d["prefill"]["memory_time_s"])' True
# issue 10: configurations vLLM/SGLang ran are no longer refused. Llama-2-7B (no GQA) at batch 64
# on an A100-40GB, 1024/1024: 22.52 GB of KV after 13.48 GB of weights holds 27.97 requests of
# 1536 resident tokens x 524,288 B (test_accounting.c): effective batch 27
run estimate --model llama-2-7b --gpu a100-40gb --batch 64 --input 1024 --output 1024 --json
expect_rc kv-capped 0; expect_json kv-capped-batch 'd["effective_batch"]' 27
expect_json kv-capped-warning 'any("effective batch 27 of 64" in x for x in d["warnings"])' True
expect_json kv-capped-concurrency 'd["memory"]["max_concurrency"]' 27.9681 1e-4
run estimate --model llama-2-7b --gpu a100-40gb --batch 64 --input 1024 --output 1024
expect_out kv-capped-text 'effective batch 27 \(capped\)'
run estimate --model llama-2-7b --gpu a100-40gb --batch 64 --input 1024 --output 1024 --strict-memory
expect_rc kv-strict 5; expect_err kv-strict-msg 'does not fit: needs 82.2 GB'
run estimate --model llama-2-7b --gpu a100-40gb --batch 64 --input 1024 --output 1024 --gpu-memory-utilization 0.5 --json
expect_json kv-gmu 'd["effective_batch"]' 8
run estimate --model llama-2-7b --gpu a100-40gb --input 10 --output 10 --gpu-memory-utilization 1.5
expect_rc kv-gmu-range 2; expect_err kv-gmu-range-msg '--gpu-memory-utilization must be between 0.05 and 1'
# Llama-3.1-405B fp8 at batch 256 on 8 x H100, 1000/367: 170 GB of KV holds 278 requests
run estimate --model llama-3.1-405b --gpu h100 --gpus 8 --batch 256 --input 1000 --output 367 --precision fp8 --json
expect_rc kv-405b 0; expect_json kv-405b-batch 'd["effective_batch"]' 256
run estimate --model gemma-3-27b --gpu h100 --batch 32 --input 4000 --output 1000 --json
expect_rc kv-gemma 0; expect_json kv-gemma-capped 'd["effective_batch"] < 32' True
# reasoning tokens by default for a record with a reasoning factor (o1: 3), --reasoning overrides
run estimate --model o1 --gpu h100 --gpus 2 --input 1024 --output 256 --json
expect_json o1-reasoning 'd["reasoning_tokens"]' 512
run estimate --model o1 --gpu h100 --gpus 2 --input 1024 --output 256 --reasoning 100 --json
expect_json o1-reasoning-override 'd["reasoning_tokens"]' 100
run estimate --model o1 --gpu h100 --gpus 2 --input 1024 --output 256
expect_out o1-reasoning-text "reasoning: 512 hidden tokens per request decoded from o1's reasoning factor 3"
# precision from the checkpoint's name: Qwen3-235B-A22B FP8 (235 GB of fp8 weights) runs on 4 x H100
run estimate --model Qwen/Qwen3-235B-A22B-Instruct-2507-FP8 --gpu h100 --gpus 4 --input 1000 --output 500 --json
expect_rc prec-name 0; expect_json prec-name-fp8 'd["weight_precision"]' fp8
expect_json prec-name-rule 'd["precision_rule"]' "fp8 from 'fp8' in the model name"
run estimate --model Qwen/Qwen3-235B-A22B-Instruct-2507-FP8 --gpu h100 --gpus 4 --input 1000 --output 500 --precision bf16
expect_rc prec-name-override 5
# sweep --gpu: purchase comparison side by side; Llama-2-7B at batch 64 on an A100-40GB is capped to 27
run sweep --model llama-3.1-70b --gpu a100,h100,b200 --gpus 4 --batch 64 --input 1000 --output 500 --csv
expect_rc sweep-gpu 0
if [ "$(grep -c ',ok$' "$OUT")" -eq 3 ]; then ok sweep-gpu-rows; else bad sweep-gpu-rows "expected 3 rows: $(cat "$OUT")"; fi
expect_out sweep-gpu-header '^gpu,.*effective_batch,weights_gb,kv_cache_gb,usd_per_million_tokens'
run sweep --model llama-2-7b --gpu a100-40gb,h100 --batch 64 --input 1024 --output 1024 --csv
expect_out sweep-gpu-capped '^a100-40gb,([^,]*,){8}27,13.48,22.52,'
expect_out sweep-gpu-uncapped '^h100,([^,]*,){8}64,'
run sweep --model llama-3.1-70b --gpu a100,h100 --gpus 4 --batch 64 --input 1000 --output 500 --plot "$TMP/g.svg"
expect_rc sweep-gpu-plot 0; if grep -q '<svg' "$TMP/g.svg"; then ok sweep-gpu-svg; else bad sweep-gpu-svg "no svg"; fi
run sweep --model llama-3.1-70b --gpu a100,nosuchgpu --input 1000 --output 500
expect_rc sweep-gpu-unknown 3
# multi-node: 16 H100 (8-GPU HGX nodes) run tp 8 within a node x pp 2 across nodes
run estimate --model llama-3.1-405b --gpu h100 --gpus 16 --batch 64 --input 1000 --output 500 --json
expect_rc plan-auto 0; expect_json plan-auto-tp 'd["parallel"]["tensor_parallel"]' 8
expect_json plan-auto-pp 'd["parallel"]["pipeline_parallel"]' 2
run estimate --model llama-3.1-405b --gpu h100 --gpus 16 --batch 64 --input 1000 --output 500
expect_out plan-text '^plan: tensor parallel 8 x pipeline parallel 2'
run estimate --model llama-3.1-405b --gpu h100 --gpus 16 --tp 4 --pp 3 --input 1000 --output 500
expect_rc plan-bad 2; expect_err plan-bad-msg '--tp 4 x --pp 3 does not make --gpus 16; .*1x16, 2x8, 4x4, 8x2, 16x1'
run estimate --model llama-3.1-405b --gpu h100 --tp 16 --input 1000 --output 500 --json
expect_rc plan-tp16 0; expect_json plan-tp16-gpus 'd["gpus"]' 16

# routed-expert efficiency (estimate.roofline.moe_efficiency, 0.6): a catalogue constant of 1 removes
# the penalty, so a MoE estimate gets faster while a dense one is identical but for that key; outside (0, 1] is
# refused with the constant's name
mc() { printf '{"constants": [{"key": "estimate.roofline.moe_efficiency", "value": %s, "low": 0.3, "high": 0.9, "unit": "share", "source": "test", "year": 2026}]}\n' "$1" >"$TMP/moe-$1.json"; }
mc 1; mc 1.5; mc 0
MOE="--model qwen3-30b-a3b --gpu h100 --batch 64 --input 1000 --output 500 --json"
run estimate $MOE; cp "$OUT" "$TMP/moe-default.json"
expect_json moe-eff-json 'd["coefficients"]["moe_efficiency"]' 0.6 1e-12
run estimate --model qwen3-30b-a3b --gpu h100 --batch 64 --input 1000 --output 500
expect_out moe-eff-text '^MoE: routed experts at 0\.6 of these efficiencies \(estimate\.roofline\.moe_efficiency'
run estimate --model llama-3.1-8b --gpu h100 --batch 64 --input 1000 --output 500
if grep -q '^MoE:' "$OUT"; then bad moe-eff-text-dense "a dense model printed the MoE line"; else ok moe-eff-text-dense; fi
run estimate --catalogue "$TMP/moe-1.json" $MOE; expect_rc moe-eff-1 0
expect_json moe-eff-1-faster "d['time_s'] < $(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['time_s'])" "$TMP/moe-default.json")" True
run estimate --model llama-3.1-8b --gpu h100 --batch 64 --input 1000 --output 500 --json; cp "$OUT" "$TMP/dense-default.json"
run estimate --catalogue "$TMP/moe-1.json" --model llama-3.1-8b --gpu h100 --batch 64 --input 1000 --output 500 --json
if python3 -c 'import json,sys
a, b = (json.load(open(f)) for f in sys.argv[1:])
assert (a["coefficients"].pop("moe_efficiency"), b["coefficients"].pop("moe_efficiency")) == (1.0, 0.6)
sys.exit(a != b)' "$OUT" "$TMP/dense-default.json"; then ok moe-eff-dense-unchanged; else bad moe-eff-dense-unchanged "dense estimate moved with moe_efficiency"; fi
for v in 1.5 0; do
    run estimate --catalogue "$TMP/moe-$v.json" $MOE; expect_rc "moe-eff-bad-$v" 2
    expect_err "moe-eff-bad-$v-msg" "constant estimate.roofline.moe_efficiency is $v; it must lie in \(0, 1\]"
done
finish
