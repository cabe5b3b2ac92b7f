"""The exact prefix: where trigc approximates a model only by hls4ml's tables (sigmoid, tanh,
softmax), every tensor before the tables is still the model's exact function, and Keras (in
float64) decides on it bit for bit.

:func:`exact_prefix` finds, for each table node, the tensor it reads (past the input cast
trigc puts before a softmax, hls4ml's softmax input type) and the Keras layer that computes it;
a layer whose own activation is the table gives its value before that activation.  Tensors
downstream of a table are not compared (Keras computes them from the float function).  The
tables themselves are hls4ml's: its C simulation runs them, and verify compares that with the
IR as for every other layer.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ...ir.executor import run_int
from ...ir.graph import Graph, Node
from ...project import Project
from ...vectors import events
from ..compare import Check
from ..decide import decides
from ..result import Comparison

TABLE_OPS = ("lut", "softmax")
"""The IR ops that hold hls4ml's tables."""
NAME = "keras-prefix"


@dataclass(frozen=True)
class Prefix:
    """The IR tensors compared exactly, the Keras layers that give them (in order), the
    layers taken before their own activation, and the tables that follow."""

    tensors: tuple[str, ...]
    layers: tuple[str, ...]
    before_activation: frozenset[str]
    tables: tuple[str, ...]

    def slots(self, graph: Graph) -> tuple[events.Slot, ...]:
        """Where each tensor is in a row of the prefix values."""
        return events.tensor_slots(graph, self.tensors)


def _downstream(graph: Graph, sources: set[str]) -> set[str]:
    """Tensors computed from any of ``sources``."""
    reached = set(sources)
    for node in graph.nodes:
        if any(i in reached for i in node.inputs):
            reached.add(node.output.name)
    return reached


def _read_by_table(graph: Graph, table: Node) -> Node:
    """The node whose tensor ``table`` reads, past the input cast made for it."""
    source = graph.node(table.inputs[0])
    if source.op == "requantize" and source.origin == table.origin:
        source = graph.node(source.inputs[0])
    return source


def exact_prefix(project: Project) -> Prefix | None:
    """The prefix of ``project``'s model that Keras computes exactly, or None (no table, or
    an approximation other than the tables: float values cast to a configuration)."""
    graph = project.graph
    tables = [n for n in graph.nodes if n.op in TABLE_OPS]
    if not tables or project.reference_exact:
        return None
    if set(project.manifest.model.approximated_layers) - {t.origin for t in tables}:
        return None
    after_tables = _downstream(graph, {t.output.name for t in tables})
    tensors: list[str] = []
    layers: list[str] = []
    fused: set[str] = set()
    for table in tables:
        source = _read_by_table(graph, table)
        name = source.output.name
        if source.op == "input" or name in after_tables or name in tensors or not source.origin:
            continue
        tensors.append(name)
        layers.append(source.origin)
        if source.origin == table.origin:
            fused.add(source.origin)
    if not tensors:
        return None
    return Prefix(tuple(tensors), tuple(layers), frozenset(fused), tuple(t.name for t in tables))


def compare_prefix(check: Check, prefix: Prefix, keras_values: np.ndarray) -> Comparison:
    """The IR's prefix tensors against Keras' (float64 rows, on each tensor's grid)."""
    graph, x = check.project.graph, check.x
    start = time.perf_counter()
    ir = run_int(graph, *events.split(events.input_slots(graph), x), keep_all=True)
    expected = np.concatenate(
        [np.asarray(ir[t]).reshape(len(x), -1) for t in prefix.tensors], axis=1
    )
    got, on_grid = events.to_mantissas(prefix.slots(graph), keras_values.reshape(len(x), -1))
    got[~on_grid] = np.iinfo(np.int64).min  # never equal to a real value
    same = np.all(got == expected, axis=1)
    first = int(np.argmin(same)) if not same.all() else None
    if first is not None:
        check.notes.append(_mismatch(graph, prefix, first, got[first], expected[first]))
    seconds = time.perf_counter() - start
    decide = decides(check.project, NAME)
    return Comparison(NAME, int(same.sum()), len(x), seconds, None, None, not decide)


def _mismatch(graph: Graph, prefix: Prefix, i: int, got: np.ndarray, want: np.ndarray) -> str:
    slots = prefix.slots(graph)
    pairs = zip(events.split(slots, got[None]), events.split(slots, want[None]), strict=True)
    for slot, (g, w) in zip(slots, pairs, strict=True):
        if not np.array_equal(g, w):
            keras = np.where(g == np.iinfo(np.int64).min, 0, g)  # off the grid: shown as 0
            return (
                f"{NAME}: vector #{i} first differs at tensor {slot.name!r} ({slot.type}): "
                f"IR {slot.type.to_float(w).reshape(-1).tolist()}, Keras "
                f"{slot.type.to_float(keras).reshape(-1).tolist()} (a Keras value off the "
                "tensor's grid shows as 0)"
            )
    return f"{NAME}: vector #{i} differs"


def prefix_note(prefix: Prefix) -> str:
    """What the prefix comparison covers, for the result's notes."""
    return (
        f"{NAME}: Keras in float64 decides bit for bit on the tensors "
        f"[{', '.join(prefix.tensors)}] that hls4ml's tables [{', '.join(prefix.tables)}] read "
        "(the model's exact function up to there); the tables themselves are hls4ml's own code, "
        "compared with the IR through its C simulation"
    )
