#!/usr/bin/env python3
"""Test server for llmwatt's scrapers: serves dcgm-exporter or inference-engine (vLLM V0/V1,
SGLang, TGI) metrics text whose counters rise at a constant rate from the server's start.

  fake_metrics.py PORT_FILE dcgm GPUS WATTS [no-energy] [refresh=S]
  fake_metrics.py PORT_FILE vllm|vllm-v1|sglang|tgi MODEL OUTPUT_TOKENS_PER_S
  fake_metrics.py PORT_FILE vllm-bad      (a malformed page)

It listens on 127.0.0.1 (a free port, written to PORT_FILE) and exits by itself after 300 s.
GET /control/reset restarts every counter from zero (engine restart, GPU counter reset);
GET /control/die stops the server; GET /control/malformed serves a malformed page from then on;
GET /control/good serves good pages again. Prompt tokens rise at half the output rate."""
import http.server
import os
import sys
import threading
import time

port_file, kind = sys.argv[1], sys.argv[2]
args = sys.argv[3:]
t0 = time.monotonic()
state = {"t0": t0, "base": 5.0e9, "malformed": kind == "vllm-bad"}
refresh = 0.0
for a in args:
    if a.startswith("refresh="):
        refresh = float(a.split("=", 1)[1])


def now():
    t = time.monotonic()
    if refresh > 0:  # values move only every `refresh` seconds, like dcgm-exporter's collect interval
        t = t0 + int((t - t0) / refresh) * refresh
    return t


def dcgm_page():
    gpus, watts = int(args[0]), float(args[1])
    el = now() - state["t0"]
    out = []
    fam = [
        ("DCGM_FI_DEV_SM_CLOCK", "gauge", "SM clock frequency (in MHz).", lambda g: 1980),
        ("DCGM_FI_DEV_GPU_TEMP", "gauge", "GPU temperature (in C).", lambda g: 61 + g),
        ("DCGM_FI_DEV_POWER_USAGE", "gauge", "Power draw (in W).", lambda g: "%.6f" % watts),
        ("DCGM_FI_DEV_POWER_MGMT_LIMIT", "gauge", "Power management limit (in W).", lambda g: "700.000000"),
        ("DCGM_FI_DEV_GPU_UTIL", "gauge", "GPU utilization (in %).", lambda g: 97),
        ("DCGM_FI_DEV_CLOCK_THROTTLE_REASONS", "gauge", "Current clock throttle reasons.", lambda g: 0),
    ]
    if "no-energy" not in args:
        fam.insert(3, ("DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", "counter", "Total energy consumption since boot (in mJ).",
                       lambda g: "%d" % (state["base"] + watts * el * 1000.0)))
    for name, typ, help_, val in fam:
        out.append("# HELP %s %s" % (name, help_))
        out.append("# TYPE %s %s" % (name, typ))
        for g in range(gpus):
            out.append('%s{gpu="%d",UUID="GPU-5b4e07f6-3a86-4340-039d-25f2a83c%04d",pci_bus_id="00000000:%02X:00.0",'
                       'device="nvidia%d",modelName="NVIDIA H100 80GB HBM3",Hostname="node-a",'
                       'DCGM_FI_DRIVER_VERSION="550.54.15"} %s' % (name, g, g, 0x18 + g, g, val(g)))
    return "\n".join(out) + "\n"


def engine_page():
    model, rate = args[0], float(args[1])
    el = now() - state["t0"]
    gen, prompt = rate * el, rate * el / 2
    if kind == "vllm":
        return ("# HELP vllm:num_requests_running Number of requests currently running on GPU.\n"
                "# TYPE vllm:num_requests_running gauge\n"
                'vllm:num_requests_running{model_name="%s"} 12.0\n'
                "# HELP vllm:prompt_tokens_total Number of prefill tokens processed.\n"
                "# TYPE vllm:prompt_tokens_total counter\n"
                'vllm:prompt_tokens_total{model_name="%s"} %.1f\n'
                "# HELP vllm:generation_tokens_total Number of generation tokens processed.\n"
                "# TYPE vllm:generation_tokens_total counter\n"
                'vllm:generation_tokens_total{model_name="%s"} %.1f\n'
                "# HELP vllm:request_generation_tokens Number of generation tokens processed.\n"
                "# TYPE vllm:request_generation_tokens histogram\n"
                'vllm:request_generation_tokens_sum{model_name="%s"} %.1f\n'
                'vllm:request_generation_tokens_bucket{le="+Inf",model_name="%s"} %d\n'
                'vllm:request_generation_tokens_count{model_name="%s"} %d\n'
                % (model, model, prompt, model, gen, model, gen, model, int(el), model, int(el)))
    if kind == "vllm-v1":  # V1 engine: an `engine` label per data-parallel engine core; two cores share the rate
        lines = ["# HELP vllm:prompt_tokens_total Number of prefill tokens processed.", "# TYPE vllm:prompt_tokens_total counter"]
        lines += ['vllm:prompt_tokens_total{engine="%d",model_name="%s"} %.1f' % (e, model, prompt / 2) for e in (0, 1)]
        lines += ["# HELP vllm:generation_tokens_total Number of generation tokens processed.", "# TYPE vllm:generation_tokens_total counter"]
        lines += ['vllm:generation_tokens_total{engine="%d",model_name="%s"} %.1f' % (e, model, gen / 2) for e in (0, 1)]
        return "\n".join(lines) + "\n"
    if kind == "sglang":
        return ("# HELP sglang:prompt_tokens_total Number of prefill tokens processed.\n"
                "# TYPE sglang:prompt_tokens_total counter\n"
                'sglang:prompt_tokens_total{model_name="%s"} %.6e\n'
                "# HELP sglang:generation_tokens_total Number of generation tokens processed.\n"
                "# TYPE sglang:generation_tokens_total counter\n"
                'sglang:generation_tokens_total{model_name="%s"} %.6e\n' % (model, prompt, model, gen))
    if kind == "tgi":
        return ("# TYPE tgi_request_generated_tokens histogram\n"
                'tgi_request_generated_tokens_bucket{le="1024"} %d\n'
                'tgi_request_generated_tokens_bucket{le="+Inf"} %d\n'
                "tgi_request_generated_tokens_sum %.1f\n"
                "tgi_request_generated_tokens_count %d\n"
                "# TYPE tgi_request_input_length histogram\n"
                "tgi_request_input_length_sum %.1f\n"
                "tgi_request_input_length_count %d\n" % (int(el), int(el), gen, int(el), prompt, int(el)))
    raise SystemExit("unknown kind " + kind)


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_GET(self):
        if self.path == "/control/reset":
            state["t0"], state["base"] = time.monotonic(), 0.0
        elif self.path == "/control/die":
            self.reply("dying\n")
            threading.Thread(target=server.shutdown, daemon=True).start()
            return
        elif self.path == "/control/malformed":
            state["malformed"] = True
        elif self.path == "/control/good":
            state["malformed"] = False
        elif self.path.startswith("/metrics"):
            if state["malformed"]:
                self.reply("vllm:generation_tokens_total{model_name=\"broken 12\n")
            else:
                self.reply(dcgm_page() if kind == "dcgm" else engine_page())
            return
        else:
            self.send_error(404)
            return
        self.reply("ok\n")

    def reply(self, text):
        body = text.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(port_file + ".tmp", "w") as f:
    f.write("%d\n" % server.server_address[1])
os.replace(port_file + ".tmp", port_file)
threading.Timer(300, server.shutdown).start()
server.serve_forever()
os._exit(0)
