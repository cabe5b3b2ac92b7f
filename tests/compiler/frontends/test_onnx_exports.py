"""ONNX files as the real exporters write them (PyTorch TorchScript and dynamo, Keras 3 on
TensorFlow via tf2onnx, Brevitas QONNX): transposes, unsqueezes, grouped convolutions, pads,
static shape arithmetic, Clip, LeakyReLU, BipolarQuant on activations.  Each is read and its IR
compared with onnxruntime (or QONNX's executor) on every vector, as integers."""

from __future__ import annotations

import numpy as np
import pytest

from tests.compiler.frontends import export_models as em
from trigc.compiler.frontends.config.precision import config_from_dict
from trigc.compiler.frontends.layers.builder import FrontendOptions
from trigc.compiler.frontends.onnx.frontend import from_onnx
from trigc.compiler.frontends.onnx.reference import onnx_runner
from trigc.compiler.ir.executor import run_int
from trigc.compiler.ir.fixed import FixedType
from trigc.compiler.pipeline import run_pipeline
from trigc.compiler.vectors.stimuli import make_vectors

pytestmark = [
    pytest.mark.slow,  # imports torch / brevitas / TensorFlow, runs the exporters
    pytest.mark.filterwarnings(
        "ignore::DeprecationWarning", "ignore::FutureWarning", "ignore::UserWarning"
    ),
]
pytest.importorskip("torch")
AUTO = config_from_dict({"Model": {"Precision": "auto"}}, "auto")


def _ir_equals_reference(path, options=None, n=3000):
    """The IR's outputs and the reference's, both as integers on the output grid."""
    graph, approximated = from_onnx(path, options)
    graph, _ = run_pipeline(graph)
    x, _ = make_vectors(graph, n, 0)
    y_ir = run_int(graph, x)[graph.outputs[0]]
    y_ref = onnx_runner(path)(graph.inputs[0].output.type.to_float(x).astype(np.float32))
    frac = graph.tensor(graph.outputs[0]).type.frac
    scaled = np.ldexp(np.asarray(y_ref, np.float64).reshape(y_ir.shape), frac)
    assert np.array_equal(scaled, np.round(scaled)), "the reference is off the output grid"
    return graph, approximated, y_ir, scaled.astype(np.int64)


@pytest.mark.parametrize("dynamo", [False, True], ids=["torchscript", "dynamo"])
@pytest.mark.parametrize("name", em.TORCH_MODELS)
def test_pytorch_export_equals_onnxruntime(tmp_path, name, dynamo):
    path = em.torch_export(name, tmp_path, dynamo)
    graph, approximated, y_ir, y_ref = _ir_equals_reference(
        path, FrontendOptions(FixedType(8, 3), precision=AUTO)
    )
    assert approximated == []
    assert np.array_equal(y_ir, y_ref)
    moves = [n for n in graph.nodes if n.op == "rearrange"]
    # Layouts are relabelled; data moves only where ONNX's order cannot be relabelled (a
    # Linear's output viewed as [batch, C, L] for a Conv1d).
    assert len(moves) == (1 if name == "view_conv1d" else 0)


def test_grouped_convolution_is_block_diagonal(tmp_path):
    """groups=2 over 2 → 4 channels: output channels 0-1 read input channel 0 only."""
    path = em.torch_export("grouped_pad_conv2d", tmp_path, dynamo=False)
    graph, _ = from_onnx(path, FrontendOptions(FixedType(8, 3), precision=AUTO))
    conv = next(n for n in graph.nodes if n.op == "conv")
    w = np.asarray(conv.consts["weight"].values, dtype=np.float64)  # (kh, kw, c_in, c_out)
    assert w.shape == (3, 3, 2, 4)
    assert not w[:, :, 1, :2].any() and not w[:, :, 0, 2:].any()
    padded = [n for n in graph.nodes if n.op == "conv"][2]
    assert padded.attrs["pads"] == [[1, 0], [1, 0]]  # ZeroPad2d((1, 0, 1, 0)) folded in


@pytest.mark.parametrize("exporter", ["keras_export", "tf2onnx"])
def test_keras_tensorflow_export_equals_onnxruntime(tmp_path, exporter):
    """tf2onnx (called by Keras 3's own exporter on TensorFlow, or directly) keeps Keras'
    NHWC input and wraps the convolution in transposes."""
    import onnx

    path = (
        em.keras_tf_export(tmp_path) if exporter == "keras_export" else em.tf2onnx_export(tmp_path)
    )
    ops = [n.op_type for n in onnx.load(str(path)).graph.node]
    assert ops.count("Transpose") >= 2 and "Shape" in ops
    graph, approximated, y_ir, y_ref = _ir_equals_reference(
        path, FrontendOptions(FixedType(8, 3), precision=AUTO)
    )
    assert approximated == [] and np.array_equal(y_ir, y_ref)
    assert graph.inputs[0].output.shape in ((6, 6, 2), (8, 8, 2))  # the model's own NHWC order


@pytest.mark.parametrize("name", ["mlp", "binary"])
def test_brevitas_qonnx_equals_qonnx_executor(tmp_path, name):
    path = em.brevitas_export(name, tmp_path)
    graph, approximated, y_ir, y_ref = _ir_equals_reference(path)
    assert approximated == [] and np.array_equal(y_ir, y_ref)
    if name == "binary":
        assert any(n.op == "binary" for n in graph.nodes)  # BipolarQuant on activations


def test_output_heads_are_tabulated_and_recorded(tmp_path):
    """Softmax, Sigmoid, Tanh and HardSigmoid heads read; the approximation is named."""
    import torch

    nn = torch.nn
    heads = {
        "softmax": nn.Softmax(dim=1),
        "sigmoid": nn.Sigmoid(),
        "tanh": nn.Tanh(),
        "hardsigmoid": nn.Hardsigmoid(),
    }
    for name, head in heads.items():
        torch.manual_seed(3)
        model = nn.Sequential(nn.Linear(6, 4), head).eval()
        path = tmp_path / f"{name}.onnx"
        torch.onnx.export(
            model,
            (torch.zeros(2, 6),),
            str(path),
            dynamo=False,
            input_names=["x"],
            output_names=["y"],
            dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}},
        )
        graph, approximated = from_onnx(path)
        ops = [n.op for n in graph.nodes]
        if name == "hardsigmoid":
            assert ops[-1] == "relu_max"
        else:
            assert ops[-1] == "function" and graph.nodes[-1].attrs["function"] == name
        assert approximated  # the float model at fixed<16,6>: recorded, not hidden
