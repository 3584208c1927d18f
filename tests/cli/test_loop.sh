# CLI: the loop between measurement and estimate (docs/loop.md): labels, the estimate beside a
# measurement, runs as calibration points, site calibration, --calibration / LLMWATT_CALIBRATION, drift.
. "$(dirname "$0")/lib.sh"
DB="$TMP/runs.db"
CFG=(--label model=llama-3.1-8b --label gpu=h100 --label batch=8 --label input_tokens=1000 --label output_tokens=500)
EST=(--model llama-3.1-8b --gpu h100 --batch 8 --input 1000 --output 500)

# The shipped estimate of the labelled configuration: E J per output token at P W.
run estimate "${EST[@]}" --json; expect_rc shipped-estimate 0
cp "$OUT" "$TMP/shipped.json"
read -r E P < <(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(repr(d["energy_per_output_token_j"]["expected"]), repr(d["avg_power_w"]))' "$TMP/shipped.json")

# A replayed run at the estimate's power for 61 s that makes half the tokens the estimate would:
# twice the estimated J per output token. Energy = P x 61 s (constant power); tokens rounded.
python3 - "$TMP" "$P" <<'PY'
import datetime, sys
t0 = datetime.datetime(2026, 11, 1, 12)
for day in range(7):
    with open(f"{sys.argv[1]}/log{day}.csv", "w") as f:
        f.write("timestamp, index, power.draw [W], utilization.gpu [%], temperature.gpu, clocks.sm [MHz]\n")
        for s in range(62):
            t = t0 + datetime.timedelta(days=day, seconds=s)
            f.write(f"{t:%Y/%m/%d %H:%M:%S}.000, 0, {float(sys.argv[2]):.6f} W, 95 %, 60, 1980 MHz\n")
PY
TOK=$(python3 -c "import sys; print(round(float(sys.argv[1]) * 61 / (2 * float(sys.argv[2]))))" "$P" "$E")
MEAS=$(python3 -c "import sys; print(repr(round(float(sys.argv[1]), 6) * 61 / int(sys.argv[2])))" "$P" "$TOK")
# a regex for a printed value: its first two significant digits (truncated), then any digits
rx2() { python3 -c "import sys,math; v=float(sys.argv[1]); d=1-math.floor(math.log10(v)); t=math.floor(v*10**d)/10**d; print(('%.*f' % (max(d,0), t)).replace('.', '\\.') + '[0-9]*')" "$1"; }
RX_E=$(rx2 "$E") RX_MEAS=$(rx2 "$MEAS")

# ---- the estimate beside the measurement ---------------------------------------------------------
run measure --replay "$TMP/log0.csv" --tokens "$TOK" "${CFG[@]}" --label engine=vllm-0.11 --json; expect_rc measure-json 0
for k in low expected high; do
    expect_json "measure-estimate-$k-equals-estimate-json" "d['estimate']['energy_per_output_token_j']['$k']" \
        "$(python3 -c "import json,sys; print(repr(json.load(open(sys.argv[1]))['energy_per_output_token_j']['$k']))" "$TMP/shipped.json")" 1e-12
done
expect_json measure-estimate-same-keys "str(sorted(d['estimate']))" "$(python3 -c 'import json,sys; print(sorted(json.load(open(sys.argv[1]))))' "$TMP/shipped.json")"
expect_json measure-measured "d['measured_vs_estimated']['measured_j_per_token']" "$MEAS" 1e-9
expect_json measure-difference-pct "d['measured_vs_estimated']['difference_pct']" \
    "$(python3 -c "import sys; m, e = float(sys.argv[1]), float(sys.argv[2]); print(100 * (m - e) / e)" "$MEAS" "$E")" 1e-9
expect_json measure-difference-j "d['measured_vs_estimated']['difference_j_per_token']" \
    "$(python3 -c "import sys; print(float(sys.argv[1]) - float(sys.argv[2]))" "$MEAS" "$E")" 1e-9
expect_json measure-outside-band "d['measured_vs_estimated']['inside_band']" False
expect_json measure-calibration-shipped "d['measured_vs_estimated']['calibration']" shipped
run measure --replay "$TMP/log0.csv" --tokens "$TOK" "${CFG[@]}"; expect_rc measure-text 0
expect_out measure-text-estimate '^estimate: llama-3.1-8b on 1 x h100-sxm, batch 8, 1000 in \+ 500 out, bf16 \(roofline, shipped calibration\)'
expect_out measure-text-difference "measured $RX_MEAS J/token vs estimated $RX_E J/token \\(band .*\\): \\+(99\\.9|100\\.0)%, OUTSIDE the band"

# inside the band: tokens for exactly the estimate
TOK1=$(python3 -c "import sys; print(round(float(sys.argv[1]) * 61 / float(sys.argv[2])))" "$P" "$E")
run measure --replay "$TMP/log0.csv" --tokens "$TOK1" "${CFG[@]}" --json
expect_json measure-inside-band "d['measured_vs_estimated']['inside_band']" True
expect_json measure-inside-difference "abs(d['measured_vs_estimated']['difference_pct']) < 0.1" True

# labels: unknown names warn, malformed values are usage errors, missing token counts say why
run measure --replay "$TMP/log0.csv" --tokens "$TOK" --label model=llama-9z --label gpu=h100 --json
expect_rc label-unknown-model-still-measures 0
expect_err label-unknown-model-warns 'warning: label model=llama-9z is not in the catalogue'
expect_json label-unknown-model-no-estimate "d['measured_vs_estimated']['estimated'] is False and 'estimate' not in d" True
run measure --replay "$TMP/log0.csv" --tokens "$TOK" --label model=llama-3.1-8b --label gpu=zx-9000 --json
expect_rc label-unknown-gpu-still-measures 0; expect_err label-unknown-gpu-warns 'warning: label gpu=zx-9000 is not in the catalogue'
run measure --replay "$TMP/log0.csv" --label batch=eight; expect_rc label-bad-batch 2; expect_err label-bad-batch-msg 'label batch=eight: expected a whole number'
run measure --replay "$TMP/log0.csv" --label gpus=0; expect_rc label-zero-gpus 2
run measure --replay "$TMP/log0.csv" --label input_tokens=-5; expect_rc label-negative-tokens 2
run measure --replay "$TMP/log0.csv" --label precision=fp7; expect_rc label-bad-precision 2; expect_err label-bad-precision-msg 'precision=fp7'
run measure --replay "$TMP/log0.csv" --tokens "$TOK" --label model=llama-3.1-8b --label gpu=h100 --json
expect_json label-no-tokens-reason "'input_tokens and output_tokens' in d['measured_vs_estimated']['reason']" True
run measure --replay "$TMP/log0.csv" --tokens "$TOK" --label workload=x --json
expect_json no-model-reason "d['measured_vs_estimated']['reason'].startswith('no model label')" True

# ---- five runs of one configuration at twice the estimate, one INVALID -------------------------
for day in 1 2 3 4 5; do
    run measure --replay "$TMP/log$day.csv" --tokens "$TOK" "${CFG[@]}" --label workload=chat --label engine=vllm-0.11 \
        --output "$TMP/run$day.json" --record "$DB"
    expect_rc "record-run-$day" 0
done
run measure --replay "$TMP/log6.csv" --tokens "$TOK" "${CFG[@]}" --label workload=chat --min-duration 100s --record "$DB"
expect_rc record-invalid-run 0

run calibrate "$DB" --output "$TMP/site.json" --date 2026-12-01; expect_rc calibrate-runs 0
expect_out calibrate-uses-five '^site calibration from 5 of 6 runs'
expect_out calibrate-lists-invalid "left out $DB#6: INVALID measurement"
expect_out calibrate-wrote 'wrote .*site.json'

# Done-when: with the site calibration the estimate is within 15% of the measured J/token
run estimate "${EST[@]}" --calibration "$TMP/site.json" --json; expect_rc estimate-site 0
expect_json site-within-15pct "abs(d['energy_per_output_token_j']['expected'] / $MEAS - 1) <= 0.15" True
SIG0=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["coefficients"]["sigma_log"])' "$TMP/shipped.json")
expect_json site-band-narrower "d['coefficients']['sigma_log'] < $SIG0" True
# another batch size of the same model and GPU moves the same way (up)
run estimate --model llama-3.1-8b --gpu h100 --batch 32 --input 1000 --output 500 --json
B32=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["energy_per_output_token_j"]["expected"])' "$OUT")
run estimate --model llama-3.1-8b --gpu h100 --batch 32 --input 1000 --output 500 --calibration "$TMP/site.json" --json
expect_json site-batch32-moves-up "d['energy_per_output_token_j']['expected'] > 1.2 * $B32" True
# without the flag nothing changed
run estimate "${EST[@]}" --json
if cmp -s "$OUT" "$TMP/shipped.json"; then ok no-flag-unchanged; else bad no-flag-unchanged "estimate --json differs after calibrate"; fi
# LLMWATT_CALIBRATION does what --calibration does; the text names the calibration
LLMWATT_CALIBRATION="$TMP/site.json" "$LLMWATT" estimate "${EST[@]}" >"$OUT" 2>"$ERR"; RC=$?
expect_rc env-calibration 0; expect_out env-calibration-named "^calibration: .*site.json \(LLMWATT_CALIBRATION\), not the shipped fit"
expect_out env-calibration-sources "sources: fitted to .* \(a calibration file, not the shipped fit\)"
run sweep --model llama-3.1-8b --gpu h100 --input 1000 --output 500 --batch 8,32 --calibration "$TMP/site.json"
expect_rc sweep-calibration 0; expect_out sweep-calibration-named '^calibration: .*site.json \(--calibration\)'
run trace "$LW_TEST_DATA/trace/generic.jsonl" --gpu h100 --model llama-3.1-8b --calibration "$TMP/site.json"
expect_rc trace-calibration 0; expect_out trace-calibration-named '^calibration: .*site.json'

