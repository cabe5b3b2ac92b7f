"""HGQ2 models (``.keras`` files of Keras 3 with ``hgq.layers``), read without importing hgq.

``hgq2`` ships a top-level ``qkeras`` package of its own, so it cannot share an environment
with qkeras-v3 (which trigc reads QKeras models with).  trigc therefore reads HGQ2 files from
what they store: the layer configuration (``config.json`` in the zip) and the weights
(``model.weights.h5``, read with h5py), where every quantizer keeps its trained ``k``/``i``/``f``
(or ``k``/``b``/``i``) per element.  The quantizers are evaluated as HGQ2 does at inference
(``FixedPointQuantizerKIF/KBI.call`` with ``training=False``):

* activations (``iq``, ``oq``): ``x`` cast to ``fixed<k+i+f, k+i>`` (signed when ``k``) with
  the quantizer's rounding and overflow modes, element by element; ``k+i+f <= 0`` gives 0.
  That is a ``requantize`` node with per-element types;
* weights and biases: the same cast, except that a trainable ``WRAP`` weight quantizer only
  rounds (HGQ2 skips its overflow for weights), evaluated here in float64.

Supported: Sequential/Functional chains of ``InputLayer``, ``QDense``, ``Activation``/``ReLU``
(relu, linear), ``Flatten``/``Reshape`` and ``Dropout``.  The float64
NumPy evaluation of the records (:mod:`.numpy_reference`) is verify's reference.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import TrigcError, UnsupportedModelError
from ..ir.element_types import ElementTypes
from ..ir.fixed import OVERFLOW_MODES, FixedType
from ..ir.graph import Graph
from ..names import identifier
from .builder import FrontendOptions
from .layers import ActivationLayer, DenseLayer, Layer, Weights, cast_float, lower_layers
from .layers_tensor import ReshapeLayer
from .quantizers import ActivationSpec, per_element_spec

SUPPORTED = "InputLayer, QDense, Activation/ReLU (relu, linear), Flatten, Reshape, Dropout"
ROUNDING = {"RND": "RND", "TRN": "TRN", "RND_CONV": "RND_CONV"}
"""HGQ2 rounding modes with an ap_fixed equivalent at inference (stochastic S_* are not)."""


def is_hgq2_file(path: Path) -> bool:
    """Whether a ``.keras`` file holds layers of ``hgq`` (read by this module, not Keras)."""
    try:
        with zipfile.ZipFile(path) as z:
            text = z.read("config.json").decode("utf8")
    except (OSError, KeyError, zipfile.BadZipFile, UnicodeDecodeError):
        return False
    return '"module": "hgq.' in text or '"hgq.layers' in text


class Hgq2File:
    """The configuration and the weights of an HGQ2 ``.keras`` file."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.config = json.loads(self._member("config.json"))
        self.arrays: dict[str, np.ndarray] = {}

    def _member(self, name: str) -> bytes:
        try:
            with zipfile.ZipFile(self.path) as z:
                return z.read(name)
        except (OSError, KeyError, zipfile.BadZipFile) as exc:
            raise TrigcError(f"{self.path}: not a readable Keras 3 file ({exc})") from None

    def read_weights(self) -> None:
        """Every array of ``model.weights.h5``, by its path."""
        import h5py  # noqa: PLC0415

        try:
            with h5py.File(io.BytesIO(self._member("model.weights.h5")), "r") as f:
                f.visititems(self._keep)
        except OSError as exc:
            raise TrigcError(f"{self.path}: model.weights.h5 is not readable ({exc})") from None

    def _keep(self, name: str, obj: Any) -> None:
        if hasattr(obj, "shape"):
            self.arrays[name] = np.asarray(obj)

    def vars(self, prefix: str) -> list[np.ndarray]:
        """``prefix/vars/0``, ``prefix/vars/1``, ... in order."""
        out, j = [], 0
        while f"{prefix}/vars/{j}" in self.arrays:
            out.append(self.arrays[f"{prefix}/vars/{j}"])
            j += 1
        return out


