# CLI: hostile input and faults (docs/limits.md): bounded readers, numbers checked where they are
# parsed, the time window, nothing finished lost.
. "$(dirname "$0")/lib.sh"
DATA=${LW_TEST_DATA:-$(dirname "$0")/../data}

# Endless inputs stop at the reader's cap with one line naming the file. Under a 256 MB address-space
# limit when the binary can run there (a sanitizer build reserves terabytes of shadow memory and
# cannot: then the same commands run without the limit, and CI runs this script on the plain build).
if (ulimit -v 262144; "$LLMWATT" --version) >/dev/null 2>&1; then
    limited() { (ulimit -v 262144; exec timeout 60 "$LLMWATT" "$@") >"$OUT" 2>"$ERR"; RC=$?; }
    ok address-space-limit-applies
else
    limited() { timeout 60 "$LLMWATT" "$@" >"$OUT" 2>"$ERR"; RC=$?; }
fi
limited show model --model-config /dev/zero; expect_rc zero-config 4
expect_err zero-config-msg "'/dev/zero' is larger than the 16 MiB limit for a config.json"
limited models --catalogue /dev/zero; expect_rc zero-catalogue 4
expect_err zero-catalogue-msg "'/dev/zero' is larger than the 16 MiB limit for a catalogue file"
(export LLMWATT_CATALOGUE=/dev/zero; limited models); expect_rc zero-env-catalogue 4
limited measure --replay /dev/zero; expect_rc zero-replay 4
expect_err zero-replay-msg "'/dev/zero' is larger than the 64 MiB limit for a replay log"
limited validate /dev/zero; expect_rc zero-validate 4
expect_err zero-validate-msg "'/dev/zero' is larger than the 64 MiB limit"
limited calibrate /dev/zero; expect_rc zero-calibrate 4
limited fit --points /dev/zero; expect_rc zero-fit 4
expect_err zero-fit-msg "'/dev/zero' is larger than the 64 MiB limit for a points file"
limited history record "$TMP/zero.db" /dev/zero; expect_rc zero-history-record 4
expect_err zero-history-record-msg "'/dev/zero' is larger than the 16 MiB limit for a measurement JSON file"
if [ ! -e "$TMP/zero.db" ]; then ok zero-history-no-db; else bad zero-history-no-db "a database was left behind"; fi
limited serve --replay /dev/zero --listen 127.0.0.1:0 --duration 1s
expect_err zero-serve-msg "'/dev/zero' is larger than the 64 MiB limit for a replay log"
# a regular file one byte over the cap is refused before it is read; a directory is named as one
head -c $((16 * 1024 * 1024 + 1)) /dev/zero >"$TMP/big.json"
run models --catalogue "$TMP/big.json"; expect_rc big-catalogue 4; expect_err big-catalogue-msg "16 MiB limit"
run models --catalogue "$TMP"; expect_rc dir-catalogue 4; expect_err dir-catalogue-msg "it is a directory"

# Points rows: a number out of range is refused with its line, the other rows are used.
run calibrate "$DATA/limits/bad_points.csv"; expect_rc points-calibrate 0
expect_out points-calibrate-used '1 of 6 rows usable'
expect_out points-batch-3e9 "skipped row 901: line 3: batch_size_or_concurrency must be a finite number above 0 and at most 1000000 \(got '3e9'\)"
expect_out points-batch-inf "skipped row 902: line 4: batch_size_or_concurrency .*\(got '1e999'\)"
expect_out points-batch-neg "skipped row 903: line 5: batch_size_or_concurrency .*\(got '-2'\)"
expect_out points-gpus "skipped row 904: line 6: num_gpus must be an integer from 1 to 4096 \(got '3e9'\)"
expect_out points-nan "skipped row 905: line 7: norm_J_per_output_token .*\(got 'NaN'\)"
# options after POINTS.csv, as the usage shows
run validate "$DATA/limits/bad_points.csv" --method roofline --json; expect_rc validate-options-after 0
expect_json validate-used 'd["roofline"]["gpu_only"]["rows"]' 1
expect_json validate-refused 'sum(1 for r in d["roofline"]["rows"] if "skipped" in r)' 5
run validate "$DATA/limits/bad_points.csv" extra.csv; expect_rc validate-two-files 2
# fit: 11 synthetic points used, the row with batch 1e999 refused
run fit --points "$DATA/limits/fit_one_bad.csv" --json; expect_rc fit-refused 0
expect_json fit-used 'd["points_used"]' 11
expect_json fit-skipped 'd["points_skipped"]' 1
# a failed --output leaves nothing on stdout
run calibrate "$DATA/limits/bad_points.csv" --output /nonexistent-dir/r.json; expect_rc calibrate-output-fails 4
if [ ! -s "$OUT" ]; then ok calibrate-output-fails-quiet; else bad calibrate-output-fails-quiet "stdout: $(head -c 200 "$OUT")"; fi
expect_err calibrate-output-fails-msg "cannot write '/nonexistent-dir/r.json'"

