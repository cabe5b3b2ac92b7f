"""Keras 3 / QKeras (qkeras-v3) frontend: a model in memory or a ``.keras`` file → IR.

Supported: sequential chains of InputLayer, QDense, Dense, QActivation, Activation,
BatchNormalization, QBatchNormalization (without parameter quantizers) and Dropout (identity at
inference).  The layers are read into the frontend-neutral records of :mod:`.layers` and
lowered there, as the other frontends do; each IR node's ``origin`` names its layer.  Anything
else is refused with the layer's name, class and the list of what is supported.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..errors import TrigcError, UnsupportedModelError
from ..ir import Graph
from .builder import FrontendOptions, identifier
from .keras_import import import_keras
from .layers import ActivationLayer, BatchNormLayer, DenseLayer, Layer, Weights, lower_layers
from .quantizers import activation_spec, check_weight_quantizer, nominal_type

__all__ = ["FrontendOptions", "from_keras", "identifier", "load_keras_model", "lower_keras"]

SUPPORTED_LAYERS = (
    "InputLayer, QDense, Dense, QActivation, Activation, BatchNormalization, "
    "QBatchNormalization, Dropout"
)


def load_keras_model(path: Path) -> Any:
    """Load a ``.keras`` (or Keras-3 ``.h5``) file with the QKeras custom objects."""
    path = Path(path)
    if not path.exists():
        raise TrigcError(f"{path}: no such file. Pass the path of a saved Keras model (.keras).")
    if path.is_dir():
        raise TrigcError(f"{path}: is a directory, not a saved Keras model file (.keras).")
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


def _layer_where(layer: Any) -> str:
    return f"layer {layer.name!r} ({type(layer).__name__})"


def _weights(values: np.ndarray, q: Any, where: str, options: FrontendOptions) -> Weights:
    """Weights passed through their QKeras quantizer (if any), with its nominal type."""
    if q is None:
        return Weights(values)
    check_weight_quantizer(q, where, options.allow_inexact)
    quantized = np.asarray(q(values.astype(np.float32)), dtype=np.float64)
    return Weights(quantized, True, nominal_type(q))


def _dense(layer: Any, options: FrontendOptions) -> DenseLayer:
    where = _layer_where(layer)
    act = getattr(layer, "activation", None)
    act_spec = activation_spec(act, where) if act is not None else None
    weights = layer.get_weights()
    kernel = np.asarray(weights[0], dtype=np.float64)
    bias = np.asarray(weights[1], dtype=np.float64) if layer.use_bias else np.zeros(kernel.shape[1])
    kq = getattr(layer, "kernel_quantizer_internal", None)
    bq = getattr(layer, "bias_quantizer_internal", None) if layer.use_bias else None
    return DenseLayer(
        layer.name,
        type(layer).__name__,
        _weights(kernel, kq, f"{where} kernel_quantizer", options),
        _weights(bias, bq, f"{where} bias_quantizer", options)
        if layer.use_bias
        else Weights(bias, True),
        act_spec,
        act_spec is not None and act_spec.type is not None,
    )


BN_QUANTIZERS = (
    "gamma_quantizer",
    "beta_quantizer",
    "mean_quantizer",
    "variance_quantizer",
    "inverse_quantizer",
)


def _batchnorm(layer: Any, options: FrontendOptions) -> BatchNormLayer:
    where = _layer_where(layer)
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
    scale = gamma / np.sqrt(var + layer.epsilon)
    return BatchNormLayer(layer.name, type(layer).__name__, scale, beta - mean * scale)


def _activation_layer(layer: Any, options: FrontendOptions) -> ActivationLayer:
    spec = activation_spec(layer.activation, _layer_where(layer))
    return ActivationLayer(layer.name, type(layer).__name__, spec, spec.type is not None)


LAYER_HANDLERS = {
    "QDense": _dense,
    "Dense": _dense,
    "QActivation": _activation_layer,
    "Activation": _activation_layer,
    "BatchNormalization": _batchnorm,
    "QBatchNormalization": _batchnorm,
}
SKIPPED_LAYERS = ("Dropout", "InputLayer")


def _check_chain(model: Any) -> list[Any]:
    layers = [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]
    for layer in layers:
        inbound = getattr(layer, "_inbound_nodes", [])
        for node in inbound:
            if len(getattr(node, "input_tensors", [])) > 1:
                raise UnsupportedModelError(
                    f"{_layer_where(layer)} has several inputs; merges are not yet supported "
                    "(trigc reads sequential chains of layers)"
                )
    return layers


def lower_keras(model: Any, options: FrontendOptions | None = None) -> tuple[Graph, list[str]]:
    """Translate a live Keras 3 / QKeras model into an (untyped) IR graph.

    Returns the graph and the layers a precision configuration approximated.
    """
    options = options or FrontendOptions()
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        raise UnsupportedModelError(
            f"model {model.name!r} has {len(model.inputs)} inputs and {len(model.outputs)} "
            "outputs; trigc supports one input and one output for now"
        )
    in_shape = tuple(int(d) for d in model.inputs[0].shape[1:])
    if len(in_shape) != 1:
        raise UnsupportedModelError(
            f"model {model.name!r}: input shape {in_shape} is not a flat vector; only dense "
            "networks on 1-D inputs are supported for now"
        )
    layers = _check_chain(model)
    for layer in layers:  # refuse unsupported layers before converting anything
        name = type(layer).__name__
        if name not in LAYER_HANDLERS and name not in SKIPPED_LAYERS:
            raise UnsupportedModelError(
                f"{_layer_where(layer)} is not supported. Supported layers: {SUPPORTED_LAYERS}."
            )
    specs: list[Layer] = [
        LAYER_HANDLERS[type(layer).__name__](layer, options)
        for layer in layers
        if type(layer).__name__ not in SKIPPED_LAYERS
    ]
    if not specs:
        raise UnsupportedModelError(f"model {model.name!r} has no layer trigc can compile")
    return lower_layers(identifier(model.name), in_shape, "input", specs, options)


def from_keras(model: Any, options: FrontendOptions | None = None) -> Graph:
    """Translate a live Keras 3 / QKeras model into an (untyped) IR graph."""
    return lower_keras(model, options)[0]
