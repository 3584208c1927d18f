# CLI: scale (seed 000), fit, physics (seed 002), and their bad-input paths.
. "$(dirname "$0")/lib.sh"
D="${LW_TEST_DATA:-$(dirname "$0")/../data}/scale"

# Seed 000 Part 5: 0.35 * 1.7 * k^log2(1.7) * mu * (2039/3350) * (500/290) * eta -> 0.36 / 0.51 / 0.93
run scale --baseline-j-per-token 0.35 --from-model qwen2.5-3b --from-params 3e9 --from-gpu a100-80gb \
    --to-model gpt-oss-120b --to-params 5.1e9 --to-gpu h100-sxm --mu 0.90,1.00,1.20 --json
expect_rc part5-h100 0
expect_json part5-h100-low 'd["energy_per_token_j"]["low"]' 0.36 0.01
expect_json part5-h100-exp 'd["energy_per_token_j"]["expected"]' 0.51 0.01
expect_json part5-h100-high 'd["energy_per_token_j"]["high"]' 0.93 0.01
expect_json part5-hw-ratio 'd["factors"]["hardware_ratio"]["expected"]' $(python3 -c 'print(2039/3350*500/290)') 1e-9
expect_json part5-mode 'd["factors"]["multi_gpu"]["mode"]' overhead
# DeepSeek-V3.2 on 8x H100 as the seed did it (multi-GPU term dropped, family mu 0.75/0.80/0.90): 1.62/2.53/6.68
run scale --baseline-j-per-token 0.35 --from-model qwen2.5-3b --from-params 3e9 --from-gpu a100-80gb \
    --to-model deepseek-v3 --to-params 37e9 --to-gpu h100-sxm --to-gpus 8 --multi-gpu none --json
expect_json part5-deepseek-exp 'd["energy_per_token_j"]["expected"]' 2.53 0.012
expect_json part5-deepseek-high 'd["energy_per_token_j"]["high"]' 6.68 0.012
# default (overhead): x (1 + 0.12*7) = 1.84 on the same numbers
run scale --baseline-j-per-token 0.35 --from-model qwen2.5-3b --from-params 3e9 --from-gpu a100-80gb \
    --to-model deepseek-v3 --to-params 37e9 --to-gpu h100-sxm --to-gpus 8
expect_rc overhead-text 0; expect_out overhead-note 'note: multi-GPU \(overhead\)'; expect_out overhead-factor 'multi-GPU M +1\.84 '
# seed 000's default reading: M = 1 (Parts 4-5); overhead mode says how far it departs and names --multi-gpu none (1/1.84 = 0.5435)
expect_out overhead-departs "note: this departs from seed 000's tables .*--multi-gpu none gives the seed's reading, 0.5435 times this result"
run scale --baseline-j-per-token 0.35 --from-model qwen2.5-3b --from-params 3e9 --from-gpu a100-80gb \
    --to-model deepseek-v3 --to-params 37e9 --to-gpu h100-sxm --to-gpus 8 --json
expect_json overhead-departs-json 'd["factors"]["multi_gpu"]["departs_from_seed_table"]' True
run scale --baseline-j-per-token 0.35 --from-model qwen2.5-3b --from-params 3e9 --from-gpu a100-80gb \
    --to-model deepseek-v3 --to-params 37e9 --to-gpu h100-sxm --to-gpus 8 --multi-gpu none --json
