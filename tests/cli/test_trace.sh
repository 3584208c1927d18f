# CLI: llmwatt trace on the Azure, BurstGPT and JSON Lines samples; equality with `llmwatt estimate`
# row by row; per-request files; bad rows and bad options (messages and exit codes).
. "$(dirname "$0")/lib.sh"
D="${LW_TEST_DATA:-tests/data}/trace"
AZ="$D/azure_code.csv"

run trace --help;                   expect_rc help 0; expect_out help-text 'usage: llmwatt trace FILE'

# fixed batch: the trace total is the sum of `llmwatt estimate --batch 4` over the 8 rows
run trace "$AZ" --model llama-3.1-8b --gpu h100 --batch 4 --json; expect_rc azure-fixed 0
cp "$OUT" "$TMP/trace.json"
sum=0
while IFS=, read -r ts in out; do
    [ "$ts" = TIMESTAMP ] && continue
    "$LLMWATT" estimate --model llama-3.1-8b --gpu h100 --input "$in" --output "$out" --batch 4 --json >"$TMP/e.json"
    sum=$(python3 -c 'import json,sys; print(float(sys.argv[1]) + json.load(open(sys.argv[2]))["energy_per_request_j"]["expected"])' "$sum" "$TMP/e.json")
done <"$AZ"
cp "$TMP/trace.json" "$OUT"
expect_json azure-total-equals-estimate 'd["total_energy_j"]' "$sum" 1e-12
expect_json azure-kwh 'd["total_kwh"] * 3.6e6 / d["total_energy_j"]' 1 1e-12
expect_json azure-requests 'd["requests"]' 8
expect_json azure-out-tokens 'd["output_tokens"]' 899          # 10+8+27+12+256+64+512+10
expect_json azure-j-per-token 'd["j_per_output_token"] * 899 / d["total_energy_j"]' 1 1e-12
expect_json azure-batch-mode 'd["batching"]["mode"]' fixed
expect_json azure-columns 'd["columns"]["input"]' ContextTokens

# percentiles lie within [min, max] (a histogram bucket's midpoint can exceed the largest value)
for args in "$AZ --model llama-3.1-8b --gpu h100" "$D/bad_rows.csv --model llama-3.1-8b --gpu h100 --batch 1"; do
    # shellcheck disable=SC2086
    run trace $args --json
    expect_json "percentiles-within-range $(basename "${args%% *}")" \
        'all(d["per_request_energy"]["min_j"] <= d["per_request_energy"][k] <= d["per_request_energy"]["max_j"] for k in ("p50_j", "p90_j", "p99_j"))' True
done

# estimated batch (default) says so in text and JSON
run trace "$AZ" --model llama-3.1-8b --gpu h100; expect_rc azure-estimated 0
expect_out azure-estimated-text 'batching   estimated: per 60 s window'
expect_out azure-cost-line '^cost       .* USD at 0.1 USD/kWh'
expect_out azure-carbon-note 'carbon     not computed: give --region R or --grid-g-per-kwh G'
# cost module: billed kWh = GPU kWh x (1 + 0.2 overhead) / 0.95 PSU x PUE 1.2; USD = kWh x 0.25; CO2e = kWh x 400 g
run trace "$AZ" --model llama-3.1-8b --gpu h100 --batch 4 --pue 1.2 --price-kwh 0.25 --grid-g-per-kwh 400 --json
expect_rc azure-cost 0
expect_json azure-cost-billed 'd["cost_and_carbon"]["billed_kwh"] / d["total_kwh"]' "$(python3 -c 'print(1.2 / 0.95 * 1.2)')" 1e-12
expect_json azure-cost-usd 'd["cost_and_carbon"]["energy_usd"] / d["cost_and_carbon"]["billed_kwh"]' 0.25 1e-12
expect_json azure-cost-co2 'd["cost_and_carbon"]["co2e_g"] / d["cost_and_carbon"]["billed_kwh"]' 400 1e-12
run trace "$AZ" --model llama-3.1-8b --gpu h100 --region us --grid-g-per-kwh 1; expect_rc region-and-grid 2; expect_err region-and-grid-msg "either --region or --grid-g-per-kwh"
run trace "$AZ" --model llama-3.1-8b --gpu h100 --region mars; expect_rc bad-region 3; expect_err bad-region-msg "unknown region 'mars'"
run trace "$AZ" --model llama-3.1-8b --gpu h100 --window 10s --json; expect_rc azure-window 0
expect_json azure-window-mode 'd["batching"]["mode"]' estimated
expect_json azure-window-s 'd["batching"]["window_s"]' 10
# windows are aligned to multiples of 10 s since the epoch: 18:15:40-50 holds 46.68 (1 row),
# 18:15:50-16:00 holds 50.99 .. 55.5 (5 rows), then 16:01.0 and 16:10.25 one each: 4 windows
expect_json azure-windows 'd["batching"]["windows"]' 4

