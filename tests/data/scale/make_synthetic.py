#!/usr/bin/env python3
"""Writes synthetic_points.csv: points generated from seed 000's model with chosen coefficients,
for tests/unit/test_fit.c. Per point (overhead multi-GPU mode, alpha 0.12):
  E = C_regime * N * k^log2(N) * mu_family * (P / B) * eta_gpu * (1 + 0.12 * (G - 1)) * noise
True values: k = 0.93; mu_llama3 / mu_qwen2.5 = 1.5; eta a100-80gb relative to h100-sxm = 1.2.
Two batch regimes: 8 (every model on both GPUs) and 64 (C 5x lower, an unbalanced subset: Qwen2.5-3B
and -7B on H100, Llama-3.1-70B on A100), so pairs across regimes would bias the fit.
noise cycles through 1.02, 0.98, 1.01, 0.99 (deterministic, +-2%).
synthetic_confounded.csv: the same points, but every H100 point from "synthetic lab A" and every
A100 point from "synthetic lab B", so the A100/H100 eta is only seen across sources (confounded)."""
import math

K, MU, ETA, ALPHA = 0.93, {"qwen2.5": 1.0, "llama3": 1.5}, {"h100": 1.0, "a100": 1.2}, 0.12
GPU = {"h100": ("NVIDIA H100 80GB HBM3 (700 W)", 3.35e12, 500.0), "a100": ("NVIDIA A100-80GB (DGX)", 2.039e12, 290.0)}
MODELS = [("Qwen/Qwen2.5-3B-Instruct", "qwen2.5", 3.09, 1), ("Qwen/Qwen2.5-7B-Instruct", "qwen2.5", 7.62, 1),
          ("meta-llama/Llama-3.1-8B-Instruct", "llama3", 8.03, 1), ("meta-llama/Llama-3.1-70B-Instruct", "llama3", 70.55, 4)]
REGIMES = [(8, 20.0, lambda nb, gk: True), (64, 4.0, lambda nb, gk: (nb < 8 and gk == "h100") or (nb > 50 and gk == "a100"))]
NOISE = [1.02, 0.98, 1.01, 0.99]

cols = ["row_id", "model", "precision", "gpu_model", "num_gpus", "batch_size_or_concurrency", "input_tokens", "output_tokens",
        "energy_boundary", "norm_J_per_output_token", "norm_J_per_request", "total_params_B", "active_params_B", "source_title"]
rows = []
i = 0
for batch, c, keep in REGIMES:
    for gk, (gname, bw, p) in GPU.items():
        for model, fam, nb, g in MODELS:
            if not keep(nb, gk):
                continue
            n = nb * 1e9
            e = c * n * K ** math.log2(n) * MU[fam] * (p / bw) * ETA[gk] * (1 + ALPHA * (g - 1)) * NOISE[i % 4]
            i += 1
            rows.append([str(i), model, "bfloat16", gname, str(g), f"max_num_seqs={batch} (avg running batch {batch}.0)", "500", "300",
                         "GPU only (synthetic)", f"{e:.6g}", f"{e * 300:.6g}", str(nb), str(nb), "synthetic (make_synthetic.py)"])
for name, lab in (("synthetic_points.csv", None), ("synthetic_confounded.csv", {"h100": "A", "a100": "B"})):
    with open(name, "w") as f:
        f.write(",".join(cols) + "\n")
        for r in rows:
            if lab:
                r = r[:-1] + [f"synthetic lab {lab['h100' if 'H100' in r[3] else 'a100']} (make_synthetic.py)"]
            f.write(",".join('"' + x + '"' if "," in x else x for x in r) + "\n")
