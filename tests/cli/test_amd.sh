# CLI: llmwatt measure on AMD GPUs through the fake ROCm SMI (tests/fake/fake_rocm_smi.c), loaded
# by the real dlopen path of src/backend/rocm_smi.c: the same fault suite as the fake NVML.
. "$(dirname "$0")/lib.sh"
: "${LW_BUILD:?}"
FAKE="$LW_BUILD/tests/libfake_rocm_smi.so"
mkdir -p "$TMP/empty-powercap"
export LLMWATT_POWERCAP_ROOT="$TMP/empty-powercap" LLMWATT_NVML_LIBRARY=/nonexistent/libnvidia-ml.so.1 LLMWATT_ROCM_SMI_LIBRARY="$FAKE"
export LLMWATT_AMDSMI_LIBRARY=/nonexistent/libamd_smi.so   # amdsmi is tried first: tests/cli/test_amdsmi.sh
export TMPDIR="$TMP"

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

# faults: the suite shared with amdsmi (amd_faults.sh)
. "$(dirname "$0")/amd_faults.sh"
amd_fault_suite amd FAKE_ROCM rocm_smi 560
finish