# Only the coefficients the runs inform move; families without runs are the shipped ones
python3 - "$TMP/site.json" "$(dirname "$0")/../../data/calibration/roofline.json" <<'PY' && ok site-moves-informed-only || bad site-moves-informed-only "see above"
import json, sys
s = json.load(open(sys.argv[1]))
fam = {f["family"]: f for f in s["families"]}
h = fam["Hopper GH100"]
assert h["site_runs"] == 5, h
b = h["base"]
assert abs(h["eta_compute"] / b["eta_compute"] - 1) < 0.05, (h["eta_compute"], b["eta_compute"])  # prefill only
assert h["eta_memory"] / b["eta_memory"] < 0.8, (h["eta_memory"], b["eta_memory"])                # decode-bound runs
assert abs(h["idle_fraction"] - b["idle_fraction"]) < 1e-12
# sigma: posterior of the base sigma and one distinct configuration at s = max(RMS, 0.1)
runs = [r for r in s["site"]["runs"] if "skipped" not in r]
import math
rms = math.sqrt(sum(math.log(r["predicted_after_j_per_token"] / r["measured_j_per_token"]) ** 2 for r in runs) / len(runs))
sd = max(rms, 0.1)
want = 1 / math.sqrt(1 / b["sigma_log"] ** 2 + 1 / sd ** 2)
assert abs(h["sigma_log"] / want - 1) < 1e-4, (h["sigma_log"], want)
for f in s["families"]:
    if f["family"] != "Hopper GH100":
        assert "site_runs" not in f, f
