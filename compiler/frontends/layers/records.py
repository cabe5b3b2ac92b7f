"""Frontend-neutral layer records: what every frontend reads a model layer into.

The Keras 3, Keras 2, HGQ and ONNX frontends read their models into :class:`DenseLayer`,
:class:`ConvLayer`, :class:`BatchNormLayer` and :class:`ActivationLayer` records (float64
values, already passed through any weight quantizer) and the tensor records of :mod:`.tensor`;
:func:`.lower.lower_layers` turns them into IR nodes.  :func:`cast_float` is the one cast of
float values to a configured type, as an ``ap_fixed`` assignment from a double.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...errors import InexactError, UnsupportedModelError
from ...ir.fixed import FixedType, cast
from .quantizers import ActivationSpec
from .tensor import (
    MergeLayer,
    Padding,
    PadLayer,
    PoolLayer,
    RearrangeLayer,
    ReshapeLayer,
)

# Extra fractional bits kept before rounding a float64 to a type: enough for every tie.
_GUARD_BITS = 64
# What --allow-inexact rounds an inexact batch-norm scale/shift to.
BN_FALLBACK_TYPE = FixedType(18, 8, True, "RND_CONV")


@dataclass(frozen=True)
class Weights:
    """Constant values; ``quantized`` when a quantizer in the model produced them."""

    values: np.ndarray
    quantized: bool = False
    nominal: FixedType | None = None


@dataclass(frozen=True)
class DenseLayer:
    name: str
    cls: str
    kernel: Weights  # (n_in, n_out)
    bias: Weights  # (n_out,)
    activation: ActivationSpec | None = None
    activation_quantized: bool = False


def batchnorm_affine(gamma, beta, mean, var, epsilon: float) -> tuple[np.ndarray, np.ndarray]:
    """Inference-time batch normalization as ``x * scale + shift``: ``scale = gamma /
    sqrt(var + epsilon)``, ``shift = beta - mean * scale`` (float64).  The one place trigc
    writes the formula (frontends, and QAT's conversion of trained models)."""
    gamma, beta, mean, var = (np.asarray(v, np.float64) for v in (gamma, beta, mean, var))
    scale = gamma / np.sqrt(var + float(epsilon))
    return scale, beta - mean * scale


@dataclass(frozen=True)
class BatchNormLayer:
    """``y = x * scale + shift`` per channel (inference-time batch normalization)."""

    name: str
    cls: str
    scale: np.ndarray
    shift: np.ndarray

    @classmethod
    def from_statistics(
        cls, name: str, class_name: str, gamma, beta, mean, var, epsilon: float, where: str
    ) -> BatchNormLayer:
        """``scale = gamma / sqrt(var + epsilon)``, ``shift = beta - mean * scale``; refuses a
        channel whose variance plus epsilon is not positive (a division by zero)."""
        gamma, beta, mean, var = (np.asarray(v, np.float64) for v in (gamma, beta, mean, var))
        denominator = var + float(epsilon)
        bad = ~(denominator > 0) | ~np.isfinite(denominator)
        if bad.any():
            k = int(np.argwhere(bad.reshape(-1))[0][0])
            raise UnsupportedModelError(
                f"{where}: moving variance + epsilon is {float(denominator.reshape(-1)[k])!r} "
                f"for channel {k} (of {denominator.size}), so gamma/sqrt(variance + epsilon) "
                "divides by zero; give the layer a positive epsilon or retrain it"
            )
        return cls(name, class_name, *batchnorm_affine(gamma, beta, mean, var, epsilon))


@dataclass(frozen=True)
class ActivationLayer:
    name: str
    cls: str
    spec: ActivationSpec
    quantized: bool = False


@dataclass(frozen=True)
class ConvLayer:
    """Conv1D / Conv2D: Keras kernel ``(*window, c_in, c_out)``, channels last."""

    name: str
    cls: str
    kernel: Weights
    bias: Weights
    strides: tuple[int, ...]
    padding: Padding  # 'valid', 'same' or explicit (before, after) per spatial axis
    activation: ActivationSpec | None = None
    activation_quantized: bool = False


Layer = (
    DenseLayer
    | BatchNormLayer
    | ActivationLayer
    | ConvLayer
    | ReshapeLayer
    | MergeLayer
    | PoolLayer
    | PadLayer
    | RearrangeLayer
)


def cast_float(values: np.ndarray, t: FixedType, where: str) -> np.ndarray:
    """Float64 values → mantissas of ``t``, rounded and saturated/wrapped as ``ap_fixed``
    assignment from a double does."""
    v = np.asarray(values, dtype=np.float64)
    if not np.all(np.isfinite(v)):
        raise InexactError(f"{where}: contains NaN or infinite values")
    frac = t.frac + _GUARD_BITS
    # Scaling by a power of two is exact in float64, and so is floor; int() of it too.
    scaled = np.floor(np.ldexp(v, frac))
    if not np.all(np.isfinite(scaled)):
        raise InexactError(f"{where}: values too large for {t}")
    fine = np.array([int(x) for x in scaled.reshape(-1)], dtype=object).reshape(v.shape)
    bits = max((int(abs(x)).bit_length() for x in fine.reshape(-1)), default=1) + 2
    return cast(fine, FixedType(bits, bits - frac), t)


def block_diagonal(depthwise: np.ndarray) -> np.ndarray:
    """A depthwise kernel ``(*k, C, m)`` as the full kernel ``(*k, C, C * m)``."""
    *window, channels, multiplier = depthwise.shape
    full = np.zeros((*window, channels, channels * multiplier))
    for c in range(channels):
        full[..., c, c * multiplier : (c + 1) * multiplier] = depthwise[..., c, :]
    return full
