"""Keras 2 files: the windowed and data-movement layers beyond plain convolution and pooling,
read from their saved configs and weights as :mod:`..keras3.conv` reads live Keras 3 layers.

DepthwiseConv1D/2D and SeparableConv1D/2D (and QKeras' Q versions: ``depthwise_quantizer``,
``pointwise_quantizer``, ``bias_quantizer``), ZeroPadding1D/2D, Cropping1D/2D,
UpSampling1D/2D (nearest) and Permute.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ...errors import TrigcError, UnsupportedModelError
from ..layers.handler import Read
from ..layers.keras_values import ints, pairs
from ..layers.records import ConvLayer, Weights, block_diagonal
from ..layers.tensor import PadLayer, RearrangeLayer
from ..layers.where import keras_config_where

WeightsOf = Callable[[np.ndarray, Any, str, bool], Weights]
"""How the legacy reader quantizes a weight array with its saved quantizer config."""


def _axes(layer: dict[str, Any]) -> int:
    return 1 if layer["class_name"].endswith("1D") else 2


def _config(layer: dict[str, Any]) -> dict[str, Any]:
    cfg = layer["config"]
    if cfg.get("data_format") not in (None, "channels_last"):
        raise UnsupportedModelError(
            f"{keras_config_where(layer)}: only data_format='channels_last' is supported"
        )
    if any(d != 1 for d in ints(cfg.get("dilation_rate", 1))):
        raise UnsupportedModelError(
            f"{keras_config_where(layer)}: dilated convolutions are not supported"
        )
    return cfg


def depthwise(
    layer: dict[str, Any], arrays: dict[str, np.ndarray | None], weights_of: WeightsOf, activation
) -> ConvLayer:
    """DepthwiseConv1D/2D, QDepthwiseConv2D."""
    cfg, where = _config(layer), keras_config_where(layer)
    kernel = arrays.get("depthwise_kernel")
    if kernel is None:
        raise TrigcError(f"{where}: no depthwise_kernel in the weights")
    if kernel.ndim == _axes(layer) + 1:
        kernel = kernel[..., None]
    w = weights_of(kernel, cfg.get("depthwise_quantizer"), f"{where} depthwise_quantizer", True)
    full = Weights(block_diagonal(w.values), w.quantized, w.nominal)
    spec, quantized = activation(cfg.get("activation", "linear"), where)
    return ConvLayer(
        cfg["name"],
        layer["class_name"],
        full,
        _bias(arrays, cfg, where, full.values.shape[-1], weights_of),
        ints(cfg.get("strides", 1)),
        str(cfg.get("padding", "valid")),
        spec,
        quantized,
    )


def _bias(arrays, cfg, where, n, weights_of) -> Weights:
    bias = arrays.get("bias")
    if bias is None or not cfg.get("use_bias", True):
        return Weights(np.zeros(n), True)
    return weights_of(bias, cfg.get("bias_quantizer"), f"{where} bias_quantizer", False)


def separable(
    layer: dict[str, Any], arrays: dict[str, np.ndarray | None], weights_of: WeightsOf, activation
) -> tuple[ConvLayer, ConvLayer]:
    """SeparableConv1D/2D, QSeparableConv1D/2D: the depthwise, then the pointwise convolution."""
    cfg, where = _config(layer), keras_config_where(layer)
    dk, pk = arrays.get("depthwise_kernel"), arrays.get("pointwise_kernel")
    if dk is None or pk is None:
        raise TrigcError(f"{where}: no depthwise_kernel/pointwise_kernel in the weights")
    d = weights_of(dk, cfg.get("depthwise_quantizer"), f"{where} depthwise_quantizer", True)
    p = weights_of(pk, cfg.get("pointwise_quantizer"), f"{where} pointwise_quantizer", True)
    full = Weights(block_diagonal(d.values), d.quantized, d.nominal)
    spec, quantized = activation(cfg.get("activation", "linear"), where)
    first = ConvLayer(
        f"{cfg['name']}_depthwise",
        layer["class_name"],
        full,
        Weights(np.zeros(full.values.shape[-1]), True),
        ints(cfg.get("strides", 1)),
        str(cfg.get("padding", "valid")),
    )
    second = ConvLayer(
        cfg["name"],
        layer["class_name"],
        p,
        _bias(arrays, cfg, where, p.values.shape[-1], weights_of),
        (1,) * _axes(layer),
        "valid",
        spec,
        quantized,
    )
    return first, second


def zero_padding(layer: dict[str, Any], weights: Any = None) -> Read:
    pads = pairs(layer["config"]["padding"], _axes(layer))
    return Read.chain(
        PadLayer(layer["config"]["name"], layer["class_name"], tuple((a, b) for a, b in pads))
    )


def cropping(layer: dict[str, Any], weights: Any = None) -> Read:
    crops = pairs(layer["config"]["cropping"], _axes(layer))
    return Read.chain(
        RearrangeLayer(layer["config"]["name"], layer["class_name"], "crop", (("crops", crops),))
    )


def upsampling(layer: dict[str, Any], weights: Any = None) -> Read:
    cfg = layer["config"]
    if cfg.get("interpolation", "nearest") != "nearest":
        raise UnsupportedModelError(
            f"{keras_config_where(layer)}: only 'nearest' upsampling is supported"
        )
    factors = list(ints(cfg["size"]))
    if _axes(layer) == 2 and len(factors) == 1:
        factors *= 2
    return Read.chain(
        RearrangeLayer(cfg["name"], layer["class_name"], "upsample", (("factors", factors),))
    )


def permute(layer: dict[str, Any], weights: Any = None) -> Read:
    dims = [int(d) - 1 for d in layer["config"]["dims"]]
    return Read.chain(
        RearrangeLayer(layer["config"]["name"], "Permute", "transpose", (("perm", dims),))
    )
