"""Pruning schedule and magnitude masks (NumPy only, no TensorFlow)."""

from __future__ import annotations

import numpy as np
import pytest

from trigc.quantize.schedule import PolynomialDecay, magnitude_mask


def test_polynomial_decay_rises_from_initial_to_target():
    schedule = PolynomialDecay(end_step=100, begin_step=20, frequency=10)
    assert schedule.sparsity(0, 0.6) == 0.0
    assert schedule.sparsity(20, 0.6) == 0.0
    assert schedule.sparsity(100, 0.6) == pytest.approx(0.6)
    assert schedule.sparsity(1000, 0.6) == pytest.approx(0.6)
    assert schedule.sparsity(60, 0.6) == pytest.approx(0.6 * (1 - 0.5**3))
    values = [schedule.sparsity(s, 0.6) for s in range(0, 120)]
    assert values == sorted(values)


def test_polynomial_decay_update_steps():
    schedule = PolynomialDecay(end_step=95, begin_step=10, frequency=20)
    updates = [s for s in range(200) if schedule.updates_at(s)]
    assert updates == [10, 30, 50, 70, 90, 95]


@pytest.mark.parametrize(
    "kwargs", [{"end_step": 10, "begin_step": 10}, {"end_step": 10, "frequency": 0}]
)
def test_polynomial_decay_rejects_bad_settings(kwargs):
    with pytest.raises(ValueError):
        PolynomialDecay(**kwargs)


def test_magnitude_mask_cuts_smallest_weights():
    kernel = np.array([[0.5, -0.1], [0.05, -2.0], [0.3, 0.0]])
    mask = magnitude_mask(kernel, 0.5)
    assert mask.tolist() == [[1, 0], [0, 1], [1, 0]]
    assert magnitude_mask(kernel, 0.0).tolist() == np.ones((3, 2)).tolist()


def test_magnitude_masks_are_nested_and_exact_in_count():
    kernel = np.random.default_rng(0).normal(size=(16, 8))
    previous = np.ones_like(kernel)
    for sparsity in (0.1, 0.3, 0.5, 0.7):
        mask = magnitude_mask(kernel * previous, sparsity)
        assert int(np.sum(mask == 0)) == round(sparsity * kernel.size)
        assert np.all(mask <= previous)  # once cut, always cut
        previous = mask
