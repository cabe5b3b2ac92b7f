"""Magnitude pruning on Keras 3: schedule reached, masks fixed while fine-tuning, exact zeros
in the quantized kernels, strip_pruning → a plain model that saves, loads and compiles."""

from __future__ import annotations

import numpy as np
import pytest

from tests.quantize.conftest import assert_keras_equals_ir

pytestmark = pytest.mark.slow  # trains Keras models


def _data(n=2048, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 16)).astype(np.float32)
    return x, np.argmax(x[:, :5] + 0.5 * x[:, 5:10], axis=1)


def _pruned_model(sparsity, schedule_steps=32, epochs=2):
    import keras

    from trigc.quantize import (
        PolynomialDecay,
        build_qmodel,
        prune_low_magnitude,
        uniform_spec,
    )

    model = build_qmodel(uniform_spec(16, (32, 16, 5), 6), seed=2)
    pruning = prune_low_magnitude(model, sparsity, PolynomialDecay(schedule_steps, frequency=8))
    model.compile(
        optimizer=keras.optimizers.Adam(1e-2),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    x, y = _data()
    model.fit(x, y, epochs=epochs, batch_size=128, callbacks=[pruning], verbose=0)
    return model, pruning, (x, y)


def _quantized_kernel(layer):
    return np.asarray(layer.kernel_quantizer_internal(layer.kernel.numpy()))


def test_masks_reach_target_and_stay_fixed_during_fine_tuning():
    from trigc.quantize import masks

    model, pruning, (x, y) = _pruned_model({"fc1": 0.75, "fc2": 0.5})
    assert pruning.step == 32  # 2 epochs × 16 batches: the schedule has ended
    before = {name: mask.copy() for name, mask in masks(model).items()}
    assert set(before) == {"fc1", "fc2"}
    assert int(np.sum(before["fc1"] == 0)) == 0.75 * 16 * 32
    assert int(np.sum(before["fc2"] == 0)) == 0.5 * 32 * 16

    model.fit(x, y, epochs=2, batch_size=128, callbacks=[pruning], verbose=0)  # fine-tune
    after = masks(model)
    for name, mask in before.items():
        assert np.array_equal(after[name], mask)
        layer = model.get_layer(name)
        assert np.all(layer.kernel.numpy()[mask == 0] == 0.0)
        assert np.all(_quantized_kernel(layer)[mask == 0] == 0.0)
    # The unpruned layer kept every weight free.
    assert np.count_nonzero(model.get_layer("output").kernel.numpy()) == 16 * 5


def test_strip_pruning_leaves_a_plain_model_that_saves_loads_and_compiles(tmp_path):
    import keras
    from qkeras.utils import _add_supported_quantized_objects

    from trigc.quantize import MaskConstraint, masks, strip_pruning, summary, total_sparsity

    model, _, (x, _) = _pruned_model(0.6)
    zeros = {name: mask == 0 for name, mask in masks(model).items()}
    strip_pruning(model)
    assert masks(model) == {}
    for layer in model.layers:
        if hasattr(layer, "kernel"):
            assert not isinstance(layer.kernel.constraint, MaskConstraint)
    rows = {row.name: row for row in summary(model)}
    for name, zero in zeros.items():
        assert rows[name].n_pruned is None
        assert rows[name].n_zero >= int(zero.sum())
    assert total_sparsity(model) >= 0.599

    path = tmp_path / "pruned.keras"
    model.save(path)
    custom: dict = {}
    _add_supported_quantized_objects(custom)
    loaded = keras.models.load_model(path, custom_objects=custom, compile=False)
    for name, zero in zeros.items():
        assert np.all(loaded.get_layer(name).kernel.numpy()[zero] == 0.0)
    assert np.array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert_keras_equals_ir(loaded)


def test_prune_low_magnitude_rejects_unknown_layers_and_bad_sparsity():
    from trigc.quantize import PolynomialDecay, build_qmodel, prune_low_magnitude, uniform_spec

    model = build_qmodel(uniform_spec(4, (3, 2), 6), seed=0)
    with pytest.raises(ValueError, match="no dense layer"):
        prune_low_magnitude(model, {"fc9": 0.5}, PolynomialDecay(10))
    with pytest.raises(ValueError, match=r"in \[0, 1\)"):
        prune_low_magnitude(model, 1.0, PolynomialDecay(10))
