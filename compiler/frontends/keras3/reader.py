"""Keras 3 / QKeras (qkeras-v3) frontend: a model in memory or a ``.keras`` file → IR.

Supported: Sequential and functional models, with one or several inputs and outputs, of the
layers in :data:`SUPPORTED_LAYERS` (dense, convolution, depthwise and separable convolution,
pooling, padding, cropping, upsampling and permutation, merges, activations and quantizers).
The layers are read into the frontend-neutral records of :mod:`..layers.records` (windowed ones by
:mod:`.conv`) and lowered there, as the other frontends do; each IR node's ``origin``
names its layer.  Anything else is refused with the layer's name, class and the list of what
is supported.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from ...errors import TrigcError, UnsupportedModelError
from ...ir.graph import Graph
from ...names import identifier
from ..layers.builder import FrontendOptions
from ..layers.handler import Handler, Read
from ..layers.keras_import import import_keras
from ..layers.lower import Wiring, lower_layers
from ..layers.quantizers import (
    ActivationSpec,
    activation_spec,
    leaky_relu_spec,
)
from ..layers.records import ActivationLayer, BatchNormLayer, DenseLayer, Layer, Weights
from ..layers.tensor import MERGE_OPS, MergeLayer, ReshapeLayer
from ..layers.where import keras_object_where
from .common import quantized_weights as _weights
from .conv import CONV_HANDLERS, REARRANGE_HANDLERS

__all__ = ["FrontendOptions", "from_keras", "identifier", "load_keras_model", "lower_keras"]

SUPPORTED_LAYERS = (
    "InputLayer, QDense, Dense, QActivation, Activation, BatchNormalization, "
    "QBatchNormalization, Dropout, Conv1D, Conv2D, QConv1D, QConv2D, DepthwiseConv1D/2D, "
    "QDepthwiseConv2D, SeparableConv1D/2D, QSeparableConv1D/2D, ZeroPadding1D/2D, "
    "Cropping1D/2D, UpSampling1D/2D (nearest), Permute, MaxPooling1D/2D, AveragePooling1D/2D, "
    "QAveragePooling2D, "
    "GlobalMaxPooling1D/2D, GlobalAveragePooling1D/2D, Flatten, Reshape, "
    "Add, Subtract, Multiply, Concatenate, Softmax, ReLU (max_value: a positive integer), "
    "LeakyReLU (power-of-two slope)"
)
INPUT_NAME = "input"  # what a precision configuration calls the model input


_MODEL_CLASSES = ("Sequential", "Functional", "Model")


def _archive_class(path: Path) -> str | None:
    """The class name at the top of a ``.keras`` archive's ``config.json``, if it has one."""
    try:
        with zipfile.ZipFile(path) as archive:
            config = json.loads(archive.read("config.json"))
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        return None  # not an archive: Keras' own error says so
    return str(config.get("class_name")) if isinstance(config, dict) else None


def load_keras_model(path: Path) -> Any:
    """Load a ``.keras`` (or Keras-3 ``.h5``) file with the QKeras custom objects."""
    path = Path(path)
    if not path.exists():
        raise TrigcError(f"{path}: no such file. Pass the path of a saved Keras model (.keras).")
    if path.is_dir():
        raise TrigcError(f"{path}: is a directory, not a saved Keras model file (.keras).")
    saved_class = _archive_class(path)
    if saved_class is not None and saved_class not in _MODEL_CLASSES:
        raise TrigcError(
            f"{path}: holds a {saved_class} layer, not a model; save the whole model "
            "(model.save('name.keras') on a keras.Sequential or keras.Model)"
        )
    keras = import_keras()  # slow: only when a model is read
    from qkeras.utils import _add_supported_quantized_objects  # noqa: PLC0415

    custom_objects: dict[str, Any] = {}
    _add_supported_quantized_objects(custom_objects)
    try:
        return keras.models.load_model(path, custom_objects=custom_objects, compile=False)
    except Exception as exc:  # Keras raises many kinds for a bad file
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise TrigcError(
            f"{path}: could not be read as a Keras 3 model ({reason[:300]}). trigc reads models "
            "saved with model.save('name.keras') by Keras 3 with qkeras-v3 layers."
        ) from None


