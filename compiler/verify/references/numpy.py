"""trigc's own float64 NumPy evaluation of a Keras 2 or HGQ2 file, as trigc read it."""

from __future__ import annotations

from ..compare import Check, Checked, compare_reference
from ..float_risks import FLOAT64_BITS, float_risks
from .hgq import check_hgq_library


def check_numpy(check: Check) -> Checked:
    """The file as trigc read it, in float64 NumPy, against the IR (and, for HGQ models,
    HGQ's own library)."""
    project = check.project
    with check.progress.phase("run numpy"):
        if project.source_format == "hgq2":
            from ...frontends.hgq.hgq2 import hgq2_numpy_runner  # noqa: PLC0415

            runner = hgq2_numpy_runner(project.source_model)
        else:
            from ...frontends.keras2.reader import legacy_numpy_runner  # noqa: PLC0415

            runner = legacy_numpy_runner(project.source_model, project.source_weights)
        comparison = compare_reference(
            project, "numpy", runner, check.x, check.reference, check.notes
        )
    check.notes.extend(float_risks(project.graph, FLOAT64_BITS, "the float64 NumPy reference"))
    return [comparison, *check_hgq_library(check)], lambda bad: []
