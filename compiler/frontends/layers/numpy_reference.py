"""A float64 NumPy evaluation of a model as the frontend read it: the reference of ``trigc
verify`` for a Keras 2 file that Keras 3 cannot rebuild.

It runs the frontend's layer records (:mod:`.records`, :mod:`.tensor`) directly, with
NumPy in float64: dense and convolution products, batch normalization, pooling, merges and
reshapes as the layers define them, and each quantizer as the fixed-point cast it stands for
(rounded and saturated as ``ap_fixed`` assignment from a double).  It shares the reading of the
file with the IR but none of the lowering: not the exact types, the folding of batch
normalization, the accumulators or the passes, so it checks everything after the reading.
Exact while every intermediate value fits in 53 significant bits, as the float64 Keras
reference is; sigmoid, tanh and softmax are the float functions (the IR's hls4ml tables then
make the comparison information only).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ...errors import UnsupportedModelError
from ...ir.element_types import ElementTypes
from ...ir.fixed import FixedType
from ...ir.ops.rearrange import rearranged_shape, source_index
from .quantizers import ActivationSpec
from .records import (
    ActivationLayer,
    BatchNormLayer,
    ConvLayer,
    DenseLayer,
    Layer,
    cast_float,
)
from .tensor import (
    MergeLayer,
    PadLayer,
    PoolLayer,
    RearrangeLayer,
    ReshapeLayer,
    padded,
    window_attrs,
)

Runner = Callable[[np.ndarray], np.ndarray]


def _cast(x: np.ndarray, t: FixedType) -> np.ndarray:
    return t.to_float(cast_float(x, t, "numpy reference")).astype(np.float64)


def _cast_per_element(x: np.ndarray, elements: ElementTypes) -> np.ndarray:
    """Each element cast (from float64) to its own type; 0-bit elements are 0."""
    elements = elements.broadcast_to(x.shape[1:])
    flat = x.reshape(len(x), -1)
    out = np.zeros_like(flat)
    for t, index in elements.groups():
        if t is not None:
            out[:, index] = _cast(flat[:, index], t)
    return out.reshape(x.shape)


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def activate(x: np.ndarray, spec: ActivationSpec) -> np.ndarray:
    """An activation or quantizer on float64 values."""
    kind = spec.kind
    if kind == "identity":
        y = x
    elif kind == "relu":
        y = np.maximum(x, 0.0)
    elif kind == "relu_max":
        y = np.clip(x, 0.0, float(spec.max_value))
    elif kind == "leaky_relu":
        y = np.where(x >= 0, x, np.ldexp(x, -spec.slope_shift))
    elif kind == "binary":
        y = np.where(x >= 0, 1.0, -1.0)
    elif kind == "requantize":
        y = x
    elif kind == "function":
        fns = {"sigmoid": lambda v: 1 / (1 + np.exp(-v)), "tanh": np.tanh, "softmax": _softmax}
        y = fns[spec.function](x)
    else:
        raise UnsupportedModelError(f"the NumPy reference has no activation {kind!r}")
    if spec.elements is not None:
        y = _cast_per_element(y, spec.elements)
    elif spec.type is not None and kind != "function":
        y = _cast(y, spec.type)
    return np.ldexp(y, spec.scale_log2) if spec.scale_log2 else y


def _windows(x: np.ndarray, attrs: dict, fill: float) -> np.ndarray:
    """``(batch, *out_spatial, *kernel, channels)`` windows of ``x`` (padding: ``fill``)."""
    from ...ir.ops.conv import window_index  # noqa: PLC0415

    index = window_index(attrs, tuple(attrs["in_shape"]))
    batch, channels = x.shape[0], x.shape[-1]
    flat = x.reshape(batch, -1, channels)
    flat = np.concatenate([flat, np.full((batch, 1, channels), fill)], axis=1)
    safe = np.where(index >= 0, index, flat.shape[1] - 1)
    return flat[:, safe, :]


def _conv(x: np.ndarray, c: ConvLayer, pad: PadLayer | None) -> np.ndarray:
    kernel = c.kernel.values
    window = kernel.shape[:-2]
    padding = c.padding
    if pad is not None:
        padding = padded(padding, pad.pads, x.shape[1:], window, c.strides)
    attrs = window_attrs(f"layer {c.name!r}", x.shape[1:], window, c.strides, padding)
    w = _windows(x, attrs, 0.0)  # (batch, *out, *k, c_in)
    spatial = len(window)
    axes = list(range(1 + spatial, 1 + 2 * spatial + 1))
    y = np.tensordot(w, kernel, axes=(axes, list(range(spatial + 1))))
    y = y + c.bias.values
    return activate(y, c.activation) if c.activation is not None else y


def _pool(x: np.ndarray, p: PoolLayer) -> np.ndarray:
    spatial = tuple(range(1, x.ndim - 1))
    if p.pool is None:
        y = (
            x.max(axis=spatial, keepdims=p.keepdims)
            if p.op == "max_pool"
            else x.mean(axis=spatial, keepdims=p.keepdims)
        )
        return y
    attrs = window_attrs(f"layer {p.name!r}", x.shape[1:], p.pool, p.strides, p.padding)
    w = _windows(x, attrs, -np.inf if p.op == "max_pool" else 0.0)
    axes = tuple(range(1 + len(p.pool), 1 + 2 * len(p.pool)))
    return w.max(axis=axes) if p.op == "max_pool" else w.mean(axis=axes)


def _merge(xs: list[np.ndarray], m: MergeLayer) -> np.ndarray:
    if m.cls == "Concatenate":
        axis = m.axis if m.axis is not None else -1
        return np.concatenate(xs, axis=axis + 1 if axis >= 0 else axis)
    y = xs[0]
    for other in xs[1:]:
        y = {"Add": np.add, "Subtract": np.subtract, "Multiply": np.multiply}[m.cls](y, other)
    return y


def _dense(xs: list[np.ndarray], d: DenseLayer) -> np.ndarray:
    y = xs[0] @ d.kernel.values + d.bias.values
    return activate(y, d.activation) if d.activation is not None else y


def _rearrange(xs: list[np.ndarray], r: RearrangeLayer) -> np.ndarray:
    h = xs[0]
    attrs = {"kind": r.kind, **dict(r.params)}
    index = source_index(attrs, h.shape[1:])
    flat = np.concatenate([h.reshape(len(h), -1), np.zeros((len(h), 1))], axis=1)
    out = flat[:, np.where(index >= 0, index, flat.shape[1] - 1)]
    return out.reshape(len(h), *rearranged_shape(attrs, h.shape[1:]))


EVALUATORS: dict[type, Callable[[list[np.ndarray], Any], np.ndarray]] = {
    PadLayer: lambda xs, p: np.pad(xs[0], [(0, 0), *p.pads, (0, 0)]),  # the IR folds them
    DenseLayer: _dense,
    ConvLayer: lambda xs, c: _conv(xs[0], c, None),
    BatchNormLayer: lambda xs, bn: xs[0] * bn.scale + bn.shift,
    ActivationLayer: lambda xs, a: activate(xs[0], a.spec),
    ReshapeLayer: lambda xs, r: xs[0].reshape(len(xs[0]), *r.shape),
    PoolLayer: lambda xs, p: _pool(xs[0], p),
    MergeLayer: _merge,
    RearrangeLayer: _rearrange,
}
"""Record type -> its float64 evaluation from the tensors it reads."""


def evaluate(
    layers: list[Layer],
    sources: list[tuple[str, ...]],
    input_name: str,
    output: str,
    x: np.ndarray,
) -> np.ndarray:
    """The outputs (float64) of ``layers`` on inputs ``x`` of shape ``(batch, *in_shape)``;
    layer ``k`` reads the tensors named ``sources[k]``."""
    values: dict[str, np.ndarray] = {input_name: np.asarray(x, dtype=np.float64)}
    for layer, names in zip(layers, sources, strict=True):
        step = EVALUATORS.get(type(layer))
        if step is None:
            raise UnsupportedModelError(f"the NumPy reference cannot run {type(layer).__name__}")
        values[layer.name] = step([values[n] for n in names], layer)
    out = values[output]
    return out.reshape(len(out), -1)
