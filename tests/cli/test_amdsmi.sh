# CLI: llmwatt measure on AMD GPUs through the fake amdsmi (tests/fake/fake_amdsmi.c), loaded by
# the real dlopen path of src/backend/amdsmi.c: units, the preference over ROCm SMI, and the same
# fault suite as ROCm SMI and NVML (amd_faults.sh).
. "$(dirname "$0")/lib.sh"
: "${LW_BUILD:?}"
FAKE="$LW_BUILD/tests/libfake_amdsmi.so"
mkdir -p "$TMP/empty-powercap"
export LLMWATT_POWERCAP_ROOT="$TMP/empty-powercap" LLMWATT_NVML_LIBRARY=/nonexistent/libnvidia-ml.so.1 LLMWATT_AMDSMI_LIBRARY="$FAKE"
export LLMWATT_ROCM_SMI_LIBRARY="$LW_BUILD/tests/libfake_rocm_smi.so"
export TMPDIR="$TMP"

# no NVIDIA GPU, both AMD libraries there: amdsmi is used; two GPUs at 420 W and 380 W
FAKE_AMDSMI_GPUS=2 FAKE_AMDSMI_POWER_W=420,380 run measure --interval 20ms --min-duration 0.1 --json -- sleep 0.3
expect_rc amdsmi-run 0
expect_json amdsmi-source 'd["source"]' amdsmi
expect_json amdsmi-gpu0 'd["gpus"][0]["avg_power_w"]' 420 5e-3
expect_json amdsmi-gpu1 'd["gpus"][1]["avg_power_w"]' 380 5e-3
expect_json amdsmi-method 'd["gpus"][0]["energy_method"]' counter
# the two GPUs sit on two sockets; indices follow the order of the sockets
expect_json amdsmi-name '[g["index"] for g in d["gpus"]] + [d["gpus"][1]["name"], d["gpus"][1]["uuid"]]' \
    "[0, 1, 'Fake AMD Instinct MI300X 1', 'a1ff74a1-0000-1000-80fa-4e0000000001']"
# 750 W cap (microwatts), 97 % GFX activity, edge 60 C, 2100 MHz GFX clock; no throttle data in
# a run shorter than the 1 s between violation readings
expect_json amdsmi-units '[round(d["gpus"][0][k], 9) for k in ("power_limit_w", "avg_utilization", "temperature_start_c", "avg_sm_clock_mhz")]' '[750.0, 0.97, 60.0, 2100.0]'
expect_json amdsmi-throttle 'd["gpus"][0]["throttle_reasons_seen"]' None
expect_json amdsmi-valid 'd["verdict"]["valid"]' True
# the power struct of an amdsmi whose layout is not known (year 26): power is the mean between two
# accumulator readings, 300 W x the window
FAKE_AMDSMI_YEAR=26 FAKE_AMDSMI_POWER_W=300 run measure --interval 20ms --min-duration 0.1 --json -- sleep 0.3
expect_json amdsmi-derived-power 'd["gpus"][0]["avg_power_w"]' 300 5e-3
expect_json amdsmi-derived-peak 'd["gpus"][0]["peak_power_w"]' 300 2e-2
# violation status (one reading per second): a socket thermal violation from 0.5 s shows in the
# reading at about 1 s, the one known sample: hw_thermal in 1 of 1, throttling fails, INVALID
crit_thr='[c["pass"] for c in d["verdict"]["criteria"] if c["name"] == "throttling"][0]'
FAKE_AMDSMI_VIOLATION=socket FAKE_AMDSMI_VIOLATION_AT_S=0.5 run measure --interval 20ms --min-duration 0.1 --json -- sleep 1.4
expect_json amdsmi-thermal '[d["gpus"][0]["throttle_reasons_seen"], d["gpus"][0]["throttle_fraction"], '"$crit_thr"', d["verdict"]["valid"]]' \
    "[['hw_thermal'], 1.0, False, False]"
