#!/usr/bin/env python3
"""Writes the 20 measurement JSON files (llmwatt.measurement/1) the cost/history/report tests use.

Run i (0..19) starts on 2026-11-01 + i days at 12:00Z and uses configuration c = i % 9 with
repetition k = i // 9; its throughput is base * (1 + 0.01 k), its power the base power.
Run 19 (config 1, k = 2) is INVALID (utilisation 0.5) with a throughput 10x off.
Usage: gen_runs.py OUTDIR"""
import json, os, sys

CONFIGS = [  # workload, model, precision, batch, seq_len, gpus, avg power W (all GPUs), tokens/s
    ("gpt8b", "llama-3.1-8b", "fp16", 8, 2048, 1, 600.0, 1200.0),
    ("gpt8b", "llama-3.1-8b", "fp16", 16, 2048, 1, 700.0, 2100.0),
    ("gpt8b", "llama-3.1-8b", "fp8", 16, 2048, 1, 650.0, 3250.0),
    ("gpt8b", "llama-3.1-8b", "fp8", 32, 2048, 1, 700.0, 4200.0),
    ("gpt40b", "gpt-40b", "fp16", 8, 4096, 8, 5600.0, 5600.0),
    ("gpt40b", "gpt-40b", "fp16", 16, 4096, 8, 6000.0, 9000.0),
    ("gpt40b", "gpt-40b", "fp8", 16, 4096, 8, 5200.0, 13000.0),
    ("gpt40b", "gpt-40b", "fp8", 32, 4096, 8, 5600.0, 16800.0),
    ("moe16x8b", "moe-16x8b", "fp16", 16, 2048, 8, 6400.0, 12800.0),
]

def run(i):
    wl, model, prec, batch, seq, gpus, power, tps = CONFIGS[i % 9]
    k = i // 9
    tps = tps * (1 + 0.01 * k)
    valid = i != 19
    if not valid:
        tps *= 10
    dur = 120.0
    energy = power * dur
    tokens = tps * dur
    day = 1 + i
    per = power / gpus
    return {
        "schema": "llmwatt.measurement/1", "llmwatt_version": "0.1.0",
        "command": ["python3", "bench.py", "--batch", str(batch)],
        "labels": {"workload": wl, "model": model, "precision": prec, "batch": str(batch),
                   "seq_len": str(seq), "gpus": str(gpus)},
        "start_time": "2026-11-%02dT12:00:00Z" % day, "end_time": "2026-11-%02dT12:02:10Z" % day,
        "host": "node17", "source": "replay", "driver": "550.54.15", "interval_s": 0.1, "warmup_s": 10,
        "duration_s": dur,
        "gpus": [{"index": g, "name": "NVIDIA B200", "uuid": "GPU-%d" % g, "power_limit_w": 1000,
                  "energy_j": energy / gpus, "energy_method": "integrated", "avg_power_w": per,
                  "peak_power_w": per * 1.1, "avg_utilization": 0.93 if valid else 0.5} for g in range(gpus)],
        "aggregate": {"energy_j": energy, "avg_power_w": power, "peak_power_w": power * 1.1},
        "tokens": tokens, "tokens_per_s": tps, "j_per_token": energy / tokens, "tokens_per_j": tokens / energy,
        "iterations": 100,
        "child": {"exit_code": 0, "signal": 0, "interrupted": False},
        "sampling": {"samples": 1200, "expected": 1200, "largest_gap_s": 0.11, "counter_resets": 0},
        "verdict": {"valid": valid, "criteria": [
            {"name": "avg_gpu_utilization", "value": 0.93 if valid else 0.5, "threshold": 0.7, "pass": valid}]},
    }

if __name__ == "__main__":
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for i in range(20):
        with open(os.path.join(out, "run%02d.json" % i), "w") as f:
            json.dump(run(i), f, indent=1)
