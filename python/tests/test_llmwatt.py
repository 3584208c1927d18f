"""Tests of the llmwatt Python package against the CLI it must match and hand-worked figures.

$LLMWATT names the llmwatt binary (tests/run_all.sh sets it), $LW_BUILD the build with the fake
NVML, $LW_TEST_DATA the test data directory.
"""
import json
import math
import os
import subprocess
import time

import pytest

import llmwatt

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LLMWATT = os.environ.get("LLMWATT", os.path.join(ROOT, "build", "llmwatt"))
DATA = os.environ.get("LW_TEST_DATA", os.path.join(ROOT, "tests", "data"))
BUILD = os.environ.get("LW_BUILD", os.path.join(ROOT, "build"))


def cli(*args):
    return subprocess.run([LLMWATT, *args], check=True, capture_output=True, text=True).stdout


CASES = [
    (dict(model="llama-3.1-8b", gpu="h100", input_tokens=1000, output_tokens=500),
     ["--model", "llama-3.1-8b", "--gpu", "h100", "--input", "1000", "--output", "500"]),
    (dict(model="llama-3.1-70b", gpu="a100", input_tokens=2048, output_tokens=256, batch=8, gpus=4, precision="fp8",
          pue=1.2, labels={"workload": "chat"}),
     ["--model", "llama-3.1-70b", "--gpu", "a100", "--input", "2048", "--output", "256", "--batch", "8", "--gpus", "4",
      "--precision", "fp8", "--pue", "1.2", "--label", "workload=chat"]),
    (dict(model="llama-3.1-405b", gpu="h100", input_tokens=1000, output_tokens=500, method="llm-bench"),
     ["--model", "llama-3.1-405b", "--gpu", "h100", "--input", "1000", "--output", "500", "--method", "llm-bench"]),
    (dict(model="o1", gpu="h100", input_tokens=1024, output_tokens=256, method="profile", attention="linear"),
     ["--model", "o1", "--gpu", "h100", "--input", "1024", "--output", "256", "--method", "profile",
      "--attention", "linear"]),
    (dict(model="llama-3.1-8b", gpu="l4", input_tokens=300, output_tokens=0, reasoning_tokens=700,
          kv_precision="fp8", method="profile"),
     ["--model", "llama-3.1-8b", "--gpu", "l4", "--input", "300", "--output", "0", "--reasoning", "700",
      "--kv-precision", "fp8", "--method", "profile"]),
    (dict(model="llama-3.1-8b", gpu="h100", input_tokens=1000, output_tokens=500, batch=8, power_limit_w=350),
     ["--model", "llama-3.1-8b", "--gpu", "h100", "--input", "1000", "--output", "500", "--batch", "8",
      "--power-limit", "350"]),
    (dict(model="llama-3.1-8b", gpu="a100", input_tokens=1000, output_tokens=500, sm_clock_mhz=1005,
          power_limit_w=300),
     ["--model", "llama-3.1-8b", "--gpu", "a100", "--input", "1000", "--output", "500", "--sm-clock", "1005",
      "--power-limit", "300"]),
]


@pytest.mark.parametrize("kwargs,args", CASES)
def test_estimate_equals_cli(kwargs, args):
    e = llmwatt.estimate(**kwargs)
    out = cli("estimate", *args, "--json")
    assert e.to_dict() == json.loads(out)
    assert e.to_json() + "\n" == out  # the same bytes, not only the same numbers


def test_llm_bench_hand_worked():
    # seed 003: E = FLOPs x 1.5e-12 J/FLOP / utilisation; llama-3.1-70b d=128, H=64, L=80
    n = llmwatt.model("llama-3.1-70b").active_params
    e = llmwatt.estimate("llama-3.1-70b", "h100", 1000, 500, method="llm-bench")
    pf = 2 * n * 1000 + 4.0 * 128 * 64 * 80 * 1000 * 1000
    dc = 2 * n * 500 + 4.0 * 128 * 64 * 80 * 1249.5 * 500
    assert e.prefill_j == pytest.approx(pf * 1.5e-12 / 0.5, rel=1e-12)
    assert e.decode_j == pytest.approx(dc * 1.5e-12 / 0.1, rel=1e-12)
    assert e.prefill.bound in ("compute", "memory", "communication")
    assert e.energy_per_request_wh == pytest.approx((pf * 1.5e-12 / 0.5 + dc * 1.5e-12 / 0.1) / 3600, rel=1e-12)


