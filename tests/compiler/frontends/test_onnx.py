"""ONNX / QONNX frontend: exactness against onnxruntime and the QONNX executor, Quant types,
and refusals that name the node and its op type.  The graphs are built in the tests, in the
shapes the Keras (tf2onnx) and PyTorch exporters write (onnx_models.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from onnx import helper, numpy_helper

from tests.compiler.frontends import onnx_models as om
from trigc.compiler.errors import InexactError, UnsupportedModelError
from trigc.compiler.frontends.config.precision import config_from_dict
from trigc.compiler.frontends.layers.builder import FrontendOptions
from trigc.compiler.frontends.onnx.frontend import from_onnx
from trigc.compiler.frontends.onnx.reference import onnx_runner
from trigc.compiler.ir.executor import run_int
from trigc.compiler.ir.fixed import FixedType
from trigc.compiler.pipeline import run_pipeline
from trigc.compiler.vectors.stimuli import make_vectors

AUTO = config_from_dict({"Model": {"Precision": "auto"}})


def _ir_and_reference(path: Path, options: FrontendOptions | None = None, n: int = 3000):
    graph, approximated = from_onnx(path, options)
    graph, _ = run_pipeline(graph)
    x, _ = make_vectors(graph, n, 0)
    y_ir = run_int(graph, x)[graph.outputs[0]]
    y_ref = onnx_runner(path)(graph.inputs[0].output.type.to_float(x).astype(np.float32))
    out_t = graph.tensor(graph.outputs[0]).type
    return graph, approximated, y_ir, np.ldexp(np.asarray(y_ref, np.float64), out_t.frac)


def _on_grid(model, scale: int):
    """Round every initializer to a multiple of 1/scale (so float weights are exact)."""
    for init in model.graph.initializer:
        values = np.frombuffer(init.raw_data, np.float32).copy()
        init.raw_data = (np.round(values * scale) / scale).astype(np.float32).tobytes()
    return model


def test_qonnx_equals_qonnx_executor_bit_for_bit(tmp_path):
    path = om.save(om.qonnx_mlp(np.random.default_rng(0)), tmp_path / "q.onnx")
    graph, approximated, y_ir, y_ref = _ir_and_reference(path)
    assert approximated == []
    nodes = {n.name: n for n in graph.nodes}
    assert nodes["model_input"].output.type == FixedType(8, 4, True, "RND_CONV", "SAT")
    assert nodes["Gemm_0"].consts["weight"].type == FixedType(6, 2)
    assert nodes["Gemm_1"].consts["weight"].type == FixedType(2, 0)  # bipolar ±1/4
    assert set(np.unique(nodes["Gemm_1"].consts["weight"].values)) == {-1, 1}
    assert nodes["Quant_act"].output.type == FixedType(6, 3, False, "RND_INF", "SAT")
    assert np.array_equal(y_ref, np.round(y_ref))
    assert np.array_equal(y_ir, y_ref.astype(np.int64))


@pytest.mark.parametrize("build", [om.torch_style_mlp, om.keras_style_mlp])
def test_float_model_with_weights_on_grid_is_exact(build, tmp_path):
    """With 'auto' results, a float model whose weights are fixed-point numbers is exact."""
    model = _on_grid(build(np.random.default_rng(1)), 16)
    if build is om.torch_style_mlp:  # batch norm with power-of-two scales
        inits = {i.name: i for i in model.graph.initializer}
        for name, values in (("bn.weight", 1.0), ("bn.running_var", 4.0 - 1e-5)):
            n = len(np.frombuffer(inits[name].raw_data, np.float32))
            inits[name].raw_data = np.full(n, values, np.float32).tobytes()
    path = om.save(model, tmp_path / "f.onnx")
    options = FrontendOptions(input_type=FixedType(8, 3), precision=AUTO)
    if build is om.torch_style_mlp:
        # gamma/sqrt(var+eps) = 0.5 only up to float rounding: not a fixed-point number
        with pytest.raises(InexactError, match="BatchNormalization"):
            from_onnx(path, options)
        return
    graph, approximated, y_ir, y_ref = _ir_and_reference(path, options)
    assert approximated == []
    assert np.array_equal(y_ir, y_ref.astype(np.int64))


def test_float_model_takes_config_precision(tmp_path):
    path = om.save(om.torch_style_mlp(np.random.default_rng(2)), tmp_path / "t.onnx")
    cfg = config_from_dict(
        {
            "Model": {"Precision": "fixed<16,6>"},
            "LayerName": {
                "/fc1/Gemm": {"Precision": {"weight": "fixed<10,2,RND,SAT>"}},
                "/bn/BatchNormalization": {"Precision": {"result": "fixed<14,5,RND,SAT>"}},
            },
        }
    )
    graph, approximated, y_ir, y_ref = _ir_and_reference(
        path, FrontendOptions(input_type=FixedType(10, 1), precision=cfg)
    )
    nodes = {n.name: n for n in graph.nodes}
    assert [n.op for n in graph.nodes] == ["input", "dense", "relu", "dense"]
    assert nodes["_fc1_Gemm"].origin == "/fc1/Gemm + /bn/BatchNormalization"
    assert nodes["_fc1_Gemm"].consts["weight"].type == FixedType(10, 2, True, "RND", "SAT")
    assert nodes["_fc1_Gemm"].output.type == FixedType(14, 5, True, "RND", "SAT")
    assert nodes["_fc2_Gemm"].output.type == FixedType(16, 6)
    assert approximated == ["/bn/BatchNormalization", "/fc1/Gemm", "/fc2/Gemm"]
    # not bit-exact by construction, but close: weights rounded at 2^-8, results at 2^-10
    assert 0 < np.max(np.abs(y_ir - y_ref)) * 2.0**-10 < 0.1


def test_default_precision_for_float_models(tmp_path):
    path = om.save(om.keras_style_mlp(np.random.default_rng(3)), tmp_path / "k.onnx")
    graph, approximated = from_onnx(path)
    assert graph.inputs[0].output.type == FixedType(16, 6)
    assert graph.nodes[1].consts["weight"].type == FixedType(16, 6)
    assert graph.nodes[1].origin == "dense/MatMul"  # MatMul + Add became one dense layer
    assert approximated == ["dense/MatMul", "dense_1/MatMul"]


def _quant_model(tmp_path, **attrs):
    inits = [
        om._init("w", np.eye(4) / 2),
        om._init("s", np.array(attrs.pop("scale", 2.0**-3))),
        om._init("z", np.array(attrs.pop("zero", 0.0))),
        om._init("b", np.array(6.0)),
    ]
    nodes = [
        helper.make_node("MatMul", ["input", "w"], ["h"], "mm"),
        om._quant("q_out", "h", "output", "s", "z", "b", **attrs),
    ]
    return om.save(om._model(nodes, inits, 4, 4, "q", qonnx=True), tmp_path / "q.onnx")


@pytest.mark.parametrize(
    ("attrs", "expected"),
    [
        ({}, FixedType(6, 3, True, "RND_CONV", "SAT")),
        ({"narrow": 1}, FixedType(6, 3, True, "RND_CONV", "SAT_SYM")),
        ({"signed": 0, "rounding_mode": "FLOOR"}, FixedType(6, 3, False, "TRN", "SAT")),
        ({"rounding_mode": "DOWN"}, FixedType(6, 3, True, "TRN_ZERO", "SAT")),
        ({"rounding_mode": "HALF_DOWN", "scale": 0.5}, FixedType(6, 5, True, "RND_ZERO", "SAT")),
    ],
)
def test_quant_types(tmp_path, attrs, expected):
    graph, _ = from_onnx(_quant_model(tmp_path, **attrs))
    assert graph.nodes[-1].op == "requantize"
    assert graph.nodes[-1].output.type == expected


@pytest.mark.parametrize(
    ("attrs", "error", "match"),
    [
        ({"scale": 0.3}, InexactError, r"'q_out' \(Quant\): scale \[0.3.*power of two"),
        ({"zero": 1.0}, UnsupportedModelError, r"'q_out' \(Quant\): zero point"),
        ({"rounding_mode": "CEIL"}, UnsupportedModelError, "'CEIL' has no ap_fixed"),
        ({"signed": 0, "narrow": 1}, UnsupportedModelError, "unsigned narrow"),
    ],
)
def test_quant_refusals(tmp_path, attrs, error, match):
    with pytest.raises(error, match=match):
        from_onnx(_quant_model(tmp_path, **attrs))


def test_unsupported_op_is_named(tmp_path):
    inits = [om._init("w", np.ones((4, 4)))]
    nodes = [
        helper.make_node("MatMul", ["input", "w"], ["h"], "mm"),
        helper.make_node("Elu", ["h"], ["output"], "/act/Elu"),
    ]
    path = om.save(om._model(nodes, inits, 4, 4, "s"), tmp_path / "s.onnx")
    with pytest.raises(
        UnsupportedModelError, match=r"node '/act/Elu' \(Elu\) is not supported.*Gemm"
    ):
        from_onnx(path)


def test_unmergeable_tensors_are_refused(tmp_path):
    inits = [om._init("w", np.ones((4, 4))), om._init("w3", np.ones((4, 3)))]
    nodes = [
        helper.make_node("MatMul", ["input", "w3"], ["h"], "mm"),
        helper.make_node("Add", ["h", "input"], ["output"], "skip"),
    ]
    path = om.save(om._model(nodes, inits, 4, 4, "r"), tmp_path / "r.onnx")
    with pytest.raises(UnsupportedModelError, match=r"'skip' \(Add\) reads tensors of IR"):
        from_onnx(path)
    nodes[1] = helper.make_node("Max", ["h", "input"], ["output"], "max2")
    path = om.save(om._model(nodes, inits, 4, 4, "m"), tmp_path / "m.onnx")
    with pytest.raises(UnsupportedModelError, match=r"'max2' \(Max\) reads several tensors"):
        from_onnx(path)


def test_input_with_more_axes_must_be_flattened_first(tmp_path):
    shape = numpy_helper.from_array(np.array([-1, 6], dtype=np.int64), "shape")
    inits = [om._init("w", np.eye(6) / 4), shape]
    graph_in = [helper.make_tensor_value_info("input", 1, ["batch", 2, 3])]
    out = [helper.make_tensor_value_info("output", 1, ["batch", 6])]

    def save(nodes, name):
        g = helper.make_graph(nodes, name, graph_in, out, inits)
        model = helper.make_model(g, opset_imports=[helper.make_opsetid("", om.OPSET)])
        return om.save(model, tmp_path / f"{name}.onnx")

    flat = helper.make_node("Reshape", ["input", "shape"], ["x"], "flat")
    mm = helper.make_node("MatMul", ["x", "w"], ["output"], "mm")
    path = save([flat, mm], "ok")
    graph, _, y_ir, y_ref = _ir_and_reference(path, FrontendOptions(precision=AUTO))
    assert graph.inputs[0].output.shape == (6,)
    assert np.array_equal(y_ir, y_ref.astype(np.int64))  # the reference gets [batch, 2, 3]
    # Not flattened first: a MatMul multiplies over the last axis, which has 3 elements.
    relu = helper.make_node("Relu", ["input"], ["x"], "relu_first")
    with pytest.raises(
        UnsupportedModelError,
        match=r"'mm' \(MatMul\) multiplies a tensor of ONNX shape \[2, 3\] by a \[6, 6\]",
    ):
        from_onnx(save([relu, mm], "bad"))


def test_bias_and_scale_constants_of_any_broadcast_shape(tmp_path):
    inits = [
        om._init("w", np.eye(4) / 2),
        om._init("b", np.array([[0.25, -0.5, 0.0, 1.0]])),  # shape (1, 4)
        om._init("s", np.array(0.5)),  # a scalar
        om._init("bad", np.ones(3)),
    ]
    nodes = [
        helper.make_node("Gemm", ["input", "w", "b"], ["h"], "gemm"),
        helper.make_node("Mul", ["h", "s"], ["output"], "mul"),
    ]
    path = om.save(om._model(nodes, inits, 4, 4, "bc"), tmp_path / "bc.onnx")
    graph, _, y_ir, y_ref = _ir_and_reference(
        path, FrontendOptions(FixedType(8, 3), precision=AUTO)
    )
    assert np.array_equal(y_ir, y_ref.astype(np.int64))
    nodes[1] = helper.make_node("Mul", ["h", "bad"], ["output"], "mul")
    path = om.save(om._model(nodes, inits, 4, 4, "bad"), tmp_path / "bad.onnx")
    with pytest.raises(
        UnsupportedModelError, match=r"'mul' \(Mul\): constant of shape \[3\] does not broadcast"
    ):
        from_onnx(path)


def _window_model(tmp_path: Path, node, n_out: int = 12) -> Path:
    """input [batch, 2, 4, 4] → node → Flatten → MatMul."""
    inits = [om._init("k", np.ones((3, 2, 3, 3)) / 8), om._init("w", np.ones((n_out, 3)) / 4)]
    nodes = [
        node,
        helper.make_node("Flatten", ["h"], ["f"], "flat"),
        helper.make_node("MatMul", ["f", "w"], ["output"], "mm"),
    ]
    g = helper.make_graph(
        nodes,
        "win",
        [helper.make_tensor_value_info("input", 1, ["batch", 2, 4, 4])],
        [helper.make_tensor_value_info("output", 1, ["batch", 3])],
        inits,
    )
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", om.OPSET)])
    return om.save(model, tmp_path / f"{node.name}.onnx")


@pytest.mark.parametrize(
    ("node", "match"),
    [
        (
            helper.make_node("Conv", ["input", "k"], ["h"], "dil", dilations=[2, 2]),
            r"'dil' \(Conv\): dilated",
        ),
        (
            helper.make_node("Conv", ["input", "k"], ["h"], "grp", group=3),
            r"'grp' \(Conv\): 3 groups do not divide 2 input",
        ),
        (
            helper.make_node("MaxPool", ["input"], ["h"], "mpp", kernel_shape=[2, 2], pads=[1] * 4),
            r"'mpp' \(MaxPool\): padded pooling",
        ),
        (
            helper.make_node("AveragePool", ["input"], ["h"], "ap6", kernel_shape=[3, 2]),
            r"'ap6' \(AveragePool\): the average of 6 elements",
        ),
    ],
)
def test_window_op_refusals_name_the_node(tmp_path, node, match):
    with pytest.raises(UnsupportedModelError, match=match):
        from_onnx(_window_model(tmp_path, node), FrontendOptions(precision=AUTO))


def test_conv_on_channels_first_input_equals_onnxruntime(tmp_path):
    """A hand-built Conv (Keras' 'same' pads at stride 2: one after, none before) → Flatten →
    MatMul: the kernel is transposed to channels last and the MatMul rows follow the IR's
    flattening order."""
    rng = np.random.default_rng(3)
    conv = helper.make_node(
        "Conv", ["input", "k", "b"], ["h"], "conv", pads=[0, 0, 1, 1], strides=[2, 2]
    )
    path = _window_model(tmp_path, conv)
    model = __import__("onnx").load(str(path))
    model.graph.initializer.extend([om._init("b", np.array([0.25, -0.5, 0.125]))])
    for init in model.graph.initializer:
        if init.name in ("k", "w"):
            shape = numpy_helper.to_array(init).shape
            values = np.round(rng.normal(0, 0.5, shape) * 8) / 8
            init.CopyFrom(om._init(init.name, values))
    path = om.save(model, tmp_path / "conv_ok.onnx")
    graph, _, y_ir, y_ref = _ir_and_reference(
        path, FrontendOptions(FixedType(8, 3), precision=AUTO)
    )
    assert graph.inputs[0].output.shape == (4, 4, 2)
    assert [n.op for n in graph.nodes] == ["input", "conv", "reshape", "dense"]
    assert np.array_equal(y_ref, np.round(y_ref))
    assert np.array_equal(y_ir, y_ref.astype(np.int64))


def test_residual_merges_and_concat_equal_onnxruntime(tmp_path):
    """Branches: a residual Add of a MatMul's product (read twice, so its bias Add is not
    folded into it), Sub and Mul of two tensors, a Concat; IR = onnxruntime bit for bit."""
    rng = np.random.default_rng(9)
    inits = [
        om._init(n, np.round(rng.normal(0, 0.5, shape) * 4) / 4)
        for n, shape in [("w1", (6, 6)), ("b1", (6,)), ("w2", (6, 6)), ("w3", (18, 2))]
    ]
    nodes = [
        helper.make_node("MatMul", ["input", "w1"], ["h"], "mm1"),
        helper.make_node("Add", ["h", "b1"], ["hb"], "bias1"),
        helper.make_node("Relu", ["hb"], ["r"], "relu1"),
        helper.make_node("Add", ["r", "input"], ["res"], "residual"),
        helper.make_node("MatMul", ["res", "w2"], ["g"], "mm2"),
        helper.make_node("Sub", ["g", "h"], ["d"], "sub"),
        helper.make_node("Mul", ["d", "r"], ["m"], "mul"),
        helper.make_node("Concat", ["m", "res", "h"], ["c"], "cat", axis=1),
        helper.make_node("MatMul", ["c", "w3"], ["output"], "mm3"),
    ]
    path = om.save(om._model(nodes, inits, 6, 2, "branches"), tmp_path / "branches.onnx")
    graph, _, y_ir, y_ref = _ir_and_reference(
        path, FrontendOptions(FixedType(5, 2), precision=AUTO)
    )
    ops = [n.op for n in graph.nodes]
    for op in ("add", "subtract", "multiply", "concatenate"):
        assert op in ops, op
    assert np.array_equal(y_ref, np.round(y_ref))
    assert np.array_equal(y_ir, y_ref.astype(np.int64))
