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


def test_sweep_power_limit():
    # as 'llmwatt sweep --power-limit 200..700+250': each row is estimate --power-limit of its value
    s = llmwatt.sweep("llama-3.1-8b", "h100", 1000, 500, batch=8, power_limit_w="200..700+250")
    assert s.variable == "power_limit_w" and s.values == [200, 450, 700]
    assert s[1].to_json() + "\n" == cli("estimate", "--model", "llama-3.1-8b", "--gpu", "h100", "--input", "1000",
                                         "--output", "500", "--batch", "8", "--power-limit", "450", "--json")
    assert [e.power_limit_w for e in s] == [200, 450, 700]
    # a fixed limit with another swept argument
    t = llmwatt.sweep("llama-3.1-8b", "h100", 1000, 500, batch=[1, 8], power_limit_w=300)
    assert t.variable == "batch" and all(e.power_limit_w == 300 for e in t)
    with pytest.raises(llmwatt.Error, match="200..700 W"):
        llmwatt.sweep("llama-3.1-8b", "h100", 1000, 500, power_limit_w=[100, 300])


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


def test_cost_plain_figures_equal_cli_and_seed_004():
    c = llmwatt.cost(power_w=1000, tokens_per_s=2000, price_kwh=0.15)
    out = cli("cost", "--power-w", "1000", "--tokens-per-s", "2000", "--price-kwh", "0.15", "--json")
    assert c.to_json() + "\n" == out
    # seed 004's chain: 1000 W x 1.2 overhead / 0.95 PSU for 500 s per 1M tokens at 2000 tokens/s
    assert c.energy_per_million_tokens_kwh == pytest.approx(1000 * 1.2 / 0.95 * 500 / 3.6e6, rel=1e-12)
    assert c.cost_per_million_tokens_usd == pytest.approx(1000 * 1.2 / 0.95 * 500 / 3.6e6 * 0.15, rel=1e-12)
    assert c.inputs.psu_efficiency.value == 0.95
    assert c.text == cli("cost", "--power-w", "1000", "--tokens-per-s", "2000", "--price-kwh", "0.15")


def test_cost_options_equal_cli():
    c = llmwatt.cost(power_w=1000, tokens_per_s=2000, gpu="b200", gpus=8, price_kwh=[0.1, 0.2], region="us",
                     pue="aws", wue=0.3, depreciation="declining", rent_usd_per_gpu_hour=3, api_price_per_m=2,
                     tco=False, idle_w=100, utilization=0.5)
    out = cli("cost", "--power-w", "1000", "--tokens-per-s", "2000", "--gpu", "b200", "--gpus", "8", "--price-kwh",
              "0.1,0.2", "--region", "us", "--pue", "aws", "--wue", "0.3", "--depreciation", "declining",
              "--rent-usd-per-gpu-hour", "3", "--api-price-per-m", "2", "--no-tco", "--idle-w", "100",
              "--utilization", "0.5", "--json")
    assert c.to_dict() == json.loads(out)
    # billed = wall x PUE 1.15 (aws); carbon = billed kWh x 384 g/kWh (us)
    assert c.co2e_g_per_million_tokens == pytest.approx(c.billed_energy_per_million_tokens_kwh * 384, rel=1e-12)


def test_cost_of_an_estimate_file_and_object(tmp_path):
    e = llmwatt.estimate("llama-3.1-8b", "h100", 1000, 500, batch=8)
    f = tmp_path / "est.json"
    f.write_text(e.to_json() + "\n")
    c = llmwatt.cost(estimate=str(f), price_kwh=0.1)
    assert c.to_dict() == json.loads(cli("cost", "--estimate", str(f), "--price-kwh", "0.1", "--json"))
    # the object gives the same figures; only the sources name "<estimate>" instead of the file
    o = llmwatt.cost(estimate=e, price_kwh=0.1)
    assert o.energy_per_million_tokens_kwh == c.energy_per_million_tokens_kwh
    assert o.inputs.tokens_per_s.source.startswith("<estimate>")


