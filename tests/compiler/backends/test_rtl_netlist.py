"""The RTL netlist by its text form: golden structure, sharing modes, a plan that changes nothing.

Regenerate the golden file with ``TRIGC_UPDATE_GOLDEN=1 pytest ...``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from trigc.compiler.backends import BackendOptions
from trigc.compiler.backends.rtl import RtlSettings, generate
from trigc.compiler.backends.rtl.lower import build_netlist
from trigc.compiler.backends.rtl.netlist import Netlist
from trigc.compiler.backends.rtl.netlist_text import netlist_text
from trigc.compiler.backends.rtl.plan import plan_design
from trigc.compiler.backends.rtl.verilog import print_design

from .test_rtl import mlp_graph, tiny_graph

GOLDEN = Path(__file__).parent / "data" / "rtl" / "tiny.netlist.txt"


def _netlist(graph, sharing: str = "pairs", clock_ns: float = 5.0):
    model = RtlSettings().delay_model
    return build_netlist(graph, Netlist(model, model.budget_ns(clock_ns)), sharing)


def test_tiny_netlist_matches_golden_text():
    text = netlist_text(_netlist(tiny_graph()).netlist)
    if os.environ.get("TRIGC_UPDATE_GOLDEN"):
        GOLDEN.write_text(text)
    assert text == GOLDEN.read_text(), "tiny netlist changed; TRIGC_UPDATE_GOLDEN=1 to accept"


def _adders(text: str) -> int:
    return sum(" = Add(" in line for line in text.splitlines())


def test_sharing_modes_show_in_the_netlist():
    """Shared products and pairs make fewer adders than one term per CSD digit."""
    counts = {
        s: _adders(netlist_text(_netlist(mlp_graph(), s).netlist))
        for s in ("digits", "products", "pairs")
    }
    assert counts["pairs"] < counts["digits"]
    assert counts["products"] <= counts["digits"]


@pytest.mark.parametrize("graph", [tiny_graph, mlp_graph])
def test_plan_and_printer_change_nothing(graph):
    """Planning and printing leave the netlist as it was, and printing twice gives one text."""
    lowered = _netlist(graph(), clock_ns=2.0)
    before = netlist_text(lowered.netlist)
    names = lowered.netlist.names_in_use()
    in_width = max(lowered.inputs[-1].end, 1)
    plan = plan_design(lowered, in_width, "top")
    first = print_design(plan)
    assert print_design(plan) == first
    assert netlist_text(lowered.netlist) == before
    assert lowered.netlist.names_in_use() == names


def test_plan_figures_match_the_manifest():
    design = generate(mlp_graph(), BackendOptions(project_name="mlp"))
    estimate = design.manifest.estimate
    assert estimate["register_bits"] == design.plan.register_bits > 0
    assert estimate["adders"] == design.plan.adders > 0
    assert design.manifest.latency_cycles == design.plan.latency
