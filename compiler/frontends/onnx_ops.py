"""Handlers of the ONNX ops on flat tensors: dense layers, per-feature constants, batch norm,
activations, quantizers, casts and reshapes (see :data:`trigc.compiler.frontends.onnx.HANDLERS`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import UnsupportedModelError
from .layers import ActivationLayer, BatchNormLayer, DenseLayer, Weights
from .onnx_reader import OnnxReader, QuantNode, node_attrs, onnx_module, per_column
from .quantizers import ActivationSpec


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
    kernel = r.dense_rows(kernel, where)
    zeros = Weights(np.zeros(kernel.values.shape[1]), True)
    r.layers.append(DenseLayer(name, "MatMul", kernel, zeros))


def add(r: OnnxReader, node: Any, name: str, where: str) -> None:
    b = r.per_feature(node, where)
    last = r.layers[-1] if r.layers else None
    data = next(n for n in node.input if n and n not in r.consts)
    if (
        isinstance(last, DenseLayer)
        and last.cls == "MatMul"
        and last.name == r.src
        and r.uses[data] == 1  # the product is read by this Add only
        and not np.any(last.bias.values)
    ):
        r.layers[-1] = DenseLayer(last.name, "MatMul+Add", last.kernel, b)
        return
    r.layers.append(BatchNormLayer(name, "Add", np.ones_like(b.values), b.values))


def mul(r: OnnxReader, node: Any, name: str, where: str) -> None:
    s = r.per_feature(node, where)
    r.layers.append(BatchNormLayer(name, "Mul", s.values, np.zeros_like(s.values)))


def relu(r: OnnxReader, node: Any, name: str, where: str) -> None:
    r.layers.append(ActivationLayer(name, "Relu", ActivationSpec("relu")))


def batch_normalization(r: OnnxReader, node: Any, name: str, where: str) -> None:
    gamma, beta, mean, var = (r.consts[r.const_input(node, i, where)] for i in (1, 2, 3, 4))
    eps = float(node_attrs(node).get("epsilon", 1e-5))
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
    raise UnsupportedModelError(
        f"{r.path.name}: {where} on activations is a binary activation, not yet supported"
    )


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
    if r.channels_first:
        r.flatten_channels_first(name, "Flatten")


def reshape(r: OnnxReader, node: Any, name: str, where: str) -> None:
    shape = r.consts[r.const_input(node, 1, where)].astype(np.int64).tolist()
    if r.channels_first:
        n = int(np.prod(r.shape))
        if len(shape) != 2 or shape[1] not in (n, -1):
            raise UnsupportedModelError(
                f"{where}: reshape of a [batch, C, *spatial] tensor to {shape}; only "
                f"flattening to [batch, {n}] is supported"
            )
        r.flatten_channels_first(name, "Reshape")
        return
    n = r.features()
    if len(shape) != 2 or shape[1] not in (n, -1):
        raise UnsupportedModelError(
            f"{where}: reshape to {shape} is not a flat [batch, {n}] tensor; only flat "
            "tensors are supported for now"
        )
