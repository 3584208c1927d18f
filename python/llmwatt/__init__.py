"""llmwatt: energy of LLM inference, estimated and measured.

A binding of libllmwatt (the library behind the `llmwatt` command). Results print the same JSON
as the command-line tool: ``llmwatt.estimate(...).to_dict()`` equals ``llmwatt estimate --json``
to the last digit, because both are rendered by the library.

    >>> import llmwatt
    >>> e = llmwatt.estimate("llama-3.1-8b", "h100", input_tokens=1000, output_tokens=500)
    >>> e.energy_per_request_j.expected      # joules per request, GPU only
    >>> e.energy_per_request_j                # Band(low=..., expected=..., high=...)

Every failure raises :class:`llmwatt.Error` (a ``ValueError``) with the library's one-line message.
"""
from __future__ import annotations

import json
import math
import os
import ctypes
from collections import namedtuple
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

from ._c import C, Struct, cstr, lib, read_field, take_text

__version__: str = cstr(lib.lw_version())
if lib.lw_version_number() != C["LW_VERSION_NUMBER"]:  # pragma: no cover - a mixed install
    raise ImportError(f"llmwatt: built for libllmwatt {C['LW_VERSION_NUMBER']} but {lib.lw_version_number()} "
                      "is loaded")

Band = namedtuple("Band", ["low", "expected", "high"])
Band.__doc__ = "A quantity with its uncertainty band: low <= expected <= high (None when undefined)."

_STATUS = {C[k]: k[len("LW_ERR_"):].lower() for k in C if k.startswith("LW_ERR_")}


class Error(ValueError):
    """A libllmwatt failure: bad input (unknown name, bad number), a model that does not fit, no
    power source... ``str(e)`` is the library's one-line message; ``e.status`` names the kind
    ("not_found", "invalid_argument", "infeasible", "no_device", ...)."""

    def __init__(self, message: str, status: str = "invalid_argument"):
        super().__init__(message)
        self.status = status


def _new_err() -> Struct:
    return Struct("lw_err")


def _check(st: int, err: Struct) -> None:
    if st != C["LW_OK"]:
        raise Error(cstr(lib.lw_err_message(err.ptr)), _STATUS.get(st, "unknown"))


class Record:
    """A result: its JSON keys as attributes (nested objects are Records, low/expected/high
    objects are :data:`Band` tuples, JSON null is None) and :meth:`to_dict` / :meth:`to_json`."""

    def __init__(self, data: Mapping[str, Any], text: Optional[str] = None):
        self._data = dict(data)
        self._text = text

    @staticmethod
    def _wrap(v: Any) -> Any:
        if isinstance(v, dict):
            if set(v) == {"low", "expected", "high"}:
                return Band(v["low"], v["expected"], v["high"])
            return Record(v)
        if isinstance(v, list):
            return [Record._wrap(x) for x in v]
        return v

    def __getattr__(self, name: str) -> Any:
        try:
            return Record._wrap(self.__dict__["_data"][name])
        except KeyError:
            raise AttributeError(f"{type(self).__name__} has no field {name!r}") from None

    def __dir__(self) -> List[str]:
        return sorted(set(super().__dir__()) | set(self._data))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Record) and self._data == other._data

    def __repr__(self) -> str:
        keys = ", ".join(list(self._data)[:6])
        return f"<{type(self).__name__} {keys}{', ...' if len(self._data) > 6 else ''}>"

    def to_dict(self) -> Dict[str, Any]:
        """The JSON object as a dict (a deep copy): equal to the CLI's ``--json`` output."""
        return json.loads(json.dumps(self._data))

    def to_json(self, indent: Optional[int] = 2) -> str:
        """JSON text. For a record the library rendered, indent 2 gives the CLI's ``--json`` bytes
        exactly (without the final newline)."""
        if self._text is not None and indent == 2:
            return self._text
        return json.dumps(self._data, indent=indent)