expect_json none-no-departure 'd["factors"]["multi_gpu"]["departs_from_seed_table"]' False
expect_json none-no-departure-note '[n for n in d["notes"] if "departs" in n]' '[]'
run scale --baseline-j-per-token 0.35 --from-params 3e9 --to-params 7e9 --from-gpu a100-80gb --to-gpu h100-sxm
if grep -q departs "$OUT"; then bad single-gpu-no-departure "note printed for 1 -> 1 GPU"; else ok single-gpu-no-departure; fi
# seed 000 §1.2 category table for families it names: 2 x k^1 x mu with k 0.90/0.95/1.10
# Mixtral (highly optimized MoE 0.75-0.85, midpoint 0.80): 1.35 / 1.52 / 1.87
run scale --baseline-j-per-token 1 --from-params 3e9 --to-params 6e9 --from-family qwen2.5 --family mixtral --json
expect_json mixtral-low 'd["energy_per_token_j"]["low"]' 1.35 1e-9
expect_json mixtral-exp 'd["energy_per_token_j"]["expected"]' 1.52 1e-9
expect_json mixtral-high 'd["energy_per_token_j"]["high"]' 1.87 1e-9
# Gemma (optimized dense 0.85-1.00, midpoint 0.925): 1.53 / 1.7575 / 2.2
run scale --baseline-j-per-token 1 --from-params 3e9 --to-params 6e9 --from-family qwen2.5 --family gemma3 --json
expect_json gemma-band '[round(d["energy_per_token_j"][k], 10) for k in ("low", "expected", "high")]' '[1.53, 1.7575, 2.2]'
expect_json gemma-basis 'd["factors"]["mu_arch"]["basis"]' 'gemma3 0.925 [0.85, 1] (seed 000 §1.2 category table) / qwen2.5 1'
# Llama 2 through its catalogue model (standard architectures 1.00-1.20, midpoint 1.10): 1.8 / 2.09 / 2.64
run scale --baseline-j-per-token 1 --from-params 3e9 --from-family qwen2.5 --to-model llama-2-7b --to-params 6e9 --json
expect_json llama2-band '[round(d["energy_per_token_j"][k], 10) for k in ("low", "expected", "high")]' '[1.8, 2.09, 2.64]'
# Qwen3 is in the Qwen family (0.85-1.00): no "no seed 000 estimate" note any more
run scale --baseline-j-per-token 1 --from-model qwen2.5-3b --to-model qwen3-30b-a3b --json
expect_json qwen3-mu '[d["factors"]["mu_arch"][k] for k in ("low", "expected", "high")]' '[0.85, 0.925, 1.0]'
expect_json qwen3-no-default-note '[n for n in d["notes"] if "no seed 000 mu_arch" in n]' '[]'
# Part 1: 3B -> 72B, 24 * 0.95^log2(24) = 18.97
run scale --baseline-j-per-token 1 --from-params 3e9 --to-params 72e9 --json
expect_json part1-exp 'd["energy_per_token_j"]["expected"]' 18.97 0.001
expect_json part1-no-hw 'd["factors"]["hardware_step"]' False
# a catalogue family without a seed estimate gets the widest range, and says so
run scale --baseline-j-per-token 1 --from-model qwen2.5-3b --to-model phi-3-mini
expect_rc default-family 0; expect_out default-family-note 'widest range \[0.75, 1.8\]'
# a GPU without typical power: 0.72 x TDP, named in the output
run scale --baseline-j-per-token 1 --from-params 3e9 --to-params 3e9 --from-gpu a100-80gb --to-gpu b200
expect_out fallback-power 'fallback 0.72 x TDP 1000 W'

