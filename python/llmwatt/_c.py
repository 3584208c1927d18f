"""ctypes core of the binding: loads the libllmwatt.so.MAJOR shipped inside the package, declares
every function the binding calls, and reads or writes struct fields at the offsets the C compiler
reported at build time (_layout.py), so no struct layout is written by hand."""
import ctypes
import os
from ctypes import POINTER, c_bool, c_char_p, c_double, c_int, c_size_t, c_uint, c_uint64, c_void_p
from typing import Any, Dict, Optional

from ._layout import CONSTANTS as C
from ._layout import FIELDS, SIZES

_KINDS = {"u32": c_uint, "u64": c_uint64, "int": c_int, "enum": c_int, "double": c_double, "bool": c_bool, "size": c_size_t,
          "ptr": c_void_p}
for (_s, _f), (_off, _size, _kind) in FIELDS.items():
    if _kind in _KINDS and ctypes.sizeof(_KINDS[_kind]) != _size:  # pragma: no cover - an exotic ABI
        raise ImportError(f"llmwatt: {_s}.{_f} is {_size} bytes, the binding reads {_kind}")

lib = ctypes.CDLL(os.path.join(os.path.dirname(os.path.abspath(__file__)), f"libllmwatt.so.{C['LW_VERSION_MAJOR']}"))

P = c_void_p
PP = POINTER(c_void_p)
_SIGNATURES = {
    "lw_err_message": (c_char_p, [P]),
    "lw_version": (c_char_p, []),
    "lw_version_number": (c_int, []),
    "lw_free": (None, [P]),
    "lw_precision_name": (c_char_p, [c_int]),
    "lw_precision_parse": (c_int, [c_char_p, POINTER(c_int), P]),
    "lw_catalogue_open": (c_int, [PP, P]),
    "lw_catalogue_free": (None, [P]),
    "lw_catalogue_add_file": (c_int, [P, c_char_p, P]),
    "lw_catalogue_add_model": (c_int, [P, P, P]),
    "lw_catalogue_model_count": (c_size_t, [P]),
    "lw_catalogue_model_at": (P, [P, c_size_t]),
    "lw_catalogue_gpu_count": (c_size_t, [P]),
    "lw_catalogue_gpu_at": (P, [P, c_size_t]),
    "lw_catalogue_find_model": (c_int, [P, c_char_p, PP, P]),
    "lw_catalogue_find_gpu": (c_int, [P, c_char_p, PP, P]),
    "lw_catalogue_value": (c_double, [P, c_char_p, c_double]),
    "lw_model_from_hf_config": (c_int, [c_char_p, c_char_p, P, P]),
    "lw_model_to_json": (P, [P, c_int]),
    "lw_gpu_to_json": (P, [P, c_int]),
    "lw_account": (c_int, [P, P, P, P]),
    "lw_check_fit": (c_int, [P, P, c_int, c_double, P]),
    "lw_weight_precision_default": (c_int, [c_char_p, c_char_p, P, c_char_p, c_size_t]),
    "lw_method_name": (c_char_p, [c_int]),
    "lw_method_parse": (c_int, [c_char_p, POINTER(c_int), P]),
    "lw_estimate_opts_init": (c_int, [P, c_uint, P]),
    "lw_estimate_init": (c_int, [P, c_uint, P]),
    "lw_estimator_new": (c_int, [P, P, P, P, PP, P]),
    "lw_estimator_free": (None, [P]),
    "lw_estimator_run": (c_int, [P, P, P, P]),
    "lw_estimate_json_opts_init": (c_int, [P, c_uint, P]),
    "lw_estimate_to_json": (P, [P, P, P, P, P]),
    "lw_sweep_parse": (c_int, [c_char_p, POINTER(c_double), c_size_t, POINTER(c_size_t), P]),
    "lw_power_open_nvml": (c_int, [c_char_p, PP, P]),
    "lw_power_open_replay": (c_int, [c_char_p, PP, P]),
    "lw_power_open_dcgm": (c_int, [c_char_p, c_double, PP, P]),
    "lw_power_close": (None, [P]),
    "lw_measure_config_default": (c_int, [P, P, P]),
    "lw_measure_new": (c_int, [P, P, P, PP, P]),
    "lw_measure_from_replay": (c_int, [P, P, PP, P]),
    "lw_measure_free": (None, [P]),
    "lw_measure_start": (c_int, [P, P]),
    "lw_measure_stop": (c_int, [P, P]),
    "lw_measure_analysis_new": (c_int, [P, c_double, c_double, P, PP, P]),
    "lw_measure_analysis_free": (None, [P]),
    "lw_measure_analysis_json": (c_int, [P, P, P, PP, P]),
    "lw_cost_request_init": (c_int, [P, c_uint, P]),
    "lw_cost_report_new": (c_int, [P, P, PP, P]),
    "lw_cost_report_free": (None, [P]),
    "lw_cost_report_to_json": (P, [P, c_int, P]),
    "lw_cost_report_to_text": (P, [P, P]),
    "lw_cost_report_warning_count": (c_size_t, [P]),
    "lw_cost_report_warning": (c_char_p, [P, c_size_t]),
    "lw_trace_cost_opts_init": (c_int, [P, c_uint, P]),
    "lw_trace_cost_init": (c_int, [P, c_uint, P]),
    "lw_trace_cost_compute": (c_int, [P, P, P, P, P, P]),
    "lw_trace_summary_to_json": (P, [P, c_char_p, P, P, c_int, P]),
    "lw_trace_run": (c_int, [P, c_char_p, P, P, P]),
    "lw_trace_summary_init": (c_int, [P, c_uint, P]),
    "lw_trace_opts_init": (c_int, [P, c_uint, P, P]),
}
_SIGNATURES.update({  # scale and physics
    "lw_multi_gpu_parse": (c_int, [c_char_p, POINTER(c_int), P]),
    "lw_scale_request_init": (c_int, [P, c_uint, P]),
    "lw_scale_resolve": (c_int, [P, P, P, P]),
    "lw_scale_run": (c_int, [P, P, P, P]),
    "lw_scale_to_json": (P, [P, P, c_char_p, c_int, P]),
    "lw_scale_uses_key": (c_bool, [P, P, c_char_p]),
    "lw_scale_check_coefficients": (c_int, [P, c_char_p, PP, POINTER(c_size_t), P]),
    "lw_scale_load_coefficients_checked": (c_int, [P, c_char_p, c_bool, P]),
    "lw_physics_default_precision": (c_int, [P]),
    "lw_physics_evaluate": (c_int, [P, P, c_int, c_double, c_double, P, P]),
    "lw_physics_evaluate_all": (c_int, [P, P, c_double, c_double, P, POINTER(c_size_t), P]),
    "lw_physics_to_json": (P, [P, P, c_size_t, c_bool, c_int, P]),
})
for _name, (_res, _args) in _SIGNATURES.items():
    _fn = getattr(lib, _name)
    _fn.restype = _res
    _fn.argtypes = _args