def _dense(layer: Any, options: FrontendOptions) -> Read:
    where = keras_object_where(layer)
    act = getattr(layer, "activation", None)
    act_spec = activation_spec(act, where) if act is not None else None
    weights = layer.get_weights()
    kernel = np.asarray(weights[0], dtype=np.float64)
    bias = np.asarray(weights[1], dtype=np.float64) if layer.use_bias else np.zeros(kernel.shape[1])
    kq = getattr(layer, "kernel_quantizer_internal", None)
    bq = getattr(layer, "bias_quantizer_internal", None) if layer.use_bias else None
    return Read.chain(
        DenseLayer(
            layer.name,
            type(layer).__name__,
            _weights(kernel, kq, f"{where} kernel_quantizer", options),
            _weights(bias, bq, f"{where} bias_quantizer", options)
            if layer.use_bias
            else Weights(bias, True),
            act_spec,
            act_spec is not None and act_spec.type is not None,
        )
    )


BN_QUANTIZERS = (
    "gamma_quantizer",
    "beta_quantizer",
    "mean_quantizer",
    "variance_quantizer",
    "inverse_quantizer",
)


def _batchnorm(layer: Any, options: FrontendOptions) -> Read:
    where = keras_object_where(layer)
    # QBatchNormalization quantizes its parameters (by default with power-of-two quantizers)
    # before use; trigc does not reproduce those yet, so it must not read the raw weights.
    used = [q for q in BN_QUANTIZERS if getattr(layer, q, None)]
    if used:
        raise UnsupportedModelError(
            f"{where}: batch normalization with quantized parameters ({', '.join(used)}) is "
            "not yet supported; set them to None (QBatchNormalization(gamma_quantizer=None, "
            "...)) or use BatchNormalization"
        )
    weights = {w.path.split("/")[-1]: np.asarray(w.numpy(), np.float64) for w in layer.weights}
    mean, var = weights["moving_mean"], weights["moving_variance"]
    gamma = weights.get("gamma", np.ones_like(mean))
    beta = weights.get("beta", np.zeros_like(mean))
    return Read.chain(
        BatchNormLayer.from_statistics(
            layer.name, type(layer).__name__, gamma, beta, mean, var, layer.epsilon, where
        )
    )


def _reshape(layer: Any, options: FrontendOptions) -> Read:
    if type(layer).__name__ == "Flatten":
        return Read.chain(ReshapeLayer(layer.name, "Flatten", (-1,)))
    return Read.chain(
        ReshapeLayer(layer.name, "Reshape", tuple(int(d) for d in layer.target_shape))
    )


def _merge(layer: Any, options: FrontendOptions) -> Read:
    cls = type(layer).__name__
    axis = layer.get_config().get("axis", -1) if cls == "Concatenate" else None
    if axis is not None and axis > 0:
        axis -= 1  # Keras counts the batch axis
    return Read.chain(MergeLayer(layer.name, cls, axis))


def _relu_layer(layer: Any, options: FrontendOptions) -> Read:
    """Keras' ReLU and LeakyReLU layers."""
    where, cfg = keras_object_where(layer), layer.get_config()
    cls = type(layer).__name__
    slope = cfg.get("negative_slope", cfg.get("alpha", 0.0)) or 0.0
    top = cfg.get("max_value") if cls == "ReLU" else None
    if cfg.get("threshold") or (top is not None and (slope or top != int(top) or top < 1)):
        raise UnsupportedModelError(
            f"{where}: ReLU with a threshold, a negative slope together with max_value, or a "
            f"max_value that is not a positive integer (got {top!r}) is not supported"
        )
    if top is not None:
        return Read.chain(
            ActivationLayer(layer.name, cls, ActivationSpec("relu_max", max_value=int(top)))
        )
    if cls == "ReLU" and not slope:
        return Read.chain(ActivationLayer(layer.name, cls, ActivationSpec("relu")))
    return Read.chain(ActivationLayer(layer.name, cls, leaky_relu_spec(float(slope), where)))


def _softmax_layer(layer: Any, options: FrontendOptions) -> Read:
    axis = layer.get_config().get("axis", -1)
    if axis not in (-1, [-1]):
        raise UnsupportedModelError(f"{keras_object_where(layer)}: softmax only over the last axis")
    return Read.chain(
        ActivationLayer(layer.name, "Softmax", ActivationSpec("function", function="softmax"))
    )


def _activation_layer(layer: Any, options: FrontendOptions) -> Read:
    spec = activation_spec(layer.activation, keras_object_where(layer))
    return Read.chain(
        ActivationLayer(layer.name, type(layer).__name__, spec, spec.type is not None)
    )


