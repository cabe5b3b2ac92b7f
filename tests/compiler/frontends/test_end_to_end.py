"""Each input format, compiled and verified: the model's own framework (where it is exact),
the IR executor, the hls4ml C simulation and the RTL agree bit for bit.

One project per format (module-scoped); the C simulation compiles once per project (10-20 s),
the RTL simulation builds once per project.  The protocol tests of the RTL are the RTL
backend's (tests/compiler/backends, tests/sim) and are not repeated here.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.compiler.frontends import legacy_keras_files as lk
from tests.compiler.frontends import onnx_models as om
from tests.compiler.frontends.test_keras_legacy import N_IN, qkeras_layers
from trigc.compiler.backends import BackendOptions
from trigc.compiler.frontends.config.precision import config_from_dict
from trigc.compiler.ir.fixed import FixedType
from trigc.compiler.project import CompileOptions, compile_project
from trigc.compiler.verify import verify_project

pytestmark = pytest.mark.slow
VECTORS = 2000


def _compile(model: Path, out: Path, backends, weights=None, **options) -> Path:
    opts = CompileOptions(
        backends=backends, backend=BackendOptions(project_name=out.name), **options
    )
    return compile_project(model, out, opts, weights=weights)


@pytest.fixture(scope="module")
def projects(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("formats")
    layers = qkeras_layers(seed=4)
    h5 = lk.write_h5(d / "legacy.h5", lk.sequential_config("legacy", N_IN, layers), layers)
    js, w = lk.write_json_and_weights(
        d / "legacy.json", d / "legacy_w.h5", lk.sequential_config("lj", N_IN, layers), layers
    )
    qonnx = om.save(om.qonnx_mlp(np.random.default_rng(5)), d / "qonnx.onnx")
    torch = om.save(om.torch_style_mlp(np.random.default_rng(6)), d / "torch.onnx")
    keras_onnx = om.save(om.keras_style_mlp(np.random.default_rng(7)), d / "keras.onnx")
    cfg = config_from_dict(
        {
            "Model": {"Precision": "fixed<16,6,RND,SAT>"},
            "LayerName": {"/fc1/Gemm": {"Precision": {"weight": "fixed<10,2,RND,SAT>"}}},
        }
    )
    from trigc.compiler.frontends.layers.keras_import import import_keras

    keras = import_keras()
    keras.utils.set_random_seed(8)
    float_keras = keras.Sequential(
        [
            keras.Input((6,)),
            keras.layers.Dense(5, activation="relu", name="fc1"),
            keras.layers.Dense(2, name="fc2"),
        ],
        name="float_keras",
    )
    float_keras.save(d / "float.keras")
    both = ("rtl", "hls")
    return {
        "legacy_h5": _compile(h5, d / "legacy_h5", both),
        "legacy_json": _compile(js, d / "legacy_json", both, weights=w),
        "qonnx": _compile(qonnx, d / "qonnx", both),
        "torch": _compile(
            torch, d / "torch", ("hls",), precision=cfg, input_type=FixedType(10, 2, True)
        ),
        # no --config: a float ONNX model gets fixed<16,6> everywhere (hls4ml's default)
        "keras_onnx": _compile(keras_onnx, d / "keras_onnx", both),
        "float_keras": _compile(
            d / "float.keras",
            d / "float_keras",
            ("hls",),
            precision=cfg,
            input_type=FixedType(8, 2),
        ),
    }


def _verify(project: Path, only: tuple[str, ...]):
    result = verify_project(project, vectors=VECTORS, representations=only, protocol_sims=())
    counts = {c.name: (c.identical, c.total, c.informative) for c in result.comparisons}
    return result, counts


@pytest.mark.parametrize(
    ("name", "reference"),
    [("legacy_h5", "keras"), ("legacy_json", "keras"), ("qonnx", "onnx")],
)
def test_exact_formats_verify_against_reference_and_csim(projects, name, reference):
    result, counts = _verify(projects[name], (reference, "hls"))
    # Keras in float32 rounds some of this model's 28-bit sums: for information only; the
    # reference that decides is the same model in float64.
    float32 = counts.pop("keras-float32", None)
    assert (float32 is not None and float32[2]) == (reference == "keras")
    assert counts == {reference: (VECTORS, VECTORS, False), "hls-csim": (VECTORS, VECTORS, False)}
    assert result.ok


@pytest.mark.sim
# The PyTorch-shaped graph goes through the RTL in test_torch.py, exported by PyTorch itself.
@pytest.mark.parametrize("name", ["legacy_h5", "legacy_json", "qonnx", "keras_onnx"])
def test_rtl_equals_ir(projects, name):
    result, counts = _verify(projects[name], ("rtl",))
    assert counts == {"rtl": (VECTORS, VECTORS, False)}
    assert result.ok


@pytest.mark.parametrize(
    ("name", "reference", "layer"),
    [
        ("torch", "onnx", "/fc1/Gemm"),
        ("keras_onnx", "onnx", "dense/MatMul"),
        ("float_keras", "keras", "fc1"),
    ],
)
def test_float_reference_is_information_only(projects, name, reference, layer):
    result, counts = _verify(projects[name], (reference, "hls"))
    assert counts["hls-csim"] == (VECTORS, VECTORS, False)
    assert counts[reference][2] is True  # float reference: reported, never decides
    assert any("cannot be bit-exact" in n and layer in n for n in result.notes)
    assert result.ok
