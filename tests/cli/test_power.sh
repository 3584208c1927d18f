# CLI: estimate --power-limit / --sm-clock, their range errors, sweep --power-limit (docs/estimate.md,
# "Power limits and clocks").
. "$(dirname "$0")/lib.sh"
REQ="--model llama-3.1-8b --gpu h100 --input 1000 --output 500 --batch 8"

# no option: no clock keys; a limit at the maximum (700 W) changes nothing
run estimate $REQ --json; expect_rc power-none 0
expect_json power-none-keys '"sm_clock" not in d and "power_limit_w" not in d' True
cp "$OUT" "$TMP/none.json"
run estimate $REQ --power-limit 700 --json; expect_rc power-max 0
expect_json power-max-same 'd["batch_energy_j"]' "$(python3 -c "import json;print(json.load(open('$TMP/none.json'))['batch_energy_j'])")" 1e-12
expect_json power-max-keys '(d["power_limit_w"], d["sm_clock_mhz"], d["sm_clock"]["max_mhz"], d["sm_clock"]["prefill_mhz"])' "(700.0, None, 1980.0, 1980.0)"

# --sm-clock 990 = half of 1980 MHz: the compute-bound prefill's compute time doubles exactly,
# the memory-bound decode keeps its time
run estimate $REQ --sm-clock 990 --json; expect_rc power-lock 0
expect_json power-lock-prefill 'd["prefill"]["compute_time_s"]' "$(python3 -c "import json;print(2*json.load(open('$TMP/none.json'))['prefill']['compute_time_s'])")" 1e-9
expect_json power-lock-decode-time 'd["decode"]["time_s"]' "$(python3 -c "import json;print(json.load(open('$TMP/none.json'))['decode']['time_s'])")" 1e-12
expect_json power-lock-decode-power "d[\"decode\"][\"avg_power_w\"] < $(python3 -c "import json;print(json.load(open('$TMP/none.json'))['decode']['avg_power_w'])")" True
expect_json power-lock-clocks '(d["sm_clock_mhz"], d["power_limit_w"], d["sm_clock"]["decode_mhz"])' "(990.0, None, 990.0)"

# --power-limit 350: both phases at 350 W per GPU, the clocks they allow below 1980 MHz
run estimate $REQ --power-limit 350 --json; expect_rc power-limit 0
expect_json power-limit-prefill 'd["prefill"]["avg_power_w"]' 350 1e-6
expect_json power-limit-decode 'd["decode"]["avg_power_w"]' 350 1e-6
expect_json power-limit-clock '0 < d["sm_clock"]["prefill_mhz"] < d["sm_clock"]["decode_mhz"] < 1980' True
run estimate $REQ --power-limit 350; expect_rc power-limit-text 0
expect_out power-limit-text-line '^power: limit 350 W per GPU, SM clock lock none; SM clock prefill [0-9]+ MHz, decode [0-9]+ MHz \(max 1980 MHz\)'

# range errors: one line naming the option and the range, exit 2; a GPU without ranges exit 5
run estimate $REQ --power-limit 150; expect_rc power-below-min 2
expect_err power-below-min-msg "^llmwatt estimate: --power-limit 150 W is outside h100-sxm's settable range 200\.\.700 W"
run estimate $REQ --power-limit 701; expect_rc power-above-max 2
expect_err power-above-max-msg "range 200\.\.700 W"
run estimate $REQ --sm-clock 2100; expect_rc clock-above-max 2
expect_err clock-above-max-msg "^llmwatt estimate: --sm-clock 2100 MHz is outside h100-sxm's SM clock range 345\.\.1980 MHz"
run estimate $REQ --sm-clock 100; expect_rc clock-below-min 2
run estimate $REQ --power-limit abc; expect_rc power-not-number 2
expect_err power-not-number-msg "power-limit"
run estimate --model llama-3.1-8b --gpu b200 --input 1000 --output 500 --power-limit 500; expect_rc power-no-range 5
expect_err power-no-range-msg "b200 publishes no power-limit and SM clock range.*\(ranges are known for: a100-40gb, a100-80gb, h100-sxm, h100-pcie, h100-nvl, h200, h200-nvl, l4, l40s, v100, t4, rtx-3090, a40\)"

