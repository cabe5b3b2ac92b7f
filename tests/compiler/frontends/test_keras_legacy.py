"""Legacy Keras 2 / QKeras 0.9 files (.h5, .json + weights), read without Keras 2.

The files are written by the tests (legacy_keras_files.py) in Keras 2's layout.  The fast tests
check the reader and its refusals; the slow ones check that Keras 3 + qkeras-v3, loading the
same file (or rebuilding the same model with the same weights), agrees with the IR bit for bit,
and that the compiled firmware verifies with zero mismatches.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.compiler.frontends import legacy_keras_files as lk
from trigc.compiler.errors import InexactError, TrigcError, UnsupportedModelError
from trigc.compiler.frontends.config.precision import config_from_dict
from trigc.compiler.frontends.keras2.qkeras_config import quantize_weights, saved_quantizer
from trigc.compiler.frontends.keras2.reader import from_legacy_keras
from trigc.compiler.frontends.layers.builder import FrontendOptions
from trigc.compiler.ir.executor import run_int
from trigc.compiler.ir.fixed import FixedType
from trigc.compiler.pipeline import run_pipeline
from trigc.compiler.vectors.stimuli import make_vectors

N_IN = 10
BN = dict(  # dyadic batch norm: scale = gamma / sqrt(var) is a power of two, eps = 0
    gamma=np.array([0.5, 1.0, 2.0, 0.25, 1.0, 1.0, 0.5, 2.0]),
    beta=np.array([0.125, -0.5, 0.0, 1.0, 0.25, 0.0, -0.25, 0.5]),
    mean=np.array([0.25, 0.0, -0.5, 0.0, 0.5, -0.25, 0.0, 0.125]),
    var=np.array([4.0, 1.0, 0.25, 16.0, 1.0, 4.0, 1.0, 0.25]),
)


def qkeras_layers(seed: int = 0) -> list[lk.LegacyLayer]:
    """input quantizer → QDense(6-bit) → BatchNorm → quantized_relu → Dropout → QDense with a
    quantized_bits activation → Dense with dyadic float weights."""
    rng = np.random.default_rng(seed)
    q6 = lk.quantized_bits(6, 0, alpha=1)
    return [
        lk.qactivation("in_q", "quantized_bits(8,3,alpha=1)"),
        lk.qdense("fc1", rng.normal(0, 0.4, (N_IN, 8)), rng.normal(0, 0.3, 8), q6, q6),
        lk.batchnorm("bn", BN["gamma"], BN["beta"], BN["mean"], BN["var"], epsilon=0.0),
        lk.qactivation("relu1", "quantized_relu(6,2)"),
        lk.dropout("drop"),
        lk.qdense(
            "fc2",
            rng.normal(0, 0.4, (8, 6)),
            rng.normal(0, 0.3, 6),
            lk.quantized_bits(5, 1, alpha=1),
            q6,
            activation=lk.quantized_bits(8, 2, symmetric=1, alpha=1),
        ),
        lk.dense("out", np.round(rng.normal(0, 0.4, (6, 3)) * 16) / 16, np.array([0.25, -0.5, 0])),
    ]


@pytest.fixture(scope="module")
def legacy_files(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("legacy")
    layers = qkeras_layers()
    h5 = lk.write_h5(d / "qmodel.h5", lk.sequential_config("qmodel", N_IN, layers), layers)
    js, w = lk.write_json_and_weights(
        d / "qmodel.json", d / "qmodel_weights.h5", lk.functional_config("qf", N_IN, layers), layers
    )
    return {"h5": h5, "json": js, "weights": w, "dir": d}


def _ir(graph):
    graph, _ = run_pipeline(graph)
    x, _ = make_vectors(graph, 3000, 0)
    return graph, x, run_int(graph, x)[graph.outputs[0]]


def test_h5_types_come_from_qkeras_configs(legacy_files):
    g, approximated = from_legacy_keras(legacy_files["h5"])
    nodes = {n.name: n for n in g.nodes}
    assert approximated == []
    assert nodes["model_input"].output.type == FixedType(8, 4, True, "RND_CONV", "SAT")
    assert nodes["fc1"].consts["weight"].type == FixedType(6, 1)
    assert nodes["relu1"].output.type == FixedType(6, 2, False, "RND_CONV", "SAT")
    assert nodes["fc2_act"].output.type == FixedType(8, 3, True, "RND_CONV", "SAT_SYM")
    assert [n.op for n in g.nodes] == [
        "input", "dense", "scale_shift", "relu", "dense", "requantize", "dense"
    ]  # fmt: skip


def test_json_with_weights_equals_h5(legacy_files):
    _, x, y_h5 = _ir(from_legacy_keras(legacy_files["h5"])[0])
    g_json, _ = from_legacy_keras(legacy_files["json"], legacy_files["weights"])
    g_json, _ = run_pipeline(g_json)
    assert np.array_equal(run_int(g_json, x)[g_json.outputs[0]], y_h5)


def test_weight_quantizer_matches_qkeras_formula():
    q = saved_quantizer(lk.quantized_bits(4, 1, alpha=1), "k")
    x = np.array([-3.0, -2.0, -1.1, -0.0625, 0.0625, 0.1875, 1.74, 1.75, 2.5])
    # 4 bits, 1 integer bit, signed: step 0.25, range [-2, 1.75], ties to even
    assert quantize_weights(q, x, "k").tolist() == [-2, -2, -1, 0, 0, 0.25, 1.75, 1.75, 1.75]
    sym = saved_quantizer(lk.quantized_bits(4, 1, symmetric=1, alpha=1), "k")
    assert quantize_weights(sym, np.array([-3.0]), "k").tolist() == [-1.75]
    relu = saved_quantizer("quantized_relu(6, 2)", "a")
    assert (relu.qkeras_class, relu.bits, relu.integer) == ("quantized_relu", 6, 2)
    assert saved_quantizer("relu", "a") == "relu"


def test_auto_alpha_is_refused(tmp_path):
    rng = np.random.default_rng(1)
    layers = [
        lk.qdense(
            "fc",
            rng.normal(size=(4, 2)),
            np.zeros(2),
            lk.quantized_bits(4, 0, alpha="auto"),
            lk.quantized_bits(4, 0),
        )
    ]  # noqa: E501
    path = lk.write_h5(tmp_path / "m.h5", lk.sequential_config("m", 4, layers), layers)
    with pytest.raises(InexactError, match=r"'fc' \(QDense\) kernel_quantizer.*alpha='auto'"):
        from_legacy_keras(path)


def test_unsupported_layer_is_named(tmp_path):
    layers = [
        lk.dense("d", np.ones((4, 4)) / 4, np.zeros(4)),
        lk.layer_of("LSTM", "rnn", units=2),
    ]
    path = lk.write_h5(tmp_path / "m.h5", lk.sequential_config("m", 4, layers), layers)
    with pytest.raises(UnsupportedModelError, match=r"'rnn' \(LSTM\) is not supported.*QConv2D"):
        from_legacy_keras(path)


def test_unsupported_activation_is_named(tmp_path):
    layers = [lk.dense("d", np.ones((4, 2)) / 4, np.zeros(2), activation="elu")]
    path = lk.write_h5(tmp_path / "m.h5", lk.sequential_config("m", 4, layers), layers)
    with pytest.raises(UnsupportedModelError, match=r"'d' \(Dense\).*'elu'"):
        from_legacy_keras(path)


def test_file_mistakes_say_what_to_do(legacy_files):
    with pytest.raises(TrigcError, match="holds weights only.*--weights"):
        from_legacy_keras(legacy_files["weights"])
    with pytest.raises(TrigcError, match="pass the weights file too"):
        from_legacy_keras(legacy_files["json"])
    with pytest.raises(TrigcError, match="not a Keras weights file"):
        bogus = legacy_files["dir"] / "empty.h5"
        import h5py

        h5py.File(bogus, "w").close()
        from_legacy_keras(legacy_files["json"], bogus)


def test_float_layers_take_the_config_precision(tmp_path):
    rng = np.random.default_rng(2)
    layers = [
        lk.dense("fc1", rng.normal(0, 0.5, (6, 5)), rng.normal(0, 0.5, 5)),
        lk.batchnorm("bn", *(rng.uniform(0.5, 2, 5) for _ in range(4))),
        lk.activation("act", "relu"),
        lk.dense("fc2", rng.normal(0, 0.5, (5, 2)), rng.normal(0, 0.5, 2)),
    ]
    path = lk.write_h5(tmp_path / "f.h5", lk.sequential_config("f", 6, layers), layers)
    with pytest.raises(InexactError, match="no quantizer and no precision configuration"):
        from_legacy_keras(path, options=FrontendOptions(strict=True))
    g, approximated = from_legacy_keras(path)  # a float model: hls4ml's default, recorded
    assert approximated == ["bn", "fc1", "fc2"]
    assert {n.output.type for n in g.nodes if n.op == "dense"} == {FixedType(16, 6)}
    cfg = config_from_dict(
        {
            "Model": {"Precision": "fixed<16,6>"},
            "LayerName": {"fc2": {"Precision": {"weight": "fixed<8,2>", "result": "fixed<12,4>"}}},
        }
    )
    g, approximated = from_legacy_keras(path, options=FrontendOptions(precision=cfg))
    g, _ = run_pipeline(g)
    nodes = {n.name: n for n in g.nodes}
    assert approximated == ["bn", "fc1", "fc2"]
    assert [n.op for n in g.nodes] == ["input", "dense", "relu", "dense"]  # bn folded in float
    assert nodes["fc1"].origin == "fc1 + bn"
    assert nodes["fc1"].output.type == FixedType(16, 6)
    assert nodes["fc2"].consts["weight"].type == FixedType(8, 2)
    assert nodes["fc2"].output.type == FixedType(12, 4)


# -- against Keras 3 + qkeras-v3, and end to end ----------------------------------------------


def _keras3_rebuild(layers: list[lk.LegacyLayer]):
    """The same model built from scratch in Keras 3 / qkeras-v3 with the same weights."""
    import keras
    from qkeras import QActivation, QDense, quantized_bits, quantized_relu

    model = keras.Sequential(
        [
            keras.Input((N_IN,)),
            QActivation(quantized_bits(8, 3, alpha=1), name="in_q"),
            QDense(
                8,
                kernel_quantizer=quantized_bits(6, 0, alpha=1),
                bias_quantizer=quantized_bits(6, 0, alpha=1),
                name="fc1",
            ),
            keras.layers.BatchNormalization(epsilon=0.0, name="bn"),
            QActivation(quantized_relu(6, 2), name="relu1"),
            keras.layers.Dropout(0.2, name="drop"),
            QDense(
                6,
                kernel_quantizer=quantized_bits(5, 1, alpha=1),
                bias_quantizer=quantized_bits(6, 0, alpha=1),
                activation=quantized_bits(8, 2, symmetric=1, alpha=1),
                name="fc2",
            ),
            keras.layers.Dense(3, name="out"),
        ]
    )
    for layer in layers:
        if layer.weights:
            model.get_layer(layer.name).set_weights([w for _, w in layer.weights])
    return model


@pytest.mark.slow
def test_keras3_rebuild_equals_ir_bit_for_bit(legacy_files):
    from trigc.compiler.frontends.keras3.reference import KerasReference
    from trigc.compiler.frontends.layers.keras_import import import_keras

    import_keras()
    graph, x, y_ir = _ir(from_legacy_keras(legacy_files["h5"])[0])
    model = _keras3_rebuild(qkeras_layers())
    # float64: Keras' float32 batch norm may round a value across a quantizer step
    y = KerasReference(model).run64(graph.inputs[0].output.type.to_float(x))
    out_t = graph.tensor(graph.outputs[0]).type
    scaled = np.ldexp(np.asarray(y, np.float64), out_t.frac)
    assert np.array_equal(scaled, np.round(scaled))
    assert np.array_equal(scaled.astype(np.int64), y_ir)


@pytest.mark.slow
def test_keras3_h5_files_are_read_too(tiny_qkeras_model, tmp_path):
    """Keras 3 still writes this layout for ``model.save("m.h5")``, with registered class
    names such as ``qkeras>QDense``."""
    path = tmp_path / "tiny.h5"
    tiny_qkeras_model.save(path)
    graph, x, y_ir = _ir(from_legacy_keras(path)[0])
    y = tiny_qkeras_model.predict(graph.inputs[0].output.type.to_float(x), verbose=0)
    out_t = graph.tensor(graph.outputs[0]).type
    assert np.array_equal(np.ldexp(np.asarray(y, np.float64), out_t.frac), y_ir)


@pytest.mark.slow
@pytest.mark.parametrize("dim", [1, 2])
def test_h5_cnn_equals_keras_bit_for_bit(tmp_path, dim):
    """QConv1D/2D, pooling, Flatten and Reshape in the .h5 layout (written here by Keras 3,
    whose layer configs keep Keras 2's keys): the IR equals the model's own outputs."""
    import keras
    from qkeras import QActivation, QConv1D, QConv2D, QDense, quantized_bits, quantized_relu

    q = quantized_bits(4, 0, alpha=1)
    conv, pool = {
        1: (QConv1D, keras.layers.MaxPooling1D),
        2: (QConv2D, keras.layers.MaxPooling2D),
    }[dim]
    keras.utils.set_random_seed(40 + dim)
    shape = (12, 2) if dim == 1 else (6, 6, 2)
    model = keras.Sequential(
        [
            keras.Input(shape),
            QActivation(quantized_bits(6, 2, alpha=1), name="in_q"),
            conv(3, 3, padding="same", kernel_quantizer=q, bias_quantizer=q, name="c1"),
            QActivation(quantized_relu(6, 2), name="relu1"),
            pool(2, name="mp"),
            conv(3, 2, strides=1, kernel_quantizer=q, bias_quantizer=q, name="c2"),
            keras.layers.Flatten(name="flat"),
            keras.layers.Reshape((-1, 3), name="rows"),
            keras.layers.GlobalMaxPooling1D(name="gmp"),
            QDense(2, kernel_quantizer=q, bias_quantizer=q, name="out"),
        ],
        name=f"cnn{dim}d",
    )
    path = tmp_path / "cnn.h5"
    model.save(path)
    graph, x, y_ir = _ir(from_legacy_keras(path)[0])
    ops = [n.op for n in graph.nodes]
    assert ops.count("conv") == 2 and "max_pool" in ops and "reshape" in ops
    y = model.predict(graph.inputs[0].output.type.to_float(x).astype(np.float32), verbose=0)
    out_t = graph.tensor(graph.outputs[0]).type
    scaled = np.ldexp(np.asarray(y, np.float64), out_t.frac)
    assert np.array_equal(scaled, np.round(scaled))
    assert np.array_equal(scaled.astype(np.int64), y_ir)
