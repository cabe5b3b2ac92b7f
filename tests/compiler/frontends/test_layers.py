"""The shared lowering: float values rounded to configured types exactly as ap_fixed does."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from trigc.compiler.frontends.layers.records import cast_float
from trigc.compiler.ir.fixed import OVERFLOW_MODES, ROUNDING_MODES, FixedType, cast


@pytest.mark.parametrize("rounding", ROUNDING_MODES)
@pytest.mark.parametrize("overflow", OVERFLOW_MODES)
def test_cast_float_equals_exact_cast(rounding, overflow):
    rng = np.random.default_rng(0)
    ties = rng.integers(-300, 300, 500) / 32 + 1 / 64  # exactly halfway between 2^-5 steps
    tiny = [1e-300, -1e-300, 0.0, -0.0, 5e-324, -5e-324]
    v = np.concatenate([rng.normal(0, 3, 2000), ties, tiny])
    t = FixedType(8, 3, True, rounding, overflow)
    guard = 1200  # enough for every float64, denormals included
    exact = np.array([math.floor(Fraction(float(x)) * 2**guard) for x in v], dtype=object)
    assert np.array_equal(cast_float(v, t, "w"), cast(exact, FixedType(1400, 1400 - guard), t))