for cause in prochot vr hbm; do
    FAKE_AMDSMI_VIOLATION=$cause run measure --interval 20ms --min-duration 0.1 --json -- sleep 1.4
    expect_json "amdsmi-thermal-$cause" '[d["gpus"][0]["throttle_reasons_seen"], d["verdict"]["valid"]]' "[['hw_thermal'], False]"
done
# PPT (power cap) only: reported as sw_power_cap in 1 of 1 known samples, throttling passes
FAKE_AMDSMI_VIOLATION=ppt FAKE_AMDSMI_VIOLATION_AT_S=0.5 run measure --interval 20ms --min-duration 0.1 --json -- sleep 1.4
expect_json amdsmi-ppt '[d["gpus"][0]["throttle_reasons_seen"], d["gpus"][0]["sw_power_cap_fraction"], d["gpus"][0]["throttle_fraction"], '"$crit_thr"', d["verdict"]["valid"]]' \
    "[['sw_power_cap'], 1.0, 0.0, True, True]"
# no violation: checked and passes; an ASIC without violation data, or a library without the
# call (before ROCm 6.3): not checked
run measure --interval 20ms --min-duration 0.1 --json -- sleep 1.4
expect_json amdsmi-no-violation '[d["gpus"][0]["throttle_reasons_seen"], '"$crit_thr"']' '[[], True]'
FAKE_AMDSMI_VIOLATION=unsupported run measure --interval 20ms --min-duration 0.1 --json -- sleep 1.4
expect_json amdsmi-violation-unsupported '[d["gpus"][0]["throttle_reasons_seen"], '"$crit_thr"', d["verdict"]["valid"]]' '[None, None, True]'
FAKE_AMDSMI_VIOLATION=hbm run measure --amdsmi-library "$LW_BUILD/tests/libfake_amdsmi_old.so" --interval 20ms --min-duration 0.1 --json -- sleep 1.4
expect_json amdsmi-violation-old-library '[d["source"], d["gpus"][0]["throttle_reasons_seen"], '"$crit_thr"']' "['amdsmi', None, None]"
# --amdsmi-library names it; --devices by UUID prefix; flags exclude each other
LLMWATT_AMDSMI_LIBRARY=/nonexistent.so FAKE_AMDSMI_GPUS=3 run measure --amdsmi-library "$FAKE" --devices a1ff74a1-0000-1000-80fa-4e0000000002 --interval 20ms --json -- sleep 0.1
expect_json amdsmi-flag-devices '[g["index"] for g in d["gpus"]]' '[2]'
run measure --amdsmi-library "$FAKE" --rocm-smi-library x.so -- true; expect_rc amdsmi-two-libraries 2
expect_err amdsmi-two-libraries-msg 'give one of --nvml-library, --amdsmi-library and --rocm-smi-library, not several'
# amdsmi_init fails: ROCm SMI is tried next; with neither, one line names both
FAKE_AMDSMI_INIT_FAIL=18 run measure --interval 20ms --json -- sleep 0.1
expect_json amdsmi-falls-back 'd["source"]' rocm_smi
FAKE_AMDSMI_INIT_FAIL=18 LLMWATT_ROCM_SMI_LIBRARY=/nonexistent/librocm_smi64.so.1 run measure -- true; expect_rc amdsmi-init-fail 6
expect_err amdsmi-init-fail-msg 'no power source: .*amdsmi_init failed in .*fake_amdsmi.so: AMDSMI_STATUS_INIT_ERROR: fake init failure \(error 18\); is the amdgpu driver loaded\?; cannot load /nonexistent/librocm_smi64.so.1'
run measure --amdsmi-library /nonexistent/libamd_smi.so -- true; expect_rc amdsmi-missing 6
expect_err amdsmi-missing-msg 'no power source: cannot load /nonexistent/libamd_smi.so'

. "$(dirname "$0")/amd_faults.sh"
amd_fault_suite amdsmi FAKE_AMDSMI amdsmi 750
finish
