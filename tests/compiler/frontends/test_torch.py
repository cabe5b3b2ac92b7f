"""ONNX files exported by PyTorch itself (both the TorchScript exporter and the dynamo
exporter, which folds batch norm into the Gemm), compiled and checked against onnxruntime."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from trigc.compiler.backends import BackendOptions
from trigc.compiler.frontends.config.precision import config_from_dict
from trigc.compiler.frontends.layers.builder import FrontendOptions
from trigc.compiler.frontends.onnx.frontend import from_onnx
from trigc.compiler.frontends.onnx.reference import onnx_runner
from trigc.compiler.ir.executor import run_int
from trigc.compiler.ir.fixed import FixedType
from trigc.compiler.pipeline import run_pipeline
from trigc.compiler.project import CompileOptions, compile_project
from trigc.compiler.vectors.stimuli import make_vectors
from trigc.compiler.verify import verify_project

pytestmark = [
    pytest.mark.slow,  # imports torch, exports with torch.onnx
    pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning"),
]
torch = pytest.importorskip("torch")


class Mlp(torch.nn.Module):
    def __init__(self, batchnorm: bool) -> None:
        super().__init__()
        self.fc1 = torch.nn.Linear(12, 8)
        self.bn = torch.nn.BatchNorm1d(8) if batchnorm else torch.nn.Identity()
        self.relu = torch.nn.ReLU()
        self.fc2 = torch.nn.Linear(8, 3)

    def forward(self, x):
        return self.fc2(self.relu(self.bn(self.fc1(torch.flatten(x, 1)))))


def _export(model: torch.nn.Module, path: Path, dynamo: bool) -> Path:
    x = torch.zeros(2, 12)
    kwargs = (
        {"dynamic_shapes": ({0: torch.export.Dim("batch")},)}
        if dynamo
        else {"dynamic_axes": {"x": {0: "batch"}, "y": {0: "batch"}}}
    )
    torch.onnx.export(
        model, (x,), str(path), dynamo=dynamo, input_names=["x"], output_names=["y"], **kwargs
    )
    return path


def _dyadic_mlp(seed: int) -> Mlp:
    torch.manual_seed(seed)
    model = Mlp(batchnorm=False).eval()
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.round(p * 16) / 16)
    return model


@pytest.mark.parametrize("dynamo", [False, True], ids=["torchscript", "dynamo"])
def test_exported_dyadic_mlp_equals_onnxruntime(tmp_path, dynamo):
    path = _export(_dyadic_mlp(0), tmp_path / "mlp.onnx", dynamo)
    auto = config_from_dict({"Model": {"Precision": "auto"}})
    graph, approximated = from_onnx(path, FrontendOptions(FixedType(8, 3), precision=auto))
    graph, _ = run_pipeline(graph)
    assert approximated == [] and [n.op for n in graph.nodes] == ["input", "dense", "relu", "dense"]
    x, _ = make_vectors(graph, 3000, 0)
    y = onnx_runner(path)(graph.inputs[0].output.type.to_float(x).astype(np.float32))
    scaled = np.ldexp(np.asarray(y, np.float64), graph.tensor(graph.outputs[0]).type.frac)
    assert np.array_equal(scaled, np.round(scaled))
    assert np.array_equal(run_int(graph, x)[graph.outputs[0]], scaled.astype(np.int64))


@pytest.fixture(scope="module")
def batchnorm_project(tmp_path_factory) -> Path:
    """Linear → BatchNorm1d → ReLU → Linear, exported by the TorchScript exporter (which keeps
    the BatchNormalization node), compiled with a configuration to both backends."""
    d = tmp_path_factory.mktemp("torch")
    torch.manual_seed(1)
    model = Mlp(batchnorm=True)
    model.bn.running_mean.uniform_(-0.5, 0.5)
    model.bn.running_var.uniform_(0.5, 2.0)
    path = _export(model.eval(), d / "bn_mlp.onnx", dynamo=False)
    options = CompileOptions(
        backends=("rtl", "hls"),
        input_type=FixedType(10, 2),
        backend=BackendOptions(project_name="bn_mlp"),
        precision=config_from_dict({"Model": {"Precision": "fixed<16,6,RND,SAT>"}}),
    )
    return compile_project(path, d / "bn_mlp", options)


def _counts(project: Path, only: tuple[str, ...]):
    result = verify_project(project, vectors=2000, representations=only, protocol_sims=())
    assert result.ok
    return {c.name: (c.identical, c.total, c.informative) for c in result.comparisons}


def test_exported_batchnorm_model_verifies_in_csim(batchnorm_project):
    counts = _counts(batchnorm_project, ("onnx", "hls"))
    assert counts["hls-csim"] == (2000, 2000, False)
    assert counts["onnx"][2] is True  # the float model is reported, not compared bit for bit


@pytest.mark.sim
def test_exported_batchnorm_model_verifies_in_rtl(batchnorm_project):
    assert _counts(batchnorm_project, ("rtl",)) == {"rtl": (2000, 2000, False)}


class Cnn(torch.nn.Module):
    """Conv (Keras-'same' padding) → ReLU → MaxPool → Conv (stride 1, no padding) → ReLU →
    AvgPool → Flatten → Linear, in 1-D or 2-D."""

    def __init__(self, dim: int, length: int) -> None:
        super().__init__()
        nn = torch.nn
        conv, maxpool, avgpool = {
            1: (nn.Conv1d, nn.MaxPool1d, nn.AvgPool1d),
            2: (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d),
        }[dim]
        self.features = nn.Sequential(
            conv(2, 4, 3, padding=1), nn.ReLU(), maxpool(2), conv(4, 3, 2), nn.ReLU(), avgpool(2)
        )
        n = self.features(torch.zeros(1, 2, *([length] * dim))).numel()
        self.fc = nn.Linear(n, 3)

    def forward(self, x):
        return self.fc(torch.flatten(self.features(x), 1))


@pytest.mark.parametrize(("dim", "length"), [(1, 14), (2, 6)], ids=["conv1d", "conv2d"])
def test_exported_cnn_equals_onnxruntime(tmp_path, dim, length):
    """PyTorch's NCHW model read channels last: convolution kernels transposed, the Linear's
    rows reordered for the IR's flattening; bit for bit equal to onnxruntime."""
    torch.manual_seed(dim)
    model = Cnn(dim, length).eval()
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.round(p * 8) / 8)
    shape = (1, 2, *([length] * dim))
    path = tmp_path / "cnn.onnx"
    torch.onnx.export(
        model,
        (torch.zeros(shape),),
        str(path),
        dynamo=False,
        input_names=["x"],
        output_names=["y"],
        dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}},
    )
    auto = config_from_dict({"Model": {"Precision": "auto"}})
    graph, approximated = from_onnx(path, FrontendOptions(FixedType(8, 3), precision=auto))
    graph, _ = run_pipeline(graph)
    assert approximated == []
    assert graph.inputs[0].output.shape == (*([length] * dim), 2)
    ops = [n.op for n in graph.nodes]
    assert ops == ["input", "conv", "relu", "max_pool", "conv", "relu", "avg_pool", "reshape"] + [
        "dense"
    ]
    x, _ = make_vectors(graph, 3000, 0)
    y = onnx_runner(path)(graph.inputs[0].output.type.to_float(x).astype(np.float32))
    scaled = np.ldexp(np.asarray(y, np.float64), graph.tensor(graph.outputs[0]).type.frac)
    assert np.array_equal(scaled, np.round(scaled))
    assert np.array_equal(run_int(graph, x)[graph.outputs[0]], scaled.astype(np.int64))
