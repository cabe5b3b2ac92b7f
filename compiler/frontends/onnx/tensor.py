"""Handlers of the ONNX ops on N-D tensors: convolutions, padding and pooling.

Layout: ONNX convolutions read channels first (``[batch, C, L]``, ``[batch, C, H, W]``), the
IR's are channels last (``(L, C)``, ``(H, W, C)``), as Keras'.  A model whose N-D input feeds
a convolution takes its input channels last: the firmware's input vector is the ONNX input
transposed to ``[batch, *spatial, C]`` and flattened (``trigc verify`` transposes it back for
onnxruntime); a model whose input is transposed first (tf2onnx, Keras 3's exporter) takes it
in its own order.  Convolution kernels ``(C_out, C_in / group, *k)`` become ``(*k, C_in,
C_out)`` (a grouped or depthwise kernel block-diagonal, zeros where groups do not meet).  A
``Pad`` with zeros is folded into the convolution that reads it.  A Flatten of a channels-first
tensor orders its elements C, H, W, the IR's reshape H, W, C: the permutation between the two
is kept and applied to the rows of the next Gemm/MatMul (and to per-feature constants before
it), so the IR stays a plain reshape (:mod:`.layout`).
"""

from __future__ import annotations

import numpy as np

from ...errors import UnsupportedModelError
from ..layers.handler import Handler
from ..layers.records import ConvLayer, Weights
from ..layers.tensor import Padding, PoolLayer, out_shape, same_pads, window_attrs
from .reader import OnnxNode, OnnxReader, node_attrs
from .state import OnnxRead, TensorState, ints


def grouped_kernel(values: np.ndarray, groups: int, c_in: int, where: str) -> np.ndarray:
    """An ONNX kernel ``(C_out, C_in / groups, *k)`` as a full ``(C_out, C_in, *k)`` one."""
    c_out, per_group = values.shape[0], values.shape[1]
    if groups == 1:
        return values
    if c_in != per_group * groups or c_out % groups:
        raise UnsupportedModelError(
            f"{where}: {groups} groups do not divide {c_in} input and {c_out} output channels"
        )
    full = np.zeros((c_out, c_in, *values.shape[2:]))
    out_per_group = c_out // groups
    for g in range(groups):
        o, i = (
            slice(g * out_per_group, (g + 1) * out_per_group),
            slice(g * per_group, (g + 1) * per_group),
        )
        full[o, i] = values[o]
    return full


def conv(node: OnnxNode, r: OnnxReader) -> OnnxRead:
    name, where = node.name, node.where
    attrs = node_attrs(node)
    w = r.weights(r.const_input(node, 1, where))
    kernel_size = list(w.values.shape[2:])
    pending = r.tensor.pads
    moves, t = r.tensor.with_pads(None).to_channels_first(f"{name}_in", "Conv")
    strides = t.window(where, attrs, kernel_size)
    pads = ints(attrs, "pads", [0] * 2 * len(kernel_size))
    per_axis = [[pads[i], pads[i + len(kernel_size)]] for i in range(len(kernel_size))]
    if pending is not None:
        per_axis = [[a + p[0], b + p[1]] for (a, b), p in zip(per_axis, pending, strict=True)]
    spatial = t.shape[:-1]
    same = [same_pads(n, k, s) for n, k, s in zip(spatial, kernel_size, strides, strict=True)]
    padding: Padding
    if all(p == [0, 0] for p in per_axis):
        padding = "valid"
    elif per_axis == same:
        padding = "same"
    else:
        padding = tuple((int(a), int(b)) for a, b in per_axis)
    values = grouped_kernel(w.values, int(attrs.get("group", 1)), t.features(), where)
    kernel = np.moveaxis(values, (0, 1), (-1, -2))  # (C_out, C_in, *k) → (*k, C_in, C_out)
    c_out = kernel.shape[-1]
    if len(node.input) > 2 and node.input[2]:
        b = r.weights(r.const_input(node, 2, where))
        bias = Weights(b.values.reshape(-1), b.quantized, b.nominal)
    else:
        bias = Weights(np.zeros(c_out), True)
    layer = ConvLayer(
        name, "Conv", Weights(kernel, w.quantized, w.nominal), bias, tuple(strides), padding
    )
    attrs_ir = window_attrs(where, t.shape, kernel_size, strides, padding)
    return OnnxRead((*moves, layer), state=t.with_shape(out_shape(attrs_ir, c_out)))