# GPUs with ranges from published nvidia-smi -q captures and product briefs (data/gpus.csv
# power_clock_source): H200 200..700 W, 345..1980 MHz; L4 40..72 W, 210..2040 MHz (hand-copied
# from the sources): the edges run, one past them is refused naming the range
H200="--model llama-3.1-8b --gpu h200 --input 1000 --output 500 --batch 8"
run estimate $H200 --power-limit 200 --sm-clock 345 --json; expect_rc power-h200-min 0
expect_json power-h200-min-clock '(d["power_limit_w"], d["sm_clock_mhz"], d["sm_clock"]["max_mhz"])' "(200.0, 345.0, 1980.0)"
expect_json power-h200-source '"NVIDIA H200" in d["sm_clock"]["source"] and "nvidia_gpu_exporter" in d["sm_clock"]["source"]' True
run estimate $H200 --power-limit 700 --sm-clock 1980; expect_rc power-h200-max 0
run estimate $H200 --power-limit 199; expect_rc power-h200-below 2
expect_err power-h200-below-msg "^llmwatt estimate: --power-limit 199 W is outside h200's settable range 200\.\.700 W"
run estimate $H200 --sm-clock 1981; expect_rc power-h200-clock-above 2
expect_err power-h200-clock-above-msg "^llmwatt estimate: --sm-clock 1981 MHz is outside h200's SM clock range 345\.\.1980 MHz"
L4="--model qwen2.5-0.5b --gpu l4 --input 1000 --output 500 --batch 8"
run estimate $L4 --power-limit 40; expect_rc power-l4-min 0
run estimate $L4 --power-limit 72 --sm-clock 2040; expect_rc power-l4-max 0
run estimate $L4 --power-limit 73; expect_rc power-l4-above 2
expect_err power-l4-above-msg "^llmwatt estimate: --power-limit 73 W is outside l4's settable range 40\.\.72 W"
run estimate $L4 --sm-clock 209; expect_rc power-l4-clock-below 2
expect_err power-l4-clock-below-msg "SM clock range 210\.\.2040 MHz"
run estimate $REQ --power-limit 500 --method profile; expect_rc power-seed-method 2
expect_err power-seed-method-msg "roofline method only"

# a GPU file can add ranges (here a copy of the B200 row with made-up ranges, named test-b200):
# --power-limit then runs on it; half-given columns are refused on load (exit 4)
GPUS="$(dirname "$0")/../../data/gpus.csv"
{ head -1 "$GPUS"; grep '^b200,' "$GPUS" | sed 's/^b200,[^,]*,/test-b200,,/; s/,,,,,$/,200,1000,400,2000,test ranges/'; } >"$TMP/g.csv"
run estimate --catalogue "$TMP/g.csv" --model llama-3.1-8b --gpu test-b200 --input 1000 --output 500 --power-limit 500 --json
expect_rc power-catalogue-range 0
expect_json power-catalogue-range-clock '(d["sm_clock"]["max_mhz"], d["sm_clock"]["source"])' "(2000.0, 'test ranges')"
run estimate --catalogue "$TMP/g.csv" --model llama-3.1-8b --gpu test-b200 --input 1000 --output 500 --power-limit 1001
expect_rc power-catalogue-above 2; expect_err power-catalogue-above-msg "range 200\.\.1000 W"
{ head -1 "$GPUS"; grep '^b200,' "$GPUS" | sed 's/^b200,[^,]*,/test-b200,,/; s/,,,,,$/,200,1000,,,test ranges/'; } >"$TMP/g2.csv"
run gpus --catalogue "$TMP/g2.csv"; expect_rc power-catalogue-half 4
expect_err power-catalogue-half-msg "GPU 'test-b200': give all of power_limit_min_w, power_limit_max_w, sm_clock_min_mhz"