# bad input
run scale --baseline-j-per-token -0.35 --from-params 3e9 --to-params 7e9; expect_rc neg-baseline 2; expect_err neg-baseline-msg 'baseline J/token must be a positive number, got -0.35'
run scale --baseline-j-per-token 0.35 --from-params 3e9 --to-params 7e9 --k 0.9,1.0,2.5; expect_rc k-range 2; expect_err k-range-msg "--k values must be within \(0, 2\), got '0.9,1.0,2.5'"
run scale --baseline-j-per-token 0.35 --from-params 3e9 --to-params 7e9 --k 0,0.95,1.1; expect_rc k-zero 2; expect_err k-zero-msg '--k values must be within \(0, 2\)'
run scale --baseline-j-per-token 0.35 --from-params 3e9 --to-params 7e9 --family gpt-9; expect_rc unknown-family 3; expect_err unknown-family-msg "unknown model family 'gpt-9'"
run scale --baseline-j-per-token 0.35 --from-params 3e9 --to-params 7e9 --from-gpu a100-80gb --to-gpu tpu-v4; expect_rc no-tdp 5; expect_err no-tdp-msg "GPU 'tpu-v4' has no typical inference power and no TDP in the catalogue: give --to-power-w"
run scale --baseline-j-per-token 0.35 --from-params 3e9 --to-params 7e9 --from-gpu a100-80gb --to-gpu tpu-v4 --to-power-w 170; expect_rc no-tdp-power-given 0
echo '{"gpus": [{"id": "nobw-gpu", "name": "No BW", "tdp_w": 300, "source": "test"}]}' >"$TMP/nobw.json"
# a GPU without bandwidth cannot enter the catalogue (lw_scale_run's own check is in test_scale.c)
run scale --catalogue "$TMP/nobw.json" --baseline-j-per-token 0.35 --from-params 3e9 --to-params 7e9 --from-gpu a100-80gb --to-gpu nobw-gpu; expect_rc no-bw 4; expect_err no-bw-msg "GPU 'nobw-gpu' needs memory_bw_bytes_per_s"
run scale --from-params 3e9 --to-params 7e9; expect_rc no-baseline 2; expect_err no-baseline-msg 'missing --baseline-j-per-token'
run scale --baseline-j-per-token 0.35 --to-params 7e9; expect_rc no-from 2; expect_err no-from-msg 'needs --from-model or --from-params'
run scale --baseline-j-per-token 0.35 --from-params 3e9 --to-params 7e9 --to-gpu h100; expect_rc no-from-gpu 2; expect_err no-from-gpu-msg 'give --from-gpu'
run scale --baseline-j-per-token 0.35 --from-params 3e9 --to-params 7e9 --multi-gpu both; expect_rc bad-mode 2; expect_err bad-mode-msg "unknown multi-GPU mode 'both'"
run scale --baseline-j-per-token 0.35 --from-params 3e9 --to-model llama-9b; expect_rc unknown-model 3; expect_err unknown-model-msg "unknown model 'llama-9b'"
run scale --baseline-j-per-token 0.35 --from-params 3e9 --to-params 7e9 --mu 1.2,1.0,0.9; expect_rc mu-order 2; expect_err mu-order-msg 'LOW <= EXPECTED <= HIGH'
echo '{"constants": []}' >"$TMP/notfit.json"
run scale --baseline-j-per-token 0.35 --from-params 3e9 --to-params 7e9 --coefficients "$TMP/notfit.json"; expect_rc bad-coef 4; expect_err bad-coef-msg 'not a coefficients file'
run scale --baseline-j-per-token 0.35 --from-params 3e9 --to-params 7e9 --coefficients /nonexistent.json; expect_rc missing-coef 4

