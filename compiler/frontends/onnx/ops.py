"""Handlers of the ONNX ops on flat tensors: dense layers, per-feature constants, batch norm,
activations, quantizers, casts and reshapes (see :data:`.frontend.HANDLERS`).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ...errors import UnsupportedModelError
from ..layers.handler import Handler
from ..layers.quantizers import ActivationSpec, leaky_relu_spec
from ..layers.records import ActivationLayer, BatchNormLayer, ConvLayer, DenseLayer, Weights
from . import layout as lay
from .inputs import WINDOWED
from .quant import power_of_two_exponent
from .reader import OnnxNode, OnnxReader, QuantNode, node_attrs, onnx_module, per_column
from .state import OnnxRead, moved


def gemm(node: OnnxNode, r: OnnxReader) -> OnnxRead:
    name, where, t = node.name, node.where, r.tensor
    a = node_attrs(node)
    if a.get("transA", 0) or a.get("alpha", 1.0) != 1.0 or a.get("beta", 1.0) != 1.0:
        raise UnsupportedModelError(f"{where}: only alpha=1, beta=1, transA=0 is supported")
    w = r.weights(r.const_input(node, 1, where))
    kernel = Weights(w.values.T, w.quantized, w.nominal) if a.get("transB", 0) else w
    kernel, after = t.dense_rows(kernel, where)
    n_out = kernel.values.shape[1]
    if len(node.input) > 2 and node.input[2]:
        bias = r.weights(r.const_input(node, 2, where))
        bias = Weights(per_column(bias.values, n_out, where), bias.quantized, bias.nominal)
    else:
        bias = Weights(np.zeros(n_out), True)
    return OnnxRead((DenseLayer(name, "Gemm", kernel, bias),), state=after)


def matmul(node: OnnxNode, r: OnnxReader) -> OnnxRead:
    name, where, t = node.name, node.where, r.tensor
    kernel = r.weights(r.const_input(node, 1, where))
    if kernel.values.ndim != 2:
        raise UnsupportedModelError(f"{where}: the weight must be a matrix")
    spatial = len(t.shape) - 1
    kernel, after = t.dense_rows(kernel, where)
    zeros = Weights(np.zeros(kernel.values.shape[1]), True)
    if spatial == 0:
        return OnnxRead((DenseLayer(name, "MatMul", kernel, zeros),), state=after)
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
    conv = ConvLayer(name, "MatMul", pointwise, zeros, (1,) * spatial, "valid")
    return OnnxRead((conv,), state=after)


def add(node: OnnxNode, r: OnnxReader) -> OnnxRead:
    name, where, t = node.name, node.where, r.tensor
    b = r.per_feature(node, where)
    last = r.records[-1] if r.records else None
    data = next(n for n in node.input if n and n not in r.consts)
    if (
        isinstance(last, DenseLayer | ConvLayer)
        and last.cls == "MatMul"
        and last.name == t.source
        and r.uses[data] == 1  # the product is read by this Add only
        and not np.any(last.bias.values)
    ):
        fused = replace(last, cls="MatMul+Add", bias=b)
        return OnnxRead((fused,), replaces_previous=True)
    return OnnxRead.chain(BatchNormLayer(name, "Add", np.ones_like(b.values), b.values))


def mul(node: OnnxNode, r: OnnxReader) -> OnnxRead:
    s = r.per_feature(node, node.where)
    return OnnxRead.chain(BatchNormLayer(node.name, "Mul", s.values, np.zeros_like(s.values)))


def sub(node: OnnxNode, r: OnnxReader) -> OnnxRead:
    """``x - c`` or ``c - x`` for a constant ``c`` (one value per channel)."""
    name, where = node.name, node.where
    c = r.per_feature(node, where).values
    if node.input[0] in r.consts:  # c - x
        return OnnxRead.chain(BatchNormLayer(name, "Sub", -np.ones_like(c), c))
    return OnnxRead.chain(BatchNormLayer(name, "Sub", np.ones_like(c), -c))


def div(node: OnnxNode, r: OnnxReader) -> OnnxRead:
    """``x / c`` for a constant ``c`` (one non-zero value per channel)."""
    name, where = node.name, node.where
    if node.input[0] in r.consts:
        raise UnsupportedModelError(f"{where}: division by a tensor is not supported")
    c = r.per_feature(node, where).values
    if not np.all(c != 0):
        raise UnsupportedModelError(f"{where}: division by zero")
    return OnnxRead.chain(BatchNormLayer(name, "Div", 1.0 / c, np.zeros_like(c)))


def relu(node: OnnxNode, r: OnnxReader) -> OnnxRead:
    return OnnxRead.chain(ActivationLayer(node.name, "Relu", ActivationSpec("relu")))


def leaky_relu(node: OnnxNode, r: OnnxReader) -> OnnxRead:
    slope = float(node_attrs(node).get("alpha", 0.01))
    spec = leaky_relu_spec(slope, node.where)
    return OnnxRead.chain(ActivationLayer(node.name, "LeakyRelu", spec))


def _bounds(r: OnnxReader, node: OnnxNode, where: str) -> tuple[float, float]:
    attrs = node_attrs(node)
    lo, hi = float(attrs.get("min", -np.inf)), float(attrs.get("max", np.inf))
    if len(node.input) > 1 and node.input[1]:
        lo = float(r.consts[r.const_input(node, 1, where)].reshape(-1)[0])
    if len(node.input) > 2 and node.input[2]:
        hi = float(r.consts[r.const_input(node, 2, where)].reshape(-1)[0])
    return lo, hi


def clip(node: OnnxNode, r: OnnxReader) -> OnnxRead:
    """``Clip(0, max)``: ReLU (no max) or ReLU6 and friends (a positive whole max)."""
    name, where = node.name, node.where
    lo, hi = _bounds(r, node, where)
    if lo == 0 and hi == np.inf:
        return OnnxRead.chain(ActivationLayer(name, "Clip", ActivationSpec("relu")))
    if lo != 0 or hi != int(hi) or hi < 1:
        raise UnsupportedModelError(
            f"{where}: Clip({lo}, {hi}) is not supported; trigc clips at min 0 and a positive "
            "whole max (ReLU, ReLU6)"
        )
    spec = ActivationSpec("relu_max", max_value=int(hi))
    return OnnxRead.chain(ActivationLayer(name, "Clip", spec))


def hard_sigmoid(node: OnnxNode, r: OnnxReader) -> OnnxRead:
    """``max(0, min(1, alpha * x + beta))``: a per-channel affine, then a clip at 0 and 1."""
    name = node.name
    attrs = node_attrs(node)
    alpha, beta = float(attrs.get("alpha", 0.2)), float(attrs.get("beta", 0.5))
    n = r.tensor.features()
    affine = BatchNormLayer(f"{name}_affine", "HardSigmoid", np.full(n, alpha), np.full(n, beta))
    clipped = ActivationLayer(name, "HardSigmoid", ActivationSpec("relu_max", max_value=1))
    return OnnxRead.chain(affine, clipped)


def function(kind: str) -> Handler:
    """Sigmoid or Tanh: a real-valued function, tabulated as hls4ml does."""

    def handler(node: OnnxNode, r: OnnxReader) -> OnnxRead:
        spec = ActivationSpec("function", function=kind)
        return OnnxRead.chain(ActivationLayer(node.name, node.op_type, spec))

    return handler


def softmax(node: OnnxNode, r: OnnxReader) -> OnnxRead:
    """Softmax over a flat vector (ONNX's axis: the one of the vector's elements)."""
    t, where = r.tensor, node.where
    opset = next((o.version for o in r.model.opset_import if o.domain in ("", "ai.onnx")), 13)
    rank = len(t.layout) + 1
    axis = int(node_attrs(node).get("axis", -1 if opset >= 13 else 1)) % rank
    vector_axis = next((k + 1 for k, a in enumerate(t.layout) if a is not None), 1)
    ok = axis == 1 and all(a is None for a in t.layout[1:]) if opset < 13 else axis == vector_axis
    if len(t.shape) != 1 or not ok:
        raise UnsupportedModelError(
            f"{t.file}: {where} over axis {axis} of ONNX shape {list(t.onnx_shape())}; "
            "trigc computes softmax over a flat vector"
        )
    spec = ActivationSpec("function", function="softmax")
    return OnnxRead.chain(ActivationLayer(node.name, "Softmax", spec))


def batch_normalization(node: OnnxNode, r: OnnxReader) -> OnnxRead:
    t, where = r.tensor, node.where
    gamma, beta, mean, var = (r.consts[r.const_input(node, i, where)] for i in (1, 2, 3, 4))
    eps = float(node_attrs(node).get("epsilon", 1e-5))
    t.feature_axis(1, where)
    gamma, beta, mean, var = (t.take_perm(v.reshape(-1)) for v in (gamma, beta, mean, var))
    return OnnxRead.chain(
        BatchNormLayer.from_statistics(
            node.name, "BatchNormalization", gamma, beta, mean, var, eps, where
        )
    )


def quant(node: OnnxNode, r: OnnxReader) -> OnnxRead:
    for i in (1, 2, 3):
        r.const_input(node, i, node.where)
    t = QuantNode(node.proto, r.consts).fixed_type()
    spec = ActivationSpec("requantize", t)
    return OnnxRead.chain(ActivationLayer(node.name, node.op_type, spec, True))


def bipolar_quant(node: OnnxNode, r: OnnxReader) -> OnnxRead:
    """A binary activation: ``x >= 0 ? +scale : -scale`` for a power-of-two ``scale``."""
    where = node.where
    scale = r.consts[r.const_input(node, 1, where)]
    if scale.size != 1:
        raise UnsupportedModelError(f"{where}: one scale for the whole tensor is supported")
    k = int(power_of_two_exponent(scale, where).reshape(-1)[0])
    spec = ActivationSpec("binary", scale_log2=k)
    return OnnxRead.chain(ActivationLayer(node.name, "BipolarQuant", spec, True))


def identity(node: OnnxNode, r: OnnxReader) -> OnnxRead:
    return OnnxRead()


def cast(node: OnnxNode, r: OnnxReader) -> OnnxRead:
    onnx = onnx_module()
    to = node_attrs(node).get("to")
    floats = (onnx.TensorProto.FLOAT, onnx.TensorProto.DOUBLE)
    if to not in floats:
        target = onnx.TensorProto.DataType.Name(to) if to is not None else "unset"
        raise UnsupportedModelError(
            f"{r.tensor.file}: {node.where} casts to {target}; only casts between float types "
            "(which leave values on the fixed-point grid unchanged) are supported"
        )
    return OnnxRead()


def flatten(node: OnnxNode, r: OnnxReader) -> OnnxRead:
    if node_attrs(node).get("axis", 1) != 1:
        raise UnsupportedModelError(f"{node.where}: only axis=1 is supported")
    return moved([r.tensor.flatten(node.name, "Flatten")])


def reshape(node: OnnxNode, r: OnnxReader) -> OnnxRead:
    t, name, where = r.tensor, node.name, node.where
    target = r.consts[r.const_input(node, 1, where)].astype(np.int64).tolist()
    if t.reads_flattened_input():
        n = int(np.prod(t.onnx_shape()))
        if len(target) != 2 or target[1] not in (n, -1):
            raise UnsupportedModelError(
                f"{where}: reshape of the model's input to {target}; only flattening it to "
                f"[batch, {n}] is supported"
            )
        return OnnxRead()
    current = t.onnx_shape()
    dims = [current[k - 1] if d == 0 and 0 < k <= len(current) else d for k, d in enumerate(target)]
    rest = dims[1:]  # the batch axis stays
    n = int(np.prod(t.shape))
    if -1 in rest:
        known = int(np.prod([d for d in rest if d != -1]))
        rest = [n // known if d == -1 else d for d in rest]
    if int(np.prod(rest)) != n:
        raise UnsupportedModelError(
            f"{where}: cannot reshape ONNX shape {list(current)} to {target}"
        )
    if len(rest) == 1:
        return moved([t.flatten(name, "Reshape")])
    ordered = t.to_onnx_order(f"{name}_order", "Reshape")
    o = ordered[1]
    if o.perm is not None or not lay.is_identity_order(o.shape, o.layout):
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
    return moved([ordered, o.relabel(name, "Reshape", shape, layout)])


def axes_of(r: OnnxReader, node: OnnxNode, where: str) -> list[int] | None:
    """A Squeeze/Unsqueeze's axes: the attribute (opset < 13) or the constant input."""
    attrs = node_attrs(node)
    if "axes" in attrs:
        return [int(a) for a in attrs["axes"]]
    if len(node.input) > 1 and node.input[1]:
        return [int(a) for a in r.consts[r.const_input(node, 1, where)].reshape(-1)]
    return None