shipped = {f["family"]: f for f in json.load(open(sys.argv[2]))["families"]}
for name, f in fam.items():
    if name != "Hopper GH100":
        for k in ("eta_compute", "eta_memory", "step_overhead_s", "power_k_compute", "power_k_memory", "sigma_log"):
            assert abs(f[k] - shipped[name][k]) <= 1e-6 * abs(shipped[name][k]) + 1e-12, (name, k)
# provenance: every run with its time and engine; the INVALID one listed as skipped
assert len(s["site"]["runs"]) == 6
assert s["site"]["runs"][0]["engine"] == "vllm-0.11" and s["site"]["runs"][0]["start_time"] == "2026-11-02T12:00:00Z"
assert "INVALID" in s["site"]["runs"][5]["skipped"]
assert s["fit_date"] == "2026-12-01" and s["site"]["base"] == "shipped"
PY

# validate over the runs: shipped vs site calibration
run validate "$DB" --json; expect_rc validate-runs 0
expect_json validate-shipped-error "d['runs'][0]['error_pct']" "$(python3 -c "import sys; print(100 * (float(sys.argv[2]) - float(sys.argv[1])) / float(sys.argv[1]))" "$MEAS" "$E")" 1e-9
expect_json validate-shipped-outside "d['summary']['inside_band_share']" 0
expect_json validate-lists-invalid "'INVALID' in d['runs'][5]['left_out']" True
run validate "$DB" --calibration "$TMP/site.json" --json
expect_json validate-site-inside "d['summary']['inside_band_share']" 1
expect_json validate-site-error "d['summary']['median_abs_pct'] <= 15" True

