"""Comparing a representation's outputs with the IR executor's, as integers.

A :class:`Check` is what one representation's check needs; :func:`compare` runs it on the
vectors and counts identical rows; :func:`compare_reference` runs a model's own framework (float
values in, float values out) through the input and output grids first."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field

import numpy as np

from ..ir.graph import Graph
from ..progress import Progress
from ..project import Project
from ..vectors import events
from .decide import decides
from .result import Comparison


class Reference:
    """The IR executor's outputs, computed in a thread while the simulators build."""

    def __init__(self, future: Future[np.ndarray]) -> None:
        self._future = future

    @property
    def values(self) -> np.ndarray:
        return self._future.result()


@dataclass
class Check:
    """What one representation's check needs: the project, the vectors, the IR's outputs, the
    phase recorder, and where it leaves its notes (kept per check, joined in a fixed order)."""

    project: Project
    x: np.ndarray
    reference: Reference
    progress: Progress
    notes: list[str] = field(default_factory=list)


Diagnose = Callable[[np.ndarray], list[str]]
Checked = tuple[list[Comparison], Diagnose] | None
"""A check's comparisons (the first one diagnosed on a mismatch) and its diagnosis."""


def compare(
    name: str,
    run: Callable[[np.ndarray], np.ndarray],
    x: np.ndarray,
    reference: Reference,
    decide: bool = True,
) -> Comparison:
    """``run`` on the input mantissas ``x``, row by row equal to the IR's outputs or not."""
    start = time.perf_counter()
    out = np.asarray(run(x))
    seconds = time.perf_counter() - start
    expected = reference.values[: len(x)]
    same = np.all(out.reshape(len(x), -1) == expected.reshape(len(x), -1), axis=1)
    first = int(np.argmin(same)) if not same.all() else None
    return Comparison(name, int(same.sum()), len(x), seconds, first, out, not decide)


def onehot_argmax(y: np.ndarray) -> np.ndarray:
    """The one-hot of the first largest value along the last axis (``--argmax`` projects)."""
    first = np.argmax(y, axis=-1)[..., None]
    return (np.arange(y.shape[-1]) == first).astype(np.float64)


def as_firmware_outputs(project: Project, y: np.ndarray) -> np.ndarray:
    """The model's outputs as the firmware gives them: with ``--argmax``, the one-hot of each
    output's largest value."""
    if not project.argmax:
        return y
    slots = events.output_slots(project.graph)
    parts = events.split(slots, np.asarray(y).reshape(len(y), -1))
    return events.join([onehot_argmax(part) for part in parts])  # along each last axis


def on_grid_runner(
    project: Project, run: Callable[[np.ndarray], np.ndarray]
) -> Callable[[np.ndarray], np.ndarray]:
    """Integer inputs → the reference's outputs as mantissas (off-grid rows never match)."""
    slots = events.input_slots(project.graph)

    def run_int(x_int: np.ndarray) -> np.ndarray:
        x_float = (
            slots[0].type.to_float(x_int) if len(slots) == 1 else events.to_float(slots, x_int)
        )
        y = run(x_float)
        mantissas, on_grid = events.to_mantissas(
            events.output_slots(project.graph), y.reshape(len(x_int), -1)
        )
        mantissas[~on_grid] = np.iinfo(np.int64).min  # never equal to a real output
        return mantissas

    return run_int


def compare_reference(
    project: Project,
    name: str,
    run: Callable[[np.ndarray], np.ndarray],
    x: np.ndarray,
    reference: Reference,
    notes: list[str],
) -> Comparison:
    """The model's own framework against the IR: bit for bit, or, for a float model that
    trigc cast to a precision configuration, as information with the largest difference."""
    outputs: list[np.ndarray] = []

    def run_and_keep(x_float: np.ndarray) -> np.ndarray:
        y = as_firmware_outputs(project, run(x_float))
        outputs.append(y.reshape(len(x_float), -1))
        return outputs[-1]

    decide = decides(project, name)
    comparison = compare(name, on_grid_runner(project, run_and_keep), x, reference, decide)
    if not project.reference_exact:
        notes.append(_approximation_note(project, name, outputs[0], reference.values[: len(x)]))
    return comparison


def _approximation_note(project: Project, name: str, y: np.ndarray, ir_rows: np.ndarray) -> str:
    """How far a float model's own outputs lie from the IR's, in output LSBs."""
    graph: Graph = project.graph
    slots = events.output_slots(graph)
    out_t = slots[0].type
    diffs = np.abs(events.to_float(slots, ir_rows) - y)
    lsbs = np.concatenate([np.full(s.size, float(s.type.lsb)) for s in slots])
    worst = int(np.argmax(np.max(diffs, axis=0) / lsbs)) if diffs.size else 0
    out_t = events.slot_of_column(slots, worst)[0].type if diffs.size else out_t
    diff, median = float(np.max(diffs, initial=0)), float(np.median(diffs))
    layers = ", ".join(project.manifest.model.approximated_layers)
    return (
        f"{name} runs the float model, and trigc approximated [{layers}] (float weights/outputs "
        f"cast to the precision configuration, sigmoid/tanh as hls4ml's lookup tables), so "
        f"this reference cannot be bit-exact and does not "
        f"decide PASS/FAIL; largest |IR - {name}| = {diff:.4g} "
        f"({diff / float(out_t.lsb):.4g} output LSBs of {out_t}; saturating edge cases count), "
        f"median {median:.4g}. Bit for bit: the IR and every firmware simulation."
    )
