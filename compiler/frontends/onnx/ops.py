"""Handlers of the ONNX ops on flat tensors: dense layers, per-feature constants, batch norm,
activations, quantizers, casts and reshapes (see :data:`.frontend.HANDLERS`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from ...errors import UnsupportedModelError
from ..layers.quantizers import ActivationSpec, leaky_relu_spec
from ..layers.records import ActivationLayer, BatchNormLayer, ConvLayer, DenseLayer, Weights
from . import layout as lay
from .inputs import WINDOWED
from .quant import power_of_two_exponent
from .reader import OnnxReader, QuantNode, node_attrs, onnx_module, per_column


def gemm(r: OnnxReader, node: Any, name: str, where: str) -> None:
    a = node_attrs(node)
    if a.get("transA", 0) or a.get("alpha", 1.0) != 1.0 or a.get("beta", 1.0) != 1.0:
        raise UnsupportedModelError(f"{where}: only alpha=1, beta=1, transA=0 is supported")
    w = r.weights(r.const_input(node, 1, where))
    kernel = Weights(w.values.T, w.quantized, w.nominal) if a.get("transB", 0) else w
    kernel = r.dense_rows(kernel, where)
    n_out = kernel.values.shape[1]
    if len(node.input) > 2 and node.input[2]:
        bias = r.weights(r.const_input(node, 2, where))
        bias = Weights(per_column(bias.values, n_out, where), bias.quantized, bias.nominal)
    else:
        bias = Weights(np.zeros(n_out), True)
    r.layers.append(DenseLayer(name, "Gemm", kernel, bias))


def matmul(r: OnnxReader, node: Any, name: str, where: str) -> None:
    kernel = r.weights(r.const_input(node, 1, where))
    if kernel.values.ndim != 2:
        raise UnsupportedModelError(f"{where}: the weight must be a matrix")
    spatial = len(r.shape) - 1
    kernel = r.dense_rows(kernel, where)
    zeros = Weights(np.zeros(kernel.values.shape[1]), True)
    if spatial == 0:
        r.layers.append(DenseLayer(name, "MatMul", kernel, zeros))
        return
    if spatial > 2:
        raise UnsupportedModelError(
            f"{where}: a MatMul over the last axis of a tensor with {spatial} leading axes; "
            "trigc supports one or two"
        )
    # The same product at every position: a convolution with a window of one element.
    pointwise = Weights(
        kernel.values.reshape((1,) * spatial + kernel.values.shape),
        kernel.quantized,
        kernel.nominal,
    )
    r.layers.append(ConvLayer(name, "MatMul", pointwise, zeros, (1,) * spatial, "valid"))


def add(r: OnnxReader, node: Any, name: str, where: str) -> None:
    b = r.per_feature(node, where)
    last = r.layers[-1] if r.layers else None
    data = next(n for n in node.input if n and n not in r.consts)
    if (
        isinstance(last, DenseLayer | ConvLayer)
        and last.cls == "MatMul"
        and last.name == r.src
        and r.uses[data] == 1  # the product is read by this Add only
        and not np.any(last.bias.values)
    ):
        r.layers[-1] = replace(last, cls="MatMul+Add", bias=b)
        return
    r.layers.append(BatchNormLayer(name, "Add", np.ones_like(b.values), b.values))


def mul(r: OnnxReader, node: Any, name: str, where: str) -> None:
    s = r.per_feature(node, where)
    r.layers.append(BatchNormLayer(name, "Mul", s.values, np.zeros_like(s.values)))


def sub(r: OnnxReader, node: Any, name: str, where: str) -> None:
    """``x - c`` or ``c - x`` for a constant ``c`` (one value per channel)."""
    c = r.per_feature(node, where).values
    if node.input[0] in r.consts:  # c - x
        r.layers.append(BatchNormLayer(name, "Sub", -np.ones_like(c), c))
    else:
        r.layers.append(BatchNormLayer(name, "Sub", np.ones_like(c), -c))


def div(r: OnnxReader, node: Any, name: str, where: str) -> None:
    """``x / c`` for a constant ``c`` (one non-zero value per channel)."""
    if node.input[0] in r.consts:
        raise UnsupportedModelError(f"{where}: division by a tensor is not supported")
    c = r.per_feature(node, where).values
    if not np.all(c != 0):
        raise UnsupportedModelError(f"{where}: division by zero")
    r.layers.append(BatchNormLayer(name, "Div", 1.0 / c, np.zeros_like(c)))


def relu(r: OnnxReader, node: Any, name: str, where: str) -> None:
    r.layers.append(ActivationLayer(name, "Relu", ActivationSpec("relu")))


def leaky_relu(r: OnnxReader, node: Any, name: str, where: str) -> None:
    slope = float(node_attrs(node).get("alpha", 0.01))
    r.layers.append(ActivationLayer(name, "LeakyRelu", leaky_relu_spec(slope, where)))


def _bounds(r: OnnxReader, node: Any, where: str) -> tuple[float, float]:
    attrs = node_attrs(node)
    lo, hi = float(attrs.get("min", -np.inf)), float(attrs.get("max", np.inf))
    if len(node.input) > 1 and node.input[1]:
        lo = float(r.consts[r.const_input(node, 1, where)].reshape(-1)[0])
    if len(node.input) > 2 and node.input[2]:
        hi = float(r.consts[r.const_input(node, 2, where)].reshape(-1)[0])
    return lo, hi


def clip(r: OnnxReader, node: Any, name: str, where: str) -> None:
    """``Clip(0, max)``: ReLU (no max) or ReLU6 and friends (a positive whole max)."""
    lo, hi = _bounds(r, node, where)
    if lo == 0 and hi == np.inf:
        r.layers.append(ActivationLayer(name, "Clip", ActivationSpec("relu")))
        return
    if lo != 0 or hi != int(hi) or hi < 1:
        raise UnsupportedModelError(
            f"{where}: Clip({lo}, {hi}) is not supported; trigc clips at min 0 and a positive "
            "whole max (ReLU, ReLU6)"
        )
    r.layers.append(ActivationLayer(name, "Clip", ActivationSpec("relu_max", max_value=int(hi))))


def hard_sigmoid(r: OnnxReader, node: Any, name: str, where: str) -> None:
    """``max(0, min(1, alpha * x + beta))``: a per-channel affine, then a clip at 0 and 1."""
    attrs = node_attrs(node)
    alpha, beta = float(attrs.get("alpha", 0.2)), float(attrs.get("beta", 0.5))
    n = r.features()
    r.layers.append(
        BatchNormLayer(f"{name}_affine", "HardSigmoid", np.full(n, alpha), np.full(n, beta))
    )
    r.layers.append(ActivationLayer(name, "HardSigmoid", ActivationSpec("relu_max", max_value=1)))


def function(kind: str):
    """Sigmoid or Tanh: a real-valued function, tabulated as hls4ml does."""

    def handler(r: OnnxReader, node: Any, name: str, where: str) -> None:
        r.layers.append(
            ActivationLayer(name, node.op_type, ActivationSpec("function", function=kind))
        )

    return handler


def softmax(r: OnnxReader, node: Any, name: str, where: str) -> None:
    """Softmax over a flat vector (ONNX's axis: the one of the vector's elements)."""
    opset = next((o.version for o in r.model.opset_import if o.domain in ("", "ai.onnx")), 13)
    rank = len(r.layout) + 1
    axis = int(node_attrs(node).get("axis", -1 if opset >= 13 else 1)) % rank
    vector_axis = next((k + 1 for k, a in enumerate(r.layout) if a is not None), 1)
    ok = axis == 1 and all(a is None for a in r.layout[1:]) if opset < 13 else axis == vector_axis
    if len(r.shape) != 1 or not ok:
        raise UnsupportedModelError(
            f"{r.path.name}: {where} over axis {axis} of ONNX shape {list(r.onnx_shape())}; "
            "trigc computes softmax over a flat vector"
        )
    r.layers.append(
        ActivationLayer(name, "Softmax", ActivationSpec("function", function="softmax"))
    )


def batch_normalization(r: OnnxReader, node: Any, name: str, where: str) -> None:
    gamma, beta, mean, var = (r.consts[r.const_input(node, i, where)] for i in (1, 2, 3, 4))
    eps = float(node_attrs(node).get("epsilon", 1e-5))
    r.feature_axis(1, where)
    gamma, beta, mean, var = (r.take_perm(v.reshape(-1)) for v in (gamma, beta, mean, var))
    r.layers.append(
        BatchNormLayer.from_statistics(
            name, "BatchNormalization", gamma, beta, mean, var, eps, where
        )
    )


def quant(r: OnnxReader, node: Any, name: str, where: str) -> None:
    for i in (1, 2, 3):
        r.const_input(node, i, where)
    t = QuantNode(node, r.consts).fixed_type()
    r.any_quant = True
    r.layers.append(ActivationLayer(name, node.op_type, ActivationSpec("requantize", t), True))


def bipolar_quant(r: OnnxReader, node: Any, name: str, where: str) -> None:
    """A binary activation: ``x >= 0 ? +scale : -scale`` for a power-of-two ``scale``."""
    scale = r.consts[r.const_input(node, 1, where)]
    if scale.size != 1:
        raise UnsupportedModelError(f"{where}: one scale for the whole tensor is supported")
    k = int(power_of_two_exponent(scale, where).reshape(-1)[0])
    r.any_quant = True
    spec = ActivationSpec("binary", scale_log2=k)
    r.layers.append(ActivationLayer(name, "BipolarQuant", spec, True))


def identity(r: OnnxReader, node: Any, name: str, where: str) -> None:
    pass


def cast(r: OnnxReader, node: Any, name: str, where: str) -> None:
    onnx = onnx_module()
    to = node_attrs(node).get("to")
    floats = (onnx.TensorProto.FLOAT, onnx.TensorProto.DOUBLE)
    if to not in floats:
        target = onnx.TensorProto.DataType.Name(to) if to is not None else "unset"
        raise UnsupportedModelError(
            f"{r.path.name}: {where} casts to {target}; only casts between float types "
            "(which leave values on the fixed-point grid unchanged) are supported"
        )


def flatten(r: OnnxReader, node: Any, name: str, where: str) -> None:
    if node_attrs(node).get("axis", 1) != 1:
        raise UnsupportedModelError(f"{where}: only axis=1 is supported")
    r.flatten(name, "Flatten")


def reshape(r: OnnxReader, node: Any, name: str, where: str) -> None:
    target = r.consts[r.const_input(node, 1, where)].astype(np.int64).tolist()
    if r.reads_flattened_input():
        n = int(np.prod(r.onnx_shape()))
        if len(target) != 2 or target[1] not in (n, -1):
            raise UnsupportedModelError(
                f"{where}: reshape of the model's input to {target}; only flattening it to "
                f"[batch, {n}] is supported"
            )
        return
    current = r.onnx_shape()
    dims = [current[k - 1] if d == 0 and 0 < k <= len(current) else d for k, d in enumerate(target)]
    rest = dims[1:]  # the batch axis stays
    n = int(np.prod(r.shape))
    if -1 in rest:
        known = int(np.prod([d for d in rest if d != -1]))
        rest = [n // known if d == -1 else d for d in rest]
    if int(np.prod(rest)) != n:
        raise UnsupportedModelError(
            f"{where}: cannot reshape ONNX shape {list(current)} to {target}"
        )
    if len(rest) == 1:
        r.flatten(name, "Reshape")
        return
    r.to_onnx_order(f"{name}_order", "Reshape")
    if r.perm is not None or not lay.is_identity_order(r.shape, r.layout):
        raise UnsupportedModelError(
            f"{where}: reshape to {target} of a tensor whose elements the IR holds in another "
            "order (channels last); this would move data. Reshape before the channels-first "
            "ops, or flatten to [batch, n]"
        )
    shape, layout = tuple(rest), lay.identity(len(rest))
    windowed = any(c.op_type in WINDOWED for c in r.consumers(node.output[0]))
    channels_last = (*rest[1:], rest[0])
    if windowed and lay.is_identity_order(channels_last, lay.channels_first(len(rest))):
        shape, layout = channels_last, lay.channels_first(len(rest))
    r.relabel(name, "Reshape", shape, layout)


def axes_of(r: OnnxReader, node: Any, where: str) -> list[int] | None:
    """A Squeeze/Unsqueeze's axes: the attribute (opset < 13) or the constant input."""
    attrs = node_attrs(node)
    if "axes" in attrs:
        return [int(a) for a in attrs["axes"]]
    if len(node.input) > 1 and node.input[1]:
        return [int(a) for a in r.consts[r.const_input(node, 1, where)].reshape(-1)]
    return None


