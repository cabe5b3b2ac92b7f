"""The compiler pipeline, top to bottom: every pass in order, verified after each.

``PASSES`` is the whole pipeline; :func:`run_pipeline` times each pass and can dump the IR
text after each one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .ir.graph import Graph
from .ir.legality import check_legal
from .ir.serialize import to_text
from .passes import fold_batchnorm, infer_precision

Pass = Callable[[Graph], Graph]

# (name, pass, verifier phase that must hold afterwards)
PASSES: list[tuple[str, Pass, str]] = [
    ("fold_batchnorm", fold_batchnorm.run, "structural"),
    ("infer_precision", infer_precision.run, "typed"),
]


@dataclass(frozen=True)
class PassTiming:
    name: str
    seconds: float


def run_pipeline(graph: Graph, dump_dir: Path | None = None) -> tuple[Graph, list[PassTiming]]:
    """Run every pass of :data:`PASSES`; return the final graph and per-pass timings."""
    check_legal(graph, "structural")
    timings = []
    if dump_dir is not None:
        dump_dir.mkdir(parents=True, exist_ok=True)
        (dump_dir / "00_frontend.txt").write_text(to_text(graph))
    for index, (name, run, phase) in enumerate(PASSES, start=1):
        start = time.perf_counter()
        graph = check_legal(run(graph), phase)
        timings.append(PassTiming(name, time.perf_counter() - start))
        if dump_dir is not None:
            (dump_dir / f"{index:02d}_{name}.txt").write_text(to_text(graph))
    return graph, timings
