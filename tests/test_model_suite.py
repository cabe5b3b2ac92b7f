"""The model suite of trigc: fourteen small models, one per kind users bring, each built here,
compiled with ``trigc compile --backend rtl,hls`` and checked with ``trigc verify --json``.

Every comparison verify makes must be identical on every vector (the model's own framework
where it runs, the hls4ml C simulation and the RTL, each against the IR executor), and the C
simulation and the RTL comparisons must both have been made.  Float ONNX models have weights on
a power-of-two grid and ``Precision: auto``, so onnxruntime is an exact reference as well.

The models are written once per module; the compile+verify runs go through the ``trigc``
console script, two at a time (the C simulation and the Verilator build dominate).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from tests.compiler.frontends import legacy_keras_files as lk
from tests.compiler.frontends import onnx_models as om
from tests.compiler.frontends.test_keras_legacy import N_IN, qkeras_layers

pytestmark = [
    pytest.mark.slow,
    pytest.mark.sim,
    pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning"),
]

VECTORS, CSIM_VECTORS = 2000, 500
TRIGC = [sys.executable, "-c", "from trigc.compiler.cli import main; raise SystemExit(main())"]
SUITE = [
    "dense",
    "pruned_dense",
    "batchnorm",
    "binary",
    "ternary",
    "conv1d",
    "conv2d_pool",
    "onnx_from_keras",
    "onnx_from_pytorch",
    "qonnx",
    "legacy_json_h5",
    "legacy_h5_qkeras",
    "depthwise_separable",
    "depthwise_separable_float",
]
AUTO_CONFIG = "Model:\n  Precision: auto\n"


@dataclass
class Model:
    """A model file and the extra ``trigc compile`` arguments it needs."""

    path: Path
    args: list[str] = field(default_factory=list)


@dataclass
class Outcome:
    project: Path
    compile_rc: int
    compile_log: str
    verify_rc: int | None = None
    verify_log: str = ""
    result: dict | None = None


def _keras_models(d: Path) -> dict[str, Model]:
    import keras
    from qkeras import (
        QActivation,
        QAveragePooling2D,
        QConv1D,
        QConv2D,
        QDense,
        QDepthwiseConv2D,
        QSeparableConv2D,
        binary,
        quantized_bits,
        ternary,
    )
    from qkeras import quantized_relu as qrelu

    def q(bits: int, integer: int):
        return quantized_bits(bits, integer, alpha=1)

    def dense(units: int, name: str, kernel=None):
        return QDense(units, kernel_quantizer=kernel or q(6, 0), bias_quantizer=q(6, 0), name=name)

    conv = dict(kernel_quantizer=q(4, 0), bias_quantizer=q(4, 0))
    L = keras.layers
    inq = dict(name="in_q")
    builds = {
        "dense": lambda: [
            keras.Input((16,)),
            QActivation(q(8, 3), **inq),
            dense(8, "fc1"),
            QActivation(qrelu(6, 2), name="relu1"),
            dense(4, "fc2"),
        ],
        "batchnorm": lambda: [
            keras.Input((N_IN,)),
            QActivation(q(8, 3), **inq),
            dense(8, "fc1"),
            L.BatchNormalization(epsilon=0.0, name="bn"),
            QActivation(qrelu(6, 2), name="relu1"),
            dense(3, "fc2"),
        ],
        "binary": lambda: [
            keras.Input((12,)),
            QActivation(q(8, 3), **inq),
            dense(8, "fc1"),
            QActivation(binary(alpha=1), name="sign"),
            dense(4, "fc2", kernel=binary(alpha=1)),
        ],
        "ternary": lambda: [
            keras.Input((12,)),
            QActivation(q(8, 3), **inq),
            dense(8, "fc1", kernel=ternary(alpha=1)),
            QActivation(qrelu(6, 2), name="relu1"),
            dense(4, "fc2", kernel=ternary(alpha=1)),
        ],
        "conv1d": lambda: [
            keras.Input((16, 2)),
            QActivation(q(6, 2), **inq),
            QConv1D(4, 3, name="c1", **conv),
            QActivation(qrelu(6, 2), name="relu1"),
            L.MaxPooling1D(2, name="mp"),
            L.Flatten(name="flat"),
            dense(3, "out"),
        ],
        "conv2d_pool": lambda: [
            keras.Input((8, 8, 1)),
            QActivation(q(6, 2), **inq),
            QConv2D(4, (3, 3), name="c1", **conv),
            QActivation(qrelu(6, 2), name="relu1"),
            L.MaxPooling2D((2, 2), name="mp"),
            QConv2D(4, (2, 2), name="c2", **conv),
            L.AveragePooling2D((2, 2), name="ap"),
            L.Flatten(name="flat"),
            dense(3, "out"),
        ],
        # zero padding folded into a depthwise convolution (multiplier 2), a separable
        # convolution with 'same' padding, QKeras' average pooling
        "depthwise_separable": lambda: [
            keras.Input((8, 8, 2)),
            QActivation(q(6, 2), **inq),
            L.ZeroPadding2D(((1, 0), (0, 1)), name="zp"),
            QDepthwiseConv2D(
                3,
                depth_multiplier=2,
                depthwise_quantizer=q(4, 0),
                bias_quantizer=q(4, 0),
                name="dw",
            ),
            QActivation(qrelu(6, 2), name="relu1"),
            QSeparableConv2D(
                3,
                3,
                depthwise_quantizer=q(4, 0),
                pointwise_quantizer=q(4, 0),
                bias_quantizer=q(4, 0),
                padding="same",
                name="sep",
            ),
            QActivation(qrelu(6, 2), name="relu2"),
            QAveragePooling2D(2, average_quantizer=q(8, 0), name="qap"),
            L.Flatten(name="flat"),
            dense(3, "out"),
        ],
        "depthwise_separable_float": lambda: [
            keras.Input((16, 3)),
            L.DepthwiseConv1D(3, name="dw1"),
            L.ReLU(name="relu"),
            L.SeparableConv1D(4, 3, name="sep1"),
            L.ZeroPadding1D((2, 1), name="zp1"),
            L.Conv1D(2, 3, name="c"),
            L.Flatten(name="flat"),
            L.Dense(3, name="d"),
        ],
    }
    models = {}
    for k, (name, build) in enumerate(builds.items()):
        keras.utils.set_random_seed(20 + k)
        models[name] = keras.Sequential(build(), name=name)
    # gamma / sqrt(var) and beta - mean * scale on a power-of-two grid (epsilon 0)
    models["batchnorm"].get_layer("bn").set_weights([np.array(v, np.float32) for v in _BN])
    # pruned: the 60% smallest weights of every kernel set to exactly zero
    keras.utils.set_random_seed(19)
    pruned = keras.Sequential(builds["dense"](), name="pruned_dense")
    for layer in pruned.layers:
        if isinstance(layer, QDense):
            kernel, bias = layer.get_weights()
            smallest = np.argsort(np.abs(kernel), axis=None)[: int(np.ceil(0.6 * kernel.size))]
            kernel.flat[smallest] = 0.0
            layer.set_weights([kernel, bias])
    models["pruned_dense"] = pruned
    for layer in models["depthwise_separable_float"].layers:  # on a 1/16 grid: exact
        layer.set_weights([np.round(w * 16) / 16 for w in layer.get_weights()])
    out = {}
    for name, model in models.items():
        model.save(d / f"{name}.keras")
        out[name] = Model(d / f"{name}.keras")
    return out


_BN = [
    [0.5, 1.0, 2.0, 0.25, 1.0, 1.0, 0.5, 2.0],  # gamma
    [0.125, -0.5, 0.0, 1.0, 0.25, 0.0, -0.25, 0.5],  # beta
    [0.25, 0.0, -0.5, 0.0, 0.5, -0.25, 0.0, 0.125],  # moving mean
    [4.0, 1.0, 0.25, 16.0, 1.0, 4.0, 1.0, 0.25],  # moving variance
]

# Keras 3's own ONNX exporter needs the torch backend, chosen before Keras is imported: so in
# a process of its own.  Weights on a 1/16 grid keep onnxruntime exact.
_KERAS_EXPORT = textwrap.dedent(
    """
    import sys
    import numpy as np
    import keras
    keras.utils.set_random_seed(31)
    model = keras.Sequential(
        [keras.Input((10,)), keras.layers.Dense(6, activation="relu", name="fc1"),
         keras.layers.Dense(3, name="fc2")],
        name="keras_export",
    )
    for layer in model.layers:
        layer.set_weights([np.round(w * 16) / 16 for w in layer.get_weights()])
    model(np.zeros((1, 10), np.float32))  # the exporter wants a model that has been called
    model.export(sys.argv[1], format="onnx")
    """
)


def _onnx_from_keras(d: Path) -> Path:
    path = d / "onnx_from_keras.onnx"
    env = {**os.environ, "KERAS_BACKEND": "torch", "TF_CPP_MIN_LOG_LEVEL": "3"}
    run = subprocess.run(
        [sys.executable, "-c", _KERAS_EXPORT, str(path)], env=env, capture_output=True, text=True
    )
    assert run.returncode == 0 and path.is_file(), run.stderr[-3000:]
    return path


def _onnx_from_pytorch(d: Path) -> Path:
    """A PyTorch CNN on an 8x8 image, exported by torch.onnx (NCHW; read channels last):
    Conv2d ('same') → ReLU → MaxPool2d → AvgPool2d → Flatten (2x2x3, reordered) → Linear."""
    import torch

    nn = torch.nn
    torch.manual_seed(32)
    model = nn.Sequential(
        nn.Conv2d(1, 3, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.AvgPool2d(2),
        nn.Flatten(),
        nn.Linear(12, 3),
    ).eval()
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.round(p * 16) / 16)
    path = d / "onnx_from_pytorch.onnx"
    torch.onnx.export(
        model,
        (torch.zeros(2, 1, 8, 8),),
        str(path),
        dynamo=False,
        input_names=["x"],
        output_names=["y"],
        dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}},
    )
    return path


def _all_models(d: Path) -> dict[str, Model]:
    models = _keras_models(d)
    auto = d / "auto.yml"
    auto.write_text(AUTO_CONFIG)
    float_onnx = ["--config", str(auto), "--input-type", "fixed<8,3>"]
    models["depthwise_separable_float"].args.extend(float_onnx)
    models["onnx_from_keras"] = Model(_onnx_from_keras(d), float_onnx)
    models["onnx_from_pytorch"] = Model(_onnx_from_pytorch(d), float_onnx)
    models["qonnx"] = Model(om.save(om.qonnx_mlp(np.random.default_rng(33)), d / "qonnx.onnx"))
    layers = qkeras_layers(seed=34)
    js, w = lk.write_json_and_weights(
        d / "legacy.json", d / "legacy_w.h5", lk.functional_config("lj", N_IN, layers), layers
    )
    models["legacy_json_h5"] = Model(js, ["--weights", str(w)])
    layers = qkeras_layers(seed=35)
    h5 = lk.write_h5(d / "legacy.h5", lk.sequential_config("legacy", N_IN, layers), layers)
    models["legacy_h5_qkeras"] = Model(h5)
    assert sorted(models) == sorted(SUITE)
    return models


def _trigc(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.run([*TRIGC, *args], env=env, capture_output=True, text=True)


def _compile_and_verify(name: str, model: Model, d: Path) -> Outcome:
    out = d / f"{name}_project"
    built = _trigc(
        "compile", str(model.path), "-o", str(out), "--backend", "rtl,hls", "--force", *model.args
    )
    outcome = Outcome(out, built.returncode, built.stdout + built.stderr)
    if built.returncode != 0:
        return outcome
    checked = _trigc(
        "verify",
        str(out),
        "--vectors",
        str(VECTORS),
        "--csim-vectors",
        str(CSIM_VECTORS),
        "--sim",
        "none",
        "--json",
    )
    outcome.verify_rc, outcome.verify_log = checked.returncode, checked.stderr[-3000:]
    try:
        outcome.result = json.loads(checked.stdout)
    except json.JSONDecodeError:
        outcome.verify_log += checked.stdout[-3000:]
    return outcome


def run_suite(models: dict[str, Model], names: list[str], d: Path) -> dict[str, Outcome]:
    """Compile and verify every model, two at a time."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {n: pool.submit(_compile_and_verify, n, models[n], d) for n in names}
        return {n: f.result() for n, f in futures.items()}


