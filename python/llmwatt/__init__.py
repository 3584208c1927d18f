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

from . import _c
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
                 model_config: Optional[Union[str, os.PathLike]] = None, power_limit_w: Optional[float] = None,
                 sm_clock_mhz: Optional[float] = None):
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
        # the GPU's settable range is checked by the library (its message names the range)
        for name, v in (("power_limit_w", power_limit_w), ("sm_clock_mhz", sm_clock_mhz)):
            if v is not None:
                if _number(name, v) <= 0:
                    raise Error(f"{name} expects a number > 0 (None: no {name[:-2].replace('_', ' ')}), got {v!r}")
                opts[name] = float(v)
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
             model_config: Optional[Union[str, os.PathLike]] = None, power_limit_w: Optional[float] = None,
             sm_clock_mhz: Optional[float] = None) -> Estimate:
    """GPU energy of one batch of ``batch`` identical requests and one request's share of it, as
    ``llmwatt estimate --json`` prints it (same keys, same numbers, same bytes from to_json()).

    model: catalogue name, alias or Hugging Face id (or None with model_config=PATH to a config.json).
    gpu: GPU id or name ("h100", "H100 SXM5 80GB"). precision: weight precision (default: the
    model's native one); kv_precision: KV cache precision (default bf16). method: "roofline"
    (default), "llm-bench" or "profile" (attention="quadratic"|"linear" for profile). pue: adds the
    facility figure. labels: {"workload": "chat"}. power_limit_w (per GPU, as nvidia-smi -pl) and
    sm_clock_mhz (a locked SM clock, nvidia-smi -lgc): the roofline at the clock they allow (as
    ``estimate --power-limit`` / ``--sm-clock``; within the GPU's range). Raises Error naming the bad
    value (unknown model or GPU, bad number, a model that does not fit with the roofline method, a
    power limit or clock outside the GPU's range)."""
    est = Estimator(model, gpu, gpus=gpus, precision=precision, kv_precision=kv_precision, method=method,
                    attention=attention, pue=pue, catalogue=catalogue, model_config=model_config,
                    power_limit_w=power_limit_w, sm_clock_mhz=sm_clock_mhz)
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


# ---- sweep, cost, trace (llmwatt sweep / cost --json / trace --json) ------------------------------

_SWEPT = ("batch", "input_tokens", "output_tokens", "gpus", "precision", "gpu", "power_limit_w")


def _sweep_values(name: str, spec: Any) -> List[Any]:
    """The values of the swept argument: a list, tuple or range, or the CLI's spec text
    ("1,2,4", "1..256*2" geometric, "1000..8000+1000" arithmetic; names for precision and gpu)."""
    if isinstance(spec, str):
        if name in ("precision", "gpu"):
            vals: List[Any] = [t for t in spec.split(",") if t]
        else:
            buf = (ctypes.c_double * 256)()
            n = ctypes.c_size_t()
            err = _new_err()
            _check(lib.lw_sweep_parse(spec.encode(), buf, 256, ctypes.byref(n), err.ptr), err)
            vals = [buf[i] for i in range(n.value)]
            vals = [int(v) if v == math.floor(v) else v for v in vals]
    else:
        vals = list(spec)
    if not vals:
        raise Error(f"sweep: {name} has no values, got {spec!r}")
    return vals


class Sweep(list):
    """The estimates of a sweep, one :class:`Estimate` per configuration that fits, in the order of
    the swept values. ``variable`` names the swept argument, ``values`` the values of the
    estimates (``values[i]`` gave ``self[i]``), ``skipped`` the (value, message) pairs of the
    configurations that do not fit in memory (as the CLI's table says "does not fit")."""

    def __init__(self, variable: str, values: List[Any], estimates: List[Estimate], skipped: List[Any]):
        super().__init__(estimates)
        self.variable = variable
        self.values = values
        self.skipped = skipped

    def to_dicts(self) -> List[Dict[str, Any]]:
        """Each estimate's ``llmwatt estimate --json`` object."""
        return [e.to_dict() for e in self]

    def to_dataframe(self) -> Any:
        """A pandas DataFrame, one row per estimate: the swept value, then the energy per request
        and per output token with their bands (J), time_s, avg_power_w, effective_batch and the
        decode bound. Needs pandas."""
        try:
            import pandas
        except ImportError as e:
            raise Error("Sweep.to_dataframe needs pandas (apt-get install python3-pandas)", "unsupported") from e
        rows = []
        for v, e in zip(self.values, self):
            d = e.to_dict()
            q, t = d["energy_per_request_j"], d["energy_per_output_token_j"]
            rows.append({self.variable: v, "j_per_request_low": q["low"], "j_per_request": q["expected"],
                         "j_per_request_high": q["high"], "j_per_output_token_low": t["low"],
                         "j_per_output_token": t["expected"], "j_per_output_token_high": t["high"],
                         "time_s": d.get("time_s"), "avg_power_w": d.get("avg_power_w"),
                         "effective_batch": d.get("effective_batch"), "decode_bound": d["decode"]["bound"]})
        return pandas.DataFrame(rows)


