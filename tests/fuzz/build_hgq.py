"""Random HGQ proxy models (Keras 2 ``.h5`` with ``HGQ>FixedPointQuantizer`` layers).

An :class:`HgqSpec` is a dense network whose every activation (the input included) goes
through a quantizer with a random type per element (some of 0 bits) and one random pair of
``ap_fixed`` modes, and whose weights lie on random per-weight grids, as HGQ's proxy models
hold them.  The file is written in Keras 2's layout as HGQ v1's ``to_proxy_model`` saves it
(``tests/compiler/frontends/test_hgq.py`` checks files of the real library); the campaign
checks the IR against the float64 NumPy reading of the file and every firmware against the IR.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import strategies as st

from tests.compiler.frontends import legacy_keras_files as lk
from trigc.compiler.ir.fixed import OVERFLOW_MODES, ROUNDING_MODES


@dataclass(frozen=True)
class HgqSpec:
    """``n_in`` inputs, dense layers of ``units``, the quantizers' modes, a weight seed."""

    n_in: int
    units: tuple[int, ...]
    rounding: str
    overflow: str
    relu: bool
    shared_input_type: bool  # the input quantizer has one type for all elements (shape ())
    seed: int


@st.composite
def hgq_specs(draw: Any) -> HgqSpec:
    return HgqSpec(
        n_in=draw(st.integers(2, 10)),
        units=tuple(draw(st.lists(st.integers(1, 8), min_size=1, max_size=3))),
        rounding=draw(st.sampled_from(ROUNDING_MODES)),
        overflow=draw(st.sampled_from(OVERFLOW_MODES)),
        relu=draw(st.booleans()),
        shared_input_type=draw(st.booleans()),
        seed=draw(st.integers(0, 2**16)),
    )


def _quantizer(
    name: str, n: int, spec: HgqSpec, rng: np.random.Generator, shared: bool = False
) -> lk.LegacyLayer:
    """A ``FixedPointQuantizer`` with ``keep_negative``, ``bits``, ``integers`` per element
    (``ap_fixed`` conventions: bits and integers count the sign)."""
    shape = () if shared else (1, n)
    keep = rng.integers(0, 2, shape)
    bits = rng.integers(0, 7, shape)  # 0 bits: the element is 0
    integers = rng.integers(-1, 5, shape) + keep
    config = {
        **lk.layer_of("FixedPointQuantizer", name).config,
        "RND": spec.rounding,
        "SAT": spec.overflow,
        "shape": list(shape),
        "overrides": {"layers": {}},
        "fusible": shared,
    }
    weights = [
        ("keep_negative", keep.astype(np.int8)),
        ("bits", bits.astype(np.int8)),
        ("integers", integers.astype(np.int8)),
    ]
    return lk.LegacyLayer("HGQ>FixedPointQuantizer", config, weights)


def _on_grids(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Weights as HGQ leaves them: each on its own grid of 0 to 5 fractional bits."""
    frac = rng.integers(0, 6, shape)
    return np.round(rng.normal(0, 0.5, shape) * 2.0**frac) / 2.0**frac


def hgq_layers(spec: HgqSpec) -> list[lk.LegacyLayer]:
    rng = np.random.default_rng(spec.seed)
    layers = [_quantizer("in_q", spec.n_in, spec, rng, spec.shared_input_type)]
    n = spec.n_in
    for k, units in enumerate(spec.units):
        kernel, bias = _on_grids(rng, (n, units)), _on_grids(rng, (units,))
        layers.append(lk.dense(f"fc{k}", kernel, bias))
        layers.append(_quantizer(f"fc{k}_q", units, spec, rng))
        if spec.relu and k < len(spec.units) - 1:
            layers.append(lk.layer_of("ReLU", f"relu{k}", max_value=None, negative_slope=0.0,
                                      threshold=0.0))  # fmt: skip
            layers.append(_quantizer(f"relu{k}_q", units, spec, rng))
        n = units
    return layers


def write_hgq_proxy(spec: HgqSpec, tmp: Path) -> tuple[Path, Path | None]:
    layers = hgq_layers(spec)
    config = lk.sequential_config("hgq_fuzz", spec.n_in, layers)
    return lk.write_h5(tmp / "model.h5", config, layers), None
