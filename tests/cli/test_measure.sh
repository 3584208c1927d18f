# CLI: llmwatt measure against the fake NVML, replay of nvidia-smi logs, and the bad-input paths.
. "$(dirname "$0")/lib.sh"
: "${LW_BUILD:?}" "${LW_TEST_DATA:?}"
FAKE="$LW_BUILD/tests/libfake_nvml.so"
R="$LW_TEST_DATA/replay"
mkdir -p "$TMP/empty-powercap"
export LLMWATT_POWERCAP_ROOT="$TMP/empty-powercap" LLMWATT_ROCM_SMI_LIBRARY=/nonexistent/librocm_smi64.so.1
export LLMWATT_AMDSMI_LIBRARY=/nonexistent/libamd_smi.so
# jq-like check of a JSON file (not stdout): swap it into $OUT
json_file() { cp "$1" "$OUT"; }
# fallback files of measurements that could not be written where asked land here
export TMPDIR="$TMP"
# expect_err2 NAME REGEX1 REGEX2: stderr is two lines matching REGEX1 and REGEX2.
expect_err2() {
    if [ "$(wc -l <"$ERR")" -eq 2 ] && head -1 "$ERR" | grep -Eq -- "$2" && tail -1 "$ERR" | grep -Eq -- "$3"; then ok "$1"
    else bad "$1" "stderr: $(head -c 400 "$ERR")"; fi
}

# no power source: one line naming both sources and what to do, exit 6
LLMWATT_NVML_LIBRARY=/nonexistent/libnvidia-ml.so.1 run measure -- true
expect_rc no-device 6
expect_err no-device-msg 'no power source: cannot load /nonexistent/libnvidia-ml.so.1.*Install the NVIDIA driver \(libnvidia-ml.so.1\) or point LLMWATT_NVML_LIBRARY at it.*powercap.*--replay LOG\.$'

export LLMWATT_NVML_LIBRARY="$FAKE"
# usage errors
run measure;                                   expect_rc no-command 2; expect_err no-command-msg 'missing the command to measure'
run measure sleep 1;                           expect_rc no-dashdash 2; expect_err no-dashdash-msg "unexpected argument 'sleep' \(put the command after --\)"
run measure --replay "$R/two_gpus.csv" -- true; expect_rc replay-and-cmd 2; expect_err replay-and-cmd-msg 'either --replay LOG or a command'
run measure --interval 1ms -- true;            expect_rc interval-too-short 2; expect_err interval-msg '--interval must be between 10ms and 1h'
run measure --gpus 0,1 -- true;                expect_rc gpus-list 2; expect_err gpus-list-msg "--gpus is a number of GPUs, got '0,1'; choose GPUs with --devices 0,1"
run measure --gpus x -- true;                  expect_rc bad-gpus 2
run measure --label novalue -- true;           expect_rc bad-label 2; expect_err bad-label-msg '--label expects KEY=VALUE'
run measure --tokens 5 --throughput-file x -- true; expect_rc tokens-twice 2; expect_err tokens-twice-msg 'either --tokens or --throughput-file'
run measure --throttle-mask zz -- true;        expect_rc bad-mask 2; expect_err bad-mask-msg '--throttle-mask expects a bit mask'
FAKE_NVML_GPUS=2 run measure --devices 5 -- true; expect_rc gpu-not-found 3
expect_err gpu-not-found-msg "--devices: device '5' does not exist \(nvml has 2 device\(s\): indices 0..1, e.g. GPU-fake-0000\)"
FAKE_NVML_GPUS=2 run measure --gpus 3 -- true; expect_rc gpus-too-many 3; expect_err gpus-too-many-msg '--gpus 3: the nvml source has 2 GPU\(s\); give --gpus 2 or fewer'
# --gpus 1 is one GPU (the first), not "GPU index 1"; --devices picks by index or UUID (prefix)
FAKE_NVML_GPUS=3 FAKE_NVML_POWER_W=100,200,300 run measure --interval 20ms --gpus 1 --json -- sleep 0.1
expect_json gpus-count 'len(d["gpus"]) == 1 and d["gpus"][0]["index"] == 0' True
FAKE_NVML_GPUS=3 run measure --interval 20ms --devices GPU-fake-0002,0 --json -- sleep 0.1
expect_json devices-uuid '[g["index"] for g in d["gpus"]]' '[2, 0]'
# --nvml-library names the library (here over a wrong environment variable)
LLMWATT_NVML_LIBRARY=/nonexistent.so run measure --nvml-library "$FAKE" --interval 20ms --json -- sleep 0.1
expect_json nvml-library-flag 'd["source"]' nvml
run measure --nvml-library "$FAKE" --replay "$R/two_gpus.csv"; expect_rc nvml-library-replay 2
run measure --replay "$R/three_gpus_uuid.csv" --devices GPU-1d2c --json; expect_rc devices-ambiguous 2
expect_err devices-ambiguous-msg "device 'GPU-1d2c' is ambiguous: 2 UUIDs start with it"
run measure --replay "$R/three_gpus_uuid.csv" --devices GPU-1d2c7,0 --json
expect_json devices-replay-energy '[g["energy_j"] for g in d["gpus"]]' '[1000.0, 3000.0]'
run measure --interval 10ms -- /nonexistent/workload; expect_rc cannot-run 127; expect_err cannot-run-msg "cannot run '/nonexistent/workload': No such file"

