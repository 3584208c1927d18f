#!/usr/bin/env python3
"""bf16 matmul loop for validating `llmwatt measure` on a real GPU.

Runs C = A @ B (N x N, bf16) back to back for --seconds after --warmup-seconds, then writes a
throughput JSON: {"iterations", "matmuls", "flops", "tflops_per_s", "seconds", ...}.
Work units are matmuls (there are no tokens): measure with --tokens-key matmuls.
"""
import argparse
import json
import time

import torch


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--size", type=int, default=8192)
    p.add_argument("--seconds", type=float, default=90.0)
    p.add_argument("--warmup-seconds", type=float, default=10.0)
    p.add_argument("--output", default="throughput.json")
    a = p.parse_args()
    if not torch.cuda.is_available():
        raise SystemExit("matmul_bf16.py: no CUDA GPU visible to PyTorch")
    dev = torch.device("cuda")
    x = torch.randn(a.size, a.size, device=dev, dtype=torch.bfloat16)
    y = torch.randn(a.size, a.size, device=dev, dtype=torch.bfloat16)
    out = torch.empty_like(x)
    t_end = time.monotonic() + a.warmup_seconds
    while time.monotonic() < t_end:
        torch.matmul(x, y, out=out)
        torch.cuda.synchronize()
    n = 0
    t0 = time.monotonic()
    while time.monotonic() - t0 < a.seconds:
        for _ in range(10):
            torch.matmul(x, y, out=out)
        torch.cuda.synchronize()
        n += 10
    dt = time.monotonic() - t0
    flops = 2.0 * a.size ** 3 * n
    res = {"workload": "matmul_bf16", "size": a.size, "iterations": n, "matmuls": n, "flops": flops,
           "seconds": dt, "warmup_seconds": a.warmup_seconds, "tflops_per_s": flops / dt / 1e12,
           "gpu": torch.cuda.get_device_name(0), "torch": torch.__version__}
    with open(a.output, "w") as f:
        json.dump(res, f, indent=2)
    print(json.dumps(res))


if __name__ == "__main__":
    main()
