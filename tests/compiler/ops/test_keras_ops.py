"""Keras 3 / QKeras models with merges, reshapes, convolutions and pooling, built here.

The frontend reads functional (branching) models; the IR must equal Keras' own outputs bit for
bit (the widths are small enough for float32 to be exact), and the CNN is compiled to both
backends and checked executor ≡ C simulation ≡ RTL.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.compiler.ops.threeway import assert_three_way, build_all
from trigc.compiler.errors import UnsupportedModelError
from trigc.compiler.frontends.keras3.reader import from_keras
from trigc.compiler.pipeline import run_pipeline
from trigc.compiler.vectors.stimuli import make_vectors

pytestmark = pytest.mark.slow  # imports TensorFlow

keras = pytest.importorskip("keras")
qkeras = pytest.importorskip("qkeras")
from qkeras import (  # noqa: E402
    QActivation,
    QConv1D,
    QConv2D,
    QDense,
    binary,
    quantized_bits,
    quantized_relu,
    ternary,
)

from trigc.compiler.ir.executor import run_int  # noqa: E402

L = keras.layers


def q(bits: int, integer: int):
    return quantized_bits(bits, integer, alpha=1)


def merge_model():
    """Two dense branches from a quantized input, joined by every merge layer."""
    keras.utils.set_random_seed(3)
    x = keras.Input((6,), name="x")
    xq = QActivation(q(6, 2), name="in_q")(x)
    a = QDense(4, kernel_quantizer=q(4, 0), bias_quantizer=q(4, 0), name="a")(xq)
    b = QDense(4, kernel_quantizer=q(4, 0), bias_quantizer=q(4, 0), name="b")(xq)
    b = QActivation(quantized_relu(5, 2), name="b_relu")(b)
    added = L.Add(name="added")([a, b])
    diff = L.Subtract(name="diff")([a, b])
    prod = L.Multiply(name="prod")([added, diff])
    cat = L.Concatenate(name="cat")([prod, b, a])
    grid = L.Reshape((3, 4), name="grid")(cat)
    flat = L.Flatten(name="flat")(L.Dropout(0.5, name="drop")(grid))
    out = QDense(3, kernel_quantizer=q(4, 0), bias_quantizer=q(4, 0), name="out")(flat)
    return keras.Model(x, out, name="merges")


def cnn_model():
    """A 2-D and a 1-D convolution branch of one image, joined into a dense output; a
    standalone batch normalization on a 3-D tensor."""
    keras.utils.set_random_seed(5)
    x = keras.Input((6, 6, 2), name="img")
    xq = QActivation(q(6, 2), name="in_q")(x)
    conv = dict(kernel_quantizer=q(4, 0), bias_quantizer=q(4, 0))
    a = QConv2D(3, (3, 3), padding="same", name="c2a", **conv)(xq)
    a = QActivation(quantized_relu(6, 2), name="c2a_relu")(a)
    a = L.MaxPooling2D((2, 2), name="mp")(a)
    a = L.BatchNormalization(epsilon=0.0, name="bn")(a)  # standalone: after a pooling
    a = QConv2D(3, (2, 2), name="c2b", **conv)(a)
    a = L.GlobalAveragePooling2D(name="gap")(a)
    b = L.Reshape((36, 2), name="seq")(xq)
    b = QConv1D(2, 3, strides=2, padding="same", name="c1", **conv)(b)
    b = L.AveragePooling1D(2, name="ap1")(b)
    b = L.GlobalMaxPooling1D(name="gmp")(b)
    cat = L.Concatenate(name="cat")([a, b])
    out = QDense(3, kernel_quantizer=q(4, 0), bias_quantizer=q(4, 0), name="out")(cat)
    model = keras.Model(x, out, name="cnn")
    # scale gamma / sqrt(var) = [0.5, -0.625, 4], shift beta - mean * scale = [0, -0.5, 4]
    bn = [[0.5, -1.25, 2.0], [0.25, -0.5, 0.0], [0.5, 0.0, -1.0], [1.0, 4.0, 0.25]]
    model.get_layer("bn").set_weights([np.array(v, np.float32) for v in bn])
    return model


def activation_model():
    """Leaky ReLU, ReLU(max_value=1), power-of-two alpha, binary activation, ternary and
    binary weights."""
    keras.utils.set_random_seed(7)
    x = keras.Input((8,), name="x")
    y = QActivation(q(6, 2), name="in_q")(x)
    y = QDense(6, kernel_quantizer=q(4, 0), bias_quantizer=q(4, 0), name="d1")(y)
    y = L.LeakyReLU(negative_slope=0.25, name="leaky")(y)
    y = QDense(6, kernel_quantizer=ternary(alpha=1), bias_quantizer=q(4, 0), name="d2")(y)
    y = QActivation(quantized_bits(6, 2, alpha=0.5), name="half")(y)
    y = L.ReLU(max_value=1.0, name="relu1")(y)
    y = QDense(5, kernel_quantizer=q(4, 0), bias_quantizer=q(4, 0), name="d3")(y)
    y = QActivation(binary(alpha=1), name="sign")(y)
    y = QDense(3, kernel_quantizer=binary(alpha=1), bias_quantizer=q(4, 0), name="out")(y)
    return keras.Model(x, y, name="activations")


def keras_equals_ir(model, n: int = 1000):
    graph, _ = run_pipeline(from_keras(model))
    x_int, _ = make_vectors(graph, n, 0)
    in_t = graph.inputs[0].output.type
    out_t = graph.tensor(graph.outputs[0]).type
    got = np.asarray(model.predict(in_t.to_float(x_int).astype(np.float32), verbose=0), np.float64)
    scaled = np.ldexp(got, out_t.frac)
    assert np.all(scaled == np.round(scaled)), "Keras output off the IR output grid"
    assert np.array_equal(run_int(graph, x_int)[graph.outputs[0]], scaled.astype(np.int64))
    return graph


def test_functional_merges_keras_equals_ir():
    graph = keras_equals_ir(merge_model())
    ops = [n.op for n in graph.nodes]
    for op in ("add", "subtract", "multiply", "concatenate", "reshape"):
        assert op in ops, op
    assert graph.node("cat").origin == "cat"  # three inputs: two concatenations


@pytest.fixture(scope="module")
def cnn_graph():
    return keras_equals_ir(cnn_model())


def test_cnn_keras_equals_ir(cnn_graph):
    pads = {n.name: n.attrs["pads"] for n in cnn_graph.nodes if n.op == "conv"}
    assert pads == {"c2a": [[1, 1], [1, 1]], "c2b": [[0, 0], [0, 0]], "c1": [[0, 1]]}
    bn = cnn_graph.node("bn")
    assert bn.op == "scale_shift" and bn.output.shape == (3, 3, 3)  # not folded


@pytest.mark.sim
def test_cnn_is_bit_exact_in_every_representation(cnn_graph, tmp_path_factory):
    built = build_all(cnn_graph, tmp_path_factory.mktemp("cnn"))
    assert_three_way(built, n=2000)


@pytest.fixture(scope="module")
def activation_graph():
    return keras_equals_ir(activation_model(), n=3000)


def test_activations_keras_equals_ir(activation_graph):
    ops = {n.name: n.op for n in activation_graph.nodes}
    assert ops["leaky"] == "leaky_relu" and activation_graph.node("leaky").attrs["shift"] == 2
    assert ops["half_alpha"] == "scale_shift" and ops["sign"] == "binary"
    assert ops["relu1"] == "relu_max" and activation_graph.node("relu1").attrs["max_value"] == 1
    weights = activation_graph.node("d2").consts["weight"].values
    assert set(np.unique(weights)) <= {-1, 0, 1}


@pytest.mark.sim
def test_activations_are_bit_exact_in_every_representation(activation_graph, tmp_path_factory):
    built = build_all(activation_graph, tmp_path_factory.mktemp("activations"))
    want = assert_three_way(built, n=3000)
    assert len(np.unique(want["out"], axis=0)) > 10


def test_refusals_name_the_layer():
    x = keras.Input((9, 2))
    cases = [
        (L.AveragePooling1D(3, name="avg3")(x), r"'avg3' \(AveragePooling1D\).*power-of-two"),
        (L.MaxPooling1D(2, padding="same", name="mps")(x), r"'mps' \(MaxPooling1D\).*padding"),
        (L.Conv1D(2, 2, dilation_rate=2, name="dil")(x), r"'dil' \(Conv1D\).*dilated"),
        (L.LSTM(2, name="rnn")(x), r"'rnn' \(LSTM\) is not supported"),
        (L.LeakyReLU(0.3, name="lr")(x), r"'lr' \(LeakyReLU\).*slope 0.3"),
        (L.ReLU(max_value=1.5, name="r15")(x), r"'r15' \(ReLU\).*max_value"),
        (QActivation(ternary(), name="t")(x), r"'t' \(QActivation\).*ternary"),
    ]
    for y, message in cases:
        with pytest.raises(UnsupportedModelError, match=message):
            from_keras(keras.Model(x, y))
    shared = L.Dense(2, name="twice")
    y = L.Add()([shared(x), shared(x)])
    with pytest.raises(UnsupportedModelError, match="'twice'.*called 2 times"):
        from_keras(keras.Model(x, y))


@pytest.mark.sim
def test_argmax_option_compiles_and_verifies(tmp_path):
    """A CNN through compile and verify (hls and rtl) with ``--argmax``: the project outputs
    the one-hot of the model's largest output; verify compares it with the one-hot of Keras'."""
    from trigc.compiler.backends import BackendOptions
    from trigc.compiler.project import CompileOptions, compile_project
    from trigc.compiler.verify import verify_project

    options = CompileOptions(
        backends=("hls", "rtl"), argmax=True, backend=BackendOptions(project_name="cnn")
    )
    project = compile_project(cnn_model(), tmp_path / "p", options)
    result = verify_project(project, vectors=2000, protocol_sims=())
    assert result.ok, result.comparisons
    assert {c.name for c in result.comparisons} == {"keras", "keras-float32", "hls-csim", "rtl"}
    # Keras as it runs (float32) is information only: its rounding may flip a near tie
    exact = [c for c in result.comparisons if not c.informative]
    assert len(exact) == 3 and all(c.identical == c.total > 0 for c in exact)


@pytest.mark.sim
def test_sigmoid_and_tanh_are_hls4ml_tables(tmp_path):
    """Keras computes sigmoid/tanh in float: the IR uses hls4ml's tables, records the layers
    as approximated, stays close to Keras and is bit-exact in the C simulation and the RTL."""
    from trigc.compiler.frontends.keras3.reader import lower_keras

    keras.utils.set_random_seed(11)
    x = keras.Input((6,), name="x")
    y = QActivation(q(6, 2), name="in_q")(x)
    y = QDense(5, kernel_quantizer=q(4, 0), bias_quantizer=q(4, 0), name="d1")(y)
    y = L.Activation("tanh", name="th")(y)
    y = QDense(
        4, kernel_quantizer=q(4, 0), bias_quantizer=q(4, 0), activation="sigmoid", name="d2"
    )(y)
    model = keras.Model(x, y, name="luts")
    untyped, approximated = lower_keras(model)
    assert approximated == ["d2", "th"]
    graph, _ = run_pipeline(untyped)
    x_int, _ = make_vectors(graph, 2000, 0)
    in_t, out_t = graph.inputs[0].output.type, graph.tensor(graph.outputs[0]).type
    ir = out_t.to_float(run_int(graph, x_int)[graph.outputs[0]])
    ref = model.predict(in_t.to_float(x_int).astype(np.float32), verbose=0)
    assert np.max(np.abs(ir - ref)) < 0.05  # table resolution: 1/64 of the input range
    assert_three_way(build_all(graph, tmp_path), n=2000)


@pytest.mark.sim
def test_softmax_is_hls4ml_latency_softmax(tmp_path):
    """Keras' softmax becomes hls4ml's latency softmax on a fixed<16,6,RND,SAT> input (the
    dense output's type is trigc's own): approximated, and bit-exact in every firmware."""
    from trigc.compiler.frontends.keras3.reader import lower_keras

    keras.utils.set_random_seed(13)
    x = keras.Input((6,), name="x")
    y = QActivation(q(6, 2), name="in_q")(x)
    y = QDense(5, kernel_quantizer=q(4, 0), bias_quantizer=q(4, 0), name="d1")(y)
    y = L.Softmax(name="sm")(y)
    untyped, approximated = lower_keras(keras.Model(x, y, name="softmax"))
    assert approximated == ["sm"]
    graph, _ = run_pipeline(untyped)
    assert str(graph.tensor("sm_in").type) == "fixed<16,6,RND,SAT>"
    assert graph.node("sm").attrs["input_width"] == 16
    assert_three_way(build_all(graph, tmp_path), n=2000)