def check_bit_exact(name: str, outcome: Outcome, informative: tuple[str, ...] = ()) -> None:
    """Compiled, verified, C simulation and RTL compared on their vectors, every comparison
    identical on every vector; those named in ``informative`` must say they are information
    only (a float reference trigc declared inexact) and are not counted."""
    assert outcome.compile_rc == 0, outcome.compile_log
    assert outcome.verify_rc == 0 and outcome.result is not None, outcome.verify_log
    comparisons = outcome.result["comparisons"]
    print(name, {k: f"{c['identical']}/{c['total']}" for k, c in comparisons.items()})
    assert comparisons["hls-csim"]["total"] == CSIM_VECTORS
    assert comparisons["rtl"]["total"] == VECTORS
    comparisons.pop("keras-float32", None)  # Keras as it runs (float32): information only
    for which, c in comparisons.items():
        if which in informative:
            assert c["informative"], outcome.result["notes"]  # said so, not hidden
            continue
        assert not c["informative"], (which, outcome.result["notes"])
        assert c["identical"] == c["total"] > 0, (which, outcome.result)
    assert outcome.result["ok"] is True


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory) -> dict[str, Outcome]:
    d = tmp_path_factory.mktemp("suite")
    return run_suite(_all_models(d), SUITE, d)