class Estimate(Record):
    """An estimate (``llmwatt estimate --json``): energy_per_request_j and
    energy_per_output_token_j are Bands, prefill/decode are Records, warnings a list of str."""


class Model(Record):
    """A catalogue model (``llmwatt show model NAME --json``)."""


class Gpu(Record):
    """A catalogue GPU (``llmwatt show gpu NAME --json``)."""


class _Handle:
    """Owns a library handle and frees it with the object."""

    def __init__(self, ptr: int, free: Any):
        self.ptr = ptr
        self._free = free

    def __del__(self) -> None:
        if self.ptr:
            self._free(self.ptr)
            self.ptr = None


class _Catalogue:
    """The built-in catalogue plus user files (default: $LLMWATT_CATALOGUE, as the CLI reads)."""

    def __init__(self, files: Union[None, str, os.PathLike, Sequence[Union[str, os.PathLike]]] = None):
        err = _new_err()
        out = ctypes.c_void_p()
        _check(lib.lw_catalogue_open(ctypes.byref(out), err.ptr), err)
        self._h = _Handle(out.value, lib.lw_catalogue_free)
        self.ptr = out.value
        self._configs: List[Struct] = []
        if files is None:
            files = [p for p in os.environ.get("LLMWATT_CATALOGUE", "").split(":") if p]
        elif isinstance(files, (str, os.PathLike)):
            files = [files]
        for f in files:
            _check(lib.lw_catalogue_add_file(self.ptr, os.fsencode(f), err.ptr), err)

    def model(self, name: Optional[str], config: Optional[Union[str, os.PathLike]] = None) -> int:
        err = _new_err()
        if config is not None:
            m = Struct("lw_model_arch")
            _check(lib.lw_model_from_hf_config(os.fsencode(config), name.encode() if name else None, m.ptr, err.ptr),
                   err)
            _check(lib.lw_catalogue_add_model(self.ptr, m.ptr, err.ptr), err)
            self._configs.append(m)
            name = read_field(m.ptr.value, "lw_model_arch", "name")
        if not isinstance(name, str) or not name:
            raise Error(f"model: give a catalogue name (see llmwatt.models()) or model_config=PATH, got {name!r}")
        out = ctypes.c_void_p()
        _check(lib.lw_catalogue_find_model(self.ptr, name.encode(), ctypes.byref(out), err.ptr), err)
        return out.value

    def gpu(self, name: str) -> int:
        if not isinstance(name, str) or not name:
            raise Error(f"gpu: give a GPU name such as 'h100' (see llmwatt.gpus()), got {name!r}")
        err = _new_err()
        out = ctypes.c_void_p()
        _check(lib.lw_catalogue_find_gpu(self.ptr, name.encode(), ctypes.byref(out), err.ptr), err)
        return out.value


def _catalogue(catalogue: Any) -> _Catalogue:
    return catalogue if isinstance(catalogue, _Catalogue) else _Catalogue(catalogue)


def models(catalogue: Any = None) -> List[Model]:
    """Every catalogue model, as ``llmwatt models --json`` lists them."""
    cat = _catalogue(catalogue)
    return [Model(json.loads(take_text(lib.lw_model_to_json(lib.lw_catalogue_model_at(cat.ptr, i), 0))))
            for i in range(lib.lw_catalogue_model_count(cat.ptr))]


def gpus(catalogue: Any = None) -> List[Gpu]:
    """Every catalogue GPU, as ``llmwatt gpus --json`` lists them."""
    cat = _catalogue(catalogue)
    return [Gpu(json.loads(take_text(lib.lw_gpu_to_json(lib.lw_catalogue_gpu_at(cat.ptr, i), 0))))
            for i in range(lib.lw_catalogue_gpu_count(cat.ptr))]


def model(name: str, catalogue: Any = None) -> Model:
    """One model by name, alias or Hugging Face id (``llmwatt show model NAME --json``)."""
    cat = _catalogue(catalogue)
    return Model(json.loads(take_text(lib.lw_model_to_json(cat.model(name), 0))))