# GPU catalogue rows are checked on load
head -1 "$DATA/../../data/gpus.csv" >"$TMP/g.csv"
sed -n 2p "$DATA/../../data/gpus.csv" | sed 's/^a100-40gb,/zz-bad,/' >>"$TMP/g.csv"
for spec in "tdp_w:NaN" "memory_bw_gbps:0" "fp16_bf16_tflops_dense:-5"; do
    col=${spec%%:*} val=${spec#*:}
    python3 - "$TMP/g.csv" "$TMP/g-$col.csv" "$col" "$val" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
rows[0][sys.argv[3]] = sys.argv[4]
w = csv.DictWriter(open(sys.argv[2], "w", newline=""), fieldnames=list(rows[0].keys()))
w.writeheader(); w.writerow(rows[0])
PY
    run gpus --catalogue "$TMP/g-$col.csv"; expect_rc "gpu-$col" 4
    expect_err "gpu-$col-msg" "line 2: GPU 'zz-bad': $col must be a finite number above 0.* \(got '$val'\)"
done
echo '{"gpus":[{"id":"zz","memory_bw_bytes_per_s":1e12,"peak_flops":{"bf16":1e15},"tdp_w":-3}]}' >"$TMP/g.json"
run gpus --catalogue "$TMP/g.json"; expect_rc gpu-json-negative 4; expect_err gpu-json-negative-msg "GPU 'zz': \"tdp_w\" must be a number above 0"
# numbers are decimal
run estimate --model llama-3.1-8b --gpu h100 --input 0x10 --output 100; expect_rc input-hex 2
expect_err input-hex-msg "--input expects a whole number of tokens >= 0, got '0x10'"

# The time window: years 1970-2200, refused with the line beyond it, never wrapped around.
run measure --replay "$DATA/limits/replay_4048.csv"; expect_rc replay-4048 4
expect_err replay-4048-msg "replay_4048.csv: line 2: out-of-window timestamp '4048/10/28 14:03:07.000' \(expected .* in the years 1970-2200\)"
run measure --replay "$DATA/limits/replay_2300.csv"; expect_rc replay-2300 4
expect_err replay-2300-msg "replay_2300.csv: line 4: out-of-window timestamp '2300/10/28"
run measure --replay "$DATA/replay/two_gpus.csv" --warmup 1e10s; expect_rc warmup-huge 2
expect_err warmup-huge-msg "--warmup must be at most 1e9 s \(about 31 years\), got '1e10s'"
run history "$TMP/none.db" --since 3026-01-01; expect_rc history-since-3026 2
expect_err history-since-3026-msg "--since: time '3026-01-01' is outside the years 1970-2200"
run history "$TMP/none.db" --until 2300-01-01; expect_rc history-until-2300 2
run history "$TMP/none.db" --since -1000000d; expect_rc history-since-before-1970 2
expect_err history-since-before-1970-msg "relative time '-1000000d' is before 1970"
# a trace row at 9.22e9 s is a bad row (not a negative time); the other row is estimated
run trace "$DATA/limits/trace_far.jsonl" --model llama-3.1-8b --gpu h100 --json; expect_rc trace-far 0
expect_json trace-far-requests 'd["requests"]' 1
expect_json trace-far-bad 'd["bad_rows"]' 1
expect_json trace-far-line 'd["bad_row_samples"][0]["line"]' 2
expect_json trace-far-last 'd["time_last_s"]' 1700000000

# measure: outputs are checked before the workload; a late write failure keeps the measurement.
if [ -n "${LW_BUILD:-}" ] && [ -f "$LW_BUILD/tests/libfake_nvml.so" ]; then
    export LLMWATT_NVML_LIBRARY="$LW_BUILD/tests/libfake_nvml.so" LLMWATT_POWERCAP_ROOT="$TMP/no-powercap"
    run measure --interval 20ms --output /nonexistent-dir/m.json -- touch "$TMP/ran"; expect_rc measure-bad-output 4
    expect_err measure-bad-output-msg "cannot write '/nonexistent-dir/m.json': No such file or directory \(--output, checked before running the workload\)"
    if [ ! -e "$TMP/ran" ]; then ok measure-bad-output-not-run; else bad measure-bad-output-not-run "the workload ran"; fi
    run measure --interval 20ms --csv "$TMP" -- touch "$TMP/ran"; expect_rc measure-csv-dir 4
    expect_err measure-csv-dir-msg "--csv '.*' is a directory"
    # the workload removes the output's directory: the write fails after the run
    mkdir -p "$TMP/gone" "$TMP/keep"
    TMPDIR="$TMP/keep" run measure --interval 20ms --tokens 100 --output "$TMP/gone/m.json" -- rm -rf "$TMP/gone"
    expect_rc measure-late-failure 4
    if [ ! -s "$OUT" ]; then ok measure-late-failure-quiet; else bad measure-late-failure-quiet "stdout: $(head -c 200 "$OUT")"; fi
    kept=$(sed -n "s/^llmwatt measure: the measurement was kept in \(.*\)$/\1/p" "$ERR")
    if grep -q "cannot write '$TMP/gone/m.json'" "$ERR" && [ "$(wc -l <"$ERR")" -eq 2 ] && [ -f "$kept" ]; then
        ok measure-late-failure-kept
        cp "$kept" "$OUT"; expect_json measure-late-failure-json 'd["schema"]' llmwatt.measurement/1
        expect_json measure-late-failure-tokens 'd["tokens"]' 100
    else
        bad measure-late-failure-kept "stderr: $(head -c 300 "$ERR")"
    fi
    # kill -9 of measure ends its workload (PR_SET_PDEATHSIG)
    "$LLMWATT" measure --interval 20ms -- sleep 60 >/dev/null 2>&1 &
    mpid=$!
    child=""
    for _ in $(seq 1 100); do child=$(pgrep -P "$mpid" sleep); [ -n "$child" ] && break; sleep 0.05; done
    kill -9 "$mpid"; wait "$mpid" 2>/dev/null
    for _ in $(seq 1 40); do kill -0 "$child" 2>/dev/null || break; sleep 0.05; done
    if [ -n "$child" ] && ! kill -0 "$child" 2>/dev/null; then ok measure-kill9-child-ends
    else bad measure-kill9-child-ends "workload pid '$child' still running"; [ -n "$child" ] && kill "$child"; fi
    unset LLMWATT_NVML_LIBRARY LLMWATT_POWERCAP_ROOT
fi

# history: record refuses a database that fails the quick check; a first record that fails leaves no file
run measure --replay "$DATA/replay/two_gpus.csv" --output "$TMP/m.json"; expect_rc history-measurement 0
for _ in $(seq 1 30); do "$LLMWATT" history record "$TMP/h.db" "$TMP/m.json" >/dev/null || break; done
python3 - "$TMP/h.db" <<'PY'
import os, sys
p = sys.argv[1]
pages = os.path.getsize(p) // 4096
with open(p, "r+b") as f:   # scribble over the last b-tree page's cell pointers
    f.seek(4096 * (pages - 1) + 8); f.write(b"\xff" * 200)
PY
run history "$TMP/h.db"; expect_rc history-corrupt-read 4
run history record "$TMP/h.db" "$TMP/m.json"; expect_rc history-corrupt-record 4
expect_err history-corrupt-record-msg "h.db' fails SQLite's quick check \(.*\); nothing was recorded"
if [ ! -s "$OUT" ]; then ok history-corrupt-record-quiet; else bad history-corrupt-record-quiet "stdout: $(head -c 200 "$OUT")"; fi
run measure --replay "$DATA/replay/two_gpus.csv" --record "$TMP/h.db"; expect_rc measure-record-corrupt 4
expect_err measure-record-corrupt-msg "fails SQLite's quick check.*checked before running the workload"
# a full disk (a 4 KiB file size limit, SIGXFSZ ignored so that writes fail with EFBIG)
(trap '' XFSZ; ulimit -f 4; exec "$LLMWATT" history record "$TMP/full.db" "$TMP/m.json") >"$OUT" 2>"$ERR"; RC=$?
expect_rc history-full-disk 4; expect_err history-full-disk-msg "full.db'.*(disk I/O error|full)"
if [ ! -e "$TMP/full.db" ] && [ ! -e "$TMP/full.db-journal" ]; then ok history-full-disk-no-file
else bad history-full-disk-no-file "$(ls -la "$TMP"/full.db*)"; fi

# The defaults note of an imported config.json is never cut in the middle of a key: gpt_oss lists
# all 13 (the last is sliding_window=128); deepseek_v3 has more than the record holds and says so.
mkdir -p "$TMP/gptoss" "$TMP/dsv3"
echo '{"model_type":"gpt_oss"}' >"$TMP/gptoss/config.json"
echo '{"model_type":"deepseek_v3"}' >"$TMP/dsv3/config.json"
run show model --model-config "$TMP/gptoss/config.json"; expect_rc defaults-note 0
expect_out defaults-note-whole 'transformers defaults for absent keys: .*num_experts_per_tok=4, sliding_window=128\)$'
run show model --model-config "$TMP/dsv3/config.json"; expect_rc defaults-note-long 0
expect_out defaults-note-more 'transformers defaults for absent keys: .*, [a-z_]+=[0-9]+ and [0-9]+ more\)$'

# commands that fail print nothing on stdout
"$LLMWATT" history record "$TMP/good.db" "$TMP/m.json" >/dev/null
run report "$TMP/good.db" --output /nonexistent-dir/r.md; expect_rc report-fails 4
expect_err report-fails-msg "cannot write '/nonexistent-dir/r.md'"
if [ ! -s "$OUT" ]; then ok report-fails-quiet; else bad report-fails-quiet "stdout: $(head -c 200 "$OUT")"; fi
run trace "$DATA/trace/azure_code.csv" --model llama-3.1-8b --gpu h100 --per-request /nonexistent-dir/x.csv
expect_rc trace-fails 4
if [ ! -s "$OUT" ]; then ok trace-fails-quiet; else bad trace-fails-quiet "stdout: $(head -c 200 "$OUT")"; fi
run fit --points "$DATA/scale/synthetic_points.csv" --output /nonexistent-dir/x.json; expect_rc fit-fails 4
if [ ! -s "$OUT" ]; then ok fit-fails-quiet; else bad fit-fails-quiet "stdout: $(head -c 200 "$OUT")"; fi

# serve: 70 clients trickling one header byte per second from 127.0.0.2 (64 connections by default,
# 16 per address) do not silence /metrics, and their requests are cut at the 4 s client timeout.
"$LLMWATT" serve --replay "$DATA/serve/two_gpus.csv" --listen 127.0.0.1:0 --duration 30s --client-timeout 4s \
    >"$TMP/serve.out" 2>"$TMP/serve.err" &
spid=$!
for _ in $(seq 1 100); do grep -q 'listening on' "$TMP/serve.out" && break; sleep 0.1; done
port=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\) .*|\1|p' "$TMP/serve.out")
if [ -n "$port" ]; then
    timeout 40 python3 "$(dirname "$0")/slow_clients.py" "$port" 70 4 || bad slow-clients-script "exit $?"
else
    bad slow-clients-serve "serve did not start: $(head -c 300 "$TMP/serve.err")"
fi
kill "$spid" 2>/dev/null; wait "$spid"
if [ $? -eq 0 ]; then ok slow-clients-serve-exit; else bad slow-clients-serve-exit "serve did not stop cleanly"; fi
finish
