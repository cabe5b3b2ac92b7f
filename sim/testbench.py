"""cocotb testbench for trigc RTL designs: driver, monitors, scoreboard and the tests.

Laid out like cocotb's own examples (``examples/matrix_multiplier``): a driver puts vectors on
the input bus, an input monitor records what the design accepts, an output monitor records what
it presents, and the :class:`~trigc.sim.scoreboard.Scoreboard` compares both against the IR
executor, bit for bit and cycle for cycle.

This module runs inside the simulator; :func:`trigc.sim.runner.run_protocol_tests` builds the
design and starts it.  It is configured through environment variables:

``TRIGC_RTL_DIR``       RTL directory with ``rtl_manifest.json`` (required)
``TRIGC_IR_JSON``       the ``ir.json`` the RTL was generated from (required)
``TRIGC_TB_VECTORS``    vectors per streaming test (default 200)
``TRIGC_TB_REPORT_DIR`` folder for one ``<test>.json`` summary per test (optional)
``TRIGC_TB_INTERFACE``  ``core`` (the contract's ports, default) or ``hls`` (the
                        ``<top>_hls_wrapper``), see :mod:`trigc.sim.buses`

The tests (each checks every rule of :mod:`trigc.sim.scoreboard`, X/Z included):

``back_to_back``              vectors on consecutive edges (II=1), corner vectors first
``random_gaps``               random idle edges; idle data is X on four-state simulators
``reset_mid_stream``          resets while vectors are in flight; flush and clean restart
``latency_matches_manifest``  single vectors into an empty pipeline

Timing convention: the driver changes inputs at falling edges and the input monitor reads them
once settled (ReadOnly), i.e. as the design will sample them at the next rising edge; the
output monitor reads the outputs at the falling edge after a rising edge, before the driver's
new values apply.  Edges are numbered from the first rising edge.
"""

from __future__ import annotations

import functools
import json
import os
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cocotb
import numpy as np
from cocotb.clock import Clock
from cocotb.simtime import get_sim_time
from cocotb.triggers import ClockCycles, FallingEdge, ReadOnly, RisingEdge

from trigc.compiler.backends.rtl.manifest import RtlManifest, load_rtl_manifest
from trigc.compiler.ir.serialize import load_graph

from .buses import INTERFACES, CoreBus
from .manifest import pack_vectors, words_to_ints
from .scoreboard import OutputSample, Scoreboard

PERIOD = 10  # clock period in simulator steps (the RTL has no delays, so units do not matter)


@dataclass(frozen=True)
class TestbenchConfig:
    """Settings passed from the runner through the environment."""

    rtl_dir: Path
    ir_json: Path
    vectors: int
    report_dir: Path | None
    interface: str = "core"

    @classmethod
    def from_env(cls) -> TestbenchConfig:
        """Read the ``TRIGC_*`` variables; a clear error when a required one is missing."""
        missing = [v for v in ("TRIGC_RTL_DIR", "TRIGC_IR_JSON") if not os.environ.get(v)]
        if missing:
            raise RuntimeError(
                f"trigc testbench needs {', '.join(missing)}; run it through "
                "trigc.sim.runner.run_protocol_tests"
            )
        report = os.environ.get("TRIGC_TB_REPORT_DIR")
        return cls(
            rtl_dir=Path(os.environ["TRIGC_RTL_DIR"]),
            ir_json=Path(os.environ["TRIGC_IR_JSON"]),
            vectors=int(os.environ.get("TRIGC_TB_VECTORS", "200")),
            report_dir=Path(report) if report else None,
            interface=os.environ.get("TRIGC_TB_INTERFACE", "core"),
        )


class VectorDriver:
    """Offers packed vectors on the bus at falling edges, half a cycle before they are sampled.

    Idle cycles carry junk data (random bits, or X with ``bus.x_when_idle`` on four-state
    simulators) that the design must ignore.
    """

    def __init__(self, bus: CoreBus, rng: random.Random) -> None:
        self.bus = bus
        self.rng = rng

    async def send(self, vectors: list[int], gap: float = 0.0) -> None:
        """Offer each vector at consecutive edges; idle first with probability ``gap``."""
        for vector in vectors:
            while gap and self.rng.random() < gap:
                await self.idle(1)
            await FallingEdge(self.bus.clk)
            self.bus.drive(vector)
        await self.idle(1)

    async def idle(self, cycles: int) -> None:
        """Offer nothing for ``cycles`` edges."""
        for _ in range(cycles):
            await FallingEdge(self.bus.clk)
            self.bus.drive(None)

    async def pulse_reset(self, cycles: int) -> None:
        """Hold reset high for ``cycles`` rising edges (whatever the data side does)."""
        await FallingEdge(self.bus.clk)
        self.bus.set_reset(True)
        for _ in range(cycles):
            await FallingEdge(self.bus.clk)
        self.bus.set_reset(False)