# a run on the fake GPU: 250 W constant; the energy is 250 W x the measured window
run measure --interval 20ms --tokens 1000 --iterations 80 --label workload=test --label batch=8 \
    --output "$TMP/m.json" --csv "$TMP/s.csv" -- sleep 0.3
expect_rc fake-run 0; expect_out fake-summary 'GPU 0 Fake GPU 0: .* J \(counter; integrated'
expect_out fake-verdict '^verdict: INVALID'
json_file "$TMP/m.json"
expect_json json-schema 'd["schema"]' llmwatt.measurement/1
expect_json json-energy 'd["gpus"][0]["energy_j"] / d["duration_s"]' 250 2e-3
expect_json json-method 'd["gpus"][0]["energy_method"]' counter
expect_json json-aggregate 'd["aggregate"]["energy_j"] == d["gpus"][0]["energy_j"]' True
expect_json json-jpt 'd["j_per_token"] * 1000 / d["aggregate"]["energy_j"]' 1 1e-12
expect_json json-labels 'd["labels"]["workload"] + d["labels"]["batch"]' test8
expect_json json-command 'd["command"]' "['sleep', '0.3']"
expect_json json-child 'd["child"]["exit_code"]' 0
expect_json json-iterations-pass '[c["pass"] for c in d["verdict"]["criteria"] if c["name"] == "iterations"][0]' True
expect_json json-duration-fail '[c["pass"] for c in d["verdict"]["criteria"] if c["name"] == "duration_s"][0]' False
expect_json json-driver 'd["driver"]' 999.99-fake
if head -1 "$TMP/s.csv" | grep -q '^phase,t_s,source,device,name,ok,power_w,energy_j' && grep -q '^run,.*,nvml,0,"Fake GPU 0",1,250,' "$TMP/s.csv"; then
    ok csv-samples; else bad csv-samples "$(head -3 "$TMP/s.csv")"; fi

# low thresholds: a valid measurement; --fail-invalid then exits 0, and 1 when invalid
run measure --interval 20ms --min-duration 0.1 --fail-invalid -- sleep 0.3; expect_rc valid-run 0; expect_out valid-verdict '^verdict: VALID'
run measure --interval 20ms --fail-invalid -- sleep 0.1;                    expect_rc fail-invalid 1

# a failing workload: its exit code, results still written and marked
run measure --interval 20ms --output "$TMP/f.json" -- sh -c 'sleep 0.1; exit 3'
expect_rc failing-child 3
json_file "$TMP/f.json"
expect_json failing-child-code 'd["child"]["exit_code"]' 3
expect_json failing-child-invalid 'd["verdict"]["valid"]' False

# SIGINT while running: passed on to the workload, results written, exit 128+2
"$LLMWATT" measure --interval 20ms --output "$TMP/i.json" -- sh -c ': >"$1"; exec sleep 5' sh "$TMP/ready-int" >"$OUT" 2>"$ERR" &
pid=$!
wait_ready "$TMP/ready-int"
kill -INT "$pid"
wait "$pid"; RC=$?
expect_rc sigint 130
json_file "$TMP/i.json"
expect_json sigint-interrupted 'd["child"]["interrupted"]' True
expect_json sigint-signal 'd["child"]["signal"]' 2
expect_json sigint-short 'd["duration_s"] < 2' True