def _where(layer: dict[str, Any]) -> str:
    return f"layer {layer['config'].get('name')!r} ({layer['class_name']})"


def _quantizer_conf(conf: dict[str, Any] | None, where: str) -> dict[str, Any]:
    if not conf:
        raise UnsupportedModelError(f"{where}: no quantizer configuration")
    c = conf.get("config", conf)
    if c.get("q_type") not in ("kif", "kbi"):
        raise UnsupportedModelError(
            f"{where}: quantizer type {c.get('q_type')!r} is not supported; trigc reads HGQ2's "
            "fixed-point quantizers ('kif', 'kbi')"
        )
    if c.get("round_mode") not in ROUNDING:
        raise UnsupportedModelError(
            f"{where}: rounding mode {c.get('round_mode')!r} has no hardware equivalent; use "
            f"one of {', '.join(ROUNDING)}"
        )
    if c.get("overflow_mode") not in OVERFLOW_MODES:
        raise UnsupportedModelError(
            f"{where}: overflow mode {c.get('overflow_mode')!r} is not supported; use one of "
            f"{', '.join(OVERFLOW_MODES)}"
        )
    return c


def _kif(store: Hgq2File, prefix: str, conf: dict[str, Any], where: str) -> tuple[np.ndarray, ...]:
    """``k``, ``i``, ``f`` of a stored quantizer.  Keras stores a layer's trainable variables
    first, then the others, each in creation order: ``k`` (never trained), then ``i`` and
    ``f`` (kif) or ``b`` and ``i`` (kbi); ``i`` is not trained under WRAP (HGQ2 tracks it)."""
    wrap = conf["overflow_mode"] == "WRAP"
    created = ["k", "i", "f"] if conf["q_type"] == "kif" else ["k", "b", "i"]
    trained = {"f", "b"} | (set() if wrap else {"i"}) if conf.get("trainable", True) else set()
    order = [n for n in created if n in trained] + [n for n in created if n not in trained]
    stored = store.vars(f"{prefix}/quantizer")
    if len(stored) < 3 or stored[order.index("k")].dtype != np.uint8:
        raise TrigcError(
            f"{store.path}: {where}: the quantizer variables under {prefix!r} are not laid out "
            "as HGQ2 0.2 saves them (k, i, f per element); re-save the model with hgq2 0.2"
        )
    v = {name: np.asarray(stored[j], dtype=np.float64) for j, name in enumerate(order)}
    k = v["k"]
    i = np.round(v["i"])  # round_conv: ties to even, as np.round
    f = np.round(v["f"]) if "f" in v else np.round(v["b"]) - i
    return k, i, f


def _elements(store: Hgq2File, prefix: str, conf: dict[str, Any], where: str) -> ElementTypes:
    k, i, f = _kif(store, prefix, conf, where)
    return ElementTypes.from_kif(k, i, f, ROUNDING[conf["round_mode"]], conf["overflow_mode"])


def quantize_values(
    values: np.ndarray, store: Hgq2File, prefix: str, conf: dict[str, Any], where: str
) -> np.ndarray:
    """A weight quantizer applied to float values (float64 results on their grids)."""
    elements = _elements(store, prefix, conf, where).broadcast_to(values.shape)
    round_only = (
        conf["overflow_mode"] == "WRAP"
        and conf.get("trainable", True)
        and conf.get("is_weight", False)
        and (conf["q_type"] == "kif" or conf["round_mode"] == "RND")
    )
    flat, out = values.reshape(-1), np.zeros(values.size)
    if round_only:  # HGQ2 rounds trainable WRAP weights to f bits and never wraps them
        _, _, f = _kif(store, prefix, conf, where)
        fracs = np.broadcast_to(f, values.shape).reshape(-1).astype(np.int64)
        for frac in np.unique(fracs).tolist():
            idx = np.flatnonzero(fracs == frac)
            wide = FixedType(64, 64 - frac, True, elements.rounding, "SAT")
            out[idx] = wide.to_float(cast_float(flat[idx], wide, where))
        return out.reshape(values.shape)
    for t, idx in elements.groups():
        if t is not None:
            out[idx] = t.to_float(cast_float(flat[idx], t, where))
    return out.reshape(values.shape)


