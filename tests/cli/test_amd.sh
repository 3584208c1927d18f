# CLI: llmwatt measure on AMD GPUs through the fake ROCm SMI (tests/fake/fake_rocm_smi.c), loaded
# by the real dlopen path of src/backend/rocm_smi.c: the same fault suite as the fake NVML.
. "$(dirname "$0")/lib.sh"
: "${LW_BUILD:?}"
FAKE="$LW_BUILD/tests/libfake_rocm_smi.so"
mkdir -p "$TMP/empty-powercap"
export LLMWATT_POWERCAP_ROOT="$TMP/empty-powercap" LLMWATT_NVML_LIBRARY=/nonexistent/libnvidia-ml.so.1 LLMWATT_ROCM_SMI_LIBRARY="$FAKE"
export TMPDIR="$TMP"
crit() { echo "[c[\"pass\"] for c in d[\"verdict\"][\"criteria\"] if c[\"name\"] == \"$1\"][0]"; }

# no NVIDIA GPU: ROCm SMI is used; two GPUs at 300 W and 200 W, energy = power x window
FAKE_ROCM_GPUS=2 FAKE_ROCM_POWER_W=300,200 run measure --interval 20ms --min-duration 0.1 --json -- sleep 0.3
expect_rc amd-run 0
expect_json amd-source 'd["source"]' rocm_smi
expect_json amd-gpu0 'd["gpus"][0]["avg_power_w"]' 300 5e-3
expect_json amd-gpu1 'd["gpus"][1]["avg_power_w"]' 200 5e-3
expect_json amd-method 'd["gpus"][0]["energy_method"]' counter
expect_json amd-name 'd["gpus"][1]["name"] + " " + d["gpus"][1]["uuid"]' 'Fake AMD Instinct MI250X 1 GPU-fa4e000000000001'
# 560 W cap (microwatts), 96 % busy, edge 55 C (millidegrees), 1700 MHz (Hz), no throttle data
expect_json amd-units '[round(d["gpus"][0][k], 9) for k in ("power_limit_w", "avg_utilization", "temperature_start_c", "avg_sm_clock_mhz")]' '[560.0, 0.96, 55.0, 1700.0]'
expect_json amd-throttle 'd["gpus"][0]["throttle_reasons_seen"]' None
expect_json amd-valid 'd["verdict"]["valid"]' True
# --rocm-smi-library names it; --devices by UUID prefix
LLMWATT_ROCM_SMI_LIBRARY=/nonexistent.so FAKE_ROCM_GPUS=3 run measure --rocm-smi-library "$FAKE" --devices GPU-fa4e000000000002 --interval 20ms --json -- sleep 0.1
expect_json amd-flag-devices '[g["index"] for g in d["gpus"]]' '[2]'
run measure --rocm-smi-library "$FAKE" --nvml-library x.so -- true; expect_rc amd-two-libraries 2
FAKE_ROCM_INIT_FAIL=8 run measure -- true; expect_rc amd-init-fail 6
expect_err amd-init-fail-msg 'no power source: .*rsmi_init failed in .*fake_rocm_smi.so: RSMI_STATUS_INIT_ERROR: fake init failure \(error 8\); is the amdgpu driver loaded\?'

# faults
# a GPU that falls off the bus (FILE_ERROR) for 0.5 s and comes back: a hole, INVALID
FAKE_ROCM_GPUS=2 FAKE_ROCM_FAIL_GPU=1 FAKE_ROCM_FAIL_AT_S=0.3 FAKE_ROCM_FAIL_UNTIL_S=0.8 run measure --interval 20ms --min-duration 0.1 --json -- sleep 1.2
expect_json amd-lost-back 'd["gpus"][1]["failed_samples"] > 0 and d["gpus"][1]["back_at_s"] > 0.7 and d["coverage"]["gaps"][0]["kind"] == "hole"' True
expect_json amd-lost-back-invalid "$(crit coverage) or d[\"verdict\"][\"valid\"]" False
# lost for good at 0.2 s: ends early, the aggregate says its windows differ
FAKE_ROCM_GPUS=2 FAKE_ROCM_FAIL_GPU=1 FAKE_ROCM_FAIL_AT_S=0.2 run measure --interval 20ms --min-duration 0.1 --json -- sleep 0.8
expect_json amd-lost 'd["coverage"]["gaps"][0]["kind"] + " " + str(d["aggregate"]["windows_differ"])' 'early_end True'
# a 32-bit accumulator that wraps at 0.15 s: unwrapped, the energy stays 250 W x the window
FAKE_ROCM_WRAP_AT_S=0.15 run measure --interval 20ms --min-duration 0.1 --json -- sleep 0.3
expect_json amd-wrap-energy 'd["gpus"][0]["avg_power_w"]' 250 5e-3
expect_json amd-wrap-valid "$(crit energy_counter)" True
# the accumulator steps back 50 J: that interval is integrated from power, criterion fails
FAKE_ROCM_BACK_J=50 FAKE_ROCM_BACK_AT_S=0.2 run measure --interval 20ms --min-duration 0.1 --json -- sleep 0.4
expect_json amd-backwards-energy 'd["gpus"][0]["avg_power_w"]' 250 5e-3
expect_json amd-backwards-criterion "$(crit energy_counter)" False
# implausible: the accumulator reads 10 x (2500 W against a 560 W cap, more than twice it)
FAKE_ROCM_GAIN=10 run measure --interval 20ms --min-duration 0.1 --json -- sleep 0.3
expect_json amd-implausible-energy 'd["gpus"][0]["avg_power_w"]' 250 5e-3
expect_json amd-implausible-count 'd["gpus"][0]["counter_implausible"] > 0' True
expect_json amd-implausible-criterion "$(crit energy_counter)" False
FAKE_ROCM_GAIN=10 run measure --interval 20ms --min-duration 0.1 -- sleep 0.2
expect_out amd-implausible-line '^  ! energy counter rose faster than 2 x the 560 W power limit [0-9]+ time\(s\) \(first at 0\.[0-9]+ s\); those intervals are integrated from power$'
# a reading stalled 1 s: a hole, the energy still right
FAKE_ROCM_STALL_AT_S=0.2 FAKE_ROCM_STALL_S=1 run measure --interval 20ms --min-duration 0.1 --json -- sleep 0.4
expect_json amd-stall-energy 'd["gpus"][0]["avg_power_w"]' 250 5e-3
expect_json amd-stall-hole 'd["coverage"]["gaps"][0]["kind"]' hole
# a workload ignoring SIGTERM, and an output directory that vanishes: as with NVML
"$LLMWATT" measure --interval 20ms --kill-after 1s --output "$TMP/k.json" -- sh -c 'trap "" TERM; : >"$1"; exec sleep 30' sh "$TMP/ready-term" >"$OUT" 2>"$ERR" &
pid=$!
wait_ready "$TMP/ready-term"
kill -TERM "$pid"
wait "$pid"; RC=$?
expect_rc amd-ignores-term 137
cp "$TMP/k.json" "$OUT"; expect_json amd-ignores-term-json 'd["source"] + " " + str(d["child"]["signal"])' 'rocm_smi 9'
mkdir "$TMP/gone"
run measure --interval 20ms --output "$TMP/gone/m.json" -- rmdir "$TMP/gone"
expect_rc amd-dir-gone 4
if tail -1 "$ERR" | grep -Eq "the measurement was kept in $TMP/llmwatt-measure-[A-Za-z0-9]+.json$"; then ok amd-dir-gone-msg; else bad amd-dir-gone-msg "$(cat "$ERR")"; fi
finish
