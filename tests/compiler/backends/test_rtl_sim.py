"""The rtl backend against the IR executor: Verilator lint and Icarus simulation, bit for bit.

Every design is linted with ``verilator --lint-only -Wall`` (top and hls wrapper) and
simulated with Icarus on random vectors plus the extremes, with idle cycles between them;
outputs must equal ``graph.run_int`` exactly and appear exactly ``latency_cycles`` edges after
their input.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from tests.compiler.backends.test_rtl import (
    big_mlp_graph,
    cast_zoo_graph,
    degenerate_graph,
    mlp_graph,
    multi_io_graph,
    pruned_graph,
    scale_shift_graph,
    shifts_graph,
    tiny_graph,
    wide_graph,
)
from trigc.compiler.backends import BackendOptions
from trigc.compiler.backends.rtl import emit
from trigc.compiler.ir.executor import run_int
from trigc.compiler.ir.graph import Graph
from trigc.sim.tools import lint, simulate_icarus, verilator_path

pytestmark = pytest.mark.sim


def _random_inputs(graph: Graph, n: int, seed: int) -> list[np.ndarray]:
    """Uniform mantissas; the first rows are all-minimum, all-maximum and zero."""
    rng = np.random.default_rng(seed)
    arrays = []
    for node in graph.inputs:
        t = node.output.type
        x = rng.integers(t.min_int, t.max_int, size=(n, *node.output.shape), endpoint=True)
        x[0], x[1], x[2] = t.min_int, t.max_int, 0
        arrays.append(x)
    return arrays


def _emit(graph: Graph, outdir: Path, mhz: float = 200.0) -> dict:
    options = BackendOptions(project_name=graph.name, clock_period_ns=1000.0 / mhz)
    emit(graph, options, outdir)
    return json.loads((outdir / "rtl_manifest.json").read_text())


def assert_bit_exact(graph: Graph, outdir: Path, n: int, seed: int = 0, mhz: float = 200.0):
    """Simulate ``n`` vectors with about 20% idle edges; compare values and latency."""
    if shutil.which("iverilog") is None:
        pytest.skip("Icarus Verilog (iverilog) is not installed")
    manifest = _emit(graph, outdir, mhz)
    xs = _random_inputs(graph, n, seed)
    rng = np.random.default_rng(seed + 1)
    valid = np.ones(n + n // 4, dtype=bool)
    valid[rng.choice(np.arange(3, len(valid)), len(valid) - n, replace=False)] = False
    run = simulate_icarus(outdir, xs, valid)
    assert np.array_equal(run.edges, np.flatnonzero(valid) + manifest["latency_cycles"])
    want = run_int(graph, *xs)
    for name, got in zip(graph.outputs, run.outputs, strict=True):
        bad = np.flatnonzero((got != want[name]).reshape(n, -1).any(axis=1))
        assert bad.size == 0, (
            f"{name}: {bad.size} vectors differ, first {[x[bad[0]] for x in xs]}: "
            f"{got[bad[0]]} != {want[name][bad[0]]}"
        )
    return manifest, want


LINTED = {
    "tiny": tiny_graph,
    "mlp": mlp_graph,
    "cast_zoo": cast_zoo_graph,
    "scale_shift": scale_shift_graph,
    "multi_io": multi_io_graph,
    "pruned": pruned_graph,
    "degenerate": degenerate_graph,
    "wide": wide_graph,
    "shifts": shifts_graph,
}


@pytest.mark.parametrize("name", sorted(LINTED))
def test_verilator_lint_is_clean(name: str, tmp_path: Path) -> None:
    if verilator_path() is None:
        pytest.skip("verilator is not installed")
    for mhz in (100.0, 400.0):
        outdir = tmp_path / f"{mhz:g}"
        manifest = _emit(LINTED[name](), outdir, mhz)
        files = [outdir / f for f in manifest["files"]]
        lint(files, manifest["top"])
        lint(files, manifest["hls_wrapper"]["top"])


@pytest.mark.parametrize(
    "build, vectors",
    [
        (mlp_graph, 2000),
        (scale_shift_graph, 2000),
        (multi_io_graph, 1000),
        (pruned_graph, 1000),
        (degenerate_graph, 200),
        (wide_graph, 1000),
        (shifts_graph, 1000),
    ],
)
def test_icarus_matches_the_executor(build, vectors: int, tmp_path: Path) -> None:
    assert_bit_exact(build(), tmp_path, vectors)


def test_every_rounding_and_overflow_mode(tmp_path: Path) -> None:
    graph = cast_zoo_graph()
    _, want = assert_bit_exact(graph, tmp_path, 3000, seed=5)
    # the vectors reach both ends of every saturating type and some values in between
    for name in graph.outputs:
        t = graph.tensor(name).type
        if t.overflow != "WRAP" and not name.startswith("relu"):
            assert (want[name] == t.max_int).any() and (
                want[name] == t.min_int + (t.overflow == "SAT_SYM" and t.signed)
            ).any(), name
        assert len(np.unique(want[name])) > 8, name


def test_deep_pipeline_at_a_fast_clock(tmp_path: Path) -> None:
    manifest, _ = assert_bit_exact(mlp_graph(seed=9), tmp_path, 1000, seed=3, mhz=500.0)
    assert manifest["latency_cycles"] >= 4


def test_16_64_32_32_5_network(tmp_path: Path) -> None:
    """The benchmark-sized network: lint, then 600 vectors (Icarus takes ~15 ms per cycle)."""
    manifest, _ = assert_bit_exact(big_mlp_graph(), tmp_path, 600, seed=11)
    assert 4 <= manifest["latency_cycles"] <= 12
    if verilator_path() is not None:
        files = [tmp_path / f for f in manifest["files"]]
        lint(files, manifest["hls_wrapper"]["top"])