@pytest.mark.parametrize("name", SUITE)
def test_model_compiles_to_rtl_and_hls_and_verifies_bit_exactly(outcomes, name):
    check_bit_exact(name, outcomes[name])


def test_ternary_activations_are_refused(tmp_path):
    """QKeras' ternary activation thresholds at 0.33 and hls4ml's ternary_tanh at 0.5: no
    firmware both could agree with, so trigc refuses it and names the layer."""
    import keras
    from qkeras import QActivation, QDense, quantized_bits, ternary

    q = quantized_bits(6, 0, alpha=1)
    model = keras.Sequential(
        [
            keras.Input((8,)),
            QDense(4, kernel_quantizer=q, bias_quantizer=q, name="fc1"),
            QActivation(ternary(), name="tern"),
        ],
        name="ternary_act",
    )
    model.save(tmp_path / "ternary_act.keras")
    run = _trigc(
        "compile",
        str(tmp_path / "ternary_act.keras"),
        "-o",
        str(tmp_path / "p"),
        "--backend",
        "rtl,hls",
    )
    assert run.returncode == 2
    assert "'tern' (QActivation)" in run.stderr and "ternary" in run.stderr
    assert not (tmp_path / "p").exists()


def _weights(outcome: Outcome, layer: str) -> np.ndarray:
    from trigc.compiler.ir.serialize import load_graph

    weight = load_graph(outcome.project / "ir.json").node(layer).consts["weight"]
    return weight.type.to_float(weight.values)


def test_the_suite_models_are_what_they_are_named(outcomes):
    """The pruned kernels hold their zeros, binary and ternary weights stay ±1 and ±1/0."""
    for layer in ("fc1", "fc2"):
        assert np.mean(_weights(outcomes["pruned_dense"], layer) == 0) >= 0.6
    assert set(np.unique(_weights(outcomes["binary"], "fc2"))) == {-1.0, 1.0}
    for layer in ("fc1", "fc2"):
        assert set(np.unique(_weights(outcomes["ternary"], layer))) == {-1.0, 0.0, 1.0}