def _activation(name: Any, where: str) -> ActivationSpec:
    if name in (None, "linear"):
        return ActivationSpec("identity")
    if name == "relu":
        return ActivationSpec("relu")
    raise UnsupportedModelError(
        f"{where}: activation {name!r} is not supported in HGQ2 layers; use relu or linear"
    )


def weight_paths(layers: list[dict[str, Any]]) -> dict[str, str]:
    """Layer name -> its group in ``model.weights.h5``.  Keras 3 names the groups after the
    layers' classes in snake case, numbered in order (``q_dense``, ``q_dense_1``, ...), not
    after the layers' own names."""
    seen: dict[str, int] = {}
    paths = {}
    for layer in layers:
        base = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", layer["class_name"])  # keras' to_snake_case
        base = re.sub(r"([a-z])([A-Z])", r"\1_\2", base).lower()
        count = seen.get(base, 0)
        seen[base] = count + 1
        paths[layer["config"]["name"]] = f"layers/{base}" + (f"_{count}" if count else "")
    return paths


class _Reader:
    """Layer records of an HGQ2 file, layer by layer."""

    def __init__(self, store: Hgq2File, paths: dict[str, str]) -> None:
        self.store = store
        self.paths = paths
        self.layers: list[Layer] = []

    def quantizer(self, layer: dict[str, Any], key: str, role: str) -> None:
        """An input/output quantizer (``iq``/``oq``) as a requantize record."""
        cfg, where = layer["config"], _where(layer)
        conf = _quantizer_conf(cfg.get(f"{key}_conf"), f"{where} {key}")
        prefix = f"{self.paths[cfg['name']]}/{key}"
        elements = _elements(self.store, prefix, conf, f"{where} {key}")
        if elements.shape and elements.shape[0] == 1:  # the batch axis of HGQ2's bit widths
            elements = ElementTypes(
                elements.width[0], elements.integer[0], elements.signed[0],
                elements.rounding, elements.overflow,
            )  # fmt: skip
        spec = per_element_spec(elements)
        self.layers.append(ActivationLayer(f"{cfg['name']}_{role}", "HGQ2 quantizer", spec, True))

    def dense(self, layer: dict[str, Any]) -> None:
        cfg, where = layer["config"], _where(layer)
        name = cfg["name"]
        if cfg.get("enable_iq", True):
            self.quantizer(layer, "iq", "iq")
        path = self.paths[name]
        stored = self.store.vars(path)
        if not stored:
            raise TrigcError(f"{self.store.path}: no weights for {where} (expected {path!r})")
        kernel = np.asarray(stored[0], np.float64)
        use_bias = bool(cfg.get("use_bias", True))
        bias = np.asarray(stored[1], np.float64) if use_bias else np.zeros(kernel.shape[-1])
        if kernel.ndim != 2:
            raise UnsupportedModelError(f"{where}: kernel of shape {kernel.shape}")
        kq = _quantizer_conf(cfg.get("kq_conf"), f"{where} kq")
        qkernel = quantize_values(kernel, self.store, f"{path}/kq", kq, f"{where} kq")
        if use_bias:
            bq = _quantizer_conf(cfg.get("bq_conf"), f"{where} bq")
            qbias = quantize_values(bias, self.store, f"{path}/bq", bq, f"{where} bq")
        else:
            qbias = bias
        spec = _activation(cfg.get("activation"), where)
        self.layers.append(
            DenseLayer(
                name, layer["class_name"], Weights(qkernel, True), Weights(qbias, True), spec
            )
        )
        if cfg.get("enable_oq", False):
            self.quantizer(layer, "oq", "oq")

    def activation(self, layer: dict[str, Any]) -> None:
        cfg, where = layer["config"], _where(layer)
        if layer["class_name"] == "ReLU":
            if (
                cfg.get("max_value") is not None
                or cfg.get("negative_slope")
                or cfg.get("threshold")
            ):
                raise UnsupportedModelError(f"{where}: only a plain ReLU is supported")
            spec = ActivationSpec("relu")
        else:
            spec = _activation(cfg.get("activation"), where)
        self.layers.append(ActivationLayer(cfg["name"], layer["class_name"], spec))

    def reshape(self, layer: dict[str, Any]) -> None:
        cfg = layer["config"]
        if layer["class_name"] == "Flatten":
            self.layers.append(ReshapeLayer(cfg["name"], "Flatten", (-1,)))
        else:
            shape = tuple(int(v) for v in cfg["target_shape"])
            self.layers.append(ReshapeLayer(cfg["name"], "Reshape", shape))


