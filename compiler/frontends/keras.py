"""Keras 3 / QKeras (qkeras-v3) frontend: a model in memory or a ``.keras`` file → IR.

Supported: sequential chains of InputLayer, QDense, Dense, QActivation, Activation,
BatchNormalization, QBatchNormalization and Dropout (identity at inference).  Each layer
becomes one or more IR nodes whose ``origin`` names the layer; anything else is refused with
the layer's name, class and the list of what is supported.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..errors import TrigcError, UnsupportedModelError
from ..fixed import FixedType
from ..ir import Const, Graph
from .builder import (
    DEFAULT_INPUT_TYPE,
    FALLBACK_TYPE,
    FrontendOptions,
    GraphBuilder,
    identifier,
)
from .keras_import import import_keras
from .quantizers import activation_spec, check_weight_quantizer, exact_mantissas, nominal_type

__all__ = ["FrontendOptions", "from_keras", "identifier", "load_keras_model"]

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


def _dense(b: GraphBuilder, layer: Any) -> None:
    where = _layer_where(layer)
    act = getattr(layer, "activation", None)
    act_spec = activation_spec(act, where) if act is not None else None
    weights = layer.get_weights()
    kernel = np.asarray(weights[0], dtype=np.float64)
    bias = np.asarray(weights[1], dtype=np.float64) if layer.use_bias else np.zeros(kernel.shape[1])
    kq = getattr(layer, "kernel_quantizer_internal", None)
    bq = getattr(layer, "bias_quantizer_internal", None)
    nominal_w = nominal_b = None
    if kq is not None:
        check_weight_quantizer(kq, f"{where} kernel_quantizer", b.options.allow_inexact)
        kernel = np.asarray(kq(kernel.astype(np.float32)), dtype=np.float64)
        nominal_w = nominal_type(kq)
    if bq is not None and layer.use_bias:
        check_weight_quantizer(bq, f"{where} bias_quantizer", b.options.allow_inexact)
        bias = np.asarray(bq(bias.astype(np.float32)), dtype=np.float64)
        nominal_b = nominal_type(bq)
    w_int, w_type = exact_mantissas(
        kernel, nominal_w, f"{where} kernel", b.options.allow_inexact, FALLBACK_TYPE
    )
    b_int, b_type = exact_mantissas(
        bias, nominal_b, f"{where} bias", b.options.allow_inexact, FALLBACK_TYPE
    )
    b.add(
        layer.name,
        "dense",
        (kernel.shape[1],),
        None,
        layer.name,
        {"weight": Const(w_int, w_type), "bias": Const(b_int, b_type)},
    )
    if act_spec is not None:
        b.activation(act_spec, f"{layer.name}_act", layer.name)


BN_QUANTIZERS = (
    "gamma_quantizer",
    "beta_quantizer",
    "mean_quantizer",
    "variance_quantizer",
    "inverse_quantizer",
)


def _batchnorm(b: GraphBuilder, layer: Any) -> None:
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
    n = b.last.output.shape[-1]
    weights = {w.path.split("/")[-1]: np.asarray(w.numpy(), np.float64) for w in layer.weights}
    gamma = weights.get("gamma", np.ones(n))
    beta = weights.get("beta", np.zeros(n))
    mean, var = weights["moving_mean"], weights["moving_variance"]
    scale = gamma / np.sqrt(var + layer.epsilon)
    shift = beta - mean * scale
    s_int, s_type = exact_mantissas(
        scale,
        None,
        f"{where} scale gamma/sqrt(var+eps)",
        b.options.allow_inexact,
        FixedType(18, 8, True, "RND_CONV"),
    )
    t_int, t_type = exact_mantissas(
        shift,
        None,
        f"{where} shift beta-mean*scale",
        b.options.allow_inexact,
        FixedType(18, 8, True, "RND_CONV"),
    )
    b.add(
        layer.name,
        "scale_shift",
        b.last.output.shape,
        None,
        layer.name,
        {"scale": Const(s_int, s_type), "shift": Const(t_int, t_type)},
    )


def _activation_layer(b: GraphBuilder, layer: Any) -> None:
    where = _layer_where(layer)
    b.activation(activation_spec(layer.activation, where), layer.name, layer.name)


LAYER_HANDLERS = {
    "QDense": _dense,
    "Dense": _dense,
    "QActivation": _activation_layer,
    "Activation": _activation_layer,
    "BatchNormalization": _batchnorm,
    "QBatchNormalization": _batchnorm,
    "Dropout": lambda b, layer: None,
    "InputLayer": lambda b, layer: None,
}


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


def from_keras(model: Any, options: FrontendOptions | None = None) -> Graph:
    """Translate a live Keras 3 / QKeras model into an (untyped) IR graph."""
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
    b = GraphBuilder(identifier(model.name), options)
    b.add_input(in_shape, options.input_type or DEFAULT_INPUT_TYPE)
    layers = _check_chain(model)
    for layer in layers:  # refuse unsupported layers before converting anything
        if type(layer).__name__ not in LAYER_HANDLERS:
            raise UnsupportedModelError(
                f"{_layer_where(layer)} is not supported. Supported layers: {SUPPORTED_LAYERS}."
            )
    for layer in layers:
        LAYER_HANDLERS[type(layer).__name__](b, layer)
    if b.last.op == "input":
        raise UnsupportedModelError(f"model {model.name!r} has no layer trigc can compile")
    return Graph(b.model_name, tuple(b.nodes), (b.last.output.name,))