# throttling flagged; GPU lost; integration fallback on a driver without the energy symbol
FAKE_NVML_THROTTLE=0x40 run measure --interval 20ms --min-duration 0.1 --json -- sleep 0.2
expect_rc throttle-run 0
expect_json throttle-fail '[c["pass"] for c in d["verdict"]["criteria"] if c["name"] == "throttling"][0]' False
expect_json throttle-names 'd["gpus"][0]["throttle_reasons_seen"]' "['hw_thermal']"
FAKE_NVML_GPUS=2 FAKE_NVML_FAIL_GPU=1 FAKE_NVML_FAIL_AT_S=0.1 run measure --interval 20ms --json -- sleep 0.3
expect_rc lost-gpu-run 0
expect_json lost-gpu 'd["gpus"][1]["failed_samples"] > 0 and d["gpus"][0]["failed_samples"] == 0' True
LLMWATT_NVML_LIBRARY="$LW_BUILD/tests/libfake_nvml_old.so" FAKE_NVML_POWER_W=100 run measure --interval 20ms --json -- sleep 0.2
expect_json old-driver-integrated 'd["gpus"][0]["energy_method"]' integrated
expect_json old-driver-energy 'd["gpus"][0]["energy_j"] / d["duration_s"]' 100 2e-3

# tokens from the workload's throughput JSON, with a key path
echo '{"results": {"total_tokens": 500}, "iterations": 64}' >"$TMP/tp.json"
run measure --interval 20ms --throughput-file "$TMP/tp.json" --tokens-key results.total_tokens --json -- sleep 0.2
expect_json tp-tokens 'd["tokens"]' 500
expect_json tp-iterations 'd["iterations"]' 64
expect_json tp-jpt 'd["j_per_token"] * 500 / d["aggregate"]["energy_j"]' 1 1e-12
# --iterations given by the user wins: over a file without "iterations" (was overwritten with
# null) and over a file with one (80 given, 64 in the file -> 80)
echo '{"tokens": 300}' >"$TMP/tp-noit.json"
run measure --interval 20ms --throughput-file "$TMP/tp-noit.json" --iterations 60 --json -- sleep 0.1
expect_json tp-user-iterations 'd["iterations"]' 60
expect_json tp-user-iterations-pass '[c["pass"] for c in d["verdict"]["criteria"] if c["name"] == "iterations"][0]' True
run measure --interval 20ms --throughput-file "$TMP/tp.json" --tokens-key results.total_tokens --iterations 80 --json -- sleep 0.1
expect_json tp-user-iterations-over-file 'd["iterations"]' 80
run measure --interval 20ms --throughput-file "$TMP/tp-noit.json" --json -- sleep 0.1
expect_json tp-no-iterations 'd["iterations"]' None
run measure --interval 20ms --throughput-file "$TMP/tp.json" --output "$TMP/t.json" -- sleep 0.1
expect_rc tp-bad-key 4; expect_err tp-bad-key-msg "has no token count >= 0 at 'tokens'"
if [ -s "$TMP/t.json" ]; then ok tp-bad-key-still-written; else bad tp-bad-key-still-written "no $TMP/t.json"; fi
run measure --interval 20ms --output /nonexistent-dir/m.json -- true; expect_rc output-unwritable 4; expect_err output-unwritable-msg "^llmwatt measure: cannot write --output '/nonexistent-dir/m.json': No such file or directory \\(checked before running the workload\\)$"
# a file that cannot be written: exit 4 and nothing partial on stdout (outputs are written first)
expect_empty_out() { if [ -s "$OUT" ]; then bad "$1" "stdout not empty: $(head -c 200 "$OUT")"; else ok "$1"; fi; }
expect_empty_out output-unwritable-no-summary
run measure --replay "$R/two_gpus.csv" --output /nonexistent-dir/m.json --json; expect_rc output-unwritable-json 4; expect_empty_out output-unwritable-no-json
run measure --replay "$R/two_gpus.csv" --csv /nonexistent-dir/s.csv; expect_rc csv-unwritable 4
expect_err csv-unwritable-msg "cannot write --csv '/nonexistent-dir/s.csv'"; expect_empty_out csv-unwritable-no-summary
run measure --replay "$R/two_gpus.csv" --record /nonexistent-dir/h.db; expect_rc record-unwritable 4
expect_err record-unwritable-msg "--record /nonexistent-dir/h.db"; expect_empty_out record-unwritable-no-summary

