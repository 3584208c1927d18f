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
expect_err power-no-range-msg "b200 publishes no power-limit and SM clock range.*h100-sxm"
run estimate $REQ --power-limit 500 --method profile; expect_rc power-seed-method 2
expect_err power-seed-method-msg "roofline method only"
finish
