"""Values wider than float32's 24 significant bits: the float64 Keras reference holds them from
its inputs on, so verify decides on them (it once rounded the inputs to float32 and failed)."""

from __future__ import annotations

import numpy as np
import pytest

from trigc.compiler.frontends.config.precision import config_from_dict
from trigc.compiler.ir.fixed import FixedType
from trigc.compiler.project import CompileOptions, compile_project
from trigc.compiler.verify import verify_project

keras = pytest.importorskip("keras")
pytestmark = pytest.mark.slow  # Keras


def _verified(model, tmp_path, input_type: str, precision: str):
    path = tmp_path / f"{model.name}.keras"
    model.save(path)
    options = CompileOptions(
        backends=("emu",),
        input_type=FixedType.parse(input_type),
        precision=config_from_dict({"Model": {"Precision": precision}}),
    )
    project = compile_project(path, tmp_path / "p", options)
    return verify_project(project.path, vectors=300, representations=("keras",))


def test_max_pooling_of_32_bit_inputs_is_decided_exactly(tmp_path):
    model = keras.Sequential(
        [keras.Input((4, 4, 2)), keras.layers.MaxPooling2D(2), keras.layers.Flatten()],
        name="wide_pool",
    )
    result = _verified(model, tmp_path, "fixed<32,9>", "fixed<32,9>")
    (keras_cmp,) = [c for c in result.comparisons if c.name == "keras"]
    assert (keras_cmp.identical, keras_cmp.total, keras_cmp.informative) == (300, 300, False)
    assert result.ok


def test_a_dense_layer_on_30_bit_inputs_is_decided_exactly(tmp_path):
    keras.utils.set_random_seed(3)
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(3)], name="wide_dense")
    kernel, bias = model.layers[0].get_weights()
    model.layers[0].set_weights([np.round(kernel * 8) / 8, np.round(bias * 8) / 8])
    result = _verified(model, tmp_path, "fixed<30,8>", "fixed<40,12>")
    (keras_cmp,) = [c for c in result.comparisons if c.name == "keras"]
    # a float model cast to a configuration: information for now, but equal on every vector
    assert (keras_cmp.identical, keras_cmp.total) == (300, 300)
