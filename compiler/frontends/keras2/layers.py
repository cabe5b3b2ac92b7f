"""The handlers of the Keras 2 layers (and hls4ml's legacy ``BinaryDense``/``TernaryDense``):
one saved layer configuration and the file's stored weights in, its records out."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from ...errors import TrigcError, UnsupportedModelError
from ...ir.fixed import FixedType
from ..hgq import proxy as hgq_proxy
from ..layers.handler import Handler, Read
from ..layers.keras_values import ints
from ..layers.quantizers import ActivationSpec, activation_spec, check_bits, nominal_type
from ..layers.records import ActivationLayer, BatchNormLayer, ConvLayer, DenseLayer, Weights
from ..layers.tensor import PoolLayer, ReshapeLayer
from ..layers.where import keras_config_where
from . import windows
from .files import LegacyWeights
from .qkeras_config import SavedQuantizer, quantize_weights, saved_quantizer

SUPPORTED_LAYERS = (
    "InputLayer, Dense, QDense, BinaryDense, TernaryDense (hls4ml's legacy binary/ternary "
    "layers), Activation, QActivation, BatchNormalization, "
    "QBatchNormalization (without quantizers), Dropout, Conv1D, Conv2D, QConv1D, QConv2D, "
    "DepthwiseConv1D/2D, QDepthwiseConv2D, SeparableConv1D/2D, QSeparableConv1D/2D, "
    "ZeroPadding1D/2D, Cropping1D/2D, UpSampling1D/2D (nearest), Permute, "
    "MaxPooling1D/2D, AveragePooling1D/2D, GlobalMaxPooling1D/2D, GlobalAveragePooling1D/2D, "
    "Flatten, Reshape, ReLU, and HGQ proxy models' FixedPointQuantizer"
)
_BN_QUANTIZERS = ("beta_quantizer", "gamma_quantizer", "mean_quantizer", "variance_quantizer")


def _activation(saved: Any, where: str) -> tuple[ActivationSpec, bool]:
    q = saved_quantizer(saved, where)
    if q is None:
        return ActivationSpec("identity"), False
    spec = activation_spec(q, where)
    return spec, isinstance(q, SavedQuantizer)


def _weights(values: np.ndarray, saved_q: Any, where: str, kernel: bool = False) -> Weights:
    q = saved_quantizer(saved_q, where)
    if q is None:
        return Weights(values)
    if not isinstance(q, SavedQuantizer):
        raise UnsupportedModelError(f"{where}: {q!r} is not a weight quantizer")
    check_bits(q, where)
    quantized = quantize_weights(q, values, where, kernel)
    # QKeras turns alpha=None into auto_po2 on kernels: no nominal type then.
    nominal = nominal_type(q) if not (kernel and q.alpha is None) else None
    return Weights(quantized, True, nominal)


def _dense(layer: dict[str, Any], weights: LegacyWeights) -> Read:
    cfg, where = layer["config"], keras_config_where(layer)
    kernel, bias = weights.of(layer, ("kernel", "bias"))
    if kernel is None:
        raise TrigcError(f"{weights.path}: no kernel for {where}")
    if kernel.ndim != 2 or kernel.shape[1] != int(cfg["units"]):
        raise TrigcError(f"{weights.path}: kernel of {where} has shape {kernel.shape}")
    if bias is None:
        bias = np.zeros(kernel.shape[1])
    spec, quantized = _activation(cfg.get("activation", "linear"), where)
    return Read.chain(
        DenseLayer(
            cfg["name"],
            layer["class_name"],
            _weights(kernel, cfg.get("kernel_quantizer"), f"{where} kernel_quantizer", True),
            _weights(bias, cfg.get("bias_quantizer"), f"{where} bias_quantizer"),
            spec,
            quantized,
        )
    )


def binarize(values: np.ndarray) -> np.ndarray:
    """hls4ml's ``BinaryQuantizer(bits=2)`` of its legacy ``BinaryDense``: ``x >= 0 ? 1 : -1``."""
    return np.where(np.asarray(values) >= 0, 1.0, -1.0)


def ternarize(values: np.ndarray) -> np.ndarray:
    """hls4ml's ``TernaryQuantizer`` of its legacy ``TernaryDense``: 1 above 0.5, -1 at or
    below -0.5, else 0."""
    v = np.asarray(values)
    return np.where(v > 0.5, 1.0, np.where(v <= -0.5, -1.0, 0.0))


def _binary_dense(layer: dict[str, Any], weights: LegacyWeights) -> Read:
    """hls4ml's legacy ``BinaryDense``/``TernaryDense`` (custom Keras 2 layers of its binary
    and ternary examples): a dense layer whose kernel and bias hls4ml quantizes to ±1
    (ternary: -1, 0, 1) as it reads the file; trigc reads them the same way."""
    (d,) = _dense(layer, weights).records
    assert isinstance(d, DenseLayer)
    quantize = binarize if layer["class_name"] == "BinaryDense" else ternarize
    two = FixedType(2, 2)  # -2..1: holds -1, 0 and 1
    kernel = Weights(quantize(d.kernel.values), True, two)
    bias = Weights(quantize(d.bias.values), True, two)
    return Read.chain(replace(d, kernel=kernel, bias=bias))


