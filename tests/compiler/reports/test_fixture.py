"""The hand-written tiny_mlp RTL computes exactly what its ir.json says."""

from __future__ import annotations

import numpy as np
import pytest

from trigc.compiler.ir.executor import run_int
from trigc.compiler.ir.serialize import load_graph

from .conftest import DATA


@pytest.mark.sim
def test_tiny_mlp_rtl_is_bit_exact() -> None:
    bulk = pytest.importorskip("trigc.sim.bulk")
    project = DATA / "tiny_mlp"
    graph = load_graph(project / "ir.json")
    x = np.random.default_rng(0).integers(-128, 128, size=(2000, 4))
    (out,) = bulk.run_rtl(project / "rtl", [x])
    np.testing.assert_array_equal(out, run_int(graph, x)["fc1"])
