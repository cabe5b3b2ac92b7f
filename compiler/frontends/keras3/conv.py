"""Keras handlers of windowed layers: (Q)Conv1D/2D, depthwise and separable convolutions,
zero padding, pooling, and the layers that only move data (Permute, Cropping1D/2D,
UpSampling1D/2D: :class:`..layers.tensor.RearrangeLayer`), read into :mod:`..layers.records`.

Depthwise kernels ``(*k, C, multiplier)`` become full convolution kernels ``(*k, C,
C * multiplier)``, block-diagonal (output channel ``c * multiplier + m`` reads input channel
``c`` only; the zeros cost nothing in the RTL).  A separable convolution is its depthwise
convolution (``<name>_depthwise``, no bias) followed by the pointwise one (``<name>``).  Zero
padding is a :class:`..layers.tensor.PadLayer`, folded into the convolution that reads it
(elsewhere it pads the tensor itself).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...errors import InexactError, UnsupportedModelError
from ..layers.builder import FrontendOptions
from ..layers.handler import Handler, Read
from ..layers.keras_values import pairs
from ..layers.quantizers import activation_spec
from ..layers.records import ConvLayer, Weights, block_diagonal
from ..layers.tensor import PadLayer, PoolLayer, RearrangeLayer
from ..layers.where import keras_object_where
from .common import quantized_weights


def _conv(layer: Any, options: FrontendOptions) -> Read:
    where = keras_object_where(layer)
    cfg = layer.get_config()
    if cfg.get("data_format", "channels_last") != "channels_last":
        raise UnsupportedModelError(f"{where}: only data_format='channels_last' is supported")
    if any(d != 1 for d in cfg.get("dilation_rate", (1,))) or cfg.get("groups", 1) != 1:
        raise UnsupportedModelError(f"{where}: dilated or grouped convolutions are not supported")
    act = getattr(layer, "activation", None)
    act_spec = activation_spec(act, where) if act is not None else None
    weights = layer.get_weights()
    kernel = np.asarray(weights[0], dtype=np.float64)
    use_bias = cfg.get("use_bias", True)
    bias = np.asarray(weights[1], dtype=np.float64) if use_bias else np.zeros(kernel.shape[-1])
    kq = getattr(layer, "kernel_quantizer_internal", None)
    bq = getattr(layer, "bias_quantizer_internal", None) if use_bias else None
    return Read.chain(
        ConvLayer(
            layer.name,
            type(layer).__name__,
            quantized_weights(kernel, kq, f"{where} kernel_quantizer", options),
            quantized_weights(bias, bq, f"{where} bias_quantizer", options)
            if use_bias
            else Weights(bias, True),
            tuple(int(v) for v in cfg["strides"]),
            cfg["padding"],
            act_spec,
            act_spec is not None and act_spec.type is not None,
        )
    )


def _pool(layer: Any, options: FrontendOptions) -> Read:
    cls = type(layer).__name__
    cfg = layer.get_config()
    if cfg.get("data_format", "channels_last") != "channels_last":
        raise UnsupportedModelError(
            f"{keras_object_where(layer)}: only data_format='channels_last' is supported"
        )
    op = "max_pool" if "Max" in cls else "avg_pool"
    if cls.startswith("Global"):
        return Read.chain(
            PoolLayer(layer.name, cls, op, None, None, keepdims=bool(cfg.get("keepdims")))
        )
    strides = cfg.get("strides") or cfg["pool_size"]
    return Read.chain(
        PoolLayer(
            layer.name,
            cls,
            op,
            tuple(int(v) for v in cfg["pool_size"]),
            tuple(int(v) for v in strides),
            cfg["padding"],
        )
    )


def _check_window_config(layer: Any) -> None:
    cfg = layer.get_config()
    if cfg.get("data_format", "channels_last") != "channels_last":
        raise UnsupportedModelError(
            f"{keras_object_where(layer)}: only data_format='channels_last' is supported"
        )
    if any(d != 1 for d in np.atleast_1d(cfg.get("dilation_rate", 1))):
        raise UnsupportedModelError(
            f"{keras_object_where(layer)}: dilated convolutions are not supported"
        )


def _bias(
    layer: Any, values: list[np.ndarray], index: int, n: int, options: FrontendOptions
) -> Weights:
    if not layer.get_config().get("use_bias", True):
        return Weights(np.zeros(n), True)
    bq = getattr(layer, "bias_quantizer_internal", None)
    bias = np.asarray(values[index], dtype=np.float64)
    return quantized_weights(bias, bq, f"{keras_object_where(layer)} bias_quantizer", options)


def _depthwise_weights(layer: Any, kernel: np.ndarray, options: FrontendOptions) -> Weights:
    dq = getattr(layer, "depthwise_quantizer_internal", None)
    w = quantized_weights(kernel, dq, f"{keras_object_where(layer)} depthwise_quantizer", options)
    return Weights(block_diagonal(w.values), w.quantized, w.nominal)


def _activation(layer: Any):
    act = getattr(layer, "activation", None)
    spec = activation_spec(act, keras_object_where(layer)) if act is not None else None
    return spec, spec is not None and spec.type is not None


def _depthwise(layer: Any, options: FrontendOptions) -> Read:
    """DepthwiseConv1D/2D, QDepthwiseConv2D: one filter (or ``depth_multiplier``) per channel."""
    _check_window_config(layer)
    cfg = layer.get_config()
    values = layer.get_weights()
    kernel = np.asarray(values[0], dtype=np.float64)
    if kernel.ndim == 2:  # Keras 3's DepthwiseConv1D kernel may drop the multiplier axis
        kernel = kernel[..., None]
    full = _depthwise_weights(layer, kernel, options)
    spec, quantized = _activation(layer)
    return Read.chain(
        ConvLayer(
            layer.name,
            type(layer).__name__,
            full,
            _bias(layer, values, 1, full.values.shape[-1], options),
            tuple(int(v) for v in np.atleast_1d(cfg["strides"])),
            cfg["padding"],
            spec,
            quantized,
        )
    )


def _separable(layer: Any, options: FrontendOptions) -> Read:
    """SeparableConv1D/2D, QSeparableConv1D/2D: the depthwise, then the pointwise convolution."""
    _check_window_config(layer)
    cfg = layer.get_config()
    values = layer.get_weights()
    depthwise = np.asarray(values[0], dtype=np.float64)
    pointwise = np.asarray(values[1], dtype=np.float64)
    full = _depthwise_weights(layer, depthwise, options)
    pq = getattr(layer, "pointwise_quantizer_internal", None)
    point = quantized_weights(
        pointwise, pq, f"{keras_object_where(layer)} pointwise_quantizer", options
    )
    spec, quantized = _activation(layer)
    ones = (1,) * (depthwise.ndim - 2)
    first = ConvLayer(
        f"{layer.name}_depthwise",
        type(layer).__name__,
        full,
        Weights(np.zeros(full.values.shape[-1]), True),
        tuple(int(v) for v in np.atleast_1d(cfg["strides"])),
        cfg["padding"],
    )
    second = ConvLayer(
        layer.name,
        type(layer).__name__,
        point,
        _bias(layer, values, 2, point.values.shape[-1], options),
        ones,
        "valid",
        spec,
        quantized,
    )
    return Read.chain(first, second)


def _zero_padding(layer: Any, options: FrontendOptions) -> Read:
    """ZeroPadding1D/2D: zeros around the spatial axes, for the convolution that reads them."""
    cfg = layer.get_config()
    if cfg.get("data_format", "channels_last") not in (None, "channels_last"):
        raise UnsupportedModelError(
            f"{keras_object_where(layer)}: only data_format='channels_last' is supported"
        )
    padding = cfg["padding"]
    axes = 1 if type(layer).__name__ == "ZeroPadding1D" else 2
    if isinstance(padding, int):
        pads = ((padding, padding),) * axes
    elif axes == 1:
        pads = ((int(padding[0]), int(padding[1])),)
    else:
        pads = tuple(
            (int(p), int(p)) if isinstance(p, int) else (int(p[0]), int(p[1])) for p in padding
        )
    return Read.chain(PadLayer(layer.name, type(layer).__name__, pads))


def _qaverage_pooling(layer: Any, options: FrontendOptions) -> Read:
    """QAveragePooling2D: QKeras averages as ``sum * quantize(1 / area)``, the mean exactly
    when the quantizer holds ``1 / area`` (a power of two) exactly."""
    where = keras_object_where(layer)
    if getattr(layer, "activation", None) is not None:
        raise UnsupportedModelError(
            f"{where}: an activation on QAveragePooling2D is not supported; put a "
            "QActivation after it"
        )
    pool = layer.get_config()["pool_size"]
    area = int(np.prod(pool))
    q = getattr(layer, "average_quantizer_internal", None)
    if q is not None:
        factor = float(np.asarray(q(np.float32(1.0 / area))))
        if factor != 1.0 / area:
            raise InexactError(
                f"{where}: its average_quantizer turns 1/{area} into {factor}, so the layer does "
                "not compute the mean; use a pool of a power-of-two area and a quantizer that "
                "holds 1/area exactly"
            )
    return _pool(layer, options)


CONV_HANDLERS: dict[str, Handler] = {
    **dict.fromkeys(("Conv1D", "Conv2D", "QConv1D", "QConv2D"), _conv),
    **dict.fromkeys(("DepthwiseConv1D", "DepthwiseConv2D", "QDepthwiseConv2D"), _depthwise),
    **dict.fromkeys(
        ("SeparableConv1D", "SeparableConv2D", "QSeparableConv1D", "QSeparableConv2D"), _separable
    ),
    **dict.fromkeys(("ZeroPadding1D", "ZeroPadding2D"), _zero_padding),
    "QAveragePooling2D": _qaverage_pooling,
    **dict.fromkeys(
        (
            "MaxPooling1D",
            "MaxPooling2D",
            "AveragePooling1D",
            "AveragePooling2D",
            "GlobalMaxPooling1D",
            "GlobalMaxPooling2D",
            "GlobalAveragePooling1D",
            "GlobalAveragePooling2D",
        ),
        _pool,
    ),
}
"""Keras class → handler of the windowed layers (a separable convolution gives two records)."""


def _permute(layer: Any, options: FrontendOptions) -> Read:
    """Permute(dims): Keras counts the axes from 1, without the batch."""
    dims = [int(d) - 1 for d in layer.get_config()["dims"]]
    return Read.chain(RearrangeLayer(layer.name, "Permute", "transpose", (("perm", dims),)))


def _cropping(layer: Any, options: FrontendOptions) -> Read:
    cls = type(layer).__name__
    crops = pairs(layer.get_config()["cropping"], 1 if cls.endswith("1D") else 2)
    return Read.chain(RearrangeLayer(layer.name, cls, "crop", (("crops", crops),)))


def _upsampling(layer: Any, options: FrontendOptions) -> Read:
    cls, cfg = type(layer).__name__, layer.get_config()
    if cfg.get("interpolation", "nearest") != "nearest":
        raise UnsupportedModelError(
            f"{keras_object_where(layer)}: interpolation {cfg['interpolation']!r}; trigc upsamples "
            "with 'nearest' (repeated values)"
        )
    size = cfg["size"]
    factors = [int(size)] if cls.endswith("1D") else [int(s) for s in np.atleast_1d(size)]
    if cls.endswith("2D") and len(factors) == 1:
        factors = factors * 2
    return Read.chain(RearrangeLayer(layer.name, cls, "upsample", (("factors", factors),)))


REARRANGE_HANDLERS: dict[str, Handler] = {
    "Permute": _permute,
    **dict.fromkeys(("Cropping1D", "Cropping2D"), _cropping),
    **dict.fromkeys(("UpSampling1D", "UpSampling2D"), _upsampling),
}
"""Keras class → handler of the layers that only move data."""
