"""The compiler pipeline, top to bottom: every pass in order, verified after each.

``PASSES`` is the whole pipeline; a pass with an ``option`` runs only when that compile option
is on (``--argmax``).  :func:`run_pipeline` times each pass and can dump the IR text after
each one; :func:`selected_passes` is what the project manifest records.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .ir.graph import Graph
from .ir.legality import check_legal
from .ir.text import to_text
from .passes import append_argmax, fold_batchnorm, infer_precision, tabulate_functions

Pass = Callable[[Graph], Graph]


@dataclass(frozen=True)
class PipelinePass:
    """A pass, the legality phase that must hold after it, and the option that enables it."""

    name: str
    run: Pass
    phase: str
    option: str | None = None  # None: always


PASSES: tuple[PipelinePass, ...] = (
    PipelinePass("tabulate_functions", tabulate_functions.run, "structural"),
    PipelinePass("append_argmax", append_argmax.run, "structural", option="argmax"),
    PipelinePass("fold_batchnorm", fold_batchnorm.run, "structural"),
    PipelinePass("infer_precision", infer_precision.run, "typed"),
)


def selected_passes(argmax: bool = False) -> list[PipelinePass]:
    """The passes that run for these options, in order."""
    enabled = {"argmax": argmax}
    return [p for p in PASSES if p.option is None or enabled[p.option]]


@dataclass(frozen=True)
class PassTiming:
    name: str
    seconds: float


def run_pipeline(
    graph: Graph, dump_dir: Path | None = None, argmax: bool = False
) -> tuple[Graph, list[PassTiming]]:
    """Run the selected passes of :data:`PASSES`; return the final graph and per-pass timings."""
    check_legal(graph, "structural")
    timings = []
    if dump_dir is not None:
        dump_dir.mkdir(parents=True, exist_ok=True)
        (dump_dir / "00_frontend.txt").write_text(to_text(graph))
    for index, step in enumerate(selected_passes(argmax), start=1):
        start = time.perf_counter()
        graph = check_legal(step.run(graph), step.phase)
        timings.append(PassTiming(step.name, time.perf_counter() - start))
        if dump_dir is not None:
            (dump_dir / f"{index:02d}_{step.name}.txt").write_text(to_text(graph))
    return graph, timings
