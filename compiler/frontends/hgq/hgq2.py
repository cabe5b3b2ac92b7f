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
reference is the float64 NumPy evaluation of the records (:mod:`..layers.numpy_reference`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ...errors import TrigcError, UnsupportedModelError
from ...ir.graph import Graph
from ...names import identifier
from ..layers.builder import FrontendOptions
from ..layers.lower import Wiring, lower_layers
from ..layers.records import Layer
from ..layers.where import keras_config_where
from .hgq2_layers import HANDLERS, Hgq2Layer, Hgq2Weights
from .hgq2_store import Hgq2File, weight_paths

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
    ctx = Hgq2Weights(store, weight_paths(raw))
    records: list[Layer] = []
    sources: list[tuple[str, ...]] = []
    produced = {name: name for name, _ in inputs}
    sequential = store.config.get("class_name") == "Sequential"
    previous = inputs[0][0]
    for layer in raw:
        if layer["class_name"] == "InputLayer":
            continue
        names = [previous] if sequential else _history(layer.get("inbound_nodes", []))
        srcs = tuple(produced[n] for n in names)
        read = HANDLERS[layer["class_name"]](Hgq2Layer(layer, srcs), ctx)
        for record, reads_from in read.wired(srcs):
            records.append(record)
            sources.append(reads_from)
        produced[layer["config"]["name"]] = previous = read.output_of(srcs)
    if not records:
        raise UnsupportedModelError(f"{Path(path).name}: the model has no layer trigc can compile")
    outputs = [produced[n] for n in _endpoints(cfg.get("output_layers"))] or [previous]
    wiring = Wiring(tuple(sources), outputs[0], tuple(outputs[1:]))
    return Hgq2Model(str(cfg.get("name", Path(path).stem)), records, wiring, inputs)


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