# fit: synthetic points with k = 0.93, mu_llama3 = 1.5, eta a100/h100 = 1.2 (tests/data/scale/make_synthetic.py)
run fit --points "$D/synthetic_points.csv" --bootstrap 50 --json --output "$TMP/coef.json"
expect_rc fit-synthetic 0
expect_json fit-k '[c for c in d["coefficients"] if c["name"] == "k"][0]["value"]' 0.93 0.03
expect_json fit-k-status '[c for c in d["coefficients"] if c["name"] == "k"][0]["status"]' ok
expect_json fit-k-range '[c for c in d["coefficients"] if c["name"] == "k"][0]["range"]["low"]' 0.90 1e-12
expect_json fit-flagged 'd["flagged"]' 0
expect_json fit-mu '[c for c in d["coefficients"] if c["name"] == "llama3"][0]["value"]' 1.5 0.03
expect_json fit-used 'd["points_used"]' 11
run scale --coefficients "$TMP/coef.json" --baseline-j-per-token 1 --from-model qwen2.5-3b --to-model llama-3.1-8b --from-gpu h100 --json
expect_rc scale-with-fit 0
expect_json scale-fit-mu 'd["factors"]["mu_arch"]["expected"]' 1.5 0.03
expect_json scale-fit-eta 'd["factors"]["eta_util"]["expected"]' 1
run fit --bootstrap 0; expect_rc fit-builtin 0; expect_out fit-builtin-seed 'seed 000 coefficients'
# issue 10's examples on the shipped points: qwen3's mu outside seed 000 §1.2's [0.75, 1.8]; the A100
# eta vs H100 outside [0.70/1.15, 1.15/0.70] and confounded (A100 only in the toolkit log, H100 only in ML.ENERGY)
expect_out fit-builtin-qwen3 '^  mu_arch qwen3 .* OUT OF RANGE$'
expect_out fit-builtin-a100 '^  eta_util h100-sxm -> a100-80gb .* OUT OF RANGE, CONFOUNDED$'
expect_out fit-builtin-a100-why 'a100-80gb = [0-9.]+ is outside its physical range \[0.6087, 1.643\] \(seed 000 §1.3; scale.physical_range.eta_util_pair\) and is confounded with the data source: inference-energy toolkit measurement log \(a100-80gb\) vs ML.ENERGY'
expect_out fit-builtin-refuse "refuses the output file unless given --accept-flagged"
run fit --bootstrap 0 --json; expect_json fit-builtin-qwen3-json '[(c["status"], c["range"]["low"], c["range"]["high"], c["confounded_with"]) for c in d["coefficients"] if c["name"] == "qwen3"][0]' "('out_of_range', 0.75, 1.8, None)"
expect_json fit-builtin-b200-json '[c["confounded_with"] for c in d["coefficients"] if c["name"] == "b200"][0]' None
run fit --bootstrap 0 --output "$TMP/builtin_coef.json"
run scale --coefficients "$TMP/builtin_coef.json" --baseline-j-per-token 1 --from-model qwen2.5-3b --to-model qwen3-8b
expect_rc scale-refuses-fit 4; expect_err scale-refuses-fit-msg 'is outside its physical range .* give --accept-flagged to use it anyway'
# confounded only: lab A measured every H100 point, lab B every A100 point
run fit --points "$D/synthetic_confounded.csv" --bootstrap 0 --json --output "$TMP/conf.json"
expect_json fit-confounded '[(c["status"], c["confounded_with"]) for c in d["coefficients"] if c["name"] == "a100-80gb"][0]' "('confounded', 'synthetic lab B (a100-80gb) vs synthetic lab A (h100-sxm)')"
run scale --coefficients "$TMP/conf.json" --baseline-j-per-token 1 --from-model qwen2.5-3b --to-model qwen2.5-7b --from-gpu h100 --to-gpu a100-80gb
expect_rc scale-refuses-confounded 4; expect_err scale-refuses-confounded-msg 'confounded with the data source: synthetic lab B .*\(and 1 more flagged\); refit on other points, or give --accept-flagged'
# hand-written fixtures: k 0.95, mu qwen3 7.2 (marked "ok" in the file: the range is checked again on load), a confounded eta
B1="--baseline-j-per-token 1 --from-params 3e9 --to-params 6e9 --from-family qwen2.5 --family qwen3"
run scale $B1 --coefficients "$D/coef_flagged.json"; expect_rc flagged-refused 4
expect_err flagged-refused-msg "coef_flagged.json: scale.mu_arch.qwen3 = 7.2 is outside its physical range \[0.75, 1.8\] \(seed 000 §1.2; scale.physical_range.mu_arch\) \(and 1 more flagged\); refit on other points, or give --accept-flagged to use it anyway"
# accepted: 1 x 2 x 0.95 x 7.2 = 13.68, band x0.9..x1.1 (the file's residual band) = 12.312 .. 15.048
run scale $B1 --coefficients "$D/coef_flagged.json" --accept-flagged --json; expect_rc flagged-accepted 0
expect_json flagged-accepted-exp 'd["energy_per_token_j"]["expected"]' 13.68 1e-9
expect_json flagged-accepted-low 'd["energy_per_token_j"]["low"]' 12.312 1e-9
expect_json flagged-accepted-high 'd["energy_per_token_j"]["high"]' 15.048 1e-9
# the run uses mu qwen3 (flagged) and k (ok); the confounded H100 -> A100 eta is in the file, not in this run
expect_json flagged-accepted-list 'd["flagged_coefficients"]' "['scale.mu_arch.qwen3 = 7.2 is outside its physical range [0.75, 1.8] (seed 000 §1.2; scale.physical_range.mu_arch)']"
expect_json flagged-accepted-unused 'd["flagged_unused"]' 1
run scale $B1 --coefficients "$D/coef_flagged.json" --accept-flagged
expect_out flagged-accepted-warn '^warning: flagged coefficient used \(--accept-flagged\): scale.mu_arch.qwen3 = 7.2 is outside'
expect_out flagged-accepted-unused-note 'coef_flagged.json holds 1 more flagged coefficient that this run does not use$'
# refused: the message names the flagged coefficient this run uses (the eta), not the file's first (mu qwen3)
run scale --baseline-j-per-token 1 --from-params 3e9 --to-params 3e9 --from-gpu h100 --to-gpu a100-80gb --coefficients "$D/coef_flagged.json"
expect_rc flagged-used-refused 4; expect_err flagged-used-refused-msg 'coef_flagged.json: scale.eta_util.h100-sxm.a100-80gb = 1.1 is confounded with the data source: lab B \(a100-80gb\) vs lab A \(h100-sxm\)'
run scale --baseline-j-per-token 1 --from-params 3e9 --to-params 3e9 --from-gpu h100 --to-gpu a100-80gb --coefficients "$D/coef_flagged.json" --accept-flagged --json
expect_json flagged-eta-used '[f.split(" = ")[0] for f in d["flagged_coefficients"]]' "['scale.eta_util.h100-sxm.a100-80gb']"
expect_json flagged-eta-value 'd["factors"]["eta_util"]["expected"]' 1.1 1e-12
# in range: 2 x 0.95 x 0.9 = 1.71, no flagged list
run scale $B1 --coefficients "$D/coef_ok.json" --json; expect_rc coef-ok 0
expect_json coef-ok-exp 'd["energy_per_token_j"]["expected"]' 1.71 1e-9
expect_json coef-ok-noflags '"flagged_coefficients" in d' False
run scale $B1 --accept-flagged; expect_rc accept-without-file 2; expect_err accept-without-file-msg '--accept-flagged applies to a --coefficients file'
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["constants"].append({"key": "scale.physical_range.mu_arch", "value": 1, "low": 0.1, "high": 10, "source": "x"}); json.dump(d, open(sys.argv[2], "w"))' "$D/coef_flagged.json" "$TMP/widen.json"
run scale $B1 --coefficients "$TMP/widen.json" --accept-flagged; expect_rc widen-refused 4; expect_err widen-refused-msg 'sets scale.physical_range.mu_arch: a coefficients file cannot change the physical ranges'
run fit --points /nonexistent.csv; expect_rc fit-no-file 4; expect_err fit-no-file-msg "cannot open '/nonexistent.csv'"
printf 'row_id,model\n1,x\n' >"$TMP/bad.csv"
run fit --points "$TMP/bad.csv"; expect_rc fit-bad-file 4; expect_err fit-bad-file-msg "missing column"
run fit --points "$D/synthetic_points.csv" --output /nonexistent-dir/c.json; expect_rc fit-bad-output 4
[ ! -e /nonexistent-dir/c.json ] && ok fit-no-partial || bad fit-no-partial "file written"
run fit --batch-match 0.5; expect_rc fit-bad-match 2; expect_err fit-bad-match-msg '--batch-match must be between 1'

