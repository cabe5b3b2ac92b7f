"""Bit-exact execution of a :class:`~trigc.compiler.ir.Graph` on integer mantissas."""

from __future__ import annotations

import numpy as np

from ..errors import TrigcError
from .graph import Graph
from .ops import get_op
from .ops.base import cast_to_tensor
from .walk import Semantics, walk

CHUNK_ROWS = 8192
"""Rows run through the whole graph at a time: every intermediate then stays in the CPU cache,
which makes a large batch several times faster than one pass per node over all of it."""


def require_mantissas(x: np.ndarray, what: str, for_reals: str) -> np.ndarray:
    """``x`` as an array of integer mantissas; real values (a float array) are refused, since
    read as mantissas they would be wrong answers, not an error."""
    x = np.asarray(x)
    if x.dtype.kind in "iu" or (x.dtype == object and all(isinstance(v, int) for v in x.flat)):
        return x
    raise TrigcError(
        f"{what}: got an array of {x.dtype}; integer entry points take mantissas (each value "
        f"times 2**frac of the input type, as integers). Pass real values to {for_reals}, or "
        "mantissas held in floats through .astype(np.int64)"
    )


def execute(
    graph: Graph, inputs: list[np.ndarray], keep_all: bool = False
) -> dict[str, np.ndarray]:
    """Run ``graph`` on input mantissas (batch axis first); see :meth:`Graph.run_int`."""
    input_nodes = graph.inputs
    if len(inputs) != len(input_nodes):
        raise TrigcError(f"graph {graph.name!r} takes {len(input_nodes)} inputs, got {len(inputs)}")
    batch: list[np.ndarray] = []
    for node, x in zip(input_nodes, inputs, strict=True):
        x = require_mantissas(x, f"input {node.name!r}", "run_float")
        if x.shape[1:] != node.output.shape:
            dims = ", ".join(map(str, node.output.shape))
            raise TrigcError(f"input {node.name!r} expects shape (batch, {dims}), got {x.shape}")
        t = node.output.type
        if x.size and (np.min(x) < t.min_int or np.max(x) > t.max_int):
            raise TrigcError(f"input {node.name!r}: mantissas outside the range of {t}")
        batch.append(x.astype(np.int64 if t.width <= 62 else object))
    rows = {len(x) for x in batch}
    if len(rows) > 1:
        raise TrigcError(f"graph {graph.name!r}: inputs with different batch sizes {sorted(rows)}")
    n = rows.pop() if rows else 0
    chunks = [
        _execute_rows(graph, [x[start : start + CHUNK_ROWS] for x in batch], keep_all)
        for start in range(0, n, CHUNK_ROWS)
    ] or [_execute_rows(graph, batch, keep_all)]
    if len(chunks) == 1:
        return chunks[0]
    return {name: np.concatenate([c[name] for c in chunks]) for name in chunks[0]}


def _execute_rows(graph: Graph, inputs: list[np.ndarray], keep_all: bool) -> dict[str, np.ndarray]:
    given = {node.output.name: x for node, x in zip(graph.inputs, inputs, strict=True)}
    semantics: Semantics = Semantics(
        input=lambda node: given[node.output.name],
        apply=lambda node, xs, ins: get_op(node.op).exact(node, xs, [t.type for t in ins]),
        cast=cast_to_tensor,
    )
    values = walk(graph, semantics, keep_exact=False).cast
    if keep_all:
        return values
    return {name: values[name] for name in graph.outputs}


def run_int(graph: Graph, *inputs: np.ndarray, keep_all: bool = False) -> dict[str, np.ndarray]:
    """Execute ``graph`` on integer mantissas (batch axis first).

    Returns the output tensors by name, or every tensor when ``keep_all``.
    """
    return execute(graph, list(inputs), keep_all=keep_all)


def run_float(graph: Graph, *inputs: np.ndarray) -> list[np.ndarray]:
    """Execute ``graph`` on real values that lie exactly on the input types' grids.

    Returns the outputs as float64 (exact while output widths are at most 53 bits).
    """
    mantissas = [
        node.output.type.from_float_exact(x, f"input {node.name!r} value")
        for node, x in zip(graph.inputs, inputs, strict=True)
    ]
    results = run_int(graph, *mantissas)
    return [graph.tensor(name).type.to_float(results[name]) for name in graph.outputs]
