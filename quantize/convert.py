"""Float Keras model → QKeras model: copy the weights, fold batch normalization, add
quantizers.

Batch normalization is an affine map ``x·s + t`` with ``s = γ/√(σ² + ε)`` and
``t = β − μ·s``.  Right after a dense layer (before its activation) it is folded into that
layer, ``W' = W·s``, ``b' = b·s + t``; anywhere else (after an activation, or on the input) it
is folded into the next dense layer, ``W' = diag(s)·W``, ``b' = b + t·W``.  Either way the
quantized model has no batch normalization left: the quantizers then see the folded weights,
which is what quantization-aware training should train.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from trigc.compiler.frontends.layers.records import batchnorm_affine

from .spec import DEFAULT_INPUT_BITS, DEFAULT_LAYER_QUANT, Bits, LayerQuant

SUPPORTED_FLOAT_LAYERS = "InputLayer, Dense, Activation (relu, linear, final softmax), "
SUPPORTED_FLOAT_LAYERS += "BatchNormalization, Dropout"


class ConversionError(ValueError):
    """A float model that :func:`quantize_model` cannot convert, with the reason."""


@dataclass
class _Dense:
    name: str
    kernel: np.ndarray
    bias: np.ndarray
    relu: bool = False


def quantize_model(
    float_model: Any,
    bits: LayerQuant | Mapping[str, LayerQuant] = DEFAULT_LAYER_QUANT,
    input_bits: Bits | None = DEFAULT_INPUT_BITS,
    drop_final_softmax: bool = True,
    name: str | None = None,
) -> Any:
    """A QKeras ``keras.Sequential`` equivalent to ``float_model`` up to quantization.

    ``bits`` is one :class:`LayerQuant` for every dense layer or a mapping from each dense
    layer's name to its own (the activation bits quantize the ReLU after that layer).
    ``input_bits`` adds an input quantizer.  A final softmax is dropped when
    ``drop_final_softmax`` (it does not change the arg-max and has no exact fixed-point form):
    the quantized model outputs logits.  The dense layers keep their names.
    """
    import keras
    from qkeras import QActivation, QDense

    denses = _fold(float_model, drop_final_softmax)
    per_layer = _bits_per_layer(bits, [d.name for d in denses])
    layers: list[Any] = [keras.Input(tuple(float_model.inputs[0].shape[1:]), name="features")]
    if input_bits is not None:
        layers.append(QActivation(input_bits.weight_quantizer(), name="input_quant"))
    for dense in denses:
        quant = per_layer[dense.name]
        layers.append(
            QDense(
                dense.kernel.shape[1],
                name=dense.name,
                kernel_quantizer=quant.weight.weight_quantizer(),
                bias_quantizer=quant.bias.weight_quantizer(),
            )
        )
        if dense.relu:
            if quant.activation is None:
                raise ConversionError(
                    f"dense layer {dense.name!r} is followed by a ReLU but its LayerQuant has "
                    "activation=None; give the ReLU's bits, e.g. LayerQuant(activation=Bits(6, 0))"
                )
            layers.append(QActivation(quant.activation.relu_quantizer(), name=f"{dense.name}_relu"))
    model = keras.Sequential(layers, name=name or f"{float_model.name}_quantized")
    for dense in denses:
        model.get_layer(dense.name).set_weights([dense.kernel, dense.bias])
    return model


def _bits_per_layer(
    bits: LayerQuant | Mapping[str, LayerQuant], names: list[str]
) -> dict[str, LayerQuant]:
    if isinstance(bits, LayerQuant):
        return dict.fromkeys(names, bits)
    missing = [n for n in names if n not in bits]
    unknown = [n for n in bits if n not in names]
    if missing or unknown:
        raise ConversionError(
            f"per-layer bits: missing for dense layers {missing}, unknown layers {unknown}; "
            f"the dense layers are {names}"
        )
    return dict(bits)


def _fold(model: Any, drop_final_softmax: bool) -> list[_Dense]:
    """The model's dense layers with batch normalization folded in and ReLUs attached."""
    denses: list[_Dense] = []
    pending: tuple[np.ndarray, np.ndarray] | None = None  # affine waiting for the next dense
    closed = False  # an activation or BN ended the last dense layer's linear part
    layers = [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]
    for index, layer in enumerate(layers):
        kind, where = type(layer).__name__, f"layer {layer.name!r} ({type(layer).__name__})"
        is_last = all(type(rest).__name__ == "Dropout" for rest in layers[index + 1 :])
        if kind == "Dense":
            kernel, bias = _dense_weights(layer)
            if pending is not None:
                scale, shift = pending
                kernel, bias = kernel * scale[:, None], bias + shift @ kernel
                pending = None
            denses.append(_Dense(layer.name, kernel, bias))
            closed = _attach_activation(
                denses, layer.activation, where, is_last, drop_final_softmax
            )
        elif kind == "BatchNormalization":
            scale, shift = _batchnorm_affine(layer)
            if denses and not closed and pending is None:
                last = denses[-1]
                last.kernel, last.bias = last.kernel * scale, last.bias * scale + shift
            else:
                old_scale, old_shift = pending if pending is not None else (1.0, 0.0)
                pending = (old_scale * scale, old_shift * scale + shift)
        elif kind == "Activation":
            if pending is not None and _activation_name(layer.activation) == "relu":
                raise ConversionError(
                    f"{where}: a ReLU after batch normalization that follows an activation "
                    "cannot be folded; put batch normalization right after a Dense layer"
                )
            if not denses:
                raise ConversionError(f"{where}: an activation before the first Dense layer")
            closed = (
                _attach_activation(denses, layer.activation, where, is_last, drop_final_softmax)
                or closed
            )
        elif kind != "Dropout":
            raise ConversionError(f"{where} is not supported; supported: {SUPPORTED_FLOAT_LAYERS}")
    if pending is not None:
        raise ConversionError(
            "batch normalization after the last Dense layer cannot be folded into a dense layer"
        )
    if not denses:
        raise ConversionError(f"model {model.name!r} has no Dense layer")
    return denses