def transpose(node: OnnxNode, r: OnnxReader) -> OnnxRead:
    t = r.tensor
    rank = len(t.layout) + 1
    perm = [int(p) for p in node_attrs(node).get("perm", list(range(rank))[::-1])]
    if sorted(perm) != list(range(rank)) or perm[0] != 0:
        raise UnsupportedModelError(
            f"{node.where}: perm {perm} moves the batch axis; trigc transposes the other axes only"
        )
    return OnnxRead(state=t.with_shape(t.shape, lay.transposed(t.layout, perm)))


def unsqueeze(node: OnnxNode, r: OnnxReader) -> OnnxRead:
    t = r.tensor
    axes = axes_of(r, node, node.where)
    rank = len(t.layout) + 1 + len(axes or [])
    if not axes or any(a % rank == 0 for a in axes):
        raise UnsupportedModelError(f"{node.where}: unsqueeze of the batch axis (axes {axes})")
    return OnnxRead(state=t.with_shape(t.shape, lay.unsqueezed(t.layout, axes)))


def squeeze(node: OnnxNode, r: OnnxReader) -> OnnxRead:
    t, where = r.tensor, node.where
    shape = t.onnx_shape()
    axes = axes_of(r, node, where)
    if axes is None:
        axes = [k + 1 for k, d in enumerate(shape) if d == 1]
    rank = len(shape) + 1
    if any(a % rank == 0 or shape[a % rank - 1] != 1 for a in axes):
        raise UnsupportedModelError(
            f"{where}: squeeze of axes {axes} of ONNX shape {list(shape)}: only axes of size 1 "
            "other than the batch can be squeezed"
        )
    new_shape, layout = lay.squeezed(t.shape, t.layout, axes)
    if not new_shape:
        new_shape, layout = (1,), (0,)
    return moved([t.relabel(node.name, "Squeeze", new_shape, layout)])