# measurement JSON files as points, and the filters
run calibrate "$TMP/run1.json" "$TMP/run2.json" --json; expect_rc calibrate-files 0
expect_json calibrate-files-runs "[f for f in d['families'] if f['family'] == 'Hopper GH100'][0]['site_runs']" 2
run calibrate "$DB" --workload other; expect_rc filter-workload-none 3; expect_err filter-workload-none-msg 'no runs in .* match the filters'
run calibrate "$DB" --label engine=vllm-0.11 --json
expect_json filter-label-engine "[f for f in d['families'] if f['family'] == 'Hopper GH100'][0]['site_runs']" 5
run calibrate "$DB" --since 2026-11-04 --json
expect_json filter-since "[f for f in d['families'] if f['family'] == 'Hopper GH100'][0]['site_runs']" 3
run calibrate "$DB" --label model=llama-3.1-70b; expect_rc filter-label-none 3

# inputs that cannot calibrate
run calibrate "$TMP/shipped.json"; expect_rc calibrate-estimate-json 4; expect_err calibrate-estimate-json-msg 'none of the 1 runs can calibrate .*not a measurement'
run validate "$TMP/shipped.json"; expect_rc validate-estimate-json 4; expect_err validate-estimate-json-msg 'none of the 1 runs can be predicted'
run calibrate "$TMP/missing.json"; expect_rc calibrate-missing-file 3
run validate "$DB" --output x.json; expect_rc validate-no-output 2

# errors: a missing or broken calibration file
run estimate "${EST[@]}" --calibration "$TMP/nope.json"; expect_rc calibration-missing 3
expect_err calibration-missing-msg 'calibration .*nope.json'
run estimate "${EST[@]}" --calibration "$DB"; expect_rc calibration-not-json 4
expect_err calibration-not-json-msg 'is not a roofline calibration'
LLMWATT_CALIBRATION="$TMP/nope.json" "$LLMWATT" sweep --model llama-3.1-8b --gpu h100 --input 1000 --output 500 --batch 8,16 >"$OUT" 2>"$ERR"; RC=$?
expect_rc env-calibration-missing 3; expect_err env-calibration-missing-msg '^llmwatt sweep: LLMWATT_CALIBRATION'