# BurstGPT with model names mapped to catalogue models
run trace "$D/burstgpt.csv" --gpu h100 --batch 8 --model-map ChatGPT=llama-3.1-8b --model-map GPT-4=qwen2.5-7b --json
expect_rc burstgpt 0
expect_json burstgpt-models 'len(d["models"])' 2
expect_json burstgpt-chatgpt '[m["requests"] for m in d["models"] if m["name"] == "ChatGPT"][0]' 3
expect_json burstgpt-gpt4-in '[m["input_tokens"] for m in d["models"] if m["name"] == "GPT-4"][0]' 2620   # 417+2203
run trace "$D/burstgpt.csv" --gpu h100 --batch 8
expect_rc burstgpt-unmapped 3; expect_err burstgpt-unmapped-msg "line 2: model 'ChatGPT' is not in the catalogue; map it with --model-map 'ChatGPT=MODEL'"
run trace "$D/burstgpt.csv" --gpu h100 --batch 8 --model llama-3.1-8b --unknown-model default --json
expect_rc burstgpt-default 0; expect_json burstgpt-defaulted 'd["defaulted_requests"]' 5

# JSON Lines with per-row models and reasoning tokens
run trace "$D/generic.jsonl" --gpu h100 --batch 2 --json; expect_rc jsonl 0
expect_json jsonl-format 'd["format"]' jsonl
expect_json jsonl-reasoning 'd["reasoning_tokens"]' 50

# per-request output: CSV and JSON Lines by extension; one line per good row
run trace "$D/bad_rows.csv" --model llama-3.1-8b --gpu h100 --batch 1 --per-request "$TMP/rows.csv"; expect_rc per-request-csv 0
if [ "$(head -1 "$TMP/rows.csv")" = "line,timestamp_s,model,input_tokens,output_tokens,reasoning_tokens,batch,energy_j,j_per_output_token" ] &&
   [ "$(cut -d, -f1 "$TMP/rows.csv" | tail -n +2 | tr '\n' ' ')" = "2 7 " ]; then ok per-request-csv-lines; else bad per-request-csv-lines "$(cat "$TMP/rows.csv")"; fi
run trace "$AZ" --model llama-3.1-8b --gpu h100 --batch 4 --per-request "$TMP/rows.jsonl"; expect_rc per-request-jsonl 0
python3 - "$TMP/rows.jsonl" "$TMP/trace.json" <<'PY' && ok per-request-jsonl-sum || bad per-request-jsonl-sum "rows do not add up to the total"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
total = json.load(open(sys.argv[2]))["total_energy_j"]
assert len(rows) == 8 and [r["line"] for r in rows] == list(range(2, 10))
assert abs(sum(r["energy_j"] for r in rows) - total) <= 1e-8 * total
PY

# bad rows: skipped with a one-line warning naming the first; fatal with --on-error fail
run trace "$D/bad_rows.csv" --model llama-3.1-8b --gpu h100 --batch 1 --json; expect_rc bad-rows-skip 0
expect_err bad-rows-skip-msg "skipped 5 bad rows of '.*bad_rows.csv' \(first: line 3: 'ContextTokens' is not a number: 'abc'\)"
expect_json bad-rows-count 'd["bad_rows"]' 5
expect_json bad-rows-lines '[b["line"] for b in d["bad_row_samples"]]' '[3, 4, 5, 6, 8]'
run trace "$D/bad_rows.csv" --model llama-3.1-8b --gpu h100 --batch 1 --on-error fail
expect_rc bad-rows-fail 4; expect_err bad-rows-fail-msg "line 3: 'ContextTokens' is not a number: 'abc' \(--on-error skip skips bad rows\)"
run trace "$D/bad_rows.csv" --model llama-3.1-8b --gpu h100 --batch 1 --on-error fail --per-request "$TMP/fail.csv"
expect_rc bad-rows-fail-no-file 4
if [ ! -e "$TMP/fail.csv" ] && ! ls "$TMP"/fail.csv.tmp* >/dev/null 2>&1; then ok no-partial-file; else bad no-partial-file "left a file"; fi
# a fractional token count is a bad row (line 3: GeneratedTokens 10.5); 200.0 and 2e1 are whole
run trace "$D/fractional.csv" --model llama-3.1-8b --gpu h100 --batch 1 --json; expect_rc fractional-skip 0
expect_err fractional-skip-msg "skipped 1 bad row of '.*fractional.csv' \(first: line 3: 'GeneratedTokens' is not a whole number of tokens: '10.5'\)"
expect_json fractional-requests 'd["requests"]' 2
expect_json fractional-out-tokens 'd["output_tokens"]' 30   # 10 + 20
run trace "$D/fractional.csv" --model llama-3.1-8b --gpu h100 --batch 1 --on-error fail
expect_rc fractional-fail 4; expect_err fractional-fail-msg "line 3: 'GeneratedTokens' is not a whole number of tokens: '10.5'"
printf 'TIMESTAMP,ContextTokens,GeneratedTokens\n1,x,1\n2,-1,1\n' >"$TMP/allbad.csv"
run trace "$TMP/allbad.csv" --model llama-3.1-8b --gpu h100 --batch 1
expect_rc all-bad 4; expect_err all-bad-msg "has no valid rows \(2 bad; line 2: 'ContextTokens' is not a number: 'x'\)"