class InputMonitor:
    """Records resets and accepted vectors, read once the driver's values have settled."""

    def __init__(self, bus: CoreBus, scoreboard: Scoreboard, edge_of: Callable[[int], int]) -> None:
        self.bus = bus
        self.scoreboard = scoreboard
        self.edge_of = edge_of

    async def run(self) -> None:
        """Sample forever (the test's end cancels this task)."""
        while True:
            await FallingEdge(self.bus.clk)
            await ReadOnly()
            edge = self.edge_of(get_sim_time("step") + PERIOD // 2)  # the coming rising edge
            state = self.bus.sample_input()
            if state.problem:
                self.scoreboard.record_problem(edge, state.problem)
            if state.reset:
                self.scoreboard.record_reset(edge)
            elif state.accepted and state.data is None:
                self.scoreboard.record_problem(edge, "testbench drove X/Z data with a valid flag")
            elif state.accepted:
                self.scoreboard.record_input(edge, state.data)


class OutputMonitor:
    """Records the outputs half a cycle after every rising edge."""

    def __init__(self, bus: CoreBus, scoreboard: Scoreboard, edge_of: Callable[[int], int]) -> None:
        self.bus = bus
        self.scoreboard = scoreboard
        self.edge_of = edge_of

    async def run(self) -> None:
        """Sample forever (the test's end cancels this task)."""
        while True:
            await FallingEdge(self.bus.clk)
            edge = self.edge_of(get_sim_time("step") - PERIOD // 2)  # the past rising edge
            state = self.bus.sample_output()
            if state.problem:
                self.scoreboard.record_problem(edge, state.problem)
            self.scoreboard.record_output(OutputSample(edge, state.valid, state.data))


class Testbench:
    """Clock, driver, monitors and scoreboard around one DUT for one test."""

    def __init__(self, dut: Any, config: TestbenchConfig, name: str) -> None:
        self.config = config
        self.name = name
        self.manifest: RtlManifest = load_rtl_manifest(config.rtl_dir)
        self.scoreboard = Scoreboard(self.manifest, load_graph(config.ir_json))
        self.rng = random.Random(f"{cocotb.RANDOM_SEED}-{name}")
        self.np_rng = np.random.default_rng(self.rng.getrandbits(64))
        self.bus = INTERFACES[config.interface](dut, self.manifest, self.rng)
        self.driver = VectorDriver(self.bus, self.rng)
        self.four_state = "verilator" not in cocotb.SIM_NAME.lower()
        self._t0 = 0

    def edge_of(self, rise_time: int) -> int:
        """Index of the rising edge at simulation time ``rise_time``."""
        edge, rest = divmod(rise_time - self._t0, PERIOD)
        assert rest == 0, f"time {rise_time} is not on a rising edge"
        return edge

    async def start(self, reset_cycles: int | None = None) -> None:
        """Start the clock, hold reset (``latency + 2`` edges by default), start monitoring."""
        bus = self.bus
        bus.set_reset(True)
        bus.drive(None)
        Clock(bus.clk, PERIOD, unit="step").start(start_high=False)
        await RisingEdge(bus.clk)
        self._t0 = get_sim_time("step")
        self.scoreboard.record_reset(0)
        cocotb.start_soon(InputMonitor(bus, self.scoreboard, self.edge_of).run())
        cocotb.start_soon(OutputMonitor(bus, self.scoreboard, self.edge_of).run())
        cycles = self.manifest.latency_cycles + 2 if reset_cycles is None else reset_cycles
        await ClockCycles(bus.clk, cycles - 1)
        await FallingEdge(bus.clk)
        bus.set_reset(False)

    def random_vectors(self, count: int, corners: bool = True) -> list[int]:
        """Packed random input vectors over each input type's full range.

        With ``corners`` the first vectors are all-minimum, all-maximum and all-zero.
        """
        arrays = []
        for port in self.manifest.inputs:
            lo, hi = port.type.lowest_int, port.type.max_int
            if port.width <= 62:
                values = self.np_rng.integers(lo, hi, size=(count, *port.shape), endpoint=True)
            else:
                flat = [self.rng.randint(lo, hi) for _ in range(count * port.size)]
                values = np.array(flat, dtype=object).reshape(count, *port.shape)
            if corners:
                for row, corner in enumerate((lo, hi, 0)[:count]):
                    values[row] = corner
            arrays.append(values)
        return words_to_ints(pack_vectors(self.manifest.inputs, self.manifest.in_width, arrays))

    async def drain(self) -> None:
        """Idle until every accepted vector is out (plus two edges); then the design must
        report idle, where its interface has such a flag."""
        await self.driver.idle(self.manifest.latency_cycles + 3)
        await ReadOnly()
        problem = self.bus.idle_problem()
        if problem:
            self.scoreboard.record_problem(self.scoreboard.last_edge, problem)

    def finish(self) -> int:
        """Run the scoreboard; return the number of vectors checked."""
        return self.scoreboard.check()

    def report(self, passed: bool, vectors: int = 0, message: str = "") -> None:
        """Write this test's summary for the runner."""
        if self.config.report_dir is None:
            return
        self.config.report_dir.mkdir(parents=True, exist_ok=True)
        summary = {
            "test": self.name,
            "passed": passed,
            "vectors": vectors,
            "accepted": len(self.scoreboard.accepted),
            "resets": len(self.scoreboard.reset_edges),
            "edges": max((s.edge for s in self.scoreboard.outputs), default=0),
            "message": message,
        }
        path = self.config.report_dir / f"{self.name}.json"
        path.write_text(json.dumps(summary, indent=1) + "\n")


def trigc_test(body: Callable[[Testbench], Awaitable[None]]) -> Callable[[Any], Awaitable[None]]:
    """Turn ``body(tb)`` into a cocotb test that starts a testbench, checks and reports."""

    @functools.wraps(body)
    async def test(dut: Any) -> None:
        tb = Testbench(dut, TestbenchConfig.from_env(), body.__name__)
        try:
            await tb.start()
            await body(tb)
            await tb.drain()
            vectors = tb.finish()
        except BaseException as exc:
            tb.report(passed=False, message=f"{type(exc).__name__}: {exc}")
            raise
        tb.report(passed=True, vectors=vectors)

    return cocotb.test(test)


# -- the tests --------------------------------------------------------------------------------


@trigc_test
async def back_to_back(tb: Testbench) -> None:
    """Vectors on consecutive edges (II=1), starting with the corner vectors."""
    vectors = tb.random_vectors(tb.config.vectors)
    await tb.driver.send(vectors)
    taken = len(tb.scoreboard.accepted)
    if taken != len(vectors):
        tb.scoreboard.record_problem(
            tb.scoreboard.last_edge, f"only {taken} of {len(vectors)} offered vectors were taken"
        )


@trigc_test
async def random_gaps(tb: Testbench) -> None:
    """Idle edges at random between vectors; idle data is X on four-state simulators."""
    tb.bus.x_when_idle = tb.four_state
    await tb.driver.send(tb.random_vectors(tb.config.vectors // 2), gap=0.3)
    await tb.driver.send(tb.random_vectors(tb.config.vectors // 2, corners=False), gap=0.7)


@trigc_test
async def reset_mid_stream(tb: Testbench) -> None:
    """Reset while vectors are in flight; the pipeline must flush and restart cleanly."""
    latency = tb.manifest.latency_cycles
    for _ in range(2):
        stream = cocotb.start_soon(tb.driver.send(tb.random_vectors(tb.config.vectors // 2)))
        await ClockCycles(tb.bus.clk, tb.rng.randint(latency + 1, latency + 20))
        await tb.driver.pulse_reset(tb.rng.randint(1, 3))
        await stream
    await tb.driver.send(tb.random_vectors(8, corners=False))
    flushed = [k for k in tb.scoreboard.accepted if tb.scoreboard.flushed(k)]
    if not flushed and latency > 0:
        raise RuntimeError("testbench: no vector was in flight at a reset; the test is too weak")


@trigc_test
async def latency_matches_manifest(tb: Testbench) -> None:
    """Single vectors into an empty pipeline come out exactly latency_cycles edges later."""
    latency = tb.manifest.latency_cycles
    for vector in tb.random_vectors(6):
        await tb.driver.send([vector])
        await tb.driver.idle(latency + 2)
    await tb.drain()
    valid_edges = [s.edge for s in tb.scoreboard.outputs if s.valid]
    for in_edge in sorted(tb.scoreboard.accepted):
        later = [e for e in valid_edges if e >= in_edge]
        observed = min(later) - in_edge if later else None
        if observed != latency:
            tb.scoreboard.record_problem(
                in_edge,
                f"the vector accepted here came out after {observed} edges; the manifest says "
                f"latency_cycles={latency}",
            )
