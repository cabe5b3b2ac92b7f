"""ONNX graphs built with onnx.helper in the shapes Keras (tf2onnx) and PyTorch exporters
write, and QONNX graphs in the shape Brevitas/QKeras converters write (Quant nodes in the
``qonnx.custom_op.general`` domain)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
QONNX_DOMAIN = "qonnx.custom_op.general"


def _init(name: str, values: np.ndarray) -> onnx.TensorProto:
    return numpy_helper.from_array(np.asarray(values, dtype=np.float32), name)


def _model(nodes, inits, n_in: int, n_out: int, name: str, qonnx: bool = False) -> onnx.ModelProto:
    graph = helper.make_graph(
        nodes,
        name,
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", n_in])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["batch", n_out])],
        inits,
    )
    opsets = [helper.make_opsetid("", OPSET)]
    if qonnx:
        opsets.append(helper.make_opsetid(QONNX_DOMAIN, 1))
    model = helper.make_model(graph, opset_imports=opsets, producer_name="trigc-tests")
    onnx.checker.check_model(model)
    return model


def torch_style_mlp(rng: np.random.Generator, sizes=(16, 8, 4)) -> onnx.ModelProto:
    """What ``torch.onnx.export`` writes for Flatten → Linear → BatchNorm1d → ReLU → Linear:
    Gemm with transB=1 and node names like ``/fc1/Gemm``."""
    n_in, n_hidden, n_out = sizes
    inits = [
        _init("fc1.weight", rng.normal(0, 0.4, (n_hidden, n_in))),
        _init("fc1.bias", rng.normal(0, 0.2, n_hidden)),
        _init("bn.weight", rng.uniform(0.5, 1.5, n_hidden)),
        _init("bn.bias", rng.normal(0, 0.2, n_hidden)),
        _init("bn.running_mean", rng.normal(0, 0.2, n_hidden)),
        _init("bn.running_var", rng.uniform(0.5, 2.0, n_hidden)),
        _init("fc2.weight", rng.normal(0, 0.4, (n_out, n_hidden))),
        _init("fc2.bias", rng.normal(0, 0.2, n_out)),
    ]
    nodes = [
        helper.make_node("Flatten", ["input"], ["/flatten/Flatten_output_0"], "/flatten/Flatten"),
        helper.make_node(
            "Gemm",
            ["/flatten/Flatten_output_0", "fc1.weight", "fc1.bias"],
            ["/fc1/Gemm_output_0"],
            "/fc1/Gemm",
            alpha=1.0,
            beta=1.0,
            transB=1,
        ),
        helper.make_node(
            "BatchNormalization",
            ["/fc1/Gemm_output_0", "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var"],
            ["/bn/BatchNormalization_output_0"],
            "/bn/BatchNormalization",
            epsilon=1e-5,
            momentum=0.9,
        ),
        helper.make_node(
            "Relu", ["/bn/BatchNormalization_output_0"], ["/relu/Relu_output_0"], "/relu/Relu"
        ),
        helper.make_node(
            "Gemm",
            ["/relu/Relu_output_0", "fc2.weight", "fc2.bias"],
            ["output"],
            "/fc2/Gemm",
            alpha=1.0,
            beta=1.0,
            transB=1,
        ),
    ]
    return _model(nodes, inits, n_in, n_out, "main_graph")


def keras_style_mlp(rng: np.random.Generator, sizes=(10, 6, 3)) -> onnx.ModelProto:
    """What tf2onnx writes for a Keras Dense/ReLU/Dense model: MatMul + Add per layer."""
    n_in, n_hidden, n_out = sizes
    inits = [
        _init("dense/MatMul/ReadVariableOp:0", rng.normal(0, 0.4, (n_in, n_hidden))),
        _init("dense/BiasAdd/ReadVariableOp:0", rng.normal(0, 0.2, n_hidden)),
        _init("dense_1/MatMul/ReadVariableOp:0", rng.normal(0, 0.4, (n_hidden, n_out))),
        _init("dense_1/BiasAdd/ReadVariableOp:0", rng.normal(0, 0.2, n_out)),
    ]
    nodes = [
        helper.make_node(
            "MatMul", ["input", "dense/MatMul/ReadVariableOp:0"], ["dense/MatMul:0"], "dense/MatMul"
        ),
        helper.make_node(
            "Add",
            ["dense/MatMul:0", "dense/BiasAdd/ReadVariableOp:0"],
            ["dense/BiasAdd:0"],
            "dense/BiasAdd",
        ),
        helper.make_node("Relu", ["dense/BiasAdd:0"], ["dense/Relu:0"], "dense/Relu"),
        helper.make_node(
            "MatMul",
            ["dense/Relu:0", "dense_1/MatMul/ReadVariableOp:0"],
            ["dense_1/MatMul:0"],
            "dense_1/MatMul",
        ),
        helper.make_node(
            "Add",
            ["dense_1/MatMul:0", "dense_1/BiasAdd/ReadVariableOp:0"],
            ["output"],
            "dense_1/BiasAdd",
        ),
    ]
    return _model(nodes, inits, n_in, n_out, "tf2onnx")


def _quant(
    name: str, x: str, out: str, scale: str, zero: str, bits: str, **attrs
) -> onnx.NodeProto:
    attrs = {"signed": 1, "narrow": 0, "rounding_mode": "ROUND", **attrs}
    return helper.make_node(
        "Quant", [x, scale, zero, bits], [out], name, domain=QONNX_DOMAIN, **attrs
    )


def qonnx_mlp(rng: np.random.Generator, sizes=(12, 8, 4)) -> onnx.ModelProto:
    """A QONNX MLP: Quant(input, 8 bits, scale 2^-4) → Gemm(Quant'd 6-bit weights, narrow;
    BipolarQuant'd second-layer weights) → Relu → Quant(unsigned 6 bits, HALF_UP) → Gemm."""
    n_in, n_hidden, n_out = sizes
    inits = [
        _init("w1", rng.normal(0, 0.5, (n_in, n_hidden))),
        _init("b1", rng.normal(0, 0.5, n_hidden)),
        _init("w2", rng.normal(0, 0.5, (n_hidden, n_out))),
        _init("b2", rng.integers(-8, 8, n_out) / 8),
        _init("s_in", np.array(2.0**-4)),
        _init("s_w", np.array(2.0**-4)),
        _init("s_b", np.array(2.0**-3)),
        _init("s_act", np.array(2.0**-3)),
        _init("s_bip", np.array(2.0**-2)),
        _init("zero", np.array(0.0)),
        _init("bits8", np.array(8.0)),
        _init("bits6", np.array(6.0)),
    ]
    nodes = [
        _quant("Quant_in", "input", "x_q", "s_in", "zero", "bits8"),
        _quant("Quant_w1", "w1", "w1_q", "s_w", "zero", "bits6", narrow=1),
        _quant("Quant_b1", "b1", "b1_q", "s_b", "zero", "bits8"),
        helper.make_node("Gemm", ["x_q", "w1_q", "b1_q"], ["h"], "Gemm_0"),
        helper.make_node("Relu", ["h"], ["h_relu"], "Relu_0"),
        _quant(
            "Quant_act",
            "h_relu",
            "h_q",
            "s_act",
            "zero",
            "bits6",
            signed=0,
            rounding_mode="HALF_UP",
        ),
        helper.make_node(
            "BipolarQuant", ["w2", "s_bip"], ["w2_q"], "BipolarQuant_w2", domain=QONNX_DOMAIN
        ),
        helper.make_node("Gemm", ["h_q", "w2_q", "b2"], ["output"], "Gemm_1"),
    ]
    return _model(nodes, inits, n_in, n_out, "qonnx_mlp", qonnx=True)


def save(model: onnx.ModelProto, path: Path) -> Path:
    onnx.save(model, str(path))
    return path