def cstr(p: Optional[bytes]) -> str:
    return p.decode() if p is not None else ""


def take_text(p: Optional[int]) -> Optional[str]:
    """Copies and frees a heap string returned by the library (None for NULL)."""
    if not p:
        return None
    try:
        return ctypes.string_at(p).decode()
    finally:
        lib.lw_free(p)


class Struct:
    """A zeroed C struct of the named type, in memory owned by this object; fields are read and
    written at the compiler's offsets."""

    def __init__(self, name: str):
        self.name = name
        self.buf = ctypes.create_string_buffer(SIZES[name])
        self.ptr = ctypes.cast(self.buf, c_void_p)
        self._views: Dict[str, Any] = {}

    def _field(self, field: str) -> Any:
        v = self._views.get(field)
        if v is None:
            off, _size, kind = FIELDS[(self.name, field)]
            v = self._views[field] = _KINDS[kind].from_buffer(self.buf, off)
        return v

    def __getitem__(self, field: str) -> Any:
        return self._field(field).value

    def __setitem__(self, field: str, value: Any) -> None:
        self._field(field).value = value

    def address(self, field: str) -> int:
        return self.ptr.value + FIELDS[(self.name, field)][0]

    def set_text(self, field: str, value: Any) -> None:
        """Points a const char * field at a copy of value (str, bytes or os.PathLike; None: NULL),
        kept alive as long as this struct."""
        self.set_texts(field, [value], 1)

    def set_texts(self, field: str, values: Any, n: int) -> None:
        """Writes a const char *[n] field (n == 1: a plain const char * field)."""
        keep = self.__dict__.setdefault("_keep", [])
        arr = (c_void_p * n).from_address(self.address(field))
        for i, v in enumerate(values):
            if v is None:
                arr[i] = None
                continue
            b = ctypes.c_char_p(os.fsencode(v) if not isinstance(v, bytes) else v)
            keep.append(b)
            arr[i] = ctypes.cast(b, c_void_p).value


def read_field(ptr: int, struct: str, field: str) -> Any:
    """A field of a struct the library owns (a catalogue entry), by address."""
    off, _size, kind = FIELDS[(struct, field)]
    if kind == "chars":
        return ctypes.string_at(ptr + off).decode()
    return _KINDS[kind].from_address(ptr + off).value