def _dense_weights(layer: Any) -> tuple[np.ndarray, np.ndarray]:
    weights = layer.get_weights()
    kernel = np.asarray(weights[0], np.float64)
    bias = np.asarray(weights[1], np.float64) if layer.use_bias else np.zeros(kernel.shape[1])
    return kernel, bias


def _batchnorm_affine(layer: Any) -> tuple[np.ndarray, np.ndarray]:
    """``(s, t)`` such that the layer computes ``x·s + t`` at inference."""
    if getattr(layer, "axis", -1) not in (-1, 1, [-1], [1]):
        raise ConversionError(f"batch normalization {layer.name!r}: only the feature axis")
    weights = {w.path.split("/")[-1]: np.asarray(w.numpy(), np.float64) for w in layer.weights}
    mean, var = weights["moving_mean"], weights["moving_variance"]
    gamma = weights.get("gamma", np.ones_like(mean))
    beta = weights.get("beta", np.zeros_like(mean))
    return batchnorm_affine(gamma, beta, mean, var, layer.epsilon)


def _activation_name(activation: Any) -> str:
    return activation if isinstance(activation, str) else getattr(activation, "__name__", "?")


def _attach_activation(
    denses: list[_Dense], activation: Any, where: str, is_last: bool, drop_final_softmax: bool
) -> bool:
    """Record ``activation`` after the last dense layer; True if it ends its linear part."""
    name = _activation_name(activation)
    if name in ("linear", None):
        return False
    if name == "relu":
        if denses[-1].relu:
            raise ConversionError(f"{where}: two ReLUs in a row")
        denses[-1].relu = True
        return True
    if name == "softmax" and is_last and drop_final_softmax:
        return True
    raise ConversionError(
        f"{where}: activation {name!r} is not supported (relu, linear, and softmax as the "
        "last layer with drop_final_softmax=True)"
    )