def transpose(r: OnnxReader, node: Any, name: str, where: str) -> None:
    rank = len(r.layout) + 1
    perm = [int(p) for p in node_attrs(node).get("perm", list(range(rank))[::-1])]
    if sorted(perm) != list(range(rank)) or perm[0] != 0:
        raise UnsupportedModelError(
            f"{where}: perm {perm} moves the batch axis; trigc transposes the other axes only"
        )
    r.layout = lay.transposed(r.layout, perm)


def unsqueeze(r: OnnxReader, node: Any, name: str, where: str) -> None:
    axes = axes_of(r, node, where)
    rank = len(r.layout) + 1 + len(axes or [])
    if not axes or any(a % rank == 0 for a in axes):
        raise UnsupportedModelError(f"{where}: unsqueeze of the batch axis (axes {axes})")
    r.layout = lay.unsqueezed(r.layout, axes)


def squeeze(r: OnnxReader, node: Any, name: str, where: str) -> None:
    shape = r.onnx_shape()
    axes = axes_of(r, node, where)
    if axes is None:
        axes = [k + 1 for k, d in enumerate(shape) if d == 1]
    rank = len(shape) + 1
    if any(a % rank == 0 or shape[a % rank - 1] != 1 for a in axes):
        raise UnsupportedModelError(
            f"{where}: squeeze of axes {axes} of ONNX shape {list(shape)}: only axes of size 1 "
            "other than the batch can be squeezed"
        )
    new_shape, layout = lay.squeezed(r.shape, r.layout, axes)
    if not new_shape:
        new_shape, layout = (1,), (0,)
    r.relabel(name, "Squeeze", new_shape, layout)