def sweep(model: Optional[str], gpu: Any, input_tokens: Any, output_tokens: Any, batch: Any = 1, gpus: Any = 1,
          precision: Any = None, method: str = "roofline", **kwargs: Any) -> Sweep:
    """Estimates one configuration per value of the one argument given as a list (``batch=[1, 8,
    64]``, ``gpu=["a100", "h100"]``, ``precision=["bf16", "fp8"]``) or as the CLI's range text
    (``batch="1..256*2"``, ``input_tokens="1000..8000+1000"``, ``power_limit_w="200..700+50"``), as
    ``llmwatt sweep`` does; each
    result is the :class:`Estimate` that :func:`estimate` (``llmwatt estimate --json``) gives for that
    configuration. Configurations that do not fit are left out and listed in ``.skipped``; an
    Error (status "infeasible") when none fits. Other keyword arguments as for :func:`estimate`."""
    args = {"batch": batch, "input_tokens": input_tokens, "output_tokens": output_tokens, "gpus": gpus,
            "precision": precision, "gpu": gpu, "power_limit_w": kwargs.pop("power_limit_w", None)}

    def is_list(k: str, v: Any) -> bool:
        if isinstance(v, (list, tuple, range)):
            return True
        return isinstance(v, str) and ("," in v or (k not in ("gpu", "precision") and ".." in v))

    swept = [k for k in _SWEPT if is_list(k, args[k])]
    if len(swept) > 1:
        raise Error(f"sweep one argument at a time ({swept[0]} and {swept[1]} are both lists)")
    if not swept:
        raise Error("sweep: give one of batch, input_tokens, output_tokens, gpus, precision, gpu, power_limit_w as a "
                    "list or range (e.g. batch='1..256*2' or batch=[1, 8, 64])")
    var = swept[0]
    values = _sweep_values(var, args[var])
    cat = _catalogue(kwargs.pop("catalogue", None))
    estimates: List[Estimate] = []
    kept: List[Any] = []
    skipped: List[Any] = []
    for v in values:
        a = dict(args)
        a[var] = v
        try:
            e = estimate(model, a["gpu"], a["input_tokens"], a["output_tokens"], a["batch"], a["gpus"],
                         a["precision"], method, catalogue=cat, power_limit_w=a["power_limit_w"], **kwargs)
        except Error as ex:
            if ex.status != "infeasible":
                raise
            skipped.append((v, str(ex)))
            continue
        estimates.append(e)
        kept.append(v)
    if not estimates:
        raise Error(f"no swept configuration fits in memory ({len(values)} tried); add GPUs (gpus=) or lower the "
                    "precision", "infeasible")
    return Sweep(var, kept, estimates, skipped)


class Cost(Record):
    """The cost document (``llmwatt cost --json``): inputs (each {value, source}), tco, carbon,
    scenarios per electricity price with break-even and rental comparisons. ``text`` is the
    CLI's table, ``warnings`` what the CLI prints on stderr."""

    def __init__(self, data: Mapping[str, Any], text: Optional[str], table: str, warnings: List[str]):
        super().__init__(data, text)
        self.__dict__["text"] = table
        self.__dict__["warnings"] = warnings


