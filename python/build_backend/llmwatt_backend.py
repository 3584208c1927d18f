"""PEP 517 build backend of the llmwatt Python package (standard library only).

build_wheel:
1. builds libllmwatt.so from this checkout with its Makefile (into build/python/, incremental);
2. compiles and runs a small C program that prints the size and offset of every struct field
   and the value of every constant the binding uses, as llmwatt/_layout.py, so the ctypes
   binding never guesses a layout (the compiler reports it, as cffi's API mode would);
3. writes a wheel holding llmwatt/*.py, _layout.py and the library as llmwatt/libllmwatt.so.MAJOR,
   which llmwatt/__init__.py loads by path: `import llmwatt` needs no LD_LIBRARY_PATH.
"""
import base64
import hashlib
import os
import shutil
import subprocess
import sysconfig
import tempfile
import zipfile

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # python/
ROOT = os.path.dirname(HERE)
NAME = "llmwatt"

# (struct, field, kind): kind is how the binding reads it (u32, u64, int, enum, double, bool, size, ptr, chars).
FIELDS = [
    ("lw_err", "status", "enum"),
    ("lw_model_arch", "name", "chars"), ("lw_model_arch", "native_precision", "enum"),
    ("lw_workload", "version", "u32"), ("lw_workload", "input_tokens", "double"),
    ("lw_workload", "output_tokens", "double"), ("lw_workload", "reasoning_tokens", "double"),
    ("lw_workload", "batch", "int"), ("lw_workload", "weight_precision", "enum"),
    ("lw_workload", "kv_precision", "enum"),
    ("lw_estimate_opts", "version", "u32"), ("lw_estimate_opts", "method", "enum"), ("lw_estimate_opts", "gpus", "int"),
    ("lw_estimate_opts", "pue", "double"), ("lw_estimate_opts", "attention", "enum"),
    ("lw_estimate_opts", "power_limit_w", "double"), ("lw_estimate_opts", "sm_clock_mhz", "double"),
    ("lw_estimate", "version", "u32"), ("lw_estimate", "energy_per_request_j.low", "double"),
    ("lw_estimate", "energy_per_request_j.expected", "double"), ("lw_estimate", "energy_per_request_j.high", "double"),
    ("lw_estimate_json_opts", "indent", "int"), ("lw_estimate_json_opts", "pue", "bool"),
    ("lw_estimate_json_opts", "labels", "ptr"), ("lw_estimate_json_opts", "nlabels", "size"),
    ("lw_estimate_json_opts", "warnings", "ptr"), ("lw_estimate_json_opts", "nwarnings", "size"),
    ("lw_estimate_json_opts", "precision_rule", "ptr"),
    ("lw_measure_config", "interval_s", "double"), ("lw_measure_config", "warmup_s", "double"),
    ("lw_measure_config", "gpu_indices", "chars"), ("lw_measure_config", "n_gpu_indices", "size"),
    ("lw_measure_meta", "replay_path", "ptr"),
    # cost() and trace() (docs/python.md)
    ("lw_cost_request", "version", "u32"), ("lw_cost_request", "measurement", "ptr"),
    ("lw_cost_request", "estimate", "ptr"), ("lw_cost_request", "run_json", "ptr"),
    ("lw_cost_request", "power_w", "double"), ("lw_cost_request", "tokens_per_s", "double"),
    ("lw_cost_request", "gpus", "int"), ("lw_cost_request", "gpu", "ptr"),
    ("lw_cost_request", "prices_usd_per_kwh", "ptr"), ("lw_cost_request", "nprices", "size"),
    ("lw_cost_request", "overhead_fraction", "double"), ("lw_cost_request", "psu_efficiency", "double"),
    ("lw_cost_request", "idle_w_per_gpu", "double"), ("lw_cost_request", "utilization", "double"),
    ("lw_cost_request", "pue", "ptr"), ("lw_cost_request", "wue", "ptr"),
    ("lw_cost_request", "grid_g_per_kwh", "double"), ("lw_cost_request", "region", "ptr"),
    ("lw_cost_request", "carbon_intensity", "ptr"), ("lw_cost_request", "api_usd_per_million", "double"),
    ("lw_cost_request", "hardware_usd", "double"), ("lw_cost_request", "depreciation_years", "double"),
    ("lw_cost_request", "maintenance_fraction", "double"),
    ("lw_cost_request", "colocation_usd_per_kw_month", "double"),
    ("lw_cost_request", "networking_fraction", "double"), ("lw_cost_request", "depreciation", "enum"),
    ("lw_cost_request", "no_tco", "bool"), ("lw_cost_request", "embodied_kg_per_gpu", "double"),
    ("lw_cost_request", "service_life_years", "double"), ("lw_cost_request", "rent_usd_per_gpu_hour", "double"),
    ("lw_trace_opts", "version", "u32"), ("lw_trace_opts", "format", "enum"), ("lw_trace_opts", "columns", "chars"),
    ("lw_trace_opts", "time_unit_s", "double"), ("lw_trace_opts", "default_model", "ptr"),
    ("lw_trace_opts", "gpu", "ptr"), ("lw_trace_opts", "estimate.method", "enum"),
    ("lw_trace_opts", "estimate.gpus", "int"), ("lw_trace_opts", "estimate.pue", "double"),
    ("lw_trace_opts", "estimate.attention", "enum"), ("lw_trace_opts", "weight_precision_set", "bool"),
    ("lw_trace_opts", "weight_precision", "enum"), ("lw_trace_opts", "kv_precision", "enum"),
    ("lw_trace_opts", "batch", "int"), ("lw_trace_opts", "window_s", "double"), ("lw_trace_opts", "max_batch", "int"),
    ("lw_trace_opts", "on_error", "enum"), ("lw_trace_opts", "unknown_model", "enum"),
    ("lw_trace_opts", "map_from", "chars"), ("lw_trace_opts", "map_to", "chars"), ("lw_trace_opts", "nmap", "int"),
    ("lw_trace_opts", "threads", "int"),
    ("lw_trace_cost_opts", "version", "u32"), ("lw_trace_cost_opts", "price_usd_per_kwh", "double"),
    ("lw_trace_cost_opts", "grid_g_per_kwh", "double"), ("lw_trace_cost_opts", "region", "ptr"),
    ("lw_trace_cost", "version", "u32"),
    ("lw_trace_summary", "version", "u32"), ("lw_trace_summary", "requests", "u64"), ("lw_trace_summary", "bad_rows", "u64"),
    ("lw_trace_summary", "bad[0].line", "u64"), ("lw_trace_summary", "bad[0].msg", "chars"),
]
SIZES = ["lw_err", "lw_model_arch", "lw_workload", "lw_accounting", "lw_estimate_opts", "lw_estimate",
         "lw_estimate_json_opts", "lw_measure_config", "lw_measure_meta", "int",
         "lw_cost_request", "lw_trace_opts", "lw_trace_cost_opts", "lw_trace_cost", "lw_trace_summary"]