@pytest.mark.parametrize("kwargs,needle,status", [
    (dict(power_w=1000), "give --measurement FILE, --estimate FILE, or both", "invalid_argument"),
    (dict(power_w=-5, tokens_per_s=1), "power_w must be between", "invalid_argument"),
    (dict(power_w=1, tokens_per_s=1, price_kwh=[0.1, -0.1]), "-0.1", "invalid_argument"),
    (dict(power_w=1, tokens_per_s=1, pue="mars"), "unknown name 'mars'", "not_found"),
    (dict(power_w=1, tokens_per_s=1, region="atlantis"), "atlantis", "not_found"),
    (dict(power_w=1, tokens_per_s=1, region="us", grid_g_per_kwh=3), "give one of", "invalid_argument"),
    (dict(power_w=1, tokens_per_s=1, utilization=0.5), "idle power", "invalid_argument"),
    (dict(estimate="/nonexistent/est.json"), "/nonexistent/est.json", "not_found"),
    (dict(power_w=1, tokens_per_s=1, depreciation="fast"), "'fast'", "invalid_argument"),
])
def test_cost_errors_name_the_value(kwargs, needle, status):
    with pytest.raises(llmwatt.Error) as ei:
        llmwatt.cost(**kwargs)
    assert needle in str(ei.value) and ei.value.status == status


def _no_elapsed(d):
    d["performance"].pop("elapsed_s")
    return d


TRACE_ARGS = ["--gpu", "h100", "--model", "llama-3.1-8b", "--region", "us", "--threads", "2", "--json"]


@pytest.mark.parametrize("name,kwargs,args", [
    ("azure_code.csv", dict(), []),
    ("burstgpt.csv", dict(model_map={"ChatGPT": "llama-3.1-70b", "GPT-4": "llama-3.1-70b"}, unknown_model="default",
                          batch=4, gpus=4), ["--model-map", "ChatGPT=llama-3.1-70b", "--model-map", "GPT-4=llama-3.1-70b",
                                             "--unknown-model", "default", "--batch", "4", "--gpus", "4"]),
    ("generic.jsonl", dict(window_s=10, max_batch=16, price_kwh=0.2, pue=1.2),
     ["--window", "10s", "--max-batch", "16", "--price-kwh", "0.2", "--pue", "1.2"]),
    ("bad_rows.csv", dict(), []),
    ("azure_code.csv", dict(pue="aws", method="llm-bench"), ["--pue", "aws", "--method", "llm-bench"]),
])
def test_trace_equals_cli(name, kwargs, args):
    path = os.path.join(DATA, "trace", name)
    t = llmwatt.trace(path, "h100", "llama-3.1-8b", region="us", threads=2, **kwargs)
    r = subprocess.run([LLMWATT, "trace", path, *TRACE_ARGS, *args], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert _no_elapsed(t.to_dict()) == _no_elapsed(json.loads(r.stdout))


def test_trace_of_an_iterable_equals_the_file(tmp_path):
    rows = [{"timestamp": 0.0, "input_tokens": 1000, "output_tokens": 200},
            {"timestamp": 1.5, "input_tokens": 400, "output_tokens": 50},
            {"timestamp": 3.0, "input_tokens": 2000, "output_tokens": 800}]
    f = tmp_path / "t.jsonl"
    f.write_text("".join(json.dumps(r) + "\n" for r in rows))
    a = llmwatt.trace(rows, "h100", "llama-3.1-8b", batch=1).to_dict()
    b = llmwatt.trace(str(f), "h100", "llama-3.1-8b", batch=1).to_dict()
    assert a.pop("file") == "<iterable>" and b.pop("file") == str(f)
    assert _no_elapsed(a) == _no_elapsed(b)
    # batch 1: each row is `llmwatt estimate` of that request, so the total is their sum
    total = sum(llmwatt.estimate("llama-3.1-8b", "h100", r["input_tokens"], r["output_tokens"])
                .energy_per_request_j.expected for r in rows)
    assert a["requests"] == 3 and a["total_energy_j"] == pytest.approx(total, rel=1e-12)


@pytest.mark.parametrize("kwargs,needle", [
    (dict(gpu="h1000"), "h1000"),
    (dict(region="mars"), "mars"),
    (dict(on_error="ignore"), "'ignore'"),
    (dict(batch=4, window_s=10), "do not go with batch"),
    (dict(columns={"tokens": "x"}), "'tokens'"),
    (dict(model_map={"ChatGPT": "gpt-9"}), "gpt-9"),
    (dict(pue="mars"), "'mars'"),
])
def test_trace_errors_name_the_value(kwargs, needle):
    a = dict(gpu="h100", model="llama-3.1-8b")
    a.update(kwargs)
    with pytest.raises(llmwatt.Error) as ei:
        llmwatt.trace(os.path.join(DATA, "trace", "azure_code.csv"), **a)
    assert needle in str(ei.value)


def test_trace_bad_rows_fail_with_the_line():
    with pytest.raises(llmwatt.Error) as ei:
        llmwatt.trace(os.path.join(DATA, "trace", "bad_rows.csv"), "h100", "llama-3.1-8b", on_error="fail")
    assert "line" in str(ei.value) and ei.value.status == "parse"
