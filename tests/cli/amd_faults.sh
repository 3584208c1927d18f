# The fault suite of the AMD backends (sourced by test_amd.sh for ROCm SMI and test_amdsmi.sh for
# amdsmi), run against their fake libraries, which take the same script under their own prefix
# (FAKE_ROCM_..., FAKE_AMDSMI_...): the NVML fault cases of test_measure.sh.
# amd_fault_suite TAG PREFIX SOURCE CAP_W
amd_fault_suite() {
    local t=$1 p=$2 src=$3 cap=$4
    local crit_cov='[c["pass"] for c in d["verdict"]["criteria"] if c["name"] == "coverage"][0]'
    local crit_ctr='[c["pass"] for c in d["verdict"]["criteria"] if c["name"] == "energy_counter"][0]'
    # a GPU that falls off the bus for 0.5 s and comes back: a hole, INVALID
    env "${p}_GPUS=2" "${p}_FAIL_GPU=1" "${p}_FAIL_AT_S=0.3" "${p}_FAIL_UNTIL_S=0.8" \
        "$LLMWATT" measure --interval 20ms --min-duration 0.1 --json -- sleep 1.2 >"$OUT" 2>"$ERR"
    expect_json "$t-lost-back" 'd["gpus"][1]["failed_samples"] > 0 and d["gpus"][1]["back_at_s"] > 0.7 and d["coverage"]["gaps"][0]["kind"] == "hole"' True
    expect_json "$t-lost-back-invalid" "$crit_cov or d[\"verdict\"][\"valid\"]" False
    # lost for good at 0.2 s: ends early, the aggregate says its windows differ
    env "${p}_GPUS=2" "${p}_FAIL_GPU=1" "${p}_FAIL_AT_S=0.2" "$LLMWATT" measure --interval 20ms --min-duration 0.1 --json -- sleep 0.8 >"$OUT" 2>"$ERR"
    expect_json "$t-lost" 'd["coverage"]["gaps"][0]["kind"] + " " + str(d["aggregate"]["windows_differ"])' 'early_end True'
    # a 32-bit accumulator that wraps at 0.15 s: unwrapped, the energy stays 250 W x the window
    env "${p}_WRAP_AT_S=0.15" "$LLMWATT" measure --interval 20ms --min-duration 0.1 --json -- sleep 0.3 >"$OUT" 2>"$ERR"
    expect_json "$t-wrap-energy" 'd["gpus"][0]["avg_power_w"]' 250 2e-2
    expect_json "$t-wrap-valid" "$crit_ctr" True
    # the accumulator steps back 50 J: that interval is integrated from power, criterion fails
    env "${p}_BACK_J=50" "${p}_BACK_AT_S=0.2" "$LLMWATT" measure --interval 20ms --min-duration 0.1 --json -- sleep 0.4 >"$OUT" 2>"$ERR"
    expect_json "$t-backwards-energy" 'd["gpus"][0]["avg_power_w"]' 250 5e-3
    expect_json "$t-backwards-criterion" "$crit_ctr" False
    # implausible: the accumulator reads 10 x (2500 W, more than twice the cap)
    env "${p}_GAIN=10" "$LLMWATT" measure --interval 20ms --min-duration 0.1 --json -- sleep 0.3 >"$OUT" 2>"$ERR"
    expect_json "$t-implausible-energy" 'd["gpus"][0]["avg_power_w"]' 250 5e-3
    expect_json "$t-implausible-count" 'd["gpus"][0]["counter_implausible"] > 0' True
    expect_json "$t-implausible-criterion" "$crit_ctr" False
    env "${p}_GAIN=10" "$LLMWATT" measure --interval 20ms --min-duration 0.1 -- sleep 0.2 >"$OUT" 2>"$ERR"
    expect_out "$t-implausible-line" "^  ! energy counter rose faster than 2 x the $cap W power limit [0-9]+ time\\(s\\) \\(first at 0\\.[0-9]+ s\\); those intervals are integrated from power\$"
    # a reading stalled 1 s: a hole, the energy still right
    env "${p}_STALL_AT_S=0.2" "${p}_STALL_S=1" "$LLMWATT" measure --interval 20ms --min-duration 0.1 --json -- sleep 0.4 >"$OUT" 2>"$ERR"
    expect_json "$t-stall-energy" 'd["gpus"][0]["avg_power_w"]' 250 5e-3
    expect_json "$t-stall-hole" 'd["coverage"]["gaps"][0]["kind"]' hole
    # a call that never returns (hung driver) from 0.3 s: the run ends with the workload, the GPU
    # fails from 0.3 s (gpus_present, coverage), the file is written and says so
    env "${p}_HANG_AT_S=0.3" "$LLMWATT" measure --interval 50ms --min-duration 0.1 --output "$TMP/hung.json" -- sleep 2.6 >"$OUT" 2>"$ERR"
    RC=$?; expect_rc "$t-hung" 0
    expect_out "$t-hung-line" "^warning: a call into the $src library began at 0\.[0-9]+ s and never returned \(a hung driver\)"
    cp "$TMP/hung.json" "$OUT"
    expect_json "$t-hung-lost" 'round(d["gpus"][0]["lost_at_s"], 1)' 0.3
    expect_json "$t-hung-invalid" '[c["pass"] for c in d["verdict"]["criteria"] if c["name"] in ("gpus_present", "coverage")] + [d["verdict"]["valid"]]' '[False, False, False]'
    # a workload ignoring SIGTERM, and an output directory that vanishes: as with NVML
    rm -f "$TMP/ready-term" "$TMP/k.json"
    "$LLMWATT" measure --interval 20ms --kill-after 1s --output "$TMP/k.json" -- sh -c 'trap "" TERM; : >"$1"; exec sleep 30' sh "$TMP/ready-term" >"$OUT" 2>"$ERR" &
    local pid=$!
    wait_ready "$TMP/ready-term"
    kill -TERM "$pid"
    wait "$pid"; RC=$?
    expect_rc "$t-ignores-term" 137
    cp "$TMP/k.json" "$OUT"; expect_json "$t-ignores-term-json" 'd["source"] + " " + str(d["child"]["signal"])' "$src 9"
    mkdir "$TMP/gone"
    run measure --interval 20ms --output "$TMP/gone/m.json" -- rmdir "$TMP/gone"
    expect_rc "$t-dir-gone" 4
    if tail -1 "$ERR" | grep -Eq "the measurement was kept in $TMP/llmwatt-measure-[A-Za-z0-9]+.json$"; then ok "$t-dir-gone-msg"; else bad "$t-dir-gone-msg" "$(cat "$ERR")"; fi
}
