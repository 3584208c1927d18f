"""llmwatt.scale and llmwatt.physics: the CLI's JSON exactly, hand-worked values, bad input."""
import json
import os
import subprocess

import pytest

import llmwatt

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LLMWATT = os.environ.get("LLMWATT", os.path.join(ROOT, "build", "llmwatt"))
DATA = os.environ.get("LW_TEST_DATA", os.path.join(ROOT, "tests", "data"))


def cli(*args):
    return subprocess.run([LLMWATT, *args], check=True, capture_output=True, text=True).stdout


SCALE_CASES = [
    # seed 000 Part 5, GPT-OSS-120B on H100
    (dict(baseline_j_per_token=0.35, from_model="qwen2.5-3b", from_params=3e9, from_gpu="a100-80gb",
          to_model="gpt-oss-120b", to_params=5.1e9, to_gpu="h100-sxm", mu=(0.90, 1.00, 1.20)),
     ["--baseline-j-per-token", "0.35", "--from-model", "qwen2.5-3b", "--from-params", "3e9", "--from-gpu", "a100-80gb",
      "--to-model", "gpt-oss-120b", "--to-params", "5.1e9", "--to-gpu", "h100-sxm", "--mu", "0.90,1.00,1.20"]),
    # DeepSeek on 8 GPUs, default multi-GPU mode (the note on seed 000's tables) and the seed's reading
    (dict(baseline_j_per_token=0.35, from_model="qwen2.5-3b", from_gpu="a100-80gb", to_model="deepseek-v3",
          to_params=37e9, to_gpu="h100", to_gpus=8),
     ["--baseline-j-per-token", "0.35", "--from-model", "qwen2.5-3b", "--from-gpu", "a100-80gb", "--to-model",
      "deepseek-v3", "--to-params", "37e9", "--to-gpu", "h100", "--to-gpus", "8"]),
    (dict(baseline_j_per_token=1, from_params=3e9, to_params=72e9, multi_gpu="none", k=(0.9, 1.0, 1.1), alpha=0.2),
     ["--baseline-j-per-token", "1", "--from-params", "3e9", "--to-params", "72e9", "--multi-gpu", "none", "--k",
      "0.9,1.0,1.1", "--alpha", "0.2"]),
    (dict(baseline_j_per_token=2, from_model="llama-3.1-8b", to_model="mixtral-8x7b", from_gpu="h100", to_gpu="b200",
          from_power_w=450, eta=(0.8, 0.9, 1.0), to_family="gemma3"),
     ["--baseline-j-per-token", "2", "--from-model", "llama-3.1-8b", "--to-model", "mixtral-8x7b", "--from-gpu", "h100",
      "--to-gpu", "b200", "--from-power-w", "450", "--eta", "0.8,0.9,1.0", "--family", "gemma3"]),
]


@pytest.mark.parametrize("kwargs,args", SCALE_CASES)
def test_scale_equals_cli(kwargs, args):
    s = llmwatt.scale(**kwargs)
    out = cli("scale", *args, "--json")
    assert s.to_dict() == json.loads(out)
    assert s.to_json() + "\n" == out


def test_scale_hand_worked_and_band():
    # 3B -> 6B is one doubling: 2 x k with k 0.90 / 0.95 / 1.10, Mixtral mu 0.75 / 0.80 / 0.85 (seed 000 §1.2)
    s = llmwatt.scale(1.0, from_params=3e9, to_params=6e9, from_family="qwen2.5", to_family="mixtral")
    assert isinstance(s.energy_per_token_j, llmwatt.Band)
    assert s.energy_per_token_j == pytest.approx((2 * 0.90 * 0.75, 2 * 0.95 * 0.80, 2 * 1.10 * 0.85), rel=1e-12)
    assert s.factors.multi_gpu.mode == "overhead"


def test_scale_coefficients_flagged():
    flagged = os.path.join(DATA, "scale", "coef_flagged.json")
    kw = dict(from_params=3e9, to_params=6e9, from_family="qwen2.5", to_family="qwen3")
    with pytest.raises(llmwatt.Error) as e:
        llmwatt.scale(1.0, coefficients=flagged, **kw)
    assert "scale.mu_arch.qwen3 = 7.2 is outside its physical range [0.75, 1.8]" in str(e.value)
    assert "accept_flagged=True" in str(e.value)
    with pytest.raises(llmwatt.Error) as e:  # a GPU step: the run uses the confounded eta, named first
        llmwatt.scale(1.0, from_params=3e9, to_params=3e9, from_gpu="h100", to_gpu="a100-80gb", coefficients=flagged)
    assert ": scale.eta_util.h100-sxm.a100-80gb = 1.1 is confounded with the data source" in str(e.value)
    s = llmwatt.scale(1.0, coefficients=flagged, accept_flagged=True, **kw)
    assert s.energy_per_token_j.expected == pytest.approx(2 * 0.95 * 7.2, rel=1e-12)
    assert [f.split(" = ")[0] for f in s.flagged_coefficients] == ["scale.mu_arch.qwen3"]
    assert s.flagged_unused == 1  # the confounded H100 -> A100 eta: in the file, not in this run
    out = cli("scale", "--baseline-j-per-token", "1", "--from-params", "3e9", "--to-params", "6e9", "--from-family",
              "qwen2.5", "--family", "qwen3", "--coefficients", flagged, "--accept-flagged", "--json")
    assert s.to_json() + "\n" == out