# keyword -> (lw_cost_request field, lowest, highest): the CLI's option ranges (docs/cost.md)
_COST_NUMBERS = {
    "power_w": ("power_w", 1e-9, 1e9), "tokens_per_s": ("tokens_per_s", 1e-9, 1e12),
    "overhead": ("overhead_fraction", 0, 10), "psu_efficiency": ("psu_efficiency", 0.01, 1),
    "idle_w": ("idle_w_per_gpu", 0, 1e6), "utilization": ("utilization", 0.001, 1),
    "grid_g_per_kwh": ("grid_g_per_kwh", 0, 10000), "api_price_per_m": ("api_usd_per_million", 0, 1e6),
    "hardware_usd": ("hardware_usd", 0, 1e12), "depreciation_years": ("depreciation_years", 0.01, 100),
    "maintenance": ("maintenance_fraction", 0, 10),
    "colocation_usd_per_kw_month": ("colocation_usd_per_kw_month", 0, 1e5),
    "networking": ("networking_fraction", 0, 10), "embodied_kg_per_gpu": ("embodied_kg_per_gpu", 0, 1e6),
    "service_life_years": ("service_life_years", 0.01, 100), "rent_usd_per_gpu_hour": ("rent_usd_per_gpu_hour", 0, 1e4),
}


def _bounded(name: str, v: Any, lo: float, hi: float) -> float:
    x = _number(name, v)
    if not lo <= x <= hi:
        raise Error(f"{name} must be between {lo:g} and {hi:g}, got {v!r}")
    return x


def _run_source(name: str, v: Any) -> Any:
    """A run given to cost(): a path, or a result (Estimate, MeasureResult, dict) as JSON text."""
    if v is None or isinstance(v, (str, os.PathLike)):
        return v, None
    if isinstance(v, Record):
        v = v.to_dict()
    if isinstance(v, Mapping):
        return f"<{name}>", json.dumps(v)
    raise Error(f"{name} expects a JSON file path or a result (Estimate, MeasureResult, dict), got {v!r}")


def cost(measurement: Any = None, estimate: Any = None, *, power_w: Optional[float] = None,
         tokens_per_s: Optional[float] = None, gpus: Optional[int] = None, gpu: Optional[str] = None,
         price_kwh: Union[None, float, Sequence[float]] = None, pue: Union[None, float, str] = None,
         wue: Union[None, float, str] = None, region: Optional[str] = None,
         carbon_intensity: Union[None, str, os.PathLike] = None, depreciation: str = "straight", tco: bool = True,
         catalogue: Any = None, **numbers: Optional[float]) -> Cost:
    """Electricity cost, carbon, water, total cost of ownership and break-even per 1M output
    tokens, as ``llmwatt cost --json`` prints it (``.to_dict()`` is that document).

    The run: ``measurement=`` or ``estimate=`` (a JSON file path, or an :class:`Estimate` /
    :class:`MeasureResult` / dict), or plain ``power_w`` and ``tokens_per_s``. Every other keyword
    is the CLI option of the same name (docs/cost.md): gpus, gpu, price_kwh (a price or a list),
    overhead, psu_efficiency, idle_w, utilization, pue and wue (a number or a name such as "aws"),
    grid_g_per_kwh or region or carbon_intensity (an hourly series CSV), api_price_per_m,
    hardware_usd, depreciation_years, depreciation ("straight"|"declining"), maintenance,
    colocation_usd_per_kw_month, networking, tco=False (the CLI's --no-tco),
    embodied_kg_per_gpu, service_life_years, rent_usd_per_gpu_hour. Errors name the option as
    the CLI spells it."""
    cat = _catalogue(catalogue)
    err = _new_err()
    q = Struct("lw_cost_request")
    _check(lib.lw_cost_request_init(q.ptr, C["LW_COST_REQUEST_VERSION"], err.ptr), err)
    if measurement is not None and estimate is not None:
        raise Error("cost: give measurement= or estimate=, not both")
    for field, value in (("measurement", measurement), ("estimate", estimate)):
        path, text = _run_source(field, value)
        if path is not None:
            q.set_text(field, path)
            q.set_text("run_json", text)
    for k, v in numbers.items():
        if k not in _COST_NUMBERS:
            raise TypeError(f"cost() got an unexpected keyword argument {k!r}")
        if v is not None:
            field, lo, hi = _COST_NUMBERS[k]
            q[field] = _bounded(k, v, lo, hi)
    for field, value in (("power_w", power_w), ("tokens_per_s", tokens_per_s)):
        if value is not None:
            q[field] = _bounded(field, value, *_COST_NUMBERS[field][1:])
    if gpus is not None:
        q["gpus"] = _int("gpus", gpus, 1, 1000000)
    for field, value in (("gpu", gpu), ("region", region), ("carbon_intensity", carbon_intensity)):
        if value is not None and not isinstance(value, (str, os.PathLike)):
            raise Error(f"{field} expects a name or path, got {value!r}")
        q.set_text(field, value)
    for field, value in (("pue", pue), ("wue", wue)):
        if value is not None:
            q.set_text(field, value if isinstance(value, str) else repr(_number(field, value)))
    prices = [] if price_kwh is None else [price_kwh] if isinstance(price_kwh, (int, float)) else list(price_kwh)
    arr = (ctypes.c_double * max(len(prices), 1))(*[_bounded("price_kwh", p, 0, 100) for p in prices])
    q["prices_usd_per_kwh"] = ctypes.cast(arr, ctypes.c_void_p).value if prices else None
    q["nprices"] = len(prices)
    if depreciation not in ("straight", "declining"):
        raise Error(f"depreciation must be 'straight' or 'declining', got {depreciation!r}")
    q["depreciation"] = C["LW_DEPRECIATION_STRAIGHT" if depreciation == "straight" else "LW_DEPRECIATION_DECLINING"]
    q["no_tco"] = not tco
    out = ctypes.c_void_p()
    _check(lib.lw_cost_report_new(cat.ptr, q.ptr, ctypes.byref(out), err.ptr), err)
    rep = _Handle(out.value, lib.lw_cost_report_free)
    text = take_text(lib.lw_cost_report_to_json(rep.ptr, 2, err.ptr))
    table = take_text(lib.lw_cost_report_to_text(rep.ptr, err.ptr))
    if text is None or table is None:
        _check(err["status"], err)
    warnings = [cstr(lib.lw_cost_report_warning(rep.ptr, i)) for i in range(lib.lw_cost_report_warning_count(rep.ptr))]
    return Cost(json.loads(text), text, table, warnings)