def gpu(name: str, catalogue: Any = None) -> Gpu:
    """One GPU by id, alias or marketing name (``llmwatt show gpu NAME --json``)."""
    cat = _catalogue(catalogue)
    return Gpu(json.loads(take_text(lib.lw_gpu_to_json(cat.gpu(name), 0))))


def _number(name: str, v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise Error(f"{name} expects a finite number, got {v!r}")
    return float(v)


def _tokens(name: str, v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0 or v > 1e12:
        raise Error(f"{name} expects a whole number of tokens >= 0, got {v!r}")
    if v != math.floor(v):
        raise Error(f"{name} expects a whole number of tokens (one request), got {v!r}: estimate requests one by "
                    "one (estimate_dataframe) for mean token counts")
    return float(v)


def _int(name: str, v: Any, lo: int, hi: int) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise Error(f"{name} expects a whole number, got {v!r}")
    if not lo <= v <= hi:
        raise Error(f"{name} must be between {lo} and {hi}, got {v!r}")
    return v


def _parse(fn: Any, name: str, v: Any, example: str) -> int:
    if not isinstance(v, str):
        raise Error(f"{name} expects a name such as {example}, got {v!r}")
    err = _new_err()
    out = ctypes.c_int()
    _check(fn(v.encode(), ctypes.byref(out), err.ptr), err)
    return out.value


class Estimator:
    """A prepared estimator: model, GPU and method resolved once, then :meth:`run` per workload
    (the fast path for many requests: one C call, a Band back) or :meth:`estimate` for the full
    record. Arguments as for :func:`estimate`."""

    def __init__(self, model: Optional[str], gpu: str, *, gpus: int = 1, precision: Optional[str] = None,
                 kv_precision: Optional[str] = None, method: str = "roofline", attention: Optional[str] = None,
                 pue: Optional[float] = None, catalogue: Any = None,
                 model_config: Optional[Union[str, os.PathLike]] = None):
        self._cat = _catalogue(catalogue)
        err = _new_err()
        opts = Struct("lw_estimate_opts")
        _check(lib.lw_estimate_opts_init(opts.ptr, C["LW_ESTIMATE_OPTS_VERSION"], err.ptr), err)
        self._method = _parse(lib.lw_method_parse, "method", method, "'roofline', 'llm-bench' or 'profile'")
        opts["method"] = self._method
        self._gpus = opts["gpus"] = _int("gpus", gpus, 1, 4096)
        if attention is not None:
            if self._method != C["LW_METHOD_PROFILE"]:
                raise Error("attention applies to method='profile' only (the roofline counts causal attention exactly)")
            if attention not in ("quadratic", "linear"):
                raise Error(f"attention expects 'quadratic' or 'linear', got {attention!r}")
            opts["attention"] = C["LW_ATTENTION_QUADRATIC" if attention == "quadratic" else "LW_ATTENTION_LINEAR"]
        self._has_pue = pue is not None
        if pue is not None:
            if _number("pue", pue) < 1:
                raise Error(f"pue expects a number >= 1 (1.1 to 1.6 for most data centres), got {pue!r}")
            opts["pue"] = float(pue)
        self._model = self._cat.model(model, model_config)
        self._gpu = self._cat.gpu(gpu)
        if precision is not None:
            self._weight_precision = _parse(lib.lw_precision_parse, "precision", precision, "'bf16' or 'fp8'")
            self._precision_rule = b"given with --precision"
        else:
            # as the CLI: the config's quantization_config, else the checkpoint name, else native
            rule = ctypes.create_string_buffer(256)
            self._weight_precision = lib.lw_weight_precision_default(
                model.encode() if model else None, os.fsencode(model_config) if model_config else None,
                self._model, rule, ctypes.sizeof(rule))
            self._precision_rule = rule.value
        self._kv_precision = _parse(lib.lw_precision_parse, "kv_precision", kv_precision or "bf16", "'bf16' or 'fp8'")
        out = ctypes.c_void_p()
        _check(lib.lw_estimator_new(self._cat.ptr, self._model, self._gpu, opts.ptr, ctypes.byref(out), err.ptr), err)
        self._e = _Handle(out.value, lib.lw_estimator_free)
        self._w = Struct("lw_workload")
        self._w["version"] = C["LW_WORKLOAD_VERSION"]
        self._r = Struct("lw_estimate")
        _check(lib.lw_estimate_init(self._r.ptr, C["LW_ESTIMATE_VERSION"], err.ptr), err)
        self._err = err
        band = ("low", "expected", "high")
        self._low, self._mid, self._high = (self._r._field("energy_per_request_j." + k) for k in band)
        run = lib.lw_estimator_run
        e, w, r = self._e.ptr, self._w.ptr, self._r.ptr
        self._run = lambda: run(e, w, r, err.ptr)

    def _workload(self, input_tokens: Any, output_tokens: Any, batch: Any, reasoning_tokens: Any) -> Struct:
        w = self._w
        w["input_tokens"] = _tokens("input_tokens", input_tokens)
        w["output_tokens"] = _tokens("output_tokens", output_tokens)
        w["reasoning_tokens"] = _tokens("reasoning_tokens", reasoning_tokens)
        w["batch"] = _int("batch", batch, 1, 1000000)
        w["weight_precision"] = self._weight_precision
        w["kv_precision"] = self._kv_precision
        return w

    def run(self, input_tokens: float, output_tokens: float, batch: int = 1, reasoning_tokens: float = 0) -> Band:
        """Energy per request (J, GPU only, before PUE) as a Band; no memory check, no record."""
        self._workload(input_tokens, output_tokens, batch, reasoning_tokens)
        _check(self._run(), self._err)
        return Band(self._low.value, self._mid.value, self._high.value)

    def estimate(self, input_tokens: float, output_tokens: float, batch: int = 1, reasoning_tokens: float = 0,
                 labels: Optional[Mapping[str, str]] = None) -> Estimate:
        """The full estimate, as ``llmwatt estimate --json`` prints it (memory check included)."""
        w = self._workload(input_tokens, output_tokens, batch, reasoning_tokens)
        err = self._err
        warnings: List[bytes] = []
        # the roofline plans memory itself (effective batch, or an error when the weights or one
        # request do not fit); the seed methods never checked it and get a warning, as in the CLI
        if self._method != C["LW_METHOD_ROOFLINE"]:
            acc = Struct("lw_accounting")
            _check(lib.lw_account(self._model, w.ptr, acc.ptr, err.ptr), err)
            usable = lib.lw_catalogue_value(self._cat.ptr, b"memory.usable_fraction", 0.9)
            st = lib.lw_check_fit(acc.ptr, self._gpu, self._gpus, usable, err.ptr)
            if st != C["LW_OK"]:
                if st != C["LW_ERR_INFEASIBLE"]:
                    _check(st, err)
                warnings.append(f"{cstr(lib.lw_err_message(err.ptr))} (the {cstr(lib.lw_method_name(self._method))} "
                                "method ignores memory, as its seed does)".encode())
        _check(self._run(), err)
        jo = Struct("lw_estimate_json_opts")
        _check(lib.lw_estimate_json_opts_init(jo.ptr, C["LW_ESTIMATE_JSON_OPTS_VERSION"], err.ptr), err)
        jo["indent"] = 2
        jo["pue"] = self._has_pue
        pairs = []
        for k, v in (labels or {}).items():
            if not isinstance(k, str) or not k or "=" in k or not isinstance(v, str):
                raise Error(f"labels: {k!r}: {v!r} is not a KEY (without '=') to str VALUE pair")
            pairs.append(f"{k}={v}".encode())
        label_arr = (ctypes.c_char_p * max(len(pairs), 1))(*pairs)
        warn_arr = (ctypes.c_char_p * max(len(warnings), 1))(*warnings)
        jo["labels"] = ctypes.cast(label_arr, ctypes.c_void_p).value
        jo["nlabels"] = len(pairs)
        jo["warnings"] = ctypes.cast(warn_arr, ctypes.c_void_p).value
        jo["nwarnings"] = len(warnings)
        rule = ctypes.c_char_p(self._precision_rule)
        jo["precision_rule"] = ctypes.cast(rule, ctypes.c_void_p).value
        text = take_text(lib.lw_estimate_to_json(self._e.ptr, w.ptr, self._r.ptr, jo.ptr, err.ptr))
        if text is None:
            _check(err["status"], err)
        return Estimate(json.loads(text), text)


def estimate(model: Optional[str], gpu: str, input_tokens: float, output_tokens: float, batch: int = 1,
             gpus: int = 1, precision: Optional[str] = None, method: str = "roofline", *,
             reasoning_tokens: float = 0, kv_precision: Optional[str] = None, attention: Optional[str] = None,
             pue: Optional[float] = None, labels: Optional[Mapping[str, str]] = None, catalogue: Any = None,
             model_config: Optional[Union[str, os.PathLike]] = None) -> Estimate:
    """GPU energy of one batch of ``batch`` identical requests and one request's share of it, as
    ``llmwatt estimate --json`` prints it (same keys, same numbers, same bytes from to_json()).

    model: catalogue name, alias or Hugging Face id (or None with model_config=PATH to a config.json).
    gpu: GPU id or name ("h100", "H100 SXM5 80GB"). precision: weight precision (default: the
    model's native one); kv_precision: KV cache precision (default bf16). method: "roofline"
    (default), "llm-bench" or "profile" (attention="quadratic"|"linear" for profile). pue: adds the
    facility figure. labels: {"workload": "chat"}. Raises Error naming the bad value (unknown model or
    GPU, bad number, a model that does not fit with the roofline method)."""
    est = Estimator(model, gpu, gpus=gpus, precision=precision, kv_precision=kv_precision, method=method,
                    attention=attention, pue=pue, catalogue=catalogue, model_config=model_config)
    return est.estimate(input_tokens, output_tokens, batch, reasoning_tokens, labels)


def estimate_dataframe(df: Any, model: Optional[str] = None, gpu: Optional[str] = None, **kwargs: Any) -> Any:
    """Estimates every row of a pandas DataFrame of requests and returns a copy with the columns
    energy_j_low, energy_j, energy_j_high (per request, J, GPU only). Columns input_tokens and
    output_tokens are required; model, gpu, batch and reasoning_tokens are read per row when
    present, else taken from the arguments. Other keyword arguments as for :class:`Estimator`."""
    try:
        import pandas  # noqa: F401  (the helper is optional: say so clearly when pandas is missing)
    except ImportError as e:
        raise Error("estimate_dataframe needs pandas (apt-get install python3-pandas)", "unsupported") from e
    for col in ("input_tokens", "output_tokens"):
        if col not in df.columns:
            raise Error(f"estimate_dataframe: the DataFrame has no '{col}' column")
    cat = _catalogue(kwargs.pop("catalogue", None))
    cache: Dict[Any, Estimator] = {}
    lows, mids, highs = [], [], []
    for r in df.to_dict("records"):
        key = (r.get("model", model), r.get("gpu", gpu))
        if key not in cache:
            cache[key] = Estimator(key[0], key[1], catalogue=cat, **kwargs)
        b = cache[key].run(int(r["input_tokens"]), int(r["output_tokens"]), int(r.get("batch", 1)),
                           int(r.get("reasoning_tokens", 0)))
        lows.append(b.low)
        mids.append(b.expected)
        highs.append(b.high)
    out = df.copy()
    out["energy_j_low"], out["energy_j"], out["energy_j_high"] = lows, mids, highs
    return out


class MeasureResult(Record):
    """One measured window: the measurement JSON (docs/measurement-json.md) as a Record, plus
    energy_j, avg_power_w, peak_power_w (the GPU aggregate) and tokens_per_j / j_per_token."""

    @property
    def energy_j(self) -> Optional[float]:
        return self._data["aggregate"]["energy_j"]

    @property
    def avg_power_w(self) -> Optional[float]:
        return self._data["aggregate"]["avg_power_w"]

    @property
    def peak_power_w(self) -> Optional[float]:
        return self._data["aggregate"]["peak_power_w"]


class Measurement:
    """Energy measured around a block of code (NVML GPUs, or a replayed nvidia-smi log).

    ``with llmwatt.measure(devices=[0]) as m: ...`` then ``m.energy_j``, ``m.avg_power_w``,
    ``m.duration_s``; once the work done is known (``m.tokens = n``, or ``tokens=n``),
    ``m.tokens_per_j`` and ``m.j_per_token``. Several named windows in one process:
    ``m.begin_window("prefill")`` / ``m.end_window("prefill", tokens=n)`` returns that window's
    :class:`MeasureResult` (also in ``m.windows``). ``m.result.to_dict()`` is the measurement JSON of
    ``llmwatt measure`` (docs/measurement-json.md)."""

    def __init__(self, devices: Optional[Sequence[int]] = None, interval_s: Optional[float] = None,
                 source: str = "nvml", replay: Optional[Union[str, os.PathLike]] = None,
                 nvml_library: Optional[str] = None, tokens: Optional[float] = None, catalogue: Any = None):
        err = _new_err()
        self._cat = _catalogue(catalogue)
        cfg = Struct("lw_measure_config")
        _check(lib.lw_measure_config_default(self._cat.ptr, cfg.ptr, err.ptr), err)
        cfg["warmup_s"] = 0.0  # a window is exactly what the caller brackets: no warm-up is cut from it
        if interval_s is not None:
            if isinstance(interval_s, bool) or not isinstance(interval_s, (int, float)) or not interval_s >= 0.01:
                raise Error(f"interval_s expects a number of seconds >= 0.01, got {interval_s!r}")
            cfg["interval_s"] = float(interval_s)
        if devices is not None:
            devices = list(devices)
            if not devices or len(devices) > C["LW_MEASURE_MAX_GPUS"]:
                raise Error(f"devices: 1 to {C['LW_MEASURE_MAX_GPUS']} GPU indices, got {devices!r}")
            idx = (ctypes.c_int * len(devices)).from_address(cfg.address("gpu_indices"))
            for i, d in enumerate(devices):
                idx[i] = _int("devices[]", d, 0, 1 << 20)
            cfg["n_gpu_indices"] = len(devices)
        self._cfg = cfg
        src = ctypes.c_void_p()
        if replay is not None:
            source = "replay"
        if source == "replay":
            if replay is None:
                raise Error("measure(source='replay') needs replay=PATH of an nvidia-smi --query-gpu CSV log")
            _check(lib.lw_power_open_replay(os.fsencode(replay), ctypes.byref(src), err.ptr), err)
        elif source == "nvml":
            lib_path = os.fsencode(nvml_library) if nvml_library else None
            _check(lib.lw_power_open_nvml(lib_path, ctypes.byref(src), err.ptr), err)
        else:
            raise Error(f"measure: source expects 'nvml' or 'replay', got {source!r}")
        self._src = _Handle(src.value, lib.lw_power_close)
        self._replay = os.fspath(replay) if replay is not None else None
        self.tokens = tokens
        self._open: Dict[str, Any] = {}
        self.windows: Dict[str, MeasureResult] = {}
        self._result: Optional[MeasureResult] = None

    def _session(self) -> Any:
        err = _new_err()
        mp = ctypes.c_void_p()
        if self._replay is not None:
            _check(lib.lw_measure_from_replay(self._cfg.ptr, self._src.ptr, ctypes.byref(mp), err.ptr), err)
            return _Handle(mp.value, lib.lw_measure_free)
        _check(lib.lw_measure_new(self._cfg.ptr, self._src.ptr, None, ctypes.byref(mp), err.ptr), err)
        h = _Handle(mp.value, lib.lw_measure_free)
        _check(lib.lw_measure_start(h.ptr, err.ptr), err)
        return h

    def _finish(self, m: Any, tokens: Optional[float]) -> MeasureResult:
        err = _new_err()
        if self._replay is None:
            _check(lib.lw_measure_stop(m.ptr, err.ptr), err)
        t = _tokens("tokens", tokens) if tokens is not None else math.nan
        ap = ctypes.c_void_p()
        # the analysis handle: no struct with fixed arrays crosses into Python
        _check(lib.lw_measure_analysis_new(m.ptr, t, math.nan, None, ctypes.byref(ap), err.ptr), err)
        a = _Handle(ap.value, lib.lw_measure_analysis_free)
        meta = Struct("lw_measure_meta")
        path = ctypes.c_char_p(os.fsencode(self._replay)) if self._replay else None
        meta["replay_path"] = ctypes.cast(path, ctypes.c_void_p).value if path else None
        out = ctypes.c_void_p()
        _check(lib.lw_measure_analysis_json(a.ptr, meta.ptr, self._src.ptr, ctypes.byref(out), err.ptr), err)
        return MeasureResult(json.loads(take_text(out.value)))

    def begin_window(self, name: str) -> None:
        """Starts the named window (windows may overlap; a name is unique while its window is open)."""
        if name in self._open:
            raise Error(f"window {name!r} is already open: end_window({name!r}) first")
        self._open[name] = self._session()

    def end_window(self, name: str, tokens: Optional[float] = None) -> MeasureResult:
        """Ends the named window and returns its measurement (also kept in ``windows[name]``)."""
        if name not in self._open:
            raise Error(f"window {name!r} was not begun: call begin_window({name!r}) first")
        rec = self._finish(self._open.pop(name), tokens)
        self.windows[name] = rec
        return rec

    def __enter__(self) -> "Measurement":
        self._open["\0main"] = self._session()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._result = self._finish(self._open.pop("\0main"), self.tokens)

    @property
    def result(self) -> MeasureResult:
        """The measurement of the with block (Error before the block has ended)."""
        if self._result is None:
            raise Error("the measurement is not finished: read it after the with block")
        return self._result

    @property
    def energy_j(self) -> Optional[float]:
        """GPU energy of the block (J, every measured GPU, no idle subtraction)."""
        return self.result.energy_j

    @property
    def avg_power_w(self) -> Optional[float]:
        return self.result.avg_power_w

    @property
    def duration_s(self) -> float:
        return self.result.duration_s

    @property
    def tokens_per_j(self) -> Optional[float]:
        """tokens / energy_j once tokens are given (None when unknown or undefined)."""
        e = self.energy_j
        if self.tokens is None or e is None or not e > 0:
            return None
        return _tokens("tokens", self.tokens) / e

    @property
    def j_per_token(self) -> Optional[float]:
        """energy_j / tokens once tokens are given (None when unknown or undefined)."""
        e = self.energy_j
        if self.tokens is None or e is None or not self.tokens > 0:
            return None
        return e / _tokens("tokens", self.tokens)

    def to_dict(self) -> Dict[str, Any]:
        """The measurement JSON of the with block, as a dict."""
        return self.result.to_dict()


def measure(devices: Optional[Sequence[int]] = None, **kwargs: Any) -> Measurement:
    """A :class:`Measurement` over GPUs ``devices`` (None: all). ``replay=PATH`` analyses an
    nvidia-smi log instead of live GPUs. Use it as a context manager or with begin/end_window."""
    return Measurement(devices, **kwargs)
