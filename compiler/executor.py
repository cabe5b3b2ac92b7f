"""Bit-exact execution of a :class:`~trigc.compiler.ir.Graph` on integer mantissas."""

from __future__ import annotations

import numpy as np

from .errors import TrigcError
from .ir import Graph
from .ops import cast_exact, get_op


def execute(
    graph: Graph, inputs: list[np.ndarray], keep_all: bool = False
) -> dict[str, np.ndarray]:
    """Run ``graph`` on input mantissas (batch axis first); see :meth:`Graph.run_int`."""
    input_nodes = graph.inputs
    if len(inputs) != len(input_nodes):
        raise TrigcError(f"graph {graph.name!r} takes {len(input_nodes)} inputs, got {len(inputs)}")
    values: dict[str, np.ndarray] = {}
    for node, x in zip(input_nodes, inputs, strict=True):
        x = np.asarray(x)
        if x.shape[1:] != node.output.shape:
            dims = ", ".join(map(str, node.output.shape))
            raise TrigcError(f"input {node.name!r} expects shape (batch, {dims}), got {x.shape}")
        t = node.output.type
        if x.size and (np.min(x) < t.min_int or np.max(x) > t.max_int):
            raise TrigcError(f"input {node.name!r}: mantissas outside the range of {t}")
        values[node.output.name] = x.astype(np.int64 if t.width <= 62 else object)
    for node in graph.nodes:
        if node.op == "input":
            continue
        xs = [values[name] for name in node.inputs]
        types = [graph.tensor(name).type for name in node.inputs]
        exact = get_op(node.op).exact(node, xs, types)
        values[node.output.name] = cast_exact(exact, node.output.type)
    if keep_all:
        return values
    return {name: values[name] for name in graph.outputs}