class Trace(Record):
    """The energy of a request log (``llmwatt trace --json``): totals with their band, per-request
    percentiles, batching, per-model rows, bad rows, cost_and_carbon."""


_TRACE_COLUMNS = ("timestamp", "input", "output", "reasoning", "model")


def _choice(name: str, v: Any, choices: Mapping[str, Any]) -> Any:
    if v not in choices:
        raise Error(f"{name} expects {' or '.join(repr(c) for c in choices)}, got {v!r}")
    return choices[v]


def trace(path_or_iterable: Any, gpu: str, model: Optional[str] = None, *, gpus: int = 1, batch: Optional[int] = None,
          window_s: Optional[float] = None, max_batch: Optional[int] = None, precision: Optional[str] = None,
          kv_precision: Optional[str] = None, method: str = "roofline", pue: Union[None, float, str] = None,
          format: Optional[str] = None, columns: Optional[Mapping[str, str]] = None, time_unit: str = "s",
          model_map: Optional[Mapping[str, str]] = None, unknown_model: str = "fail", on_error: str = "skip",
          threads: Optional[int] = None, price_kwh: Optional[float] = None, region: Optional[str] = None,
          grid_g_per_kwh: Optional[float] = None, catalogue: Any = None,
          model_config: Optional[Union[str, os.PathLike]] = None) -> Trace:
    """Estimates every request of a trace, as ``llmwatt trace --json`` does (``.to_dict()`` is that
    document; only performance.elapsed_s differs from run to run).

    path_or_iterable: a CSV or JSON Lines file (docs/trace.md), or an iterable of dict requests
    (keys as in a JSON Lines trace: timestamp, input/output token counts, optional model and
    reasoning tokens), which are written to a temporary JSON Lines file ("file" is then
    "<iterable>"). Other arguments are the CLI options of the same name: batch fixes the batch,
    else it is estimated per window_s window (default the catalogue's trace.window_s) up to
    max_batch; columns={"input": "prompt_len"}; model_map={"ChatGPT": "llama-3.1-70b"};
    unknown_model "fail"|"default"; on_error "skip"|"fail"; price_kwh, region or grid_g_per_kwh
    for cost and carbon. Errors raise Error naming the value or the bad line."""
    import tempfile
    cat = _catalogue(catalogue)
    err = _new_err()
    o = Struct("lw_trace_opts")
    _check(lib.lw_trace_opts_init(o.ptr, C["LW_TRACE_OPTS_VERSION"], cat.ptr, err.ptr), err)
    o["gpu"] = cat.gpu(gpu)
    if model is not None or model_config is not None:
        o["default_model"] = cat.model(model, model_config)
    o["estimate.gpus"] = _int("gpus", gpus, 1, 4096)
    o["estimate.method"] = _parse(lib.lw_method_parse, "method", method, "'roofline', 'llm-bench' or 'profile'")
    if isinstance(pue, str):  # a name, as the CLI's --pue aws
        value = lib.lw_catalogue_value(cat.ptr, f"cost.pue.{pue.lower()}".encode(), math.nan)
        if math.isnan(value):
            raise Error(f"pue: unknown name {pue!r} (give a number from 1 to 10, or a name from 'llmwatt sources "
                        "cost.pue')", "not_found")
        o["estimate.pue"] = value
    elif pue is not None:
        o["estimate.pue"] = _bounded("pue", pue, 1, 10)
    if precision is not None:
        o["weight_precision"] = _parse(lib.lw_precision_parse, "precision", precision, "'bf16' or 'fp8'")
        o["weight_precision_set"] = True
    if kv_precision is not None:
        o["kv_precision"] = _parse(lib.lw_precision_parse, "kv_precision", kv_precision, "'bf16' or 'fp8'")
    if batch is not None:
        if window_s is not None or max_batch is not None:
            raise Error("window_s and max_batch estimate the batch; they do not go with batch")
        o["batch"] = _int("batch", batch, 1, 1000000)
    if window_s is not None:
        if _number("window_s", window_s) <= 0:
            raise Error(f"window_s must be longer than 0 s, got {window_s!r}")
        o["window_s"] = float(window_s)
    if max_batch is not None:
        o["max_batch"] = _int("max_batch", max_batch, 1, 1000000)
    if format is not None:
        o["format"] = _choice("format", format, {"csv": C["LW_TRACE_CSV"], "jsonl": C["LW_TRACE_JSONL"]})
    o["time_unit_s"] = _choice("time_unit", time_unit, {"s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9})
    o["on_error"] = _choice("on_error", on_error, {"skip": C["LW_TRACE_SKIP"], "fail": C["LW_TRACE_FAIL"]})
    o["unknown_model"] = _choice("unknown_model", unknown_model, {"fail": C["LW_TRACE_UNKNOWN_FAIL"],
                                                                 "default": C["LW_TRACE_UNKNOWN_DEFAULT"]})
    if unknown_model == "default" and model is None and model_config is None:
        raise Error("unknown_model='default' needs the default model (model=NAME)")
    cols = [None] * C["LW_TRACE_NCOLS"]
    for k, v in (columns or {}).items():
        if k not in _TRACE_COLUMNS or not isinstance(v, str) or not v:
            raise Error(f"columns: {k!r}: {v!r} is not KEY: NAME with KEY one of {', '.join(_TRACE_COLUMNS)}")
        cols[_TRACE_COLUMNS.index(k)] = v
    o.set_texts("columns", cols, len(cols))
    pairs = list((model_map or {}).items())
    if len(pairs) > C["LW_TRACE_MAX_MAP"]:
        raise Error(f"model_map: at most {C['LW_TRACE_MAX_MAP']} names, got {len(pairs)}")
    o.set_texts("map_from", [a for a, _ in pairs], len(pairs))
    o.set_texts("map_to", [b for _, b in pairs], len(pairs))
    o["nmap"] = len(pairs)
    if threads is not None:
        o["threads"] = _int("threads", threads, 1, 256)
    co = Struct("lw_trace_cost_opts")
    _check(lib.lw_trace_cost_opts_init(co.ptr, C["LW_TRACE_COST_OPTS_VERSION"], err.ptr), err)
    if price_kwh is not None:
        co["price_usd_per_kwh"] = _bounded("price_kwh", price_kwh, 0, 100)
    if grid_g_per_kwh is not None:
        co["grid_g_per_kwh"] = _bounded("grid_g_per_kwh", grid_g_per_kwh, 0, 5000)
    if region is not None:
        if not isinstance(region, str):
            raise Error(f"region expects a region id such as 'us', got {region!r}")
        co.set_text("region", region)
    cost_out = Struct("lw_trace_cost")
    _check(lib.lw_trace_cost_init(cost_out.ptr, C["LW_TRACE_COST_VERSION"], err.ptr), err)
    summary = Struct("lw_trace_summary")
    _check(lib.lw_trace_summary_init(summary.ptr, C["LW_TRACE_SUMMARY_VERSION"], err.ptr), err)
    # the options are checked (region) before the trace is read, as the CLI does
    _check(lib.lw_trace_cost_compute(cat.ptr, summary.ptr, o.ptr, co.ptr, cost_out.ptr, err.ptr), err)
    tmp = None
    try:
        if isinstance(path_or_iterable, (str, os.PathLike)):
            path, name = os.fsencode(path_or_iterable), os.fsdecode(path_or_iterable)
        else:
            try:
                rows = iter(path_or_iterable)
            except TypeError:
                raise Error(f"trace expects a file path or an iterable of dict requests, got {path_or_iterable!r}") \
                    from None
            tmp = tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8")
            with tmp:
                for i, r in enumerate(rows):
                    if not isinstance(r, Mapping):
                        raise Error(f"trace: request {i + 1} is not a dict: {r!r}")
                    tmp.write(json.dumps(dict(r)) + "\n")
            path, name = os.fsencode(tmp.name), "<iterable>"
        _check(lib.lw_trace_run(cat.ptr, path, o.ptr, summary.ptr, err.ptr), err)
    finally:
        if tmp is not None:
            os.unlink(tmp.name)
    if summary["requests"] == 0 and summary["bad_rows"] > 0:
        msg = ctypes.string_at(summary.address("bad[0].msg")).decode()
        raise Error(f"'{name}' has no valid rows ({summary['bad_rows']} bad; line {summary['bad[0].line']}: {msg})",
                    "parse")
    _check(lib.lw_trace_cost_compute(cat.ptr, summary.ptr, o.ptr, co.ptr, cost_out.ptr, err.ptr), err)
    text = take_text(lib.lw_trace_summary_to_json(summary.ptr, name.encode(), o.ptr, cost_out.ptr, 2, err.ptr))
    if text is None:
        _check(err["status"], err)
    return Trace(json.loads(text), text)


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
    """Energy measured around a block of code (NVML GPUs, a dcgm-exporter endpoint, or a replayed
    nvidia-smi log).

    ``with llmwatt.measure(devices=[0]) as m: ...`` then ``m.energy_j``, ``m.avg_power_w``,
    ``m.duration_s``; once the work done is known (``m.tokens = n``, or ``tokens=n``),
    ``m.tokens_per_j`` and ``m.j_per_token``. Several named windows in one process:
    ``m.begin_window("prefill")`` / ``m.end_window("prefill", tokens=n)`` returns that window's
    :class:`MeasureResult` (also in ``m.windows``). ``m.result.to_dict()`` is the measurement JSON of
    ``llmwatt measure`` (docs/measurement-json.md)."""

    def __init__(self, devices: Optional[Sequence[int]] = None, interval_s: Optional[float] = None,
                 source: str = "nvml", replay: Optional[Union[str, os.PathLike]] = None,
                 nvml_library: Optional[str] = None, tokens: Optional[float] = None, catalogue: Any = None,
                 dcgm: Optional[str] = None):
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
        if replay is not None and dcgm is not None:
            raise Error("measure: give replay=PATH or dcgm=URL, not both")
        if replay is not None:
            source = "replay"
        if dcgm is not None:
            source = "dcgm"
        if source == "dcgm":
            if not isinstance(dcgm, str):
                raise Error(f"measure(source='dcgm') needs dcgm='http://HOST:9400/metrics' of a dcgm-exporter, got {dcgm!r}")
            # each scrape must answer within the sampling interval (at least 1 s), as the CLI's --dcgm
            timeout = max(1.0, cfg["interval_s"])
            _check(lib.lw_power_open_dcgm(dcgm.encode(), timeout, ctypes.byref(src), err.ptr), err)
        elif source == "replay":
            if replay is None:
                raise Error("measure(source='replay') needs replay=PATH of an nvidia-smi --query-gpu CSV log")
            _check(lib.lw_power_open_replay(os.fsencode(replay), ctypes.byref(src), err.ptr), err)
        elif source == "nvml":
            lib_path = os.fsencode(nvml_library) if nvml_library else None
            _check(lib.lw_power_open_nvml(lib_path, ctypes.byref(src), err.ptr), err)
        else:
            raise Error(f"measure: source expects 'nvml', 'dcgm' or 'replay', got {source!r}")
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
    """A :class:`Measurement` over GPUs ``devices`` (None: all). ``dcgm="http://HOST:9400"`` reads
    the GPUs a dcgm-exporter serves (as ``llmwatt measure --dcgm``); ``replay=PATH`` analyses an
    nvidia-smi log instead of live GPUs. Use it as a context manager or with begin/end_window."""
    return Measurement(devices, **kwargs)


# ---------- scale and physics (seed 000, seed 002) ----------

from ._layout import SIZES as _SIZES  # noqa: E402  (the size of lw_physics_result, for an array of them)

class Scale(Record):
    """A seed 000 extrapolation (``llmwatt scale --json``): energy_per_token_j is a Band, factors a
    Record of the formula's factors (each a Band or a number), notes a list of str, and
    flagged_coefficients the flagged lines of an accepted coefficients file."""


class Physics(Record):
    """Energy per MAC and physics limit of a GPU (``llmwatt physics --json``): models is a list of
    Records (component, calibrated, external); with precision="all", precisions is a list of them."""


def _band(name: str, v: Any) -> Band:
    if isinstance(v, (str, bytes)) or not isinstance(v, Sequence) or len(v) != 3:
        raise Error(f"{name} expects (low, expected, high), got {v!r}")
    return Band(*(_number(f"{name}[{i}]", x) for i, x in enumerate(v)))


def scale(baseline_j_per_token: float, from_model: Optional[str] = None, to_model: Optional[str] = None, *,
          from_params: Optional[float] = None, to_params: Optional[float] = None, from_family: Optional[str] = None,
          to_family: Optional[str] = None, from_gpu: Optional[str] = None, to_gpu: Optional[str] = None,
          from_gpus: int = 1, to_gpus: int = 1, from_power_w: Optional[float] = None,
          to_power_w: Optional[float] = None, k: Optional[Sequence[float]] = None,
          mu: Optional[Sequence[float]] = None, eta: Optional[Sequence[float]] = None, alpha: Optional[float] = None,
          multi_gpu: str = "overhead", coefficients: Optional[Union[str, os.PathLike]] = None,
          accept_flagged: bool = False, catalogue: Any = None) -> Scale:
    """Extrapolates a measured energy per output token to another model and GPU with seed 000's
    formulas, as ``llmwatt scale --json`` prints it (same keys, same numbers, same bytes).

    from_model/to_model: catalogue names (their active parameters and family), or from_params /
    to_params (active parameters, override the model's). from_gpu/to_gpu: catalogue GPUs (to_gpu
    defaults to from_gpu; no GPU: Formula 1 only). k, mu, eta: (low, expected, high) overrides;
    alpha: the multi-GPU overhead; multi_gpu: "overhead" (default), "seed" or "none" (seed 000's
    tables). coefficients: a file of ``llmwatt fit --output``; one with flagged coefficients raises
    Error unless accept_flagged=True (then the result lists them in flagged_coefficients)."""
    req = Struct("lw_scale_request")
    err = _new_err()
    _check(lib.lw_scale_request_init(req.ptr, C["LW_SCALE_REQUEST_VERSION"], err.ptr), err)
    keep: List[ctypes.c_char_p] = []  # the strings the request points to live as long as this call

    def text(field: str, v: Optional[str]) -> None:
        if v is None:
            return
        if not isinstance(v, str) or not v:
            raise Error(f"{field} expects a name, got {v!r}")
        keep.append(ctypes.c_char_p(v.encode()))
        req[field] = ctypes.cast(keep[-1], ctypes.c_void_p).value

    req["baseline_j_per_token"] = _number("baseline_j_per_token", baseline_j_per_token)
    for side, model, params in (("from", from_model, from_params), ("to", to_model, to_params)):
        text(f"{side}_model", model)
        if params is not None:
            if not _number(f"{side}_params", params) > 0:
                raise Error(f"{side}_params expects a positive number of active parameters, got {params!r}")
            req[f"{side}_params"] = float(params)
        elif model is None:
            raise Error(f"scale: the {'baseline' if side == 'from' else 'target'} needs {side}_model or {side}_params")
    text("from_family", from_family)
    text("to_family", to_family)
    text("from_gpu", from_gpu)
    text("to_gpu", to_gpu)
    req["from_gpus"] = _int("from_gpus", from_gpus, 1, 4096)
    req["to_gpus"] = _int("to_gpus", to_gpus, 1, 4096)
    for name, v in (("from_power_w", from_power_w), ("to_power_w", to_power_w)):
        if v is not None:
            if not _number(name, v) > 0:
                raise Error(f"{name} expects a positive power per GPU in watts, got {v!r}")
            req[name] = float(v)
    for name, v in (("k", k), ("mu", mu), ("eta", eta)):
        if v is not None:
            b = _band(name, v)
            req[f"have_{name}"] = True
            req[f"{name}.low"], req[f"{name}.expected"], req[f"{name}.high"] = b
    if alpha is not None:
        req["have_alpha"] = True
        req["alpha"] = _number("alpha", alpha)
    req["multi_gpu"] = _parse(lib.lw_multi_gpu_parse, "multi_gpu", multi_gpu, "'overhead', 'seed' or 'none'")
    if not isinstance(accept_flagged, bool):
        raise Error(f"accept_flagged expects True or False, got {accept_flagged!r}")
    cat = _catalogue(catalogue)
    flagged: Optional[str] = None
    if coefficients is not None:
        path = os.fsencode(coefficients)
        out = ctypes.c_void_p()
        n = ctypes.c_size_t()
        _check(lib.lw_scale_check_coefficients(cat.ptr, path, ctypes.byref(out), ctypes.byref(n), err.ptr), err)
        flagged = take_text(out.value) or ""
        _check(lib.lw_scale_load_coefficients_checked(cat.ptr, path, True, err.ptr), err)
        if not n.value:
            flagged = None
    inp = Struct("lw_scale_input")
    res = Struct("lw_scale_result")
    _check(lib.lw_scale_resolve(cat.ptr, req.ptr, inp.ptr, err.ptr), err)
    _check(lib.lw_scale_run(cat.ptr, inp.ptr, res.ptr, err.ptr), err)
    if flagged and not accept_flagged:
        lines = flagged.splitlines()
        # as the CLI: name a flagged coefficient this run uses when there is one
        used = [ln for ln in lines if lib.lw_scale_uses_key(inp.ptr, res.ptr, ln.split(" ", 1)[0].encode())]
        more = f" (and {len(lines) - 1} more flagged)" if len(lines) > 1 else ""
        raise Error(f"coefficients: {os.fsdecode(path)}: {(used or lines)[0]}{more}; refit on "
                    "other points, or pass accept_flagged=True to use it anyway", "parse")
    out_text = take_text(lib.lw_scale_to_json(inp.ptr, res.ptr, flagged.encode() if flagged else None, 2, err.ptr))
    if out_text is None:
        _check(err["status"], err)
    return Scale(json.loads(out_text), out_text)


def physics(gpu: str, precision: Optional[str] = None, mfu: Optional[float] = None, flops_per_mac: int = 1, *,
            catalogue: Any = None) -> Physics:
    """Energy per MAC of a GPU from seed 002's three models, its sustainable FLOP/s at TDP and
    physics limit, as ``llmwatt physics --json`` prints it. precision: "bf16" (default; fp16 on
    GPUs without bf16), "fp16", "fp8", "int8" or "all" (every precision with a peak). mfu: an
    observed MFU in (0, 1] to check each model against. flops_per_mac: 1 (seed 002) or 2 (vendor
    peaks)."""
    cat = _catalogue(catalogue)
    g = cat.gpu(gpu)
    err = _new_err()
    m = math.nan if mfu is None else _number("mfu", mfu)
    fpm = _number("flops_per_mac", flops_per_mac)
    size = _SIZES["lw_physics_result"]
    buf = ctypes.create_string_buffer(size * C["LW_PHYSICS_PRECISIONS"])
    n = ctypes.c_size_t(1)
    every = precision == "all"
    if every:
        _check(lib.lw_physics_evaluate_all(cat.ptr, g, fpm, m, buf, ctypes.byref(n), err.ptr), err)
    else:
        p = lib.lw_physics_default_precision(g) if precision is None else \
            _parse(lib.lw_precision_parse, "precision", precision, "'bf16', 'fp8', 'int8' or 'all'")
        _check(lib.lw_physics_evaluate(cat.ptr, g, p, fpm, m, buf, err.ptr), err)
    text = take_text(lib.lw_physics_to_json(g, buf, n.value, every, 2, err.ptr))
    if text is None:
        _check(err["status"], err)
    return Physics(json.loads(text), text)
