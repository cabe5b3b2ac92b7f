"""Events as ``trigc verify`` holds them: one row per event, every tensor flattened, in order.

A model with several inputs takes, per event, each input tensor; one with several outputs gives
each output tensor.  ``verify`` keeps an event's inputs as one row (the inputs flattened and
concatenated in the graph's order, as the emulator and the RTL's packed ``in_data`` take them)
and its outputs likewise; :class:`Slot` says where each tensor is in the row, and the functions
here split rows into the per-tensor arrays the executor and the simulators take and join them
back.  A model with one input and one output is the case of one slot each.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..ir.fixed import FixedType
from ..ir.graph import Graph


@dataclass(frozen=True)
class Slot:
    """One tensor's place in an event row: columns ``start:stop``."""

    name: str
    shape: tuple[int, ...]
    type: FixedType
    start: int

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64)) if self.shape else 1

    @property
    def stop(self) -> int:
        return self.start + self.size


def _slots(tensors: list[tuple[str, tuple[int, ...], FixedType]]) -> tuple[Slot, ...]:
    out, start = [], 0
    for name, shape, t in tensors:
        slot = Slot(name, tuple(shape), t, start)
        out.append(slot)
        start = slot.stop
    return tuple(out)


def input_slots(graph: Graph) -> tuple[Slot, ...]:
    return _slots([(n.output.name, n.output.shape, n.output.type) for n in graph.inputs])


def output_slots(graph: Graph) -> tuple[Slot, ...]:
    return tensor_slots(graph, graph.outputs)


def tensor_slots(graph: Graph, names: tuple[str, ...]) -> tuple[Slot, ...]:
    """The slots of the tensors ``names`` side by side in a row, in that order."""
    return _slots([(n, graph.tensor(n).shape, graph.tensor(n).type) for n in names])


def width(slots: tuple[Slot, ...]) -> int:
    return slots[-1].stop if slots else 0


def split(slots: tuple[Slot, ...], rows: np.ndarray) -> list[np.ndarray]:
    """Event rows → one array per tensor, shaped ``(events, *shape)``."""
    rows = np.asarray(rows)
    rows = rows.reshape(len(rows), -1)
    return [rows[:, s.start : s.stop].reshape(len(rows), *s.shape) for s in slots]


def join(arrays: list[np.ndarray]) -> np.ndarray:
    """One array per tensor (events first) → event rows."""
    n = len(arrays[0])
    return np.concatenate([np.asarray(a).reshape(n, -1) for a in arrays], axis=1)


def to_float(slots: tuple[Slot, ...], rows: np.ndarray) -> np.ndarray:
    """Mantissa rows → real values, each tensor in its own type."""
    parts = split(slots, rows)
    return join([s.type.to_float(p) for s, p in zip(slots, parts, strict=True)])


def to_mantissas(slots: tuple[Slot, ...], values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Real rows → mantissas (rounded) and a mask of the rows that lie on every grid."""
    values = np.asarray(values, dtype=np.float64).reshape(len(values), -1)
    fracs = np.concatenate([np.full(s.size, s.type.frac) for s in slots])
    scaled = np.ldexp(values, fracs.astype(np.int64))
    on_grid = np.all(scaled == np.round(scaled), axis=1)
    return np.round(scaled).astype(np.int64), on_grid


def slot_of_column(slots: tuple[Slot, ...], column: int) -> tuple[Slot, int]:
    """The tensor a row's column belongs to, and the element's index in it."""
    for s in slots:
        if s.start <= column < s.stop:
            return s, column - s.start
    raise IndexError(column)


def run_rows(graph: Graph, x: np.ndarray) -> np.ndarray:
    """The IR executor on event rows (one input may keep its own shape) → output rows (one
    output keeps its own shape)."""
    from ..ir.executor import run_int  # noqa: PLC0415

    if len(graph.inputs) == 1 and len(graph.outputs) == 1:
        return run_int(graph, x)[graph.outputs[0]]
    results = run_int(graph, *split(input_slots(graph), x))
    return join([results[name] for name in graph.outputs])