CONSTANTS = ["LW_OK", "LW_ERR_INVALID_ARGUMENT", "LW_ERR_NOT_FOUND", "LW_ERR_PARSE", "LW_ERR_IO", "LW_ERR_NO_MEMORY",
             "LW_ERR_UNSUPPORTED", "LW_ERR_INFEASIBLE", "LW_ERR_NO_DEVICE", "LW_ERR_CHILD", "LW_ERR_DATABASE",
             "LW_ERR_VERSION", "LW_ERR_INTERRUPTED", "LW_VERSION_NUMBER", "LW_VERSION_MAJOR",
             "LW_WORKLOAD_VERSION", "LW_ESTIMATE_OPTS_VERSION", "LW_ESTIMATE_VERSION",
             "LW_ESTIMATE_JSON_OPTS_VERSION", "LW_METHOD_ROOFLINE", "LW_METHOD_LLM_BENCH", "LW_METHOD_PROFILE",
             "LW_ATTENTION_QUADRATIC", "LW_ATTENTION_LINEAR", "LW_MEASURE_MAX_GPUS",
             "LW_COST_REQUEST_VERSION", "LW_DEPRECIATION_STRAIGHT", "LW_DEPRECIATION_DECLINING",
             "LW_TRACE_COST_OPTS_VERSION", "LW_TRACE_COST_VERSION", "LW_TRACE_SUMMARY_VERSION", "LW_TRACE_OPTS_VERSION", "LW_TRACE_AUTO", "LW_TRACE_CSV", "LW_TRACE_JSONL",
             "LW_TRACE_NCOLS", "LW_TRACE_MAX_MAP", "LW_TRACE_SKIP", "LW_TRACE_FAIL", "LW_TRACE_UNKNOWN_FAIL",
             "LW_TRACE_UNKNOWN_DEFAULT"]
# scale and physics: the request the binding fills; results it only allocates (the library renders the JSON)
FIELDS += [("lw_scale_request", f, k) for f, k in (
    ("version", "u32"), ("baseline_j_per_token", "double"), ("from_model", "ptr"), ("to_model", "ptr"),
    ("from_params", "double"), ("to_params", "double"), ("from_family", "ptr"), ("to_family", "ptr"),
    ("from_gpu", "ptr"), ("to_gpu", "ptr"), ("from_gpus", "int"), ("to_gpus", "int"), ("from_power_w", "double"),
    ("to_power_w", "double"), ("multi_gpu", "enum"), ("have_k", "bool"), ("have_mu", "bool"), ("have_eta", "bool"),
    ("have_alpha", "bool"), ("k.low", "double"), ("k.expected", "double"), ("k.high", "double"), ("mu.low", "double"),
    ("mu.expected", "double"), ("mu.high", "double"), ("eta.low", "double"), ("eta.expected", "double"),
    ("eta.high", "double"), ("alpha", "double"))]
