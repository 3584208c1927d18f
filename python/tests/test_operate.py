"""sweep, cost and trace of the llmwatt Python package against the CLI they must equal.

$LLMWATT names the llmwatt binary, $LW_TEST_DATA the test data directory (tests/cli/test_python.sh).
"""
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


def test_sweep_batch_range_each_equals_estimate_json():
    s = llmwatt.sweep("llama-3.1-8b", "h100", 1000, 500, batch="1..64*4")
    assert s.variable == "batch"
    assert s.values == [1, 4, 16, 64]  # 1..64*4: 1, 4, 16, 64 (geometric, factor 4)
    assert len(s) == 4 and s.skipped == []
    for b, e in zip(s.values, s):
        out = cli("estimate", "--model", "llama-3.1-8b", "--gpu", "h100", "--input", "1000", "--output", "500",
                  "--batch", str(b), "--json")
        assert e.to_json() + "\n" == out
    # batching shares the weights: the energy per request falls as the batch grows
    per_req = [e.energy_per_request_j.expected for e in s]
    assert per_req == sorted(per_req, reverse=True)


def test_sweep_gpu_list_skips_what_does_not_fit():
    s = llmwatt.sweep("llama-3.1-70b", ["a100", "h200", "l4"], 1000, 500, gpus=2)
    assert s.variable == "gpu" and s.values == ["a100", "h200"]
    # 70.6e9 parameters x 2 bytes = 141 GB of weights; 2 x L4 hold 2 x 24 GB x 0.9 = 43.2 GB
    assert [v for v, _ in s.skipped] == ["l4"] and "does not fit" in s.skipped[0][1]
    assert s[1].to_dict() == json.loads(cli("estimate", "--model", "llama-3.1-70b", "--gpu", "h200", "--gpus", "2",
                                            "--input", "1000", "--output", "500", "--json"))


def test_sweep_precision_and_tokens():
    s = llmwatt.sweep("llama-3.1-8b", "h100", 1000, 500, precision="bf16,fp8")
    assert s.values == ["bf16", "fp8"]
    assert s[1].to_dict() == json.loads(cli("estimate", "--model", "llama-3.1-8b", "--gpu", "h100", "--input", "1000",
                                            "--output", "500", "--precision", "fp8", "--json"))
    t = llmwatt.sweep("llama-3.1-8b", "l4", [100, 1000], 200, method="llm-bench")
    assert t.variable == "input_tokens" and t.values == [100, 1000]
    assert t[0].to_dict() == json.loads(cli("estimate", "--model", "llama-3.1-8b", "--gpu", "l4", "--input", "100",
                                            "--output", "200", "--method", "llm-bench", "--json"))


@pytest.mark.parametrize("kwargs,needle", [
    (dict(batch=[1, 2], input_tokens=[1, 2]), "one argument at a time"),
    (dict(batch="1..x"), "'1..x'"),
    (dict(batch=[1, 0]), "got 0"),
    (dict(gpu=["h100", "h1000"]), "h1000"),
    (dict(), "as a list or range"),
])
def test_sweep_errors_name_the_value(kwargs, needle):
    a = dict(model="llama-3.1-8b", gpu="h100", input_tokens=1000, output_tokens=500)
    a.update(kwargs)
    with pytest.raises(llmwatt.Error) as ei:
        llmwatt.sweep(**a)
    assert needle in str(ei.value)


def test_sweep_none_fits_is_infeasible():
    with pytest.raises(llmwatt.Error) as ei:
        llmwatt.sweep("llama-3.1-405b", "l4", 1000, 500, batch=[1, 2])
    assert ei.value.status == "infeasible"


def test_sweep_dataframe():
    pandas = pytest.importorskip("pandas")
    s = llmwatt.sweep("llama-3.1-8b", "h100", 1000, 500, batch=[1, 8])
    df = s.to_dataframe()
    assert isinstance(df, pandas.DataFrame)
    assert list(df["batch"]) == [1, 8]
    assert list(df["j_per_request"]) == [e.energy_per_request_j.expected for e in s]
