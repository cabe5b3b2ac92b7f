"""Keras 3 / QKeras frontend: types from quantizers, refusals, and Keras ≡ IR bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from trigc.compiler.errors import InexactError, UnsupportedModelError
from trigc.compiler.frontends.keras3.reader import FrontendOptions, from_keras
from trigc.compiler.ir.fixed import FixedType
from trigc.compiler.pipeline import run_pipeline
from trigc.compiler.vectors.stimuli import make_vectors

pytestmark = pytest.mark.slow  # imports TensorFlow

keras = pytest.importorskip("keras")
qkeras = pytest.importorskip("qkeras")
from qkeras import QActivation, QDense, quantized_bits, quantized_relu  # noqa: E402

from trigc.compiler.ir.executor import run_int  # noqa: E402


def _keras_equals_ir(model, graph, n=2000, seed=0):
    graph, _ = run_pipeline(graph)
    x_int, _ = make_vectors(graph, n, seed)
    in_t = graph.inputs[0].output.type
    out_t = graph.tensor(graph.outputs[0]).type
    keras_out = np.asarray(
        model.predict(in_t.to_float(x_int).astype(np.float32), verbose=0), np.float64
    )
    scaled = np.ldexp(keras_out, out_t.frac)
    assert np.all(scaled == np.round(scaled)), "Keras output off the IR output grid"
    ir = run_int(graph, x_int)[graph.outputs[0]]
    assert np.array_equal(ir, scaled.astype(np.int64))
    return graph


def test_types_come_from_quantizers(tiny_qkeras_model):
    g = from_keras(tiny_qkeras_model)
    by_name = {n.name: n for n in g.nodes}
    assert by_name["model_input"].output.type == FixedType(16, 6)
    assert by_name["fc1"].consts["weight"].type == FixedType(6, 1)
    assert by_name["relu1"].output.type == FixedType(6, 0, False, "RND_CONV", "SAT")
    assert by_name["relu1"].origin == "relu1"


def test_tiny_model_keras_equals_ir(tiny_qkeras_model):
    _keras_equals_ir(tiny_qkeras_model, from_keras(tiny_qkeras_model))


def test_input_quantizer_sets_input_type_and_symmetric_bits():
    keras.utils.set_random_seed(5)
    model = keras.Sequential(
        [
            keras.Input((6,)),
            QActivation(quantized_bits(8, 3, alpha=1), name="in_q"),
            QDense(
                4,
                kernel_quantizer=quantized_bits(4, 0, alpha=1),
                bias_quantizer=quantized_bits(4, 0, alpha=1),
                name="d",
            ),
            QActivation(quantized_bits(5, 2, symmetric=1, alpha=1), name="out_q"),
        ]
    )
    g = from_keras(model)
    assert g.inputs[0].output.type == FixedType(8, 4, True, "RND_CONV", "SAT")
    assert g.nodes[-1].output.type == FixedType(5, 3, True, "RND_CONV", "SAT_SYM")
    _keras_equals_ir(model, g)


def test_dense_relu_and_batchnorm_with_dyadic_parameters():
    keras.utils.set_random_seed(6)
    model = keras.Sequential(
        [
            keras.Input((5,)),
            QDense(
                4,
                kernel_quantizer=quantized_bits(6, 0, alpha=1),
                bias_quantizer=quantized_bits(6, 0, alpha=1),
                name="d1",
            ),
            keras.layers.BatchNormalization(epsilon=0.0, name="bn"),
            QActivation(quantized_relu(8, 2), name="r"),
            keras.layers.Dense(2, activation="relu", name="d2"),
        ]
    )
    bn = model.get_layer("bn")
    bn.set_weights(
        [
            np.array([0.5, 1.0, 2.0, 0.25]),
            np.array([0.125, -0.5, 0.0, 1.0]),
            np.array([0.25, 0.0, -0.5, 0.0]),
            np.array([4.0, 1.0, 0.25, 16.0]),
        ]
    )
    d2 = model.get_layer("d2")
    d2.set_weights([np.round(d2.get_weights()[0] * 16) / 16, np.array([0.25, -0.125])])
    g = from_keras(model, FrontendOptions(input_type=FixedType(10, 4)))
    folded = _keras_equals_ir(model, g)
    assert "scale_shift" not in [n.op for n in folded.nodes]  # folded into d1


def test_unsupported_layer_is_named():
    model = keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Dense(3, name="d"),
            keras.layers.LayerNormalization(name="ln"),
        ]
    )
    with pytest.raises(UnsupportedModelError, match=r"'ln' \(LayerNormalization\).*Supported"):
        from_keras(model)


def test_unsupported_activation_is_named():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="elu", name="d")])
    with pytest.raises(UnsupportedModelError, match="'d'.*'elu'"):
        from_keras(model)


def test_auto_alpha_is_inexact_unless_allowed():
    model = keras.Sequential(
        [
            keras.Input((4,)),
            QDense(
                3,
                kernel_quantizer=quantized_bits(4, 0, alpha="auto"),
                bias_quantizer=quantized_bits(4, 0, alpha=1),
                name="q",
            ),
        ]
    )
    with pytest.raises(InexactError, match="alpha='auto'.*not a power of two"):
        from_keras(model)
    g = from_keras(model, FrontendOptions(allow_inexact=True))
    assert g.nodes[1].name == "q"


def test_float_bias_is_inexact():
    keras.utils.set_random_seed(8)
    model = keras.Sequential(
        [
            keras.Input((4,)),
            QDense(
                3,
                kernel_quantizer=quantized_bits(4, 0, alpha=1),
                bias_initializer="random_normal",
                name="nb",
            ),
        ]
    )
    with pytest.raises(InexactError, match="'nb'.*bias"):
        from_keras(model)


def test_qbatchnormalization_with_quantizers_is_refused():
    from qkeras import QBatchNormalization

    def model(**quantizers):
        return keras.Sequential(
            [
                keras.Input((4,)),
                keras.layers.Dense(3, name="d"),
                QBatchNormalization(name="qbn", **quantizers),
            ]  # noqa: E501
        )

    with pytest.raises(
        UnsupportedModelError, match=r"'qbn' \(QBatchNormalization\).*gamma_quantizer"
    ):  # noqa: E501
        from_keras(model(), FrontendOptions(allow_inexact=True))  # QKeras's defaults
    none = dict.fromkeys(
        ("gamma_quantizer", "beta_quantizer", "mean_quantizer", "variance_quantizer")
    )  # noqa: E501
    g = from_keras(model(**none), FrontendOptions(allow_inexact=True))
    assert any("qbn" in n.origin for n in g.nodes)  # read (a float model: folded into 'd')


def test_float_keras_model_takes_the_config_precision():
    from trigc.compiler.frontends.config.precision import config_from_dict
    from trigc.compiler.frontends.keras3.reader import lower_keras

    keras.utils.set_random_seed(9)
    model = keras.Sequential(
        [
            keras.Input((5,)),
            keras.layers.Dense(4, name="d1"),
            keras.layers.BatchNormalization(name="bn"),
            keras.layers.Activation("relu", name="act"),
            keras.layers.Dense(2, activation="relu", name="d2"),
        ]
    )
    cfg = config_from_dict(
        {
            "Model": {"Precision": "fixed<12,4>"},
            "LayerName": {"d2": {"Precision": {"weight": "fixed<8,2>", "result": "fixed<10,3>"}}},
        }
    )
    g, approximated = lower_keras(model, FrontendOptions(precision=cfg))
    g, _ = run_pipeline(g)
    nodes = {n.name: n for n in g.nodes}
    assert approximated == ["bn", "d1", "d2"]
    assert [n.op for n in g.nodes] == ["input", "dense", "relu", "dense", "relu"]
    assert nodes["d1"].origin == "d1 + bn" and nodes["d1"].output.type == FixedType(12, 4)
    assert nodes["d2"].consts["weight"].type == FixedType(8, 2)
    assert nodes["d2"].output.type == FixedType(10, 3)
