"""The float64 NumPy reference: a Keras 2 file as trigc read it, evaluated without Keras, is
the reference of ``trigc verify`` when Keras 3 cannot rebuild the file."""

from __future__ import annotations

import numpy as np
import pytest

from tests.compiler.frontends import legacy_keras_files as lk
from tests.compiler.frontends.test_keras_legacy import N_IN, qkeras_layers
from trigc.compiler.frontends.keras2.reader import from_legacy_keras, legacy_numpy_runner
from trigc.compiler.ir.executor import run_int
from trigc.compiler.pipeline import run_pipeline
from trigc.compiler.project import CompileOptions, compile_project
from trigc.compiler.vectors.stimuli import make_vectors
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


def _keras3_h5(tmp_path):
    """Keras 3's own ``model.save('m.h5')`` (the legacy HDF5 format) of depthwise, separable,
    padding, upsampling, cropping and permutation layers."""
    import keras
    from qkeras import QActivation, QDense, QDepthwiseConv2D, quantized_bits

    def q(bits, integer):
        return quantized_bits(bits, integer, alpha=1)

    L = keras.layers
    keras.utils.set_random_seed(21)
    model = keras.Sequential(
        [
            keras.Input((6, 6, 2)),
            QActivation(q(6, 2), name="in_q"),
            L.ZeroPadding2D(((1, 0), (0, 1)), name="zp"),
            QDepthwiseConv2D(
                3,
                depth_multiplier=2,
                depthwise_quantizer=q(4, 0),
                bias_quantizer=q(4, 0),
                name="dw",
            ),
            L.UpSampling2D(2, name="up"),
            L.Cropping2D(((1, 1), (0, 2)), name="crop"),
            L.SeparableConv2D(2, 3, name="sep"),
            L.Permute((2, 1, 3), name="permute"),
            L.MaxPooling2D(2, name="mp"),
            L.Flatten(name="flat"),
            QDense(3, kernel_quantizer=q(6, 0), bias_quantizer=q(6, 0), name="out"),
        ],
        name="windows",
    )
    sep = model.get_layer("sep")
    sep.set_weights([np.round(w * 8) / 8 for w in sep.get_weights()])  # exact float weights
    path = tmp_path / "windows.h5"
    model.save(path)
    return path


@pytest.mark.slow
def test_a_keras_2_file_of_windowed_layers_equals_keras_and_numpy(tmp_path):
    h5 = _keras3_h5(tmp_path)
    graph, approximated = from_legacy_keras(h5)
    assert approximated == []
    graph, _ = run_pipeline(graph)
    assert [n.op for n in graph.nodes].count("rearrange") == 3
    project = compile_project(h5, tmp_path / "p", CompileOptions(backends=("rtl",)))
    result = verify_project(
        project, vectors=500, representations=("keras", "rtl"), protocol_sims=()
    )
    assert {c.name: c.identical for c in result.comparisons if c.name != "keras-float32"} == {
        "keras": 500,
        "rtl": 500,
    }
    x, _ = make_vectors(graph, 500, 0)
    y = legacy_numpy_runner(h5)(graph.inputs[0].output.type.to_float(x))
    out_t = graph.tensor(graph.outputs[0]).type
    assert np.array_equal(
        np.ldexp(y, out_t.frac), run_int(graph, x)[graph.outputs[0]].reshape(500, -1)
    )