SIZES += ["lw_scale_request", "lw_scale_input", "lw_scale_result", "lw_physics_result"]
CONSTANTS += ["LW_SCALE_REQUEST_VERSION", "LW_PHYSICS_PRECISIONS"]


def _version():
    with open(os.path.join(ROOT, "VERSION"), encoding="utf-8") as f:
        return f.read().strip()


def _run(cmd, what):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, universal_newlines=True)
    if r.returncode != 0:
        raise SystemExit(f"llmwatt: {what} failed: {' '.join(cmd)}")
    return r.stdout


def _layout_source():
    lines = ['#include <stddef.h>', '#include <stdio.h>', '#include "llmwatt/llmwatt.h"', "int main(void)", "{",
             '    printf("SIZES = {\\n");']
    for s in SIZES:
        lines.append(f'    printf("    \\"{s}\\": %zu,\\n", sizeof({s}));')
    lines.append('    printf("}\\nFIELDS = {\\n");')
    for s, f, k in FIELDS:
        lines.append(f'    printf("    (\\"{s}\\", \\"{f}\\"): (%zu, %zu, \\"{k}\\"),\\n", offsetof({s}, {f}), '
                     f'sizeof((({s} *)0)->{f}));')
    lines.append('    printf("}\\nCONSTANTS = {\\n");')
    for c in CONSTANTS:
        lines.append(f'    printf("    \\"{c}\\": %lld,\\n", (long long)({c}));')
    lines += ['    printf("}\\n");', "    return 0;", "}"]
    return "\n".join(lines) + "\n"


def _build(build_dir):
    """Builds the library and the layout; returns (path of the .so, text of _layout.py)."""
    if not os.path.isfile(os.path.join(ROOT, "VERSION")) or not os.path.isdir(os.path.join(ROOT, "src")):
        raise SystemExit(f"llmwatt: {HERE} must stay inside the llmwatt checkout (no VERSION and src/ in {ROOT})")
    build = os.environ.get("LLMWATT_PY_BUILD", os.path.join(ROOT, "build", "python"))
    so = os.path.join(build, "libllmwatt.so")
    _run(["make", "-s", "-C", ROOT, "BUILD=" + build, "SAN=0", so], "building libllmwatt")
    src = os.path.join(build_dir, "layout.c")
    exe = os.path.join(build_dir, "layout")
    with open(src, "w", encoding="utf-8") as f:
        f.write(_layout_source())
    cc = os.environ.get("CC", "cc")
    _run([cc, "-std=c11", "-D_GNU_SOURCE", "-I" + os.path.join(ROOT, "include"), "-o", exe, src],
         "compiling the struct layout probe")
    layout = ('"""Struct sizes, field offsets and constants of libllmwatt, printed by the C compiler at build\n'
              'time (build_backend/llmwatt_backend.py). Generated: do not edit."""\n' + _run([exe], "layout probe"))
    return so, layout


def _tag():
    plat = sysconfig.get_platform().replace("-", "_").replace(".", "_")
    return f"py3-none-{plat}"


def _metadata(version):
    return (f"Metadata-Version: 2.1\nName: {NAME}\nVersion: {version}\n"
            "Summary: Energy, cost and carbon of LLM inference, estimated and measured (libllmwatt binding)\n"
            "Requires-Python: >=3.8\n")


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def build_sdist(sdist_directory, config_settings=None):
    raise SystemExit("llmwatt: the Python package is built from the checkout (pip install ./python); "
                     "there is no separate source distribution")


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    version = _version()
    tag = _tag()
    major = version.split(".")[0]
    dist_info = f"{NAME}-{version}.dist-info"
    files = {}
    pkg = os.path.join(HERE, NAME)
    for fn in sorted(os.listdir(pkg)):
        if fn.endswith(".py") or fn == "py.typed":
            with open(os.path.join(pkg, fn), "rb") as f:
                files[f"{NAME}/{fn}"] = f.read()
    with tempfile.TemporaryDirectory() as tmp:
        so, layout = _build(tmp)
        with open(so, "rb") as f:
            files[f"{NAME}/libllmwatt.so.{major}"] = f.read()
    files[f"{NAME}/_layout.py"] = layout.encode()
    files[f"{dist_info}/METADATA"] = _metadata(version).encode()
    files[f"{dist_info}/WHEEL"] = (f"Wheel-Version: 1.0\nGenerator: llmwatt_backend\nRoot-Is-Purelib: false\n"
                                   f"Tag: {tag}\n").encode()
    files[f"{dist_info}/top_level.txt"] = f"{NAME}\n".encode()
    record = []
    for name, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(data)}")
    record.append(f"{dist_info}/RECORD,,")
    files[f"{dist_info}/RECORD"] = ("\n".join(record) + "\n").encode()
    wheel_name = f"{NAME}-{version}-{tag}.whl"
    path = os.path.join(wheel_directory, wheel_name)
    with zipfile.ZipFile(path + ".tmp", "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = (0o755 if name.endswith(f".so.{major}") else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    shutil.move(path + ".tmp", path)
    return wheel_name
