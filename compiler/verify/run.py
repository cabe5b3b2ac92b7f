"""``trigc verify``'s orchestration: the vectors, one thread per representation, the results in
a fixed order.

Every representation runs on the same input mantissas; outputs are compared as integers.  The
IR executor is the reference; each other representation is compared against it and the count of
identical vectors reported.  On a mismatch the first differing vector is shown with a
layer-by-layer comparison that locates the first layer that differs."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from ..errors import TrigcError
from ..ir.graph import Graph
from ..progress import Progress
from ..project import Project, open_project
from ..vectors import events
from ..vectors.input_data import read_vectors
from ..vectors.stimuli import make_vectors
from .compare import Check, Checked, Diagnose, Reference
from .diagnosis import first_mismatch_text
from .firmware import FIRMWARE_CHECKS
from .protocol import default_protocol_simulators, run_protocol
from .references import REFERENCES
from .result import Comparison, VerifyResult

CHECKS: dict[str, Callable[[Check], Checked]] = {**REFERENCES, **FIRMWARE_CHECKS}
"""Representation -> its check, each run in its own thread."""


def _validate(project: Project, wanted: tuple[str, ...], available: list[str]) -> None:
    path = project.path
    for name in wanted:
        if name not in CHECKS:
            raise TrigcError(f"--only: unknown representation {name!r}; valid: {', '.join(CHECKS)}")
        if name in REFERENCES and name != project.reference:
            raise TrigcError(
                f"{path}: the project's model ({project.source_format}) is run in "
                f"{project.reference!r}, not {name!r}; use --only {project.reference}"
            )
        if name not in REFERENCES and name not in available:
            raise TrigcError(
                f"{path}: the project has no {name} backend; compile with --backend {name}"
            )


def verify_project(
    path: Path | Project,
    vectors: int = 10000,
    inputs: str | Path | None = None,
    seed: int = 0,
    representations: tuple[str, ...] | None = None,
    csim_vectors: int | None = None,
    protocol_sims: tuple[str, ...] | None = None,
    progress: Progress | None = None,
    branches: list[str] | None = None,
    quantize_inputs: bool = False,
) -> VerifyResult:
    """Compare every available representation of the project with the IR executor.

    The representations build and run at the same time (threads around compilers and
    simulators); results, notes and the diagnosis come out in a fixed order.
    ``protocol_sims`` None: :func:`default_protocol_simulators`."""
    progress = progress or Progress()
    project = path if isinstance(path, Project) else open_project(path)
    graph = project.graph
    moved = None
    if inputs is not None:
        read = read_vectors(graph, inputs, branches, quantize_inputs)
        x, edges, moved = read.mantissas, 0, read.moved
    else:
        x, edges = make_vectors(graph, vectors, seed)
    result = VerifyResult(len(x), edges)
    if moved is not None:
        result.notes.append(
            f"--quantize-inputs: {moved} of {x.size} input values were off the grid or out of "
            f"range of {graph.inputs[0].output.type} and were rounded/saturated as ap_fixed does"
        )
    available = [project.reference, *project.manifest.backends]
    wanted = representations or tuple(available)
    _validate(project, wanted, available)
    if protocol_sims is None:
        protocol_sims = default_protocol_simulators()
    sims = protocol_sims if "rtl" in wanted else ()
    progress.say(
        f"{len(x)} vectors through {', '.join(['ir', *wanted])}"
        + (f"; protocol tests on {', '.join(sims)}" if sims else "")
    )
    with ThreadPoolExecutor(max_workers=1 + len(wanted) + len(sims)) as pool:

        def run_ir() -> np.ndarray:
            with progress.phase("run ir"):
                return events.run_rows(graph, x)

        reference = Reference(pool.submit(run_ir))
        checks = {}
        for name in wanted:
            subset = x if name != "hls" or csim_vectors is None else x[:csim_vectors]
            check = Check(project, subset, reference, progress)
            checks[name] = (check, pool.submit(CHECKS[name], check))
        protocols = [pool.submit(run_protocol, project, s, seed, progress) for s in sims]
        for check, future in checks.values():
            checked = future.result()
            result.notes.extend(check.notes)
            if checked is not None:
                result.comparisons.extend(checked[0])
                result.diagnosis += _diagnosis(graph, check, *checked)
        result.protocol = [f.result() for f in protocols]
    return result


def _diagnosis(
    graph: Graph, check: Check, comparisons: list[Comparison], diagnose: Diagnose
) -> list[str]:
    comparison = comparisons[0]
    if comparison.first_mismatch is None or comparison.informative:
        return []
    assert comparison.outputs is not None
    bad = check.x[comparison.first_mismatch]
    return [
        *first_mismatch_text(
            graph,
            comparison.name,
            comparison.first_mismatch,
            comparison.outputs,
            check.x,
            check.reference.values,
        ),
        *diagnose(bad),
    ]
