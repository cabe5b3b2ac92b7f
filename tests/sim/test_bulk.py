"""The Verilator bulk harness on the hand-written DUTs: bit-exact and cycle-exact."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from trigc.compiler.backends.rtl.manifest import load_rtl_manifest
from trigc.compiler.ir.executor import run_int
from trigc.compiler.ir.serialize import load_graph
from trigc.sim.bulk import build_harness, run_rtl
from trigc.sim.verilator import SimulationError

pytestmark = pytest.mark.sim


def _random_inputs(rtl_dir: Path, n: int, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    inputs = []
    for port in load_rtl_manifest(rtl_dir).inputs:
        lo, hi = port.type.min_int, port.type.max_int
        x = rng.integers(lo, hi, size=(n, *port.shape), endpoint=True)
        x[0], x[1], x[2] = lo, hi, 0  # corners first
        inputs.append(x)
    return inputs


def _assert_bit_exact(rtl_dir: Path, inputs: list[np.ndarray], outputs: list[np.ndarray]) -> None:
    graph = load_graph(rtl_dir / "ir.json")
    reference = run_int(graph, *inputs)
    for port, got in zip(load_rtl_manifest(rtl_dir).outputs, outputs, strict=True):
        want = reference[port.name]
        assert got.shape == want.shape and got.dtype.kind == "i"
        bad = np.flatnonzero((got != want).any(axis=tuple(range(1, got.ndim))))
        assert bad.size == 0, (
            f"{port.name}: {bad.size} vectors differ, first #{bad[0]}: RTL {got[bad[0]]} "
            f"!= IR {want[bad[0]]}"
        )


@pytest.mark.parametrize("design", ["dot4", "two_port"])
@pytest.mark.parametrize("gap_percent", [0, 40])
def test_bulk_matches_the_ir_executor(design: str, gap_percent: int, request) -> None:
    rtl_dir = request.getfixturevalue(f"{design}_dir")
    inputs = _random_inputs(rtl_dir, 20_000)
    outputs = run_rtl(rtl_dir, inputs, gap_percent=gap_percent, seed=gap_percent + 1)
    _assert_bit_exact(rtl_dir, inputs, outputs)


def test_sharded_run_equals_single_run(two_port_dir: Path) -> None:
    inputs = _random_inputs(two_port_dir, 5_001)
    single = run_rtl(two_port_dir, inputs, jobs=1)
    sharded = run_rtl(two_port_dir, inputs, jobs=2)
    for a, b in zip(single, sharded, strict=True):
        assert np.array_equal(a, b)


def test_the_build_is_cached(dot4_dir: Path) -> None:
    build_harness(dot4_dir)
    again = build_harness(dot4_dir)
    assert again.cached and again.executable.is_file()


def test_empty_batch(dot4_dir: Path) -> None:
    (y,) = run_rtl(dot4_dir, [np.zeros((0, 4), dtype=np.int64)])
    assert y.shape == (0, 1)


@pytest.mark.parametrize("wrong_latency", [1, 3])
def test_a_wrong_manifest_latency_is_caught(
    wrong_latency: int, dot4_dir: Path, copy_design: Callable[..., Path]
) -> None:
    # same Verilog, so the cached harness is reused; only the latency check differs
    rtl_dir = copy_design(dot4_dir, "dot4_lat", latency_cycles=wrong_latency)
    with pytest.raises(SimulationError, match="observed latency 2"):
        run_rtl(rtl_dir, _random_inputs(rtl_dir, 100))


def test_a_design_that_forgets_reset_is_caught(
    dot4_dir: Path, copy_design: Callable[..., Path]
) -> None:
    # out_valid powers up X (0 or 1 in Verilator's two states) and is never cleared; force 1
    rtl_dir = copy_design(
        dot4_dir,
        "dot4_noreset",
        replace={"out_valid <= rst ? 1'b0 : v1;": "out_valid <= rst ? 1'b1 : v1;"},
    )
    with pytest.raises(SimulationError, match="out_valid=1 after reset edge"):
        run_rtl(rtl_dir, _random_inputs(rtl_dir, 10))


def test_verilog_errors_are_reported(dot4_dir: Path, copy_design: Callable[..., Path]) -> None:
    rtl_dir = copy_design(dot4_dir, "dot4_bad", replace={"out_valid <= rst": "out_valid <= rst +"})
    with pytest.raises(SimulationError, match="could not build the bulk harness for .dot4."):
        build_harness(rtl_dir)