# bad input files and options
run trace /nonexistent.csv --model llama-3.1-8b --gpu h100; expect_rc missing-file 4; expect_err missing-file-msg "cannot open '/nonexistent.csv'"
printf 'a,b,c\n1,2,3\n' >"$TMP/nohdr.csv"
run trace "$TMP/nohdr.csv" --model llama-3.1-8b --gpu h100
expect_rc no-columns 4; expect_err no-columns-msg "cannot find the input-tokens column in the header \(a, b, c\); name it with --columns input=NAME"
run trace "$TMP/nohdr.csv" --model llama-3.1-8b --gpu h100 --columns input=a,output=b,timestamp=c --json
expect_rc columns-override 0; expect_json columns-override-in 'd["input_tokens"]' 1
printf 'input,output\n1,2\n' >"$TMP/notime.csv"
run trace "$TMP/notime.csv" --model llama-3.1-8b --gpu h100
expect_rc no-timestamp 4; expect_err no-timestamp-msg "needed to estimate concurrency; name it with --columns timestamp=NAME or give a fixed --batch B"
run trace "$TMP/notime.csv" --model llama-3.1-8b --gpu h100 --batch 1; expect_rc no-timestamp-fixed 0
: >"$TMP/empty.csv"
run trace "$TMP/empty.csv" --model llama-3.1-8b --gpu h100; expect_rc empty-file 4; expect_err empty-file-msg "is empty"
run trace "$AZ" --gpu h100;                      expect_rc no-model 2; expect_err no-model-msg "has no model column; give the model \(--model NAME\)"
run trace "$AZ" --model llama-3.1-8b;            expect_rc no-gpu 2; expect_err no-gpu-msg "missing --gpu NAME"
run trace --model llama-3.1-8b --gpu h100;       expect_rc no-file 2; expect_err no-file-msg "missing the trace FILE"
run trace "$AZ" "$AZ" --model llama-3.1-8b --gpu h100; expect_rc two-files 2; expect_err two-files-msg "unexpected argument"
run trace "$AZ" --model llama-3.1-8b --gpu h100 --batch 0; expect_rc batch-zero 2; expect_err batch-zero-msg "--batch must be between 1"
run trace "$AZ" --model llama-3.1-8b --gpu h100 --batch 2 --window 10s; expect_rc batch-and-window 2; expect_err batch-and-window-msg "do not go with --batch"
run trace "$AZ" --model llama-3.1-8b --gpu h100 --window 0; expect_rc window-zero 2; expect_err window-zero-msg "--window must be longer than 0 s"
run trace "$AZ" --model llama-3.1-8b --gpu h100 --format xml; expect_rc bad-format 2; expect_err bad-format-msg "--format expects csv or jsonl"
run trace "$AZ" --model llama-3.1-8b --gpu h100 --on-error maybe; expect_rc bad-on-error 2; expect_err bad-on-error-msg "--on-error expects skip or fail"
run trace "$AZ" --model llama-3.1-8b --gpu h100 --columns tokens=x; expect_rc bad-columns 2; expect_err bad-columns-msg "--columns expects KEY=NAME"
run trace "$AZ" --model llama-3.1-8b --gpu h100 --model-map ChatGPT; expect_rc bad-map 2; expect_err bad-map-msg "--model-map expects NAME=MODEL"
run trace "$AZ" --model llama-3.1-8b --gpu h100 --model-map x=nope; expect_rc map-unknown 3; expect_err map-unknown-msg "model map 'x=nope': unknown model 'nope'"
run trace "$AZ" --gpu h100 --unknown-model default; expect_rc default-needs-model 2; expect_err default-needs-model-msg "needs the default model"
run trace "$AZ" --model llama-3.1-8b --gpu h100 --per-request "$TMP/rows.txt"; expect_rc bad-extension 2; expect_err bad-extension-msg "must end in .csv, .jsonl or .ndjson"
run trace "$AZ" --model llama-3.1-8b --gpu h100 --per-request /nonexistent/dir/rows.csv; expect_rc unwritable 4; expect_err unwritable-msg "cannot write '/nonexistent/dir/rows.csv'"
printf 'timestamp,input,output\n0,30000,2000\n' >"$TMP/huge.csv"
run trace "$TMP/huge.csv" --model llama-3.1-8b --gpu h100 --batch 64
expect_rc does-not-fit 5; expect_err does-not-fit-msg "line 2: does not fit"
finish
