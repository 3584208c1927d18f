#!/usr/bin/env python3
"""Estimates per second through the Python package next to the C figure (bench_estimate).

Same request shape as bench/bench_estimate.c: Llama-3.1-8B on one H100, batch 8, 1000 input
(varied by 0..7 so nothing is cached) + 500 output tokens. Three paths, one core each:
  Estimator.run      the fast path (lw_estimator_run through ctypes, a Band back)
  Estimator.estimate the full record (memory check + lw_estimate_to_json + json.loads)
  C                  bench_estimate (roofline line), when given its path
Usage: python3 bench/bench_python.py [BUILD/bench/bench_estimate]
"""
import subprocess
import sys
import time

import llmwatt


def rate(fn, min_s=1.0):
    n, t0 = 0, time.perf_counter()
    while True:
        for i in range(1000):
            fn(1000 + (i & 7))
        n += 1000
        t = time.perf_counter() - t0
        if t >= min_s:
            return n / t


def main():
    est = llmwatt.Estimator("llama-3.1-8b", "h100")
    fast = rate(lambda i: est.run(i, 500, 8))
    full = rate(lambda i: est.estimate(i, 500, 8), 0.5)
    print(f"python Estimator.run       {fast:12.4g} estimates/s  (ctypes call + Band)")
    print(f"python Estimator.estimate  {full:12.4g} estimates/s  (full record: JSON rendered and parsed)")
    if len(sys.argv) > 1:
        out = subprocess.run([sys.argv[1]], check=True, capture_output=True, text=True).stdout
        line = next((l for l in out.splitlines() if "roofline" in l), out.strip())
        print(f"C bench_estimate           {line.strip()}")


if __name__ == "__main__":
    main()