HANDLERS: dict[str, Callable[[_Reader, dict[str, Any]], None]] = {
    "QDense": _Reader.dense,
    "Activation": _Reader.activation,
    "ReLU": _Reader.activation,
    "Flatten": _Reader.reshape,
    "Reshape": _Reader.reshape,
    "Dropout": lambda reader, layer: None,
}


def _chain(config: dict[str, Any], path: Path) -> tuple[str, list[dict[str, Any]]]:
    cfg = config.get("config", {})
    layers = cfg.get("layers", [])
    for k, layer in enumerate(layers[1:], start=1):
        inbound = json.dumps(layer.get("inbound_nodes", []))
        previous = layers[k - 1]["config"]["name"]
        if config.get("class_name") != "Sequential" and f'"{previous}"' not in inbound:
            raise UnsupportedModelError(
                f"{path.name}: {_where(layer)} does not read the layer before it; trigc reads "
                "HGQ2 models that are chains of layers"
            )
    return str(cfg.get("name", path.stem)), layers


def read_hgq2_layers(path: Path) -> tuple[str, tuple[int, ...], str, list[Layer]]:
    """The model's name, input shape, input name and layer records, as read."""
    store = Hgq2File(path)
    name, raw = _chain(store.config, store.path)
    if not raw or raw[0].get("class_name") != "InputLayer":
        raise UnsupportedModelError(f"{path.name}: the model must start with an InputLayer")
    first = raw[0]["config"]
    in_shape = tuple(int(v) for v in (first.get("batch_shape") or first["batch_input_shape"])[1:])
    for layer in raw[1:]:
        if layer.get("class_name") not in HANDLERS:
            raise UnsupportedModelError(
                f"{path.name}: {_where(layer)} is not supported in HGQ2 models; trigc reads "
                f"{SUPPORTED}"
            )
    store.read_weights()
    reader = _Reader(store, weight_paths(raw))
    for layer in raw[1:]:
        HANDLERS[layer["class_name"]](reader, layer)
    if not reader.layers:
        raise UnsupportedModelError(f"{path.name}: the model has no layer trigc can compile")
    return name, in_shape, str(first["name"]), reader.layers


def from_hgq2(path: Path, options: FrontendOptions | None = None) -> tuple[Graph, list[str]]:
    """Read an HGQ2 ``.keras`` file into an untyped IR graph."""
    name, in_shape, input_name, layers = read_hgq2_layers(path)
    return lower_layers(
        identifier(name), in_shape, input_name, layers, options or FrontendOptions()
    )


def hgq2_numpy_runner(path: Path) -> Callable[[np.ndarray], np.ndarray]:
    """The file as read, evaluated in float64 NumPy: flat inputs ``[batch, n]`` → outputs."""
    from .numpy_reference import evaluate  # noqa: PLC0415

    _, in_shape, input_name, layers = read_hgq2_layers(path)
    sources = [(input_name,)] + [(layer.name,) for layer in layers[:-1]]

    def run(x: np.ndarray) -> np.ndarray:
        shaped = np.asarray(x, dtype=np.float64).reshape(len(x), *in_shape)
        return evaluate(layers, sources, input_name, layers[-1].name, shaped)

    return run