# faults (issue 11), each with the fake NVML: a clear line, INVALID where the numbers are affected,
# and the measurement file always written
# GPU 1 lost (GPU_IS_LOST) from 0.3 s to 0.8 s, then back: a hole in its coverage
FAKE_NVML_GPUS=2 FAKE_NVML_FAIL_GPU=1 FAKE_NVML_FAIL_AT_S=0.3 FAKE_NVML_FAIL_UNTIL_S=0.8 run measure --interval 20ms --min-duration 0.1 --output "$TMP/lost.json" -- sleep 1.2
expect_rc fault-lost-back-rc 0
expect_out fault-lost-back-line '^  ! did not answer from 0\.[23][0-9] s to 0\.[78][0-9] s after the start \([0-9]+ failed samples\); the energy bridges the gap$'
expect_out fault-lost-back-hole '^  ! GPU 1 \(Fake GPU 1\) has a hole: no sample from 0\.[23][0-9] s to 0\.[78][0-9] s'
expect_out fault-lost-back-verdict '^verdict: INVALID$'
json_file "$TMP/lost.json"
expect_json fault-lost-back-json 'd["gpus"][1]["back_at_s"] > d["gpus"][1]["lost_at_s"] and d["coverage"]["gaps"][0]["kind"] == "hole"' True
# the energy counter steps back 50 J at 0.3 s: that interval is integrated from power, so the
# energy stays 250 W x the window (the counter alone would lose the interval or count 50 J less)
FAKE_NVML_BACK_J=50 FAKE_NVML_BACK_AT_S=0.3 run measure --interval 20ms --min-duration 0.1 --json -- sleep 0.6
expect_json fault-backwards-energy 'd["gpus"][0]["energy_j"] / d["duration_s"]' 250 5e-3
expect_json fault-backwards-criterion '[c["pass"] for c in d["verdict"]["criteria"] if c["name"] == "energy_counter"][0]' False
expect_json fault-backwards-count 'd["gpus"][0]["counter_resets"]' 1
# a reading that stalls 1 s (50 intervals): a hole, and the energy still right (the reading is
# stamped when it completes)
FAKE_NVML_STALL_AT_S=0.3 FAKE_NVML_STALL_S=1 run measure --interval 20ms --min-duration 0.1 --json -- sleep 0.6
expect_json fault-stall-energy 'd["gpus"][0]["energy_j"] / d["duration_s"]' 250 5e-3
expect_json fault-stall-hole 'd["coverage"]["gaps"][0]["kind"] == "hole" and d["coverage"]["gaps"][0]["to_s"] - d["coverage"]["gaps"][0]["from_s"] > 0.9' True
expect_json fault-stall-invalid 'd["verdict"]["valid"]' False
# a workload that ignores SIGTERM: killed --kill-after later, exit 128+9, results written
"$LLMWATT" measure --interval 20ms --kill-after 1s --output "$TMP/k.json" -- sh -c 'trap "" TERM; : >"$1"; exec sleep 30' sh "$TMP/ready-term" >"$OUT" 2>"$ERR" &
pid=$!
wait_ready "$TMP/ready-term"
kill -TERM "$pid"
wait "$pid"; RC=$?
expect_rc fault-ignores-term 137
expect_err fault-ignores-term-msg '^llmwatt measure: the workload ignored SIGTERM for 1 s and was killed \(SIGKILL\); the results cover the run until then$'
json_file "$TMP/k.json"
expect_json fault-ignores-term-json 'd["child"]["signal"] == 9 and d["child"]["interrupted"] and not d["verdict"]["valid"]' True
run measure --kill-after 0s -- true; expect_rc kill-after-range 2
# the output directory disappears while the workload runs: the JSON goes to a fallback file
mkdir "$TMP/gone"
run measure --interval 20ms --output "$TMP/gone/m.json" -- rmdir "$TMP/gone"
expect_rc fault-dir-gone 4
expect_err2 fault-dir-gone-msg "cannot write '$TMP/gone/m.json'" "the measurement was kept in $TMP/llmwatt-measure-[A-Za-z0-9]+.json$"
saved=$(sed -n "s/.*kept in \(.*\)$/\1/p" "$ERR")
if [ -s "$saved" ]; then json_file "$saved"; expect_json fault-dir-gone-saved 'd["command"]' "['rmdir', '$TMP/gone']"; else bad fault-dir-gone-saved "no $saved"; fi

