"""The float64 NumPy reference: a Keras 2 file as trigc read it, evaluated without Keras, is
the reference of ``trigc verify`` when Keras 3 cannot rebuild the file."""

from __future__ import annotations

import numpy as np
import pytest

from tests.compiler.frontends import legacy_keras_files as lk
from tests.compiler.frontends.test_keras_legacy import N_IN, qkeras_layers
from trigc.compiler.frontends.keras_legacy import from_legacy_keras, legacy_numpy_runner
from trigc.compiler.ir.executor import run_int
from trigc.compiler.pipeline import run_pipeline
from trigc.compiler.project import CompileOptions, compile_project
from trigc.compiler.stimuli import make_vectors
from trigc.compiler.verify import verify_project

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_numpy_evaluation_equals_the_ir_on_a_quantized_file(tmp_path):
    layers = qkeras_layers(seed=5)
    h5 = lk.write_h5(tmp_path / "q.h5", lk.sequential_config("q", N_IN, layers), layers)
    graph, approximated = from_legacy_keras(h5)
    graph, _ = run_pipeline(graph)
    assert approximated == []
    x, _ = make_vectors(graph, 2000, 0)
    y_ir = run_int(graph, x)[graph.outputs[0]]
    out_t = graph.tensor(graph.outputs[0]).type
    y = legacy_numpy_runner(h5)(graph.inputs[0].output.type.to_float(x))
    mantissas = np.ldexp(y, out_t.frac)
    assert np.array_equal(mantissas, np.round(mantissas))
    assert np.array_equal(mantissas.astype(np.int64), y_ir.reshape(len(x), -1))


@pytest.mark.slow
def test_a_file_keras_3_cannot_rebuild_is_checked_against_numpy(tmp_path):
    layers = qkeras_layers(seed=6)
    layers[1].config["kernel_regularizer_v1"] = {"l2": 0.01}  # Keras 2-only: Keras 3 refuses it
    h5 = lk.write_h5(tmp_path / "old.h5", lk.sequential_config("old", N_IN, layers), layers)
    project = compile_project(h5, tmp_path / "p", CompileOptions(backends=("hls",)))
    result = verify_project(project, vectors=1000, representations=("keras",))
    (numpy_ref,) = result.comparisons
    assert numpy_ref.name == "numpy" and not numpy_ref.informative
    assert numpy_ref.identical == numpy_ref.total == 1000
    assert any("Keras 3 could not load this Keras 2 file" in n for n in result.notes)
    assert result.ok


def _binary_ternary_file(tmp_path):
    """hls4ml's legacy BinaryDense and TernaryDense layers (custom Keras 2 classes, which
    Keras 3 cannot rebuild), written as Keras 2 saves them."""
    rng = np.random.default_rng(13)
    layers = [
        lk.qactivation("in_q", "quantized_bits(6,2,alpha=1)"),
        lk.dense("bin", rng.normal(0, 1, (10, 8)), rng.normal(0, 1, 8)),
        lk.qactivation("act", "quantized_relu(4,2)"),
        lk.dense("ter", rng.normal(0, 1, (8, 4)), rng.normal(0, 1, 4)),
    ]
    layers[1].class_name = "BinaryDense"
    layers[3].class_name = "TernaryDense"
    return lk.write_h5(tmp_path / "bnn.h5", lk.sequential_config("bnn", 10, layers), layers)


def test_binary_and_ternary_dense_weights_are_read_as_hls4ml_reads_them(tmp_path):
    graph, _ = from_legacy_keras(_binary_ternary_file(tmp_path))
    weights = {n.name: n.consts["weight"] for n in graph.nodes if n.op == "dense"}
    assert set(np.unique(weights["bin"].type.to_float(weights["bin"].values))) == {-1.0, 1.0}
    assert set(np.unique(weights["ter"].type.to_float(weights["ter"].values))) <= {-1.0, 0.0, 1.0}


@pytest.mark.slow
@pytest.mark.sim
def test_binary_and_ternary_dense_compile_and_verify(tmp_path):
    h5 = _binary_ternary_file(tmp_path)
    project = compile_project(h5, tmp_path / "p", CompileOptions(backends=("hls", "rtl")))
    result = verify_project(project, vectors=1000, csim_vectors=300, protocol_sims=())
    compared = {c.name: (c.identical, c.total) for c in result.comparisons}
    assert compared == {"numpy": (1000, 1000), "hls-csim": (300, 300), "rtl": (1000, 1000)}
