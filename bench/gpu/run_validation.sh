#!/usr/bin/env bash
# Real-GPU validation of `llmwatt measure` (issue 5): a bf16 matmul loop and a random-weight
# Llama decode loop, each measured by llmwatt (counter and integrated power) while nvidia-smi
# logs power independently; the log is then replayed through `llmwatt measure --replay`.
# Usage: bench/gpu/run_validation.sh [OUTDIR]   (needs an NVIDIA GPU, python3 + torch, make)
# Prints one summary line per workload; everything else lands in OUTDIR (default gpu-validation).
set -eu
cd "$(dirname "$0")/../.."
OUT=${1:-gpu-validation}
mkdir -p "$OUT"
make -s -j"$(nproc)"
LW=build/llmwatt
nvidia-smi --query-gpu=name,driver_version,power.limit,clocks.max.sm --format=csv >"$OUT/gpu.csv"
python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda)' >"$OUT/torch.txt"
date -u +%Y-%m-%dT%H:%M:%SZ >"$OUT/date.txt"

measure() { # NAME KEY -- COMMAND...
    local name=$1 key=$2; shift 3
    nvidia-smi --query-gpu=timestamp,index,power.draw,utilization.gpu,temperature.gpu,clocks.sm \
        --format=csv -lms 100 -i 0 >"$OUT/$name.nvidia-smi.csv" &
    local smi=$!
    set +e
    "$LW" measure --gpus 0 --interval 100ms --warmup 10s --idle-baseline 5s \
        --throughput-file "$OUT/$name.throughput.json" --tokens-key "$key" --label workload="$name" \
        --output "$OUT/$name.json" --csv "$OUT/$name.samples.csv" -- "$@" >"$OUT/$name.summary.txt"
    local rc=$?
    set -e
    kill "$smi"; wait "$smi" 2>/dev/null || true
    "$LW" measure --replay "$OUT/$name.nvidia-smi.csv" --warmup 15s >"$OUT/$name.replay.txt" || true
    python3 - "$OUT/$name.json" "$name" "$rc" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); g = d["gpus"][0]
print(f'{sys.argv[2]}: exit {sys.argv[3]}, {d["duration_s"]:.1f} s, {g["name"]}, driver {d["driver"]}: '
      f'counter {g["energy_counter_j"]} J, integrated {g["energy_integrated_j"]} J, '
      f'counter vs integrated {100 * (g["counter_vs_integrated"] or 0):+.2f}%, avg {g["avg_power_w"]:.1f} W, '
      f'util {100 * (g["avg_utilization"] or 0):.0f}%, work {d["tokens"]}, per J {d["tokens_per_j"]}, '
      f'verdict {"VALID" if d["verdict"]["valid"] else "INVALID"}')
PY
}

measure matmul_bf16 matmuls -- python3 bench/gpu/matmul_bf16.py --seconds 90 --warmup-seconds 10 --output "$OUT/matmul_bf16.throughput.json"
measure decode_llama32_1b tokens -- python3 bench/gpu/decode_random.py --arch llama-3.2-1b --seconds 90 --warmup-seconds 10 --output "$OUT/decode_llama32_1b.throughput.json"
echo "results in $OUT (add the two lines above, gpu.csv, torch.txt and date.txt to docs/validation.md, section 3)"