# CPU only: a fake powercap tree and no NVML
mkdir -p "$TMP/pc/intel-rapl:0"
echo package-0 >"$TMP/pc/intel-rapl:0/name"; echo 1000 >"$TMP/pc/intel-rapl:0/energy_uj"; echo 262143328850 >"$TMP/pc/intel-rapl:0/max_energy_range_uj"
LLMWATT_NVML_LIBRARY=/nonexistent.so LLMWATT_POWERCAP_ROOT="$TMP/pc" run measure --interval 20ms --json -- true
expect_rc cpu-only 0
expect_json cpu-only-source 'd["source"] + "/" + d["aggregate"]["covers"] + "/" + str(d["cpu"]["package_energy_j"])' rapl/cpu/0.0
# a driver call that never returns (hung NVML) from 0.3 s: measure ends with the workload, the CPU
# zone is sampled to the end, the GPUs have failed samples from 0.3 s on (gpus_present and
# coverage fail) and the measurement file is written
LLMWATT_POWERCAP_ROOT="$TMP/pc" FAKE_NVML_GPUS=2 FAKE_NVML_HANG_AT_S=0.3 run measure --interval 50ms --min-duration 0.1 --output "$TMP/hung.json" -- sleep 2.6
expect_rc fault-hung 0
expect_out fault-hung-line '^warning: a call into the nvml library began at 0\.[0-9]+ s and never returned \(a hung driver\): its GPUs have no samples from then on'
json_file "$TMP/hung.json"
expect_json fault-hung-lost '[round(g["lost_at_s"], 1) for g in d["gpus"]] + [g["back_at_s"] for g in d["gpus"]]' '[0.3, 0.3, None, None]'
expect_json fault-hung-criteria '[c["pass"] for c in d["verdict"]["criteria"] if c["name"] in ("gpus_present", "coverage")] + [d["verdict"]["valid"]]' '[False, False, False]'
expect_json fault-hung-cpu-sampled 'sorted(set(g["device"] + " " + g["kind"] for g in d["coverage"]["gaps"]))' "['gpu early_end']"
expect_json fault-hung-json 'd["source_hung"][:47]' 'a call into the nvml library began at 0.30 s an'

