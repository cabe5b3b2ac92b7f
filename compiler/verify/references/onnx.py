"""onnxruntime running the project's ONNX file."""

from __future__ import annotations

import numpy as np

from ..compare import Check, Checked, compare_reference
from ..float_risks import FLOAT32_BITS, float_risks
from .common import missing_source


def check_onnx(check: Check) -> Checked:
    """The ONNX model in onnxruntime (float32) against the IR."""
    project = check.project
    if not project.source_model.is_file():
        raise missing_source(project)
    with check.progress.phase("load onnx"):
        from ...frontends.onnx.reference import onnx_runner  # noqa: PLC0415

        run = onnx_runner(project.source_model)
    with check.progress.phase("run onnx"):
        comparison = compare_reference(
            project,
            "onnx",
            lambda x: np.asarray(run(x), dtype=np.float64),
            check.x,
            check.reference,
            check.notes,
        )
    if project.reference_exact:
        check.notes.extend(
            float_risks(project.graph, FLOAT32_BITS, "the ONNX reference in float32")
        )
    return [comparison], lambda bad: []