LAYER_HANDLERS: dict[str, Handler] = {
    "QDense": _dense,
    "Dense": _dense,
    "QActivation": _activation_layer,
    "Activation": _activation_layer,
    "BatchNormalization": _batchnorm,
    "QBatchNormalization": _batchnorm,
    **CONV_HANDLERS,
    **REARRANGE_HANDLERS,
    "ReLU": _relu_layer,
    "Softmax": _softmax_layer,
    "LeakyReLU": _relu_layer,
    "Flatten": _reshape,
    "Reshape": _reshape,
    **dict.fromkeys([*MERGE_OPS, "Concatenate"], _merge),
}
SKIPPED_LAYERS = ("Dropout", "InputLayer")


def _producer(tensor: Any) -> str:
    return tensor._keras_history.operation.name


def _graph_nodes(model: Any) -> set[int]:
    """Ids of the Keras nodes (layer calls) on the paths from the model's output back to its
    input.  A layer's ``_inbound_nodes`` also lists calls outside this graph: a Sequential
    model loaded from a file, for one, is built more than once."""
    seen: set[int] = set()
    stack = list(model.outputs)
    while stack:
        history = stack.pop()._keras_history
        node = history.operation._inbound_nodes[history.node_index]
        if id(node) not in seen:
            seen.add(id(node))
            stack.extend(node.input_tensors)
    return seen


def _input_names(model: Any) -> list[str]:
    """The names the IR gives the model's inputs: :data:`INPUT_NAME` for a single input (what
    a precision configuration calls it), else the Keras ``Input`` layers' names."""
    if len(model.inputs) == 1:
        return [INPUT_NAME]
    return [_producer(t) for t in model.inputs]


def _walk(model: Any) -> tuple[list[Any], dict[str, tuple[str, ...]], list[str]]:
    """The layers in topological order, what each reads (inputs by :func:`_input_names`)
    and the output layers.

    Skipped layers (Dropout) pass their input through: readers of theirs read it instead.
    """
    alias: dict[str, str] = dict(
        zip((_producer(t) for t in model.inputs), _input_names(model), strict=True)
    )
    layers, reads = [], {}
    in_graph = _graph_nodes(model)
    for layer in model.layers:
        cls = type(layer).__name__
        if cls == "InputLayer":
            continue
        nodes = [n for n in getattr(layer, "_inbound_nodes", []) if id(n) in in_graph]
        if len(nodes) != 1:
            raise UnsupportedModelError(
                f"{keras_object_where(layer)} is called {len(nodes)} times; trigc needs each layer "
                "to be used exactly once (no shared layers)"
            )
        names = tuple(alias.get(n, n) for n in map(_producer, nodes[0].input_tensors))
        if cls in SKIPPED_LAYERS:
            alias[layer.name] = names[0]
            continue
        layers.append(layer)
        reads[layer.name] = names
    outputs = [alias.get(o, o) for o in map(_producer, model.outputs)]
    return layers, reads, outputs


def lower_keras(model: Any, options: FrontendOptions | None = None) -> tuple[Graph, list[str]]:
    """Translate a live Keras 3 / QKeras model into an (untyped) IR graph.

    Returns the graph and the layers a precision configuration approximated.
    """
    options = options or FrontendOptions()
    shapes = [tuple(int(d) for d in t.shape[1:]) for t in model.inputs]
    names = _input_names(model)
    layers, reads, outputs = _walk(model)
    if not layers:
        raise UnsupportedModelError(f"model {model.name!r} has no layer trigc can compile")
    if len(set(outputs)) != len(outputs) or any(o in names for o in outputs):
        raise UnsupportedModelError(
            f"model {model.name!r}: an output is another output or an input; each output must "
            "be computed by its own layer"
        )
    for layer in layers:  # refuse unsupported layers before converting anything
        name = type(layer).__name__
        if name not in LAYER_HANDLERS and name not in SKIPPED_LAYERS:
            raise UnsupportedModelError(
                f"{keras_object_where(layer)} is not supported. "
                f"Supported layers: {SUPPORTED_LAYERS}."
            )
    specs: list[Layer] = []
    sources: list[tuple[str, ...]] = []
    for layer in layers:
        read = LAYER_HANDLERS[type(layer).__name__](layer, options)
        for record, reads_from in read.wired(reads[layer.name]):
            specs.append(record)
            sources.append(reads_from)
    if not specs:
        raise UnsupportedModelError(f"model {model.name!r} has no layer trigc can compile")
    wiring = Wiring(tuple(sources), outputs[0], tuple(outputs[1:]))
    more = tuple(zip(names[1:], shapes[1:], strict=True))
    return lower_layers(identifier(model.name), shapes[0], names[0], specs, options, wiring, more)


def from_keras(model: Any, options: FrontendOptions | None = None) -> Graph:
    """Translate a live Keras 3 / QKeras model into an (untyped) IR graph."""
    return lower_keras(model, options)[0]
