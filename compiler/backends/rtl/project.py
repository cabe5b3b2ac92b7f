"""The files of an RTL project: top module, hls4ml-style wrapper, manifest (and a testbench).

:func:`generate` builds everything in memory (file name -> text) in named steps (build the
netlist, schedule, plan, describe, render: :mod:`.describe`, :mod:`.render`);
:func:`write_project` writes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ...errors import ProjectError, TrigcError
from ...ir.graph import Graph
from ...names import VERILOG_KEYWORDS
from ..options import BackendOptions
from .delay import DelayModel
from .describe import bus_width, describe
from .linear import SHARING
from .lower import build_netlist
from .manifest import RtlManifest
from .netlist import Netlist
from .plan import Plan, plan_design
from .render import render_files
from .schedule import schedule
from .size import check_size
from .verilog import PrintedDesign, print_design


@dataclass(frozen=True)
class RtlSettings:
    """Knobs of the rtl backend beyond :class:`BackendOptions`."""

    sharing: str = "pairs"  # or "products", "digits": see lower.linear
    retime: bool = True  # place the pipeline registers where they hold the fewest bits
    delay_model: DelayModel = field(default_factory=DelayModel)

    def __post_init__(self) -> None:
        if self.sharing not in SHARING:
            raise TrigcError(f"unknown sharing {self.sharing!r}; valid: {', '.join(SHARING)}")


def _check_name(name: str) -> None:
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name) or name in VERILOG_KEYWORDS:
        raise TrigcError(
            f"project name {name!r} is not a usable Verilog module name: use letters, digits "
            "and underscores, starting with a letter, and no Verilog keyword"
        )


@dataclass(frozen=True)
class Design:
    """An RTL design in memory: file texts and the manifest."""

    files: dict[str, str]
    manifest: RtlManifest
    plan: Plan
    printed: PrintedDesign


def generate(graph: Graph, options: BackendOptions, settings: RtlSettings | None = None) -> Design:
    """The design of ``graph`` in memory, step by step: check, build the netlist, schedule its
    registers, plan, describe (the manifest) and render; nothing is written."""
    settings = settings or RtlSettings()
    budget = _check(graph, options, settings)
    lowered = build_netlist(graph, Netlist(settings.delay_model, budget), settings.sharing)
    schedule(lowered, settings.delay_model, budget, settings.retime)
    plan = plan_design(lowered, bus_width(lowered), options.project_name)
    printed = print_design(plan)
    delay_model = settings.delay_model.to_dict(options.clock_period_ns)
    manifest = describe(graph, options, settings.sharing, delay_model, lowered, plan)
    files = render_files(graph, options, lowered, plan, printed, manifest)
    return Design(files, manifest, plan, printed)


def _check(graph: Graph, options: BackendOptions, settings: RtlSettings) -> float:
    """What must hold before building; returns the logic budget of a stage in ns."""
    _check_name(options.project_name)
    if not graph.outputs:
        raise TrigcError(f"graph {graph.name!r} has no outputs: nothing to build")
    budget = settings.delay_model.budget_ns(options.clock_period_ns)
    if budget <= 0:
        raise TrigcError(
            f"clock period {options.clock_period_ns} ns leaves no time for logic after the "
            f"register overhead of the delay model; use a longer clock period"
        )
    check_size(graph, options)  # seconds, before a netlist too large to fit takes minutes
    return budget


def write_project(design: Design, outdir: Path) -> list[Path]:
    """Write the design's files into ``outdir`` (created if needed); returns them sorted."""
    outdir = Path(outdir)
    try:
        outdir.mkdir(parents=True, exist_ok=True)
        paths = []
        for name, text in design.files.items():
            path = outdir / name
            path.write_text(text)
            paths.append(path)
    except OSError as exc:
        raise ProjectError(f"cannot write the RTL project into {outdir}: {exc}") from None
    return sorted(paths)