@pytest.mark.parametrize("kwargs,needle", [
    (dict(baseline_j_per_token=-0.35, from_params=3e9, to_params=7e9), "got -0.35"),
    (dict(baseline_j_per_token="x", from_params=3e9, to_params=7e9), "baseline_j_per_token expects a finite number"),
    (dict(baseline_j_per_token=1, to_params=7e9), "needs from_model or from_params"),
    (dict(baseline_j_per_token=1, from_params=0, to_params=7e9), "from_params expects a positive number"),
    (dict(baseline_j_per_token=1, from_params=3e9, to_model="llama-9b"), "unknown model 'llama-9b'"),
    (dict(baseline_j_per_token=1, from_params=3e9, to_params=7e9, from_gpu="h900"), "unknown GPU 'h900'"),
    (dict(baseline_j_per_token=1, from_params=3e9, to_params=7e9, to_family="gpt-9"), "unknown model family 'gpt-9'"),
    (dict(baseline_j_per_token=1, from_params=3e9, to_params=7e9, k=(0.9, 1.0, 2.5)), "2.5"),
    (dict(baseline_j_per_token=1, from_params=3e9, to_params=7e9, mu=(1.2, 1.0)), "mu expects (low, expected, high)"),
    (dict(baseline_j_per_token=1, from_params=3e9, to_params=7e9, multi_gpu="both"), "unknown multi-GPU mode 'both'"),
    (dict(baseline_j_per_token=1, from_params=3e9, to_params=7e9, to_gpus=0), "to_gpus must be between 1 and 4096, got 0"),
])
def test_scale_bad_input(kwargs, needle):
    with pytest.raises(llmwatt.Error) as e:
        llmwatt.scale(**kwargs)
    assert needle in str(e.value)
    assert isinstance(e.value, ValueError)


@pytest.mark.parametrize("kwargs,args", [
    (dict(gpu="h100-sxm"), ["h100-sxm"]),
    (dict(gpu="h100", mfu=0.49), ["h100", "--mfu", "0.49"]),
    (dict(gpu="h100", precision="all", flops_per_mac=2), ["h100", "--precision", "all", "--flops-per-mac", "2"]),
    (dict(gpu="v100", precision="all"), ["v100", "--precision", "all"]),
    (dict(gpu="b200", precision="fp8", mfu=0.3), ["b200", "--precision", "fp8", "--mfu", "0.3"]),
])
def test_physics_equals_cli(kwargs, args):
    p = llmwatt.physics(**kwargs)
    out = cli("physics", *args, "--json")
    assert p.to_dict() == json.loads(out)
    assert p.to_json() + "\n" == out


def test_physics_hand_worked():
    # seed 002: H100 TDP 700 W / (1.15 pJ x node factor 1) / 989.4 TFLOP/s dense bf16 peak
    p = llmwatt.physics("h100-sxm", mfu=0.49)
    assert p.models[0].physics_limit == pytest.approx(700 / 1.15e-12 / 989.4e12, rel=1e-9)
    assert p.max_pj_per_mac == pytest.approx(700 / (0.49 * 989.4e12) * 1e12, rel=1e-9)
    assert [m.name for m in p.models] == ["component", "calibrated", "external"]


@pytest.mark.parametrize("kwargs,needle", [
    (dict(gpu="h900"), "unknown GPU 'h900'"),
    (dict(gpu="h100", mfu=1.5), "MFU must be in (0, 1], got 1.5"),
    (dict(gpu="h100", flops_per_mac=3), "got 3"),
    (dict(gpu="h100", precision="fp9"), "fp9"),
    (dict(gpu="v100", precision="bf16"), "has no bf16 tensor cores"),
    (dict(gpu="a100-80gb", precision="fp8"), "no dense fp8 peak"),
])
def test_physics_bad_input(kwargs, needle):
    with pytest.raises(llmwatt.Error) as e:
        llmwatt.physics(**kwargs)
    assert needle in str(e.value)
