"""Register placement (``rtl.retime``): the same latency and timing, fewer register bits.

The designs it moves are simulated bit for bit in ``test_rtl_sim`` (the 16-64-32-32-5 network
and the cast zoo at 200 MHz are among the ones it changes most); here the schedule itself is
checked: every cell after its operands, within the stage budget, the latency kept.
"""

from __future__ import annotations

import pytest

from tests.compiler.backends.test_rtl import (
    big_mlp_graph,
    cast_zoo_graph,
    mlp_graph,
    multi_io_graph,
    scale_shift_graph,
    wide_graph,
)
from trigc.compiler.backends import BackendOptions
from trigc.compiler.backends.rtl.delay import DelayModel
from trigc.compiler.backends.rtl.lower import Lowered, build_netlist
from trigc.compiler.backends.rtl.netlist import InputCell, Netlist
from trigc.compiler.backends.rtl.plan import plan_design
from trigc.compiler.backends.rtl.project import RtlSettings, generate
from trigc.compiler.backends.rtl.retime import retime
from trigc.compiler.ir.graph import Graph

GRAPHS = {
    "big_mlp": big_mlp_graph,
    "cast_zoo": cast_zoo_graph,
    "mlp": mlp_graph,
    "multi_io": multi_io_graph,
    "scale_shift": scale_shift_graph,
    "wide": wide_graph,
}
MODEL = DelayModel()


def _lowered(graph: Graph, mhz: float) -> tuple[Lowered, float]:
    budget = MODEL.budget_ns(1000.0 / mhz)
    return build_netlist(graph, Netlist(MODEL, budget)), budget


def _latency(lowered: Lowered) -> int:
    return max(v.sig.stage for p in lowered.outputs for v in p.values if v.sig is not None)


def _check_schedule(lowered: Lowered, budget: float) -> None:
    for sig in lowered.live():
        if isinstance(sig.cell, InputCell):
            assert (sig.stage, sig.time) == (1, 0.0)
            continue
        delay = sig.cell.delay(MODEL, sig.width)
        start = 0.0
        for src in sig.cell.inputs:
            assert src.stage <= sig.stage, f"{sig.name} computed before its operand {src.name}"
            if src.stage == sig.stage:
                start = max(start, src.time)
        assert sig.time == pytest.approx(start + delay, abs=1e-5), sig.name
        assert sig.finish == pytest.approx(MODEL.finish(sig.time, sig.cell.chain(sig.width)))
        if start > 0.0:
            assert sig.finish <= budget + 1e-6, f"{sig.name} settles after the stage budget"


@pytest.mark.parametrize("mhz", [200.0, 400.0, 600.0])
@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_retiming_keeps_latency_and_timing_and_never_adds_bits(name: str, mhz: float) -> None:
    lowered, budget = _lowered(GRAPHS[name](), mhz)
    latency = _latency(lowered)
    in_width = max(lowered.inputs[-1].end, 1)
    greedy_bits = plan_design(lowered, in_width, "t").register_bits
    result = retime(lowered, MODEL, budget)
    assert result.after <= result.before
    _check_schedule(lowered, budget)
    assert _latency(lowered) == latency
    plan = plan_design(lowered, in_width, "t")
    assert plan.latency == latency
    assert plan.register_bits <= greedy_bits


def test_retiming_cuts_the_registers_of_the_benchmark_network() -> None:
    """16-64-32-32-5 at 200 MHz: cutting at the layers' inputs, not mid-tree, saves a third."""
    lowered, budget = _lowered(big_mlp_graph(), 200.0)
    result = retime(lowered, MODEL, budget)
    assert result.after < 0.7 * result.before


def test_the_backend_retimes_unless_told_not_to() -> None:
    graph = big_mlp_graph()
    options = BackendOptions(project_name="net", clock_period_ns=5.0)
    retimed = generate(graph, options).plan
    greedy = generate(graph, options, RtlSettings(retime=False)).plan
    assert retimed.latency == greedy.latency
    assert retimed.register_bits < greedy.register_bits
    assert retimed.adders == greedy.adders  # the same cells, only their stages moved