# replay: energy by the trapezoid rule, GPU 0 800 J + GPU 1 450 J (see tests/unit/test_replay.c)
run measure --replay "$R/two_gpus.csv" --tokens 2500 --json
expect_rc replay 0
expect_json replay-energy 'd["aggregate"]["energy_j"]' 1250 1e-12
expect_json replay-tpj 'd["tokens_per_j"]' 2 1e-12
expect_json replay-child 'd["child"]' None
run measure --replay "$R/two_gpus_noheader.csv" --warmup 1s --json
expect_json replay-warmup 'd["aggregate"]["energy_j"]' 1000 1e-12
# a warm-up longer than the 4 s log: an empty window, undefined figures and an INVALID verdict
run measure --replay "$R/two_gpus.csv" --warmup 200s --tokens 1000
expect_rc replay-empty-window 0
expect_out replay-empty-window-jpt '^tokens: 1000 -> - tokens/s, - J/token, - tokens/J$'
expect_out replay-empty-window-energy '^aggregate \(GPUs\): - J, avg - W, peak - W$'
expect_out replay-empty-window-why 'the measured window is empty \(0 sample\(s\) after the 200 s warm-up\)'
expect_out replay-empty-window-verdict '^verdict: INVALID'
expect_out replay-empty-window-criterion 'samples_in_window +0 +>= 2 +FAIL'
run measure --replay "$R/two_gpus.csv" --warmup 200s --tokens 1000 --min-duration 0 --fail-invalid; expect_rc replay-empty-window-fail-invalid 1
run measure --replay "$R/two_gpus.csv" --warmup 200s --tokens 1000 --json
expect_json replay-empty-window-json 'd["j_per_token"] is None and d["tokens_per_j"] is None and d["aggregate"]["energy_j"] is None and d["gpus"][0]["energy_j"] is None' True
expect_json replay-empty-window-json-valid 'd["verdict"]["valid"]' False
run measure --replay "$R/two_gpus.csv"; expect_rc replay-summary 0; expect_out replay-summary-text '^GPU 1 \(nvidia-smi log\): 450.0 J \(integrated\)'
run measure --replay "$R/bad_timestamp.csv";  expect_rc replay-bad-time 4;  expect_err replay-bad-time-msg 'bad_timestamp.csv: line 4: bad timestamp'
run measure --replay "$R/missing_column.csv"; expect_rc replay-missing 4;   expect_err replay-missing-msg 'missing_column.csv: line 4: 5 column\(s\), expected 6'
run measure --replay "$R/backwards.csv";      expect_rc replay-backwards 4; expect_err replay-backwards-msg 'backwards.csv: line 5: time goes backwards for GPU 0'
run measure --replay "$R/negative_power.csv"; expect_rc replay-negative-power 4; expect_err replay-negative-power-msg "negative_power.csv: line 4: power.draw '-50.00 W' is out of range"
if [ -s "$OUT" ]; then bad replay-negative-power-no-output "$(head -c 200 "$OUT")"; else ok replay-negative-power-no-output; fi
run measure --replay "$R/util_over_100.csv";  expect_rc replay-util-range 4; expect_err replay-util-range-msg "util_over_100.csv: line 3: utilization.gpu '120 %' is out of range \(expected 0..100 %\)"
# coverage (issue 11): GPU 1 stops at 60 s of 120 s; HW thermal slowdown from 60 s; late start; hole
run measure --replay "$R/gpu1_stops.csv" --tokens 1000000 --fail-invalid; expect_rc cover-stops-rc 1
expect_out cover-stops-line '^  ! GPU 1 \(NVIDIA H100 80GB HBM3\) ends early: no sample from 60.00 s to 120.00 s \(60.00 s\)$'
expect_out cover-stops-aggregate 'not every device covers the whole window'
expect_out cover-stops-criterion '^  coverage +1 +== 0 +FAIL$'
expect_out cover-stops-plain '^tokens: 1000000 -> 8333 tokens/s, 0.048 J/token, 20.83 tokens/J$'
run measure --replay "$R/gpu1_stops.csv" --json
expect_json cover-stops-json 'd["coverage"]["gaps"][0]["kind"] + str(d["coverage"]["gaps"][0]["index"]) + str(d["aggregate"]["windows_differ"])' early_end1True
expect_json cover-stops-gpu-name 'd["gpus"][1]["name"]' 'NVIDIA H100 80GB HBM3'
run measure --replay "$R/hw_slowdown.csv"; expect_out slowdown-reason '^  clock-event reasons seen: hw_thermal \(throttled 50% of samples\)$'
expect_out slowdown-criterion '^  throttling +0.5041 +<= 0 +FAIL$'; expect_out slowdown-verdict '^verdict: INVALID$'
run measure --replay "$R/late_start.csv"; expect_out late-start-line '^  ! GPU 1 \(.*\) starts late: no sample from 0.00 s to 30.00 s'
run measure --replay "$R/hole.csv"; expect_out hole-line '^  ! GPU 0 \(.*\) has a hole: no sample from 39.00 s to 50.00 s \(11.00 s\)$'
run measure --replay "$R/bad_reason.csv"; expect_rc bad-reason 4; expect_err bad-reason-msg "line 3: clock-event reason hw_slowdown 'yes' is not Active or Not Active"
# unlabelled runs read as something in compare and history: 2500 tokens over the 4 s log
run measure --replay "$R/two_gpus.csv" --tokens 2500 --output "$TMP/u.json"
run compare --allow-invalid --baseline "$TMP/u.json" --current "$TMP/u.json"
expect_out unlabelled-compare "^baseline  $TMP/u.json: unlabelled measurement on 2 x \\(nvidia-smi log\\), 2500 tokens in 4 s, 2025-10-28T14:03:07Z, 2 tokens/J \\(INVALID measurement\\)$"
run history record "$TMP/u.db" "$TMP/u.json"
expect_out unlabelled-record "^recorded #1 measurement \\(unlabelled measurement on 2 x"
run measure --replay /nonexistent.csv;        expect_rc replay-missing-file 4; expect_err replay-missing-file-msg "cannot open '/nonexistent.csv'"
finish
