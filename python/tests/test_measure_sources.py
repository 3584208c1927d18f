"""llmwatt.measure on the dcgm-exporter source, against the test server of tests/cli
(tests/cli/fake_metrics.py: GPUs at a constant power whose energy counter rises accordingly)."""
import os
import subprocess
import sys
import time

import pytest

import llmwatt

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FAKE = os.path.join(ROOT, "tests", "cli", "fake_metrics.py")


@pytest.fixture
def dcgm(tmp_path):
    """A dcgm-exporter test server with two GPUs at 300 W each; yields its URL."""
    port_file = tmp_path / "port"
    p = subprocess.Popen([sys.executable, FAKE, str(port_file), "dcgm", "2", "300"], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while not (port_file.exists() and port_file.read_text().strip()):
            if time.monotonic() > deadline or p.poll() is not None:
                pytest.fail("the dcgm-exporter test server did not start")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port_file.read_text().strip()}"
    finally:
        p.kill()
        p.wait()


def test_dcgm_block_and_windows(dcgm):
    with llmwatt.measure(dcgm=dcgm, interval_s=0.1, tokens=1000) as m:
        time.sleep(1.5)
    d = m.to_dict()
    assert d["source"] == "dcgm" and d["source_url"] == dcgm + "/metrics"
    assert len(d["gpus"]) == 2 and d["gpus"][0]["energy_method"] == "counter"
    # two GPUs at 300 W: 600 W over the measured duration (the counter moves continuously)
    assert m.energy_j == pytest.approx(600 * m.duration_s, rel=0.02)
    assert m.tokens_per_j == pytest.approx(1000 / m.energy_j, rel=1e-12)
    w = llmwatt.measure(dcgm=dcgm, devices=[1], interval_s=0.1)
    w.begin_window("one")
    time.sleep(0.8)
    one = w.end_window("one")
    assert len(one.gpus) == 1 and one.energy_j == pytest.approx(300 * one.duration_s, rel=0.03)


@pytest.mark.parametrize("url,needle,status", [
    ("https://127.0.0.1:9400", "http://", "invalid_argument"),
    ("http://127.0.0.1:1", "cannot connect", "io"),
    ("http://127.0.0.1:99999", "port", "invalid_argument"),
])
def test_dcgm_bad_urls(url, needle, status):
    with pytest.raises(llmwatt.Error) as ei:
        llmwatt.measure(dcgm=url)
    assert needle in str(ei.value) and ei.value.status == status


def test_dcgm_and_replay_exclusive():
    with pytest.raises(llmwatt.Error, match="not both"):
        llmwatt.measure(dcgm="http://127.0.0.1:9400", replay="x.csv")