def test_bands_are_named_tuples():
    e = llmwatt.estimate("llama-3.1-8b", "h100", 1000, 500)
    b = e.energy_per_request_j
    assert isinstance(b, llmwatt.Band) and isinstance(b, tuple)
    assert b.low < b.expected < b.high
    assert b == (b.low, b.expected, b.high)
    assert e.energy_per_output_token_j.expected == pytest.approx(b.expected / 500, rel=1e-12)
    # no output token: per-token energy is undefined (JSON null -> None), never 0
    z = llmwatt.estimate("llama-3.1-8b", "h100", 1000, 0)
    assert z.energy_per_output_token_j == llmwatt.Band(None, None, None)


def test_estimator_fast_path_matches():
    est = llmwatt.Estimator("llama-3.1-8b", "h100")
    # the record went through 15-digit JSON (the CLI's format); run() returns the doubles themselves
    full = llmwatt.estimate("llama-3.1-8b", "h100", 1000, 500).energy_per_request_j
    assert est.run(1000, 500) == pytest.approx(full, rel=1e-14)
    assert est.run(1000, 500, batch=8).expected < est.run(1000, 500).expected  # batching shares the weights


@pytest.mark.parametrize("kwargs,needle", [
    (dict(model="llama-9", gpu="h100", input_tokens=1, output_tokens=1), "llama-9"),
    (dict(model="llama-3.1-8b", gpu="h1000", input_tokens=1, output_tokens=1), "h1000"),
    (dict(model="llama-3.1-8b", gpu="h100", input_tokens=-5, output_tokens=1), "-5"),
    (dict(model="llama-3.1-8b", gpu="h100", input_tokens=10.5, output_tokens=1), "10.5"),
    (dict(model="llama-3.1-8b", gpu="h100", input_tokens=float("nan"), output_tokens=1), "nan"),
    (dict(model="llama-3.1-8b", gpu="h100", input_tokens=1, output_tokens="500"), "'500'"),
    (dict(model="llama-3.1-8b", gpu="h100", input_tokens=1, output_tokens=1, batch=0), "batch"),
    (dict(model="llama-3.1-8b", gpu="h100", input_tokens=1, output_tokens=1, gpus=0), "gpus"),
    (dict(model="llama-3.1-8b", gpu="h100", input_tokens=1, output_tokens=1, precision="fp7"), "fp7"),
    (dict(model="llama-3.1-8b", gpu="h100", input_tokens=1, output_tokens=1, method="magic"), "magic"),
    (dict(model="llama-3.1-8b", gpu="h100", input_tokens=1, output_tokens=1, pue=0.5), "0.5"),
    (dict(model="llama-3.1-8b", gpu="h100", input_tokens=1, output_tokens=1, attention="linear"), "profile"),
    (dict(model="llama-3.1-8b", gpu="h100", input_tokens=1, output_tokens=1, power_limit_w=150), "200..700 W"),
    (dict(model="llama-3.1-8b", gpu="h100", input_tokens=1, output_tokens=1, sm_clock_mhz=2500), "345..1980 MHz"),
    (dict(model="llama-3.1-8b", gpu="h100", input_tokens=1, output_tokens=1, power_limit_w=-1), "power_limit_w"),
    (dict(model="llama-3.1-8b", gpu="h100", input_tokens=1, output_tokens=1, power_limit_w="300"), "'300'"),
])
def test_bad_input_raises_error_naming_the_value(kwargs, needle):
    with pytest.raises(llmwatt.Error) as ei:
        llmwatt.estimate(**kwargs)
    assert isinstance(ei.value, ValueError)
    assert needle in str(ei.value)
    assert "\n" not in str(ei.value)


def test_power_limit_and_clock_lock():
    # half the H100's 1980 MHz: the compute-bound prefill's compute time doubles, the memory-bound
    # decode keeps its time; a limit at the 700 W maximum changes nothing
    free = llmwatt.estimate("llama-3.1-8b", "h100", 1000, 500, batch=8)
    half = llmwatt.estimate("llama-3.1-8b", "h100", 1000, 500, batch=8, sm_clock_mhz=990)
    assert half.prefill.compute_time_s == pytest.approx(2 * free.prefill.compute_time_s, rel=1e-12)
    assert half.decode.time_s == pytest.approx(free.decode.time_s, rel=1e-12)
    assert half.sm_clock.decode_mhz == 990 and half.sm_clock_mhz == 990 and half.power_limit_w is None
    top = llmwatt.estimate("llama-3.1-8b", "h100", 1000, 500, batch=8, power_limit_w=700)
    assert top.batch_energy_j == pytest.approx(free.batch_energy_j, rel=1e-12)
    capped = llmwatt.Estimator("llama-3.1-8b", "h100", power_limit_w=300).estimate(1000, 500, batch=8)
    assert capped.prefill.avg_power_w == pytest.approx(300, rel=1e-6)