# a catalogue with 40 more ranged GPUs (long names): the refusal names whole GPUs only, then
# "and N more (llmwatt gpus)", and stays one line within the error's 507 characters
{ head -1 "$GPUS"; for i in $(seq 10 49); do grep '^b200,' "$GPUS" | sed "s/^b200,[^,]*,/ranged-test-accelerator-$i,,/; s/,,,,,\$/,200,1000,400,2000,test ranges/"; done; } >"$TMP/g40.csv"
run estimate --catalogue "$TMP/g40.csv" --model llama-3.1-8b --gpu b200 --input 1000 --output 500 --power-limit 500
expect_rc power-many-ranges 5
expect_err power-many-ranges-more "ranges are known for: a100-40gb, .*, ranged-test-accelerator-[0-9][0-9], and [0-9]+ more \(llmwatt gpus\)\); add power_limit_min_w"
if [ "$(wc -l <"$ERR")" -eq 1 ] && [ "$(wc -c <"$ERR")" -lt 560 ]; then ok power-many-ranges-one-line; else bad power-many-ranges-one-line "$(cat "$ERR")"; fi

# sweep --power-limit: one row per limit with the clocks; the minimum-energy limit is the row with
# the least J/request (read back from the CSV), the --max-slowdown pick the least-energy row whose
# time is within 1.1 x the time without a limit (= the 700 W row: the TDP clamps power there anyway)
SW="sweep --model llama-3.1-8b --gpu h100 --input 1000 --output 500 --batch 64"
run $SW --power-limit 200..700+100 --csv; expect_rc sweep-power-csv 0
cp "$OUT" "$TMP/pl.csv"
expect_out sweep-power-csv-header 'decode_bound,status,prefill_sm_clock_mhz,decode_sm_clock_mhz$'
n=$(grep -c ',ok,' "$TMP/pl.csv"); [ "$n" -eq 6 ] && ok sweep-power-rows || bad sweep-power-rows "$n rows"
read -r MIN SLOW <<<"$(python3 - "$TMP/pl.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
e = {r["power-limit"]: float(r["j_per_request"]) for r in rows}
t = {r["power-limit"]: float(r["time_s"]) for r in rows}
best = min(e, key=lambda k: (e[k], float(k)))
within = [k for k in e if t[k] <= 1.1 * t["700"]]
print(best, min(within, key=lambda k: (e[k], float(k))))
PY
)"
run $SW --power-limit 200..700+100 --max-slowdown 1.1; expect_rc sweep-power-table 0
expect_out sweep-power-min "^minimum energy: --power-limit $MIN W, "
expect_out sweep-power-slowdown "^within 1\.1x the time without a limit: --power-limit $SLOW W, "
[ "$MIN" != "$SLOW" ] && ok sweep-power-tradeoff || bad sweep-power-tradeoff "the fastest-enough limit equals the minimum-energy one ($MIN)"
expect_out sweep-power-clock-col 'SM MHz prefill/decode'
run $SW --power-limit 200..700+100 --plot "$TMP/pl.svg"; expect_rc sweep-power-plot 0
[ -s "$TMP/pl.svg" ] && ok sweep-power-plot-file || bad sweep-power-plot-file "no svg"
# a limit out of range stops the sweep before any row, naming the range
run $SW --power-limit 100,300; expect_rc sweep-power-range 2
expect_err sweep-power-range-msg "--power-limit 100 W is outside h100-sxm's settable range 200\.\.700 W"
[ ! -s "$OUT" ] && ok sweep-power-range-no-table || bad sweep-power-range-no-table "printed $(head -c 100 "$OUT")"
run $SW --power-limit 200,300 --max-slowdown 0.5; expect_rc sweep-slowdown-range 2
run sweep --model llama-3.1-8b --gpu h100 --input 1000 --output 500 --batch 1,8 --max-slowdown 1.1; expect_rc sweep-slowdown-no-pl 2
expect_err sweep-slowdown-no-pl-msg "--max-slowdown applies to a --power-limit sweep"
# a fixed limit with another swept input: the clocks column, every row at or below the limit
run sweep --model llama-3.1-8b --gpu h100 --input 1000 --output 500 --batch 1,8,64 --power-limit 300 --csv; expect_rc sweep-fixed-limit 0
python3 - "$OUT" <<'PY' && ok sweep-fixed-limit-power || bad sweep-fixed-limit-power "a row above 300 W"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
sys.exit(0 if len(rows) == 3 and all(float(r["avg_power_w"]) <= 300 * (1 + 1e-9) for r in rows) else 1)
PY
finish
