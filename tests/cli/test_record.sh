# CLI: --record on measure and estimate, and a 20-run report built from measure --replay logs.
. "$(dirname "$0")/lib.sh"
DB="$TMP/runs.db"

# 20 nvidia-smi logs: 62 one-second samples at constant power, one run a day from 2026-11-01.
# Four configurations (precision, batch, power W, tokens/s), five runs each.
python3 - "$TMP" <<'PY'
import datetime, sys
cfgs = [("fp16", 8, 500, 2000), ("fp16", 16, 550, 3300), ("fp8", 16, 520, 4680), ("fp8", 32, 600, 6000)]
for i in range(20):
    prec, batch, power, tps = cfgs[i % 4]
    t0 = datetime.datetime(2026, 11, 1, 12) + datetime.timedelta(days=i)
    with open(f"{sys.argv[1]}/run{i:02d}.csv", "w") as f:
        f.write("timestamp, index, power.draw [W], utilization.gpu [%], temperature.gpu, clocks.sm [MHz]\n")
        for s in range(62):
            t = t0 + datetime.timedelta(seconds=s)
            f.write(f"{t:%Y/%m/%d %H:%M:%S}.000, 0, {power:.2f} W, 95 %, 60, 1980 MHz\n")
PY
cfg=("fp16 8 2000" "fp16 16 3300" "fp8 16 4680" "fp8 32 6000")
recorded=0
for i in $(seq 0 19); do
    set -- ${cfg[$((i % 4))]}
    # 61 s between the first and last sample: tokens = tokens/s x 61
    run measure --replay "$(printf '%s/run%02d.csv' "$TMP" "$i")" --tokens $(($3 * 61)) --label workload=gpt8b \
        --label precision="$1" --label batch="$2" --label seq_len=2048 --label gpus=1 --label gpu=B200 --record "$DB"
    [ "$RC" -eq 0 ] && recorded=$((recorded + 1))
done
[ "$recorded" -eq 20 ] && ok record-20-replays || bad record-20-replays "only $recorded of 20 recorded"
# energy of run 0: 61 s x 500 W = 30,500 J; 122,000 tokens -> 4 tokens/J
run measure --replay "$TMP/run00.csv" --tokens 122000 --json; expect_rc replay-json 0
expect_json replay-energy 'd["aggregate"]["energy_j"]' 30500 1e-9
expect_json replay-tokens-per-j 'd["tokens_per_j"]' 4 1e-9

run history "$DB" --json; expect_rc history-20 0; expect_json history-count 'len(d)' 20
run history "$DB" --since 2026-11-15; expect_rc history-since 0; expect_out history-since-count '^6 runs$'

run estimate --model llama-3.1-8b --gpu h100 --input 1000 --output 500 --batch 8 --record "$DB"
expect_rc estimate-record 0; expect_out estimate-record-still-prints 'per output token'
run history "$DB" --json; expect_json history-has-estimate 'sum(1 for r in d if r["kind"] == "estimate")' 1

run report "$DB" --output "$TMP/report.md"; expect_rc report 0
cp "$TMP/report.md" "$OUT"
expect_out report-hardware-label '^## Tokens per Joule Metrics for B200, h100-sxm Workloads'
# configuration means over five identical runs: tokens/J = (tokens/s) / W
expect_out report-fp16-b8 '^\| FP16 \| 8 \| 2048 \| 1 \| 5 \| 2000\.0 \| 500\.0 \| 4\.000 \|'
expect_out report-fp16-b16 '^\| FP16 \| 16 \| 2048 \| 1 \| 5 \| 3300\.0 \| 550\.0 \| 6\.000 \|'
expect_out report-fp8-b16 '^\| FP8 \| 16 \| 2048 \| 1 \| 5 \| 4680\.0 \| 520\.0 \| 9\.000 \|'
expect_out report-fp8-b32 '^\| FP8 \| 32 \| 2048 \| 1 \| 5 \| 6000\.0 \| 600\.0 \| 10\.000 \|'
# cost of 1M tokens at 4 tokens/J: 250,000 J x 1.2 / 0.95 = 0.0877 kWh x $0.10
expect_out report-cost '\| 4\.000 \| \$0\.0088 \|'
# FP8 vs FP16 at batch 16: 9 / 6 = +50%
expect_out report-fp8-gain 'FP8 provides \+50\.0% tokens/J over FP16'
if grep -q TBD "$TMP/report.md"; then bad report-no-tbd "TBD in report"; else ok report-no-tbd; fi
[ -s "$TMP/report-tokens-per-j-vs-batch.png" ] && ok report-plot || bad report-plot "no batch plot"

# the power-over-a-run plot reads measure --csv directly
run measure --replay "$TMP/run01.csv" --csv "$TMP/samples.csv"; expect_rc samples-csv 0
run report "$DB" --samples "$TMP/samples.csv" --output "$TMP/with-power.md"; expect_rc report-samples 0
[ -s "$TMP/with-power-power-over-run.png" ] && ok report-power-plot || bad report-power-plot "no power plot from measure --csv"

# compare the latest fp8/b32 run with the same workload 7 days earlier (both 10 tokens/J)
run compare --baseline "$DB:workload=gpt8b,precision=fp8,batch=32@-7d" --current "$DB:workload=gpt8b,precision=fp8,batch=32"
expect_rc compare-no-regression 0

run estimate --model llama-3.1-8b --gpu h100 --input 10 --output 10 --record /nonexistent/dir/runs.db
expect_rc record-bad-path 4; expect_err record-bad-path-msg "^llmwatt estimate: --record /nonexistent/dir/runs.db: "
finish
