"""Handlers of the ONNX ops on N-D tensors: convolutions and pooling, read into layer records.

Layout: ONNX tensors are channels first (``[batch, C, L]``, ``[batch, C, H, W]``), the IR's are
channels last (``(L, C)``, ``(H, W, C)``), as Keras'.  A model whose input is N-D and whose first
node is not a Flatten/Reshape therefore takes its input channels last: the firmware's input
vector is the ONNX input transposed to ``[batch, *spatial, C]`` and flattened (``trigc verify``
transposes it back for onnxruntime).  Convolution kernels ``(C_out, C_in, *k)`` are transposed
to ``(*k, C_in, C_out)``.  A Flatten of a channels-first tensor orders its elements C, H, W,
the IR's reshape H, W, C: the permutation between the two is kept and applied to the rows of
the next Gemm/MatMul (and to per-feature constants before it), so the IR stays a plain reshape.
Merges (Add/Sub/Mul of two tensors, Concat) read tensors in one layout with no permutation
pending; Concat's ONNX axis becomes the IR's (channels: the IR's last axis).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import UnsupportedModelError
from .layers import ConvLayer, Weights
from .layers_tensor import PoolLayer, out_shape, same_pads, window_attrs
from .onnx_reader import OnnxReader, ints, node_attrs


def conv(r: OnnxReader, node: Any, name: str, where: str) -> None:
    attrs = node_attrs(node)
    w = r.weights(r.const_input(node, 1, where))
    kernel_size = list(w.values.shape[2:])
    strides = r.window(where, attrs, kernel_size)
    if attrs.get("group", 1) != 1:
        raise UnsupportedModelError(f"{where}: grouped convolutions are not supported")
    pads = ints(attrs, "pads", [0] * 2 * len(kernel_size))
    per_axis = [[pads[i], pads[i + len(kernel_size)]] for i in range(len(kernel_size))]
    spatial = r.shape[:-1]
    same = [same_pads(n, k, s) for n, k, s in zip(spatial, kernel_size, strides, strict=True)]
    if all(p == [0, 0] for p in per_axis):
        padding = "valid"
    elif per_axis == same:
        padding = "same"
    else:
        raise UnsupportedModelError(
            f"{where}: pads {pads} are neither none nor Keras' 'same' padding {same}; "
            "trigc supports those two"
        )
    kernel = np.moveaxis(w.values, (0, 1), (-1, -2))  # (C_out, C_in, *k) → (*k, C_in, C_out)
    c_out = kernel.shape[-1]
    if len(node.input) > 2 and node.input[2]:
        b = r.weights(r.const_input(node, 2, where))
        bias = Weights(b.values.reshape(-1), b.quantized, b.nominal)
    else:
        bias = Weights(np.zeros(c_out), True)
    layer = ConvLayer(
        name, "Conv", Weights(kernel, w.quantized, w.nominal), bias, tuple(strides), padding
    )
    attrs_ir = window_attrs(where, r.shape, kernel_size, strides, padding)
    r.layers.append(layer)
    r.shape = out_shape(attrs_ir, c_out)


def _pool(r: OnnxReader, node: Any, name: str, where: str, op: str) -> None:
    attrs = node_attrs(node)
    kernel = ints(attrs, "kernel_shape", [])
    strides = r.window(where, attrs, kernel)
    if any(ints(attrs, "pads", [])) or attrs.get("ceil_mode", 0):
        raise UnsupportedModelError(
            f"{where}: padded pooling (pads or ceil_mode) is not supported; pool without padding"
        )
    r.layers.append(PoolLayer(name, node.op_type, op, tuple(kernel), tuple(strides)))
    r.shape = out_shape(window_attrs(where, r.shape, kernel, strides, "valid"), r.shape[-1])


def max_pool(r: OnnxReader, node: Any, name: str, where: str) -> None:
    if len(node.output) > 1 and node.output[1]:
        raise UnsupportedModelError(f"{where}: the Indices output is not supported")
    _pool(r, node, name, where, "max_pool")


def average_pool(r: OnnxReader, node: Any, name: str, where: str) -> None:
    _pool(r, node, name, where, "avg_pool")


def _global_pool(r: OnnxReader, node: Any, name: str, where: str, op: str) -> None:
    r.window(where, {}, [1] * (len(r.shape) - 1))
    # ONNX keeps the pooled axes as ones: [batch, C, 1, 1]
    r.layers.append(PoolLayer(name, node.op_type, op, None, None, keepdims=True))
    r.shape = (*(1 for _ in r.shape[:-1]), r.shape[-1])


def global_average_pool(r: OnnxReader, node: Any, name: str, where: str) -> None:
    _global_pool(r, node, name, where, "avg_pool")


def global_max_pool(r: OnnxReader, node: Any, name: str, where: str) -> None:
    _global_pool(r, node, name, where, "max_pool")