# physics (seed 002): H100 28% / 43% / 61%; 700 / (0.49 * 989.4e12) = 1.444 pJ
run physics h100-sxm --mfu 0.49 --json; expect_rc physics-h100 0
expect_json physics-component 'd["models"][0]["physics_limit"]' $(python3 -c 'print(700/1.15e-12/989.4e12)') 1e-9
expect_json physics-calibrated 'd["models"][1]["physics_limit"]' 0.4288 0.001
expect_json physics-external 'd["models"][2]["physics_limit"]' 0.2830 0.001
expect_json physics-inconsistent 'd["models"][1]["consistent"]' False
expect_json physics-max 'd["max_pj_per_mac"]' 1.444 0.001
run physics h100-sxm --mfu 0.49; expect_out physics-text-inconsistent 'calibrated +1\.650 .*INCONSISTENT'; expect_out physics-convention '1 MAC = 1 FLOP'
run physics --gpu h100 --flops-per-mac 2 --json; expect_json physics-2fpm 'd["models"][1]["physics_limit"]' $(python3 -c 'print(2*700/1.65e-12/989.4e12)') 1e-9
run physics h100 --precision all --json; expect_json physics-all 'len(d["precisions"])' 3
run physics a100-80gb --precision all --json; expect_json physics-all-a100 '[p["precision"] for p in d["precisions"]]' "['bf16', 'int8']"
# V100 has fp16 tensor cores only: the default is fp16 (125 TFLOP/s), bf16 is refused, "all" lists fp16 only
run physics v100 --json; expect_rc physics-v100 0
expect_json physics-v100-prec 'd["precision"]' fp16
expect_json physics-v100-peak 'd["peak_flops"]' 125e12 1e-12
# component model on V100: 300 W / 2.3 pJ = 130.4 TFLOP/s > 125 peak -> 104.3%, "binds": false, said in the text
expect_json physics-v100-component 'd["models"][0]["physics_limit"]' $(python3 -c 'print(300/2.3e-12/125e12)') 1e-9
expect_json physics-v100-binds '[m["binds"] for m in d["models"]]' "[False, True, True]"
run physics v100; expect_out physics-v100-star '^  component +2\.300 +130\.4 TFLOP/s +104\.3% \*$'
expect_out physics-v100-note 'does not limit the GPU; its peak does'
run physics h100; expect_rc physics-h100-text 0
if grep -q 'does not limit the GPU' "$OUT"; then bad physics-h100-no-note "note printed for limits below 100%"; else ok physics-h100-no-note; fi
run physics v100 --precision all --json; expect_json physics-v100-all '[p["precision"] for p in d["precisions"]]' "['fp16']"
run physics v100 --precision bf16; expect_rc physics-v100-bf16 5
expect_err physics-v100-bf16-msg "GPU 'v100' has no bf16 tensor cores \(fp16 only\): use precision fp16"
run physics tpu-v4; expect_rc physics-no-tdp 5; expect_err physics-no-tdp-msg "GPU 'tpu-v4' has no TDP"
echo '{"gpus": [{"id": "nonode-gpu", "name": "No node", "tdp_w": 300, "peak_flops": {"bf16": 1e14}, "memory_bw_bytes_per_s": 1e12, "source": "test"}]}' >"$TMP/nonode.json"
run physics nonode-gpu --catalogue "$TMP/nonode.json"; expect_rc physics-no-node 5; expect_err physics-no-node-msg "GPU 'nonode-gpu': no process node"
run physics a100-80gb --precision fp8; expect_rc physics-no-peak 5; expect_err physics-no-peak-msg 'no dense fp8 peak'
run physics; expect_rc physics-no-gpu 2; expect_err physics-no-gpu-msg 'missing the GPU'
run physics h900; expect_rc physics-unknown 3; expect_err physics-unknown-msg "unknown GPU 'h900'"
run physics h100 --mfu 1.5; expect_rc physics-bad-mfu 2; expect_err physics-bad-mfu-msg '--mfu must be between'
run physics h100 --flops-per-mac 3; expect_rc physics-bad-fpm 2; expect_err physics-bad-fpm-msg '--flops-per-mac must be between 1 and 2'
run physics h100 --flops-per-mac 1.5; expect_rc physics-bad-fpm2 2; expect_err physics-bad-fpm2-msg 'must be 1 \(seed 002\) or 2'
finish
