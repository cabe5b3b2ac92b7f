"""The model suite, continued: files made by the real exporters, compiled with ``trigc compile
--backend rtl,hls`` and checked with ``trigc verify --json`` exactly as
:mod:`tests.test_model_suite` does (same runner, same assertions).

PyTorch (TorchScript and dynamo exporters), Keras 3's exporter on TensorFlow and tf2onnx
itself, Brevitas (QONNX).
Float models have parameters on a 1/16 grid and ``Precision: auto`` (onnxruntime exact); the
softmax-headed model runs at hls4ml's default ``fixed<16,6>``, its reference is information only
and the C simulation and the RTL must still equal the IR on every vector.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.compiler.frontends import export_models as em
from tests.test_model_suite import AUTO_CONFIG, Model, Outcome, check_bit_exact, run_suite

pytestmark = [
    pytest.mark.slow,
    pytest.mark.sim,
    pytest.mark.filterwarnings(
        "ignore::DeprecationWarning", "ignore::FutureWarning", "ignore::UserWarning"
    ),
]
TORCH = [f"{m}_{e}" for m in em.TORCH_MODELS for e in ("torchscript", "dynamo")]
TWO_HEADS = ["two_heads_torchscript", "two_heads_dynamo"]  # two inputs, two outputs
SUITE = [
    *TORCH,
    *TWO_HEADS,
    "keras_tf_cnn",
    "tf2onnx_cnn",
    "brevitas_mlp",
    "brevitas_binary",
    "torch_softmax_head",
]
APPROXIMATE = {"torch_softmax_head"}


def _softmax_head(d: Path) -> Path:
    import torch

    nn = torch.nn
    torch.manual_seed(5)
    model = nn.Sequential(nn.Linear(10, 8), nn.ReLU(), nn.Linear(8, 4), nn.Softmax(dim=1)).eval()
    path = d / "torch_softmax_head.onnx"
    torch.onnx.export(
        model,
        (torch.zeros(2, 10),),
        str(path),
        dynamo=False,
        input_names=["x"],
        output_names=["y"],
        dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}},
    )
    return path


def _models(d: Path) -> dict[str, Model]:
    auto = d / "auto.yml"
    auto.write_text(AUTO_CONFIG)
    exact = ["--config", str(auto), "--input-type", "fixed<8,3>"]
    models = {}
    for name in em.TORCH_MODELS:
        for dynamo in (False, True):
            path = em.torch_export(name, d, dynamo)
            models[path.stem] = Model(path, exact)
    for dynamo in (False, True):
        path = em.torch_two_heads(d, dynamo)
        models[path.stem] = Model(path, exact)
    models["keras_tf_cnn"] = Model(em.keras_tf_export(d), exact)
    models["tf2onnx_cnn"] = Model(em.tf2onnx_export(d), exact)
    models["brevitas_mlp"] = Model(em.brevitas_export("mlp", d))
    models["brevitas_binary"] = Model(em.brevitas_export("binary", d))
    models["torch_softmax_head"] = Model(_softmax_head(d), ["--input-type", "fixed<8,3>"])
    assert sorted(models) == sorted(SUITE)
    return models


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory) -> dict[str, Outcome]:
    d = tmp_path_factory.mktemp("exports")
    return run_suite(_models(d), SUITE, d)


@pytest.mark.parametrize("name", SUITE)
def test_export_compiles_to_rtl_and_hls_and_verifies_bit_exactly(outcomes, name):
    check_bit_exact(name, outcomes[name], ("onnx",) if name in APPROXIMATE else ())
