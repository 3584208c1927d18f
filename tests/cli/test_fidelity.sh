#!/usr/bin/env bash
# Calibration fidelity: the shipped points (rows 37-44 resolved, rows 84-92 down-weighted), the
# source-spread term in calibrate's output, validate --leave-out source, and the energy-per-MAC
# prior of an uncalibrated GPU. Fixture: tests/data/calibration/fidelity_points.csv.
. "$(dirname "$0")/lib.sh"
DATA="${LW_TEST_DATA:-$(dirname "$0")/../data}"
FIX="$DATA/calibration/fidelity_points.csv"

# the shipped points: 37 rows, the eight ML.ENERGY v2 rows resolve to A100-SXM4-40GB and catalogue models
run validate --method roofline --json; expect_rc shipped-validate 0
expect_json shipped-rows 'd["roofline"]["all"]["rows"]' 37
expect_json v2-rows-gpu 'sorted({r["gpu"] for r in d["roofline"]["rows"] if 37 <= int(r["row"]) <= 44})' "['a100-40gb']"
expect_json v2-rows-predicted 'all("skipped" not in r for r in d["roofline"]["rows"])' True
# the README's low weight for the closed-loop toolkit: 0.1^2 / (0.1^2 + ln(2.5)^2) = 0.0118
expect_json toolkit-weight '[r["weight"] for r in d["roofline"]["rows"] if 84 <= int(r["row"]) <= 92]' "[0.0118, 0.0118, 0.0118, 0.0118, 0.0118, 0.0118, 0.0118, 0.0118, 0.0118]"
expect_json v3-weight '{r["weight"] for r in d["roofline"]["rows"] if int(r["row"]) <= 28}' "{1.0}"

# calibrate on the fixture: the weighted rows and the refused weight are named
run calibrate "$FIX" --date 2026-12-05; expect_rc fixture-calibrate 0
expect_out fixture-weighted '^rows 85 86 weighted 0.0118: reference README'
expect_out fixture-bad-weight "skipped row 99: fit_weight must be a number in \(0, 1\], got '2'"

# the source spread, recomputed from the residuals in the file: rows 85 and 86 (toolkit) against
# 37 and 44 (ML.ENERGY v2), D = ln(pred/meas) difference, sigma_source = sqrt(mean D^2) / 1.645
run calibrate "$FIX" --date 2026-12-05 --json; expect_rc fixture-calibrate-json 0
if python3 - "$OUT" <<'PY'; then ok source-spread-recomputed; else bad source-spread-recomputed "$(head -c 300 "$OUT")"; fi
import json, math, sys
d = json.load(open(sys.argv[1]))
f = d["families"][0]
res = {r["row"]: math.log(r["predicted_j_per_token"] / r["measured_j_per_token"]) for r in f["residuals"]}
pairs = [tuple(p["rows"]) for p in f["source_spread"]["pairs"]]
assert sorted(tuple(sorted(p)) for p in pairs) == [("37", "85"), ("37", "86"), ("44", "85"), ("44", "86")], pairs
D = [res[a] - res[b] for a, b in pairs]
for p, x in zip(f["source_spread"]["pairs"], D):
    assert abs(p["residual_difference_log"] - x) <= 1e-4, (p, x)
s_src = math.sqrt(sum(x * x for x in D) / len(D)) / 1.645
assert abs(f["sigma_source_log"] - s_src) <= 1e-4 * s_src, (f["sigma_source_log"], s_src)
assert abs(f["sigma_log"] - math.hypot(f["sigma_fit_log"], f["sigma_source_log"])) <= 1e-5
assert [s["weight"] for s in d["sources"]] == [1.0, 0.0118], d["sources"]
assert d["rows_used"] == 4 and d["rows_in_file"] == 5
PY

# leave-one-source-out on the fixture: every usable row predicted from the other source only
run validate "$FIX" --leave-out source --json; expect_rc loso 0
expect_json loso-rows 'd["roofline (leave-one-source-out)"]["all"]["rows"]' 4
run validate "$FIX" --leave-out source; expect_rc loso-text 0; expect_out loso-label 'method roofline \(leave-one-source-out\)'
expect_out loso-weight-shown '85 qwen/Qwen2.5-7B-Instruct .*\(weight 0.0118\)'
run validate --leave-out vendor; expect_rc loso-bad 2; expect_err loso-bad-msg "--leave-out expects row, model, gpu or source, got 'vendor'"

# an uncalibrated GPU's dynamic-power prior from seed 002's energy per MAC: MI300X, 5 nm,
# 1.65 x (5/4)^(ln(2.3/1.65)/ln(7/4)) = 1.8837 pJ/MAC; x 0.5 x 1307.4e12 / (750 - 112.5) = 1.9315
run estimate --model llama-3.1-8b --gpu mi300x --input 500 --output 200 --json; expect_rc prior-estimate 0
expect_json prior-k-compute 'd["coefficients"]["power_k_compute"]' 1.9315175 1e-6
expect_json prior-source-text '"power_k_compute 1.93 from seed 002" in d["sources"] and "1.88 pJ/MAC at 5 nm" in d["sources"]' True

# the new prior constant carries its source
run sources; expect_rc sources 0
expect_out sources-seq-layer 'estimate.roofline.prior.seq_layer_overhead_s'
finish
