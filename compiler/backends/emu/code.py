"""What the emulator's lowerings produce: buffers, constant tables and the C++ steps of each node.

The C++ works on blocks of ``kBlock`` events at a time: every tensor is a buffer
``T name[size][kBlock]`` (element-major, so that the innermost loop runs over the events of a
block and the compiler vectorizes it).  A lowering appends :class:`Step` s that read and write
these buffers; the header template only places the buffers, the tables and the steps.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ...ir.graph import Graph, Node
from ...ir.ops.base import Interval
from ...ir.ranges import RANGES
from ...ir.walk import walk
from ...names import identifier
from .arith import CastCode, CInt, cast_code, storage


@dataclass(frozen=True)
class Buffer:
    """The per-block storage of one tensor: ``ctype name[size][kBlock]``."""

    name: str
    ctype: CInt
    size: int


@dataclass(frozen=True)
class Table:
    """A constant array: ``static constexpr ctype name[len(values)]``."""

    name: str
    ctype: CInt
    values: tuple[int, ...]


@dataclass(frozen=True)
class Step:
    """The C++ statements computing one node, with what it came from (for comments)."""

    node: str
    op: str
    origin: str
    lines: tuple[str, ...]


@dataclass
class EmuCode:
    """Everything the header template places: buffers, tables and steps in graph order."""

    buffers: list[Buffer] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    tensor_buffer: dict[str, str] = field(default_factory=dict)


class Context:
    """What a lowering reads (graph, exact ranges, buffers) and where it writes (the code)."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        ranges = walk(graph, RANGES)  # one walk: each value before and after its cast
        self.exact, self.after_cast = ranges.exact, ranges.cast
        self.code = EmuCode()
        self._used: set[str] = set()

    # -- names ---------------------------------------------------------------------------
    def fresh(self, base: str) -> str:
        name = identifier(base)
        candidate, k = name, 1
        while candidate in self._used:
            k += 1
            candidate = f"{name}_{k}"
        self._used.add(candidate)
        return candidate

    # -- buffers -------------------------------------------------------------------------
    def define(self, node: Node) -> str:
        """A new buffer for the node's output tensor; returns its C++ access prefix."""
        t = node.output
        name = self.fresh(f"t_{t.name}")
        self.code.buffers.append(Buffer(name, storage(t.type, self.what(node)), t.size))
        self.code.tensor_buffer[t.name] = name
        return f"w.{name}"

    def alias(self, node: Node, source: str) -> None:
        """The node's output shares the buffer of tensor ``source`` (same type and layout)."""
        self.code.tensor_buffer[node.output.name] = self.code.tensor_buffer[source]

    def buffer(self, tensor: str) -> str:
        return f"w.{self.code.tensor_buffer[tensor]}"

    def ctype(self, tensor: str) -> CInt:
        return storage(self.graph.tensor(tensor).type, f"tensor {tensor!r}")

    # -- ranges --------------------------------------------------------------------------
    def exact_of(self, node: Node) -> Interval:
        return self.exact[node.output.name]

    def input_range(self, tensor: str) -> Interval:
        return self.after_cast[tensor]

    def output_cast(self, node: Node, value: str = "v") -> CastCode:
        """C++ casting ``value`` (the node's exact result, anywhere in its exact range) to
        the node's output type."""
        exact = self.exact_of(node)
        return cast_code(value, exact.min, exact.max, exact.frac, node.output.type, self.what(node))

    # -- output --------------------------------------------------------------------------
    def table(self, base: str, ctype: CInt, values: np.ndarray | list[int]) -> str:
        name = self.fresh(base)
        flat = tuple(int(v) for v in np.asarray(values, dtype=object).reshape(-1))
        self.code.tables.append(Table(name, ctype, flat))
        return name

    def step(self, node: Node, lines: list[str]) -> None:
        self.code.steps.append(Step(node.name, node.op, node.origin, tuple(lines)))

    @staticmethod
    def what(node: Node) -> str:
        origin = f" (layer {node.origin!r})" if node.origin and node.origin != node.name else ""
        return f"node {node.name!r}{origin}"


def event_loop(body: list[str], indent: str = "") -> list[str]:
    """``for (int e = 0; e < kBlock; ++e) { body }``."""
    return [
        f"{indent}for (int e = 0; e < kBlock; ++e) {{",
        *(f"{indent}  {line}" for line in body),
        f"{indent}}}",
    ]


def element_loop(n: int, body: list[str]) -> list[str]:
    """``for k in 0..n: for e in block: body`` (``body`` uses ``k`` and ``e``)."""
    return [f"for (int k = 0; k < {n}; ++k) {{", *event_loop(body, "  "), "}"]