def test_does_not_fit_is_an_error_for_the_roofline_and_a_warning_for_seeds():
    with pytest.raises(llmwatt.Error) as ei:
        llmwatt.estimate("llama-3.1-405b", "a100", 1000, 500)
    assert ei.value.status == "infeasible"
    e = llmwatt.estimate("llama-3.1-405b", "a100", 1000, 500, method="llm-bench")
    assert e.warnings and "does not fit" in e.warnings[0]


def test_models_and_gpus_equal_cli():
    assert [m.to_dict() for m in llmwatt.models()] == json.loads(cli("models", "--json"))
    assert [g.to_dict() for g in llmwatt.gpus()] == json.loads(cli("gpus", "--json"))
    assert llmwatt.gpu("h100").to_dict() == json.loads(cli("show", "gpu", "h100", "--json"))
    assert llmwatt.gpu("h100").id == "h100-sxm"


def test_replay_measurement_equals_cli():
    log = os.path.join(DATA, "replay", "two_gpus.csv")
    with llmwatt.measure(replay=log, tokens=1000) as m:
        pass
    d = json.loads(cli("measure", "--replay", log, "--warmup", "0", "--tokens", "1000", "--json"))
    assert m.energy_j == pytest.approx(d["aggregate"]["energy_j"], rel=1e-12)
    assert m.tokens_per_j == pytest.approx(1000 / d["aggregate"]["energy_j"], rel=1e-12)
    assert m.result.tokens_per_j == pytest.approx(d["tokens_per_j"], rel=1e-12)


def test_nvml_windows_with_fake_nvml(monkeypatch):
    fake = os.path.join(BUILD, "tests", "libfake_nvml.so")
    if not os.path.exists(fake):
        pytest.skip(f"fake NVML not built ({fake}): make tests")
    monkeypatch.setenv("FAKE_NVML_POWER_W", "300")
    m = llmwatt.measure(devices=[0], nvml_library=fake, interval_s=0.02)
    m.begin_window("a")
    time.sleep(0.3)
    m.begin_window("b")
    time.sleep(0.3)
    b = m.end_window("b", tokens=600)
    a = m.end_window("a")
    # a constant 300 W GPU: energy = 300 W x the window's duration (counter-based)
    assert a.energy_j == pytest.approx(300 * a.duration_s, rel=0.02)
    assert b.energy_j == pytest.approx(300 * b.duration_s, rel=0.02)
    assert a.duration_s > b.duration_s
    assert b.tokens_per_j == pytest.approx(600 / b.energy_j, rel=1e-12)
    with pytest.raises(llmwatt.Error, match="was not begun"):
        m.end_window("c")


def test_measure_errors():
    with pytest.raises(llmwatt.Error, match="cannot load"):
        llmwatt.measure(nvml_library="/nonexistent/libnvidia-ml.so.1")
    with pytest.raises(llmwatt.Error, match="source expects"):
        llmwatt.measure(source="rocm")
    with pytest.raises(llmwatt.Error, match="needs dcgm="):
        llmwatt.measure(source="dcgm")


def test_dataframe_helper():
    pd = pytest.importorskip("pandas", reason="pandas not installed: the DataFrame helper is optional")
    df = pd.DataFrame({"input_tokens": [1000, 10], "output_tokens": [500, 5]})
    out = llmwatt.estimate_dataframe(df, model="llama-3.1-8b", gpu="h100")
    assert list(out["energy_j"]) == [llmwatt.Estimator("llama-3.1-8b", "h100").run(1000, 500).expected,
                                     llmwatt.Estimator("llama-3.1-8b", "h100").run(10, 5).expected]


def test_version():
    assert llmwatt.__version__ == cli("--version").split()[1]
    assert not math.isnan(llmwatt.Estimator("llama-3.1-8b", "h100").run(1, 1).expected)
