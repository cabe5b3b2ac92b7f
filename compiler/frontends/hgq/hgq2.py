"""HGQ2 models (``.keras`` files of Keras 3 with ``hgq.layers``), read without importing hgq.

``hgq2`` ships a top-level ``qkeras`` package of its own, so it cannot share an environment
with qkeras-v3 (which trigc reads QKeras models with).  trigc therefore reads HGQ2 files from
what they store (:mod:`.hgq2_store`): the layer configuration and, per quantizer, the trained
``k``/``i``/``f`` (or ``k``/``b``/``i``) of every element.  The quantizers are evaluated as
HGQ2 does at inference (``FixedPointQuantizerKIF/KBI.call`` with ``training=False``):

* activations (each layer's input quantizer ``iq``, and ``oq`` where enabled): ``x`` cast to
  ``fixed<k+i+f, k+i>`` (signed when ``k``) with the quantizer's rounding and overflow modes,
  element by element, and ``k+i+f <= 0`` gives 0: a ``requantize`` node with per-element types;
* weights and biases: the same cast in float64, except that a trainable ``WRAP`` weight
  quantizer only rounds (HGQ2 skips its overflow for weights).

Layers: ``QDense``, ``QEinsumDense`` (``...c,cd->...d``: a dense layer over the last axis),
``QBatchNormDense`` (the batch normalization fused into kernel and bias
before they are quantized, in float32 as HGQ2 does), ``QConv1D``/``QConv2D``, ``QAdd``
(each input with its own quantizer), Keras ``Add``, ``Activation``/``ReLU`` (relu, linear),
``Flatten``, ``Reshape`` and ``Dropout``, wired as the functional model is.  verify's
reference is the float64 NumPy evaluation of the records (:mod:`.numpy_reference`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ...errors import TrigcError, UnsupportedModelError
from ...ir.element_types import ElementTypes
from ...ir.graph import Graph
from ...names import identifier
from ..layers.builder import FrontendOptions
from ..layers.lower import Wiring, lower_layers
from ..layers.quantizers import ActivationSpec, per_element_spec
from ..layers.records import ActivationLayer, ConvLayer, DenseLayer, Layer, Weights
from ..layers.tensor import MergeLayer, ReshapeLayer
from ..layers.where import keras_config_where
from .hgq2_store import Hgq2File, quantize_values, quantizer_conf, quantizer_elements, weight_paths

SUPPORTED = (
    "InputLayer, QDense, QEinsumDense (a dense layer over the last axis), QBatchNormDense, "
    "QConv1D, QConv2D, QAdd, Add, Activation/ReLU (relu, linear), Flatten, Reshape, Dropout"
)


def is_hgq2_file(path: Path) -> bool:
    """Whether a ``.keras`` file holds layers of ``hgq`` (read by this module, not Keras)."""
    try:
        layers = Hgq2File(path).config.get("config", {}).get("layers", [])
    except (TrigcError, ValueError, AttributeError):
        return False
    return any(str(layer.get("module", "")).startswith("hgq.") for layer in layers)


def _activation(name: Any, where: str) -> ActivationSpec:
    if name in (None, "linear"):
        return ActivationSpec("identity")
    if name == "relu":
        return ActivationSpec("relu")
    raise UnsupportedModelError(
        f"{where}: activation {name!r} is not supported in HGQ2 layers; use relu or linear"
    )


def _drop_batch_axis(elements: ElementTypes) -> ElementTypes:
    """HGQ2 keeps activation bit widths with a leading batch axis of 1."""
    if not elements.shape or elements.shape[0] != 1:
        return elements
    e = elements
    return ElementTypes(e.width[0], e.integer[0], e.signed[0], e.rounding, e.overflow)


@dataclass
class _Reader:
    """Layer records of an HGQ2 file and the records each one reads (the model's wiring)."""

    store: Hgq2File
    paths: dict[str, str]

    def __post_init__(self) -> None:
        self.records: list[Layer] = []
        self.sources: list[tuple[str, ...]] = []

    def emit(self, record: Layer, sources: tuple[str, ...]) -> str:
        self.records.append(record)
        self.sources.append(sources)
        return record.name

    def quantize(
        self, layer: dict[str, Any], conf: Any, prefix: str, name: str, source: str
    ) -> str:
        """An activation quantizer on ``source`` as a requantize record; returns its name."""
        where = f"{keras_config_where(layer)} {prefix.rsplit('/', 1)[-1]}"
        c = quantizer_conf(conf, where)
        elements = _drop_batch_axis(quantizer_elements(self.store, prefix, c, where))
        spec = per_element_spec(elements)
        return self.emit(ActivationLayer(name, "HGQ2 quantizer", spec, True), (source,))

    def weights(self, layer: dict[str, Any]) -> list[np.ndarray]:
        path = self.paths[layer["config"]["name"]]
        stored = self.store.vars(path)
        if not stored:
            raise TrigcError(
                f"{self.store.path}: no weights for {keras_config_where(layer)} (at {path!r})"
            )
        return [np.asarray(v) for v in stored]

    def quantized(self, layer: dict[str, Any], key: str, values: np.ndarray) -> Weights:
        cfg, where = layer["config"], f"{keras_config_where(layer)} {key}"
        conf = quantizer_conf(cfg.get(f"{key}_conf"), where)
        path = f"{self.paths[cfg['name']]}/{key}"
        return Weights(
            quantize_values(values.astype(np.float64), self.store, path, conf, where), True
        )

    def layer_quantizer(self, layer: dict[str, Any], key: str, source: str) -> str:
        """The layer's input (``iq``, on by default) or output (``oq``) quantizer on
        ``source``, where enabled; returns what the layer's next step reads."""
        cfg = layer["config"]
        if not cfg.get(f"enable_{key}", key == "iq"):
            return source
        prefix = f"{self.paths[cfg['name']]}/{key}"
        return self.quantize(layer, cfg.get(f"{key}_conf"), prefix, f"{cfg['name']}_{key}", source)

    # -- layers ---------------------------------------------------------------------------
    def dense(self, layer: dict[str, Any], srcs: tuple[str, ...]) -> str:
        cfg, where = layer["config"], keras_config_where(layer)
        x = self.layer_quantizer(layer, "iq", srcs[0])
        stored = self.weights(layer)
        kernel = np.asarray(stored[0], np.float32)
        if layer["class_name"] == "QEinsumDense":
            use_bias = _dense_equation(cfg, where)
        else:
            use_bias = bool(cfg.get("use_bias", True))
        bias = np.asarray(stored[1], np.float32) if use_bias else None
        if layer["class_name"] == "QBatchNormDense":
            kernel, bias = _fused_batchnorm(cfg, stored, kernel, bias)
        if kernel.ndim != 2:
            raise UnsupportedModelError(f"{where}: kernel of shape {kernel.shape}")
        qkernel = self.quantized(layer, "kq", kernel)
        qbias = (
            self.quantized(layer, "bq", bias)
            if bias is not None
            else Weights(np.zeros(kernel.shape[-1]), True)
        )
        spec = _activation(cfg.get("activation"), where)
        record = DenseLayer(cfg["name"], layer["class_name"], qkernel, qbias, spec)
        return self.layer_quantizer(layer, "oq", self.emit(record, (x,)))

    def conv(self, layer: dict[str, Any], srcs: tuple[str, ...]) -> str:
        cfg, where = layer["config"], keras_config_where(layer)
        if cfg.get("data_format", "channels_last") != "channels_last":
            raise UnsupportedModelError(f"{where}: only data_format='channels_last' is supported")
        if any(int(d) != 1 for d in cfg.get("dilation_rate", [1])) or cfg.get("groups", 1) != 1:
            raise UnsupportedModelError(f"{where}: dilated or grouped convolutions")
        x = self.layer_quantizer(layer, "iq", srcs[0])
        stored = self.weights(layer)
        kernel = np.asarray(stored[0], np.float32)
        use_bias = bool(cfg.get("use_bias", True))
        qbias = (
            self.quantized(layer, "bq", np.asarray(stored[1], np.float32))
            if use_bias
            else Weights(np.zeros(kernel.shape[-1]), True)
        )
        record = ConvLayer(
            cfg["name"],
            layer["class_name"],
            self.quantized(layer, "kq", kernel),
            qbias,
            tuple(int(s) for s in cfg.get("strides", [1])),
            str(cfg.get("padding", "valid")),
            _activation(cfg.get("activation"), where),
        )
        return self.layer_quantizer(layer, "oq", self.emit(record, (x,)))

    def add(self, layer: dict[str, Any], srcs: tuple[str, ...]) -> str:
        cfg = layer["config"]
        name = cfg["name"]
        if layer["class_name"] == "QAdd" and cfg.get("enable_iq", True):
            confs = cfg.get("iq_confs")
            confs = confs if isinstance(confs, list) else [confs] * len(srcs)
            base = f"{self.paths[name]}/iq/quantizers/quantizer"
            srcs = tuple(
                self.quantize(layer, conf, base + (f"_{k}" if k else ""), f"{name}_iq{k}", s)
                for k, (conf, s) in enumerate(zip(confs, srcs, strict=True))
            )
        out = self.emit(MergeLayer(name, "Add"), srcs)
        return self.layer_quantizer(layer, "oq", out) if layer["class_name"] == "QAdd" else out

    def activation(self, layer: dict[str, Any], srcs: tuple[str, ...]) -> str:
        cfg, where = layer["config"], keras_config_where(layer)
        if layer["class_name"] == "ReLU":
            if cfg.get("max_value") is not None or cfg.get("negative_slope"):
                raise UnsupportedModelError(f"{where}: only a plain ReLU is supported")
            if cfg.get("threshold"):
                raise UnsupportedModelError(f"{where}: only a plain ReLU is supported")
            spec = ActivationSpec("relu")
        else:
            spec = _activation(cfg.get("activation"), where)
        return self.emit(ActivationLayer(cfg["name"], layer["class_name"], spec), srcs[:1])

    def reshape(self, layer: dict[str, Any], srcs: tuple[str, ...]) -> str:
        cfg = layer["config"]
        if layer["class_name"] == "Flatten":
            return self.emit(ReshapeLayer(cfg["name"], "Flatten", (-1,)), srcs[:1])
        shape = tuple(int(v) for v in cfg["target_shape"])
        return self.emit(ReshapeLayer(cfg["name"], "Reshape", shape), srcs[:1])


def _dense_equation(cfg: dict[str, Any], where: str) -> bool:
    """Whether a ``QEinsumDense`` is a dense layer over the last axis (``...c,cd->...d``, as
    ``"bnc,cd->bnd"`` for per-particle weights); returns whether it has a bias."""
    equation = str(cfg.get("equation", "")).replace(" ", "")
    lhs, _, out = equation.partition("->")
    x, _, w = lhs.partition(",")
    bias_axes = cfg.get("bias_axes")
    ok = len(w) == 2 and x.endswith(w[0]) and out == x[:-1] + w[1] and w[1] not in x
    if not ok or bias_axes not in (None, "", w[1:]):
        raise UnsupportedModelError(
            f"{where}: einsum {equation!r} (bias_axes {bias_axes!r}) is not a dense layer over "
            "the last axis; trigc reads QEinsumDense equations of the form '...c,cd->...d' "
            "with bias_axes 'd' or none"
        )
    return bool(bias_axes)


def _fused_batchnorm(
    cfg: dict[str, Any], stored: list[np.ndarray], kernel: np.ndarray, bias: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """``QBatchNormDense.get_fused_qkernel_and_qbias`` at inference, in float32 as HGQ2 computes
    it: ``kernel * (gamma / sqrt(var + eps))[:, None]`` and ``bias - mean @ kernel``.  The
    stored variables are the trainable ones (kernel, bias, gamma when ``scale``), then the
    others, ending with the moving mean and variance."""
    assert bias is not None
    eps = np.float32(cfg.get("epsilon", 1e-3))
    mean, var = (np.asarray(v, np.float32) for v in stored[-2:])
    gamma = np.asarray(stored[2], np.float32) if cfg.get("scale", True) else np.float32(1)
    scaler = gamma / np.sqrt(var + eps)
    fused_kernel = scaler[:, None] * kernel
    fused_bias = bias + (-(mean @ kernel)).astype(np.float32)
    return fused_kernel.astype(np.float32), fused_bias.astype(np.float32)


Handler = Callable[[_Reader, dict[str, Any], tuple[str, ...]], str]
HANDLERS: dict[str, Handler] = {
    "QDense": _Reader.dense,
    "QBatchNormDense": _Reader.dense,
    "QEinsumDense": _Reader.dense,
    "QConv1D": _Reader.conv,
    "QConv2D": _Reader.conv,
    "QAdd": _Reader.add,
    "Add": _Reader.add,
    "Activation": _Reader.activation,
    "ReLU": _Reader.activation,
    "Flatten": _Reader.reshape,
    "Reshape": _Reader.reshape,
    "Dropout": lambda reader, layer, srcs: srcs[0],
}


def _history(obj: Any) -> list[str]:
    """The producing layers named in a Keras 3 ``inbound_nodes`` entry, in order."""
    if isinstance(obj, dict):
        history = obj.get("config", {}).get("keras_history") if "config" in obj else None
        if obj.get("class_name") == "__keras_tensor__" and history:
            return [str(history[0])]
        return [n for v in obj.values() for n in _history(v)]
    if isinstance(obj, list):
        return [n for v in obj for n in _history(v)]
    return []


def _endpoints(value: Any) -> list[str]:
    """``input_layers``/``output_layers``: ``[name, 0, 0]`` or a list of them."""
    if value and isinstance(value[0], str):
        return [value[0]]
    return [str(v[0]) for v in value or []]


@dataclass(frozen=True)
class Hgq2Model:
    """An HGQ2 model as read: records, their wiring, the inputs and the outputs."""

    name: str
    records: list[Layer]
    wiring: Wiring
    inputs: list[tuple[str, tuple[int, ...]]]


def read_hgq2(path: Path) -> Hgq2Model:
    """Read the records of an HGQ2 file (refusing unsupported layers before any weight)."""
    store = Hgq2File(path)
    cfg = store.config.get("config", {})
    raw = cfg.get("layers", [])
    inputs = [
        (layer["config"]["name"], tuple(int(v) for v in layer["config"]["batch_shape"][1:]))
        for layer in raw
        if layer.get("class_name") == "InputLayer"
    ]
    if not inputs:
        raise UnsupportedModelError(f"{Path(path).name}: the model has no InputLayer")
    for layer in raw:
        cls = layer.get("class_name")
        if cls != "InputLayer" and cls not in HANDLERS:
            raise UnsupportedModelError(
                f"{Path(path).name}: {keras_config_where(layer)} is not supported in HGQ2 "
                f"models; trigc reads {SUPPORTED}"
            )
    store.read_weights()
    reader = _Reader(store, weight_paths(raw))
    produced = {name: name for name, _ in inputs}
    sequential = store.config.get("class_name") == "Sequential"
    previous = inputs[0][0]
    for layer in raw:
        if layer["class_name"] == "InputLayer":
            continue
        names = [previous] if sequential else _history(layer.get("inbound_nodes", []))
        srcs = tuple(produced[n] for n in names)
        out = HANDLERS[layer["class_name"]](reader, layer, srcs)
        produced[layer["config"]["name"]] = previous = out
    if not reader.records:
        raise UnsupportedModelError(f"{Path(path).name}: the model has no layer trigc can compile")
    outputs = [produced[n] for n in _endpoints(cfg.get("output_layers"))] or [previous]
    wiring = Wiring(tuple(reader.sources), outputs[0], tuple(outputs[1:]))
    return Hgq2Model(str(cfg.get("name", Path(path).stem)), reader.records, wiring, inputs)


def from_hgq2(path: Path, options: FrontendOptions | None = None) -> tuple[Graph, list[str]]:
    """Read an HGQ2 ``.keras`` file into an untyped IR graph."""
    m = read_hgq2(path)
    (first_name, first_shape), more = m.inputs[0], tuple(m.inputs[1:])
    return lower_layers(
        identifier(m.name),
        first_shape,
        first_name,
        m.records,
        options or FrontendOptions(),
        m.wiring,
        more,
    )


def hgq2_numpy_runner(path: Path) -> Callable[[np.ndarray], np.ndarray]:
    """The file as read, evaluated in float64 NumPy: flat inputs ``[batch, n]`` → outputs."""
    from ..layers.numpy_reference import evaluate  # noqa: PLC0415

    m = read_hgq2(path)
    if len(m.inputs) != 1 or m.wiring.more_outputs:
        raise UnsupportedModelError(
            f"{Path(path).name}: the NumPy reference takes one input and one output"
        )
    (input_name, in_shape), sources = m.inputs[0], list(m.wiring.inputs)

    def run(x: np.ndarray) -> np.ndarray:
        shaped = np.asarray(x, dtype=np.float64).reshape(len(x), *in_shape)
        return evaluate(m.records, sources, input_name, m.wiring.output, shaped)

    return run