def pad(node: OnnxNode, r: OnnxReader) -> OnnxRead:
    """Zeros around the spatial axes, kept for the Conv that reads the tensor."""
    name, where = node.name, node.where
    attrs = node_attrs(node)
    mode = attrs.get("mode", b"constant")
    mode = mode.decode() if isinstance(mode, bytes) else str(mode)
    if len(node.input) > 1 and node.input[1]:
        pads = [int(v) for v in r.consts[r.const_input(node, 1, where)].reshape(-1)]
    else:
        pads = ints(attrs, "pads", [])
    value = float(attrs.get("value", 0.0))
    if len(node.input) > 2 and node.input[2]:
        value = float(r.consts[r.const_input(node, 2, where)].reshape(-1)[0])
    if len(node.input) > 3 and node.input[3]:
        raise UnsupportedModelError(f"{where}: Pad with axes is not supported")
    rank = len(r.tensor.layout) + 1
    if (
        mode != "constant"
        or value != 0
        or len(pads) != 2 * rank
        or any(pads[k] or pads[k + rank] for k in (0, 1))
    ):
        raise UnsupportedModelError(
            f"{where}: only zero padding of the spatial axes (mode 'constant', value 0) is "
            f"supported, got mode {mode!r}, value {value}, pads {pads}"
        )
    moves, t = r.tensor.to_channels_first(f"{name}_in", "Pad")
    if not t.channels_first or any(p < 0 for p in pads):
        raise UnsupportedModelError(
            f"{where}: padding (pads {pads}) of a tensor that is not [batch, C, *spatial]"
        )
    pending = tuple((pads[k], pads[k + rank]) for k in range(2, rank))
    return OnnxRead(moves, state=t.with_pads(pending))


def _pool(node: OnnxNode, r: OnnxReader, op: str) -> OnnxRead:
    name, where = node.name, node.where
    attrs = node_attrs(node)
    kernel = ints(attrs, "kernel_shape", [])
    moves, t = r.tensor.to_channels_first(f"{name}_in", node.op_type)
    strides = t.window(where, attrs, kernel)
    if any(ints(attrs, "pads", [])) or attrs.get("ceil_mode", 0):
        raise UnsupportedModelError(
            f"{where}: padded pooling (pads or ceil_mode) is not supported; pool without padding"
        )
    pool = PoolLayer(name, node.op_type, op, tuple(kernel), tuple(strides))
    shape = out_shape(window_attrs(where, t.shape, kernel, strides, "valid"), t.shape[-1])
    return OnnxRead((*moves, pool), state=t.with_shape(shape))


def max_pool(node: OnnxNode, r: OnnxReader) -> OnnxRead:
    if len(node.output) > 1 and node.output[1]:
        raise UnsupportedModelError(f"{node.where}: the Indices output is not supported")
    return _pool(node, r, "max_pool")


def average_pool(node: OnnxNode, r: OnnxReader) -> OnnxRead:
    return _pool(node, r, "avg_pool")


def _pooled(t: TensorState, keepdims: bool) -> TensorState:
    """After a global pooling: ONNX keeps the pooled axes as ones (``[batch, C, 1, 1]``)."""
    if keepdims:
        return t.with_shape((*(1 for _ in t.shape[:-1]), t.shape[-1]))
    return t.with_shape((t.shape[-1],), (0,))


def _global_pool(op: str) -> Handler:
    def handler(node: OnnxNode, r: OnnxReader) -> OnnxRead:
        t = r.tensor
        t.window(node.where, {}, [1] * (len(t.shape) - 1))
        pool = PoolLayer(node.name, node.op_type, op, None, None, keepdims=True)
        return OnnxRead((pool,), state=_pooled(t, True))

    return handler


global_average_pool = _global_pool("avg_pool")
global_max_pool = _global_pool("max_pool")


def _reduce(op: str) -> Handler:
    """ReduceMean/ReduceMax over every spatial axis of a ``[batch, C, *spatial]`` tensor: a
    global pooling (PyTorch's dynamo exporter writes ``AdaptiveAvgPool2d(1)`` this way)."""

    def handler(node: OnnxNode, r: OnnxReader) -> OnnxRead:
        t, where = r.tensor, node.where
        attrs = node_attrs(node)
        if "axes" in attrs:
            axes = [int(a) for a in attrs["axes"]]
        elif len(node.input) > 1 and node.input[1]:
            axes = [int(a) for a in r.consts[r.const_input(node, 1, where)].reshape(-1)]
        else:
            axes = []
        rank = len(t.layout) + 1
        spatial = list(range(2, rank))
        if not t.channels_first or sorted(a % rank for a in axes) != spatial:
            raise UnsupportedModelError(
                f"{t.file}: {where} over axes {axes} of ONNX shape "
                f"{list(t.onnx_shape())}; trigc reduces over all spatial axes of a "
                "[batch, C, *spatial] tensor (a global pooling)"
            )
        keep = bool(attrs.get("keepdims", 1))
        pool = PoolLayer(node.name, node.op_type, op, None, None, keepdims=keep)
        return OnnxRead((pool,), state=_pooled(t, keep))

    return handler


reduce_mean = _reduce("avg_pool")
reduce_max = _reduce("max_pool")
