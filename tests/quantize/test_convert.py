"""quantize_model: float Keras → QKeras with batch normalization folded, and its errors."""

from __future__ import annotations

import numpy as np
import pytest

from tests.quantize.conftest import assert_keras_equals_ir
from trigc.quantize.spec import Bits, LayerQuant

pytestmark = pytest.mark.slow  # builds Keras models

keras = pytest.importorskip("keras")
layers = keras.layers


def _randomize_batchnorms(model, seed=0):
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if isinstance(layer, layers.BatchNormalization):
            n = layer.gamma.shape[0]
            layer.set_weights(
                [
                    rng.uniform(0.5, 2, n),
                    rng.normal(size=n),
                    rng.normal(size=n),
                    rng.uniform(0.5, 2, n),
                ]
            )


def _float_model():
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((8,)),
            layers.BatchNormalization(name="bn_in"),  # folded into d1 (before it)
            layers.Dense(16, name="d1"),
            layers.BatchNormalization(name="bn1"),  # folded into d1 (after it)
            layers.Activation("relu", name="act1"),
            layers.Dropout(0.2),
            layers.Dense(8, activation="relu", name="d2"),
            layers.BatchNormalization(name="bn2"),  # after a ReLU: folded into d3
            layers.Dense(3, name="d3"),
            layers.Activation("softmax"),
        ],
        name="float_net",
    )
    _randomize_batchnorms(model)
    return model


def test_folding_batchnorm_preserves_the_function():
    from trigc.quantize import quantize_model

    model = _float_model()
    wide = Bits(28, 10)  # wide enough that quantization error is negligible
    converted = quantize_model(model, LayerQuant(wide, wide, wide), input_bits=None)
    kinds = [type(layer).__name__ for layer in converted.layers]
    assert kinds == ["QDense", "QActivation", "QDense", "QActivation", "QDense"]
    assert [layer.name for layer in converted.layers][::2] == ["d1", "d2", "d3"]
    x = np.random.default_rng(1).normal(size=(500, 8)).astype(np.float32)
    logits = keras.Model(model.inputs, model.layers[-2].output).predict(x, verbose=0)
    # Float comparison of two float computations (folding reorders the arithmetic).
    np.testing.assert_allclose(converted.predict(x, verbose=0), logits, rtol=1e-4, atol=1e-4)


def test_converted_model_compiles_bit_exactly_with_per_layer_bits():
    from trigc.compiler.ir.fixed import FixedType
    from trigc.compiler.project import to_graph
    from trigc.quantize import quantize_model

    bits = {
        "d1": LayerQuant(Bits(8, 2), Bits(8, 3), Bits(6, 1)),
        "d2": LayerQuant(Bits(6, 0), Bits(6, 1), Bits(6, 0)),
        "d3": LayerQuant(Bits(6, 1), Bits(8, 2)),
    }
    converted = quantize_model(_float_model(), bits, input_bits=Bits(12, 3))
    graph = to_graph(converted)
    nodes = {node.name: node for node in graph.nodes}
    assert nodes["d1"].consts["weight"].type == FixedType(8, 3)
    assert nodes["d3"].consts["bias"].type == FixedType(8, 3)
    assert_keras_equals_ir(converted)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: [layers.Dense(4), layers.Activation("softmax"), layers.Dense(2)], "softmax"),
        (lambda: [layers.Dense(4, activation="relu"), layers.BatchNormalization()], "last Dense"),
        (lambda: [layers.Dense(4), layers.Activation("tanh")], "tanh"),
        (lambda: [layers.Reshape((8, 1)), layers.Flatten(), layers.Dense(2)], "not supported"),
    ],
)
def test_unconvertible_models_are_refused(build, message):
    from trigc.quantize import ConversionError, quantize_model

    model = keras.Sequential([keras.Input((8,)), *build()])
    with pytest.raises(ConversionError, match=message):
        quantize_model(model)


def test_per_layer_bits_must_name_every_dense_layer():
    from trigc.quantize import ConversionError, quantize_model

    with pytest.raises(ConversionError, match="missing for dense layers"):
        quantize_model(_float_model(), {"d1": LayerQuant()})