def _batchnorm(layer: dict[str, Any], weights: LegacyWeights) -> Read:
    cfg, where = layer["config"], keras_config_where(layer)
    used = [q for q in _BN_QUANTIZERS if cfg.get(q)]
    if used:
        raise UnsupportedModelError(f"{where}: batch normalization with {used} is not supported")
    axis = cfg.get("axis", -1)
    if axis not in (-1, 1, [-1], [1]):
        raise UnsupportedModelError(f"{where}: normalization over axis {axis} is not supported")
    gamma, beta, mean, var = weights.of(layer, ("gamma", "beta", "moving_mean", "moving_variance"))
    if mean is None or var is None:
        raise TrigcError(f"{weights.path}: no moving mean/variance for {where}")
    gamma = np.ones_like(mean) if gamma is None else gamma
    beta = np.zeros_like(mean) if beta is None else beta
    epsilon = float(cfg.get("epsilon", 1e-3))
    return Read.chain(
        BatchNormLayer.from_statistics(
            cfg["name"], layer["class_name"], gamma, beta, mean, var, epsilon, where
        )
    )


def _activation_layer(layer: dict[str, Any], weights: LegacyWeights) -> Read:
    spec, quantized = _activation(layer["config"].get("activation"), keras_config_where(layer))
    return Read.chain(
        ActivationLayer(layer["config"]["name"], layer["class_name"], spec, quantized)
    )


def _channels_last(layer: dict[str, Any]) -> dict[str, Any]:
    cfg = layer["config"]
    if cfg.get("data_format") not in (None, "channels_last"):
        raise UnsupportedModelError(
            f"{keras_config_where(layer)}: only data_format='channels_last' is supported"
        )
    return cfg


def _conv(layer: dict[str, Any], weights: LegacyWeights) -> Read:
    cfg, where = _channels_last(layer), keras_config_where(layer)
    if any(d != 1 for d in ints(cfg.get("dilation_rate", 1))) or cfg.get("groups", 1) != 1:
        raise UnsupportedModelError(f"{where}: dilated or grouped convolutions are not supported")
    kernel, bias = weights.of(layer, ("kernel", "bias"))
    dims = 2 if "2D" in layer["class_name"] else 1
    if kernel is None or kernel.ndim != dims + 2:
        shape = None if kernel is None else kernel.shape
        raise TrigcError(f"{weights.path}: kernel of {where} has shape {shape}")
    spec, quantized = _activation(cfg.get("activation", "linear"), where)
    if bias is None:
        bias_w = Weights(np.zeros(kernel.shape[-1]), True)
    else:
        bias_w = _weights(bias, cfg.get("bias_quantizer"), f"{where} bias_quantizer")
    return Read.chain(
        ConvLayer(
            cfg["name"],
            layer["class_name"],
            _weights(kernel, cfg.get("kernel_quantizer"), f"{where} kernel_quantizer", True),
            bias_w,
            ints(cfg.get("strides", 1)),
            str(cfg.get("padding", "valid")),
            spec,
            quantized,
        )
    )


def _pool(layer: dict[str, Any], weights: LegacyWeights) -> Read:
    cfg, cls = _channels_last(layer), layer["class_name"]
    op = "max_pool" if "Max" in cls else "avg_pool"
    if cls.startswith("Global"):
        return Read.chain(
            PoolLayer(cfg["name"], cls, op, None, None, keepdims=bool(cfg.get("keepdims")))
        )
    pool = ints(cfg["pool_size"])
    strides = ints(cfg["strides"]) if cfg.get("strides") else pool
    return Read.chain(
        PoolLayer(cfg["name"], cls, op, pool, strides, str(cfg.get("padding", "valid")))
    )


def _reshape(layer: dict[str, Any], weights: LegacyWeights) -> Read:
    cfg = _channels_last(layer)
    if layer["class_name"] == "Flatten":
        return Read.chain(ReshapeLayer(cfg["name"], "Flatten", (-1,)))
    return Read.chain(ReshapeLayer(cfg["name"], "Reshape", ints(cfg["target_shape"])))


def _arrays(layer: dict[str, Any], weights: LegacyWeights, names: tuple[str, ...]) -> dict:
    return dict(zip(names, weights.of(layer, names), strict=True))


def _depthwise(layer: dict[str, Any], weights: LegacyWeights) -> Read:
    arrays = _arrays(layer, weights, ("depthwise_kernel", "bias"))
    return Read.chain(windows.depthwise(layer, arrays, _weights, _activation))


def _separable(layer: dict[str, Any], weights: LegacyWeights) -> Read:
    arrays = _arrays(layer, weights, ("depthwise_kernel", "pointwise_kernel", "bias"))
    return Read.chain(*windows.separable(layer, arrays, _weights, _activation))


HANDLERS: dict[str, Handler] = {
    "Dense": _dense,
    "QDense": _dense,
    "BinaryDense": _binary_dense,
    "TernaryDense": _binary_dense,
    "BatchNormalization": _batchnorm,
    "QBatchNormalization": _batchnorm,
    "Activation": _activation_layer,
    "QActivation": _activation_layer,
    **{c: _conv for c in ("Conv1D", "Conv2D", "QConv1D", "QConv2D")},
    **{
        f"{kind}Pooling{d}D": _pool
        for kind in ("Max", "Average", "GlobalMax", "GlobalAverage")
        for d in (1, 2)
    },
    "Flatten": _reshape,
    "Reshape": _reshape,
    **dict.fromkeys(("DepthwiseConv1D", "DepthwiseConv2D", "QDepthwiseConv2D"), _depthwise),
    **dict.fromkeys(
        ("SeparableConv1D", "SeparableConv2D", "QSeparableConv1D", "QSeparableConv2D"), _separable
    ),
    **dict.fromkeys(("ZeroPadding1D", "ZeroPadding2D"), windows.zero_padding),
    **dict.fromkeys(("Cropping1D", "Cropping2D"), windows.cropping),
    **dict.fromkeys(("UpSampling1D", "UpSampling2D"), windows.upsampling),
    "Permute": windows.permute,
    **hgq_proxy.HANDLERS,  # HGQ proxy models: FixedPointQuantizer, ReLU
}