# measure under a site calibration: the estimate now agrees with the measurement
run measure --replay "$TMP/log0.csv" --tokens "$TOK" "${CFG[@]}" --calibration "$TMP/site.json" --json
expect_json measure-site-inside "d['measured_vs_estimated']['inside_band']" True
expect_json measure-site-named "d['measured_vs_estimated']['calibration'].endswith('site.json')" True
# ---- drift: history and compare flag runs outside their estimate's band ------------------------
run history "$DB"; expect_rc history-drift 0
expect_out history-drift-columns 'J/tok +est J/tok +vs est$'
expect_out history-drift-row "^ +1 .*VALID +$RX_MEAS +$RX_E +\+100% !$"
expect_out history-drift-summary '^! 6 measurements outside the band of their estimate \(drift, docs/loop.md\)$'
run history "$DB" --json
expect_json history-drift-json "d[0]['measured_vs_estimated']['difference_pct']" "$(python3 -c "import sys; m, e = float(sys.argv[1]), float(sys.argv[2]); print(100 * (m - e) / e)" "$MEAS" "$E")" 1e-9
expect_json history-drift-json-outside "d[0]['measured_vs_estimated']['inside_band']" False
run history "$DB" --calibration "$TMP/site.json"
expect_out history-site-no-drift-row "^ +1 .*VALID +$RX_MEAS +0\.[0-9]+ +[-+][0-9]+%$"
expect_out history-site-named '^calibration: .*site.json'
run compare --current "$DB:id=1"; expect_rc compare-drift 1
expect_out compare-drift-line 'above the band: DRIFT'
expect_out compare-drift-amount "^drift: the current run uses $(python3 -c "import json,sys; h=json.load(open(sys.argv[1]))['measured_vs_estimated']['estimated_j_per_token']['high']; print('%.1f' % (100 * (float(sys.argv[2]) / h - 1)))" <("$LLMWATT" measure --replay "$TMP/log0.csv" --tokens "$TOK" "${CFG[@]}" --json) "$MEAS")% more energy per token"
run compare --current "$DB:id=1" --calibration "$TMP/site.json" --json; expect_rc compare-site-no-drift 0
expect_json compare-site-drift-false "d['drift']" False
expect_json compare-site-inside "d['current']['measured_vs_estimated']['inside_band']" True
run compare --baseline "$DB:id=1" --current "$DB:id=2" --json; expect_rc compare-both-drift 1
expect_json compare-both-ratio "d['ratio']" 1 1e-12
expect_json compare-both-regression "d['regression']" False
expect_json compare-both-drift "d['drift']" True
run compare --current "$TMP/run1.json" --threshold 0.9; expect_rc compare-file-drift 1
# report flags drift: the run's J/token against the estimate of its labelled configuration
run estimate --model llama-3.1-8b --gpu h100 --batch 8 --input 1000 --output 500 --json
EXP=$(python3 -c "import json,sys; print('%.4g' % json.load(open(sys.argv[1]))['energy_per_output_token_j']['expected'])" "$OUT")
run report "$TMP/run1.json" --output "$TMP/drift.md"; expect_rc report-drift 0
if grep -q "^- DRIFT run 0 ([^)]*): measured [0-9.]* J/token vs estimated $EXP (band .*above the band$" "$TMP/drift.md"; then ok report-drift-line
else bad report-drift-line "$(grep -A3 Drift "$TMP/drift.md")"; fi
# ui --calibration: the API answers what estimate --calibration prints
if command -v curl >/dev/null; then
    "$LLMWATT" ui --listen 127.0.0.1:0 --rate 0 --calibration "$TMP/site.json" >"$TMP/ui.out" 2>"$TMP/ui.err" &
    UPID=$!
    UURL=
    for i in $(seq 100); do
        UURL=$(sed -n 's|.*\(http://127\.0\.0\.1:[0-9]*\)/.*|\1|p' "$TMP/ui.out" | head -1)
        [ -n "$UURL" ] && break
        sleep 0.1
    done
    curl -s -m 10 -o "$TMP/ui.json" "$UURL/api/estimate?model=llama-3.1-8b&gpu=h100&batch=32&input=1000&output=500"
    kill "$UPID"; wait "$UPID" 2>/dev/null
    "$LLMWATT" estimate --model llama-3.1-8b --gpu h100 --batch 32 --input 1000 --output 500 --calibration "$TMP/site.json" --json >"$TMP/cli.json"
    if [ -s "$TMP/ui.json" ] && cmp -s "$TMP/ui.json" "$TMP/cli.json"; then ok ui-calibration-equals-cli
    else bad ui-calibration-equals-cli "$(diff "$TMP/ui.json" "$TMP/cli.json" | head -5; cat "$TMP/ui.err")"; fi
    run ui --calibration "$TMP/nonexistent.json"; expect_rc ui-calibration-missing 3
else
    echo "skip: ui --calibration (no curl)"
fi
finish
